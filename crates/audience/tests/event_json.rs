//! The `AudienceEvent` JSON contract: one round trip per kind, and the documented examples.
#![allow(clippy::unwrap_used)]

mod support;

use audience::{Amount, AudienceEvent, EmoteRange, EventBody, Gift, User};
use chrono::{TimeZone, Utc};
use serde_json::json;

fn base(body: EventBody) -> AudienceEvent {
    AudienceEvent {
        platform: "twitch".into(),
        room: "kaiboshop".into(),
        id: "evt-1".into(),
        at: Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap(),
        user: Some(User { id: "42".into(), name: "茶茶".into(), badges: vec!["moderator".into()] }),
        body,
    }
}

fn round_trip(event: &AudienceEvent, expected: serde_json::Value) {
    let value = serde_json::to_value(event).unwrap();
    assert_eq!(value, expected);
    let back: AudienceEvent = serde_json::from_value(value).unwrap();
    assert_eq!(&back, event);
}

fn head(kind: &str) -> serde_json::Value {
    json!({"platform": "twitch", "room": "kaiboshop", "id": "evt-1", "at": "2024-05-01T12:00:00Z", "kind": kind,
           "user": {"id": "42", "name": "茶茶", "badges": ["moderator"]}})
}

fn with(kind: &str, fields: serde_json::Value) -> serde_json::Value {
    let mut value = head(kind);
    for (k, v) in fields.as_object().unwrap() {
        value[k] = v.clone();
    }
    value
}

#[test]
fn chat_round_trips() {
    let event = base(EventBody::Chat {
        text: "Kappa 抹茶 😍".into(),
        emotes: vec![EmoteRange { id: "25".into(), start: 0, end: 5 }],
    });
    round_trip(&event, with("chat", json!({"text": "Kappa 抹茶 😍", "emotes": [{"id": "25", "start": 0, "end": 5}]})));
}

#[test]
fn gift_round_trips() {
    let gift = Gift { name: "辣条".into(), count: 5, unit_value: Amount::from_units(100), currency: "gold".into() };
    let event = base(EventBody::Gift { gift, text: None });
    round_trip(
        &event,
        with("gift", json!({"gift": {"name": "辣条", "count": 5, "unit_value": "100", "currency": "gold"}})),
    );
}

#[test]
fn super_chat_round_trips() {
    let event = base(EventBody::SuperChat {
        amount: "4.99".parse().unwrap(),
        currency: "USD".into(),
        text: "hi".into(),
        tier: Some(2),
    });
    round_trip(&event, with("super_chat", json!({"amount": "4.99", "currency": "USD", "text": "hi", "tier": 2})));
}

#[test]
fn like_follow_join_round_trip() {
    round_trip(&base(EventBody::Like { count: 3 }), with("like", json!({"count": 3})));
    round_trip(&base(EventBody::Follow {}), head("follow"));
    round_trip(
        &base(EventBody::Join { count: 15, via: Some("raid".into()) }),
        with("join", json!({"count": 15, "via": "raid"})),
    );
}

#[test]
fn subscription_round_trips() {
    let event = base(EventBody::Subscription { tier: "1000".into(), months: Some(6), text: Some("keep it up".into()) });
    round_trip(&event, with("subscription", json!({"tier": "1000", "months": 6, "text": "keep it up"})));
}

#[test]
fn order_round_trips() {
    let event = base(EventBody::Order {
        product: "tea".into(),
        quantity: 2,
        amount: "176".parse().unwrap(),
        currency: "CNY".into(),
        stock_left: None,
    });
    round_trip(&event, with("order", json!({"product": "tea", "quantity": 2, "amount": "176", "currency": "CNY"})));
    let event = base(EventBody::Order {
        product: "tea".into(),
        quantity: 2,
        amount: "176".parse().unwrap(),
        currency: "CNY".into(),
        stock_left: Some(12),
    });
    round_trip(
        &event,
        with("order", json!({"product": "tea", "quantity": 2, "amount": "176", "currency": "CNY", "stock_left": 12})),
    );
}

#[test]
fn viewers_round_trip_without_user() {
    let mut event = base(EventBody::Viewers { viewers: 1234 });
    event.user = None;
    let mut expected = with("viewers", json!({"viewers": 1234}));
    expected.as_object_mut().unwrap().remove("user");
    round_trip(&event, expected);
}

#[test]
fn bridge_senders_may_write_numbers_offsets_and_defaults() {
    let event: AudienceEvent = serde_json::from_str(&support::fixture("bridge/douyin_gift.json")).unwrap();
    assert_eq!(event.at, Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap(), "+08:00 is read and written as UTC");
    let event: AudienceEvent = serde_json::from_value(json!({
        "platform": "taobao", "room": "r", "id": "o1", "at": "2024-05-01T12:00:00Z", "kind": "order",
        "product": "tea", "quantity": 1, "amount": 88.8, "currency": "CNY"
    }))
    .unwrap();
    let EventBody::Order { amount, .. } = event.body else { panic!("not an order") };
    assert_eq!(amount.micros(), 88_800_000);
    let like: AudienceEvent = serde_json::from_value(
        json!({"platform": "douyin", "room": "r", "id": "l1", "at": "2024-05-01T12:00:00Z", "kind": "like"}),
    )
    .unwrap();
    assert_eq!(like.body, EventBody::Like { count: 1 });
}

#[test]
fn rejects_unknown_kinds_and_bad_amounts() {
    for bad in [
        json!({"platform": "x", "room": "r", "id": "1", "at": "2024-05-01T12:00:00Z", "kind": "dance"}),
        json!({"platform": "x", "room": "r", "id": "1", "at": "yesterday", "kind": "follow"}),
        json!({"platform": "x", "room": "r", "id": "1", "at": "2024-05-01T12:00:00Z", "kind": "gift",
               "gift": {"name": "g", "count": 1, "unit_value": "1.2345678", "currency": "CNY"}}),
    ] {
        assert!(serde_json::from_value::<AudienceEvent>(bad.clone()).is_err(), "{bad}");
    }
}

/// Every JSON example in docs/audience.md parses as an event (the docs and the type agree).
#[test]
fn documented_examples_parse() {
    let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/audience.md");
    let text = std::fs::read_to_string(&doc).unwrap();
    let mut count = 0;
    for block in text.split("```json").skip(1) {
        let json = block.split("```").next().unwrap();
        let value: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
        if value.get("kind").is_some() {
            let event: AudienceEvent = serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{e}: {json}"));
            assert_eq!(serde_json::to_value(&event).unwrap()["kind"], value["kind"]);
            count += 1;
        }
    }
    assert!(count >= 9, "docs/audience.md should show every kind, found {count} examples");
}
