//! Stock changes by staff, back-in-stock alerts and the newsletter's double opt-in under wrangler
//! dev, reading the messages the local `send_email` simulation wrote.

use edgeshop_domain::{Catalog, StockPolicy};
use edgeshop_e2e::{root, Shop};
use serde_json::{json, Value};
use std::time::Duration;

fn catalog() -> Catalog {
    edgeshop_catalog::load(&root().join("catalog")).expect("the sample catalog is valid").catalog
}

fn post(shop: &Shop, path: &str, ip: &str, body: Value) -> edgeshop_e2e::Reply {
    shop.post_json(path, &[("cf-connecting-ip", ip)], &body.to_string())
}

fn adjust(shop: &Shop, sku: &str, body: Value) -> Value {
    let r = shop.admin("POST", &format!("/api/admin/stock/{sku}"), Some(&body.to_string()));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[test]
fn restocking_a_sold_out_variant_emails_each_waiting_shopper_once() {
    let shop = Shop::shared();
    let c = catalog();
    let sold_out = c.products.iter().filter(|p| p.published).flat_map(|p| &p.variants).find(|v| v.stock == 0 && v.stock_policy == StockPolicy::Deny).expect("a sold-out variant");
    let sku = sold_out.sku.as_str();
    let people = ["ann@example.ie", "ben@example.ie", "cas@example.ie"];
    for (i, who) in people.iter().enumerate() {
        let r = post(shop, "/api/stock-alerts", &format!("10.4.0.{}", i + 1), json!({ "sku": sku, "email": who }));
        assert_eq!(r.status, 202, "{}", r.body);
    }
    // The same shopper twice is one alert; bad input is a problem.
    assert_eq!(post(shop, "/api/stock-alerts", "10.4.0.9", json!({ "sku": sku, "email": "ANN@example.ie" })).status, 202);
    assert_eq!(post(shop, "/api/stock-alerts", "10.4.0.9", json!({ "sku": sku, "email": "not an address" })).status, 422);
    assert_eq!(post(shop, "/api/stock-alerts", "10.4.0.9", json!({ "sku": "NO-SUCH", "email": "a@b.ie" })).status, 422);

    let r = adjust(shop, sku, json!({ "set": 4, "reason": "delivery from the supplier" }));
    assert_eq!((r["before"]["available"].as_i64(), r["after"]["available"].as_i64()), (Some(0), Some(4)));
    let subject = format!("{} is back in stock", c.products.iter().find(|p| p.variants.iter().any(|v| v.sku == sku)).unwrap().title);
    let sent = shop.wait_emails("back-in-stock", 3, |e| e.subject == subject);
    let mut to: Vec<String> = sent.iter().map(|e| e.to.clone()).collect();
    to.sort();
    assert!(to.iter().zip(people).all(|(t, p)| t.contains(p)), "{to:?}");
    // It is in stock now: no alert can be asked for.
    assert_eq!(post(shop, "/api/stock-alerts", "10.4.0.9", json!({ "sku": sku, "email": "dan@example.ie" })).status, 409);
    // A second restock (sold out again, then back) sends nothing to the shoppers already told.
    adjust(shop, sku, json!({ "set": 0, "reason": "counted: none left" }));
    adjust(shop, sku, json!({ "add": 2, "reason": "found two in the back" }));
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(shop.emails().iter().filter(|e| e.subject == subject).count(), 3, "exactly three emails");
}

#[test]
fn checkout_obeys_a_level_set_by_staff() {
    let shop = Shop::shared();
    let c = catalog();
    let v = c.products.iter().filter(|p| p.published).flat_map(|p| &p.variants).filter(|v| v.stock >= 6 && v.stock_policy == StockPolicy::Deny).nth(3).unwrap();
    adjust(shop, &v.sku, json!({ "set": 1, "reason": "stock count" }));
    assert_eq!(shop.admin("POST", &format!("/api/admin/stock/{}", v.sku), Some(r#"{"reason":"nothing"}"#)).status, 422);
    let body = json!({
        "address": { "name": "A B", "line1": "1 Road", "city": "Cork", "postal_code": "T12", "country": "IE" },
        "contact": { "email": "count@example.ie" }, "payment_method": "cash_on_delivery",
    });
    let cart = |q: u32, ip: &str| {
        let r = post(shop, "/api/cart/lines", ip, json!({ "sku": v.sku, "quantity": q }));
        r.header("x-cart-id").unwrap().to_string()
    };
    let two = cart(2, "10.4.1.1");
    let r = shop.post_json("/api/checkout", &[("cf-connecting-ip", "10.4.1.1"), ("x-cart-id", &two), ("idempotency-key", "count-2")], &body.to_string());
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.json()["available"], 1);
    let one = cart(1, "10.4.1.2");
    let r = shop.post_json("/api/checkout", &[("cf-connecting-ip", "10.4.1.2"), ("x-cart-id", &one), ("idempotency-key", "count-1")], &body.to_string());
    assert_eq!(r.status, 201, "{}", r.body);
}

#[test]
fn newsletter_double_opt_in_and_one_click_unsubscribe() {
    let shop = Shop::shared();
    let who = "nora@example.ie";
    assert_eq!(post(shop, "/api/newsletter", "10.4.2.1", json!({ "email": who })).status, 202);
    // Signing up again at once does not send a second confirmation.
    assert_eq!(post(shop, "/api/newsletter", "10.4.2.1", json!({ "email": who })).status, 202);
    let confirm = shop.wait_emails("confirmation", 1, |e| e.to.contains(who) && e.subject.starts_with("Confirm your subscription"));
    assert_eq!(post(shop, "/api/newsletter", "10.4.2.1", json!({ "email": "nope" })).status, 422);

    // Before confirming, a newsletter does not reach the address.
    assert_eq!(shop.admin("POST", "/api/admin/newsletter", Some(&json!({ "subject": "Spring news 1", "text": "New tents." }).to_string())).status, 202);
    std::thread::sleep(Duration::from_secs(4));
    assert!(!shop.emails().iter().any(|e| e.to.contains(who) && e.subject == "Spring news 1"));

    let link = confirm[0].text.lines().find_map(|l| l.strip_prefix("Confirm: ")).expect("confirmation link").to_string();
    let path = link.trim_start_matches("https://shop.example.com");
    assert_eq!(shop.get(path).status, 200, "the link works");
    assert_eq!(shop.get(path).status, 410, "once");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(shop.emails().iter().filter(|e| e.to.contains(who) && e.subject.starts_with("Confirm")).count(), 1, "one confirmation email");

    assert_eq!(shop.admin("POST", "/api/admin/newsletter", Some(&json!({ "subject": "Spring news 2", "text": "New boots." }).to_string())).status, 202);
    let news = shop.wait_emails("newsletter", 1, |e| e.to.contains(who) && e.subject == "Spring news 2");
    let unsubscribe = news[0].text.lines().find_map(|l| l.strip_prefix("Unsubscribe: ")).expect("an unsubscribe link on marketing mail").to_string();
    assert!(news[0].html.contains("Unsubscribe"));
    // One POST, as a mail client's one-click unsubscribe sends it.
    let path = unsubscribe.trim_start_matches("https://shop.example.com");
    let r = shop.request("POST", path, &[("content-type", "application/x-www-form-urlencoded")], Some("List-Unsubscribe=One-Click"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(shop.admin("POST", "/api/admin/newsletter", Some(&json!({ "subject": "Spring news 3", "text": "Sale." }).to_string())).status, 202);
    std::thread::sleep(Duration::from_secs(4));
    assert!(!shop.emails().iter().any(|e| e.to.contains(who) && e.subject == "Spring news 3"), "no mail after unsubscribing");
    // Order emails never carry an unsubscribe link.
    assert!(shop.emails().iter().filter(|e| e.subject.starts_with("Order ")).all(|e| !e.text.contains("Unsubscribe")));
}
