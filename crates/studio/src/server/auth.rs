//! The access token every `/api` route requires: `Authorization: Bearer TOKEN`, or
//! `?token=TOKEN` where a client cannot set headers (a WebSocket, an `<img>` preview).

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::protocol::{ErrorKind, StudioError};

/// The token, compared in constant time so its length and prefix do not leak by timing.
#[derive(Clone)]
pub struct AccessToken(std::sync::Arc<str>);

impl AccessToken {
    pub fn new(token: &str) -> AccessToken {
        AccessToken(token.into())
    }

    fn matches(&self, offered: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), offered.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// The token a request offers, from its header or its query string.
fn offered(request: &Request) -> Option<String> {
    let from_header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    from_header.or_else(|| {
        request.uri().query().and_then(|query| {
            query.split('&').find_map(|pair| pair.strip_prefix("token=")).map(percent_decode)
        })
    })
}

/// Tokens are hex, but a client may still escape characters; undo `%XX` only.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Lets a request through only with the right token; answers 401 otherwise.
pub async fn require_token(State(token): State<AccessToken>, request: Request, next: Next) -> Response {
    match offered(&request) {
        Some(offered) if token.matches(&offered) => next.run(request).await,
        _ => (
            StatusCode::UNAUTHORIZED,
            Json(StudioError::new(ErrorKind::Unauthorized, "a valid access token is needed: open the link kaibo serve printed")),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_whole_tokens() {
        let token = AccessToken::new("abc123");
        assert!(token.matches("abc123"));
        assert!(!token.matches("abc12"));
        assert!(!token.matches("abc1234"));
        assert!(!token.matches(""));
    }

    #[test]
    fn decodes_escaped_query_values() {
        assert_eq!(percent_decode("a%2Bb"), "a+b");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
