//! One isolated sound source: a bin of its own (microphone, file, tone, silence) that can
//! fail, stall or end without stopping anything. A bin that errors is taken out and built
//! again after a wait that doubles up to 8 s (see `backoff.rs`); a bin that cannot be built (no
//! microphone, a missing file) is tried again the same way. While there is no bin, the
//! source's strip gets nothing and the mix carries on without it: that source is silence.
//!
//! ```text
//! audioN#G bin: source ─▶ [decode] ─▶ convert ─▶ resample ─▶ F32 48 kHz stereo ─▶ (ghost src) ─▶ strip
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gst::prelude::*;

use crate::audio::sources::Kind;
use crate::backoff::Backoff;
use crate::retire::Retirements;
pub(crate) use crate::source::Change;
use crate::EngineError;

/// A live source that delivers nothing for this long is lost (and rebuilt).
const STALL: Duration = Duration::from_millis(1500);

pub(crate) struct Input {
    pub kind: Kind,
    /// The bins are named `{name}#{generation}`.
    name: String,
    pipeline: gst::Pipeline,
    downstream: gst::Pad,
    bin: Option<gst::Bin>,
    generation: u64,
    epoch: Instant,
    last_buffer_ns: Arc<AtomicU64>,
    buffers: Arc<AtomicU64>,
    ended: Arc<AtomicBool>,
    /// The running time where the last buffer out of any of the source's bins ended: a
    /// looping file's next round starts there, so the loop has no gap and no overlap.
    last_end: Arc<AtomicU64>,
    pub ok: bool,
    buffers_at_loss: u64,
    retry: Backoff,
    pub retirements: Retirements,
}

impl Input {
    /// Builds the source's bin into `pipeline`, feeding `downstream`. A bin that cannot be
    /// built is not an error: the source starts lost (the note says why) and tries again.
    pub(crate) fn new(
        pipeline: &gst::Pipeline,
        name: &str,
        kind: Kind,
        downstream: gst::Pad,
    ) -> (Input, Option<String>) {
        let mut input = Input {
            kind,
            name: name.to_owned(),
            pipeline: pipeline.clone(),
            downstream,
            bin: None,
            generation: 0,
            epoch: Instant::now(),
            last_buffer_ns: Arc::new(AtomicU64::new(0)),
            buffers: Arc::new(AtomicU64::new(0)),
            ended: Arc::new(AtomicBool::new(false)),
            last_end: Arc::new(AtomicU64::new(0)),
            ok: true,
            buffers_at_loss: 0,
            retry: Backoff::default(),
            retirements: Retirements::default(),
        };
        if matches!(input.kind, Kind::Media(_)) {
            // Its layer's bin feeds the strip, and watches itself.
            return (input, None);
        }
        let note = match input.build_bin() {
            Ok(()) => None,
            Err(error) => {
                let reason = format!("{}: sending silence until it is back", error_words(&error));
                input.retry.schedule(Instant::now());
                input.lose(reason.clone());
                Some(reason)
            }
        };
        (input, note)
    }

    fn build_bin(&mut self) -> Result<(), EngineError> {
        self.generation += 1;
        let bin = gst::Bin::with_name(&format!("{}#{}", self.name, self.generation));
        let out = self.kind.build(&bin)?;
        let ghost = gst::GhostPad::builder_with_target(&out)
            .map_err(|e| EngineError::build("sound source ghost pad", e))?
            .name("src")
            .build();
        bin.add_pad(&ghost).map_err(|e| EngineError::build("sound source ghost pad", e))?;
        // First the shift to now (on the bin's last real pad), then the watch on the ghost
        // pad (which notes where each buffer ends).
        start_at_now(&out, Arc::clone(&self.last_end));
        self.watch_buffers(&ghost);
        self.pipeline.add(&bin).map_err(|e| EngineError::build("sound source", e))?;
        if let Err(error) = ghost.link(&self.downstream) {
            let _ = self.pipeline.remove(&bin);
            return Err(EngineError::build("sound source to the mix", error));
        }
        self.ended.store(false, Ordering::SeqCst);
        if let Err(error) = bin.sync_state_with_parent() {
            self.bin = Some(bin);
            self.remove_bin();
            return Err(EngineError::build("sound source start", error));
        }
        self.bin = Some(bin);
        Ok(())
    }

