//! The show document: what a producer writes, saves and exports.
//!
//! Field names here are a contract (the UI, outside tools and saved shows depend on them).
//! Coordinates are normalized to the canvas (0..1). Paths are relative to the show file.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A whole show: canvas, scenes with their layers, the product catalogue, lighting looks,
/// destinations and the encoding profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Show {
    /// Shown in the studio's title and in session reports.
    #[serde(default)]
    pub name: String,
    /// The show's logo, a PNG or JPEG relative to the show file. It stands on the slate
    /// that replaces the camera while the camera is lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// What the program shows while the operator has cut away from the camera ("be right
    /// back"): a message and a picture. Without it, the logo and "稍后回来 · Be right back".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safe_slate: Option<SafeSlate>,
    pub canvas: Canvas,
    /// How a scene switch (and studio mode's take) goes when the command does not say: a cut
    /// unless set.
    #[serde(default, skip_serializing_if = "crate::Transition::is_cut")]
    pub transition: crate::Transition,
    #[serde(default)]
    pub audio: Audio,
    /// The first scene is on air at start.
    pub scenes: Vec<Scene>,
    #[serde(default)]
    pub products: Vec<Product>,
    /// The planned order of products, cued one after another onto a product card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_of_show: Option<RunOfShow>,
    /// Looks defined by this show. The built-in looks (`natural`, `warm-studio`,
    /// `cool-runway`, `spotlight`, `soft-beauty`) are always available too; a show's own
    /// look with the same id replaces the built-in one.
    #[serde(default)]
    pub looks: Vec<LightingLook>,
    #[serde(default)]
    pub destinations: Vec<Destination>,
    #[serde(default)]
    pub encoding: Encoding,
    /// Going live records the show too, into the studio's recording folder (a recording
    /// tied to the live session: End finishes it). `false`: only the REC switch records.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub record_when_live: bool,
    /// The folder the show was loaded from; relative paths resolve against it.
    #[serde(skip)]
    pub base_dir: std::path::PathBuf,
}

/// The program's size and frame rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Canvas {
    /// Pixels, even, 160..=3840.
    pub width: u32,
    /// Pixels, even, 90..=2160.
    pub height: u32,
    /// Frames per second, 1..=60.
    pub fps: u32,
}

/// Where the program's sound comes from: the sources of the mix (see `audio.rs`), or the
/// older one-source form `{"source": "auto"}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Audio {
    /// The older form: one source. Left out (and `sources` empty): `auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<AudioSource>,
    /// The sources of the mix, each with its volume, filters, ducking and sync offset.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<crate::audio::AudioInput>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AudioSource {
    /// The default microphone when one is present, silence otherwise.
    #[default]
    Auto,
    /// The default microphone; an error when there is none.
    Microphone,
    /// Digital silence (the platforms still get an audio track).
    Silence,
    /// A 440 Hz test tone, to check levels downstream.
    Tone,
}

/// One arrangement of layers. Layers stack in list order: the first is at the back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scene {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub layers: Vec<Layer>,
}

/// `[x, y, w, h]` in 0..1 of the canvas, from the top-left corner.
pub type Rect = [f64; 4];

/// A layer of a scene, chosen by its `kind`. Every kind has an `id`, unique within its
/// scene (live changes name layers by it), and `visible` (default true: a hidden layer stays
/// in the scene and can be shown live).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Layer {
    Camera(CameraLayer),
    Image(ImageLayer),
    Text(TextLayer),
    ProductCard(ProductCardLayer),
    Look(LookLayer),
    Countdown(CountdownLayer),
    Color(ColorLayer),
    Media(MediaLayer),
    Screen(ScreenLayer),
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_zero_u32(value: &u32) -> bool {
    *value == 0
}

fn is_zero_u64(value: &u64) -> bool {
    *value == 0
}

