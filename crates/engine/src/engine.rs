//! The running program: start, live changes, per-destination control, 1 Hz stats, errors,
//! and one teardown for every way out (stop, error, drop): EOS first, so the recording is
//! finished, then NULL.
//!
//! Three threads serve a running engine: the bus reader (errors, EOS, state), the watch
//! thread (destination supervision ten times a second, stats once a second) and GStreamer's
//! own streaming threads, which only touch atomic counters.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gst::prelude::*;
use show::Show;

use crate::camera::CameraFault;
use crate::events::{EngineEvent, EngineState, OutputState};
use crate::ingest_error::explain_ingest_error;
use crate::outputs::{output_of, IngestTarget, OutputKind, RECORDING_ID};
use crate::preview::PreviewFrame;
use crate::program::Program;
use crate::secret::SecretUrl;
use crate::stats::StatsMeter;
use crate::supervisor::{ReconnectPolicy, Supervisor};
use crate::EngineError;

/// Where the program goes.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    pub destinations: Vec<IngestTarget>,
    pub recording: Option<std::path::PathBuf>,
    /// Build the preview branch; take its frames with [`Engine::take_preview`].
    pub preview: bool,
}

/// Everything the engine's threads share, under one lock.
struct Running {
    program: Program,
    supervisor: Supervisor,
    recording: OutputState,
    /// Every ingest URL ever used, to scrub keys out of any message.
    secrets: Vec<SecretUrl>,
}

struct Shared {
    running: Mutex<Running>,
    events: Mutex<Sender<EngineEvent>>,
    eos: (Mutex<bool>, Condvar),
    /// The preview's frames until the owner takes them.
    preview: Mutex<Option<Receiver<PreviewFrame>>>,
    /// Set when the program itself failed (not one output).
    failed: AtomicBool,
    /// Set when the teardown starts: supervision stops, so nothing new joins the pipeline.
    stopping: AtomicBool,
    /// Set when the pipeline is done: the bus reader ends.
    finished: AtomicBool,
    started: Instant,
}

impl Shared {
    fn running(&self) -> MutexGuard<'_, Running> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn emit(&self, event: EngineEvent) {
        let _ = self.events.lock().unwrap_or_else(PoisonError::into_inner).send(event);
    }

    fn emit_all(&self, events: Vec<EngineEvent>) {
        for event in events {
            self.emit(event);
        }
    }

    fn signal_eos(&self) {
        let (lock, condvar) = &self.eos;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        condvar.notify_all();
    }
}

impl Running {
    /// Removes every secret this engine knows from a text: its ingest URLs (whole, then
    /// their parts), then every secret registered in this process.
    fn scrub(&self, text: &str) -> String {
        let text = self.secrets.iter().fold(text.to_owned(), |text, secret| secret.scrub(&text));
        crate::secrets::scrub(&text).into_owned()
    }

    fn state_of(&self, id: &str) -> OutputState {
        if id == RECORDING_ID {
            return self.recording.clone();
        }
        self.supervisor.slot(id).map_or(OutputState::Stopped, |s| s.state.clone())
    }
}

/// The media path of a running show.
pub struct Engine {
    shared: Arc<Shared>,
    bus_reader: Option<JoinHandle<()>>,
    watch: Option<JoinHandle<()>>,
    stopped: bool,
}

impl Engine {
    /// Builds the program for `show` and starts it, with OBS-style reconnects.
    pub fn start(show: Show, outputs: Outputs) -> Result<(Engine, Receiver<EngineEvent>), EngineError> {
        Engine::start_with_policy(show, outputs, ReconnectPolicy::default())
    }

