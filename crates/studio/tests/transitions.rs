#![allow(clippy::unwrap_used)]
//! Transitions and studio mode (issue 11, item 5), on the real `kaibo serve` pushing to a
//! real nginx-rtmp, watched by ffmpeg as it arrives:
//! - a 1 s fade from a red scene to a blue one: frames in the middle of it are a blend (red
//!   and blue both well above zero), then the stream is pure blue, on one unbroken
//!   connection;
//! - studio mode: `set_preview_scene` changes `/api/preview?scene=preview` and not the
//!   pushed stream; `take` changes the stream, and the scene that was on air goes to the
//!   preview.

#[path = "../../../tests/support/mod.rs"]
mod e2e;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use e2e::{Nginx, Served, Watch};
use serde_json::json;

fn write_show(dir: &Path, ingest: &str) -> String {
    let show = json!({
        "name": "transitions",
        "canvas": { "width": 640, "height": 360, "fps": 30 },
        "audio": { "source": "tone" },
        "scenes": [
            { "id": "red", "layers": [{ "kind": "color", "id": "red-bg", "color": "#ff0000" }] },
            { "id": "blue", "layers": [{ "kind": "color", "id": "blue-bg", "color": "#0000ff" }] }
        ],
        "destinations": [{ "id": "shop", "platform": "custom", "url": ingest }],
        "record_when_live": false,
    });
    let path = dir.join("show.json");
    std::fs::write(&path, serde_json::to_string_pretty(&show).unwrap()).unwrap();
    path.to_string_lossy().into_owned()
}

fn red(rgb: &[f64; 3]) -> bool {
    rgb[0] > 200.0 && rgb[2] < 40.0
}

fn blue(rgb: &[f64; 3]) -> bool {
    rgb[2] > 200.0 && rgb[0] < 40.0
}

/// `GET /api/preview?scene=preview&frame=latest` (or the program's): its mean colour.
fn preview_rgb(served: &Served, which: &str) -> Option<[f64; 3]> {
    let host = served.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        stream,
        "GET /api/preview?scene={which}&frame=latest HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        served.token
    )
    .unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let split = reply.windows(4).position(|w| w == b"\r\n\r\n")?;
    if !reply.starts_with(b"HTTP/1.1 200") {
        return None;
    }
    let picture = image::load_from_memory(&reply[split + 4..]).ok()?.to_rgb8();
    Some(e2e::mean_rgb(&picture, [0.1, 0.1, 0.8, 0.8]))
}

fn wait_preview(served: &Served, which: &str, what: &str, test: impl Fn(&[f64; 3]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = None;
    while Instant::now() < deadline {
        last = preview_rgb(served, which);
        if last.as_ref().is_some_and(&test) {
            return;
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    panic!("the {which} preview never showed {what}: last {last:?}\n{}", served.kaibo.output());
}

#[test]
fn a_fade_blends_the_two_scenes_and_studio_mode_takes_the_preview_to_air() {
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start();
    let ingest = nginx.url("live", "fade");
    let show = write_show(dir.path(), &ingest);
    let data = dir.path().join("data");
    let served = Served::start(&[&show, "--data", data.to_str().unwrap()]);
    served.wait_state("the program opening", Duration::from_secs(30), |s| s["preview"] == true);

    let (status, reply) = served.command(json!({ "type": "go_live" }));
    assert_eq!(status, 200, "go live: {reply}");
    served.wait_state("the destination going live", Duration::from_secs(30), |s| {
        s["destinations"][0]["state"]["state"] == "live"
    });
    let watch = Watch::start(&ingest);
    watch
        .first_after(Instant::now(), Duration::from_secs(20), red)
        .unwrap_or_else(|| panic!("the red scene never arrived\n{}", served.kaibo.output()));
    std::thread::sleep(Duration::from_millis(500));

    // A 1 s fade to blue.
    let before = Instant::now();
    let (status, reply) = served
        .command(json!({ "type": "switch_scene", "scene": "blue", "transition": { "kind": "fade", "ms": 1000 } }));
    assert_eq!(status, 200, "fade: {reply}");
    let arrived = watch
        .first_after(before, Duration::from_secs(15), blue)
        .unwrap_or_else(|| panic!("the stream never turned blue\n{}", served.kaibo.output()));
    std::thread::sleep(Duration::from_millis(1000));
    let frames: Vec<_> = watch.frames().into_iter().filter(|f| f.at >= before).collect();
    let blends: Vec<_> = frames.iter().filter(|f| f.at <= arrived.at && f.rgb[0] > 60.0 && f.rgb[2] > 60.0).collect();
    assert!(
        blends.len() >= 8,
        "a 1 s fade at 30 fps has many blended frames, saw {} of {:?}",
        blends.len(),
        frames.iter().map(|f| f.rgb.map(|c| c.round())).collect::<Vec<_>>()
    );
    let faded = arrived.at.duration_since(before);
    assert!(faded >= Duration::from_millis(600), "the fade took only {faded:?}: it was a cut");
    let after: Vec<_> = frames.iter().filter(|f| f.at > arrived.at + Duration::from_millis(100)).collect();
    assert!(!after.is_empty() && after.iter().all(|f| blue(&f.rgb)), "after the fade the stream is pure blue");
    let state = served.state();
    assert_eq!(state["scene"], "blue", "{state}");

    // One unbroken connection: the watcher's frames never stopped.
    let all = watch.frames();
    let gap = all.windows(2).map(|w| w[1].at.duration_since(w[0].at)).max().unwrap_or_default();
    assert!(gap < Duration::from_millis(700), "the stream stalled for {gap:?} during the fade");

    // Studio mode: the preview scene is red while blue stays on air.
    let (status, reply) = served.command(json!({ "type": "set_preview_scene", "scene": "red" }));
    assert_eq!(status, 200, "set_preview_scene: {reply}");
    assert_eq!(served.state()["preview_scene"], "red");
    wait_preview(&served, "preview", "the red preview scene", red);
    wait_preview(&served, "program", "the blue program", blue);
    let since = Instant::now();
    std::thread::sleep(Duration::from_millis(1000));
    let pushed: Vec<_> = watch.frames().into_iter().filter(|f| f.at >= since).collect();
    assert!(!pushed.is_empty() && pushed.iter().all(|f| blue(&f.rgb)), "the preview scene reached the stream");

    // Take: red goes on air (a cut), blue goes to the preview.
    let since = Instant::now();
    let (status, reply) = served.command(json!({ "type": "take", "transition": { "kind": "cut" } }));
    assert_eq!(status, 200, "take: {reply}");
    watch
        .first_after(since, Duration::from_secs(10), red)
        .unwrap_or_else(|| panic!("take never put red on air\n{}", served.kaibo.output()));
    let state = served.state();
    assert_eq!((state["scene"].as_str(), state["preview_scene"].as_str()), (Some("red"), Some("blue")), "{state}");
    wait_preview(&served, "preview", "blue in the preview after the take", blue);

    // Studio mode off: no second preview any more.
    let (status, reply) = served.command(json!({ "type": "set_studio_mode", "enabled": false }));
    assert_eq!(status, 200, "{reply}");
    assert_eq!(served.state()["preview_scene"], serde_json::Value::Null);

    let (status, reply) = served.command(json!({ "type": "end_show" }));
    assert_eq!(status, 200, "end: {reply}");
    served.kaibo.signal("TERM");
    let (code, output) = served.kaibo.finish(Duration::from_secs(30));
    assert_eq!(code, Some(0), "kaibo serve exits cleanly:\n{output}");
}
