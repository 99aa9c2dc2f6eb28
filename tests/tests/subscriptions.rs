//! Stock changes by staff, back-in-stock alerts and the newsletter's double opt-in under wrangler
//! dev, reading the messages the local `send_email` simulation wrote.

use edgeshop_domain::{Catalog, Product, StockPolicy, Variant};
use edgeshop_e2e::{sample_catalog as catalog, Shop};
use serde_json::{json, Value};
use std::time::Duration;

fn post(shop: &Shop, path: &str, ip: &str, body: Value) -> edgeshop_e2e::Reply {
    shop.post_json(path, &[("cf-connecting-ip", ip)], &body.to_string())
}

/// The `n`th published variant that stops selling at zero and has six units or more, with its
/// product (each test takes its own).
fn stocked_variant(c: &Catalog, n: usize) -> (&Product, &Variant) {
    c.products
        .iter()
        .filter(|p| p.published)
        .flat_map(|p| p.variants.iter().map(move |v| (p, v)))
        .filter(|(_, v)| v.stock >= 6 && v.stock_policy == StockPolicy::Deny)
        .nth(n)
        .expect("enough stocked variants in the sample catalog")
}

/// The emails `ours` picks went to `expected`, each address once.
fn each_got_one(shop: &Shop, ours: impl Fn(&edgeshop_e2e::SentEmail) -> bool, expected: &[String]) {
    let mut to: Vec<String> = shop.emails().into_iter().filter(|e| ours(e)).map(|e| e.to).collect();
    to.sort();
    assert_eq!(to.len(), expected.len(), "each once: {to:?}");
    assert!(to.iter().zip(expected).all(|(t, e)| t.contains(e.as_str())), "{to:?}");
}

