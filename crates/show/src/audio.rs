//! The sound of the show: the sources of the mix (`audio.sources`), each with its volume,
//! mute, sync offset, monitoring, filters and ducking. The older `audio.source` form still
//! reads, as one source (see [`Audio::mix`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Problem, ShowError};
use crate::model::{Audio, AudioSource, Show};

/// The id of the one source the older `audio.source` form stands for.
pub const LEGACY_ID: &str = "main";

/// One source of the mix. `kind` chooses which of `device`, `path`/`loop` and `frequency`
/// apply; the rest is common to every kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AudioInput {
    /// Unique among the sources; `set_audio` and the meters name the source by it.
    pub id: String,
    pub kind: AudioKind,
    /// Microphones: `"auto"` (the first one the system lists), `"test"` (a stand-in tone,
    /// for rehearsals), or a microphone's id or name from the device list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Files: a sound or video file, relative to the show file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Files: start again at the end (default true).
    #[serde(default = "yes", rename = "loop", skip_serializing_if = "is_true")]
    pub looping: bool,
    /// Tones: the frequency in Hz (default 440).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<f64>,
    /// The source's level in the mix, in dB: −60..+12 (default 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub volume_db: f64,
    #[serde(default, skip_serializing_if = "is_false")]
    pub muted: bool,
    /// Plays the source this many milliseconds later (positive) or earlier (negative) than
    /// it arrives, to line it up with the picture: −1000..+1000.
    #[serde(default, skip_serializing_if = "is_zero_i32")]
    pub sync_offset_ms: i32,
    /// Heard on the operator's output device.
    #[serde(default, skip_serializing_if = "is_false")]
    pub monitor: bool,
    /// Applied in list order, before the volume.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<AudioFilter>,
    /// Lowers this source while another one sounds (music under the host's voice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duck: Option<Duck>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AudioKind {
    Microphone,
    /// A music bed or a jingle.
    File,
    /// A sine wave, for tests and rehearsals: at `volume_db` 0 it peaks at 0 dBFS.
    Tone,
    /// Digital silence.
    Silence,
    /// The sound of the `media` layer with the same id (a clip's sound, a feed's). Every
    /// media layer's sound is a source of the mix, listed here or not: list it to set its
    /// volume, filters or ducking in the show.
    Media,
}

impl AudioKind {
    pub fn word(self) -> &'static str {
        match self {
            AudioKind::Microphone => "microphone",
            AudioKind::File => "file",
            AudioKind::Tone => "tone",
            AudioKind::Silence => "silence",
            AudioKind::Media => "media",
        }
    }
}

/// One step of a source's filter chain. Every filter has `enabled` (default true): a
/// disabled one stays in the list and is skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AudioFilter {
    /// GStreamer's `webrtcdsp` noise suppression (echo cancelling only when asked).
    NoiseSuppression {
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        enabled: bool,
        #[serde(default, skip_serializing_if = "is_false")]
        echo_cancel: bool,
    },
    /// Silences what stays under the threshold (room noise between words).
    Gate {
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        enabled: bool,
        /// dBFS, −100..0 (default −50).
        #[serde(default = "gate_threshold")]
        threshold_db: f64,
    },
    /// Evens out loud passages above the threshold.
    Compressor {
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        enabled: bool,
        /// dBFS, −60..0 (default −18).
        #[serde(default = "compressor_threshold")]
        threshold_db: f64,
        /// 1..20 (default 4).
        #[serde(default = "compressor_ratio")]
        ratio: f64,
    },
    /// A fixed gain in dB, −30..+30.
    Gain {
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        enabled: bool,
        db: f64,
    },
}

impl AudioFilter {
    /// The `kind` as written in the show.
    pub fn kind(&self) -> &'static str {
        match self {
            AudioFilter::NoiseSuppression { .. } => "noise_suppression",
            AudioFilter::Gate { .. } => "gate",
            AudioFilter::Compressor { .. } => "compressor",
            AudioFilter::Gain { .. } => "gain",
        }
    }

    pub fn enabled(&self) -> bool {
        match self {
            AudioFilter::NoiseSuppression { enabled, .. }
            | AudioFilter::Gate { enabled, .. }
            | AudioFilter::Compressor { enabled, .. }
            | AudioFilter::Gain { enabled, .. } => *enabled,
        }
    }

    pub fn set_enabled(&mut self, on: bool) {
        match self {
            AudioFilter::NoiseSuppression { enabled, .. }
            | AudioFilter::Gate { enabled, .. }
            | AudioFilter::Compressor { enabled, .. }
            | AudioFilter::Gain { enabled, .. } => *enabled = on,
        }
    }
}

/// Lowers a source by `by_db` while the source `under` names is above `threshold_db`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Duck {
    /// The id of the source that ducks this one (usually the host's microphone).
    pub under: String,
    /// How far this source goes down, in dB: 0..60 (default 12).
    #[serde(default = "duck_by")]
    pub by_db: f64,
    /// How long going down takes, in ms: 1..5000 (default 100).
    #[serde(default = "duck_attack")]
    pub attack_ms: u32,
    /// How long coming back takes once the other source is quiet, in ms: 1..10000 (default 600).
    #[serde(default = "duck_release")]
    pub release_ms: u32,
    /// The level (RMS, dBFS, after its volume) above which the other source counts as
    /// sounding: −100..0 (default −40).
    #[serde(default = "duck_threshold")]
    pub threshold_db: f64,
}

