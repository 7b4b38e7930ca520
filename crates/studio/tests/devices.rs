#![allow(clippy::unwrap_used)]
//! Devices in the studio (issue 11, item 4), with no hardware: a test device provider
//! registered in-process reports cameras and microphones as a real one reports webcams. The
//! device list is read as the UI gets it (`GET /api/state` of the real HTTP server, and the
//! state events), follows hot-plug within 2 s, and `set_layer_device` picks a camera.

#[path = "../../engine/tests/support/test_devices.rs"]
mod test_devices;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use studio::protocol::{Command, ErrorKind, Event, StudioState};
use studio::server::{self, ServerConfig};
use studio::{Studio, StudioConfig};
use test_devices::TestCamera;

const TOKEN: &str = "devices-test-token-0123456789";
/// The test provider is one for the whole process: one test at a time plugs into it.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn show() -> show::Show {
    let json = json!({
        "canvas": { "width": 320, "height": 180, "fps": 30 },
        "audio": { "source": "silence" },
        "scenes": [
            { "id": "main", "layers": [
                { "id": "cam", "kind": "camera", "device": "test" },
                { "id": "title", "kind": "text", "text": "Hello", "rect": [0.1, 0.1, 0.5, 0.2] }
            ]},
            { "id": "second", "layers": [{ "id": "cam", "kind": "camera", "device": "test" }] }
        ]
    });
    show::Show::parse(&json.to_string(), &std::env::temp_dir()).unwrap()
}

/// One HTTP/1.1 request with the token, off the async threads: the status and the JSON body.
async fn request(addr: SocketAddr, method: &'static str, path: &'static str, body: Option<Value>) -> (u16, Value) {
    tokio::task::spawn_blocking(move || {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {TOKEN}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
        (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
    })
    .await
    .unwrap()
}

async fn api_state(addr: SocketAddr) -> Value {
    let (status, state) = request(addr, "GET", "/api/state", None).await;
    assert_eq!(status, 200, "{state}");
    state
}

fn camera<'a>(state: &'a Value, id: &str) -> Option<&'a Value> {
    state["devices"]["cameras"].as_array().unwrap().iter().find(|c| c["id"] == id)
}

