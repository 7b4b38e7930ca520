//! YouTube Live chat: polling `liveChatMessages.list` with an API key.
//!
//! Each call costs 5 quota units of a default 10,000 a day, so polls are spaced by the larger
//! of the server's `pollingIntervalMillis` and the spacing that makes the budget last the
//! planned show; when the budget is spent the connector says so and stops polling. The
//! `nextPageToken` is kept across reconnects, so a dropped connection resumes where it was
//! (and duplicates from an overlapping page are dropped by id). The API key never appears in
//! errors: request errors are reported without their URL.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::mpsc;

use crate::amount::Amount;
use crate::backoff::BackoffPolicy;
use crate::connector::{spawn_reconnecting, ConnectorHandle, Emitter, SessionEnd};
use crate::endpoint::{check_endpoint, Transport};
use crate::error::AudienceError;
use crate::event::{parse_time, AudienceEvent, EventBody, Gift, User};

/// The Data API base.
pub const DEFAULT_ENDPOINT: &str = "https://www.googleapis.com/youtube/v3";

/// The largest page body read. A full page (2000 items of about 1-2 KB) fits; a server
/// sending more is cut off while reading, before the body is held whole.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// The most of an error body read for its reason.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// What to read and how much quota to spend.
#[derive(Clone, Debug)]
pub struct YouTubeConfig {
    /// The live chat id (`liveStreamingDetails.activeLiveChatId` of the broadcast).
    pub live_chat_id: String,
    /// The API key.
    pub api_key: String,
    /// The API base URL (a local server in tests).
    pub endpoint: String,
    /// Quota units this connector may spend.
    pub quota_units: u32,
    /// Units per `liveChatMessages.list` call.
    pub cost_per_call: u32,
    /// How long the budget must last (the planned show length).
    pub budget_window: Duration,
    /// Never poll faster than this, whatever the server says.
    pub min_interval: Duration,
    /// Reconnect timing.
    pub backoff: BackoffPolicy,
}

impl YouTubeConfig {
    /// Reads `live_chat_id` with `api_key`, budgeting the default daily quota over 8 hours.
    pub fn new(live_chat_id: &str, api_key: &str) -> YouTubeConfig {
        YouTubeConfig {
            live_chat_id: live_chat_id.to_owned(),
            api_key: api_key.to_owned(),
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            quota_units: 10_000,
            cost_per_call: 5,
            budget_window: Duration::from_secs(8 * 3600),
            min_interval: Duration::from_secs(1),
            backoff: BackoffPolicy::default(),
        }
    }

    /// Refuses an endpoint [`check_endpoint`] refuses (the API key travels in the query).
    pub fn check(&self) -> Result<(), AudienceError> {
        check_endpoint(&self.endpoint, Transport::Http, "YouTube live chat")
    }

    /// How many calls the budget allows.
    pub fn call_budget(&self) -> u64 {
        u64::from(self.quota_units / self.cost_per_call.max(1))
    }

    /// The spacing that makes the budget last the window.
    pub fn budget_interval(&self) -> Duration {
        let calls = self.call_budget().max(1);
        (self.budget_window / u32::try_from(calls).unwrap_or(u32::MAX)).max(self.min_interval)
    }
}

/// One page of `liveChatMessages.list`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    /// Where the next poll starts.
    #[serde(default)]
    pub next_page_token: Option<String>,
    /// How long the server asks us to wait.
    #[serde(default)]
    pub polling_interval_millis: Option<u64>,
    /// Set when the chat has ended.
    #[serde(default)]
    pub offline_at: Option<String>,
    /// The messages.
    #[serde(default)]
    pub items: Vec<serde_json::Value>,
}

/// What one chat item means.
#[derive(Debug, PartialEq)]
pub enum Item {
    /// An event.
    Event(Box<AudienceEvent>),
    /// A type we do not use (`tombstone`, `pollEvent`, ...).
    Unknown,
    /// Missing what its type needs.
    Malformed,
}

