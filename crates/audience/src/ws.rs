//! Opening WebSocket connections with a deadline and a size limit, shared by the Twitch and
//! Bilibili connectors.

use std::time::Duration;

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::AudienceError;

/// A client WebSocket, plain (loopback tests) or TLS (the platforms).
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long connecting may take before it counts as a failed attempt.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects to `url`, naming `what` in errors. A message (or frame) longer than
/// `max_message` bytes ends the connection instead of growing a buffer without bound.
pub async fn connect(url: &str, what: &str, max_message: usize) -> Result<Socket, AudienceError> {
    let config = WebSocketConfig::default().max_message_size(Some(max_message)).max_frame_size(Some(max_message));
    let connecting = tokio_tungstenite::connect_async_with_config(url, Some(config), true);
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok((socket, _response))) => Ok(socket),
        Ok(Err(error)) => Err(AudienceError::connect(what, error)),
        Err(_) => Err(AudienceError::Timeout(what.to_owned())),
    }
}
