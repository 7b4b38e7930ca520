//! The sales line on product cards, countdown layers and the safe slate, checked by their
//! pixels.
//!
//! Set `RENDER_PREVIEW_DIR` to keep every raster drawn here as a PNG.

use std::path::{Path, PathBuf};

use render::{render_countdown, render_layer, render_safe_slate, render_slate, Raster};
use show::{CountdownLayer, Layer, SafeSlate, Show};

/// A show with one scene holding `layers` and the products `products`, deserialized
/// without validation so these tests depend only on the model.
fn show(dir: &Path, layers: &str, products: &str) -> Show {
    let json = format!(
        r#"{{
            "canvas": {{ "width": 1280, "height": 720, "fps": 30 }},
            "scenes": [{{ "id": "main", "layers": [{layers}] }}],
            "products": [{products}]
        }}"#
    );
    let mut show: Show = serde_json::from_str(&json).expect("the test show parses");
    show.base_dir = dir.to_owned();
    show
}

fn keep(name: &str, raster: &Raster) {
    if let Some(dir) = std::env::var_os("RENDER_PREVIEW_DIR") {
        let file = PathBuf::from(dir).join(format!("{name}.png"));
        raster.write_png(&file).expect("the preview is written");
    }
}

fn draw(show: &Show, index: usize, name: &str) -> Raster {
    let raster =
        render_layer(show, &show.scenes[0].layers[index]).expect("the layer renders").expect("the layer is drawable");
    keep(name, &raster);
    raster
}

fn product(id: &str, name: &str, extra: &str) -> String {
    format!(
        r#"{{ "id": "{id}", "name": "{name}", "price": 88, "currency": "CNY",
             "url": "https://shop.example.com/p/{id}" {extra} }}"#
    )
}

