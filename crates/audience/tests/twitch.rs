//! Twitch: the IRC parser against the shared message-split vectors, the mapping of real-shaped
//! lines, and the connector against a local WebSocket server (PING, reconnect, no duplicates).
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashMap;

use audience::backoff::BackoffPolicy;
use audience::twitch::{self, map_message, IrcMessage, Mapped, TwitchConfig};
use audience::{AudienceEvent, EventBody};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use support::{accept_ws, fixture, listener, rebind, take};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

#[derive(Deserialize)]
struct Vectors {
    tests: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    input: String,
    atoms: Atoms,
}

#[derive(Deserialize)]
struct Atoms {
    #[serde(default)]
    tags: Option<HashMap<String, Option<String>>>,
    #[serde(default)]
    source: Option<String>,
    verb: String,
    #[serde(default)]
    params: Vec<String>,
}

#[test]
fn passes_every_msg_split_vector() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/irc/msg-split.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let vectors: Vectors = serde_yaml::from_str(&text).unwrap();
    assert!(vectors.tests.len() > 30);
    for case in &vectors.tests {
        let message = IrcMessage::parse(&case.input).unwrap_or_else(|e| panic!("{:?}: {e}", case.input));
        let tags: HashMap<String, String> =
            case.atoms.tags.clone().unwrap_or_default().into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect();
        assert_eq!(message.tags, tags, "tags of {:?}", case.input);
        assert_eq!(message.source, case.atoms.source, "source of {:?}", case.input);
        assert_eq!(message.verb, case.atoms.verb, "verb of {:?}", case.input);
        assert_eq!(message.params, case.atoms.params, "params of {:?}", case.input);
    }
}

fn mapped_fixture() -> (Vec<AudienceEvent>, usize) {
    let mut events = Vec::new();
    let mut unknown = 0;
    for line in fixture("twitch/session.irc").lines() {
        match map_message(&IrcMessage::parse(line).unwrap(), "kaiboshop") {
            Mapped::Event(event) => events.push(*event),
            Mapped::Unknown => unknown += 1,
            Mapped::Ignore => {}
            Mapped::Malformed => panic!("malformed: {line}"),
        }
    }
    (events, unknown)
}

#[test]
fn maps_privmsg_bits_and_usernotices() {
    let (events, unknown) = mapped_fixture();
    assert_eq!(unknown, 1, "the announcement");
    let kinds: Vec<&str> = events.iter().map(|e| e.body.kind()).collect();
    assert_eq!(kinds, ["chat", "chat", "gift", "subscription", "gift", "gift", "join"]);

    let chat = &events[1];
    assert_eq!(chat.id, "b34ccfc7-4977-403a-8a94-33c6bac34fb8");
    let user = chat.user.as_ref().unwrap();
    assert_eq!((user.id.as_str(), user.name.as_str()), ("100001", "茶茶 Tea"), "\\s unescaped");
    assert_eq!(user.badges, ["moderator/1", "subscriber/12"]);
    let EventBody::Chat { text, emotes } = &chat.body else { panic!() };
    assert_eq!(text, "抹茶 😍 Kappa Keepo 多少钱\\:", "trailing text is not tag-unescaped");
    let chars: Vec<char> = text.chars().collect();
    let words: Vec<String> = emotes.iter().map(|r| chars[r.start..r.end].iter().collect()).collect();
    assert_eq!(words, ["Kappa", "Keepo"], "emote ranges count characters, not bytes");
    assert_eq!(chat.at.timestamp_millis(), 1643904085794);

    let EventBody::Gift { gift, text } = &events[2].body else { panic!() };
    assert_eq!((gift.count, gift.currency.as_str(), gift.unit_value.micros()), (250, "bits", 1_000_000));
    assert_eq!(text.as_deref(), Some("cheer250 take my bits for the matcha set"));

    let EventBody::Subscription { tier, months, text } = &events[3].body else { panic!() };
    assert_eq!((tier.as_str(), *months, text.as_deref()), ("Prime", Some(6), Some("Great stream -- keep it up!")));

    let EventBody::Gift { gift, .. } = &events[5].body else { panic!() };
    assert_eq!((gift.name.as_str(), gift.count, gift.currency.as_str()), ("Tier 2 sub", 5, "subs"));
    assert_eq!(events[6].body, EventBody::Join { count: 15, via: Some("raid".into()) });
}

