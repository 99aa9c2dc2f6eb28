//! Messages that are not about one order: newsletter sign-up with double opt-in, one-click
//! unsubscribe, back-in-stock alerts and newsletters. Sign-ups are stored in D1 (with consent
//! time and source); the queue consumer writes each message to the `messages` outbox in the same
//! transaction that marks what it is for (an alert notified, a confirmation sent), then sends the
//! batch: a redelivered event finds its messages already written and sends only what is unsent.
//! A message to a list goes a page at a time ([`LIST_PAGE`]), each page a queue message of its own.

use crate::error::{ApiError, Context, Problem};
use crate::services::db::{self, args, stmt};
use crate::services::events::{self, EventKind, ListPage, OrderEvent};
use crate::services::mailer::{self, Email, Mailer};
use crate::services::{now_rfc3339, random_id, secret_id};
use edgeshop_api::admin::{Digest, Erased};
use edgeshop_domain::{escape_html as esc, Shop};
use serde::Deserialize;
use worker::Env;

/// At most one confirmation email per address in this many seconds, however often it signs up.
const CONFIRMATION_INTERVAL_SECONDS: i64 = 600;
const MAX_ATTEMPTS: u32 = 5;

/// A message to a list (subscribers, shoppers waiting for a SKU) is written and sent a page at a
/// time: each queue message writes the messages of at most this many addresses, sends at most this
/// many, and queues the next page while any are left. A page stays within the 50 subrequests (D1
/// queries, sends, queue messages) a Worker invocation may make on the Free plan: one send per
/// message, one D1 batch for their outcomes and about ten calls besides.
pub const LIST_PAGE: usize = 30;

/// The orders of an erasure that lose their personal data (`?2`: the numbers being cancelled, a
/// JSON array).
fn erasable() -> String {
    format!("(status IN {} OR number IN (SELECT value FROM json_each(?2)))", super::orders::FINISHED)
}

/// The domain of the stand-in address an erased customer's orders keep.
const ERASED_DOMAIN: &str = "@erased.invalid";
/// SQL: the address in `column` is not an erased customer's stand-in.
pub fn not_erased_sql(column: &str) -> String {
    format!("{column} NOT LIKE '%{ERASED_DOMAIN}'")
}

/// Whether `email` is an erased customer's stand-in.
pub fn is_erased(email: &str) -> bool {
    email.ends_with(ERASED_DOMAIN)
}

#[derive(Deserialize)]
struct Subscriber {
    email: String,
    status: String,
    token: String,
}

fn problem_email() -> ApiError {
    ApiError::new(Problem::InvalidEmail, "send an address such as name@example.com")
}

/// A newsletter sign-up: a new or unsubscribed address becomes pending and gets a confirmation
/// link (at most one every 10 minutes); a confirmed one stays as it is. The answer is the same
/// either way, so the endpoint does not tell who is subscribed.
pub async fn sign_up(env: &Env, email: &str, source: &str, new_products: bool) -> Result<(), ApiError> {
    let email = super::email_key(email);
    if !edgeshop_domain::valid_email(&email) {
        return Err(problem_email());
    }
    let db = db::db(env)?;
    let now = now_rfc3339();
    // New, or back from unsubscribed (a fresh token), or still pending (its link stays valid;
    // the topics asked for last count). A confirmed address is left as it is.
    stmt(
        &db,
        "INSERT INTO subscribers (email, status, token, source, created_at, new_products) VALUES (?1, 'pending', ?2, ?3, ?4, ?5)
         ON CONFLICT(email) DO UPDATE SET status = 'pending', source = excluded.source, new_products = excluded.new_products, unsubscribed_at = NULL,
           token = CASE WHEN subscribers.status = 'unsubscribed' THEN excluded.token ELSE subscribers.token END
           WHERE subscribers.status != 'confirmed'",
        args![&email, &secret_id(16)?, source, &now, new_products as i64],
    )?
    .run()
    .await
    .context("subscriber")?;
    // Claim the right to send a confirmation now (none sent in the last 10 minutes).
    let claimed = stmt(
        &db,
        "UPDATE subscribers SET confirmation_sent_at = ?1 WHERE email = ?2 AND status = 'pending'
           AND (confirmation_sent_at IS NULL OR unixepoch(confirmation_sent_at) < unixepoch(?1) - ?3)",
        args![&now, &email, CONFIRMATION_INTERVAL_SECONDS],
    )?;
    if db::changed(claimed, "subscriber").await? {
        let mut e = OrderEvent::new(format!("confirm-{}", random_id(8)), EventKind::NewsletterConfirm, 0, now);
        e.detail = Some(email);
        events::publish(env, &e).await?;
    }
    Ok(())
}

