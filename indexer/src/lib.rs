//! The product search index.
//!
//! At build time [`build_index`] writes a single-segment tantivy index from the catalog and packs
//! its files into one blob. At the edge [`ProductIndex::open`] reads that blob from memory through
//! a read-only [`BlobDirectory`]: no threads, locks, clocks or randomness are touched, so the same
//! code runs natively and inside the worker (wasm32).

mod blob;
mod schema;
mod search;
mod write;

pub use blob::{pack, BlobDirectory, BlobError, IndexHeader};
pub use search::{Hit, ProductIndex, SearchError, SearchRequest, MAX_LIMIT, MAX_QUERY_BYTES, MAX_QUERY_TERMS};
pub use tantivy::directory::OwnedBytes;
pub use write::build_index;
