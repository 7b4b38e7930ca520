//! Kaibo speaks obs-websocket v5: Companion, Stream Deck tools, Streamer.bot and scripts on
//! the client libraries drive the studio unchanged (`kaibo serve --obs-websocket [ADDR]`).
//!
//! It is one more client of the [`Studio`]: every request that changes something becomes a
//! typed [`Command`](crate::protocol::Command) with the source `obs_websocket`, goes through
//! the pre-air check and lands in the audit log like any other. Reads come from the studio's
//! state. Events are computed from the studio's own state changes ([`events`]), once for
//! every client, and each session sends only what its client subscribed to.
//!
//! The protocol itself (frames, auth, sessions, batches) is the `obs_websocket` crate's.

mod events;
mod fields;
mod general;
mod ids;
mod inputs;
mod outputs;
mod scenes;
mod transitions;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use audience::http_guard::{self, AllowedHosts, MAX_WS_MESSAGE};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{middleware, Router};
use futures_util::{SinkExt, StreamExt};
use obs_websocket::{status, Call, Encoding, Frame, Handler, Reply, ServerConfig, Session};
use tokio::sync::{broadcast, watch};

use crate::protocol::{Command, CommandSource, StatsView, StudioState};
use crate::Studio;
pub use ids::ItemIds;

/// OBS's own port.
pub const DEFAULT_ADDR: &str = "127.0.0.1:4455";
/// What Hello and GetVersion report: versions the tools accept (BarRaider's parses a plain
/// number and wants 5.0 or later; Companion reads features by version).
pub const OBS_WEBSOCKET_VERSION: &str = "5.5.0";
pub const OBS_VERSION: &str = "30.2.0";

/// What every request and the event translator share.
pub(crate) struct Obs {
    studio: Studio,
    ids: Mutex<ItemIds>,
    /// The latest once-a-second stats, for GetStats and GetStreamStatus.
    stats: Mutex<Option<StatsView>>,
    /// The studio's state as last announced (or as this endpoint's own last command left
    /// it), for what the tools poll every second or faster (GetStats, GetStreamStatus,
    /// GetRecordStatus): read without the studio's lock and without building a snapshot.
    latest: Mutex<Arc<StudioState>>,
    /// When the studio went live, for the stream's timecode.
    live_since: Mutex<Option<Instant>>,
    cpu: Mutex<general::CpuClock>,
}

impl Obs {
    fn item_id(&self, scene: &str, layer: &str) -> i64 {
        self.ids.lock().unwrap_or_else(PoisonError::into_inner).id(scene, layer)
    }

    fn layer_of(&self, scene: &str, item: i64) -> Option<String> {
        self.ids.lock().unwrap_or_else(PoisonError::into_inner).layer(scene, item).map(str::to_owned)
    }

    async fn state(&self) -> StudioState {
        self.studio.state().await
    }

