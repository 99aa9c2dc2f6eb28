//! The dead-letter queue's consumer: what failed every retry is recorded in D1 for the merchant
//! (`GET /api/admin/dead-letters`) and can be sent through the order queue again (replay).

use crate::error::{ApiError, Context};
use crate::services::db::{self, args, stmt};
use crate::services::events::{self, OrderEvent};
use crate::services::now_rfc3339;
pub use edgeshop_api::admin::DeadLetter;
use worker::{Env, MessageBatch, MessageExt};

pub async fn receive(batch: MessageBatch<OrderEvent>, env: &Env) -> worker::Result<()> {
    let mut recorded = false;
    for msg in batch.raw_iter() {
        // A message no version of the event reads is kept as it came (order 0, no event id).
        let (event, body) = match serde_wasm_bindgen::from_value::<OrderEvent>(msg.body()) {
            Ok(event) => {
                let body = serde_json::to_string(&event).unwrap_or_default();
                (event, body)
            }
            Err(_) => {
                let raw = worker::js_sys::JSON::stringify(&msg.body()).map(String::from).unwrap_or_default();
                (OrderEvent::new(String::new(), events::EventKind::ShopAlert, 0, now_rfc3339()), raw)
            }
        };
        let event = &event;
        let ok = match record(env, &msg.id(), event, &body).await {
            Ok(()) => {
                worker::console_error!("event {} for order {} is in the dead-letter queue", event.id, event.order_number);
                msg.ack();
                true
            }
            Err(e) => {
                worker::console_error!("dead letter {} not recorded: {}", msg.id(), e.detail);
                msg.retry();
                false
            }
        };
        recorded |= ok;
        crate::services::ops::record(&format!("queue:{}", batch.queue()), if ok { 200 } else { 500 }, 0);
    }
    if recorded {
        if let Err(e) = crate::services::ops::check_dead_letters(env).await {
            worker::console_error!("dead-letter alert check failed: {}", e.detail);
        }
    }
    Ok(())
}

async fn record(env: &Env, message_id: &str, event: &OrderEvent, body: &str) -> Result<(), ApiError> {
    let db = db::db(env)?;
    // A redelivered dead letter counts once more instead of adding a row.
    stmt(
        &db,
        "INSERT INTO dead_letters (message_id, event_id, order_number, body, attempts, received_at) VALUES (?1, ?2, ?3, ?4, 1, ?5)
         ON CONFLICT(message_id) DO UPDATE SET attempts = attempts + 1",
        args![message_id, &event.id, event.order_number, body, &now_rfc3339()],
    )?
    .run()
    .await
    .context("dead letter")?;
    Ok(())
}

pub async fn list(env: &Env) -> Result<Vec<DeadLetter>, ApiError> {
    let db = db::db(env)?;
    db::all(stmt(&db, "SELECT * FROM dead_letters ORDER BY received_at DESC LIMIT 500", args![])?).await
}

/// Sends the event through the order queue again; the consumer's event log makes that safe.
pub async fn replay(env: &Env, message_id: &str) -> Result<Option<String>, ApiError> {
    let db = db::db(env)?;
    let Some(letter) = db::first::<DeadLetter>(stmt(&db, "SELECT * FROM dead_letters WHERE message_id = ?1", args![message_id])?).await? else {
        return Ok(None);
    };
    let event: OrderEvent = serde_json::from_str(&letter.body).context("dead letter body")?;
    events::publish(env, &event).await?;
    let now = now_rfc3339();
    stmt(&db, "UPDATE dead_letters SET replayed_at = ?1 WHERE message_id = ?2", args![&now, message_id])?.run().await.context("dead letter")?;
    Ok(Some(now))
}
