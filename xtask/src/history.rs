//! `cargo xtask analytics-history`: fills a local D1 database with a plausible shop history — days
//! of browsing sessions (page views, product views, searches, clicks, carts, checkouts) and the
//! orders some of them end in (customers who come back, online and cash-on-delivery payments,
//! cancellations, returns and refunds) — for the analytics reports, their tests and benchmark.
//!
//! Orders go in as rows, as checkout writes them. Page events are rolled up with the worker's
//! own rules (`edgeshop_domain::analytics::Rollup`), and also written one per line to `--events`
//! (JSON) so a test can check the reports against the raw events independently.

use edgeshop_domain::analytics::{day_number, day_string, Event, Kind, Rollup};
use edgeshop_domain::Catalog;
use std::fmt::Write as _;
use std::path::Path;

use crate::gen_catalog::Rng;

/// Index into `n` items where early ones are much more popular (roughly Zipf).
fn popular(rng: &mut Rng, n: usize) -> usize {
    let u = ((rng.next() >> 11) as f64 / (1u64 << 53) as f64).max(1e-9);
    ((n as f64).powf(u) - 1.0).floor().clamp(0.0, n as f64 - 1.0) as usize
}

fn hex(rng: &mut Rng) -> String {
    format!("{:016x}{:016x}", rng.next(), rng.next())
}

pub struct Options {
    pub orders: usize,
    pub days: i64,
    /// The last day of the history (`YYYY-MM-DD`).
    pub until: String,
    pub seed: u64,
}

