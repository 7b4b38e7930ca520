//! TikTok LIVE through [tiktok-live-connector](https://github.com/zerodytrash/TikTok-Live-Connector)
//! (the Node library most TikTok tools are built on). A small script forwards its events to
//! `POST /events/tiktok` as `{"event": NAME, "data": DATA}` (one, or an array), with the
//! shapes its README documents:
//!
//! | event | fields read | becomes |
//! | --- | --- | --- |
//! | `chat` | `comment`, `msgId`, `createTime`, the user | `chat` |
//! | `gift` | `giftId`, `giftName`, `giftType`, `repeatCount`, `repeatEnd`, `diamondCount`, `groupId` | `gift` in `diamonds`, counted once per streak |
//! | `like` | `likeCount` | `like` |
//! | `follow`, and `social` whose `displayType` is a follow | the user | `follow` |
//! | `member` | the user | `join` |
//! | `roomUser` | `viewerCount` | `viewers` |
//! | `subscribe` | `subMonth` | `subscription` |
//!
//! The user is `userId`, `uniqueId`, `nickname`, `isModerator`, `isSubscriber` (flat, as in
//! 1.x) or the same inside `user` (2.x). What is lost: pictures, badges other than moderator
//! and subscriber, `topViewers`, shares, envelopes and questions, and the progress of a gift
//! streak (only its final count is a gift).
//!
//! A streakable gift (`giftType` 1) sends an event for every step with `repeatEnd: false` and a
//! last one with `repeatEnd: true` and the streak's `repeatCount`: only that last one counts.
//! A streak whose end never comes (the connector lost the room) counts with its highest step
//! once it has been quiet for [`STREAK_TIMEOUT`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;

use crate::amount::Amount;
use crate::event::{time_from_millis, AudienceEvent, EventBody, Gift, User};

pub const PLATFORM: &str = "tiktok";
/// A streak with no end for this long counts as ended.
pub const STREAK_TIMEOUT: Duration = Duration::from_secs(30);
/// Streaks followed at once; the oldest is counted when more begin.
const MAX_STREAKS: usize = 10_000;

struct Streak {
    event: AudienceEvent,
    last: Instant,
}

/// Turns tiktok-live-connector events into audience events, keeping open gift streaks.
#[derive(Default)]
pub struct TikTokAdapter {
    streaks: HashMap<String, Streak>,
    /// Events of kinds that have no audience event (shares, envelopes…).
    pub ignored: u64,
}

impl TikTokAdapter {
    /// The events in `body` (one `{"event", "data"}` or an array), for `room`, and any streak
    /// that timed out. An error says what is wrong with the body.
    pub fn read(&mut self, body: &str, room: &str) -> Result<Vec<AudienceEvent>, String> {
        self.read_at(body, room, Instant::now())
    }

    pub fn read_at(&mut self, body: &str, room: &str, now: Instant) -> Result<Vec<AudienceEvent>, String> {
        let value: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
        let messages = match value {
            Value::Array(messages) => messages,
            one => vec![one],
        };
        let mut out = self.expired(now);
        for message in &messages {
            let name = message.get("event").and_then(Value::as_str).ok_or("each message needs an `event` name")?;
            let data = message.get("data").filter(|d| d.is_object()).ok_or("each message needs a `data` object")?;
            self.event(name, data, room, now, &mut out);
        }
        Ok(out)
    }

    /// Streaks quiet for [`STREAK_TIMEOUT`], counted with their highest step.
    pub fn expired(&mut self, now: Instant) -> Vec<AudienceEvent> {
        let done: Vec<String> = self
            .streaks
            .iter()
            .filter(|(_, s)| now.duration_since(s.last) >= STREAK_TIMEOUT)
            .map(|(k, _)| k.clone())
            .collect();
        done.into_iter().filter_map(|k| self.streaks.remove(&k)).map(|s| s.event).collect()
    }

