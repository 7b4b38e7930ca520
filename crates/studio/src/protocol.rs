//! The control protocol: what a client (web UI, desktop window, remote console) may ask of
//! the studio ([`Command`]), what the studio tells every client ([`Event`]), and the state a
//! client renders from ([`StudioState`]).
//!
//! These types are the contract with `ui/`: their TypeScript twins in `ui/src/bindings/` are
//! generated from here by ts-rs (see `bindings.rs`) and never edited by hand. Every value a
//! client sees is safe to show: stream keys never appear, URLs are redacted.
//!
//! Counters that could exceed 2^53 in theory are still sent as JSON numbers (`number` in
//! TypeScript): a show never gets near that, and numbers are what the UI does arithmetic on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::audio_protocol::{AudioSourceView, LevelView, SourceLevelView};
use crate::said::Said;

/// One thing a client asks the studio to do. The reply goes to that client only
/// ([`CommandReply`] or [`StudioError`]); the change itself is announced to everyone as events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Puts a scene on air (or, before going live, chooses the one to start with), with
    /// `transition` or the show's default one.
    SwitchScene {
        scene: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        transition: Option<TransitionSpec>,
    },
    /// Studio mode: puts a scene in the second preview (`/api/preview?scene=preview`),
    /// editable while the program stays on air.
    SetPreviewScene {
        scene: String,
    },
    /// Studio mode: the preview scene goes on air with `transition` (or the show's default),
    /// and the scene that was on air takes its place in the preview.
    Take {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        transition: Option<TransitionSpec>,
    },
    /// Studio mode on (the scene on air in the preview to start with) or off.
    SetStudioMode {
        enabled: bool,
    },
    /// Adds the scenes of an OBS scene collection (the collection file's JSON, as
    /// `~/.config/obs-studio/basic/scenes/NAME.json` holds it) after the show's own: its
    /// pictures and clips are copied into the media folder, and the note says what did not
    /// come over. All of it, or nothing.
    ImportObs {
        #[ts(type = "Record<string, unknown>")]
        collection: serde_json::Value,
    },
    /// The show's transition (`StudioState.transition`): what a scene switch or a take uses
    /// when it does not say. Kept in the show; `save_show` writes it.
    SetTransition {
        transition: TransitionSpec,
    },
    /// Changes the camera's lighting look until the next scene switch.
    SetLook {
        look: String,
    },
    /// Shows or hides a layer of the scene on air.
    SetLayerVisible {
        layer: String,
        visible: bool,
    },
    /// Moves or resizes a layer of the scene on air: `[x, y, w, h]` in 0..1 of the canvas.
    SetLayerRect {
        layer: String,
        rect: [f64; 4],
    },
    /// Puts a layer of the scene on air at another place in its stack (0 is the bottom).
    MoveLayer {
        layer: String,
        to_index: u32,
    },
    /// Takes a layer out of the scene on air.
    RemoveLayer {
        layer: String,
    },
    /// Adds a layer on top of the scene on air. `layer` is written as in the show file
    /// (`{"id": "promo", "kind": "text", "text": "...", "rect": [...]}`) and checked like it.
    AddLayer {
        #[ts(type = "Record<string, unknown>")]
        layer: serde_json::Value,
    },
    /// Puts a product on a product-card layer of the scene on air ("pins" it).
    SetCardProduct {
        layer: String,
        product: String,
    },
    /// Marks a product sold out (or back in stock).
    SetProductSoldOut {
        product: String,
        sold_out: bool,
    },
    /// Goes on air: the encoder and every enabled destination join the running program, and
    /// the recording starts too when the show says `record_when_live` (the default).
    GoLive,
    /// Ends the show cleanly: the destinations drain and the recording Go Live started is
    /// finalized. The program and the preview go on.
    EndShow,
    /// Adds a destination. `key` is the stream key, typed once: it goes to the OS keyring and
    /// is never sent back, logged or written to the show.
    AddDestination {
        id: String,
        platform: PlatformId,
        url: String,
        key: Option<String>,
    },
    /// Removes a destination that is not sending.
    RemoveDestination {
        id: String,
    },
    /// Starts (or retries) one destination while live.
    StartDestination {
        id: String,
    },
    /// Stops one destination while live; the others carry on.
    StopDestination {
        id: String,
    },
    /// Keeps a viewer's messages off the screen: a user id, a name or `platform:id`.
    BlockUser {
        user: String,
    },
    /// Lets a blocked viewer's messages through again.
    UnblockUser {
        user: String,
    },
    /// Removes one message from the chat panel (and every client's panel).
    HideMessage {
        id: String,
    },
    /// Puts the next product of the run of show on its card (the first one at the start).
    CueNextProduct,
    /// Puts any product of the run of show on its card.
    CueProduct {
        product: String,
    },
    /// Cuts every destination to the show's safe slate at once; what the broadcast delay
    /// still holds is thrown away and never reaches a platform. The recording stays live.
    KillSwitch,
    /// Goes back to the live program after the kill switch, once the delay has refilled.
    Resume,
    /// Applies a command that the pre-air check refused (a banned word), on the operator's
    /// word. Logged in the audit log with the words it let through.
    Override {
        command: Box<Command>,
    },
    /// Writes the session report (HTML, with JSON and CSV beside it) to the data folder, in
    /// `lang` (`zh-CN` or `en`; else the studio's own language, from LANG).
    WriteReport {
        #[serde(default)]
        #[ts(optional)]
        lang: Option<String>,
    },
    /// Saves the show, with every change made in the studio, to its file (or to the user's
    /// shows folder when it has none). Stream keys stay in the keyring.
    SaveShow,
    /// Starts reading a platform's chat and gifts into the side panel: `twitch` (a channel
    /// name), `youtube` (a live chat id, with an API key) or `bilibili` (a numeric room id,
    /// with its danmaku token). A key given here goes to the OS keyring and is never sent
    /// back; given once, later connections to the same room find it there. `endpoint` points
    /// at another server speaking the platform's protocol (a relay, or a test).
    ConnectAudience {
        platform: String,
        room: String,
        key: Option<String>,
        endpoint: Option<String>,
    },
    /// Stops reading one platform's chat (`connector` as listed: `twitch:kaiboshop`).
    DisconnectAudience {
        connector: String,
    },
    /// Starts recording the program into the studio's recording folder (a new file), live or
    /// not. A recording started here outlives End: only `stop_recording` ends it.
    StartRecording,
    /// Stops the recording, whichever started it: the file is finalized.
    StopRecording,
    // Devices.
    /// Points a camera layer (in every scene it is in) at another camera: `"auto"`, `"test"`
    /// or the `id` of a camera in `devices.cameras` that is plugged in. When that layer's
    /// camera is on the program, the new one is opened in its place at once.
    SetLayerDevice {
        layer: String,
        device: String,
    },
    /// Changes a sound source of the mix live, with no click (a short ramp) and without
    /// touching the encoder or the connections: any of `volume_db` (−60…+12), `muted`,
    /// `sync_offset_ms` (−1000…+1000), `monitor`, `filters` (the whole list, as in the show
    /// file) and `device` (microphones: `"auto"`, `"test"` or a microphone's id).
    SetAudio {
        source: String,
        #[serde(default)]
        #[ts(optional)]
        volume_db: Option<f64>,
        #[serde(default)]
        #[ts(optional)]
        muted: Option<bool>,
        #[serde(default)]
        #[ts(optional)]
        sync_offset_ms: Option<i32>,
        #[serde(default)]
        #[ts(optional)]
        monitor: Option<bool>,
        #[serde(default)]
        #[ts(optional, type = "Array<Record<string, unknown>>")]
        filters: Option<serde_json::Value>,
        #[serde(default)]
        #[ts(optional)]
        device: Option<String>,
    },

    // Building the show. Each edit is checked by the show's own rules (the whole show again);
    // a refused one changes nothing and says why. Edits of the scene on air go on air at once.
    // `scene`, where optional, is the scene on air when left out.
    /// Adds an empty scene at the end of the list.
    AddScene {
        id: String,
        #[serde(default)]
        #[ts(optional)]
        name: Option<String>,
    },
    RenameScene {
        scene: String,
        name: String,
    },
    /// Copies a scene (its layers too) as `id`, right after it.
    DuplicateScene {
        scene: String,
        id: String,
        #[serde(default)]
        #[ts(optional)]
        name: Option<String>,
    },
    /// Removes a scene; refused for the scene on air and for the last one.
    RemoveScene {
        scene: String,
    },
    /// Puts a scene at another place in the list (0 is the first).
    MoveScene {
        scene: String,
        to_index: u32,
    },
    /// Adds a layer on top of a scene, written as in the show file (any kind).
    AddSceneLayer {
        #[serde(default)]
        #[ts(optional)]
        scene: Option<String>,
        #[ts(type = "Record<string, unknown>")]
        layer: serde_json::Value,
    },
    /// Changes fields of a layer in place, as in the show file (`{"text": "Sale", "font_size":
    /// 48}`, `{"product": "tea"}`, `{"seconds": 300}`, `{"rect": [...]}`); `null` puts a field
    /// back to its default. A locked layer only lets `visible` and `locked` change.
    UpdateLayer {
        #[serde(default)]
        #[ts(optional)]
        scene: Option<String>,
        layer: String,
        #[ts(type = "Record<string, unknown>")]
        fields: serde_json::Value,
    },
    /// Shows or hides a layer of any scene.
    SetSceneLayerVisible {
        #[serde(default)]
        #[ts(optional)]
        scene: Option<String>,
        layer: String,
        visible: bool,
    },
    /// Locks a layer against moves, edits and removal (or unlocks it).
    SetLayerLocked {
        #[serde(default)]
        #[ts(optional)]
        scene: Option<String>,
        layer: String,
        locked: bool,
    },
    /// Puts a layer of any scene at another place in its stack (0 is the bottom).
    MoveSceneLayer {
        #[serde(default)]
        #[ts(optional)]
        scene: Option<String>,
        layer: String,
        to_index: u32,
    },
    /// Takes a layer out of any scene.
    RemoveSceneLayer {
        #[serde(default)]
        #[ts(optional)]
        scene: Option<String>,
        layer: String,
    },
    /// Adds a product to the catalogue, written as in the show file.
    AddProduct {
        #[ts(type = "Record<string, unknown>")]
        product: serde_json::Value,
    },
    /// Changes fields of a product (name, price, original_price, currency, url, image, stock...).
    UpdateProduct {
        product: String,
        #[ts(type = "Record<string, unknown>")]
        fields: serde_json::Value,
    },
    /// Removes a product; refused while a card or the run of show uses it.
    RemoveProduct {
        product: String,
    },
    /// Imports a CSV catalogue (header row; columns id, name, price, original_price, currency,
    /// url, image, stock). All or nothing: bad rows are told by line number.
    ImportProducts {
        csv: String,
    },
    /// Turns a destination on or off for the next Go Live, or changes its broadcast delay.
    SetDestination {
        id: String,
        #[serde(default)]
        #[ts(optional)]
        enabled: Option<bool>,
        #[serde(default)]
        #[ts(optional)]
        delay_seconds: Option<u32>,
    },
    /// Adds a word the pre-air check keeps off air.
    AddBannedWord {
        word: String,
    },
    RemoveBannedWord {
        word: String,
    },
    /// Changes the encoding settings (as in the show file's `encoding`); refused while live
    /// or recording.
    SetEncoding {
        #[ts(type = "Record<string, unknown>")]
        encoding: serde_json::Value,
    },
}

