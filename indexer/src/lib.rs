//! The product search index.
//!
//! At build time [`build_index`] writes a single-segment tantivy index from the catalog and packs
//! its files into one blob. At the edge [`ProductIndex::open`] reads that blob from memory through
//! a read-only [`BlobDirectory`]: no threads, locks, clocks or randomness are touched, so the same
//! code runs natively and inside the worker (wasm32).

mod blob;
mod colours;
mod docbits;
pub mod everyday;
mod extras;
mod prefix;
pub mod price_words;
mod schema;
mod search;
pub mod taxonomy;
mod warm;
mod word_filter;
mod write;

pub use blob::{is_lazy, layout, pack, BlobDirectory, BlobError, BlobLayout, ChunkedBlob, IndexHeader};
pub use everyday::Lexicon;
pub use extras::{price_bucket, SearchExtras, PRICE_EDGES};
pub use search::{
    normalise, FacetValue, Facets, Filters, Hit, OptionFacet, PriceRange, ProductIndex, Related, SearchError, SearchRequest, SearchResults, Sort,
    Suggestions, MAX_FILTER_VALUES, MAX_LIMIT, MAX_OFFSET, MAX_QUERY_BYTES, MAX_QUERY_TERMS,
};
pub use tantivy::directory::OwnedBytes;
pub use taxonomy::Taxonomy;
pub use warm::warm_up;
pub use write::{build_index, build_index_from, build_index_with, BuiltIndex, Cards, IndexState};
