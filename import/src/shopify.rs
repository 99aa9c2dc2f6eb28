//! Shopify's product CSV: one product per `Handle`, its first row carrying the product's fields,
//! one variant per row with `Option1..3 Value` (continuation rows), and rows with only an image.
//! Reads Shopify's own template unchanged (including its newer market-price columns, ignored).

use crate::draft::{decimal_point, no_category, one_line, parse_price, slugify, Draft, DraftImage, DraftVariant, ImageSource};
use crate::html::plain_text;
use crate::table::{Row, Table};
use crate::{html_to_markdown, Entry, ImportError, Report};
use edgeshop_domain::text::count_of;
use edgeshop_domain::Currency;
use std::collections::HashMap;
use std::path::Path;

const REQUIRED: &[&str] = &["Handle", "Title", "Variant Price"];

/// The columns of Shopify's product export since 2024 (`Title,URL handle,Description,…`) under
/// the names of the earlier one, which this import reads (names that only changed case need none).
pub const OTHER_NAMES: &[(&str, &[&str])] = &[
    ("Handle", &["URL handle"]),
    ("Body (HTML)", &["Description"]),
    ("Published", &["Published on online store"]),
    ("Variant SKU", &["SKU"]),
    ("Variant Barcode", &["Barcode"]),
    ("Variant Price", &["Price"]),
    ("Variant Compare At Price", &["Compare-at price"]),
    ("Variant Inventory Tracker", &["Inventory tracker"]),
    ("Variant Inventory Qty", &["Inventory quantity"]),
    ("Variant Inventory Policy", &["Continue selling when out of stock"]),
    ("Variant Requires Shipping", &["Requires shipping"]),
    ("Variant Taxable", &["Charge tax"]),
    ("Image Src", &["Product image URL"]),
    // Shopify's export of 2021–22 named the standard category and the merchant's type so.
    ("Product Category", &["Standardized Product Type"]),
    ("Type", &["Custom Product Type"]),
    ("Variant Image", &["Variant image URL"]),
];

