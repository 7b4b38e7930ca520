//! Reading one session out of the session database and adding it up.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use audience::{Amount, AudienceEvent, EventBody};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use journal::{AuditEntry, Exposure, HealthSample};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;

use crate::ReportError;

/// The most per-minute buckets filled in with zeros (a week). A longer span (a sender with a
/// wrong clock) keeps only the minutes that had something, so a bad timestamp cannot make the
/// report enormous.
pub const MAX_FILLED_MINUTES: i64 = 7 * 24 * 60;

/// The audit actions that stop or override the show, listed apart in the report.
pub const CONTROL_ACTIONS: &[&str] = &["kill_switch", "resume", "override"];

/// A session as the `sessions` table has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    /// The id (`kaibo report SESSION_ID`).
    pub id: i64,
    /// Its title.
    pub title: String,
    /// When it started, as stored (RFC 3339).
    pub started_at: String,
}

/// One `viewers` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ViewerPoint {
    /// When.
    pub at: DateTime<Utc>,
    /// The platform that reported it.
    pub platform: String,
    /// The audience size it reported.
    pub viewers: u64,
}

/// Chat messages in one minute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MinuteCount {
    /// The minute's start (UTC).
    pub minute: DateTime<Utc>,
    /// Messages in it (hidden ones included: they were sent).
    pub messages: u64,
}

/// Gift value in one minute, in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GiftMinute {
    /// The minute's start (UTC).
    pub minute: DateTime<Utc>,
    /// Value of the gifts sent in that minute (exact decimal).
    pub value: String,
    /// Value of all gifts up to the end of that minute (exact decimal).
    pub cumulative: String,
    #[serde(skip)]
    pub(crate) cumulative_micros: i128,
}

/// One order, and whether its product was on a card when it came in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrderRow {
    /// When.
    pub at: DateTime<Utc>,
    /// The platform (shop) it came from.
    pub platform: String,
    /// The buyer's display name, where given.
    pub user: String,
    /// The product id.
    pub product: String,
    /// Units.
    pub quantity: u64,
    /// The total paid (exact decimal).
    pub amount: String,
    /// In which currency.
    pub currency: String,
    /// `at` falls inside one of this product's exposures.
    pub during_exposure: bool,
}

/// What one product sold, and how that lines up with its time on screen.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProductStats {
    /// The product id.
    pub product: String,
    /// Orders.
    pub orders: u64,
    /// Units (the sum of quantities).
    pub units: u64,
    /// Orders that came in while the product was on a card.
    pub orders_during: u64,
    /// Orders that came in while it was not.
    pub orders_outside: u64,
    /// Units ordered while it was on a card.
    pub units_during: u64,
    /// Units ordered while it was not.
    pub units_outside: u64,
    /// Revenue per currency (exact decimals).
    pub revenue: BTreeMap<String, String>,
    /// How many times it went on a card.
    pub exposures: u64,
    /// Seconds on a card in total (an exposure never closed counts until the end of the data).
    pub exposed_seconds: f64,
}

/// One line of a leaderboard (gifts and super chats, per currency, from `user_totals`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeaderRow {
    /// 1 for the top spender.
    pub rank: u32,
    /// `platform:user-id`.
    pub user: String,
    /// The latest display name.
    pub name: String,
    /// The currency or coin.
    pub currency: String,
    /// Exact decimal.
    pub total: String,
}

/// A total from the `totals` table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TotalRow {
    /// `gift`, `super_chat` or `order`.
    pub category: String,
    /// The currency or coin.
    pub currency: String,
    /// Exact decimal.
    pub total: String,
}

/// Everything the report shows about one session. Serialized as is by [`SessionData::to_json`].
#[derive(Clone, Debug, Serialize)]
pub struct SessionData {
    /// The session.
    pub session: SessionInfo,
    /// The first moment anything happened (events, exposures, health, audit).
    pub first_at: Option<DateTime<Utc>>,
    /// The last moment anything happened.
    pub last_at: Option<DateTime<Utc>>,
    /// The stored counters (`chat`, `gift`, `order`, `peak_viewers`, ...).
    pub counters: BTreeMap<String, u64>,
    /// The stored totals.
    pub totals: Vec<TotalRow>,
    /// Events whose JSON could not be read (skipped, counted here).
    pub unreadable_events: u64,
    /// The audience size over time.
    pub viewers: Vec<ViewerPoint>,
    /// Chat messages per minute.
    pub chat_per_minute: Vec<MinuteCount>,
    /// Gift value per minute and cumulative, per currency.
    pub gifts_per_minute: BTreeMap<String, Vec<GiftMinute>>,
    /// Every order.
    pub orders: Vec<OrderRow>,
    /// Per product, most units first.
    pub products: Vec<ProductStats>,
    /// The card exposures, in the order they started.
    pub exposures: Vec<Exposure>,
    /// Top spenders per currency, highest first (ties by name, then user key).
    pub leaderboard: BTreeMap<String, Vec<LeaderRow>>,
    /// Output health samples, in time order.
    pub health: Vec<HealthSample>,
    /// Kill switch, resume and override entries of the audit log.
    pub control_audit: Vec<AuditEntry>,
    /// The whole audit log.
    pub audit: Vec<AuditEntry>,
}

