//! The canvas, scenes and their layers.

use std::path::Path;

use super::{num, Checker, EDGE_TOLERANCE, MAX_SECONDS};
use crate::color::parse_color;
use crate::countdown::parse_rfc3339;
use crate::model::{
    CameraLayer, CountdownLayer, ImageLayer, Layer, MediaLayer, Outline, Rect, SafeSlate, Scene, TextLayer,
};

impl Checker<'_> {
    pub(super) fn canvas(&mut self) {
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

    pub(super) fn scenes(&mut self) {
        let scenes = &self.show.scenes;
        if scenes.is_empty() {
            self.problem("scenes", "at least one scene is required");
        }
        self.unique_ids("scene id", scenes.iter().enumerate().map(|(i, s)| (format!("scenes[{i}].id"), s.id.as_str())));
        for (i, scene) in scenes.iter().enumerate() {
            self.scene(&format!("scenes[{i}]"), scene);
        }
    }

    pub(super) fn scene(&mut self, path: &str, scene: &Scene) {
        self.unique_ids(
            "layer id",
            scene.layers.iter().enumerate().map(|(j, l)| (format!("{path}.layers[{j}].id"), l.id())),
        );
        for (j, layer) in scene.layers.iter().enumerate() {
            let path = format!("{path}.layers[{j}]");
            if let Some(rect) = layer.rect() {
                self.rect(&format!("{path}.rect"), rect);
            }
            match layer {
                Layer::Camera(layer) => self.camera(&path, layer),
                Layer::Image(layer) => self.image(&path, layer),
                Layer::Text(layer) => self.text(&path, layer),
                Layer::ProductCard(layer) => self.product_card(&path, layer),
                Layer::Countdown(layer) => self.countdown(&path, layer),
                Layer::Color(layer) => self.color(&format!("{path}.color"), &layer.color),
                Layer::Media(layer) => self.media(&path, layer),
                Layer::Screen(_) => self.screen(&path),
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

    pub(super) fn rect(&mut self, path: &str, rect: Rect) {
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

    pub(super) fn camera(&mut self, path: &str, layer: &CameraLayer) {
        let device = layer.device.as_str();
        if device != "auto" && device != "test" && !Path::new(device).is_absolute() {
            self.problem(
                format!("{path}.device"),
                format!("must be \"auto\", \"test\" or an absolute device path such as /dev/video0, got \"{device}\""),
            );
        }
    }

    /// A file that exists, or a feed address the engine can pull or listen on.
    pub(super) fn media(&mut self, path: &str, layer: &MediaLayer) {
        match (&layer.path, &layer.url) {
            (None, None) => self.problem(
                path,
                "a media layer needs \"path\" (a video file) or \"url\" (a feed such as srt://0.0.0.0:9000?mode=listener)",
            ),
            (Some(_), Some(_)) => self.problem(format!("{path}.url"), "give either \"path\" or \"url\", not both"),
            (Some(file), None) => {
                let file_path = format!("{path}.path");
                if self.not_empty(&file_path, file) {
                    let resolved = self.show.resolve(file);
                    if !resolved.is_file() {
                        self.problem(
                            &file_path,
                            format!("\"{file}\" does not exist (looked for {})", resolved.display()),
                        );
                    }
                }
            }
            (None, Some(url)) => self.feed_url(&format!("{path}.url"), url),
        }
    }

    fn feed_url(&mut self, path: &str, text: &str) {
        let shown = crate::redact::redact_url(text);
        match url::Url::parse(text) {
            Err(error) => self.problem(
                path,
                format!("is not a valid address ({error}); expected srt://, rtmp://, rtsp:// or http(s)://"),
            ),
            Ok(url) => {
                let scheme = url.scheme();
                if !matches!(scheme, "srt" | "rtmp" | "rtsp" | "http" | "https") {
                    self.problem(
                        path,
                        format!("scheme \"{scheme}\" is not a feed; use srt://, rtmp://, rtsp:// or http(s):// (got {shown})"),
                    );
                } else if scheme == "srt" && url.port().is_none() {
                    self.problem(
                        path,
                        format!("an srt:// address needs a port, such as srt://0.0.0.0:9000 (got {shown})"),
                    );
                } else if scheme != "srt" && url.host_str().is_none_or(str::is_empty) {
                    self.problem(path, format!("has no host; expected {scheme}://HOST/... (got {shown})"));
                }
            }
        }
    }

    /// The screen is captured from X11: there must be a display.
    pub(super) fn screen(&mut self, path: &str) {
        if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
            self.problem(
                path,
                "the screen can only be captured on a desktop with a display ($DISPLAY is not set here)",
            );
        }
    }

    pub(super) fn image(&mut self, path: &str, layer: &ImageLayer) {
        self.picture(&format!("{path}.path"), &layer.path);
        self.range(&format!("{path}.opacity"), layer.opacity, 0.0, 1.0);
    }

    pub(super) fn text(&mut self, path: &str, layer: &TextLayer) {
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

    pub(super) fn color(&mut self, path: &str, value: &str) {
        if parse_color(value).is_none() {
            self.problem(path, format!("is not a color: expected #RRGGBB or #RRGGBBAA (hex digits), got \"{value}\""));
        }
    }

    pub(super) fn countdown(&mut self, path: &str, layer: &CountdownLayer) {
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

    pub(super) fn safe_slate(&mut self, slate: &SafeSlate) {
        if let Some(text) = &slate.text {
            self.not_empty("safe_slate.text", text);
        }
        if let Some(image) = &slate.image {
            self.picture("safe_slate.image", image);
        }
    }
}
