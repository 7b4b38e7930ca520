//! The simulator's order mix: a configurable catalogue and share, counted per product.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use audience::simulator::{Simulator, SimulatorConfig, DEFAULT_ORDER_SHARE};
use audience::EventBody;
use chrono::TimeZone;

fn config(order_share: f64, products: Vec<(String, String, String)>) -> SimulatorConfig {
    SimulatorConfig {
        seed: 99,
        rate: 0.0,
        count: None,
        start: Some(chrono::Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap()),
        products,
        order_share,
        ..SimulatorConfig::default()
    }
}

fn catalogue() -> Vec<(String, String, String)> {
    vec![("lamp".into(), "59.9".into(), "CNY".into()), ("mug".into(), "12".into(), "USD".into())]
}

#[test]
fn the_default_keeps_the_mix_and_the_builtin_catalogue() {
    assert_eq!(SimulatorConfig::default().order_share, DEFAULT_ORDER_SHARE);
    assert!(SimulatorConfig::default().products.is_empty());
    let mut simulator = Simulator::new(config(DEFAULT_ORDER_SHARE, Vec::new()));
    let mut products = std::collections::BTreeSet::new();
    for _ in 0..20_000 {
        if let EventBody::Order { product, .. } = simulator.next_event().body {
            products.insert(product);
        }
    }
    let orders = simulator.truth().kinds["order"];
    assert!((300..500).contains(&orders), "about 2% of 20,000: {orders}");
    assert_eq!(products.into_iter().collect::<Vec<_>>(), ["cup", "matcha-set", "scarf", "tea"]);
}

#[test]
fn order_share_sets_the_fraction_of_orders() {
    for (share, low, high) in [(0.0, 0, 0), (0.5, 4_700, 5_300), (1.0, 10_000, 10_000)] {
        let mut simulator = Simulator::new(config(share, catalogue()));
        for _ in 0..10_000 {
            simulator.next_event();
        }
        let orders = simulator.truth().kinds.get("order").copied().unwrap_or(0);
        assert!((low..=high).contains(&orders), "share {share}: {orders} orders");
        if share == 0.5 {
            // The other kinds keep their relative weight: chat stays the largest by far.
            assert!(simulator.truth().kinds["chat"] > 3_000);
        }
    }
    // Out of range and NaN do not panic.
    for share in [-1.0, 7.0, f64::NAN] {
        let mut simulator = Simulator::new(config(share, catalogue()));
        simulator.next_event();
    }
}

#[test]
fn orders_buy_the_configured_products_and_are_counted_per_product() {
    let mut simulator = Simulator::new(config(0.3, catalogue()));
    let mut units: BTreeMap<String, u64> = BTreeMap::new();
    let mut count: BTreeMap<String, u64> = BTreeMap::new();
    for _ in 0..5_000 {
        let event = simulator.next_event();
        if let EventBody::Order { product, quantity, amount, currency, stock_left } = event.body {
            let (price, expected_currency) = match product.as_str() {
                "lamp" => (59_900_000_i64, "CNY"),
                "mug" => (12_000_000, "USD"),
                other => panic!("unexpected product {other}"),
            };
            assert_eq!(currency, expected_currency);
            assert_eq!(amount.micros(), price * quantity as i64);
            assert_eq!(stock_left, None);
            *units.entry(product.clone()).or_default() += quantity;
            *count.entry(product).or_default() += 1;
        }
    }
    let truth = simulator.truth();
    assert_eq!(truth.order_units, units);
    assert_eq!(truth.order_count, count);
    assert_eq!(count.len(), 2);
    assert_eq!(count.values().sum::<u64>(), truth.kinds["order"]);
}
