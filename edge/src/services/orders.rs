//! Orders of record in D1. An order is written once at checkout (one batch: customer, order,
//! lines, first history entry) and changed only by the queue consumer, each change one batch
//! guarded by the order's version (the `orders_version_guard` trigger aborts a stale write) and by
//! the applied event's unique id (a redelivery aborts on the primary key).

use crate::error::{ApiError, Context, Problem};
use crate::services::db::{self, args, stmt};
use crate::services::text_search;
use edgeshop_domain::{Address, Contact, Currency, Money, Order, OrderStatus, PaymentMethod, PricedLine, StatusChange, Totals, Tracking};
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement, D1Result, Env};

pub use edgeshop_api::admin::{CustomerSummary, MoneyMove, Note, Notification, OrderSummary, ReturnView};

/// An order as stored, with the version its next change must start from.
pub struct Stored {
    pub order: Order,
    pub version: i64,
    pub refund_due_minor: i64,
    pub attention: Option<String>,
}

#[derive(Deserialize)]
struct OrderRow {
    number: u64,
    token: String,
    status: String,
    payment_method: String,
    currency: String,
    subtotal_minor: i64,
    shipping_minor: i64,
    tax_minor: i64,
    total_minor: i64,
    catalog_version: String,
    address_json: String,
    contact_json: String,
    version: i64,
    refund_due_minor: i64,
    attention: Option<String>,
    #[serde(default)]
    discount_code: Option<String>,
    #[serde(default)]
    discount_minor: i64,
    #[serde(default)]
    tax_rate_bp: Option<u32>,
}

#[derive(Deserialize)]
struct LineRow {
    sku: String,
    product_slug: String,
    title: String,
    variant_title: String,
    quantity: u32,
    unit_minor: i64,
    line_minor: i64,
}

#[derive(Deserialize)]
struct HistoryRow {
    status: String,
    at: String,
    note: Option<String>,
    carrier: Option<String>,
    tracking_number: Option<String>,
}

/// A unit enum's name as serde writes it (`OrderStatus::AwaitingPayment` → `awaiting_payment`,
/// `EventKind::PaymentSucceeded` → `payment.succeeded`): what D1 stores and JSON shows.
pub fn wire_name<T: Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn parse_enum<T: serde::de::DeserializeOwned>(name: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).context(format_args!("stored value `{name}`"))
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).context("stored JSON")
}

fn to_json<T: Serialize>(v: &T) -> Result<String, ApiError> {
    Ok(serde_json::to_string(v)?)
}

/// Writes a new order in one transaction. Fails (without writing anything) if the number or the
/// cart already has an order.
/// `session`: the analytics session the checkout came from, when the page sent a valid one.
pub async fn insert(env: &Env, order: &Order, cart_id: Option<&str>, session: Option<&str>, now: &str) -> Result<(), ApiError> {
    let db = db::db(env)?;
    // Each line's category as the catalog has it now (sales by category).
    let catalog = crate::build_data::skus(env, order.lines.iter().map(|l| l.sku.as_str())).await?;
    let category = |sku: &str| catalog.get(sku).map(|e| e.category.clone()).unwrap_or_default();
    let email = crate::services::email_key(&order.contact.email);
    let mut statements = vec![
        stmt(
            &db,
            "INSERT INTO customers (email, name, phone, first_order_at, last_order_at) VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT(email) DO UPDATE SET name = excluded.name, phone = excluded.phone, last_order_at = excluded.last_order_at",
            args![&email, &order.address.name, &order.contact.phone, now],
        )?,
        stmt(
            &db,
            "INSERT INTO orders (number, token, cart_id, email, name, status, payment_method, currency, subtotal_minor, shipping_minor,
               tax_minor, total_minor, catalog_version, address_json, contact_json, created_at, updated_at, analytics_session, discount_code, discount_minor, tax_rate_bp)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16, ?17, ?18, ?19, ?20)",
            args![
                order.number,
                &order.token,
                cart_id,
                &email,
                &order.address.name,
                &wire_name(order.status),
                &wire_name(order.payment),
                order.totals.total.currency.code(),
                order.totals.subtotal.minor,
                order.totals.shipping.minor,
                order.totals.tax.minor,
                order.totals.total.minor,
                &order.catalog_version,
                &to_json(&order.address)?,
                &to_json(&order.contact)?,
                now,
                session,
                order.discount_code.as_deref(),
                order.totals.discount.map_or(0, |d| d.minor),
                order.totals.tax_rate_bp,
            ],
        )?,
    ];
    for (position, l) in order.lines.iter().enumerate() {
        statements.push(stmt(
            &db,
            "INSERT INTO order_lines (order_number, position, sku, product_slug, title, variant_title, quantity, unit_minor, line_minor, category)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            args![
                order.number,
                position as u64,
                &l.sku,
                &l.product_slug,
                &l.title,
                &l.variant_title,
                l.quantity,
                l.unit_price.minor,
                l.line_total.minor,
                &category(&l.sku)
            ],
        )?);
    }
    for h in &order.history {
        statements.push(history_insert(&db, order.number, h, None)?);
    }
    // After the order: the trigger that refuses a use over the code's caps reads its email.
    if let Some(code) = &order.discount_code {
        statements.push(crate::services::discounts::use_statement(&db, order.number, code, &order.contact.email, now)?);
    }
    db::batch(&db, statements).await
}

fn history_insert(db: &worker::D1Database, number: u64, h: &StatusChange, event_id: Option<&str>) -> Result<D1PreparedStatement, ApiError> {
    stmt(
        db,
        "INSERT INTO order_history (order_number, status, at, note, carrier, tracking_number, event_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        args![
            number,
            &wire_name(h.status),
            &h.at,
            h.note.as_deref(),
            h.tracking.as_ref().map(|t| t.carrier.as_str()),
            h.tracking.as_ref().map(|t| t.number.as_str()),
            event_id,
        ],
    )
}

pub async fn load(env: &Env, number: u64) -> Result<Option<Order>, ApiError> {
    Ok(load_stored(env, number).await?.map(|s| s.order))
}

pub async fn load_stored(env: &Env, number: u64) -> Result<Option<Stored>, ApiError> {
    let db = db::db(env)?;
    // The order, its lines and its history in one round trip.
    stored_from(&db::reads(&db, stored_reads(&db, number)?).await?)
}

/// Orders loaded together at most, in one round trip (three reads each).
const LOADED_AT_ONCE: usize = 30;

