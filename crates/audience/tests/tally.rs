//! Tallies are exact: 100,000 simulated events through the channel, moderation, the tally and
//! SQLite match the simulator's own ground truth, in memory, in the database and in the report.
#![allow(clippy::unwrap_used)]

use audience::amount::Amount;
use audience::moderation::ModerationRules;
use audience::session::{spawn_writer, Session};
use audience::simulator::{self, Simulator, SimulatorConfig};
use audience::store::{Durability, Store};
use audience::tally::Tally;
use chrono::TimeZone;
use tokio::sync::mpsc;

const EVENTS: u64 = 100_000;

fn config() -> SimulatorConfig {
    SimulatorConfig {
        seed: 2024,
        rate: 0.0,
        count: Some(EVENTS),
        start: Some(chrono::Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap()),
        ..SimulatorConfig::default()
    }
}

#[test]
fn the_simulator_is_reproducible() {
    let mut a = Simulator::new(config());
    let mut b = Simulator::new(config());
    for _ in 0..1000 {
        assert_eq!(a.next_event(), b.next_event());
    }
    let mut kinds: Vec<&str> = a.truth().kinds.keys().copied().collect();
    kinds.sort();
    assert_eq!(kinds, ["chat", "follow", "gift", "join", "like", "order", "subscription", "super_chat", "viewers"]);
}

#[test]
fn hundred_thousand_events_tally_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("session.sqlite");
    let store = Store::open(&db, "rehearsal", Durability::ProcessCrash).unwrap();
    let rules = ModerationRules { banned_words: vec!["包邮".into()], ..Default::default() };
    let (tx, rx) = mpsc::channel(4096);
    let writer = spawn_writer(Session::new(store, &rules), rx, None);

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let truth = runtime.block_on(async {
        let (handle, truth) = simulator::spawn(config(), tx);
        handle.join().await;
        let truth = truth.lock().unwrap().clone();
        truth
    });
    let session = writer.join().unwrap().unwrap();
    let tally: &Tally = session.tally();

    assert_eq!(tally.events, EVENTS);
    assert_eq!(truth.kinds.values().sum::<u64>(), EVENTS);
    assert_eq!(tally.chats, truth.kinds["chat"]);
    assert_eq!(tally.gifts, truth.kinds["gift"]);
    assert_eq!(tally.super_chats, truth.kinds["super_chat"]);
    assert_eq!(tally.follows, truth.kinds["follow"]);
    assert_eq!(tally.joins, truth.kinds["join"]);
    assert_eq!(tally.subscriptions, truth.kinds["subscription"]);
    assert_eq!(tally.orders, truth.kinds["order"]);
    assert_eq!(truth.order_count.values().sum::<u64>(), tally.orders);
    assert_eq!(truth.order_units.values().sum::<u64>(), tally.order_items);
    assert_eq!(tally.likes, truth.likes);
    assert_eq!(tally.gift_items, truth.gift_items);
    assert_eq!(tally.peak_viewers, truth.peak_viewers);
    assert_eq!(tally.gift_totals, truth.gift_micros);
    assert_eq!(tally.super_chat_totals, truth.super_chat_micros);
    assert_eq!(tally.order_totals, truth.order_micros);
    for ((user, currency), micros) in &truth.spent_by_user {
        let key = format!("simulator:{user}");
        assert_eq!(tally.by_user[&key].totals[currency], *micros, "{key} {currency}");
    }
    assert_eq!(tally.gift_totals["CNY"] % 10_000, 0, "0.1 and 2999.99 CNY gifts add up to whole fen: no float drift");

    // The database holds the same, committed.
    let store = session.store();
    assert_eq!(store.event_count().unwrap(), EVENTS);
    for (currency, micros) in &truth.gift_micros {
        assert_eq!(store.stored_total("gift", currency).unwrap(), Some(Amount::format_micros(*micros)));
    }
    assert_eq!(store.stored_counter("chat").unwrap(), Some(truth.kinds["chat"]));
    assert_eq!(store.stored_counter("peak_viewers").unwrap(), Some(truth.peak_viewers));
    assert_eq!(&store.rebuild_tally().unwrap(), tally, "counting again from the stored events agrees");
    assert!(session.moderator().counts().masked > 0);

    // The report, as JSON and CSV.
    let (json, csv) = (dir.path().join("report.json"), dir.path().join("report.csv"));
    session.export(&json, &csv).unwrap();
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["counts"]["chat"], truth.kinds["chat"]);
    assert_eq!(report["gift_totals"]["gold"], Amount::format_micros(truth.gift_micros["gold"]));
    let top = &report["leaderboard"]["gold"][0];
    let best = truth.spent_by_user.iter().filter(|((_, c), _)| c == "gold").map(|(_, m)| *m).max().unwrap();
    assert_eq!(top["total"], Amount::format_micros(best));
    let csv = std::fs::read_to_string(&csv).unwrap();
    assert!(csv.starts_with("section,key,currency,name,value\n"));
    assert!(csv.contains(&format!("gift_total,,CNY,,{}\n", Amount::format_micros(truth.gift_micros["CNY"]))), "{csv}");
}

#[test]
fn duplicates_never_count_twice() {
    let mut session = Session::new(Store::in_memory("dups").unwrap(), &ModerationRules::default());
    let mut simulator = Simulator::new(config());
    let events: Vec<_> = (0..500).map(|_| simulator.next_event()).collect();
    let fresh = session.record(events.clone()).unwrap();
    assert_eq!(fresh.len(), 500);
    // The same events again (a bridge sender retrying, a second connector): nothing new.
    let fresh = session.record(events[100..].to_vec()).unwrap();
    assert!(fresh.is_empty());
    assert_eq!(session.tally().events, 500);
    assert_eq!(session.tally().gift_totals, simulator.truth().gift_micros);
}

#[test]
fn committed_events_survive_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.sqlite");
    let mut simulator = Simulator::new(config());
    let session_id = {
        let mut session =
            Session::new(Store::open(&db, "before", Durability::ProcessCrash).unwrap(), &ModerationRules::default());
        session.record((0..300).map(|_| simulator.next_event()).collect()).unwrap();
        let id = session.store().session();
        // Dropped without any shutdown: what `record` acknowledged must be on disk.
        std::mem::forget(session);
        id
    };
    let conn = rusqlite::Connection::open(&db).unwrap();
    let stored: i64 =
        conn.query_row("SELECT COUNT(*) FROM events WHERE session = ?1", [session_id], |r| r.get(0)).unwrap();
    assert_eq!(stored, 300);
    let gold: String = conn
        .query_row(
            "SELECT total FROM totals WHERE session = ?1 AND category = 'gift' AND currency = 'gold'",
            [session_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(gold, Amount::format_micros(simulator.truth().gift_micros["gold"]));
}
