//! Buying without JavaScript: the cart, checkout and order pages rendered by the worker into the
//! app's page frames, and the forms that post to it (add to cart, change a line, place the order),
//! each answered with a redirect to the next page or the same page with the reason. The islands
//! only enhance these forms; the rules are the API's (`services::carts`, `services::checkout`).

use crate::error::{ApiError, Problem};
use crate::http::{
    cart_id, clear_cart_cookie, form_body, frame_page, money_view, see_other, set_cart_cookie, signed_in_shopper, with_retry_after, Reply,
};
use crate::pages;
use crate::query::Query;
use crate::services::idempotency::valid_key;
use crate::services::rate_limit::Limit;
use crate::services::{carts, checkout, orders, payments, random_id};
use edgeshop_api::frames::{self, checkout as slots};
use edgeshop_api::{Cart, CheckoutRequest, CheckoutResponse, FieldError};
use edgeshop_domain::{discounted_totals, escape_html, Address, Contact, Money, PaymentMethod, Totals};
use worker::{Env, Headers, Request, Response};

/// A form body is a few fields; anything longer is refused.
const MAX_FORM_BYTES: usize = 16 * 1024;

async fn current_cart(req: &Request, env: &Env) -> Result<Cart, ApiError> {
    match carts::find(env, cart_id(req)).await? {
        Some(found) => carts::view_of(env, found).await,
        None => carts::empty_view(env).await,
    }
}

async fn cart_page(req: &Request, env: &Env, notice: Option<&str>, refused_code: Option<&str>, status: u16) -> Reply {
    cart_page_with(req, env, notice, refused_code, None, status).await
}

async fn cart_page_with(
    req: &Request,
    env: &Env,
    notice: Option<&str>,
    refused_code: Option<&str>,
    back_to: Option<(String, String)>,
    status: u16,
) -> Reply {
    let cart = current_cart(req, env).await?;
    let shop = &crate::build_data::manifest(env).await?.shop;
    // Free shipping as the shop's first country has it (the checkout prices every country).
    let country = shop.shipping.countries.first().map(String::as_str).unwrap_or_default();
    let goods = Money::new(cart.subtotal.minor, shop.currency);
    let shipping = shop.shipping.rate_for(Some(country)).1;
    let short = carts::short_lines(env, &cart).await;
    let hints =
        pages::CartHints { refused_code, shipping: pages::free_shipping_hint(goods, shipping, country, |m| m.format(&shop.locale)), short, back_to };
    frame_page(env, "/cart/", &[(frames::cart::CART, &pages::cart(&cart, notice, &hints))], status).await
}

/// The cart page again with why a form was refused (a rate limit says when to try again).
pub async fn refused_cart(req: &Request, env: &Env, e: &ApiError) -> Reply {
    with_retry_after(cart_page(req, env, Some(&e.shopper_reason()), None, e.page_status()).await?, e.retry_after)
}

/// `GET /cart/`.
pub async fn cart(req: &Request, env: &Env) -> Reply {
    cart_page(req, env, None, None, 200).await
}

/// `variant` fields a product form may send: a product has at most this many variants
/// (Shopify's long-standing limit).
const MAX_VARIANT_FIELDS: usize = 100;

/// The variant the product form chose. With the picker's script, `sku`; without it, the SKU
/// among the product's (`variant`, repeated) whose option values are the chosen `option-N`s.
async fn chosen_sku(env: &Env, form: &Query) -> Result<String, ApiError> {
    let sku = form.get("sku").unwrap_or_default();
    let chosen: Vec<&str> = (0..).map_while(|i| form.get(&format!("option-{i}"))).collect();
    // A product's variants, as many as a product page lists (each may cost a shard's fetch).
    let mut candidates: Vec<&str> = form.get_all("variant").take(MAX_VARIANT_FIELDS).collect();
    candidates.sort_unstable();
    candidates.dedup();
    if chosen.is_empty() || candidates.is_empty() {
        return Ok(sku.to_string());
    }
    let snapshot = crate::build_data::skus(env, candidates.iter().copied().chain([sku])).await?;
    let product = snapshot.get(sku).map(|e| e.product_slug.clone());
    candidates
        .iter()
        .filter_map(|c| snapshot.get(c).map(|e| (c, e)))
        .find(|(_, e)| Some(&e.product_slug) == product.as_ref() && e.variant.option_values.iter().map(String::as_str).eq(chosen.iter().copied()))
        .map(|(c, _)| c.to_string())
        .ok_or_else(|| {
            ApiError::new(Problem::UnknownSkuInRequest, format!("{} is not offered; please choose another combination", chosen.join(" / ")))
        })
}

