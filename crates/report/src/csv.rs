//! CSV export: one file per table.
//!
//! Why one file per table and not one file with sections: every tool people open a report
//! with (spreadsheets, pandas, DuckDB, R, csvkit) reads a CSV as one rectangle with one header
//! row and infers each column's type from it. A file of sections with different columns
//! breaks that: the tools see ragged rows, mixed types and headers in the middle of the data.
//! One table per file opens as it is, and each has the same columns as its JSON counterpart.
//!
//! Cells are quoted when they need it, and text that a spreadsheet would run as a formula
//! (viewer names starting with `=`, `+`, `@`, or `-` when not a number) gets a leading `'`.

use std::path::{Path, PathBuf};

use chrono::SecondsFormat;

use crate::data::SessionData;
use crate::ReportError;

fn cell(value: &str) -> String {
    let risky =
        value.starts_with(['=', '+', '@', '\t', '\r']) || (value.starts_with('-') && value.parse::<f64>().is_err());
    let value = if risky { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

struct Csv(String);

impl Csv {
    fn new(header: &[&str]) -> Csv {
        let mut csv = Csv(String::new());
        csv.row(header.iter().map(|h| (*h).to_owned()).collect());
        csv
    }

    fn row(&mut self, cells: Vec<String>) {
        let cells: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        self.0.push_str(&cells.join(","));
        self.0.push_str("\r\n");
    }
}

fn t(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn number(value: f64) -> String {
    if value.is_finite() {
        value.to_string()
    } else {
        String::new()
    }
}

impl SessionData {
    /// Every table as `(name, CSV text)`: `session`, `counters`, `totals`, `viewers`,
    /// `chat_per_minute`, `gifts_per_minute`, `products`, `orders`, `exposures`, `leaderboard`,
    /// `health`, `control_audit`, `audit`.
    pub fn to_csv_tables(&self) -> Vec<(&'static str, String)> {
        let mut tables = Vec::new();
        let mut session = Csv::new(&["id", "title", "started_at", "first_at", "last_at", "unreadable_events"]);
        session.row(vec![
            self.session.id.to_string(),
            self.session.title.clone(),
            self.session.started_at.clone(),
            self.first_at.map(t).unwrap_or_default(),
            self.last_at.map(t).unwrap_or_default(),
            self.unreadable_events.to_string(),
        ]);
        tables.push(("session", session.0));
        let mut counters = Csv::new(&["name", "value"]);
        for (name, value) in &self.counters {
            counters.row(vec![name.clone(), value.to_string()]);
        }
        tables.push(("counters", counters.0));
        let mut totals = Csv::new(&["category", "currency", "total"]);
        for row in &self.totals {
            totals.row(vec![row.category.clone(), row.currency.clone(), row.total.clone()]);
        }
        tables.push(("totals", totals.0));
        let mut viewers = Csv::new(&["at", "platform", "viewers"]);
        for v in &self.viewers {
            viewers.row(vec![t(v.at), v.platform.clone(), v.viewers.to_string()]);
        }
        tables.push(("viewers", viewers.0));
        let mut chat = Csv::new(&["minute", "messages"]);
        for m in &self.chat_per_minute {
            chat.row(vec![t(m.minute), m.messages.to_string()]);
        }
        tables.push(("chat_per_minute", chat.0));
        let mut gifts = Csv::new(&["minute", "currency", "value", "cumulative"]);
        for (currency, rows) in &self.gifts_per_minute {
            for r in rows {
                gifts.row(vec![t(r.minute), currency.clone(), r.value.clone(), r.cumulative.clone()]);
            }
        }
        tables.push(("gifts_per_minute", gifts.0));
        let mut products = Csv::new(&[
            "product",
            "units",
            "orders",
            "orders_during",
            "orders_outside",
            "units_during",
            "units_outside",
            "revenue",
            "exposures",
            "exposed_seconds",
        ]);
        for p in &self.products {
            let revenue: Vec<String> = p.revenue.iter().map(|(c, v)| format!("{v} {c}")).collect();
            products.row(vec![
                p.product.clone(),
                p.units.to_string(),
                p.orders.to_string(),
                p.orders_during.to_string(),
                p.orders_outside.to_string(),
                p.units_during.to_string(),
                p.units_outside.to_string(),
                revenue.join("; "),
                p.exposures.to_string(),
                number(p.exposed_seconds),
            ]);
        }
        tables.push(("products", products.0));
        let mut orders =
            Csv::new(&["at", "platform", "user", "product", "quantity", "amount", "currency", "during_exposure"]);
        for o in &self.orders {
            orders.row(vec![
                t(o.at),
                o.platform.clone(),
                o.user.clone(),
                o.product.clone(),
                o.quantity.to_string(),
                o.amount.clone(),
                o.currency.clone(),
                o.during_exposure.to_string(),
            ]);
        }
        tables.push(("orders", orders.0));
        let mut exposures = Csv::new(&["id", "product", "layer", "cued_by", "started_at", "ended_at"]);
        for e in &self.exposures {
            exposures.row(vec![
                e.id.to_string(),
                e.product.clone(),
                e.layer.clone(),
                e.cued_by.clone(),
                t(e.started_at),
                e.ended_at.map(t).unwrap_or_default(),
            ]);
        }
        tables.push(("exposures", exposures.0));
        let mut leaderboard = Csv::new(&["currency", "rank", "user", "name", "total"]);
        for rows in self.leaderboard.values() {
            for r in rows {
                leaderboard.row(vec![
                    r.currency.clone(),
                    r.rank.to_string(),
                    r.user.clone(),
                    r.name.clone(),
                    r.total.clone(),
                ]);
            }
        }
        tables.push(("leaderboard", leaderboard.0));
        let mut health =
            Csv::new(&["at", "output", "state", "bitrate_kbps", "fps", "dropped_frames", "dropped_percent"]);
        for h in &self.health {
            health.row(vec![
                t(h.at),
                h.row.output.clone(),
                h.row.state.clone(),
                number(h.row.bitrate_kbps),
                number(h.row.fps),
                h.row.dropped_frames.to_string(),
                number(h.row.dropped_percent),
            ]);
        }
        tables.push(("health", health.0));
        for (name, entries) in [("control_audit", &self.control_audit), ("audit", &self.audit)] {
            let mut audit = Csv::new(&["at", "source", "action", "detail", "outcome"]);
            for e in entries {
                audit.row(vec![t(e.at), e.source.clone(), e.action.clone(), e.detail.clone(), e.outcome.clone()]);
            }
            tables.push((name, audit.0));
        }
        tables
    }

    /// Writes every table of [`SessionData::to_csv_tables`] beside `path`: `report.csv` (or
    /// `report`) gives `report-session.csv`, `report-orders.csv`, ... Returns the files written.
    pub fn to_csv_files(&self, path: &Path) -> Result<Vec<PathBuf>, ReportError> {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "report".to_owned());
        let stem = name.strip_suffix(".csv").filter(|s| !s.is_empty()).unwrap_or(&name).to_owned();
        let mut written = Vec::new();
        for (table, text) in self.to_csv_tables() {
            let file = path.with_file_name(format!("{stem}-{table}.csv"));
            std::fs::write(&file, text).map_err(|source| ReportError::Write { path: file.clone(), source })?;
            written.push(file);
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(cell("-12.5"), "-12.5");
        assert_eq!(cell("-x"), "'-x");
        assert_eq!(cell("茶茶"), "茶茶");
    }
}