/// The orders of these numbers that exist, each with its lines and history: a round trip for
/// every [`LOADED_AT_ONCE`] of them, not one an order (a customer's many orders stay within a
/// request's calls).
pub async fn load_many(env: &Env, numbers: &[u64]) -> Result<Vec<Order>, ApiError> {
    let db = db::db(env)?;
    let mut orders = Vec::with_capacity(numbers.len());
    for batch in numbers.chunks(LOADED_AT_ONCE) {
        let mut statements = Vec::with_capacity(batch.len() * 3);
        for n in batch {
            statements.extend(stored_reads(&db, *n)?);
        }
        let read = db::reads(&db, statements).await?;
        for one in read.chunks(3) {
            orders.extend(stored_from(one)?.map(|s| s.order));
        }
    }
    Ok(orders)
}

/// Whether an event was applied to its order already, and if not the order (with its lines and
/// history), in one round trip.
pub async fn load_for_event(env: &Env, number: u64, event_id: &str) -> Result<(bool, Option<Stored>), ApiError> {
    let db = db::db(env)?;
    let mut statements = vec![applied_read(&db, event_id)?];
    statements.extend(stored_reads(&db, number)?);
    let read = db::reads(&db, statements).await?;
    if !read[0].results::<serde_json::Value>().context("D1 rows")?.is_empty() {
        return Ok((true, None));
    }
    Ok((false, stored_from(&read[1..])?))
}

/// The reads of an order, its lines and its history, for [`stored_from`] (to run in one batch
/// with others).
pub fn stored_reads(db: &D1Database, number: u64) -> Result<Vec<D1PreparedStatement>, ApiError> {
    Ok(vec![
        stmt(db, "SELECT * FROM orders WHERE number = ?1", args![number])?,
        stmt(db, "SELECT * FROM order_lines WHERE order_number = ?1 ORDER BY position", args![number])?,
        stmt(db, "SELECT * FROM order_history WHERE order_number = ?1 ORDER BY id", args![number])?,
    ])
}

/// The order [`stored_reads`] read (their results, in order); `None` when there is none.
pub fn stored_from(read: &[D1Result]) -> Result<Option<Stored>, ApiError> {
    let Some(row) = read[0].results::<OrderRow>().context("D1 rows")?.into_iter().next() else {
        return Ok(None);
    };
    let lines: Vec<LineRow> = read[1].results().context("D1 rows")?;
    let history: Vec<HistoryRow> = read[2].results().context("D1 rows")?;
    let currency = Currency::parse(&row.currency).context("stored currency")?;
    let money = |minor| Money::new(minor, currency);
    let order = Order {
        number: row.number,
        token: row.token,
        catalog_version: row.catalog_version,
        lines: lines
            .into_iter()
            .map(|l| PricedLine {
                sku: l.sku,
                product_slug: l.product_slug,
                title: l.title,
                variant_title: l.variant_title,
                quantity: l.quantity,
                unit_price: money(l.unit_minor),
                line_total: money(l.line_minor),
            })
            .collect(),
        totals: Totals {
            subtotal: money(row.subtotal_minor),
            discount: (row.discount_minor > 0).then(|| money(row.discount_minor)),
            shipping: money(row.shipping_minor),
            tax: money(row.tax_minor),
            tax_rate_bp: row.tax_rate_bp,
            total: money(row.total_minor),
        },
        address: parse_json::<Address>(&row.address_json)?,
        contact: parse_json::<Contact>(&row.contact_json)?,
        payment: parse_enum::<PaymentMethod>(&row.payment_method)?,
        status: parse_enum::<OrderStatus>(&row.status)?,
        history: history
            .into_iter()
            .map(|h| {
                Ok(StatusChange {
                    status: parse_enum(&h.status)?,
                    at: h.at,
                    note: h.note,
                    tracking: match (h.carrier, h.tracking_number) {
                        (Some(carrier), Some(number)) => Some(Tracking { carrier, number }),
                        _ => None,
                    },
                })
            })
            .collect::<Result<_, ApiError>>()?,
        discount_code: row.discount_code,
        applied_events: vec![],
    };
    Ok(Some(Stored { order, version: row.version, refund_due_minor: row.refund_due_minor, attention: row.attention }))
}

/// The discount an order used, as the shopper's views show it.
pub fn discount_view(order: &Order) -> Option<edgeshop_api::OrderDiscount> {
    let amount = order.totals.discount?;
    Some(edgeshop_api::OrderDiscount { code: order.discount_code.clone().unwrap_or_default(), amount: crate::http::money_view(amount) })
}

/// The order placed from this cart, if any.
pub async fn number_for_cart(env: &Env, cart_id: &str) -> Result<Option<u64>, ApiError> {
    let db = db::db(env)?;
    #[derive(Deserialize)]
    struct Row {
        number: u64,
    }
    Ok(db::first::<Row>(stmt(&db, "SELECT number FROM orders WHERE cart_id = ?1", args![cart_id])?).await?.map(|r| r.number))
}

pub async fn event_seen(env: &Env, event_id: &str) -> Result<bool, ApiError> {
    let db = db::db(env)?;
    #[derive(Deserialize)]
    struct Seen {
        #[allow(dead_code)]
        event_id: String,
    }
    Ok(db::first::<Seen>(applied_read(&db, event_id)?).await?.is_some())
}

/// The read of an applied event's id (a row when the event was applied).
fn applied_read(db: &D1Database, event_id: &str) -> Result<D1PreparedStatement, ApiError> {
    stmt(db, "SELECT event_id FROM applied_events WHERE event_id = ?1", args![event_id])
}

pub async fn money_moves(env: &Env, number: u64) -> Result<Vec<MoneyMove>, ApiError> {
    let db = db::db(env)?;
    db::all(money_moves_read(&db, number)?).await
}

/// What an order's `moves` paid (succeeded payments) and refunded (refunds that did not fail),
/// in minor units.
pub fn paid_and_refunded(moves: &[MoneyMove]) -> (i64, i64) {
    let sum = |kind: &str, counts: fn(&str) -> bool| moves.iter().filter(|m| m.kind == kind && counts(&m.status)).map(|m| m.amount_minor).sum();
    (sum("payment", |s| s == "succeeded"), sum("refund", |s| s != "failed"))
}

/// What was refunded of order `number` (of `total`) so far, in minor units: the refunds, less
/// those that gave back a payment made on top of the total (paid twice).
pub async fn refunded(env: &Env, number: u64, total: i64) -> Result<i64, ApiError> {
    Ok(refunded_of(&money_moves(env, number).await?, total))
}

