//! Kaibo speaks obs-websocket v5 to the client libraries others wrote, unchanged: obsws-python
//! (JSON, integer ids, a request client subscribed to nothing), simpleobsws (MessagePack,
//! batches), obs-websocket-js 5.0.x (its JSON and MessagePack builds) and obsws-cli, plus
//! the raw wire (auth, close codes, Companion's connect sequence) from Python's `websockets`.
//! The mix's sources are inputs: their volume and mute are checked on the studio's meters.
//! Against a real `kaibo serve` pushing to nginx-rtmp; `make test` installs the clients
//! (tests/obs/requirements.txt into target/obs-clients/venv, tests/obs/package.json).
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::*;

const PASSWORD: &str = "obs-test-password-0123456789";
const KEY: &str = "sk_obs_live_4242";

fn clients() -> (PathBuf, PathBuf) {
    let root = std::env::var_os("KAIBO_OBS_CLIENTS").map_or_else(|| repo().join("target/obs-clients"), PathBuf::from);
    let python = root.join("venv/bin/python");
    let node_modules = repo().join("tests/obs/node_modules/obs-websocket-js");
    assert!(
        python.exists() && node_modules.exists(),
        "the obs-websocket clients are missing: `make test` installs them (python3 -m venv {}/venv && pip install -r tests/obs/requirements.txt; npm --prefix tests/obs ci)",
        root.display()
    );
    (python, repo().join("tests/obs"))
}

fn write_show(dir: &Path, ingest: &str) -> String {
    let show = json!({
        "name": "obs test",
        "canvas": { "width": 1280, "height": 720, "fps": 30 },
        "audio": { "sources": [{ "id": "music", "kind": "tone", "volume_db": -6 }] },
        "products": [
            { "id": "tea", "name": "Tea", "price": 88, "url": "https://shop.example/p/tea" },
            { "id": "cup", "name": "Cup", "price": 19.9, "url": "https://shop.example/p/cup" }
        ],
        "run_of_show": { "card": "card", "items": [{ "product": "tea" }, { "product": "cup" }] },
        "scenes": [
            { "id": "main", "name": "Main", "layers": [
                { "kind": "camera", "id": "camera", "device": "test" },
                { "kind": "product_card", "id": "card", "product": "tea", "rect": [0.55, 0.05, 0.42, 0.9] }
            ]},
            { "id": "promo", "name": "Promo", "layers": [
                { "kind": "camera", "id": "camera", "device": "test" },
                { "kind": "text", "id": "banner", "text": "SALE", "rect": [0.05, 0.05, 0.4, 0.15] }
            ]}
        ],
        "destinations": [{ "id": "shop", "platform": "custom", "url": ingest }],
    });
    let path = dir.join("show.json");
    std::fs::write(&path, serde_json::to_string_pretty(&show).unwrap()).unwrap();
    path.to_string_lossy().into_owned()
}

