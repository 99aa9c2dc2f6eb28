//! Online payments under wrangler dev: the Stripe adapter against a local server that speaks
//! Stripe's wire format (tests/stripe/fake_stripe.py), whose webhook signatures are checked with
//! Stripe's official library; and a deploy-configured shop, where nothing for development exists.

use edgeshop_domain::{Catalog, Variant};
use edgeshop_e2e::{admin_token, client_ip, root, sample_catalog as catalog, stocked_variants, Reply, Shop};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

const SECRET_KEY: &str = "sk_test_edgeshop_local_0123456789";
const WEBHOOK_SECRET: &str = "whsec_edgeshop_local_0123456789";

fn variants(c: &Catalog) -> Vec<Variant> {
    stocked_variants(c, 6)
}

struct FakeStripe {
    base: String,
    child: Child,
}

impl Drop for FakeStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

impl FakeStripe {
    fn start() -> FakeStripe {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let python = root().join("target/pyenv/bin/python");
        assert!(python.exists(), "{} is missing: run `cargo xtask test`", python.display());
        let mut child = Command::new(python)
            .arg(root().join("tests/stripe/fake_stripe.py"))
            .arg(port.to_string())
            .arg(std::process::id().to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the local Stripe server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready");
        FakeStripe { base: format!("http://127.0.0.1:{port}"), child }
    }

    fn call(&self, path: &str, body: &Value) -> Value {
        let r = ureq::post(&format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .send(&body.to_string())
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&r.into_body().read_to_string().unwrap()).unwrap()
    }

    fn requests(&self) -> Vec<Value> {
        let text = ureq::get(&format!("{}/_test/requests", self.base)).call().unwrap().into_body().read_to_string().unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        v["requests"].as_array().unwrap().clone()
    }
}

/// A shop whose online payments go through the local Stripe server.
fn stripe_shop() -> &'static (FakeStripe, Shop) {
    static SHOP: OnceLock<(FakeStripe, Shop)> = OnceLock::new();
    SHOP.get_or_init(|| {
        let stripe = FakeStripe::start();
        let shop = Shop::start_with(
            &Shop::fresh_state_dir(),
            &[("STRIPE_SECRET_KEY", SECRET_KEY), ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET), ("STRIPE_API_BASE", &stripe.base)],
        );
        (stripe, shop)
    })
}

fn ip(n: u32) -> String {
    client_ip(2, n)
}

fn body(method: &str) -> Value {
    json!({
        "address": { "name": "Mia Schulz", "line1": "Hauptstraße 5", "city": "Berlin", "postal_code": "10115", "country": "DE" },
        "contact": { "email": "mia@example.de" },
        "payment_method": method,
    })
}

/// Places an online order for `lines` and returns the checkout answer.
fn place(shop: &Shop, n: u32, lines: &[(&str, u32)], key: &str) -> Value {
    place_with_code(shop, n, lines, None, key)
}

/// Places an online order for `lines`, with a discount `code` on the cart when given.
fn place_with_code(shop: &Shop, n: u32, lines: &[(&str, u32)], code: Option<&str>, key: &str) -> Value {
    let cart = shop.fill_cart(&ip(n), lines);
    if let Some(code) = code {
        let applied =
            shop.post_json("/api/cart/discount", &[("cf-connecting-ip", &ip(n)), ("x-cart-id", &cart)], &json!({ "code": code }).to_string());
        assert_eq!(applied.status, 200, "{}", applied.body);
    }
    let r =
        shop.post_json("/api/checkout", &[("cf-connecting-ip", &ip(n)), ("x-cart-id", &cart), ("idempotency-key", key)], &body("online").to_string());
    assert_eq!(r.status, 201, "{}", r.body);
    let mut placed = r.json();
    placed["cart"] = json!(cart);
    placed
}

fn session_id(placed: &Value) -> String {
    placed["next_url"].as_str().unwrap().rsplit('/').next().unwrap().to_string()
}

/// Quiet period: what a late event would have changed has had time to arrive.
fn settled(shop: &Shop, n: u64) -> Value {
    std::thread::sleep(Duration::from_secs(3));
    shop.admin_order(n)
}

/// Has the local Stripe server deliver an event, and checks its signature with Stripe's library.
fn deliver(kind: &str, session: &str, extra: Value) -> Value {
    let valid =
        extra.get("timestamp_offset").is_none() && extra.get("header").is_none_or(|h| h.as_str().is_some_and(|h| h.contains("v1=") && h.len() > 20));
    deliver_expecting(kind, session, extra, valid)
}

fn deliver_expecting(kind: &str, session: &str, extra: Value, expect_valid: bool) -> Value {
    let (stripe, shop) = stripe_shop();
    let mut req =
        json!({ "type": kind, "session_id": session, "secret": WEBHOOK_SECRET, "webhook_url": format!("{}/api/payments/stripe/webhook", shop.base) });
    if let Value::Object(m) = extra {
        for (k, v) in m {
            req[k] = v;
        }
    }
    let out = stripe.call("/_test/deliver", &req);
    let verified = stripe.call("/_test/verify", &json!({ "payload": out["payload"], "header": out["header"], "secret": WEBHOOK_SECRET }));
    assert_eq!(verified["ok"], expect_valid, "Stripe's library on our delivery: {verified}");
    out
}

