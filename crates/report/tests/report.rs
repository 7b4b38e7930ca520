//! A session written with the real audience store and journal, read back into a report whose
//! numbers are known exactly; the HTML is checked as text and as Chromium renders it.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use audience::store::{Durability, Recorded, Store};
use audience::tally::Tally;
use audience::{AudienceEvent, EventBody, Gift, User};
use chrono::{DateTime, TimeZone, Utc};
use journal::{AuditEntry, HealthRow, Journal};
use report::{ReportError, SessionData};

const EVIL: &str = "<script>alert(1)</script>";

fn t(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap() + chrono::Duration::seconds(seconds)
}

fn user(id: &str, name: &str) -> Option<User> {
    Some(User { id: id.into(), name: name.into(), badges: Vec::new() })
}

fn event(n: &mut u32, at: i64, user: Option<User>, body: EventBody) -> AudienceEvent {
    *n += 1;
    AudienceEvent { platform: "douyin".into(), room: "room-1".into(), id: format!("e{n}"), at: t(at), user, body }
}

fn chat(text: &str) -> EventBody {
    EventBody::Chat { text: text.into(), emotes: Vec::new() }
}

fn gift(name: &str, count: u64, unit: &str, currency: &str) -> EventBody {
    EventBody::Gift {
        gift: Gift { name: name.into(), count, unit_value: unit.parse().unwrap(), currency: currency.into() },
        text: None,
    }
}

fn order(product: &str, quantity: u64, amount: &str) -> EventBody {
    EventBody::Order {
        product: product.into(),
        quantity,
        amount: amount.parse().unwrap(),
        currency: "CNY".into(),
        stock_left: None,
    }
}

fn audit(at: i64, source: &str, action: &str, detail: &str) -> AuditEntry {
    AuditEntry { at: t(at), source: source.into(), action: action.into(), detail: detail.into(), outcome: "ok".into() }
}

fn health(output: &str, bitrate: f64, dropped: u64) -> HealthRow {
    HealthRow {
        output: output.into(),
        state: "live".into(),
        bitrate_kbps: bitrate,
        fps: 30.0,
        dropped_frames: dropped,
        dropped_percent: 0.0,
    }
}

/// Writes the known session; returns the database path and the session id.
fn build(dir: &Path) -> (PathBuf, i64) {
    let db = dir.join("sessions.db");
    // Another session first, so filtering by session is tested too.
    {
        let mut other = Store::open(&db, "rehearsal", Durability::ProcessCrash).unwrap();
        let mut n = 1000;
        let e = event(&mut n, 5, user("a", "Other"), chat("hi"));
        other.write_batch(&[Recorded { event: &e, hidden: false }], &mut Tally::default()).unwrap();
        Journal::open(&db, other.session()).unwrap().audit(&audit(5, "cli", "kill_switch", "other session")).unwrap();
    }
    let mut store = Store::open(&db, "双十一 · 抹茶专场", Durability::ProcessCrash).unwrap();
    let session = store.session();
    let journal = Journal::open(&db, session).unwrap();
    let (a, b, c) = (user("a", EVIL), user("b", "茶茶"), user("c", "Lily"));
    let mut n = 0;
    let events = vec![
        event(&mut n, 0, None, EventBody::Viewers { viewers: 100 }),
        event(&mut n, 5, a.clone(), chat("上链接")),
        event(&mut n, 10, b.clone(), chat("hello")),
        event(&mut n, 10, c.clone(), order("tea", 3, "264")),
        event(&mut n, 20, a.clone(), gift("辣条", 5, "100", "gold")),
        event(&mut n, 40, b.clone(), order("tea", 2, "176")),
        event(&mut n, 50, c.clone(), chat("price?")),
        event(&mut n, 60, None, EventBody::Viewers { viewers: 250 }),
        event(&mut n, 60, a.clone(), order("scarf", 1, "24.99")),
        event(&mut n, 70, b.clone(), gift("嘉年华", 1, "2999.99", "CNY")),
        event(&mut n, 80, b.clone(), gift("牛哇牛哇", 1, "1000", "gold")),
        event(&mut n, 90, c.clone(), order("tea", 1, "88")),
        event(&mut n, 95, a.clone(), order("cup", 1, "19.9")),
        event(
            &mut n,
            100,
            c.clone(),
            EventBody::SuperChat {
                amount: "50".parse().unwrap(),
                currency: "CNY".into(),
                text: "好".into(),
                tier: None,
            },
        ),
        event(&mut n, 130, a.clone(), chat("冲")),
        event(&mut n, 140, c.clone(), gift("玫瑰", 3, "0.1", "CNY")),
        event(&mut n, 150, None, EventBody::Viewers { viewers: 180 }),
        event(&mut n, 170, b.clone(), chat("👍")),
        event(&mut n, 200, b.clone(), order("cup", 4, "79.6")),
    ];
    let mut tally = Tally::default();
    for batch in events.chunks(4) {
        let recorded: Vec<Recorded<'_>> = batch.iter().map(|event| Recorded { event, hidden: false }).collect();
        store.write_batch(&recorded, &mut tally).unwrap();
    }
    journal.audit(&audit(0, "desktop", "go_live", "")).unwrap();
    journal.audit(&audit(30, "remote_console", "cue_product", "tea")).unwrap();
    let tea = journal.open_exposure("tea", "card", "cue_product", t(30)).unwrap();
    journal.close_exposure(tea, t(90)).unwrap();
    journal.open_exposure("cup", "card", "set_card_product", t(90)).unwrap();
    journal.audit(&audit(110, "hotkey", "kill_switch", "")).unwrap();
    journal.audit(&audit(120, "desktop", "resume", "")).unwrap();
    journal.audit(&audit(125, "api", "override", "scene main")).unwrap();
    journal
        .audit(&AuditEntry {
            at: t(126),
            source: "api".into(),
            action: "switch_scene".into(),
            detail: "nope".into(),
            outcome: "no scene nope".into(),
        })
        .unwrap();
    for (at, dropped) in [(0, 0), (60, 3), (120, 7)] {
        journal.health(t(at), &[health("recording", 3000.0, 0), health("to-1", 2500.0 + at as f64, dropped)]).unwrap();
    }
    (db, session)
}

