//! The program of the open show: opened with the studio ([`Studio::open_program`]), its
//! reports (state, outputs, stats) brought into the studio, reopened with a backoff when it
//! fails, and the recording as its own switch (`start_recording` / `stop_recording`).
//!
//! ```text
//! open_program ──▶ Running ──(engine Failed)──▶ Reopening{attempt, next_in_s} ──▶ Opening ──▶ Running
//!                     │ go_live / end_show: encoder and destinations come and go (live.rs)
//!                     │ start_recording / stop_recording: the recording comes and goes
//!                     ▼ shutdown
//!                   Closed
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use engine::{Engine, EngineEvent, EngineState, OpenOptions};
use tokio::sync::watch;

use super::{blocking, Inner, PreviewJpeg, Studio};
use crate::protocol::{
    CommandReply, CommandSource, ErrorKind, Event, HealthView, LivePhase, NoticeLevel, OutputPhase, OutputStatsView,
    ProgramPhase, RecordingView, StudioError,
};
use crate::said;
use crate::views;

/// The engine's id of the recording output.
const RECORDING: &str = engine::RECORDING_ID;
/// How long a stopped recording may take to finish its file.
const RECORDING_DRAIN: Duration = Duration::from_secs(10);
/// The first wait before a failed program is opened again; it doubles up to [`REOPEN_MAX`].
const REOPEN_FIRST: Duration = Duration::from_secs(1);
const REOPEN_MAX: Duration = Duration::from_secs(30);
/// A program that ran this long before failing starts the backoff over.
const STEADY: Duration = Duration::from_secs(60);

/// The open program: its engine and the number its reports carry.
pub(super) struct ProgramRun {
    pub engine: Arc<Engine>,
    pub generation: u64,
    opened: std::time::Instant,
}

/// A recording, running or the last one.
pub(super) struct Recording {
    pub path: PathBuf,
    pub running: bool,
    /// Started by Go Live: End finishes it.
    pub with_live: bool,
    started_at: chrono::DateTime<chrono::Utc>,
    state: OutputPhase,
    stats: Option<OutputStatsView>,
}

impl Recording {
    pub(super) fn new(path: PathBuf, with_live: bool) -> Recording {
        Recording {
            path,
            running: true,
            with_live,
            started_at: chrono::Utc::now(),
            state: OutputPhase::Connecting,
            stats: None,
        }
    }

    pub(super) fn view(&self) -> RecordingView {
        let stats = self.stats.as_ref().filter(|_| self.running);
        RecordingView {
            file: self.path.display().to_string(),
            name: self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            running: self.running,
            with_live: self.with_live,
            started_at: self.started_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            state: self.state.clone(),
            fps: stats.map_or(0.0, |s| s.fps),
            bitrate_kbps: stats.map_or(0.0, |s| s.bitrate_kbps),
            bytes_written: self.stats.as_ref().map_or(0, |s| s.bytes_sent),
            dropped_frames: stats.map_or(0, |s| s.dropped_frames),
            health: stats.map_or(HealthView::Unknown, |s| s.health.clone()),
        }
    }

    /// Marks it finished.
    pub(super) fn finished(&mut self) {
        self.running = false;
        self.state = OutputPhase::Stopped;
    }
}

impl Studio {
    /// Opens the show's program (sources, compositor, overlays, preview; nothing encodes), so
    /// the preview shows it before Go Live. `kaibo serve` and the desktop window call it at
    /// start; a program that fails later is reopened by itself. Opening an open program does
    /// nothing.
    pub async fn open_program(&self) -> Result<(), StudioError> {
        let mut inner = self.inner.lock().await;
        let result = self.open_in(&mut inner).await;
        self.announce(Event::State { state: Box::new(inner.snapshot()) });
        result
    }