/// Runs a client; its last stdout line is a JSON report.
fn report(program: &Path, args: &[&str], dir: &Path) -> Value {
    let out = Command::new(program).args(args).current_dir(dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{} {args:?} failed:\n{stdout}\n{stderr}", program.display());
    serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap_or(Value::Null)
}

/// [`report`], which must say `"ok": true`.
fn run(program: &Path, args: &[&str], dir: &Path) -> Value {
    let out = report(program, args, dir);
    assert_eq!(out["ok"], true, "{} {args:?}: {out}", program.display());
    out
}

#[test]
fn the_client_libraries_drive_kaibo_unchanged() {
    let (python, obs_dir) = clients();
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start();
    let ingest = nginx.url("live", KEY);
    let show = write_show(dir.path(), &ingest);
    let served = Served::start_with_env(
        &[&show, "--record-dir", dir.path().join("recordings").to_str().unwrap(), "--obs-websocket", "127.0.0.1:0"],
        &[("KAIBO_OBS_PASSWORD", PASSWORD)],
    );
    let output = served.kaibo.output();
    let line = output.lines().find(|l| l.starts_with("obs-websocket: ws://")).unwrap_or_else(|| panic!("{output}"));
    assert!(!line.contains(PASSWORD), "a configured password is never printed: {line}");
    let url = line.split_whitespace().nth(1).unwrap().to_owned();
    let (host, port) = url.trim_start_matches("ws://").split_once(':').unwrap();
    let node = PathBuf::from("node");
    let js_report = |build: &str, request: &str, data: Option<Value>| {
        let data = data.map(|d| d.to_string()).unwrap_or_default();
        let mut args = vec!["obs_websocket_js.mjs", build, url.as_str(), PASSWORD, request];
        if !data.is_empty() {
            args.push(&data);
        }
        report(&node, &args, &obs_dir)
    };
    let js = |build: &str, request: &str, data: Option<Value>| {
        let out = js_report(build, request, data);
        assert_eq!(out["ok"], true, "obs-websocket-js {build} {request}: {out}");
        out
    };

    // The wire itself, and Companion's connect sequence.
    let report = run(&python, &["raw_protocol.py", &url, PASSWORD, KEY], &obs_dir);
    assert_eq!(report["scenes"], json!(["Promo", "Main"]), "OBS lists scenes last first");

    // obsws-python: a scene switch and a hidden layer reach a second client within 1 s.
    run(&python, &["obsws_python_clients.py", host, port, PASSWORD, "Promo", "banner"], &obs_dir);
    let state = served.state();
    assert_eq!(state["scene"], "promo", "/api/state disagrees with the client: {state}");
    let banner = &state["scenes"][1]["layers"][1];
    assert_eq!((banner["id"].clone(), banner["visible"].clone()), (json!("banner"), json!(false)), "{state}");

    // obsws-python: the tone turned down and muted, measured on the meters; a fade picked, and
    // a switch to Main announced when it has ended.
    let sound = run(&python, &["obsws_python_sound.py", host, port, PASSWORD, "music", "Main"], &obs_dir);
    println!("obsws-python, the tone's meters: {sound}");
    let state = served.state();
    assert_eq!(state["transition"], json!({ "kind": "fade", "ms": 800 }), "{state}");
    assert_eq!(state["scene"], "main", "{state}");
    let music = &state["audio"][0];
    assert_eq!((music["volume_db"].clone(), music["muted"].clone()), (json!(-6.0), json!(false)), "{state}");

    // simpleobsws speaks MessagePack; its batch with Sleep keeps order.
    run(&python, &["simpleobsws_batch.py", &url, PASSWORD], &obs_dir);

    // obs-websocket-js (JSON build): StartStream puts frames at the ingest.
    js("json", "SetCurrentProgramScene", Some(json!({ "sceneName": "Main" })));
    js("json", "StartStream", None);
    served.wait_state("going live", Duration::from_secs(20), |s| s["destinations"][0]["state"]["state"] == "live");
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-rw_timeout",
            "5000000",
            "-select_streams",
            "v",
            "-show_entries",
            "stream=codec_name,width",
        ])
        .args(["-of", "csv=p=0", &ingest])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "h264,1280", "nothing on the ingest");
    let status = js("msgpack", "GetStreamStatus", None);
    assert_eq!(status["reply"]["outputActive"], true, "{status}");
    let again = js_report("json", "StartStream", None);
    assert_eq!((again["ok"].clone(), again["code"].clone()), (json!(false), json!(500)), "{again}");

    // CallVendorRequest cues a product: the card's QR on the stream changes.
    let png = dir.path().join("before.png");
    grab_frame(&ingest, &png);
    assert!(read_qr(&png).iter().any(|q| q.ends_with("/p/tea")), "the card's QR before the cue: {:?}", read_qr(&png));
    let vendor = json!({ "vendorName": "kaibo", "requestType": "cue_product", "requestData": { "product": "cup" } });
    js("msgpack", "CallVendorRequest", Some(vendor));
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let png = dir.path().join("after.png");
        grab_frame(&ingest, &png);
        if read_qr(&png).iter().any(|q| q.ends_with("/p/cup")) {
            break;
        }
        assert!(Instant::now() < deadline, "the cued product's QR never reached the stream: {:?}", read_qr(&png));
    }

    // obsws-cli, as a shell smoke test.
    let cli = python.with_file_name("obsws-cli");
    let listed = Command::new(&cli).args(["-H", host, "-P", port, "-p", PASSWORD, "scene", "list"]).output().unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains("Main") && listed.contains("Promo"), "{listed}");

    js("json", "StopStream", None);
    served.wait_state("the end of the show", Duration::from_secs(20), |s| s["phase"]["phase"] == "idle");
    let status = js("json", "GetStreamStatus", None);
    assert_eq!(status["reply"]["outputActive"], false, "{status}");

    // The recording, on its own switch.
    js("msgpack", "StartRecord", None);
    let recording = js("json", "GetRecordStatus", None);
    assert_eq!(recording["reply"]["outputActive"], true, "{recording}");
    std::thread::sleep(Duration::from_secs(2));
    let stopped = js("json", "StopRecord", None);
    let path = PathBuf::from(stopped["reply"]["outputPath"].as_str().unwrap_or_else(|| panic!("{stopped}")));
    served.wait_state("the recording's end", Duration::from_secs(20), |s| {
        !s["recording"]["running"].as_bool().unwrap_or(false)
    });
    assert!(!video_packet_times(&path).is_empty(), "the recording {} has no video", path.display());
    let again = js_report("json", "StopRecord", None);
    assert_eq!(again["code"], 501, "{again}");

    let output = served.kaibo.output();
    assert!(!output.contains(KEY) && !output.contains(PASSWORD), "a secret leaked:\n{output}");
}