#[test]
fn the_numbers_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let (db, session) = build(dir.path());
    let data = SessionData::load(&db, session).unwrap();

    assert_eq!(data.session.title, "双十一 · 抹茶专场");
    assert_eq!((data.first_at, data.last_at), (Some(t(0)), Some(t(200))));
    assert_eq!(data.unreadable_events, 0);
    assert_eq!(data.counters["chat"], 5);
    assert_eq!(data.counters["order"], 6);
    assert_eq!(data.counters["peak_viewers"], 250);

    let viewers: Vec<(DateTime<Utc>, u64)> = data.viewers.iter().map(|v| (v.at, v.viewers)).collect();
    assert_eq!(viewers, [(t(0), 100), (t(60), 250), (t(150), 180)]);

    let chat: Vec<(DateTime<Utc>, u64)> = data.chat_per_minute.iter().map(|m| (m.minute, m.messages)).collect();
    assert_eq!(chat, [(t(0), 3), (t(60), 0), (t(120), 2), (t(180), 0)]);

    let gold: Vec<(&str, &str)> =
        data.gifts_per_minute["gold"].iter().map(|g| (g.value.as_str(), g.cumulative.as_str())).collect();
    assert_eq!(gold, [("500", "500"), ("1000", "1500"), ("0", "1500"), ("0", "1500")]);
    let cny: Vec<&str> = data.gifts_per_minute["CNY"].iter().map(|g| g.cumulative.as_str()).collect();
    assert_eq!(cny, ["0", "2999.99", "3000.29", "3000.29"]);

    // tea: on a card 30 s..90 s; its orders at 10 s and at 90 s (the end is excluded) are outside.
    // cup: on from 90 s and never closed; both orders during. scarf: never on a card.
    let products: Vec<(&str, u64, u64, u64, u64, u64, u64)> = data
        .products
        .iter()
        .map(|p| {
            (p.product.as_str(), p.units, p.orders, p.orders_during, p.orders_outside, p.units_during, p.units_outside)
        })
        .collect();
    assert_eq!(products, [("tea", 6, 3, 1, 2, 2, 4), ("cup", 5, 2, 2, 0, 5, 0), ("scarf", 1, 1, 0, 1, 0, 1)]);
    assert_eq!(data.products[0].revenue["CNY"], "528");
    assert_eq!(data.products[1].revenue["CNY"], "99.5");
    assert_eq!((data.products[0].exposures, data.products[0].exposed_seconds), (1, 60.0));
    assert_eq!(data.products[1].exposed_seconds, 110.0, "open until the last data at 200 s");
    let during: Vec<bool> = data.orders.iter().map(|o| o.during_exposure).collect();
    assert_eq!(during, [false, true, false, false, true, true]);

    assert_eq!(data.exposures.len(), 2);
    assert_eq!(data.exposures[1].ended_at, None);

    let gold: Vec<(u32, &str, &str)> =
        data.leaderboard["gold"].iter().map(|r| (r.rank, r.name.as_str(), r.total.as_str())).collect();
    assert_eq!(gold, [(1, "茶茶", "1000"), (2, EVIL, "500")]);
    let cny: Vec<(&str, &str)> = data.leaderboard["CNY"].iter().map(|r| (r.name.as_str(), r.total.as_str())).collect();
    assert_eq!(cny, [("茶茶", "2999.99"), ("Lily", "50.3")]);

    let control: Vec<&str> = data.control_audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(control, ["kill_switch", "resume", "override"]);
    assert_eq!(data.audit.len(), 6);
    assert_eq!(data.audit[5].outcome, "no scene nope");
    assert_eq!(data.health.len(), 6);
    assert_eq!(
        data.health.iter().filter(|h| h.row.output == "to-1").map(|h| h.row.dropped_frames).collect::<Vec<_>>(),
        [0, 3, 7]
    );

    // JSON carries the same numbers.
    let json: serde_json::Value = serde_json::from_str(&data.to_json()).unwrap();
    assert_eq!(json["products"][0]["orders_during"], 1);
    assert_eq!(json["products"][0]["orders_outside"], 2);
    assert_eq!(json["chat_per_minute"][2]["messages"], 2);
    assert_eq!(json["leaderboard"]["gold"][0]["total"], "1000");
    assert_eq!(json["gifts_per_minute"]["CNY"][2]["cumulative"], "3000.29");
    assert_eq!(json["exposures"][1]["ended_at"], serde_json::Value::Null);
}

