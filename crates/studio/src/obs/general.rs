//! General and config requests: versions, stats, hotkeys and vendor requests (Kaibo's own
//! actions), profiles, video settings, the stream service (never its key), screenshots.

use base64::Engine as _;
use obs_websocket::{status, Reply, SessionStats};
use serde_json::{json, Value};

use super::{fields, Obs, OBS_VERSION, OBS_WEBSOCKET_VERSION};
use crate::protocol::Command;

pub const REQUESTS: &[&str] = &[
    "GetVersion",
    "GetStats",
    "GetHotkeyList",
    "TriggerHotkeyByName",
    "CallVendorRequest",
    "GetProfileList",
    "GetSceneCollectionList",
    "GetVideoSettings",
    "GetStreamServiceSettings",
    "SetStreamServiceSettings",
    "GetSourceScreenshot",
];

/// Kaibo's own actions as hotkeys, for tools that only know hotkeys.
const HOTKEYS: &[(&str, &str)] =
    &[("kaibo.kill_switch", "kill_switch"), ("kaibo.resume", "resume"), ("kaibo.cue_next_product", "cue_next_product")];

pub fn handles(request_type: &str) -> bool {
    REQUESTS.contains(&request_type)
}

pub async fn call(obs: &Obs, request_type: &str, data: &Value, stats: SessionStats) -> Option<Reply> {
    Some(match request_type {
        "GetVersion" => Reply::ok(json!({
            "obsVersion": OBS_VERSION,
            "obsWebSocketVersion": OBS_WEBSOCKET_VERSION,
            "rpcVersion": 1,
            "availableRequests": super::available_requests(),
            "supportedImageFormats": ["jpeg", "jpg"],
            "platform": std::env::consts::OS,
            "platformDescription": format!("Kaibo Studio {} (speaks obs-websocket; it is not OBS)", env!("CARGO_PKG_VERSION")),
        })),
        "GetStats" => get_stats(obs, stats).await,
        "GetHotkeyList" => Reply::ok(json!({ "hotkeys": HOTKEYS.iter().map(|(name, _)| *name).collect::<Vec<_>>() })),
        "TriggerHotkeyByName" => match fields::text(data, "hotkeyName") {
            Err(reply) => reply,
            Ok(name) => match HOTKEYS.iter().find(|(hotkey, _)| *hotkey == name) {
                None => Reply::error(status::RESOURCE_NOT_FOUND, format!("no hotkey named {name}")),
                Some((_, command)) => match serde_json::from_value::<Command>(json!({ "type": command })) {
                    Ok(command) => obs.apply(command).await,
                    Err(e) => Reply::error(status::REQUEST_PROCESSING_FAILED, e.to_string()),
                },
            },
        },
        "CallVendorRequest" => vendor_request(obs, data).await,
        "GetProfileList" => Reply::ok(json!({ "currentProfileName": "Kaibo", "profiles": ["Kaibo"] })),
        "GetSceneCollectionList" => {
            let name = obs.state().await.show_name;
            Reply::ok(json!({ "currentSceneCollectionName": name, "sceneCollections": [name] }))
        }
        "GetVideoSettings" => {
            let canvas = obs.state().await.canvas;
            Reply::ok(json!({
                "fpsNumerator": canvas.fps, "fpsDenominator": 1,
                "baseWidth": canvas.width, "baseHeight": canvas.height,
                "outputWidth": canvas.width, "outputHeight": canvas.height,
            }))
        }
        // The server without its key (destination URLs in the state are redacted already).
        "GetStreamServiceSettings" => {
            let state = obs.state().await;
            let server = state.destinations.first().map(|d| d.url.clone()).unwrap_or_default();
            Reply::ok(json!({ "streamServiceType": "rtmp_custom", "streamServiceSettings": { "server": server } }))
        }
        "SetStreamServiceSettings" => Reply::error(
            status::CANNOT_ACT,
            "Kaibo keeps its destinations itself: add one in the studio (its key goes to the keyring)",
        ),
        "GetSourceScreenshot" => screenshot(obs, data).await,
        _ => return None,
    })
}

