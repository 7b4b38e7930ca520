//! Each OBS source kind as a Kaibo layer, with the size OBS would give the source (to place
//! it), or the reason it has no equivalent.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

/// What an item became.
pub enum Mapped {
    /// A layer (without `id`, `rect` or `visible`), and the source's size in pixels.
    Layer {
        layer: Map<String, Value>,
        size: (f64, f64),
    },
    /// A scene or group whose own items are placed inside it.
    Nested {
        name: String,
    },
    /// A sound-only input: it joins the show's mix ([`crate::audio`]).
    Sound,
    Skipped(String),
}

/// Files to copy beside the show, named as the show will know them (`media/NAME`).
#[derive(Debug, Default)]
pub struct Copies {
    pub files: Vec<(PathBuf, String)>,
}

impl Copies {
    fn add(&mut self, from: &Path) -> String {
        if let Some((_, to)) = self.files.iter().find(|(f, _)| f == from) {
            return to.clone();
        }
        let stem = from.file_stem().and_then(|s| s.to_str()).unwrap_or("file").to_owned();
        let ext = from.extension().and_then(|s| s.to_str()).map(|e| format!(".{e}")).unwrap_or_default();
        let mut name = format!("media/{stem}{ext}");
        let mut n = 2;
        while self.files.iter().any(|(_, to)| *to == name) {
            name = format!("media/{stem}-{n}{ext}");
            n += 1;
        }
        self.files.push((from.to_owned(), name.clone()));
        name
    }
}

