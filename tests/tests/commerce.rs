//! Cart, checkout, stock, idempotency, webhooks and order processing under wrangler dev, with the
//! real D1, Queues and Durable Objects.

use edgeshop_api::routes::Route;
use edgeshop_domain::{Catalog, StockPolicy, Variant};
use edgeshop_e2e::{admin_token, client_ip, d1_query, root, sample_catalog as catalog, wait_for, Reply, Shop};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Published, stock-tracked variants with at least `min` units, skipping the first `skip` of them
/// (each test takes its own so they do not share stock).
fn variant(c: &Catalog, min: u32, skip: usize) -> Variant {
    c.products
        .iter()
        .filter(|p| p.published)
        .flat_map(|p| p.variants.iter())
        .filter(|v| v.stock >= min && v.stock_policy == StockPolicy::Deny)
        .nth(skip)
        .cloned()
        .expect("a variant with enough stock")
}

fn secret() -> String {
    let vars = std::fs::read_to_string(root().join(".dev.vars")).expect(".dev.vars (written by cargo xtask build)");
    vars.lines().find_map(|l| l.strip_prefix("PAYMENT_WEBHOOK_SECRET=")).expect("PAYMENT_WEBHOOK_SECRET").trim().to_string()
}

fn sign(secret: &str, t: u64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Each test acts as its own client so per-IP rate limits do not couple tests.
fn ip(n: u32) -> String {
    client_ip(0, n)
}

fn add_to_cart(shop: &Shop, ip: &str, cart: Option<&str>, body: &Value) -> (String, Reply) {
    let mut headers = vec![("cf-connecting-ip", ip)];
    if let Some(c) = cart {
        headers.push(("x-cart-id", c));
    }
    let r = shop.post_json("/api/cart/lines", &headers, &body.to_string());
    let id = r.header("x-cart-id").unwrap_or_default().to_string();
    (id, r)
}

fn checkout_body(method: &str) -> Value {
    json!({
        "address": { "name": "Aoife Byrne", "line1": "12 Quay Street", "city": "Galway", "postal_code": "H91 XK2P", "country": "IE" },
        "contact": { "email": "aoife@example.ie", "phone": "+353 91 555 0100" },
        "payment_method": method,
    })
}

fn checkout(shop: &Shop, ip: &str, cart: &str, key: &str, body: &Value) -> Reply {
    shop.post_json("/api/checkout", &[("cf-connecting-ip", ip), ("x-cart-id", cart), ("idempotency-key", key)], &body.to_string())
}

fn order(shop: &Shop, placed: &Value) -> Value {
    let n = placed["order_number"].as_u64().expect("order number");
    let token = placed["token"].as_str().expect("token");
    let r = shop.get(&format!("/api/orders/{n}?token={token}"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// Polls the order until `done` holds (queue delivery is asynchronous).
fn wait_order(shop: &Shop, placed: &Value, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let o = order(shop, placed);
        if done(&o) {
            return o;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}: {o}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn notifications(o: &Value, template: &str) -> usize {
    o["notifications"].as_array().map(|a| a.iter().filter(|n| n["template"] == template).count()).unwrap_or(0)
}

#[test]
fn tampered_prices_have_no_effect() {
    let shop = Shop::shared();
    let c = catalog();
    let v = variant(&c, 6, 0);
    let (cart, r) = add_to_cart(shop, &ip(1), None, &json!({ "sku": v.sku, "quantity": 2, "price": 1, "unit_price": { "minor": 1 } }));
    assert_eq!(r.status, 201, "{}", r.body);
    let body = r.json();
    assert_eq!(body["subtotal"]["minor"], v.price.minor * 2, "the worker prices from its catalog");
    let mut tampered = checkout_body("cash_on_delivery");
    tampered["total"] = json!(1);
    tampered["lines"] = json!([{ "sku": v.sku, "quantity": 2, "price": 1 }]);
    let placed = checkout(shop, &ip(1), &cart, "tamper-1", &tampered);
    assert_eq!(placed.status, 201, "{}", placed.body);
    let placed = placed.json();
    let o = order(shop, &placed);
    assert_eq!(o["subtotal"]["minor"], v.price.minor * 2);
    assert_eq!(o["status"], "confirmed");
    assert!(o["total"]["minor"].as_i64().unwrap() >= v.price.minor * 2);
}

#[test]
fn cart_lines_change_and_bad_input_is_a_problem() {
    let shop = Shop::shared();
    let c = catalog();
    let v = variant(&c, 6, 1);
    let (cart, r) = add_to_cart(shop, &ip(2), None, &json!({ "sku": v.sku, "quantity": 1 }));
    assert_eq!(r.status, 201);
    assert!(r.header("set-cookie").is_some_and(|c| c.contains("HttpOnly") && c.contains("SameSite=Lax")));
    let line = r.json()["lines"][0]["id"].as_str().unwrap().to_string();
    let headers = [("cf-connecting-ip", ip(2)), ("x-cart-id", cart.clone())];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = shop.request("PATCH", &format!("/api/cart/lines/{line}"), &headers, Some(r#"{"quantity":3}"#));
    assert_eq!(r.json()["item_count"], 3);
    for (body, status, kind) in [
        (json!({ "sku": "NO-SUCH-SKU", "quantity": 1 }), 422, "unknown-sku"),
        (json!({ "sku": v.sku, "quantity": 0 }), 422, "bad-quantity"),
        (json!({ "sku": v.sku, "quantity": 1000 }), 422, "bad-quantity"),
        (json!({ "sku": v.sku }), 400, "bad-json"),
        // serde would read a struct from an array of its fields: a body is an object.
        (json!([v.sku, 1]), 400, "bad-json"),
    ] {
        let (_, r) = add_to_cart(shop, &ip(2), Some(&cart), &body);
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert_eq!(r.content_type, "application/problem+json");
        assert_eq!(r.json()["type"], format!("https://edgeshop.dev/problems/{kind}"));
    }
    let sold_out = c.products.iter().filter(|p| p.published).flat_map(|p| &p.variants).find(|v| !v.available());
    if let Some(v) = sold_out {
        let (_, r) = add_to_cart(shop, &ip(2), Some(&cart), &json!({ "sku": v.sku, "quantity": 1 }));
        assert_eq!(r.status, 409, "{}", r.body);
    }
    // A form (as a page elsewhere can post without asking) is not read as JSON: 415, cart unchanged.
    let r = shop.post_form("/api/cart/lines", &headers, &[("sku", v.sku.as_str()), ("quantity", "1")]);
    assert_eq!((r.status, r.content_type.as_str()), (415, "application/problem+json"), "{}", r.body);
    assert_eq!(r.json()["type"], "https://edgeshop.dev/problems/unsupported-media-type");
    assert_eq!(shop.request("GET", "/api/cart", &headers, None).json()["item_count"], 3);
    let r = shop.request("DELETE", &format!("/api/cart/lines/{line}"), &headers, None);
    assert_eq!(r.json()["item_count"], 0);
}

/// Shoppers double-click and keep two tabs open: changes to one cart that arrive together all
/// land (a cart change read and wrote the cart in two steps, and the later write dropped the
/// earlier one's line).
#[test]
fn concurrent_changes_to_one_cart_all_land() {
    let shop = Shop::shared();
    let c = catalog();
    let skus: Vec<String> = (0..7).map(|i| variant(&c, 2, 10 + i).sku).collect();
    let (cart, r) = add_to_cart(shop, &ip(40), None, &json!({ "sku": skus[0], "quantity": 1 }));
    assert_eq!(r.status, 201, "{}", r.body);
    let line = r.json()["lines"][0]["id"].as_str().unwrap().to_string();
    let replies: Vec<Reply> = std::thread::scope(|s| {
        let mut handles: Vec<_> = skus[1..]
            .iter()
            .enumerate()
            .map(|(i, sku)| {
                let cart = cart.clone();
                s.spawn(move || add_to_cart(shop, &ip(41 + i as u32), Some(&cart), &json!({ "sku": sku, "quantity": 1 })).1)
            })
            .collect();
        let cart = cart.clone();
        let line = line.clone();
        handles.push(s.spawn(move || {
            shop.request(
                "PATCH",
                &format!("/api/cart/lines/{line}"),
                &[("cf-connecting-ip", &ip(49)), ("x-cart-id", &cart)],
                Some(r#"{"quantity":2}"#),
            )
        }));
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in &replies {
        assert!(r.status == 200 || r.status == 201, "{}: {}", r.status, r.body);
    }
    let r = shop.request("GET", "/api/cart", &[("cf-connecting-ip", &ip(40)), ("x-cart-id", &cart)], None);
    let body = r.json();
    let mut found: Vec<&str> = body["lines"].as_array().unwrap().iter().map(|l| l["sku"].as_str().unwrap()).collect();
    found.sort();
    let mut expected: Vec<&str> = skus.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(found, expected, "every concurrent add is in the cart");
    assert_eq!(body["item_count"], 8, "the concurrent quantity change landed too: {body}");
}

#[test]
fn twenty_concurrent_checkouts_for_five_units() {
    let shop = Shop::shared();
    let c = catalog();
    let v = variant(&c, 6, 2);
    // Bring the level down to exactly 5 with one order.
    let (cart, _) = add_to_cart(shop, &ip(3), None, &json!({ "sku": v.sku, "quantity": v.stock - 5 }));
    assert_eq!(checkout(shop, &ip(3), &cart, "drain-1", &checkout_body("cash_on_delivery")).status, 201);
    let carts: Vec<String> = (0..20).map(|i| add_to_cart(shop, &ip(100 + i), None, &json!({ "sku": v.sku, "quantity": 1 })).0).collect();
    let results: Vec<Reply> = std::thread::scope(|s| {
        let handles: Vec<_> = carts
            .iter()
            .enumerate()
            .map(|(i, cart)| s.spawn(move || checkout(shop, &ip(100 + i as u32), cart, &format!("race-{i}"), &checkout_body("cash_on_delivery"))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let won = results.iter().filter(|r| r.status == 201).count();
    let lost: Vec<&Reply> = results.iter().filter(|r| r.status == 409).collect();
    assert_eq!(won, 5, "exactly the stock is sold: {:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    assert_eq!(lost.len(), 15);
    for r in lost {
        let p = r.json();
        assert_eq!(p["type"], "https://edgeshop.dev/problems/out-of-stock");
        assert_eq!(p["sku"], v.sku.as_str());
    }
}

#[test]
fn same_idempotency_key_gives_one_order() {
    let shop = Shop::shared();
    let c = catalog();
    let v = variant(&c, 6, 3);
    let (cart, added) = add_to_cart(shop, &ip(4), None, &json!({ "sku": v.sku, "quantity": 1 }));
    // An API client may name the cart it showed (`Cart::digest`): another one is refused, and
    // binds no order.
    let shown: edgeshop_api::Cart = serde_json::from_str(&added.body).unwrap();
    let mut stale = checkout_body("cash_on_delivery");
    stale["cart_digest"] = json!("0123456789abcdef");
    let refused = checkout(shop, &ip(4), &cart, "idem-stale", &stale);
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.json()["type"], "https://edgeshop.dev/problems/cart-changed");
    stale["cart_digest"] = json!(shown.digest());
    let first = checkout(shop, &ip(4), &cart, "idem-1", &stale);
    let second = checkout(shop, &ip(4), &cart, "idem-1", &stale);
    assert_eq!(first.status, 201, "the cart as shown: {}", first.body);
    assert_eq!(second.status, 201);
    assert_eq!(first.json()["order_number"], second.json()["order_number"]);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    // The same request spelt otherwise (spaces, the order of its fields) is the same request.
    let pretty = serde_json::to_string_pretty(&stale).unwrap();
    let spelt = shop.post_json("/api/checkout", &[("cf-connecting-ip", &ip(4)), ("x-cart-id", &cart), ("idempotency-key", "idem-1")], &pretty);
    assert_eq!((spelt.status, spelt.header("idempotent-replayed")), (201, Some("true")), "{}", spelt.body);
    let other = checkout(shop, &ip(4), &cart, "idem-1", &checkout_body("online"));
    assert_eq!(other.status, 422, "{}", other.body);
    assert_eq!(other.json()["type"], "https://edgeshop.dev/problems/idempotency-key-reused");
    let missing = shop.post_json("/api/checkout", &[("cf-connecting-ip", &ip(4)), ("x-cart-id", &cart)], "{}");
    assert_eq!(missing.status, 400);
}

#[test]
fn checkout_validates_the_address() {
    let shop = Shop::shared();
    let c = catalog();
    let v = variant(&c, 6, 4);
    let (cart, _) = add_to_cart(shop, &ip(5), None, &json!({ "sku": v.sku, "quantity": 1 }));
    let mut body = checkout_body("cash_on_delivery");
    body["address"]["country"] = json!("US");
    body["contact"]["email"] = json!("not-an-email");
    let r = checkout(shop, &ip(5), &cart, "addr-1", &body);
    assert_eq!(r.status, 422);
    let fields: Vec<String> = r.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect();
    assert_eq!(fields, vec!["address.country", "contact.email"]);
    // Invisible characters alone are no name; a direction override is refused.
    let mut hidden = checkout_body("cash_on_delivery");
    hidden["address"]["name"] = json!("\u{200B}\u{FEFF}");
    hidden["address"]["city"] = json!("Gal\u{202E}way");
    let r = checkout(shop, &ip(5), &cart, "addr-1", &hidden);
    let errors = r.json()["errors"].clone();
    assert_eq!((r.status, errors[0]["field"].as_str(), errors[1]["field"].as_str()), (422, Some("address.name"), Some("address.city")), "{errors}");
    // Refused for what they said, the requests bound no key: the corrected one places the order
    // (a country code in lower case, with a space, is the country).
    // An address's domain in another script is kept in ASCII, the one spelling of that mailbox.
    let mut fixed = checkout_body("cash_on_delivery");
    fixed["address"]["country"] = json!(" ie ");
    fixed["contact"]["email"] = json!(" Aoife@Bücher.DE ");
    let r = checkout(shop, &ip(5), &cart, "addr-1", &fixed);
    assert_eq!(r.status, 201, "{}", r.body);
    let placed = order(shop, &r.json());
    assert_eq!((placed["address"]["country"].as_str(), placed["email"].as_str()), (Some("IE"), Some("aoife@xn--bcher-kva.de")), "{placed}");
    // The key now answers that request, and no other.
    assert_eq!(checkout(shop, &ip(5), &cart, "addr-1", &fixed).json()["order_number"], r.json()["order_number"]);
    let other = checkout(shop, &ip(5), &cart, "addr-1", &hidden);
    assert_eq!((other.status, other.json()["type"].as_str()), (422, Some("https://edgeshop.dev/problems/idempotency-key-reused")), "{}", other.body);
}

fn online_order(shop: &Shop, n: u32, skip: usize) -> Value {
    let c = catalog();
    let v = variant(&c, 6, skip);
    let (cart, _) = add_to_cart(shop, &ip(n), None, &json!({ "sku": v.sku, "quantity": 1 }));
    let r = checkout(shop, &ip(n), &cart, &format!("online-{n}-{skip}"), &checkout_body("online"));
    assert_eq!(r.status, 201, "{}", r.body);
    let placed = r.json();
    assert_eq!(placed["status"], "awaiting_payment");
    assert!(placed["next_url"].as_str().unwrap().starts_with("/pay/test/"));
    placed
}

fn webhook(shop: &Shop, n: u32, event_id: &str, kind: &str, order_number: u64, t: u64, secret: &str) -> Reply {
    let body = json!({ "id": event_id, "type": kind, "order_number": order_number, "session": "cs_test" }).to_string();
    let sig = sign(secret, t, &body);
    shop.post_json("/api/payments/webhook", &[("cf-connecting-ip", &ip(n)), ("edgeshop-signature", &sig)], &body)
}

#[test]
fn webhooks_are_verified_and_applied_once() {
    let shop = Shop::shared();
    let placed = online_order(shop, 6, 5);
    let number = placed["order_number"].as_u64().unwrap();
    let secret = secret();
    let bad = webhook(shop, 6, "evt_bad", "payment.succeeded", number, now(), "wrong-secret");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["type"], "https://edgeshop.dev/problems/bad-signature");
    let stale = webhook(shop, 6, "evt_stale", "payment.succeeded", number, now() - 600, &secret);
    assert_eq!(stale.status, 400, "{}", stale.body);
    assert!(stale.json()["detail"].as_str().unwrap().contains("tolerance"));
    assert_eq!(order(shop, &placed)["status"], "awaiting_payment", "rejected webhooks change nothing");

    // The merchant hears of an online order once it is paid (an unpaid one is not to be sent).
    let merchant_alerts = || {
        let sql = format!("SELECT recipient FROM notifications WHERE order_number = {number} AND template = 'merchant_new_order'");
        d1_query(shop, &sql).as_array().map_or(0, Vec::len)
    };
    wait_order(shop, &placed, "the order's confirmation", |o| notifications(o, "order_confirmation") == 1);
    assert_eq!(merchant_alerts(), 0, "a new-order alert for an unpaid online order");
    // The same event twice, then a late failure for an earlier attempt: paid once.
    for _ in 0..2 {
        assert_eq!(webhook(shop, 6, &format!("evt_ok_{number}"), "payment.succeeded", number, now(), &secret).status, 200);
    }
    assert_eq!(webhook(shop, 6, &format!("evt_late_{number}"), "payment.failed", number, now(), &secret).status, 200);
    let o = wait_order(shop, &placed, "payment", |o| o["status"] == "paid" && notifications(o, "payment_received") == 1);
    std::thread::sleep(Duration::from_secs(3));
    let o2 = order(shop, &placed);
    assert_eq!(o2["status"], "paid");
    let paid_entries = o2["history"].as_array().unwrap().iter().filter(|h| h["status"] == "paid").count();
    assert_eq!(paid_entries, 1, "{o}");
    assert_eq!(notifications(&o2, "payment_received"), 1);
    assert_eq!(notifications(&o2, "payment_failed"), 0);
    assert_eq!(merchant_alerts(), catalog().shop.email.merchant.len(), "one alert for each merchant address, once paid");
}

#[test]
fn the_order_pages_forms_pay_without_javascript() {
    let shop = Shop::shared();
    let placed = online_order(shop, 17, 8);
    let (n, token) = (placed["order_number"].as_u64().unwrap(), placed["token"].as_str().unwrap());
    let page = shop.get(placed["order_url"].as_str().unwrap());
    assert!(page.body.contains(r#"action="/orders/pay""#) && page.body.contains("Pay now"), "{}", page.body);
    // Waiting for its payment, the page without JavaScript looks again by itself.
    assert!(page.body.contains(r#"<meta http-equiv="refresh" content="10">"#), "{}", page.body);
    // The form goes to the provider's payment page; a wrong token finds no order.
    let headers = [("cf-connecting-ip", "10.1.17.1"), ("sec-fetch-site", "same-origin")];
    let pay = shop.post_form("/orders/pay", &headers, &[("number", &n.to_string()), ("token", token)]);
    assert_eq!(pay.status, 303, "{}", pay.body);
    let to = pay.header("location").unwrap_or_default().to_string();
    assert!(to.starts_with("/pay/test/"), "{to}");
    let wrong = shop.post_form("/orders/pay", &headers, &[("number", &n.to_string()), ("token", "wrong")]);
    assert_eq!(wrong.status, 404, "{}", wrong.body);
    assert!(wrong.header("content-type").is_some_and(|t| t.starts_with("text/html")), "a page, not JSON");
    // Another site's form does nothing.
    let cross = shop.post_form(
        "/orders/cancel",
        &[("cf-connecting-ip", "10.1.17.1"), ("sec-fetch-site", "cross-site")],
        &[("number", &n.to_string()), ("token", token)],
    );
    assert_eq!(cross.status, 403, "{}", cross.body);
    // Paid, the page offers nothing to pay, and paying again is refused with why.
    let session = to.trim_start_matches("/pay/test/");
    let paid = shop.press_test_provider(session, "pay");
    assert_eq!(paid.status, 303, "{}", paid.body);
    wait_order(shop, &placed, "paid through the form's session", |o| o["status"] == "paid");
    let page = shop.get(placed["order_url"].as_str().unwrap()).body;
    assert!(!page.contains(r#"action="/orders/pay""#) && !page.contains("http-equiv"), "{page}");
    let again = shop.post_form("/orders/pay", &headers, &[("number", &n.to_string()), ("token", token)]);
    assert_eq!(again.status, 409, "{}", again.body);
}

#[test]
fn hosted_payment_page_pays_through_the_signed_webhook() {
    let shop = Shop::shared();
    let placed = online_order(shop, 7, 6);
    let page = shop.get(placed["next_url"].as_str().unwrap());
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Test payment provider"));
    let session = placed["next_url"].as_str().unwrap().trim_start_matches("/pay/test/");
    // Back from paying, before the payment's news: the page says it is confirming it, and offers
    // no cancelling meanwhile (an order page without the session offers it).
    let waiting = shop.get(&format!("{}&session_id={session}", placed["order_url"].as_str().unwrap())).body;
    assert!(waiting.contains(r#"data-testid="order-status">Confirming your payment<"#), "{waiting}");
    assert!(!waiting.contains(r#"action="/orders/cancel""#), "{waiting}");
    assert!(shop.get(placed["order_url"].as_str().unwrap()).body.contains(r#"action="/orders/cancel""#));
    let r = shop.press_test_provider(session, "pay");
    assert_eq!(r.status, 303, "{}", r.body);
    // Back to the shop's order page, naming the session as Stripe's success page does.
    let back = format!("{}&session_id={session}", placed["order_url"].as_str().unwrap());
    assert_eq!(r.header("location"), Some(back.as_str()), "back to the shop's order page");
    wait_order(shop, &placed, "paid via the hosted page", |o| o["status"] == "paid");
}

/// Back from the payment page without paying, the order page says what happened there (a declined
/// card, or the shopper left) instead of "we are confirming your payment".
#[test]
fn back_from_a_declined_card_the_order_page_says_so() {
    let shop = Shop::shared();
    let placed = online_order(shop, 18, 9);
    let session = placed["next_url"].as_str().unwrap().trim_start_matches("/pay/test/");
    let order_url = placed["order_url"].as_str().unwrap();
    let left = shop.press_test_provider(session, "cancel");
    assert_eq!(left.header("location"), Some(format!("{order_url}&cancelled=1").as_str()));
    assert!(shop.get(&format!("{order_url}&cancelled=1")).body.contains("You left the payment page: nothing was paid."));
    let declined = shop.press_test_provider(session, "decline");
    let back = format!("{order_url}&payment=declined");
    assert_eq!(declined.header("location"), Some(back.as_str()));
    let page = shop.get(&back).body;
    assert!(
        (page.contains("no money was taken") || page.contains("No money was taken")) && !page.contains("we are confirming your payment"),
        "{page}"
    );
    assert!(page.contains(r#"action="/orders/pay""#), "it offers to pay again: {page}");
}

#[test]
fn cancel_before_shipping_releases_stock() {
    let shop = Shop::shared();
    let placed = online_order(shop, 8, 7);
    let n = placed["order_number"].as_u64().unwrap();
    let token = placed["token"].as_str().unwrap();
    assert_eq!(shop.post_json(&format!("/api/orders/{n}/cancel?token=wrong"), &[], "").status, 404);
    let r = shop.post_json(&format!("/api/orders/{n}/cancel?token={token}"), &[], "");
    assert_eq!(r.status, 202, "{}", r.body);
    wait_order(shop, &placed, "cancellation", |o| o["status"] == "cancelled" && notifications(o, "order_cancelled") == 1);
    // Its payment page takes no money now (a Stripe session is expired likewise).
    let page = placed["next_url"].as_str().unwrap();
    assert_eq!(shop.get(page).status, 410);
    let pay = shop.press_test_provider(page, "pay");
    assert_eq!(pay.status, 409, "{}", pay.body);
    let again = shop.post_json(&format!("/api/orders/{n}/return?token={token}"), &[], "");
    assert_eq!(again.status, 409, "no return before delivery");
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let shop = Shop::shared();
    let mut limited = None;
    // 60 in a 10-second window: enough requests that one window sees more than 60.
    for _ in 0..130 {
        let r = shop.request("DELETE", "/api/cart/lines/nope", &[("cf-connecting-ip", "10.250.0.1")], None);
        if r.status == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("the cart limit kicks in");
    assert!(r.header("retry-after").is_some_and(|s| s.parse::<u64>().is_ok_and(|s| s >= 1)));
    assert_eq!(r.content_type, "application/problem+json");
}

#[test]
fn openapi_documents_every_route() {
    let shop = Shop::shared();
    let served = shop.get("/api/openapi.json");
    let doc = served.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    // Every documented operation is routed (no "no-route" 404, no 405).
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let concrete: String = path
                .split('/')
                .map(|s| {
                    if s == "{number}" {
                        "1"
                    } else if s.starts_with('{') {
                        "x"
                    } else {
                        s
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let r = shop.request(&method.to_uppercase(), &concrete, &[("cf-connecting-ip", "10.251.0.1")], Some("{}"));
            let kind = serde_json::from_str::<Value>(&r.body).ok().and_then(|p| p["type"].as_str().map(str::to_string)).unwrap_or_default();
            assert!(!kind.ends_with("/no-route") && r.status != 405, "{method} {path} is documented but not routed: {}", r.body);
        }
    }
    // Every route of the table the worker dispatches on is in the served document (those made
    // for development only are left out), and nothing else is.
    let mut documented = 0;
    for route in Route::ALL {
        let op = &doc["paths"][route.path()][route.method().as_str().to_lowercase()];
        assert_eq!(op.is_null(), route.dev_only(), "{route:?}: {} {}", route.method().as_str(), route.path());
        documented += usize::from(!op.is_null());
    }
    assert_eq!(paths.values().map(|p| p.as_object().unwrap().len()).sum::<usize>(), documented);
    // A real OpenAPI 3.1 validator accepts it, and refuses a copy with a dangling reference.
    let validate = |text: &str| {
        let file = root().join(format!("target/tmp/openapi-{}.json", std::process::id()));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text).unwrap();
        let out = std::process::Command::new(root().join("target/pyenv/bin/python"))
            .args(["-m", "openapi_spec_validator"])
            .arg(&file)
            .output()
            .expect("openapi-spec-validator (installed by cargo xtask install)");
        let _ = std::fs::remove_file(&file);
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
    };
    let (valid, report) = validate(&served.body);
    assert!(valid, "the served document is not valid OpenAPI 3.1: {report}");
    let broken = served.body.replacen("#/components/schemas/Cart\"", "#/components/schemas/NoSuchSchema\"", 1);
    assert_ne!(broken, served.body);
    assert!(!validate(&broken).0, "the validator accepted a dangling reference");
}

#[test]
fn a_consumer_failure_still_processes_the_order_once() {
    let shop = Shop::start_with(&Shop::fresh_state_dir(), &[("EDGESHOP_FAULTS", "consumer-fail-once")]);
    let c = catalog();
    let v = variant(&c, 6, 8);
    let (cart, _) = add_to_cart(&shop, &ip(9), None, &json!({ "sku": v.sku, "quantity": 1 }));
    let placed = checkout(&shop, &ip(9), &cart, "fault-1", &checkout_body("cash_on_delivery")).json();
    let o = wait_order(&shop, &placed, "order.placed after a failed first delivery", |o| notifications(o, "order_confirmation") == 1);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(notifications(&order(&shop, &placed), "order_confirmation"), 1, "{o}");
}

#[test]
fn orders_survive_a_restart_between_checkout_and_webhook() {
    let state = Shop::fresh_state_dir();
    let first = Shop::start_with(&state, &[]);
    let placed = online_order(&first, 10, 9);
    first.stop();
    drop(first);
    std::thread::sleep(Duration::from_secs(2));
    let second = Shop::start_with(&state, &[]);
    let n = placed["order_number"].as_u64().unwrap();
    assert_eq!(order(&second, &placed)["status"], "awaiting_payment", "the order persisted");
    assert_eq!(webhook(&second, 10, &format!("evt_restart_{n}"), "payment.succeeded", n, now(), &secret()).status, 200);
    wait_order(&second, &placed, "payment after restart", |o| o["status"] == "paid");
}

#[test]
fn fulfilment_then_return_after_delivery() {
    let shop = Shop::shared();
    let c = catalog();
    let v = variant(&c, 6, 10);
    let (cart, _) = add_to_cart(shop, &ip(11), None, &json!({ "sku": v.sku, "quantity": 1 }));
    let placed = checkout(shop, &ip(11), &cart, "fulfil-1", &checkout_body("cash_on_delivery")).json();
    let n = placed["order_number"].as_u64().unwrap();
    let token = placed["token"].as_str().unwrap().to_string();
    let admin = format!("Bearer {}", admin_token());
    let fulfil =
        |body: Value, auth: &str| shop.post_json(&format!("/api/admin/orders/{n}/fulfilment"), &[("authorization", auth)], &body.to_string());
    assert_eq!(fulfil(json!({ "status": "packed" }), "Bearer wrong-token-wrong-token").status, 401);
    assert_eq!(fulfil(json!({ "status": "shipped" }), &admin).status, 422, "shipping needs a carrier and tracking number");
    assert_eq!(fulfil(json!({ "status": "packed" }), &admin).status, 202);
    wait_order(shop, &placed, "packed", |o| o["status"] == "packed");
    assert_eq!(fulfil(json!({ "status": "shipped", "carrier": "An Post", "tracking_number": "CE123456789IE" }), &admin).status, 202);
    let o = wait_order(shop, &placed, "shipped", |o| o["status"] == "shipped");
    let shipped = o["history"].as_array().unwrap().iter().find(|h| h["status"] == "shipped").unwrap();
    assert_eq!(shipped["tracking"]["carrier"], "An Post");
    assert_eq!(shipped["tracking"]["number"], "CE123456789IE");
    // Sent again (a double submit): nothing changes. With other tracking: refused, saying why.
    assert_eq!(fulfil(json!({ "status": "shipped", "carrier": "An Post", "tracking_number": "CE123456789IE" }), &admin).status, 202);
    let other = fulfil(json!({ "status": "shipped", "carrier": "An Post", "tracking_number": "CE999999999IE" }), &admin);
    assert_eq!(other.status, 409, "{}", other.body);
    assert!(other.json()["detail"].as_str().unwrap().contains("has shipped with An Post CE123456789IE"), "{}", other.body);
    assert_eq!(shop.post_json(&format!("/api/orders/{n}/cancel?token={token}"), &[], "").status, 409, "too late to cancel");
    assert_eq!(fulfil(json!({ "status": "delivered" }), &admin).status, 202);
    wait_order(shop, &placed, "delivered", |o| o["status"] == "delivered" && o["can_request_return"] == true);
    assert_eq!(shop.post_json(&format!("/api/orders/{n}/return?token={token}"), &[], "").status, 202);
    wait_order(shop, &placed, "return requested", |o| o["status"] == "return_requested" && notifications(o, "return_requested") == 1);
}

/// The order page's summary (for browsers without JavaScript) asks for a return with a plain
/// form: how many of each line and why; what it cannot take is a page that says why.
#[test]
fn the_order_pages_form_asks_for_a_return_without_javascript() {
    let shop = Shop::shared();
    let c = catalog();
    let (a, b) = (variant(&c, 6, 11), variant(&c, 6, 12));
    let (cart, _) = add_to_cart(shop, &ip(12), None, &json!({ "sku": a.sku, "quantity": 2 }));
    add_to_cart(shop, &ip(12), Some(&cart), &json!({ "sku": b.sku, "quantity": 1 }));
    let placed = checkout(shop, &ip(12), &cart, "return-form-1", &checkout_body("cash_on_delivery")).json();
    let (n, token) = (placed["order_number"].as_u64().unwrap(), placed["token"].as_str().unwrap().to_string());
    let client = ip(12);
    let headers = [("cf-connecting-ip", client.as_str()), ("sec-fetch-site", "same-origin")];
    let form = |fields: &[(&str, &str)]| {
        let number = n.to_string();
        let mut all = vec![("number", number.as_str()), ("token", token.as_str())];
        all.extend_from_slice(fields);
        shop.post_form("/orders/return", &headers, &all)
    };
    // Not delivered yet: no form, and a post is refused with why.
    assert!(!shop.get(placed["order_url"].as_str().unwrap()).body.contains(r#"action="/orders/return""#));
    let early = form(&[("line-0", "1")]);
    assert_eq!(early.status, 409, "{}", early.body);
    assert!(early.body.contains("delivered"), "{}", early.body);

    let admin = format!("Bearer {}", admin_token());
    for step in [
        json!({ "status": "packed" }),
        json!({ "status": "shipped", "carrier": "An Post", "tracking_number": "CE123456780IE" }),
        json!({ "status": "delivered" }),
    ] {
        let r = shop.post_json(&format!("/api/admin/orders/{n}/fulfilment"), &[("authorization", &admin)], &step.to_string());
        assert_eq!(r.status, 202, "{}", r.body);
        wait_order(shop, &placed, "fulfilment", |o| o["status"] == step["status"]);
    }
    let page = shop.get(placed["order_url"].as_str().unwrap()).body;
    assert!(page.contains(r#"action="/orders/return""#) && page.contains(r#"name="line-1""#), "{page}");
    assert!(page.contains(r#"name="line-0" type="number" inputmode="numeric" min="0" max="2" value="2""#), "{page}");
    // Refusals are pages: nothing chosen, a quantity that is no number, more than was bought.
    for (fields, status, why) in [
        (vec![("line-0", "0"), ("line-1", "")], 422, "choose at least one item"),
        (vec![("line-0", "two")], 422, "whole number"),
        (vec![("line-0", "3")], 422, "return 1 to 2 units"),
    ] {
        let r = form(&fields);
        assert_eq!(r.status, status, "{fields:?}: {}", r.body);
        assert!(r.header("content-type").is_some_and(|t| t.starts_with("text/html")), "a page, not JSON");
        assert!(r.body.to_lowercase().contains(why), "{fields:?}: {}", r.body);
    }
    // One of the two units of the first line, and why: back to the order's page.
    let asked = form(&[("line-0", "1"), ("line-1", "0"), ("reason", "Too small")]);
    assert_eq!(asked.status, 303, "{}", asked.body);
    assert_eq!(asked.header("location").unwrap_or_default(), format!("/orders/?number={n}&token={token}"));
    let o = shop.wait_admin_order(n, "the return asked", |o| o["returns"].as_array().is_some_and(|r| !r.is_empty()));
    let ret = &o["returns"][0];
    assert_eq!(ret["reason"], "Too small", "{ret}");
    assert_eq!(ret["lines"], json!([{ "sku": a.sku, "quantity": 1, "restock": false }]), "{ret}");
    // The same again is the same return; other lines wait for it.
    assert_eq!(form(&[("line-0", "1"), ("reason", "Too small")]).status, 303);
    assert_eq!(form(&[("line-1", "1")]).status, 409);
}

/// The value of the first `attr="…"` after `marker` in `html`.
fn attr_after<'a>(html: &'a str, marker: &str, attr: &str) -> &'a str {
    let at = html.find(marker).unwrap_or_else(|| panic!("no {marker} in the page"));
    let rest = &html[at..];
    let start = rest.find(&format!("{attr}=\"")).expect("the attribute") + attr.len() + 2;
    &rest[start..start + rest[start..].find('"').expect("a closing quote")]
}

#[test]
fn buying_works_with_plain_html_forms() {
    let shop = Shop::shared();
    let c = catalog();
    let ip = ip(21);
    // A product with options whose variants are all stock-tracked with stock to spare.
    let product = c
        .products
        .iter()
        .filter(|p| p.published && !p.options.is_empty() && p.variants.len() >= 2)
        .find(|p| p.variants.iter().all(|v| v.stock >= 5 && v.stock_policy == StockPolicy::Deny))
        .expect("a product with two stocked variants");
    let (first, other) = (&product.variants[0], &product.variants[1]);

    // The static page is a form that posts to the worker, showing the first variant and quantity 1.
    let page = shop.get(&edgeshop_domain::paths::product(&product.slug)).body;
    assert!(page.contains(r#"<form method="post" action="/cart/add""#), "no add-to-cart form");
    assert_eq!(attr_after(&page, r#"name="sku""#, "value"), first.sku);
    assert_eq!(attr_after(&page, r#"name="quantity""#, "value"), "1");
    let first_radio = format!(r#"name="option-0" value="{}" checked"#, first.option_values[0]);
    assert!(page.contains(&first_radio), "the first variant's option is not checked in the static page");

    // Without script, the chosen options pick the variant among the product's SKUs.
    let mut fields: Vec<(String, String)> = vec![("sku".into(), first.sku.clone()), ("quantity".into(), "2".into())];
    fields.extend(product.variants.iter().map(|v| ("variant".into(), v.sku.clone())));
    fields.extend(other.option_values.iter().enumerate().map(|(i, v)| (format!("option-{i}"), v.clone())));
    let post = |path: &str, cookie: Option<&str>, f: &[(String, String)]| {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut headers = vec![("cf-connecting-ip", ip.as_str())];
        if let Some(c) = cookie {
            headers.push(("cookie", c));
        }
        shop.post_form(path, &headers, &pairs)
    };
    let added = post("/cart/add", None, &fields);
    assert_eq!((added.status, added.header("location")), (303, Some("/cart/")), "{}", added.body);
    let set_cookie = added.header("set-cookie").expect("a cart cookie").to_string();
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let get = |path: &str| shop.request("GET", path, &[("cookie", cookie.as_str()), ("cf-connecting-ip", ip.as_str())], None);

    // The cart page is rendered by the worker: the chosen variant, twice, in a form per line.
    let cart = get("/cart/");
    assert_eq!(cart.status, 200);
    assert!(cart.content_type.starts_with("text/html") && cart.header("cache-control") == Some("no-store"));
    assert!(cart.body.contains(&format!(r#"class="cart-line" data-sku="{}""#, other.sku)), "{}", cart.body);
    assert_eq!(attr_after(&cart.body, "line-qty", "value"), "2");
    let line = attr_after(&cart.body, r#"name="line""#, "value").to_string();

    // A line's quantity changes through its form; a combination the product does not offer is
    // refused with the reason on the cart page, and the cart keeps what it had.
    let changed =
        post("/cart/update", Some(&cookie), &[("line".into(), line.clone()), ("quantity".into(), "3".into()), ("action".into(), "update".into())]);
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(attr_after(&get("/cart/").body, "line-qty", "value"), "3");
    let mut bad = fields.clone();
    bad.retain(|(k, _)| k != "option-0");
    bad.push(("option-0".into(), "No such value".into()));
    let refused = post("/cart/add", Some(&cookie), &bad);
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("is not offered") && refused.body.contains(r#"role="alert""#));
    assert_eq!(attr_after(&refused.body, "line-qty", "value"), "3");

    // With nothing in the cart (a bookmark, Back after an order), the checkout sends the shopper
    // to the cart page, which says so, before they type an address.
    let empty = shop.request("GET", "/checkout/", &[("cf-connecting-ip", ip.as_str())], None);
    assert_eq!((empty.status, empty.header("location")), (303, Some("/cart/")), "{}", empty.body);

    // Checkout: the page has the summary and a key; a refused field comes back marked, with
    // everything typed kept and a new key.
    let form = get("/checkout/");
    assert_eq!(form.status, 200);
    assert!(form.body.contains(&format!("3 × {}", edgeshop_domain::escape_html(&product.title))), "no order summary");
    let key = attr_after(&form.body, r#"name="idempotency_key""#, "value").to_string();
    assert_eq!(key.len(), 32);
    let shown = attr_after(&form.body, r#"name="cart_digest""#, "value").to_string();
    assert_eq!(shown.len(), 16, "the form names the cart it shows");
    let mut order_fields: Vec<(String, String)> = [
        ("idempotency_key", key.as_str()),
        ("contact.email", ""),
        ("contact.phone", "+353 91 555 0100"),
        ("address.name", "Aoife \"Byrne\""),
        ("address.line1", "12 Quay Street"),
        ("address.city", "Galway"),
        ("address.postal_code", "H91 XK2P"),
        ("address.country", "IE"),
        ("cart_digest", shown.as_str()),
        ("payment_method", "cash_on_delivery"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let again = post("/checkout/", Some(&cookie), &order_fields);
    assert_eq!(again.status, 422, "{}", again.body);
    assert_eq!(attr_after(&again.body, r#"id="contact-email""#, "aria-invalid"), "true");
    assert_eq!(attr_after(&again.body, r#"id="address-name""#, "value"), "Aoife &quot;Byrne&quot;");
    assert_eq!(attr_after(&again.body, r#"id="address-name""#, "aria-invalid"), "false");
    assert!(again.body.contains(r#"<option value="IE" selected>"#));
    assert!(again.body.contains("Email is required"));
    let new_key = attr_after(&again.body, r#"name="idempotency_key""#, "value").to_string();
    assert_ne!(new_key, key);

    // A way to pay the shop does not offer is not taken as cash on delivery.
    order_fields[1].1 = "aoife@example.ie".into();
    let last = order_fields.len() - 1;
    order_fields[last].1 = "bitcoin".into();
    let odd = post("/checkout/", Some(&cookie), &order_fields);
    assert_eq!(odd.status, 422, "{}", odd.body);
    assert!(odd.body.contains("Choose how you want to pay") && odd.body.contains("aoife@example.ie"), "{}", odd.body);
    order_fields[last].1 = "cash_on_delivery".into();

    // The cart changed in another tab since the page was drawn: no order for a cart the shopper
    // was not shown. The form comes back with today's summary, what was typed, and a new key.
    order_fields[0].1 = new_key;
    let more =
        post("/cart/update", Some(&cookie), &[("line".into(), line.clone()), ("quantity".into(), "4".into()), ("action".into(), "update".into())]);
    assert_eq!(more.status, 303, "{}", more.body);
    let changed = post("/checkout/", Some(&cookie), &order_fields);
    assert_eq!(changed.status, 409, "{}", changed.body);
    assert!(changed.body.contains("Your cart changed since this page was shown"), "{}", changed.body);
    assert!(changed.body.contains(&format!("4 × {}", edgeshop_domain::escape_html(&product.title))), "the summary is today's");
    assert_eq!(attr_after(&changed.body, r#"id="contact-email""#, "value"), "aoife@example.ie");
    let now_shown = attr_after(&changed.body, r#"name="cart_digest""#, "value").to_string();
    assert_ne!(now_shown, shown);
    assert_eq!(get("/cart/").status, 200);
    assert_eq!(attr_after(&get("/cart/").body, "line-qty", "value"), "4", "the cart is still there");
    order_fields[0].1 = attr_after(&changed.body, r#"name="idempotency_key""#, "value").to_string();
    order_fields[last - 1].1 = now_shown;

    // Placed: to the order page, and the cart cookie is gone. Sending the same form twice (a
    // double click) makes one order.
    let placed = post("/checkout/", Some(&cookie), &order_fields);
    assert_eq!(placed.status, 303, "{}", placed.body);
    let location = placed.header("location").expect("the order page").to_string();
    assert!(location.starts_with("/orders/?number="), "{location}");
    assert!(placed.header("set-cookie").is_some_and(|c| c.contains("Max-Age=0")));
    let twice = post("/checkout/", Some(&cookie), &order_fields);
    assert_eq!((twice.status, twice.header("location")), (303, Some(location.as_str())), "{}", twice.body);
    // Back to the form, a field changed, sent again: the page says the order was placed.
    let mut edited = order_fields.clone();
    edited[3].1 = "Aoife Byrne-Walsh".into();
    let number = location.split("number=").nth(1).unwrap().split('&').next().unwrap();
    let resent = post("/checkout/", Some(&cookie), &edited);
    assert_eq!(resent.status, 422, "{}", resent.body);
    assert!(resent.body.contains(&format!("This form already placed order {number}")), "{}", resent.body);

    // The order page carries the order for browsers without JavaScript; a wrong token finds nothing.
    let order_page = shop.get(&location);
    assert_eq!(order_page.status, 200);
    assert!(order_page
        .body
        .contains(&format!(r#"<div id="order-summary"><section class="order"><h1>Order <span data-testid="order-number">{number}</span>"#)));
    assert!(order_page.body.contains("Confirmed (cash on delivery)"));
    assert!(order_page.body.contains(&format!("4 × {}", edgeshop_domain::escape_html(&product.title))), "the order is the cart shown");
    let wrong = shop.get(&format!("/orders/?number={number}&token=0000"));
    assert_eq!(wrong.status, 404);
    assert!(!wrong.body.contains("data-testid=\"order-number\""));
}

/// Whatever refuses a browser's page or form (a rate limit, a body too large or not UTF-8, a
/// cross-site post, a malformed link), the browser gets a page that says why: the cart or the
/// checkout form where there is one (the checkout keeps what was typed), never problem JSON.
#[test]
fn page_routes_refuse_with_pages() {
    let shop = Shop::shared();
    let c = catalog();
    let v = variant(&c, 5, 7);
    let html = |r: &Reply, status: u16| {
        assert_eq!(r.status, status, "{}", r.body);
        assert!(r.content_type.starts_with("text/html"), "{}: {}", r.content_type, r.body);
        assert!(r.header("content-security-policy").is_some_and(|p| p.contains("frame-ancestors 'none'")));
    };
    let ip = ip(31);
    let added = shop.post_form("/cart/add", &[("cf-connecting-ip", &ip)], &[("sku", &v.sku), ("quantity", "1")]);
    assert_eq!(added.status, 303, "{}", added.body);
    let cookie = added.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut h: Vec<(&str, &str)> = vec![("cf-connecting-ip", ip.as_str()), ("cookie", cookie.as_str())];
        h.extend_from_slice(extra);
        h
    };

    // A cross-site post to the cart: the cart page with the reason.
    let cross = shop.post_form("/cart/add", &with(&[("origin", "https://elsewhere.example")]), &[("sku", &v.sku)]);
    html(&cross, 403);
    assert!(cross.body.contains("another origin") && cross.body.contains(r#"class="cart-line""#), "{}", cross.body);
    // Without the cookie too, as a browser posts another site's form (a Lax cookie stays home):
    // no cart is started, so none replaces the shopper's.
    for (name, value) in [("sec-fetch-site", "cross-site"), ("origin", "https://elsewhere.example")] {
        let bare = shop.post_form("/cart/add", &[("cf-connecting-ip", &ip), (name, value)], &[("sku", &v.sku), ("quantity", "5")]);
        html(&bare, 403);
        assert!(bare.cookie("edgeshop_cart").is_none(), "{name}: a cross-site post started a cart");
        let code = shop.post_form("/cart/discount", &[("cf-connecting-ip", &ip), (name, value)], &[("code", "ANY10"), ("action", "apply")]);
        html(&code, 403);
        assert!(code.cookie("edgeshop_cart").is_none(), "{name}: a cross-site code started a cart");
    }
    // A checkout form too large to read: the checkout form (its summary) with the reason.
    let form = "contact.email=".to_string() + &"a".repeat(20_000);
    let big = shop.request("POST", "/checkout/", &with(&[("content-type", "application/x-www-form-urlencoded")]), Some(&form));
    html(&big, 413);
    assert!(big.body.contains("At most 16384 bytes are accepted") && big.body.contains(r#"name="idempotency_key""#), "{}", big.body);
    // Text that is not UTF-8, in a form and in a link.
    let bad = shop.request("POST", "/newsletter", &with(&[("content-type", "application/x-www-form-urlencoded")]), Some("email=%FF"));
    html(&bad, 400);
    assert!(bad.body.contains("not valid UTF-8"), "{}", bad.body);
    for link in ["/orders/?number=%FF", "/orders/invoice/?number=1&token=%FF", "/api/newsletter/confirm?token=%FF"] {
        html(&shop.get(link), 400);
    }
    // A page's address with a method it does not take: a page too, with what it takes.
    let put = shop.request("PUT", "/checkout/", &with(&[]), None);
    html(&put, 405);
    assert_eq!(put.header("allow"), Some("GET, POST, HEAD, OPTIONS"));
    // Such a plain page wears the shop's stylesheet.
    let css = put.body.split(r#"<link rel="stylesheet" href=""#).nth(1).and_then(|r| r.split('"').next()).expect("a stylesheet");
    assert_eq!(shop.get(css).status, 200, "{css}");

    // The router's rate limit on the cart's forms: the cart page, with when to try again.
    let limited = (0..130)
        .map(|_| shop.post_form("/cart/add", &with(&[]), &[("sku", "NO-SUCH-SKU")]))
        .find(|r| r.status == 429)
        .expect("the cart limit kicks in");
    html(&limited, 429);
    assert!(limited.header("retry-after").is_some_and(|s| s.parse::<u64>().is_ok_and(|s| s >= 1)));
    assert!(limited.body.contains("try again in") && limited.body.contains(r#"class="cart-line""#), "{}", limited.body);

    // The checkout's: the form again, with what was typed.
    let fields = [("contact.email", "not an address"), ("address.name", "Róisín Limit"), ("payment_method", "cash_on_delivery")];
    // The platform counts in fixed windows of a minute: enough posts that one window fills.
    let limited = (0..100).map(|_| shop.post_form("/checkout/", &with(&[]), &fields)).find(|r| r.status == 429).expect("the checkout limit kicks in");
    html(&limited, 429);
    assert!(limited.header("retry-after").is_some());
    assert!(limited.body.contains("try again in"), "{}", limited.body);
    assert_eq!(attr_after(&limited.body, r#"id="address-name""#, "value"), "Róisín Limit");
}

/// A body past the limit sent in chunks (no Content-Length, so it is only known too large once
/// read) is refused with 413, and the shop goes on answering the next shopper at once: the rest of
/// the body is not left half read in the connection.
#[test]
fn a_chunked_body_past_the_limit_is_refused_and_the_next_request_is_answered() {
    use std::io::{Read, Write};
    let shop = Shop::shared();
    let host = shop.base.trim_start_matches("http://").trim_end_matches('/').to_string();
    for round in 0..2 {
        let mut s = std::net::TcpStream::connect(&host).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        let head = format!(
            "POST /api/cart/lines HTTP/1.1\r\nHost: {host}\r\ncf-connecting-ip: 10.9.9.{round}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        );
        let chunk = vec![b'x'; 64 * 1024];
        // The server may answer and stop reading before all of it is sent: write errors are fine.
        let _ = s.write_all(head.as_bytes());
        for _ in 0..16 {
            let _ = s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).and_then(|_| s.write_all(&chunk)).and_then(|_| s.write_all(b"\r\n"));
        }
        let _ = s.write_all(b"0\r\n\r\n");
        let mut answer = [0u8; 64];
        let n = s.read(&mut answer).expect("an answer");
        assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 413"), "{}", String::from_utf8_lossy(&answer[..n]));
        drop(s);
        let started = Instant::now();
        assert_eq!(shop.get("/api/cart").status, 200);
        assert!(started.elapsed() < Duration::from_secs(5), "the next request waited {:?}", started.elapsed());
    }
}

#[test]
fn shipping_and_tax_are_charged_at_the_rates_of_the_countrys_zone_and_the_checkout_says_so() {
    let shop = Shop::shared();
    let c = catalog();
    // One cheap unit: under every zone's free-shipping threshold.
    let v = c
        .products
        .iter()
        .filter(|p| p.published)
        .flat_map(|p| p.variants.iter())
        .filter(|v| v.stock >= 5 && v.stock_policy == StockPolicy::Deny && v.price.minor < 4000)
        .nth(7)
        .cloned()
        .expect("a cheap variant");
    let mut charged = Vec::new();
    for (i, country) in ["IE", "DE", "GB"].into_iter().enumerate() {
        let client = ip(900 + i as u32);
        let cart = shop.fill_cart(&client, &[(&v.sku, 1)]);
        if i == 0 {
            // The checkout's summary: the total for the first country, and every rate.
            let page = shop.request("GET", "/checkout/", &[("x-cart-id", &cart), ("cookie", &format!("edgeshop_cart={cart}"))], None);
            assert!(page.body.contains("<dt>Shipping to Ireland</dt>"), "{}", page.body);
            let rates = page.body.split("data-testid=\"shipping-rates\">").nth(1).unwrap_or_default();
            // Every country's total too: with JavaScript the form is sent without reloading the page.
            let price = |minor: i64, extra: i64| edgeshop_domain::Money::new(minor + extra, c.shop.currency).format(&c.shop.locale);
            let want = format!(
                "By country: United Kingdom: shipping €9.95 (free from €100.00), total {}; Rest of Europe: shipping €7.95 (free from €75.00), total {}; Ireland: shipping €4.95 (free from €50.00), total {}.",
                price(v.price.minor, 995),
                price(v.price.minor, 795),
                price(v.price.minor, 495)
            );
            assert!(rates.starts_with(&want), "{rates}");
        }
        let body = json!({
            "address": { "name": "Zoe Brandt", "line1": "1 Way", "city": "Town", "postal_code": "12345", "country": country },
            "contact": { "email": format!("zones-{i}@example.ie") },
            "payment_method": "cash_on_delivery",
        });
        let r = shop.post_json(
            "/api/checkout",
            &[("cf-connecting-ip", &client), ("x-cart-id", &cart), ("idempotency-key", &format!("zone-{i}"))],
            &body.to_string(),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let want = edgeshop_domain::discounted_totals(v.price, None, &c.shop, Some(country)).unwrap();
        assert_eq!(r.json()["shipping"]["minor"].as_i64(), Some(want.shipping.minor), "{country}: {}", r.body);
        assert_eq!(r.json()["total"]["minor"].as_i64(), Some(want.total.minor), "{country}: {}", r.body);
        // VAT at the country's own rate (the sample shop's prices include it): the tax inside
        // the total, rounded half up.
        let (rate, total) = ([2300, 1900, 2000][i], want.total.minor);
        let tax = (total * rate * 2 + (10_000 + rate)) / ((10_000 + rate) * 2);
        assert_eq!((r.json()["tax_rate_bp"].as_i64(), r.json()["tax"]["minor"].as_i64()), (Some(rate), Some(tax)), "{country}: {}", r.body);
        let (number, token) = (r.json()["order_number"].as_u64().unwrap(), r.json()["token"].as_str().unwrap().to_string());
        let page = shop.get(&format!("/orders/?number={number}&token={token}"));
        let label = format!("<dt>Tax included ({} %)</dt>", rate / 100);
        assert!(page.body.contains(&label), "the order page names the rate: {}", page.body);
        // Its invoice: the seller, the buyer, and the tax at the country's rate beside the total
        // before it.
        let invoice = shop.get(&format!("/orders/invoice/?number={number}&token={token}"));
        assert_eq!((invoice.status, invoice.content_type.as_str()), (200, "text/html; charset=utf-8"), "{}", invoice.body);
        let money = |m: i64| edgeshop_domain::Money::new(m, c.shop.currency).format(&c.shop.locale);
        for part in [
            format!(r#"<span data-testid="invoice-number">{number}</span>"#),
            format!(r#"<span data-testid="seller-vat">{}</span>"#, c.shop.business.vat_number),
            "Zoe Brandt".to_string(),
            format!(r#"<th colspan="3">Tax at {} %</th><td class="n" data-testid="invoice-tax">{}</td>"#, rate / 100, money(tax)),
            format!(r#"data-testid="invoice-net">{}</td>"#, money(total - tax)),
            format!(r#"data-testid="invoice-total">{}</td>"#, money(total)),
        ] {
            assert!(invoice.body.contains(&part), "{part} in the invoice: {}", invoice.body);
        }
        assert!(page.body.contains(&format!("/orders/invoice/?number={number}&amp;token={token}")), "the order page links to it");
        assert_eq!(shop.get(&format!("/orders/invoice/?number={number}&token=wrong")).status, 404);
        if country == "GB" {
            // A cancelled order has none.
            let r = shop.request("POST", &format!("/api/orders/{number}/cancel?token={token}"), &[("cf-connecting-ip", &client)], None);
            assert!(r.status < 300, "{}", r.body);
            let gone = wait_for("the cancellation", 30, || {
                let r = shop.get(&format!("/orders/invoice/?number={number}&token={token}"));
                (r.status == 409).then_some(r)
            });
            assert!(gone.body.contains("has no invoice: it is cancelled"), "{}", gone.body);
        }
        charged.push(want.shipping.minor);
    }
    assert_eq!(charged, vec![495, 795, 995], "the sample shop's rates: Ireland, the rest of Europe, the United Kingdom");
}
