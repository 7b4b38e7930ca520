//! The running program: start, live changes, 1 Hz stats, errors, and one teardown for every
//! way out (stop, error, drop): EOS first, so the recording is finished, then NULL.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gst::prelude::*;
use serde::Serialize;
use show::Show;

use crate::outputs::{OutputKind, RECORDING_ID};
use crate::program::Program;
use crate::secret::SecretUrl;
use crate::EngineError;

/// The program's state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum EngineState {
    Starting,
    Live,
    Stopped,
    Failed { reason: String },
}

/// The state of one output (a destination or the recording).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutputState {
    Connecting,
    Live,
    Failed { reason: String },
}

/// One second of an output's life.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputStats {
    pub id: String,
    /// Safe to print: stream keys are redacted.
    pub label: String,
    pub state: OutputState,
    pub fps: f64,
    pub dropped_frames: u64,
    pub bitrate_kbps: f64,
    pub bytes_sent: u64,
    pub queued_ms: u64,
}

/// The whole program's stats, once a second.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgramStats {
    pub uptime_s: f64,
    pub encoder_fps: f64,
    pub scene: String,
    pub outputs: Vec<OutputStats>,
}

/// What the engine tells its owner.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EngineEvent {
    State(EngineState),
    Output { id: String, state: OutputState },
    Stats(ProgramStats),
    /// Something worth knowing that does not stop the show.
    Notice { message: String },
}

/// Where the program goes.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    pub destinations: Vec<crate::IngestTarget>,
    pub recording: Option<std::path::PathBuf>,
}

struct Shared {
    program: Mutex<Program>,
    events: Mutex<Sender<EngineEvent>>,
    output_states: Mutex<Vec<(String, OutputState)>>,
    secrets: Vec<SecretUrl>,
    eos: (Mutex<bool>, Condvar),
    /// Set when the program itself failed (not one output).
    failed: AtomicBool,
    finished: AtomicBool,
    started: Instant,
}

impl Shared {
    fn program(&self) -> MutexGuard<'_, Program> {
        self.program.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn emit(&self, event: EngineEvent) {
        let _ = self.events.lock().unwrap_or_else(PoisonError::into_inner).send(event);
    }

    /// Removes every secret this engine knows from a text.
    fn scrub(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_owned(), |text, secret| secret.scrub(&text))
    }

    fn set_output_state(&self, id: &str, state: OutputState) {
        let mut states = self.output_states.lock().unwrap_or_else(PoisonError::into_inner);
        match states.iter_mut().find(|(i, _)| i == id) {
            Some((_, current)) if *current == state => return,
            Some((_, current)) => *current = state.clone(),
            None => states.push((id.to_owned(), state.clone())),
        }
        drop(states);
        self.emit(EngineEvent::Output { id: id.to_owned(), state });
    }

    fn output_state(&self, id: &str) -> OutputState {
        let states = self.output_states.lock().unwrap_or_else(PoisonError::into_inner);
        states.iter().find(|(i, _)| i == id).map(|(_, s)| s.clone()).unwrap_or(OutputState::Connecting)
    }
}

/// The media path of a running show.
pub struct Engine {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    stopped: bool,
}

impl Engine {
    /// Builds the program for `show` and starts it. Events (state, outputs, 1 Hz stats)
    /// arrive on the returned receiver.
    pub fn start(show: Show, outputs: Outputs) -> Result<(Engine, Receiver<EngineEvent>), EngineError> {
        crate::init()?;
        let secrets = outputs.destinations.iter().map(|d| d.url.clone()).collect();
        let mut kinds: Vec<OutputKind> = outputs.destinations.into_iter().map(OutputKind::Destination).collect();
        kinds.extend(outputs.recording.map(OutputKind::Recording));
        let program = Program::build(show, kinds)?;
        let (sender, receiver) = mpsc::channel();
        let shared = Arc::new(Shared {
            program: Mutex::new(program),
            events: Mutex::new(sender),
            output_states: Mutex::new(Vec::new()),
            secrets,
            eos: (Mutex::new(false), Condvar::new()),
            failed: AtomicBool::new(false),
            finished: AtomicBool::new(false),
            started: Instant::now(),
        });
        shared.emit(EngineEvent::State(EngineState::Starting));
        let (pipeline, notes, ids) = {
            let program = shared.program();
            (program.pipeline.clone(), program.notes.clone(), program.outputs.iter().map(|o| o.id.clone()).collect::<Vec<_>>())
        };
        for message in notes {
            shared.emit(EngineEvent::Notice { message });
        }
        for id in ids {
            shared.set_output_state(&id, OutputState::Connecting);
        }
        let bus = pipeline.bus().ok_or_else(|| EngineError::Start("the pipeline has no bus".to_owned()))?;
        let mut engine = Engine { shared: Arc::clone(&shared), threads: Vec::new(), stopped: false };
        engine.threads.push(spawn_bus_reader(Arc::clone(&shared), bus, pipeline.downgrade()));
        engine.threads.push(spawn_stats(Arc::clone(&shared)));
        if let Err(error) = pipeline.set_state(gst::State::Playing) {
            let reason = first_error(&pipeline).unwrap_or_else(|| error.to_string());
            let reason = shared.scrub(&reason);
            engine.teardown(Duration::ZERO);
            return Err(EngineError::Start(reason));
        }
        Ok((engine, receiver))
    }

