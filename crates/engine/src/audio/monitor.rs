//! The operator's monitor: the sources marked `monitor`, mixed on their own and played on
//! the operator's output device, never on air.
//!
//! ```text
//!  program pipeline                                                      ┌ (the program's mixer)
//!    audioN-level ─▶ audioN-split (tee) ─▶ audioN-queue ─────────────────┘
//!                                      └▶ audioN-monitor (queue, leaky) ─▶ monitor-mixer ─▶ monitor-out (fakesink)
//!  monitor pipeline (its own clock, bus and state)                                              │
//!    monitor-in (appsrc, live) ◀──────────────────────────────────────────────────────────────┘
//!      ─▶ audioconvert ─▶ audioresample ─▶ the operator's device (autoaudiosink, or KAIBO_MONITOR_SINK)
//! ```
//!
//! The device lives in a pipeline of its own, fed from a sink that never waits (not in sync,
//! not a sink the program's end waits for) and hands each buffer over: a headset that is unplugged or a sound
//! server that is not there fails that pipeline alone, with a notice, and the program never
//! notices. Nothing is built until a source is monitored.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use gst::prelude::*;

use crate::program::{capsfilter, make};
use crate::EngineError;

/// A GStreamer sink description for the operator's output (`wavenc ! filesink location=...`
/// in tests); `autoaudiosink` when unset.
pub const MONITOR_SINK_ENV: &str = "KAIBO_MONITOR_SINK";
/// How far the monitor may fall behind before it drops sound rather than wait.
const TAP_QUEUE: Duration = Duration::from_millis(200);

pub(crate) struct Monitor {
    pipeline: gst::Pipeline,
    mixer: gst::Element,
    out: gst::Element,
    /// The operator's side, once it plays.
    device: gst::Pipeline,
    /// Why the device failed, until the notice is taken.
    failure: Arc<Mutex<Option<String>>>,
    taps: HashMap<usize, Tap>,
}

/// One source's way into the monitor.
struct Tap {
    tee_pad: gst::Pad,
    queue: gst::Element,
    mixer_pad: gst::Pad,
}

