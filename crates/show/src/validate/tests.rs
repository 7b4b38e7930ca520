//! The rules of the show format, one test per rule.

use std::path::PathBuf;

use super::*;
use crate::model::{
    CameraLayer, Canvas, ColorLayer, CountdownLayer, Destination, ImageLayer, Layer, LightingLook, MediaLayer,
    Platform, Product, ProductCardLayer, Rect, RunOfShow, SafeSlate, Scene, SecretRef, TextLayer, Vignette,
};

fn show() -> Show {
    Show {
        name: "t".into(),
        logo: None,
        safe_slate: None,
        canvas: Canvas { width: 1280, height: 720, fps: 30 },
        transition: Default::default(),
        audio: Default::default(),
        scenes: vec![Scene {
            id: "main".into(),
            name: String::new(),
            layers: vec![Layer::Camera(CameraLayer {
                id: "cam".into(),
                visible: true,
                locked: false,
                device: "auto".into(),
                rect: crate::model::full_canvas(),
            })],
        }],
        products: vec![],
        run_of_show: None,
        looks: vec![],
        destinations: vec![],
        encoding: Default::default(),
        record_when_live: true,
        base_dir: PathBuf::from("/nonexistent-kaibo-dir"),
    }
}

fn problems(show: &Show) -> Vec<String> {
    match show.validate() {
        Ok(()) => vec![],
        Err(error) => error.problems.iter().map(ToString::to_string).collect(),
    }
}

#[track_caller]
fn expect(show: &Show, wanted: &str) {
    let found = problems(show);
    assert!(found.iter().any(|p| p.contains(wanted)), "expected a problem containing {wanted:?}, got {found:#?}");
}

#[test]
fn a_minimal_show_is_valid() {
    assert_eq!(problems(&show()), Vec::<String>::new());
}

#[test]
fn numbers_print_plainly() {
    assert_eq!(num(1.2000000000000002), "1.2");
    assert_eq!(num(1.0), "1");
    assert_eq!(num(-0.0), "0");
    assert_eq!(num(0.000001), "0.000001");
    assert_eq!(num(f64::INFINITY), "inf");
}

#[test]
fn all_problems_are_collected() {
    let mut s = show();
    s.canvas.width = 1279;
    s.canvas.fps = 0;
    s.encoding.x264_preset = "placebo".into();
    s.encoding.audio_bitrate_kbps = 1;
    let found = problems(&s);
    assert_eq!(found.len(), 4, "{found:#?}");
}

#[test]
fn rects() {
    let mut s = show();
    let rect = |s: &mut Show, r: Rect| {
        if let Layer::Camera(c) = &mut s.scenes[0].layers[0] {
            c.rect = r;
        }
    };
    rect(&mut s, [0.0, 0.0, 0.0, 1.0]);
    expect(&s, "scenes[0].layers[0].rect: width must be > 0");
    rect(&mut s, [0.5, 0.0, 0.6, 1.0]);
    expect(&s, "scenes[0].layers[0].rect: x + width must be <= 1");
    rect(&mut s, [0.0, 0.5, 1.0, 0.500002]);
    expect(&s, "y + height must be <= 1");
    rect(&mut s, [0.0, 0.5, 1.0, 0.5000000001]);
    assert_eq!(problems(&s), Vec::<String>::new(), "within tolerance");
    rect(&mut s, [-0.1, 0.0, 0.5, 0.5]);
    expect(&s, "x must be between 0 and 1, got -0.1");
    rect(&mut s, [0.0, f64::NAN, 0.5, 0.5]);
    expect(&s, "must be finite");
    rect(&mut s, [0.0, 0.0, f64::INFINITY, 0.5]);
    expect(&s, "must be finite");
}

#[test]
fn non_finite_numbers_anywhere() {
    let mut s = show();
    s.encoding.keyframe_interval_s = f64::NAN;
    s.looks.push(LightingLook {
        brightness: f64::INFINITY,
        vignette: Some(Vignette { strength: f64::NEG_INFINITY, radius: 0.5, softness: 0.5, center: [f64::NAN, 0.5] }),
        ..LightingLook::neutral("x")
    });
    let found = problems(&s);
    for path in [
        "encoding.keyframe_interval_s",
        "looks[0].brightness",
        "looks[0].vignette.strength",
        "looks[0].vignette.center[0]",
    ] {
        assert!(found.iter().any(|p| p.starts_with(path) && p.contains("finite")), "{path} in {found:#?}");
    }
}