impl Command {
    /// The command's name as it appears in JSON, for messages and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Command::SwitchScene { .. } => "switch_scene",
            Command::SetPreviewScene { .. } => "set_preview_scene",
            Command::Take { .. } => "take",
            Command::SetStudioMode { .. } => "set_studio_mode",
            Command::SetLook { .. } => "set_look",
            Command::SetLayerVisible { .. } => "set_layer_visible",
            Command::SetLayerRect { .. } => "set_layer_rect",
            Command::MoveLayer { .. } => "move_layer",
            Command::RemoveLayer { .. } => "remove_layer",
            Command::AddLayer { .. } => "add_layer",
            Command::SetCardProduct { .. } => "set_card_product",
            Command::SetProductSoldOut { .. } => "set_product_sold_out",
            Command::GoLive => "go_live",
            Command::EndShow => "end_show",
            Command::AddDestination { .. } => "add_destination",
            Command::RemoveDestination { .. } => "remove_destination",
            Command::StartDestination { .. } => "start_destination",
            Command::StopDestination { .. } => "stop_destination",
            Command::BlockUser { .. } => "block_user",
            Command::UnblockUser { .. } => "unblock_user",
            Command::HideMessage { .. } => "hide_message",
            Command::CueNextProduct => "cue_next_product",
            Command::CueProduct { .. } => "cue_product",
            Command::KillSwitch => "kill_switch",
            Command::Resume => "resume",
            Command::Override { .. } => "override",
            Command::WriteReport { .. } => "write_report",
            Command::SaveShow => "save_show",
            Command::ConnectAudience { .. } => "connect_audience",
            Command::DisconnectAudience { .. } => "disconnect_audience",
            Command::AddScene { .. } => "add_scene",
            Command::RenameScene { .. } => "rename_scene",
            Command::DuplicateScene { .. } => "duplicate_scene",
            Command::RemoveScene { .. } => "remove_scene",
            Command::MoveScene { .. } => "move_scene",
            Command::AddSceneLayer { .. } => "add_scene_layer",
            Command::UpdateLayer { .. } => "update_layer",
            Command::SetSceneLayerVisible { .. } => "set_scene_layer_visible",
            Command::SetLayerLocked { .. } => "set_layer_locked",
            Command::MoveSceneLayer { .. } => "move_scene_layer",
            Command::RemoveSceneLayer { .. } => "remove_scene_layer",
            Command::AddProduct { .. } => "add_product",
            Command::UpdateProduct { .. } => "update_product",
            Command::RemoveProduct { .. } => "remove_product",
            Command::ImportProducts { .. } => "import_products",
            Command::SetDestination { .. } => "set_destination",
            Command::AddBannedWord { .. } => "add_banned_word",
            Command::RemoveBannedWord { .. } => "remove_banned_word",
            Command::SetEncoding { .. } => "set_encoding",
            Command::StartRecording => "start_recording",
            Command::StopRecording => "stop_recording",
            Command::SetLayerDevice { .. } => "set_layer_device",
            Command::SetAudio { .. } => "set_audio",
            Command::SetTransition { .. } => "set_transition",
            Command::ImportObs { .. } => "import_obs",
        }
    }
}

