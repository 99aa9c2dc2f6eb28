//! Analytics under wrangler dev: the event endpoint (refusals as problem+json, bots dropped, no
//! address stored, a redelivered batch counted once), the reports checked against totals computed
//! here from the raw rows (the orders in D1 and the generator's raw page events, 10,000 orders
//! over 90 days), and the analytics and health pages in Chromium (charts with their data, CSV
//! like the table, axe, screenshots; the beacon and checkout tie a real visit to its order).

use edgeshop_domain::analytics::{day_number, day_string, normalise_query, Event, Kind};
use edgeshop_e2e::{d1_query, owner_link, root, run_browser_test_with, sample_catalog, wait_for, Shop};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::Command;

const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

fn beacon(shop: &Shop, ua: Option<&str>, ip: &str, body: &str) -> edgeshop_e2e::Reply {
    let mut headers = vec![("content-type", "text/plain;charset=UTF-8"), ("cf-connecting-ip", ip)];
    if let Some(ua) = ua {
        headers.push(("user-agent", ua));
    }
    shop.request("POST", "/api/events", &headers, Some(body))
}

fn problem(r: &edgeshop_e2e::Reply, status: u16, kind: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.content_type, "application/problem+json", "{}", r.body);
    assert_eq!(r.json()["type"], format!("https://edgeshop.dev/problems/{kind}"), "{}", r.body);
}

fn count(shop: &Shop, metric: &str, dim: &str) -> i64 {
    let rows = d1_query(shop, &format!("SELECT coalesce(sum(n), 0) AS n FROM analytics_daily WHERE metric = '{metric}' AND dim = '{dim}'"));
    rows[0]["n"].as_i64().unwrap_or(0)
}

