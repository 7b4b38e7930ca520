//! The obs-websocket v5 protocol, server side, as OBS itself speaks it: what Companion, Stream
//! Deck tools, Streamer.bot and the client libraries (obsws-python, simpleobsws,
//! obs-websocket-js) expect of a server. This crate knows the wire and the session; what a
//! request *does* is the studio's, through [`Handler`].
//!
//! - [`message`]: frames in JSON or MessagePack, the checks on each message, its close code;
//! - [`auth`]: the salted-challenge authentication;
//! - [`session`]: Hello, Identify, Reidentify, requests, batches (with `Sleep`) and events
//!   filtered by each client's subscriptions;
//! - [`codes`]: op codes, close codes, status codes, subscription bits.

pub mod auth;
pub mod codes;
pub mod message;
pub mod session;

pub use codes::{op, status, subscription, CloseCode, ExecutionType};
pub use message::{Encoding, Frame, JSON_SUBPROTOCOL, MSGPACK_SUBPROTOCOL};
pub use session::{run, Call, Event, Handler, Reply, ServerConfig, Session, SessionStats};
