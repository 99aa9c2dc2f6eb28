//! The worker's search path without the platform around it, for `cargo xtask bench first-search`:
//! Node runs this module and counts the CPU time of each step, the proxy for a fresh isolate's
//! first search (Workers counts a request's CPU time, not its wait for fetched bytes).
//!
//! The steps are those of the worker's `build_data` (`load_index`, `prefetch`, `with_index`) with
//! the same indexer calls: the fetched parts are copied into wasm memory (`Vec<u8>` from a
//! `Uint8Array`, as `Response::bytes` does), the index opens from its eager prefix and tail chunks,
//! the search plans the postings chunks it reads, they are added, and the search runs.

use edgeshop_indexer::{ChunkedBlob, OwnedBytes, ProductIndex, SearchRequest};
use std::sync::Arc;
use wasm_bindgen::prelude::*;

/// One isolate's index, from the first fetched bytes to warm searches.
#[wasm_bindgen]
pub struct ColdIndex {
    blob: Arc<ChunkedBlob>,
    index: Option<ProductIndex>,
    /// Chunks the last search read and did not have.
    pending: Vec<usize>,
}

fn chunk_list(chunks: Vec<usize>) -> Vec<u32> {
    chunks.into_iter().map(|j| j as u32).collect()
}

#[wasm_bindgen]
impl ColdIndex {
    /// The eager prefix (`search-*.bin`, concatenated) of an index of `index_bytes` whose
    /// postings come in chunks of `chunk_bytes` (the manifest's figures).
    #[wasm_bindgen(constructor)]
    pub fn new(prefix: Vec<u8>, index_bytes: usize, chunk_bytes: usize) -> Result<ColdIndex, String> {
        let blob = ChunkedBlob::new(OwnedBytes::new(prefix), index_bytes, chunk_bytes.max(1)).map_err(|e| e.to_string())?;
        Ok(ColdIndex { blob: Arc::new(blob), index: None, pending: Vec::new() })
    }

    /// Adds postings chunk `j` (`search-c{j}.bin`).
    pub fn add_chunk(&self, j: usize, bytes: Vec<u8>) -> Result<(), String> {
        self.blob.add_chunk(j, OwnedBytes::new(bytes)).map_err(|e| e.to_string())
    }

    /// Opens the index: empty when it is open, else the chunks to add before trying again.
    pub fn open(&mut self) -> Result<Vec<u32>, String> {
        match ProductIndex::open_chunked(self.blob.clone()) {
            Ok(index) => {
                self.index = Some(index);
                Ok(Vec::new())
            }
            Err(e) => match self.blob.take_missing() {
                missing if missing.is_empty() => Err(e.to_string()),
                missing => Ok(chunk_list(missing)),
            },
        }
    }

    /// The postings chunks a search for `q` reads that are not loaded yet.
    pub fn plan(&mut self, q: &str, limit: usize, facets: bool) -> Vec<u32> {
        let Some(index) = self.index.as_mut() else { return Vec::new() };
        chunk_list(index.chunks_for_search(&SearchRequest { facets, ..SearchRequest::new(q, limit) }))
    }

    /// Runs the search: the number of products found, or -1 when it read postings not loaded yet
    /// ([`Self::missing`] lists them; add them and search again, as the worker does).
    pub fn search(&mut self, q: &str, limit: usize, facets: bool) -> Result<i32, String> {
        let index = self.index.as_mut().ok_or("the index is not open")?;
        let results = index.search(&SearchRequest { facets, ..SearchRequest::new(q, limit) });
        // A read of a missing chunk may fail the search or leave it incomplete: either way the
        // worker adds the chunks and runs it again.
        self.pending = index.missing_chunks();
        if !self.pending.is_empty() {
            return Ok(-1);
        }
        Ok(results.map_err(|e| e.to_string())?.total.min(i32::MAX as usize) as i32)
    }

    /// Chunks the last search needed and did not have.
    pub fn missing(&mut self) -> Vec<u32> {
        chunk_list(std::mem::take(&mut self.pending))
    }

    /// Bytes of wasm linear memory (index, heap).
    pub fn memory_bytes(&self) -> usize {
        #[cfg(target_arch = "wasm32")]
        return core::arch::wasm32::memory_size(0) * 65536;
        #[cfg(not(target_arch = "wasm32"))]
        0
    }
}

/// What the worker runs when its isolate starts (`edgeshop_indexer::warm_up`, its `#[event(start)]`):
/// the search code run once over the small index it ships. The products found.
#[wasm_bindgen]
pub fn warm_up() -> Result<usize, String> {
    edgeshop_indexer::warm_up()
}
