//! `/api/orders/{number}`: order tracking, cancellation and returns for the holder of the order's token.

use crate::error::{ApiError, Problem};
use crate::http::{header, json, money_view, Reply};
use crate::query::Query;
use crate::services::events::{self, EventKind, OrderEvent};
use crate::services::now_rfc3339;
use crate::services::orders::{self, MoneyMove, Notification};
use crate::services::payments::{self, Online, PaymentProvider};
use edgeshop_api::admin::ReturnLine;
use edgeshop_api::{MoneyView, OrderAction, OrderLine, OrderView, PaymentStart, PaymentView, ReturnRequest, SentMessage};
use edgeshop_domain::{Order, OrderStatus, PaymentMethod};
use worker::{Env, Request};

fn payment_view(m: MoneyMove) -> PaymentView {
    let amount = edgeshop_domain::Currency::parse(&m.currency)
        .map(|c| money_view(edgeshop_domain::Money::new(m.amount_minor, c)))
        .unwrap_or(MoneyView { minor: m.amount_minor, currency: m.currency.clone(), formatted: format!("{} {}", m.amount_minor, m.currency) });
    PaymentView { kind: m.kind, status: m.status, amount_minor: m.amount_minor, currency: m.currency, amount, at: m.created_at, reason: m.reason }
}

fn sent_message(n: Notification) -> SentMessage {
    SentMessage {
        event_id: n.event_id,
        order_number: n.order_number,
        template: n.template,
        to: n.recipient,
        created_at: n.created_at,
        sent_at: n.sent_at,
        failed_at: n.failed_at,
    }
}

pub fn parse_number(raw: &str) -> Result<u64, ApiError> {
    raw.parse::<u64>().map_err(|_| ApiError::not_found(&format!("/api/orders/{raw}")))
}

/// Loads the order if the request carries its token (`?token=` or `X-Order-Token`); 404 otherwise,
/// so order numbers cannot be probed.
async fn authorized(req: &Request, env: &Env, number: u64) -> Result<Order, ApiError> {
    let url = req.url()?;
    let query = Query::parse(url.query())?;
    let token = header(req, "x-order-token").or_else(|| query.get("token").map(str::to_string)).unwrap_or_default();
    orders::load_with_token(env, number, &token).await
}

pub async fn get(req: &Request, env: &Env, number: u64) -> Reply {
    let order = authorized(req, env, number).await?;
    // The shopper's messages (what and when); the merchant's alerts about the order are not theirs to see.
    let (notifications, payments, returns, refunded) = futures_util::try_join!(
        orders::notifications(env, number),
        orders::money_moves(env, number),
        orders::returns(env, number),
        orders::refunded_units(env, number)
    )?;
    let notifications = notifications.into_iter().filter(|n| !n.template.starts_with("merchant_")).map(sent_message).collect();
    let payments = payments.into_iter().map(payment_view).collect();
    let discount = crate::services::orders::discount_view(&order);
    let returned = orders::returned_units(&returns, None);
    let lines: Vec<OrderLine> = order
        .lines
        .into_iter()
        .map(|l| OrderLine {
            refunded: edgeshop_domain::units_of(&refunded, &l.sku),
            returned: edgeshop_domain::units_of(&returned, &l.sku),
            sku: l.sku,
            title: l.title,
            variant_title: l.variant_title,
            quantity: l.quantity,
            unit_price: money_view(l.unit_price),
            line_total: money_view(l.line_total),
        })
        .collect();
    let view = OrderView {
        payments,
        discount,
        number: order.number,
        status: order.status,
        can_cancel: order.status.can_cancel(),
        // Delivered, with something not refunded nor returned already.
        can_request_return: order.status == OrderStatus::Delivered && lines.iter().any(|l| l.returnable() > 0),
        history: order.history,
        lines,
        subtotal: money_view(order.totals.subtotal),
        shipping: money_view(order.totals.shipping),
        tax: money_view(order.totals.tax),
        tax_rate_bp: order.totals.tax_rate_bp,
        total: money_view(order.totals.total),
        payment_method: order.payment,
        address: order.address,
        email: order.contact.email,
        notifications,
        returns,
    };
    json(&view, 200, "no-store")
}

/// Cancellation goes through the order queue like every other change; answers 202.
pub async fn cancel(req: &Request, env: &Env, number: u64) -> Reply {
    let order = authorized(req, env, number).await?;
    match cancel_order(env, &order).await? {
        false => json(&OrderAction { number, status: "cancelled".into() }, 200, "no-store"),
        true => json(&OrderAction { number, status: "cancellation_requested".into() }, 202, "no-store"),
    }
}

/// Asks for the order's cancellation: `true` when asked now, `false` when it is cancelled already.
pub async fn cancel_order(env: &Env, order: &Order) -> Result<bool, ApiError> {
    if order.status == OrderStatus::Cancelled {
        return Ok(false);
    }
    if !order.status.can_cancel() {
        return Err(ApiError::new(Problem::CannotCancel, format!("the order is {}; it has left the warehouse", orders::wire_name(order.status))));
    }
    // One cancellation event per order: repeated requests collapse into it.
    let number = order.number;
    events::publish(env, &OrderEvent::new(format!("cancel-{number}"), EventKind::OrderCancelled, number, now_rfc3339())).await?;
    Ok(true)
}

