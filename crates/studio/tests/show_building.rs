//! The whole show built through the real `kaibo serve`'s HTTP API, from the empty show it
//! starts with when given none: scenes (add, rename, duplicate, reorder, remove), layers of
//! any scene (add, edit in place, hide, lock, reorder, remove), products (add, edit, remove,
//! a CSV catalogue), destinations (enabled, delay), banned words and encoding, with the
//! refusals a streamer meets: a bad price, a duplicate id, a product a card uses, a CSV with
//! bad rows, the scene on air, a locked layer, a banned word on air, encoding while live.

mod support;
// nginx-rtmp, for going live to a real ingest.
#[path = "../../../tests/support/mod.rs"]
mod ingest;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TOKEN: &str = "show-building-token-0123456789";

/// A running `kaibo serve`, killed when dropped.
struct Serve {
    child: Child,
    addr: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path) -> Serve {
    let kaibo = env!("CARGO_BIN_EXE_kaibo");
    let data = data.to_string_lossy().into_owned();
    let args = ["session", "-", kaibo, "serve", "--listen", "127.0.0.1:0", "--no-record", "--data", &data];
    let mut child = Command::new("keyctl")
        .args(args)
        .env("KAIBO_TOKEN", TOKEN)
        .env("KAIBO_KEYRING", "keyutils")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("keyctl is missing: apt-get install keyutils (make test does)");
    let addr = support::addr_of(&support::studio_url(&mut child, Duration::from_secs(60)));
    Serve { child, addr }
}

/// One HTTP/1.1 request with the token; the status and the body.
fn request(addr: &str, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("write");
    stream.write_all(body).expect("write");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

/// Sends a command that must work; returns the reply.
fn ok(addr: &str, command: Value) -> Value {
    let (status, reply) = send(addr, &command);
    assert_eq!(status, 200, "{command} was refused: {reply}");
    reply
}

/// Sends a command that must be refused with `status`; returns the message.
fn refused(addr: &str, status: u16, command: Value) -> String {
    let (got, reply) = send(addr, &command);
    assert_eq!(got, status, "{command}: {reply}");
    reply["message"].as_str().unwrap_or_default().to_owned()
}

fn send(addr: &str, command: &Value) -> (u16, Value) {
    let (status, body) = request(addr, "POST", "/api/commands", command.to_string().as_bytes());
    (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
}

fn state(addr: &str) -> Value {
    let (status, body) = request(addr, "GET", "/api/state", b"");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("state")
}

fn scene_ids(state: &Value) -> Vec<String> {
    state["scenes"].as_array().expect("scenes").iter().map(|s| s["id"].as_str().unwrap_or("").to_owned()).collect()
}

fn layer<'s>(state: &'s Value, scene: &str, layer: &str) -> &'s Value {
    let scene = state["scenes"].as_array().and_then(|s| s.iter().find(|s| s["id"] == scene)).expect("scene");
    scene["layers"].as_array().and_then(|l| l.iter().find(|l| l["id"] == layer)).expect("layer")
}

fn layer_ids(state: &Value, scene: &str) -> Vec<String> {
    let scene = state["scenes"].as_array().and_then(|s| s.iter().find(|s| s["id"] == scene)).expect("scene");
    scene["layers"].as_array().expect("layers").iter().map(|l| l["id"].as_str().unwrap_or("").to_owned()).collect()
}

fn product<'s>(state: &'s Value, id: &str) -> &'s Value {
    state["products"].as_array().and_then(|p| p.iter().find(|p| p["id"] == id)).expect("product")
}

