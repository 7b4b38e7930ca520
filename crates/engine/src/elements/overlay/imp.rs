//! `kaibooverlay` implementation.
//!
//! When the layers change (or the caps do), and never per frame:
//! 1. The layers are flattened, in order, into one premultiplied RGBA picture
//!    covering their union (clipped to the canvas).
//! 2. That picture is converted to premultiplied Y, U, V (4:2:0, chroma from the
//!    2x2 average) with the colour matrix and range of the caps, plus the
//!    inverse alpha (`255 - a`) for luma and for each chroma sample.
//! 3. Each row is cut into spans: transparent (not stored, skipped), opaque
//!    (copied) and translucent (blended). Short transparent gaps and short
//!    opaque runs are folded into the translucent spans around them: blending
//!    gives exactly the same bytes there, and fewer, longer spans run faster.
//!
//! The result, [`Prepared`], sits behind an `Arc` that is swapped whole, so the
//! streaming thread only clones a pointer per frame and never waits on a
//! conversion. Per frame, for each row, opaque spans are `copy_from_slice` and
//! translucent ones `dst = src + dst * (255 - a) / 255` with a rounding-exact
//! integer division by 255. No allocation per frame.

use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use gst::glib;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;
use gst_video::prelude::*;
use gst_video::subclass::prelude::*;
use gst_video::VideoFrameExt;

use crate::elements::yuv::YuvModel;

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new("kaibooverlay", gst::DebugColorFlags::empty(), Some("Kaibo static layers"))
});

/// A transparent gap at most this long between two drawn runs is blended
/// (exactly, as a no-op) rather than splitting the span.
const MAX_SKIPPED_GAP: usize = 16;
/// An opaque run shorter than this is blended (exactly, as a copy) rather
/// than copied on its own.
const MIN_COPIED_RUN: usize = 16;

/// Locks a mutex, tolerating poisoning: a panic in one thread must not take
/// the other users of the element down with it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ---------------------------------------------------------------------------
// Settings and state.
// ---------------------------------------------------------------------------

/// What the application configured.
#[derive(Default)]
struct Settings {
    layers: Arc<Vec<render::Raster>>,
}

/// What the current run holds. Reset on stop.
#[derive(Default)]
struct State {
    /// Frame geometry and colour model from the negotiated caps.
    canvas: Option<Canvas>,
}

#[derive(Default)]
pub struct Overlay {
    settings: Mutex<Settings>,
    state: Mutex<State>,
    /// The layers ready to blend, for the streaming thread. Only ever held to
    /// clone or swap the `Arc`.
    prepared: Mutex<Option<Arc<Prepared>>>,
    /// Serialises conversions, so the last one to run sees the latest layers
    /// and caps.
    conversion: Mutex<()>,
}

#[glib::object_subclass]
impl ObjectSubclass for Overlay {
    const NAME: &'static str = "KaiboOverlay";
    type Type = super::Overlay;
    type ParentType = gst_video::VideoFilter;
}

impl Overlay {
    pub(super) fn set_layers(&self, layers: Vec<render::Raster>) {
        let layers: Vec<_> = layers.into_iter().filter(|r| r.width > 0 && r.height > 0).collect();
        gst::debug!(CAT, imp = self, "{} layer(s)", layers.len());
        lock(&self.settings).layers = Arc::new(layers);
        self.convert();
    }

    /// Converts the current layers for the current caps and puts the result
    /// on air, then chooses passthrough.
    fn convert(&self) {
        let _conversion = lock(&self.conversion);
        let layers = Arc::clone(&lock(&self.settings).layers);
        let canvas = lock(&self.state).canvas;
        let prepared = match canvas {
            Some(canvas) if !layers.is_empty() => {
                let prepared = Prepared::build(&layers, canvas);
                gst::debug!(
                    CAT,
                    imp = self,
                    "Converted {} layer(s) for {}x{}: {} luma and {} chroma spans, {} pixels",
                    layers.len(),
                    canvas.width,
                    canvas.height,
                    prepared.luma.spans.len(),
                    prepared.chroma.spans.len(),
                    prepared.y.len()
                );
                (!prepared.is_empty()).then(|| Arc::new(prepared))
            }
            _ => None,
        };
        // Without caps yet, stay out of passthrough if there is something to
        // draw: the conversion runs as soon as the caps come.
        let nothing = match canvas {
            Some(_) => prepared.is_none(),
            None => layers.is_empty(),
        };
        *lock(&self.prepared) = prepared;
        let obj = self.obj();
        if obj.is_passthrough() != nothing {
            gst::debug!(CAT, imp = self, "Passthrough {}", nothing);
            obj.set_passthrough(nothing);
            obj.reconfigure_src();
        }
    }
}

