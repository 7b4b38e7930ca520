//! Opening WebSocket connections with a deadline, shared by the Twitch and Bilibili connectors.

use std::time::Duration;

use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::AudienceError;

/// A client WebSocket, plain (loopback tests) or TLS (the platforms).
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long connecting may take before it counts as a failed attempt.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects to `url`, naming `what` in errors.
pub async fn connect(url: &str, what: &str) -> Result<Socket, AudienceError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(url)).await {
        Ok(Ok((socket, _response))) => Ok(socket),
        Ok(Err(error)) => Err(AudienceError::connect(what, error)),
        Err(_) => Err(AudienceError::Timeout(what.to_owned())),
    }
}
