//! The sound: the sources of the mix, their filters and ducking.
//!
//! A file that is missing is not a problem of the show: the program plays silence in its
//! place and says so (the file may be copied in later).

use super::Checker;
use crate::audio::{AudioFilter, AudioInput, AudioKind, Duck};
use crate::error::ShowError;
use crate::model::Show;

/// The loudest and softest a source's volume may be set to.
pub const VOLUME_DB: (f64, f64) = (-60.0, 12.0);
/// How far a source may be moved against the picture, in milliseconds.
pub const SYNC_OFFSET_MS: i32 = 1000;
/// The filters' ranges: a gate's threshold, a compressor's threshold and ratio, a gain.
pub const GATE_THRESHOLD_DB: (f64, f64) = (-100.0, 0.0);
pub const COMPRESSOR_THRESHOLD_DB: (f64, f64) = (-60.0, 0.0);
pub const COMPRESSOR_RATIO: (f64, f64) = (1.0, 20.0);
pub const FILTER_GAIN_DB: (f64, f64) = (-30.0, 30.0);

impl Show {
    /// Checks the sound alone (`audio`), as after a live change of it.
    pub fn check_audio(&self) -> Result<(), ShowError> {
        let mut check = Checker { show: self, problems: Vec::new() };
        check.audio();
        if check.problems.is_empty() {
            Ok(())
        } else {
            Err(ShowError { problems: check.problems })
        }
    }
}

impl Checker<'_> {
    pub(super) fn audio(&mut self) {
        let audio = &self.show.audio;
        if audio.source.is_some() && !audio.sources.is_empty() {
            self.problem(
                "audio.source",
                "write either audio.source (the older one-source form) or audio.sources, not both",
            );
        }
        let sources = &audio.sources;
        self.unique_ids(
            "audio source id",
            sources.iter().enumerate().map(|(i, s)| (format!("audio.sources[{i}].id"), s.id.as_str())),
        );
        for (i, source) in sources.iter().enumerate() {
            self.audio_input(&format!("audio.sources[{i}]"), source);
            self.media_sound(&format!("audio.sources[{i}]"), source);
        }
    }

    /// A `media` source names a media layer whose sound is on; any other kind of source
    /// must not take a media layer's id (its sound is a source of that name already).
    fn media_sound(&mut self, path: &str, source: &AudioInput) {
        let layer = self.show.media_layer(&source.id);
        match (source.kind, layer) {
            (AudioKind::Media, None) => self.problem(
                format!("{path}.id"),
                format!("a media source is the sound of the media layer with its id, and there is no media layer \"{}\"", source.id),
            ),
            (AudioKind::Media, Some(layer)) if layer.sound == crate::model::MediaSound::Off => self.problem(
                format!("{path}.kind"),
                format!("the sound of media layer \"{}\" is off (its \"sound\" says so)", source.id),
            ),
            (AudioKind::Media, Some(_)) | (_, None) => {}
            (kind, Some(_)) => self.problem(
                format!("{path}.id"),
                format!(
                    "\"{}\" is a media layer, whose sound is a source of that name: give this {} source another id, or make it \"kind\": \"media\"",
                    source.id,
                    kind.word()
                ),
            ),
        }
    }

    /// One source, also as `set_audio` leaves it (the studio checks the edited show).
    pub(super) fn audio_input(&mut self, path: &str, source: &AudioInput) {
        let kind = source.kind;
        let only_for = |field: &str, owner: AudioKind| format!("{field} is for {} sources only", owner.word());
        if source.device.is_some() && kind != AudioKind::Microphone {
            self.problem(format!("{path}.device"), only_for("device", AudioKind::Microphone));
        }
        if let Some(device) = &source.device {
            self.not_empty(&format!("{path}.device"), device);
        }
        match (&source.path, kind) {
            (Some(file), AudioKind::File) => {
                self.not_empty(&format!("{path}.path"), file);
            }
            (None, AudioKind::File) => self.problem(format!("{path}.path"), "a file source needs a path"),
            (Some(_), _) => self.problem(format!("{path}.path"), only_for("path", AudioKind::File)),
            (None, _) => {}
        }
        if let Some(frequency) = source.frequency {
            if kind == AudioKind::Tone {
                self.range(&format!("{path}.frequency"), frequency, 20.0, 20_000.0);
            } else {
                self.problem(format!("{path}.frequency"), only_for("frequency", AudioKind::Tone));
            }
        }
        self.range(&format!("{path}.volume_db"), source.volume_db, VOLUME_DB.0, VOLUME_DB.1);
        let offset = source.sync_offset_ms;
        if !(-SYNC_OFFSET_MS..=SYNC_OFFSET_MS).contains(&offset) {
            self.problem(
                format!("{path}.sync_offset_ms"),
                format!("must be between -{SYNC_OFFSET_MS} and {SYNC_OFFSET_MS} milliseconds, got {offset}"),
            );
        }
        for (j, filter) in source.filters.iter().enumerate() {
            self.audio_filter(&format!("{path}.filters[{j}]"), filter);
        }
        if let Some(duck) = &source.duck {
            self.duck(&format!("{path}.duck"), &source.id, duck);
        }
    }

    fn audio_filter(&mut self, path: &str, filter: &AudioFilter) {
        match filter {
            AudioFilter::NoiseSuppression { .. } => {}
            AudioFilter::Gate { threshold_db, .. } => {
                let (low, high) = GATE_THRESHOLD_DB;
                self.range(&format!("{path}.threshold_db"), *threshold_db, low, high);
            }
            AudioFilter::Compressor { threshold_db, ratio, .. } => {
                let (low, high) = COMPRESSOR_THRESHOLD_DB;
                self.range(&format!("{path}.threshold_db"), *threshold_db, low, high);
                self.range(&format!("{path}.ratio"), *ratio, COMPRESSOR_RATIO.0, COMPRESSOR_RATIO.1);
            }
            AudioFilter::Gain { db, .. } => self.range(&format!("{path}.db"), *db, FILTER_GAIN_DB.0, FILTER_GAIN_DB.1),
        }
    }

    fn duck(&mut self, path: &str, own_id: &str, duck: &Duck) {
        let ids: Vec<&str> = self.show.audio.sources.iter().map(|s| s.id.as_str()).collect();
        if duck.under == own_id {
            self.problem(format!("{path}.under"), "a source cannot duck under itself");
        } else if !ids.contains(&duck.under.as_str()) {
            self.problem(
                format!("{path}.under"),
                format!("there is no audio source \"{}\"; the sources are: {}", duck.under, ids.join(", ")),
            );
        }
        self.range(&format!("{path}.by_db"), duck.by_db, 0.0, 60.0);
        self.whole_range(&format!("{path}.attack_ms"), duck.attack_ms, 1, 5000);
        self.whole_range(&format!("{path}.release_ms"), duck.release_ms, 1, 10_000);
        self.range(&format!("{path}.threshold_db"), duck.threshold_db, -100.0, 0.0);
    }
}