    /// The state as last announced: see [`Obs::latest`].
    fn latest(&self) -> Arc<StudioState> {
        Arc::clone(&self.latest.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn set_latest(&self, state: Arc<StudioState>) {
        *self.latest.lock().unwrap_or_else(PoisonError::into_inner) = state;
    }

    /// Applies `command` as the obs-websocket client's, and codes the outcome as OBS would.
    /// The client's next poll sees what its command did.
    async fn apply(&self, command: Command) -> Reply {
        let outcome = self.studio.apply_from(command, CommandSource::ObsWebsocket).await;
        self.set_latest(Arc::new(self.state().await));
        match outcome {
            Ok(_) => Reply::done(),
            Err(error) => fields::refusal(error),
        }
    }
}

struct Requests(Arc<Obs>);

impl Handler for Requests {
    async fn call(&self, call: Call<'_>) -> Reply {
        let obs = &*self.0;
        let data = call.data;
        let reply = match call.request_type {
            t if general::handles(t) => general::call(obs, t, data, call.stats).await,
            t if scenes::handles(t) => scenes::call(obs, t, data).await,
            t if inputs::handles(t) => inputs::call(obs, t, data).await,
            t if transitions::handles(t) => transitions::call(obs, t, data).await,
            t if outputs::handles(t) => outputs::call(obs, t, data).await,
            _ => None,
        };
        reply.unwrap_or_else(|| {
            Reply::error(status::UNKNOWN_REQUEST_TYPE, format!("Kaibo does not do {} (yet)", call.request_type))
        })
    }
}

/// Every request type Kaibo answers, for GetVersion's `availableRequests`.
pub(crate) fn available_requests() -> Vec<&'static str> {
    [general::REQUESTS, scenes::REQUESTS, inputs::REQUESTS, transitions::REQUESTS, outputs::REQUESTS].concat()
}

#[derive(Clone)]
struct Endpoint {
    obs: Arc<Obs>,
    config: Arc<ServerConfig>,
    events: Arc<broadcast::Sender<Arc<obs_websocket::Event>>>,
}

/// Binds `listen` and serves obs-websocket sessions until `shutdown` resolves (clients then
/// get `ExitStarted` and close 4011). `password` is required: tools on this machine and any
/// page it opens can reach the port.
pub async fn start(
    studio: Studio,
    listen: SocketAddr,
    password: String,
    hosts: &[String],
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(studio.state().await);
    let fps = state.canvas.fps.max(1);
    let config = Arc::new(ServerConfig {
        password: Some(password),
        salt: obs_websocket::auth::random_base64(32),
        obs_websocket_version: OBS_WEBSOCKET_VERSION.to_owned(),
        frame_interval: std::time::Duration::from_secs(1) / fps,
    });
    let obs = Arc::new(Obs {
        studio: studio.clone(),
        ids: Mutex::default(),
        stats: Mutex::default(),
        latest: Mutex::new(state),
        live_since: Mutex::default(),
        cpu: Mutex::new(general::CpuClock::start()),
    });
    let (events, _) = broadcast::channel(256);
    let events = Arc::new(events);
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(events::translate(Arc::clone(&obs), Arc::clone(&events), stop_rx.clone()));
    let endpoint = Endpoint { obs, config, events };
    let app = Router::new()
        .route("/", get(upgrade))
        .with_state(endpoint)
        .layer(middleware::from_fn_with_state(AllowedHosts::new(addr, hosts), http_guard::check_host_and_origin));
    let mut stopped = stop_rx;
    let task = tokio::spawn(http_guard::serve(listener, app, async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    }));
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    Ok((addr, task))
}

async fn upgrade(State(endpoint): State<Endpoint>, ws: WebSocketUpgrade) -> Response {
    let ws = ws
        .protocols([obs_websocket::JSON_SUBPROTOCOL, obs_websocket::MSGPACK_SUBPROTOCOL])
        .max_message_size(MAX_WS_MESSAGE)
        .max_frame_size(MAX_WS_MESSAGE);
    let chosen = ws.selected_protocol().and_then(|p| p.to_str().ok()).map(str::to_owned);
    let (encoding, _) = Encoding::negotiate(chosen.as_deref());
    ws.on_upgrade(move |socket| session(socket, encoding, endpoint))
}

async fn session(socket: WebSocket, encoding: Encoding, endpoint: Endpoint) {
    let events = endpoint.events.subscribe();
    let session = Session::new(Arc::clone(&endpoint.config), encoding);
    let (sink, stream) = socket.split();
    let sink = sink.with(|frame: Frame| async move {
        Ok::<_, axum::Error>(match frame {
            Frame::Text(text) => Message::Text(text.into()),
            Frame::Binary(bytes) => Message::Binary(bytes.into()),
            Frame::Close(close) => {
                Message::Close(close.map(|(code, reason)| CloseFrame { code, reason: reason.into() }))
            }
        })
    });
    let stream = stream.filter_map(|message| async move {
        match message {
            Ok(Message::Text(text)) => Some(Ok(Frame::Text(text.to_string()))),
            Ok(Message::Binary(bytes)) => Some(Ok(Frame::Binary(bytes.to_vec()))),
            Ok(Message::Close(close)) => Some(Ok(Frame::Close(close.map(|c| (c.code, c.reason.to_string()))))),
            Ok(Message::Ping(_) | Message::Pong(_)) => None,
            Err(error) => Some(Err(error)),
        }
    });
    let requests = Requests(Arc::clone(&endpoint.obs));
    obs_websocket::run(Box::pin(sink), Box::pin(stream), session, &requests, events).await;
}
