//! The build's data the worker reads (named apart from the merchant's catalog files, the
//! `edgeshop-catalog` loader and the domain's `Catalog`): the manifest (shop settings, catalog
//! version), the SKU table in shards, and the search index. None of it is compiled into the worker: the static build
//! writes it under `dist/_catalog/` and it ships with the pages of the same deploy, read through
//! the `ASSETS` binding. So the worker stays small and quick to start whatever the catalog size,
//! and a catalog change does not rebuild it.
//!
//! Each part is fetched on first use and kept for the isolate's lifetime: the manifest (a few kB)
//! on the first catalog request; the index's eager prefix (term dictionaries, fast fields, stored
//! fields: ~42% of it) on the first search, and its postings in 64 kB chunks as searches need
//! them; a SKU shard (about 512 SKUs) the first time a cart touches one of its SKUs; a shard of
//! product pages (about 32) and the pages' shop-wide facts on the first request of a page the
//! build left to the edge.

use crate::error::{ApiError, Context};
use edgeshop_app::render::EdgePage;
use edgeshop_app::SiteContext;
use edgeshop_domain::{shard_of, CatalogManifest, CatalogSnapshot, SkuEntry};
use edgeshop_indexer::{ChunkedBlob, OwnedBytes, ProductIndex};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
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

/// This deploy's static assets (`[assets]` in wrangler.toml).
pub fn assets(env: &Env) -> Result<worker::Fetcher, ApiError> {
    env.assets("ASSETS").context("ASSETS binding")
}