impl ObjectImpl for Overlay {
    fn constructed(&self) {
        self.parent_constructed();
        // No layers yet: don't touch the video.
        self.obj().set_passthrough(true);
    }
}

impl GstObjectImpl for Overlay {}

impl ElementImpl for Overlay {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Kaibo static layers",
                "Filter/Editor/Video",
                "Blends static premultiplied ARGB layers over YUV video, converted once per change",
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
            [("src", gst::PadDirection::Src), ("sink", gst::PadDirection::Sink)]
                .into_iter()
                .map(|(name, direction)| {
                    gst::PadTemplate::new(name, direction, gst::PadPresence::Always, &caps)
                        .expect("static pad template")
                })
                .collect()
        });
        PAD_TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for Overlay {
    const MODE: gst_base::subclass::BaseTransformMode = gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    // No layers means no work: don't even map the buffer.
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.state) = State::default();
        gst::debug!(CAT, imp = self, "Started");
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.state) = State::default();
        *lock(&self.prepared) = None;
        gst::debug!(CAT, imp = self, "Stopped");
        Ok(())
    }
}

impl VideoFilterImpl for Overlay {
    fn set_info(
        &self,
        _incaps: &gst::Caps,
        in_info: &gst_video::VideoInfo,
        _outcaps: &gst::Caps,
        _out_info: &gst_video::VideoInfo,
    ) -> Result<(), gst::LoggableError> {
        let canvas = Canvas::from_info(in_info);
        gst::debug!(CAT, imp = self, "Configured for {:?} {:?}", in_info.format(), canvas);
        let changed = {
            let mut state = lock(&self.state);
            let changed = state.canvas != Some(canvas);
            state.canvas = Some(canvas);
            changed
        };
        // Caps change rarely (once per run): converting here, on the
        // streaming thread, is the exception to "never per frame".
        if changed {
            self.convert();
        }
        Ok(())
    }

    fn transform_frame_ip(
        &self,
        frame: &mut gst_video::VideoFrameRef<&mut gst::BufferRef>,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        let prepared = lock(&self.prepared).clone();
        let Some(prepared) = prepared else {
            return Ok(gst::FlowSuccess::Ok);
        };
        if (frame.width() as usize, frame.height() as usize) != (prepared.canvas.width, prepared.canvas.height) {
            // Only between a caps change and its conversion.
            gst::debug!(CAT, imp = self, "Layers not converted for this frame size yet");
            return Ok(gst::FlowSuccess::Ok);
        }
        prepared.blend(frame).map_err(|err| {
            gst::error!(CAT, imp = self, "Cannot blend layers: {}", err);
            gst::FlowError::NotSupported
        })?;
        Ok(gst::FlowSuccess::Ok)
    }
}

// ---------------------------------------------------------------------------
// Conversion, once per change.
// ---------------------------------------------------------------------------

/// The frame size and colour model the layers are converted for.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Canvas {
    width: usize,
    height: usize,
    model: YuvModel,
}

impl Canvas {
    fn from_info(info: &gst_video::VideoInfo) -> Self {
        Self { width: info.width() as usize, height: info.height() as usize, model: YuvModel::from_info(info) }
    }
}

/// How a pixel (or a run of them) is treated per frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coverage {
    Transparent,
    Translucent,
    Opaque,
}

impl Coverage {
    fn of(alpha_sum: u32, samples: u32) -> Self {
        if alpha_sum == 0 {
            Coverage::Transparent
        } else if alpha_sum == 255 * samples {
            Coverage::Opaque
        } else {
            Coverage::Translucent
        }
    }
}

