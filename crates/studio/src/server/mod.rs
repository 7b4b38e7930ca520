//! The studio over HTTP: the web UI for a browser (a remote operator console, the tests) and
//! the control protocol.
//!
//! - `GET /`: the built UI; `GET /assets/*`: its scripts and styles.
//! - `GET /api/state`: the whole [`StudioState`](crate::protocol::StudioState).
//! - `POST /api/commands`: one [`Command`], answered with a
//!   [`CommandReply`](crate::protocol::CommandReply) or a [`StudioError`].
//! - `GET /api/events`: a WebSocket; the state first, then every [`Event`](crate::protocol::Event)
//!   (`?audio_levels=off`: all but the meters' `audio_levels`, ten a second).
//! - `GET /api/preview`: the program as MJPEG (`multipart/x-mixed-replace`, an `<img>` plays
//!   it), or one JPEG with `?frame=latest`.
//! - `GET /api/report`: the session report as one HTML page; `POST /api/report/ticket` gives a
//!   one-use link to it (`/api/report?ticket=...`), so a browser tab can open it without the
//!   token in its address.
//!
//! Every `/api` route needs the access token (see [`auth`]). Every route answers only to the
//! server's own `Host` names, bodies and WebSocket messages are at most 1 MiB, and the
//! connection limits of [`audience::http_guard`] hold (256 at once, 10 s to send headers).

pub mod auth;
pub mod media;
pub mod static_files;

use std::net::SocketAddr;
use std::path::PathBuf;

use audience::http_guard::{self, AllowedHosts, MAX_BODY, MAX_WS_MESSAGE};
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::protocol::{Command, CommandSource, ErrorKind, Event, StudioError};
use crate::studio::Studio;
use auth::{AccessToken, Tickets};
use static_files::UiFolder;

/// What the server needs.
pub struct ServerConfig {
    pub token: String,
    pub ui_dir: PathBuf,
}

/// The whole app: UI routes open, `/api` routes behind the token, all of it only for
/// requests to one of `hosts`.
pub fn router(studio: Studio, config: ServerConfig, hosts: AllowedHosts) -> Router {
    let token = AccessToken::new(&config.token);
    let tickets = Tickets::default();
    let protected = Router::new()
        .route("/state", get(state))
        .route("/commands", post(command))
        .route("/events", get(events))
        .route("/preview", get(preview))
        .route("/report/ticket", post(report_ticket))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(middleware::from_fn_with_state(token.clone(), auth::require_token))
        .with_state((studio.clone(), tickets.clone()));
    // Uploads have their own body limit (see `media`), inside the server's 1 MiB default.
    let uploads = Router::new()
        .route("/media", media::route())
        .layer(middleware::from_fn_with_state(token.clone(), auth::require_token))
        .with_state(studio.clone());
    let report_page = Router::new()
        .route("/report", get(report))
        .layer(middleware::from_fn_with_state((token, tickets), auth::require_token_or_ticket))
        .with_state(studio);
    let ui = UiFolder(config.ui_dir);
    Router::new()
        .route("/", get(static_files::index))
        .route("/assets/{*path}", get(static_files::asset))
        .with_state(ui)
        .nest("/api", report_page.merge(protected).merge(uploads))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(hosts, http_guard::check_host_and_origin))
}

/// Binds `listen` and serves until `shutdown` resolves. Returns the bound address at once
/// (port 0 picks a free port) and the server task. It answers to loopback names and its own
/// address; [`start_with_hosts`] adds names.
pub async fn start(
    studio: Studio,
    config: ServerConfig,
    listen: SocketAddr,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)> {
    start_with_hosts(studio, config, listen, &[], shutdown).await
}

/// [`start`], also answering to the `Host` names in `hosts` (`kaibo serve --host NAME`).
pub async fn start_with_hosts(
    studio: Studio,
    config: ServerConfig,
    listen: SocketAddr,
    hosts: &[String],
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let app = router(studio, config, AllowedHosts::new(addr, hosts));
    let task = tokio::spawn(http_guard::serve(listener, app, shutdown));
    Ok((addr, task))
}

impl IntoResponse for StudioError {
    fn into_response(self) -> Response {
        let status = match self.kind {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::WrongPhase => StatusCode::CONFLICT,
            ErrorKind::Blocked => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::Vault | ErrorKind::Engine | ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, Json(self)).into_response()
    }
}

/// The state the token-protected routes share.
type Api = (Studio, Tickets);

async fn state(State((studio, _)): State<Api>) -> Response {
    Json(studio.state().await).into_response()
}

#[derive(Deserialize)]
struct ReportQuery {
    /// `zh-CN` or `en` (the UI's language); else the studio's own, from LANG.
    lang: Option<String>,
}

