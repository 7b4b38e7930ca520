//! Pictures that stand still in the program: a source's placeholder slate, and runs of drawn
//! layers stacked under a video layer. Each is converted once; imagefreeze repeats the one
//! converted buffer at the canvas rate.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use gst::prelude::*;
use render::Raster;

use crate::EngineError;

/// A picture repeated live: appsrc ─▶ videoconvert ─▶ imagefreeze ─▶ capsfilter. Its
/// appsrc negotiates once, when it starts; should that fail (`not-negotiated`), the chain
/// is restarted with its picture, like any source, instead of stopping the program.
pub(crate) struct Frozen {
    source: gst::Element,
    chain: Vec<gst::Element>,
    picture: Option<Raster>,
    /// When it was restarted lately (a chain that fails over and over is a real fault).
    restarts: VecDeque<Instant>,
}

/// A chain failing more often than this within [`RESTART_WINDOW`] stops the program.
const MAX_RESTARTS: usize = 5;
const RESTART_WINDOW: Duration = Duration::from_secs(10);

impl Frozen {
    /// Builds the chain into `bin`, linked to `into`, showing `picture`.
    pub(crate) fn build(
        bin: &gst::Bin,
        name: &str,
        picture: Option<&Raster>,
        caps: &gst::Caps,
        into: &gst::Pad,
    ) -> Result<Frozen, EngineError> {
        let (source, chain) = chain(name, caps)?;
        bin.add_many(&chain).map_err(|e| EngineError::build("still", e))?;
        gst::Element::link_many(&chain).map_err(|e| EngineError::build("still", e))?;
        chain
            .last()
            .and_then(|e| e.static_pad("src"))
            .ok_or_else(|| EngineError::missing_pad("still src"))?
            .link(into)
            .map_err(|e| EngineError::build("still to program", e))?;
        let mut frozen = Frozen { source, chain, picture: None, restarts: VecDeque::new() };
        if let Some(picture) = picture {
            frozen.show(picture);
        }
        // Downstream first: the appsrc must never push into an element that is not started.
        for element in frozen.chain.iter().rev() {
            element.sync_state_with_parent().map_err(|e| EngineError::build("still start", e))?;
        }
        Ok(frozen)
    }

    /// Shows `picture` from now on (nothing is pushed when it is the one shown).
    pub(crate) fn show(&mut self, picture: &Raster) {
        if self.picture.as_ref() != Some(picture) {
            push(&self.source, picture);
            self.picture = Some(picture.clone());
        }
    }

    /// Whether `element` is one of the chain's.
    pub(crate) fn owns(&self, element: &gst::Object) -> bool {
        self.chain.iter().any(|e| e.upcast_ref::<gst::Object>() == element)
    }

    /// Starts the chain again with its picture. `false` when it has failed too often lately.
    pub(crate) fn restart(&mut self) -> bool {
        let now = Instant::now();
        self.restarts.retain(|at| now.duration_since(*at) < RESTART_WINDOW);
        if self.restarts.len() >= MAX_RESTARTS {
            return false;
        }
        self.restarts.push_back(now);
        // On a thread of its own: a state change waits for the chain's streaming thread,
        // which may be blocked downstream; the bus reader (and the engine's lock) must not.
        let (chain, source, picture) = (self.chain.clone(), self.source.clone(), self.picture.clone());
        let held = held_by_selector(&chain);
        std::thread::spawn(move || {
            // A placeholder's streaming thread may be held in its input-selector (an inactive
            // pad's serialized event waits there): stopping the chain would wait for it
            // forever, and the program's shutdown behind it. A flush of that pad wakes it; an
            // inactive pad's flush goes no further. Nothing else is flushed: from an active pad
            // or a compositor pad, a flush would go on through the tee to the program.
            if let Some(pad) = &held {
                pad.send_event(gst::event::FlushStart::new());
            }
            for element in &chain {
                let _ = element.set_state(gst::State::Null);
            }
            if let Some(pad) = &held {
                pad.send_event(gst::event::FlushStop::new(false));
            }
            for element in chain.iter().rev() {
                let _ = element.sync_state_with_parent();
            }
            if let Some(picture) = &picture {
                push(&source, picture);
            }
        });
        true
    }
}

