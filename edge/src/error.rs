//! The one error type of the API, rendered as RFC 9457 `application/problem+json`.

use serde_json::{Map, Value};
use worker::{Headers, Response, Result};

#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    /// Short kebab-case name; the problem `type` is `https://edgeshop.dev/problems/<kind>`.
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: String,
    /// Extension members (RFC 9457 §3.2), e.g. `errors` for form fields.
    pub extra: Map<String, Value>,
    pub allow: Option<&'static str>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: u16, kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        ApiError { status, kind, title, detail: detail.into(), extra: Map::new(), allow: None, retry_after: None }
    }

    pub fn bad_request(kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self::new(400, kind, title, detail)
    }

    pub fn unprocessable(kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self::new(422, kind, title, detail)
    }

    pub fn conflict(kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self::new(409, kind, title, detail)
    }

    pub fn not_found(path: &str) -> Self {
        Self::new(404, "not-found", "Not found", format!("nothing at {path}"))
    }

    pub fn method_not_allowed(allow: &'static str) -> Self {
        let mut e = Self::new(405, "method-not-allowed", "Method not allowed", format!("this route accepts {allow}"));
        e.allow = Some(allow);
        e
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::new(429, "rate-limited", "Too many requests", format!("slow down; try again in {retry_after} s"));
        e.retry_after = Some(retry_after);
        e
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(500, "internal", "Internal error", detail)
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }

    pub fn body(&self, instance: &str) -> String {
        let mut problem = Map::new();
        problem.insert("type".into(), format!("https://edgeshop.dev/problems/{}", self.kind).into());
        problem.insert("title".into(), self.title.into());
        problem.insert("status".into(), self.status.into());
        problem.insert("detail".into(), self.detail.clone().into());
        problem.insert("instance".into(), instance.into());
        for (k, v) in &self.extra {
            problem.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Value::Object(problem).to_string()
    }

    pub fn into_response(self, instance: &str) -> Result<Response> {
        if self.status >= 500 {
            worker::console_error!("{} {}: {}", self.status, instance, self.detail);
        }
        let headers = Headers::new();
        headers.set("content-type", "application/problem+json")?;
        headers.set("cache-control", "no-store")?;
        if let Some(allow) = self.allow {
            headers.set("allow", allow)?;
        }
        if let Some(s) = self.retry_after {
            headers.set("retry-after", &s.to_string())?;
        }
        Ok(Response::ok(self.body(instance))?.with_status(self.status).with_headers(headers))
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::internal(e.to_string())
    }
}
