//! OBS scene collections into Kaibo shows (`kaibo import obs`).
//!
//! Scenes come in `scene_order`, the program scene first (Kaibo's first scene is on air at
//! start); items bottom to top, as OBS lists them; groups and nested scenes are flattened into
//! the scene that shows them. OBS's geometry ([`geometry`]) becomes rects; each source kind
//! its layer ([`sources`]). The canvas and fps come from the profile's `basic.ini`, the stream
//! server from its `service.json`; the audio devices and the sound-only inputs of the scenes
//! become the show's mix ([`audio`]). Whatever has no equivalent is listed in the report with
//! its reason, never dropped silently.

pub mod audio;
pub mod geometry;
pub mod profile;
pub mod sources;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use geometry::{compose, rect, PixelBox, Placement};
use profile::{Canvas, Service};
use sources::{Copies, Mapped};

/// Groups and nested scenes deeper than this are cut (and said so): a scene that shows itself
/// would never end.
const MAX_NESTING: usize = 8;
/// The destination a profile's stream service becomes.
pub const DESTINATION_ID: &str = "obs";

/// An imported show, what to copy beside it, and what the streamer should know.
#[derive(Debug)]
pub struct Import {
    /// The show, as JSON (write it, then load it with `show::Show::load` to check it).
    pub show: Value,
    /// `(from, to)`: files to copy, `to` relative to the show's folder.
    pub copies: Vec<(PathBuf, String)>,
    /// The profile's stream key, when it had one: it belongs in the keyring, with the
    /// destination's `key` naming it; it is never put in `show`.
    pub key: Option<String>,
    /// Every item skipped, with its reason.
    pub skipped: Vec<String>,
    /// What was changed on the way (clipped rects, rounded rates, guessed sizes).
    pub notes: Vec<String>,
}

/// Imports `collection` (a scene collection's JSON), with the profile's canvas and service
/// when given.
pub fn import(collection: &Value, canvas: Option<Canvas>, service: Option<Service>) -> Result<Import, String> {
    let sources =
        collection.get("sources").and_then(Value::as_array).ok_or("not an OBS scene collection: no sources")?;
    let mut by_name: HashMap<&str, &Value> = HashMap::new();
    let mut by_uuid: HashMap<&str, &Value> = HashMap::new();
    for source in sources.iter().chain(collection.get("groups").and_then(Value::as_array).into_iter().flatten()) {
        if let Some(name) = source.get("name").and_then(Value::as_str) {
            by_name.insert(name, source);
        }
        if let Some(uuid) = source.get("uuid").and_then(Value::as_str) {
            by_uuid.insert(uuid, source);
        }
    }
    let mut notes = Vec::new();
    let canvas = canvas_of(collection, canvas, &mut notes);
    let size = (f64::from(canvas.width), f64::from(canvas.height));
    let mut importer = Importer {
        by_name,
        by_uuid,
        canvas: size,
        copies: Copies::default(),
        notes,
        skipped: Vec::new(),
        sounds: Vec::new(),
    };

    let mut scenes_out = Vec::new();
    let mut scene_ids: Vec<String> = Vec::new();
    for name in scene_order(collection, sources) {
        let Some(scene) = importer.by_name.get(name.as_str()).copied() else {
            importer.notes.push(format!("scene_order names {name:?}, which is not in the collection"));
            continue;
        };
        let mut layers = Vec::new();
        let mut ids: Vec<String> = Vec::new();
        let outer = [0.0, 0.0, size.0, size.1];
        importer.items(&name, scene, outer, size, 0, &mut vec![name.clone()], &mut layers, &mut ids);
        let id = unique(&name, &scene_ids);
        scene_ids.push(id.clone());
        scenes_out.push(json!({ "id": id, "name": name, "layers": layers }));
    }
    if scenes_out.is_empty() {
        return Err("the collection has no scenes".into());
    }
    for source in sources {
        let name = source.get("name").and_then(Value::as_str).unwrap_or("");
        // A sound input's filters are the mix's ([`audio`]).
        if source.get("id").and_then(Value::as_str).is_some_and(sources::is_audio) {
            continue;
        }
        if let Some(filters) = source.get("filters").and_then(Value::as_array).filter(|f| !f.is_empty()) {
            let kinds: Vec<&str> = filters.iter().filter_map(|f| f.get("id").and_then(Value::as_str)).collect();
            importer
                .skipped
                .push(format!("filters of {name:?} ({}): Kaibo has no source filters; use a look", kinds.join(", ")));
        }
    }
    // The mix: the global devices first (as OBS's mixer lists them), then the scenes' inputs.
    let devices = audio::DEVICE_KEYS.iter().filter_map(|key| collection.get(*key));
    let mut mix: Vec<Value> = Vec::new();
    for source in devices.chain(importer.sounds.iter().copied()) {
        let name = source.get("name").and_then(Value::as_str).unwrap_or("");
        if mix.iter().any(|s| s["id"] == name) {
            continue;
        }
        match audio::map(source, &mut importer.notes, &mut importer.skipped) {
            audio::Sound::Source(source) => mix.push(source),
            audio::Sound::Skipped(why) => importer.skipped.push(why),
        }
    }
    let mut show = json!({
        "name": collection.get("name").and_then(Value::as_str).unwrap_or("Imported from OBS"),
        "canvas": { "width": canvas.width, "height": canvas.height, "fps": canvas.fps },
        "scenes": scenes_out,
    });
    if !mix.is_empty() {
        show["audio"] = json!({ "sources": mix });
    }
    let mut key = None;
    if let Some(service) = service {
        match destination(&service) {
            Ok(destination) => {
                key = service.key.clone();
                show["destinations"] = json!([destination]);
            }
            Err(why) => importer.skipped.push(format!("the stream service: {why}")),
        }
    }
    Ok(Import { show, copies: importer.copies.files, key, skipped: importer.skipped, notes: importer.notes })
}

