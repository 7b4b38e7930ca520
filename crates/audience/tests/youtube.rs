//! YouTube: a local HTTP server serving liveChatMessages pages with page tokens and
//! pollingIntervalMillis; a failing page is retried from the same token; the quota budget.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use audience::backoff::BackoffPolicy;
use audience::youtube::{self, map_item, Item, YouTubeConfig};
use audience::EventBody;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use support::{fixture, take};
use tokio::sync::mpsc;

#[derive(Default)]
struct Server {
    requests: Vec<(Option<String>, String)>,
    failed_once: bool,
}

async fn messages(State(server): State<Arc<Mutex<Server>>>, Query(query): Query<std::collections::HashMap<String, String>>) -> axum::response::Response {
    let token = query.get("pageToken").cloned();
    let mut server = server.lock().unwrap();
    server.requests.push((token.clone(), query.get("key").cloned().unwrap_or_default()));
    assert_eq!(query.get("liveChatId").map(String::as_str), Some("Cg0KC2thaWJvLWxpdmU"));
    match token.as_deref() {
        None => fixture("youtube/page1.json").into_response(),
        Some("GOCpage2") => fixture("youtube/page2.json").into_response(),
        Some("GOCpage3") if !server.failed_once => {
            server.failed_once = true;
            (StatusCode::SERVICE_UNAVAILABLE, r#"{"error":{"code":503,"errors":[{"reason":"backendError"}]}}"#).into_response()
        }
        // Page 3 on retry overlaps page 2's last message, then brings a new one.
        Some(_) => {
            let mut page: serde_json::Value = serde_json::from_str(&fixture("youtube/page2.json")).unwrap();
            let items = page["items"].as_array_mut().unwrap();
            items.remove(0);
            let mut new = items[0].clone();
            new["id"] = "LCC.chat-0003".into();
            new["snippet"]["textMessageDetails"]["messageText"] = "包邮吗".into();
            items.push(new);
            page["nextPageToken"] = "GOCpage4".into();
            page["pollingIntervalMillis"] = 60_000.into();
            page.to_string().into_response()
        }
    }
}

async fn serve() -> (String, Arc<Mutex<Server>>) {
    let state = Arc::new(Mutex::new(Server::default()));
    let app = Router::new().route("/youtube/v3/liveChat/messages", get(messages)).with_state(Arc::clone(&state));
    let (listener, addr) = support::listener().await;
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/youtube/v3"), state)
}

fn config(endpoint: &str) -> YouTubeConfig {
    let mut config = YouTubeConfig::new("Cg0KC2thaWJvLWxpdmU", "AIza-test-key");
    config.endpoint = endpoint.to_owned();
    config.budget_window = Duration::from_millis(100);
    config.min_interval = Duration::from_millis(10);
    config.backoff = BackoffPolicy::fast();
    config
}

#[test]
fn maps_text_super_chat_and_super_sticker() {
    let page1: serde_json::Value = serde_json::from_str(&fixture("youtube/page1.json")).unwrap();
    let page2: serde_json::Value = serde_json::from_str(&fixture("youtube/page2.json")).unwrap();
    let items: Vec<Item> = page1["items"].as_array().unwrap().iter().chain(page2["items"].as_array().unwrap()).map(|i| map_item(i, "chat")).collect();
    let Item::Event(chat) = &items[0] else { panic!() };
    assert_eq!(chat.body, EventBody::Chat { text: "hello from Toronto 👋 抹茶".into(), emotes: vec![] });
    assert_eq!(chat.user.as_ref().unwrap().badges, ["member"]);
    let Item::Event(sc) = &items[1] else { panic!() };
    assert_eq!(sc.body, EventBody::SuperChat { amount: "4.99".parse().unwrap(), currency: "USD".into(), text: "ship to Singapore?".into(), tier: Some(2) });
    assert_eq!(items[2], Item::Unknown, "tombstone");
    let Item::Event(sticker) = &items[3] else { panic!() };
    assert_eq!(sticker.body, EventBody::SuperChat { amount: "1000".parse().unwrap(), currency: "JPY".into(), text: "Cat waving".into(), tier: Some(3) });
    assert_eq!(map_item(&serde_json::json!({"id": "x", "snippet": {"type": "superChatEvent"}}), "c"), Item::Malformed);
    assert_eq!(map_item(&serde_json::json!({"snippet": {}}), "c"), Item::Malformed);
}

#[tokio::test]
async fn polls_pages_in_order_and_resumes_after_an_error() {
    let (endpoint, server) = serve().await;
    let (tx, mut rx) = mpsc::channel(64);
    let handle = youtube::spawn(config(&endpoint), tx);
    let events = take(&mut rx, 5).await;
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["LCC.CjgKDQoLY2hhdC0wMDAwMRInCiFVQ3h4eHh4eA", "LCC.superchat-0001", "LCC.supersticker-0001", "LCC.chat-0002", "LCC.chat-0003"]);
    assert!(support::nothing_more(&mut rx).await.is_none());
    let stats = handle.stats().snapshot();
    assert_eq!((stats.duplicates, stats.unknown), (1, 1));
    assert!(handle.stats().last_error().is_some_and(|e| e.contains("503") && !e.contains("AIza")), "{:?}", handle.stats().last_error());
    handle.stop().await;

    let requests = server.lock().unwrap().requests.clone();
    let tokens: Vec<Option<&str>> = requests.iter().map(|(t, _)| t.as_deref()).collect();
    assert_eq!(tokens, [None, Some("GOCpage2"), Some("GOCpage3"), Some("GOCpage3")], "resumes from the failed page, not from the start");
    assert!(requests.iter().all(|(_, key)| key == "AIza-test-key"));
}

