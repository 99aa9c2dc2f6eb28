//! The compact catalog the edge worker embeds: every sellable SKU with what is needed to price it.

use crate::catalog::{Catalog, Shop, Variant};
use crate::money::Currency;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkuEntry {
    pub product_slug: String,
    pub product_title: String,
    pub published: bool,
    pub image: Option<String>,
    pub variant: Variant,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
