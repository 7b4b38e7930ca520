//! The doors of `kaibo serve`, attacked on loopback with raw requests: two tokens for two trust
//! levels, bounded bodies and WebSocket messages, no half-sent requests held open, at most 256
//! connections, only its own `Host` names, no cross-site WebSockets, a report link that opens
//! once, and a like count at the top of u64 that leaves the chat flowing.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "control-token-0123456789abcdef";
const BRIDGE_TOKEN: &str = "bridge-token-fedcba9876543210";
const MIB: usize = 1 << 20;

/// A running `kaibo serve`, killed when dropped.
struct Serve {
    child: Child,
    /// `127.0.0.1:PORT` of the studio.
    addr: String,
    /// `127.0.0.1:PORT` of the bridge, when started with one.
    bridge: Option<String>,
    /// The bridge token, from the environment or from its line.
    bridge_token: String,
    output: Arc<Mutex<String>>,
    _ui: tempfile::TempDir,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn kaibo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kaibo"))
}

/// `kaibo serve demo.json --listen 127.0.0.1:0 --no-record ARGS` with the tokens in `env`,
/// and a UI folder of its own (so `/` answers 200).
fn serve_with(args: &[&str], env: &[(&str, &str)]) -> Serve {
    let show = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/shows/demo.json");
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(
        ui.path().join("index.html"),
        "<!doctype html><title>ui</title>",
    )
    .unwrap();
    let data = ui.path().join("data");
    let mut child = kaibo()
        .args([
            "serve",
            show,
            "--listen",
            "127.0.0.1:0",
            "--no-record",
            "--ui",
        ])
        .arg(ui.path())
        .arg("--data")
        .arg(&data)
        .args(args)
        .env_remove("KAIBO_TOKEN")
        .env_remove("KAIBO_BRIDGE_TOKEN")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kaibo serve");
    let output = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let (output, tx) = (Arc::clone(&output), tx.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                output.lock().unwrap().push_str(&format!("{line}\n"));
                let _ = tx.send(line);
            }
        });
    }
    let (mut addr, mut bridge, mut bridge_token) = (
        None,
        None,
        env.iter()
            .find(|(k, _)| *k == "KAIBO_BRIDGE_TOKEN")
            .map(|(_, v)| v.to_string()),
    );
    while addr.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("kaibo serve did not start:\n{}", output.lock().unwrap()));
        if let Some(rest) = line.strip_prefix("audience bridge: http://") {
            bridge = Some(rest.split('/').next().unwrap().to_owned());
            if let Some(token) = rest.split(" token=").nth(1) {
                bridge_token = Some(token.trim().to_owned());
            }
        }
        if let Some(url) = line.strip_prefix("Kaibo Studio: http://") {
            addr = Some(url.split('/').next().unwrap().to_owned());
        }
    }
    Serve {
        child,
        addr: addr.unwrap(),
        bridge,
        bridge_token: bridge_token.unwrap_or_default(),
        output,
        _ui: ui,
    }
}

fn serve_bridge() -> Serve {
    serve_with(
        &["--bridge", "127.0.0.1:0"],
        &[("KAIBO_TOKEN", TOKEN), ("KAIBO_BRIDGE_TOKEN", BRIDGE_TOKEN)],
    )
}

fn connect(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
}

/// Reads a whole `Connection: close` reply; returns the status and the body.
fn read_reply(stream: &mut TcpStream) -> (u16, String) {
    let mut reply = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => reply.extend_from_slice(&chunk[..n]),
            // A server that answered early may reset a connection still sending.
            Err(e) if e.kind() == ErrorKind::ConnectionReset && !reply.is_empty() => break,
            Err(e) => panic!("no reply: {e} (after {} bytes)", reply.len()),
        }
        if reply.len() > 4 * MIB {
            break;
        }
    }
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// One request with `Host: host`; the status and the body.
fn request_to(
    addr: &str,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = connect(addr);
    let mut text = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    stream.write_all(text.as_bytes()).expect("send");
    read_reply(&mut stream)
}

fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    request_to(addr, addr, method, path, headers, body)
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Sends headers announcing `size` bytes of body, then the body from another thread while the
/// reply is read (a server that refuses early may stop reading).
fn post_big(addr: &str, path: &str, token: &str, size: usize, chunked: bool) -> (u16, String) {
    let mut stream = connect(addr);
    let length = if chunked {
        "Transfer-Encoding: chunked".to_owned()
    } else {
        format!("Content-Length: {size}")
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n{length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let piece = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < size {
            let n = piece.len().min(size - sent);
            let written = if chunked {
                writer
                    .write_all(format!("{n:x}\r\n").as_bytes())
                    .and_then(|()| writer.write_all(&piece[..n]))
                    .and_then(|()| writer.write_all(b"\r\n"))
            } else {
                writer.write_all(&piece[..n])
            };
            if written.is_err() {
                return; // the server stopped reading: it has answered
            }
            sent += n;
        }
        if chunked {
            let _ = writer.write_all(b"0\r\n\r\n");
        }
    });
    let reply = read_reply(&mut stream);
    let _ = stream.shutdown(Shutdown::Both);
    let _ = sender.join();
    reply
}

fn like_event(id: &str, count: &str) -> String {
    format!(
        r#"{{"platform":"douyin","room":"r1","id":"{id}","at":"2024-05-01T12:00:00Z","kind":"like","user":{{"id":"u1","name":"fan"}},"count":{count}}}"#
    )
}

fn chat_event(id: &str, text: &str) -> String {
    format!(
        r#"{{"platform":"douyin","room":"r1","id":"{id}","at":"2024-05-01T12:00:01Z","kind":"chat","user":{{"id":"u2","name":"viewer"}},"text":"{text}"}}"#
    )
}

/// Opens a WebSocket on `path` with `headers` (the handshake by hand); the status line's code
/// and the stream, ready for frames.
fn ws_handshake(addr: &str, path: &str, headers: &[(&str, &str)]) -> (u16, TcpStream) {
    let mut stream = connect(addr);
    let mut text = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    stream.write_all(text.as_bytes()).unwrap();
    // Read the response head byte by byte, so no frame after it is swallowed.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&head);
    (
        head.split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        stream,
    )
}

/// One masked client text frame of `len` bytes (`x` repeated).
fn ws_text_frame(len: usize) -> Vec<u8> {
    let mut frame = vec![0x81u8];
    match len {
        0..=125 => frame.push(0x80 | len as u8),
        126..=65535 => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    let mask = [1u8, 2, 3, 4];
    frame.extend_from_slice(&mask);
    frame.extend((0..len).map(|i| b'x' ^ mask[i % 4]));
    frame
}

/// Whether the server ends the connection (EOF, reset, or a close frame) within 20 s; other
/// frames (the state, events) are read past.
fn ws_closed_by_server(stream: &mut TcpStream) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut chunk = [0u8; 64 * 1024];
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        match stream.read(&mut chunk) {
            Ok(0) => return true,
            Ok(n) => {
                seen.extend_from_slice(&chunk[..n]);
                // A close frame from the server (opcode 8, unmasked) at a frame start is
                // hard to find in a byte soup; EOF follows it anyway.
                if seen.len() > 8 * MIB {
                    seen.clear();
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
                return false
            }
            Err(_) => return true,
        }
    }
    false
}

