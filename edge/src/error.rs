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
    pub allow: Option<Box<str>>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(problem: Problem, detail: impl Into<String>) -> Self {
        let (status, kind, title) = problem.parts();
        ApiError { status, kind, title, detail: detail.into(), extra: Map::new(), allow: None, retry_after: None }
    }

    /// What a shopper reads on a page for a refused form: the reason for their mistakes, a plain
    /// apology (with no internal detail) for ours.
    pub fn shopper_reason(&self) -> String {
        if self.status >= 500 {
            "Something went wrong on our side. Please try again in a moment.".into()
        } else {
            let detail = self.detail.trim_end_matches('.');
            let mut first = detail.chars();
            first.next().map(|c| c.to_uppercase().chain(first).collect::<String>() + ".").unwrap_or_default()
        }
    }

    /// The status of the page that says so: ours are 503 (try again), not 500.
    pub fn page_status(&self) -> u16 {
        if self.status >= 500 {
            503
        } else {
            self.status
        }
    }

    /// Whether this is a `problem`.
    pub fn is(&self, problem: Problem) -> bool {
        self.kind == problem.parts().1
    }

    pub fn not_found(path: &str) -> Self {
        Self::new(Problem::NotFound, format!("nothing at {path}"))
    }

    pub fn method_not_allowed(allowed: &[edgeshop_api::routes::Method]) -> Self {
        let allow = allow_header(allowed);
        let mut e = Self::new(Problem::MethodNotAllowed, format!("this route accepts {allow}"));
        e.allow = Some(allow.into());
        e
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::new(Problem::RateLimited, format!("slow down; try again in {retry_after} s"));
        e.retry_after = Some(retry_after);
        e
    }

    /// A failure on the worker's side: the detail is logged, never sent (see `into_response`).
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(Problem::Internal, detail)
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }

    /// The problem+json body. An internal error's detail stays in the log: the client gets the
    /// request id to quote instead.
    pub fn body(&self, instance: &str, request_id: Option<&str>) -> String {
        let mut problem = Map::new();
        problem.insert("type".into(), format!("https://edgeshop.dev/problems/{}", self.kind).into());
        problem.insert("title".into(), self.title.into());
        problem.insert("status".into(), self.status.into());
        let detail = if self.kind == Problem::Internal.parts().1 {
            format!("something went wrong on our side; if it keeps happening, quote request {}", request_id.unwrap_or("-"))
        } else {
            self.detail.clone()
        };
        problem.insert("detail".into(), detail.into());
        problem.insert("instance".into(), instance.into());
        if let Some(id) = request_id {
            problem.insert("request_id".into(), id.into());
        }
        for (k, v) in &self.extra {
            problem.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Value::Object(problem).to_string()
    }

    pub fn into_response(self, instance: &str, request_id: &str) -> Result<Response> {
        if self.status >= 500 {
            worker::console_error!("{} {} request {}: {}", self.status, instance, request_id, self.detail);
        }
        let headers = Headers::new();
        headers.set("x-request-id", request_id)?;
        headers.set("content-type", "application/problem+json")?;
        headers.set("cache-control", "no-store")?;
        if let Some(allow) = &self.allow {
            headers.set("allow", allow)?;
        }
        if let Some(s) = self.retry_after {
            headers.set("retry-after", &s.to_string())?;
        }
        Ok(Response::ok(self.body(instance, Some(request_id)))?.with_status(self.status).with_headers(headers))
    }
}

/// The `Allow` header of a path whose routes take `allowed`: a GET route answers HEAD too, and
/// every path OPTIONS.
pub fn allow_header(allowed: &[edgeshop_api::routes::Method]) -> String {
    let mut allow: Vec<&str> = allowed.iter().map(|m| m.as_str()).collect();
    if allow.contains(&"GET") {
        allow.push("HEAD");
    }
    allow.push("OPTIONS");
    allow.join(", ")
}

/// `.context("what was being done")?`: a failure on the worker's side (storage, bindings, stored
/// data), logged with what was being done; the client sees only the request id.
pub trait Context<T> {
    fn context(self, what: impl std::fmt::Display) -> Result<T, ApiError>;
}

impl<T, E: std::fmt::Display> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl std::fmt::Display) -> Result<T, ApiError> {
        self.map_err(|e| ApiError::internal(format!("{what}: {e}")))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.kind, self.detail)
    }
}

