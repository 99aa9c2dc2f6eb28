//! Stock levels and reservations: one Durable Object for the whole shop.
//!
//! Why one object: a checkout reserves every line of a cart at once, and a single writer makes that
//! all-or-nothing without a distributed protocol. Requests to it are tiny (a few storage reads and
//! writes), so one object serves far more checkouts per second than a shop of this size sees;
//! sharding by SKU would need a two-phase reservation for multi-line carts.
//!
//! Levels start at the catalog's stock the first time a SKU is touched. Storage calls are the only
//! awaits inside a request, so the runtime's input gate keeps each read-modify-write atomic.

use crate::catalog;
use crate::services::do_call;
use edgeshop_domain::StockPolicy;
use serde::{Deserialize, Serialize};
use worker::{durable_object, DurableObject, Env, Method, Request, Response, Result, State};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReserveLine {
    pub sku: String,
    pub quantity: u32,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ReserveRequest {
    pub reservation: String,
    pub lines: Vec<ReserveLine>,
    /// Released automatically after this many seconds unless committed.
    pub ttl_seconds: u64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReserveOutcome {
    Reserved,
    OutOfStock { sku: String, available: i64, requested: u32 },
}

#[derive(Debug, Serialize, Deserialize)]
struct Reservation {
    lines: Vec<ReserveLine>,
    expires_at_ms: f64,
    committed: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct ReservationRef {
    reservation: String,
}

#[durable_object]
pub struct StockLedger {
    state: State,
    env: Env,
}

fn level_key(sku: &str) -> String {
    format!("level:{sku}")
}

fn reservation_key(id: &str) -> String {
    format!("res:{id}")
}

impl StockLedger {
    async fn level(&self, sku: &str) -> Result<(i64, StockPolicy)> {
        let policy = catalog::skus(&self.env, [sku])
            .await
            .map_err(|e| worker::Error::RustError(e.detail))?
            .get(sku)
            .map(|e| (e.variant.stock, e.variant.stock_policy));
        let Some((initial, policy)) = policy else { return Ok((0, StockPolicy::Deny)) };
        let stored: Option<i64> = self.state.storage().get(&level_key(sku)).await?;
        Ok((stored.unwrap_or(i64::from(initial)), policy))
    }

    async fn reserve(&self, req: ReserveRequest) -> Result<ReserveOutcome> {
        let storage = self.state.storage();
        if storage.get::<Reservation>(&reservation_key(&req.reservation)).await?.is_some() {
            return Ok(ReserveOutcome::Reserved);
        }
        let mut levels = Vec::with_capacity(req.lines.len());
        for line in &req.lines {
            let (available, policy) = self.level(&line.sku).await?;
            if policy == StockPolicy::Deny && available < i64::from(line.quantity) {
                return Ok(ReserveOutcome::OutOfStock { sku: line.sku.clone(), available: available.max(0), requested: line.quantity });
            }
            levels.push(available - i64::from(line.quantity));
        }
        for (line, level) in req.lines.iter().zip(levels) {
            storage.put(&level_key(&line.sku), level).await?;
        }
        let expires_at_ms = worker::Date::now().as_millis() as f64 + req.ttl_seconds as f64 * 1000.0;
        storage.put(&reservation_key(&req.reservation), Reservation { lines: req.lines, expires_at_ms, committed: false }).await?;
        self.schedule_expiry(expires_at_ms).await?;
        Ok(ReserveOutcome::Reserved)
    }

    /// Gives reserved units back. Releasing twice, or after commit for a cancelled order, is safe.
    async fn release(&self, id: &str) -> Result<bool> {
        let storage = self.state.storage();
        let Some(res) = storage.get::<Reservation>(&reservation_key(id)).await? else { return Ok(false) };
        for line in &res.lines {
            let (level, _) = self.level(&line.sku).await?;
            storage.put(&level_key(&line.sku), level + i64::from(line.quantity)).await?;
        }
        storage.delete(&reservation_key(id)).await?;
        Ok(true)
    }

    async fn commit(&self, id: &str) -> Result<bool> {
        let storage = self.state.storage();
        let Some(mut res) = storage.get::<Reservation>(&reservation_key(id)).await? else { return Ok(false) };
        res.committed = true;
        res.expires_at_ms = f64::INFINITY;
        storage.put(&reservation_key(id), res).await?;
        Ok(true)
    }

    async fn schedule_expiry(&self, at_ms: f64) -> Result<()> {
        let storage = self.state.storage();
        let current = storage.get_alarm().await?;
        if current.is_none_or(|c| (c as f64) > at_ms) {
            storage.set_alarm(worker::ScheduledTime::new(worker::js_sys::Date::new(&(at_ms.into())))).await?;
        }
        Ok(())
    }
}

impl DurableObject for StockLedger {
    fn new(state: State, env: Env) -> Self {
        StockLedger { state, env }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match (req.method(), req.path().as_str()) {
            (Method::Post, "/reserve") => Response::from_json(&self.reserve(req.json().await?).await?),
            (Method::Post, "/release") => {
                let r: ReservationRef = req.json().await?;
                Response::from_json(&self.release(&r.reservation).await?)
            }
            (Method::Post, "/commit") => {
                let r: ReservationRef = req.json().await?;
                Response::from_json(&self.commit(&r.reservation).await?)
            }
            (Method::Get, "/level") => {
                let url = req.url()?;
                let sku = url.query_pairs().find(|(k, _)| k == "sku").map(|(_, v)| v.into_owned()).unwrap_or_default();
                Response::from_json(&self.level(&sku).await?.0)
            }
            _ => Response::error("not found", 404),
        }
    }

    /// Releases every reservation whose time is up, then re-arms for the next one.
    async fn alarm(&self) -> Result<Response> {
        let storage = self.state.storage();
        let now = worker::Date::now().as_millis() as f64;
        let all = storage.list_with_options(worker::ListOptions::new().prefix("res:")).await?;
        let mut next: Option<f64> = None;
        for key in all.keys() {
            let Some(key) = key.ok().and_then(|k| k.as_string()) else { continue };
            let Some(res) = storage.get::<Reservation>(&key).await? else { continue };
            if res.committed {
                continue;
            }
            if res.expires_at_ms <= now {
                self.release(key.trim_start_matches("res:")).await?;
            } else {
                next = Some(next.map_or(res.expires_at_ms, |n| n.min(res.expires_at_ms)));
            }
        }
        if let Some(at) = next {
            self.schedule_expiry(at).await?;
        }
        Response::ok("ok")
    }
}

/// The worker's view of the ledger.
pub struct Stock<'a>(pub &'a Env);

impl Stock<'_> {
    pub async fn reserve(&self, req: &ReserveRequest) -> Result<ReserveOutcome> {
        do_call(self.0, "STOCK", "shop", Method::Post, "/reserve", Some(req)).await
    }

    pub async fn release(&self, reservation: &str) -> Result<bool> {
        do_call(self.0, "STOCK", "shop", Method::Post, "/release", Some(&ReservationRef { reservation: reservation.into() })).await
    }

    pub async fn commit(&self, reservation: &str) -> Result<bool> {
        do_call(self.0, "STOCK", "shop", Method::Post, "/commit", Some(&ReservationRef { reservation: reservation.into() })).await
    }
}
