//! The catalog data built into the worker: the search index blob and the pricing snapshot.
//! Both are opened lazily on first use and kept for the isolate's lifetime.

use crate::error::ApiError;
use edgeshop_domain::{CatalogSnapshot, Shop};
use edgeshop_indexer::{OwnedBytes, ProductIndex};
use std::cell::{OnceCell, RefCell};

static SEARCH_INDEX: &[u8] = include_bytes!(env!("EDGESHOP_SEARCH_INDEX"));
static SNAPSHOT_JSON: &[u8] = include_bytes!(env!("EDGESHOP_SNAPSHOT"));

thread_local! {
    static INDEX: RefCell<Option<ProductIndex>> = const { RefCell::new(None) };
    static SNAPSHOT: OnceCell<Result<CatalogSnapshot, String>> = const { OnceCell::new() };
}

/// Runs `f` with the search index, opening it on first use.
pub fn with_index<T>(f: impl FnOnce(&mut ProductIndex) -> Result<T, ApiError>) -> Result<T, ApiError> {
    INDEX.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let index = ProductIndex::open(OwnedBytes::new(SEARCH_INDEX)).map_err(|e| ApiError::internal(e.to_string()))?;
            *slot = Some(index);
        }
        match slot.as_mut() {
            Some(index) => f(index),
            None => Err(ApiError::internal("search index unavailable")),
        }
    })
}

/// Runs `f` with the pricing snapshot, parsing it on first use.
pub fn with_snapshot<T>(f: impl FnOnce(&CatalogSnapshot) -> T) -> Result<T, ApiError> {
    SNAPSHOT.with(|cell| match cell.get_or_init(|| serde_json::from_slice(SNAPSHOT_JSON).map_err(|e| e.to_string())) {
        Ok(snapshot) => Ok(f(snapshot)),
        Err(e) => Err(ApiError::internal(format!("catalog snapshot: {e}"))),
    })
}

/// The shop file's settings (shipping, tax, countries) from the snapshot.
pub fn shop() -> Result<Shop, ApiError> {
    with_snapshot(|s| s.shop.clone())
}
