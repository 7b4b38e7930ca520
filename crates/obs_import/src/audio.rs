//! OBS's sound: the global audio devices of a collection (`AuxAudioDevice1`..,
//! `DesktopAudioDevice1`..) become the show's mix (`audio.sources`). A microphone keeps its
//! name (so a Stream Deck button that mutes "Mic/Aux" still does), its volume, mute, sync
//! offset, monitoring and the filters Kaibo has; desktop sound has no equivalent and is reported.

use serde_json::{json, Map, Value};

/// The collection's keys for its global audio devices, in the mixer's order.
pub const DEVICE_KEYS: [&str; 7] = [
    "AuxAudioDevice1",
    "AuxAudioDevice2",
    "AuxAudioDevice3",
    "AuxAudioDevice4",
    "DesktopAudioDevice1",
    "DesktopAudioDevice2",
    "DesktopAudioDevice3",
];

const NANOS_PER_MS: f64 = 1e6;

/// What became of one OBS audio input.
pub enum Sound {
    /// A source of the show's `audio.sources`.
    Source(Value),
    Skipped(String),
}

/// Whether an OBS input kind captures a microphone (or any input device).
fn is_input_capture(kind: &str) -> bool {
    [
        "pulse_input_capture",
        "alsa_input_capture",
        "wasapi_input_capture",
        "coreaudio_input_capture",
        "jack_input_client",
        "pipewire-audio-capture-source",
    ]
    .contains(&kind)
}

/// One audio input (`source` as the collection writes it) as a source of the mix.
pub fn map(source: &Value, notes: &mut Vec<String>, skipped: &mut Vec<String>) -> Sound {
    let kind = source.get("id").and_then(Value::as_str).unwrap_or("");
    let name = source.get("name").and_then(Value::as_str).unwrap_or(kind);
    if !is_input_capture(kind) {
        return Sound::Skipped(format!(
            "audio {name:?} ({kind}): Kaibo captures no desktop or application sound (play music from a file source)"
        ));
    }
    let mut out = Map::new();
    out.insert("id".into(), json!(name));
    out.insert("kind".into(), json!("microphone"));
    let device = source.get("settings").and_then(|s| s.get("device_id")).and_then(Value::as_str).unwrap_or("default");
    if device != "default" {
        notes.push(format!(
            "audio {name:?}: OBS's device {device:?} is not a name Kaibo knows; it opens the default microphone (pick another in the mixer)"
        ));
    }
    out.insert("device".into(), json!("auto"));

    let volume = source.get("volume").and_then(Value::as_f64).unwrap_or(1.0);
    let mut db = if volume > 0.0 { 20.0 * volume.log10() } else { f64::NEG_INFINITY };
    let mut filters = Vec::new();
    for filter in source.get("filters").and_then(Value::as_array).into_iter().flatten() {
        match audio_filter(filter) {
            Ok(Filter::Gain(gain)) => db += gain,
            Ok(Filter::Kaibo(filter)) => filters.push(filter),
            Err(why) => skipped.push(format!("audio {name:?}: {why}")),
        }
    }
    let kept = db.clamp(show::VOLUME_DB.0, show::VOLUME_DB.1);
    if db.is_infinite() {
        notes.push(format!("audio {name:?}: its fader was all the way down; Kaibo's lowest is -60 dB"));
    } else if (kept - db).abs() > 0.05 {
        notes.push(format!(
            "audio {name:?}: its level of {db:.1} dB became {kept:.0} dB (Kaibo's faders go from -60 to +12)"
        ));
    }
    if kept.abs() > 0.005 {
        out.insert("volume_db".into(), json!((kept * 100.0).round() / 100.0));
    }
    let mut muted = source.get("muted").and_then(Value::as_bool).unwrap_or(false);
    let sync = source.get("sync").and_then(Value::as_f64).unwrap_or(0.0) / NANOS_PER_MS;
    let limit = f64::from(show::SYNC_OFFSET_MS);
    let offset = sync.clamp(-limit, limit).round();
    if (offset - sync).abs() >= 1.0 {
        notes.push(format!("audio {name:?}: its sync offset of {sync:.0} ms became {offset} ms"));
    }
    if offset != 0.0 {
        out.insert("sync_offset_ms".into(), json!(offset as i64));
    }
    match source.get("monitoring_type").and_then(Value::as_u64).unwrap_or(0) {
        0 => {}
        // Monitor only: heard in the studio, never on air. Kaibo monitors what goes on air,
        // so the stream side wins: it stays off air.
        1 => {
            muted = true;
            notes.push(format!("audio {name:?}: \"monitor only\" became muted (Kaibo monitors what goes on air)"));
        }
        _ => {
            out.insert("monitor".into(), json!(true));
        }
    }
    if muted {
        out.insert("muted".into(), json!(true));
    }
    if !filters.is_empty() {
        out.insert("filters".into(), Value::Array(filters));
    }
    Sound::Source(Value::Object(out))
}