/// A run of pixels of one row that the frame loop touches.
#[derive(Debug, Clone, Copy)]
struct Span {
    /// First pixel (or chroma sample) of the run in the row.
    x: u32,
    len: u32,
    /// Where the run's values start in the packed arrays.
    offset: u32,
    opaque: bool,
}

/// The spans of every row of one plane size.
#[derive(Debug, Default)]
struct Spans {
    /// Row `r`'s spans are `spans[rows[r]..rows[r + 1]]`.
    rows: Vec<u32>,
    spans: Vec<Span>,
}

impl Spans {
    fn row(&self, row: usize) -> &[Span] {
        &self.spans[self.rows[row] as usize..self.rows[row + 1] as usize]
    }

    /// Cuts one row of coverage into spans, packing each span's values (from
    /// `values(x)`) behind `packed`. See the module doc for the folding rules.
    fn push_row<const N: usize>(
        &mut self,
        coverage: &[Coverage],
        mut values: impl FnMut(usize) -> [u8; N],
        packed: &mut [&mut Vec<u8>; N],
    ) {
        // Runs of equal coverage, transparent ones included.
        let mut runs: Vec<(Coverage, usize, usize)> = Vec::new();
        for (x, &c) in coverage.iter().enumerate() {
            match runs.last_mut() {
                Some((last, _, end)) if *last == c => *end = x + 1,
                _ => runs.push((c, x, x + 1)),
            }
        }
        // Fold short opaque runs and short inner gaps into translucent ones.
        let count = runs.len();
        for (i, run) in runs.iter_mut().enumerate() {
            let len = run.2 - run.1;
            match run.0 {
                Coverage::Opaque if len < MIN_COPIED_RUN => run.0 = Coverage::Translucent,
                Coverage::Transparent if i > 0 && i + 1 < count && len <= MAX_SKIPPED_GAP => {
                    run.0 = Coverage::Translucent
                }
                _ => {}
            }
        }
        let mut merged: Vec<(Coverage, usize, usize)> = Vec::with_capacity(runs.len());
        for run in runs {
            match merged.last_mut() {
                Some(last) if last.0 == run.0 && last.2 == run.1 => last.2 = run.2,
                _ => merged.push(run),
            }
        }
        for (c, start, end) in merged {
            if c == Coverage::Transparent {
                continue;
            }
            self.spans.push(Span {
                x: start as u32,
                len: (end - start) as u32,
                offset: packed[0].len() as u32,
                opaque: c == Coverage::Opaque,
            });
            for x in start..end {
                for (array, value) in packed.iter_mut().zip(values(x)) {
                    array.push(value);
                }
            }
        }
        self.rows.push(self.spans.len() as u32);
    }
}

/// The layers converted for one canvas, ready to blend.
struct Prepared {
    canvas: Canvas,
    luma: Spans,
    /// Premultiplied luma, then `255 - alpha`, of every luma span, packed.
    y: Vec<u8>,
    y_inverse_alpha: Vec<u8>,
    chroma: Spans,
    /// Premultiplied U and V, then `255 - alpha` (the 2x2 average), of every
    /// chroma span, packed.
    u: Vec<u8>,
    v: Vec<u8>,
    c_inverse_alpha: Vec<u8>,
}

/// The flattened layers, premultiplied `[r, g, b, a]`, over a rectangle of
/// the canvas (the union of the layers, clipped).
struct Flattened {
    x0: usize,
    y0: usize,
    width: usize,
    height: usize,
    pixels: Vec<[u8; 4]>,
}

