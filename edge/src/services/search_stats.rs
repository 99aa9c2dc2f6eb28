//! Searches that found nothing, counted by one Durable Object per shop (one writer, exact counts),
//! for the merchant's "no results" report and later analytics.

use serde::{Deserialize, Serialize};
use worker::{durable_object, DurableObject, Env, Method, Request, Response, Result, State};

/// Distinct queries kept; the least searched are forgotten beyond this.
const MAX_QUERIES: usize = 1_000;
/// Characters of a query kept in the report.
const MAX_QUERY_CHARS: usize = 80;

pub use edgeshop_api::admin::ZeroResultQuery;

#[derive(Serialize, Deserialize)]
struct Record {
    query: String,
    at: String,
    /// The searching client, hashed: one client's repeats of a query count once an hour.
    #[serde(default)]
    client: String,
}

/// (query, client) pairs counted, kept in memory for an hour at most (a client typing a query
/// again and again, or a script, does not push it up the report).
const SEEN_SECONDS: f64 = 3600.0;
const MAX_SEEN: usize = 20_000;

#[durable_object]
pub struct SearchStats {
    state: State,
    seen: std::cell::RefCell<(f64, std::collections::HashSet<(String, String)>)>,
}

impl SearchStats {
    async fn load(&self) -> Result<Vec<ZeroResultQuery>> {
        Ok(self.state.storage().get::<Vec<ZeroResultQuery>>("zero").await?.unwrap_or_default())
    }
}

impl DurableObject for SearchStats {
    fn new(state: State, _env: Env) -> Self {
        SearchStats { state, seen: Default::default() }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.method() {
            Method::Post => {
                let r: Record = req.json().await?;
                let now = worker::Date::now().as_millis() as f64 / 1000.0;
                let again = {
                    let mut seen = self.seen.borrow_mut();
                    if now - seen.0 > SEEN_SECONDS || seen.1.len() >= MAX_SEEN {
                        *seen = (now, Default::default());
                    }
                    !seen.1.insert((r.query.clone(), r.client.clone()))
                };
                if again {
                    return Response::from_json(&false);
                }
                let mut all = self.load().await?;
                match all.iter_mut().find(|q| q.query == r.query) {
                    Some(q) => {
                        q.count += 1;
                        q.last_seen = r.at;
                    }
                    None => all.push(ZeroResultQuery { query: r.query, count: 1, last_seen: r.at }),
                }
                all.sort_by(|a, b| b.count.cmp(&a.count).then(a.query.cmp(&b.query)));
                all.truncate(MAX_QUERIES);
                self.state.storage().put("zero", &all).await?;
                Response::from_json(&true)
            }
            Method::Get => Response::from_json(&self.load().await?),
            _ => Response::error("method not allowed", 405),
        }
    }
}

pub async fn record_zero_results(env: &Env, query: &str, client: &str) -> std::result::Result<bool, crate::error::ApiError> {
    // As typed, in lower case and at most `MAX_QUERY_CHARS`: a long random query costs the
    // report no more than a short one.
    let query: String = query.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase().chars().take(MAX_QUERY_CHARS).collect();
    let client = super::sha256_hex(client.as_bytes())[..16].to_string();
    let record = Record { query, at: super::now_rfc3339(), client };
    super::do_call::<Record, bool>(env, "SEARCH_STATS", "shop", Method::Post, "/zero", Some(&record)).await
}

pub async fn zero_result_queries(env: &Env) -> std::result::Result<Vec<ZeroResultQuery>, crate::error::ApiError> {
    super::do_call::<(), Vec<ZeroResultQuery>>(env, "SEARCH_STATS", "shop", Method::Get, "/zero", None).await
}
