//! Carts: one `CartStore` Durable Object per cart, named by the cart's id. One writer per cart,
//! read-your-writes, and no per-key write limit (KV allows one write a second per key, which a
//! shopper adding two things quickly exceeds, and may serve a stale cart for up to a minute).

use crate::build_data;
use crate::error::{ApiError, Problem};
use crate::services::discounts;
use crate::services::stock::{Level, Stock};
use edgeshop_api::{Cart, CartDiscount, CartLine};
use edgeshop_domain::stock::cart_may_hold;
use edgeshop_domain::{check_quantity, CartError, Money, PricedCart, SkuEntry, StockPolicy};

use worker::{durable_object, DurableObject, Env, Method, Request, Response, State};

pub const CART_TTL_SECONDS: u64 = 30 * 24 * 3600;
/// The cart as stored (the shop's rules for it live in the domain crate).
pub use edgeshop_domain::{PriceChange, SavedCart as StoredCart};

/// A cart priced against the worker's catalog, plus what changed since the shopper last saw it.
pub struct Priced {
    pub cart: PricedCart,
    pub changes: Vec<PriceChange>,
}

pub fn valid_cart_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A stored cart and the revision it was read at: a change is saved only if the cart is still at
/// that revision, so two changes that arrive together cannot drop each other's lines.
#[derive(serde::Serialize, serde::Deserialize)]
struct Revision {
    cart: StoredCart,
    rev: u64,
}

/// The cart `id` names and its revision, if stored.
async fn read(env: &Env, id: &str) -> Result<Option<Revision>, ApiError> {
    super::do_call::<(), _>(env, "CARTS", id, Method::Get, "/cart", None).await
}

/// What became of a change to a cart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
enum SaveOutcome {
    Saved,
    /// Another change came first: read the cart again.
    Moved,
    /// A checkout of the cart is running: the change would be lost with the cart.
    CheckingOut,
}

/// Saves `cart` if the stored cart is still at revision `rev` (`None`: a new cart, saved only if
/// none is stored, so a cart checked out meanwhile is not brought back) and no checkout holds it.
async fn save(env: &Env, id: &str, cart: &StoredCart, rev: Option<u64>) -> Result<SaveOutcome, ApiError> {
    #[derive(serde::Serialize)]
    struct Write<'a> {
        cart: &'a StoredCart,
        rev: Option<u64>,
    }
    super::do_call::<_, SaveOutcome>(env, "CARTS", id, Method::Put, "/cart", Some(&Write { cart, rev })).await
}

/// A checkout's hold on a cart: `token` names the checkout.
#[derive(serde::Serialize, serde::Deserialize)]
struct Hold {
    token: String,
    /// When the hold lapses (ms since the epoch), should its checkout never finish or let go.
    until: f64,
}

/// How long a checkout holds its cart at most: far longer than placing an order takes.
const HOLD_MS: f64 = 60_000.0;

/// Reads the cart for a checkout and holds it: until the checkout deletes it or lets go (or a
/// minute passes), changes to it are refused rather than lost with it. A checkout takes over any
/// earlier hold (the idempotency guard lets one checkout of a cart run at a time, so an earlier
/// hold is a failed or timed-out attempt's).
pub async fn hold_for_checkout(env: &Env, id: &str, token: &str) -> Result<Option<StoredCart>, ApiError> {
    super::do_call(env, "CARTS", id, Method::Post, "/cart/hold", Some(&token)).await
}

/// Lets go of a cart a checkout held (the checkout failed before placing the order).
pub async fn release_hold(env: &Env, id: &str, token: &str) -> Result<(), ApiError> {
    super::do_call::<_, bool>(env, "CARTS", id, Method::Post, "/cart/release", Some(&token)).await.map(|_| ())
}

pub async fn delete(env: &Env, id: &str) -> Result<(), ApiError> {
    super::do_call::<(), bool>(env, "CARTS", id, Method::Delete, "/cart", None).await.map(|_| ())
}

/// One cart's store. Forgets the cart `CART_TTL_SECONDS` after its last change: the change's time
/// is stored with the cart (one write), and an alarm set only when none is pending checks it, so
/// a change costs one storage write, not a write and an alarm.
#[durable_object]
pub struct CartStore {
    state: State,
}

