//! Orders of record under wrangler dev with the real D1, Queues and Durable Objects: checkout
//! that resumes after a fault at any step, one order per cart, no overselling under concurrency,
//! events applied by the domain's rules whatever their order, and the hardening of the HTTP edge.

use edgeshop_domain::Variant;
use edgeshop_e2e::{admin_token, client_ip, d1_query, root, sample_catalog as catalog, stocked_variants as variants, wait_for, Reply, Shop};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn ip(n: u32) -> String {
    client_ip(1, n)
}

fn add(shop: &Shop, ip: &str, cart: Option<&str>, sku: &str, quantity: u32) -> String {
    let mut headers = vec![("cf-connecting-ip", ip)];
    if let Some(c) = cart {
        headers.push(("x-cart-id", c));
    }
    let r = shop.post_json("/api/cart/lines", &headers, &json!({ "sku": sku, "quantity": quantity }).to_string());
    assert_eq!(r.status, 201, "{}", r.body);
    r.header("x-cart-id").expect("cart id").to_string()
}

fn body(method: &str) -> Value {
    json!({
        "address": { "name": "Aoife Byrne", "line1": "12 Quay Street", "city": "Galway", "postal_code": "H91 XK2P", "country": "IE" },
        "contact": { "email": "aoife@example.ie", "phone": "+353 91 555 0100" },
        "payment_method": method,
    })
}

fn checkout(shop: &Shop, ip: &str, cart: &str, key: &str, method: &str, fault: Option<&str>) -> Reply {
    let mut headers = vec![("cf-connecting-ip", ip), ("x-cart-id", cart), ("idempotency-key", key)];
    if let Some(f) = fault {
        headers.push(("x-edgeshop-fault", f));
    }
    shop.post_json("/api/checkout", &headers, &body(method).to_string())
}

fn level(shop: &Shop, sku: &str) -> (i64, i64, i64) {
    let auth = format!("Bearer {}", admin_token());
    let r = shop.request("GET", &format!("/api/admin/stock/{sku}"), &[("authorization", &auth)], None);
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    (v["available"].as_i64().unwrap(), v["reserved"].as_i64().unwrap(), v["sold"].as_i64().unwrap())
}

fn orders_for_cart(shop: &Shop, cart: &str) -> usize {
    d1_query(shop, &format!("SELECT number FROM orders WHERE cart_id = '{cart}'")).as_array().map(Vec::len).unwrap_or(0)
}

fn secret() -> String {
    let vars = std::fs::read_to_string(root().join(".dev.vars")).expect(".dev.vars");
    vars.lines().find_map(|l| l.strip_prefix("PAYMENT_WEBHOOK_SECRET=")).expect("PAYMENT_WEBHOOK_SECRET").trim().to_string()
}

fn webhook(shop: &Shop, event_id: &str, kind: &str, order_number: u64) -> Reply {
    let body = json!({ "id": event_id, "type": kind, "order_number": order_number, "session": "cs_test" }).to_string();
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret().as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    shop.post_json("/api/payments/webhook", &[("cf-connecting-ip", "10.1.200.1"), ("edgeshop-signature", &format!("t={t},v1={hex}"))], &body)
}

/// One shop with the checkout fault switch on (the test configuration's variable).
fn faulty_shop() -> &'static Shop {
    static SHOP: std::sync::OnceLock<Shop> = std::sync::OnceLock::new();
    SHOP.get_or_init(|| Shop::start_with(&Shop::fresh_state_dir(), &[("EDGESHOP_FAULTS", "checkout-steps")]))
}

