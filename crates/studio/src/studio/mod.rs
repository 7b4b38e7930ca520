//! `Studio`: the one owner of the studio's state, and its only writer.
//!
//! Clients (the web UI over HTTP/WebSocket, the desktop window over IPC) send [`Command`]s to
//! [`Studio::apply`]; the reply goes back to that client, and every change is announced to all
//! subscribers as an [`Event`] (a tokio broadcast). The engine's own reports (state, outputs,
//! stats) and the audience feed come in through the same lock, so there is one order of
//! changes that every client sees.
//!
//! The engine runs from the moment the show is open ([`Studio::open_program`]): the program
//! (sources, compositor, overlays, preview) plays before Go Live, which attaches the encoder
//! and the destinations to it; End detaches them and the program goes on. Every live change
//! goes to that one engine, on air or not. Engine calls block (GStreamer state changes, the
//! keyring), so they go through `spawn_blocking`; commands are applied one at a time, in order.
//!
//! This file holds the handle, the state and the dispatch of commands; the parts live beside
//! it: `program` (opening the program, its reports, reopening it after a failure, the
//! recording switch), `live` (going live, ending, the kill switch), `show_edits`
//! (scenes, layers, cards, products, destinations), `commerce` (run of show, sales, pre-air,
//! card tracking), `audience` (connectors, chat, blocking), `files` (the show file, the
//! report), `paths` (which folders commands may name files in) and `sound` (`set_audio`,
//! the meters' event).
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use engine::Engine;
use show::{Layer, LayerEdit, Show};
use tokio::sync::{broadcast, watch, Mutex};

mod audience;
mod building;
mod commerce;
mod devices;
mod files;
mod live;
mod obs_scenes;
mod paths;
mod program;
mod show_edits;
mod sound;

use self::audience::no_feed;
use crate::pre_air::PreAirCheck;
use crate::protocol::{
    AudienceSummary, CanvasView, ChatItem, Command, CommandReply, CommandSource, ErrorKind, Event, HealthView,
    KillSwitchView, LivePhase, NoticeLevel, OutputPhase, ProgramPhase, StudioError, StudioState,
};
use crate::said::{self, Said};
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

/// A show on air: the program's engine and what identifies this live session's ticker.
struct LiveRun {
    engine: Arc<Engine>,
    /// A ticker of an earlier live session stops when it sees another number here.
    run: u64,
}

struct Inner {
    show: Show,
    config: StudioConfig,
    vault: Vault,
    scene: String,
    /// A look chosen by the operator, until the next scene switch (which says so).
    look_override: Option<String>,
    phase: LivePhase,
    /// The open program (see `program.rs`); `None` before it opens, after a failure and
    /// after shutdown.
    program: Option<program::ProgramRun>,
    program_phase: ProgramPhase,
    /// Programs opened so far: reports of an earlier one are told apart by this number.
    programs: u64,
    /// The program failed this many times in a row (the backoff of its reopening).
    program_failures: u32,
    /// Shut down: the program is not reopened.
    closed: bool,
    /// On air: Go Live is on (shares the program's engine).
    live: Option<LiveRun>,
    runs: u64,
    outputs: BTreeMap<String, (OutputPhase, HealthView)>,
    recording: Option<program::Recording>,
    chat: VecDeque<ChatItem>,
    blocked: BTreeSet<String>,
    audience: AudienceSummary,
    preview: watch::Sender<Option<PreviewJpeg>>,
    /// Studio mode's preview scene pictures.
    studio_preview: watch::Sender<Option<PreviewJpeg>>,
    /// Studio mode's preview scene; studio mode is on when there is one.
    preview_scene: Option<String>,
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
    /// The cameras and microphones (see `devices`).
    devices: devices::DeviceRoster,
}

