#![allow(clippy::unwrap_used)]
//! Devices (issue 11, item 4, the engine side), with no hardware: a test device provider
//! registered in-process reports cameras (videotestsrc sending MJPEG) and microphones as a
//! real provider reports webcams. The watch sees them come and go; a camera layer naming one
//! opens it in its best mode (MJPEG, decoded by jpegdec), and the operator can switch the
//! camera on air.

#[path = "support/test_devices.rs"]
mod test_devices;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::{DeviceWatch, Engine, FrameRate, ModeFormat, OpenOptions, PreviewFrame};
use test_devices::TestCamera;

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not happen within {limit:?}");
}

#[test]
fn the_watch_sees_cameras_and_microphones_come_and_go() {
    engine::init().unwrap();
    test_devices::register();
    let changes = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&changes);
    let watch = DeviceWatch::start(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    let id = "/dev/kaibo-watch-0";
    assert!(!watch.devices().cameras.iter().any(|c| c.id == id));

    test_devices::plug_camera(&TestCamera::new(id, "Watch Cam", "green"));
    test_devices::plug_microphone("kaibo-watch-mic", "Watch Mic");
    wait_until("the camera appears", Duration::from_secs(2), || watch.devices().cameras.iter().any(|c| c.id == id));
    wait_until("the change is told", Duration::from_secs(2), || changes.load(Ordering::SeqCst) >= 1);
    let devices = watch.devices();
    let camera = devices.cameras.iter().find(|c| c.id == id).unwrap();
    assert_eq!(camera.name, "Watch Cam");
    assert_eq!(camera.path.as_deref(), Some(id));
    let modes: Vec<_> = camera.modes.iter().map(|m| (m.format, m.width, m.height, m.rates.clone())).collect();
    assert_eq!(
        modes,
        vec![
            (ModeFormat::Raw, 320, 180, vec![FrameRate::new(5, 1)]),
            (ModeFormat::Mjpeg, 320, 180, vec![FrameRate::new(30, 1)]),
        ]
    );
    let mic = devices.microphones.iter().find(|m| m.id == "kaibo-watch-mic").expect("the microphone is listed");
    assert!(mic.modes.is_empty());
    assert!(!devices.microphones.iter().any(|m| m.id == id), "a camera is not a microphone");

    let before = changes.load(Ordering::SeqCst);
    test_devices::unplug(id);
    wait_until("the camera goes", Duration::from_secs(2), || !watch.devices().cameras.iter().any(|c| c.id == id));
    wait_until("the removal is told", Duration::from_secs(2), || changes.load(Ordering::SeqCst) > before);
    assert!(engine::find_camera(id).is_none());
    test_devices::unplug("kaibo-watch-mic");
}

/// The next preview frame after those waiting, decoded.
fn fresh_preview(frames: &Receiver<PreviewFrame>) -> image::RgbImage {
    while frames.try_recv().is_ok() {}
    let jpeg = frames.recv_timeout(Duration::from_secs(10)).expect("a preview frame within 10 s");
    image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg).unwrap().to_rgb8()
}

fn centre(frame: &image::RgbImage) -> [f64; 3] {
    let (w, h) = (frame.width(), frame.height());
    let mut sum = [0f64; 3];
    let mut n = 0f64;
    for y in h / 4..h * 3 / 4 {
        for x in w / 4..w * 3 / 4 {
            for (c, v) in frame.get_pixel(x, y).0.iter().enumerate() {
                sum[c] += f64::from(*v);
            }
            n += 1.0;
        }
    }
    sum.map(|s| s / n)
}

fn wait_colour(frames: &Receiver<PreviewFrame>, what: &str, is: impl Fn([f64; 3]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = [0.0; 3];
    while Instant::now() < deadline {
        last = centre(&fresh_preview(frames));
        if is(last) {
            return;
        }
    }
    panic!("the preview never showed {what}: its centre is {last:?}");
}

#[test]
fn a_camera_opens_in_its_best_mode_and_is_switched_on_air() {
    engine::init().unwrap();
    test_devices::register();
    let red = TestCamera::new("/dev/kaibo-red", "Red Cam", "red");
    let blue = TestCamera::new("/dev/kaibo-blue", "Blue Cam", "blue");
    test_devices::plug_camera(&red);
    test_devices::plug_camera(&blue);
    let dir = tempfile::tempdir().unwrap();
    let json = serde_json::json!({
        "canvas": { "width": 320, "height": 180, "fps": 30 },
        "audio": { "source": "silence" },
        "scenes": [{ "id": "main", "layers": [{ "id": "cam", "kind": "camera", "device": red.path }] }]
    });
    let show = show::Show::parse(&json.to_string(), dir.path()).unwrap();
    let (engine, _events) = Engine::open(show, OpenOptions { preview: true, ..Default::default() }).unwrap();
    let frames = engine.take_preview().unwrap();

    // The camera's 30 fps mode is MJPEG (its raw one is 5 fps): decoded with jpegdec.
    wait_colour(&frames, "the red camera", |[r, g, b]| r > 180.0 && g < 70.0 && b < 70.0);
    let factories = engine.element_factories();
    assert!(factories.iter().any(|f| f == "jpegdec"), "no jpegdec for the MJPEG camera: {factories:?}");

    // Another camera, picked while the program runs.
    engine.set_camera_device("cam", &blue.path).unwrap();
    wait_colour(&frames, "the blue camera", |[r, g, b]| b > 180.0 && r < 70.0 && g < 70.0);
    assert!(engine.set_camera_device("nope", &red.path).is_err(), "a layer that is not there");
    // The test pattern needs no device, and no decoder.
    engine.set_camera_device("cam", "test").unwrap();
    wait_colour(&frames, "the test pattern", |[_, g, b]| g > 60.0 && b < 160.0);
    assert_eq!(
        engine.show().scenes[0].layers[0],
        show::Layer::Camera(show::CameraLayer {
            id: "cam".into(),
            visible: true,
            device: "test".into(),
            rect: show::full_canvas(),
            locked: false,
        })
    );
    engine.stop(Duration::from_secs(5));
    test_devices::unplug(&red.path);
    test_devices::unplug(&blue.path);
}
