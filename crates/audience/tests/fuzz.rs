//! Every wire parser of the audience path under proptest: Bilibili packets and commands,
//! Twitch IRC, YouTube pages and items. Arbitrary bytes and structure-aware mutations (sane
//! headers with hostile lengths, nested zlib and brotli, depth, bombs). Nothing panics, and
//! what a message yields is bounded by its inflate budget. About 113,000 cases in all
//! (17,000 × 3 + 13,000 × 2 + 9,000 × 4 + 64 bombs), about 30 s in a debug build.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write;

use audience::bilibili::packet::{self, encode, PacketReader, INFLATE_BUDGET};
use audience::bilibili::{commands, parse_message, parse_messages};
use audience::twitch::{map_message, IrcMessage};
use audience::youtube::{map_item, Page};
use audience::{AudienceEvent, EventBody};
use proptest::prelude::*;
use serde_json::{json, Value};

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 1, 22);
        w.write_all(data).unwrap();
    }
    out
}

fn compressed(version: u16, inner: &[u8]) -> Vec<u8> {
    let body = if version == packet::VERSION_ZLIB {
        zlib(inner)
    } else {
        brotli(inner)
    };
    encode(version, packet::OP_COMMAND, 0, &body)
}

fn valid_bilibili_message() -> Vec<u8> {
    let commands: Vec<Vec<u8>> = ["danmu_msg", "send_gift", "super_chat", "guard_buy", "like"]
        .iter()
        .map(|n| {
            encode(
                0,
                packet::OP_COMMAND,
                0,
                support::fixture(&format!("bilibili/{n}.json"))
                    .trim()
                    .as_bytes(),
            )
        })
        .collect();
    compressed(packet::VERSION_ZLIB, &commands.concat())
}

fn twitch_lines() -> Vec<String> {
    support::fixture("twitch/session.irc")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Reads one message as the connector does and checks the bounds: the packets it yields hold
/// no more than the budget plus the message itself.
fn read_bounded(messages: &[&[u8]]) -> Result<(), TestCaseError> {
    let mut reader = PacketReader::default();
    for bytes in messages {
        let waiting = reader.pending();
        let unpacked = reader.read_message(bytes);
        let held: usize = unpacked.packets.iter().map(|p| p.body.len()).sum();
        prop_assert!(
            held <= INFLATE_BUDGET + bytes.len() + waiting,
            "{held} bytes out of a {}-byte message",
            bytes.len()
        );
        prop_assert!(reader.pending() <= packet::MAX_PACKET + bytes.len());
        if unpacked.over_budget {
            prop_assert!(unpacked.packets.is_empty());
        }
    }
    let (events, _, _) = parse_messages(messages, "1");
    for event in &events {
        check_event(event)?;
    }
    Ok(())
}

/// What every event must satisfy whatever the peer sent.
fn check_event(event: &AudienceEvent) -> Result<(), TestCaseError> {
    let mut clamped = event.clone();
    clamped.clamp();
    if let EventBody::Chat { text, .. } = &clamped.body {
        prop_assert!(text.chars().count() <= audience::event::MAX_TEXT_CHARS);
    }
    // Totals never panic, whatever the counts.
    if let EventBody::Gift { gift, .. } = &event.body {
        let _ = gift.total();
    }
    let mut tally = audience::tally::Tally::default();
    tally.add(event);
    tally.add(event);
    Ok(())
}

/// A tree of packets: plain commands and heartbeat replies, or zlib/brotli bodies holding
/// more of them, nested up to `depth` levels.
fn packet_tree() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(|b| encode(
            0,
            packet::OP_COMMAND,
            0,
            &b
        )),
        any::<u32>().prop_map(|n| encode(1, packet::OP_HEARTBEAT_REPLY, 0, &n.to_be_bytes())),
        Just(encode(
            0,
            packet::OP_COMMAND,
            0,
            br#"{"cmd":"DANMU_MSG","info":[[0,0,0,0,1],"hi",[1,"u",0]]}"#
        )),
        Just(encode(1, packet::OP_AUTH_REPLY, 0, br#"{"code":0}"#)),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        (
            proptest::collection::vec(inner, 1..6),
            prop_oneof![Just(packet::VERSION_ZLIB), Just(packet::VERSION_BROTLI)],
        )
            .prop_map(|(children, version)| compressed(version, &children.concat()))
    })
}

