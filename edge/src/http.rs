//! Small request/response helpers shared by the handlers.

use crate::error::{ApiError, Problem};
use edgeshop_api::MoneyView;
use edgeshop_domain::text::{base64, inline_scripts};
use edgeshop_domain::Money;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{js_sys, web_sys, Env, Request, Response};

pub type Reply = Result<Response, ApiError>;

pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn json<T: Serialize>(value: &T, status: u16, cache: &str) -> Reply {
    let mut resp = Response::from_json(value)?.with_status(status);
    resp.headers_mut().set("cache-control", cache)?;
    Ok(resp)
}

/// The page at `path` (its frame from the static assets) with these slots filled
/// ([`edgeshop_api::frames`]).
pub async fn frame_page(env: &Env, path: &str, slots: &[(&str, &str)], status: u16) -> Reply {
    let frame = crate::build_data::public_asset(env, path).await?;
    let html = edgeshop_api::frames::fill(&frame, slots);
    let mut resp = Response::from_html(html.as_str())?.with_status(status);
    // The scripts allowed are the frame's own: nothing filled in can add one.
    html_headers(resp.headers_mut(), &frame)?;
    resp.headers_mut().set("cache-control", "no-store")?;
    Ok(resp)
}

/// `resp` with a refusal's `Retry-After` (a rate limit's: when to try again), if it has one.
pub fn with_retry_after(mut resp: Response, seconds: Option<u64>) -> Reply {
    if let Some(seconds) = seconds {
        resp.headers_mut().set("retry-after", &seconds.to_string())?;
    }
    Ok(resp)
}

/// `resp` with each of `cookies` set (`Set-Cookie`, one header each).
pub fn with_cookies(mut resp: Response, cookies: &[String]) -> Reply {
    for cookie in cookies {
        resp.headers_mut().append("set-cookie", cookie)?;
    }
    Ok(resp)
}

/// `303 See Other` to `location` (the answer to a form post: the browser GETs the next page).
pub fn see_other(location: &str) -> Reply {
    let mut resp = Response::empty()?.with_status(303);
    resp.headers_mut().set("location", location)?;
    resp.headers_mut().set("cache-control", "no-store")?;
    Ok(resp)
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(Problem::BodyTooLarge, format!("at most {limit} bytes are accepted"))
}

/// Reads the body as text, refusing bodies over 16 kB: by `Content-Length` before reading
/// anything, and otherwise (chunked bodies) as soon as the bytes read pass the limit.
pub async fn body_text(req: &mut Request) -> Result<String, ApiError> {
    body_text_max(req, MAX_BODY_BYTES).await
}

/// The body of a JSON request, as [`body_text`] reads it: a body sent as another type (a form, plain
/// text) is refused (415) rather than read as JSON. Without a `Content-Type` the body is taken as
/// JSON; an empty body is refused nothing (routes where it is optional take it as "no details").
pub async fn json_text(req: &mut Request) -> Result<String, ApiError> {
    let kind = header(req, "content-type");
    let text = body_text(req).await?;
    match kind {
        Some(kind) if !text.trim().is_empty() && !is_json_type(&kind) => {
            Err(ApiError::new(Problem::UnsupportedMediaType, format!("this route reads JSON (Content-Type: application/json), not {}", kind.trim())))
        }
        _ => Ok(text),
    }
}

