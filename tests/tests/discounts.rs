//! Discount codes under wrangler dev, with the real D1, Durable Objects, queue and email binding:
//! an owner makes codes in the back office's API; shoppers put them on carts (the JSON API and
//! the cart page's form without JavaScript); the checkout takes the code's share off the goods
//! before shipping and tax, and the order, its page, its email and the back office show it; the
//! caps (uses in all, once per customer) hold when shoppers race for the last use; a cancelled
//! order gives its use back; codes that do not exist count against the client.

use edgeshop_domain::{discounted_totals, Money};
use edgeshop_e2e::{client_ip, sample_catalog as catalog, stocked_variants, Reply, Shop};
use serde_json::{json, Value};

fn ip(n: u32) -> String {
    client_ip(14, n)
}

fn is_problem(r: &Reply, status: u16, kind: &str) -> bool {
    r.status == status && r.content_type.starts_with("application/problem+json") && r.body.contains(&format!("/problems/{kind}\""))
}

/// Makes a code as the owner; the answer.
fn make(shop: &Shop, code: Value) -> Reply {
    shop.admin("POST", "/api/admin/discounts", Some(&code.to_string()))
}

fn made(shop: &Shop, code: Value) -> Value {
    let r = make(shop, code);
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
}

/// The back office's row of `code`.
fn row(shop: &Shop, code: &str) -> Value {
    let list = shop.admin("GET", "/api/admin/discounts", None);
    assert_eq!(list.status, 200, "{}", list.body);
    list.json()["discounts"].as_array().unwrap().iter().find(|d| d["code"] == code).cloned().unwrap_or_else(|| panic!("{code} is not listed"))
}

fn apply(shop: &Shop, n: u32, cart: &str, code: &str) -> Reply {
    shop.post_json("/api/cart/discount", &[("cf-connecting-ip", &ip(n)), ("x-cart-id", cart)], &json!({ "code": code }).to_string())
}

fn checkout(shop: &Shop, n: u32, cart: &str, email: &str, key: &str) -> Reply {
    checkout_paying(shop, n, cart, email, key, "cash_on_delivery")
}

fn checkout_paying(shop: &Shop, n: u32, cart: &str, email: &str, key: &str, method: &str) -> Reply {
    let body = json!({
        "address": { "name": "Aoife Byrne", "line1": "12 Quay Street", "city": "Galway", "postal_code": "H91 X2Y3", "country": "IE" },
        "contact": { "email": email },
        "payment_method": method,
    });
    shop.post_json("/api/checkout", &[("cf-connecting-ip", &ip(n)), ("x-cart-id", cart), ("idempotency-key", key)], &body.to_string())
}

/// A variant of the sample shop with stock, and its price in minor units.
fn pick(i: usize) -> (String, i64) {
    let v = stocked_variants(&catalog(), 10)[i].clone();
    (v.sku, v.price.minor)
}