/// `POST /cart/add` (the product page's form): to the cart page, or back to it with the reason.
pub async fn add(req: &mut Request, env: &Env) -> Reply {
    let form = form_body(req, MAX_FORM_BYTES).await?;
    let added = async {
        let quantity = match form.get("quantity").filter(|q| !q.is_empty()) {
            None => 1,
            Some(q) => q.trim().parse::<u32>().map_err(|_| {
                ApiError::new(Problem::BadQuantity, format!("the quantity must be a whole number from 1 to {}", edgeshop_domain::MAX_LINE_QUANTITY))
            })?,
        };
        let sku = chosen_sku(env, &form).await?;
        let (id, _) = carts::add(env, cart_id(req), &sku, quantity).await?;
        Ok::<_, ApiError>(id)
    };
    match added.await {
        Ok(id) => {
            let mut resp = see_other("/cart/")?;
            set_cart_cookie(req, &mut resp, &id)?;
            Ok(resp)
        }
        // The reason, and the way back to the product to choose again.
        Err(e) => {
            let sku = form.get("sku").unwrap_or_default();
            let entry = crate::build_data::skus(env, [sku]).await.ok().and_then(|s| s.get(sku).cloned());
            let back_to = entry.filter(|e| e.published).map(|e| (edgeshop_domain::paths::product(&e.product_slug), e.product_title));
            with_retry_after(cart_page_with(req, env, Some(&e.shopper_reason()), None, back_to, e.page_status()).await?, e.retry_after)
        }
    }
}

/// `POST /cart/discount` (the cart's code form): `action=remove`, or the `code` to apply.
pub async fn discount(req: &mut Request, env: &Env) -> Reply {
    let form = form_body(req, MAX_FORM_BYTES).await?;
    let changed = async {
        if form.get("action") == Some("remove") {
            return carts::remove_discount(env, cart_id(req)).await.map(|done| done.map(|(id, _)| id));
        }
        let code = super::cart::checked_code(req, env, form.get("code").unwrap_or_default()).await?;
        carts::set_discount(env, cart_id(req), Some(code)).await.map(|(id, _)| Some(id))
    };
    match changed.await {
        Ok(id) => {
            let mut resp = see_other("/cart/")?;
            if let Some(id) = id {
                set_cart_cookie(req, &mut resp, &id)?;
            }
            Ok(resp)
        }
        // The code stays in its box, to be corrected rather than typed again.
        Err(e) => {
            let typed = form.get("code").filter(|_| form.get("action") != Some("remove"));
            with_retry_after(cart_page(req, env, Some(&e.shopper_reason()), typed, e.page_status()).await?, e.retry_after)
        }
    }
}

/// `POST /cart/update` (a cart line's form): `action=remove`, or the new `quantity`.
pub async fn change_line(req: &mut Request, env: &Env) -> Reply {
    let form = form_body(req, MAX_FORM_BYTES).await?;
    let changed = async {
        let line = form.get("line").unwrap_or_default();
        let quantity = match form.get("action") {
            Some("remove") => 0,
            _ => form.get("quantity").and_then(|q| q.trim().parse::<u32>().ok()).filter(|q| *q <= edgeshop_domain::MAX_LINE_QUANTITY).ok_or_else(
                || {
                    let max = edgeshop_domain::MAX_LINE_QUANTITY;
                    ApiError::new(Problem::BadQuantity, format!("the quantity must be a whole number from 1 to {max} (0 takes the line out)"))
                },
            )?,
        };
        carts::set_line(env, cart_id(req), line, quantity).await.map(|(_, cart)| cart)
    };
    match changed.await {
        Ok(_) => see_other("/cart/"),
        Err(e) => refused_cart(req, env, &e).await,
    }
}