/// Confirms a pending address once. `Ok(false)` when the link was already used or is unknown.
/// What the shop holds of `email` beside its orders: the newsletter subscription's status and
/// the SKUs it asked to hear about when back in stock (a customer's data export).
pub async fn held_for(env: &Env, email: &str) -> Result<(Option<String>, Vec<String>), ApiError> {
    #[derive(Deserialize)]
    struct Status {
        status: String,
    }
    #[derive(Deserialize)]
    struct Alert {
        sku: String,
    }
    let db = db::db(env)?;
    let status = db::first::<Status>(stmt(&db, "SELECT status FROM subscribers WHERE email = ?1", args![email])?);
    let alerts = db::all::<Alert>(stmt(&db, "SELECT sku FROM stock_alerts WHERE email = ?1 ORDER BY created_at", args![email])?);
    let (status, alerts) = futures_util::try_join!(status, alerts)?;
    Ok((status.map(|s| s.status), alerts.into_iter().map(|a| a.sku).collect()))
}

pub async fn confirm(env: &Env, token: &str) -> Result<bool, ApiError> {
    let db = db::db(env)?;
    let confirm = stmt(
        &db,
        "UPDATE subscribers SET status = 'confirmed', consent_at = ?1 WHERE token = ?2 AND status = 'pending'",
        args![&now_rfc3339(), token],
    )?;
    db::changed(confirm, "subscriber").await
}

/// One-click unsubscribe (RFC 8058): the token in the link is the whole authorisation.
pub async fn unsubscribe(env: &Env, token: &str) -> Result<bool, ApiError> {
    let db = db::db(env)?;
    let unsubscribe = stmt(
        &db,
        "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ?1 WHERE token = ?2 AND status != 'unsubscribed'",
        args![&now_rfc3339(), token],
    )?;
    db::changed(unsubscribe, "subscriber").await
}

/// Whether `token` is a subscriber's (whatever their state).
pub async fn known_token(env: &Env, token: &str) -> Result<bool, ApiError> {
    if token.is_empty() {
        return Ok(false);
    }
    let db = db::db(env)?;
    let found: Option<serde_json::Value> = db::first(stmt(&db, "SELECT 1 AS found FROM subscribers WHERE token = ?1", args![token])?).await?;
    Ok(found.is_some())
}

/// Subscribers by status: a newsletter goes to the confirmed ones.
pub async fn audience(env: &Env) -> Result<edgeshop_api::admin::NewsletterAudience, ApiError> {
    #[derive(Deserialize)]
    struct Row {
        status: String,
        n: u64,
    }
    let db = db::db(env)?;
    let rows: Vec<Row> = db::all(stmt(&db, "SELECT status, count(*) AS n FROM subscribers GROUP BY status", args![])?).await?;
    let count = |s: &str| rows.iter().find(|r| r.status == s).map_or(0, |r| r.n);
    Ok(edgeshop_api::admin::NewsletterAudience { confirmed: count("confirmed"), pending: count("pending"), unsubscribed: count("unsubscribed") })
}

/// Asks to be told when `sku` is back (the same address and SKU once).
pub async fn alert_me(env: &Env, sku: &str, email: &str) -> Result<(), ApiError> {
    let email = super::email_key(email);
    if !edgeshop_domain::valid_email(&email) {
        return Err(problem_email());
    }
    let db = db::db(env)?;
    // An address waits for at most MAX_WAITING_ALERTS things at once: whoever types it, it
    // cannot be signed up for every sold-out item (each alert is sent once, then done).
    let added = db::changed(
        stmt(
            &db,
            "INSERT INTO stock_alerts (sku, email, created_at)
             SELECT ?1, ?2, ?3 WHERE (SELECT count(*) FROM stock_alerts WHERE email = ?2 AND notified_at IS NULL AND sku <> ?1) < ?4
             ON CONFLICT(sku, email) DO UPDATE SET notified_at = NULL, created_at = excluded.created_at WHERE stock_alerts.notified_at IS NOT NULL",
            args![sku, &email, &now_rfc3339(), MAX_WAITING_ALERTS],
        )?,
        "stock alert",
    )
    .await?;
    if !added && !waiting_for(&db, sku, &email).await? {
        return Err(ApiError::new(
            Problem::TooManyAlerts,
            format!("this address already waits for {MAX_WAITING_ALERTS} items; it hears about those first"),
        ));
    }
    Ok(())
}

