//! A stage: one compositor and its overlay, laying out one scene of the show from the
//! program's shared sources (see `source/mod.rs` for how a scene stacks).
//!
//! ```text
//!                ┌ stage bin ──────────────────────────────────────────────────────────┐
//! source tees ──▶│ queue ─▶ compositor pad (a video layer's rect)                      │
//!                │ still (a run of drawn layers under a video layer) ─▶ compositor pad │
//!                │ anchor (2x2 black) ─▶ compositor ─▶ canvas caps ─▶ kaibooverlay ─▶ src │
//!                └─────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! The program has one stage on air. Studio mode and fades add a second for the scene coming
//! in, which leaves again when it is no longer needed, so an idle studio pays for one.
//! Several canvases (issue 13) are a stage per canvas the same way.

use gst::prelude::*;
use show::{Layer, Scene, Show};

use crate::elements::overlay::Overlay as OverlayElement;
use crate::overlay::Overlay;
use crate::program::{capsfilter, make};
use crate::source::still::Frozen;
use crate::source::{self, Source, Still};
use crate::EngineError;

pub(crate) struct Stage {
    /// Its bin's name, which also names its pads on the sources' tees.
    pub name: String,
    pub bin: gst::Bin,
    compositor: gst::Element,
    overlay: Overlay,
    /// The picture that keeps the compositor going with no video layer.
    anchor: Frozen,
    stills: Vec<Still>,
    /// The scene laid out now (an index into the show's scenes).
    pub scene: usize,
}

impl Stage {
    /// Builds a stage into `pipeline` (not started, not linked downstream): its output, raw
    /// video at `raw_caps`, is [`Stage::tail`] inside the bin, or the bin's `src` pad once
    /// [`Stage::expose`]d.
    pub(crate) fn new(pipeline: &gst::Pipeline, name: &str, raw_caps: &gst::Caps) -> Result<Stage, EngineError> {
        let bin = gst::Bin::with_name(name);
        let compositor = gst::ElementFactory::make("compositor")
            .name("compositor")
            .property_from_str("background", "black")
            .build()
            .map_err(|e| EngineError::element("compositor", e))?;
        let caps = capsfilter("canvas-caps", raw_caps)?;
        let overlay_element = make("kaibooverlay", "overlay")?;
        let overlay = overlay_element
            .clone()
            .downcast::<OverlayElement>()
            .map_err(|_| EngineError::build("overlay", "kaibooverlay is not the Kaibo overlay element"))?;
        bin.add_many([&compositor, &caps, &overlay_element]).map_err(|e| EngineError::build("stage", e))?;
        gst::Element::link_many([&compositor, &caps, &overlay_element])
            .map_err(|e| EngineError::build("compositor to overlay", e))?;
        // The compositor runs with no video layer too: a 2x2 black picture keeps it going.
        let anchor = compositor.request_pad_simple("sink_%u").ok_or_else(|| EngineError::missing_pad("compositor"))?;
        anchor.set_property("zorder", 0u32);
        let black = render::Raster { x: 0, y: 0, width: 2, height: 2, stride: 8, data: [0, 0, 0, 255].repeat(4) };
        let fps = canvas_fps(raw_caps);
        let anchor = Frozen::build(&bin, "anchor", Some(&black), &raw_caps_without_size(fps), &anchor)?;
        pipeline.add(&bin).map_err(|e| EngineError::build("stage", e))?;
        Ok(Stage {
            name: name.to_owned(),
            bin,
            compositor,
            overlay: Overlay::new(overlay),
            anchor,
            stills: Vec::new(),
            scene: 0,
        })
    }

