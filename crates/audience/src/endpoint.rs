//! Which servers a connector may dial: the platform's own, another one over TLS, or a plain
//! one on this machine (a relay or a test).
//!
//! A connector sends the room it reads and, for YouTube and Bilibili, a key. Over plain
//! `ws://` or `http://` anyone on the path reads both, so plain transports are for loopback
//! only. [`check_endpoint`] is the one rule every connector config applies before it dials.

use std::net::IpAddr;

use url::{Host, Url};

use crate::error::AudienceError;

/// How a connector talks to its server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// WebSocket: `wss://`, or `ws://` on loopback (Twitch, Bilibili).
    WebSocket,
    /// HTTP: `https://`, or `http://` on loopback (YouTube).
    Http,
}

impl Transport {
    fn schemes(self) -> (&'static str, &'static str) {
        match self {
            Transport::WebSocket => ("wss", "ws"),
            Transport::Http => ("https", "http"),
        }
    }
}

/// True for `localhost`, 127.0.0.0/8 and `::1` (and IPv4-mapped loopback).
pub fn is_loopback_host(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => {
            name.eq_ignore_ascii_case("localhost") || name.eq_ignore_ascii_case("localhost.")
        }
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).to_canonical().is_loopback(),
    }
}

/// Checks a connector's `endpoint` for `what` (`Twitch chat`, ...): `wss://`/`https://`
/// anywhere, `ws://`/`http://` only on loopback. Refused with words that say what to use.
pub fn check_endpoint(
    endpoint: &str,
    transport: Transport,
    what: &str,
) -> Result<(), AudienceError> {
    let (secure, plain) = transport.schemes();
    let refuse = |why: String| AudienceError::Config(format!("{what} endpoint {why}"));
    let url = Url::parse(endpoint.trim()).map_err(|e| {
        refuse(format!(
            "is not a URL ({e}): write it as {secure}://host/path"
        ))
    })?;
    let Some(host) = url.host() else {
        return Err(refuse(format!(
            "has no host: write it as {secure}://host/path"
        )));
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("must not carry a user name or password".into()));
    }
    match url.scheme() {
        s if s == secure => Ok(()),
        s if s == plain && is_loopback_host(&host) => Ok(()),
        s if s == plain => Err(refuse(format!(
            "`{plain}://{host}` is not encrypted: use {secure}://, or {plain}:// only on this machine (localhost, 127.0.0.1, ::1)"
        ))),
        other => Err(refuse(format!("uses `{other}://`: use {secure}:// (or {plain}:// on this machine)"))),
    }
}

/// The endpoint a platform's connector uses by default (`twitch`, `youtube`, `bilibili`).
pub fn default_endpoint(platform: &str) -> Option<&'static str> {
    match platform {
        "twitch" => Some(crate::twitch::DEFAULT_ENDPOINT),
        "youtube" => Some(crate::youtube::DEFAULT_ENDPOINT),
        "bilibili" => Some(crate::bilibili::DEFAULT_ENDPOINT),
        _ => None,
    }
}

/// True when `endpoint` is `platform`'s own default endpoint (exactly, a trailing `/` aside):
/// the only place a stored key may be sent.
pub fn is_default_endpoint(platform: &str, endpoint: &str) -> bool {
    default_endpoint(platform).is_some_and(|default| {
        endpoint.trim().trim_end_matches('/') == default.trim_end_matches('/')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secure_anywhere_plain_only_on_loopback() {
        for ok in [
            "wss://broadcastlv.chat.bilibili.com/sub",
            "ws://127.0.0.1:9000/sub",
            "ws://127.8.9.10/",
            "ws://localhost:1",
            "ws://[::1]:80/x",
        ] {
            assert!(
                check_endpoint(ok, Transport::WebSocket, "t").is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "ws://example.com/sub",
            "ws://10.0.0.1/sub",
            "ws://0.0.0.0/sub",
            "ws://localhost.example.com/",
            "ws://127.0.0.1.nip.io/",
            "https://example.com/",
            "http://127.0.0.1/",
            "ftp://127.0.0.1/",
            "not a url",
            "wss://user:pass@example.com/",
            "ws://[::2]/",
        ] {
            assert!(
                check_endpoint(bad, Transport::WebSocket, "t").is_err(),
                "{bad}"
            );
        }
        assert!(check_endpoint(
            "https://www.googleapis.com/youtube/v3",
            Transport::Http,
            "y"
        )
        .is_ok());
        assert!(check_endpoint("http://127.0.0.1:8080/v3", Transport::Http, "y").is_ok());
        assert!(check_endpoint("http://evil.example/v3", Transport::Http, "y").is_err());
    }

    #[test]
    fn default_endpoints_are_exact() {
        assert!(is_default_endpoint(
            "bilibili",
            "wss://broadcastlv.chat.bilibili.com/sub"
        ));
        assert!(is_default_endpoint(
            "youtube",
            "https://www.googleapis.com/youtube/v3/"
        ));
        assert!(!is_default_endpoint(
            "youtube",
            "https://www.googleapis.com.evil.example/youtube/v3"
        ));
        assert!(!is_default_endpoint(
            "bilibili",
            "ws://broadcastlv.chat.bilibili.com/sub"
        ));
        assert!(!is_default_endpoint("douyin", "wss://x"));
    }
}
