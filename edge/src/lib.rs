//! The edgeshop worker: `/api/*`, the pages rendered per request (search, cart, checkout, orders,
//! the product pages a build left to the edge) and the test payment provider's page (`/pay/*`).
//! Pages and images are static assets served before the worker runs (`[assets]` in wrangler.toml).

mod build_data;
mod error;
#[cfg(test)]
mod fuzz;
mod http;
mod pages;
mod query;
mod routes;
mod services;

pub use services::carts::CartStore;
pub use services::idempotency::IdempotencyKey;
pub use services::rate_limit::RateLimiter;
pub use services::search_stats::SearchStats;
pub use services::sequence::OrderSequence;
pub use services::stock::StockLedger;

use crate::error::Problem;
use edgeshop_api::routes::{resolve, Resolved, Route};
use error::ApiError;
use routes::{
    account, admin, analytics, availability, cart, checkout, edge_page, media, orders, payments, rate_limit, search, search_page, shop_pages, staff,
    subscriptions,
};
use services::events::{self, OrderEvent};
use services::ops;
use services::rate_limit::Limit;
use worker::{event, Context, Env, MessageBatch, Request, Response, Result};

/// When the isolate starts: the search code is run once over a small index that ships in the
/// worker, so V8 compiles it now (startup time, which the platform counts apart from requests)
/// rather than during a shopper's first search (see `edgeshop_indexer::warm_up`).
#[event(start)]
fn start() {
    if let Err(e) = edgeshop_indexer::warm_up() {
        worker::console_warn!("{e}");
    }
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, ctx: Context) -> Result<Response> {
    let path = req.path();
    // Cloudflare's ray id names the request in its logs; locally, a random one.
    let request_id = http::header(&req, "cf-ray").unwrap_or_else(|| services::random_id(12));
    let started = worker::Date::now().as_millis();
    // Resolved once: the handler and the metrics' route name both come from it.
    // As sent: workers-rs reads a method it does not know (PROPFIND, MKCOL) as GET.
    let method = req.inner().method();
    // HEAD is answered as GET without the body.
    let head = method == "HEAD";
    let resolved = resolve(if head { "GET" } else { &method }, &path);
    let outcome = match (route(&mut req, &env, &ctx, &path, &resolved).await, &resolved) {
        // A browser's page or form: a page that says why, whatever refused it.
        (Err(e), Resolved::Found(route, _)) if routes::refused_with_page(&req, *route) => match routes::refused_page(&req, &env, *route, &e).await {
            Ok(page) => {
                if e.status >= 500 {
                    worker::console_error!("{} {} request {}: {}", e.status, path, request_id, e.detail);
                }
                Ok(page)
            }
            Err(_) => Err(e),
        },
        (outcome, _) => outcome,
    };
    let status = match &outcome {
        Ok(r) => r.status_code(),
        Err(e) => e.status,
    };
    let ms = worker::Date::now().as_millis() - started;
    let route_name = match &resolved {
        Resolved::Found(route, _) => route.metric_name(),
        _ => format!("{method} (no route)"),
    };
    // A structured log line for each refused or failed request (Workers Logs / `wrangler tail`);
    // for every request with `EDGESHOP_LOG_REQUESTS=1`. The platform's own invocation log (and
    // `wrangler dev`'s console) already has a line for every request, and under `wrangler dev`
    // each line crosses the debugger's connection to wrangler (about 0.5 ms of CPU).
    if status >= 400 || services::log_every_request(&env) {
        worker::console_log!(
            "{}",
            serde_json::json!({ "request_id": request_id, "method": method, "path": path, "route": route_name, "status": status, "ms": ms })
        );
    }
    // Per-route counts for the health page, written after the response now and then.
    ops::record(&route_name, status, ms);
    if let Some(due) = ops::take_due(false) {
        ctx.wait_until(async move { ops::flush(&env, due).await });
    }
    let mut resp = match outcome {
        Ok(resp) => resp,
        Err(e) => e.into_response(&path, &request_id)?,
    };
    let _ = resp.headers_mut().set("x-request-id", &request_id);
    if head {
        return Ok(Response::empty()?.with_status(resp.status_code()).with_headers(resp.headers().clone()));
    }
    Ok(resp)
}

