//! Small request/response helpers shared by the handlers.

use crate::error::ApiError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Request, Response};

pub type Reply = Result<Response, ApiError>;

pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn json<T: Serialize>(value: &T, status: u16, cache: &str) -> Reply {
    let mut resp = Response::from_json(value)?.with_status(status);
    resp.headers_mut().set("cache-control", cache)?;
    Ok(resp)
}

/// Reads the body as text, refusing bodies over 16 kB.
pub async fn body_text(req: &mut Request) -> Result<String, ApiError> {
    let bytes = req.bytes().await.map_err(|e| ApiError::bad_request("bad-body", "Unreadable body", e.to_string()))?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(413, "body-too-large", "Body too large", format!("at most {MAX_BODY_BYTES} bytes are accepted")));
    }
    String::from_utf8(bytes).map_err(|_| ApiError::bad_request("bad-body", "Body is not UTF-8", "send UTF-8 JSON"))
}

pub fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::bad_request("bad-json", "Invalid JSON body", e.to_string()))
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

/// The client's address as Cloudflare reports it ("local" under some test setups).
pub fn client_ip(req: &Request) -> String {
    header(req, "cf-connecting-ip").unwrap_or_else(|| "local".into())
}

pub fn now_seconds() -> u64 {
    worker::Date::now().as_millis() / 1000
}