#[cfg(test)]
mod tests {
    use crate::audio::{AudioChange, AudioKind};
    use crate::model::{AudioSource, Show};

    fn show(audio: serde_json::Value) -> Result<Show, crate::ShowError> {
        let json = serde_json::json!({
            "canvas": { "width": 320, "height": 180, "fps": 25 },
            "audio": audio,
            "scenes": [{ "id": "main", "layers": [] }]
        });
        Show::parse(&json.to_string(), std::path::Path::new("."))
    }

    fn problems(audio: serde_json::Value) -> String {
        show(audio).expect_err("a show with a bad sound").to_string()
    }

    #[test]
    fn sources_read_with_their_defaults_and_the_older_form_is_one_source() {
        let show = show(serde_json::json!({ "sources": [
            { "id": "mic", "kind": "microphone" },
            { "id": "bed", "kind": "file", "path": "bed.mp3", "volume_db": -18,
              "filters": [{ "kind": "compressor" }], "duck": { "under": "mic" } }
        ]}))
        .expect("a valid show");
        let mix = show.audio.mix();
        assert_eq!(mix[0].device(), "auto");
        assert!(mix[1].looping);
        assert_eq!(mix[1].duck.as_ref().map(|d| (d.by_db, d.attack_ms, d.release_ms)), Some((12.0, 100, 600)));
        let legacy = self::show(serde_json::json!({ "source": "tone" })).expect("the older form");
        assert_eq!(legacy.audio.source, Some(AudioSource::Tone));
        let one = legacy.audio.mix();
        assert_eq!((one.len(), one[0].id.as_str(), one[0].kind), (1, "main", AudioKind::Tone));
    }

