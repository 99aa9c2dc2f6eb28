//! `/api/orders/{number}`: order tracking, cancellation and returns for the holder of the order's token.

use crate::error::ApiError;
use crate::http::{header, json, Reply};
use crate::query::Query;
use crate::routes::cart::{money_view, MoneyView};
use crate::services::events::{self, EventKind, OrderEvent};
use crate::services::orders::{self, token_matches, MoneyMove, Notification};
use crate::services::now_rfc3339;
use edgeshop_domain::{Address, Order, OrderStatus, PaymentMethod, StatusChange};
use serde::Serialize;
use worker::{Env, Request};

#[derive(Serialize)]
struct LineView {
    sku: String,
    title: String,
    variant_title: String,
    quantity: u32,
    unit_price: MoneyView,
    line_total: MoneyView,
}

#[derive(Serialize)]
struct OrderView {
    number: u64,
    status: OrderStatus,
    history: Vec<StatusChange>,
    lines: Vec<LineView>,
    subtotal: MoneyView,
    shipping: MoneyView,
    tax: MoneyView,
    total: MoneyView,
    payment_method: PaymentMethod,
    address: Address,
    email: String,
    can_cancel: bool,
    can_request_return: bool,
    notifications: Vec<Notification>,
    /// Payments and refunds (amounts in minor units, the provider's state).
    payments: Vec<MoneyMove>,
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
    let not_found = || ApiError::new(404, "order-not-found", "Order not found", format!("no order {number} for this token"));
    let order = orders::load(env, number).await?.ok_or_else(not_found)?;
    if token_matches(&order.token, &token) {
        Ok(order)
    } else {
        Err(not_found())
    }
}

pub async fn get(req: &Request, env: &Env, number: u64) -> Reply {
    let order = authorized(req, env, number).await?;
    let notifications = orders::notifications(env, number).await?;
    let payments = orders::money_moves(env, number).await?;
    let view = OrderView {
        payments,
        number: order.number,
        status: order.status,
        can_cancel: order.status.can_cancel(),
        can_request_return: order.status == OrderStatus::Delivered,
        history: order.history,
        lines: order
            .lines
            .into_iter()
            .map(|l| LineView {
                sku: l.sku,
                title: l.title,
                variant_title: l.variant_title,
                quantity: l.quantity,
                unit_price: money_view(l.unit_price),
                line_total: money_view(l.line_total),
            })
            .collect(),
        subtotal: money_view(order.totals.subtotal),
        shipping: money_view(order.totals.shipping),
        tax: money_view(order.totals.tax),
        total: money_view(order.totals.total),
        payment_method: order.payment,
        address: order.address,
        email: order.contact.email,
        notifications,
    };
    json(&view, 200, "no-store")
}

/// Cancellation goes through the order queue like every other change; answers 202.
pub async fn cancel(req: &Request, env: &Env, number: u64) -> Reply {
    let order = authorized(req, env, number).await?;
    if order.status == OrderStatus::Cancelled {
        return json(&serde_json::json!({ "number": number, "status": "cancelled" }), 200, "no-store");
    }
    if !order.status.can_cancel() {
        return Err(ApiError::conflict("cannot-cancel", "Order can no longer be cancelled", format!("the order is {:?}; it has left the warehouse", order.status)));
    }
    // One cancellation event per order: repeated requests collapse into it.
    events::publish(env, &OrderEvent::new(format!("cancel-{number}"), EventKind::OrderCancelled, number, now_rfc3339())).await?;
    json(&serde_json::json!({ "number": number, "status": "cancellation_requested" }), 202, "no-store")
}

pub async fn request_return(req: &Request, env: &Env, number: u64) -> Reply {
    let order = authorized(req, env, number).await?;
    if order.status != OrderStatus::Delivered {
        return Err(ApiError::conflict("cannot-return", "Return not possible yet", format!("returns open once the order is delivered; it is {:?}", order.status)));
    }
    events::publish(env, &OrderEvent::new(format!("return-{number}"), EventKind::ReturnRequested, number, now_rfc3339())).await?;
    json(&serde_json::json!({ "number": number, "status": "return_requested" }), 202, "no-store")
}
