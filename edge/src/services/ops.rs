//! The worker's own numbers: requests, errors and latency per route, and queue work, counted in
//! the isolate and added to D1 (`ops_metrics`, per hour and route) every few seconds, after the
//! response (`waitUntil`), so no request waits for it. The merchant's health report reads them
//! with the dead letters and the email outboxes, and alerts go out when a threshold is crossed.
//! In production the same numbers are in Workers Logs (one JSON line per request, with its id).

use crate::error::ApiError;
use crate::services::db::{self, args, stmt};
use crate::services::events::{self, EventKind, OrderEvent};
use crate::services::now_rfc3339;
use edgeshop_api::analytics::{Cell, Column, Health, Kpi, Table, ValueKind};
use edgeshop_domain::analytics::{basis_points, day_string, latency_bucket, percentile, LATENCY_BUCKETS_MS};
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::HashMap;
use worker::Env;

/// How often an isolate writes what it counted.
const FLUSH_EVERY_MS: u64 = 5_000;

/// What one isolate counted for one route in one hour.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    requests: i64,
    client_errors: i64,
    server_errors: i64,
    total_ms: i64,
    buckets: [i64; LATENCY_BUCKETS_MS.len()],
}

#[derive(Default)]
struct Pending {
    counts: HashMap<(String, String), Counts>,
    last_flush_ms: u64,
}

thread_local! {
    static PENDING: RefCell<Pending> = RefCell::new(Pending::default());
}

fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

/// `2026-12-01T09` for a time in milliseconds.
pub fn hour_of(ms: u64) -> String {
    format!("{}T{:02}", day_string((ms / 86_400_000) as i64), (ms / 3_600_000) % 24)
}

/// Counts one request (or one queue message: `status` 500 for a retry).
pub fn record(route: &str, status: u16, ms: u64) {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if p.last_flush_ms == 0 {
            p.last_flush_ms = now_ms();
        }
        let c = p.counts.entry((hour_of(now_ms()), route.to_string())).or_default();
        c.requests += 1;
        c.client_errors += i64::from((400..500).contains(&status));
        c.server_errors += i64::from(status >= 500);
        c.total_ms += ms as i64;
        c.buckets[latency_bucket(ms)] += 1;
    });
}

/// What is counted and not yet written, when it is time to write it (or `force`).
/// (hour, route, counts) rows waiting to be written.
pub type Due = Vec<(String, String, Counts)>;

pub fn take_due(force: bool) -> Option<Due> {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        let now = now_ms();
        if p.counts.is_empty() || (!force && now.saturating_sub(p.last_flush_ms) < FLUSH_EVERY_MS) {
            return None;
        }
        p.last_flush_ms = now;
        Some(p.counts.drain().map(|((hour, route), c)| (hour, route, c)).collect())
    })
}

/// Adds counts to `ops_metrics` in one statement, then checks the error alert when there were
/// server errors. A failed write is logged and dropped (the logs keep every request).
pub async fn flush(env: &Env, due: Due) {
    let errors = due.iter().any(|(_, _, c)| c.server_errors > 0);
    if let Err(e) = write(env, &due).await {
        worker::console_error!("{}", serde_json::json!({ "msg": "ops metrics not written", "detail": e.detail }));
        return;
    }
    if errors {
        if let Err(e) = check_errors(env).await {
            worker::console_error!("{}", serde_json::json!({ "msg": "error alert check failed", "detail": e.detail }));
        }
    }
}

