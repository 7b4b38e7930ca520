//! The program's video sources and how the layers of a scene stack on a stage.
//!
//! # Stacking
//!
//! Layers stack in list order, the first at the back, whatever their kind. The compositor
//! (one per canvas) has a pad per thing it stacks, each with its own `zorder`:
//!
//! ```text
//!  source (camera, media, screen), opened once per device / file / feed:
//!    input bin ─▶ [look, cameras] ─▶ selector ─▶ tee ─┬─▶ queue ─▶ compositor pad (a layer's rect)
//!    placeholder slate (one picture) ─▶ imagefreeze ─┘   └─▶ queue ─▶ compositor pad (another layer)
//!
//!  drawn layers below or between video layers (color, image, text, cards), one run at a time:
//!    appsrc (the run, flattened once) ─▶ videoconvert ─▶ imagefreeze ─▶ compositor pad (the run's box)
//!
//!  compositor (I420) ─▶ kaibooverlay (the drawn layers above the topmost video layer)
//! ```
//!
//! - A **source** is one input ([`input::Input`]): isolated in its own bin, rebuilt with
//!   backoff when it fails, ends or stays silent. While it is lost its selector switches to
//!   its placeholder slate, so the placeholder shows in every rect the source is in and the
//!   program never waits on it. Each device (file, feed) is opened once: its tee feeds one
//!   compositor pad per layer on air that shows it, so one camera can be in two rects, and
//!   scenes share it. Pads not on air have alpha 0 (the compositor skips them).
//! - **Drawn layers** above the topmost video layer of the scene go to `kaibooverlay`, which
//!   blends only the pixels they cover: static layers stay as cheap as before. A run of drawn
//!   layers *under* a video layer (a background colour or picture under a PiP camera) is
//!   flattened once into one picture and fed to its own compositor pad by imagefreeze, which
//!   repeats that one converted buffer; nothing is drawn per frame. The compositor blends
//!   I420, which has no per-pixel alpha: such a run is flattened over black within its box,
//!   exact for the bottom run (the canvas is black) and for opaque pictures; a see-through
//!   part of a run *between* two video layers hides the video under it within that box.
//!   Countdowns in such a run show the time they were drawn with.
//! - **Stages** (`stage.rs`): the compositor, its stills and its overlay lay out one scene. The
//!   program has one on air; a fade or studio mode adds a second for the scene coming in
//!   (`program/transition.rs`), fed from the same tees. Several canvases (issue 13) are a
//!   stage per canvas the same way.

mod input;
pub(crate) mod spec;
pub(crate) mod still;

use gst::prelude::*;
use show::Layer;

use crate::retire::Retirements;
use crate::stage::Stage;
use crate::EngineError;
pub(crate) use input::Change;
pub use input::SILENCE;
pub(crate) use spec::Spec;
pub(crate) use still::Still;

/// One opened input, its placeholder, and the compositor pads fed from it.
pub(crate) struct Source {
    /// What the show calls it: `camera:DEVICE`, `media:PATH-OR-URL`, `screen`.
    pub key: String,
    pub input: input::Input,
    /// The scene's look, for cameras.
    pub look: Option<gst::Element>,
    selector: gst::Element,
    live_pad: gst::Pad,
    placeholder_pad: gst::Pad,
    tee: gst::Element,
    /// The placeholder's picture chain.
    pub placeholder: still::Frozen,
    /// Compositor pads fed from the tee, one per layer of a stage that shows this source.
    slots: Vec<Slot>,
}

/// One place a source is shown: a compositor pad of a stage, fed from the source's tee.
struct Slot {
    stage: String,
    pad: gst::Pad,
    tee_pad: gst::Pad,
}

impl Source {
    /// Builds the source `index` into `pipeline`. The note says why it starts lost, if it does.
    pub(crate) fn new(
        pipeline: &gst::Pipeline,
        index: usize,
        key: String,
        spec: Spec,
        caps: &gst::Caps,
        placeholder: &render::Raster,
    ) -> Result<(Source, Option<String>), EngineError> {
        let name = format!("source{index}");
        let selector = gst::ElementFactory::make("input-selector")
            .name(format!("{name}-selector"))
            .property("sync-streams", false)
            .build()
            .map_err(|e| EngineError::element("input-selector", e))?;
        let tee = crate::program::tee(&format!("{name}-tee"))?;
        pipeline.add_many([&selector, &tee]).map_err(|e| EngineError::build("source", e))?;
        selector.link(&tee).map_err(|e| EngineError::build("selector to tee", e))?;
        let live_pad = selector.request_pad_simple("sink_%u").ok_or_else(|| EngineError::missing_pad("selector"))?;
        let placeholder_pad =
            selector.request_pad_simple("sink_%u").ok_or_else(|| EngineError::missing_pad("selector"))?;
        // Downstream first, then what feeds it: a source that pushes into an element not
        // started yet gets FLUSHING back and stops for good (a camera that never shows).
        selector.set_property("active-pad", &live_pad);
        for element in [&selector, &tee] {
            element.sync_state_with_parent().map_err(|e| EngineError::build("source start", e))?;
        }
        let placeholder = still::Frozen::build(
            pipeline.upcast_ref(),
            &format!("{name}-placeholder"),
            Some(placeholder),
            caps,
            &placeholder_pad,
        )?;
        let look = if spec.is_camera() {
            let look = crate::program::make("kaibolook", &format!("{name}-look"))?;
            pipeline.add(&look).map_err(|e| EngineError::build("look", e))?;
            look.static_pad("src")
                .ok_or_else(|| EngineError::missing_pad("look src"))?
                .link(&live_pad)
                .map_err(|e| EngineError::build("look to selector", e))?;
            look.sync_state_with_parent().map_err(|e| EngineError::build("source start", e))?;
            Some(look)
        } else {
            None
        };
        let downstream = match &look {
            Some(look) => look.static_pad("sink").ok_or_else(|| EngineError::missing_pad("look sink"))?,
            None => live_pad.clone(),
        };
        let (input, note) = input::Input::new(pipeline, &name, spec, caps.clone(), downstream);
        let source =
            Source { key, input, look, selector, live_pad, placeholder_pad, tee, placeholder, slots: Vec::new() };
        source.show_live(source.input.ok);
        Ok((source, note))
    }