    /// The GStreamer element factories in the open program now (empty without one), for
    /// checks such as "nothing encodes before Go Live or REC".
    pub async fn program_elements(&self) -> Vec<String> {
        let engine = self.inner.lock().await.program.as_ref().map(|p| Arc::clone(&p.engine));
        match engine {
            Some(engine) => blocking(move || engine.element_factories()).await.unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// Opens the program unless it is open; on failure the reopening is scheduled.
    pub(super) async fn open_in(&self, inner: &mut Inner) -> Result<(), StudioError> {
        if inner.program.is_some() {
            return Ok(());
        }
        if inner.closed {
            return Err(StudioError::said(ErrorKind::WrongPhase, said::STUDIO_CLOSING.say(&[])));
        }
        inner.program_phase = ProgramPhase::Opening;
        let (show, scene, look) = (inner.show.clone(), inner.scene.clone(), inner.look_override.clone());
        let first_scene = show.scenes.first().map(|s| s.id.clone());
        let opened = blocking(move || {
            let options = OpenOptions { preview: true, ..OpenOptions::default() };
            let (engine, events) = Engine::open(show, options)?;
            // The program opens on the first scene; put the operator's choice on at once.
            if first_scene.as_deref() != Some(scene.as_str()) {
                engine.switch_scene(&scene)?;
            }
            if let Some(look) = look {
                engine.set_look(&look)?;
            }
            Ok::<_, engine::EngineError>((engine, events))
        })
        .await?;
        let (engine, events) = match opened {
            Ok(opened) => opened,
            Err(error) => {
                let reason = error.to_string();
                self.schedule_reopen(inner, reason.clone());
                return Err(StudioError::said(
                    ErrorKind::Engine,
                    said::PROGRAM_COULD_NOT_START.say(&[("reason", &reason)]),
                ));
            }
        };
        inner.programs += 1;
        let generation = inner.programs;
        if let Some(frames) = engine.take_preview() {
            spawn_preview_pump(frames, inner.preview.clone());
        }
        if let Some(frames) = engine.take_studio_preview() {
            spawn_preview_pump(frames, inner.studio_preview.clone());
        }
        inner.preview_scene = None;
        self.spawn_engine_pump(events, generation);
        inner.program = Some(ProgramRun { engine: Arc::new(engine), generation, opened: std::time::Instant::now() });
        inner.program_phase = ProgramPhase::Running;
        Ok(())
    }

    /// After a failure: waits (1 s, doubling to 30 s), then opens the program again.
    fn schedule_reopen(&self, inner: &mut Inner, reason: String) {
        inner.program_failures += 1;
        let attempt = inner.program_failures;
        let wait = REOPEN_FIRST.saturating_mul(1 << (attempt - 1).min(5)).min(REOPEN_MAX);
        inner.program_phase = ProgramPhase::Reopening { reason, attempt, next_in_s: wait.as_secs_f64() };
        let studio = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let mut inner = studio.inner.lock().await;
            if inner.program.is_some() || inner.closed {
                return;
            }
            match studio.open_in(&mut inner).await {
                Ok(()) => studio.notice_said(NoticeLevel::Info, said::PROGRAM_BACK.say(&[])),
                Err(error) => studio.notice_error(NoticeLevel::Warning, error),
            }
            studio.announce(Event::State { state: Box::new(inner.snapshot()) });
        });
    }

    /// Closes the program for good (shutdown): EOS through every output, then NULL.
    pub(super) async fn close_program(&self, inner: &mut Inner) {
        inner.closed = true;
        inner.live = None;
        if let Some(program) = inner.program.take() {
            stop_engine(program.engine).await;
        }
        if let Some(recording) = &mut inner.recording {
            recording.finished();
        }
        inner.program_phase = ProgramPhase::Closed;
        inner.preview.send_replace(None);
        inner.studio_preview.send_replace(None);
    }

