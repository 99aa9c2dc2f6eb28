//! The edgeshop worker: `/api/*` and the test payment provider's page (`/pay/*`). Pages and images
//! are static assets served before the worker runs (`[assets]` in wrangler.toml).

mod catalog;
mod error;
#[cfg(test)]
mod fuzz;
mod http;
mod query;
mod routes;
mod services;

pub use services::idempotency::IdempotencyKey;
pub use services::rate_limit::RateLimiter;
pub use services::search_stats::SearchStats;
pub use services::sequence::OrderSequence;
pub use services::stock::StockLedger;

use crate::error::Problem;
use error::ApiError;
use routes::{admin, analytics, availability, cart, checkout, orders, payments, rate_limit, search, search_page, staff, subscriptions};
use services::events::{self, OrderEvent};
use services::ops;
use services::rate_limit::Limit;
use worker::{event, Context, Env, MessageBatch, Method, Request, Response, Result};

/// The OpenAPI 3.1 description of every route below (kept in sync by tests/tests/commerce.rs).
const OPENAPI: &str = include_str!("openapi.json");

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, ctx: Context) -> Result<Response> {
    let path = req.path();
    // Cloudflare's ray id names the request in its logs; locally, a random one.
    let request_id = http::header(&req, "cf-ray").unwrap_or_else(|| services::random_id(12));
    let started = worker::Date::now().as_millis();
    let outcome = route(&mut req, &env, &path).await;
    let status = match &outcome {
        Ok(r) => r.status_code(),
        Err(e) => e.status,
    };
    let ms = worker::Date::now().as_millis() - started;
    let method = req.method().to_string();
    let route_name = ops::route_name(&method, &path, status);
    // One structured log line per request (Workers Logs / `wrangler tail`).
    worker::console_log!(
        "{}",
        serde_json::json!({ "request_id": request_id, "method": method, "path": path, "route": route_name, "status": status, "ms": ms })
    );
    // Per-route counts for the health page, written after the response now and then.
    ops::record(&route_name, status, ms);
    if let Some(due) = ops::take_due(false) {
        ctx.wait_until(async move { ops::flush(&env, due).await });
    }
    let mut resp = match outcome {
        Ok(resp) => resp,
        Err(e) => return e.into_response(&path, &request_id),
    };
    let _ = resp.headers_mut().set("x-request-id", &request_id);
    Ok(resp)
}

