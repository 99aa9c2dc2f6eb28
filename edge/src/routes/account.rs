//! Shoppers' accounts: sign-in by a one-time link emailed to the address they order with, and
//! the list of that address's orders. The pages (`/account/…`, plain forms, no JavaScript
//! needed) and the JSON API (`/api/account…`) share every rule here; the storage is
//! `services::accounts`.

use crate::error::{ApiError, Context, Problem};
use crate::http::{
    account_cookie, account_session_token, client_ip, form_body, frame_page, json, json_text, known_browser_cookie, known_browser_token, parse_body,
    same_origin_strict, see_other, signed_in_shopper, with_cookies, with_retry_after, Reply,
};
use crate::pages;
use crate::query::Query;
use crate::services::mailer::{self, Email, Mailer};
use crate::services::rate_limit::{self, Limit};
use crate::services::{accounts, sha256_hex};
use edgeshop_api::account::{SessionRequest, SignInRequest};
use edgeshop_api::frames;
use edgeshop_api::Acknowledged;
use worker::{Env, Request, Response};

/// A form body is a field; anything longer is refused.
const MAX_FORM_BYTES: usize = 4 * 1024;

/// Emails `email` a one-time sign-in link to the shop's own address (never to the host the
/// request named: a forged Host header must not receive someone's link).
async fn send_link(env: &Env, email: &str) -> Result<(), ApiError> {
    let token = accounts::new_link(env, email).await?;
    let shop = crate::build_data::manifest(env).await?.shop.clone();
    let link = format!("{}/account/sign-in/?token={token}", shop.base_url);
    let minutes = accounts::LINK_SECONDS / 60;
    let note = format!("The link works once, for {minutes} minutes. If you did not ask for it, ignore this message: nothing changes.");
    let text = format!("Someone (hopefully you) asked to see the orders of this address at {}.\n\nSign in: {link}\n\n{note}\n", shop.name);
    let esc = edgeshop_domain::text::escape_html;
    let html = format!(
        "<p>Someone (hopefully you) asked to see the orders of this address at {}.</p><p><a href=\"{}\">Sign in to see your orders</a></p><p>{}</p>",
        esc(&shop.name),
        esc(&link),
        esc(&note)
    );
    let message = Email::from_shop(&shop, email, format!("Sign in to {}", shop.name), text, html);
    mailer::transport(env).context("email")?.send(&message).await.context("account sign-in email")?;
    Ok(())
}

/// Asks for a sign-in link. The answer does not depend on the address (no list of customers to
/// harvest): the link is made and sent after it, and only to an address that has ordered here.
async fn ask_for_link(req: &Request, env: &Env, ctx: &worker::Context, email: &str) -> Result<(), ApiError> {
    super::rate_limit(env, req, Limit::AccountLink).await?;
    let email = crate::services::email_key(email);
    if !edgeshop_domain::valid_email(&email) {
        return Err(ApiError::new(Problem::InvalidEmail, "give the email address you order with"));
    }
    // Per address and client: one client asking for an address again and again runs out of
    // links long before the address's own budget below.
    super::rate_limit_for(env, Limit::SignInAddress, &sha256_hex(format!("account {email} {}", client_ip(req)).as_bytes())).await?;
    // And whoever asks, an inbox gets at most ten links an hour.
    super::limit_links_to(env, req, "", &email).await?;
    if accounts::has_orders(env, &email).await? {
        let env = env.clone();
        ctx.wait_until(async move {
            if let Err(e) = send_link(&env, &email).await {
                worker::console_error!("account sign-in link not sent: {}", e.detail);
            }
        });
    }
    Ok(())
}

/// Uses a sign-in link: the address, and the cookies of its new session and of this browser
/// (remembered as one the shopper signs in from). Only the shop's own pages may (a page
/// elsewhere must not sign a visitor in as someone else); five links that do not work lock the
/// client out for a while.
async fn redeem(req: &Request, env: &Env, token: &str) -> Result<(String, [String; 2]), ApiError> {
    same_origin_strict(req)?;
    let client = format!("account {}", client_ip(req));
    let locked = rate_limit::peek(env, Limit::SignInFailure, &client).await?;
    if !locked.allowed {
        return Err(ApiError::too_many_requests(locked.retry_after).with("locked", true));
    }
    match accounts::redeem(env, token.trim(), &crate::http::client_key(req)).await? {
        Some((email, session)) => {
            let browser = accounts::remember_browser(env, &email).await?;
            Ok((email, [account_cookie(req, Some(&session)), known_browser_cookie(req, Some(&browser))]))
        }
        None => {
            rate_limit::take(env, Limit::SignInFailure, &client).await?;
            Err(ApiError::new(Problem::SignInFailed, "this sign-in link is unknown, used or expired; ask for a new one"))
        }
    }
}

/// Ends the request's session, if any, and forgets the browser (signing out on a shared
/// computer leaves it no standing): the `Set-Cookie`s that clear them.
async fn sign_out(req: &Request, env: &Env) -> Result<[String; 2], ApiError> {
    same_origin_strict(req)?;
    if let Some(token) = account_session_token(req) {
        accounts::end_session(env, &token).await?;
    }
    if let Some(token) = known_browser_token(req) {
        accounts::forget_browser(env, &token).await?;
    }
    Ok([account_cookie(req, None), known_browser_cookie(req, None)])
}

