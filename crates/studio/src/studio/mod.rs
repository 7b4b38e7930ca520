//! `Studio`: the one owner of the studio's state, and its only writer.
//!
//! Clients (the web UI over HTTP/WebSocket, the desktop window over IPC) send [`Command`]s to
//! [`Studio::apply`]; the reply goes back to that client, and every change is announced to all
//! subscribers as an [`Event`] (a tokio broadcast). The engine's own reports (state, outputs,
//! stats) and the audience feed come in through the same lock, so there is one order of
//! changes that every client sees.
//!
//! The engine lives only inside a live run: a studio that is not live holds no pipeline.
//! Engine calls block (GStreamer state changes, the keyring), so they go through
//! `spawn_blocking`; commands are applied one at a time, in order.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use engine::{Engine, EngineEvent, EngineState, Outputs};
use show::{Destination, Layer, LayerEdit, SecretRef, Show};
use tokio::sync::{broadcast, watch, Mutex};

mod paths;

use crate::destinations::{ingest_target, ingest_targets, split_key};
use crate::pre_air::PreAirCheck;
use crate::protocol::{
    AudienceSummary, CanvasView, ChatItem, Command, CommandReply, CommandSource, ErrorKind, Event, HealthView,
    KillSwitchView, LivePhase, NoticeLevel, OutputPhase, StudioError, StudioState,
};
use crate::sales::Sale;
use crate::session_log::{SessionFiles, SessionLog};
use crate::vault::Vault;
use crate::views;

/// A JPEG picture of the program, shared without copying between clients.
pub type PreviewJpeg = Arc<Vec<u8>>;

/// How the studio runs.
#[derive(Debug, Clone, Default)]
pub struct StudioConfig {
    /// Record each show into this folder; `None` does not record.
    pub recording_dir: Option<PathBuf>,
    /// The session database (audit log, exposures, health, beside the audience events);
    /// `None` keeps nothing.
    pub session: Option<SessionFiles>,
    /// Words the pre-air check keeps off air (and the chat panel masks).
    pub banned_words: Vec<String>,
    /// The file the show was opened from, where `save_show` writes it back; `None` saves
    /// into the user's shows folder.
    pub show_file: Option<PathBuf>,
    /// Where uploaded files go (`POST /api/media`, `<data dir>/media`): beside the show's
    /// folder, the only place files named in commands may come from. `None`: only the show's.
    pub media_dir: Option<PathBuf>,
}

/// Messages kept for clients that connect later.
const CHAT_KEPT: usize = 1000;
/// Messages sent in a state snapshot.
const CHAT_IN_STATE: usize = 200;
/// Events a slow client may fall behind by before it is told to reload the state.
const EVENT_BUFFER: usize = 1024;
/// How often a live show checks auto-advance, redraws cards whose sales changed, and
/// follows destinations refilling their delay.
const TICK: Duration = Duration::from_millis(500);

/// The studio. Cheap to clone: every clone is the same studio.
#[derive(Clone)]
pub struct Studio {
    inner: Arc<Mutex<Inner>>,
    events: broadcast::Sender<Event>,
    preview: watch::Receiver<Option<PreviewJpeg>>,
}

/// A show on air: the engine and what identifies its reports.
struct LiveRun {
    engine: Arc<Engine>,
    /// Reports from an earlier run (still draining) are told apart by this number.
    run: u64,
}

struct Inner {
    show: Show,
    config: StudioConfig,
    vault: Vault,
    scene: String,
    /// A look chosen by the operator, until the next scene switch.
    look_override: Option<String>,
    phase: LivePhase,
    live: Option<LiveRun>,
    runs: u64,
    outputs: BTreeMap<String, (OutputPhase, HealthView)>,
    recording: Option<PathBuf>,
    chat: VecDeque<ChatItem>,
    blocked: BTreeSet<String>,
    audience: AudienceSummary,
    preview: watch::Sender<Option<PreviewJpeg>>,
    log: SessionLog,
    pre_air: PreAirCheck,
    /// The run-of-show item on its card now, and when it was cued.
    cue: Option<(usize, chrono::DateTime<chrono::Utc>)>,
    /// The kill switch is on: destinations show the safe slate.
    killed: bool,
    /// Destinations back from the slate but still refilling their delay.
    refilling: Vec<String>,
    /// The run-of-show item auto-advance could not move on from (it stops trying).
    auto_stalled: Option<usize>,
    /// Products whose sales changed since their cards were last drawn.
    sales_dirty: BTreeSet<String>,
    /// Something changed outside a command (sales, refilling) that clients have not seen.
    state_dirty: bool,
    /// The audience path's connectors, once attached.
    feed: Option<crate::audience_feed::AudienceFeed>,
}

