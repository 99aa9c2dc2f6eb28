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
    fn compare_at_only_when_higher() {
        assert!(variant_price(&variant(1000, Some(1200))).on_sale());
        assert!(!variant_price(&variant(1000, Some(1000))).on_sale());
        assert!(!variant_price(&variant(1000, Some(900))).on_sale());
    }
}
