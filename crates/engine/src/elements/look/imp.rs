//! `kaibolook` implementation.
//!
//! Everything runs in YUV on the frame in place; no RGB conversion per frame
//! and no allocation per frame. Tables and maps are rebuilt on the streaming
//! thread, on the first frame after a property (or the caps) changed.
//!
//! Per frame, in order:
//! 1. `.cube` LUT (if set and it loaded): table lookup, see [`YuvLut`].
//! 2. Tone: Y through a 256-entry brightness/contrast table; U and V through
//!    256-entry saturation + warmth tables (`U' = 128 + (U-128)*sat - shift`,
//!    `V' = 128 + (V-128)*sat + shift`).
//! 3. Vignette: a precomputed 8-bit gain map per plane; Y is scaled toward
//!    black and chroma toward 128 with integer math. Each row remembers the
//!    span where the gain is exactly 1, which is skipped.
//!
//! A neutral look sets the base class to passthrough, so the buffer is not
//! even mapped. A LUT file that fails to load is reported once as an element
//! warning naming the file, and the look goes on without it: a bad grade
//! file must not take the programme off air.

use std::path::Path;
use std::sync::{LazyLock, Mutex, MutexGuard};

use gst::glib;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;
use gst_video::prelude::*;
use gst_video::subclass::prelude::*;
use gst_video::VideoFrameExt;

use crate::elements::yuv::YuvModel;

static CAT: LazyLock<gst::DebugCategory> =
    LazyLock::new(|| gst::DebugCategory::new("kaibolook", gst::DebugColorFlags::empty(), Some("Kaibo lighting look")));

/// Chroma shift, in 8-bit limited-range chroma steps, at `warmth` = ±1.
const WARMTH_SHIFT: f64 = 24.0;

/// Biggest `LUT_3D_SIZE` accepted. The spec allows 256, but 256³ entries are
/// 200 MB of floats; real grading LUTs are 17, 32, 33, 64 or 65.
const MAX_CUBE_SIZE: usize = 129;

/// Refuse absurd files before reading them (a 129³ cube is about 60 MB of text).
const MAX_CUBE_FILE_BYTES: u64 = 128 * 1024 * 1024;

/// Locks a mutex, tolerating poisoning: a panic in one thread must not take
/// the property setters of another down with it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ---------------------------------------------------------------------------
// Settings: what the user configured.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
struct ToneSettings {
    brightness: f64,
    contrast: f64,
    saturation: f64,
    warmth: f64,
}

impl Default for ToneSettings {
    fn default() -> Self {
        Self { brightness: 0.0, contrast: 1.0, saturation: 1.0, warmth: 0.0 }
    }
}