impl Monitor {
    /// Builds the monitor mixer into `pipeline` (playing or not) and starts the operator's
    /// device in a pipeline of its own.
    pub(crate) fn build(pipeline: &gst::Pipeline) -> Result<Monitor, EngineError> {
        let mixer = gst::ElementFactory::make("audiomixer")
            .name("monitor-mixer")
            .property("force-live", true)
            .build()
            .map_err(|e| EngineError::element("audiomixer", e))?;
        let caps = capsfilter("monitor-caps", &super::sources::mix_caps())?;
        let out = gst::ElementFactory::make("fakesink")
            .name("monitor-out")
            .property("sync", false)
            .property("async", false)
            .build()
            .map_err(|e| EngineError::element("fakesink", e))?;
        let chain = [&mixer, &caps, &out];
        pipeline.add_many(chain).map_err(|e| EngineError::build("monitor", e))?;
        gst::Element::link_many(chain).map_err(|e| EngineError::build("monitor chain", e))?;
        // The program's end does not wait for the monitor's.
        out.unset_element_flags(gst::ElementFlags::SINK);

        let (device, input) = device_pipeline()?;
        let failure = Arc::new(Mutex::new(None));
        watch_device(&device, Arc::clone(&failure));
        let into = out.static_pad("sink").ok_or_else(|| EngineError::missing_pad("monitor out"))?;
        into.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            if let Some(buffer) = info.buffer() {
                // Timed again on arrival, on the operator's pipeline's own clock.
                let mut buffer = buffer.copy();
                {
                    let buffer = buffer.make_mut();
                    buffer.set_pts(gst::ClockTime::NONE);
                    buffer.set_dts(gst::ClockTime::NONE);
                }
                // A device that failed takes nothing more; the program goes on.
                let _ = input.emit_by_name::<gst::FlowReturn>("push-buffer", &[&buffer]);
            }
            gst::PadProbeReturn::Ok
        });
        if device.set_state(gst::State::Playing).is_err() {
            let reason = failure.lock().unwrap_or_else(PoisonError::into_inner).take();
            let _ = device.set_state(gst::State::Null);
            let _ = pipeline.remove_many(chain);
            return Err(EngineError::Unknown(format!(
                "the operator's speakers cannot play{}",
                reason.map(|r| format!(": {r}")).unwrap_or_default()
            )));
        }
        for element in chain.iter().rev() {
            element.sync_state_with_parent().map_err(|e| EngineError::build("monitor start", e))?;
        }
        Ok(Monitor { pipeline: pipeline.clone(), mixer, out, device, failure, taps: HashMap::new() })
    }

    /// Lets source `strip` (its `split` tee) be heard on the monitor.
    pub(crate) fn add(&mut self, strip: usize, split: &gst::Element) -> Result<(), EngineError> {
        if self.taps.contains_key(&strip) {
            return Ok(());
        }
        let queue = gst::ElementFactory::make("queue")
            .name(format!("audio{strip}-monitor"))
            .property_from_str("leaky", "downstream")
            .property("max-size-time", TAP_QUEUE.as_nanos() as u64)
            .property("max-size-buffers", 0u32)
            .property("max-size-bytes", 0u32)
            .build()
            .map_err(|e| EngineError::element("queue", e))?;
        self.pipeline.add(&queue).map_err(|e| EngineError::build("monitor tap", e))?;
        let mixer_pad =
            self.mixer.request_pad_simple("sink_%u").ok_or_else(|| EngineError::missing_pad("monitor mixer"))?;
        let pad = |element: &gst::Element, name: &str| {
            element.static_pad(name).ok_or_else(|| EngineError::missing_pad("monitor tap"))
        };
        pad(&queue, "src")?.link(&mixer_pad).map_err(|e| EngineError::build("monitor tap to mixer", e))?;
        queue.sync_state_with_parent().map_err(|e| EngineError::build("monitor tap start", e))?;
        let tee_pad = split.request_pad_simple("src_%u").ok_or_else(|| EngineError::missing_pad("split"))?;
        tee_pad.link(&pad(&queue, "sink")?).map_err(|e| EngineError::build("split to monitor", e))?;
        self.taps.insert(strip, Tap { tee_pad, queue, mixer_pad });
        Ok(())
    }

    /// Takes source `strip` off the monitor: its tee pad goes when idle, then its queue.
    pub(crate) fn remove(&mut self, strip: usize, split: &gst::Element) {
        let Some(tap) = self.taps.remove(&strip) else { return };
        let (split, pipeline, mixer) = (split.clone(), self.pipeline.clone(), self.mixer.clone());
        let Tap { tee_pad, queue, mixer_pad } = tap;
        tee_pad.add_probe(gst::PadProbeType::IDLE, move |pad, _| {
            if let Some(peer) = pad.peer() {
                let _ = pad.unlink(&peer);
            }
            split.release_request_pad(pad);
            let (queue, pipeline, mixer, mixer_pad) =
                (queue.clone(), pipeline.clone(), mixer.clone(), mixer_pad.clone());
            // Off the streaming thread: a state change must not run on one.
            std::thread::spawn(move || {
                let _ = queue.set_state(gst::State::Null);
                let _ = pipeline.remove(&queue);
                mixer.release_request_pad(&mixer_pad);
            });
            gst::PadProbeReturn::Remove
        });
    }

    /// Plays the operator's device again after it failed (a source is monitored anew).
    pub(crate) fn revive(&self) {
        if self.device.current_state() != gst::State::Playing {
            let _ = self.device.set_state(gst::State::Playing);
        }
    }

    /// Why the operator's device failed, once (the monitor is then silent).
    pub(crate) fn take_failure(&self) -> Option<String> {
        self.failure.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl Drop for Monitor {
    /// The operator's pipeline ends cleanly (a file sink gets its end written).
    fn drop(&mut self) {
        let _ = self.out.set_state(gst::State::Null);
        if self.device.current_state() == gst::State::Playing {
            self.device.send_event(gst::event::Eos::new());
            if let Some(bus) = self.device.bus() {
                let _ = bus.timed_pop_filtered(
                    gst::ClockTime::from_seconds(2),
                    &[gst::MessageType::Eos, gst::MessageType::Error],
                );
            }
        }
        let _ = self.device.set_state(gst::State::Null);
    }
}

/// The operator's pipeline: appsrc ─▶ convert ─▶ resample ─▶ the device.
fn device_pipeline() -> Result<(gst::Pipeline, gst::Element), EngineError> {
    let device = gst::Pipeline::with_name("monitor");
    let input = gst::ElementFactory::make("appsrc")
        .name("monitor-in")
        .property("caps", super::sources::mix_caps())
        .property("is-live", true)
        .property("do-timestamp", true)
        .property_from_str("format", "time")
        .property("max-bytes", 48_000u64 * 8 / 5)
        .property("block", false)
        .property_from_str("leaky-type", "downstream")
        .build()
        .map_err(|e| EngineError::element("appsrc", e))?;
    let sink = match std::env::var(MONITOR_SINK_ENV) {
        Ok(description) if !description.trim().is_empty() => gst::parse::bin_from_description(&description, true)
            .map_err(|e| EngineError::Unknown(format!("{MONITOR_SINK_ENV} is not a sink GStreamer can build: {e}")))?
            .upcast(),
        _ => make("autoaudiosink", "monitor-device")?,
    };
    let elements =
        [&input, &make("audioconvert", "monitor-convert")?, &make("audioresample", "monitor-resample")?, &sink];
    device.add_many(elements).map_err(|e| EngineError::build("monitor output", e))?;
    gst::Element::link_many(elements).map_err(|e| EngineError::build("monitor output chain", e))?;
    Ok((device, input))
}

/// Notes the first error of the operator's pipeline, and stops it.
fn watch_device(device: &gst::Pipeline, failure: Arc<Mutex<Option<String>>>) {
    let Some(bus) = device.bus() else { return };
    let weak = device.downgrade();
    bus.set_sync_handler(move |_, message| {
        if let gst::MessageView::Error(error) = message.view() {
            let mut failure = failure.lock().unwrap_or_else(PoisonError::into_inner);
            if failure.is_none() {
                *failure = Some(error.error().to_string());
                if let Some(device) = weak.upgrade() {
                    // Off the streaming thread that posted the error.
                    std::thread::spawn(move || {
                        let _ = device.set_state(gst::State::Null);
                    });
                }
            }
        }
        gst::BusSyncReply::Pass
    });
}