/// What the checkout form showed or sent: the request, the key, and why it was refused.
struct CheckoutState {
    request: CheckoutRequest,
    key: String,
    notice: Option<(String, Vec<FieldError>)>,
}

async fn checkout_page(req: &Request, env: &Env, state: CheckoutState, status: u16) -> Reply {
    let cart = current_cart(req, env).await?;
    checkout_page_of(env, cart, state, status).await
}

async fn checkout_page_of(env: &Env, cart: Cart, state: CheckoutState, status: u16) -> Reply {
    let manifest = crate::build_data::manifest(env).await?;
    let shop = &manifest.shop;
    let online = payments::online(env).is_ok();
    let r = &state.request;
    let errors = state.notice.as_ref().map(|(_, e)| e.as_slice()).unwrap_or_default();
    let mut fields: Vec<(String, String)> = Vec::new();
    for field in slots::names() {
        let refused = errors.iter().find(|e| e.field == field);
        fields.push((slots::value(field), escape_html(r.field(field))));
        fields.push((slots::invalid(field), refused.is_some().to_string()));
        fields.push((slots::error(field), refused.map(|e| escape_html(&format!("{} {}", slots::label(field), e.message))).unwrap_or_default()));
    }
    // What the order will cost, by the rules the checkout applies (the discount only if it applies).
    let goods = Money::new(cart.subtotal.minor, shop.currency);
    let off = cart.discount.as_ref().and_then(|d| d.amount.as_ref()).map(|a| Money::new(a.minor, shop.currency));
    // For the country sent with the form, or the one the form shows first (and, when rates
    // differ, every country's shipping and total beside it).
    let countries = &shop.shipping.countries;
    let country = countries.iter().find(|c| **c == r.address.country).or(countries.first()).cloned().unwrap_or_default();
    let money = |m: Money| m.format(&shop.locale);
    let totals_for = |c: &str| discounted_totals(goods, off, shop, Some(c)).ok();
    let by_country: Vec<(String, Totals)> = countries.iter().filter_map(|c| Some((c.clone(), totals_for(c)?))).collect();
    let known = |c: &str| by_country.iter().find(|(k, _)| k == c).map(|(_, t)| *t).or_else(|| totals_for(c));
    let rates = pages::shipping_rates(&shop.shipping, money, known);
    let chosen = known(&country);
    let totals = chosen.map(|totals| pages::SummaryTotals { totals, country, by_country, rates });
    let summary = pages::checkout_summary(&cart, totals.as_ref(), money);
    let total = if cart.lines.is_empty() { String::new() } else { pages::checkout_total(totals.as_ref(), money) };
    let notice = state.notice.as_ref().map(|(detail, errors)| pages::checkout_notice(detail, errors)).unwrap_or_default();
    let payment = pages::payment_choices(online, r.payment_method);
    let countries = pages::country_options(&shop.shipping.countries, &r.address.country);
    let sms = pages::sms_choice(crate::services::sms::transport(env).is_some(), r.contact.sms);
    let key = escape_html(&state.key);
    let digest = cart.digest();
    let mut slots_filled: Vec<(&str, &str)> = vec![
        (slots::SUMMARY, &summary),
        (slots::TOTAL, &total),
        (slots::NOTICE, &notice),
        (slots::PAYMENT, &payment),
        (slots::COUNTRIES, &countries),
        (slots::SMS, &sms),
        (slots::KEY, &key),
        (slots::CART_DIGEST, &digest),
    ];
    slots_filled.extend(fields.iter().map(|(s, v)| (s.as_str(), v.as_str())));
    frame_page(env, "/checkout/", &slots_filled, status).await
}

/// The checkout form, empty, with why a request was refused before its fields could be read
/// (a cross-site post, a body too large or not UTF-8).
pub async fn refused_checkout(req: &Request, env: &Env, e: &ApiError) -> Reply {
    let notice = (e.shopper_reason(), Vec::new());
    checkout_page(req, env, CheckoutState { request: blank_request(None), key: random_id(16), notice: Some(notice) }, e.page_status()).await
}

