//! Messages to shoppers, sent from the queue consumer.
//!
//! Each order event records at most one message per (order, kind, recipient) in D1
//! (`notifications`, a unique index; refunds are one per refund): an email, and a text message
//! where the shopper asked for them. Sending claims the row (a lease, so a crashed send
//! is taken over), sends, and marks it sent: a redelivered or replayed event finds the row sent and
//! sends nothing. A failed send is retried with the queue message's backoff up to
//! `MAX_ATTEMPTS` times, then marked failed, where the merchant sees it
//! (`GET /api/admin/notifications/failed`, and on the order).

use crate::error::{ApiError, Context};
use crate::services::db::{self, args, stmt};
use crate::services::mailer::{Email, Mailer};
use crate::services::now_rfc3339;
use crate::services::orders::{self, MoneyMove};
use edgeshop_domain::{Money, Order, OrderStatus, PaymentMethod, Shop};
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement, Env};

pub const MAX_ATTEMPTS: u32 = 5;
/// A send that started this long ago without finishing is taken over.
pub const CLAIM_LEASE_SECONDS: i64 = 60;

/// Seconds before a message whose send failed on `attempt` is tried again: from half a minute,
/// doubling (30, 60, 120, 240 s: the five tries span about seven minutes, so a mail service down
/// for a few minutes loses nothing). `None` under the development switch: the queue's own backoff
/// (1, 2, 4… s), so tests of failed sends do not wait minutes.
fn mail_retry_delay(attempt: u32, dev: bool) -> Option<u64> {
    (!dev).then(|| 30u64 << attempt.saturating_sub(1).min(4))
}

/// What a sending round answers the queue: done, or come back — after the backoff of the last
/// failed send (`retry`: its error and attempt), or once the claim of a sender that may have
/// died has lapsed (`claimed_elsewhere`). Order messages and newsletters alike.
pub fn round_outcome(env: &Env, what: &str, retry: Option<(String, u32)>, claimed_elsewhere: bool) -> Result<(), ApiError> {
    match retry {
        Some((e, attempt)) => {
            let error = ApiError::internal(format!("{what} will be sent again: {e}"));
            Err(match mail_retry_delay(attempt, crate::services::dev_mode(env)) {
                Some(seconds) => error.with_retry_after(seconds),
                None => error,
            })
        }
        None if claimed_elsewhere => Err(ApiError::internal(format!("{what} is claimed by another sender; looked at again when the claim lapses"))
            .with_retry_after(CLAIM_LEASE_SECONDS as u64 + 1)),
        None => Ok(()),
    }
}

/// The history note of a rejected return (`return not accepted: {reason}`).
pub const RETURN_REJECTED: &str = "return not accepted";

#[derive(Debug, Serialize, Deserialize)]
pub struct Pending {
    pub event_id: String,
    pub order_number: u64,
    pub template: String,
    pub recipient: String,
    pub attempts: u32,
    /// When the change that made it was recorded (its refund, if any, has the same time).
    pub created_at: String,
}

/// Why a message was not sent, and whether sending it again could help.
pub struct Failure {
    pub message: String,
    /// The provider refused this message for good: it is not tried again.
    pub permanent: bool,
}

impl Failure {
    /// A failure that may pass (an outage, a timeout): the message is tried again.
    pub fn retry(message: String) -> Failure {
        Failure { message, permanent: false }
    }
}

/// Test hook: `EDGESHOP_FAULTS` with `email-fail-once` fails each message's first send,
/// `email-fail-always` every send. Production never sets the variable.
fn injected_failure(env: &Env, attempt: u32) -> Option<String> {
    let on = |name: &str| crate::services::fault_on(env, name);
    (on("email-fail-always") || (on("email-fail-once") && attempt == 1)).then(|| "injected send failure (test configuration)".to_string())
}

