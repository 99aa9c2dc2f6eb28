//! Analytics: page events through the ANALYTICS queue into daily rollups in D1, and the
//! merchant's reports, computed from those rollups and from the orders of record.
//!
//! The consumer is idempotent: event ids already counted are skipped (`analytics_seen`), and the
//! ids, counts and session steps of a batch are written in one transaction. It runs one batch at
//! a time (`max_concurrency = 1`), so reading the seen ids and then writing cannot race.

use crate::error::{ApiError, Context};
use crate::services::db::{self, args, stmt};
use crate::services::stock::Stock;
use edgeshop_api::analytics::{Cell, Chart, ChartKind, Column, Kpi, Point, Report, Table, ValueKind};
use edgeshop_domain::analytics::{basis_points, day_number, day_string, normalise_query, step, Event, Range, Rollup};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use worker::{Env, MessageBatch, MessageExt};

pub const QUEUE: &str = "edgeshop-analytics";

/// One queue message: the events of one beacon.
#[derive(Debug, Serialize, Deserialize)]
pub struct Batch {
    pub id: String,
    pub events: Vec<Event>,
}

/// Queues a beacon's events (as JSON text, which any consumer version can read).
pub async fn enqueue(env: &Env, batch: &Batch) -> Result<(), ApiError> {
    let body = serde_json::to_string(batch)?;
    env.queue("ANALYTICS").context("ANALYTICS binding")?.send(body).await?;
    Ok(())
}

/// The ANALYTICS queue's consumer: unreadable messages are dropped (logged), the rest recorded
/// together; a failed write retries the whole batch (counted ids make that harmless).
pub async fn consume<T>(batch: &MessageBatch<T>, env: &Env) -> worker::Result<()> {
    let mut events = Vec::new();
    for m in batch.raw_iter() {
        match m.body().as_string().and_then(|s| serde_json::from_str::<Batch>(&s).ok()) {
            Some(b) => events.extend(b.events),
            None => worker::console_warn!("{}", serde_json::json!({ "msg": "analytics: unreadable message dropped" })),
        }
    }
    let started = worker::Date::now().as_millis();
    // Test hook (`EDGESHOP_FAULTS=analytics-retry-once`, never set in a deployed shop): a first
    // delivery is written and then asked for again, as after a crash just before the ack.
    let redeliver = first_delivery_fault(env, batch).await;
    let status = match record(env, &events).await {
        Ok(()) if redeliver => {
            batch.retry_all();
            500
        }
        Ok(()) => {
            batch.ack_all();
            200
        }
        Err(e) => {
            worker::console_error!("{}", serde_json::json!({ "msg": "analytics: batch not recorded, retrying", "detail": e.detail }));
            batch.retry_all();
            500
        }
    };
    let (n, ms) = (batch.raw_iter().len().max(1) as u64, worker::Date::now().as_millis() - started);
    for _ in 0..n {
        crate::services::ops::record(&format!("queue:{QUEUE}"), status, ms / n);
    }
    Ok(())
}

/// Whether the test hook asks for this batch again: only on its first delivery (remembered in KV
/// by the first message's id, which a redelivery keeps).
async fn first_delivery_fault<T>(env: &Env, batch: &MessageBatch<T>) -> bool {
    match batch.raw_iter().next() {
        Some(first) => crate::services::fault_once(env, "analytics-retry-once", &format!("analytics:{}", first.id())).await,
        None => false,
    }
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

/// Adds the events not counted before to the rollups, in one transaction.
pub async fn record(env: &Env, events: &[Event]) -> Result<(), ApiError> {
    if events.is_empty() {
        return Ok(());
    }
    let db = db::db(env)?;
    let ids = serde_json::to_string(&events.iter().map(|e| &e.id).collect::<Vec<_>>())?;
    let seen: Vec<Id> = db::all(stmt(&db, "SELECT id FROM analytics_seen WHERE id IN (SELECT value FROM json_each(?1))", args![&ids])?).await?;
    let mut skip: HashSet<String> = seen.into_iter().map(|r| r.id).collect();
    let mut rollup = Rollup::default();
    let mut fresh = Vec::new();
    for e in events {
        if skip.insert(e.id.clone()) {
            rollup.add(e);
            fresh.push((e.id.as_str(), e.day.as_str()));
        }
    }
    if fresh.is_empty() {
        return Ok(());
    }
    let daily: Vec<(&str, &str, &str, i64)> = rollup.daily.iter().map(|((day, metric, dim), n)| (day.as_str(), *metric, dim.as_str(), *n)).collect();
    let sessions: Vec<(&str, &str, i64, Option<&str>)> =
        rollup.sessions.iter().map(|((day, session), (steps, q))| (day.as_str(), session.as_str(), *steps, q.as_deref())).collect();
    let oldest_kept = day_string(day_number(&today()).unwrap_or(0) - 7);
    let statements = vec![
        stmt(
            &db,
            "INSERT OR IGNORE INTO analytics_seen (id, day) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1)",
            args![&serde_json::to_string(&fresh)?],
        )?,
        stmt(
            &db,
            "INSERT INTO analytics_daily (day, metric, dim, n) \
             SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(?1) WHERE true \
             ON CONFLICT (day, metric, dim) DO UPDATE SET n = n + excluded.n",
            args![&serde_json::to_string(&daily)?],
        )?,
        stmt(
            &db,
            "INSERT INTO analytics_sessions (day, session, steps, last_query) \
             SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(?1) WHERE true \
             ON CONFLICT (day, session) DO UPDATE SET steps = steps | excluded.steps, last_query = coalesce(excluded.last_query, last_query)",
            args![&serde_json::to_string(&sessions)?],
        )?,
        // Redeliveries come within minutes; a week of ids is plenty.
        stmt(&db, "DELETE FROM analytics_seen WHERE day < ?1", args![&oldest_kept])?,
    ];
    db::batch(&db, statements).await
}

/// Today (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    day_string((worker::Date::now().as_millis() / 86_400_000) as i64)
}