impl Flattened {
    fn new(layers: &[render::Raster], canvas: &Canvas) -> Self {
        let clip = |r: &render::Raster| {
            let x0 = i64::from(r.x).clamp(0, canvas.width as i64) as usize;
            let y0 = i64::from(r.y).clamp(0, canvas.height as i64) as usize;
            let x1 = (i64::from(r.x) + i64::from(r.width)).clamp(0, canvas.width as i64) as usize;
            let y1 = (i64::from(r.y) + i64::from(r.height)).clamp(0, canvas.height as i64) as usize;
            (x0, y0, x1, y1)
        };
        let (mut x0, mut y0, mut x1, mut y1) = (canvas.width, canvas.height, 0, 0);
        for r in layers {
            let (a, b, c, d) = clip(r);
            if a < c && b < d {
                (x0, y0, x1, y1) = (x0.min(a), y0.min(b), x1.max(c), y1.max(d));
            }
        }
        if x0 >= x1 || y0 >= y1 {
            return Self { x0: 0, y0: 0, width: 0, height: 0, pixels: Vec::new() };
        }
        let mut flat = Self { x0, y0, width: x1 - x0, height: y1 - y0, pixels: vec![[0; 4]; (x1 - x0) * (y1 - y0)] };
        for raster in layers {
            let (cx0, cy0, cx1, cy1) = clip(raster);
            let stride = raster.stride as usize;
            for y in cy0..cy1 {
                let src_row = (y as i64 - i64::from(raster.y)) as usize;
                let src_x0 = (cx0 as i64 - i64::from(raster.x)) as usize;
                let Some(src) =
                    raster.data.get(src_row * stride + src_x0 * 4..src_row * stride + (src_x0 + cx1 - cx0) * 4)
                else {
                    // A raster shorter than it says: draw what there is.
                    break;
                };
                let dst = &mut flat.pixels[(y - y0) * flat.width + (cx0 - x0)..][..cx1 - cx0];
                for (d, s) in dst.iter_mut().zip(src.chunks_exact(4)) {
                    // Native-endian ARGB32, whatever the byte order.
                    let argb = u32::from_ne_bytes([s[0], s[1], s[2], s[3]]);
                    let [a, r, g, b] = argb.to_be_bytes();
                    *d = over([r, g, b, a], *d);
                }
            }
        }
        flat
    }

    /// The pixel at canvas `(x, y)`; transparent outside the rectangle.
    fn at(&self, x: usize, y: usize) -> [u8; 4] {
        if x < self.x0 || y < self.y0 || x >= self.x0 + self.width || y >= self.y0 + self.height {
            return [0; 4];
        }
        self.pixels[(y - self.y0) * self.width + (x - self.x0)]
    }
}

/// `src` over `dst`, both premultiplied `[r, g, b, a]`.
fn over(src: [u8; 4], dst: [u8; 4]) -> [u8; 4] {
    match src[3] {
        255 => src,
        0 if src == [0; 4] => dst,
        a => std::array::from_fn(|i| {
            (u16::from(src[i]) + u16::from(div255(u16::from(dst[i]) * u16::from(255 - a)))).min(255) as u8
        }),
    }
}

/// `x / 255`, rounded, for `x <= 255 * 255`.
#[inline(always)]
fn div255(x: u16) -> u8 {
    // Wrapping ops: no overflow is possible in range, and dev builds' overflow
    // checks would keep the frame loops from vectorising.
    let x = x.wrapping_add(128);
    (x.wrapping_add(x >> 8) >> 8) as u8
}

fn to_code(v: f32) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

