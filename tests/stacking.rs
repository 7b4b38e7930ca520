#![allow(clippy::unwrap_used)]
//! Layers stack in list order, the camera included (issue 11, items 2 and 3): from the back,
//! a colour, a picture, a PiP camera (the test pattern), a video file and a logo over the
//! camera. Each rect shows the right source, overlaps show the right one on top, and the
//! clip's colour change arrives. A broken video file shows its placeholder in its rect while
//! the rest keeps real time. Real GStreamer, a real recording, frames decoded by ffmpeg.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use engine::{Engine, EngineEvent, OpenOptions, OutputState};
use support::*;

const W: u32 = 640;
const H: u32 = 360;
const FPS: u32 = 30;

const PICTURE: [f64; 4] = [0.0, 0.0, 0.5, 1.0];
const CAMERA: [f64; 4] = [0.25, 0.25, 0.5, 0.5];
const CLIP: [f64; 4] = [0.75, 0.0, 0.25, 0.25];
const LOGO: [f64; 4] = [0.6, 0.6, 0.2, 0.2];

/// A clip that is red for 2 s, then white for 2 s.
fn make_clip(path: &Path) {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=320x180:r=30:d=2"])
        .args(["-f", "lavfi", "-i", "color=c=white:s=320x180:r=30:d=2"])
        .args(["-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]"])
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "15"])
        .arg(path)
        .output()
        .expect("ffmpeg is missing: apt-get install ffmpeg");
    assert!(out.status.success(), "making the clip: {}", String::from_utf8_lossy(&out.stderr));
}

fn show(dir: &Path, clip: &str) -> show::Show {
    // The picture is the rect's own shape, so it fills it.
    solid_png(&dir.join("green.png"), 320, 360, [0, 255, 0]);
    solid_png(&dir.join("magenta.png"), 128, 72, [255, 0, 255]);
    let json = serde_json::json!({
        "canvas": { "width": W, "height": H, "fps": FPS },
        "audio": { "source": "silence" },
        "scenes": [{ "id": "main", "layers": [
            { "id": "bg", "kind": "color", "color": "#0000ff" },
            { "id": "picture", "kind": "image", "path": "green.png", "rect": PICTURE },
            { "id": "cam", "kind": "camera", "device": "test", "rect": CAMERA },
            { "id": "clip", "kind": "media", "path": clip, "rect": CLIP },
            { "id": "logo", "kind": "image", "path": "magenta.png", "rect": LOGO }
        ]}]
    });
    show::Show::parse(&json.to_string(), dir).unwrap()
}

fn wait_recording(events: &std::sync::mpsc::Receiver<EngineEvent>, want: &OutputState) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if let Ok(EngineEvent::Output { id, state }) = events.recv_timeout(Duration::from_millis(200)) {
            assert!(!matches!(state, OutputState::Failed { .. }), "{id} failed: {state:?}");
            if id == engine::RECORDING_ID && state == *want {
                return;
            }
        }
    }
    panic!("the recording never became {want:?}");
}

/// Records the open show for `seconds`.
fn record(show: show::Show, path: &Path, seconds: u64) {
    let (engine, events) = Engine::open(show, OpenOptions::default()).unwrap();
    engine.start_recording(path.to_owned()).unwrap();
    wait_recording(&events, &OutputState::Live);
    std::thread::sleep(Duration::from_secs(seconds));
    engine.stop_recording(Duration::from_secs(10)).unwrap();
    wait_recording(&events, &OutputState::Stopped);
    engine.stop(Duration::from_secs(5));
}

/// The camera's first bar (white, at 75% or 100% by GStreamer version).
#[track_caller]
fn assert_first_bar(what: &str, got: [f64; 3]) {
    let spread = got.iter().fold(0.0f64, |m, c| m.max(*c)) - got.iter().fold(255.0f64, |m, c| m.min(*c));
    assert!(got.iter().all(|c| *c > 170.0) && spread < 30.0, "{what}: {got:.0?}, expected the white bar");
}

