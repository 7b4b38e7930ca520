//! Never drop the show: destinations come back by themselves after an ingest crash, a frozen
//! ingest is dropped without holding up anything else, SRT works, and a `kill -9` of the
//! studio leaves a recording that plays.

// A test (or bench tool) stops at the first thing that is not as it should be.
#![allow(clippy::unwrap_used)]

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

fn demo() -> String {
    repo().join("assets/shows/demo.json").to_string_lossy().into_owned()
}

/// ffprobe can read the stream at `url` (codec h264): it is really on the ingest.
fn on_air(url: &str) -> bool {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-rw_timeout",
            "5000000",
            "-select_streams",
            "v",
            "-show_entries",
            "stream=codec_name",
            "-of",
            "csv=p=0",
            url,
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "h264"
}

#[test]
fn both_destinations_come_back_after_each_ingest_crash_and_the_recording_never_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let mut nginx = Nginx::start();
    let (main, backup) = (nginx.url("live", "sk_main_1111"), nginx.url("backup", "sk_backup_2222"));
    let recording = dir.path().join("recording.mp4");
    let kaibo = Kaibo::spawn(&[
        "live",
        &demo(),
        "--to",
        &main,
        "--to",
        &backup,
        "--record",
        recording.to_str().unwrap(),
        "--duration",
        "45",
    ]);
    assert!(kaibo.wait_for("to-1: live", Duration::from_secs(20)).is_some(), "never went live:\n{}", kaibo.output());
    assert!(kaibo.wait_for("to-2: live", Duration::from_secs(20)).is_some(), "never went live:\n{}", kaibo.output());
    std::thread::sleep(Duration::from_secs(3));

    for round in 1..=3 {
        // Read the clock first: the studio may see the loss before `kill` returns.
        let killed = Instant::now();
        nginx.kill();
        assert!(
            kaibo.wait_for_after("to-1: the ingest", killed, Duration::from_secs(10)).is_some(),
            "round {round}: the loss was not reported:\n{}",
            kaibo.output()
        );
        std::thread::sleep(Duration::from_secs(4));
        let back = Instant::now();
        nginx.restart();
        for id in ["to-1", "to-2"] {
            let live = kaibo
                .wait_for_after(&format!("{id}: live"), back, Duration::from_secs(10))
                .unwrap_or_else(|| panic!("round {round}: {id} did not come back:\n{}", kaibo.output()));
            let after = live.duration_since(back);
            assert!(after <= Duration::from_secs(2), "round {round}: {id} live again {after:?} after nginx returned");
        }
        assert!(on_air(&main), "round {round}: nothing on the main ingest");
        assert!(on_air(&backup), "round {round}: nothing on the backup ingest");
        std::thread::sleep(Duration::from_secs(3));
    }
    let (code, output) = kaibo.finish(Duration::from_secs(90));
    assert_eq!(code, Some(0), "{output}");
    assert!(!output.contains("sk_main_1111") && !output.contains("sk_backup_2222"), "a key leaked:\n{output}");

    let times = video_packet_times(&recording);
    let span = assert_real_time("recording", &times, 30.0, 0.1);
    assert!(span > 40.0, "the recording covers only {span:.1} s");
}

/// The operator stops, starts and restarts one destination while live; the other one and
/// the recording never notice.
#[test]
fn one_destination_stops_starts_and_restarts_alone() {
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start();
    let (main, backup) = (nginx.url("live", "solo-main"), nginx.url("backup", "solo-backup"));
    let recording = dir.path().join("recording.mp4");
    let mut kaibo = Kaibo::spawn_interactive(&[
        "live",
        &demo(),
        "--to",
        &main,
        "--to",
        &backup,
        "--record",
        recording.to_str().unwrap(),
        "--duration",
        "20",
    ]);
    assert!(kaibo.wait_for("to-1: live", Duration::from_secs(20)).is_some(), "{}", kaibo.output());
    assert!(kaibo.wait_for("to-2: live", Duration::from_secs(20)).is_some(), "{}", kaibo.output());
    let pulled = dir.path().join("main.flv");
    let mut puller = pull(&main, 14, &pulled);
    std::thread::sleep(Duration::from_secs(2));

    let typed = kaibo.type_line("stop to-2");
    assert!(kaibo.wait_for_after("to-2: stopped", typed, Duration::from_secs(5)).is_some(), "{}", kaibo.output());
    std::thread::sleep(Duration::from_secs(2));
    assert!(!on_air(&backup), "to-2 still on air after stop");
    let typed = kaibo.type_line("start to-2");
    assert!(kaibo.wait_for_after("to-2: live", typed, Duration::from_secs(10)).is_some(), "{}", kaibo.output());
    assert!(on_air(&backup), "to-2 not on air after start");
    let typed = kaibo.type_line("restart to-2");
    assert!(kaibo.wait_for_after("to-2: live", typed, Duration::from_secs(10)).is_some(), "{}", kaibo.output());
    let typed = kaibo.type_line("stop no-such-destination");
    assert!(
        kaibo.wait_for_after("there is no destination", typed, Duration::from_secs(5)).is_some(),
        "{}",
        kaibo.output()
    );

    assert!(puller.wait().unwrap().success());
    let (code, output) = kaibo.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{output}");
    // to-1 never changed state after going live, and its stream kept real time.
    let main_states = output.lines().filter(|l| l.starts_with("to-1: ")).count();
    assert_eq!(main_states, 2, "to-1 should only connect and go live once:\n{output}");
    assert!(!output.contains("warning: to-1") && !output.contains("error: to-1"), "{output}");
    assert_real_time("to-1 while to-2 was stopped and restarted", &video_packet_times(&pulled), 30.0, 0.1);
    let recorded = video_packet_times(&recording);
    assert!(recorded.len() > 300, "the recording holds {} frames:\n{output}", recorded.len());
    assert_real_time("recording", &recorded, 30.0, 0.1);
}