impl AudioInput {
    /// A source of `kind` with every other field at its default.
    pub fn new(id: impl Into<String>, kind: AudioKind) -> AudioInput {
        AudioInput {
            id: id.into(),
            kind,
            device: None,
            path: None,
            looping: true,
            frequency: None,
            volume_db: 0.0,
            muted: false,
            sync_offset_ms: 0,
            monitor: false,
            filters: Vec::new(),
            duck: None,
        }
    }

    /// A microphone's device (`"auto"` when left out).
    pub fn device(&self) -> &str {
        self.device.as_deref().unwrap_or("auto")
    }

    /// A tone's frequency (440 Hz when left out).
    pub fn frequency(&self) -> f64 {
        self.frequency.unwrap_or(440.0)
    }
}

impl Audio {
    /// The sources of the mix: `sources`, or the one source the older `source` form means
    /// (id [`LEGACY_ID`]): `auto` and `microphone` a microphone on `"auto"`, `tone` a
    /// 440 Hz tone at −14 dB, `silence` silence.
    pub fn mix(&self) -> Vec<AudioInput> {
        if !self.sources.is_empty() {
            return self.sources.clone();
        }
        let one = match self.source.unwrap_or_default() {
            AudioSource::Auto | AudioSource::Microphone => AudioInput::new(LEGACY_ID, AudioKind::Microphone),
            AudioSource::Silence => AudioInput::new(LEGACY_ID, AudioKind::Silence),
            AudioSource::Tone => {
                // The level the one-source tone always had (an amplitude of 0.2).
                AudioInput { volume_db: -13.98, ..AudioInput::new(LEGACY_ID, AudioKind::Tone) }
            }
        };
        vec![one]
    }

    /// Whether the show says `"source": "microphone"` (the older form): a show that must not
    /// open without a microphone.
    pub fn requires_microphone(&self) -> bool {
        self.sources.is_empty() && self.source == Some(AudioSource::Microphone)
    }
}

impl Show {
    /// Every source of the mix: those of `audio` (see [`Audio::mix`]), then the sound of
    /// each `media` layer not listed there (once per layer id, in scene order), unless the
    /// layer's `sound` is `off`.
    pub fn sound_sources(&self) -> Vec<AudioInput> {
        let mut mix = self.audio.mix();
        for layer in self.scenes.iter().flat_map(|s| s.layers.iter()) {
            if let crate::model::Layer::Media(media) = layer {
                if media.sound != crate::model::MediaSound::Off && !mix.iter().any(|s| s.id == media.id) {
                    mix.push(AudioInput::new(media.id.clone(), AudioKind::Media));
                }
            }
        }
        mix
    }

    /// The first `media` layer called `id`, in scene order: the one whose sound is source `id`.
    pub fn media_layer(&self, id: &str) -> Option<&crate::model::MediaLayer> {
        self.scenes.iter().flat_map(|s| s.layers.iter()).find_map(|layer| match layer {
            crate::model::Layer::Media(media) if media.id == id => Some(media),
            _ => None,
        })
    }
}

/// A live change of one source (`set_audio`): each field left out stays as it is.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_db: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_offset_ms: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<AudioFilter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

impl AudioChange {
    pub fn is_empty(&self) -> bool {
        self == &AudioChange::default()
    }
}

impl Show {
    /// Changes sound source `id` as `change` says, checked by the show's rules; a refused
    /// change leaves the show as it was. A show in the older one-source form is written in
    /// the `audio.sources` form from then on.
    pub fn set_audio(&mut self, id: &str, change: &AudioChange) -> Result<(), ShowError> {
        if change.is_empty() {
            return Err(ShowError {
                problems: vec![Problem::new(
                    "set_audio",
                    "say what to change: volume_db, muted, sync_offset_ms, monitor, filters or device",
                )],
            });
        }
        let before = self.audio.clone();
        if self.audio.sources.is_empty() {
            self.audio = Audio { source: None, sources: self.audio.mix() };
        }
        // A media layer's sound that the show does not list yet is listed from now on.
        if !self.audio.sources.iter().any(|s| s.id == id) {
            if let Some(media) = self.sound_sources().into_iter().find(|s| s.id == id) {
                self.audio.sources.push(media);
            }
        }
        let Some(source) = self.audio.sources.iter_mut().find(|s| s.id == id) else {
            let ids: Vec<&str> = self.audio.sources.iter().map(|s| s.id.as_str()).collect();
            let problem = Problem::new(
                "audio.sources",
                format!("there is no sound source \"{id}\"; the sources are: {}", ids.join(", ")),
            );
            self.audio = before;
            return Err(ShowError { problems: vec![problem] });
        };
        if let Some(volume_db) = change.volume_db {
            source.volume_db = volume_db;
        }
        if let Some(muted) = change.muted {
            source.muted = muted;
        }
        if let Some(offset) = change.sync_offset_ms {
            source.sync_offset_ms = offset;
        }
        if let Some(monitor) = change.monitor {
            source.monitor = monitor;
        }
        if let Some(filters) = &change.filters {
            source.filters = filters.clone();
        }
        if let Some(device) = &change.device {
            source.device = Some(device.clone());
        }
        if let Err(error) = self.check_audio() {
            self.audio = before;
            return Err(error);
        }
        Ok(())
    }
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_zero(value: &f64) -> bool {
    *value == 0.0
}

fn is_zero_i32(value: &i32) -> bool {
    *value == 0
}

fn gate_threshold() -> f64 {
    -50.0
}

fn compressor_threshold() -> f64 {
    -18.0
}

fn compressor_ratio() -> f64 {
    4.0
}

fn duck_by() -> f64 {
    12.0
}

fn duck_attack() -> u32 {
    100
}

fn duck_release() -> u32 {
    600
}

fn duck_threshold() -> f64 {
    -40.0
}
