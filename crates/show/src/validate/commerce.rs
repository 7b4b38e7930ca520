//! Products, product cards and the run of show.

use std::collections::HashMap;

use url::Url;

use super::{num, Checker, MAX_SECONDS, MAX_TALKING_POINT_CHARS};
use crate::model::{Layer, Product, ProductCardLayer, RunOfShow};

impl Checker<'_> {
    pub(super) fn product_card(&mut self, path: &str, layer: &ProductCardLayer) {
        self.product_ref(&format!("{path}.product"), &layer.product);
    }

    /// `id` names a product of the catalogue.
    pub(super) fn product_ref(&mut self, path: &str, id: &str) {
        if self.show.product(id).is_none() {
            let known: Vec<&str> = self.show.products.iter().map(|p| p.id.as_str()).collect();
            let hint = if known.is_empty() {
                "the show has no products".to_owned()
            } else {
                format!("the show's products are: {}", known.join(", "))
            };
            self.problem(path, format!("unknown product \"{id}\"; {hint}"));
        }
    }

    pub(super) fn run_of_show(&mut self, run: &RunOfShow) {
        if self.not_empty("run_of_show.card", &run.card) {
            self.cue_card("run_of_show.card", &run.card);
        }
        if run.items.is_empty() {
            self.problem("run_of_show.items", "at least one item is required (a product to cue)");
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, item) in run.items.iter().enumerate() {
            let path = format!("run_of_show.items[{i}]");
            let product_path = format!("{path}.product");
            if self.not_empty(&product_path, &item.product) {
                self.product_ref(&product_path, &item.product);
                if let Some(first) = seen.get(item.product.as_str()) {
                    self.problem(
                        &product_path,
                        format!(
                            "product \"{}\" is already in the run of show (items[{first}]); each product comes once",
                            item.product
                        ),
                    );
                } else {
                    seen.insert(&item.product, i);
                }
            }
            if let Some(target) = item.target_seconds {
                self.whole_range(&format!("{path}.target_seconds"), target, 1, MAX_SECONDS);
            }
            for (k, point) in item.talking_points.iter().enumerate() {
                let point_path = format!("{path}.talking_points[{k}]");
                if self.not_empty(&point_path, point) {
                    let chars = point.chars().count();
                    if chars > MAX_TALKING_POINT_CHARS {
                        self.problem(
                            &point_path,
                            format!("must be at most {MAX_TALKING_POINT_CHARS} characters, got {chars}"),
                        );
                    }
                }
            }
        }
    }

    /// `card` is the id of a product-card layer in some scene.
    pub(super) fn cue_card(&mut self, path: &str, card: &str) {
        let layers = || self.show.scenes.iter().flat_map(|s| s.layers.iter());
        if layers().any(|l| l.id() == card && matches!(l, Layer::ProductCard(_))) {
            return;
        }
        let message = match layers().find(|l| l.id() == card) {
            Some(other) => format!("layer \"{card}\" is a {} layer, not a product card", other.kind()),
            None => {
                let mut cards: Vec<&str> =
                    layers().filter(|l| matches!(l, Layer::ProductCard(_))).map(Layer::id).collect();
                cards.sort_unstable();
                cards.dedup();
                if cards.is_empty() {
                    format!("no scene has a layer \"{card}\", and the show has no product cards")
                } else {
                    format!("no scene has a layer \"{card}\"; the product cards are: {}", cards.join(", "))
                }
            }
        };
        self.problem(path, message);
    }

    pub(super) fn products(&mut self) {
        let products = &self.show.products;
        self.unique_ids(
            "product id",
            products.iter().enumerate().map(|(i, p)| (format!("products[{i}].id"), p.id.as_str())),
        );
        for (i, product) in products.iter().enumerate() {
            self.product(&format!("products[{i}]"), product);
        }
    }

    pub(super) fn product(&mut self, path: &str, product: &Product) {
        self.not_empty(&format!("{path}.name"), &product.name);
        self.price(&format!("{path}.price"), product.price);
        if let Some(original) = product.original_price {
            self.price(&format!("{path}.original_price"), original);
        }
        let currency = &product.currency;
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            self.problem(
                format!("{path}.currency"),
                format!("must be 3 capital letters (an ISO 4217 code such as CNY or USD), got \"{currency}\""),
            );
        }
        self.web_link(&format!("{path}.url"), &product.url);
        if let Some(image) = &product.image {
            self.picture(&format!("{path}.image"), image);
        }
    }

    pub(super) fn price(&mut self, path: &str, value: f64) {
        if self.finite(path, value) && value < 0.0 {
            self.problem(path, format!("must be 0 or more, got {}", num(value)));
        }
    }

    pub(super) fn web_link(&mut self, path: &str, text: &str) {
        let example = "such as https://shop.example.com/item/42";
        match Url::parse(text) {
            Err(error) => {
                self.problem(path, format!("is not a valid link ({error}): expected a full http(s) address {example}"))
            }
            Ok(url) if url.scheme() != "http" && url.scheme() != "https" => {
                self.problem(path, format!("must be an http:// or https:// link (not {}:), {example}", url.scheme()))
            }
            Ok(url) if url.host_str().is_none_or(str::is_empty) => {
                self.problem(path, format!("has no host; expected an address {example}"))
            }
            Ok(_) => {}
        }
    }
}