async fn write(env: &Env, due: &[(String, String, Counts)]) -> Result<(), ApiError> {
    let rows: Vec<serde_json::Value> = due
        .iter()
        .map(|(hour, route, c)| {
            let mut v =
                vec![hour.clone().into(), route.clone().into(), c.requests.into(), c.client_errors.into(), c.server_errors.into(), c.total_ms.into()];
            v.extend(c.buckets.iter().map(|&b| serde_json::Value::from(b)));
            serde_json::Value::Array(v)
        })
        .collect();
    let n = LATENCY_BUCKETS_MS.len();
    let buckets: Vec<String> = (0..n).map(|i| format!("b{i}")).collect();
    let picks: Vec<String> = (0..6 + n).map(|i| format!("json_extract(value, '$[{i}]')")).collect();
    let updates: Vec<String> = ["requests", "client_errors", "server_errors", "total_ms"]
        .iter()
        .map(|c| c.to_string())
        .chain(buckets.iter().cloned())
        .map(|c| format!("{c} = {c} + excluded.{c}"))
        .collect();
    let sql = format!(
        "INSERT INTO ops_metrics (hour, route, requests, client_errors, server_errors, total_ms, {}) SELECT {} FROM json_each(?1) WHERE true \
         ON CONFLICT (hour, route) DO UPDATE SET {}",
        buckets.join(", "),
        picks.join(", "),
        updates.join(", ")
    );
    let db = db::db(env)?;
    stmt(&db, &sql, args![&serde_json::to_string(&rows)?])?.run().await?;
    Ok(())
}

#[derive(Deserialize, Default)]
struct Sum {
    n: i64,
}

/// Emails the merchant once per hour when this hour's server errors reach the threshold.
async fn check_errors(env: &Env) -> Result<(), ApiError> {
    let shop = crate::build_data::manifest(env).await?.shop.clone();
    let limit = i64::from(shop.back_office.alert_errors_per_hour);
    if limit == 0 {
        return Ok(());
    }
    let hour = hour_of(now_ms());
    let db = db::db(env)?;
    let n = db::first::<Sum>(stmt(&db, "SELECT coalesce(sum(server_errors), 0) AS n FROM ops_metrics WHERE hour = ?1", args![&hour])?)
        .await?
        .unwrap_or_default()
        .n;
    if n >= limit {
        let detail = format!(
            "The shop answered {n} requests with a server error in the hour from {hour}:00 UTC (the alert threshold is {limit}).\n\n\
             The back office's health page shows which routes: {}/admin/health/",
            shop.base_url
        );
        alert(env, "errors", &hour, &format!("{}: server errors", shop.name), &detail).await?;
    }
    Ok(())
}

/// After a message landed in the dead-letter queue: emails the merchant (once per hour) when the
/// messages waiting there reach the threshold.
pub async fn check_dead_letters(env: &Env) -> Result<(), ApiError> {
    let shop = crate::build_data::manifest(env).await?.shop.clone();
    let limit = i64::from(shop.back_office.alert_dead_letters);
    if limit == 0 {
        return Ok(());
    }
    let db = db::db(env)?;
    let n = db::first::<Sum>(stmt(&db, "SELECT count(*) AS n FROM dead_letters WHERE replayed_at IS NULL", args![])?).await?.unwrap_or_default().n;
    if n >= limit {
        let detail = format!(
            "{n} order events failed every retry and wait in the dead-letter queue (the alert threshold is {limit}).\n\n\
             See and replay them from the back office's health page: {}/admin/health/",
            shop.base_url
        );
        alert(env, "dead-letters", &hour_of(now_ms()), &format!("{}: order events need you", shop.name), &detail).await?;
    }
    Ok(())
}

/// Records the alert (one per kind and hour) and queues its email to the merchant addresses.
async fn alert(env: &Env, kind: &str, hour: &str, subject: &str, detail: &str) -> Result<(), ApiError> {
    let id = format!("alert-{kind}-{hour}");
    let db = db::db(env)?;
    let new = db::changed(
        stmt(&db, "INSERT OR IGNORE INTO ops_alerts (id, kind, detail, at) VALUES (?1, ?2, ?3, ?4)", args![&id, kind, detail, &now_rfc3339()])?,
        "ops alert",
    )
    .await?;
    if new {
        worker::console_warn!("{}", serde_json::json!({ "msg": "alert", "kind": kind, "detail": detail }));
        let mut e = OrderEvent::new(id, EventKind::ShopAlert, 0, now_rfc3339());
        e.payment_ref = Some(subject.to_string());
        e.detail = Some(detail.to_string());
        events::publish(env, &e).await?;
    }
    Ok(())
}