/// Back-in-stock alerts one address may wait on at once.
pub const MAX_WAITING_ALERTS: u32 = 20;

async fn waiting_for(db: &worker::D1Database, sku: &str, email: &str) -> Result<bool, ApiError> {
    #[derive(Deserialize)]
    struct N {
        n: u32,
    }
    let found: Option<N> =
        db::first(stmt(db, "SELECT count(*) AS n FROM stock_alerts WHERE sku = ?1 AND email = ?2 AND notified_at IS NULL", args![sku, email])?)
            .await?;
    Ok(found.is_some_and(|f| f.n > 0))
}

/// A new-products digest for this deploy's catalog: the newest products that no digest announced
/// yet (`_catalog/newest.json` against `announced_products`). Asking twice for one catalog version
/// sends one digest (the event id is the version).
pub async fn queue_digest(env: &Env) -> Result<Digest, ApiError> {
    let version = crate::build_data::manifest(env).await?.version.clone();
    let newest = crate::build_data::newest(env).await?;
    let slugs = serde_json::to_string(&newest.iter().map(|p| &p.slug).collect::<Vec<_>>())?;
    let db = db::db(env)?;
    #[derive(Deserialize)]
    struct Slug {
        slug: String,
    }
    let any: Option<Slug> = db::first(stmt(&db, "SELECT slug FROM announced_products LIMIT 1", args![])?).await?;
    let known: Vec<Slug> =
        db::all(stmt(&db, "SELECT slug FROM announced_products WHERE slug IN (SELECT value FROM json_each(?1))", args![&slugs])?).await?;
    let known: std::collections::HashSet<String> = known.into_iter().map(|s| s.slug).chain(any.map(|s| s.slug)).collect();
    match edgeshop_domain::to_announce(&newest, &known) {
        None => {
            let record = "INSERT OR IGNORE INTO announced_products (slug, catalog_version, announced_at) SELECT value, ?2, ?3 FROM json_each(?1)";
            stmt(&db, record, args![&slugs, &version, &now_rfc3339()])?.run().await.context("announced products")?;
            Ok(Digest::BaselineRecorded { catalog_version: version, products: newest.len() })
        }
        Some(new) if new.is_empty() => Ok(Digest::NothingNew { catalog_version: version }),
        Some(new) => {
            let mut e = OrderEvent::new(format!("digest-{version}"), EventKind::NewProductsDigest, 0, now_rfc3339());
            e.detail = Some(serde_json::to_string(&new)?);
            events::publish(env, &e).await?;
            Ok(Digest::Sending { catalog_version: version, products: new.iter().map(|p| p.slug.clone()).collect() })
        }
    }
}

