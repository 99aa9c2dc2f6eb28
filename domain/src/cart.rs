//! Cart lines and how they are priced against a catalog snapshot.

use crate::money::{Money, MoneyError};
use crate::pricing::variant_price;
use crate::snapshot::CatalogSnapshot;
use serde::{Deserialize, Serialize};

pub const MAX_LINE_QUANTITY: u32 = 99;
/// Lines in one cart, at most.
pub const MAX_LINES: usize = 50;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub sku: String,
    pub quantity: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PricedLine {
    pub sku: String,
    pub product_slug: String,
    pub title: String,
    pub variant_title: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub line_total: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PricedCart {
    pub catalog_version: String,
    pub lines: Vec<PricedLine>,
    pub subtotal: Money,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CartError {
    UnknownSku(String),
    Unavailable(String),
    BadQuantity {
        sku: String,
        quantity: u32,
    },
    /// The cart already has `MAX_LINES` lines.
    Full,
    /// No line with this id.
    NoLine(String),
    Money(MoneyError),
}

impl std::fmt::Display for CartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CartError::UnknownSku(s) => write!(f, "no product has the SKU `{s}`"),
            CartError::Unavailable(s) => write!(f, "`{s}` is not for sale any more"),
            CartError::BadQuantity { sku, quantity } => {
                write!(f, "the quantity of {sku} must be a whole number from 1 to {MAX_LINE_QUANTITY}, not {quantity}")
            }
            CartError::Full => write!(f, "a cart holds at most {MAX_LINES} lines"),
            CartError::NoLine(id) => write!(f, "the cart has no line `{id}`"),
            CartError::Money(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CartError {}

/// Prices every line from the snapshot; prices sent by a client never enter here.
pub fn price_cart(lines: &[CartLine], snapshot: &CatalogSnapshot) -> Result<PricedCart, CartError> {
    let mut subtotal = Money::zero(snapshot.currency);
    let mut priced = Vec::with_capacity(lines.len());
    for line in lines {
        check_quantity(&line.sku, line.quantity)?;
        let entry = snapshot.get(&line.sku).ok_or_else(|| CartError::UnknownSku(line.sku.clone()))?;
        if !entry.published {
            return Err(CartError::Unavailable(line.sku.clone()));
        }
        let unit_price = variant_price(&entry.variant).amount;
        let line_total = unit_price.checked_mul(line.quantity).map_err(CartError::Money)?;
        subtotal = subtotal.checked_add(line_total).map_err(CartError::Money)?;
        priced.push(PricedLine {
            sku: line.sku.clone(),
            product_slug: entry.product_slug.clone(),
            title: entry.product_title.clone(),
            variant_title: entry.variant.title(),
            quantity: line.quantity,
            unit_price,
            line_total,
        });
    }
    Ok(PricedCart { catalog_version: snapshot.version.clone(), lines: priced, subtotal })
}

/// A cart as kept between requests: its lines, with the unit price the shopper last saw, and
/// the catalog version it was last priced against.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedCart {
    pub catalog_version: String,
    pub lines: Vec<SavedLine>,
    /// A discount code the shopper applied (checked again whenever the cart is priced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedLine {
    pub id: String,
    pub sku: String,
    pub quantity: u32,
    /// Unit price when the shopper last saw the cart (to tell them what changed).
    pub seen_unit_minor: i64,
}

/// A line whose price changed (or that left the catalog: new price 0) since the shopper last saw
/// the cart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceChange {
    pub line_id: String,
    pub sku: String,
    pub old_unit_minor: i64,
    pub new_unit_minor: i64,
}

/// A line's quantity must be within `1..=MAX_LINE_QUANTITY`.
pub fn check_quantity(sku: &str, quantity: u32) -> Result<(), CartError> {
    if (1..=MAX_LINE_QUANTITY).contains(&quantity) {
        Ok(())
    } else {
        Err(CartError::BadQuantity { sku: sku.to_string(), quantity })
    }
}

/// What a shopper was shown of a cart when they chose to buy it, as a short digest: each line's
/// SKU, quantity and unit price (minor units), and the discount code with what it takes off. The
/// checkout page sends it back with the form, so an order is placed only for the cart the page
/// showed (a line added in another tab, or a price that changed, makes another digest). Lines in
/// the cart's order; a code that takes nothing off is no discount.
pub fn cart_digest<'a>(lines: impl IntoIterator<Item = (&'a str, u32, i64)>, discount: Option<(&str, i64)>) -> String {
    // FNV-1a: a change detector, not a secret (the shopper's own cart).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for (sku, quantity, unit_minor) in lines {
        feed(format!("{}:{sku}\u{1f}{quantity}\u{1f}{unit_minor}\u{1e}", sku.len()).as_bytes());
    }
    if let Some((code, off_minor)) = discount.filter(|(_, off)| *off > 0) {
        feed(format!("discount\u{1f}{code}\u{1f}{off_minor}").as_bytes());
    }
    format!("{hash:016x}")
}

