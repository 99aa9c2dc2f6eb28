//! Health and search.

use crate::catalog::{with_index, with_snapshot};
use crate::error::ApiError;
use crate::query::Query;
use edgeshop_domain::Money;
use edgeshop_indexer::{ProductIndex, SearchError, SearchRequest};
use serde::Serialize;
use crate::http::Reply;
use worker::{Env, Request};

fn json<T: Serialize>(value: &T, cache: &str) -> Reply {
    crate::http::json(value, 200, cache)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    catalog_version: String,
    index_catalog_version: String,
    documents: u64,
    skus: usize,
}

pub fn health() -> Reply {
    let (catalog_version, skus) = with_snapshot(|s| (s.version.clone(), s.entries.len()))?;
    let (index_catalog_version, documents) = with_index(|i| Ok((i.header().catalog_version.clone(), i.num_docs())))?;
    let status = if catalog_version == index_catalog_version { "ok" } else { "catalog-mismatch" };
    json(&Health { status, catalog_version, index_catalog_version, documents, skus }, "no-store")
}

#[derive(Serialize)]
struct SearchHitOut {
    slug: String,
    title: String,
    url: String,
    price: String,
    price_minor: u64,
    currency: String,
    image: Option<String>,
    score: f32,
}

#[derive(Serialize)]
struct SearchOut {
    query: String,
    catalog_version: String,
    hits: Vec<SearchHitOut>,
}

fn search_error(e: SearchError) -> ApiError {
    match e {
        SearchError::QueryTooLong { .. } => ApiError::bad_request("query-too-long", "Query too long", e.to_string()),
        SearchError::TooManyTerms { .. } => ApiError::bad_request("query-too-long", "Too many words", e.to_string()),
        SearchError::Index(detail) => ApiError::internal(detail),
    }
}

/// `GET /api/search?q=&limit=`
pub fn search(req: &Request) -> Reply {
    let url = req.url().map_err(|e| ApiError::internal(e.to_string()))?;
    let params = Query::parse(url.query())?;
    let q = params.get("q").unwrap_or("");
    ProductIndex::validate(q).map_err(search_error)?;
    let limit = params.get_usize("limit", 10, edgeshop_indexer::MAX_LIMIT)?;
    let hits = with_index(|index| index.search(&SearchRequest { query: q, limit }).map_err(search_error))?;
    let (currency, locale, version) = with_snapshot(|s| (s.currency, s.locale.clone(), s.version.clone()))?;
    let hits = hits
        .into_iter()
        .map(|h| SearchHitOut {
            url: format!("/products/{}/", h.slug),
            price: Money::new(h.price_minor as i64, currency).format(&locale),
            price_minor: h.price_minor,
            currency: currency.code().to_string(),
            image: h.image.map(|i| format!("/images/{i}")),
            slug: h.slug,
            title: h.title,
            score: h.score,
        })
        .collect();
    json(&SearchOut { query: q.to_string(), catalog_version: version, hits }, "public, max-age=60")
}

/// `GET /api/_bench/search?q=&repeat=N`: runs the same search N times in the isolate, so that a
/// benchmark can take in-worker query time as a difference of two round trips (Workers clocks do
/// not advance during CPU work). Only answers when the `EDGESHOP_BENCH` variable is "1".
pub fn bench_search(req: &Request, env: &Env) -> Reply {
    if env.var("EDGESHOP_BENCH").map(|v| v.to_string()).ok().as_deref() != Some("1") {
        return Err(ApiError::not_found("/api/_bench/search"));
    }
    let url = req.url().map_err(|e| ApiError::internal(e.to_string()))?;
    let params = Query::parse(url.query())?;
    let q = params.get("q").unwrap_or("").to_string();
    let repeat = params.get_usize("repeat", 1, 100_000)?;
    let limit = params.get_usize("limit", 10, edgeshop_indexer::MAX_LIMIT)?;
    let total_hits = with_index(|index| {
        let mut n = 0;
        for _ in 0..repeat {
            n += index.search(&SearchRequest { query: &q, limit }).map_err(search_error)?.len();
        }
        Ok(n)
    })?;
    json(&serde_json::json!({ "repeat": repeat, "hits": total_hits }), "no-store")
}
