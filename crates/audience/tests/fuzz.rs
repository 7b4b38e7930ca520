//! Parsers fed random bytes and truncations never panic; what they cannot read is counted.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write;

use audience::bilibili::packet::{self, encode, PacketReader};
use audience::bilibili::{commands, parse_message};
use audience::twitch::{map_message, IrcMessage};
use audience::youtube::map_item;
use audience::AudienceEvent;
use proptest::prelude::*;

fn valid_bilibili_message() -> Vec<u8> {
    let commands: Vec<Vec<u8>> = ["danmu_msg", "send_gift", "super_chat", "guard_buy", "like"]
        .iter()
        .map(|n| encode(0, packet::OP_COMMAND, 0, support::fixture(&format!("bilibili/{n}.json")).trim().as_bytes()))
        .collect();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&commands.concat()).unwrap();
    encode(packet::VERSION_ZLIB, packet::OP_COMMAND, 0, &z.finish().unwrap())
}

fn twitch_lines() -> Vec<String> {
    support::fixture("twitch/session.irc").lines().map(str::to_owned).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn irc_never_panics_on_random_text(line in "\\PC{0,200}") {
        if let Ok(message) = IrcMessage::parse(&line) {
            let _ = map_message(&message, "room");
        }
    }

    #[test]
    fn irc_never_panics_on_truncated_or_mutated_lines(index in 0usize..12, cut in 0usize..600, at in 0usize..600, c in any::<char>()) {
        let lines = twitch_lines();
        let line = &lines[index % lines.len()];
        let mut chars: Vec<char> = line.chars().collect();
        chars.truncate(cut.min(chars.len()));
        if !chars.is_empty() {
            let i = at % chars.len();
            chars[i] = c;
        }
        let line: String = chars.into_iter().collect();
        if let Ok(message) = IrcMessage::parse(&line) {
            let _ = map_message(&message, "room");
        }
    }

    #[test]
    fn bilibili_never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_message(&bytes, "1");
        let _ = commands::map_command(&bytes, "1", 0);
    }

    #[test]
    fn bilibili_truncations_are_counted_or_wait(cut in 0usize..4000, flip in 16usize..4000, bit in 0u8..8) {
        let whole = valid_bilibili_message();
        let cut = cut % (whole.len() + 1);
        // A truncated packet waits for the rest; nothing is emitted or panics.
        let mut reader = PacketReader::default();
        reader.feed(&whole[..cut]);
        if cut < whole.len() {
            prop_assert!(reader.next_packet().is_none());
        }
        // A flipped bit in the compressed body: either still decodes or is counted malformed.
        let mut bad = whole.clone();
        let i = flip % bad.len();
        bad[i] ^= 1 << bit;
        let (events, malformed, _) = parse_message(&bad, "1");
        prop_assert!(events.len() <= 5);
        prop_assert!(events.len() == 5 || malformed > 0 || i < 16);
    }

    #[test]
    fn packet_headers_with_any_lengths_never_panic(length in any::<u32>(), header in any::<u16>(), version in any::<u16>(), tail in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&length.to_be_bytes());
        bytes.extend_from_slice(&header.to_be_bytes());
        bytes.extend_from_slice(&version.to_be_bytes());
        bytes.extend_from_slice(&5u32.to_be_bytes());
        bytes.extend_from_slice(&0u32.to_be_bytes());
        bytes.extend_from_slice(&tail);
        let _ = parse_message(&bytes, "1");
    }

    #[test]
    fn youtube_items_and_bridge_json_never_panic(text in "\\PC{0,300}") {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
            let _ = map_item(&value, "c");
        }
        let _ = serde_json::from_str::<AudienceEvent>(&text);
    }
}
