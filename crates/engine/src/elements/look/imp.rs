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
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use gst::glib;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;
use gst_video::prelude::*;
use gst_video::subclass::prelude::*;
use gst_video::VideoFrameExt;

use super::lut::{Cube, CubeError, YuvLut};
use crate::elements::yuv::YuvModel;

static CAT: LazyLock<gst::DebugCategory> =
    LazyLock::new(|| gst::DebugCategory::new("kaibolook", gst::DebugColorFlags::empty(), Some("Kaibo lighting look")));

/// Chroma shift, in 8-bit limited-range chroma steps, at `warmth` = ±1.
const WARMTH_SHIFT: f64 = 24.0;

/// Biggest `LUT_3D_SIZE` accepted. The spec allows 256, but 256³ entries are
/// 200 MB of floats; real grading LUTs are 17, 32, 33, 64 or 65.
pub(super) const MAX_CUBE_SIZE: usize = 129;

/// Refuse absurd files before reading them (a 129³ cube is about 60 MB of text).
pub(super) const MAX_CUBE_FILE_BYTES: u64 = 128 * 1024 * 1024;

/// Locks a mutex, tolerating poisoning: a panic in one thread must not take
/// the property setters of another down with it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ---------------------------------------------------------------------------
// Settings: what the user configured.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub(super) struct ToneSettings {
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

#[derive(Debug, Clone)]
struct LutSettings {
    location: String,
    strength: f64,
    /// Bumped each time `lut-location` changes to another path.
    generation: u64,
    /// The file at `location`, loaded by the thread that set it (never the
    /// streaming thread), once per path.
    cube: Option<Arc<Cube>>,
}

impl PartialEq for LutSettings {
    fn eq(&self, other: &Self) -> bool {
        self.location == other.location && self.strength == other.strength && self.generation == other.generation
    }
}

impl Default for LutSettings {
    fn default() -> Self {
        Self { location: String::new(), strength: 1.0, generation: 0, cube: None }
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
    cube: Option<Arc<Cube>>,
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
            state.cube = settings.lut.cube.clone();
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
        let name = pspec.name();
        if name == "lut-location" {
            let location: Option<String> = value.get().expect("type checked upstream");
            let location = location.unwrap_or_default();
            if lock(&self.settings).lut.location == location {
                return;
            }
            // Loaded here, on the thread that sets it, and not under the lock: a
            // warning's bus handler may set properties.
            let cube = self.load_cube(&location).map(Arc::new);
            let mut settings = lock(&self.settings);
            settings.lut.location = location;
            settings.lut.cube = cube;
            settings.lut.generation = settings.lut.generation.wrapping_add(1);
            gst::info!(CAT, imp = self, "lut-location set to '{}'", settings.lut.location);
            self.update_passthrough(&settings);
            return;
        }
        let mut settings = lock(&self.settings);
        {
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
        // The parsed LUT stays with the settings: it is loaded once per path.
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

pub(super) struct ToneTables {
    pub(super) y: [u8; 256],
    pub(super) u: [u8; 256],
    pub(super) v: [u8; 256],
    pub(super) y_identity: bool,
    pub(super) uv_identity: bool,
    /// Luma black level, the pivot of the vignette.
    pub(super) y_black: i32,
}

impl Default for ToneTables {
    fn default() -> Self {
        Self::new(&ToneSettings::default(), &YuvModel::default())
    }
}

impl ToneTables {
    pub(super) fn new(tone: &ToneSettings, model: &YuvModel) -> Self {
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