/// The answer to a command that worked. `note` says something the operator should know
/// (for example, that a change takes effect at the next Go Live).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CommandReply {
    pub ok: bool,
    pub note: Option<String>,
    /// The note's catalogue key (`studio.KEY` in the UI's catalogue), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub note_key: Option<String>,
    /// The note's arguments, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub note_args: Option<BTreeMap<String, String>>,
}

impl CommandReply {
    pub fn done() -> CommandReply {
        CommandReply { ok: true, note: None, note_key: None, note_args: None }
    }

    /// A note in English only.
    pub fn noted(note: impl Into<String>) -> CommandReply {
        CommandReply { ok: true, note: Some(note.into()), note_key: None, note_args: None }
    }

    /// A note with its catalogue key, so the UI says it in its own language.
    pub fn said(said: Said) -> CommandReply {
        CommandReply {
            ok: true,
            note: Some(said.message),
            note_key: Some(said.key.to_owned()),
            note_args: args(said.args),
        }
    }
}

fn args(args: BTreeMap<String, String>) -> Option<BTreeMap<String, String>> {
    (!args.is_empty()).then_some(args)
}

/// Why a command (or a request) did not work, in words for the person at the desk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct StudioError {
    pub kind: ErrorKind,
    /// A sentence the operator can act on, in English. Never carries a stream key or token.
    pub message: String,
    /// The message's catalogue key (`studio.KEY` in the UI's catalogue), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub key: Option<String>,
    /// The message's arguments, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub args: Option<BTreeMap<String, String>>,
}