#[test]
fn several_cameras_are_allowed() {
    let mut s = show();
    let camera = s.scenes[0].layers[0].clone();
    if let Layer::Camera(mut c) = camera {
        c.id = "cam2".into();
        c.rect = [0.5, 0.5, 0.5, 0.5];
        s.scenes[0].layers.push(Layer::Camera(c));
    }
    assert_eq!(problems(&s), Vec::<String>::new());
}

fn media(path: Option<&str>, url: Option<&str>) -> Show {
    let mut s = show();
    s.scenes[0].layers.push(Layer::Media(MediaLayer {
        id: "clip".into(),
        visible: true,
        locked: false,
        rect: crate::model::full_canvas(),
        path: path.map(Into::into),
        url: url.map(Into::into),
        looping: true,
        sound: Default::default(),
    }));
    s
}

#[test]
fn media_layers() {
    expect(&media(None, None), "scenes[0].layers[1]: a media layer needs \"path\"");
    expect(&media(Some("a.mp4"), Some("srt://0.0.0.0:9000")), "give either \"path\" or \"url\"");
    expect(&media(Some("clip.mp4"), None), "scenes[0].layers[1].path: \"clip.mp4\" does not exist");
    for good in [
        "srt://0.0.0.0:9000?mode=listener",
        "rtmp://127.0.0.1/live/x",
        "rtsp://cam.local/1",
        "https://x.example/a.m3u8",
    ] {
        assert_eq!(problems(&media(None, Some(good))), Vec::<String>::new(), "{good}");
    }
    expect(&media(None, Some("srt://0.0.0.0")), "an srt:// address needs a port");
    expect(&media(None, Some("ftp://x.example/a")), "scheme \"ftp\" is not a feed");
    expect(&media(None, Some("not a url")), "scenes[0].layers[1].url: is not a valid address");
}

#[test]
fn color_layers() {
    let mut s = show();
    s.scenes[0].layers.insert(
        0,
        Layer::Color(ColorLayer {
            id: "bg".into(),
            visible: true,
            locked: false,
            rect: crate::model::full_canvas(),
            color: "#112233".into(),
        }),
    );
    assert_eq!(problems(&s), Vec::<String>::new());
    if let Layer::Color(c) = &mut s.scenes[0].layers[0] {
        c.color = "blue".into();
    }
    expect(&s, "scenes[0].layers[0].color: is not a color");
}

#[test]
fn camera_devices() {
    let mut s = show();
    for (device, ok) in [("auto", true), ("test", true), ("/dev/video2", true), ("video0", false), ("", false)] {
        if let Layer::Camera(c) = &mut s.scenes[0].layers[0] {
            c.device = device.into();
        }
        assert_eq!(problems(&s).is_empty(), ok, "{device}");
    }
}

#[test]
fn destination_errors_never_show_the_key() {
    let mut s = show();
    let mut add = |url: &str| {
        s.destinations.push(Destination {
            id: format!("d{}", s.destinations.len()),
            platform: Platform::Custom,
            url: url.into(),
            key: Some(SecretRef { secret: String::new() }),
            enabled: true,
            delay_seconds: 0,
        })
    };
    add("http://live.example.com/app/SECRETKEY1");
    add("rtmp:///app/SECRETKEY2");
    add("srt://ingest.example.com?streamid=SECRETKEY3");
    add("rtmp://live.example.com:99999/app/SECRETKEY4");
    add("rtmps://ok.example.com/app/SECRETKEY5");
    add("SECRETKEY6");
    let found = problems(&s);
    for p in &found {
        assert!(!p.contains("SECRETKEY"), "key printed in {p:?}");
    }
    expect(&s, "destinations[0].url: scheme \"http\" is not accepted; use rtmp://, rtmps:// or srt://");
    expect(&s, "destinations[1].url: has no host");
    expect(&s, "destinations[2].url: an srt:// URL needs a port");
    expect(&s, "destinations[3].url: is not a valid URL");
    expect(&s, "destinations[5].url: is not a valid URL");
    expect(&s, "destinations[0].key.secret: must not be empty");
    assert!(!found.iter().any(|p| p.starts_with("destinations[4].url")), "{found:#?}");
}

