//! Online payments: which provider this deployment has, and the built-in test provider.
//!
//! - **Stripe** (`services/stripe.rs`) when `STRIPE_SECRET_KEY` and `STRIPE_WEBHOOK_SECRET` are set.
//! - **The test provider** only where `EDGESHOP_DEV` is "1" (what `cargo xtask dev` and the test
//!   configurations set through `.dev.vars`; `wrangler deploy` never uploads that file): a hosted
//!   page at `/pay/test/<session>` that delivers signed webhooks to `POST /api/payments/webhook`.
//!   Without the variable those routes answer 404.
//! - Neither: online checkout is refused with problem+json and the checkout page does not offer it.
//!
//! Signatures follow Stripe's scheme for both: header `t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
//! "t.body")>` (several `v1` allowed), 5-minute tolerance, constant-time comparison.

use crate::error::{ApiError, Context, Problem};
use crate::services::db::{self, args, stmt};
use crate::services::stripe::{self, Stripe};
use crate::services::{now_rfc3339, random_id};
use edgeshop_domain::{Order, PaymentMethod};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use worker::Env;

pub const SIGNATURE_HEADER: &str = "edgeshop-signature";
pub const TOLERANCE_SECONDS: u64 = 300;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PaymentSession {
    pub id: String,
    pub order_number: u64,
    pub amount_minor: i64,
    pub currency: String,
    pub redirect_url: String,
    pub return_url: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentEventKind {
    #[serde(rename = "payment.succeeded")]
    Succeeded,
    #[serde(rename = "payment.failed")]
    Failed,
}

/// The test provider's webhook body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PaymentEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: PaymentEventKind,
    pub order_number: u64,
    pub session: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// Where payment settings come from. `dev` is the development/test switch (`EDGESHOP_DEV=1`).
pub struct Settings {
    pub dev: bool,
}

/// Shortest secret the worker accepts (a typo or a placeholder is refused, not used).
pub const MIN_SECRET_LEN: usize = 16;

impl Settings {
    pub fn from_env(env: &Env) -> Settings {
        Settings { dev: crate::services::dev_mode(env) }
    }

    /// A secret (or, locally, a `.dev.vars` variable) that is set and not empty.
    pub fn secret(&self, env: &Env, name: &str) -> Option<String> {
        env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok().filter(|s| !s.trim().is_empty())
    }
}

/// The provider online checkout uses here.
pub enum Online<'a> {
    Stripe(Stripe),
    Test(TestProvider<'a>),
}

/// The online provider, or why online payment is not available: 503 naming a setting that is
/// set but unusable, 422 when no provider is configured at all.
pub fn online(env: &Env) -> Result<Online<'_>, ApiError> {
    let settings = Settings::from_env(env);
    if let Some(stripe) = Stripe::from_env(env, &settings)? {
        return Ok(Online::Stripe(stripe));
    }
    if settings.dev {
        return Ok(Online::Test(TestProvider { env, secret: webhook_secret(env)? }));
    }
    Err(ApiError::new(Problem::PaymentMethodUnavailable, "this shop takes cash on delivery only (no payment provider is configured)"))
}

/// What `/api/health` reports: the live payment methods and the online provider, or the setting
/// that keeps online payment off.
pub fn live(env: &Env) -> (Vec<PaymentMethod>, Option<&'static str>, Option<String>) {
    use PaymentMethod::{CashOnDelivery, Online as Card};
    match online(env) {
        Ok(Online::Stripe(_)) => (vec![CashOnDelivery, Card], Some("stripe"), None),
        Ok(Online::Test(_)) => (vec![CashOnDelivery, Card], Some("test"), None),
        Err(e) if e.status == 503 => (vec![CashOnDelivery], None, Some(e.detail)),
        Err(_) => (vec![CashOnDelivery], None, None),
    }
}

/// Remembers a provider's session for the order (shown to the merchant; one per order).
pub async fn record_session(env: &Env, provider: &str, session: &PaymentSession) -> Result<(), ApiError> {
    let db = db::db(env)?;
    stmt(
        &db,
        "INSERT OR IGNORE INTO payment_sessions (id, order_number, provider, amount_minor, currency, redirect_url, return_url, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        args![
            &session.id,
            session.order_number,
            provider,
            session.amount_minor,
            &session.currency,
            &session.redirect_url,
            &session.return_url,
            &now_rfc3339()
        ],
    )?
    .run()
    .await
    .context("payment session")?;
    Ok(())
}

/// The ids of the order's sessions with `provider`, oldest first.
pub async fn sessions_of(env: &Env, number: u64, provider: &str) -> Result<Vec<String>, ApiError> {
    let db = db::db(env)?;
    #[derive(Deserialize)]
    struct Row {
        id: String,
    }
    let rows: Vec<Row> = db::all(stmt(
        &db,
        "SELECT id FROM payment_sessions WHERE order_number = ?1 AND provider = ?2 ORDER BY created_at, rowid",
        args![number, provider],
    )?)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// How many sessions the order has had (a new attempt is numbered after them).
pub async fn session_count(env: &Env, number: u64) -> Result<u32, ApiError> {
    let db = db::db(env)?;
    #[derive(Deserialize)]
    struct Row {
        n: u32,
    }
    Ok(db::first::<Row>(stmt(&db, "SELECT COUNT(*) AS n FROM payment_sessions WHERE order_number = ?1", args![number])?).await?.map_or(0, |r| r.n))
}

/// The test provider, where it exists: `None` in a deployed shop (its routes answer 404).
pub fn test_provider(env: &Env) -> Result<Option<TestProvider<'_>>, ApiError> {
    if !Settings::from_env(env).dev {
        return Ok(None);
    }
    Ok(Some(TestProvider { env, secret: webhook_secret(env)? }))
}