#[test]
fn lines_without_an_id_are_malformed() {
    let line = "@display-name=x :x!x@x PRIVMSG #c :hi";
    assert_eq!(map_message(&IrcMessage::parse(line).unwrap(), "c"), Mapped::Malformed);
    let line = "@id=1;bits=lots :x!x@x PRIVMSG #c :hi";
    assert_eq!(map_message(&IrcMessage::parse(line).unwrap(), "c"), Mapped::Malformed);
}

fn privmsg(id: &str, text: &str) -> String {
    format!("@badges=;display-name=Viewer;id={id};tmi-sent-ts=1700000000000;user-id=7 :viewer!viewer@viewer.tmi.twitch.tv PRIVMSG #kaiboshop :{text}")
}

fn config(port: u16) -> TwitchConfig {
    let mut config = TwitchConfig::new("#KaiboShop");
    config.endpoint = format!("ws://127.0.0.1:{port}");
    config.backoff = BackoffPolicy::fast();
    config
}

/// Reads the client's login lines until JOIN; returns them.
async fn login(socket: &mut tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>) -> Vec<String> {
    let mut lines = Vec::new();
    while !lines.iter().any(|l: &String| l.starts_with("JOIN")) {
        let message = tokio::time::timeout(support::PATIENCE, socket.next()).await.unwrap().unwrap().unwrap();
        lines.extend(message.into_text().unwrap().split("\r\n").filter(|l| !l.is_empty()).map(str::to_owned));
    }
    lines
}

#[tokio::test]
async fn reads_chat_and_answers_ping() {
    let (listener, addr) = listener().await;
    let (tx, mut rx) = mpsc::channel(64);
    let handle = twitch::spawn(config(addr.port()), tx);
    let mut socket = accept_ws(&listener).await;
    let lines = login(&mut socket).await;
    assert_eq!(lines[0], "CAP REQ :twitch.tv/tags twitch.tv/commands");
    assert!(lines.iter().any(|l| l.starts_with("NICK justinfan")));
    assert!(lines.contains(&"JOIN #kaiboshop".to_owned()), "{lines:?}");

    // Twitch sends several lines per WebSocket message.
    let session = fixture("twitch/session.irc").lines().collect::<Vec<_>>().join("\r\n");
    socket.send(Message::text(session + "\r\n")).await.unwrap();
    let events = take(&mut rx, 7).await;
    assert_eq!(events.iter().map(|e| e.body.kind()).collect::<Vec<_>>(), ["chat", "chat", "gift", "subscription", "gift", "gift", "join"]);

    socket.send(Message::text("PING :tmi.twitch.tv\r\n")).await.unwrap();
    let pong = tokio::time::timeout(support::PATIENCE, socket.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(pong.into_text().unwrap().trim(), "PONG :tmi.twitch.tv");

    socket.send(Message::text("garbage-without-anything\r\n:only-a-source\r\n")).await.unwrap();
    socket.send(Message::text(privmsg("after-ping", "still here") + "\r\n")).await.unwrap();
    assert_eq!(take(&mut rx, 1).await[0].id, "after-ping");
    let stats = handle.stats().snapshot();
    assert_eq!(stats.unknown, 1);
    assert_eq!(stats.malformed, 1, "the source-only line");
    handle.stop().await;
}

#[tokio::test]
async fn resumes_after_the_server_dies_without_duplicates() {
    let (listener, addr) = listener().await;
    let (tx, mut rx) = mpsc::channel(64);
    let handle = twitch::spawn(config(addr.port()), tx);

    let mut socket = accept_ws(&listener).await;
    login(&mut socket).await;
    for id in ["m1", "m2", "m3"] {
        socket.send(Message::text(privmsg(id, "before"))).await.unwrap();
    }
    let first = take(&mut rx, 3).await;
    // Kill the server mid-stream: no close frame, listener gone.
    drop(socket);
    drop(listener);

    let listener = rebind(addr).await;
    let mut socket = accept_ws(&listener).await;
    login(&mut socket).await;
    // The new server replays the tail it had (as EventSub and some relays do), then goes on.
    for id in ["m2", "m3", "m4", "m5"] {
        socket.send(Message::text(privmsg(id, "after"))).await.unwrap();
    }
    let second = take(&mut rx, 2).await;
    let ids: Vec<&str> = first.iter().chain(&second).map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["m1", "m2", "m3", "m4", "m5"]);
    assert!(support::nothing_more(&mut rx).await.is_none());
    let stats = handle.stats().snapshot();
    assert_eq!((stats.duplicates, stats.connections), (2, 2));
    handle.stop().await;
}