/// Inside a Durable Object or a queue consumer (the runtime's error type): the detail, for the log.
impl From<ApiError> for worker::Error {
    fn from(e: ApiError) -> Self {
        worker::Error::RustError(e.to_string())
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::internal(e.to_string())
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::internal(e.to_string())
    }
}

/// Every kind of problem the API answers with: its `type` URI (`https://edgeshop.dev/problems/<kind>`),
/// title and status, written once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    BadAction,
    BadContentLength,
    UnreadableBody,
    BodyNotUtf8,
    BadEncoding,
    BadFilter,
    BadJson,
    UnsupportedMediaType,
    BadParameter,
    BadSignature,
    BadWebhook,
    IdempotencyKeyRequired,
    QueryTooLong,
    TooManyWords,
    Unauthorized,
    SignInFailed,
    CrossSiteRequest,
    OwnerOnly,
    StaffNotFound,
    StaffExists,
    LastOwner,
    CannotNote,
    /// Money is owed by hand: the note that says so goes when the refund is recorded.
    RefundOwed,
    CannotResend,
    DeadLetterNotFound,
    LineNotFound,
    NoRoute,
    NotFound,
    OrderNotFound,
    UnknownSku,
    MethodNotAllowed,
    CannotCancel,
    OpenOrders,
    CannotReturn,
    CannotFulfil,
    MediaExists,
    PaymentRefused,
    CartAlreadyCheckedOut,
    CartChanged,
    InStock,
    TooManyAlerts,
    NothingToPay,
    OutOfStock,
    /// A cash receipt or bulk step whose values cannot be (an amount over the total, too many orders).
    BadRecord,
    /// Recorded once already (the courier's cash of an order).
    AlreadyRecorded,
    RequestInProgress,
    BodyTooLarge,
    BadAdjustment,
    BadEvent,
    BadNewsletter,
    BadQuantity,
    BadRefund,
    BadReturn,
    BadStatus,
    CartFull,
    Discontinued,
    DiscountCodeUnknown,
    DiscountCodeRefused,
    BadDiscount,
    DiscountExists,
    DiscountNotFound,
    EmptyCart,
    IdempotencyKeyReused,
    InvalidCheckout,
    InvalidEmail,
    InvalidName,
    PaymentMethodUnavailable,
    TrackingRequired,
    UnknownSkuInRequest,
    RateLimited,
    Internal,
    PaymentProviderError,
    AdminDisabled,
    RefundsUnavailable,
    OnlinePaymentUnavailable,
}

