//! Inputs: the layers with a source (a camera, an image, a text, a clip, ...) and the sound
//! sources of the mix (`StudioState.audio`). An input's `inputName` is the layer's or the
//! sound source's id; where both have the same id they are one input. Settings are the
//! layer's; mute, volume, sync offset and monitoring are the sound source's, changed with
//! `set_audio`.

use obs_websocket::{status, subscription as sub, Event, Reply};
use serde_json::{json, Value};

use super::events::{event, merged};
use super::{fields, ids, Obs};
use crate::audio_protocol::{AudioSourceView, SourceLevelView};
use crate::protocol::{Command, LayerView, StudioState};
use show::AudioChange;

pub const REQUESTS: &[&str] = &[
    "GetInputList",
    "GetInputKindList",
    "GetSpecialInputs",
    "GetInputSettings",
    "SetInputSettings",
    "GetInputMute",
    "SetInputMute",
    "ToggleInputMute",
    "GetInputVolume",
    "SetInputVolume",
    "GetInputAudioSyncOffset",
    "SetInputAudioSyncOffset",
    "GetInputAudioMonitorType",
    "SetInputAudioMonitorType",
];

/// OBS's limits, checked before Kaibo's own.
const OBS_VOLUME_DB: (f64, f64) = (-100.0, 26.0);
const OBS_VOLUME_MUL: (f64, f64) = (0.0, 20.0);
const OBS_SYNC_OFFSET_MS: (i64, i64) = (-950, 20_000);

pub fn handles(request_type: &str) -> bool {
    REQUESTS.contains(&request_type)
}

/// The OBS input kind of a layer kind.
pub fn input_kind(kind: &str) -> String {
    match kind {
        "camera" => "v4l2_input".into(),
        "image" => "image_source".into(),
        "text" => "text_ft2_source_v2".into(),
        "media" => "ffmpeg_source".into(),
        "color" => "color_source_v3".into(),
        "screen" => "xshm_input".into(),
        other => format!("kaibo_{other}"),
    }
}

/// The OBS input kind of a sound source kind (OBS on Linux captures microphones from PulseAudio).
fn sound_kind(kind: &str) -> String {
    match kind {
        "microphone" => "pulse_input_capture".into(),
        "file" => "ffmpeg_source".into(),
        other => format!("kaibo_{other}"),
    }
}

/// One input: a layer, a sound source, or both under one id.
struct Input<'a> {
    name: &'a str,
    layer: Option<&'a LayerView>,
    sound: Option<&'a AudioSourceView>,
}

impl Input<'_> {
    fn kind(&self) -> String {
        match (self.layer, self.sound) {
            (Some(layer), _) => input_kind(&layer.kind),
            (None, Some(sound)) => sound_kind(&sound.kind),
            (None, None) => String::new(),
        }
    }

    fn uuid(&self) -> String {
        uuid_of(self.name, self.layer.is_some())
    }

    /// The sound source, or OBS's answer for an input without audio.
    fn sound(&self) -> Result<&AudioSourceView, Reply> {
        self.sound.ok_or_else(|| {
            Reply::error(status::INVALID_RESOURCE_STATE, format!("{} has no sound in the mix", self.name))
        })
    }
}

fn uuid_of(name: &str, is_layer: bool) -> String {
    // A layer's UUID is its scene items' `sourceUuid`.
    ids::uuid(if is_layer { "layer" } else { "sound" }, name)
}

/// The UUID clients know the input `name` by.
pub fn input_uuid(state: &StudioState, name: &str) -> String {
    uuid_of(name, layers(state).any(|l| l.id == name))
}

fn layers(state: &StudioState) -> impl Iterator<Item = &LayerView> {
    state.scenes.iter().flat_map(|s| &s.layers).filter(|l| l.kind != "look")
}

/// Every input once: the layers in scene order, then the sound sources that are not layers.
fn inputs(state: &StudioState) -> Vec<Input<'_>> {
    let mut out: Vec<Input<'_>> = Vec::new();
    for layer in layers(state) {
        if !out.iter().any(|i| i.name == layer.id) {
            let sound = state.audio.iter().find(|a| a.id == layer.id);
            out.push(Input { name: &layer.id, layer: Some(layer), sound });
        }
    }
    for sound in &state.audio {
        if !out.iter().any(|i| i.name == sound.id) {
            out.push(Input { name: &sound.id, layer: None, sound: Some(sound) });
        }
    }
    out
}