/// Erases a customer's personal data (a right-to-erasure request): the newsletter subscription,
/// stock alerts and account sessions are deleted; orders are kept for the books (lines, amounts, dates, country)
/// with name, address, email and phone replaced; messages not yet sent to the address are not
/// sent. One batch: all of it or nothing.
///
/// Only orders that are finished (delivered, cancelled, returned) or `cancelling` (their
/// cancellation queued with the erasure) lose their personal data: an order placed
/// meanwhile keeps the address it is delivered to.
pub async fn erase_customer(env: &Env, email: &str, cancelling: &[u64]) -> Result<Erased, ApiError> {
    let email = super::email_key(email);
    if !edgeshop_domain::valid_email(&email) {
        return Err(problem_email());
    }
    let db = db::db(env)?;
    let cancelling_json = serde_json::to_string(cancelling)?;
    let erasable = erasable();
    #[derive(Deserialize)]
    struct Counts {
        orders: u32,
        subscriptions: u32,
        alerts: u32,
    }
    let counts: Option<Counts> = db::first(stmt(
        &db,
        &format!(
            "SELECT (SELECT count(*) FROM orders WHERE email = ?1 AND {erasable}) AS orders, (SELECT count(*) FROM subscribers WHERE email = ?1) AS subscriptions,
                (SELECT count(*) FROM stock_alerts WHERE email = ?1) AS alerts"
        ),
        args![&email, &cancelling_json],
    )?)
    .await?;
    let counts = counts.unwrap_or(Counts { orders: 0, subscriptions: 0, alerts: 0 });
    let mailbox = super::mailbox_key(&email);
    let now = now_rfc3339();
    // A stand-in address under the reserved `.invalid` domain (RFC 2606): never deliverable.
    let stand_in = format!("erased-{}{ERASED_DOMAIN}", random_id(8));
    let hash = crate::services::sha256_hex(email.as_bytes());
    let statements = vec![
        stmt(&db, "INSERT INTO customers (email, name, phone, first_order_at, last_order_at) SELECT ?2, 'Erased customer', '', first_order_at, last_order_at FROM customers WHERE email = ?1", args![&email, &stand_in])?,
        stmt(
            &db,
            &format!(
                "UPDATE orders SET email = ?3, name = 'Erased customer', version = version + 1, updated_at = ?4,
               address_json = json_object('name', 'Erased customer', 'line1', '-', 'line2', '', 'city', '-', 'postal_code', '', 'country', json_extract(address_json, '$.country')),
               contact_json = json_object('email', ?3, 'phone', '')
             WHERE email = ?1 AND {erasable}"
            ),
            args![&email, &cancelling_json, &stand_in, &now],
        )?,
        // A once-per-customer code's use no longer names their mailbox.
        stmt(&db, "UPDATE discount_uses SET mailbox = ?2 WHERE mailbox = ?1", args![&mailbox, &stand_in])?,
        stmt(&db, "INSERT INTO order_history (order_number, status, at, note) SELECT number, status, ?2, 'customer data erased' FROM orders WHERE email = ?1", args![&stand_in, &now])?,
        // What the customer wrote on their returns goes too.
        stmt(&db, "UPDATE returns SET reason = '' WHERE order_number IN (SELECT number FROM orders WHERE email = ?1)", args![&stand_in])?,
        // And what staff wrote beside their refunds and the courier's cash (an account number, say).
        stmt(&db, "UPDATE payments SET reason = NULL WHERE reason IS NOT NULL AND order_number IN (SELECT number FROM orders WHERE email = ?1)", args![&stand_in])?,
        stmt(&db, "UPDATE cash_receipts SET note = '' WHERE order_number IN (SELECT number FROM orders WHERE email = ?1)", args![&stand_in])?,
        stmt(&db, "DELETE FROM customers WHERE email = ?1", args![&email])?,
        stmt(&db, "UPDATE notifications SET recipient = ?2, failed_at = coalesce(failed_at, ?3), last_error = coalesce(last_error, 'customer erased') WHERE recipient = ?1 AND sent_at IS NULL AND order_number IN (SELECT number FROM orders WHERE email = ?2)", args![&email, &stand_in, &now])?,
        stmt(&db, "UPDATE notifications SET recipient = ?2 WHERE recipient = ?1 AND order_number IN (SELECT number FROM orders WHERE email = ?2)", args![&email, &stand_in])?,
        // The number out of their orders' attention notes (a text that could not be sent names it).
        stmt(
            &db,
            "UPDATE orders SET version = version + 1, attention = replace(attention, (SELECT n.recipient FROM notifications n WHERE n.order_number = orders.number AND n.event_id LIKE '%:sms' LIMIT 1), 'an erased number')
             WHERE email = ?1 AND attention IS NOT NULL AND EXISTS (SELECT 1 FROM notifications n WHERE n.order_number = orders.number AND n.event_id LIKE '%:sms')",
            args![&stand_in],
        )?,
        // Text messages of their orders: the number goes, and what was not sent is not sent. Each
        // row gets its own stand-in (the email row of the same step already has `stand_in`).
        stmt(
            &db,
            "UPDATE notifications SET recipient = 'erased-' || event_id,
               failed_at = CASE WHEN sent_at IS NULL THEN coalesce(failed_at, ?2) ELSE failed_at END,
               last_error = CASE WHEN sent_at IS NULL THEN coalesce(last_error, 'customer erased') ELSE last_error END
             WHERE event_id LIKE '%:sms' AND order_number IN (SELECT number FROM orders WHERE email = ?1)",
            args![&stand_in, &now],
        )?,
        stmt(&db, "UPDATE messages SET recipient = ?2, text = '', html = '', failed_at = CASE WHEN sent_at IS NULL THEN coalesce(failed_at, ?3) ELSE failed_at END WHERE recipient = ?1", args![&email, &stand_in, &now])?,
        stmt(&db, "DELETE FROM subscribers WHERE email = ?1", args![&email])?,
        stmt(&db, "DELETE FROM stock_alerts WHERE email = ?1", args![&email])?,
        // Their account goes with the address: sessions end, links stop working.
        stmt(&db, "DELETE FROM customer_sessions WHERE email = ?1", args![&email])?,
        stmt(&db, "DELETE FROM customer_sign_in_links WHERE email = ?1", args![&email])?,
        stmt(&db, "DELETE FROM customer_browsers WHERE email = ?1", args![&email])?,
        stmt(&db, "INSERT INTO erasures (email_hash, orders, at) VALUES (?1, ?2, ?3)", args![&hash, counts.orders, &now])?,
    ];
    db::batch(&db, statements).await?;
    Ok(Erased { orders_anonymised: counts.orders, subscriptions_removed: counts.subscriptions, stock_alerts_removed: counts.alerts })
}