/// The session report as one HTML page, to open or save, in the language asked for.
async fn report(State(studio): State<Studio>, Query(query): Query<ReportQuery>) -> Response {
    match studio.report_html(query.lang.as_deref()).await {
        Ok(html) => ([(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(error) => error.into_response(),
    }
}

/// A one-use link to the report, for a browser tab (which cannot send the token in a header
/// and should not keep it in its address).
async fn report_ticket(State((_, tickets)): State<Api>) -> Response {
    let ticket = tickets.issue();
    Json(serde_json::json!({ "url": format!("/api/report?ticket={ticket}"), "ticket": ticket })).into_response()
}

/// `POST /api/commands`: one command as JSON. The web UI names itself in `X-Kaibo-Source`
/// (`remote_console`, or `hotkey` for its shortcuts); without it the caller is an outside
/// tool (`api`) in the audit log.
async fn command(
    State((studio, _)): State<Api>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let error = StudioError::bad_request("this command is too large: a command is at most 1 MiB");
            return (StatusCode::PAYLOAD_TOO_LARGE, Json(error)).into_response();
        }
        Err(_) => return StudioError::bad_request("the command could not be read: send it as JSON").into_response(),
    };
    let source = CommandSource::from_header(headers.get("x-kaibo-source").and_then(|v| v.to_str().ok()));
    let command: Command = match serde_json::from_slice(&body) {
        Ok(command) => command,
        Err(error) => {
            return StudioError::bad_request(format!(
                "this is not a command the studio understands ({})",
                error.classify_words()
            ))
            .into_response()
        }
    };
    match studio.apply_from(command, source).await {
        Ok(reply) => Json(reply).into_response(),
        Err(error) => error.into_response(),
    }
}

/// Names what was wrong with a command's JSON without echoing its values (a stream key
/// could be among them).
trait ClassifyWords {
    fn classify_words(&self) -> String;
}

impl ClassifyWords for serde_json::Error {
    fn classify_words(&self) -> String {
        let text = self.to_string();
        // serde's messages quote values as `invalid type: string "..."`; keep only its kind
        // and position for those, and the whole message for unknown or missing names.
        if text.starts_with("unknown variant") || text.starts_with("missing field") || text.starts_with("unknown field")
        {
            text
        } else {
            format!("{:?} at line {} column {}", self.classify(), self.line(), self.column())
        }
    }
}

/// `GET /api/events?audio_levels=off`: everything but the meters' events.
#[derive(Deserialize)]
struct EventsQuery {
    audio_levels: Option<String>,
}

async fn events(
    State((studio, _)): State<Api>,
    Query(query): Query<EventsQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let levels = !matches!(query.audio_levels.as_deref().map(str::trim), Some("off" | "false" | "0" | "no"));
    // Nothing but a close is expected from the client; a huge message ends the socket.
    upgrade
        .max_message_size(MAX_WS_MESSAGE)
        .max_frame_size(MAX_WS_MESSAGE)
        .on_upgrade(move |socket| forward_events(studio, socket, levels))
}

/// The state first, then every event (the meters' only when `levels`), until the client
/// goes away.
async fn forward_events(studio: Studio, mut socket: WebSocket, levels: bool) {
    let mut events = studio.subscribe();
    let first = Event::State { state: Box::new(studio.state().await) };
    if send(&mut socket, &first).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            event = events.recv() => {
                let event = match event {
                    Ok(event) => event,
                    // Too slow to keep up: start again from the whole state.
                    Err(RecvError::Lagged(_)) => Event::State { state: Box::new(studio.state().await) },
                    Err(RecvError::Closed) => return,
                };
                if !levels && matches!(event, Event::AudioLevels { .. }) {
                    continue;
                }
                if send(&mut socket, &event).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {} // commands go through POST /api/commands
            }
        }
    }
}

async fn send(socket: &mut WebSocket, event: &Event) -> Result<(), axum::Error> {
    let text = serde_json::to_string(event).unwrap_or_default();
    socket.send(Message::Text(text.into())).await
}

#[derive(Deserialize)]
struct PreviewQuery {
    frame: Option<String>,
    /// `program` (the default) or `preview`, studio mode's preview scene.
    scene: Option<String>,
}

const BOUNDARY: &str = "kaibo-frame";

async fn preview(State((studio, _)): State<Api>, Query(query): Query<PreviewQuery>) -> Response {
    let mut frames = match query.scene.as_deref() {
        None | Some("program") => studio.preview(),
        Some("preview") => studio.studio_preview().await,
        Some(other) => {
            return StudioError::bad_request(format!(
                "there is no preview \"{other}\": ask for scene=program or scene=preview"
            ))
            .into_response()
        }
    };
    if query.frame.is_some() {
        let latest = frames.borrow().clone();
        return match latest {
            Some(jpeg) => ([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "no-store")], jpeg.to_vec())
                .into_response(),
            None => StudioError::said(ErrorKind::WrongPhase, crate::said::NO_PREVIEW.say(&[])).into_response(),
        };
    }
    frames.mark_changed();
    let stream = futures_util::stream::unfold(frames, |mut frames| async move {
        loop {
            frames.changed().await.ok()?;
            let Some(jpeg) = frames.borrow_and_update().clone() else { continue };
            let mut part =
                format!("--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n", jpeg.len())
                    .into_bytes();
            part.extend_from_slice(&jpeg);
            part.extend_from_slice(b"\r\n");
            return Some((Ok::<_, std::convert::Infallible>(Bytes::from(part)), frames));
        }
    });
    (
        [
            (header::CONTENT_TYPE, format!("multipart/x-mixed-replace; boundary={BOUNDARY}")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}
