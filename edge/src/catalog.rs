//! The catalog data the worker reads: the manifest (shop settings, catalog version), the SKU table
//! in shards, and the search index. None of it is compiled into the worker: the static build
//! writes it under `dist/_catalog/` and it ships with the pages of the same deploy, read through
//! the `ASSETS` binding. So the worker stays small and quick to start whatever the catalog size,
//! and a catalog change does not rebuild it.
//!
//! Each part is fetched on first use and kept for the isolate's lifetime: the manifest (a few kB)
//! on the first catalog request, the index (5 MB at 20k products, 23 MB at 100k) on the first
//! search, and a SKU shard (about 512 SKUs) the first time a cart touches one of its SKUs.

use crate::error::ApiError;
use edgeshop_domain::{shard_of, CatalogManifest, CatalogSnapshot, SkuEntry};
use edgeshop_indexer::{OwnedBytes, ProductIndex};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{js_sys, web_sys, Env};

/// Shards kept per isolate before the cache starts over (each is a few tens of kB parsed).
const MAX_CACHED_SHARDS: usize = 256;

thread_local! {
    static MANIFEST: RefCell<Option<Rc<CatalogManifest>>> = const { RefCell::new(None) };
    static INDEX: RefCell<Option<ProductIndex>> = const { RefCell::new(None) };
    static SHARDS: RefCell<HashMap<u32, Rc<Vec<SkuEntry>>>> = RefCell::new(HashMap::new());
}

/// `/_catalog/{name}` from this deploy's static assets, as a JS `ArrayBuffer`.
async fn asset_buffer(env: &Env, name: &str) -> Result<JsValue, ApiError> {
    let failed = |e: &dyn std::fmt::Debug| ApiError::internal(format!("/_catalog/{name}: {e:?}"));
    let assets = env.assets("ASSETS").map_err(|e| ApiError::internal(format!("ASSETS binding: {e}")))?;
    let url = format!("https://assets.local/_catalog/{name}");
    let resp = assets.fetch(url, None).await.map_err(|e| failed(&e))?;
    if resp.status_code() != 200 {
        return Err(ApiError::internal(format!("/_catalog/{name}: HTTP {} (run `cargo xtask build`)", resp.status_code())));
    }
    // The whole body in one `arrayBuffer()`: `Response::bytes` moves it chunk by chunk through a
    // Rust stream, which took 3x as long and twice the memory for the multi-megabyte index.
    let resp: web_sys::Response = resp.into();
    JsFuture::from(resp.array_buffer().map_err(|e| failed(&e))?).await.map_err(|e| failed(&e))
}

/// Reads `/_catalog/{name}` into wasm memory (one copy).
async fn asset(env: &Env, name: &str) -> Result<Vec<u8>, ApiError> {
    Ok(js_sys::Uint8Array::new(&asset_buffer(env, name).await?).to_vec())
}

/// The manifest: shop settings, catalog version, shard and index layout.
pub async fn manifest(env: &Env) -> Result<Rc<CatalogManifest>, ApiError> {
    if let Some(m) = MANIFEST.with(|c| c.borrow().clone()) {
        return Ok(m);
    }
    let bytes = asset(env, "catalog.json").await?;
    let m: Rc<CatalogManifest> =
        Rc::new(serde_json::from_slice(&bytes).map_err(|e| ApiError::internal(format!("/_catalog/catalog.json: {e}")))?);
    MANIFEST.with(|c| *c.borrow_mut() = Some(m.clone()));
    Ok(m)
}

/// Fetches and opens the search index unless this isolate already has it.
pub async fn load_index(env: &Env) -> Result<(), ApiError> {
    if INDEX.with(|c| c.borrow().is_some()) {
        return Ok(());
    }
    let blob = fetch_index(env).await?;
    open_index(blob)
}