#[test]
fn look_and_product_references() {
    let mut s = show();
    s.scenes[0].layers.push(Layer::Look(crate::model::LookLayer {
        id: "look".into(),
        visible: true,
        locked: false,
        look: "spotlight".into(),
    }));
    assert_eq!(problems(&s), Vec::<String>::new());
    s.scenes[0].layers.push(Layer::Look(crate::model::LookLayer {
        id: "look2".into(),
        visible: true,
        locked: false,
        look: "disco".into(),
    }));
    expect(&s, "scenes[0].layers[2].look: unknown look \"disco\"; available looks: natural");
    s.scenes[0].layers.push(Layer::ProductCard(ProductCardLayer {
        id: "card".into(),
        visible: true,
        locked: false,
        product: "p1".into(),
        rect: [0.6, 0.6, 0.3, 0.3],
        qr: true,
        sales: false,
    }));
    expect(&s, "scenes[0].layers[3].product: unknown product \"p1\"; the show has no products");
}

#[test]
fn pictures_are_told_by_their_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("real.png"), b"\x89PNG\r\n\x1a\n rest").expect("write");
    std::fs::write(dir.path().join("photo.data"), [0xFF, 0xD8, 0xFF, 0xE0]).expect("write");
    std::fs::write(dir.path().join("fake.png"), b"<svg/>").expect("write");
    std::fs::write(dir.path().join("empty.jpg"), b"").expect("write");
    std::fs::write(dir.path().join("grade.cube"), b"LUT_3D_SIZE 2\n").expect("write");
    let mut s = show();
    s.base_dir = dir.path().to_path_buf();
    for (path, ok) in [
        ("real.png", true),
        ("photo.data", true),
        ("fake.png", false),
        ("empty.jpg", false),
        ("missing.png", false),
        (".", false),
    ] {
        s.scenes[0].layers.truncate(1);
        s.scenes[0].layers.push(Layer::Image(ImageLayer {
            id: "img".into(),
            visible: true,
            locked: false,
            path: path.into(),
            rect: [0.0, 0.0, 0.1, 0.1],
            opacity: 1.0,
        }));
        assert_eq!(problems(&s).is_empty(), ok, "{path}: {:?}", problems(&s));
    }
    s.scenes[0].layers.truncate(1);
    s.looks.push(LightingLook { lut: Some("grade.cube".into()), ..LightingLook::neutral("graded") });
    assert_eq!(problems(&s), Vec::<String>::new());
    s.looks[0].lut = Some("grade.png".into());
    expect(&s, "looks[0].lut: must be a .cube 3D LUT file");
    s.looks[0].lut = Some("other.cube".into());
    expect(&s, "looks[0].lut: \"other.cube\" does not exist");
}

fn product(id: &str) -> Product {
    Product {
        id: id.into(),
        name: format!("Product {id}"),
        price: 10.0,
        original_price: None,
        currency: "CNY".into(),
        url: "https://shop.example.com/p".into(),
        image: None,
        sold_out: false,
        tagline: None,
        stock: None,
        sold: 0,
    }
}

/// A show with products `tea` and `silk`, a product card `card` and a text `title`.
fn shop() -> Show {
    let mut s = show();
    s.products = vec![product("tea"), product("silk")];
    s.scenes[0].layers.push(Layer::ProductCard(ProductCardLayer {
        id: "card".into(),
        visible: true,
        locked: false,
        product: "tea".into(),
        rect: [0.6, 0.6, 0.3, 0.3],
        qr: true,
        sales: true,
    }));
    s.scenes[0].layers.push(Layer::Text(TextLayer {
        id: "title".into(),
        visible: true,
        locked: false,
        text: "hi".into(),
        rect: [0.0, 0.0, 0.5, 0.1],
        font_size: 36.0,
        font: None,
        bold: false,
        color: "#FFFFFF".into(),
        background: None,
        outline: None,
        align: Default::default(),
    }));
    s
}

