//! Adapters for the community connectors streamers already run for platforms with no open
//! chat API: they post those tools' own event JSON to the bridge, and an adapter turns it
//! into [`AudienceEvent`](crate::event::AudienceEvent)s.
//!
//! - [`tiktok`]: TikTok LIVE through tiktok-live-connector (`POST /events/tiktok`).

pub mod tiktok;
