//! The rehearsal simulator: a seeded stream of realistic audience events.
//!
//! Chat mixes Chinese, English and emoji; gifts use Bilibili coins, bits and yuan; orders buy
//! catalogue products. The same seed gives the same events, and the simulator keeps its own
//! [`GroundTruth`] (counted independently of [`crate::tally`]) so tests can check the tally.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::amount::Amount;
use crate::connector::{ConnectorHandle, ConnectorStats, Emitter};
use crate::event::{AudienceEvent, EventBody, Gift, User};

/// What to simulate.
#[derive(Clone, Debug)]
pub struct SimulatorConfig {
    /// Same seed, same events.
    pub seed: u64,
    /// Events per second; 0 sends as fast as the receiver takes them.
    pub rate: f64,
    /// Stop after this many events; `None` runs until stopped.
    pub count: Option<u64>,
    /// The room name in events.
    pub room: String,
    /// How many distinct viewers there are.
    pub viewers: usize,
    /// The time of the first event; `None` is now. Later events are 1 ms apart when fixed.
    pub start: Option<DateTime<Utc>>,
    /// The products orders buy: (id, unit price as a decimal string, currency). Empty uses the
    /// built-in list (`tea`, `matcha-set`, `cup`, `scarf`). A price that does not parse counts as 0.
    pub products: Vec<(String, String, String)>,
    /// The fraction of events that are orders, 0 to 1 (rounded to a thousandth; out of range
    /// or NaN is clamped). The other kinds keep their relative shares. The default,
    /// [`DEFAULT_ORDER_SHARE`], is the mix the simulator always had.
    pub order_share: f64,
}

/// The share of orders in the default mix (2%).
pub const DEFAULT_ORDER_SHARE: f64 = 0.02;

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            seed: 1,
            rate: 20.0,
            count: None,
            room: "rehearsal".into(),
            viewers: 2000,
            start: None,
            products: Vec::new(),
            order_share: DEFAULT_ORDER_SHARE,
        }
    }
}

/// What the simulator sent, counted its own way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroundTruth {
    /// Events per kind.
    pub kinds: BTreeMap<&'static str, u64>,
    /// Gift value per currency, micro-units.
    pub gift_micros: BTreeMap<String, i128>,
    /// Gift items.
    pub gift_items: u64,
    /// Super chat value per currency, micro-units.
    pub super_chat_micros: BTreeMap<String, i128>,
    /// Order value per currency, micro-units.
    pub order_micros: BTreeMap<String, i128>,
    /// Likes (sum of counts).
    pub likes: u64,
    /// Highest viewer count sent.
    pub peak_viewers: u64,
    /// Gifts plus super chats per user id, per currency.
    pub spent_by_user: BTreeMap<(String, String), i128>,
    /// Units ordered per product id (the sum of quantities).
    pub order_units: BTreeMap<String, u64>,
    /// Orders per product id.
    pub order_count: BTreeMap<String, u64>,
}

const CHINESE: &[&str] = &[
    "这个多少钱",
    "主播好美",
    "已下单",
    "有优惠券吗",
    "能再介绍一下吗",
    "抹茶礼盒还有货吗",
    "发货快吗",
    "包邮吗",
    "第一次来",
    "支持支持",
    "颜色好看",
    "拍了两件",
    "上链接",
    "太划算了",
    "姐妹们冲",
];
const ENGLISH: &[&str] = &[
    "hello from Toronto",
    "is it vegan?",
    "price pls",
    "love this",
    "ship to Singapore?",
    "just ordered",
    "what size is that",
    "so cute",
    "link?",
    "gg",
];
const EMOJI: &[&str] = &["😍", "👍", "🔥", "🎉", "💯", "❤️", "🍵", "👏🏻", "🙏", "😂"];
const NAMES: &[&str] = &["小明", "Lily", "阿花", "Kevin", "茶茶", "Mia", "大橙子", "Jay", "喵喵", "Sam", "ゆき", "Ana"];
/// Name, unit value, currency.
const GIFTS: &[(&str, &str, &str)] = &[
    ("辣条", "100", "gold"),
    ("小心心", "0", "silver"),
    ("小花花", "100", "silver"),
    ("牛哇牛哇", "1000", "gold"),
    ("小电视飞船", "1245000", "gold"),
    ("bits", "1", "bits"),
    ("玫瑰", "0.1", "CNY"),
    ("嘉年华", "2999.99", "CNY"),
];
/// Product id, unit price, currency: the built-in catalogue.
const PRODUCTS: &[(&str, &str, &str)] =
    &[("tea", "88", "CNY"), ("matcha-set", "128.5", "CNY"), ("cup", "19.9", "CNY"), ("scarf", "24.99", "USD")];
