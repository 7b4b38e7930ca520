//! The sound in the studio: the mixer's strips in the state, `set_audio` changing the mix
//! of the running program (and refused in words when it is wrong), and the meters'
//! `audio_levels` events on `/api/events`, ten a second, which a client may turn off.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use studio::protocol::{Command, ErrorKind};
use studio::server::{self, ServerConfig};
use studio::{Studio, StudioConfig};
use tokio_tungstenite::tungstenite::Message;

const TOKEN: &str = "sound-test-token-0123456789";

fn show() -> show::Show {
    let json = serde_json::json!({
        "canvas": { "width": 320, "height": 180, "fps": 25 },
        "audio": { "sources": [
            { "id": "tone", "kind": "tone", "frequency": 440, "volume_db": -12 },
            { "id": "mic", "kind": "microphone", "device": "test" }
        ] },
        "scenes": [{ "id": "main", "layers": [{ "id": "cam", "kind": "camera", "device": "test" }] }]
    });
    show::Show::parse(&json.to_string(), std::path::Path::new(".")).expect("a valid show")
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The events of one socket for `window`, as JSON.
async fn events_for(socket: &mut Socket, window: Duration) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + window;
    let mut events = Vec::new();
    while let Ok(Some(Ok(message))) =
        tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), socket.next()).await
    {
        if let Message::Text(text) = message {
            events.push(serde_json::from_str(&text).expect("events are JSON"));
        }
    }
    events
}

fn peak_of(event: &serde_json::Value, id: &str) -> f64 {
    let source = event["sources"].as_array().expect("sources").iter().find(|s| s["id"] == id).expect("the source");
    source["peak_db"].as_f64().expect("a peak")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_audio_changes_the_mix_and_the_meters_have_their_own_event() {
    let studio = Studio::new(show(), StudioConfig::default());
    studio.open_program().await.expect("the program opens");
    let state = studio.state().await;
    let strips: Vec<(&str, &str, Option<&str>)> =
        state.audio.iter().map(|s| (s.id.as_str(), s.kind.as_str(), s.device.as_deref())).collect();
    assert_eq!(strips, [("tone", "tone", None), ("mic", "microphone", Some("test"))]);

    let ui = tempfile::tempdir().expect("a folder");
    let config = ServerConfig { token: TOKEN.to_owned(), ui_dir: ui.path().to_owned() };
    let (addr, _server) =
        server::start(studio.clone(), config, "127.0.0.1:0".parse().expect("an address"), std::future::pending())
            .await
            .expect("the server starts");
    let url = |query: &str| format!("ws://{addr}/api/events?token={TOKEN}{query}");
    let (mut all, _) = tokio_tungstenite::connect_async(url("")).await.expect("a socket");
    let (mut quiet, _) = tokio_tungstenite::connect_async(url("&audio_levels=off")).await.expect("a socket");

    // Before Go Live: ten meter reports a second, each with every source and the master.
    let events = events_for(&mut all, Duration::from_secs(2)).await;
    let levels: Vec<&serde_json::Value> = events.iter().filter(|e| e["type"] == "audio_levels").collect();
    assert!((15..=45).contains(&levels.len()), "{} audio_levels events in 2 s", levels.len());
    let last = levels.last().expect("a report");
    assert!((peak_of(last, "tone") + 12.0).abs() <= 1.0, "{last}");
    assert!((peak_of(last, "mic") + 20.0).abs() <= 1.0, "{last}");
    assert!(last["master"]["peak_db"].as_f64().expect("a master peak") > -12.0, "{last}");
    assert!(events.iter().filter(|e| e["type"] == "state").count() <= 1, "the meters brought state broadcasts");

    // A change: the state has it, and the next reports read it.
    let reply = studio
        .apply(Command::SetAudio {
            source: "tone".into(),
            volume_db: Some(-24.0),
            muted: None,
            sync_offset_ms: None,
            monitor: None,
            filters: None,
            device: None,
        })
        .await
        .expect("set_audio works");
    assert!(reply.ok);
    assert_eq!(studio.state().await.audio[0].volume_db, -24.0);
    let events = events_for(&mut all, Duration::from_secs(1)).await;
    let last = events.iter().rfind(|e| e["type"] == "audio_levels").expect("a report after the change");
    assert!((peak_of(last, "tone") + 24.0).abs() <= 1.0, "{last}");

    // The socket that asked not to get the meters got everything else, and no meter.
    let events = events_for(&mut quiet, Duration::from_millis(500)).await;
    assert!(events.iter().any(|e| e["type"] == "state"), "the quiet socket missed the state");
    assert!(events.iter().all(|e| e["type"] != "audio_levels"), "the quiet socket got the meters");

    // Wrong changes are refused in words, and change nothing.
    let set = |source: &str, volume_db: Option<f64>, filters: Option<serde_json::Value>| Command::SetAudio {
        source: source.into(),
        volume_db,
        muted: None,
        sync_offset_ms: None,
        monitor: None,
        filters,
        device: None,
    };
    let error = studio.apply(set("nobody", Some(-6.0), None)).await.expect_err("no such source");
    assert_eq!(error.kind, ErrorKind::NotFound, "{error}");
    assert!(error.message.contains("there is no sound source \"nobody\"") && error.message.contains("tone, mic"));
    let error = studio.apply(set("tone", Some(40.0), None)).await.expect_err("too loud");
    assert_eq!(error.kind, ErrorKind::BadRequest);
    assert!(error.message.contains("volume_db: must be between -60 and 12, got 40"), "{error}");
    let error = studio.apply(set("tone", None, Some(serde_json::json!([{ "kind": "reverb" }])))).await;
    let error = error.expect_err("no such filter");
    assert!(error.message.contains("filters must be a list of filters"), "{error}");
    let error = studio.apply(set("tone", None, None)).await.expect_err("nothing to change");
    assert!(error.message.contains("say what to change"), "{error}");
    assert_eq!(studio.state().await.audio[0].volume_db, -24.0);
    studio.shutdown().await;
}