    /// Notes each buffer's arrival, and keeps the end of a stream inside the source (the
    /// mixer must never see an EOS from it).
    fn watch_buffers(&self, pad: &gst::GhostPad) {
        let (last, buffers, epoch) = (Arc::clone(&self.last_buffer_ns), Arc::clone(&self.buffers), self.epoch);
        let last_end = Arc::clone(&self.last_end);
        pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
            last.store(Instant::now().duration_since(epoch).as_nanos() as u64, Ordering::Relaxed);
            buffers.fetch_add(1, Ordering::Relaxed);
            if let Some(running) = crate::running_time::of_buffer(pad.upcast_ref(), info) {
                let duration = info.buffer().and_then(|b| b.duration()).map_or(0, |d| d.nseconds());
                let end = running.nseconds() as i64 + duration as i64 + pad.offset();
                last_end.store(end.max(0) as u64, Ordering::Relaxed);
            }
            gst::PadProbeReturn::Ok
        });
        let ended = Arc::clone(&self.ended);
        pad.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |_, info| {
            if info.event().map(|e| e.type_()) == Some(gst::EventType::Eos) {
                ended.store(true, Ordering::SeqCst);
                return gst::PadProbeReturn::Drop;
            }
            gst::PadProbeReturn::Ok
        });
    }

    /// Whether an element belongs to this source (`Some(false)`: an old, replaced bin).
    pub(crate) fn owns(&self, source: Option<&gst::Object>) -> Option<bool> {
        crate::retire::generation_owns(source, &self.name, self.generation)
    }

    /// The source's bin failed: it goes, silence stands in, and a new one is tried later.
    pub(crate) fn failed(&mut self, reason: &str) -> Option<Change> {
        self.remove_bin();
        self.retry.schedule(Instant::now());
        self.lose(format!("{} failed: {reason}; sending silence until it is back", self.kind.what()))
    }

    fn lose(&mut self, reason: String) -> Option<Change> {
        if !self.ok {
            return None;
        }
        self.ok = false;
        self.buffers_at_loss = self.buffers.load(Ordering::Relaxed);
        Some(Change::Lost(reason))
    }

    fn remove_bin(&mut self) {
        if let Some(bin) = self.bin.take() {
            if let Some(ghost) = bin.static_pad("src") {
                if let Some(peer) = ghost.peer() {
                    let _ = ghost.unlink(&peer);
                }
            }
            self.retirements.retire(&self.pipeline, bin);
        }
    }

    /// Called ten times a second: loops a file at its end, rebuilds a failed source when
    /// its wait is over, notices a live source that stalled, and tells when sound is back.
    pub(crate) fn watch(&mut self, now: Instant) -> Option<Change> {
        if matches!(self.kind, Kind::Media(_)) {
            return None;
        }
        if self.bin.is_some() && self.ended.swap(false, Ordering::SeqCst) {
            self.remove_bin();
            if self.kind.loops() {
                self.retry.at_once(now);
            } else {
                // A jingle that played to its end is done: silence, and nothing to tell.
                return None;
            }
        }
        if self.retry.take_due(now) {
            self.remove_bin();
            if let Err(error) = self.build_bin() {
                self.retry.schedule(now);
                return self.lose(format!("{}: sending silence until it is back", error_words(&error)));
            }
        }
        let last = self.epoch + Duration::from_nanos(self.last_buffer_ns.load(Ordering::Relaxed));
        let quiet = now.saturating_duration_since(last);
        let buffers = self.buffers.load(Ordering::Relaxed);
        let grace = now.duration_since(self.epoch) > Duration::from_secs(3);
        if self.ok && self.bin.is_some() && self.kind.is_live() && quiet > STALL && grace {
            self.remove_bin();
            self.retry.schedule(now);
            let reason = format!("{}: no sound for {} ms; opening it again", self.kind.what(), quiet.as_millis());
            return self.lose(reason);
        }
        if !self.ok && buffers > self.buffers_at_loss + 2 && quiet < Duration::from_millis(300) {
            self.ok = true;
            self.retry.reset();
            return Some(Change::Back);
        }
        None
    }

    /// Opens the source again at once, as `kind` (another microphone).
    pub(crate) fn reopen(&mut self, kind: Kind) {
        self.kind = kind;
        self.remove_bin();
        self.retry.reset();
        self.retry.at_once(Instant::now());
    }

    /// Rehearses a failure of the source's element (an unplugged microphone).
    pub(crate) fn fail_source(&self) -> bool {
        let source = self.bin.as_ref().and_then(|b| b.iterate_sources().into_iter().flatten().next());
        match source {
            Some(source) => {
                gst::element_error!(source, gst::ResourceError::Read, ["the microphone was unplugged (rehearsal)"]);
                true
            }
            None => false,
        }
    }
}

/// An engine error as words for the streamer ("no microphone found").
fn error_words(error: &EngineError) -> String {
    match error {
        EngineError::Unknown(words) => words.clone(),
        other => other.to_string(),
    }
}

/// Shifts a stream that does not start at the program's running time (a file starts at 0,
/// a rebuilt test source at its own 0) to now (or to where the last round of a looping file
/// ended, if that is later) when its first buffer arrives, so it plays from now instead of
/// being dropped as late or racing to catch up.
fn start_at_now(pad: &gst::Pad, last_end: Arc<AtomicU64>) {
    pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        let now = crate::running_time::program_now(pad).nseconds() as i64;
        let start = now.max(last_end.load(Ordering::Relaxed) as i64);
        let Some(running) = crate::running_time::of_buffer(pad, info) else { return gst::PadProbeReturn::Remove };
        let running = running.nseconds() as i64;
        // A live source already on time is left alone.
        if (start - running).abs() > 40_000_000 {
            pad.set_offset(start - running);
        }
        gst::PadProbeReturn::Remove
    });
}