/// `/_catalog/{name}` from this deploy's static assets, as a JS `ArrayBuffer`.
async fn asset_buffer(env: &Env, name: &str) -> Result<JsValue, ApiError> {
    let failed = |e: &dyn std::fmt::Debug| ApiError::internal(format!("/_catalog/{name}: {e:?}"));
    let assets = assets(env)?;
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

/// A public static file of this deploy (such as `/feed.xml`), as text.
pub async fn public_asset(env: &Env, path: &str) -> Result<String, ApiError> {
    public_asset_if_any(env, path).await?.ok_or_else(|| ApiError::internal(format!("{path}: not in this deploy")))
}

/// A public static file of this deploy as text, or `None` when the deploy has no such file.
pub async fn public_asset_if_any(env: &Env, path: &str) -> Result<Option<String>, ApiError> {
    let resp = assets(env)?.fetch(format!("https://assets.local{path}"), None).await.context(path)?;
    match resp.status_code() {
        200 => crate::http::response_text(resp).await.context(path).map(Some),
        404 => Ok(None),
        status => Err(ApiError::internal(format!("{path}: HTTP {status}"))),
    }
}

/// Whether this deploy has a product at `slug`: its page is a static file or left to the edge.
pub async fn is_product(env: &Env, slug: &str) -> Result<bool, ApiError> {
    let path = edgeshop_domain::paths::product(slug);
    let resp = assets(env)?.fetch(format!("https://assets.local{path}"), None).await.context(&path)?;
    if resp.status_code() == 200 {
        return Ok(true);
    }
    Ok(edge_page(env, &path).await?.is_some())
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
    let m: Rc<CatalogManifest> = Rc::new(serde_json::from_slice(&bytes).context("/_catalog/catalog.json")?);
    MANIFEST.with(|c| *c.borrow_mut() = Some(m.clone()));
    Ok(m)
}

thread_local! {
    static SITE: RefCell<Option<Rc<SiteContext>>> = const { RefCell::new(None) };
    static PAGE_SHARDS: RefCell<HashMap<u32, Rc<HashMap<String, EdgePage>>>> = RefCell::new(HashMap::new());
}

/// Shards of edge pages kept per isolate before the cache starts over (each is a few hundred
/// kB of JSON, about [`edgeshop_domain::CatalogManifest::page_shards`]' 32 pages).
const MAX_CACHED_PAGE_SHARDS: usize = 16;

/// The rendering inputs of the page at `path` if the build left it to the edge (`None`: no such
/// page, or a static one), with the shop-wide facts of the pages (`site.json`).
pub async fn edge_page(env: &Env, path: &str) -> Result<Option<(EdgePage, Rc<SiteContext>)>, ApiError> {
    let m = manifest(env).await?;
    if m.page_shards == 0 {
        return Ok(None);
    }
    let i = shard_of(path, m.page_shards);
    let shard = match PAGE_SHARDS.with(|c| c.borrow().get(&i).cloned()) {
        Some(shard) => shard,
        None => {
            let name = format!("pages-{i}.json");
            let shard: Rc<HashMap<String, EdgePage>> =
                Rc::new(serde_json::from_slice(&asset(env, &name).await?).context(format_args!("/_catalog/{name}"))?);
            PAGE_SHARDS.with(|c| {
                let mut cache = c.borrow_mut();
                if cache.len() >= MAX_CACHED_PAGE_SHARDS {
                    cache.clear();
                }
                cache.insert(i, shard.clone());
            });
            shard
        }
    };
    let Some(page) = shard.get(path).cloned() else { return Ok(None) };
    let site = match SITE.with(|c| c.borrow().clone()) {
        Some(site) => site,
        None => {
            let site: Rc<SiteContext> = Rc::new(serde_json::from_slice(&asset(env, "site.json").await?).context("/_catalog/site.json")?);
            SITE.with(|c| *c.borrow_mut() = Some(site.clone()));
            site
        }
    };
    Ok(Some((page, site)))
}

thread_local! {
    static CHECKED_AT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Under `cargo xtask dev` the catalog is rebuilt while the worker runs (in a deploy it never
/// changes under an isolate). There, at most once a second, a request reads the manifest again
/// and, when the catalog version changed, drops what this isolate kept of the old catalog.
pub async fn follow_rebuilds(env: &Env) -> Result<(), ApiError> {
    let now = worker::Date::now().as_millis();
    if now.saturating_sub(CHECKED_AT.with(|c| c.get())) < 1000 {
        return Ok(());
    }
    CHECKED_AT.with(|c| c.set(now));
    let Some(kept) = MANIFEST.with(|c| c.borrow().clone()) else { return Ok(()) };
    let fresh: CatalogManifest = serde_json::from_slice(&asset(env, "catalog.json").await?).context("/_catalog/catalog.json")?;
    if fresh.version != kept.version {
        MANIFEST.with(|c| *c.borrow_mut() = Some(Rc::new(fresh)));
        INDEX.with(|c| c.borrow_mut().take());
        SHARDS.with(|c| c.borrow_mut().clear());
        SITE.with(|c| c.borrow_mut().take());
        PAGE_SHARDS.with(|c| c.borrow_mut().clear());
    }
    Ok(())
}

/// The newest products of this deploy's catalog (`newest.json`), for the new-products digest.
pub async fn newest(env: &Env) -> Result<Vec<edgeshop_domain::NewProduct>, ApiError> {
    serde_json::from_slice(&asset(env, "newest.json").await?).context("/_catalog/newest.json")
}

/// Rounds of "search, fetch the postings chunks it missed" before a search gives up.
const MAX_ROUNDS: usize = 6;

fn part_name(i: u32) -> String {
    format!("search-{i}.bin")
}

fn chunk_name(j: usize) -> String {
    format!("search-c{j}.bin")
}

/// The index's eager prefix, its parts fetched concurrently.
async fn fetch_prefix(env: &Env, m: &CatalogManifest) -> Result<Vec<u8>, ApiError> {
    let parts = futures_util::future::try_join_all((0..m.index_parts).map(|i| async move { asset(env, &part_name(i)).await })).await?;
    let prefix = if parts.len() == 1 { parts.into_iter().next().unwrap_or_default() } else { parts.concat() };
    let expected = if m.index_eager_bytes == 0 { m.index_bytes } else { m.index_eager_bytes };
    if prefix.len() as u64 != expected {
        return Err(ApiError::internal(format!("search index: {} bytes, manifest says {expected}", prefix.len())));
    }
    Ok(prefix)
}

/// Postings chunks, fetched concurrently.
async fn fetch_chunks(env: &Env, chunks: &[usize]) -> Result<Vec<(usize, Vec<u8>)>, ApiError> {
    futures_util::future::try_join_all(chunks.iter().map(|&j| async move { Ok::<_, ApiError>((j, asset(env, &chunk_name(j)).await?)) })).await
}

fn add_chunks(blob: &ChunkedBlob, chunks: Vec<(usize, Vec<u8>)>) -> Result<(), ApiError> {
    for (j, bytes) in chunks {
        blob.add_chunk(j, OwnedBytes::new(bytes)).context("search index")?;
    }
    Ok(())
}

/// Fetches and opens the search index unless this isolate already has it: the eager prefix and
/// the chunks tantivy reads at open, concurrently. The other postings chunks come as searches
/// need them ([`prefetch`], [`with_index`]).
pub async fn load_index(env: &Env) -> Result<(), ApiError> {
    if INDEX.with(|c| c.borrow().is_some()) {
        return Ok(());
    }
    let m = manifest(env).await?;
    let tail_chunks: Vec<usize> = m.index_tail_chunks.iter().map(|&j| j as usize).collect();
    let (prefix, tails) = futures_util::future::try_join(fetch_prefix(env, &m), fetch_chunks(env, &tail_chunks)).await?;
    let chunk_bytes = m.index_chunk_bytes.max(1) as usize;
    let blob = Arc::new(ChunkedBlob::new(OwnedBytes::new(prefix), m.index_bytes as usize, chunk_bytes).context("search index")?);
    add_chunks(&blob, tails)?;
    let mut rounds = 0;
    let index = loop {
        match ProductIndex::open_chunked(blob.clone()) {
            Ok(index) => break index,
            Err(e) => {
                let missing = blob.take_missing();
                rounds += 1;
                if missing.is_empty() || rounds >= MAX_ROUNDS {
                    return Err(ApiError::internal(format!("search index: {e}")));
                }
                add_chunks(&blob, fetch_chunks(env, &missing).await?)?;
            }
        }
    };
    // Another request of this isolate may have opened it meanwhile: keep that one (and the
    // chunks already added to it).
    INDEX.with(|c| {
        let mut slot = c.borrow_mut();
        if slot.is_none() {
            *slot = Some(index);
        }
    });
    Ok(())
}

/// Fetches what an open index would move on a cold open (prefix and tail chunks) and drops it,
/// copying nothing into wasm: the platform's share of a cold open (benchmarks compare with it).
pub async fn transfer_index_only(env: &Env) -> Result<(), ApiError> {
    let m = manifest(env).await?;
    let parts = futures_util::future::try_join_all((0..m.index_parts).map(|i| async move { asset_buffer(env, &part_name(i)).await }));
    let tails =
        futures_util::future::try_join_all(m.index_tail_chunks.iter().map(|&j| async move { asset_buffer(env, &chunk_name(j as usize)).await }));
    futures_util::future::try_join(parts, tails).await?;
    Ok(())
}

/// Drops this isolate's manifest and index, so the next search fetches and opens them again
/// (benchmarks measure that cold path repeatedly).
pub fn forget_index() {
    MANIFEST.with(|c| c.borrow_mut().take());
    INDEX.with(|c| c.borrow_mut().take());
}

/// Fetches the postings chunks that `plan` says the next search needs and are not loaded yet
/// (`ProductIndex::chunks_for_search`), so that search runs once instead of once per term.
pub async fn prefetch(env: &Env, plan: impl FnOnce(&mut ProductIndex) -> Vec<usize>) -> Result<(), ApiError> {
    load_index(env).await?;
    let chunks = INDEX.with(|cell| cell.borrow_mut().as_mut().map(plan).unwrap_or_default());
    if chunks.is_empty() {
        return Ok(());
    }
    add_to_index(fetch_chunks(env, &chunks).await?)
}

/// Adds fetched postings chunks to this isolate's index.
fn add_to_index(fetched: Vec<(usize, Vec<u8>)>) -> Result<(), ApiError> {
    INDEX.with(|cell| match cell.borrow().as_ref() {
        Some(index) => fetched.into_iter().try_for_each(|(j, bytes)| index.add_chunk(j, OwnedBytes::new(bytes)).context("search index")),
        None => Ok(()),
    })
}

/// Runs `f` with the search index, loading it first if needed. When `f` read postings that are
/// not loaded yet (its result is then incomplete or an error), they are fetched and `f` runs again.
pub async fn with_index<T>(env: &Env, mut f: impl FnMut(&mut ProductIndex) -> Result<T, ApiError>) -> Result<T, ApiError> {
    load_index(env).await?;
    for round in 1..=MAX_ROUNDS {
        let (result, missing) = INDEX.with(|cell| match cell.borrow_mut().as_mut() {
            Some(index) => {
                let result = f(index);
                (result, index.missing_chunks())
            }
            None => (Err(ApiError::internal("search index unavailable")), Vec::new()),
        });
        if missing.is_empty() {
            return result;
        }
        if round == MAX_ROUNDS {
            // What only extras read (a did-you-mean's words) may still be missing: an answer
            // found without them is given; a search that could not run is an error.
            if result.is_ok() {
                worker::console_warn!("search answered with {} postings chunks still missing", missing.len());
                return result;
            }
            break;
        }
        add_to_index(fetch_chunks(env, &missing).await?)?;
    }
    Err(ApiError::internal(format!("search index: postings still missing after {MAX_ROUNDS} rounds")))
}

async fn shard(env: &Env, m: &CatalogManifest, i: u32) -> Result<Rc<Vec<SkuEntry>>, ApiError> {
    if let Some(s) = SHARDS.with(|c| c.borrow().get(&i).cloned()) {
        return Ok(s);
    }
    let bytes = asset(env, &format!("skus-{i}.json")).await?;
    let entries = CatalogSnapshot::parse_shard(&bytes, m.currency).context(format_args!("/_catalog/skus-{i}.json"))?;
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

/// Every SKU of shard `i` (sorted by SKU), and how many shards there are: the back office's stock
/// list pages through the catalog a shard at a time.
pub async fn shard_entries(env: &Env, i: u32) -> Result<(Rc<Vec<SkuEntry>>, u32), ApiError> {
    let m = manifest(env).await?;
    if i >= m.shards {
        return Ok((Rc::new(Vec::new()), m.shards));
    }
    Ok((shard(env, &m, i).await?, m.shards))
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

/// The shop's currency, once the manifest is loaded (`route` loads it first).
pub fn currency() -> Option<edgeshop_domain::Currency> {
    MANIFEST.with(|c| c.borrow().as_ref().map(|m| m.currency))
}
