//! Camera loss: a camera that stalls or fails is replaced by the slate without stopping the
//! program, and comes back by itself; checked on decoded frames of the pulled stream.

// A test (or bench tool) stops at the first thing that is not as it should be.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use engine::{CameraFault, Engine, EngineEvent, IngestTarget, OutputState, Outputs, SecretUrl};
use support::*;

/// A corner of the SMPTE bars (75% white) that no layer and no part of the slate's logo or
/// text covers: bright with the camera, dark on the slate.
const BARS: [f64; 4] = [0.01, 0.05, 0.1, 0.3];

fn show(dir: &std::path::Path) -> show::Show {
    solid_png(&dir.join("logo.png"), 200, 100, [230, 40, 60]);
    let json = serde_json::json!({
        "logo": "logo.png",
        "canvas": { "width": 1280, "height": 720, "fps": 30 },
        "audio": { "source": "silence" },
        "scenes": [{ "id": "main", "layers": [
            { "id": "cam", "kind": "camera", "device": "test" },
            { "id": "title", "kind": "text", "text": "直播中 Live", "rect": [0.6, 0.85, 0.35, 0.1] }
        ]}]
    });
    show::Show::parse(&json.to_string(), dir).unwrap()
}

/// Waits for the next camera event; returns whether the camera is ok and when it came.
fn next_camera_event(events: &Receiver<EngineEvent>, timeout: Duration) -> (bool, Instant) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        match events.recv_timeout(Duration::from_millis(100)) {
            Ok(EngineEvent::Camera { ok, .. }) => return (ok, Instant::now()),
            Ok(EngineEvent::Output { id, state: OutputState::Failed { reason } }) => panic!("{id} failed: {reason}"),
            _ => {}
        }
    }
    panic!("no camera event within {timeout:?}");
}

#[test]
fn a_lost_camera_shows_the_slate_and_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start();
    let url = nginx.url("live", "camera");
    let target = IngestTarget::new("main", show::Platform::Custom, SecretUrl::new(url.clone()));
    let (engine, events) =
        Engine::start(show(dir.path()), Outputs { destinations: vec![target], recording: None, preview: false })
            .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "never went live");
        if let Ok(EngineEvent::Output { state: OutputState::Live, .. }) =
            events.recv_timeout(Duration::from_millis(100))
        {
            break;
        }
    }

    let pulled = dir.path().join("pulled.flv");
    let mut puller = pull(&url, 16, &pulled);
    let pull_started = Instant::now();
    std::thread::sleep(Duration::from_secs(3));

    // A stalled camera: no frames for 3 s.
    engine.inject_camera_fault(CameraFault::Freeze(Duration::from_secs(3)));
    let (ok, frozen_lost) = next_camera_event(&events, Duration::from_secs(3));
    assert!(!ok, "expected the camera to be lost");
    let (ok, frozen_back) = next_camera_event(&events, Duration::from_secs(6));
    assert!(ok, "expected the camera back");
    std::thread::sleep(Duration::from_secs(2));

    // A failing camera: its source posts an error; the engine rebuilds it.
    engine.inject_camera_fault(CameraFault::Error);
    let (ok, failed_lost) = next_camera_event(&events, Duration::from_secs(3));
    assert!(!ok, "expected the camera to be lost");
    let (ok, failed_back) = next_camera_event(&events, Duration::from_secs(10));
    assert!(ok, "expected the camera back after a failure");

    assert!(puller.wait().unwrap().success(), "pulling failed");
    engine.stop(Duration::from_secs(5));

    // The program kept its frame rate through both losses.
    assert_real_time("program", &video_packet_times(&pulled), 30.0, 0.1);

    // Frames, by the time they were on air (the pull starts within half a second).
    let at = |when: Instant| when.duration_since(pull_started).as_secs_f64() - 0.3;
    let brightness = |t: f64, name: &str| {
        let frame = frame_at(&pulled, t, &dir.path().join(name));
        let [r, g, b] = mean_rgb(&frame, BARS);
        (r + g + b) / 3.0
    };
    let before = brightness(at(frozen_lost) - 1.5, "before.png");
    let slate = brightness((at(frozen_lost) + at(frozen_back)) / 2.0, "slate.png");
    let back = brightness(at(frozen_back) + 1.0, "back.png");
    let after_failure = brightness(at(failed_back) + 1.0, "after-failure.png");
    assert!(before > 150.0, "camera bars before the loss: {before:.0}");
    assert!(slate < 70.0, "the slate should be dark there: {slate:.0}");
    assert!(back > 150.0, "camera bars after the freeze: {back:.0}");
    assert!(after_failure > 150.0, "camera bars after the failure: {after_failure:.0}");
    if failed_back.duration_since(failed_lost) > Duration::from_millis(900) {
        let during = brightness((at(failed_lost) + at(failed_back)) / 2.0, "failed.png");
        assert!(during < 70.0, "the slate should stand in for the failed camera: {during:.0}");
    }
}
