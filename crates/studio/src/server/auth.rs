//! The access token every `/api` route requires: `Authorization: Bearer TOKEN`, or
//! `?token=TOKEN` where a client cannot set headers (a WebSocket, an `<img>` preview).
//! The report page also opens with a one-use ticket (`?ticket=...`), so a browser tab never
//! keeps the token in its address or history.
//!
//! Tokens come from the environment (`KAIBO_TOKEN`, `KAIBO_BRIDGE_TOKEN`) and must be at
//! least 16 characters; unset, one is generated ([`token_from_env`]).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// The token in environment variable `var`, if one is set; an error in words when it is
/// unfit (shorter than 16 characters, or with spaces).
pub fn configured_token(var: &str) -> Result<Option<String>, String> {
    match std::env::var(var) {
        Ok(token) if !token.trim().is_empty() => match audience::http_guard::token_problem(var, &token) {
            Some(problem) => Err(problem),
            None => Ok(Some(token)),
        },
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(format!("{var} is not text: choose a token of letters and digits"))
        }
    }
}

/// The token in `var` (`KAIBO_TOKEN`), or a new random one when it is unset; an error in
/// words when the one set is unfit. The desktop app's remote console uses it too.
pub fn token_from_env(var: &str) -> Result<String, String> {
    Ok(configured_token(var)?.unwrap_or_else(audience::bridge::generate_token))
}

/// One-use report links: each ticket opens `/api/report` once, within a minute.
#[derive(Clone, Default)]
pub struct Tickets(Arc<Mutex<VecDeque<(String, Instant)>>>);

/// How long a report link stays good.
const TICKET_LIFETIME: Duration = Duration::from_secs(60);
/// Tickets kept at once; the oldest goes first.
const MAX_TICKETS: usize = 16;

impl Tickets {
    /// A new ticket.
    pub fn issue(&self) -> String {
        let ticket = audience::bridge::generate_token();
        let mut tickets = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        tickets.retain(|(_, at)| at.elapsed() < TICKET_LIFETIME);
        while tickets.len() >= MAX_TICKETS {
            tickets.pop_front();
        }
        tickets.push_back((ticket.clone(), Instant::now()));
        ticket
    }

    /// Whether `offered` is a live ticket; it is used up either way.
    fn redeem(&self, offered: &str) -> bool {
        let mut tickets = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        tickets.retain(|(_, at)| at.elapsed() < TICKET_LIFETIME);
        let found = tickets.iter().position(|(ticket, _)| AccessToken::new(ticket).matches(offered));
        found.and_then(|index| tickets.remove(index)).is_some()
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
        request
            .uri()
            .query()
            .and_then(|query| query.split('&').find_map(|pair| pair.strip_prefix("token=")).map(percent_decode))
    })
}

/// Tokens are hex, but a client may still escape characters; undo `%XX` only.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
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
        _ => unauthorized("a valid access token is needed: open the link kaibo serve printed"),
    }
}

/// The report page: the token, or a ticket from `POST /api/report/ticket`.
pub async fn require_token_or_ticket(
    State((token, tickets)): State<(AccessToken, Tickets)>,
    request: Request,
    next: Next,
) -> Response {
    let ticket = request
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("ticket=")).map(percent_decode));
    match ticket {
        Some(ticket) if tickets.redeem(&ticket) => next.run(request).await,
        Some(_) => {
            let said = crate::said::TICKET_USED.say(&[]);
            (StatusCode::UNAUTHORIZED, Json(StudioError::said(ErrorKind::Unauthorized, said))).into_response()
        }
        None => require_token(State(token), request, next).await,
    }
}

fn unauthorized(message: &str) -> Response {
    (StatusCode::UNAUTHORIZED, Json(StudioError::new(ErrorKind::Unauthorized, message))).into_response()
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
    fn a_ticket_opens_once() {
        let tickets = Tickets::default();
        let ticket = tickets.issue();
        assert!(!tickets.redeem("not-a-ticket"));
        assert!(tickets.redeem(&ticket));
        assert!(!tickets.redeem(&ticket), "used up");
        let many: Vec<String> = (0..MAX_TICKETS + 1).map(|_| tickets.issue()).collect();
        assert!(!tickets.redeem(&many[0]), "the oldest went first");
        assert!(tickets.redeem(&many[MAX_TICKETS]));
    }

    #[test]
    fn decodes_escaped_query_values() {
        assert_eq!(percent_decode("a%2Bb"), "a+b");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
