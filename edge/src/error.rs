//! The one error type of the API, rendered as RFC 9457 `application/problem+json`.

use serde::Serialize;
use worker::{Headers, Response, Result};

#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    /// Short kebab-case name; the problem `type` is `https://edgeshop.dev/problems/<kind>`.
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub allow: Option<&'static str>,
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    type_: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    instance: &'a str,
}

impl ApiError {
    pub fn bad_request(kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        ApiError { status: 400, kind, title, detail: detail.into(), allow: None }
    }

    pub fn not_found(path: &str) -> Self {
        ApiError { status: 404, kind: "not-found", title: "Not found", detail: format!("no API route at {path}"), allow: None }
    }

    pub fn method_not_allowed(allow: &'static str) -> Self {
        ApiError {
            status: 405,
            kind: "method-not-allowed",
            title: "Method not allowed",
            detail: format!("this route accepts {allow}"),
            allow: Some(allow),
        }
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        ApiError { status: 500, kind: "internal", title: "Internal error", detail: detail.into(), allow: None }
    }

    pub fn into_response(self, instance: &str) -> Result<Response> {
        if self.status >= 500 {
            worker::console_error!("{} {}: {}", self.status, instance, self.detail);
        }
        let body = serde_json::to_string(&Problem {
            type_: format!("https://edgeshop.dev/problems/{}", self.kind),
            title: self.title,
            status: self.status,
            detail: &self.detail,
            instance,
        })
        .map_err(|e| worker::Error::RustError(e.to_string()))?;
        let headers = Headers::new();
        headers.set("content-type", "application/problem+json")?;
        headers.set("cache-control", "no-store")?;
        if let Some(allow) = self.allow {
            headers.set("allow", allow)?;
        }
        Ok(Response::ok(body)?.with_status(self.status).with_headers(headers))
    }
}