fn run(items: &[(&str, Option<u32>, &[&str])]) -> RunOfShow {
    RunOfShow {
        card: "card".into(),
        auto_advance: false,
        items: items
            .iter()
            .map(|(product, target, points)| crate::model::RunItem {
                product: (*product).into(),
                target_seconds: *target,
                talking_points: points.iter().map(|p| (*p).to_owned()).collect(),
            })
            .collect(),
    }
}

#[test]
fn run_of_show_good() {
    let mut s = shop();
    s.run_of_show = Some(run(&[("tea", Some(120), &["明前龙井", "买二送一"]), ("silk", None, &[])]));
    assert_eq!(problems(&s), Vec::<String>::new());
    // The card may be in any scene, not only the first.
    let mut other = s.clone();
    let card = other.scenes[0].layers.remove(1);
    other.scenes.push(Scene { id: "second".into(), name: String::new(), layers: vec![card] });
    assert_eq!(problems(&other), Vec::<String>::new());
}

#[test]
fn run_of_show_needs_items() {
    let mut s = shop();
    s.run_of_show = Some(run(&[]));
    expect(&s, "run_of_show.items: at least one item is required");
}

#[test]
fn run_of_show_products_exist_and_come_once() {
    let mut s = shop();
    s.run_of_show = Some(run(&[("tea", None, &[]), ("gin", None, &[]), ("tea", None, &[])]));
    expect(&s, "run_of_show.items[1].product: unknown product \"gin\"; the show's products are: tea, silk");
    expect(&s, "run_of_show.items[2].product: product \"tea\" is already in the run of show (items[0])");
    assert_eq!(problems(&s).len(), 2, "{:#?}", problems(&s));
}

#[test]
fn run_of_show_target_seconds() {
    let mut s = shop();
    for (target, ok) in [(0, false), (1, true), (86_400, true), (86_401, false)] {
        s.run_of_show = Some(run(&[("tea", Some(target), &[])]));
        assert_eq!(problems(&s).is_empty(), ok, "{target}: {:?}", problems(&s));
    }
    s.run_of_show = Some(run(&[("tea", Some(0), &[])]));
    expect(&s, "run_of_show.items[0].target_seconds: must be between 1 and 86400, got 0");
}

#[test]
fn run_of_show_talking_points() {
    let mut s = shop();
    let long = "话".repeat(501);
    let limit = "话".repeat(500);
    s.run_of_show = Some(run(&[("tea", None, &["ok", " ", &long]), ("silk", None, &[&limit])]));
    expect(&s, "run_of_show.items[0].talking_points[1]: must not be empty");
    expect(&s, "run_of_show.items[0].talking_points[2]: must be at most 500 characters, got 501");
    assert_eq!(problems(&s).len(), 2, "{:#?}", problems(&s));
}

#[test]
fn run_of_show_card_is_a_product_card() {
    let mut s = shop();
    let mut r = run(&[("tea", None, &[])]);
    r.card = "title".into();
    s.run_of_show = Some(r.clone());
    expect(&s, "run_of_show.card: layer \"title\" is a text layer, not a product card");
    r.card = "nope".into();
    s.run_of_show = Some(r.clone());
    expect(&s, "run_of_show.card: no scene has a layer \"nope\"; the product cards are: card");
    r.card = String::new();
    s.run_of_show = Some(r);
    expect(&s, "run_of_show.card: must not be empty");
}

fn countdown(seconds: Option<u32>, until: Option<&str>) -> CountdownLayer {
    CountdownLayer {
        id: "flash".into(),
        visible: true,
        locked: false,
        rect: [0.7, 0.05, 0.27, 0.1],
        label: "限时秒杀".into(),
        seconds,
        until: until.map(str::to_owned),
        font_size: 36.0,
        color: "#FFFFFF".into(),
        background: "#E0242Bcc".into(),
        ended_text: "已结束 · Ended".into(),
    }
}

fn with_countdown(layer: CountdownLayer) -> Show {
    let mut s = show();
    s.scenes[0].layers.push(Layer::Countdown(layer));
    s
}

