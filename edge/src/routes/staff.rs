//! The back office's door and its people: sign-in by emailed link, the session, staff management
//! (owners only) and the audit log.

use crate::error::{ApiError, Context, Problem};
use crate::http::{
    admin_cookie, admin_session_token, client_ip, json, json_text, known_browser_cookie, known_browser_token, parse_body, require_owner,
    require_staff, with_cookies, Reply,
};
use crate::services::mailer::{Email, Mailer};
use crate::services::rate_limit::{self, Limit};
use crate::services::staff::{self, Member};
use crate::services::{accounts, mailer, sha256_hex};
use edgeshop_api::admin::{AuditLog, Invite, SessionRequest, SignInRequest, StaffList};
use serde_json::json as value;
use worker::{Env, Request, Response};

/// Emails `member` a one-time sign-in link to the shop's own address (never to the host the
/// request named: a forged Host header must not receive someone's link).
async fn send_link(env: &Env, member: &Member, invited_by: Option<&Member>) -> Result<(), ApiError> {
    let token = staff::new_link(env, member).await?;
    let shop = crate::build_data::manifest(env).await?.shop.clone();
    let link = format!("{}/admin/sign-in/#token={token}", shop.base_url);
    let minutes = staff::LINK_SECONDS / 60;
    let (subject, intro) = match invited_by {
        Some(by) => (format!("You are invited to run {}", shop.name), format!("{} invited you to the back office of {}.", by.email, shop.name)),
        None => (format!("Sign in to {}", shop.name), format!("Someone (hopefully you) asked to sign in to the back office of {}.", shop.name)),
    };
    let text = format!("{intro}\n\nSign in: {link}\n\nThe link works once, for {minutes} minutes. If you did not ask for it, ignore this message.\n");
    let esc = edgeshop_domain::text::escape_html;
    let html = format!(
        "<p>{}</p><p><a href=\"{}\">Sign in to the back office</a></p><p>The link works once, for {minutes} minutes. If you did not ask for it, ignore this message.</p>",
        esc(&intro),
        esc(&link)
    );
    let email = Email::from_shop(&shop, &member.email, subject, text, html);
    let transport = mailer::transport(env).context("email")?;
    transport.send(&email).await.context("sign-in email")?;
    Ok(())
}

/// `POST /api/admin/sign-in {email}`: emails a sign-in link if the address is on the staff.
/// The answer is the same either way (202, as soon as the address is looked up; the link is
/// made and sent after it), so it does not tell who works here.
pub async fn request_link(req: &mut Request, env: &Env, ctx: &worker::Context) -> Reply {
    super::rate_limit(env, req, Limit::SignInRequest).await?;
    let r: SignInRequest = parse_body(&json_text(req).await?)?;
    let email = r.email.trim().to_lowercase();
    if !edgeshop_domain::valid_email(&email) {
        return Err(ApiError::new(Problem::InvalidEmail, "give the email address you work with"));
    }
    // Per address and client: links for one address are bounded, and a stranger asking for the
    // owner's address again and again does not stop the owner from getting one.
    super::rate_limit_for(env, Limit::SignInAddress, &sha256_hex(format!("{email} {}", client_ip(req)).as_bytes())).await?;
    // And whoever asks, an inbox gets at most ten links an hour (many clients together cannot
    // fill it), except from a browser that has signed in to the back office as that address.
    super::limit_links_to(env, req, "staff ", &email).await?;
    if let Some(member) = staff::by_email(env, &email).await? {
        let env = env.clone();
        ctx.wait_until(async move {
            if let Err(e) = send_link(&env, &member, None).await {
                worker::console_error!("sign-in link for staff member {} not sent: {}", member.id, e.detail);
            }
        });
    }
    json(
        &edgeshop_api::Acknowledged { status: "sent".into(), detail: "if this address is on the staff, a sign-in link is on its way".into() },
        202,
        "no-store",
    )
}

