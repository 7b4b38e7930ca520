//! What the engine tells its owner: state, output states, 1 Hz stats with health, notices.

use serde::Serialize;

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
    /// Lost, and trying again: attempt `attempt` of the policy's maximum starts in `next_in_s`.
    Reconnecting {
        attempt: u32,
        next_in_s: f64,
        reason: String,
    },
    /// Given up (or refused for good, like a rejected key).
    Failed {
        reason: String,
    },
    /// Stopped by the operator.
    Stopped,
}

impl OutputState {
    /// A word for a stats line.
    pub fn word(&self) -> &'static str {
        match self {
            OutputState::Connecting => "connecting",
            OutputState::Live => "live",
            OutputState::Reconnecting { .. } => "reconnecting",
            OutputState::Failed { .. } => "failed",
            OutputState::Stopped => "stopped",
        }
    }
}

/// How an output is doing, with advice a streamer can act on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "level", rename_all = "snake_case")]
pub enum Health {
    Good,
    Warning { advice: String },
    Error { advice: String },
}

/// One second of an output's life.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputStats {
    pub id: String,
    /// Safe to print: stream keys are redacted.
    pub label: String,
    pub state: OutputState,
    pub fps: f64,
    /// Frames dropped since the output (re)started, because it could not keep up.
    pub dropped_frames: u64,
    /// Dropped frames over the last few seconds, as a percentage of the frames offered.
    pub dropped_percent: f64,
    pub bitrate_kbps: f64,
    pub bytes_sent: u64,
    /// How much the output's queue holds, in milliseconds of video.
    pub queued_ms: u64,
    pub health: Health,
}

/// The whole program's stats, once a second.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgramStats {
    pub uptime_s: f64,
    /// Frames out of the encoder per second; 0 while nothing encodes.
    pub encoder_fps: f64,
    /// Frames out of the compositor and overlay per second: the program's own rate, also
    /// before Go Live.
    pub program_fps: f64,
    /// Whether Go Live is on.
    pub on_air: bool,
    /// How far the encoded video (the program, while nothing encodes) is behind real time,
    /// in milliseconds.
    pub render_lag_ms: f64,
    pub scene: String,
    /// Whether the camera is delivering (false while the slate stands in for it).
    pub camera_ok: bool,
    pub outputs: Vec<OutputStats>,
}

/// What the engine tells its owner.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EngineEvent {
    State(EngineState),
    Output {
        id: String,
        state: OutputState,
    },
    Stats(ProgramStats),
    /// The camera was lost (`ok: false`, the slate is on air) or came back.
    Camera {
        ok: bool,
        reason: Option<String>,
    },
    /// Something worth knowing that does not stop the show.
    Notice {
        message: String,
    },
    /// The meters of the mix, ten times a second: every source (after its volume) and the
    /// master. Never part of a state report.
    AudioLevels(crate::audio::AudioLevels),
}
