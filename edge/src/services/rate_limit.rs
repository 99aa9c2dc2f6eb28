//! Per-client rate limits. The routes every shopper hits (cart, checkout, beacons, webhooks) use
//! the platform's Rate Limiting bindings (`[[ratelimits]]` in wrangler.toml: a counter per key and
//! window, with no round trip to a Durable Object); the back office's sign-in limits need longer
//! windows and a look without spending, so they keep a token bucket in a Durable Object per
//! (client, route group).

use serde::{Deserialize, Serialize};
use worker::{durable_object, DurableObject, Env, Method, Request, Response, Result, State};

#[derive(Debug, Serialize, Deserialize)]
pub struct TakeRequest {
    /// Bucket size (burst).
    pub capacity: f64,
    /// Tokens added per second.
    pub refill_per_second: f64,
    /// Only look: whether a token is there, without taking it (a lockout check).
    #[serde(default)]
    pub peek: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TakeOutcome {
    pub allowed: bool,
    /// Seconds until one token is available again (when refused).
    pub retry_after: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Bucket {
    tokens: f64,
    at_ms: f64,
}

#[durable_object]
pub struct RateLimiter {
    state: State,
}

impl DurableObject for RateLimiter {
    fn new(state: State, _env: Env) -> Self {
        RateLimiter { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let t: TakeRequest = req.json().await?;
        let storage = self.state.storage();
        let now = worker::Date::now().as_millis() as f64;
        let mut b = storage.get::<Bucket>("bucket").await?.unwrap_or(Bucket { tokens: t.capacity, at_ms: now });
        b.tokens = (b.tokens + (now - b.at_ms).max(0.0) / 1000.0 * t.refill_per_second).min(t.capacity);
        b.at_ms = now;
        let outcome = if b.tokens >= 1.0 {
            if !t.peek {
                b.tokens -= 1.0;
            }
            TakeOutcome { allowed: true, retry_after: 0 }
        } else {
            TakeOutcome { allowed: false, retry_after: ((1.0 - b.tokens) / t.refill_per_second).ceil().max(1.0) as u64 }
        };
        storage.put("bucket", &b).await?;
        Response::from_json(&outcome)
    }
}

/// Limits per route group; the numbers are per client IP.
#[derive(Clone, Copy)]
pub enum Limit {
    Cart,
    Checkout,
    Webhook,
    /// Newsletter and back-in-stock sign-ups.
    Signup,
    /// Asking for a back-office sign-in link (per client, and per address: `client` is its hash).
    SignInRequest,
    SignInAddress,
    /// Asking for a shopper's sign-in link (per client; per address and client with
    /// `SignInAddress`), and for one address whoever asks (a flood of links to one inbox).
    AccountLink,
    AccountAddress,
    /// Sign-in links that did not work (the back office's, and shoppers' keyed apart): five, and the client is locked out (one
    /// more try every five minutes).
    SignInFailure,
    /// Discount codes tried: ten, then one more a minute (codes are guessable words; this keeps a
    /// client from trying a dictionary of them).
    DiscountGuess,
    /// Analytics beacons (keyed by a hash of the address).
    Beacon,
    /// Searches: the API, the suggestions and the results page (a search costs CPU; a shopper
    /// typing makes a few a second, an office behind one address a few more).
    Search,
}

impl Limit {
    /// The limit a route takes before its handler runs (sign-in and beacons take theirs inside,
    /// keyed by more than the client's address).
    pub fn for_route(route: edgeshop_api::routes::Route) -> Option<Limit> {
        use edgeshop_api::routes::Route;
        match route {
            Route::AddLine
            | Route::UpdateLine
            | Route::DeleteLine
            | Route::CartAddForm
            | Route::CartLineForm
            | Route::ApplyDiscount
            | Route::RemoveDiscount
            | Route::CartDiscountForm => Some(Limit::Cart),
            // The checkout form counts itself, once it has read what was typed (`shop_pages::place_order`).
            Route::Checkout | Route::PayAgain | Route::OrderPayForm => Some(Limit::Checkout),
            Route::NewsletterSignUp | Route::NewsletterForm | Route::StockAlert => Some(Limit::Signup),
            Route::Webhook | Route::StripeWebhook => Some(Limit::Webhook),
            Route::Search | Route::Suggest | Route::SearchPage => Some(Limit::Search),
            _ => None,
        }
    }

    /// The platform binding of a limit and its window in seconds (as declared in wrangler.toml).
    fn binding(self) -> Option<(&'static str, u64)> {
        match self {
            Limit::Cart => Some(("CART_LIMIT", 10)),
            Limit::Checkout => Some(("CHECKOUT_LIMIT", 60)),
            Limit::Webhook => Some(("WEBHOOK_LIMIT", 10)),
            Limit::Beacon => Some(("BEACON_LIMIT", 60)),
            Limit::Search => Some(("SEARCH_LIMIT", 10)),
            _ => None,
        }
    }

    /// The token bucket of a limit without a platform binding.
    fn params(self) -> (&'static str, TakeRequest) {
        match self {
            // Counted by their bindings (see `binding`); never asked for a bucket.
            Limit::Cart | Limit::Checkout | Limit::Webhook | Limit::Beacon | Limit::Search => {
                ("bound", TakeRequest { capacity: 60.0, refill_per_second: 1.0, peek: false })
            }
            Limit::Signup => ("signup", TakeRequest { capacity: 10.0, refill_per_second: 0.1, peek: false }),
            Limit::SignInRequest => ("sign-in", TakeRequest { capacity: 10.0, refill_per_second: 1.0 / 60.0, peek: false }),
            Limit::AccountLink => ("account-link", TakeRequest { capacity: 10.0, refill_per_second: 1.0 / 60.0, peek: false }),
            Limit::AccountAddress => ("account-address", TakeRequest { capacity: 10.0, refill_per_second: 1.0 / 360.0, peek: false }),
            Limit::SignInAddress => ("sign-in-address", TakeRequest { capacity: 3.0, refill_per_second: 1.0 / 300.0, peek: false }),
            Limit::DiscountGuess => ("discount-guess", TakeRequest { capacity: 10.0, refill_per_second: 1.0 / 60.0, peek: false }),
            Limit::SignInFailure => ("sign-in-failure", TakeRequest { capacity: 5.0, refill_per_second: 1.0 / 300.0, peek: false }),
        }
    }
}

pub async fn take(env: &Env, limit: Limit, client: &str) -> std::result::Result<TakeOutcome, crate::error::ApiError> {
    if let Some((binding, period)) = limit.binding() {
        use crate::error::Context;
        let outcome = env.rate_limiter(binding).context(binding)?.limit(client.to_string()).await.context(binding)?;
        // The binding counts per window and does not say when the window ends: at most a period.
        return Ok(TakeOutcome { allowed: outcome.success, retry_after: if outcome.success { 0 } else { period } });
    }
    let (group, params) = limit.params();
    super::do_call(env, "RATE_LIMITER", &format!("{group}:{client}"), Method::Post, "/take", Some(&params)).await
}

/// Whether `client` has budget left in `limit`, without spending any.
pub async fn peek(env: &Env, limit: Limit, client: &str) -> std::result::Result<TakeOutcome, crate::error::ApiError> {
    let (group, mut params) = limit.params();
    params.peek = true;
    super::do_call(env, "RATE_LIMITER", &format!("{group}:{client}"), Method::Post, "/take", Some(&params)).await
}
