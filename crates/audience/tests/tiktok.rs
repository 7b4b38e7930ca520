//! TikTok LIVE through tiktok-live-connector's own event JSON (fixtures written from its
//! README's shapes): each event becomes what it should, a gift streak counts once, a streak
//! whose end never comes counts after the timeout, and the bridge takes them at
//! `/events/tiktok`.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use audience::adapters::tiktok::{TikTokAdapter, STREAK_TIMEOUT};
use audience::bridge::{self, BridgeConfig};
use audience::EventBody;
use support::{fixture, take};

#[test]
fn each_connector_event_becomes_an_audience_event() {
    let mut adapter = TikTokAdapter::default();
    let events = adapter.read(&fixture("tiktok/session.json"), "lin.shop").unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.body.kind()).collect();
    assert_eq!(kinds, ["viewers", "join", "chat", "gift", "gift", "like", "follow", "chat"]);
    assert!(events.iter().all(|e| e.platform == "tiktok" && e.room == "lin.shop"));
    assert_eq!(adapter.ignored, 1, "the share has no audience event");

    let EventBody::Viewers { viewers } = events[0].body else { panic!() };
    assert_eq!(viewers, 1520);
    let chat = &events[2];
    let EventBody::Chat { text, .. } = &chat.body else { panic!() };
    assert_eq!(text, "扣1 想要这个");
    let user = chat.user.as_ref().unwrap();
    assert_eq!(
        (user.id.as_str(), user.name.as_str(), user.badges.clone()),
        ("6813181309701243910", "林林", vec!["subscriber".to_owned()])
    );
    assert_eq!(chat.id, "tiktok:7230000000000000002");
    assert_eq!(chat.at.timestamp_millis(), 1_714_564_801_000);

    // The rose streak (steps 1, 2, 5, then its end) is one gift of 5.
    let EventBody::Gift { gift, .. } = &events[3].body else { panic!() };
    assert_eq!((gift.name.as_str(), gift.count, gift.currency.as_str()), ("Rose", 5, "diamonds"));
    assert_eq!(gift.total().unwrap().to_string(), "5");
    // A gift that is not streakable counts at once.
    let EventBody::Gift { gift, .. } = &events[4].body else { panic!() };
    assert_eq!((gift.name.as_str(), gift.count, gift.total().unwrap().to_string()), ("GG", 1, "100".to_owned()));
    let EventBody::Like { count } = events[5].body else { panic!() };
    assert_eq!(count, 15);
    let nested = events[7].user.as_ref().unwrap();
    assert_eq!((nested.name.as_str(), nested.badges.clone()), ("V2", vec!["moderator".to_owned()]));
}

#[test]
fn a_streak_that_never_ends_counts_once_after_the_timeout() {
    let mut adapter = TikTokAdapter::default();
    let step = |n: u32| {
        format!(
            r#"{{"event":"gift","data":{{"giftId":5655,"repeatCount":{n},"repeatEnd":false,"giftType":1,"giftName":"Rose","diamondCount":1,"userId":"9","msgId":"m{n}"}}}}"#
        )
    };
    let start = Instant::now();
    assert!(adapter.read_at(&step(1), "r", start).unwrap().is_empty());
    assert!(adapter.read_at(&step(3), "r", start + Duration::from_secs(1)).unwrap().is_empty());
    assert!(adapter.expired(start + Duration::from_secs(5)).is_empty());
    let late = adapter.expired(start + Duration::from_secs(1) + STREAK_TIMEOUT);
    assert_eq!(late.len(), 1);
    let EventBody::Gift { gift, .. } = &late[0].body else { panic!() };
    assert_eq!(gift.count, 3);
    assert!(adapter.expired(start + STREAK_TIMEOUT * 3).is_empty(), "counted twice");
}

#[test]
fn bad_bodies_say_what_is_wrong() {
    let mut adapter = TikTokAdapter::default();
    for (body, says) in [("{nope", "not JSON"), (r#"{"data":{}}"#, "`event`"), (r#"{"event":"chat"}"#, "`data`")] {
        let error = adapter.read(body, "r").unwrap_err();
        assert!(error.contains(says), "{body}: {error}");
    }
}

#[tokio::test]
async fn the_bridge_takes_tiktok_events() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let token = "test-token-0123456789";
    let config = BridgeConfig { listen: "127.0.0.1:0".parse().unwrap(), token: token.into(), hosts: vec![] };
    let bridge = bridge::start(config, tx).await.unwrap();
    let url = format!("http://{}/events/tiktok?room=lin.shop", bridge.addr);
    let client = reqwest::Client::new();
    let body = fixture("tiktok/session.json");
    assert_eq!(client.post(&url).body(body.clone()).send().await.unwrap().status(), 401);
    let response = client.post(&url).bearer_auth(token).body(body.clone()).send().await.unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["accepted"], 8);
    let events = take(&mut rx, 8).await;
    assert_eq!(events[3].body.kind(), "gift");
    // The same messages again are duplicates: nothing new reaches the studio.
    client.post(&url).bearer_auth(token).body(body).send().await.unwrap();
    assert!(support::nothing_more(&mut rx).await.is_none());
    let bad = client.post(&url).bearer_auth(token).body("[1]").send().await.unwrap();
    assert_eq!(bad.status(), 400);
}