fn card(id: &str, product: &str, rect: &str, sales: bool) -> String {
    format!(r#"{{ "kind": "product_card", "id": "{id}", "product": "{product}", "rect": {rect}, "sales": {sales} }}"#)
}

/// The pixels that differ between two rasters of the same size.
fn differing(a: &Raster, b: &Raster) -> Vec<(u32, u32)> {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let mut out = Vec::new();
    for y in 0..a.height {
        for x in 0..a.width {
            if a.rgba_at(x, y) != b.rgba_at(x, y) {
                out.push((x, y));
            }
        }
    }
    out
}

const SHAPES: [(&str, &str); 3] =
    [("tall", "[0.64, 0.1, 0.33, 0.8]"), ("square", "[0.6, 0.45, 0.3, 0.5]"), ("wide", "[0.3, 0.7, 0.6, 0.28]")];

#[test]
fn the_sales_line_is_drawn_under_the_price_in_every_shape() {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (shape, rect) in SHAPES {
        let layers = [card("plain", "tea", rect, false), card("sales", "tea", rect, true)].join(",");
        let products = product("tea", "宇治抹茶礼盒 Uji Matcha", r#", "sold": 1024, "stock": 12"#);
        let s = show(dir.path(), &layers, &products);
        let plain = draw(&s, 0, &format!("sales-{shape}-off"));
        let sales = draw(&s, 1, &format!("sales-{shape}-on"));
        let changed = differing(&plain, &sales);
        assert!(changed.len() > 200, "{shape}: only {} pixels changed", changed.len());
        // Under the price: the changes are not all in the card's top third (the name).
        assert!(
            changed.iter().any(|&(_, y)| y > plain.height / 3),
            "{shape}: the sales line is not in the lower part of the card"
        );
        // The units left are in the accent red.
        assert!(
            (0..sales.height)
                .flat_map(|y| (0..sales.width).map(move |x| (x, y)))
                .filter(|p| changed.contains(p))
                .filter_map(|(x, y)| sales.rgba_at(x, y))
                .any(|[r, g, b, a]| a == 255 && r > 200 && g < 110 && b < 120),
            "{shape}: no accent red in the sales line"
        );
    }
}

/// A tall card with the sales line, of a Silk Scarf with the fields `extra`.
fn sales_card(dir: &Path, name: &str, extra: &str) -> Raster {
    let s = show(dir, &card("card", "p", SHAPES[0].1, true), &product("p", "Silk Scarf", extra));
    draw(&s, 0, name)
}

#[test]
fn the_sales_line_follows_the_numbers() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let dir = dir.path();
    let sold_1024 = sales_card(dir, "sales-sold-1024", r#", "sold": 1024"#);
    let sold_2048 = sales_card(dir, "sales-sold-2048", r#", "sold": 2048"#);
    let few = sales_card(dir, "sales-stock-12", r#", "sold": 1024, "stock": 12"#);
    let plenty = sales_card(dir, "sales-stock-50", r#", "sold": 1024, "stock": 50"#);
    assert!(sold_1024.data != sold_2048.data, "the count is drawn");
    assert!(sold_1024.data != few.data, "few left is drawn");
    assert!(sold_1024.data == plenty.data, "50 left is not few: the line reads as if the stock were unknown");
}

#[test]
fn no_stock_left_draws_the_card_sold_out() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let rect = SHAPES[1].1;
    let layers = [
        card("empty", "empty", rect, true),
        card("marked", "marked", rect, true),
        card("stocked", "stocked", rect, true),
    ]
    .join(",");
    let products = [
        product("empty", "Silk Scarf", r#", "sold": 40, "stock": 0"#),
        product("marked", "Silk Scarf", r#", "sold": 40, "stock": 0, "sold_out": true"#),
        product("stocked", "Silk Scarf", r#", "sold": 40, "stock": 5"#),
    ]
    .join(",");
    let s = show(dir.path(), &layers, &products);
    let empty = draw(&s, 0, "stock-0");
    let middle = empty.rgba_at(empty.width / 8, empty.height / 2).expect("inside");
    assert!(middle[..3].iter().all(|&c| c < 60) && middle[3] == 255, "the dark sold-out band: {middle:?}");
    let stocked = draw(&s, 2, "stock-5");
    let middle = stocked.rgba_at(stocked.width / 8, stocked.height / 2).expect("inside");
    assert!(!middle[..3].iter().all(|&c| c < 60), "not sold out: {middle:?}");
    // Without the sales line too: stock 0 alone is enough.
    let layers = card("plain", "empty", rect, false);
    let s = show(dir.path(), &layers, &products);
    let plain = draw(&s, 0, "stock-0-no-sales");
    let middle = plain.rgba_at(plain.width / 8, plain.height / 2).expect("inside");
    assert!(middle[..3].iter().all(|&c| c < 60), "{middle:?}");
}

fn countdown_layer(extra: &str) -> String {
    format!(
        r##"{{ "kind": "countdown", "id": "flash", "rect": [0.7, 0.05, 0.27, 0.1], "label": "限时秒杀" {extra} }}"##
    )
}

fn countdown_of(s: &Show, index: usize) -> &CountdownLayer {
    match &s.scenes[0].layers[index] {
        Layer::Countdown(c) => c,
        other => panic!("layer {index} is a {}", other.kind()),
    }
}

fn tick(s: &Show, index: usize, remaining: u64) -> Raster {
    let raster = render_countdown(s, countdown_of(s, index), remaining).expect("renders");
    keep(&format!("countdown-{index}-{remaining}"), &raster);
    raster
}

#[test]
fn countdowns_tick_and_fill_their_rect() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let s = show(dir.path(), &countdown_layer(r#", "seconds": 300"#), "");
    let full = draw(&s, 0, "countdown-layer");
    let at_300 = tick(&s, 0, 300);
    assert!(full == at_300, "render_layer draws the whole duration");
    assert_eq!((at_300.x, at_300.y, at_300.width, at_300.height), (896, 36, 346, 72));
    let at_299 = tick(&s, 0, 299);
    assert_ne!(at_300.data, at_299.data);
    assert_ne!(tick(&s, 0, 3600).data, tick(&s, 0, 3599).data);
    // The box fills the rect in the default red, with room to spare around the text.
    let [r, g, b, a] = at_300.rgba_at(at_300.width / 2, 1).expect("inside");
    assert!(
        (i32::from(r) - 0xE0).abs() <= 2 && g < 0x30 && b < 0x34 && (i32::from(a) - 0xCC).abs() <= 2,
        "{:?}",
        [r, g, b, a]
    );
    // White text in the middle row.
    let row = at_300.height / 2;
    assert!((0..at_300.width).filter_map(|x| at_300.rgba_at(x, row)).any(|[r, g, b, _]| r > 240 && g > 240 && b > 240));
}

#[test]
fn a_countdown_at_zero_shows_its_ended_text() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let layers = [
        countdown_layer(r#", "seconds": 60"#),
        countdown_layer(r#", "seconds": 60, "ended_text": "Sold through!""#).replace("flash", "other"),
    ]
    .join(",");
    let s = show(dir.path(), &layers, "");
    let ended = tick(&s, 0, 0);
    assert_ne!(ended.data, tick(&s, 0, 1).data);
    assert_ne!(ended.data, tick(&s, 1, 0).data, "the ended text is drawn");
    // The box stays.
    assert_eq!(ended.rgba_at(ended.width / 2, 1).map(|p| p[3] > 150), Some(true));
}

#[test]
fn until_counts_to_the_wall_clock() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let layers = [
        countdown_layer(r#", "until": "2001-01-01T00:00:00+08:00""#),
        countdown_layer(r#", "until": "2199-01-01T00:00:00Z""#).replace("flash", "later"),
    ]
    .join(",");
    let s = show(dir.path(), &layers, "");
    let past = draw(&s, 0, "countdown-until-past");
    assert!(past == tick(&s, 0, 0), "a past time has ended");
    let later = draw(&s, 1, "countdown-until-later");
    assert_ne!(later.data, tick(&s, 1, 0).data);
}

#[test]
fn countdown_colours_and_rects_are_checked_without_panicking() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let layers = [
        countdown_layer(r#", "seconds": 5, "color": "white""#),
        r#"{ "kind": "countdown", "id": "dot", "rect": [0.5, 0.5, 0.0001, 0.0001], "label": "x", "seconds": 5 }"#
            .to_owned(),
        r#"{ "kind": "countdown", "id": "tiny", "rect": [0.5, 0.5, 0.002, 0.002], "label": "限时秒杀", "seconds": 86400 }"#
            .to_owned(),
    ]
    .join(",");
    let s = show(dir.path(), &layers, "");
    let error = render_countdown(&s, countdown_of(&s, 0), 5).expect_err("bad colour").to_string();
    assert!(error.contains("flash") && error.contains("white"), "{error}");
    let error = render_countdown(&s, countdown_of(&s, 1), 5).expect_err("under a pixel").to_string();
    assert!(error.contains("dot"), "{error}");
    let tiny = tick(&s, 2, 86_400);
    assert_eq!((tiny.width, tiny.height), (3, 1));
}

/// A 64x64 PNG in one colour.
fn write_picture(dir: &Path, name: &str, rgb: [u8; 3]) {
    image::RgbImage::from_pixel(64, 64, image::Rgb(rgb)).save(dir.join(name)).expect("write the picture");
}

fn count_near(raster: &Raster, rgb: [u8; 3]) -> usize {
    (0..raster.height)
        .flat_map(|y| (0..raster.width).map(move |x| (x, y)))
        .filter_map(|(x, y)| raster.rgba_at(x, y))
        .filter(|p| (0..3).all(|i| (i32::from(p[i]) - i32::from(rgb[i])).abs() <= 3))
        .count()
}

#[test]
fn the_safe_slate_shows_its_text_and_picture() {
    let dir = tempfile::tempdir().expect("a temp dir");
    write_picture(dir.path(), "logo.png", [20, 200, 40]);
    write_picture(dir.path(), "brb.png", [30, 60, 220]);
    let mut s = show(dir.path(), "", "");
    s.logo = Some("logo.png".into());

    // Without a safe_slate: the logo and the default words.
    let default = render_safe_slate(&s).expect("renders");
    keep("safe-slate-default", &default);
    assert_eq!((default.x, default.y, default.width, default.height), (0, 0, 1280, 720));
    assert!(default == render_slate(&s, render::SAFE_SLATE_TEXT).expect("renders"));
    assert!(count_near(&default, [20, 200, 40]) > 1000, "the logo is on it");
    let light = (0..default.width)
        .flat_map(|x| (0..default.height).map(move |y| (x, y)))
        .filter_map(|(x, y)| default.rgba_at(x, y))
        .filter(|p| p[0] > 230 && p[1] > 230 && p[2] > 230)
        .count();
    assert!(light > 500, "the words are drawn: {light} light pixels");

    // Its own text and picture.
    s.safe_slate = Some(SafeSlate { text: Some("马上回来 Back in 5".into()), image: Some("brb.png".into()) });
    let own = render_safe_slate(&s).expect("renders");
    keep("safe-slate-own", &own);
    assert!(count_near(&own, [30, 60, 220]) > 1000, "its picture is on it");
    assert_eq!(count_near(&own, [20, 200, 40]), 0, "instead of the logo");
    let lost = render_slate(&s, "摄像头已断开 Camera lost").expect("renders");
    assert_ne!(own.data, lost.data, "differs from the camera-loss slate");
    assert_ne!(own.data, default.data);

    // Only text: the logo stays.
    s.safe_slate = Some(SafeSlate { text: Some("马上回来 Back in 5".into()), image: None });
    let text_only = render_safe_slate(&s).expect("renders");
    assert!(count_near(&text_only, [20, 200, 40]) > 1000);
    assert_ne!(text_only.data, default.data);

    // A picture that cannot be read still gives a slate.
    s.safe_slate = Some(SafeSlate { text: None, image: Some("missing.png".into()) });
    let missing = render_safe_slate(&s).expect("renders without the picture");
    assert_eq!(count_near(&missing, [20, 200, 40]), 0);
}
