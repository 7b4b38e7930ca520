//! Bins leave the running pipeline off the streaming threads (a state change must not run on
//! one), and the engine's teardown waits for them before it closes the pipeline, so two state
//! changes never race on the same elements.

use std::thread::JoinHandle;

use gst::prelude::*;

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
            let _ = bin.set_state(gst::State::Null);
            let _ = pipeline.remove(&bin);
        }));
    }

    /// The retirements still running, for the teardown to wait on.
    pub(crate) fn take(&mut self) -> Vec<JoinHandle<()>> {
        std::mem::take(&mut self.handles)
    }
}
