//! Checkout: cart → order, exactly once per idempotency key. Used by `POST /api/checkout` (JSON)
//! and by the checkout page's form (`POST /checkout/`, works without JavaScript).

use crate::error::{ApiError, Context, Problem};
use crate::http::{money_view, now_seconds, parse_body};
use crate::services::events::{self, EventKind, OrderEvent};
use crate::services::idempotency::{canonical_body, fingerprint, Allocated, Begin, Guard, StoredResponse};
use crate::services::payments::{self, Online, PaymentProvider};
use crate::services::stock::{ReserveLine, ReserveOutcome, ReserveRequest, Stock};
use crate::services::{carts, discounts, now_rfc3339, orders, random_id, sequence};
use edgeshop_api::CheckoutRequest;
use edgeshop_api::CheckoutResponse;
use edgeshop_domain::{discounted_totals, stock_hold_seconds, validate_address, Order, PaymentMethod, Placement, Shop};
use worker::Env;

/// Test-only: with `EDGESHOP_FAULTS` containing `checkout-steps`, the `X-Edgeshop-Fault` header
/// names a checkout step that fails (500) on the key's first attempt. Production never sets it.
// The steps are named by what they come after: the common prefix is the point.
#[allow(clippy::enum_variant_names)]
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Right after the cart is held, and the hold is kept, as when a worker stops mid-checkout
    /// (the hold then lapses after a minute; a retry of the checkout finishes the order).
    AfterHold,
    AfterNumber,
    AfterReserve,
    AfterSave,
    AfterPublish,
    AfterCartDelete,
}

struct Faults {
    at: Option<Step>,
}

impl Faults {
    fn from(fault: Option<&str>, env: &Env, attempt: u32) -> Self {
        if attempt != 1 || !crate::services::fault_on(env, "checkout-steps") {
            return Faults { at: None };
        }
        let at = match fault {
            Some("after-hold") => Some(Step::AfterHold),
            Some("after-number") => Some(Step::AfterNumber),
            Some("after-reserve") => Some(Step::AfterReserve),
            Some("after-save") => Some(Step::AfterSave),
            Some("after-publish") => Some(Step::AfterPublish),
            Some("after-cart-delete") => Some(Step::AfterCartDelete),
            _ => None,
        };
        Faults { at }
    }

    /// Whether a failure keeps the cart held (see [`Step::AfterHold`]).
    fn keeps_hold(&self) -> bool {
        self.at == Some(Step::AfterHold)
    }

    fn check(&self, step: Step) -> Result<(), ApiError> {
        if self.at == Some(step) {
            return Err(ApiError::internal("injected checkout fault (test configuration)"));
        }
        Ok(())
    }
}

/// What a checkout answers: the order placed (`201`, a [`CheckoutResponse`]), or the answer an
/// earlier request with the same key got (`replayed`: possibly a problem).
pub struct Answer {
    pub response: StoredResponse,
    pub replayed: bool,
}

/// Runs one checkout of `cart` with `body` (a [`CheckoutRequest`] as JSON) under `key`. `fault`
/// is the test-only fault switch's step name (see [`Faults`]); `origin` the shop's, for the
/// payment provider's return URLs.
pub async fn run(env: &Env, cart: Option<&str>, key: &str, body: &str, origin: &str, fault: Option<&str>) -> Result<Answer, ApiError> {
    let guard = Guard::new(env, cart, key);
    let (attempt, allocated) = match guard.begin(&fingerprint(&[cart.unwrap_or(""), &canonical_body(body)])).await? {
        Begin::Started { attempt, order } => (attempt, order),
        Begin::Replay { response } => {
            return Ok(Answer { response, replayed: true });
        }
        Begin::InProgress => {
            return Err(
                ApiError::new(Problem::RequestInProgress, "a checkout with this Idempotency-Key is still running; retry shortly").with_retry_after(1)
            )
        }
        Begin::Mismatch { order: None } => {
            return Err(ApiError::new(Problem::IdempotencyKeyReused, "this Idempotency-Key was used with a different request"))
        }
        Begin::Mismatch { order: Some(n) } => {
            return Err(ApiError::new(Problem::IdempotencyKeyReused, format!("this Idempotency-Key placed order {n}, with a different request"))
                .with("order_number", n))
        }
        Begin::CartTaken { order_number } => {
            let detail = match order_number {
                Some(n) => format!("this cart was already checked out as order {n}"),
                None => "another checkout of this cart is in progress".to_string(),
            };
            let mut e = ApiError::new(Problem::CartAlreadyCheckedOut, detail);
            if let Some(n) = order_number {
                e = e.with("order_number", n);
            } else {
                e = e.with_retry_after(1);
            }
            return Err(e);
        }
    };
    // A request refused for what it says binds nothing: the key stays free for the corrected one
    // (a request the key answered already was replayed above).
    let checked = match checked_request(env, body).await {
        Ok(checked) => checked,
        Err(e) if allocated.is_none() => {
            guard.release().await?;
            return Err(e);
        }
        // An earlier attempt allocated the order: a refusal is its answer, as below; a failure
        // on our side keeps the key for a retry.
        Err(e) => {
            guard.finish((e.status < 500).then(|| StoredResponse::problem(&e, "/api/checkout"))).await?;
            return Err(e);
        }
    };
    let faults = Faults::from(fault, env, attempt);
    let outcome = place_order(env, &guard, allocated, cart, origin, checked, &faults).await;
    // Answers are remembered for replays; a server error keeps the key (and the order it
    // allocated) and ends its lease, so a retry finishes the same order.
    let stored = match &outcome {
        Ok((status, text)) => Some(StoredResponse::json(*status, text.clone())),
        Err(e) if e.status < 500 => Some(StoredResponse::problem(e, "/api/checkout")),
        Err(_) => None,
    };
    guard.finish(stored).await?;
    let (status, body) = outcome?;
    Ok(Answer { response: StoredResponse::json(status, body), replayed: false })
}

