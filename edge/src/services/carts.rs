//! Carts in KV: one key per cart, expiring after 30 days without a change.

use crate::catalog;
use crate::error::{ApiError, Problem};
use edgeshop_domain::{price_cart, CartError, CartLine, PricedCart, MAX_LINE_QUANTITY};
use serde::{Deserialize, Serialize};
use worker::Env;

pub const CART_TTL_SECONDS: u64 = 30 * 24 * 3600;
pub const MAX_LINES: usize = 50;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StoredLine {
    pub id: String,
    pub sku: String,
    pub quantity: u32,
    /// Unit price when the shopper last saw the cart (to tell them what changed).
    pub seen_unit_minor: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StoredCart {
    pub catalog_version: String,
    pub lines: Vec<StoredLine>,
}

pub use edgeshop_api::PriceChange;

/// A cart priced against the worker's catalog, plus what changed since the shopper last saw it.
pub struct Priced {
    pub cart: PricedCart,
    pub changes: Vec<PriceChange>,
}

fn kv(env: &Env) -> Result<worker::KvStore, ApiError> {
    env.kv("CARTS").map_err(|e| ApiError::internal(format!("CARTS binding: {e}")))
}

fn key(id: &str) -> String {
    format!("cart:{id}")
}

pub fn valid_cart_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

pub async fn load(env: &Env, id: &str) -> Result<Option<StoredCart>, ApiError> {
    kv(env)?.get(&key(id)).json::<StoredCart>().await.map_err(|e| ApiError::internal(format!("cart read: {e}")))
}

pub async fn save(env: &Env, id: &str, cart: &StoredCart) -> Result<(), ApiError> {
    kv(env)?
        .put(&key(id), cart)
        .map_err(|e| ApiError::internal(e.to_string()))?
        .expiration_ttl(CART_TTL_SECONDS)
        .execute()
        .await
        .map_err(|e| ApiError::internal(format!("cart write: {e}")))
}

pub async fn delete(env: &Env, id: &str) -> Result<(), ApiError> {
    kv(env)?.delete(&key(id)).await.map_err(|e| ApiError::internal(format!("cart delete: {e}")))
}

pub fn cart_error(e: CartError) -> ApiError {
    match e {
        CartError::UnknownSku(_) => ApiError::new(Problem::UnknownSkuInRequest, e.to_string()),
        CartError::Unavailable(_) => ApiError::new(Problem::Discontinued, e.to_string()),
        CartError::BadQuantity { .. } => ApiError::new(Problem::BadQuantity, e.to_string()),
        CartError::Money(m) => ApiError::internal(m.to_string()),
    }
}

/// Checks one SKU can be put in a cart at this quantity (the stock ledger has the final word at checkout).
pub async fn check_line(env: &Env, sku: &str, quantity: u32) -> Result<(), ApiError> {
    if !(1..=MAX_LINE_QUANTITY).contains(&quantity) {
        return Err(cart_error(CartError::BadQuantity { sku: sku.into(), quantity }));
    }
    let s = catalog::skus(env, [sku]).await?;
    match s.get(sku) {
        None => Err(cart_error(CartError::UnknownSku(sku.into()))),
        Some(e) if !e.published => Err(cart_error(CartError::Unavailable(sku.into()))),
        Some(e) if !e.variant.available() => Err(ApiError::new(Problem::OutOfStock, format!("`{sku}` is sold out"))),
        Some(_) => Ok(()),
    }
}

/// Prices the stored lines from the snapshot. Lines whose SKU left the catalog are dropped and
/// reported as a change to 0; a cart from an older catalog version is re-priced.
pub async fn price(env: &Env, stored: &mut StoredCart) -> Result<Priced, ApiError> {
    let snapshot = &catalog::skus(env, stored.lines.iter().map(|l| l.sku.as_str())).await?;
    {
        let mut changes = Vec::new();
        stored.lines.retain(|l| {
            let keep = snapshot.get(&l.sku).is_some_and(|e| e.published);
            if !keep {
                changes.push(PriceChange { line_id: l.id.clone(), sku: l.sku.clone(), old_unit_minor: l.seen_unit_minor, new_unit_minor: 0 });
            }
            keep
        });
        let lines: Vec<CartLine> = stored.lines.iter().map(|l| CartLine { sku: l.sku.clone(), quantity: l.quantity }).collect();
        let cart = price_cart(&lines, snapshot).map_err(cart_error)?;
        for (stored_line, priced) in stored.lines.iter_mut().zip(&cart.lines) {
            if stored_line.seen_unit_minor != priced.unit_price.minor {
                if stored.catalog_version != snapshot.version && stored_line.seen_unit_minor != 0 {
                    changes.push(PriceChange {
                        line_id: stored_line.id.clone(),
                        sku: stored_line.sku.clone(),
                        old_unit_minor: stored_line.seen_unit_minor,
                        new_unit_minor: priced.unit_price.minor,
                    });
                }
                stored_line.seen_unit_minor = priced.unit_price.minor;
            }
        }
        stored.catalog_version = snapshot.version.clone();
        Ok(Priced { cart, changes })
    }
}
