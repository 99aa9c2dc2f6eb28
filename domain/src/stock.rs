//! What the catalog's `stock` value means once a shop is live.
//!
//! The stock ledger (one writer) is the record of units: available, reserved for orders not yet
//! paid or shipped, and sold. A SKU's catalog `stock` is **the count on hand when a build
//! publishes it**: the first time the ledger sees the SKU it starts from that count; after that,
//! a build that publishes a *different* value is a new count, and the ledger sets the SKU's on-hand
//! units to it (available = the count − what is reserved; sold units stay sold). A build that
//! publishes the *same* value changes nothing, so rebuilding never undoes sales. Staff change a
//! live level in the back office (a counted level, a delivery, a CSV count), which the catalog
//! does not see: to restock through the catalog, write the new count.

/// The available units of a SKU after reading the catalog: `stored` is what the ledger holds
/// (`None`: it never wrote the SKU), `counted_from` the catalog value that level was based on
/// (`None`: not recorded), `catalog` the value this build publishes.
pub fn available_after_catalog(stored: Option<i64>, reserved: i64, counted_from: Option<i64>, catalog: i64) -> i64 {
    match (stored, counted_from) {
        (None, _) => catalog - reserved,
        (Some(_), Some(from)) if from != catalog => (catalog - reserved).max(0),
        (Some(available), _) => available,
    }
}

#[cfg(test)]
mod tests {
    use super::available_after_catalog as after;

    #[test]
    fn the_catalog_count_seeds_a_new_sku_and_a_changed_count_recounts_it() {
        assert_eq!(after(None, 0, None, 10), 10, "first sight: the catalog's count");
        assert_eq!(after(Some(7), 1, Some(10), 10), 7, "same count published again: sales stay sold");
        assert_eq!(after(Some(0), 2, Some(10), 25), 23, "a new count of 25 with 2 reserved for orders");
        assert_eq!(after(Some(5), 3, Some(10), 2), 0, "a count below what is reserved: nothing more to sell");
        assert_eq!(after(Some(4), 0, None, 10), 4, "a level from before counts were recorded stays");
    }
}
