//! The back office's API (`/api/admin/*`): orders (list, detail, fulfilment, cancellation,
//! refunds, notes, CSV export), stock, customers, discount codes, messages and dead letters. Every route needs a
//! staff session ([`require_staff`]); what reaches every customer or their personal data in bulk
//! (newsletters, digests, erasure, the orders' CSV export, a customer's data export), what
//! changes prices (discount codes) and refunds staff ask for (online or made by hand) need an
//! owner's ([`require_owner`]).
//! Every change is written to the audit log.

use crate::error::{ApiError, Problem};
use crate::http::{header, json, json_text, parse_body, require_owner, require_staff, Reply};
use crate::services::dead_letters;
use crate::services::discounts;
use crate::services::events::{self, EventKind, OrderEvent};
use crate::services::idempotency::{canonical_body, fingerprint, valid_key, Begin, Guard, StoredResponse};
use crate::services::orders;
use crate::services::staff;
use crate::services::stock::Stock;
use crate::services::text_search::fold;
use crate::services::{now_rfc3339, random_id};
use edgeshop_api::admin::{
    Accepted, AdminOrder, CancelRequest, CustomerDetail, CustomerPage, DeadLetters, Digest, EraseRequest, FailedNotifications, Fulfilment, Level,
    NewNote, NewsletterRequest, OrderPage, RefundAccepted, RefundRequest, Replayed, ReturnDecision, StockChange, StockChanged, StockLevel, StockPage,
    StockRow, STOCK_FOUND_AT_ONCE, STOCK_PAGES_SEARCHED,
};
use edgeshop_api::admin::{DiscountChange, DiscountList};
use edgeshop_api::admin::{PackLine, PackedAnswer, PackedRequest, PackingList, PackingSlip, Pick, Refused};
use edgeshop_domain::{DiscountCode, SkuEntry, Tracking};
use serde_json::json as value;
use worker::{Env, Request};

pub async fn fulfil(req: &mut Request, env: &Env, number: u64) -> Reply {
    let who = require_staff(req, env).await?;
    let f: Fulfilment = parse_body(&json_text(req).await?)?;
    let kind = match f.status.as_str() {
        "packed" => EventKind::Packed,
        "shipped" => EventKind::Shipped,
        "delivered" => EventKind::Delivered,
        other => return Err(ApiError::new(Problem::BadStatus, format!("`{other}` is not packed, shipped or delivered"))),
    };
    let tracking = match (kind, f.carrier, f.tracking_number) {
        (EventKind::Shipped, Some(carrier), Some(number)) if !carrier.trim().is_empty() && !number.trim().is_empty() => {
            // They go into the shopper's email and text message as they are: one short line each.
            let (carrier, number) = (carrier.trim().to_string(), number.trim().to_string());
            let one_line = edgeshop_domain::text::is_one_line;
            if carrier.chars().count() > 60 || number.chars().count() > 60 || !one_line(&carrier) || !one_line(&number) {
                return Err(ApiError::new(Problem::TrackingRequired, "`carrier` and `tracking_number` are one line of at most 60 characters each"));
            }
            Some(Tracking { carrier, number })
        }
        (EventKind::Shipped, _, _) => return Err(ApiError::new(Problem::TrackingRequired, "a shipped order needs `carrier` and `tracking_number`")),
        _ => None,
    };
    request_fulfilment(env, &who, number, kind, tracking).await?;
    json(&Accepted { number, status: format!("{}_requested", f.status) }, 202, "no-store")
}

/// Asks for fulfilment step `kind` of order `number` (through the order queue), if the order can
/// take it now; recorded in the audit log.
async fn request_fulfilment(
    env: &Env,
    who: &crate::services::staff::Member,
    number: u64,
    kind: EventKind,
    tracking: Option<Tracking>,
) -> Result<(), ApiError> {
    let name = match kind {
        EventKind::Packed => "packed",
        EventKind::Shipped => "shipped",
        _ => "delivered",
    };
    let order = orders::load(env, number).await?.ok_or_else(|| ApiError::new(Problem::OrderNotFound, format!("no order {number}")))?;
    let to = kind.target_status().ok_or_else(|| ApiError::internal("a fulfilment step without a status"))?;
    if !order.fulfilment_reaches(to) {
        let now = orders::wire_name(order.status);
        return Err(ApiError::new(Problem::CannotFulfil, format!("order {number} is {now}: it cannot be marked {name} now")));
    }
    // Every unit refunded by line before it left: nothing to pack or send.
    if matches!(kind, EventKind::Packed | EventKind::Shipped) && order.status != to {
        let never_sent = orders::never_sent_units(env, number).await?;
        if !never_sent.is_empty() && order.returnable(&never_sent).is_empty() {
            return Err(ApiError::new(
                Problem::CannotFulfil,
                format!("every unit of order {number} was refunded before it shipped: there is nothing to send (cancel the order to close it)"),
            ));
        }
    }
    // Shipped again (a double submit) changes nothing; with other tracking it would change nothing
    // either, while the shopper keeps the first: refused, saying so.
    if let (Some(asked), Some(sent)) = (&tracking, order.shipped_with()) {
        if asked != sent {
            let detail = format!(
                "order {number} has shipped with {} {}, which the shopper was sent: tracking is not changed after that (add a note to the order, and tell the shopper)",
                sent.carrier, sent.number
            );
            return Err(ApiError::new(Problem::CannotFulfil, detail));
        }
    }
    // An event per request (a refused one must not stand for the next); repeating a step that
    // was applied changes nothing.
    let id = format!("{name}-{number}-{}", random_id(8));
    let mut event = OrderEvent::new(id, kind, number, now_rfc3339());
    event.tracking = tracking.clone();
    events::publish(env, &event).await?;
    let after = value!({ "status": name, "tracking": tracking });
    staff::audit(env, who, "order.fulfil", &format!("order:{number}"), value!({ "status": order.status }), after).await?;
    Ok(())
}

/// `GET /api/admin/packing`: the oldest orders to pack as packing slips, and what to pick.
pub async fn packing(req: &Request, env: &Env) -> Reply {
    require_staff(req, env).await?;
    let query = orders::OrderQuery {
        status: Some("to_pack".into()),
        sort: orders::OrderSort::Oldest,
        limit: edgeshop_api::admin::PACKING_MAX,
        ..Default::default()
    };
    let (rows, total) = orders::find(env, &query).await?;
    let slips = futures_util::future::try_join_all(rows.iter().map(|r| packing_slip(env, r.number))).await?;
    let slips: Vec<PackingSlip> = slips.into_iter().flatten().collect();
    let picks = Pick::gather(&slips);
    json(&PackingList { slips, picks, total }, 200, "no-store")
}

/// Order `number`'s packing slip: its units not refunded before it left (none: no slip).
async fn packing_slip(env: &Env, number: u64) -> Result<Option<PackingSlip>, ApiError> {
    let (order, never_sent) = futures_util::try_join!(orders::load(env, number), orders::never_sent_units(env, number))?;
    let Some(order) = order else { return Ok(None) };
    let lines: Vec<PackLine> = order
        .returnable(&never_sent)
        .into_iter()
        .map(|(sku, units)| {
            let name = order.line_name_of(&sku).unwrap_or_default();
            PackLine { sku, name, units }
        })
        .collect();
    if lines.is_empty() {
        return Ok(None);
    }
    let collect = (order.payment == edgeshop_domain::PaymentMethod::CashOnDelivery && order.totals.total.minor > 0)
        .then(|| crate::http::money_view(order.totals.total).formatted);
    Ok(Some(PackingSlip {
        number,
        created_at: order.history.first().map(|h| h.at.clone()).unwrap_or_default(),
        address: order.address,
        phone: order.contact.phone,
        payment_method: order.payment,
        collect,
        lines,
    }))
}

