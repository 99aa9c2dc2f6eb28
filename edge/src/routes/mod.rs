//! HTTP handlers, one module per group of routes, siblings that import no other route module:
//! parse the request, call the services and the domain, answer with the contract's types
//! (`edgeshop-api`), or with the HTML of the pages the worker renders (`/search`, the cart,
//! checkout and order pages with their forms, and the product pages a build left to the edge). Helpers they share live in `http.rs` and
//! `services`.

pub mod account;
pub mod admin;
pub mod analytics;
pub mod availability;
pub mod cart;
pub mod checkout;
pub mod edge_page;
pub mod media;
pub mod orders;
pub mod payments;
pub mod search;
pub mod search_page;
pub mod shop_pages;
pub mod staff;
pub mod subscriptions;

use crate::error::ApiError;
use crate::http::{client_ip, plain_page, with_retry_after, Reply};
use crate::services::rate_limit::{take, Limit};
use edgeshop_api::routes::Route;
use worker::{Env, Request};

/// Whether a refusal of this request is a page: a page route's, except the search page's
/// partial requests (the island swaps results in place, and leaves the page as it is on a problem).
pub fn refused_with_page(req: &Request, route: Route) -> bool {
    route.is_page() && !(route == Route::SearchPage && req.url().is_ok_and(|u| u.query().unwrap_or_default().contains("partial=")))
}

/// A page route's refusal (`Route::is_page`) as the page a shopper can go on from: the cart or
/// the checkout form with the reason, the account's form, or a plain page that says why; a
/// rate limit's says when to try again (`Retry-After`). Whatever refused the request (the
/// router's rate limit, a body too large or not UTF-8, a cross-site post, a malformed link).
pub async fn refused_page(req: &Request, env: &Env, route: Route, e: &ApiError) -> Reply {
    let page = match route {
        Route::CartPage | Route::CartAddForm | Route::CartLineForm | Route::CartDiscountForm => shop_pages::refused_cart(req, env, e).await,
        Route::CheckoutPage | Route::CheckoutForm => shop_pages::refused_checkout(req, env, e).await,
        Route::AccountPage | Route::AccountSignInForm | Route::AccountSignInPage | Route::AccountSessionForm | Route::AccountSignOutForm => {
            account::refused(env, e).await
        }
        _ => Err(ApiError::internal("no page of its own")),
    };
    // The shop's own page could not be drawn (its storage failing too): a plain one says why.
    let page = match page {
        Ok(page) => page,
        Err(_) => {
            let body = format!("<p>{}</p>", edgeshop_domain::escape_html(&e.shopper_reason()));
            // A title for people ("Send JSON" is for programs).
            let title = match e.status {
                429 => "Too many requests",
                404 => "Not found",
                400..=499 => "That did not work",
                _ => "Something went wrong",
            };
            plain_page(e.page_status(), title, &body)?
        }
    };
    with_retry_after(page, e.retry_after)
}

/// 429 with Retry-After when the client is over its budget for this group of routes.
pub async fn rate_limit(env: &Env, req: &Request, limit: Limit) -> Result<(), ApiError> {
    rate_limit_for(env, limit, &client_ip(req)).await
}

/// Sign-in links to one inbox, whoever asks: at most ten an hour (`scope` keeps shoppers' and
/// staff's apart), except from a browser that has signed in as that address. Many clients
/// together can use up an address's budget for the hour (a newcomer reads "try again in …"),
/// but not lock its owner out: that browser has a budget of its own.
pub async fn limit_links_to(env: &Env, req: &Request, scope: &str, email: &str) -> Result<(), ApiError> {
    use crate::services::{accounts, sha256_hex};
    match crate::http::known_browser_token(req) {
        Some(token) if accounts::browser_of(env, &token, email).await? => {
            rate_limit_for(env, Limit::SignInAddress, &sha256_hex(format!("browser {token}").as_bytes())).await
        }
        _ => rate_limit_for(env, Limit::AccountAddress, &sha256_hex(format!("{scope}{email}").as_bytes())).await,
    }
}

/// As [`rate_limit`], for another key than the client's address (a hashed email address).
pub async fn rate_limit_for(env: &Env, limit: Limit, client: &str) -> Result<(), ApiError> {
    let outcome = take(env, limit, client).await?;
    if outcome.allowed {
        Ok(())
    } else {
        Err(ApiError::too_many_requests(outcome.retry_after))
    }
}
