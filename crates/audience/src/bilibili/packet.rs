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
/// The largest packet or decompressed body we accept; far above anything real, and it keeps a
/// hostile body from eating memory.
pub const MAX_PACKET: usize = 8 * 1024 * 1024;

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
}

impl PacketReader {
    /// Appends bytes as they arrived.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole packet, `None` until more bytes arrive. After a bad header the buffer is
    /// dropped: there is no way to find the next packet boundary in a byte stream.
    pub fn next_packet(&mut self) -> Option<Result<Packet, PacketError>> {
        let (length, header_len, version, operation, sequence) = header(&self.buf)?;
        if let Err(error) = check(length, header_len) {
            self.buf.clear();
            return Some(Err(error));
        }
        if self.buf.len() < length {
            return None;
        }
        let body = self.buf[header_len..length].to_vec();
        self.buf.drain(..length);
        Some(Ok(Packet { version, operation, sequence, body }))
    }

    /// Bytes waiting for the rest of their packet.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
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

/// Replaces a compressed packet by the packets inside it (recursively, at most twice), and
/// passes others through. Good packets are kept even when a later one in the body is bad.
pub fn expand(packet: Packet, out: &mut Vec<Packet>) -> Result<(), PacketError> {
    expand_at(packet, out, 0)
}

fn expand_at(packet: Packet, out: &mut Vec<Packet>, depth: u8) -> Result<(), PacketError> {
    let inflated = match packet.version {
        VERSION_ZLIB => inflate(flate2::read::ZlibDecoder::new(packet.body.as_slice()))?,
        VERSION_BROTLI => inflate(brotli_decompressor::Decompressor::new(packet.body.as_slice(), 4096))?,
        _ => {
            out.push(packet);
            return Ok(());
        }
    };
    if depth >= 2 {
        return Err(PacketError::TooDeep);
    }
    let mut rest = inflated.as_slice();
    while !rest.is_empty() {
        let (length, header_len, version, operation, sequence) = header(rest).ok_or(PacketError::Truncated)?;
        check(length, header_len)?;
        let bytes = rest.get(..length).ok_or(PacketError::Truncated)?;
        let inner = Packet { version, operation, sequence, body: bytes[header_len..].to_vec() };
        expand_at(inner, out, depth + 1)?;
        rest = &rest[length..];
    }
    Ok(())
}

fn inflate(reader: impl Read) -> Result<Vec<u8>, PacketError> {
    let mut out = Vec::new();
    let read = reader.take(MAX_PACKET as u64 + 1).read_to_end(&mut out).map_err(|e| PacketError::Corrupt(e.to_string()))?;
    if read > MAX_PACKET {
        return Err(PacketError::Corrupt("decompresses to more than 8 MiB".into()));
    }
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