/// `POST /api/admin/packing/packed {numbers}`: each order packed as if marked one by one; what
/// was refused says why, and does not stop the others.
pub async fn packed_many(req: &mut Request, env: &Env) -> Reply {
    let who = require_staff(req, env).await?;
    let r: PackedRequest = parse_body(&json_text(req).await?)?;
    let mut numbers = r.numbers;
    numbers.sort_unstable();
    numbers.dedup();
    if numbers.is_empty() || numbers.len() > edgeshop_api::admin::PACKED_AT_ONCE {
        return Err(ApiError::new(Problem::BadRecord, format!("`numbers`: from 1 to {} orders a request", edgeshop_api::admin::PACKED_AT_ONCE)));
    }
    let (mut accepted, mut refused) = (Vec::new(), Vec::new());
    for number in numbers {
        match request_fulfilment(env, &who, number, EventKind::Packed, None).await {
            Ok(()) => accepted.push(number),
            // Refused (not found, not packable now): said, and the others go on.
            Err(e) if e.status < 500 && e.retry_after.is_none() => refused.push(Refused { number, detail: e.detail }),
            Err(e) => return Err(e),
        }
    }
    json(&PackedAnswer { accepted, refused }, 200, "no-store")
}

/// `GET /api/admin/stock/{sku}`: available, reserved and sold units of one SKU, and staff's
/// counts and changes of it with their reasons.
pub async fn stock_level(req: &Request, env: &Env, sku: &str) -> Reply {
    require_staff(req, env).await?;
    let sku = crate::query::decode_segment(sku)?;
    if crate::build_data::skus(env, [sku.as_str()]).await?.get(&sku).is_none() {
        return Err(ApiError::new(Problem::UnknownSku, format!("no product has the SKU `{sku}`")));
    }
    let target = format!("sku:{sku}");
    let stock = Stock(env);
    let (level, log) = futures_util::try_join!(stock.level(&sku), staff::audit_log(env, Some(&target), None, 50))?;
    let field = |json: &Option<String>, name: &str| -> Option<serde_json::Value> {
        serde_json::from_str::<serde_json::Value>(json.as_deref()?).ok()?.get(name).cloned()
    };
    let history = log
        .into_iter()
        .filter(|e| e.action == "stock.adjust")
        .map(|e| edgeshop_api::admin::StockMove {
            before: field(&e.before_json, "available").and_then(|v| v.as_i64()),
            after: field(&e.after_json, "available").and_then(|v| v.as_i64()),
            reason: field(&e.after_json, "reason").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
            at: e.at,
            staff_email: e.staff_email,
        })
        .collect();
    json(&StockLevel { sku: sku.to_string(), available: level.available, reserved: level.reserved, sold: level.sold, history }, 200, "no-store")
}

/// `GET /api/admin/orders/{number}`: the order with what the merchant must look at.
pub async fn order(req: &Request, env: &Env, number: u64) -> Reply {
    require_staff(req, env).await?;
    let target = format!("order:{number}");
    // Independent reads, all in flight at once.
    let (stored, notifications, payments, notes, returns, audit, refunded, cash_received) = futures_util::try_join!(
        orders::load_stored(env, number),
        orders::notifications(env, number),
        orders::money_moves(env, number),
        orders::notes(env, number),
        orders::returns(env, number),
        staff::audit_log(env, Some(&target), None, 50),
        orders::refunded_units(env, number),
        orders::cash_receipt(env, number),
    )?;
    let stored = stored.ok_or_else(|| ApiError::new(Problem::OrderNotFound, format!("no order {number}")))?;
    let view = AdminOrder {
        order: stored.order,
        version: stored.version,
        refund_due_minor: stored.refund_due_minor,
        attention: stored.attention,
        notifications,
        payments,
        notes,
        returns,
        audit,
        refunded_by_line: refunded.into_iter().map(|(sku, quantity)| edgeshop_api::admin::RefundLine { sku, quantity }).collect(),
        cash_received,
    };
    json(&view, 200, "no-store")
}

/// `GET /api/admin/dead-letters`: events that failed every retry.
pub async fn dead_letters(req: &Request, env: &Env) -> Reply {
    require_staff(req, env).await?;
    json(&DeadLetters { dead_letters: dead_letters::list(env).await? }, 200, "no-store")
}

/// `POST /api/admin/dead-letters/{id}/replay`: sends the event through the order queue again.
pub async fn replay_dead_letter(req: &Request, env: &Env, id: &str) -> Reply {
    let who = require_staff(req, env).await?;
    let id = crate::query::decode_segment(id)?;
    match dead_letters::replay(env, &id).await? {
        Some(at) => {
            staff::audit(env, &who, "dead_letter.replay", &format!("dead_letter:{id}"), value!(null), value!({ "replayed_at": at })).await?;
            json(&Replayed { message_id: id.to_string(), replayed_at: at }, 202, "no-store")
        }
        None => Err(ApiError::new(Problem::DeadLetterNotFound, format!("no dead letter `{id}`"))),
    }
}

/// `POST /api/admin/orders/{number}/refunds` (`Idempotency-Key` required): refunds an amount, or
/// lines of the order, through the provider that took the payment. Answers 202; the consumer
/// refuses more than is left to refund. As with Stripe's keys, a request that passes validation
/// binds its key: the same body again gets the first answer, another body 422; a refused request
/// binds nothing.
pub async fn refund(req: &mut Request, env: &Env, number: u64) -> Reply {
    // Money going out is the owners' to give (refunds that follow from a return received, a
    // cancellation or a parcel back are not asked for here).
    let who = require_owner(req, env).await?;
    // At most 100 characters: the refund's key at the provider carries it (Stripe takes 255).
    let key = header(req, "idempotency-key").filter(|k| valid_key(k) && k.len() <= 100).ok_or_else(|| {
        ApiError::new(Problem::IdempotencyKeyRequired, "send an Idempotency-Key (1-100 letters, digits or -_.:+/=~) with every refund")
    })?;
    let body = json_text(req).await?;
    let r: RefundRequest = parse_body(&body)?;
    let order = orders::load(env, number).await?.ok_or_else(|| ApiError::new(Problem::OrderNotFound, format!("no order {number}")))?;
    let (amount, lines) = refund_amount(&r, &order)?;
    let guard = Guard::scoped(env, format!("refund:{number}:{key}"), &key);
    match guard.begin(&fingerprint(&[&canonical_body(&body)])).await? {
        Begin::Started { .. } => {}
        Begin::Replay { response } => return Ok(response.to_response(true)?),
        Begin::Mismatch { .. } => return Err(ApiError::new(Problem::IdempotencyKeyReused, "this Idempotency-Key was used with a different refund")),
        Begin::InProgress | Begin::CartTaken { .. } => {
            return Err(
                ApiError::new(Problem::RequestInProgress, "a refund with this Idempotency-Key is still running; retry shortly").with_retry_after(1)
            )
        }
    }
    // More than is left to refund, with the refunds asked for and not applied yet, is refused
    // now (the queue consumer checks again when it applies it).
    let event_id = format!("refund-{number}-{key}");
    // A key whose record has expired (a day) but whose refund was made: the refund's event would
    // be taken for the one already applied, and nothing refunded.
    if orders::event_seen(env, &event_id).await? {
        guard.release().await?;
        return Err(ApiError::new(
            Problem::IdempotencyKeyReused,
            "this Idempotency-Key was used for an earlier refund of this order: send a new one",
        ));
    }
    // Lines refunded are settled: not refunded by line again, nor returned for money (units that
    // came back, or are in an open return, are refunded by their return).
    if !lines.is_empty() {
        let returns = orders::returns(env, number).await?;
        let returned = [orders::returned_units(&returns, None), orders::units_in_open_returns(&returns)].concat();
        if let Err(why) = orders::hold_line_refund(env, &order, &event_id, &lines, &returned).await? {
            guard.release().await?;
            return Err(ApiError::new(Problem::BadRefund, why));
        }
    }
    let money = |minor: i64| crate::http::money_view(edgeshop_domain::Money::new(minor, order.totals.total.currency)).formatted;
    if let Err(left) = orders::reserve_refund(env, number, &event_id, amount).await? {
        // Binding nothing: the corrected request may use the same key.
        orders::drop_line_refund(env, &event_id).await?;
        guard.release().await?;
        return Err(ApiError::new(
            Problem::BadRefund,
            format!("{} is more than is left to refund ({}, with refunds asked for and not made yet)", money(amount), money(left)),
        ));
    }
    let mut event = OrderEvent::new(event_id.clone(), EventKind::RefundRequested, number, now_rfc3339());
    event.amount_minor = Some(amount);
    event.detail = Some(edgeshop_domain::text::reason_line(&r.reason, 500));
    let published = events::publish(env, &event).await;
    if let Err(e) = published {
        // The key is free again for a retry, and the amount and units no longer held.
        orders::settle_refund_request(env, &event_id).await?;
        orders::drop_line_refund(env, &event_id).await?;
        guard.finish(None).await?;
        return Err(e);
    }
    let accepted = RefundAccepted { number, amount_minor: amount, status: "refund_requested".into() };
    let stored = StoredResponse::json(202, serde_json::to_string(&accepted)?);
    guard.finish(Some(stored)).await?;
    let after = value!({ "refund_requested_minor": amount, "reason": event.detail });
    staff::audit(env, &who, "order.refund", &format!("order:{number}"), value!({ "total_minor": order.totals.total.minor }), after).await?;
    json(&accepted, 202, "no-store")
}