/// Reads a decimal string (`"12.5"`, `"-3"`) into micro-units; `None` if it is not one.
pub(crate) fn parse_micros(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || fraction.len() > 6 || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i128 = whole.parse().ok()?;
    let fraction: i128 = if fraction.is_empty() { 0 } else { format!("{fraction:0<6}").parse().ok()? };
    let micros = whole.checked_mul(1_000_000)?.checked_add(fraction)?;
    Some(if negative { -micros } else { micros })
}

fn table_exists(conn: &Connection, name: &str) -> Result<bool, rusqlite::Error> {
    let found: Option<i64> =
        conn.query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |r| r.get(0)).optional()?;
    Ok(found.is_some())
}

/// The sessions a database holds: id, title, start.
pub fn list_sessions(db: &Path) -> Result<Vec<SessionInfo>, ReportError> {
    let conn = open(db)?;
    sessions(&conn)
}

fn sessions(conn: &Connection) -> Result<Vec<SessionInfo>, ReportError> {
    let mut query = conn.prepare("SELECT id, title, started_at FROM sessions ORDER BY id")?;
    let rows = query.query_map([], |r| Ok(SessionInfo { id: r.get(0)?, title: r.get(1)?, started_at: r.get(2)? }))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn open(db: &Path) -> Result<Connection, ReportError> {
    if !db.is_file() {
        return Err(ReportError::NoDatabase(db.to_path_buf()));
    }
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|source| ReportError::Open { path: db.to_path_buf(), source })?;
    // A studio may be writing the file right now.
    conn.busy_timeout(journal::BUSY_TIMEOUT)?;
    match table_exists(&conn, "sessions") {
        Ok(true) => Ok(conn),
        Ok(false) => Err(ReportError::NotASessionDatabase(db.to_path_buf())),
        Err(source) => Err(ReportError::Open { path: db.to_path_buf(), source }),
    }
}

/// A half-open interval `[start, end)`; `end` `None` runs on forever.
fn inside(at: DateTime<Utc>, exposure: &Exposure) -> bool {
    at >= exposure.started_at && exposure.ended_at.is_none_or(|end| at < end)
}

fn minute_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::minutes(1)).unwrap_or(at)
}

/// The minutes to show: every minute from the first to the last when that is at most
/// [`MAX_FILLED_MINUTES`], else only the minutes given.
fn minutes(first: Option<DateTime<Utc>>, last: Option<DateTime<Utc>>, used: &BTreeSet<DateTime<Utc>>) -> Vec<DateTime<Utc>> {
    match (first, last) {
        (Some(first), Some(last)) if (last - first).num_minutes() <= MAX_FILLED_MINUTES => {
            let (mut minute, end) = (minute_of(first), minute_of(last));
            let mut out = Vec::new();
            while minute <= end {
                out.push(minute);
                minute += TimeDelta::minutes(1);
            }
            out
        }
        _ => used.iter().copied().collect(),
    }
}

struct StoredEvent {
    event: AudienceEvent,
}

