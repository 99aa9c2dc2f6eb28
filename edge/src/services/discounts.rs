//! Discount codes in D1 (`migrations/0009_discount_codes.sql`). The back office makes and ends
//! them; carts and checkouts look them up and apply the domain's rules
//! (`edgeshop_domain::discount`). An order's use of a code is written in the order's own insert
//! batch, and the database's trigger refuses a use over the code's caps (uses in all, once per
//! customer) in that same transaction: two checkouts at once cannot both take the last use.

use crate::error::{ApiError, Problem};
use crate::services::db::{self, args, stmt};
use edgeshop_api::admin::DiscountRow;
use edgeshop_domain::{DiscountCode, DiscountKind, DiscountRefusal, Money};
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, Env};

#[derive(Deserialize)]
struct Row {
    code: String,
    kind: String,
    value: i64,
    min_subtotal_minor: i64,
    starts_on: Option<String>,
    ends_on: Option<String>,
    max_uses: Option<i64>,
    once_per_customer: i64,
    active: i64,
    created_at: String,
    created_by: String,
    #[serde(default)]
    uses: i64,
    #[serde(default)]
    discounted_minor: Option<i64>,
}

impl Row {
    fn code(&self) -> DiscountCode {
        DiscountCode {
            code: self.code.clone(),
            kind: if self.kind == "amount" { DiscountKind::Amount } else { DiscountKind::Percent },
            value: self.value,
            min_subtotal_minor: self.min_subtotal_minor,
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            max_uses: self.max_uses.map(|m| m.clamp(0, i64::from(u32::MAX)) as u32),
            once_per_customer: self.once_per_customer != 0,
            active: self.active != 0,
        }
    }
}

/// A code and the orders that used it so far.
pub struct Found {
    pub code: DiscountCode,
    pub uses: u32,
}

impl Found {
    /// Whether the code works today (`YYYY-MM-DD`) at all: active, on its days, uses left.
    pub fn usable(&self, today: &str) -> Result<(), DiscountRefusal> {
        self.code.check_day(today)?;
        if self.code.max_uses.is_some_and(|max| self.uses >= max) {
            return Err(DiscountRefusal::UsedUp);
        }
        Ok(())
    }

    /// What the code takes off goods costing `subtotal` today, or why nothing.
    pub fn amount_off(&self, subtotal: Money, today: &str) -> Result<Money, DiscountRefusal> {
        self.usable(today)?;
        self.code.amount_off(subtotal, today)
    }
}

/// What the looked-up code (`None`: there is no such code any more) takes off goods costing
/// `subtotal` today, or why nothing.
pub fn amount_off(found: Option<&Found>, subtotal: Money) -> Result<Money, DiscountRefusal> {
    found.ok_or(DiscountRefusal::Ended)?.amount_off(subtotal, &today())
}

const WITH_USES: &str = "SELECT d.*, (SELECT count(*) FROM discount_uses u WHERE u.code = d.code) AS uses FROM discount_codes d WHERE d.code = ?1";

/// The code `code` (already in its kept form), if there is one.
pub async fn find(env: &Env, code: &str) -> Result<Option<Found>, ApiError> {
    let db = db::db(env)?;
    let row: Option<Row> = db::first(stmt(&db, WITH_USES, args![code])?).await?;
    Ok(row.map(|r| Found { code: r.code(), uses: r.uses.max(0) as u32 }))
}

/// Today as the codes' days are written (UTC).
pub fn today() -> String {
    super::now_rfc3339().chars().take(10).collect()
}

/// The statement that records `order_number`'s use of `code` by `email`, for the order's insert
/// batch (after the order itself: the trigger compares mailboxes, [`super::mailbox_key`], and the
/// order's email for uses recorded before there were any, for a once-per-customer code).
pub fn use_statement(db: &D1Database, order_number: u64, code: &str, email: &str, now: &str) -> Result<D1PreparedStatement, ApiError> {
    stmt(
        db,
        "INSERT INTO discount_uses (order_number, code, at, mailbox) VALUES (?1, ?2, ?3, ?4)",
        args![order_number, code, now, &super::mailbox_key(email)],
    )
}

/// The refusal a failed order insert carries when the trigger refused the order's use of its code.
pub fn refusal_in(e: &ApiError) -> Option<DiscountRefusal> {
    if e.detail.contains("discount-used-up") {
        Some(DiscountRefusal::UsedUp)
    } else if e.detail.contains("discount-already-used") {
        Some(DiscountRefusal::AlreadyUsed)
    } else if e.detail.contains("discount-unavailable") {
        Some(DiscountRefusal::Ended)
    } else {
        None
    }
}