    /// The live picture (`true`) or the placeholder.
    pub(crate) fn show_live(&self, live: bool) {
        let pad = if live { &self.live_pad } else { &self.placeholder_pad };
        self.selector.set_property("active-pad", pad);
    }

    /// The `n`th compositor pad of this source on `stage`, made on first use (hidden until
    /// placed): a queue in the stage's bin, fed from a new pad of the source's tee.
    pub(crate) fn slot(&mut self, stage: &Stage, n: usize) -> Result<gst::Pad, EngineError> {
        loop {
            if let Some(slot) = self.slots.iter().filter(|s| s.stage == stage.name).nth(n) {
                return Ok(slot.pad.clone());
            }
            let count = self.slots.iter().filter(|s| s.stage == stage.name).count();
            let queue = gst::ElementFactory::make("queue")
                .name(format!("{}-queue{count}", self.tee.name()))
                .property_from_str("leaky", "downstream")
                .property("max-size-buffers", 2u32)
                .property("max-size-bytes", 0u32)
                .property("max-size-time", 0u64)
                .build()
                .map_err(|e| EngineError::element("queue", e))?;
            stage.bin.add(&queue).map_err(|e| EngineError::build("source queue", e))?;
            let pad = stage.add_input(&queue)?;
            queue.sync_state_with_parent().map_err(|e| EngineError::build("source queue", e))?;
            let tee_pad = self.tee.request_pad_simple("src_%u").ok_or_else(|| EngineError::missing_pad("tee src"))?;
            let queue_sink = queue.static_pad("sink").ok_or_else(|| EngineError::missing_pad("queue sink"))?;
            tee_pad.link_maybe_ghosting(&queue_sink).map_err(|e| EngineError::build("tee to queue", e))?;
            self.slots.push(Slot { stage: stage.name.clone(), pad, tee_pad });
        }
    }

    /// Hides this source's pads on `stage` beyond the first `used`.
    pub(crate) fn hide_slots(&self, stage: &str, used: usize) {
        for slot in self.slots.iter().filter(|s| s.stage == stage).skip(used) {
            slot.pad.set_property("alpha", 0.0f64);
        }
    }

    /// Unlinks this source from a stage that is leaving: each tee pad goes when idle, and
    /// `unlinked` hears of it. Returns how many pads will report.
    pub(crate) fn leave_stage(&mut self, stage: &str, unlinked: &std::sync::mpsc::Sender<()>) -> usize {
        let (leaving, staying): (Vec<Slot>, Vec<Slot>) = self.slots.drain(..).partition(|s| s.stage == stage);
        self.slots = staying;
        for slot in &leaving {
            let (tee, unlinked) = (self.tee.clone(), unlinked.clone());
            slot.tee_pad.add_probe(gst::PadProbeType::IDLE, move |pad, _| {
                if let Some(peer) = pad.peer() {
                    let _ = pad.unlink(&peer);
                }
                tee.release_request_pad(pad);
                let _ = unlinked.send(());
                gst::PadProbeReturn::Remove
            });
        }
        leaving.len()
    }

    pub(crate) fn take_retirements(&mut self) -> Retirements {
        std::mem::take(&mut self.input.retirements)
    }
}

/// The key of the source a video layer shows, or `None` for drawn and look layers.
pub(crate) fn key_of(layer: &Layer) -> Option<String> {
    match layer {
        Layer::Camera(c) => Some(format!("camera:{}", c.device)),
        Layer::Media(m) => Some(format!("media:{}", m.path.as_deref().or(m.url.as_deref()).unwrap_or_default())),
        Layer::Screen(_) => Some("screen".to_owned()),
        _ => None,
    }
}

/// The placeholder's words for a source.
pub(crate) fn placeholder_text(layer: &Layer) -> &'static str {
    match layer {
        Layer::Camera(_) => "摄像头重连中… Camera reconnecting",
        Layer::Screen(_) => "屏幕不可用 · Screen unavailable",
        _ => "视频重连中… Video reconnecting",
    }
}

/// Places a compositor pad on `rect` of the canvas at `zorder`, shown.
pub(crate) fn place(pad: &gst::Pad, rect: show::Rect, canvas: show::Canvas, zorder: u32) {
    let [x, y, w, h] = rect;
    let px = |v: f64, size: u32| (v * f64::from(size)).round() as i32;
    pad.set_property("xpos", px(x, canvas.width));
    pad.set_property("ypos", px(y, canvas.height));
    pad.set_property("width", px(w, canvas.width).max(1));
    pad.set_property("height", px(h, canvas.height).max(1));
    pad.set_property("zorder", zorder);
    pad.set_property("alpha", 1.0f64);
}