// ---- Reports ------------------------------------------------------------------------------------

/// Orders that count as sales: placed and not cancelled, failed or still waiting for payment.
const COUNTED: &str = "o.status NOT IN ('cancelled', 'payment_failed', 'awaiting_payment')";
/// The order's session browsed in the period (?3..?4): one index probe per order, where `IN
/// (SELECT …)` would first collect every session of the period.
const SEEN: &str = "EXISTS (SELECT 1 FROM analytics_sessions s WHERE s.session = o.analytics_session AND s.day BETWEEN ?3 AND ?4)";
/// Orders whose money has arrived: paid online (then packed, shipped, …), or cash on delivery
/// once delivered.
const PAID: &str = "(o.status IN ('paid', 'packed', 'shipped', 'delivered', 'return_requested', 'returned') \
     AND (o.payment_method = 'online' OR o.status IN ('delivered', 'return_requested', 'returned')))";

fn kpi(key: &str, label: &str, kind: ValueKind, value: i64, previous: i64) -> Kpi {
    Kpi { key: key.into(), label: label.into(), kind, value, previous }
}

fn rate(part: i64, whole: i64) -> Cell {
    if whole > 0 {
        Cell::Number(basis_points(part, whole))
    } else {
        Cell::Empty(())
    }
}

/// Headline numbers of one period.
#[derive(Default)]
struct Totals {
    orders: i64,
    revenue: i64,
    units: i64,
    refunds: i64,
    online: i64,
    sessions: i64,
    ordering_sessions: i64,
    new_customers: i64,
    returning_customers: i64,
    searches: i64,
    search_clicks: i64,
}

#[derive(Deserialize, Default)]
struct SalesRow {
    orders: i64,
    revenue: i64,
    online: i64,
}

#[derive(Deserialize, Default)]
struct Sum {
    n: i64,
}

#[derive(Deserialize, Default)]
struct CustomerSplit {
    new_customers: i64,
    returning_customers: i64,
}

