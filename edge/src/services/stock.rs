//! Stock levels and reservations: one Durable Object for the whole shop.
//!
//! Why one object: a checkout reserves every line of a cart at once, and a single writer makes that
//! all-or-nothing without a distributed protocol. Requests to it are tiny (a few storage reads and
//! writes), so one object serves far more checkouts per second than a shop of this size sees;
//! sharding by SKU would need a two-phase reservation for multi-line carts.
//!
//! Levels start at the catalog's stock the first time a SKU is touched. Each operation reads the
//! catalog seeds it needs first; after that, storage calls are the only awaits, so the runtime's
//! input gate keeps each read-modify-write atomic (two reservations can never both read an old
//! level). Per SKU the ledger keeps available, reserved and sold units.

use crate::build_data;
use crate::error::Context;
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
}

#[derive(Debug, Serialize, Deserialize)]
struct ReservationRef {
    reservation: String,
}

/// Units of a reservation given back before it ships (refunded by line: not to be packed), or
/// taken again when that refund failed (`back: false`). Done once per `id`.
#[derive(Debug, Serialize, Deserialize)]
struct PartRef {
    reservation: String,
    id: String,
    lines: Vec<ReserveLine>,
    back: bool,
}

/// The highest level staff may count or add up to.
pub const MAX_LEVEL: i64 = 1_000_000;

/// A staff change to the units on hand: a counted level, or a delta (a delivery, a breakage).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Adjust {
    pub sku: String,
    /// The units counted on the shelf: what is available is the count less the units held for
    /// orders (reserved here, and `unshipped`), which are on the shelf too. Or
    #[serde(default)]
    pub set: Option<i64>,
    /// units to add (negative: remove).
    #[serde(default)]
    pub add: Option<i64>,
    /// With `set`: units of orders placed and paid (or cash on delivery) that have not shipped
    /// yet, sold here already but still on the shelf.
    #[serde(default)]
    pub unshipped: i64,
    /// With `add`: the units came back from a sale (a return), so they count as sold no more.
    #[serde(default)]
    pub returned: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Adjusted {
    pub before: Level,
    pub after: Level,
    /// Nothing changed: taking away more than is available would leave a negative level.
    #[serde(default)]
    pub refused: bool,
}

/// One SKU's units: `available + reserved + sold` is the catalog's stock plus what was restocked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub available: i64,
    pub reserved: i64,
    pub sold: i64,
}

#[durable_object]
pub struct StockLedger {
    state: State,
    env: Env,
}

fn available_key(sku: &str) -> String {
    format!("level:{sku}")
}

fn reserved_key(sku: &str) -> String {
    format!("held:{sku}")
}

fn sold_key(sku: &str) -> String {
    format!("sold:{sku}")
}

/// Present while a SKU that may not be oversold has nothing available: what pages and the feed
/// must not promise (listed by prefix, one key per SKU, so any number of SKUs fits).
fn sold_out_key(sku: &str) -> String {
    format!("out:{sku}")
}

/// The catalog count a SKU's stored level is based on (see `edgeshop_domain::stock`).
fn counted_key(sku: &str) -> String {
    format!("counted:{sku}")
}

fn reservation_key(id: &str) -> String {
    format!("res:{id}")
}

/// Committed reservations, kept so that cancelling the order gives its units back exactly once.
fn committed_key(id: &str) -> String {
    format!("done:{id}")
}

/// The expiry index: keys sort by time, so the alarm reads only what is due.
fn expiry_key(at_ms: f64, id: &str) -> String {
    format!("exp:{:015}:{id}", at_ms.max(0.0) as u64)
}

/// Catalog seed and policy per SKU (unknown SKUs: nothing to sell).
type Seeds = std::collections::HashMap<String, (i64, StockPolicy)>;

