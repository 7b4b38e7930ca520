//! Renders real layers and looks at the pixels: sizes, colours, emoji, and QR codes read
//! back with `zbarimg`.
//!
//! Set `RENDER_PREVIEW_DIR` to keep every rendered layer there as a PNG.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use render::{render_layer, Raster};
use show::{Layer, Show};

const URL: &str = "https://shop.example.com/p/AbC123?ref=Live";

/// A show with one scene holding `layers`, the products of `products`, and its files in
/// `dir`. Deserialized without validation so these tests only depend on the model.
fn show(dir: &Path, canvas: (u32, u32), layers: &str, products: &str) -> Show {
    let json = format!(
        r#"{{
            "canvas": {{ "width": {}, "height": {}, "fps": 30 }},
            "scenes": [{{ "id": "main", "layers": [{layers}] }}],
            "products": [{products}]
        }}"#,
        canvas.0, canvas.1
    );
    let mut show: Show = serde_json::from_str(&json).expect("the test show parses");
    show.base_dir = dir.to_owned();
    show
}

fn layer(show: &Show, index: usize) -> &Layer {
    &show.scenes[0].layers[index]
}

fn draw(show: &Show, index: usize) -> Raster {
    let layer = layer(show, index);
    let raster = render_layer(show, layer).expect("the layer renders").expect("the layer is drawable");
    if let Some(dir) = std::env::var_os("RENDER_PREVIEW_DIR") {
        let file = PathBuf::from(dir).join(format!("render-{}-{}x{}.png", layer.id(), raster.width, raster.height));
        raster.write_png(&file).expect("the preview is written");
    }
    raster
}

fn product(id: &str, extra: &str) -> String {
    format!(
        r#"{{ "id": "{id}", "name": "丝绒哑光口红 #999 Velvet Rouge", "price": 99, "original_price": 129,
             "currency": "CNY", "url": "{URL}", "tagline": "持久不脱色 Long-lasting" {extra} }}"#
    )
}

fn card(id: &str, product: &str, rect: [f64; 4]) -> String {
    format!(
        r#"{{ "kind": "product_card", "id": "{id}", "product": "{product}", "rect": [{}, {}, {}, {}] }}"#,
        rect[0], rect[1], rect[2], rect[3]
    )
}

/// A product photo stand-in: a warm gradient with a darker disc, and no pure black, so
/// pure black pixels on a card can only be QR modules.
fn write_photo(dir: &Path, name: &str, width: u32, height: u32) -> PathBuf {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        let (cx, cy) = (x as f64 - width as f64 / 2.0, y as f64 - height as f64 / 2.0);
        if cx * cx + cy * cy < (width.min(height) as f64 / 3.0).powi(2) {
            image::Rgb([180, 30, 60])
        } else {
            image::Rgb([250, (200 + y * 50 / height) as u8, (180 + x * 60 / width) as u8])
        }
    });
    let path = dir.join(name);
    picture.save(&path).expect("the photo is written");
    path
}

fn opaque_pixels(raster: &Raster) -> impl Iterator<Item = (u32, u32, [u8; 4])> + '_ {
    (0..raster.height).flat_map(move |y| {
        (0..raster.width).filter_map(move |x| {
            let px = raster.rgba_at(x, y)?;
            (px[3] > 200).then_some((x, y, px))
        })
    })
}

fn is_colourful([r, g, b, _]: [u8; 4]) -> bool {
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    max - min > 80
}

/// Writes the raster as a PNG and reads every QR code on it with zbarimg.
fn scan(raster: &Raster) -> String {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("card.png");
    raster.write_png(&file).expect("the PNG is written");
    let output = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&file)
        .output()
        .expect("zbarimg runs (apt install zbar-tools)");
    String::from_utf8_lossy(&output.stdout).trim_end().to_owned()
}

/// The pixels per module of the QR code on a card: its pure black pixels span the code's
/// modules (version 3 for `URL`: 29), edge to edge.
fn module_px(raster: &Raster) -> f64 {
    let black: Vec<(u32, u32)> =
        opaque_pixels(raster).filter(|(_, _, px)| *px == [0, 0, 0, 255]).map(|(x, y, _)| (x, y)).collect();
    let left = black.iter().map(|p| p.0).min().expect("the card has a QR code");
    let right = black.iter().map(|p| p.0).max().expect("the card has a QR code");
    f64::from(right - left + 1) / 29.0
}