#[test]
fn each_token_opens_only_its_own_door() {
    let serve = serve_bridge();
    let bridge = serve.bridge.clone().expect("the bridge line");
    assert_eq!(serve.bridge_token, BRIDGE_TOKEN);
    let output = serve.output.lock().unwrap().clone();
    assert!(
        !output.contains(BRIDGE_TOKEN),
        "a bridge token from the environment is never printed:\n{output}"
    );

    // The bridge token opens no /api route, by header or by query.
    for (method, path, body) in [
        ("GET", "/api/state", ""),
        ("POST", "/api/commands", r#"{"type":"go_live"}"#),
        ("GET", "/api/report", ""),
    ] {
        let (status, reply) = request(
            &serve.addr,
            method,
            path,
            &[("Authorization", &bearer(BRIDGE_TOKEN))],
            body,
        );
        assert_eq!(
            status, 401,
            "{method} {path} with the bridge token: {reply}"
        );
        let (status, _) = request(
            &serve.addr,
            method,
            &format!("{path}?token={BRIDGE_TOKEN}"),
            &[],
            body,
        );
        assert_eq!(status, 401, "{method} {path}?token=BRIDGE_TOKEN");
    }
    let (status, _) = ws_handshake(
        &serve.addr,
        &format!("/api/events?token={BRIDGE_TOKEN}"),
        &[],
    );
    assert_eq!(status, 401, "the bridge token opens no event stream");

    // The control token opens no bridge door; the bridge token does.
    let event = chat_event("tok-1", "hello");
    let (status, reply) = request(
        &bridge,
        "POST",
        "/events",
        &[("Authorization", &bearer(TOKEN))],
        &event,
    );
    assert_eq!(status, 401, "the control token on the bridge: {reply}");
    let (status, _) = request(
        &bridge,
        "POST",
        &format!("/events?token={TOKEN}"),
        &[],
        &event,
    );
    assert_eq!(status, 401);
    let (status, _) = ws_handshake(&bridge, &format!("/ws?token={TOKEN}"), &[]);
    assert_eq!(status, 401, "the control token opens no bridge WebSocket");
    let (status, reply) = request(
        &bridge,
        "POST",
        "/events",
        &[("Authorization", &bearer(BRIDGE_TOKEN))],
        &event,
    );
    assert_eq!(status, 202, "the bridge token on the bridge: {reply}");
    let (status, _) = ws_handshake(&bridge, &format!("/ws?token={BRIDGE_TOKEN}"), &[]);
    assert_eq!(status, 101);
    let (status, reply) = request(
        &serve.addr,
        "GET",
        "/api/state",
        &[("Authorization", &bearer(TOKEN))],
        "",
    );
    assert_eq!(status, 200, "{reply}");
}

#[test]
fn a_generated_bridge_token_is_printed_once_and_is_not_the_control_token() {
    let serve = serve_with(&["--bridge", "127.0.0.1:0"], &[("KAIBO_TOKEN", TOKEN)]);
    let bridge = serve.bridge.clone().expect("the bridge line");
    let token = serve.bridge_token.clone();
    assert!(
        token.len() >= 16 && token != TOKEN,
        "a generated bridge token on its line: {token:?}"
    );
    let output = serve.output.lock().unwrap().clone();
    assert_eq!(output.matches(&token).count(), 1, "printed once:\n{output}");
    let line = output
        .lines()
        .find(|l| l.starts_with("audience bridge:"))
        .unwrap();
    assert!(
        !line.contains(TOKEN),
        "the bridge line never shows the control token"
    );
    let (status, _) = request(
        &bridge,
        "POST",
        "/events",
        &[("Authorization", &bearer(&token))],
        &chat_event("gen-1", "hi"),
    );
    assert_eq!(status, 202);
    let (status, _) = request(
        &serve.addr,
        "GET",
        "/api/state",
        &[("Authorization", &bearer(&token))],
        "",
    );
    assert_eq!(status, 401);
}

#[test]
fn short_or_shared_tokens_and_remote_doors_are_refused_at_start() {
    let refused = |args: &[&str], env: &[(&str, &str)], words: &str| {
        let output = kaibo()
            .args(["serve", "--no-record"])
            .args(args)
            .env_remove("KAIBO_TOKEN")
            .env_remove("KAIBO_BRIDGE_TOKEN")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} {env:?} must be refused");
        assert!(
            stderr.contains(words),
            "{args:?} {env:?}: the message names {words:?}: {stderr}"
        );
        for (_, value) in env {
            assert!(
                !stderr.contains(value),
                "the message never shows the token: {stderr}"
            );
        }
        output.status.code()
    };
    refused(
        &[],
        &[("KAIBO_TOKEN", "short-token")],
        "KAIBO_TOKEN is too short",
    );
    refused(
        &["--bridge", "127.0.0.1:0"],
        &[
            ("KAIBO_TOKEN", TOKEN),
            ("KAIBO_BRIDGE_TOKEN", "123456789012345"),
        ],
        "KAIBO_BRIDGE_TOKEN is too short",
    );
    refused(
        &["--bridge", "127.0.0.1:0"],
        &[("KAIBO_TOKEN", TOKEN), ("KAIBO_BRIDGE_TOKEN", TOKEN)],
        "must differ",
    );
    assert_eq!(
        refused(
            &["--bridge", "0.0.0.0:0"],
            &[("KAIBO_TOKEN", TOKEN)],
            "--allow-remote"
        ),
        Some(2)
    );
    assert_eq!(
        refused(
            &["--listen", "0.0.0.0:0"],
            &[("KAIBO_TOKEN", TOKEN)],
            "--allow-remote"
        ),
        Some(2)
    );
    assert_eq!(
        refused(
            &["--host", "studio.lan"],
            &[("KAIBO_TOKEN", TOKEN)],
            "--allow-remote"
        ),
        Some(2)
    );
}