#[test]
fn countdown_good() {
    assert_eq!(problems(&with_countdown(countdown(Some(300), None))), Vec::<String>::new());
    let until = countdown(None, Some("2026-11-25T20:00:00+08:00"));
    assert_eq!(problems(&with_countdown(until)), Vec::<String>::new());
    let mut empty_label = countdown(Some(1), None);
    empty_label.label = String::new();
    assert_eq!(problems(&with_countdown(empty_label)), Vec::<String>::new());
}

#[test]
fn countdown_needs_exactly_one_of_seconds_and_until() {
    expect(&with_countdown(countdown(None, None)), "scenes[0].layers[1]: a countdown needs \"seconds\"");
    expect(
        &with_countdown(countdown(Some(60), Some("2026-11-25T20:00:00+08:00"))),
        "scenes[0].layers[1].until: give either \"seconds\" or \"until\", not both",
    );
}

#[test]
fn countdown_seconds_range() {
    expect(
        &with_countdown(countdown(Some(0), None)),
        "scenes[0].layers[1].seconds: must be between 1 and 86400, got 0",
    );
    expect(
        &with_countdown(countdown(Some(86_401), None)),
        "scenes[0].layers[1].seconds: must be between 1 and 86400, got 86401",
    );
}

#[test]
fn countdown_until_is_rfc3339() {
    for bad in ["tomorrow", "2026-11-25 20:00", "2026-11-25T20:00:00", ""] {
        expect(&with_countdown(countdown(None, Some(bad))), "scenes[0].layers[1].until: is not an RFC 3339 time");
    }
}

#[test]
fn countdown_style() {
    let mut layer = countdown(Some(60), None);
    layer.color = "white".into();
    layer.background = "#12".into();
    layer.font_size = 2.0;
    layer.rect = [0.9, 0.0, 0.2, 0.1];
    let s = with_countdown(layer);
    expect(&s, "scenes[0].layers[1].color: is not a color");
    expect(&s, "scenes[0].layers[1].background: is not a color");
    expect(&s, "scenes[0].layers[1].font_size: must be between 4 and 400");
    expect(&s, "scenes[0].layers[1].rect: x + width must be <= 1");
}

#[test]
fn safe_slate_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("brb.png"), b"\x89PNG\r\n\x1a\n rest").expect("write");
    let mut s = show();
    s.base_dir = dir.path().to_path_buf();
    s.safe_slate = Some(SafeSlate::default());
    assert_eq!(problems(&s), Vec::<String>::new(), "both fields are optional");
    s.safe_slate =
        Some(SafeSlate { text: Some("稍后回来 · Be right back".into()), image: Some("brb.png".into()) });
    assert_eq!(problems(&s), Vec::<String>::new());
    s.safe_slate = Some(SafeSlate { text: Some("  ".into()), image: Some("gone.png".into()) });
    expect(&s, "safe_slate.text: must not be empty");
    expect(&s, "safe_slate.image: \"gone.png\" does not exist");
}

#[test]
fn destination_delay() {
    let mut s = show();
    for (delay, ok) in [(0, true), (30, true), (31, false)] {
        s.destinations = vec![Destination {
            id: "d".into(),
            platform: Platform::Custom,
            url: "rtmp://live.example.com/app".into(),
            key: None,
            enabled: true,
            delay_seconds: delay,
        }];
        assert_eq!(problems(&s).is_empty(), ok, "{delay}: {:?}", problems(&s));
    }
    expect(&s, "destinations[0].delay_seconds: must be between 0 and 30, got 31");
}

#[test]
fn stock_and_sold_need_no_rules_and_round_trip() {
    let mut s = shop();
    s.products[0].stock = Some(0);
    s.products[0].sold = 1024;
    assert_eq!(problems(&s), Vec::<String>::new());
    let json = serde_json::to_value(&s).expect("serializes");
    assert_eq!(json["products"][0]["stock"], 0);
    assert_eq!(json["products"][0]["sold"], 1024);
    // Defaults are left out, so shows written before these fields stay unchanged.
    let plain = serde_json::to_value(show()).expect("serializes");
    let text = plain.to_string();
    for field in ["stock", "sold\"", "sales", "delay_seconds", "run_of_show", "safe_slate"] {
        assert!(!text.contains(field), "{field} in {text}");
    }
    let back: Show = serde_json::from_value(json).expect("parses back");
    assert_eq!(back.products, s.products);
}
