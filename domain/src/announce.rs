//! What a new-products digest announces: the newest published products of a catalog build, and
//! of those the ones no earlier digest has announced.

use crate::catalog::Product;
use crate::money::Money;
use crate::pricing::product_price_range;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Products listed per build (`_catalog/newest.json`): enough for any digest, small to read.
pub const NEWEST_LISTED: usize = 200;
/// Products shown in one digest email; the rest are counted and linked.
pub const DIGEST_SHOWN: usize = 12;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewProduct {
    pub slug: String,
    pub title: String,
    /// `YYYY-MM-DD`, the product's `created` date.
    pub created: String,
    /// The lowest price of its variants.
    pub from_price: Money,
}

/// The `limit` newest published products with a price, newest first (ties by title).
pub fn newest_products(products: &[Product], limit: usize) -> Vec<NewProduct> {
    let mut listed: Vec<(&Product, Money)> =
        products.iter().filter(|p| p.published).filter_map(|p| product_price_range(p).map(|(lo, _)| (p, lo))).collect();
    listed.sort_by(|(a, _), (b, _)| b.created.cmp(&a.created).then_with(|| a.title.cmp(&b.title)));
    listed
        .into_iter()
        .take(limit)
        .map(|(p, from_price)| NewProduct { slug: p.slug.clone(), title: p.title.clone(), created: p.created.clone(), from_price })
        .collect()
}

/// What a digest should announce: the listed products not announced before, newest first.
/// `None` when nothing was ever announced: the first digest only records the catalog as it is
/// (a shop's whole range is not "new" to its subscribers).
pub fn to_announce<'a>(newest: &'a [NewProduct], announced: &HashSet<String>) -> Option<Vec<&'a NewProduct>> {
    if announced.is_empty() {
        return None;
    }
    Some(newest.iter().filter(|p| !announced.contains(&p.slug)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{StockPolicy, Variant};
    use crate::money::Currency;

    fn product(slug: &str, created: &str, published: bool, prices: &[i64]) -> Product {
        let variants = prices
            .iter()
            .enumerate()
            .map(|(i, &p)| Variant {
                sku: format!("{slug}-{i}"),
                option_values: vec![],
                price: Money { minor: p, currency: Currency::EUR },
                compare_at: None,
                stock: 1,
                stock_policy: StockPolicy::Deny,
            })
            .collect();
        Product { published, ..Product::for_tests(slug, created, variants) }
    }

    #[test]
    fn newest_first_published_only_with_the_lowest_price() {
        let c = vec![
            product("old", "2023-01-01", true, &[500]),
            product("hidden", "2025-06-01", false, &[100]),
            product("new", "2025-05-01", true, &[900, 700]),
            product("mid", "2024-01-01", true, &[300]),
            product("no-price", "2025-07-01", true, &[]),
        ];
        let newest = newest_products(&c, 2);
        assert_eq!(newest.iter().map(|p| p.slug.as_str()).collect::<Vec<_>>(), ["new", "mid"]);
        assert_eq!(newest[0].from_price.minor, 700);
    }

    #[test]
    fn the_first_digest_records_and_later_ones_announce_only_what_is_new() {
        let c = vec![product("a", "2025-01-01", true, &[1]), product("b", "2025-02-01", true, &[1])];
        let newest = newest_products(&c, NEWEST_LISTED);
        assert!(to_announce(&newest, &HashSet::new()).is_none());
        let announced: HashSet<String> = ["a".to_string()].into();
        let new: Vec<&str> = to_announce(&newest, &announced).unwrap().iter().map(|p| p.slug.as_str()).collect();
        assert_eq!(new, ["b"]);
        let all: HashSet<String> = ["a".to_string(), "b".to_string()].into();
        assert!(to_announce(&newest, &all).unwrap().is_empty());
    }
}