/// `POST /api/admin/orders/{number}/refunds/by-hand {amount_minor, method, note}`: a refund the
/// shop made itself, recorded as the order's refund (its Refunded and Net lines, the invoice) and
/// taken off what it owes by hand; when that is settled, the note that asked for it goes.
pub async fn refund_by_hand(req: &mut Request, env: &Env, number: u64) -> Reply {
    let who = require_owner(req, env).await?;
    let r: edgeshop_api::admin::RefundByHand = parse_body(&json_text(req).await?)?;
    if !edgeshop_api::admin::BY_HAND_METHODS.contains(&r.method.as_str()) {
        return Err(ApiError::new(Problem::BadRefund, format!("`{}`: a refund by hand is cash, bank_transfer, voucher or other", r.method)));
    }
    let stored = orders::load_stored(env, number).await?.ok_or_else(|| ApiError::new(Problem::OrderNotFound, format!("no order {number}")))?;
    let money = |minor: i64| crate::http::money_view(edgeshop_domain::Money::new(minor, stored.order.totals.total.currency)).formatted;
    let refunded = orders::refunded(env, number, stored.order.totals.total.minor).await?;
    let limit = stored.order.by_hand_limit(stored.refund_due_minor, refunded);
    if limit <= 0 {
        return Err(ApiError::new(Problem::BadRefund, "the order owes nothing by hand, and took no cash on delivery that is left to give back"));
    }
    if r.amount_minor <= 0 || r.amount_minor > limit {
        return Err(ApiError::new(Problem::BadRefund, format!("the amount must be more than 0 and at most {}", money(limit))));
    }
    let note = edgeshop_domain::text::reason_line(&r.note, 200);
    if !orders::record_refund_by_hand(env, &stored, r.amount_minor, &r.method, &note, &now_rfc3339()).await? {
        return Err(
            ApiError::new(Problem::RequestInProgress, "the order changed meanwhile: reload it and record the refund again").with_retry_after(1)
        );
    }
    let after = value!({ "refunded_by_hand_minor": r.amount_minor, "method": r.method, "note": note });
    staff::audit(env, &who, "order.refund_by_hand", &format!("order:{number}"), value!({ "due_minor": stored.refund_due_minor }), after).await?;
    // The queue sends the shopper's message about it (with its retries).
    events::publish(env, &OrderEvent::new(format!("by-hand-sent-{}", random_id(8)), EventKind::MessagesResent, number, now_rfc3339())).await?;
    json(&Accepted { number, status: "refunded_by_hand".into() }, 201, "no-store")
}

/// The amount a refund request asks for: `amount_minor`, or its lines at the prices paid (less
/// their share of a discount; a SKU listed twice counts once, its quantities added), between 1
/// and the order's total; and the lines (none for an amount).
fn refund_amount(r: &RefundRequest, order: &edgeshop_domain::Order) -> Result<(i64, Vec<(String, u32)>), ApiError> {
    let mut lines: Vec<(String, u32)> = Vec::new();
    let amount = match (r.amount_minor, r.lines.is_empty()) {
        (Some(a), true) => a,
        (None, false) => {
            let mut wanted: std::collections::BTreeMap<&str, u32> = std::collections::BTreeMap::new();
            for l in &r.lines {
                if l.quantity == 0 {
                    return Err(ApiError::new(Problem::BadRefund, format!("`{}`: refund at least 1 unit", l.sku)));
                }
                let q = wanted.entry(l.sku.as_str()).or_default();
                *q = q.saturating_add(l.quantity);
            }
            for (sku, quantity) in wanted {
                let line = order
                    .lines
                    .iter()
                    .find(|o| o.sku == sku)
                    .ok_or_else(|| ApiError::new(Problem::BadRefund, format!("the order has no line `{sku}`")))?;
                if quantity > line.quantity {
                    return Err(ApiError::new(Problem::BadRefund, format!("`{sku}`: refund 1 to {} units", line.quantity)));
                }
                lines.push((sku.to_string(), quantity));
            }
            // At the prices paid: less the lines' share of a discount code.
            order.value_of(&lines)
        }
        _ => return Err(ApiError::new(Problem::BadRefund, "send either `amount_minor` or `lines`")),
    };
    if amount <= 0 || amount > order.totals.total.minor {
        return Err(ApiError::new(
            Problem::BadRefund,
            format!("the amount must be more than 0 and at most the order's total, {}", order.totals.total.decimal()),
        ));
    }
    Ok((amount, lines))
}

/// `GET /api/admin/notifications/failed`: messages that could not be sent after every try.
pub async fn failed_notifications(req: &Request, env: &Env) -> Reply {
    require_staff(req, env).await?;
    json(&FailedNotifications { failed: crate::services::notify::failed(env).await? }, 200, "no-store")
}

/// `POST /api/admin/stock/{sku} {set | add, reason}`: a counted level or a delta, with its reason.
/// A SKU that comes back from sold out sends the back-in-stock alerts (once).
pub async fn adjust_stock(req: &mut Request, env: &Env, sku: &str) -> Reply {
    let who = require_staff(req, env).await?;
    let sku = crate::query::decode_segment(sku)?;
    let c: StockChange = parse_body(&json_text(req).await?)?;
    if c.set.is_some() == c.add.is_some() {
        return Err(ApiError::new(Problem::BadAdjustment, "send either `set` or `add`"));
    }
    let Some(reason) = edgeshop_domain::text::staff_line(&c.reason, 200) else {
        return Err(ApiError::new(Problem::BadAdjustment, "give a reason of 1 to 200 characters on one line"));
    };
    let max = crate::services::stock::MAX_LEVEL;
    if c.set.is_some_and(|s| !(0..=max).contains(&s)) || c.add.is_some_and(|a| !(-max..=max).contains(&a)) {
        return Err(ApiError::new(Problem::BadAdjustment, "levels are 0 to 1,000,000"));
    }
    if crate::build_data::skus(env, [sku.as_str()]).await?.get(&sku).is_none() {
        return Err(ApiError::new(Problem::UnknownSku, format!("no product has the SKU `{sku}`")));
    }
    let now = now_rfc3339();
    // A count is of the shelf, where the units of orders not shipped yet still are.
    let unshipped = if c.set.is_some() { orders::unshipped_units(env, &sku).await? } else { 0 };
    let change = crate::services::stock::Adjust { sku: sku.clone(), set: c.set, add: c.add, unshipped, returned: false };
    let done = Stock(env).adjust_recorded(&change, reason, &now).await?;
    let (before, after) = (value!({ "available": done.before.available }), value!({ "available": done.after.available, "reason": reason }));
    staff::audit(env, &who, "stock.adjust", &format!("sku:{sku}"), before, after).await?;
    if done.before.available <= 0 && done.after.available > 0 {
        crate::services::stock::announce_back_in_stock(env, std::slice::from_ref(&sku)).await?;
    }
    let level = |l: crate::services::stock::Level| Level { available: l.available, reserved: l.reserved, sold: l.sold };
    json(&StockChanged { sku, before: level(done.before), after: level(done.after) }, 200, "no-store")
}