impl StockLedger {
    /// Reads the catalog seeds of `skus` first: this is the only await that is not a storage call,
    /// so after it every read-modify-write runs behind the input gate without interleaving.
    async fn seeds<'s>(&self, skus: impl IntoIterator<Item = &'s str>) -> Result<Seeds> {
        let skus: Vec<&str> = skus.into_iter().collect();
        let found = build_data::skus(&self.env, skus.iter().copied()).await?;
        Ok(skus
            .into_iter()
            .map(|sku| {
                let seed = found.get(sku).map(|e| (i64::from(e.variant.stock), e.variant.stock_policy)).unwrap_or((0, StockPolicy::Deny));
                (sku.to_string(), seed)
            })
            .collect())
    }

    /// A SKU's units, following the catalog's count when a build published a new one.
    async fn level(&self, sku: &str, seeds: &Seeds) -> Result<Level> {
        let storage = self.state.storage();
        let seed = seeds.get(sku).map_or(0, |s| s.0);
        let reserved = storage.get::<i64>(&reserved_key(sku)).await?.unwrap_or(0);
        let stored = storage.get::<i64>(&available_key(sku)).await?;
        let counted_from = storage.get::<i64>(&counted_key(sku)).await?;
        Ok(Level {
            available: edgeshop_domain::stock::available_after_catalog(stored, reserved, counted_from, seed),
            reserved,
            sold: storage.get::<i64>(&sold_key(sku)).await?.unwrap_or(0),
        })
    }

    /// Stores a SKU's units with the catalog count they follow from (`seeds`).
    async fn put_level(&self, sku: &str, level: Level, seeds: &Seeds) -> Result<()> {
        let storage = self.state.storage();
        if let Some((count, _)) = seeds.get(sku) {
            storage.put(&counted_key(sku), *count).await?;
        }
        let deny = seeds.get(sku).is_none_or(|s| s.1 == StockPolicy::Deny);
        if deny && level.available <= 0 {
            storage.put(&sold_out_key(sku), true).await?;
        } else {
            storage.delete(&sold_out_key(sku)).await?;
        }
        storage.put(&available_key(sku), level.available).await?;
        storage.put(&reserved_key(sku), level.reserved).await?;
        storage.put(&sold_key(sku), level.sold).await
    }

    async fn reserve(&self, req: ReserveRequest) -> Result<ReserveOutcome> {
        let storage = self.state.storage();
        // Seeds for an earlier attempt's lines too: fetching them lets other requests in, so it
        // happens once, before anything below is read or changed.
        let earlier = storage.get::<Reservation>(&reservation_key(&req.reservation)).await?;
        let skus = req.lines.iter().chain(earlier.iter().flat_map(|r| r.lines.iter())).map(|l| l.sku.as_str());
        let seeds = self.seeds(skus).await?;
        if storage.get::<Vec<ReserveLine>>(&committed_key(&req.reservation)).await?.is_some() {
            return Ok(ReserveOutcome::Reserved);
        }
        if let Some(open) = storage.get::<Reservation>(&reservation_key(&req.reservation)).await? {
            let sorted = |lines: &[ReserveLine]| {
                let mut v: Vec<(String, u32)> = lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect();
                v.sort();
                v
            };
            if sorted(&open.lines) == sorted(&req.lines) {
                return Ok(ReserveOutcome::Reserved);
            }
            // The cart changed since an earlier attempt of this order reserved it: those units go
            // back (storage calls only, so nothing else runs in between), then the lines as they
            // are now are reserved.
            storage.delete(&expiry_key(open.expires_at_ms, &req.reservation)).await?;
            storage.delete(&reservation_key(&req.reservation)).await?;
            self.give_back(&open.lines, false, &seeds).await?;
        }
        let mut levels = Vec::with_capacity(req.lines.len());
        for line in &req.lines {
            let mut level = self.level(&line.sku, &seeds).await?;
            let policy = seeds.get(&line.sku).map_or(StockPolicy::Deny, |s| s.1);
            let quantity = i64::from(line.quantity);
            if policy == StockPolicy::Deny && level.available < quantity {
                return Ok(ReserveOutcome::OutOfStock { sku: line.sku.clone(), available: level.available.max(0), requested: line.quantity });
            }
            level.available -= quantity;
            level.reserved += quantity;
            levels.push(level);
        }
        for (line, level) in req.lines.iter().zip(levels) {
            self.put_level(&line.sku, level, &seeds).await?;
        }
        let expires_at_ms = worker::Date::now().as_millis() as f64 + req.ttl_seconds as f64 * 1000.0;
        storage.put(&expiry_key(expires_at_ms, &req.reservation), &req.reservation).await?;
        storage.put(&reservation_key(&req.reservation), Reservation { lines: req.lines, expires_at_ms }).await?;
        self.schedule_expiry(expires_at_ms).await?;
        Ok(ReserveOutcome::Reserved)
    }

    /// The SKUs that are sold out now (of `asked`, or all), each checked against this build's
    /// catalog: a new count published since it sold out puts it back on sale.
    async fn sold_out(&self, asked: Option<Vec<String>>) -> Result<Vec<String>> {
        let storage = self.state.storage();
        let listed: Vec<String> = match asked {
            Some(skus) => {
                let mut out = Vec::new();
                for sku in skus.into_iter().take(200) {
                    if storage.get::<bool>(&sold_out_key(&sku)).await?.is_some() {
                        out.push(sku);
                    }
                }
                out
            }
            None => {
                let options = worker::ListOptions::new().prefix("out:");
                let keys = storage.list_with_options(options).await?.keys();
                keys.into_iter()
                    .filter_map(|k| k.ok().and_then(|k| k.as_string()))
                    .filter_map(|k| k.strip_prefix("out:").map(str::to_string))
                    .collect()
            }
        };
        if listed.is_empty() {
            return Ok(listed);
        }
        let seeds = self.seeds(listed.iter().map(String::as_str)).await?;
        let mut still = Vec::with_capacity(listed.len());
        for sku in listed {
            let level = self.level(&sku, &seeds).await?;
            if level.available <= 0 && seeds.get(&sku).is_none_or(|s| s.1 == StockPolicy::Deny) {
                still.push(sku);
            } else {
                storage.delete(&sold_out_key(&sku)).await?;
            }
        }
        Ok(still)
    }

    /// Gives units back: an open reservation's, or (for a cancelled order that was already paid
    /// or confirmed) a committed one's. Releasing twice is safe. Answers the SKUs that were sold
    /// out and are not any more (their back-in-stock alerts are due).
    async fn release(&self, id: &str) -> Result<Released> {
        let storage = self.state.storage();
        let open = storage.get::<Reservation>(&reservation_key(id)).await?;
        let committed = storage.get::<Vec<ReserveLine>>(&committed_key(id)).await?;
        let lines = match (&open, &committed) {
            (Some(r), _) => &r.lines,
            (None, Some(lines)) => lines,
            (None, None) => return Ok(Released::default()),
        };
        let seeds = self.seeds(lines.iter().map(|l| l.sku.as_str())).await?;
        // The seeds fetch let other requests in: read the records again before changing anything.
        let open = storage.get::<Reservation>(&reservation_key(id)).await?;
        let committed = storage.get::<Vec<ReserveLine>>(&committed_key(id)).await?;
        let (lines, was_committed) = match (open, committed) {
            (Some(r), _) => {
                storage.delete(&expiry_key(r.expires_at_ms, id)).await?;
                storage.delete(&reservation_key(id)).await?;
                (r.lines, false)
            }
            (None, Some(lines)) => {
                storage.delete(&committed_key(id)).await?;
                (lines, true)
            }
            (None, None) => return Ok(Released::default()),
        };
        let back_in_stock = self.give_back(&lines, was_committed, &seeds).await?;
        Ok(Released { released: true, back_in_stock })
    }

    /// Gives back (or takes again) some units of a reservation or a committed order, and keeps
    /// its record to match, so that cancelling the order later gives back only what is left. A
    /// reservation that is gone (released, expired) has nothing to give back.
    async fn part(&self, p: PartRef) -> Result<Released> {
        let storage = self.state.storage();
        // Done before: what it did then (whether anything moved), so a retry reads the same.
        let done = format!("part:{}:{}", if p.back { "back" } else { "taken" }, p.id);
        if let Some(moved) = storage.get::<bool>(&done).await? {
            return Ok(Released { released: moved, back_in_stock: Vec::new() });
        }
        let seeds = self.seeds(p.lines.iter().map(|l| l.sku.as_str())).await?;
        // The seeds fetch let other requests in: read the records again before changing anything.
        if let Some(moved) = storage.get::<bool>(&done).await? {
            return Ok(Released { released: moved, back_in_stock: Vec::new() });
        }
        let mut open = storage.get::<Reservation>(&reservation_key(&p.reservation)).await?;
        let mut committed = storage.get::<Vec<ReserveLine>>(&committed_key(&p.reservation)).await?;
        let (lines, was_committed) = match (open.as_mut(), committed.as_mut()) {
            (Some(r), _) => (&mut r.lines, false),
            (None, Some(lines)) => (lines, true),
            (None, None) => return Ok(Released::default()),
        };
        // Never more back than the record holds of a SKU.
        let mut moved: Vec<ReserveLine> = Vec::new();
        for asked in &p.lines {
            let Some(line) = lines.iter_mut().find(|l| l.sku == asked.sku) else { continue };
            let quantity = if p.back { asked.quantity.min(line.quantity) } else { asked.quantity };
            if quantity == 0 {
                continue;
            }
            line.quantity = if p.back { line.quantity - quantity } else { line.quantity.saturating_add(quantity) };
            moved.push(ReserveLine { sku: asked.sku.clone(), quantity });
        }
        let back_in_stock = if p.back {
            self.give_back(&moved, was_committed, &seeds).await?
        } else {
            for line in &moved {
                let mut level = self.level(&line.sku, &seeds).await?;
                let quantity = i64::from(line.quantity);
                level.available -= quantity;
                if was_committed {
                    level.sold += quantity;
                } else {
                    level.reserved += quantity;
                }
                self.put_level(&line.sku, level, &seeds).await?;
            }
            Vec::new()
        };
        match (open, committed) {
            (Some(r), _) => storage.put(&reservation_key(&p.reservation), r).await?,
            (None, Some(lines)) => storage.put(&committed_key(&p.reservation), lines).await?,
            (None, None) => {}
        }
        storage.put(&done, !moved.is_empty()).await?;
        Ok(Released { released: !moved.is_empty(), back_in_stock })
    }

    /// Puts `lines` back on sale: units that were sold (`committed`) or reserved. Storage calls
    /// only, so no other request runs in between.
    async fn give_back(&self, lines: &[ReserveLine], committed: bool, seeds: &Seeds) -> Result<Vec<String>> {
        let mut back = Vec::new();
        for line in lines {
            let mut level = self.level(&line.sku, seeds).await?;
            let was_sold_out = level.available <= 0;
            let quantity = i64::from(line.quantity);
            level.available += quantity;
            if committed {
                level.sold -= quantity;
            } else {
                level.reserved -= quantity;
            }
            if was_sold_out && level.available > 0 && !back.contains(&line.sku) {
                back.push(line.sku.clone());
            }
            self.put_level(&line.sku, level, seeds).await?;
        }
        Ok(back)
    }

    async fn adjust(&self, a: Adjust) -> Result<Adjusted> {
        let seeds = self.seeds([a.sku.as_str()]).await?;
        let before = self.level(&a.sku, &seeds).await?;
        let available = match (a.set, a.add) {
            (Some(counted), None) => counted - before.reserved - a.unshipped,
            // Units on hand are the available and the held ones: a loss may take held units
            // (the level goes below zero, and nothing more sells), never more than are there.
            (None, Some(add)) if add < 0 && before.available.saturating_add(before.reserved).saturating_add(add) < 0 => {
                return Ok(Adjusted { before, after: before, refused: true });
            }
            // Nor past the highest level a count may set.
            (None, Some(add)) if add > 0 && before.available.saturating_add(add) > MAX_LEVEL => {
                return Ok(Adjusted { before, after: before, refused: true });
            }
            (None, Some(add)) => before.available.saturating_add(add),
            _ => before.available,
        };
        let sold = if a.returned { (before.sold - a.add.unwrap_or(0)).max(0) } else { before.sold };
        let after = Level { available, sold, ..before };
        self.put_level(&a.sku, after, &seeds).await?;
        Ok(Adjusted { before, after, refused: false })
    }

    /// Reserved units become sold; the reservation and its expiry entry go away.
    async fn commit(&self, id: &str) -> Result<bool> {
        let storage = self.state.storage();
        if storage.get::<Vec<ReserveLine>>(&committed_key(id)).await?.is_some() {
            return Ok(true);
        }
        let Some(res) = storage.get::<Reservation>(&reservation_key(id)).await? else { return Ok(false) };
        let seeds = self.seeds(res.lines.iter().map(|l| l.sku.as_str())).await?;
        let Some(res) = storage.get::<Reservation>(&reservation_key(id)).await? else {
            return Ok(storage.get::<Vec<ReserveLine>>(&committed_key(id)).await?.is_some());
        };
        for line in &res.lines {
            let mut level = self.level(&line.sku, &seeds).await?;
            let quantity = i64::from(line.quantity);
            level.reserved -= quantity;
            level.sold += quantity;
            self.put_level(&line.sku, level, &seeds).await?;
        }
        storage.delete(&expiry_key(res.expires_at_ms, id)).await?;
        storage.delete(&reservation_key(id)).await?;
        storage.put(&committed_key(id), res.lines).await?;
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
            (Method::Post, "/adjust") => Response::from_json(&self.adjust(req.json().await?).await?),
            (Method::Post, "/part") => Response::from_json(&self.part(req.json().await?).await?),
            (Method::Post, "/sold-out") => {
                let asked: Option<Vec<String>> = req.json().await?;
                Response::from_json(&self.sold_out(asked).await?)
            }
            (Method::Post, "/levels") => {
                let skus: Vec<String> = req.json().await?;
                let seeds = self.seeds(skus.iter().map(String::as_str)).await?;
                let mut levels = Vec::with_capacity(skus.len());
                for sku in &skus {
                    levels.push(self.level(sku, &seeds).await?);
                }
                Response::from_json(&levels)
            }
            (Method::Get, "/level") => {
                let url = req.url()?;
                let sku = url.query_pairs().find(|(k, _)| k == "sku").map(|(_, v)| v.into_owned()).unwrap_or_default();
                let seeds = self.seeds([sku.as_str()]).await?;
                Response::from_json(&self.level(&sku, &seeds).await?)
            }
            _ => Response::error("not found", 404),
        }
    }

    /// Releases the reservations whose time is up (read from the expiry index, so only what is
    /// due is touched), then re-arms for the next one.
    async fn alarm(&self) -> Result<Response> {
        let storage = self.state.storage();
        let now = worker::Date::now().as_millis() as f64;
        let end = expiry_key(now + 1.0, "");
        let due = storage.list_with_options(worker::ListOptions::new().start("exp:").end(&end).limit(500)).await?;
        let mut ids = Vec::new();
        due.for_each(&mut |value, _key| {
            if let Some(id) = value.as_string() {
                ids.push(id);
            }
        });
        let mut back = Vec::new();
        for id in &ids {
            back.extend(self.release(id).await?.back_in_stock);
        }
        // Units an unpaid order held are on sale again: whoever asked to hear about them is told.
        if let Err(e) = announce_back_in_stock(&self.env, &back).await {
            worker::console_error!("back-in-stock alerts after expired reservations: {}", e.detail);
        }
        let next = storage.list_with_options(worker::ListOptions::new().prefix("exp:").limit(1)).await?;
        let mut next_at = None;
        next.for_each(&mut |_value, key| {
            next_at = key.as_string().and_then(|k| k.split(':').nth(1).and_then(|ms| ms.parse::<f64>().ok()));
        });
        if let Some(at) = next_at {
            storage.set_alarm(worker::ScheduledTime::new(worker::js_sys::Date::new(&(at.max(now + 1000.0).into())))).await?;
        }
        Response::ok("ok")
    }
}