    /// Forwards the engine's reports of program `generation` into the studio, in order.
    fn spawn_engine_pump(&self, events: std::sync::mpsc::Receiver<EngineEvent>, generation: u64) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for event in events {
                if tx.send(event).is_err() {
                    break;
                }
            }
        });
        let studio = self.clone();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                // The meters go out as they come, without the studio's lock.
                if let EngineEvent::AudioLevels(levels) = &event {
                    studio.announce_levels(levels);
                    continue;
                }
                studio.on_engine_event(event, generation).await;
            }
        });
    }

    async fn on_engine_event(&self, event: EngineEvent, generation: u64) {
        let mut inner = self.inner.lock().await;
        if inner.program.as_ref().map(|p| p.generation) != Some(generation) {
            return; // a report from a program that is gone
        }
        match event {
            EngineEvent::State(EngineState::Failed { reason }) => self.program_failed(&mut inner, reason).await,
            // `Live` means the pipeline plays, not that the show is on air: that is go_live's
            // and the destinations' to say.
            EngineEvent::State(_) => {}
            EngineEvent::Output { id, state } => {
                let phase = views::output_phase(&state);
                if id == RECORDING {
                    self.recording_changed(&mut inner, phase);
                    return;
                }
                if inner.live.is_none() {
                    return; // the last words of destinations End took away
                }
                if phase == OutputPhase::Live && inner.phase == LivePhase::Starting {
                    inner.phase = LivePhase::Live;
                    self.announce(Event::State { state: Box::new(inner.snapshot()) });
                }
                let health = inner.outputs.get(&id).map(|(_, h)| h.clone()).unwrap_or(HealthView::Unknown);
                inner.outputs.insert(id.clone(), (phase.clone(), health));
                self.announce(Event::Output { id, state: phase });
            }
            EngineEvent::Stats(stats) => {
                let view = views::stats(&stats);
                let live = inner.live.is_some();
                if live {
                    inner.log.health(&view);
                }
                for output in &view.outputs {
                    if output.id == RECORDING {
                        if let Some(recording) = inner.recording.as_mut().filter(|r| r.running) {
                            recording.stats = Some(output.clone());
                        }
                    } else if live {
                        inner.outputs.insert(output.id.clone(), (output.state.clone(), output.health.clone()));
                    }
                }
                self.announce(Event::Stats { stats: view });
            }
            EngineEvent::Camera { ok, .. } => {
                if let Some(said) = views::camera_notice(&event) {
                    self.notice_said(if ok { NoticeLevel::Info } else { NoticeLevel::Warning }, said);
                }
            }
            EngineEvent::Notice { message } => self.notice(NoticeLevel::Info, message),
            EngineEvent::AudioLevels(levels) => self.announce_levels(&levels),
        }
    }

    fn recording_changed(&self, inner: &mut Inner, phase: OutputPhase) {
        let Some(recording) = inner.recording.as_mut().filter(|r| r.running) else { return };
        recording.state = phase.clone();
        match &phase {
            OutputPhase::Failed { reason } => {
                recording.running = false;
                let said = said::RECORDING_STOPPED.say(&[("reason", reason), ("path", &recording.path.display())]);
                self.notice_said(NoticeLevel::Error, said);
            }
            OutputPhase::Stopped => recording.running = false,
            OutputPhase::Live if inner.phase == LivePhase::Starting && recording.with_live => {
                inner.phase = LivePhase::Live;
            }
            _ => {}
        }
        self.announce(Event::Output { id: RECORDING.to_owned(), state: phase });
        self.announce(Event::State { state: Box::new(inner.snapshot()) });
    }

    /// The program failed: it is told, closed, and opened again after a wait. A show that
    /// was on air is off air (its destinations and recording went with the program).
    async fn program_failed(&self, inner: &mut Inner, reason: String) {
        self.notice_said(NoticeLevel::Error, said::PROGRAM_FAILED.say(&[("reason", &reason)]));
        let was_live = inner.live.take().is_some();
        let steady = inner.program.as_ref().is_some_and(|p| p.opened.elapsed() >= STEADY);
        if let Some(program) = inner.program.take() {
            stop_engine(program.engine).await;
        }
        if steady {
            inner.program_failures = 0;
        }
        if was_live {
            inner.phase = LivePhase::Failed { reason: reason.clone() };
        }
        if let Some(recording) = inner.recording.as_mut().filter(|r| r.running) {
            recording.running = false;
            recording.state = OutputPhase::Failed { reason: reason.clone() };
        }
        inner.outputs.clear();
        inner.preview.send_replace(None);
        inner.studio_preview.send_replace(None);
        inner.killed = false;
        inner.refilling.clear();
        inner.track_cards(CommandSource::Auto);
        self.schedule_reopen(inner, reason);
        self.announce(Event::State { state: Box::new(inner.snapshot()) });
    }

    /// `start_recording`: a new file in the recording folder, live or not.
    pub(super) async fn start_recording(&self, inner: &mut Inner) -> Result<CommandReply, StudioError> {
        if let Some(recording) = inner.recording.as_ref().filter(|r| r.running) {
            return Err(StudioError::said(
                ErrorKind::WrongPhase,
                said::RECORDING_ALREADY.say(&[("path", &recording.path.display())]),
            ));
        }
        if inner.config.recording_dir.is_none() {
            return Err(StudioError::said(ErrorKind::WrongPhase, said::NO_RECORDING_FOLDER.say(&[])));
        }
        self.open_in(inner).await?;
        let path = inner.reserve_recording().await?;
        let engine = inner.program_engine()?;
        let file = path.clone();
        let started = blocking(move || engine.start_recording(file)).await?;
        if let Err(error) = started {
            discard_if_empty(&path);
            return Err(StudioError::said(ErrorKind::Engine, said::COULD_NOT_RECORD.say(&[("reason", &error)])));
        }
        let note = said::RECORDING_TO.say(&[("path", &path.display())]);
        inner.recording = Some(Recording::new(path, false));
        Ok(CommandReply::said(note))
    }
}