/// The smallest total paid online, in minor units (Stripe's minimum charge is 0.50 in the main
/// currencies).
const MIN_ONLINE_MINOR: i64 = 50;

/// Stripe sessions last at least 30 minutes; the reservation outlives the session by a margin so
/// a shopper who pays at the last second still has the stock (its `expired` event releases it).
const STRIPE_SESSION_SECONDS: u64 = 31 * 60;

fn reservation_ttl(method: PaymentMethod, provider: Option<&Online<'_>>) -> u64 {
    let window = matches!(provider, Some(Online::Stripe(_))).then_some(STRIPE_SESSION_SECONDS);
    stock_hold_seconds(method, window)
}

/// The checkout's request as it will be placed (the email in one spelling, texts only where the
/// shop sends them), or why it is refused, with the shop's rules it was checked against.
async fn checked_request(env: &Env, body: &str) -> Result<(CheckoutRequest, Shop), ApiError> {
    let mut request: CheckoutRequest = parse_body(body)?;
    // One spelling of the address everywhere it is kept (orders, customers, the emails sent to
    // it), so that a customer's erasure finds them all.
    request.contact.email = crate::services::email_key(&request.contact.email);
    // A country code as ISO writes it (`ie `, `Gb` are Ireland and the UK).
    request.address.country = request.address.country.trim().to_ascii_uppercase();
    // Text messages only where the shop sends them (the form offers them only then).
    request.contact.sms &= crate::services::sms::transport(env).is_some();
    let shop = crate::build_data::manifest(env).await?.shop.clone();
    let errors = validate_address(&request.address, &request.contact, &shop);
    if !errors.is_empty() {
        // The fields named in the form's order, as their labels read.
        let place = |f: &str| edgeshop_api::frames::checkout::names().position(|n| n == f).unwrap_or(usize::MAX);
        let mut named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        named.sort_by_key(|f| place(f));
        let named: Vec<&str> = named.into_iter().map(edgeshop_api::frames::checkout::label).collect();
        let detail = match named.as_slice() {
            [one] => format!("check this field: {one}"),
            many => format!("check these {} fields: {}", many.len(), many.join(", ")),
        };
        return Err(ApiError::new(Problem::InvalidCheckout, detail).with("errors", serde_json::to_value(&errors).unwrap_or_default()));
    }
    Ok((request, shop))
}