#[tokio::test]
async fn follows_reconnect_requests() {
    let (listener, addr) = listener().await;
    let (tx, mut rx) = mpsc::channel(64);
    let handle = twitch::spawn(config(addr.port()), tx);
    let mut socket = accept_ws(&listener).await;
    login(&mut socket).await;
    socket.send(Message::text(":tmi.twitch.tv RECONNECT\r\n")).await.unwrap();
    let mut again = accept_ws(&listener).await;
    login(&mut again).await;
    again.send(Message::text(privmsg("r1", "back"))).await.unwrap();
    assert_eq!(take(&mut rx, 1).await[0].id, "r1");
    handle.stop().await;
}

#[test]
fn channel_names_are_checked() {
    for ok in ["#KaiboShop", "kaibo_shop_2024", "a", &"x".repeat(25)] {
        assert!(TwitchConfig::new(ok).check().is_ok(), "{ok}");
    }
    for bad in ["", "#", "kaibo shop", "kaibo\r\nPRIVMSG #x :hi", "kaibo\n", "kai-bo", "kaibo,other", &"x".repeat(26), "kaïbo"] {
        let error = TwitchConfig::new(bad).check().expect_err(bad).to_string();
        assert!(error.contains("not a channel name") && !error.contains('\r') && !error.contains('\n'), "{error}");
    }
    let mut config = TwitchConfig::new("kaiboshop");
    config.endpoint = "ws://irc-ws.chat.twitch.tv:80".into();
    assert!(config.check().unwrap_err().to_string().contains("not encrypted"));
}

#[tokio::test]
async fn a_bad_channel_never_dials() {
    let (listener, addr) = listener().await;
    let (tx, _rx) = mpsc::channel(64);
    let mut config = config(addr.port());
    config.channel = "kaiboshop\r\nPRIVMSG #other :spam".into();
    let handle = twitch::spawn(config, tx);
    support::eventually("the refusal reported", || handle.stats().last_error().is_some_and(|e| e.contains("not a channel name"))).await;
    let dialled = tokio::time::timeout(std::time::Duration::from_millis(300), listener.accept()).await;
    assert!(dialled.is_err(), "no connection is opened for a bad channel");
    handle.stop().await;
}

#[tokio::test]
async fn an_overlong_line_is_skipped_and_the_next_reads() {
    let (listener, addr) = listener().await;
    let (tx, mut rx) = mpsc::channel(64);
    let handle = twitch::spawn(config(addr.port()), tx);
    let mut socket = accept_ws(&listener).await;
    login(&mut socket).await;
    let long = privmsg("too-long", &"a".repeat(twitch::MAX_LINE));
    socket.send(Message::text(format!("{long}\r\n{}\r\n", privmsg("fine", "hi")))).await.unwrap();
    assert_eq!(take(&mut rx, 1).await[0].id, "fine");
    assert_eq!(handle.stats().snapshot().malformed, 1);
    handle.stop().await;
}

#[tokio::test]
async fn chat_text_is_cut_at_500_characters() {
    let (listener, addr) = listener().await;
    let (tx, mut rx) = mpsc::channel(64);
    let handle = twitch::spawn(config(addr.port()), tx);
    let mut socket = accept_ws(&listener).await;
    login(&mut socket).await;
    // 600 characters of 3- and 4-byte UTF-8: a byte cut would split one.
    let text: String = "好😀".repeat(300);
    socket.send(Message::text(privmsg("long", &text))).await.unwrap();
    let event = take(&mut rx, 1).await.remove(0);
    let EventBody::Chat { text: got, .. } = event.body else { panic!("{event:?}") };
    assert_eq!(got.chars().count(), 500);
    assert_eq!(got, text.chars().take(500).collect::<String>());
    handle.stop().await;
}
