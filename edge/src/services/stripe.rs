//! Stripe Checkout: sessions and refunds through Stripe's REST API (form-encoded, the secret key
//! as bearer token, `Idempotency-Key` per order so a retried checkout never opens two sessions),
//! and webhooks verified from `Stripe-Signature` exactly as Stripe specifies.
//!
//! Settings: `STRIPE_SECRET_KEY` and `STRIPE_WEBHOOK_SECRET` (Wrangler secrets; `.dev.vars`
//! locally). `STRIPE_API_BASE` points the adapter at a local server speaking Stripe's wire format;
//! it is read only where `EDGESHOP_DEV` is on (development and tests), never in a deployed shop.

use crate::error::{ApiError, Problem};
use crate::services::payments::{verify_signature, PaymentSession, Settings};
use edgeshop_domain::Order;
use serde::Deserialize;
use worker::{Env, Fetch, Headers, Method, Request, RequestInit};

pub const SIGNATURE_HEADER: &str = "stripe-signature";
const API_BASE: &str = "https://api.stripe.com";

pub struct Stripe {
    secret_key: String,
    pub webhook_secret: String,
    base: String,
}

/// Form encoding (`application/x-www-form-urlencoded`) of Stripe's bracketed parameters.
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn new() -> Self {
        Form(Vec::new())
    }

    pub fn add(&mut self, key: impl Into<String>, value: impl ToString) -> &mut Self {
        self.0.push((key.into(), value.to_string()));
        self
    }

    pub fn encode(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
    }
}

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[derive(Deserialize)]
struct StripeError {
    error: StripeErrorBody,
}

#[derive(Deserialize)]
struct StripeErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default, rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct SessionOut {
    id: String,
    url: Option<String>,
}

#[derive(Deserialize)]
pub struct RefundOut {
    pub id: String,
    pub status: String,
    pub amount: i64,
}

impl Stripe {
    /// The adapter when both settings are present; `Err` names what is missing or malformed.
    pub fn from_env(env: &Env, settings: &Settings) -> Result<Option<Stripe>, ApiError> {
        let key = settings.secret(env, "STRIPE_SECRET_KEY");
        let hook = settings.secret(env, "STRIPE_WEBHOOK_SECRET");
        let (secret_key, webhook_secret) = match (key, hook) {
            (None, None) => return Ok(None),
            (Some(k), Some(h)) => (k, h),
            (k, _) => {
                let missing = if k.is_none() { "STRIPE_SECRET_KEY" } else { "STRIPE_WEBHOOK_SECRET" };
                return Err(unavailable(missing, "is not set"));
            }
        };
        if !(secret_key.starts_with("sk_") || secret_key.starts_with("rk_")) || secret_key.len() < 20 {
            return Err(unavailable("STRIPE_SECRET_KEY", "must be a Stripe secret key (sk_… or rk_…)"));
        }
        if !webhook_secret.starts_with("whsec_") || webhook_secret.len() < 20 {
            return Err(unavailable("STRIPE_WEBHOOK_SECRET", "must be the endpoint's signing secret (whsec_…)"));
        }
        let base = if settings.dev { env.var("STRIPE_API_BASE").map(|v| v.to_string()).unwrap_or_else(|_| API_BASE.into()) } else { API_BASE.into() };
        Ok(Some(Stripe { secret_key, webhook_secret, base }))
    }

    async fn post(&self, path: &str, form: &Form, idempotency_key: &str) -> Result<String, ApiError> {
        let headers = Headers::new();
        headers.set("authorization", &format!("Bearer {}", self.secret_key))?;
        headers.set("content-type", "application/x-www-form-urlencoded")?;
        headers.set("idempotency-key", idempotency_key)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_headers(headers).with_body(Some(form.encode().into()));
        let req = Request::new_with_init(&format!("{}{path}", self.base.trim_end_matches('/')), &init)?;
        let resp = Fetch::Request(req).send().await.map_err(|e| provider_error(format!("Stripe {path}: {e}")))?;
        let status = resp.status_code();
        let text = crate::http::response_text(resp).await.map_err(|e| provider_error(format!("Stripe {path}: {e}")))?;
        if !(200..300).contains(&status) {
            let detail = serde_json::from_str::<StripeError>(&text)
                .map(|e| format!("{} ({})", e.error.message, e.error.kind))
                .unwrap_or_else(|_| format!("HTTP {status}"));
            // A request Stripe refuses as it is (400, 402: an amount under its minimum, an
            // address it does not take) fails the same way every time; anything else may pass later.
            if matches!(status, 400 | 402) {
                return Err(ApiError::new(Problem::PaymentRefused, format!("the payment provider refused it: {detail}")));
            }
            return Err(provider_error(format!("Stripe {path}: {detail}")));
        }
        Ok(text)
    }