    /// Builds the program for `show` and starts it. Events (state, outputs, 1 Hz stats)
    /// arrive on the returned receiver.
    pub fn start_with_policy(
        show: Show,
        outputs: Outputs,
        policy: ReconnectPolicy,
    ) -> Result<(Engine, Receiver<EngineEvent>), EngineError> {
        crate::init()?;
        let platforms: Vec<_> = outputs.destinations.iter().map(|d| d.platform).collect();
        let mut program = Program::build(show, &platforms, outputs.preview)?;
        let preview = program.preview.take();
        let mut events = vec![EngineEvent::State(EngineState::Starting)];
        events.extend(program.notes.iter().map(|message| EngineEvent::Notice { message: message.clone() }));
        let mut recording = OutputState::Stopped;
        if let Some(path) = outputs.recording {
            program.add_output(OutputKind::Recording(path))?;
            recording = OutputState::Connecting;
            events.push(EngineEvent::Output { id: RECORDING_ID.to_owned(), state: OutputState::Connecting });
        }
        let mut supervisor = Supervisor::new(policy);
        let secrets = outputs.destinations.iter().map(|d| d.url.clone()).collect();
        for target in outputs.destinations {
            supervisor.add(&mut program, target, &mut events)?;
        }
        let pipeline = program.pipeline.clone();
        let (sender, receiver) = mpsc::channel();
        let shared = Arc::new(Shared {
            running: Mutex::new(Running { program, supervisor, recording, secrets }),
            events: Mutex::new(sender),
            eos: (Mutex::new(false), Condvar::new()),
            preview: Mutex::new(preview),
            failed: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            finished: AtomicBool::new(false),
            started: Instant::now(),
        });
        shared.emit_all(events);
        let bus = pipeline.bus().ok_or_else(|| EngineError::Start("the pipeline has no bus".to_owned()))?;
        let mut engine = Engine {
            shared: Arc::clone(&shared),
            bus_reader: Some(spawn_bus_reader(Arc::clone(&shared), bus, pipeline.downgrade())),
            watch: Some(spawn_watch(Arc::clone(&shared))),
            stopped: false,
        };
        if let Err(error) = pipeline.set_state(gst::State::Playing) {
            let reason = first_error(&pipeline).unwrap_or_else(|| error.to_string());
            let reason = shared.running().scrub(&reason);
            engine.teardown(Duration::ZERO);
            return Err(EngineError::Start(reason));
        }
        Ok((engine, receiver))
    }

    /// The kill switch: every destination cuts to the show's safe slate at once, and what
    /// their broadcast delay still holds is thrown away, so it never reaches a platform. The
    /// recording and the preview keep the live program. Returns how many destinations were cut.
    pub fn kill_switch(&self) -> usize {
        self.shared.running().program.kill_switch()
    }

    /// Back to the live program after the kill switch: each destination returns once its
    /// delay has refilled with what was live after now. Returns how many were on the slate.
    pub fn resume(&self) -> usize {
        self.shared.running().program.resume()
    }

    /// How long the end of the show may take to drain: 10 s, plus the longest broadcast delay
    /// (what a destination's delay holds goes out before its EOS).
    pub fn drain_timeout(&self) -> Duration {
        let longest = self.shared.running().program.air_delays().into_iter().max().unwrap_or_default();
        Duration::from_secs(10) + longest
    }

    /// Where each destination's picture comes from now: program, slate or refilling.
    pub fn air_modes(&self) -> Vec<(String, crate::AirMode)> {
        self.shared.running().program.air_modes()
    }

    /// Puts another scene on air.
    pub fn switch_scene(&self, scene: &str) -> Result<(), EngineError> {
        self.shared.running().program.switch_scene(scene)
    }

    /// Shows or hides a layer of the scene on air.
    pub fn set_layer_visible(&self, layer: &str, visible: bool) -> Result<(), EngineError> {
        self.shared.running().program.set_layer_visible(layer, visible)
    }

    /// Moves or resizes a layer of the scene on air (`[x, y, w, h]` in 0..1 of the canvas).
    pub fn set_layer_rect(&self, layer: &str, rect: show::Rect) -> Result<(), EngineError> {
        self.shared.running().program.set_layer_rect(layer, rect)
    }

    /// Puts a layer of the scene on air at another place in its stack (0 is the bottom).
    pub fn move_layer(&self, layer: &str, to_index: usize) -> Result<(), EngineError> {
        self.shared.running().program.move_layer(layer, to_index)
    }

    /// Takes a layer out of the scene on air.
    pub fn remove_layer(&self, layer: &str) -> Result<(), EngineError> {
        self.shared.running().program.remove_layer(layer)
    }