/// Places the order, or finishes the one an earlier attempt with this key allocated. Every step
/// is idempotent (reservation by order number, the order insert checked first, the event id fixed
/// per order, the cart delete), so a retry after a failure at any step ends in one order.
async fn place_order(
    env: &Env,
    guard: &Guard<'_>,
    allocated: Option<Allocated>,
    cart: Option<&str>,
    origin: &str,
    (request, shop): (CheckoutRequest, Shop),
    faults: &Faults,
) -> Result<(u16, String), ApiError> {
    // Refused before anything is allocated: online payment without a provider.
    let provider = match request.payment_method {
        PaymentMethod::Online => Some(payments::online(env)?),
        PaymentMethod::CashOnDelivery => None,
    };
    let stock = Stock(env);
    let existing = match &allocated {
        Some(a) => orders::load(env, a.number).await?,
        None => None,
    };
    let order = match existing {
        Some(order) => order,
        None => {
            let empty = || ApiError::new(Problem::EmptyCart, "add something to the cart before checking out");
            let cart_id = cart.ok_or_else(empty)?;
            // The cart is held while the order is placed: a change arriving meanwhile is refused
            // (and can be retried into a new cart) instead of being deleted with the cart.
            let hold = random_id(8);
            let held = std::cell::Cell::new(false);
            let placed = async {
                // The cart and its prices (its Durable Object, SKU shards) and a new order number
                // (a Durable Object) at the same time.
                let priced = async {
                    let mut stored = carts::hold_for_checkout(env, cart_id, &hold).await?.ok_or_else(empty)?;
                    held.set(true);
                    faults.check(Step::AfterHold)?;
                    let priced = carts::price(env, &mut stored).await?;
                    Ok::<_, ApiError>((priced, stored.discount_code))
                };
                let number = async {
                    match &allocated {
                        Some(_) => Ok(None),
                        None => sequence::next_order_number(env).await.map(Some),
                    }
                };
                let (priced, number) = futures_util::future::join(priced, number).await;
                let (priced, code) = priced?;
                if priced.cart.lines.is_empty() {
                    return Err(empty());
                }
                // A code on the cart that no longer applies stops the checkout: the shopper sees
                // why rather than paying more than the cart said.
                let discount = match code {
                    Some(code) => {
                        let found = discounts::find(env, &code).await?;
                        let off = discounts::amount_off(found.as_ref(), priced.cart.subtotal);
                        Some((off.map_err(|why| discounts::refused_at_checkout(&code, &why))?, code))
                    }
                    None => None,
                }
                // A code that rounds to nothing off (1 % of a few cents) is not a use.
                .filter(|(off, _)| off.minor > 0);
                // The cart the shopper was shown, or nothing: a line added in another tab since
                // (or a price or discount that changed) is not bought unseen.
                if let Some(shown) = &request.cart_digest {
                    let lines = priced.cart.lines.iter().map(|l| (l.sku.as_str(), l.quantity, l.unit_price.minor));
                    if *shown != edgeshop_domain::cart_digest(lines, discount.as_ref().map(|(off, code)| (code.as_str(), off.minor))) {
                        return Err(ApiError::new(
                            Problem::CartChanged,
                            "your cart changed since this page was shown (a line, a quantity, a price or the discount); check the summary and place the order again",
                        ));
                    }
                }
                let totals = discounted_totals(priced.cart.subtotal, discount.as_ref().map(|d| d.0), &shop, Some(&request.address.country))
                    .context("checkout totals")?;
                // A payment provider takes no order below its minimum (Stripe: 0.50 in most
                // currencies): such an order (a code that takes everything off) is cash on delivery.
                if request.payment_method == PaymentMethod::Online && totals.total.minor < MIN_ONLINE_MINOR {
                    return Err(ApiError::new(
                        Problem::PaymentMethodUnavailable,
                        format!("an order of {} cannot be paid online; choose cash on delivery", money_view(totals.total).formatted),
                    ));
                }
                let allocated = match (allocated, number?) {
                    (Some(a), _) => a,
                    (None, Some(number)) => {
                        let a = Allocated { number, token: super::secret_id(16)? };
                        guard.allocate(a.clone()).await?;
                        a
                    }
                    (None, None) => return Err(ApiError::internal("no order number")),
                };
                faults.check(Step::AfterNumber)?;
                let lines = priced.cart.lines.iter().map(|l| ReserveLine { sku: l.sku.clone(), quantity: l.quantity }).collect();
                let reserve = ReserveRequest {
                    reservation: allocated.number.to_string(),
                    lines,
                    ttl_seconds: reservation_ttl(request.payment_method, provider.as_ref()),
                };
                match stock.reserve(&reserve).await? {
                    ReserveOutcome::Reserved => {}
                    ReserveOutcome::OutOfStock { sku, available, requested } => {
                        let line = priced.cart.lines.iter().find(|l| l.sku == sku);
                        let name = line.map_or_else(|| format!("`{sku}`"), |l| edgeshop_domain::line_name(&l.title, &l.variant_title));
                        let left = if available == 0 { format!("{name} has sold out") } else { format!("Only {available} of {name} left") };
                        return Err(ApiError::new(Problem::OutOfStock, format!("{left}, and you asked for {requested}. Change it in your cart."))
                            .with("sku", sku)
                            .with("available", available));
                    }
                }
                faults.check(Step::AfterReserve)?;
                let now = now_rfc3339();
                let order = Order::place(
                    priced.cart,
                    Placement {
                        number: allocated.number,
                        token: allocated.token,
                        totals,
                        address: request.address,
                        contact: request.contact,
                        payment: request.payment_method,
                        at: now.clone(),
                        discount_code: discount.map(|d| d.1),
                    },
                );
                let session = request.analytics_session.as_deref().filter(|s| edgeshop_domain::analytics::valid_session(s));
                if let Err(e) = orders::insert(env, &order, Some(cart_id), session, &now).await {
                    // Someone else's order for this cart (the database's own one-order-per-cart rule).
                    // The code's last use went to another order meanwhile (or this customer's).
                    if let (Some(why), Some(code)) = (discounts::refusal_in(&e), &order.discount_code) {
                        stock.release(&order.number.to_string()).await?;
                        return Err(discounts::refused_at_checkout(code, &why));
                    }
                    if let Some(n) = orders::number_for_cart(env, cart_id).await?.filter(|n| *n != order.number) {
                        stock.release(&order.number.to_string()).await?;
                        return Err(ApiError::new(Problem::CartAlreadyCheckedOut, format!("this cart was already checked out as order {n}"))
                            .with("order_number", n));
                    }
                    return Err(e);
                }
                Ok::<_, ApiError>(order)
            };
            let order = match placed.await {
                Ok(order) => order,
                Err(e) => {
                    // No order was placed: the cart is the shopper's again.
                    if held.get() && !faults.keeps_hold() {
                        let _ = carts::release_hold(env, cart_id, &hold).await;
                    }
                    return Err(e);
                }
            };
            faults.check(Step::AfterSave)?;
            order
        }
    };
    let number = order.number;
    let order_url = format!("/orders/?number={}&token={}", number, order.token);
    // The order is saved: the payment session (or the stock commit), the order event and the cart
    // delete are independent and idempotent, so they run at the same time.
    let next_url = async {
        Ok::<_, ApiError>(match (order.payment, &provider) {
            (PaymentMethod::Online, Some(Online::Stripe(stripe))) => {
                // From the order's own time, so a retried checkout sends Stripe the same parameters
                // under the same idempotency key.
                let placed_at = order.history.first().map(|h| worker::js_sys::Date::parse(&h.at) / 1000.0).filter(|s| s.is_finite());
                let expires_at = placed_at.map_or_else(now_seconds, |s| s as u64) + STRIPE_SESSION_SECONDS;
                let session = stripe.create_session(&order, origin, &order_url, expires_at, 0).await?;
                payments::record_session(env, "stripe", &session).await?;
                session.redirect_url
            }
            (PaymentMethod::Online, Some(Online::Test(test))) => test.create_session(&order, &order_url).await?.redirect_url,
            _ => {
                stock.commit(&number.to_string()).await?;
                order_url.clone()
            }
        })
    };
    let placed_at = order.history.first().map(|h| h.at.clone()).unwrap_or_else(now_rfc3339);
    let placed_event = OrderEvent::new(format!("placed-{number}"), EventKind::OrderPlaced, number, placed_at);
    let placed = events::publish(env, &placed_event);
    let cart_gone = async {
        match cart {
            Some(cart_id) => carts::delete(env, cart_id).await,
            None => Ok(()),
        }
    };
    let (next_url, placed, cart_gone) = futures_util::future::join3(next_url, placed, cart_gone).await;
    let next_url = match next_url {
        // The provider will never take this payment: the order is cancelled (its stock goes back)
        // rather than left waiting for money that cannot come.
        Err(e) if e.is(Problem::PaymentRefused) => {
            let mut cancel = OrderEvent::new(format!("payment-refused-{number}"), EventKind::OrderCancelled, number, now_rfc3339());
            cancel.detail = Some(e.detail.clone());
            events::publish(env, &cancel).await?;
            return Err(e.with("order_number", number));
        }
        other => other?,
    };
    placed?;
    faults.check(Step::AfterPublish)?;
    cart_gone?;
    faults.check(Step::AfterCartDelete)?;

    let initial_status = order.history.first().map(|h| h.status).unwrap_or(order.status);
    let response = CheckoutResponse {
        order_number: number,
        token: order.token.clone(),
        status: initial_status,
        subtotal: money_view(order.totals.subtotal),
        discount: orders::discount_view(&order),
        shipping: money_view(order.totals.shipping),
        tax: money_view(order.totals.tax),
        tax_rate_bp: order.totals.tax_rate_bp,
        total: money_view(order.totals.total),
        payment_method: order.payment,
        next_url,
        order_url,
    };
    Ok((201, serde_json::to_string(&response)?))
}