/// The input-selector pad `chain` feeds, when it is not the selector's active one.
fn held_by_selector(chain: &[gst::Element]) -> Option<gst::Pad> {
    let pad = chain.last()?.static_pad("src")?.peer()?;
    let selector = pad.parent_element()?;
    if selector.factory()?.name() != "input-selector" {
        return None;
    }
    let active = selector.property::<Option<gst::Pad>>("active-pad");
    (active.as_ref() != Some(&pad)).then_some(pad)
}

/// A run of drawn layers under a video layer: its own compositor pad, its picture replaced
/// when the run changes.
pub(crate) struct Still {
    frozen: Frozen,
    pub pad: gst::Pad,
}

impl Still {
    pub(crate) fn new(bin: &gst::Bin, compositor: &gst::Element, index: usize, fps: u32) -> Result<Still, EngineError> {
        let caps = gst_video::VideoCapsBuilder::new()
            .format(gst_video::VideoFormat::I420)
            .framerate(gst::Fraction::new(fps as i32, 1))
            .build();
        let pad =
            compositor.request_pad_simple("sink_%u").ok_or_else(|| EngineError::missing_pad("compositor sink"))?;
        pad.set_property("alpha", 0.0f64);
        let frozen = Frozen::build(bin, &format!("still{index}"), None, &caps, &pad)?;
        Ok(Still { frozen, pad })
    }

    /// Shows `picture` (flattened over black, even-sized) at its place, at `zorder`.
    pub(crate) fn show(&mut self, picture: Raster, zorder: u32) {
        self.pad.set_property("xpos", picture.x);
        self.pad.set_property("ypos", picture.y);
        self.pad.set_property("width", picture.width as i32);
        self.pad.set_property("height", picture.height as i32);
        self.pad.set_property("zorder", zorder);
        self.pad.set_property("alpha", 1.0f64);
        self.frozen.show(&picture);
    }

    pub(crate) fn hide(&self) {
        self.pad.set_property("alpha", 0.0f64);
    }

    pub(crate) fn frozen(&mut self) -> &mut Frozen {
        &mut self.frozen
    }
}

/// appsrc ─▶ videoconvert ─▶ imagefreeze (live, the newest picture) ─▶ capsfilter.
fn chain(name: &str, caps: &gst::Caps) -> Result<(gst::Element, Vec<gst::Element>), EngineError> {
    let source = gst::ElementFactory::make("appsrc")
        .name(format!("{name}-source"))
        .property_from_str("format", "time")
        .build()
        .map_err(|e| EngineError::element("appsrc", e))?;
    let freeze = gst::ElementFactory::make("imagefreeze")
        .name(format!("{name}-freeze"))
        .property("is-live", true)
        .property("allow-replace", true)
        .build()
        .map_err(|e| EngineError::element("imagefreeze", e))?;
    let convert = crate::program::make("videoconvert", &format!("{name}-convert"))?;
    let filter = crate::program::capsfilter(&format!("{name}-caps"), caps)?;
    Ok((source.clone(), vec![source, convert, freeze, filter]))
}

/// Sets the appsrc's caps to the picture's and hands it the picture.
///
/// The caps say progressive and square pixels outright: a compositor that has negotiated
/// adds `interlace-mode` to what its pads accept, and caps that left it open would be
/// refused (`not-negotiated`) when the picture starts while the program is negotiating.
fn push(source: &gst::Element, picture: &Raster) {
    let caps = gst_video::VideoCapsBuilder::new()
        .format(gst_video::VideoFormat::Bgra)
        .width(picture.width as i32)
        .height(picture.height as i32)
        .framerate(gst::Fraction::new(0, 1))
        .pixel_aspect_ratio(gst::Fraction::new(1, 1))
        .field("interlace-mode", "progressive")
        .build();
    source.set_property("caps", &caps);
    let mut data = Vec::with_capacity((picture.width * picture.height * 4) as usize);
    for row in 0..picture.height as usize {
        let start = row * picture.stride as usize;
        data.extend_from_slice(&picture.data[start..start + picture.width as usize * 4]);
    }
    let mut buffer = gst::Buffer::from_mut_slice(data);
    if let Some(buffer) = buffer.get_mut() {
        buffer.set_pts(gst::ClockTime::ZERO);
    }
    let _ = source.emit_by_name::<gst::FlowReturn>("push-buffer", &[&buffer]);
}