impl ToneSettings {
    fn is_neutral(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(Debug, Clone, PartialEq)]
struct VignetteSettings {
    strength: f64,
    radius: f64,
    softness: f64,
    x: f64,
    y: f64,
}

impl Default for VignetteSettings {
    fn default() -> Self {
        Self { strength: 0.0, radius: 0.75, softness: 0.5, x: 0.5, y: 0.5 }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct LutSettings {
    location: String,
    strength: f64,
    /// Bumped on every write of `lut-location`, so that setting the same path
    /// again reloads a file that was edited on disk.
    generation: u64,
}

impl Default for LutSettings {
    fn default() -> Self {
        Self { location: String::new(), strength: 1.0, generation: 0 }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Settings {
    tone: ToneSettings,
    vignette: VignetteSettings,
    lut: LutSettings,
}

impl Settings {
    /// True when the look cannot change a pixel, so the element can run in
    /// passthrough.
    fn is_neutral(&self) -> bool {
        self.tone.is_neutral()
            && self.vignette.strength == 0.0
            && (self.lut.location.is_empty() || self.lut.strength == 0.0)
    }
}

// ---------------------------------------------------------------------------
// State: what the current run holds. Reset on stop.
// ---------------------------------------------------------------------------

#[derive(Default)]
struct State {
    /// Frame geometry and colorimetry from the negotiated caps.
    info: Option<gst_video::VideoInfo>,
    /// Set by `set_info`: maps and the YUV model must be rebuilt.
    info_changed: bool,
    /// The settings the tables below were built from.
    applied: Option<Settings>,
    model: YuvModel,
    tone: ToneTables,
    vignette: VignetteMap,
    vignette_on: bool,
    /// The parsed `.cube` file, kept across strength changes.
    cube: Option<Cube>,
    /// The YUV->YUV table; `None` when no LUT or it changes nothing.
    lut: Option<YuvLut>,
}

// ---------------------------------------------------------------------------
// The element.
// ---------------------------------------------------------------------------

#[derive(Default)]
pub struct Look {
    settings: Mutex<Settings>,
    state: Mutex<State>,
}

#[glib::object_subclass]
impl ObjectSubclass for Look {
    const NAME: &'static str = "KaiboLook";
    type Type = super::Look;
    type ParentType = gst_video::VideoFilter;
}

impl Look {
    /// Chooses passthrough from the settings. Called with the settings lock
    /// held so that two setters can't leave passthrough out of date.
    fn update_passthrough(&self, settings: &Settings) {
        let obj = self.obj();
        let neutral = settings.is_neutral();
        if obj.is_passthrough() != neutral {
            gst::debug!(CAT, imp = self, "Passthrough {}", neutral);
            obj.set_passthrough(neutral);
            obj.reconfigure_src();
        }
    }

    /// Brings the state's tables up to date with the settings. Runs on the
    /// streaming thread, only when something changed.
    fn refresh(&self, state: &mut State, settings: &Settings) {
        let Some(info) = state.info.clone() else {
            return;
        };
        let old = state.applied.take();
        let info_changed = std::mem::take(&mut state.info_changed);

        if info_changed {
            state.model = YuvModel::from_info(&info);
        }

        let tone_changed = info_changed || old.as_ref().map(|o| &o.tone) != Some(&settings.tone);
        if tone_changed {
            state.tone = ToneTables::new(&settings.tone, &state.model);
            gst::debug!(CAT, imp = self, "Tone tables rebuilt: {:?}", settings.tone);
        }

        // The map is kept while the vignette is off, so turning it back on
        // at the same shape costs nothing.
        state.vignette_on = settings.vignette.strength > 0.0;
        if state.vignette_on && (info_changed || old.as_ref().map(|o| &o.vignette) != Some(&settings.vignette)) {
            state.vignette.update(&settings.vignette, &info);
            gst::debug!(CAT, imp = self, "Vignette updated: {:?}", settings.vignette);
        }

        let old_lut = old.as_ref().map(|o| &o.lut);
        let file_changed =
            old_lut.map(|l| (&l.location, l.generation)) != Some((&settings.lut.location, settings.lut.generation));
        if file_changed {
            state.cube = self.load_cube(&settings.lut.location);
        }
        if info_changed || file_changed || old_lut.map(|l| l.strength) != Some(settings.lut.strength) {
            state.lut = match &state.cube {
                Some(cube) if settings.lut.strength > 0.0 => {
                    YuvLut::build(cube, &state.model, settings.lut.strength as f32, &state.tone.y)
                }
                _ => None,
            };
            gst::debug!(
                CAT,
                imp = self,
                "LUT table {} (strength {})",
                if state.lut.is_some() { "active" } else { "inactive" },
                settings.lut.strength
            );
        } else if tone_changed {
            if let Some(lut) = &mut state.lut {
                lut.fold_tone(&state.tone.y);
            }
        }

        state.applied = Some(settings.clone());
    }

    /// Loads a `.cube` file. On failure, posts a warning naming the file and
    /// returns `None`: the look goes on without the LUT.
    fn load_cube(&self, location: &str) -> Option<Cube> {
        if location.is_empty() {
            return None;
        }
        match Cube::load(Path::new(location)) {
            Ok(cube) => {
                gst::info!(
                    CAT,
                    imp = self,
                    "Loaded LUT '{}' ({}³{})",
                    location,
                    cube.size,
                    cube.title.as_deref().map(|t| format!(", \"{t}\"")).unwrap_or_default()
                );
                Some(cube)
            }
            Err(err) => {
                gst::warning!(CAT, imp = self, "LUT '{}' not loaded: {}", location, err);
                let kind = if matches!(err, CubeError::Io(_)) {
                    gst::ResourceError::OpenRead
                } else {
                    gst::ResourceError::Read
                };
                gst::element_imp_warning!(
                    self,
                    kind,
                    ("Could not load LUT file '{}': {}", location, err),
                    ["The look continues without a LUT"]
                );
                None
            }
        }
    }
}

impl ObjectImpl for Look {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            let tone = ToneSettings::default();
            let vignette = VignetteSettings::default();
            let double =
                |name: &'static str, nick: &'static str, blurb: &'static str, min: f64, max: f64, default: f64| {
                    glib::ParamSpecDouble::builder(name)
                        .nick(nick)
                        .blurb(blurb)
                        .minimum(min)
                        .maximum(max)
                        .default_value(default)
                        .mutable_playing()
                        .controllable()
                        .build()
                };
            vec![
                double(
                    "brightness",
                    "Brightness",
                    "Luma offset, as a fraction of the luma range",
                    -1.0,
                    1.0,
                    tone.brightness,
                ),
                double("contrast", "Contrast", "Luma contrast around mid grey", 0.0, 2.0, tone.contrast),
                double("saturation", "Saturation", "Chroma gain (0 = greyscale)", 0.0, 2.0, tone.saturation),
                double(
                    "warmth",
                    "Warmth",
                    "Colour temperature shift: > 0 toward amber (more Cr, less Cb), < 0 toward blue",
                    -1.0,
                    1.0,
                    tone.warmth,
                ),
                double(
                    "vignette-strength",
                    "Vignette strength",
                    "How dark the edges get (0 = no vignette)",
                    0.0,
                    1.0,
                    vignette.strength,
                ),
                double(
                    "vignette-radius",
                    "Vignette radius",
                    "Where darkening starts, as a fraction of the half-diagonal",
                    0.1,
                    1.5,
                    vignette.radius,
                ),
                double(
                    "vignette-softness",
                    "Vignette softness",
                    "Width of the falloff, as a fraction of the half-diagonal",
                    0.0,
                    1.0,
                    vignette.softness,
                ),
                double(
                    "vignette-x",
                    "Vignette centre X",
                    "Horizontal position of the lit centre (0 = left, 1 = right)",
                    0.0,
                    1.0,
                    vignette.x,
                ),
                double(
                    "vignette-y",
                    "Vignette centre Y",
                    "Vertical position of the lit centre (0 = top, 1 = bottom)",
                    0.0,
                    1.0,
                    vignette.y,
                ),
                glib::ParamSpecString::builder("lut-location")
                    .nick("LUT location")
                    .blurb("Path to an Adobe .cube 3D LUT (empty = none)")
                    .mutable_playing()
                    .build(),
                double(
                    "lut-strength",
                    "LUT strength",
                    "Blend between the original (0) and the LUT (1)",
                    0.0,
                    1.0,
                    LutSettings::default().strength,
                ),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut settings = lock(&self.settings);
        let name = pspec.name();
        if name == "lut-location" {
            let location: Option<String> = value.get().expect("type checked upstream");
            settings.lut.location = location.unwrap_or_default();
            settings.lut.generation = settings.lut.generation.wrapping_add(1);
            gst::info!(CAT, imp = self, "lut-location set to '{}'", settings.lut.location);
        } else {
            let v: f64 = value.get().expect("type checked upstream");
            let field = match name {
                "brightness" => &mut settings.tone.brightness,
                "contrast" => &mut settings.tone.contrast,
                "saturation" => &mut settings.tone.saturation,
                "warmth" => &mut settings.tone.warmth,
                "vignette-strength" => &mut settings.vignette.strength,
                "vignette-radius" => &mut settings.vignette.radius,
                "vignette-softness" => &mut settings.vignette.softness,
                "vignette-x" => &mut settings.vignette.x,
                "vignette-y" => &mut settings.vignette.y,
                "lut-strength" => &mut settings.lut.strength,
                _ => unimplemented!("property {name}"),
            };
            if *field != v {
                gst::debug!(CAT, imp = self, "{} changed from {} to {}", name, *field, v);
            }
            *field = v;
        }
        self.update_passthrough(&settings);
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = lock(&self.settings);
        match pspec.name() {
            "brightness" => settings.tone.brightness.to_value(),
            "contrast" => settings.tone.contrast.to_value(),
            "saturation" => settings.tone.saturation.to_value(),
            "warmth" => settings.tone.warmth.to_value(),
            "vignette-strength" => settings.vignette.strength.to_value(),
            "vignette-radius" => settings.vignette.radius.to_value(),
            "vignette-softness" => settings.vignette.softness.to_value(),
            "vignette-x" => settings.vignette.x.to_value(),
            "vignette-y" => settings.vignette.y.to_value(),
            "lut-location" => settings.lut.location.to_value(),
            "lut-strength" => settings.lut.strength.to_value(),
            name => unimplemented!("property {name}"),
        }
    }

    fn constructed(&self) {
        self.parent_constructed();
        // The defaults are neutral: start in passthrough.
        self.update_passthrough(&lock(&self.settings));
    }
}

impl GstObjectImpl for Look {}

impl ElementImpl for Look {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Kaibo lighting look",
                "Filter/Effect/Video",
                "Brightness, contrast, saturation, warmth, vignette and .cube LUT, applied in YUV",
                "Kaibo Studio",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static PAD_TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let caps = gst_video::VideoCapsBuilder::new()
                .format_list([gst_video::VideoFormat::I420, gst_video::VideoFormat::Nv12])
                .build();
            [gst::PadDirection::Src, gst::PadDirection::Sink]
                .into_iter()
                .map(|direction| {
                    let name = if direction == gst::PadDirection::Src { "src" } else { "sink" };
                    gst::PadTemplate::new(name, direction, gst::PadPresence::Always, &caps)
                        .expect("static pad template")
                })
                .collect()
        });
        PAD_TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for Look {
    const MODE: gst_base::subclass::BaseTransformMode = gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    // Neutral means no work: don't even map the buffer.
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.state) = State::default();
        gst::debug!(CAT, imp = self, "Started");
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        // Dropping the state also drops the parsed LUT: the next run reloads
        // the file, picking up edits.
        *lock(&self.state) = State::default();
        gst::debug!(CAT, imp = self, "Stopped");
        Ok(())
    }

