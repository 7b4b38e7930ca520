//! Bilibili live danmaku: the binary WebSocket protocol.
//!
//! Connect, send auth (op 7) at once (the server drops a client that waits 5 s), wait for the
//! auth reply (op 8, `code` 0), then send a heartbeat (op 2) every 30 s. The server answers
//! each heartbeat with the popularity count (op 3), sent on as `viewers`, and pushes commands
//! (op 5) in JSON, zlib or brotli bodies holding several packets.

pub mod commands;
pub mod packet;

use std::time::Duration;

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::backoff::BackoffPolicy;
use crate::connector::{spawn_reconnecting, ConnectorHandle, Emitter, SessionEnd};
use crate::endpoint::{check_endpoint, Transport};
use crate::error::AudienceError;
use crate::event::{AudienceEvent, EventBody};
use commands::{map_command, Command};
use packet::{encode, Packet, PacketReader};

/// Bilibili's danmaku endpoint.
pub const DEFAULT_ENDPOINT: &str = "wss://broadcastlv.chat.bilibili.com/sub";

/// What to read and from where.
#[derive(Clone, Debug)]
pub struct BilibiliConfig {
    /// The numeric room id.
    pub room: u64,
    /// The WebSocket URL (a local server in tests).
    pub endpoint: String,
    /// The `key` token from `getDanmuInfo`, if any; anonymous without it.
    pub token: Option<String>,
    /// Time between heartbeats (30 s on Bilibili; short in tests).
    pub heartbeat: Duration,
    /// How long to wait for the auth reply.
    pub auth_timeout: Duration,
    /// Reconnect timing.
    pub backoff: BackoffPolicy,
}

impl BilibiliConfig {
    /// Reads room `room` from Bilibili itself.
    pub fn new(room: u64) -> BilibiliConfig {
        BilibiliConfig {
            room,
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            token: None,
            heartbeat: Duration::from_secs(30),
            auth_timeout: Duration::from_secs(5),
            backoff: BackoffPolicy::default(),
        }
    }

    /// Refuses an endpoint [`check_endpoint`] refuses (the token travels in the auth packet).
    pub fn check(&self) -> Result<(), AudienceError> {
        check_endpoint(&self.endpoint, Transport::WebSocket, "Bilibili danmaku")
    }

    /// The auth body the web client sends.
    pub fn auth_body(&self) -> String {
        serde_json::json!({
            "uid": 0,
            "roomid": self.room,
            "protover": 3,
            "platform": "web",
            "type": 2,
            "key": self.token.clone().unwrap_or_default(),
        })
        .to_string()
    }
}

/// Starts reading `config.room`; events arrive on `tx`.
pub fn spawn(config: BilibiliConfig, tx: mpsc::Sender<AudienceEvent>) -> ConnectorHandle {
    let policy = config.backoff.clone();
    spawn_reconnecting(tx, policy, move |mut emitter| {
        let config = config.clone();
        async move {
            let result = read_room(&config, &mut emitter).await;
            (emitter, result)
        }
    })
}

fn heartbeat_packet() -> Vec<u8> {
    encode(packet::VERSION_PLAIN, packet::OP_HEARTBEAT, 1, b"[object Object]")
}

