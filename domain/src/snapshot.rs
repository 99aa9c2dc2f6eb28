//! The compact catalog the edge worker embeds: every sellable SKU with what is needed to price it.

use crate::catalog::{Catalog, Product, Shop, StockPolicy, Variant};
use crate::money::{Currency, Money};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkuEntry {
    pub product_slug: String,
    pub product_title: String,
    pub published: bool,
    pub image: Option<String>,
    /// The product's category slug (orders record it for sales by category).
    pub category: String,
    pub variant: Variant,
}

/// Serialised compactly (see [`Wire`]): product facts once, one small tuple per SKU.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(try_from = "Wire")]
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
        // Sorted as references (a 20k-product catalog's entries are megabytes to move about).
        let mut variants: Vec<(&Product, &Variant)> = catalog.products.iter().flat_map(|p| p.variants.iter().map(move |v| (p, v))).collect();
        variants.sort_by(|a, b| a.1.sku.cmp(&b.1.sku));
        let entries = variants
            .into_iter()
            .map(|(p, v)| SkuEntry {
                product_slug: p.slug.clone(),
                product_title: p.title.clone(),
                published: p.published,
                image: p.images.first().map(|i| i.file.clone()),
                category: p.category.clone(),
                variant: v.clone(),
            })
            .collect();
        CatalogSnapshot {
            version: catalog.version.clone(),
            currency: catalog.shop.currency,
            locale: catalog.shop.locale.clone(),
            shop: catalog.shop.clone(),
            entries,
        }
    }

    pub fn get(&self, sku: &str) -> Option<&SkuEntry> {
        self.entries.binary_search_by(|e| e.variant.sku.as_str().cmp(sku)).ok().map(|i| &self.entries[i])
    }
}

/// `[slug, title, published, image, category]`
#[derive(Deserialize)]
struct WireProduct(String, String, bool, Option<String>, String);
/// `[sku, product index, option values, price, compare-at, stock, keeps selling at zero]`
type WireSku = (String, u32, Vec<String>, i64, Option<i64>, u32, bool);

/// The snapshot as stored in the worker, as read (written as [`WireOut`]): about a sixth of the
/// size of the plain form.
#[derive(Deserialize)]
struct Wire {
    version: String,
    currency: Currency,
    locale: String,
    shop: Shop,
    products: Vec<WireProduct>,
    skus: Vec<WireSku>,
}

/// One shard of the SKU table in the same compact form, as read (written as [`WireShardOut`]; see
/// [`CatalogSnapshot::shards`]).
#[derive(Deserialize)]
struct WireShard {
    products: Vec<WireProduct>,
    skus: Vec<WireSku>,
}

/// [`WireShard`] as written, borrowing from the snapshot: the same JSON without a copy of it.
#[derive(Serialize)]
struct WireShardOut<'a> {
    products: Vec<WireProductRef<'a>>,
    skus: Vec<WireSkuRef<'a>>,
}
/// [`WireProduct`] borrowed.
type WireProductRef<'a> = (&'a str, &'a str, bool, Option<&'a str>, &'a str);
/// [`WireSku`] borrowed.
type WireSkuRef<'a> = (&'a str, u32, &'a [String], i64, Option<i64>, u32, bool);

/// The compact form of `entries`, borrowed from them: each product's facts once, one tuple per SKU.
fn encode<'a>(entries: impl IntoIterator<Item = &'a SkuEntry>) -> WireShardOut<'a> {
    let entries = entries.into_iter();
    let mut shard = WireShardOut { products: Vec::new(), skus: Vec::with_capacity(entries.size_hint().0) };
    let mut index = std::collections::HashMap::new();
    for e in entries {
        let next = shard.products.len() as u32;
        let i = *index.entry(e.product_slug.as_str()).or_insert_with(|| {
            shard.products.push((&e.product_slug, &e.product_title, e.published, e.image.as_deref(), &e.category));
            next
        });
        let v = &e.variant;
        shard.skus.push((
            &v.sku,
            i,
            &v.option_values,
            v.price.minor,
            v.compare_at.map(|c| c.minor),
            v.stock,
            v.stock_policy == StockPolicy::Continue,
        ));
    }
    shard
}

fn decode(products: &[WireProduct], skus: Vec<WireSku>, currency: Currency) -> Result<Vec<SkuEntry>, String> {
    skus.into_iter()
        .map(|(sku, i, option_values, price, compare_at, stock, keeps_selling)| {
            let WireProduct(slug, title, published, image, category) =
                products.get(i as usize).ok_or_else(|| format!("SKU {sku} points at missing product {i}"))?;
            Ok(SkuEntry {
                product_slug: slug.clone(),
                product_title: title.clone(),
                published: *published,
                image: image.clone(),
                category: category.clone(),
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
        .collect()
}

/// [`Wire`] as written, borrowing from the snapshot (a 20k-product snapshot is not copied to be
/// saved).
#[derive(Serialize)]
struct WireOut<'a> {
    version: &'a str,
    currency: Currency,
    locale: &'a str,
    shop: &'a Shop,
    products: Vec<WireProductRef<'a>>,
    skus: Vec<WireSkuRef<'a>>,
}

impl Serialize for CatalogSnapshot {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let WireShardOut { products, skus } = encode(&self.entries);
        WireOut { version: &self.version, currency: self.currency, locale: &self.locale, shop: &self.shop, products, skus }.serialize(serializer)
    }
}

impl TryFrom<Wire> for CatalogSnapshot {
    type Error = String;

    fn try_from(w: Wire) -> Result<Self, String> {
        let entries = decode(&w.products, w.skus, w.currency)?;
        Ok(CatalogSnapshot { version: w.version, currency: w.currency, locale: w.locale, shop: w.shop, entries })
    }
}

/// SKUs per shard: a shard is a few tens of kB, parsed in well under a millisecond.
pub const SKUS_PER_SHARD: usize = 512;
/// At most this many SKU shards: beyond 2 million SKUs the shards grow instead (a deploy's
/// static files are counted: 100,000 on the Paid plan, and a million-product shop needs them for
/// its pages).
pub const MAX_SKU_SHARDS: usize = 4096;

/// How many shards `skus` SKUs are split into.
pub fn sku_shard_count(skus: usize) -> usize {
    skus.div_ceil(SKUS_PER_SHARD).clamp(1, MAX_SKU_SHARDS)
}

/// Which shard holds a SKU (FNV-1a, stable across builds and targets).
pub fn shard_of(sku: &str, shards: u32) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in sku.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % u64::from(shards.max(1))) as u32
}