#[test]
fn the_event_endpoint_refuses_bad_events_drops_bots_and_stores_no_address() {
    let shop = Shop::shared();
    let ip = "203.0.113.77";
    let session = "5e55105e55105e55105e55105e55105e";
    let real = sample_catalog().products.into_iter().find(|p| p.published).unwrap();
    let good = json!({ "events": [{ "kind": "product_view", "session": session, "product": real.slug }] }).to_string();

    // Oversize, malformed, unknown kinds and fields, bad values: refused whole, with problem+json.
    let big = json!({ "events": [{ "kind": "search", "session": session, "query": "x".repeat(5000) }] }).to_string();
    problem(&beacon(shop, Some(CHROME), ip, &big), 413, "body-too-large");
    problem(&beacon(shop, Some(CHROME), ip, "{\"events\": [{"), 400, "bad-json");
    problem(&beacon(shop, Some(CHROME), ip, &json!({ "events": [{ "kind": "purchase", "session": session }] }).to_string()), 422, "bad-event");
    problem(
        &beacon(shop, Some(CHROME), ip, &json!({ "events": [{ "kind": "page_view", "session": session, "page": "home", "ip": ip }] }).to_string()),
        422,
        "bad-event",
    );
    problem(
        &beacon(shop, Some(CHROME), ip, &json!({ "events": [{ "kind": "page_view", "session": session, "page": "admin" }] }).to_string()),
        422,
        "bad-event",
    );
    problem(
        &beacon(shop, Some(CHROME), ip, &json!({ "events": [{ "kind": "page_view", "session": "short", "page": "home" }] }).to_string()),
        422,
        "bad-event",
    );
    problem(&beacon(shop, Some(CHROME), ip, &json!({ "events": [] }).to_string()), 422, "bad-event");
    let many: Vec<Value> = (0..21).map(|_| json!({ "kind": "page_view", "session": session, "page": "home" })).collect();
    problem(&beacon(shop, Some(CHROME), ip, &json!({ "events": many }).to_string()), 422, "bad-event");
    problem(&shop.request("GET", "/api/events", &[], None), 405, "method-not-allowed");
    // A product the shop does not have (it would take a place in "Most viewed"), among real ones.
    let made_up = json!({ "events": [
        { "kind": "product_view", "session": session, "product": real.slug },
        { "kind": "product_view", "session": session, "product": "beacon-test-product" },
    ] });
    let r = beacon(shop, Some(CHROME), ip, &made_up.to_string());
    problem(&r, 422, "bad-event");
    assert!(r.json()["detail"].as_str().unwrap_or_default().contains("beacon-test-product"), "{}", r.body);
    // Posted by a page on another site (its visitors' browsers say so): refused.
    for (name, value) in [("origin", "https://elsewhere.example"), ("sec-fetch-site", "cross-site")] {
        let headers = [("content-type", "text/plain;charset=UTF-8"), ("cf-connecting-ip", ip), ("user-agent", CHROME), (name, value)];
        problem(&shop.request("POST", "/api/events", &headers, Some(&good)), 403, "cross-site-request");
    }

    // Bots and clients without a user agent: accepted, not counted.
    let bot = json!({ "events": [{ "kind": "product_view", "session": session, "product": "bot-seen-product" }] }).to_string();
    for ua in [Some("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), Some("curl/8.5.0"), None] {
        let r = beacon(shop, ua, ip, &bot);
        assert_eq!(r.status, 202, "{}", r.body);
        assert_eq!(r.json(), json!({ "accepted": 0, "dropped": "bot" }));
    }

    // A browser's event is queued and rolled up (same-origin, as the shop's pages send it).
    let before = count(shop, "product_view", &real.slug);
    let headers = [("content-type", "text/plain;charset=UTF-8"), ("cf-connecting-ip", ip), ("user-agent", CHROME), ("sec-fetch-site", "same-origin")];
    let r = shop.request("POST", "/api/events", &headers, Some(&good));
    assert_eq!((r.status, r.json()["accepted"].as_i64()), (202, Some(1)), "{}", r.body);
    wait_for("the product view in the daily rollup", 30, || (count(shop, "product_view", &real.slug) == before + 1).then_some(()));
    assert_eq!(count(shop, "product_view", "bot-seen-product"), 0, "a bot's event was counted");
    assert_eq!(count(shop, "product_view", "beacon-test-product"), 0, "a refused beacon was counted");

    // Views of a product the catalog has since lost stay out of the report (rows kept from then).
    let views = json!({ "events": (0..5).map(|_| json!({ "kind": "product_view", "session": session, "product": real.slug })).collect::<Vec<_>>() });
    assert_eq!(beacon(shop, Some(CHROME), ip, &views.to_string()).status, 202);
    wait_for("the real product's views in the rollup", 30, || (count(shop, "product_view", &real.slug) >= before + 6).then_some(()));
    let today = d1_query(shop, "SELECT max(day) AS day FROM analytics_daily WHERE metric = 'product_view'")[0]["day"].as_str().unwrap().to_string();
    d1_query(shop, &format!("INSERT INTO analytics_daily (day, metric, dim, n) VALUES ('{today}', 'product_view', 'beacon-test-product', 1000)"));
    let report = shop.admin("GET", "/api/admin/analytics", None).json();
    let viewed = report["tables"].as_array().unwrap().iter().find(|t| t["id"] == "most_viewed").unwrap()["rows"].to_string();
    assert!(!viewed.contains("beacon-test-product"), "a slug the shop does not have is reported: {viewed}");
    assert!(viewed.contains(&real.slug) || viewed.contains(&real.title), "{viewed}");

    // Nothing stored anywhere holds the address or the user agent.
    let mut stored = String::new();
    for table in ["analytics_seen", "analytics_daily", "analytics_sessions", "ops_metrics", "ops_alerts"] {
        stored.push_str(&d1_query(shop, &format!("SELECT * FROM {table}")).to_string());
    }
    assert!(stored.contains(&real.slug));
    for secret in [ip, "Chrome/131", "Googlebot"] {
        assert!(!stored.contains(secret), "`{secret}` was stored: {stored}");
        assert!(!shop.log().contains(secret), "`{secret}` is in the worker's log");
    }
}

#[test]
fn a_redelivered_batch_is_counted_once() {
    // The fault switch makes the consumer write a batch and then ask for it again.
    let shop = faulty_shop();
    let session = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    let body = json!({ "events": [
        { "kind": "page_view", "session": session, "page": "search" },
        { "kind": "search", "session": session, "query": "Redelivered  Tent", "results": 0 },
        { "kind": "search_click", "session": session, "query": "redelivered tent" },
    ] })
    .to_string();
    assert_eq!(beacon(shop, Some(CHROME), "198.51.100.9", &body).status, 202);
    wait_for("the batch handled twice", 60, || {
        let n = d1_query(shop, "SELECT coalesce(sum(requests), 0) AS n FROM ops_metrics WHERE route = 'queue:edgeshop-analytics'")[0]["n"].as_i64();
        (n.unwrap_or(0) >= 2).then_some(())
    });
    assert_eq!(count(shop, "search", "redelivered tent"), 1);
    assert_eq!(count(shop, "search_zero", "redelivered tent"), 1);
    assert_eq!(count(shop, "search_click", "redelivered tent"), 1);
    assert_eq!(count(shop, "page_view", "search"), 1);
    let retried = d1_query(shop, "SELECT sum(server_errors) AS n FROM ops_metrics WHERE route = 'queue:edgeshop-analytics'")[0]["n"].as_i64();
    assert_eq!(retried, Some(1), "the first delivery was retried");
}

/// A shop whose test switches make the analytics consumer retry a written batch once, and a
/// checkout fail (500) at a step named by a header.
fn faulty_shop() -> &'static Shop {
    static SHOP: std::sync::OnceLock<Shop> = std::sync::OnceLock::new();
    SHOP.get_or_init(|| Shop::start_with(&Shop::fresh_state_dir(), &[("EDGESHOP_FAULTS", "analytics-retry-once,checkout-steps")]))
}

