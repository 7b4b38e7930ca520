//! The report's charts: plotters drawing SVG into a string.
//!
//! plotters is built without its `ttf` feature, so it never looks up a system font: text is
//! measured with its built-in estimate and written as SVG `<text>` in a generic family
//! (`sans-serif`), which the browser renders with whatever it has. plotters escapes the text it
//! writes (`<`, `&`, quotes), so product ids and output names from the data are safe inside.
//! Time axes are minutes since the chart's origin, labelled as UTC clock times.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::data::{ProductStats, SessionData};

/// Width of every chart, in SVG units (CSS scales it down on narrow screens).
pub const WIDTH: u32 = 1000;
/// Height of a line or bar chart.
pub const HEIGHT: u32 = 300;
/// The most product lanes on the exposure chart (the products with most units).
pub const MAX_LANES: usize = 30;

/// Series colours, in order.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0xE0, 0x24, 0x2B),
    RGBColor(0x1F, 0x6F, 0xD1),
    RGBColor(0x1A, 0x9E, 0x54),
    RGBColor(0xF2, 0x9D, 0x0B),
    RGBColor(0x8E, 0x44, 0xAD),
    RGBColor(0x0F, 0x9A, 0xA8),
    RGBColor(0x6B, 0x4E, 0x32),
    RGBColor(0xD8, 0x3F, 0x87),
];
const GRID: RGBColor = RGBColor(0xE6, 0xE6, 0xE6);
const MUTED: RGBColor = RGBColor(0x88, 0x88, 0x88);

type ChartResult = Result<(), String>;

/// One chart, ready to inline.
#[derive(Clone, Debug)]
pub struct Chart {
    /// A stable id (`viewers`, `chat`, `gifts-CNY`, `exposures`, `bitrate`, `dropped`).
    pub id: String,
    /// Its heading.
    pub title: String,
    /// The `<svg>` element.
    pub svg: String,
}

/// The time span the time charts share: the first and last moment of the data, at least a minute.
#[derive(Clone, Copy, Debug)]
pub struct TimeAxis {
    origin: DateTime<Utc>,
    minutes: f64,
}

impl TimeAxis {
    /// The axis for `data`.
    pub fn of(data: &SessionData) -> TimeAxis {
        let origin = data.first_at.unwrap_or_else(|| {
            DateTime::parse_from_rfc3339(&data.session.started_at).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
        });
        let last = data.last_at.unwrap_or(origin);
        let mut axis = TimeAxis { origin, minutes: 0.0 };
        // Up to the end of the last per-minute bucket, so every time chart shares one scale.
        let buckets = data
            .chat_per_minute
            .iter()
            .map(|m| m.minute)
            .chain(data.gifts_per_minute.values().flatten().map(|g| g.minute));
        let bucket_end = buckets.map(|m| axis.x(m) + 1.0).fold(0.0, f64::max);
        axis.minutes = axis.x(last).max(bucket_end).max(1.0);
        axis
    }

    fn x(&self, at: DateTime<Utc>) -> f64 {
        (at - self.origin).num_milliseconds() as f64 / 60_000.0
    }