async fn totals(env: &Env, r: &Range) -> Result<Totals, ApiError> {
    let db = db::db(env)?;
    let (start, end) = r.bounds();
    let sales = db::first::<SalesRow>(stmt(
        &db,
        &format!(
            "SELECT count(*) AS orders, coalesce(sum(o.total_minor), 0) AS revenue, coalesce(sum(o.payment_method = 'online'), 0) AS online \
             FROM orders o WHERE o.created_at >= ?1 AND o.created_at < ?2 AND {COUNTED}"
        ),
        args![&start, &end],
    )?);
    let units = db::first::<Sum>(stmt(
        &db,
        &format!(
            "SELECT coalesce(sum(l.quantity), 0) AS n FROM orders o JOIN order_lines l ON l.order_number = o.number \
             WHERE o.created_at >= ?1 AND o.created_at < ?2 AND {COUNTED}"
        ),
        args![&start, &end],
    )?);
    // Refunds made in the period of the orders revenue counts: a cancelled order's payment is in
    // neither, so its refund is not taken off the revenue either; nor is a payment made twice and
    // given back (never a sale). Per order, what was refunded by the period's end less what was
    // refunded by its start, as the order list and the tax table count it.
    let refunds = db::first::<Sum>(stmt(
        &db,
        &format!(
            "SELECT coalesce(sum({} - {}), 0) AS n FROM orders o WHERE {COUNTED} AND o.number IN \
             (SELECT p.order_number FROM payments p WHERE p.kind = 'refund' AND p.status != 'failed' AND p.created_at >= ?1 AND p.created_at < ?2)",
            crate::services::orders::refunded_before_sql("o.number", "o.total_minor", Some("?2")),
            crate::services::orders::refunded_before_sql("o.number", "o.total_minor", Some("?1")),
        ),
        args![&start, &end],
    )?);
    let sessions = db::first::<Sum>(stmt(&db, "SELECT count(*) AS n FROM analytics_sessions WHERE day BETWEEN ?1 AND ?2", args![&r.from, &r.to])?);
    let ordering = db::first::<Sum>(stmt(
        &db,
        &format!(
            "SELECT count(DISTINCT o.analytics_session) AS n FROM orders o WHERE o.created_at >= ?1 AND o.created_at < ?2 AND {COUNTED} AND {SEEN}"
        ),
        args![&start, &end, &r.from, &r.to],
    )?);
    let customers = db::first::<CustomerSplit>(stmt(
        &db,
        &format!(
            "SELECT coalesce(sum(first_at >= ?1), 0) AS new_customers, coalesce(sum(first_at < ?1), 0) AS returning_customers FROM \
             (SELECT (SELECT min(f.created_at) FROM orders f WHERE f.email = o.email) AS first_at \
              FROM orders o WHERE o.created_at >= ?1 AND o.created_at < ?2 AND {COUNTED} GROUP BY o.email)"
        ),
        args![&start, &end],
    )?);
    let searches = db::first::<Sum>(stmt(
        &db,
        "SELECT coalesce(sum(n), 0) AS n FROM analytics_daily WHERE metric = 'search' AND day BETWEEN ?1 AND ?2",
        args![&r.from, &r.to],
    )?);
    let clicks = db::first::<Sum>(stmt(
        &db,
        "SELECT coalesce(sum(n), 0) AS n FROM analytics_daily WHERE metric = 'search_click' AND day BETWEEN ?1 AND ?2",
        args![&r.from, &r.to],
    )?);
    let (sales, units, refunds, sessions, ordering, customers, searches, clicks) =
        futures_util::try_join!(sales, units, refunds, sessions, ordering, customers, searches, clicks)?;
    let (sales, customers) = (sales.unwrap_or_default(), customers.unwrap_or_default());
    let n = |s: Option<Sum>| s.unwrap_or_default().n;
    Ok(Totals {
        orders: sales.orders,
        revenue: sales.revenue,
        online: sales.online,
        units: n(units),
        refunds: n(refunds),
        sessions: n(sessions),
        ordering_sessions: n(ordering),
        new_customers: customers.new_customers,
        returning_customers: customers.returning_customers,
        searches: n(searches),
        search_clicks: n(clicks),
    })
}

fn kpis(now: &Totals, before: &Totals) -> Vec<Kpi> {
    let aov = |t: &Totals| if t.orders > 0 { (t.revenue + t.orders / 2) / t.orders } else { 0 };
    let bp = |part: i64, whole: i64| basis_points(part, whole);
    vec![
        kpi("revenue", "Revenue", ValueKind::Money, now.revenue, before.revenue),
        kpi("orders", "Orders", ValueKind::Count, now.orders, before.orders),
        kpi("average_order", "Average order", ValueKind::Money, aov(now), aov(before)),
        kpi("units", "Units sold", ValueKind::Count, now.units, before.units),
        kpi("refunds", "Refunds", ValueKind::Money, now.refunds, before.refunds),
        // Revenue less the period's refunds (Shopify's "net sales" reading of the same two).
        kpi("net_sales", "Net sales (after refunds)", ValueKind::Money, now.revenue - now.refunds, before.revenue - before.refunds),
        kpi("online_share", "Paid online", ValueKind::Percent, bp(now.online, now.orders), bp(before.online, before.orders)),
        kpi(
            "cod_share",
            "Cash on delivery",
            ValueKind::Percent,
            bp(now.orders - now.online, now.orders),
            bp(before.orders - before.online, before.orders),
        ),
        kpi("sessions", "Sessions", ValueKind::Count, now.sessions, before.sessions),
        kpi(
            "conversion",
            "Sessions that ordered",
            ValueKind::Percent,
            bp(now.ordering_sessions, now.sessions),
            bp(before.ordering_sessions, before.sessions),
        ),
        // By each customer's first order ever: in the period, or before it (a second order in
        // the same period is in "Orders per customer", not here).
        kpi("new_customers", "New customers (first order)", ValueKind::Count, now.new_customers, before.new_customers),
        kpi("returning_customers", "Customers who ordered before", ValueKind::Count, now.returning_customers, before.returning_customers),
        kpi("searches", "Searches", ValueKind::Count, now.searches, before.searches),
        kpi("search_ctr", "Search click-through", ValueKind::Percent, bp(now.search_clicks, now.searches), bp(before.search_clicks, before.searches)),
    ]
}

#[derive(Deserialize)]
struct DayRow {
    day: String,
    orders: i64,
    revenue: i64,
}

#[derive(Deserialize)]
struct CategoryRow {
    category: String,
    revenue: i64,
    units: i64,
}