/// The input a request names by `inputName` or `inputUuid`.
fn input<'a>(state: &'a StudioState, data: &Value) -> Result<Input<'a>, Reply> {
    let name = fields::optional_text(data, "inputName")?;
    let uuid = fields::optional_text(data, "inputUuid")?;
    if name.is_none() && uuid.is_none() {
        return Err(Reply::error(status::MISSING_REQUEST_FIELD, "missing field inputName"));
    }
    inputs(state)
        .into_iter()
        .find(|i| name.is_some_and(|n| n == i.name) || uuid.is_some_and(|u| u == i.uuid()))
        .ok_or_else(|| {
            Reply::error(status::RESOURCE_NOT_FOUND, format!("no input named {}", name.or(uuid).unwrap_or_default()))
        })
}

/// A level in dB as OBS's multiplier (silence below −100 dB).
pub fn mul(db: f64) -> f64 {
    if db <= OBS_VOLUME_DB.0 {
        0.0
    } else {
        10f64.powf(db / 20.0)
    }
}

/// OBS's monitoring type of a source: heard in the studio and on air, or on air only.
fn monitor_type(sound: &AudioSourceView) -> &'static str {
    if sound.monitor {
        "OBS_MONITORING_TYPE_MONITOR_AND_OUTPUT"
    } else {
        "OBS_MONITORING_TYPE_NONE"
    }
}

pub async fn call(obs: &Obs, request_type: &str, data: &Value) -> Option<Reply> {
    let state = obs.state().await;
    if let "GetInputList" | "GetInputKindList" | "GetSpecialInputs" = request_type {
        return Some(listing(&state, request_type, data));
    }
    let input = match input(&state, data) {
        Ok(input) => input,
        Err(reply) => return Some(reply),
    };
    let reply = match request_type {
        "GetInputSettings" => match input.layer {
            Some(layer) => Reply::ok(json!({ "inputKind": input.kind(), "inputSettings": input_settings(layer) })),
            None => Reply::ok(json!({ "inputKind": input.kind(), "inputSettings": {} })),
        },
        "SetInputSettings" => set_input_settings(obs, &state, &input, data).await,
        _ => sound_request(obs, request_type, &input, data).await,
    };
    Some(reply)
}

fn listing(state: &StudioState, request_type: &str, data: &Value) -> Reply {
    match request_type {
        "GetInputList" => {
            let wanted = match fields::optional_text(data, "inputKind") {
                Ok(wanted) => wanted,
                Err(reply) => return reply,
            };
            let list: Vec<Value> = inputs(state)
                .iter()
                .filter(|i| wanted.is_none_or(|k| k == i.kind()))
                .map(|i| {
                    let kind = i.kind();
                    json!({ "inputKind": kind, "unversionedInputKind": kind, "inputName": i.name, "inputUuid": i.uuid() })
                })
                .collect();
            Reply::ok(json!({ "inputs": list }))
        }
        "GetInputKindList" => Reply::ok(json!({ "inputKinds": [
            "v4l2_input", "image_source", "text_ft2_source_v2", "ffmpeg_source", "color_source_v3",
            "pulse_input_capture", "kaibo_product_card", "kaibo_countdown", "kaibo_tone", "kaibo_silence",
        ] })),
        // The first microphones of the mix, as OBS's Mic/Aux slots; Kaibo captures no desktop sound.
        _ => {
            let mics: Vec<&str> =
                state.audio.iter().filter(|a| a.kind == "microphone").map(|a| a.id.as_str()).collect();
            Reply::ok(json!({
                "desktop1": null, "desktop2": null,
                "mic1": mics.first(), "mic2": mics.get(1), "mic3": mics.get(2), "mic4": mics.get(3),
            }))
        }
    }
}