#[test]
fn big_bodies_get_413_and_a_huge_websocket_message_closes_only_its_socket() {
    let serve = serve_bridge();
    let bridge = serve.bridge.clone().unwrap();
    for chunked in [false, true] {
        let (status, reply) = post_big(&serve.addr, "/api/commands", TOKEN, 2 * MIB, chunked);
        assert_eq!(status, 413, "a 2 MiB command (chunked: {chunked}): {reply}");
        let error: serde_json::Value =
            serde_json::from_str(&reply).unwrap_or_else(|_| panic!("a StudioError: {reply}"));
        assert!(
            error["message"].as_str().unwrap().contains("1 MiB"),
            "{reply}"
        );
        assert!(error["kind"].is_string());
        let (status, reply) = post_big(&bridge, "/events", BRIDGE_TOKEN, 2 * MIB, chunked);
        assert_eq!(
            status, 413,
            "a 2 MiB bridge body (chunked: {chunked}): {reply}"
        );
        let error: serde_json::Value =
            serde_json::from_str(&reply).unwrap_or_else(|_| panic!("JSON: {reply}"));
        assert!(
            error["error"].as_str().unwrap().contains("1 MiB"),
            "{reply}"
        );
    }
    // Just under the limit is read (and refused as a command, for what it says).
    let (status, reply) = post_big(&serve.addr, "/api/commands", TOKEN, MIB - 1, false);
    assert_eq!(status, 400, "a body under 1 MiB is read: {reply}");

    let (status, mut events) =
        ws_handshake(&serve.addr, &format!("/api/events?token={TOKEN}"), &[]);
    assert_eq!(status, 101);
    events
        .write_all(&ws_text_frame(2 * MIB))
        .unwrap_or_default();
    assert!(
        ws_closed_by_server(&mut events),
        "a 2 MiB message on /api/events ends that socket"
    );
    let (status, mut feed) = ws_handshake(&bridge, &format!("/ws?token={BRIDGE_TOKEN}"), &[]);
    assert_eq!(status, 101);
    let _ = feed.write_all(&ws_text_frame(2 * MIB));
    assert!(
        ws_closed_by_server(&mut feed),
        "a 2 MiB message on the bridge's /ws ends that socket"
    );

    // The studio stays up, and a small message still works.
    let (status, _) = request(
        &serve.addr,
        "GET",
        "/api/state",
        &[("Authorization", &bearer(TOKEN))],
        "",
    );
    assert_eq!(status, 200);
    let (status, mut events) =
        ws_handshake(&serve.addr, &format!("/api/events?token={TOKEN}"), &[]);
    assert_eq!(status, 101);
    events.write_all(&ws_text_frame(1000)).unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    assert!(
        !ws_closed_by_server(&mut events),
        "a small message keeps the socket"
    );
}

#[test]
fn a_half_sent_request_is_closed_after_the_header_timeout() {
    let serve = serve_with(&[], &[("KAIBO_TOKEN", TOKEN)]);
    let mut half = connect(&serve.addr);
    half.write_all(
        format!(
            "GET /api/state HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nX-Slow: ",
            serve.addr
        )
        .as_bytes(),
    )
    .unwrap();
    let mut silent = connect(&serve.addr);
    let started = Instant::now();
    for (what, stream) in [
        ("headers never finished", &mut half),
        ("nothing sent", &mut silent),
    ] {
        let mut byte = [0u8; 256];
        let ended = loop {
            match stream.read(&mut byte) {
                Ok(0) => break true,
                Ok(_) => continue, // a 408 before the close is fine
                Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
                    break false
                }
                Err(_) => break true,
            }
        };
        assert!(
            ended,
            "{what}: the server must close the connection within 20 s"
        );
    }
    // Not at once: the client had its 10 s (a lower bound, so a slow machine cannot fail it).
    assert!(
        started.elapsed() >= Duration::from_secs(8),
        "closed after {:?}, before the timeout",
        started.elapsed()
    );
    let (status, _) = request(
        &serve.addr,
        "GET",
        "/api/state",
        &[("Authorization", &bearer(TOKEN))],
        "",
    );
    assert_eq!(status, 200, "the server still serves");
}

