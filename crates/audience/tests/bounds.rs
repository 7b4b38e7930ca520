//! Peer-controlled numbers and texts stay bounded: counts saturate (never panic, never wrap),
//! chat text is cut at 500 characters, and a batch the database refuses is retried, not lost.
#![allow(clippy::unwrap_used)]

use audience::amount::Amount;
use audience::error::AudienceError;
use audience::event::MAX_TEXT_CHARS;
use audience::moderation::ModerationRules;
use audience::session::{Session, STORE_TRIES};
use audience::store::{Durability, Store};
use audience::tally::Tally;
use audience::{AudienceEvent, EventBody, Gift, User};
use chrono::Utc;

fn event(id: &str, body: EventBody) -> AudienceEvent {
    AudienceEvent {
        platform: "bridge".into(),
        room: "r".into(),
        id: id.into(),
        at: Utc::now(),
        user: Some(User {
            id: "u1".into(),
            name: "Big Spender".into(),
            badges: vec![],
        }),
        body,
    }
}

fn huge_gift(id: &str) -> AudienceEvent {
    let gift = Gift {
        name: "rocket".into(),
        count: u64::MAX,
        unit_value: Amount::from_micros(i64::MAX),
        currency: "gold".into(),
    };
    event(id, EventBody::Gift { gift, text: None })
}

#[test]
fn huge_counts_saturate_in_the_tally() {
    let mut tally = Tally::default();
    for i in 0..4 {
        tally.add(&event(
            &format!("l{i}"),
            EventBody::Like { count: u64::MAX },
        ));
        tally.add(&event(
            &format!("j{i}"),
            EventBody::Join {
                count: u64::MAX,
                via: None,
            },
        ));
        tally.add(&huge_gift(&format!("g{i}")));
        let order = EventBody::Order {
            product: "p".into(),
            quantity: u64::MAX,
            amount: Amount::from_micros(i64::MAX),
            currency: "CNY".into(),
            stock_left: None,
        };
        tally.add(&event(&format!("o{i}"), order));
        tally.add(&event(
            &format!("s{i}"),
            EventBody::SuperChat {
                amount: Amount::from_micros(i64::MAX),
                currency: "CNY".into(),
                text: String::new(),
                tier: None,
            },
        ));
    }
    assert_eq!(
        (
            tally.likes,
            tally.joins,
            tally.gift_items,
            tally.order_items
        ),
        (u64::MAX, u64::MAX, u64::MAX, u64::MAX)
    );
    assert_eq!(tally.gift_totals["gold"], i128::MAX);
    assert_eq!(tally.by_user["bridge:u1"].totals["gold"], i128::MAX);
    assert_eq!(tally.events, 20);
    // The leaderboard and the report read the saturated sums without trouble.
    assert_eq!(tally.leaderboard("gold", 3).len(), 1);
}

#[test]
fn huge_counts_are_stored_and_chat_after_them_is_recorded() {
    let mut session = Session::new(
        Store::in_memory("overflow").unwrap(),
        &ModerationRules::default(),
    );
    for round in 0..3 {
        let batch = vec![
            event(
                &format!("like-{round}"),
                EventBody::Like { count: u64::MAX },
            ),
            huge_gift(&format!("gift-{round}")),
            event(
                &format!("chat-{round}"),
                EventBody::Chat {
                    text: "still here".into(),
                    emotes: vec![],
                },
            ),
        ];
        assert_eq!(session.record(batch).unwrap().len(), 3);
    }
    assert_eq!(session.tally().chats, 3);
    assert_eq!(
        session.store().stored_counter("like").unwrap(),
        Some(i64::MAX as u64),
        "saturated, not wrapped to -1"
    );
    assert_eq!(session.store().stored_counter("chat").unwrap(), Some(3));
    let report = session.report().unwrap();
    assert!(report.to_csv().contains("gift_total"));
    // Counting again from the stored rows gives the same saturated sums.
    assert_eq!(
        session.store().rebuild_tally().unwrap().gift_totals["gold"],
        i128::MAX
    );
}

