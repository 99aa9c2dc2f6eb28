//! Order events on the ORDER_EVENTS queue and their idempotent consumer.
//!
//! Delivery is at least once. Every event carries an id; the database records every id handled
//! (unique), side effects (stock commit/release) are idempotent, and the order's change, its
//! history entry, the shopper's message and the event id are written last in one transaction, so a
//! redelivery after a crash at any point ends in the same state with one history entry.

use crate::error::{ApiError, Context, Problem};
use crate::services::payments::{test_provider, Settings};
use crate::services::stock::{ReserveLine, ReserveOutcome, ReserveRequest, Stock};
use crate::services::stripe::{self, Stripe};
use crate::services::{dead_letters, notify, orders, subscriptions};
use edgeshop_domain::{OrderStatus, PaymentMethod, Tracking};
use serde::{Deserialize, Serialize};
use worker::{Env, MessageBatch, MessageExt};

pub use edgeshop_domain::EventKind;

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
    /// Money events: the amount and currency the provider reports (checked against the order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// `stripe` or `test`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The provider's id of the payment (payment intent / session) or refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_ref: Option<String>,
    /// A refund's state (`refund.updated`), or the merchant's reason (`refund.requested`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A later page of a message to a list (see `subscriptions::LIST_PAGE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<ListPage>,
    /// On `order.undelivered`: whether the parcel's units go back on sale (yes when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restock: Option<bool>,
    /// On `order.undelivered` with `restock`: units (by SKU) that stay sold all the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep_out: Vec<(String, u32)>,
}

/// Where a page of a message to a list starts: the first event's id (the messages' batch) and the
/// last address the page before it covered (addresses are taken in order).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ListPage {
    pub batch: String,
    pub after: String,
    pub number: u32,
}

impl OrderEvent {
    /// An event with no money or tracking attached.
    pub fn new(id: String, kind: EventKind, order_number: u64, at: String) -> Self {
        OrderEvent {
            id,
            kind,
            order_number,
            at,
            tracking: None,
            amount_minor: None,
            currency: None,
            provider: None,
            payment_ref: None,
            detail: None,
            page: None,
            restock: None,
            keep_out: Vec::new(),
        }
    }
}

pub async fn publish(env: &Env, event: &OrderEvent) -> Result<(), ApiError> {
    env.queue("ORDER_EVENTS").context("ORDER_EVENTS binding")?.send(event).await.context(format_args!("enqueue {}", event.id))
}

/// Test hook: with `EDGESHOP_FAULTS=consumer-fail-once` every event fails on its first delivery.
/// The markers live in the carts' KV (test configurations only; production never sets the variable).
async fn injected_failure(env: &Env, event_id: &str) -> bool {
    crate::services::fault_once(env, "consumer-fail-once", event_id).await
}

pub const DEAD_LETTER_QUEUE: &str = "edgeshop-order-events-dlq";

pub async fn consume(batch: MessageBatch<OrderEvent>, env: Env) -> worker::Result<()> {
    if batch.queue() == DEAD_LETTER_QUEUE {
        return dead_letters::receive(batch, &env).await;
    }
    let route = format!("queue:{}", batch.queue());
    // One message at a time: a message this version cannot read (sent by another) is retried
    // until the dead-letter queue keeps it for the merchant, without holding up the others.
    for msg in batch.raw_iter() {
        let event: OrderEvent = match serde_wasm_bindgen::from_value(msg.body()) {
            Ok(event) => event,
            Err(e) => {
                worker::console_error!("unreadable order event {}: {e}", msg.id());
                crate::services::ops::record(&route, 500, 0);
                msg.retry();
                continue;
            }
        };
        let started = worker::Date::now().as_millis();
        let count = |ok: bool| crate::services::ops::record(&route, if ok { 200 } else { 500 }, worker::Date::now().as_millis() - started);
        if injected_failure(&env, &event.id).await {
            worker::console_warn!("injected failure for event {}", event.id);
            count(false);
            msg.retry();
            continue;
        }
        let outcome = handle(&env, &event).await;
        count(outcome.is_ok());
        match outcome {
            Ok(()) => msg.ack(),
            Err(e) => {
                // Exponential backoff without a counter: wait about as long as the message has
                // already existed (1 s, 2 s, 4 s, … up to 5 min); after max_retries it goes to the DLQ.
                // A failure that says when to come back (a message another sender holds) is
                // retried then.
                let age_s = (worker::Date::now().as_millis().saturating_sub(msg.timestamp().as_millis()) / 1000) as u32;
                let delay = e.retry_after.map_or(age_s, |s| s as u32).clamp(1, 300);
                worker::console_error!("event {} for order {} failed (retry in {delay} s): {}", event.id, event.order_number, e.detail);
                msg.retry_with_options(&worker::QueueRetryOptionsBuilder::new().with_delay_seconds(delay).build());
            }
        }
    }
    Ok(())
}

