//! Going live and ending the show: the engine's run and its reports, the preview pump, the
//! ticker of a live show, and the kill switch.

use std::sync::Arc;

use engine::{Engine, EngineEvent, EngineState, Outputs};
use tokio::sync::watch;

use super::{blocking, Inner, LiveRun, PreviewJpeg, Studio, TICK};
use crate::destinations::ingest_targets;
use crate::protocol::{
    Command, CommandReply, CommandSource, ErrorKind, Event, HealthView, LivePhase, NoticeLevel, OutputPhase,
    StudioError,
};
use crate::views;

impl Studio {
    /// Twice a second while live: auto-advance, card redraws for sales, refilling destinations.
    async fn tick(&self, run: u64) -> bool {
        let due = {
            let mut inner = self.inner.lock().await;
            if inner.live.as_ref().map(|l| l.run) != Some(run) {
                return false;
            }
            inner.redraw_sales().await;
            // Only destinations that `resume` found refilling have anything to follow.
            if !inner.refilling.is_empty() {
                inner.follow_air().await;
            }
            if std::mem::take(&mut inner.state_dirty) {
                self.announce(Event::State { state: Box::new(inner.snapshot()) });
            }
            inner.auto_advance_due()
        };
        if due {
            if let Err(error) = self.apply_from(Command::CueNextProduct, CommandSource::Auto).await {
                // Once is enough: the operator decides (the audit log has the refusal).
                let mut inner = self.inner.lock().await;
                inner.auto_stalled = inner.cue.map(|(index, _)| index);
                self.notice(NoticeLevel::Warning, format!("auto-advance stopped: {}", error.message));
            }
        }
        true
    }

    fn spawn_ticker(&self, run: u64) {
        let studio = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(TICK).await;
                if !studio.tick(run).await {
                    break;
                }
            }
        });
    }

    /// Ends a live show, if any, and stops the audience connectors (for a clean exit of
    /// `kaibo serve` or the window).
    pub async fn shutdown(&self) {
        let mut inner = self.inner.lock().await;
        if inner.live.is_some() {
            let _ = self.end_show(&mut inner).await;
        }
        if let Some(feed) = inner.feed.take() {
            feed.stop().await;
        }
    }

    pub(super) async fn go_live(&self, inner: &mut Inner) -> Result<CommandReply, StudioError> {
        if !matches!(inner.phase, LivePhase::Idle | LivePhase::Failed { .. }) {
            return Err(StudioError::wrong_phase("the show is already live"));
        }
        let (show, vault) = (inner.show.clone(), inner.vault.clone());
        let targets = blocking(move || ingest_targets(&show, &[], &vault))
            .await?
            .map_err(|e| StudioError::new(ErrorKind::Vault, e.to_string()))?;
        if targets.is_empty() && inner.config.recording_dir.is_none() {
            return Err(StudioError::wrong_phase(
                "nowhere to send the show: add a destination (or start kaibo serve with recording on)",
            ));
        }
        // A new file of its own (a suffix when a recording of this second exists): an
        // earlier recording is never written over.
        let recording = match inner.config.recording_dir.clone() {
            Some(folder) => {
                let stem = crate::show_file::file_stem(&inner.show.name);
                let reserved = blocking(move || {
                    std::fs::create_dir_all(&folder)
                        .map_err(|e| format!("cannot create the recording folder {}: {e}", folder.display()))?;
                    crate::show_file::reserve_recording(&folder, &stem)
                        .map_err(|e| format!("cannot create a recording file in {}: {e}", folder.display()))
                })
                .await?
                .map_err(|e| StudioError::new(ErrorKind::Internal, e))?;
                Some(reserved)
            }
            None => None,
        };
        inner.phase = LivePhase::Starting;
        inner.outputs.clear();
        for target in &targets {
            inner.outputs.insert(target.id.clone(), (OutputPhase::Connecting, HealthView::Unknown));
        }
        self.announce(Event::State { state: Box::new(inner.snapshot()) });

        let outputs = Outputs { destinations: targets, recording: recording.clone(), preview: true };
        let (show, scene, look) = (inner.show.clone(), inner.scene.clone(), inner.look_override.clone());
        let first_scene = show.scenes.first().map(|s| s.id.clone());
        let started = blocking(move || {
            let (engine, events) = Engine::start(show, outputs)?;
            // The engine starts on the first scene; put the operator's choice on air at once.
            if first_scene.as_deref() != Some(scene.as_str()) {
                engine.switch_scene(&scene)?;
            }
            if let Some(look) = look {
                engine.set_look(&look)?;
            }
            Ok::<_, engine::EngineError>((engine, events))
        })
        .await?;
        let (engine, events) = match started {
            Ok(started) => started,
            Err(error) => {
                // The reserved file holds nothing: it goes.
                if let Some(path) = &recording {
                    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
                        let _ = std::fs::remove_file(path);
                    }
                }
                inner.phase = LivePhase::Failed { reason: error.to_string() };
                inner.outputs.clear();
                return Err(StudioError::new(ErrorKind::Engine, format!("could not go live: {error}")));
            }
        };
        inner.runs += 1;
        let run = inner.runs;
        if let Some(frames) = engine.take_preview() {
            spawn_preview_pump(frames, inner.preview.clone());
        }
        self.spawn_engine_pump(events, run);
        self.spawn_ticker(run);
        inner.live = Some(LiveRun { engine: Arc::new(engine), run });
        inner.recording = recording;
        inner.killed = false;
        inner.refilling.clear();
        Ok(CommandReply::done())
    }

    pub(super) async fn end_show(&self, inner: &mut Inner) -> Result<CommandReply, StudioError> {
        let Some(live) = inner.live.take() else {
            inner.phase = LivePhase::Idle;
            return Err(StudioError::wrong_phase("the show is not live"));
        };
        inner.phase = LivePhase::Ending;
        self.announce(Event::State { state: Box::new(inner.snapshot()) });
        stop_engine(live.engine).await;
        inner.phase = LivePhase::Idle;
        inner.outputs.clear();
        inner.preview.send_replace(None);
        inner.killed = false;
        inner.refilling.clear();
        let note = inner.recording.take().map(|path| format!("recording saved: {}", path.display()));
        Ok(CommandReply { ok: true, note })
    }

    /// Forwards the engine's reports of run `run` into the studio, in order.
    fn spawn_engine_pump(&self, events: std::sync::mpsc::Receiver<EngineEvent>, run: u64) {
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
                studio.on_engine_event(event, run).await;
            }
        });
    }

    async fn on_engine_event(&self, event: EngineEvent, run: u64) {
        let mut inner = self.inner.lock().await;
        if inner.live.as_ref().map(|l| l.run) != Some(run) {
            return; // a report from a show that already ended
        }
        match event {
            EngineEvent::State(EngineState::Live) => {
                inner.phase = LivePhase::Live;
                self.announce(Event::State { state: Box::new(inner.snapshot()) });
            }
            EngineEvent::State(EngineState::Failed { reason }) => {
                self.notice(NoticeLevel::Error, format!("the program failed: {reason}"));
                if let Some(live) = inner.live.take() {
                    stop_engine(live.engine).await;
                }
                inner.phase = LivePhase::Failed { reason };
                inner.outputs.clear();
                inner.preview.send_replace(None);
                inner.killed = false;
                inner.refilling.clear();
                inner.track_cards(CommandSource::Auto);
                self.announce(Event::State { state: Box::new(inner.snapshot()) });
            }
            EngineEvent::State(_) => {}
            EngineEvent::Output { id, state } => {
                let phase = views::output_phase(&state);
                let health = inner.outputs.get(&id).map(|(_, h)| h.clone()).unwrap_or(HealthView::Unknown);
                inner.outputs.insert(id.clone(), (phase.clone(), health));
                self.announce(Event::Output { id, state: phase });
            }
            EngineEvent::Stats(stats) => {
                let view = views::stats(&stats);
                inner.log.health(&view);
                for output in &view.outputs {
                    inner.outputs.insert(output.id.clone(), (output.state.clone(), output.health.clone()));
                }
                self.announce(Event::Stats { stats: view });
            }
            EngineEvent::Camera { ok, .. } => {
                if let Some(message) = views::camera_notice(&event) {
                    self.notice(if ok { NoticeLevel::Info } else { NoticeLevel::Warning }, message);
                }
            }
            EngineEvent::Notice { message } => self.notice(NoticeLevel::Info, message),
        }
    }
}

