//! Order events on the ORDER_EVENTS queue and their idempotent consumer.
//!
//! Delivery is at least once. Every event carries an id; the order remembers which ids it applied,
//! side effects (stock commit/release, outbox entries keyed by event id) are idempotent, and the
//! order is saved last, so a redelivery after a crash at any point ends in the same state.

use crate::error::ApiError;
use crate::services::orders::{self, Notification};
use crate::services::stock::{ReserveLine, ReserveOutcome, ReserveRequest, Stock};
use crate::services::now_rfc3339;
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
async fn injected_failure(env: &Env, event_id: &str) -> bool {
    let enabled = env.var("EDGESHOP_FAULTS").map(|v| v.to_string()).unwrap_or_default();
    if !enabled.split(',').any(|f| f.trim() == "consumer-fail-once") {
        return false;
    }
    let Ok(kv) = env.kv("ORDERS") else { return false };
    let key = format!("fault:{event_id}");
    if kv.get(&key).text().await.ok().flatten().is_some() {
        return false;
    }
    match kv.put(&key, "1") {
        Ok(p) => p.execute().await.is_ok(),
        Err(_) => false,
    }
}

pub async fn consume(batch: MessageBatch<OrderEvent>, env: Env) -> worker::Result<()> {
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

async fn handle(env: &Env, event: &OrderEvent) -> Result<(), ApiError> {
    let Some(mut order) = orders::load(env, event.order_number).await? else {
        return Err(ApiError::internal(format!("order {} not found (yet)", event.order_number)));
    };
    if order.applied_events.iter().any(|e| e == &event.id) {
        return Ok(());
    }
    let stock = Stock(env);
    let reservation = order.number.to_string();
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
    // Check the transition on a copy before any side effect.
    let mut next = order.clone();
    let changed = match target {
        Some(to) => next.apply(&event.id, to, &event.at, None).map_err(|e| ApiError::conflict("bad-transition", "Order state conflict", e.to_string()))?,
        None => {
            next.applied_events.push(event.id.clone());
            true
        }
    };
    if changed {
        if let (Some(t), Some(last)) = (&event.tracking, next.history.last_mut()) {
            last.tracking = Some(t.clone());
        }
        match event.kind {
            EventKind::PaymentSucceeded => {
                let committed = stock.commit(&reservation).await.map_err(|e| ApiError::internal(e.to_string()))?;
                if !committed {
                    // The reservation ran out before the money arrived: take the stock again.
                    let lines = order.lines.iter().map(|l| ReserveLine { sku: l.sku.clone(), quantity: l.quantity }).collect();
                    let req = ReserveRequest { reservation: reservation.clone(), lines, ttl_seconds: 3600 };
                    match stock.reserve(&req).await.map_err(|e| ApiError::internal(e.to_string()))? {
                        ReserveOutcome::Reserved => {
                            stock.commit(&reservation).await.map_err(|e| ApiError::internal(e.to_string()))?;
                        }
                        ReserveOutcome::OutOfStock { sku, .. } => {
                            next.history.last_mut().map(|h| h.note = Some(format!("paid after reservation expired; `{sku}` sold out: refund due")));
                        }
                    }
                }
            }
            EventKind::OrderCancelled => {
                stock.release(&reservation).await.map_err(|e| ApiError::internal(e.to_string()))?;
            }
            EventKind::OrderPlaced | EventKind::PaymentFailed | EventKind::ReturnRequested | EventKind::Packed | EventKind::Shipped | EventKind::Delivered => {}
        }
        orders::put_notification(
            env,
            &Notification {
                event_id: event.id.clone(),
                order_number: order.number,
                template: notification(event.kind).into(),
                to: order.contact.email.clone(),
                created_at: now_rfc3339(),
            },
        )
        .await?;
    }
    order = next;
    orders::save(env, &order).await
}