#[track_caller]
fn assert_near(what: &str, got: [f64; 3], want: [f64; 3]) {
    let off = got.iter().zip(want).map(|(g, w)| (g - w).abs()).fold(0.0, f64::max);
    assert!(off < 40.0, "{what}: {got:.0?}, expected about {want:?}");
}

fn inside(rect: [f64; 4], x: f64, y: f64, w: f64, h: f64) -> [f64; 4] {
    [rect[0] + rect[2] * x, rect[1] + rect[3] * y, rect[2] * w, rect[3] * h]
}

#[test]
fn every_layer_stacks_in_list_order_and_the_clip_plays() {
    let dir = tempfile::tempdir().unwrap();
    make_clip(&dir.path().join("clip.mp4"));
    let recording = dir.path().join("stack.mp4");
    record(show(dir.path(), "clip.mp4"), &recording, 7);

    let frame = frame_at(&recording, 1.0, &dir.path().join("stack.png"));
    // The colour, where nothing is over it.
    assert_near("colour background", mean_rgb(&frame, [0.55, 0.05, 0.15, 0.15]), [0.0, 0.0, 255.0]);
    // The picture over the colour.
    assert_near("picture", mean_rgb(&frame, [0.02, 0.02, 0.2, 0.2]), [0.0, 255.0, 0.0]);
    // The camera over the picture: its first bar (grey) where the picture is under it.
    assert_first_bar("camera over the picture", mean_rgb(&frame, inside(CAMERA, 0.02, 0.1, 0.1, 0.4)));
    // The logo over the camera.
    assert_near("logo over the camera", mean_rgb(&frame, inside(LOGO, 0.2, 0.2, 0.4, 0.4)), [255.0, 0.0, 255.0]);
    // The clip, in its rect, over the colour; red, then white.
    let clip_inside = inside(CLIP, 0.2, 0.2, 0.6, 0.6);
    let mut seen = Vec::new();
    for tenth in (5..65).step_by(5) {
        let at = f64::from(tenth) / 10.0;
        let rgb = mean_rgb(&frame_at(&recording, at, &dir.path().join("clip.png")), clip_inside);
        let colour = if rgb[0] > 200.0 && rgb[1] < 60.0 && rgb[2] < 60.0 {
            "red"
        } else if rgb.iter().all(|c| *c > 200.0) {
            "white"
        } else {
            "other"
        };
        seen.push((at, colour, rgb));
    }
    let red = seen.iter().position(|(_, c, _)| *c == "red");
    let white_after = red.and_then(|r| seen[r..].iter().position(|(_, c, _)| *c == "white"));
    assert!(red.is_some() && white_after.is_some(), "the clip should turn from red to white: {seen:.0?}");

    let times = video_packet_times(&recording);
    assert_real_time("recording", &times, f64::from(FPS), 0.1);
}

#[test]
fn a_broken_video_file_shows_its_placeholder_and_the_rest_keeps_real_time() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.mp4"), b"this is not a video at all, just words").unwrap();
    let recording = dir.path().join("broken-run.mp4");
    record(show(dir.path(), "broken.mp4"), &recording, 4);

    let frame = frame_at(&recording, 2.0, &dir.path().join("broken.png"));
    let placeholder = mean_rgb(&frame, inside(CLIP, 0.1, 0.05, 0.8, 0.2));
    // The placeholder slate is dark grey: not the blue under it, not black.
    assert!(placeholder.iter().all(|c| (10.0..90.0).contains(c)), "the clip's placeholder: {placeholder:.0?}");
    assert_first_bar("camera", mean_rgb(&frame, inside(CAMERA, 0.02, 0.1, 0.1, 0.4)));
    assert_near("logo", mean_rgb(&frame, inside(LOGO, 0.2, 0.2, 0.4, 0.4)), [255.0, 0.0, 255.0]);
    assert_real_time("recording", &video_packet_times(&recording), f64::from(FPS), 0.1);
}