/// `POST /api/admin/session {token}`: uses a sign-in link and starts a session (cookie). Five
/// links that do not work lock the client out for a while, valid ones included.
pub async fn start_session(req: &mut Request, env: &Env) -> Reply {
    // Only the back office's own sign-in page starts a session: a page elsewhere cannot sign a
    // visitor into someone else's account (login CSRF).
    crate::http::same_origin_strict(req)?;
    let client = client_ip(req);
    let locked = rate_limit::peek(env, Limit::SignInFailure, &client).await?;
    if !locked.allowed {
        return Err(ApiError::too_many_requests(locked.retry_after).with("locked", true));
    }
    let r: SessionRequest = parse_body(&json_text(req).await?)?;
    let Some((member, session)) = staff::redeem(env, r.token.trim(), &crate::http::client_key(req)).await? else {
        rate_limit::take(env, Limit::SignInFailure, &client).await?;
        return Err(ApiError::new(Problem::SignInFailed, "this sign-in link is unknown, used or expired; ask for a new one"));
    };
    staff::audit(env, &member, "staff.sign_in", &format!("staff:{}", member.id), value!(null), value!({ "session": "started" })).await?;
    // This browser has shown it reads the address: it keeps getting links when others ask too often.
    let browser = accounts::remember_browser(env, &member.email).await?;
    with_cookies(json(&member, 200, "no-store")?, &[admin_cookie(req, Some(&session)), known_browser_cookie(req, Some(&browser))])
}

/// `GET /api/admin/session`: who is signed in.
pub async fn me(req: &Request, env: &Env) -> Reply {
    json(&require_staff(req, env).await?, 200, "no-store")
}

/// `DELETE /api/admin/session`: signs out (the session ends on the server, the cookie goes).
pub async fn end_session(req: &Request, env: &Env) -> Reply {
    let member = require_staff(req, env).await?;
    if let Some(token) = admin_session_token(req) {
        staff::end_session(env, &token).await?;
    }
    // Signing out on a shared computer leaves the browser no standing.
    if let Some(token) = known_browser_token(req) {
        accounts::forget_browser(env, &token).await?;
    }
    staff::audit(env, &member, "staff.sign_out", &format!("staff:{}", member.id), value!(null), value!({ "session": "ended" })).await?;
    let mut resp = Response::empty()?.with_status(204);
    resp.headers_mut().set("cache-control", "no-store")?;
    with_cookies(resp, &[admin_cookie(req, None), known_browser_cookie(req, None)])
}

/// `GET /api/admin/staff` (owners).
pub async fn list(req: &Request, env: &Env) -> Reply {
    require_owner(req, env).await?;
    json(&StaffList { staff: staff::list(env).await? }, 200, "no-store")
}

/// `POST /api/admin/staff {email, name, role}` (owners): adds a member and emails them a link.
pub async fn invite(req: &mut Request, env: &Env) -> Reply {
    let owner = require_owner(req, env).await?;
    let i: Invite = parse_body(&json_text(req).await?)?;
    let member = staff::invite(env, &owner, &i.email, &i.name, i.role).await?;
    staff::audit(env, &owner, "staff.invite", &format!("staff:{}", member.id), value!(null), serde_json::to_value(&member)?).await?;
    send_link(env, &member, Some(&owner)).await?;
    json(&member, 201, "no-store")
}

/// `DELETE /api/admin/staff/{id}` (owners): removes a member and ends their sessions.
pub async fn remove(req: &Request, env: &Env, id: &str) -> Reply {
    let owner = require_owner(req, env).await?;
    let id = crate::query::decode_segment(id)?;
    let member = staff::remove(env, &id).await?;
    staff::audit(env, &owner, "staff.remove", &format!("staff:{id}"), serde_json::to_value(&member)?, value!({ "removed": true })).await?;
    json(&edgeshop_api::admin::Removed { removed: member }, 200, "no-store")
}

/// `GET /api/admin/audit?target=&before=`: the newest 100 actions (before an entry id, for older).
pub async fn audit(req: &Request, env: &Env) -> Reply {
    require_staff(req, env).await?;
    let url = req.url()?;
    let q = crate::query::Query::parse(url.query())?;
    let target = q.get("target").filter(|t| !t.is_empty());
    let before = match q.get("before") {
        Some(b) => Some(b.parse::<i64>().map_err(|_| ApiError::new(Problem::BadParameter, "`before` is an entry id"))?),
        None => None,
    };
    let entries = staff::audit_log(env, target, before, 100).await?;
    json(&AuditLog { entries }, 200, "no-store")
}
