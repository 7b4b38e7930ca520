//! The camera input, kept apart from the rest of the program so that losing it never stops
//! the show: a camera that errors or goes silent for more than half a second is replaced by
//! the slate, and its bin is rebuilt until the camera is back.
//!
//! ```text
//! camera#N bin: source ─▶ [convert, scale, rate] ─▶ I420 canvas caps ─▶ (ghost src) ─▶ look
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gst::prelude::*;

use crate::devices;
use crate::retire::Retirements;
use crate::sources::{self, CameraChoice};
use crate::EngineError;

/// A camera that delivers no frame for this long is lost.
pub const CAMERA_SILENCE: Duration = Duration::from_millis(500);
/// The first wait before rebuilding a failed camera; it doubles up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(8);

/// A camera failure to rehearse (and to test with), injected at the camera's own source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraFault {
    /// The camera delivers nothing for this long, as a stalled USB camera.
    Freeze(Duration),
    /// The camera's source element fails, as an unplugged camera.
    Error,
}

/// What changed about the camera since the last look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CameraChange {
    Lost(String),
    Back,
}

pub(crate) struct CameraInput {
    choice: CameraChoice,
    caps: gst::Caps,
    pipeline: gst::Pipeline,
    look: gst::Element,
    bin: Option<gst::Bin>,
    generation: u64,
    epoch: Instant,
    /// When the last frame left the camera bin, in nanoseconds since `epoch`.
    last_frame_ns: Arc<AtomicU64>,
    frames: Arc<AtomicU64>,
    frozen_until: Arc<Mutex<Option<Instant>>>,
    pub ok: bool,
    frames_at_loss: u64,
    retry_at: Option<Instant>,
    retry_delay: Duration,
    pub retirements: Retirements,
}

impl CameraInput {
    /// Builds the camera bin into `pipeline`, feeding `look`.
    pub(crate) fn new(
        pipeline: &gst::Pipeline,
        choice: CameraChoice,
        caps: gst::Caps,
        look: &gst::Element,
    ) -> Result<CameraInput, EngineError> {
        let mut camera = CameraInput {
            choice,
            caps,
            pipeline: pipeline.clone(),
            look: look.clone(),
            bin: None,
            generation: 0,
            epoch: Instant::now(),
            last_frame_ns: Arc::new(AtomicU64::new(0)),
            frames: Arc::new(AtomicU64::new(0)),
            frozen_until: Arc::new(Mutex::new(None)),
            ok: true,
            frames_at_loss: 0,
            retry_at: None,
            retry_delay: FIRST_RETRY,
            retirements: Retirements::default(),
        };
        camera.build_bin()?;
        Ok(camera)
    }

    fn build_bin(&mut self) -> Result<(), EngineError> {
        self.generation += 1;
        let bin = gst::Bin::with_name(&format!("camera#{}", self.generation));
        let mut chain = vec![sources::camera_element(&self.choice)?];
        if let CameraChoice::Device(device) = &self.choice {
            chain.extend(devices::mode_chain(device, &self.caps)?);
        }
        if !matches!(self.choice, CameraChoice::TestPattern { .. }) {
            chain.push(make("videoconvert")?);
            chain.push(make("videoscale")?);
            chain.push(make("videorate")?);
        }
        chain.push(
            gst::ElementFactory::make("capsfilter")
                .property("caps", &self.caps)
                .build()
                .map_err(|e| EngineError::element("capsfilter", e))?,
        );
        bin.add_many(&chain).map_err(|e| EngineError::build("camera", e))?;
        gst::Element::link_many(&chain).map_err(|e| EngineError::build("camera chain", e))?;
        let last =
            chain.last().and_then(|e| e.static_pad("src")).ok_or_else(|| EngineError::missing_pad("camera src"))?;
        let ghost = gst::GhostPad::builder_with_target(&last)
            .map_err(|e| EngineError::build("camera ghost pad", e))?
            .name("src")
            .build();
        bin.add_pad(&ghost).map_err(|e| EngineError::build("camera ghost pad", e))?;
        self.watch_frames(&ghost);
        self.pipeline.add(&bin).map_err(|e| EngineError::build("camera", e))?;
        let look_sink = self.look.static_pad("sink").ok_or_else(|| EngineError::missing_pad("look sink"))?;
        ghost.link(&look_sink).map_err(|e| EngineError::build("camera to look", e))?;
        bin.sync_state_with_parent().map_err(|e| EngineError::build("camera start", e))?;
        self.bin = Some(bin);
        Ok(())
    }

