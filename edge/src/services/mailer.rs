//! Sending email behind one trait. Production transport: Cloudflare Email Service through the
//! `send_email` binding `EMAIL` (`wrangler dev` simulates it and writes each message to a local
//! file). Alternative: Resend's HTTP API when `RESEND_API_KEY` is set (a Wrangler secret);
//! `RESEND_API_BASE` points it at a local server speaking Resend's format, only where the
//! development switch `EDGESHOP_DEV` is on (a deployed shop always calls api.resend.com).
//! SMS or another channel is a further `Mailer`-like `Notifier`; none is built.

use worker::{Env, Fetch, Headers, Method, Request, RequestInit};

/// One message, multipart/alternative (text and HTML).
pub struct Email {
    /// Sender address and display name.
    pub from: String,
    pub from_name: String,
    pub reply_to: Option<String>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Extra headers (`List-Unsubscribe` on marketing messages).
    pub headers: Vec<(String, String)>,
}

impl Email {
    /// A message from the shop (`shop.toml` `[email]`: sender, reply-to; the shop's name shown).
    pub fn from_shop(shop: &edgeshop_domain::Shop, to: &str, subject: String, text: String, html: String) -> Email {
        Email {
            from: shop.email.from.clone(),
            from_name: shop.name.replace(['<', '>', '"', '\r', '\n'], ""),
            reply_to: (!shop.email.reply_to.is_empty()).then(|| shop.email.reply_to.clone()),
            to: to.to_string(),
            subject,
            text,
            html,
            headers: vec![],
        }
    }
}

#[allow(async_fn_in_trait)]
pub trait Mailer {
    /// The transport's message id, or why it failed.
    async fn send(&self, email: &Email) -> Result<String, String>;
}

/// The configured transport: Resend when its key is set, else the `EMAIL` binding.
pub enum Transport {
    Cloudflare(worker::SendEmail),
    /// API key and base URL.
    Resend(String, String),
}

const RESEND_API: &str = "https://api.resend.com";

pub fn transport(env: &Env) -> Result<Transport, String> {
    if let Some(key) = env.secret("RESEND_API_KEY").map(|s| s.to_string()).ok().filter(|k| k.len() >= 16) {
        let base = env
            .var("RESEND_API_BASE")
            .ok()
            .map(|v| v.to_string())
            .filter(|_| crate::services::dev_mode(env))
            .unwrap_or_else(|| RESEND_API.to_string());
        return Ok(Transport::Resend(key, base));
    }
    env.send_email("EMAIL").map(Transport::Cloudflare).map_err(|e| format!("EMAIL binding: {e}"))
}

impl Mailer for Transport {
    async fn send(&self, email: &Email) -> Result<String, String> {
        match self {
            Transport::Cloudflare(binding) => {
                let from = worker::EmailAddress::new(&email.from_name, &email.from);
                let message = worker::SendEmailBuilder::new_with_email_address_and_str(&from, &email.to, &email.subject);
                message.set_text(&email.text);
                message.set_html(&email.html);
                if let Some(r) = &email.reply_to {
                    message.set_reply_to(r);
                }
                if !email.headers.is_empty() {
                    let headers = worker::js_sys::Object::new();
                    for (k, v) in &email.headers {
                        let _ = worker::js_sys::Reflect::set(&headers, &k.into(), &v.into());
                    }
                    message.set_headers(&worker::wasm_bindgen::JsCast::unchecked_into(headers));
                }
                binding.send_with_builder(&message).await.map(|r| r.message_id()).map_err(|e| String::from(e.message()))
            }
            Transport::Resend(key, base) => {
                let headers = Headers::new();
                headers.set("authorization", &format!("Bearer {key}")).map_err(|e| e.to_string())?;
                headers.set("content-type", "application/json").map_err(|e| e.to_string())?;
                let body = serde_json::json!({
                    "from": mailbox(&email.from_name, &email.from), "to": [email.to], "subject": email.subject, "text": email.text, "html": email.html,
                    "reply_to": email.reply_to,
                    "headers": email.headers.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
                });
                let mut init = RequestInit::new();
                init.with_method(Method::Post).with_headers(headers).with_body(Some(body.to_string().into()));
                let req = Request::new_with_init(&format!("{base}/emails"), &init).map_err(|e| e.to_string())?;
                let resp = Fetch::Request(req).send().await.map_err(|e| e.to_string())?;
                let status = resp.status_code();
                let text = crate::http::response_text(resp).await.map_err(|e| e.to_string())?;
                if !(200..300).contains(&status) {
                    return Err(format!("Resend HTTP {status}: {text}"));
                }
                let id = serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| v["id"].as_str().map(str::to_string)).unwrap_or_default();
                Ok(id)
            }
        }
    }
}

/// `Name <address>` for a From line: a name with characters that have a meaning there ("Smith,
/// Jones & Co." would be read as two addresses) is quoted (RFC 5322 §3.4; `from_shop` already
/// took out quotes and angle brackets).
fn mailbox(name: &str, address: &str) -> String {
    if name.chars().any(|c| "()<>[]:;@\\,.\"".contains(c)) {
        format!("\"{}\" <{address}>", name.replace('\\', ""))
    } else {
        format!("{name} <{address}>")
    }
}

/// A paragraph of an email as HTML; one ending in `: https://…` links its text to that address.
/// Leads a paragraph that quotes what someone typed (a shopper's reason): it is never made a link,
/// whatever it ends with. Taken out of the plain text ([`plain_paragraph`]).
pub const NO_LINK: char = '\u{2060}';

/// A paragraph as the plain-text email shows it (without [`NO_LINK`]).
pub fn plain_paragraph(p: &str) -> &str {
    p.strip_prefix(NO_LINK).unwrap_or(p)
}

pub fn paragraph_html(p: &str) -> String {
    use edgeshop_domain::escape_html as esc;
    if let Some(text) = p.strip_prefix(NO_LINK) {
        return esc(text);
    }
    match p.rsplit_once(": ") {
        Some((label, url)) if (url.starts_with("https://") || url.starts_with("http://")) && !url.contains(char::is_whitespace) => {
            format!("<a href=\"{}\" style=\"color:#1d4ed8\">{}</a>", esc(url), esc(label))
        }
        _ => esc(p),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_name_with_special_characters_is_quoted() {
        assert_eq!(super::mailbox("Trailhead", "shop@x.ie"), "Trailhead <shop@x.ie>");
        assert_eq!(super::mailbox("Smith, Jones & Co.", "shop@x.ie"), "\"Smith, Jones & Co.\" <shop@x.ie>");
    }

    #[test]
    fn a_paragraph_ending_in_an_address_links_its_text_and_the_rest_is_escaped() {
        assert_eq!(
            super::paragraph_html("Your order: https://shop.example/orders/?n=1&t=x"),
            "<a href=\"https://shop.example/orders/?n=1&amp;t=x\" style=\"color:#1d4ed8\">Your order</a>"
        );
        assert_eq!(super::paragraph_html("Fish & <chips>: not a link"), "Fish &amp; &lt;chips&gt;: not a link");
        assert_eq!(super::paragraph_html("See: javascript:alert(1)"), "See: javascript:alert(1)");
        // What someone typed is never a link, even when it ends with an address.
        let typed = format!("{}Their reason: pay here: https://evil.example/pay", super::NO_LINK);
        assert_eq!(super::paragraph_html(&typed), "Their reason: pay here: https://evil.example/pay");
        assert_eq!(super::plain_paragraph(&typed), "Their reason: pay here: https://evil.example/pay");
    }
}