/// The consumer's part: writes the messages an event makes (a list's: this page's), queues the
/// list's next page, then sends a page of what is unsent.
pub async fn handle(env: &Env, event: &OrderEvent) -> Result<(), ApiError> {
    let shop = crate::build_data::manifest(env).await?.shop.clone();
    let db = db::db(env)?;
    let detail = event.detail.clone().unwrap_or_default();
    let now = now_rfc3339();
    let insert = INSERT_MESSAGE;
    // Every page of an event writes into the first one's batch, with ids of batch and address: a
    // page delivered twice writes nothing twice.
    let batch = event.page.as_ref().map_or(event.id.as_str(), |p| p.batch.as_str());
    let after = event.page.as_ref().map_or("", |p| p.after.as_str());
    let page = LIST_PAGE as i64;
    // A list's addresses on this page, in order.
    let mut listed: Vec<String> = Vec::new();
    let mut statements = Vec::new();
    match event.kind {
        EventKind::NewsletterConfirm => {
            let found: Option<Subscriber> =
                db::first(stmt(&db, "SELECT email, status, token FROM subscribers WHERE email = ?1", args![&detail])?).await?;
            if let Some(s) = found.filter(|s| s.status == "pending") {
                let link = format!("{}/api/newsletter/confirm?token={}", shop.base_url, s.token);
                let m = message(
                    &shop,
                    &format!("Confirm your subscription to {}", shop.name),
                    &[
                        format!("Please confirm that you want news from {} at this address.", shop.name),
                        format!("Confirm: {link}"),
                        "If you did not ask for this, ignore this message: nothing will be sent.".into(),
                    ],
                    None,
                );
                statements.push(stmt(&db, insert, args![batch, batch, "newsletter_confirm", &s.email, &m.0, &m.1, &m.2, None::<&str>, &now])?);
            }
        }
        EventKind::StockRestocked => {
            #[derive(Deserialize)]
            struct Alert {
                email: String,
            }
            let waiting: Vec<Alert> = db::all(stmt(
                &db,
                "SELECT email FROM stock_alerts WHERE sku = ?1 AND notified_at IS NULL AND email > ?2 ORDER BY email LIMIT ?3",
                args![&detail, after, page],
            )?)
            .await?;
            let entry = crate::build_data::skus(env, [detail.as_str()])
                .await?
                .get(&detail)
                .map(|e| (e.product_slug.clone(), e.product_title.clone(), e.variant.title()));
            let (slug, title, variant) = entry.unwrap_or_else(|| (String::new(), detail.clone(), String::new()));
            let link = format!("{}{}", shop.base_url, edgeshop_domain::paths::product(&slug));
            for a in &waiting {
                let m = message(
                    &shop,
                    &format!("{title} is back in stock"),
                    &[
                        format!("You asked us to tell you when {title} ({variant}) is back. It is, while stocks last."),
                        format!("Buy it here: {link}"),
                    ],
                    None,
                );
                statements.push(stmt(
                    &db,
                    insert,
                    args![&format!("{batch}:{}", a.email), batch, "back_in_stock", &a.email, &m.0, &m.1, &m.2, None::<&str>, &now],
                )?);
            }
            listed = waiting.into_iter().map(|a| a.email).collect();
            // In the same transaction: this page's alerts are done, a second restock sends nothing.
            if !listed.is_empty() {
                statements.push(stmt(
                    &db,
                    "UPDATE stock_alerts SET notified_at = ?1 WHERE sku = ?2 AND notified_at IS NULL AND email IN (SELECT value FROM json_each(?3))",
                    args![&now, &detail, &serde_json::to_string(&listed)?],
                )?);
            }
        }
        EventKind::NewsletterSend => {
            let subject = event.payment_ref.clone().unwrap_or_else(|| format!("News from {}", shop.name));
            let subscribers = subscribers_after(&db, after, false).await?;
            let paragraphs: Vec<String> = detail.split("\n\n").map(str::to_string).collect();
            let letter = Letter { template: "newsletter", subject: &subject, paragraphs: &paragraphs };
            statements.extend(to_subscribers(&db, &shop, batch, &letter, &subscribers, &now)?);
            listed = subscribers.into_iter().map(|s| s.email).collect();
        }
        EventKind::NewProductsDigest => {
            let products: Vec<edgeshop_domain::NewProduct> = serde_json::from_str(&detail).context("digest")?;
            let slugs = serde_json::to_string(&products.iter().map(|p| &p.slug).collect::<Vec<_>>())?;
            let subscribers = subscribers_after(&db, after, true).await?;
            let subject = match products.as_slice() {
                [one] => format!("New at {}: {}", shop.name, one.title),
                [first, rest @ ..] => format!("New at {}: {} and {} more", shop.name, first.title, rest.len()),
                [] => return Ok(()),
            };
            let shown = edgeshop_domain::announce::DIGEST_SHOWN;
            let mut paragraphs: Vec<String> = products
                .iter()
                .take(shown)
                .map(|p| {
                    format!("{}, from {}: {}{}", p.title, p.from_price.format(&shop.locale), shop.base_url, edgeshop_domain::paths::product(&p.slug))
                })
                .collect();
            if products.len() > shown {
                paragraphs.push(format!("And {} more: {}/search/?sort=newest", products.len() - shown, shop.base_url));
            }
            let letter = Letter { template: "new_products", subject: &subject, paragraphs: &paragraphs };
            statements.extend(to_subscribers(&db, &shop, batch, &letter, &subscribers, &now)?);
            listed = subscribers.into_iter().map(|s| s.email).collect();
            // Announced once (with the first page), also when nobody has asked for digests yet.
            if event.page.is_none() {
                statements.push(stmt(
                    &db,
                    "INSERT OR IGNORE INTO announced_products (slug, catalog_version, announced_at) SELECT value, ?2, ?3 FROM json_each(?1)",
                    args![&slugs, batch.trim_start_matches("digest-"), &now],
                )?);
            }
        }
        EventKind::ShopAlert => {
            let subject = event.payment_ref.clone().unwrap_or_else(|| format!("{}: shop alert", shop.name));
            let paragraphs: Vec<String> = detail.split("\n\n").map(str::to_string).collect();
            for to in &shop.email.merchant {
                let m = message(&shop, &subject, &paragraphs, None);
                statements.push(stmt(&db, insert, args![&format!("{batch}:{to}"), batch, "shop_alert", to, &m.0, &m.1, &m.2, None::<&str>, &now])?);
            }
        }
        _ => return Ok(()),
    }
    if !statements.is_empty() && !crate::services::orders::event_seen(env, &event.id).await? {
        statements.push(stmt(
            &db,
            "INSERT OR IGNORE INTO applied_events (event_id, order_number, kind, outcome, applied_at) VALUES (?1, 0, ?2, 'applied', ?3)",
            args![&event.id, &format!("{:?}", event.kind), &now],
        )?);
        db::batch(&db, statements).await?;
    }
    // A full page: the list goes on from its last address, queued before this page is sent (a
    // failure to send here holds up nobody else).
    let full = listed.len() == LIST_PAGE;
    let last = listed.last().map_or(after, String::as_str);
    if full {
        events::publish(env, &next_page(event, batch, last)).await?;
    }
    let round = send_page(env, &shop, batch).await?;
    // Messages written but never tried are left (a page of a long alert list, or pages that ran
    // faster than their sending): one more page sends them.
    if !full && round.untried {
        events::publish(env, &next_page(event, batch, last)).await?;
    }
    crate::services::notify::round_outcome(env, "a message", round.retry, round.claimed_elsewhere)
}