#[test]
fn a_frozen_ingest_is_dropped_within_3_s_and_holds_up_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let frozen = Nginx::start();
    let healthy = Nginx::start();
    let (frozen_url, healthy_url) = (frozen.url("live", "frozen"), healthy.url("live", "healthy"));
    let recording = dir.path().join("recording.mp4");
    let kaibo = Kaibo::spawn(&[
        "live",
        &demo(),
        "--to",
        &frozen_url,
        "--to",
        &healthy_url,
        "--record",
        recording.to_str().unwrap(),
        "--duration",
        "22",
    ]);
    assert!(kaibo.wait_for("to-1: live", Duration::from_secs(20)).is_some(), "{}", kaibo.output());
    assert!(kaibo.wait_for("to-2: live", Duration::from_secs(20)).is_some(), "{}", kaibo.output());
    std::thread::sleep(Duration::from_secs(2));

    let pulled = dir.path().join("healthy.flv");
    let mut puller = pull(&healthy_url, 12, &pulled);
    std::thread::sleep(Duration::from_secs(2));
    frozen.signal("STOP");
    let stopped = Instant::now();
    let reported = kaibo.wait_for_after("to-1: the ingest stopped reading", stopped, Duration::from_secs(15));
    let reported = reported.unwrap_or_else(|| panic!("the frozen ingest was not reported:\n{}", kaibo.output()));
    let after = reported.duration_since(stopped);
    assert!(after <= Duration::from_secs(3), "the frozen ingest was reported after {after:?}");
    assert!(puller.wait().unwrap().success());
    frozen.signal("CONT");
    let (code, output) = kaibo.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{output}");

    // The other destination and the recording kept real time through the freeze.
    assert_real_time("healthy destination", &video_packet_times(&pulled), 30.0, 0.1);
    assert_real_time("recording", &video_packet_times(&recording), 30.0, 0.1);
}

#[test]
fn pushes_over_srt() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let received = dir.path().join("received.ts");
    let mut listener = Command::new("srt-live-transmit")
        .args(["-q", &format!("srt://127.0.0.1:{port}?mode=listener"), "file://con"])
        .stdout(std::fs::File::create(&received).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("srt-live-transmit is missing: apt-get install srt-tools");
    std::thread::sleep(Duration::from_millis(500));
    let url = format!("srt://127.0.0.1:{port}?streamid=sk_srt_7777");
    let (code, output) = run_kaibo(&["live", &demo(), "--to", &url, "--no-record", "--duration", "8"]);
    let _ = listener.kill();
    let _ = listener.wait();
    assert_eq!(code, Some(0), "{output}");
    assert!(!output.contains("sk_srt_7777"), "the stream id leaked:\n{output}");
    let info = probe(&received);
    assert_eq!(stream(&info, "video")["codec_name"], "h264", "{info}");
    assert_eq!(stream(&info, "video")["width"], 1280);
    assert_eq!(stream(&info, "audio")["codec_name"], "aac", "{info}");
    let frames = video_packet_times(&received).len();
    assert!(frames > 150, "only {frames} frames arrived over SRT");
}

#[test]
fn kill_9_leaves_a_recording_that_plays() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("crash.mp4");
    let mut kaibo = Kaibo::spawn(&["live", &demo(), "--record", recording.to_str().unwrap()]);
    let started = kaibo
        .wait_for("recording: live", Duration::from_secs(60))
        .unwrap_or_else(|| panic!("the recording never started:\n{}", kaibo.output()));
    std::thread::sleep(Duration::from_secs(10));
    kaibo.child.kill().unwrap(); // SIGKILL: no chance to finish the file
    let elapsed = started.elapsed().as_secs_f64();
    let _ = kaibo.child.wait();
    let duration = num(&probe(&recording)["format"]["duration"]);
    assert!((duration - elapsed).abs() <= 2.0, "the file plays {duration:.1} s of {elapsed:.1} s recorded");
    let times = video_packet_times(&recording);
    assert_real_time("crashed recording", &times, 30.0, 0.1);
}
