#![allow(clippy::unwrap_used)]
//! The program runs before Go Live (issue 11, item 1, the engine side): an open show has a
//! preview of its program and encodes nothing; Go Live attaches the encode group and the
//! destinations to the running program, End detaches them while the preview goes on, and Go
//! Live works again. The recording is its own switch: it runs without going live, and two
//! recordings in a row are two files. Real GStreamer, real nginx-rtmp, ffprobe/ffmpeg.

mod support;

use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use engine::{Engine, EngineEvent, IngestTarget, OpenOptions, OutputState, PreviewFrame, SecretUrl};
use support::*;

const W: u32 = 640;
const H: u32 = 360;
const FPS: u32 = 30;
/// A magenta badge over the camera's bars.
const BADGE: [f64; 4] = [0.55, 0.1, 0.3, 0.3];
/// Inside the badge, clear of its edges (JPEG and H.264 blur them).
const BADGE_INSIDE: [f64; 4] = [0.6, 0.15, 0.2, 0.2];
const ENCODERS: [&str; 3] = ["x264enc", "avenc_aac", "voaacenc"];

fn show(dir: &Path) -> show::Show {
    solid_png(&dir.join("magenta.png"), 160, 90, [255, 0, 255]);
    let json = serde_json::json!({
        "canvas": { "width": W, "height": H, "fps": FPS },
        "audio": { "source": "tone" },
        "scenes": [{ "id": "main", "layers": [
            { "id": "cam", "kind": "camera", "device": "test" },
            { "id": "badge", "kind": "image", "path": "magenta.png", "rect": BADGE }
        ]}]
    });
    show::Show::parse(&json.to_string(), dir).unwrap()
}

/// The encoders in the pipeline now, by factory name.
fn encoders(engine: &Engine) -> Vec<String> {
    engine.element_factories().into_iter().filter(|f| ENCODERS.contains(&f.as_str())).collect()
}

/// Waits for output `id` to reach `want`. An output that fails, or one that was closed
/// before it had finished (a notice says so), fails the test.
fn wait_output(events: &Receiver<EngineEvent>, id: &str, want: &OutputState) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        match events.recv_timeout(Duration::from_millis(200)) {
            Ok(EngineEvent::Output { id: got, state }) => {
                assert!(!matches!(state, OutputState::Failed { .. }), "{got} failed: {state:?}");
                if got == id && state == *want {
                    return;
                }
            }
            Ok(EngineEvent::Notice { message }) => assert!(!message.contains("did not finish"), "{message}"),
            _ => {}
        }
    }
    panic!("{id} never became {want:?}");
}

/// The next preview frame that arrives after the ones already waiting, decoded.
fn fresh_preview(frames: &Receiver<PreviewFrame>) -> image::RgbImage {
    while frames.try_recv().is_ok() {}
    let jpeg = frames.recv_timeout(Duration::from_secs(10)).expect("a preview frame within 10 s");
    image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg).expect("the preview frame is a JPEG").to_rgb8()
}

fn assert_magenta(what: &str, frame: &image::RgbImage) {
    let [r, g, b] = mean_rgb(frame, BADGE_INSIDE);
    assert!(r > 200.0 && g < 60.0 && b > 200.0, "{what}: the badge is ({r:.0},{g:.0},{b:.0}), not magenta");
}

/// Pulls `seconds` of the stream and checks it carries video at the canvas size and audio.
fn pull_and_check(url: &str, seconds: u32, out: &Path) -> serde_json::Value {
    let mut puller = pull(url, seconds, out);
    assert!(puller.wait().unwrap().success(), "pulling {url} failed");
    let probed = probe(out);
    let video = stream(&probed, "video");
    assert_eq!((video["width"].as_u64(), video["height"].as_u64()), (Some(u64::from(W)), Some(u64::from(H))));
    assert_eq!(stream(&probed, "audio")["codec_name"], "aac");
    probed
}