/// [`refunded`] from the order's `moves` already read.
pub fn refunded_of(moves: &[MoneyMove], total: i64) -> i64 {
    let (paid, refunded) = paid_and_refunded(moves);
    (refunded - (paid - total).max(0)).max(0)
}

/// [`refunded`] as SQL, for the order whose number and total are `number` and `total` (columns
/// of the query it is part of).
pub fn refunded_sql(number: &str, total: &str) -> String {
    refunded_before_sql(number, total, None)
}

/// [`refunded_sql`] counting only the refunds made before `before` (an SQL expression, a
/// timestamp), when given: what was refunded of the order as of then. A payment made twice is
/// given back first, so the refunds that count are those beyond it.
pub fn refunded_before_sql(number: &str, total: &str, before: Option<&str>) -> String {
    let when = before.map(|b| format!(" AND p.created_at < {b}")).unwrap_or_default();
    format!(
        "max(0, (SELECT coalesce(sum(p.amount_minor), 0) FROM payments p WHERE p.order_number = {number} AND p.kind = 'refund' AND p.status != 'failed'{when})
             - max(0, (SELECT coalesce(sum(p.amount_minor), 0) FROM payments p WHERE p.order_number = {number} AND p.kind = 'payment' AND p.status = 'succeeded')
                      - {total}))"
    )
}

/// How long a refund asked for counts against what is left before its event is applied.
const REFUND_REQUEST_SECONDS: u64 = 600;

/// Records a refund of `amount` asked for under `event_id` if, with the refunds asked for and not
/// applied yet, it is not more than is left to refund (what was paid less what was refunded): one
/// statement, so two asked for at once cannot both pass. `Err(left)` when it is more.
pub async fn reserve_refund(env: &Env, number: u64, event_id: &str, amount: i64) -> Result<Result<(), i64>, ApiError> {
    #[derive(Deserialize)]
    struct Left {
        left: i64,
    }
    let db = db::db(env)?;
    let now = crate::services::now_seconds();
    let since = now.saturating_sub(REFUND_REQUEST_SECONDS);
    let left_sql = "(SELECT coalesce(sum(CASE WHEN kind = 'payment' AND status = 'succeeded' THEN amount_minor
                                             WHEN kind = 'refund' AND status != 'failed' THEN -amount_minor ELSE 0 END), 0)
                     FROM payments WHERE order_number = ?1)
                  - (SELECT coalesce(sum(amount_minor), 0) FROM refund_requests WHERE order_number = ?1 AND requested_at > ?4 AND event_id != ?2)";
    let reserved = db::changed(
        stmt(
            &db,
            &format!(
                "INSERT INTO refund_requests (event_id, order_number, amount_minor, requested_at) SELECT ?2, ?1, ?3, ?5
                 WHERE ?3 <= {left_sql} ON CONFLICT(event_id) DO UPDATE SET requested_at = excluded.requested_at"
            ),
            args![number, event_id, amount, since, now],
        )?,
        "refund request",
    )
    .await?;
    if reserved {
        return Ok(Ok(()));
    }
    let left: Option<Left> = db::first(stmt(&db, &format!("SELECT {left_sql} AS left"), args![number, event_id, amount, since])?).await?;
    Ok(Err(left.map_or(0, |l| l.left.max(0))))
}

/// A refund asked for is applied or refused: it counts no more.
pub async fn settle_refund_request(env: &Env, event_id: &str) -> Result<(), ApiError> {
    let db = db::db(env)?;
    stmt(&db, "DELETE FROM refund_requests WHERE event_id = ?1", args![event_id])?.run().await.context("refund request")?;
    Ok(())
}

/// The read of an order's payments and refunds (rows of [`MoneyMove`]), oldest first.
pub fn money_moves_read(db: &D1Database, number: u64) -> Result<D1PreparedStatement, ApiError> {
    stmt(
        db,
        "SELECT id, kind, provider, amount_minor, currency, status, created_at, reason FROM payments WHERE order_number = ?1 ORDER BY created_at, id",
        args![number],
    )
}

/// The order a provider's payment reference belongs to.
pub async fn number_for_payment(env: &Env, payment_id: &str) -> Result<Option<u64>, ApiError> {
    let db = db::db(env)?;
    #[derive(Deserialize)]
    struct Row {
        order_number: u64,
    }
    Ok(db::first::<Row>(stmt(&db, "SELECT order_number FROM payments WHERE id = ?1", args![payment_id])?).await?.map(|r| r.order_number))
}

/// What one event does to a stored order.
pub struct Change<'a> {
    pub event_id: &'a str,
    pub kind: &'a str,
    pub at: &'a str,
    /// The new status and its history entry, when the status changes.
    pub transition: Option<&'a StatusChange>,
    /// "applied", "unchanged" or "refused: …".
    pub outcome: &'a str,
    /// Money to give back, added to the order's refund due.
    pub refund_due_minor: i64,
    /// A note for the merchant.
    pub attention: Option<&'a str>,
    /// A message for the shopper (template), recorded with the change.
    pub notify: Option<&'a str>,
    /// Payments and refunds to record (or update, by the provider's id).
    pub money: Vec<MoneyMove>,
    /// Further messages (merchant alerts, the shopper's refund message): template and recipient.
    pub alerts: Vec<(&'a str, String)>,
}