/// The message a change sends the shopper, if any: packing is the shop's own step and tells
/// nobody (no row, so no page lists a message that was never sent).
fn notification(kind: EventKind) -> Option<&'static str> {
    Some(match kind {
        EventKind::OrderPlaced => "order_confirmation",
        EventKind::PaymentSucceeded => "payment_received",
        EventKind::PaymentFailed => "payment_failed",
        EventKind::OrderCancelled => "order_cancelled",
        EventKind::Undelivered => "order_undelivered",
        EventKind::ReturnRequested => "return_requested",
        EventKind::ReturnApproved => "return_approved",
        EventKind::ReturnRejected => "return_rejected",
        EventKind::ReturnReceived => "return_received",
        EventKind::Packed => return None,
        EventKind::Shipped => "order_shipped",
        EventKind::Delivered => "order_delivered",
        EventKind::PaymentExpired => "payment_expired",
        EventKind::RefundRequested | EventKind::RefundUpdated => "refund_issued",
        EventKind::StockRestocked
        | EventKind::NewsletterConfirm
        | EventKind::NewsletterSend
        | EventKind::NewProductsDigest
        | EventKind::ShopAlert
        | EventKind::MessagesResent => return None,
    })
}

/// Applies the event, then sends the messages it (or an earlier delivery) left unsent.
async fn handle(env: &Env, event: &OrderEvent) -> Result<(), ApiError> {
    if event.kind.is_shop_message() {
        return subscriptions::handle(env, event).await;
    }
    apply(env, event).await?;
    notify::send_pending(env, event.order_number).await
}

/// Merchant alerts for a change: a new order to send (cash on delivery when placed, an online
/// order once paid: an unpaid one is not to be shipped), a return to decide on, or something that
/// needs the merchant's attention (template and recipient). Each address gets one new-order alert per order.
fn alerts<'a>(env_shop: &edgeshop_domain::Shop, kind: EventKind, payment: PaymentMethod, attention: Option<&str>) -> Vec<(&'a str, String)> {
    let template = match (kind, payment, attention) {
        (_, _, Some(_)) => "merchant_attention",
        (EventKind::OrderPlaced, PaymentMethod::CashOnDelivery, None) | (EventKind::PaymentSucceeded, PaymentMethod::Online, None) => {
            "merchant_new_order"
        }
        (EventKind::ReturnRequested, _, None) => "merchant_return_requested",
        _ => return vec![],
    };
    env_shop.email.merchant.iter().map(|to| (template, to.clone())).collect()
}

