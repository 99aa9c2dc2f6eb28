//! Health and search.

use crate::catalog::{manifest, prefetch, with_index};
use crate::error::ApiError;
use crate::query::Query;
use edgeshop_domain::{CatalogManifest, Money};
use crate::services::search_stats;
use edgeshop_indexer::{normalise, Facets, Filters, Hit, PriceRange, ProductIndex, SearchError, SearchRequest, SearchResults, Sort};
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
    /// The payment methods checkout accepts here, and the online provider behind `online`.
    payment_methods: Vec<&'static str>,
    online_provider: Option<&'static str>,
    /// Why online payment is off although a provider is partly configured (names the setting).
    #[serde(skip_serializing_if = "Option::is_none")]
    payments_problem: Option<String>,
}

pub async fn health(env: &Env) -> Reply {
    let m = manifest(env).await?;
    let (catalog_version, skus) = (m.version.clone(), m.skus);
    let (index_catalog_version, documents) = with_index(env, |i| Ok((i.header().catalog_version.clone(), i.num_docs()))).await?;
    let status = if catalog_version == index_catalog_version { "ok" } else { "catalog-mismatch" };
    let (payment_methods, online_provider, payments_problem) = crate::services::payments::live(env);
    json(&Health { status, catalog_version, index_catalog_version, documents, skus, payment_methods, online_provider, payments_problem }, "no-store")
}

#[derive(Serialize)]
pub struct SearchHitOut {
    pub slug: String,
    pub title: String,
    pub url: String,
    pub price: String,
    pub price_minor: u64,
    pub currency: String,
    pub image: Option<String>,
    pub score: f32,
}

#[derive(Serialize)]
pub struct SearchOut {
    pub query: String,
    pub catalog_version: String,
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub pages: usize,
    pub sort: &'static str,
    pub hits: Vec<SearchHitOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub popular: Vec<SearchHitOut>,
    /// Words left out because fewer than a page of products matched them all (`match=all` keeps every word).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored_words: Vec<String>,
    /// Products matching every word.
    pub total_all_words: usize,
}

fn search_error(e: SearchError) -> ApiError {
    match e {
        SearchError::QueryTooLong { .. } => ApiError::bad_request("query-too-long", "Query too long", e.to_string()),
        SearchError::TooManyTerms { .. } => ApiError::bad_request("query-too-long", "Too many words", e.to_string()),
        SearchError::BadFilter(detail) => ApiError::bad_request("bad-filter", "Invalid search filter", detail),
        SearchError::Index(detail) => ApiError::internal(detail),
    }
}

fn hits_out(hits: Vec<Hit>, m: &CatalogManifest) -> Vec<SearchHitOut> {
    let (currency, locale) = (m.currency, &m.locale);
    hits
        .into_iter()
        .map(|h| SearchHitOut {
            url: format!("/products/{}/", h.slug),
            price: Money::new(h.price_minor as i64, currency).format(locale),
            price_minor: h.price_minor,
            currency: currency.code().to_string(),
            image: h.image.map(|i| format!("/images/{i}")),
            slug: h.slug,
            title: h.title,
            score: h.score,
        })
        .collect()
}

/// Query, filters, sort and page from the query string (shared by the API and the HTML page).
pub struct SearchParams {
    pub q: String,
    pub filters: Filters,
    pub sort: Sort,
    pub page: usize,
    pub per_page: usize,
    /// `match=all`: only products matching every word.
    pub all_words: bool,
}

pub const MAX_PAGE: usize = 200;

impl SearchParams {
    pub fn from_query(params: &Query, default_per_page: usize) -> Result<Self, ApiError> {
        let q = params.get("q").unwrap_or("").to_string();
        ProductIndex::validate(&q).map_err(search_error)?;
        let mut filters = Filters {
            categories: params.get_all("category").filter(|v| !v.is_empty()).map(str::to_string).collect(),
            brands: params.get_all("brand").filter(|v| !v.is_empty()).map(str::to_string).collect(),
            ..Filters::default()
        };
        for p in params.get_all("price").filter(|v| !v.is_empty()) {
            filters.prices.push(PriceRange::parse(p).map_err(search_error)?);
        }
        for o in params.get_all("option").filter(|v| !v.is_empty()) {
            let (name, value) = o.split_once(':').ok_or_else(|| {
                ApiError::bad_request("bad-filter", "Invalid search filter", format!("option `{o}` must look like `Colour:Black`"))
            })?;
            filters.options.push((name.to_string(), value.to_string()));
        }
        let sort = match params.get("sort") {
            None | Some("") => Sort::Relevance,
            Some(s) => Sort::parse(s).map_err(search_error)?,
        };
        Ok(SearchParams {
            q,
            filters,
            sort,
            page: params.get_usize("page", 1, MAX_PAGE)?,
            per_page: params.get_usize("per_page", default_per_page, edgeshop_indexer::MAX_LIMIT)?,
            all_words: params.get("match") == Some("all"),
        })
    }

    pub async fn run(&self, env: &Env, facets: bool) -> Result<(SearchResults, SearchRequest<'_>), ApiError> {
        let req = SearchRequest {
            query: &self.q,
            filters: self.filters.clone(),
            sort: self.sort,
            offset: (self.page - 1) * self.per_page,
            limit: self.per_page,
            facets,
            all_words: self.all_words,
        };
        prefetch(env, |index| index.chunks_for_search(&req)).await?;
        let results = with_index(env, |index| index.search(&req).map_err(search_error)).await?;
        Ok((results, req))
    }
}