impl Layer {
    /// The `kind` as written in the show.
    pub fn kind(&self) -> &'static str {
        match self {
            Layer::Camera(_) => "camera",
            Layer::Image(_) => "image",
            Layer::Text(_) => "text",
            Layer::ProductCard(_) => "product_card",
            Layer::Look(_) => "look",
            Layer::Countdown(_) => "countdown",
            Layer::Color(_) => "color",
            Layer::Media(_) => "media",
            Layer::Screen(_) => "screen",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Layer::Camera(l) => &l.id,
            Layer::Image(l) => &l.id,
            Layer::Text(l) => &l.id,
            Layer::ProductCard(l) => &l.id,
            Layer::Look(l) => &l.id,
            Layer::Countdown(l) => &l.id,
            Layer::Color(l) => &l.id,
            Layer::Media(l) => &l.id,
            Layer::Screen(l) => &l.id,
        }
    }

    pub fn visible(&self) -> bool {
        match self {
            Layer::Camera(l) => l.visible,
            Layer::Image(l) => l.visible,
            Layer::Text(l) => l.visible,
            Layer::ProductCard(l) => l.visible,
            Layer::Look(l) => l.visible,
            Layer::Countdown(l) => l.visible,
            Layer::Color(l) => l.visible,
            Layer::Media(l) => l.visible,
            Layer::Screen(l) => l.visible,
        }
    }

    pub fn set_visible(&mut self, visible: bool) {
        match self {
            Layer::Camera(l) => l.visible = visible,
            Layer::Image(l) => l.visible = visible,
            Layer::Text(l) => l.visible = visible,
            Layer::ProductCard(l) => l.visible = visible,
            Layer::Look(l) => l.visible = visible,
            Layer::Countdown(l) => l.visible = visible,
            Layer::Color(l) => l.visible = visible,
            Layer::Media(l) => l.visible = visible,
            Layer::Screen(l) => l.visible = visible,
        }
    }

    /// The layer's place on the canvas; `None` for layers that are not drawn (looks).
    pub fn rect(&self) -> Option<Rect> {
        match self {
            Layer::Camera(l) => Some(l.rect),
            Layer::Image(l) => Some(l.rect),
            Layer::Text(l) => Some(l.rect),
            Layer::ProductCard(l) => Some(l.rect),
            Layer::Countdown(l) => Some(l.rect),
            Layer::Color(l) => Some(l.rect),
            Layer::Media(l) => Some(l.rect),
            Layer::Screen(l) => Some(l.rect),
            Layer::Look(_) => None,
        }
    }
}

/// The camera, scaled into its rect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CameraLayer {
    pub id: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub visible: bool,
    /// A locked layer cannot be moved, resized, edited or removed until it is unlocked
    /// (it can still be shown and hidden).
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
    /// `"auto"` (the first camera, or the test pattern when there is none), `"test"`,
    /// or a device path such as `/dev/video0`.
    #[serde(default = "auto")]
    pub device: String,
    #[serde(default = "full_canvas")]
    pub rect: Rect,
}

fn auto() -> String {
    "auto".to_owned()
}

/// A solid colour filling its rect (a background, a band behind text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ColorLayer {
    pub id: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub visible: bool,
    /// A locked layer cannot be moved, resized, edited or removed until it is unlocked
    /// (it can still be shown and hidden).
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
    #[serde(default = "full_canvas")]
    pub rect: Rect,
    /// `#RRGGBB` or `#RRGGBBAA`.
    pub color: String,
}

/// A video: a file (`path`, relative to the show file, looping by default) or a network
/// feed (`url`: `srt://` in listener or caller mode, `rtmp://`, `rtsp://`, `http(s)://`).
/// Exactly one of `path` and `url`. Scaled to fill its rect. A feed that ends or never
/// arrives shows a placeholder in its rect until it comes (back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaLayer {
    pub id: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub visible: bool,
    /// A locked layer cannot be moved, resized, edited or removed until it is unlocked
    /// (it can still be shown and hidden).
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
    #[serde(default = "full_canvas")]
    pub rect: Rect,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Whether a file starts again at its end (default true; feeds ignore it).
    #[serde(default = "yes", rename = "loop", skip_serializing_if = "is_true")]
    pub looping: bool,
    /// When its sound is in the mix (a source named after the layer).
    #[serde(default, skip_serializing_if = "MediaSound::is_default")]
    pub sound: MediaSound,
}

/// When a media layer's sound is heard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MediaSound {
    /// While the layer is on air (visible in the scene on air).
    #[default]
    WithLayer,
    /// All the time, on air or not (a music video as the bed).
    Always,
    /// Never: the layer's sound is not in the mix.
    Off,
}

impl MediaSound {
    fn is_default(&self) -> bool {
        *self == MediaSound::WithLayer
    }
}

/// The screen (X11, where `$DISPLAY` is set), scaled into its rect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenLayer {
    pub id: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub visible: bool,
    /// A locked layer cannot be moved, resized, edited or removed until it is unlocked
    /// (it can still be shown and hidden).
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
    #[serde(default = "full_canvas")]
    pub rect: Rect,
}

/// The whole canvas, `[0, 0, 1, 1]`.
pub fn full_canvas() -> Rect {
    [0.0, 0.0, 1.0, 1.0]
}