#[derive(Deserialize)]
struct ProductRow {
    slug: String,
    title: String,
    revenue: i64,
    units: i64,
    orders: i64,
}

#[derive(Deserialize)]
struct Dim {
    dim: String,
    n: i64,
}

#[derive(Deserialize)]
struct TaxRow {
    country: String,
    rate: Option<u32>,
    orders: i64,
    sales: i64,
    tax: i64,
    refunded: i64,
    tax_refunded: i64,
}

#[derive(Deserialize)]
struct MethodRow {
    method: String,
    orders: i64,
    revenue: i64,
}

#[derive(Deserialize)]
struct FunnelRow {
    visits: i64,
    product_views: i64,
    carts: i64,
    checkouts: i64,
}

#[derive(Deserialize)]
struct CustomerRow {
    email: String,
    name: String,
    orders: i64,
    spent: i64,
    first_at: String,
}

#[derive(Deserialize)]
struct CountRow {
    orders: i64,
    customers: i64,
}

#[derive(Deserialize)]
struct SkuRow {
    sku: String,
    title: String,
    units: i64,
}

/// Counts of one metric over the range per dimension, largest first.
async fn dims(db: &worker::D1Database, metric: &str, r: &Range) -> Result<Vec<Dim>, ApiError> {
    let sql = "SELECT dim, sum(n) AS n FROM analytics_daily WHERE metric = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY dim ORDER BY n DESC, dim";
    db::all(stmt(db, sql, args![metric, &r.from, &r.to])?).await
}

/// Rows shown in the "top" tables.
const TOP: usize = 20;
/// Viewed products looked up in the catalog for one report, at most (each is an asset fetch).
const MAX_PRODUCT_LOOKS: usize = 40;

