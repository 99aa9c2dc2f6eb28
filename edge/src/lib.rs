//! The edgeshop worker: `/api/*` routes. Pages and images are static assets served before the
//! worker runs (`[assets]` in wrangler.toml), so the worker only ever sees API traffic.

mod catalog;
mod error;
mod query;
mod routes;

use error::ApiError;
use worker::{event, Context, Env, Method, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    let outcome = match (req.method(), path.as_str()) {
        (Method::Get, "/api/health") => routes::health(),
        (Method::Get, "/api/search") => routes::search(&req),
        (Method::Get, "/api/_bench/search") => routes::bench_search(&req, &env),
        (_, "/api/health" | "/api/search") => Err(ApiError::method_not_allowed("GET")),
        _ => Err(ApiError::not_found(&path)),
    };
    match outcome {
        Ok(resp) => Ok(resp),
        Err(e) => e.into_response(&path),
    }
}