    fn before_transform(&self, inbuf: &gst::BufferRef) {
        // Apply control-source values for this buffer's time. Runs in
        // passthrough too, so an animated property can leave passthrough.
        let obj = self.obj();
        let segment = obj.segment();
        let stream_time =
            segment.downcast_ref::<gst::ClockTime>().and_then(|segment| segment.to_stream_time(inbuf.pts()?));
        if let Some(stream_time) = stream_time {
            if obj.sync_values(stream_time).is_err() {
                gst::debug!(CAT, imp = self, "Could not sync controlled properties");
            }
        }
    }
}

impl VideoFilterImpl for Look {
    fn set_info(
        &self,
        _incaps: &gst::Caps,
        in_info: &gst_video::VideoInfo,
        _outcaps: &gst::Caps,
        _out_info: &gst_video::VideoInfo,
    ) -> Result<(), gst::LoggableError> {
        gst::debug!(CAT, imp = self, "Configured for {:?} {}x{}", in_info.format(), in_info.width(), in_info.height());
        let mut state = lock(&self.state);
        state.info = Some(in_info.clone());
        state.info_changed = true;
        Ok(())
    }

    fn transform_frame_ip(
        &self,
        frame: &mut gst_video::VideoFrameRef<&mut gst::BufferRef>,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        let mut state = lock(&self.state);
        if state.info.is_none() {
            gst::error!(CAT, imp = self, "Frame before caps");
            return Err(gst::FlowError::NotNegotiated);
        }
        // Copy the settings only when they changed, and release their lock
        // before rebuilding: loading a LUT reads a file and may post a
        // message, and a bus handler may set properties meanwhile.
        let changed = {
            let settings = lock(&self.settings);
            (state.info_changed || state.applied.as_ref() != Some(&*settings)).then(|| settings.clone())
        };
        if let Some(settings) = changed {
            self.refresh(&mut state, &settings);
        }
        apply(&state, frame).map_err(|err| {
            gst::error!(CAT, imp = self, "Cannot process frame: {}", err);
            gst::FlowError::NotSupported
        })?;
        Ok(gst::FlowSuccess::Ok)
    }
}

// ---------------------------------------------------------------------------
// Per-frame processing.
// ---------------------------------------------------------------------------

/// Chroma layout of a 4:2:0 frame.
enum Chroma<'a> {
    /// I420: separate U and V planes.
    Planar { u: &'a mut [u8], v: &'a mut [u8], u_stride: usize, v_stride: usize },
    /// NV12: one plane of interleaved U, V pairs.
    Interleaved { uv: &'a mut [u8], stride: usize },
}

fn stride_of(frame: &gst_video::VideoFrameRef<&mut gst::BufferRef>, plane: usize) -> Result<usize, &'static str> {
    frame.plane_stride().get(plane).and_then(|&s| usize::try_from(s).ok()).ok_or("missing or negative plane stride")
}