#[test]
fn at_most_256_connections_at_once_and_it_recovers_when_they_close() {
    let serve = serve_with(&[], &[("KAIBO_TOKEN", TOKEN)]);
    // 256 connections, each in the middle of its headers (within the 10 s they may take).
    let holders: Vec<TcpStream> = (0..256)
        .map(|_| {
            let mut stream = connect(&serve.addr);
            stream
                .write_all(
                    format!("GET /api/state HTTP/1.1\r\nHost: {}\r\n", serve.addr).as_bytes(),
                )
                .unwrap();
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    // The 257th is queued, not served, while they hold their places.
    let mut waiting = connect(&serve.addr);
    waiting
        .write_all(format!("GET /api/state HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n", serve.addr).as_bytes())
        .unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut byte = [0u8; 1];
    match waiting.read(&mut byte) {
        Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {}
        other => panic!("the 257th connection was served while 256 were open: {other:?}"),
    }
    drop(holders);
    waiting
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let (status, reply) = read_reply(&mut waiting);
    assert_eq!(status, 200, "served once the others closed: {reply}");
}

#[test]
fn only_its_own_host_names_are_answered() {
    let serve = serve_bridge();
    let bridge = serve.bridge.clone().unwrap();
    let port = serve.addr.rsplit(':').next().unwrap().to_owned();
    let auth = bearer(TOKEN);
    let evil = format!("evil.example:{port}");
    for path in ["/", "/api/state", "/assets/index.js", "/api/nothing"] {
        let (status, reply) = request_to(
            &serve.addr,
            &evil,
            "GET",
            path,
            &[("Authorization", &auth)],
            "",
        );
        assert_eq!(status, 421, "Host {evil} on {path}: {reply}");
        assert!(reply.contains("not the studio's own"), "{reply}");
    }
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("LocalHost:{port}"),
    ] {
        assert_eq!(
            request_to(&serve.addr, &host, "GET", "/", &[], "").0,
            200,
            "Host {host} on /"
        );
        assert_eq!(
            request_to(
                &serve.addr,
                &host,
                "GET",
                "/api/state",
                &[("Authorization", &auth)],
                ""
            )
            .0,
            200,
            "Host {host}"
        );
    }
    for host in [
        "localhost:1".to_owned(),
        "localhost".to_owned(),
        format!("127.0.0.1.evil.example:{port}"),
    ] {
        assert_eq!(
            request_to(&serve.addr, &host, "GET", "/", &[], "").0,
            421,
            "Host {host}"
        );
    }
    // No Host at all (HTTP/1.0) is no name of its own either.
    let mut stream = connect(&serve.addr);
    stream.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    assert_eq!(read_reply(&mut stream).0, 421, "a request without Host");
    // The bridge too.
    let bridge_port = bridge.rsplit(':').next().unwrap();
    let event = chat_event("host-1", "hi");
    let (status, _) = request_to(
        &bridge,
        &format!("evil.example:{bridge_port}"),
        "POST",
        "/events",
        &[("Authorization", &bearer(BRIDGE_TOKEN))],
        &event,
    );
    assert_eq!(status, 421, "the bridge answers only its own names");
    let (status, _) = request_to(
        &bridge,
        &format!("localhost:{bridge_port}"),
        "POST",
        "/events",
        &[("Authorization", &bearer(BRIDGE_TOKEN))],
        &event,
    );
    assert_eq!(status, 202);
    drop(serve);

    // --host adds a name (with --allow-remote), and only that one.
    let named = serve_with(
        &["--allow-remote", "--host", "studio.lan"],
        &[("KAIBO_TOKEN", TOKEN)],
    );
    let port = named.addr.rsplit(':').next().unwrap().to_owned();
    assert_eq!(
        request_to(
            &named.addr,
            &format!("studio.lan:{port}"),
            "GET",
            "/api/state",
            &[("Authorization", &auth)],
            ""
        )
        .0,
        200
    );
    assert_eq!(
        request_to(
            &named.addr,
            &format!("Studio.Lan:{port}"),
            "GET",
            "/",
            &[],
            ""
        )
        .0,
        200
    );
    assert_eq!(
        request_to(
            &named.addr,
            &format!("other.lan:{port}"),
            "GET",
            "/",
            &[],
            ""
        )
        .0,
        421
    );
}

#[test]
fn websockets_from_another_site_are_refused() {
    let serve = serve_bridge();
    let bridge = serve.bridge.clone().unwrap();
    let events = format!("/api/events?token={TOKEN}");
    for origin in [
        "http://evil.example",
        "null",
        "https://evil.example",
        &format!(
            "http://evil.example:{}",
            serve.addr.rsplit(':').next().unwrap()
        ),
    ] {
        let (status, _) = ws_handshake(&serve.addr, &events, &[("Origin", origin)]);
        assert_eq!(status, 403, "Origin {origin} on /api/events");
    }
    let own = format!("http://{}", serve.addr);
    assert_eq!(
        ws_handshake(&serve.addr, &events, &[("Origin", &own)]).0,
        101,
        "its own origin"
    );
    assert_eq!(
        ws_handshake(&serve.addr, &events, &[]).0,
        101,
        "no Origin: a native client"
    );
    let feed = format!("/ws?token={BRIDGE_TOKEN}");
    assert_eq!(
        ws_handshake(&bridge, &feed, &[("Origin", "http://evil.example")]).0,
        403,
        "the bridge too"
    );
    assert_eq!(ws_handshake(&bridge, &feed, &[]).0, 101);
}

#[test]
fn the_report_opens_once_with_a_ticket() {
    let serve = serve_with(&[], &[("KAIBO_TOKEN", TOKEN)]);
    let (status, _) = request(&serve.addr, "POST", "/api/report/ticket", &[], "");
    assert_eq!(status, 401, "a ticket needs the token");
    let (status, reply) = request(
        &serve.addr,
        "POST",
        "/api/report/ticket",
        &[("Authorization", &bearer(TOKEN))],
        "",
    );
    assert_eq!(status, 200, "{reply}");
    let ticket: serde_json::Value = serde_json::from_str(&reply).unwrap();
    let url = ticket["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with("/api/report?ticket=") && !url.contains(TOKEN),
        "{url}"
    );
    let (status, page) = request(&serve.addr, "GET", &url, &[], "");
    assert_eq!(status, 200, "the ticket opens the report: {page}");
    assert!(
        page.contains("<html") || page.contains("<!doctype") || page.contains("<!DOCTYPE"),
        "an HTML page"
    );
    let (status, reply) = request(&serve.addr, "GET", &url, &[], "");
    assert_eq!(status, 401, "a second time: {reply}");
    assert!(reply.contains("already used"), "{reply}");
    assert_eq!(
        request(&serve.addr, "GET", "/api/report?ticket=made-up", &[], "").0,
        401
    );
}

#[test]
fn a_like_count_at_the_top_of_u64_leaves_the_chat_flowing() {
    let serve = serve_bridge();
    let bridge = serve.bridge.clone().unwrap();
    let auth = bearer(BRIDGE_TOKEN);
    for id in ["like-max-1", "like-max-2"] {
        let (status, reply) = request(
            &bridge,
            "POST",
            "/events",
            &[("Authorization", &auth)],
            &like_event(id, "18446744073709551615"),
        );
        assert_eq!(status, 202, "{reply}");
    }
    // One past u64 is refused in words, not a panic.
    let (status, reply) = request(
        &bridge,
        "POST",
        "/events",
        &[("Authorization", &auth)],
        &like_event("like-over", "18446744073709551616"),
    );
    assert_eq!(status, 400, "{reply}");
    let (status, _) = request(
        &bridge,
        "POST",
        "/events",
        &[("Authorization", &auth)],
        &chat_event("after-likes", "still here"),
    );
    assert_eq!(status, 202);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, state) = request(
            &serve.addr,
            "GET",
            "/api/state",
            &[("Authorization", &bearer(TOKEN))],
            "",
        );
        assert_eq!(
            status,
            200,
            "the studio is up: {state}\n{}",
            serve.output.lock().unwrap()
        );
        if state.contains("still here") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the chat after two huge likes never arrived:\n{}",
            serve.output.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let output = serve.output.lock().unwrap().clone();
    assert!(!output.contains("panicked"), "no panic:\n{output}");
}