#[test]
fn the_program_runs_before_go_live_and_outputs_come_and_go() {
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start();
    let (engine, events) = Engine::open(show(dir.path()), OpenOptions { preview: true, ..Default::default() }).unwrap();
    let frames = engine.take_preview().expect("the preview was asked for");

    // Before Go Live: the preview shows the program, and nothing encodes.
    assert_magenta("preview before Go Live", &fresh_preview(&frames));
    assert_eq!(encoders(&engine), Vec::<String>::new(), "an encoder runs before Go Live");
    assert!(!engine.is_live());

    // Go Live on the running program.
    let url = nginx.url("live", "first");
    engine.go_live(vec![IngestTarget::new("main", show::Platform::Custom, SecretUrl::new(url.clone()))], None).unwrap();
    wait_output(&events, "main", &OutputState::Live);
    assert!(engine.is_live());
    assert!(encoders(&engine).iter().any(|f| f == "x264enc"), "no x264 while live: {:?}", encoders(&engine));
    let first = dir.path().join("first.flv");
    pull_and_check(&url, 4, &first);
    assert_magenta("pulled stream", &frame_at(&first, 2.0, &dir.path().join("first.png")));

    // End: the destination goes, the encoders go, the program and the preview go on.
    engine.end_live(Duration::from_secs(10)).unwrap();
    wait_output(&events, "main", &OutputState::Stopped);
    assert!(!engine.is_live());
    assert_eq!(encoders(&engine), Vec::<String>::new(), "an encoder is left after End");
    for _ in 0..3 {
        assert_magenta("preview after End", &fresh_preview(&frames));
    }
    assert!(engine.go_live(Vec::new(), None).is_err(), "going live to nothing is refused");

    // Go Live again: a new encode group, a new push.
    let url = nginx.url("live", "second");
    engine.go_live(vec![IngestTarget::new("main", show::Platform::Custom, SecretUrl::new(url.clone()))], None).unwrap();
    wait_output(&events, "main", &OutputState::Live);
    // The kill switch works on an encode group attached to a running program: its safe
    // slate is on the pulled stream after the cut, the preview keeps the program.
    let second = dir.path().join("second.flv");
    let mut puller = pull(&url, 6, &second);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(engine.kill_switch(), 1);
    assert!(puller.wait().unwrap().success(), "pulling {url} failed");
    assert_magenta("second push", &frame_at(&second, 1.0, &dir.path().join("second.png")));
    let [r, g, b] = mean_rgb(&frame_at(&second, 5.5, &dir.path().join("slate.png")), BADGE_INSIDE);
    assert!(!(r > 200.0 && g < 60.0 && b > 200.0), "the program, not the slate, after the kill switch");
    assert_eq!(stream(&probe(&second), "audio")["codec_name"], "aac");
    assert_magenta("preview on the kill switch", &fresh_preview(&frames));
    assert!(engine.go_live(Vec::new(), Some(dir.path().join("x.mp4"))).is_err(), "going live twice is refused");
    engine.stop(Duration::from_secs(10));
}

/// ffprobe's frame rate of a stream ("30/1") as a number.
fn fps_of(video: &serde_json::Value) -> f64 {
    let text = video["avg_frame_rate"].as_str().unwrap_or("0/1");
    let (n, d) = text.split_once('/').unwrap_or((text, "1"));
    n.parse::<f64>().unwrap_or(0.0) / d.parse::<f64>().unwrap_or(1.0).max(1.0)
}

fn record_for(engine: &Engine, events: &Receiver<EngineEvent>, path: &Path, seconds: u64) {
    engine.start_recording(path.to_owned()).unwrap();
    assert!(engine.is_recording());
    wait_output(events, engine::RECORDING_ID, &OutputState::Live);
    assert!(encoders(engine).iter().any(|f| f == "x264enc"), "no x264 while recording");
    assert!(engine.start_recording(path.with_extension("again.mp4")).is_err(), "two recordings at once");
    std::thread::sleep(Duration::from_secs(seconds));
    engine.stop_recording(Duration::from_secs(10)).unwrap();
    wait_output(events, engine::RECORDING_ID, &OutputState::Stopped);
    assert!(!engine.is_recording());
}