fn statuses(o: &Value) -> Vec<String> {
    o["order"]["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap().to_string()).collect()
}

fn moves(o: &Value, kind: &str) -> Vec<Value> {
    o["payments"].as_array().unwrap().iter().filter(|m| m["kind"] == kind).cloned().collect()
}

#[test]
fn stripe_session_is_created_once_per_order_and_paid_by_its_webhook() {
    let (stripe, shop) = stripe_shop();
    let c = catalog();
    let v = &variants(&c)[0];
    let placed = place(shop, 1, &[(&v.sku, 2)], "stripe-paid");
    let n = placed["order_number"].as_u64().unwrap();
    assert!(placed["next_url"].as_str().unwrap().starts_with(&format!("{}/c/pay/cs_test_", stripe.base)), "{placed}");
    // A retried checkout (same key) gets the same session; Stripe saw one idempotency key per order.
    let again = shop.post_json(
        "/api/checkout",
        &[("cf-connecting-ip", &ip(1)), ("x-cart-id", placed["cart"].as_str().unwrap()), ("idempotency-key", "stripe-paid")],
        &body("online").to_string(),
    );
    assert_eq!(again.json()["next_url"], placed["next_url"]);
    let calls: Vec<Value> = stripe
        .requests()
        .into_iter()
        .filter(|r| r["path"] == "/v1/checkout/sessions" && r["params"]["metadata"]["order_number"].as_str() == Some(n.to_string().as_str()))
        .collect();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call["idempotency_key"], format!("edgeshop-session-{n}"));
    let items = call["params"]["line_items"].as_object().unwrap();
    let charged: i64 = items
        .values()
        .map(|i| i["price_data"]["unit_amount"].as_str().unwrap().parse::<i64>().unwrap() * i["quantity"].as_str().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(charged, placed["total"]["minor"].as_i64().unwrap(), "Stripe charges the order's total");
    assert!(call["params"]["success_url"].as_str().unwrap().contains(&format!("number={n}")));

    assert_eq!(shop.admin_order(n)["order"]["status"], "awaiting_payment");
    let out = deliver("checkout.session.completed", &session_id(&placed), json!({}));
    assert_eq!(out["status"], 200, "{out}");
    let o = shop.wait_admin_order(n, "paid", |o| o["order"]["status"] == "paid");
    let paid = moves(&o, "payment");
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0]["provider"], "stripe");
    assert!(paid[0]["id"].as_str().unwrap().starts_with("pi_"));

    // The same delivery again (a replay inside the tolerance) and a late failure change nothing.
    let replay = deliver("", "", json!({ "payload": out["payload"], "header": out["header"] }));
    assert_eq!(replay["status"], 200);
    deliver("checkout.session.async_payment_failed", &session_id(&placed), json!({}));
    let o = settled(shop, n);
    assert_eq!(statuses(&o), vec!["awaiting_payment", "paid"], "one entry per real change");
    assert_eq!(moves(&o, "payment").len(), 1);
}