const SUPER_CHATS: &[(&str, &str)] = &[("30", "CNY"), ("50", "CNY"), ("100", "CNY"), ("4.99", "USD"), ("1000", "JPY")];

/// The mix is drawn as a roll in 0..1000: these are the slots of the default mix, orders
/// included (`ORDER_BAND` slots starting at `ORDER_AT`).
const ROLLS: usize = 1000;
const ORDER_AT: usize = 950;
const ORDER_BAND: usize = 20;

/// Where the orders' slots sit in a roll of `0..ROLLS` for `order_slots` of them: the band keeps
/// its place relative to the other kinds, so the default share gives the default mix exactly.
fn order_band(order_slots: usize) -> (usize, usize) {
    let others = ROLLS - order_slots;
    let start = ORDER_AT * others / (ROLLS - ORDER_BAND);
    (start, start + order_slots)
}

/// Maps a roll of the configured mix onto the default mix's table: `Some(roll)` for a kind
/// that is not an order, `None` for an order.
fn default_roll(roll: usize, order_slots: usize) -> Option<usize> {
    let (start, end) = order_band(order_slots);
    if (start..end).contains(&roll) {
        return None;
    }
    let others = ROLLS - order_slots;
    let q = if roll < start { roll } else { roll - order_slots };
    // Spread the non-order slots over the default's 980 non-order slots, then skip its band.
    let t = q * (ROLLS - ORDER_BAND) / others.max(1);
    Some(if t < ORDER_AT { t } else { t + ORDER_BAND })
}

/// A seeded event source.
#[derive(Debug)]
pub struct Simulator {
    config: SimulatorConfig,
    rng: u64,
    sent: u64,
    viewers: u64,
    start: DateTime<Utc>,
    truth: GroundTruth,
    products: Vec<(String, Amount, String)>,
    order_slots: usize,
}

impl Simulator {
    /// A simulator from `config`.
    pub fn new(config: SimulatorConfig) -> Simulator {
        let start = config.start.unwrap_or_else(Utc::now);
        let products: Vec<(String, Amount, String)> = if config.products.is_empty() {
            PRODUCTS
                .iter()
                .map(|(id, price, currency)| ((*id).to_owned(), Simulator::parse(price), (*currency).to_owned()))
                .collect()
        } else {
            config
                .products
                .iter()
                .map(|(id, price, currency)| (id.clone(), Simulator::parse(price), currency.clone()))
                .collect()
        };
        let share = if config.order_share.is_nan() { DEFAULT_ORDER_SHARE } else { config.order_share.clamp(0.0, 1.0) };
        let order_slots = ((share * ROLLS as f64).round() as usize).min(ROLLS);
        Simulator {
            rng: config.seed ^ 0x5DEE_CE66_D1CE_4E5B,
            sent: 0,
            viewers: 300,
            start,
            truth: GroundTruth::default(),
            products,
            order_slots,
            config,
        }
    }