/// Reads a collection file and, when given, its profile folder.
pub fn import_files(collection: &Path, profile_dir: Option<&Path>) -> Result<Import, String> {
    let bytes = std::fs::read(collection).map_err(|e| format!("cannot read {}: {e}", collection.display()))?;
    let json: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is not JSON (an OBS scene collection is): {e}", collection.display()))?;
    let mut notes = Vec::new();
    let (canvas, service) = match profile_dir {
        Some(dir) => profile::read_profile(dir, &mut notes)?,
        None => (None, None),
    };
    let mut import = import(&json, canvas, service)?;
    notes.append(&mut import.notes);
    import.notes = notes;
    Ok(import)
}

struct Importer<'a> {
    by_name: HashMap<&'a str, &'a Value>,
    by_uuid: HashMap<&'a str, &'a Value>,
    canvas: (f64, f64),
    copies: Copies,
    notes: Vec<String>,
    skipped: Vec<String>,
    /// The sound-only inputs the scenes show, in the order first met.
    sounds: Vec<&'a Value>,
}

impl<'a> Importer<'a> {
    /// The items of `scene` (a scene or group source), placed in `outer` (canvas pixels) for
    /// an inner canvas of `inner` pixels, appended to `layers`.
    #[allow(clippy::too_many_arguments)]
    fn items(
        &mut self,
        scene_name: &str,
        scene: &'a Value,
        outer: PixelBox,
        inner: (f64, f64),
        depth: usize,
        path: &mut Vec<String>,
        layers: &mut Vec<Value>,
        ids: &mut Vec<String>,
    ) {
        let items = scene.get("settings").and_then(|s| s.get("items")).and_then(Value::as_array);
        for item in items.into_iter().flatten() {
            if item.get("group_item_backup").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let name = item.get("name").and_then(Value::as_str).unwrap_or("");
            let source = item
                .get("source_uuid")
                .and_then(Value::as_str)
                .and_then(|u| self.by_uuid.get(u).copied())
                .or_else(|| self.by_name.get(name).copied());
            let Some(source) = source else {
                self.skipped.push(format!("scene {scene_name:?}, item {name:?}: its source is not in the collection"));
                continue;
            };
            let visible = item.get("visible").and_then(Value::as_bool).unwrap_or(false);
            let placement = placement(item);
            if item.get("rot").and_then(Value::as_f64).is_some_and(|r| r.rem_euclid(360.0) > 0.01) {
                self.notes.push(format!("scene {scene_name:?}, item {name:?}: its rotation is not kept"));
            }
            let cropped = placement.crop != (0.0, 0.0, 0.0, 0.0);
            let scale_y = placement.scale.1 * outer[3] / inner.1;
            match sources::map(source, self.canvas, scale_y, &mut self.copies, &mut self.notes) {
                Mapped::Skipped(why) => self.skipped.push(format!("scene {scene_name:?}, item {name:?}: {why}")),
                Mapped::Sound => {
                    if !self.sounds.iter().any(|s| std::ptr::eq(*s, source)) {
                        self.notes.push(format!(
                            "scene {scene_name:?}, item {name:?}: a sound input, in the mix for every scene"
                        ));
                        self.sounds.push(source);
                    }
                }
                Mapped::Nested { name: nested } => {
                    if depth >= MAX_NESTING || path.contains(&nested) {
                        self.skipped.push(format!("scene {scene_name:?}, item {name:?}: {nested:?} shows itself"));
                        continue;
                    }
                    // A nested scene is the size of the canvas; a group's own size is its
                    // bounding box, which OBS recomputes from its items: the canvas too.
                    let nested_box = compose(outer, inner, placement.pixel_box(self.canvas));
                    let Some(nested_source) = self.by_name.get(nested.as_str()).copied() else { continue };
                    if !visible {
                        self.notes
                            .push(format!("scene {scene_name:?}: the hidden group {nested:?} is flattened hidden"));
                    }
                    let before = layers.len();
                    path.push(nested.clone());
                    self.items(scene_name, nested_source, nested_box, self.canvas, depth + 1, path, layers, ids);
                    path.pop();
                    if !visible {
                        for layer in &mut layers[before..] {
                            layer["visible"] = json!(false);
                        }
                    }
                }
                Mapped::Layer { mut layer, size } => {
                    let b = compose(outer, inner, placement.pixel_box(size));
                    let Some((r, clipped)) = rect(b, self.canvas) else {
                        self.skipped.push(format!("scene {scene_name:?}, item {name:?}: it lies outside the canvas"));
                        continue;
                    };
                    if clipped {
                        self.notes.push(format!("scene {scene_name:?}, item {name:?}: clipped to the canvas"));
                    }
                    if cropped {
                        self.notes.push(format!("scene {scene_name:?}, item {name:?}: its crop is not kept (the whole picture fills the box)"));
                    }
                    let id = unique(name, ids);
                    ids.push(id.clone());
                    let mut full = Map::new();
                    full.insert("id".into(), json!(id));
                    full.append(&mut layer);
                    full.insert("rect".into(), json!(r));
                    if !visible {
                        full.insert("visible".into(), json!(false));
                    }
                    layers.push(Value::Object(full));
                }
            }
        }
    }
}

