//! The stream (Go Live and End), the recording, and outputs (Kaibo's destinations, each
//! started and stopped alone).

use std::sync::Arc;
use std::time::Instant;

use obs_websocket::{status, Reply};
use serde_json::{json, Value};

use super::{fields, Obs};
use crate::protocol::{Command, DestinationView, LivePhase, OutputPhase, StudioState};

pub const REQUESTS: &[&str] = &[
    "GetStreamStatus",
    "StartStream",
    "StopStream",
    "ToggleStream",
    "GetRecordStatus",
    "StartRecord",
    "StopRecord",
    "ToggleRecord",
    "GetOutputList",
    "GetOutputStatus",
    "StartOutput",
    "StopOutput",
    "ToggleOutput",
];

pub fn handles(request_type: &str) -> bool {
    REQUESTS.contains(&request_type)
}

/// Whether the show is on air, as OBS's stream output would say.
pub fn streaming(state: &StudioState) -> bool {
    matches!(state.phase, LivePhase::Starting | LivePhase::Live | LivePhase::Ending)
}

pub fn reconnecting(state: &StudioState) -> bool {
    state.destinations.iter().any(|d| matches!(d.state, OutputPhase::Reconnecting { .. }))
}

/// `HH:MM:SS.mmm`.
pub fn timecode(ms: u64) -> String {
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

pub async fn call(obs: &Obs, request_type: &str, data: &Value) -> Option<Reply> {
    // What the tools poll reads the state as last announced; the rest a fresh one.
    let state = match request_type {
        "GetStreamStatus" | "GetRecordStatus" | "GetOutputStatus" => obs.latest(),
        _ => Arc::new(obs.state().await),
    };
    Some(match request_type {
        "GetStreamStatus" => Reply::ok(stream_status(obs, &state, None)),
        "StartStream" if streaming(&state) => Reply::error(status::OUTPUT_RUNNING, "the show is already live"),
        "StartStream" => obs.apply(Command::GoLive).await,
        "StopStream" if !streaming(&state) => Reply::error(status::OUTPUT_NOT_RUNNING, "the show is not live"),
        "StopStream" => obs.apply(Command::EndShow).await,
        "ToggleStream" => {
            let live = streaming(&state);
            let reply = obs.apply(if live { Command::EndShow } else { Command::GoLive }).await;
            if reply.code == status::SUCCESS {
                Reply::ok(json!({ "outputActive": !live }))
            } else {
                reply
            }
        }
        "GetRecordStatus" => {
            let recording = state.recording.as_ref().filter(|r| r.running);
            let ms = recording.map_or(0, |r| since_ms(&r.started_at));
            Reply::ok(json!({
                "outputActive": recording.is_some(), "outputPaused": false,
                "outputTimecode": timecode(ms), "outputDuration": ms,
                "outputBytes": recording.map_or(0, |r| r.bytes_written),
            }))
        }
        "StartRecord" if recording(&state) => Reply::error(status::OUTPUT_RUNNING, "the show is already recording"),
        "StartRecord" => obs.apply(Command::StartRecording).await,
        "StopRecord" if !recording(&state) => Reply::error(status::OUTPUT_NOT_RUNNING, "nothing is recording"),
        "StopRecord" => {
            let path = state.recording.as_ref().map(|r| r.file.clone());
            let reply = obs.apply(Command::StopRecording).await;
            if reply.code == status::SUCCESS {
                Reply::ok(json!({ "outputPath": path }))
            } else {
                reply
            }
        }
        "ToggleRecord" => {
            let on = recording(&state);
            let reply = obs.apply(if on { Command::StopRecording } else { Command::StartRecording }).await;
            if reply.code == status::SUCCESS {
                Reply::ok(json!({ "outputActive": !on }))
            } else {
                reply
            }
        }
        "GetOutputList" => {
            let outputs: Vec<Value> = state
                .destinations
                .iter()
                .map(|d| {
                    json!({
                        "outputName": d.id, "outputKind": "kaibo_destination",
                        "outputWidth": state.canvas.width, "outputHeight": state.canvas.height,
                        "outputActive": active(d),
                        "outputFlags": {
                            "OBS_OUTPUT_AUDIO": true, "OBS_OUTPUT_VIDEO": true, "OBS_OUTPUT_ENCODED": true,
                            "OBS_OUTPUT_MULTI_TRACK": false, "OBS_OUTPUT_SERVICE": true,
                        },
                    })
                })
                .collect();
            Reply::ok(json!({ "outputs": outputs }))
        }
        "GetOutputStatus" => match destination(&state, data) {
            Ok(d) => Reply::ok(stream_status(obs, &state, Some(d))),
            Err(reply) => reply,
        },
        "StartOutput" | "StopOutput" | "ToggleOutput" => match destination(&state, data) {
            Err(reply) => reply,
            Ok(d) => {
                let start = match request_type {
                    "StartOutput" => true,
                    "StopOutput" => false,
                    _ => !active(d),
                };
                if start && active(d) {
                    return Some(Reply::error(status::OUTPUT_RUNNING, format!("{} is already sending", d.id)));
                }
                if !start && !active(d) {
                    return Some(Reply::error(status::OUTPUT_NOT_RUNNING, format!("{} is not sending", d.id)));
                }
                let id = d.id.clone();
                let reply = obs
                    .apply(if start { Command::StartDestination { id } } else { Command::StopDestination { id } })
                    .await;
                if request_type == "ToggleOutput" && reply.code == status::SUCCESS {
                    Reply::ok(json!({ "outputActive": start }))
                } else {
                    reply
                }
            }
        },
        _ => return None,
    })
}

/// Whether a recording runs.
pub fn recording(state: &StudioState) -> bool {
    state.recording.as_ref().is_some_and(|r| r.running)
}

/// Milliseconds since an RFC 3339 time (0 when it cannot be read).
fn since_ms(at: &str) -> u64 {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_milliseconds().max(0) as u64)
        .unwrap_or(0)
}

