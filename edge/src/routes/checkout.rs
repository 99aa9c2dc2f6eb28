//! `POST /api/checkout`: cart → order, exactly once per Idempotency-Key.

use crate::error::ApiError;
use crate::http::{body_text, header, parse_json, Reply};
use crate::routes::cart::{cart_id, money_view, MoneyView};
use crate::services::events::{self, EventKind, OrderEvent};
use crate::services::idempotency::{self, Begin, StoredResponse};
use crate::services::payments::{webhook_secret, PaymentProvider, TestProvider};
use crate::services::stock::{ReserveLine, ReserveOutcome, ReserveRequest, Stock};
use crate::services::{carts, now_rfc3339, orders, random_id, sequence};
use edgeshop_domain::{checkout_totals, validate_address, Address, Contact, Order, OrderStatus, PaymentMethod, StatusChange};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use worker::{Env, Request, Response};

/// Unpaid online orders hold their stock this long.
const ONLINE_RESERVATION_SECONDS: u64 = 30 * 60;

#[derive(Deserialize)]
struct CheckoutRequest {
    address: Address,
    contact: Contact,
    payment_method: PaymentMethod,
}

#[derive(Serialize)]
struct CheckoutResponse {
    order_number: u64,
    token: String,
    status: OrderStatus,
    subtotal: MoneyView,
    shipping: MoneyView,
    tax: MoneyView,
    total: MoneyView,
    payment_method: PaymentMethod,
    /// Where to send the shopper: the hosted payment page, or the order page.
    next_url: String,
    order_url: String,
}

pub async fn checkout(req: &mut Request, env: &Env) -> Reply {
    let key = header(req, "idempotency-key")
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| ApiError::bad_request("idempotency-key-required", "Idempotency-Key required", "send a unique Idempotency-Key header (1-255 visible ASCII characters) with every checkout"))?;
    let body = body_text(req).await?;
    let cart = cart_id(req);
    let fingerprint = {
        let mut h = Sha256::new();
        h.update(cart.as_deref().unwrap_or("").as_bytes());
        h.update([0]);
        h.update(body.as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    match idempotency::begin(env, &key, &fingerprint).await? {
        Begin::Started => {}
        Begin::Replay { response } => {
            let mut resp = Response::ok(response.body)?.with_status(response.status);
            resp.headers_mut().set("content-type", &response.content_type)?;
            resp.headers_mut().set("idempotent-replayed", "true")?;
            return Ok(resp);
        }
        Begin::InProgress => {
            return Err(ApiError::conflict("request-in-progress", "Request in progress", "a checkout with this Idempotency-Key is still running; retry shortly"))
        }
        Begin::Mismatch => {
            return Err(ApiError::unprocessable("idempotency-key-reused", "Idempotency-Key reused", "this Idempotency-Key was used with a different request"))
        }
    }
    let outcome = place_order(env, cart.as_deref(), &body).await;
    // Remember the outcome for replays; server errors are forgotten so the client can retry.
    let (status, content_type, text) = match &outcome {
        Ok((status, text)) => (*status, "application/json", text.clone()),
        Err(e) => (e.status, "application/problem+json", e.body("/api/checkout")),
    };
    let keep = status < 500;
    idempotency::finish(env, &key, keep.then(|| StoredResponse { status, content_type: content_type.into(), body: text.clone() })).await?;
    match outcome {
        Ok((status, text)) => {
            let mut resp = Response::ok(text)?.with_status(status);
            resp.headers_mut().set("content-type", "application/json")?;
            resp.headers_mut().set("cache-control", "no-store")?;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}

async fn place_order(env: &Env, cart: Option<&str>, body: &str) -> Result<(u16, String), ApiError> {
    let request: CheckoutRequest = parse_json(body)?;
    let shop = crate::catalog::manifest(env).await?.shop.clone();
    let errors = validate_address(&request.address, &request.contact, &shop);
    if !errors.is_empty() {
        return Err(ApiError::unprocessable("invalid-checkout", "Check the highlighted fields", format!("{} field(s) need attention", errors.len()))
            .with("errors", serde_json::to_value(&errors).unwrap_or_default()));
    }
    let empty = || ApiError::unprocessable("empty-cart", "Your cart is empty", "add something to the cart before checking out");
    let cart_id = cart.ok_or_else(empty)?;
    let mut stored = carts::load(env, cart_id).await?.ok_or_else(empty)?;
    let priced = carts::price(env, &mut stored).await?;
    if priced.cart.lines.is_empty() {
        return Err(empty());
    }
    let totals = checkout_totals(priced.cart.subtotal, &shop).map_err(|e| ApiError::internal(e.to_string()))?;

    let number = sequence::next_order_number(env).await?;
    let reservation = number.to_string();
    let ttl_seconds = match request.payment_method {
        PaymentMethod::CashOnDelivery => 3600,
        PaymentMethod::Online => ONLINE_RESERVATION_SECONDS,
    };
    let lines = priced.cart.lines.iter().map(|l| ReserveLine { sku: l.sku.clone(), quantity: l.quantity }).collect();
    let stock = Stock(env);
    match stock.reserve(&ReserveRequest { reservation: reservation.clone(), lines, ttl_seconds }).await? {
        ReserveOutcome::Reserved => {}
        ReserveOutcome::OutOfStock { sku, available, requested } => {
            return Err(ApiError::conflict("out-of-stock", "Out of stock", format!("only {available} of `{sku}` left; you asked for {requested}"))
                .with("sku", sku)
                .with("available", available));
        }
    }

    let now = now_rfc3339();
    let status = match request.payment_method {
        PaymentMethod::CashOnDelivery => OrderStatus::Confirmed,
        PaymentMethod::Online => OrderStatus::AwaitingPayment,
    };
    let order = Order {
        number,
        token: random_id(16),
        catalog_version: priced.cart.catalog_version.clone(),
        lines: priced.cart.lines,
        totals,
        address: request.address,
        contact: request.contact,
        payment: request.payment_method,
        status,
        history: vec![StatusChange { status, at: now.clone(), note: None, tracking: None }],
        applied_events: vec![],
    };
    let order_url = format!("/orders/?number={}&token={}", order.number, order.token);
    let next_url = match request.payment_method {
        PaymentMethod::CashOnDelivery => {
            stock.commit(&reservation).await?;
            order_url.clone()
        }
        PaymentMethod::Online => {
            let provider = TestProvider { env, secret: webhook_secret(env)? };
            provider.create_session(&order, &order_url).await?.redirect_url
        }
    };
    orders::save(env, &order).await?;
    events::publish(env, &OrderEvent { id: format!("placed-{number}"), kind: EventKind::OrderPlaced, order_number: number, at: now, tracking: None }).await?;
    carts::delete(env, cart_id).await?;

    let response = CheckoutResponse {
        order_number: order.number,
        token: order.token.clone(),
        status: order.status,
        subtotal: money_view(order.totals.subtotal),
        shipping: money_view(order.totals.shipping),
        tax: money_view(order.totals.tax),
        total: money_view(order.totals.total),
        payment_method: order.payment,
        next_url,
        order_url,
    };
    Ok((201, serde_json::to_string(&response).map_err(|e| ApiError::internal(e.to_string()))?))
}
