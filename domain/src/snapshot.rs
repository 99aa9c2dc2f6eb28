//! The compact catalog the edge worker embeds: every sellable SKU with what is needed to price it.

use crate::catalog::{Catalog, Shop, StockPolicy, Variant};
use crate::money::{Currency, Money};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkuEntry {
    pub product_slug: String,
    pub product_title: String,
    pub published: bool,
    pub image: Option<String>,
    pub variant: Variant,
}

/// Serialised compactly (see [`Wire`]): product facts once, one small tuple per SKU.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "Wire", try_from = "Wire")]
pub struct CatalogSnapshot {
    pub version: String,
    pub currency: Currency,
    pub locale: String,
    /// Shipping, tax and the rest of the shop file, for checkout.
    pub shop: Shop,
    /// Sorted by SKU for binary search.
    pub entries: Vec<SkuEntry>,
}

impl CatalogSnapshot {
    pub fn from_catalog(catalog: &Catalog) -> Self {
        let mut entries: Vec<SkuEntry> = catalog
            .products
            .iter()
            .flat_map(|p| {
                p.variants.iter().map(move |v| SkuEntry {
                    product_slug: p.slug.clone(),
                    product_title: p.title.clone(),
                    published: p.published,
                    image: p.images.first().map(|i| i.file.clone()),
                    variant: v.clone(),
                })
            })
            .collect();
        entries.sort_by(|a, b| a.variant.sku.cmp(&b.variant.sku));
        CatalogSnapshot {
            version: catalog.version.clone(),
            currency: catalog.shop.currency,
            locale: catalog.shop.locale.clone(),
            shop: catalog.shop.clone(),
            entries,
        }
    }

    pub fn get(&self, sku: &str) -> Option<&SkuEntry> {
        self.entries
            .binary_search_by(|e| e.variant.sku.as_str().cmp(sku))
            .ok()
            .map(|i| &self.entries[i])
    }
}

/// `[slug, title, published, image]`
type WireProduct = (String, String, bool, Option<String>);
/// `[sku, product index, option values, price, compare-at, stock, keeps selling at zero]`
type WireSku = (String, u32, Vec<String>, i64, Option<i64>, u32, bool);

/// The snapshot as stored in the worker: about a sixth of the size of the plain form.
#[derive(Serialize, Deserialize)]
struct Wire {
    version: String,
    currency: Currency,
    locale: String,
    shop: Shop,
    products: Vec<WireProduct>,
    skus: Vec<WireSku>,
}

impl From<CatalogSnapshot> for Wire {
    fn from(s: CatalogSnapshot) -> Self {
        let mut products: Vec<WireProduct> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut skus = Vec::with_capacity(s.entries.len());
        for e in s.entries {
            let next = products.len() as u32;
            let i = *index.entry(e.product_slug.clone()).or_insert_with(|| {
                products.push((e.product_slug.clone(), e.product_title.clone(), e.published, e.image.clone()));
                next
            });
            let v = e.variant;
            skus.push((v.sku, i, v.option_values, v.price.minor, v.compare_at.map(|c| c.minor), v.stock, v.stock_policy == StockPolicy::Continue));
        }
        Wire { version: s.version, currency: s.currency, locale: s.locale, shop: s.shop, products, skus }
    }
}

impl TryFrom<Wire> for CatalogSnapshot {
    type Error = String;

    fn try_from(w: Wire) -> Result<Self, String> {
        let currency = w.currency;
        let entries = w
            .skus
            .into_iter()
            .map(|(sku, i, option_values, price, compare_at, stock, keeps_selling)| {
                let (slug, title, published, image) = w.products.get(i as usize).ok_or_else(|| format!("SKU {sku} points at missing product {i}"))?;
                Ok(SkuEntry {
                    product_slug: slug.clone(),
                    product_title: title.clone(),
                    published: *published,
                    image: image.clone(),
                    variant: Variant {
                        sku,
                        option_values,
                        price: Money::new(price, currency),
                        compare_at: compare_at.map(|c| Money::new(c, currency)),
                        stock,
                        stock_policy: if keeps_selling { StockPolicy::Continue } else { StockPolicy::Deny },
                    },
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(CatalogSnapshot { version: w.version, currency, locale: w.locale, shop: w.shop, entries })
    }
}
