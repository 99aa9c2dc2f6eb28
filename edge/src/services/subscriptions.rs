//! Messages that are not about one order: newsletter sign-up with double opt-in, one-click
//! unsubscribe, back-in-stock alerts and newsletters. Sign-ups are stored in D1 (with consent
//! time and source); the queue consumer writes each message to the `messages` outbox in the same
//! transaction that marks what it is for (an alert notified, a confirmation sent), then sends the
//! batch: a redelivered event finds its messages already written and sends only what is unsent.

use crate::error::{ApiError, Context, Problem};
use crate::services::db::{self, args, stmt};
use crate::services::events::{self, EventKind, OrderEvent};
use crate::services::mailer::{Email, Mailer};
use crate::services::{now_rfc3339, random_id, secret_id};
use edgeshop_api::admin::{Digest, Erased};
use edgeshop_domain::{escape_html as esc, Shop};
use serde::Deserialize;
use worker::Env;

/// At most one confirmation email per address in this many seconds, however often it signs up.
const CONFIRMATION_INTERVAL_SECONDS: i64 = 600;
const MAX_ATTEMPTS: u32 = 5;

/// The domain of the stand-in address an erased customer's orders keep.
const ERASED_DOMAIN: &str = "@erased.invalid";

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
    let email = email.trim().to_lowercase();
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