impl Studio {
    /// A studio for `show`, not live, with no program yet: [`Studio::open_program`] opens it
    /// (`kaibo serve` and the window do at start; Go Live and REC open it when it is not).
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
            program: None,
            program_phase: ProgramPhase::Opening,
            programs: 0,
            program_failures: 0,
            closed: false,
            live: None,
            runs: 0,
            outputs: BTreeMap::new(),
            recording: None,
            chat: VecDeque::new(),
            blocked: BTreeSet::new(),
            audience: AudienceSummary::default(),
            preview: preview_tx,
            studio_preview: watch::channel(None).0,
            preview_scene: None,
            log,
            pre_air,
            cue: None,
            killed: false,
            refilling: Vec::new(),
            auto_stalled: None,
            sales_dirty: BTreeSet::new(),
            state_dirty: false,
            feed: None,
            devices: devices::DeviceRoster::default(),
        };
        Studio { inner: Arc::new(Mutex::new(inner)), events, preview }
    }

    /// Every event from now on. A receiver that falls more than [`EVENT_BUFFER`] behind gets
    /// `Lagged` and should fetch [`Studio::state`] again.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Studio mode's preview scene pictures (while studio mode is on).
    pub async fn studio_preview(&self) -> watch::Receiver<Option<PreviewJpeg>> {
        self.inner.lock().await.studio_preview.subscribe()
    }

    /// The latest preview picture (while the program runs), and a way to wait for the next.
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
                return Err(StudioError::said(ErrorKind::BadRequest, said::OVERRIDE_TWICE.say(&[])));
            }
            Command::Override { command } => (*command, false),
            command => (command, true),
        };
        let mut detail = audit_detail(&command);
        let result = match inner.pre_air(&command) {
            Err(findings) if checked => Err(findings),
            Err(findings) => {
                detail = format!("{detail}; let through: {}", findings.message);
                self.dispatch(&mut inner, command, source).await
            }
            Ok(()) => self.dispatch(&mut inner, command, source).await,
        };
        inner.track_cards(source);
        let outcome = result.as_ref().map(|r| r.note.clone().unwrap_or_default()).map_err(|e| e.message.clone());
        inner.log.audit(source, action, detail, &outcome);
        // Whatever happened (a failed Go Live changes the phase too), clients see the result.
        self.announce(Event::State { state: Box::new(inner.snapshot()) });
        result
    }

    async fn dispatch(
        &self,
        inner: &mut Inner,
        command: Command,
        source: CommandSource,
    ) -> Result<CommandReply, StudioError> {
        match command {
            Command::SwitchScene { scene, transition } => {
                let picked = inner.look_override.clone();
                let reply = inner.switch_scene(scene, transition).await?;
                Ok(self.look_gave_way(inner, picked, reply))
            }
            Command::SetPreviewScene { scene } => inner.set_preview_scene(scene).await,
            Command::Take { transition } => {
                let picked = inner.look_override.clone();
                let reply = inner.take(transition).await?;
                Ok(self.look_gave_way(inner, picked, reply))
            }
            Command::SetStudioMode { enabled } => inner.set_studio_mode(enabled).await,
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
                let layer: Layer = serde_json::from_value(layer).map_err(|e| {
                    StudioError::bad_request(format!("the new layer is not a layer of the show format: {e}"))
                })?;
                // Checked before the show's validation, whose messages tell missing files,
                // folders and unreadable ones apart.
                paths::AllowedFolders::new(&inner.show, inner.config.media_dir.as_deref())
                    .check_layer(&inner.show.base_dir, &layer)?;
                inner.edit_layers(LayerEdit::Add(layer)).await
            }
            Command::SetProductSoldOut { product, sold_out } => inner.set_product_sold_out(&product, sold_out).await,
            Command::GoLive => self.go_live(inner).await,
            Command::EndShow => self.end_show(inner).await,
            Command::StartRecording => self.start_recording(inner).await,
            Command::StopRecording => inner.stop_recording().await,
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
            Command::WriteReport { lang } => inner.write_report(lang.as_deref()).await,
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
            command @ (Command::AddScene { .. }
            | Command::RenameScene { .. }
            | Command::DuplicateScene { .. }
            | Command::RemoveScene { .. }
            | Command::MoveScene { .. }
            | Command::AddSceneLayer { .. }
            | Command::UpdateLayer { .. }
            | Command::SetSceneLayerVisible { .. }
            | Command::SetLayerLocked { .. }
            | Command::MoveSceneLayer { .. }
            | Command::RemoveSceneLayer { .. }
            | Command::AddProduct { .. }
            | Command::UpdateProduct { .. }
            | Command::RemoveProduct { .. }
            | Command::ImportProducts { .. }
            | Command::SetDestination { .. }
            | Command::AddBannedWord { .. }
            | Command::RemoveBannedWord { .. }
            | Command::SetEncoding { .. }
            | Command::SetTransition { .. }) => inner.build_show(command).await,
            Command::SetLayerDevice { layer, device } => inner.set_layer_device(layer, device).await,
            // Only the window on this machine may have the studio read files off its disk.
            Command::ImportObs { collection } => inner.import_obs(collection, source == CommandSource::Desktop).await,
            Command::SetAudio { source, volume_db, muted, sync_offset_ms, monitor, filters, device } => {
                let filters = sound::filters(filters)?;
                let change = show::AudioChange { volume_db, muted, sync_offset_ms, monitor, filters, device };
                inner.set_audio(source, change).await
            }
            // Unwrapped by `apply_from`; one inside another is refused there.
            Command::Override { .. } => Err(StudioError::said(ErrorKind::BadRequest, said::OVERRIDE_TWICE.say(&[]))),
        }
    }

    fn announce(&self, event: Event) {
        // No subscriber is fine: nobody is watching.
        let _ = self.events.send(event);
    }

    /// A notice in English only.
    fn notice(&self, level: NoticeLevel, message: impl Into<String>) {
        self.announce(Event::Notice { level, message: message.into(), key: None, args: None });
    }

    /// A studio error as a notice, with its key when it has one.
    fn notice_error(&self, level: NoticeLevel, error: StudioError) {
        self.announce(Event::Notice { level, message: error.message, key: error.key, args: error.args });
    }

    /// A notice with its catalogue key, so the UI says it in its own language.
    fn notice_said(&self, level: NoticeLevel, said: Said) {
        let args = (!said.args.is_empty()).then_some(said.args);
        self.announce(Event::Notice { level, message: said.message, key: Some(said.key.to_owned()), args });
    }
}