/// `GET /api/admin/newsletter` (owners): how many a newsletter goes to.
pub async fn newsletter_audience(req: &Request, env: &Env) -> Reply {
    require_owner(req, env).await?;
    json(&crate::services::subscriptions::audience(env).await?, 200, "no-store")
}

/// `POST /api/admin/newsletter {subject, text}` (owners): sent to confirmed subscribers only.
pub async fn newsletter(req: &mut Request, env: &Env) -> Reply {
    let who = require_owner(req, env).await?;
    let n: NewsletterRequest = parse_body(&json_text(req).await?)?;
    let subject_ok = edgeshop_domain::text::staff_line(&n.subject, 200).is_some();
    if !subject_ok || n.text.trim().is_empty() || edgeshop_domain::has_stray_controls(&n.text) {
        return Err(ApiError::new(Problem::BadNewsletter, "a subject of up to 200 characters on one line, and a text, are required"));
    }
    // One sending per newsletter and day: a double click or a client's retry sends the same
    // event again, and the consumer sends each message of an event once.
    let now = now_rfc3339();
    let content = crate::services::sha256_hex(format!("{}\0{}", n.subject.trim(), n.text).as_bytes());
    let mut e = OrderEvent::new(format!("newsletter-{}-{}", &now[..10], &content[..16]), EventKind::NewsletterSend, 0, now);
    e.payment_ref = Some(n.subject.trim().to_string());
    e.detail = Some(n.text);
    events::publish(env, &e).await?;
    staff::audit(env, &who, "newsletter.send", &format!("newsletter:{}", e.id), value!(null), value!({ "subject": e.payment_ref })).await?;
    let detail = "sent once to each confirmed subscriber; the same newsletter sent again today is not sent twice".to_string();
    json(&edgeshop_api::Acknowledged { status: "sending".into(), detail }, 202, "no-store")
}

/// `POST /api/admin/new-products-digest` (owners): announce this catalog's new products to subscribers
/// who asked for them (202 when queued; 200 when there is nothing to send).
pub async fn new_products_digest(req: &Request, env: &Env) -> Reply {
    let who = require_owner(req, env).await?;
    let digest = crate::services::subscriptions::queue_digest(env).await?;
    staff::audit(env, &who, "newsletter.new_products", "newsletter:new-products", value!(null), serde_json::to_value(&digest)?).await?;
    let status = if matches!(digest, Digest::Sending { .. }) { 202 } else { 200 };
    json(&digest, status, "no-store")
}

/// `POST /api/admin/customers/erase {email}` (owners): a customer's right to erasure (see
/// [`crate::services::subscriptions::erase_customer`]).
pub async fn erase_customer(req: &mut Request, env: &Env) -> Reply {
    let who = require_owner(req, env).await?;
    let e: EraseRequest = parse_body(&json_text(req).await?)?;
    // An order not finished needs its address: refused, or cancelled first when asked (not one
    // that has left the warehouse, which is delivered first).
    let open = orders::open_of(env, &crate::services::email_key(&e.email)).await?;
    let mut cancelling: Vec<u64> = Vec::new();
    if !open.is_empty() {
        let list = open.iter().map(|(n, s)| format!("{n} ({})", orders::wire_name(*s))).collect::<Vec<_>>().join(", ");
        let on_its_way = open.iter().any(|(_, s)| !s.can_cancel());
        if on_its_way || !e.cancel_open_orders {
            let what = if on_its_way {
                "erase once they are delivered: an order on its way needs its address"
            } else {
                "cancel them with the erasure (`cancel_open_orders`), or erase once they are delivered"
            };
            let numbers: Vec<u64> = open.iter().map(|(n, _)| *n).collect();
            return Err(ApiError::new(Problem::OpenOrders, format!("orders not finished: {list}; {what}")).with("open_orders", numbers));
        }
        for (number, _) in &open {
            if let Some(order) = orders::load(env, *number).await? {
                crate::routes::orders::cancel_order(env, &order).await?;
                cancelling.push(*number);
                staff::audit(env, &who, "order.cancel", &format!("order:{number}"), value!(null), value!({ "why": "customer erased" })).await?;
            }
        }
    }
    let erased = crate::services::subscriptions::erase_customer(env, &e.email, &cancelling).await?;
    // The log names the erasure by the address's hash: it must not keep what was erased.
    let target = format!("customer:{}", crate::services::sha256_hex(crate::services::email_key(&e.email).as_bytes()));
    staff::audit(env, &who, "customer.erase", &target, value!(null), serde_json::to_value(&erased)?).await?;
    json(&erased, 200, "no-store")
}

/// The order list's filters from the query string (shared by the list and its CSV export).
fn order_query(req: &Request, limit: u32) -> Result<orders::OrderQuery, ApiError> {
    let url = req.url()?;
    let q = crate::query::Query::parse(url.query())?;
    let text = |k: &str| q.get(k).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let bad = |what: String| ApiError::new(Problem::BadParameter, what);
    let status = text("status");
    if let Some(s) = status.as_deref().filter(|s| !orders::ORDER_VIEWS.contains(s)) {
        serde_json::from_value::<edgeshop_domain::OrderStatus>(serde_json::Value::String(s.to_string()))
            .map_err(|_| bad(format!("`{s}` is not an order status (nor to_pack, needs_attention or cash_due)")))?;
    }
    let payment = text("payment");
    if let Some(p) = payment.as_deref().filter(|p| edgeshop_domain::PaymentMethod::from_wire(p).is_none()) {
        return Err(bad(format!("`{p}` is not a payment method")));
    }
    let date = |k: &str| -> Result<Option<String>, ApiError> {
        match text(k) {
            Some(d) if edgeshop_domain::text::is_iso_date(&d) => Ok(Some(d)),
            Some(d) => Err(bad(format!("`{k}={d}`: give a date as YYYY-MM-DD"))),
            None => Ok(None),
        }
    };
    let sort =
        orders::OrderSort::parse(q.get("sort").unwrap_or("")).ok_or_else(|| bad("`sort` is newest, oldest, total_desc or total_asc".into()))?;
    // The packing list is worked through from the oldest order, unless another order is asked for.
    let sort = if status.as_deref() == Some("to_pack") && q.get("sort").is_none_or(str::is_empty) { orders::OrderSort::Oldest } else { sort };
    let page = q.get_usize("page", 1, 100_000)? as u32;
    let text_query = text("q").map(|t| t.chars().take(100).collect());
    Ok(orders::OrderQuery {
        status,
        payment,
        from: date("from")?,
        to: date("to")?,
        text: text_query,
        sort,
        offset: (page - 1) * limit,
        limit,
        email: None,
    })
}

const ORDERS_PER_PAGE: u32 = 50;

/// `GET /api/admin/orders?status=&payment=&from=&to=&q=&sort=&page=`: one page of orders.
pub async fn orders_list(req: &Request, env: &Env) -> Reply {
    require_staff(req, env).await?;
    let query = order_query(req, ORDERS_PER_PAGE)?;
    let (rows, total) = orders::find(env, &query).await?;
    let pages = total.div_ceil(u64::from(ORDERS_PER_PAGE)).max(1);
    json(&OrderPage { orders: rows, total, page: query.offset / ORDERS_PER_PAGE + 1, pages }, 200, "no-store")
}

