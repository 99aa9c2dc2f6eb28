//! WooCommerce's product CSV (Products → Export): `simple` products and `variable` parents with
//! their `variation` rows (linked by `Parent`: `id:N` or the parent's SKU). Types the shop cannot
//! sell (`external`, `grouped`, downloadable or virtual) are skipped with a line in the report.

use crate::draft::{parse_price, slugify, Draft, DraftImage, DraftVariant, ImageSource};
use crate::table::{Row, Table};
use crate::{html_to_markdown, Entry, ImportError, Report};
use edgeshop_domain::Currency;
use std::collections::HashMap;
use std::path::Path;

const REQUIRED: &[&str] = &["Type", "Name", "Regular price"];

/// A comma-separated cell, honouring WooCommerce's `\,` for a comma inside a value.
fn list(cell: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = cell.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                out.last_mut().unwrap().push(',');
                chars.next();
            }
            ',' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

fn kinds(table: &Table, row: &Row) -> Vec<String> {
    list(&table.get(row, "Type").to_ascii_lowercase())
}

pub fn drafts(table: &Table, currency: Currency, base: &Path, report: &mut Report) -> Result<Vec<Draft>, Vec<ImportError>> {
    table.require(REQUIRED, "WooCommerce")?;
    let mut errors = Vec::new();
    // Variations by parent row index.
    let mut parents: HashMap<String, usize> = HashMap::new();
    for (i, row) in table.rows.iter().enumerate() {
        if !kinds(table, row).iter().any(|k| k == "variation") {
            for key in [format!("id:{}", table.get(row, "ID")), table.get(row, "SKU").to_string()] {
                if key != "id:" && !key.is_empty() {
                    parents.insert(key, i);
                }
            }
        }
    }
    let mut variations: HashMap<usize, Vec<&Row>> = HashMap::new();
    for row in &table.rows {
        if kinds(table, row).iter().any(|k| k == "variation") {
            match parents.get(table.get(row, "Parent")) {
                Some(&p) => variations.entry(p).or_default().push(row),
                None => {
                    errors.push(table.error(row.number, "Parent", format!("variation of `{}`, which is not in the file", table.get(row, "Parent"))))
                }
            }
        }
    }
    let mut drafts = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        let kinds = kinds(table, row);
        if kinds.iter().any(|k| k == "variation") {
            continue;
        }
        let name = table.get(row, "Name");
        let skip = |report: &mut Report, note: String| report.skipped.push(Entry { row: row.number, slug: slugify(name), note });
        if let Some(k) = kinds.iter().find(|k| matches!(k.as_str(), "external" | "grouped" | "downloadable" | "virtual")) {
            skip(report, format!("`{k}` products are not sold by edgeshop (physical goods only)"));
            continue;
        }
        if !kinds.iter().any(|k| k == "simple" || k == "variable") {
            skip(report, format!("unknown product type `{}`", table.get(row, "Type")));
            continue;
        }
        let children = variations.remove(&i).unwrap_or_default();
        if let Some(d) = product(table, row, &children, kinds.iter().any(|k| k == "variable"), currency, base, report, &mut errors) {
            drafts.push(d);
        }
    }
    if errors.is_empty() {
        Ok(drafts)
    } else {
        Err(errors)
    }
}

