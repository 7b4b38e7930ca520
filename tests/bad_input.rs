//! Bad input gets a clear error naming what is wrong, never a panic; a bad ingest is
//! reported in plain words while the recording keeps going; no key is ever printed.

// A test (or bench tool) stops at the first thing that is not as it should be.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use support::*;

fn copy_fixtures(to: &Path) {
    for entry in std::fs::read_dir(repo().join("tests/fixtures")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn assert_no_panic(output: &str) {
    assert!(!output.contains("panicked"), "kaibo panicked:\n{output}");
    assert!(!output.contains("RUST_BACKTRACE"), "kaibo panicked:\n{output}");
}

/// Every bad show in the table makes `kaibo live` refuse to start, naming the field.
#[test]
fn bad_shows_are_refused_with_the_field_named() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixtures(dir.path());
    let table: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(repo().join("tests/fixtures/bad_shows.json")).unwrap()).unwrap();
    assert!(table.len() >= 15, "the table needs at least 15 kinds of bad show");
    for case in &table {
        let name = case["name"].as_str().unwrap();
        let text = match case.get("raw") {
            Some(raw) => raw.as_str().unwrap().to_owned(),
            None => serde_json::to_string_pretty(&case["show"]).unwrap(),
        };
        let show = dir.path().join("case.json");
        std::fs::write(&show, text).unwrap();
        let record = dir.path().join("case.mp4");
        let (code, output) =
            run_kaibo(&["live", show.to_str().unwrap(), "--record", record.to_str().unwrap(), "--duration", "1"]);
        assert_no_panic(&output);
        assert_eq!(code, Some(2), "{name}: expected exit 2:\n{output}");
        let path = case["expect_path"].as_str().unwrap();
        let message = case["expect_message"].as_str().unwrap();
        assert!(
            output.lines().any(|l| l.contains(&format!("{path}: ")) && l.contains(message)),
            "{name}: expected `{path}: ...{message}...` in:\n{output}"
        );
    }
}

#[test]
fn check_accepts_the_demo_and_rejects_a_bad_show() {
    let (code, output) = run_kaibo(&["check", repo().join("assets/shows/demo.json").to_str().unwrap()]);
    assert_no_panic(&output);
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("plugins: all present"), "{output}");
    assert!(output.contains("cameras:"), "{output}");
    assert!(output.contains("microphones:"), "{output}");

    let dir = tempfile::tempdir().unwrap();
    let show = dir.path().join("bad.json");
    std::fs::write(&show, r#"{"canvas": {"width": 1280, "height": 720, "fps": 30}, "scenes": []}"#).unwrap();
    let (code, output) = run_kaibo(&["check", show.to_str().unwrap()]);
    assert_no_panic(&output);
    assert_ne!(code, Some(0), "{output}");
    assert!(output.contains("scenes: "), "{output}");

    let (code, output) = run_kaibo(&["check", dir.path().join("missing.json").to_str().unwrap()]);
    assert_no_panic(&output);
    assert_ne!(code, Some(0), "{output}");
    assert!(output.contains("missing.json"), "{output}");
}

#[test]
fn wrong_scheme_on_the_command_line_is_refused() {
    let (code, output) = run_kaibo(&[
        "live",
        repo().join("assets/shows/demo.json").to_str().unwrap(),
        "--to",
        "http://127.0.0.1/live/sk_wrong_scheme_991",
        "--no-record",
    ]);
    assert_no_panic(&output);
    assert_eq!(code, Some(2), "{output}");
    assert!(output.contains("--to #1 URL"), "{output}");
    assert!(output.contains("rtmp"), "the error should say which schemes work:\n{output}");
    assert!(!output.contains("sk_wrong_scheme_991"), "key leaked:\n{output}");
}

/// Each bad ingest is named in plain words within 5 s of going live; the recording runs to
/// the end regardless.
#[test]
fn bad_ingests_are_reported_while_the_recording_goes_on() {
    let nginx = Nginx::start();
    let closed = free_port();
    let cases = [
        ("refused port", format!("rtmp://127.0.0.1:{closed}/live/sk_refused_1234"), "refused the connection"),
        ("key refused at publish", nginx.url("guarded", "sk_rejected_5678"), "the stream key is probably wrong"),
        (
            "unknown host",
            "rtmp://no-such-ingest.invalid/live/sk_unknown_9012".to_owned(),
            "cannot find the ingest host",
        ),
    ];
    // A stream key already in use is refused at publish, as platforms refuse a wrong key.
    let taken = nginx.url("live", "sk_taken_3456");
    let mut first = std::process::Command::new("gst-launch-1.0")
        .args([
            "-q",
            "videotestsrc",
            "is-live=true",
            "!",
            "x264enc",
            "tune=zerolatency",
            "!",
            "flvmux",
            "streamable=true",
            "!",
            "rtmp2sink",
        ])
        .arg(format!("location={taken}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let cases = cases.into_iter().chain([("key in use", taken, "rejected the stream key")]);
    let dir = tempfile::tempdir().unwrap();
    let show = repo().join("assets/shows/demo.json");
    for (name, url, expected) in cases {
        let recording = dir.path().join(format!("{}.mp4", name.replace(' ', "-")));
        let kaibo = Kaibo::spawn(&[
            "live",
            show.to_str().unwrap(),
            "--to",
            &url,
            "--record",
            recording.to_str().unwrap(),
            "--duration",
            "8",
        ]);
        let live = kaibo.wait_for("recording: live", Duration::from_secs(20)).expect("the recording never started");
        let error = kaibo.wait_for(expected, Duration::from_secs(20));
        let (code, output) = kaibo.finish(Duration::from_secs(60));
        assert_no_panic(&output);
        let error = error.unwrap_or_else(|| panic!("{name}: no `{expected}` in:\n{output}"));
        let after = error.saturating_duration_since(live);
        assert!(after < Duration::from_secs(5), "{name}: reported {after:?} after going live");
        assert_eq!(code, Some(0), "{name}: {output}");
        let key = url.rsplit('/').next().unwrap();
        assert!(!output.contains(key), "{name}: key leaked:\n{output}");
        let duration = num(&probe(&recording)["format"]["duration"]);
        assert!(duration > 6.0, "{name}: the recording stopped at {duration} s");
    }
    let _ = first.kill();
    let _ = first.wait();
}