/// `requestType` + `requestData` are a Kaibo command (`{"type": requestType, ...requestData}`).
async fn vendor_request(obs: &Obs, data: &Value) -> Reply {
    let (vendor, request_type) = match (fields::text(data, "vendorName"), fields::text(data, "requestType")) {
        (Ok(vendor), Ok(request_type)) => (vendor, request_type),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    if vendor != "kaibo" {
        return Reply::error(status::RESOURCE_NOT_FOUND, format!("no vendor named {vendor}: this is Kaibo"));
    }
    let mut command = match data.get("requestData") {
        None | Some(Value::Null) => json!({}),
        Some(Value::Object(map)) => Value::Object(map.clone()),
        Some(_) => return Reply::error(status::INVALID_REQUEST_FIELD_TYPE, "requestData must be an object"),
    };
    command["type"] = json!(request_type);
    let command: Command = match serde_json::from_value(command) {
        Ok(command) => command,
        Err(e) => return Reply::error(status::INVALID_REQUEST_FIELD, format!("not a Kaibo command: {e}")),
    };
    let reply = obs.apply(command).await;
    if reply.code != status::SUCCESS {
        return reply;
    }
    Reply::ok(json!({ "vendorName": vendor, "requestType": request_type, "responseData": {} }))
}

async fn screenshot(obs: &Obs, data: &Value) -> Reply {
    let (name, format) = match (fields::text(data, "sourceName"), fields::text(data, "imageFormat")) {
        (Ok(name), Ok(format)) => (name, format),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    if !matches!(format, "jpeg" | "jpg") {
        return Reply::error(
            status::INVALID_REQUEST_FIELD,
            format!("image format {format} is not supported: use jpeg"),
        );
    }
    let state = obs.state().await;
    let Some(scene) = super::scenes::find_scene(&state, Some(name), None) else {
        return Reply::error(status::RESOURCE_NOT_FOUND, format!("no scene named {name}"));
    };
    if scene.id != state.scene {
        return Reply::error(status::INVALID_RESOURCE_STATE, "only the scene on air has a picture");
    }
    let frame = obs.studio.preview().borrow().clone();
    match frame {
        Some(jpeg) => Reply::ok(json!({
            "imageData": format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(&*jpeg)),
        })),
        None => Reply::error(status::NOT_READY, "the preview has no picture yet"),
    }
}

async fn get_stats(obs: &Obs, session: SessionStats) -> Reply {
    let state = obs.latest();
    let stats = obs.stats.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let (fps, lag, uptime, skipped) = stats.as_ref().map_or((0.0, 0.0, 0.0, 0), |s| {
        let skipped: u64 = s.outputs.iter().map(|o| o.dropped_frames).sum();
        (s.encoder_fps, s.render_lag_ms, s.uptime_s, skipped)
    });
    let total = (uptime * f64::from(state.canvas.fps)).round() as u64;
    let cpu = obs.cpu.lock().unwrap_or_else(std::sync::PoisonError::into_inner).percent();
    Reply::ok(json!({
        "cpuUsage": cpu,
        "memoryUsage": resident_megabytes(),
        "availableDiskSpace": free_disk_megabytes(),
        "activeFps": fps,
        "averageFrameRenderTime": lag,
        "renderSkippedFrames": 0,
        "renderTotalFrames": total,
        "outputSkippedFrames": skipped,
        "outputTotalFrames": total,
        "webSocketSessionIncomingMessages": session.incoming,
        "webSocketSessionOutgoingMessages": session.outgoing,
    }))
}

/// The studio process's CPU use since the previous reading, as a % of one core.
pub struct CpuClock {
    last: (f64, std::time::Instant),
}

impl CpuClock {
    pub fn start() -> CpuClock {
        CpuClock { last: (process_cpu_seconds(), std::time::Instant::now()) }
    }

    fn percent(&mut self) -> f64 {
        let now = (process_cpu_seconds(), std::time::Instant::now());
        let wall = now.1.duration_since(self.last.1).as_secs_f64();
        let used = now.0 - self.last.0;
        if wall < 0.2 {
            return 0.0;
        }
        self.last = now;
        (used / wall * 100.0).max(0.0)
    }
}

fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / rustix::param::clock_ticks_per_second() as f64
}

fn resident_megabytes() -> f64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<f64>().ok()))
        .unwrap_or(0.0);
    pages * rustix::param::page_size() as f64 / (1024.0 * 1024.0)
}

fn free_disk_megabytes() -> f64 {
    let folder = dirs_for_recording();
    rustix::fs::statvfs(&folder).map_or(0.0, |s| (s.f_bavail as f64) * (s.f_frsize as f64) / (1024.0 * 1024.0))
}

fn dirs_for_recording() -> std::path::PathBuf {
    std::env::var_os("HOME").map(std::path::PathBuf::from).unwrap_or_else(|| std::path::PathBuf::from("/"))
}
