//! Feeds the studio's chat panel from the audience path: connectors (the rehearsal simulator,
//! the bridge) → moderation, tally and store (`audience::session`) → [`ChatItem`]s and a
//! [`AudienceSummary`] for the studio to announce.
//!
//! The session writes SQLite, which blocks, so it runs on its own thread; the studio only
//! sees finished batches and summaries (at most one summary a second).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use audience::bridge::{self, BridgeConfig};
use audience::moderation::{ModerationRules, Verdict};
use audience::session::{next_batch, ModeratedEvent, Session, MAX_BATCH};
use audience::simulator::{self, SimulatorConfig};
use audience::store::Store;
use audience::tally::Tally;
use audience::{Amount, AudienceEvent, ConnectorHandle, EventBody};
use tokio::sync::mpsc;

use crate::protocol::{AudienceSummary, ChatItem, ConnectorView, CurrencyTotal, LeaderboardEntry};
use crate::sales::Sale;
use crate::studio::Studio;

/// Where audience events come from.
#[derive(Debug, Clone, Default)]
pub struct AudienceOptions {
    /// Run the rehearsal simulator at this many events a second.
    pub simulate: Option<f64>,
    /// Listen for bridge events (`POST /events`, `GET /ws`) here.
    pub bridge: Option<SocketAddr>,
    /// The token bridge senders must present.
    pub bridge_token: String,
    /// `Host` names the bridge answers to besides loopback and its own address.
    pub bridge_hosts: Vec<String>,
    /// Words masked in chat.
    pub banned_words: Vec<String>,
    /// The simulator's products (id, unit price, currency): the show's catalogue, so its
    /// orders land on the show's cards. Empty: the simulator's own.
    pub products: Vec<(String, String, String)>,
}

/// One finished batch for the studio: panel lines, maybe new totals, and orders.
type Batch = (Vec<ChatItem>, Option<AudienceSummary>, Vec<Sale>);

/// A platform's chat to read: set up by the operator in the side panel
/// (`connect_audience`), or by `kaibo listen`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorSpec {
    /// `twitch`, `youtube` or `bilibili`.
    pub platform: String,
    /// The channel (Twitch), live chat id (YouTube) or numeric room id (Bilibili).
    pub room: String,
    /// YouTube's API key or Bilibili's danmaku token, where the platform needs one.
    pub key: Option<String>,
    /// Another server speaking the platform's protocol (a relay, or a test).
    pub endpoint: Option<String>,
}

impl ConnectorSpec {
    /// How the operator knows it: `twitch:kaiboshop`.
    pub fn label(&self) -> String {
        format!("{}:{}", self.platform, self.room)
    }
}

/// Starts the connector `spec` describes, its events going to `tx`. Refused before any
/// connection when the room is not one the platform has, or the endpoint is not `wss://` /
/// `https://` (plain `ws://` / `http://` only on this machine): see `audience::endpoint`.
pub fn spawn_connector(spec: &ConnectorSpec, tx: mpsc::Sender<AudienceEvent>) -> Result<ConnectorHandle, String> {
    let room = spec.room.trim();
    if room.is_empty() {
        return Err(format!("{} needs {}", spec.platform, room_word(&spec.platform)));
    }
    let refused = |e: audience::AudienceError| e.to_string();
    Ok(match spec.platform.as_str() {
        "twitch" => {
            let mut config = audience::twitch::TwitchConfig::new(room);
            if let Some(endpoint) = &spec.endpoint {
                config.endpoint = endpoint.clone();
            }
            config.check().map_err(refused)?;
            audience::twitch::spawn(config, tx)
        }
        "bilibili" => {
            let id =
                room.parse().map_err(|_| format!("Bilibili room `{room}` is not a number: use the numeric room id"))?;
            let mut config = audience::bilibili::BilibiliConfig::new(id);
            config.token = spec.key.clone();
            if let Some(endpoint) = &spec.endpoint {
                config.endpoint = endpoint.clone();
            }
            config.check().map_err(refused)?;
            audience::bilibili::spawn(config, tx)
        }
        "youtube" => {
            let mut config = audience::youtube::YouTubeConfig::new(room, spec.key.as_deref().unwrap_or_default());
            if let Some(endpoint) = &spec.endpoint {
                config.endpoint = endpoint.clone();
            }
            config.check().map_err(refused)?;
            if config.api_key.is_empty() {
                return Err("YouTube needs an API key".into());
            }
            audience::youtube::spawn(config, tx)
        }
        other => return Err(format!("unknown platform `{other}`: use twitch, youtube or bilibili")),
    })
}

/// What a platform calls the room a connector reads.
pub fn room_word(platform: &str) -> &'static str {
    match platform {
        "twitch" => "a channel name",
        "youtube" => "a live chat id",
        _ => "a room id",
    }
}