/// Mute, volume, sync offset and monitoring: read from the sound source, changed with `set_audio`.
async fn sound_request(obs: &Obs, request_type: &str, input: &Input<'_>, data: &Value) -> Reply {
    let sound = match input.sound() {
        Ok(sound) => sound,
        Err(reply) => return reply,
    };
    let change = |change: AudioChange| {
        obs.apply(Command::SetAudio {
            source: sound.id.clone(),
            volume_db: change.volume_db,
            muted: change.muted,
            sync_offset_ms: change.sync_offset_ms,
            monitor: change.monitor,
            filters: None,
            device: None,
        })
    };
    match request_type {
        "GetInputMute" => Reply::ok(json!({ "inputMuted": sound.muted })),
        "SetInputMute" => match fields::flag(data, "inputMuted") {
            Ok(muted) => change(AudioChange { muted: Some(muted), ..AudioChange::default() }).await,
            Err(reply) => reply,
        },
        "ToggleInputMute" => {
            let muted = !sound.muted;
            let reply = change(AudioChange { muted: Some(muted), ..AudioChange::default() }).await;
            if reply.code == status::SUCCESS {
                Reply::ok(json!({ "inputMuted": muted }))
            } else {
                reply
            }
        }
        "GetInputVolume" => {
            Reply::ok(json!({ "inputVolumeMul": mul(sound.volume_db), "inputVolumeDb": sound.volume_db }))
        }
        "SetInputVolume" => match volume_db(data) {
            // Kaibo's faders go from −60 to +12 dB: OBS's wider range is brought into it.
            Ok(db) => {
                let db = db.clamp(show::VOLUME_DB.0, show::VOLUME_DB.1);
                change(AudioChange { volume_db: Some(db), ..AudioChange::default() }).await
            }
            Err(reply) => reply,
        },
        "GetInputAudioSyncOffset" => Reply::ok(json!({ "inputAudioSyncOffset": sound.sync_offset_ms })),
        "SetInputAudioSyncOffset" => match fields::integer(data, "inputAudioSyncOffset") {
            Ok(ms) if (OBS_SYNC_OFFSET_MS.0..=OBS_SYNC_OFFSET_MS.1).contains(&ms) => {
                let ms = i32::try_from(ms).unwrap_or_default();
                change(AudioChange { sync_offset_ms: Some(ms), ..AudioChange::default() }).await
            }
            Ok(_) => Reply::error(status::REQUEST_FIELD_OUT_OF_RANGE, "inputAudioSyncOffset must be -950..20000 ms"),
            Err(reply) => reply,
        },
        "GetInputAudioMonitorType" => Reply::ok(json!({ "monitorType": monitor_type(sound) })),
        "SetInputAudioMonitorType" => {
            let monitor = match fields::text(data, "monitorType") {
                Ok("OBS_MONITORING_TYPE_NONE") => false,
                Ok("OBS_MONITORING_TYPE_MONITOR_AND_OUTPUT") => true,
                Ok("OBS_MONITORING_TYPE_MONITOR_ONLY") => {
                    return Reply::error(
                        status::INVALID_REQUEST_FIELD,
                        "Kaibo monitors a source as it goes on air: use OBS_MONITORING_TYPE_MONITOR_AND_OUTPUT",
                    )
                }
                Ok(other) => return Reply::error(status::INVALID_REQUEST_FIELD, format!("no monitoring type {other}")),
                Err(reply) => return reply,
            };
            change(AudioChange { monitor: Some(monitor), ..AudioChange::default() }).await
        }
        _ => Reply::error(status::UNKNOWN_REQUEST_TYPE, format!("Kaibo does not do {request_type} (yet)")),
    }
}

/// `SetInputVolume`'s level: `inputVolumeMul` or `inputVolumeDb` (one of them), in OBS's range.
fn volume_db(data: &Value) -> Result<f64, Reply> {
    let out_of_range = |what: &str| Reply::error(status::REQUEST_FIELD_OUT_OF_RANGE, what.to_owned());
    match (fields::number(data, "inputVolumeMul")?, fields::number(data, "inputVolumeDb")?) {
        (None, None) => {
            Err(Reply::error(status::MISSING_REQUEST_FIELD, "missing field inputVolumeMul or inputVolumeDb"))
        }
        (Some(_), Some(_)) => {
            Err(Reply::error(status::TOO_MANY_REQUEST_FIELDS, "give inputVolumeMul or inputVolumeDb, not both"))
        }
        (Some(m), None) if !(OBS_VOLUME_MUL.0..=OBS_VOLUME_MUL.1).contains(&m) => {
            Err(out_of_range("inputVolumeMul must be 0..20"))
        }
        (Some(m), None) => Ok(if m > 0.0 { 20.0 * m.log10() } else { OBS_VOLUME_DB.0 }),
        (None, Some(db)) if !(OBS_VOLUME_DB.0..=OBS_VOLUME_DB.1).contains(&db) => {
            Err(out_of_range("inputVolumeDb must be -100..26"))
        }
        (None, Some(db)) => Ok(db),
    }
}

/// OBS's settings of a layer: a text's `text`, an image's `file`, a media layer's file, a
/// colour's `color`; the rest of the layer as Kaibo writes it.
fn input_settings(layer: &LayerView) -> Value {
    let mut settings = layer.fields.as_object().cloned().unwrap_or_default();
    for (obs_name, kaibo_name) in [("file", "path"), ("local_file", "path")] {
        if let Some(value) = layer.fields.get(kaibo_name) {
            settings.insert(obs_name.to_owned(), value.clone());
        }
    }
    for key in ["id", "kind", "rect", "visible", "locked"] {
        settings.remove(key);
    }
    Value::Object(settings)
}

