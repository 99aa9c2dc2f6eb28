//! `/api/cart`: the shopper's cart. The id travels in an HttpOnly cookie (or `X-Cart-Id` for API
//! clients); every price comes from the worker's catalog snapshot, never from the request.

use crate::http::{body_text, cart_id, check_cookie_origin, json, parse_json, set_cart_cookie, Reply};
use crate::services::carts::{self, StoredCart};
use edgeshop_api::{AddLine, UpdateLine};
use worker::{Env, Request};

/// Prices, saves when something changed, and answers with the cart.
async fn respond(req: &Request, env: &Env, id: &str, stored: StoredCart, status: u16, changed: bool) -> Reply {
    let cart = carts::settle(env, id, stored, changed).await?;
    let mut resp = json(&cart, status, "no-store")?;
    set_cart_cookie(req, &mut resp, id)?;
    Ok(resp)
}

/// An id the worker did not mint (or a cart that expired or was checked out) is neither adopted
/// nor written: the shopper sees an empty cart without an id.
pub async fn get(req: &Request, env: &Env) -> Reply {
    match carts::find(env, cart_id(req)).await? {
        Some((id, stored)) => respond(req, env, &id, stored, 200, false).await,
        None => json(&carts::empty_view(env).await?, 200, "no-store"),
    }
}

pub async fn add_line(req: &mut Request, env: &Env) -> Reply {
    check_cookie_origin(req)?;
    let add: AddLine = parse_json(&body_text(req).await?)?;
    // Only carts the worker made are continued; any other id starts a new cart with a new id.
    let (id, stored) = carts::add(env, cart_id(req), &add.sku, add.quantity).await?;
    respond(req, env, &id, stored, 201, true).await
}

pub async fn update_line(req: &mut Request, env: &Env, line_id: &str) -> Reply {
    check_cookie_origin(req)?;
    let update: UpdateLine = parse_json(&body_text(req).await?)?;
    let (id, stored) = carts::set_line(env, cart_id(req), line_id, update.quantity).await?;
    respond(req, env, &id, stored, 200, true).await
}

pub async fn delete_line(req: &Request, env: &Env, line_id: &str) -> Reply {
    check_cookie_origin(req)?;
    let (id, stored) = carts::set_line(env, cart_id(req), line_id, 0).await?;
    respond(req, env, &id, stored, 200, true).await
}
