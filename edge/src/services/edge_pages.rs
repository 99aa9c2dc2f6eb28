//! Pages the build left to the edge (product pages, later listing pages), rendered by the
//! storefront's own components (`edgeshop_app::render`) from the build's data
//! (`build_data::edge_page`): the HTML the static build would have written for the same catalog.

use crate::error::ApiError;
use crate::http::Reply;
use worker::{Env, Response};

/// The page at `path`, or `None` when the build left no such page to the edge.
pub async fn render(env: &Env, path: &str) -> Result<Option<String>, ApiError> {
    let Some((page, site)) = crate::build_data::edge_page(env, path).await? else { return Ok(None) };
    Ok(Some(page.render(&site)))
}

/// The shop's "page not found" page (`404.html`), with status 404, as the static files answer.
pub async fn not_found(env: &Env) -> Reply {
    let html = crate::build_data::public_asset(env, "/404.html").await?;
    let mut resp = Response::from_html(html.as_str())?.with_status(404);
    crate::http::html_headers(resp.headers_mut(), &html)?;
    Ok(resp)
}
