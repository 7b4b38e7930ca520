//! Bilibili danmaku packets: a 16-byte big-endian header, then a body.
//!
//! ```text
//! 0        4        6         8           12         16
//! | length | header | version | operation | sequence | body ...
//! ```
//! Version 0 is a JSON body, 1 a heartbeat/auth body, 2 a zlib body and 3 a brotli body; a
//! compressed body holds several whole packets back to back. A WebSocket message usually holds
//! whole packets, but [`PacketReader`] also joins packets split across messages.

use std::io::Read;

/// The header's size.
pub const HEADER_LEN: usize = 16;
/// The largest packet we accept (its length field), and the largest WebSocket message read.
/// Real messages are a few KB; this keeps a hostile one from eating memory.
pub const MAX_PACKET: usize = 4 * 1024 * 1024;
/// The most bytes one WebSocket message may inflate to, all its compressed bodies together.
/// Past it the whole message is dropped: a few tens of KB of nested zlib can otherwise
/// inflate to gigabytes.
pub const INFLATE_BUDGET: usize = 4 * 1024 * 1024;
/// Compressed bodies inside compressed bodies: the outer one may hold compressed packets,
/// those may not. Checked before inflating.
pub const MAX_DEPTH: u8 = 2;

/// Client heartbeat.
pub const OP_HEARTBEAT: u32 = 2;
/// Heartbeat reply, carrying the popularity count.
pub const OP_HEARTBEAT_REPLY: u32 = 3;
/// A command (JSON).
pub const OP_COMMAND: u32 = 5;
/// Client authentication.
pub const OP_AUTH: u32 = 7;
/// Authentication reply.
pub const OP_AUTH_REPLY: u32 = 8;

/// Plain JSON body.
pub const VERSION_JSON: u16 = 0;
/// Heartbeat and auth body.
pub const VERSION_PLAIN: u16 = 1;
/// zlib-compressed packets.
pub const VERSION_ZLIB: u16 = 2;
/// brotli-compressed packets.
pub const VERSION_BROTLI: u16 = 3;

/// One packet, with its body decompressed away (see [`expand`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    /// Protocol version.
    pub version: u16,
    /// What it is.
    pub operation: u32,
    /// Sequence number (unused by the server's pushes, echoed in ours).
    pub sequence: u32,
    /// The body.
    pub body: Vec<u8>,
}

/// Why bytes are not a packet.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// The header's lengths are impossible.
    #[error("bad packet header (length {length}, header length {header})")]
    BadHeader {
        /// The length field.
        length: u32,
        /// The header length field.
        header: u16,
    },
    /// A compressed body did not decompress.
    #[error("compressed body is corrupt: {0}")]
    Corrupt(String),
    /// A body held a partial packet.
    #[error("body ends inside a packet")]
    Truncated,
    /// Compressed bodies nested deeper than the protocol does.
    #[error("compressed packets nested too deep")]
    TooDeep,
    /// The message's compressed bodies inflate past [`INFLATE_BUDGET`].
    #[error("the message inflates past {} MiB (a decompression bomb?)", INFLATE_BUDGET / (1024 * 1024))]
    OverBudget,
}

/// What is left of one WebSocket message's [`INFLATE_BUDGET`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InflateBudget {
    left: usize,
}

impl Default for InflateBudget {
    fn default() -> InflateBudget {
        InflateBudget { left: INFLATE_BUDGET }
    }
}

impl InflateBudget {
    /// A budget of `bytes` (tests use small ones).
    pub fn new(bytes: usize) -> InflateBudget {
        InflateBudget { left: bytes }
    }

    /// Bytes that may still be inflated.
    pub fn left(&self) -> usize {
        self.left
    }
}

