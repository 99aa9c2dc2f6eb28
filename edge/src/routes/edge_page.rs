//! `GET /products/{slug}/` and `GET /c/{slug}/page/{n}/` for the pages a build left to the edge
//! (a shop with more pages than its plan's static files): static pages are served before the
//! worker runs, so only those reach it. Rendered from the build's data with the static build's
//! components, then kept in the edge cache under the catalog version: a new deploy's pages are
//! rendered anew.

use crate::http::Reply;
use crate::services::edge_pages;
use worker::{Cache, Env, Request, Response};

/// What browsers may keep: the same as for the static pages (always revalidate).
const BROWSER_CACHE: &str = "public, max-age=0, must-revalidate";

pub async fn product(req: &Request, env: &Env, slug: &str) -> Reply {
    if !plain_word(slug) {
        return edge_pages::not_found(env).await;
    }
    render(req, env, &edgeshop_domain::paths::product(slug)).await
}

pub async fn listing(req: &Request, env: &Env, slug: &str, page: &str) -> Reply {
    // Page 1 is the category's own address (`/c/{slug}/`), always a static file; "02" and "+2"
    // are no page (one address per page).
    let canonical = !page.is_empty() && page.len() <= 9 && page.bytes().all(|b| b.is_ascii_digit()) && !page.starts_with('0');
    match page.parse::<usize>() {
        Ok(n) if canonical && n > 1 && plain_word(slug) => render(req, env, &edgeshop_domain::paths::category(slug, n)).await,
        _ => edge_pages::not_found(env).await,
    }
}

/// Slugs are plain words (the catalog's rule); anything else is no page, and names no cache key.
fn plain_word(slug: &str) -> bool {
    !slug.is_empty() && slug.len() <= 200 && slug.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// The page at `path` (canonical, with its trailing slash).
async fn render(req: &Request, env: &Env, path: &str) -> Reply {
    let url = req.url()?;
    if !url.path().ends_with('/') {
        // As the static pages: one address per page.
        let mut to = url.clone();
        to.set_path(path);
        return Ok(Response::redirect_with_status(to, 307)?);
    }
    let version = crate::build_data::manifest(env).await?.version.clone();
    let key = format!("{}://{}{path}?catalog={version}", url.scheme(), url.host_str().unwrap_or("shop"));
    let cache = Cache::default();
    if let Some(hit) = cache.get(key.as_str(), false).await? {
        // A cached response's headers are immutable: the page goes into a new one.
        return page(&crate::http::response_text(hit).await?, "cache");
    }
    let Some(html) = edge_pages::render(env, path).await? else {
        return edge_pages::not_found(env).await;
    };
    let mut cached = page(&html, "rendered")?;
    // The key names the catalog version: what is cached never goes stale.
    cached.headers_mut().set("cache-control", "public, max-age=0, s-maxage=31536000")?;
    cache.put(key.as_str(), cached).await?;
    page(&html, "rendered")
}

/// The page's response; `x-edgeshop-render` says whether it was rendered now or came from the
/// edge cache (`cache`).
fn page(html: &str, how: &str) -> Reply {
    let mut resp = Response::from_html(html)?;
    crate::http::html_headers(resp.headers_mut(), html)?;
    resp.headers_mut().set("cache-control", BROWSER_CACHE)?;
    resp.headers_mut().set("x-edgeshop-render", how)?;
    Ok(resp)
}