/// Records one event on the order in one transaction: the status change (guarded by `version`),
/// its history entry, refund due and merchant note, the shopper's message, and the event id.
pub async fn record(env: &Env, stored: &Stored, change: &Change<'_>) -> Result<(), ApiError> {
    let db = db::db(env)?;
    let number = stored.order.number;
    let status = change.transition.map(|h| h.status).unwrap_or(stored.order.status);
    let attention = match (change.attention, &stored.attention) {
        (Some(new), Some(old)) => Some(format!("{old}\n{new}")),
        (Some(new), None) => Some(new.to_string()),
        (None, old) => old.clone(),
    };
    let mut statements = vec![
        // First, so a redelivered event aborts the whole batch on the primary key, and so does an
        // order written meanwhile (a refund by hand, an erasure, a note): its outcome is NULL then,
        // which the table refuses, and the event is retried on the order as it is now.
        stmt(
            &db,
            "INSERT INTO applied_events (event_id, order_number, kind, outcome, applied_at)
             VALUES (?1, ?2, ?3, (SELECT ?4 WHERE EXISTS (SELECT 1 FROM orders WHERE number = ?2 AND version = ?6)), ?5)",
            args![change.event_id, number, change.kind, change.outcome, change.at, stored.version],
        )?,
        stmt(
            &db,
            "UPDATE orders SET status = ?1, updated_at = ?2, refund_due_minor = refund_due_minor + ?3, attention = ?4, version = ?5
             WHERE number = ?6",
            args![&wire_name(status), change.at, change.refund_due_minor, attention.as_deref(), stored.version + 1, number],
        )?,
    ];
    if let Some(h) = change.transition {
        statements.push(history_insert(&db, number, h, Some(change.event_id))?);
    }
    // An erased customer's address is a stand-in that no mail reaches (see
    // `subscriptions::erase`): later events of their orders tell nobody.
    if let Some(template) = change.notify.filter(|_| !crate::services::subscriptions::is_erased(&stored.order.contact.email)) {
        statements.push(stmt(
            &db,
            "INSERT OR IGNORE INTO notifications (event_id, order_number, template, recipient, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            args![change.event_id, number, template, &stored.order.contact.email, change.at],
        )?);
        // And a text message, for the steps a shopper who asked for them is texted about.
        let contact = &stored.order.contact;
        if let Some(phone) = edgeshop_domain::sms_number(&contact.phone).filter(|_| contact.sms && crate::services::notify::texted(template)) {
            statements.push(stmt(
                &db,
                "INSERT OR IGNORE INTO notifications (event_id, order_number, template, recipient, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                args![&crate::services::notify::text_id(change.event_id), number, template, &phone, change.at],
            )?);
        }
    }
    for (i, (template, recipient)) in change.alerts.iter().enumerate() {
        statements.push(stmt(
            &db,
            "INSERT OR IGNORE INTO notifications (event_id, order_number, template, recipient, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            args![&format!("{}:alert:{i}", change.event_id), number, *template, recipient, change.at],
        )?);
    }
    for m in &change.money {
        statements.push(stmt(
            &db,
            "INSERT INTO payments (id, order_number, kind, provider, amount_minor, currency, status, created_at, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(id) DO UPDATE SET status = excluded.status, amount_minor = excluded.amount_minor, reason = coalesce(excluded.reason, payments.reason)",
            args![&m.id, number, &m.kind, &m.provider, m.amount_minor, &m.currency, &m.status, change.at, m.reason.as_deref()],
        )?);
    }
    db::batch(&db, statements).await
}

pub async fn notifications(env: &Env, number: u64) -> Result<Vec<Notification>, ApiError> {
    let db = db::db(env)?;
    db::all(stmt(&db, "SELECT event_id, order_number, template, recipient, created_at, sent_at, failed_at FROM notifications WHERE order_number = ?1 ORDER BY created_at, event_id", args![number])?).await
}

/// Constant-time comparison for access tokens.
/// The order, if `token` is its token; `OrderNotFound` otherwise, so numbers cannot be probed.
pub async fn load_with_token(env: &Env, number: u64, token: &str) -> Result<Order, ApiError> {
    let not_found = || {
        ApiError::new(
            Problem::OrderNotFound,
            format!("we cannot find order {number} with this link: open the link in your confirmation email, or sign in to your account to see your orders"),
        )
    };
    let order = load(env, number).await?.ok_or_else(not_found)?;
    if token_matches(&order.token, token) {
        Ok(order)
    } else {
        Err(not_found())
    }
}

