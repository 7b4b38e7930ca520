//! What the destinations put on air: the broadcast delay and the kill switch.
//!
//! ```text
//!                      ┌ delay queue (holds delay_seconds, offset +delay) ─┐
//! program tees ───────▶┤                                                   ├─▶ selector ─▶ mux ─▶ sink
//! safe tees (slate) ───┴──────────────────────────── queue ────────────────┘
//! ```
//!
//! Every destination bin holds its own delay (a queue that lets nothing out until it holds
//! `delay_seconds` of program) and an input selector between the delayed program and the
//! safe slate. The recording and the preview never pass through it: they stay live.
//!
//! The safe slate is encoded by its own x264 and AAC encoders, set up exactly like the
//! program's, so both streams share their codec headers and a muxer sees one stream. Those
//! encoders only run while some destination shows the slate: a valve in front of them is
//! closed otherwise, and an idle x264 costs nothing.
//!
//! Timestamps: the delay queue's source pad is offset by the delay, so delayed program
//! buffers leave with the running time of the moment they leave, like the slate's. The
//! muxer sees time move forward across every switch.
//!
//! Kill switch: every destination's selector goes to the slate at once, and every program
//! buffer already in a delay queue is thrown away as it comes out (it never reaches the
//! muxer). Resume: program buffers that entered before the resume are still thrown away;
//! the first keyframe that entered after it switches the destination back, which is when
//! the delay has refilled.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use gst::prelude::*;

use crate::EngineError;

/// The longest broadcast delay a destination may have.
pub const MAX_DELAY: Duration = Duration::from_secs(30);

/// Where a destination's picture comes from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AirMode {
    /// The (delayed) program.
    Program,
    /// The safe slate, after the kill switch.
    Slate,
    /// The slate, until the program that entered the delay after the resume comes out.
    Refilling,
}

/// One stream (video or audio) of one destination: the selector after its delay queue.
struct Lane {
    video: bool,
    selector: gst::Element,
    program_pad: gst::Pad,
    slate_pad: gst::Pad,
    /// The PTS of the last program buffer that entered the delay queue.
    last_in: Arc<AtomicU64>,
}

/// What the probes of one destination share.
struct AirState {
    mode: AirMode,
    /// Program buffers with a PTS at or below these (video, audio) entered the delay before
    /// the last resume, and never go on air.
    resume_after: [u64; 2],
    /// Whether each lane's selector is on the program (video, audio).
    on_program: [bool; 2],
    /// Whether the slate's video has given a keyframe since it went on air.
    slate_keyframe: bool,
}

/// The delay and kill switch of one destination bin.
pub(crate) struct AirSwitch {
    lanes: [Lane; 2],
    state: Arc<Mutex<AirState>>,
    pub delay: Duration,
}

