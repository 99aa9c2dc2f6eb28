//! Browser-side calls to the worker's API. Only the hydrated islands call these; on the server
//! (static build) they are never reached. Bodies are the contract's types (`edgeshop-api`).

use edgeshop_api::Problem;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// An API answer: status and body text (JSON, or problem+json for errors). Bodies are parsed
/// straight into the contract's types: no `serde_json::Value` in between, which would add a
/// second deserialiser per type to the bundle.
pub struct ApiReply {
    pub status: u16,
    text: String,
}

impl ApiReply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as the contract type the route answers with.
    pub fn parse<T: DeserializeOwned>(self) -> Result<T, String> {
        serde_json::from_str(&self.text).map_err(|_| "The shop sent an answer this page does not understand; please reload.".to_string())
    }

    /// The problem the worker answered with (empty when the body is not one).
    pub fn problem(&self) -> Problem {
        serde_json::from_str(&self.text).unwrap_or_default()
    }

    /// The problem's `detail` as a sentence (or a generic message).
    pub fn message(&self) -> String {
        Some(self.problem().detail)
            .filter(|d| !d.is_empty())
            .map_or_else(|| "Something went wrong; please try again.".to_string(), |d| edgeshop_domain::as_sentence(&d))
    }
}

/// Whether a call failed on the way or on the server's side (5xx): a passing failure, which a
/// read may try again (a refusal would be refused again).
pub fn failed_in_passing(reply: &Result<ApiReply, String>) -> bool {
    reply.as_ref().map_or(true, |r| r.status >= 500)
}

/// A request body as JSON text (the contract's request types serialise infallibly).
pub fn body<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(feature = "hydrate")]
pub async fn call(method: &str, url: &str, body: Option<&str>, headers: &[(&str, &str)]) -> Result<ApiReply, String> {
    use gloo_net::http::RequestBuilder;
    let mut req = RequestBuilder::new(url).method(match method {
        "POST" => gloo_net::http::Method::POST,
        "PATCH" => gloo_net::http::Method::PATCH,
        "DELETE" => gloo_net::http::Method::DELETE,
        _ => gloo_net::http::Method::GET,
    });
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let resp = match body {
        Some(b) => req.header("content-type", "application/json").body(b.to_string()).map_err(|e| e.to_string())?.send().await,
        None => req.send().await,
    }
    .map_err(|_| "The shop could not be reached. Check your connection and try again.".to_string())?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    Ok(ApiReply { status, text })
}

#[cfg(not(feature = "hydrate"))]
pub async fn call(_method: &str, _url: &str, _body: Option<&str>, _headers: &[(&str, &str)]) -> Result<ApiReply, String> {
    Err("the API is only called from the browser".into())
}

/// Tells every island on the page that the cart changed (the header count listens).
pub fn announce_cart_count(count: u64) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let init = web_sys::CustomEventInit::new();
        init.set_detail(&wasm_bindgen::JsValue::from_f64(count as f64));
        if let Ok(ev) = web_sys::CustomEvent::new_with_event_init_dict("edgeshop:cart", &init) {
            let _ = w.dispatch_event(&ev);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = count;
}

/// Tells the page's analytics beacon that something went into the cart.
pub fn announce_added() {
    #[cfg(feature = "hydrate")]
    if let (Some(w), Ok(ev)) = (web_sys::window(), web_sys::Event::new("edgeshop:added")) {
        let _ = w.dispatch_event(&ev);
    }
}

/// The analytics session the page's beacon script keeps (`<html data-session>`), if it ran.
pub fn analytics_session() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()?.document()?.document_element()?.get_attribute("data-session")
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// `?name=` from the current URL (browser only).
pub fn query_param(name: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let search = web_sys::window()?.location().search().ok()?;
        let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
        params.get(name)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = name;
        None
    }
}

/// Replaces `?name=value` in the address bar without a navigation.
pub fn replace_query_param(name: &str, value: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let loc = w.location();
        let path = loc.pathname().unwrap_or_default();
        let search = loc.search().unwrap_or_default();
        if let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) {
            params.set(name, value);
            let url = format!("{path}?{}", String::from(params.to_string()));
            if let Ok(h) = w.history() {
                let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (name, value);
}

pub fn navigate(url: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

/// A fresh idempotency key for one checkout attempt (kept across retries of that attempt).
pub fn new_idempotency_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        let mut s = String::from("chk_");
        for _ in 0..4 {
            s.push_str(&format!("{:08x}", (js_sys::Math::random() * 4294967295.0) as u32));
        }
        s
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

/// `true` once the island runs in the browser (tests wait for it, as `data-ready`, before typing).
pub fn hydrated() -> leptos::prelude::ReadSignal<bool> {
    use leptos::prelude::*;
    let (ready, set_ready) = signal(false);
    Effect::new(move |_| set_ready.set(true));
    ready
}
