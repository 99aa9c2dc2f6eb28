//! Shoppers' accounts (D1): one-time sign-in links emailed to the address a shopper orders with,
//! sessions, and that address's orders. No password and no profile: the orders are the account.
//! Tokens (256 random bits) are kept as SHA-256 hashes only.

use crate::error::{ApiError, Context};
use crate::http::money_view;
use crate::services::db::{self, args, stmt};
use crate::services::{now_rfc3339, now_seconds, secret_id, sha256_hex, well_formed_secret};
use edgeshop_api::account::{Account, AccountOrder, MAX_ORDERS};
use edgeshop_domain::{Address, Contact, Currency, Money, OrderStatus};
use serde::Deserialize;
use worker::Env;

/// How long a sign-in link works.
pub const LINK_SECONDS: u64 = 15 * 60;
/// How long a session lasts (a shop remembers its customers; signing out ends it at once).
pub const SESSION_SECONDS: u64 = 30 * 24 * 60 * 60;

#[derive(Deserialize)]
struct Count {
    n: u64,
}

/// Whether any order was placed with `email` (lower-cased): only such an address gets a link.
pub async fn has_orders(env: &Env, email: &str) -> Result<bool, ApiError> {
    let db = db::db(env)?;
    let found: Option<Count> =
        db::first(stmt(&db, "SELECT count(*) AS n FROM (SELECT 1 FROM orders WHERE email = ?1 LIMIT 1)", args![email])?).await?;
    Ok(found.is_some_and(|c| c.n > 0))
}

/// A one-time sign-in token for `email` (valid [`LINK_SECONDS`]); only its hash is stored.
pub async fn new_link(env: &Env, email: &str) -> Result<String, ApiError> {
    let token = secret_id(32)?;
    let db = db::db(env)?;
    stmt(
        &db,
        "INSERT INTO customer_sign_in_links (token_hash, email, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        args![&sha256_hex(token.as_bytes()), email, &now_rfc3339(), now_seconds() + LINK_SECONDS],
    )?
    .run()
    .await
    .context("account sign-in link")?;
    Ok(token)
}

/// Uses a sign-in link (once) and opens a session: the address and the session token, or `None`
/// when the link is unknown, used or expired.
pub async fn redeem(env: &Env, token: &str) -> Result<Option<(String, String)>, ApiError> {
    if !well_formed_secret(token) {
        return Ok(None);
    }
    let db = db::db(env)?;
    let now = now_rfc3339();
    let hash = sha256_hex(token.as_bytes());
    #[derive(Deserialize)]
    struct Claimed {
        email: String,
    }
    // The claim is one conditional write: two requests with the same link cannot both win.
    // A write: not tried again.
    let claimed: Option<Claimed> = stmt(
        &db,
        "UPDATE customer_sign_in_links SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?3 RETURNING email",
        args![&hash, &now, now_seconds()],
    )?
    .first(None)
    .await
    .context("account sign-in link")?;
    let Some(Claimed { email }) = claimed else { return Ok(None) };
    let session = secret_id(32)?;
    stmt(
        &db,
        "INSERT INTO customer_sessions (token_hash, email, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        args![&sha256_hex(session.as_bytes()), &email, &now, now_seconds() + SESSION_SECONDS],
    )?
    .run()
    .await
    .context("account session")?;
    Ok(Some((email, session)))
}

/// The address a session token belongs to, while the session is live.
pub async fn session(env: &Env, token: &str) -> Result<Option<String>, ApiError> {
    if !well_formed_secret(token) {
        return Ok(None);
    }
    #[derive(Deserialize)]
    struct Row {
        email: String,
    }
    let db = db::db(env)?;
    let sql = "SELECT email FROM customer_sessions WHERE token_hash = ?1 AND ended_at IS NULL AND expires_at > ?2";
    let row: Option<Row> = db::first(stmt(&db, sql, args![&sha256_hex(token.as_bytes()), now_seconds()])?).await?;
    Ok(row.map(|r| r.email))
}

pub async fn end_session(env: &Env, token: &str) -> Result<(), ApiError> {
    let db = db::db(env)?;
    stmt(
        &db,
        "UPDATE customer_sessions SET ended_at = ?2 WHERE token_hash = ?1 AND ended_at IS NULL",
        args![&sha256_hex(token.as_bytes()), &now_rfc3339()],
    )?
    .run()
    .await
    .context("account sign-out")?;
    Ok(())
}

/// What the checkout form starts with for a signed-in shopper: the contact and address of their
/// latest order, or only their address when they have none left.
pub async fn last_details(env: &Env, email: &str) -> Result<(Address, Contact), ApiError> {
    #[derive(Deserialize)]
    struct Row {
        address_json: String,
        contact_json: String,
    }
    let db = db::db(env)?;
    let sql = "SELECT address_json, contact_json FROM orders WHERE email = ?1 ORDER BY created_at DESC, number DESC LIMIT 1";
    let fallback = || (Address::default(), Contact { email: email.to_string(), ..Contact::default() });
    let Some(row) = db::first::<Row>(stmt(&db, sql, args![email])?).await? else { return Ok(fallback()) };
    match (serde_json::from_str(&row.address_json), serde_json::from_str(&row.contact_json)) {
        (Ok(address), Ok(contact)) => Ok((address, contact)),
        _ => Ok(fallback()),
    }
}

/// The account of `email`: its newest orders (each with its page's address) and how many it has.
pub async fn account(env: &Env, email: &str) -> Result<Account, ApiError> {
    #[derive(Deserialize)]
    struct Row {
        number: u64,
        token: String,
        created_at: String,
        status: OrderStatus,
        currency: String,
        total_minor: i64,
        items: u32,
    }
    let db = db::db(env)?;
    let rows = db::all::<Row>(stmt(
        &db,
        "SELECT number, token, created_at, status, currency, total_minor,
                (SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE order_number = orders.number) AS items
         FROM orders WHERE email = ?1 ORDER BY created_at DESC, number DESC LIMIT ?2",
        args![email, MAX_ORDERS],
    )?);
    let total = db::first::<Count>(stmt(&db, "SELECT count(*) AS n FROM orders WHERE email = ?1", args![email])?);
    let (rows, total) = futures_util::try_join!(rows, total)?;
    let orders = rows
        .into_iter()
        .map(|r| {
            let currency = Currency::parse(&r.currency).context("stored currency")?;
            Ok(AccountOrder {
                url: format!("/orders/?number={}&token={}", r.number, r.token),
                number: r.number,
                placed_at: r.created_at,
                status: r.status,
                items: r.items,
                total: money_view(Money::new(r.total_minor, currency)),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Account { email: email.to_string(), orders, total_orders: total.map_or(0, |c| c.n) })
}