impl Prepared {
    fn build(layers: &[render::Raster], canvas: Canvas) -> Self {
        let flat = Flattened::new(layers, &canvas);
        let model = canvas.model;
        let (width, height) = (canvas.width, canvas.height);
        let (chroma_width, chroma_height) = (width.div_ceil(2), height.div_ceil(2));
        let mut prepared = Prepared {
            canvas,
            luma: Spans { rows: vec![0], spans: Vec::new() },
            y: Vec::new(),
            y_inverse_alpha: Vec::new(),
            chroma: Spans { rows: vec![0], spans: Vec::new() },
            u: Vec::new(),
            v: Vec::new(),
            c_inverse_alpha: Vec::new(),
        };

        let inside_rows = |row: usize| row >= flat.y0 && row < flat.y0 + flat.height;
        let mut coverage = vec![Coverage::Transparent; width];
        for row in 0..height {
            if !inside_rows(row) {
                prepared.luma.rows.push(prepared.luma.spans.len() as u32);
                continue;
            }
            for (x, c) in coverage.iter_mut().enumerate() {
                *c = Coverage::of(u32::from(flat.at(x, row)[3]), 1);
            }
            prepared.luma.push_row(
                &coverage,
                |x| {
                    let p = flat.at(x, row);
                    let [y, _, _] = model.premultiplied(p.map(f32::from));
                    [to_code(y), 255 - p[3]]
                },
                &mut [&mut prepared.y, &mut prepared.y_inverse_alpha],
            );
        }

        // The 2x2 block of chroma sample (cx, cy): its pixels inside the
        // canvas, summed, and how many there are.
        let block = |cx: usize, cy: usize| {
            let mut sum = [0u32; 4];
            let mut n = 0u32;
            for y in [2 * cy, 2 * cy + 1] {
                for x in [2 * cx, 2 * cx + 1] {
                    if x < width && y < height {
                        let p = flat.at(x, y);
                        for (s, v) in sum.iter_mut().zip(p) {
                            *s += u32::from(v);
                        }
                        n += 1;
                    }
                }
            }
            (sum, n)
        };
        let mut coverage = vec![Coverage::Transparent; chroma_width];
        for cy in 0..chroma_height {
            if !inside_rows(2 * cy) && !inside_rows(2 * cy + 1) {
                prepared.chroma.rows.push(prepared.chroma.spans.len() as u32);
                continue;
            }
            for (cx, c) in coverage.iter_mut().enumerate() {
                let (sum, n) = block(cx, cy);
                *c = Coverage::of(sum[3], n);
            }
            prepared.chroma.push_row(
                &coverage,
                |cx| {
                    let (sum, n) = block(cx, cy);
                    let mean = sum.map(|s| s as f32 / n as f32);
                    let [_, u, v] = model.premultiplied(mean);
                    [to_code(u), to_code(v), 255 - to_code(mean[3])]
                },
                &mut [&mut prepared.u, &mut prepared.v, &mut prepared.c_inverse_alpha],
            );
        }
        prepared
    }

    fn is_empty(&self) -> bool {
        self.luma.spans.is_empty() && self.chroma.spans.is_empty()
    }
}

// ---------------------------------------------------------------------------
// Per frame.
// ---------------------------------------------------------------------------

fn stride_of(frame: &gst_video::VideoFrameRef<&mut gst::BufferRef>, plane: usize) -> Result<usize, &'static str> {
    frame.plane_stride().get(plane).and_then(|&s| usize::try_from(s).ok()).ok_or("missing or negative plane stride")
}

/// `dst = src + dst * inverse_alpha / 255`, all premultiplied.
#[inline]
fn blend_run(dst: &mut [u8], src: &[u8], inverse_alpha: &[u8]) {
    for ((d, &s), &ia) in dst.iter_mut().zip(src).zip(inverse_alpha) {
        let under = div255(u16::from(*d).wrapping_mul(u16::from(ia)));
        *d = u16::from(s).wrapping_add(u16::from(under)).min(255) as u8;
    }
}

impl Prepared {
    fn blend(&self, frame: &mut gst_video::VideoFrameRef<&mut gst::BufferRef>) -> Result<(), &'static str> {
        let (width, height) = (self.canvas.width, self.canvas.height);
        if width == 0 || height == 0 {
            return Ok(());
        }
        let (chroma_width, chroma_height) = (width.div_ceil(2), height.div_ceil(2));
        let format = frame.format();
        let y_stride = stride_of(frame, 0)?;
        let s1 = stride_of(frame, 1)?;
        let s2 = match format {
            gst_video::VideoFormat::I420 => stride_of(frame, 2)?,
            gst_video::VideoFormat::Nv12 => 0,
            _ => return Err("unsupported format"),
        };
        let [y_plane, p1, p2, _] = frame.planes_data_mut();
        let need = |stride: usize, row_len: usize, rows: usize| stride * (rows - 1) + row_len;
        if y_plane.len() < need(y_stride, width, height) {
            return Err("luma plane too small");
        }

