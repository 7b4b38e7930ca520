//! `AudienceEvent`, the one normalized event every connector produces.
//!
//! Its JSON form is a contract: the UI, the bridge and outside tools read and write it, so
//! field names here change only together with docs/audience.md. A flat object carries
//! `platform`, `room`, `id`, `at`, `kind`, an optional `user`, and the fields of its kind.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::amount::Amount;

/// One thing the audience did, normalized across platforms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudienceEvent {
    /// `twitch`, `youtube`, `bilibili`, `simulator`, or whatever a bridge sender names
    /// (`douyin`, `tiktok`, `kuaishou`, `taobao`).
    pub platform: String,
    /// The channel, live chat or room the event came from.
    pub room: String,
    /// Unique and stable: the platform's own id where it has one, so duplicates are dropped.
    pub id: String,
    /// When it happened (RFC 3339; any offset is accepted, UTC is written).
    pub at: DateTime<Utc>,
    /// Who did it, where the platform says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// What happened: `kind` and its fields.
    #[serde(flatten)]
    pub body: EventBody,
}

/// A viewer as the platform presents them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The platform's user id (may be empty where the platform masks it).
    pub id: String,
    /// The display name.
    pub name: String,
    /// Badges such as `moderator`, `subscriber/12`, `guard/3`, `member`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub badges: Vec<String>,
}

/// An emote inside chat text: characters `start..end` (Unicode scalar values, end exclusive).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmoteRange {
    /// The platform's emote id.
    pub id: String,
    /// First character of the emote.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
}

/// A gift in the platform's own unit: never converted, because exchange rates are not ours to guess.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gift {
    /// The gift's name (`辣条`, `bits`, `Tier 1 sub`).
    pub name: String,
    /// How many were sent at once.
    pub count: u64,
    /// The value of one, in `currency`.
    pub unit_value: Amount,
    /// A real currency (`CNY`) or a platform coin (`bits`, `gold`, `silver`, `subs`).
    pub currency: String,
}

impl Gift {
    /// `count * unit_value`, or `None` if that overflows.
    pub fn total(&self) -> Option<Amount> {
        self.unit_value.checked_mul(self.count)
    }
}

/// The kind of an event and what that kind carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventBody {
    /// A chat message.
    Chat {
        /// The message as sent.
        text: String,
        /// Emotes inside `text`, where the platform gives them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        emotes: Vec<EmoteRange>,
    },
    /// A paid gift, in the platform's unit.
    Gift {
        /// What was sent.
        gift: Gift,
        /// The message that came with it (Twitch cheers).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// A paid, highlighted message (YouTube Super Chat or Super Sticker, Bilibili 醒目留言).
    SuperChat {
        /// What was paid.
        amount: Amount,
        /// In which currency.
        currency: String,
        /// The message (empty for a sticker).
        #[serde(default)]
        text: String,
        /// The platform's tier, where it has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tier: Option<u32>,
    },
    /// Likes (Bilibili clicks, bridge hearts).
    Like {
        /// How many at once.
        #[serde(default = "one")]
        count: u64,
    },
    /// A new follower.
    Follow {},
    /// Someone entered the room; a raid brings `count` viewers at once.
    Join {
        /// How many came (1 for a single viewer).
        #[serde(default = "one")]
        count: u64,
        /// `raid` when another channel sent them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<String>,
    },
    /// A subscription or membership (Twitch sub, Bilibili 舰长, YouTube member).
    Subscription {
        /// The plan or level (`1000`, `Prime`, `舰长`).
        #[serde(default)]
        tier: String,
        /// Cumulative months, where known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        months: Option<u32>,
        /// The message shared with it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// A purchase in the shop, from a commerce console through the bridge.
    Order {
        /// The product id (as in the show's catalogue).
        product: String,
        /// How many.
        quantity: u64,
        /// The total paid.
        amount: Amount,
        /// In which currency.
        currency: String,
        /// Units of this product left in stock after the order, when the shop says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stock_left: Option<u64>,
    },
    /// The audience size the platform reports (Bilibili's popularity, a console's viewer count).
    Viewers {
        /// The count.
        viewers: u64,
    },
}

fn one() -> u64 {
    1
}

impl EventBody {
    /// The `kind` as written in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::Chat { .. } => "chat",
            EventBody::Gift { .. } => "gift",
            EventBody::SuperChat { .. } => "super_chat",
            EventBody::Like { .. } => "like",
            EventBody::Follow {} => "follow",
            EventBody::Join { .. } => "join",
            EventBody::Subscription { .. } => "subscription",
            EventBody::Order { .. } => "order",
            EventBody::Viewers { .. } => "viewers",
        }
    }
}

/// The longest chat text kept, in characters (Unicode scalar values); the rest is cut.
pub const MAX_TEXT_CHARS: usize = 500;
/// The longest user name kept, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The most badges kept per user.
pub const MAX_BADGES: usize = 32;

/// Cuts `text` to at most `max` characters, never inside a UTF-8 character.
pub fn cut_chars(text: &mut String, max: usize) {
    if let Some((at, _)) = text.char_indices().nth(max) {
        text.truncate(at);
    }
}

impl AudienceEvent {
    /// Cuts what a viewer wrote to [`MAX_TEXT_CHARS`] (names to [`MAX_NAME_CHARS`]), and drops
    /// emote ranges that no longer fit. Connectors call it on every event they send.
    pub fn clamp(&mut self) {
        match &mut self.body {
            EventBody::Chat { text, emotes } => {
                cut_chars(text, MAX_TEXT_CHARS);
                emotes.retain(|e| e.end <= MAX_TEXT_CHARS);
            }
            EventBody::Gift { text: Some(text), .. } | EventBody::Subscription { text: Some(text), .. } => cut_chars(text, MAX_TEXT_CHARS),
            EventBody::SuperChat { text, .. } => cut_chars(text, MAX_TEXT_CHARS),
            _ => {}
        }
        if let Some(user) = &mut self.user {
            cut_chars(&mut user.name, MAX_NAME_CHARS);
            user.badges.truncate(MAX_BADGES);
        }
    }

    /// One JSON line, as `kaibo listen` prints it.
    pub fn to_json_line(&self) -> String {
        // Serializing this type cannot fail: every field is a string, number or plain struct.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Parses an RFC 3339 time, or `None`.
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

/// A Unix time in milliseconds, or `None` when out of range.
pub(crate) fn time_from_millis(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}