/// Asks to be told when `sku` is back (the same address and SKU once).
pub async fn alert_me(env: &Env, sku: &str, email: &str) -> Result<(), ApiError> {
    let email = email.trim().to_lowercase();
    if !edgeshop_domain::valid_email(&email) {
        return Err(problem_email());
    }
    let db = db::db(env)?;
    stmt(
        &db,
        "INSERT INTO stock_alerts (sku, email, created_at) VALUES (?1, ?2, ?3) ON CONFLICT(sku, email) DO UPDATE SET notified_at = NULL, created_at = excluded.created_at
         WHERE stock_alerts.notified_at IS NOT NULL",
        args![sku, &email, &now_rfc3339()],
    )?
    .run()
    .await
    .context("stock alert")?;
    Ok(())
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

/// Erases a customer's personal data (a right-to-erasure request): the newsletter subscription
/// and stock alerts are deleted; orders are kept for the books (lines, amounts, dates, country)
/// with name, address, email and phone replaced; messages not yet sent to the address are not
/// sent. One batch: all of it or nothing.
pub async fn erase_customer(env: &Env, email: &str) -> Result<Erased, ApiError> {
    let email = email.trim().to_lowercase();
    if !edgeshop_domain::valid_email(&email) {
        return Err(problem_email());
    }
    let db = db::db(env)?;
    #[derive(Deserialize)]
    struct Counts {
        orders: u32,
        subscriptions: u32,
        alerts: u32,
    }
    let counts: Option<Counts> = db::first(stmt(
        &db,
        "SELECT (SELECT count(*) FROM orders WHERE email = ?1) AS orders, (SELECT count(*) FROM subscribers WHERE email = ?1) AS subscriptions,
                (SELECT count(*) FROM stock_alerts WHERE email = ?1) AS alerts",
        args![&email],
    )?)
    .await?;
    let counts = counts.unwrap_or(Counts { orders: 0, subscriptions: 0, alerts: 0 });
    let now = now_rfc3339();
    // A stand-in address under the reserved `.invalid` domain (RFC 2606): never deliverable.
    let stand_in = format!("erased-{}{ERASED_DOMAIN}", random_id(8));
    let hash = crate::services::sha256_hex(email.as_bytes());
    let statements = vec![
        stmt(&db, "INSERT INTO customers (email, name, phone, first_order_at, last_order_at) SELECT ?2, 'Erased customer', '', first_order_at, last_order_at FROM customers WHERE email = ?1", args![&email, &stand_in])?,
        stmt(
            &db,
            "UPDATE orders SET email = ?2, name = 'Erased customer', version = version + 1, updated_at = ?3,
               address_json = json_object('name', 'Erased customer', 'line1', '-', 'line2', '', 'city', '-', 'postal_code', '', 'country', json_extract(address_json, '$.country')),
               contact_json = json_object('email', ?2, 'phone', '')
             WHERE email = ?1",
            args![&email, &stand_in, &now],
        )?,
        stmt(&db, "INSERT INTO order_history (order_number, status, at, note) SELECT number, status, ?2, 'customer data erased' FROM orders WHERE email = ?1", args![&stand_in, &now])?,
        // What the customer wrote on their returns goes too.
        stmt(&db, "UPDATE returns SET reason = '' WHERE order_number IN (SELECT number FROM orders WHERE email = ?1)", args![&stand_in])?,
        stmt(&db, "DELETE FROM customers WHERE email = ?1", args![&email])?,
        stmt(&db, "UPDATE notifications SET recipient = ?2, failed_at = coalesce(failed_at, ?3), last_error = coalesce(last_error, 'customer erased') WHERE recipient = ?1 AND sent_at IS NULL", args![&email, &stand_in, &now])?,
        stmt(&db, "UPDATE notifications SET recipient = ?2 WHERE recipient = ?1", args![&email, &stand_in])?,
        stmt(&db, "UPDATE messages SET recipient = ?2, text = '', html = '', failed_at = CASE WHEN sent_at IS NULL THEN coalesce(failed_at, ?3) ELSE failed_at END WHERE recipient = ?1", args![&email, &stand_in, &now])?,
        stmt(&db, "DELETE FROM subscribers WHERE email = ?1", args![&email])?,
        stmt(&db, "DELETE FROM stock_alerts WHERE email = ?1", args![&email])?,
        stmt(&db, "INSERT INTO erasures (email_hash, orders, at) VALUES (?1, ?2, ?3)", args![&hash, counts.orders, &now])?,
    ];
    db::batch(&db, statements).await?;
    Ok(Erased { orders_anonymised: counts.orders, subscriptions_removed: counts.subscriptions, stock_alerts_removed: counts.alerts })
}

/// The consumer's part: writes the messages an event makes, then sends what is unsent.
pub async fn handle(env: &Env, event: &OrderEvent) -> Result<(), ApiError> {
    let shop = crate::build_data::manifest(env).await?.shop.clone();
    let db = db::db(env)?;
    let detail = event.detail.clone().unwrap_or_default();
    let now = now_rfc3339();
    let insert = INSERT_MESSAGE;
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
                statements.push(stmt(
                    &db,
                    insert,
                    args![&event.id, &event.id, "newsletter_confirm", &s.email, &m.0, &m.1, &m.2, None::<&str>, &now],
                )?);
            }
        }
        EventKind::StockRestocked => {
            #[derive(Deserialize)]
            struct Alert {
                email: String,
            }
            let waiting: Vec<Alert> =
                db::all(stmt(&db, "SELECT email FROM stock_alerts WHERE sku = ?1 AND notified_at IS NULL", args![&detail])?).await?;
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
                    args![&format!("{}:{}", event.id, a.email), &event.id, "back_in_stock", &a.email, &m.0, &m.1, &m.2, None::<&str>, &now],
                )?);
            }
            // In the same transaction: these alerts are done, a second restock sends nothing.
            statements.push(stmt(&db, "UPDATE stock_alerts SET notified_at = ?1 WHERE sku = ?2 AND notified_at IS NULL", args![&now, &detail])?);
        }
        EventKind::NewsletterSend => {
            let subject = event.payment_ref.clone().unwrap_or_else(|| format!("News from {}", shop.name));
            let subscribers: Vec<Subscriber> =
                db::all(stmt(&db, "SELECT email, status, token FROM subscribers WHERE status = 'confirmed'", args![])?).await?;
            let paragraphs: Vec<String> = detail.split("\n\n").map(str::to_string).collect();
            let letter = Letter { template: "newsletter", subject: &subject, paragraphs: &paragraphs };
            statements.extend(to_subscribers(&db, &shop, &event.id, &letter, &subscribers, &now)?);
        }
        EventKind::NewProductsDigest => {
            let products: Vec<edgeshop_domain::NewProduct> = serde_json::from_str(&detail).context("digest")?;
            let slugs = serde_json::to_string(&products.iter().map(|p| &p.slug).collect::<Vec<_>>())?;
            let subscribers: Vec<Subscriber> =
                db::all(stmt(&db, "SELECT email, status, token FROM subscribers WHERE status = 'confirmed' AND new_products = 1", args![])?).await?;
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
            statements.extend(to_subscribers(&db, &shop, &event.id, &letter, &subscribers, &now)?);
            // Announced once, also when nobody has asked for digests yet.
            statements.push(stmt(
                &db,
                "INSERT OR IGNORE INTO announced_products (slug, catalog_version, announced_at) SELECT value, ?2, ?3 FROM json_each(?1)",
                args![&slugs, event.id.trim_start_matches("digest-"), &now],
            )?);
        }
        EventKind::ShopAlert => {
            let subject = event.payment_ref.clone().unwrap_or_else(|| format!("{}: shop alert", shop.name));
            let paragraphs: Vec<String> = detail.split("\n\n").map(str::to_string).collect();
            for to in &shop.email.merchant {
                let m = message(&shop, &subject, &paragraphs, None);
                statements.push(stmt(
                    &db,
                    insert,
                    args![&format!("{}:{to}", event.id), &event.id, "shop_alert", to, &m.0, &m.1, &m.2, None::<&str>, &now],
                )?);
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
    send_batch(env, &shop, &event.id).await
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
    event_id: &str,
    letter: &Letter,
    subscribers: &[Subscriber],
    now: &str,
) -> Result<Vec<worker::D1PreparedStatement>, ApiError> {
    subscribers
        .iter()
        .map(|s| {
            let unsubscribe = format!("{}/api/newsletter/unsubscribe?token={}", shop.base_url, s.token);
            let (subject, text, html) = message(shop, letter.subject, letter.paragraphs, Some(&unsubscribe));
            let id = format!("{event_id}:{}", s.email);
            stmt(db, INSERT_MESSAGE, args![&id, event_id, letter.template, &s.email, &subject, &text, &html, Some(unsubscribe.as_str()), now])
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
    let body: String = paragraphs.iter().map(|p| format!("<p style=\"margin:0 0 12px\">{}</p>", paragraph_html(p))).collect();
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{t}</title></head>\
<body style=\"margin:0;background:#f5f5f2\"><div style=\"max-width:560px;margin:0 auto;padding:24px 16px;font:16px/1.5 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1d1d1b\">\
<h1 style=\"font-size:22px;margin:0 0 16px\">{t}</h1>{body}<p style=\"font-size:13px;color:#666;margin-top:24px\">{footer}</p></div></body></html>",
        t = esc(subject),
    );
    (subject.to_string(), text, html)
}

/// A paragraph as HTML; one ending in `: https://…` links its text to that address.
pub(crate) fn paragraph_html(p: &str) -> String {
    match p.rsplit_once(": ") {
        Some((label, url)) if (url.starts_with("https://") || url.starts_with("http://")) && !url.contains(char::is_whitespace) => {
            format!("<a href=\"{}\" style=\"color:#1d4ed8\">{}</a>", esc(url), esc(label))
        }
        _ => esc(p),
    }
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

/// Sends the unsent messages of one batch: claimed (60 s lease), sent, marked; failures retried
/// by the queue up to 5 times, then marked failed.
async fn send_batch(env: &Env, shop: &Shop, batch: &str) -> Result<(), ApiError> {
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
    let pending: Vec<Outgoing> = db::all(stmt(
        &db,
        "SELECT id, recipient, subject, text, html, list_unsubscribe, attempts FROM messages WHERE batch = ?1 AND sent_at IS NULL AND failed_at IS NULL",
        args![batch],
    )?)
    .await?;
    if pending.is_empty() {
        return Ok(());
    }
    let mailer = crate::services::mailer::transport(env).context("email")?;
    let mut retry = None;
    let mut claimed_elsewhere = false;
    for m in pending {
        let now = now_rfc3339();
        let claimed = stmt(
            &db,
            "UPDATE messages SET claimed_at = ?1, attempts = attempts + 1 WHERE id = ?2 AND sent_at IS NULL AND failed_at IS NULL
               AND (claimed_at IS NULL OR unixepoch(claimed_at) < unixepoch(?1) - ?3)",
            args![&now, &m.id, crate::services::notify::CLAIM_LEASE_SECONDS],
        )?;
        if !db::changed(claimed, "claim message").await? {
            // Sent or failed meanwhile, or held by a sender that may have died: this batch
            // comes back once that claim has lapsed (see `notify::send_pending`).
            let held = stmt(&db, "SELECT id FROM messages WHERE id = ?1 AND sent_at IS NULL AND failed_at IS NULL", args![&m.id])?;
            claimed_elsewhere |= db::first::<serde_json::Value>(held).await?.is_some();
            continue;
        }
        let mut headers = vec![];
        if let Some(u) = &m.list_unsubscribe {
            headers.push(("List-Unsubscribe".to_string(), format!("<{u}>")));
            headers.push(("List-Unsubscribe-Post".to_string(), "List-Unsubscribe=One-Click".to_string()));
        }
        let mut email = Email::from_shop(shop, &m.recipient, m.subject, m.text, m.html);
        email.headers = headers;
        let (sql, value) = match mailer.send(&email).await {
            Ok(id) => ("UPDATE messages SET sent_at = ?1, claimed_at = NULL, last_error = ?3 WHERE id = ?2", format!("sent as {id}")),
            Err(e) if m.attempts + 1 >= MAX_ATTEMPTS => ("UPDATE messages SET failed_at = ?1, claimed_at = NULL, last_error = ?3 WHERE id = ?2", e),
            Err(e) => {
                retry = Some((e.clone(), m.attempts + 1));
                ("UPDATE messages SET claimed_at = NULL, last_error = ?3 WHERE id = ?2", e)
            }
        };
        stmt(&db, sql, args![&now_rfc3339(), &m.id, &value])?.run().await.context("message state")?;
    }
    crate::services::notify::round_outcome(env, "a message", retry, claimed_elsewhere)
}
