//! Carts in KV: one key per cart, expiring after 30 days without a change.

use crate::build_data;
use crate::error::{ApiError, Context, Problem};
use edgeshop_domain::{check_quantity, CartError, PricedCart};

use worker::Env;

pub const CART_TTL_SECONDS: u64 = 30 * 24 * 3600;
/// The cart as kept in KV (the shop's rules for it live in the domain crate).
pub use edgeshop_domain::{PriceChange, SavedCart as StoredCart};

/// A cart priced against the worker's catalog, plus what changed since the shopper last saw it.
pub struct Priced {
    pub cart: PricedCart,
    pub changes: Vec<PriceChange>,
}

fn kv(env: &Env) -> Result<worker::KvStore, ApiError> {
    env.kv("CARTS").context("CARTS binding")
}

fn key(id: &str) -> String {
    format!("cart:{id}")
}

pub fn valid_cart_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

pub async fn load(env: &Env, id: &str) -> Result<Option<StoredCart>, ApiError> {
    kv(env)?.get(&key(id)).json::<StoredCart>().await.context("cart read")
}

pub async fn save(env: &Env, id: &str, cart: &StoredCart) -> Result<(), ApiError> {
    kv(env)?.put(&key(id), cart).context("cart write")?.expiration_ttl(CART_TTL_SECONDS).execute().await.context("cart write")
}

pub async fn delete(env: &Env, id: &str) -> Result<(), ApiError> {
    kv(env)?.delete(&key(id)).await.context("cart delete")
}

pub fn cart_error(e: CartError) -> ApiError {
    match e {
        CartError::UnknownSku(_) => ApiError::new(Problem::UnknownSkuInRequest, e.to_string()),
        CartError::Unavailable(_) => ApiError::new(Problem::Discontinued, e.to_string()),
        CartError::BadQuantity { .. } => ApiError::new(Problem::BadQuantity, e.to_string()),
        CartError::Full => ApiError::new(Problem::CartFull, e.to_string()),
        CartError::NoLine(_) => ApiError::new(Problem::LineNotFound, e.to_string()),
        CartError::Money(m) => ApiError::internal(m.to_string()),
    }
}

/// Checks one SKU can be put in a cart at this quantity (the stock ledger has the final word at checkout).
pub async fn check_line(env: &Env, sku: &str, quantity: u32) -> Result<(), ApiError> {
    check_quantity(sku, quantity).map_err(cart_error)?;
    let s = build_data::skus(env, [sku]).await?;
    match s.get(sku) {
        None => Err(cart_error(CartError::UnknownSku(sku.into()))),
        Some(e) if !e.published => Err(cart_error(CartError::Unavailable(sku.into()))),
        Some(e) if !e.variant.available() => Err(ApiError::new(Problem::OutOfStock, format!("`{sku}` is sold out"))),
        Some(_) => Ok(()),
    }
}

/// Prices the stored lines against the worker's catalog (see `SavedCart::reprice`).
pub async fn price(env: &Env, stored: &mut StoredCart) -> Result<Priced, ApiError> {
    let snapshot = build_data::skus(env, stored.lines.iter().map(|l| l.sku.as_str())).await?;
    let (cart, changes) = stored.reprice(&snapshot).map_err(cart_error)?;
    Ok(Priced { cart, changes })
}
