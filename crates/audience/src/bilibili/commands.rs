//! Bilibili command JSON (`{"cmd": ..., "data"/"info": ...}`) into [`AudienceEvent`]s.
//!
//! Field positions follow the web client's messages. Anything missing a field the event needs
//! is malformed; commands we do not use are unknown. Neither is ever fatal.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::amount::Amount;
use crate::event::{time_from_millis, AudienceEvent, EventBody, Gift, User};

/// What one command means for the audience.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// An event to send on.
    Event(Box<AudienceEvent>),
    /// A command we do not turn into events (`ONLINE_RANK_COUNT`, `STOP_LIVE_ROOM_LIST`, ...).
    Unknown,
    /// Not the shape its `cmd` promises.
    Malformed,
}

/// Reads one command body. `seq` makes ids unique for commands that carry none (likes).
pub fn map_command(body: &[u8], room: &str, seq: u64) -> Command {
    let Ok(json) = serde_json::from_slice::<Value>(body) else { return Command::Malformed };
    let Some(cmd) = json.get("cmd").and_then(Value::as_str) else { return Command::Malformed };
    // Newer servers append protocol flags: `DANMU_MSG:4:0:2:2:2:0`.
    let cmd = cmd.split(':').next().unwrap_or(cmd);
    let mapped = match cmd {
        "DANMU_MSG" => danmu(&json, room),
        "SEND_GIFT" => send_gift(&json["data"], room),
        "SUPER_CHAT_MESSAGE" => super_chat(&json["data"], room),
        "GUARD_BUY" => guard_buy(&json["data"], room),
        "INTERACT_WORD" => match interact(&json["data"], room) {
            Some(Some(event)) => Some(event),
            Some(None) => return Command::Unknown,
            None => None,
        },
        "LIKE_INFO_V3_CLICK" => like(&json["data"], room, seq),
        _ => return Command::Unknown,
    };
    match mapped {
        Some(event) => Command::Event(Box::new(event)),
        None => Command::Malformed,
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn unsigned(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

fn seconds(value: &Value) -> Option<DateTime<Utc>> {
    value.as_i64().and_then(|s| DateTime::from_timestamp(s, 0))
}

fn event(room: &str, id: String, at: Option<DateTime<Utc>>, user: Option<User>, body: EventBody) -> AudienceEvent {
    AudienceEvent {
        platform: "bilibili".into(),
        room: room.to_owned(),
        id,
        at: at.unwrap_or_else(Utc::now),
        user,
        body,
    }
}

fn user(id: &Value, name: &Value) -> Option<User> {
    Some(User { id: text(id).unwrap_or_default(), name: text(name)?, badges: Vec::new() })
}

/// `info[0][4]` ms time, `info[1]` text, `info[2]` `[uid, uname, is_admin, ...]`,
/// `info[3]` medal `[level, name, ...]`, `info[7]` guard level, `info[9].ct` a checksum.
fn danmu(json: &Value, room: &str) -> Option<AudienceEvent> {
    let info = json.get("info")?.as_array()?;
    let text = info.get(1)?.as_str()?.to_owned();
    let sender = info.get(2)?.as_array()?;
    let mut user = user(sender.first()?, sender.get(1)?)?;
    if sender.get(2).and_then(Value::as_u64) == Some(1) {
        user.badges.push("moderator".into());
    }
    if let Some(medal) = info.get(3).and_then(Value::as_array).filter(|m| m.len() >= 2) {
        if let (Some(level), Some(name)) = (medal[0].as_u64(), medal[1].as_str()) {
            user.badges.push(format!("medal/{name}/{level}"));
        }
    }
    if let Some(guard) = info.get(7).and_then(Value::as_u64).filter(|g| *g > 0) {
        user.badges.push(format!("guard/{guard}"));
    }
    let meta = info.first()?.as_array()?;
    let millis = meta.get(4).and_then(Value::as_i64);
    let extra_id = meta
        .get(15)
        .and_then(|m| m.get("extra"))
        .and_then(Value::as_str)
        .and_then(|extra| serde_json::from_str::<Value>(extra).ok())
        .and_then(|extra| extra.get("id_str").and_then(Value::as_str).map(str::to_owned))
        .filter(|id| !id.is_empty());
    let id = match extra_id {
        Some(id) => id,
        None => {
            let ct = info.get(9).and_then(|m| m.get("ct")).and_then(Value::as_str).unwrap_or("");
            format!("danmu-{}-{}-{ct}-{:016x}", user.id, millis.unwrap_or(0), fnv(text.as_bytes()))
        }
    };
    Some(event(room, id, millis.and_then(time_from_millis), Some(user), EventBody::Chat { text, emotes: Vec::new() }))
}

/// `data`: `giftName`, `num`, `price` (per gift, in the coin), `coin_type` (`gold`/`silver`),
/// `uid`, `uname`, `timestamp`, `tid` (unique per send).
fn send_gift(data: &Value, room: &str) -> Option<AudienceEvent> {
    let name = data.get("giftName")?.as_str()?.to_owned();
    let count = unsigned(data.get("num")?)?;
    let price = unsigned(data.get("price")?)?;
    let currency = data.get("coin_type")?.as_str()?.to_owned();
    let id = data.get("tid").and_then(text).or_else(|| data.get("rnd").and_then(text)).filter(|t| !t.is_empty())?;
    let unit_value = Amount::from_units(i64::try_from(price).ok()?);
    let gift = Gift { name, count, unit_value, currency };
    let user = user(data.get("uid")?, data.get("uname")?);
    Some(event(room, format!("gift-{id}"), seconds(&data["timestamp"]), user, EventBody::Gift { gift, text: None }))
}

/// `data`: `id`, `price` (yuan), `message`, `uid`, `user_info.uname`, `start_time`.
fn super_chat(data: &Value, room: &str) -> Option<AudienceEvent> {
    let id = text(data.get("id")?)?;
    let price = unsigned(data.get("price")?)?;
    let message = data.get("message").and_then(Value::as_str).unwrap_or("").to_owned();
    let user = user(data.get("uid")?, &data["user_info"]["uname"]);
    let body = EventBody::SuperChat {
        amount: Amount::from_units(i64::try_from(price).ok()?),
        currency: "CNY".into(),
        text: message,
        tier: None,
    };
    Some(event(room, format!("sc-{id}"), seconds(&data["start_time"]), user, body))
}

/// `data`: `uid`, `username`, `guard_level` (1 总督, 2 提督, 3 舰长), `num`, `price` (gold per
/// unit), `gift_name`, `start_time`. Bought with gold, so it is counted as a gift: income.
fn guard_buy(data: &Value, room: &str) -> Option<AudienceEvent> {
    let uid = text(data.get("uid")?)?;
    let level = unsigned(data.get("guard_level")?)?;
    let count = unsigned(data.get("num")?)?;
    let price = unsigned(data.get("price")?)?;
    let name = data.get("gift_name").and_then(Value::as_str).unwrap_or("舰长").to_owned();
    let start = data.get("start_time").and_then(Value::as_i64).unwrap_or(0);
    let mut user = user(data.get("uid")?, data.get("username")?)?;
    user.badges.push(format!("guard/{level}"));
    let gift =
        Gift { name, count, unit_value: Amount::from_units(i64::try_from(price).ok()?), currency: "gold".into() };
    Some(event(
        room,
        format!("guard-{uid}-{start}-{level}"),
        seconds(&data["start_time"]),
        Some(user),
        EventBody::Gift { gift, text: None },
    ))
}

/// `data`: `uid`, `uname`, `msg_type` (1 entered, 2 followed, 4 special follow, 5 mutual
/// follow), `timestamp`, `trigger_time` (ns). `Some(None)`: a type we do not use (3 share).
fn interact(data: &Value, room: &str) -> Option<Option<AudienceEvent>> {
    let kind = unsigned(data.get("msg_type")?)?;
    let body = match kind {
        1 => EventBody::Join { count: 1, via: None },
        2 | 4 | 5 => EventBody::Follow {},
        _ => return Some(None),
    };
    let user = user(data.get("uid")?, data.get("uname")?)?;
    let when =
        data.get("trigger_time").and_then(unsigned).or_else(|| data.get("timestamp").and_then(unsigned)).unwrap_or(0);
    let id = format!("interact-{}-{kind}-{when}", user.id);
    Some(Some(event(room, id, seconds(&data["timestamp"]), Some(user), body)))
}

/// `data`: `uid`, `uname`, `like_text`. It carries no id or time, so the id is made unique
/// with the connection's sequence number.
fn like(data: &Value, room: &str, seq: u64) -> Option<AudienceEvent> {
    let user = user(data.get("uid")?, data.get("uname")?)?;
    let now = Utc::now();
    let id = format!("like-{}-{}-{seq}", user.id, now.timestamp_millis());
    Some(event(room, id, Some(now), Some(user), EventBody::Like { count: 1 }))
}

/// FNV-1a: a stable short fingerprint for ids built from content.
pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}
