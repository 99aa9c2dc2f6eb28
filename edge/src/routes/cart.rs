//! `/api/cart`: the shopper's cart. The id travels in an HttpOnly cookie (or `X-Cart-Id` for API
//! clients); every price comes from the worker's catalog snapshot, never from the request.

use crate::error::{ApiError, Problem};
use crate::http::{cart_id, client_ip, json, json_text, parse_body, set_cart_cookie, Reply};
use crate::services::rate_limit::{self, Limit};
use crate::services::{carts, discounts};
use edgeshop_api::{AddLine, ApplyDiscount, Cart, UpdateLine};
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
    let add: AddLine = parse_body(&json_text(req).await?)?;
    // Only carts the worker made are continued; any other id starts a new cart with a new id.
    let (id, cart) = carts::add(env, cart_id(req), &add.sku, add.quantity).await?;
    respond(req, &id, &cart, 201)
}

pub async fn update_line(req: &mut Request, env: &Env, line_id: &str) -> Reply {
    let update: UpdateLine = parse_body(&json_text(req).await?)?;
    let (id, cart) = carts::set_line(env, cart_id(req), line_id, update.quantity).await?;
    respond(req, &id, &cart, 200)
}

pub async fn delete_line(req: &Request, env: &Env, line_id: &str) -> Reply {
    let (id, cart) = carts::set_line(env, cart_id(req), line_id, 0).await?;
    respond(req, &id, &cart, 200)
}

/// `POST /api/cart/discount {code}`: the code on the cart (a new cart if there is none).
pub async fn apply_discount(req: &mut Request, env: &Env) -> Reply {
    let apply: ApplyDiscount = parse_body(&json_text(req).await?)?;
    let code = checked_code(req, env, &apply.code).await?;
    let (id, cart) = carts::set_discount(env, cart_id(req), Some(code)).await?;
    respond(req, &id, &cart, 200)
}

/// `DELETE /api/cart/discount`.
pub async fn remove_discount(req: &Request, env: &Env) -> Reply {
    match carts::remove_discount(env, cart_id(req)).await? {
        Some((id, cart)) => respond(req, &id, &cart, 200),
        None => json(&carts::empty_view(env).await?, 200, "no-store"),
    }
}

/// A code a shopper typed, in the form it is kept, before it goes on a cart: one that exists and
/// works today (a code below its minimum goes on, and applies once the cart reaches it). Codes are
/// guessable words, so every try counts against the client (`Limit::DiscountGuess`: ten, then one
/// a minute; a shopper types one or two).
pub async fn checked_code(req: &Request, env: &Env, typed: &str) -> Result<String, ApiError> {
    // Every try spends from the budget before the lookup, in one call to the client's bucket:
    // requests sent together cannot all pass a check made before the spending.
    let budget = rate_limit::take(env, Limit::DiscountGuess, &format!("discount {}", client_ip(req))).await?;
    if !budget.allowed {
        return Err(ApiError::too_many_requests(budget.retry_after));
    }
    let code = edgeshop_domain::normalize_code(typed);
    let found = match &code {
        Some(code) => discounts::find(env, code).await?,
        None => None,
    };
    let Some(found) = found else {
        let detail = match code {
            Some(code) => format!("there is no discount code {code}"),
            None if typed.trim().is_empty() => "type a discount code".to_string(),
            None => "a discount code is letters and digits (and - or _), at most 32".to_string(),
        };
        return Err(ApiError::new(Problem::DiscountCodeUnknown, detail));
    };
    found.usable(&discounts::today()).map_err(|why| discounts::refused(&found.code.code, &why))?;
    Ok(found.code.code)
}
