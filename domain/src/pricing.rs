//! The single place where a variant's selling price is decided.
//! Pages call it when they are built and the edge calls it when it prices a cart, so they cannot disagree.

use crate::catalog::{Product, Variant};
use crate::money::Money;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    pub amount: Money,
    /// The "was" price, only when it is higher than the selling price.
    pub compare_at: Option<Money>,
}

impl Price {
    pub fn on_sale(&self) -> bool {
        self.compare_at.is_some()
    }
}

pub fn variant_price(variant: &Variant) -> Price {
    let compare_at = variant.compare_at.filter(|c| c.currency == variant.price.currency && c.minor > variant.price.minor);
    Price { amount: variant.price, compare_at }
}

/// Lowest and highest selling price over the product's variants (`None` without variants).
pub fn product_price_range(product: &Product) -> Option<(Money, Money)> {
    let mut prices = product.variants.iter().map(|v| variant_price(v).amount);
    let first = prices.next()?;
    Some(prices.fold((first, first), |(lo, hi), p| (if p.minor < lo.minor { p } else { lo }, if p.minor > hi.minor { p } else { hi })))
}

/// The price a product's card shows: its cheapest variant's, with that variant's "was" price (the
/// first of the cheapest on sale, if any is). `None` without variants.
pub fn lowest_price(product: &Product) -> Option<Price> {
    product.variants.iter().map(variant_price).min_by_key(|p| (p.amount.minor, !p.on_sale()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::StockPolicy;
    use crate::money::Currency;

    fn variant(price: i64, compare_at: Option<i64>) -> Variant {
        Variant {
            sku: format!("SKU-{price}"),
            option_values: vec![],
            price: Money::new(price, Currency::EUR),
            compare_at: compare_at.map(|c| Money::new(c, Currency::EUR)),
            stock: 1,
            stock_policy: StockPolicy::Deny,
        }
    }

    #[test]
    fn a_card_shows_the_cheapest_variant_and_its_was_price() {
        let product = |variants: Vec<Variant>| Product::for_tests("p", "2026-01-01", variants);
        let p = lowest_price(&product(vec![variant(1500, None), variant(1000, Some(1200)), variant(1000, None)])).unwrap();
        assert_eq!((p.amount.minor, p.compare_at.map(|c| c.minor)), (1000, Some(1200)));
        // A sale on a dearer variant is not the card's price.
        let p = lowest_price(&product(vec![variant(1500, Some(2000)), variant(1000, None)])).unwrap();
        assert_eq!((p.amount.minor, p.compare_at), (1000, None));
        assert_eq!(lowest_price(&product(vec![])), None);
    }

    #[test]
    fn compare_at_only_when_higher() {
        assert!(variant_price(&variant(1000, Some(1200))).on_sale());
        assert!(!variant_price(&variant(1000, Some(1000))).on_sale());
        assert!(!variant_price(&variant(1000, Some(900))).on_sale());
    }
}
