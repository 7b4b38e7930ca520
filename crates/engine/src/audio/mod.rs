//! The sound of the program: every source of `audio.sources` isolated in its own bin, each
//! with its filters, gain and meter, into one mixer, into the raw audio tee the encode
//! groups hang from.
//!
//! ```text
//!  source N (isolated, rebuilt with backoff; see input.rs)
//!    audioN#G bin ─▶ audioN-in ─▶ audioN-filters#F ─▶ [gain] audioN-level ─▶ audioN-queue ─▶ ┐
//!                                                                          (pad offset =   │
//!  audio-anchor (live silence: the mix never waits for a source)           sync_offset_ms) ▼
//!    audiotestsrc ───────────────────────────────────────────────────────────────────▶ audio-mixer
//!  audio-mixer (audiomixer, live) ─▶ F32 48 kHz stereo ─▶ audio-master-level ─▶ audio-convert ─▶ raw-audio-tee
//! ```
//!
//! - A source that fails (a microphone unplugged, a file missing or corrupt) loses its bin;
//!   its strip then gets nothing and the mixer goes on without it (the anchor keeps the mix
//!   running): that source is silence, the others keep their level, the program never stops.
//!   It is tried again after 1 s, doubling up to 8 s, and is back when sound flows.
//! - Volume, mute and ducking are one gain per source, ramped (see `gain.rs`), ahead of the
//!   source's meter: the meters read each source after its volume. A live source reaches
//!   the gain at its "now"; a file is read ahead only as far as its queue holds
//!   ([`FILE_AHEAD`] beyond its sync offset), so a change is heard at once, and a sync
//!   offset delays the source with its changes (a mute pressed after a word lets it out).
//! - The sync offset is the offset of the source's mixer pad: later (positive) is held in
//!   the source's queue; earlier (negative) needs the mixer to wait that long for every
//!   source, so the mixer's latency covers the most negative offset of the show as opened.
//! - Filters are a bin of their own, swapped live (see `filters.rs`).

mod ducking;
mod filters;
mod gain;
mod input;
mod meters;
mod monitor;
mod sources;

use std::sync::Arc;
use std::time::{Duration, Instant};

use gst::prelude::*;
use show::{AudioChange, AudioInput, Show};

use crate::program::{capsfilter, make, tee};
use crate::retire::Retirements;
use crate::EngineError;
pub(crate) use input::Change;
pub(crate) use meters::Meters;
pub use meters::{AudioLevels, Level, SourceLevel, SILENCE_DB};
pub use monitor::MONITOR_SINK_ENV;
pub(crate) use sources::mix_caps;
pub use sources::TEST_MICROPHONE;

/// How far ahead of the mix a file is read (its queue's size beyond its sync offset).
const FILE_AHEAD: Duration = Duration::from_millis(100);
/// A live source's queue: it holds what a positive sync offset holds back.
const LIVE_QUEUE: Duration = Duration::from_secs(2);

/// The size of a source's queue, in nanoseconds.
fn queue_time(kind: &sources::Kind, sync_offset_ms: i32) -> u64 {
    if kind.is_live() {
        LIVE_QUEUE.as_nanos() as u64
    } else {
        (FILE_AHEAD.as_nanos() as u64) + u64::from(sync_offset_ms.max(0).unsigned_abs()) * 1_000_000
    }
}

/// One source's strip: its isolated input and what stays when the input is rebuilt.
struct Strip {
    input: input::Input,
    entry: gst::Element,
    filters: gst::Bin,
    filter_generation: u64,
    level: gst::Element,
    /// After the meter: to the mix, and to the operator's monitor when the source is monitored.
    split: gst::Element,
    queue: gst::Element,
    mixer_pad: gst::Pad,
    gain: Arc<gain::Gain>,
}

pub(crate) struct Mix {
    pipeline: gst::Pipeline,
    /// The sources as they are now (live changes included), in the show's order.
    inputs: Vec<AudioInput>,
    strips: Vec<Strip>,
    pub meters: Arc<Meters>,
    pub tee: gst::Element,
    /// How early (negative sync offset, in ms) a source may be played: the mixer's latency.
    earliest_ms: i32,
    retirements: Retirements,
    /// The operator's monitor, once a source is monitored.
    monitor: Option<monitor::Monitor>,
}

