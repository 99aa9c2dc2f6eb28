//! Shoppers' accounts (D1): one-time sign-in links emailed to the address a shopper orders with,
//! sessions, and that address's orders. No password and no profile: the orders are the account.
//! Tokens (256 random bits) are kept as SHA-256 hashes only.

use crate::error::{ApiError, Context};
use crate::http::money_view;
use crate::services::db::{self, args, stmt};
use crate::services::sign_in;
use edgeshop_api::account::{Account, AccountOrder, MAX_ORDERS};
use edgeshop_domain::{Currency, Money, OrderStatus};
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
    sign_in::SHOPPERS.new_link(env, email, LINK_SECONDS).await
}

/// Uses a sign-in link (once) and opens a session: the address and the session token, or `None`
/// when the link is unknown, used or expired. `client` as [`sign_in::Door::claim_link`] takes it.
pub async fn redeem(env: &Env, token: &str, client: &str) -> Result<Option<(String, String)>, ApiError> {
    let Some(email) = sign_in::SHOPPERS.claim_link(env, token, client).await? else { return Ok(None) };
    let session = sign_in::SHOPPERS.open_session(env, &email, SESSION_SECONDS).await?;
    Ok(Some((email, session)))
}

/// How long a browser a shopper signed in from is remembered (see [`remember_browser`]).
pub const BROWSER_SECONDS: u64 = 365 * 24 * 60 * 60;

/// Remembers the browser `email` just signed in from: a token for its long-lived cookie (only the
/// hash is stored). That browser still gets sign-in links when other clients have used up the
/// address's budget ([`browser_of`]). The address's expired ones go at the same time.
pub async fn remember_browser(env: &Env, email: &str) -> Result<String, ApiError> {
    let token = crate::services::secret_id(32)?;
    let db = db::db(env)?;
    let now = crate::services::now_seconds();
    db::batch(
        &db,
        vec![
            stmt(&db, "DELETE FROM customer_browsers WHERE email = ?1 AND expires_at <= ?2", args![email, now])?,
            stmt(
                &db,
                "INSERT INTO customer_browsers (token_hash, email, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                args![&crate::services::sha256_hex(token.as_bytes()), email, &crate::services::now_rfc3339(), now + BROWSER_SECONDS],
            )?,
        ],
    )
    .await?;
    Ok(token)
}

/// Forgets the browser holding `token` (signing out of it on a shared computer).
pub async fn forget_browser(env: &Env, token: &str) -> Result<(), ApiError> {
    let db = db::db(env)?;
    stmt(&db, "DELETE FROM customer_browsers WHERE token_hash = ?1", args![&crate::services::sha256_hex(token.as_bytes())])?
        .run()
        .await
        .context("forget browser")?;
    Ok(())
}

/// Whether the browser holding `token` has signed in as `email` (and is still remembered).
pub async fn browser_of(env: &Env, token: &str, email: &str) -> Result<bool, ApiError> {
    if !crate::services::well_formed_secret(token) {
        return Ok(false);
    }
    let db = db::db(env)?;
    let found: Option<Count> = db::first(stmt(
        &db,
        "SELECT count(*) AS n FROM customer_browsers WHERE token_hash = ?1 AND email = ?2 AND expires_at > ?3",
        args![&crate::services::sha256_hex(token.as_bytes()), email, crate::services::now_seconds()],
    )?)
    .await?;
    Ok(found.is_some_and(|c| c.n > 0))
}

/// The address an unused, unexpired sign-in link is for (the link stays unused).
pub async fn link_owner(env: &Env, token: &str) -> Result<Option<String>, ApiError> {
    sign_in::SHOPPERS.link_owner(env, token).await
}

/// The address a session token belongs to, while the session is live.
pub async fn session(env: &Env, token: &str) -> Result<Option<String>, ApiError> {
    sign_in::SHOPPERS.session_owner(env, token).await
}

pub async fn end_session(env: &Env, token: &str) -> Result<(), ApiError> {
    sign_in::SHOPPERS.end_session(env, token).await
}

/// An order's lines in short: "Nocturne Headphones (Black)", "… and 2 more".
fn summary(first: Option<&str>, variant: Option<&str>, lines: u32) -> String {
    let Some(first) = first else { return String::new() };
    let name = edgeshop_domain::line_name(first, variant.unwrap_or_default());
    match lines {
        0 | 1 => name,
        n => format!("{name} and {} more", n - 1),
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
        first_item: Option<String>,
        first_variant: Option<String>,
        lines: u32,
    }
    let db = db::db(env)?;
    let rows = db::all::<Row>(stmt(
        &db,
        "SELECT number, token, created_at, status, currency, total_minor,
                (SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE order_number = orders.number) AS items,
                (SELECT title FROM order_lines WHERE order_number = orders.number ORDER BY position LIMIT 1) AS first_item,
                (SELECT variant_title FROM order_lines WHERE order_number = orders.number ORDER BY position LIMIT 1) AS first_variant,
                (SELECT count(*) FROM order_lines WHERE order_number = orders.number) AS lines
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
                summary: summary(r.first_item.as_deref(), r.first_variant.as_deref(), r.lines),
                total: money_view(Money::new(r.total_minor, currency)),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Account { email: email.to_string(), orders, total_orders: total.map_or(0, |c| c.n) })
}