enum Filter {
    /// A gain filter: added to the source's volume.
    Gain(f64),
    Kaibo(Value),
}

/// An OBS audio filter as Kaibo's, with its settings (OBS's defaults where the collection
/// leaves them out, as it does for every unchanged setting).
fn audio_filter(filter: &Value) -> Result<Filter, String> {
    let kind = filter.get("id").and_then(Value::as_str).unwrap_or("");
    let setting = |key: &str, default: f64| {
        filter.get("settings").and_then(|s| s.get(key)).and_then(Value::as_f64).unwrap_or(default)
    };
    let enabled = filter.get("enabled").and_then(Value::as_bool).unwrap_or(true);
    let with_enabled = |mut value: Value| {
        if !enabled {
            value["enabled"] = json!(false);
        }
        Filter::Kaibo(value)
    };
    Ok(match kind {
        "noise_suppress_filter" | "noise_suppress_filter_v2" => with_enabled(json!({ "kind": "noise_suppression" })),
        "noise_gate_filter" => with_enabled(
            json!({ "kind": "gate", "threshold_db": setting("close_threshold", -32.0).clamp(show::GATE_THRESHOLD_DB.0, show::GATE_THRESHOLD_DB.1) }),
        ),
        "compressor_filter" => with_enabled(json!({
            "kind": "compressor",
            "threshold_db": setting("threshold", -18.0).clamp(show::COMPRESSOR_THRESHOLD_DB.0, show::COMPRESSOR_THRESHOLD_DB.1),
            "ratio": setting("ratio", 10.0).clamp(show::COMPRESSOR_RATIO.0, show::COMPRESSOR_RATIO.1),
        })),
        "gain_filter" if enabled => Filter::Gain(setting("db", 0.0)),
        "gain_filter" => Filter::Gain(0.0),
        other => return Err(format!("its {other} filter has no Kaibo equivalent")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The source, and the notes and skipped items together.
    fn source(value: Value) -> (Option<Value>, Vec<String>) {
        let (mut notes, mut skipped) = (Vec::new(), Vec::new());
        let sound = map(&value, &mut notes, &mut skipped);
        notes.append(&mut skipped);
        match sound {
            Sound::Source(source) => (Some(source), notes),
            Sound::Skipped(_) => (None, notes),
        }
    }

    #[test]
    fn a_microphone_keeps_its_name_level_offset_and_filters() {
        let (mic, notes) = source(json!({
            "id": "pulse_input_capture", "name": "Mic/Aux", "volume": 0.5, "muted": false,
            "sync": 120_000_000, "monitoring_type": 2,
            "settings": { "device_id": "default" },
            "filters": [
                { "id": "noise_suppress_filter_v2", "settings": {} },
                { "id": "gain_filter", "settings": { "db": 6.0 } },
                { "id": "noise_gate_filter", "enabled": false, "settings": { "close_threshold": -45.0 } },
                { "id": "limiter_filter" }
            ]
        }));
        let mic = mic.expect("a microphone");
        assert_eq!(mic["id"], "Mic/Aux");
        assert_eq!(mic["kind"], "microphone");
        // 0.5 is -6.02 dB, and the gain filter adds 6.
        assert!(mic["volume_db"].as_f64().is_none_or(|db| db.abs() < 0.05), "{mic}");
        assert_eq!(mic["sync_offset_ms"], 120);
        assert_eq!(mic["monitor"], true);
        assert_eq!(
            mic["filters"],
            json!([{ "kind": "noise_suppression" }, { "kind": "gate", "threshold_db": -45.0, "enabled": false }])
        );
        assert!(notes.iter().any(|n| n.contains("limiter_filter")), "{notes:?}");
    }

    #[test]
    fn desktop_sound_is_skipped_and_levels_are_brought_into_range() {
        assert!(source(json!({ "id": "pulse_output_capture", "name": "Desktop Audio" })).0.is_none());
        let (mic, notes) =
            source(json!({ "id": "wasapi_input_capture", "name": "Mic", "volume": 0.0, "monitoring_type": 1 }));
        let mic = mic.expect("a microphone");
        assert_eq!((mic["volume_db"].clone(), mic["muted"].clone()), (json!(-60.0), json!(true)));
        assert_eq!(notes.len(), 2, "{notes:?}");
    }
}