impl Mix {
    /// Builds the mix of `show` into `pipeline` (in the NULL state); the notes say which
    /// sources start silent, and why.
    pub(crate) fn build(pipeline: &gst::Pipeline, show: &Show) -> Result<(Mix, Vec<String>), EngineError> {
        let inputs = show.sound_sources();
        if show.audio.requires_microphone() && sources::find_microphone("auto").is_none() {
            return Err(EngineError::Unknown(
                "the show asks for a microphone (audio.source = \"microphone\") and none was found".to_owned(),
            ));
        }
        let earliest_ms = inputs.iter().map(|i| i.sync_offset_ms).min().unwrap_or(0).min(0);
        let mixer = gst::ElementFactory::make("audiomixer")
            .name("audio-mixer")
            .property("force-live", true)
            .property("latency", u64::from(earliest_ms.unsigned_abs()) * 1_000_000)
            .build()
            .map_err(|e| EngineError::element("audiomixer", e))?;
        let master = Meters::element(None)?;
        let tee = tee("raw-audio-tee")?;
        let chain = [
            mixer.clone(),
            capsfilter("audio-mix-caps", &sources::mix_caps())?,
            master,
            make("audioconvert", "audio-convert")?,
            capsfilter("audio-caps", &crate::program::audio_caps())?,
            tee.clone(),
        ];
        pipeline.add_many(&chain).map_err(|e| EngineError::build("audio mixer", e))?;
        gst::Element::link_many(&chain).map_err(|e| EngineError::build("audio mixer chain", e))?;
        let anchor = sources::test_source("silence", 440.0, 0.0)?;
        anchor.set_property("name", "audio-anchor");
        pipeline.add(&anchor).map_err(|e| EngineError::build("audio anchor", e))?;
        anchor.link(&mixer).map_err(|e| EngineError::build("audio anchor to mixer", e))?;

        let mut notes = Vec::new();
        let mut strips = Vec::new();
        for (index, source) in inputs.iter().enumerate() {
            let (strip, note) = Strip::build(pipeline, &mixer, index, show, source)?;
            if let Some(note) = note {
                notes.push(format!("sound {}: {note}", source.id));
            }
            strips.push(strip);
        }
        let gains: Vec<_> = strips.iter().map(|s| Arc::clone(&s.gain)).collect();
        let ids = inputs.iter().map(|i| i.id.clone()).collect();
        let meters = Arc::new(Meters::new(ids, ducking::Duck::rules(&inputs, &gains)));
        let mut mix = Mix {
            pipeline: pipeline.clone(),
            inputs,
            strips,
            meters,
            tee,
            earliest_ms,
            retirements: Retirements::default(),
            monitor: None,
        };
        for index in 0..mix.inputs.len() {
            if mix.inputs[index].monitor {
                if let Err(error) = mix.monitor_on(index) {
                    notes.push(error.to_string());
                    break;
                }
            }
        }
        Ok((mix, notes))
    }

    /// Whether an element belongs to a sound source (`Some(false)`: an old, replaced bin).
    pub(crate) fn owns(&self, element: Option<&gst::Object>) -> Option<bool> {
        self.strips.iter().find_map(|s| s.input.owns(element))
    }

    /// A source's element failed: it goes silent and is tried again later. The words for
    /// the streamer, when this is news.
    pub(crate) fn failed(&mut self, element: Option<&gst::Object>, reason: &str) -> Option<String> {
        let index = self.strips.iter().position(|s| s.input.owns(element) == Some(true))?;
        let change = self.strips[index].input.failed(reason);
        self.words(index, change)
    }

    /// Watches every source (ten times a second); the notices of what changed.
    pub(crate) fn watch(&mut self, now: Instant) -> Vec<String> {
        let mut notices: Vec<String> = (0..self.strips.len())
            .filter_map(|index| {
                let change = self.strips[index].input.watch(now);
                self.words(index, change)
            })
            .collect();
        if let Some(reason) = self.monitor.as_ref().and_then(|m| m.take_failure()) {
            notices.push(format!(
                "the monitor on the operator's speakers stopped ({reason}); the show goes on. Turn a source's monitor off and on to try again"
            ));
        }
        notices
    }

    /// Puts source `index` on the operator's monitor, building the monitor first if need be.
    fn monitor_on(&mut self, index: usize) -> Result<(), EngineError> {
        if self.monitor.is_none() {
            self.monitor = Some(monitor::Monitor::build(&self.pipeline)?);
        }
        let Some(monitor) = self.monitor.as_mut() else { return Ok(()) };
        monitor.revive();
        monitor.add(index, &self.strips[index].split)
    }

