//! Merchant fulfilment: `POST /api/admin/orders/{number}/fulfilment` moves an order to packed,
//! shipped (with carrier and tracking number) or delivered. Needs `Authorization: Bearer <ADMIN_TOKEN>`.

use crate::error::{ApiError, Problem};
use crate::http::{body_text, header, json, parse_json, require_admin, Reply};
use crate::services::dead_letters;
use crate::services::events::{self, EventKind, OrderEvent};
use crate::services::now_rfc3339;
use crate::services::orders;
use crate::services::stock::Stock;
use edgeshop_domain::Tracking;
use serde::Deserialize;
use worker::{Env, Request};

#[derive(Deserialize)]
struct Fulfilment {
    status: String,
    #[serde(default)]
    carrier: Option<String>,
    #[serde(default)]
    tracking_number: Option<String>,
}

pub async fn fulfil(req: &mut Request, env: &Env, number: u64) -> Reply {
    require_admin(req, env)?;
    let f: Fulfilment = parse_json(&body_text(req).await?)?;
    let kind = match f.status.as_str() {
        "packed" => EventKind::Packed,
        "shipped" => EventKind::Shipped,
        "delivered" => EventKind::Delivered,
        other => return Err(ApiError::new(Problem::BadStatus, format!("`{other}` is not packed, shipped or delivered"))),
    };
    let tracking = match (kind, f.carrier, f.tracking_number) {
        (EventKind::Shipped, Some(carrier), Some(number)) if !carrier.trim().is_empty() && !number.trim().is_empty() => {
            Some(Tracking { carrier, number })
        }
        (EventKind::Shipped, _, _) => return Err(ApiError::new(Problem::TrackingRequired, "a shipped order needs `carrier` and `tracking_number`")),
        _ => None,
    };
    if orders::load(env, number).await?.is_none() {
        return Err(ApiError::new(Problem::OrderNotFound, format!("no order {number}")));
    }
    // One event per order and status: repeating a request changes nothing.
    let id = format!("{}-{number}", f.status);
    let mut event = OrderEvent::new(id, kind, number, now_rfc3339());
    event.tracking = tracking;
    events::publish(env, &event).await?;
    json(&serde_json::json!({ "number": number, "status": format!("{}_requested", f.status) }), 202, "no-store")
}

/// `GET /api/admin/stock/{sku}`: available, reserved and sold units of one SKU.
pub async fn stock_level(req: &Request, env: &Env, sku: &str) -> Reply {
    require_admin(req, env)?;
    let sku = crate::query::decode(sku)?;
    if crate::catalog::skus(env, [sku.as_str()]).await?.get(&sku).is_none() {
        return Err(ApiError::new(Problem::UnknownSku, format!("no product has the SKU `{sku}`")));
    }
    let level = Stock(env).level(&sku).await?;
    json(&serde_json::json!({ "sku": sku, "available": level.available, "reserved": level.reserved, "sold": level.sold }), 200, "no-store")
}

/// `GET /api/admin/orders/{number}`: the order with what the merchant must look at.
pub async fn order(req: &Request, env: &Env, number: u64) -> Reply {
    require_admin(req, env)?;
    let stored = orders::load_stored(env, number).await?.ok_or_else(|| ApiError::new(Problem::OrderNotFound, format!("no order {number}")))?;
    let notifications = orders::notifications(env, number).await?;
    json(
        &serde_json::json!({
            "order": stored.order,
            "version": stored.version,
            "refund_due_minor": stored.refund_due_minor,
            "attention": stored.attention,
            "notifications": notifications,
            "payments": orders::money_moves(env, number).await?,
        }),
        200,
        "no-store",
    )
}

/// `GET /api/admin/dead-letters`: events that failed every retry.
pub async fn dead_letters(req: &Request, env: &Env) -> Reply {
    require_admin(req, env)?;
    json(&serde_json::json!({ "dead_letters": dead_letters::list(env).await? }), 200, "no-store")
}

