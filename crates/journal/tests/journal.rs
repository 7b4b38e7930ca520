//! The journal round-trips its three tables and shares the session file with the audience store.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use audience::store::{Durability, Recorded, Store};
use audience::tally::Tally;
use audience::{AudienceEvent, EventBody, User};
use chrono::{DateTime, TimeZone, Utc};
use journal::{AuditEntry, HealthRow, Journal, JournalError};

fn t(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap() + chrono::Duration::milliseconds(seconds * 1000 + 125)
}

fn entry(at: DateTime<Utc>, source: &str, action: &str, detail: &str, outcome: &str) -> AuditEntry {
    AuditEntry { at, source: source.into(), action: action.into(), detail: detail.into(), outcome: outcome.into() }
}

#[test]
fn audit_entries_round_trip_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("sessions.db"), 7).unwrap();
    let entries = vec![
        entry(t(0), "desktop", "go_live", "", "ok"),
        entry(t(5), "remote_console", "kill_switch", "{\"reason\":\"谁 <b>\"}", "ok"),
        entry(t(6), "hotkey", "resume", "", "not killed"),
        entry(t(6), "api", "switch_scene", "main", "ok"),
    ];
    for e in &entries {
        journal.audit(e).unwrap();
    }
    assert_eq!(journal.audit_entries().unwrap(), entries);
    // Another session in the same file keeps its own numbering and its own rows.
    let other = Journal::open(&dir.path().join("sessions.db"), 8).unwrap();
    other.audit(&entries[0]).unwrap();
    assert_eq!(other.audit_entries().unwrap(), entries[..1]);
    assert_eq!(journal.audit_entries().unwrap().len(), 4);
}

#[test]
fn exposures_round_trip_and_one_left_open_reads_back_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.db");
    let journal = Journal::open(&path, 1).unwrap();
    let tea = journal.open_exposure("tea", "card", "cue_product", t(10)).unwrap();
    journal.close_exposure(tea, t(70)).unwrap();
    let cup = journal.open_exposure("cup", "card", "set_card_product", t(70)).unwrap();
    drop(journal);

    // A new connection (the studio restarted, or a report) reads the same.
    let journal = Journal::open(&path, 1).unwrap();
    let exposures = journal.exposures().unwrap();
    assert_eq!(exposures.len(), 2);
    assert_eq!((exposures[0].id, exposures[0].product.as_str(), exposures[0].layer.as_str()), (tea, "tea", "card"));
    assert_eq!(exposures[0].cued_by, "cue_product");
    assert_eq!((exposures[0].started_at, exposures[0].ended_at), (t(10), Some(t(70))));
    assert_eq!((exposures[1].id, exposures[1].product.as_str(), exposures[1].ended_at), (cup, "cup", None));
    assert_eq!(exposures[1].started_at, t(70));

    assert!(matches!(journal.close_exposure(9999, t(80)), Err(JournalError::NoSuchExposure(9999))));
    // Another session cannot close this one's exposure.
    let other = Journal::open(&path, 2).unwrap();
    assert!(other.close_exposure(cup, t(80)).is_err());
    assert!(other.exposures().unwrap().is_empty());
}

#[test]
fn times_are_utc_milliseconds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.db");
    let journal = Journal::open(&path, 1).unwrap();
    journal.open_exposure("tea", "card", "auto", t(1)).unwrap();
    drop(journal);
    let conn = rusqlite_conn(&path);
    let started: String = conn.query_row("SELECT started_at FROM exposures", [], |r| r.get(0)).unwrap();
    assert_eq!(started, "2026-11-25T12:00:01.125Z");
}