    #[test]
    fn each_rule_names_its_field() {
        let text = problems(serde_json::json!({ "sources": [
            { "id": "a", "kind": "tone", "volume_db": 20, "sync_offset_ms": 1500, "path": "x.wav" },
            { "id": "a", "kind": "file" },
            { "id": "c", "kind": "silence", "device": "auto", "duck": { "under": "nobody" },
              "filters": [{ "kind": "compressor", "ratio": 50 }] }
        ]}));
        for expected in [
            "audio.sources[0].volume_db: must be between -60 and 12, got 20",
            "audio.sources[0].sync_offset_ms: must be between -1000 and 1000 milliseconds, got 1500",
            "audio.sources[0].path: path is for file sources only",
            "audio.sources[1].id: duplicate audio source id \"a\"",
            "audio.sources[1].path: a file source needs a path",
            "audio.sources[2].device: device is for microphone sources only",
            "audio.sources[2].duck.under: there is no audio source \"nobody\"",
            "audio.sources[2].filters[0].ratio: must be between 1 and 20, got 50",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        let both = problems(serde_json::json!({ "source": "tone", "sources": [{ "id": "t", "kind": "tone" }] }));
        assert!(both.contains("not both"), "{both}");
    }

    #[test]
    fn set_audio_changes_one_source_or_nothing() {
        let mut show = show(serde_json::json!({ "source": "tone" })).expect("the older form");
        show.set_audio("main", &AudioChange { volume_db: Some(-6.0), ..Default::default() }).expect("a change");
        assert_eq!((show.audio.source, show.audio.sources[0].volume_db), (None, -6.0));
        let before = show.clone();
        let error = show.set_audio("main", &AudioChange { volume_db: Some(40.0), ..Default::default() });
        assert!(error.expect_err("too loud").to_string().contains("volume_db"));
        let error = show.set_audio("nope", &AudioChange { muted: Some(true), ..Default::default() });
        assert!(error.expect_err("no such source").to_string().contains("there is no sound source \"nope\""));
        assert!(show.set_audio("main", &AudioChange::default()).is_err());
        assert_eq!(show, before, "a refused change changes nothing");
    }

    fn with_media(sources: serde_json::Value, sound: Option<&str>) -> Result<Show, crate::ShowError> {
        let mut clip = serde_json::json!({ "id": "clip", "kind": "media", "url": "srt://0.0.0.0:9000?mode=listener" });
        if let Some(sound) = sound {
            clip["sound"] = sound.into();
        }
        let json = serde_json::json!({
            "canvas": { "width": 320, "height": 180, "fps": 25 },
            "audio": { "sources": sources },
            "scenes": [{ "id": "a", "layers": [clip.clone()] }, { "id": "b", "layers": [clip] }]
        });
        Show::parse(&json.to_string(), std::path::Path::new("."))
    }

    #[test]
    fn a_media_layers_sound_is_a_source_named_after_it_listed_or_not() {
        let tone = serde_json::json!({ "id": "tone", "kind": "tone" });
        let show = with_media(serde_json::json!([tone]), None).expect("a clip and a tone");
        let mix: Vec<(String, AudioKind)> = show.sound_sources().into_iter().map(|s| (s.id, s.kind)).collect();
        assert_eq!(
            mix,
            [("tone".to_owned(), AudioKind::Tone), ("clip".to_owned(), AudioKind::Media)],
            "once, after the listed"
        );
        let off = with_media(serde_json::json!([tone]), Some("off")).expect("a clip with its sound off");
        assert_eq!(off.sound_sources().len(), 1, "a sound that is off is not in the mix");

        let listed = serde_json::json!([{ "id": "clip", "kind": "media", "volume_db": -6 }]);
        let listed = with_media(listed, Some("always")).expect("a listed clip");
        assert_eq!(listed.sound_sources().len(), 1);
        assert_eq!(listed.sound_sources()[0].volume_db, -6.0);

        let mut changed = show.clone();
        changed.set_audio("clip", &AudioChange { volume_db: Some(-12.0), ..Default::default() }).expect("a change");
        assert_eq!(changed.audio.sources.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["tone", "clip"]);
        assert_eq!(changed.sound_sources().len(), 2, "listed now, still once");

        let nobody = with_media(serde_json::json!([{ "id": "nobody", "kind": "media" }]), None);
        assert!(nobody.expect_err("no such layer").to_string().contains("there is no media layer \"nobody\""));
        let muted_clip = with_media(serde_json::json!([{ "id": "clip", "kind": "media" }]), Some("off"));
        assert!(muted_clip.expect_err("sound off").to_string().contains("is off"));
        let clash = with_media(serde_json::json!([{ "id": "clip", "kind": "tone" }]), None);
        assert!(clash.expect_err("a tone called clip").to_string().contains("another id"));
        let path = with_media(serde_json::json!([{ "id": "clip", "kind": "media", "path": "x.wav" }]), None);
        assert!(path.expect_err("a path").to_string().contains("path is for file sources only"));
    }
}