/// A page of confirmed subscribers (those who asked for new-product digests: `digests`), in
/// address order from the one after `after`.
async fn subscribers_after(db: &worker::D1Database, after: &str, digests: bool) -> Result<Vec<Subscriber>, ApiError> {
    let sql = "SELECT email, status, token FROM subscribers WHERE status = 'confirmed' AND (?3 = 0 OR new_products = 1) AND email > ?1
               ORDER BY email LIMIT ?2";
    db::all(stmt(db, sql, args![after, LIST_PAGE as i64, i64::from(digests)])?).await
}

/// The page after `event`'s: the same message, from the address after `after`.
fn next_page(event: &OrderEvent, batch: &str, after: &str) -> OrderEvent {
    let number = event.page.as_ref().map_or(2, |p| p.number + 1);
    OrderEvent {
        id: format!("{batch}/page-{number}"),
        page: Some(ListPage { batch: batch.to_string(), after: after.to_string(), number }),
        ..event.clone()
    }
}

/// Subject, text and HTML of a message; marketing messages carry their unsubscribe link.
const INSERT_MESSAGE: &str = "INSERT OR IGNORE INTO messages (id, batch, kind, recipient, subject, text, html, list_unsubscribe, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

/// A message to a mailing list: what it is (`kind` in `messages`), its subject and paragraphs.
struct Letter<'a> {
    template: &'a str,
    subject: &'a str,
    paragraphs: &'a [String],
}