/// `POST /api/orders/{number}/return?token= {lines, reason}`: the shopper asks to send lines back
/// (none named: the whole order). One return is open at a time; asking again changes nothing.
pub async fn request_return(req: &mut Request, env: &Env, number: u64) -> Reply {
    let order = authorized(req, env, number).await?;
    let text = crate::http::json_text(req).await?;
    let asked: ReturnRequest = if text.trim().is_empty() { ReturnRequest::default() } else { crate::http::parse_body(&text)? };
    let status = if open_return(env, &order, &asked).await? { 202 } else { 200 };
    json(&OrderAction { number, status: "return_requested".into() }, status, "no-store")
}

/// Opens the return `asked` for (true), or finds it already open (false); shared by the API and
/// the order page's form.
pub async fn open_return(env: &Env, order: &edgeshop_domain::Order, asked: &ReturnRequest) -> Result<bool, ApiError> {
    let number = order.number;
    // Asking again for the open return changes nothing; asking for other lines while it is open,
    // or just after the last return came back (before the order shows it), is refused with why.
    let wanted: Vec<(String, u32)> = asked.lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect();
    let returns = orders::returns(env, number).await?;
    if let Some(answer) = already_open(order, &wanted, &returns) {
        return answer;
    }
    if order.status == OrderStatus::ReturnRequested {
        return Err(ApiError::new(Problem::RequestInProgress, "your last return is still being recorded; try again in a moment").with_retry_after(1));
    }
    if order.status != OrderStatus::Delivered {
        return Err(ApiError::new(
            Problem::CannotReturn,
            format!("returns open once the order is delivered; it is {}", orders::wire_name(order.status)),
        ));
    }
    // Of the units that have not come back in an earlier return, nor been refunded by line.
    let returned = orders::settled_units(env, number, &returns).await?;
    let lines = order.return_lines(&wanted, &returned).map_err(|e| ApiError::new(Problem::BadReturn, e))?;
    let lines: Vec<ReturnLine> = lines.into_iter().map(|(sku, quantity)| ReturnLine { sku, quantity, restock: false }).collect();
    let reason: String = asked
        .reason
        .trim()
        .chars()
        .filter(|c| (!c.is_control() || *c == '\n') && !edgeshop_domain::text::is_direction_control(*c))
        .take(1000)
        .collect();
    let now = now_rfc3339();
    let Some(id) = orders::open_return(env, number, &lines, &reason, &now).await? else {
        // Another request opened one first: the same return, or a refusal as above.
        let returns = orders::returns(env, number).await?;
        return already_open(order, &wanted, &returns).unwrap_or(Ok(false));
    };
    let mut event = OrderEvent::new(format!("return-{number}-{id}"), EventKind::ReturnRequested, number, now);
    // The return it opened: staff may decide it before the consumer applies this event.
    event.detail = Some(id.to_string());
    events::publish(env, &event).await?;
    Ok(true)
}

/// The answer to a return request while a return of the order is open: the same return asked
/// again (the lines named, or everything not back yet when none are) is answered as done
/// (`Ok(false)`); other lines wait until it is received or refused.
fn already_open(
    order: &edgeshop_domain::Order,
    wanted: &[(String, u32)],
    returns: &[edgeshop_api::admin::ReturnView],
) -> Option<Result<bool, ApiError>> {
    let open = returns.iter().find(|r| r.status == "requested" || r.status == "approved")?;
    let asked = order.return_lines(wanted, &orders::returned_units(returns, None)).ok();
    if asked == Some(orders::units(&open.lines)) {
        return Some(Ok(false));
    }
    Some(Err(ApiError::new(Problem::CannotReturn, "a return of this order is open: other lines can be returned once it is received or refused")))
}

/// `POST /api/orders/{number}/payment?token=`: a new payment session for an online order that is
/// still unpaid or whose payment failed (the shopper's "try again").
pub async fn pay_again(req: &Request, env: &Env, number: u64) -> Reply {
    let order = authorized(req, env, number).await?;
    let next_url = new_payment(req, env, &order).await?;
    json(&PaymentStart { number, next_url }, 201, "no-store")
}

/// A new payment session for an online order still waiting for its payment: where to send the
/// shopper to pay.
pub async fn new_payment(req: &Request, env: &Env, order: &Order) -> Result<String, ApiError> {
    let number = order.number;
    if order.payment != PaymentMethod::Online || !matches!(order.status, OrderStatus::AwaitingPayment | OrderStatus::PaymentFailed) {
        return Err(ApiError::new(Problem::NothingToPay, format!("the order is {}", orders::wire_name(order.status))));
    }
    let order_url = format!("/orders/?number={}&token={}", number, order.token);
    let next_url = match payments::online(env)? {
        Online::Stripe(stripe) => {
            let origin = req.url()?.origin().ascii_serialization();
            let attempt = payments::session_count(env, number).await?;
            let expires_at = crate::http::now_seconds() + 31 * 60;
            let session = stripe.create_session(order, &origin, &order_url, expires_at, attempt).await?;
            payments::record_session(env, "stripe", &session).await?;
            session.redirect_url
        }
        Online::Test(test) => test.create_session(order, &order_url).await?.redirect_url,
    };
    Ok(next_url)
}