#[test]
fn the_html_is_self_contained_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let (db, session) = build(dir.path());
    let html = SessionData::load(&db, session).unwrap().to_html();

    // viewers, chat, gifts in CNY and in gold, exposures, bitrate, dropped frames.
    assert_eq!(html.matches("<svg").count(), 7, "one <svg> per chart");
    for id in ["viewers", "chat", "gifts-CNY", "gifts-gold", "exposures", "bitrate", "dropped"] {
        let start = html.find(&format!("id=\"chart-{id}\"")).unwrap_or_else(|| panic!("no chart {id}"));
        let figure = &html[start..start + html[start..].find("</figure>").unwrap()];
        assert!(figure.contains("<svg"), "chart {id} has its svg");
    }
    assert!(!html.contains(EVIL), "the viewer's name is escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.to_lowercase().contains("<script"));
    assert!(!html.contains("http://") && !html.contains("https://"), "no external URL");
    for external in ["src=", "href=", "@import", "url("] {
        assert!(!html.contains(external), "no {external}");
    }
    assert!(html.contains("双十一 · 抹茶专场"));
    assert!(html.contains("still on (never closed)"));
}

#[test]
fn csv_has_one_table_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let (db, session) = build(dir.path());
    let data = SessionData::load(&db, session).unwrap();
    let written = data.to_csv_files(&dir.path().join("show.csv")).unwrap();
    assert!(written.iter().all(|p| p.file_name().unwrap().to_string_lossy().starts_with("show-")));
    let products = std::fs::read_to_string(dir.path().join("show-products.csv")).unwrap();
    let lines: Vec<&str> = products.lines().collect();
    assert_eq!(lines[0], "product,units,orders,orders_during,orders_outside,units_during,units_outside,revenue,exposures,exposed_seconds");
    assert_eq!(lines[1], "tea,6,3,1,2,2,4,528 CNY,1,60");
    let chat = std::fs::read_to_string(dir.path().join("show-chat_per_minute.csv")).unwrap();
    assert_eq!(chat.lines().nth(3), Some("2026-11-25T12:02:00.000Z,2"));
    let board = std::fs::read_to_string(dir.path().join("show-leaderboard.csv")).unwrap();
    assert!(board.contains("gold,2,douyin:a,<script>alert(1)</script>,500"));
}

