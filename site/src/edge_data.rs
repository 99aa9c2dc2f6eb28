//! The catalog data the worker reads at run time, written under `dist/_catalog/` so that it ships
//! with the pages in the same deploy (Workers Static Assets) and always matches them:
//!
//! - `catalog.json`: the [`CatalogManifest`] (shop, catalog version, shard and index layout);
//! - `skus-{i}.json`: the SKU table in shards by [`edgeshop_domain::shard_of`], fetched one at a
//!   time when a cart needs a SKU;
//! - `search-{i}.bin`: the search index blob in parts below the 25 MiB asset limit, fetched and
//!   joined on the first search of an isolate.
//!
//! The worker reads these through its `ASSETS` binding; public requests for `/_catalog/*` reach the
//! worker first (`run_worker_first`) and get a 404.

use crate::write;
use edgeshop_domain::{CatalogManifest, CatalogSnapshot};
use std::path::Path;

/// Search index part size: below Workers Static Assets' 25 MiB per-file limit.
pub const INDEX_PART_BYTES: usize = 16 * 1024 * 1024;

pub fn write_all(dir: &Path, snapshot: &CatalogSnapshot, index: &[u8]) -> Result<CatalogManifest, String> {
    let shards = snapshot.shards();
    for (i, shard) in shards.iter().enumerate() {
        write(&dir.join(format!("skus-{i}.json")), shard)?;
    }
    let parts: Vec<&[u8]> = if index.is_empty() { vec![index] } else { index.chunks(INDEX_PART_BYTES).collect() };
    for (i, part) in parts.iter().enumerate() {
        write(&dir.join(format!("search-{i}.bin")), part)?;
    }
    let manifest = snapshot.manifest(shards.len() as u32, index.len() as u64, parts.len() as u32);
    write(&dir.join("catalog.json"), &serde_json::to_vec(&manifest).map_err(|e| e.to_string())?)?;
    Ok(manifest)
}
