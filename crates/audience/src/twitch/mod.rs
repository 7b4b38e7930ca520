//! Twitch chat: IRC over WebSocket, anonymous and read-only.
//!
//! Joins as `justinfan<digits>` (no token needed to read), asks for tags and commands, answers
//! `PING`, and follows `RECONNECT`. `PRIVMSG` is chat, or a gift in `bits` when it carries a
//! `bits` tag; `USERNOTICE` is a subscription, a gifted sub, or a raid.

pub mod irc;

use std::time::Duration;

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::amount::Amount;
use crate::backoff::BackoffPolicy;
use crate::connector::{spawn_reconnecting, ConnectorHandle, Emitter, SessionEnd};
use crate::endpoint::{check_endpoint, Transport};
use crate::error::AudienceError;
use crate::event::{time_from_millis, AudienceEvent, EmoteRange, EventBody, Gift, User};
pub use irc::{IrcError, IrcMessage};

/// Twitch's chat endpoint.
pub const DEFAULT_ENDPOINT: &str = "wss://irc-ws.chat.twitch.tv:443";

/// The longest IRC line read: IRCv3 allows 8191 bytes of tags plus 512 for the rest; anything
/// longer is not Twitch and is skipped as malformed.
pub const MAX_LINE: usize = 16 * 1024;

/// The largest WebSocket message read (Twitch sends a few lines per message).
pub const MAX_MESSAGE: usize = 1024 * 1024;