fn placement(item: &Value) -> Placement {
    let pair = |key: &str, default: f64| {
        let v = item.get(key);
        let get = |axis: &str| v.and_then(|p| p.get(axis)).and_then(Value::as_f64).unwrap_or(default);
        (get("x"), get("y"))
    };
    let crop = |key: &str| item.get(key).and_then(Value::as_f64).unwrap_or(0.0);
    Placement {
        pos: pair("pos", 0.0),
        scale: pair("scale", 1.0),
        align: item.get("align").and_then(Value::as_u64).map_or(5, |a| a as u32),
        bounds_type: item.get("bounds_type").and_then(Value::as_u64).map_or(0, |b| b as u32),
        bounds: pair("bounds", 0.0),
        crop: (crop("crop_left"), crop("crop_top"), crop("crop_right"), crop("crop_bottom")),
    }
}

/// The scenes to import in order: `scene_order` (or the scenes as listed), the program first.
fn scene_order(collection: &Value, sources: &[Value]) -> Vec<String> {
    let mut order: Vec<String> = match collection.get("scene_order").and_then(Value::as_array) {
        Some(order) => order.iter().filter_map(|s| s.get("name").and_then(Value::as_str)).map(str::to_owned).collect(),
        None => sources
            .iter()
            .filter(|s| s.get("id").and_then(Value::as_str) == Some("scene"))
            .filter_map(|s| s.get("name").and_then(Value::as_str))
            .map(str::to_owned)
            .collect(),
    };
    let program = collection.get("current_program_scene").or(collection.get("current_scene")).and_then(Value::as_str);
    if let Some(at) = program.and_then(|p| order.iter().position(|n| n == p)) {
        let first = order.remove(at);
        order.insert(0, first);
    }
    order
}

