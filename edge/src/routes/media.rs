//! `/media/{hash}/{name}`: product images from R2, cacheable for a year (the address names the
//! content), kept in the edge cache; and the back office's upload of the build's media store.

use crate::error::{ApiError, Problem};
use crate::http::{body_bytes_max, json, require_owner, require_staff, Reply};
use crate::query::Query;
use crate::services::media;
use worker::{Cache, Env, Request, Response, ResponseBody};

const FOREVER: &str = "public, max-age=31536000, immutable";

pub async fn get(req: &Request, env: &Env, hash: &str, name: &str) -> Reply {
    let key = media::key(hash, name)?;
    let cache = Cache::default();
    // Cached by the image's address alone: a query string does not make a new copy.
    let mut url = req.url()?;
    url.set_query(None);
    url.set_fragment(None);
    let url = url.to_string();
    if let Some(hit) = cache.get(url.as_str(), false).await? {
        return not_modified(req, hit);
    }
    let Some(object) = media::get(env, &key).await? else {
        return Err(ApiError::new(Problem::NotFound, format!("no image at /media/{key}")));
    };
    let etag = object.http_etag();
    let body = object.body().map(|b| b.response_body()).transpose()?.unwrap_or(ResponseBody::Empty);
    let mut resp = Response::from_body(body)?;
    let headers = resp.headers_mut();
    headers.set("content-type", media::content_type(name).unwrap_or("application/octet-stream"))?;
    headers.set("cache-control", FOREVER)?;
    headers.set("etag", &etag)?;
    headers.set("x-content-type-options", "nosniff")?;
    // A merchant's SVG opened on its own runs nothing in the shop's origin.
    headers.set("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")?;
    cache.put(url.as_str(), resp.cloned()?).await?;
    not_modified(req, resp)
}

/// `304 Not Modified` when the request already has this version (`If-None-Match`), else `resp`.
fn not_modified(req: &Request, resp: Response) -> Reply {
    let etag = resp.headers().get("etag")?.unwrap_or_default();
    let asked = crate::http::header(req, "if-none-match").unwrap_or_default();
    let matches = !etag.is_empty() && asked.split(',').any(|t| t.trim().trim_start_matches("W/") == etag.trim_start_matches("W/") || t.trim() == "*");
    if !matches {
        return Ok(resp);
    }
    let mut same = Response::empty()?.with_status(304);
    for name in ["etag", "cache-control"] {
        if let Some(value) = resp.headers().get(name)? {
            same.headers_mut().set(name, &value)?;
        }
    }
    Ok(same)
}

/// `GET /api/admin/media?cursor=`: a page of the keys in R2.
pub async fn list(req: &Request, env: &Env) -> Reply {
    require_staff(req, env).await?;
    let url = req.url()?;
    let params = Query::parse(url.query())?;
    let (keys, cursor) = media::list(env, params.get("cursor").map(str::to_string)).await?;
    json(&serde_json::json!({ "keys": keys, "cursor": cursor }), 200, "no-store")
}

/// `POST /api/admin/media/{hash}/{name}` (owners): stores the body in R2, once: an address names
/// its content (the original's hash) and is cached for a year, so a stored image is never replaced
/// (409). Renderings share their original's hash, so the bytes cannot be checked against it: only
/// an owner (`cargo xtask`'s upload to a local shop) may store, so no member of staff can plant
/// other bytes at an address a coming build will use. Each upload is in the audit log.
pub async fn upload(req: &mut Request, env: &Env, hash: &str, name: &str) -> Reply {
    let who = require_owner(req, env).await?;
    let key = media::key(hash, name)?;
    if media::exists(env, &key).await? {
        return Err(ApiError::new(Problem::MediaExists, format!("/media/{key} is stored already; a changed image gets a new address")));
    }
    let bytes = body_bytes_max(req, media::MAX_BYTES).await?;
    if !media::looks_like(name, &bytes) {
        let kind = media::content_type(name).unwrap_or("an image");
        return Err(ApiError::new(Problem::BadParameter, format!("the body is not {kind} as `{name}` says (empty, or another format)")));
    }
    let size = bytes.len();
    media::put(env, &key, bytes).await?;
    crate::services::staff::audit(env, &who, "media.upload", &format!("media:{key}"), serde_json::Value::Null, serde_json::json!({ "bytes": size }))
        .await?;
    json(&serde_json::json!({ "key": key }), 201, "no-store")
}