fn lock(state: &Mutex<AirState>) -> std::sync::MutexGuard<'_, AirState> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AirSwitch {
    /// Adds the selectors to `bin` after the output's two queues, which become the delay
    /// queues. Returns the switch and, for each lane, the selector's source pad (to the
    /// muxer) and the pad the slate enters by (to ghost on the bin).
    pub(crate) fn build(
        bin: &gst::Bin,
        queues: [&gst::Element; 2],
        delay: Duration,
    ) -> Result<(AirSwitch, [(gst::Pad, gst::Pad); 2]), EngineError> {
        let delay = delay.min(MAX_DELAY);
        let (video, video_pads) = lane(bin, queues[0], true, delay)?;
        let (audio, audio_pads) = lane(bin, queues[1], false, delay)?;
        let state =
            AirState { mode: AirMode::Program, resume_after: [0, 0], on_program: [true, true], slate_keyframe: false };
        let switch = AirSwitch { lanes: [video, audio], state: Arc::new(Mutex::new(state)), delay };
        Ok((switch, [video_pads, audio_pads]))
    }

    /// Installs the probes that gate what reaches the selectors. `back_on_program` runs (on
    /// a streaming thread) each time the destination goes back to the program after a resume.
    pub(crate) fn arm(&self, back_on_program: Arc<dyn Fn() + Send + Sync>) {
        for (index, lane) in self.lanes.iter().enumerate() {
            gate_program(lane, index, &self.state, Arc::clone(&back_on_program));
            gate_slate(lane, &self.state);
        }
        if !self.delay.is_zero() {
            self.audio_waits_for_video();
        }
    }

    /// After a delay the two lanes start on their own, audio usually first: see
    /// [`crate::outputs::audio_waits_for_video`].
    fn audio_waits_for_video(&self) {
        if let (Some(audio_src), Some(video_src)) = (self.lanes[1].program_pad.peer(), self.lanes[0].program_pad.peer())
        {
            crate::outputs::audio_waits_for_video(&video_src, audio_src);
        }
    }

    pub(crate) fn mode(&self) -> AirMode {
        lock(&self.state).mode
    }

    /// Cuts to the slate now; what is in the delay never leaves.
    pub(crate) fn kill(&self) {
        let mut state = lock(&self.state);
        state.mode = AirMode::Slate;
        state.slate_keyframe = false;
        state.on_program = [false, false];
        drop(state);
        for lane in &self.lanes {
            lane.selector.set_property("active-pad", &lane.slate_pad);
        }
    }

    /// Selects the program pads for the end of the show, so the program's EOS goes through.
    /// Program buffers stay cut while the slate is on: the probes drop buffers, not events.
    pub(crate) fn end_on_program(&self) {
        for lane in &self.lanes {
            lane.selector.set_property("active-pad", &lane.program_pad);
        }
    }

    /// Lets the program refill the delay; the destination goes back to it when the first
    /// keyframe that entered after now comes out. Returns false when it was not on the slate.
    pub(crate) fn resume(&self) -> bool {
        let mut state = lock(&self.state);
        if state.mode != AirMode::Slate {
            return false;
        }
        state.mode = AirMode::Refilling;
        state.resume_after = [0, 1].map(|i| self.lanes[i].last_in.load(Ordering::Relaxed));
        true
    }
}

/// Program buffers: dropped while the slate is on; after a resume, the first fresh video
/// keyframe switches the destination back, and audio follows with its first fresh buffer.
fn gate_program(lane: &Lane, index: usize, state: &Arc<Mutex<AirState>>, back_on_program: Arc<dyn Fn() + Send + Sync>) {
    let Some(queue_src) = lane.program_pad.peer() else { return };
    let (state, selector, pad, video) =
        (Arc::clone(state), lane.selector.clone(), lane.program_pad.clone(), lane.video);
    queue_src.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        let Some(gst::PadProbeData::Buffer(buffer)) = &info.data else { return gst::PadProbeReturn::Ok };
        let mut guard = lock(&state);
        if guard.on_program[index] {
            return gst::PadProbeReturn::Ok;
        }
        let fresh = buffer.pts().map_or(0, |p| p.nseconds()) > guard.resume_after[index];
        let ready = match guard.mode {
            AirMode::Slate => false,
            AirMode::Refilling => video && fresh && !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT),
            AirMode::Program => fresh,
        };
        if !ready {
            return gst::PadProbeReturn::Drop;
        }
        guard.mode = AirMode::Program;
        guard.on_program[index] = true;
        drop(guard);
        selector.set_property("active-pad", &pad);
        if video {
            back_on_program();
        }
        gst::PadProbeReturn::Ok
    });
    // Every program buffer entering the delay: its PTS marks where a resume starts.
    let last_in = Arc::clone(&lane.last_in);
    if let Some(queue_sink) = queue_src.parent_element().and_then(|q| q.static_pad("sink")) {
        queue_sink.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            if let Some(pts) = info.buffer().and_then(|b| b.pts()) {
                last_in.store(pts.nseconds(), Ordering::Relaxed);
            }
            gst::PadProbeReturn::Ok
        });
    }
}