fn micros(value: &serde_json::Value) -> Option<Amount> {
    value.as_i64().or_else(|| value.as_str().and_then(|s| s.parse().ok())).map(Amount::from_micros)
}

/// Turns one `liveChatMessage` resource into an event.
pub fn map_item(item: &serde_json::Value, room: &str) -> Item {
    let Some(id) = item.get("id").and_then(|v| v.as_str()).filter(|s| !s.is_empty()) else { return Item::Malformed };
    let snippet = &item["snippet"];
    let Some(kind) = snippet.get("type").and_then(|v| v.as_str()) else { return Item::Malformed };
    let author = &item["authorDetails"];
    let user = author.get("displayName").and_then(|v| v.as_str()).map(|name| {
        let mut badges = Vec::new();
        for (flag, badge) in [("isChatOwner", "owner"), ("isChatModerator", "moderator"), ("isChatSponsor", "member"), ("isVerified", "verified")] {
            if author.get(flag).and_then(|v| v.as_bool()) == Some(true) {
                badges.push(badge.to_owned());
            }
        }
        User { id: author.get("channelId").and_then(|v| v.as_str()).unwrap_or("").to_owned(), name: name.to_owned(), badges }
    });
    let text = |path: &str, field: &str| snippet[path][field].as_str().map(str::to_owned);
    let display = snippet.get("displayMessage").and_then(|v| v.as_str()).unwrap_or("").to_owned();
    let body = match kind {
        "textMessageEvent" => EventBody::Chat { text: text("textMessageDetails", "messageText").unwrap_or(display), emotes: Vec::new() },
        "superChatEvent" | "superStickerEvent" => {
            let details = if kind == "superChatEvent" { &snippet["superChatDetails"] } else { &snippet["superStickerDetails"] };
            let (Some(amount), Some(currency)) = (micros(&details["amountMicros"]), details["currency"].as_str()) else {
                return Item::Malformed;
            };
            let message = if kind == "superChatEvent" {
                details["userComment"].as_str().unwrap_or("").to_owned()
            } else {
                details["superStickerMetadata"]["altText"].as_str().unwrap_or("").to_owned()
            };
            let tier = details["tier"].as_u64().and_then(|t| u32::try_from(t).ok());
            EventBody::SuperChat { amount, currency: currency.to_owned(), text: message, tier }
        }
        "newSponsorEvent" => EventBody::Subscription {
            tier: snippet["newSponsorDetails"]["memberLevelName"].as_str().unwrap_or("member").to_owned(),
            months: None,
            text: None,
        },
        "memberMilestoneChatEvent" => EventBody::Subscription {
            tier: snippet["memberMilestoneChatDetails"]["memberLevelName"].as_str().unwrap_or("member").to_owned(),
            months: snippet["memberMilestoneChatDetails"]["memberMonth"].as_u64().and_then(|m| u32::try_from(m).ok()),
            text: text("memberMilestoneChatDetails", "userComment"),
        },
        "membershipGiftingEvent" => EventBody::Gift {
            gift: Gift {
                name: snippet["membershipGiftingDetails"]["giftMembershipsLevelName"].as_str().unwrap_or("membership").to_owned(),
                count: snippet["membershipGiftingDetails"]["giftMembershipsCount"].as_u64().unwrap_or(1),
                unit_value: Amount::from_units(1),
                currency: "memberships".into(),
            },
            text: None,
        },
        _ => return Item::Unknown,
    };
    let at = snippet.get("publishedAt").and_then(|v| v.as_str()).and_then(parse_time).unwrap_or_else(chrono::Utc::now);
    Item::Event(Box::new(AudienceEvent { platform: "youtube".into(), room: room.to_owned(), id: id.to_owned(), at, user, body }))
}

/// Where polling is, kept across reconnects.
#[derive(Debug, Default)]
struct Cursor {
    page_token: Option<String>,
    calls: u64,
}

