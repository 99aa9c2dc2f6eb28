//! Order events on the ORDER_EVENTS queue and their idempotent consumer.
//!
//! Delivery is at least once. Every event carries an id; the database records every id handled
//! (unique), side effects (stock commit/release) are idempotent, and the order's change, its
//! history entry, the shopper's message and the event id are written last in one transaction, so a
//! redelivery after a crash at any point ends in the same state with one history entry.

use crate::error::ApiError;
use crate::services::{dead_letters, orders};
use crate::services::stock::{ReserveLine, ReserveOutcome, ReserveRequest, Stock};
use edgeshop_domain::{OrderStatus, Tracking};
use serde::{Deserialize, Serialize};
use worker::{Env, MessageBatch, MessageExt};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    #[serde(rename = "order.placed")]
    OrderPlaced,
    #[serde(rename = "payment.succeeded")]
    PaymentSucceeded,
    #[serde(rename = "payment.failed")]
    PaymentFailed,
    #[serde(rename = "order.cancelled")]
    OrderCancelled,
    #[serde(rename = "order.return_requested")]
    ReturnRequested,
    #[serde(rename = "order.packed")]
    Packed,
    #[serde(rename = "order.shipped")]
    Shipped,
    #[serde(rename = "order.delivered")]
    Delivered,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub order_number: u64,
    pub at: String,
    /// Carrier and tracking number, on `order.shipped`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<Tracking>,
}

pub async fn publish(env: &Env, event: &OrderEvent) -> Result<(), ApiError> {
    env.queue("ORDER_EVENTS")
        .map_err(|e| ApiError::internal(format!("ORDER_EVENTS binding: {e}")))?
        .send(event)
        .await
        .map_err(|e| ApiError::internal(format!("enqueue {}: {e}", event.id)))
}

/// Test hook: with `EDGESHOP_FAULTS=consumer-fail-once` every event fails on its first delivery.
/// The markers live in the carts' KV (test configurations only; production never sets the variable).
async fn injected_failure(env: &Env, event_id: &str) -> bool {
    let enabled = env.var("EDGESHOP_FAULTS").map(|v| v.to_string()).unwrap_or_default();
    if !enabled.split(',').any(|f| f.trim() == "consumer-fail-once") {
        return false;
    }
    let Ok(kv) = env.kv("CARTS") else { return false };
    let key = format!("fault:{event_id}");
    if kv.get(&key).text().await.ok().flatten().is_some() {
        return false;
    }
    match kv.put(&key, "1") {
        Ok(p) => p.execute().await.is_ok(),
        Err(_) => false,
    }
}

pub const DEAD_LETTER_QUEUE: &str = "edgeshop-order-events-dlq";

pub async fn consume(batch: MessageBatch<OrderEvent>, env: Env) -> worker::Result<()> {
    if batch.queue() == DEAD_LETTER_QUEUE {
        return dead_letters::receive(batch, &env).await;
    }
    for msg in batch.messages()? {
        let event = msg.body().clone();
        if injected_failure(&env, &event.id).await {
            worker::console_warn!("injected failure for event {}", event.id);
            msg.retry();
            continue;
        }
        match handle(&env, &event).await {
            Ok(()) => msg.ack(),
            Err(e) => {
                // Exponential backoff without a counter: wait about as long as the message has
                // already existed (1 s, 2 s, 4 s, … up to 5 min); after max_retries it goes to the DLQ.
                let age_s = (worker::Date::now().as_millis().saturating_sub(msg.timestamp().as_millis()) / 1000) as u32;
                let delay = age_s.clamp(1, 300);
                worker::console_error!("event {} for order {} failed (retry in {delay} s): {}", event.id, event.order_number, e.detail);
                msg.retry_with_options(&worker::QueueRetryOptionsBuilder::new().with_delay_seconds(delay).build());
            }
        }
    }
    Ok(())
}

fn notification(kind: EventKind) -> &'static str {
    match kind {
        EventKind::OrderPlaced => "order_confirmation",
        EventKind::PaymentSucceeded => "payment_received",
        EventKind::PaymentFailed => "payment_failed",
        EventKind::OrderCancelled => "order_cancelled",
        EventKind::ReturnRequested => "return_requested",
        EventKind::Packed => "order_packed",
        EventKind::Shipped => "order_shipped",
        EventKind::Delivered => "order_delivered",
    }
}