/// Applies the look described by `state` to one frame.
fn apply(state: &State, frame: &mut gst_video::VideoFrameRef<&mut gst::BufferRef>) -> Result<(), &'static str> {
    let tone = &state.tone;
    let vignette = state.vignette_on.then_some(&state.vignette);
    let lut = state.lut.as_ref();
    if lut.is_none() && tone.y_identity && tone.uv_identity && vignette.is_none() {
        // Only reached when the settings are not neutral but nothing applies,
        // e.g. a LUT file that failed to load.
        return Ok(());
    }

    let width = frame.width() as usize;
    let height = frame.height() as usize;
    if width == 0 || height == 0 {
        return Ok(());
    }
    let chroma_width = width.div_ceil(2);
    let chroma_height = height.div_ceil(2);
    if vignette.is_some_and(|map| map.luma_len() != width * height || map.chroma_len() != chroma_width * chroma_height)
    {
        return Err("vignette map does not match the frame size");
    }
    let format = frame.format();
    let y_stride = stride_of(frame, 0)?;
    let s1 = stride_of(frame, 1)?;
    let s2 = if format == gst_video::VideoFormat::I420 { stride_of(frame, 2)? } else { 0 };

    let [y_plane, p1, p2, _] = frame.planes_data_mut();
    let mut chroma = match format {
        gst_video::VideoFormat::I420 => Chroma::Planar { u: p1, v: p2, u_stride: s1, v_stride: s2 },
        gst_video::VideoFormat::Nv12 => Chroma::Interleaved { uv: p1, stride: s1 },
        _ => return Err("unsupported format"),
    };

    let need = |stride: usize, row_len: usize, rows: usize| stride * (rows - 1) + row_len;
    if y_plane.len() < need(y_stride, width, height) {
        return Err("luma plane too small");
    }
    match &chroma {
        Chroma::Planar { u, v, u_stride, v_stride } => {
            if u.len() < need(*u_stride, chroma_width, chroma_height)
                || v.len() < need(*v_stride, chroma_width, chroma_height)
            {
                return Err("chroma plane too small");
            }
        }
        Chroma::Interleaved { uv, stride } => {
            if uv.len() < need(*stride, 2 * chroma_width, chroma_height) {
                return Err("chroma plane too small");
            }
        }
    }

    if let Some(lut) = lut {
        for cy in 0..chroma_height {
            let top = 2 * cy * y_stride;
            let rest = &mut y_plane[top..];
            let split = y_stride.min(rest.len());
            let (upper, lower) = rest.split_at_mut(split);
            let y0 = &mut upper[..width];
            let y1 = if 2 * cy + 1 < height { Some(&mut lower[..width]) } else { None };
            match &mut chroma {
                Chroma::Planar { u, v, u_stride, v_stride } => {
                    let u_row = &mut u[cy * *u_stride..][..chroma_width];
                    let v_row = &mut v[cy * *v_stride..][..chroma_width];
                    lut_rows(lut, tone, y0, y1, PlanarRow { u: u_row, v: v_row });
                }
                Chroma::Interleaved { uv, stride } => {
                    let uv_row = &mut uv[cy * *stride..][..2 * chroma_width];
                    lut_rows(lut, tone, y0, y1, InterleavedRow { uv: uv_row });
                }
            }
        }
    }

    // With a LUT, the tone tables were applied in the LUT pass.
    let y_table = (lut.is_none() && !tone.y_identity).then_some(&tone.y);
    let uv_tables = (lut.is_none() && !tone.uv_identity).then_some((&tone.u, &tone.v));

    if y_table.is_some() || vignette.is_some() {
        for row_index in 0..height {
            let row = &mut y_plane[row_index * y_stride..][..width];
            if let Some(table) = y_table {
                map_row(row, table);
            }
            if let Some(map) = vignette {
                let (gains, (a, b)) = map.luma.row(row_index);
                scale_row(&mut row[..a], &gains[..a], tone.y_black);
                scale_row(&mut row[b..], &gains[b..], tone.y_black);
            }
        }
    }

    if uv_tables.is_some() || vignette.is_some() {
        for row_index in 0..chroma_height {
            let gains = vignette.map(|map| map.chroma.row(row_index));
            match &mut chroma {
                Chroma::Planar { u, v, u_stride, v_stride } => {
                    let u_row = &mut u[row_index * *u_stride..][..chroma_width];
                    let v_row = &mut v[row_index * *v_stride..][..chroma_width];
                    if let Some((u_table, v_table)) = uv_tables {
                        map_row(u_row, u_table);
                        map_row(v_row, v_table);
                    }
                    if let Some((gains, (a, b))) = gains {
                        scale_row(&mut u_row[..a], &gains[..a], 128);
                        scale_row(&mut u_row[b..], &gains[b..], 128);
                        scale_row(&mut v_row[..a], &gains[..a], 128);
                        scale_row(&mut v_row[b..], &gains[b..], 128);
                    }
                }
                Chroma::Interleaved { uv, stride } => {
                    let uv_row = &mut uv[row_index * *stride..][..2 * chroma_width];
                    if let Some((u_table, v_table)) = uv_tables {
                        for pair in uv_row.chunks_exact_mut(2) {
                            pair[0] = u_table[pair[0] as usize];
                            pair[1] = v_table[pair[1] as usize];
                        }
                    }
                    if let Some((gains, (a, b))) = gains {
                        scale_pairs(&mut uv_row[..2 * a], &gains[..a]);
                        scale_pairs(&mut uv_row[2 * b..], &gains[b..]);
                    }
                }
            }
        }
    }
    Ok(())
}

#[inline]
fn map_row(row: &mut [u8], table: &[u8; 256]) {
    for p in row {
        *p = table[*p as usize];
    }
}

/// `p = pivot + (p - pivot) * (g + 1) / 256`, rounded. `g = 255` is exactly 1,
/// and the result always lies between `p` and `pivot`, so no clamp is needed.
#[inline]
fn scale(p: u8, g: u8, pivot: i32) -> u8 {
    // |d| <= 255 and g + 1 <= 256: nothing can overflow. Wrapping ops keep
    // overflow checks (on in dev builds) from blocking vectorisation.
    let d = (p as i32).wrapping_sub(pivot);
    let scaled = d.wrapping_mul(g as i32 + 1).wrapping_add(128) >> 8;
    pivot.wrapping_add(scaled) as u8
}

/// Kept free of table lookups so the compiler can vectorise it.
#[inline]
fn scale_row(row: &mut [u8], gains: &[u8], pivot: i32) {
    for (p, &g) in row.iter_mut().zip(gains) {
        *p = scale(*p, g, pivot);
    }
}

#[inline]
fn scale_pairs(uv: &mut [u8], gains: &[u8]) {
    for (pair, &g) in uv.chunks_exact_mut(2).zip(gains) {
        pair[0] = scale(pair[0], g, 128);
        pair[1] = scale(pair[1], g, 128);
    }
}