impl Inner {
    /// `stop_recording`: the recording's file is finalized; the program (and the show on air)
    /// go on.
    pub(super) async fn stop_recording(&mut self) -> Result<CommandReply, StudioError> {
        let Some(path) = self.recording.as_ref().filter(|r| r.running).map(|r| r.path.clone()) else {
            return Err(StudioError::said(ErrorKind::WrongPhase, said::NOTHING_RECORDED.say(&[])));
        };
        let engine = self.program_engine()?;
        blocking(move || engine.stop_recording(RECORDING_DRAIN))
            .await?
            .map_err(|e| StudioError::new(ErrorKind::Engine, format!("could not stop the recording: {e}")))?;
        if let Some(recording) = &mut self.recording {
            recording.finished();
        }
        Ok(CommandReply::said(said::RECORDING_SAVED.say(&[("path", &path.display())])))
    }

    /// The open program's engine.
    pub(super) fn program_engine(&self) -> Result<Arc<Engine>, StudioError> {
        self.program
            .as_ref()
            .map(|p| Arc::clone(&p.engine))
            .ok_or_else(|| StudioError::said(ErrorKind::Engine, said::PROGRAM_NOT_RUNNING.say(&[])))
    }

    /// A new file of its own in the recording folder (a suffix when a recording of this
    /// second exists): an earlier recording is never written over.
    pub(super) async fn reserve_recording(&self) -> Result<PathBuf, StudioError> {
        let Some(folder) = self.config.recording_dir.clone() else {
            return Err(StudioError::wrong_phase("this studio has no recording folder"));
        };
        let stem = crate::show_file::file_stem(&self.show.name);
        blocking(move || {
            std::fs::create_dir_all(&folder)
                .map_err(|e| format!("cannot create the recording folder {}: {e}", folder.display()))?;
            crate::show_file::reserve_recording(&folder, &stem)
                .map_err(|e| format!("cannot create a recording file in {}: {e}", folder.display()))
        })
        .await?
        .map_err(|e| StudioError::new(ErrorKind::Internal, e))
    }
}

/// A reserved recording file that never got anything goes.
pub(super) fn discard_if_empty(path: &std::path::Path) {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        let _ = std::fs::remove_file(path);
    }
}

/// Ends an engine: EOS through every output, then NULL (see `Engine::stop`).
pub(super) async fn stop_engine(engine: Arc<Engine>) {
    let _ = blocking(move || match Arc::try_unwrap(engine) {
        Ok(engine) => {
            let drain = engine.drain_timeout();
            engine.stop(drain)
        }
        // Someone still holds it (cannot happen while commands are serialized); dropping the
        // last reference runs the same teardown.
        Err(engine) => drop(engine),
    })
    .await;
}

/// Moves preview frames from the engine's channel to the watch clients read.
fn spawn_preview_pump(
    frames: std::sync::mpsc::Receiver<engine::PreviewFrame>,
    out: watch::Sender<Option<PreviewJpeg>>,
) {
    std::thread::spawn(move || {
        for frame in frames {
            out.send_replace(Some(Arc::new(frame)));
        }
    });
}
