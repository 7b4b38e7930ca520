//! Bilibili: packets (zlib, brotli, several per body, split across messages), every command's
//! mapping from real-shaped fixtures, auth, heartbeats and the popularity reply, and reconnect.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write;
use std::time::Duration;

use audience::backoff::BackoffPolicy;
use audience::bilibili::commands::{map_command, Command};
use audience::bilibili::packet::{self, encode, OP_AUTH, OP_AUTH_REPLY, OP_COMMAND, OP_HEARTBEAT, OP_HEARTBEAT_REPLY};
use audience::bilibili::{self, parse_message, BilibiliConfig};
use audience::{AudienceEvent, EventBody};
use futures_util::{SinkExt, StreamExt};
use support::{accept_ws, fixture, listener, rebind, take};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

fn command(name: &str) -> Vec<u8> {
    encode(packet::VERSION_JSON, OP_COMMAND, 0, fixture(&format!("bilibili/{name}.json")).trim().as_bytes())
}

fn zlib(packets: &[Vec<u8>]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&packets.concat()).unwrap();
    encode(packet::VERSION_ZLIB, OP_COMMAND, 0, &z.finish().unwrap())
}

fn brotli(packets: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        w.write_all(&packets.concat()).unwrap();
    }
    encode(packet::VERSION_BROTLI, OP_COMMAND, 0, &out)
}

