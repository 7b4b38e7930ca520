//! A product catalogue from a CSV file (a spreadsheet's export): a header row, then one
//! product a row. Columns by name, in any order: `id`, `name`, `price` and `url` are needed;
//! `original_price`, `currency` (default CNY), `image` and `stock` may be left out or empty.
//!
//! All or nothing: every bad row is reported with its line number, and nothing is imported
//! while any row is bad. A row whose id is already in the show replaces that product (its
//! sales so far, sold-out mark and tagline stay); the others are added at the end.

use crate::error::{Problem, ShowError};
use crate::model::{Product, Show};
use crate::show_edit::ShowEdit;

/// A good row: its line in the file, and its product.
type Row = (usize, Product);

const COLUMNS: [&str; 8] = ["id", "name", "price", "original_price", "currency", "url", "image", "stock"];
const NEEDED: [&str; 4] = ["id", "name", "price", "url"];

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueImport {
    pub added: usize,
    pub updated: usize,
}

impl Show {
    /// Imports the products of `csv` (see the module's documentation).
    pub fn import_catalogue(&mut self, csv: &str) -> Result<CatalogueImport, ShowError> {
        let (rows, mut problems) = parse(csv)?;
        let mut lines = Vec::new();
        let mut products: Vec<Product> = Vec::new();
        for (line, mut product) in rows {
            if let Some(first) = lines.iter().zip(&products).find(|(_, p)| p.id == product.id).map(|(l, _)| *l) {
                problems.push(Problem::new(
                    format!("line {line}"),
                    format!("product \"{}\" is already on line {first}", product.id),
                ));
                continue;
            }
            if let Some(existing) = self.product(&product.id) {
                product.sold = existing.sold;
                product.sold_out = existing.sold_out;
                product.tagline = existing.tagline.clone();
            }
            lines.push(line);
            products.push(product);
        }
        let updated = products.iter().filter(|p| self.product(&p.id).is_some()).count();
        let added = products.len() - updated;
        let mut edited = self.clone();
        // The good rows are checked by the show's rules too, so one answer tells every bad row.
        if let Err(error) = edited.apply_edit(ShowEdit::ImportProducts(products.clone())) {
            for mut problem in error.problems {
                // Back from the catalogue's product names to the lines of the file.
                let at = products.iter().position(|p| problem.path.starts_with(&format!("product \"{}\"", p.id)));
                if let Some(at) = at {
                    let field = problem.path.split_once(", ").map(|(_, f)| format!(" {f}")).unwrap_or_default();
                    problem.path = format!("line {}{field}", lines[at]);
                }
                problems.push(problem);
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| {
                p.path.trim_start_matches("line ").split(' ').next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0)
            });
            return Err(ShowError { problems });
        }
        *self = edited;
        Ok(CatalogueImport { added, updated })
    }
}

/// The products of the good rows of `csv` (the import tells the bad ones), for a caller that
/// checks the files they name before the show's validation reads them.
pub fn catalogue_products(csv: &str) -> Vec<Product> {
    parse(csv).map(|(rows, _)| rows.into_iter().map(|(_, p)| p).collect()).unwrap_or_default()
}