impl Studio {
    /// A studio for `show`, not live.
    pub fn new(show: Show, config: StudioConfig) -> Studio {
        Studio::with_vault(show, config, Vault)
    }

    /// A studio with its own vault (tests use the keyring's mock).
    pub fn with_vault(show: Show, config: StudioConfig, vault: Vault) -> Studio {
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let (preview_tx, preview) = watch::channel(None);
        let scene = show.scenes.first().map(|s| s.id.clone()).unwrap_or_default();
        let log = SessionLog::open(config.session.clone());
        let pre_air = PreAirCheck::new(&config.banned_words);
        let inner = Inner {
            show,
            config,
            vault,
            scene,
            look_override: None,
            phase: LivePhase::Idle,
            live: None,
            runs: 0,
            outputs: BTreeMap::new(),
            recording: None,
            chat: VecDeque::new(),
            blocked: BTreeSet::new(),
            audience: AudienceSummary::default(),
            preview: preview_tx,
            log,
            pre_air,
            cue: None,
            killed: false,
            refilling: Vec::new(),
            auto_stalled: None,
            sales_dirty: BTreeSet::new(),
            state_dirty: false,
            feed: None,
        };
        Studio { inner: Arc::new(Mutex::new(inner)), events, preview }
    }

    /// Every event from now on. A receiver that falls more than [`EVENT_BUFFER`] behind gets
    /// `Lagged` and should fetch [`Studio::state`] again.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// The latest preview picture (while live), and a way to wait for the next.
    pub fn preview(&self) -> watch::Receiver<Option<PreviewJpeg>> {
        self.preview.clone()
    }

    /// Where uploaded media files go, if anywhere.
    pub async fn media_dir(&self) -> Option<PathBuf> {
        self.inner.lock().await.config.media_dir.clone()
    }

    /// The whole state, as `GET /api/state` and the first event of a connection give it.
    pub async fn state(&self) -> StudioState {
        self.inner.lock().await.snapshot()
    }

    /// Applies one command from an outside tool (see [`Studio::apply_from`]).
    pub async fn apply(&self, command: Command) -> Result<CommandReply, StudioError> {
        self.apply_from(command, CommandSource::Api).await
    }

    /// Applies one command. The caller gets the reply; everyone gets the events; the audit
    /// log gets the action, its source and how it ended. Changes that would put a banned
    /// word on air are refused unless they come inside `override`.
    pub async fn apply_from(&self, command: Command, source: CommandSource) -> Result<CommandReply, StudioError> {
        let mut inner = self.inner.lock().await;
        let action = command.name();
        let (command, checked) = match command {
            Command::Override { command } if matches!(*command, Command::Override { .. }) => {
                return Err(StudioError::bad_request("an override holds the command itself, not another override"));
            }
            Command::Override { command } => (*command, false),
            command => (command, true),
        };
        let mut detail = audit_detail(&command);
        let result = match inner.pre_air(&command) {
            Err(findings) if checked => Err(findings),
            Err(findings) => {
                detail = format!("{detail}; let through: {}", findings.message);
                self.dispatch(&mut inner, command).await
            }
            Ok(()) => self.dispatch(&mut inner, command).await,
        };
        inner.track_cards(source);
        let outcome = result.as_ref().map(|r| r.note.clone().unwrap_or_default()).map_err(|e| e.message.clone());
        inner.log.audit(source, action, detail, &outcome);
        // Whatever happened (a failed Go Live changes the phase too), clients see the result.
        self.announce(Event::State { state: Box::new(inner.snapshot()) });
        result
    }

