//! The bridge: token required (401 otherwise), events by HTTP POST and by WebSocket.
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
    let config = BridgeConfig { listen: "127.0.0.1:0".parse().unwrap(), token: TOKEN.into() };
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
    let config = BridgeConfig { listen: "127.0.0.1:0".parse().unwrap(), token: "abc".into() };
    assert!(bridge::start(config, tx).await.is_err());
}