    /// Puts another scene on air.
    pub fn switch_scene(&self, scene: &str) -> Result<(), EngineError> {
        self.shared.program().switch_scene(scene)
    }

    /// Shows or hides a layer of the scene on air.
    pub fn set_layer_visible(&self, layer: &str, visible: bool) -> Result<(), EngineError> {
        self.shared.program().set_layer_visible(layer, visible)
    }

    /// Puts another product on a card of the scene on air.
    pub fn set_card_product(&self, layer: &str, product: &str) -> Result<(), EngineError> {
        self.shared.program().set_card_product(layer, product)
    }

    /// Changes the camera's look until the next scene switch.
    pub fn set_look(&self, look: &str) -> Result<(), EngineError> {
        self.shared.program().set_look(look)
    }

    /// The show as it is on air now, live changes included.
    pub fn show(&self) -> Show {
        self.shared.program().show.clone()
    }

    /// Whether the program ended by itself (a fatal error).
    pub fn has_finished(&self) -> bool {
        self.shared.finished.load(Ordering::SeqCst)
    }

    /// Ends the show: EOS through every output (the recording is finalized), then NULL.
    /// Waits up to `timeout` for the outputs to drain.
    pub fn stop(mut self, timeout: Duration) {
        self.teardown(timeout);
    }

    fn teardown(&mut self, timeout: Duration) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let pipeline = self.shared.program().pipeline.clone();
        if !timeout.is_zero() && !self.shared.finished.load(Ordering::SeqCst) {
            pipeline.send_event(gst::event::Eos::new());
            let (lock, condvar) = &self.shared.eos;
            let done = lock.lock().unwrap_or_else(PoisonError::into_inner);
            let (done, _) = condvar
                .wait_timeout_while(done, timeout, |done| !*done)
                .unwrap_or_else(PoisonError::into_inner);
            if !*done {
                self.shared.emit(EngineEvent::Notice {
                    message: format!("the outputs did not finish within {} s; closing anyway", timeout.as_secs()),
                });
            }
        }
        let _ = pipeline.set_state(gst::State::Null);
        self.shared.finished.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        if !self.shared.failed.load(Ordering::SeqCst) {
            self.shared.emit(EngineEvent::State(EngineState::Stopped));
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.teardown(Duration::from_secs(5));
    }
}

/// Reads the bus on its own thread, holding only a weak reference to the pipeline.
fn spawn_bus_reader(shared: Arc<Shared>, bus: gst::Bus, pipeline: gst::glib::WeakRef<gst::Pipeline>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut live = false;
        while !shared.finished.load(Ordering::SeqCst) {
            let Some(message) = bus.timed_pop(gst::ClockTime::from_mseconds(100)) else { continue };
            let Some(pipeline) = pipeline.upgrade() else { break };
            match message.view() {
                gst::MessageView::Eos(_) => {
                    let (lock, condvar) = &shared.eos;
                    *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
                    condvar.notify_all();
                }
                gst::MessageView::Error(error) => {
                    let detail = shared.scrub(&format!("{}", error.error()));
                    match output_of(message.src()) {
                        Some(id) => {
                            let was_live = shared.output_state(&id) == OutputState::Live;
                            let reason = explain_output_error(&detail, was_live);
                            shared.set_output_state(&id, OutputState::Failed { reason: reason.clone() });
                            if id == RECORDING_ID {
                                shared.emit(EngineEvent::Notice { message: format!("the recording stopped: {reason}") });
                            }
                            shared.program().remove_output(&id);
                        }
                        None => {
                            let source = message.src().map(|s| s.name().to_string()).unwrap_or_default();
                            let reason = format!("{detail} (in {source})");
                            shared.failed.store(true, Ordering::SeqCst);
                            shared.emit(EngineEvent::State(EngineState::Failed { reason }));
                            let (lock, condvar) = &shared.eos;
                            *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
                            condvar.notify_all();
                            shared.finished.store(true, Ordering::SeqCst);
                        }
                    }
                }
                gst::MessageView::Warning(warning) => {
                    let detail = shared.scrub(&format!("{}", warning.error()));
                    shared.emit(EngineEvent::Notice { message: detail });
                }
                gst::MessageView::StateChanged(change) => {
                    let from_pipeline = message.src().is_some_and(|s| s == pipeline.upcast_ref::<gst::Object>());
                    if from_pipeline && change.current() == gst::State::Playing && !live {
                        live = true;
                        shared.emit(EngineEvent::State(EngineState::Live));
                    }
                }
                _ => {}
            }
        }
    })
}

