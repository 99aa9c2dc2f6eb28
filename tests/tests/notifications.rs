//! Order emails under wrangler dev: sent by the queue consumer through the `send_email` binding
//! (simulated locally: each message's parts are written to files), once per order and kind
//! whatever is retried or redelivered; failures retried, then shown to the merchant.

use edgeshop_domain::{Catalog, Variant};
use edgeshop_e2e::{admin_token, client_ip, d1_query, root, sample_catalog as catalog, stocked_variants, wait_for, SentEmail, Shop};
use serde_json::{json, Value};
use std::time::Duration;

fn variants(c: &Catalog) -> Vec<Variant> {
    stocked_variants(c, 6)
}

fn ip(n: u32) -> String {
    client_ip(3, n)
}

/// Places an order for `email` and returns the checkout answer; the checkout is sent twice with
/// the same key (a retried request).
fn order(shop: &Shop, n: u32, sku: &str, email: &str, method: &str) -> Value {
    let r = shop.post_json("/api/cart/lines", &[("cf-connecting-ip", &ip(n))], &json!({ "sku": sku, "quantity": 1 }).to_string());
    assert_eq!(r.status, 201, "{}", r.body);
    let cart = r.header("x-cart-id").unwrap().to_string();
    let body = json!({
        "address": { "name": "Aoife Byrne", "line1": "12 Quay Street", "city": "Galway", "postal_code": "H91 XK2P", "country": "IE" },
        "contact": { "email": email },
        "payment_method": method,
    })
    .to_string();
    let key = format!("mail-{n}");
    let first = shop.post_json("/api/checkout", &[("cf-connecting-ip", &ip(n)), ("x-cart-id", &cart), ("idempotency-key", &key)], &body);
    assert_eq!(first.status, 201, "{}", first.body);
    let again = shop.post_json("/api/checkout", &[("cf-connecting-ip", &ip(n)), ("x-cart-id", &cart), ("idempotency-key", &key)], &body);
    assert_eq!(again.body, first.body);
    first.json()
}

fn to(email: &str) -> impl Fn(&SentEmail) -> bool + '_ {
    move |e: &SentEmail| e.to.contains(email)
}