fn active(d: &DestinationView) -> bool {
    matches!(d.state, OutputPhase::Connecting | OutputPhase::Live | OutputPhase::Reconnecting { .. })
}

fn destination<'a>(state: &'a StudioState, data: &Value) -> Result<&'a DestinationView, Reply> {
    let name = fields::text(data, "outputName")?;
    state
        .destinations
        .iter()
        .find(|d| d.id == name)
        .ok_or_else(|| Reply::error(status::RESOURCE_NOT_FOUND, format!("no output named {name}")))
}

fn live_ms(obs: &Obs) -> u64 {
    let since = *obs.live_since.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    since.map_or(0, |at: Instant| at.elapsed().as_millis() as u64)
}

/// GetStreamStatus (all destinations) or GetOutputStatus (one).
fn stream_status(obs: &Obs, state: &StudioState, one: Option<&DestinationView>) -> Value {
    let stats = obs.stats.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let outputs: Vec<_> = stats
        .iter()
        .flat_map(|s| &s.outputs)
        .filter(|o| o.id != engine::RECORDING_ID && one.is_none_or(|d| d.id == o.id))
        .collect();
    let (active, reconnecting) = match one {
        Some(d) => (active(d), matches!(d.state, OutputPhase::Reconnecting { .. })),
        None => (streaming(state), reconnecting(state)),
    };
    let ms = if active { live_ms(obs) } else { 0 };
    let bytes: u64 = outputs.iter().map(|o| o.bytes_sent).sum();
    let skipped: u64 = outputs.iter().map(|o| o.dropped_frames).sum();
    let congestion = outputs.iter().map(|o| o.queued_ms as f64 / 2000.0).fold(0.0, f64::max).min(1.0);
    let total = ms * u64::from(state.canvas.fps) / 1000;
    json!({
        "outputActive": active, "outputReconnecting": reconnecting,
        "outputTimecode": timecode(ms), "outputDuration": ms, "outputCongestion": congestion,
        "outputBytes": bytes, "outputSkippedFrames": skipped, "outputTotalFrames": total,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn timecodes_read_like_obs() {
        assert_eq!(super::timecode(0), "00:00:00.000");
        assert_eq!(super::timecode(3_723_004), "01:02:03.004");
    }
}
