//! An index updated in place (a few products changed since the last build) finds what an index
//! built whole finds, and falls back to a whole build when the documents do not line up.

use edgeshop_domain::Catalog;
use edgeshop_indexer::{build_index_from, layout, BuiltIndex, Cards, ChunkedBlob, OwnedBytes, ProductIndex, SearchRequest};
use std::collections::BTreeSet;
use std::path::Path;

fn catalog() -> Catalog {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog");
    edgeshop_catalog::load(&dir).expect("the sample catalog is valid").catalog
}

/// Total, and every hit's slug and price, for each query.
fn answers(built: &BuiltIndex, queries: &[&str]) -> Vec<(usize, BTreeSet<(String, u64)>)> {
    let mut index = ProductIndex::open(OwnedBytes::new(built.blob.clone())).expect("opens");
    queries
        .iter()
        .map(|q| {
            let r = index.search(&SearchRequest::new(q, 100)).expect("searches");
            (r.total, r.hits.into_iter().map(|h| (h.slug, h.price_minor)).collect())
        })
        .collect()
}

#[test]
fn an_updated_index_finds_what_a_whole_build_finds() {
    let mut catalog = catalog();
    let cards = Cards::new();
    let first = build_index_from(&catalog, None, &cards, None).unwrap();
    assert_eq!(first.updated, None);
    let at = catalog.products.iter().position(|p| p.published).expect("a published product");
    let old_title = catalog.products[at].title.clone();
    let queries = ["quokka lantern", old_title.as_str(), "", "jacket", "merino", "bottle"];

    // One product's title and price change.
    let p = &mut catalog.products[at];
    p.title = "Quokka Lantern".into();
    p.variants[0].price.minor += 12_345;
    catalog.version = "second".into();
    let updated = build_index_from(&catalog, None, &cards, Some((&first.blob, &first.state))).unwrap();
    assert_eq!(updated.updated, Some(1), "one document replaced");
    let whole = build_index_from(&catalog, None, &cards, None).unwrap();
    assert_eq!(answers(&updated, &queries), answers(&whole, &queries));
    let price = catalog.products[at].variants.iter().map(|v| v.price.minor).min().unwrap() as u64;
    let found = &answers(&updated, &["quokka"])[0];
    assert_eq!(found.1, BTreeSet::from([(catalog.products[at].slug.clone(), price)]), "the new title and price: {found:?}");
    let header = ProductIndex::open(OwnedBytes::new(updated.blob.clone())).unwrap().header().clone();
    assert_eq!((header.catalog_version.as_str(), header.documents), ("second", whole_documents(&whole)));

    // The same product again, then another one: updates on updates.
    catalog.products[at].title = "Quokka Lantern Deluxe".into();
    let again = build_index_from(&catalog, None, &cards, Some((&updated.blob, &updated.state))).unwrap();
    assert_eq!(again.updated, Some(1));
    let other = catalog.products.iter().rposition(|p| p.published).unwrap();
    catalog.products[other].description_md.push_str(" Quokka approved.");
    let third = build_index_from(&catalog, None, &cards, Some((&again.blob, &again.state))).unwrap();
    assert_eq!(third.updated, Some(1));
    let whole = build_index_from(&catalog, None, &cards, None).unwrap();
    assert_eq!(answers(&third, &queries), answers(&whole, &queries));
    assert_eq!(answers(&third, &["quokka"])[0].0, 2);

    // The worker's way in: the eager prefix, then postings chunk by chunk.
    assert_eq!(chunked_answer(&third.blob, "quokka"), answers(&third, &["quokka"])[0]);

    // Nothing changed: the index is kept as it is.
    let same = build_index_from(&catalog, None, &cards, Some((&third.blob, &third.state))).unwrap();
    assert_eq!(same.updated, Some(0));
    assert_eq!(answers(&same, &queries), answers(&whole, &queries));

    // A state that is not this index's, or documents that no longer line up: built whole.
    assert_eq!(build_index_from(&catalog, None, &cards, Some((&first.blob, &third.state))).unwrap().updated, None);
    let mut fewer = catalog.clone();
    fewer.products.remove(at);
    assert_eq!(build_index_from(&fewer, None, &cards, Some((&third.blob, &third.state))).unwrap().updated, None);
}

fn whole_documents(built: &BuiltIndex) -> u64 {
    ProductIndex::open(OwnedBytes::new(built.blob.clone())).unwrap().header().documents
}

/// The answer of an index opened from its eager prefix, its postings fetched as the query asks.
fn chunked_answer(blob: &[u8], query: &str) -> (usize, BTreeSet<(String, u64)>) {
    const CHUNK: usize = 2048;
    let eager = layout(blob, CHUNK).unwrap().eager_bytes;
    let chunk = |i: usize| OwnedBytes::new(blob[eager + i * CHUNK..(eager + (i + 1) * CHUNK).min(blob.len())].to_vec());
    let source = std::sync::Arc::new(ChunkedBlob::new(OwnedBytes::new(blob[..eager].to_vec()), blob.len(), CHUNK).unwrap());
    for i in ProductIndex::open_chunks(blob, CHUNK).unwrap() {
        source.add_chunk(i, chunk(i)).unwrap();
    }
    let mut index = ProductIndex::open_chunked(source).expect("opens from the prefix");
    for _ in 0..10 {
        let r = index.search(&SearchRequest::new(query, 100)).unwrap();
        let missing = index.missing_chunks();
        if missing.is_empty() {
            return (r.total, r.hits.into_iter().map(|h| (h.slug, h.price_minor)).collect());
        }
        for i in missing {
            index.add_chunk(i, chunk(i)).unwrap();
        }
    }
    panic!("chunks still missing after 10 rounds");
}