#[test]
fn server_errors_over_the_threshold_email_the_merchant_once() {
    let shop = faulty_shop();
    let catalog = sample_catalog();
    let sku = catalog
        .products
        .iter()
        .filter(|p| p.published)
        .flat_map(|p| p.variants.iter())
        .find(|v| v.stock >= 5)
        .map(|v| v.sku.clone())
        .expect("a variant in stock");
    // shop.toml: `alert_errors_per_hour = 20`. Each checkout fails (500) after taking a number.
    let body = json!({
        "address": { "name": "Aoife Byrne", "line1": "12 Quay Street", "city": "Galway", "postal_code": "H91 XK2P", "country": "IE" },
        "contact": { "email": "aoife@example.ie", "phone": "" },
        "payment_method": "cash_on_delivery",
    })
    .to_string();
    let fail = |i: u32| {
        let ip = format!("10.77.0.{}", i + 1);
        let r = shop.post_json("/api/cart/lines", &[("cf-connecting-ip", &ip)], &json!({ "sku": sku, "quantity": 1 }).to_string());
        assert_eq!(r.status, 201, "{}", r.body);
        let cart = r.header("x-cart-id").expect("a cart id").to_string();
        let key = format!("alert-{i}");
        let headers = [
            ("cf-connecting-ip", ip.as_str()),
            ("x-cart-id", cart.as_str()),
            ("idempotency-key", key.as_str()),
            ("x-edgeshop-fault", "after-number"),
        ];
        let r = shop.post_json("/api/checkout", &headers, &body);
        assert_eq!(r.status, 500, "{}", r.body);
    };
    (0..20).for_each(fail);
    let alert = wait_for("the server-error alert", 120, || {
        // Counts are written after responses: keep the worker answering.
        let _ = shop.get("/api/health");
        shop.emails().into_iter().find(|m| m.subject.contains("server errors"))
    });
    assert!(alert.to.contains("owner@shop.example.com"), "{}", alert.to);
    assert!(alert.text.contains("alert threshold is 20"), "{}", alert.text);
    // Once per hour: more errors in the same hour send nothing more.
    (20..23).for_each(fail);
    std::thread::sleep(std::time::Duration::from_secs(6));
    let _ = shop.get("/api/health");
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(shop.emails().iter().filter(|m| m.subject.contains("server errors") && m.to.contains("owner@shop.example.com")).count(), 1);
}

// ---- Reports against the raw rows ----------------------------------------------------------------

fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    day_string((secs / 86_400) as i64)
}

fn generate(state: &std::path::Path, events: &std::path::Path, until: &str) {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["run", "--quiet", "--package", "xtask", "--", "analytics-history", "--orders", "10000", "--days", "90", "--until", until, "--state"])
        .arg(state)
        .arg("--events")
        .arg(events)
        .current_dir(root())
        .output()
        .expect("run cargo xtask analytics-history");
    assert!(out.status.success(), "analytics-history failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{}", String::from_utf8_lossy(&out.stdout));
}

#[derive(Clone)]
struct OrderRow {
    number: i64,
    email: String,
    name: String,
    status: String,
    method: String,
    total: i64,
    at: String,
    session: Option<String>,
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or("").to_string()
}

fn n(v: &Value, k: &str) -> i64 {
    v[k].as_i64().unwrap_or_else(|| panic!("{k} is not a number in {v}"))
}

fn counted(o: &OrderRow) -> bool {
    !matches!(o.status.as_str(), "cancelled" | "payment_failed" | "awaiting_payment")
}

fn paid(o: &OrderRow) -> bool {
    let after_payment = matches!(o.status.as_str(), "paid" | "packed" | "shipped" | "delivered" | "return_requested" | "returned");
    after_payment && (o.method == "online" || matches!(o.status.as_str(), "delivered" | "return_requested" | "returned"))
}

fn bp(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        (part * 10_000 + whole / 2) / whole
    }
}

fn rate(part: i64, whole: i64) -> Value {
    if whole > 0 {
        json!(bp(part, whole))
    } else {
        Value::Null
    }
}

/// A product's title, revenue, units and the orders it was in.
type Sold = (String, i64, i64, HashSet<i64>);

/// Everything the reports show for one period, computed from the raw rows.
struct Expected {
    kpis: BTreeMap<&'static str, i64>,
    tables: BTreeMap<&'static str, Vec<Vec<Value>>>,
}