/// A PNG or JPEG picture, scaled to fit its rect (aspect ratio kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageLayer {
    pub id: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub visible: bool,
    /// A locked layer cannot be moved, resized, edited or removed until it is unlocked
    /// (it can still be shown and hidden).
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
    /// Relative to the show file.
    pub path: String,
    pub rect: Rect,
    /// 0..1.
    #[serde(default = "one")]
    pub opacity: f64,
}

fn one() -> f64 {
    1.0
}

/// Text, wrapped inside its rect. Any script, CJK and emoji included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextLayer {
    pub id: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub visible: bool,
    /// A locked layer cannot be moved, resized, edited or removed until it is unlocked
    /// (it can still be shown and hidden).
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
    pub text: String,
    pub rect: Rect,
    /// Font size in canvas pixels; text that does not fit its rect is shrunk.
    #[serde(default = "default_font_size")]
    pub font_size: f64,
    /// A font family; the default covers Latin, CJK and emoji.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font: Option<String>,
    #[serde(default)]
    pub bold: bool,
    /// `#RRGGBB` or `#RRGGBBAA`.
    #[serde(default = "white")]
    pub color: String,
    /// A box behind the text, `#RRGGBB` or `#RRGGBBAA`; none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outline: Option<Outline>,
    #[serde(default)]
    pub align: Align,
}

fn default_font_size() -> f64 {
    36.0
}

fn white() -> String {
    "#FFFFFF".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outline {
    pub color: String,
    /// Canvas pixels, 0..=20.
    pub width: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// A product card: image, name, price (and the original price struck through when
/// discounted), sold-out state and a QR code of the buy URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductCardLayer {
    pub id: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub visible: bool,
    /// A locked layer cannot be moved, resized, edited or removed until it is unlocked
    /// (it can still be shown and hidden).
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
    /// The id of a product in `products`.
    pub product: String,
    pub rect: Rect,
    /// Draw the QR code of the product's `url`.
    #[serde(default = "yes")]
    pub qr: bool,
    /// Draw the sales line under the price: units sold and, when few are left, how many
    /// ("已售 1,024 · 仅剩 12 件", or "1,024 sold · only 12 left" for non-CJK names).
    #[serde(default, skip_serializing_if = "is_false")]
    pub sales: bool,
}

/// A countdown ("限时秒杀  04:59"): from `seconds` when the layer goes on air, or to the
/// wall-clock time `until`. Exactly one of the two is given. At zero it shows `ended_text`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountdownLayer {
    pub id: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub visible: bool,
    /// A locked layer cannot be moved, resized, edited or removed until it is unlocked
    /// (it can still be shown and hidden).
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
    pub rect: Rect,
    /// Shown before the time; may be empty.
    pub label: String,
    /// Seconds counted down from when the layer is shown, 1..=86400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<u32>,
    /// An RFC 3339 time with its offset, such as `2026-11-25T20:00:00+08:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Font size in canvas pixels; text that does not fit its rect is shrunk.
    #[serde(default = "default_font_size")]
    pub font_size: f64,
    /// `#RRGGBB` or `#RRGGBBAA`.
    #[serde(default = "white")]
    pub color: String,
    /// The box behind the text, `#RRGGBB` or `#RRGGBBAA`.
    #[serde(default = "countdown_background")]
    pub background: String,
    /// Shown once the countdown reaches zero.
    #[serde(default = "countdown_ended")]
    pub ended_text: String,
}

fn countdown_background() -> String {
    "#E0242Bcc".to_owned()
}

fn countdown_ended() -> String {
    "已结束 · Ended".to_owned()
}

/// Applies a lighting look to the camera while its scene is on air.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookLayer {
    pub id: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub visible: bool,
    /// A locked layer cannot be moved, resized, edited or removed until it is unlocked
    /// (it can still be shown and hidden).
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
    /// The id of a look in `looks` or a built-in look.
    pub look: String,
}

/// An item of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub id: String,
    pub name: String,
    /// The selling price, >= 0.
    pub price: f64,
    /// The price before the discount, shown struck through when higher than `price`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_price: Option<f64>,
    /// ISO 4217 code, such as `CNY` or `USD`.
    #[serde(default = "cny")]
    pub currency: String,
    /// The buy link, http(s); its QR code is drawn on the card.
    pub url: String,
    /// A PNG or JPEG, relative to the show file. A card without one still looks finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default)]
    pub sold_out: bool,
    /// A short selling point under the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tagline: Option<String>,
    /// Units left, when known; the studio keeps it up to date from orders while live.
    /// `0` draws the card sold out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<u64>,
    /// Units sold; the studio keeps it up to date from orders while live.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub sold: u64,
}

