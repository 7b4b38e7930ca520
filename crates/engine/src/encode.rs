//! The encode group: what turns the raw program into the streams the outputs carry. It is
//! attached to the running program at Go Live (or when a recording starts) and detached when
//! its last output ends, so an open studio that is not on air encodes nothing.
//!
//! ```text
//!                 ┌ encode#N bin ─────────────────────────────────────────────────────────────┐
//! raw video tee ─▶│ encoder queue ─▶ x264 ─▶ profile ─▶ h264parse ─▶ video tee ─┬─▶ output bins │
//! raw audio tee ─▶│ AAC ─▶ aacparse ─▶ audio tee ──────────────────────────────┤   (inside)    │
//!                 │ safe slate (own x264 and AAC, valves closed) ─▶ safe tees ─┘               │
//!                 └───────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! One group serves one canvas at one set of encoder settings; destinations that agree share
//! it (later issues: one group per canvas and rendition). The output bins live inside the
//! group's bin, so the group and its outputs leave the pipeline together. The bin forwards
//! its children's EOS messages (`message-forward`), so each output's end is seen on its own
//! while the program goes on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use gst::prelude::*;
use show::Show;

use crate::ingest::EncoderSettings;
use crate::program::{aac_encoder, make, tee, video_encoder};
use crate::retire::Retirements;
use crate::safe_slate::SafeSlate;
use crate::EngineError;

/// Frames out of the encoder and the running time of the last one, shared by every group a
/// program ever has, so the stats see one count.
#[derive(Clone, Default)]
pub(crate) struct EncodeCounters {
    pub frames: Arc<AtomicU64>,
    /// In nanoseconds; 0 until a group has encoded a frame.
    pub last_pts: Arc<AtomicU64>,
}

pub(crate) struct EncodeGroup {
    pub bin: gst::Bin,
    pub settings: EncoderSettings,
    pub video_tee: gst::Element,
    pub audio_tee: gst::Element,
    /// What the kill switch puts on this group's destinations.
    pub safe: Arc<SafeSlate>,
    encoder: gst::Element,
    /// The raw tees' pads that feed the group.
    feeds: Vec<(gst::Element, gst::Pad)>,
}

impl EncodeGroup {
    /// Builds group number `generation` into `pipeline` and links it to the raw tees. Works
    /// before the pipeline starts and while it runs: the group is brought up first, linked
    /// second, and x264's first frame is a keyframe.
    pub(crate) fn attach(
        pipeline: &gst::Pipeline,
        show: &Show,
        settings: EncoderSettings,
        raw_tees: [&gst::Element; 2],
        raw_caps: &gst::Caps,
        counters: &EncodeCounters,
        generation: u64,
    ) -> Result<EncodeGroup, EngineError> {
        let bin = gst::Bin::with_name(&format!("encode#{generation}"));
        bin.set_property("message-forward", true);
        let encoder_queue = gst::ElementFactory::make("queue")
            .name("encoder-queue")
            .property("max-size-time", gst::ClockTime::SECOND.nseconds())
            .property("max-size-buffers", 0u32)
            .property("max-size-bytes", 0u32)
            .build()
            .map_err(|e| EngineError::element("queue", e))?;
        let [x264, profile, parse] = video_encoder("video", &settings, show.canvas.fps)?;
        let video_tee = tee("video-tee")?;
        let video = [encoder_queue.clone(), x264.clone(), profile, parse, video_tee.clone()];
        bin.add_many(&video).map_err(|e| EngineError::build("encoder", e))?;
        gst::Element::link_many(&video).map_err(|e| EngineError::build("encoder chain", e))?;

        let aac = aac_encoder("audio-encoder", settings.audio_kbps)?;
        let audio_tee = tee("audio-tee")?;
        let audio = [aac.clone(), make("aacparse", "audio-parse")?, audio_tee.clone()];
        bin.add_many(&audio).map_err(|e| EngineError::build("audio encoder", e))?;
        gst::Element::link_many(&audio).map_err(|e| EngineError::build("audio encoder chain", e))?;

        let safe = Arc::new(SafeSlate::build(&bin, show, raw_caps, &settings)?);
        for (element, name) in [(&encoder_queue, "video"), (&aac, "audio")] {
            let target = element.static_pad("sink").ok_or_else(|| EngineError::missing_pad("encoder sink"))?;
            let ghost = gst::GhostPad::builder_with_target(&target)
                .map_err(|e| EngineError::build("encoder ghost pad", e))?
                .name(name)
                .build();
            bin.add_pad(&ghost).map_err(|e| EngineError::build("encoder ghost pad", e))?;
        }
        count_encoded(&video_tee, counters);

        pipeline.add(&bin).map_err(|e| EngineError::build("encoder", e))?;
        let mut group = EncodeGroup { bin, settings, video_tee, audio_tee, safe, encoder: x264, feeds: Vec::new() };
        if let Err(error) = group.link(raw_tees) {
            group.unlink_now();
            let _ = group.bin.set_state(gst::State::Null);
            let _ = pipeline.remove(&group.bin);
            return Err(error);
        }
        Ok(group)
    }