/// One message per subscriber, each with its own one-click unsubscribe link (ids per event and
/// address, so a redelivered event queues nothing twice).
fn to_subscribers(
    db: &worker::D1Database,
    shop: &Shop,
    batch: &str,
    letter: &Letter,
    subscribers: &[Subscriber],
    now: &str,
) -> Result<Vec<worker::D1PreparedStatement>, ApiError> {
    subscribers
        .iter()
        .map(|s| {
            let unsubscribe = format!("{}/api/newsletter/unsubscribe?token={}", shop.base_url, s.token);
            let (subject, text, html) = message(shop, letter.subject, letter.paragraphs, Some(&unsubscribe));
            let id = format!("{batch}:{}", s.email);
            stmt(db, INSERT_MESSAGE, args![&id, batch, letter.template, &s.email, &subject, &text, &html, Some(unsubscribe.as_str()), now])
        })
        .collect()
}

fn message(shop: &Shop, subject: &str, paragraphs: &[String], unsubscribe: Option<&str>) -> (String, String, String) {
    let mut text = format!("{subject}\n\n{}\n\n{}\n", paragraphs.join("\n\n"), shop.name);
    let mut footer = format!("{} ", esc(&shop.name));
    if let Some(u) = unsubscribe {
        text.push_str(&format!("\nUnsubscribe: {u}\n"));
        footer.push_str(&format!("· <a href=\"{}\" style=\"color:#666\">Unsubscribe</a>", esc(u)));
    }
    let body: String = paragraphs.iter().map(|p| format!("<p style=\"margin:0 0 12px\">{}</p>", mailer::paragraph_html(p))).collect();
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{t}</title></head>\
<body style=\"margin:0;background:#f5f5f2\"><div style=\"max-width:560px;margin:0 auto;padding:24px 16px;font:16px/1.5 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1d1d1b\">\
<h1 style=\"font-size:22px;margin:0 0 16px\">{t}</h1>{body}<p style=\"font-size:13px;color:#666;margin-top:24px\">{footer}</p></div></body></html>",
        t = esc(subject),
    );
    (subject.to_string(), text, html)
}

#[derive(Deserialize)]
struct Outgoing {
    id: String,
    recipient: String,
    subject: String,
    text: String,
    html: String,
    list_unsubscribe: Option<String>,
    attempts: u32,
}

/// What a page of sending left: a failure to try again, messages another sender holds, messages
/// never tried.
struct Round {
    retry: Option<(String, u32)>,
    claimed_elsewhere: bool,
    untried: bool,
}

