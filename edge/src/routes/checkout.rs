//! `POST /api/checkout`: cart → order, exactly once per Idempotency-Key (`services::checkout`).

use crate::error::{ApiError, Problem};
use crate::http::{body_text, cart_id, check_cookie_origin, clear_cart_cookie, header, Reply};
use crate::services::checkout;
use worker::{Env, Request, Response};

pub async fn checkout(req: &mut Request, env: &Env) -> Reply {
    check_cookie_origin(req)?;
    let key = header(req, "idempotency-key").filter(|k| checkout::valid_key(k)).ok_or_else(|| {
        ApiError::new(Problem::IdempotencyKeyRequired, "send a unique Idempotency-Key header (1-255 letters, digits or -_.:+/=~) with every checkout")
    })?;
    let body = body_text(req).await?;
    let cart = cart_id(req);
    let origin = req.url()?.origin().ascii_serialization();
    let answer = checkout::run(env, cart.as_deref(), &key, &body, &origin, header(req, "x-edgeshop-fault").as_deref()).await?;
    let mut resp = Response::ok(answer.body)?.with_status(answer.status);
    resp.headers_mut().set("content-type", &answer.content_type)?;
    resp.headers_mut().set("cache-control", "no-store")?;
    if answer.replayed {
        resp.headers_mut().set("idempotent-replayed", "true")?;
    } else if cart.is_some() {
        clear_cart_cookie(req, &mut resp)?;
    }
    Ok(resp)
}