/// `GET /api/admin/orders/export?…` (owners): the filtered list (every page, up to 10,000 orders) as CSV.
pub async fn orders_export(req: &Request, env: &Env) -> Reply {
    let member = require_owner(req, env).await?;
    let query = order_query(req, 10_000)?;
    let (rows, _) = orders::find(env, &query).await?;
    // Customers' data leaving the shop is on the record, as changes are.
    let url = req.url()?;
    staff::audit(env, &member, "orders.export", "orders", value!(null), value!({ "query": url.query().unwrap_or(""), "rows": rows.len() })).await?;
    // A byte-order mark first: Excel reads the file as UTF-8 only with one (names in any script).
    let mut csv = String::from(
        "\u{feff}number,created_at,name,email,status,payment_method,items,subtotal,discount_code,discount,shipping,tax,tax_rate,total,refunded,net,refund_due_by_hand,currency,country,tracking\r\n",
    );
    for o in rows {
        let money =
            |minor| edgeshop_domain::Money::new(minor, edgeshop_domain::Currency::parse(&o.currency).unwrap_or(edgeshop_domain::Currency::EUR));
        let amount = |minor| money(minor).decimal();
        // The rate as a percentage (19, 25.5), empty for an order from before rates by country.
        let tax_rate = o.tax_rate_bp.map(|bp| edgeshop_domain::percent_label(bp).trim_end_matches(" %").to_string()).unwrap_or_default();
        // What the shop keeps: nothing of an order cancelled, or not paid yet.
        let net = match o.status.as_str() {
            "cancelled" | "awaiting_payment" | "payment_failed" => 0,
            _ => o.total_minor - o.refunded_minor - o.refund_due_minor,
        };
        let fields = [
            o.number.to_string(),
            o.created_at,
            o.name,
            o.email,
            o.status,
            o.payment_method,
            o.items.to_string(),
            amount(o.subtotal_minor),
            o.discount_code.unwrap_or_default(),
            amount(o.discount_minor),
            amount(o.shipping_minor),
            amount(o.tax_minor),
            tax_rate,
            amount(o.total_minor),
            amount(o.refunded_minor),
            amount(net),
            amount(o.refund_due_minor),
            o.currency,
            o.country,
            o.tracking.unwrap_or_default(),
        ];
        csv.push_str(&fields.iter().map(|f| edgeshop_domain::text::csv_field(f)).collect::<Vec<_>>().join(","));
        csv.push_str("\r\n");
    }
    let mut resp = worker::Response::ok(csv)?;
    resp.headers_mut().set("content-type", "text/csv; charset=utf-8")?;
    let day = crate::services::now_rfc3339().get(..10).unwrap_or_default().to_string();
    resp.headers_mut().set("content-disposition", &format!("attachment; filename=\"orders-{day}.csv\""))?;
    resp.headers_mut().set("cache-control", "no-store")?;
    Ok(resp)
}

/// `POST /api/admin/orders/{number}/cancel {reason}`: cancels an order that has not shipped; a
/// paid order is refunded through its provider (the queue consumer does both).
pub async fn cancel(req: &mut Request, env: &Env, number: u64) -> Reply {
    let who = require_staff(req, env).await?;
    let c: CancelRequest = parse_body(&json_text(req).await?)?;
    let order = orders::load(env, number).await?.ok_or_else(|| ApiError::new(Problem::OrderNotFound, format!("no order {number}")))?;
    if order.status != edgeshop_domain::OrderStatus::Cancelled && !order.status.can_cancel() {
        return Err(ApiError::new(Problem::CannotCancel, format!("the order is {}; it has left the warehouse", orders::wire_name(order.status))));
    }
    let mut event = OrderEvent::new(format!("cancel-{number}"), EventKind::OrderCancelled, number, now_rfc3339());
    event.detail = Some(edgeshop_domain::text::reason_line(&c.reason, 500));
    events::publish(env, &event).await?;
    staff::audit(
        env,
        &who,
        "order.cancel",
        &format!("order:{number}"),
        value!({ "status": order.status }),
        value!({ "status": "cancelled", "reason": event.detail }),
    )
    .await?;
    json(&Accepted { number, status: "cancellation_requested".into() }, 202, "no-store")
}

/// `POST /api/admin/orders/{number}/undelivered {reason, restock, keep_out}`: a shipped parcel
/// came back (refused at the door, not collected): the queue consumer cancels the order, puts its
/// units back on sale unless `restock` is false (but for the units in `keep_out`), and refunds an
/// online payment; cash on delivery was never collected, so nothing is owed.
pub async fn undelivered(req: &mut Request, env: &Env, number: u64) -> Reply {
    let who = require_staff(req, env).await?;
    let u: edgeshop_api::admin::Undelivered = parse_body(&json_text(req).await?)?;
    let order = orders::load(env, number).await?.ok_or_else(|| ApiError::new(Problem::OrderNotFound, format!("no order {number}")))?;
    if order.status != edgeshop_domain::OrderStatus::Shipped {
        let why = match order.status {
            edgeshop_domain::OrderStatus::Delivered | edgeshop_domain::OrderStatus::ReturnRequested => {
                "it was delivered; items sent back come back as a return".to_string()
            }
            s if s.can_cancel() => "it has not shipped; cancel it instead".to_string(),
            s => format!("it is {}", orders::wire_name(s)),
        };
        return Err(ApiError::new(Problem::CannotCancel, format!("only a shipped order comes back undelivered: {why}")));
    }
    let mut event = OrderEvent::new(format!("undelivered-{number}"), EventKind::Undelivered, number, now_rfc3339());
    event.detail = Some(edgeshop_domain::text::reason_line(&u.reason, 500));
    event.restock = Some(u.restock);
    if !u.keep_out.is_empty() {
        let shipped = order.returnable(&orders::never_sent_units(env, number).await?);
        for kept in &u.keep_out {
            let sent = edgeshop_domain::units_of(&shipped, &kept.sku);
            if kept.quantity == 0 || kept.quantity.saturating_add(edgeshop_domain::units_of(&event.keep_out, &kept.sku)) > sent {
                return Err(ApiError::new(Problem::BadRecord, format!("keep_out: {sent} of {} were sent, not {}", kept.sku, kept.quantity)));
            }
            event.keep_out.push((kept.sku.clone(), kept.quantity));
        }
    }
    // Once: of two staff recording it at once, the first says what happens (restock or not).
    let after = value!({ "status": "cancelled", "reason": event.detail, "restock": u.restock, "kept_out": event.keep_out });
    let Some(entry) =
        staff::audit_once(env, &who, "order.undelivered", &format!("order:{number}"), value!({ "status": order.status }), after).await?
    else {
        return Err(ApiError::new(Problem::CannotCancel, format!("order {number} was recorded as undelivered already; it is being cancelled")));
    };
    if let Err(e) = events::publish(env, &event).await {
        staff::unaudit(env, entry).await?;
        return Err(e);
    }
    json(&Accepted { number, status: "undelivered_recorded".into() }, 202, "no-store")
}

/// `POST /api/admin/orders/{number}/attention/clear`: the order's note for the merchant is dealt
/// with (kept in the audit log). Not while money is owed by hand: recording that refund clears it.
pub async fn clear_attention(req: &Request, env: &Env, number: u64) -> Reply {
    let who = require_staff(req, env).await?;
    let stored = orders::load_stored(env, number).await?.ok_or_else(|| ApiError::new(Problem::OrderNotFound, format!("no order {number}")))?;
    if stored.refund_due_minor > 0 {
        return Err(ApiError::new(Problem::RefundOwed, "money is owed by hand: record the refund made, and its note goes"));
    }
    let Some(note) = stored.attention.clone().filter(|a| !a.is_empty()) else {
        return json(&Accepted { number, status: "nothing_to_clear".into() }, 202, "no-store");
    };
    if !orders::clear_attention(env, &stored, &now_rfc3339()).await? {
        return Err(ApiError::new(Problem::RequestInProgress, "the order changed meanwhile: reload it and try again").with_retry_after(1));
    }
    staff::audit(env, &who, "order.attention_cleared", &format!("order:{number}"), value!({ "attention": note }), value!(null)).await?;
    json(&Accepted { number, status: "attention_cleared".into() }, 202, "no-store")
}