fn blank_request(email: Option<String>) -> CheckoutRequest {
    let contact = Contact { email: email.unwrap_or_default(), ..Contact::default() };
    CheckoutRequest { address: Address::default(), contact, payment_method: PaymentMethod::Online, analytics_session: None, cart_digest: None }
}

/// `GET /checkout/`: the form with a fresh idempotency key and the cart's summary; a signed-in
/// shopper's email is the one their sign-in link proved. (Not the address of their latest order:
/// anyone may place an order with any email, so that address may be a stranger's.)
/// An empty cart (a bookmark, a second tab, Back after an order) is sent to the cart page, which
/// says so, before the shopper types an address for nothing.
pub async fn checkout(req: &Request, env: &Env) -> Reply {
    let cart = current_cart(req, env).await?;
    if cart.lines.is_empty() {
        return crate::http::see_other("/cart/");
    }
    let request = blank_request(signed_in_shopper(req, env).await?);
    checkout_page_of(env, cart, CheckoutState { request, key: random_id(16), notice: None }, 200).await
}

/// `POST /checkout/` (the checkout form): the same checkout as `/api/checkout`, answered with a
/// redirect to the order page (or the payment provider), or the form again with what was typed
/// and why it was refused.
pub async fn place_order(req: &mut Request, env: &Env) -> Reply {
    let form = form_body(req, MAX_FORM_BYTES).await?;
    let get = |k: &str| form.get(k).unwrap_or_default().to_string();
    // The analytics session is added to the form by the analytics script when it runs.
    let request = CheckoutRequest::from_form(get);
    let key = Some(get("idempotency_key")).filter(|k| valid_key(k)).unwrap_or_else(|| random_id(16));
    // Counted here rather than by the router: a shopper over the limit gets the form back with
    // what they typed.
    if let Err(e) = super::rate_limit(env, req, Limit::Checkout).await {
        let notice = (e.shopper_reason(), Vec::new());
        let page = checkout_page(req, env, CheckoutState { request, key, notice: Some(notice) }, e.page_status()).await?;
        return with_retry_after(page, e.retry_after);
    }
    // A way to pay the form does not offer is no choice of one (not cash on delivery).
    if PaymentMethod::from_wire(&get("payment_method")).is_none() {
        let error = FieldError { field: "payment_method".into(), message: "Choose how you want to pay.".into() };
        let notice = ("Please check the fields marked below.".to_string(), vec![error]);
        return checkout_page(req, env, CheckoutState { request, key, notice: Some(notice) }, 422).await;
    }
    let cart = cart_id(req);
    let origin = req.url()?.origin().ascii_serialization();
    let body = serde_json::to_string(&request)?;
    let refused = |e: &ApiError| {
        let errors = e.extra.get("errors").and_then(|v| serde_json::from_value::<Vec<FieldError>>(v.clone()).ok()).unwrap_or_default();
        let placed = e.extra.get("order_number").and_then(|n| n.as_u64()).filter(|_| e.is(Problem::IdempotencyKeyReused));
        let detail = match placed {
            // Back to a placed order's form, a field changed and sent again.
            Some(n) => format!(
                "This form already placed order {n}; its confirmation email has the link to it. To place another order, send this form again."
            ),
            None if errors.is_empty() => e.shopper_reason(),
            None => "Please check the fields marked below.".into(),
        };
        (detail, errors)
    };
    let (status, notice, retry_key) = match checkout::run(env, cart.as_deref(), &key, &body, &origin, None).await {
        Ok(answer) if answer.response.status < 300 => {
            let placed: CheckoutResponse = serde_json::from_str(&answer.response.body)?;
            let mut resp = see_other(&placed.next_url)?;
            if cart.is_some() {
                clear_cart_cookie(req, &mut resp)?;
            }
            return Ok(resp);
        }
        Ok(answer) => {
            // The answer an earlier post of this same form got.
            let problem: edgeshop_api::Problem = serde_json::from_str(&answer.response.body).unwrap_or_default();
            (answer.response.status, (problem.detail, problem.errors), false)
        }
        // A failure on our side keeps the key, so sending the form again finishes the same order.
        Err(e) => (e.page_status(), refused(&e), e.status >= 500),
    };
    let key = if retry_key { key } else { random_id(16) };
    checkout_page(req, env, CheckoutState { request, key, notice: Some(notice) }, status).await
}