#[test]
fn text_renders_cjk_and_colour_emoji_inside_its_rect() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let show = show(
        dir.path(),
        (1280, 720),
        r##"{ "kind": "text", "id": "headline", "text": "直播间 🎉🍓 好物推荐 Live", "rect": [0.1, 0.1, 0.5, 0.15],
             "font_size": 48, "bold": true, "color": "#FFFFFF",
             "outline": { "color": "#000000", "width": 3 } }"##,
        "",
    );
    let raster = draw(&show, 0);
    assert_eq!((raster.x, raster.y, raster.width, raster.height), (128, 72, 640, 108));
    assert!(raster.stride >= raster.width * 4);
    assert_eq!(raster.data.len(), (raster.stride * raster.height) as usize);

    let opaque: Vec<_> = opaque_pixels(&raster).collect();
    assert!(opaque.len() > 5_000, "only {} opaque pixels", opaque.len());
    let colours: HashSet<[u8; 4]> = opaque.iter().map(|p| p.2).collect();
    assert!(colours.len() > 50, "only {} colours", colours.len());
    // White text with a black outline: anything colourful is an emoji drawn in colour
    // (a monochrome emoji font or tofu boxes would be white or black).
    let colourful = opaque.iter().filter(|p| is_colourful(p.2)).count();
    assert!(colourful > 300, "only {colourful} colourful pixels: no colour emoji?");
    // The outline is there too.
    assert!(opaque.iter().any(|p| p.2[..3] == [0, 0, 0]));
    assert!(opaque.iter().any(|p| p.2[..3] == [255, 255, 255]));
}

#[test]
fn text_too_big_for_its_rect_shrinks_instead_of_spilling() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let show = show(
        dir.path(),
        (1280, 720),
        r##"{ "kind": "text", "id": "long", "rect": [0.0, 0.0, 0.3, 0.1], "font_size": 120,
             "background": "#C8102ECC", "align": "center",
             "text": "限时秒杀全场包邮，下单即送精美礼品一份，数量有限先到先得" }"##,
        "",
    );
    let raster = draw(&show, 0);
    assert_eq!((raster.width, raster.height), (384, 72));
    // Every line of Chinese (no spaces) wraps and fits: the box is whole, so its corners
    // are rounded off and the rows and columns at the very edge are mostly clear.
    assert_eq!(raster.rgba_at(0, 0).map(|p| p[3]), Some(0));
    assert_eq!(raster.rgba_at(383, 71).map(|p| p[3]), Some(0));
    assert!(opaque_pixels(&raster).count() > 10_000);
}

#[test]
fn bad_text_colour_names_the_layer_and_value() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let show = show(
        dir.path(),
        (1280, 720),
        r#"{ "kind": "text", "id": "oops", "text": "hi", "rect": [0, 0, 0.5, 0.5], "color": "red" }"#,
        "",
    );
    let err = render_layer(&show, layer(&show, 0)).expect_err("red is not #RRGGBB");
    assert_eq!(err.to_string(), r#"layer oops: color "red" is not a colour (write #RRGGBB or #RRGGBBAA)"#);
}

