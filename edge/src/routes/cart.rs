//! `/api/cart`: the shopper's cart. The id travels in an HttpOnly cookie (or `X-Cart-Id` for API
//! clients); every price comes from the worker's catalog snapshot, never from the request.

use crate::error::ApiError;
use crate::http::{body_text, cart_id, check_cookie_origin, json, money_view, parse_json, set_cart_cookie, Reply};
use crate::services::carts::{self, cart_error, PriceChange, StoredCart};
use crate::services::random_id;
use edgeshop_api::{AddLine, Cart, CartLine, UpdateLine};
use edgeshop_domain::{CartError, PricedCart};
use worker::{Env, Request};

fn view(id: Option<&str>, stored: &StoredCart, cart: PricedCart, changes: Vec<PriceChange>) -> Cart {
    let lines = stored
        .lines
        .iter()
        .zip(cart.lines)
        .map(|(s, p)| CartLine {
            id: s.id.clone(),
            url: edgeshop_domain::paths::product(&p.product_slug),
            sku: p.sku,
            product_slug: p.product_slug,
            title: p.title,
            variant_title: p.variant_title,
            quantity: p.quantity,
            unit_price: money_view(p.unit_price),
            line_total: money_view(p.line_total),
        })
        .collect();
    Cart {
        id: id.map(str::to_string),
        catalog_version: cart.catalog_version,
        item_count: stored.item_count(),
        lines,
        subtotal: money_view(cart.subtotal),
        price_changes: changes,
    }
}

/// Prices, saves when something changed, and renders the cart.
async fn respond(req: &Request, env: &Env, id: &str, mut stored: StoredCart, status: u16, save: bool) -> Reply {
    let before = serde_json::to_string(&stored).unwrap_or_default();
    let priced = carts::price(env, &mut stored).await?;
    if save || serde_json::to_string(&stored).unwrap_or_default() != before {
        carts::save(env, id, &stored).await?;
    }
    let mut resp = json(&view(Some(id), &stored, priced.cart, priced.changes), status, "no-store")?;
    set_cart_cookie(req, &mut resp, id)?;
    Ok(resp)
}

/// An id the worker did not mint (or a cart that expired or was checked out) is neither adopted
/// nor written: the shopper sees an empty cart without an id.
pub async fn get(req: &Request, env: &Env) -> Reply {
    let known = match cart_id(req) {
        Some(id) => carts::load(env, &id).await?.map(|stored| (id, stored)),
        None => None,
    };
    let Some((id, stored)) = known else {
        let empty = StoredCart::default();
        let priced = carts::price(env, &mut empty.clone()).await?;
        return json(&view(None, &empty, priced.cart, vec![]), 200, "no-store");
    };
    respond(req, env, &id, stored, 200, false).await
}

pub async fn add_line(req: &mut Request, env: &Env) -> Reply {
    check_cookie_origin(req)?;
    let add: AddLine = parse_json(&body_text(req).await?)?;
    carts::check_line(env, &add.sku, add.quantity).await?;
    // Only carts the worker made are continued; any other id starts a new cart with a new id.
    let existing = match cart_id(req) {
        Some(id) => carts::load(env, &id).await?.map(|stored| (id, stored)),
        None => None,
    };
    let (id, mut stored) = existing.unwrap_or_else(|| (random_id(16), StoredCart::default()));
    stored.add(&add.sku, add.quantity, || random_id(6)).map_err(cart_error)?;
    respond(req, env, &id, stored, 201, true).await
}

/// The shopper's cart, which must exist for a line to be changed.
async fn existing(req: &Request, env: &Env, line_id: &str) -> Result<(String, StoredCart), ApiError> {
    let missing = || cart_error(CartError::NoLine(line_id.to_string()));
    let id = cart_id(req).ok_or_else(missing)?;
    let stored = carts::load(env, &id).await?.ok_or_else(missing)?;
    Ok((id, stored))
}

pub async fn update_line(req: &mut Request, env: &Env, line_id: &str) -> Reply {
    check_cookie_origin(req)?;
    let update: UpdateLine = parse_json(&body_text(req).await?)?;
    let (id, mut stored) = existing(req, env, line_id).await?;
    if update.quantity > 0 {
        let sku = stored.line(line_id).map_err(cart_error)?.sku.clone();
        carts::check_line(env, &sku, update.quantity).await?;
    }
    stored.set_quantity(line_id, update.quantity).map_err(cart_error)?;
    respond(req, env, &id, stored, 200, true).await
}

pub async fn delete_line(req: &Request, env: &Env, line_id: &str) -> Reply {
    check_cookie_origin(req)?;
    let (id, mut stored) = existing(req, env, line_id).await?;
    stored.remove(line_id).map_err(cart_error)?;
    respond(req, env, &id, stored, 200, true).await
}
