//! A full simulated live-commerce show, end to end: `kaibo serve` pushing to a real
//! nginx-rtmp ingest, five products cued through `POST /api/commands`, the seeded simulator
//! feeding chat, gifts and orders through the bridge, a banned word refused and overridden,
//! the kill switch, then the session report checked against the stored data.

// A test (or bench tool) stops at the first thing that is not as it should be.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use audience::simulator::{Simulator, SimulatorConfig};
use serde_json::json;
use support::*;

const PRODUCTS: [(&str, &str, &str); 5] = [
    ("tea", "西湖龙井 West Lake tea", "88"),
    ("matcha", "Matcha gift set", "128.5"),
    ("cup", "Celadon cup", "19.9"),
    ("scarf", "Silk scarf", "249"),
    ("fan", "Sandalwood fan", "39"),
];
const CARD: [f64; 4] = [0.64, 0.1, 0.33, 0.8];
const PROMO: [f64; 4] = [0.02, 0.02, 0.3, 0.12];

fn write_show(dir: &Path, ingest: &str) -> String {
    let products: Vec<_> = PRODUCTS
        .iter()
        .map(|(id, name, price)| json!({ "id": id, "name": name, "price": price.parse::<f64>().unwrap(), "url": format!("https://shop.example/p/{id}"), "stock": 100000 }))
        .collect();
    let items: Vec<_> = PRODUCTS
        .iter()
        .map(|(id, _, _)| json!({ "product": id, "target_seconds": 60, "talking_points": [format!("why {id} is worth it")] }))
        .collect();
    let show = json!({
        "name": "full show test",
        "canvas": { "width": 1280, "height": 720, "fps": 30 },
        "audio": { "source": "tone" },
        "products": products,
        "run_of_show": { "card": "card", "items": items },
        "scenes": [{ "id": "main", "layers": [
            { "kind": "camera", "id": "camera", "device": "test" },
            { "kind": "product_card", "id": "card", "product": "tea", "rect": CARD, "visible": false, "sales": true }
        ]}],
        "destinations": [{ "id": "shop", "platform": "custom", "url": ingest }],
    });
    let path = dir.join("show.json");
    std::fs::write(&path, serde_json::to_string_pretty(&show).unwrap()).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn five_products_cued_over_the_api_with_orders_from_the_bridge_end_in_a_report_that_matches_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start();
    let ingest = nginx.url("live", "shop");
    let show = write_show(dir.path(), &ingest);
    let data = dir.path().join("data");
    let bridge = format!("127.0.0.1:{}", free_port());
    let served = Served::start(&[
        &show,
        "--data",
        data.to_str().unwrap(),
        "--record-dir",
        dir.path().join("recordings").to_str().unwrap(),
        "--bridge",
        &bridge,
        "--ban",
        "最低价",
    ]);
    let post_events = |events: &serde_json::Value| {
        let (status, reply) = http_json("POST", &format!("http://{bridge}/events"), &served.bridge_token, Some(events));
        assert_eq!(status, 202, "the bridge refused events: {reply}");
    };

    let (status, reply) = served.command(json!({ "type": "go_live" }));
    assert_eq!(status, 200, "go live: {reply}");
    served.wait_state("the destination going live", Duration::from_secs(30), |s| {
        s["destinations"][0]["state"]["state"] == "live"
    });
    let session = served.state()["session"].as_i64().expect("a session id in the state");

    // The show: five cues, the simulator's orders (and chat, gifts) arriving between them.
    let products: Vec<(String, String, String)> =
        PRODUCTS.iter().map(|(id, _, price)| (id.to_string(), price.to_string(), "CNY".to_owned())).collect();
    let mut simulator = Simulator::new(SimulatorConfig {
        seed: 7,
        rate: 0.0,
        products,
        order_share: 0.4,
        room: "full-show".into(),
        ..SimulatorConfig::default()
    });
    let mut cues = Vec::new();
    for (index, (product, _, _)) in PRODUCTS.iter().enumerate() {
        let (status, reply) = served.command(json!({ "type": "cue_next_product" }));
        assert_eq!(status, 200, "cue {index}: {reply}");
        cues.push((product.to_string(), chrono::Utc::now()));
        let state = served.state();
        assert_eq!(state["run_of_show"]["current"], index, "the run of show did not advance");
        for _ in 0..4 {
            let batch: Vec<_> = (0..15).map(|_| serde_json::to_value(simulator.next_event()).unwrap()).collect();
            post_events(&json!(batch));
            std::thread::sleep(Duration::from_millis(400));
        }
    }

    // The last card's sold counter, read on the pushed stream: a frame before and after a
    // big order differs inside the card.
    std::thread::sleep(Duration::from_secs(2));
    let before = grab_frame(&ingest, &dir.path().join("before.png"));
    let big_order = json!({ "platform": "shop", "room": "full-show", "id": "big-1", "at": chrono::Utc::now().to_rfc3339(),
        "kind": "order", "product": "fan", "quantity": 1000, "amount": "39000", "currency": "CNY" });
    post_events(&big_order);
    let mut truth_units = simulator.truth().order_units.clone();
    *truth_units.entry("fan".into()).or_default() += 1000;
    served.wait_state("the big order counted", Duration::from_secs(30), |s| {
        s["products"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == "fan" && p["sold"].as_u64() == truth_units.get("fan").copied())
    });
    std::thread::sleep(Duration::from_secs(2));
    let after = grab_frame(&ingest, &dir.path().join("after.png"));
    let changed = changed_pixels(&before, &after, CARD, 60);
    println!("card pixels changed by the sold counter: {changed}");
    assert!(changed >= 40, "the card on the stream did not change when its sold counter did ({changed} pixels)");

    // Units sold per product, as the studio counts them, equal the simulator's ground truth.
    let state = served.state();
    for (id, _, _) in PRODUCTS {
        let sold =
            state["products"].as_array().unwrap().iter().find(|p| p["id"] == id).unwrap()["sold"].as_u64().unwrap();
        assert_eq!(sold, truth_units.get(id).copied().unwrap_or(0), "units sold of {id}");
    }

    // Pre-air check: a banned word in a text layer is refused, an override airs it.
    let promo = json!({ "type": "add_layer", "layer": { "id": "promo", "kind": "text", "text": "全网最低价!", "rect": PROMO, "background": "#00FF00", "color": "#00FF00" } });
    let (status, reply) = served.command(promo.clone());
    assert_eq!((status, reply["kind"].as_str()), (422, Some("blocked")), "{reply}");
    assert!(reply["message"].as_str().unwrap().contains("最低价"), "{reply}");
    assert!(!served.state().to_string().contains("\"promo\""), "a refused layer reached the show");
    let (status, reply) = served.command(json!({ "type": "override", "command": promo }));
    assert_eq!(status, 200, "override: {reply}");
    std::thread::sleep(Duration::from_secs(2));
    let aired = grab_frame(&ingest, &dir.path().join("promo.png"));
    let [r, g, b] = mean_rgb(&aired, [PROMO[0] + 0.01, PROMO[1] + 0.01, PROMO[2] - 0.02, PROMO[3] - 0.02]);
    assert!(
        g > 150.0 && r < 100.0 && b < 100.0,
        "the overridden layer is not on the stream: mean {r:.0},{g:.0},{b:.0}"
    );

    // A word banned during the show is masked in the chat that follows; unbanned, it is not.
    let chat = |id: &str, text: &str| {
        json!({ "platform": "shop", "room": "full-show", "id": id, "at": chrono::Utc::now().to_rfc3339(),
            "kind": "chat", "user": { "id": "u9", "name": "阿花" }, "text": text })
    };
    let (status, reply) = served.command(json!({ "type": "add_banned_word", "word": "假货" }));
    assert_eq!(status, 200, "ban a word: {reply}");
    post_events(&chat("ban-1", "这是假货吗"));
    fn said(id: &'static str) -> impl Fn(&serde_json::Value) -> bool {
        move |s| s["chat"].as_array().unwrap().iter().any(|c| c["id"] == id)
    }
    let state = served.wait_state("the chat after the ban", Duration::from_secs(30), said("shop:ban-1"));
    let line = state["chat"].as_array().unwrap().iter().find(|c| c["id"] == "shop:ban-1").unwrap().clone();
    assert_eq!((line["text"].as_str(), line["masked"].as_bool()), (Some("这是＊＊吗"), Some(true)), "{line}");
    let (status, reply) = served.command(json!({ "type": "remove_banned_word", "word": "假货" }));
    assert_eq!(status, 200, "unban: {reply}");
    post_events(&chat("ban-2", "不是假货"));
    let state = served.wait_state("the chat after the unban", Duration::from_secs(30), said("shop:ban-2"));
    let line = state["chat"].as_array().unwrap().iter().find(|c| c["id"] == "shop:ban-2").unwrap().clone();
    assert_eq!(line["text"].as_str(), Some("不是假货"), "{line}");

    // The kill switch and back.
    let (status, reply) = served.command(json!({ "type": "kill_switch" }));
    assert_eq!(status, 200, "kill switch: {reply}");
    assert_eq!(served.state()["kill_switch"]["on"], true);
    let (status, reply) = served.command(json!({ "type": "resume" }));
    assert_eq!(status, 200, "resume: {reply}");

    let (status, reply) = served.command(json!({ "type": "end_show" }));
    assert_eq!(status, 200, "end show: {reply}");
    let (status, reply) = served.command(json!({ "type": "write_report" }));
    assert_eq!(status, 200, "write report: {reply}");
    let written = reply["note"].as_str().unwrap().trim_start_matches("report saved: ").to_owned();
    assert!(Path::new(&written).exists(), "{written} was not written");

    // The stored data: exposures match the cues, orders match the ground truth.
    let database = data.join("sessions.db");
    let db = rusqlite::Connection::open(&database).unwrap();
    let exposures = journal::read_exposures(&db, session).unwrap();
    assert_eq!(exposures.iter().map(|e| e.product.as_str()).collect::<Vec<_>>(), PRODUCTS.map(|p| p.0).to_vec());
    for (i, (exposure, (product, cued))) in exposures.iter().zip(&cues).enumerate() {
        assert_eq!(&exposure.product, product);
        assert_eq!((exposure.layer.as_str(), exposure.cued_by.as_str()), ("card", "api"));
        let lag = (exposure.started_at - *cued).num_milliseconds().abs();
        assert!(lag < 1000, "exposure {i} started {lag} ms away from its cue");
        let ended = exposure.ended_at.expect("every exposure closed by the end of the show");
        if let Some((_, next)) = cues.get(i + 1) {
            assert!((ended - *next).num_milliseconds().abs() < 1000, "exposure {i} did not end at the next cue");
        }
    }
    let mut stored_orders: BTreeMap<String, u64> = BTreeMap::new();
    let mut rows = db.prepare("SELECT json FROM events WHERE session = ?1 AND kind = 'order'").unwrap();
    for json in rows.query_map([session], |r| r.get::<_, String>(0)).unwrap() {
        let event: serde_json::Value = serde_json::from_str(&json.unwrap()).unwrap();
        *stored_orders.entry(event["product"].as_str().unwrap().to_owned()).or_default() +=
            event["quantity"].as_u64().unwrap();
    }
    assert_eq!(stored_orders, truth_units, "stored orders per product");
    let audit = journal::read_audit(&db, session).unwrap();
    let actions: Vec<(&str, &str)> = audit.iter().map(|a| (a.action.as_str(), a.source.as_str())).collect();
    for expected in [
        ("go_live", "api"),
        ("cue_next_product", "api"),
        ("add_layer", "api"),
        ("override", "api"),
        ("kill_switch", "api"),
        ("resume", "api"),
        ("end_show", "api"),
    ] {
        assert!(actions.contains(&expected), "the audit log has no {expected:?}: {actions:?}");
    }
    let refused = audit.iter().find(|a| a.action == "add_layer").unwrap();
    assert!(refused.outcome.contains("最低价"), "the refusal is logged with its reason: {refused:?}");
    let overridden = audit.iter().find(|a| a.action == "override").unwrap();
    assert!(overridden.detail.contains("最低价") && overridden.outcome.starts_with("ok"), "{overridden:?}");

    // The report (CLI) says the same as the stored data.
    let report = dir.path().join("report.html");
    let json_out = dir.path().join("report.json");
    let (code, output) = run_kaibo(&[
        "report",
        &session.to_string(),
        "--data",
        data.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
        "--json",
        json_out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{output}");
    let reported: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    for (id, _, _) in PRODUCTS {
        let row = reported["products"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["product"] == id)
            .unwrap_or_else(|| panic!("{id} not in the report"));
        assert_eq!(row["units"].as_u64(), stored_orders.get(id).copied().or(Some(0)), "report units of {id}");
        assert_eq!(row["exposures"], 1, "report exposures of {id}");
        let (during, outside) = (row["units_during"].as_u64().unwrap(), row["units_outside"].as_u64().unwrap());
        assert_eq!(during + outside, row["units"].as_u64().unwrap(), "during + outside = all, for {id}");
    }
    assert_eq!(reported["exposures"].as_array().unwrap().len(), 5);
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.matches("<svg").count() >= 4, "the report has no charts");

    served.kaibo.signal("TERM");
    let (code, output) = served.kaibo.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{output}");
    assert_eq!(output.matches(&served.token[..]).count(), 1, "the token is printed more than once:\n{output}");
}