fn screenshot(name: &str, html_path: &str) {
    let out = std::process::Command::new("node")
        .arg(root().join("tests/browser/email-screenshot.mjs"))
        .arg(html_path)
        .arg(root().join("target/screenshots").join(format!("{name}.png")))
        .current_dir(root())
        .output()
        .expect("run node");
    assert!(out.status.success(), "screenshot {name}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// Every event is delivered twice (its first delivery fails), and every checkout is retried.
fn redelivering_shop() -> &'static Shop {
    static SHOP: std::sync::OnceLock<Shop> = std::sync::OnceLock::new();
    SHOP.get_or_init(|| Shop::start_with(&Shop::fresh_state_dir(), &[("EDGESHOP_FAULTS", "consumer-fail-once")]))
}

#[test]
fn one_order_email_per_checkout_then_shipped_and_refund_emails() {
    let shop = redelivering_shop();
    let c = catalog();
    let pool = variants(&c);
    let email = "sinead.cod@example.ie";
    let placed = order(shop, 1, &pool[0].sku, email, "cash_on_delivery");
    let n = placed["order_number"].as_u64().unwrap();
    let token = placed["token"].as_str().unwrap();
    let received = shop.wait_emails("order received", 1, |e| to(email)(e) && e.subject == format!("Order {n} received"));
    let m = &received[0];
    assert!(m.from.contains("orders@shop.example.com"), "{}", m.from);
    let total = placed["total"]["formatted"].as_str().unwrap();
    assert!(m.text.contains(&format!("please have {total} ready")), "cash on delivery says what to have ready: {}", m.text);
    assert!(
        m.text.contains(&format!("1 × {}", c.products.iter().find(|p| p.variants.iter().any(|v| v.sku == pool[0].sku)).unwrap().title)),
        "the lines: {}",
        m.text
    );
    assert!(m.text.contains(&format!("number={n}&token={token}")), "the order link: {}", m.text);
    assert!(m.html.contains("<table") && !m.html.contains("<script"), "{}", m.html);
    assert!(m.html.contains(&format!("number={n}&amp;token={token}")));
    screenshot("email-order-received", &m.html_path);
    // The merchant hears about the new order once too.
    shop.wait_emails("merchant alert", 1, |e| to("owner@shop.example.com")(e) && e.subject.starts_with(&format!("New order {n}")));
    // Each of the merchant's addresses does.
    shop.wait_emails("second merchant alert", 1, |e| to("desk@shop.example.com")(e) && e.subject.starts_with(&format!("New order {n}")));

    // Ship it: one email with the carrier, the tracking number and the carrier's tracking page.
    let auth = format!("Bearer {}", admin_token());
    let fulfil = |body: Value| shop.post_json(&format!("/api/admin/orders/{n}/fulfilment"), &[("authorization", &auth)], &body.to_string());
    assert_eq!(fulfil(json!({ "status": "packed" })).status, 202);
    shop.wait_admin_order(n, "packed", |o| o["order"]["status"] == "packed");
    assert_eq!(fulfil(json!({ "status": "shipped", "carrier": "Royal Mail", "tracking_number": "AB 1234 5678 9GB" })).status, 202);
    let shipped = shop.wait_emails("shipped", 1, |e| to(email)(e) && e.subject == format!("Order {n} is on its way"));
    assert!(
        shipped[0].text.contains("Royal Mail")
            && shipped[0].text.contains("AB 1234 5678 9GB")
            && shipped[0].text.contains("https://www.royalmail.com/track-your-item#/tracking-results/AB123456789GB")
            && shipped[0].text.contains(&format!("token={token}")),
        "{}",
        shipped[0].text
    );
    screenshot("email-shipped", &shipped[0].html_path);

    // An online order, paid, then cancelled: the refund email.
    let email2 = "sinead.online@example.ie";
    let placed2 = order(shop, 2, &pool[1].sku, email2, "online");
    let n2 = placed2["order_number"].as_u64().unwrap();
    let session = placed2["next_url"].as_str().unwrap().trim_start_matches("/pay/test/").to_string();
    let r = shop.press_test_provider(&session, "pay");
    assert_eq!(r.status, 303);
    shop.wait_emails("payment received", 1, |e| to(email2)(e) && e.subject == format!("Payment received for order {n2}"));
    let token2 = placed2["token"].as_str().unwrap();
    assert_eq!(shop.post_json(&format!("/api/orders/{n2}/cancel?token={token2}"), &[], "").status, 202);
    let refund = shop.wait_emails("refund", 1, |e| {
        to(email2)(e) && e.subject.starts_with(&"Refund of".to_string()) && e.subject.ends_with(&format!("order {n2}"))
    });
    assert!(refund[0].text.contains("refunded"), "{}", refund[0].text);

    // Nothing went twice, although every event was delivered twice and every checkout retried.
    std::thread::sleep(Duration::from_secs(4));
    let all = shop.emails();
    for subject in [
        format!("Order {n} received"),
        format!("Order {n} is on its way"),
        format!("Order {n2} received"),
        format!("Payment received for order {n2}"),
    ] {
        assert_eq!(all.iter().filter(|e| e.subject == subject).count(), 1, "{subject}");
    }
    // The order page lists the messages sent.
    let mine = shop.get(&format!("/api/orders/{n}?token={token}")).json();
    let templates: Vec<&str> = mine["notifications"].as_array().unwrap().iter().map(|m| m["template"].as_str().unwrap()).collect();
    assert!(templates.contains(&"order_confirmation") && templates.contains(&"order_shipped"), "{templates:?}");
    assert!(!templates.iter().any(|t| t.starts_with("merchant_")), "the merchant's alerts are not shown to the shopper: {templates:?}");
    assert!(mine["notifications"].as_array().unwrap().iter().all(|m| m["sent_at"].is_string()), "{mine}");
}

#[test]
fn a_failed_send_is_retried_and_sent_once() {
    let shop = Shop::start_with(&Shop::fresh_state_dir(), &[("EDGESHOP_FAULTS", "email-fail-once")]);
    let c = catalog();
    let email = "retry@example.ie";
    let placed = order(&shop, 3, &variants(&c)[2].sku, email, "cash_on_delivery");
    let n = placed["order_number"].as_u64().unwrap();
    shop.wait_emails("order received after a failed send", 1, |e| to(email)(e));
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(shop.emails().iter().filter(|e| to(email)(e)).count(), 1);
    let row = &d1_query(
        &shop,
        &format!("SELECT attempts, sent_at, failed_at FROM notifications WHERE order_number = {n} AND template = 'order_confirmation'"),
    )[0];
    assert_eq!(row["attempts"], 2, "{row}");
    assert!(row["sent_at"].is_string() && row["failed_at"].is_null(), "{row}");
}

#[test]
fn a_message_that_never_goes_reaches_the_merchant() {
    let state = Shop::fresh_state_dir();
    let shop = Shop::start_with(&state, &[("EDGESHOP_FAULTS", "email-fail-always")]);
    let c = catalog();
    let placed = order(&shop, 4, &variants(&c)[3].sku, "never@example.ie", "cash_on_delivery");
    let n = placed["order_number"].as_u64().unwrap();
    let failed = wait_for("the failure to reach the merchant", 90, || {
        let r = shop.admin("GET", "/api/admin/notifications/failed", None);
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["failed"].as_array().unwrap().iter().find(|f| f["order_number"] == n && f["template"] == "order_confirmation").cloned()
    });
    assert_eq!(failed["attempts"], 5);
    assert!(failed["last_error"].as_str().unwrap().contains("injected"));
    let o = shop.admin_order(n);
    assert!(o["attention"].as_str().unwrap_or("").contains("could not be sent"), "{o}");
    assert!(shop.emails().is_empty(), "nothing was sent");

    // Staff send it again: its tries start over (here the mail service still refuses, so it fails
    // again after five more); a message that has not failed cannot be sent again.
    let id = failed["event_id"].as_str().unwrap().to_string();
    let resend = |id: &str| shop.admin("POST", &format!("/api/admin/orders/{n}/messages/{}/resend", id.replace(':', "%3A")), None);
    let r = resend(&id);
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(resend(&id).status, 409, "only a failed message");
    assert_eq!(resend("no-such-message").status, 409);
    let again = wait_for("the second round of tries", 90, || {
        let o = shop.admin_order(n);
        let m = o["notifications"].as_array().unwrap().iter().find(|m| m["event_id"] == id.as_str()).cloned().unwrap();
        m["failed_at"].as_str().filter(|at| Some(*at) != failed["failed_at"].as_str()).map(|_| o)
    });
    let audit: Vec<&str> = again["audit"].as_array().unwrap().iter().filter_map(|a| a["action"].as_str()).collect();
    assert!(audit.contains(&"order.message_resend"), "{audit:?}");
    let failed_again = shop.admin("GET", "/api/admin/notifications/failed", None).json()["failed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["event_id"] == id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(failed_again["attempts"], 5, "five new tries: {failed_again}");

    // The mail service works again (the shop restarts without the failing switch, same state):
    // sent again, the message goes, and the order's note about it goes with it.
    shop.stop();
    drop(shop);
    std::thread::sleep(Duration::from_secs(2));
    let shop = Shop::start_with(&state, &[]);
    let r = shop.admin("POST", &format!("/api/admin/orders/{n}/messages/{}/resend", id.replace(':', "%3A")), None);
    assert_eq!(r.status, 202, "{}", r.body);
    shop.wait_emails("the order confirmation sent again", 1, |e| to("never@example.ie")(e));
    let o = wait_for("the note about the failure to go", 30, || {
        let o = shop.admin_order(n);
        (!o["attention"].as_str().unwrap_or("").contains("could not be sent")).then_some(o)
    });
    let m = o["notifications"].as_array().unwrap().iter().find(|m| m["event_id"] == id.as_str()).cloned().unwrap();
    assert!(m["sent_at"].is_string() && m["failed_at"].is_null(), "{m}");
    assert!(o["attention"].is_null(), "the failure was all the order needed attention for: {o}");
}

/// An order that leaves a SKU at or under the shop's low-stock level (`[back_office] low_stock`,
/// 5 in the sample shop) says so in the merchant's new-order email, with a link to the list
/// filtered to low stock; one that leaves plenty says nothing of stock.
#[test]
fn the_merchants_new_order_email_names_skus_running_low() {
    let shop = redelivering_shop();
    let c = catalog();
    let pool = variants(&c);
    let (low, plenty) = (&pool[8], &pool[9]);
    for (v, count) in [(low, 6), (plenty, 40)] {
        let set = shop.admin("POST", &format!("/api/admin/stock/{}", v.sku), Some(&json!({ "set": count, "reason": "count" }).to_string()));
        assert_eq!(set.status, 200, "{}", set.body);
    }
    let new_order = |n: u32, sku: &str| {
        let number = order(shop, n, sku, &format!("stock-{n}@example.ie"), "cash_on_delivery")["order_number"].as_u64().unwrap();
        shop.wait_emails("the merchant's new-order email", 1, |e| {
            to("owner@shop.example.com")(e) && e.subject.starts_with(&format!("New order {number}:"))
        })
        .remove(0)
    };
    let mail = new_order(20, &low.sku);
    assert!(mail.text.contains(&format!("SKU {}: 5 left.", low.sku)) && mail.text.contains("Running low: "), "{}", mail.text);
    assert!(mail.text.contains("/admin/stock/?low=yes"), "{}", mail.text);
    let mail = new_order(21, &plenty.sku);
    assert!(!mail.text.contains("Running low") && !mail.text.contains("/admin/stock/"), "39 left is plenty: {}", mail.text);
}