/// Waits (at most 2 s) for a state event in which `done` holds.
async fn state_event(
    events: &mut tokio::sync::broadcast::Receiver<Event>,
    what: &str,
    done: impl Fn(&StudioState) -> bool,
) -> StudioState {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Ok(Event::State { state })) if done(&state) => return *state,
            Ok(Ok(_)) => {}
            Ok(Err(error)) => panic!("events: {error}"),
            Err(_) => panic!("no state event within 2 s: {what}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_list_follows_hot_plug_and_a_camera_is_picked() {
    let _serial = SERIAL.lock().await;
    engine::init().unwrap();
    test_devices::register();
    let first = TestCamera::new("/dev/kaibo-studio-0", "Desk Cam", "red");
    let second = TestCamera::new("/dev/kaibo-studio-1", "Overhead Cam", "blue");
    test_devices::plug_camera(&first);
    test_devices::plug_microphone("kaibo-studio-mic", "Desk Mic");

    let studio = Studio::new(show(), StudioConfig::default());
    studio.watch_devices().await.unwrap();
    studio.watch_devices().await.unwrap(); // a second call is harmless
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = ServerConfig { token: TOKEN.into(), ui_dir: std::env::temp_dir() };
    let (addr, server) = server::start(studio.clone(), config, "127.0.0.1:0".parse().unwrap(), async move {
        let _ = stopped.await;
    })
    .await
    .unwrap();

    // What is plugged in at the start, with the camera's modes, as the UI reads it.
    let state = api_state(addr).await;
    let desk = camera(&state, &first.path).expect("the desk camera is listed");
    assert_eq!(desk["name"], "Desk Cam");
    assert_eq!(desk["gone"], false);
    assert_eq!(
        desk["modes"],
        json!([
            { "format": "raw", "width": 320, "height": 180, "fps": [5.0] },
            { "format": "mjpeg", "width": 320, "height": 180, "fps": [30.0] }
        ])
    );
    let mics = state["devices"]["microphones"].as_array().unwrap();
    assert!(mics.iter().any(|m| m["id"] == "kaibo-studio-mic" && m["name"] == "Desk Mic"), "{mics:?}");
    let cam_layer = &state["scenes"][0]["layers"][0];
    assert_eq!(cam_layer["device"], "test");
    assert_eq!(state["scenes"][0]["layers"][1]["device"], Value::Null);

    // Plugged in: a state event within 2 s, and the route says so too.
    let mut events = studio.subscribe();
    test_devices::plug_camera(&second);
    state_event(&mut events, "the second camera plugged in", |s| s.devices.cameras.iter().any(|c| c.id == second.path))
        .await;
    assert!(camera(&api_state(addr).await, &second.path).is_some());

    // Picking it: every scene's layer `cam` now names it.
    let pick = json!({ "type": "set_layer_device", "layer": "cam", "device": second.path });
    let (status, reply) = request(addr, "POST", "/api/commands", Some(pick)).await;
    assert_eq!(status, 200, "{reply}");
    let state = api_state(addr).await;
    assert_eq!(state["scenes"][0]["layers"][0]["device"], second.path.as_str());
    assert_eq!(state["scenes"][1]["layers"][0]["device"], second.path.as_str());

    // A camera that is not there is refused, naming the ones that are.
    let absent = json!({ "type": "set_layer_device", "layer": "cam", "device": "/dev/video42" });
    let (status, error) = request(addr, "POST", "/api/commands", Some(absent)).await;
    assert_eq!(status, 404, "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("no camera \"/dev/video42\" plugged in"), "{message}");
    assert!(message.contains("Desk Cam") && message.contains("Overhead Cam"), "{message}");
    let error = studio
        .apply(Command::SetLayerDevice { layer: "title".into(), device: "test".into() })
        .await
        .expect_err("a text layer has no device");
    assert_eq!(error.kind, ErrorKind::BadRequest);
    assert!(error.message.contains("text layer"), "{}", error.message);
    let error = studio
        .apply(Command::SetLayerDevice { layer: "nope".into(), device: "test".into() })
        .await
        .expect_err("no such layer");
    assert_eq!(error.kind, ErrorKind::NotFound);

    // Pulled out: the camera a layer uses stays, marked gone; one no layer uses leaves.
    test_devices::unplug(&second.path);
    let state = state_event(&mut events, "the second camera pulled out", |s| {
        s.devices.cameras.iter().any(|c| c.id == second.path && c.gone)
    })
    .await;
    let gone = state.devices.cameras.iter().find(|c| c.id == second.path).unwrap();
    assert_eq!(gone.name, "Overhead Cam", "a gone camera keeps its name");
    test_devices::unplug(&first.path);
    state_event(&mut events, "the desk camera pulled out", |s| !s.devices.cameras.iter().any(|c| c.id == first.path))
        .await;
    assert_eq!(camera(&api_state(addr).await, &second.path).unwrap()["gone"], true);

    // Back to the test pattern: the gone camera is named by no layer, and leaves the list.
    studio.apply(Command::SetLayerDevice { layer: "cam".into(), device: "test".into() }).await.unwrap();
    assert!(camera(&api_state(addr).await, &second.path).is_none());

    let _ = stop.send(());
    let _ = server.await;
    test_devices::unplug("kaibo-studio-mic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_devices_is_one_or_two_broadcasts() {
    let _serial = SERIAL.lock().await;
    engine::init().unwrap();
    test_devices::register();
    let studio = Studio::new(show(), StudioConfig::default());
    studio.watch_devices().await.unwrap();
    let mut events = studio.subscribe();
    let hub: Vec<TestCamera> =
        (0..6).map(|i| TestCamera::new(&format!("/dev/kaibo-hub-{i}"), &format!("Hub Cam {i}"), "green")).collect();
    // A hub brings its cameras one after another, 40 ms apart.
    for camera in &hub {
        test_devices::plug_camera(camera);
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    // Every broadcast the burst brings, within 2 s.
    let mut broadcasts = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(2);
    while let Ok(Ok(event)) =
        tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), events.recv()).await
    {
        if let Event::State { state } = event {
            broadcasts.push(state);
        }
    }
    let last = broadcasts.last().expect("the burst was told");
    assert!(hub.iter().all(|h| last.devices.cameras.iter().any(|c| c.id == h.path)), "every hub camera is listed");
    assert!(broadcasts.len() <= 2, "six cameras in a burst were {} state broadcasts", broadcasts.len());
    for camera in &hub {
        test_devices::unplug(&camera.path);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_watch_the_cameras_are_looked_up_when_one_is_picked() {
    let _serial = SERIAL.lock().await;
    engine::init().unwrap();
    test_devices::register();
    let camera = TestCamera::new("/dev/kaibo-unwatched", "Spare Cam", "red");
    test_devices::plug_camera(&camera);
    let studio = Studio::new(show(), StudioConfig::default());
    studio.apply(Command::SetLayerDevice { layer: "cam".into(), device: camera.path.clone() }).await.unwrap();
    let state = studio.state().await;
    assert_eq!(state.scenes[0].layers[0].device.as_deref(), Some(camera.path.as_str()));
    assert!(state.devices.cameras.iter().any(|c| c.id == camera.path && !c.gone));
    test_devices::unplug(&camera.path);
    let error = studio
        .apply(Command::SetLayerDevice { layer: "cam".into(), device: "/dev/kaibo-elsewhere".into() })
        .await
        .expect_err("not plugged in");
    assert_eq!(error.kind, ErrorKind::NotFound);
}