    async fn dispatch(&self, inner: &mut Inner, command: Command) -> Result<CommandReply, StudioError> {
        match command {
            Command::SwitchScene { scene } => inner.switch_scene(scene).await,
            Command::SetLook { look } => inner.set_look(look).await,
            Command::SetLayerVisible { layer, visible } => inner.set_layer_visible(layer, visible).await,
            Command::SetCardProduct { layer, product } => inner.set_card_product(layer, product).await,
            Command::SetLayerRect { layer, rect } => {
                inner.scene_layer_mut(&layer)?;
                inner.edit_layers(LayerEdit::SetRect { layer, rect }).await
            }
            Command::MoveLayer { layer, to_index } => {
                inner.scene_layer_mut(&layer)?;
                inner.edit_layers(LayerEdit::Move { layer, to: to_index as usize }).await
            }
            Command::RemoveLayer { layer } => {
                inner.scene_layer_mut(&layer)?;
                inner.edit_layers(LayerEdit::Remove { layer }).await
            }
            Command::AddLayer { layer } => {
                let layer: Layer = serde_json::from_value(layer)
                    .map_err(|e| StudioError::bad_request(format!("the new layer is not a layer of the show format: {e}")))?;
                // Checked before the show's validation, whose messages tell missing files,
                // folders and unreadable ones apart.
                paths::AllowedFolders::new(&inner.show, inner.config.media_dir.as_deref())
                    .check_layer(&inner.show.base_dir, &layer)?;
                inner.edit_layers(LayerEdit::Add(layer)).await
            }
            Command::SetProductSoldOut { product, sold_out } => inner.set_product_sold_out(&product, sold_out).await,
            Command::GoLive => self.go_live(inner).await,
            Command::EndShow => self.end_show(inner).await,
            Command::AddDestination { id, platform, url, key } => {
                inner.add_destination(id, views::platform(platform), url, key).await
            }
            Command::RemoveDestination { id } => inner.remove_destination(&id).await,
            Command::StartDestination { id } => inner.on_engine(move |e| e.start_destination(&id)).await,
            Command::StopDestination { id } => inner.on_engine(move |e| e.stop_destination(&id)).await,
            Command::BlockUser { user } => {
                let hidden = inner.block(user);
                self.announce(Event::ChatHidden { ids: hidden });
                Ok(CommandReply::done())
            }
            Command::UnblockUser { user } => {
                inner.blocked.remove(user.trim());
                Ok(CommandReply::done())
            }
            Command::HideMessage { id } => {
                inner.chat.retain(|item| item.id != id);
                self.announce(Event::ChatHidden { ids: vec![id] });
                Ok(CommandReply::done())
            }
            Command::CueNextProduct => {
                let next = inner.next_cue()?;
                inner.cue(next).await
            }
            Command::CueProduct { product } => {
                let index = inner.run_index(&product)?;
                inner.cue(index).await
            }
            Command::KillSwitch => inner.kill_switch().await,
            Command::Resume => inner.resume().await,
            Command::WriteReport => inner.write_report().await,
            Command::SaveShow => inner.save_show().await,
            Command::ConnectAudience { platform, room, key, endpoint } => {
                inner.connect_audience(platform, room, key, endpoint).await
            }
            Command::DisconnectAudience { connector } => {
                let feed = inner.feed.as_mut().ok_or_else(no_feed)?;
                if !feed.disconnect(&connector).await {
                    return Err(StudioError::not_found("connected chat", &connector));
                }
                Ok(CommandReply::done())
            }
            // Unwrapped by `apply_from`; one inside another is refused there.
            Command::Override { .. } => Err(StudioError::bad_request("an override holds the command itself, not another override")),
        }
    }

    /// The session report as one HTML page (for `GET /api/report`).
    pub async fn report_html(&self) -> Result<String, StudioError> {
        let (files, flusher) = {
            let inner = self.inner.lock().await;
            (inner.log.files().cloned(), inner.log.flusher())
        };
        let files = files.ok_or_else(|| StudioError::wrong_phase("this studio keeps no session data (start it with --data)"))?;
        blocking(move || {
            flusher.flush();
            report::SessionData::load(&files.database, files.session).map(|data| data.to_html())
        })
            .await?
            .map_err(|e| StudioError::new(ErrorKind::Internal, format!("the report could not be made: {e}")))
    }

    /// Orders from the audience path: sold counters and stock on the products' cards.
    pub async fn sales(&self, sales: Vec<Sale>) {
        if sales.is_empty() {
            return;
        }
        let mut inner = self.inner.lock().await;
        let change = crate::sales::apply(&mut inner.show, &sales);
        for product in &change.sold_out {
            inner.log.audit(CommandSource::Auto, "set_product_sold_out", format!("product {product}: stock reached 0"), &Ok(String::new()));
            self.notice(NoticeLevel::Info, format!("\"{product}\" is sold out: its card says so now"));
        }
        inner.sales_dirty.extend(change.changed);
        inner.state_dirty = true;
    }

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