/// `0xAABBGGRR` as `#rrggbb`, or `#rrggbbaa` when not opaque.
pub fn abgr(color: u64, opacity: Option<f64>) -> String {
    let (r, g, b) = (color & 0xff, (color >> 8) & 0xff, (color >> 16) & 0xff);
    let mut a = if color > 0xff_ffff { (color >> 24) & 0xff } else { 0xff };
    if let Some(opacity) = opacity {
        a = (a as f64 * (opacity / 100.0).clamp(0.0, 1.0)).round() as u64;
    }
    if a == 0xff {
        format!("#{r:02x}{g:02x}{b:02x}")
    } else {
        format!("#{r:02x}{g:02x}{b:02x}{a:02x}")
    }
}

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The layer for `source` (an entry of the collection's `sources`). `canvas` is the fallback
/// size of a source whose size the file does not tell; `scale_y` sizes text.
pub fn map(source: &Value, canvas: (f64, f64), scale_y: f64, copies: &mut Copies, notes: &mut Vec<String>) -> Mapped {
    let kind = text(source, "id").unwrap_or("");
    let name = text(source, "name").unwrap_or("");
    let empty = Value::Object(Map::new());
    let settings = source.get("settings").unwrap_or(&empty);
    let layer = |value: Value| value.as_object().cloned().unwrap_or_default();
    match kind {
        "scene" | "group" => Mapped::Nested { name: name.to_owned() },
        "image_source" => {
            let Some(file) = text(settings, "file").filter(|f| !f.is_empty()) else {
                return Mapped::Skipped("an image source with no file".into());
            };
            let path = Path::new(file);
            match image::image_dimensions(path) {
                Ok((w, h)) => Mapped::Layer {
                    layer: layer(json!({ "kind": "image", "path": copies.add(path) })),
                    size: (f64::from(w), f64::from(h)),
                },
                Err(_) if !path.exists() => Mapped::Skipped(format!("its image {file} is not on this machine")),
                Err(e) => Mapped::Skipped(format!("its image {file} cannot be read: {e}")),
            }
        }
        "color_source" | "color_source_v2" | "color_source_v3" => {
            let color = settings.get("color").and_then(Value::as_u64).unwrap_or(0xffff_ffff);
            let size = (num(settings, "width").unwrap_or(canvas.0), num(settings, "height").unwrap_or(canvas.1));
            Mapped::Layer { layer: layer(json!({ "kind": "color", "color": abgr(color, None) })), size }
        }
        "text_ft2_source" | "text_ft2_source_v2" | "text_gdiplus" | "text_gdiplus_v2" | "text_gdiplus_v3" => {
            text_layer(kind, settings, scale_y, notes, name)
        }
        "v4l2_input" | "dshow_input" | "av_capture_input" | "av_capture_input_v2" | "macos-avcapture" => {
            let device = match (kind, text(settings, "device_id")) {
                ("v4l2_input", Some(device)) if !device.is_empty() => device.to_owned(),
                _ => {
                    let shown = text(settings, "device_name").or(text(settings, "video_device_id")).unwrap_or("");
                    notes.push(format!(
                        "camera {name:?}: {kind} {shown} is a device of another system; it opens the default camera (pick one in the studio)"
                    ));
                    "auto".to_owned()
                }
            };
            let size = camera_size(settings).unwrap_or_else(|| {
                notes.push(format!(
                    "camera {name:?}: its size is not in the file; placed as if it were the canvas size"
                ));
                canvas
            });
            Mapped::Layer { layer: layer(json!({ "kind": "camera", "device": device })), size }
        }
        "ffmpeg_source" | "vlc_source" => media_layer(kind, settings, canvas, copies, notes, name),
        "xshm_input" | "xcomposite_input" => {
            if kind == "xcomposite_input" {
                notes.push(format!("{name:?}: a window capture became a capture of the whole screen"));
            }
            Mapped::Layer { layer: layer(json!({ "kind": "screen" })), size: canvas }
        }
        "browser_source" => Mapped::Skipped("Kaibo has no browser source (web pages are not drawn)".into()),
        "game_capture" => Mapped::Skipped("game capture is for Windows games; Kaibo has none".into()),
        "window_capture" => Mapped::Skipped("window capture of another system; Kaibo captures X11 screens".into()),
        "monitor_capture"
        | "display_capture"
        | "screen_capture"
        | "pipewire-screen-capture-source"
        | "pipewire-desktop-capture-source"
        | "pipewire-window-capture-source" => {
            Mapped::Skipped(format!("{kind} is a screen capture of another system (Kaibo captures X11 screens)"))
        }
        "slideshow" | "slideshow_v2" => Mapped::Skipped("image slide shows have no Kaibo layer yet".into()),
        k if is_audio(k) => Mapped::Sound,
        k => Mapped::Skipped(format!("{k} has no Kaibo equivalent")),
    }
}

pub fn is_audio(kind: &str) -> bool {
    ["wasapi", "pulse_", "alsa_", "coreaudio", "jack_", "sck_audio", "pipewire-audio"]
        .iter()
        .any(|p| kind.starts_with(p))
}

/// `"1280x720"` (dshow), a packed `width << 16 | height` (v4l2), or none.
fn camera_size(settings: &Value) -> Option<(f64, f64)> {
    match settings.get("resolution")? {
        Value::String(s) => {
            let (w, h) = s.split_once('x')?;
            Some((w.trim().parse().ok()?, h.trim().parse().ok()?))
        }
        Value::Number(n) => {
            let packed = n.as_u64()?;
            let (w, h) = ((packed >> 16) as f64, (packed & 0xffff) as f64);
            (w > 0.0 && h > 0.0).then_some((w, h))
        }
        _ => None,
    }
}

fn text_layer(kind: &str, settings: &Value, scale_y: f64, notes: &mut Vec<String>, name: &str) -> Mapped {
    let body = text(settings, "text").unwrap_or("").to_owned();
    let font = settings.get("font");
    let size = font.and_then(|f| num(f, "size")).unwrap_or(36.0);
    let flags = font.and_then(|f| f.get("flags")).and_then(Value::as_u64).unwrap_or(0);
    let face = font.and_then(|f| text(f, "face")).map(str::to_owned);
    let font_size = (size * scale_y.abs()).clamp(4.0, 400.0);
    let gdi = kind.starts_with("text_gdiplus");
    let color_key = if gdi { "color" } else { "color1" };
    let color = settings.get(color_key).and_then(Value::as_u64).unwrap_or(0xffff_ffff);
    let opacity = if gdi { num(settings, "opacity") } else { None };
    let mut layer = json!({ "kind": "text", "text": body, "font_size": font_size, "color": abgr(color, opacity) });
    if let Some(face) = face {
        layer["font"] = json!(face);
    }
    if flags & 1 != 0 {
        layer["bold"] = json!(true);
    }
    if gdi && num(settings, "bk_opacity").unwrap_or(0.0) > 0.0 {
        let bk = settings.get("bk_color").and_then(Value::as_u64).unwrap_or(0);
        layer["background"] = json!(abgr(bk, num(settings, "bk_opacity")));
    }
    if settings.get("outline").and_then(Value::as_bool) == Some(true) {
        let outline_color = settings.get("outline_color").and_then(Value::as_u64).unwrap_or(0xff00_0000);
        let width = num(settings, "outline_size").unwrap_or(2.0).clamp(0.0, 20.0);
        layer["outline"] = json!({ "color": abgr(outline_color, None), "width": width });
    }
    if settings.get("from_file").and_then(Value::as_bool) == Some(true) {
        notes.push(format!("text {name:?}: read from a file in OBS; imported with the text it had"));
    }
    // The text's box when the item has no bounds: an estimate from its lines and size.
    let lines = body.lines().count().max(1) as f64;
    let longest = body.lines().map(|l| l.chars().count()).max().unwrap_or(1).max(1) as f64;
    let size_px = (longest * size * 0.6, lines * size * 1.25);
    Mapped::Layer { layer: layer.as_object().cloned().unwrap_or_default(), size: size_px }
}

fn media_layer(
    kind: &str,
    settings: &Value,
    canvas: (f64, f64),
    copies: &mut Copies,
    notes: &mut Vec<String>,
    name: &str,
) -> Mapped {
    let (location, looping) = if kind == "vlc_source" {
        let first = settings.get("playlist").and_then(Value::as_array).and_then(|p| p.first());
        let value = first.and_then(|f| text(f, "value")).unwrap_or("");
        if settings.get("playlist").and_then(Value::as_array).is_some_and(|p| p.len() > 1) {
            notes.push(format!("media {name:?}: a VLC playlist became its first item"));
        }
        (value.to_owned(), settings.get("loop").and_then(Value::as_bool).unwrap_or(true))
    } else if settings.get("is_local_file").and_then(Value::as_bool) == Some(false) {
        (text(settings, "input").unwrap_or("").to_owned(), false)
    } else {
        (
            text(settings, "local_file").unwrap_or("").to_owned(),
            settings.get("looping").and_then(Value::as_bool).unwrap_or(false),
        )
    };
    if location.is_empty() {
        return Mapped::Skipped("a media source with no file".into());
    }
    let scheme = location.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    let layer = match scheme.as_deref() {
        Some("srt" | "rtmp" | "rtsp" | "http" | "https") => json!({ "kind": "media", "url": location }),
        Some(other) => return Mapped::Skipped(format!("a {other}:// stream has no Kaibo media layer")),
        None => {
            let path = Path::new(&location);
            if path.is_dir() || !path.exists() {
                let why = if path.is_dir() { "is a folder" } else { "is not on this machine" };
                return Mapped::Skipped(format!("its media {location} {why}"));
            }
            json!({ "kind": "media", "path": copies.add(path), "loop": looping })
        }
    };
    Mapped::Layer { layer: layer.as_object().cloned().unwrap_or_default(), size: canvas }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abgr_colours() {
        assert_eq!(abgr(0xff00_00ff, None), "#ff0000");
        assert_eq!(abgr(0x8000_ff00, None), "#00ff0080");
        assert_eq!(abgr(0xffff_0000, Some(50.0)), "#0000ff80");
        assert_eq!(abgr(0x0000_ff00, None), "#00ff00", "an RGB without alpha is opaque");
    }

    #[test]
    fn camera_sizes_in_both_forms() {
        assert_eq!(camera_size(&json!({"resolution": "1280x720"})), Some((1280.0, 720.0)));
        assert_eq!(camera_size(&json!({"resolution": (1920u64 << 16) | 1080})), Some((1920.0, 1080.0)));
        assert_eq!(camera_size(&json!({})), None);
    }
}
