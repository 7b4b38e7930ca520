//! One isolated input: a bin of its own (camera, file, feed, screen) that can fail, stall or
//! end without stopping anything else. A bin that errors or ends is taken out and built
//! again after a wait that doubles up to 8 s (see `backoff.rs`); an input that delivers no frame for
//! [`SILENCE`] is lost until frames flow again (a feed that stays silent is rebuilt too).
//!
//! ```text
//! NAME#N bin: source ─▶ [decode, convert, scale, rate] ─▶ I420 canvas caps ─▶ (ghost src) ─▶ downstream
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gst::prelude::*;

use crate::backoff::Backoff;
use crate::retire::Retirements;
use crate::source::spec::Spec;
use crate::EngineError;

/// An input that delivers no frame for this long is lost.
pub const SILENCE: Duration = Duration::from_millis(500);

/// What changed about an input since the last look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    Lost(String),
    Back,
}

pub(crate) struct Input {
    spec: Spec,
    /// The bins are named `{name}#{generation}`.
    name: String,
    caps: gst::Caps,
    pipeline: gst::Pipeline,
    downstream: gst::Pad,
    bin: Option<gst::Bin>,
    generation: u64,
    epoch: Instant,
    /// When the last frame left the bin, in nanoseconds since `epoch`.
    last_frame_ns: Arc<AtomicU64>,
    frames: Arc<AtomicU64>,
    /// Set by the bin's ghost pad when its stream ends (a file at its end, a feed that stopped).
    ended: Arc<AtomicBool>,
    frozen_until: Arc<Mutex<Option<Instant>>>,
    pub ok: bool,
    frames_at_loss: u64,
    retry: Backoff,
    pub retirements: Retirements,
}

impl Input {
    /// Builds the input's bin into `pipeline`, feeding `downstream`. A bin that cannot be
    /// built (no display for the screen...) is not an error: the input starts lost and
    /// tries again later.
    pub(crate) fn new(
        pipeline: &gst::Pipeline,
        name: &str,
        spec: Spec,
        caps: gst::Caps,
        downstream: gst::Pad,
    ) -> (Input, Option<String>) {
        let mut input = Input {
            spec,
            name: name.to_owned(),
            caps,
            pipeline: pipeline.clone(),
            downstream,
            bin: None,
            generation: 0,
            epoch: Instant::now(),
            last_frame_ns: Arc::new(AtomicU64::new(0)),
            frames: Arc::new(AtomicU64::new(0)),
            ended: Arc::new(AtomicBool::new(false)),
            frozen_until: Arc::new(Mutex::new(None)),
            ok: true,
            frames_at_loss: 0,
            retry: Backoff::default(),
            retirements: Retirements::default(),
        };
        let note = match input.build_bin() {
            Ok(()) => None,
            Err(error) => {
                let reason = error.to_string();
                input.retry.schedule(Instant::now());
                input.lose(reason.clone());
                Some(reason)
            }
        };
        (input, note)
    }

    pub(crate) fn spec(&self) -> &Spec {
        &self.spec
    }

    fn build_bin(&mut self) -> Result<(), EngineError> {
        self.generation += 1;
        let bin = gst::Bin::with_name(&format!("{}#{}", self.name, self.generation));
        let out = self.spec.build(&bin, &self.caps)?;
        let ghost = gst::GhostPad::builder_with_target(&out)
            .map_err(|e| EngineError::build("source ghost pad", e))?
            .name("src")
            .build();
        bin.add_pad(&ghost).map_err(|e| EngineError::build("source ghost pad", e))?;
        self.watch_frames(&ghost);
        self.pipeline.add(&bin).map_err(|e| EngineError::build("source", e))?;
        if let Err(error) = ghost.link(&self.downstream) {
            let _ = self.pipeline.remove(&bin);
            return Err(EngineError::build("source to program", error));
        }
        self.ended.store(false, Ordering::SeqCst);
        if let Err(error) = bin.sync_state_with_parent() {
            self.bin = Some(bin);
            self.remove_bin();
            return Err(EngineError::build("source start", error));
        }
        self.bin = Some(bin);
        Ok(())
    }

