//! Going on air and ending the show on the running program, the ticker of a live show, the
//! kill switch, and the look a scene switch replaces.

use std::sync::Arc;

use super::program::{discard_if_empty, Recording};
use super::{blocking, Inner, LiveRun, Studio, TICK};
use crate::destinations::ingest_targets;
use crate::protocol::{
    Command, CommandReply, CommandSource, ErrorKind, Event, HealthView, LivePhase, NoticeLevel, OutputPhase,
    StudioError,
};
use crate::said;
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
                self.notice_said(NoticeLevel::Warning, said::AUTO_ADVANCE_STOPPED.say(&[("reason", &error.message)]));
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

    /// Ends a live show, if any, stops the recording, closes the program and stops the
    /// audience connectors (for a clean exit of `kaibo serve` or the window).
    pub async fn shutdown(&self) {
        let mut inner = self.inner.lock().await;
        if inner.live.is_some() {
            let _ = self.end_show(&mut inner).await;
        }
        // Closing the program finishes every output, the recording included.
        self.close_program(&mut inner).await;
        if let Some(feed) = inner.feed.take() {
            feed.stop().await;
        }
    }

    /// Go Live: the encoder and the destinations join the running program (opened first if
    /// it is not), and the recording starts too when the show says `record_when_live`.
    pub(super) async fn go_live(&self, inner: &mut Inner) -> Result<CommandReply, StudioError> {
        if inner.live.is_some() {
            return Err(StudioError::said(ErrorKind::WrongPhase, said::ALREADY_LIVE.say(&[])));
        }
        let (show, vault) = (inner.show.clone(), inner.vault.clone());
        let targets = blocking(move || ingest_targets(&show, &[], &vault))
            .await?
            .map_err(|e| StudioError::new(ErrorKind::Vault, e.to_string()))?;
        let recording_runs = inner.recording.as_ref().is_some_and(|r| r.running);
        let record = inner.show.record_when_live && inner.config.recording_dir.is_some() && !recording_runs;
        if targets.is_empty() && !record {
            let why = if recording_runs {
                "nowhere to send the show: add a destination (the recording runs already)"
            } else if inner.config.recording_dir.is_none() {
                "nowhere to send the show: add a destination (or start kaibo serve with recording on)"
            } else {
                "nowhere to send the show: add a destination (or press REC: this show does not record when live)"
            };
            return Err(StudioError::wrong_phase(why));
        }
        if let Err(error) = self.open_in(inner).await {
            inner.phase = LivePhase::Failed { reason: error.message.clone() };
            return Err(StudioError::said(
                ErrorKind::Engine,
                said::COULD_NOT_GO_LIVE.say(&[("reason", &error.message)]),
            ));
        }
        let recording = if record { Some(inner.reserve_recording().await?) } else { None };
        let engine = inner.program_engine()?;
        inner.phase = LivePhase::Starting;
        inner.outputs.clear();
        for target in &targets {
            inner.outputs.insert(target.id.clone(), (OutputPhase::Connecting, HealthView::Unknown));
        }
        self.announce(Event::State { state: Box::new(inner.snapshot()) });

        let recording_only = targets.is_empty();
        let (on_air, path) = (Arc::clone(&engine), recording.clone());
        let started = blocking(move || on_air.go_live(targets, path)).await?;
        if let Err(error) = started {
            if let Some(path) = &recording {
                discard_if_empty(path);
            }
            inner.phase = LivePhase::Failed { reason: error.to_string() };
            inner.outputs.clear();
            return Err(StudioError::said(ErrorKind::Engine, said::COULD_NOT_GO_LIVE.say(&[("reason", &error)])));
        }
        inner.runs += 1;
        let run = inner.runs;
        self.spawn_ticker(run);
        inner.live = Some(LiveRun { engine, run });
        if let Some(path) = recording {
            inner.recording = Some(Recording::new(path, true));
        }
        // With no destination, the recording is the show: on air at once. Otherwise the
        // first destination live says so (see `on_engine_event`).
        if recording_only {
            inner.phase = LivePhase::Live;
        }
        inner.killed = false;
        inner.refilling.clear();
        Ok(CommandReply::done())
    }

    /// A scene switch puts the new scene's own look on the camera (its `look` layer, or
    /// none): a look the operator picked live gives way, and the reply and a notice say so,
    /// so a look never changes without a word. The operator picks it again to keep it.
    pub(super) fn look_gave_way(&self, inner: &Inner, picked: Option<String>, reply: CommandReply) -> CommandReply {
        let Some(picked) = picked else { return reply };
        let now = views::scene_look(&inner.show, &inner.scene);
        if now.as_deref() == Some(picked.as_str()) {
            return reply;
        }
        let name =
            |id: &str| inner.show.look(id).map(|l| l.name.clone()).filter(|n| !n.is_empty()).unwrap_or(id.to_owned());
        let scene = inner.show.scene(&inner.scene).map(|s| s.name.clone()).filter(|n| !n.is_empty());
        let scene = scene.unwrap_or_else(|| inner.scene.clone());
        let said = match now {
            Some(look) => {
                said::LOOK_GAVE_WAY.say(&[("picked", &name(&picked)), ("scene", &scene), ("look", &name(&look))])
            }
            None => said::LOOK_OFF.say(&[("picked", &name(&picked)), ("scene", &scene)]),
        };
        self.notice_said(NoticeLevel::Info, said.clone());
        CommandReply::said(said)
    }

    /// End: the destinations drain and go, and so does the recording Go Live started; a
    /// recording started on its own, the program and the preview go on.
    pub(super) async fn end_show(&self, inner: &mut Inner) -> Result<CommandReply, StudioError> {
        let Some(live) = inner.live.take() else {
            if matches!(inner.phase, LivePhase::Failed { .. }) {
                inner.phase = LivePhase::Idle;
            }
            return Err(StudioError::said(ErrorKind::WrongPhase, said::NOT_LIVE.say(&[])));
        };
        inner.phase = LivePhase::Ending;
        self.announce(Event::State { state: Box::new(inner.snapshot()) });
        let engine = live.engine;
        let ended = blocking(move || {
            let drain = engine.drain_timeout();
            engine.end_live(drain)
        })
        .await?;
        inner.phase = LivePhase::Idle;
        inner.outputs.clear();
        inner.killed = false;
        inner.refilling.clear();
        if let Err(error) = ended {
            self.notice_said(NoticeLevel::Warning, said::ENDING_PROBLEM.say(&[("reason", &error)]));
        }
        let saved = match &mut inner.recording {
            Some(recording) if recording.running && recording.with_live => {
                recording.finished();
                Some(said::RECORDING_SAVED.say(&[("path", &recording.path.display())]))
            }
            Some(recording) if recording.running => {
                Some(said::RECORDING_GOES_ON.say(&[("path", &recording.path.display())]))
            }
            _ => None,
        };
        Ok(saved.map_or_else(CommandReply::done, CommandReply::said))
    }
}

impl Inner {
    pub(super) async fn kill_switch(&mut self) -> Result<CommandReply, StudioError> {
        let Some(live) = &self.live else {
            return Err(StudioError::said(ErrorKind::WrongPhase, said::KILL_NOT_LIVE.say(&[])));
        };
        let engine = Arc::clone(&live.engine);
        let cut = blocking(move || engine.kill_switch()).await?;
        self.killed = true;
        Ok(CommandReply::said(said::KILLED.say(&[("count", &cut)])))
    }

    pub(super) async fn resume(&mut self) -> Result<CommandReply, StudioError> {
        let Some(live) = &self.live else {
            return Err(StudioError::said(ErrorKind::WrongPhase, said::NOT_LIVE.say(&[])));
        };
        if !self.killed {
            return Err(StudioError::said(ErrorKind::WrongPhase, said::KILL_NOT_ON.say(&[])));
        }
        let engine = Arc::clone(&live.engine);
        blocking(move || engine.resume()).await?;
        self.killed = false;
        self.follow_air().await;
        Ok(CommandReply::said(said::RESUMED.say(&[])))
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