/// `application/json`, or a `+json` type, with any parameters (`; charset=utf-8`).
fn is_json_type(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// `body_text` with another limit (provider webhooks carry whole objects).
pub async fn body_text_max(req: &mut Request, limit: usize) -> Result<String, ApiError> {
    String::from_utf8(body_bytes_max(req, limit).await?).map_err(|_| ApiError::new(Problem::BodyNotUtf8, "the body is not UTF-8 text"))
}

/// A form post's fields (`application/x-www-form-urlencoded`, as the shop's forms send them), the
/// body refused past `limit`. A form sent as another type (`multipart/form-data`, `text/plain`)
/// is refused, not read as no fields.
pub async fn form_body(req: &mut Request, limit: usize) -> Result<crate::query::Query, ApiError> {
    let kind = header(req, "content-type").unwrap_or_default();
    let media = kind.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if !media.is_empty() && media != "application/x-www-form-urlencoded" {
        return Err(ApiError::new(Problem::UnsupportedMediaType, format!("this form is read as application/x-www-form-urlencoded, not {media}")));
    }
    crate::query::Query::parse(Some(&body_text_max(req, limit).await?))
}

/// A fetched response's body (a Durable Object's answer, a static asset, a provider's reply) as
/// text, read by the runtime in one go: `Response::text` moves it chunk by chunk through a Rust
/// stream, a reader lock and a promise per chunk, which took about a millisecond of a checkout.
pub async fn response_text(resp: Response) -> worker::Result<String> {
    let resp: web_sys::Response = resp.into();
    let text = JsFuture::from(resp.text()?).await?;
    text.as_string().ok_or_else(|| worker::Error::RustError("a response body that is not text".into()))
}

/// The body's bytes, refused past `limit` as [`body_text`] does.
pub async fn body_bytes_max(req: &mut Request, limit: usize) -> Result<Vec<u8>, ApiError> {
    if let Some(length) = header(req, "content-length") {
        let length: u64 = length.trim().parse().map_err(|_| ApiError::new(Problem::BadContentLength, "Content-Length must be a number"))?;
        if length > limit as u64 {
            return Err(too_large(limit));
        }
        // A declared length bounds the body (the runtime fails a read past it): read in one go.
        if req.inner().body().is_some() {
            let buffer = JsFuture::from(req.inner().array_buffer().map_err(|e| unreadable(&e))?).await.map_err(|e| unreadable(&e))?;
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            if bytes.len() > limit {
                return Err(too_large(limit));
            }
            return Ok(bytes);
        }
    }
    let mut bytes = Vec::new();
    // A request without a body has no stream: that is an empty body.
    if let Ok(mut stream) = req.stream() {
        let mut over = false;
        let mut discarded = 0usize;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| ApiError::new(Problem::UnreadableBody, e.to_string()))?;
            if over || bytes.len() + chunk.len() > limit {
                // The rest of a body past the limit is read and dropped (up to 1 MiB: more is
                // cancelled), not left in the connection: under `wrangler dev`, a refused chunked
                // body left half read held up the next request for a minute.
                over = true;
                discarded += chunk.len();
                if discarded > MAX_DISCARDED_BYTES {
                    break;
                }
                continue;
            }
            bytes.extend_from_slice(&chunk);
        }
        if over {
            return Err(too_large(limit));
        }
    }
    Ok(bytes)
}

/// How much of a body past its limit is read and dropped before the stream is cancelled.
const MAX_DISCARDED_BYTES: usize = 1 << 20;

fn unreadable(e: &worker::wasm_bindgen::JsValue) -> ApiError {
    ApiError::new(Problem::UnreadableBody, format!("{e:?}"))
}

/// Unsafe requests that a browser authenticates with a cookie must come from this site: refused
/// (403) when `Sec-Fetch-Site` says cross-site, or when `Origin` names another host. API clients
/// that send no cookie (they use `X-Cart-Id`, bearer tokens or signatures) are not affected.
pub fn same_site(req: &Request) -> Result<(), ApiError> {
    let refused = |why: &str| ApiError::new(Problem::CrossSiteRequest, why.to_string());
    // Browsers send Sec-Fetch-Site on every request; when it is there it has the final word.
    if let Some(site) = header(req, "sec-fetch-site") {
        return match site.as_str() {
            "same-origin" | "none" => Ok(()),
            _ => Err(refused("this request came from another site (Sec-Fetch-Site)")),
        };
    }
    if let Some(origin) = header(req, "origin") {
        let (origin_scheme, origin_host) = origin.split_once("://").unwrap_or(("", ""));
        let host = header(req, "host").unwrap_or_default();
        let scheme = req.url().map(|u| u.scheme().to_string()).unwrap_or_default();
        if origin == "null" || !origin_host.eq_ignore_ascii_case(&host) || !origin_scheme.eq_ignore_ascii_case(&scheme) {
            return Err(refused("this request came from another origin (Origin)"));
        }
    }
    Ok(())
}

/// Headers for HTML the worker renders: no framing, no sniffing, and only the scripts this page
/// carries (files from this site, and its inline scripts by hash).
pub fn html_headers(headers: &worker::Headers, html: &str) -> Result<(), ApiError> {
    let hashes: String = inline_scripts(html).map(|s| format!(" 'sha256-{}'", base64(&Sha256::digest(s.as_bytes())))).collect();
    headers.set("content-type", "text/html; charset=utf-8")?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set(
        "content-security-policy",
        &format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; \
             connect-src 'self'; form-action 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'"
        ),
    )?;
    headers.set("referrer-policy", "strict-origin-when-cross-origin")?;
    Ok(())
}

