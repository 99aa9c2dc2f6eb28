//! Cart lines and how they are priced against a catalog snapshot.

use crate::money::{Money, MoneyError};
use crate::pricing::variant_price;
use crate::snapshot::CatalogSnapshot;
use serde::{Deserialize, Serialize};

pub const MAX_LINE_QUANTITY: u32 = 99;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub sku: String,
    pub quantity: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PricedLine {
    pub sku: String,
    pub product_slug: String,
    pub title: String,
    pub variant_title: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub line_total: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PricedCart {
    pub catalog_version: String,
    pub lines: Vec<PricedLine>,
    pub subtotal: Money,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CartError {
    UnknownSku(String),
    Unavailable(String),
    BadQuantity { sku: String, quantity: u32 },
    Money(MoneyError),
}

impl std::fmt::Display for CartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CartError::UnknownSku(s) => write!(f, "no product has the SKU `{s}`"),
            CartError::Unavailable(s) => write!(f, "`{s}` is not for sale any more"),
            CartError::BadQuantity { sku, quantity } => {
                write!(f, "quantity {quantity} for `{sku}` is outside 1..={MAX_LINE_QUANTITY}")
            }
            CartError::Money(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CartError {}

/// Prices every line from the snapshot; prices sent by a client never enter here.
pub fn price_cart(lines: &[CartLine], snapshot: &CatalogSnapshot) -> Result<PricedCart, CartError> {
    let mut subtotal = Money::zero(snapshot.currency);
    let mut priced = Vec::with_capacity(lines.len());
    for line in lines {
        if !(1..=MAX_LINE_QUANTITY).contains(&line.quantity) {
            return Err(CartError::BadQuantity { sku: line.sku.clone(), quantity: line.quantity });
        }
        let entry = snapshot.get(&line.sku).ok_or_else(|| CartError::UnknownSku(line.sku.clone()))?;
        if !entry.published {
            return Err(CartError::Unavailable(line.sku.clone()));
        }
        let unit_price = variant_price(&entry.variant).amount;
        let line_total = unit_price.checked_mul(line.quantity).map_err(CartError::Money)?;
        subtotal = subtotal.checked_add(line_total).map_err(CartError::Money)?;
        priced.push(PricedLine {
            sku: line.sku.clone(),
            product_slug: entry.product_slug.clone(),
            title: entry.product_title.clone(),
            variant_title: entry.variant.title(),
            quantity: line.quantity,
            unit_price,
            line_total,
        });
    }
    Ok(PricedCart { catalog_version: snapshot.version.clone(), lines: priced, subtotal })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{ShippingRules, Shop, StockPolicy, TaxRules, Variant};
    use crate::money::Currency;
    use crate::snapshot::SkuEntry;

    fn snapshot() -> CatalogSnapshot {
        let entry = |sku: &str, price: i64, published: bool| SkuEntry {
            product_slug: format!("p-{sku}"),
            product_title: format!("Product {sku}"),
            published,
            image: None,
            variant: Variant {
                sku: sku.into(),
                option_values: vec!["M".into()],
                price: Money::new(price, Currency::EUR),
                compare_at: None,
                stock: 3,
                stock_policy: StockPolicy::Deny,
            },
        };
        CatalogSnapshot {
            version: "v1".into(),
            currency: Currency::EUR,
            locale: "en".into(),
            shop: Shop {
                name: "S".into(),
                tagline: String::new(),
                currency: Currency::EUR,
                locale: "en".into(),
                base_url: String::new(),
                shipping: ShippingRules { flat_rate: Money::new(0, Currency::EUR), free_over: None, countries: vec![] },
                tax: TaxRules { rate_bp: 0, prices_include_tax: true },
                featured_products: vec![],
                featured_categories: vec![],
                email: Default::default(),
            },
            entries: vec![entry("A-1", 1250, true), entry("B-2", 999, true), entry("C-3", 100, false)],
        }
    }

    #[test]
    fn prices_from_snapshot() {
        let cart = price_cart(&[CartLine { sku: "A-1".into(), quantity: 2 }, CartLine { sku: "B-2".into(), quantity: 1 }], &snapshot()).unwrap();
        assert_eq!(cart.subtotal.minor, 2 * 1250 + 999);
        assert_eq!(cart.lines[0].variant_title, "M");
        assert_eq!(cart.catalog_version, "v1");
    }

    #[test]
    fn snapshot_round_trips_through_its_compact_form() {
        let s = snapshot();
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"skus\""), "{json}");
        let back: CatalogSnapshot = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn shards_hold_every_sku_once_and_parse_back() {
        let mut s = snapshot();
        let template = s.entries[0].clone();
        for i in 0..1500 {
            let mut e = template.clone();
            e.variant.sku = format!("GEN-{i:05}");
            e.product_slug = format!("gen-{}", i / 7);
            s.entries.push(e);
        }
        s.entries.sort_by(|a, b| a.variant.sku.cmp(&b.variant.sku));
        let shards = s.shards();
        assert_eq!(shards.len(), s.entries.len().div_ceil(crate::snapshot::SKUS_PER_SHARD));
        let mut seen = Vec::new();
        for (i, bytes) in shards.iter().enumerate() {
            let entries = CatalogSnapshot::parse_shard(bytes, Currency::EUR).unwrap();
            assert!(!entries.is_empty(), "shard {i} is empty");
            for e in &entries {
                assert_eq!(crate::snapshot::shard_of(&e.variant.sku, shards.len() as u32) as usize, i);
            }
            seen.extend(entries);
        }
        let manifest = s.manifest(shards.len() as u32, 0, 0);
        assert_eq!(CatalogSnapshot::partial(&manifest, seen), s);
        assert!(CatalogSnapshot::parse_shard(b"{not json", Currency::EUR).is_err());
    }

    #[test]
    fn rejects_bad_lines() {
        let s = snapshot();
        assert_eq!(price_cart(&[CartLine { sku: "Z".into(), quantity: 1 }], &s), Err(CartError::UnknownSku("Z".into())));
        assert_eq!(price_cart(&[CartLine { sku: "C-3".into(), quantity: 1 }], &s), Err(CartError::Unavailable("C-3".into())));
        assert!(matches!(price_cart(&[CartLine { sku: "A-1".into(), quantity: 0 }], &s), Err(CartError::BadQuantity { .. })));
        assert!(matches!(price_cart(&[CartLine { sku: "A-1".into(), quantity: 100 }], &s), Err(CartError::BadQuantity { .. })));
    }
}