/// The canvas: the profile's, else the collection's `resolution`, else 1920x1080; fitted to
/// what Kaibo runs (even sizes, 160x90..3840x2160, 1..60 fps).
fn canvas_of(collection: &Value, profile: Option<Canvas>, notes: &mut Vec<String>) -> Canvas {
    let canvas = profile.unwrap_or_else(|| {
        let resolution = collection.get("resolution");
        let get = |axis: &str| resolution.and_then(|r| r.get(axis)).and_then(Value::as_u64).map(|v| v as u32);
        match (get("x"), get("y")) {
            (Some(width), Some(height)) => {
                notes.push("the frame rate is not in a collection: 30 fps (give --profile for the profile's)".into());
                Canvas { width, height, fps: 30 }
            }
            _ => {
                notes.push("no profile and no resolution in the collection: a 1920x1080 canvas at 30 fps".into());
                Canvas { width: 1920, height: 1080, fps: 30 }
            }
        }
    });
    let fit = |v: u32, low: u32, high: u32| (v.clamp(low, high) / 2) * 2;
    let fitted = Canvas {
        width: fit(canvas.width, 160, 3840),
        height: fit(canvas.height, 90, 2160),
        fps: canvas.fps.clamp(1, 60),
    };
    if fitted != canvas {
        notes.push(format!(
            "the canvas {}x{} at {} fps became {}x{} at {} fps",
            canvas.width, canvas.height, canvas.fps, fitted.width, fitted.height, fitted.fps
        ));
    }
    fitted
}

/// The profile's stream service as a destination (the key goes to the keyring, not here).
fn destination(service: &Service) -> Result<Value, String> {
    let name = service.service.as_deref().unwrap_or("");
    let lower = name.to_ascii_lowercase();
    let platform = ["twitch", "youtube", "bilibili", "douyin", "kuaishou", "tiktok", "facebook"]
        .into_iter()
        .find(|p| lower.contains(p))
        .unwrap_or("custom");
    let server = service.server.trim_end_matches('/');
    if !(server.starts_with("rtmp://") || server.starts_with("rtmps://") || server.starts_with("srt://")) {
        return Err(format!(
            "{} {server:?} is not an rtmp://, rtmps:// or srt:// address (an \"auto\" server: add the destination in the studio)",
            if name.is_empty() { "the server" } else { name }
        ));
    }
    Ok(json!({ "id": DESTINATION_ID, "platform": platform, "url": server }))
}

/// `name`, or `name (2)`, `name (3)`… when taken; never empty.
fn unique(name: &str, taken: &[String]) -> String {
    let base = if name.trim().is_empty() { "layer".to_owned() } else { name.to_owned() };
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base} ({n})");
        n += 1;
    }
    candidate
}