/// The rows of order `n` among rows by order number.
fn of_order<T: Clone>(rows: &[(u64, T)], n: u64) -> Vec<T> {
    rows.iter().filter(|(o, _)| *o == n).map(|(_, r)| r.clone()).collect()
}

/// `POST /api/admin/orders/{number}/cash-received {amount_minor, note}`: the cash the courier
/// collected for a delivered cash-on-delivery order reached the shop. Once an order; less than
/// the total is recorded as it is and flags the order for the merchant.
pub async fn cash_received(req: &mut Request, env: &Env, number: u64) -> Reply {
    let who = require_staff(req, env).await?;
    let r: edgeshop_api::admin::CashReceived = parse_body(&json_text(req).await?)?;
    let stored = orders::load_stored(env, number).await?.ok_or_else(|| ApiError::new(Problem::OrderNotFound, format!("no order {number}")))?;
    let order = &stored.order;
    if !order.cash_collected() {
        let why = match order.payment {
            edgeshop_domain::PaymentMethod::Online => format!("order {number} was paid online: no courier collected cash for it"),
            edgeshop_domain::PaymentMethod::CashOnDelivery => {
                format!("order {number} is {}: the courier collects the cash when it is delivered", orders::wire_name(order.status))
            }
        };
        return Err(ApiError::new(Problem::CannotFulfil, why));
    }
    let total = order.totals.total.minor;
    let money = |minor: i64| crate::http::money_view(edgeshop_domain::Money::new(minor, order.totals.total.currency)).formatted;
    if r.amount_minor <= 0 || r.amount_minor > total {
        return Err(ApiError::new(Problem::BadRecord, format!("`amount_minor`: more than 0 and at most the order's total, {}", money(total))));
    }
    let receipt = edgeshop_api::admin::CashReceipt {
        amount_minor: r.amount_minor,
        received_at: now_rfc3339(),
        staff_email: who.email.clone(),
        note: edgeshop_domain::text::reason_line(&r.note, 200),
    };
    let short = (r.amount_minor < total)
        .then(|| format!("The courier's cash was {} short: {} received of {}.", money(total - r.amount_minor), money(r.amount_minor), money(total)));
    if !orders::record_cash_receipt(env, &stored, &receipt, short.as_deref()).await? {
        return match orders::cash_receipt(env, number).await? {
            Some(earlier) => Err(ApiError::new(
                Problem::AlreadyRecorded,
                format!(
                    "the cash for order {number} was recorded on {} by {}",
                    &earlier.received_at[..10.min(earlier.received_at.len())],
                    earlier.staff_email
                ),
            )),
            None => {
                Err(ApiError::new(Problem::RequestInProgress, "the order changed meanwhile: reload it and record the cash again").with_retry_after(1))
            }
        };
    }
    staff::audit(
        env,
        &who,
        "order.cash_received",
        &format!("order:{number}"),
        value!(null),
        value!({ "amount_minor": r.amount_minor, "note": receipt.note }),
    )
    .await?;
    json(&Accepted { number, status: "cash_received".into() }, 201, "no-store")
}

/// `POST /api/admin/orders/{number}/notes {text}`: an internal note (staff only).
pub async fn add_note(req: &mut Request, env: &Env, number: u64) -> Reply {
    let who = require_staff(req, env).await?;
    let n: NewNote = parse_body(&json_text(req).await?)?;
    let text = n.text.trim();
    if text.is_empty() || text.chars().count() > 2000 || edgeshop_domain::has_stray_controls(text) {
        return Err(ApiError::new(Problem::CannotNote, "a note is 1 to 2,000 characters of text (line breaks, no other control characters)"));
    }
    if orders::load(env, number).await?.is_none() {
        return Err(ApiError::new(Problem::OrderNotFound, format!("no order {number}")));
    }
    let now = now_rfc3339();
    orders::add_note(env, number, &who.email, text, &now).await?;
    staff::audit(env, &who, "order.note", &format!("order:{number}"), value!(null), value!({ "note": text })).await?;
    json(&orders::Note { at: now, staff_email: who.email, text: text.to_string() }, 201, "no-store")
}

/// `POST /api/admin/orders/{number}/messages/{id}/resend`: a message to the customer or the
/// merchant that failed every try is sent again (the address or the mail service mended since):
/// its tries start over and the queue sends it. Only a failed message can be sent again.
pub async fn resend_message(req: &Request, env: &Env, number: u64, id: &str) -> Reply {
    let who = require_staff(req, env).await?;
    let id = crate::query::decode_segment(id)?;
    let Some((template, recipient)) = crate::services::notify::resend(env, number, &id).await? else {
        return Err(ApiError::new(Problem::CannotResend, format!("order {number} has no failed message `{id}`")));
    };
    let mut event = OrderEvent::new(format!("resend-{}", random_id(8)), EventKind::MessagesResent, number, now_rfc3339());
    event.detail = Some(id.clone());
    events::publish(env, &event).await?;
    let target = format!("order:{number}");
    staff::audit(
        env,
        &who,
        "order.message_resend",
        &target,
        value!({ "message": id, "state": "failed" }),
        value!({ "template": template, "to": recipient }),
    )
    .await?;
    json(&Accepted { number, status: "sending".into() }, 202, "no-store")
}

/// `GET /api/admin/stock?page=&low=yes&q=`: every SKU with its levels, a page (a catalog shard) at a
/// time; `low=yes` keeps those at or below the shop's low-stock threshold. `q` keeps the SKUs whose
/// product, option or SKU holds every word of it (case and accents aside), searching pages from
/// `page` on, at most [`STOCK_PAGES_SEARCHED`] a request (`search_more_from` says where to go on).
pub async fn stock_list(req: &Request, env: &Env) -> Reply {
    require_staff(req, env).await?;
    let url = req.url()?;
    let q = crate::query::Query::parse(url.query())?;
    let page = q.get_usize("page", 1, 1_000_000)? as u32;
    let low_only = q.get("low") == Some("yes");
    let words: Vec<String> = q.get("q").map(|t| fold(t).split_whitespace().take(8).map(str::to_string).collect()).unwrap_or_default();
    let back_office = crate::build_data::manifest(env).await?.shop.back_office.clone();
    let (mut entries, pages) = crate::build_data::shard_entries(env, page - 1).await?;
    let mut search_more_from = None;
    if !words.is_empty() {
        let matches = |e: &SkuEntry| {
            let text = fold(&format!("{} {} {}", e.product_title, e.variant.title(), e.variant.sku));
            words.iter().all(|w| text.contains(w.as_str()))
        };
        let mut found: Vec<SkuEntry> = entries.iter().filter(|e| matches(e)).cloned().collect();
        // Pages are read until the last, STOCK_PAGES_SEARCHED of them, or a screenful of rows.
        let mut last = pages.min(page - 1 + STOCK_PAGES_SEARCHED);
        for shard in page..last {
            if found.len() >= STOCK_FOUND_AT_ONCE {
                last = shard;
                break;
            }
            let (more, _) = crate::build_data::shard_entries(env, shard).await?;
            found.extend(more.iter().filter(|e| matches(e)).cloned());
        }
        entries = std::rc::Rc::new(found);
        search_more_from = (last < pages).then_some(last + 1);
    }
    let skus: Vec<String> = entries.iter().map(|e| e.variant.sku.clone()).collect();
    let stock = Stock(env);
    let (levels, committed) =
        if skus.is_empty() { (vec![], Default::default()) } else { futures_util::try_join!(stock.levels(&skus), orders::unshipped_by_sku(env))? };
    let stock = entries
        .iter()
        .zip(levels)
        .filter(|(_, l)| !low_only || back_office.is_low(l.available))
        .map(|(e, l)| StockRow {
            sku: e.variant.sku.clone(),
            product: e.product_title.clone(),
            slug: e.product_slug.clone(),
            variant: e.variant.title(),
            published: e.published,
            on_hand: l.available + l.reserved + committed.get(&e.variant.sku).copied().unwrap_or(0),
            reserved: l.reserved,
            committed: committed.get(&e.variant.sku).copied().unwrap_or(0),
            available: l.available,
            sold: l.sold,
            low: back_office.is_low(l.available),
        })
        .collect();
    let low_stock = i64::from(back_office.low_stock);
    json(&StockPage { stock, page, pages: pages.max(1), low_stock, search_more_from }, 200, "no-store")
}