impl SessionData {
    /// Reads session `session` from the database at `db` (opened read-only; a studio may be
    /// writing it meanwhile). The journal tables are optional: a session recorded by `kaibo
    /// listen` alone has none, and its report has no exposures, health or audit.
    pub fn load(db: &Path, session: i64) -> Result<SessionData, ReportError> {
        let conn = open(db)?;
        let info: Option<SessionInfo> = conn
            .query_row("SELECT id, title, started_at FROM sessions WHERE id = ?1", [session], |r| {
                Ok(SessionInfo { id: r.get(0)?, title: r.get(1)?, started_at: r.get(2)? })
            })
            .optional()?;
        let Some(info) = info else {
            return Err(ReportError::NoSuchSession { session, available: sessions(&conn)? });
        };

        let mut events = Vec::new();
        let mut unreadable_events = 0;
        if table_exists(&conn, "events")? {
            let mut query = conn.prepare("SELECT json FROM events WHERE session = ?1 ORDER BY seq")?;
            let rows = query.query_map([session], |r| r.get::<_, String>(0))?;
            for json in rows {
                match serde_json::from_str::<AudienceEvent>(&json?) {
                    Ok(event) => events.push(StoredEvent { event }),
                    Err(_) => unreadable_events += 1,
                }
            }
        }
        let mut counters = BTreeMap::new();
        if table_exists(&conn, "counters")? {
            let mut query = conn.prepare("SELECT name, value FROM counters WHERE session = ?1 ORDER BY name")?;
            let rows = query.query_map([session], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (name, value) = row?;
                counters.insert(name, u64::try_from(value).unwrap_or(0));
            }
        }
        let mut totals = Vec::new();
        if table_exists(&conn, "totals")? {
            let mut query =
                conn.prepare("SELECT category, currency, total FROM totals WHERE session = ?1 ORDER BY category, currency")?;
            let rows = query.query_map([session], |r| Ok(TotalRow { category: r.get(0)?, currency: r.get(1)?, total: r.get(2)? }))?;
            totals = rows.collect::<Result<Vec<_>, _>>()?;
        }
        let leaderboard = if table_exists(&conn, "user_totals")? { leaderboard(&conn, session)? } else { BTreeMap::new() };

        let (exposures, health, mut audit) = if journal::has_tables(&conn)? {
            (journal::read_exposures(&conn, session)?, journal::read_health(&conn, session)?, journal::read_audit(&conn, session)?)
        } else {
            (Vec::new(), Vec::new(), Vec::new())
        };
        // URLs the way the UI shows them, in every export, even from a journal written
        // before the studio redacted them itself.
        for entry in &mut audit {
            entry.detail = show::redact_urls_in_text(&entry.detail);
            entry.outcome = show::redact_urls_in_text(&entry.outcome);
        }

        let times = events
            .iter()
            .map(|e| e.event.at)
            .chain(exposures.iter().flat_map(|e| std::iter::once(e.started_at).chain(e.ended_at)))
            .chain(health.iter().map(|h| h.at))
            .chain(audit.iter().map(|a| a.at));
        let (first_at, last_at) = times.fold((None, None), |(lo, hi): (Option<DateTime<Utc>>, Option<DateTime<Utc>>), t| {
            (Some(lo.map_or(t, |lo| lo.min(t))), Some(hi.map_or(t, |hi| hi.max(t))))
        });

        let mut viewers = Vec::new();
        let mut chat_minutes: BTreeMap<DateTime<Utc>, u64> = BTreeMap::new();
        let mut gift_minutes: BTreeMap<String, BTreeMap<DateTime<Utc>, i128>> = BTreeMap::new();
        let mut orders = Vec::new();
        for StoredEvent { event } in &events {
            match &event.body {
                EventBody::Viewers { viewers: n } => {
                    viewers.push(ViewerPoint { at: event.at, platform: event.platform.clone(), viewers: *n })
                }
                EventBody::Chat { .. } => *chat_minutes.entry(minute_of(event.at)).or_default() += 1,
                EventBody::Gift { gift, .. } => {
                    let micros = i128::from(gift.unit_value.micros()) * i128::from(gift.count);
                    *gift_minutes.entry(gift.currency.clone()).or_default().entry(minute_of(event.at)).or_default() += micros;
                }
                EventBody::Order { product, quantity, amount, currency, .. } => orders.push(OrderRow {
                    at: event.at,
                    platform: event.platform.clone(),
                    user: event.user.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
                    product: product.clone(),
                    quantity: *quantity,
                    amount: amount.to_string(),
                    currency: currency.clone(),
                    during_exposure: exposures.iter().any(|x| x.product == *product && inside(event.at, x)),
                }),
                _ => {}
            }
        }
        viewers.sort_by_key(|v| v.at);
        orders.sort_by_key(|o| o.at);

        let used: BTreeSet<DateTime<Utc>> =
            chat_minutes.keys().chain(gift_minutes.values().flat_map(|m| m.keys())).copied().collect();
        let event_first = events.iter().map(|e| e.event.at).min();
        let event_last = events.iter().map(|e| e.event.at).max();
        let all_minutes = minutes(event_first, event_last, &used);
        let chat_per_minute =
            all_minutes.iter().map(|m| MinuteCount { minute: *m, messages: chat_minutes.get(m).copied().unwrap_or(0) }).collect();
        let gifts_per_minute = gift_minutes
            .into_iter()
            .map(|(currency, per_minute)| {
                let mut cumulative = 0_i128;
                let rows = all_minutes
                    .iter()
                    .map(|m| {
                        let value = per_minute.get(m).copied().unwrap_or(0);
                        cumulative += value;
                        GiftMinute {
                            minute: *m,
                            value: Amount::format_micros(value),
                            cumulative: Amount::format_micros(cumulative),
                            cumulative_micros: cumulative,
                        }
                    })
                    .collect();
                (currency, rows)
            })
            .collect();

        let products = product_stats(&orders, &exposures, last_at);
        let control_audit = audit.iter().filter(|a| CONTROL_ACTIONS.contains(&a.action.as_str())).cloned().collect();
        Ok(SessionData {
            session: info,
            first_at,
            last_at,
            counters,
            totals,
            unreadable_events,
            viewers,
            chat_per_minute,
            gifts_per_minute,
            orders,
            products,
            exposures,
            leaderboard,
            health,
            control_audit,
            audit,
        })
    }