async fn route(req: &mut Request, env: &Env, ctx: &Context, path: &str, resolved: &Resolved<'_>) -> std::result::Result<Response, ApiError> {
    if path.trim_start_matches('/').starts_with("_catalog") {
        // The worker's own data files (static assets read through the ASSETS binding): not public.
        return Err(ApiError::new(Problem::NoRoute, format!("nothing at {path}")));
    }
    // Shop settings and catalog version, fetched once per isolate (and followed through rebuilds
    // under `cargo xtask dev`).
    if services::dev_mode(env) {
        build_data::follow_rebuilds(env).await?;
    }
    build_data::manifest(env).await?;
    let (route, params) = match resolved {
        Resolved::Found(route, params) => (*route, params),
        // What a path allows, for a client that asks (no cross-origin use: no CORS headers).
        Resolved::WrongMethod(allowed) if req.inner().method() == "OPTIONS" => {
            let mut resp = Response::empty()?.with_status(204);
            resp.headers_mut().set("allow", &error::allow_header(allowed))?;
            return Ok(resp);
        }
        // A page's address with another method: a page that says so.
        Resolved::WrongMethod(allowed) if ["GET", "POST"].iter().any(|m| matches!(resolve(m, path), Resolved::Found(r, _) if r.is_page())) => {
            let mut page = http::plain_page(405, "Not here", "<p>This page cannot do that.</p>")?;
            page.headers_mut().set("allow", &error::allow_header(allowed))?;
            return Ok(page);
        }
        Resolved::WrongMethod(allowed) => return Err(ApiError::method_not_allowed(allowed)),
        // A page that is not there: the shop's 404 page, as a static file would answer.
        // (`/API/…` is the API's too: a client that got the case wrong gets problem JSON.)
        Resolved::NotFound
            if matches!(req.method(), worker::Method::Get | worker::Method::Head) && !path.to_ascii_lowercase().starts_with("/api/") =>
        {
            return services::edge_pages::not_found(env).await;
        }
        Resolved::NotFound => return Err(ApiError::new(Problem::NoRoute, format!("no API route at {path}"))),
    };
    // A browser's write from another site is refused on every route: a plain form or a no-cors
    // fetch needs no preflight, and a cookie-less one would otherwise start a cart, apply a code
    // or send sign-in mail from the visitors of any page.
    if !matches!(req.method(), worker::Method::Get | worker::Method::Head | worker::Method::Options) && !route.sent_by_servers() {
        http::same_site(req)?;
    }
    if let Some(limit) = Limit::for_route(route) {
        rate_limit(env, req, limit).await?;
    }
    let number = || orders::parse_number(params.get(0));
    match route {
        Route::Health => search::health(env).await,
        Route::OpenApi => search::openapi(env).await,
        Route::Search => search::search(req, env, ctx).await,
        Route::Suggest => search::suggest(req, env).await,
        Route::SearchPage => search_page::render(req, env, ctx).await,
        Route::ProductPage => edge_page::product(req, env, params.get(0)).await,
        Route::CategoryPage => edge_page::listing(req, env, params.get(0), params.get(1)).await,
        Route::Media => media::get(req, env, params.get(0), params.get(1)).await,
        Route::MediaList => media::list(req, env).await,
        Route::MediaUpload => media::upload(req, env, params.get(0), params.get(1)).await,
        Route::BenchSearch => search::bench_search(req, env).await,
        Route::Availability => availability::availability(req, env).await,
        Route::Feed => availability::feed(env, None).await,
        Route::FeedPart => availability::feed(env, Some(params.get(0))).await,
        Route::CartPage => shop_pages::cart(req, env).await,
        Route::CartAddForm => shop_pages::add(req, env).await,
        Route::CartLineForm => shop_pages::change_line(req, env).await,
        // A form's address opened again (a reload, or Enter in the address bar): the cart.
        Route::CartFormAgain | Route::CartLineFormAgain => crate::http::see_other("/cart/"),
        Route::CartDiscountForm => shop_pages::discount(req, env).await,
        Route::CheckoutPage => shop_pages::checkout(req, env).await,
        Route::CheckoutForm => shop_pages::place_order(req, env).await,
        Route::OrderPage => shop_pages::order(req, env).await,
        Route::InvoicePage => shop_pages::invoice(req, env).await,
        Route::CreditNotePage => shop_pages::credit_note(req, env).await,
        Route::OrderCancelForm => shop_pages::cancel_order(req, env).await,
        Route::OrderPayForm => shop_pages::pay_order(req, env).await,
        Route::OrderReturnForm => shop_pages::return_order(req, env).await,
        Route::AccountPage => account::page(req, env).await,
        Route::AccountSignInForm => account::sign_in_form(req, env, ctx).await,
        Route::AccountSignInPage => account::sign_in_page(req, env).await,
        Route::AccountSessionForm => account::session_form(req, env).await,
        Route::AccountSignOutForm => account::sign_out_form(req, env).await,
        Route::Account => account::get(req, env).await,
        Route::AccountSignIn => account::request_link(req, env, ctx).await,
        Route::AccountSession => account::start_session(req, env).await,
        Route::AccountSignOut => account::end_session(req, env).await,
        Route::Cart => cart::get(req, env).await,
        Route::AddLine => cart::add_line(req, env).await,
        Route::UpdateLine => cart::update_line(req, env, params.get(0)).await,
        Route::DeleteLine => cart::delete_line(req, env, params.get(0)).await,
        Route::ApplyDiscount => cart::apply_discount(req, env).await,
        Route::RemoveDiscount => cart::remove_discount(req, env).await,
        Route::Checkout => checkout::checkout(req, env).await,
        Route::Order => orders::get(req, env, number()?).await,
        Route::CancelOrder => orders::cancel(req, env, number()?).await,
        Route::ReturnOrder => orders::request_return(req, env, number()?).await,
        Route::PayAgain => orders::pay_again(req, env, number()?).await,
        Route::NewsletterSignUp => subscriptions::sign_up(req, env).await,
        Route::NewsletterForm => subscriptions::sign_up_form(req, env).await,
        Route::NewsletterConfirmPage => subscriptions::confirm_page(req, env).await,
        Route::NewsletterConfirm => subscriptions::confirm(req, env).await,
        Route::UnsubscribePage => subscriptions::unsubscribe_page(req).await,
        Route::Unsubscribe => subscriptions::unsubscribe(req, env).await,
        Route::StockAlert => subscriptions::stock_alert(req, env).await,
        Route::Events => analytics::beacon(req, env).await,
        Route::Webhook => payments::webhook(req, env).await,
        Route::StripeWebhook => payments::stripe_webhook(req, env).await,
        Route::TestProviderAction => payments::provider_action(req, env, params.get(0)).await,
        Route::TestProviderPage => payments::hosted_page(env, params.get(0)).await,
        Route::SignIn => staff::request_link(req, env, ctx).await,
        Route::StartSession => staff::start_session(req, env).await,
        Route::Session => staff::me(req, env).await,
        Route::EndSession => staff::end_session(req, env).await,
        Route::StaffList => staff::list(req, env).await,
        Route::InviteStaff => staff::invite(req, env).await,
        Route::RemoveStaff => staff::remove(req, env, params.get(0)).await,
        Route::Audit => staff::audit(req, env).await,
        Route::AdminOrders => admin::orders_list(req, env).await,
        Route::AdminOrdersExport => admin::orders_export(req, env).await,
        Route::AdminOrder => admin::order(req, env, number()?).await,
        Route::AdminCancel => admin::cancel(req, env, number()?).await,
        Route::Undelivered => admin::undelivered(req, env, number()?).await,
        Route::AdminNote => admin::add_note(req, env, number()?).await,
        Route::ClearAttention => admin::clear_attention(req, env, number()?).await,
        Route::CashReceived => admin::cash_received(req, env, number()?).await,
        Route::Fulfil => admin::fulfil(req, env, number()?).await,
        Route::Packing => admin::packing(req, env).await,
        Route::PackedMany => admin::packed_many(req, env).await,
        Route::Refund => admin::refund(req, env, number()?).await,
        Route::RefundByHand => admin::refund_by_hand(req, env, number()?).await,
        Route::ReturnAction => admin::return_action(req, env, number()?, params.get(1), params.get(2)).await,
        Route::ResendMessage => admin::resend_message(req, env, number()?, params.get(1)).await,
        Route::Discounts => admin::discounts(req, env).await,
        Route::CreateDiscount => admin::create_discount(req, env).await,
        Route::ChangeDiscount => admin::change_discount(req, env, params.get(0)).await,
        Route::StockList => admin::stock_list(req, env).await,
        Route::StockLevel => admin::stock_level(req, env, params.get(0)).await,
        Route::AdjustStock => admin::adjust_stock(req, env, params.get(0)).await,
        Route::Customers => admin::customers(req, env).await,
        Route::Customer => admin::customer(req, env, params.get(0)).await,
        Route::EraseCustomer => admin::erase_customer(req, env).await,
        Route::SendNewsletter => admin::newsletter(req, env).await,
        Route::NewsletterAudience => admin::newsletter_audience(req, env).await,
        Route::NewProductsDigest => admin::new_products_digest(req, env).await,
        Route::DeadLetters => admin::dead_letters(req, env).await,
        Route::ReplayDeadLetter => admin::replay_dead_letter(req, env, params.get(0)).await,
        Route::FailedNotifications => admin::failed_notifications(req, env).await,
        Route::ZeroResults => search::zero_results(req, env).await,
        Route::AnalyticsReport => analytics::report(req, env).await,
        Route::AnalyticsExport => analytics::export(req, env).await,
        Route::OpsHealth => analytics::health(req, env).await,
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
