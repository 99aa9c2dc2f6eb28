//! What every admin island needs: API calls that send a signed-out member to the sign-in page,
//! and money and times written for people.

use edgeshop_app::api::{call, ApiReply};
use edgeshop_domain::{Currency, Money};
use leptos::prelude::{GetValue, SetValue, StoredValue};
use serde::de::DeserializeOwned;

pub const SIGN_IN: &str = "/admin/sign-in/";

/// Calls the admin API; a 401 sends the page to sign-in, other errors come back as their detail.
pub async fn request(method: &str, url: &str, body: Option<String>) -> Result<ApiReply, String> {
    request_with(method, url, body, &[]).await
}

pub async fn request_with(method: &str, url: &str, body: Option<String>, headers: &[(&str, &str)]) -> Result<ApiReply, String> {
    checked(call(method, url, body.as_deref(), headers).await?)
}

fn checked(reply: ApiReply) -> Result<ApiReply, String> {
    if reply.status == 401 {
        edgeshop_app::api::navigate(SIGN_IN);
        return Err("Your session has ended; taking you to sign in.".into());
    }
    if reply.ok() {
        Ok(reply)
    } else {
        Err(reply.message())
    }
}

/// A read. One that failed on the way or on the server's side (5xx) is tried again, one and then
/// two seconds later: reading has no effect to repeat, and a passing failure should not leave
/// the page without what it shows.
pub async fn get<T: DeserializeOwned>(url: &str) -> Result<T, String> {
    let mut waits = [1000, 2000].into_iter();
    loop {
        let reply = call("GET", url, None, &[]).await;
        let passing = edgeshop_app::api::failed_in_passing(&reply);
        match waits.next() {
            Some(ms) if passing => sleep(ms).await,
            _ => return checked(reply?)?.parse(),
        }
    }
}

/// The loads of a list whose filters or page can change while one is on its way (and a read is
/// tried again for seconds): only the answer of the last one started is shown.
#[derive(Clone, Copy)]
pub struct LastLoad(StoredValue<u32>);

impl LastLoad {
    pub fn new() -> LastLoad {
        LastLoad(StoredValue::new(0))
    }

    /// A load starts: its ticket.
    pub fn start(&self) -> u32 {
        let ticket = self.0.get_value().wrapping_add(1);
        self.0.set_value(ticket);
        ticket
    }

    /// Whether no load started after the one with this ticket.
    pub fn is_last(&self, ticket: u32) -> bool {
        self.0.get_value() == ticket
    }
}

/// Waits `ms` milliseconds (in the browser; at once elsewhere).
pub async fn sleep(ms: i32) {
    #[cfg(feature = "hydrate")]
    {
        let wait = js_sys::Promise::new(&mut |resolve, _| {
            let set = web_sys::window().map(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms));
            if !matches!(set, Some(Ok(_))) {
                let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(wait).await;
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ms;
}

pub async fn post<B: serde::Serialize>(url: &str, body: &B) -> Result<ApiReply, String> {
    request("POST", url, Some(edgeshop_app::api::body(body))).await
}

/// `1234` EUR → `€12.34` in the shop's locale.
pub fn money(minor: i64, currency: &str, locale: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) => Money::new(minor, c).format(locale),
        Err(_) => format!("{minor} {currency}"),
    }
}

/// `2026-12-01T10:15:30.123Z` → `2026-12-01 11:15` in the browser's time zone (here Dublin in
/// winter is UTC, Berlin UTC+1); as written, in UTC, outside the browser or when it is no time.
pub fn when(rfc3339: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
        if !d.get_time().is_nan() {
            return format!("{:04}-{:02}-{:02} {:02}:{:02}", d.get_full_year(), d.get_month() + 1, d.get_date(), d.get_hours(), d.get_minutes());
        }
    }
    let t = rfc3339.replacen('T', " ", 1);
    t.get(..16).map(str::to_string).unwrap_or(t)
}

/// `encodeURIComponent` for query values and path segments.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A status as staff read it: `awaiting_payment` → `Awaiting payment`.
pub fn label(wire: &str) -> String {
    let spaced = wire.replace(['_', '.'], " ");
    let mut chars = spaced.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

pub use edgeshop_app::api::hydrated;

/// Whether the signed-in member is an owner (`None` until the session says): owner-only forms
/// are hidden from staff, who would only be refused.
pub fn owner_signal() -> leptos::prelude::RwSignal<Option<bool>> {
    use leptos::prelude::{Effect, Set};
    let owner = leptos::prelude::RwSignal::new(None);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(member) = get::<edgeshop_api::admin::StaffMember>("/api/admin/session").await {
                owner.set(Some(member.role == edgeshop_api::admin::Role::Owner));
            }
        });
    });
    owner
}

/// Asks the browser to confirm a destructive step (always yes outside the browser).
pub fn confirm(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().and_then(|w| w.confirm_with_message(question).ok()).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        true
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn words_for_people() {
        assert_eq!(super::label("awaiting_payment"), "Awaiting payment");
        assert_eq!(super::label("order.fulfil"), "Order fulfil");
        assert_eq!(super::when("2026-12-01T10:15:30.123Z"), "2026-12-01 10:15");
        assert_eq!(super::encode("a b/é@x"), "a%20b%2F%C3%A9%40x");
        assert_eq!(super::money(1234, "EUR", "en-IE"), "€12.34");
    }
}