/// When a cart changed last `at` (ms since the epoch), it expires then.
fn expiry_ms(at: f64) -> f64 {
    at + CART_TTL_SECONDS as f64 * 1000.0
}

async fn set_alarm(storage: &worker::Storage, at_ms: f64) -> worker::Result<()> {
    storage.set_alarm(worker::ScheduledTime::new(worker::js_sys::Date::new(&at_ms.into()))).await
}

impl DurableObject for CartStore {
    fn new(state: State, _env: Env) -> Self {
        CartStore { state }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let storage = self.state.storage();
        match req.method() {
            Method::Get => {
                let cart = storage.get::<StoredCart>("cart").await?;
                let rev = storage.get::<u64>("rev").await?.unwrap_or(0);
                Response::from_json(&cart.map(|cart| Revision { cart, rev }))
            }
            // Compare and set: no other request runs between the read of `rev` and the write (the
            // object's input gate holds them while its storage answers).
            Method::Put => {
                #[derive(serde::Deserialize)]
                struct Write {
                    cart: StoredCart,
                    rev: Option<u64>,
                }
                let write: Write = req.json().await?;
                let now = worker::Date::now().as_millis() as f64;
                if storage.get::<Hold>("hold").await?.is_some_and(|h| h.until > now) {
                    return Response::from_json(&SaveOutcome::CheckingOut);
                }
                // The stored revision; a cart stored before revisions existed is at 0.
                let stored = match storage.get::<u64>("rev").await? {
                    Some(rev) => Some(rev),
                    None => storage.get::<serde_json::Value>("cart").await?.map(|_| 0),
                };
                if stored != write.rev {
                    return Response::from_json(&SaveOutcome::Moved);
                }
                // A struct, not a JSON map: serde-wasm-bindgen makes maps into JS `Map`s, which
                // `putMultiple` does not read as keys.
                #[derive(serde::Serialize)]
                struct Change<'a> {
                    cart: &'a StoredCart,
                    changed: f64,
                    rev: u64,
                }
                storage.put_multiple(Change { cart: &write.cart, changed: now, rev: write.rev.map_or(1, |r| r + 1) }).await?;
                if storage.get_alarm().await?.is_none() {
                    set_alarm(&storage, expiry_ms(now)).await?;
                }
                Response::from_json(&SaveOutcome::Saved)
            }
            // A checkout's hold (`hold_for_checkout`): the cart, now held for that checkout.
            Method::Post if req.path() == "/cart/hold" => {
                let token: String = req.json().await?;
                let cart = storage.get::<StoredCart>("cart").await?;
                if cart.is_some() {
                    let now = worker::Date::now().as_millis() as f64;
                    storage.put("hold", Hold { token, until: now + HOLD_MS }).await?;
                }
                Response::from_json(&cart)
            }
            Method::Post if req.path() == "/cart/release" => {
                let token: String = req.json().await?;
                if storage.get::<Hold>("hold").await?.is_some_and(|h| h.token == token) {
                    storage.delete("hold").await?;
                }
                Response::from_json(&true)
            }
            Method::Delete => {
                storage.delete_all().await?;
                storage.delete_alarm().await?;
                Response::from_json(&true)
            }
            _ => Response::error("method not allowed", 405),
        }
    }

    /// Forgets the cart when it has not changed for `CART_TTL_SECONDS`; else waits until then.
    async fn alarm(&self) -> worker::Result<Response> {
        let storage = self.state.storage();
        let expires = storage.get::<f64>("changed").await?.map(expiry_ms);
        match expires {
            Some(at) if at > worker::Date::now().as_millis() as f64 => {
                set_alarm(&storage, at).await?;
                Response::ok("kept")
            }
            _ => {
                storage.delete_all().await?;
                Response::ok("expired")
            }
        }
    }
}

pub fn cart_error(e: CartError) -> ApiError {
    match e {
        CartError::UnknownSku(_) => ApiError::new(Problem::UnknownSkuInRequest, e.to_string()),
        CartError::Unavailable(_) => ApiError::new(Problem::Discontinued, e.to_string()),
        CartError::BadQuantity { .. } => ApiError::new(Problem::BadQuantity, e.to_string()),
        CartError::Full => ApiError::new(Problem::CartFull, e.to_string()),
        CartError::NoLine(_) => ApiError::new(Problem::LineNotFound, e.to_string()),
        CartError::Money(m) => ApiError::internal(m.to_string()),
    }
}

