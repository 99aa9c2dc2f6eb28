//! Checkout idempotency, one Durable Object per cart (keys are scoped to the cart).
//!
//! Stripe's semantics per key: same key + same request → the first answer replayed; same key +
//! different request → 422; a request still running under the key → 409. Beyond Stripe:
//! - the record holds the order number (and its token) from the moment it is allocated, so a retry
//!   after any failure finishes that same order instead of making a second one;
//! - a request that died mid-way holds its key only for a lease; a retry after that takes over;
//! - one object per cart makes "one cart, one order" a single-writer decision: once a key owns the
//!   cart's checkout, other keys get `CartTaken` (with the order number when there is one).
//!
//! Everything lives at least 24 hours after the cart's last checkout attempt.

use serde::{Deserialize, Serialize};
use worker::{durable_object, DurableObject, Env, Method, Request, Response, Result, State};

const KEEP_MS: f64 = 25.0 * 3600.0 * 1000.0;
/// How long a running checkout holds its key; a checkout takes well under a second.
pub const LEASE_MS: f64 = 15_000.0;

/// The answer a key is bound to, replayed to a retry with the same request.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl StoredResponse {
    pub fn json(status: u16, body: String) -> Self {
        StoredResponse { status, content_type: "application/json".into(), body }
    }

    /// A refusal (4xx) as its problem document for `instance`.
    pub fn problem(e: &crate::error::ApiError, instance: &str) -> Self {
        StoredResponse { status: e.status, content_type: "application/problem+json".into(), body: e.body(instance, None) }
    }

    /// The HTTP response, never cached, marked `idempotent-replayed` when it repeats the answer
    /// an earlier request with the same key got.
    pub fn to_response(&self, replayed: bool) -> Result<Response> {
        let mut resp = Response::ok(self.body.clone())?.with_status(self.status);
        resp.headers_mut().set("content-type", &self.content_type)?;
        resp.headers_mut().set("cache-control", "no-store")?;
        if replayed {
            resp.headers_mut().set("idempotent-replayed", "true")?;
        }
        Ok(resp)
    }
}

/// A well-formed idempotency key: 1-255 letters, digits or `-_.:+/=~`.
pub fn valid_key(key: &str) -> bool {
    // Letters, digits and the punctuation of UUIDs, base64 and timestamps: a key is echoed into the
    // checkout form, so nothing HTML gives a meaning to.
    !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:+/=~".contains(&b))
}

/// A JSON body as a key is bound to it: its values, not its spelling (spaces and the order of
/// its fields are not a different request, as Stripe compares parameters); a body that is not
/// JSON as it is.
pub fn canonical_body(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body).map_or_else(|_| body.to_string(), |v| v.to_string())
}

/// What a key is bound to: the lower-case hex SHA-256 of a request's parts, a NUL between them.
pub fn fingerprint(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h.update([0]);
        }
        h.update(part.as_bytes());
    }
    edgeshop_domain::text::hex(&h.finalize())
}

