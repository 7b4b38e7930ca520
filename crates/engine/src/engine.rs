//! The running program: open, Go Live and End, the recording as its own switch, live
//! changes, per-destination control, 1 Hz stats, errors, and one teardown for every way out
//! (stop, error, drop): EOS first, so the recording is finished, then NULL.
//!
//! ```text
//! open ──▶ program runs (sources, compositor, overlay, preview; nothing encodes)
//!            │ go_live(destinations, record?)        │ start_recording(path)
//!            ▼                                       ▼
//!          encode group + destinations (+ the recording tied to this live session)
//!            │ end_live: EOS into the destinations (and that recording) only; when no
//!            │ output is left the encode group goes; the program and the preview go on
//!            ▼
//!          program runs ... go_live again: a new encode group
//! ```
//!
//! The recording: `go_live` with a path starts a recording tied to that live session, which
//! `end_live` ends. `start_recording` while none runs starts one of its own (sharing the
//! live encode, or attaching one when not live), which only `stop_recording` ends. At most
//! one recording runs at a time (its id is [`RECORDING_ID`]); two in a row are two files.
//!
//! Events: `State(Live)` means the program runs (its pipeline is playing); whether it is on
//! air is [`Engine::is_live`] and the destinations' `Output` events.
//!
//! Three threads serve a running engine: the bus reader (errors, EOS, state), the watch
//! thread (destination supervision ten times a second, stats once a second) and GStreamer's
//! own streaming threads, which only touch atomic counters.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gst::prelude::*;
use show::Show;

use crate::camera::CameraFault;
use crate::events::{EngineEvent, EngineState, OutputState};
use crate::ingest::EncoderSettings;
use crate::ingest_error::explain_ingest_error;
use crate::outputs::{output_of, IngestTarget, OutputKind, RECORDING_ID};
use crate::preview::PreviewFrame;
use crate::program::Program;
use crate::retire::EosWaiters;
use crate::secret::SecretUrl;
use crate::stats::StatsMeter;
use crate::supervisor::{ReconnectPolicy, Supervisor};
use crate::EngineError;

mod audio_api;

/// Where the program goes.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    pub destinations: Vec<IngestTarget>,
    pub recording: Option<std::path::PathBuf>,
    /// Build the preview branch; take its frames with [`Engine::take_preview`].
    pub preview: bool,
}

/// How a show is opened with [`Engine::open`].
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Build the preview branch; take its frames with [`Engine::take_preview`].
    pub preview: bool,
    /// How lost destinations are retried once live.
    pub policy: ReconnectPolicy,
}

/// Everything the engine's threads share, under one lock.
struct Running {
    program: Program,
    supervisor: Supervisor,
    recording: OutputState,
    /// Whether the recording belongs to the live session (`end_live` ends it).
    recording_tied: bool,
    /// Whether Go Live is on (destinations may come and go under it).
    live: bool,
    /// Every ingest URL ever used, to scrub keys out of any message.
    secrets: Vec<SecretUrl>,
}

struct Shared {
    running: Mutex<Running>,
    events: Mutex<Sender<EngineEvent>>,
    eos: (Mutex<bool>, Condvar),
    /// Ends of single outputs (End, Stop recording), told by the bus reader.
    eos_waiters: EosWaiters,
    /// The preview's frames until the owner takes them.
    preview: Mutex<Option<Receiver<PreviewFrame>>>,
    /// The mix's meters, fed by the bus reader without the lock (see `audio/meters.rs`).
    meters: Arc<crate::audio::Meters>,
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

    fn recording_on(&self) -> bool {
        matches!(self.recording, OutputState::Connecting | OutputState::Live)
    }

    /// An encode group for `settings`: the one running (shared), or a new one.
    fn ensure_encode(&mut self, settings: EncoderSettings, events: &mut Vec<EngineEvent>) -> Result<(), EngineError> {
        let Some(group) = &self.program.encode else {
            events.extend(settings.adjustments.iter().map(|message| EngineEvent::Notice { message: message.clone() }));
            return self.program.attach_encode(settings);
        };
        let running = &group.settings;
        if (running.video_kbps, running.audio_kbps, running.profile)
            != (settings.video_kbps, settings.audio_kbps, settings.profile)
            || running.keyframe_interval_s != settings.keyframe_interval_s
        {
            events.push(EngineEvent::Notice {
                message: format!(
                    "going live on the recording's encoder ({} kbps, {}); the platforms ask for {} kbps, {}: stop the recording and go live again to use their settings",
                    running.video_kbps, running.profile, settings.video_kbps, settings.profile
                ),
            });
        }
        Ok(())
    }

