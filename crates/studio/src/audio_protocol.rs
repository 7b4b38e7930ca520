//! The sound in the control protocol: the mixer's strips in the state ([`AudioSourceView`]),
//! and the meters' own event ([`SourceLevelView`], [`LevelView`], sent as `audio_levels`).
//! Part of the contract with `ui/` like `protocol.rs` (TypeScript twins by ts-rs).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One source of the mix, as the mixer panel draws its strip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AudioSourceView {
    pub id: String,
    /// `microphone`, `file`, `tone` or `silence`.
    pub kind: String,
    /// Microphones: `auto`, `test` or a microphone's id (`devices.microphones`).
    pub device: Option<String>,
    /// Files: the file's name.
    pub file: Option<String>,
    pub volume_db: f64,
    pub muted: bool,
    pub sync_offset_ms: i32,
    pub monitor: bool,
    /// As in the show file (`{"kind": "noise_suppression"}`, ...), each with `enabled`.
    #[ts(type = "Array<Record<string, unknown>>")]
    pub filters: serde_json::Value,
    /// The source this one is ducked under, and by how much.
    pub duck_under: Option<String>,
    pub duck_by_db: Option<f64>,
}

/// One source's meter in an `audio_levels` event, in dBFS after its volume
/// (−100 is silence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SourceLevelView {
    pub id: String,
    pub peak_db: f64,
    pub rms_db: f64,
}

/// The master meter in an `audio_levels` event, in dBFS.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct LevelView {
    pub peak_db: f64,
    pub rms_db: f64,
}

/// The mixer's strips, from the show.
pub(crate) fn audio_sources(show: &show::Show) -> Vec<AudioSourceView> {
    show.sound_sources()
        .into_iter()
        .map(|source| AudioSourceView {
            device: (source.kind == show::AudioKind::Microphone).then(|| source.device().to_owned()),
            file: source.path.as_deref().map(|p| {
                std::path::Path::new(p).file_name().map_or_else(|| p.to_owned(), |n| n.to_string_lossy().into_owned())
            }),
            kind: source.kind.word().to_owned(),
            volume_db: source.volume_db,
            muted: source.muted,
            sync_offset_ms: source.sync_offset_ms,
            monitor: source.monitor,
            filters: serde_json::to_value(&source.filters).unwrap_or_default(),
            duck_under: source.duck.as_ref().map(|d| d.under.clone()),
            duck_by_db: source.duck.as_ref().map(|d| d.by_db),
            id: source.id,
        })
        .collect()
}

/// The engine's meters as the event's fields.
pub(crate) fn levels(levels: &engine::AudioLevels) -> (Vec<SourceLevelView>, LevelView) {
    let sources = levels
        .sources
        .iter()
        .map(|s| SourceLevelView { id: s.id.clone(), peak_db: round(s.peak_db), rms_db: round(s.rms_db) })
        .collect();
    (sources, LevelView { peak_db: round(levels.master.peak_db), rms_db: round(levels.master.rms_db) })
}

/// Tenths of a dB are plenty for a meter, and keep the event small.
fn round(db: f64) -> f64 {
    (db * 10.0).round() / 10.0
}
