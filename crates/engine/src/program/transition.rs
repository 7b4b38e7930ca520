//! Scene switches with a transition, and studio mode.
//!
//! A cut re-lays the program's stage at once. A fade lays the scene coming in on a second
//! stage (its own compositor, fed by the same sources), and `kaibofade` blends that stage's
//! newest frame into the program over the fade's length, on the program's own timestamps.
//! When the fade is complete the program's stage switches to the new scene behind the
//! incoming picture, which is held whole a moment longer, then released: no visible step, and
//! the encoder never sees anything but program frames.
//!
//! Studio mode keeps the second stage up with the preview scene, shown on the studio's
//! second preview (`Engine::take_studio_preview`) and editable while the program stays on
//! air; `take` fades (or cuts) to it, and the scenes swap, as OBS does. Out of studio mode
//! the second stage leaves once a fade is over, so an idle studio pays for one compositor.

use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

use gst::prelude::*;
use show::Transition;

use super::Program;
use crate::elements::fade::{Fade, FadePhase};
use crate::preview::PreviewFrame;
use crate::stage::Stage;
use crate::EngineError;

/// How long the incoming picture is held whole after a fade, while the program's stage
/// switches behind it.
const HOLD: Duration = Duration::from_millis(200);
/// A fade that has not completed this long after its end (its stage never delivered) is cut.
const GRACE: Duration = Duration::from_secs(3);

/// A fade under way.
pub(crate) struct Pending {
    /// The scene coming in.
    pub to: usize,
    deadline: Instant,
    /// When the fade completed and the program's stage switched.
    switched_at: Option<Instant>,
}

impl Program {
    /// Puts scene `id` on air with `transition` (a cut, or a fade of the two scenes'
    /// pictures). Its own look replaces any look picked live. A switch during a fade ends
    /// that fade at once.
    pub(crate) fn switch_scene(&mut self, id: &str, transition: Transition) -> Result<(), EngineError> {
        let index = self.scene_index(id)?;
        self.finish_transition();
        self.look_override = None;
        if transition.is_cut() || index == self.scene {
            self.scene = index;
            return self.apply_scene();
        }
        self.open_sources(index)?;
        self.ensure_incoming()?;
        self.transition =
            Some(Pending { to: index, deadline: Instant::now() + ms(transition.ms) + GRACE, switched_at: None });
        if let Err(error) = self.apply_scene() {
            self.transition = None;
            return Err(error);
        }
        self.fade.start(ms(transition.ms));
        Ok(())
    }

    /// Studio mode's take: the preview scene goes on air with `transition`, and the scene
    /// that was on air takes its place in the preview.
    pub(crate) fn take(&mut self, transition: Transition) -> Result<(), EngineError> {
        let Some(preview) = self.preview_scene else {
            return Err(EngineError::Unknown("studio mode is off: pick a preview scene first".to_owned()));
        };
        let id = self.show.scenes[preview].id.clone();
        let on_air = self.scene;
        self.switch_scene(&id, transition)?;
        self.preview_scene = Some(on_air);
        if self.transition.is_none() {
            self.apply_scene()?;
        }
        Ok(())
    }

    /// Studio mode on, with scene `id` in the preview (editable; the program stays on air).
    pub(crate) fn set_preview_scene(&mut self, id: &str) -> Result<(), EngineError> {
        let index = self.scene_index(id)?;
        self.preview_scene = Some(index);
        if self.transition.is_none() {
            self.ensure_incoming()?;
            self.apply_scene()?;
        }
        Ok(())
    }

    /// Studio mode off: the second stage leaves (after a fade under way).
    pub(crate) fn leave_studio_mode(&mut self) {
        self.preview_scene = None;
        if self.transition.is_none() {
            self.retire_incoming();
        }
    }

    /// Finds studio mode's preview scene `id` again in a show that changed (studio mode ends
    /// when the scene is gone).
    pub(crate) fn keep_preview_scene(&mut self, id: Option<&str>) {
        if self.preview_scene.is_none() {
            return;
        }
        self.preview_scene = id.and_then(|id| self.show.scenes.iter().position(|s| s.id == id));
        if self.preview_scene.is_none() && self.transition.is_none() {
            self.retire_incoming();
        }
    }

    /// The scene in studio mode's preview, when studio mode is on.
    pub(crate) fn preview_scene_id(&self) -> Option<&str> {
        self.preview_scene.map(|index| self.show.scenes[index].id.as_str())
    }