#[test]
fn product_cards_fill_their_rect_with_and_without_a_picture() {
    let dir = tempfile::tempdir().expect("a temp dir");
    write_photo(dir.path(), "lipstick.jpg", 640, 480);
    let layers = [
        card("landscape", "with", [0.02, 0.7, 0.45, 0.27]),
        card("squarish", "with", [0.7, 0.52, 0.28, 0.44]),
        card("placeholder", "without", [0.7, 0.52, 0.28, 0.44]),
        card("wide-placeholder", "without", [0.02, 0.7, 0.45, 0.27]),
    ]
    .join(",");
    let products = [product("with", r#", "image": "lipstick.jpg""#), product("without", "")].join(",");
    let show = show(dir.path(), (1280, 720), &layers, &products);

    let expected = [(576, 194), (358, 317), (358, 317), (576, 194)];
    let mut rasters = Vec::new();
    for (i, size) in expected.iter().enumerate() {
        let raster = draw(&show, i);
        assert_eq!((raster.width, raster.height), *size, "{}", layer(&show, i).id());
        assert_eq!(scan(&raster), URL, "{}", layer(&show, i).id());
        rasters.push(raster);
    }
    // The placeholder is a colourful gradient where the picture would be.
    let (with, without) = (&rasters[1], &rasters[2]);
    assert_ne!(with.data, without.data);
    let colourful = opaque_pixels(without).filter(|p| is_colourful(p.2)).count();
    assert!(colourful > 5_000, "placeholder has {colourful} colourful pixels");
}

#[test]
fn qr_codes_read_back_exactly_with_whole_pixel_modules() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let layers = [
        // 1080p landscape: room for big modules.
        card("big", "p", [0.02, 0.7, 0.45, 0.27]),
        // Small: just room for 3 px modules at 720p.
        card("small", "p", [0.7, 0.75, 0.28, 0.21]),
        // A tall card on a vertical (phone) canvas.
        card("tall", "p", [0.05, 0.55, 0.42, 0.4]),
    ];
    let products = product("p", "");
    let big = show(dir.path(), (1920, 1080), &layers[0], &products);
    let small = show(dir.path(), (1280, 720), &layers[1], &products);
    let tall = show(dir.path(), (1080, 1920), &layers[2], &products);
    for (show, min_px) in [(&big, 5.0), (&small, 3.0), (&tall, 4.0)] {
        let raster = draw(show, 0);
        let id = layer(show, 0).id();
        assert_eq!(scan(&raster), URL, "{id}: {raster:?}");
        let px = module_px(&raster);
        assert_eq!(px.fract(), 0.0, "{id}: modules of {px} px");
        assert!(px >= min_px, "{id}: modules of {px} px");
    }
}

#[test]
fn a_card_can_leave_out_its_qr_code() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let layers = card("card", "p", [0.6, 0.6, 0.38, 0.38]).replace(" }", r#", "qr": false }"#);
    let show = show(dir.path(), (1280, 720), &layers, &product("p", ""));
    let raster = draw(&show, 0);
    assert_eq!(scan(&raster), "");
    assert!(!opaque_pixels(&raster).any(|p| p.2 == [0, 0, 0, 255]));
}

#[test]
fn sold_out_cards_look_different() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let layers =
        [card("available", "available", [0.6, 0.55, 0.38, 0.4]), card("sold-out", "sold", [0.6, 0.55, 0.38, 0.4])]
            .join(",");
    let products = [product("available", ""), product("sold", r#", "sold_out": true"#)].join(",");
    let show = show(dir.path(), (1280, 720), &layers, &products);
    let available = draw(&show, 0);
    let sold_out = draw(&show, 1);
    assert_eq!((available.width, available.height), (sold_out.width, sold_out.height));
    assert_ne!(available.data, sold_out.data);
    // The dark band runs across the middle.
    let middle = sold_out.rgba_at(sold_out.width / 8, sold_out.height / 2).expect("inside");
    assert!(middle[..3].iter().all(|&c| c < 60) && middle[3] == 255, "{middle:?}");
}

#[test]
fn a_missing_picture_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let show = show(
        dir.path(),
        (1280, 720),
        &[
            card("card", "p", [0.6, 0.6, 0.38, 0.38]),
            r#"{ "kind": "image", "id": "logo", "path": "assets/logo.png", "rect": [0, 0, 0.2, 0.1] }"#.to_owned(),
        ]
        .join(","),
        &product("p", r#", "image": "assets/missing.jpg""#),
    );
    let err = render_layer(&show, layer(&show, 0)).expect_err("the picture is missing");
    let message = err.to_string();
    assert!(message.starts_with("cannot read image ") && message.contains("assets/missing.jpg"), "{message}");
    let err = render_layer(&show, layer(&show, 1)).expect_err("the logo is missing");
    assert!(err.to_string().contains("assets/logo.png"), "{err}");

    // Not a picture at all: still an error, not a panic.
    std::fs::create_dir_all(dir.path().join("assets")).expect("a folder");
    std::fs::write(dir.path().join("assets/logo.png"), "<html>").expect("a file");
    let err = render_layer(&show, layer(&show, 1)).expect_err("the logo is not a PNG");
    assert!(err.to_string().contains("assets/logo.png"), "{err}");
}

#[test]
fn unknown_products_are_errors_naming_the_card() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let show = show(dir.path(), (1280, 720), &card("card", "ghost", [0.6, 0.6, 0.38, 0.38]), "");
    let err = render_layer(&show, layer(&show, 0)).expect_err("no such product");
    assert_eq!(err.to_string(), "product card card shows product ghost, which is not in the show's products");
}

#[test]
fn images_fit_their_rect_centred_with_their_opacity() {
    let dir = tempfile::tempdir().expect("a temp dir");
    write_photo(dir.path(), "wide.png", 400, 100);
    let show = show(
        dir.path(),
        (1280, 720),
        r#"{ "kind": "image", "id": "logo", "path": "wide.png", "rect": [0.5, 0.5, 0.25, 0.25], "opacity": 0.5 }"#,
        "",
    );
    let raster = draw(&show, 0);
    assert_eq!((raster.x, raster.y, raster.width, raster.height), (640, 360, 320, 180));
    // 4:1 in a 320x180 box: 320x80, centred, with empty bands above and below.
    assert_eq!(raster.rgba_at(160, 10).map(|p| p[3]), Some(0));
    assert_eq!(raster.rgba_at(160, 170).map(|p| p[3]), Some(0));
    let centre = raster.rgba_at(5, 90).expect("inside");
    assert!((120..=135).contains(&centre[3]), "{centre:?}");
    assert!(centre[0] > 240, "{centre:?}");
}

#[test]
fn camera_and_look_layers_are_not_drawn_here() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let show = show(
        dir.path(),
        (1280, 720),
        r#"{ "kind": "camera", "id": "camera" }, { "kind": "look", "id": "look", "look": "natural" }"#,
        "",
    );
    for i in 0..2 {
        assert!(render_layer(&show, layer(&show, i)).expect("no error").is_none());
    }
}