/// What sort of failure a [`StudioError`] is, for clients that react differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request was not a command the studio understands.
    BadRequest,
    /// A scene, layer, product, look or destination that does not exist.
    NotFound,
    /// The command needs the show to be live, or not live.
    WrongPhase,
    /// The OS keyring refused or is missing.
    Vault,
    /// The media engine could not do it.
    Engine,
    /// No valid access token.
    Unauthorized,
    /// The pre-air check found a banned word: the change did not go on air. Sending the
    /// same command inside `override` puts it on air anyway.
    Blocked,
    /// A fault inside the studio.
    Internal,
}

/// Who asked for a command, for the audit log: the desktop window, the web UI of a remote
/// operator, an outside tool calling the HTTP API, or a hotkey (in either UI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CommandSource {
    Desktop,
    RemoteConsole,
    Api,
    Hotkey,
    /// The studio itself (auto-advance of the run of show, sold out by stock).
    Auto,
    /// A tool speaking obs-websocket (Companion, Stream Deck tools, Streamer.bot, scripts).
    ObsWebsocket,
}

impl CommandSource {
    /// The name as written in the audit log.
    pub fn name(self) -> &'static str {
        match self {
            CommandSource::Desktop => "desktop",
            CommandSource::RemoteConsole => "remote_console",
            CommandSource::Api => "api",
            CommandSource::Hotkey => "hotkey",
            CommandSource::Auto => "auto",
            CommandSource::ObsWebsocket => "obs_websocket",
        }
    }

    /// Reads the `X-Kaibo-Source` header of an HTTP command: the web UI says
    /// `remote_console` or `hotkey`; anything else (or nothing) is an outside tool.
    pub fn from_header(value: Option<&str>) -> CommandSource {
        match value.map(str::trim) {
            Some("remote_console") => CommandSource::RemoteConsole,
            Some("hotkey") => CommandSource::Hotkey,
            _ => CommandSource::Api,
        }
    }
}

