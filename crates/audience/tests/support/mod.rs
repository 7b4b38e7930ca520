//! What the audience tests share: fixtures, local servers on loopback, bounded waits.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use audience::AudienceEvent;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;

/// Every wait in these tests ends by this deadline; nothing asserts on timing.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A fixture file's text.
pub fn fixture(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// A loopback listener on a free port.
pub async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Binds `addr` again after a server was killed (bounded retries).
pub async fn rebind(addr: SocketAddr) -> TcpListener {
    for _ in 0..100 {
        if let Ok(listener) = TcpListener::bind(addr).await {
            return listener;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("cannot bind {addr} again");
}

/// Accepts one WebSocket client.
pub async fn accept_ws(listener: &TcpListener) -> WebSocketStream<TcpStream> {
    let (stream, _) = tokio::time::timeout(PATIENCE, listener.accept()).await.expect("no client connected").unwrap();
    tokio_tungstenite::accept_async(stream).await.unwrap()
}

/// Receives exactly `n` events, or panics after [`PATIENCE`].
pub async fn take(rx: &mut mpsc::Receiver<AudienceEvent>, n: usize) -> Vec<AudienceEvent> {
    let mut events = Vec::with_capacity(n);
    while events.len() < n {
        match tokio::time::timeout(PATIENCE, rx.recv()).await {
            Ok(Some(event)) => events.push(event),
            Ok(None) => panic!("channel closed after {} of {n} events: {events:#?}", events.len()),
            Err(_) => panic!("only {} of {n} events arrived: {events:#?}", events.len()),
        }
    }
    events
}

/// True when nothing more arrives within a short while (used only to check for extras after
/// the expected events, never to measure time).
pub async fn nothing_more(rx: &mut mpsc::Receiver<AudienceEvent>) -> Option<AudienceEvent> {
    tokio::time::timeout(Duration::from_millis(300), rx.recv()).await.ok().flatten()
}

/// Polls `check` until it holds, for at most [`PATIENCE`].
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check() {
        assert!(tokio::time::Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The `kaibo` binary of this build (`make test` builds it before the tests run).
pub fn kaibo_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("KAIBO_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(std::path::Path::parent).unwrap();
    let bin = dir.join("kaibo");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p studio --bin kaibo` first (make test does)",
        bin.display()
    );
    bin
}
