//! Newsletter sign-up (double opt-in), its confirmation and one-click unsubscribe links, and
//! back-in-stock alerts. No account needed; sign-ups are rate-limited per client.

use crate::error::{ApiError, Problem};
use crate::http::{form_body, json, json_text, parse_body, plain_page, with_retry_after, Reply};
use crate::query::Query;
use crate::services::stock::Stock;
use crate::services::subscriptions;
use edgeshop_api::{Acknowledged, AlertRegistered, NewsletterSignUp, StockAlertRequest};
use edgeshop_domain::escape_html;
use worker::{Env, Request};

/// A form body is a field or two; anything longer is refused.
const MAX_FORM_BYTES: usize = 4 * 1024;

/// `POST /api/newsletter {email}`: 202 whatever the address's state (no enumeration).
pub async fn sign_up(req: &mut Request, env: &Env) -> Reply {
    let s: NewsletterSignUp = parse_body(&json_text(req).await?)?;
    subscriptions::sign_up(env, &s.email, "newsletter form", s.new_products).await?;
    json(&Acknowledged { status: "confirmation_sent".into(), detail: "check your inbox for a confirmation link".into() }, 202, "no-store")
}

/// `POST /newsletter` (the footer's form, without JavaScript): the same sign-up, answered with a
/// page; the island posts to `/api/newsletter` instead.
pub async fn sign_up_form(req: &mut Request, env: &Env) -> Reply {
    let form = form_body(req, MAX_FORM_BYTES).await?;
    let email = form.get("email").unwrap_or_default();
    match subscriptions::sign_up(env, email, "newsletter form", form.get("new_products").is_some()).await {
        Ok(()) => plain_page(200, "Almost done", "<p>Check your inbox and confirm with the link we sent.</p>"),
        Err(e) => {
            // The form again, with what was typed, to correct it.
            let form = format!(
                r#"<p class="notice error" role="alert">{}</p><form class="signup" method="post" action="/newsletter"><label for="newsletter-email">Email</label> <input id="newsletter-email" name="email" type="email" autocomplete="email" required value="{}"> <button class="primary">Sign up</button></form>"#,
                escape_html(&e.shopper_reason()),
                escape_html(email)
            );
            with_retry_after(plain_page(e.page_status(), "Not signed up", &form)?, e.retry_after)
        }
    }
}

/// `POST /api/stock-alerts {sku, email}`: tell me when this sold-out variant is back.
pub async fn stock_alert(req: &mut Request, env: &Env) -> Reply {
    let a: StockAlertRequest = parse_body(&json_text(req).await?)?;
    let snapshot = crate::build_data::skus(env, [a.sku.as_str()]).await?;
    let Some(entry) = snapshot.get(&a.sku).filter(|e| e.published) else {
        return Err(ApiError::new(Problem::UnknownSkuInRequest, format!("no product has the SKU `{}`", a.sku)));
    };
    let available = Stock(env).level(&a.sku).await?.available;
    if available > 0 || entry.variant.stock_policy == edgeshop_domain::StockPolicy::Continue {
        return Err(ApiError::new(Problem::InStock, format!("`{}` can be bought now", a.sku)));
    }
    subscriptions::alert_me(env, &a.sku, &a.email).await?;
    json(&AlertRegistered { status: "alert_registered".into(), sku: a.sku }, 202, "no-store")
}

fn token(req: &Request) -> Result<String, ApiError> {
    let url = req.url()?;
    let q = Query::parse(url.query())?;
    Ok(q.get("token").unwrap_or("").chars().filter(char::is_ascii_hexdigit).take(64).collect())
}

/// `GET /api/newsletter/confirm?token=`: a page with one button. Mail scanners follow links, and
/// a scanner confirming a sign-up someone else made for the address would defeat the double
/// opt-in: only the POST confirms.
pub async fn confirm_page(req: &Request, env: &Env) -> Reply {
    let t = token(req)?;
    if !subscriptions::known_token(env, &t).await? {
        return unknown_link();
    }
    plain_page(
        200,
        "Confirm your subscription",
        &format!("<form method=\"post\" action=\"/api/newsletter/confirm?token={t}\"><button class=\"primary\">Yes, send me the newsletter</button></form>"),
    )
}

/// `POST /api/newsletter/confirm?token=`: works once.
pub async fn confirm(req: &Request, env: &Env) -> Reply {
    let t = token(req)?;
    if subscriptions::confirm(env, &t).await? {
        plain_page(200, "You are subscribed", "<p>Thank you: your address is confirmed. Every message has a link to unsubscribe.</p>")
    } else if subscriptions::known_token(env, &t).await? {
        plain_page(410, "This link was already used", "<p>The address is confirmed already, or the link is no longer valid.</p>")
    } else {
        unknown_link()
    }
}

/// A newsletter link with a token the shop never sent.
fn unknown_link() -> Reply {
    plain_page(404, "Unknown link", "<p>This link is not one of ours. Use the link in the email we sent you.</p>")
}

/// `GET /api/newsletter/unsubscribe?token=`: a page with one button (mail scanners follow links;
/// only the POST unsubscribes).
pub async fn unsubscribe_page(req: &Request) -> Reply {
    let t = token(req)?;
    plain_page(200, "Unsubscribe", &format!("<form method=\"post\" action=\"/api/newsletter/unsubscribe?token={t}\"><button class=\"primary\" name=\"List-Unsubscribe\" value=\"One-Click\">Unsubscribe</button></form>"))
}

/// `POST /api/newsletter/unsubscribe?token=`: one click (RFC 8058), from the page or the mail client.
pub async fn unsubscribe(req: &Request, env: &Env) -> Reply {
    let token = token(req)?;
    // Twice (a mail client's click, then the page's) is unsubscribed still; a link we never sent
    // unsubscribes nobody, and says so.
    if subscriptions::unsubscribe(env, &token).await? || subscriptions::known_token(env, &token).await? {
        plain_page(200, "You are unsubscribed", "<p>You will get no more newsletters from us.</p>")
    } else {
        unknown_link()
    }
}