    fn words(&self, index: usize, change: Option<Change>) -> Option<String> {
        let id = &self.inputs[index].id;
        match change? {
            Change::Lost(reason) => Some(format!("sound {id}: {reason}")),
            Change::Back => Some(format!("sound {id}: {} is back", self.strips[index].input.kind.what())),
        }
    }

    /// The meters since the last report.
    pub(crate) fn levels(&self, now: Instant) -> AudioLevels {
        self.meters.report(now)
    }

    /// Where the sound of media layer `id` goes in: its strip's entry, if it has one.
    pub(crate) fn media_entry(&self, id: &str) -> Option<gst::Pad> {
        let strip = self.strips.iter().find(|s| matches!(&s.input.kind, sources::Kind::Media(m) if m == id))?;
        strip.entry.static_pad("sink")
    }

    /// The ids of the media layers whose sound is in the mix.
    pub(crate) fn media_ids(&self) -> impl Iterator<Item = &str> {
        self.strips.iter().filter_map(|s| match &s.input.kind {
            sources::Kind::Media(id) => Some(id.as_str()),
            _ => None,
        })
    }

    /// Lets the sound of media layer `id` be heard, or not (its layer went off air).
    pub(crate) fn set_heard(&self, id: &str, heard: bool) {
        for strip in &self.strips {
            if matches!(&strip.input.kind, sources::Kind::Media(m) if m == id) {
                strip.gain.set_heard(heard);
            }
        }
    }

    /// The sources as they are now.
    pub(crate) fn inputs(&self) -> &[AudioInput] {
        &self.inputs
    }

    /// Changes source `id` live (volume, mute, sync offset, monitor, filters, device): the
    /// encoder and the connections never notice. `show` holds the change already (checked
    /// by `Show::set_audio`). Returns a note for the operator, if any.
    pub(crate) fn set(&mut self, show: &Show, id: &str, change: &AudioChange) -> Result<Option<String>, EngineError> {
        let index = self
            .inputs
            .iter()
            .position(|i| i.id == id)
            .ok_or_else(|| EngineError::Unknown(format!("there is no sound source \"{id}\" in the open show")))?;
        let Some(wanted) = show.audio.sources.iter().find(|i| i.id == id).cloned() else {
            return Err(EngineError::Unknown(format!("there is no sound source \"{id}\" in the show")));
        };
        let mut note = None;
        let strip = &mut self.strips[index];
        if change.volume_db.is_some() || change.muted.is_some() {
            strip.gain.set(wanted.volume_db, wanted.muted);
        }
        if change.sync_offset_ms.is_some() {
            let offset = wanted.sync_offset_ms.max(self.earliest_ms);
            if offset != wanted.sync_offset_ms {
                note = Some(format!(
                    "sound {id} can be moved at most {} ms earlier in this session; reopen the show to move it {} ms earlier",
                    -self.earliest_ms, -wanted.sync_offset_ms
                ));
            }
            strip.mixer_pad.set_offset(i64::from(offset) * 1_000_000);
            strip.queue.set_property("max-size-time", queue_time(&strip.input.kind, offset));
        }
        if change.filters.is_some() && wanted.filters != self.inputs[index].filters {
            self.swap_filters(index, &wanted.filters)?;
        }
        if change.device.is_some() && wanted.device != self.inputs[index].device {
            self.strips[index].input.reopen(sources::Kind::of(show, &wanted));
        }
        if change.monitor.is_some() {
            if wanted.monitor {
                if let Err(error) = self.monitor_on(index) {
                    note = Some(format!("sound {id} cannot be monitored: {error}"));
                }
            } else if let Some(monitor) = self.monitor.as_mut() {
                monitor.remove(index, &self.strips[index].split);
            }
        }
        self.inputs[index] = wanted;
        Ok(note)
    }

