#![allow(clippy::unwrap_used)]
//! The recording is its own switch (issue 11, item 1): `start_recording` without Go Live
//! writes a file ffprobe reads at the canvas size and fps, `stop_recording` finalizes it, and
//! two recordings in a row are two files. A recording started on its own outlives End. The
//! mistakes (stopping when nothing records, starting twice, no recording folder) are told in
//! words. The real `kaibo serve`, a real nginx-rtmp, ffprobe on the files.

#[path = "../../../tests/support/mod.rs"]
mod e2e;

use std::path::Path;
use std::time::Duration;

use e2e::{num, probe, rate, stream, Nginx, Served};
use serde_json::json;

const W: u64 = 640;
const H: u64 = 360;
const FPS: f64 = 25.0;

fn write_show(dir: &Path, ingest: &str) -> String {
    let show = json!({
        "name": "rec switch",
        "canvas": { "width": W, "height": H, "fps": FPS as u32 },
        "audio": { "source": "tone" },
        "scenes": [{ "id": "main", "layers": [{ "kind": "camera", "id": "camera", "device": "test" }] }],
        "destinations": [{ "id": "shop", "platform": "custom", "url": ingest }],
    });
    let path = dir.join("show.json");
    std::fs::write(&path, serde_json::to_string_pretty(&show).unwrap()).unwrap();
    path.to_string_lossy().into_owned()
}

/// Starts a recording, waits until its health says frames are being written, stops it, and
/// returns the finished file.
fn record_a_while(served: &Served) -> String {
    let (status, reply) = served.command(json!({ "type": "start_recording" }));
    assert_eq!(status, 200, "start_recording: {reply}");
    let state = served.wait_state("the recording's health", Duration::from_secs(30), |s| {
        s["recording"]["fps"].as_f64().unwrap_or(0.0) > 0.0
    });
    let recording = &state["recording"];
    assert_eq!(recording["running"], true, "{state}");
    assert_eq!(recording["with_live"], false, "{state}");
    assert!(recording["bitrate_kbps"].as_f64().unwrap() > 0.0, "{state}");
    assert!(recording["name"].as_str().unwrap().ends_with(".mp4"), "{state}");
    let file = recording["file"].as_str().unwrap().to_owned();

    let (status, reply) = served.command(json!({ "type": "start_recording" }));
    assert_eq!(status, 409, "a second start_recording is refused: {reply}");
    assert!(reply["message"].as_str().unwrap().contains("recorded already"), "{reply}");

    std::thread::sleep(Duration::from_secs(2));
    let (status, reply) = served.command(json!({ "type": "stop_recording" }));
    assert_eq!(status, 200, "stop_recording: {reply}");
    assert!(reply["note"].as_str().unwrap().contains("recording saved"), "{reply}");
    assert_eq!(served.state()["recording"]["running"], false);
    file
}

fn assert_plays_at_the_canvas(file: &str) {
    let probed = probe(Path::new(file));
    let video = stream(&probed, "video");
    assert_eq!((video["width"].as_u64(), video["height"].as_u64()), (Some(W), Some(H)), "{video}");
    let fps = rate(&video["avg_frame_rate"]);
    assert!((fps - FPS).abs() < 1.0, "{file} runs at {fps} fps, not {FPS}");
    stream(&probed, "audio");
    assert!(num(&probed["format"]["duration"]) > 1.5, "{file} is finished and plays: {probed}");
}

#[test]
fn the_recording_runs_without_going_live_and_two_in_a_row_are_two_files() {
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start();
    let ingest = nginx.url("live", "rec");
    let show = write_show(dir.path(), &ingest);
    let recordings = dir.path().join("recordings");
    let data = dir.path().join("data");
    let served =
        Served::start(&[&show, "--record-dir", recordings.to_str().unwrap(), "--data", data.to_str().unwrap()]);
    served.wait_state("the program opening", Duration::from_secs(30), |s| s["preview"] == true);

    let (status, reply) = served.command(json!({ "type": "stop_recording" }));
    assert_eq!(status, 409, "stop with nothing recording: {reply}");
    assert_eq!(reply["message"], "nothing is being recorded");

    let first = record_a_while(&served);
    let second = record_a_while(&served);
    assert_ne!(first, second, "two recordings, two files");
    assert_plays_at_the_canvas(&first);
    assert_plays_at_the_canvas(&second);
    assert_eq!(served.state()["phase"]["phase"], "idle", "recording is not going live");

    // A recording started on its own outlives End; Go Live does not start another.
    let (status, reply) = served.command(json!({ "type": "start_recording" }));
    assert_eq!(status, 200, "{reply}");
    let (status, reply) = served.command(json!({ "type": "go_live" }));
    assert_eq!(status, 200, "go live while recording: {reply}");
    served.wait_state("the destination going live", Duration::from_secs(30), |s| {
        s["destinations"][0]["state"]["state"] == "live"
    });
    let (status, reply) = served.command(json!({ "type": "end_show" }));
    assert_eq!(status, 200, "{reply}");
    assert!(reply["note"].as_str().unwrap().contains("the recording goes on"), "{reply}");
    std::thread::sleep(Duration::from_secs(2));
    let state = served.state();
    assert_eq!(state["recording"]["running"], true, "the recording outlives End: {state}");
    let third = state["recording"]["file"].as_str().unwrap().to_owned();
    let (status, reply) = served.command(json!({ "type": "stop_recording" }));
    assert_eq!(status, 200, "{reply}");
    assert_plays_at_the_canvas(&third);
    let files = std::fs::read_dir(&recordings).unwrap().count();
    assert_eq!(files, 3, "three recordings, three files, none from Go Live");

    // The audit log has the switch, like every command.
    served.kaibo.signal("TERM");
    let (code, output) = served.kaibo.finish(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{output}");
    let db = rusqlite::Connection::open(data.join("sessions.db")).unwrap();
    let audited: i64 = db
        .query_row("SELECT COUNT(*) FROM audit WHERE action IN ('start_recording', 'stop_recording')", [], |r| r.get(0))
        .unwrap();
    assert!(audited >= 7, "the recording switch is audited: {audited} entries");
}

#[test]
fn start_recording_without_a_recording_folder_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let show = write_show(dir.path(), "rtmp://127.0.0.1:9/live/none");
    let data = dir.path().join("data");
    let served = Served::start(&[&show, "--no-record", "--data", data.to_str().unwrap()]);
    let (status, reply) = served.command(json!({ "type": "start_recording" }));
    assert_eq!(status, 409, "{reply}");
    assert!(reply["message"].as_str().unwrap().contains("no recording folder"), "{reply}");
}