    fn link(&mut self, raw_tees: [&gst::Element; 2]) -> Result<(), EngineError> {
        // Up first, linked second (see `Program::add_output`).
        self.bin.sync_state_with_parent().map_err(|e| EngineError::build("encoder start", e))?;
        for (raw_tee, name) in raw_tees.into_iter().zip(["video", "audio"]) {
            let sink = self.bin.static_pad(name).ok_or_else(|| EngineError::missing_pad("encoder sink"))?;
            let pad = raw_tee.request_pad_simple("src_%u").ok_or_else(|| EngineError::missing_pad("raw tee src"))?;
            self.feeds.push((raw_tee.clone(), pad.clone()));
            pad.link(&sink).map_err(|e| EngineError::build("raw tee to encoder", e))?;
        }
        Ok(())
    }

    /// For a group that never ran: its feeds go at once.
    fn unlink_now(&mut self) {
        for (tee, pad) in self.feeds.drain(..) {
            if let Some(peer) = pad.peer() {
                let _ = pad.unlink(&peer);
            }
            tee.release_request_pad(&pad);
        }
    }

    /// Asks x264 for a keyframe (with its headers) now.
    pub(crate) fn request_keyframe(&self) {
        if let Some(pad) = self.encoder.static_pad("src") {
            pad.send_event(gst_video::UpstreamForceKeyUnitEvent::builder().all_headers(true).build());
        }
    }

    /// Takes the group out of the running program: its feeds are unlinked from the raw tees
    /// when idle (the program never sees a flushing pad), then the bin is shut down.
    pub(crate) fn detach(self, pipeline: &gst::Pipeline, retirements: &mut Retirements) {
        let (unlinked, unlinks) = std::sync::mpsc::channel();
        let pads = self.feeds.len();
        for (tee, pad) in self.feeds {
            let unlinked = unlinked.clone();
            pad.add_probe(gst::PadProbeType::IDLE, move |pad, _| {
                if let Some(peer) = pad.peer() {
                    let _ = pad.unlink(&peer);
                }
                tee.release_request_pad(pad);
                let _ = unlinked.send(());
                gst::PadProbeReturn::Remove
            });
        }
        retirements.retire_when_unlinked(pipeline, self.bin, unlinks, pads);
    }
}

/// Counts the frames out of the encoder and keeps the running time of the last one.
fn count_encoded(video_tee: &gst::Element, counters: &EncodeCounters) {
    counters.last_pts.store(0, Ordering::Relaxed);
    let Some(pad) = video_tee.static_pad("sink") else { return };
    let counters = counters.clone();
    pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        counters.frames.fetch_add(1, Ordering::Relaxed);
        if let Some(running) = crate::running_time::of_buffer(pad, info) {
            counters.last_pts.store(running.nseconds(), Ordering::Relaxed);
        }
        gst::PadProbeReturn::Ok
    });
}