    /// Puts a new filter bin between the source's entry and its meter, when the entry's pad
    /// is idle; the old bin is shut down off the streaming thread.
    fn swap_filters(&mut self, index: usize, filters: &[show::AudioFilter]) -> Result<(), EngineError> {
        let strip = &mut self.strips[index];
        strip.filter_generation += 1;
        let new = filters::build(index, strip.filter_generation, filters)?;
        self.pipeline.add(&new).map_err(|e| EngineError::build("audio filters", e))?;
        new.sync_state_with_parent().map_err(|e| EngineError::build("audio filters start", e))?;
        let old = std::mem::replace(&mut strip.filters, new.clone());
        let (entry_src, level_sink) = (pad(&strip.entry, "src")?, pad(&strip.level, "sink")?);
        let (swapped, done) = std::sync::mpsc::channel();
        let old_bin = old.clone();
        entry_src.add_probe(gst::PadProbeType::IDLE, move |entry_src, _| {
            if let (Some(old_sink), Some(old_src)) = (old_bin.static_pad("sink"), old_bin.static_pad("src")) {
                let _ = entry_src.unlink(&old_sink);
                let _ = old_src.unlink(&level_sink);
            }
            if let (Some(new_sink), Some(new_src)) = (new.static_pad("sink"), new.static_pad("src")) {
                let _ = entry_src.link(&new_sink);
                let _ = new_src.link(&level_sink);
            }
            let _ = swapped.send(());
            gst::PadProbeReturn::Remove
        });
        let (unlinks, pads) = (done, 1);
        self.retirements.retire_when_unlinked(&self.pipeline, old, unlinks, pads);
        Ok(())
    }

    /// Rehearses a failure of source `id` (as an unplugged microphone).
    pub(crate) fn inject_fault(&self, id: &str) -> Result<(), EngineError> {
        let index = self
            .inputs
            .iter()
            .position(|i| i.id == id)
            .ok_or_else(|| EngineError::Unknown(format!("there is no sound source \"{id}\"")))?;
        if self.strips[index].input.fail_source() {
            Ok(())
        } else {
            Err(EngineError::Unknown(format!("sound {id} is not open now (it is silent already)")))
        }
    }

    /// Bins being shut down, for the teardown to wait on.
    pub(crate) fn take_retirements(&mut self) -> Vec<std::thread::JoinHandle<()>> {
        let mut handles = self.retirements.take();
        for strip in &mut self.strips {
            handles.extend(std::mem::take(&mut strip.input.retirements).take());
        }
        handles
    }
}

impl Strip {
    fn build(
        pipeline: &gst::Pipeline,
        mixer: &gst::Element,
        index: usize,
        show: &Show,
        source: &AudioInput,
    ) -> Result<(Strip, Option<String>), EngineError> {
        let entry = make("identity", &format!("audio{index}-in"))?;
        let filters = filters::build(index, 0, &source.filters)?;
        let level = Meters::element(Some(index))?;
        let queue = gst::ElementFactory::make("queue")
            .name(format!("audio{index}-queue"))
            .property("max-size-time", queue_time(&sources::Kind::of(show, source), source.sync_offset_ms))
            .property("max-size-buffers", 0u32)
            .property("max-size-bytes", 0u32)
            .build()
            .map_err(|e| EngineError::element("queue", e))?;
        let split = gst::ElementFactory::make("tee")
            .name(format!("audio{index}-split"))
            .property("allow-not-linked", true)
            .build()
            .map_err(|e| EngineError::element("tee", e))?;
        pipeline
            .add_many([&entry, filters.upcast_ref(), &level, &split, &queue])
            .map_err(|e| EngineError::build("audio strip", e))?;
        gst::Element::link_many([&entry, filters.upcast_ref(), &level, &split, &queue])
            .map_err(|e| EngineError::build("audio strip chain", e))?;
        let mixer_pad = mixer.request_pad_simple("sink_%u").ok_or_else(|| EngineError::missing_pad("audiomixer"))?;
        pad(&queue, "src")?.link(&mixer_pad).map_err(|e| EngineError::build("audio strip to mixer", e))?;
        mixer_pad.set_offset(i64::from(source.sync_offset_ms) * 1_000_000);
        let gain = gain::Gain::new(source.volume_db, source.muted);
        gain.apply_on(&pad(&level, "sink")?);
        let kind = sources::Kind::of(show, source);
        let (input, note) = input::Input::new(pipeline, &format!("audio{index}"), kind, pad(&entry, "sink")?);
        Ok((Strip { input, entry, filters, filter_generation: 0, level, split, queue, mixer_pad, gain }, note))
    }
}

fn pad(element: &impl IsA<gst::Element>, name: &str) -> Result<gst::Pad, EngineError> {
    element.static_pad(name).ok_or_else(|| EngineError::missing_pad(name))
}
