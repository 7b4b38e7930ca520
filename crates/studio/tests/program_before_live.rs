#![allow(clippy::unwrap_used)]
//! The studio runs the program from the moment the show is open (issue 11, item 1): the
//! real `kaibo serve` on a show with a test-pattern camera and two coloured layers in known
//! rects. `/api/preview?frame=latest` shows those colours in those rects before any Go Live,
//! and a change made before Go Live reaches the picture; Go Live to a real nginx-rtmp, and
//! the pulled stream (decoded by ffmpeg) has the same layout; End, and the preview goes on
//! (a change after End shows in it) while the recording Go Live made is a finished file.

#[path = "../../../tests/support/mod.rs"]
mod e2e;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use e2e::{frame_at, mean_rgb, probe, pull, solid_png, stream, Nginx, Served};
use serde_json::json;

const W: u32 = 640;
const H: u32 = 360;
const MAGENTA: [f64; 4] = [0.55, 0.1, 0.3, 0.3];
const GREEN: [f64; 4] = [0.05, 0.55, 0.3, 0.3];

/// The middle of a rect, clear of its edges (JPEG and H.264 blur them).
fn inside(rect: [f64; 4]) -> [f64; 4] {
    [rect[0] + rect[2] * 0.2, rect[1] + rect[3] * 0.2, rect[2] * 0.6, rect[3] * 0.6]
}

fn is_magenta(frame: &image::RgbImage) -> bool {
    let [r, g, b] = mean_rgb(frame, inside(MAGENTA));
    r > 200.0 && g < 70.0 && b > 200.0
}

fn is_green(frame: &image::RgbImage) -> bool {
    let [r, g, b] = mean_rgb(frame, inside(GREEN));
    r < 70.0 && g > 200.0 && b < 70.0
}

fn describe(frame: &image::RgbImage) -> String {
    let show = |c: [f64; 3]| format!("({:.0},{:.0},{:.0})", c[0], c[1], c[2]);
    format!(
        "magenta rect {} green rect {}",
        show(mean_rgb(frame, inside(MAGENTA))),
        show(mean_rgb(frame, inside(GREEN)))
    )
}

fn write_show(dir: &Path, ingest: &str) -> String {
    solid_png(&dir.join("magenta.png"), 64, 36, [255, 0, 255]);
    solid_png(&dir.join("green.png"), 64, 36, [0, 255, 0]);
    let show = json!({
        "name": "before live",
        "canvas": { "width": W, "height": H, "fps": 30 },
        "audio": { "source": "tone" },
        "scenes": [{ "id": "main", "layers": [
            { "kind": "camera", "id": "camera", "device": "test" },
            { "kind": "image", "id": "badge", "path": "magenta.png", "rect": MAGENTA },
            { "kind": "image", "id": "patch", "path": "green.png", "rect": GREEN }
        ]}],
        "destinations": [{ "id": "shop", "platform": "custom", "url": ingest }],
    });
    let path = dir.join("show.json");
    std::fs::write(&path, serde_json::to_string_pretty(&show).unwrap()).unwrap();
    path.to_string_lossy().into_owned()
}

/// `GET /api/preview?frame=latest`: the status, and the picture when it is one.
fn preview(served: &Served) -> (u16, Option<image::RgbImage>) {
    let host = served.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        stream,
        "GET /api/preview?frame=latest HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        served.token
    )
    .unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let split = reply.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&reply[..split]).into_owned();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    if status != 200 {
        return (status, None);
    }
    assert!(head.to_ascii_lowercase().contains("content-type: image/jpeg"), "not a JPEG: {head}");
    let body = &reply[split + 4..];
    let picture = image::load_from_memory_with_format(body, image::ImageFormat::Jpeg).expect("the preview is a JPEG");
    (status, Some(picture.to_rgb8()))
}