/// The order a checkout allocated (number and access token).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Allocated {
    pub number: u64,
    pub token: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    fingerprint: String,
    response: Option<StoredResponse>,
    order: Option<Allocated>,
    lease_until_ms: f64,
    attempts: u32,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Begin {
    /// Go ahead (attempt 1 is the first), then call `finish`. `order` is set when an earlier
    /// attempt already allocated the order: finish that one.
    Started {
        attempt: u32,
        order: Option<Allocated>,
    },
    Replay {
        response: StoredResponse,
    },
    InProgress,
    /// The key answered another request. `order`: the order that request placed, if it did.
    Mismatch {
        #[serde(default)]
        order: Option<u64>,
    },
    /// Another key owns this cart's checkout.
    CartTaken {
        order_number: Option<u64>,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct BeginRequest {
    key: String,
    fingerprint: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct AllocateRequest {
    key: String,
    order: Allocated,
}

#[derive(Debug, Serialize, Deserialize)]
struct ReleaseRequest {
    key: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct FinishRequest {
    key: String,
    /// `None`: the attempt failed in a way worth retrying (the key stays, its lease ends now).
    response: Option<StoredResponse>,
}

fn record_key(key: &str) -> String {
    format!("key:{key}")
}

#[durable_object]
pub struct IdempotencyKey {
    state: State,
}

impl IdempotencyKey {
    async fn begin(&self, b: BeginRequest) -> Result<Begin> {
        let storage = self.state.storage();
        let now = worker::Date::now().as_millis() as f64;
        if let Some(mut r) = storage.get::<Record>(&record_key(&b.key)).await? {
            if r.fingerprint != b.fingerprint {
                let placed = r.response.as_ref().is_some_and(|answer| answer.status < 300);
                return Ok(Begin::Mismatch { order: r.order.as_ref().filter(|_| placed).map(|a| a.number) });
            }
            if let Some(response) = r.response {
                return Ok(Begin::Replay { response });
            }
            if r.lease_until_ms > now {
                return Ok(Begin::InProgress);
            }
            if r.order.is_none() {
                if let Some(taken) = self.taken_by_other(&b.key, now).await? {
                    return Ok(taken);
                }
            }
            r.lease_until_ms = now + LEASE_MS;
            r.attempts += 1;
            let outcome = Begin::Started { attempt: r.attempts, order: r.order.clone() };
            storage.put(&record_key(&b.key), r).await?;
            storage.put("owner", &b.key).await?;
            return Ok(outcome);
        }
        if let Some(taken) = self.taken_by_other(&b.key, now).await? {
            return Ok(taken);
        }
        let r = Record { fingerprint: b.fingerprint, response: None, order: None, lease_until_ms: now + LEASE_MS, attempts: 1 };
        storage.put(&record_key(&b.key), r).await?;
        storage.put("owner", &b.key).await?;
        storage.set_alarm(worker::ScheduledTime::new(worker::js_sys::Date::new(&((now + KEEP_MS).into())))).await?;
        Ok(Begin::Started { attempt: 1, order: None })
    }

    /// `CartTaken` when another key owns the cart's checkout: it placed (or is placing) an order,
    /// or it is still running.
    async fn taken_by_other(&self, key: &str, now: f64) -> Result<Option<Begin>> {
        let storage = self.state.storage();
        let Some(owner) = storage.get::<String>("owner").await? else { return Ok(None) };
        if owner == key {
            return Ok(None);
        }
        let Some(r) = storage.get::<Record>(&record_key(&owner)).await? else { return Ok(None) };
        let succeeded = r.response.as_ref().is_some_and(|resp| resp.status < 300);
        if r.order.is_some() || succeeded || r.lease_until_ms > now {
            return Ok(Some(Begin::CartTaken { order_number: r.order.map(|o| o.number) }));
        }
        Ok(None)
    }

    /// Forgets a key whose request was refused for what it says before anything was allocated:
    /// it binds nothing, and the corrected request may use it. A key with an answer or an order
    /// is kept.
    async fn release(&self, k: ReleaseRequest) -> Result<bool> {
        let storage = self.state.storage();
        let Some(r) = storage.get::<Record>(&record_key(&k.key)).await? else { return Ok(false) };
        if r.response.is_some() || r.order.is_some() {
            return Ok(false);
        }
        storage.delete(&record_key(&k.key)).await?;
        if storage.get::<String>("owner").await?.as_deref() == Some(k.key.as_str()) {
            storage.delete("owner").await?;
        }
        Ok(true)
    }

    async fn allocate(&self, a: AllocateRequest) -> Result<bool> {
        let storage = self.state.storage();
        let Some(mut r) = storage.get::<Record>(&record_key(&a.key)).await? else { return Ok(false) };
        if r.order.is_none() {
            r.order = Some(a.order);
            storage.put(&record_key(&a.key), r).await?;
        }
        Ok(true)
    }

    async fn finish(&self, f: FinishRequest) -> Result<bool> {
        let storage = self.state.storage();
        let Some(mut r) = storage.get::<Record>(&record_key(&f.key)).await? else { return Ok(false) };
        r.lease_until_ms = 0.0;
        match f.response {
            // A stored answer is never replaced: a slow first attempt cannot undo its retry.
            Some(response) if r.response.is_none() => {
                let failed = response.status >= 300;
                r.response = Some(response);
                if failed {
                    // A refused checkout (empty cart, out of stock) ordered nothing:
                    // the cart is free for another checkout.
                    if storage.get::<String>("owner").await?.as_deref() == Some(f.key.as_str()) {
                        storage.delete("owner").await?;
                    }
                }
            }
            _ => {}
        }
        storage.put(&record_key(&f.key), r).await?;
        Ok(true)
    }
}

impl DurableObject for IdempotencyKey {
    fn new(state: State, _env: Env) -> Self {
        IdempotencyKey { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/begin" => Response::from_json(&self.begin(req.json().await?).await?),
            "/allocate" => Response::from_json(&self.allocate(req.json().await?).await?),
            "/finish" => Response::from_json(&self.finish(req.json().await?).await?),
            "/release" => Response::from_json(&self.release(req.json().await?).await?),
            // True the first time it is asked (test-only fault switches that fire once).
            "/once" => {
                let storage = self.state.storage();
                let first = storage.get::<bool>("once").await?.is_none();
                if first {
                    storage.put("once", true).await?;
                    let now = worker::Date::now().as_millis() as f64;
                    storage.set_alarm(worker::ScheduledTime::new(worker::js_sys::Date::new(&((now + KEEP_MS).into())))).await?;
                }
                Response::from_json(&first)
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        self.state.storage().delete_all().await?;
        Response::ok("expired")
    }
}

/// The checkout guard of one cart (or, without a cart, of one key).
pub struct Guard<'a> {
    env: &'a Env,
    object: String,
    key: String,
}

impl<'a> Guard<'a> {
    pub fn new(env: &'a Env, cart: Option<&str>, key: &str) -> Self {
        let object = match cart {
            Some(c) => format!("cart:{c}"),
            None => format!("key:{key}"),
        };
        Guard { env, object, key: key.to_string() }
    }

    /// The guard of `key` in its own object named `scope` (one request's key, not a cart's).
    pub fn scoped(env: &'a Env, scope: String, key: &str) -> Self {
        Guard { env, object: scope, key: key.to_string() }
    }

    pub async fn begin(&self, fingerprint: &str) -> std::result::Result<Begin, crate::error::ApiError> {
        let body = BeginRequest { key: self.key.clone(), fingerprint: fingerprint.into() };
        super::do_call(self.env, "IDEMPOTENCY", &self.object, Method::Post, "/begin", Some(&body)).await
    }

    pub async fn allocate(&self, order: Allocated) -> std::result::Result<(), crate::error::ApiError> {
        let body = AllocateRequest { key: self.key.clone(), order };
        super::do_call::<_, bool>(self.env, "IDEMPOTENCY", &self.object, Method::Post, "/allocate", Some(&body)).await.map(|_| ())
    }

    /// See [`IdempotencyKey::release`].
    pub async fn release(&self) -> std::result::Result<(), crate::error::ApiError> {
        let body = ReleaseRequest { key: self.key.clone() };
        super::do_call::<_, bool>(self.env, "IDEMPOTENCY", &self.object, Method::Post, "/release", Some(&body)).await.map(|_| ())
    }

    pub async fn finish(&self, response: Option<StoredResponse>) -> std::result::Result<(), crate::error::ApiError> {
        let body = FinishRequest { key: self.key.clone(), response };
        super::do_call::<_, bool>(self.env, "IDEMPOTENCY", &self.object, Method::Post, "/finish", Some(&body)).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::{canonical_body, fingerprint, valid_key};

    #[test]
    fn keys_are_ids_never_markup() {
        for good in ["0f7c1c2e-9b1d-4c3a-8f00-3a3b9c1d2e4f", "order_2026-12-04T10:00:00", "a+b/c=="] {
            assert!(valid_key(good), "{good}");
        }
        for bad in ["", "x\"><script>alert(1)</script>", "a b", "it's", "<", "&amp;", "é", &"k".repeat(256)] {
            assert!(!valid_key(bad), "{bad}");
        }
    }

    #[test]
    fn fingerprints_keep_the_parts_apart() {
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
        assert_eq!(fingerprint(&["{}"]).len(), 64);
        assert_eq!(canonical_body("{ \"b\": 1,\n \"a\": [1, 2] }"), canonical_body(r#"{"a":[1,2],"b":1}"#), "spaces and order");
        assert_ne!(canonical_body(r#"{"a":1}"#), canonical_body(r#"{"a":2}"#));
        assert_eq!(canonical_body("not json"), "not json");
    }
}