/// The rasters of a run, flattened in order over black into one picture covering their
/// union (widened to even sides for I420), clipped to the canvas.
pub(crate) fn flatten(rasters: &[Raster], canvas: show::Canvas) -> Option<Raster> {
    let (cw, ch) = (canvas.width as i32, canvas.height as i32);
    let mut bounds: Option<(i32, i32, i32, i32)> = None;
    for r in rasters {
        let (x0, y0) = (r.x.max(0), r.y.max(0));
        let (x1, y1) = ((r.x + r.width as i32).min(cw), (r.y + r.height as i32).min(ch));
        if x0 >= x1 || y0 >= y1 {
            continue;
        }
        bounds = Some(match bounds {
            None => (x0, y0, x1, y1),
            Some((a, b, c, d)) => (a.min(x0), b.min(y0), c.max(x1), d.max(y1)),
        });
    }
    let (mut x0, mut y0, mut x1, mut y1) = bounds?;
    // Even edges: I420 halves both sides.
    x0 &= !1;
    y0 &= !1;
    x1 = (x1 + 1).min(cw) & !1;
    y1 = (y1 + 1).min(ch) & !1;
    if x1 <= x0 || y1 <= y0 {
        return None;
    }
    let (w, h) = ((x1 - x0) as usize, (y1 - y0) as usize);
    let mut data = vec![0u8; w * h * 4];
    for px in data.chunks_exact_mut(4) {
        px[3] = 255;
    }
    for r in rasters {
        for row in 0..r.height as i32 {
            let y = r.y + row;
            if y < y0 || y >= y1 {
                continue;
            }
            for col in 0..r.width as i32 {
                let x = r.x + col;
                if x < x0 || x >= x1 {
                    continue;
                }
                let s = row as usize * r.stride as usize + col as usize * 4;
                let d = ((y - y0) as usize * w + (x - x0) as usize) * 4;
                let a = u32::from(r.data[s + 3]);
                for c in 0..3 {
                    // Premultiplied "over": src + dst * (1 - a).
                    let blended = u32::from(r.data[s + c]) + (u32::from(data[d + c]) * (255 - a) + 127) / 255;
                    data[d + c] = blended.min(255) as u8;
                }
            }
        }
    }
    Some(Raster { x: x0, y: y0, width: w as u32, height: h as u32, stride: (w * 4) as u32, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(x: i32, y: i32, w: u32, h: u32, bgra: [u8; 4]) -> Raster {
        Raster { x, y, width: w, height: h, stride: w * 4, data: bgra.repeat((w * h) as usize) }
    }

    #[test]
    fn a_run_flattens_in_order_over_black_on_even_edges() {
        let canvas = show::Canvas { width: 64, height: 32, fps: 30 };
        let red = solid(1, 1, 10, 10, [0, 0, 255, 255]);
        // Half-transparent white, premultiplied.
        let veil = solid(5, 5, 10, 10, [128, 128, 128, 128]);
        let flat = flatten(&[red, veil], canvas).expect("a picture");
        assert_eq!((flat.x, flat.y, flat.width, flat.height), (0, 0, 16, 16));
        assert_eq!(flat.rgba_at(2, 2), Some([255, 0, 0, 255]), "red alone");
        assert_eq!(flat.rgba_at(0, 0), Some([0, 0, 0, 255]), "black outside the layers");
        let mixed = flat.rgba_at(7, 7).expect("in the picture");
        assert!(mixed[0] > 240 && (120..136).contains(&mixed[1]), "the veil over red: {mixed:?}");
        assert_eq!(flatten(&[solid(70, 0, 4, 4, [0, 0, 0, 255])], canvas), None, "off the canvas");
    }
}