fn event(name: &str) -> AudienceEvent {
    match map_command(fixture(&format!("bilibili/{name}.json")).as_bytes(), "22222", 1) {
        Command::Event(event) => *event,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn maps_every_command() {
    let danmu = event("danmu_msg");
    assert_eq!(danmu.id, "b1d0f7a3c6e54a8a9e3f1c2d3e4f5a6b", "id_str from the extra JSON");
    assert_eq!(danmu.body, EventBody::Chat { text: "主播好美 😍".into(), emotes: vec![] });
    let user = danmu.user.unwrap();
    assert_eq!((user.id.as_str(), user.name.as_str()), ("4011111", "茶***"), "anonymous names come masked");
    assert!(user.badges.contains(&"medal/抹茶团/21".to_owned()) && user.badges.contains(&"guard/3".to_owned()), "{:?}", user.badges);
    assert_eq!(danmu.at.timestamp_millis(), 1700000000123);

    let gift = event("send_gift");
    let EventBody::Gift { gift: g, .. } = &gift.body else { panic!() };
    assert_eq!((g.name.as_str(), g.count, g.unit_value.to_string().as_str(), g.currency.as_str()), ("辣条", 5, "100", "gold"));
    assert_eq!(gift.id, "gift-1700000001120200001");

    let sc = event("super_chat");
    assert_eq!(sc.body, EventBody::SuperChat { amount: "30".parse().unwrap(), currency: "CNY".into(), text: "抹茶礼盒什么时候补货？".into(), tier: None });
    assert_eq!(sc.user.unwrap().name, "Lily");

    let guard = event("guard_buy");
    let EventBody::Gift { gift: g, .. } = &guard.body else { panic!() };
    assert_eq!((g.name.as_str(), g.count, g.unit_value.to_string().as_str(), g.currency.as_str()), ("舰长", 1, "198000", "gold"));

    assert_eq!(event("interact_enter").body, EventBody::Join { count: 1, via: None });
    assert_eq!(event("interact_follow").body, EventBody::Follow {});
    assert_eq!(event("like").body, EventBody::Like { count: 1 });
    assert_eq!(map_command(fixture("bilibili/unknown.json").as_bytes(), "22222", 1), Command::Unknown);
    assert_eq!(map_command(br#"{"cmd":"SEND_GIFT","data":{"giftName":"x"}}"#, "1", 1), Command::Malformed);
    assert_eq!(map_command(b"not json", "1", 1), Command::Malformed);
}

#[test]
fn reads_zlib_and_brotli_bodies_with_several_packets() {
    let message = [
        zlib(&[command("danmu_msg"), command("send_gift"), command("unknown")]),
        brotli(&[command("super_chat"), command("guard_buy"), command("interact_enter"), command("interact_follow"), command("like")]),
        encode(packet::VERSION_PLAIN, OP_HEARTBEAT_REPLY, 0, &4321u32.to_be_bytes()),
    ]
    .concat();
    let (events, malformed, unknown) = parse_message(&message, "22222");
    let kinds: Vec<&str> = events.iter().map(|e| e.body.kind()).collect();
    assert_eq!(kinds, ["chat", "gift", "super_chat", "gift", "join", "follow", "like", "viewers"]);
    assert_eq!((malformed, unknown), (0, 1));
    assert_eq!(events[7].body, EventBody::Viewers { viewers: 4321 });
}

#[test]
fn corrupt_bodies_are_counted_not_fatal() {
    let mut bad_zlib = zlib(&[command("danmu_msg")]);
    let len = bad_zlib.len();
    bad_zlib[len - 3] ^= 0xff;
    let message = [bad_zlib, encode(packet::VERSION_BROTLI, OP_COMMAND, 0, b"not brotli"), command("send_gift")].concat();
    let (events, malformed, _) = parse_message(&message, "1");
    assert_eq!(events.len(), 1, "the good packet after two bad ones still counts");
    assert_eq!(malformed, 2);
}

type Server = WebSocketStream<TcpStream>;

/// Reads the auth packet, checks it, and replies with `code`.
async fn authenticate(socket: &mut Server, room: u64, code: i64) {
    let first = tokio::time::timeout(support::PATIENCE, socket.next()).await.unwrap().unwrap().unwrap();
    let packets = packet::split(&first.into_data()).unwrap();
    assert_eq!(packets[0].operation, OP_AUTH);
    let auth: serde_json::Value = serde_json::from_slice(&packets[0].body).unwrap();
    assert_eq!(auth["roomid"], room);
    assert_eq!(auth["protover"], 3);
    let reply = encode(packet::VERSION_PLAIN, OP_AUTH_REPLY, 1, format!(r#"{{"code":{code}}}"#).as_bytes());
    socket.send(Message::binary(reply)).await.unwrap();
}

fn config(port: u16) -> BilibiliConfig {
    let mut config = BilibiliConfig::new(22222);
    config.endpoint = format!("ws://127.0.0.1:{port}/sub");
    config.heartbeat = Duration::from_millis(100);
    config.auth_timeout = Duration::from_secs(5);
    config.backoff = BackoffPolicy::fast();
    config
}

#[tokio::test]
async fn connector_authenticates_heartbeats_and_joins_split_frames() {
    let (listener, addr) = listener().await;
    let (tx, mut rx) = mpsc::channel(64);
    let handle = bilibili::spawn(config(addr.port()), tx);
    let mut socket = accept_ws(&listener).await;
    authenticate(&mut socket, 22222, 0).await;

    // The client heartbeats at once after auth, then every interval; answer with popularity.
    let mut heartbeats = 0;
    while heartbeats < 2 {
        let message = tokio::time::timeout(support::PATIENCE, socket.next()).await.unwrap().unwrap().unwrap();
        let packets = packet::split(&message.into_data()).unwrap();
        if packets[0].operation == OP_HEARTBEAT {
            heartbeats += 1;
            let reply = encode(packet::VERSION_PLAIN, OP_HEARTBEAT_REPLY, 1, &(1000u32 + heartbeats).to_be_bytes());
            socket.send(Message::binary(reply)).await.unwrap();
        }
    }
    let viewers = take(&mut rx, 2).await;
    assert_eq!(viewers[0].body, EventBody::Viewers { viewers: 1001 });

    socket.send(Message::binary(zlib(&[command("danmu_msg"), command("send_gift")]))).await.unwrap();
    socket.send(Message::binary(brotli(&[command("super_chat"), command("unknown"), command("guard_buy")]))).await.unwrap();
    // One packet split across three WebSocket messages.
    let split = command("interact_follow");
    for part in [&split[..5], &split[5..40], &split[40..]] {
        socket.send(Message::binary(part.to_vec())).await.unwrap();
    }
    let events = take(&mut rx, 5).await;
    let kinds: Vec<&str> = events.iter().filter(|e| e.body.kind() != "viewers").map(|e| e.body.kind()).collect();
    let mut rest = kinds.clone();
    while rest.len() < 5 {
        let more = take(&mut rx, 1).await;
        if more[0].body.kind() != "viewers" {
            rest.push(more[0].body.kind());
        }
    }
    assert_eq!(rest, ["chat", "gift", "super_chat", "gift", "follow"]);
    assert_eq!(handle.stats().snapshot().unknown, 1);
    handle.stop().await;
}

#[tokio::test]
async fn refused_or_silent_auth_is_reported_and_retried() {
    let (listener, addr) = listener().await;
    let (tx, _rx) = mpsc::channel(64);
    let mut config = config(addr.port());
    config.auth_timeout = Duration::from_millis(200);
    let handle = bilibili::spawn(config, tx);

    let mut socket = accept_ws(&listener).await;
    authenticate(&mut socket, 22222, -101).await;
    support::eventually("refusal reported", || handle.stats().last_error().is_some_and(|e| e.contains("code -101"))).await;

    // The next attempt gets no reply at all: the connector gives up on it and tries again.
    let mut silent = accept_ws(&listener).await;
    let _auth = silent.next().await;
    support::eventually("silence reported", || handle.stats().last_error().is_some_and(|e| e.contains("no auth reply"))).await;
    let _third = accept_ws(&listener).await;
    handle.stop().await;
}

fn danmu(id: &str) -> Vec<u8> {
    let body = serde_json::json!({
        "cmd": "DANMU_MSG:4:0:2:2:2:0",
        "info": [[0, 1, 25, 16777215, 1700000000000i64, 0, 0, "", 0, 0, 0, "", 0, "{}", "{}",
                  {"extra": format!("{{\"id_str\":\"{id}\"}}")}], format!("msg {id}"), [1, "u***", 0]]
    });
    encode(packet::VERSION_JSON, OP_COMMAND, 0, body.to_string().as_bytes())
}

#[tokio::test]
async fn resumes_after_the_server_dies_without_duplicates() {
    let (listener, addr) = listener().await;
    let (tx, mut rx) = mpsc::channel(64);
    let mut config = config(addr.port());
    config.heartbeat = Duration::from_secs(30);
    let handle = bilibili::spawn(config, tx);

    let mut socket = accept_ws(&listener).await;
    authenticate(&mut socket, 22222, 0).await;
    socket.send(Message::binary(zlib(&[danmu("d1"), danmu("d2"), danmu("d3")]))).await.unwrap();
    let first = take(&mut rx, 3).await;
    drop(socket);
    drop(listener);

    let listener = rebind(addr).await;
    let mut socket = accept_ws(&listener).await;
    authenticate(&mut socket, 22222, 0).await;
    socket.send(Message::binary(brotli(&[danmu("d3"), danmu("d4")]))).await.unwrap();
    let second = take(&mut rx, 1).await;
    let ids: Vec<&str> = first.iter().chain(&second).map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["d1", "d2", "d3", "d4"]);
    assert!(support::nothing_more(&mut rx).await.is_none());
    assert_eq!(handle.stats().snapshot().duplicates, 1);
    handle.stop().await;
}

/// A heartbeat reply: the popularity count.
fn popularity(count: u32) -> Vec<u8> {
    encode(packet::VERSION_PLAIN, OP_HEARTBEAT_REPLY, 1, &count.to_be_bytes())
}

/// A zlib packet holding `inner` packets (`inner` already one byte string).
fn zlib_of(inner: &[u8]) -> Vec<u8> {
    packet::encode_zlib(OP_COMMAND, inner)
}

/// A few tens of KB that inflate to gigabytes: a zlib body of ~1000 zlib packets, each of
/// which inflates to a packet of almost 8 MiB of zeros (under the old per-inflate cap).
pub fn nested_zlib_bomb() -> Vec<u8> {
    let zeros = encode(packet::VERSION_JSON, OP_COMMAND, 0, &vec![0u8; 8 * 1024 * 1024 - 1024]);
    let inner = zlib_of(&zeros);
    let copies = (8 * 1024 * 1024 - 1024) / inner.len();
    zlib_of(&inner.repeat(copies))
}

#[test]
fn a_bomb_is_dropped_whole_within_the_budget_and_the_next_message_reads() {
    let bomb = nested_zlib_bomb();
    assert!(bomb.len() < 200 * 1024, "the bomb is small on the wire: {} bytes", bomb.len());
    let mut reader = packet::PacketReader::default();
    let unpacked = reader.read_message(&bomb);
    assert!(unpacked.over_budget, "the bomb is over budget");
    assert!(unpacked.packets.is_empty(), "nothing of a dropped message is kept");
    let next = reader.read_message(&danmu("after-bomb"));
    assert_eq!(next.packets.len(), 1);

    // Many packets in one message, each well under the budget, share one budget.
    let chunk = zlib_of(&encode(0, OP_COMMAND, 0, &vec![b' '; 1024 * 1024]));
    let message = [chunk.clone(), chunk.clone(), chunk.clone(), chunk.clone(), chunk].concat();
    let unpacked = packet::PacketReader::default().read_message(&message);
    assert!(unpacked.over_budget, "five 1 MiB bodies are over a 4 MiB budget together");

    // The same through the event parser: no events, one malformed, and the budget holds.
    let (events, malformed, _) = parse_message(&bomb, "1");
    assert!(events.is_empty());
    assert_eq!(malformed, 1);
}

#[test]
fn depth_is_checked_before_inflating() {
    // A compressed packet inside a compressed packet inside a compressed packet: the third
    // level is refused without being inflated (its body is not even valid zlib).
    let third = encode(packet::VERSION_ZLIB, OP_COMMAND, 0, b"never inflated");
    let message = zlib_of(&zlib_of(&third));
    let mut out = Vec::new();
    let whole = packet::split(&message).unwrap().remove(0);
    assert_eq!(packet::expand(whole, &mut out), Err(packet::PacketError::TooDeep));
    // Two levels are what the protocol uses, and they read.
    let two = zlib_of(&zlib_of(&danmu("two-levels")));
    let (events, malformed, _) = parse_message(&two, "1");
    assert_eq!((events.len(), malformed), (1, 0));
}

#[test]
fn a_garbage_message_costs_only_itself() {
    let garbage_short = b"garbage!!!".to_vec();
    // A sane header promising far more than the message holds.
    let mut garbage_long = encode(packet::VERSION_JSON, OP_COMMAND, 0, &[b'x'; 984]);
    garbage_long.truncate(30);
    let split = danmu("split");
    let (p7, p8, p9) = (popularity(7), popularity(8), popularity(9));
    let messages: Vec<&[u8]> = vec![&garbage_short, &p7, &garbage_long, &p8, &split[..20], &split[20..], &[0xff; 3], &p9];
    let (events, malformed, _) = bilibili::parse_messages(&messages, "1");
    let bodies: Vec<&EventBody> = events.iter().map(|e| &e.body).collect();
    assert_eq!(
        bodies,
        [
            &EventBody::Viewers { viewers: 7 },
            &EventBody::Viewers { viewers: 8 },
            &EventBody::Chat { text: "msg split".into(), emotes: vec![] },
            &EventBody::Viewers { viewers: 9 }
        ]
    );
    assert_eq!(malformed, 3, "each garbage message counted once");
}

#[tokio::test]
async fn after_garbage_from_the_server_the_popularity_arrives() {
    let (listener, addr) = listener().await;
    let (tx, mut rx) = mpsc::channel(64);
    let mut config = config(addr.port());
    config.heartbeat = Duration::from_secs(30);
    let handle = bilibili::spawn(config, tx);
    let mut socket = accept_ws(&listener).await;
    authenticate(&mut socket, 22222, 0).await;
    let mut garbage_long = encode(packet::VERSION_JSON, OP_COMMAND, 0, &[b'x'; 984]);
    garbage_long.truncate(30);
    for message in [b"garbage!!!".to_vec(), popularity(4321), garbage_long, popularity(4322)] {
        socket.send(Message::binary(message)).await.unwrap();
    }
    let mut viewers = Vec::new();
    while viewers.len() < 2 {
        let event = take(&mut rx, 1).await.remove(0);
        // The connector's own first heartbeat is answered by nobody here; only ours count.
        if let EventBody::Viewers { viewers: n } = event.body {
            viewers.push(n);
        }
    }
    assert_eq!(viewers, [4321, 4322]);
    assert_eq!(handle.stats().snapshot().malformed, 2);
    handle.stop().await;
}

#[tokio::test]
async fn a_bomb_from_the_server_is_dropped_with_a_notice_and_reading_goes_on() {
    let (listener, addr) = listener().await;
    let (tx, mut rx) = mpsc::channel(64);
    let mut config = config(addr.port());
    config.heartbeat = Duration::from_secs(30);
    let handle = bilibili::spawn(config, tx);
    let mut socket = accept_ws(&listener).await;
    authenticate(&mut socket, 22222, 0).await;
    socket.send(Message::binary(nested_zlib_bomb())).await.unwrap();
    socket.send(Message::binary(danmu("after-bomb"))).await.unwrap();
    let event = take(&mut rx, 1).await.remove(0);
    assert_eq!(event.id, "after-bomb");
    let stats = handle.stats();
    assert_eq!(stats.snapshot().oversized, 1);
    let notice = stats.last_error().unwrap_or_default();
    assert!(notice.contains("inflates past 4 MiB") && notice.contains("reading on"), "{notice}");
    assert_eq!(stats.snapshot().connections, 1, "the same connection reads on");
    handle.stop().await;
}

#[test]
fn endpoints_must_be_encrypted_or_on_this_machine() {
    let mut config = BilibiliConfig::new(1);
    assert!(config.check().is_ok(), "the default endpoint");
    config.endpoint = "ws://127.0.0.1:9/sub".into();
    assert!(config.check().is_ok());
    config.endpoint = "ws://broadcastlv.chat.bilibili.com/sub".into();
    let error = config.check().unwrap_err().to_string();
    assert!(error.contains("not encrypted") && error.contains("wss://"), "{error}");
    assert!(audience::endpoint::is_default_endpoint("bilibili", bilibili::DEFAULT_ENDPOINT));
}