    /// Pretty JSON of everything above: the same numbers the HTML shows.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

fn leaderboard(conn: &Connection, session: i64) -> Result<BTreeMap<String, Vec<LeaderRow>>, ReportError> {
    let mut query = conn.prepare("SELECT user_key, currency, name, total FROM user_totals WHERE session = ?1")?;
    let rows = query.query_map([session], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
    })?;
    let mut by_currency: BTreeMap<String, Vec<(i128, String, String, String)>> = BTreeMap::new();
    for row in rows {
        let (user, currency, name, total) = row?;
        let micros = parse_micros(&total).unwrap_or(0);
        by_currency.entry(currency).or_default().push((micros, name, user, total));
    }
    Ok(by_currency
        .into_iter()
        .map(|(currency, mut rows)| {
            rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)).then_with(|| a.2.cmp(&b.2)));
            let lines = rows
                .into_iter()
                .enumerate()
                .map(|(i, (_, name, user, total))| LeaderRow {
                    rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    user,
                    name,
                    currency: currency.clone(),
                    total,
                })
                .collect();
            (currency, lines)
        })
        .collect())
}

fn product_stats(orders: &[OrderRow], exposures: &[Exposure], last_at: Option<DateTime<Utc>>) -> Vec<ProductStats> {
    let mut names: BTreeSet<&str> = orders.iter().map(|o| o.product.as_str()).collect();
    names.extend(exposures.iter().map(|e| e.product.as_str()));
    let mut stats: Vec<ProductStats> = names
        .into_iter()
        .map(|product| {
            let mut s = ProductStats {
                product: product.to_owned(),
                orders: 0,
                units: 0,
                orders_during: 0,
                orders_outside: 0,
                units_during: 0,
                units_outside: 0,
                revenue: BTreeMap::new(),
                exposures: 0,
                exposed_seconds: 0.0,
            };
            let mut revenue: BTreeMap<String, i128> = BTreeMap::new();
            for order in orders.iter().filter(|o| o.product == product) {
                s.orders += 1;
                s.units = s.units.saturating_add(order.quantity);
                if order.during_exposure {
                    s.orders_during += 1;
                    s.units_during = s.units_during.saturating_add(order.quantity);
                } else {
                    s.orders_outside += 1;
                    s.units_outside = s.units_outside.saturating_add(order.quantity);
                }
                *revenue.entry(order.currency.clone()).or_default() += parse_micros(&order.amount).unwrap_or(0);
            }
            s.revenue = revenue.into_iter().map(|(c, v)| (c, Amount::format_micros(v))).collect();
            for exposure in exposures.iter().filter(|e| e.product == product) {
                s.exposures += 1;
                if let Some(end) = exposure.ended_at.or(last_at) {
                    let ms = (end - exposure.started_at).num_milliseconds().max(0);
                    s.exposed_seconds += ms as f64 / 1000.0;
                }
            }
            s
        })
        .collect();
    stats.sort_by(|a, b| b.units.cmp(&a.units).then_with(|| b.orders.cmp(&a.orders)).then_with(|| a.product.cmp(&b.product)));
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_exactly() {
        assert_eq!(parse_micros("12.5"), Some(12_500_000));
        assert_eq!(parse_micros("-0.000001"), Some(-1));
        assert_eq!(parse_micros("1245000"), Some(1_245_000_000_000));
        assert_eq!(parse_micros("99999999999999999999"), Some(99_999_999_999_999_999_999_000_000));
        for bad in ["", ".5", "1.2345678", "1e3", "abc", "1.-2"] {
            assert_eq!(parse_micros(bad), None, "{bad}");
        }
    }
}