/// True for a Twitch login name: 1 to 25 of `a-z`, `0-9` and `_`.
pub fn is_channel_name(name: &str) -> bool {
    (1..=25).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// What to read and from where.
#[derive(Clone, Debug)]
pub struct TwitchConfig {
    /// The channel (login name, with or without `#`).
    pub channel: String,
    /// The WebSocket URL (a local server in tests).
    pub endpoint: String,
    /// Reconnect timing.
    pub backoff: BackoffPolicy,
    /// Twitch pings about every 5 minutes; silence longer than this means a dead connection.
    pub idle_timeout: Duration,
}

impl TwitchConfig {
    /// Reads `channel` from Twitch itself.
    pub fn new(channel: &str) -> TwitchConfig {
        TwitchConfig {
            channel: channel.trim_start_matches('#').to_lowercase(),
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            backoff: BackoffPolicy::default(),
            idle_timeout: Duration::from_secs(360),
        }
    }

    /// Refuses a channel that is not a Twitch login name (nothing but `a-z0-9_` ever reaches
    /// the `JOIN` line) and an endpoint [`check_endpoint`] refuses.
    pub fn check(&self) -> Result<(), AudienceError> {
        if !is_channel_name(&self.channel) {
            let shown: String = self.channel.chars().take(40).flat_map(char::escape_default).collect();
            return Err(AudienceError::Config(format!(
                "Twitch channel `{shown}` is not a channel name: use the login name from the channel's URL (1 to 25 letters, digits or _)"
            )));
        }
        check_endpoint(&self.endpoint, Transport::WebSocket, "Twitch chat")
    }
}

/// What one IRC line means for the audience.
#[derive(Debug, PartialEq)]
pub enum Mapped {
    /// An event to send on.
    Event(Box<AudienceEvent>),
    /// Protocol traffic (numerics, JOIN, ROOMSTATE): nothing to send.
    Ignore,
    /// A kind of notice we do not turn into events.
    Unknown,
    /// A message missing what its kind needs (no id, bad bits count).
    Malformed,
}

/// Starts reading `config.channel`; events arrive on `tx`.
pub fn spawn(config: TwitchConfig, tx: mpsc::Sender<AudienceEvent>) -> ConnectorHandle {
    let policy = config.backoff.clone();
    spawn_reconnecting(tx, policy, move |emitter| {
        let config = config.clone();
        async move { session(&config, emitter).await }
    })
}

async fn session(config: &TwitchConfig, mut emitter: Emitter) -> (Emitter, Result<SessionEnd, AudienceError>) {
    let result = read_chat(config, &mut emitter).await;
    (emitter, result)
}

async fn read_chat(config: &TwitchConfig, emitter: &mut Emitter) -> Result<SessionEnd, AudienceError> {
    // Checked before every dial, not only by callers: a CR or LF must never reach an IRC line.
    config.check()?;
    let mut socket = crate::ws::connect(&config.endpoint, "Twitch chat", MAX_MESSAGE).await?;
    let nick = format!("justinfan{}", 10_000 + Utc::now().timestamp_subsec_micros() % 80_000);
    for line in [
        "CAP REQ :twitch.tv/tags twitch.tv/commands".to_owned(),
        "PASS SCHMOOPIIE".to_owned(),
        format!("NICK {nick}"),
        format!("JOIN #{}", config.channel),
    ] {
        socket.send(Message::text(line)).await.map_err(|e| AudienceError::connect("Twitch chat", e))?;
    }
    emitter.stats().connected();
    loop {
        let next = tokio::time::timeout(config.idle_timeout, socket.next()).await;
        let message = match next {
            Err(_) => return Err(AudienceError::Timeout("Twitch chat".into())),
            Ok(None) => return Ok(SessionEnd::Closed),
            Ok(Some(Err(error))) => return Err(AudienceError::connect("Twitch chat", error)),
            Ok(Some(Ok(message))) => message,
        };
        let text = match message {
            Message::Text(text) => text,
            Message::Close(_) => return Ok(SessionEnd::Closed),
            Message::Binary(_) => {
                emitter.stats().malformed();
                continue;
            }
            _ => continue,
        };
        for line in text.split("\r\n").filter(|l| !l.trim().is_empty()) {
            emitter.stats().frame();
            if line.len() > MAX_LINE {
                emitter.stats().malformed();
                continue;
            }
            let Ok(irc) = IrcMessage::parse(line) else {
                emitter.stats().malformed();
                continue;
            };
            match irc.verb.as_str() {
                "PING" => {
                    let reply = format!("PONG :{}", irc.params.last().map(String::as_str).unwrap_or("tmi.twitch.tv"));
                    socket.send(Message::text(reply)).await.map_err(|e| AudienceError::connect("Twitch chat", e))?;
                }
                "RECONNECT" => return Ok(SessionEnd::Closed),
                _ => match map_message(&irc, &config.channel) {
                    Mapped::Event(event) => {
                        if emitter.emit(*event).await.is_err() {
                            return Ok(SessionEnd::ReceiverGone);
                        }
                    }
                    Mapped::Ignore => {}
                    Mapped::Unknown => emitter.stats().unknown(),
                    Mapped::Malformed => emitter.stats().malformed(),
                },
            }
        }
    }
}

/// Turns one IRC message into an event, if it is one.
pub fn map_message(irc: &IrcMessage, room: &str) -> Mapped {
    match irc.verb.as_str() {
        "PRIVMSG" => map_privmsg(irc, room),
        "USERNOTICE" => map_usernotice(irc, room),
        _ => Mapped::Ignore,
    }
}

fn map_privmsg(irc: &IrcMessage, room: &str) -> Mapped {
    let Some(id) = irc.tag_nonempty("id") else { return Mapped::Malformed };
    let text = irc.params.get(1).cloned().unwrap_or_default();
    let body = match irc.tag_nonempty("bits") {
        Some(bits) => match bits.parse::<u64>() {
            Ok(count) if count > 0 => EventBody::Gift {
                gift: Gift { name: "bits".into(), count, unit_value: Amount::from_units(1), currency: "bits".into() },
                text: Some(text),
            },
            _ => return Mapped::Malformed,
        },
        None => EventBody::Chat { emotes: parse_emotes(irc.tag("emotes").unwrap_or(""), &text), text },
    };
    Mapped::Event(Box::new(event(irc, room, id, body)))
}

fn map_usernotice(irc: &IrcMessage, room: &str) -> Mapped {
    let Some(id) = irc.tag_nonempty("id") else { return Mapped::Malformed };
    let param = |key: &str| irc.tag_nonempty(key);
    let number = |key: &str| param(key).and_then(|v| v.parse::<u64>().ok());
    let plan = param("msg-param-sub-plan").unwrap_or("1000");
    let plan_name = match plan {
        "Prime" => "Prime sub".to_owned(),
        "1000" | "2000" | "3000" => format!("Tier {} sub", &plan[..1]),
        other => format!("{other} sub"),
    };
    let body = match irc.tag("msg-id").unwrap_or("") {
        "sub" | "resub" => EventBody::Subscription {
            tier: plan.to_owned(),
            months: number("msg-param-cumulative-months").and_then(|m| u32::try_from(m).ok()),
            text: irc.params.get(1).cloned(),
        },
        // One of the N notices that follow a `submysterygift`, which was already counted whole.
        "subgift" | "anonsubgift" if param("msg-param-community-gift-id").is_some() => return Mapped::Ignore,
        "subgift" | "anonsubgift" => EventBody::Gift {
            gift: Gift { name: plan_name, count: 1, unit_value: Amount::from_units(1), currency: "subs".into() },
            text: None,
        },
        "submysterygift" | "anonsubmysterygift" => EventBody::Gift {
            gift: Gift {
                name: plan_name,
                count: number("msg-param-mass-gift-count").unwrap_or(1),
                unit_value: Amount::from_units(1),
                currency: "subs".into(),
            },
            text: None,
        },
        "raid" => EventBody::Join { count: number("msg-param-viewerCount").unwrap_or(1), via: Some("raid".into()) },
        _ => return Mapped::Unknown,
    };
    Mapped::Event(Box::new(event(irc, room, id, body)))
}

fn event(irc: &IrcMessage, room: &str, id: &str, body: EventBody) -> AudienceEvent {
    let at = irc
        .tag_nonempty("tmi-sent-ts")
        .and_then(|ts| ts.parse::<i64>().ok())
        .and_then(time_from_millis)
        .unwrap_or_else(Utc::now);
    AudienceEvent { platform: "twitch".into(), room: room.to_owned(), id: id.to_owned(), at, user: user(irc), body }
}

fn user(irc: &IrcMessage) -> Option<User> {
    let login = irc
        .tag_nonempty("login")
        .or_else(|| irc.source.as_deref().and_then(|s| s.split('!').next()).filter(|s| !s.is_empty() && !s.contains('.')));
    let name = irc.tag_nonempty("display-name").or(login)?;
    let badges = irc.tag("badges").unwrap_or("").split(',').filter(|b| !b.is_empty()).map(str::to_owned).collect();
    Some(User { id: irc.tag("user-id").unwrap_or("").to_owned(), name: name.to_owned(), badges })
}

/// Reads Twitch's `emotes` tag (`25:0-4,12-16/1902:6-10`, inclusive character positions)
/// into ranges that fit `text`; ranges that do not fit are dropped.
pub fn parse_emotes(tag: &str, text: &str) -> Vec<EmoteRange> {
    let length = text.chars().count();
    let mut ranges = Vec::new();
    for emote in tag.split('/').filter(|e| !e.is_empty()) {
        let Some((id, positions)) = emote.split_once(':') else { continue };
        for position in positions.split(',') {
            let Some((start, end)) = position.split_once('-') else { continue };
            let (Ok(start), Ok(end)) = (start.parse::<usize>(), end.parse::<usize>()) else { continue };
            if start <= end && end < length {
                ranges.push(EmoteRange { id: id.to_owned(), start, end: end + 1 });
            }
        }
    }
    ranges.sort_by_key(|r| r.start);
    ranges
}
