//! The doors every HTTP server of the studio shares: the control server (`kaibo serve`) and
//! the audience bridge. Both face the same callers (a browser on the same machine, a tool on
//! the network), so both keep the same limits:
//!
//! - at most [`MAX_CONNECTIONS`] connections at once (a WebSocket counts until it closes);
//!   the next ones wait in the kernel's queue until one closes;
//! - a request's headers must arrive within [`HEADER_READ_TIMEOUT`], or the connection is
//!   closed (no slowloris; an idle keep-alive connection is closed the same way);
//! - bodies and WebSocket messages up to [`MAX_BODY`] and [`MAX_WS_MESSAGE`] (the routes set
//!   them; 413 above);
//! - only requests whose `Host` is one of the server's own names ([`AllowedHosts`]): a web
//!   page on another site whose name a DNS trick points at 127.0.0.1 gets 421;
//! - a WebSocket upgrade from a web page of another origin gets 403 (no `Origin` at all is a
//!   native client, and allowed).
//!
//! It lives in the audience crate because the bridge is here and the studio crate sits above.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};

/// The largest request body a route reads (a command, a batch of bridge events).
pub const MAX_BODY: usize = 1 << 20;
/// The largest WebSocket message (and frame) a server reads.
pub const MAX_WS_MESSAGE: usize = 1 << 20;
/// Connections served at once, per server.
pub const MAX_CONNECTIONS: usize = 256;
/// How long a client may take to send a request's headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The fewest characters an access token may have.
pub const MIN_TOKEN_CHARS: usize = 16;
/// How long, after shutdown, a request still running may take to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Why a token cannot be used, in words for the person who chose it; `None` when it is fine.
/// `what` names where it came from (`KAIBO_TOKEN`).
pub fn token_problem(what: &str, token: &str) -> Option<String> {
    if token.chars().count() < MIN_TOKEN_CHARS {
        return Some(format!(
            "{what} is too short: an access token needs at least {MIN_TOKEN_CHARS} characters \
             (unset it and one is generated)"
        ));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Some(format!(
            "{what} may hold only letters, digits and punctuation (no spaces)"
        ));
    }
    None
}

/// The `Host` names a server answers to: loopback names and addresses on its port, the
/// address it is bound to, and names given with `--host`.
#[derive(Clone, Debug)]
pub struct AllowedHosts {
    port: u16,
    bound: IpAddr,
    names: Arc<[String]>,
}

impl AllowedHosts {
    /// For a server bound to `bound`, also answering to `names` (`studio.lan`).
    pub fn new(bound: SocketAddr, names: &[String]) -> AllowedHosts {
        let names = names
            .iter()
            .map(|n| normalize(n))
            .filter(|n| !n.is_empty())
            .collect();
        AllowedHosts {
            port: bound.port(),
            bound: bound.ip(),
            names,
        }
    }

    /// Whether a request with this `Host` header is for this server.
    pub fn allows(&self, host: &str) -> bool {
        if host.contains('@') {
            return false;
        }
        let Ok(authority) = host.parse::<axum::http::uri::Authority>() else {
            return false;
        };
        if authority.port_u16().unwrap_or(80) != self.port {
            return false;
        }
        let name = normalize(authority.host());
        if name == "localhost" {
            return true;
        }
        let literal = name
            .strip_prefix('[')
            .and_then(|n| n.strip_suffix(']'))
            .unwrap_or(&name);
        if let Ok(ip) = literal.parse::<IpAddr>() {
            // An address is no DNS name a page could rebind; a server bound to every address
            // (0.0.0.0, with --allow-remote) does not know which of them are its own.
            return ip.is_loopback() || ip == self.bound || self.bound.is_unspecified();
        }
        self.names.contains(&name)
    }
}

fn normalize(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Middleware: 421 for a request to another name, 403 for a WebSocket upgrade from a page
/// of another origin.
pub async fn check_host_and_origin(
    State(hosts): State<AllowedHosts>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.to_string()));
    let Some(host) = host.filter(|h| hosts.allows(h)) else {
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "This address is not the studio's own: open the link kaibo serve printed \
             (or start it with --host NAME for a name of your own).\n",
        )
            .into_response();
    };
    if is_websocket_upgrade(request.headers()) && !same_origin(request.headers(), &host) {
        return (
            StatusCode::FORBIDDEN,
            "A WebSocket from a page of another site is refused.\n",
        )
            .into_response();
    }
    next.run(request).await
}

fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    headers.get_all(header::UPGRADE).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("websocket"))
    })
}

/// No `Origin` (a native client) or exactly `http://HOST`.
fn same_origin(headers: &HeaderMap, host: &str) -> bool {
    let mut origins = headers.get_all(header::ORIGIN).iter();
    match (origins.next(), origins.next()) {
        (None, _) => true,
        (Some(origin), None) => origin
            .to_str()
            .is_ok_and(|o| o.eq_ignore_ascii_case(&format!("http://{host}"))),
        (Some(_), Some(_)) => false,
    }
}

/// Serves `app` on `listener` with the limits above until `shutdown` resolves; then stops
/// accepting, lets running requests finish (a few seconds at most) and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection task holds a sender; `recv` gives `None` once all are gone.
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // A peer that went away before the accept costs nothing; out of file
                    // descriptors, wait a little for some to close.
                    if !is_connection_error(&error) {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(Counted {
            stream,
            _permit: permit,
        });
        let service = TowerToHyperService::new(app.clone());
        let mut stop = stop_rx.clone();
        let alive = alive_tx.clone();
        tokio::spawn(async move {
            let _alive = alive;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT);
            let connection = builder.serve_connection(io, service).with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = stop.wait_for(|stop| *stop) => {}
            }
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, connection).await;
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(alive_tx);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE * 2, alive_rx.recv()).await;
    Ok(())
}

fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// A connection that holds its place among the [`MAX_CONNECTIONS`] until it is dropped,
/// also after an upgrade to a WebSocket.
struct Counted {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(bound: &str, names: &[&str]) -> AllowedHosts {
        AllowedHosts::new(
            bound.parse().expect("address"),
            &names.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn loopback_names_on_the_port() {
        let h = hosts("127.0.0.1:8417", &[]);
        for ok in [
            "localhost:8417",
            "LOCALHOST:8417",
            "127.0.0.1:8417",
            "127.9.0.1:8417",
            "[::1]:8417",
            "localhost.:8417",
        ] {
            assert!(h.allows(ok), "{ok}");
        }
        for refused in [
            "evil.example:8417",
            "localhost:80",
            "localhost",
            "127.0.0.1:1",
            "10.0.0.2:8417",
            "",
            "user@localhost:8417",
            "localhost.evil.example:8417",
            "localhost:8417/x",
        ] {
            assert!(!h.allows(refused), "{refused}");
        }
    }

    #[test]
    fn named_hosts_and_the_bound_address() {
        let h = hosts("192.168.1.5:9000", &["Studio.LAN"]);
        assert!(h.allows("studio.lan:9000"));
        assert!(h.allows("192.168.1.5:9000"));
        assert!(!h.allows("192.168.1.6:9000"));
        assert!(!h.allows("other.lan:9000"));
        let any = hosts("0.0.0.0:9000", &[]);
        assert!(
            any.allows("192.168.1.6:9000"),
            "bound to every address, any address is its own"
        );
        assert!(!any.allows("studio.lan:9000"), "but no name without --host");
        let port80 = hosts("127.0.0.1:80", &[]);
        assert!(port80.allows("localhost"), "port 80 may be left out");
    }

    #[test]
    fn origins() {
        let mut headers = HeaderMap::new();
        assert!(
            same_origin(&headers, "localhost:1"),
            "no Origin: a native client"
        );
        headers.insert(header::ORIGIN, "http://localhost:1".parse().expect("value"));
        assert!(same_origin(&headers, "localhost:1"));
        assert!(!same_origin(&headers, "127.0.0.1:1"));
        headers.insert(
            header::ORIGIN,
            "http://evil.example".parse().expect("value"),
        );
        assert!(!same_origin(&headers, "localhost:1"));
        headers.insert(header::ORIGIN, "null".parse().expect("value"));
        assert!(!same_origin(&headers, "localhost:1"));
    }

    #[test]
    fn tokens() {
        assert!(token_problem("KAIBO_TOKEN", "short").is_some_and(|m| m.contains("16")));
        assert!(token_problem("KAIBO_TOKEN", "0123456789abcdef").is_none());
        assert!(token_problem("KAIBO_TOKEN", "0123456789 abcdef").is_some());
    }
}