/// The good rows of `csv` with their line numbers, and the problems of the bad ones; an
/// error when the header row is wrong.
fn parse(csv: &str) -> Result<(Vec<Row>, Vec<Problem>), ShowError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(csv.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(|h| h.trim_start_matches('\u{feff}').to_lowercase()).collect(),
        Err(error) => return Err(ShowError::single("line 1", format!("cannot read the header row: {error}"))),
    };
    let mut problems = Vec::new();
    for column in &header {
        if !COLUMNS.contains(&column.as_str()) {
            problems.push(Problem::new(
                "line 1",
                format!("unknown column \"{column}\"; the columns are {}", COLUMNS.join(", ")),
            ));
        }
    }
    for needed in NEEDED {
        if !header.iter().any(|c| c == needed) {
            problems.push(Problem::new("line 1", format!("the column \"{needed}\" is missing")));
        }
    }
    if !problems.is_empty() {
        return Err(ShowError { problems });
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                problems.push(Problem::new(format!("line {line}"), format!("cannot read the row: {error}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line()) as usize;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != header.len() {
            problems.push(Problem::new(
                format!("line {line}"),
                format!("has {} cells, the header has {}", record.len(), header.len()),
            ));
            continue;
        }
        let cell =
            |name: &str| header.iter().position(|c| c == name).and_then(|i| record.get(i)).unwrap_or("").to_owned();
        match row(&cell) {
            Ok(product) => rows.push((line, product)),
            Err(messages) => {
                problems.extend(messages.into_iter().map(|m| Problem::new(format!("line {line}"), m)));
            }
        }
    }
    if rows.is_empty() && problems.is_empty() {
        return Err(ShowError::single("line 2", "the file has no products under its header row"));
    }
    Ok((rows, problems))
}

fn row(cell: &dyn Fn(&str) -> String) -> Result<Product, Vec<String>> {
    let mut problems = Vec::new();
    let mut needed = |name: &str| {
        let value = cell(name);
        if value.is_empty() {
            problems.push(format!("{name} is empty"));
        }
        value
    };
    let (id, name, price, url) = (needed("id"), needed("name"), needed("price"), needed("url"));
    let money = |column: &str, value: &str, problems: &mut Vec<String>| -> Option<f64> {
        if value.is_empty() {
            return None;
        }
        match value.parse::<f64>() {
            Ok(number) if number.is_finite() => Some(number),
            _ => {
                problems.push(format!("{column} \"{value}\" is not a number (write 59.9, without a currency sign)"));
                None
            }
        }
    };
    let price = money("price", &price, &mut problems);
    let original_price = money("original_price", &cell("original_price"), &mut problems);
    let stock = match cell("stock").as_str() {
        "" => None,
        value => match value.parse::<u64>() {
            Ok(stock) => Some(stock),
            Err(_) => {
                problems.push(format!("stock \"{value}\" is not a whole number of units (0 or more)"));
                None
            }
        },
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let optional = |name: &str| Some(cell(name)).filter(|v| !v.is_empty());
    Ok(Product {
        id,
        name,
        price: price.unwrap_or_default(),
        original_price,
        currency: optional("currency").map(|c| c.to_uppercase()).unwrap_or_else(|| "CNY".to_owned()),
        url,
        image: optional("image"),
        sold_out: false,
        tagline: None,
        stock,
        sold: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show() -> Show {
        Show::parse(
            r#"{"canvas":{"width":1280,"height":720,"fps":30},
                "products":[{"id":"tea","name":"Tea","price":88,"url":"https://shop.example/tea","sold":5}],
                "scenes":[{"id":"main","layers":[]}]}"#,
            std::path::Path::new("."),
        )
        .expect("valid show")
    }

    #[test]
    fn a_good_catalogue_adds_and_updates() {
        let mut s = show();
        let csv = "id,name,price,original_price,currency,url,image,stock\n\
                   tea,Green tea,79,99,cny,https://shop.example/tea,,12\n\
                   \"mug\",\"Mug, large\",25.5,,,https://shop.example/mug,,\n";
        let import = s.import_catalogue(csv).expect("imported");
        assert_eq!(import, CatalogueImport { added: 1, updated: 1 });
        let tea = s.product("tea").expect("tea");
        assert_eq!((tea.price, tea.original_price, tea.stock, tea.sold), (79.0, Some(99.0), Some(12), 5));
        assert_eq!(tea.currency, "CNY");
        assert_eq!(s.product("mug").map(|m| m.name.as_str()), Some("Mug, large"));
    }

    #[test]
    fn every_bad_row_is_told_by_its_line_and_nothing_is_imported() {
        let mut s = show();
        let csv = "id,name,price,url\n\
                   a,A,1,https://shop.example/a\n\
                   b,B,cheap,https://shop.example/b\n\
                   a,A again,2,https://shop.example/a\n\
                   c,,3,https://shop.example/c\n";
        let error = s.import_catalogue(csv).expect_err("bad rows");
        let text = error.to_string();
        assert!(text.contains("line 3: price \"cheap\" is not a number"), "{text}");
        assert!(text.contains("line 4: product \"a\" is already on line 2"), "{text}");
        assert!(text.contains("line 5: name is empty"), "{text}");
        assert_eq!(s.products.len(), 1, "nothing imported");
        // Rules of the show itself (a negative price, a link that is not a link) too.
        let error =
            s.import_catalogue("id,name,price,url\nd,D,-4,https://x.example\ne,E,1,ftp://x\n").expect_err("bad");
        let text = error.to_string();
        assert!(text.contains("line 2 price: must be 0 or more"), "{text}");
        assert!(text.contains("line 3 url:"), "{text}");
        let error = s.import_catalogue("id,name,colour\n").expect_err("bad header");
        assert!(error.to_string().contains("unknown column \"colour\""), "{error}");
    }
}