/// A running connector and what it was started from.
struct Running {
    spec: ConnectorSpec,
    handle: ConnectorHandle,
}

/// The running connectors; dropping it stops them.
pub struct AudienceFeed {
    pub bridge_addr: Option<SocketAddr>,
    /// Where new connectors send their events (the session thread's queue).
    tx: mpsc::Sender<AudienceEvent>,
    /// The simulator and the bridge, started with the feed.
    fixed: Vec<ConnectorHandle>,
    /// Platform connectors the operator set up.
    platforms: Vec<Running>,
    /// The banned words the session thread masks chat with.
    banned_words: tokio::sync::watch::Sender<Vec<String>>,
}

impl AudienceFeed {
    /// Starts reading a platform's chat. Refused when the same chat is already read.
    pub fn connect(&mut self, spec: ConnectorSpec) -> Result<(), String> {
        if self.platforms.iter().any(|r| r.spec.label() == spec.label()) {
            return Err(format!("{} is already connected", spec.label()));
        }
        let handle = spawn_connector(&spec, self.tx.clone())?;
        self.platforms.push(Running { spec, handle });
        Ok(())
    }

    /// Stops reading `label` (`twitch:kaiboshop`); returns whether it was there.
    pub async fn disconnect(&mut self, label: &str) -> bool {
        let Some(index) = self.platforms.iter().position(|r| r.spec.label() == label) else { return false };
        self.platforms.remove(index).handle.stop().await;
        true
    }

    /// Each platform connector and how it is doing.
    pub fn connectors(&self) -> Vec<ConnectorView> {
        self.platforms
            .iter()
            .map(|r| {
                let stats = r.handle.stats();
                ConnectorView {
                    label: r.spec.label(),
                    platform: r.spec.platform.clone(),
                    room: r.spec.room.clone(),
                    status: format!("{:?}", stats.status()).to_lowercase(),
                    error: stats.last_error(),
                    events: stats.snapshot().events,
                }
            })
            .collect()
    }

    /// Masks chat with `words` from the next message on (an operator's edit during the show).
    pub fn set_banned_words(&self, words: Vec<String>) {
        self.banned_words.send_replace(words);
    }

    /// Stops every connector; the session thread ends when they are gone.
    pub async fn stop(self) {
        for connector in self.fixed.into_iter().chain(self.platforms.into_iter().map(|r| r.handle)) {
            connector.stop().await;
        }
    }
}

/// How often the totals and leaderboard are sent at most.
const SUMMARY_EVERY: Duration = Duration::from_secs(1);

/// Starts the connectors in `options` and the session thread feeding `studio`, which
/// stores every event in `store`.
pub async fn start(studio: Studio, options: AudienceOptions, store: Store) -> Result<AudienceFeed, String> {
    let mut sources = Vec::new();
    let mut connectors = Vec::new();
    let (tx, rx) = mpsc::channel::<AudienceEvent>(MAX_BATCH * 4);
    if let Some(rate) = options.simulate {
        let config = SimulatorConfig {
            rate,
            room: "rehearsal".into(),
            products: options.products.clone(),
            ..SimulatorConfig::default()
        };
        let (handle, _truth) = simulator::spawn(config, tx.clone());
        connectors.push(handle);
        sources.push("simulator".to_owned());
    }
    let mut bridge_addr = None;
    if let Some(listen) = options.bridge {
        let bridge = bridge::start(
            BridgeConfig { listen, token: options.bridge_token.clone(), hosts: options.bridge_hosts.clone() },
            tx.clone(),
        )
        .await
        .map_err(|e| format!("the audience bridge cannot start on {listen}: {e}"))?;
        bridge_addr = Some(bridge.addr);
        connectors.push(bridge.handle);
        sources.push("bridge".to_owned());
    }
    let (banned_words, words_rx) = tokio::sync::watch::channel(options.banned_words.clone());
    let rules = ModerationRules { banned_words: options.banned_words, ..ModerationRules::default() };
    let session = Session::new(store, &rules);
    let (out_tx, mut out_rx) = mpsc::channel::<Batch>(64);
    spawn_session_thread(session, rx, words_rx, out_tx, sources.clone());
    studio.set_audience_sources(sources).await;
    tokio::spawn(async move {
        while let Some((items, summary, sales)) = out_rx.recv().await {
            studio.audience_batch(items, summary).await;
            studio.sales(sales).await;
        }
    });
    Ok(AudienceFeed { bridge_addr, tx, fixed: connectors, platforms: Vec::new(), banned_words })
}