#[test]
fn a_discounted_order_is_charged_its_total_with_the_discount_shared_among_its_lines() {
    let (stripe, shop) = stripe_shop();
    let c = catalog();
    let pool = variants(&c);
    let made = shop.admin("POST", "/api/admin/discounts", Some(r#"{"code":"EURO-OFF","kind":"amount","value":100}"#));
    assert_eq!(made.status, 201, "{}", made.body);
    // 1.00 off three units and one more line: the three units' share does not divide by three.
    let placed = place_with_code(shop, 9, &[(&pool[13].sku, 3), (&pool[14].sku, 1)], Some("euro-off"), "stripe-discount");
    assert_eq!(placed["discount"]["amount"]["minor"].as_i64(), Some(100), "{placed}");
    let n = placed["order_number"].as_u64().unwrap();
    let call = stripe
        .requests()
        .into_iter()
        .find(|r| r["path"] == "/v1/checkout/sessions" && r["params"]["metadata"]["order_number"].as_str() == Some(n.to_string().as_str()))
        .expect("a session for the order");
    let items: Vec<(String, i64, i64)> = call["params"]["line_items"]
        .as_object()
        .unwrap()
        .values()
        .map(|i| {
            let n = |v: &Value| v.as_str().unwrap().parse::<i64>().unwrap();
            (i["price_data"]["product_data"]["name"].as_str().unwrap().to_string(), n(&i["price_data"]["unit_amount"]), n(&i["quantity"]))
        })
        .collect();
    let charged: i64 = items.iter().map(|(_, unit, q)| unit * q).sum();
    assert_eq!(charged, placed["total"]["minor"].as_i64().unwrap(), "Stripe charges the discounted total: {items:?}");
    let goods: i64 = items.iter().filter(|(name, _, _)| name != "Shipping" && name != "Tax").map(|(_, unit, q)| unit * q).sum();
    assert_eq!(goods, pool[13].price.minor * 3 + pool[14].price.minor - 100, "{items:?}");
    assert!(items.iter().any(|(name, _, q)| name.ends_with("× 3") && *q == 1), "three units with a share of the discount as one item: {items:?}");

    // Paid, then one of the three units refunded: what was paid for it, its share of the 1.00 off.
    assert_eq!(deliver("checkout.session.completed", &session_id(&placed), json!({}))["status"], 200);
    shop.wait_admin_order(n, "paid", |o| o["order"]["status"] == "paid");
    let order: edgeshop_domain::Order = serde_json::from_value(shop.admin_order(n)["order"].clone()).unwrap();
    let one = [(pool[13].sku.clone(), 1)];
    let due = order.value_of(&one);
    let three = pool[13].price.minor * 3;
    let share = 100 * three / (three + pool[14].price.minor);
    assert!((due - (three - share) / 3).abs() <= 1 && due < pool[13].price.minor, "{due} for one unit of {}", pool[13].price.minor);
    let auth = format!("Bearer {}", admin_token());
    let body = json!({ "lines": [{ "sku": pool[13].sku, "quantity": 1 }], "reason": "one came back" });
    let r =
        shop.post_json(&format!("/api/admin/orders/{n}/refunds"), &[("authorization", &auth), ("idempotency-key", "disc-refund")], &body.to_string());
    assert_eq!((r.status, r.json()["amount_minor"].as_i64()), (202, Some(due)), "{}", r.body);
    let o = shop.wait_admin_order(n, "the refund", |o| !moves(o, "refund").is_empty());
    assert_eq!(moves(&o, "refund")[0]["amount_minor"], due);
}

#[test]
fn delayed_payment_methods_succeed_or_fail_later() {
    let (_, shop) = stripe_shop();
    let c = catalog();
    let pool = variants(&c);
    let ok = place(shop, 2, &[(&pool[1].sku, 1)], "stripe-async-ok");
    let n_ok = ok["order_number"].as_u64().unwrap();
    deliver("checkout.session.completed", &session_id(&ok), json!({ "overrides": { "payment_status": "unpaid" } }));
    assert_eq!(settled(shop, n_ok)["order"]["status"], "awaiting_payment", "completed but unpaid is not paid");
    deliver("checkout.session.async_payment_succeeded", &session_id(&ok), json!({}));
    shop.wait_admin_order(n_ok, "async success", |o| o["order"]["status"] == "paid");

    let bad = place(shop, 3, &[(&pool[2].sku, 1)], "stripe-async-bad");
    let n_bad = bad["order_number"].as_u64().unwrap();
    deliver("checkout.session.completed", &session_id(&bad), json!({ "overrides": { "payment_status": "unpaid" } }));
    deliver("checkout.session.async_payment_failed", &session_id(&bad), json!({}));
    shop.wait_admin_order(n_bad, "async failure", |o| o["order"]["status"] == "payment_failed");
}

#[test]
fn an_expired_session_cancels_the_order_and_releases_its_stock() {
    let (_, shop) = stripe_shop();
    let c = catalog();
    let v = &variants(&c)[3];
    let auth = format!("Bearer {}", admin_token());
    let level = || shop.request("GET", &format!("/api/admin/stock/{}", v.sku), &[("authorization", &auth)], None).json();
    let before = level();
    let placed = place(shop, 4, &[(&v.sku, 2)], "stripe-expired");
    let n = placed["order_number"].as_u64().unwrap();
    assert_eq!(level()["reserved"].as_i64().unwrap(), before["reserved"].as_i64().unwrap() + 2);
    deliver("checkout.session.expired", &session_id(&placed), json!({}));
    shop.wait_admin_order(n, "expired", |o| o["order"]["status"] == "cancelled");
    assert_eq!(level(), before, "the reservation went back");
}

/// The order page's "Pay now" again: a new session for the `placed` order, its id.
fn pay_again(shop: &Shop, placed: &Value) -> String {
    let (n, token) = (placed["order_number"].as_u64().unwrap(), placed["token"].as_str().unwrap());
    let again = shop.post_json(&format!("/api/orders/{n}/payment?token={token}"), &[], "");
    assert_eq!(again.status, 201, "{}", again.body);
    session_id(&again.json())
}

/// A shopper who pressed "Pay now" again pays through the newer session: the older one's expiry
/// leaves the order waiting; the newer one's ends it.
#[test]
fn an_older_session_expiring_leaves_the_order_to_the_newer_one() {
    let (_, shop) = stripe_shop();
    let c = catalog();
    let pool = variants(&c);
    let placed = place(shop, 18, &[(&pool[17].sku, 1)], "stripe-older-expires");
    let n = placed["order_number"].as_u64().unwrap();
    let newer = pay_again(shop, &placed);
    deliver("checkout.session.expired", &session_id(&placed), json!({}));
    let o = settled(shop, n);
    assert_eq!(o["order"]["status"], "awaiting_payment", "{o}");
    deliver("checkout.session.expired", &newer, json!({}));
    shop.wait_admin_order(n, "cancelled when the newer session expired", |o| o["order"]["status"] == "cancelled");
}

#[test]
fn cancelling_an_unpaid_order_expires_its_stripe_session() {
    let (stripe, shop) = stripe_shop();
    let c = catalog();
    let v = &variants(&c)[6];
    let placed = place(shop, 16, &[(&v.sku, 1)], "stripe-cancel-unpaid");
    let (n, token) = (placed["order_number"].as_u64().unwrap(), placed["token"].as_str().unwrap().to_string());
    let session = session_id(&placed);
    let r = shop.post_json(&format!("/api/orders/{n}/cancel?token={token}"), &[("cf-connecting-ip", &ip(16))], "");
    assert_eq!(r.status, 202, "{}", r.body);
    shop.wait_admin_order(n, "cancelled", |o| o["order"]["status"] == "cancelled");
    // The shopper's open tab takes no payment: Stripe was asked to expire the session.
    let expired = || stripe.requests().iter().any(|q| q["path"] == format!("/v1/checkout/sessions/{session}/expire").as_str());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !expired() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(expired(), "no expiry asked for {session}");
}

#[test]
fn an_expired_session_gives_back_the_discount_codes_use() {
    let (_, shop) = stripe_shop();
    let c = catalog();
    let pool = variants(&c);
    let made = shop.admin("POST", "/api/admin/discounts", Some(r#"{"code":"ONLY-ONE","kind":"percent","value":10,"max_uses":1}"#));
    assert_eq!(made.status, 201, "{}", made.body);
    let uses = || {
        let list = shop.admin("GET", "/api/admin/discounts", None).json();
        list["discounts"].as_array().unwrap().iter().find(|d| d["code"] == "ONLY-ONE").unwrap()["uses"].as_u64().unwrap()
    };
    let placed = place_with_code(shop, 15, &[(&pool[15].sku, 1)], Some("only-one"), "stripe-code-expired");
    assert_eq!(uses(), 1, "the unpaid order holds the code's only use");
    // The shopper never pays: the session expires, the order is cancelled, the use comes back.
    deliver("checkout.session.expired", &session_id(&placed), json!({}));
    shop.wait_admin_order(placed["order_number"].as_u64().unwrap(), "expired", |o| o["order"]["status"] == "cancelled");
    assert_eq!(uses(), 0);
}

#[test]
fn amounts_and_currencies_must_match_the_order() {
    let (_, shop) = stripe_shop();
    let c = catalog();
    let pool = variants(&c);
    let placed = place(shop, 5, &[(&pool[4].sku, 1)], "stripe-amount");
    let n = placed["order_number"].as_u64().unwrap();
    deliver("checkout.session.completed", &session_id(&placed), json!({ "overrides": { "amount_total": 1 } }));
    let o = shop.wait_admin_order(n, "flagged amount", |o| o["attention"].as_str().is_some_and(|a| a.contains("refused")));
    assert_eq!(o["order"]["status"], "awaiting_payment");

    let placed = place(shop, 6, &[(&pool[5].sku, 1)], "stripe-currency");
    let n = placed["order_number"].as_u64().unwrap();
    deliver("checkout.session.completed", &session_id(&placed), json!({ "overrides": { "currency": "usd" } }));
    let o = shop.wait_admin_order(n, "flagged currency", |o| o["attention"].as_str().is_some_and(|a| a.contains("USD")));
    assert_eq!(o["order"]["status"], "awaiting_payment");

    // A paid session without its amount is refused, never taken as the order's total.
    let placed = place(shop, 17, &[(&pool[16].sku, 1)], "stripe-no-amount");
    let n = placed["order_number"].as_u64().unwrap();
    let out = deliver("checkout.session.completed", &session_id(&placed), json!({ "overrides": { "amount_total": null } }));
    assert_eq!(out["status"], 400, "{out}");
    assert!(out["body"].as_str().unwrap().contains("amount_total"), "{out}");
    assert_eq!(settled(shop, n)["order"]["status"], "awaiting_payment");
}

#[test]
fn webhook_signatures_are_checked_as_stripe_specifies() {
    let (_, shop) = stripe_shop();
    let c = catalog();
    let placed = place(shop, 7, &[(&variants(&c)[6].sku, 1)], "stripe-signatures");
    let n = placed["order_number"].as_u64().unwrap();
    let s = session_id(&placed);
    for (extra, why) in [
        (json!({ "header": "t=1,v1=00" }), "bad"),
        (json!({ "header": "absent" }), "absent"),
        (json!({ "timestamp_offset": -600 }), "stale"),
        (json!({ "secret": "whsec_someone_else_0123456789" }), "another secret"),
    ] {
        let out = if why == "another secret" {
            let (stripe, shop) = stripe_shop();
            stripe.call(
                "/_test/deliver",
                &json!({ "type": "checkout.session.completed", "session_id": s, "secret": extra["secret"], "webhook_url": format!("{}/api/payments/stripe/webhook", shop.base) }),
            )
        } else {
            deliver("checkout.session.completed", &s, extra)
        };
        assert_eq!(out["status"], 400, "{why}: {out}");
        let problem: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
        assert_eq!(problem["type"], "https://edgeshop.dev/problems/bad-signature", "{why}");
    }
    // Stripe's libraries refuse only old timestamps; the shop also refuses one from the future
    // beyond the tolerance (a signature made with a skewed clock, or kept for later).
    let future = deliver_expecting("checkout.session.completed", &s, json!({ "timestamp_offset": 600 }), true);
    assert_eq!(future["status"], 400, "{future}");
    assert_eq!(settled(shop, n)["order"]["status"], "awaiting_payment", "no refused delivery changed the order");
}

#[test]
fn payment_after_cancellation_is_refunded_automatically() {
    let (stripe, shop) = stripe_shop();
    let c = catalog();
    let placed = place(shop, 8, &[(&variants(&c)[7].sku, 1)], "stripe-late");
    let n = placed["order_number"].as_u64().unwrap();
    let token = placed["token"].as_str().unwrap();
    assert_eq!(shop.post_json(&format!("/api/orders/{n}/cancel?token={token}"), &[], "").status, 202);
    shop.wait_admin_order(n, "cancelled", |o| o["order"]["status"] == "cancelled");
    deliver("checkout.session.completed", &session_id(&placed), json!({}));
    let o = shop.wait_admin_order(n, "refund", |o| !moves(o, "refund").is_empty());
    assert_eq!(o["order"]["status"], "cancelled");
    let refund = &moves(&o, "refund")[0];
    assert_eq!(refund["amount_minor"], placed["total"]["minor"]);
    assert_eq!(refund["status"], "succeeded");
    assert!(refund["id"].as_str().unwrap().starts_with("re_"));
    let refunds: Vec<Value> = stripe.requests().into_iter().filter(|r| r["path"] == "/v1/refunds").collect();
    assert!(refunds.iter().any(|r| r["params"]["amount"].as_str() == Some(placed["total"]["minor"].to_string().as_str())), "{refunds:?}");
    assert!(o["attention"].as_str().unwrap().contains("refunded automatically"));
}

#[test]
fn cancelling_a_paid_order_refunds_it() {
    let (_, shop) = stripe_shop();
    let c = catalog();
    let placed = place(shop, 9, &[(&variants(&c)[8].sku, 1)], "stripe-cancel-paid");
    let n = placed["order_number"].as_u64().unwrap();
    deliver("checkout.session.completed", &session_id(&placed), json!({}));
    shop.wait_admin_order(n, "paid", |o| o["order"]["status"] == "paid");
    let token = placed["token"].as_str().unwrap();
    assert_eq!(shop.post_json(&format!("/api/orders/{n}/cancel?token={token}"), &[], "").status, 202);
    let o = shop.wait_admin_order(n, "refunded", |o| o["order"]["status"] == "cancelled" && !moves(o, "refund").is_empty());
    assert_eq!(moves(&o, "refund")[0]["amount_minor"], placed["total"]["minor"]);
    assert_eq!(o["refund_due_minor"], 0);
    // The shopper sees the refund on the order page.
    let mine = shop.get(&format!("/api/orders/{n}?token={token}")).json();
    assert!(mine["payments"].as_array().unwrap().iter().any(|m| m["kind"] == "refund"), "{mine}");
}

#[test]
fn a_returned_line_is_refunded_in_part() {
    let (stripe, shop) = stripe_shop();
    let c = catalog();
    let pool = variants(&c);
    let (a, b) = (&pool[9], &pool[10]);
    let placed = place(shop, 10, &[(&a.sku, 2), (&b.sku, 1)], "stripe-return");
    let n = placed["order_number"].as_u64().unwrap();
    deliver("checkout.session.completed", &session_id(&placed), json!({}));
    shop.wait_admin_order(n, "paid", |o| o["order"]["status"] == "paid");
    let auth = format!("Bearer {}", admin_token());
    for status in ["packed", "shipped", "delivered"] {
        let mut body = json!({ "status": status });
        if status == "shipped" {
            body = json!({ "status": status, "carrier": "DHL", "tracking_number": "JD0001" });
        }
        assert_eq!(shop.post_json(&format!("/api/admin/orders/{n}/fulfilment"), &[("authorization", &auth)], &body.to_string()).status, 202);
        shop.wait_admin_order(n, status, |o| o["order"]["status"] == status);
    }
    let token = placed["token"].as_str().unwrap();
    // The shopper sends B back; A's units are refunded by line.
    let back = json!({ "lines": [{ "sku": b.sku, "quantity": 1 }] }).to_string();
    assert_eq!(shop.post_json(&format!("/api/orders/{n}/return?token={token}"), &[], &back).status, 202);
    shop.wait_admin_order(n, "return requested", |o| o["order"]["status"] == "return_requested");
    let refund = |key: &str, body: Value| {
        shop.post_json(&format!("/api/admin/orders/{n}/refunds"), &[("authorization", &auth), ("idempotency-key", key)], &body.to_string())
    };
    assert_eq!(refund("r1", json!({ "lines": [{ "sku": a.sku, "quantity": 3 }] })).status, 422, "more than was bought");
    let twice = json!({ "lines": [{ "sku": a.sku, "quantity": 2 }, { "sku": a.sku, "quantity": 1 }] });
    assert_eq!(refund("r1", twice).status, 422, "a SKU listed twice counts its quantities together");
    let first = refund("r1", json!({ "lines": [{ "sku": a.sku, "quantity": 1 }], "reason": "Scuffed on arrival" }));
    assert_eq!(first.status, 202, "a refused request does not bind its key");
    // The same request again is the same refund; the same key with another body is refused.
    let again = refund("r1", json!({ "lines": [{ "sku": a.sku, "quantity": 1 }], "reason": "Scuffed on arrival" }));
    assert_eq!((again.status, again.header("idempotent-replayed")), (202, Some("true")));
    assert_eq!(again.json(), first.json());
    let other = refund("r1", json!({ "lines": [{ "sku": a.sku, "quantity": 2 }] }));
    assert_eq!((other.status, other.json()["type"].as_str().map(|t| t.ends_with("/idempotency-key-reused"))), (422, Some(true)), "{}", other.body);
    // A unit refunded by line is not refunded by line again, nor one its return will refund.
    let again = refund("r7", json!({ "lines": [{ "sku": a.sku, "quantity": 2 }] }));
    assert!(again.status == 422 && again.body.contains("1 unit of its 2 can be refunded by line"), "{}", again.body);
    let returning = refund("r7", json!({ "lines": [{ "sku": b.sku, "quantity": 1 }] }));
    assert!(returning.status == 422 && returning.body.contains("in a return"), "{}", returning.body);
    let o = shop.wait_admin_order(n, "partial refund", |o| !moves(o, "refund").is_empty());
    let settled_o = settled(shop, n);
    assert_eq!(moves(&settled_o, "refund").len(), 1, "{o}");
    assert_eq!(moves(&settled_o, "refund")[0]["amount_minor"], a.price.minor);
    // Why, as staff gave it: beside the refund for staff and the shopper, and in its message.
    assert_eq!(moves(&settled_o, "refund")[0]["reason"], "Scuffed on arrival", "{settled_o}");
    let mine = shop.get(&format!("/api/orders/{n}?token={token}")).json();
    assert!(mine["payments"].as_array().unwrap().iter().any(|p| p["kind"] == "refund" && p["reason"] == "Scuffed on arrival"), "{mine}");
    let buyer = settled_o["order"]["contact"]["email"].as_str().unwrap().to_string();
    shop.wait_emails("the refund's message with its reason", 1, |e| {
        e.to.contains(&buyer) && e.subject.starts_with("Refund of ") && e.text.contains("Reason: Scuffed on arrival")
    });
    assert_eq!(settled_o["refunded_by_line"], json!([{ "sku": a.sku, "quantity": 1 }]), "the back office sees the unit refunded");
    let intent = moves(&settled_o, "payment")[0]["id"].clone();
    let calls: Vec<Value> = stripe.requests().into_iter().filter(|r| r["path"] == "/v1/refunds" && r["params"]["payment_intent"] == intent).collect();
    assert!(calls.iter().all(|c| c["params"]["amount"].as_str() == Some(a.price.minor.to_string().as_str())), "{calls:?}");
    assert_eq!(
        calls.iter().map(|c| c["idempotency_key"].clone()).collect::<std::collections::HashSet<_>>().len(),
        1,
        "one refund, however often it was asked for"
    );
    // Stripe fails that refund later (the card was closed, say): its unit may be refunded by
    // line again, as if it had failed at once.
    let made = moves(&settled_o, "refund")[0]["id"].clone();
    let failed = json!({ "overrides": { "id": made, "object": "refund", "status": "failed", "amount": a.price.minor } });
    deliver("refund.updated", &session_id(&placed), failed);
    shop.wait_admin_order(n, "the refund failed", |o| moves(o, "refund")[0]["status"] == "failed");
    assert_eq!(refund("r8", json!({ "lines": [{ "sku": a.sku, "quantity": 2 }] })).status, 202, "both units of A again");
    shop.wait_admin_order(n, "A refunded again", |o| moves(o, "refund").len() == 2);
    // More than is left is refused at once, binding no key.
    let total = placed["total"]["minor"].as_i64().unwrap();
    let over = refund("r2", json!({ "amount_minor": total }));
    assert_eq!((over.status, over.json()["type"].as_str().map(|t| t.ends_with("/bad-refund"))), (422, Some(true)), "{}", over.body);
    // Four refunds of all that is left, sent at once: one is accepted, the others are refused
    // at once (what is asked for and not made yet counts), not accepted and dropped later.
    let left = total - 2 * a.price.minor;
    let answers: Vec<u16> = std::thread::scope(|s| {
        let asks: Vec<_> = (2..6).map(|i| s.spawn(move || refund(&format!("r{i}"), json!({ "amount_minor": left })).status)).collect();
        asks.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = answers.clone();
    sorted.sort();
    assert_eq!(sorted, [202, 422, 422, 422], "{answers:?}");
    let o = shop.wait_admin_order(n, "the rest refunded", |o| moves(o, "refund").len() == 3);
    assert_eq!(moves(&settled(shop, n), "refund").len(), 3, "{o}");
    assert!(o["attention"].as_str().is_none_or(|a| !a.contains("refused")), "no refund was accepted and then refused: {o}");
}

/// A unit refunded by line before the parcel leaves is not packed: it goes back on sale, and a
/// cancellation afterwards gives back only the others. Should Stripe fail that refund later, the
/// unit is to be packed again and is taken off sale again.
#[test]
fn a_unit_refunded_before_shipping_goes_back_on_sale() {
    let (_stripe, shop) = stripe_shop();
    let c = catalog();
    let pool = variants(&c);
    let a = &pool[18];
    let placed = place(shop, 19, &[(&a.sku, 3)], "stripe-unpacked");
    let n = placed["order_number"].as_u64().unwrap();
    deliver("checkout.session.completed", &session_id(&placed), json!({}));
    shop.wait_admin_order(n, "paid", |o| o["order"]["status"] == "paid");
    let auth = format!("Bearer {}", admin_token());
    let level = || shop.request("GET", &format!("/api/admin/stock/{}", a.sku), &[("authorization", &auth)], None).json();
    let before = level();
    let refund = shop.post_json(
        &format!("/api/admin/orders/{n}/refunds"),
        &[("authorization", &auth), ("idempotency-key", "unpacked-1")],
        &json!({ "lines": [{ "sku": a.sku, "quantity": 1 }], "reason": "only needs two" }).to_string(),
    );
    assert_eq!(refund.status, 202, "{}", refund.body);
    shop.wait_admin_order(n, "refunded", |o| !moves(o, "refund").is_empty());
    let settled_o = settled(shop, n);
    let after = level();
    let units = |l: &Value, k: &str| l[k].as_i64().unwrap();
    assert_eq!(
        (units(&after, "available"), units(&after, "sold")),
        (units(&before, "available") + 1, units(&before, "sold") - 1),
        "one of the three back on sale: {before} → {after}"
    );
    // The shopper's message says which unit it was.
    let buyer = settled_o["order"]["contact"]["email"].as_str().unwrap().to_string();
    let mail = shop.wait_emails("the refund", 1, |e| e.to.contains(&buyer) && e.subject.starts_with("Refund of "));
    assert!(mail[0].text.contains("(1 refunded)"), "{}", mail[0].text);
    // Stripe fails the refund: the unit is to be packed after all.
    let made = moves(&settled_o, "refund")[0]["id"].clone();
    let failed = json!({ "overrides": { "id": made, "object": "refund", "status": "failed", "amount": a.price.minor } });
    deliver("refund.updated", &session_id(&placed), failed);
    shop.wait_admin_order(n, "the refund failed", |o| moves(o, "refund")[0]["status"] == "failed");
    let again = level();
    assert_eq!((units(&again, "available"), units(&again, "sold")), (units(&before, "available"), units(&before, "sold")), "{again}");
    // Refunded by line again, then cancelled: the cancellation gives back the two still held.
    let refund = shop.post_json(
        &format!("/api/admin/orders/{n}/refunds"),
        &[("authorization", &auth), ("idempotency-key", "unpacked-2")],
        &json!({ "lines": [{ "sku": a.sku, "quantity": 1 }] }).to_string(),
    );
    assert_eq!(refund.status, 202, "{}", refund.body);
    shop.wait_admin_order(n, "refunded again", |o| moves(o, "refund").iter().any(|m| m["status"] != "failed"));
    let cancel = shop.post_json(&format!("/api/admin/orders/{n}/cancel"), &[("authorization", &auth)], &json!({}).to_string());
    assert_eq!(cancel.status, 202, "{}", cancel.body);
    shop.wait_admin_order(n, "cancelled", |o| o["order"]["status"] == "cancelled");
    let last = level();
    assert_eq!((units(&last, "available"), units(&last, "sold")), (units(&before, "available") + 3, units(&before, "sold") - 3), "{last}");
}

/// Units refunded by line before the parcel left were never sent: the rest all coming back is the
/// whole order back (delivery refunded, the order returned), they cannot be "received" back, and an
/// order with every unit refunded so has nothing to pack.
#[test]
fn units_refunded_before_shipping_were_never_sent() {
    let (_stripe, shop) = stripe_shop();
    let c = catalog();
    let pool = variants(&c);
    let (a, b) = (&pool[19], &pool[20]);
    let auth = format!("Bearer {}", admin_token());
    let admin = |method: &str, path: &str, key: Option<&str>, body: Value| {
        let mut headers = vec![("authorization", auth.as_str())];
        if let Some(k) = key {
            headers.push(("idempotency-key", k));
        }
        shop.request(method, path, &headers, Some(&body.to_string()))
    };
    let paid = |n: u32, lines: &[(&str, u32)], key: &str| {
        let placed = place(shop, n, lines, key);
        let number = placed["order_number"].as_u64().unwrap();
        deliver("checkout.session.completed", &session_id(&placed), json!({}));
        shop.wait_admin_order(number, "paid", |o| o["order"]["status"] == "paid");
        (number, placed["token"].as_str().unwrap().to_string())
    };
    // Two A and a B; one A refunded before shipping; the shopper sends back all they got.
    let (n, token) = paid(20, &[(&a.sku, 2), (&b.sku, 1)], "never-sent-1");
    let r = admin("POST", &format!("/api/admin/orders/{n}/refunds"), Some("never-sent-a"), json!({ "lines": [{ "sku": a.sku, "quantity": 1 }] }));
    assert_eq!(r.status, 202, "{}", r.body);
    shop.wait_admin_order(n, "refunded", |o| !moves(o, "refund").is_empty());
    for status in ["packed", "shipped", "delivered"] {
        let body = json!({ "status": status, "carrier": "DHL", "tracking_number": "JD0777" });
        assert_eq!(admin("POST", &format!("/api/admin/orders/{n}/fulfilment"), None, body).status, 202);
        shop.wait_admin_order(n, status, |o| o["order"]["status"] == status);
    }
    let back = json!({ "lines": [{ "sku": a.sku, "quantity": 1 }, { "sku": b.sku, "quantity": 1 }] }).to_string();
    let asked = shop.post_json(&format!("/api/orders/{n}/return?token={token}"), &[], &back);
    assert_eq!(asked.status, 202, "{}", asked.body);
    let o = shop.wait_admin_order(n, "return requested", |o| o["order"]["status"] == "return_requested");
    let id = o["returns"][0]["id"].as_i64().unwrap();
    assert_eq!(admin("POST", &format!("/api/admin/orders/{n}/returns/{id}/approve"), None, json!({})).status, 202);
    // Staff cannot receive the unit that never left.
    let both_a = json!({ "lines": [{ "sku": a.sku, "quantity": 2, "restock": true }, { "sku": b.sku, "quantity": 1, "restock": true }] });
    let refused = admin("POST", &format!("/api/admin/orders/{n}/returns/{id}/receive"), None, both_a);
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(admin("POST", &format!("/api/admin/orders/{n}/returns/{id}/receive"), None, json!({})).status, 202);
    let o = shop.wait_admin_order(n, "returned", |o| o["order"]["status"] == "returned");
    let refunded: i64 = moves(&o, "refund").iter().map(|m| m["amount_minor"].as_i64().unwrap()).sum();
    assert_eq!(refunded, o["order"]["totals"]["total"]["minor"].as_i64().unwrap(), "everything, delivery included: {o}");
    // Every unit refunded before shipping: nothing to pack, and not in the packing list.
    let (m, _) = paid(21, &[(&a.sku, 1)], "never-sent-2");
    let r = admin("POST", &format!("/api/admin/orders/{m}/refunds"), Some("never-sent-all"), json!({ "lines": [{ "sku": a.sku, "quantity": 1 }] }));
    assert_eq!(r.status, 202, "{}", r.body);
    shop.wait_admin_order(m, "refunded", |o| !moves(o, "refund").is_empty());
    let pack = admin("POST", &format!("/api/admin/orders/{m}/fulfilment"), None, json!({ "status": "packed" }));
    assert!(pack.status == 409 && pack.body.contains("nothing to send"), "{} {}", pack.status, pack.body);
    let list = shop.request("GET", &format!("/api/admin/orders?status=to_pack&q={m}"), &[("authorization", &auth)], None).json();
    assert_eq!(list["total"], 0, "{list}");
}

/// What `wrangler deploy` ships: no development switch, no Stripe settings.
#[test]
fn the_deploy_configuration_has_no_test_provider_and_refuses_online_without_stripe() {
    let config = std::fs::read_to_string(root().join("wrangler.toml")).unwrap();
    let vars = config.split("[vars]").nth(1).unwrap_or("").split("\n[").next().unwrap_or("");
    assert!(!vars.lines().any(|l| l.trim_start().starts_with("EDGESHOP_DEV") || l.trim_start().starts_with("EDGESHOP_FAULTS")), "{vars}");
    assert!(vars.contains("EDGESHOP_BENCH = \"0\""));

    let shop = Shop::start_with(&Shop::fresh_state_dir(), &[("EDGESHOP_DEV", "0")]);
    let health = shop.get("/api/health").json();
    assert_eq!(health["payment_methods"], json!(["cash_on_delivery"]));
    assert!(health["online_provider"].is_null());
    for (method, path) in [
        ("GET", "/pay/test/cs_test_123"),
        ("POST", "/api/payments/test-provider/sessions/cs_test_123"),
        ("POST", "/api/payments/webhook"),
        ("GET", "/api/_bench/search?q=tent"),
    ] {
        let r = shop.request(method, path, &[("cf-connecting-ip", "10.2.200.1")], if method == "POST" { Some("{}") } else { None });
        assert_eq!(r.status, 404, "{method} {path}: {}", r.body);
        assert_eq!(r.content_type, "application/problem+json");
    }
    let c = catalog();
    let v = &variants(&c)[0];
    let r = shop.post_json("/api/cart/lines", &[("cf-connecting-ip", "10.2.200.2")], &json!({ "sku": v.sku, "quantity": 1 }).to_string());
    let cart = r.header("x-cart-id").unwrap().to_string();
    let online = shop.post_json(
        "/api/checkout",
        &[("cf-connecting-ip", "10.2.200.2"), ("x-cart-id", &cart), ("idempotency-key", "prod-online")],
        &body("online").to_string(),
    );
    assert_eq!(online.status, 422, "{}", online.body);
    assert_eq!(online.json()["type"], "https://edgeshop.dev/problems/payment-method-unavailable");
    // The fault switch's header does nothing here, and cash on delivery works.
    let cod = shop.post_json(
        "/api/checkout",
        &[("cf-connecting-ip", "10.2.200.2"), ("x-cart-id", &cart), ("idempotency-key", "prod-cod"), ("x-edgeshop-fault", "after-number")],
        &body("cash_on_delivery").to_string(),
    );
    assert_eq!(cod.status, 201, "{}", cod.body);
}

/// A setting that is set but unusable turns off only its feature, with a 503 that names it.
#[test]
fn a_bad_payment_setting_is_a_503_that_names_it_and_the_rest_works() {
    let shop = Shop::start_with(
        &Shop::fresh_state_dir(),
        &[("STRIPE_SECRET_KEY", "not-a-key"), ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET), ("PAYMENT_WEBHOOK_SECRET", "short")],
    );
    let health = shop.get("/api/health").json();
    assert_eq!(health["payment_methods"], json!(["cash_on_delivery"]));
    assert!(health["payments_problem"].as_str().unwrap().contains("STRIPE_SECRET_KEY"), "{health}");
    let c = catalog();
    let v = &variants(&c)[0];
    let r = shop.post_json("/api/cart/lines", &[("cf-connecting-ip", "10.2.201.1")], &json!({ "sku": v.sku, "quantity": 1 }).to_string());
    let cart = r.header("x-cart-id").unwrap().to_string();
    let online: Reply = shop.post_json(
        "/api/checkout",
        &[("cf-connecting-ip", "10.2.201.1"), ("x-cart-id", &cart), ("idempotency-key", "bad-online")],
        &body("online").to_string(),
    );
    assert_eq!(online.status, 503, "{}", online.body);
    assert_eq!(online.json()["setting"], "STRIPE_SECRET_KEY");
    let hosted = shop.get("/pay/test/cs_test_123");
    assert_eq!(hosted.status, 503, "{}", hosted.body);
    assert_eq!(hosted.json()["setting"], "PAYMENT_WEBHOOK_SECRET");
    let cod = shop.post_json(
        "/api/checkout",
        &[("cf-connecting-ip", "10.2.201.1"), ("x-cart-id", &cart), ("idempotency-key", "bad-cod")],
        &body("cash_on_delivery").to_string(),
    );
    assert_eq!(cod.status, 201, "{}", cod.body);
}

#[test]
fn a_second_payment_session_neither_cancels_a_paid_order_nor_keeps_a_second_payment() {
    let (_, shop) = stripe_shop();
    let c = catalog();
    let pool = variants(&c);
    let placed = place(shop, 11, &[(&pool[11].sku, 1)], "stripe-two-sessions");
    let n = placed["order_number"].as_u64().unwrap();
    let first = session_id(&placed);
    // The shopper comes back to the order page and opens a second session before the first
    // one's payment is heard of.
    let second = pay_again(shop, &placed);
    assert_ne!(first, second);
    // Nothing ships before it is paid.
    let auth = format!("Bearer {}", admin_token());
    let fulfil = |status: &str| {
        shop.post_json(&format!("/api/admin/orders/{n}/fulfilment"), &[("authorization", &auth)], &json!({ "status": status }).to_string())
    };
    let early = fulfil("packed");
    assert_eq!((early.status, early.content_type.as_str()), (409, "application/problem+json"), "{}", early.body);

    deliver("checkout.session.completed", &first, json!({}));
    shop.wait_admin_order(n, "paid", |o| o["order"]["status"] == "paid");
    // The unused session expires: the paid order stays paid, its stock sold, nothing refunded.
    deliver("checkout.session.expired", &second, json!({}));
    let o = settled(shop, n);
    assert_eq!(o["order"]["status"], "paid", "{o}");
    assert!(moves(&o, "refund").is_empty(), "{o}");
    // The shopper paid in the other tab too: that second payment is recorded and refunded.
    deliver("checkout.session.completed", &second, json!({}));
    let o = shop.wait_admin_order(n, "second payment refunded", |o| moves(o, "refund").len() == 1);
    assert_eq!(moves(&o, "payment").len(), 2, "{o}");
    assert_eq!(moves(&o, "refund")[0]["amount_minor"], placed["total"]["minor"], "{o}");
    assert!(o["attention"].as_str().is_some_and(|a| a.contains("refunded automatically")), "{o}");
    assert_eq!(statuses(&o), ["awaiting_payment", "paid"]);
    // The step refused before the payment can be taken now.
    assert_eq!(fulfil("packed").status, 202);
    shop.wait_admin_order(n, "packed", |o| o["order"]["status"] == "packed");
    // What was paid for the order is still the shopper's to get back, all of it: the refund of
    // the second payment is not taken from it.
    let total = placed["total"]["minor"].as_i64().unwrap();
    let refund = shop.post_json(
        &format!("/api/admin/orders/{n}/refunds"),
        &[("authorization", &auth), ("idempotency-key", "two-sessions-refund")],
        &json!({ "amount_minor": total, "reason": "changed their mind" }).to_string(),
    );
    assert_eq!(refund.status, 202, "{}", refund.body);
    let o = shop.wait_admin_order(n, "the order refunded in full", |o| moves(o, "refund").len() == 2);
    assert_eq!(moves(&o, "refund")[1]["amount_minor"], total, "{o}");
}

#[test]
fn an_order_stripe_refuses_is_cancelled_not_left_waiting() {
    let (stripe, shop) = stripe_shop();
    let c = catalog();
    let pool = variants(&c);
    // Stripe refuses some sessions whatever is retried (an amount under its minimum, say).
    let email = "refused@example.de";
    stripe.call(
        "/_test/refuse_next_session",
        &json!({ "email": email, "message": "The Checkout Session's total amount due must add up to at least €0.50 eur" }),
    );
    let cart = shop.fill_cart(&ip(12), &[(&pool[12].sku, 1)]);
    let mut order = body("online");
    order["contact"]["email"] = json!(email);
    let headers = [("cf-connecting-ip", ip(12)), ("x-cart-id", cart), ("idempotency-key", "stripe-refused".to_string())];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = shop.post_json("/api/checkout", &headers, &order.to_string());
    assert_eq!((r.status, r.content_type.as_str()), (422, "application/problem+json"), "{}", r.body);
    let problem = r.json();
    assert!(problem["detail"].as_str().unwrap().contains("at least €0.50"), "{problem}");
    let n = problem["order_number"].as_u64().expect("the order it placed");
    // The order is cancelled (its stock goes back), not left waiting for a payment that cannot come.
    let o = shop.wait_admin_order(n, "cancelled", |o| o["order"]["status"] == "cancelled");
    assert!(moves(&o, "refund").is_empty(), "{o}");
    // The same request again gets the same answer.
    let again = shop.post_json("/api/checkout", &headers, &order.to_string());
    assert_eq!((again.status, again.header("idempotent-replayed")), (422, Some("true")), "{}", again.body);
}