#[test]
fn a_code_comes_off_the_goods_and_the_order_its_page_and_email_keep_it() {
    let shop = Shop::shared();
    let c = catalog();
    // Made in any case, kept in capitals; a second code of that name, or a bad one, is refused.
    let row0 = made(shop, json!({ "code": "welcome15", "kind": "percent", "value": 15 }));
    assert_eq!((row0["code"].as_str(), row0["offer"].as_str(), row0["uses"].as_u64()), (Some("WELCOME15"), Some("15% off"), Some(0)));
    assert!(is_problem(&make(shop, json!({ "code": "Welcome15", "kind": "amount", "value": 100 })), 409, "discount-exists"));
    for bad in [
        json!({ "code": "TOOMUCH", "kind": "percent", "value": 150 }),
        json!({ "code": "two words", "kind": "percent", "value": 10 }),
        json!({ "code": "DAYS", "kind": "amount", "value": 100, "starts_on": "2026-12-10", "ends_on": "2026-12-01" }),
        json!({ "code": "NEVER", "kind": "amount", "value": 100, "max_uses": 0 }),
        json!({ "code": "PAST", "kind": "amount", "value": 100, "ends_on": "2020-01-31" }),
        // A misspelt limit would make a code without it.
        json!({ "code": "TYPO", "kind": "amount", "value": 100, "max_use": 1 }),
    ] {
        let r = make(shop, bad.clone());
        assert!(is_problem(&r, 422, "bad-discount"), "{bad}: {} {}", r.status, r.body);
    }
    assert!(is_problem(&shop.request("POST", "/api/admin/discounts", &[], Some("{}")), 401, "unauthorized"), "staff only");

    let (sku, unit) = pick(0);
    let cart = shop.fill_cart(&ip(1), &[(&sku, 3)]);
    let r = apply(shop, 1, &cart, "  welcome15 ");
    assert_eq!(r.status, 200, "{}", r.body);
    let subtotal = Money::new(unit * 3, c.shop.currency);
    let off = subtotal.percentage(1500);
    let d = &r.json()["discount"];
    assert_eq!((d["code"].as_str(), d["amount"]["minor"].as_i64()), (Some("WELCOME15"), Some(off.minor)), "{d}");
    assert_eq!(d["subtotal_after"]["minor"].as_i64(), Some(subtotal.minor - off.minor));
    // The cart keeps it.
    let again = shop.request("GET", "/api/cart", &[("x-cart-id", &cart)], None).json();
    assert_eq!(again["discount"]["amount"]["minor"].as_i64(), Some(off.minor));

    let placed = checkout(shop, 1, &cart, "aoife@example.ie", "disc-1");
    assert_eq!(placed.status, 201, "{}", placed.body);
    let placed = placed.json();
    let want = discounted_totals(subtotal, Some(off), &c.shop, Some("IE")).unwrap();
    assert_eq!(placed["discount"]["amount"]["minor"].as_i64(), Some(off.minor), "{placed}");
    assert_eq!(placed["total"]["minor"].as_i64(), Some(want.total.minor), "{placed}");
    assert_eq!(placed["tax"]["minor"].as_i64(), Some(want.tax.minor));
    let n = placed["order_number"].as_u64().unwrap();

    let o = shop.admin_order(n);
    assert_eq!(o["order"]["discount_code"], "WELCOME15");
    assert_eq!(o["order"]["totals"]["discount"]["minor"].as_i64(), Some(off.minor));
    let order_url = placed["order_url"].as_str().unwrap();
    let token = order_url.rsplit("token=").next().unwrap();
    let view = shop.get(&format!("/api/orders/{n}?token={token}")).json();
    assert_eq!((view["discount"]["code"].as_str(), view["discount"]["amount"]["minor"].as_i64()), (Some("WELCOME15"), Some(off.minor)));
    let page = shop.get(order_url);
    assert!(page.body.contains("<dt>Discount (WELCOME15)</dt>"), "the order page without JavaScript: {}", page.body);
    let mail = shop.wait_emails("the confirmation", 1, |e| e.to.contains("aoife@example.ie") && e.subject.contains(&n.to_string()));
    let formatted = |m: i64| Money::new(m, c.shop.currency).format(&c.shop.locale);
    assert!(mail[0].text.contains(&format!("Discount (WELCOME15): {}", formatted(-off.minor))), "{}", mail[0].text);
    assert!(mail[0].text.contains(&format!("Total: {}", formatted(want.total.minor))), "{}", mail[0].text);
    assert!(mail[0].text.contains(&format!("Tax included (23 %): {}", formatted(want.tax.minor))), "Irish VAT, named: {}", mail[0].text);

    let export = shop.admin("GET", &format!("/api/admin/orders/export?q={n}"), None);
    let line = export.body.lines().nth(1).unwrap_or_default().to_string();
    assert!(line.contains(&format!(",WELCOME15,{},", Money::new(off.minor, c.shop.currency).decimal())), "the CSV export: {}", export.body);
    assert!(line.contains(",IE,"), "the CSV export: {}", export.body);
    let listed = row(shop, "WELCOME15");
    assert_eq!((listed["uses"].as_u64(), listed["discounted_minor"].as_i64()), (Some(1), Some(off.minor)), "{listed}");
    // A cancelled order gives its use back.
    let cancel = shop.admin("POST", &format!("/api/admin/orders/{n}/cancel"), Some(r#"{"reason":"customer asked"}"#));
    assert!(cancel.status < 300, "{}", cancel.body);
    shop.wait_admin_order(n, "cancelled", |o| o["order"]["status"] == "cancelled");
    assert_eq!(row(shop, "WELCOME15")["uses"].as_u64(), Some(0));
}

#[test]
fn the_last_use_goes_to_one_shopper_and_a_once_per_customer_code_to_each_address_once() {
    let shop = Shop::shared();
    made(shop, json!({ "code": "LASTONE", "kind": "amount", "value": 500, "max_uses": 1 }));
    let (sku, _) = pick(1);
    let carts: Vec<String> = (0..2).map(|i| shop.fill_cart(&ip(20 + i), &[(&sku, 1)])).collect();
    for (i, cart) in carts.iter().enumerate() {
        assert_eq!(apply(shop, 20 + i as u32, cart, "lastone").status, 200);
    }
    // Both check out at once: one order gets the code, the other is told why and keeps its cart.
    let answers: Vec<Reply> = std::thread::scope(|s| {
        let runs: Vec<_> = carts
            .iter()
            .enumerate()
            .map(|(i, cart)| s.spawn(move || checkout(shop, 20 + i as u32, cart, &format!("race{i}@example.ie"), &format!("race-{i}"))))
            .collect();
        runs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let placed: Vec<&Reply> = answers.iter().filter(|r| r.status == 201).collect();
    let refused: Vec<&Reply> = answers.iter().filter(|r| is_problem(r, 422, "discount-code-refused")).collect();
    assert_eq!((placed.len(), refused.len()), (1, 1), "{:?}", answers.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>());
    assert!(refused[0].body.contains("used up") && refused[0].body.contains("take it off in your cart"), "{}", refused[0].body);
    assert_eq!(row(shop, "LASTONE")["uses"].as_u64(), Some(1));
    // The refused shopper takes the code off and buys at the full price (the stock came back).
    let loser = if answers[0].status == 201 { 1 } else { 0 };
    let removed = shop.request("DELETE", "/api/cart/discount", &[("cf-connecting-ip", &ip(20 + loser as u32)), ("x-cart-id", &carts[loser])], None);
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert!(removed.json().get("discount").is_none());
    let full = checkout(shop, 20 + loser as u32, &carts[loser], "race-again@example.ie", "race-again");
    assert_eq!(full.status, 201, "{}", full.body);
    assert!(full.json().get("discount").is_none());
    // Nobody can put a used-up code on a cart.
    let late = shop.fill_cart(&ip(23), &[(&sku, 1)]);
    let r = apply(shop, 23, &late, "LASTONE");
    assert!(is_problem(&r, 422, "discount-code-refused") && r.body.contains("used up"), "{}", r.body);

    made(shop, json!({ "code": "ONCE-EACH", "kind": "percent", "value": 10, "once_per_customer": true }));
    let order = |n: u32, email: &str| {
        let cart = shop.fill_cart(&ip(n), &[(&sku, 1)]);
        assert_eq!(apply(shop, n, &cart, "once-each").status, 200);
        checkout(shop, n, &cart, email, &format!("once-{n}"))
    };
    assert_eq!(order(30, "siobhan@example.ie").status, 201);
    let second = order(31, "Siobhan@Example.ie");
    assert!(is_problem(&second, 422, "discount-code-refused") && second.body.contains("once per customer"), "{}", second.body);
    let tagged = order(33, "siobhan+again@example.ie");
    assert!(is_problem(&tagged, 422, "discount-code-refused"), "a +tag reaches the same mailbox: {}", tagged.body);
    assert_eq!(order(32, "ciaran@example.ie").status, 201, "another address may use it");
}

#[test]
fn a_code_applies_on_its_days_above_its_minimum_and_while_the_merchant_lets_it() {
    let shop = Shop::shared();
    let (sku, unit) = pick(2);
    // A minimum above one unit: on the cart, not applied, and the checkout says why.
    let minimum = unit * 2;
    made(shop, json!({ "code": "SPEND-MORE", "kind": "amount", "value": 300, "min_subtotal_minor": minimum }));
    let cart = shop.fill_cart(&ip(40), &[(&sku, 1)]);
    let r = apply(shop, 40, &cart, "spend-more");
    assert_eq!(r.status, 200, "{}", r.body);
    let d = r.json()["discount"].clone();
    assert!(d.get("amount").is_none() && d["not_applied"].as_str().unwrap().contains("of goods or more"), "{d}");
    let refused = checkout(shop, 40, &cart, "min@example.ie", "min-1");
    assert!(is_problem(&refused, 422, "discount-code-refused"), "{}", refused.body);
    // A second unit reaches the minimum.
    let line = shop.request("GET", "/api/cart", &[("x-cart-id", &cart)], None).json()["lines"][0]["id"].as_str().unwrap().to_string();
    let more =
        shop.request("PATCH", &format!("/api/cart/lines/{line}"), &[("x-cart-id", &cart), ("cf-connecting-ip", &ip(40))], Some(r#"{"quantity":2}"#));
    assert_eq!(more.json()["discount"]["amount"]["minor"].as_i64(), Some(300), "{}", more.body);

    // Ended by the merchant: the cart says so and the checkout stops; let work again, it applies.
    let end = shop.admin("PATCH", "/api/admin/discounts/spend-more", Some(r#"{"active":false}"#));
    assert_eq!((end.status, end.json()["active"].as_bool()), (200, Some(false)), "{}", end.body);
    let view = shop.request("GET", "/api/cart", &[("x-cart-id", &cart)], None).json();
    assert_eq!(view["discount"]["not_applied"], "this code has ended", "{view}");
    assert!(is_problem(&checkout(shop, 40, &cart, "min@example.ie", "min-2"), 422, "discount-code-refused"));
    assert_eq!(shop.admin("PATCH", "/api/admin/discounts/SPEND-MORE", Some(r#"{"active":true}"#)).status, 200);
    let placed = checkout(shop, 40, &cart, "min@example.ie", "min-3");
    assert_eq!((placed.status, placed.json()["discount"]["amount"]["minor"].as_i64()), (201, Some(300)), "{}", placed.body);
    assert!(is_problem(&shop.admin("PATCH", "/api/admin/discounts/NO-SUCH", Some(r#"{"active":false}"#)), 404, "discount-not-found"));
    // Changed while it runs: a last day, a cap (reached at once: one use so far), no minimum.
    let changed = shop.admin("PATCH", "/api/admin/discounts/spend-more", Some(r#"{"ends_on":"2099-12-31","max_uses":1,"min_subtotal_minor":0}"#));
    assert_eq!(changed.status, 200, "{}", changed.body);
    let row = changed.json();
    assert_eq!(
        (row["ends_on"].as_str(), row["max_uses"].as_u64(), row["min_subtotal_minor"].as_i64()),
        (Some("2099-12-31"), Some(1), Some(0)),
        "{row}"
    );
    assert_eq!((row["value"].as_i64(), row["active"].as_bool()), (Some(300), Some(true)), "what it takes off stays: {row}");
    let cart = shop.fill_cart(&ip(44), &[(&sku, 1)]);
    let used_up = apply(shop, 44, &cart, "spend-more");
    assert!(is_problem(&used_up, 422, "discount-code-refused"), "the cap of 1 is reached: {}", used_up.body);
    // No cap again (0), and no last day (""); a misspelt field or a day gone by changes nothing.
    let open = shop.admin("PATCH", "/api/admin/discounts/spend-more", Some(r#"{"ends_on":"","max_uses":0}"#)).json();
    assert!(open["max_uses"].is_null() && open["ends_on"].is_null(), "{open}");
    assert_eq!(apply(shop, 44, &cart, "spend-more").status, 200);
    assert!(is_problem(&shop.admin("PATCH", "/api/admin/discounts/spend-more", Some(r#"{"max_use":5}"#)), 422, "bad-discount"));
    assert!(is_problem(&shop.admin("PATCH", "/api/admin/discounts/spend-more", Some(r#"{"ends_on":"2020-01-01"}"#)), 422, "bad-discount"));

    // Not yet: a code whose first day is tomorrow.
    made(shop, json!({ "code": "SOON", "kind": "percent", "value": 5, "starts_on": "2099-01-01" }));
    let cart = shop.fill_cart(&ip(41), &[(&sku, 1)]);
    let r = apply(shop, 41, &cart, "soon");
    assert!(is_problem(&r, 422, "discount-code-refused") && r.body.contains("works from 1 Jan 2099"), "{}", r.body);

    // Codes that do not exist: a clear answer, and after ten the client waits.
    let r = apply(shop, 42, &cart, "NOPE-1");
    assert!(is_problem(&r, 422, "discount-code-unknown") && r.body.contains("there is no discount code NOPE-1"), "{}", r.body);
    let r = apply(shop, 42, &cart, "x;drop table");
    assert!(is_problem(&r, 422, "discount-code-unknown") && r.body.contains("letters and digits"), "{}", r.body);
    let answers: Vec<u16> = (0..10).map(|i| apply(shop, 42, &cart, &format!("GUESS{i}")).status).collect();
    assert_eq!(answers.iter().filter(|s| **s == 429).count(), 2, "ten unknown codes, then a wait: {answers:?}");
    let locked = apply(shop, 42, &cart, "SPEND-MORE");
    assert!(is_problem(&locked, 429, "rate-limited") && locked.header("retry-after").is_some(), "even a real code waits: {}", locked.body);
    assert_eq!(apply(shop, 43, &cart, "SPEND-MORE").status, 200, "another client is not held up");
}

#[test]
fn the_cart_page_applies_and_removes_a_code_without_javascript() {
    let shop = Shop::shared();
    made(shop, json!({ "code": "FORM10", "kind": "percent", "value": 10 }));
    let (sku, unit) = pick(3);
    let cart = shop.fill_cart(&ip(50), &[(&sku, 1)]);
    let (cookie, client) = (format!("edgeshop_cart={cart}"), ip(50));
    let headers =
        [("cookie", cookie.as_str()), ("origin", shop.base.as_str()), ("sec-fetch-site", "same-origin"), ("cf-connecting-ip", client.as_str())];
    let page = shop.request("GET", "/cart/", &headers, None);
    assert!(page.body.contains(r#"<form class="discount-form" method="post" action="/cart/discount">"#), "{}", page.body);

    let r = shop.post_form("/cart/discount", &headers, &[("code", "form10"), ("action", "apply")]);
    assert_eq!((r.status, r.header("location")), (303, Some("/cart/")), "{}", r.body);
    let page = shop.request("GET", "/cart/", &headers, None);
    let off = Money::new(unit, catalog().shop.currency).percentage(1000);
    assert!(page.body.contains(&format!(r#"<strong data-testid="cart-discount">−{}</strong>"#, off.format(&catalog().shop.locale))), "{}", page.body);
    assert!(page.body.contains("Remove the code FORM10"));
    let summary = shop.request("GET", "/checkout/", &headers, None);
    assert!(summary.body.contains(r#"data-testid="cart-discount""#), "the checkout's summary shows it too");

    let unknown = shop.post_form("/cart/discount", &headers, &[("code", "NOT-A-CODE")]);
    assert_eq!(unknown.status, 422);
    assert!(unknown.content_type.starts_with("text/html") && unknown.body.contains("There is no discount code NOT-A-CODE."), "{}", unknown.body);

    let r = shop.post_form("/cart/discount", &headers, &[("action", "remove")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let page = shop.request("GET", "/cart/", &headers, None);
    assert!(!page.body.contains("cart-discount") && page.body.contains(r#"<input id="discount-code""#), "{}", page.body);
    // How far the cart is from free shipping (the sample shop's Ireland: free from €50).
    let hint = if unit < 5000 { "Free shipping to Ireland from €50.00: " } else { "Shipping to Ireland is free for this cart" };
    assert!(page.body.contains(r#"data-testid="free-shipping">"#) && page.body.contains(hint), "{}", page.body);
    // A code refused stays in its box, marked, to be corrected rather than typed again.
    let unknown = shop.post_form("/cart/discount", &headers, &[("code", "NOT-A-CODE")]);
    assert!(unknown.body.contains(r#"value="NOT-A-CODE" aria-invalid="true""#), "{}", unknown.body);

    // Guessing through the form waits too, and the page says for how long.
    let answers: Vec<Reply> = (0..10).map(|i| shop.post_form("/cart/discount", &headers, &[("code", &format!("GUESS{i}"))])).collect();
    let waited = answers.iter().find(|r| r.status == 429).expect("a wait after ten guesses");
    assert!(
        waited.content_type.starts_with("text/html") && waited.header("retry-after").is_some(),
        "{:?} {}",
        waited.header("retry-after"),
        waited.body
    );

    // Only the shop's own pages may change a cart.
    let cross = shop.post_form("/cart/discount", &[("cookie", cookie.as_str()), ("sec-fetch-site", "cross-site")], &[("code", "FORM10")]);
    assert_eq!(cross.status, 403, "{}", cross.body);
}

#[test]
fn an_order_a_code_makes_free_is_not_sent_to_the_payment_provider() {
    let shop = Shop::shared();
    made(shop, json!({ "code": "ON-THE-HOUSE", "kind": "percent", "value": 100 }));
    // Goods over the free-shipping threshold (judged before the discount): nothing to pay.
    let v = stocked_variants(&catalog(), 10).into_iter().filter(|v| v.price.minor >= 2500).nth(3).expect("a variant of 25.00 or more");
    let cart = shop.fill_cart(&ip(60), &[(&v.sku, 2)]);
    assert_eq!(apply(shop, 60, &cart, "on-the-house").status, 200);
    let online = checkout_paying(shop, 60, &cart, "free@example.ie", "free-online", "online");
    assert!(is_problem(&online, 422, "payment-method-unavailable") && online.body.contains("cash on delivery"), "{}", online.body);
    let cod = checkout(shop, 60, &cart, "free@example.ie", "free-cod");
    assert_eq!((cod.status, cod.json()["total"]["minor"].as_i64()), (201, Some(0)), "{}", cod.body);
}
