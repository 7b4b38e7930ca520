//! The bridge: a loopback endpoint where outside tools post `AudienceEvent` JSON.
//!
//! Douyin, TikTok, Kuaishou and Taobao Live have no open chat API for a streamer's room, so the
//! agency's own tool (the platform's console, a browser extension) sends normalized events
//! here. Two ways in, both needing the token (`Authorization: Bearer TOKEN`, or `?token=TOKEN`
//! where a client cannot set headers), 401 otherwise:
//! - `POST /events` with one event or an array; the reply says how many were accepted.
//! - `GET /ws` upgraded to a WebSocket; each text message is one event or an array, each
//!   answered with `{"accepted": n}` or `{"error": "..."}`.
//! - `POST /events/tiktok?room=ROOM`: the events of tiktok-live-connector as it emits them
//!   (`{"event", "data"}`, one or an array), read by [`adapters::tiktok`](crate::adapters::tiktok).
//!
//! It binds to loopback unless told otherwise: events are trusted input for the tallies.
//! Its token is its own (`KAIBO_BRIDGE_TOKEN` for `kaibo serve`), never the studio's control
//! token: a tool that feeds chat cannot go live. It keeps the limits of
//! [`http_guard`](crate::http_guard): bodies and messages up to 1 MiB (413 above), 256
//! connections, a 10 s header timeout, its own `Host` names only, no cross-site WebSocket.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::rejection::StringRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{mpsc, Mutex};
use tokio_util::sync::CancellationToken;

use crate::adapters::tiktok::TikTokAdapter;
use crate::connector::{ConnectorHandle, ConnectorStats, Emitter};
use crate::error::AudienceError;
use crate::event::AudienceEvent;
use crate::http_guard::{self, AllowedHosts, MAX_BODY, MAX_WS_MESSAGE};

/// Where to listen and the token to require.
#[derive(Clone, Debug)]
pub struct BridgeConfig {
    /// The address (loopback by default).
    pub listen: SocketAddr,
    /// The token senders must present (at least 16 characters).
    pub token: String,
    /// Names besides loopback and its own address that senders may call it by (`--host`).
    pub hosts: Vec<String>,
}

/// A running bridge.
#[derive(Debug)]
pub struct Bridge {
    /// The address it actually listens on (port 0 picks a free one).
    pub addr: SocketAddr,
    /// Stop it by dropping or stopping this.
    pub handle: ConnectorHandle,
}