/// What a release did.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Released {
    pub released: bool,
    /// SKUs that were sold out and are on sale again.
    pub back_in_stock: Vec<String>,
}

/// Queues the back-in-stock alerts of `skus` (one event each; the alerts of a SKU are sent once,
/// see `subscriptions::handle`).
pub async fn announce_back_in_stock(env: &Env, skus: &[String]) -> std::result::Result<(), crate::error::ApiError> {
    use crate::services::events::{self, EventKind, OrderEvent};
    for sku in skus {
        let mut e =
            OrderEvent::new(format!("restock-{}", crate::services::random_id(8)), EventKind::StockRestocked, 0, crate::services::now_rfc3339());
        e.detail = Some(sku.clone());
        events::publish(env, &e).await?;
    }
    Ok(())
}

/// The worker's view of the ledger.
pub struct Stock<'a>(pub &'a Env);

impl Stock<'_> {
    pub async fn reserve(&self, req: &ReserveRequest) -> std::result::Result<ReserveOutcome, crate::error::ApiError> {
        do_call(self.0, "STOCK", "shop", Method::Post, "/reserve", Some(req)).await
    }

    /// Gives a reservation's (or a cancelled order's) units back, and sends the back-in-stock
    /// alerts of the SKUs that were sold out.
    pub async fn release(&self, reservation: &str) -> std::result::Result<bool, crate::error::ApiError> {
        let done: Released =
            do_call(self.0, "STOCK", "shop", Method::Post, "/release", Some(&ReservationRef { reservation: reservation.into() })).await?;
        announce_back_in_stock(self.0, &done.back_in_stock).await?;
        Ok(done.released)
    }

    /// Gives back (`back`) units of order `reservation` that will not ship, or takes them again
    /// (a refund by line that failed after all); once per `id`. Whether anything moved.
    pub async fn part(&self, reservation: &str, id: &str, lines: &[(String, u32)], back: bool) -> std::result::Result<bool, crate::error::ApiError> {
        let lines = lines.iter().map(|(sku, quantity)| ReserveLine { sku: sku.clone(), quantity: *quantity }).collect();
        let part = PartRef { reservation: reservation.into(), id: id.into(), lines, back };
        let done: Released = do_call(self.0, "STOCK", "shop", Method::Post, "/part", Some(&part)).await?;
        announce_back_in_stock(self.0, &done.back_in_stock).await?;
        Ok(done.released)
    }

    pub async fn commit(&self, reservation: &str) -> std::result::Result<bool, crate::error::ApiError> {
        do_call(self.0, "STOCK", "shop", Method::Post, "/commit", Some(&ReservationRef { reservation: reservation.into() })).await
    }

    pub async fn adjust(&self, a: &Adjust) -> std::result::Result<Adjusted, crate::error::ApiError> {
        do_call(self.0, "STOCK", "shop", Method::Post, "/adjust", Some(a)).await
    }

    /// A staff change of a level, kept with its reason in D1 (`stock_adjustments`).
    pub async fn adjust_recorded(&self, a: &Adjust, reason: &str, at: &str) -> std::result::Result<Adjusted, crate::error::ApiError> {
        use crate::services::db::{self, args, stmt};
        let done = self.adjust(a).await?;
        if done.refused {
            let Level { available, reserved, .. } = done.before;
            let on_hand = available + reserved;
            let why = if a.add.is_some_and(|add| add > 0) {
                format!("{available} available: at most {} can be added (levels are 0 to 1,000,000)", (MAX_LEVEL - available).max(0))
            } else {
                format!("{on_hand} on hand ({available} available, {reserved} held): at most {} can be taken away", on_hand.max(0))
            };
            return Err(crate::error::ApiError::new(crate::error::Problem::BadAdjustment, why));
        }
        stmt(
            &db::db(self.0)?,
            "INSERT INTO stock_adjustments (sku, before_available, after_available, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            args![&a.sku, done.before.available, done.after.available, reason, at],
        )?
        .run()
        .await
        .context("stock adjustment")?;
        Ok(done)
    }

    /// Which of `skus` (or of all SKUs) are sold out now.
    pub async fn sold_out(&self, skus: Option<&[String]>) -> std::result::Result<Vec<String>, crate::error::ApiError> {
        do_call(self.0, "STOCK", "shop", Method::Post, "/sold-out", Some(&skus)).await
    }

    /// The levels of several SKUs, in their order, in one call.
    pub async fn levels(&self, skus: &[String]) -> std::result::Result<Vec<Level>, crate::error::ApiError> {
        do_call(self.0, "STOCK", "shop", Method::Post, "/levels", Some(&skus)).await
    }

    /// What each of `skus` has left to sell, its level read beside its catalog entry: `None` for
    /// a SKU the catalog does not have, or one that may be oversold (no limit).
    pub async fn limits(&self, skus: &[String]) -> std::result::Result<Vec<Option<i64>>, crate::error::ApiError> {
        let (entries, levels) = futures_util::try_join!(build_data::skus(self.0, skus.iter().map(String::as_str)), self.levels(skus))?;
        let limited = |sku: &String| entries.get(sku).is_some_and(|e| e.variant.stock_policy == StockPolicy::Deny);
        Ok(skus.iter().zip(levels).map(|(sku, level)| limited(sku).then_some(level.available)).collect())
    }

    pub async fn level(&self, sku: &str) -> std::result::Result<Level, crate::error::ApiError> {
        let path = format!("/level?sku={}", worker::js_sys::encode_uri_component(sku));
        do_call::<(), Level>(self.0, "STOCK", "shop", Method::Get, &path, None).await
    }
}
