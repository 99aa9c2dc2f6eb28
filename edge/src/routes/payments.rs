//! Payment webhooks, and the local test provider's hosted payment page.

use crate::error::{ApiError, Context, Problem};
use crate::http::money_view;
use crate::http::{body_text, header, json, now_seconds, Reply};
use crate::services::events::{self, EventKind, OrderEvent};
use crate::services::now_rfc3339;
use crate::services::orders;
use crate::services::payments::{test_provider, PaymentEventKind, PaymentProvider, Settings, SIGNATURE_HEADER};
use crate::services::stripe::{self, Stripe};
use edgeshop_api::WebhookReceived;
use edgeshop_domain::{Currency, Money};
use worker::{Env, Headers, Request, Response};

/// `POST /api/payments/webhook`: verified, then queued; duplicates and reordering are handled by
/// the order's event log in the consumer.
pub async fn webhook(req: &mut Request, env: &Env) -> Reply {
    let body = body_text(req).await?;
    let signature = header(req, SIGNATURE_HEADER);
    accept_webhook(env, signature.as_deref(), &body).await
}

fn no_test_provider(path: &str) -> ApiError {
    ApiError::new(Problem::NoRoute, format!("no API route at {path}"))
}

pub async fn accept_webhook(env: &Env, signature: Option<&str>, body: &str) -> Reply {
    let provider = test_provider(env)?.ok_or_else(|| no_test_provider("/api/payments/webhook"))?;
    let event = provider.parse_webhook(signature, body, now_seconds())?;
    let kind = match event.kind {
        PaymentEventKind::Succeeded => EventKind::PaymentSucceeded,
        PaymentEventKind::Failed => EventKind::PaymentFailed,
    };
    let mut e = OrderEvent::new(event.id.clone(), kind, event.order_number, now_rfc3339());
    e.amount_minor = event.amount_minor;
    e.currency = event.currency.clone();
    e.provider = Some("test".into());
    // One payment per event: a session can be paid twice (a double submit), each is its own payment.
    e.payment_ref = Some(event.id.clone());
    events::publish(env, &e).await?;
    json(&WebhookReceived { received: event.id, ignored: false }, 200, "no-store")
}

/// `GET /pay/test/{session}`: the provider's hosted page (what Stripe Checkout would show).
pub async fn hosted_page(env: &Env, session_id: &str) -> Reply {
    let provider = test_provider(env)?.ok_or_else(|| no_test_provider(&format!("/pay/test/{session_id}")))?;
    let session = provider.session(session_id).await?.ok_or_else(|| ApiError::not_found(&format!("/pay/test/{session_id}")))?;
    // As Stripe's page of an expired session: an order cancelled (or paid) takes no payment here.
    if !awaits_payment(env, session.order_number).await? {
        return crate::http::plain_page(410, "Payment closed", "<p>This order no longer waits for a payment.</p>");
    }
    let currency = Currency::parse(&session.currency).context("payment session currency")?;
    let amount = money_view(Money::new(session.amount_minor, currency)).formatted;
    let id = edgeshop_domain::escape_html(&session.id);
    let html = format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Test payment provider</title><style>body{{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:1rem}}button{{font:inherit;padding:.7rem 1.2rem;margin:.3rem .3rem 0 0;border-radius:8px;border:1px solid #888;cursor:pointer}}.pay{{background:#1f4e46;color:#fff;border-color:#1f4e46}}</style></head>
<body><main><p>Test payment provider — no real money moves.</p><h1>Pay {amount}</h1><p>Order {order}</p>
<form method="post" action="/api/payments/test-provider/sessions/{id}"><button class="pay" name="action" value="pay">Pay {amount}</button><button name="action" value="decline">Decline card</button><button name="action" value="cancel">Cancel and return</button></form></main></body></html>"#,
        order = session.order_number,
    );
    let headers = Headers::new();
    crate::http::html_headers(&headers, &html)?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::ok(html)?.with_headers(headers))
}