/// Sends what is unsent for the order. `Err` when a send failed and will be tried again (the
/// caller retries the queue message, with backoff).
pub async fn send_pending(env: &Env, number: u64) -> Result<(), ApiError> {
    #[derive(Deserialize)]
    struct Waiting {
        event_id: String,
    }
    let db = db::db(env)?;
    // Claim every message of the order that is waiting (only one sender at a time per message,
    // and a stale claim is taken over), in one transaction with reading what waited: a message
    // that waited and was not claimed is held by another sender. The order and its payments,
    // which the messages tell of, are read in the same round trip.
    let mut statements = vec![
        stmt(&db, "SELECT event_id FROM notifications WHERE order_number = ?1 AND sent_at IS NULL AND failed_at IS NULL", args![number])?,
        stmt(
            &db,
            "UPDATE notifications SET claimed_at = ?1, attempts = attempts + 1
             WHERE order_number = ?2 AND sent_at IS NULL AND failed_at IS NULL
               AND (claimed_at IS NULL OR unixepoch(claimed_at) < unixepoch(?1) - ?3)
             RETURNING event_id, order_number, template, recipient, attempts, created_at",
            args![&now_rfc3339(), number, CLAIM_LEASE_SECONDS],
        )?,
        orders::money_moves_read(&db, number)?,
        orders::refunded_units_read(&db, number)?,
        stmt(&db, "SELECT id, lines_json, reason FROM returns WHERE order_number = ?1 ORDER BY id DESC", args![number])?,
    ];
    statements.extend(orders::stored_reads(&db, number)?);
    let results = db::batch_rows(&db, statements, "claim messages").await?;
    let waiting: Vec<Waiting> = results[0].results().context("messages waiting")?;
    let mut claimed: Vec<Pending> = results[1].results().context("messages claimed")?;
    claimed.sort_by(|a, b| (&a.created_at, &a.event_id).cmp(&(&b.created_at, &b.event_id)));
    // Sent or failed meanwhile, or claimed by a sender that may have died before it could say
    // how it went: this event comes back once that claim has lapsed, and takes it over (acked
    // now, the message would wait for the order's next event).
    let claimed_elsewhere = waiting.iter().any(|w| !claimed.iter().any(|c| c.event_id == w.event_id));
    let what = format!("a message for order {number}");
    if claimed.is_empty() {
        return round_outcome(env, &what, None, claimed_elsewhere);
    }
    let Some(stored) = orders::stored_from(&results[5..])? else { return Ok(()) };
    let shop = crate::build_data::manifest(env).await?.shop.clone();
    let moves: Vec<MoneyMove> = results[2].results().context("payments")?;
    let refunded_by_line = orders::sku_units(results[3].results().context("line refunds")?);
    #[derive(serde::Deserialize)]
    struct ReturnRow {
        id: i64,
        lines_json: String,
        reason: String,
    }
    // The order's returns, the newest first.
    let returns: Vec<(i64, LastReturn)> = results[4]
        .results::<ReturnRow>()
        .context("returns")?
        .into_iter()
        .map(|r| {
            let units = serde_json::from_str::<Vec<edgeshop_api::admin::ReturnLine>>(&r.lines_json).map(|l| orders::units(&l)).unwrap_or_default();
            (r.id, LastReturn { units, reason: r.reason })
        })
        .collect();
    let mailer = crate::services::mailer::transport(env).context("email")?;
    let texts = crate::services::sms::transport(env);
    let mut retry = None;
    // What each send did, written in one round trip once all are sent; then what follows from
    // it on the order.
    let mut marks = Vec::new();
    let (mut sent_after_all, mut failed_for_good) = (Vec::new(), Vec::new());
    let low_stock = if claimed.iter().any(|p| p.template == "merchant_new_order") { running_low(env, &stored.order, &shop).await } else { vec![] };
    for p in claimed {
        // A return's message tells of its own return (named in its event's id), else the newest.
        let about = return_of(&p.event_id).and_then(|id| returns.iter().find(|(r, _)| *r == id)).or(returns.first());
        let facts = Facts {
            moves: &moves,
            attention: stored.attention.as_deref(),
            low_stock: &low_stock,
            refunded_by_line: &refunded_by_line,
            last_return: about.map(|(_, r)| r),
        };
        // The claim counted this try.
        let attempt = p.attempts;
        // A text message (its row was made as one: see `orders::record`), or an email.
        let message = if is_text(&p.event_id) {
            match (&texts, render_sms(&p.template, &stored.order, &shop)) {
                (Some(sms), Some(body)) => Some(Outgoing::Text(sms, body)),
                (None, Some(_)) => {
                    // Switched off or misconfigured since the order was placed: the merchant
                    // sees it failed (and can send it again once texts work).
                    let why = "text messages are not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, SMS_FROM)";
                    marks.push(mark(
                        &db,
                        &p.event_id,
                        "UPDATE notifications SET failed_at = ?1, last_error = ?3, claimed_at = NULL WHERE event_id = ?2",
                        Some(why),
                    )?);
                    continue;
                }
                _ => None,
            }
        } else {
            render(&p.template, &stored.order, &shop, &facts, &p.recipient, &p.created_at).map(Outgoing::Email)
        };
        let Some(message) = message else {
            // Nothing to tell the shopper for this kind (packing is internal).
            marks.push(mark(&db, &p.event_id, "UPDATE notifications SET sent_at = ?1, message_id = 'not-sent' WHERE event_id = ?2", None)?);
            continue;
        };
        let sent = match (injected_failure(env, attempt), message) {
            (Some(e), _) => Err(Failure::retry(e)),
            (None, Outgoing::Email(email)) => mailer.send(&email).await.map_err(Failure::retry),
            (None, Outgoing::Text(sms, body)) => sms.send(&p.recipient, &body).await,
        };
        match sent {
            Ok(id) => {
                marks.push(mark(
                    &db,
                    &p.event_id,
                    "UPDATE notifications SET sent_at = ?1, message_id = ?3, claimed_at = NULL WHERE event_id = ?2",
                    Some(&id),
                )?);
                if stored.attention.as_deref().is_some_and(|a| a.contains(&failure_note(&p.template, &p.recipient))) {
                    sent_after_all.push(p);
                }
            }
            Err(Failure { message: e, permanent }) if permanent || attempt >= MAX_ATTEMPTS => {
                worker::console_error!("message {} for order {} failed for good: {e}", p.template, number);
                marks.push(mark(
                    &db,
                    &p.event_id,
                    "UPDATE notifications SET failed_at = ?1, last_error = ?3, claimed_at = NULL WHERE event_id = ?2",
                    Some(&e),
                )?);
                if !p.template.starts_with("merchant_") {
                    failed_for_good.push((p, e));
                }
            }
            Err(Failure { message: e, .. }) => {
                worker::console_warn!("message {} for order {} failed (attempt {attempt}): {e}", p.template, number);
                marks.push(mark(&db, &p.event_id, "UPDATE notifications SET last_error = ?3, claimed_at = NULL WHERE event_id = ?2", Some(&e))?);
                retry = Some((e, attempt));
            }
        }
    }
    db::batch(&db, marks).await?;
    for p in sent_after_all {
        forget_failure(env, number, &p).await?;
    }
    let alerted = !failed_for_good.is_empty();
    for (p, e) in failed_for_good {
        alert_failed(env, &p, &shop, &e).await?;
    }
    if alerted {
        // The merchant's alerts just written go now, not with the order's next event (they are
        // merchant messages: a failure of theirs alerts no one again, so this goes one level deep).
        Box::pin(send_pending(env, number)).await?;
    }
    round_outcome(env, &what, retry, claimed_elsewhere)
}