impl StudioError {
    /// An error in English only.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> StudioError {
        StudioError { kind, message: message.into(), key: None, args: None }
    }

    /// An error with its catalogue key, so the UI says it in its own language.
    pub fn said(kind: ErrorKind, said: Said) -> StudioError {
        StudioError { kind, message: said.message, key: Some(said.key.to_owned()), args: args(said.args) }
    }

    pub fn not_found(what: &str, id: &str) -> StudioError {
        match crate::said::not_found(what) {
            Some(template) => StudioError::said(ErrorKind::NotFound, template.say(&[("id", &id)])),
            None => StudioError::new(ErrorKind::NotFound, format!("there is no {what} \"{id}\" in this show")),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> StudioError {
        StudioError::new(ErrorKind::BadRequest, message)
    }

    pub fn wrong_phase(message: impl Into<String>) -> StudioError {
        StudioError::new(ErrorKind::WrongPhase, message)
    }
}

/// What the studio tells every client. Clients render from these and never guess.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The whole state, after any change of show, phase or destinations (and on connect).
    State { state: Box<StudioState> },
    /// Once a second while the program runs.
    Stats { stats: StatsView },
    /// One destination (or the recording) changed state.
    Output { id: String, state: OutputPhase },
    /// Something worth telling the operator, in plain words (English), with the catalogue
    /// key and arguments to say it in the UI's language when it has one.
    Notice {
        level: NoticeLevel,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        key: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        args: Option<BTreeMap<String, String>>,
    },
    /// New audience messages, oldest first.
    Chat { items: Vec<ChatItem> },
    /// Messages taken off the panel by moderation.
    ChatHidden { ids: Vec<String> },
    /// Gift totals and the leaderboard, at most once a second.
    Audience { summary: AudienceSummary },
    /// The mixer's meters, ten times a second while the program runs: each source by its
    /// id and the master, peak and RMS in dBFS after the volume. An event of its own, never
    /// part of `state`; a client may ask not to get it (`/api/events?audio_levels=off`).
    AudioLevels { sources: Vec<SourceLevelView>, master: LevelView },
}

/// A scene change: `{"kind": "cut"}` or `{"kind": "fade", "ms": 1000}` (0..=10000 ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct TransitionSpec {
    pub kind: TransitionKind,
    #[serde(default)]
    pub ms: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    Cut,
    Fade,
}