    /// Adds a layer on top of the scene on air; it is checked like a layer of the show file
    /// (rect on the canvas, unique id, products, looks and images that exist).
    pub fn add_layer(&self, layer: show::Layer) -> Result<(), EngineError> {
        self.shared.running().program.add_layer(layer)
    }

    /// Puts another product on a card of the scene on air.
    pub fn set_card_product(&self, layer: &str, product: &str) -> Result<(), EngineError> {
        self.shared.running().program.set_card_product(layer, product)
    }

    /// Replaces a product of the catalogue while live (sold out, new price...); the cards
    /// showing it are redrawn on the next frame.
    pub fn update_product(&self, product: show::Product) -> Result<(), EngineError> {
        self.shared.running().program.update_product(product)
    }

    /// Changes the camera's look until the next scene switch.
    pub fn set_look(&self, look: &str) -> Result<(), EngineError> {
        self.shared.running().program.set_look(look)
    }

    /// Adds a destination while live; it starts on the next keyframe.
    pub fn add_destination(&self, target: IngestTarget) -> Result<(), EngineError> {
        let mut events = Vec::new();
        let result = {
            let mut running = self.shared.running();
            running.secrets.push(target.url.clone());
            let Running { program, supervisor, .. } = &mut *running;
            supervisor.add(program, target, &mut events)
        };
        self.shared.emit_all(events);
        result
    }

    /// Starts a stopped or failed destination.
    pub fn start_destination(&self, id: &str) -> Result<(), EngineError> {
        self.with_supervisor(|program, supervisor, events| supervisor.start(program, id, events))
    }

    /// Stops one destination; the others and the recording carry on.
    pub fn stop_destination(&self, id: &str) -> Result<(), EngineError> {
        self.with_supervisor(|program, supervisor, events| supervisor.stop(program, id, events))
    }

    /// Stops and starts one destination, with a new connection.
    pub fn restart_destination(&self, id: &str) -> Result<(), EngineError> {
        self.with_supervisor(|program, supervisor, events| {
            supervisor.stop(program, id, events)?;
            supervisor.start(program, id, events)
        })
    }

    fn with_supervisor(
        &self,
        act: impl FnOnce(&mut Program, &mut Supervisor, &mut Vec<EngineEvent>) -> Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        let mut events = Vec::new();
        let result = {
            let mut running = self.shared.running();
            let Running { program, supervisor, .. } = &mut *running;
            act(program, supervisor, &mut events)
        };
        self.shared.emit_all(events);
        result
    }