#[test]
fn a_fault_at_any_checkout_step_resumes_to_one_order() {
    let shop = faulty_shop();
    let c = catalog();
    let pool = variants(&c, 6);
    let steps = ["after-number", "after-reserve", "after-save", "after-publish", "after-cart-delete"];
    for (i, step) in steps.iter().enumerate() {
        for (j, method) in ["cash_on_delivery", "online"].iter().enumerate() {
            let v = &pool[i * 2 + j];
            let who = ip(10 + (i * 2 + j) as u32);
            let before = level(shop, &v.sku);
            let cart = add(shop, &who, None, &v.sku, 2);
            let key = format!("fault-{step}-{method}");
            let failed = checkout(shop, &who, &cart, &key, method, Some(step));
            assert_eq!(failed.status, 500, "{step}/{method}: the injected fault fires: {}", failed.body);
            assert_eq!(failed.content_type, "application/problem+json");
            // An internal error's detail is logged, not sent; the answer names the request instead.
            assert!(!failed.body.contains("injected"), "{}", failed.body);
            let problem: serde_json::Value = serde_json::from_str(&failed.body).unwrap();
            let id = problem["request_id"].as_str().unwrap_or_default();
            assert!(!id.is_empty() && failed.header("x-request-id") == Some(id), "{}", failed.body);
            let retried = checkout(shop, &who, &cart, &key, method, Some(step));
            assert_eq!(retried.status, 201, "{step}/{method}: the retry finishes the order: {}", retried.body);
            let replayed = checkout(shop, &who, &cart, &key, method, Some(step));
            assert_eq!(replayed.status, 201);
            assert_eq!(replayed.body, retried.body, "{step}/{method}: the same answer");
            assert_eq!(replayed.header("cache-control"), Some("no-store"));
            assert_eq!(orders_for_cart(shop, &cart), 1, "{step}/{method}: exactly one order");
            let after = level(shop, &v.sku);
            assert_eq!(after.0, before.0 - 2, "{step}/{method}: two units taken once: {before:?} -> {after:?}");
            assert_eq!(after.0 + after.1 + after.2, before.0 + before.1 + before.2, "{step}/{method}: no unit made or lost");
            if *method == "cash_on_delivery" {
                assert_eq!(after.2, before.2 + 2, "{step}: cash on delivery sells at once");
            } else {
                assert_eq!(after.1, before.1 + 2, "{step}: online holds a reservation until paid");
            }
        }
    }
    // Without the switch's header nothing fails.
    let v = &pool[10];
    let cart = add(shop, &ip(30), None, &v.sku, 1);
    assert_eq!(checkout(shop, &ip(30), &cart, "no-fault", "cash_on_delivery", None).status, 201);
}

/// A change to a cart while a checkout holds it is refused (409 with Retry-After) rather than
/// deleted with the cart, and retried afterwards it lands in a new cart; a checkout that fails
/// before the order lets go of the cart, which then takes changes as before.
#[test]
fn a_cart_change_during_its_checkout_is_refused_not_lost() {
    let shop = faulty_shop();
    let c = catalog();
    let pool = variants(&c, 6);
    let (a, b) = (&pool[20], &pool[21]);
    let who = ip(50);
    let add_b = |cart: &str| {
        shop.post_json("/api/cart/lines", &[("cf-connecting-ip", &who), ("x-cart-id", cart)], &json!({ "sku": b.sku, "quantity": 1 }).to_string())
    };
    // A checkout that stops after holding the cart (test configuration: as if its worker died)
    // leaves the cart held: a change is refused, not saved into a cart about to be ordered.
    let cart = add(shop, &who, None, &a.sku, 1);
    let stopped = checkout(shop, &who, &cart, "held-cart", "cash_on_delivery", Some("after-hold"));
    assert_eq!(stopped.status, 500, "{}", stopped.body);
    let during = add_b(&cart);
    assert_eq!(during.status, 409, "a change during the checkout is refused: {}", during.body);
    assert_eq!(during.json()["type"], "https://edgeshop.dev/problems/request-in-progress");
    assert_eq!(during.header("retry-after"), Some("1"));
    // The retry finishes the order with what the cart held, and deletes the cart.
    let placed = checkout(shop, &who, &cart, "held-cart", "cash_on_delivery", None);
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(placed.json()["subtotal"]["minor"], a.price.minor, "the order holds what the cart held: {}", placed.body);
    // The change retried goes into a new cart.
    let retried = add_b(&cart);
    assert_eq!(retried.status, 201, "{}", retried.body);
    assert_ne!(retried.header("x-cart-id"), Some(cart.as_str()), "the checked-out cart is not brought back");
    assert_eq!(retried.json()["lines"].as_array().map(Vec::len), Some(1));

    // A checkout that fails before the order is placed lets go of the cart; its retry takes the
    // cart as it is then, and the stock follows the lines ordered, not the first attempt's.
    let (a_before, b_before) = (level(shop, &a.sku), level(shop, &b.sku));
    let cart = add(shop, &who, None, &a.sku, 1);
    let failed = checkout(shop, &who, &cart, "released-cart", "cash_on_delivery", Some("after-reserve"));
    assert_eq!(failed.status, 500, "{}", failed.body);
    let changed = add_b(&cart);
    assert_eq!(changed.status, 201, "{}", changed.body);
    assert_eq!(changed.header("x-cart-id"), Some(cart.as_str()));
    assert_eq!(changed.json()["lines"].as_array().map(Vec::len), Some(2));
    let retried = checkout(shop, &who, &cart, "released-cart", "cash_on_delivery", None);
    assert_eq!(retried.status, 201, "{}", retried.body);
    assert_eq!(retried.json()["subtotal"]["minor"], a.price.minor + b.price.minor);
    let (a_after, b_after) = (level(shop, &a.sku), level(shop, &b.sku));
    assert_eq!((a_after.0, a_after.1, a_after.2), (a_before.0 - 1, a_before.1, a_before.2 + 1), "{a_before:?} -> {a_after:?}");
    assert_eq!((b_after.0, b_after.1, b_after.2), (b_before.0 - 1, b_before.1, b_before.2 + 1), "{b_before:?} -> {b_after:?}");
}