async fn route(req: &mut Request, env: &Env, path: &str) -> std::result::Result<Response, ApiError> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if segments.first() == Some(&"_catalog") {
        // The worker's own data files (static assets read through the ASSETS binding): not public.
        return Err(ApiError::new(Problem::NoRoute, format!("nothing at {path}")));
    }
    // Shop settings and catalog version, fetched once per isolate (and followed through rebuilds
    // under `cargo xtask dev`).
    if services::dev_mode(env) {
        catalog::follow_rebuilds(env).await?;
    }
    catalog::manifest(env).await?;
    let method = req.method();
    match (method.clone(), segments.as_slice()) {
        (Method::Get, ["api", "health"]) => search::health(env).await,
        (Method::Post, ["api", "events"]) => analytics::beacon(req, env).await,
        (Method::Get, ["api", "admin", "analytics"]) => analytics::report(req, env).await,
        (Method::Get, ["api", "admin", "analytics", "export"]) => analytics::export(req, env).await,
        (Method::Get, ["api", "admin", "health"]) => analytics::health(req, env).await,
        (Method::Get, ["api", "openapi.json"]) => {
            let mut r = Response::ok(OPENAPI)?;
            r.headers_mut().set("content-type", "application/json")?;
            Ok(r)
        }
        (Method::Get, ["api", "search"]) => search::search(req, env).await,
        (Method::Get, ["api", "search", "suggest"]) => search::suggest(req, env).await,
        (Method::Get, ["api", "admin", "search", "zero-results"]) => search::zero_results(req, env).await,
        (Method::Get, ["search"]) => search_page::render(req, env).await,
        (Method::Get, ["api", "_bench", "search"]) => search::bench_search(req, env).await,

        (Method::Get, ["api", "availability"]) => availability::availability(req, env).await,
        (Method::Get, ["feed.xml"]) => availability::feed(env).await,
        (Method::Get, ["api", "cart"]) => cart::get(req, env).await,
        (Method::Post, ["api", "cart", "lines"]) => {
            rate_limit(env, req, Limit::Cart).await?;
            cart::add_line(req, env).await
        }
        (Method::Patch, ["api", "cart", "lines", id]) => {
            rate_limit(env, req, Limit::Cart).await?;
            cart::update_line(req, env, id).await
        }
        (Method::Delete, ["api", "cart", "lines", id]) => {
            rate_limit(env, req, Limit::Cart).await?;
            cart::delete_line(req, env, id).await
        }
        (Method::Post, ["api", "checkout"]) => {
            rate_limit(env, req, Limit::Checkout).await?;
            checkout::checkout(req, env).await
        }
        (Method::Get, ["api", "orders", n]) => orders::get(req, env, orders::parse_number(n)?).await,
        (Method::Post, ["api", "orders", n, "cancel"]) => orders::cancel(req, env, orders::parse_number(n)?).await,
        (Method::Post, ["api", "orders", n, "return"]) => orders::request_return(req, env, orders::parse_number(n)?).await,
        (Method::Post, ["api", "orders", n, "payment"]) => {
            rate_limit(env, req, Limit::Checkout).await?;
            orders::pay_again(req, env, orders::parse_number(n)?).await
        }
        (Method::Post, ["api", "admin", "sign-in"]) => staff::request_link(req, env).await,
        (Method::Post, ["api", "admin", "session"]) => staff::start_session(req, env).await,
        (Method::Get, ["api", "admin", "session"]) => staff::me(req, env).await,
        (Method::Delete, ["api", "admin", "session"]) => staff::end_session(req, env).await,
        (Method::Get, ["api", "admin", "staff"]) => staff::list(req, env).await,
        (Method::Post, ["api", "admin", "staff"]) => staff::invite(req, env).await,
        (Method::Delete, ["api", "admin", "staff", id]) => staff::remove(req, env, id).await,
        (Method::Get, ["api", "admin", "audit"]) => staff::audit(req, env).await,
        (Method::Get, ["api", "admin", "orders"]) => admin::orders_list(req, env).await,
        (Method::Get, ["api", "admin", "orders", "export"]) => admin::orders_export(req, env).await,
        (Method::Post, ["api", "admin", "orders", n, "cancel"]) => admin::cancel(req, env, orders::parse_number(n)?).await,
        (Method::Post, ["api", "admin", "orders", n, "notes"]) => admin::add_note(req, env, orders::parse_number(n)?).await,
        (Method::Post, ["api", "admin", "orders", n, "returns", id, action]) => {
            admin::return_action(req, env, orders::parse_number(n)?, id, action).await
        }
        (Method::Get, ["api", "admin", "stock"]) => admin::stock_list(req, env).await,
        (Method::Get, ["api", "admin", "customers"]) => admin::customers(req, env).await,
        (Method::Get, ["api", "admin", "customers", email]) => admin::customer(req, env, email).await,
        (Method::Post, ["api", "admin", "orders", n, "fulfilment"]) => admin::fulfil(req, env, orders::parse_number(n)?).await,
        (Method::Get, ["api", "admin", "orders", n]) => admin::order(req, env, orders::parse_number(n)?).await,
        (Method::Post, ["api", "admin", "orders", n, "refunds"]) => admin::refund(req, env, orders::parse_number(n)?).await,
        (Method::Get, ["api", "admin", "stock", sku]) => admin::stock_level(req, env, sku).await,
        (Method::Post, ["api", "admin", "stock", sku]) => admin::adjust_stock(req, env, sku).await,
        (Method::Post, ["api", "admin", "newsletter"]) => admin::newsletter(req, env).await,
        (Method::Post, ["api", "admin", "new-products-digest"]) => admin::new_products_digest(req, env).await,
        (Method::Post, ["api", "admin", "customers", "erase"]) => admin::erase_customer(req, env).await,
        (Method::Post, ["api", "newsletter"]) => {
            rate_limit(env, req, Limit::Signup).await?;
            subscriptions::sign_up(req, env).await
        }
        (Method::Get, ["api", "newsletter", "confirm"]) => subscriptions::confirm(req, env).await,
        (Method::Get, ["api", "newsletter", "unsubscribe"]) => subscriptions::unsubscribe_page(req).await,
        (Method::Post, ["api", "newsletter", "unsubscribe"]) => subscriptions::unsubscribe(req, env).await,
        (Method::Post, ["api", "stock-alerts"]) => {
            rate_limit(env, req, Limit::Signup).await?;
            subscriptions::stock_alert(req, env).await
        }
        (Method::Get, ["api", "admin", "dead-letters"]) => admin::dead_letters(req, env).await,
        (Method::Get, ["api", "admin", "notifications", "failed"]) => admin::failed_notifications(req, env).await,
        (Method::Post, ["api", "admin", "dead-letters", id, "replay"]) => admin::replay_dead_letter(req, env, id).await,
        (Method::Post, ["api", "payments", "webhook"]) => {
            rate_limit(env, req, Limit::Webhook).await?;
            payments::webhook(req, env).await
        }
        (Method::Post, ["api", "payments", "stripe", "webhook"]) => {
            rate_limit(env, req, Limit::Webhook).await?;
            payments::stripe_webhook(req, env).await
        }
        (Method::Post, ["api", "payments", "test-provider", "sessions", id]) => payments::provider_action(req, env, id).await,
        (Method::Get, ["pay", "test", id]) => payments::hosted_page(env, id).await,

        (_, ["api", "health" | "search" | "cart" | "openapi.json"] | ["api", "search", "suggest"]) => Err(ApiError::method_not_allowed("GET")),
        (_, ["api", "checkout" | "payments" | "events", ..]) => Err(ApiError::method_not_allowed("POST")),
        (_, ["api", "cart", "lines", ..]) => Err(ApiError::method_not_allowed("POST, PATCH, DELETE")),
        _ => Err(ApiError::new(Problem::NoRoute, format!("no API route at {path}"))),
    }
}

#[event(queue)]
async fn queue(batch: MessageBatch<OrderEvent>, env: Env, _ctx: Context) -> Result<()> {
    // Each consumer counts its messages (handled or retried) for the health page.
    let outcome = if batch.queue() == services::analytics::QUEUE {
        services::analytics::consume(&batch, &env).await
    } else {
        events::consume(batch, env.clone()).await
    };
    if let Some(due) = ops::take_due(true) {
        ops::flush(&env, due).await;
    }
    outcome
}