/// Counts a search that found nothing; a failure here never fails the search.
pub async fn note_zero_results(env: &Env, q: &str) {
    let normalised = normalise(q);
    if normalised.is_empty() {
        return;
    }
    if let Err(e) = search_stats::record_zero_results(env, &normalised).await {
        worker::console_error!("search stats: {e}");
    }
}

/// `GET /api/search?q=&category=&brand=&price=&option=Name:Value&sort=&page=&per_page=&facets=1`
pub async fn search(req: &Request, env: &Env) -> Reply {
    let url = req.url().map_err(|e| ApiError::internal(e.to_string()))?;
    let params = Query::parse(url.query())?;
    let p = SearchParams::from_query(&params, 10)?;
    // `limit` is the older name of `per_page`.
    let p = SearchParams { per_page: params.get_usize("limit", p.per_page, edgeshop_indexer::MAX_LIMIT)?, ..p };
    let facets = matches!(params.get("facets"), Some("1" | "true"));
    let (results, _) = p.run(env, facets).await?;
    if results.total == 0 && p.filters.is_empty() && !p.q.trim().is_empty() {
        note_zero_results(env, &p.q).await;
    }
    let m = manifest(env).await?;
    let out = SearchOut {
        query: p.q.clone(),
        catalog_version: m.version.clone(),
        total: results.total,
        page: p.page,
        per_page: p.per_page,
        pages: results.total.div_ceil(p.per_page),
        sort: p.sort.as_str(),
        hits: hits_out(results.hits, &m),
        facets: results.facets,
        did_you_mean: results.did_you_mean,
        popular: hits_out(results.popular, &m),
        ignored_words: results.ignored_words,
        total_all_words: results.total_all_words,
    };
    json(&out, "public, max-age=60")
}

#[derive(Serialize)]
struct SuggestOut {
    query: String,
    completions: Vec<String>,
    products: Vec<SearchHitOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ignored_words: Vec<String>,
}

/// `GET /api/search/suggest?q=&limit=`: completions of the word being typed and top products.
pub async fn suggest(req: &Request, env: &Env) -> Reply {
    let url = req.url().map_err(|e| ApiError::internal(e.to_string()))?;
    let params = Query::parse(url.query())?;
    let q = params.get("q").unwrap_or("");
    let limit = params.get_usize("limit", 5, 10)?;
    prefetch(env, |index| index.chunks_for_suggest(q)).await?;
    let s = with_index(env, |index| index.suggest(q, limit).map_err(search_error)).await?;
    let m = manifest(env).await?;
    json(&SuggestOut { query: q.to_string(), completions: s.completions, products: hits_out(s.products, &m), ignored_words: s.ignored_words }, "public, max-age=60")
}

/// `GET /api/admin/search/zero-results`: what shoppers searched for and did not find.
pub async fn zero_results(req: &Request, env: &Env) -> Reply {
    crate::routes::admin::authorize(req, env)?;
    let queries = search_stats::zero_result_queries(env).await.map_err(|e| ApiError::internal(e.to_string()))?;
    json(&serde_json::json!({ "queries": queries }), "no-store")
}

/// `GET /api/_bench/search?q=&repeat=N[&reload=1|&transfer=1]`: runs the same search N times in
/// the isolate, so that a benchmark can take in-worker query time as a difference of two round
/// trips (Workers clocks do not advance during CPU work). `reload=1` first drops the index, so the
/// request also fetches and opens it (a cold open), and reports the fetch time by the worker's own
/// clock; `transfer=1` first fetches the index parts without copying or opening them (the
/// platform's share of a cold open). Only answers when the `EDGESHOP_BENCH` variable is "1".
pub async fn bench_search(req: &Request, env: &Env) -> Reply {
    if env.var("EDGESHOP_BENCH").map(|v| v.to_string()).ok().as_deref() != Some("1") {
        return Err(ApiError::not_found("/api/_bench/search"));
    }
    let url = req.url().map_err(|e| ApiError::internal(e.to_string()))?;
    let params = Query::parse(url.query())?;
    let q = params.get("q").unwrap_or("").to_string();
    let repeat = params.get_usize("repeat", 1, 100_000)?;
    let limit = params.get_usize("limit", 10, edgeshop_indexer::MAX_LIMIT)?;
    let mut fetch_ms = 0;
    if params.get("transfer") == Some("1") {
        crate::catalog::transfer_index_only(env).await?;
    }
    if params.get("reload") == Some("1") {
        crate::catalog::forget_index();
        // The clock stands still while the isolate computes, so this is the I/O part only.
        let started = worker::Date::now().as_millis();
        crate::catalog::load_index(env).await?;
        fetch_ms = worker::Date::now().as_millis() - started;
    }
    prefetch(env, |index| index.chunks_for_search(&SearchRequest::new(&q, limit))).await?;
    let total_hits = with_index(env, |index| {
        let mut n = 0;
        for _ in 0..repeat {
            n += index.search(&SearchRequest::new(&q, limit)).map_err(search_error)?.hits.len();
        }
        Ok(n)
    })
    .await?;
    // The isolate's wasm linear memory (index blob, parsed shards, heap): the bulk of its memory.
    #[cfg(target_arch = "wasm32")]
    let wasm_memory_bytes = core::arch::wasm32::memory_size(0) * 65536;
    #[cfg(not(target_arch = "wasm32"))]
    let wasm_memory_bytes = 0usize;
    json(&serde_json::json!({ "repeat": repeat, "hits": total_hits, "wasm_memory_bytes": wasm_memory_bytes, "index_fetch_ms": fetch_ms }), "no-store")
}
