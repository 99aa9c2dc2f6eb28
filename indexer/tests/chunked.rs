//! The index opened from its eager prefix, with postings added chunk by chunk as searches ask for
//! them (as the worker does), answers exactly as the whole blob does, in few rounds, without
//! loading every chunk.

use edgeshop_indexer::{build_index, layout, ChunkedBlob, Filters, OwnedBytes, ProductIndex, SearchRequest, SearchResults, Sort};
use std::path::Path;
use std::sync::Arc;

const CHUNK: usize = 2048;

fn blob() -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog");
    let catalog = edgeshop_catalog::load(&dir).expect("the sample catalog is valid").catalog;
    build_index(&catalog).expect("index builds")
}

/// Opens the prefix plus the open-time chunks, as the worker's cold open does.
fn open_chunked(blob: &[u8]) -> ProductIndex {
    let l = layout(blob, CHUNK).expect("layout");
    assert!(l.eager_bytes < blob.len() / 2 + blob.len() / 4, "postings are most of the blob: {l:?}");
    let source = Arc::new(ChunkedBlob::new(OwnedBytes::new(blob[..l.eager_bytes].to_vec()), blob.len(), CHUNK).expect("prefix"));
    for i in ProductIndex::open_chunks(blob, CHUNK).expect("open chunks") {
        source.add_chunk(i, chunk(blob, l.eager_bytes, i)).expect("open chunk");
    }
    ProductIndex::open_chunked(source).expect("opens from the prefix and the tails")
}

fn chunk(blob: &[u8], eager: usize, i: usize) -> OwnedBytes {
    let start = eager + i * CHUNK;
    OwnedBytes::new(blob[start..(start + CHUNK).min(blob.len())].to_vec())
}

/// Runs `f` the way the worker does: plan, fetch, run, and fetch what was still missing.
fn run<T>(index: &mut ProductIndex, blob: &[u8], planned: Vec<usize>, mut f: impl FnMut(&mut ProductIndex) -> T) -> (T, usize) {
    let eager = layout(blob, CHUNK).unwrap().eager_bytes;
    for i in planned {
        index.add_chunk(i, chunk(blob, eager, i)).unwrap();
    }
    let mut rounds = 0;
    loop {
        let out = f(index);
        let missing = index.missing_chunks();
        if missing.is_empty() {
            return (out, rounds);
        }
        rounds += 1;
        assert!(rounds < 10, "still missing chunks after {rounds} rounds");
        for i in missing {
            index.add_chunk(i, chunk(blob, eager, i)).unwrap();
        }
    }
}

#[test]
fn chunked_index_answers_like_the_whole_one() {
    let blob = blob();
    let mut whole = ProductIndex::open(OwnedBytes::new(blob.clone())).unwrap();
    let mut lazy = open_chunked(&blob);
    let chunks = layout(&blob, CHUNK).unwrap().chunks;

    let queries = [
        "jacket",
        "wireless headphones",
        "headph",
        "hedaphones",
        "jaket",
        "tee",
        "SKU-NOT-THERE",
        "qqqxz",
        "the",
        "waterproof hiking",
        "ba",
        "running shoes",
        "gift",
    ];
    let mut unplanned_rounds = 0;
    for (i, q) in queries.iter().enumerate() {
        let mut req = SearchRequest::new(q, 10);
        req.facets = i % 2 == 0;
        if i % 3 == 0 {
            req.sort = Sort::PriceAsc;
        }
        let expected: SearchResults = whole.search(&req).unwrap();
        let planned = lazy.chunks_for_search(&req);
        let (got, rounds) = run(&mut lazy, &blob, planned, |index| index.search(&req));
        assert_eq!(got.unwrap(), expected, "query {q}");
        unplanned_rounds += rounds;

        let expected = whole.suggest(q, 5).unwrap();
        let planned = lazy.chunks_for_suggest(q);
        let (got, _) = run(&mut lazy, &blob, planned, |index| index.suggest(q, 5));
        assert_eq!(got.unwrap(), expected, "suggest {q}");
    }
    // Planned chunks cover the main query; what is left is the extra lookups (did-you-mean,
    // popular products for an empty result), one round each.
    assert!(unplanned_rounds <= 2, "{unplanned_rounds} extra rounds for {} queries", queries.len());

    let filtered = SearchRequest {
        query: "",
        filters: Filters { categories: vec!["audio".into()], ..Filters::default() },
        sort: Sort::Relevance,
        offset: 0,
        limit: 20,
        facets: true,
        all_words: false,
    };
    let planned = lazy.chunks_for_search(&filtered);
    let (got, _) = run(&mut lazy, &blob, planned, |index| index.search(&filtered));
    assert_eq!(got.unwrap(), whole.search(&filtered).unwrap());

    let loaded = (0..chunks).filter(|&i| lazy.has_chunk(i)).count();
    assert!(loaded < chunks, "every chunk ({chunks}) was loaded: nothing was lazy");
}

#[test]
fn a_wrong_chunk_is_refused() {
    let blob = blob();
    let lazy = open_chunked(&blob);
    let l = layout(&blob, CHUNK).unwrap();
    assert!(lazy.add_chunk(0, OwnedBytes::new(vec![0u8; CHUNK - 1])).is_err());
    assert!(lazy.add_chunk(l.chunks, chunk(&blob, l.eager_bytes, 0)).is_err());
}

/// An index whose fields are not this indexer's (built by another version) is refused, not read
/// through the wrong fields.
#[test]
fn an_index_with_other_fields_is_refused() {
    let mut blob = blob();
    let (from, to) = (br#""name": "kind""#, br#""name": "kinx""#);
    let at = blob.windows(from.len()).position(|w| w == from).expect("the schema is in the blob as JSON");
    blob[at..at + to.len()].copy_from_slice(to);
    match ProductIndex::open(OwnedBytes::new(blob)) {
        Err(e) => assert!(e.to_string().contains("another version"), "{e}"),
        Ok(_) => panic!("an index with other fields was opened"),
    }
}

#[test]
fn a_suggestion_whose_words_are_not_loaded_never_fails_the_search() {
    // Short misspelt words are not corrected in the search itself (nothing is found), so the
    // did-you-mean reads postings no plan foresaw: the answer comes without it, not as an error.
    let blob = blob();
    let mut whole = ProductIndex::open(OwnedBytes::new(blob.clone())).unwrap();
    let mut lazy = open_chunked(&blob);
    let req = SearchRequest::new("mgu cpa hta bga teh", 10);
    let eager = layout(&blob, CHUNK).unwrap().eager_bytes;
    for i in lazy.chunks_for_search(&req) {
        lazy.add_chunk(i, chunk(&blob, eager, i)).unwrap();
    }
    let first = lazy.search(&req).expect("answered in the first round");
    assert_eq!(first.total, 0, "{first:?}");
    assert!(!lazy.missing_chunks().is_empty(), "the suggestion's postings were not planned");
    let (got, _) = run(&mut lazy, &blob, vec![], |index| index.search(&req));
    assert_eq!(got.unwrap(), whole.search(&req).unwrap(), "and complete once the chunks are there");
}