#[test]
fn the_default_configuration_ignores_the_fault_switch() {
    let shop = Shop::shared();
    let c = catalog();
    let v = &variants(&c, 6)[0];
    let cart = add(shop, &ip(40), None, &v.sku, 1);
    let r = checkout(shop, &ip(40), &cart, "ignored-fault", "cash_on_delivery", Some("after-number"));
    assert_eq!(r.status, 201, "no fault without the variable: {}", r.body);
}

#[test]
fn twenty_concurrent_checkouts_of_one_cart_make_one_order() {
    let shop = Shop::shared();
    let c = catalog();
    let v = &variants(&c, 6)[1];
    let cart = add(shop, &ip(41), None, &v.sku, 1);
    let results: Vec<Reply> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|i| {
                let cart = cart.clone();
                s.spawn(move || checkout(shop, &ip(41), &cart, &format!("same-cart-{i}"), "cash_on_delivery", None))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let statuses: Vec<u16> = results.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    for r in results.iter().filter(|r| r.status != 201) {
        assert_eq!(r.status, 409, "{}", r.body);
        assert_eq!(r.content_type, "application/problem+json");
        assert_eq!(r.json()["type"], "https://edgeshop.dev/problems/cart-already-checked-out");
    }
    assert_eq!(orders_for_cart(shop, &cart), 1);
    // Once the order exists, another key points at it.
    let late = checkout(shop, &ip(41), &cart, "same-cart-late", "cash_on_delivery", None);
    assert_eq!(late.status, 409, "{}", late.body);
    let winner = results.iter().find(|r| r.status == 201).unwrap().json();
    assert_eq!(late.json()["order_number"], winner["order_number"]);
}

#[test]
fn forty_shoppers_on_three_low_stock_skus_never_oversell() {
    let shop = Shop::shared();
    let c = catalog();
    // Three SKUs with little stock, far less than forty shoppers want.
    let used: Vec<String> = variants(&c, 6).iter().take(12).map(|v| v.sku.clone()).collect();
    let low: Vec<Variant> = variants(&c, 3).into_iter().filter(|v| v.stock <= 25 && !used.contains(&v.sku)).take(3).collect();
    assert_eq!(low.len(), 3, "the sample shop has low-stock SKUs");
    let initial: Vec<(i64, i64, i64)> = low.iter().map(|v| level(shop, &v.sku)).collect();
    let carts: Vec<(String, String)> = (0..40u32)
        .map(|i| {
            let who = ip(100 + i);
            // Each cart holds two or three of the SKUs, in different orders.
            let mut cart = None;
            for k in 0..3usize {
                if i % 3 == 2 && k == (i as usize / 3) % 3 {
                    continue;
                }
                let v = &low[(k + i as usize) % 3];
                cart = Some(add(shop, &who, cart.as_deref(), &v.sku, 1 + (i % 2)));
            }
            (who, cart.unwrap())
        })
        .collect();
    let results: Vec<Reply> = std::thread::scope(|s| {
        let handles: Vec<_> = carts
            .iter()
            .enumerate()
            .map(|(i, (who, cart))| {
                let method = if i % 2 == 0 { "cash_on_delivery" } else { "online" };
                s.spawn(move || checkout(shop, who, cart, &format!("crowd-{i}"), method, None))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let statuses: Vec<u16> = results.iter().map(|r| r.status).collect();
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    assert!(statuses.contains(&201) && statuses.contains(&409), "some win, some find it sold out: {statuses:?}");
    for (v, before) in low.iter().zip(&initial) {
        let (available, reserved, sold) = level(shop, &v.sku);
        assert!(available >= 0, "{}: oversold ({available})", v.sku);
        assert_eq!(available + reserved + sold, before.0 + before.1 + before.2, "{}: reserved + sold + available = initial", v.sku);
        let ordered =
            d1_query(shop, &format!("SELECT COALESCE(SUM(quantity), 0) AS n FROM order_lines WHERE sku = '{}'", v.sku))[0]["n"].as_i64().unwrap();
        assert_eq!(ordered, (reserved - before.1) + (sold - before.2), "{}: the ledger matches the orders", v.sku);
    }
}

#[test]
fn redelivered_reordered_and_late_events_follow_the_rules() {
    let shop = Shop::shared();
    let c = catalog();
    let pool = variants(&c, 6);
    // Online: paid five times over, then cancelled, then paid again late.
    let cart = add(shop, &ip(60), None, &pool[2].sku, 1);
    let placed = checkout(shop, &ip(60), &cart, "events-online", "online", None).json();
    let n = placed["order_number"].as_u64().unwrap();
    for _ in 0..5 {
        assert_eq!(webhook(shop, &format!("evt_paid_{n}"), "payment.succeeded", n).status, 200);
    }
    shop.wait_admin_order(n, "paid", |o| o["order"]["status"] == "paid");
    let token = placed["token"].as_str().unwrap();
    assert_eq!(shop.post_json(&format!("/api/orders/{n}/cancel?token={token}"), &[], "").status, 202);
    shop.wait_admin_order(n, "cancelled", |o| o["order"]["status"] == "cancelled");
    assert_eq!(webhook(shop, &format!("evt_paid_again_{n}"), "payment.succeeded", n).status, 200);
    let o = shop.wait_admin_order(n, "late payment refunded", |o| o["attention"].as_str().is_some_and(|a| a.contains("refunded automatically")));
    assert_eq!(o["order"]["status"], "cancelled", "a late payment does not revive a cancelled order");
    let total = placed["total"]["minor"].as_i64().unwrap();
    let moves = o["payments"].as_array().unwrap();
    let sum = |kind: &str| {
        moves.iter().filter(|m| m["kind"] == kind && m["status"] == "succeeded").map(|m| m["amount_minor"].as_i64().unwrap()).sum::<i64>()
    };
    assert_eq!((sum("payment"), sum("refund")), (total * 2, total * 2), "both payments went back: {o}");
    assert_eq!(o["refund_due_minor"], 0);
    let statuses: Vec<&str> = o["order"]["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["awaiting_payment", "paid", "cancelled"], "one history entry per real change");
    let events = d1_query(shop, &format!("SELECT event_id, outcome FROM applied_events WHERE order_number = {n} ORDER BY applied_at"));
    assert_eq!(events.as_array().unwrap().iter().filter(|e| e["event_id"] == format!("evt_paid_{n}")).count(), 1);

    // Cash on delivery: shipped and cancelled at the same moment, shipped first.
    let cart = add(shop, &ip(61), None, &pool[3].sku, 1);
    let placed = checkout(shop, &ip(61), &cart, "events-cod", "cash_on_delivery", None).json();
    let n = placed["order_number"].as_u64().unwrap();
    let token = placed["token"].as_str().unwrap();
    let auth = format!("Bearer {}", admin_token());
    let fulfil = |status: Value| shop.post_json(&format!("/api/admin/orders/{n}/fulfilment"), &[("authorization", &auth)], &status.to_string());
    assert_eq!(fulfil(json!({ "status": "packed" })).status, 202);
    shop.wait_admin_order(n, "packed", |o| o["order"]["status"] == "packed");
    assert_eq!(fulfil(json!({ "status": "shipped", "carrier": "An Post", "tracking_number": "CE1IE" })).status, 202);
    let cancel = shop.post_json(&format!("/api/orders/{n}/cancel?token={token}"), &[], "");
    assert!(cancel.status == 202 || cancel.status == 409, "{}", cancel.body);
    let o = shop.wait_admin_order(n, "shipped", |o| o["order"]["status"] == "shipped");
    std::thread::sleep(Duration::from_secs(3));
    let o2 = shop.admin_order(n);
    assert_eq!(o2["order"]["status"], "shipped", "a cancellation after shipping is refused: {o}");
    let statuses: Vec<&str> = o2["order"]["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["confirmed", "packed", "shipped"]);
    if cancel.status == 202 {
        let refused = d1_query(shop, &format!("SELECT outcome FROM applied_events WHERE event_id = 'cancel-{n}'"));
        assert!(refused[0]["outcome"].as_str().unwrap().starts_with("refused"), "{refused}");
        assert!(o2["attention"].as_str().is_some_and(|a| a.contains("refused")), "{o2}");
    }
}

#[test]
fn http_edge_hardening() {
    let shop = Shop::shared();
    let c = catalog();
    let v = &variants(&c, 6)[4];
    // Bodies over the limit are refused by their Content-Length.
    let big = format!("{{\"sku\":\"{}\",\"pad\":\"{}\"}}", v.sku, "x".repeat(40_000));
    let r = shop.post_json("/api/cart/lines", &[("cf-connecting-ip", &ip(70))], &big);
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.content_type, "application/problem+json");
    // And without one (a chunked body), as it streams in.
    let answer = chunked_post(&shop.base, "/api/cart/lines", &ip(71), big.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 413"), "{}", answer.lines().next().unwrap_or(""));
    assert!(answer.to_ascii_lowercase().contains("content-type: application/problem+json"), "{answer}");

    // An unknown cart id is neither adopted nor written.
    let stranger = "0123456789abcdef0123456789abcdef";
    let r = shop.request("GET", "/api/cart", &[("cookie", &format!("edgeshop_cart={stranger}"))], None);
    assert_eq!(r.status, 200);
    assert!(r.json()["id"].is_null(), "{}", r.body);
    assert!(r.header("set-cookie").is_none());
    let r = shop.post_json(
        "/api/cart/lines",
        &[("cf-connecting-ip", &ip(70)), ("x-cart-id", stranger)],
        &json!({ "sku": v.sku, "quantity": 1 }).to_string(),
    );
    assert_eq!(r.status, 201);
    let minted = r.header("x-cart-id").unwrap().to_string();
    assert_ne!(minted, stranger, "a made-up id starts a new cart");

    // The cookie (plain HTTP on loopback: no Secure, so no __Host- prefix) is HttpOnly.
    let cookie = r.header("set-cookie").unwrap().to_string();
    assert!(cookie.starts_with("edgeshop_cart=") && cookie.contains("HttpOnly") && cookie.contains("Path=/"), "{cookie}");

    // A cross-site request that rides on the cart cookie is refused; the same from this site works.
    let by_cookie = format!("edgeshop_cart={minted}");
    let line = json!({ "sku": v.sku, "quantity": 1 }).to_string();
    for headers in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
    ] {
        let mut h = vec![("cf-connecting-ip", ip(70)), ("cookie", by_cookie.clone())];
        h.extend(headers.iter().map(|(k, v)| (*k, v.to_string())));
        let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = shop.post_json("/api/cart/lines", &h, &line);
        assert_eq!(r.status, 403, "{headers:?}: {}", r.body);
        assert_eq!(r.json()["type"], "https://edgeshop.dev/problems/cross-site-request");
    }
    let r = shop.post_json("/api/cart/lines", &[("cf-connecting-ip", &ip(70)), ("cookie", &by_cookie), ("sec-fetch-site", "same-origin")], &line);
    assert_eq!(r.status, 201, "{}", r.body);
    let own_origin = shop.base.clone();
    let r = shop.post_json("/api/cart/lines", &[("cf-connecting-ip", &ip(70)), ("cookie", &by_cookie), ("origin", &own_origin)], &line);
    assert_eq!(r.status, 201, "{}", r.body);
    let r = shop.post_json(
        "/api/checkout",
        &[("cf-connecting-ip", &ip(70)), ("cookie", &by_cookie), ("sec-fetch-site", "cross-site"), ("idempotency-key", "xsite")],
        &body("cash_on_delivery").to_string(),
    );
    assert_eq!(r.status, 403, "{}", r.body);

    // An email address with control characters is refused.
    let mut b = body("cash_on_delivery");
    b["contact"]["email"] = json!("aoife@example.ie\r\nBcc: everyone@example.com");
    let r =
        shop.post_json("/api/checkout", &[("cf-connecting-ip", &ip(70)), ("x-cart-id", &minted), ("idempotency-key", "ctl-email")], &b.to_string());
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["field"], "contact.email");

    // Checkout clears the cart cookie: the next cart gets a new id.
    let r = shop.post_json(
        "/api/checkout",
        &[("cf-connecting-ip", &ip(70)), ("x-cart-id", &minted), ("idempotency-key", "hardening-ok")],
        &body("cash_on_delivery").to_string(),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.header("set-cookie").is_some_and(|c| c.contains("Max-Age=0")));

    // Worker-rendered HTML carries its security headers.
    let page = shop.get("/search?q=tent");
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap_or_default().to_string();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"), "{csp}");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    // So do the static pages: no page elsewhere frames the shop's (its add-to-cart form).
    let c = catalog();
    let product = c.products.iter().find(|p| p.published).unwrap();
    for path in ["/".to_string(), edgeshop_domain::paths::product(&product.slug), "/admin/".to_string()] {
        let page = shop.get(&path);
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"), "{path}");
    }
    // A product image opened on its own (a merchant's SVG may hold a script) runs nothing here.
    let svg = c.products.iter().flat_map(|p| &p.images).find(|i| i.file.ends_with(".svg")).expect("an SVG image");
    let image = shop.get(&format!("/images/{}", svg.file));
    assert_eq!(image.status, 200);
    assert!(
        image.header("content-security-policy").is_some_and(|p| p.contains("sandbox") && p.contains("default-src 'none'")),
        "{:?}",
        image.header("content-security-policy")
    );
}

#[test]
fn orders_are_rows_in_the_database() {
    let shop = Shop::shared();
    let c = catalog();
    let v = &variants(&c, 6)[5];
    let cart = add(shop, &ip(80), None, &v.sku, 3);
    // The address as typed, in capitals and with a space: kept (and written to) in one spelling,
    // so that erasing the customer finds every copy.
    let mut typed = body("cash_on_delivery");
    typed["contact"]["email"] = json!("Aoife@Example.ie ");
    let headers = [("cf-connecting-ip", ip(80)), ("x-cart-id", cart.clone()), ("idempotency-key", "rows".to_string())];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = shop.post_json("/api/checkout", &headers, &typed.to_string());
    assert_eq!(r.status, 201, "{}", r.body);
    let placed = r.json();
    let n = placed["order_number"].as_u64().unwrap();
    let row = &d1_query(shop, &format!("SELECT status, email, total_minor, payment_method FROM orders WHERE number = {n}"))[0];
    assert_eq!(row["status"], "confirmed");
    assert_eq!(row["email"], "aoife@example.ie");
    assert_eq!(row["total_minor"], placed["total"]["minor"]);
    let lines = d1_query(shop, &format!("SELECT sku, quantity FROM order_lines WHERE order_number = {n}"));
    assert_eq!(lines, json!([{ "sku": v.sku, "quantity": 3 }]));
    let customer = d1_query(shop, "SELECT email FROM customers WHERE email = 'aoife@example.ie'");
    assert_eq!(customer.as_array().map(Vec::len), Some(1));
    // The shopper's confirmation and the merchant's alert are recorded (and sent) once the
    // consumer has the order.placed event.
    let sent = wait_for("the confirmation", 30, || {
        let rows = d1_query(
            shop,
            &format!("SELECT template, recipient FROM notifications WHERE order_number = {n} AND sent_at IS NOT NULL ORDER BY template, recipient"),
        );
        (rows.as_array().map_or(0, Vec::len) == 3).then_some(rows)
    });
    // One alert for each of the merchant's addresses.
    assert_eq!(
        sent,
        json!([
            { "template": "merchant_new_order", "recipient": "desk@shop.example.com" },
            { "template": "merchant_new_order", "recipient": "owner@shop.example.com" },
            { "template": "order_confirmation", "recipient": "aoife@example.ie" }
        ])
    );
    // Nothing is left in KV (orders are in D1, carts in their Durable Objects).
    let config = std::fs::read_to_string(root().join("wrangler.toml")).unwrap();
    assert_eq!(config.matches("[[kv_namespaces]]").count(), 0);
    assert!(config.contains("class_name = \"CartStore\""));
}

#[test]
fn an_event_that_keeps_failing_reaches_the_merchant_through_the_dead_letter_queue() {
    let shop = Shop::shared();
    // A correctly signed payment for an order that does not exist fails every retry.
    let ghost = 987_654_321u64;
    assert_eq!(webhook(shop, "evt_ghost", "payment.succeeded", ghost).status, 200);
    let auth = format!("Bearer {}", admin_token());
    let letter = wait_for("the event to reach the dead-letter list", 120, || {
        let r = shop.admin("GET", "/api/admin/dead-letters", None);
        assert!(r.status == 200 || r.status >= 500, "{}", r.body);
        if r.status != 200 {
            // The local D1 simulator now and then reports an internal error under load: ask again.
            eprintln!("dead-letter list: {} (asking again)", r.status);
            return None;
        }
        r.json()["dead_letters"].as_array().unwrap().iter().find(|d| d["event_id"] == "evt_ghost").cloned()
    });
    assert_eq!(letter["order_number"], ghost);
    // The merchant is emailed (shop.toml `[back_office] alert_dead_letters`), once per hour.
    let alerts = shop.wait_emails("the dead-letter alert", 1, |m| m.subject.contains("order events need you"));
    assert!(alerts[0].text.contains("dead-letter queue"), "{}", alerts[0].text);
    let id = letter["message_id"].as_str().unwrap();
    assert_eq!(shop.request("GET", "/api/admin/dead-letters", &[], None).status, 401, "merchant only");
    let r = shop.request("POST", &format!("/api/admin/dead-letters/{id}/replay"), &[("authorization", &auth)], None);
    assert_eq!(r.status, 202, "{}", r.body);
    assert!(r.json()["replayed_at"].is_string());
    let r = shop.request("POST", "/api/admin/dead-letters/no-such-letter/replay", &[("authorization", &auth)], None);
    assert_eq!(r.status, 404);
}

/// Posts `body` as JSON in 4 kB chunks (`Transfer-Encoding: chunked`, no Content-Length) over a
/// raw connection; the whole answer as text.
fn chunked_post(base: &str, path: &str, client_ip: &str, body: &[u8]) -> String {
    use std::io::{Read, Write};
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut conn = std::net::TcpStream::connect(host).unwrap();
    conn.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nCF-Connecting-IP: {client_ip}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    conn.write_all(head.as_bytes()).unwrap();
    for chunk in body.chunks(4096) {
        // The worker may answer (and close) before the whole body is sent.
        if conn
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .and_then(|_| conn.write_all(chunk))
            .and_then(|_| conn.write_all(b"\r\n"))
            .is_err()
        {
            break;
        }
    }
    let _ = conn.write_all(b"0\r\n\r\n");
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}
