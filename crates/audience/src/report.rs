//! The session report, exported as JSON and CSV after (or during) a show.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::amount::Amount;
use crate::moderation::ModerationCounts;
use crate::tally::{LeaderboardRow, Tally};

/// How many leaderboard lines per currency a report holds.
pub const LEADERBOARD_SIZE: usize = 20;

/// What a session added up to. Money is decimal strings, exact.
#[derive(Clone, Debug, Serialize)]
pub struct SessionReport {
    /// The session's id in the database.
    pub session: i64,
    /// Its title.
    pub title: String,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// Event counts by kind.
    pub counts: BTreeMap<&'static str, u64>,
    /// The highest viewer count.
    pub peak_viewers: u64,
    /// Gift value per currency.
    pub gift_totals: BTreeMap<String, String>,
    /// Super chat value per currency.
    pub super_chat_totals: BTreeMap<String, String>,
    /// Order value per currency.
    pub order_totals: BTreeMap<String, String>,
    /// Top spenders per currency.
    pub leaderboard: BTreeMap<String, Vec<LeaderboardRow>>,
    /// What moderation filtered.
    pub moderation: ModerationCounts,
}

fn decimal(map: &BTreeMap<String, i128>) -> BTreeMap<String, String> {
    map.iter().map(|(k, v)| (k.clone(), Amount::format_micros(*v))).collect()
}

impl SessionReport {
    /// Builds a report from a tally.
    pub fn new(
        session: i64,
        title: &str,
        started_at: &str,
        tally: &Tally,
        moderation: ModerationCounts,
    ) -> SessionReport {
        let counts = BTreeMap::from(tally.named_counts());
        SessionReport {
            session,
            title: title.to_owned(),
            started_at: started_at.to_owned(),
            counts,
            peak_viewers: tally.peak_viewers,
            gift_totals: decimal(&tally.gift_totals),
            super_chat_totals: decimal(&tally.super_chat_totals),
            order_totals: decimal(&tally.order_totals),
            leaderboard: tally
                .currencies()
                .into_iter()
                .map(|c| (c.clone(), tally.leaderboard(&c, LEADERBOARD_SIZE)))
                .collect(),
            moderation,
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// CSV with one fact per row: `section,key,currency,name,value`.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("section,key,currency,name,value\n");
        let mut row = |section: &str, key: &str, currency: &str, name: &str, value: &str| {
            let cells = [section, key, currency, name, value].map(csv_cell);
            out.push_str(&cells.join(","));
            out.push('\n');
        };
        row("session", "id", "", &self.title, &self.session.to_string());
        row("session", "started_at", "", "", &self.started_at);
        for (kind, count) in &self.counts {
            row("count", kind, "", "", &count.to_string());
        }
        row("count", "peak_viewers", "", "", &self.peak_viewers.to_string());
        for (section, totals) in [
            ("gift_total", &self.gift_totals),
            ("super_chat_total", &self.super_chat_totals),
            ("order_total", &self.order_totals),
        ] {
            for (currency, total) in totals {
                row(section, "", currency, "", total);
            }
        }
        for rows in self.leaderboard.values() {
            for line in rows {
                row("leaderboard", &line.user, &line.currency, &line.name, &line.total);
            }
        }
        let m = &self.moderation;
        for (key, value) in [
            ("checked", m.checked),
            ("masked", m.masked),
            ("hidden_words", m.hidden_words),
            ("hidden_users", m.hidden_users),
        ] {
            row("moderation", key, "", "", &value.to_string());
        }
        out
    }
}

/// Quotes a CSV cell when it needs it, and defuses spreadsheet formulas from viewer names.
fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '@']) || (value.starts_with('-') && value.parse::<f64>().is_err()) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}