/// Sends up to [`LIST_PAGE`] unsent messages of one batch: claimed in one statement (60 s lease),
/// sent, and their outcomes written in one transaction (a crash before that sends them again once
/// the lease lapses: at least once). Failures are retried by the queue up to 5 times, then marked
/// failed.
async fn send_page(env: &Env, shop: &Shop, batch: &str) -> Result<Round, ApiError> {
    let db = db::db(env)?;
    // Marketing to an address that unsubscribed (or was erased) since the batch was written is
    // not sent.
    stmt(
        &db,
        "UPDATE messages SET failed_at = ?2, last_error = 'unsubscribed before it was sent' WHERE batch = ?1 AND sent_at IS NULL AND failed_at IS NULL
           AND list_unsubscribe IS NOT NULL AND NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.email = messages.recipient AND s.status = 'confirmed')",
        args![batch, &now_rfc3339()],
    )?
    .run()
    .await
    .context("unsubscribed since")?;
    let now = now_rfc3339();
    // `attempts` as claimed: this attempt counted.
    let claimed: Vec<Outgoing> = db::write_returning(
        stmt(
            &db,
            "UPDATE messages SET claimed_at = ?1, attempts = attempts + 1 WHERE id IN (
               SELECT id FROM messages WHERE batch = ?2 AND sent_at IS NULL AND failed_at IS NULL
                 AND (claimed_at IS NULL OR unixepoch(claimed_at) < unixepoch(?1) - ?3) ORDER BY attempts, id LIMIT ?4)
             RETURNING id, recipient, subject, text, html, list_unsubscribe, attempts",
            args![&now, batch, crate::services::notify::CLAIM_LEASE_SECONDS, LIST_PAGE as i64],
        )?,
        "claim messages",
    )
    .await?;
    let mut retry = None;
    if !claimed.is_empty() {
        let mailer = crate::services::mailer::transport(env).context("email")?;
        let mut outcomes = Vec::with_capacity(claimed.len());
        for m in claimed {
            let mut headers = vec![];
            if let Some(u) = &m.list_unsubscribe {
                headers.push(("List-Unsubscribe".to_string(), format!("<{u}>")));
                headers.push(("List-Unsubscribe-Post".to_string(), "List-Unsubscribe=One-Click".to_string()));
            }
            let mut email = Email::from_shop(shop, &m.recipient, m.subject, m.text, m.html);
            email.headers = headers;
            let (sql, value) = match mailer.send(&email).await {
                Ok(id) => ("UPDATE messages SET sent_at = ?1, claimed_at = NULL, last_error = ?3 WHERE id = ?2", format!("sent as {id}")),
                Err(e) if m.attempts >= MAX_ATTEMPTS => ("UPDATE messages SET failed_at = ?1, claimed_at = NULL, last_error = ?3 WHERE id = ?2", e),
                Err(e) => {
                    retry = Some((e.clone(), m.attempts));
                    ("UPDATE messages SET claimed_at = NULL, last_error = ?3 WHERE id = ?2", e)
                }
            };
            outcomes.push(stmt(&db, sql, args![&now_rfc3339(), &m.id, &value])?);
        }
        db::batch(&db, outcomes).await?;
    }
    #[derive(Deserialize)]
    struct Left {
        untried: Option<i64>,
        held: Option<i64>,
    }
    let left: Option<Left> = db::first(stmt(
        &db,
        "SELECT SUM(claimed_at IS NULL AND attempts = 0) AS untried, SUM(claimed_at IS NOT NULL) AS held
           FROM messages WHERE batch = ?1 AND sent_at IS NULL AND failed_at IS NULL",
        args![batch],
    )?)
    .await?;
    let count = |n: Option<i64>| n.unwrap_or(0) > 0;
    // Held by a sender that may have died: this batch comes back once that claim has lapsed.
    Ok(Round { retry, claimed_elsewhere: left.as_ref().is_some_and(|l| count(l.held)), untried: left.is_some_and(|l| count(l.untried)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every page names the first event's batch and the address it starts after, and has an id of
    /// its own that a redelivered page repeats (so its queue marker dedupes it).
    #[test]
    fn pages_of_a_list_share_the_first_events_batch() {
        let mut first = OrderEvent::new("newsletter-2026-12-05-0123".into(), EventKind::NewsletterSend, 0, "2026-12-05T08:00:00Z".into());
        first.detail = Some("News.".into());
        let second = next_page(&first, &first.id, "m@example.ie");
        assert_eq!(second.id, "newsletter-2026-12-05-0123/page-2");
        let third = next_page(&second, "newsletter-2026-12-05-0123", "z@example.ie");
        assert_eq!(third.id, "newsletter-2026-12-05-0123/page-3");
        let page = third.page.as_ref().unwrap();
        assert_eq!((page.batch.as_str(), page.after.as_str(), page.number), ("newsletter-2026-12-05-0123", "z@example.ie", 3));
        assert_eq!(third.detail.as_deref(), Some("News."), "the same message");
        // On the wire: a first event has no page (events queued before pages existed still parse).
        let wire = serde_json::to_value(&first).unwrap();
        assert!(wire.get("page").is_none());
        let back: OrderEvent = serde_json::from_value(serde_json::to_value(&third).unwrap()).unwrap();
        assert_eq!(back.page.unwrap().after, "z@example.ie");
    }
}
