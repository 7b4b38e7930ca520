//! Throughput benchmark of the audience path: Bilibili wire format (zlib bodies of 50 packets)
//! from local WebSocket servers → the real connectors (parse) → moderation → tally → SQLite
//! (WAL, file on disk). Prints events/s, checks nothing was lost, and reports RSS.
//!
//! `cargo run --release -p audience --example audience_bench -- EVENTS CONNECTORS [RSS]`
//! (run by bench/audience/run.sh).
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use audience::backoff::BackoffPolicy;
use audience::bilibili::packet::{self, encode};
use audience::bilibili::{self, BilibiliConfig};
use audience::moderation::ModerationRules;
use audience::session::{spawn_writer, Session};
use audience::simulator::{Simulator, SimulatorConfig};
use audience::store::{Durability, Store};
use audience::EventBody;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

const PER_BODY: u64 = 50;

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// A Bilibili command carrying the simulator's event `n` of server `s`.
fn command(simulator: &mut Simulator, s: usize) -> Vec<u8> {
    let event = simulator.next_event();
    let user = event.user.clone().unwrap_or_default();
    let id = format!("{s}-{}", simulator.sent());
    let json = match &event.body {
        EventBody::Gift { gift, .. } => serde_json::json!({"cmd": "SEND_GIFT", "data": {
            "giftName": gift.name, "num": gift.count, "price": 100, "coin_type": "gold",
            "uid": user.id, "uname": user.name, "timestamp": 1700000000, "tid": id}}),
        EventBody::Chat { text, .. } => serde_json::json!({"cmd": "DANMU_MSG", "info": [
            [0, 1, 25, 16777215, 1700000000000i64, 0, 0, "", 0, 0, 0, "", 0, "{}", "{}", {"extra": format!("{{\"id_str\":\"{id}\"}}")}],
            text, [user.id, user.name, 0]]}),
        _ => serde_json::json!({"cmd": "INTERACT_WORD", "data": {"msg_type": 1, "uid": user.id, "uname": user.name,
            "timestamp": 1700000000, "trigger_time": s as u64 * 1_000_000_000_000 + simulator.sent()}}),
    };
    encode(packet::VERSION_JSON, packet::OP_COMMAND, 0, json.to_string().as_bytes())
}

async fn server(listener: tokio::net::TcpListener, s: usize, events: u64) {
    let (stream, _) = listener.accept().await.unwrap();
    let mut socket = tokio_tungstenite::accept_async(stream).await.unwrap();
    let _auth = socket.next().await;
    socket.send(Message::binary(encode(1, packet::OP_AUTH_REPLY, 1, br#"{"code":0}"#))).await.unwrap();
    let mut simulator = Simulator::new(SimulatorConfig { seed: s as u64 + 1, ..SimulatorConfig::default() });
    let mut sent = 0;
    while sent < events {
        let n = PER_BODY.min(events - sent);
        let mut body = Vec::new();
        for _ in 0..n {
            body.extend(command(&mut simulator, s));
        }
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(&body).unwrap();
        socket
            .send(Message::binary(encode(packet::VERSION_ZLIB, packet::OP_COMMAND, 0, &z.finish().unwrap())))
            .await
            .unwrap();
        sent += n;
    }
    // Stay connected until the client leaves.
    while let Some(Ok(_)) = socket.next().await {}
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let total: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let connectors: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let report_rss = args.get(3).is_some_and(|a| a == "rss");
    let per = total / connectors as u64;
    let total = per * connectors as u64;

    let dir = std::env::temp_dir().join(format!("kaibo-audience-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::open(&dir.join("bench.sqlite"), "bench", Durability::ProcessCrash).unwrap();
    let rules =
        ModerationRules { banned_words: vec!["包邮".into(), "spam".into(), "微信".into()], ..Default::default() };
    let (tx, rx) = mpsc::channel(8192);
    let (out_tx, mut out_rx) = mpsc::channel(8192);
    let writer = spawn_writer(Session::new(store, &rules), rx, Some(out_tx));

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let stored = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let handles = runtime.block_on(async {
        let mut handles = Vec::new();
        for s in 0..connectors {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            tokio::spawn(server(listener, s, per));
            let mut config = BilibiliConfig::new(1000 + s as u64);
            config.endpoint = format!("ws://127.0.0.1:{port}/sub");
            config.heartbeat = Duration::from_secs(30);
            config.backoff = BackoffPolicy::fast();
            handles.push(bilibili::spawn(config, tx.clone()));
        }
        drop(tx);
        let marks = [100_000u64, 500_000, 1_000_000];
        let mut next_mark = 0;
        let mut count = 0u64;
        while count < total {
            match tokio::time::timeout(Duration::from_secs(30), out_rx.recv()).await {
                Ok(Some(_)) => {
                    count += 1;
                    if report_rss && next_mark < marks.len() && count == marks[next_mark] {
                        println!("  RSS at {:>9} events: {:.1} MiB", count, rss_mib());
                        next_mark += 1;
                    }
                }
                _ => break,
            }
        }
        stored.store(count, Ordering::Relaxed);
        handles
    });
    let elapsed = started.elapsed();
    let count = stored.load(Ordering::Relaxed);
    let stats: Vec<_> = handles.iter().map(|h| h.stats().snapshot()).collect();
    drop(handles);
    drop(out_rx);
    runtime.shutdown_timeout(Duration::from_secs(2));
    let session = writer.join().unwrap().unwrap();
    let committed = session.store().event_count().unwrap();
    let malformed: u64 = stats.iter().map(|s| s.malformed + s.unknown).sum();
    println!(
        "connectors={connectors} events={total} stored={committed} lost={} skipped={malformed} time={:.2}s rate={:.0} events/s",
        total.saturating_sub(committed),
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