enum Outgoing<'a> {
    Email(Email),
    Text(&'a crate::services::sms::Sms, String),
}

/// The id of the text message beside an event's email (see [`is_text`]).
pub fn text_id(event_id: &str) -> String {
    format!("{event_id}:sms")
}

/// Whether a notification row is a text message (its recipient a phone number), by its id.
pub fn is_text(event_id: &str) -> bool {
    event_id.ends_with(":sms")
}

/// Whether a shopper who asked for text messages is texted about this step (the ones a parcel
/// waits on; refunds and returns are told by email).
pub fn texted(template: &str) -> bool {
    matches!(
        template,
        "order_confirmation" | "payment_failed" | "payment_expired" | "order_shipped" | "order_delivered" | "order_cancelled" | "order_undelivered"
    )
}

/// The text message of a step (see [`texted`]): short, the shop's name first, the order page last.
pub fn render_sms(template: &str, order: &Order, shop: &Shop) -> Option<String> {
    let n = order.number;
    let link = format!("{}/orders/?number={n}&token={}", shop.base_url, order.token);
    let what = match template {
        "order_confirmation" => format!("order {n} received, thank you."),
        "payment_failed" => format!("the payment for order {n} did not go through; no money was taken. Try again:"),
        "payment_expired" => format!("order {n} was cancelled: the payment was not completed in time."),
        "order_shipped" => match order.history.iter().rev().find_map(|h| h.tracking.clone()) {
            Some(t) => format!("order {n} is on its way with {} (tracking {}).", t.carrier, t.number),
            None => format!("order {n} is on its way."),
        },
        "order_delivered" => format!("order {n} was delivered."),
        "order_cancelled" => format!("order {n} was cancelled."),
        "order_undelivered" => format!("order {n} came back to us undelivered and was cancelled."),
        _ => return None,
    };
    Some(format!("{}: {what} {link}", shop.name))
}

/// A message that could not be sent goes on the order for the merchant, with an alert.
async fn alert_failed(env: &Env, p: &Pending, shop: &Shop, error: &str) -> Result<(), ApiError> {
    let db = db::db(env)?;
    let note = format!("{} {error}", failure_note(&p.template, &p.recipient));
    let mut statements = vec![stmt(
        &db,
        "UPDATE orders SET attention = COALESCE(attention || char(10), '') || ?1, version = version + 1 WHERE number = ?2",
        args![&note, p.order_number],
    )?];
    for (i, to) in shop.email.merchant.iter().enumerate() {
        statements.push(stmt(
            &db,
            "INSERT OR IGNORE INTO notifications (event_id, order_number, template, recipient, created_at) VALUES (?1, ?2, 'merchant_attention', ?3, ?4)",
            args![&format!("{}:failed:{i}", p.event_id), p.order_number, to, &now_rfc3339()],
        )?);
    }
    db::batch(&db, statements).await
}

/// How the order's attention note starts for a message that could not be sent.
fn failure_note(template: &str, recipient: &str) -> String {
    format!("the {template} message to {recipient} could not be sent:")
}

/// A message sent after all (staff sent it again): its line goes from the order's attention note,
/// and the note with it when that was all. Written only over the note as read, so a line added
/// meanwhile is not lost (the old line then stays).
async fn forget_failure(env: &Env, number: u64, p: &Pending) -> Result<(), ApiError> {
    #[derive(Deserialize)]
    struct Note {
        attention: Option<String>,
    }
    let db = db::db(env)?;
    let note: Option<Note> = db::first(stmt(&db, "SELECT attention FROM orders WHERE number = ?1", args![number])?).await?;
    let Some(old) = note.and_then(|n| n.attention) else { return Ok(()) };
    let failed = failure_note(&p.template, &p.recipient);
    let kept: Vec<&str> = old.lines().filter(|l| !l.starts_with(&failed)).collect();
    if kept.len() == old.lines().count() {
        return Ok(());
    }
    let new = (!kept.is_empty()).then(|| kept.join("\n"));
    stmt(&db, "UPDATE orders SET attention = ?1, version = version + 1 WHERE number = ?2 AND attention = ?3", args![new.as_deref(), number, &old])?
        .run()
        .await
        .context("attention note")?;
    Ok(())
}

/// Updates a message's state: `?1` is now, `?2` the message, `?3` (when given) the value.
fn mark(db: &D1Database, event_id: &str, sql: &str, value: Option<&str>) -> Result<D1PreparedStatement, ApiError> {
    let now = now_rfc3339();
    match value {
        Some(v) => stmt(db, sql, args![&now, event_id, v]),
        None => stmt(db, sql, args![&now, event_id]),
    }
}

