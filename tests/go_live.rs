//! `kaibo live` against a real nginx-rtmp ingest on loopback: what arrives is H.264 + AAC at
//! the canvas size and rate, keyframes every 2 s, the image layer's colours in its rect, and a
//! QR code a phone can read; the local recording holds the same; the key never shows.

// A test (or bench tool) stops at the first thing that is not as it should be.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use support::*;

const KEY: &str = "sk_live_5f3a9c2e7b";
const BUY_URL: &str = "https://shop.example.com/p/AbC123?ref=Live";
const IMAGE_RECT: [f64; 4] = [0.05, 0.05, 0.2, 0.2];

fn write_show(dir: &Path) -> std::path::PathBuf {
    solid_png(&dir.join("magenta.png"), 256, 144, [255, 0, 255]);
    let show = serde_json::json!({
        "name": "go-live-e2e",
        "canvas": { "width": 1280, "height": 720, "fps": 30 },
        "audio": { "source": "tone" },
        "scenes": [{
            "id": "main",
            "layers": [
                { "id": "cam", "kind": "camera", "device": "test" },
                { "id": "look", "kind": "look", "look": "warm-studio" },
                { "id": "logo", "kind": "image", "path": "magenta.png", "rect": IMAGE_RECT },
                { "id": "title", "kind": "text", "text": "双十一直播 🎉 Live now", "rect": [0.3, 0.05, 0.45, 0.1],
                  "font_size": 40, "background": "#000000AA" },
                { "id": "card", "kind": "product_card", "product": "lipstick", "rect": [0.5, 0.4, 0.48, 0.56] }
            ]
        }],
        "products": [{
            "id": "lipstick", "name": "丝绒口红 Velvet Lipstick", "price": 99, "original_price": 129,
            "currency": "CNY", "url": BUY_URL
        }],
        "encoding": { "video_bitrate_kbps": 3000, "keyframe_interval_s": 2 }
    });
    let path = dir.join("show.json");
    std::fs::write(&path, serde_json::to_string_pretty(&show).unwrap()).unwrap();
    path
}

/// Checks one output (the pulled stream or the recording) the same way.
fn check_output(what: &str, file: &Path, expected_duration: (f64, f64), dir: &Path) {
    let info = probe(file);
    let video = stream(&info, "video");
    let audio = stream(&info, "audio");
    assert_eq!(video["codec_name"], "h264", "{what}: {video}");
    assert_eq!(video["width"], 1280, "{what}");
    assert_eq!(video["height"], 720, "{what}");
    // The frame rate as delivered: frames over the span of their timestamps (a fragmented
    // MP4's header may not carry an average rate).
    let times = video_packet_times(file);
    let span = assert_real_time(what, &times, 30.0, 0.1);
    let fps = times.len() as f64 / span;
    assert!((fps - 30.0).abs() < 0.5, "{what}: {fps} fps");
    assert_eq!(audio["codec_name"], "aac", "{what}: {audio}");
    assert_eq!(audio["sample_rate"], "48000", "{what}");
    assert_eq!(audio["channels"], 2, "{what}");

    let duration = num(&info["format"]["duration"]);
    assert!(
        duration >= expected_duration.0 && duration <= expected_duration.1,
        "{what}: duration {duration} s, expected {expected_duration:?}"
    );

    let keyframes = keyframe_times(file);
    assert!(keyframes.len() >= 2, "{what}: keyframes {keyframes:?}");
    for pair in keyframes.windows(2) {
        let gap = pair[1] - pair[0];
        assert!((gap - 2.0).abs() < 0.05, "{what}: keyframes {:.3} s apart: {keyframes:?}", gap);
    }

    let png = dir.join(format!("{what}.png"));
    let frame = frame_at(file, duration / 2.0, &png);
    let inner = [IMAGE_RECT[0] + 0.02, IMAGE_RECT[1] + 0.02, IMAGE_RECT[2] - 0.04, IMAGE_RECT[3] - 0.04];
    let [r, g, b] = mean_rgb(&frame, inner);
    assert!(r > 200.0 && g < 60.0 && b > 200.0, "{what}: image layer area is ({r:.0}, {g:.0}, {b:.0}), not magenta");
    let codes = read_qr(&png);
    assert!(codes.iter().any(|c| c == BUY_URL), "{what}: QR codes read {codes:?}, expected {BUY_URL}");
}

#[test]
fn goes_live_to_nginx_and_records() {
    let dir = tempfile::tempdir().unwrap();
    let show = write_show(dir.path());
    let nginx = Nginx::start();
    let url = nginx.url("live", KEY);
    let recording = dir.path().join("recording.mp4");
    let kaibo = Kaibo::spawn(&[
        "live",
        show.to_str().unwrap(),
        "--to",
        &url,
        "--record",
        recording.to_str().unwrap(),
        "--duration",
        "14",
    ]);
    assert!(kaibo.wait_for("to-1: live", Duration::from_secs(20)).is_some(), "never went live");
    std::thread::sleep(Duration::from_secs(1));
    let pulled = dir.path().join("pulled.flv");
    let mut puller = pull(&url, 8, &pulled);
    let (code, output) = kaibo.finish(Duration::from_secs(60));
    let _ = puller.wait();
    assert_eq!(code, Some(0), "kaibo live failed:\n{output}");

    // The key never shows; the redacted URL does.
    assert!(!output.contains(KEY), "the stream key leaked:\n{output}");
    assert!(output.contains(&format!("rtmp://127.0.0.1:{}/live/****", nginx.port)), "{output}");
    // One stats line a second, naming the destination.
    let stats = output.lines().filter(|l| l.contains("| to-1 live") && l.contains("fps")).count();
    assert!(stats >= 8, "expected a stats line a second:\n{output}");
    assert!(output.contains("recording saved"), "{output}");

    check_output("pulled", &pulled, (7.0, 8.5), dir.path());
    check_output("recording", &recording, (12.0, 14.5), dir.path());
}
