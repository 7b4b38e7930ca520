//! Live changes while on air, checked on decoded frames of the stream pulled back from a real
//! ingest: a scene switch, a product card swap, a look change and layer edits (move, add,
//! reorder, remove), with one encoder and one connection throughout.

// A test (or bench tool) stops at the first thing that is not as it should be.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use engine::{Engine, EngineEvent, IngestTarget, OutputState, Outputs, SecretUrl};
use support::*;

const IMAGE_RECT: [f64; 4] = [0.04, 0.04, 0.16, 0.16];
/// A part of the camera (the SMPTE bars) that no layer covers.
const CAMERA_PATCH: [f64; 4] = [0.05, 0.3, 0.35, 0.25];
const CARD_RECT: [f64; 4] = [0.5, 0.35, 0.48, 0.6];
const TEA_URL: &str = "https://shop.example.com/item/Matcha-Gift";
const SCARF_URL: &str = "https://shop.example.com/item/Silk-Scarf";

fn show(dir: &Path) -> show::Show {
    solid_png(&dir.join("magenta.png"), 160, 90, [255, 0, 255]);
    solid_png(&dir.join("cyan.png"), 160, 90, [0, 255, 255]);
    let card = |product: &str| serde_json::json!({ "id": "card", "kind": "product_card", "product": product, "rect": CARD_RECT });
    let json = serde_json::json!({
        "canvas": { "width": 1280, "height": 720, "fps": 30 },
        "audio": { "source": "silence" },
        "scenes": [
            { "id": "host", "layers": [
                { "id": "cam", "kind": "camera", "device": "test" },
                { "id": "badge", "kind": "image", "path": "magenta.png", "rect": IMAGE_RECT },
                card("tea")
            ]},
            { "id": "close-up", "layers": [
                { "id": "cam", "kind": "camera", "device": "test" },
                { "id": "look", "kind": "look", "look": "warm-studio" },
                { "id": "badge", "kind": "image", "path": "cyan.png", "rect": IMAGE_RECT },
                card("tea")
            ]}
        ],
        "products": [
            { "id": "tea", "name": "抹茶礼盒 Matcha", "price": 88, "url": TEA_URL },
            { "id": "scarf", "name": "真丝方巾 Silk scarf", "price": 259, "original_price": 299, "url": SCARF_URL }
        ]
    });
    show::Show::parse(&json.to_string(), dir).unwrap()
}

fn wait_live(events: &Receiver<EngineEvent>, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(EngineEvent::Output { id: got, state }) = events.recv_timeout(Duration::from_millis(200)) {
            assert!(!matches!(state, OutputState::Failed { .. }), "{got} failed: {state:?}");
            if got == id && state == OutputState::Live {
                return;
            }
        }
    }
    panic!("{id} never went live");
}

#[test]
fn scene_switch_card_swap_and_look_change_reach_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start();
    let url = nginx.url("live", "changes");
    let target = IngestTarget::new("main", show::Platform::Custom, SecretUrl::new(url.clone()));
    let (engine, events) =
        Engine::start(show(dir.path()), Outputs { destinations: vec![target], recording: None, preview: false })
            .unwrap();
    wait_live(&events, "main");

    let pulled = dir.path().join("pulled.flv");
    let mut puller = pull(&url, 16, &pulled);
    // The pull starts within a second; each state then holds for 3 s, sampled in its middle.
    std::thread::sleep(Duration::from_millis(3000));
    engine.switch_scene("close-up").unwrap();
    std::thread::sleep(Duration::from_secs(3));
    engine.set_card_product("card", "scarf").unwrap();
    std::thread::sleep(Duration::from_secs(3));
    engine.set_look("cool-runway").unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let mut scarf = engine.show().product("scarf").unwrap().clone();
    scarf.sold_out = true;
    engine.update_product(scarf).unwrap();
    assert!(puller.wait().unwrap().success(), "pulling the stream failed");
    engine.stop(Duration::from_secs(5));
    // One connection throughout: the pull saw a single unbroken stream.
    let duration = num(&probe(&pulled)["format"]["duration"]);
    assert!(duration > 15.0, "the stream broke off after {duration} s");

    let frame = |t: f64, name: &str| {
        let png = dir.path().join(name);
        (frame_at(&pulled, t, &png), png)
    };
    let (host, host_png) = frame(1.5, "host.png");
    let (close_up, close_up_png) = frame(4.5, "close-up.png");
    let (swapped, swapped_png) = frame(7.5, "swapped.png");
    let (cool, _) = frame(10.5, "cool.png");
    let (sold_out, _) = frame(14.0, "sold-out.png");

    let inner = [IMAGE_RECT[0] + 0.02, IMAGE_RECT[1] + 0.02, IMAGE_RECT[2] - 0.04, IMAGE_RECT[3] - 0.04];
    let [r, g, b] = mean_rgb(&host, inner);
    assert!(r > 200.0 && g < 60.0 && b > 200.0, "scene host: badge is ({r:.0},{g:.0},{b:.0}), not magenta");
    let [r, g, b] = mean_rgb(&close_up, inner);
    assert!(r < 60.0 && g > 200.0 && b > 200.0, "scene close-up: badge is ({r:.0},{g:.0},{b:.0}), not cyan");

    assert_eq!(read_qr(&host_png), vec![TEA_URL.to_owned()]);
    assert_eq!(read_qr(&close_up_png), vec![TEA_URL.to_owned()]);
    assert_eq!(read_qr(&swapped_png), vec![SCARF_URL.to_owned()], "the card swap did not reach the stream");

    // warm-studio (scene close-up) against cool-runway picked live: red minus blue drops.
    let warmth = |frame: &image::RgbImage| {
        let [r, _, b] = mean_rgb(frame, CAMERA_PATCH);
        r - b
    };
    let (neutral, warm, cooled) = (warmth(&host), warmth(&swapped), warmth(&cool));
    assert!(warm > neutral + 5.0, "warm-studio did not warm the camera: {warm:.1} vs {neutral:.1}");
    assert!(cooled < warm - 10.0, "cool-runway did not cool the camera: {cooled:.1} vs {warm:.1}");

    // Sold out while live: the card on air is redrawn washed out with its band.
    let card = |frame: &image::RgbImage| {
        let [r, g, b] = mean_rgb(frame, CARD_RECT);
        (r + g + b) / 3.0
    };
    let (before, after) = (card(&cool), card(&sold_out));
    assert!(
        (before - after).abs() > 15.0,
        "marking the product sold out did not change its card: {before:.0} vs {after:.0}"
    );
}