/// One chroma row of a 4:2:0 frame, whichever the layout.
trait ChromaRow {
    fn get(&self, i: usize) -> (u8, u8);
    fn set(&mut self, i: usize, u: u8, v: u8);
    fn len(&self) -> usize;
}

struct PlanarRow<'a> {
    u: &'a mut [u8],
    v: &'a mut [u8],
}

impl ChromaRow for PlanarRow<'_> {
    #[inline]
    fn get(&self, i: usize) -> (u8, u8) {
        (self.u[i], self.v[i])
    }
    #[inline]
    fn set(&mut self, i: usize, u: u8, v: u8) {
        self.u[i] = u;
        self.v[i] = v;
    }
    #[inline]
    fn len(&self) -> usize {
        self.u.len().min(self.v.len())
    }
}

struct InterleavedRow<'a> {
    uv: &'a mut [u8],
}

impl ChromaRow for InterleavedRow<'_> {
    #[inline]
    fn get(&self, i: usize) -> (u8, u8) {
        (self.uv[2 * i], self.uv[2 * i + 1])
    }
    #[inline]
    fn set(&mut self, i: usize, u: u8, v: u8) {
        self.uv[2 * i] = u;
        self.uv[2 * i + 1] = v;
    }
    #[inline]
    fn len(&self) -> usize {
        self.uv.len() / 2
    }
}

/// Applies the YUV LUT (and the tone tables) to two luma rows and the chroma
/// row they share. `y1` is `None` for the last row of an odd-height frame.
fn lut_rows(lut: &YuvLut, tone: &ToneTables, y0: &mut [u8], y1: Option<&mut [u8]>, mut chroma: impl ChromaRow) {
    let width = y0.len();
    let blocks = chroma.len();
    let mut done = 0;
    if let Some(y1) = y1 {
        // Whole 2x2 blocks: the hot loop.
        let pairs = y0.chunks_exact_mut(2).zip(y1.chunks_exact_mut(2));
        for (cx, (top, bottom)) in pairs.enumerate().take(blocks) {
            let (u, v) = chroma.get(cx);
            let table = lut.luma_table(u, v);
            let sum = top[0] as u32 + top[1] as u32 + bottom[0] as u32 + bottom[1] as u32;
            top[0] = table[top[0] as usize];
            top[1] = table[top[1] as usize];
            bottom[0] = table[bottom[0] as usize];
            bottom[1] = table[bottom[1] as usize];
            let (nu, nv) = lut.chroma(((sum + 2) >> 2) as u8, u, v);
            chroma.set(cx, tone.u[nu as usize], tone.v[nv as usize]);
            done = cx + 1;
        }
        // An odd width leaves one column.
        if done < blocks {
            let x = 2 * done;
            let (u, v) = chroma.get(done);
            let table = lut.luma_table(u, v);
            let sum = y0[x] as u32 + y1[x] as u32;
            y0[x] = table[y0[x] as usize];
            y1[x] = table[y1[x] as usize];
            let (nu, nv) = lut.chroma(((sum + 1) >> 1) as u8, u, v);
            chroma.set(done, tone.u[nu as usize], tone.v[nv as usize]);
        }
    } else {
        // Last row of an odd height: blocks of one or two pixels.
        for cx in 0..blocks {
            let xa = 2 * cx;
            let xb = (xa + 1).min(width - 1);
            let (u, v) = chroma.get(cx);
            let table = lut.luma_table(u, v);
            let sum = y0[xa] as u32 + y0[xb] as u32;
            y0[xa] = table[y0[xa] as usize];
            if xb != xa {
                y0[xb] = table[y0[xb] as usize];
            }
            let (nu, nv) = lut.chroma(((sum + 1) >> 1) as u8, u, v);
            chroma.set(cx, tone.u[nu as usize], tone.v[nv as usize]);
        }
    }
}

// ---------------------------------------------------------------------------
// Tone tables.
// ---------------------------------------------------------------------------

struct ToneTables {
    y: [u8; 256],
    u: [u8; 256],
    v: [u8; 256],
    y_identity: bool,
    uv_identity: bool,
    /// Luma black level, the pivot of the vignette.
    y_black: i32,
}

impl Default for ToneTables {
    fn default() -> Self {
        Self::new(&ToneSettings::default(), &YuvModel::default())
    }
}

impl ToneTables {
    fn new(tone: &ToneSettings, model: &YuvModel) -> Self {
        let identity: [u8; 256] = std::array::from_fn(|i| i as u8);
        let to_u8 = |x: f64| x.round().clamp(0.0, 255.0) as u8;
        let black = model.y_black as f64;
        let span = model.y_span as f64;
        let y = std::array::from_fn(|i| {
            let n = (i as f64 - black) / span;
            let n = (n - 0.5) * tone.contrast + 0.5 + tone.brightness;
            to_u8(black + n * span)
        });
        let shift = tone.warmth * WARMTH_SHIFT * model.c_span as f64 / 224.0;
        let u = std::array::from_fn(|i| to_u8(128.0 + (i as f64 - 128.0) * tone.saturation - shift));
        let v = std::array::from_fn(|i| to_u8(128.0 + (i as f64 - 128.0) * tone.saturation + shift));
        Self {
            y_identity: y == identity,
            uv_identity: u == identity && v == identity,
            y,
            u,
            v,
            y_black: model.y_black as i32,
        }
    }
}

// ---------------------------------------------------------------------------
// Vignette.
// ---------------------------------------------------------------------------

/// The vignette as 8-bit maps for the luma and the chroma plane.
///
/// `falloff` (0 = lit, 255 = fully in the dark) depends only on the shape
/// (size, centre, radius, softness) and is the costly part; `gain` is derived
/// from it with one integer pass when only the strength changes, so fading
/// the vignette in or out stays cheap. A gain `g` means `(g + 1) / 256`. Each
/// row also keeps the span `[a, b)` where the gain is exactly 1, skipped per
/// frame.
#[derive(Default)]
struct VignetteMap {
    shape: Option<VignetteShape>,
    strength: Option<f64>,
    luma: GainPlane,
    chroma: GainPlane,
}

#[derive(Debug, Clone, PartialEq)]
struct VignetteShape {
    width: usize,
    height: usize,
    radius: f64,
    softness: f64,
    x: f64,
    y: f64,
}