/// The attributes of a row: (name, values, visible).
fn attributes(table: &Table, row: &Row) -> Vec<(String, Vec<String>, bool)> {
    (1..)
        .take_while(|i| table.has(&format!("Attribute {i} name")))
        .filter_map(|i| {
            let name = table.get(row, &format!("Attribute {i} name"));
            (!name.is_empty()).then(|| {
                (name.to_string(), list(table.get(row, &format!("Attribute {i} value(s)"))), table.get(row, &format!("Attribute {i} visible")) != "0")
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn product(
    table: &Table,
    row: &Row,
    children: &[&Row],
    variable: bool,
    currency: Currency,
    base: &Path,
    report: &mut Report,
    errors: &mut Vec<ImportError>,
) -> Option<Draft> {
    let get = |col: &str| table.get(row, col);
    let name = get("Name");
    let slug = slugify(name);
    if slug.is_empty() {
        errors.push(table.error(row.number, "Name", format!("name `{name}` has no letters or digits to make a web address from")));
        return None;
    }
    let warn = |report: &mut Report, note: String| report.warnings.push(Entry { row: row.number, slug: slug.clone(), note });
    let digits = currency.minor_digits();
    let own = attributes(table, row);
    let mut options: Vec<(String, Vec<String>)> = Vec::new();
    let mut product_attributes = Vec::new();
    if variable {
        // Options: the parent's attributes that its variations set.
        for (name, values, visible) in &own {
            let used = children.iter().any(|c| attributes(table, c).iter().any(|(n, v, _)| n == name && !v.is_empty()));
            if used {
                options.push((name.clone(), Vec::new()));
            } else if *visible && !values.is_empty() {
                product_attributes.push((name.clone(), values.join(", ")));
            }
        }
    } else {
        product_attributes = own.iter().filter(|(_, v, visible)| *visible && !v.is_empty()).map(|(n, v, _)| (n.clone(), v.join(", "))).collect();
    }

    let rows: Vec<&Row> = if variable { children.to_vec() } else { vec![row] };
    if variable && rows.is_empty() {
        report.skipped.push(Entry { row: row.number, slug, note: "a variable product without variations".into() });
        return None;
    }
    let mut variants = Vec::new();
    for (n, r) in rows.iter().enumerate() {
        let cell = |col: &str| table.get(r, col);
        if cell("Regular price").is_empty() && cell("Sale price").is_empty() {
            report.skipped.push(Entry { row: r.number, slug: slug.clone(), note: "no price: not for sale".into() });
            continue;
        }
        let regular = match cell("Regular price") {
            "" => None,
            t => match parse_price(t, digits) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.push(table.error(r.number, "Regular price", e));
                    continue;
                }
            },
        };
        let sale = match cell("Sale price") {
            "" => None,
            t => match parse_price(t, digits) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.push(table.error(r.number, "Sale price", e));
                    continue;
                }
            },
        };
        let (price, compare_at) = match (sale, regular) {
            (Some(s), Some(r)) if s < r => (s, Some(r)),
            (Some(s), Some(_)) => {
                warn(report, format!("row {}: sale price is not below the regular price; the regular price is used", r.number));
                (regular.unwrap_or(s), None)
            }
            (Some(s), None) => (s, None),
            (None, Some(r)) => (r, None),
            (None, None) => continue,
        };
        let values: Vec<String> = options
            .iter()
            .map(|(name, _)| {
                attributes(table, r).into_iter().find(|(n, ..)| n == name).and_then(|(_, v, _)| v.into_iter().next()).unwrap_or_default()
            })
            .collect();
        if let Some(i) = values.iter().position(String::is_empty) {
            errors.push(table.error(
                r.number,
                "",
                format!("this variation has no value for `{}` (\"any\" variations cannot be sold: list each value)", options[i].0),
            ));
            continue;
        }
        for (i, v) in values.iter().enumerate() {
            if !options[i].1.contains(v) {
                options[i].1.push(v.clone());
            }
        }
        let stock = match cell("Stock") {
            "" => None,
            q => match q.parse::<f64>() {
                Ok(q) if q.fract() == 0.0 => Some(q.clamp(0.0, u32::MAX as f64) as u32),
                _ => {
                    errors.push(table.error(r.number, "Stock", format!("stock `{q}` is not a whole number")));
                    continue;
                }
            },
        };
        let in_stock = cell("In stock?").to_ascii_lowercase();
        let backorders = matches!(cell("Backorders allowed?").to_ascii_lowercase().as_str(), "1" | "notify" | "yes");
        // Stock not managed and "in stock": WooCommerce sells it whatever the count.
        let continue_selling = backorders || in_stock == "backorder" || (stock.is_none() && in_stock != "0");
        let sku = match cell("SKU") {
            "" => {
                let made = format!("{}-{}", slug.to_uppercase(), n + 1);
                warn(report, format!("row {}: no SKU; using `{made}`", r.number));
                made
            }
            s => s.to_string(),
        };
        variants.push(DraftVariant { row: r.number, sku, options: values, price, compare_at, stock: stock.unwrap_or(0), continue_selling });
    }
    if variants.is_empty() {
        return None;
    }
    let categories = list(get("Categories"));
    let category: Vec<String> =
        categories.first().map(|c| c.split('>').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    let mut tags = list(get("Tags"));
    if categories.len() > 1 {
        warn(report, format!("in {} categories; edgeshop lists a product in one (`{}`), the others become tags", categories.len(), categories[0]));
        for c in &categories[1..] {
            if let Some(leaf) = c.rsplit('>').next().map(str::trim) {
                if !tags.iter().any(|t| t.eq_ignore_ascii_case(leaf)) {
                    tags.push(leaf.to_string());
                }
            }
        }
    }
    let visibility = get("Visibility in catalog").to_ascii_lowercase();
    let published = get("Published") == "1" && visibility != "hidden";
    let mut images = Vec::new();
    for src in list(get("Images")) {
        let source = if src.starts_with("http://") || src.starts_with("https://") {
            ImageSource::Remote(src)
        } else {
            let path = base.join(&src);
            if !path.is_file() {
                errors.push(table.error(row.number, "Images", format!("image file `{}` not found", path.display())));
                continue;
            }
            ImageSource::Local(path)
        };
        images.push(DraftImage { source, alt: String::new() });
    }
    let description = match get("Description") {
        "" => get("Short description"),
        d => d,
    };
    Some(Draft {
        row: row.number,
        slug,
        title: name.to_string(),
        brand: get("Brands").split(',').next().unwrap_or("").trim().to_string(),
        category,
        tags,
        published,
        // WooCommerce exports line breaks inside descriptions as the two characters `\n`.
        description_md: html_to_markdown(&description.replace("\\n", "\n")),
        attributes: product_attributes,
        seo_title: String::new(),
        seo_description: String::new(),
        images,
        options,
        variants,
    })
}
