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

use crate::StockPolicy;

/// At or below this many units, pages say how many are left ("Only 3 left").
pub const FEW_LEFT: i64 = 5;

/// What a SKU's available units mean to a shopper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shelf {
    InStock,
    FewLeft(u32),
    SoldOut,
}

/// A SKU with `available` units under `policy` (one that may be oversold is always in stock).
pub fn shelf(available: i64, policy: StockPolicy) -> Shelf {
    match policy {
        StockPolicy::Continue => Shelf::InStock,
        StockPolicy::Deny if available <= 0 => Shelf::SoldOut,
        StockPolicy::Deny if available <= FEW_LEFT => Shelf::FewLeft(available as u32),
        StockPolicy::Deny => Shelf::InStock,
    }
}

/// Whether a cart line may go from `held` to `wanted` units of a SKU of which `left` can be sold
/// (`None`: any number, as for a SKU that may be oversold, or one whose level could not be read:
/// the checkout has the final word). A line may always shrink or stay, even above what is left
/// (the checkout then says so). `Err` carries the units left (0 when the level is below zero).
pub fn cart_may_hold(wanted: u32, held: u32, left: Option<i64>) -> Result<(), u32> {
    match left {
        Some(left) if wanted > held && i64::from(wanted) > left => Err(left.clamp(0, i64::from(u32::MAX)) as u32),
        _ => Ok(()),
    }
}

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
    use super::{cart_may_hold, shelf, Shelf};
    use crate::StockPolicy::{Continue, Deny};

    #[test]
    fn a_few_units_left_are_counted_and_an_oversellable_sku_is_always_in_stock() {
        assert_eq!(shelf(0, Deny), Shelf::SoldOut);
        assert_eq!(shelf(-2, Deny), Shelf::SoldOut, "a loss took held units");
        assert_eq!(shelf(1, Deny), Shelf::FewLeft(1));
        assert_eq!(shelf(5, Deny), Shelf::FewLeft(5));
        assert_eq!(shelf(6, Deny), Shelf::InStock);
        assert_eq!(shelf(0, Continue), Shelf::InStock);
    }

    #[test]
    fn a_cart_line_grows_only_within_what_is_left_and_may_always_shrink() {
        assert_eq!(cart_may_hold(3, 0, Some(3)), Ok(()));
        assert_eq!(cart_may_hold(4, 0, Some(3)), Err(3));
        assert_eq!(cart_may_hold(4, 2, Some(3)), Err(3), "two in the cart and two more asked for");
        assert_eq!(cart_may_hold(1, 0, Some(0)), Err(0));
        assert_eq!(cart_may_hold(1, 0, Some(-1)), Err(0), "below zero is none left");
        assert_eq!(cart_may_hold(2, 5, Some(1)), Ok(()), "fewer than before, though still above what is left");
        assert_eq!(cart_may_hold(5, 5, Some(1)), Ok(()), "unchanged");
        assert_eq!(cart_may_hold(99, 0, None), Ok(()), "no limit known");
    }

    #[test]
    fn the_catalog_count_seeds_a_new_sku_and_a_changed_count_recounts_it() {
        assert_eq!(after(None, 0, None, 10), 10, "first sight: the catalog's count");
        assert_eq!(after(Some(7), 1, Some(10), 10), 7, "same count published again: sales stay sold");
        assert_eq!(after(Some(0), 2, Some(10), 25), 23, "a new count of 25 with 2 reserved for orders");
        assert_eq!(after(Some(5), 3, Some(10), 2), 0, "a count below what is reserved: nothing more to sell");
        assert_eq!(after(Some(4), 0, None, 10), 4, "a level from before counts were recorded stays");
    }
}