    /// splitmix64: small, fast, and the same on every machine and version.
    fn next_u64(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn chat_text(&mut self) -> String {
        let parts = 1 + self.below(3);
        let mut text = String::new();
        let mut previous_chinese = false;
        for i in 0..parts {
            let roll = self.below(10);
            let chinese = roll <= 4;
            let part = match roll {
                0..=4 => self.pick(CHINESE),
                5..=7 => self.pick(ENGLISH),
                _ => self.pick(EMOJI),
            };
            // Chinese runs on without spaces; English and emoji are set apart.
            if i > 0 && !(chinese && previous_chinese) {
                text.push(' ');
            }
            text.push_str(part);
            previous_chinese = chinese;
        }
        text
    }

    fn user(&mut self) -> User {
        let n = self.below(self.config.viewers.max(1));
        let name = format!("{}{}", NAMES[n % NAMES.len()], n);
        let badges = if n % 17 == 1 { vec!["member".to_owned()] } else { Vec::new() };
        User { id: format!("u{n}"), name, badges }
    }

    fn parse(text: &str) -> Amount {
        text.parse().unwrap_or(Amount::ZERO)
    }

    /// The next event (and counts it into the ground truth).
    pub fn next_event(&mut self) -> AudienceEvent {
        self.sent += 1;
        let user = self.user();
        let roll = self.below(ROLLS);
        let body = match default_roll(roll, self.order_slots) {
            None => self.order(),
            Some(roll) => self.body(roll),
        };
        let at = self.start + chrono::Duration::milliseconds(self.sent as i64);
        let user = if matches!(body, EventBody::Viewers { .. }) { None } else { Some(user) };
        let event = AudienceEvent {
            platform: "simulator".into(),
            room: self.config.room.clone(),
            id: format!("sim-{}-{}", self.config.seed, self.sent),
            at,
            user,
            body,
        };
        self.count(&event);
        event
    }

    /// The event body for a roll of the default mix (0..1000).
    fn body(&mut self, roll: usize) -> EventBody {
        match roll {
            0..=699 => EventBody::Chat { text: self.chat_text(), emotes: Vec::new() },
            700..=799 => EventBody::Like { count: 1 + self.below(5) as u64 },
            800..=879 => {
                let (name, value, currency) = self.pick(GIFTS);
                let count = if self.below(10) == 0 { 10 + self.below(90) as u64 } else { 1 + self.below(3) as u64 };
                EventBody::Gift {
                    gift: Gift {
                        name: name.into(),
                        count,
                        unit_value: Simulator::parse(value),
                        currency: currency.into(),
                    },
                    text: None,
                }
            }
            880..=929 => EventBody::Join { count: 1, via: None },
            930..=949 => EventBody::Follow {},
            950..=969 => self.order(),
            970..=979 => {
                let (amount, currency) = self.pick(SUPER_CHATS);
                EventBody::SuperChat {
                    amount: Simulator::parse(amount),
                    currency: currency.into(),
                    text: self.chat_text(),
                    tier: None,
                }
            }
            980..=989 => {
                EventBody::Subscription { tier: "舰长".into(), months: Some(1 + self.below(24) as u32), text: None }
            }
            _ => {
                let step = self.below(201) as i64 - 100;
                self.viewers = (self.viewers as i64 + step).clamp(50, 50_000) as u64;
                EventBody::Viewers { viewers: self.viewers }
            }
        }
    }

    fn order(&mut self) -> EventBody {
        let index = self.below(self.products.len());
        let Some((product, price, currency)) = self.products.get(index).cloned() else {
            // An empty catalogue cannot happen (empty means the built-in one); say something harmless.
            return EventBody::Like { count: 1 };
        };
        let quantity = 1 + self.below(3) as u64;
        let amount = price.checked_mul(quantity).unwrap_or(Amount::ZERO);
        EventBody::Order { product, quantity, amount, currency, stock_left: None }
    }

    fn count(&mut self, event: &AudienceEvent) {
        let truth = &mut self.truth;
        *truth.kinds.entry(event.body.kind()).or_default() += 1;
        let uid = event.user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
        match &event.body {
            EventBody::Gift { gift, .. } => {
                let micros = i128::from(gift.unit_value.micros()) * i128::from(gift.count);
                truth.gift_items += gift.count;
                *truth.gift_micros.entry(gift.currency.clone()).or_default() += micros;
                *truth.spent_by_user.entry((uid, gift.currency.clone())).or_default() += micros;
            }
            EventBody::SuperChat { amount, currency, .. } => {
                *truth.super_chat_micros.entry(currency.clone()).or_default() += i128::from(amount.micros());
                *truth.spent_by_user.entry((uid, currency.clone())).or_default() += i128::from(amount.micros());
            }
            EventBody::Order { product, quantity, amount, currency, .. } => {
                *truth.order_micros.entry(currency.clone()).or_default() += i128::from(amount.micros());
                *truth.order_units.entry(product.clone()).or_default() += quantity;
                *truth.order_count.entry(product.clone()).or_default() += 1;
            }
            EventBody::Like { count } => truth.likes += count,
            EventBody::Viewers { viewers } => truth.peak_viewers = truth.peak_viewers.max(*viewers),
            _ => {}
        }
    }

    /// What was sent so far.
    pub fn truth(&self) -> &GroundTruth {
        &self.truth
    }

    /// How many events were made.
    pub fn sent(&self) -> u64 {
        self.sent
    }
}

fn publish(shared: &Mutex<GroundTruth>, simulator: &Simulator) {
    if let Ok(mut truth) = shared.lock() {
        *truth = simulator.truth().clone();
    }
}

/// Runs the simulator as a connector: events go to `tx` at `config.rate`. The ground truth is
/// shared so a test or a rehearsal report can read it while or after it runs.
pub fn spawn(config: SimulatorConfig, tx: mpsc::Sender<AudienceEvent>) -> (ConnectorHandle, Arc<Mutex<GroundTruth>>) {
    let cancel = CancellationToken::new();
    let stats = Arc::new(ConnectorStats::default());
    let truth = Arc::new(Mutex::new(GroundTruth::default()));
    let mut emitter = Emitter::new(tx, Arc::clone(&stats));
    let (token, shared) = (cancel.clone(), Arc::clone(&truth));
    let task = tokio::spawn(async move {
        emitter.stats().connected();
        let mut simulator = Simulator::new(config.clone());
        let started = tokio::time::Instant::now();
        let limit = config.count.unwrap_or(u64::MAX);
        while simulator.sent() < limit && !token.is_cancelled() {
            if config.rate > 0.0 {
                let due = started + Duration::from_secs_f64(simulator.sent() as f64 / config.rate);
                tokio::select! {
                    _ = token.cancelled() => break,
                    _ = tokio::time::sleep_until(due) => {}
                }
            }
            let event = simulator.next_event();
            if emitter.emit(event).await.is_err() {
                break;
            }
            if simulator.sent() & 4095 == 0 {
                publish(&shared, &simulator);
            }
        }
        publish(&shared, &simulator);
        emitter.stats().set_status(crate::connector::ConnectorStatus::Stopped);
    });
    (ConnectorHandle::from_task(cancel, task, stats), truth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_share_is_the_default_mix() {
        let slots = (DEFAULT_ORDER_SHARE * ROLLS as f64).round() as usize;
        assert_eq!(slots, ORDER_BAND);
        for roll in 0..ROLLS {
            let expected = if (ORDER_AT..ORDER_AT + ORDER_BAND).contains(&roll) { None } else { Some(roll) };
            assert_eq!(default_roll(roll, slots), expected, "roll {roll}");
        }
    }

    #[test]
    fn every_share_maps_inside_the_table() {
        for slots in 0..=ROLLS {
            let orders = (0..ROLLS).filter(|&roll| default_roll(roll, slots).is_none()).count();
            assert_eq!(orders, slots);
            for roll in 0..ROLLS {
                if let Some(mapped) = default_roll(roll, slots) {
                    assert!(
                        mapped < ROLLS && !(ORDER_AT..ORDER_AT + ORDER_BAND).contains(&mapped),
                        "{slots} {roll} -> {mapped}"
                    );
                }
            }
        }
    }
}