/// Once a second: frames, bitrate, drops and state of every output.
fn spawn_stats(shared: Arc<Shared>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut last: std::collections::HashMap<String, (u64, u64)> = Default::default();
        let mut last_encoded = 0u64;
        let mut last_tick = Instant::now();
        while !shared.finished.load(Ordering::SeqCst) {
            // Sleep in small steps so a stop is not held up.
            let next = last_tick + Duration::from_secs(1);
            while Instant::now() < next && !shared.finished.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(50));
            }
            if shared.finished.load(Ordering::SeqCst) {
                break;
            }
            let elapsed = last_tick.elapsed().as_secs_f64().max(1e-3);
            last_tick = Instant::now();
            let program = shared.program();
            let encoded = program.encoded_frames.load(Ordering::Relaxed);
            let encoder_fps = (encoded - last_encoded) as f64 / elapsed;
            last_encoded = encoded;
            let scene = program.scene_id().to_owned();
            let mut outputs = Vec::new();
            let mut became_live = Vec::new();
            for output in &program.outputs {
                let frames = output.counters.frames_out.load(Ordering::Relaxed);
                let bytes = output.counters.bytes_out.load(Ordering::Relaxed);
                let (last_frames, last_bytes) = last.insert(output.id.clone(), (frames, bytes)).unwrap_or((0, 0));
                let mut state = shared.output_state(&output.id);
                if state == OutputState::Connecting && output.counters.sink_buffers.load(Ordering::Relaxed) >= 2 {
                    state = OutputState::Live;
                    became_live.push(output.id.clone());
                }
                outputs.push(OutputStats {
                    id: output.id.clone(),
                    label: output.label(),
                    state,
                    fps: (frames - last_frames) as f64 / elapsed,
                    dropped_frames: output.dropped_frames(),
                    bitrate_kbps: (bytes - last_bytes) as f64 * 8.0 / 1000.0 / elapsed,
                    bytes_sent: bytes,
                    queued_ms: output.queued_ms(),
                });
            }
            drop(program);
            for id in became_live {
                shared.set_output_state(&id, OutputState::Live);
            }
            let uptime_s = shared.started.elapsed().as_secs_f64();
            shared.emit(EngineEvent::Stats(ProgramStats { uptime_s, encoder_fps, scene, outputs }));
        }
    })
}

/// The output an element belongs to, from the name of its enclosing output bin.
fn output_of(source: Option<&gst::Object>) -> Option<String> {
    let mut object = source.cloned();
    while let Some(current) = object {
        if let Some(id) = current.name().strip_prefix("output-") {
            return Some(id.to_owned());
        }
        object = current.parent();
    }
    None
}

/// Turns an ingest error into words a streamer can act on, keeping the technical detail.
/// `was_live` tells a connection lost mid-show from one refused at the start.
pub fn explain_output_error(detail: &str, was_live: bool) -> String {
    let lower = detail.to_lowercase();
    let closed = lower.contains("closed remotely") || lower.contains("connection reset") || lower.contains("broken pipe");
    let advice = if lower.contains("publish denied") || lower.contains("'publish' cmd failed") {
        "the ingest rejected the stream key: copy it again from the platform"
    } else if closed && !was_live {
        "the ingest hung up before the stream started: the stream key is probably wrong or expired"
    } else if lower.contains("'connect' cmd failed") {
        "the ingest rejected the application path (the part of the URL before the key)"
    } else if lower.contains("connection refused") {
        "the ingest refused the connection: check the address and port, or the server is down"
    } else if lower.contains("resolv") || lower.contains("name or service not known") || lower.contains("no address") {
        "cannot find the ingest host: check the address and the network"
    } else if closed {
        "the ingest closed the connection"
    } else if lower.contains("timed out") || lower.contains("timeout") {
        "the ingest stopped answering"
    } else if lower.contains("no space") {
        "the disk is full"
    } else if lower.contains("permission denied") || lower.contains("could not open") {
        "cannot write the file here: check the folder and its permissions"
    } else {
        return detail.to_owned();
    };
    format!("{advice} ({detail})")
}

/// The first error waiting on the bus, for a start that failed.
fn first_error(pipeline: &gst::Pipeline) -> Option<String> {
    let bus = pipeline.bus()?;
    while let Some(message) = bus.pop_filtered(&[gst::MessageType::Error]) {
        if let gst::MessageView::Error(error) = message.view() {
            return Some(error.error().to_string());
        }
    }
    None
}