#[derive(Clone)]
struct Shared {
    token: Arc<str>,
    emitter: Arc<Mutex<Emitter>>,
    tiktok: Arc<Mutex<TikTokAdapter>>,
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

#[derive(Deserialize)]
struct AdapterQuery {
    token: Option<String>,
    room: Option<String>,
}

/// A fresh random token (128 bits, hex) from the OS.
pub fn generate_token() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        // No urandom: mix the clock and the process id; still unguessable enough for loopback.
        let seed =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
                ^ u128::from(std::process::id()) << 64;
        bytes = seed.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares without stopping at the first difference, so timing does not leak the token.
fn same_token(given: &str, expected: &str) -> bool {
    given.len() == expected.len() && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

fn authorized(shared: &Shared, headers: &HeaderMap, query: &TokenQuery) -> bool {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    header.or(query.token.as_deref()).is_some_and(|t| same_token(t.trim(), &shared.token))
}

fn unauthorized() -> Response {
    (StatusCode::UNAUTHORIZED, Json(json!({"error": "missing or wrong token: send Authorization: Bearer TOKEN"})))
        .into_response()
}

/// The longest error a sender gets back: serde quotes the sender's values, which can be long.
const MAX_ERROR_CHARS: usize = 300;

/// Reads one event or an array of them (the bridge's wire format, docs/audience.md). The error
/// says what is wrong in at most a few hundred characters.
pub fn parse_events(body: &str) -> Result<Vec<AudienceEvent>, String> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(|e| shorten(format!("not JSON: {e}")))?;
    let events: Vec<AudienceEvent> = match value {
        serde_json::Value::Array(_) => serde_json::from_value(value),
        _ => serde_json::from_value(value).map(|e| vec![e]),
    }
    .map_err(|e| shorten(format!("not an AudienceEvent (see docs/audience.md): {e}")))?;
    if let Some(bad) = events.iter().find(|e| e.id.trim().is_empty() || e.platform.trim().is_empty()) {
        return Err(shorten(format!("event needs a non-empty `id` and `platform` (room `{}`)", bad.room)));
    }
    Ok(events)
}

fn shorten(mut text: String) -> String {
    if let Some((cut, _)) = text.char_indices().nth(MAX_ERROR_CHARS) {
        text.truncate(cut);
        text.push('…');
    }
    text
}

fn too_large() -> Response {
    (StatusCode::PAYLOAD_TOO_LARGE, Json(json!({"error": "too large: send at most 1 MiB at a time (split the batch)"})))
        .into_response()
}

async fn deliver(shared: &Shared, events: Vec<AudienceEvent>) -> Result<usize, ()> {
    let mut emitter = shared.emitter.lock().await;
    let n = events.len();
    for event in events {
        emitter.stats().frame();
        emitter.emit(event).await.map_err(|_| ())?;
    }
    Ok(n)
}

async fn post_events(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    body: Result<String, StringRejection>,
) -> Response {
    if !authorized(&shared, &headers, &query) {
        return unauthorized();
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
        Err(_) => {
            return (StatusCode::BAD_REQUEST, Json(json!({"error": "the body must be UTF-8 JSON"}))).into_response()
        }
    };
    match parse_events(&body) {
        Err(error) => {
            shared.emitter.lock().await.stats().malformed();
            (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response()
        }
        Ok(events) => match deliver(&shared, events).await {
            Ok(n) => (StatusCode::ACCEPTED, Json(json!({ "accepted": n }))).into_response(),
            Err(()) => {
                (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": "the studio is shutting down"}))).into_response()
            }
        },
    }
}

async fn post_tiktok(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<AdapterQuery>,
    body: Result<String, StringRejection>,
) -> Response {
    if !authorized(&shared, &headers, &TokenQuery { token: query.token }) {
        return unauthorized();
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
        Err(_) => {
            return (StatusCode::BAD_REQUEST, Json(json!({"error": "the body must be UTF-8 JSON"}))).into_response()
        }
    };
    let mut room = query.room.unwrap_or_else(|| "tiktok".to_owned());
    crate::event::cut_chars(&mut room, 200);
    let read = shared.tiktok.lock().await.read(&body, &room);
    match read {
        Err(error) => {
            shared.emitter.lock().await.stats().malformed();
            (StatusCode::BAD_REQUEST, Json(json!({ "error": shorten(error) }))).into_response()
        }
        Ok(events) => match deliver(&shared, events).await {
            Ok(n) => (StatusCode::ACCEPTED, Json(json!({ "accepted": n }))).into_response(),
            Err(()) => {
                (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": "the studio is shutting down"}))).into_response()
            }
        },
    }
}

async fn websocket(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    if !authorized(&shared, &headers, &query) {
        return unauthorized();
    }
    upgrade
        .max_message_size(MAX_WS_MESSAGE)
        .max_frame_size(MAX_WS_MESSAGE)
        .on_upgrade(move |socket| serve_socket(shared, socket))
}

async fn serve_socket(shared: Shared, mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        let reply = match message {
            Message::Text(text) => match parse_events(text.as_str()) {
                Ok(events) => match deliver(&shared, events).await {
                    Ok(n) => json!({ "accepted": n }),
                    Err(()) => return,
                },
                Err(error) => {
                    shared.emitter.lock().await.stats().malformed();
                    json!({ "error": error })
                }
            },
            Message::Close(_) => return,
            _ => continue,
        };
        if socket.send(Message::text(reply.to_string())).await.is_err() {
            return;
        }
    }
}

/// Binds and starts serving; events arrive on `tx`.
pub async fn start(config: BridgeConfig, tx: mpsc::Sender<AudienceEvent>) -> Result<Bridge, AudienceError> {
    if let Some(problem) = http_guard::token_problem("the bridge token", &config.token) {
        return Err(AudienceError::Config(problem));
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| AudienceError::Config(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr =
        listener.local_addr().map_err(|e| AudienceError::Config(format!("cannot listen on {}: {e}", config.listen)))?;
    let stats = Arc::new(ConnectorStats::default());
    let shared = Shared {
        token: config.token.into(),
        emitter: Arc::new(Mutex::new(Emitter::new(tx, Arc::clone(&stats)))),
        tiktok: Arc::default(),
    };
    let app = Router::new()
        .route("/events", post(post_events))
        .route("/events/tiktok", post(post_tiktok))
        .route("/ws", get(websocket))
        .with_state(shared)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(
            AllowedHosts::new(addr, &config.hosts),
            http_guard::check_host_and_origin,
        ));
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    stats.connected();
    let task = tokio::spawn(async move {
        let _ = http_guard::serve(listener, app, async move { token.cancelled().await }).await;
    });
    Ok(Bridge { addr, handle: ConnectorHandle::from_task(cancel, task, stats) })
}