/// Applies one event to its order. Errors are retried (the order may not be visible yet, a
/// storage or provider call may fail; provider calls carry idempotency keys); outcomes that can
/// never succeed (a transition the rules do not allow, money for an order that can no longer take
/// it, an amount that does not match) are recorded on the order and acknowledged.
async fn apply(env: &Env, event: &OrderEvent) -> Result<(), ApiError> {
    let (seen, stored) = orders::load_for_event(env, event.order_number, &event.id).await?;
    if seen {
        return Ok(());
    }
    let Some(stored) = stored else {
        return Err(ApiError::internal(format!("order {} not found (yet)", event.order_number)));
    };
    let order = &stored.order;
    let kind = orders::wire_name(event.kind);
    let shop = crate::build_data::manifest(env).await?.shop.clone();
    let base = orders::Change {
        event_id: &event.id,
        kind: &kind,
        at: &event.at,
        transition: None,
        outcome: "unchanged",
        refund_due_minor: 0,
        attention: None,
        notify: None,
        money: vec![],
        alerts: vec![],
    };
    let target = match event.kind {
        EventKind::OrderPlaced => {
            let alerts = alerts(&shop, event.kind, order.payment, None);
            return orders::record(env, &stored, &orders::Change { outcome: "applied", notify: notification(event.kind), alerts, ..base }).await;
        }
        EventKind::RefundRequested => return refund_requested(env, &stored, event, base).await,
        // The return's own state is in `returns`; the order records the event and tells the shopper.
        EventKind::ReturnApproved => {
            return orders::record(env, &stored, &orders::Change { outcome: "applied", notify: notification(event.kind), ..base }).await;
        }
        EventKind::StockRestocked
        | EventKind::NewsletterConfirm
        | EventKind::NewsletterSend
        | EventKind::NewProductsDigest
        | EventKind::ShopAlert
        | EventKind::MessagesResent => return Ok(()),
        EventKind::RefundUpdated => {
            let mut refund = match event.detail.as_deref() {
                // A charge's total refunded: what the shop has not recorded itself was refunded
                // elsewhere (Stripe's dashboard) and is recorded under the charge's id.
                Some("charge") => {
                    let charge_ref = format!("{}:elsewhere", event.payment_ref.as_deref().unwrap_or("charge"));
                    let known: i64 = orders::money_moves(env, order.number)
                        .await?
                        .iter()
                        .filter(|m| m.kind == "refund" && m.status != "failed" && m.id != charge_ref)
                        .map(|m| m.amount_minor)
                        .sum();
                    let elsewhere = event.amount_minor.unwrap_or(0) - known;
                    money(event, order, "refund", "succeeded").filter(|_| elsewhere > 0).map(|mut m| {
                        m.id = charge_ref;
                        m.amount_minor = elsewhere;
                        m
                    })
                }
                status => money(event, order, "refund", status.unwrap_or("succeeded")),
            };
            if let Some(r) = refund.as_mut() {
                if r.status == "canceled" {
                    r.status = "failed".into();
                }
                if r.status == "failed" {
                    // Units that went back to stock are to be packed after all, while the order
                    // has not left: taken again (once: a redelivery finds them taken).
                    let released = orders::released_units_of_refund(env, &r.id).await?;
                    if order.status.awaits_shipping() && !released.is_empty() {
                        Stock(env).part(&order.number.to_string(), &r.id, &released, false).await?;
                    }
                    orders::drop_failed_refund(env, &r.id).await?;
                }
            }
            return orders::record(env, &stored, &orders::Change { outcome: "applied", money: refund.into_iter().collect(), ..base }).await;
        }
        // Part of the order back: delivered again, the rest still returnable.
        EventKind::ReturnReceived if event.detail.as_deref() == Some(PART_RETURN) => OrderStatus::Delivered,
        status_change => match status_change.target_status() {
            Some(status) => status,
            None => return Ok(()),
        },
    };
    // Money must match the order exactly, whatever the provider says.
    if let (EventKind::PaymentSucceeded, Some(amount)) = (event.kind, event.amount_minor) {
        let currency = event.currency.as_deref().unwrap_or("").to_ascii_uppercase();
        let total = order.totals.total;
        if amount != total.minor || currency != total.currency.code() {
            let note = format!("payment {} refused: {amount} {currency} paid, the order is {} {}", event.id, total.minor, total.currency.code());
            let outcome = format!("refused: {note}");
            let alerts = alerts(&shop, event.kind, order.payment, Some(&note));
            return orders::record(env, &stored, &orders::Change { outcome: &outcome, attention: Some(&note), alerts, ..base }).await;
        }
    }
    // A return request applied after staff already decided that return (events may arrive out
    // of order): the order stays where the decision left it.
    if event.kind == EventKind::ReturnRequested {
        if let Some(id) = event.detail.as_deref().and_then(|d| d.parse::<i64>().ok()) {
            let decided = orders::returns(env, order.number)
                .await?
                .into_iter()
                .find(|r| r.id == id)
                .filter(|r| r.status == "rejected" || r.status == "received");
            if let Some(r) = decided {
                let outcome = format!("ignored: return {id} is {} already", r.status);
                return orders::record(env, &stored, &orders::Change { outcome: &outcome, ..base }).await;
            }
        }
    }
    // An older payment session of an order paid through a newer one expires too: nothing to do.
    if event.kind == EventKind::PaymentExpired && !order.awaits_payment() {
        return orders::record(env, &stored, &orders::Change { outcome: "ignored: the order no longer waits for a payment", ..base }).await;
    }
    // Nor while the shopper pays through a newer session ("Pay now" again): that one's expiry ends it.
    if let (EventKind::PaymentExpired, Some(session), Some(provider)) = (event.kind, event.detail.as_deref(), event.provider.as_deref()) {
        let sessions = crate::services::payments::sessions_of(env, order.number, provider).await?;
        if sessions.iter().any(|s| s == session) && sessions.last().is_some_and(|newest| newest != session) {
            return orders::record(env, &stored, &orders::Change { outcome: "ignored: a newer payment session is open", ..base }).await;
        }
    }
    // A payment the order already has (another notice of it) changes nothing; any other payment
    // for an order that is no longer waiting for one is refunded (paid twice, through two sessions).
    // An order whose customer was erased while it was being cancelled for that is not sent (its
    // address is gone; the cancellation, queued after this, follows), however the two crossed.
    if target == OrderStatus::Shipped && subscriptions::is_erased(&order.contact.email) {
        let note = format!("event {} refused: the customer was erased and the order is being cancelled, so it is not shipped", event.id);
        let alerts = alerts(&shop, event.kind, order.payment, Some(&note));
        return orders::record(env, &stored, &orders::Change { outcome: "refused: the customer was erased", attention: Some(&note), alerts, ..base })
            .await;
    }
    let paid_again = event.kind == EventKind::PaymentSucceeded && !order.awaits_payment();
    if paid_again {
        let known = orders::money_moves(env, order.number).await?;
        if known.iter().any(|m| m.kind == "payment" && m.status == "succeeded" && Some(&m.id) == event.payment_ref.as_ref()) {
            return orders::record(env, &stored, &base).await;
        }
    }
    // The transition is checked on a copy before any side effect.
    let mut next = order.clone();
    let applied = if paid_again {
        Err(edgeshop_domain::TransitionError::NotAllowed { from: order.status, to: target })
    } else if event.kind == EventKind::Undelivered {
        let why = event.detail.as_deref().map(str::trim).filter(|d| !d.is_empty());
        next.come_back_undelivered(&event.id, &event.at, Some(why.map_or_else(|| UNDELIVERED.to_string(), |w| format!("{UNDELIVERED}: {w}"))))
    } else {
        next.apply(&event.id, target, &event.at, None)
    };
    match applied {
        Ok(false) => orders::record(env, &stored, &base).await,
        Err(refused) => {
            let outcome = format!("refused: {refused}");
            if event.kind == EventKind::PaymentSucceeded {
                // Money for an order that can no longer take it goes straight back.
                let note = format!("payment {} received for an order that is {}: refunded automatically", event.id, orders::wire_name(order.status));
                let mut moves: Vec<_> = money(event, order, "payment", "succeeded").into_iter().collect();
                let (refund, due) =
                    refund_payment(env, order, moves.first(), order.totals.total.minor, &format!("edgeshop-refund-{}", event.id)).await?;
                moves.extend(refund);
                let mut alerts = alerts(&shop, event.kind, order.payment, Some(&note));
                if moves.iter().any(|m| m.kind == "refund") {
                    alerts.push(("refund_issued", order.contact.email.clone()));
                }
                return orders::record(
                    env,
                    &stored,
                    &orders::Change { outcome: &outcome, attention: Some(&note), refund_due_minor: due, money: moves, alerts, ..base },
                )
                .await;
            }
            let note = format!("event {} refused: {refused}", event.id);
            worker::console_warn!("order {}: {note}", order.number);
            let alerts = alerts(&shop, event.kind, order.payment, Some(&note));
            orders::record(env, &stored, &orders::Change { outcome: &outcome, attention: Some(&note), alerts, ..base }).await
        }
        Ok(true) => {
            let stock = Stock(env);
            let reservation = order.number.to_string();
            let mut entry = next.history.last().cloned().ok_or_else(|| ApiError::internal("a change without a history entry"))?;
            entry.tracking = event.tracking.clone();
            let mut attention = None;
            let mut due = 0;
            let mut moves = Vec::new();
            match event.kind {
                EventKind::PaymentSucceeded => {
                    moves.extend(money(event, order, "payment", "succeeded"));
                    if !stock.commit(&reservation).await? {
                        // The reservation ran out before the money arrived: take the stock again.
                        let lines = order.lines.iter().map(|l| ReserveLine { sku: l.sku.clone(), quantity: l.quantity }).collect();
                        let req = ReserveRequest { reservation: reservation.clone(), lines, ttl_seconds: 3600 };
                        match stock.reserve(&req).await? {
                            ReserveOutcome::Reserved => {
                                stock.commit(&reservation).await?;
                            }
                            ReserveOutcome::OutOfStock { sku, .. } => {
                                let key = format!("edgeshop-refund-{}", event.id);
                                let (refund, owed) = refund_payment(env, order, moves.first(), order.totals.total.minor, &key).await?;
                                moves.extend(refund);
                                due = owed;
                                entry.note = Some(format!("paid after the reservation expired and `{sku}` sold out: refunded"));
                                attention = entry.note.clone();
                            }
                        }
                    }
                }
                EventKind::ReturnRejected => {
                    // Always a note, so the shopper's message finds this decision's reason (or
                    // none), never an older note.
                    let reason = event.detail.as_deref().map(str::trim).filter(|d| !d.is_empty());
                    entry.note = Some(reason.map_or_else(|| notify::RETURN_REJECTED.to_string(), |d| format!("{}: {d}", notify::RETURN_REJECTED)));
                }
                EventKind::ReturnReceived => {
                    // The returned lines' value goes back the way it was paid; cash on delivery
                    // (no provider payment) is refunded by hand and flagged.
                    let amount = event.amount_minor.unwrap_or(0);
                    let (payment, left) = refundable(env, order.number).await?;
                    let owed = if payment.is_some() { amount.min(left) } else { amount };
                    if owed > 0 {
                        let (refund, left) = refund_payment(env, order, payment.as_ref(), owed, &format!("edgeshop-refund-{}", event.id)).await?;
                        moves.extend(refund);
                        due = left;
                        if left > 0 {
                            let left = edgeshop_domain::Money::new(left, order.totals.total.currency).format(&shop.locale);
                            attention = Some(format!("return received: refund {left} by hand (no online payment to refund)"));
                        }
                    }
                    // What came back, in the history: a part return leaves the order delivered
                    // again, which alone would read as a second delivery.
                    let id = event.id.rsplit('-').next().and_then(|i| i.parse::<i64>().ok());
                    let returns = orders::returns(env, order.number).await?;
                    let units = returns.iter().find(|r| Some(r.id) == id).map(|r| r.lines.iter().map(|l| l.quantity).fold(0u32, u32::saturating_add));
                    let what = if event.detail.as_deref() == Some(PART_RETURN) { "Part of the order came back" } else { "Everything came back" };
                    let money = |minor: i64| edgeshop_domain::Money::new(minor, order.totals.total.currency).format(&shop.locale);
                    let paid = match (owed - due, due) {
                        (_, d) if d > 0 => format!(", {} to refund", money(d)),
                        (r, _) if r > 0 => format!(", {} refunded", money(r)),
                        _ => String::new(),
                    };
                    entry.note = Some(match units {
                        Some(n) => format!("{what}: {n} item{}{paid}", if n == 1 { "" } else { "s" }),
                        None => format!("{what}{paid}"),
                    });
                }
                EventKind::OrderCancelled | EventKind::PaymentExpired | EventKind::Undelivered => {
                    // A parcel back undelivered goes on sale again unless staff said it cannot
                    // (damaged): its units stay sold.
                    if event.kind == EventKind::Undelivered && !event.keep_out.is_empty() {
                        if event.restock != Some(false) {
                            // What shipped (less units refunded and given back before), less what stays out.
                            let mut out = orders::never_sent_units(env, order.number).await?;
                            out.extend(event.keep_out.iter().cloned());
                            let back = order.returnable(&out);
                            stock.part(&reservation, &event.id, &back, true).await?;
                        }
                    } else if event.kind != EventKind::Undelivered || event.restock != Some(false) {
                        stock.release(&reservation).await?;
                    }
                    if event.kind == EventKind::PaymentExpired {
                        entry.note = Some("the payment session expired".into());
                    }
                    // The reason staff gave, for the history and the shopper's message.
                    let reason = event.detail.as_deref().map(str::trim).filter(|d| !d.is_empty());
                    if let Some(reason) = reason.filter(|_| event.kind == EventKind::OrderCancelled && event.id.starts_with("cancel-")) {
                        entry.note = Some(format!("{CANCELLED_BY_SHOP}: {reason}"));
                    }
                    let (payment, owed) = refundable(env, order.number).await?;
                    if order.payment == PaymentMethod::Online && owed == 0 {
                        expire_sessions(env, order.number).await;
                    }
                    if owed > 0 {
                        let (refund, left) = refund_payment(env, order, payment.as_ref(), owed, &format!("edgeshop-refund-{}", event.id)).await?;
                        moves.extend(refund);
                        due = left;
                        // A refund the provider made needs nobody; one to make by hand does.
                        if left > 0 {
                            let left = edgeshop_domain::Money::new(left, order.totals.total.currency).format(&shop.locale);
                            attention = Some(format!("cancelled after payment: refund {left} by hand (no provider reference)"));
                        }
                    }
                }
                _ => {}
            }
            let mut alerts = alerts(&shop, event.kind, order.payment, attention.as_deref());
            if moves.iter().any(|m| m.kind == "refund") {
                // The shopper hears about the money as well as the change.
                alerts.push(("refund_issued", order.contact.email.clone()));
            }
            let change = orders::Change {
                transition: Some(&entry),
                outcome: "applied",
                refund_due_minor: due,
                attention: attention.as_deref(),
                notify: notification(event.kind),
                money: moves,
                alerts,
                ..base
            };
            orders::record(env, &stored, &change).await
        }
    }
}

