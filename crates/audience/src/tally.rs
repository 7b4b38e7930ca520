//! Per-session counts and exact money sums.
//!
//! Sums are kept in micro-units as `i128` per currency or coin (`CNY`, `bits`, `gold`), never
//! converted and never `f64`, so the totals agencies settle on are exact. The leaderboard adds
//! gifts and super chats per user, per currency.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::amount::Amount;
use crate::event::{AudienceEvent, EventBody};

/// One viewer's spending.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserTotal {
    /// The latest name seen.
    pub name: String,
    /// Micro-units per currency (gifts and super chats).
    pub totals: BTreeMap<String, i128>,
}

/// Everything counted in one session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Events counted (after duplicates were dropped).
    pub events: u64,
    /// Chat messages.
    pub chats: u64,
    /// Gift events.
    pub gifts: u64,
    /// Gift items (the sum of counts).
    pub gift_items: u64,
    /// Super chats.
    pub super_chats: u64,
    /// Likes (the sum of counts).
    pub likes: u64,
    /// Follows.
    pub follows: u64,
    /// Joins (the sum of counts, raids included).
    pub joins: u64,
    /// Subscriptions.
    pub subscriptions: u64,
    /// Orders.
    pub orders: u64,
    /// Items ordered (the sum of quantities).
    pub order_items: u64,
    /// The highest viewer count reported.
    pub peak_viewers: u64,
    /// Gift value per currency, micro-units.
    pub gift_totals: BTreeMap<String, i128>,
    /// Super chat value per currency, micro-units.
    pub super_chat_totals: BTreeMap<String, i128>,
    /// Order value per currency, micro-units.
    pub order_totals: BTreeMap<String, i128>,
    /// Spending per user, keyed `platform:user-id` (or `platform:name` without an id).
    pub by_user: HashMap<String, UserTotal>,
}

/// What changed in a [`Tally`] with one event: which sums need writing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    /// A currency key in one of the totals maps (`gift`, `super_chat` or `order`, currency).
    pub total: Option<(&'static str, String)>,
    /// A user key in `by_user`.
    pub user: Option<String>,
}

fn user_key(event: &AudienceEvent) -> Option<(String, String)> {
    let user = event.user.as_ref()?;
    let id = if user.id.is_empty() { &user.name } else { &user.id };
    Some((format!("{}:{id}", event.platform), user.name.clone()))
}

impl Tally {
    /// The event counters by the names reports and the store use (peak viewers apart: it is
    /// a maximum, not a count).
    pub fn named_counts(&self) -> [(&'static str, u64); 11] {
        [
            ("events", self.events),
            ("chat", self.chats),
            ("gift", self.gifts),
            ("gift_items", self.gift_items),
            ("super_chat", self.super_chats),
            ("like", self.likes),
            ("follow", self.follows),
            ("join", self.joins),
            ("subscription", self.subscriptions),
            ("order", self.orders),
            ("order_items", self.order_items),
        ]
    }

    /// Counts one event; says which sums changed.
    pub fn add(&mut self, event: &AudienceEvent) -> Touched {
        // Counts and sums come from peers (a `like` may say 2^64-1): they saturate, never wrap
        // or panic, in debug and release alike.
        self.events = self.events.saturating_add(1);
        let mut touched = Touched::default();
        let mut spend = |tally: &mut Tally, currency: &str, micros: i128| {
            if let Some((key, name)) = user_key(event) {
                let entry = tally.by_user.entry(key.clone()).or_default();
                entry.name = name;
                add_to(entry.totals.entry(currency.to_owned()).or_default(), micros);
                touched.user = Some(key);
            }
        };
        match &event.body {
            EventBody::Chat { .. } => self.chats = self.chats.saturating_add(1),
            EventBody::Gift { gift, .. } => {
                self.gifts = self.gifts.saturating_add(1);
                self.gift_items = self.gift_items.saturating_add(gift.count);
                let micros = i128::from(gift.unit_value.micros()).saturating_mul(i128::from(gift.count));
                add_to(self.gift_totals.entry(gift.currency.clone()).or_default(), micros);
                spend(self, &gift.currency, micros);
                touched.total = Some(("gift", gift.currency.clone()));
            }
            EventBody::SuperChat { amount, currency, .. } => {
                self.super_chats = self.super_chats.saturating_add(1);
                add_to(self.super_chat_totals.entry(currency.clone()).or_default(), i128::from(amount.micros()));
                spend(self, currency, i128::from(amount.micros()));
                touched.total = Some(("super_chat", currency.clone()));
            }
            EventBody::Like { count } => self.likes = self.likes.saturating_add(*count),
            EventBody::Follow {} => self.follows = self.follows.saturating_add(1),
            EventBody::Join { count, .. } => self.joins = self.joins.saturating_add(*count),
            EventBody::Subscription { .. } => self.subscriptions = self.subscriptions.saturating_add(1),
            EventBody::Order { quantity, amount, currency, .. } => {
                self.orders = self.orders.saturating_add(1);
                self.order_items = self.order_items.saturating_add(*quantity);
                add_to(self.order_totals.entry(currency.clone()).or_default(), i128::from(amount.micros()));
                touched.total = Some(("order", currency.clone()));
            }
            EventBody::Viewers { viewers } => self.peak_viewers = self.peak_viewers.max(*viewers),
        }
        touched
    }

    /// The top `n` spenders in `currency`, highest first (ties by key, so the order is stable).
    pub fn leaderboard(&self, currency: &str, n: usize) -> Vec<LeaderboardRow> {
        let mut rows: Vec<LeaderboardRow> = self
            .by_user
            .iter()
            .filter_map(|(key, user)| {
                user.totals.get(currency).map(|micros| LeaderboardRow {
                    user: key.clone(),
                    name: user.name.clone(),
                    currency: currency.to_owned(),
                    total: Amount::format_micros(*micros),
                    micros: *micros,
                })
            })
            .collect();
        rows.sort_by(|a, b| b.micros.cmp(&a.micros).then_with(|| a.user.cmp(&b.user)));
        rows.truncate(n);
        rows
    }

    /// Every currency anyone spent in.
    pub fn currencies(&self) -> Vec<String> {
        let mut all: Vec<String> = self.gift_totals.keys().chain(self.super_chat_totals.keys()).cloned().collect();
        all.sort();
        all.dedup();
        all
    }
}

fn add_to(sum: &mut i128, micros: i128) {
    *sum = sum.saturating_add(micros);
}

/// One leaderboard line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeaderboardRow {
    /// `platform:user-id`.
    pub user: String,
    /// Display name.
    pub name: String,
    /// Currency or coin.
    pub currency: String,
    /// The exact total, as a decimal string.
    pub total: String,
    #[serde(skip)]
    micros: i128,
}