fn adjust(shop: &Shop, sku: &str, body: Value) -> Value {
    let r = shop.admin("POST", &format!("/api/admin/stock/{sku}"), Some(&body.to_string()));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[test]
fn one_address_waits_for_twenty_alerts_at_most_and_no_other_site_signs_it_up() {
    let shop = Shop::shared();
    let c = catalog();
    // Sold-out variants from the catalog's end (other tests restock from its start).
    let sold_out: Vec<&str> = c
        .products
        .iter()
        .filter(|p| p.published)
        .flat_map(|p| &p.variants)
        .filter(|v| v.stock == 0 && v.stock_policy == StockPolicy::Deny)
        .map(|v| v.sku.as_str())
        .collect();
    assert!(sold_out.len() >= 25, "the sample shop has {} sold-out variants", sold_out.len());
    let ours = &sold_out[sold_out.len() - 21..];
    let who = "many-alerts@example.ie";
    for (i, sku) in ours[..20].iter().enumerate() {
        let r = post(shop, "/api/stock-alerts", &format!("10.4.9.{i}"), json!({ "sku": sku, "email": who }));
        assert_eq!(r.status, 202, "{sku}: {}", r.body);
    }
    let over = post(shop, "/api/stock-alerts", "10.4.9.21", json!({ "sku": ours[20], "email": who }));
    assert_eq!(over.status, 409, "{}", over.body);
    assert_eq!(over.json()["type"], "https://edgeshop.dev/problems/too-many-alerts");
    // One it already waits for is still fine to ask again.
    assert_eq!(post(shop, "/api/stock-alerts", "10.4.9.22", json!({ "sku": ours[0], "email": who })).status, 202);
    // A page elsewhere cannot sign its visitors' browsers up, nor anyone else.
    let lured = shop.request(
        "POST",
        "/api/stock-alerts",
        &[("cf-connecting-ip", "10.4.9.23"), ("sec-fetch-site", "cross-site"), ("content-type", "")],
        Some(&json!({ "sku": ours[20], "email": "victim@example.ie" }).to_string()),
    );
    assert_eq!(lured.status, 403, "{}", lured.body);
}

#[test]
fn restocking_a_sold_out_variant_emails_each_waiting_shopper_once() {
    let shop = Shop::shared();
    let c = catalog();
    let sold_out = c
        .products
        .iter()
        .filter(|p| p.published)
        .flat_map(|p| &p.variants)
        .find(|v| v.stock == 0 && v.stock_policy == StockPolicy::Deny)
        .expect("a sold-out variant");
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
fn units_a_cancelled_order_gives_back_tell_the_shoppers_waiting_for_them() {
    let shop = Shop::shared();
    let c = catalog();
    let (product, v) = stocked_variant(&c, 8);
    // The last unit is sold (cash on delivery), and a shopper asks to hear when it is back.
    adjust(shop, &v.sku, json!({ "set": 1, "reason": "stock count" }));
    let r = post(shop, "/api/cart/lines", "10.4.5.1", json!({ "sku": v.sku, "quantity": 1 }));
    let cart = r.header("x-cart-id").unwrap().to_string();
    let body = json!({
        "address": { "name": "A B", "line1": "1 Road", "city": "Cork", "postal_code": "T12", "country": "IE" },
        "contact": { "email": "last-unit@example.ie" }, "payment_method": "cash_on_delivery",
    });
    let r = shop.post_json(
        "/api/checkout",
        &[("cf-connecting-ip", "10.4.5.1"), ("x-cart-id", &cart), ("idempotency-key", "last-unit")],
        &body.to_string(),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let placed = r.json();
    let (n, token) = (placed["order_number"].as_u64().unwrap(), placed["token"].as_str().unwrap().to_string());
    let waiting = "waiting-for-it@example.ie";
    assert_eq!(post(shop, "/api/stock-alerts", "10.4.5.2", json!({ "sku": v.sku, "email": waiting })).status, 202);
    // The buyer cancels: the unit is on sale again, and the waiting shopper is told.
    assert_eq!(shop.post_json(&format!("/api/orders/{n}/cancel?token={token}"), &[], "").status, 202);
    let subject = format!("{} is back in stock", product.title);
    shop.wait_emails("back in stock after a cancellation", 1, |e| e.to.contains(waiting) && e.subject == subject);
}

#[test]
fn checkout_obeys_a_level_set_by_staff() {
    let shop = Shop::shared();
    let c = catalog();
    let (_, v) = stocked_variant(&c, 3);
    let body = json!({
        "address": { "name": "A B", "line1": "1 Road", "city": "Cork", "postal_code": "T12", "country": "IE" },
        "contact": { "email": "count@example.ie" }, "payment_method": "cash_on_delivery",
    });
    let cart = |q: u32, ip: &str| {
        let r = post(shop, "/api/cart/lines", ip, json!({ "sku": v.sku, "quantity": q }));
        r.header("x-cart-id").unwrap().to_string()
    };
    // Two in a cart before the count; the count finds one.
    let two = cart(2, "10.4.1.1");
    adjust(shop, &v.sku, json!({ "set": 1, "reason": "stock count" }));
    assert_eq!(shop.admin("POST", &format!("/api/admin/stock/{}", v.sku), Some(r#"{"reason":"nothing"}"#)).status, 422);
    // A new cart cannot take two now; the cart that has them cannot check out.
    let refused = post(shop, "/api/cart/lines", "10.4.1.3", json!({ "sku": v.sku, "quantity": 2 }));
    assert_eq!((refused.status, refused.json()["available"].as_i64()), (409, Some(1)), "{}", refused.body);
    let r =
        shop.post_json("/api/checkout", &[("cf-connecting-ip", "10.4.1.1"), ("x-cart-id", &two), ("idempotency-key", "count-2")], &body.to_string());
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.json()["available"], 1);
    let one = cart(1, "10.4.1.2");
    let r =
        shop.post_json("/api/checkout", &[("cf-connecting-ip", "10.4.1.2"), ("x-cart-id", &one), ("idempotency-key", "count-1")], &body.to_string());
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
    // The footer's form without JavaScript gets the same rules as a page.
    let refused = shop.post_form("/newsletter", &[("cf-connecting-ip", "10.4.2.1")], &[("email", "nope")]);
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Send an address such as name@example.com"), "{}", refused.body);
    assert!(refused.body.contains(r#"action="/newsletter""#) && refused.body.contains(r#"value="nope""#), "the form again: {}", refused.body);
    // A form sent as another type than the page's is refused, not read as no address.
    let multipart = shop.request(
        "POST",
        "/newsletter",
        &[("cf-connecting-ip", "10.4.2.1"), ("content-type", "multipart/form-data; boundary=x")],
        Some("--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nm@example.ie\r\n--x--\r\n"),
    );
    assert_eq!(multipart.status, 415, "{}", multipart.body);
    assert!(multipart.content_type.starts_with("text/html") && multipart.body.contains("multipart/form-data"), "{}", multipart.body);
    // Another site's page cannot sign its visitors up (a plain form needs no preflight).
    let cross =
        shop.post_form("/newsletter", &[("cf-connecting-ip", "10.4.2.9"), ("sec-fetch-site", "cross-site")], &[("email", "lured@example.ie")]);
    assert_eq!(cross.status, 403, "{}", cross.body);

    // Before confirming, a newsletter does not reach the address.
    assert_eq!(
        shop.admin("POST", "/api/admin/newsletter", Some(&json!({ "subject": "Spring news 1", "text": "New tents." }).to_string())).status,
        202
    );
    std::thread::sleep(Duration::from_secs(4));
    assert!(!shop.emails().iter().any(|e| e.to.contains(who) && e.subject == "Spring news 1"));

    let link = confirm[0].text.lines().find_map(|l| l.strip_prefix("Confirm: ")).expect("confirmation link").to_string();
    let path = link.trim_start_matches("https://shop.example.com");
    // Following the link (as a mail scanner does) only shows the button.
    let page = shop.get(path);
    assert!(page.status == 200 && page.body.contains(&format!("action=\"{path}\"")), "{}", page.body);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(shop.admin("POST", "/api/admin/newsletter", Some(&json!({ "subject": "Spring news 1b", "text": "Boots." }).to_string())).status, 202);
    std::thread::sleep(Duration::from_secs(4));
    assert!(!shop.emails().iter().any(|e| e.to.contains(who) && e.subject == "Spring news 1b"), "a followed link confirmed the address");
    assert_eq!(shop.request("POST", path, &[], None).status, 200, "the button works");
    assert_eq!(shop.request("POST", path, &[], None).status, 410, "once");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(shop.emails().iter().filter(|e| e.to.contains(who) && e.subject.starts_with("Confirm")).count(), 1, "one confirmation email");

    // Sent twice (a double click): received once.
    for _ in 0..2 {
        assert_eq!(
            shop.admin("POST", "/api/admin/newsletter", Some(&json!({ "subject": "Spring news 2", "text": "New boots." }).to_string())).status,
            202
        );
    }
    let news = shop.wait_emails("newsletter", 1, |e| e.to.contains(who) && e.subject == "Spring news 2");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(shop.emails().iter().filter(|e| e.to.contains(who) && e.subject == "Spring news 2").count(), 1, "a newsletter sent twice");
    let unsubscribe = news[0].text.lines().find_map(|l| l.strip_prefix("Unsubscribe: ")).expect("an unsubscribe link on marketing mail").to_string();
    assert!(news[0].html.contains("Unsubscribe"));
    // One POST, as a mail client's one-click unsubscribe sends it.
    let path = unsubscribe.trim_start_matches("https://shop.example.com");
    let r = shop.request("POST", path, &[("content-type", "application/x-www-form-urlencoded")], Some("List-Unsubscribe=One-Click"));
    assert_eq!(r.status, 200, "{}", r.body);
    // Again (the page's button after the mail client's click): still unsubscribed. A link we
    // never sent unsubscribes nobody and says so.
    assert_eq!(shop.request("POST", path, &[], None).status, 200);
    let unknown = shop.request("POST", "/api/newsletter/unsubscribe?token=00112233445566778899aabbccddeeff", &[], None);
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert!(unknown.body.contains("not one of ours"), "{}", unknown.body);
    // So does a confirmation link we never sent: no button that confirms nothing.
    let page = shop.get("/api/newsletter/confirm?token=00112233445566778899aabbccddeeff");
    assert!(page.status == 404 && page.body.contains("not one of ours") && !page.body.contains("<form"), "{} {}", page.status, page.body);
    assert_eq!(shop.admin("POST", "/api/admin/newsletter", Some(&json!({ "subject": "Spring news 3", "text": "Sale." }).to_string())).status, 202);
    std::thread::sleep(Duration::from_secs(4));
    assert!(!shop.emails().iter().any(|e| e.to.contains(who) && e.subject == "Spring news 3"), "no mail after unsubscribing");
    // Order emails never carry an unsubscribe link.
    assert!(shop.emails().iter().filter(|e| e.subject.starts_with("Order ")).all(|e| !e.text.contains("Unsubscribe")));
}

/// `n` confirmed subscribers `reader-NNN@{domain}` (newsletters only, no digests) written straight
/// into D1: signing up so many through the form would meet its rate limit.
fn confirmed_readers(shop: &Shop, domain: &str, n: usize) -> Vec<String> {
    let who: Vec<String> = (0..n).map(|i| format!("reader-{i:03}@{domain}")).collect();
    let rows: Vec<String> = who
        .iter()
        .enumerate()
        .map(|(i, e)| format!("('{e}', 'confirmed', 'tok-{domain}-{i}', 'import', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 0)"))
        .collect();
    edgeshop_e2e::d1_query(
        shop,
        &format!("INSERT INTO subscribers (email, status, token, source, created_at, consent_at, new_products) VALUES {}", rows.join(", ")),
    );
    who
}

/// A list longer than a page (30 addresses, `subscriptions::LIST_PAGE` in the worker) goes out a
/// page at a time, each its own queue message: every subscriber gets the newsletter once.
#[test]
fn a_newsletter_to_a_long_list_reaches_every_subscriber_once_a_page_at_a_time() {
    let shop = Shop::shared();
    let readers = confirmed_readers(shop, "long-list.example", 67);
    let (subject, ours) = ("Long list news", |e: &edgeshop_e2e::SentEmail| e.subject == "Long list news" && e.to.contains("@long-list.example"));
    let r = shop.admin("POST", "/api/admin/newsletter", Some(&json!({ "subject": subject, "text": "Everything in one letter." }).to_string()));
    assert_eq!(r.status, 202, "{}", r.body);
    shop.wait_emails("a newsletter to a long list", readers.len(), ours);
    std::thread::sleep(Duration::from_secs(3));
    each_got_one(shop, ours, &readers);
    // Three pages: the first event's, then two more queued by the pages before them.
    let batch = edgeshop_e2e::d1_query(shop, &format!("SELECT DISTINCT batch FROM messages WHERE subject = '{subject}'"));
    let batch = batch[0]["batch"].as_str().expect("the newsletter's batch").to_string();
    let pages = edgeshop_e2e::d1_query(shop, &format!("SELECT event_id FROM applied_events WHERE event_id LIKE '{batch}/page-%' ORDER BY event_id"));
    assert_eq!(pages, json!([{ "event_id": format!("{batch}/page-2") }, { "event_id": format!("{batch}/page-3") }]));
}

/// A restock tells more waiting shoppers than a page holds, each once.
#[test]
fn a_restock_tells_a_long_list_of_waiting_shoppers_each_once() {
    let shop = Shop::shared();
    let c = catalog();
    let (product, v) = stocked_variant(&c, 12);
    adjust(shop, &v.sku, json!({ "set": 0, "reason": "sold out at the fair" }));
    let waiting: Vec<String> = (0..41).map(|i| format!("shopper-{i:03}@waiting.example")).collect();
    let rows: Vec<String> = waiting.iter().map(|e| format!("('{}', '{e}', '2026-01-01T00:00:00Z')", v.sku)).collect();
    edgeshop_e2e::d1_query(shop, &format!("INSERT INTO stock_alerts (sku, email, created_at) VALUES {}", rows.join(", ")));
    adjust(shop, &v.sku, json!({ "set": 5, "reason": "delivery" }));
    let subject = format!("{} is back in stock", product.title);
    let ours = |e: &edgeshop_e2e::SentEmail| e.subject == subject && e.to.contains("@waiting.example");
    shop.wait_emails("back in stock to a long list", waiting.len(), ours);
    std::thread::sleep(Duration::from_secs(3));
    each_got_one(shop, ours, &waiting);
    let left = edgeshop_e2e::d1_query(shop, &format!("SELECT count(*) AS n FROM stock_alerts WHERE sku = '{}' AND notified_at IS NULL", v.sku));
    assert_eq!(left, json!([{ "n": 0 }]));
}

#[test]
fn new_products_digest_announces_each_new_product_once_to_those_who_asked() {
    let shop = Shop::shared();
    let c = catalog();
    shop.subscribe_confirmed("digest-yes@example.ie", "10.4.3.1", true);
    shop.subscribe_confirmed("digest-no@example.ie", "10.4.3.2", false);
    let digest = || shop.admin("POST", "/api/admin/new-products-digest", None);

    // The first digest records the catalog as known (a shop's whole range is not news) …
    let r = digest();
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "baseline_recorded");
    assert_eq!(r.json()["catalog_version"], c.version.as_str());
    let r = digest();
    assert_eq!((r.status, r.json()["status"].as_str()), (200, Some("nothing_new")));

    // … then a catalog whose two newest products no digest has announced (as after publishing
    // them) announces exactly those, once, to the subscriber who asked.
    let newest = edgeshop_domain::newest_products(&c.products, 2);
    let slugs: Vec<&str> = newest.iter().map(|p| p.slug.as_str()).collect();
    edgeshop_e2e::d1_query(shop, &format!("DELETE FROM announced_products WHERE slug IN ('{}', '{}')", slugs[0], slugs[1]));
    let r = digest();
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.json()["products"], json!(slugs));
    // Asking again for the same catalog version queues the same digest (its event id is the
    // version), or finds it already sent if the queue consumer was quicker: one email either way.
    let again = digest();
    assert!(matches!((again.status, again.json()["status"].as_str()), (202, Some("sending")) | (200, Some("nothing_new"))), "{}", again.body);
    let subject = format!("New at {}: {} and 1 more", c.shop.name, newest[0].title);
    let sent = shop.wait_emails("new-products digest", 1, |e| e.subject == subject);
    assert!(sent[0].to.contains("digest-yes@example.ie"), "{}", sent[0].to);
    for p in &newest {
        assert!(sent[0].text.contains(&format!("/products/{}/", p.slug)), "{}", sent[0].text);
        assert!(sent[0].html.contains(&format!("/products/{}/\"", p.slug)), "linked in the HTML part");
    }
    assert!(sent[0].text.contains("Unsubscribe: "), "marketing mail can be unsubscribed from");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(shop.emails().iter().filter(|e| e.subject == subject).count(), 1, "one digest, to the one subscriber who asked");
    let r = digest();
    assert_eq!((r.status, r.json()["status"].as_str()), (200, Some("nothing_new")), "{}", r.body);
}

/// Staff ship a packed order at the moment its customer is erased with their open orders
/// cancelled: the two cross in the order queue, and the order is never sent to the erased
/// address (shipped first, the erasure is refused; erased first, the order is cancelled).
#[test]
fn an_order_shipped_while_its_customer_is_erased_is_never_sent_to_the_erased_address() {
    let shop = Shop::shared();
    let c = catalog();
    let v = c.products.iter().filter(|p| p.published).flat_map(|p| &p.variants).filter(|v| v.stock >= 6).nth(7).unwrap();
    let cart = shop.fill_cart("10.4.6.1", &[(v.sku.as_str(), 1)]);
    let who = "crossing@example.ie";
    let body = json!({
        "address": { "name": "Cara Cross", "line1": "1 Bridge Street", "city": "Cork", "postal_code": "T12", "country": "IE" },
        "contact": { "email": who }, "payment_method": "cash_on_delivery",
    });
    let r = shop.post_json(
        "/api/checkout",
        &[("cf-connecting-ip", "10.4.6.1"), ("x-cart-id", &cart), ("idempotency-key", "crossing-1")],
        &body.to_string(),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let n = r.json()["order_number"].as_u64().unwrap();
    assert_eq!(shop.admin("POST", &format!("/api/admin/orders/{n}/fulfilment"), Some(&json!({ "status": "packed" }).to_string())).status, 202);
    shop.wait_admin_order(n, "packed", |o| o["order"]["status"] == "packed");
    let ship = json!({ "status": "shipped", "carrier": "An Post", "tracking_number": "CE000000002IE" }).to_string();
    assert_eq!(shop.admin("POST", &format!("/api/admin/orders/{n}/fulfilment"), Some(&ship)).status, 202);
    let erase = shop.admin("POST", "/api/admin/customers/erase", Some(&json!({ "email": who, "cancel_open_orders": true }).to_string()));
    let o = shop.wait_admin_order(n, "shipped or cancelled", |o| o["order"]["status"] == "shipped" || o["order"]["status"] == "cancelled");
    std::thread::sleep(std::time::Duration::from_secs(2));
    let o = if o["order"]["status"] == "cancelled" { o } else { shop.admin_order(n) };
    let erased = o["order"]["contact"]["email"].as_str().unwrap_or_default().ends_with("@erased.invalid");
    match erase.status {
        409 => assert!(o["order"]["status"] == "shipped" && !erased, "shipped first: nothing erased: {o}"),
        200 => assert!(o["order"]["status"] == "cancelled" && erased, "erased first: cancelled, not sent: {o}"),
        other => panic!("erasure answered {other}: {}", erase.body),
    }
}

#[test]
fn erasing_a_customer_removes_subscriptions_and_personal_data_but_keeps_the_order_for_the_books() {
    let shop = Shop::shared();
    let c = catalog();
    let who = "erase-me@example.ie";
    let v = c
        .products
        .iter()
        .filter(|p| p.published)
        .flat_map(|p| &p.variants)
        .filter(|v| v.stock >= 6 && v.stock_policy == StockPolicy::Deny)
        .nth(5)
        .unwrap();
    let sold_out = c
        .products
        .iter()
        .filter(|p| p.published)
        .flat_map(|p| &p.variants)
        .filter(|v| v.stock == 0 && v.stock_policy == StockPolicy::Deny)
        .nth(1)
        .expect("a second sold-out variant");
    let r = post(shop, "/api/cart/lines", "10.4.4.1", json!({ "sku": v.sku, "quantity": 1 }));
    let cart = r.header("x-cart-id").unwrap().to_string();
    let body = json!({
        "address": { "name": "Erin Example", "line1": "7 Quay Street", "city": "Galway", "postal_code": "H91", "country": "IE" },
        "contact": { "email": who, "phone": "+353 91 000000" }, "payment_method": "cash_on_delivery",
    });
    let r =
        shop.post_json("/api/checkout", &[("cf-connecting-ip", "10.4.4.1"), ("x-cart-id", &cart), ("idempotency-key", "erase-1")], &body.to_string());
    assert_eq!(r.status, 201, "{}", r.body);
    let number = r.json()["order_number"].as_u64().unwrap();
    shop.wait_emails("order email", 1, |e| e.to.contains(who));
    shop.subscribe_confirmed(who, "10.4.4.2", false);
    assert_eq!(post(shop, "/api/stock-alerts", "10.4.4.3", json!({ "sku": sold_out.sku, "email": who })).status, 202);

    // Their data export first (what a request to see it gets): the orders with their payments,
    // messages and notes, the newsletter and the back-in-stock requests; no order's page key.
    let export = shop.admin("GET", &format!("/api/admin/customers/{}?export=1", who.replace('@', "%40")), None);
    assert_eq!(export.status, 200, "{}", export.body);
    let export = export.json();
    assert_eq!(export["orders"][0]["order"]["number"], number, "{export}");
    assert_eq!(export["orders"][0]["order"]["token"], "", "{export}");
    assert!(export["orders"][0]["payments"].is_array() && export["orders"][0]["messages"].as_array().is_some_and(|m| !m.is_empty()), "{export}");
    assert!(export["newsletter"].is_string(), "{export}");
    assert_eq!(export["stock_alerts"], json!([sold_out.sku]), "{export}");

    // The order is not finished: its address is still needed, so erasure is refused, or cancels
    // it first when asked.
    let r = shop.admin("POST", "/api/admin/customers/erase", Some(&json!({ "email": "Erase-Me@example.ie" }).to_string()));
    assert_eq!((r.status, r.json()["open_orders"].clone()), (409, json!([number])), "{}", r.body);
    assert!(r.body.contains("open-orders") && r.body.contains(&format!("{number} (confirmed)")), "{}", r.body);
    assert_eq!(shop.admin_order(number)["order"]["contact"]["email"], who, "nothing erased");
    let r =
        shop.admin("POST", "/api/admin/customers/erase", Some(&json!({ "email": "Erase-Me@example.ie", "cancel_open_orders": true }).to_string()));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({ "orders_anonymised": 1, "subscriptions_removed": 1, "stock_alerts_removed": 1 }));

    let rows = |sql: &str| edgeshop_e2e::d1_query(shop, sql).as_array().map(Vec::len).unwrap_or(0);
    for table in ["subscribers", "stock_alerts", "customers", "orders"] {
        assert_eq!(rows(&format!("SELECT 1 FROM {table} WHERE email = '{who}'")), 0, "{table} still names the customer");
    }
    // This order's rows only: another test's order (or a stand-in's random hex) may hold "353".
    assert_eq!(
        rows(&format!(
            "SELECT 1 FROM orders WHERE number = {number} AND (address_json LIKE '%Quay%' OR contact_json LIKE '%353 91%' OR name LIKE '%Erin%')"
        )),
        0
    );
    // Nor the back office's folded copies for search.
    assert_eq!(rows(&format!("SELECT 1 FROM order_search WHERE number = {number} AND (text LIKE '%quay%' OR text LIKE '%erin%' OR text LIKE '%erase-me%' OR text LIKE '%353 91%')")), 0);
    assert_eq!(rows("SELECT 1 FROM customer_search WHERE text LIKE '%erin%' OR text LIKE '%erase-me%'"), 0);
    // The stand-in that keeps the orders' books is nobody to look up among the customers.
    let listed = shop.admin("GET", "/api/admin/customers?q=erased", None).json();
    assert_eq!(listed["total"], 0, "{listed}");
    let order = shop.admin_order(number);
    assert_eq!(order["order"]["address"]["country"], "IE", "the country stays for the books: {order}");
    assert_eq!(order["order"]["lines"][0]["sku"], v.sku.as_str(), "and the lines");
    assert!(!order["order"]["totals"]["total"].is_null(), "and the totals: {order}");
    assert!(!order.to_string().contains("Erin") && !order.to_string().contains(who) && !order.to_string().contains("Quay"), "{order}");
    // The order is cancelled: nothing is addressed to the stand-in, so nothing fails and no alert
    // goes to the merchant.
    shop.wait_admin_order(number, "cancelled", |o| o["order"]["status"] == "cancelled");
    let to_stand_in = format!("SELECT 1 FROM notifications WHERE order_number = {number} AND recipient LIKE '%@erased.invalid' AND created_at > (SELECT min(at) FROM order_history WHERE order_number = {number} AND note = 'customer data erased')");
    assert_eq!(rows(&to_stand_in), 0, "a message was addressed to the erased customer's stand-in");
    assert_eq!(rows(&format!("SELECT 1 FROM notifications WHERE order_number = {number} AND template = 'merchant_attention'")), 0);
    // Nothing more is sent to the address, and erasing again finds nothing.
    let r = shop.admin("POST", "/api/admin/customers/erase", Some(&json!({ "email": who }).to_string()));
    assert_eq!(r.json(), json!({ "orders_anonymised": 0, "subscriptions_removed": 0, "stock_alerts_removed": 0 }));
    assert_eq!(shop.admin("POST", "/api/admin/customers/erase", Some(r#"{"email":"not an address"}"#)).status, 422);
}

#[test]
fn a_shopper_asks_for_a_back_in_stock_email_and_subscribes_from_the_pages() {
    let shop = Shop::shared();
    let c = catalog();
    // The third sold-out variant (the other tests here use the first two).
    let (product, variant) = c
        .products
        .iter()
        .filter(|p| p.published)
        .flat_map(|p| p.variants.iter().map(move |v| (p, v)))
        .filter(|(_, v)| v.stock == 0 && v.stock_policy == StockPolicy::Deny)
        .nth(2)
        .expect("a third sold-out variant");
    let (alert, news, nojs) = ("browser-alert@example.ie", "browser-news@example.ie", "browser-nojs-news@example.ie");
    edgeshop_e2e::run_browser_test_with(
        "subscribe.mjs",
        shop,
        &[
            ("PRODUCT_PATH", &format!("/products/{}/", product.slug)),
            ("SKU", &variant.sku),
            ("ALERT_EMAIL", alert),
            ("NEWS_EMAIL", news),
            ("NOJS_EMAIL", nojs),
        ],
    );
    let rows = edgeshop_e2e::d1_query(shop, &format!("SELECT sku FROM stock_alerts WHERE email = '{alert}'"));
    assert_eq!(rows, json!([{ "sku": variant.sku }]));
    shop.wait_emails("confirmation", 1, |e| e.to.contains(news) && e.subject.starts_with("Confirm your subscription"));
    let rows = edgeshop_e2e::d1_query(shop, &format!("SELECT status, new_products, source FROM subscribers WHERE email = '{news}'"));
    assert_eq!(rows, json!([{ "status": "pending", "new_products": 1, "source": "newsletter form" }]));
    // Without JavaScript, and without ticking "new products".
    shop.wait_emails("confirmation", 1, |e| e.to.contains(nojs) && e.subject.starts_with("Confirm your subscription"));
    let rows = edgeshop_e2e::d1_query(shop, &format!("SELECT status, new_products, source FROM subscribers WHERE email = '{nojs}'"));
    assert_eq!(rows, json!([{ "status": "pending", "new_products": 0, "source": "newsletter form" }]));
}