pub fn token_matches(expected: &str, given: &str) -> bool {
    expected.len() == given.len() && expected.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// What the back office's order list asks for. Dates are `YYYY-MM-DD` (both ends included).
#[derive(Debug, Default)]
pub struct OrderQuery {
    pub status: Option<String>,
    pub payment: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// An order number, or part of an email address or name.
    pub text: Option<String>,
    /// The customer's email address, exactly (lowercase).
    pub email: Option<String>,
    pub sort: OrderSort,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OrderSort {
    #[default]
    Newest,
    Oldest,
    TotalHigh,
    TotalLow,
}

impl OrderSort {
    pub fn parse(name: &str) -> Option<OrderSort> {
        Some(match name {
            "newest" | "" => OrderSort::Newest,
            "oldest" => OrderSort::Oldest,
            "total_desc" => OrderSort::TotalHigh,
            "total_asc" => OrderSort::TotalLow,
            _ => return None,
        })
    }

    fn sql(self) -> &'static str {
        match self {
            OrderSort::Newest => "created_at DESC, number DESC",
            OrderSort::Oldest => "created_at ASC, number ASC",
            OrderSort::TotalHigh => "total_minor DESC, number DESC",
            OrderSort::TotalLow => "total_minor ASC, number ASC",
        }
    }
}

/// What an exact search of a code looks for (`lower(column) = ?`): a discount code, a SKU, a
/// tracking number. Names, emails and addresses are searched folded (`text_search`), with
/// `instr(…) > 0` rather than `LIKE`: D1 refuses a pattern over 50 bytes ("LIKE or GLOB pattern
/// too complex"), which a long email address is.
fn needle(text: &str) -> String {
    text.to_lowercase()
}

/// Views of the order list beside the statuses: `to_pack` (cash on delivery confirmed, or paid
/// online: the day's packing), `needs_attention` (a note for the merchant, or money owed by hand),
/// `cash_due` (cash on delivery delivered, whose cash has not reached the shop yet).
pub const ORDER_VIEWS: [&str; 3] = ["to_pack", "needs_attention", "cash_due"];

/// The orders matching `q` (one page), and how many match in all.
pub async fn find(env: &Env, q: &OrderQuery) -> Result<(Vec<OrderSummary>, u64), ApiError> {
    let db = db::db(env)?;
    let text = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let number = text.and_then(|t| t.trim_start_matches('#').parse::<i64>().ok()).map_or(db::Arg::Null, db::Arg::Int);
    let pattern = text.map(needle);
    let folded = text.map(text_search::fold);
    // `to` takes in its whole day: every time of it sorts before `{to}T24` (no date arithmetic,
    // which has no day after 9999-12-31).
    let filter = "FROM orders WHERE (?1 IS NULL OR status = ?1 OR (?1 = 'to_pack' AND status IN ('confirmed', 'paid') AND EXISTS (
                   SELECT 1 FROM order_lines l WHERE l.order_number = orders.number AND l.quantity > (SELECT coalesce(sum(r.quantity), 0)
                   FROM line_refunds r WHERE r.order_number = orders.number AND r.sku = l.sku AND r.released = 1)))
               OR (?1 = 'needs_attention' AND (coalesce(attention, '') != '' OR refund_due_minor > 0))
               OR (?1 = 'cash_due' AND payment_method = 'cash_on_delivery' AND status IN ('delivered', 'return_requested', 'returned') AND total_minor > 0
                   AND NOT EXISTS (SELECT 1 FROM cash_receipts c WHERE c.order_number = orders.number)))
          AND (?2 IS NULL OR payment_method = ?2)
          AND (?3 IS NULL OR created_at >= ?3) AND (?4 IS NULL OR created_at < ?4 || 'T24')
          AND (?5 IS NULL OR number = ?6 OR lower(discount_code) = ?5
               OR EXISTS (SELECT 1 FROM order_search s WHERE s.number = orders.number AND instr(s.text, ?8) > 0)
               OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_number = orders.number AND lower(l.sku) = ?5)
               OR EXISTS (SELECT 1 FROM order_history h WHERE h.order_number = orders.number AND lower(h.tracking_number) = ?5))
          AND (?7 IS NULL OR email = ?7)";
    let bind = |extra: Vec<db::Arg<'static>>| -> Vec<db::Arg<'_>> {
        let mut a = vec![
            db::Arg::from(q.status.as_deref()),
            db::Arg::from(q.payment.as_deref()),
            db::Arg::from(q.from.as_deref()),
            db::Arg::from(q.to.as_deref()),
            db::Arg::from(pattern.as_deref()),
            match number {
                db::Arg::Int(n) => db::Arg::Int(n),
                _ => db::Arg::Null,
            },
            db::Arg::from(q.email.as_deref()),
            db::Arg::from(folded.as_deref()),
        ];
        a.extend(extra);
        a
    };
    let rows_sql = format!(
        "SELECT number, created_at, name, email, status, payment_method, currency, total_minor, attention, discount_code, discount_minor,
                coalesce(json_extract(address_json, '$.country'), '') AS country, tax_minor, tax_rate_bp,
                (SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE order_number = orders.number) AS items,
                subtotal_minor, shipping_minor, refund_due_minor,
                {} AS refunded_minor,
                (SELECT carrier || ' ' || tracking_number FROM order_history WHERE order_number = orders.number AND tracking_number IS NOT NULL ORDER BY id DESC LIMIT 1) AS tracking
         {filter} ORDER BY {} LIMIT ?9 OFFSET ?10",
        refunded_sql("orders.number", "orders.total_minor"),
        q.sort.sql()
    );
    #[derive(Deserialize)]
    struct Count {
        n: u64,
    }
    // The page and the count are independent reads: both in flight at once.
    let rows = db::all::<OrderSummary>(stmt(&db, &rows_sql, &bind(vec![db::Arg::from(q.limit), db::Arg::from(q.offset)]))?);
    let total = db::first::<Count>(stmt(&db, &format!("SELECT count(*) AS n {filter}"), &bind(vec![]))?);
    let (rows, total) = futures_util::try_join!(rows, total)?;
    Ok((rows, total.map_or(0, |c| c.n)))
}

pub async fn notes(env: &Env, number: u64) -> Result<Vec<Note>, ApiError> {
    let db = db::db(env)?;
    db::all(stmt(&db, "SELECT at, staff_email, text FROM order_notes WHERE order_number = ?1 ORDER BY id", args![number])?).await
}

pub async fn add_note(env: &Env, number: u64, staff_email: &str, text: &str, now: &str) -> Result<(), ApiError> {
    let db = db::db(env)?;
    stmt(&db, "INSERT INTO order_notes (order_number, at, staff_email, text) VALUES (?1, ?2, ?3, ?4)", args![number, now, staff_email, text])?
        .run()
        .await
        .context("order note")?;
    Ok(())
}

/// A customer's summary: address, name, phone, first and last order, orders and what they spent.
fn customer_columns() -> String {
    format!(
        "c.email, c.name, c.phone, c.first_order_at, c.last_order_at,
        (SELECT count(*) FROM orders o WHERE o.email = c.email) AS orders,
        (SELECT coalesce(sum(o.total_minor - {}), 0)
         FROM orders o WHERE o.email = c.email AND o.status NOT IN ('cancelled', 'awaiting_payment', 'payment_failed')) AS total_spent_minor",
        refunded_sql("o.number", "o.total_minor")
    )
}

/// The customer with this email address (lowercase), exactly.
pub async fn customer(env: &Env, email: &str) -> Result<Option<CustomerSummary>, ApiError> {
    let db = db::db(env)?;
    db::first(stmt(&db, &format!("SELECT {} FROM customers c WHERE c.email = ?1", customer_columns()), args![email])?).await
}

/// Customers (by email, from their orders), the most recent first; `text` filters by address or name.
pub async fn customers(env: &Env, text: Option<&str>, offset: u32, limit: u32) -> Result<(Vec<CustomerSummary>, u64), ApiError> {
    let db = db::db(env)?;
    let pattern = text.map(str::trim).filter(|t| !t.is_empty()).map(text_search::fold);
    // Not the stand-ins of erased customers: nobody to look up there.
    let filter = format!(
        "FROM customers c WHERE {} AND (?1 IS NULL OR EXISTS (SELECT 1 FROM customer_search s WHERE s.email = c.email AND instr(s.text, ?1) > 0))",
        crate::services::subscriptions::not_erased_sql("c.email")
    );
    let sql = format!("SELECT {} {filter} ORDER BY c.last_order_at DESC LIMIT ?2 OFFSET ?3", customer_columns());
    let rows = db::all(stmt(&db, &sql, &[db::Arg::from(pattern.as_deref()), db::Arg::from(limit), db::Arg::from(offset)])?).await?;
    #[derive(Deserialize)]
    struct Count {
        n: u64,
    }
    let total: Option<Count> = db::first(stmt(&db, &format!("SELECT count(*) AS n {filter}"), &[db::Arg::from(pattern.as_deref())])?).await?;
    Ok((rows, total.map_or(0, |c| c.n)))
}

#[derive(Deserialize)]
struct ReturnRow {
    id: i64,
    status: String,
    reason: String,
    lines_json: String,
    requested_at: String,
    updated_at: String,
    refund_minor: Option<i64>,
}