#[derive(Default)]
struct GainPlane {
    width: usize,
    falloff: Vec<u8>,
    gain: Vec<u8>,
    unity: Vec<(usize, usize)>,
}

impl VignetteMap {
    fn update(&mut self, settings: &VignetteSettings, info: &gst_video::VideoInfo) {
        let shape = VignetteShape {
            width: info.width() as usize,
            height: info.height() as usize,
            radius: settings.radius,
            softness: settings.softness,
            x: settings.x,
            y: settings.y,
        };
        if self.shape.as_ref() != Some(&shape) {
            self.rebuild_falloff(&shape);
            self.shape = Some(shape);
            self.strength = None;
        }
        if self.strength != Some(settings.strength) {
            // Strength in 1/256 steps, 0..=256.
            let strength = (settings.strength.clamp(0.0, 1.0) * 256.0).round() as u32;
            self.luma.rebuild_gain(strength);
            self.chroma.rebuild_gain(strength);
            self.strength = Some(settings.strength);
        }
    }

    fn rebuild_falloff(&mut self, shape: &VignetteShape) {
        let (w, h) = (shape.width as f64, shape.height as f64);
        let centre = (shape.x * w, shape.y * h);
        let half_diagonal = 0.5 * (w * w + h * h).sqrt();
        // A little width even at softness 0, so the edge does not alias.
        let softness = shape.softness.max(0.01);
        let falloff_at = |x: f64, y: f64| -> u8 {
            let d = ((x - centre.0).powi(2) + (y - centre.1).powi(2)).sqrt() / half_diagonal;
            let t = ((d - shape.radius) / softness).clamp(0.0, 1.0);
            (t * t * (3.0 - 2.0 * t) * 255.0).round() as u8
        };
        self.luma.fill_falloff(shape.width, shape.height, |x, y| falloff_at(x as f64 + 0.5, y as f64 + 0.5));
        // A chroma sample sits at the centre of its 2x2 luma block.
        self.chroma.fill_falloff(shape.width.div_ceil(2), shape.height.div_ceil(2), |x, y| {
            falloff_at(2.0 * x as f64 + 1.0, 2.0 * y as f64 + 1.0)
        });
    }

    fn luma_len(&self) -> usize {
        self.luma.gain.len()
    }

    fn chroma_len(&self) -> usize {
        self.chroma.gain.len()
    }
}

impl GainPlane {
    fn fill_falloff(&mut self, width: usize, height: usize, falloff: impl Fn(usize, usize) -> u8) {
        self.width = width;
        self.falloff.clear();
        for y in 0..height {
            self.falloff.extend((0..width).map(|x| falloff(x, y)));
        }
    }

    /// `gain = 1 - strength * falloff`, as `(g + 1) / 256`.
    fn rebuild_gain(&mut self, strength: u32) {
        self.gain.clear();
        self.gain.extend(self.falloff.iter().map(|&t| {
            let dark = (strength * t as u32 + 127) / 255;
            (256 - dark).saturating_sub(1).min(255) as u8
        }));
        self.unity.clear();
        if self.width == 0 {
            return;
        }
        for row in self.gain.chunks_exact(self.width) {
            let first = row.iter().position(|&g| g == 255);
            let last = row.iter().rposition(|&g| g == 255);
            self.unity.push(match (first, last) {
                (Some(a), Some(b)) if row[a..=b].iter().all(|&g| g == 255) => (a, b + 1),
                // No unity span: the whole row is the "left" part.
                _ => (row.len(), row.len()),
            });
        }
    }

    fn row(&self, index: usize) -> (&[u8], (usize, usize)) {
        (&self.gain[index * self.width..][..self.width], self.unity[index])
    }
}

// ---------------------------------------------------------------------------
// .cube LUT.
// ---------------------------------------------------------------------------

#[derive(Debug, thiserror::Error)]
enum CubeError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the file is {0} bytes, more than a 3D LUT needs")]
    TooBig(u64),
    #[error("line {line}: 1D LUTs ({keyword}) are not supported, use a 3D LUT")]
    OneDimensional { line: usize, keyword: String },
    #[error("line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("no LUT_3D_SIZE line: not a 3D .cube LUT")]
    MissingSize,
    #[error("LUT_3D_SIZE {size} needs {expected} table rows, found {found}")]
    WrongCount { size: usize, expected: usize, found: usize },
}

/// A parsed Adobe `.cube` 3D LUT.
#[derive(Debug)]
struct Cube {
    title: Option<String>,
    size: usize,
    domain_min: [f32; 3],
    domain_max: [f32; 3],
    /// Red varies fastest: index = r + g * size + b * size².
    table: Vec<[f32; 3]>,
}

impl Cube {
    fn load(path: &Path) -> Result<Self, CubeError> {
        let length = std::fs::metadata(path)?.len();
        if length > MAX_CUBE_FILE_BYTES {
            return Err(CubeError::TooBig(length));
        }
        let text = std::fs::read_to_string(path)?;
        Self::parse(&text)
    }