impl From<show::Transition> for TransitionSpec {
    fn from(t: show::Transition) -> TransitionSpec {
        let kind = match t.kind {
            show::TransitionKind::Cut => TransitionKind::Cut,
            show::TransitionKind::Fade => TransitionKind::Fade,
        };
        TransitionSpec { kind, ms: t.ms }
    }
}

impl From<TransitionSpec> for show::Transition {
    fn from(t: TransitionSpec) -> show::Transition {
        let kind = match t.kind {
            TransitionKind::Cut => show::TransitionKind::Cut,
            TransitionKind::Fade => show::TransitionKind::Fade,
        };
        show::Transition { kind, ms: t.ms }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLevel {
    Info,
    Warning,
    Error,
}

/// Everything a client needs to draw the studio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StudioState {
    pub show_name: String,
    pub canvas: CanvasView,
    pub phase: LivePhase,
    /// The encoding settings, as in the show file's `encoding`.
    pub encoding: EncodingView,
    /// The scene on air (or to start with).
    pub scene: String,
    /// Studio mode's preview scene; studio mode is on when there is one.
    pub preview_scene: Option<String>,
    /// How a scene switch goes when the command does not say (the show's `transition`).
    pub transition: TransitionSpec,
    /// The look on the camera now.
    pub look: Option<String>,
    pub scenes: Vec<SceneView>,
    pub looks: Vec<LookView>,
    pub products: Vec<ProductView>,
    pub destinations: Vec<DestinationView>,
    /// Whether `/api/preview` has pictures: the program runs (from the moment the show is
    /// open, live or not).
    pub preview: bool,
    /// How the program (sources, compositor, preview) is doing.
    pub program: ProgramPhase,
    /// The recording running now, or the last one (then `running` is false).
    pub recording: Option<RecordingView>,
    pub blocked_users: Vec<String>,
    /// The latest messages, oldest first (the panel's starting point).
    pub chat: Vec<ChatItem>,
    pub audience: AudienceSummary,
    /// The run of show, when the show has one.
    pub run_of_show: Option<RunOfShowView>,
    /// Whether the kill switch has the destinations on the safe slate.
    pub kill_switch: KillSwitchView,
    /// Where `save_show` writes the show.
    pub show_file: String,
    /// The platform chats being read, and how each is doing.
    pub connectors: Vec<ConnectorView>,
    /// The words the pre-air check keeps off air.
    pub banned_words: Vec<String>,
    /// This session's id in the data folder (`kaibo report SESSION_ID`), when it is kept.
    #[ts(type = "number | null")]
    pub session: Option<i64>,
    /// The cameras and microphones plugged in, kept current as they come and go.
    pub devices: DevicesView,
    /// The sources of the mix, in the show's order (`set_audio` changes them).
    pub audio: Vec<AudioSourceView>,
}

/// The capture devices a show can use.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
pub struct DevicesView {
    /// Plugged in, then those pulled out that a camera layer still names (`gone`).
    pub cameras: Vec<CameraView>,
    pub microphones: Vec<MicrophoneView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CameraView {
    /// What a camera layer's `device` names (`set_layer_device`): its device node, such as
    /// `/dev/video0`, where it has one.
    pub id: String,
    pub name: String,
    /// What it can send, one entry per format and size.
    pub modes: Vec<CameraModeView>,
    /// Pulled out (or never seen) while a camera layer still names it: the layer shows the
    /// test pattern until it is back or another camera is picked.
    pub gone: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CameraModeView {
    /// `raw` (uncompressed) or `mjpeg` (decoded with jpegdec).
    pub format: String,
    pub width: u32,
    pub height: u32,
    /// Frames per second it offers at this size, highest first.
    pub fps: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MicrophoneView {
    pub id: String,
    pub name: String,
}

/// The program: it runs from the moment the show is open; a program that fails is reopened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ProgramPhase {
    /// Being built (at start, or after a failure).
    Opening,
    Running,
    /// It failed; the studio opens it again in `next_in_s` seconds (attempt `attempt`).
    Reopening {
        reason: String,
        attempt: u32,
        next_in_s: f64,
    },
    /// The studio has closed (shutting down).
    Closed,
}

/// A recording: its file, whether it runs, and how it is doing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RecordingView {
    /// The file's full path.
    pub file: String,
    /// The file's name alone, for a label.
    pub name: String,
    pub running: bool,
    /// Started by Go Live (End finishes it), rather than by `start_recording`.
    pub with_live: bool,
    /// When it started (RFC 3339).
    pub started_at: String,
    pub state: OutputPhase,
    pub fps: f64,
    pub bitrate_kbps: f64,
    #[ts(type = "number")]
    pub bytes_written: u64,
    #[ts(type = "number")]
    pub dropped_frames: u64,
    pub health: HealthView,
}

/// The products of the show in order, and where the show is in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RunOfShowView {
    /// The product-card layer cues put products on.
    pub card: String,
    pub auto_advance: bool,
    pub items: Vec<RunItemView>,
    /// The item on the card now (index into `items`).
    pub current: Option<u32>,
    /// When it was cued (RFC 3339).
    pub cued_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RunItemView {
    pub product: String,
    pub name: String,
    pub target_seconds: Option<u32>,
    pub talking_points: Vec<String>,
}

/// A platform chat the studio reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ConnectorView {
    /// `platform:room`, as `disconnect_audience` takes it.
    pub label: String,
    pub platform: String,
    pub room: String,
    /// `connecting`, `live`, `retrying` or `stopped`.
    pub status: String,
    /// The last problem, in words (never a key).
    pub error: Option<String>,
    /// Events read so far.
    #[ts(type = "number")]
    pub events: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct KillSwitchView {
    /// The destinations show the safe slate (until `resume`).
    pub on: bool,
    /// Destinations back from the slate but still refilling their delay.
    pub refilling: Vec<String>,
}

/// The encoding settings (`set_encoding` changes them while not live).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct EncodingView {
    pub video_bitrate_kbps: u32,
    pub keyframe_interval_s: f64,
    pub x264_preset: String,
    pub audio_bitrate_kbps: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct CanvasView {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

/// Where the show is in its life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum LivePhase {
    /// Not live; changes are prepared for the next start.
    Idle,
    Starting,
    Live,
    Ending,
    /// The program failed; Go Live tries again.
    Failed {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SceneView {
    pub id: String,
    pub name: String,
    pub layers: Vec<LayerView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LayerView {
    pub id: String,
    /// `camera`, `image`, `text`, `product_card`, `look` or `countdown`.
    pub kind: String,
    pub visible: bool,
    /// The product on a product card.
    pub product: Option<String>,
    /// The look of a look layer.
    pub look: Option<String>,
    /// The device of a camera layer (`auto`, `test` or a camera's id).
    pub device: Option<String>,
    /// `[x, y, w, h]` in 0..1 of the canvas, where the layer has one.
    pub rect: Option<Vec<f64>>,
    /// Locked against moves and edits.
    pub locked: bool,
    /// The layer as written in the show file (every field, for editing forms).
    #[ts(type = "Record<string, unknown>")]
    pub fields: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LookView {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ProductView {
    pub id: String,
    pub name: String,
    pub price: f64,
    pub original_price: Option<f64>,
    pub currency: String,
    pub url: String,
    pub image: Option<String>,
    pub sold_out: bool,
    /// Units sold this session (from orders).
    #[ts(type = "number")]
    pub sold: u64,
    /// Units left, when known.
    #[ts(type = "number | null")]
    pub stock: Option<u64>,
}

/// The platforms a destination can be set up for; each brings its ingest rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PlatformId {
    Douyin,
    Bilibili,
    Kuaishou,
    Taobao,
    Youtube,
    Twitch,
    Tiktok,
    Facebook,
    Custom,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DestinationView {
    pub id: String,
    pub platform: PlatformId,
    /// The ingest URL with any key replaced by `****`.
    pub url: String,
    /// Whether a stream key is stored in the keyring for it (the key itself never leaves).
    pub has_key: bool,
    pub enabled: bool,
    /// The broadcast delay: the destination gets the program this many seconds late.
    pub delay_seconds: u32,
    pub state: OutputPhase,
    pub health: HealthView,
}

/// The state of one output, as the engine reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutputPhase {
    /// Not live: nothing is being sent.
    Idle,
    Connecting,
    Live,
    Reconnecting {
        attempt: u32,
        next_in_s: f64,
        reason: String,
    },
    Failed {
        reason: String,
    },
    Stopped,
}

/// How an output is doing, with advice the operator can act on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "level", rename_all = "snake_case")]
pub enum HealthView {
    /// No measurement yet (not live, or the first second).
    Unknown,
    Good,
    Warning {
        advice: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        key: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        args: Option<BTreeMap<String, String>>,
    },
    Error {
        advice: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        key: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        args: Option<BTreeMap<String, String>>,
    },
}

/// One second of the program (from the moment the show is open).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StatsView {
    pub uptime_s: f64,
    /// Frames out of the encoder per second; 0 while nothing encodes.
    pub encoder_fps: f64,
    /// Frames out of the compositor per second, live or not.
    pub program_fps: f64,
    /// Whether Go Live is on.
    pub on_air: bool,
    pub render_lag_ms: f64,
    pub scene: String,
    pub camera_ok: bool,
    pub outputs: Vec<OutputStatsView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OutputStatsView {
    pub id: String,
    /// Safe to show: keys are redacted.
    pub label: String,
    pub state: OutputPhase,
    pub fps: f64,
    #[ts(type = "number")]
    pub dropped_frames: u64,
    pub dropped_percent: f64,
    pub bitrate_kbps: f64,
    #[ts(type = "number")]
    pub bytes_sent: u64,
    #[ts(type = "number")]
    pub queued_ms: u64,
    pub health: HealthView,
}

/// One line of the chat panel: a message, gift, order or other audience event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ChatItem {
    pub id: String,
    pub platform: String,
    /// RFC 3339.
    pub at: String,
    /// `chat`, `gift`, `super_chat`, `like`, `follow`, `join`, `subscription`, `order`, `viewers`.
    pub kind: String,
    /// The viewer's display name (empty when the platform gives none).
    pub user: String,
    /// The viewer's id as moderation knows it (`platform:id`).
    pub user_key: String,
    /// Plain text, never markup: clients must render it as text.
    pub text: String,
    /// For gifts, super chats and orders: what was paid, as `12.5 CNY` or `3 × 辣条 (300 gold)`.
    pub amount: Option<String>,
    /// Whether moderation masked words in `text`.
    pub masked: bool,
}

/// Session totals and the top spenders.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
pub struct AudienceSummary {
    /// Where events come from (`simulator`, `bridge`, ...), empty when none is set up.
    pub sources: Vec<String>,
    #[ts(type = "number")]
    pub events: u64,
    #[ts(type = "number")]
    pub chats: u64,
    #[ts(type = "number")]
    pub gifts: u64,
    #[ts(type = "number")]
    pub likes: u64,
    #[ts(type = "number")]
    pub orders: u64,
    #[ts(type = "number")]
    pub peak_viewers: u64,
    /// Gift value per currency or coin, exact decimal strings.
    pub gift_totals: Vec<CurrencyTotal>,
    pub order_totals: Vec<CurrencyTotal>,
    pub leaderboard: Vec<LeaderboardEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CurrencyTotal {
    pub currency: String,
    pub total: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LeaderboardEntry {
    pub user: String,
    pub name: String,
    pub currency: String,
    pub total: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_read_as_documented() {
        let command: Command =
            serde_json::from_str(r#"{"type":"switch_scene","scene":"main"}"#).expect("valid command");
        assert_eq!(command, Command::SwitchScene { scene: "main".into(), transition: None });
        let command: Command = serde_json::from_str(r#"{"type":"go_live"}"#).expect("valid command");
        assert_eq!(command, Command::GoLive);
        assert!(serde_json::from_str::<Command>(r#"{"type":"launch_rockets"}"#).is_err());
    }

    #[test]
    fn errors_carry_a_message() {
        let error = StudioError::not_found("scene", "nope");
        let json = serde_json::to_value(&error).expect("serializable");
        assert_eq!(json["kind"], "not_found");
        assert_eq!(json["message"], "there is no scene \"nope\" in this show");
    }
}