/// A printable document of one order (its invoice, a credit note): not kept by any cache.
fn printable_page(html: String) -> Reply {
    let headers = Headers::new();
    crate::http::html_headers(&headers, &html)?;
    headers.set("cache-control", "private, no-store")?;
    Ok(Response::ok(html)?.with_headers(headers))
}

/// The refunds of the sale among `moves` (not a payment made twice given back), each with the
/// part of the sale it credits, oldest first.
fn credited_of(moves: &[orders::MoneyMove], total: i64) -> Vec<(&str, i64)> {
    let (paid, _) = orders::paid_and_refunded(moves);
    let refunds: Vec<(&str, i64)> =
        moves.iter().filter(|m| m.kind == "refund" && m.status != "failed").map(|m| (m.id.as_str(), m.amount_minor)).collect();
    edgeshop_domain::credited_refunds(&refunds, paid, total)
}

/// `GET /orders/credit-note/?number=…&token=…&refund=…`: the credit note of one refund of the
/// sale, a page of its own to print (numbered after the invoice: 1042-C1, 1042-C2, …).
pub async fn credit_note(req: &Request, env: &Env) -> Reply {
    let url = req.url()?;
    let query = Query::parse(url.query())?;
    let number = query.get("number").and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
    let missing = || crate::http::plain_page(404, "No such credit note", "<p>There is no credit note for this link.</p>");
    let order = match orders::load_with_token(env, number, query.get("token").unwrap_or_default()).await {
        Ok(order) => order,
        Err(e) if e.status == 404 => return missing(),
        Err(e) => return Err(e),
    };
    let moves = orders::money_moves(env, number).await?;
    let credited = credited_of(&moves, order.totals.total.minor);
    let asked = query.get("refund").unwrap_or_default();
    let Some((k, &(id, amount))) = credited.iter().enumerate().find(|(_, (id, _))| *id == asked) else { return missing() };
    let refund = moves.iter().find(|m| m.id == id);
    let at = refund.map(|m| m.created_at.as_str()).unwrap_or_default();
    let shop = crate::build_data::manifest(env).await?.shop.clone();
    let html = pages::credit_note(&order, &shop, k + 1, amount, at, refund.and_then(|m| m.reason.as_deref()), |m| money_view(m).formatted);
    printable_page(html)
}

/// `GET /orders/invoice/?number=…&token=…`: the order's invoice, a page of its own to print.
pub async fn invoice(req: &Request, env: &Env) -> Reply {
    let url = req.url()?;
    let query = Query::parse(url.query())?;
    let number = query.get("number").and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
    let order = match orders::load_with_token(env, number, query.get("token").unwrap_or_default()).await {
        Ok(order) => order,
        Err(e) if e.status == 404 => return crate::http::plain_page(404, "No such invoice", "<p>There is no order for this link.</p>"),
        Err(e) => return Err(e),
    };
    if !order.status.has_invoice() {
        let why = format!("Order {number} has no invoice: it is {}.", edgeshop_api::status_label(order.status).to_lowercase());
        return crate::http::plain_page(409, "No invoice", &format!("<p>{}</p>", escape_html(&why)));
    }
    let shop = crate::build_data::manifest(env).await?.shop.clone();
    let moves = orders::money_moves(env, number).await?;
    let credited = credited_of(&moves, order.totals.total.minor);
    let refunded = orders::refunded_of(&moves, order.totals.total.minor);
    let html = pages::invoice(&order, &shop, refunded, &credited, |m| money_view(m).formatted);
    printable_page(html)
}

/// The order a page's form names (`number`, `token`): 404 for a wrong token, as the page.
async fn order_of_form(env: &Env, form: &Query) -> Result<edgeshop_domain::Order, ApiError> {
    let number = form.get("number").and_then(|n| n.parse::<u64>().ok()).ok_or_else(|| ApiError::not_found("/orders/"))?;
    orders::load_with_token(env, number, form.get("token").unwrap_or_default()).await
}