async fn read_room(config: &BilibiliConfig, emitter: &mut Emitter) -> Result<SessionEnd, AudienceError> {
    const WHAT: &str = "Bilibili danmaku";
    let send_error = |e| AudienceError::connect(WHAT, e);
    config.check()?;
    let mut socket = crate::ws::connect(&config.endpoint, WHAT, packet::MAX_PACKET).await?;
    let auth = encode(packet::VERSION_PLAIN, packet::OP_AUTH, 1, config.auth_body().as_bytes());
    socket.send(Message::binary(auth)).await.map_err(send_error)?;

    let room = config.room.to_string();
    let mut reader = PacketReader::default();
    let mut authed = false;
    let auth_deadline = tokio::time::sleep(config.auth_timeout);
    tokio::pin!(auth_deadline);
    let mut heartbeat = tokio::time::interval(config.heartbeat);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Silence for three heartbeats means the connection is dead even if TCP has not noticed.
    let idle = config.heartbeat * 3 + Duration::from_secs(5);
    let mut last_heard = tokio::time::Instant::now();
    let mut seq: u64 = 0;

    loop {
        let message = tokio::select! {
            _ = &mut auth_deadline, if !authed => {
                return Err(AudienceError::Timeout(format!("{WHAT} (no auth reply)")));
            }
            _ = heartbeat.tick(), if authed => {
                if last_heard.elapsed() > idle {
                    return Err(AudienceError::Timeout(WHAT.into()));
                }
                socket.send(Message::binary(heartbeat_packet())).await.map_err(send_error)?;
                continue;
            }
            next = socket.next() => next,
        };
        let bytes = match message {
            None => return Ok(SessionEnd::Closed),
            Some(Err(error)) => return Err(AudienceError::connect(WHAT, error)),
            Some(Ok(Message::Binary(bytes))) => bytes,
            Some(Ok(Message::Close(_))) => return Ok(SessionEnd::Closed),
            Some(Ok(Message::Text(_))) => {
                emitter.stats().malformed();
                continue;
            }
            Some(Ok(_)) => continue,
        };
        last_heard = tokio::time::Instant::now();
        let unpacked = reader.read_message(&bytes);
        drop(bytes);
        emitter.stats().read_frames(unpacked.frames, unpacked.malformed);
        if unpacked.over_budget {
            emitter.stats().oversized(&format!(
                "{WHAT}: dropped a message that inflates past {} MiB (a decompression bomb?); reading on",
                packet::INFLATE_BUDGET / (1024 * 1024)
            ));
        }
        for packet in unpacked.packets {
            match handle_packet(&packet, &room, &mut seq) {
                Handled::AuthOk => {
                    authed = true;
                    emitter.stats().connected();
                    heartbeat.reset_immediately();
                }
                Handled::AuthRefused(detail) => return Err(AudienceError::Refused { what: WHAT.into(), detail }),
                Handled::Event(event) => {
                    if emitter.emit(*event).await.is_err() {
                        return Ok(SessionEnd::ReceiverGone);
                    }
                }
                Handled::Nothing => {}
                Handled::Unknown => emitter.stats().unknown(),
                Handled::Malformed => emitter.stats().malformed(),
            }
        }
    }
}

enum Handled {
    AuthOk,
    AuthRefused(String),
    Event(Box<AudienceEvent>),
    Nothing,
    Unknown,
    Malformed,
}

fn handle_packet(packet: &Packet, room: &str, seq: &mut u64) -> Handled {
    *seq = seq.wrapping_add(1);
    match packet.operation {
        packet::OP_AUTH_REPLY => {
            let code = serde_json::from_slice::<serde_json::Value>(&packet.body).ok().and_then(|v| v.get("code").and_then(|c| c.as_i64()));
            match code {
                Some(0) => Handled::AuthOk,
                Some(code) => Handled::AuthRefused(format!("auth reply code {code} (room {room}; a token from getDanmuInfo may be needed)")),
                None => Handled::Malformed,
            }
        }
        packet::OP_HEARTBEAT_REPLY => match packet.body.get(..4).and_then(|b| b.try_into().ok()) {
            Some(bytes) => {
                let viewers = u64::from(u32::from_be_bytes(bytes));
                let now = Utc::now();
                let event = AudienceEvent {
                    platform: "bilibili".into(),
                    room: room.to_owned(),
                    id: format!("viewers-{}-{seq}", now.timestamp_millis()),
                    at: now,
                    user: None,
                    body: EventBody::Viewers { viewers },
                };
                Handled::Event(Box::new(event))
            }
            None => Handled::Malformed,
        },
        packet::OP_COMMAND => match map_command(&packet.body, room, *seq) {
            Command::Event(event) => Handled::Event(event),
            Command::Unknown => Handled::Unknown,
            Command::Malformed => Handled::Malformed,
        },
        _ => Handled::Nothing,
    }
}

/// Parses one WebSocket message's bytes as a fresh connection would, for tests and fuzzing:
/// returns the events and (malformed, unknown) counts. Never panics; a message inflating past
/// [`packet::INFLATE_BUDGET`] gives no events.
pub fn parse_message(bytes: &[u8], room: &str) -> (Vec<AudienceEvent>, u64, u64) {
    parse_messages(&[bytes], room)
}

/// [`parse_message`] over successive messages of one connection (split packets join up; a
/// garbage message costs only itself).
pub fn parse_messages(messages: &[&[u8]], room: &str) -> (Vec<AudienceEvent>, u64, u64) {
    let mut reader = PacketReader::default();
    let (mut events, mut malformed, mut unknown, mut seq) = (Vec::new(), 0, 0, 0);
    for bytes in messages {
        let unpacked = reader.read_message(bytes);
        malformed += unpacked.malformed;
        for packet in &unpacked.packets {
            match handle_packet(packet, room, &mut seq) {
                Handled::Event(event) => events.push(*event),
                Handled::Unknown => unknown += 1,
                Handled::Malformed | Handled::AuthRefused(_) => malformed += 1,
                Handled::AuthOk | Handled::Nothing => {}
            }
        }
    }
    (events, malformed, unknown)
}