/// What a customer's data export holds besides their orders, by order number: each order's
/// payments and refunds, returns, messages and staff notes. One round trip for all of them.
pub struct HeldByOrder {
    pub payments: Vec<(u64, MoneyMove)>,
    pub returns: Vec<(u64, ReturnView)>,
    pub messages: Vec<Notification>,
    pub notes: Vec<(u64, Note)>,
}

pub async fn held_for_customer(env: &Env, email: &str) -> Result<HeldByOrder, ApiError> {
    #[derive(Deserialize)]
    struct Of<T> {
        order_number: u64,
        #[serde(flatten)]
        row: T,
    }
    let db = db::db(env)?;
    let theirs = "order_number IN (SELECT number FROM orders WHERE email = ?1)";
    let results = db::batch_rows(
        &db,
        vec![
            stmt(&db, &format!("SELECT order_number, id, kind, provider, amount_minor, currency, status, created_at, reason FROM payments WHERE {theirs} ORDER BY created_at, id"), args![email])?,
            stmt(&db, &format!("SELECT order_number, id, status, reason, lines_json, requested_at, updated_at, refund_minor FROM returns WHERE {theirs} ORDER BY id"), args![email])?,
            stmt(&db, &format!("SELECT event_id, order_number, template, recipient, created_at, sent_at, failed_at FROM notifications WHERE {theirs} ORDER BY created_at, event_id"), args![email])?,
            stmt(&db, &format!("SELECT order_number, at, staff_email, text FROM order_notes WHERE {theirs} ORDER BY id"), args![email])?,
        ],
        "customer data",
    )
    .await?;
    let payments: Vec<Of<MoneyMove>> = results[0].results().context("payments")?;
    let returns: Vec<Of<ReturnRow>> = results[1].results().context("returns")?;
    let notes: Vec<Of<Note>> = results[3].results().context("notes")?;
    Ok(HeldByOrder {
        payments: payments.into_iter().map(|p| (p.order_number, p.row)).collect(),
        returns: returns.into_iter().map(|r| Ok((r.order_number, return_view(r.row)?))).collect::<Result<_, ApiError>>()?,
        messages: results[2].results().context("messages")?,
        notes: notes.into_iter().map(|n| (n.order_number, n.row)).collect(),
    })
}

fn return_view(r: ReturnRow) -> Result<ReturnView, ApiError> {
    Ok(ReturnView {
        id: r.id,
        status: r.status,
        reason: r.reason,
        lines: parse_json(&r.lines_json)?,
        requested_at: r.requested_at,
        updated_at: r.updated_at,
        refund_minor: r.refund_minor,
    })
}

pub async fn returns(env: &Env, number: u64) -> Result<Vec<ReturnView>, ApiError> {
    let db = db::db(env)?;
    let rows: Vec<ReturnRow> = db::all(stmt(
        &db,
        "SELECT id, status, reason, lines_json, requested_at, updated_at, refund_minor FROM returns WHERE order_number = ?1 ORDER BY id",
        args![number],
    )?)
    .await?;
    rows.into_iter().map(return_view).collect()
}

/// Units of each SKU in orders that are placed and paid (or cash on delivery) but not shipped
/// yet, less those refunded by line and given back to stock: sold, and still on the shelf. Open orders are few beside the catalog: one query for all.
pub async fn unshipped_by_sku(env: &Env) -> Result<std::collections::HashMap<String, i64>, ApiError> {
    #[derive(Deserialize)]
    struct Units {
        sku: String,
        n: i64,
    }
    let db = db::db(env)?;
    let rows: Vec<Units> = db::all(stmt(
        &db,
        "SELECT l.sku AS sku, sum(l.quantity) - coalesce((SELECT sum(r.quantity) FROM line_refunds r JOIN orders ro ON ro.number = r.order_number
                 WHERE r.sku = l.sku AND r.released = 1 AND ro.status IN ('confirmed', 'paid', 'packed')), 0) AS n
         FROM order_lines l JOIN orders o ON o.number = l.order_number
         WHERE o.status IN ('confirmed', 'paid', 'packed') GROUP BY l.sku",
        args![],
    )?)
    .await?;
    Ok(rows.into_iter().map(|u| (u.sku, u.n)).collect())
}

/// [`unshipped_by_sku`] for one SKU.
pub async fn unshipped_units(env: &Env, sku: &str) -> Result<i64, ApiError> {
    Ok(unshipped_by_sku(env).await?.get(sku).copied().unwrap_or(0))
}

/// The units of order `number` a shopper can no longer send back: those that came back in its
/// `returns` and those staff refunded by line.
pub async fn settled_units(env: &Env, number: u64, returns: &[ReturnView]) -> Result<Vec<(String, u32)>, ApiError> {
    Ok([returned_units(returns, None), refunded_units(env, number).await?].concat())
}

/// The units that came back in the order's `returns` received so far (`except` one of them).
pub fn returned_units(returns: &[ReturnView], except: Option<i64>) -> Vec<(String, u32)> {
    returns.iter().filter(|r| r.status == "received" && Some(r.id) != except).flat_map(|r| units(&r.lines)).collect()
}

/// Records a refund the shop made by hand on the `stored` order: a refund among its money moves
/// (`by_hand:<method>`), less owed by hand, and, when nothing is owed any more, the notes that
/// asked for it gone. False when the order changed since it was read (nothing recorded).
pub async fn record_refund_by_hand(env: &Env, stored: &Stored, amount: i64, method: &str, reason: &str, now: &str) -> Result<bool, ApiError> {
    let db = db::db(env)?;
    let number = stored.order.number;
    let settled = stored.refund_due_minor - amount <= 0;
    let attention = match (&stored.attention, settled) {
        (Some(a), true) => Some(a.lines().filter(|l| !l.contains("by hand")).collect::<Vec<_>>().join("\n")).filter(|a| !a.is_empty()),
        (a, _) => a.clone(),
    };
    let id = format!("by-hand-{number}-{}", crate::services::random_id(8));
    let currency = stored.order.totals.total.currency.code();
    // All or none: each only while the order is the version read. The shopper is told (not an
    // erased one: no mail reaches that address).
    let mut statements = vec![stmt(
        &db,
        "INSERT INTO payments (id, order_number, kind, provider, amount_minor, currency, status, created_at, reason)
         SELECT ?1, ?2, 'refund', ?3, ?4, ?5, 'succeeded', ?6, ?8 WHERE EXISTS (SELECT 1 FROM orders WHERE number = ?2 AND version = ?7)",
        args![&id, number, &format!("by_hand:{method}"), amount, currency, now, stored.version, Some(reason).filter(|r| !r.is_empty())],
    )?];
    if !crate::services::subscriptions::is_erased(&stored.order.contact.email) {
        statements.push(stmt(
            &db,
            "INSERT OR IGNORE INTO notifications (event_id, order_number, template, recipient, created_at)
             SELECT ?1, ?2, 'refund_issued', ?3, ?4 WHERE EXISTS (SELECT 1 FROM orders WHERE number = ?2 AND version = ?5)",
            args![&id, number, &stored.order.contact.email, now, stored.version],
        )?);
    }
    statements.push(stmt(
        &db,
        "UPDATE orders SET refund_due_minor = max(0, refund_due_minor - ?2), attention = ?3, updated_at = ?4, version = version + 1
         WHERE number = ?1 AND version = ?5",
        args![number, amount, attention.as_deref(), now, stored.version],
    )?);
    let results = db::batch_rows(&db, statements, "refund by hand").await?;
    Ok(results.first().is_some_and(db::wrote))
}

