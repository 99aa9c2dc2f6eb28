//! Services own their storage: KV for carts, D1 for orders, Durable Objects where one writer is needed.

pub mod accounts;
pub mod analytics;
pub mod carts;
pub mod checkout;
pub mod db;
pub mod dead_letters;
pub mod discounts;
pub mod edge_pages;
pub mod events;
pub mod idempotency;
pub mod mailer;
pub mod media;
pub mod notify;
pub mod ops;
pub mod orders;
pub mod payments;
pub mod product_search;
pub mod rate_limit;
pub mod search_stats;
pub mod sequence;
pub mod sign_in;
pub mod sms;
pub mod staff;
pub mod stock;
pub mod stripe;
pub mod subscriptions;
pub mod text_search;

use crate::error::{ApiError, Context};
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Env, Method, Request, RequestInit};

/// Calls a Durable Object (`binding`, instance `name`) with an optional JSON body and decodes the
/// JSON answer. A failure is the API's internal error, naming the object and the call.
pub async fn do_call<B: Serialize, T: DeserializeOwned>(
    env: &Env,
    binding: &str,
    name: &str,
    method: Method,
    path: &str,
    body: Option<&B>,
) -> std::result::Result<T, ApiError> {
    let what = format!("{binding} {path}");
    let namespace = env.durable_object(binding).context(&what)?;
    let stub = namespace.id_from_name(name).and_then(|id| id.get_stub()).context(&what)?;
    let mut init = RequestInit::new();
    init.with_method(method);
    if let Some(body) = body {
        init.with_body(Some(serde_json::to_string(body)?.into()));
    }
    let req = Request::new_with_init(&format!("https://do.internal{path}"), &init).context(&what)?;
    let resp = stub.fetch_with_request(req).await.context(&what)?;
    let status = resp.status_code();
    let text = crate::http::response_text(resp).await.context(&what)?;
    if status != 200 {
        return Err(ApiError::internal(format!("{what}: {status} {text}")));
    }
    serde_json::from_str(&text).context(&what)
}

/// A secret (sign-in links, sessions, order and subscription tokens) from the platform's
/// CSPRNG: never a stand-in when it fails, unlike [`random_id`].
pub fn secret_id(bytes: usize) -> Result<String, ApiError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| ApiError::internal(format!("no random bytes for a secret: {e}")))?;
    Ok(edgeshop_domain::text::hex(&buf))
}

/// Whether `token` looks like a [`secret_id`] of 32 bytes (what sign-in links and sessions
/// carry): anything else is not looked up.
pub fn well_formed_secret(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Random hex identifier (request, event and line ids) from the platform's CSPRNG.
pub fn random_id(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if getrandom::fill(&mut buf).is_err() {
        // crypto.getRandomValues is always there in Workers; fall back to time-based ids only if not.
        let t = worker::Date::now().as_millis();
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (t >> ((i % 8) * 8)) as u8 ^ (i as u8).wrapping_mul(151);
        }
    }
    edgeshop_domain::text::hex(&buf)
}

/// The development switch: `EDGESHOP_DEV` is "1" only where `cargo xtask dev` and the test
/// configurations pass it (`--var`); the deploy configuration never sets it.
pub fn dev_mode(env: &Env) -> bool {
    env.var("EDGESHOP_DEV").map(|v| v.to_string() == "1").unwrap_or(false)
}

/// Whether every request is logged (`EDGESHOP_LOG_REQUESTS=1`), not only those answered 4xx or 5xx.
/// Cached per isolate: it is asked on every request.
pub fn log_every_request(env: &Env) -> bool {
    thread_local!(static ON: std::cell::OnceCell<bool> = const { std::cell::OnceCell::new() });
    ON.with(|on| *on.get_or_init(|| env.var("EDGESHOP_LOG_REQUESTS").map(|v| v.to_string() == "1").unwrap_or(false)))
}

/// Whether the test configuration switched on the fault `name` (`EDGESHOP_FAULTS`, a comma-separated
/// list that only test configurations pass; the deploy configuration never sets it).
pub fn fault_on(env: &Env, name: &str) -> bool {
    env.var("EDGESHOP_FAULTS").map(|v| v.to_string().split(',').any(|f| f.trim() == name)).unwrap_or(false)
}

/// A fault switch that fires once per `key`: true the first time it is asked for that key while
/// `name` is on (remembered by an `IdempotencyKey` object), false afterwards and whenever the
/// switch is off.
pub async fn fault_once(env: &Env, name: &str, key: &str) -> bool {
    if !fault_on(env, name) {
        return false;
    }
    do_call::<(), bool>(env, "IDEMPOTENCY", &format!("fault:{key}"), Method::Post, "/once", None).await.unwrap_or(false)
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    edgeshop_domain::text::hex(&Sha256::digest(bytes))
}

/// Unix seconds now.
pub fn now_seconds() -> u64 {
    worker::Date::now().as_millis() / 1000
}

pub fn now_rfc3339() -> String {
    String::from(worker::js_sys::Date::new_0().to_iso_string())
}

/// One spelling of an email address wherever it is kept or compared (orders, customers,
/// subscribers, sign-in links, a discount's once-per-customer rule): trimmed, in lower case, its
/// domain in ASCII (`user@bücher.de` is `user@xn--bcher-kva.de`, the same mailbox). An address
/// whose domain is no domain stays as typed, for validation to refuse.
pub fn email_key(email: &str) -> String {
    let email = email.trim().to_lowercase();
    match email.rsplit_once('@') {
        Some((user, domain)) if !domain.is_ascii() => match idna::domain_to_ascii(domain) {
            Ok(ascii) if !ascii.is_empty() => format!("{user}@{ascii}"),
            _ => email,
        },
        _ => email,
    }
}

/// The mailbox an address reaches, for rules of one use per customer: [`email_key`] without a
/// `+tag` (`shopper+2@…` is `shopper@…`), and without the dots Gmail ignores.
pub fn mailbox_key(email: &str) -> String {
    let email = email_key(email);
    let Some((user, domain)) = email.rsplit_once('@') else { return email };
    // A tag after the name; an address that starts with `+` has no name to keep.
    let user = match user.split_once('+') {
        Some((name, _)) if !name.is_empty() => name,
        _ => user,
    };
    match domain {
        "gmail.com" | "googlemail.com" => format!("{}@gmail.com", user.replace('.', "")),
        _ => format!("{user}@{domain}"),
    }
}

#[cfg(test)]
mod email_tests {
    #[test]
    fn an_address_has_one_spelling_its_domain_in_ascii() {
        assert_eq!(super::email_key("  User@Bücher.DE "), "user@xn--bcher-kva.de");
        assert_eq!(super::email_key("user@xn--bcher-kva.de"), "user@xn--bcher-kva.de");
        assert_eq!(super::email_key("Nora@Example.ie"), "nora@example.ie");
        assert_eq!(super::email_key("no domain"), "no domain");
    }

    #[test]
    fn a_mailbox_is_an_address_without_its_tag() {
        assert_eq!(super::mailbox_key("Shopper+Two@Example.ie"), "shopper@example.ie");
        assert_eq!(super::mailbox_key("s.hop.per+x@googlemail.com"), "shopper@gmail.com");
        assert_eq!(super::mailbox_key("s.hopper@example.ie"), "s.hopper@example.ie");
        assert_ne!(super::mailbox_key("+alice@example.ie"), super::mailbox_key("+bob@example.ie"));
    }
}