#[test]
fn cards_render_quickly() {
    let dir = tempfile::tempdir().expect("a temp dir");
    write_photo(dir.path(), "photo.jpg", 1200, 1200);
    let show = show(
        dir.path(),
        (1280, 720),
        &card("card", "p", [0.7, 0.52, 0.28, 0.44]),
        &product("p", r#", "image": "photo.jpg""#),
    );
    draw(&show, 0); // loads the fonts once
    let started = std::time::Instant::now();
    for _ in 0..5 {
        draw(&show, 0);
    }
    let each = started.elapsed() / 5;
    eprintln!("a 358x317 card with a 1200x1200 JPEG: {each:?}");
    // Generous for debug builds on a busy machine; the release target is ~20 ms.
    assert!(each.as_millis() < 150, "{each:?} per card");
}

#[test]
fn rects_under_a_pixel_are_errors_naming_the_layer() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let show = show(
        dir.path(),
        (1280, 720),
        r#"{ "kind": "text", "id": "sliver", "text": "hi", "rect": [0.5, 0.5, 0.0001, 0.2] }"#,
        "",
    );
    let err = render_layer(&show, layer(&show, 0)).expect_err("no pixels to draw");
    assert_eq!(
        err.to_string(),
        "layer sliver is 0x144 pixels on the 1280x720 canvas; each side must be 1 to 16384 pixels"
    );
}

#[test]
fn tiny_and_odd_rects_render_without_panicking() {
    let dir = tempfile::tempdir().expect("a temp dir");
    write_photo(dir.path(), "photo.png", 50, 300);
    let products = [
        product("p", r#", "image": "photo.png", "sold_out": true"#),
        r#"{ "id": "bare", "name": "", "price": 0, "currency": "", "url": "" }"#.to_owned(),
    ]
    .join(",");
    for (w, h) in [(1, 1), (3, 40), (40, 3), (12, 12), (30, 90), (90, 30), (64, 64), (2000, 40)] {
        let (fw, fh) = (f64::from(w) / 2000.0, f64::from(h) / 1000.0);
        let layers = [
            card("card", "p", [0.0, 0.0, fw, fh]),
            card("bare", "bare", [0.0, 0.0, fw, fh]),
            format!(
                r##"{{ "kind": "text", "id": "text", "text": "限时 🎉 sale", "rect": [0, 0, {fw}, {fh}],
                     "background": "#000000", "outline": {{ "color": "#FF0000", "width": 20 }} }}"##
            ),
            format!(r#"{{ "kind": "image", "id": "image", "path": "photo.png", "rect": [0, 0, {fw}, {fh}] }}"#),
        ]
        .join(",");
        let show = show(dir.path(), (2000, 1000), &layers, &products);
        for i in 0..4 {
            let raster = draw(&show, i);
            assert_eq!((raster.width, raster.height), (w, h), "{}", layer(&show, i).id());
        }
    }
}
