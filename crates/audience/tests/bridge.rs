//! The bridge: token required (401 otherwise), events by HTTP POST and by WebSocket, bodies
//! and messages bounded, and its JSON parser fuzzed.
#![allow(clippy::unwrap_used)]

mod support;

use audience::bridge::{self, BridgeConfig};
use audience::EventBody;
use futures_util::{SinkExt, StreamExt};
use support::{fixture, take};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

const TOKEN: &str = "test-token-0123456789";

async fn start() -> (bridge::Bridge, mpsc::Receiver<audience::AudienceEvent>) {
    let (tx, rx) = mpsc::channel(64);
    let config = BridgeConfig { listen: "127.0.0.1:0".parse().unwrap(), token: TOKEN.into(), hosts: vec![] };
    (bridge::start(config, tx).await.unwrap(), rx)
}

#[tokio::test]
async fn post_needs_the_token() {
    let (bridge, mut rx) = start().await;
    let url = format!("http://{}/events", bridge.addr);
    let client = reqwest::Client::new();
    let body = fixture("bridge/douyin_gift.json");

    for request in [client.post(&url), client.post(&url).bearer_auth("wrong-token-0123456789"), client.post(format!("{url}?token=nope"))] {
        let response = request.body(body.clone()).send().await.unwrap();
        assert_eq!(response.status(), 401);
    }
    let response = client.post(&url).bearer_auth(TOKEN).body(body.clone()).send().await.unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["accepted"], 1);
    let event = take(&mut rx, 1).await.remove(0);
    assert_eq!((event.platform.as_str(), event.id.as_str()), ("douyin", "dy-gift-0001"));
    let EventBody::Gift { gift, .. } = event.body else { panic!() };
    assert_eq!((gift.count, gift.currency.as_str()), (10, "douyin_coin"));

    // An array, with the token in the query (for senders that cannot set headers); a retry of
    // the first event is dropped as a duplicate.
    let batch = format!(
        r#"[{body}, {{"platform":"taobao","room":"shop-1","id":"tb-order-9","at":"2024-05-01T12:00:00Z","kind":"order","product":"tea","quantity":2,"amount":"176","currency":"CNY"}}]"#
    );
    let response = client.post(format!("{url}?token={TOKEN}")).body(batch).send().await.unwrap();
    assert_eq!(response.status(), 202);
    let order = take(&mut rx, 1).await.remove(0);
    assert_eq!(order.id, "tb-order-9");
    assert!(support::nothing_more(&mut rx).await.is_none());
    assert_eq!(bridge.handle.stats().snapshot().duplicates, 1);

    for bad in ["{not json", r#"{"platform":"x","kind":"chat"}"#, r#"{"platform":"","room":"r","id":"1","at":"2024-05-01T12:00:00Z","kind":"follow"}"#] {
        let response = client.post(&url).bearer_auth(TOKEN).body(bad).send().await.unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        let error = response.json::<serde_json::Value>().await.unwrap();
        assert!(error["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    assert_eq!(bridge.handle.stats().snapshot().malformed, 3);
    bridge.handle.stop().await;
}

#[tokio::test]
async fn websocket_needs_the_token_and_answers_each_message() {
    let (bridge, mut rx) = start().await;
    let refused = tokio_tungstenite::connect_async(format!("ws://{}/ws", bridge.addr)).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("expected 401, got {other:?}"),
    }

    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws?token={TOKEN}", bridge.addr)).await.unwrap();
    socket
        .send(Message::text(r#"{"platform":"kuaishou","room":"ks1","id":"ks-1","at":"2024-05-01T12:00:00Z","kind":"chat","user":{"id":"9","name":"阿花"},"text":"上链接 🔥"}"#))
        .await
        .unwrap();
    let reply = socket.next().await.unwrap().unwrap().into_text().unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&reply).unwrap()["accepted"], 1);
    let event = take(&mut rx, 1).await.remove(0);
    assert_eq!(event.body, EventBody::Chat { text: "上链接 🔥".into(), emotes: vec![] });

    socket.send(Message::text("[1,2,3]")).await.unwrap();
    let reply = socket.next().await.unwrap().unwrap().into_text().unwrap();
    assert!(serde_json::from_str::<serde_json::Value>(&reply).unwrap()["error"].is_string());
    bridge.handle.stop().await;
}

#[tokio::test]
async fn refuses_a_short_token() {
    let (tx, _rx) = mpsc::channel(1);
    for short in ["abc", "0123456789abcde"] {
        let config = BridgeConfig { listen: "127.0.0.1:0".parse().unwrap(), token: short.into(), hosts: vec![] };
        let error = bridge::start(config, tx.clone()).await.unwrap_err().to_string();
        assert!(error.contains("16"), "{error}");
    }
}

#[tokio::test]
async fn big_bodies_and_messages_are_refused_and_the_bridge_goes_on() {
    let (bridge, mut rx) = start().await;
    let url = format!("http://{}/events", bridge.addr);
    let client = reqwest::Client::new();
    let big = format!("[{}]", " ".repeat(2 << 20));
    let response = client.post(&url).bearer_auth(TOKEN).body(big).send().await.unwrap();
    assert_eq!(response.status(), 413);
    assert!(response.json::<serde_json::Value>().await.unwrap()["error"].as_str().unwrap().contains("1 MiB"));

    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws?token={TOKEN}", bridge.addr)).await.unwrap();
    let _ = socket.send(Message::text("x".repeat(2 << 20))).await;
    let ended = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert_eq!(ended, Ok(true), "a 2 MiB message ends that socket");

    let response = client.post(&url).bearer_auth(TOKEN).body(fixture("bridge/douyin_gift.json")).send().await.unwrap();
    assert_eq!(response.status(), 202, "the bridge goes on");
    assert_eq!(take(&mut rx, 1).await.len(), 1);
    bridge.handle.stop().await;
}

#[tokio::test]
async fn foreign_host_names_and_origins_are_refused() {
    let (bridge, _rx) = start().await;
    let client = reqwest::Client::new();
    let url = format!("http://{}/events", bridge.addr);
    let body = fixture("bridge/douyin_gift.json");
    let evil = format!("evil.example:{}", bridge.addr.port());
    let response = client.post(&url).bearer_auth(TOKEN).header("Host", evil).body(body.clone()).send().await.unwrap();
    assert_eq!(response.status(), 421);
    let localhost = format!("localhost:{}", bridge.addr.port());
    let response = client.post(&url).bearer_auth(TOKEN).header("Host", localhost).body(body).send().await.unwrap();
    assert_eq!(response.status(), 202);

    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{}/ws?token={TOKEN}", bridge.addr).into_client_request().unwrap();
    request.headers_mut().insert("Origin", "http://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("expected 403, got {other:?}"),
    }
    bridge.handle.stop().await;
}

/// The bridge's JSON parser under proptest: 24,000 cases in all.
mod fuzz {
    use audience::bridge::parse_events;
    use proptest::prelude::*;

    /// The longest error the parser may give back (300 characters and an ellipsis).
    const MAX_ERROR: usize = 301;

    /// Whatever comes in: no panic, an error of bounded length, and no more events than the
    /// input could hold (the smallest event is well over 40 bytes).
    fn check(body: &str) {
        match parse_events(body) {
            Ok(events) => assert!(events.len() * 40 <= body.len(), "{} events from {} bytes", events.len(), body.len()),
            Err(error) => assert!(error.chars().count() <= MAX_ERROR, "an error of {} characters", error.chars().count()),
        }
    }

    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("18446744073709551615".to_owned()),
            Just("18446744073709551616".to_owned()),
            Just("-1".to_owned()),
            Just("1e400".to_owned()),
            Just("0.5".to_owned()),
            Just("99999999999999999999999999999999999999".to_owned()),
            any::<u64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|n| n.to_string()),
        ]
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), "[a-z0-9 ]{0,12}", Just(String::new()), Just("\u{0}\u{202e}🔥".to_owned())]
            .prop_map(|s| serde_json::to_string(&s).unwrap())
    }

    /// An event with each field maybe missing, of the wrong type, or at an edge.
    fn event() -> impl Strategy<Value = String> {
        let kind = prop_oneof![
            Just("chat"),
            Just("gift"),
            Just("super_chat"),
            Just("like"),
            Just("follow"),
            Just("join"),
            Just("subscription"),
            Just("order"),
            Just("viewers"),
            Just("nonsense"),
        ];
        let value = prop_oneof![
            text(),
            number(),
            Just("null".to_owned()),
            Just("{}".to_owned()),
            Just("[]".to_owned()),
            Just("true".to_owned()),
            Just(r#"{"id":"1","name":"n","badges":["a"]}"#.to_owned()),
        ];
        let field = prop_oneof![
            Just("platform"),
            Just("room"),
            Just("id"),
            Just("at"),
            Just("user"),
            Just("text"),
            Just("count"),
            Just("gift"),
            Just("amount"),
            Just("currency"),
            Just("quantity"),
            Just("product"),
            Just("unit_value"),
            Just("emotes"),
            Just("viewers"),
        ];
        (kind, proptest::collection::vec((field, value), 0..8), any::<bool>(), number()).prop_map(|(kind, extra, base, count)| {
            let mut fields = vec![format!(r#""kind":"{kind}""#)];
            if base {
                fields.push(r#""platform":"douyin","room":"r","id":"e1","at":"2024-05-01T12:00:00Z""#.to_owned());
                fields.push(format!(r#""count":{count}"#));
                fields.push(format!(r#""gift":{{"name":"rose","count":{count},"unit_value":"1","currency":"CNY"}}"#));
            }
            fields.extend(extra.into_iter().map(|(name, value)| format!(r#""{name}":{value}"#)));
            format!("{{{}}}", fields.join(","))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 8_000, ..ProptestConfig::default() })]

        #[test]
        fn structured_events_never_panic(events in proptest::collection::vec(event(), 1..4), array in any::<bool>()) {
            let body = if array || events.len() > 1 { format!("[{}]", events.join(",")) } else { events[0].clone() };
            check(&body);
        }

        #[test]
        fn json_like_noise_never_panics(body in r#"[\[\]{}":,0-9a-z\\ .eE+-]{0,200}"#) {
            check(&body);
        }

        #[test]
        fn any_text_never_panics(body in any::<String>()) {
            check(&body);
        }
    }

    #[test]
    fn the_top_of_u64_parses_and_one_more_is_refused() {
        let like = |count: &str| format!(r#"{{"platform":"douyin","room":"r","id":"l1","at":"2024-05-01T12:00:00Z","kind":"like","count":{count}}}"#);
        let events = parse_events(&like("18446744073709551615")).unwrap();
        assert_eq!(events[0].body, audience::EventBody::Like { count: u64::MAX });
        for over in ["18446744073709551616", "-1", "1e30", "1.5"] {
            let error = parse_events(&like(over)).unwrap_err();
            assert!(error.contains("AudienceEvent"), "{over}: {error}");
        }
    }

    #[test]
    fn deep_nesting_and_long_values_are_refused_in_a_few_words() {
        check(&"[".repeat(100_000));
        check(&format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)));
        let long = format!(r#"{{"platform":"douyin","room":"r","id":"x","at":"2024-05-01T12:00:00Z","kind":"chat","text":{}}}"#, "7".repeat(500_000));
        check(&long);
        let long_room = format!(r#"{{"platform":"","room":"{}","id":"x","at":"2024-05-01T12:00:00Z","kind":"follow"}}"#, "r".repeat(100_000));
        check(&long_room);
    }
}