    fn parse(text: &str) -> Result<Self, CubeError> {
        let mut title = None;
        let mut size = None;
        let mut domain_min = [0.0f32; 3];
        let mut domain_max = [1.0f32; 3];
        let mut table: Vec<[f32; 3]> = Vec::new();

        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let syntax = |message: String| CubeError::Syntax { line, message };
            let mut words = content.split_whitespace();
            let first = words.next().unwrap_or_default();
            let starts_number =
                first.chars().next().is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'));

            if starts_number {
                let Some(size) = size else {
                    return Err(syntax("table data before LUT_3D_SIZE".into()));
                };
                let row = parse_triplet(content).map_err(syntax)?;
                if table.len() == size * size * size {
                    return Err(syntax(format!(
                        "more than the {} table rows LUT_3D_SIZE {size} needs",
                        size * size * size
                    )));
                }
                table.push(row);
                continue;
            }

            let rest = content[first.len()..].trim();
            match first {
                "TITLE" => title = Some(rest.trim_matches('"').to_owned()),
                "LUT_1D_SIZE" | "LUT_1D_INPUT_RANGE" => {
                    return Err(CubeError::OneDimensional { line, keyword: first.to_owned() })
                }
                "LUT_3D_SIZE" => {
                    if size.is_some() {
                        return Err(syntax("LUT_3D_SIZE given twice".into()));
                    }
                    let n: usize =
                        rest.parse().map_err(|_| syntax(format!("LUT_3D_SIZE '{rest}' is not a whole number")))?;
                    if !(2..=MAX_CUBE_SIZE).contains(&n) {
                        return Err(syntax(format!("LUT_3D_SIZE {n} is outside the supported 2..={MAX_CUBE_SIZE}")));
                    }
                    table.reserve_exact(n * n * n);
                    size = Some(n);
                }
                "DOMAIN_MIN" => domain_min = parse_triplet(rest).map_err(syntax)?,
                "DOMAIN_MAX" => domain_max = parse_triplet(rest).map_err(syntax)?,
                "LUT_3D_INPUT_RANGE" => {
                    // Resolve's variant of DOMAIN_MIN/MAX: "min max" for all channels.
                    let v: Vec<f32> = rest.split_whitespace().filter_map(|w| w.parse().ok()).collect();
                    let [lo, hi] = v[..] else {
                        return Err(syntax("LUT_3D_INPUT_RANGE needs two numbers".into()));
                    };
                    domain_min = [lo; 3];
                    domain_max = [hi; 3];
                }
                _ if first.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') => {
                    // Vendor keywords (LUT_IN_VIDEO_RANGE and the like) carry
                    // nothing we use.
                }
                _ => return Err(syntax(format!("unexpected '{first}'"))),
            }
        }

        let size = size.ok_or(CubeError::MissingSize)?;
        if (0..3).any(|c| domain_min[c] >= domain_max[c]) {
            return Err(CubeError::Syntax {
                line: 0,
                message: format!("DOMAIN_MIN {domain_min:?} is not below DOMAIN_MAX {domain_max:?}"),
            });
        }
        let expected = size * size * size;
        if table.len() != expected {
            return Err(CubeError::WrongCount { size, expected, found: table.len() });
        }
        Ok(Self { title, size, domain_min, domain_max, table })
    }

    /// Trilinear sample at `rgb`, clamped to the domain.
    fn sample(&self, rgb: [f32; 3]) -> [f32; 3] {
        let n = self.size;
        let last = (n - 1) as f32;
        let mut base = [0usize; 3];
        let mut frac = [0f32; 3];
        for c in 0..3 {
            let t = (rgb[c] - self.domain_min[c]) / (self.domain_max[c] - self.domain_min[c]);
            let p = t.clamp(0.0, 1.0) * last;
            let i = (p.floor() as usize).min(n - 2);
            base[c] = i;
            frac[c] = p - i as f32;
        }
        let at = |r: usize, g: usize, b: usize| self.table[r + g * n + b * n * n];
        let mut out = [0f32; 3];
        for (db, wb) in [(0, 1.0 - frac[2]), (1, frac[2])] {
            for (dg, wg) in [(0, 1.0 - frac[1]), (1, frac[1])] {
                for (dr, wr) in [(0, 1.0 - frac[0]), (1, frac[0])] {
                    let w = wr * wg * wb;
                    let v = at(base[0] + dr, base[1] + dg, base[2] + db);
                    for c in 0..3 {
                        out[c] += w * v[c];
                    }
                }
            }
        }
        out
    }

    fn clamp_to_domain(&self, rgb: [f32; 3]) -> [f32; 3] {
        std::array::from_fn(|c| rgb[c].clamp(self.domain_min[c], self.domain_max[c]))
    }
}

fn parse_triplet(text: &str) -> Result<[f32; 3], String> {
    let mut out = [0f32; 3];
    let mut words = text.split_whitespace();
    for slot in &mut out {
        let word = words.next().ok_or_else(|| format!("expected three numbers, found '{text}'"))?;
        let value: f32 = word.parse().map_err(|_| format!("'{word}' is not a number"))?;
        if !value.is_finite() {
            return Err(format!("'{word}' is not a finite number"));
        }
        *slot = value;
    }
    if words.next().is_some() {
        return Err(format!("expected three numbers, found '{text}'"));
    }
    Ok(out)
}

/// The `.cube` LUT as YUV->YUV tables, built once per file, strength,
/// colorimetry or tone change.
///
/// Scheme: the LUT's effect is sampled on a grid of 65 luma levels (every 4
/// codes) x 33 x 33 chroma levels (every 8 codes). Each node stores the
/// *change* the LUT makes there (`lut_strength * (cube(rgb) - rgb)`, in YUV
/// codes), not the output, so an identity LUT is exact and smooth LUTs lose
/// little to the coarse grid. Out-of-gamut nodes take the change of their
/// clamped colour. From that grid:
///
/// - luma: for each chroma node, a full 256-entry table (linear along Y, the
///   brightness/contrast table folded in). A pixel looks up the table of the
///   chroma node nearest its 2x2 block's chroma: one lookup per pixel.
/// - chroma: per 2x2 block, bilinear in U and V at the luma node nearest the
///   block's mean luma (four lookups per block), then the saturation/warmth
///   tables.
struct YuvLut {
    /// Luma change at each node, `[u][v][y]`.
    dy: Vec<i16>,
    /// Chroma change at each node, `[u][v][y]`.
    duv: Vec<[i16; 2]>,
    /// Output luma, `[u][v][256]`, with the tone table applied.
    luma: Vec<u8>,
}

const LUT_Y_NODES: usize = 65;
const LUT_C_NODES: usize = 33;
/// Distance in `duv` between neighbouring V nodes and U nodes.
const LUT_V_STEP: usize = LUT_Y_NODES;
const LUT_U_STEP: usize = LUT_C_NODES * LUT_Y_NODES;