#[test]
fn a_whole_show_is_built_from_the_empty_one_through_the_api() {
    let data = tempfile::tempdir().expect("dir");
    let serve = serve(data.path());
    let addr = serve.addr.as_str();

    // The empty show is valid and has one scene.
    let s = state(addr);
    assert_eq!(scene_ids(&s), ["main"]);
    assert_eq!(s["phase"]["phase"], "idle");

    // Scenes.
    ok(addr, json!({"type": "add_scene", "id": "promo", "name": "Promo"}));
    let message = refused(addr, 400, json!({"type": "add_scene", "id": "promo"}));
    assert!(message.contains("already a scene called \"promo\""), "{message}");
    let message = refused(addr, 400, json!({"type": "add_scene", "id": "no spaces please"}));
    assert!(message.contains("letters, digits"), "{message}");
    ok(addr, json!({"type": "rename_scene", "scene": "promo", "name": "Flash sale"}));
    ok(addr, json!({"type": "duplicate_scene", "scene": "main", "id": "spare"}));
    ok(addr, json!({"type": "move_scene", "scene": "promo", "to_index": 0}));
    let s = state(addr);
    assert_eq!(scene_ids(&s), ["promo", "main", "spare"]);
    assert_eq!(s["scenes"][0]["name"], "Flash sale");
    assert_eq!(layer_ids(&s, "spare"), ["camera"], "the copy has the layers");
    let message = refused(addr, 409, json!({"type": "remove_scene", "scene": "main"}));
    assert!(message.contains("scene on air"), "{message}");
    ok(addr, json!({"type": "remove_scene", "scene": "spare"}));
    assert_eq!(scene_ids(&state(addr)), ["promo", "main"]);

    // An uploaded picture, then products.
    let png = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/shows/logo.png")).expect("png");
    let (status, body) = request(addr, "POST", "/api/media?name=tea.png", &png);
    assert_eq!(status, 200, "{body}");
    let picture = serde_json::from_str::<Value>(&body).expect("json")["path"].as_str().expect("path").to_owned();
    let tea = json!({"id": "tea", "name": "Tea", "price": 88, "url": "https://shop.example/tea", "image": picture});
    ok(addr, json!({"type": "add_product", "product": tea}));
    let message = refused(addr, 400, json!({"type": "add_product", "product": tea}));
    assert!(message.contains("already a product \"tea\""), "{message}");
    let bad = json!({"id": "mug", "name": "Mug", "price": -3, "url": "https://shop.example/mug"});
    let message = refused(addr, 400, json!({"type": "add_product", "product": bad}));
    assert!(message.contains("product \"mug\", price: must be 0 or more"), "{message}");
    let message = refused(
        addr,
        400,
        json!({"type": "add_product", "product": {"id": "x", "name": "X", "price": 1, "url": "https://x.example", "image": "/etc/passwd"}}),
    );
    assert!(message.contains("media folder"), "{message}");
    let fields = json!({"name": "Green tea", "price": 79, "original_price": 99, "currency": "USD", "stock": 10});
    ok(addr, json!({"type": "update_product", "product": "tea", "fields": fields}));
    let message = refused(addr, 400, json!({"type": "update_product", "product": "tea", "fields": {"price": "cheap"}}));
    assert!(message.contains("product \"tea\""), "{message}");
    let s = state(addr);
    let tea = product(&s, "tea");
    assert_eq!((tea["name"].as_str(), tea["price"].as_f64()), (Some("Green tea"), Some(79.0)));
    assert_eq!((tea["original_price"].as_f64(), tea["stock"].as_u64()), (Some(99.0), Some(10)));
    assert_eq!(tea["currency"], "USD");

    // A CSV catalogue: nothing from a file with bad rows, every bad row told by its line.
    let csv = "id,name,price,original_price,currency,url,image,stock\n\
               mug,Mug,25,,CNY,https://shop.example/mug,,5\n\
               pot,Pot,cheap,,CNY,https://shop.example/pot,,\n\
               cup,Cup,9,,CNY,not a link,,\n";
    let message = refused(addr, 400, json!({"type": "import_products", "csv": csv}));
    assert!(message.contains("line 3: price \"cheap\" is not a number"), "{message}");
    assert!(message.contains("line 4 url:"), "{message}");
    assert_eq!(state(addr)["products"].as_array().map(Vec::len), Some(1), "nothing imported");
    let csv =
        "id,name,price,url,stock\nmug,Mug,25,https://shop.example/mug,5\ntea,Tea again,70,https://shop.example/tea,\n";
    let reply = ok(addr, json!({"type": "import_products", "csv": csv}));
    assert_eq!(reply["note"], "1 products added, 1 updated");

    // Layers of a scene that is not on air.
    let layers = [
        json!({"id": "logo", "kind": "image", "path": picture, "rect": [0.8, 0.05, 0.15, 0.15]}),
        json!({"id": "title", "kind": "text", "text": "Flash sale", "rect": [0.05, 0.05, 0.5, 0.15]}),
        json!({"id": "card", "kind": "product_card", "product": "tea", "rect": [0.6, 0.4, 0.35, 0.5]}),
        json!({"id": "clock", "kind": "countdown", "label": "Ends in", "seconds": 60, "rect": [0.05, 0.8, 0.3, 0.1]}),
    ];
    for layer in &layers {
        ok(addr, json!({"type": "add_scene_layer", "scene": "promo", "layer": layer}));
    }
    let message = refused(addr, 400, json!({"type": "add_scene_layer", "scene": "promo", "layer": layers[1]}));
    assert!(message.contains("duplicate"), "{message}");
    let text = json!({"text": "Last chance", "font_size": 48, "color": "#FFD700", "background": "#000000AA"});
    ok(addr, json!({"type": "update_layer", "scene": "promo", "layer": "title", "fields": text}));
    ok(addr, json!({"type": "update_layer", "scene": "promo", "layer": "card", "fields": {"product": "mug"}}));
    ok(addr, json!({"type": "update_layer", "scene": "promo", "layer": "clock", "fields": {"seconds": 300}}));
    let message = refused(
        addr,
        400,
        json!({"type": "update_layer", "scene": "promo", "layer": "title", "fields": {"color": "gold"}}),
    );
    assert!(message.contains("scene \"promo\", layer \"title\", color"), "{message}");
    let message = refused(
        addr,
        400,
        json!({"type": "update_layer", "scene": "promo", "layer": "card", "fields": {"product": "nothing"}}),
    );
    assert!(message.contains("unknown product \"nothing\""), "{message}");
    let s = state(addr);
    let title = &layer(&s, "promo", "title")["fields"];
    assert_eq!((title["text"].as_str(), title["font_size"].as_f64()), (Some("Last chance"), Some(48.0)));
    assert_eq!(title["color"], "#FFD700");
    assert_eq!(layer(&s, "promo", "card")["product"], "mug");
    assert_eq!(layer(&s, "promo", "clock")["fields"]["seconds"], 300);

    // Lock, hide, reorder.
    ok(addr, json!({"type": "set_layer_locked", "scene": "promo", "layer": "title", "locked": true}));
    let message =
        refused(addr, 400, json!({"type": "move_scene_layer", "scene": "promo", "layer": "title", "to_index": 0}));
    assert!(message.contains("locked"), "{message}");
    let message = refused(
        addr,
        400,
        json!({"type": "update_layer", "scene": "promo", "layer": "title", "fields": {"text": "x"}}),
    );
    assert!(message.contains("locked"), "{message}");
    let message = refused(addr, 400, json!({"type": "remove_scene_layer", "scene": "promo", "layer": "title"}));
    assert!(message.contains("locked"), "{message}");
    ok(addr, json!({"type": "set_scene_layer_visible", "scene": "promo", "layer": "title", "visible": false}));
    let s = state(addr);
    assert_eq!(
        (layer(&s, "promo", "title")["locked"].as_bool(), layer(&s, "promo", "title")["visible"].as_bool()),
        (Some(true), Some(false))
    );
    ok(addr, json!({"type": "set_layer_locked", "scene": "promo", "layer": "title", "locked": false}));
    ok(addr, json!({"type": "move_scene_layer", "scene": "promo", "layer": "title", "to_index": 0}));
    ok(addr, json!({"type": "remove_scene_layer", "scene": "promo", "layer": "logo"}));
    assert_eq!(layer_ids(&state(addr), "promo"), ["title", "card", "clock"]);

    // A product a card uses stays.
    let message = refused(addr, 400, json!({"type": "remove_product", "product": "mug"}));
    assert!(message.contains("card \"card\" of scene \"promo\""), "{message}");
    ok(addr, json!({"type": "remove_product", "product": "tea"}));

    // Banned words keep an edit of the scene on air off air.
    ok(addr, json!({"type": "add_banned_word", "word": "scam"}));
    assert_eq!(state(addr)["banned_words"], json!(["scam"]));
    let scam = json!({"id": "oops", "kind": "text", "text": "No SCAM here", "rect": [0, 0, 0.5, 0.1]});
    let message = refused(addr, 422, json!({"type": "add_scene_layer", "layer": scam}));
    assert!(message.contains("「scam」"), "{message}");
    // Another scene is checked when it goes on air.
    ok(
        addr,
        json!({"type": "update_layer", "scene": "promo", "layer": "title", "fields": {"text": "scam", "visible": true}}),
    );
    refused(addr, 422, json!({"type": "switch_scene", "scene": "promo"}));
    ok(addr, json!({"type": "remove_banned_word", "word": "scam"}));
    ok(addr, json!({"type": "add_scene_layer", "layer": scam}));
    assert_eq!(layer_ids(&state(addr), "main"), ["camera", "oops"]);

    // Destinations: enabled and delay.
    let message = refused(addr, 400, json!({"type": "set_destination", "id": "nowhere", "enabled": false}));
    assert!(message.contains("no destination \"nowhere\""), "{message}");
    // Going live needs an ingest that answers: the show is live once a destination is.
    let nginx = ingest::Nginx::start();
    ok(
        addr,
        json!({"type": "add_destination", "id": "test", "platform": "custom", "url": nginx.url("live", "building")}),
    );
    ok(addr, json!({"type": "set_destination", "id": "test", "enabled": false, "delay_seconds": 5}));
    let message = refused(addr, 400, json!({"type": "set_destination", "id": "test", "delay_seconds": 99}));
    assert!(message.contains("destination \"test\", delay_seconds"), "{message}");
    let s = state(addr);
    assert_eq!(
        (s["destinations"][0]["enabled"].as_bool(), s["destinations"][0]["delay_seconds"].as_u64()),
        (Some(false), Some(5))
    );
    ok(addr, json!({"type": "set_destination", "id": "test", "enabled": true, "delay_seconds": 0}));

    // Encoding, while not live.
    ok(addr, json!({"type": "set_encoding", "encoding": {"video_bitrate_kbps": 2500, "x264_preset": "superfast"}}));
    let message = refused(addr, 400, json!({"type": "set_encoding", "encoding": {"video_bitrate_kbps": 10}}));
    assert!(message.contains("encoding.video_bitrate_kbps"), "{message}");
    let message = refused(addr, 400, json!({"type": "set_encoding", "encoding": {"x264_preset": "placebo"}}));
    assert!(message.contains("x264_preset"), "{message}");
    let s = state(addr);
    assert_eq!(
        (s["encoding"]["video_bitrate_kbps"].as_u64(), s["encoding"]["x264_preset"].as_str()),
        (Some(2500), Some("superfast"))
    );

    // Live: the encoding is refused, edits of the scene on air and of others go on.
    ok(addr, json!({"type": "go_live"}));
    let deadline = Instant::now() + Duration::from_secs(60);
    while state(addr)["phase"]["phase"] != "live" {
        assert!(Instant::now() < deadline, "not live within 60 s: {}", state(addr)["phase"]);
        std::thread::sleep(Duration::from_millis(200));
    }
    let message = refused(addr, 409, json!({"type": "set_encoding", "encoding": {"video_bitrate_kbps": 4000}}));
    assert!(message.contains("while live"), "{message}");
    ok(
        addr,
        json!({"type": "update_layer", "layer": "oops", "fields": {"text": "Live edit", "rect": [0.1, 0.1, 0.4, 0.1]}}),
    );
    ok(addr, json!({"type": "add_scene", "id": "later"}));
    ok(
        addr,
        json!({"type": "add_scene_layer", "scene": "later", "layer": {"id": "hello", "kind": "text", "text": "Hello", "rect": [0.1, 0.1, 0.5, 0.2]}}),
    );
    ok(addr, json!({"type": "switch_scene", "scene": "later"}));
    ok(addr, json!({"type": "update_layer", "layer": "hello", "fields": {"text": "Hello again"}}));
    let reply = ok(addr, json!({"type": "set_destination", "id": "test", "delay_seconds": 3}));
    assert!(reply["note"].as_str().unwrap_or_default().contains("next Go Live"), "{reply}");
    ok(addr, json!({"type": "end_show"}));
    assert_eq!(layer(&state(addr), "later", "hello")["fields"]["text"], "Hello again");
}