    fn event(&mut self, name: &str, data: &Value, room: &str, now: Instant, out: &mut Vec<AudienceEvent>) {
        let body = match name {
            "chat" => {
                EventBody::Chat { text: text(data, "comment").unwrap_or_default().to_owned(), emotes: Vec::new() }
            }
            "gift" => return self.gift(data, room, now, out),
            "like" => EventBody::Like { count: number(data, "likeCount").unwrap_or(1).max(1) },
            "follow" => EventBody::Follow {},
            "social" if text(data, "displayType").is_some_and(|t| t.contains("follow")) => EventBody::Follow {},
            "member" => EventBody::Join { count: 1, via: None },
            "roomUser" => match number(data, "viewerCount") {
                Some(viewers) => EventBody::Viewers { viewers },
                None => return,
            },
            "subscribe" => EventBody::Subscription {
                tier: String::new(),
                months: number(data, "subMonth").and_then(|m| u32::try_from(m).ok()),
                text: None,
            },
            _ => {
                self.ignored += 1;
                return;
            }
        };
        out.push(event(name, data, room, body));
    }

    fn gift(&mut self, data: &Value, room: &str, now: Instant, out: &mut Vec<AudienceEvent>) {
        let count = number(data, "repeatCount").unwrap_or(1).max(1);
        let gift = Gift {
            name: text(data, "giftName")
                .or_else(|| text(data.get("giftDetails")?, "giftName"))
                .unwrap_or("gift")
                .to_owned(),
            count,
            unit_value: Amount::from_units(number(data, "diamondCount").unwrap_or(0).min(i64::MAX as u64) as i64),
            currency: "diamonds".into(),
        };
        let streakable = number(data, "giftType") == Some(1);
        let ended = data.get("repeatEnd").and_then(Value::as_bool).unwrap_or(true);
        let event = event("gift", data, room, EventBody::Gift { gift, text: None });
        if !streakable {
            out.push(event);
            return;
        }
        let user = event.user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
        let key = format!(
            "{user}/{}/{}",
            id_of(data, "giftId").unwrap_or_default(),
            id_of(data, "groupId").unwrap_or_default()
        );
        if ended {
            self.streaks.remove(&key);
            out.push(event);
            return;
        }
        if self.streaks.len() >= MAX_STREAKS && !self.streaks.contains_key(&key) {
            // The oldest open streak is counted now rather than lost.
            let oldest = self.streaks.iter().min_by_key(|(_, s)| s.last).map(|(k, _)| k.clone());
            if let Some(oldest) = oldest.and_then(|k| self.streaks.remove(&k)) {
                out.push(oldest.event);
            }
        }
        self.streaks.insert(key, Streak { event, last: now });
    }
}

fn user_field<'a>(data: &'a Value, key: &str) -> Option<&'a Value> {
    data.get(key).or_else(|| data.get("user")?.get(key))
}

fn text<'a>(data: &'a Value, key: &str) -> Option<&'a str> {
    data.get(key).and_then(Value::as_str)
}

/// A number that may come as a JSON number or a string (the connector passes 64-bit ids and
/// times as strings).
fn number(data: &Value, key: &str) -> Option<u64> {
    match data.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn id_of(data: &Value, key: &str) -> Option<String> {
    match data.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn event(name: &str, data: &Value, room: &str, body: EventBody) -> AudienceEvent {
    let user_id = user_field(data, "userId").map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
    let unique = user_field(data, "uniqueId").and_then(Value::as_str);
    let nickname = user_field(data, "nickname").and_then(Value::as_str);
    let user = (user_id.is_some() || unique.is_some()).then(|| {
        let mut badges = Vec::new();
        if user_field(data, "isModerator").and_then(Value::as_bool) == Some(true) {
            badges.push("moderator".to_owned());
        }
        if user_field(data, "isSubscriber").and_then(Value::as_bool) == Some(true) {
            badges.push("subscriber".to_owned());
        }
        User {
            id: user_id.clone().or_else(|| unique.map(str::to_owned)).unwrap_or_default(),
            name: nickname.or(unique).unwrap_or_default().to_owned(),
            badges,
        }
    });
    let at = number(data, "createTime").and_then(|ms| time_from_millis(ms as i64)).unwrap_or_else(Utc::now);
    let id = id_of(data, "msgId").map(|m| format!("tiktok:{m}")).unwrap_or_else(|| {
        // No message id (roomUser, some likes): one from what the event says, so a repeat
        // sent twice is still dropped once.
        use std::hash::{Hash, Hasher};
        let mut hash = std::collections::hash_map::DefaultHasher::new();
        data.to_string().hash(&mut hash);
        format!("tiktok:{name}:{:016x}", hash.finish())
    });
    let mut event = AudienceEvent { platform: PLATFORM.into(), room: room.to_owned(), id, at, user, body };
    event.clamp();
    event
}