/// The shopper's choice on the hosted page: the provider delivers the signed webhook (through the
/// same verification as an external delivery), then sends the shopper back to the shop.
pub async fn provider_action(req: &mut Request, env: &Env, session_id: &str) -> Reply {
    let provider = test_provider(env)?.ok_or_else(|| no_test_provider(&format!("/api/payments/test-provider/sessions/{session_id}")))?;
    let form = body_text(req).await?;
    let action = form.split('&').find_map(|kv| kv.strip_prefix("action=")).unwrap_or("").to_string();
    let session = provider.session(session_id).await?.ok_or_else(|| ApiError::not_found(&format!("/pay/test/{session_id}")))?;
    if action == "pay" && !awaits_payment(env, session.order_number).await? {
        return Err(ApiError::new(Problem::NothingToPay, format!("order {} no longer waits for a payment", session.order_number)));
    }
    let kind = match action.as_str() {
        "pay" => Some(PaymentEventKind::Succeeded),
        "decline" => Some(PaymentEventKind::Failed),
        "cancel" => None,
        other => return Err(ApiError::new(Problem::BadAction, format!("`{other}` is not pay, decline or cancel"))),
    };
    if let Some(kind) = kind {
        let (body, signature) = provider.webhook_for(&session, kind, now_seconds());
        accept_webhook(env, Some(&signature), &body).await?;
    }
    // Paid: back as from Stripe's success page, which names the session (the order page then
    // says the payment is being confirmed rather than offering to pay again).
    let back = match action.as_str() {
        "pay" => format!("{}&session_id={}", session.return_url, session.id),
        // A declined card, as the order page tells it; a cancel as Stripe's `cancel_url` does.
        "decline" => format!("{}&payment=declined", session.return_url),
        _ => format!("{}&cancelled=1", session.return_url),
    };
    let headers = Headers::new();
    headers.set("location", &back)?;
    Ok(Response::empty()?.with_status(303).with_headers(headers))
}

async fn awaits_payment(env: &Env, number: u64) -> Result<bool, ApiError> {
    Ok(crate::services::orders::load(env, number).await?.is_some_and(|o| o.awaits_payment()))
}

/// `POST /api/payments/stripe/webhook`: Stripe's events, verified from `Stripe-Signature`, mapped
/// to order events and queued (the consumer checks amounts and applies each event id once).
pub async fn stripe_webhook(req: &mut Request, env: &Env) -> Reply {
    let stripe = Stripe::from_env(env, &Settings::from_env(env))?.ok_or_else(|| stripe::unavailable("STRIPE_WEBHOOK_SECRET", "is not set"))?;
    let body = crate::http::body_text_max(req, 256 * 1024).await?;
    stripe.verify(header(req, stripe::SIGNATURE_HEADER).as_deref(), &body, now_seconds())?;
    let event: stripe::Event = serde_json::from_str(&body).map_err(|e| ApiError::new(Problem::BadWebhook, e.to_string()))?;
    let object = &event.data.object;
    let kind = match (event.kind.as_str(), object.payment_status.as_deref()) {
        // Paid only when Stripe says the money is there; delayed methods complete "unpaid" first.
        ("checkout.session.completed", Some("paid")) | ("checkout.session.async_payment_succeeded", _) => EventKind::PaymentSucceeded,
        ("checkout.session.async_payment_failed", _) => EventKind::PaymentFailed,
        ("checkout.session.expired", _) => EventKind::PaymentExpired,
        ("charge.refunded" | "refund.updated" | "refund.created" | "refund.failed", _) => EventKind::RefundUpdated,
        _ => return json(&WebhookReceived { received: event.id, ignored: true }, 200, "no-store"),
    };
    let order_number = match object.order_number() {
        Some(n) => Some(n),
        None => match object.payment_intent.as_deref() {
            Some(pi) => orders::number_for_payment(env, pi).await?,
            None => None,
        },
    };
    let Some(order_number) = order_number else {
        // Not one of this shop's payments (another integration on the same account).
        return json(&WebhookReceived { received: event.id, ignored: true }, 200, "no-store");
    };
    let mut e = OrderEvent::new(event.id.clone(), kind, order_number, now_rfc3339());
    e.provider = Some("stripe".into());
    e.currency = object.currency.as_ref().map(|c| c.to_ascii_uppercase());
    match kind {
        EventKind::RefundUpdated => {
            if event.kind == "charge.refunded" {
                // The charge's refunds as a whole (refunds made in Stripe's dashboard included).
                e.payment_ref = Some(object.id.clone());
                e.amount_minor = object.amount_refunded;
                e.detail = Some("charge".into());
            } else {
                e.payment_ref = Some(object.id.clone());
                e.amount_minor = object.amount;
                e.detail = object.status.clone();
            }
        }
        _ => {
            // Stripe's sessions always carry their amount; a payment without one is never taken
            // as the order's total.
            if kind == EventKind::PaymentSucceeded && (object.amount_total.is_none() || e.currency.is_none()) {
                return Err(ApiError::new(Problem::BadWebhook, "a paid session without amount_total and currency"));
            }
            e.payment_ref = object.payment_intent.clone().or_else(|| Some(object.id.clone()));
            e.amount_minor = object.amount_total;
            if kind == EventKind::PaymentExpired {
                // Which session: an older one expiring while a newer one is open changes nothing.
                e.detail = Some(object.id.clone());
            }
        }
    }
    events::publish(env, &e).await?;
    json(&WebhookReceived { received: event.id, ignored: false }, 200, "no-store")
}