/// The shopper's problem for a code that does not apply.
pub fn refused(code: &str, why: &DiscountRefusal) -> ApiError {
    let reason = why.reason(&crate::build_data::locale());
    ApiError::new(Problem::DiscountCodeRefused, format!("the code {code} does not apply: {reason}")).with("code", code)
}

/// Codes with their uses and what they took off: `{filter}` is a `WHERE` clause or nothing.
const ROWS: &str = "SELECT d.*, count(u.order_number) AS uses, sum(o.discount_minor) AS discounted_minor
     FROM discount_codes d LEFT JOIN discount_uses u ON u.code = d.code LEFT JOIN orders o ON o.number = u.order_number
     {filter} GROUP BY d.code ORDER BY d.created_at DESC, d.code LIMIT 1000";

/// The checkout's problem for a cart whose code does not apply (any more).
pub fn refused_at_checkout(code: &str, why: &DiscountRefusal) -> ApiError {
    let mut e = refused(code, why);
    e.detail.push_str("; take it off in your cart to check out without it");
    e
}

/// Every code, newest first, with its uses and what it took off.
pub async fn list(env: &Env) -> Result<Vec<DiscountRow>, ApiError> {
    rows(env, "", args![]).await
}

/// One code as [`list`] shows it.
pub async fn row(env: &Env, code: &str) -> Result<Option<DiscountRow>, ApiError> {
    Ok(rows(env, "WHERE d.code = ?1", args![code]).await?.into_iter().next())
}

async fn rows(env: &Env, filter: &str, args: &[db::Arg<'_>]) -> Result<Vec<DiscountRow>, ApiError> {
    let db = db::db(env)?;
    let rows: Vec<Row> = db::all(stmt(&db, &ROWS.replace("{filter}", filter), args)?).await?;
    let shop = crate::build_data::manifest(env).await?.shop.clone();
    Ok(rows.iter().map(|r| row_view(r, shop.currency, &shop.locale)).collect())
}

fn row_view(r: &Row, currency: edgeshop_domain::Currency, locale: &str) -> DiscountRow {
    let code = r.code();
    DiscountRow {
        offer: code.describe(currency, locale),
        code,
        uses: r.uses.max(0) as u32,
        discounted_minor: r.discounted_minor.unwrap_or(0),
        created_at: r.created_at.clone(),
        created_by: r.created_by.clone(),
    }
}

/// Makes `code` (checked by the caller); `false` when a code of that name exists.
pub async fn create(env: &Env, code: &DiscountCode, by: &str, now: &str) -> Result<bool, ApiError> {
    let db = db::db(env)?;
    let kind = match code.kind {
        DiscountKind::Percent => "percent",
        DiscountKind::Amount => "amount",
    };
    db::changed(
        stmt(
            &db,
            "INSERT INTO discount_codes (code, kind, value, min_subtotal_minor, starts_on, ends_on, max_uses, once_per_customer, active, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT(code) DO NOTHING",
            args![
                &code.code,
                kind,
                code.value,
                code.min_subtotal_minor,
                code.starts_on.as_deref(),
                code.ends_on.as_deref(),
                code.max_uses.map_or(db::Arg::Null, db::Arg::from),
                u32::from(code.once_per_customer),
                u32::from(code.active),
                now,
                by
            ],
        )?,
        "discount insert",
    )
    .await
}

/// Stores what may change of a code (whether it works, its last day, cap and minimum; checked by
/// the caller); `None` when there is no such code.
pub async fn update(env: &Env, code: &DiscountCode) -> Result<Option<DiscountRow>, ApiError> {
    let db = db::db(env)?;
    let sql = "UPDATE discount_codes SET active = ?2, ends_on = ?3, max_uses = ?4, min_subtotal_minor = ?5 WHERE code = ?1";
    let args = args![
        &code.code,
        u32::from(code.active),
        code.ends_on.as_deref(),
        code.max_uses.map_or(db::Arg::Null, db::Arg::from),
        code.min_subtotal_minor
    ];
    if !db::changed(stmt(&db, sql, args)?, "discount update").await? {
        return Ok(None);
    }
    row(env, &code.code).await
}