/// The payment or refund an event reports, if it names one.
fn money(event: &OrderEvent, order: &edgeshop_domain::Order, kind: &str, status: &str) -> Option<orders::MoneyMove> {
    Some(orders::MoneyMove {
        id: event.payment_ref.clone()?,
        kind: kind.into(),
        provider: event.provider.clone().unwrap_or_else(|| "test".into()),
        amount_minor: event.amount_minor.unwrap_or(order.totals.total.minor),
        currency: event.currency.clone().map(|c| c.to_ascii_uppercase()).unwrap_or_else(|| order.totals.total.currency.code().to_string()),
        status: status.into(),
        created_at: event.at.clone(),
        reason: None,
    })
}

/// The order's open payment pages stop taking money: a shopper who cancelled is not charged
/// (and refunded, less the provider's fee) by paying an old tab afterwards. Best effort: Stripe
/// refuses sessions already complete or expired, and the automatic refund still covers a payment
/// that slips through.
async fn expire_sessions(env: &Env, number: u64) {
    let Ok(Some(stripe)) = Stripe::from_env(env, &Settings::from_env(env)) else { return };
    for id in crate::services::payments::sessions_of(env, number, "stripe").await.unwrap_or_default() {
        if let Err(e) = stripe.expire_session(&id).await {
            worker::console_warn!("order {number}: session {id} not expired: {}", e.detail);
        }
    }
}