#[tokio::test]
async fn stops_polling_when_the_quota_budget_is_spent() {
    let (endpoint, server) = serve().await;
    let (tx, mut rx) = mpsc::channel(64);
    let mut config = config(&endpoint);
    config.quota_units = 10; // two calls
    let handle = youtube::spawn(config, tx);
    take(&mut rx, 4).await;
    support::eventually("budget reported", || handle.stats().last_error().is_some_and(|e| e.contains("quota budget"))).await;
    assert_eq!(server.lock().unwrap().requests.len(), 2);
    handle.stop().await;
}

/// A server whose first answer is an endless body (no Content-Length), then 503s; counts the
/// bytes it managed to send.
async fn serve_endless() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let sent = Arc::new(AtomicUsize::new(0));
    let first = Arc::new(AtomicBool::new(true));
    let (counter, first_flag) = (Arc::clone(&sent), first);
    let app = Router::new().route(
        "/v3/liveChat/messages",
        get(move || {
            let (counter, first_flag) = (Arc::clone(&counter), Arc::clone(&first_flag));
            async move {
                if !first_flag.swap(false, Ordering::SeqCst) {
                    return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
                }
                let chunk = axum::body::Bytes::from(vec![b' '; 64 * 1024]);
                let stream = futures_util::stream::unfold((), move |()| {
                    let (chunk, counter) = (chunk.clone(), Arc::clone(&counter));
                    async move {
                        counter.fetch_add(chunk.len(), Ordering::SeqCst);
                        Some((Ok::<_, std::io::Error>(chunk), ()))
                    }
                });
                axum::body::Body::from_stream(stream).into_response()
            }
        }),
    );
    let (listener, addr) = support::listener().await;
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/v3"), sent)
}

#[tokio::test]
async fn an_endless_body_is_cut_off_while_reading() {
    let (endpoint, sent) = serve_endless().await;
    let (tx, _rx) = mpsc::channel(64);
    let handle = youtube::spawn(config(&endpoint), tx);
    support::eventually("the oversized page reported", || handle.stats().last_error().is_some_and(|e| e.contains("larger than"))).await;
    handle.stop().await;
    let sent = sent.load(std::sync::atomic::Ordering::SeqCst);
    // What was read is bounded by the cap; socket buffers hold a few MiB more at most.
    assert!(sent < youtube::MAX_BODY + 24 * 1024 * 1024, "the server got {sent} bytes out");
}

#[test]
fn endpoints_must_be_encrypted_or_on_this_machine() {
    let mut config = YouTubeConfig::new("chat", "AIza-test-key");
    assert!(config.check().is_ok(), "the default endpoint");
    config.endpoint = "http://127.0.0.1:8080/youtube/v3".into();
    assert!(config.check().is_ok());
    config.endpoint = "http://www.googleapis.com/youtube/v3".into();
    let error = config.check().unwrap_err().to_string();
    assert!(error.contains("not encrypted") && error.contains("https://") && !error.contains("AIza"), "{error}");
    config.endpoint = "wss://www.googleapis.com/youtube/v3".into();
    assert!(config.check().is_err(), "YouTube is HTTP");
}