#[test]
fn missing_database_and_session_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(SessionData::load(&dir.path().join("nope.db"), 1), Err(ReportError::NoDatabase(_))));
    std::fs::write(dir.path().join("junk.db"), b"not sqlite at all, not even close......").unwrap();
    assert!(SessionData::load(&dir.path().join("junk.db"), 1).is_err());
    let (db, session) = build(dir.path());
    match SessionData::load(&db, session + 40) {
        Err(ReportError::NoSuchSession { session: missing, available }) => {
            assert_eq!(missing, session + 40);
            let titles: Vec<&str> = available.iter().map(|s| s.title.as_str()).collect();
            assert_eq!(titles, ["rehearsal", "双十一 · 抹茶专场"]);
        }
        other => panic!("expected NoSuchSession, got {other:?}"),
    }
}

#[test]
fn a_session_without_journal_tables_still_reports() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("listen.sqlite");
    let mut store = Store::open(&db, "listen only", Durability::ProcessCrash).unwrap();
    let mut n = 0;
    let e = event(&mut n, 0, user("x", "X"), order("tea", 1, "88"));
    store.write_batch(&[Recorded { event: &e, hidden: false }], &mut Tally::default()).unwrap();
    let data = SessionData::load(&db, store.session()).unwrap();
    assert_eq!(data.products[0].orders_outside, 1);
    assert!(data.audit.is_empty() && data.health.is_empty());
    assert_eq!(data.to_html().matches("<svg").count(), 6, "an empty gifts chart stands in");
}

/// Runs Chromium headless on `page` with no network, returns the screenshot.
fn screenshot(chromium: &Path, page: &Path, out: &Path, profile: &Path) -> image::RgbImage {
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--proxy-server=127.0.0.1:9",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", out.display()))
        .arg("--window-size=1280,2000")
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(out.is_file(), "chromium wrote no screenshot");
    image::open(out).unwrap().to_rgb8()
}

fn near(pixel: &image::Rgb<u8>, color: [u8; 3], tolerance: i32) -> bool {
    pixel.0.iter().zip(color).all(|(a, b)| (i32::from(*a) - i32::from(b)).abs() <= tolerance)
}

#[test]
fn chromium_draws_the_charts_with_no_network() {
    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        eprintln!("SKIPPED: /usr/bin/chromium is missing, the rendered report is not checked");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (db, session) = build(dir.path());
    let page = dir.path().join("report.html");
    std::fs::write(&page, SessionData::load(&db, session).unwrap().to_html()).unwrap();
    let shot = screenshot(chromium, &page, &dir.path().join("shot.png"), &dir.path().join("profile"));
    assert_eq!(shot.dimensions().0, 1280);
    if let Some(keep) = std::env::var_os("KAIBO_REPORT_KEEP") {
        // For a person to look at: the page and what Chromium made of it.
        let keep = PathBuf::from(keep);
        let _ = std::fs::copy(&page, keep.join("report.html"));
        let _ = std::fs::copy(dir.path().join("shot.png"), keep.join("report.png"));
    }

    let [red, blue, ..] = report::charts::PALETTE.map(|c| [c.0, c.1, c.2]);
    // The chat chart's bars are the only blue areas, the viewers and gift lines the only red.
    let blue_pixels = shot.pixels().filter(|p| near(p, blue, 12)).count();
    let red_pixels = shot.pixels().filter(|p| near(p, red, 12)).count();
    assert!(blue_pixels > 2_000, "the chat bars are drawn: {blue_pixels} blue pixels");
    assert!(red_pixels > 300, "the viewer and gift lines are drawn: {red_pixels} red pixels");

    // And the chart area as a whole is not blank: many rows hold dark pixels (axes, labels).
    let rows_with_ink = (0..shot.height())
        .filter(|&y| (0..shot.width()).any(|x| shot.get_pixel(x, y).0.iter().all(|c| *c < 100)))
        .count();
    assert!(rows_with_ink > 400, "{rows_with_ink} rows with text or axes");
}
