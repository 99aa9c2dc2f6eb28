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
}

#[durable_object]
pub struct SearchStats {
    state: State,
}

impl SearchStats {
    async fn load(&self) -> Result<Vec<ZeroResultQuery>> {
        Ok(self.state.storage().get::<Vec<ZeroResultQuery>>("zero").await?.unwrap_or_default())
    }
}

impl DurableObject for SearchStats {
    fn new(state: State, _env: Env) -> Self {
        SearchStats { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.method() {
            Method::Post => {
                let r: Record = req.json().await?;
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

pub async fn record_zero_results(env: &Env, query: &str) -> std::result::Result<bool, crate::error::ApiError> {
    // As typed, in lower case and at most `MAX_QUERY_CHARS`: a long random query costs the
    // report no more than a short one.
    let query: String = query.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase().chars().take(MAX_QUERY_CHARS).collect();
    let record = Record { query, at: super::now_rfc3339() };
    super::do_call::<Record, bool>(env, "SEARCH_STATS", "shop", Method::Post, "/zero", Some(&record)).await
}

pub async fn zero_result_queries(env: &Env) -> std::result::Result<Vec<ZeroResultQuery>, crate::error::ApiError> {
    super::do_call::<(), Vec<ZeroResultQuery>>(env, "SEARCH_STATS", "shop", Method::Get, "/zero", None).await
}
