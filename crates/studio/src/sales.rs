//! Live sales on product cards: `order` events (through the bridge from a shop's console)
//! count units sold per product of the show, and take its stock down. A product whose stock
//! reaches zero is sold out by itself.

use std::collections::BTreeSet;

use show::Show;

/// One order, as far as the cards care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    pub product: String,
    pub quantity: u64,
    /// Units left after this order, when the shop says.
    pub stock_left: Option<u64>,
}

/// What a batch of sales changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SalesChange {
    /// Products whose counters changed (their cards need redrawing).
    pub changed: BTreeSet<String>,
    /// Products that sold out with this batch.
    pub sold_out: Vec<String>,
}

/// Counts `sales` into the show's catalogue. Orders for products the show does not list
/// change nothing here (the audience tally still counts them).
pub fn apply(show: &mut Show, sales: &[Sale]) -> SalesChange {
    let mut change = SalesChange::default();
    for sale in sales {
        let Some(product) = show.products.iter_mut().find(|p| p.id == sale.product) else { continue };
        product.sold = product.sold.saturating_add(sale.quantity);
        product.stock = match sale.stock_left {
            Some(left) => Some(left),
            None => product.stock.map(|s| s.saturating_sub(sale.quantity)),
        };
        if product.stock == Some(0) && !product.sold_out {
            product.sold_out = true;
            change.sold_out.push(product.id.clone());
        }
        change.changed.insert(product.id.clone());
    }
    change
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show() -> Show {
        Show::parse(
            r#"{ "canvas": { "width": 640, "height": 360, "fps": 30 }, "scenes": [{ "id": "main", "layers": [] }],
                 "products": [
                   { "id": "tea", "name": "Tea", "price": 88, "url": "https://shop.example/tea", "stock": 5 },
                   { "id": "cup", "name": "Cup", "price": 9, "url": "https://shop.example/cup" } ] }"#,
            std::path::Path::new("."),
        )
        .expect("valid show")
    }

    fn sale(product: &str, quantity: u64, stock_left: Option<u64>) -> Sale {
        Sale { product: product.into(), quantity, stock_left }
    }

    #[test]
    fn orders_count_units_and_take_stock_down_to_sold_out() {
        let mut show = show();
        let change = apply(&mut show, &[sale("tea", 2, None), sale("cup", 3, None), sale("nope", 9, None)]);
        assert_eq!(change.changed, BTreeSet::from(["tea".to_owned(), "cup".to_owned()]));
        assert_eq!((show.products[0].sold, show.products[0].stock), (2, Some(3)));
        assert_eq!((show.products[1].sold, show.products[1].stock), (3, None));
        let change = apply(&mut show, &[sale("tea", 3, None), sale("tea", 1, None)]);
        assert_eq!(change.sold_out, vec!["tea".to_owned()], "sold out once, not again");
        assert_eq!((show.products[0].sold, show.products[0].stock, show.products[0].sold_out), (6, Some(0), true));
    }

    #[test]
    fn the_shop_s_own_stock_count_wins() {
        let mut show = show();
        apply(&mut show, &[sale("cup", 1, Some(12))]);
        assert_eq!(show.products[1].stock, Some(12));
        let change = apply(&mut show, &[sale("cup", 12, Some(0))]);
        assert_eq!(change.sold_out, vec!["cup".to_owned()]);
    }
}
