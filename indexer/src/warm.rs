//! Warming a fresh isolate's search. The first search of an isolate spends most of its CPU time in
//! V8 compiling the wasm functions it calls (a function is compiled on its first call): about
//! 35 of 48 ms at 20k products in `bench/results/first-search.json`. [`warm_up`] takes the same
//! path (prefix and chunks, open, plan, search with facets, a typo, a prefix) over a small index
//! that ships in the binary (`warm.idx`: eight products of the sample shop and copies of them
//! without descriptions, so that its postings have the bit-packed blocks of a real index), so the worker can run
//! it when the isolate starts (startup time, which the platform counts apart from requests) and a
//! shopper's first search runs code that is compiled already.

use crate::{layout, ChunkedBlob, OwnedBytes, ProductIndex, SearchRequest};
use std::sync::Arc;

/// The small index, written by the `warm_index_is_current` test (`EDGESHOP_WRITE_WARM_INDEX=1`).
const WARM_INDEX: &[u8] = include_bytes!("warm.idx");

/// Chunks as small as the blob allows: a search adds some, as at the edge.
const CHUNK_BYTES: usize = 1024;

/// What the warm-up searches, to take the search's paths: a word, a typo, a prefix, two words, a
/// typo among words, words no product has together (the fallback), and nothing at all.
const QUERIES: [&str; 7] = ["jacket", "jakcet", "hea", "trail shoes", "waterprof walking shoes", "headphones jacket", "qqqqzz"];

/// Opens the small index the way the worker opens its own and searches it; the products found.
pub fn warm_up() -> Result<usize, String> {
    warm_up_with(WARM_INDEX)
}

fn warm_up_with(blob: &[u8]) -> Result<usize, String> {
    let err = |e: &dyn std::fmt::Display| format!("warm-up: {e}");
    let layout = layout(blob, CHUNK_BYTES).map_err(|e| err(&e))?;
    let chunk = |j: usize| {
        let start = layout.eager_bytes + j * CHUNK_BYTES;
        OwnedBytes::new(blob[start..(start + CHUNK_BYTES).min(blob.len())].to_vec())
    };
    let source = Arc::new(ChunkedBlob::new(OwnedBytes::new(blob[..layout.eager_bytes].to_vec()), blob.len(), CHUNK_BYTES).map_err(|e| err(&e))?);
    for j in ProductIndex::open_chunks(blob, CHUNK_BYTES).map_err(|e| err(&e))? {
        source.add_chunk(j, chunk(j)).map_err(|e| err(&e))?;
    }
    let mut index = ProductIndex::open_chunked(source.clone()).map_err(|e| err(&e))?;
    let mut found = 0;
    for (i, query) in QUERIES.iter().enumerate() {
        let mut req = SearchRequest::new(query, 24);
        req.facets = i % 2 == 1;
        for j in index.chunks_for_search(&req) {
            if !source.has_chunk(j) {
                source.add_chunk(j, chunk(j)).map_err(|e| err(&e))?;
            }
        }
        found += index.search(&req).map_err(|e| err(&e))?.total;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    /// Copies of the eight products in the small index.
    const WARM_COPIES: usize = 300;

    /// The shipped index opens with this version's code and its searches find products. With
    /// `EDGESHOP_WRITE_WARM_INDEX=1` the index is written again first (after a schema change:
    /// this test then fails until it is).
    #[test]
    fn warm_index_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/warm.idx");
        if std::env::var_os("EDGESHOP_WRITE_WARM_INDEX").is_some() {
            let shop = edgeshop_catalog::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog")).unwrap();
            let mut catalog = shop.catalog.clone();
            let kinds = ["apparel/jackets", "footwear/hiking", "footwear/running", "audio/headphones"];
            let mut kept = Vec::new();
            for kind in kinds {
                kept.extend(catalog.products.iter().filter(|p| p.published && p.category == kind).take(2).cloned());
            }
            // Copies without descriptions (small), so that common words have postings of more
            // than 128 products: bit-packed blocks and skip lists, as a real shop's index has.
            let copies: Vec<_> = (0..WARM_COPIES)
                .map(|i| {
                    let mut p = kept[i % kept.len()].clone();
                    p.slug = format!("{}-{i}", p.slug);
                    p.description_md.clear();
                    for v in &mut p.variants {
                        v.sku = format!("{}-{i}", v.sku);
                    }
                    p
                })
                .collect();
            kept.extend(copies);
            catalog.products = kept;
            std::fs::write(&path, crate::build_index(&catalog).unwrap()).unwrap();
        }
        let blob = std::fs::read(&path).unwrap();
        let found = super::warm_up_with(&blob).unwrap_or_else(|e| panic!("{e}: run this test with EDGESHOP_WRITE_WARM_INDEX=1"));
        assert!(found >= 128, "the warm-up searches found {found} products");
        assert!(blob == super::WARM_INDEX, "the binary ships the index on disk: build again");
    }
}
