//! The rules a show must follow beyond its JSON shape. Every problem is collected, so a
//! producer fixes them all in one pass.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::Path;

use url::Url;

use crate::color::parse_color;
use crate::countdown::parse_rfc3339;
use crate::error::{plain_io_reason, Problem, ShowError};
use crate::model::{
    CameraLayer, CountdownLayer, Destination, Encoding, ImageLayer, Layer, LightingLook, Outline, Product,
    ProductCardLayer, Rect, RunOfShow, SafeSlate, Scene, Show, TextLayer,
};
use crate::redact::redact_url;

/// The x264 presets a show may ask for, fastest first. Slower ones cannot keep up live on
/// the machines we target.
pub const X264_PRESETS: &[&str] = &["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"];

/// How far past the canvas edge a rect may reach, for rounding in editors.
const EDGE_TOLERANCE: f64 = 1e-6;

/// The longest countdown and run-of-show target: a day.
const MAX_SECONDS: u32 = 86_400;

/// The longest talking point, in characters.
const MAX_TALKING_POINT_CHARS: usize = 500;

/// The longest stream delay a destination may ask for.
const MAX_DELAY_SECONDS: u32 = 30;

impl Show {
    /// Checks every rule of the show format and reports all problems found. Files named by
    /// the show (images, LUTs) are looked for relative to `base_dir`.
    pub fn validate(&self) -> Result<(), ShowError> {
        let mut check = Checker { show: self, problems: Vec::new() };
        check.canvas();
        if let Some(logo) = &self.logo {
            check.picture("logo", logo);
        }
        if let Some(slate) = &self.safe_slate {
            check.safe_slate(slate);
        }
        check.scenes();
        check.products();
        if let Some(run) = &self.run_of_show {
            check.run_of_show(run);
        }
        check.looks();
        check.destinations();
        check.encoding(&self.encoding);
        if check.problems.is_empty() {
            Ok(())
        } else {
            Err(ShowError { problems: check.problems })
        }
    }
}

