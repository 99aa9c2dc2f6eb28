//! Product search for the API and the results page: the request from a query string, run over
//! the index the worker holds, and hits as the API shows them.

use crate::build_data::{prefetch, with_index};
use crate::error::{ApiError, Problem};
use crate::query::Query;
use crate::services::search_stats;
use edgeshop_api::SearchHit;
use edgeshop_domain::{CatalogManifest, Money};
use edgeshop_indexer::{normalise, Filters, Hit, PriceRange, ProductIndex, SearchError, SearchRequest, SearchResults, Sort};
use worker::Env;

pub fn search_error(e: SearchError) -> ApiError {
    match e {
        SearchError::QueryTooLong { .. } => ApiError::new(Problem::QueryTooLong, e.to_string()),
        SearchError::TooManyTerms { .. } => ApiError::new(Problem::TooManyWords, e.to_string()),
        SearchError::BadFilter(detail) => ApiError::new(Problem::BadFilter, detail),
        SearchError::Index(detail) => ApiError::internal(detail),
    }
}

/// Hits with their URL, formatted price and image path.
/// The contract's hits; `cards`: with each product's card (listings), or without (suggestions).
pub fn hits_out(hits: Vec<Hit>, m: &CatalogManifest, cards: bool) -> Vec<SearchHit> {
    let (currency, locale) = (m.currency, &m.locale);
    hits.into_iter()
        .map(|h| SearchHit {
            url: edgeshop_domain::paths::product(&h.slug),
            price: Money::new(h.price_minor as i64, currency).format(locale),
            price_minor: h.price_minor,
            currency: currency.code().to_string(),
            // The index keeps a catalog file name (a static file under /images/) or an address.
            image: h.image.map(|i| if i.starts_with('/') { i } else { edgeshop_domain::paths::image(&i) }),
            slug: h.slug,
            title: h.title,
            score: h.score,
            card: if cards { h.card } else { None },
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
/// Characters in a filter value, at most.
const MAX_FILTER_CHARS: usize = 200;

impl SearchParams {
    pub fn from_query(params: &Query, default_per_page: usize) -> Result<Self, ApiError> {
        let q = params.get("q").unwrap_or("").to_string();
        ProductIndex::validate(&q).map_err(search_error)?;
        // Every filter is repeated in each link of the results page: with the index's bound on
        // their number, a bound on their length bounds the page (no shop has a category, brand or
        // option value this long).
        for key in ["category", "brand", "price", "option"] {
            if params.get_all(key).any(|v| v.chars().count() > MAX_FILTER_CHARS) {
                return Err(ApiError::new(Problem::BadFilter, format!("a `{key}` filter has at most {MAX_FILTER_CHARS} characters")));
            }
        }
        let mut filters = Filters {
            categories: params.get_all("category").filter(|v| !v.is_empty()).map(str::to_string).collect(),
            brands: params.get_all("brand").filter(|v| !v.is_empty()).map(str::to_string).collect(),
            ..Filters::default()
        };
        for p in params.get_all("price").filter(|v| !v.is_empty()) {
            filters.prices.push(PriceRange::parse(p).map_err(search_error)?);
        }
        for o in params.get_all("option").filter(|v| !v.is_empty()) {
            let (name, value) =
                o.split_once(':').ok_or_else(|| ApiError::new(Problem::BadFilter, format!("option `{o}` must look like `Colour:Black`")))?;
            filters.options.push((name.to_string(), value.to_string()));
        }
        let sort = match params.get("sort") {
            None | Some("") => Sort::Relevance,
            Some(s) => Sort::parse(s).map_err(search_error)?,
        };
        // `limit` is the older name of `per_page`.
        let per_page = params.get_usize("limit", default_per_page, edgeshop_indexer::MAX_LIMIT)?;
        let per_page = params.get_usize("per_page", per_page, edgeshop_indexer::MAX_LIMIT)?;
        let page = params.get_usize("page", 1, Self::last_page(per_page))?;
        Ok(SearchParams { q, filters, sort, page, per_page, all_words: params.get("match") == Some("all") })
    }

    /// The last page served at `per_page` results a page: `MAX_PAGE`, and no further than the
    /// deepest result the index serves (`MAX_OFFSET`).
    fn last_page(per_page: usize) -> usize {
        MAX_PAGE.min(edgeshop_indexer::MAX_OFFSET / per_page.max(1) + 1)
    }

    /// How many pages `total` results make, as far as they can be browsed.
    pub fn pages(&self, total: usize) -> usize {
        total.div_ceil(self.per_page).min(Self::last_page(self.per_page))
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

/// Counts a search that found nothing, once the answer has gone (the shopper does not wait for
/// it, and a failure here never fails the search).
pub fn note_zero_results(req: &worker::Request, env: &Env, ctx: &worker::Context, q: &str) {
    let normalised = normalise(q);
    if normalised.is_empty() {
        return;
    }
    let (env, client) = (env.clone(), crate::http::client_ip(req));
    ctx.wait_until(async move {
        if let Err(e) = search_stats::record_zero_results(&env, &normalised, &client).await {
            worker::console_error!("search stats: {e}");
        }
    });
}