fn order_page_of(order: &edgeshop_domain::Order) -> Reply {
    see_other(&format!("/orders/?number={}&token={}", order.number, order.token))
}

/// `POST /orders/cancel` (the order page's form, without JavaScript): asks for the cancellation
/// when its box is ticked, and goes back to the order's page, which says it is under way.
pub async fn cancel_order(req: &mut Request, env: &Env) -> Reply {
    let form = form_body(req, MAX_FORM_BYTES).await?;
    let order = order_of_form(env, &form).await?;
    if form.get("confirm") != Some("yes") {
        return order_page_of(&order);
    }
    crate::routes::orders::cancel_order(env, &order).await?;
    see_other(&format!("/orders/?number={}&token={}&cancelling=1", order.number, order.token))
}

/// `POST /orders/pay` (the order page's form, without JavaScript): a new payment session, and to
/// the provider's page.
pub async fn pay_order(req: &mut Request, env: &Env) -> Reply {
    let order = order_of_form(env, &form_body(req, MAX_FORM_BYTES).await?).await?;
    see_other(&crate::routes::orders::new_payment(req, env, &order).await?)
}

/// `POST /orders/return` (the order page's form, without JavaScript): how many of each line go
/// back (`line-{i}`, the order's lines in order) and why; back to the order's page.
pub async fn return_order(req: &mut Request, env: &Env) -> Reply {
    let form = form_body(req, MAX_FORM_BYTES).await?;
    let order = order_of_form(env, &form).await?;
    let mut lines = Vec::new();
    for (i, line) in order.lines.iter().enumerate() {
        let value = form.get(&format!("line-{i}")).unwrap_or_default().trim();
        let quantity = if value.is_empty() { 0 } else { value.parse::<u32>().map_err(|_| not_a_quantity(&line.title))? };
        if quantity > 0 {
            lines.push(edgeshop_api::ReturnItem { sku: line.sku.clone(), quantity });
        }
    }
    if lines.is_empty() {
        return Err(ApiError::new(Problem::BadReturn, "choose at least one item to send back"));
    }
    let asked = edgeshop_api::ReturnRequest { lines, reason: form.get("reason").unwrap_or_default().to_string() };
    crate::routes::orders::open_return(env, &order, &asked).await?;
    order_page_of(&order)
}

fn not_a_quantity(title: &str) -> ApiError {
    ApiError::new(Problem::BadReturn, format!("the number of {title} to send back must be a whole number"))
}

/// `GET /orders/?number=…&token=…`: the order page, with a summary for browsers without JavaScript.
pub async fn order(req: &Request, env: &Env) -> Reply {
    let url = req.url()?;
    let query = Query::parse(url.query())?;
    let number = query.get("number").and_then(|n| n.parse::<u64>().ok());
    let token = query.get("token").unwrap_or_default();
    let (summary, status) = match number {
        None => (pages::notice("To see an order, open the link in its confirmation email, or sign in to your account to see all your orders."), 200),
        Some(n) => match orders::load_with_token(env, n, token).await {
            Ok(order) => {
                let refunded = orders::refunded(env, n, order.totals.total.minor).await?;
                let (cancelling, paying) = (query.get("cancelling").is_some(), query.get("session_id").is_some());
                // What can still be sent back: not what came back already or was refunded by line.
                let returnable = if order.status == edgeshop_domain::OrderStatus::Delivered {
                    order.returnable(&orders::settled_units(env, n, &orders::returns(env, n).await?).await?)
                } else {
                    Vec::new()
                };
                let left = match (query.get("payment"), query.get("cancelled")) {
                    (Some("declined"), _) => Some("declined"),
                    (_, Some(_)) => Some("cancelled"),
                    _ => None,
                };
                let summary = pages::OrderSummary { order: &order, refunded, returnable: &returnable, cancelling, paying, left };
                (pages::order_summary(&summary, |m| money_view(m).formatted), 200)
            }
            Err(e) if e.status == 404 => (pages::notice(&format!("There is no order {n} for this link.")), 404),
            Err(e) => return Err(e),
        },
    };
    frame_page(env, "/orders/", &[(frames::order::SUMMARY, &summary)], status).await
}
