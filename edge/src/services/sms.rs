//! Text messages through Twilio's Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`,
//! form-encoded `To`, `From`, `Body`, the account's SID and auth token as HTTP Basic auth): the
//! order's main steps for shoppers who asked for them at checkout. They are queued and sent like
//! the emails (`notify`), as notifications whose recipient is the phone number.
//!
//! Settings: the secrets `TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN` and the variable `SMS_FROM`
//! (the sending number, E.164); without all three, the checkout does not offer text messages.
//! `TWILIO_API_BASE` points the adapter at a local server speaking Twilio's wire format; it is
//! read only where `EDGESHOP_DEV` is on (development and tests), never in a deployed shop.

use crate::error::ApiError;
use crate::services::notify::Failure;
use crate::services::stripe::Form;
use serde::Deserialize;
use worker::{Env, Fetch, Headers, Method, Request, RequestInit};

const API_BASE: &str = "https://api.twilio.com";
/// How long a send may wait for the provider's answer.
const SEND_TIMEOUT_SECONDS: u64 = 10;

pub struct Sms {
    sid: String,
    token: String,
    from: String,
    base: String,
}

#[derive(Deserialize)]
struct Sent {
    sid: String,
}

#[derive(Deserialize)]
struct Refused {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
}

/// The adapter when the shop sends text messages (all three settings present).
pub fn transport(env: &Env) -> Option<Sms> {
    // Secrets as `wrangler secret put` stores them; a plain variable of the name also does (tests).
    let secret =
        |name: &str| env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok().filter(|s| !s.trim().is_empty());
    let var = |name: &str| env.var(name).ok().map(|s| s.to_string()).filter(|s| !s.trim().is_empty());
    let from = edgeshop_domain::sms_number(&var("SMS_FROM")?)?;
    let base = var("TWILIO_API_BASE").filter(|_| crate::services::dev_mode(env)).unwrap_or_else(|| API_BASE.into());
    Some(Sms { sid: secret("TWILIO_ACCOUNT_SID")?, token: secret("TWILIO_AUTH_TOKEN")?, from, base })
}

impl Sms {
    /// Sends `body` to `to` (E.164): the message's SID, or why it was not sent. Twilio's refusals
    /// of the request itself (4xx but 408 and 429: a number it will not text, an unsubscribed
    /// number, a country the account may not send to, bad credentials) are for good: trying the
    /// same message again cannot help, and the merchant hears of it at once.
    pub async fn send(&self, to: &str, body: &str) -> Result<String, Failure> {
        let mut form = Form::new();
        form.add("To", to).add("From", &self.from).add("Body", body);
        let auth = edgeshop_domain::text::base64(format!("{}:{}", self.sid, self.token).as_bytes());
        let attempt = async {
            let headers = Headers::new();
            headers.set("authorization", &format!("Basic {auth}"))?;
            headers.set("content-type", "application/x-www-form-urlencoded")?;
            let mut init = RequestInit::new();
            init.with_method(Method::Post).with_headers(headers).with_body(Some(form.encode().into()));
            let url = format!("{}/2010-04-01/Accounts/{}/Messages.json", self.base.trim_end_matches('/'), self.sid);
            let resp = Fetch::Request(Request::new_with_init(&url, &init)?).send().await?;
            let status = resp.status_code();
            Ok::<_, ApiError>((status, crate::http::response_text(resp).await?))
        };
        // The order events' consumer waits for this send: a provider that hangs must not hold
        // up every order behind it.
        let timeout = worker::Delay::from(std::time::Duration::from_secs(SEND_TIMEOUT_SECONDS));
        let (status, text) = match futures_util::future::select(std::pin::pin!(attempt), timeout).await {
            futures_util::future::Either::Left((answer, _)) => answer.map_err(|e| Failure::retry(format!("SMS provider: {}", e.detail)))?,
            futures_util::future::Either::Right(_) => return Err(Failure::retry(format!("SMS provider: no answer in {SEND_TIMEOUT_SECONDS} s"))),
        };
        if (200..300).contains(&status) {
            // Accepted: never sent again, even when its answer cannot be read.
            return Ok(serde_json::from_str::<Sent>(&text).map_or_else(|_| "accepted".to_string(), |s| s.sid));
        }
        let message = match serde_json::from_str::<Refused>(&text) {
            Ok(r) => format!("SMS provider answered HTTP {status}: {} (code {})", r.message, r.code),
            Err(_) => format!("SMS provider: HTTP {status}"),
        };
        Err(Failure { message, permanent: (400..500).contains(&status) && !matches!(status, 408 | 429) })
    }
}