    fn label(&self, x: &f64) -> String {
        let at = self.origin + TimeDelta::milliseconds((x * 60_000.0) as i64);
        if self.minutes > 48.0 * 60.0 {
            at.format("%m-%d %H:%M").to_string()
        } else if self.minutes < 30.0 {
            at.format("%H:%M:%S").to_string()
        } else {
            at.format("%H:%M").to_string()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        0.0..self.minutes
    }
}

/// Removes what plotters adds that a page inlining the SVG does not need: the namespace URL
/// (inline SVG in HTML needs none, and the report holds no URL of its own).
fn inline(svg: String) -> String {
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

fn draw(
    id: &str,
    title: &str,
    height: u32,
    paint: impl FnOnce(DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> ChartResult,
) -> Chart {
    let mut svg = String::new();
    let outcome = {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        let painted = root.fill(&WHITE).map_err(|e| e.to_string()).and_then(|_| paint(root.clone()));
        painted.and_then(|_| root.present().map_err(|e| e.to_string()))
    };
    let svg = match outcome {
        Ok(()) => inline(svg),
        Err(error) => {
            let message = crate::html::escape(&format!("this chart could not be drawn: {error}"));
            format!("<svg width=\"{WIDTH}\" height=\"60\" viewBox=\"0 0 {WIDTH} 60\"><text x=\"10\" y=\"30\">{message}</text></svg>")
        }
    };
    Chart { id: id.to_owned(), title: title.to_owned(), svg }
}

/// An axis number: whole numbers without decimals, thousands with a separator.
fn number_label(value: f64) -> String {
    if !value.is_finite() {
        return String::new();
    }
    if value.fract().abs() > 1e-9 && value.abs() < 1000.0 {
        return format!("{value:.2}").trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    let whole = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if value < -0.5 {
        out.insert(0, '-');
    }
    out
}

fn nice_max(value: f64) -> f64 {
    if value.is_finite() && value > 0.0 {
        value * 1.08
    } else {
        1.0
    }
}

fn empty_note(root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>, empty: bool) -> ChartResult {
    if empty {
        let style = TextStyle::from(("sans-serif", 18).into_font()).color(&MUTED);
        root.draw(&Text::new("no data", (WIDTH as i32 / 2 - 30, 20), style)).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// A chart over the session's time with values from 0 to `max` (rounded up), its grid and
/// its axes labelled: what the time charts share.
fn time_chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    axis: &TimeAxis,
    max: f64,
    y_desc: &str,
) -> Result<ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>, String> {
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .margin_right(36)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(axis.range(), 0.0..nice_max(max))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .light_line_style(GRID)
        .x_labels(10)
        .x_label_formatter(&|x| axis.label(x))
        .x_desc("UTC")
        .y_desc(y_desc)
        .y_label_formatter(&|y| number_label(*y))
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(chart)
}

/// Line chart of several named series over time.
fn lines(id: &str, title: &str, y_desc: &str, axis: TimeAxis, series: &BTreeMap<String, Vec<(f64, f64)>>) -> Chart {
    draw(id, title, HEIGHT, |root| {
        let max = series.values().flatten().map(|p| p.1).filter(|v| v.is_finite()).fold(0.0, f64::max);
        let mut chart = time_chart(&root, &axis, max, y_desc)?;
        for (i, (name, points)) in series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let points: Vec<(f64, f64)> =
                points.iter().copied().filter(|p| p.0.is_finite() && p.1.is_finite()).collect();
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(short(name, 40))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3)));
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(MUTED)
                .position(SeriesLabelPosition::UpperLeft)
                .draw()
                .map_err(|e| e.to_string())?;
        }
        empty_note(&root, series.values().all(Vec::is_empty))
    })
}

/// Viewers over time, one line per platform.
pub fn viewers(data: &SessionData, axis: TimeAxis) -> Chart {
    let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for point in &data.viewers {
        series.entry(point.platform.clone()).or_default().push((axis.x(point.at), point.viewers as f64));
    }
    lines("viewers", "Viewers", "viewers", axis, &series)
}

/// Chat messages per minute, as bars.
pub fn chat(data: &SessionData, axis: TimeAxis) -> Chart {
    draw("chat", "Chat messages per minute", HEIGHT, |root| {
        let max = data.chat_per_minute.iter().map(|m| m.messages).max().unwrap_or(0) as f64;
        let mut chart = time_chart(&root, &axis, max, "messages / minute")?;
        let color = PALETTE[1];
        chart
            .draw_series(data.chat_per_minute.iter().filter(|m| m.messages > 0).map(|m| {
                let x = axis.x(m.minute);
                Rectangle::new([(x + 0.05, 0.0), (x + 0.95, m.messages as f64)], color.filled())
            }))
            .map_err(|e| e.to_string())?;
        empty_note(&root, max == 0.0)
    })
}

/// Cumulative gift value in one currency.
pub fn gifts(data: &SessionData, currency: &str, axis: TimeAxis) -> Chart {
    let mut series = BTreeMap::new();
    let points = data
        .gifts_per_minute
        .get(currency)
        .map(|rows| rows.iter().map(|r| (axis.x(r.minute) + 1.0, r.cumulative_micros as f64 / 1e6)).collect::<Vec<_>>())
        .unwrap_or_default();
    // Start the line at zero, at the first minute.
    let mut line = Vec::with_capacity(points.len() + 1);
    if let Some(first) = data.gifts_per_minute.get(currency).and_then(|rows| rows.first()) {
        line.push((axis.x(first.minute), 0.0));
    }
    line.extend(points);
    series.insert(currency.to_owned(), line);
    lines(
        &format!("gifts-{}", id_part(currency)),
        &format!("Gift value, cumulative ({currency})"),
        &short(currency, 16),
        axis,
        &series,
    )
}

/// A currency as an id fragment (letters, digits, `-`, `_`).
pub fn id_part(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// The card exposure timeline: one lane per product, its time on a card as bars, its orders as
/// dots (filled: during an exposure; hollow: outside).
pub fn exposures(data: &SessionData, axis: TimeAxis) -> Chart {
    let lanes: Vec<&ProductStats> = data.products.iter().take(MAX_LANES).collect();
    let n = lanes.len().max(1);
    let height = (90 + 34 * n as u32).max(160);
    draw("exposures", "Product card exposures and orders", height, |root| {
        let lane_of = |product: &str| lanes.iter().position(|p| p.product == product);
        let names: Vec<String> = lanes.iter().map(|p| short(&p.product, 22)).collect();
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(36)
            .x_label_area_size(30)
            .y_label_area_size(170)
            .build_cartesian_2d(axis.range(), (0..n as i32 - 1).into_segmented())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(GRID)
            .x_labels(10)
            .x_label_formatter(&|x| axis.label(x))
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .x_desc("UTC")
            .draw()
            .map_err(|e| e.to_string())?;
        let end = axis.minutes;
        let bars = data.exposures.iter().filter_map(|e| {
            let lane = lane_of(&e.product)? as i32;
            let color = PALETTE[lane as usize % PALETTE.len()];
            let x0 = axis.x(e.started_at);
            let x1 = e.ended_at.map(|t| axis.x(t)).unwrap_or(end);
            Some(Rectangle::new(
                [(x0, SegmentValue::Exact(lane)), (x1.max(x0), SegmentValue::Exact(lane + 1))],
                color.mix(0.35).filled(),
            ))
        });
        chart.draw_series(bars).map_err(|e| e.to_string())?;
        let dots = data.orders.iter().filter_map(|o| {
            let lane = lane_of(&o.product)? as i32;
            let color = PALETTE[lane as usize % PALETTE.len()];
            let style = if o.during_exposure { color.filled() } else { color.stroke_width(2) };
            Some(Circle::new((axis.x(o.at), SegmentValue::CenterOf(lane)), 5, style))
        });
        chart.draw_series(dots).map_err(|e| e.to_string())?;
        empty_note(&root, lanes.is_empty())
    })
}

/// Output health: one chart of bitrate and one of dropped frames, a line per output.
pub fn health(data: &SessionData, axis: TimeAxis) -> [Chart; 2] {
    let mut bitrate: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut dropped: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for sample in &data.health {
        let x = axis.x(sample.at);
        bitrate.entry(sample.row.output.clone()).or_default().push((x, sample.row.bitrate_kbps));
        dropped.entry(sample.row.output.clone()).or_default().push((x, sample.row.dropped_frames as f64));
    }
    [
        lines("bitrate", "Output bitrate", "kbit/s", axis, &bitrate),
        lines("dropped", "Dropped frames (cumulative, per output)", "frames", axis, &dropped),
    ]
}

/// Every chart of the report, in page order.
pub fn all(data: &SessionData) -> Vec<Chart> {
    let axis = TimeAxis::of(data);
    let mut charts = vec![viewers(data, axis), chat(data, axis)];
    if data.gifts_per_minute.is_empty() {
        charts.push(lines("gifts", "Gift value, cumulative", "value", axis, &BTreeMap::new()));
    }
    for currency in data.gifts_per_minute.keys() {
        charts.push(gifts(data, currency, axis));
    }
    charts.push(exposures(data, axis));
    charts.extend(health(data, axis));
    charts
}

#[cfg(test)]
mod tests {
    use super::number_label;

    #[test]
    fn axis_numbers_read_well() {
        assert_eq!(number_label(250.0), "250");
        assert_eq!(number_label(1_245_000.0), "1,245,000");
        assert_eq!(number_label(2.5), "2.5");
        assert_eq!(number_label(0.0), "0");
        assert_eq!(number_label(-1500.0), "-1,500");
    }
}