impl Inner {
    fn snapshot(&self) -> StudioState {
        let destinations = self
            .show
            .destinations
            .iter()
            .map(|d| {
                let (state, health) =
                    self.outputs.get(&d.id).cloned().unwrap_or((OutputPhase::Idle, HealthView::Unknown));
                views::destination(d, state, health)
            })
            .collect();
        let skip = self.chat.len().saturating_sub(CHAT_IN_STATE);
        StudioState {
            show_name: self.show.name.clone(),
            canvas: CanvasView {
                width: self.show.canvas.width,
                height: self.show.canvas.height,
                fps: self.show.canvas.fps,
            },
            phase: self.phase.clone(),
            encoding: views::encoding(&self.show.encoding),
            scene: self.scene.clone(),
            preview_scene: self.preview_scene.clone().filter(|s| self.show.scene(s).is_some()),
            transition: self.show.transition.into(),
            look: self.look_override.clone().or_else(|| views::scene_look(&self.show, &self.scene)),
            scenes: views::scenes(&self.show),
            looks: views::looks(&self.show),
            products: views::products(&self.show),
            destinations,
            preview: self.program.is_some(),
            program: self.program_phase.clone(),
            recording: self.recording.as_ref().map(program::Recording::view),
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
            banned_words: self.config.banned_words.clone(),
            session: self.log.files().map(|f| f.session),
            devices: self.devices_view(),
            audio: crate::audio_protocol::audio_sources(&self.show),
        }
    }

    /// Runs `act` on the live engine, off the async threads: for what only works on air
    /// (a destination's start and stop).
    async fn on_engine<F>(&self, act: F) -> Result<CommandReply, StudioError>
    where
        F: FnOnce(&Engine) -> Result<(), engine::EngineError> + Send + 'static,
    {
        let Some(live) = &self.live else {
            return Err(StudioError::said(ErrorKind::WrongPhase, said::NEEDS_LIVE.say(&[])));
        };
        let engine = Arc::clone(&live.engine);
        blocking(move || act(&engine)).await?.map_err(|e| StudioError::new(ErrorKind::Engine, e.to_string()))?;
        Ok(CommandReply::done())
    }

    /// Runs a change of the picture (scene, look, layers, cards) on the program, live or not.
    /// With no program (it is reopening), the change is only kept in the show, which the
    /// program opens with.
    async fn on_engine_if_live<F>(&self, act: F) -> Result<(), StudioError>
    where
        F: FnOnce(&Engine) -> Result<(), engine::EngineError> + Send + 'static,
    {
        if let Some(program) = &self.program {
            let engine = Arc::clone(&program.engine);
            blocking(move || act(&engine)).await?.map_err(|e| StudioError::new(ErrorKind::Engine, e.to_string()))?;
        }
        Ok(())
    }
}

/// The keyring name of the stream key the studio files for destination `id`.
fn destination_secret(id: &str) -> String {
    format!("destination-{id}")
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