impl SavedCart {
    /// Adds `quantity` of `sku`: into the SKU's line when there is one (the sum must stay within
    /// `1..=MAX_LINE_QUANTITY`), else as a new line called `new_id()` (at most `MAX_LINES`).
    pub fn add(&mut self, sku: &str, quantity: u32, new_id: impl FnOnce() -> String) -> Result<(), CartError> {
        check_quantity(sku, quantity)?;
        if let Some(line) = self.lines.iter_mut().find(|l| l.sku == sku) {
            let sum = line.quantity.saturating_add(quantity);
            check_quantity(sku, sum)?;
            line.quantity = sum;
            return Ok(());
        }
        if self.lines.len() >= MAX_LINES {
            return Err(CartError::Full);
        }
        self.lines.push(SavedLine { id: new_id(), sku: sku.to_string(), quantity, seen_unit_minor: 0 });
        Ok(())
    }

    /// The line called `line_id`.
    pub fn line(&self, line_id: &str) -> Result<&SavedLine, CartError> {
        self.lines.iter().find(|l| l.id == line_id).ok_or_else(|| CartError::NoLine(line_id.to_string()))
    }

    /// Sets a line's quantity; 0 removes the line.
    pub fn set_quantity(&mut self, line_id: &str, quantity: u32) -> Result<(), CartError> {
        let i = self.lines.iter().position(|l| l.id == line_id).ok_or_else(|| CartError::NoLine(line_id.to_string()))?;
        if quantity == 0 {
            self.lines.remove(i);
            return Ok(());
        }
        check_quantity(&self.lines[i].sku, quantity)?;
        self.lines[i].quantity = quantity;
        Ok(())
    }

    pub fn remove(&mut self, line_id: &str) -> Result<(), CartError> {
        self.set_quantity(line_id, 0)
    }

    /// The units of `sku` in the cart.
    pub fn quantity_of(&self, sku: &str) -> u32 {
        self.lines.iter().filter(|l| l.sku == sku).map(|l| l.quantity).sum()
    }