/// The whole report for `r`, with the previous period of the same length for the headline.
pub async fn report(env: &Env, r: &Range) -> Result<Report, ApiError> {
    let m = crate::build_data::manifest(env).await?;
    let db = db::db(env)?;
    let previous = r.previous();
    let (start, end) = r.bounds();
    let by_day = db::all::<DayRow>(stmt(
        &db,
        &format!(
            "SELECT substr(o.created_at, 1, 10) AS day, count(*) AS orders, sum(o.total_minor) AS revenue FROM orders o \
             WHERE o.created_at >= ?1 AND o.created_at < ?2 AND {COUNTED} GROUP BY day ORDER BY day"
        ),
        args![&start, &end],
    )?);
    let by_category = db::all::<CategoryRow>(stmt(
        &db,
        &format!(
            "SELECT l.category AS category, sum(l.line_minor) AS revenue, sum(l.quantity) AS units FROM orders o JOIN order_lines l ON l.order_number = o.number \
             WHERE o.created_at >= ?1 AND o.created_at < ?2 AND {COUNTED} GROUP BY l.category ORDER BY revenue DESC, category"
        ),
        args![&start, &end],
    )?);
    let products = db::all::<ProductRow>(stmt(
        &db,
        &format!(
            "SELECT l.product_slug AS slug, max(l.title) AS title, sum(l.line_minor) AS revenue, sum(l.quantity) AS units, count(DISTINCT o.number) AS orders \
             FROM orders o JOIN order_lines l ON l.order_number = o.number \
             WHERE o.created_at >= ?1 AND o.created_at < ?2 AND {COUNTED} GROUP BY l.product_slug"
        ),
        args![&start, &end],
    )?);
    // Tax by where orders went and the rate charged, with what went back of it: each order's
    // refunds (by the provider, or owed by hand for cash on delivery) carry their share of its tax.
    // Refunded of each order: not a payment made twice and given back (that was never a sale).
    let refunded = crate::services::orders::refunded_sql("o.number", "o.total_minor");
    let taxes = db::all::<TaxRow>(stmt(
        &db,
        &format!(
            "SELECT country, rate, count(*) AS orders, sum(total) AS sales, sum(tax) AS tax, sum(refunded) AS refunded, \
             sum(CASE WHEN total > 0 THEN (tax * min(refunded, total) * 2 + total) / (total * 2) ELSE 0 END) AS tax_refunded FROM \
             (SELECT coalesce(json_extract(o.address_json, '$.country'), '') AS country, o.tax_rate_bp AS rate, o.total_minor AS total, o.tax_minor AS tax, \
              o.refund_due_minor + {refunded} AS refunded \
              FROM orders o WHERE o.created_at >= ?1 AND o.created_at < ?2 AND {COUNTED}) \
             GROUP BY country, rate ORDER BY country, rate"
        ),
        args![&start, &end],
    )?);
    let methods = db::all::<MethodRow>(stmt(
        &db,
        &format!(
            "SELECT o.payment_method AS method, count(*) AS orders, sum(o.total_minor) AS revenue FROM orders o \
             WHERE o.created_at >= ?1 AND o.created_at < ?2 AND {COUNTED} GROUP BY o.payment_method ORDER BY orders DESC"
        ),
        args![&start, &end],
    )?);
    let views = dims(&db, "product_view", r);
    let carts = dims(&db, "add_to_cart", r);
    let funnel = db::first::<FunnelRow>(stmt(
        &db,
        "SELECT count(*) AS visits, coalesce(sum((steps & (?3 | ?4 | ?5)) != 0), 0) AS product_views, \
         coalesce(sum((steps & (?4 | ?5)) != 0), 0) AS carts, coalesce(sum((steps & ?5) != 0), 0) AS checkouts \
         FROM analytics_sessions WHERE day BETWEEN ?1 AND ?2",
        args![&r.from, &r.to, step::PRODUCT_VIEW, step::ADD_TO_CART, step::CHECKOUT],
    )?);
    let paid_sessions = db::first::<Sum>(stmt(
        &db,
        &format!(
            "SELECT count(DISTINCT o.analytics_session) AS n FROM orders o WHERE o.created_at >= ?1 AND o.created_at < ?2 AND {PAID} AND {SEEN}"
        ),
        args![&start, &end, &r.from, &r.to],
    )?);
    let top_customers = db::all::<CustomerRow>(stmt(
        &db,
        &format!(
            "SELECT o.email AS email, max(o.name) AS name, count(*) AS orders, sum(o.total_minor) AS spent, \
             (SELECT min(f.created_at) FROM orders f WHERE f.email = o.email) AS first_at \
             FROM orders o WHERE o.created_at >= ?1 AND o.created_at < ?2 AND {COUNTED} AND {} GROUP BY o.email ORDER BY spent DESC, email LIMIT {TOP}",
            crate::services::subscriptions::not_erased_sql("o.email")
        ),
        args![&start, &end],
    )?);
    let per_customer = db::all::<CountRow>(stmt(
        &db,
        &format!(
            "SELECT min(n, 5) AS orders, count(*) AS customers FROM \
             (SELECT count(*) AS n FROM orders o WHERE o.created_at >= ?1 AND o.created_at < ?2 AND {COUNTED} GROUP BY o.email) \
             GROUP BY min(n, 5) ORDER BY orders"
        ),
        args![&start, &end],
    )?);
    let searches = dims(&db, "search", r);
    let zero = dims(&db, "search_zero", r);
    let clicks = dims(&db, "search_click", r);
    let search_orders = db::all::<Dim>(stmt(
        &db,
        &format!(
            // The period's orders first (CROSS JOIN keeps that order), then their sessions by index.
            "SELECT s.last_query AS dim, count(DISTINCT o.number) AS n FROM orders o CROSS JOIN analytics_sessions s \
             WHERE o.created_at >= ?3 AND o.created_at < ?4 AND {COUNTED} AND o.analytics_session IS NOT NULL \
             AND s.session = o.analytics_session AND s.day BETWEEN ?1 AND ?2 AND s.last_query IS NOT NULL \
             GROUP BY s.last_query ORDER BY n DESC, dim LIMIT {TOP}"
        ),
        args![&r.from, &r.to, &start, &end],
    )?);
    let skus = db::all::<SkuRow>(stmt(
        &db,
        &format!(
            "SELECT l.sku AS sku, max(CASE WHEN l.variant_title = '' THEN l.title ELSE l.title || ' – ' || l.variant_title END) AS title, sum(l.quantity) AS units FROM orders o JOIN order_lines l ON l.order_number = o.number \
             WHERE o.created_at >= ?1 AND o.created_at < ?2 AND {COUNTED} GROUP BY l.sku ORDER BY units DESC, sku LIMIT {TOP}"
        ),
        args![&start, &end],
    )?);
    let (
        (now, before),
        (by_day, by_category, products, methods),
        (views, carts, funnel, paid_sessions),
        (top_customers, per_customer),
        (searches, zero, clicks, search_orders),
        skus,
        taxes,
    ) = futures_util::try_join!(
        futures_util::future::try_join(totals(env, r), totals(env, &previous)),
        futures_util::future::try_join4(by_day, by_category, products, methods),
        futures_util::future::try_join4(views, carts, funnel, paid_sessions),
        futures_util::future::try_join(top_customers, per_customer),
        futures_util::future::try_join4(searches, zero, clicks, search_orders),
        skus,
        taxes,
    )?;
    let levels = if skus.is_empty() { vec![] } else { Stock(env).levels(&skus.iter().map(|s| s.sku.clone()).collect::<Vec<_>>()).await? };

    let mut tables = Vec::new();
    let mut charts = Vec::new();

    // Sales by day: every day of the range, also those without orders.
    let days: HashMap<&str, &DayRow> = by_day.iter().map(|d| (d.day.as_str(), d)).collect();
    let day_rows: Vec<(String, i64, i64)> =
        r.each_day().into_iter().map(|d| days.get(d.as_str()).map_or((d.clone(), 0, 0), |row| (d.clone(), row.orders, row.revenue))).collect();
    charts.push(Chart {
        id: "sales_by_day".into(),
        title: "Revenue by day".into(),
        description: format!("Revenue per day from {} to {}; the table below has the figures.", r.from, r.to),
        kind: ChartKind::Line,
        unit: ValueKind::Money,
        points: day_rows.iter().map(|(d, _, rev)| Point { label: d.clone(), value: *rev }).collect(),
    });
    tables.push(Table {
        id: "sales_by_day".into(),
        title: "Sales by day".into(),
        columns: vec![
            Column::new("day", "Day", ValueKind::Text),
            Column::new("orders", "Orders", ValueKind::Count),
            Column::new("revenue", "Revenue", ValueKind::Money),
        ],
        rows: day_rows.iter().map(|(d, o, rev)| vec![Cell::Text(d.clone()), Cell::Number(*o), Cell::Number(*rev)]).collect(),
    });

    let category_total: i64 = by_category.iter().map(|c| c.revenue).sum();
    let manifest = crate::build_data::manifest(env).await?;
    let category_name = |slug: &str| if slug.is_empty() { "(no category recorded)".to_string() } else { manifest.category_name(slug).to_string() };
    charts.push(Chart {
        id: "sales_by_category".into(),
        title: "Revenue by category".into(),
        description: "Revenue per category over the period, largest first.".into(),
        kind: ChartKind::Bar,
        unit: ValueKind::Money,
        points: by_category.iter().map(|c| Point { label: category_name(&c.category), value: c.revenue }).collect(),
    });
    tables.push(Table {
        id: "sales_by_category".into(),
        title: "Sales by category".into(),
        columns: vec![
            Column::new("category", "Category", ValueKind::Text),
            Column::new("revenue", "Revenue", ValueKind::Money),
            Column::new("units", "Units", ValueKind::Count),
            Column::new("share", "Share of revenue", ValueKind::Percent),
        ],
        rows: by_category
            .iter()
            .map(|c| vec![Cell::Text(category_name(&c.category)), Cell::Number(c.revenue), Cell::Number(c.units), rate(c.revenue, category_total)])
            .collect(),
    });

    tables.push(Table {
        id: "payment_methods".into(),
        title: "Payment methods".into(),
        columns: vec![
            Column::new("method", "Method", ValueKind::Text),
            Column::new("orders", "Orders", ValueKind::Count),
            Column::new("revenue", "Revenue", ValueKind::Money),
            Column::new("share", "Share of orders", ValueKind::Percent),
        ],
        rows: methods
            .iter()
            .map(|m| {
                let name = if m.method == "cash_on_delivery" { "Cash on delivery" } else { "Online" };
                vec![Cell::Text(name.into()), Cell::Number(m.orders), Cell::Number(m.revenue), rate(m.orders, now.orders)]
            })
            .collect(),
    });

    tables.push(Table {
        id: "tax_by_country".into(),
        title: "Tax by country".into(),
        columns: vec![
            Column::new("country", "Country", ValueKind::Text),
            Column::new("rate", "Tax rate", ValueKind::Text),
            Column::new("orders", "Orders", ValueKind::Count),
            Column::new("sales", "Sales", ValueKind::Money),
            Column::new("tax", "Tax", ValueKind::Money),
            Column::new("refunded", "Refunded", ValueKind::Money),
            Column::new("tax_refunded", "Tax in refunds", ValueKind::Money),
            Column::new("net_tax", "Tax after refunds", ValueKind::Money),
        ],
        rows: taxes
            .iter()
            .map(|t| {
                let country = if t.country.is_empty() {
                    "(not recorded)".to_string()
                } else {
                    format!("{} ({})", edgeshop_domain::country_label(&t.country), t.country)
                };
                let rate = t.rate.map_or_else(|| "not recorded".to_string(), edgeshop_domain::percent_label);
                vec![
                    Cell::Text(country),
                    Cell::Text(rate),
                    Cell::Number(t.orders),
                    Cell::Number(t.sales),
                    Cell::Number(t.tax),
                    Cell::Number(t.refunded),
                    Cell::Number(t.tax_refunded),
                    Cell::Number(t.tax - t.tax_refunded),
                ]
            })
            .collect(),
    });

    // Products: sold ones by revenue and by units, viewed ones by views.
    let views: HashMap<String, i64> = views.into_iter().map(|d| (d.dim, d.n)).collect();
    let carts: HashMap<String, i64> = carts.into_iter().map(|d| (d.dim, d.n)).collect();
    let product_columns = || {
        vec![
            Column::new("product", "Product", ValueKind::Text),
            Column::new("revenue", "Revenue", ValueKind::Money),
            Column::new("units", "Units", ValueKind::Count),
            Column::new("orders", "Orders", ValueKind::Count),
            Column::new("views", "Views", ValueKind::Count),
            Column::new("view_to_purchase", "Views that became orders", ValueKind::Percent),
        ]
    };
    let product_row = |p: &ProductRow| {
        let v = views.get(&p.slug).copied().unwrap_or(0);
        vec![Cell::Text(p.title.clone()), Cell::Number(p.revenue), Cell::Number(p.units), Cell::Number(p.orders), Cell::Number(v), rate(p.orders, v)]
    };
    let mut by_revenue: Vec<&ProductRow> = products.iter().collect();
    by_revenue.sort_by(|a, b| b.revenue.cmp(&a.revenue).then_with(|| a.slug.cmp(&b.slug)));
    tables.push(Table {
        id: "top_products_revenue".into(),
        title: "Top products by revenue".into(),
        columns: product_columns(),
        rows: by_revenue.iter().take(TOP).map(|p| product_row(p)).collect(),
    });
    let mut by_units = by_revenue.clone();
    by_units.sort_by(|a, b| b.units.cmp(&a.units).then_with(|| a.slug.cmp(&b.slug)));
    tables.push(Table {
        id: "top_products_units".into(),
        title: "Top products by units".into(),
        columns: product_columns(),
        rows: by_units.iter().take(TOP).map(|p| product_row(p)).collect(),
    });
    let sold: HashMap<&str, &ProductRow> = products.iter().map(|p| (p.slug.as_str(), p)).collect();
    let mut viewed: Vec<(&String, &i64)> = views.iter().collect();
    viewed.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    // Beacons name products by slug and anyone can send one: a slug is shown if it sold or the
    // shop has its page (a bounded number of looks, most viewed first).
    let mut shown = Vec::with_capacity(TOP);
    let mut looks = 0;
    for (slug, n) in viewed {
        if shown.len() == TOP || looks == MAX_PRODUCT_LOOKS {
            break;
        }
        if !sold.contains_key(slug.as_str()) {
            looks += 1;
            if !crate::build_data::is_product(env, slug).await? {
                continue;
            }
        }
        shown.push((slug, n));
    }
    let viewed = shown;
    tables.push(Table {
        id: "most_viewed".into(),
        title: "Most viewed products".into(),
        columns: vec![
            Column::new("product", "Product", ValueKind::Text),
            Column::new("views", "Views", ValueKind::Count),
            Column::new("add_to_cart", "Added to cart", ValueKind::Count),
            Column::new("orders", "Orders", ValueKind::Count),
            Column::new("view_to_purchase", "Views that became orders", ValueKind::Percent),
        ],
        rows: viewed
            .iter()
            .take(TOP)
            .map(|(slug, v)| {
                let p = sold.get(slug.as_str());
                let orders = p.map_or(0, |p| p.orders);
                vec![
                    Cell::Text(p.map_or_else(|| slug.to_string(), |p| p.title.clone())),
                    Cell::Number(**v),
                    Cell::Number(carts.get(*slug).copied().unwrap_or(0)),
                    Cell::Number(orders),
                    rate(orders, **v),
                ]
            })
            .collect(),
    });

    // The funnel: sessions that reached each step or a later one (an order names the session it
    // came from; a cart filled in an earlier visit goes to checkout without an "add" in this one,
    // and a page seen before its beacon loaded leaves no step), so it only narrows.
    let f = funnel.unwrap_or(FunnelRow { visits: 0, product_views: 0, carts: 0, checkouts: 0 });
    let mut steps = [
        ("Sessions", f.visits),
        ("Viewed a product", f.product_views),
        ("Added to cart", f.carts),
        ("Began checkout", f.checkouts),
        ("Placed an order", now.ordering_sessions),
        ("Paid", paid_sessions.unwrap_or_default().n),
    ];
    for i in (0..steps.len() - 1).rev() {
        steps[i].1 = steps[i].1.max(steps[i + 1].1);
    }
    charts.push(Chart {
        id: "funnel".into(),
        title: "Conversion funnel".into(),
        description: "Sessions that reached each step, from a visit to a paid order.".into(),
        kind: ChartKind::Funnel,
        unit: ValueKind::Count,
        points: steps.iter().map(|(l, n)| Point { label: (*l).into(), value: *n }).collect(),
    });
    tables.push(Table {
        id: "funnel".into(),
        title: "Conversion funnel".into(),
        columns: vec![
            Column::new("step", "Step", ValueKind::Text),
            Column::new("sessions", "Sessions", ValueKind::Count),
            Column::new("of_previous", "Of the step before", ValueKind::Percent),
            Column::new("of_all", "Of all sessions", ValueKind::Percent),
        ],
        rows: steps
            .iter()
            .enumerate()
            .map(|(i, (label, n))| {
                let before = if i == 0 { f.visits } else { steps[i - 1].1 };
                vec![Cell::Text((*label).into()), Cell::Number(*n), rate(*n, before), rate(*n, f.visits)]
            })
            .collect(),
    });

    // Customers (from orders only).
    tables.push(Table {
        id: "top_customers".into(),
        title: "Top customers".into(),
        columns: vec![
            Column::new("email", "Customer", ValueKind::Text),
            Column::new("name", "Name", ValueKind::Text),
            Column::new("orders", "Orders", ValueKind::Count),
            Column::new("spent", "Spent", ValueKind::Money),
            Column::new("first_order", "First order", ValueKind::Text),
        ],
        rows: top_customers
            .iter()
            .map(|c| {
                vec![
                    Cell::Text(c.email.clone()),
                    Cell::Text(c.name.clone()),
                    Cell::Number(c.orders),
                    Cell::Number(c.spent),
                    Cell::Text(c.first_at.get(..10).unwrap_or("").into()),
                ]
            })
            .collect(),
    });
    tables.push(Table {
        id: "orders_per_customer".into(),
        title: "Orders per customer".into(),
        columns: vec![Column::new("orders", "Orders in the period", ValueKind::Text), Column::new("customers", "Customers", ValueKind::Count)],
        rows: per_customer
            .iter()
            .map(|c| vec![Cell::Text(if c.orders >= 5 { "5 or more".into() } else { c.orders.to_string() }), Cell::Number(c.customers)])
            .collect(),
    });

    // Search.
    let zero_by: HashMap<String, i64> = zero.iter().map(|d| (d.dim.clone(), d.n)).collect();
    let clicks: HashMap<String, i64> = clicks.into_iter().map(|d| (d.dim, d.n)).collect();
    tables.push(Table {
        id: "top_searches".into(),
        title: "Top searches".into(),
        columns: vec![
            Column::new("query", "Query", ValueKind::Text),
            Column::new("searches", "Searches", ValueKind::Count),
            Column::new("no_results", "Found nothing", ValueKind::Count),
            Column::new("clicks", "Clicks on a result", ValueKind::Count),
            Column::new("ctr", "Click-through", ValueKind::Percent),
        ],
        rows: searches
            .iter()
            .take(TOP)
            .map(|s| {
                let c = clicks.get(&s.dim).copied().unwrap_or(0);
                vec![
                    Cell::Text(s.dim.clone()),
                    Cell::Number(s.n),
                    Cell::Number(zero_by.get(&s.dim).copied().unwrap_or(0)),
                    Cell::Number(c),
                    rate(c, s.n),
                ]
            })
            .collect(),
    });
    tables.push(Table {
        id: "zero_result_searches".into(),
        title: "Searches that found nothing".into(),
        columns: vec![Column::new("query", "Query", ValueKind::Text), Column::new("searches", "Searches", ValueKind::Count)],
        rows: zero.iter().take(TOP).map(|z| vec![Cell::Text(z.dim.clone()), Cell::Number(z.n)]).collect(),
    });
    tables.push(Table {
        id: "searches_to_purchase".into(),
        title: "Searches that led to a purchase".into(),
        columns: vec![Column::new("query", "Last search before the order", ValueKind::Text), Column::new("orders", "Orders", ValueKind::Count)],
        rows: search_orders.iter().map(|s| vec![Cell::Text(normalise_query(&s.dim)), Cell::Number(s.n)]).collect(),
    });

    // Stock: how fast the best sellers go.
    let days = r.days();
    tables.push(Table {
        id: "stock".into(),
        title: "Stock of the best sellers".into(),
        columns: vec![
            Column::new("sku", "SKU", ValueKind::Text),
            Column::new("product", "Product", ValueKind::Text),
            Column::new("sold", "Sold", ValueKind::Count),
            Column::new("available", "Available now", ValueKind::Count),
            Column::new("sell_through", "Sell-through", ValueKind::Percent),
            Column::new("days_left", "Days of stock left", ValueKind::Decimal),
        ],
        rows: skus
            .iter()
            .zip(levels.iter().map(Some).chain(std::iter::repeat(None)))
            .map(|(s, level)| {
                let available = level.map_or(0, |l| l.available.max(0));
                // Days left at the period's pace, in hundredths.
                let days_left = if s.units > 0 { Cell::Number((available * days * 100 + s.units / 2) / s.units) } else { Cell::Empty(()) };
                vec![
                    Cell::Text(s.sku.clone()),
                    Cell::Text(s.title.clone()),
                    Cell::Number(s.units),
                    Cell::Number(available),
                    rate(s.units, s.units + available),
                    days_left,
                ]
            })
            .collect(),
    });

    Ok(Report {
        from: r.from.clone(),
        to: r.to.clone(),
        previous_from: previous.from.clone(),
        previous_to: previous.to.clone(),
        currency: m.currency.code().to_string(),
        exponent: m.currency.minor_digits(),
        kpis: kpis(&now, &before),
        charts,
        tables,
    })
}
