//! `/api/health`, `/api/openapi.json`, `/api/search`, `/api/search/suggest` and the search reports.

use crate::build_data::{manifest, prefetch, with_index};
use crate::error::ApiError;
use crate::http::{require_staff, Reply};
use crate::query::Query;
use crate::services::product_search::{hits_out, note_zero_results, search_error, SearchParams};
use crate::services::search_stats;
use edgeshop_api::{Health, PriceWords, RelatedProducts, SaleWords, SearchResponse, Suggestions};
use edgeshop_indexer::SearchRequest;
use serde::Serialize;
use worker::{Env, Request};

fn json<T: Serialize>(value: &T, cache: &str) -> Reply {
    crate::http::json(value, 200, cache)
}

pub async fn health(env: &Env) -> Reply {
    let m = manifest(env).await?;
    let (catalog_version, skus) = (m.version.clone(), m.skus);
    let (index_catalog_version, documents) = with_index(env, |i| Ok((i.header().catalog_version.clone(), i.num_docs()))).await?;
    let status = if catalog_version == index_catalog_version { "ok" } else { "catalog-mismatch" }.to_string();
    let (payment_methods, online_provider, payments_problem) = crate::services::payments::live(env);
    let online_provider = online_provider.map(str::to_string);
    json(&Health { status, catalog_version, index_catalog_version, documents, skus, payment_methods, online_provider, payments_problem }, "no-store")
}

/// What `/api/_bench/search` measured (development only: not part of the contract).
#[derive(Serialize)]
struct BenchTiming {
    repeat: usize,
    hits: usize,
    wasm_memory_bytes: usize,
    index_fetch_ms: u64,
}

/// `GET /api/openapi.json`: the document the build generated from the API contract (a static
/// file of this deploy, so the worker carries none of it).
pub async fn openapi(env: &Env) -> Reply {
    let doc = crate::build_data::public_asset(env, "/api/openapi.json").await?;
    let mut resp = worker::Response::ok(doc)?;
    resp.headers_mut().set("content-type", "application/json")?;
    resp.headers_mut().set("cache-control", "public, max-age=300")?;
    Ok(resp)
}

/// `GET /api/search?q=&category=&brand=&price=&option=Name:Value&sort=&page=&per_page=&facets=1`
pub async fn search(req: &Request, env: &Env, ctx: &worker::Context) -> Reply {
    let url = req.url()?;
    let params = Query::parse(url.query())?;
    let p = SearchParams::from_query(&params, 10)?;
    let facets = matches!(params.get("facets"), Some("1" | "true"));
    let (results, _) = p.run(env, facets).await?;
    if results.total == 0 && p.filters.is_empty() && results.price_words.is_none() && results.sale_words.is_none() && !p.q.trim().is_empty() {
        note_zero_results(req, env, ctx, &p.q);
    }
    let m = manifest(env).await?;
    let out = SearchResponse {
        query: p.q.clone(),
        catalog_version: m.version.clone(),
        total: results.total,
        page: p.page,
        per_page: p.per_page,
        pages: p.pages(results.total),
        sort: p.sort.as_str().to_string(),
        hits: hits_out(results.hits, &m, true),
        facets: results.facets,
        did_you_mean: results.did_you_mean,
        popular: hits_out(results.popular, &m, true),
        ignored_words: results.ignored_words,
        total_all_words: results.total_all_words,
        related: results.related.map(|r| RelatedProducts { category: r.category, category_name: r.category_name, hits: hits_out(r.hits, &m, true) }),
        price_words: results.price_words.map(|p| PriceWords { phrase: p.phrase, query: p.words, min_minor: p.range.min, max_minor: p.range.max }),
        sale_words: results.sale_words.map(|(phrase, query)| SaleWords { phrase, query }),
        gift_words: results.gift_words,
        newest_words: results.newest_words.map(|(phrase, query)| SaleWords { phrase, query }),
    };
    json(&out, "public, max-age=60")
}

/// `GET /api/search/suggest?q=&limit=`: completions of the word being typed and top products.
pub async fn suggest(req: &Request, env: &Env) -> Reply {
    let url = req.url()?;
    let params = Query::parse(url.query())?;
    let q = params.get("q").unwrap_or("");
    let limit = params.get_usize("limit", 5, 10)?;
    prefetch(env, |index| index.chunks_for_suggest(q)).await?;
    let s = with_index(env, |index| index.suggest(q, limit).map_err(search_error)).await?;
    let m = manifest(env).await?;
    json(
        &Suggestions { query: q.to_string(), completions: s.completions, products: hits_out(s.products, &m, false), ignored_words: s.ignored_words },
        "public, max-age=60",
    )
}

/// `GET /api/admin/search/zero-results`: what shoppers searched for and did not find.
pub async fn zero_results(req: &Request, env: &Env) -> Reply {
    require_staff(req, env).await?;
    let queries = search_stats::zero_result_queries(env).await?;
    json(&edgeshop_api::admin::ZeroResults { queries }, "no-store")
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
    let url = req.url()?;
    let params = Query::parse(url.query())?;
    let q = params.get("q").unwrap_or("").to_string();
    let repeat = params.get_usize("repeat", 1, 100_000)?;
    let limit = params.get_usize("limit", 10, edgeshop_indexer::MAX_LIMIT)?;
    let mut fetch_ms = 0;
    if params.get("transfer") == Some("1") {
        crate::build_data::transfer_index_only(env).await?;
    }
    if params.get("reload") == Some("1") {
        crate::build_data::forget_index();
        // The clock stands still while the isolate computes, so this is the I/O part only.
        let started = worker::Date::now().as_millis();
        crate::build_data::load_index(env).await?;
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
    json(&BenchTiming { repeat, hits: total_hits, wasm_memory_bytes, index_fetch_ms: fetch_ms }, "no-store")
}