/// `SetInputSettings`: `text` (and Kaibo's own field names) change the layer everywhere it
/// appears; OBS's own names (`file`) are read as Kaibo's.
async fn set_input_settings(obs: &Obs, state: &StudioState, input: &Input<'_>, data: &Value) -> Reply {
    let Some(layer) = input.layer.map(|l| l.id.clone()) else {
        return Reply::error(
            status::INVALID_RESOURCE_STATE,
            format!("{} is a sound source: set it with SetInputVolume and SetInputMute", input.name),
        );
    };
    let Some(settings) = data.get("inputSettings").and_then(Value::as_object) else {
        return Reply::error(status::MISSING_REQUEST_FIELD, "missing field inputSettings");
    };
    let mut fields = serde_json::Map::new();
    for (key, value) in settings {
        let key = match key.as_str() {
            "file" | "local_file" => "path",
            "id" | "kind" | "rect" | "visible" | "locked" => continue,
            other => other,
        };
        fields.insert(key.to_owned(), value.clone());
    }
    let scenes: Vec<String> =
        state.scenes.iter().filter(|s| s.layers.iter().any(|l| l.id == layer)).map(|s| s.id.clone()).collect();
    for scene in scenes {
        let command =
            Command::UpdateLayer { scene: Some(scene), layer: layer.clone(), fields: Value::Object(fields.clone()) };
        let reply = obs.apply(command).await;
        if reply.code != status::SUCCESS {
            return reply;
        }
    }
    Reply::done()
}

/// The input events of a state change: mute, volume, sync offset and monitoring.
pub fn changes(old: &StudioState, new: &StudioState, out: &mut Vec<Event>) {
    for sound in &new.audio {
        let Some(was) = old.audio.iter().find(|a| a.id == sound.id) else { continue };
        let input = json!({ "inputName": sound.id, "inputUuid": input_uuid(new, &sound.id) });
        let event = |event_type: &str, fields: Value| event(event_type, sub::INPUTS, merged(input.clone(), fields));
        if was.muted != sound.muted {
            out.push(event("InputMuteStateChanged", json!({ "inputMuted": sound.muted })));
        }
        if was.volume_db != sound.volume_db {
            let volume = json!({ "inputVolumeMul": mul(sound.volume_db), "inputVolumeDb": sound.volume_db });
            out.push(event("InputVolumeChanged", volume));
        }
        if was.sync_offset_ms != sound.sync_offset_ms {
            out.push(event("InputAudioSyncOffsetChanged", json!({ "inputAudioSyncOffset": sound.sync_offset_ms })));
        }
        if was.monitor != sound.monitor {
            out.push(event("InputAudioMonitorTypeChanged", json!({ "monitorType": monitor_type(sound) })));
        }
    }
}

/// `InputVolumeMeters` from the mix's meters: per input, one `[magnitude, peak, input peak]`
/// per channel (Kaibo meters a source as one, so both channels show it), as multipliers.
/// The levels are after the source's volume; the input peak is before it.
pub fn meters(state: &StudioState, levels: &[SourceLevelView]) -> Event {
    let inputs: Vec<Value> = levels
        .iter()
        .map(|level| {
            let volume = state.audio.iter().find(|a| a.id == level.id).map_or(0.0, |a| a.volume_db);
            let channel = [mul(level.rms_db), mul(level.peak_db), mul(level.peak_db - volume)];
            json!({ "inputName": level.id, "inputUuid": input_uuid(state, &level.id), "inputLevelsMul": [channel, channel] })
        })
        .collect();
    event("InputVolumeMeters", sub::INPUT_VOLUME_METERS, json!({ "inputs": inputs }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_come_as_a_multiplier_or_decibels_in_obs_range() {
        let db = |data: Value| volume_db(&data).map_err(|r| r.code);
        assert_eq!(db(json!({ "inputVolumeDb": -6.0 })), Ok(-6.0));
        let half = db(json!({ "inputVolumeMul": 0.5 })).expect("a level");
        assert!((half + 6.0206).abs() < 1e-3, "{half}");
        assert_eq!(db(json!({ "inputVolumeMul": 0.0 })), Ok(-100.0));
        assert_eq!(db(json!({ "inputVolumeMul": 21.0 })), Err(status::REQUEST_FIELD_OUT_OF_RANGE));
        assert_eq!(db(json!({ "inputVolumeDb": -101.0 })), Err(status::REQUEST_FIELD_OUT_OF_RANGE));
        assert_eq!(db(json!({})), Err(status::MISSING_REQUEST_FIELD));
        assert_eq!(db(json!({ "inputVolumeDb": 0, "inputVolumeMul": 1 })), Err(status::TOO_MANY_REQUEST_FIELDS));
        assert_eq!(db(json!({ "inputVolumeDb": "loud" })), Err(status::INVALID_REQUEST_FIELD_TYPE));
        assert!((mul(-6.0206) - 0.5).abs() < 1e-4);
        assert_eq!(mul(-100.0), 0.0);
    }
}