#[allow(async_fn_in_trait)]
pub trait PaymentProvider {
    /// Starts a hosted payment for the order; the shopper is redirected to `redirect_url`.
    async fn create_session(&self, order: &Order, return_url: &str) -> Result<PaymentSession, ApiError>;
    fn parse_webhook(&self, signature: Option<&str>, body: &str, now_seconds: u64) -> Result<PaymentEvent, ApiError>;
}

/// The test provider's signing secret: a missing or short one disables it with 503, never 500.
pub fn webhook_secret(env: &Env) -> Result<String, ApiError> {
    match Settings::from_env(env).secret(env, "PAYMENT_WEBHOOK_SECRET") {
        None => Err(stripe::unavailable("PAYMENT_WEBHOOK_SECRET", "is not set (.dev.vars locally)")),
        Some(s) if s.len() < MIN_SECRET_LEN => Err(stripe::unavailable("PAYMENT_WEBHOOK_SECRET", "is too short")),
        Some(s) => Ok(s),
    }
}

fn mac(secret: &str, timestamp: u64, body: &str) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body.as_bytes());
    m
}

pub fn sign(secret: &str, timestamp: u64, body: &str) -> String {
    let tag = mac(secret, timestamp, body).finalize().into_bytes();
    let hex = edgeshop_domain::text::hex(&tag);
    format!("t={timestamp},v1={hex}")
}

fn bad_signature(detail: &str) -> ApiError {
    ApiError::new(Problem::BadSignature, detail)
}

/// Checks a `t=…,v1=…` header against the body (constant time) and the clock (tolerance).
pub fn verify_signature(secret: &str, header: Option<&str>, body: &str, now_seconds: u64) -> Result<(), ApiError> {
    let header = header.ok_or_else(|| bad_signature("the signature header is missing"))?;
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<u64>().ok(),
            Some(("v1", v)) => candidates.push(v),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| bad_signature("no timestamp in the signature header"))?;
    if now_seconds.abs_diff(timestamp) > TOLERANCE_SECONDS {
        return Err(bad_signature("the timestamp is outside the 5-minute tolerance"));
    }
    let valid = candidates.iter().any(|hex| {
        let bytes: Option<Vec<u8>> = (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
        bytes.is_some_and(|b| mac(secret, timestamp, body).verify_slice(&b).is_ok())
    });
    if valid {
        Ok(())
    } else {
        Err(bad_signature("no v1 signature matches the body"))
    }
}

/// The local provider with a hosted page served by this worker.
pub struct TestProvider<'a> {
    pub env: &'a Env,
    pub secret: String,
}

impl TestProvider<'_> {
    pub async fn session(&self, id: &str) -> Result<Option<PaymentSession>, ApiError> {
        if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Ok(None);
        }
        let db = db::db(self.env)?;
        db::first(stmt(
            &db,
            "SELECT id, order_number, amount_minor, currency, redirect_url, return_url FROM payment_sessions WHERE id = ?1 AND provider = 'test'",
            args![id],
        )?)
        .await
    }

    /// A refund as the provider would make it: one id per refund key, so a retry is the same refund.
    pub fn refund(&self, amount_minor: i64, key: &str) -> stripe::RefundOut {
        let tag = mac(&self.secret, 0, key).finalize().into_bytes();
        let id = format!("re_test_{}", edgeshop_domain::text::hex(&tag[..12]));
        stripe::RefundOut { id, status: "succeeded".into(), amount: amount_minor }
    }

    pub fn webhook_for(&self, session: &PaymentSession, kind: PaymentEventKind, now_seconds: u64) -> (String, String) {
        let event = PaymentEvent {
            id: format!("evt_{}", random_id(12)),
            kind,
            order_number: session.order_number,
            session: session.id.clone(),
            amount_minor: Some(session.amount_minor),
            currency: Some(session.currency.clone()),
        };
        let body = serde_json::to_string(&event).unwrap_or_default();
        let signature = sign(&self.secret, now_seconds, &body);
        (body, signature)
    }
}

impl PaymentProvider for TestProvider<'_> {
    /// One session per order: its id is derived from the order number and the secret, so a
    /// retried checkout gets the same session (and the same answer) back.
    async fn create_session(&self, order: &Order, return_url: &str) -> Result<PaymentSession, ApiError> {
        let tag = mac(&self.secret, order.number, "session").finalize().into_bytes();
        let id = format!("cs_test_{}", edgeshop_domain::text::hex(&tag[..12]));
        let session = PaymentSession {
            redirect_url: format!("/pay/test/{id}"),
            id: id.clone(),
            order_number: order.number,
            amount_minor: order.totals.total.minor,
            currency: order.totals.total.currency.code().to_string(),
            return_url: return_url.to_string(),
        };
        record_session(self.env, "test", &session).await?;
        Ok(session)
    }

    fn parse_webhook(&self, signature: Option<&str>, body: &str, now_seconds: u64) -> Result<PaymentEvent, ApiError> {
        verify_signature(&self.secret, signature, body, now_seconds)?;
        serde_json::from_str(body).map_err(|e| ApiError::new(Problem::BadWebhook, e.to_string()))
    }
}