/// Checks one SKU can be put in a cart at this quantity, and answers its catalog entry (the stock
/// ledger has the final word at checkout).
pub async fn check_line(env: &Env, sku: &str, quantity: u32) -> Result<SkuEntry, ApiError> {
    check_quantity(sku, quantity).map_err(cart_error)?;
    let s = build_data::skus(env, [sku]).await?;
    match s.get(sku) {
        None => Err(cart_error(CartError::UnknownSku(sku.into()))),
        Some(e) if !e.published => Err(cart_error(CartError::Unavailable(sku.into()))),
        Some(e) if !e.variant.available() => Err(ApiError::new(Problem::OutOfStock, format!("{} has sold out.", line_name(e)))),
        Some(e) => Ok(e.clone()),
    }
}

/// A SKU as shoppers know it: `Trail Tent (2 person / Green)`, or the product's title alone.
fn line_name(e: &SkuEntry) -> String {
    edgeshop_domain::line_name(&e.product_title, &e.variant.title())
}

/// The units of a SKU a cart may grow to: `None` when it may be oversold, or when the ledger
/// could not be read (the checkout reserves, and has the final word).
fn units_left(entry: &SkuEntry, level: Result<Level, ApiError>) -> Option<i64> {
    if entry.variant.stock_policy == StockPolicy::Continue {
        return None;
    }
    level.map(|l| l.available).map_err(|e| worker::console_error!("stock level of {}: {}", entry.variant.sku, e.detail)).ok()
}

/// Refuses to take a cart's line of `entry` from `held` to `wanted` units when fewer are left.
fn within_stock(entry: &SkuEntry, wanted: u32, held: u32, left: Option<i64>) -> Result<(), ApiError> {
    cart_may_hold(wanted, held, left).map_err(|left| shortage(entry, left, held))
}

/// Only `left` units of `entry` can be sold and the cart (holding `in_cart`) asked for more.
fn shortage(entry: &SkuEntry, left: u32, in_cart: u32) -> ApiError {
    let name = line_name(entry);
    let detail = match left {
        0 => format!("{name} has sold out."),
        l if in_cart >= l => format!("Only {l} of {name} left, and your cart has them all."),
        l if in_cart == 0 => format!("Only {l} of {name} left, so you can add up to {l}."),
        l => format!("Only {l} of {name} left: your cart has {in_cart}, so you can add {} more.", l - in_cart),
    };
    ApiError::new(Problem::OutOfStock, detail).with("sku", entry.variant.sku.clone()).with("available", left).with("in_cart", in_cart)
}

/// The cart's lines that hold more than the stock ledger has left now (line id, units left), for
/// the cart page to say so before the checkout refuses them; none when the ledger cannot be read
/// (the checkout still checks).
pub async fn short_lines(env: &Env, cart: &Cart) -> Vec<(String, u32)> {
    if cart.lines.is_empty() {
        return Vec::new();
    }
    let skus: Vec<String> = cart.lines.iter().map(|l| l.sku.clone()).collect();
    let Ok(limits) = Stock(env).limits(&skus).await else { return Vec::new() };
    cart.lines
        .iter()
        .zip(limits)
        .filter_map(|(l, left)| {
            left.filter(|left| i64::from(l.quantity) > *left).map(|left| (l.id.clone(), left.clamp(0, i64::from(u32::MAX)) as u32))
        })
        .collect()
}

/// Prices the stored lines against the worker's catalog (see `SavedCart::reprice`).
pub async fn price(env: &Env, stored: &mut StoredCart) -> Result<Priced, ApiError> {
    let snapshot = build_data::skus(env, stored.lines.iter().map(|l| l.sku.as_str())).await?;
    let (cart, changes) = stored.reprice(&snapshot).map_err(cart_error)?;
    Ok(Priced { cart, changes })
}

/// A stored cart as read: its id, lines and revision.
pub struct Found {
    pub id: String,
    stored: StoredCart,
    /// `None`: a new cart, not stored yet.
    rev: Option<u64>,
}