    /// The preview's JPEG frames (640x360, 15 fps), once: `None` when `Outputs.preview` was
    /// false or they were already taken. The channel closes when the engine stops.
    pub fn take_preview(&self) -> Option<Receiver<PreviewFrame>> {
        self.shared.preview.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    /// Rehearses a camera failure: the slate goes on air until the camera is back.
    pub fn inject_camera_fault(&self, fault: CameraFault) {
        self.shared.running().program.inject_camera_fault(fault);
    }

    /// The show as it is on air now, live changes included.
    pub fn show(&self) -> Show {
        self.shared.running().program.show.clone()
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
        // No reconnect or camera rebuild may start while the pipeline shuts down.
        self.shared.stopping.store(true, Ordering::SeqCst);
        if let Some(watch) = self.watch.take() {
            let _ = watch.join();
        }
        let (pipeline, retiring) = {
            let mut running = self.shared.running();
            // Destinations that are not on air have nothing to finish; EOS would only wait on them.
            let idle: Vec<String> = running
                .supervisor
                .slots
                .iter()
                .filter(|s| s.state != OutputState::Live)
                .map(|s| s.target.id.clone())
                .collect();
            for id in idle {
                running.program.remove_output(&id);
            }
            // A destination on the safe slate ends with the program's EOS (its buffers stay cut).
            running.program.end_on_program();
            (running.program.pipeline.clone(), running.program.take_retirements())
        };
        for handle in retiring {
            let _ = handle.join();
        }
        if !timeout.is_zero() && !self.shared.finished.load(Ordering::SeqCst) {
            pipeline.send_event(gst::event::Eos::new());
            let (lock, condvar) = &self.shared.eos;
            let done = lock.lock().unwrap_or_else(PoisonError::into_inner);
            let (done, _) =
                condvar.wait_timeout_while(done, timeout, |done| !*done).unwrap_or_else(PoisonError::into_inner);
            if !*done {
                self.shared.emit(EngineEvent::Notice {
                    message: format!("the outputs did not finish within {} s; closing anyway", timeout.as_secs()),
                });
            }
        }
        for handle in self.shared.running().program.take_retirements() {
            let _ = handle.join();
        }
        self.shared.finished.store(true, Ordering::SeqCst);
        let _ = pipeline.set_state(gst::State::Null);
        if let Some(bus_reader) = self.bus_reader.take() {
            let _ = bus_reader.join();
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
                gst::MessageView::Eos(_) => shared.signal_eos(),
                gst::MessageView::Error(error) => on_error(&shared, message.src(), &error.error().to_string()),
                gst::MessageView::Warning(warning) => {
                    let message = shared.running().scrub(&warning.error().to_string());
                    shared.emit(EngineEvent::Notice { message });
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

/// An error from an output ends that output (and maybe retries it); any other ends the show.
fn on_error(shared: &Shared, source: Option<&gst::Object>, text: &str) {
    let mut events = Vec::new();
    let mut running = shared.running();
    let detail = running.scrub(text);
    if let Some(current) = running.program.camera_owns(source) {
        if current {
            running.program.camera_failed(&detail, &mut events);
        }
        drop(running);
        shared.emit_all(events);
        return;
    }
    match output_of(source) {
        Some((id, generation)) if !running.program.is_current(&id, generation) => {} // a replaced bin
        Some((id, _)) if id == RECORDING_ID => {
            let reason = explain_ingest_error(&detail, false, false).reason;
            running.program.remove_output(&id);
            running.recording = OutputState::Failed { reason: reason.clone() };
            events.push(EngineEvent::Output { id, state: running.recording.clone() });
            events.push(EngineEvent::Notice { message: format!("the recording stopped: {reason}") });
        }
        Some((id, _)) => {
            let (was_live, ever_live) = running.supervisor.was_live(&id);
            let failure = explain_ingest_error(&detail, was_live, ever_live);
            let Running { program, supervisor, .. } = &mut *running;
            supervisor.failed(program, &id, failure, &mut events);
        }
        None => {
            let element = source.map(|s| s.name().to_string()).unwrap_or_default();
            let reason = format!("{detail} (in {element})");
            shared.failed.store(true, Ordering::SeqCst);
            events.push(EngineEvent::State(EngineState::Failed { reason }));
            shared.signal_eos();
            shared.finished.store(true, Ordering::SeqCst);
        }
    }
    drop(running);
    shared.emit_all(events);
}

/// Supervises destinations and ticks the countdowns on air ten times a second, and measures
/// stats once a second.
fn spawn_watch(shared: Arc<Shared>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut meter = StatsMeter::new();
        let mut next_stats = Instant::now() + Duration::from_secs(1);
        while !shared.stopping.load(Ordering::SeqCst) && !shared.finished.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(100));
            let now = Instant::now();
            let mut events = Vec::new();
            {
                let mut running = shared.running();
                let Running { program, supervisor, recording, .. } = &mut *running;
                supervisor.tick(program, now, &mut events);
                program.watch_camera(now, &mut events);
                if let Err(error) = program.tick(now) {
                    events.push(EngineEvent::Notice { message: error.to_string() });
                }
                if *recording == OutputState::Connecting {
                    let written = program
                        .outputs
                        .iter()
                        .find(|o| o.id == RECORDING_ID)
                        .map(|o| o.counters.bytes_out.load(Ordering::Relaxed));
                    if written.is_some_and(|bytes| bytes > 0) {
                        *recording = OutputState::Live;
                        events.push(EngineEvent::Output { id: RECORDING_ID.to_owned(), state: OutputState::Live });
                    }
                }
                if now >= next_stats {
                    next_stats += Duration::from_secs(1);
                    let uptime = shared.started.elapsed().as_secs_f64();
                    let mut stats = meter.measure(&running.program, uptime, |id| running.state_of(id));
                    // Destinations between connections have no bin, but a state worth showing.
                    for slot in &running.supervisor.slots {
                        if !stats.outputs.iter().any(|o| o.id == slot.target.id) {
                            stats.outputs.push(crate::stats::idle_output(&slot.target, slot.state.clone()));
                        }
                    }
                    events.push(EngineEvent::Stats(stats));
                }
            }
            shared.emit_all(events);
        }
    })
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

#[cfg(test)]
mod tests {
    use gst_video::VideoFrameExt;

    use super::*;

    const W: u32 = 320;
    const H: u32 = 180;
    const COUNTDOWN: [f64; 4] = [0.5, 0.1, 0.45, 0.3];
    const TITLE: [f64; 4] = [0.05, 0.6, 0.4, 0.3];

    fn show() -> Show {
        let json = serde_json::json!({
            "canvas": { "width": W, "height": H, "fps": 10 },
            "audio": { "source": "silence" },
            "scenes": [{ "id": "main", "layers": [
                { "id": "title", "kind": "text", "text": "Hello 你好", "rect": TITLE, "background": "#203040" },
                { "id": "flash", "kind": "countdown", "label": "限时", "seconds": 3, "rect": COUNTDOWN,
                  "background": "#E0242B" }
            ]}]
        });
        Show::parse(&json.to_string(), std::path::Path::new(".")).expect("a valid show")
    }

    /// The luma of `rect` in an I420 frame of the canvas.
    fn luma(frame: &gst_video::VideoFrameRef<&gst::BufferRef>, [x, y, w, h]: [f64; 4]) -> Vec<u8> {
        let px = |v: f64, size: u32| (v * f64::from(size)).round() as usize;
        let (x0, y0, x1, y1) = (px(x, W), px(y, H), px(x + w, W), px(y + h, H));
        let stride = frame.plane_stride()[0] as usize;
        let Ok(plane) = frame.plane_data(0) else { return Vec::new() };
        (y0..y1).flat_map(|row| plane[row * stride + x0..row * stride + x1].iter().copied()).collect()
    }

    /// The countdown's and the title's luma in every frame out of the overlay.
    fn watch_frames(engine: &Engine) -> Receiver<(Vec<u8>, Vec<u8>)> {
        let pad = engine
            .shared
            .running()
            .program
            .pipeline
            .by_name("overlay")
            .and_then(|overlay| overlay.static_pad("src"))
            .expect("the overlay's src pad");
        let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, W, H).build().expect("video info");
        let (sender, frames) = mpsc::channel();
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, probe| {
            if let Some(buffer) = probe.buffer() {
                if let Ok(frame) = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info) {
                    let _ = sender.send((luma(&frame, COUNTDOWN), luma(&frame, TITLE)));
                }
            }
            gst::PadProbeReturn::Ok
        });
        frames
    }

    #[test]
    fn a_countdown_on_air_ticks_alone_and_a_hidden_one_is_not_drawn() {
        let (engine, _events) = Engine::start(show(), Outputs::default()).expect("the engine starts");
        let frames = watch_frames(&engine);
        let first = frames.recv_timeout(Duration::from_secs(5)).expect("a frame within 5 s");
        assert!(first.0.iter().any(|&y| y != first.0[0]), "the countdown's text is on the frame");
        // Within 5 s the countdown shows another second; the title never changes.
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut ticked = false;
        while !ticked && Instant::now() < deadline {
            let Ok((countdown, title)) = frames.recv_timeout(Duration::from_millis(500)) else { continue };
            assert_eq!(title, first.1, "the title's pixels changed");
            ticked = countdown != first.0;
        }
        assert!(ticked, "the countdown did not change within 5 s");
        assert!(engine.shared.running().program.countdown_renders() >= 2);

        engine.set_layer_visible("flash", false).expect("hides the countdown");
        let renders = engine.shared.running().program.countdown_renders();
        // Long enough for the countdown to have reached zero had it kept running.
        std::thread::sleep(Duration::from_millis(3500));
        assert_eq!(engine.shared.running().program.countdown_renders(), renders, "a hidden countdown was drawn");
        engine.stop(Duration::from_secs(2));
    }
}