fn assert_recording(path: &Path, at_least_s: f64) {
    let probed = probe(path);
    let video = stream(&probed, "video");
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(u64::from(W)), Some(u64::from(H))),
        "{}",
        path.display()
    );
    let fps = fps_of(video);
    assert!((fps - f64::from(FPS)).abs() < 1.5, "{}: {fps} fps, not {FPS}", path.display());
    assert_eq!(stream(&probed, "audio")["codec_name"], "aac");
    let duration = num(&probed["format"]["duration"]);
    assert!(duration >= at_least_s, "{}: only {duration} s", path.display());
}

#[test]
fn recording_runs_without_going_live_and_two_recordings_are_two_files() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, events) = Engine::open(show(dir.path()), OpenOptions::default()).unwrap();
    assert!(engine.stop_recording(Duration::from_secs(1)).is_err(), "stopping a recording that does not run");
    let missing = engine.start_recording(dir.path().join("no-such-folder/x.mp4")).unwrap_err().to_string();
    assert!(missing.contains("does not exist"), "{missing}");

    let one = dir.path().join("one.mp4");
    let two = dir.path().join("two.mp4");
    record_for(&engine, &events, &one, 3);
    assert!(!engine.is_live());
    assert_eq!(encoders(&engine), Vec::<String>::new(), "an encoder is left after the recording stopped");
    // The file is finished while the program still runs.
    assert_recording(&one, 2.0);
    let frame = frame_at(&one, 1.0, &dir.path().join("one.png"));
    assert_magenta("recording", &frame);

    record_for(&engine, &events, &two, 2);
    assert_recording(&two, 1.0);
    assert_recording(&one, 2.0);
    engine.stop(Duration::from_secs(5));
}

#[test]
fn a_recording_of_its_own_outlives_end_and_one_tied_to_go_live_ends_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start();
    let (engine, events) = Engine::open(show(dir.path()), OpenOptions::default()).unwrap();
    let target = |key: &str| IngestTarget::new("main", show::Platform::Custom, SecretUrl::new(nginx.url("live", key)));

    // Go Live with a recording: End finalizes it.
    let tied = dir.path().join("tied.mp4");
    engine.go_live(vec![target("tied")], Some(tied.clone())).unwrap();
    wait_output(&events, "main", &OutputState::Live);
    std::thread::sleep(Duration::from_secs(2));
    engine.end_live(Duration::from_secs(10)).unwrap();
    wait_output(&events, engine::RECORDING_ID, &OutputState::Stopped);
    assert!(!engine.is_recording(), "the live session's recording outlived End");
    assert_recording(&tied, 1.0);

    // A recording of its own, then Go Live on its encoder: End leaves the recording running.
    let own = dir.path().join("own.mp4");
    engine.start_recording(own.clone()).unwrap();
    wait_output(&events, engine::RECORDING_ID, &OutputState::Live);
    let url = nginx.url("live", "shared");
    engine.go_live(vec![IngestTarget::new("main", show::Platform::Custom, SecretUrl::new(url.clone()))], None).unwrap();
    wait_output(&events, "main", &OutputState::Live);
    pull_and_check(&url, 2, &dir.path().join("shared.flv"));
    engine.end_live(Duration::from_secs(10)).unwrap();
    assert!(engine.is_recording(), "End stopped a recording it did not start");
    std::thread::sleep(Duration::from_secs(1));
    engine.stop_recording(Duration::from_secs(10)).unwrap();
    wait_output(&events, engine::RECORDING_ID, &OutputState::Stopped);
    assert_recording(&own, 3.0);
    assert_eq!(encoders(&engine), Vec::<String>::new());
    engine.stop(Duration::from_secs(5));
}