pub struct History {
    pub sql: String,
    pub events: Vec<Event>,
    pub orders: usize,
    pub sessions: usize,
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Searches shoppers type: product words, and some the shop has nothing for.
const MISSES: [&str; 8] = ["hoverboard", "kettle", "drone", "jeans", "perfume", "lego", "printer ink", "umbrella stand"];

pub fn generate(catalog: &Catalog, o: &Options) -> Result<History, String> {
    let products: Vec<&edgeshop_domain::Product> = catalog.products.iter().filter(|p| p.published && !p.variants.is_empty()).collect();
    if products.is_empty() {
        return Err("the catalog has no published product to sell".into());
    }
    let last = day_number(&o.until).ok_or_else(|| format!("`{}` is not a date", o.until))?;
    let first = last - o.days.max(1) + 1;
    let mut rng = Rng(o.seed);
    let shop = &catalog.shop;
    let currency = shop.currency.code();
    // About one session in nine ends in an order (a shop with loyal customers); sessions per day
    // follow the orders.
    let per_day = o.orders as f64 / o.days.max(1) as f64;
    let customers = (o.orders * 2 / 5).max(1);
    let mut events = Vec::new();
    let mut sql = String::from("PRAGMA defer_foreign_keys = true;\n");
    let mut order_rows: Vec<String> = Vec::new();
    let mut line_rows: Vec<String> = Vec::new();
    let mut payment_rows: Vec<String> = Vec::new();
    let mut history_rows: Vec<String> = Vec::new();
    // email → (name, first, last)
    let mut people: std::collections::BTreeMap<String, (String, String, String)> = std::collections::BTreeMap::new();
    let mut number = 500_000u64;
    let mut sessions = 0usize;
    let mut placed = 0usize;
    let mut event_no = 0u64;
    let mut event = |day: &str, kind: Kind, session: &str, page: Option<&str>, product: Option<&str>, query: Option<&str>, results: Option<u32>| {
        event_no += 1;
        Event {
            id: format!("gen-{event_no}"),
            day: day.to_string(),
            kind,
            session: session.to_string(),
            page: page.map(str::to_string),
            product: product.map(str::to_string),
            query: query.map(str::to_string),
            results,
        }
    };
    for d in first..=last {
        let day = day_string(d);
        // Busier at weekends and towards the end (a growing shop), with noise.
        let weekday = (d + 4).rem_euclid(7);
        let growth = 0.75 + 0.5 * (d - first) as f64 / o.days.max(1) as f64;
        let target = per_day * growth * if weekday >= 5 { 1.25 } else { 0.9 };
        let orders_today = (target * (0.85 + 0.3 * rng.below(1000) as f64 / 1000.0)).round() as usize;
        // The last day makes up the count asked for.
        let orders_today = if d == last { o.orders - placed } else { orders_today.min(o.orders - placed) };
        let sessions_today = orders_today * 9 + rng.below(20);
        for s in 0..sessions_today {
            sessions += 1;
            let session = hex(&mut rng);
            let buyer = s < orders_today;
            let entry = ["home", "category", "product", "search", "info"][rng.below(5)];
            events.push(event(&day, Kind::PageView, &session, Some(if entry == "product" { "product" } else { entry }), None, None, None));
            if entry == "search" || rng.permille(250) {
                let hit = rng.permille(880);
                let query = if hit {
                    let p = products[popular(&mut rng, products.len())];
                    p.title.split_whitespace().last().unwrap_or("tent").to_lowercase()
                } else {
                    MISSES[rng.below(MISSES.len())].to_string()
                };
                let results = if hit { 1 + rng.below(12) as u32 } else { 0 };
                events.push(event(&day, Kind::Search, &session, None, None, Some(&query), Some(results)));
                if hit && rng.permille(550) {
                    events.push(event(&day, Kind::SearchClick, &session, None, None, Some(&query), None));
                }
            }
            let views = if buyer { 1 + rng.below(4) } else { rng.below(4) };
            let mut viewed = Vec::new();
            for _ in 0..views {
                let p = products[popular(&mut rng, products.len())];
                events.push(event(&day, Kind::PageView, &session, Some("product"), None, None, None));
                events.push(event(&day, Kind::ProductView, &session, None, Some(&p.slug), None, None));
                viewed.push(p);
            }
            let carts = buyer || (!viewed.is_empty() && rng.permille(200));
            if carts {
                for p in viewed.iter().take(1 + rng.below(2)) {
                    events.push(event(&day, Kind::AddToCart, &session, None, Some(&p.slug), None, None));
                }
                events.push(event(&day, Kind::PageView, &session, Some("cart"), None, None, None));
                if buyer || rng.permille(400) {
                    events.push(event(&day, Kind::PageView, &session, Some("checkout"), None, None, None));
                }
            }
            if !buyer {
                continue;
            }
            // The order this session placed.
            placed += 1;
            number += 1;
            let age = last - d;
            let c = popular(&mut rng, customers);
            let email = format!("customer{c}@example.com");
            let name = format!("Customer {c}");
            let at = format!("{day}T{:02}:{:02}:{:02}.000Z", 8 + rng.below(14), rng.below(60), rng.below(60));
            let person = people.entry(email.clone()).or_insert_with(|| (name.clone(), at.clone(), at.clone()));
            person.1 = person.1.clone().min(at.clone());
            person.2 = person.2.clone().max(at.clone());
            let online = rng.permille(650);
            let roll = rng.below(100);
            let status = match (roll, online, age) {
                (0..=2, _, _) => "cancelled",
                (3, true, _) => "payment_failed",
                (4..=5, _, a) if a > 10 => "returned",
                (_, true, 0..=1) if roll < 10 => "awaiting_payment",
                (_, _, 0..=1) => {
                    if online {
                        "paid"
                    } else {
                        "confirmed"
                    }
                }
                (_, _, 2..=3) => "packed",
                (_, _, 4..=6) => "shipped",
                _ => "delivered",
            };
            let mut subtotal = 0i64;
            let picks = if viewed.is_empty() {
                vec![products[popular(&mut rng, products.len())]]
            } else {
                viewed.iter().take(1 + rng.below(3)).copied().collect()
            };
            let mut seen = std::collections::HashSet::new();
            for (position, p) in picks.into_iter().filter(|p| seen.insert(p.slug.clone())).enumerate() {
                let v = &p.variants[rng.below(p.variants.len())];
                let quantity = 1 + i64::from(rng.permille(200));
                let line = v.price.minor * quantity;
                subtotal += line;
                line_rows.push(format!(
                    "({number}, {position}, {}, {}, {}, {}, {quantity}, {}, {line}, {})",
                    q(&v.sku),
                    q(&p.slug),
                    q(&p.title),
                    q(&v.option_values.join(" / ")),
                    v.price.minor,
                    q(&p.category)
                ));
            }
            // Most orders go to the shop's first country, the others anywhere it ships; shipping
            // and tax as the checkout charges them there.
            let countries = &shop.shipping.countries;
            let country = match countries.len() {
                0 => "IE",
                _ if rng.permille(700) => countries[0].as_str(),
                n => countries[rng.below(n)].as_str(),
            };
            let totals = edgeshop_domain::discounted_totals(edgeshop_domain::Money::new(subtotal, shop.currency), None, shop, Some(country))
                .map_err(|e| format!("order {number}: {e}"))?;
            let (shipping, tax, total) = (totals.shipping.minor, totals.tax.minor, totals.total.minor);
            let rate = totals.tax_rate_bp.unwrap_or(shop.tax.rate_bp);
            let method = if online { "online" } else { "cash_on_delivery" };
            order_rows.push(format!(
                "({number}, {token}, {email}, {name}, {status}, {method}, {cur}, {subtotal}, {shipping}, {tax}, {total}, 'history', \
                 '{{\"name\":\"{n}\",\"line1\":\"1 Main Street\",\"line2\":\"\",\"city\":\"Cork\",\"postal_code\":\"T12 X1\",\"country\":\"{country}\"}}', \
                 '{{\"email\":\"{e}\",\"phone\":\"\"}}', {at}, {at}, {session}, {rate})",
                token = q(&hex(&mut rng)),
                email = q(&email),
                name = q(&name),
                status = q(status),
                method = q(method),
                cur = q(currency),
                n = name,
                e = email,
                at = q(&at),
                session = if rng.permille(950) { q(&session) } else { "NULL".into() },
            ));
            history_rows.push(format!("({number}, {}, {})", q(status), q(&at)));
            let paid_online = online && !matches!(status, "payment_failed" | "awaiting_payment");
            if paid_online {
                payment_rows.push(format!(
                    "({}, {number}, 'payment', 'test', {total}, {}, 'succeeded', {})",
                    q(&format!("pay-{number}")),
                    q(currency),
                    q(&at)
                ));
            }
            // Now and then a payment taken twice and the second given back at once: money that
            // went back, but not a refund of the sale.
            if paid_online && rng.permille(20) {
                for (kind, id) in [("payment", "pay-twice"), ("refund", "refund-twice")] {
                    payment_rows.push(format!(
                        "({}, {number}, '{kind}', 'test', {total}, {}, 'succeeded', {})",
                        q(&format!("{id}-{number}")),
                        q(currency),
                        q(&at)
                    ));
                }
            }
            // Money that went back: a returned order, or a paid one that was cancelled.
            let refunded = status == "returned" || (status == "cancelled" && paid_online);
            if refunded {
                let later = day_string((d + 1 + rng.below(9) as i64).min(last));
                payment_rows.push(format!(
                    "({}, {number}, 'refund', 'test', {total}, {}, 'succeeded', {})",
                    q(&format!("refund-{number}")),
                    q(currency),
                    q(&format!("{later}T12:00:00.000Z"))
                ));
            }
        }
    }
    for (email, (name, first_at, last_at)) in &people {
        let _ = writeln!(
            sql,
            "INSERT INTO customers (email, name, phone, first_order_at, last_order_at) VALUES ({}, {}, '', {}, {});",
            q(email),
            q(name),
            q(first_at),
            q(last_at)
        );
    }
    let chunks = |sql: &mut String, head: &str, rows: &[String]| {
        for chunk in rows.chunks(200) {
            let _ = writeln!(sql, "{head} VALUES {};", chunk.join(", "));
        }
    };
    chunks(
        &mut sql,
        "INSERT INTO orders (number, token, email, name, status, payment_method, currency, subtotal_minor, shipping_minor, tax_minor, total_minor, \
         catalog_version, address_json, contact_json, created_at, updated_at, analytics_session, tax_rate_bp)",
        &order_rows,
    );
    chunks(
        &mut sql,
        "INSERT INTO order_lines (order_number, position, sku, product_slug, title, variant_title, quantity, unit_minor, line_minor, category)",
        &line_rows,
    );
    chunks(&mut sql, "INSERT INTO order_history (order_number, status, at)", &history_rows);
    chunks(&mut sql, "INSERT INTO payments (id, order_number, kind, provider, amount_minor, currency, status, created_at)", &payment_rows);
    let mut rollup = Rollup::default();
    for e in &events {
        rollup.add(e);
    }
    let daily: Vec<String> = rollup.daily.iter().map(|((day, metric, dim), n)| format!("({}, {}, {}, {n})", q(day), q(metric), q(dim))).collect();
    chunks(&mut sql, "INSERT INTO analytics_daily (day, metric, dim, n)", &daily);
    let session_rows: Vec<String> = rollup
        .sessions
        .iter()
        .map(|((day, session), (steps, query))| format!("({}, {}, {steps}, {})", q(day), q(session), query.as_deref().map_or("NULL".into(), q)))
        .collect();
    chunks(&mut sql, "INSERT INTO analytics_sessions (day, session, steps, last_query)", &session_rows);
    Ok(History { sql, events, orders: placed, sessions })
}

/// Generates and writes the history into the local database under `state` (and the raw events
/// to `events_out`).
pub fn run(catalog_dir: &Path, state: &Path, o: &Options, events_out: Option<&Path>) -> Result<(), String> {
    let loaded = edgeshop_catalog::load(catalog_dir).map_err(|e| format!("the catalog has errors:\n{e}"))?;
    let h = generate(&loaded.catalog, o)?;
    let work = crate::root().join("target/edgeshop");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let file = work.join(format!("history-{}.sql", std::process::id()));
    std::fs::write(&file, &h.sql).map_err(|e| format!("{}: {e}", file.display()))?;
    if let Some(out) = events_out {
        let mut text = String::new();
        for e in &h.events {
            text.push_str(&serde_json::to_string(e).map_err(|e| e.to_string())?);
            text.push('\n');
        }
        std::fs::write(out, text).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    crate::tools::apply_migrations(state, None)?;
    let started = std::time::Instant::now();
    let result = crate::tools::wrangler_d1("d1 execute (the generated history)", || {
        let mut cmd = crate::tools::wrangler();
        cmd.args(["d1", "execute", "edgeshop", "--local", "--persist-to"]).arg(state).arg("--file").arg(&file);
        cmd
    });
    let _ = std::fs::remove_file(&file);
    result?;
    println!(
        "xtask: {} orders, {} sessions and {} page events over {} days to {} written in {:.1} s",
        h.orders,
        h.sessions,
        h.events.len(),
        o.days,
        o.until,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_is_the_size_asked_and_the_same_for_a_seed() {
        let loaded = edgeshop_catalog::load(&crate::root().join("catalog")).expect("sample catalog");
        let o = Options { orders: 300, days: 30, until: "2026-11-30".into(), seed: 7 };
        let a = generate(&loaded.catalog, &o).unwrap();
        let b = generate(&loaded.catalog, &o).unwrap();
        assert_eq!(a.sql, b.sql);
        assert_eq!(a.orders, 300);
        assert!(a.sessions > a.orders * 8);
        assert!(a.events.iter().all(|e| e.day.as_str() >= "2026-11-01" && e.day.as_str() <= "2026-11-30"));
        assert!(a.sql.contains("INSERT INTO orders") && a.sql.contains("'refund'") && a.sql.contains("'cash_on_delivery'"));
    }
}
