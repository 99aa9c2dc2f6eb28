//! `POST /api/checkout`: cart → order, exactly once per Idempotency-Key (`services::checkout`).

use crate::error::{ApiError, Problem};
use crate::http::{cart_id, clear_cart_cookie, header, json_text, Reply};
use crate::services::checkout;
use crate::services::idempotency::valid_key;
use worker::{Env, Request};

pub async fn checkout(req: &mut Request, env: &Env) -> Reply {
    let key = header(req, "idempotency-key").filter(|k| valid_key(k)).ok_or_else(|| {
        ApiError::new(Problem::IdempotencyKeyRequired, "send a unique Idempotency-Key header (1-255 letters, digits or -_.:+/=~) with every checkout")
    })?;
    let body = json_text(req).await?;
    let cart = cart_id(req);
    let origin = req.url()?.origin().ascii_serialization();
    let answer = checkout::run(env, cart.as_deref(), &key, &body, &origin, header(req, "x-edgeshop-fault").as_deref()).await?;
    let mut resp = answer.response.to_response(answer.replayed)?;
    if !answer.replayed && cart.is_some() {
        clear_cart_cookie(req, &mut resp)?;
    }
    Ok(resp)
}
