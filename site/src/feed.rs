//! `feed.xml`: a Google Merchant Center product feed (RSS 2.0 with the `g:` namespace), one item
//! per variant, grouped by product, priced by the same `variant_price` as the pages. Past
//! 10,000 items it continues in `feed-2.xml`, `feed-3.xml`, … (static assets are capped at 25 MiB;
//! Merchant Center takes several feed files).

use edgeshop_app::ResponsiveImage;
use edgeshop_domain::{variant_price, Catalog, Product};
use std::collections::HashMap;
use std::fmt::Write;

use edgeshop_domain::escape_html as esc;

/// Google's own attribute for an option name, when there is one.
fn google_attribute(option: &str) -> Option<&'static str> {
    match option.to_lowercase().as_str() {
        "colour" | "color" => Some("color"),
        "size" => Some("size"),
        "material" => Some("material"),
        "pattern" => Some("pattern"),
        _ => None,
    }
}

pub const ITEMS_PER_FEED: usize = 10_000;

/// The feed items of `p`'s variants `from..to`, one string each.
fn items(catalog: &Catalog, images: &HashMap<String, ResponsiveImage>, p: &Product, from: usize, to: usize) -> Vec<String> {
    let base = &catalog.shop.base_url;
    let mut out = Vec::new();
    let url = format!("{base}{}", edgeshop_domain::paths::product(&p.slug));
    let product_type: Vec<&str> = catalog.category_trail(&p.category).iter().map(|c| c.name.as_str()).collect();
    let description = match edgeshop_domain::text::markdown_summary(&p.description_md, 1000) {
        d if d.is_empty() => p.title.clone(),
        d => d,
    };
    for v in &p.variants[from..to] {
        let price = variant_price(v);
        let title = if p.variants.len() > 1 { format!("{} – {}", p.title, v.title()) } else { p.title.clone() };
        let link = if p.variants.len() > 1 { format!("{url}?variant={}", v.sku) } else { url.clone() };
        let mut xml = String::from("<item>\n");
        let _ = writeln!(xml, "  <g:id>{}</g:id>\n  <g:item_group_id>{}</g:item_group_id>", esc(&v.sku), esc(&p.slug));
        let _ = writeln!(
            xml,
            "  <title>{}</title>\n  <description>{}</description>\n  <link>{}</link>",
            esc(&title),
            esc(description.trim()),
            esc(&link)
        );
        if let Some(img) = p.images.first() {
            // Merchant Center takes raster images only: the largest rendered fallback.
            let path = images.get(&img.file).map_or_else(|| edgeshop_domain::paths::image(&img.file), |r| r.fallback_src.clone());
            let _ = writeln!(xml, "  <g:image_link>{}</g:image_link>", esc(&format!("{base}{path}")));
        }
        let availability = if v.available() { "in_stock" } else { "out_of_stock" };
        let _ = writeln!(xml, "  <g:availability>{availability}</g:availability>");
        // With a compare-at price, `price` is the regular price and `sale_price` what is charged.
        match price.compare_at {
            Some(was) => {
                let _ = writeln!(xml, "  <g:price>{} {}</g:price>", was.decimal(), was.currency.code());
                let _ = writeln!(xml, "  <g:sale_price>{} {}</g:sale_price>", price.amount.decimal(), price.amount.currency.code());
            }
            None => {
                let _ = writeln!(xml, "  <g:price>{} {}</g:price>", price.amount.decimal(), price.amount.currency.code());
            }
        }
        let _ = writeln!(xml, "  <g:brand>{}</g:brand>\n  <g:condition>new</g:condition>\n  <g:mpn>{}</g:mpn>", esc(&p.brand), esc(&v.sku));
        let _ = writeln!(xml, "  <g:product_type>{}</g:product_type>", esc(&product_type.join(" > ")));
        for (option, value) in p.options.iter().zip(&v.option_values) {
            if let Some(attr) = google_attribute(&option.name) {
                let _ = writeln!(xml, "  <g:{attr}>{}</g:{attr}>", esc(value));
            }
        }
        xml.push_str("</item>\n");
        out.push(xml);
    }
    out
}

/// Writes `feed.xml` (and `feed-N.xml` past the first 10,000 items); returns the file names. A
/// file made from the same products (`hash_of`), image links and shop facts as the last build's
/// is neither made nor written again.
pub fn write(
    catalog: &Catalog,
    images: &HashMap<String, ResponsiveImage>,
    hash_of: impl Fn(&Product) -> u64 + Sync,
    out: &crate::output::Output,
) -> Result<Vec<String>, String> {
    use rayon::prelude::*;
    // Each file's share of the items, in catalog order: (product, its variants from..to).
    let mut files: Vec<Vec<(&Product, usize, usize)>> = Vec::new();
    let mut room = 0;
    for p in catalog.products.iter().filter(|p| p.published) {
        let mut from = 0;
        while from < p.variants.len() {
            if room == 0 {
                files.push(Vec::new());
                room = ITEMS_PER_FEED;
            }
            let to = (from + room).min(p.variants.len());
            if let Some(file) = files.last_mut() {
                file.push((p, from, to));
            }
            room -= to - from;
            from = to;
        }
    }
    let shop = &catalog.shop;
    let shared = crate::output::inputs_hash(0, &(&shop.name, &shop.base_url, &shop.tagline, &catalog.categories));
    let mut names = Vec::new();
    for (i, share) in files.iter().enumerate() {
        let name = if i == 0 { "feed.xml".to_string() } else { format!("feed-{}.xml", i + 1) };
        let image_link = |p: &Product| p.images.first().and_then(|img| images.get(&img.file)).map(|r| r.fallback_src.as_str());
        let inputs: Vec<(u64, usize, usize, Option<&str>)> = share.par_iter().map(|&(p, from, to)| (hash_of(p), from, to, image_link(p))).collect();
        out.page(&name, crate::output::inputs_hash(shared, &inputs), || {
            let items: Vec<String> = share.par_iter().flat_map_iter(|&(p, from, to)| items(catalog, images, p, from, to)).collect();
            document(catalog, &items)
        })?;
        names.push(name);
    }
    Ok(names)
}

/// One feed file holding `items`.
fn document(catalog: &Catalog, items: &[String]) -> String {
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">\n<channel>\n");
    let _ = writeln!(
        xml,
        "<title>{}</title>\n<link>{}/</link>\n<description>{}</description>",
        esc(&catalog.shop.name),
        esc(&catalog.shop.base_url),
        esc(&catalog.shop.tagline)
    );
    for item in items {
        xml.push_str(item);
    }
    xml.push_str("</channel>\n</rss>\n");
    xml
}