/// The planned order of products: each item is cued onto the product card `card`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunOfShow {
    /// The id of the product-card layer cues put products on; it must be a product card
    /// of some scene.
    pub card: String,
    /// Cue the next item when the current one's `target_seconds` have passed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub auto_advance: bool,
    /// At least one; each product once.
    #[serde(default)]
    pub items: Vec<RunItem>,
}

/// One product of the run of show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunItem {
    /// The id of a product in `products`.
    pub product: String,
    /// How long the product is meant to be on air, 1..=86400 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_seconds: Option<u32>,
    /// Prompts for the host, each not empty and at most 500 characters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub talking_points: Vec<String>,
}

/// The "be right back" slate. Both fields are optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SafeSlate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A PNG or JPEG, relative to the show file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

fn cny() -> String {
    "CNY".to_owned()
}

/// A lighting look applied to the camera. Every field is optional and neutral by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LightingLook {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// -1..1, 0 is neutral.
    #[serde(default)]
    pub brightness: f64,
    /// 0..2, 1 is neutral.
    #[serde(default = "one")]
    pub contrast: f64,
    /// 0..2, 1 is neutral, 0 is black and white.
    #[serde(default = "one")]
    pub saturation: f64,
    /// -1 (cool, blue) ..1 (warm, amber), 0 is neutral.
    #[serde(default)]
    pub warmth: f64,
    /// Darkened edges, or a spotlight when the strength is high and the radius small.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vignette: Option<Vignette>,
    /// A `.cube` 3D LUT, relative to the show file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lut: Option<String>,
    /// 0..1, how much of the LUT to blend in.
    #[serde(default = "one")]
    pub lut_strength: f64,
}

impl LightingLook {
    /// A look that changes nothing.
    pub fn neutral(id: &str) -> Self {
        LightingLook {
            id: id.to_owned(),
            name: String::new(),
            brightness: 0.0,
            contrast: 1.0,
            saturation: 1.0,
            warmth: 0.0,
            vignette: None,
            lut: None,
            lut_strength: 1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vignette {
    /// 0..1: how dark the edges get.
    pub strength: f64,
    /// 0.1..1.5: where darkening starts, as a fraction of the half-diagonal.
    #[serde(default = "default_radius")]
    pub radius: f64,
    /// 0..1: how gradual the edge is.
    #[serde(default = "default_softness")]
    pub softness: f64,
    /// The lit centre `[x, y]` in 0..1 of the canvas.
    #[serde(default = "centre")]
    pub center: [f64; 2],
}

fn default_radius() -> f64 {
    0.75
}

fn default_softness() -> f64 {
    0.5
}

fn centre() -> [f64; 2] {
    [0.5, 0.5]
}

/// Where the program is pushed. `Debug` is written by hand (in `redact.rs`) so that the
/// stream key in `url` is never printed.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    pub id: String,
    pub platform: Platform,
    /// `rtmp://`, `rtmps://` or `srt://`. For quick use the stream key may be the last
    /// path segment; it is never printed.
    pub url: String,
    /// The stream key, kept in the OS keyring and appended to `url` as its last segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<SecretRef>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Seconds the program is held back before it reaches this destination, 0..=30.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub delay_seconds: u32,
}

/// A reference to a secret in the OS keyring; the secret itself never sits in a show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    pub secret: String,
}

/// Platform presets set the ingest conventions (keyframe interval, CBR, profile, caps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Douyin,
    Bilibili,
    Kuaishou,
    Taobao,
    Youtube,
    Twitch,
    Tiktok,
    Facebook,
    /// Any RTMP/RTMPS/SRT ingest.
    Custom,
}

/// The one encode shared by every destination and the recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Encoding {
    /// 200..=51000.
    #[serde(default = "default_video_bitrate")]
    pub video_bitrate_kbps: u32,
    /// Seconds between keyframes, 0.5..=10.
    #[serde(default = "default_keyframe_interval")]
    pub keyframe_interval_s: f64,
    /// An x264 preset: ultrafast, superfast, veryfast, faster, fast, medium.
    #[serde(default = "default_preset")]
    pub x264_preset: String,
    /// 64..=320.
    #[serde(default = "default_audio_bitrate")]
    pub audio_bitrate_kbps: u32,
}

impl Default for Encoding {
    fn default() -> Self {
        Encoding {
            video_bitrate_kbps: default_video_bitrate(),
            keyframe_interval_s: default_keyframe_interval(),
            x264_preset: default_preset(),
            audio_bitrate_kbps: default_audio_bitrate(),
        }
    }
}

fn default_video_bitrate() -> u32 {
    3000
}

fn default_keyframe_interval() -> f64 {
    2.0
}

fn default_preset() -> String {
    "veryfast".to_owned()
}

fn default_audio_bitrate() -> u32 {
    128
}