/// Arbitrary JSON, with the keys the mappers look for more likely than chance.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![Just(u64::MAX), Just(i64::MAX as u64 + 1), any::<u64>()].prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        "\\PC{0,40}".prop_map(Value::String),
        "[0-9]{1,25}".prop_map(Value::String),
    ];
    let key = prop_oneof![
        Just("cmd"),
        Just("info"),
        Just("data"),
        Just("num"),
        Just("price"),
        Just("giftName"),
        Just("coin_type"),
        Just("uid"),
        Just("uname"),
        Just("tid"),
        Just("id"),
        Just("message"),
        Just("user_info"),
        Just("guard_level"),
        Just("msg_type"),
        Just("timestamp"),
        Just("extra"),
        Just("snippet"),
        Just("type"),
        Just("amountMicros"),
        Just("currency"),
        Just("displayName"),
        Just("giftMembershipsCount"),
        Just("items"),
        Just("x"),
    ]
    .prop_map(str::to_owned);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..18).prop_map(Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const BILIBILI_CMDS: &[&str] = &[
    "DANMU_MSG",
    "DANMU_MSG:4:0:2:2:2:0",
    "SEND_GIFT",
    "SUPER_CHAT_MESSAGE",
    "GUARD_BUY",
    "INTERACT_WORD",
    "LIKE_INFO_V3_CLICK",
    "X",
];

const YOUTUBE_TYPES: &[&str] = &[
    "textMessageEvent",
    "superChatEvent",
    "superStickerEvent",
    "newSponsorEvent",
    "memberMilestoneChatEvent",
    "membershipGiftingEvent",
    "tombstone",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 17_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn irc_never_panics_on_random_text(line in "\\PC{0,200}") {
        if let Ok(message) = IrcMessage::parse(&line) {
            if let audience::twitch::Mapped::Event(event) = map_message(&message, "room") {
                check_event(&event)?;
            }
        }
    }

    #[test]
    fn irc_never_panics_on_truncated_or_mutated_lines(index in 0usize..12, cut in 0usize..600, edits in proptest::collection::vec((0usize..600, any::<char>()), 0..4)) {
        let lines = twitch_lines();
        let line = &lines[index % lines.len()];
        let mut chars: Vec<char> = line.chars().collect();
        chars.truncate(cut.min(chars.len()));
        for (at, c) in edits {
            if !chars.is_empty() {
                let i = at % chars.len();
                chars[i] = c;
            }
        }
        let line: String = chars.into_iter().collect();
        if let Ok(message) = IrcMessage::parse(&line) {
            if let audience::twitch::Mapped::Event(event) = map_message(&message, "room") {
                check_event(&event)?;
            }
        }
    }

    #[test]
    fn bilibili_never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        read_bounded(&[&bytes])?;
        let _ = commands::map_command(&bytes, "1", 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 13_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn packet_headers_with_any_lengths_never_panic(
        length in prop_oneof![any::<u32>(), 0u32..64, Just(u32::MAX), Just(packet::MAX_PACKET as u32), Just(packet::MAX_PACKET as u32 + 1)],
        header in prop_oneof![any::<u16>(), 0u16..40],
        version in 0u16..6,
        operation in prop_oneof![Just(packet::OP_COMMAND), Just(packet::OP_HEARTBEAT_REPLY), Just(packet::OP_AUTH_REPLY), any::<u32>()],
        tail in proptest::collection::vec(any::<u8>(), 0..64),
        split in any::<prop::sample::Index>(),
    ) {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&length.to_be_bytes());
        bytes.extend_from_slice(&header.to_be_bytes());
        bytes.extend_from_slice(&version.to_be_bytes());
        bytes.extend_from_slice(&operation.to_be_bytes());
        bytes.extend_from_slice(&0u32.to_be_bytes());
        bytes.extend_from_slice(&tail);
        read_bounded(&[&bytes])?;
        // The same bytes split across two messages, then a good one after.
        let at = split.index(bytes.len() + 1);
        let good = encode(1, packet::OP_HEARTBEAT_REPLY, 0, &7u32.to_be_bytes());
        read_bounded(&[&bytes[..at], &bytes[at..], &good])?;
        let (events, _, _) = parse_messages(&[&bytes[..at], &bytes[at..], &good], "1");
        prop_assert!(events.iter().any(|e| e.body == EventBody::Viewers { viewers: 7 }), "the good message after garbage always reads");
    }

    #[test]
    fn bilibili_commands_never_panic_on_hostile_json(cmd in prop::sample::select(BILIBILI_CMDS), data in json_value(), info in json_value()) {
        let body = json!({ "cmd": cmd, "data": data, "info": info }).to_string();
        if let commands::Command::Event(event) = commands::map_command(body.as_bytes(), "1", u64::MAX) {
            check_event(&event)?;
        }
        // Inside a packet inside zlib, as the server sends it.
        read_bounded(&[&compressed(packet::VERSION_ZLIB, &encode(0, packet::OP_COMMAND, 0, body.as_bytes()))])?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 9_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn bilibili_truncations_and_bit_flips_are_counted_or_wait(cut in 0usize..4000, flips in proptest::collection::vec((16usize..4000, 0u8..8), 1..4)) {
        let whole = valid_bilibili_message();
        let cut = cut % (whole.len() + 1);
        // A truncated packet waits for the rest; nothing is emitted or panics.
        let mut reader = PacketReader::default();
        reader.feed(&whole[..cut]);
        if cut < whole.len() {
            prop_assert!(reader.next_packet().is_none());
        }
        let mut bad = whole.clone();
        let mut touched_header = false;
        for (flip, bit) in flips {
            let i = flip % bad.len();
            touched_header |= i < 16;
            bad[i] ^= 1 << bit;
        }
        read_bounded(&[&bad])?;
        let (events, malformed, _) = parse_message(&bad, "1");
        prop_assert!(events.len() <= 5);
        prop_assert!(events.len() == 5 || malformed > 0 || touched_header);
    }

    #[test]
    fn nested_compressed_packets_never_panic(tree in packet_tree(), more in packet_tree()) {
        let message = [tree, more].concat();
        read_bounded(&[&message])?;
    }

    #[test]
    fn youtube_items_never_panic_on_hostile_json(kind in prop::sample::select(YOUTUBE_TYPES), snippet in json_value(), author in json_value(), details in json_value()) {
        let mut snippet = snippet;
        if let Value::Object(map) = &mut snippet {
            map.insert("type".into(), json!(kind));
            for field in ["textMessageDetails", "superChatDetails", "superStickerDetails", "membershipGiftingDetails", "memberMilestoneChatDetails"] {
                map.insert(field.into(), details.clone());
            }
        }
        let item = json!({ "id": "x", "snippet": snippet, "authorDetails": author });
        if let audience::youtube::Item::Event(event) = map_item(&item, "c") {
            check_event(&event)?;
        }
        let page = json!({ "items": [item], "pollingIntervalMillis": u64::MAX, "nextPageToken": "t" }).to_string();
        let _ = serde_json::from_str::<Page>(&page);
    }

    #[test]
    fn youtube_pages_and_bridge_json_never_panic(text in "\\PC{0,300}") {
        if let Ok(value) = serde_json::from_str::<Value>(&text) {
            let _ = map_item(&value, "c");
        }
        let _ = serde_json::from_str::<Page>(&text);
        let _ = serde_json::from_str::<AudienceEvent>(&text);
    }
}

proptest! {
    // Each case inflates up to the whole budget: few cases, each heavy.
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn bombs_stay_within_the_budget(
        size in (INFLATE_BUDGET / 2)..(2 * INFLATE_BUDGET),
        copies in 1usize..40,
        outer in prop_oneof![Just(packet::VERSION_ZLIB), Just(packet::VERSION_BROTLI)],
        inner in prop_oneof![Just(packet::VERSION_ZLIB), Just(packet::VERSION_BROTLI)],
        extra_level in any::<bool>(),
    ) {
        // A packet of zeros of `size`, compressed, repeated, compressed again (and once more).
        let zeros = encode(0, packet::OP_COMMAND, 0, &vec![0u8; size.min(packet::MAX_PACKET - 16)]);
        let one = compressed(inner, &zeros);
        let mut message = compressed(outer, &one.repeat(copies));
        if extra_level {
            message = compressed(outer, &message);
        }
        let good = encode(1, packet::OP_HEARTBEAT_REPLY, 0, &9u32.to_be_bytes());
        read_bounded(&[&message, &good])?;
        let (events, _, _) = parse_messages(&[&message, &good], "1");
        prop_assert!(events.iter().any(|e| e.body == EventBody::Viewers { viewers: 9 }), "the message after a bomb reads");
    }
}