pub fn drafts(table: &Table, currency: Currency, base: &Path, report: &mut Report) -> Result<Vec<Draft>, Vec<ImportError>> {
    table.require(REQUIRED, "Shopify")?;
    if !table.has("Variant Inventory Qty") {
        let note = "no `Variant Inventory Qty` column (Shopify leaves it out for shops with several locations): \
                    variants whose stock Shopify tracks are imported with none, so they show as sold out until you set their stock in the back office"
            .to_string();
        report.warnings.push(crate::Entry { row: 1, slug: String::new(), note });
    }
    let mut errors = Vec::new();
    let mut drafts = Vec::new();
    // A product's rows, gathered by handle: a sheet sorted in a spreadsheet parts them, and a
    // handle typed again may differ in case (`Hoodie-Blue`, `hoodie-blue`: one address). A run of
    // rows apart from the product's first that starts with a title is another product with the
    // same handle (refused below by its address); one without joins the product.
    let mut parts: Vec<Vec<&Row>> = Vec::new();
    // The last part of each handle (a lookup per row: an export has a hundred thousand).
    let mut last_part: HashMap<String, usize> = HashMap::new();
    let titled = |r: &Row| !table.get(r, "Title").is_empty();
    // The previous row's handle and address (most rows continue the row before).
    let mut previous: Option<(&str, String)> = None;
    for row in &table.rows {
        let handle = table.get(row, "Handle");
        if handle.is_empty() {
            errors.push(table.error(row.number, "Handle", "every row needs the product's handle"));
            previous = None;
            continue;
        }
        // By the handle in any case, not by the address made from it: two handles in another
        // script may give one address, and are still two products.
        let (run_goes_on, key) = match previous.take() {
            Some((h, key)) if h == handle => (true, key),
            Some((_, key)) if key == handle.to_lowercase() => (true, key),
            _ => (false, handle.to_lowercase()),
        };
        // A row with a title starts another product unless it continues a run, or joins rows of
        // its handle that have none yet (a sort put a variant row first).
        match last_part.get(&key).filter(|_| !key.is_empty()) {
            Some(&i) if run_goes_on || !titled(row) || !parts[i].iter().any(|r| titled(r)) => parts[i].push(row),
            _ => {
                last_part.insert(key.clone(), parts.len());
                parts.push(vec![row]);
            }
        }
        previous = Some((handle, key));
    }
    // Each address and the handle that has it; and products whose address is not their handle.
    let mut addresses: HashMap<String, String> = HashMap::new();
    let mut moved: Vec<(String, String)> = Vec::new();
    for mut rows in parts {
        // The row with the product's fields first (sorting may have put another row before it).
        if let Some(i) = rows.iter().position(|r| titled(r)) {
            let with_fields = rows.remove(i);
            rows.insert(0, with_fields);
        }
        if let Some(mut d) = product(table, &rows, currency, base, report, &mut errors) {
            let handle = table.get(rows[0], "Handle").to_string();
            // Two handles that make one address: the later one gets the first free number.
            if addresses.get(&d.slug).is_some_and(|h| h.to_lowercase() != handle.to_lowercase()) {
                let free = (2..).map(|n| format!("{}-{n}", d.slug)).find(|s| !addresses.contains_key(s)).unwrap_or_default();
                let note = format!("handles `{}` and `{handle}` make one address: this one's is /products/{free}", addresses[&d.slug]);
                report.warnings.push(Entry { row: rows[0].number, slug: free.clone(), note });
                d.slug = free;
            }
            addresses.entry(d.slug.clone()).or_insert_with(|| handle.clone());
            if d.slug != handle.to_lowercase() {
                moved.push((handle, d.slug.clone()));
            }
            drafts.push(d);
        }
    }
    // Links to the shop's old addresses: said once, with a few of them.
    if let Some((handle, slug)) = moved.first() {
        let who = if moved.len() == 1 { "1 product gets".to_string() } else { format!("{} products get", moved.len()) };
        let note = format!(
            "{who} an address other than its Shopify handle (letters beyond a-z, or characters an address here cannot have), \
             e.g. /products/{slug} for `{handle}`: redirect the old addresses"
        );
        report.warnings.push(Entry { row: 1, slug: String::new(), note });
    }
    if errors.is_empty() {
        Ok(drafts)
    } else {
        Err(errors)
    }
}

fn truthy(s: &str) -> bool {
    matches!(s.to_ascii_lowercase().as_str(), "true" | "yes" | "1")
}

