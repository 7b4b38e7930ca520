//! The report as one self-contained HTML file: inline CSS, inline SVG, no script, no external
//! reference. Every value from the data (viewer names, product ids, audit details) is escaped.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use journal::AuditEntry;

use crate::charts::{self, Chart};
use crate::data::SessionData;
use crate::words::{Lang, Words};

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

/// A chart's caption in the report's language (the charts are drawn with English titles).
fn caption(chart: &Chart, w: &Words) -> String {
    let id = chart.id.as_str();
    match id {
        "viewers" => w.chart_viewers.to_owned(),
        "chat" => w.chart_chat.to_owned(),
        "exposures" => w.chart_exposures.to_owned(),
        "bitrate" => w.chart_bitrate.to_owned(),
        "dropped" => w.chart_dropped.to_owned(),
        _ => match chart.title.strip_prefix("Gift value, cumulative (").and_then(|t| t.strip_suffix(')')) {
            Some(currency) => w.chart_gifts.replace("{currency}", currency),
            None if id == "gifts" => w.chart_gifts.replace(" ({currency})", "").replace("（{currency}）", ""),
            None => chart.title.clone(),
        },
    }
}

fn chart(out: &mut String, chart: &Chart, w: &Words) {
    let _ = writeln!(
        out,
        "<figure class=\"chart\" id=\"chart-{}\"><figcaption>{}</figcaption>\n{}</figure>",
        escape(&chart.id),
        escape(&caption(chart, w)),
        chart.svg
    );
}

fn n(template: &str, n: impl std::fmt::Display) -> String {
    template.replace("{n}", &n.to_string())
}

fn audit_table(entries: &[AuditEntry], w: &Words) -> Table {
    let mut table =
        Table::new(&[(w.time_utc, false), (w.source, false), (w.action, false), (w.detail, false), (w.outcome, false)]);
    for e in entries {
        table.row(vec![time(e.at), e.source.clone(), e.action.clone(), e.detail.clone(), e.outcome.clone()]);
    }
    table
}

fn card(out: &mut String, value: &str, label: &str) {
    let _ = write!(out, "<div class=\"card\"><b>{}</b><span>{}</span></div>", escape(value), escape(label));
}

/// "session" → "Session" (Chinese has no capitals: as it is).
fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The label of a total by category (`gift`, `super_chat`, `order`), in the report's words.
fn total_label(name: &str, w: &Words) -> String {
    match name {
        "gift" => w.total_gift.to_owned(),
        "super_chat" => w.total_super_chat.to_owned(),
        "order" => w.total_order.to_owned(),
        other => w.total_of.replace("{category}", &other.replace('_', " ")),
    }
}

/// The whole page, in `lang`.
pub fn render(data: &SessionData, lang: Lang) -> String {
    let w = lang.words();
    let charts = charts::all(data);
    fn by_id<'a>(charts: &'a [Chart], id: &'static str) -> impl Iterator<Item = &'a Chart> {
        charts.iter().filter(move |c| c.id == id || c.id.strip_prefix(id).is_some_and(|rest| rest.starts_with('-')))
    }
    let mut out = String::with_capacity(64 * 1024);
    let title = format!("{} · {} {}", data.session.title, w.session, data.session.id);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>\n",
        lang.tag(),
        escape(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&data.session.title));
    let span = match (data.first_at, data.last_at) {
        (Some(first), Some(last)) => format!("{} {} – {}", w.activity, time(first), time(last)),
        _ => w.no_activity.to_owned(),
    };
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} {} · {} {} · {}</p>",
        capitalized(w.session),
        data.session.id,
        w.started,
        escape(&data.session.started_at),
        escape(&span)
    );

    let _ = write!(out, "<h2>{}</h2><div class=\"cards\">", escape(w.summary));
    for (key, label) in [
        ("peak_viewers", w.peak_viewers),
        ("chat", w.chat_messages),
        ("gift", w.gifts),
        ("super_chat", w.super_chats),
        ("order", w.orders),
        ("order_items", w.units_ordered),
        ("like", w.likes),
        ("follow", w.follows),
    ] {
        card(&mut out, &data.counters.get(key).copied().unwrap_or(0).to_string(), label);
    }
    for total in &data.totals {
        card(&mut out, &format!("{} {}", total.total, total.currency), &total_label(&total.category, w));
    }
    out.push_str("</div>\n");
    if data.unreadable_events > 0 {
        let _ = writeln!(out, "<p class=\"bad\">{}</p>", escape(&n(w.unreadable, data.unreadable_events)));
    }

    let _ = writeln!(out, "<h2>{}</h2>", escape(w.audience));
    for c in by_id(&charts, "viewers").chain(by_id(&charts, "chat")).chain(by_id(&charts, "gifts")) {
        chart(&mut out, c, w);
    }

    let _ = writeln!(out, "<h2>{}</h2>", escape(w.products));
    for c in by_id(&charts, "exposures") {
        chart(&mut out, c, w);
    }
    if data.products.len() > charts::MAX_LANES {
        let _ = writeln!(out, "<p class=\"none\">{}</p>", escape(&n(w.chart_shows_top, charts::MAX_LANES)));
    }
    let mut products = Table::new(&[
        (w.product, false),
        (w.units, true),
        (w.orders, true),
        (w.orders_during, true),
        (w.orders_outside, true),
        (w.units_during, true),
        (w.units_outside, true),
        (w.revenue, true),
        (w.exposures, true),
        (w.on_card_s, true),
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
    products.write(&mut out, w.no_products);
    let _ = writeln!(out, "<h3>{}</h3>", escape(w.card_exposures));
    let mut exposures = Table::new(&[
        (w.product, false),
        (w.layer, false),
        (w.cued_by, false),
        (w.from_utc, false),
        (w.until_utc, false),
    ]);
    for e in &data.exposures {
        exposures.row(vec![
            e.product.clone(),
            e.layer.clone(),
            e.cued_by.clone(),
            time(e.started_at),
            e.ended_at.map(time).unwrap_or_else(|| w.still_on.to_owned()),
        ]);
    }
    exposures.write(&mut out, w.no_exposures);

    let _ = writeln!(out, "<h2>{}</h2>", escape(w.leaderboard));
    if data.leaderboard.is_empty() {
        let _ = writeln!(out, "<p class=\"none\">{}</p>", escape(w.no_gifts));
    }
    for (currency, rows) in &data.leaderboard {
        let _ = writeln!(out, "<h3>{}</h3>", escape(currency));
        let mut table = Table::new(&[("#", true), (w.name, false), (w.user, false), (w.total, true)]);
        for row in rows.iter().take(crate::LEADERBOARD_LINES) {
            table.row(vec![row.rank.to_string(), row.name.clone(), row.user.clone(), row.total.clone()]);
        }
        table.write(&mut out, "");
        if rows.len() > crate::LEADERBOARD_LINES {
            let more = rows.len() - crate::LEADERBOARD_LINES;
            let _ = writeln!(out, "<p class=\"none\">{}</p>", escape(&n(w.more_in_export, more)));
        }
    }

    let _ = writeln!(out, "<h2>{}</h2>", escape(w.output_health));
    for c in by_id(&charts, "bitrate").chain(by_id(&charts, "dropped")) {
        chart(&mut out, c, w);
    }

    let _ = writeln!(out, "<h2>{}</h2>", escape(w.control));
    audit_table(&data.control_audit, w).write(&mut out, w.never_killed);
    let _ = writeln!(out, "<h2>{}</h2>", escape(w.audit_log));
    audit_table(&data.audit, w).write(&mut out, w.no_actions);

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