/// Where the badge is moved to: over the colour bars, away from its first place.
const MOVED_RECT: [f64; 4] = [0.6, 0.1, 0.16, 0.16];

#[test]
fn layers_moved_added_reordered_and_removed_reach_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let mut show = show(dir.path());
    show.scenes.truncate(1);
    show.scenes[0].layers.retain(|l| l.id() != "card");
    let nginx = Nginx::start();
    let url = nginx.url("live", "layers");
    let target = IngestTarget::new("main", show::Platform::Custom, SecretUrl::new(url.clone()));
    let (engine, events) =
        Engine::start(show, Outputs { destinations: vec![target], recording: None, preview: false }).unwrap();
    wait_live(&events, "main");

    let pulled = dir.path().join("pulled.flv");
    let mut puller = pull(&url, 16, &pulled);
    std::thread::sleep(Duration::from_millis(3000));
    engine.set_layer_rect("badge", MOVED_RECT).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    // A cyan layer on top of the moved badge.
    let spot = |rect: [f64; 4]| {
        serde_json::from_value::<show::Layer>(
            serde_json::json!({ "id": "spot", "kind": "image", "path": "cyan.png", "rect": rect }),
        )
        .unwrap()
    };
    let off_canvas = engine.add_layer(spot([0.9, 0.1, 0.2, 0.2])).unwrap_err().to_string();
    assert!(off_canvas.contains("layers[2].rect"), "{off_canvas}");
    engine.add_layer(spot(MOVED_RECT)).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    engine.move_layer("badge", 2).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    engine.remove_layer("badge").unwrap();
    assert!(engine.remove_layer("badge").unwrap_err().to_string().contains("no layer \"badge\""));
    assert!(puller.wait().unwrap().success(), "pulling the stream failed");
    engine.stop(Duration::from_secs(5));
    let duration = num(&probe(&pulled)["format"]["duration"]);
    assert!(duration > 15.0, "the stream broke off after {duration} s");

    let frame = |t: f64, name: &str| frame_at(&pulled, t, &dir.path().join(name));
    let inner = |rect: [f64; 4]| [rect[0] + 0.02, rect[1] + 0.02, rect[2] - 0.04, rect[3] - 0.04];
    let magenta = |[r, g, b]: [f64; 3]| r > 200.0 && g < 60.0 && b > 200.0;
    let cyan = |[r, g, b]: [f64; 3]| r < 60.0 && g > 200.0 && b > 200.0;
    let (first, moved, covered, raised, removed) = (
        frame(1.5, "first.png"),
        frame(4.5, "moved.png"),
        frame(7.5, "covered.png"),
        frame(10.5, "raised.png"),
        frame(14.0, "removed.png"),
    );
    let (old, new) = (inner(IMAGE_RECT), inner(MOVED_RECT));
    assert!(magenta(mean_rgb(&first, old)) && !magenta(mean_rgb(&first, new)), "the badge starts at its place");
    let at = mean_rgb(&moved, new);
    assert!(magenta(at), "moved: the badge's new place is {at:?}, not magenta");
    let was = mean_rgb(&moved, old);
    assert!(!magenta(was), "moved: the badge is still at its old place ({was:?})");
    let at = mean_rgb(&covered, new);
    assert!(cyan(at), "added: the new layer on top is {at:?}, not cyan");
    let at = mean_rgb(&raised, new);
    assert!(magenta(at), "reordered: the badge on top is {at:?}, not magenta");
    let at = mean_rgb(&removed, new);
    assert!(cyan(at), "removed: the layer below shows {at:?}, not cyan");
}