fn spawn_session_thread(
    mut session: Session,
    mut rx: mpsc::Receiver<AudienceEvent>,
    mut banned_words: tokio::sync::watch::Receiver<Vec<String>>,
    out: mpsc::Sender<Batch>,
    sources: Vec<String>,
) {
    std::thread::spawn(move || {
        let mut last_summary: Option<Instant> = None;
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while next_batch(&session, &mut rx, &mut batch) {
            if banned_words.has_changed().unwrap_or(false) {
                session.set_banned_words(&banned_words.borrow_and_update());
            }
            let fresh = match session.record(std::mem::take(&mut batch)) {
                Ok(fresh) => fresh,
                // The batch rolled back and is held: next_batch tries it again shortly.
                Err(audience::AudienceError::Store(_)) => continue,
                // Given up after STORE_TRIES: said once, and the chat goes on.
                Err(error) => {
                    eprintln!("warning: {error}");
                    continue;
                }
            };
            let items: Vec<ChatItem> = fresh.iter().filter_map(chat_item).collect();
            let sales: Vec<Sale> = fresh.iter().filter_map(|m| sale(&m.event)).collect();
            let summary = if last_summary.is_none_or(|t| t.elapsed() >= SUMMARY_EVERY) {
                last_summary = Some(Instant::now());
                Some(summarize(session.tally(), &sources))
            } else {
                None
            };
            if (!items.is_empty() || summary.is_some() || !sales.is_empty())
                && out.blocking_send((items, summary, sales)).is_err()
            {
                break;
            }
        }
    });
}

/// An order as the cards count it.
fn sale(event: &AudienceEvent) -> Option<Sale> {
    match &event.body {
        EventBody::Order { product, quantity, stock_left, .. } => {
            Some(Sale { product: product.clone(), quantity: *quantity, stock_left: *stock_left })
        }
        _ => None,
    }
}

/// The panel line for an event, or `None` for what the panel does not list (hidden by
/// moderation, viewer counts).
pub(crate) fn chat_item(moderated: &ModeratedEvent) -> Option<ChatItem> {
    if moderated.verdict.hidden() {
        return None;
    }
    let event = &moderated.event;
    let (text, amount) = match &event.body {
        EventBody::Chat { text, .. } => (text.clone(), None),
        EventBody::Gift { gift, text } => {
            let total = gift.total().map(|t| t.to_string()).unwrap_or_else(|| "?".into());
            (
                text.clone().unwrap_or_default(),
                Some(format!("{} × {} ({total} {})", gift.count, gift.name, gift.currency)),
            )
        }
        EventBody::SuperChat { amount, currency, text, .. } => (text.clone(), Some(format!("{amount} {currency}"))),
        EventBody::Like { count } => (format!("liked ×{count}"), None),
        EventBody::Follow {} => ("followed".into(), None),
        EventBody::Join { count, via } => match via {
            Some(via) => (format!("joined with {count} ({via})"), None),
            None => ("joined".into(), None),
        },
        EventBody::Subscription { tier, text, .. } => (
            text.clone().unwrap_or_default(),
            Some(if tier.is_empty() { "subscribed".into() } else { format!("subscribed ({tier})") }),
        ),
        EventBody::Order { product, quantity, amount, currency, .. } => {
            (format!("ordered {quantity} × {product}"), Some(format!("{amount} {currency}")))
        }
        EventBody::Viewers { .. } => return None,
    };
    let (user, user_key) = match &event.user {
        Some(u) => (u.name.clone(), format!("{}:{}", event.platform, if u.id.is_empty() { &u.name } else { &u.id })),
        None => (String::new(), String::new()),
    };
    Some(ChatItem {
        id: format!("{}:{}", event.platform, event.id),
        platform: event.platform.clone(),
        at: event.at.to_rfc3339(),
        kind: event.body.kind().to_owned(),
        user,
        user_key,
        text,
        amount,
        masked: matches!(moderated.verdict, Verdict::Masked(_)),
    })
}

fn totals(map: &std::collections::BTreeMap<String, i128>) -> Vec<CurrencyTotal> {
    map.iter()
        .map(|(currency, micros)| CurrencyTotal { currency: currency.clone(), total: Amount::format_micros(*micros) })
        .collect()
}

/// Totals and the top ten spenders (across currencies, each currency's best first).
pub(crate) fn summarize(tally: &Tally, sources: &[String]) -> AudienceSummary {
    let mut leaderboard: Vec<LeaderboardEntry> = tally
        .currencies()
        .iter()
        .flat_map(|currency| tally.leaderboard(currency, 5))
        .map(|row| LeaderboardEntry { user: row.user, name: row.name, currency: row.currency, total: row.total })
        .collect();
    leaderboard.truncate(10);
    AudienceSummary {
        sources: sources.to_vec(),
        events: tally.events,
        chats: tally.chats,
        gifts: tally.gifts,
        likes: tally.likes,
        orders: tally.orders,
        peak_viewers: tally.peak_viewers,
        gift_totals: totals(&tally.gift_totals),
        order_totals: totals(&tally.order_totals),
        leaderboard,
    }
}