    /// A Checkout Session for the order: one line item per order line (less its share of a
    /// discount), plus shipping and any tax added on top, so Stripe charges exactly the order's
    /// total.
    /// `attempt` 0 is the checkout's session; a shopper trying again after a failed payment gets
    /// attempt 1, 2, … (each its own idempotency key, so each is a new session).
    pub async fn create_session(
        &self,
        order: &Order,
        origin: &str,
        order_url: &str,
        expires_at: u64,
        attempt: u32,
    ) -> Result<PaymentSession, ApiError> {
        let currency = order.totals.total.currency.code().to_ascii_lowercase();
        let mut form = Form::new();
        form.add("mode", "payment")
            .add("success_url", format!("{origin}{order_url}&session_id={{CHECKOUT_SESSION_ID}}"))
            .add("cancel_url", format!("{origin}{order_url}&cancelled=1"))
            .add("client_reference_id", order.number)
            .add("customer_email", order.contact.email.trim())
            .add("metadata[order_number]", order.number)
            .add("payment_intent_data[metadata][order_number]", order.number)
            .add("expires_at", expires_at);
        // A discount comes off the lines in proportion to them (Stripe takes no negative line):
        // a line whose share does not divide by its quantity is one item of its whole amount.
        let totals: Vec<i64> = order.lines.iter().map(|l| l.line_total.minor).collect();
        let shares = edgeshop_domain::share_discount(order.totals.discount.map_or(0, |d| d.minor), &totals);
        let mut items: Vec<(String, i64, u32)> = Vec::new();
        for (l, off) in order.lines.iter().zip(shares) {
            let name = edgeshop_domain::line_name(&l.title, &l.variant_title);
            let (paid, quantity) = (l.line_total.minor - off, i64::from(l.quantity.max(1)));
            match off {
                0 => items.push((name, l.unit_price.minor, l.quantity)),
                _ if paid == 0 => {}
                _ if paid % quantity == 0 => items.push((name, paid / quantity, l.quantity)),
                _ => items.push((format!("{name} × {}", l.quantity), paid, 1)),
            }
        }
        if order.totals.shipping.minor > 0 {
            items.push(("Shipping".into(), order.totals.shipping.minor, 1));
        }
        // The order's own tax (not the shop's setting today: a later attempt charges what the
        // order says).
        if order.totals.tax_added() {
            items.push((order.totals.tax_label(), order.totals.tax.minor, 1));
        }
        for (i, (name, unit, quantity)) in items.iter().enumerate() {
            form.add(format!("line_items[{i}][price_data][currency]"), &currency)
                .add(format!("line_items[{i}][price_data][unit_amount]"), unit)
                .add(format!("line_items[{i}][price_data][product_data][name]"), name)
                .add(format!("line_items[{i}][quantity]"), quantity);
        }
        let key = match attempt {
            0 => format!("edgeshop-session-{}", order.number),
            n => format!("edgeshop-session-{}-{n}", order.number),
        };
        let text = self.post("/v1/checkout/sessions", &form, &key).await?;
        let out: SessionOut = serde_json::from_str(&text).map_err(|e| provider_error(format!("Stripe session: {e}")))?;
        let url = out.url.ok_or_else(|| provider_error("Stripe session without a url"))?;
        Ok(PaymentSession {
            id: out.id,
            order_number: order.number,
            amount_minor: order.totals.total.minor,
            currency: order.totals.total.currency.code().to_string(),
            redirect_url: url,
            return_url: order_url.to_string(),
        })
    }

    /// Expires an open Checkout Session: its page no longer takes a payment (an order cancelled
    /// before it was paid). Stripe refuses a session that is complete or expired already.
    pub async fn expire_session(&self, id: &str) -> Result<(), ApiError> {
        self.post(&format!("/v1/checkout/sessions/{id}/expire"), &Form::new(), &format!("expire-{id}")).await.map(|_| ())
    }

    /// Refunds `amount_minor` of the payment; `key` makes a retried refund the same refund.
    pub async fn refund(&self, payment_intent: &str, amount_minor: i64, key: &str) -> Result<RefundOut, ApiError> {
        let mut form = Form::new();
        form.add("payment_intent", payment_intent).add("amount", amount_minor);
        let text = self.post("/v1/refunds", &form, key).await?;
        serde_json::from_str(&text).map_err(|e| provider_error(format!("Stripe refund: {e}")))
    }

    pub fn verify(&self, header: Option<&str>, body: &str, now_seconds: u64) -> Result<(), ApiError> {
        verify_signature(&self.webhook_secret, header, body, now_seconds)
    }
}

pub fn unavailable(setting: &str, why: &str) -> ApiError {
    ApiError::new(Problem::OnlinePaymentUnavailable, format!("the setting {setting} {why}")).with("setting", setting)
}

fn provider_error(detail: impl Into<String>) -> ApiError {
    ApiError::new(Problem::PaymentProviderError, detail)
}

/// The parts of a Stripe event the shop uses.
#[derive(Debug, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, Deserialize)]
pub struct EventData {
    pub object: EventObject,
}

/// A Checkout Session, a Charge or a Refund: the fields the shop reads from any of them.
#[derive(Debug, Default, Deserialize)]
pub struct EventObject {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub payment_status: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub amount_total: Option<i64>,
    #[serde(default)]
    pub amount: Option<i64>,
    #[serde(default)]
    pub amount_refunded: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub payment_intent: Option<String>,
    #[serde(default)]
    pub client_reference_id: Option<String>,
    #[serde(default)]
    pub metadata: std::collections::HashMap<String, String>,
}

impl EventObject {
    pub fn order_number(&self) -> Option<u64> {
        self.metadata.get("order_number").or(self.client_reference_id.as_ref()).and_then(|n| n.parse().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_is_stripes() {
        let mut f = Form::new();
        f.add("line_items[0][price_data][product_data][name]", "Tent – 2 person & more").add("success_url", "https://a.b/o?n=1&t=x");
        assert_eq!(
            f.encode(),
            "line_items%5B0%5D%5Bprice_data%5D%5Bproduct_data%5D%5Bname%5D=Tent+%E2%80%93+2+person+%26+more&success_url=https%3A%2F%2Fa.b%2Fo%3Fn%3D1%26t%3Dx"
        );
    }

    #[test]
    fn events_name_their_order() {
        let e: Event = serde_json::from_str(
            r#"{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_1","payment_status":"paid","amount_total":1234,"currency":"eur","metadata":{"order_number":"1005"},"payment_intent":"pi_1"}}}"#,
        )
        .unwrap();
        assert_eq!(e.data.object.order_number(), Some(1005));
        assert_eq!(e.data.object.payment_intent.as_deref(), Some("pi_1"));
    }
}