        for row in 0..height {
            let spans = self.luma.row(row);
            if spans.is_empty() {
                continue;
            }
            let line = &mut y_plane[row * y_stride..][..width];
            for span in spans {
                let (x, len, at) = (span.x as usize, span.len as usize, span.offset as usize);
                let dst = &mut line[x..x + len];
                let src = &self.y[at..at + len];
                if span.opaque {
                    dst.copy_from_slice(src);
                } else {
                    blend_run(dst, src, &self.y_inverse_alpha[at..at + len]);
                }
            }
        }

        match format {
            gst_video::VideoFormat::I420 => {
                if p1.len() < need(s1, chroma_width, chroma_height) || p2.len() < need(s2, chroma_width, chroma_height)
                {
                    return Err("chroma plane too small");
                }
                for row in 0..chroma_height {
                    let spans = self.chroma.row(row);
                    if spans.is_empty() {
                        continue;
                    }
                    let u_line = &mut p1[row * s1..][..chroma_width];
                    let v_line = &mut p2[row * s2..][..chroma_width];
                    for span in spans {
                        let (x, len, at) = (span.x as usize, span.len as usize, span.offset as usize);
                        let (u, v) = (&self.u[at..at + len], &self.v[at..at + len]);
                        if span.opaque {
                            u_line[x..x + len].copy_from_slice(u);
                            v_line[x..x + len].copy_from_slice(v);
                        } else {
                            let inverse = &self.c_inverse_alpha[at..at + len];
                            blend_run(&mut u_line[x..x + len], u, inverse);
                            blend_run(&mut v_line[x..x + len], v, inverse);
                        }
                    }
                }
            }
            _ => {
                if p1.len() < need(s1, 2 * chroma_width, chroma_height) {
                    return Err("chroma plane too small");
                }
                for row in 0..chroma_height {
                    let spans = self.chroma.row(row);
                    if spans.is_empty() {
                        continue;
                    }
                    let line = &mut p1[row * s1..][..2 * chroma_width];
                    for span in spans {
                        let (x, len, at) = (span.x as usize, span.len as usize, span.offset as usize);
                        let pairs = line[2 * x..2 * (x + len)].chunks_exact_mut(2);
                        let values = self.u[at..at + len]
                            .iter()
                            .zip(&self.v[at..at + len])
                            .zip(&self.c_inverse_alpha[at..at + len]);
                        for (pair, ((&u, &v), &ia)) in pairs.zip(values) {
                            if span.opaque {
                                pair[0] = u;
                                pair[1] = v;
                            } else {
                                let (iu, iv) = (
                                    div255(u16::from(pair[0]).wrapping_mul(u16::from(ia))),
                                    div255(u16::from(pair[1]).wrapping_mul(u16::from(ia))),
                                );
                                pair[0] = u16::from(u).wrapping_add(u16::from(iu)).min(255) as u8;
                                pair[1] = u16::from(v).wrapping_add(u16::from(iv)).min(255) as u8;
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn div255_rounds_exactly() {
        for x in 0..=255u32 * 255 {
            let exact = (f64::from(x) / 255.0).round() as u32;
            assert_eq!(u32::from(div255(x as u16)), exact, "{x}");
        }
    }

    #[test]
    fn folding_keeps_long_runs_apart() {
        use Coverage::*;
        let mut row = vec![Transparent; 100];
        row[10..40].fill(Opaque); // long opaque run: copied
        row[40..44].fill(Translucent);
        row[44..48].fill(Transparent); // short gap: folded
        row[48..50].fill(Opaque); // short opaque: folded
        row[50..52].fill(Translucent);
        row[80..82].fill(Translucent); // after a long gap: its own span
        let mut spans = Spans { rows: vec![0], spans: Vec::new() };
        let mut packed = Vec::new();
        spans.push_row(&row, |x| [x as u8], &mut [&mut packed]);
        let got: Vec<_> = spans.row(0).iter().map(|s| (s.x, s.len, s.opaque)).collect();
        assert_eq!(got, [(10, 30, true), (40, 12, false), (80, 2, false)]);
        assert_eq!(packed.len(), 44);
        assert_eq!(packed[30], 40);
    }
}
