//! Analytics: the pages' beacon (`POST /api/events`), the merchant's reports
//! (`GET /api/admin/analytics`, `GET /api/admin/analytics/export`) and the shop's health
//! (`GET /api/admin/health`).

use crate::error::{ApiError, Problem};
use crate::http::{body_text_max, client_ip, header, json, require_staff, Reply};
use crate::query::Query;
use crate::services::analytics::{self, Batch};
use crate::services::ops;
use crate::services::rate_limit::{take, Limit};
use crate::services::{random_id, sha256_hex};
use edgeshop_api::analytics::{Beacon, BeaconAccepted};
use edgeshop_domain::analytics::{check, is_bot, normalise_query, Event, Range, MAX_BEACON_BYTES, MAX_EVENTS};
use worker::{Env, Request};

/// `POST /api/events`: checks every event (a beacon with one bad event is refused whole), drops
/// what bots send, and queues the rest. Nothing identifying is kept: not the address (it is used
/// only as the rate limiter's key), not the user agent.
pub async fn beacon(req: &mut Request, env: &Env) -> Reply {
    let text = body_text_max(req, MAX_BEACON_BYTES).await?;
    let beacon: Beacon = serde_json::from_str(&text).map_err(|e| {
        let msg = e.to_string();
        if msg.contains("unknown variant") || msg.contains("unknown field") {
            ApiError::new(Problem::BadEvent, msg)
        } else {
            ApiError::new(Problem::BadJson, msg)
        }
    })?;
    if beacon.events.is_empty() || beacon.events.len() > MAX_EVENTS {
        return Err(ApiError::new(Problem::BadEvent, format!("send 1 to {MAX_EVENTS} events")));
    }
    for (i, e) in beacon.events.iter().enumerate() {
        check(e.kind, &e.session, e.page.as_deref(), e.product.as_deref(), e.query.as_deref())
            .map_err(|why| ApiError::new(Problem::BadEvent, format!("event {i}: {why}")))?;
    }
    if is_bot(header(req, "user-agent").as_deref()) {
        return json(&BeaconAccepted { accepted: 0, dropped: Some("bot".into()) }, 202, "no-store");
    }
    let outcome = take(env, Limit::Beacon, &sha256_hex(client_ip(req).as_bytes())).await?;
    if !outcome.allowed {
        return Err(ApiError::too_many_requests(outcome.retry_after));
    }
    // Products this shop has (a made-up slug would take a place in "Most viewed"); one lookup per
    // product named, at the same time.
    let mut named: Vec<&str> = beacon.events.iter().filter_map(|e| e.product.as_deref()).collect();
    named.sort_unstable();
    named.dedup();
    let known = futures_util::future::join_all(named.iter().map(|slug| crate::build_data::is_product(env, slug))).await;
    for (slug, known) in named.iter().zip(known) {
        if !known? {
            return Err(ApiError::new(Problem::BadEvent, format!("this shop has no product `{slug}`")));
        }
    }
    let id = random_id(12);
    let day = analytics::today();
    let events: Vec<Event> = beacon
        .events
        .into_iter()
        .enumerate()
        .map(|(i, e)| Event {
            id: format!("{id}-{i}"),
            day: day.clone(),
            kind: e.kind,
            session: e.session,
            page: e.page,
            product: e.product,
            query: e.query.map(|q| normalise_query(&q)),
            results: e.results,
        })
        .collect();
    let accepted = events.len();
    analytics::enqueue(env, &Batch { id, events }).await?;
    json(&BeaconAccepted { accepted, dropped: None }, 202, "no-store")
}

/// `?from=&to=` (both days included), by default the last 30 days.
fn range(req: &Request) -> Result<Range, ApiError> {
    let url = req.url()?;
    let q = Query::parse(url.query())?;
    match (q.get("from"), q.get("to")) {
        (None, None) => Ok(Range::last(30, &analytics::today())),
        (Some(from), Some(to)) => Range::parse(from, to).map_err(|why| ApiError::new(Problem::BadParameter, why)),
        _ => Err(ApiError::new(Problem::BadParameter, "give both from and to (YYYY-MM-DD), or neither")),
    }
}

/// `GET /api/admin/analytics?from=&to=`. The top customers (names, emails, spend) are the
/// owners' alone, as their export is.
pub async fn report(req: &Request, env: &Env) -> Reply {
    let member = require_staff(req, env).await?;
    let r = range(req)?;
    let mut report = analytics::report(env, &r).await?;
    if member.role != crate::services::staff::Role::Owner {
        report.tables.retain(|t| t.id != "top_customers");
    }
    json(&report, 200, "no-store")
}

/// `GET /api/admin/analytics/export?table=&from=&to=`: one of the report's tables as CSV, the
/// same rows and values the back office shows.
pub async fn export(req: &Request, env: &Env) -> Reply {
    require_staff(req, env).await?;
    let r = range(req)?;
    let url = req.url()?;
    let q = Query::parse(url.query())?;
    let id = q.get("table").ok_or_else(|| ApiError::new(Problem::BadParameter, "name the table (`table=`)"))?.to_string();
    // Customers' names, addresses and spend leave the shop as the orders' export does: the
    // owners' alone, and on the record.
    if id == "top_customers" {
        let owner = crate::http::require_owner(req, env).await?;
        let what = serde_json::json!({ "table": id, "from": r.from, "to": r.to });
        crate::services::staff::audit(env, &owner, "analytics.export", "customers", serde_json::Value::Null, what).await?;
    }
    let report = analytics::report(env, &r).await?;
    let table = report.tables.iter().find(|t| t.id == id).ok_or_else(|| {
        let names: Vec<&str> = report.tables.iter().map(|t| t.id.as_str()).collect();
        ApiError::new(Problem::BadParameter, format!("no table `{id}`; the tables are {}", names.join(", ")))
    })?;
    // A byte-order mark first, as on every CSV: Excel reads the file as UTF-8 only with one.
    let mut resp = worker::Response::ok(format!("\u{feff}{}", table.csv(report.exponent)))?;
    resp.headers_mut().set("content-type", "text/csv; charset=utf-8")?;
    resp.headers_mut().set("content-disposition", &format!("attachment; filename=\"{id}-{}-{}.csv\"", r.from, r.to))?;
    resp.headers_mut().set("cache-control", "no-store")?;
    Ok(resp)
}

/// `GET /api/admin/health?hours=24` (1 to 168).
pub async fn health(req: &Request, env: &Env) -> Reply {
    require_staff(req, env).await?;
    let url = req.url()?;
    let hours = Query::parse(url.query())?.get_usize("hours", 24, 168)?.max(1) as u32;
    json(&ops::health(env, hours).await?, 200, "no-store")
}