/// A number as a producer would write it: `0.5`, `1`, `1.2` (not `1.2000000000000002`).
fn num(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let text = format!("{value:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

struct Checker<'a> {
    show: &'a Show,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    fn finite(&mut self, path: &str, value: f64) -> bool {
        if value.is_finite() {
            true
        } else {
            self.problem(path, format!("must be a finite number, got {value}"));
            false
        }
    }

    /// `lo <= value <= hi`, finite.
    fn range(&mut self, path: &str, value: f64, lo: f64, hi: f64) {
        if self.finite(path, value) && !(lo..=hi).contains(&value) {
            self.problem(path, format!("must be between {} and {}, got {}", num(lo), num(hi), num(value)));
        }
    }

    fn whole_range(&mut self, path: &str, value: u32, lo: u32, hi: u32) {
        if !(lo..=hi).contains(&value) {
            self.problem(path, format!("must be between {lo} and {hi}, got {value}"));
        }
    }

    fn not_empty(&mut self, path: &str, value: &str) -> bool {
        if value.trim().is_empty() {
            self.problem(path, "must not be empty");
            false
        } else {
            true
        }
    }

    /// Non-empty ids, each used once; `what` names the thing in messages ("scene id").
    fn unique_ids<'i>(&mut self, what: &str, ids: impl Iterator<Item = (String, &'i str)>) {
        let mut seen: HashMap<&str, String> = HashMap::new();
        for (path, id) in ids {
            if !self.not_empty(&path, id) {
                continue;
            }
            if let Some(first) = seen.get(id) {
                self.problem(&path, format!("duplicate {what} \"{id}\" (already used by {first})"));
            } else {
                seen.insert(id, path.trim_end_matches(".id").to_owned());
            }
        }
    }

    fn canvas(&mut self) {
        let canvas = self.show.canvas;
        for (name, value, lo, hi) in [("width", canvas.width, 160, 3840), ("height", canvas.height, 90, 2160)] {
            let path = format!("canvas.{name}");
            if !(lo..=hi).contains(&value) {
                self.problem(&path, format!("must be between {lo} and {hi} pixels, got {value}"));
            } else if value % 2 != 0 {
                self.problem(&path, format!("must be even (video encoders need even sizes), got {value}"));
            }
        }
        self.whole_range("canvas.fps", canvas.fps, 1, 60);
    }

    fn scenes(&mut self) {
        let scenes = &self.show.scenes;
        if scenes.is_empty() {
            self.problem("scenes", "at least one scene is required");
        }
        self.unique_ids("scene id", scenes.iter().enumerate().map(|(i, s)| (format!("scenes[{i}].id"), s.id.as_str())));
        for (i, scene) in scenes.iter().enumerate() {
            self.scene(&format!("scenes[{i}]"), scene);
        }
    }

    fn scene(&mut self, path: &str, scene: &Scene) {
        self.unique_ids(
            "layer id",
            scene.layers.iter().enumerate().map(|(j, l)| (format!("{path}.layers[{j}].id"), l.id())),
        );
        let mut camera: Option<usize> = None;
        for (j, layer) in scene.layers.iter().enumerate() {
            let path = format!("{path}.layers[{j}]");
            if let Some(rect) = layer.rect() {
                self.rect(&format!("{path}.rect"), rect);
            }
            match layer {
                Layer::Camera(layer) => {
                    if let Some(first) = camera {
                        self.problem(
                            &path,
                            format!("a scene can have only one camera layer, and layers[{first}] is already one"),
                        );
                    } else {
                        camera = Some(j);
                    }
                    self.camera(&path, layer);
                }
                Layer::Image(layer) => self.image(&path, layer),
                Layer::Text(layer) => self.text(&path, layer),
                Layer::ProductCard(layer) => self.product_card(&path, layer),
                Layer::Countdown(layer) => self.countdown(&path, layer),
                Layer::Look(layer) => {
                    if self.show.look(&layer.look).is_none() {
                        let known: Vec<String> = self.show.available_looks().into_iter().map(|l| l.id).collect();
                        self.problem(
                            format!("{path}.look"),
                            format!("unknown look \"{}\"; available looks: {}", layer.look, known.join(", ")),
                        );
                    }
                }
            }
        }
    }

    fn rect(&mut self, path: &str, rect: Rect) {
        let [x, y, w, h] = rect;
        if rect.iter().any(|v| !v.is_finite()) {
            self.problem(path, "all four numbers [x, y, width, height] must be finite");
            return;
        }
        for (name, value) in [("x", x), ("y", y)] {
            if !(0.0..=1.0).contains(&value) {
                self.problem(path, format!("{name} must be between 0 and 1, got {}", num(value)));
            }
        }
        for (name, value) in [("width", w), ("height", h)] {
            if value <= 0.0 {
                self.problem(path, format!("{name} must be > 0"));
            }
        }
        if x + w > 1.0 + EDGE_TOLERANCE {
            self.problem(
                path,
                format!(
                    "x + width must be <= 1 (the layer goes past the right edge of the canvas), got {}",
                    num(x + w)
                ),
            );
        }
        if y + h > 1.0 + EDGE_TOLERANCE {
            self.problem(
                path,
                format!(
                    "y + height must be <= 1 (the layer goes past the bottom edge of the canvas), got {}",
                    num(y + h)
                ),
            );
        }
    }

    fn camera(&mut self, path: &str, layer: &CameraLayer) {
        let device = layer.device.as_str();
        if device != "auto" && device != "test" && !Path::new(device).is_absolute() {
            self.problem(
                format!("{path}.device"),
                format!("must be \"auto\", \"test\" or an absolute device path such as /dev/video0, got \"{device}\""),
            );
        }
    }

    fn image(&mut self, path: &str, layer: &ImageLayer) {
        self.picture(&format!("{path}.path"), &layer.path);
        self.range(&format!("{path}.opacity"), layer.opacity, 0.0, 1.0);
    }

    fn text(&mut self, path: &str, layer: &TextLayer) {
        self.not_empty(&format!("{path}.text"), &layer.text);
        self.range(&format!("{path}.font_size"), layer.font_size, 4.0, 400.0);
        if let Some(font) = &layer.font {
            self.not_empty(&format!("{path}.font"), font);
        }
        self.color(&format!("{path}.color"), &layer.color);
        if let Some(background) = &layer.background {
            self.color(&format!("{path}.background"), background);
        }
        if let Some(Outline { color, width }) = &layer.outline {
            self.color(&format!("{path}.outline.color"), color);
            self.range(&format!("{path}.outline.width"), *width, 0.0, 20.0);
        }
    }

    fn color(&mut self, path: &str, value: &str) {
        if parse_color(value).is_none() {
            self.problem(path, format!("is not a color: expected #RRGGBB or #RRGGBBAA (hex digits), got \"{value}\""));
        }
    }

    fn product_card(&mut self, path: &str, layer: &ProductCardLayer) {
        self.product_ref(&format!("{path}.product"), &layer.product);
    }

    /// `id` names a product of the catalogue.
    fn product_ref(&mut self, path: &str, id: &str) {
        if self.show.product(id).is_none() {
            let known: Vec<&str> = self.show.products.iter().map(|p| p.id.as_str()).collect();
            let hint = if known.is_empty() {
                "the show has no products".to_owned()
            } else {
                format!("the show's products are: {}", known.join(", "))
            };
            self.problem(path, format!("unknown product \"{id}\"; {hint}"));
        }
    }

    fn countdown(&mut self, path: &str, layer: &CountdownLayer) {
        match (layer.seconds, &layer.until) {
            (None, None) => self.problem(
                path,
                "a countdown needs \"seconds\" (counted from when it is shown) or \"until\" \
                 (a time such as 2026-11-25T20:00:00+08:00)",
            ),
            (Some(_), Some(_)) => {
                self.problem(format!("{path}.until"), "give either \"seconds\" or \"until\", not both")
            }
            _ => {}
        }
        if let Some(seconds) = layer.seconds {
            self.whole_range(&format!("{path}.seconds"), seconds, 1, MAX_SECONDS);
        }
        if let Some(until) = &layer.until {
            if parse_rfc3339(until).is_none() {
                self.problem(
                    format!("{path}.until"),
                    format!(
                        "is not an RFC 3339 time with its offset, such as 2026-11-25T20:00:00+08:00, got \"{until}\""
                    ),
                );
            }
        }
        self.range(&format!("{path}.font_size"), layer.font_size, 4.0, 400.0);
        self.color(&format!("{path}.color"), &layer.color);
        self.color(&format!("{path}.background"), &layer.background);
    }

    fn safe_slate(&mut self, slate: &SafeSlate) {
        if let Some(text) = &slate.text {
            self.not_empty("safe_slate.text", text);
        }
        if let Some(image) = &slate.image {
            self.picture("safe_slate.image", image);
        }
    }

    fn run_of_show(&mut self, run: &RunOfShow) {
        if self.not_empty("run_of_show.card", &run.card) {
            self.cue_card("run_of_show.card", &run.card);
        }
        if run.items.is_empty() {
            self.problem("run_of_show.items", "at least one item is required (a product to cue)");
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, item) in run.items.iter().enumerate() {
            let path = format!("run_of_show.items[{i}]");
            let product_path = format!("{path}.product");
            if self.not_empty(&product_path, &item.product) {
                self.product_ref(&product_path, &item.product);
                if let Some(first) = seen.get(item.product.as_str()) {
                    self.problem(
                        &product_path,
                        format!(
                            "product \"{}\" is already in the run of show (items[{first}]); each product comes once",
                            item.product
                        ),
                    );
                } else {
                    seen.insert(&item.product, i);
                }
            }
            if let Some(target) = item.target_seconds {
                self.whole_range(&format!("{path}.target_seconds"), target, 1, MAX_SECONDS);
            }
            for (k, point) in item.talking_points.iter().enumerate() {
                let point_path = format!("{path}.talking_points[{k}]");
                if self.not_empty(&point_path, point) {
                    let chars = point.chars().count();
                    if chars > MAX_TALKING_POINT_CHARS {
                        self.problem(
                            &point_path,
                            format!("must be at most {MAX_TALKING_POINT_CHARS} characters, got {chars}"),
                        );
                    }
                }
            }
        }
    }

    /// `card` is the id of a product-card layer in some scene.
    fn cue_card(&mut self, path: &str, card: &str) {
        let layers = || self.show.scenes.iter().flat_map(|s| s.layers.iter());
        if layers().any(|l| l.id() == card && matches!(l, Layer::ProductCard(_))) {
            return;
        }
        let message = match layers().find(|l| l.id() == card) {
            Some(other) => format!("layer \"{card}\" is a {} layer, not a product card", other.kind()),
            None => {
                let mut cards: Vec<&str> =
                    layers().filter(|l| matches!(l, Layer::ProductCard(_))).map(Layer::id).collect();
                cards.sort_unstable();
                cards.dedup();
                if cards.is_empty() {
                    format!("no scene has a layer \"{card}\", and the show has no product cards")
                } else {
                    format!("no scene has a layer \"{card}\"; the product cards are: {}", cards.join(", "))
                }
            }
        };
        self.problem(path, message);
    }

    /// A PNG or JPEG that exists, told apart by its first bytes, not its name.
    fn picture(&mut self, path: &str, rel: &str) {
        if !self.not_empty(path, rel) {
            return;
        }
        let file = self.show.resolve(rel);
        if file.is_dir() {
            self.problem(path, format!("\"{rel}\" is a folder, not a PNG or JPEG file"));
            return;
        }
        let mut magic = Vec::with_capacity(8);
        let read = std::fs::File::open(&file).and_then(|f| f.take(8).read_to_end(&mut magic));
        match read {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                self.problem(path, format!("\"{rel}\" does not exist (looked for {})", file.display()))
            }
            Err(error) => self.problem(path, format!("cannot read \"{rel}\": {}", plain_io_reason(&error))),
            Ok(_) if is_png(&magic) || is_jpeg(&magic) => {}
            Ok(_) => self.problem(path, format!("\"{rel}\" is not a PNG or JPEG image")),
        }
    }

    fn products(&mut self) {
        let products = &self.show.products;
        self.unique_ids(
            "product id",
            products.iter().enumerate().map(|(i, p)| (format!("products[{i}].id"), p.id.as_str())),
        );
        for (i, product) in products.iter().enumerate() {
            self.product(&format!("products[{i}]"), product);
        }
    }

    fn product(&mut self, path: &str, product: &Product) {
        self.not_empty(&format!("{path}.name"), &product.name);
        self.price(&format!("{path}.price"), product.price);
        if let Some(original) = product.original_price {
            self.price(&format!("{path}.original_price"), original);
        }
        let currency = &product.currency;
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            self.problem(
                format!("{path}.currency"),
                format!("must be 3 capital letters (an ISO 4217 code such as CNY or USD), got \"{currency}\""),
            );
        }
        self.web_link(&format!("{path}.url"), &product.url);
        if let Some(image) = &product.image {
            self.picture(&format!("{path}.image"), image);
        }
    }

    fn price(&mut self, path: &str, value: f64) {
        if self.finite(path, value) && value < 0.0 {
            self.problem(path, format!("must be 0 or more, got {}", num(value)));
        }
    }

    fn web_link(&mut self, path: &str, text: &str) {
        let example = "such as https://shop.example.com/item/42";
        match Url::parse(text) {
            Err(error) => {
                self.problem(path, format!("is not a valid link ({error}): expected a full http(s) address {example}"))
            }
            Ok(url) if url.scheme() != "http" && url.scheme() != "https" => {
                self.problem(path, format!("must be an http:// or https:// link (not {}:), {example}", url.scheme()))
            }
            Ok(url) if url.host_str().is_none_or(str::is_empty) => {
                self.problem(path, format!("has no host; expected an address {example}"))
            }
            Ok(_) => {}
        }
    }

    fn looks(&mut self) {
        let looks = &self.show.looks;
        self.unique_ids("look id", looks.iter().enumerate().map(|(i, l)| (format!("looks[{i}].id"), l.id.as_str())));
        for (i, look) in looks.iter().enumerate() {
            self.look(&format!("looks[{i}]"), look);
        }
    }

    fn look(&mut self, path: &str, look: &LightingLook) {
        self.range(&format!("{path}.brightness"), look.brightness, -1.0, 1.0);
        self.range(&format!("{path}.contrast"), look.contrast, 0.0, 2.0);
        self.range(&format!("{path}.saturation"), look.saturation, 0.0, 2.0);
        self.range(&format!("{path}.warmth"), look.warmth, -1.0, 1.0);
        if let Some(vignette) = &look.vignette {
            let path = format!("{path}.vignette");
            self.range(&format!("{path}.strength"), vignette.strength, 0.0, 1.0);
            self.range(&format!("{path}.radius"), vignette.radius, 0.1, 1.5);
            self.range(&format!("{path}.softness"), vignette.softness, 0.0, 1.0);
            let [x, y] = vignette.center;
            self.range(&format!("{path}.center[0]"), x, 0.0, 1.0);
            self.range(&format!("{path}.center[1]"), y, 0.0, 1.0);
        }
        if let Some(lut) = &look.lut {
            let lut_path = format!("{path}.lut");
            if self.not_empty(&lut_path, lut) {
                let file = self.show.resolve(lut);
                let is_cube = Path::new(lut).extension().is_some_and(|e| e.eq_ignore_ascii_case("cube"));
                if !is_cube {
                    self.problem(&lut_path, format!("must be a .cube 3D LUT file, got \"{lut}\""));
                } else if !file.is_file() {
                    self.problem(&lut_path, format!("\"{lut}\" does not exist (looked for {})", file.display()));
                }
            }
        }
        self.range(&format!("{path}.lut_strength"), look.lut_strength, 0.0, 1.0);
    }

    fn destinations(&mut self) {
        let destinations = &self.show.destinations;
        self.unique_ids(
            "destination id",
            destinations.iter().enumerate().map(|(i, d)| (format!("destinations[{i}].id"), d.id.as_str())),
        );
        for (i, destination) in destinations.iter().enumerate() {
            self.destination(&format!("destinations[{i}]"), destination);
        }
    }

    /// Messages show the URL only redacted: it may hold the stream key.
    fn destination(&mut self, path: &str, destination: &Destination) {
        let url_path = format!("{path}.url");
        let shown = redact_url(&destination.url);
        match Url::parse(&destination.url) {
            Err(error) => self.problem(
                &url_path,
                format!("is not a valid URL ({error}); expected an ingest address such as rtmp://live.example.com/app"),
            ),
            Ok(url) => {
                let scheme = url.scheme();
                if !matches!(scheme, "rtmp" | "rtmps" | "srt") {
                    self.problem(
                        &url_path,
                        format!("scheme \"{scheme}\" is not accepted; use rtmp://, rtmps:// or srt:// (got {shown})"),
                    );
                } else if url.host_str().is_none_or(str::is_empty) {
                    self.problem(&url_path, format!("has no host; expected {scheme}://HOST/... (got {shown})"));
                } else if scheme == "srt" && url.port().is_none() {
                    self.problem(
                        &url_path,
                        format!("an srt:// URL needs a port, such as srt://ingest.example.com:9000 (got {shown})"),
                    );
                }
            }
        }
        if let Some(key) = &destination.key {
            self.not_empty(&format!("{path}.key.secret"), &key.secret);
        }
        self.whole_range(&format!("{path}.delay_seconds"), destination.delay_seconds, 0, MAX_DELAY_SECONDS);
    }

    fn encoding(&mut self, encoding: &Encoding) {
        self.whole_range("encoding.video_bitrate_kbps", encoding.video_bitrate_kbps, 200, 51000);
        self.range("encoding.keyframe_interval_s", encoding.keyframe_interval_s, 0.5, 10.0);
        if !X264_PRESETS.contains(&encoding.x264_preset.as_str()) {
            self.problem(
                "encoding.x264_preset",
                format!("unknown preset \"{}\"; expected one of {}", encoding.x264_preset, X264_PRESETS.join(", ")),
            );
        }
        self.whole_range("encoding.audio_bitrate_kbps", encoding.audio_bitrate_kbps, 64, 320);
    }
}

fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
}

fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CameraLayer, Canvas, Platform, SecretRef, Vignette};
    use std::path::PathBuf;

    fn show() -> Show {
        Show {
            name: "t".into(),
            logo: None,
            safe_slate: None,
            canvas: Canvas { width: 1280, height: 720, fps: 30 },
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
            vignette: Some(Vignette {
                strength: f64::NEG_INFINITY,
                radius: 0.5,
                softness: 0.5,
                center: [f64::NAN, 0.5],
            }),
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
    fn second_camera_is_refused() {
        let mut s = show();
        let camera = s.scenes[0].layers[0].clone();
        if let Layer::Camera(mut c) = camera {
            c.id = "cam2".into();
            s.scenes[0].layers.push(Layer::Camera(c));
        }
        expect(&s, "scenes[0].layers[1]: a scene can have only one camera layer");
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
}
