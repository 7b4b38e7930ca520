//! Finds ingests that stopped reading, from the kernel's own view of our TCP connections.
//!
//! A frozen ingest keeps its connection open: our socket buffers swallow ~10 s of stream
//! before `rtmp2sink` sees anything, and then waits for its own 5 s timeout. The kernel knows
//! much sooner: once the peer's receive window is full it advertises a zero window and our
//! side arms the zero-window probe timer (timer 4 in `/proc/net/tcp`). That shows within a
//! fraction of a second of the peer going silent, and never on a connection that is merely
//! slow (that shows as retransmissions instead).

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Remote addresses of established connections whose peer advertises a zero window, from
/// the IPv4 table, the IPv6 table or both.
pub(crate) fn zero_window_peers(ipv4: bool, ipv6: bool) -> HashSet<SocketAddr> {
    let mut peers = HashSet::new();
    let tables = [(ipv4, "/proc/self/net/tcp"), (ipv6, "/proc/self/net/tcp6")];
    for (_, file) in tables.iter().filter(|(wanted, _)| *wanted) {
        if let Ok(table) = std::fs::read_to_string(file) {
            peers.extend(table.lines().skip(1).filter_map(zero_window_peer));
        }
    }
    peers
}

/// The remote address of one `/proc/net/tcp` row, if the connection is established and its
/// zero-window probe timer is running.
fn zero_window_peer(row: &str) -> Option<SocketAddr> {
    let fields: Vec<&str> = row.split_whitespace().collect();
    let (remote, state, timer) = (fields.get(2)?, fields.get(3)?, fields.get(5)?);
    let established = *state == "01";
    let probing_zero_window = timer.split(':').next()? == "04";
    if established && probing_zero_window {
        parse_address(remote)
    } else {
        None
    }
}

/// `0100007F:4B96` (IPv4) or 32 hex digits and a port (IPv6), as the kernel prints them:
/// the address in host-order 32-bit words, the port big-endian.
fn parse_address(text: &str) -> Option<SocketAddr> {
    let (address, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let words: Vec<u32> = (0..address.len() / 8)
        .map(|i| address.get(i * 8..i * 8 + 8).and_then(|w| u32::from_str_radix(w, 16).ok()))
        .collect::<Option<_>>()?;
    let ip = match words.as_slice() {
        [v4] => IpAddr::V4(Ipv4Addr::from(v4.swap_bytes())),
        [a, b, c, d] => {
            let mut bytes = [0u8; 16];
            for (chunk, word) in bytes.chunks_mut(4).zip([a, b, c, d]) {
                chunk.copy_from_slice(&word.to_le_bytes());
            }
            let v6 = Ipv6Addr::from(bytes);
            v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kernel_rows() {
        let frozen = "   3: 0100007F:E2C2 0100007F:4B96 01 0004398F:00000000 04:00000014 00000000     0        0 91 1 0 20 4 30 10 -1";
        let fine = "   2: 0100007F:E2C2 0100007F:4B96 01 00000000:00000000 00:00000000 00000000     0        0 90 1 0 20 4 30 10 -1";
        assert_eq!(zero_window_peer(frozen), Some("127.0.0.1:19350".parse().unwrap()));
        assert_eq!(zero_window_peer(fine), None);
        assert_eq!(zero_window_peer("garbage"), None);
        let v6 = "0000000000000000FFFF00000100007F:0050";
        assert_eq!(parse_address(v6), Some("127.0.0.1:80".parse().unwrap()));
        let v6 = "00000000000000000000000001000000:0050";
        assert_eq!(parse_address(v6), Some("[::1]:80".parse().unwrap()));
    }
}