    /// Hands the running audience path to the studio: the operator's `connect_audience`
    /// adds connectors to it, and their state is followed once a second.
    pub async fn attach_feed(&self, feed: crate::audience_feed::AudienceFeed) {
        self.inner.lock().await.feed = Some(feed);
        let studio = self.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let inner = studio.inner.lock().await;
                let Some(feed) = &inner.feed else { break };
                let now: Vec<(String, String, Option<String>)> =
                    feed.connectors().into_iter().map(|c| (c.label, c.status, c.error)).collect();
                if now != seen {
                    seen = now;
                    studio.announce(Event::State { state: Box::new(inner.snapshot()) });
                }
            }
        });
    }

    fn announce(&self, event: Event) {
        // No subscriber is fine: nobody is watching.
        let _ = self.events.send(event);
    }

    fn notice(&self, level: NoticeLevel, message: impl Into<String>) {
        self.announce(Event::Notice { level, message: message.into() });
    }

    async fn go_live(&self, inner: &mut Inner) -> Result<CommandReply, StudioError> {
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

    async fn end_show(&self, inner: &mut Inner) -> Result<CommandReply, StudioError> {
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

    /// Names the audience sources for the state.
    pub async fn set_audience_sources(&self, sources: Vec<String>) {
        let mut inner = self.inner.lock().await;
        inner.audience.sources = sources;
    }

    /// New audience messages (and, at most once a second, new totals) from the feed.
    pub async fn audience_batch(&self, items: Vec<ChatItem>, summary: Option<AudienceSummary>) {
        let mut inner = self.inner.lock().await;
        let items: Vec<ChatItem> = items.into_iter().filter(|item| !inner.is_blocked(item)).collect();
        if !items.is_empty() {
            inner.chat.extend(items.iter().cloned());
            while inner.chat.len() > CHAT_KEPT {
                inner.chat.pop_front();
            }
            self.announce(Event::Chat { items });
        }
        if let Some(summary) = summary {
            inner.audience = summary.clone();
            self.announce(Event::Audience { summary });
        }
    }
}

impl Inner {
    fn snapshot(&self) -> StudioState {
        let destinations = self
            .show
            .destinations
            .iter()
            .map(|d| {
                let (state, health) = self.outputs.get(&d.id).cloned().unwrap_or((OutputPhase::Idle, HealthView::Unknown));
                views::destination(d, state, health)
            })
            .collect();
        let skip = self.chat.len().saturating_sub(CHAT_IN_STATE);
        StudioState {
            show_name: self.show.name.clone(),
            canvas: CanvasView { width: self.show.canvas.width, height: self.show.canvas.height, fps: self.show.canvas.fps },
            phase: self.phase.clone(),
            scene: self.scene.clone(),
            look: self.look_override.clone().or_else(|| views::scene_look(&self.show, &self.scene)),
            scenes: views::scenes(&self.show),
            looks: views::looks(&self.show),
            products: views::products(&self.show),
            destinations,
            preview: self.live.is_some(),
            recording: self.recording.as_ref().map(|p| p.display().to_string()),
            blocked_users: self.blocked.iter().cloned().collect(),
            chat: self.chat.iter().skip(skip).cloned().collect(),
            audience: self.audience.clone(),
            run_of_show: views::run_of_show(
                &self.show,
                self.cue.map(|(index, _)| index),
                self.cue.map(|(_, at)| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)).as_deref(),
            ),
            kill_switch: KillSwitchView { on: self.killed, refilling: self.refilling.clone() },
            show_file: self.show_file().display().to_string(),
            connectors: self.feed.as_ref().map(|f| f.connectors()).unwrap_or_default(),
            session: self.log.files().map(|f| f.session),
        }
    }

    /// Runs `act` on the live engine, off the async threads.
    async fn on_engine<F>(&self, act: F) -> Result<CommandReply, StudioError>
    where
        F: FnOnce(&Engine) -> Result<(), engine::EngineError> + Send + 'static,
    {
        let Some(live) = &self.live else {
            return Err(StudioError::wrong_phase("this works while live: press Go Live first"));
        };
        let engine = Arc::clone(&live.engine);
        blocking(move || act(&engine))
            .await?
            .map_err(|e| StudioError::new(ErrorKind::Engine, e.to_string()))?;
        Ok(CommandReply::done())
    }

    /// Like [`Inner::on_engine`], but does nothing (successfully) when not live: the change
    /// is then only prepared in the show for the next start.
    async fn on_engine_if_live<F>(&self, act: F) -> Result<(), StudioError>
    where
        F: FnOnce(&Engine) -> Result<(), engine::EngineError> + Send + 'static,
    {
        if self.live.is_some() {
            self.on_engine(act).await?;
        }
        Ok(())
    }

    async fn switch_scene(&mut self, scene: String) -> Result<CommandReply, StudioError> {
        if self.show.scene(&scene).is_none() {
            return Err(StudioError::not_found("scene", &scene));
        }
        let id = scene.clone();
        self.on_engine_if_live(move |e| e.switch_scene(&id)).await?;
        self.scene = scene;
        self.look_override = None;
        Ok(CommandReply::done())
    }

    async fn set_look(&mut self, look: String) -> Result<CommandReply, StudioError> {
        if self.show.look(&look).is_none() {
            return Err(StudioError::not_found("look", &look));
        }
        let id = look.clone();
        self.on_engine_if_live(move |e| e.set_look(&id)).await?;
        self.look_override = Some(look);
        Ok(CommandReply::done())
    }

    fn scene_layer_mut(&mut self, layer: &str) -> Result<&mut Layer, StudioError> {
        let scene_id = self.scene.clone();
        let scene = self
            .show
            .scenes
            .iter_mut()
            .find(|s| s.id == scene_id)
            .ok_or_else(|| StudioError::not_found("scene", &scene_id))?;
        scene
            .layers
            .iter_mut()
            .find(|l| l.id() == layer)
            .ok_or_else(|| StudioError::not_found(&format!("layer in scene \"{scene_id}\" called"), layer))
    }

    async fn set_layer_visible(&mut self, layer: String, visible: bool) -> Result<CommandReply, StudioError> {
        self.scene_layer_mut(&layer)?;
        let id = layer.clone();
        self.on_engine_if_live(move |e| e.set_layer_visible(&id, visible)).await?;
        self.scene_layer_mut(&layer)?.set_visible(visible);
        Ok(CommandReply::done())
    }

    /// Edits the layers of the scene on air: checked on a copy of the show first (the same
    /// rules as `kaibo check`), then applied on air when live, then kept.
    async fn edit_layers(&mut self, edit: LayerEdit) -> Result<CommandReply, StudioError> {
        let mut edited = self.show.clone();
        edited
            .edit_layers(&self.scene, edit.clone())
            .map_err(|e| StudioError::bad_request(e.to_string()))?;
        self.on_engine_if_live(move |e| match edit {
            LayerEdit::SetRect { layer, rect } => e.set_layer_rect(&layer, rect),
            LayerEdit::Move { layer, to } => e.move_layer(&layer, to),
            LayerEdit::Remove { layer } => e.remove_layer(&layer),
            LayerEdit::Add(layer) => e.add_layer(layer),
        })
        .await?;
        self.show = edited;
        Ok(CommandReply::done())
    }

    async fn set_card_product(&mut self, layer: String, product: String) -> Result<CommandReply, StudioError> {
        if self.show.product(&product).is_none() {
            return Err(StudioError::not_found("product", &product));
        }
        if !matches!(self.scene_layer_mut(&layer)?, Layer::ProductCard(_)) {
            return Err(StudioError::bad_request(format!("layer \"{layer}\" is not a product card")));
        }
        let (id, pid) = (layer.clone(), product.clone());
        self.on_engine_if_live(move |e| e.set_card_product(&id, &pid)).await?;
        if let Layer::ProductCard(card) = self.scene_layer_mut(&layer)? {
            card.product = product;
        }
        Ok(CommandReply::done())
    }

    async fn set_product_sold_out(&mut self, product: &str, sold_out: bool) -> Result<CommandReply, StudioError> {
        let mut updated = self
            .show
            .product(product)
            .cloned()
            .ok_or_else(|| StudioError::not_found("product", product))?;
        updated.sold_out = sold_out;
        let on_air = updated.clone();
        // The card on air is redrawn at once; the catalogue changes only if that worked.
        self.on_engine_if_live(move |e| e.update_product(on_air)).await?;
        if let Some(entry) = self.show.products.iter_mut().find(|p| p.id == product) {
            *entry = updated;
        }
        Ok(CommandReply::done())
    }

    async fn add_destination(
        &mut self,
        id: String,
        platform: show::Platform,
        url: String,
        key: Option<String>,
    ) -> Result<CommandReply, StudioError> {
        let id = id.trim().to_owned();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(StudioError::bad_request("a destination name uses letters, digits, - and _ only"));
        }
        if self.show.destinations.iter().any(|d| d.id == id) {
            return Err(StudioError::bad_request(format!("there is already a destination called \"{id}\"")));
        }
        let mut url = url.trim().to_owned();
        let mut key = key.map(|k| k.trim().to_owned()).filter(|k| !k.is_empty());
        // A key typed inside the URL goes into the keyring like one given apart.
        if key.is_none() {
            if let Some((base, inline)) = split_key(&url) {
                url = base;
                key = Some(inline);
            }
        }
        let secret = key.as_ref().map(|_| destination_secret(&id));
        let destination = Destination {
            id: id.clone(),
            platform,
            url,
            key: secret.clone().map(|secret| SecretRef { secret }),
            enabled: true,
            delay_seconds: 0,
        };
        let mut candidate = self.show.clone();
        candidate.destinations.push(destination.clone());
        if let Err(error) = candidate.validate() {
            // Validation names fields by index; the operator knows this one by its form.
            let index = format!("destinations[{}]", candidate.destinations.len() - 1);
            let message = error.to_string().replace(&index, "the new destination");
            return Err(StudioError::bad_request(message));
        }
        if let (Some(secret), Some(key)) = (secret, key) {
            let vault = self.vault.clone();
            blocking(move || vault.set(&secret, &key))
                .await?
                .map_err(|e| StudioError::new(ErrorKind::Vault, format!("the stream key could not be stored: {e}")))?;
        }
        if self.live.is_some() {
            let vault = self.vault.clone();
            let target = blocking(move || ingest_target(&destination, &vault))
                .await?
                .map_err(|e| StudioError::new(ErrorKind::Vault, e.to_string()))?;
            self.on_engine(move |e| e.add_destination(target)).await?;
            self.outputs.insert(id.clone(), (OutputPhase::Connecting, HealthView::Unknown));
        }
        self.show = candidate;
        Ok(CommandReply::done())
    }

    async fn remove_destination(&mut self, id: &str) -> Result<CommandReply, StudioError> {
        let Some(index) = self.show.destinations.iter().position(|d| d.id == id) else {
            return Err(StudioError::not_found("destination", id));
        };
        let sending = self
            .outputs
            .get(id)
            .is_some_and(|(state, _)| !matches!(state, OutputPhase::Idle | OutputPhase::Stopped | OutputPhase::Failed { .. }));
        if sending {
            return Err(StudioError::wrong_phase(format!("\"{id}\" is sending: stop it first")));
        }
        let removed = self.show.destinations.remove(index);
        self.outputs.remove(id);
        // Keys the studio filed itself go with their destination.
        if let Some(secret) = removed.key.map(|k| k.secret).filter(|s| s == &destination_secret(id)) {
            let vault = self.vault.clone();
            let _ = blocking(move || vault.delete(&secret)).await;
        }
        Ok(CommandReply::done())
    }

    /// The pre-air check of `command` against the show as it is now.
    fn pre_air(&self, command: &Command) -> Result<(), StudioError> {
        // "Next" is checked as the product it will cue.
        let resolved;
        let command = match command {
            Command::CueNextProduct => match self.next_cue() {
                Ok(index) => {
                    let product = self.show.run_of_show.as_ref().map(|r| r.items[index].product.clone()).unwrap_or_default();
                    resolved = Command::CueProduct { product };
                    &resolved
                }
                Err(_) => return Ok(()),
            },
            command => command,
        };
        self.pre_air.check(&self.show, &self.scene, command)
    }

    /// Brings the exposure log in line with the product cards visible on air now.
    fn track_cards(&mut self, source: CommandSource) {
        let on_air: Vec<(String, String)> = if self.live.is_some() {
            self.show
                .scene(&self.scene)
                .map(|scene| {
                    scene
                        .layers
                        .iter()
                        .filter_map(|l| match l {
                            Layer::ProductCard(card) if card.visible => Some((card.id.clone(), card.product.clone())),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        self.log.track_cards(&on_air, source, chrono::Utc::now());
    }

    fn run_of_show(&self) -> Result<&show::RunOfShow, StudioError> {
        self.show.run_of_show.as_ref().ok_or_else(|| StudioError::bad_request("this show has no run of show"))
    }

    /// The run-of-show item after the one on its card (the first when none is).
    fn next_cue(&self) -> Result<usize, StudioError> {
        let run = self.run_of_show()?;
        let next = self.cue.map_or(0, |(index, _)| index + 1);
        if next >= run.items.len() {
            return Err(StudioError::wrong_phase("that was the last product of the run of show"));
        }
        Ok(next)
    }

    fn run_index(&self, product: &str) -> Result<usize, StudioError> {
        self.run_of_show()?
            .items
            .iter()
            .position(|item| item.product == product)
            .ok_or_else(|| StudioError::not_found("product in the run of show called", product))
    }

    /// Puts run-of-show item `index` on the run's card (and the card on air).
    async fn cue(&mut self, index: usize) -> Result<CommandReply, StudioError> {
        let run = self.run_of_show()?;
        let (card, product) = (run.card.clone(), run.items[index].product.clone());
        if self.scene_layer_mut(&card).is_err() {
            return Err(StudioError::wrong_phase(format!(
                "the run of show's card \"{card}\" is not in the scene on air (\"{}\"): switch to a scene with it first",
                self.scene
            )));
        }
        self.set_card_product(card.clone(), product.clone()).await?;
        self.set_layer_visible(card, true).await?;
        self.cue = Some((index, chrono::Utc::now()));
        let name = self.show.product(&product).map(|p| p.name.clone()).unwrap_or(product);
        Ok(CommandReply::noted(format!("on the card now: {name}")))
    }

    /// Whether the product on the card has had its target time (auto-advance on).
    fn auto_advance_due(&self) -> bool {
        let (Some(run), Some((index, at))) = (self.show.run_of_show.as_ref(), self.cue) else { return false };
        let Some(target) = run.items.get(index).and_then(|item| item.target_seconds) else { return false };
        run.auto_advance
            && self.auto_stalled != Some(index)
            && index + 1 < run.items.len()
            && chrono::Utc::now().signed_duration_since(at).num_milliseconds() >= i64::from(target) * 1000
    }

    async fn kill_switch(&mut self) -> Result<CommandReply, StudioError> {
        let Some(live) = &self.live else {
            return Err(StudioError::wrong_phase("the kill switch works while live: nothing is on air"));
        };
        let engine = Arc::clone(&live.engine);
        let cut = blocking(move || engine.kill_switch()).await?;
        self.killed = true;
        Ok(CommandReply::noted(format!("{cut} destination(s) show the safe slate; what their delay held is gone")))
    }

    async fn resume(&mut self) -> Result<CommandReply, StudioError> {
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

    /// Redraws the cards of products whose sales changed.
    async fn redraw_sales(&mut self) {
        if self.sales_dirty.is_empty() {
            return;
        }
        let products: Vec<show::Product> = std::mem::take(&mut self.sales_dirty)
            .iter()
            .filter_map(|id| self.show.product(id).cloned())
            .collect();
        let Some(live) = &self.live else { return };
        let engine = Arc::clone(&live.engine);
        let _ = blocking(move || {
            for product in products {
                let _ = engine.update_product(product);
            }
        })
        .await;
    }

    async fn connect_audience(
        &mut self,
        platform: String,
        room: String,
        key: Option<String>,
        endpoint: Option<String>,
    ) -> Result<CommandReply, StudioError> {
        let (platform, room) = (platform.trim().to_lowercase(), room.trim().to_owned());
        if self.feed.is_none() {
            return Err(no_feed());
        }
        if audience::endpoint::default_endpoint(&platform).is_none() {
            return Err(StudioError::bad_request(format!("unknown platform \"{platform}\": use twitch, youtube or bilibili")));
        }
        if room.is_empty() || room.chars().any(char::is_control) {
            return Err(StudioError::bad_request(format!(
                "{platform} needs {} (no line breaks or control characters)",
                crate::audience_feed::room_word(&platform)
            )));
        }
        let endpoint = endpoint.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
        // A stored key only ever goes to the platform's own server: with another endpoint
        // the key must come in this command, and it is not kept.
        let own_server = endpoint.as_deref().is_none_or(|e| audience::endpoint::is_default_endpoint(&platform, e));
        let secret = audience_secret(&platform, &room);
        let vault = self.vault.clone();
        let key = key.map(|k| k.trim().to_owned()).filter(|k| !k.is_empty());
        let key = blocking(move || match key {
            Some(key) if own_server => vault.set(&secret, &key).map(|()| Some(key)),
            Some(key) => Ok(Some(key)),
            None if own_server => Ok(vault.get(&secret).ok()),
            None => Ok(None),
        })
        .await?
        .map_err(|e| StudioError::new(ErrorKind::Vault, format!("the key could not be stored: {e}")))?;
        let spec = crate::audience_feed::ConnectorSpec { platform, room, key, endpoint };
        let label = spec.label();
        self.feed.as_mut().ok_or_else(no_feed)?.connect(spec).map_err(StudioError::bad_request)?;
        Ok(CommandReply::noted(format!("reading {label}")))
    }

    fn show_file(&self) -> PathBuf {
        self.config.show_file.clone().unwrap_or_else(|| crate::show_file::default_path(&self.show))
    }

    async fn save_show(&mut self) -> Result<CommandReply, StudioError> {
        self.file_inline_keys().await?;
        let (show, path) = (self.show.clone(), self.show_file());
        let written = path.clone();
        blocking(move || crate::show_file::save(&show, &path))
            .await?
            .map_err(|e| StudioError::new(ErrorKind::Internal, e))?;
        Ok(CommandReply::noted(format!("show saved: {}", written.display())))
    }

    /// Moves stream keys typed inside destination URLs (a show opened with them) into the
    /// keyring, so the saved file refers to them by name.
    async fn file_inline_keys(&mut self) -> Result<(), StudioError> {
        let moves: Vec<(usize, String, String, String)> = self
            .show
            .destinations
            .iter()
            .enumerate()
            .filter(|(_, d)| d.key.is_none())
            .filter_map(|(i, d)| split_key(&d.url).map(|(base, key)| (i, destination_secret(&d.id), base, key)))
            .collect();
        for (index, secret, base, key) in moves {
            let vault = self.vault.clone();
            let name = secret.clone();
            blocking(move || vault.set(&name, &key))
                .await?
                .map_err(|e| StudioError::new(ErrorKind::Vault, format!("the stream key could not be moved into the keyring: {e}")))?;
            let destination = &mut self.show.destinations[index];
            destination.url = base;
            destination.key = Some(SecretRef { secret });
        }
        Ok(())
    }

    async fn write_report(&mut self) -> Result<CommandReply, StudioError> {
        let files = self
            .log
            .files()
            .cloned()
            .ok_or_else(|| StudioError::wrong_phase("this studio keeps no session data (start it with --data)"))?;
        let flusher = self.log.flusher();
        let written = blocking(move || -> Result<PathBuf, String> {
            flusher.flush();
            let data = report::SessionData::load(&files.database, files.session).map_err(|e| e.to_string())?;
            let folder = files.database.parent().unwrap_or(std::path::Path::new(".")).join("reports");
            std::fs::create_dir_all(&folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
            let html = folder.join(format!("session-{}.html", files.session));
            std::fs::write(&html, data.to_html()).map_err(|e| format!("cannot write {}: {e}", html.display()))?;
            let json = html.with_extension("json");
            std::fs::write(&json, data.to_json()).map_err(|e| format!("cannot write {}: {e}", json.display()))?;
            data.to_csv_files(&html.with_extension("csv")).map_err(|e| e.to_string())?;
            Ok(html)
        })
        .await?
        .map_err(|e| StudioError::new(ErrorKind::Internal, format!("the report could not be written: {e}")))?;
        Ok(CommandReply::noted(format!("report saved: {}", written.display())))
    }

    /// Blocks `user` and takes their messages off the panel; returns the ids taken off.
    fn block(&mut self, user: String) -> Vec<String> {
        let user = user.trim().to_owned();
        if user.is_empty() {
            return Vec::new();
        }
        self.blocked.insert(user);
        let chat = std::mem::take(&mut self.chat);
        let (hidden, kept): (Vec<ChatItem>, Vec<ChatItem>) = chat.into_iter().partition(|item| self.is_blocked(item));
        self.chat = kept.into();
        hidden.into_iter().map(|item| item.id).collect()
    }

    fn is_blocked(&self, item: &ChatItem) -> bool {
        let bare_id = item.user_key.split_once(':').map(|(_, id)| id).unwrap_or("");
        self.blocked.contains(&item.user_key)
            || (!item.user.is_empty() && self.blocked.contains(&item.user))
            || (!bare_id.is_empty() && self.blocked.contains(bare_id))
    }
}

/// The keyring name of the stream key the studio files for destination `id`.
fn destination_secret(id: &str) -> String {
    format!("destination-{id}")
}

/// The keyring name of a chat key: the platform (one of a fixed few, none with a `-`) and
/// the room exactly as given, trimmed. Nothing else is folded (no case, no `#`), so two rooms
/// never share a name and one room's key is never found under another's.
fn audience_secret(platform: &str, room: &str) -> String {
    format!("audience-{platform}-{}", room.trim())
}

fn no_feed() -> StudioError {
    StudioError::wrong_phase("the audience path is not running in this studio")
}

/// What the audit log says about a command: its fields as JSON, without the type (logged
/// apart) and never a stream key.
fn audit_detail(command: &Command) -> String {
    let mut value = serde_json::to_value(command).unwrap_or_default();
    if let Some(fields) = value.as_object_mut() {
        fields.remove("type");
        if fields.get("key").is_some_and(|key| !key.is_null()) {
            fields.insert("key".into(), serde_json::Value::String("****".into()));
        }
        // URLs the way the UI shows them: a key typed inside one never reaches the log.
        for field in ["url", "endpoint"] {
            if let Some(serde_json::Value::String(url)) = fields.get(field) {
                let redacted = show::redact_url(url.trim());
                fields.insert(field.into(), serde_json::Value::String(redacted));
            }
        }
    }
    match value.as_object() {
        Some(fields) if fields.is_empty() => String::new(),
        _ => value.to_string(),
    }
}

/// Runs blocking work (GStreamer, the keyring) off the async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, StudioError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StudioError::new(ErrorKind::Internal, format!("a studio task failed: {e}")))
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
fn spawn_preview_pump(frames: std::sync::mpsc::Receiver<engine::PreviewFrame>, out: watch::Sender<Option<PreviewJpeg>>) {
    std::thread::spawn(move || {
        for frame in frames {
            out.send_replace(Some(Arc::new(frame)));
        }
    });
}
