//! `/api/cart`: the shopper's cart. The id travels in an HttpOnly cookie (or `X-Cart-Id` for API
//! clients); every price comes from the worker's catalog snapshot, never from the request.

use crate::error::ApiError;
use crate::http::{body_text, cookie, header, json, parse_json, Reply};
use crate::services::carts::{self, PriceChange, StoredCart, StoredLine, MAX_LINES};
use crate::services::random_id;
use edgeshop_domain::{Money, PricedCart, MAX_LINE_QUANTITY};
use serde::{Deserialize, Serialize};
use worker::{Env, Request};

pub const CART_COOKIE: &str = "edgeshop_cart";

#[derive(Serialize)]
pub struct MoneyView {
    pub minor: i64,
    pub currency: String,
    pub formatted: String,
}

pub fn money_view(m: Money) -> MoneyView {
    let locale = crate::catalog::locale();
    MoneyView { minor: m.minor, currency: m.currency.code().to_string(), formatted: m.format(&locale) }
}

#[derive(Serialize)]
struct LineView {
    id: String,
    sku: String,
    product_slug: String,
    title: String,
    variant_title: String,
    quantity: u32,
    unit_price: MoneyView,
    line_total: MoneyView,
    url: String,
}

#[derive(Serialize)]
struct CartView {
    id: Option<String>,
    catalog_version: String,
    lines: Vec<LineView>,
    item_count: u32,
    subtotal: MoneyView,
    /// Lines whose price changed (or that left the catalog) since the shopper last saw the cart.
    price_changes: Vec<PriceChange>,
}

fn view(id: Option<&str>, stored: &StoredCart, cart: PricedCart, changes: Vec<PriceChange>) -> CartView {
    let lines = stored
        .lines
        .iter()
        .zip(cart.lines)
        .map(|(s, p)| LineView {
            id: s.id.clone(),
            url: format!("/products/{}/", p.product_slug),
            sku: p.sku,
            product_slug: p.product_slug,
            title: p.title,
            variant_title: p.variant_title,
            quantity: p.quantity,
            unit_price: money_view(p.unit_price),
            line_total: money_view(p.line_total),
        })
        .collect();
    CartView {
        id: id.map(str::to_string),
        catalog_version: cart.catalog_version,
        item_count: stored.lines.iter().map(|l| l.quantity).sum(),
        lines,
        subtotal: money_view(cart.subtotal),
        price_changes: changes,
    }
}

/// The cart id from the cookie or header, if it is well formed.
pub fn cart_id(req: &Request) -> Option<String> {
    header(req, "x-cart-id").or_else(|| cookie(req, CART_COOKIE)).filter(|id| carts::valid_cart_id(id))
}

fn set_cookie(resp: &mut worker::Response, id: &str) -> Result<(), ApiError> {
    let max_age = carts::CART_TTL_SECONDS;
    resp.headers_mut().set("set-cookie", &format!("{CART_COOKIE}={id}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax"))?;
    resp.headers_mut().set("x-cart-id", id)?;
    Ok(())
}

/// Prices, saves when something changed, and renders the cart.
async fn respond(env: &Env, id: &str, mut stored: StoredCart, status: u16, save: bool) -> Reply {
    let before = serde_json::to_string(&stored).unwrap_or_default();
    let priced = carts::price(env, &mut stored).await?;
    if save || serde_json::to_string(&stored).unwrap_or_default() != before {
        carts::save(env, id, &stored).await?;
    }
    let mut resp = json(&view(Some(id), &stored, priced.cart, priced.changes), status, "no-store")?;
    set_cookie(&mut resp, id)?;
    Ok(resp)
}

pub async fn get(req: &Request, env: &Env) -> Reply {
    let Some(id) = cart_id(req) else {
        let empty = StoredCart::default();
        let priced = carts::price(env, &mut empty.clone()).await?;
        return json(&view(None, &empty, priced.cart, vec![]), 200, "no-store");
    };
    let stored = carts::load(env, &id).await?.unwrap_or_default();
    respond(env, &id, stored, 200, false).await
}

#[derive(Deserialize)]
struct AddLine {
    sku: String,
    quantity: u32,
}

#[derive(Deserialize)]
struct UpdateLine {
    quantity: u32,
}

pub async fn add_line(req: &mut Request, env: &Env) -> Reply {
    let add: AddLine = parse_json(&body_text(req).await?)?;
    carts::check_line(env, &add.sku, add.quantity).await?;
    let id = cart_id(req).unwrap_or_else(|| random_id(16));
    let mut stored = carts::load(env, &id).await?.unwrap_or_default();
    if let Some(line) = stored.lines.iter_mut().find(|l| l.sku == add.sku) {
        let quantity = line.quantity.saturating_add(add.quantity);
        carts::check_line(env, &add.sku, quantity).await?;
        line.quantity = quantity;
    } else {
        if stored.lines.len() >= MAX_LINES {
            return Err(ApiError::unprocessable("cart-full", "Cart is full", format!("a cart holds at most {MAX_LINES} lines")));
        }
        stored.lines.push(StoredLine { id: random_id(6), sku: add.sku, quantity: add.quantity, seen_unit_minor: 0 });
    }
    respond(env, &id, stored, 201, true).await
}

async fn existing(req: &Request, env: &Env, line_id: &str) -> Result<(String, StoredCart, usize), ApiError> {
    let missing = || ApiError::new(404, "line-not-found", "Cart line not found", format!("the cart has no line `{line_id}`"));
    let id = cart_id(req).ok_or_else(missing)?;
    let stored = carts::load(env, &id).await?.ok_or_else(missing)?;
    let index = stored.lines.iter().position(|l| l.id == line_id).ok_or_else(missing)?;
    Ok((id, stored, index))
}

pub async fn update_line(req: &mut Request, env: &Env, line_id: &str) -> Reply {
    let update: UpdateLine = parse_json(&body_text(req).await?)?;
    let (id, mut stored, index) = existing(req, env, line_id).await?;
    if update.quantity > MAX_LINE_QUANTITY {
        return Err(ApiError::unprocessable("bad-quantity", "Invalid quantity", format!("quantity must be 0..={MAX_LINE_QUANTITY} (0 removes the line)")));
    }
    if update.quantity == 0 {
        stored.lines.remove(index);
    } else {
        carts::check_line(env, &stored.lines[index].sku, update.quantity).await?;
        stored.lines[index].quantity = update.quantity;
    }
    respond(env, &id, stored, 200, true).await
}

pub async fn delete_line(req: &Request, env: &Env, line_id: &str) -> Reply {
    let (id, mut stored, index) = existing(req, env, line_id).await?;
    stored.lines.remove(index);
    respond(env, &id, stored, 200, true).await
}