/// Refunds `amount` of `payment` through its provider. Returns the refund to record and what is
/// still owed (everything, when there is no payment reference to refund against).
async fn refund_payment(
    env: &Env,
    order: &edgeshop_domain::Order,
    payment: Option<&orders::MoneyMove>,
    amount: i64,
    key: &str,
) -> Result<(Option<orders::MoneyMove>, i64), ApiError> {
    let Some(payment) = payment else { return Ok((None, amount)) };
    let out = match payment.provider.as_str() {
        "stripe" => {
            let stripe = Stripe::from_env(env, &Settings::from_env(env))?.ok_or_else(|| stripe::unavailable("STRIPE_SECRET_KEY", "is not set"))?;
            stripe.refund(&payment.id, amount, key).await?
        }
        _ => {
            let provider = test_provider(env)?.ok_or_else(|| ApiError::new(Problem::RefundsUnavailable, "the test provider is off"))?;
            provider.refund(amount, key)
        }
    };
    let status = if out.status == "failed" || out.status == "canceled" { "failed" } else { out.status.as_str() };
    let refund = orders::MoneyMove {
        id: out.id,
        kind: "refund".into(),
        provider: payment.provider.clone(),
        amount_minor: out.amount,
        currency: order.totals.total.currency.code().to_string(),
        status: status.into(),
        created_at: String::new(),
        reason: None,
    };
    Ok((Some(refund), 0))
}

