//! Idempotency keys with Stripe's semantics, one Durable Object per key:
//! same key + same request → the first response replayed; same key + different request → 422;
//! a request still running under the key → 409. Keys live at least 24 hours.

use serde::{Deserialize, Serialize};
use worker::{durable_object, DurableObject, Env, Method, Request, Response, Result, State};

const KEEP_MS: f64 = 25.0 * 3600.0 * 1000.0;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    fingerprint: String,
    response: Option<StoredResponse>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Begin {
    /// First use: go ahead, then call `finish`.
    Started,
    Replay { response: StoredResponse },
    InProgress,
    Mismatch,
}

#[derive(Debug, Serialize, Deserialize)]
struct BeginRequest {
    fingerprint: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct FinishRequest {
    /// `None` forgets the key (the request failed in a way worth retrying).
    response: Option<StoredResponse>,
}

#[durable_object]
pub struct IdempotencyKey {
    state: State,
}

impl DurableObject for IdempotencyKey {
    fn new(state: State, _env: Env) -> Self {
        IdempotencyKey { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let storage = self.state.storage();
        match req.path().as_str() {
            "/begin" => {
                let b: BeginRequest = req.json().await?;
                let outcome = match storage.get::<Record>("record").await? {
                    None => {
                        storage.put("record", Record { fingerprint: b.fingerprint, response: None }).await?;
                        storage.set_alarm(worker::ScheduledTime::new(worker::js_sys::Date::new(&((worker::Date::now().as_millis() as f64 + KEEP_MS).into())))).await?;
                        Begin::Started
                    }
                    Some(r) if r.fingerprint != b.fingerprint => Begin::Mismatch,
                    Some(Record { response: Some(response), .. }) => Begin::Replay { response },
                    Some(_) => Begin::InProgress,
                };
                Response::from_json(&outcome)
            }
            "/finish" => {
                let f: FinishRequest = req.json().await?;
                match (f.response, storage.get::<Record>("record").await?) {
                    (Some(response), Some(mut r)) => {
                        r.response = Some(response);
                        storage.put("record", r).await?;
                    }
                    _ => {
                        storage.delete("record").await?;
                    }
                }
                Response::from_json(&true)
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        self.state.storage().delete_all().await?;
        Response::ok("expired")
    }
}

pub async fn begin(env: &Env, key: &str, fingerprint: &str) -> Result<Begin> {
    super::do_call(env, "IDEMPOTENCY", key, Method::Post, "/begin", Some(&BeginRequest { fingerprint: fingerprint.into() })).await
}

pub async fn finish(env: &Env, key: &str, response: Option<StoredResponse>) -> Result<()> {
    super::do_call::<_, bool>(env, "IDEMPOTENCY", key, Method::Post, "/finish", Some(&FinishRequest { response })).await.map(|_| ())
}
