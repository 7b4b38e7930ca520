//! Bins leave the running pipeline off the streaming threads (a state change must not run on
//! one), and the engine's teardown waits for them before it closes the pipeline, so two state
//! changes never race on the same elements.

use std::sync::mpsc::Receiver;
use std::thread::JoinHandle;
use std::time::Duration;

use gst::prelude::*;

/// How long an output's pads get to become idle and unlink.
const UNLINK_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Default)]
pub(crate) struct Retirements {
    handles: Vec<JoinHandle<()>>,
}

impl Retirements {
    /// Shuts `bin` down and takes it out of `pipeline`, on a thread of its own.
    pub(crate) fn retire(&mut self, pipeline: &gst::Pipeline, bin: gst::Bin) {
        self.handles.retain(|handle| !handle.is_finished());
        let pipeline = pipeline.clone();
        self.handles.push(std::thread::spawn(move || {
            wait_until_settled(&pipeline);
            let _ = bin.set_state(gst::State::Null);
            let _ = pipeline.remove(&bin);
        }));
    }

    /// Like [`Retirements::retire`], once `pads` unlink notices have arrived on `unlinks`. A
    /// bin whose pads never unlink (its feeder is stuck) is left alone rather than flushed
    /// under a live tee; the pipeline's own shutdown takes it down.
    pub(crate) fn retire_when_unlinked(
        &mut self,
        pipeline: &gst::Pipeline,
        bin: gst::Bin,
        unlinks: Receiver<()>,
        pads: usize,
    ) {
        self.handles.retain(|handle| !handle.is_finished());
        let pipeline = pipeline.clone();
        self.handles.push(std::thread::spawn(move || {
            let all_unlinked = (0..pads).all(|_| unlinks.recv_timeout(UNLINK_TIMEOUT).is_ok());
            if all_unlinked {
                wait_until_settled(&pipeline);
                let _ = bin.set_state(gst::State::Null);
                let _ = pipeline.remove(&bin);
            }
        }));
    }

    /// The retirements still running, for the teardown to wait on.
    pub(crate) fn take(&mut self) -> Vec<JoinHandle<()>> {
        std::mem::take(&mut self.handles)
    }
}

/// Waits (a bounded while) for the pipeline's own state change to finish: a bin taken out
/// while the pipeline is still walking its children (at start, an ingest can refuse before
/// PLAYING is reached) would be set back to PAUSED by that walk and then freed in PAUSED.
fn wait_until_settled(pipeline: &gst::Pipeline) {
    for _ in 0..500 {
        let (_, _, pending) = pipeline.state(gst::ClockTime::ZERO);
        if pending == gst::State::VoidPending {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