/// Puts a message of order `number` that failed every try back to be sent (its tries start over;
/// the caller queues the sending). Its template and recipient, or `None` when the order has no
/// such failed message.
pub async fn resend(env: &Env, number: u64, event_id: &str) -> Result<Option<(String, String)>, ApiError> {
    #[derive(Deserialize)]
    struct Again {
        template: String,
        recipient: String,
    }
    let db = db::db(env)?;
    let again: Vec<Again> = db::write_returning(
        stmt(
            &db,
            "UPDATE notifications SET failed_at = NULL, claimed_at = NULL, attempts = 0, last_error = 'sent again by staff'
             WHERE event_id = ?1 AND order_number = ?2 AND failed_at IS NOT NULL AND sent_at IS NULL AND recipient NOT LIKE 'erased-%'
             RETURNING template, recipient",
            args![event_id, number],
        )?,
        "message to send again",
    )
    .await?;
    Ok(again.into_iter().next().map(|a| (a.template, a.recipient)))
}

pub async fn failed(env: &Env) -> Result<Vec<edgeshop_api::admin::FailedNotification>, ApiError> {
    let db = db::db(env)?;
    db::all(stmt(
        &db,
        "SELECT event_id, order_number, template, recipient, attempts, last_error, failed_at FROM notifications WHERE failed_at IS NOT NULL ORDER BY failed_at DESC LIMIT 500",
        args![],
    )?)
    .await
}

use edgeshop_domain::escape_html as esc;

/// The message for one template, or `None` when the shopper is not told about this kind.
/// `at` is when the message was made: a refund's message tells the refund recorded by that change.
/// What an email may tell besides the order itself.
pub struct Facts<'a> {
    /// The order's payments and refunds.
    pub moves: &'a [MoneyMove],
    /// What needs the merchant's attention.
    pub attention: Option<&'a str>,
    /// The order's SKUs running low, a line each (the merchant's new-order email).
    pub low_stock: &'a [String],
    /// Units staff refunded by line, by SKU: said beside their lines.
    pub refunded_by_line: &'a [(String, u32)],
    /// The order's latest return: what the return messages name.
    pub last_return: Option<&'a LastReturn>,
}

/// The return a message is about, from its event's id: `return-{number}-{id}` (asked for),
/// `return-{step}-{number}-{id}` (approved, rejected, received), with `:alert:N` or `:sms` after
/// for the merchant's alert and the text.
fn return_of(event_id: &str) -> Option<i64> {
    let id = event_id.split(':').next()?;
    id.strip_prefix("return-")?.rsplit('-').next()?.parse().ok()
}

/// A return's units and the shopper's reason, for its messages.
pub struct LastReturn {
    pub units: Vec<(String, u32)>,
    pub reason: String,
}