fn product(table: &Table, rows: &[&Row], currency: Currency, base: &Path, report: &mut Report, errors: &mut Vec<ImportError>) -> Option<Draft> {
    let first = &rows[0];
    let get = |col: &str| table.get(first, col);
    let handle = get("Handle");
    let slug = slugify(handle);
    let skip = |report: &mut Report, note: &str| report.skipped.push(Entry { row: first.number, slug: slug.clone(), note: note.into() });
    if slug.is_empty() {
        errors.push(table.error(first.number, "Handle", format!("handle `{handle}` has no letters or digits to make a web address from")));
        return None;
    }
    if get("Title").is_empty() {
        errors.push(table.error(first.number, "Title", "the product's first row needs its title"));
        return None;
    }
    if truthy(get("Gift Card")) {
        skip(report, "gift cards are not sold by edgeshop");
        return None;
    }
    let status = get("Status").to_ascii_lowercase();
    let mut published = (get("Published").is_empty() || truthy(get("Published"))) && (status.is_empty() || status == "active");
    match status.as_str() {
        "" | "active" | "draft" => {}
        "archived" => report.warnings.push(Entry { row: first.number, slug: slug.clone(), note: "archived in Shopify: imported unpublished".into() }),
        "unlisted" => report.warnings.push(Entry {
            row: first.number,
            slug: slug.clone(),
            note: "unlisted in Shopify (sold by its link, hidden from search and collections): imported unpublished, as edgeshop has no \
                   unlisted products; publish it to sell it"
                .into(),
        }),
        other => report.warnings.push(Entry {
            row: first.number,
            slug: slug.clone(),
            note: format!("status `{other}` in Shopify: imported unpublished; publish it to sell it"),
        }),
    }

    // Options: names on the first row; Shopify's single "Title / Default Title" means none.
    // Names and values may carry HTML character references (`25&quot;`), as an Etsy import writes.
    let mut options: Vec<(String, Vec<String>)> =
        (1..=3).map(|i| plain_text(get(&format!("Option{i} Name")))).take_while(|n| !n.is_empty()).map(|n| (n, Vec::new())).collect();
    let no_options = options.len() == 1 && options[0].0 == "Title" && get("Option1 Value") == "Default Title";
    if no_options {
        options.clear();
    }
    // An option linked to a metafield (Shopify's 2024 category options) is exported as the
    // metaobjects' handles (`s`, `m`, `orange-1`), not the names shoppers saw.
    for (i, (name, _)) in options.iter().enumerate() {
        let linked = get(&format!("Option{} Linked To", i + 1));
        if !linked.is_empty() {
            let note = format!(
                "option `{name}` is linked to `{linked}` in Shopify, which exports its values as handles (such as `m` or `orange-1`): check how they read in the catalog"
            );
            report.warnings.push(Entry { row: first.number, slug: slug.clone(), note });
        }
    }

    let mut variants = Vec::new();
    let mut images: Vec<(u32, String, String, usize)> = Vec::new();
    let digits = currency.minor_digits();
    for (n, row) in rows.iter().enumerate() {
        let cell = |col: &str| table.get(row, col);
        let src = cell("Image Src");
        if !src.is_empty() {
            let position = cell("Image Position").parse().unwrap_or(u32::MAX);
            images.push((position, src.to_string(), plain_text(cell("Image Alt Text")), row.number));
        }
        let is_variant = !cell("Variant Price").is_empty() || !cell("Variant SKU").is_empty() || !cell("Option1 Value").is_empty();
        if !is_variant {
            continue;
        }
        let ships = !cell("Variant Requires Shipping").eq_ignore_ascii_case("false");
        if cell("Variant Taxable").eq_ignore_ascii_case("false") && !report.warnings.iter().any(|w| w.slug == slug && w.note.contains("not taxable"))
        {
            let note = "not taxable in Shopify: edgeshop charges the shop's tax rate ([tax] in shop.toml) on every product".into();
            report.warnings.push(Entry { row: row.number, slug: slug.clone(), note });
        }
        let values: Vec<String> = (1..=options.len()).map(|i| plain_text(cell(&format!("Option{i} Value")))).collect();
        for (i, v) in values.iter().enumerate() {
            if v.is_empty() {
                errors.push(table.error(row.number, &format!("Option{} Value", i + 1), format!("a value for option `{}` is needed", options[i].0)));
            } else if !options[i].1.contains(v) {
                options[i].1.push(v.clone());
            }
        }
        // Shopify writes a point; a spreadsheet that saved the file in a European locale, a comma.
        let price = match parse_price(&decimal_point(cell("Variant Price"), digits.max(2) as usize), digits) {
            Ok(p) => p,
            Err(e) => {
                errors.push(table.error(row.number, "Variant Price", e));
                continue;
            }
        };
        let compare_at = match cell("Variant Compare At Price") {
            "" => None,
            text => match parse_price(&decimal_point(text, digits.max(2) as usize), digits) {
                Ok(c) if c > price => Some(c),
                Ok(_) => {
                    report.warnings.push(Entry {
                        row: row.number,
                        slug: slug.clone(),
                        note: format!("compare-at price {text} is not above the price; ignored"),
                    });
                    None
                }
                Err(e) => {
                    errors.push(table.error(row.number, "Variant Compare At Price", e));
                    continue;
                }
            },
        };
        // Shopify sells untracked variants whatever the count, and tracked ones past zero with "continue".
        let untracked = table.has("Variant Inventory Tracker") && cell("Variant Inventory Tracker").is_empty();
        let stock = match cell("Variant Inventory Qty") {
            "" => 0,
            q => match q.parse::<i64>() {
                Ok(q) if q < 0 && !untracked => {
                    // Units sold past zero (continue selling) or taken by orders Shopify kept.
                    let note = format!("stock {q}: {} owed to orders; imported as 0", edgeshop_domain::text::count_of(q.unsigned_abs(), "unit"));
                    report.warnings.push(Entry { row: row.number, slug: slug.clone(), note });
                    0
                }
                Ok(q) => q.clamp(0, u32::MAX as i64) as u32,
                Err(_) => {
                    errors.push(table.error(row.number, "Variant Inventory Qty", format!("stock `{q}` is not a whole number")));
                    continue;
                }
            },
        };
        // `continue` (or, in the newer export's "Continue selling when out of stock", TRUE).
        let policy = cell("Variant Inventory Policy");
        let continue_selling = untracked || policy.eq_ignore_ascii_case("continue") || truthy(policy);
        // A long number typed as a SKU is exported as `'9371…`, the quote that keeps a
        // spreadsheet from reading it as a number: not part of the SKU.
        let sku = match cell("Variant SKU").strip_prefix('\'').unwrap_or(cell("Variant SKU")).trim() {
            "" => {
                let made = crate::draft::made_sku(&slug, n + 1);
                let note = "no SKU: one is made from the product's address and the variant's number".to_string();
                report.warnings.push(Entry { row: row.number, slug: slug.clone(), note });
                made
            }
            s => s.to_string(),
        };
        variants.push((ships, DraftVariant { row: row.number, sku, options: values, price, compare_at, stock, continue_selling }));
        let variant_image = cell("Variant Image");
        if !variant_image.is_empty() {
            images.push((u32::MAX, variant_image.to_string(), String::new(), row.number));
        }
    }
    if variants.is_empty() {
        skip(report, "no variant that can be sold");
        return None;
    }
    // What the product says it is: its category, type, title and option values.
    let said = [get("Product Category"), get("Type"), get("Title")]
        .into_iter()
        .chain(variants.iter().flat_map(|(_, v)| v.options.iter().map(String::as_str)))
        .collect::<Vec<_>>()
        .join(" ");
    let variants = match shipped_variants(variants, &mut options, &said) {
        Shipping::All(v) => v,
        Shipping::Some(v, left_out) => {
            let note = format!(
                "{} need no shipping (Requires Shipping FALSE): left out, as edgeshop sells goods it ships; the others are imported",
                count_of(left_out, "variant")
            );
            report.warnings.push(Entry { row: first.number, slug: slug.clone(), note });
            v
        }
        Shipping::None(v) => {
            let note = format!(
                "Requires Shipping is off on {}: imported unpublished, as edgeshop ships what it sells; check it is goods (not a download or a service) and publish it",
                if v.len() == 1 { "its variant".to_string() } else { format!("all {} variants", v.len()) }
            );
            report.warnings.push(Entry { row: first.number, slug: slug.clone(), note });
            published = false;
            v
        }
        Shipping::Digital => {
            skip(report, "its variants need no shipping and it says it is digital (a download, software, a service): not sold by edgeshop");
            return None;
        }
    };
    images.sort_by_key(|(p, ..)| *p);
    let mut seen = std::collections::HashSet::new();
    let mut draft_images = Vec::new();
    for (_, src, alt, row) in images {
        if !seen.insert(src.clone()) {
            continue;
        }
        let source = if src.starts_with("http://") || src.starts_with("https://") {
            ImageSource::Remote(src)
        } else {
            let path = base.join(&src);
            if !path.is_file() {
                errors.push(table.error(row, "Image Src", format!("image file `{}` not found", path.display())));
                continue;
            }
            ImageSource::Local(path)
        };
        draft_images.push(DraftImage { source, alt });
    }
    // Shopify's standard category, unless it says there is none: then the merchant's own type.
    let standard = Some(get("Product Category")).filter(|c| !slugify(c).is_empty() && !no_category(c)).unwrap_or("");
    let kind = plain_text(get("Type"));
    let category = match standard {
        "" => match kind.as_str() {
            "" => vec![],
            t => vec![t.to_string()],
        },
        path => path.split('>').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
    };
    let mut tags: Vec<String> = plain_text(get("Tags")).split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
    // Shopify's standard category places the product; the merchant's own type stays as a tag.
    if !standard.is_empty() && !kind.is_empty() && !tags.iter().any(|t| t.eq_ignore_ascii_case(&kind)) {
        tags.push(kind);
    }
    if let Some(note) = crate::html::images_note(&crate::html::images_in(get("Body (HTML)"))) {
        report.warnings.push(Entry { row: first.number, slug: slug.clone(), note });
    }
    Some(Draft {
        row: first.number,
        slug,
        title: one_line(&plain_text(get("Title"))),
        brand: plain_text(get("Vendor")),
        category,
        tags,
        published,
        description_md: html_to_markdown(get("Body (HTML)")),
        attributes: vec![],
        seo_title: one_line(&plain_text(get("SEO Title"))),
        seo_description: get("SEO Description").to_string(),
        images: draft_images,
        options,
        variants,
    })
}

