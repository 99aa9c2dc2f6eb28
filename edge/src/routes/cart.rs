//! `/api/cart`: the shopper's cart. The id travels in an HttpOnly cookie (or `X-Cart-Id` for API
//! clients); every price comes from the worker's catalog snapshot, never from the request.

use crate::http::{cart_id, check_cookie_origin, json, json_text, parse_json, set_cart_cookie, Reply};
use crate::services::carts;
use edgeshop_api::{AddLine, Cart, UpdateLine};
use worker::{Env, Request};

/// Answers with the cart and its id's cookie.
fn respond(req: &Request, id: &str, cart: &Cart, status: u16) -> Reply {
    let mut resp = json(cart, status, "no-store")?;
    set_cart_cookie(req, &mut resp, id)?;
    Ok(resp)
}

/// An id the worker did not mint (or a cart that expired or was checked out) is neither adopted
/// nor written: the shopper sees an empty cart without an id.
pub async fn get(req: &Request, env: &Env) -> Reply {
    match carts::find(env, cart_id(req)).await? {
        Some(found) => {
            let id = found.id.clone();
            respond(req, &id, &carts::view_of(env, found).await?, 200)
        }
        None => json(&carts::empty_view(env).await?, 200, "no-store"),
    }
}

pub async fn add_line(req: &mut Request, env: &Env) -> Reply {
    check_cookie_origin(req)?;
    let add: AddLine = parse_json(&json_text(req).await?)?;
    // Only carts the worker made are continued; any other id starts a new cart with a new id.
    let (id, cart) = carts::add(env, cart_id(req), &add.sku, add.quantity).await?;
    respond(req, &id, &cart, 201)
}

pub async fn update_line(req: &mut Request, env: &Env, line_id: &str) -> Reply {
    check_cookie_origin(req)?;
    let update: UpdateLine = parse_json(&json_text(req).await?)?;
    let (id, cart) = carts::set_line(env, cart_id(req), line_id, update.quantity).await?;
    respond(req, &id, &cart, 200)
}

pub async fn delete_line(req: &Request, env: &Env, line_id: &str) -> Reply {
    check_cookie_origin(req)?;
    let (id, cart) = carts::set_line(env, cart_id(req), line_id, 0).await?;
    respond(req, &id, &cart, 200)
}