/// Waits (bounded) for a preview picture that passes `test`.
fn wait_preview(served: &Served, what: &str, test: impl Fn(&image::RgbImage) -> bool) -> image::RgbImage {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = String::from("no picture");
    loop {
        if let (200, Some(picture)) = preview(served) {
            assert_eq!((picture.width(), picture.height()), (640, 360), "the preview's size");
            if test(&picture) {
                return picture;
            }
            last = describe(&picture);
        }
        assert!(Instant::now() < deadline, "the preview never showed {what}: last {last}\n{}", served.kaibo.output());
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_preview_shows_the_program_before_go_live_and_after_end_and_the_stream_has_its_layout() {
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start();
    let ingest = nginx.url("live", "before");
    let show = write_show(dir.path(), &ingest);
    let recordings = dir.path().join("recordings");
    let data = dir.path().join("data");
    let served =
        Served::start(&[&show, "--record-dir", recordings.to_str().unwrap(), "--data", data.to_str().unwrap()]);

    // Before Go Live: the program runs, its preview has the layers' colours in their rects,
    // and nothing is recorded or sent.
    let state = served.wait_state("the program opening", Duration::from_secs(30), |s| s["preview"] == true);
    assert_eq!(state["phase"]["phase"], "idle", "{state}");
    assert_eq!(state["program"]["state"], "running", "{state}");
    assert_eq!(state["recording"], serde_json::Value::Null, "nothing records before Go Live: {state}");
    wait_preview(&served, "both coloured layers before Go Live", |p| is_magenta(p) && is_green(p));
    assert!(!recordings.exists() || std::fs::read_dir(&recordings).unwrap().next().is_none(), "a file before Go Live");

    // A live change before Go Live reaches the program.
    let (status, reply) = served.command(json!({ "type": "set_layer_visible", "layer": "patch", "visible": false }));
    assert_eq!(status, 200, "{reply}");
    wait_preview(&served, "the green patch hidden", |p| is_magenta(p) && !is_green(p));
    let (status, reply) = served.command(json!({ "type": "set_layer_visible", "layer": "patch", "visible": true }));
    assert_eq!(status, 200, "{reply}");
    wait_preview(&served, "the green patch back", |p| is_magenta(p) && is_green(p));

    // Go Live: the stream nginx carries has the same layout.
    let (status, reply) = served.command(json!({ "type": "go_live" }));
    assert_eq!(status, 200, "go live: {reply}");
    let state = served.wait_state("the destination going live", Duration::from_secs(30), |s| {
        s["destinations"][0]["state"]["state"] == "live"
    });
    assert_eq!(state["phase"]["phase"], "live", "{state}");
    assert_eq!(state["recording"]["with_live"], true, "the show records when live by default: {state}");
    let pulled = dir.path().join("pulled.flv");
    let mut puller = pull(&ingest, 3, &pulled);
    assert!(puller.wait().unwrap().success(), "pulling the stream failed");
    let video = stream(&probe(&pulled), "video").clone();
    assert_eq!((video["width"].as_u64(), video["height"].as_u64()), (Some(640), Some(360)), "{video}");
    let frame = frame_at(&pulled, 1.5, &dir.path().join("pulled.png"));
    assert!(is_magenta(&frame) && is_green(&frame), "the pulled stream's layout: {}", describe(&frame));

    // End: the destination and the recording Go Live made finish; the program goes on.
    let (status, reply) = served.command(json!({ "type": "end_show" }));
    assert_eq!(status, 200, "end: {reply}");
    assert!(reply["note"].as_str().unwrap_or_default().contains("recording saved"), "{reply}");
    let state = served.state();
    assert_eq!(state["phase"]["phase"], "idle", "{state}");
    assert_eq!(state["preview"], true, "the preview goes on after End: {state}");
    assert_eq!(state["recording"]["running"], false, "{state}");
    let file = state["recording"]["file"].as_str().unwrap().to_owned();
    let recorded = probe(Path::new(&file));
    assert!(e2e::num(&recorded["format"]["duration"]) > 1.0, "the recording is finished and plays: {recorded}");

    let (status, reply) = served.command(json!({ "type": "set_layer_visible", "layer": "badge", "visible": false }));
    assert_eq!(status, 200, "{reply}");
    wait_preview(&served, "the magenta badge hidden after End", |p| !is_magenta(p) && is_green(p));

    // And Go Live works again on the same program.
    let (status, reply) = served.command(json!({ "type": "go_live" }));
    assert_eq!(status, 200, "go live again: {reply}");
    served.wait_state("the destination live again", Duration::from_secs(30), |s| {
        s["destinations"][0]["state"]["state"] == "live"
    });
    let (status, reply) = served.command(json!({ "type": "end_show" }));
    assert_eq!(status, 200, "end again: {reply}");
    served.kaibo.signal("TERM");
    let (code, output) = served.kaibo.finish(Duration::from_secs(30));
    assert_eq!(code, Some(0), "kaibo serve exits cleanly:\n{output}");
}