/// Slate buffers: through only while this destination shows the slate, video starting on a
/// keyframe. Silence needs no keyframe and is let through at once (holding its first frames
/// back here makes GStreamer 1.22 unref a missing buffer).
fn gate_slate(lane: &Lane, state: &Arc<Mutex<AirState>>) {
    let (state, video) = (Arc::clone(state), lane.video);
    lane.slate_pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        let Some(gst::PadProbeData::Buffer(buffer)) = &info.data else { return gst::PadProbeReturn::Ok };
        let mut state = lock(&state);
        if state.mode == AirMode::Program {
            return gst::PadProbeReturn::Drop;
        }
        if video && !state.slate_keyframe && !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT) {
            state.slate_keyframe = true;
        }
        if state.slate_keyframe || !video {
            gst::PadProbeReturn::Ok
        } else {
            gst::PadProbeReturn::Drop
        }
    });
}

/// One lane: `delay queue → selector.sink_0`, `slate queue → selector.sink_1`. Returns the
/// selector's source pad and the slate queue's sink pad.
fn lane(
    bin: &gst::Bin,
    delay_queue: &gst::Element,
    video: bool,
    delay: Duration,
) -> Result<(Lane, (gst::Pad, gst::Pad)), EngineError> {
    let kind = if video { "video" } else { "audio" };
    let delay_ns = delay.as_nanos() as u64;
    // Holds the delay plus the 2 s of slack every output queue has, then drops the oldest.
    delay_queue.set_property("max-size-time", delay_ns + 2 * gst::ClockTime::SECOND.nseconds());
    delay_queue.set_property("min-threshold-time", delay_ns);
    let slate_queue = gst::ElementFactory::make("queue")
        .name(format!("{kind}-slate-queue"))
        .property_from_str("leaky", "downstream")
        .build()
        .map_err(|e| EngineError::element("queue", e))?;
    let selector = gst::ElementFactory::make("input-selector")
        .name(format!("{kind}-air"))
        .property("sync-streams", false)
        .build()
        .map_err(|e| EngineError::element("input-selector", e))?;
    bin.add_many([&slate_queue, &selector]).map_err(|e| EngineError::build("air switch", e))?;
    let program_pad =
        selector.request_pad_simple("sink_%u").ok_or_else(|| EngineError::missing_pad("selector sink"))?;
    let slate_pad = selector.request_pad_simple("sink_%u").ok_or_else(|| EngineError::missing_pad("selector sink"))?;
    let delay_src = delay_queue.static_pad("src").ok_or_else(|| EngineError::missing_pad("delay queue src"))?;
    // Delayed buffers leave with the running time of the moment they leave.
    delay_src.set_offset(delay_ns as i64);
    // The queue counts the delay it holds as latency; with the offset the buffers are on
    // time again, so downstream must not wait for them that much longer.
    if delay_ns > 0 {
        delay_src.add_probe(gst::PadProbeType::QUERY_UPSTREAM | gst::PadProbeType::PULL, move |_, info| {
            if let Some(gst::PadProbeData::Query(query)) = &mut info.data {
                if let gst::QueryViewMut::Latency(latency) = query.view_mut() {
                    let (live, min, max) = latency.result();
                    let delay = gst::ClockTime::from_nseconds(delay_ns);
                    latency.set(live, min.saturating_sub(delay), max.map(|max| max.saturating_sub(delay)));
                }
            }
            gst::PadProbeReturn::Ok
        });
    }
    delay_src.link(&program_pad).map_err(|e| EngineError::build("delay to selector", e))?;
    slate_queue
        .static_pad("src")
        .ok_or_else(|| EngineError::missing_pad("slate queue src"))?
        .link(&slate_pad)
        .map_err(|e| EngineError::build("slate to selector", e))?;
    selector.set_property("active-pad", &program_pad);
    let slate_sink = slate_queue.static_pad("sink").ok_or_else(|| EngineError::missing_pad("slate queue sink"))?;
    let src = selector.static_pad("src").ok_or_else(|| EngineError::missing_pad("selector src"))?;
    let lane = Lane { video, selector, program_pad, slate_pad, last_in: Arc::new(AtomicU64::new(0)) };
    Ok((lane, (src, slate_sink)))
}