    /// Attaches the encode group (if needed), the recording (if asked) and the destinations.
    fn go_live(
        &mut self,
        destinations: Vec<IngestTarget>,
        record: Option<PathBuf>,
        events: &mut Vec<EngineEvent>,
    ) -> Result<(), EngineError> {
        if self.live {
            return Err(EngineError::Unknown("the show is live already: end it before going live again".to_owned()));
        }
        for (index, target) in destinations.iter().enumerate() {
            if target.id == RECORDING_ID || destinations[..index].iter().any(|d| d.id == target.id) {
                return Err(EngineError::Unknown(format!("a destination \"{}\" already exists", target.id)));
            }
        }
        if let Some(path) = &record {
            check_recording_path(path)?;
        }
        let platforms: Vec<_> = destinations.iter().map(|d| d.platform).collect();
        let settings = EncoderSettings::for_destinations(&self.program.show.encoding, &platforms);
        self.ensure_encode(settings, events)?;
        self.live = true;
        let result = self.attach_live(destinations, record, events);
        if result.is_err() {
            self.abort_live(events);
        }
        result
    }

    fn attach_live(
        &mut self,
        destinations: Vec<IngestTarget>,
        record: Option<PathBuf>,
        events: &mut Vec<EngineEvent>,
    ) -> Result<(), EngineError> {
        if let Some(path) = record {
            if self.recording_on() {
                events.push(EngineEvent::Notice { message: "a recording is running already: it goes on".to_owned() });
            } else {
                self.add_recording(path, true, events)?;
            }
        }
        self.secrets.extend(destinations.iter().map(|d| d.url.clone()));
        for target in destinations {
            let Running { program, supervisor, .. } = self;
            supervisor.add(program, target, events)?;
        }
        Ok(())
    }

    /// A Go Live that could not be completed leaves nothing behind.
    fn abort_live(&mut self, events: &mut Vec<EngineEvent>) {
        for slot in std::mem::take(&mut self.supervisor.slots) {
            self.program.remove_output(&slot.target.id);
            events.push(EngineEvent::Output { id: slot.target.id, state: OutputState::Stopped });
        }
        if self.recording_tied && self.recording_on() {
            self.program.remove_output(RECORDING_ID);
            self.recording = OutputState::Stopped;
            events.push(EngineEvent::Output { id: RECORDING_ID.to_owned(), state: OutputState::Stopped });
        }
        self.live = false;
        self.release_encode();
    }

    fn add_recording(&mut self, path: PathBuf, tied: bool, events: &mut Vec<EngineEvent>) -> Result<(), EngineError> {
        self.program.add_output(OutputKind::Recording(path))?;
        self.recording = OutputState::Connecting;
        self.recording_tied = tied;
        events.push(EngineEvent::Output { id: RECORDING_ID.to_owned(), state: OutputState::Connecting });
        Ok(())
    }

    /// Detaches the encode group when neither Go Live nor a recording needs it.
    fn release_encode(&mut self) {
        if !self.live && !self.recording_on() {
            self.program.detach_encode();
        }
    }
}

/// A recording needs a folder that exists; say so before anything is built.
fn check_recording_path(path: &std::path::Path) -> Result<(), EngineError> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    if path.is_dir() {
        return Err(EngineError::Unknown(format!(
            "cannot record to {}: it is a folder, not a file name",
            path.display()
        )));
    }
    if !folder.is_dir() {
        return Err(EngineError::Unknown(format!(
            "cannot record to {}: the folder {} does not exist",
            path.display(),
            folder.display()
        )));
    }
    Ok(())
}