    /// Notes each frame's arrival, drops frames while a rehearsed freeze lasts, and keeps
    /// the end of a stream inside the input (the program must never see an EOS from it).
    fn watch_frames(&self, pad: &gst::GhostPad) {
        let (last, frames, frozen, epoch) =
            (Arc::clone(&self.last_frame_ns), Arc::clone(&self.frames), Arc::clone(&self.frozen_until), self.epoch);
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            let now = Instant::now();
            let frozen = frozen.lock().unwrap_or_else(PoisonError::into_inner).is_some_and(|until| now < until);
            if frozen {
                return gst::PadProbeReturn::Drop;
            }
            last.store(now.duration_since(epoch).as_nanos() as u64, Ordering::Relaxed);
            frames.fetch_add(1, Ordering::Relaxed);
            gst::PadProbeReturn::Ok
        });
        let ended = Arc::clone(&self.ended);
        pad.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |_, info| {
            match info.event().map(|e| e.type_()) {
                Some(gst::EventType::Eos) => {
                    ended.store(true, Ordering::SeqCst);
                    gst::PadProbeReturn::Drop
                }
                // A rebuilt bin starts a new stream; the program's own stream goes on.
                Some(gst::EventType::StreamStart)
                | Some(gst::EventType::Segment)
                | Some(gst::EventType::FlushStart) => gst::PadProbeReturn::Ok,
                _ => gst::PadProbeReturn::Ok,
            }
        });
    }

    /// Whether an element belongs to this input (`Some(false)`: an old, replaced bin).
    pub(crate) fn owns(&self, source: Option<&gst::Object>) -> Option<bool> {
        crate::retire::generation_owns(source, &self.name, self.generation)
    }

    /// The input's bin failed: it goes, and a new one is tried after a wait.
    pub(crate) fn failed(&mut self, reason: &str) -> Option<Change> {
        self.remove_bin();
        self.retry.schedule(Instant::now());
        self.lose(format!("{} failed: {reason}", self.spec.what()))
    }

    fn lose(&mut self, reason: String) -> Option<Change> {
        if !self.ok {
            return None;
        }
        self.ok = false;
        self.frames_at_loss = self.frames.load(Ordering::Relaxed);
        Some(Change::Lost(reason))
    }

    fn remove_bin(&mut self) {
        if let Some(bin) = self.bin.take() {
            // The picture, and a media layer's sound (its strip in the mix).
            for ghost in ["src", "sound"].iter().filter_map(|name| bin.static_pad(name)) {
                if let Some(peer) = ghost.peer() {
                    let _ = ghost.unlink(&peer);
                }
            }
            self.retirements.retire(&self.pipeline, bin);
        }
    }

    /// Called ten times a second: rebuilds a failed or ended input when its wait is over,
    /// notices silence, and tells when frames flow again.
    pub(crate) fn watch(&mut self, now: Instant) -> Option<Change> {
        if self.bin.is_some() && self.ended.swap(false, Ordering::SeqCst) {
            // A looping file starts again at once; anything else that ends waits its turn.
            self.remove_bin();
            if self.spec.loops() {
                self.retry.at_once(now);
            } else {
                self.retry.schedule(now);
            }
        }
        let last = self.epoch + Duration::from_nanos(self.last_frame_ns.load(Ordering::Relaxed));
        let silent = now.saturating_duration_since(last);
        if self.bin.is_some() && !self.ok && self.spec.rebuild_when_silent() && !self.retry.is_scheduled() {
            // A feed that stays silent is listened for (or called) again.
            self.retry.schedule(now);
        }
        if self.retry.take_due(now) {
            self.remove_bin();
            if let Err(error) = self.build_bin() {
                self.retry.schedule(now);
                return self.lose(error.to_string());
            }
        }
        let frames = self.frames.load(Ordering::Relaxed);
        if self.ok && silent > SILENCE && now.duration_since(self.epoch) > Duration::from_secs(2) {
            return self.lose(format!("{}: no picture for {} ms", self.spec.what(), silent.as_millis()));
        }
        if !self.ok && frames > self.frames_at_loss + 2 && silent < Duration::from_millis(200) {
            self.ok = true;
            self.retry.reset();
            return Some(Change::Back);
        }
        None
    }

    /// Rehearses a freeze: nothing is delivered for `duration`.
    pub(crate) fn freeze(&self, duration: Duration) {
        *self.frozen_until.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now() + duration);
    }

    /// Rehearses a failure of the input's source element.
    pub(crate) fn fail_source(&self) {
        let source = self.bin.as_ref().and_then(|b| b.iterate_sources().into_iter().flatten().next());
        if let Some(source) = source {
            gst::element_error!(source, gst::ResourceError::Read, ["the camera was unplugged (rehearsal)"]);
        }
    }
}