// ---- The health report ------------------------------------------------------------------------

#[derive(Deserialize)]
struct RouteRow {
    route: String,
    requests: i64,
    client_errors: i64,
    server_errors: i64,
    total_ms: i64,
    b0: i64,
    b1: i64,
    b2: i64,
    b3: i64,
    b4: i64,
    b5: i64,
    b6: i64,
    b7: i64,
    b8: i64,
    b9: i64,
    b10: i64,
    b11: i64,
}

impl RouteRow {
    fn buckets(&self) -> [i64; 12] {
        [self.b0, self.b1, self.b2, self.b3, self.b4, self.b5, self.b6, self.b7, self.b8, self.b9, self.b10, self.b11]
    }
}

#[derive(Deserialize)]
struct AlertRow {
    at: String,
    kind: String,
    detail: String,
}

#[derive(Deserialize, Default)]
struct Mail {
    sent: i64,
    failed: i64,
    waiting: i64,
}

fn ms(v: Option<u64>) -> Cell {
    v.map_or(Cell::Empty(()), |v| Cell::Number(v as i64))
}

/// The last `hours` hours (the current one included).
pub async fn health(env: &Env, hours: u32) -> Result<Health, ApiError> {
    let since = hour_of(now_ms().saturating_sub(u64::from(hours.saturating_sub(1)) * 3_600_000));
    let since_time = format!("{since}:00:00");
    let db = db::db(env)?;
    let sums: Vec<String> = (0..LATENCY_BUCKETS_MS.len()).map(|i| format!("sum(b{i}) AS b{i}")).collect();
    let routes = db::all::<RouteRow>(stmt(
        &db,
        &format!(
            "SELECT route, sum(requests) AS requests, sum(client_errors) AS client_errors, sum(server_errors) AS server_errors, sum(total_ms) AS total_ms, {} \
             FROM ops_metrics WHERE hour >= ?1 GROUP BY route ORDER BY requests DESC, route",
            sums.join(", ")
        ),
        args![&since],
    )?);
    let dead = db::first::<Sum>(stmt(&db, "SELECT count(*) AS n FROM dead_letters WHERE replayed_at IS NULL", args![])?);
    let mail = db::first::<Mail>(stmt(
        &db,
        "SELECT (SELECT count(*) FROM notifications WHERE sent_at >= ?1) + (SELECT count(*) FROM messages WHERE sent_at >= ?1) AS sent, \
         (SELECT count(*) FROM notifications WHERE failed_at >= ?1) + (SELECT count(*) FROM messages WHERE failed_at >= ?1) AS failed, \
         (SELECT count(*) FROM notifications WHERE sent_at IS NULL AND failed_at IS NULL) + (SELECT count(*) FROM messages WHERE sent_at IS NULL AND failed_at IS NULL) AS waiting",
        args![&since_time],
    )?);
    let alerts = db::all::<AlertRow>(stmt(&db, "SELECT at, kind, detail FROM ops_alerts ORDER BY at DESC LIMIT 20", args![])?);
    let (routes, dead, mail, alerts) = futures_util::try_join!(routes, dead, mail, alerts)?;
    let (dead, mail) = (dead.unwrap_or_default().n, mail.unwrap_or_default());

    let (http, queues): (Vec<&RouteRow>, Vec<&RouteRow>) = routes.iter().partition(|r| !r.route.starts_with("queue:"));
    let mut all = [0i64; 12];
    let mut search = [0i64; 12];
    for r in &http {
        for (i, b) in r.buckets().iter().enumerate() {
            all[i] += b;
            if r.route.ends_with(" /api/search") || r.route.ends_with(" /search") {
                search[i] += b;
            }
        }
    }
    let requests: i64 = http.iter().map(|r| r.requests).sum();
    let server_errors: i64 = http.iter().map(|r| r.server_errors).sum();
    let p = |b: &[i64], q| percentile(b, q).map_or(0, |v| v as i64);
    let k = |key: &str, label: &str, kind, value| Kpi { key: key.into(), label: label.into(), kind, value, previous: value };
    // Latencies are histogram buckets: "at most" the bucket's bound.
    let mut kpis = vec![
        k("requests", "Requests", ValueKind::Count, requests),
        k("server_error_rate", "Server errors", ValueKind::Percent, basis_points(server_errors, requests)),
        k("p50", "Latency p50 (at most)", ValueKind::Millis, p(&all, 50)),
        k("p99", "Latency p99 (at most)", ValueKind::Millis, p(&all, 99)),
    ];
    if search.iter().sum::<i64>() > 0 {
        kpis.push(k("search_p50", "Search p50 (at most)", ValueKind::Millis, p(&search, 50)));
        kpis.push(k("search_p99", "Search p99 (at most)", ValueKind::Millis, p(&search, 99)));
    }
    kpis.extend([
        k("dead_letters", "Dead letters waiting", ValueKind::Count, dead),
        k("emails_sent", "Emails sent", ValueKind::Count, mail.sent),
        k("emails_failed", "Emails failed", ValueKind::Count, mail.failed),
        k("emails_waiting", "Emails waiting", ValueKind::Count, mail.waiting),
    ]);
    let route_table = Table {
        id: "routes".into(),
        title: "Requests by route".into(),
        columns: vec![
            Column::new("route", "Route", ValueKind::Text),
            Column::new("requests", "Requests", ValueKind::Count),
            Column::new("client_errors", "4xx", ValueKind::Count),
            Column::new("server_errors", "5xx", ValueKind::Count),
            Column::new("error_rate", "Server error rate", ValueKind::Percent),
            Column::new("mean", "Mean (ms)", ValueKind::Millis),
            Column::new("p50", "p50 (ms, ≤)", ValueKind::Millis),
            Column::new("p99", "p99 (ms, ≤)", ValueKind::Millis),
        ],
        rows: http
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.route.clone()),
                    Cell::Number(r.requests),
                    Cell::Number(r.client_errors),
                    Cell::Number(r.server_errors),
                    Cell::Number(basis_points(r.server_errors, r.requests)),
                    Cell::Number(if r.requests > 0 { r.total_ms / r.requests } else { 0 }),
                    ms(percentile(&r.buckets(), 50)),
                    ms(percentile(&r.buckets(), 99)),
                ]
            })
            .collect(),
    };
    let queue_table = Table {
        id: "queues".into(),
        title: "Queues".into(),
        columns: vec![
            Column::new("queue", "Queue", ValueKind::Text),
            Column::new("handled", "Messages handled", ValueKind::Count),
            Column::new("retried", "Retried", ValueKind::Count),
            Column::new("mean", "Mean (ms)", ValueKind::Millis),
            Column::new("p99", "p99 (ms, ≤)", ValueKind::Millis),
        ],
        rows: queues
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.route.trim_start_matches("queue:").to_string()),
                    Cell::Number(r.requests - r.server_errors),
                    Cell::Number(r.server_errors),
                    Cell::Number(if r.requests > 0 { r.total_ms / r.requests } else { 0 }),
                    ms(percentile(&r.buckets(), 99)),
                ]
            })
            .collect(),
    };
    let alert_table = Table {
        id: "alerts".into(),
        title: "Alerts sent".into(),
        columns: vec![
            Column::new("at", "When (UTC)", ValueKind::Text),
            Column::new("kind", "Kind", ValueKind::Text),
            Column::new("detail", "What", ValueKind::Text),
        ],
        rows: alerts
            .into_iter()
            .map(|a| vec![Cell::Text(a.at.get(..16).unwrap_or(&a.at).replacen('T', " ", 1)), Cell::Text(a.kind), Cell::Text(a.detail)])
            .collect(),
    };
    Ok(Health { since: since_time, hours, kpis, tables: vec![route_table, queue_table, alert_table] })
}

#[cfg(test)]
mod tests {
    #[test]
    fn hours_are_named_in_utc() {
        assert_eq!(super::hour_of(0), "1970-01-01T00");
        assert_eq!(super::hour_of(86_400_000 + 3_600_000 * 13 + 5), "1970-01-02T13");
    }
}