#[allow(clippy::too_many_lines)]
fn expected(orders: &[OrderRow], lines: &[Value], refunds: &[Value], payments: &[Value], events: &[Event], from: &str, to: &str) -> Expected {
    let in_range = |at: &str| at.get(..10).is_some_and(|d| d >= from && d <= to);
    let sold: Vec<&OrderRow> = orders.iter().filter(|o| in_range(&o.at) && counted(o)).collect();
    let sold_numbers: HashSet<i64> = sold.iter().map(|o| o.number).collect();
    let sold_lines: Vec<&Value> = lines.iter().filter(|l| sold_numbers.contains(&n(l, "order_number"))).collect();
    let revenue: i64 = sold.iter().map(|o| o.total).sum();
    let online = sold.iter().filter(|o| o.method == "online").count() as i64;
    let orders_n = sold.len() as i64;
    let units: i64 = sold_lines.iter().map(|l| n(l, "quantity")).sum();
    // Refunds made in the period of the orders revenue counts (not of cancelled ones), less a
    // payment taken twice and given back: per order, refunded by the period's end less refunded
    // by its start, each beyond what was paid over the total.
    let refunded: i64 = orders
        .iter()
        .filter(|o| counted(o))
        .filter(|o| refunds.iter().any(|r| n(r, "order_number") == o.number && in_range(&s(r, "created_at"))))
        .map(|o| {
            let paid_over =
                (payments.iter().filter(|p| n(p, "order_number") == o.number).map(|p| n(p, "amount_minor")).sum::<i64>() - o.total).max(0);
            let refunded_while = |keep: &dyn Fn(&str) -> bool| {
                let r: i64 = refunds
                    .iter()
                    .filter(|r| n(r, "order_number") == o.number && keep(&s(r, "created_at")[..10]))
                    .map(|r| n(r, "amount_minor"))
                    .sum();
                (r - paid_over).max(0)
            };
            refunded_while(&|d| d <= to) - refunded_while(&|d| d < from)
        })
        .sum();

    // Page events of the period, per session and day, in the order they happened.
    let evs: Vec<&Event> = events.iter().filter(|e| e.day.as_str() >= from && e.day.as_str() <= to).collect();
    let mut sessions: BTreeMap<(String, String), Vec<&Event>> = BTreeMap::new();
    for e in &evs {
        sessions.entry((e.day.clone(), e.session.clone())).or_default().push(e);
    }
    let session_ids: HashSet<&str> = evs.iter().map(|e| e.session.as_str()).collect();
    let ordering: HashSet<&str> = sold.iter().filter_map(|o| o.session.as_deref()).filter(|s| session_ids.contains(s)).collect();
    let paying: HashSet<&str> =
        orders.iter().filter(|o| in_range(&o.at) && paid(o)).filter_map(|o| o.session.as_deref()).filter(|s| session_ids.contains(s)).collect();

    // Customers: first order ever (any status) against the period's start.
    let mut first: HashMap<&str, &str> = HashMap::new();
    for o in orders {
        let f = first.entry(o.email.as_str()).or_insert(o.at.as_str());
        if o.at.as_str() < *f {
            *f = o.at.as_str();
        }
    }
    let mut per_customer: BTreeMap<&str, Vec<&OrderRow>> = BTreeMap::new();
    for o in &sold {
        per_customer.entry(o.email.as_str()).or_default().push(o);
    }
    let new_customers = per_customer.keys().filter(|e| first[*e] >= format!("{from}T00:00:00").as_str()).count() as i64;
    let returning = per_customer.len() as i64 - new_customers;

    let mut metric: HashMap<(&str, String), i64> = HashMap::new();
    for e in &evs {
        let q = e.query.as_deref().map(normalise_query).unwrap_or_default();
        let p = e.product.clone().unwrap_or_default();
        match e.kind {
            Kind::ProductView => *metric.entry(("product_view", p)).or_default() += 1,
            Kind::AddToCart => *metric.entry(("add_to_cart", p)).or_default() += 1,
            Kind::Search => {
                *metric.entry(("search", q.clone())).or_default() += 1;
                if e.results == Some(0) {
                    *metric.entry(("search_zero", q)).or_default() += 1;
                }
            }
            Kind::SearchClick => *metric.entry(("search_click", q)).or_default() += 1,
            Kind::PageView | Kind::BeginCheckout => {}
        }
    }
    let total_of = |m: &str| metric.iter().filter(|((k, _), _)| *k == m).map(|(_, v)| *v).sum::<i64>();
    let of = |m: &str, d: &str| metric.get(&(m, d.to_string())).copied().unwrap_or(0);
    let searches = total_of("search");
    let clicks = total_of("search_click");

    let mut kpis = BTreeMap::new();
    kpis.insert("revenue", revenue);
    kpis.insert("orders", orders_n);
    kpis.insert("average_order", if orders_n > 0 { (revenue + orders_n / 2) / orders_n } else { 0 });
    kpis.insert("units", units);
    kpis.insert("refunds", refunded);
    kpis.insert("net_sales", revenue - refunded);
    kpis.insert("online_share", bp(online, orders_n));
    kpis.insert("cod_share", bp(orders_n - online, orders_n));
    kpis.insert("sessions", sessions.len() as i64);
    kpis.insert("conversion", bp(ordering.len() as i64, sessions.len() as i64));
    kpis.insert("new_customers", new_customers);
    kpis.insert("returning_customers", returning);
    kpis.insert("searches", searches);
    kpis.insert("search_ctr", bp(clicks, searches));

    let mut tables: BTreeMap<&'static str, Vec<Vec<Value>>> = BTreeMap::new();
    // Sales by day, every day.
    let mut days = Vec::new();
    let (a, b) = (day_number(from).unwrap(), day_number(to).unwrap());
    for d in a..=b {
        let day = day_string(d);
        let of_day: Vec<&&OrderRow> = sold.iter().filter(|o| o.at.starts_with(&day)).collect();
        days.push(vec![json!(day), json!(of_day.len()), json!(of_day.iter().map(|o| o.total).sum::<i64>())]);
    }
    tables.insert("sales_by_day", days);
    // Categories.
    let mut cats: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for l in &sold_lines {
        let c = cats.entry(s(l, "category")).or_default();
        c.0 += n(l, "line_minor");
        c.1 += n(l, "quantity");
    }
    let cat_total: i64 = cats.values().map(|c| c.0).sum();
    let mut cats: Vec<(String, (i64, i64))> = cats.into_iter().collect();
    cats.sort_by(|x, y| y.1 .0.cmp(&x.1 .0).then_with(|| x.0.cmp(&y.0)));
    // Named as the catalog names them (orders record the slug).
    let names: HashMap<String, String> = sample_catalog().categories.into_iter().map(|c| (c.slug, c.name)).collect();
    let name = |slug: &String| names.get(slug).cloned().unwrap_or_else(|| slug.clone());
    tables.insert("sales_by_category", cats.iter().map(|(c, (r, u))| vec![json!(name(c)), json!(r), json!(u), rate(*r, cat_total)]).collect());
    // Payment methods.
    let mut methods: Vec<(String, i64, i64)> = ["online", "cash_on_delivery"]
        .iter()
        .map(|m| {
            let of_m: Vec<&&OrderRow> = sold.iter().filter(|o| o.method == *m).collect();
            (m.to_string(), of_m.len() as i64, of_m.iter().map(|o| o.total).sum())
        })
        .filter(|m| m.1 > 0)
        .collect();
    methods.sort_by_key(|m| std::cmp::Reverse(m.1));
    tables.insert(
        "payment_methods",
        methods
            .iter()
            .map(|(m, o, r)| vec![json!(if m == "online" { "Online" } else { "Cash on delivery" }), json!(o), json!(r), rate(*o, orders_n)])
            .collect(),
    );
    // Products.
    let mut products: BTreeMap<String, Sold> = BTreeMap::new();
    for l in &sold_lines {
        let p = products.entry(s(l, "product_slug")).or_insert_with(|| (s(l, "title"), 0, 0, HashSet::new()));
        p.1 += n(l, "line_minor");
        p.2 += n(l, "quantity");
        p.3.insert(n(l, "order_number"));
    }
    let row = |slug: &str, p: &Sold| {
        let v = of("product_view", slug);
        vec![json!(p.0), json!(p.1), json!(p.2), json!(p.3.len()), json!(v), rate(p.3.len() as i64, v)]
    };
    let mut by_rev: Vec<(&String, &Sold)> = products.iter().collect();
    by_rev.sort_by(|x, y| y.1 .1.cmp(&x.1 .1).then_with(|| x.0.cmp(y.0)));
    tables.insert("top_products_revenue", by_rev.iter().take(20).map(|(k, p)| row(k, p)).collect());
    let mut by_units = by_rev.clone();
    by_units.sort_by(|x, y| y.1 .2.cmp(&x.1 .2).then_with(|| x.0.cmp(y.0)));
    tables.insert("top_products_units", by_units.iter().take(20).map(|(k, p)| row(k, p)).collect());
    let mut viewed: Vec<(&String, i64)> = metric.iter().filter(|((m, _), _)| *m == "product_view").map(|((_, d), v)| (d, *v)).collect();
    viewed.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(y.0)));
    tables.insert(
        "most_viewed",
        viewed
            .iter()
            .take(20)
            .map(|(slug, v)| {
                let p = products.get(*slug);
                let o = p.map_or(0, |p| p.3.len() as i64);
                vec![json!(p.map_or_else(|| slug.to_string(), |p| p.0.clone())), json!(v), json!(of("add_to_cart", slug)), json!(o), rate(o, *v)]
            })
            .collect(),
    );
    // Funnel: sessions that reached a step or a later one.
    let reached = |f: &dyn Fn(&&Event) -> bool| sessions.values().filter(|es| es.iter().any(f)).count() as i64;
    let checkout = |e: &&Event| e.kind == Kind::BeginCheckout || (e.kind == Kind::PageView && e.page.as_deref() == Some("checkout"));
    let cart = |e: &&Event| e.kind == Kind::AddToCart || checkout(e);
    let mut steps = [
        ("Sessions", sessions.len() as i64),
        ("Viewed a product", reached(&|e| e.kind == Kind::ProductView || cart(e))),
        ("Added to cart", reached(&cart)),
        ("Began checkout", reached(&checkout)),
        ("Placed an order", ordering.len() as i64),
        ("Paid", paying.len() as i64),
    ];
    for i in (0..steps.len() - 1).rev() {
        steps[i].1 = steps[i].1.max(steps[i + 1].1);
    }
    tables.insert(
        "funnel",
        steps
            .iter()
            .enumerate()
            .map(|(i, (l, v))| vec![json!(l), json!(v), rate(*v, if i == 0 { steps[0].1 } else { steps[i - 1].1 }), rate(*v, steps[0].1)])
            .collect(),
    );
    // Customers.
    // Not an erased customer's stand-in.
    let mut top: Vec<(&str, &Vec<&OrderRow>)> =
        per_customer.iter().filter(|(e, _)| !e.ends_with("@erased.invalid")).map(|(e, os)| (*e, os)).collect();
    let spent = |os: &Vec<&OrderRow>| os.iter().map(|o| o.total).sum::<i64>();
    top.sort_by(|x, y| spent(y.1).cmp(&spent(x.1)).then_with(|| x.0.cmp(y.0)));
    tables.insert(
        "top_customers",
        top.iter()
            .take(20)
            .map(|(e, os)| {
                let name = os.iter().map(|o| o.name.as_str()).max().unwrap_or("");
                vec![json!(e), json!(name), json!(os.len()), json!(spent(os)), json!(first[e].get(..10).unwrap())]
            })
            .collect(),
    );
    let mut dist: BTreeMap<usize, i64> = BTreeMap::new();
    for os in per_customer.values() {
        *dist.entry(os.len().min(5)).or_default() += 1;
    }
    tables.insert(
        "orders_per_customer",
        dist.iter().map(|(k, v)| vec![json!(if *k >= 5 { "5 or more".to_string() } else { k.to_string() }), json!(v)]).collect(),
    );
    // Search.
    let mut top_q: Vec<(&String, i64)> = metric.iter().filter(|((m, _), _)| *m == "search").map(|((_, d), v)| (d, *v)).collect();
    top_q.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(y.0)));
    tables.insert(
        "top_searches",
        top_q
            .iter()
            .take(20)
            .map(|(q, v)| vec![json!(q), json!(v), json!(of("search_zero", q)), json!(of("search_click", q)), rate(of("search_click", q), *v)])
            .collect(),
    );
    let mut zero: Vec<(&String, i64)> = metric.iter().filter(|((m, _), _)| *m == "search_zero").map(|((_, d), v)| (d, *v)).collect();
    zero.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(y.0)));
    tables.insert("zero_result_searches", zero.iter().take(20).map(|(q, v)| vec![json!(q), json!(v)]).collect());
    // The last search of each session-day, credited with the period's orders of that session.
    let mut credited: BTreeMap<String, HashSet<i64>> = BTreeMap::new();
    for ((_, session), es) in &sessions {
        let Some(last) = es.iter().rev().find(|e| matches!(e.kind, Kind::Search | Kind::SearchClick)) else { continue };
        let q = normalise_query(last.query.as_deref().unwrap_or(""));
        for o in sold.iter().filter(|o| o.session.as_deref() == Some(session.as_str())) {
            credited.entry(q.clone()).or_default().insert(o.number);
        }
    }
    let mut credited: Vec<(String, usize)> = credited.into_iter().map(|(q, os)| (q, os.len())).collect();
    credited.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    tables.insert("searches_to_purchase", credited.iter().take(20).map(|(q, c)| vec![json!(q), json!(c)]).collect());
    Expected { kpis, tables }
}