/// The cart `id` names, if the worker made it and it has not expired or been checked out (any
/// other id is neither adopted nor written).
pub async fn find(env: &Env, id: Option<String>) -> Result<Option<Found>, ApiError> {
    match id {
        Some(id) => Ok(read(env, &id).await?.map(|r| Found { id, stored: r.cart, rev: Some(r.rev) })),
        None => Ok(None),
    }
}

/// Tries of a change when other changes to the same cart keep coming first.
const ATTEMPTS: usize = 8;

fn busy() -> ApiError {
    ApiError::new(Problem::RequestInProgress, "the cart is being changed by other requests; try again").with_retry_after(1)
}

fn checking_out() -> ApiError {
    ApiError::new(Problem::RequestInProgress, "this cart is being checked out; try again in a moment (a new cart gets the change)")
        .with_retry_after(1)
}

/// Applies `apply` to the cart `id` names, or to a new cart (with a new id) when there is none,
/// and saves it; when another change to the cart came first, reads it again and applies `apply`
/// again. Returns the cart's id and the shopper's view.
async fn change(
    env: &Env,
    id: Option<String>,
    mut apply: impl AsyncFnMut(&mut StoredCart) -> Result<(), ApiError>,
) -> Result<(String, Cart), ApiError> {
    for _ in 0..ATTEMPTS {
        let Found { id, mut stored, rev } =
            find(env, id.clone()).await?.unwrap_or_else(|| Found { id: super::random_id(16), stored: StoredCart::default(), rev: None });
        apply(&mut stored).await?;
        match settle(env, &id, stored, rev, true).await? {
            (cart, SaveOutcome::Saved) => return Ok((id, cart)),
            (_, SaveOutcome::CheckingOut) => return Err(checking_out()),
            (_, SaveOutcome::Moved) => {}
        }
    }
    Err(busy())
}

/// Adds `quantity` of `sku` to the cart `id` names, or to a new cart (with a new id) when there
/// is none; saves it and returns its id and the shopper's view. An add beyond what the stock
/// ledger has left (its level read beside the catalog entry) is refused with what is left.
pub async fn add(env: &Env, id: Option<String>, sku: &str, quantity: u32) -> Result<(String, Cart), ApiError> {
    let (entry, level) = futures_util::future::join(check_line(env, sku, quantity), Stock(env).level(sku)).await;
    let entry = entry?;
    let left = units_left(&entry, level);
    change(env, id, async |stored| {
        let held = stored.quantity_of(sku);
        within_stock(&entry, held.saturating_add(quantity), held, left)?;
        stored.add(sku, quantity, || super::random_id(6)).map_err(cart_error)
    })
    .await
}

/// Sets a line's quantity in the cart `id` names (0 removes the line); saves it and returns its
/// id and the shopper's view. No cart has no such line: nothing is saved then.
pub async fn set_line(env: &Env, id: Option<String>, line_id: &str, quantity: u32) -> Result<(String, Cart), ApiError> {
    // The line's SKU, its entry and what is left of it, once (a change that must be applied again
    // finds the same SKU).
    let mut checked: Option<(SkuEntry, Option<i64>)> = None;
    change(env, id, async |stored| {
        let line = stored.line(line_id).map_err(cart_error)?;
        let (sku, held) = (line.sku.clone(), line.quantity);
        if quantity > 0 {
            if checked.as_ref().is_none_or(|(e, _)| e.variant.sku != sku) {
                let entry = check_line(env, &sku, quantity).await?;
                // Only a line that grows needs the ledger.
                let left = if quantity > held { units_left(&entry, Stock(env).level(&sku).await) } else { None };
                checked = Some((entry, left));
            }
            if let Some((entry, left)) = &checked {
                within_stock(entry, quantity, held, *left)?;
            }
        }
        stored.set_quantity(line_id, quantity).map_err(cart_error)
    })
    .await
}

/// The shopper's view of a cart as read, re-priced (and the re-pricing saved unless another
/// change came first, which saved its own).
pub async fn view_of(env: &Env, found: Found) -> Result<Cart, ApiError> {
    Ok(settle(env, &found.id, found.stored, found.rev, false).await?.0)
}

