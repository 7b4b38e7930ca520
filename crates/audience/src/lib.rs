//! The audience path: what viewers say and send, from every platform, as one [`AudienceEvent`].
//!
//! Connectors ([`twitch`], [`youtube`], [`bilibili`], [`bridge`], [`simulator`]) are tokio
//! tasks sending events on an mpsc channel. [`moderation`] hides or masks what must not reach
//! the screen; [`tally`] counts gifts exactly; [`store`] writes everything to SQLite as it
//! arrives. The JSON form of an event is documented in docs/audience.md.

pub mod adapters;
pub mod amount;
pub mod backoff;
pub mod bilibili;
pub mod bridge;
pub mod connector;
pub mod dedup;
pub mod endpoint;
pub mod error;
pub mod event;
pub mod http_guard;
pub mod moderation;
pub mod report;
pub mod session;
pub mod simulator;
pub mod store;
pub mod tally;
pub mod twitch;
pub mod ws;
pub mod youtube;

pub use amount::Amount;
pub use connector::{ConnectorHandle, ConnectorStats, ConnectorStatus, StatsSnapshot};
pub use error::AudienceError;
pub use event::{AudienceEvent, EmoteRange, EventBody, Gift, User};
