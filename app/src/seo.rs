//! schema.org structured data (JSON-LD) for search engines, from the same catalog values the
//! page shows.

use crate::paths;
use edgeshop_domain::{variant_price, Category, Product};
use serde_json::{json, Value};

pub fn organization(name: &str, base_url: &str) -> Value {
    json!({
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": name,
        "url": format!("{base_url}/"),
        "logo": format!("{base_url}/assets/favicon.svg"),
    })
}

/// `crumbs`: (path, name), home first.
pub fn breadcrumbs(base_url: &str, crumbs: &[(String, String)]) -> Value {
    let items: Vec<Value> = crumbs
        .iter()
        .enumerate()
        .map(|(i, (path, name))| json!({ "@type": "ListItem", "position": i + 1, "name": name, "item": format!("{base_url}{path}") }))
        .collect();
    json!({ "@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items })
}

pub fn availability(available: bool) -> &'static str {
    if available {
        "https://schema.org/InStock"
    } else {
        "https://schema.org/OutOfStock"
    }
}

/// `Product` with one `Offer` per variant, wrapped in an `AggregateOffer` when there are several.
pub fn product(base_url: &str, product: &Product, trail: &[Category]) -> Value {
    let url = format!("{base_url}{}", paths::product(&product.slug));
    let offers: Vec<Value> = product
        .variants
        .iter()
        .map(|v| {
            let price = variant_price(v).amount;
            json!({
                "@type": "Offer",
                "sku": v.sku,
                "name": v.title(),
                "price": price.decimal(),
                "priceCurrency": price.currency.code(),
                "availability": availability(v.available()),
                "itemCondition": "https://schema.org/NewCondition",
                "url": if product.variants.len() > 1 { format!("{url}?variant={}", v.sku) } else { url.clone() },
            })
        })
        .collect();
    let prices: Vec<_> = product.variants.iter().map(|v| variant_price(v).amount).collect();
    let offer = match (offers.len(), prices.iter().min_by_key(|p| p.minor), prices.iter().max_by_key(|p| p.minor)) {
        (1, _, _) => offers[0].clone(),
        (n, Some(lo), Some(hi)) => json!({
            "@type": "AggregateOffer",
            "lowPrice": lo.decimal(),
            "highPrice": hi.decimal(),
            "priceCurrency": lo.currency.code(),
            "offerCount": n,
            "availability": availability(product.available()),
            "offers": offers,
        }),
        _ => Value::Null,
    };
    let site = crate::context::site();
    let images: Vec<String> = product.images.iter().map(|i| format!("{base_url}{}", site.image_src(&i.file))).collect();
    let mut value = json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.title,
        "description": edgeshop_domain::text::markdown_summary(&product.description_md, 5000),
        "image": images,
        "brand": { "@type": "Brand", "name": product.brand },
        "category": trail.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(" > "),
        "url": url,
        "offers": offer,
    });
    if let Some(v) = product.variants.first() {
        value["sku"] = json!(if product.variants.len() == 1 { v.sku.clone() } else { product.slug.clone() });
    }
    value
}

/// JSON for a `<script type="application/ld+json">`: `<` escaped so no text can close the tag.
pub fn script_text(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c")
}