impl Problem {
    /// `(status, kind, title)`.
    pub const fn parts(self) -> (u16, &'static str, &'static str) {
        match self {
            Problem::BadAction => (400, "bad-action", "Unknown action"),
            Problem::BadContentLength => (400, "bad-body", "Invalid Content-Length"),
            Problem::UnreadableBody => (400, "bad-body", "Unreadable body"),
            Problem::BodyNotUtf8 => (400, "bad-body", "Body is not UTF-8"),
            Problem::BadEncoding => (400, "bad-encoding", "Malformed query string"),
            Problem::BadFilter => (400, "bad-filter", "Invalid search filter"),
            Problem::BadJson => (400, "bad-json", "Invalid JSON body"),
            Problem::UnsupportedMediaType => (415, "unsupported-media-type", "Send JSON"),
            Problem::BadParameter => (400, "bad-parameter", "Invalid parameter"),
            Problem::BadSignature => (400, "bad-signature", "Webhook signature rejected"),
            Problem::BadWebhook => (400, "bad-webhook", "Malformed webhook"),
            Problem::IdempotencyKeyRequired => (400, "idempotency-key-required", "Idempotency-Key required"),
            Problem::QueryTooLong => (400, "query-too-long", "Query too long"),
            Problem::TooManyWords => (400, "query-too-long", "Too many words"),
            Problem::Unauthorized => (401, "unauthorized", "Unauthorized"),
            Problem::SignInFailed => (401, "sign-in-failed", "Sign-in link invalid or expired"),
            Problem::OwnerOnly => (403, "owner-only", "Only an owner can do this"),
            Problem::StaffNotFound => (404, "staff-not-found", "Staff member not found"),
            Problem::StaffExists => (409, "staff-exists", "Already on the staff"),
            Problem::LastOwner => (409, "last-owner", "The shop needs an owner"),
            Problem::CannotNote => (422, "bad-note", "Invalid note"),
            Problem::RefundOwed => (409, "refund-owed", "A refund is owed by hand"),
            Problem::CannotResend => (409, "cannot-resend", "Only a message that failed can be sent again"),
            Problem::CrossSiteRequest => (403, "cross-site-request", "Cross-site request refused"),
            Problem::DeadLetterNotFound => (404, "dead-letter-not-found", "Dead letter not found"),
            Problem::LineNotFound => (404, "line-not-found", "Cart line not found"),
            Problem::NoRoute => (404, "no-route", "Not found"),
            Problem::NotFound => (404, "not-found", "Not found"),
            Problem::OrderNotFound => (404, "order-not-found", "Order not found"),
            Problem::UnknownSku => (404, "unknown-sku", "Unknown SKU"),
            Problem::MethodNotAllowed => (405, "method-not-allowed", "Method not allowed"),
            Problem::CannotCancel => (409, "cannot-cancel", "Order can no longer be cancelled"),
            Problem::OpenOrders => (409, "open-orders", "The customer has orders not finished"),
            Problem::CannotReturn => (409, "cannot-return", "Return not possible yet"),
            Problem::CannotFulfil => (409, "cannot-fulfil", "Order not at that step"),
            Problem::MediaExists => (409, "media-exists", "Image already stored"),
            Problem::PaymentRefused => (422, "payment-refused", "Payment could not start"),
            Problem::CartAlreadyCheckedOut => (409, "cart-already-checked-out", "Cart already checked out"),
            Problem::CartChanged => (409, "cart-changed", "Cart changed"),
            Problem::InStock => (409, "in-stock", "In stock"),
            Problem::TooManyAlerts => (409, "too-many-alerts", "Too many alerts waiting"),
            Problem::NothingToPay => (409, "nothing-to-pay", "Nothing to pay"),
            Problem::OutOfStock => (409, "out-of-stock", "Out of stock"),
            Problem::RequestInProgress => (409, "request-in-progress", "Request in progress"),
            Problem::AlreadyRecorded => (409, "already-recorded", "Already recorded"),
            Problem::BadRecord => (422, "bad-record", "Invalid values"),
            Problem::BodyTooLarge => (413, "body-too-large", "Body too large"),
            Problem::BadAdjustment => (422, "bad-adjustment", "Invalid stock change"),
            Problem::BadEvent => (422, "bad-event", "Invalid analytics event"),
            Problem::BadNewsletter => (422, "bad-newsletter", "Invalid newsletter"),
            Problem::BadQuantity => (422, "bad-quantity", "Invalid quantity"),
            Problem::BadRefund => (422, "bad-refund", "Invalid refund"),
            Problem::BadReturn => (422, "bad-return", "Invalid return"),
            Problem::BadStatus => (422, "bad-status", "Unknown fulfilment status"),
            Problem::CartFull => (422, "cart-full", "Cart is full"),
            Problem::Discontinued => (422, "discontinued", "Product discontinued"),
            Problem::DiscountCodeUnknown => (422, "discount-code-unknown", "Unknown discount code"),
            Problem::DiscountCodeRefused => (422, "discount-code-refused", "Discount code does not apply"),
            Problem::BadDiscount => (422, "bad-discount", "Invalid discount code definition"),
            Problem::DiscountExists => (409, "discount-exists", "Discount code exists"),
            Problem::DiscountNotFound => (404, "discount-not-found", "Discount code not found"),
            Problem::EmptyCart => (422, "empty-cart", "Your cart is empty"),
            Problem::IdempotencyKeyReused => (422, "idempotency-key-reused", "Idempotency-Key reused"),
            Problem::InvalidCheckout => (422, "invalid-checkout", "Check the highlighted fields"),
            Problem::InvalidEmail => (422, "invalid-email", "Invalid email address"),
            Problem::InvalidName => (422, "invalid-name", "Invalid name"),
            Problem::PaymentMethodUnavailable => (422, "payment-method-unavailable", "Online payment is not available"),
            Problem::TrackingRequired => (422, "tracking-required", "Carrier and tracking number required"),
            Problem::UnknownSkuInRequest => (422, "unknown-sku", "Unknown SKU"),
            Problem::RateLimited => (429, "rate-limited", "Too many requests"),
            Problem::Internal => (500, "internal", "Internal error"),
            Problem::PaymentProviderError => (502, "payment-provider-error", "Payment provider error"),
            Problem::AdminDisabled => (503, "admin-disabled", "Admin API disabled"),
            Problem::RefundsUnavailable => (503, "payments-unavailable", "Refund provider unavailable"),
            Problem::OnlinePaymentUnavailable => (503, "payments-unavailable", "Online payment unavailable"),
        }
    }
}