/// Builds one packet.
pub fn encode(version: u16, operation: u32, sequence: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&((HEADER_LEN + body.len()) as u32).to_be_bytes());
    out.extend_from_slice(&(HEADER_LEN as u16).to_be_bytes());
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&operation.to_be_bytes());
    out.extend_from_slice(&sequence.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// Builds a zlib packet (version 2) holding `packets` (whole packets back to back), as the
/// server sends commands; for fake servers and tests.
pub fn encode_zlib(operation: u32, packets: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = z.write_all(packets);
    encode(VERSION_ZLIB, operation, 0, &z.finish().unwrap_or_default())
}

/// Reads the header at the start of `data`: (total length, header length, version, op, seq).
fn header(data: &[u8]) -> Option<(usize, usize, u16, u32, u32)> {
    let be32 = |at: usize| data.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_be_bytes);
    let be16 = |at: usize| data.get(at..at + 2).and_then(|b| b.try_into().ok()).map(u16::from_be_bytes);
    Some((be32(0)? as usize, be16(4)? as usize, be16(6)?, be32(8)?, be32(12)?))
}

fn check(length: usize, header_len: usize) -> Result<(), PacketError> {
    if header_len < HEADER_LEN || length < header_len || length > MAX_PACKET {
        return Err(PacketError::BadHeader { length: length as u32, header: header_len as u16 });
    }
    Ok(())
}

/// Joins the bytes of successive WebSocket messages and cuts whole packets off the front.
#[derive(Debug, Default)]
pub struct PacketReader {
    buf: Vec<u8>,
    /// Where the unread bytes start: packets are cut off by moving this, not by shifting the
    /// buffer, so a message of many tiny packets costs linear time.
    start: usize,
}

/// What one WebSocket message held, its compressed bodies expanded.
#[derive(Debug, Default)]
pub struct Unpacked {
    /// The packets, in order, none of them compressed.
    pub packets: Vec<Packet>,
    /// Packets cut off the stream (before expanding).
    pub frames: u64,
    /// Packets or bodies that could not be read, and partial packets given up on.
    pub malformed: u64,
    /// The message inflated past its budget and was dropped whole (`packets` is empty).
    pub over_budget: bool,
}

impl PacketReader {
    /// Appends bytes as they arrived.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.start = 0;
    }

    /// Takes one WebSocket message: its packets, expanded within one [`INFLATE_BUDGET`].
    ///
    /// A message that is whole packets by itself starts afresh: bytes left waiting from an
    /// earlier message are given up on (counted malformed). That is the resynchronisation a
    /// garbage message needs, which would otherwise swallow the good message after it. A
    /// message that is not whole packets is the rest of a split packet and is joined on.
    pub fn read_message(&mut self, bytes: &[u8]) -> Unpacked {
        let mut unpacked = Unpacked::default();
        if self.pending() > 0 && whole_packets(bytes) {
            self.clear();
            unpacked.malformed += 1;
        }
        self.feed(bytes);
        let mut budget = InflateBudget::default();
        while let Some(next) = self.next_packet() {
            unpacked.frames += 1;
            match next.and_then(|p| expand_within(p, &mut unpacked.packets, &mut budget)) {
                Ok(()) => {}
                Err(PacketError::OverBudget) => {
                    self.clear();
                    unpacked.packets = Vec::new();
                    unpacked.over_budget = true;
                    unpacked.malformed += 1;
                    break;
                }
                Err(_) => unpacked.malformed += 1,
            }
        }
        unpacked
    }

    /// The next whole packet, `None` until more bytes arrive. After a bad header the buffer is
    /// dropped: there is no way to find the next packet boundary in a byte stream.
    pub fn next_packet(&mut self) -> Option<Result<Packet, PacketError>> {
        let unread = &self.buf[self.start..];
        let (length, header_len, version, operation, sequence) = header(unread)?;
        if let Err(error) = check(length, header_len) {
            self.clear();
            return Some(Err(error));
        }
        if unread.len() < length {
            return None;
        }
        let body = unread[header_len..length].to_vec();
        self.start += length;
        if self.start == self.buf.len() {
            self.clear();
        }
        Some(Ok(Packet { version, operation, sequence, body }))
    }

    /// Bytes waiting for the rest of their packet.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }
}

/// True when `data` is one or more whole packets with sane headers, nothing left over.
fn whole_packets(mut data: &[u8]) -> bool {
    if data.is_empty() {
        return false;
    }
    while !data.is_empty() {
        let Some((length, header_len, ..)) = header(data) else { return false };
        if check(length, header_len).is_err() || data.len() < length {
            return false;
        }
        data = &data[length..];
    }
    true
}

