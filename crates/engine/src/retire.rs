//! Bins leave the running pipeline off the streaming threads (a state change must not run on
//! one), and the engine's teardown waits for them before it closes the pipeline, so two state
//! changes never race on the same elements.
//!
//! An output that is *finished* (End, Stop recording) gets EOS first: its muxer writes its
//! end (the MP4 is finalized, the FLV stream ends cleanly) and only once its sink has taken
//! the EOS does the bin go. The sink's EOS comes back as a message its encode group forwards
//! (`message-forward`); the bus reader hands it to [`EosWaiters`].

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
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
        // From now on the pipeline's own state changes pass it by (see `shut_down`).
        bin.set_locked_state(true);
        let pipeline = pipeline.clone();
        self.handles.push(std::thread::spawn(move || {
            wait_until_settled(&pipeline);
            shut_down(bin);
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
                bin.set_locked_state(true);
                wait_until_settled(&pipeline);
                shut_down(bin);
            }
        }));
    }

    /// Like [`Retirements::retire_when_unlinked`] for a bin that was sent EOS as its pads
    /// unlinked: it goes once its sink has taken the EOS (`ended`), or after `timeout`. The
    /// returned handle says whether the EOS arrived in time; the teardown does not wait on it
    /// (its caller does).
    pub(crate) fn finish_when_ended(
        pipeline: &gst::Pipeline,
        bin: gst::Bin,
        unlinks: Receiver<()>,
        pads: usize,
        ended: Receiver<()>,
        timeout: Duration,
    ) -> JoinHandle<bool> {
        let pipeline = pipeline.clone();
        std::thread::spawn(move || {
            let all_unlinked = (0..pads).all(|_| unlinks.recv_timeout(UNLINK_TIMEOUT).is_ok());
            if !all_unlinked {
                return false;
            }
            let finished = ended.recv_timeout(timeout).is_ok();
            bin.set_locked_state(true);
            wait_until_settled(&pipeline);
            shut_down(bin);
            finished
        })
    }

    /// The retirements still running, for the teardown to wait on.
    pub(crate) fn take(&mut self) -> Vec<JoinHandle<()>> {
        std::mem::take(&mut self.handles)
    }
}

/// Sets `bin` to NULL and takes it out of whatever holds it. A bin freed while any element
/// in it is not at NULL crashes the process once its streaming thread runs on. That was seen
/// with a looping sound file under load: the new round's bin, added as the old one left,
/// took the pipeline back to PAUSED and up again, and that walk over the children set the
/// old bin up again while it was being stopped. The bin's state is locked first (the
/// pipeline's walks pass it by); then every element is brought down, and a bin that will
/// not go down is kept rather than freed.
fn shut_down(bin: gst::Bin) {
    let all_down = |bin: &gst::Bin| {
        bin.current_state() == gst::State::Null
            && bin.iterate_recurse().into_iter().flatten().all(|e| e.current_state() == gst::State::Null)
    };
    let first = bin.set_state(gst::State::Null);
    if !all_down(&bin) {
        let up: Vec<String> = bin
            .iterate_recurse()
            .into_iter()
            .flatten()
            .filter(|e| e.current_state() != gst::State::Null)
            .map(|e| format!("{} {:?}", e.name(), e.current_state()))
            .collect();
        eprintln!("note: {} stopped only in part ({first:?}; still up: {})", bin.name(), up.join(", "));
    }
    for _ in 0..50 {
        if all_down(&bin) {
            break;
        }
        for element in bin.iterate_recurse().into_iter().flatten() {
            let _ = element.set_state(gst::State::Null);
        }
        let _ = bin.set_state(gst::State::Null);
        std::thread::sleep(Duration::from_millis(20));
    }
    remove_from_parent(&bin);
    if !all_down(&bin) {
        eprintln!("note: {} would not stop; it is kept, not freed", bin.name());
        std::mem::forget(bin);
    }
}

/// Takes a bin out of whatever holds it (the pipeline, or an encode group for an output).
fn remove_from_parent(bin: &gst::Bin) {
    if let Some(parent) = bin.parent().and_downcast::<gst::Bin>() {
        let _ = parent.remove(bin);
    }
}

/// Who waits for the EOS of which output bin (by the bin's name).
#[derive(Clone, Default)]
pub(crate) struct EosWaiters(Arc<Mutex<HashMap<String, Sender<()>>>>);

impl EosWaiters {
    /// The end of the bin called `name`, when it comes.
    pub(crate) fn expect(&self, name: &str) -> Receiver<()> {
        let (sender, receiver) = std::sync::mpsc::channel();
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(name.to_owned(), sender);
        receiver
    }

    /// The bin called `name` has taken its EOS.
    pub(crate) fn ended(&self, name: &str) {
        if let Some(sender) = self.0.lock().unwrap_or_else(PoisonError::into_inner).remove(name) {
            let _ = sender.send(());
        }
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

/// Whether `source` (or one of its parents) is bin `{name}#{generation}`: `Some(true)` for
/// the current generation, `Some(false)` for an older, replaced one, `None` when it is not a
/// bin called `name` at all. Inputs rebuilt with backoff (video and sound) name their bins so.
pub(crate) fn generation_owns(source: Option<&gst::Object>, name: &str, generation: u64) -> Option<bool> {
    let mut object = source.cloned();
    while let Some(current) = object {
        if let Some((prefix, number)) = current.name().rsplit_once('#') {
            if prefix == name {
                if let Ok(number) = number.parse::<u64>() {
                    return Some(number == generation);
                }
            }
        }
        object = current.parent();
    }
    None
}