impl Inner {
    pub(super) async fn kill_switch(&mut self) -> Result<CommandReply, StudioError> {
        let Some(live) = &self.live else {
            return Err(StudioError::wrong_phase("the kill switch works while live: nothing is on air"));
        };
        let engine = Arc::clone(&live.engine);
        let cut = blocking(move || engine.kill_switch()).await?;
        self.killed = true;
        Ok(CommandReply::noted(format!("{cut} destination(s) show the safe slate; what their delay held is gone")))
    }

    pub(super) async fn resume(&mut self) -> Result<CommandReply, StudioError> {
        let Some(live) = &self.live else { return Err(StudioError::wrong_phase("the show is not live")) };
        if !self.killed {
            return Err(StudioError::wrong_phase("the kill switch is not on"));
        }
        let engine = Arc::clone(&live.engine);
        blocking(move || engine.resume()).await?;
        self.killed = false;
        self.follow_air().await;
        Ok(CommandReply::noted("each destination returns to the program once its delay has refilled"))
    }

    /// Follows destinations refilling their delay after a resume.
    async fn follow_air(&mut self) {
        let Some(live) = &self.live else { return };
        let engine = Arc::clone(&live.engine);
        let Ok(modes) = blocking(move || engine.air_modes()).await else { return };
        let refilling: Vec<String> =
            modes.into_iter().filter(|(_, mode)| *mode == engine::AirMode::Refilling).map(|(id, _)| id).collect();
        if refilling != self.refilling {
            self.refilling = refilling;
            self.state_dirty = true;
        }
    }
}

/// Ends an engine: EOS through every output, then NULL (see `Engine::stop`).
async fn stop_engine(engine: Arc<Engine>) {
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