/// `GET /api/admin/customers?q=&page=`: customers by email, from their orders.
pub async fn customers(req: &Request, env: &Env) -> Reply {
    require_staff(req, env).await?;
    let url = req.url()?;
    let q = crate::query::Query::parse(url.query())?;
    let page = q.get_usize("page", 1, 100_000)? as u32;
    let (rows, total) = orders::customers(env, q.get("q"), (page - 1) * ORDERS_PER_PAGE, ORDERS_PER_PAGE).await?;
    json(&CustomerPage { customers: rows, total, page, pages: total.div_ceil(u64::from(ORDERS_PER_PAGE)).max(1) }, 200, "no-store")
}

/// `GET /api/admin/customers/{email}`: the customer and their orders; with `?export=1`, all the
/// shop holds about them (their data export). Each is in the audit log, as a view or an export.
pub async fn customer(req: &Request, env: &Env, email: &str) -> Reply {
    let export = crate::query::Query::parse(req.url()?.query())?.get("export").is_some_and(|v| v == "1");
    // Everything about a customer in one file is the owners' to hand out; staff see the customer.
    let member = if export { require_owner(req, env).await? } else { require_staff(req, env).await? };
    let email = crate::services::email_key(&crate::query::decode_segment(email)?);
    let customer = orders::customer(env, &email).await?.ok_or_else(|| ApiError::new(Problem::NotFound, format!("no customer {email}")))?;
    // By a hash of the address: the log outlives an erasure.
    let who = crate::services::sha256_hex(email.as_bytes());
    let action = if export { "customer.export" } else { "customer.view" };
    staff::audit(env, &member, action, &format!("customer:{}", &who[..16]), value!(null), value!(null)).await?;
    let query = orders::OrderQuery { email: Some(email.clone()), limit: 1000, ..Default::default() };
    let (list, _) = orders::find(env, &query).await?;
    let full = orders::load_many(env, &list.iter().map(|o| o.number).collect::<Vec<_>>()).await?;
    if !export {
        return json(&CustomerDetail { customer, orders: full }, 200, "no-store");
    }
    // All the rest in one round trip (a request makes at most 50 calls on the Free plan).
    let held = orders::held_for_customer(env, &email).await?;
    let mut exported = Vec::new();
    for mut order in full {
        let n = order.number;
        let (payments, returns, notes) = (of_order(&held.payments, n), of_order(&held.returns, n), of_order(&held.notes, n));
        let messages = held.messages.iter().filter(|m| m.order_number == n).cloned().collect();
        // The order's page key is not theirs to keep in a file: whoever holds it opens the order.
        order.token = String::new();
        exported.push(edgeshop_api::admin::ExportedOrder { order, payments, returns, messages, notes });
    }
    let (newsletter, stock_alerts) = crate::services::subscriptions::held_for(env, &email).await?;
    let body = edgeshop_api::admin::CustomerExport { exported_at: now_rfc3339(), customer, orders: exported, newsletter, stock_alerts };
    json(&body, 200, "no-store")
}

/// `POST /api/admin/orders/{number}/returns/{id}/{approve|reject|receive}`: a return's steps.
/// Receiving puts the chosen lines back in stock and refunds what came back (the queue consumer
/// refunds through the provider; cash on delivery is flagged to refund by hand).
pub async fn return_action(req: &mut Request, env: &Env, number: u64, id: &str, action: &str) -> Reply {
    let who = require_staff(req, env).await?;
    let id: i64 = id.parse().map_err(|_| ApiError::new(Problem::BadParameter, "a return id is a number"))?;
    let text = json_text(req).await?;
    let d: ReturnDecision = if text.trim().is_empty() { ReturnDecision::default() } else { parse_body(&text)? };
    let order = orders::load(env, number).await?.ok_or_else(|| ApiError::new(Problem::OrderNotFound, format!("no order {number}")))?;
    let returns = orders::returns(env, number).await?;
    let current =
        returns.iter().find(|r| r.id == id).ok_or_else(|| ApiError::new(Problem::NotFound, format!("order {number} has no return {id}")))?;
    let now = now_rfc3339();
    let target = format!("order:{number}");
    let step = |from: &'static str| {
        let status = current.status.clone();
        move |moved: bool| {
            if moved {
                Ok(())
            } else if status == from {
                // It was when read: another member's step came first.
                Err(ApiError::new(Problem::CannotReturn, format!("the return was {from} a moment ago and has moved on since: reload the order")))
            } else {
                Err(ApiError::new(Problem::CannotReturn, format!("the return is {status}; this step needs it {from}")))
            }
        }
    };
    let (kind, status) = match action {
        "approve" => {
            step("requested")(orders::move_return(env, number, id, "requested", "approved", None, &now).await?)?;
            (EventKind::ReturnApproved, "approved")
        }
        "reject" => {
            // Requested, or approved and the goods never came: closed either way.
            let from = if current.status == "approved" { "approved" } else { "requested" };
            step(from)(orders::move_return(env, number, id, from, "rejected", None, &now).await?)?;
            (EventKind::ReturnRejected, "rejected")
        }
        "receive" => {
            // What came back: the lines staff name, else those the shopper asked to return; of
            // the units no earlier return brought back.
            let asked = orders::units(if d.lines.is_empty() { &current.lines } else { &d.lines });
            let before = orders::returned_units(&returns, Some(id));
            // Units refunded by line before the order shipped were never sent: none of them comes
            // back, and the others all back is the whole order back.
            let never_sent = orders::never_sent_units(env, number).await?;
            let lines =
                order.return_lines(&asked, &[before.clone(), never_sent.clone()].concat()).map_err(|e| ApiError::new(Problem::BadReturn, e))?;
            let whole = order.returnable(&[before.clone(), lines.clone(), never_sent].concat()).is_empty();
            // Part of the order back: it is delivered again, with the rest still returnable. The
            // request's own step must be on the order first (events are applied in any order).
            if !whole && order.status != edgeshop_domain::OrderStatus::ReturnRequested {
                return Err(ApiError::new(
                    Problem::RequestInProgress,
                    "the return request is still being recorded on the order; try again in a moment",
                )
                .with_retry_after(1));
            }
            let received = received_lines(&lines, &d.lines);
            // What goes back: the lines' value (less units staff refunded by line, paid already),
            // or what is left of the payment when refunds made meanwhile took more (the consumer
            // refunds no more than that). Cash on delivery is refunded by hand.
            let (paid_before, pays) = order.paid_by_return(&before, &lines, &orders::refunded_units(env, number).await?, whole);
            let value = order.return_refund(&paid_before, &pays);
            let refund = match events::refundable(env, number).await? {
                (Some(_), left) => value.min(left),
                // Cash on delivery: at most the cash left after refunds made by hand meanwhile.
                (None, _) => value.min(order.by_hand_limit(value, orders::refunded(env, number, order.totals.total.minor).await?)),
            };
            step("approved")(orders::move_return(env, number, id, "approved", "received", Some((&received, refund)), &now).await?)?;
            // The refund's event first: when it cannot be queued, the return is approved again
            // (and nothing restocked), so receiving it again refunds it.
            let mut event = OrderEvent::new(format!("return-received-{number}-{id}"), EventKind::ReturnReceived, number, now.clone());
            event.amount_minor = Some(refund);
            event.detail = Some(if whole { events::WHOLE_RETURN } else { events::PART_RETURN }.into());
            if let Err(e) = events::publish(env, &event).await {
                orders::move_return(env, number, id, "received", "approved", None, &now).await?;
                return Err(e);
            }
            for line in received.iter().filter(|l| l.restock) {
                let back = crate::services::stock::Adjust {
                    sku: line.sku.clone(),
                    add: Some(i64::from(line.quantity)),
                    returned: true,
                    ..Default::default()
                };
                Stock(env).adjust_recorded(&back, &format!("return {id} of order {number}"), &now).await?;
            }
            staff::audit(
                env,
                &who,
                "return.receive",
                &target,
                value!({ "return": id, "status": current.status }),
                value!({ "status": "received", "lines": received, "refund_minor": refund }),
            )
            .await?;
            return json(&Accepted { number, status: "return_received".into() }, 202, "no-store");
        }
        other => return Err(ApiError::new(Problem::BadAction, format!("`{other}`: a return is approved, rejected or received"))),
    };
    let mut event = OrderEvent::new(format!("return-{status}-{number}-{id}"), kind, number, now);
    event.detail = Some(edgeshop_domain::text::reason_line(&d.reason, 500));
    events::publish(env, &event).await?;
    staff::audit(
        env,
        &who,
        &format!("return.{action}"),
        &target,
        value!({ "return": id, "status": current.status }),
        value!({ "status": status, "reason": event.detail }),
    )
    .await?;
    json(&Accepted { number, status: format!("return_{status}") }, 202, "no-store")
}