/// Splits a body holding whole packets back to back.
pub fn split(mut data: &[u8]) -> Result<Vec<Packet>, PacketError> {
    let mut packets = Vec::new();
    while !data.is_empty() {
        let (length, header_len, version, operation, sequence) = header(data).ok_or(PacketError::Truncated)?;
        check(length, header_len)?;
        let packet = data.get(..length).ok_or(PacketError::Truncated)?;
        packets.push(Packet { version, operation, sequence, body: packet[header_len..].to_vec() });
        data = &data[length..];
    }
    Ok(packets)
}

/// Replaces a compressed packet by the packets inside it (recursively, [`MAX_DEPTH`] levels),
/// and passes others through, within a fresh [`INFLATE_BUDGET`]. Good packets are kept even
/// when a later one in the body is bad.
pub fn expand(packet: Packet, out: &mut Vec<Packet>) -> Result<(), PacketError> {
    expand_within(packet, out, &mut InflateBudget::default())
}

/// [`expand`], spending from `budget`: every packet of one WebSocket message shares one.
pub fn expand_within(packet: Packet, out: &mut Vec<Packet>, budget: &mut InflateBudget) -> Result<(), PacketError> {
    expand_at(packet, out, 0, budget)
}

fn expand_at(packet: Packet, out: &mut Vec<Packet>, depth: u8, budget: &mut InflateBudget) -> Result<(), PacketError> {
    if !matches!(packet.version, VERSION_ZLIB | VERSION_BROTLI) {
        out.push(packet);
        return Ok(());
    }
    // Before inflating: a bomb nests deep, and each level multiplies.
    if depth >= MAX_DEPTH {
        return Err(PacketError::TooDeep);
    }
    let inflated = match packet.version {
        VERSION_ZLIB => inflate(flate2::read::ZlibDecoder::new(packet.body.as_slice()), budget)?,
        _ => inflate(brotli_decompressor::Decompressor::new(packet.body.as_slice(), 4096), budget)?,
    };
    drop(packet);
    let mut rest = inflated.as_slice();
    while !rest.is_empty() {
        let (length, header_len, version, operation, sequence) = header(rest).ok_or(PacketError::Truncated)?;
        check(length, header_len)?;
        let bytes = rest.get(..length).ok_or(PacketError::Truncated)?;
        let inner = Packet { version, operation, sequence, body: bytes[header_len..].to_vec() };
        expand_at(inner, out, depth + 1, budget)?;
        rest = &rest[length..];
    }
    Ok(())
}

/// Inflates at most what is left of `budget`, and spends it.
fn inflate(reader: impl Read, budget: &mut InflateBudget) -> Result<Vec<u8>, PacketError> {
    let mut out = Vec::new();
    let read = reader.take(budget.left as u64 + 1).read_to_end(&mut out).map_err(|e| PacketError::Corrupt(e.to_string()))?;
    if read > budget.left {
        return Err(PacketError::OverBudget);
    }
    budget.left -= read;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;

    #[test]
    fn joins_split_packets_and_expands_zlib() {
        let inner = [encode(0, OP_COMMAND, 0, br#"{"cmd":"A"}"#), encode(0, OP_COMMAND, 0, br#"{"cmd":"B"}"#)].concat();
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&inner).unwrap();
        let outer = encode(VERSION_ZLIB, OP_COMMAND, 0, &z.finish().unwrap());
        let mut reader = PacketReader::default();
        reader.feed(&outer[..7]);
        assert!(reader.next_packet().is_none());
        reader.feed(&outer[7..]);
        let packet = reader.next_packet().unwrap().unwrap();
        let mut out = Vec::new();
        expand(packet, &mut out).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].body, br#"{"cmd":"B"}"#);
        assert_eq!(reader.pending(), 0);
    }

    #[test]
    fn bad_header_is_an_error_and_clears() {
        let mut reader = PacketReader::default();
        reader.feed(&[0, 0, 0, 4, 0, 16, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 1, 2]);
        assert!(matches!(reader.next_packet(), Some(Err(PacketError::BadHeader { .. }))));
        assert_eq!(reader.pending(), 0);
    }
}
