//! GStreamer's own debug log never shows a stream key: `kaibo live` goes live to a real
//! nginx-rtmp with `GST_DEBUG=rtmp*:7`, `GST_DEBUG=4` and `GST_DEBUG=rtmp*:9`, and with
//! `GST_DEBUG_FILE`, and neither its output nor the log file holds the key (plain or
//! percent-encoded), while they do hold rtmp2's debug lines, so logging was on.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::*;

const KEY: &str = "SUPERSECRETKEY42";

fn write_show(dir: &Path) -> PathBuf {
    let show = serde_json::json!({
        "name": "gst-log-secrets",
        "canvas": { "width": 320, "height": 180, "fps": 15 },
        "audio": { "source": "tone" },
        "scenes": [{ "id": "main", "layers": [{ "id": "cam", "kind": "camera", "device": "test" }] }],
        "encoding": { "video_bitrate_kbps": 500, "keyframe_interval_s": 2 }
    });
    let path = dir.join("show.json");
    std::fs::write(&path, serde_json::to_string_pretty(&show).unwrap()).unwrap();
    path
}

/// The forms of the key that must never be printed.
fn key_forms() -> Vec<String> {
    let encoded: String = KEY.bytes().map(|b| format!("%{b:02X}")).collect();
    vec![KEY.to_owned(), KEY.to_lowercase(), encoded]
}

fn assert_no_key(what: &str, text: &str) {
    for form in key_forms() {
        if let Some(at) = text.find(&form) {
            let line = text[..at].rsplit('\n').next().unwrap_or_default();
            panic!("{what} shows the key {form:?}: {line}{form}...");
        }
    }
}

/// Goes live to nginx for 4 s with the given environment; returns what kaibo printed.
fn live_with(env: &[(&str, &str)]) -> String {
    let nginx = Nginx::start();
    let dir = tempfile::tempdir().unwrap();
    let show = write_show(dir.path());
    let url = nginx.url("live", KEY);
    let kaibo =
        Kaibo::spawn_with_env(&["live", show.to_str().unwrap(), "--to", &url, "--duration", "4", "--no-record"], env);
    let arrived = kaibo.wait_for("to-1 live", Duration::from_secs(60));
    let (code, output) = kaibo.finish(Duration::from_secs(60));
    assert!(arrived.is_some(), "the stream never went live at nginx ({env:?}):\n{}", tail(&output));
    assert_eq!(code, Some(0), "kaibo live failed ({env:?}):\n{}", tail(&output));
    output
}

/// The last lines of a long log, for a failure message.
fn tail(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn rtmp2_lines(text: &str) -> usize {
    text.lines().filter(|l| l.contains("rtmp2") && l.contains(".c:")).count()
}

#[test]
fn rtmp_trace_logging_shows_no_key() {
    let output = live_with(&[("GST_DEBUG", "rtmp*:7")]);
    assert!(rtmp2_lines(&output) > 10, "rtmp2 logged nothing, the check proves nothing:\n{}", tail(&output));
    assert!(output.contains("****"), "no scrubbed line: rtmp2 names its stream at DEBUG");
    assert_no_key("GST_DEBUG=rtmp*:7", &output);
}

#[test]
fn info_logging_of_everything_shows_no_key() {
    let output = live_with(&[("GST_DEBUG", "4")]);
    assert!(output.lines().filter(|l| l.contains(" INFO ")).count() > 10, "no INFO lines:\n{}", tail(&output));
    assert!(rtmp2_lines(&output) > 0, "rtmp2 logged nothing at INFO:\n{}", tail(&output));
    assert_no_key("GST_DEBUG=4", &output);
}

#[test]
fn memory_dumps_show_no_key() {
    let output = live_with(&[("GST_DEBUG", "rtmp*:9")]);
    assert!(rtmp2_lines(&output) > 10, "rtmp2 logged nothing:\n{}", tail(&output));
    assert_no_key("GST_DEBUG=rtmp*:9", &output);
}

#[test]
fn the_debug_file_holds_no_key() {
    let logs = tempfile::tempdir().unwrap();
    let file = logs.path().join("gst.log");
    let output = live_with(&[("GST_DEBUG", "rtmp*:7"), ("GST_DEBUG_FILE", file.to_str().unwrap())]);
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(rtmp2_lines(&written) > 10, "the debug file has no rtmp2 lines:\n{}", tail(&written));
    assert_no_key("GST_DEBUG_FILE", &written);
    assert_no_key("kaibo's output with GST_DEBUG_FILE", &output);
    assert_eq!(rtmp2_lines(&output), 0, "the log went to the terminal instead of GST_DEBUG_FILE");
}