    /// Stacks scene number `scene` of `show` in list order: each video layer on a pad of its
    /// source (opened beforehand, see `Program::open_sources`), each run of drawn layers under
    /// one on a still, the drawn layers above the topmost video layer in the overlay.
    pub(crate) fn lay_out(&mut self, show: &Show, scene: usize, sources: &mut [Source]) -> Result<(), EngineError> {
        self.scene = scene;
        let scene: &Scene = &show.scenes[scene];
        let canvas = show.canvas;
        let mut zorder = 1u32;
        let mut run: Vec<&Layer> = Vec::new();
        let mut used = vec![0usize; sources.len()];
        let mut stills = 0;
        for layer in scene.layers.iter().filter(|l| l.visible()) {
            let Some(key) = source::key_of(layer) else {
                if layer.rect().is_some() {
                    run.push(layer);
                }
                continue;
            };
            if !run.is_empty() {
                let rasters = self.overlay.rasters(show, &run)?;
                if let Some(picture) = source::still::flatten(&rasters, canvas) {
                    if self.stills.len() == stills {
                        let still = Still::new(&self.bin, &self.compositor, stills, canvas.fps)?;
                        self.stills.push(still);
                    }
                    self.stills[stills].show(picture, zorder);
                    zorder += 1;
                    stills += 1;
                }
                run.clear();
            }
            let Some(index) = sources.iter().position(|s| s.key == key) else { continue };
            let pad = sources[index].slot(self, used[index])?;
            used[index] += 1;
            if let Some(rect) = layer.rect() {
                source::place(&pad, rect, canvas, zorder);
            }
            zorder += 1;
        }
        for (source, used) in sources.iter().zip(&used) {
            source.hide_slots(&self.name, *used);
        }
        for still in self.stills.iter().skip(stills) {
            still.hide();
        }
        self.overlay.show_scene(show, scene, &run, std::time::Instant::now(), std::time::SystemTime::now())
    }

    /// The stage's output inside its bin.
    pub(crate) fn tail(&self) -> Result<gst::Pad, EngineError> {
        self.bin
            .by_name("overlay")
            .and_then(|overlay| overlay.static_pad("src"))
            .ok_or_else(|| EngineError::missing_pad("overlay src"))
    }

    /// The stage's output as the bin's `src` pad, for linking outside it.
    pub(crate) fn expose(&self) -> Result<gst::Pad, EngineError> {
        let ghost = gst::GhostPad::builder_with_target(&self.tail()?)
            .map_err(|e| EngineError::build("stage ghost pad", e))?
            .name("src")
            .build();
        self.bin.add_pad(&ghost).map_err(|e| EngineError::build("stage ghost pad", e))?;
        Ok(ghost.upcast())
    }

    /// A new compositor pad fed by `queue` (already in the stage's bin), hidden until placed.
    pub(crate) fn add_input(&self, queue: &gst::Element) -> Result<gst::Pad, EngineError> {
        let pad =
            self.compositor.request_pad_simple("sink_%u").ok_or_else(|| EngineError::missing_pad("compositor sink"))?;
        pad.set_property("alpha", 0.0f64);
        queue
            .static_pad("src")
            .ok_or_else(|| EngineError::missing_pad("queue src"))?
            .link(&pad)
            .map_err(|e| EngineError::build("queue to compositor", e))?;
        Ok(pad)
    }

    /// The still picture chain of this stage that `element` belongs to.
    pub(crate) fn frozen_of(&mut self, element: &gst::Object) -> Option<&mut Frozen> {
        if self.anchor.owns(element) {
            return Some(&mut self.anchor);
        }
        self.stills.iter_mut().map(Still::frozen).find(|f| f.owns(element))
    }

    /// Redraws the countdowns on the stage whose displayed second changed.
    pub(crate) fn tick(&mut self, show: &Show, now: std::time::Instant) -> Result<(), EngineError> {
        self.overlay.tick(show, now, std::time::SystemTime::now())
    }

    /// Countdown rasters drawn so far.
    #[cfg(test)]
    pub(crate) fn countdown_renders(&self) -> u64 {
        self.overlay.countdown_renders()
    }
}

fn canvas_fps(caps: &gst::Caps) -> u32 {
    caps.structure(0)
        .and_then(|s| s.get::<gst::Fraction>("framerate").ok())
        .map_or(30, |f| (f.numer() / f.denom().max(1)).max(1) as u32)
}

/// Raw video caps with any size (for pictures the compositor places).
pub(crate) fn raw_caps_without_size(fps: u32) -> gst::Caps {
    gst_video::VideoCapsBuilder::new()
        .format(gst_video::VideoFormat::I420)
        .framerate(gst::Fraction::new(fps as i32, 1))
        .build()
}