/// Everything the worker needs before it looks at a SKU: the shop, the catalog version, and where
/// the SKU shards and the search index parts are. Written next to them by the static build.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogManifest {
    pub version: String,
    pub currency: Currency,
    pub locale: String,
    pub shop: Shop,
    pub skus: usize,
    pub shards: u32,
    pub index_bytes: u64,
    /// Files `search-{i}.bin` holding the index's eager prefix (all of it when nothing is lazy).
    pub index_parts: u32,
    /// Length of that prefix.
    #[serde(default)]
    pub index_eager_bytes: u64,
    /// The postings after the prefix, fetched as searches need them: files `search-c{j}.bin` of
    /// this many bytes (the last may be shorter).
    #[serde(default)]
    pub index_chunk_bytes: u64,
    #[serde(default)]
    pub index_chunks: u32,
    /// Chunks fetched with the prefix: the ends of the files (tantivy reads them at open) and the
    /// head of every field's postings.
    #[serde(default)]
    pub index_tail_chunks: Vec<u32>,
    /// Pages left to the edge (a shop with more pages than its plan's static files), in files
    /// `pages-{i}.json` by [`shard_of`] of the page's path; 0 when every page is a static file.
    #[serde(default)]
    pub page_shards: u32,
    /// Every category's (slug, name): what reports call the categories orders record by slug.
    #[serde(default)]
    pub category_names: Vec<(String, String)>,
    /// The shop's information pages, for a search that asks for one ("returns", "delivery times").
    #[serde(default)]
    pub info_pages: Vec<crate::info_pages::InfoPageRef>,
}

impl CatalogManifest {
    /// A category's name; its slug when the catalog no longer has it.
    pub fn category_name<'a>(&'a self, slug: &'a str) -> &'a str {
        self.category_names.iter().find(|(s, _)| s == slug).map_or(slug, |(_, name)| name.as_str())
    }
}

impl CatalogSnapshot {
    /// The SKU table split by [`shard_of`] into `ceil(skus / SKUS_PER_SHARD)` shards (at least 1,
    /// at most [`MAX_SKU_SHARDS`]), each serialised compactly; shard `i` is `result[i]`.
    pub fn shards(&self) -> Vec<Vec<u8>> {
        self.shard_entries().iter().map(|entries| Self::encode_shard(entries)).collect()
    }

    /// The entries of each shard (see [`CatalogSnapshot::shards`]), for encoding one at a time.
    pub fn shard_entries(&self) -> Vec<Vec<&SkuEntry>> {
        let n = sku_shard_count(self.entries.len());
        let mut buckets: Vec<Vec<&SkuEntry>> = vec![Vec::new(); n];
        for e in &self.entries {
            buckets[shard_of(&e.variant.sku, n as u32) as usize].push(e);
        }
        buckets
    }

    /// One shard's entries as [`CatalogSnapshot::parse_shard`] reads them.
    pub fn encode_shard(entries: &[&SkuEntry]) -> Vec<u8> {
        serde_json::to_vec(&encode(entries.iter().copied())).unwrap_or_default()
    }

    pub fn manifest(&self, shards: u32, index_bytes: u64, index_parts: u32) -> CatalogManifest {
        CatalogManifest {
            version: self.version.clone(),
            currency: self.currency,
            locale: self.locale.clone(),
            shop: self.shop.clone(),
            skus: self.entries.len(),
            shards,
            index_bytes,
            index_parts,
            index_eager_bytes: index_bytes,
            index_chunk_bytes: 0,
            index_chunks: 0,
            index_tail_chunks: Vec::new(),
            page_shards: 0,
            category_names: Vec::new(),
            info_pages: Vec::new(),
        }
    }

    /// Parses one shard written by [`CatalogSnapshot::shards`]; entries come back sorted by SKU.
    pub fn parse_shard(bytes: &[u8], currency: Currency) -> Result<Vec<SkuEntry>, String> {
        let w: WireShard = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let mut entries = decode(&w.products, w.skus, currency)?;
        entries.sort_by(|a, b| a.variant.sku.cmp(&b.variant.sku));
        Ok(entries)
    }

    /// A snapshot holding just `entries` (e.g. the SKUs of one cart) under the manifest's shop.
    pub fn partial(manifest: &CatalogManifest, mut entries: Vec<SkuEntry>) -> CatalogSnapshot {
        entries.sort_by(|a, b| a.variant.sku.cmp(&b.variant.sku));
        entries.dedup_by(|a, b| a.variant.sku == b.variant.sku);
        CatalogSnapshot {
            version: manifest.version.clone(),
            currency: manifest.currency,
            locale: manifest.locale.clone(),
            shop: manifest.shop.clone(),
            entries,
        }
    }
}