/// The cash the courier collected for order `number`, once recorded as received.
pub async fn cash_receipt(env: &Env, number: u64) -> Result<Option<edgeshop_api::admin::CashReceipt>, ApiError> {
    let db = db::db(env)?;
    db::first(stmt(&db, "SELECT amount_minor, received_at, staff_email, note FROM cash_receipts WHERE order_number = ?1", args![number])?).await
}

/// Records the courier's cash for the `stored` order as received (and, when short of the total,
/// a note for the merchant). False when it was recorded already or the order changed meanwhile.
pub async fn record_cash_receipt(
    env: &Env,
    stored: &Stored,
    receipt: &edgeshop_api::admin::CashReceipt,
    short: Option<&str>,
) -> Result<bool, ApiError> {
    let db = db::db(env)?;
    let number = stored.order.number;
    let attention = match (short, &stored.attention) {
        (Some(s), Some(old)) => Some(format!("{old}\n{s}")),
        (Some(s), None) => Some(s.to_string()),
        (None, old) => old.clone(),
    };
    let statements = vec![
        stmt(
            &db,
            "INSERT OR IGNORE INTO cash_receipts (order_number, amount_minor, received_at, staff_email, note)
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM orders WHERE number = ?1 AND version = ?6)",
            args![number, receipt.amount_minor, &receipt.received_at, &receipt.staff_email, &receipt.note, stored.version],
        )?,
        // The order's version moves on only when this recorded it (the receipt is new).
        stmt(
            &db,
            "UPDATE orders SET attention = ?2, updated_at = ?3, version = version + 1 WHERE number = ?1 AND version = ?4 AND changes() > 0",
            args![number, attention.as_deref(), &receipt.received_at, stored.version],
        )?,
    ];
    let results = db::batch_rows(&db, statements, "cash received").await?;
    Ok(results.first().is_some_and(db::wrote))
}

/// Clears the order's note for the merchant, while the order is the version read.
pub async fn clear_attention(env: &Env, stored: &Stored, now: &str) -> Result<bool, ApiError> {
    let db = db::db(env)?;
    db::changed(
        stmt(
            &db,
            "UPDATE orders SET attention = NULL, updated_at = ?2, version = version + 1 WHERE number = ?1 AND version = ?3",
            args![stored.order.number, now, stored.version],
        )?,
        "clear attention",
    )
    .await
}

/// The statuses of an order that is finished (SQL): nothing more will be sent or refunded unasked.
pub const FINISHED: &str = "('delivered', 'cancelled', 'returned')";

/// The orders of `email` (as [`crate::services::email_key`] writes it) that are not finished
/// ([`FINISHED`]).
pub async fn open_of(env: &Env, email: &str) -> Result<Vec<(u64, OrderStatus)>, ApiError> {
    #[derive(Deserialize)]
    struct Open {
        number: u64,
        status: OrderStatus,
    }
    let db = db::db(env)?;
    let rows: Vec<Open> = db::all(stmt(
        &db,
        &format!("SELECT number, status FROM orders WHERE email = ?1 AND status NOT IN {FINISHED} ORDER BY number"),
        args![email],
    )?)
    .await?;
    Ok(rows.into_iter().map(|o| (o.number, o.status)).collect())
}

/// The units of `number`'s lines that staff refunded by line (each SKU with its units).
pub async fn refunded_units(env: &Env, number: u64) -> Result<Vec<(String, u32)>, ApiError> {
    let db = db::db(env)?;
    Ok(sku_units(db::all(refunded_units_read(&db, number)?).await?))
}

/// The read of [`refunded_units`], to batch with others; its rows go through [`sku_units`].
pub fn refunded_units_read(db: &D1Database, number: u64) -> Result<D1PreparedStatement, ApiError> {
    stmt(db, "SELECT sku, sum(quantity) AS quantity FROM line_refunds WHERE order_number = ?1 GROUP BY sku", args![number])
}

/// A row of units of a SKU.
#[derive(Deserialize)]
pub struct SkuRow {
    sku: String,
    quantity: u32,
}

/// Rows of units as each SKU with its units.
pub fn sku_units(rows: Vec<SkuRow>) -> Vec<(String, u32)> {
    rows.into_iter().map(|r| (r.sku, r.quantity)).collect()
}

/// Holds `lines` of `order` as refunded by the refund `event_id`: each SKU only while its units
/// refunded by line, returned (`returned`: received or in an open return) and these together are
/// at most the line's. One conditional write per SKU, so two refunds asked for at once cannot
/// both take the same unit. On a refusal nothing stays held, and the answer says what is left.
pub async fn hold_line_refund(
    env: &Env,
    order: &edgeshop_domain::Order,
    event_id: &str,
    lines: &[(String, u32)],
    returned: &[(String, u32)],
) -> Result<Result<(), String>, ApiError> {
    let db = db::db(env)?;
    drop_line_refund(env, event_id).await?;
    let back = |sku: &str| edgeshop_domain::units_of(returned, sku);
    for (sku, quantity) in lines {
        let ordered = order.lines.iter().find(|l| &l.sku == sku).map_or(0, |l| l.quantity);
        let held = db::changed(
            stmt(
                &db,
                "INSERT INTO line_refunds (event_id, order_number, sku, quantity) SELECT ?1, ?2, ?3, ?4
                 WHERE ?4 + ?5 + (SELECT coalesce(sum(quantity), 0) FROM line_refunds WHERE order_number = ?2 AND sku = ?3) <= ?6",
                args![event_id, order.number, sku, *quantity, back(sku), ordered],
            )?,
            "line refund",
        )
        .await?;
        if !held {
            drop_line_refund(env, event_id).await?;
            let refunded = edgeshop_domain::units_of(&refunded_units(env, order.number).await?, sku);
            let left = ordered.saturating_sub(refunded).saturating_sub(back(sku));
            return Ok(Err(format!(
                "`{sku}`: {} of its {ordered} can be refunded by line ({refunded} refunded by line already, {} returned or in a return, which refunds them)",
                edgeshop_domain::text::count_of(u64::from(left), "unit"),
                back(sku)
            )));
        }
    }
    Ok(Ok(()))
}