fn kind_name(kind: EventKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Applies one event to its order. Errors are retried (the order may not be visible yet, a
/// storage call may fail); outcomes that can never succeed (a transition the rules do not allow,
/// money for an order that can no longer take it) are recorded on the order and acknowledged.
async fn handle(env: &Env, event: &OrderEvent) -> Result<(), ApiError> {
    if orders::event_seen(env, &event.id).await? {
        return Ok(());
    }
    let Some(stored) = orders::load_stored(env, event.order_number).await? else {
        return Err(ApiError::internal(format!("order {} not found (yet)", event.order_number)));
    };
    let order = &stored.order;
    let stock = Stock(env);
    let reservation = order.number.to_string();
    let kind = kind_name(event.kind);
    let target = match event.kind {
        EventKind::OrderPlaced => None,
        EventKind::PaymentSucceeded => Some(OrderStatus::Paid),
        EventKind::PaymentFailed => Some(OrderStatus::PaymentFailed),
        EventKind::OrderCancelled => Some(OrderStatus::Cancelled),
        EventKind::ReturnRequested => Some(OrderStatus::ReturnRequested),
        EventKind::Packed => Some(OrderStatus::Packed),
        EventKind::Shipped => Some(OrderStatus::Shipped),
        EventKind::Delivered => Some(OrderStatus::Delivered),
    };
    let base = orders::Change {
        event_id: &event.id,
        kind: &kind,
        at: &event.at,
        transition: None,
        outcome: "unchanged",
        refund_due_minor: 0,
        attention: None,
        notify: None,
    };
    let Some(to) = target else {
        // order.placed: nothing changes but the shopper's confirmation.
        return orders::record(env, &stored, &orders::Change { outcome: "applied", notify: Some(notification(event.kind)), ..base }).await;
    };
    // The transition is checked on a copy before any side effect.
    let mut next = order.clone();
    match next.apply(&event.id, to, &event.at, None) {
        Ok(false) => orders::record(env, &stored, &base).await,
        Err(refused) => {
            let paid_too_late = event.kind == EventKind::PaymentSucceeded;
            let note = if paid_too_late {
                format!("payment received for an order that is {:?}: refund {} due", order.status, order.totals.total.minor)
            } else {
                format!("event {} refused: {refused}", event.id)
            };
            worker::console_warn!("order {}: {note}", order.number);
            let outcome = format!("refused: {refused}");
            let refund = if paid_too_late { order.totals.total.minor } else { 0 };
            orders::record(env, &stored, &orders::Change { outcome: &outcome, refund_due_minor: refund, attention: Some(&note), ..base }).await
        }
        Ok(true) => {
            let mut entry = next.history.last().cloned().ok_or_else(|| ApiError::internal("a change without a history entry"))?;
            entry.tracking = event.tracking.clone();
            let mut attention = None;
            let mut refund = 0;
            match event.kind {
                EventKind::PaymentSucceeded => {
                    if !stock.commit(&reservation).await? {
                        // The reservation ran out before the money arrived: take the stock again.
                        let lines = order.lines.iter().map(|l| ReserveLine { sku: l.sku.clone(), quantity: l.quantity }).collect();
                        let req = ReserveRequest { reservation: reservation.clone(), lines, ttl_seconds: 3600 };
                        match stock.reserve(&req).await? {
                            ReserveOutcome::Reserved => {
                                stock.commit(&reservation).await?;
                            }
                            ReserveOutcome::OutOfStock { sku, .. } => {
                                entry.note = Some(format!("paid after the reservation expired; `{sku}` sold out: refund due"));
                                attention = entry.note.clone();
                                refund = order.totals.total.minor;
                            }
                        }
                    }
                }
                EventKind::OrderCancelled => {
                    stock.release(&reservation).await?;
                    if order.status == OrderStatus::Paid || order.status == OrderStatus::Packed && order.payment == edgeshop_domain::PaymentMethod::Online {
                        refund = order.totals.total.minor;
                        attention = Some(format!("cancelled after payment: refund {} due", order.totals.total.minor));
                    }
                }
                EventKind::OrderPlaced | EventKind::PaymentFailed | EventKind::ReturnRequested | EventKind::Packed | EventKind::Shipped | EventKind::Delivered => {}
            }
            let change = orders::Change {
                transition: Some(&entry),
                outcome: "applied",
                refund_due_minor: refund,
                attention: attention.as_deref(),
                notify: Some(notification(event.kind)),
                ..base
            };
            orders::record(env, &stored, &change).await
        }
    }
}