    /// Follows a fade, ten times a second from the watch thread: switches the program's
    /// stage once the fade is complete, then releases it.
    pub(crate) fn watch_transition(&mut self, now: Instant) -> Result<(), EngineError> {
        let Some(pending) = self.transition.as_mut() else { return Ok(()) };
        match (self.fade.phase(), pending.switched_at) {
            (FadePhase::Complete, None) => {
                pending.switched_at = Some(now);
                self.scene = pending.to;
                self.stage.lay_out(&self.show, self.scene, &mut self.sources)
            }
            (FadePhase::Complete, Some(at)) if now >= at + HOLD => {
                self.end_transition();
                Ok(())
            }
            (FadePhase::Fading, _) if now >= pending.deadline => {
                self.finish_transition();
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Ends a fade under way at once (a cut to its scene).
    pub(crate) fn finish_transition(&mut self) {
        let Some(pending) = self.transition.as_ref() else { return };
        if pending.switched_at.is_none() {
            self.scene = pending.to;
            if let Err(error) = self.stage.lay_out(&self.show, self.scene, &mut self.sources) {
                self.notes.push(error.to_string());
            }
        }
        self.end_transition();
    }

    fn end_transition(&mut self) {
        self.transition = None;
        self.fade.release();
        if self.preview_scene.is_some() {
            if let Err(error) = self.apply_scene() {
                self.notes.push(error.to_string());
            }
        } else {
            self.retire_incoming();
        }
    }

    fn scene_index(&self, id: &str) -> Result<usize, EngineError> {
        self.show
            .scenes
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| EngineError::Unknown(format!("there is no scene \"{id}\"")))
    }

    /// The second stage, built when first needed: its newest frame goes to the fade, and a
    /// preview of it to the studio's second preview.
    fn ensure_incoming(&mut self) -> Result<(), EngineError> {
        if self.incoming.is_some() {
            return Ok(());
        }
        self.stage_generations += 1;
        let stage = Stage::new(&self.pipeline, &format!("incoming#{}", self.stage_generations), &self.raw_caps)?;
        feed_fade(&stage, &self.fade, self.studio_preview.clone())?;
        stage.bin.sync_state_with_parent().map_err(|e| EngineError::build("incoming stage", e))?;
        self.incoming = Some(stage);
        Ok(())
    }

    /// Takes the second stage out: its pads on the sources' tees go when idle, then its bin.
    fn retire_incoming(&mut self) {
        let Some(stage) = self.incoming.take() else { return };
        let (unlinked, unlinks) = std::sync::mpsc::channel();
        let pads: usize = self.sources.iter_mut().map(|s| s.leave_stage(&stage.name, &unlinked)).sum();
        self.retirements.retire_when_unlinked(&self.pipeline, stage.bin, unlinks, pads);
    }
}

fn ms(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

/// The incoming stage's output: a tee into an appsink whose newest frame goes to the fade,
/// and into a preview branch for studio mode.
fn feed_fade(stage: &Stage, fade: &Fade, preview: SyncSender<PreviewFrame>) -> Result<(), EngineError> {
    let tee = crate::program::tee("incoming-tee")?;
    let queue = gst::ElementFactory::make("queue")
        .name("fade-queue")
        .property_from_str("leaky", "downstream")
        .property("max-size-buffers", 1u32)
        .property("max-size-bytes", 0u32)
        .property("max-size-time", 0u64)
        .build()
        .map_err(|e| EngineError::element("queue", e))?;
    let sink = gst::ElementFactory::make("appsink")
        .name("fade-sink")
        .property("sync", false)
        .property("async", false)
        .property("max-buffers", 1u32)
        .property("drop", true)
        .property("emit-signals", true)
        .build()
        .map_err(|e| EngineError::element("appsink", e))?;
    stage.bin.add_many([&tee, &queue, &sink]).map_err(|e| EngineError::build("incoming stage", e))?;
    stage
        .tail()?
        .link(&tee.static_pad("sink").ok_or_else(|| EngineError::missing_pad("tee sink"))?)
        .map_err(|e| EngineError::build("incoming stage to tee", e))?;
    gst::Element::link_many([&tee, &queue, &sink]).map_err(|e| EngineError::build("incoming stage", e))?;
    let fade = fade.downgrade();
    sink.connect("new-sample", false, move |values| {
        let ok = Some(gst::FlowReturn::Ok.to_value());
        let Some(sink) = values.first().and_then(|v| v.get::<gst::Element>().ok()) else { return ok };
        let Some(sample) = sink.emit_by_name::<Option<gst::Sample>>("pull-sample", &[]) else { return ok };
        if let (Some(fade), Some(buffer)) = (fade.upgrade(), sample.buffer_owned()) {
            fade.offer(buffer);
        }
        ok
    });
    crate::preview::attach_to(&stage.bin, &tee, "studio-preview", preview)
}