pub fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::new(Problem::BadJson, e.to_string()))
}

/// A request's JSON body: an object (serde would also read a struct from an array of its fields
/// in order, which no client means).
pub fn parse_body<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    if !text.trim_start().starts_with('{') {
        return Err(ApiError::new(Problem::BadJson, "the body must be a JSON object"));
    }
    parse_json(text)
}

pub fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

pub fn cookie(req: &Request, name: &str) -> Option<String> {
    header(req, "cookie")?.split(';').find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// One client as far as the shop can tell: a hash of its address ([`client_ip`]) and its browser's
/// User-Agent.
pub fn client_key(req: &Request) -> String {
    let agent = header(req, "user-agent").unwrap_or_default();
    crate::services::sha256_hex(format!("{}\n{agent}", client_ip(req)).as_bytes())
}

/// The client as rate limits count it, from the address Cloudflare reports ("local" under some
/// test setups): an IPv4 address, or an IPv6 address's /64 network (one subscriber's block, in
/// which a client may pick any address for each request).
pub fn client_ip(req: &Request) -> String {
    client_of(header(req, "cf-connecting-ip").as_deref().unwrap_or("local"))
}

fn client_of(address: &str) -> String {
    match address.trim().parse::<std::net::Ipv6Addr>() {
        Ok(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(v6) => v6.to_ipv4_mapped().map_or_else(|| address.to_string(), |v4| v4.to_string()),
        Err(_) => address.trim().to_string(),
    }
}

pub fn now_seconds() -> u64 {
    worker::Date::now().as_millis() / 1000
}

/// An amount as the API shows it, formatted for the shop's locale.
pub fn money_view(m: Money) -> MoneyView {
    let locale = crate::build_data::locale();
    MoneyView { minor: m.minor, currency: m.currency.code().to_string(), formatted: m.format(&locale) }
}

// ---- The cart cookie ----

/// Over HTTPS the cart cookie is `Secure` with the `__Host-` prefix (no Domain, Path=/); plain-HTTP
/// development on localhost cannot set a `Secure` cookie, so it uses the bare name there.
pub const CART_COOKIE: &str = "__Host-edgeshop_cart";
pub const CART_COOKIE_LOCAL: &str = "edgeshop_cart";

/// The cart id from the header or the cookie, if it is well formed.
pub fn cart_id(req: &Request) -> Option<String> {
    header(req, "x-cart-id")
        .or_else(|| cookie(req, CART_COOKIE))
        .or_else(|| cookie(req, CART_COOKIE_LOCAL))
        .filter(|id| crate::services::carts::valid_cart_id(id))
}

fn secure(req: &Request) -> bool {
    req.url().map(|u| u.scheme() == "https").unwrap_or(true)
}

fn cookie_header(req: &Request, value: &str, max_age: u64) -> String {
    if secure(req) {
        format!("{CART_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=Lax")
    } else {
        format!("{CART_COOKIE_LOCAL}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax")
    }
}

/// Beside the cart cookie, one that pages' script may read: "this shopper has a cart" (no id), so
/// that a page asks for the cart's count only when there is one (`public/islands.js`).
pub const HAS_CART_COOKIE: &str = "edgeshop_has_cart";

fn has_cart_header(req: &Request, max_age: u64) -> String {
    let value = if max_age > 0 { "1" } else { "" };
    let secure = if secure(req) { "; Secure" } else { "" };
    format!("{HAS_CART_COOKIE}={value}; Path=/; Max-Age={max_age}{secure}; SameSite=Lax")
}

pub fn set_cart_cookie(req: &Request, resp: &mut worker::Response, id: &str) -> Result<(), ApiError> {
    let ttl = crate::services::carts::CART_TTL_SECONDS;
    resp.headers_mut().set("set-cookie", &cookie_header(req, id, ttl))?;
    resp.headers_mut().append("set-cookie", &has_cart_header(req, ttl))?;
    resp.headers_mut().set("x-cart-id", id)?;
    Ok(())
}

/// Forgets the cart cookie (after checkout: the next cart gets a new id).
pub fn clear_cart_cookie(req: &Request, resp: &mut worker::Response) -> Result<(), ApiError> {
    resp.headers_mut().set("set-cookie", &cookie_header(req, "", 0))?;
    resp.headers_mut().append("set-cookie", &has_cart_header(req, 0))?;
    Ok(())
}

// ---- The back office's session ----

/// The staff session cookie: `__Host-` and `Secure` over HTTPS, the bare name on plain-HTTP
/// localhost (as the cart cookie). `SameSite=Strict`: no other site's page sends it.
pub const ADMIN_COOKIE: &str = "__Host-edgeshop_admin";
pub const ADMIN_COOKIE_LOCAL: &str = "edgeshop_admin";

pub fn admin_session_token(req: &Request) -> Option<String> {
    session_token(req, (ADMIN_COOKIE, ADMIN_COOKIE_LOCAL))
}

/// A session cookie's value: over HTTPS only the `__Host-` name (a sibling subdomain can set
/// the bare name, never that one); on plain-HTTP localhost the bare name.
fn session_token(req: &Request, (name, local): (&str, &str)) -> Option<String> {
    if secure(req) {
        cookie(req, name)
    } else {
        cookie(req, local).or_else(|| cookie(req, name))
    }
}

/// `Set-Cookie` for a new staff session (`Some`) or for signing out (`None`).
pub fn admin_cookie(req: &Request, token: Option<&str>) -> String {
    session_cookie(req, (ADMIN_COOKIE, ADMIN_COOKIE_LOCAL), token, crate::services::staff::SESSION_SECONDS, "Strict")
}

/// A session cookie, HttpOnly: `Secure` with the `__Host-` name over HTTPS, the bare name on
/// plain-HTTP localhost (which cannot set a `Secure` cookie).
fn session_cookie(req: &Request, (name, local): (&str, &str), token: Option<&str>, seconds: u64, same_site: &str) -> String {
    let max_age = if token.is_some() { seconds } else { 0 };
    let value = token.unwrap_or("");
    if secure(req) {
        format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite={same_site}")
    } else {
        format!("{local}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite={same_site}")
    }
}

// ---- A shopper's account session ----

pub const ACCOUNT_COOKIE: &str = "__Host-edgeshop_account";
pub const ACCOUNT_COOKIE_LOCAL: &str = "edgeshop_account";

pub fn account_session_token(req: &Request) -> Option<String> {
    session_token(req, (ACCOUNT_COOKIE, ACCOUNT_COOKIE_LOCAL))
}

/// The signed-in shopper's address (their account session's), if any.
pub async fn signed_in_shopper(req: &Request, env: &Env) -> Result<Option<String>, ApiError> {
    match account_session_token(req) {
        Some(token) => crate::services::accounts::session(env, &token).await,
        None => Ok(None),
    }
}

/// `Set-Cookie` for a shopper's new account session (`Some`) or for signing out (`None`). `Lax`:
/// the account page opened from a link in an email shows the signed-in shopper their orders.
pub fn account_cookie(req: &Request, token: Option<&str>) -> String {
    session_cookie(req, (ACCOUNT_COOKIE, ACCOUNT_COOKIE_LOCAL), token, crate::services::accounts::SESSION_SECONDS, "Lax")
}

/// A browser a shopper signed in from (`services::accounts::remember_browser`): not a session,
/// it opens nothing; it lets that browser ask for sign-in links whoever else asks.
pub const KNOWN_BROWSER_COOKIE: &str = "__Host-edgeshop_known";
pub const KNOWN_BROWSER_COOKIE_LOCAL: &str = "edgeshop_known";

pub fn known_browser_token(req: &Request) -> Option<String> {
    session_token(req, (KNOWN_BROWSER_COOKIE, KNOWN_BROWSER_COOKIE_LOCAL))
}

/// `Set-Cookie` for a remembered browser (`Some`) or for forgetting it (`None`).
pub fn known_browser_cookie(req: &Request, token: Option<&str>) -> String {
    session_cookie(req, (KNOWN_BROWSER_COOKIE, KNOWN_BROWSER_COOKIE_LOCAL), token, crate::services::accounts::BROWSER_SECONDS, "Lax")
}

/// A state-changing request made with the session cookie must say it comes from this site:
/// `Sec-Fetch-Site: same-origin`, or (older browsers) an `Origin` naming this host. A request
/// that says neither is refused too.
pub fn same_origin_strict(req: &Request) -> Result<(), ApiError> {
    if header(req, "sec-fetch-site").is_none() && header(req, "origin").is_none() {
        return Err(ApiError::new(Problem::CrossSiteRequest, "a change must come from this shop's own pages (no Origin)"));
    }
    same_site(req)?;
    if header(req, "sec-fetch-site").as_deref() == Some("none") {
        return Err(ApiError::new(Problem::CrossSiteRequest, "a change must come from this shop's own pages"));
    }
    Ok(())
}

/// The signed-in staff member. Every admin route starts here: a live session (cookie), with
/// changes only from the back office's own pages. Under the development switch, the
/// `ADMIN_TOKEN` bearer token also works (scripts and tests); a deployed shop refuses it.
pub async fn require_staff(req: &Request, env: &Env) -> Result<crate::services::staff::Member, ApiError> {
    use crate::services::staff::{Member, Role};
    if let Some(given) = header(req, "authorization").and_then(|h| h.strip_prefix("Bearer ").map(str::to_string)) {
        if !crate::services::dev_mode(env) {
            return Err(ApiError::new(Problem::Unauthorized, "bearer tokens work only in development; sign in to the back office"));
        }
        let expected = env
            .secret("ADMIN_TOKEN")
            .map(|s| s.to_string())
            .map_err(|_| ApiError::new(Problem::AdminDisabled, "set the ADMIN_TOKEN secret in .dev.vars to use a bearer token"))?;
        if expected.len() >= 16 && crate::services::orders::token_matches(&expected, &given) {
            let dev = "developer@localhost".to_string();
            return Ok(Member { id: "dev-token".into(), email: dev, name: "Development token".into(), role: Role::Owner, created_at: String::new() });
        }
        return Err(ApiError::new(Problem::Unauthorized, "the bearer token is not the ADMIN_TOKEN"));
    }
    let token = admin_session_token(req).ok_or_else(|| ApiError::new(Problem::Unauthorized, "sign in to the back office"))?;
    if !matches!(req.method(), worker::Method::Get | worker::Method::Head) {
        same_origin_strict(req)?;
    }
    crate::services::staff::session(env, &token).await?.ok_or_else(|| ApiError::new(Problem::Unauthorized, "your session has ended; sign in again"))
}

/// As [`require_staff`], for what only an owner may do (managing staff).
pub async fn require_owner(req: &Request, env: &Env) -> Result<crate::services::staff::Member, ApiError> {
    let member = require_staff(req, env).await?;
    if member.role != crate::services::staff::Role::Owner {
        return Err(ApiError::new(Problem::OwnerOnly, "only an owner can do this"));
    }
    Ok(member)
}

/// A short page of its own (a title, some HTML, a link home), for what has no page of the site.
pub fn plain_page(status: u16, title: &str, body: &str) -> Reply {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\">\
<title>{t}</title><link rel=\"stylesheet\" href=\"{css}\"></head><body><main class=\"page\" style=\"max-width:32rem;margin:3rem auto;padding:1rem\"><h1>{t}</h1>{body}<p><a href=\"/\">Back to the shop</a></p></main></body></html>",
        t = edgeshop_domain::escape_html(title),
        css = edgeshop_domain::paths::STYLESHEET
    );
    let headers = worker::Headers::new();
    html_headers(&headers, &html)?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::ok(html)?.with_status(status).with_headers(headers))
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_ipv6_client_is_its_64_network_and_an_ipv4_one_its_address() {
        assert_eq!(super::client_of("2001:db8:77:1::1"), "2001:db8:77:1::/64");
        assert_eq!(super::client_of("2001:0db8:0077:0001:ffff:0:0:1e"), "2001:db8:77:1::/64");
        assert_eq!(super::client_of("::ffff:10.1.2.3"), "10.1.2.3");
        assert_eq!(super::client_of("10.1.2.3"), "10.1.2.3");
        assert_eq!(super::client_of("local"), "local");
    }

    #[test]
    fn json_and_its_suffixed_types_are_json_and_forms_are_not() {
        for t in ["application/json", "Application/JSON; charset=utf-8", "application/problem+json", " application/merge-patch+json "] {
            assert!(super::is_json_type(t), "{t}");
        }
        for t in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json+xml", "application/jsonx", ""] {
            assert!(!super::is_json_type(t), "{t}");
        }
    }
}