/// The media path of an open show.
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

    /// Builds the program for `show` and starts it, live at once: [`Engine::open`] and
    /// [`Engine::go_live`] in one step, the outputs joining before the pipeline starts.
    /// Events (state, outputs, 1 Hz stats) arrive on the returned receiver.
    pub fn start_with_policy(
        show: Show,
        outputs: Outputs,
        policy: ReconnectPolicy,
    ) -> Result<(Engine, Receiver<EngineEvent>), EngineError> {
        let options = OpenOptions { preview: outputs.preview, policy };
        Engine::launch(show, options, Some((outputs.destinations, outputs.recording)))
    }

    /// Opens a show: builds its program (sources, look, compositor, overlay, raw tees and
    /// the preview when asked) and runs it. Nothing encodes until [`Engine::go_live`] or
    /// [`Engine::start_recording`].
    pub fn open(show: Show, options: OpenOptions) -> Result<(Engine, Receiver<EngineEvent>), EngineError> {
        Engine::launch(show, options, None)
    }

    fn launch(
        show: Show,
        options: OpenOptions,
        live: Option<(Vec<IngestTarget>, Option<PathBuf>)>,
    ) -> Result<(Engine, Receiver<EngineEvent>), EngineError> {
        crate::init()?;
        let mut program = Program::build(show, options.preview)?;
        let preview = program.preview.take();
        let eos_waiters = program.eos_waiters.clone();
        let mut events = vec![EngineEvent::State(EngineState::Starting)];
        events.extend(program.notes.iter().map(|message| EngineEvent::Notice { message: message.clone() }));
        let mut running = Running {
            program,
            supervisor: Supervisor::new(options.policy),
            recording: OutputState::Stopped,
            recording_tied: false,
            live: false,
            secrets: Vec::new(),
        };
        if let Some((destinations, record)) = live {
            if let Err(error) = running.go_live(destinations, record, &mut events) {
                let _ = running.program.pipeline.set_state(gst::State::Null);
                return Err(error);
            }
        }
        let pipeline = running.program.pipeline.clone();
        let meters = Arc::clone(&running.program.audio.meters);
        let (sender, receiver) = mpsc::channel();
        let shared = Arc::new(Shared {
            running: Mutex::new(running),
            events: Mutex::new(sender),
            eos: (Mutex::new(false), Condvar::new()),
            eos_waiters,
            preview: Mutex::new(preview),
            meters,
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

    /// Goes live on the running program: an encode group is attached to it (or the running
    /// recording's is shared), then the destinations, each starting on a keyframe. With
    /// `record`, a recording tied to this live session starts too (unless one runs already).
    pub fn go_live(&self, destinations: Vec<IngestTarget>, record: Option<PathBuf>) -> Result<(), EngineError> {
        if destinations.is_empty() && record.is_none() {
            return Err(EngineError::Unknown("nothing to go live to: add a destination or a recording".to_owned()));
        }
        let mut events = Vec::new();
        let result = self.shared.running().go_live(destinations, record, &mut events);
        self.shared.emit_all(events);
        result
    }

    /// Ends the live session: EOS into every destination (what their broadcast delays hold
    /// goes out first) and into the recording Go Live started, then they go. A recording
    /// started with [`Engine::start_recording`] goes on. The program and the preview go on;
    /// a later [`Engine::go_live`] works again. Waits up to `timeout` for each to finish.
    pub fn end_live(&self, timeout: Duration) -> Result<(), EngineError> {
        let mut finishing = Vec::new();
        {
            let mut running = self.shared.running();
            if !running.live {
                return Err(EngineError::Unknown("the show is not live".to_owned()));
            }
            running.live = false;
            running.program.clear_kill();
            let Running { program, supervisor, .. } = &mut *running;
            for slot in std::mem::take(&mut supervisor.slots) {
                let handle = program.finish_output(&slot.target.id, timeout);
                finishing.push((slot.target.id, handle));
            }
            if running.recording_tied && running.recording_on() {
                let handle = running.program.finish_output(RECORDING_ID, timeout);
                running.recording = OutputState::Stopped;
                running.recording_tied = false;
                finishing.push((RECORDING_ID.to_owned(), handle));
            }
        }
        self.finish(finishing, timeout);
        Ok(())
    }

    /// Starts a recording to `path` (MP4), live or not: it shares the live encode, or an
    /// encode is attached for it. Only [`Engine::stop_recording`] ends it.
    pub fn start_recording(&self, path: PathBuf) -> Result<(), EngineError> {
        check_recording_path(&path)?;
        let mut events = Vec::new();
        let result = {
            let mut running = self.shared.running();
            if running.recording_on() {
                return Err(EngineError::Unknown("a recording is running already: stop it first".to_owned()));
            }
            let settings = running.program.encoder_settings();
            let result = running
                .ensure_encode(settings, &mut events)
                .and_then(|()| running.add_recording(path, false, &mut events));
            if result.is_err() {
                running.release_encode();
            }
            result
        };
        self.shared.emit_all(events);
        result
    }

    /// Ends the recording: EOS into its bin only, so the file is finalized; the
    /// destinations carry on. Waits up to `timeout` for the file to be finished.
    pub fn stop_recording(&self, timeout: Duration) -> Result<(), EngineError> {
        let handle = {
            let mut running = self.shared.running();
            if !running.recording_on() {
                return Err(EngineError::Unknown("no recording is running".to_owned()));
            }
            running.recording = OutputState::Stopped;
            running.recording_tied = false;
            running.program.finish_output(RECORDING_ID, timeout)
        };
        self.finish(vec![(RECORDING_ID.to_owned(), handle)], timeout);
        Ok(())
    }

    /// Waits for outputs being finished, tells their end, and lets the encode group go when
    /// nothing needs it any more.
    fn finish(&self, finishing: Vec<(String, Option<JoinHandle<bool>>)>, timeout: Duration) {
        for (id, handle) in finishing {
            let in_time = handle.is_none_or(|handle| handle.join().unwrap_or(false));
            if !in_time {
                self.shared.emit(EngineEvent::Notice {
                    message: format!("{id} did not finish within {} s; closed anyway", timeout.as_secs()),
                });
            }
            self.shared.emit(EngineEvent::Output { id, state: OutputState::Stopped });
        }
        let retiring = {
            let mut running = self.shared.running();
            running.release_encode();
            running.program.take_retirements()
        };
        for handle in retiring {
            let _ = handle.join();
        }
    }

    /// Whether the show is live (Go Live is on).
    pub fn is_live(&self) -> bool {
        self.shared.running().live
    }

    /// Whether a recording runs.
    pub fn is_recording(&self) -> bool {
        self.shared.running().recording_on()
    }

    /// The names of the GStreamer element factories in the pipeline now (every bin, all the
    /// way down), for checks such as "nothing encodes before Go Live".
    pub fn element_factories(&self) -> Vec<String> {
        let pipeline = self.shared.running().program.pipeline.clone();
        pipeline
            .iterate_recurse()
            .into_iter()
            .flatten()
            .filter_map(|element| element.factory().map(|f| f.name().to_string()))
            .collect()
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

    /// Puts another scene on air with the show's default transition.
    pub fn switch_scene(&self, scene: &str) -> Result<(), EngineError> {
        let mut running = self.shared.running();
        let transition = running.program.show.transition;
        running.program.switch_scene(scene, transition)
    }

    /// Puts another scene on air with `transition` (a cut, or a crossfade of the two scenes'
    /// pictures on the program, the encoder untouched).
    pub fn switch_scene_with(&self, scene: &str, transition: show::Transition) -> Result<(), EngineError> {
        self.shared.running().program.switch_scene(scene, transition)
    }

    /// Studio mode: puts `scene` in the second preview ([`Engine::take_studio_preview`]),
    /// editable while the program stays on air.
    pub fn set_preview_scene(&self, scene: &str) -> Result<(), EngineError> {
        self.shared.running().program.set_preview_scene(scene)
    }

    /// Studio mode's take: the preview scene goes on air with `transition` (the show's
    /// default when `None`), and the scene that was on air takes its place in the preview.
    pub fn take(&self, transition: Option<show::Transition>) -> Result<(), EngineError> {
        let mut running = self.shared.running();
        let transition = transition.unwrap_or(running.program.show.transition);
        running.program.take(transition)
    }

    /// Studio mode off.
    pub fn leave_studio_mode(&self) {
        self.shared.running().program.leave_studio_mode();
    }

    /// Studio mode's preview scene, when studio mode is on.
    pub fn preview_scene(&self) -> Option<String> {
        self.shared.running().program.preview_scene_id().map(str::to_owned)
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

    /// Replaces the show the program draws from (scenes, layers, products, encoding for the
    /// next Go Live) with an edited one, and puts scene `scene` of it on air. The studio edits
    /// its show and hands it over whole, so the live show has one owner. A look picked live
    /// is reset, as by a scene switch. If `scene` is not in the new show, nothing changes.
    pub fn replace_show(&self, show: Show, scene: &str) -> Result<(), EngineError> {
        let mut running = self.shared.running();
        let program = &mut running.program;
        if show.canvas != program.show.canvas {
            return Err(EngineError::Unknown("the canvas size cannot change while the show is open".to_owned()));
        }
        let preview = program.preview_scene_id().map(str::to_owned);
        let before = std::mem::replace(&mut program.show, show);
        program.keep_preview_scene(preview.as_deref());
        if let Err(error) = program.switch_scene(scene, show::Transition::CUT) {
            program.show = before;
            program.keep_preview_scene(preview.as_deref());
            return Err(error);
        }
        Ok(())
    }

    /// Changes the camera's look until the next scene switch.
    pub fn set_look(&self, look: &str) -> Result<(), EngineError> {
        self.shared.running().program.set_look(look)
    }

    /// Points a camera layer at another device (`"auto"`, `"test"` or a camera's id); when
    /// that camera is the one on air, the new device is opened in its place.
    pub fn set_camera_device(&self, layer: &str, device: &str) -> Result<(), EngineError> {
        self.shared.running().program.set_camera_device(layer, device)
    }

    /// Adds a destination while live; it starts on the next keyframe.
    pub fn add_destination(&self, target: IngestTarget) -> Result<(), EngineError> {
        let mut events = Vec::new();
        let result = {
            let mut running = self.shared.running();
            if !running.live {
                return Err(EngineError::Unknown("the show is not live: go live first".to_owned()));
            }
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

    /// Studio mode's preview frames (640x360 JPEG, while studio mode is on), once.
    pub fn take_studio_preview(&self) -> Option<Receiver<PreviewFrame>> {
        self.shared.running().program.studio_preview_frames.take()
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

    /// Closes the show: EOS through every output (the recording is finalized), then NULL.
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
        let (pipeline, retiring, outputs) = {
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
            let outputs = running.program.outputs.len();
            (running.program.pipeline.clone(), running.program.take_retirements(), outputs)
        };
        for handle in retiring {
            let _ = handle.join();
        }
        // With no output there is nothing to finish (the preview needs no end).
        if outputs > 0 && !timeout.is_zero() && !self.shared.finished.load(Ordering::SeqCst) {
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
                gst::MessageView::Error(error) => {
                    on_error(&shared, message.src(), &error.error().to_string(), error.debug().as_deref())
                }
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
                // An encode group forwards its outputs' EOS: one output has finished.
                gst::MessageView::Element(element) => {
                    let Some(structure) = element.structure() else { continue };
                    if shared.meters.on_message(message.src(), structure) {
                        continue;
                    }
                    if structure.name() != "GstBinForwarded" {
                        continue;
                    }
                    if let Ok(inner) = structure.get::<gst::Message>("message") {
                        if let (gst::MessageView::Eos(_), Some(src)) = (inner.view(), inner.src()) {
                            shared.eos_waiters.ended(&src.name());
                        }
                    }
                }
                _ => {}
            }
        }
    })
}

/// An error from an output ends that output (and maybe retries it); any other ends the show.
fn on_error(shared: &Shared, source: Option<&gst::Object>, text: &str, debug: Option<&str>) {
    let mut events = Vec::new();
    let mut running = shared.running();
    let detail = running.scrub(text);
    if let Some(current) = running.program.camera_owns(source) {
        if current {
            running.program.camera_failed(source, &detail, &mut events);
        }
        drop(running);
        shared.emit_all(events);
        return;
    }
    // A still picture that lost a negotiation race starts again and the program goes on;
    // while the show closes, a still's error is the shutdown's and nothing restarts.
    let restart = !shared.stopping.load(Ordering::SeqCst);
    if running.program.still_failed(source, restart) {
        // In the log only, for whoever chases the race: nothing for the operator to do.
        if restart {
            let why = debug.map(|d| running.scrub(d)).unwrap_or_default();
            eprintln!("note: a still picture restarted after: {detail} ({why})");
        }
        return;
    }
    if let Some(current) = running.program.audio.owns(source) {
        if current {
            if let Some(message) = running.program.audio.failed(source, &detail) {
                events.push(EngineEvent::Notice { message });
            }
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
            running.release_encode();
        }
        Some((id, _)) => {
            let (was_live, ever_live) = running.supervisor.was_live(&id);
            let failure = explain_ingest_error(&detail, was_live, ever_live);
            let Running { program, supervisor, .. } = &mut *running;
            supervisor.failed(program, &id, failure, &mut events);
        }
        None => {
            let element = source.map(|s| s.name().to_string()).unwrap_or_default();
            // GStreamer's debug text says why a stream stopped ("reason not-negotiated").
            let why =
                debug.and_then(|d| d.lines().last()).map(|d| format!("; {}", running.scrub(d))).unwrap_or_default();
            let reason = format!("{detail} (in {element}{why})");
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
                events.extend(program.audio.watch(now).into_iter().map(|message| EngineEvent::Notice { message }));
                events.push(EngineEvent::AudioLevels(program.audio.levels(now)));
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
                    let mut stats = meter.measure(&running.program, uptime, running.live, |id| running.state_of(id));
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