/// The units of a return as a sentence's list: "1 × Nova Sport Earbuds (Black), 2 × Drift Tee".
fn units_named(order: &Order, units: &[(String, u32)]) -> String {
    units
        .iter()
        .filter(|(_, q)| *q > 0)
        .map(|(sku, q)| {
            let name = order.line_name_of(sku).unwrap_or_else(|| sku.clone());
            format!("{q} × {name}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The order's SKUs at or under the shop's low-stock level now (`[back_office] low_stock`), for
/// the merchant's new-order email. A failed read leaves them out: the order's news does not wait.
async fn running_low(env: &Env, order: &Order, shop: &Shop) -> Vec<String> {
    let skus: Vec<String> = order.lines.iter().map(|l| l.sku.clone()).collect();
    let levels = match crate::services::stock::Stock(env).levels(&skus).await {
        Ok(levels) => levels,
        Err(e) => {
            worker::console_warn!("stock levels for order {}'s alert: {e}", order.number);
            return vec![];
        }
    };
    order
        .lines
        .iter()
        .zip(levels)
        .filter(|(_, level)| shop.back_office.is_low(level.available))
        .map(|(l, level)| {
            let left = if level.available <= 0 { "none left".to_string() } else { format!("{} left", level.available) };
            format!("Running low: {}, SKU {}: {left}.", edgeshop_domain::line_name(&l.title, &l.variant_title), l.sku)
        })
        .collect()
}

/// The reason staff gave with the latest history note that starts with `prefix` (then `: why`).
fn reason_after<'o>(order: &'o Order, prefix: &str) -> Option<&'o str> {
    let why = order.history.iter().rev().find_map(|h| h.note.as_deref()?.strip_prefix(prefix))?;
    Some(why.trim_start_matches(':').trim()).filter(|w| !w.is_empty())
}

pub fn render(template: &str, order: &Order, shop: &Shop, facts: &Facts, to: &str, at: &str) -> Option<Email> {
    let (moves, attention) = (facts.moves, facts.attention);
    let n = order.number;
    // The merchant's alerts lead to the order in the back office, the shopper's to their page.
    let merchant = template.starts_with("merchant_");
    let link = if merchant {
        format!("{}/admin/order/?n={n}", shop.base_url)
    } else {
        format!("{}/orders/?number={n}&token={}", shop.base_url, order.token)
    };
    let fmt = |m: Money| m.format(&shop.locale);
    let (subject, intro): (String, Vec<String>) = match template {
        "order_confirmation" => {
            let pay = match (order.payment, order.status) {
                (PaymentMethod::CashOnDelivery, _) if order.totals.total.minor == 0 => "There is nothing to pay.".to_string(),
                (PaymentMethod::CashOnDelivery, _) => format!("You pay on delivery: please have {} ready for the courier.", fmt(order.totals.total)),
                (PaymentMethod::Online, OrderStatus::Paid) => "Your payment has been received.".to_string(),
                (PaymentMethod::Online, _) => "We will confirm as soon as your payment arrives.".to_string(),
            };
            (format!("Order {n} received"), vec![format!("Thank you for your order at {}.", shop.name), pay])
        }
        "payment_received" => (
            format!("Payment received for order {n}"),
            vec![format!("We have received {} for order {n}. We will tell you when it ships.", fmt(order.totals.total))],
        ),
        "payment_failed" => (
            format!("Payment for order {n} did not go through"),
            vec!["Your payment did not go through and no money was taken.".into(), format!("You can try again from your order page: {link}")],
        ),
        "payment_expired" => (
            format!("Order {n} was cancelled"),
            vec!["The payment was not completed in time, so we cancelled the order and no money was taken.".into()],
        ),
        "order_shipped" => {
            let mut lines = vec!["Your order has left our warehouse.".to_string()];
            if let Some(t) = order.history.iter().rev().find_map(|h| h.tracking.clone()) {
                lines.push(format!("Carrier: {} · tracking number {}.", t.carrier, t.number));
                lines.extend(t.url().map(|url| format!("Track the parcel with {}: {url}", t.carrier)));
            }
            lines.push(format!("Follow it from your order page: {link}"));
            (format!("Order {n} is on its way"), lines)
        }
        "order_delivered" => (
            format!("Order {n} was delivered"),
            vec!["Your order was delivered. If anything is wrong, you can request a return from your order page.".into()],
        ),
        "order_cancelled" => {
            let paid = moves.iter().any(|m| m.kind == "payment" && m.status == "succeeded");
            let money = match order.payment {
                _ if paid => "The money you paid is on its way back to you.",
                PaymentMethod::CashOnDelivery => "There is nothing to pay.",
                PaymentMethod::Online => "No money was taken.",
            };
            // Why, when the shop cancelled it and said.
            let why = reason_after(order, crate::services::events::CANCELLED_BY_SHOP);
            let cancelled = why.map_or_else(|| "Your order was cancelled.".to_string(), |w| format!("We cancelled your order ({w})."));
            (format!("Order {n} was cancelled"), vec![format!("{cancelled} {money}")])
        }
        "order_undelivered" => {
            let paid = moves.iter().any(|m| m.kind == "payment" && m.status == "succeeded");
            let money = if paid { "The money you paid is on its way back to you." } else { "There is nothing to pay." };
            // Why, as staff recorded it on the order.
            let why = reason_after(order, crate::services::events::UNDELIVERED);
            let back = why
                .map_or_else(|| "Your parcel came back to us undelivered".to_string(), |w| format!("Your parcel came back to us undelivered ({w})"));
            (
                format!("Order {n} came back to us"),
                vec![
                    format!("{back}, so we have cancelled the order. {money}"),
                    "If you still want the items, you are welcome to order again.".into(),
                ],
            )
        }
        "refund_issued" => {
            // The refund this change recorded (none said when it failed: the merchant is told);
            // else the latest that did not fail.
            let refunds = || moves.iter().rev().filter(|m| m.kind == "refund");
            let last = match refunds().find(|m| m.created_at == at) {
                Some(this) if this.status == "failed" => return None,
                Some(this) => this,
                None => refunds().find(|m| m.status != "failed")?,
            };
            let amount = edgeshop_domain::Currency::parse(&last.currency).map(|c| fmt(Money::new(last.amount_minor, c))).unwrap_or_default();
            // A refund the shop made itself says how.
            let how = match last.provider.strip_prefix("by_hand:") {
                Some("cash") => format!("We have refunded {amount} in cash."),
                Some("bank_transfer") => format!("We have refunded {amount} by bank transfer. Banks take a few days to show it."),
                Some("voucher") => format!("We have refunded {amount} as a voucher."),
                Some(_) => format!("We have refunded {amount}."),
                None => format!("We have refunded {amount} to the way you paid. Banks take a few days to show it."),
            };
            let mut lines = vec![how];
            lines.extend(last.reason.as_deref().filter(|r| !r.is_empty()).map(|r| format!("{}Reason: {r}", crate::services::mailer::NO_LINK)));
            (format!("Refund of {amount} for order {n}"), lines)
        }
        "return_requested" => {
            let what = facts.last_return.map(|r| units_named(order, &r.units)).filter(|w| !w.is_empty());
            let asked = what.map_or_else(|| "We have your return request".to_string(), |w| format!("We have your request to return {w}"));
            (format!("Return requested for order {n}"), vec![format!("{asked} and will tell you how to send the items back.")])
        }
        "return_approved" => {
            // Where to send it: the seller's address from shop.toml's [business], when it has one.
            let b = &shop.business;
            let send = if b.address.is_empty() {
                "Please send the items back to us, with your order number on the parcel.".to_string()
            } else {
                let name = if b.legal_name.is_empty() { shop.name.as_str() } else { b.legal_name.as_str() };
                format!("Please send the items back, with your order number on the parcel, to: {name}, {}.", b.address.join(", "))
            };
            (
                format!("Your return for order {n} is accepted"),
                vec![send, format!("We refund them as soon as they arrive. Follow your return here: {link}")],
            )
        }
        "return_rejected" => {
            // The reason staff gave with the latest rejection, if any.
            let why = reason_after(order, RETURN_REJECTED);
            let decision = why.map_or_else(
                || "We cannot accept this return.".to_string(),
                |w| format!("{}We cannot accept this return: {w}", crate::services::mailer::NO_LINK),
            );
            (format!("About your return for order {n}"), vec![decision, "Reply to this message if you have questions.".into()])
        }
        "return_received" => {
            let what = facts.last_return.map(|r| units_named(order, &r.units)).filter(|w| !w.is_empty());
            let arrived =
                what.map_or_else(|| "The items you sent back have arrived.".to_string(), |w| format!("What you sent back has arrived: {w}."));
            // Cash on delivery has no payment to refund to: the shop gives it back by hand.
            let refund = match order.payment {
                PaymentMethod::CashOnDelivery => "We will be in touch about how to give you your refund.",
                PaymentMethod::Online => "Your refund is on its way.",
            };
            (format!("We received your return for order {n}"), vec![format!("{arrived} {refund}")])
        }
        // For the merchant.
        "merchant_new_order" => {
            let mut lines = vec![format!(
                "{} ordered {} item(s) ({}).",
                order.contact.email,
                order.lines.iter().map(|l| l.quantity).sum::<u32>(),
                match order.payment {
                    PaymentMethod::CashOnDelivery => "cash on delivery",
                    PaymentMethod::Online => "online payment",
                }
            )];
            if !facts.low_stock.is_empty() {
                lines.extend(facts.low_stock.iter().cloned());
                lines.push(format!("The stock list: {}/admin/stock/?low=yes", shop.base_url));
            }
            (format!("New order {n}: {}", fmt(order.totals.total)), lines)
        }
        "merchant_attention" => (format!("Order {n} needs your attention"), attention.unwrap_or("").lines().map(str::to_string).collect()),
        "merchant_return_requested" => {
            let mut lines = vec![match facts.last_return.map(|r| units_named(order, &r.units)).filter(|w| !w.is_empty()) {
                Some(what) => format!("{} asks to send back {what}.", order.contact.email),
                None => format!("{} asks to send items back.", order.contact.email),
            }];
            // In the shopper's words: never made a link.
            lines.extend(
                facts
                    .last_return
                    .map(|r| r.reason.trim())
                    .filter(|r| !r.is_empty())
                    .map(|r| format!("{}Their reason: {r}", crate::services::mailer::NO_LINK)),
            );
            lines.push("Approve or refuse the return in the back office.".into());
            (format!("Return requested for order {n}"), lines)
        }
        _ => return None,
    };
    let mut text = format!("{}\n\n", subject);
    for p in &intro {
        text.push_str(crate::services::mailer::plain_paragraph(p));
        text.push_str("\n\n");
    }
    let mut rows = String::new();
    for l in &order.lines {
        // Units refunded by line (kept back before it left, or refunded later), beside their line.
        let refunded = edgeshop_domain::units_of(facts.refunded_by_line, &l.sku).min(l.quantity);
        let note = if refunded > 0 { format!(" ({refunded} refunded)") } else { String::new() };
        text.push_str(&format!("{} × {} {}{note}\n", l.quantity, edgeshop_domain::line_name(&l.title, &l.variant_title), fmt(l.line_total)));
        let variant =
            edgeshop_domain::shown_variant(&l.variant_title).map(|v| format!(" <span style=\"color:#666\">({})</span>", esc(v))).unwrap_or_default();
        rows.push_str(&format!(
            "<tr><td style=\"padding:4px 0\">{} × {}{variant}{}</td><td style=\"padding:4px 0;text-align:right\">{}</td></tr>",
            l.quantity,
            esc(&l.title),
            esc(&note),
            esc(&fmt(l.line_total))
        ));
    }
    let discount = order
        .totals
        .discount
        .map(|d| (format!("Discount ({})", order.discount_code.as_deref().unwrap_or_default()), Money::new(-d.minor, d.currency)));
    let mut totals = vec![("Subtotal".to_string(), order.totals.subtotal)];
    totals.extend(discount);
    totals.extend([
        ("Shipping".to_string(), order.totals.shipping),
        (order.totals.tax_label(), order.totals.tax),
        ("Total".to_string(), order.totals.total),
    ]);
    // What went back, and what that leaves paid (the shopper's messages; not a failed refund).
    // A payment made twice and given back is no refund of the order.
    let refunded = crate::services::orders::refunded_of(moves, order.totals.total.minor);
    if refunded > 0 && !merchant {
        let currency = order.totals.total.currency;
        totals.push(("Refunded".to_string(), Money::new(-refunded, currency)));
        totals.push(("Paid after refunds".to_string(), Money::new((order.totals.total.minor - refunded).max(0), currency)));
    }
    for (label, m) in totals {
        let shown = if label == "Shipping" { edgeshop_api::shipping_label(m.minor, fmt(m)) } else { fmt(m) };
        text.push_str(&format!("{label}: {shown}\n"));
        let weight = if label == "Total" { "bold" } else { "normal" };
        let label = esc(&label);
        rows.push_str(&format!("<tr><td style=\"padding:2px 0;font-weight:{weight}\">{label}</td><td style=\"padding:2px 0;text-align:right;font-weight:{weight}\">{}</td></tr>", esc(&shown)));
    }
    let address = order.address.lines();
    // Online orders are paid only once the provider said so: the confirmation of an order
    // waiting for payment, or the notice of a failed one, does not say "paid".
    let payment = match order.payment {
        PaymentMethod::CashOnDelivery => "Cash on delivery",
        PaymentMethod::Online if order.awaits_payment() => "Online, not paid yet",
        PaymentMethod::Online if order.status == edgeshop_domain::OrderStatus::Cancelled => "Online",
        PaymentMethod::Online => "Paid online",
    };
    // The shopper's messages lead to their account too (not the merchant's alerts).
    let account = (!merchant).then(|| format!("{}/account/", shop.base_url));
    let account_line = account.as_ref().map(|a| format!("All your orders: {a}\n")).unwrap_or_default();
    let (open, about) = if merchant { ("Open it in the back office", "order") } else { ("View your order", "your order") };
    text.push_str(&format!("\nShip to:\n{}\n\nPayment: {payment}\n{open}: {link}\n{account_line}\n{}\n", address.join("\n"), shop.name));
    // A paragraph ending in `: https://…` links its text there (as in newsletters).
    let paragraphs: String =
        intro.iter().map(|p| format!("<p style=\"margin:0 0 12px\">{}</p>", crate::services::mailer::paragraph_html(p))).collect();
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\
<body style=\"margin:0;padding:0;background:#f5f5f2\"><div style=\"max-width:560px;margin:0 auto;padding:24px 16px;font:16px/1.5 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1d1d1b\">\
<p style=\"margin:0 0 16px;font-weight:bold;color:#1f4e46\">{shop}</p><h1 style=\"font-size:22px;margin:0 0 16px\">{title}</h1>{paragraphs}\
<table role=\"presentation\" style=\"width:100%;border-collapse:collapse;margin:16px 0;border-top:1px solid #ddd\">{rows}</table>\
<p style=\"margin:0 0 4px;font-weight:bold\">Ship to</p><p style=\"margin:0 0 16px\">{address}</p><p style=\"margin:0 0 16px\">Payment: {payment}</p>\
<p style=\"margin:24px 0\"><a href=\"{link_attr}\" style=\"background:#1f4e46;color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block\">{open}</a></p>\
<p style=\"font-size:13px;color:#666\">{shop} · this message is about {about} {n}{account_link}.</p></div></body></html>",
        title = esc(&subject),
        shop = esc(&shop.name),
        address = address.iter().map(|s| esc(s)).collect::<Vec<_>>().join("<br>"),
        link_attr = esc(&link),
        account_link = account.map(|a| format!(" · <a href=\"{}\" style=\"color:#666\">all your orders</a>", esc(&a))).unwrap_or_default(),
    );
    Some(Email::from_shop(shop, to, subject, text, html))
}

#[cfg(test)]
mod tests {
    use edgeshop_api::admin::MoneyMove;
    use edgeshop_domain::*;

    fn shop() -> Shop {
        let shipping = ShippingRules { flat_rate: Money::new(0, Currency::EUR), free_over: None, countries: vec!["IE".into()], zones: vec![] };
        Shop { base_url: "https://s.example".into(), ..Shop::with_rules("S", Currency::EUR, "en-IE", shipping, TaxRules::one_rate(0, true)) }
    }

    fn refund(id: &str, minor: i64, status: &str, at: &str) -> MoneyMove {
        let (kind, provider, currency) = ("refund".into(), "stripe".into(), "EUR".into());
        MoneyMove { id: id.into(), kind, provider, amount_minor: minor, currency, status: status.into(), created_at: at.into(), reason: None }
    }

    #[test]
    fn a_refund_message_tells_the_refund_its_change_recorded() {
        let shop = shop();
        let cart = PricedCart { catalog_version: "v".into(), lines: vec![], subtotal: Money::new(2000, Currency::EUR) };
        let address =
            Address { name: "A".into(), line1: "1".into(), line2: String::new(), city: "C".into(), postal_code: "P".into(), country: "IE".into() };
        let totals = checkout_totals(cart.subtotal, &shop).unwrap();
        let contact = Contact { email: "a@b.ie".into(), phone: String::new(), sms: false };
        let placement = Placement {
            number: 7,
            token: "t".into(),
            totals,
            address,
            contact,
            payment: PaymentMethod::Online,
            at: "T0".into(),
            discount_code: None,
        };
        let order = Order::place(cart, placement);
        let moves = [refund("re_1", 500, "succeeded", "T1"), refund("re_2", 300, "succeeded", "T2"), refund("re_3", 200, "failed", "T3")];
        let subject = |at: &str| {
            super::render(
                "refund_issued",
                &order,
                &shop,
                &super::Facts { moves: &moves, attention: None, low_stock: &[], refunded_by_line: &[], last_return: None },
                "a@b.ie",
                at,
            )
            .map(|e| e.subject)
        };
        let euros = |minor: i64| Money::new(minor, Currency::EUR).format("en-IE");
        assert_eq!(subject("T1"), Some(format!("Refund of {} for order 7", euros(500))), "the first refund's message, sent after the second");
        assert_eq!(subject("T2"), Some(format!("Refund of {} for order 7", euros(300))));
        assert_eq!(subject("T3"), None, "a refund that failed is not announced to the shopper");
        assert_eq!(subject("T9"), Some(format!("Refund of {} for order 7", euros(300))), "an update of an earlier refund: the latest");
        // The shopper's messages lead to their order page; the merchant's to the back office.
        let facts = super::Facts { moves: &moves, attention: None, low_stock: &[], refunded_by_line: &[], last_return: None };
        // What went back and what that leaves paid, under the order's total (a failed refund not).
        let text = super::render("refund_issued", &order, &shop, &facts, "a@b.ie", "T2").unwrap().text;
        assert!(text.contains(&format!("Paid after refunds: {}", euros(1200))) && text.contains("Refunded: "), "{text}");
        // A refund the shop made by hand says how.
        let by_hand = [MoneyMove { provider: "by_hand:bank_transfer".into(), ..refund("by-hand-7-x", 450, "succeeded", "T5") }];
        let hand = super::Facts { moves: &by_hand, attention: None, low_stock: &[], refunded_by_line: &[], last_return: None };
        let email = super::render("refund_issued", &order, &shop, &hand, "a@b.ie", "T5").unwrap();
        assert!(email.text.contains(&format!("We have refunded {} by bank transfer.", euros(450))), "{}", email.text);
        assert!(!email.text.contains("Reason:"), "no reason given, none said: {}", email.text);
        // With the reason staff gave, in the text and the HTML (escaped).
        let why = [MoneyMove { reason: Some("Goodwill: parcel <late>".into()), ..refund("re_9", 1000, "succeeded", "T6") }];
        let told = super::Facts { moves: &why, attention: None, low_stock: &[], refunded_by_line: &[], last_return: None };
        let email = super::render("refund_issued", &order, &shop, &told, "a@b.ie", "T6").unwrap();
        assert!(email.text.contains("Reason: Goodwill: parcel <late>"), "{}", email.text);
        assert!(email.html.contains("Reason: Goodwill: parcel &lt;late&gt;"), "{}", email.html);
        let shopper = super::render("refund_issued", &order, &shop, &facts, "a@b.ie", "T1").unwrap();
        assert!(shopper.text.contains("View your order: https://s.example/orders/?number=7&token=t"), "{}", shopper.text);
        let merchant = super::render("merchant_return_requested", &order, &shop, &facts, "m@s.example", "T1").unwrap();
        assert!(merchant.text.contains("Open it in the back office: https://s.example/admin/order/?n=7"), "{}", merchant.text);
        assert!(!merchant.text.contains("token=") && !merchant.html.contains("token="), "{}", merchant.html);
        // The return a message is about, from its event's id.
        assert_eq!(super::return_of("return-1042-7"), Some(7));
        assert_eq!(super::return_of("return-received-1042-12:alert:0"), Some(12));
        assert_eq!(super::return_of("return-approved-1042-3:sms"), Some(3));
        assert_eq!(super::return_of("placed-1042"), None);
        // A return's messages name what is coming back, and the merchant hears the shopper's reason.
        let ret = super::LastReturn { units: vec![(order.lines.first().map(|l| l.sku.clone()).unwrap_or_default(), 1)], reason: "Too big".into() };
        let with_return = super::Facts {
            last_return: Some(&ret),
            ..super::Facts { moves: &moves, attention: None, low_stock: &[], refunded_by_line: &[], last_return: None }
        };
        let alert = super::render("merchant_return_requested", &order, &shop, &with_return, "m@s.example", "T1").unwrap().text;
        assert!(alert.contains("Their reason: Too big"), "{alert}");
        let received = super::render("return_received", &order, &shop, &with_return, "a@b.ie", "T1").unwrap().text;
        assert!(received.contains("Your refund is on its way."), "{received}");
        let mut cod = order.clone();
        cod.payment = PaymentMethod::CashOnDelivery;
        let received = super::render("return_received", &cod, &shop, &with_return, "a@b.ie", "T1").unwrap().text;
        assert!(received.contains("We will be in touch about how to give you your refund.") && !received.contains("on its way"), "{received}");
        // An accepted return says where to send it: the seller's address, when the shop has one.
        let approved = |shop: &Shop| super::render("return_approved", &order, shop, &facts, "a@b.ie", "T1").unwrap().text;
        assert!(approved(&shop).contains("send the items back to us"), "{}", approved(&shop));
        let mut with_address = shop.clone();
        with_address.business.address = vec!["1 Quay Road".into(), "Dublin 2".into()];
        assert!(approved(&with_address).contains("to: S, 1 Quay Road, Dublin 2."), "{}", approved(&with_address));
        // A parcel back undelivered: why, as staff said, and what it means for the money.
        let mut back = order.clone();
        back.payment = PaymentMethod::CashOnDelivery;
        back.history.push(StatusChange {
            status: OrderStatus::Cancelled,
            at: "T4".into(),
            note: Some(format!("{}: refused at the door", crate::services::events::UNDELIVERED)),
            tracking: None,
        });
        let none = super::Facts { moves: &[], attention: None, low_stock: &[], refunded_by_line: &[], last_return: None };
        let email = super::render("order_undelivered", &back, &shop, &none, "a@b.ie", "T4").unwrap();
        assert_eq!(email.subject, "Order 7 came back to us");
        assert!(
            email.text.contains("came back to us undelivered (refused at the door), so we have cancelled the order. There is nothing to pay."),
            "{}",
            email.text
        );
        let paid = [MoneyMove { kind: "payment".into(), ..refund("pi_1", 2000, "succeeded", "T0") }];
        let paid = super::Facts { moves: &paid, attention: None, low_stock: &[], refunded_by_line: &[], last_return: None };
        let email = super::render("order_undelivered", &order, &shop, &paid, "a@b.ie", "T4").unwrap();
        assert!(
            email.text.contains("came back to us undelivered, so we have cancelled the order. The money you paid is on its way back"),
            "{}",
            email.text
        );
    }

    #[test]
    fn failed_sends_wait_longer_each_time_except_under_the_development_switch() {
        let delays: Vec<Option<u64>> = (1..super::MAX_ATTEMPTS).map(|attempt| super::mail_retry_delay(attempt, false)).collect();
        assert_eq!(delays, [Some(30), Some(60), Some(120), Some(240)]);
        // Within the queue's bound on a retry's delay (the consumer clamps to 300 s).
        assert!(delays.iter().flatten().all(|d| *d <= 300));
        assert_eq!(super::mail_retry_delay(2, true), None);
    }
}