fn rusqlite_conn(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

fn row(output: &str, state: &str, bitrate: f64, dropped: u64) -> HealthRow {
    HealthRow {
        output: output.into(),
        state: state.into(),
        bitrate_kbps: bitrate,
        fps: 30.0,
        dropped_frames: dropped,
        dropped_percent: dropped as f64 / 10.0,
    }
}

#[test]
fn health_rows_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("sessions.db"), 3).unwrap();
    journal.health(t(1), &[row("recording", "live", 3000.5, 0), row("to-1", "live", 2980.0, 2)]).unwrap();
    journal.health(t(2), &[row("to-1", "reconnecting", 0.0, 40)]).unwrap();
    journal.health(t(3), &[]).unwrap();
    let mut odd = row("to-2", "failed", f64::NAN, u64::MAX);
    odd.fps = f64::INFINITY;
    journal.health(t(4), &[odd]).unwrap();

    let samples = journal.health_samples().unwrap();
    assert_eq!(samples.len(), 4);
    assert_eq!((samples[0].at, &samples[0].row), (t(1), &row("recording", "live", 3000.5, 0)));
    assert_eq!((samples[1].at, &samples[1].row), (t(1), &row("to-1", "live", 2980.0, 2)));
    assert_eq!((samples[2].at, &samples[2].row), (t(2), &row("to-1", "reconnecting", 0.0, 40)));
    // Numbers SQLite cannot keep come back as NaN, not as an error.
    assert!(samples[3].row.bitrate_kbps.is_nan() && samples[3].row.fps.is_nan());
    assert_eq!(samples[3].row.dropped_frames, i64::MAX as u64);
}

fn chat(n: usize) -> AudienceEvent {
    AudienceEvent {
        platform: "simulator".into(),
        room: "r".into(),
        id: format!("e{n}"),
        at: t(n as i64),
        user: Some(User { id: format!("u{}", n % 7), name: "茶茶".into(), badges: Vec::new() }),
        body: EventBody::Chat { text: "上链接".into(), emotes: Vec::new() },
    }
}

#[test]
fn a_store_and_a_journal_write_the_same_file_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.db");
    let store = Store::open(&path, "rehearsal", Durability::ProcessCrash).unwrap();
    let session = store.session();
    let journal_path = path.clone();

    // The journal writes audit rows, exposures and health as fast as it can on its own thread
    // while the store writes event batches on this one.
    let writer = std::thread::spawn(move || {
        let journal = Journal::open(&journal_path, session).unwrap();
        for i in 0..400_i64 {
            journal.audit(&entry(t(i), "auto", "cue_product", &format!("item {i}"), "ok")).unwrap();
            let id = journal.open_exposure("tea", "card", "auto", t(i)).unwrap();
            journal.health(t(i), &[row("recording", "live", 3000.0, 0), row("to-1", "live", 2900.0, 1)]).unwrap();
            journal.close_exposure(id, t(i + 1)).unwrap();
        }
        journal
    });
    let mut store = store;
    let mut tally = Tally::default();
    let events: Vec<AudienceEvent> = (0..4000).map(chat).collect();
    for batch in events.chunks(20) {
        let recorded: Vec<Recorded<'_>> = batch.iter().map(|event| Recorded { event, hidden: false }).collect();
        store.write_batch(&recorded, &mut tally).unwrap();
    }
    let journal = writer.join().unwrap();

    assert_eq!(store.event_count().unwrap(), 4000);
    assert_eq!(tally.chats, 4000);
    let audit = journal.audit_entries().unwrap();
    assert_eq!(audit.len(), 400);
    assert!(audit.iter().enumerate().all(|(i, e)| e.detail == format!("item {i}")));
    assert_eq!(journal.exposures().unwrap().len(), 400);
    assert!(journal.exposures().unwrap().iter().all(|e| e.ended_at.is_some()));
    assert_eq!(journal.health_samples().unwrap().len(), 800);
}

#[test]
fn opening_a_journal_on_an_audience_file_keeps_its_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.db");
    let mut store = Store::open(&path, "show", Durability::ProcessCrash).unwrap();
    let event = chat(1);
    store.write_batch(&[Recorded { event: &event, hidden: false }], &mut Tally::default()).unwrap();
    let journal = Journal::open(&path, store.session()).unwrap();
    journal.audit(&entry(t(1), "cli", "end_show", "", "ok")).unwrap();
    drop(journal);
    let journal = Journal::open(&path, store.session()).unwrap();
    assert_eq!(journal.audit_entries().unwrap().len(), 1);
    assert_eq!(store.event_count().unwrap(), 1);
    assert!(journal::has_tables(&rusqlite_conn(&path)).unwrap());
}
