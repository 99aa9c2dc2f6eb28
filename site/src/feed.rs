//! `feed.xml`: a Google Merchant Center product feed (RSS 2.0 with the `g:` namespace), one item
//! per variant, grouped by product, priced by the same `variant_price` as the pages. Past
//! 10,000 items it continues in `feed-2.xml`, `feed-3.xml`, … (static assets are capped at 25 MiB;
//! Merchant Center takes several feed files).

use edgeshop_app::ResponsiveImage;
use edgeshop_domain::{variant_price, Catalog};
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

/// The feed items, one string per variant (made on every core, in catalog order).
pub fn items(catalog: &Catalog, images: &HashMap<String, ResponsiveImage>) -> Vec<String> {
    use rayon::prelude::*;
    let base = &catalog.shop.base_url;
    let per_product = |p: &edgeshop_domain::Product| {
        let mut out = Vec::new();
        let url = format!("{base}{}", edgeshop_domain::paths::product(&p.slug));
        let product_type: Vec<&str> = catalog.category_trail(&p.category).iter().map(|c| c.name.as_str()).collect();
        let description: String = p.description_md.lines().find(|l| !l.trim().is_empty()).unwrap_or(&p.title).chars().take(1000).collect();
        for v in &p.variants {
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
    };
    catalog.products.par_iter().filter(|p| p.published).flat_map_iter(per_product).collect()
}

/// Writes `feed.xml` (and `feed-N.xml` past the first 10,000 items); returns the file names.
pub fn write(catalog: &Catalog, images: &HashMap<String, ResponsiveImage>, out: &crate::output::Output) -> Result<Vec<String>, String> {
    let items = items(catalog, images);
    let mut names = Vec::new();
    for (i, chunk) in items.chunks(ITEMS_PER_FEED).enumerate() {
        let name = if i == 0 { "feed.xml".to_string() } else { format!("feed-{}.xml", i + 1) };
        let mut xml =
            String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">\n<channel>\n");
        let _ = writeln!(
            xml,
            "<title>{}</title>\n<link>{}/</link>\n<description>{}</description>",
            esc(&catalog.shop.name),
            esc(&catalog.shop.base_url),
            esc(&catalog.shop.tagline)
        );
        for item in chunk {
            xml.push_str(item);
        }
        xml.push_str("</channel>\n</rss>\n");
        out.write(&name, xml.as_bytes())?;
        names.push(name);
    }
    Ok(names)
}