/// The lines of a received return as kept: each SKU's units that go back on sale (those on
/// the lines staff marked to restock: a SKU named twice, once to restock and once not, restocks
/// the one; all of them when staff named no lines), and the rest.
fn received_lines(lines: &[(String, u32)], named: &[edgeshop_api::admin::ReturnLine]) -> Vec<edgeshop_api::admin::ReturnLine> {
    let mut received = Vec::new();
    for (sku, quantity) in lines {
        let back = if named.is_empty() {
            *quantity
        } else {
            named.iter().filter(|l| &l.sku == sku && l.restock).map(|l| l.quantity).fold(0u32, u32::saturating_add).min(*quantity)
        };
        for (units, restock) in [(back, true), (quantity - back, false)] {
            if units > 0 {
                received.push(edgeshop_api::admin::ReturnLine { sku: sku.clone(), quantity: units, restock });
            }
        }
    }
    received
}

/// `GET /api/admin/discounts`: every code with its uses.
pub async fn discounts(req: &Request, env: &Env) -> Reply {
    require_staff(req, env).await?;
    json(&DiscountList { discounts: discounts::list(env).await? }, 200, "no-store")
}

/// `POST /api/admin/discounts` (owners): a new code; its name is kept in capitals.
pub async fn create_discount(req: &mut Request, env: &Env) -> Reply {
    let who = require_owner(req, env).await?;
    let text = json_text(req).await?;
    // A misspelt field (`max_use`) would make a code without the limit meant: refused.
    const KNOWN: [&str; 9] = ["code", "kind", "value", "min_subtotal_minor", "starts_on", "ends_on", "max_uses", "once_per_customer", "active"];
    known_fields(&text, &KNOWN, "a code")?;
    let mut code: DiscountCode = parse_body(&text)?;
    code.code = edgeshop_domain::normalize_code(&code.code).unwrap_or(code.code);
    let day = |d: Option<String>| d.map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
    (code.starts_on, code.ends_on) = (day(code.starts_on), day(code.ends_on));
    if let Some(problem) = code.problem() {
        return Err(ApiError::new(Problem::BadDiscount, problem));
    }
    if code.ends_on.as_deref().is_some_and(|end| end < discounts::today().as_str()) {
        return Err(ApiError::new(Problem::BadDiscount, "the last day has passed: the code would never work"));
    }
    if !discounts::create(env, &code, &who.email, &now_rfc3339()).await? {
        return Err(ApiError::new(Problem::DiscountExists, format!("there is a code {} already; end it, or choose another name", code.code)));
    }
    staff::audit(env, &who, "discount.create", &format!("discount:{}", code.code), serde_json::Value::Null, serde_json::to_value(&code)?).await?;
    let row = discounts::row(env, &code.code).await?.ok_or_else(|| ApiError::internal("discount just made not found"))?;
    json(&row, 201, "no-store")
}

/// Refuses a discount body (`what`: "a code", "a change") with a field other than `known`.
fn known_fields(text: &str, known: &[&str], what: &str) -> Result<(), ApiError> {
    let fields: serde_json::Map<String, serde_json::Value> = parse_body(text)?;
    match fields.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(ApiError::new(Problem::BadDiscount, format!("unknown field `{unknown}`; {what} has {}", known.join(", ")))),
        None => Ok(()),
    }
}

/// `PATCH /api/admin/discounts/{code}` (owners): end a code or let it work again, or change its
/// last day, cap on uses or minimum.
pub async fn change_discount(req: &mut Request, env: &Env, code: &str) -> Reply {
    let who = require_owner(req, env).await?;
    let code = crate::query::decode_segment(code)?;
    let text = json_text(req).await?;
    // A misspelt field would change nothing while the merchant thinks it did: refused.
    known_fields(&text, &DiscountChange::FIELDS, "a change")?;
    let change: DiscountChange = parse_body(&text)?;
    let not_found = || ApiError::new(Problem::DiscountNotFound, "there is no such discount code");
    let code = edgeshop_domain::normalize_code(&code).ok_or_else(not_found)?;
    let before = discounts::row(env, &code).await?.ok_or_else(not_found)?.code;
    let after = change.apply(before.clone());
    if let Some(problem) = after.problem() {
        return Err(ApiError::new(Problem::BadDiscount, problem));
    }
    if change.ends_on.is_some() && after.ends_on.as_deref().is_some_and(|end| end < discounts::today().as_str()) {
        return Err(ApiError::new(Problem::BadDiscount, "the last day has passed: to end the code now, end it"));
    }
    let row = discounts::update(env, &after).await?.ok_or_else(not_found)?;
    let action = match change {
        DiscountChange { active: Some(false), ends_on: None, max_uses: None, min_subtotal_minor: None } => "discount.end",
        DiscountChange { active: Some(true), ends_on: None, max_uses: None, min_subtotal_minor: None } => "discount.resume",
        _ => "discount.change",
    };
    staff::audit(env, &who, action, &format!("discount:{code}"), serde_json::to_value(&before)?, serde_json::to_value(&after)?).await?;
    json(&row, 200, "no-store")
}

#[cfg(test)]
mod tests {
    use edgeshop_api::admin::ReturnLine;

    #[test]
    fn a_return_restocks_the_units_marked_and_no_more() {
        let line = |sku: &str, quantity: u32, restock: bool| ReturnLine { sku: sku.into(), quantity, restock };
        let came_back = vec![("A".to_string(), 2), ("B".to_string(), 1)];
        // A named twice, one unit to restock and one not: one unit back on sale.
        let named = [line("A", 1, false), line("A", 1, true), line("B", 1, false)];
        assert_eq!(super::received_lines(&came_back, &named), vec![line("A", 1, true), line("A", 1, false), line("B", 1, false)]);
        // Nothing named: everything back on sale; more marked than came back: what came back.
        assert_eq!(super::received_lines(&came_back, &[]), vec![line("A", 2, true), line("B", 1, true)]);
        assert_eq!(super::received_lines(&[("A".to_string(), 1)], &[line("A", 5, true)]), vec![line("A", 1, true)]);
    }
}
