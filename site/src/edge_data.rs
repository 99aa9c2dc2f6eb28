//! The catalog data the worker reads at run time, written under `dist/_catalog/` so that it ships
//! with the pages in the same deploy (Workers Static Assets) and always matches them:
//!
//! - `catalog.json`: the [`CatalogManifest`] (shop, catalog version, shard and index layout);
//! - `skus-{i}.json`: the SKU table in shards by [`edgeshop_domain::shard_of`], fetched one at a
//!   time when a cart needs a SKU;
//! - `search-{i}.bin`: the search index's eager prefix (everything but the postings) in parts
//!   below the 25 MiB asset limit, fetched and joined on the first search of an isolate;
//! - `search-c{j}.bin`: the postings in chunks of [`index_chunk_bytes`], fetched as searches
//!   need them;
//! - `newest.json`: the newest products ([`edgeshop_domain::NEWEST_LISTED`]), which a new-products
//!   digest compares with what it announced before.
//!
//! The worker reads these through its `ASSETS` binding; public requests for `/_catalog/*` reach the
//! worker first (`run_worker_first`) and get a 404.

use crate::output::Output;
use edgeshop_domain::{CatalogManifest, CatalogSnapshot};

/// Search index part size: below Workers Static Assets' 25 MiB per-file limit.
pub const INDEX_PART_BYTES: usize = 16 * 1024 * 1024;
/// Postings chunk size: 64 kB, in which the postings of one common word fit, or smaller for a
/// small shop, so that its postings still come in a few dozen chunks (4 kB at least).
pub fn index_chunk_bytes(postings: usize) -> usize {
    (postings / 32).clamp(4 * 1024, 64 * 1024)
}

/// Writes the SKU shards; returns how many.
pub fn write_skus(out: &Output, dir: &str, snapshot: &CatalogSnapshot) -> Result<u32, String> {
    let shards = snapshot.shard_entries();
    use rayon::prelude::*;
    shards
        .par_iter()
        .enumerate()
        .try_for_each(|(i, entries)| out.page(&format!("{dir}/skus-{i}.json"), shard_inputs(entries), || CatalogSnapshot::encode_shard(entries)))?;
    Ok(shards.len() as u32)
}

/// A hash of everything a SKU shard holds: a shard whose SKUs did not change is not encoded again.
fn shard_inputs(entries: &[&edgeshop_domain::SkuEntry]) -> u64 {
    crate::output::inputs_hash(0, &entries)
}

/// Writes the index files; returns the manifest for [`write_manifest`], with `shards` SKU shards.
pub fn write_index(out: &Output, dir: &str, snapshot: &CatalogSnapshot, shards: u32, index: &[u8]) -> Result<CatalogManifest, String> {
    let eager_bytes = edgeshop_indexer::layout(index, 1).map_err(|e| e.to_string())?.eager_bytes;
    let chunk_bytes = index_chunk_bytes(index.len() - eager_bytes);
    let layout = edgeshop_indexer::layout(index, chunk_bytes).map_err(|e| e.to_string())?;
    let (eager, postings) = index.split_at(layout.eager_bytes);
    let parts: Vec<&[u8]> = if eager.is_empty() { vec![eager] } else { eager.chunks(INDEX_PART_BYTES).collect() };
    for (i, part) in parts.iter().enumerate() {
        out.write(&format!("{dir}/search-{i}.bin"), part)?;
    }
    for (j, chunk) in postings.chunks(chunk_bytes).enumerate() {
        out.write(&format!("{dir}/search-c{j}.bin"), chunk)?;
    }
    let mut manifest = snapshot.manifest(shards, index.len() as u64, parts.len() as u32);
    manifest.index_eager_bytes = layout.eager_bytes as u64;
    manifest.index_chunk_bytes = chunk_bytes as u64;
    manifest.index_chunks = layout.chunks as u32;
    let open_chunks = edgeshop_indexer::ProductIndex::open_chunks(index, chunk_bytes).map_err(|e| e.to_string())?;
    manifest.index_tail_chunks = open_chunks.iter().map(|&c| c as u32).collect();
    Ok(manifest)
}

/// `catalog.json`, written last: a worker that follows rebuilds (`cargo xtask dev`) takes the new
/// catalog when its manifest appears, so everything the manifest names must be there already.
pub fn write_manifest(out: &Output, dir: &str, manifest: &CatalogManifest) -> Result<(), String> {
    out.write(&format!("{dir}/catalog.json"), &serde_json::to_vec(manifest).map_err(|e| e.to_string())?)
}

/// `newest.json`: the newest published products, for the new-products digest.
pub fn write_newest(out: &Output, dir: &str, products: &[edgeshop_domain::Product]) -> Result<(), String> {
    let newest = edgeshop_domain::newest_products(products, edgeshop_domain::announce::NEWEST_LISTED);
    out.write(&format!("{dir}/newest.json"), &serde_json::to_vec(&newest).map_err(|e| e.to_string())?)
}
