//! `kaibo serve` answers 401 on every `/api` route without the right token, whether the
//! token is missing, wrong in the header, or wrong in the query string; and never shows it.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const TOKEN: &str = "test-token-0123456789abcdef";

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

fn serve() -> Serve {
    let show = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/shows/demo.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaibo"))
        .args(["serve", show, "--listen", "127.0.0.1:0", "--no-record"])
        .env("KAIBO_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kaibo serve");
    let url = support::studio_url(&mut child, Duration::from_secs(30));
    assert!(url.ends_with(&format!("/?token={TOKEN}")), "the URL carries the token: {url}");
    let addr = support::addr_of(&url);
    Serve { child, addr }
}

/// One HTTP/1.1 request; returns the status code and the body.
fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let mut text =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    stream.write_all(text.as_bytes()).expect("send");
    let mut response = Vec::new();
    // The preview with a valid token would stream forever; only status lines matter there.
    let _ = stream.take(64 * 1024).read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

const WEBSOCKET: &[(&str, &str)] = &[
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Version", "13"),
    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
];

/// What is wrong with the request, the path to ask, and its headers.
type Case<'a> = (&'a str, String, Vec<(&'a str, &'a str)>);

#[test]
fn every_api_route_needs_the_token() {
    let serve = serve();
    let routes: &[(&str, &str, &str)] = &[
        ("GET", "/api/state", ""),
        ("POST", "/api/commands", r#"{"type":"switch_scene","scene":"product"}"#),
        ("GET", "/api/events", ""),
        ("GET", "/api/preview", ""),
        ("GET", "/api/preview?frame=latest", ""),
        ("GET", "/api/nothing-here", ""),
    ];
    for (method, path, body) in routes {
        let upgrade = if path.starts_with("/api/events") { WEBSOCKET } else { &[] };
        let wrong_header: Vec<(&str, &str)> =
            upgrade.iter().copied().chain([("Authorization", "Bearer wrong")]).collect();
        let wrong_query =
            if path.contains('?') { format!("{path}&token=wrong") } else { format!("{path}?token=wrong") };
        let prefix: Vec<(&str, &str)> =
            upgrade.iter().copied().chain([("Authorization", "Bearer test-token")]).collect();
        let cases: Vec<Case> = vec![
            ("no token", path.to_string(), upgrade.to_vec()),
            ("wrong bearer", path.to_string(), wrong_header),
            ("wrong ?token=", wrong_query, upgrade.to_vec()),
            ("a prefix of the token", path.to_string(), prefix),
            ("the token without Bearer", path.to_string(), vec![("Authorization", TOKEN)]),
        ];
        for (case, target, headers) in cases {
            let (status, answer) = request(&serve.addr, method, &target, &headers, body);
            assert_eq!(status, 401, "{method} {target} with {case} must be 401, got {status}: {answer}");
            assert!(!answer.contains(TOKEN), "a 401 never shows the token");
        }
    }
    // The refused command changed nothing.
    let bearer = format!("Bearer {TOKEN}");
    let (status, state) = request(&serve.addr, "GET", "/api/state", &[("Authorization", &bearer)], "");
    assert_eq!(status, 200, "the right token opens /api/state: {state}");
    let state: serde_json::Value = serde_json::from_str(&state).expect("state is JSON");
    assert_eq!(state["scene"], "main", "a command refused for its token must not run");
    assert!(!state.to_string().contains(TOKEN), "the state never carries the token");

    // The right token works in the query string too, and bad commands say why in words.
    let (status, _) = request(&serve.addr, "GET", &format!("/api/state?token={TOKEN}"), &[], "");
    assert_eq!(status, 200);
    let (status, answer) =
        request(&serve.addr, "POST", "/api/commands", &[("Authorization", &bearer)], r#"{"type":"fly"}"#);
    assert_eq!(status, 400, "{answer}");
    let error: serde_json::Value = serde_json::from_str(&answer).expect("error is JSON");
    assert_eq!(error["kind"], "bad_request");
    assert!(error["message"].as_str().unwrap_or_default().contains("unknown variant"), "{answer}");
    let (status, answer) = request(
        &serve.addr,
        "POST",
        "/api/commands",
        &[("Authorization", &bearer)],
        r#"{"type":"switch_scene","scene":"product"}"#,
    );
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn remote_listening_needs_a_flag() {
    let output = Command::new(env!("CARGO_BIN_EXE_kaibo"))
        .args(["serve", "--listen", "0.0.0.0:0", "--no-record"])
        .output()
        .expect("run kaibo serve");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--allow-remote"));
}