/// `order.return_received`'s `detail`: every unit of the order is back, or some are.
/// The note of an order staff cancelled, before the reason they gave.
pub const CANCELLED_BY_SHOP: &str = "Cancelled by the shop";

/// The note of an order whose parcel came back undelivered (then `: why`, when staff said).
pub const UNDELIVERED: &str = "Returned to us undelivered";

pub const WHOLE_RETURN: &str = "whole";
pub const PART_RETURN: &str = "part";

/// The order's first succeeded payment (if any: refunds go against it) and how much of what was
/// paid is not refunded yet (0 without a payment). Every payment and every refund counts: an
/// order paid twice had the second payment refunded, and the first is still the shopper's to get
/// back.
pub async fn refundable(env: &Env, number: u64) -> Result<(Option<orders::MoneyMove>, i64), ApiError> {
    let moves = orders::money_moves(env, number).await?;
    let payment = moves.iter().find(|m| m.kind == "payment" && m.status == "succeeded").cloned();
    let (paid, refunded) = orders::paid_and_refunded(&moves);
    let left = if payment.is_some() { (paid - refunded).max(0) } else { 0 };
    Ok((payment, left))
}

/// A merchant's refund (full, or part of a return): refused when nothing was paid or the amount
/// is more than is left to refund.
async fn refund_requested(env: &Env, stored: &orders::Stored, event: &OrderEvent, base: orders::Change<'_>) -> Result<(), ApiError> {
    refund_requested_once(env, stored, event, base).await?;
    // Made or refused: it no longer holds part of what is left for the next one asked for.
    orders::settle_refund_request(env, &event.id).await
}