/// Prices the cart, saves it when `changed` (or when re-pricing changed it) if it is still at
/// revision `rev`, and returns the shopper's view of it and what became of the save.
async fn settle(env: &Env, id: &str, mut stored: StoredCart, rev: Option<u64>, changed: bool) -> Result<(Cart, SaveOutcome), ApiError> {
    let before = serde_json::to_string(&stored).unwrap_or_default();
    // The cart's prices and its discount code at the same time.
    let code = stored.discount_code.clone();
    let (priced, found) = futures_util::future::join(price(env, &mut stored), async {
        match &code {
            Some(code) => discounts::find(env, code).await,
            None => Ok(None),
        }
    })
    .await;
    let priced = priced?;
    // A code that cannot be looked up just now takes nothing off, and the cart still shows (the
    // checkout looks again, and fails rather than charge without it).
    let found = found.map_err(|e| worker::console_error!("discount code lookup failed: {}", e.detail));
    let discount = code.map(|code| discount_view(code, found.as_ref().map(Option::as_ref), priced.cart.subtotal));
    let saved =
        if changed || serde_json::to_string(&stored).unwrap_or_default() != before { save(env, id, &stored, rev).await? } else { SaveOutcome::Saved };
    Ok((view(Some(id), &stored, priced.cart, priced.changes, discount), saved))
}

/// A cart's discount code (`found`: the code as stored, if it still exists; `Err` when it could
/// not be looked up) on goods costing `subtotal`: what it takes off today, or why nothing.
fn discount_view(code: String, found: Result<Option<&discounts::Found>, &()>, subtotal: Money) -> CartDiscount {
    use crate::http::money_view;
    let locale = build_data::locale();
    let (offer, off) = match found {
        Ok(f) => (
            f.map(|f| f.code.describe(subtotal.currency, &locale)).unwrap_or_default(),
            discounts::amount_off(f, subtotal).map_err(|why| why.reason(&locale)),
        ),
        Err(()) => (String::new(), Err("it could not be checked just now; try again in a moment".to_string())),
    };
    let amount = off.as_ref().ok().copied();
    CartDiscount {
        code,
        offer,
        amount: amount.map(money_view),
        not_applied: off.err(),
        subtotal_after: money_view(Money::new(subtotal.minor - amount.map_or(0, |m| m.minor), subtotal.currency)),
    }
}

/// Puts `code` (in its kept form; `None` takes it off) on the cart `id` names, or on a new cart;
/// saves it and returns its id and the shopper's view.
pub async fn set_discount(env: &Env, id: Option<String>, code: Option<String>) -> Result<(String, Cart), ApiError> {
    change(env, id, async |stored| {
        stored.discount_code = code.clone();
        Ok(())
    })
    .await
}

/// Takes the discount code off the cart `id` names; `None` when there is no such cart.
pub async fn remove_discount(env: &Env, id: Option<String>) -> Result<Option<(String, Cart)>, ApiError> {
    if find(env, id.clone()).await?.is_none() {
        return Ok(None);
    }
    set_discount(env, id, None).await.map(Some)
}

/// The empty cart's view (no id: nothing is stored until something is added).
pub async fn empty_view(env: &Env) -> Result<Cart, ApiError> {
    let empty = StoredCart::default();
    let priced = price(env, &mut empty.clone()).await?;
    Ok(view(None, &empty, priced.cart, vec![], None))
}

fn view(id: Option<&str>, stored: &StoredCart, cart: PricedCart, changes: Vec<PriceChange>, discount: Option<CartDiscount>) -> Cart {
    use crate::http::money_view;
    let lines = stored
        .lines
        .iter()
        .zip(cart.lines)
        .map(|(s, p)| CartLine {
            id: s.id.clone(),
            url: edgeshop_domain::paths::product(&p.product_slug),
            sku: p.sku,
            product_slug: p.product_slug,
            title: p.title,
            variant_title: p.variant_title,
            quantity: p.quantity,
            unit_price: money_view(p.unit_price),
            line_total: money_view(p.line_total),
        })
        .collect();
    Cart {
        id: id.map(str::to_string),
        catalog_version: cart.catalog_version,
        item_count: stored.item_count(),
        lines,
        subtotal: money_view(cart.subtotal),
        price_changes: changes,
        discount,
    }
}
