//! The report as one self-contained HTML file: inline CSS, inline SVG, no script, no external
//! reference. Every value from the data (viewer names, product ids, audit details) is escaped.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use journal::AuditEntry;

use crate::charts::{self, Chart};
use crate::data::SessionData;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newline have no business in a page.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

const STYLE: &str = "
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'PingFang SC', 'Microsoft YaHei', sans-serif;
       margin: 0; background: #f6f6f4; color: #1d1d1f; }
main { max-width: 1060px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 10px; border-bottom: 2px solid #333; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: #666; margin: 0 0 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { background: #fff; border-radius: 8px; padding: 10px 14px; min-width: 120px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.card b { display: block; font-size: 22px; }
.card span { color: #666; font-size: 13px; }
figure.chart { background: #fff; margin: 12px 0; padding: 8px; border-radius: 8px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
figure.chart figcaption { font-weight: 600; margin: 2px 6px 6px; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; background: #fff; width: 100%; font-size: 14px; margin: 6px 0 12px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #fafafa; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.none { color: #888; font-style: italic; }
.bad { color: #b00020; }
";

struct Table {
    head: Vec<(&'static str, bool)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(head: &[(&'static str, bool)]) -> Table {
        Table { head: head.to_vec(), rows: Vec::new() }
    }

    /// Cells are raw text; they are escaped when written.
    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn write(&self, out: &mut String, empty: &str) {
        if self.rows.is_empty() {
            let _ = writeln!(out, "<p class=\"none\">{}</p>", escape(empty));
            return;
        }
        out.push_str("<table><thead><tr>");
        for (name, numeric) in &self.head {
            let _ = write!(out, "<th{}>{}</th>", if *numeric { " class=\"n\"" } else { "" }, escape(name));
        }
        out.push_str("</tr></thead><tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for (i, cell) in row.iter().enumerate() {
                let numeric = self.head.get(i).is_some_and(|h| h.1);
                let _ = write!(out, "<td{}>{}</td>", if numeric { " class=\"n\"" } else { "" }, escape(cell));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table>\n");
    }
}

fn chart(out: &mut String, chart: &Chart) {
    let _ = writeln!(
        out,
        "<figure class=\"chart\" id=\"chart-{}\"><figcaption>{}</figcaption>\n{}</figure>",
        escape(&chart.id),
        escape(&chart.title),
        chart.svg
    );
}

fn audit_table(entries: &[AuditEntry]) -> Table {
    let mut table = Table::new(&[
        ("time (UTC)", false),
        ("source", false),
        ("action", false),
        ("detail", false),
        ("outcome", false),
    ]);
    for e in entries {
        table.row(vec![time(e.at), e.source.clone(), e.action.clone(), e.detail.clone(), e.outcome.clone()]);
    }
    table
}

fn card(out: &mut String, value: &str, label: &str) {
    let _ = write!(out, "<div class=\"card\"><b>{}</b><span>{}</span></div>", escape(value), escape(label));
}

/// The whole page.
pub fn render(data: &SessionData) -> String {
    let charts = charts::all(data);
    fn by_id<'a>(charts: &'a [Chart], id: &'static str) -> impl Iterator<Item = &'a Chart> {
        charts.iter().filter(move |c| c.id == id || c.id.strip_prefix(id).is_some_and(|rest| rest.starts_with('-')))
    }
    let mut out = String::with_capacity(64 * 1024);
    let title = format!("{} · session {}", data.session.title, data.session.id);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>\n",
        escape(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&data.session.title));
    let span = match (data.first_at, data.last_at) {
        (Some(first), Some(last)) => format!("activity {} – {}", time(first), time(last)),
        _ => "no activity recorded".to_owned(),
    };
    let _ = writeln!(
        out,
        "<p class=\"meta\">Session {} · started {} · {}</p>",
        data.session.id,
        escape(&data.session.started_at),
        escape(&span)
    );

    out.push_str("<h2>Summary</h2><div class=\"cards\">");
    for (key, label) in [
        ("peak_viewers", "peak viewers"),
        ("chat", "chat messages"),
        ("gift", "gifts"),
        ("super_chat", "super chats"),
        ("order", "orders"),
        ("order_items", "units ordered"),
        ("like", "likes"),
        ("follow", "follows"),
    ] {
        card(&mut out, &data.counters.get(key).copied().unwrap_or(0).to_string(), label);
    }
    for total in &data.totals {
        card(
            &mut out,
            &format!("{} {}", total.total, total.currency),
            &format!("{} total", total.category.replace('_', " ")),
        );
    }
    out.push_str("</div>\n");
    if data.unreadable_events > 0 {
        let _ = writeln!(
            out,
            "<p class=\"bad\">{} stored events could not be read and are left out.</p>",
            data.unreadable_events
        );
    }

    out.push_str("<h2>Audience</h2>\n");
    for c in by_id(&charts, "viewers").chain(by_id(&charts, "chat")).chain(by_id(&charts, "gifts")) {
        chart(&mut out, c);
    }

    out.push_str("<h2>Products</h2>\n");
    for c in by_id(&charts, "exposures") {
        chart(&mut out, c);
    }
    if data.products.len() > charts::MAX_LANES {
        let _ = writeln!(
            out,
            "<p class=\"none\">The chart shows the {} products with most units; the table has all.</p>",
            charts::MAX_LANES
        );
    }
    let mut products = Table::new(&[
        ("product", false),
        ("units", true),
        ("orders", true),
        ("orders during exposure", true),
        ("orders outside", true),
        ("units during", true),
        ("units outside", true),
        ("revenue", true),
        ("exposures", true),
        ("on a card (s)", true),
    ]);
    for p in &data.products {
        let revenue: Vec<String> = p.revenue.iter().map(|(c, v)| format!("{v} {c}")).collect();
        products.row(vec![
            p.product.clone(),
            p.units.to_string(),
            p.orders.to_string(),
            p.orders_during.to_string(),
            p.orders_outside.to_string(),
            p.units_during.to_string(),
            p.units_outside.to_string(),
            revenue.join(", "),
            p.exposures.to_string(),
            format!("{:.0}", p.exposed_seconds),
        ]);
    }
    products.write(&mut out, "No orders and no product cards in this session.");
    out.push_str("<h3>Card exposures</h3>\n");
    let mut exposures = Table::new(&[
        ("product", false),
        ("layer", false),
        ("cued by", false),
        ("from (UTC)", false),
        ("until (UTC)", false),
    ]);
    for e in &data.exposures {
        exposures.row(vec![
            e.product.clone(),
            e.layer.clone(),
            e.cued_by.clone(),
            time(e.started_at),
            e.ended_at.map(time).unwrap_or_else(|| "still on (never closed)".to_owned()),
        ]);
    }
    exposures.write(&mut out, "No product was put on a card.");

    out.push_str("<h2>Gift leaderboard</h2>\n");
    if data.leaderboard.is_empty() {
        out.push_str("<p class=\"none\">Nobody sent gifts or super chats.</p>\n");
    }
    for (currency, rows) in &data.leaderboard {
        let _ = writeln!(out, "<h3>{}</h3>", escape(currency));
        let mut table = Table::new(&[("#", true), ("name", false), ("user", false), ("total", true)]);
        for row in rows.iter().take(crate::LEADERBOARD_LINES) {
            table.row(vec![row.rank.to_string(), row.name.clone(), row.user.clone(), row.total.clone()]);
        }
        table.write(&mut out, "");
        if rows.len() > crate::LEADERBOARD_LINES {
            let _ = writeln!(
                out,
                "<p class=\"none\">{} more in the JSON and CSV export.</p>",
                rows.len() - crate::LEADERBOARD_LINES
            );
        }
    }

    out.push_str("<h2>Output health</h2>\n");
    for c in by_id(&charts, "bitrate").chain(by_id(&charts, "dropped")) {
        chart(&mut out, c);
    }

    out.push_str("<h2>Kill switch, resume and override</h2>\n");
    audit_table(&data.control_audit).write(&mut out, "The show was never killed, resumed or overridden.");
    out.push_str("<h2>Audit log</h2>\n");
    audit_table(&data.audit).write(&mut out, "No operator actions were recorded.");

    out.push_str("</main></body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        assert_eq!(escape("茶\u{0}"), "茶\u{FFFD}");
    }
}