#[test]
fn chat_text_is_cut_by_characters_never_inside_one() {
    let text: String = "a好😀".repeat(400);
    let mut chat = event(
        "c",
        EventBody::Chat {
            text: text.clone(),
            emotes: vec![],
        },
    );
    chat.clamp();
    let EventBody::Chat { text: cut, .. } = &chat.body else {
        panic!()
    };
    assert_eq!(cut.chars().count(), MAX_TEXT_CHARS);
    assert!(text.starts_with(cut.as_str()));
    let mut short = event(
        "s",
        EventBody::SuperChat {
            amount: Amount::ZERO,
            currency: "CNY".into(),
            text: "短".into(),
            tier: None,
        },
    );
    short.clamp();
    assert_eq!(
        short.body,
        EventBody::SuperChat {
            amount: Amount::ZERO,
            currency: "CNY".into(),
            text: "短".into(),
            tier: None
        }
    );
}

/// A store whose database refuses every insert while `refuse` holds a row.
fn refusing_store() -> (tempfile::TempDir, Store, rusqlite::Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.db");
    let store = Store::open(&path, "retry", Durability::ProcessCrash).unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch(
            "CREATE TABLE refuse (x INTEGER);
             CREATE TRIGGER no_events BEFORE INSERT ON events WHEN EXISTS (SELECT 1 FROM refuse)
             BEGIN SELECT RAISE(ABORT, 'the disk is full'); END;",
        )
        .unwrap();
    (dir, store, other)
}

fn chat(id: &str) -> AudienceEvent {
    event(
        id,
        EventBody::Chat {
            text: id.into(),
            emotes: vec![],
        },
    )
}

#[test]
fn a_failed_batch_is_retried_not_dropped() {
    let (_dir, store, other) = refusing_store();
    let mut session = Session::new(store, &ModerationRules::default());
    other.execute("INSERT INTO refuse VALUES (1)", []).unwrap();
    assert!(matches!(
        session.record(vec![chat("a"), chat("b")]),
        Err(AudienceError::Store(_))
    ));
    assert_eq!(session.held(), 2, "the failed batch is kept");
    assert!(session.record(vec![chat("c")]).is_err());
    assert_eq!(session.held(), 3);
    other.execute("DELETE FROM refuse", []).unwrap();
    let fresh = session.record(Vec::new()).unwrap();
    let ids: Vec<&str> = fresh.iter().map(|m| m.event.id.as_str()).collect();
    assert_eq!(
        ids,
        ["a", "b", "c"],
        "all held events are written, in order"
    );
    assert_eq!(session.held(), 0);
    assert_eq!(session.tally().chats, 3);
    assert_eq!(session.store().event_count().unwrap(), 3);
}

#[test]
fn a_batch_that_keeps_failing_is_given_up_with_a_notice() {
    let (_dir, store, other) = refusing_store();
    let mut session = Session::new(store, &ModerationRules::default());
    other.execute("INSERT INTO refuse VALUES (1)", []).unwrap();
    for attempt in 1..STORE_TRIES {
        assert!(matches!(
            session.record(vec![chat(&format!("e{attempt}"))]),
            Err(AudienceError::Store(_))
        ));
    }
    let error = session.record(Vec::new()).unwrap_err();
    let AudienceError::StoreGaveUp { events, tries, .. } = &error else {
        panic!("{error}")
    };
    assert_eq!((*events, *tries), (STORE_TRIES as usize - 1, STORE_TRIES));
    assert!(error.to_string().contains("could not be stored"), "{error}");
    assert_eq!(session.held(), 0, "given up, so memory stays bounded");
    // The database comes back: new events are recorded again.
    other.execute("DELETE FROM refuse", []).unwrap();
    assert_eq!(session.record(vec![chat("later")]).unwrap().len(), 1);
}
