//! The words of a product card's sales line: units sold and, when few are left, how many.
//! Chinese for products with a CJK name, English otherwise.

use show::Product;

use crate::text::has_cjk;

/// From this many units left down, the card says how many are left.
pub(crate) const FEW_LEFT: u64 = 20;

/// The sales line, in two parts: the units sold (`已售 1,024`, `1,024 sold`) and, when the
/// stock is known and low, the units left (`仅剩 12 件`, `only 12 left`). No units-left part
/// at zero stock: the card is drawn sold out then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SalesLine {
    pub sold: String,
    pub left: Option<String>,
}

impl SalesLine {
    pub(crate) fn of(product: &Product) -> Self {
        let chinese = has_cjk(&product.name);
        let sold = thousands(product.sold);
        let sold = if chinese { format!("已售 {sold}") } else { format!("{sold} sold") };
        let left = product.stock.filter(|&n| n > 0 && n <= FEW_LEFT).map(|n| {
            if chinese {
                format!("仅剩 {n} 件")
            } else {
                format!("only {n} left")
            }
        });
        SalesLine { sold, left }
    }

    /// The whole line as drawn, and the byte range of the units-left part within it (drawn
    /// in the accent colour).
    pub(crate) fn text(&self) -> (String, Option<std::ops::Range<usize>>) {
        match &self.left {
            Some(left) => {
                let text = format!("{} · {left}", self.sold);
                let (start, end) = (text.len() - left.len(), text.len());
                (text, Some(start..end))
            }
            None => (self.sold.clone(), None),
        }
    }
}

/// `1024` -> `"1,024"`.
pub(crate) fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(name: &str, sold: u64, stock: Option<u64>) -> Product {
        Product {
            id: "p".into(),
            name: name.into(),
            price: 1.0,
            original_price: None,
            currency: "CNY".into(),
            url: "https://example.com".into(),
            image: None,
            sold_out: false,
            tagline: None,
            stock,
            sold,
        }
    }

    #[test]
    fn thousands_are_always_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1024), "1,024");
        assert_eq!(thousands(12_345), "12,345");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn chinese_for_cjk_names() {
        let line = SalesLine::of(&product("宇治抹茶礼盒 Uji Matcha", 1024, Some(12)));
        assert_eq!(line.sold, "已售 1,024");
        assert_eq!(line.left.as_deref(), Some("仅剩 12 件"));
        let (text, accent) = line.text();
        assert_eq!(text, "已售 1,024 · 仅剩 12 件");
        assert_eq!(accent.map(|r| &text[r]), Some("仅剩 12 件"));
        // Japanese and Korean names count as CJK too.
        assert_eq!(SalesLine::of(&product("ほうじ茶", 5, None)).sold, "已售 5");
        assert_eq!(SalesLine::of(&product("김치 Kimchi", 5, None)).sold, "已售 5");
    }

    #[test]
    fn english_otherwise() {
        let line = SalesLine::of(&product("Silk Scarf", 1024, Some(20)));
        assert_eq!(line.text().0, "1,024 sold · only 20 left");
        assert_eq!(SalesLine::of(&product("Café crème ☕", 3, None)).text(), ("3 sold".to_owned(), None));
    }

    #[test]
    fn units_left_only_when_few_and_not_zero() {
        assert_eq!(SalesLine::of(&product("Scarf", 1, Some(21))).left, None);
        assert_eq!(SalesLine::of(&product("Scarf", 1, None)).left, None);
        assert_eq!(SalesLine::of(&product("Scarf", 1, Some(0))).left, None);
        assert_eq!(SalesLine::of(&product("Scarf", 1, Some(1))).left.as_deref(), Some("only 1 left"));
    }
}
