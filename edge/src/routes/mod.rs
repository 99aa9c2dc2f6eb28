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
use crate::http::client_ip;
use crate::services::rate_limit::{take, Limit};
use worker::{Env, Request};

/// 429 with Retry-After when the client is over its budget for this group of routes.
pub async fn rate_limit(env: &Env, req: &Request, limit: Limit) -> Result<(), ApiError> {
    rate_limit_for(env, limit, &client_ip(req)).await
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