/// `POST /api/admin/dead-letters/{id}/replay`: sends the event through the order queue again.
pub async fn replay_dead_letter(req: &Request, env: &Env, id: &str) -> Reply {
    require_admin(req, env)?;
    let id = crate::query::decode(id)?;
    match dead_letters::replay(env, &id).await? {
        Some(at) => json(&serde_json::json!({ "message_id": id, "replayed_at": at }), 202, "no-store"),
        None => Err(ApiError::new(Problem::DeadLetterNotFound, format!("no dead letter `{id}`"))),
    }
}

#[derive(Deserialize)]
struct RefundLine {
    sku: String,
    quantity: u32,
}

#[derive(Deserialize)]
struct RefundRequest {
    /// An amount, or the lines being refunded (their prices as charged).
    #[serde(default)]
    amount_minor: Option<i64>,
    #[serde(default)]
    lines: Vec<RefundLine>,
    #[serde(default)]
    reason: String,
}

/// `POST /api/admin/orders/{number}/refunds` (`Idempotency-Key` required): refunds an amount, or
/// lines of the order, through the provider that took the payment. Answers 202; the consumer
/// refuses more than is left to refund.
pub async fn refund(req: &mut Request, env: &Env, number: u64) -> Reply {
    require_admin(req, env)?;
    let key = header(req, "idempotency-key")
        .filter(|k| !k.is_empty() && k.len() <= 100 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .ok_or_else(|| ApiError::new(Problem::IdempotencyKeyRequired, "send an Idempotency-Key (letters, digits, - and _) with every refund"))?;
    let r: RefundRequest = parse_json(&body_text(req).await?)?;
    let order = orders::load(env, number).await?.ok_or_else(|| ApiError::new(Problem::OrderNotFound, format!("no order {number}")))?;
    let amount = match (r.amount_minor, r.lines.is_empty()) {
        (Some(a), true) => a,
        (None, false) => {
            let mut total = 0i64;
            for l in &r.lines {
                let line = order
                    .lines
                    .iter()
                    .find(|o| o.sku == l.sku)
                    .ok_or_else(|| ApiError::new(Problem::BadRefund, format!("the order has no line `{}`", l.sku)))?;
                if l.quantity == 0 || l.quantity > line.quantity {
                    return Err(ApiError::new(Problem::BadRefund, format!("`{}`: refund 1 to {} units", l.sku, line.quantity)));
                }
                total += line.unit_price.minor * i64::from(l.quantity);
            }
            total
        }
        _ => return Err(ApiError::new(Problem::BadRefund, "send either `amount_minor` or `lines`")),
    };
    if amount <= 0 || amount > order.totals.total.minor {
        return Err(ApiError::new(Problem::BadRefund, format!("the amount must be between 1 and the order's total {}", order.totals.total.minor)));
    }
    let mut event = OrderEvent::new(format!("refund-{number}-{key}"), EventKind::RefundRequested, number, now_rfc3339());
    event.amount_minor = Some(amount);
    event.detail = Some(r.reason.chars().take(500).collect());
    events::publish(env, &event).await?;
    json(&serde_json::json!({ "number": number, "amount_minor": amount, "status": "refund_requested" }), 202, "no-store")
}

/// `GET /api/admin/notifications/failed`: messages that could not be sent after every try.
pub async fn failed_notifications(req: &Request, env: &Env) -> Reply {
    require_admin(req, env)?;
    json(&serde_json::json!({ "failed": crate::services::notify::failed(env).await? }), 200, "no-store")
}

#[derive(Deserialize)]
struct StockChange {
    #[serde(default)]
    set: Option<i64>,
    #[serde(default)]
    add: Option<i64>,
    reason: String,
}

/// `POST /api/admin/stock/{sku} {set | add, reason}`: a counted level or a delta, with its reason.
/// A SKU that comes back from sold out sends the back-in-stock alerts (once).
pub async fn adjust_stock(req: &mut Request, env: &Env, sku: &str) -> Reply {
    require_admin(req, env)?;
    let sku = crate::query::decode(sku)?;
    let c: StockChange = parse_json(&body_text(req).await?)?;
    if c.set.is_some() == c.add.is_some() {
        return Err(ApiError::new(Problem::BadAdjustment, "send either `set` or `add`"));
    }
    if c.reason.trim().is_empty() || c.reason.chars().count() > 200 {
        return Err(ApiError::new(Problem::BadAdjustment, "give a reason of 1 to 200 characters"));
    }
    if c.set.is_some_and(|s| !(0..=1_000_000).contains(&s)) || c.add.is_some_and(|a| a.abs() > 1_000_000) {
        return Err(ApiError::new(Problem::BadAdjustment, "levels are 0 to 1,000,000"));
    }
    if crate::catalog::skus(env, [sku.as_str()]).await?.get(&sku).is_none() {
        return Err(ApiError::new(Problem::UnknownSku, format!("no product has the SKU `{sku}`")));
    }
    let done = Stock(env).adjust(&crate::services::stock::Adjust { sku: sku.clone(), set: c.set, add: c.add }).await?;
    let now = now_rfc3339();
    let db = crate::services::db::db(env)?;
    crate::services::db::stmt(
        &db,
        "INSERT INTO stock_adjustments (sku, before_available, after_available, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        crate::services::db::args![&sku, done.before.available, done.after.available, c.reason.trim(), &now],
    )?
    .run()
    .await
    .map_err(|e| ApiError::internal(format!("stock adjustment: {e}")))?;
    if done.before.available <= 0 && done.after.available > 0 {
        let mut e = OrderEvent::new(format!("restock-{}", crate::services::random_id(8)), EventKind::StockRestocked, 0, now);
        e.detail = Some(sku.clone());
        events::publish(env, &e).await?;
    }
    json(&serde_json::json!({ "sku": sku, "before": done.before, "after": done.after }), 200, "no-store")
}

#[derive(Deserialize)]
struct Newsletter {
    subject: String,
    text: String,
}

/// `POST /api/admin/newsletter {subject, text}`: sent to confirmed subscribers only.
pub async fn newsletter(req: &mut Request, env: &Env) -> Reply {
    require_admin(req, env)?;
    let n: Newsletter = parse_json(&body_text(req).await?)?;
    if n.subject.trim().is_empty() || n.subject.len() > 200 || n.text.trim().is_empty() || n.text.contains(|c: char| c.is_control() && c != '\n') {
        return Err(ApiError::new(Problem::BadNewsletter, "a subject (up to 200 characters) and a text are required"));
    }
    let mut e = OrderEvent::new(format!("newsletter-{}", crate::services::random_id(8)), EventKind::NewsletterSend, 0, now_rfc3339());
    e.payment_ref = Some(n.subject.trim().to_string());
    e.detail = Some(n.text);
    events::publish(env, &e).await?;
    json(&serde_json::json!({ "status": "sending" }), 202, "no-store")
}

/// `POST /api/admin/new-products-digest`: announce this catalog's new products to subscribers
/// who asked for them (202 when queued; 200 when there is nothing to send).
pub async fn new_products_digest(req: &Request, env: &Env) -> Reply {
    require_admin(req, env)?;
    let digest = crate::services::subscriptions::queue_digest(env).await?;
    let status = if matches!(digest, crate::services::subscriptions::Digest::Sending { .. }) { 202 } else { 200 };
    json(&digest, status, "no-store")
}

#[derive(Deserialize)]
struct Erase {
    email: String,
}

/// `POST /api/admin/customers/erase {email}`: a customer's right to erasure (see
/// [`crate::services::subscriptions::erase_customer`]).
pub async fn erase_customer(req: &mut Request, env: &Env) -> Reply {
    require_admin(req, env)?;
    let e: Erase = parse_json(&body_text(req).await?)?;
    json(&crate::services::subscriptions::erase_customer(env, &e.email).await?, 200, "no-store")
}