    /// Notes each frame's arrival, and drops frames while a rehearsed freeze lasts.
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
    }

    /// Whether an element belongs to the current camera bin.
    pub(crate) fn owns(&self, source: Option<&gst::Object>) -> Option<bool> {
        let mut object = source.cloned();
        while let Some(current) = object {
            if let Some(generation) = current.name().strip_prefix("camera#").and_then(|g| g.parse::<u64>().ok()) {
                return Some(generation == self.generation);
            }
            object = current.parent();
        }
        None
    }

    /// The camera's source failed: its bin goes, and a new one is tried after a wait.
    pub(crate) fn failed(&mut self, reason: &str) -> Option<CameraChange> {
        self.remove_bin();
        self.retry_at = Some(Instant::now() + self.retry_delay);
        self.retry_delay = (self.retry_delay * 2).min(MAX_RETRY);
        self.lose(format!("the camera failed: {reason}"))
    }

    fn lose(&mut self, reason: String) -> Option<CameraChange> {
        if !self.ok {
            return None;
        }
        self.ok = false;
        self.frames_at_loss = self.frames.load(Ordering::Relaxed);
        Some(CameraChange::Lost(reason))
    }

    fn remove_bin(&mut self) {
        if let Some(bin) = self.bin.take() {
            if let Some(peer) = bin.static_pad("src").and_then(|p| p.peer()) {
                let _ = bin.static_pad("src").map(|p| p.unlink(&peer));
            }
            self.retirements.retire(&self.pipeline, bin);
        }
    }

    /// Called ten times a second: notices silence, rebuilds a failed camera, and tells when
    /// frames flow again.
    pub(crate) fn watch(&mut self, now: Instant) -> Option<CameraChange> {
        if self.bin.is_none() && self.retry_at.is_some_and(|at| now >= at) {
            self.retry_at = None;
            if let Err(error) = self.build_bin() {
                self.retry_at = Some(now + self.retry_delay);
                self.retry_delay = (self.retry_delay * 2).min(MAX_RETRY);
                return self.lose(error.to_string());
            }
        }
        let last = self.epoch + Duration::from_nanos(self.last_frame_ns.load(Ordering::Relaxed));
        let silent = now.saturating_duration_since(last);
        let frames = self.frames.load(Ordering::Relaxed);
        if self.ok && silent > CAMERA_SILENCE && now.duration_since(self.epoch) > Duration::from_secs(2) {
            return self.lose(format!("no picture for {} ms", silent.as_millis()));
        }
        if !self.ok && frames > self.frames_at_loss + 2 && silent < Duration::from_millis(200) {
            self.ok = true;
            self.retry_delay = FIRST_RETRY;
            return Some(CameraChange::Back);
        }
        None
    }

    /// Opens another camera in place of this one (the operator picked another device).
    pub(crate) fn reopen(&mut self, choice: CameraChoice) -> Result<(), EngineError> {
        self.remove_bin();
        self.choice = choice;
        self.retry_at = None;
        self.retry_delay = FIRST_RETRY;
        self.build_bin()
    }

    /// Rehearses a camera failure.
    pub(crate) fn inject(&self, fault: CameraFault) {
        match fault {
            CameraFault::Freeze(duration) => {
                *self.frozen_until.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now() + duration);
            }
            CameraFault::Error => {
                let source = self.bin.as_ref().and_then(|b| b.iterate_sources().into_iter().flatten().next());
                if let Some(source) = source {
                    gst::element_error!(source, gst::ResourceError::Read, ["the camera was unplugged (rehearsal)"]);
                }
            }
        }
    }
}

fn make(factory: &str) -> Result<gst::Element, EngineError> {
    gst::ElementFactory::make(factory).build().map_err(|e| EngineError::element(factory, e))
}