/// The index blob, its parts fetched concurrently from static assets.
pub async fn fetch_index(env: &Env) -> Result<Vec<u8>, ApiError> {
    let m = manifest(env).await?;
    let parts = futures_util::future::try_join_all((0..m.index_parts).map(|part| {
        let name = format!("search-{part}.bin");
        async move { asset(env, &name).await }
    }))
    .await?;
    let blob = if parts.len() == 1 { parts.into_iter().next().unwrap_or_default() } else { parts.concat() };
    if blob.len() as u64 != m.index_bytes {
        return Err(ApiError::internal(format!("search index: {} bytes, manifest says {}", blob.len(), m.index_bytes)));
    }
    Ok(blob)
}

/// Fetches the index parts as the platform hands them over and drops them, copying nothing into
/// wasm: what a cold open costs before any of our code runs (benchmarks compare against it).
pub async fn transfer_index_only(env: &Env) -> Result<(), ApiError> {
    let m = manifest(env).await?;
    futures_util::future::try_join_all((0..m.index_parts).map(|part| {
        let name = format!("search-{part}.bin");
        async move { asset_buffer(env, &name).await }
    }))
    .await?;
    Ok(())
}

/// Opens a fetched blob as this isolate's index.
pub fn open_index(blob: Vec<u8>) -> Result<(), ApiError> {
    let index = ProductIndex::open(OwnedBytes::new(blob)).map_err(|e| ApiError::internal(format!("search index: {e}")))?;
    INDEX.with(|c| *c.borrow_mut() = Some(index));
    Ok(())
}

/// Drops this isolate's manifest and index, so the next search fetches and opens them again
/// (benchmarks measure that cold path repeatedly).
pub fn forget_index() {
    MANIFEST.with(|c| c.borrow_mut().take());
    INDEX.with(|c| c.borrow_mut().take());
}

/// Runs `f` with the search index, loading it first if needed.
pub async fn with_index<T>(env: &Env, f: impl FnOnce(&mut ProductIndex) -> Result<T, ApiError>) -> Result<T, ApiError> {
    load_index(env).await?;
    INDEX.with(|cell| match cell.borrow_mut().as_mut() {
        Some(index) => f(index),
        None => Err(ApiError::internal("search index unavailable")),
    })
}

async fn shard(env: &Env, m: &CatalogManifest, i: u32) -> Result<Rc<Vec<SkuEntry>>, ApiError> {
    if let Some(s) = SHARDS.with(|c| c.borrow().get(&i).cloned()) {
        return Ok(s);
    }
    let bytes = asset(env, &format!("skus-{i}.json")).await?;
    let entries = CatalogSnapshot::parse_shard(&bytes, m.currency).map_err(|e| ApiError::internal(format!("/_catalog/skus-{i}.json: {e}")))?;
    let entries = Rc::new(entries);
    SHARDS.with(|c| {
        let mut cache = c.borrow_mut();
        if cache.len() >= MAX_CACHED_SHARDS {
            cache.clear();
        }
        cache.insert(i, entries.clone());
    });
    Ok(entries)
}

/// A snapshot holding just these SKUs (those the catalog knows), for pricing a cart or seeding stock.
pub async fn skus<'a>(env: &Env, skus: impl IntoIterator<Item = &'a str>) -> Result<CatalogSnapshot, ApiError> {
    let m = manifest(env).await?;
    let mut found = Vec::new();
    for sku in skus {
        let entries = shard(env, &m, shard_of(sku, m.shards)).await?;
        if let Ok(i) = entries.binary_search_by(|e| e.variant.sku.as_str().cmp(sku)) {
            found.push(entries[i].clone());
        }
    }
    Ok(CatalogSnapshot::partial(&m, found))
}

/// The shop's locale for formatting money, once the manifest is loaded (`route` loads it first).
pub fn locale() -> String {
    MANIFEST.with(|c| c.borrow().as_ref().map(|m| m.locale.clone())).unwrap_or_else(|| "en".into())
}