#[test]
fn reports_match_totals_computed_from_the_raw_rows() {
    let state = Shop::fresh_state_dir();
    std::fs::create_dir_all(&state).unwrap();
    let events_file = state.with_extension("events.jsonl");
    let until = today();
    generate(&state, &events_file, &until);
    let shop = Shop::start_with(&state, &[]);
    let events: Vec<Event> = std::fs::read_to_string(&events_file).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let orders: Vec<OrderRow> =
        d1_query(&shop, "SELECT number, email, name, status, payment_method, total_minor, created_at, analytics_session FROM orders")
            .as_array()
            .unwrap()
            .iter()
            .map(|o| OrderRow {
                number: n(o, "number"),
                email: s(o, "email"),
                name: s(o, "name"),
                status: s(o, "status"),
                method: s(o, "payment_method"),
                total: n(o, "total_minor"),
                at: s(o, "created_at"),
                session: o["analytics_session"].as_str().map(str::to_string),
            })
            .collect();
    assert!(orders.len() >= 10_000, "{} orders generated", orders.len());
    let lines = d1_query(&shop, "SELECT order_number, product_slug, title, quantity, line_minor, category FROM order_lines");
    let refunds = d1_query(&shop, "SELECT id, order_number, amount_minor, created_at FROM payments WHERE kind = 'refund' AND status != 'failed'");
    let payments = d1_query(&shop, "SELECT order_number, amount_minor FROM payments WHERE kind = 'payment' AND status = 'succeeded'");
    let (lines, refunds, payments) = (lines.as_array().unwrap().clone(), refunds.as_array().unwrap().clone(), payments.as_array().unwrap().clone());
    // The history has payments taken twice and given back, which are not refunds of a sale.
    assert!(refunds.iter().any(|r| s(r, "id").starts_with("refund-twice-")), "no payment taken twice in the history");

    let end = day_number(&until).unwrap();
    for (from, to) in [(day_string(end - 29), until.clone()), (day_string(end - 89), until.clone()), (day_string(end - 6), day_string(end - 3))] {
        let r = shop.admin("GET", &format!("/api/admin/analytics?from={from}&to={to}"), None);
        assert_eq!(r.status, 200, "{}", r.body);
        let report = r.json();
        let want = expected(&orders, &lines, &refunds, &payments, &events, &from, &to);
        let days = day_number(&to).unwrap() - day_number(&from).unwrap() + 1;
        let (pf, pt) = (day_string(day_number(&from).unwrap() - days), day_string(day_number(&from).unwrap() - 1));
        let before = expected(&orders, &lines, &refunds, &payments, &events, &pf, &pt);
        assert_eq!((report["previous_from"].as_str(), report["previous_to"].as_str()), (Some(pf.as_str()), Some(pt.as_str())));
        for k in report["kpis"].as_array().unwrap() {
            let key = k["key"].as_str().unwrap();
            assert_eq!(k["value"].as_i64(), want.kpis.get(key).copied(), "{from}..{to}: KPI {key}");
            assert_eq!(k["previous"].as_i64(), before.kpis.get(key).copied(), "{pf}..{pt}: KPI {key} (previous period)");
        }
        assert_eq!(report["kpis"].as_array().unwrap().len(), want.kpis.len());
        for (id, rows) in &want.tables {
            let table = report["tables"].as_array().unwrap().iter().find(|t| t["id"] == *id).unwrap_or_else(|| panic!("no table {id}"));
            let got: Vec<Vec<Value>> = serde_json::from_value(table["rows"].clone()).unwrap();
            assert_eq!(&got, rows, "{from}..{to}: table {id}");
        }
        // The charts draw the same numbers as their tables.
        let chart = |id: &str| report["charts"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()["points"].clone();
        let by_day: Vec<i64> = chart("sales_by_day").as_array().unwrap().iter().map(|p| p["value"].as_i64().unwrap()).collect();
        assert_eq!(by_day, want.tables["sales_by_day"].iter().map(|r| r[2].as_i64().unwrap()).collect::<Vec<_>>());
        let funnel: Vec<i64> = chart("funnel").as_array().unwrap().iter().map(|p| p["value"].as_i64().unwrap()).collect();
        assert_eq!(funnel, want.tables["funnel"].iter().map(|r| r[1].as_i64().unwrap()).collect::<Vec<_>>());
        // The stock table's units sold per SKU.
        let stock = report["tables"].as_array().unwrap().iter().find(|t| t["id"] == "stock").unwrap()["rows"].as_array().unwrap().clone();
        assert!(!stock.is_empty() && stock.len() <= 20);
        println!("{from}..{to}: revenue {} over {} orders, {} sessions", want.kpis["revenue"], want.kpis["orders"], want.kpis["sessions"]);
    }

    // Tax by country and rate over 90 days, from the raw rows: each counted order's tax, and the
    // share of it in what went back (its refunds, or what is owed by hand).
    let from = day_string(end - 89);
    let mut refunded: HashMap<i64, i64> = HashMap::new();
    for p in d1_query(&shop, "SELECT order_number, amount_minor FROM payments WHERE kind = 'refund' AND status != 'failed'").as_array().unwrap() {
        *refunded.entry(n(p, "order_number")).or_default() += n(p, "amount_minor");
    }
    let mut paid: HashMap<i64, i64> = HashMap::new();
    for p in &payments {
        *paid.entry(n(p, "order_number")).or_default() += n(p, "amount_minor");
    }
    let taxed = d1_query(&shop, "SELECT number, status, created_at, total_minor, tax_minor, tax_rate_bp, refund_due_minor, address_json FROM orders");
    let mut by_country: BTreeMap<(String, Option<i64>), [i64; 5]> = BTreeMap::new();
    for o in taxed.as_array().unwrap() {
        let at = s(o, "created_at");
        if !(at[..10] >= *from && at[..10] <= *until) || ["cancelled", "payment_failed", "awaiting_payment"].contains(&s(o, "status").as_str()) {
            continue;
        }
        let country = serde_json::from_str::<Value>(&s(o, "address_json")).unwrap()["country"].as_str().unwrap().to_string();
        let (total, tax) = (n(o, "total_minor"), n(o, "tax_minor"));
        // A payment taken twice and given back is not a refund of the sale.
        let paid_over = (paid.get(&n(o, "number")).copied().unwrap_or(0) - total).max(0);
        let refunded = (refunded.get(&n(o, "number")).copied().unwrap_or(0) - paid_over).max(0);
        let back = (refunded + n(o, "refund_due_minor")).min(total);
        let row = by_country.entry((country, o["tax_rate_bp"].as_i64())).or_default();
        for (sum, v) in row.iter_mut().zip([1, total, tax, back, if total > 0 { (tax * back * 2 + total) / (total * 2) } else { 0 }]) {
            *sum += v;
        }
    }
    let want: Vec<Vec<Value>> = by_country
        .iter()
        .map(|((country, rate), [orders, sales, tax, back, tax_back])| {
            let rate = rate.map_or("not recorded".to_string(), |r| edgeshop_domain::percent_label(r as u32));
            let name = format!("{} ({country})", edgeshop_domain::country_label(country));
            vec![json!(name), json!(rate), json!(orders), json!(sales), json!(tax), json!(back), json!(tax_back), json!(tax - tax_back)]
        })
        .collect();
    assert!(want.len() >= 5 && want.iter().any(|r| r[1] == "19 %"), "the history's orders go to several countries at their rates: {want:?}");
    let report = shop.admin("GET", &format!("/api/admin/analytics?from={from}&to={until}"), None).json();
    let table = report["tables"].as_array().unwrap().iter().find(|t| t["id"] == "tax_by_country").expect("a tax by country table");
    assert_eq!(serde_json::from_value::<Vec<Vec<Value>>>(table["rows"].clone()).unwrap(), want, "tax by country");

    // Every table downloads as the CSV of what the report holds.
    let r = shop.admin("GET", &format!("/api/admin/analytics/export?table=top_customers&from={}&to={until}", day_string(end - 29)), None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.content_type.starts_with("text/csv"));
    let csv: Vec<&str> = r.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(csv[0], "\u{feff}Customer,Name,Orders,Spent,First order", "with a byte-order mark, for Excel");
    let want = expected(&orders, &lines, &refunds, &payments, &events, &day_string(end - 29), &until);
    assert_eq!(csv.len() - 1, want.tables["top_customers"].len());
    let first = &want.tables["top_customers"][0];
    let spent = first[3].as_i64().unwrap();
    assert_eq!(
        csv[1],
        format!(
            "{},{},{},{}.{:02},{}",
            first[0].as_str().unwrap(),
            first[1].as_str().unwrap(),
            first[2],
            spent / 100,
            spent % 100,
            first[4].as_str().unwrap()
        )
    );
    let bad = shop.admin("GET", "/api/admin/analytics/export?table=nope", None);
    assert_eq!(bad.status, 400, "{}", bad.body);
    for q in ["from=2026-13-01&to=2026-12-01", "from=2026-12-01", "from=2020-01-01&to=2026-01-01", "from=2026-12-02&to=2026-12-01"] {
        let r = shop.admin("GET", &format!("/api/admin/analytics?{q}"), None);
        assert_eq!((r.status, r.content_type.as_str()), (400, "application/problem+json"), "{q}: {}", r.body);
    }
    assert_eq!(shop.get("/api/admin/analytics").status, 401);
    assert_eq!(shop.get("/api/admin/health").status, 401);

    // The pages, in Chromium: the owner signs in, the charts and tables show, CSV as the table.
    let link = owner_link(&shop, "owner@example.com");
    let from = day_string(end - 29);
    run_browser_test_with("analytics.mjs", &shop, &[("OWNER_LINK", link.as_str()), ("FROM", from.as_str()), ("TO", until.as_str())]);
}

#[test]
fn a_visit_in_the_browser_is_counted_and_its_order_names_its_session() {
    let shop = Shop::shared();
    let out = run_browser_test_with("beacon.mjs", shop, &[]);
    let line = out.lines().find_map(|l| l.strip_prefix("BEACON ")).expect("the script's summary");
    let v: Value = serde_json::from_str(line).unwrap();
    let (session, product, query, number) = (s(&v, "session"), s(&v, "product"), s(&v, "query"), n(&v, "number"));
    // Each page's events, through the queue into the rollups.
    let steps = wait_for("the visit's funnel steps", 30, || {
        let rows = d1_query(shop, &format!("SELECT steps, last_query FROM analytics_sessions WHERE session = '{session}'"));
        rows.as_array().and_then(|r| r.first()).filter(|r| r["steps"].as_i64().unwrap_or(0) & 15 == 15).cloned()
    });
    use edgeshop_domain::analytics::step;
    assert_eq!(steps["steps"].as_i64(), Some(step::VISIT | step::PRODUCT_VIEW | step::ADD_TO_CART | step::CHECKOUT | step::SEARCH), "{steps}");
    assert_eq!(steps["last_query"], query.as_str());
    for (metric, dim) in [
        ("product_view", product.as_str()),
        ("add_to_cart", product.as_str()),
        ("search", query.as_str()),
        ("search_click", query.as_str()),
        ("page_view", "checkout"),
    ] {
        assert!(count(shop, metric, dim) >= 1, "no {metric} for {dim}");
    }
    // The order names the session it came from (the funnel's "placed an order" step).
    let order = d1_query(shop, &format!("SELECT analytics_session FROM orders WHERE number = {number}"));
    assert_eq!(order[0]["analytics_session"], session.as_str());
}

#[test]
fn the_health_report_counts_requests_and_errors_by_route() {
    let shop = Shop::shared();
    for _ in 0..3 {
        assert_eq!(shop.get("/api/search?q=tent").status, 200);
    }
    assert_eq!(shop.get("/api/orders/abc").status, 404);
    let health = wait_for("the health numbers", 30, || {
        // Each isolate writes its counts every few seconds, after a response.
        let _ = shop.get("/api/health");
        let h = shop.admin("GET", "/api/admin/health?hours=24", None).json();
        let rows = h["tables"][0]["rows"].as_array().cloned().unwrap_or_default();
        let search = rows.iter().find(|r| r[0] == "GET /api/search").and_then(|r| r[1].as_i64()).unwrap_or(0);
        let orders = rows.iter().any(|r| r[0] == "GET /api/orders/{id}");
        (search >= 3 && orders).then_some(h)
    });
    let routes = health["tables"][0]["rows"].as_array().unwrap();
    let orders = routes.iter().find(|r| r[0] == "GET /api/orders/{id}").unwrap();
    assert!(orders[2].as_i64() >= Some(1), "client errors on the orders route: {orders}");
    assert!(health["kpis"].as_array().unwrap().iter().any(|k| k["key"] == "p99" && k["value"].as_i64() > Some(0)), "{health}");
    assert!(!shop.get("/api/admin/health").body.contains("GET /api/search"), "the health report needs a session");
}