/// Gives back the units a refund held ([`hold_line_refund`]): it was refused, failed or never sent.
pub async fn drop_line_refund(env: &Env, event_id: &str) -> Result<(), ApiError> {
    let db = db::db(env)?;
    stmt(&db, "DELETE FROM line_refunds WHERE event_id = ?1", args![event_id])?.run().await.context("line refund")?;
    Ok(())
}

/// Ties the units refund `event_id` holds to the provider's refund `refund_id`, so that the
/// refund failing later ([`drop_failed_refund`]) gives them back.
pub async fn name_line_refund(env: &Env, event_id: &str, refund_id: &str) -> Result<(), ApiError> {
    let db = db::db(env)?;
    stmt(&db, "UPDATE line_refunds SET refund_id = ?2 WHERE event_id = ?1", args![event_id, refund_id])?.run().await.context("line refund")?;
    Ok(())
}

/// Gives back the units held by the provider's refund `refund_id`, which failed after it was made.
pub async fn drop_failed_refund(env: &Env, refund_id: &str) -> Result<(), ApiError> {
    let db = db::db(env)?;
    stmt(&db, "DELETE FROM line_refunds WHERE refund_id = ?1", args![refund_id])?.run().await.context("line refund")?;
    Ok(())
}

/// The units held by the provider's refund `refund_id` that went back to stock (refunded before
/// the order shipped).
pub async fn released_units_of_refund(env: &Env, refund_id: &str) -> Result<Vec<(String, u32)>, ApiError> {
    units_where(env, "refund_id = ?1 AND released = 1", refund_id).await
}

/// The units the line refund `event_id` holds.
pub async fn line_refund_units(env: &Env, event_id: &str) -> Result<Vec<(String, u32)>, ApiError> {
    units_where(env, "event_id = ?1", event_id).await
}

/// The units of order `number` refunded by line before it shipped and given back to stock: they
/// were never sent, so they cannot come back in a return, and an order whose other units all
/// came back is wholly returned.
pub async fn never_sent_units(env: &Env, number: u64) -> Result<Vec<(String, u32)>, ApiError> {
    units_where(env, "order_number = ?1 AND released = 1", &number.to_string()).await
}

/// The line refund `event_id`'s units went back to stock.
pub async fn mark_line_refund_released(env: &Env, event_id: &str) -> Result<(), ApiError> {
    let db = db::db(env)?;
    stmt(&db, "UPDATE line_refunds SET released = 1 WHERE event_id = ?1", args![event_id])?.run().await.context("line refund")?;
    Ok(())
}

async fn units_where(env: &Env, filter: &str, value: &str) -> Result<Vec<(String, u32)>, ApiError> {
    let db = db::db(env)?;
    Ok(sku_units(db::all(stmt(&db, &format!("SELECT sku, quantity FROM line_refunds WHERE {filter}"), args![value])?).await?))
}

/// The units of returns still open (requested or approved): on their way to being refunded.
pub fn units_in_open_returns(returns: &[ReturnView]) -> Vec<(String, u32)> {
    returns.iter().filter(|r| r.status == "requested" || r.status == "approved").flat_map(|r| units(&r.lines)).collect()
}

/// Return lines as the order's rules count them: each SKU with its units.
pub fn units(lines: &[edgeshop_api::admin::ReturnLine]) -> Vec<(String, u32)> {
    lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect()
}

/// Opens a return for `number` (lines as JSON): its id, or `None` when one is already open.
pub async fn open_return(
    env: &Env,
    number: u64,
    lines: &[edgeshop_api::admin::ReturnLine],
    reason: &str,
    now: &str,
) -> Result<Option<i64>, ApiError> {
    let db = db::db(env)?;
    let opened = db::changed(
        stmt(
            &db,
            "INSERT INTO returns (order_number, status, reason, lines_json, requested_at, updated_at)
             SELECT ?1, 'requested', ?2, ?3, ?4, ?4 WHERE NOT EXISTS (SELECT 1 FROM returns WHERE order_number = ?1 AND status IN ('requested', 'approved'))",
            args![number, reason, &to_json(&lines)?, now],
        )?,
        "open return",
    )
    .await?;
    if !opened {
        return Ok(None);
    }
    #[derive(Deserialize)]
    struct Id {
        id: i64,
    }
    let row: Option<Id> =
        db::first(stmt(&db, "SELECT id FROM returns WHERE order_number = ?1 AND status = 'requested' ORDER BY id DESC LIMIT 1", args![number])?)
            .await?;
    Ok(row.map(|r| r.id))
}

/// Moves return `id` of order `number` from `from` to `to` (one conditional write: of two staff
/// clicking at once, one wins). `lines`/`refund_minor` record what was received.
pub async fn move_return(
    env: &Env,
    number: u64,
    id: i64,
    from: &str,
    to: &str,
    received: Option<(&[edgeshop_api::admin::ReturnLine], i64)>,
    now: &str,
) -> Result<bool, ApiError> {
    let db = db::db(env)?;
    let (lines, refund) = match received {
        Some((lines, refund)) => (Some(to_json(&lines)?), db::Arg::Int(refund)),
        None => (None, db::Arg::Null),
    };
    db::changed(
        stmt(
            &db,
            "UPDATE returns SET status = ?4, updated_at = ?5, lines_json = coalesce(?6, lines_json), refund_minor = coalesce(?7, refund_minor)
             WHERE id = ?1 AND order_number = ?2 AND status = ?3",
            &[
                db::Arg::Int(id),
                db::Arg::from(number),
                db::Arg::from(from),
                db::Arg::from(to),
                db::Arg::from(now),
                db::Arg::from(lines.as_deref()),
                refund,
            ],
        )?,
        "return",
    )
    .await
}