impl YuvLut {
    /// Returns `None` when the LUT changes no node, so the pass can be skipped.
    fn build(cube: &Cube, model: &YuvModel, strength: f32, y_table: &[u8; 256]) -> Option<Self> {
        let nodes = LUT_C_NODES * LUT_C_NODES * LUT_Y_NODES;
        let mut dy = Vec::with_capacity(nodes);
        let mut duv = Vec::with_capacity(nodes);
        for ui in 0..LUT_C_NODES {
            for vi in 0..LUT_C_NODES {
                for yi in 0..LUT_Y_NODES {
                    let rgb = model.to_rgb((yi * 4) as f32, (ui * 8) as f32, (vi * 8) as f32);
                    let clamped = cube.clamp_to_domain(rgb);
                    let out = cube.sample(clamped);
                    let delta: [f32; 3] = std::array::from_fn(|c| strength * (out[c] - clamped[c]));
                    let [d_y, d_u, d_v] = model.rgb_delta_to_yuv(delta);
                    let q = |x: f32| x.round().clamp(-255.0, 255.0) as i16;
                    dy.push(q(d_y));
                    duv.push([q(d_u), q(d_v)]);
                }
            }
        }
        let changes = dy.iter().any(|&d| d != 0) || duv.iter().any(|&[u, v]| u != 0 || v != 0);
        if !changes {
            return None;
        }
        let mut lut = Self { dy, duv, luma: Vec::with_capacity(LUT_C_NODES * LUT_C_NODES * 256) };
        lut.fold_tone(y_table);
        Some(lut)
    }

    /// Rebuilds the per-pixel luma tables with a new brightness/contrast table.
    fn fold_tone(&mut self, y_table: &[u8; 256]) {
        self.luma.clear();
        for column in self.dy.chunks_exact(LUT_Y_NODES) {
            self.luma.extend((0..=255u8).map(|y| {
                let i = (y >> 2) as usize;
                let f = (y & 3) as i32;
                let d = (column[i] as i32 * (4 - f) + column[i + 1] as i32 * f + 2) >> 2;
                y_table[(y as i32 + d).clamp(0, 255) as usize]
            }));
        }
    }

    /// The output-luma table for the chroma node nearest `(u, v)`.
    #[inline]
    fn luma_table(&self, u: u8, v: u8) -> &[u8; 256] {
        let ui = (u as usize + 4) >> 3;
        let vi = (v as usize + 4) >> 3;
        let start = (ui * LUT_C_NODES + vi) * 256;
        self.luma[start..start + 256].try_into().expect("a luma table has 256 entries")
    }

    /// New chroma for a block of mean luma `y` and chroma `(u, v)`.
    #[inline(always)]
    fn chroma(&self, y: u8, u: u8, v: u8) -> (u8, u8) {
        let yi = (y as usize + 2) >> 2;
        let (ui, fu) = ((u >> 3) as usize, (u & 7) as i32);
        let (vi, fv) = ((v >> 3) as usize, (v & 7) as i32);
        let start = (ui * LUT_C_NODES + vi) * LUT_Y_NODES + yi;
        // One bounds check for the four corners.
        let cell = &self.duv[start..=start + LUT_U_STEP + LUT_V_STEP];
        let (gu, gv) = (8 - fu, 8 - fv);
        let corners = [
            (cell[0], gu.wrapping_mul(gv)),
            (cell[LUT_V_STEP], gu.wrapping_mul(fv)),
            (cell[LUT_U_STEP], fu.wrapping_mul(gv)),
            (cell[LUT_U_STEP + LUT_V_STEP], fu.wrapping_mul(fv)),
        ];
        // Small values (|delta| <= 255, weights sum to 64): wrapping ops
        // cannot wrap and skip the overflow checks of dev builds.
        let (mut sum_u, mut sum_v) = (32i32, 32i32);
        for ([du, dv], w) in corners {
            sum_u = sum_u.wrapping_add(w.wrapping_mul(du as i32));
            sum_v = sum_v.wrapping_add(w.wrapping_mul(dv as i32));
        }
        let nu = (u as i32).wrapping_add(sum_u >> 6);
        let nv = (v as i32).wrapping_add(sum_v >> 6);
        (nu.clamp(0, 255) as u8, nv.clamp(0, 255) as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity_cube(n: usize) -> Cube {
        let mut text = format!("TITLE \"identity\"\nLUT_3D_SIZE {n}\n");
        for b in 0..n {
            for g in 0..n {
                for r in 0..n {
                    let s = (n - 1) as f32;
                    text += &format!("{} {} {}\n", r as f32 / s, g as f32 / s, b as f32 / s);
                }
            }
        }
        Cube::parse(&text).expect("valid cube")
    }

    #[test]
    fn identity_cube_gives_no_table() {
        let cube = identity_cube(17);
        assert_eq!(cube.title.as_deref(), Some("identity"));
        assert!(YuvLut::build(&cube, &YuvModel::default(), 1.0, &ToneTables::default().y).is_none());
    }

    #[test]
    fn parse_errors_name_the_line() {
        let err = Cube::parse("LUT_3D_SIZE 2\n0 0 0\n1 0 zero\n").expect_err("bad number");
        assert!(err.to_string().contains("line 3"), "{err}");
        let err = Cube::parse("LUT_1D_SIZE 4\n").expect_err("1D");
        assert!(err.to_string().contains("1D"), "{err}");
        let err = Cube::parse("LUT_3D_SIZE 2\n0 0 0\n").expect_err("short");
        assert!(err.to_string().contains("found 1"), "{err}");
        assert!(matches!(Cube::parse("# nothing\n"), Err(CubeError::MissingSize)));
    }

    #[test]
    fn model_round_trip() {
        let model = YuvModel::default();
        let rgb = model.to_rgb(120.0, 100.0, 170.0);
        let back = model.rgb_delta_to_yuv(rgb);
        // Deltas are linear: converting the absolute colour gives it back
        // relative to (black, 128, 128).
        assert!((back[0] + 16.0 - 120.0).abs() < 1e-3);
        assert!((back[1] + 128.0 - 100.0).abs() < 1e-3);
        assert!((back[2] + 128.0 - 170.0).abs() < 1e-3);
    }

    #[test]
    fn unity_tone_is_identity() {
        let tables = ToneTables::new(&ToneSettings::default(), &YuvModel::default());
        assert!(tables.y_identity && tables.uv_identity);
    }
}