/// A product's variants sorted by whether they need shipping (Shopify's Requires Shipping).
enum Shipping {
    All(Vec<DraftVariant>),
    /// Those that ship, and how many were left out (the options keep only the values still used).
    Some(Vec<DraftVariant>, u64),
    /// None ships: goods marked so by mistake or by an app (print on demand), imported unpublished.
    None(Vec<DraftVariant>),
    /// None ships and the product says it is digital.
    Digital,
}

fn shipped_variants(variants: Vec<(bool, DraftVariant)>, options: &mut [(String, Vec<String>)], said: &str) -> Shipping {
    let shipped = variants.iter().filter(|(ships, _)| *ships).count();
    if shipped == variants.len() {
        return Shipping::All(variants.into_iter().map(|(_, v)| v).collect());
    }
    if shipped == 0 {
        return if says_digital(said) { Shipping::Digital } else { Shipping::None(variants.into_iter().map(|(_, v)| v).collect()) };
    }
    let left_out = (variants.len() - shipped) as u64;
    let kept: Vec<DraftVariant> = variants.into_iter().filter(|(ships, _)| *ships).map(|(_, v)| v).collect();
    for (i, (_, values)) in options.iter_mut().enumerate() {
        values.retain(|value| kept.iter().any(|v| v.options.get(i) == Some(value)));
    }
    Shipping::Some(kept, left_out)
}

/// Whether what a product says of itself (category, type, title, options) names something that is
/// not shipped: a download, software, an e-book or PDF, a gift card or voucher, a service, a rental.
fn says_digital(said: &str) -> bool {
    let words = slugify(said);
    let words: Vec<&str> = words.split('-').collect();
    let has = |w: &str| words.contains(&w);
    let slug = words.join("-");
    slug.contains("e-book")
        || slug.contains("gift-card")
        || has("voucher")
        || has("pdf")
        || has("download")
        || has("downloads")
        || has("downloadable")
        || has("software")
        || has("ebook")
        || has("ebooks")
        || (has("digital") && (has("goods") || has("products") || has("product") || has("files") || has("art") || has("currency")))
        || has("services")
        || has("service")
        || has("subscription")
        || has("subscriptions")
        || has("rental")
        || has("rentals")
}