/// Starts polling; events arrive on `tx`.
pub fn spawn(config: YouTubeConfig, tx: mpsc::Sender<AudienceEvent>) -> ConnectorHandle {
    let policy = config.backoff.clone();
    let cursor = Arc::new(Mutex::new(Cursor::default()));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap_or_default();
    spawn_reconnecting(tx, policy, move |mut emitter| {
        let (config, cursor, client) = (config.clone(), Arc::clone(&cursor), client.clone());
        async move {
            let result = poll(&config, &client, &cursor, &mut emitter).await;
            (emitter, result)
        }
    })
}

async fn fetch(config: &YouTubeConfig, client: &reqwest::Client, page_token: Option<&str>) -> Result<Page, AudienceError> {
    const WHAT: &str = "YouTube live chat";
    let url = format!("{}/liveChat/messages", config.endpoint.trim_end_matches('/'));
    let mut query = vec![
        ("liveChatId", config.live_chat_id.as_str()),
        ("part", "snippet,authorDetails"),
        ("maxResults", "2000"),
        ("key", config.api_key.as_str()),
    ];
    if let Some(token) = page_token {
        query.push(("pageToken", token));
    }
    let mut response = client.get(url).query(&query).send().await.map_err(|e| AudienceError::connect(WHAT, e.without_url()))?;
    let status = response.status();
    if !status.is_success() {
        let body = read_body(&mut response, MAX_ERROR_BODY).await.unwrap_or_default();
        let reason = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"]["errors"][0]["reason"].as_str().map(str::to_owned))
            .unwrap_or_default();
        return Err(AudienceError::Refused { what: WHAT.into(), detail: format!("HTTP {status} {reason}").trim().to_owned() });
    }
    let body = read_body(&mut response, MAX_BODY).await.map_err(|detail| AudienceError::Refused { what: WHAT.into(), detail })?;
    serde_json::from_slice::<Page>(&body).map_err(|e| AudienceError::Refused { what: WHAT.into(), detail: format!("unreadable page: {e}") })
}

/// Reads a body chunk by chunk, refusing it as soon as it passes `limit` bytes.
async fn read_body(response: &mut reqwest::Response, limit: usize) -> Result<Vec<u8>, String> {
    let too_big = || format!("the answer is larger than {} KiB, more than any real page", limit / 1024);
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_big());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| format!("the page broke off: {}", e.without_url()))? {
        if body.len() + chunk.len() > limit {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn poll(config: &YouTubeConfig, client: &reqwest::Client, cursor: &Mutex<Cursor>, emitter: &mut Emitter) -> Result<SessionEnd, AudienceError> {
    config.check()?;
    let mut first = true;
    loop {
        let (token, calls) = match cursor.lock() {
            Ok(c) => (c.page_token.clone(), c.calls),
            Err(_) => (None, 0),
        };
        if calls >= config.call_budget() {
            return Err(AudienceError::Refused {
                what: "YouTube live chat".into(),
                detail: format!("the quota budget of {} units is spent; raise it or start a new budget", config.quota_units),
            });
        }
        if let Ok(mut c) = cursor.lock() {
            c.calls += 1;
        }
        let page = fetch(config, client, token.as_deref()).await?;
        emitter.stats().frame();
        if first {
            emitter.stats().connected();
            first = false;
        }
        for item in &page.items {
            match map_item(item, &config.live_chat_id) {
                Item::Event(event) => {
                    if emitter.emit(*event).await.is_err() {
                        return Ok(SessionEnd::ReceiverGone);
                    }
                }
                Item::Unknown => emitter.stats().unknown(),
                Item::Malformed => emitter.stats().malformed(),
            }
        }
        if let (Some(next), Ok(mut c)) = (page.next_page_token.clone(), cursor.lock()) {
            c.page_token = Some(next);
        }
        if page.offline_at.is_some() {
            return Ok(SessionEnd::Closed);
        }
        let asked = Duration::from_millis(page.polling_interval_millis.unwrap_or(5000));
        tokio::time::sleep(asked.max(config.budget_interval())).await;
    }
}