/// The account frame with `body`; a refusal's page carries its `Retry-After`.
async fn account_page(env: &Env, body: &str, status: u16, retry_after: Option<u64>) -> Reply {
    with_retry_after(frame_page(env, "/account/", &[(frames::account::BODY, body)], status).await?, retry_after)
}

fn refused_page_body(e: &ApiError, email: &str) -> String {
    pages::account_sign_in(Some(&e.shopper_reason()), email)
}

/// The sign-in form with why a request was refused before it was read (a cross-site post, a
/// malformed body).
pub async fn refused(env: &Env, e: &ApiError) -> Reply {
    account_page(env, &refused_page_body(e, ""), e.page_status(), None).await
}

/// `GET /account/`: the orders of the signed-in shopper, or the form that emails a link.
pub async fn page(req: &Request, env: &Env) -> Reply {
    let body = match signed_in_shopper(req, env).await? {
        Some(email) => pages::account(&accounts::account(env, &email).await?),
        None => pages::account_sign_in(None, ""),
    };
    account_page(env, &body, 200, None).await
}

/// `POST /account/sign-in` (`email`): the same page whoever asks, or the form with the reason.
pub async fn sign_in_form(req: &mut Request, env: &Env, ctx: &worker::Context) -> Reply {
    let form = match form_body(req, MAX_FORM_BYTES).await {
        Ok(form) => form,
        Err(e) => return account_page(env, &refused_page_body(&e, ""), e.page_status(), None).await,
    };
    let email = form.get("email").unwrap_or_default();
    match ask_for_link(req, env, ctx, email).await {
        Ok(()) => account_page(env, &pages::account_link_sent(accounts::LINK_SECONDS / 60), 200, None).await,
        Err(e) => account_page(env, &refused_page_body(&e, email), e.page_status(), e.retry_after).await,
    }
}

/// `GET /account/sign-in/?token=…` (the emailed link): a page with one button. Mail scanners
/// follow links, and a scanner must not use up the link: only the post signs in.
/// The page names the address the link signs into, and the one it signs out of (a link someone
/// else sent must not switch a shopper's account unnoticed).
pub async fn sign_in_page(req: &Request, env: &Env) -> Reply {
    let url = req.url()?;
    let token: String = match Query::parse(url.query()) {
        Ok(query) => query.get("token").unwrap_or_default().chars().filter(char::is_ascii_hexdigit).take(64).collect(),
        Err(_) => String::new(),
    };
    let Some(email) = accounts::link_owner(env, &token).await? else {
        let e = ApiError::new(Problem::SignInFailed, "this sign-in link is unknown, used or expired; ask for a new one");
        return account_page(env, &refused_page_body(&e, ""), 404, None).await;
    };
    let current = signed_in_shopper(req, env).await?.filter(|c| *c != email);
    account_page(env, &pages::account_confirm(&token, &email, current.as_deref()), 200, None).await
}

/// `POST /account/session` (`token`): signs in and goes to the account, or the form with why not.
pub async fn session_form(req: &mut Request, env: &Env) -> Reply {
    // Not from the shop's own page: refused (the sign-in page says why).
    same_origin_strict(req)?;
    let signed_in = match form_body(req, MAX_FORM_BYTES).await {
        Ok(form) => redeem(req, env, form.get("token").unwrap_or_default()).await,
        Err(e) => Err(e),
    };
    match signed_in {
        Ok((_, cookies)) => {
            // The session this browser had (another address's) ends here, not only its cookie.
            if let Some(old) = account_session_token(req) {
                accounts::end_session(env, &old).await?;
            }
            with_cookies(see_other("/account/")?, &cookies)
        }
        Err(e) => account_page(env, &refused_page_body(&e, ""), e.page_status(), e.retry_after).await,
    }
}

/// `POST /account/sign-out`: ends the session and goes back to the account page.
pub async fn sign_out_form(req: &Request, env: &Env) -> Reply {
    with_cookies(see_other("/account/")?, &sign_out(req, env).await?)
}

/// `GET /api/account`: the signed-in shopper's address and orders.
pub async fn get(req: &Request, env: &Env) -> Reply {
    let email = signed_in_shopper(req, env).await?.ok_or_else(|| ApiError::new(Problem::Unauthorized, "sign in to see your orders"))?;
    json(&accounts::account(env, &email).await?, 200, "no-store")
}

/// `POST /api/account/sign-in {email}`: 202 whoever asks.
pub async fn request_link(req: &mut Request, env: &Env, ctx: &worker::Context) -> Reply {
    let r: SignInRequest = parse_body(&json_text(req).await?)?;
    ask_for_link(req, env, ctx, &r.email).await?;
    let detail = "if this address has ordered here, a sign-in link is on its way".into();
    json(&Acknowledged { status: "sent".into(), detail }, 202, "no-store")
}

/// `POST /api/account/session {token}`: signs in (cookie) and answers with the account.
pub async fn start_session(req: &mut Request, env: &Env) -> Reply {
    let r: SessionRequest = parse_body(&json_text(req).await?)?;
    let (email, cookies) = redeem(req, env, &r.token).await?;
    if let Some(old) = account_session_token(req) {
        accounts::end_session(env, &old).await?;
    }
    with_cookies(json(&accounts::account(env, &email).await?, 200, "no-store")?, &cookies)
}

/// `DELETE /api/account/session`: signs out.
pub async fn end_session(req: &Request, env: &Env) -> Reply {
    let mut resp = with_cookies(Response::empty()?.with_status(204), &sign_out(req, env).await?)?;
    resp.headers_mut().set("cache-control", "no-store")?;
    Ok(resp)
}
