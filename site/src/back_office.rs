//! The back office's static pages under `/admin/` and the `_headers` rules of the static files:
//! every file's (no framing, no sniffing), the back office's content security policy (with the
//! hashes of the pages' inline scripts) and the images'.

use edgeshop_admin::catalog::CatalogRow;
use edgeshop_admin::pages::{headers, render_all, render_catalog, AdminSite};
use edgeshop_catalog::LoadedShop;
use edgeshop_domain::text::{base64, inline_scripts};
use edgeshop_domain::Catalog;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// Every static file: no page elsewhere may frame the shop's (a framed add-to-cart form could be
/// clicked unseen), and no file is read as another type than it says. The rules below add other
/// headers (a header named by two rules would take one rule's value).
const EVERY_FILE: &str = "/*\n  X-Frame-Options: DENY\n  X-Content-Type-Options: nosniff\n";

/// Writes the admin pages and `_headers` (with the product images' rule); returns how many pages.
pub fn write(shop: &LoadedShop, out: &crate::output::Output) -> Result<usize, String> {
    let catalog = &shop.catalog;
    let site = AdminSite {
        shop_name: catalog.shop.name.clone(),
        locale: catalog.shop.locale.clone(),
        currency: catalog.shop.currency.code().to_string(),
        catalog_version: catalog.version.clone(),
    };
    let mut pages = render_all(&site);
    pages.extend(render_catalog(&site, catalog_rows(shop), categories(catalog)));
    let mut hashes = BTreeSet::new();
    for (path, html) in &pages {
        hashes.extend(inline_scripts(html).map(|s| base64(&Sha256::digest(s.as_bytes()))));
        out.write(&format!("{}/index.html", path.trim_matches('/')), html.as_bytes())?;
    }
    let rules = EVERY_FILE.to_string() + &headers(&hashes.into_iter().collect::<Vec<_>>()) + crate::images::HEADERS;
    out.write("_headers", rules.as_bytes())?;
    Ok(pages.len())
}

/// Every product as published (drafts too), by title.
fn catalog_rows(shop: &LoadedShop) -> Vec<CatalogRow> {
    let locale = &shop.catalog.shop.locale;
    let mut rows: Vec<CatalogRow> = shop
        .catalog
        .products
        .iter()
        .map(|p| {
            let low = p.variants.iter().map(|v| v.price).min_by_key(|m| m.minor);
            let high = p.variants.iter().map(|v| v.price).max_by_key(|m| m.minor);
            let price = match (low, high) {
                (Some(l), Some(h)) if l.minor != h.minor => format!("{}–{}", l.format(locale), h.format(locale)),
                (Some(l), _) => l.format(locale),
                _ => String::new(),
            };
            CatalogRow {
                slug: p.slug.clone(),
                title: p.title.clone(),
                category: p.category.clone(),
                published: p.published,
                price,
                variants: p.variants.len(),
                catalog_stock: p.variants.iter().map(|v| u64::from(v.stock)).sum(),
                file: shop.product_files.get(&p.slug).cloned().unwrap_or_default(),
            }
        })
        .collect();
    rows.sort_by_cached_key(|r| r.title.to_lowercase());
    rows
}

/// Categories with how many products each holds directly.
fn categories(catalog: &Catalog) -> Vec<(String, String, usize)> {
    catalog.categories.iter().map(|c| (c.slug.clone(), c.name.clone(), catalog.products.iter().filter(|p| p.category == c.slug).count())).collect()
}
