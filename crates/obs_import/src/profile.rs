//! What an OBS profile holds for an import: the canvas (`basic.ini`, `[Video]`) and the stream
//! service (`service.json`: the server, and a key that goes to the keyring, never the show).

use std::path::Path;

use serde_json::Value;

/// The canvas: width, height and a whole frame rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Canvas {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

/// The stream service of a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// OBS's service name (`Twitch`, `YouTube - RTMPS`…), when it names one.
    pub service: Option<String>,
    pub server: String,
    pub key: Option<String>,
}

/// Reads `[Video]` of `basic.ini`: the base (canvas) size and the frame rate in whichever
/// form `FPSType` says (0 common, 1 integer, 2 fraction). Notes say what was rounded.
pub fn read_canvas(ini: &str, notes: &mut Vec<String>) -> Option<Canvas> {
    let video = section(ini, "Video");
    let get = |key: &str| video.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let width = get("BaseCX")?.parse::<u32>().ok()?;
    let height = get("BaseCY")?.parse::<u32>().ok()?;
    let fps = match get("FPSType").unwrap_or("0") {
        "1" => get("FPSInt").and_then(|v| v.parse::<f64>().ok()),
        "2" => {
            let num = get("FPSNum").and_then(|v| v.parse::<f64>().ok());
            let den = get("FPSDen").and_then(|v| v.parse::<f64>().ok()).filter(|d| *d > 0.0);
            num.zip(den).map(|(n, d)| n / d)
        }
        _ => get("FPSCommon").and_then(|v| v.parse::<f64>().ok()),
    }
    .unwrap_or(30.0);
    let whole = fps.round().clamp(1.0, 60.0) as u32;
    if (fps - f64::from(whole)).abs() > 1e-6 {
        notes.push(format!("the profile's {fps} fps became {whole} fps (Kaibo runs whole frame rates)"));
    }
    Some(Canvas { width, height, fps: whole })
}

/// `service.json`: `{"type": "rtmp_custom" | "rtmp_common", "settings": {"server", "key", "service"}}`.
pub fn read_service(json: &Value) -> Option<Service> {
    let settings = json.get("settings")?;
    let server = settings.get("server")?.as_str()?.trim().to_owned();
    let key = settings.get("key").and_then(Value::as_str).map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned);
    let service = settings.get("service").and_then(Value::as_str).map(str::to_owned);
    Some(Service { service, server, key })
}

/// The profile folder's canvas and service, each when present.
pub fn read_profile(dir: &Path, notes: &mut Vec<String>) -> Result<(Option<Canvas>, Option<Service>), String> {
    let ini = dir.join("basic.ini");
    let canvas = match std::fs::read(&ini) {
        // OBS writes UTF-8, sometimes with a byte-order mark.
        Ok(bytes) => read_canvas(String::from_utf8_lossy(&bytes).trim_start_matches('\u{feff}'), notes),
        Err(e) => return Err(format!("cannot read {}: {e}", ini.display())),
    };
    let service = match std::fs::read(dir.join("service.json")) {
        Ok(bytes) => serde_json::from_slice::<Value>(&bytes).ok().as_ref().and_then(read_service),
        Err(_) => None,
    };
    Ok((canvas, service))
}

fn section(ini: &str, name: &str) -> Vec<(String, String)> {
    let mut inside = false;
    let mut out = Vec::new();
    for line in ini.lines().map(str::trim) {
        if line.starts_with('[') && line.ends_with(']') {
            inside = &line[1..line.len() - 1] == name;
        } else if inside {
            if let Some((k, v)) = line.split_once('=') {
                out.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canvas_in_each_fps_form() {
        let mut notes = Vec::new();
        let common = "[General]\nName=x\n[Video]\nBaseCX=1920\nBaseCY=1080\nFPSType=0\nFPSCommon=29.97\n";
        assert_eq!(read_canvas(common, &mut notes), Some(Canvas { width: 1920, height: 1080, fps: 30 }));
        assert_eq!(notes.len(), 1);
        let int = "[Video]\nBaseCX=1280\nBaseCY=720\nFPSType=1\nFPSInt=60\n";
        assert_eq!(read_canvas(int, &mut notes).unwrap().fps, 60);
        let frac = "[Video]\nBaseCX=1080\nBaseCY=1920\nFPSType=2\nFPSNum=25\nFPSDen=1\n";
        assert_eq!(read_canvas(frac, &mut notes), Some(Canvas { width: 1080, height: 1920, fps: 25 }));
        assert_eq!(read_canvas("[Audio]\nBaseCX=1\n", &mut notes), None);
    }

    #[test]
    fn services_keep_the_server_and_the_key_apart() {
        let custom = serde_json::json!({"type": "rtmp_custom", "settings": {"server": "rtmp://ingest.example/live", "key": "sk_1"}});
        let s = read_service(&custom).unwrap();
        assert_eq!((s.server.as_str(), s.key.as_deref()), ("rtmp://ingest.example/live", Some("sk_1")));
        let common =
            serde_json::json!({"type": "rtmp_common", "settings": {"service": "Twitch", "server": "auto", "key": ""}});
        assert_eq!(read_service(&common).unwrap().key, None);
    }
}
