//! Order records and the notification outbox, in KV. Orders change only in the queue consumer
//! (one consumer at a time, see wrangler.toml), so KV's last-writer-wins is never a race.

use crate::error::ApiError;
use edgeshop_domain::Order;
use serde::{Deserialize, Serialize};
use worker::Env;

fn kv(env: &Env) -> Result<worker::KvStore, ApiError> {
    env.kv("ORDERS").map_err(|e| ApiError::internal(format!("ORDERS binding: {e}")))
}

pub async fn load(env: &Env, number: u64) -> Result<Option<Order>, ApiError> {
    kv(env)?.get(&format!("order:{number}")).json::<Order>().await.map_err(|e| ApiError::internal(format!("order read: {e}")))
}

pub async fn save(env: &Env, order: &Order) -> Result<(), ApiError> {
    kv(env)?
        .put(&format!("order:{}", order.number), order)
        .map_err(|e| ApiError::internal(e.to_string()))?
        .execute()
        .await
        .map_err(|e| ApiError::internal(format!("order write: {e}")))
}

/// A message for the shopper, written once per event; the notifications sender drains these.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Notification {
    pub event_id: String,
    pub order_number: u64,
    pub template: String,
    pub to: String,
    pub created_at: String,
}

pub async fn put_notification(env: &Env, n: &Notification) -> Result<(), ApiError> {
    kv(env)?
        .put(&format!("outbox:{}:{}", n.order_number, n.event_id), n)
        .map_err(|e| ApiError::internal(e.to_string()))?
        .execute()
        .await
        .map_err(|e| ApiError::internal(format!("outbox write: {e}")))
}

pub async fn notifications(env: &Env, number: u64) -> Result<Vec<Notification>, ApiError> {
    let store = kv(env)?;
    let list = store
        .list()
        .prefix(format!("outbox:{number}:"))
        .execute()
        .await
        .map_err(|e| ApiError::internal(format!("outbox list: {e}")))?;
    let mut out = Vec::new();
    for k in list.keys {
        if let Some(n) = store.get(&k.name).json::<Notification>().await.map_err(|e| ApiError::internal(e.to_string()))? {
            out.push(n);
        }
    }
    Ok(out)
}

/// Constant-time comparison for access tokens.
pub fn token_matches(expected: &str, given: &str) -> bool {
    expected.len() == given.len() && expected.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}
