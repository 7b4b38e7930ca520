//! A decompression bomb from a (fake, local) Bilibili server against the real `kaibo serve`:
//! about 100 KB on the wire that inflates to gigabytes. The studio's peak memory stays
//! bounded, it keeps answering, the chat after the bomb reaches the panel, and the operator
//! is told what was dropped.
//!
//! Also through the real server: a connector's endpoint must be encrypted or on this machine,
//! and a Twitch channel that is not a login name is refused before anything is dialled.
//!
//! The fake server speaks Bilibili's wire format: it reads the auth packet (op 7), answers it
//! (op 8, code 0), answers heartbeats (op 2) with the popularity count (op 3), and pushes
//! zlib-compressed command packets (op 5).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use audience::bilibili::packet::{self, encode, encode_zlib};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

const TOKEN: &str = "bomb-test-token-0123456789";
/// How much the studio's peak RSS may grow over its level before the bomb.
const RSS_GROWTH_LIMIT_KB: u64 = 200 * 1024;
const POPULARITY: u32 = 4242;

/// A running `kaibo serve`, killed when dropped.
struct Serve {
    child: Child,
    addr: String,
    data: tempfile::TempDir,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Serve {
    let data = tempfile::tempdir().expect("temp dir");
    let show = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/shows/demo.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaibo"))
        .args([
            "serve",
            show,
            "--listen",
            "127.0.0.1:0",
            "--no-record",
            "--data",
        ])
        .arg(data.path())
        .env("KAIBO_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kaibo serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("kaibo serve prints its URL within 30 s");
        if line.starts_with("Kaibo Studio: ") {
            break line;
        }
    };
    let addr = line
        .trim_start_matches("Kaibo Studio: http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    Serve { child, addr, data }
}

/// One HTTP/1.1 request with the token and a loopback `Host`; returns the status and body.
fn request(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return (0, String::new());
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let text = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(text.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut response = Vec::new();
    let _ = stream.take(16 * 1024 * 1024).read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn state(addr: &str) -> Option<serde_json::Value> {
    let (status, body) = request(addr, "GET", "/api/state", "");
    (status == 200)
        .then(|| serde_json::from_str(&body).ok())
        .flatten()
}

/// A line of /proc/PID/status in kB (`VmHWM`, `VmRSS`).
fn proc_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// About 100 KB: a zlib body holding ~1000 zlib packets, each inflating to a packet of almost
/// 8 MiB of zeros (each under the old per-inflate cap, together about 8 GB).
fn nested_zlib_bomb() -> Vec<u8> {
    let zeros = encode(
        packet::VERSION_JSON,
        packet::OP_COMMAND,
        0,
        &vec![0u8; 8 * 1024 * 1024 - 1024],
    );
    let inner = encode_zlib(packet::OP_COMMAND, &zeros);
    let copies = (8 * 1024 * 1024 - 1024) / inner.len();
    encode_zlib(packet::OP_COMMAND, &inner.repeat(copies))
}

fn danmaku(id: &str, text: &str) -> Vec<u8> {
    let body = serde_json::json!({
        "cmd": "DANMU_MSG",
        "info": [[0, 1, 25, 16777215, 1700000000000i64, 0, 0, "", 0, 0, 0, "", 0, "{}", "{}",
                  {"extra": format!("{{\"id_str\":\"{id}\"}}")}], text, [7, "viewer", 0]]
    });
    encode_zlib(
        packet::OP_COMMAND,
        &encode(
            packet::VERSION_JSON,
            packet::OP_COMMAND,
            0,
            body.to_string().as_bytes(),
        ),
    )
}

/// The fake Bilibili server on its own thread: serves one client, then sends whatever the
/// test hands it. Returns its port and the sender.
fn fake_bilibili() -> (u16, mpsc::UnboundedSender<Vec<u8>>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let Ok((stream, _)) = listener.accept().await else { return };
            let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else { return };
            loop {
                tokio::select! {
                    incoming = socket.next() => {
                        let Some(Ok(message)) = incoming else { return };
                        let Ok(packets) = packet::split(&message.into_data()) else { continue };
                        for p in packets {
                            let reply = match p.operation {
                                packet::OP_AUTH => encode(packet::VERSION_PLAIN, packet::OP_AUTH_REPLY, 1, br#"{"code":0}"#),
                                packet::OP_HEARTBEAT => encode(packet::VERSION_PLAIN, packet::OP_HEARTBEAT_REPLY, 1, &POPULARITY.to_be_bytes()),
                                _ => continue,
                            };
                            if socket.send(Message::binary(reply)).await.is_err() {
                                return;
                            }
                        }
                    }
                    outgoing = rx.recv() => {
                        let Some(bytes) = outgoing else { return };
                        if socket.send(Message::binary(bytes)).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
    });
    (port, tx)
}

fn wait_for<T>(what: &str, patience: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + patience;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `kaibo serve` reading room 123 from a fake Bilibili server, authenticated and counting.
fn studio_reading_fake_bilibili() -> (Serve, mpsc::UnboundedSender<Vec<u8>>) {
    let (port, server) = fake_bilibili();
    let serve = serve();
    let command = format!(
        r#"{{"type":"connect_audience","platform":"bilibili","room":"123","endpoint":"ws://127.0.0.1:{port}/sub"}}"#
    );
    let (status, answer) = request(&serve.addr, "POST", "/api/commands", &command);
    assert_eq!(status, 200, "connect_audience: {answer}");
    // Authenticated, and the popularity answer to the first heartbeat is counted.
    wait_for(
        "the popularity count in the studio",
        Duration::from_secs(30),
        || {
            let state = state(&serve.addr)?;
            (state["audience"]["peak_viewers"] == POPULARITY).then_some(())
        },
    );
    (serve, server)
}

fn chat_item(state: &serde_json::Value, id: &str) -> Option<serde_json::Value> {
    state["chat"]
        .as_array()?
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
}

#[test]
fn overflowing_gift_counts_leave_the_chat_flowing() {
    let (mut serve, server) = studio_reading_fake_bilibili();
    for round in 0..3 {
        let gift = serde_json::json!({"cmd": "SEND_GIFT", "data": {
            "giftName": "火箭", "num": u64::MAX, "price": i64::MAX, "coin_type": "gold",
            "uid": 9, "uname": "whale", "timestamp": 1700000000, "tid": format!("overflow-{round}")}});
        server
            .send(encode_zlib(
                packet::OP_COMMAND,
                &encode(
                    packet::VERSION_JSON,
                    packet::OP_COMMAND,
                    0,
                    gift.to_string().as_bytes(),
                ),
            ))
            .expect("send");
    }
    server
        .send(danmaku("after-the-whale", "还有人吗"))
        .expect("send");
    let seen = wait_for(
        "the danmaku after the overflowing gifts",
        Duration::from_secs(30),
        || {
            assert!(
                serve.child.try_wait().expect("child status").is_none(),
                "the studio died"
            );
            let state = state(&serve.addr)?;
            chat_item(&state, "bilibili:after-the-whale").map(|_| state)
        },
    );
    for round in 0..3 {
        assert!(
            chat_item(&seen, &format!("bilibili:gift-overflow-{round}")).is_some(),
            "{}",
            seen["chat"]
        );
    }
    // Totals go out at most once a second, with a batch: keep chatting until they show.
    let mut tick = 0;
    let audience = wait_for(
        "the totals with the saturated gifts",
        Duration::from_secs(30),
        || {
            tick += 1;
            server
                .send(danmaku(&format!("tick-{tick}"), "tick"))
                .expect("send");
            let state = state(&serve.addr)?;
            (state["audience"]["gifts"] == 3).then(|| state["audience"].clone())
        },
    );
    assert!(
        audience["gift_totals"].to_string().contains("gold"),
        "{audience}"
    );
    assert!(
        serve.child.try_wait().expect("child status").is_none(),
        "the studio is alive"
    );
}

#[test]
fn a_decompression_bomb_leaves_the_studio_bounded_and_the_chat_flowing() {
    let bomb = nested_zlib_bomb();
    assert!(
        bomb.len() < 200 * 1024,
        "the bomb is small on the wire ({} bytes)",
        bomb.len()
    );
    let (mut serve, server) = studio_reading_fake_bilibili();
    let pid = serve.child.id();
    let before = proc_kb(pid, "VmHWM:");
    assert!(before > 0, "VmHWM readable");

    server.send(bomb).expect("send the bomb");
    server
        .send(danmaku("after-the-bomb", "还在吗"))
        .expect("send the danmaku");

    // A watchdog thread follows the peak closely and kills the studio at once if it runs
    // away (today's code eats gigabytes), so a failing test does not bring the machine down.
    let blew = Arc::new(AtomicU64::new(0));
    let watching = Arc::new(AtomicBool::new(true));
    let watchdog = {
        let (blew, watching) = (Arc::clone(&blew), Arc::clone(&watching));
        std::thread::spawn(move || {
            while watching.load(Ordering::SeqCst) {
                let peak = proc_kb(pid, "VmHWM:");
                if peak > before + RSS_GROWTH_LIMIT_KB {
                    blew.store(peak, Ordering::SeqCst);
                    let _ = Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status();
                    return;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let chat = loop {
        let peak = blew.load(Ordering::SeqCst);
        assert!(peak == 0, "the studio's peak RSS grew from {before} kB to over {peak} kB on a ~100 KB message (killed)");
        assert!(
            serve.child.try_wait().expect("child status").is_none(),
            "the studio died"
        );
        assert!(
            Instant::now() < deadline,
            "the danmaku after the bomb never reached the chat"
        );
        if let Some(state) = state(&serve.addr) {
            let items = state["chat"].as_array().cloned().unwrap_or_default();
            if let Some(item) = items
                .into_iter()
                .find(|c| c["id"] == "bilibili:after-the-bomb")
            {
                break (item, state);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    watching.store(false, Ordering::SeqCst);
    let _ = watchdog.join();
    let (item, seen) = chat;
    assert_eq!(item["text"], "还在吗");
    let peak = proc_kb(pid, "VmHWM:");
    assert!(
        peak <= before + RSS_GROWTH_LIMIT_KB,
        "peak RSS {before} kB -> {peak} kB"
    );
    eprintln!("peak RSS before the bomb {before} kB, after {peak} kB");

    // The operator is told, and the connection is the same one, still live.
    let connector = &seen["connectors"][0];
    assert_eq!(connector["status"], "live", "{connector}");
    let notice = connector["error"].as_str().unwrap_or_default();
    assert!(
        notice.contains("inflates past") && notice.contains("reading on"),
        "the notice: {connector}"
    );
    assert!(
        serve.child.try_wait().expect("child status").is_none(),
        "the studio is alive"
    );
    assert!(
        state(&serve.addr).is_some(),
        "the studio still answers /api/state"
    );
}

#[test]
fn foreign_plain_endpoints_and_bad_channels_are_refused_before_any_connection() {
    let serve = serve();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("address").port();
    let cases = [
        (r#"{"type":"connect_audience","platform":"bilibili","room":"123","endpoint":"ws://192.0.2.1/sub"}"#.to_owned(), "not encrypted"),
        (r#"{"type":"connect_audience","platform":"youtube","room":"chat","endpoint":"http://192.0.2.1/v3"}"#.to_owned(), "not encrypted"),
        (r#"{"type":"connect_audience","platform":"twitch","room":"shop","endpoint":"ftp://127.0.0.1/"}"#.to_owned(), "wss://"),
        (
            format!(r#"{{"type":"connect_audience","platform":"twitch","room":"shop\r\nPRIVMSG #other :spam","endpoint":"ws://127.0.0.1:{port}"}}"#),
            // The studio refuses control characters in any room before the connector's check.
            "channel name",
        ),
        (format!(r#"{{"type":"connect_audience","platform":"twitch","room":"shop two","endpoint":"ws://127.0.0.1:{port}"}}"#), "not a channel name"),
    ];
    for (command, expected) in &cases {
        let (status, answer) = request(&serve.addr, "POST", "/api/commands", command);
        assert_eq!(status, 400, "{command}: {answer}");
        assert!(answer.contains(expected), "{command}: {answer}");
        assert!(
            !answer.contains("AIza-not-real"),
            "a key never comes back: {answer}"
        );
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(listener.accept().is_err(), "nothing was dialled");
    let state = state(&serve.addr).expect("state");
    assert_eq!(
        state["connectors"].as_array().map(Vec::len),
        Some(0),
        "{}",
        state["connectors"]
    );
}

/// Runs SQL on the studio's session database from outside, as another program would.
fn sqlite(database: &std::path::Path, sql: &str) {
    let connection = rusqlite::Connection::open(database).expect("open the session database");
    connection.busy_timeout(Duration::from_secs(10)).expect("busy timeout");
    connection.execute_batch(sql).unwrap_or_else(|e| panic!("sqlite {sql}: {e}"));
}

#[test]
fn a_batch_the_database_refuses_is_written_once_it_comes_back() {
    let (serve, server) = studio_reading_fake_bilibili();
    let database = serve.data.path().join("sessions.db");
    assert!(database.exists(), "{}", database.display());
    sqlite(
        &database,
        "CREATE TABLE refuse (x INTEGER); INSERT INTO refuse VALUES (1);
         CREATE TRIGGER no_events BEFORE INSERT ON events WHEN EXISTS (SELECT 1 FROM refuse)
         BEGIN SELECT RAISE(ABORT, 'the disk is full'); END;",
    );
    server.send(danmaku("held-1", "稍等")).expect("send");
    std::thread::sleep(Duration::from_secs(1));
    let state = state(&serve.addr).expect("state");
    assert!(
        chat_item(&state, "bilibili:held-1").is_none(),
        "not committed, so not shown yet"
    );
    sqlite(&database, "DELETE FROM refuse;");
    // Retried by the writer itself within seconds, not only when the next event happens to
    // come (the next heartbeat reply is 30 s away).
    let item = wait_for(
        "the held danmaku in the chat",
        Duration::from_secs(15),
        || chat_item(&state_or_null(&serve.addr), "bilibili:held-1"),
    );
    assert_eq!(item["text"], "稍等");
}

fn state_or_null(addr: &str) -> serde_json::Value {
    state(addr).unwrap_or_default()
}