    pub fn item_count(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    /// Prices the cart against `snapshot`. Lines whose SKU left the catalog (or is no longer
    /// published) are dropped and reported as a change to 0; when the catalog version changed,
    /// lines whose unit price differs from what the shopper saw are reported too. Remembers the
    /// prices and the version, so each change is reported once.
    pub fn reprice(&mut self, snapshot: &CatalogSnapshot) -> Result<(PricedCart, Vec<PriceChange>), CartError> {
        let mut changes = Vec::new();
        self.lines.retain(|l| {
            let keep = snapshot.get(&l.sku).is_some_and(|e| e.published);
            if !keep {
                changes.push(PriceChange { line_id: l.id.clone(), sku: l.sku.clone(), old_unit_minor: l.seen_unit_minor, new_unit_minor: 0 });
            }
            keep
        });
        let lines: Vec<CartLine> = self.lines.iter().map(|l| CartLine { sku: l.sku.clone(), quantity: l.quantity }).collect();
        let cart = price_cart(&lines, snapshot)?;
        for (saved, priced) in self.lines.iter_mut().zip(&cart.lines) {
            if saved.seen_unit_minor != priced.unit_price.minor {
                if self.catalog_version != snapshot.version && saved.seen_unit_minor != 0 {
                    changes.push(PriceChange {
                        line_id: saved.id.clone(),
                        sku: saved.sku.clone(),
                        old_unit_minor: saved.seen_unit_minor,
                        new_unit_minor: priced.unit_price.minor,
                    });
                }
                saved.seen_unit_minor = priced.unit_price.minor;
            }
        }
        self.catalog_version = snapshot.version.clone();
        Ok((cart, changes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{ShippingRules, Shop, StockPolicy, TaxRules, Variant};
    use crate::money::Currency;
    use crate::snapshot::SkuEntry;

    fn snapshot() -> CatalogSnapshot {
        let entry = |sku: &str, price: i64, published: bool| SkuEntry {
            product_slug: format!("p-{sku}"),
            product_title: format!("Product {sku}"),
            published,
            image: None,
            category: "c".into(),
            variant: Variant {
                sku: sku.into(),
                option_values: vec!["M".into()],
                price: Money::new(price, Currency::EUR),
                compare_at: None,
                stock: 3,
                stock_policy: StockPolicy::Deny,
            },
        };
        CatalogSnapshot {
            version: "v1".into(),
            currency: Currency::EUR,
            locale: "en".into(),
            shop: Shop::with_rules(
                "S",
                Currency::EUR,
                "en",
                ShippingRules { flat_rate: Money::new(0, Currency::EUR), free_over: None, countries: vec![], zones: vec![] },
                TaxRules::one_rate(0, true),
            ),
            entries: vec![entry("A-1", 1250, true), entry("B-2", 999, true), entry("C-3", 100, false)],
        }
    }

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("L{n}")
        }
    }

    #[test]
    fn a_cart_digest_changes_with_a_line_a_quantity_a_price_or_the_discount() {
        let base = cart_digest([("A-1", 1, 1000), ("B-2", 2, 500)], Some(("SAVE", 100)));
        assert_eq!(base, cart_digest([("A-1", 1, 1000), ("B-2", 2, 500)], Some(("SAVE", 100))));
        assert_eq!(base.len(), 16);
        for other in [
            cart_digest([("A-1", 1, 1000), ("B-2", 2, 500), ("C-3", 1, 100)], Some(("SAVE", 100))),
            cart_digest([("A-1", 1, 1000), ("B-2", 3, 500)], Some(("SAVE", 100))),
            cart_digest([("A-1", 1, 1000), ("B-2", 2, 450)], Some(("SAVE", 100))),
            cart_digest([("A-1", 1, 1000), ("B-2", 2, 500)], Some(("SAVE", 150))),
            cart_digest([("A-1", 1, 1000), ("B-2", 2, 500)], None),
            // A SKU's end read as the next field's start is another cart.
            cart_digest([("A-11", 1, 1000), ("B-2", 2, 500)], Some(("SAVE", 100))),
        ] {
            assert_ne!(base, other);
        }
        // A code that takes nothing off is no discount.
        assert_eq!(cart_digest([("A-1", 1, 1000)], Some(("ZERO", 0))), cart_digest([("A-1", 1, 1000)], None));
    }

    #[test]
    fn adding_a_sku_again_merges_into_its_line_within_the_limits() {
        let mut cart = SavedCart::default();
        let mut id = ids();
        cart.add("A-1", 2, &mut id).unwrap();
        cart.add("A-1", 3, &mut id).unwrap();
        cart.add("B-2", 1, &mut id).unwrap();
        assert_eq!(cart.lines.iter().map(|l| (l.id.as_str(), l.sku.as_str(), l.quantity)).collect::<Vec<_>>(), [("L1", "A-1", 5), ("L2", "B-2", 1)]);
        assert_eq!(cart.item_count(), 6);
        // A sum over the line limit, a zero or an oversize quantity changes nothing.
        assert!(
            matches!(cart.add("A-1", MAX_LINE_QUANTITY, &mut id), Err(CartError::BadQuantity { quantity, .. }) if quantity == MAX_LINE_QUANTITY + 5)
        );
        assert!(matches!(cart.add("B-2", 0, &mut id), Err(CartError::BadQuantity { .. })));
        assert!(matches!(cart.add("C-9", u32::MAX, &mut id), Err(CartError::BadQuantity { .. })));
        assert_eq!(cart.item_count(), 6);
    }

    #[test]
    fn a_full_cart_takes_more_of_its_skus_but_no_new_line() {
        let mut cart = SavedCart::default();
        let mut id = ids();
        for i in 0..MAX_LINES {
            cart.add(&format!("S-{i}"), 1, &mut id).unwrap();
        }
        assert_eq!(cart.add("ONE-MORE", 1, &mut id), Err(CartError::Full));
        cart.add("S-0", 1, &mut id).unwrap();
        assert_eq!(cart.lines.len(), MAX_LINES);
    }

    #[test]
    fn quantities_are_set_and_zero_removes_the_line() {
        let mut cart = SavedCart::default();
        let mut id = ids();
        cart.add("A-1", 1, &mut id).unwrap();
        cart.add("B-2", 1, &mut id).unwrap();
        cart.set_quantity("L1", 4).unwrap();
        assert_eq!(cart.line("L1").unwrap().quantity, 4);
        assert!(matches!(cart.set_quantity("L1", MAX_LINE_QUANTITY + 1), Err(CartError::BadQuantity { .. })));
        cart.set_quantity("L1", 0).unwrap();
        assert_eq!(cart.set_quantity("L1", 1), Err(CartError::NoLine("L1".into())));
        cart.remove("L2").unwrap();
        assert!(cart.lines.is_empty());
    }

    #[test]
    fn repricing_reports_each_change_once_and_drops_lines_that_left_the_catalog() {
        let mut cart = SavedCart::default();
        let mut id = ids();
        cart.add("A-1", 2, &mut id).unwrap();
        cart.add("C-3", 1, &mut id).unwrap();
        let mut s = snapshot();
        // First pricing: the unpublished line goes (reported), the other's price is remembered.
        let (priced, changes) = cart.reprice(&s).unwrap();
        assert_eq!(priced.subtotal.minor, 2 * 1250);
        assert_eq!(changes, [PriceChange { line_id: "L2".into(), sku: "C-3".into(), old_unit_minor: 0, new_unit_minor: 0 }]);
        assert_eq!((cart.catalog_version.as_str(), cart.lines[0].seen_unit_minor), ("v1", 1250));
        // Same catalog: nothing to report.
        assert!(cart.reprice(&s).unwrap().1.is_empty());
        // A new catalog with a new price: reported once, then remembered.
        s.version = "v2".into();
        s.entries[0].variant.price = Money::new(1100, Currency::EUR);
        let (priced, changes) = cart.reprice(&s).unwrap();
        assert_eq!(priced.subtotal.minor, 2 * 1100);
        assert_eq!(changes, [PriceChange { line_id: "L1".into(), sku: "A-1".into(), old_unit_minor: 1250, new_unit_minor: 1100 }]);
        assert!(cart.reprice(&s).unwrap().1.is_empty());
    }

    #[test]
    fn prices_from_snapshot() {
        let cart = price_cart(&[CartLine { sku: "A-1".into(), quantity: 2 }, CartLine { sku: "B-2".into(), quantity: 1 }], &snapshot()).unwrap();
        assert_eq!(cart.subtotal.minor, 2 * 1250 + 999);
        assert_eq!(cart.lines[0].variant_title, "M");
        assert_eq!(cart.catalog_version, "v1");
    }

    #[test]
    fn snapshot_round_trips_through_its_compact_form() {
        let s = snapshot();
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"skus\""), "{json}");
        let back: CatalogSnapshot = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn shards_grow_once_there_are_as_many_as_a_deploy_can_spare() {
        use crate::snapshot::{sku_shard_count, MAX_SKU_SHARDS, SKUS_PER_SHARD};
        assert_eq!(sku_shard_count(0), 1);
        assert_eq!(sku_shard_count(SKUS_PER_SHARD + 1), 2);
        assert_eq!(sku_shard_count(MAX_SKU_SHARDS * SKUS_PER_SHARD), MAX_SKU_SHARDS);
        // Six million SKUs (a million products): the limit, each shard about 1,500 SKUs.
        assert_eq!(sku_shard_count(6_000_000), MAX_SKU_SHARDS);
    }

    #[test]
    fn shards_hold_every_sku_once_and_parse_back() {
        let mut s = snapshot();
        let template = s.entries[0].clone();
        for i in 0..1500 {
            let mut e = template.clone();
            e.variant.sku = format!("GEN-{i:05}");
            e.product_slug = format!("gen-{}", i / 7);
            if (i / 7) % 3 == 0 {
                e.image = Some(format!("gen-{}.jpg", i / 7));
            }
            if i % 7 == 3 {
                e.variant.compare_at = Some(Money::new(2000, Currency::EUR));
                e.variant.stock_policy = StockPolicy::Continue;
            }
            s.entries.push(e);
        }
        s.entries.sort_by(|a, b| a.variant.sku.cmp(&b.variant.sku));
        let shards = s.shards();
        assert_eq!(shards.len(), s.entries.len().div_ceil(crate::snapshot::SKUS_PER_SHARD));
        let mut seen = Vec::new();
        for (i, bytes) in shards.iter().enumerate() {
            let entries = CatalogSnapshot::parse_shard(bytes, Currency::EUR).unwrap();
            assert!(!entries.is_empty(), "shard {i} is empty");
            for e in &entries {
                assert_eq!(crate::snapshot::shard_of(&e.variant.sku, shards.len() as u32) as usize, i);
            }
            seen.extend(entries);
        }
        let manifest = s.manifest(shards.len() as u32, 0, 0);
        assert_eq!(CatalogSnapshot::partial(&manifest, seen), s);
        assert!(CatalogSnapshot::parse_shard(b"{not json", Currency::EUR).is_err());
    }

    #[test]
    fn rejects_bad_lines() {
        let s = snapshot();
        assert_eq!(price_cart(&[CartLine { sku: "Z".into(), quantity: 1 }], &s), Err(CartError::UnknownSku("Z".into())));
        assert_eq!(price_cart(&[CartLine { sku: "C-3".into(), quantity: 1 }], &s), Err(CartError::Unavailable("C-3".into())));
        assert!(matches!(price_cart(&[CartLine { sku: "A-1".into(), quantity: 0 }], &s), Err(CartError::BadQuantity { .. })));
        assert!(matches!(price_cart(&[CartLine { sku: "A-1".into(), quantity: 100 }], &s), Err(CartError::BadQuantity { .. })));
    }
}