async fn refund_requested_once(env: &Env, stored: &orders::Stored, event: &OrderEvent, base: orders::Change<'_>) -> Result<(), ApiError> {
    let order = &stored.order;
    let (payment, left) = refundable(env, order.number).await?;
    let amount = event.amount_minor.unwrap_or(0);
    if amount <= 0 || amount > left {
        let money = |minor: i64| crate::http::money_view(edgeshop_domain::Money::new(minor, order.totals.total.currency)).formatted;
        let note = format!("refund of {} refused: {} is left to refund", money(amount), money(left));
        let outcome = format!("refused: {note}");
        orders::drop_line_refund(env, &event.id).await?;
        return orders::record(env, stored, &orders::Change { outcome: &outcome, attention: Some(&note), ..base }).await;
    }
    let (mut refund, due) = refund_payment(env, order, payment.as_ref(), amount, &format!("edgeshop-refund-{}", event.id)).await?;
    // Why, as staff gave it: with the refund, for its message and the order's pages.
    if let Some(r) = refund.as_mut() {
        r.reason = event.detail.clone().filter(|d| !d.trim().is_empty());
    }
    // A refund the provider failed gives its lines back: they may be refunded again; one it made
    // keeps them under its id, until it fails later, if it does.
    match refund.as_ref() {
        Some(r) if r.status == "failed" => orders::drop_line_refund(env, &event.id).await?,
        Some(r) => {
            orders::name_line_refund(env, &event.id, &r.id).await?;
            // Refunded before the parcel left: those units are not packed, so back on sale.
            if order.status.awaits_shipping() {
                let lines = orders::line_refund_units(env, &event.id).await?;
                if !lines.is_empty() && Stock(env).part(&order.number.to_string(), &event.id, &lines, true).await? {
                    orders::mark_line_refund_released(env, &event.id).await?;
                }
            }
        }
        None => {}
    }
    let change =
        orders::Change { outcome: "applied", refund_due_minor: due, notify: notification(event.kind), money: refund.into_iter().collect(), ..base };
    orders::record(env, stored, &change).await
}
