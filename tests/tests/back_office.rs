//! The back office under wrangler dev: staff sign in by emailed link (the first owner through
//! `cargo xtask admin owner`), sessions, roles, cross-site refusal, lockout, the audit log, orders,
//! returns and stock from the API, and the whole of it in Chromium.

use edgeshop_e2e::{
    build_site, client_ip, d1_query, owner_link, root, run_browser_test_with, sample_catalog as catalog, stocked_variants as variants, wait_for,
    Reply, Shop,
};
use serde_json::{json, Value};
use std::process::Command;
use std::sync::OnceLock;

fn ip(n: u32) -> String {
    client_ip(9, n)
}

fn token_of(link: &str) -> String {
    link.rsplit("#token=").next().unwrap().trim().to_string()
}

/// Uses a sign-in token; the session cookie (`name=value`) on success.
fn redeem(shop: &Shop, client: &str, token: &str) -> Reply {
    shop.post_json("/api/admin/session", &[("cf-connecting-ip", client), ("origin", &shop.base)], &json!({ "token": token }).to_string())
}

fn cookie_of(r: &Reply) -> String {
    let set = r.header("set-cookie").unwrap_or_else(|| panic!("no Set-Cookie: {} {}", r.status, r.body));
    set.split(';').next().unwrap().to_string()
}

struct Staff {
    cookie: String,
    link: Option<String>,
}

/// The shared shop's owner (signed in once) and a member of staff they invited (signed in
/// through the emailed link).
fn people() -> &'static (Staff, Staff) {
    static PEOPLE: OnceLock<(Staff, Staff)> = OnceLock::new();
    PEOPLE.get_or_init(|| {
        let shop = Shop::shared();
        let link = owner_link(shop, "olive@shop.example.com");
        let r = redeem(shop, &ip(1), &token_of(&link));
        assert_eq!(r.status, 200, "{}", r.body);
        let owner = Staff { cookie: cookie_of(&r), link: None };
        // A second link for the browser test (the first one is used).
        let browser_link = owner_link(shop, "olive@shop.example.com");
        // A name is one line (it goes into emails and the audit log).
        let odd = json!({ "email": "sam@shop.example.com", "name": "Sam\r\nBcc: x@y.ie", "role": "staff" });
        assert!(is_problem(&as_staff(shop, &owner, "POST", "/api/admin/staff", Some(odd)), 422));
        let invite =
            as_staff(shop, &owner, "POST", "/api/admin/staff", Some(json!({ "email": "sam@shop.example.com", "name": "Sam", "role": "staff" })));
        assert_eq!(invite.status, 201, "{}", invite.body);
        let mail = shop.wait_emails("Sam's invitation", 1, |e| e.to.contains("sam@shop.example.com"));
        let staff_link =
            mail[0].text.lines().find_map(|l| l.split_whitespace().find(|w| w.contains("#token="))).expect("a link in the invitation").to_string();
        (Staff { cookie: owner.cookie, link: Some(browser_link) }, Staff { cookie: String::new(), link: Some(staff_link) })
    })
}

fn owner() -> &'static Staff {
    &people().0
}

/// A request as a signed-in member, from the back office's own pages.
fn as_staff(shop: &Shop, who: &Staff, method: &str, path: &str, body: Option<Value>) -> Reply {
    let headers = [("cookie", who.cookie.as_str()), ("origin", shop.base.as_str()), ("sec-fetch-site", "same-origin")];
    let body = body.map(|b| b.to_string());
    shop.request(method, path, &headers, body.as_deref())
}

/// Places an order of `lines` for client `n`, paid `method`: the checkout's answer.
fn place(shop: &Shop, n: u32, lines: &[(&str, u32)], method: &str) -> Value {
    let cart = shop.fill_cart(&ip(n), lines);
    let body = json!({
        "address": { "name": "Aoife Byrne", "line1": "12 Quay Street", "city": "Galway", "postal_code": "H91 X2Y3", "country": "IE" },
        "contact": { "email": format!("aoife{n}@example.ie") },
        "payment_method": method,
    });
    let key = format!("bo-{method}-{n}");
    let r = shop.post_json("/api/checkout", &[("cf-connecting-ip", &ip(n)), ("x-cart-id", &cart), ("idempotency-key", &key)], &body.to_string());
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
}

/// Places and pays an online order (test provider) for `lines`; returns (number, token).
fn paid_order(shop: &Shop, n: u32, lines: &[(&str, u32)]) -> (u64, String) {
    let placed = place(shop, n, lines, "online");
    let number = placed["order_number"].as_u64().unwrap();
    let session = placed["next_url"].as_str().unwrap().trim_start_matches("/pay/test/").to_string();
    let pay = shop.press_test_provider(&session, "pay");
    assert_eq!(pay.status, 303, "{}", pay.body);
    shop.wait_admin_order(number, "paid", |o| o["order"]["status"] == "paid");
    (number, placed["token"].as_str().unwrap().to_string())
}

/// A cash-on-delivery order of `lines` for client `n`: its number and access token.
fn cod_order(shop: &Shop, n: u32, lines: &[(&str, u32)]) -> (u64, String) {
    let placed = place(shop, n, lines, "cash_on_delivery");
    (placed["order_number"].as_u64().unwrap(), placed["token"].as_str().unwrap().to_string())
}

/// Takes order `n` through packed, shipped (with this carrier and tracking) and delivered.
fn deliver(shop: &Shop, me: &Staff, n: u64, carrier: &str, tracking: &str) {
    for status in ["packed", "shipped", "delivered"] {
        let body = json!({ "status": status, "carrier": carrier, "tracking_number": tracking });
        assert_eq!(as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/fulfilment"), Some(body)).status, 202);
        shop.wait_admin_order(n, status, |o| o["order"]["status"] == status);
    }
}

/// Every admin route, with a body where it takes one.
fn admin_routes() -> Vec<(&'static str, &'static str, Option<Value>)> {
    vec![
        ("GET", "/api/admin/session", None),
        ("DELETE", "/api/admin/session", None),
        ("GET", "/api/admin/orders", None),
        ("GET", "/api/admin/orders/export", None),
        ("GET", "/api/admin/orders/1001", None),
        ("POST", "/api/admin/orders/1001/fulfilment", Some(json!({ "status": "packed" }))),
        ("POST", "/api/admin/orders/1001/cancel", Some(json!({}))),
        ("POST", "/api/admin/orders/1001/undelivered", Some(json!({}))),
        ("POST", "/api/admin/orders/1001/notes", Some(json!({ "text": "x" }))),
        ("POST", "/api/admin/orders/1001/attention/clear", None),
        ("POST", "/api/admin/orders/1001/refunds", Some(json!({ "amount_minor": 1 }))),
        ("POST", "/api/admin/orders/1001/returns/1/approve", Some(json!({}))),
        ("GET", "/api/admin/stock", None),
        ("GET", "/api/admin/stock/X", None),
        ("POST", "/api/admin/stock/X", Some(json!({ "set": 1, "reason": "x" }))),
        ("GET", "/api/admin/customers", None),
        ("GET", "/api/admin/customers/a%40b.ie", None),
        ("POST", "/api/admin/customers/erase", Some(json!({ "email": "a@b.ie" }))),
        ("GET", "/api/admin/staff", None),
        ("POST", "/api/admin/staff", Some(json!({ "email": "x@y.ie", "role": "staff" }))),
        ("DELETE", "/api/admin/staff/abc", None),
        ("GET", "/api/admin/audit", None),
        ("GET", "/api/admin/search/zero-results", None),
        ("GET", "/api/admin/dead-letters", None),
        ("POST", "/api/admin/dead-letters/x/replay", None),
        ("GET", "/api/admin/notifications/failed", None),
        ("POST", "/api/admin/newsletter", Some(json!({ "subject": "s", "text": "t" }))),
        ("GET", "/api/admin/newsletter", None),
        ("POST", "/api/admin/new-products-digest", None),
    ]
}

fn is_problem(r: &Reply, status: u16) -> bool {
    r.status == status && r.content_type.starts_with("application/problem+json")
}

#[test]
fn every_admin_route_refuses_no_session_an_expired_one_a_forged_cookie_and_a_cross_site_request() {
    let shop = Shop::shared();
    let owner = owner();
    // An expired session: a real session row whose time is up.
    let expired = "e".repeat(64);
    let hash = {
        use sha2::{Digest, Sha256};
        Sha256::digest(expired.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let owner_id = d1_query(shop, "SELECT id FROM staff WHERE email = 'olive@shop.example.com'")[0]["id"].as_str().unwrap().to_string();
    d1_query(
        shop,
        &format!(
            "INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at) VALUES ('{hash}', '{owner_id}', '2026-01-01T00:00:00Z', 1)"
        ),
    );
    let forged = format!("edgeshop_admin={}", "ab".repeat(32));
    for (method, path, body) in admin_routes() {
        let body = body.map(|b| b.to_string());
        let none = shop.request(method, path, &[("origin", &shop.base)], body.as_deref());
        assert!(is_problem(&none, 401), "{method} {path} without a session: {} {}", none.status, none.body);
        let old = shop.request(method, path, &[("cookie", &format!("edgeshop_admin={expired}")), ("origin", &shop.base)], body.as_deref());
        assert!(is_problem(&old, 401), "{method} {path} with an expired session: {} {}", old.status, old.body);
        let fake = shop.request(method, path, &[("cookie", &forged), ("origin", &shop.base)], body.as_deref());
        assert!(is_problem(&fake, 401), "{method} {path} with a forged cookie: {} {}", fake.status, fake.body);
        if method != "GET" {
            let cross = shop.request(method, path, &[("cookie", &owner.cookie), ("sec-fetch-site", "cross-site")], body.as_deref());
            assert!(is_problem(&cross, 403), "{method} {path} from another site: {} {}", cross.status, cross.body);
            let evil = shop.request(method, path, &[("cookie", &owner.cookie), ("origin", "https://evil.example")], body.as_deref());
            assert!(is_problem(&evil, 403), "{method} {path} from another origin: {} {}", evil.status, evil.body);
            let silent = shop.request(method, path, &[("cookie", &owner.cookie)], body.as_deref());
            assert!(is_problem(&silent, 403), "{method} {path} that does not say where it comes from: {} {}", silent.status, silent.body);
        }
    }
    // The session itself is fine: the owner gets in.
    assert_eq!(as_staff(shop, owner, "GET", "/api/admin/session", None).json()["role"], "owner");
    // The cookie is HttpOnly, SameSite=Strict, and expires.
    let link = owner_link(shop, "olive@shop.example.com");
    let r = redeem(shop, &ip(2), &token_of(&link));
    let set = r.header("set-cookie").unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Max-Age="), "{set}");
    // A link works once: sent twice together (a double click), both sign in; later, never.
    assert_eq!(redeem(shop, &ip(2), &token_of(&link)).status, 200, "the second of a double click");
    assert!(is_problem(&redeem(shop, &ip(45), &token_of(&link)), 401), "another client within the grace");
    std::thread::sleep(std::time::Duration::from_millis(5_500));
    assert!(is_problem(&redeem(shop, &ip(2), &token_of(&link)), 401));
}

#[test]
fn staff_sign_in_by_emailed_link_and_only_owners_manage_staff() {
    let shop = Shop::shared();
    let (_, sam) = people();
    let r = redeem(shop, &ip(3), &token_of(sam.link.as_ref().unwrap()));
    assert_eq!(r.status, 200, "{}", r.body);
    let sam = Staff { cookie: cookie_of(&r), link: None };
    let sams_browser = r.cookie("edgeshop_known").expect("the browser Sam signed in from is remembered");
    assert_eq!(as_staff(shop, &sam, "GET", "/api/admin/session", None).json()["role"], "staff");
    // Staff run the shop but do not manage staff, nor write to every customer or take or erase
    // their personal data in bulk.
    assert_eq!(as_staff(shop, &sam, "GET", "/api/admin/orders", None).status, 200);
    for (method, path, body) in [
        ("GET", "/api/admin/staff", None),
        ("POST", "/api/admin/staff", Some(json!({ "email": "eve@shop.example.com", "role": "owner" }))),
        ("DELETE", "/api/admin/staff/anyone", None),
        ("POST", "/api/admin/newsletter", Some(json!({ "subject": "From Sam", "text": "Hello." }))),
        ("GET", "/api/admin/newsletter", None),
        ("POST", "/api/admin/new-products-digest", None),
        ("POST", "/api/admin/customers/erase", Some(json!({ "email": "someone@example.ie" }))),
        ("GET", "/api/admin/orders/export", None),
        ("GET", "/api/admin/analytics/export?table=top_customers", None),
        ("POST", "/api/admin/media/0123456789abcdef0123/planted.png", None),
        // Nor give money back, nor take one customer's data away in a file.
        ("POST", "/api/admin/orders/1001/refunds", Some(json!({ "amount_minor": 100, "reason": "goodwill" }))),
        ("POST", "/api/admin/orders/1001/refunds/by-hand", Some(json!({ "amount_minor": 100, "method": "cash" }))),
        ("GET", "/api/admin/customers/aoife20%40example.ie?export=1", None),
    ] {
        let r = as_staff(shop, &sam, method, path, body);
        assert!(is_problem(&r, 403) && r.body.contains("owner-only"), "{method} {path}: {} {}", r.status, r.body);
    }
    // They do see a customer (one not found here is not refused).
    let seen = as_staff(shop, &sam, "GET", "/api/admin/customers/nobody%40example.ie", None);
    assert!(is_problem(&seen, 404), "{} {}", seen.status, seen.body);
    // Asking for a link: the same answer for a stranger as for staff, and only staff get mail.
    let before = shop.emails().len();
    let stranger = shop.post_json("/api/admin/sign-in", &[("cf-connecting-ip", &ip(4))], &json!({ "email": "nobody@example.com" }).to_string());
    let member = shop.post_json("/api/admin/sign-in", &[("cf-connecting-ip", &ip(4))], &json!({ "email": "Sam@Shop.Example.com" }).to_string());
    assert_eq!((stranger.status, member.status), (202, 202));
    assert_eq!(stranger.body, member.body, "the answer must not tell who works here");
    let mails = shop.wait_emails("Sam's sign-in link", 1, |e| e.to.contains("sam@shop.example.com") && e.subject.starts_with("Sign in"));
    assert!(shop.emails()[before..].iter().all(|e| !e.to.contains("nobody@")), "no mail to a stranger");
    let link = mails.last().unwrap().text.lines().find_map(|l| l.split_whitespace().find(|w| w.contains("#token="))).unwrap().to_string();
    assert!(link.starts_with("https://shop.example.com/admin/sign-in/#token="), "links point at the shop's own address: {link}");
    // Someone asking for Sam's links again and again runs out of them where they are; Sam,
    // elsewhere, still gets one (the limit per address is also per client).
    let ask = |n: u32| shop.post_json("/api/admin/sign-in", &[("cf-connecting-ip", &ip(n))], &json!({ "email": "sam@shop.example.com" }).to_string());
    for _ in 0..3 {
        assert_eq!(ask(31).status, 202);
    }
    assert!(is_problem(&ask(31), 429));
    assert_eq!(ask(32).status, 202, "the flood from another address locked Sam out");
    // Whoever asks, Sam's inbox gets at most ten links an hour: clients enough use them up, but
    // the browser Sam signed in from still gets one.
    let refused = (33..50).map(ask).find(|r| r.status != 202).expect("ten links an hour to one inbox, whoever asks");
    assert!(is_problem(&refused, 429), "{} {}", refused.status, refused.body);
    let from_sams_browser = shop.post_json(
        "/api/admin/sign-in",
        &[("cf-connecting-ip", &ip(50)), ("cookie", &sams_browser)],
        &json!({ "email": "sam@shop.example.com" }).to_string(),
    );
    assert_eq!(from_sams_browser.status, 202, "{}", from_sams_browser.body);
    // Another site's page cannot make its visitors' browsers ask (a fetch without a preflight).
    let lured = shop.request(
        "POST",
        "/api/admin/sign-in",
        &[("cf-connecting-ip", &ip(51)), ("sec-fetch-site", "cross-site"), ("content-type", "")],
        Some(&json!({ "email": "owner@shop.example.com" }).to_string()),
    );
    assert!(is_problem(&lured, 403) && lured.body.contains("cross-site"), "{} {}", lured.status, lured.body);
    // A session is started only from the back office's own page (no login CSRF).
    let cross = shop.post_json("/api/admin/session", &[("cf-connecting-ip", &ip(32))], &json!({ "token": "x".repeat(64) }).to_string());
    assert!(is_problem(&cross, 403) && cross.body.contains("cross-site"), "{} {}", cross.status, cross.body);
    // Removing a member ends their sessions at once.
    let sam_id = as_staff(shop, owner(), "GET", "/api/admin/staff", None).json()["staff"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "sam@shop.example.com")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r2 = redeem(shop, &ip(3), &token_of(&link));
    let sam2 = Staff { cookie: cookie_of(&r2), link: None };
    assert_eq!(as_staff(shop, owner(), "DELETE", &format!("/api/admin/staff/{sam_id}"), None).status, 200);
    assert_eq!(as_staff(shop, &sam2, "GET", "/api/admin/orders", None).status, 401);
    // The last owner cannot be removed.
    let me = as_staff(shop, owner(), "GET", "/api/admin/session", None).json();
    let last = as_staff(shop, owner(), "DELETE", &format!("/api/admin/staff/{}", me["id"].as_str().unwrap()), None);
    assert!(is_problem(&last, 409), "{}", last.body);
}

#[test]
fn five_bad_links_lock_the_client_out_even_with_a_good_one() {
    let shop = Shop::shared();
    let client = ip(5);
    for i in 0..5 {
        let r = redeem(shop, &client, &format!("{i:064x}"));
        assert!(is_problem(&r, 401), "attempt {i}: {} {}", r.status, r.body);
    }
    let good = token_of(&owner_link(shop, "olive@shop.example.com"));
    let locked = redeem(shop, &client, &good);
    assert!(is_problem(&locked, 429) && locked.header("retry-after").is_some(), "{} {}", locked.status, locked.body);
    // Another client is not locked out, and the good link still works there.
    assert_eq!(redeem(shop, &ip(6), &good).status, 200);
}

#[test]
fn sign_out_ends_the_session() {
    let shop = Shop::shared();
    let r = redeem(shop, &ip(7), &token_of(&owner_link(shop, "olive@shop.example.com")));
    let me = Staff { cookie: cookie_of(&r), link: None };
    assert_eq!(as_staff(shop, &me, "GET", "/api/admin/orders", None).status, 200);
    let out = as_staff(shop, &me, "DELETE", "/api/admin/session", None);
    assert_eq!(out.status, 204);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(as_staff(shop, &me, "GET", "/api/admin/orders", None).status, 401, "the server forgot the session too");
}

fn audit_count(shop: &Shop, target: &str) -> Vec<String> {
    let log = as_staff(shop, owner(), "GET", &format!("/api/admin/audit?target={target}"), None).json();
    log["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

#[test]
fn orders_list_filters_search_export_and_one_audit_entry_per_action() {
    let shop = Shop::shared();
    let c = catalog();
    let pool = variants(&c, 5);
    let (n, _) = paid_order(shop, 20, &[(&pool[0].sku, 1)]);
    let me = owner();
    // Find it by number, by email, by status; a bad filter is a 400 problem.
    let by_number = as_staff(shop, me, "GET", &format!("/api/admin/orders?q={n}"), None).json();
    assert_eq!(by_number["orders"][0]["number"], n);
    let by_email = as_staff(shop, me, "GET", "/api/admin/orders?q=AOIFE20%40example", None).json();
    assert!(by_email["orders"].as_array().unwrap().iter().all(|o| o["email"] == "aoife20@example.ie") && by_email["total"] == 1, "{by_email}");
    // By a SKU on it, and by the town it goes to.
    let by_sku = as_staff(shop, me, "GET", &format!("/api/admin/orders?q={}", pool[0].sku.to_lowercase()), None).json();
    assert!(by_sku["orders"].as_array().unwrap().iter().any(|o| o["number"] == n), "{by_sku}");
    let by_town = as_staff(shop, me, "GET", "/api/admin/orders?q=galway", None).json();
    assert!(by_town["total"].as_u64().unwrap_or(0) >= 1, "{by_town}");
    let paid = as_staff(shop, me, "GET", "/api/admin/orders?status=paid&payment=online&sort=total_desc", None).json();
    assert!(paid["orders"].as_array().unwrap().iter().all(|o| o["status"] == "paid" && o["payment_method"] == "online"));
    // The day's packing in one list: cash on delivery confirmed and online paid, this one among them.
    let to_pack = as_staff(shop, me, "GET", &format!("/api/admin/orders?status=to_pack&q={n}"), None).json();
    assert_eq!(to_pack["total"], 1, "{to_pack}");
    let to_pack = as_staff(shop, me, "GET", "/api/admin/orders?status=to_pack&sort=oldest", None).json();
    assert!(to_pack["orders"].as_array().unwrap().iter().all(|o| o["status"] == "paid" || o["status"] == "confirmed"), "{to_pack}");
    let attention = as_staff(shop, me, "GET", "/api/admin/orders?status=needs_attention", None).json();
    assert!(
        attention["orders"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["attention"].as_str().is_some_and(|a| !a.is_empty()) || o["refund_due_minor"].as_i64() > Some(0)),
        "{attention}"
    );
    let wildcard = as_staff(shop, me, "GET", "/api/admin/orders?q=%25", None).json();
    assert_eq!(wildcard["total"], 0, "a % in the search is a character, not a wildcard: {wildcard}");
    for bad in ["status=lost", "from=yesterday", "sort=random", "page=0"] {
        assert!(is_problem(&as_staff(shop, me, "GET", &format!("/api/admin/orders?{bad}"), None), 400), "{bad}");
    }
    let today =
        &as_staff(shop, me, "GET", &format!("/api/admin/orders/{n}"), None).json()["order"]["history"][0]["at"].as_str().unwrap()[..10].to_string();
    let dated = as_staff(shop, me, "GET", &format!("/api/admin/orders?from={today}&to={today}&q={n}"), None).json();
    assert_eq!(dated["total"], 1, "{dated}");
    let export = as_staff(shop, me, "GET", &format!("/api/admin/orders/export?q={n}"), None);
    assert!(export.content_type.starts_with("text/csv"), "{}", export.content_type);
    let rows: Vec<&str> = export.body.lines().collect();
    // With a byte-order mark, so that Excel reads UTF-8, and the day in the file's name.
    assert_eq!(
        rows[0],
        "\u{feff}number,created_at,name,email,status,payment_method,items,subtotal,discount_code,discount,shipping,tax,tax_rate,total,refunded,net,refund_due_by_hand,currency,country,tracking"
    );
    assert_eq!(export.header("content-disposition").unwrap_or_default(), format!("attachment; filename=\"orders-{today}.csv\""));
    assert!(rows[1].starts_with(&format!("{n},")) && rows.len() == 2, "{}", export.body);
    // What a VAT return by country needs: the destination, the tax in the total and its rate
    // (Ireland's 23 % in the sample shop, whose prices include it).
    let total: i64 = pool[0].price.minor + c.shop.shipping.rate_for(Some("IE")).0.minor * i64::from(pool[0].price.minor < 5000);
    let tax = edgeshop_domain::Money::new((total * 2300 * 2 + 12_300) / (12_300 * 2), c.shop.currency).decimal();
    let cells: Vec<&str> = rows[1].split(',').collect();
    let money = |m: i64| edgeshop_domain::Money::new(m, c.shop.currency).decimal();
    assert_eq!((cells[11], cells[12], cells[18]), (tax.as_str(), "23", "IE"), "{}", export.body);
    // What it came to, and what is left of it after refunds (none yet).
    assert_eq!((cells[13], cells[14], cells[15]), (money(total).as_str(), money(0).as_str(), money(total).as_str()), "{}", export.body);

    // Each action: one audit entry, with who and before/after.
    let target = format!("order%3A{n}");
    assert!(audit_count(shop, &target).is_empty());
    assert_eq!(as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/notes"), Some(json!({ "text": "Gift wrap, please" }))).status, 201);
    assert_eq!(as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/fulfilment"), Some(json!({ "status": "packed" }))).status, 202);
    shop.wait_admin_order(n, "packed", |o| o["order"]["status"] == "packed");
    assert_eq!(audit_count(shop, &target), vec!["order.fulfil", "order.note"], "newest first, one per action");
    let o = as_staff(shop, me, "GET", &format!("/api/admin/orders/{n}"), None).json();
    assert_eq!(o["notes"][0]["text"], "Gift wrap, please");
    assert_eq!(o["audit"][0]["staff_email"], "olive@shop.example.com");
    assert!(
        o["audit"][0]["before_json"].as_str().unwrap().contains("paid") && o["audit"][0]["after_json"].as_str().unwrap().contains("packed"),
        "{o}"
    );
    // A refused action is not an action: shipping without tracking, and a step beyond the next
    // (the order's steps are taken one at a time).
    assert_eq!(as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/fulfilment"), Some(json!({ "status": "shipped" }))).status, 422);
    let skip = as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/fulfilment"), Some(json!({ "status": "delivered" })));
    assert_eq!(
        (skip.status, skip.json()["type"].as_str().unwrap_or_default()),
        (409, "https://edgeshop.dev/problems/cannot-fulfil"),
        "{}",
        skip.body
    );
    assert_eq!(audit_count(shop, &target).len(), 2);
}

#[test]
fn a_return_is_approved_received_restocked_and_refunded() {
    let shop = Shop::shared();
    let c = catalog();
    let pool = variants(&c, 5);
    let (a, b) = (&pool[1], &pool[2]);
    let (n, token) = paid_order(shop, 21, &[(&a.sku, 2), (&b.sku, 1)]);
    let me = owner();
    deliver(shop, me, n, "An Post", "CE123456789IE");
    let level = |sku: &str| as_staff(shop, me, "GET", &format!("/api/admin/stock/{sku}"), None).json()["available"].as_i64().unwrap();
    let before = level(&a.sku);
    let sold_before = as_staff(shop, me, "GET", &format!("/api/admin/stock/{}", a.sku), None).json()["sold"].as_i64().unwrap();
    // The shopper asks to return one of the two A's; a line that is not on the order is refused.
    let ask = |body: Value| shop.post_json(&format!("/api/orders/{n}/return?token={token}"), &[], &body.to_string());
    assert!(is_problem(&ask(json!({ "lines": [{ "sku": "NOPE", "quantity": 1 }] })), 422));
    assert!(is_problem(&ask(json!({ "lines": [{ "sku": a.sku, "quantity": 3 }] })), 422));
    assert_eq!(ask(json!({ "lines": [{ "sku": a.sku, "quantity": 1 }], "reason": "Too small" })).status, 202);
    assert_eq!(ask(json!({ "lines": [{ "sku": a.sku, "quantity": 1 }] })).status, 200, "asking twice opens one return");
    let other = ask(json!({ "lines": [{ "sku": b.sku, "quantity": 1 }] }));
    assert!(is_problem(&other, 409) && other.body.contains("is open"), "other lines while a return is open: {} {}", other.status, other.body);
    // The whole order is more than the return that is open: refused too, not answered as done.
    let whole = ask(json!({ "reason": "All of it" }));
    assert!(is_problem(&whole, 409) && whole.body.contains("is open"), "the whole order while a return is open: {} {}", whole.status, whole.body);
    let o = shop.wait_admin_order(n, "return requested", |o| o["order"]["status"] == "return_requested");
    assert_eq!(o["returns"].as_array().unwrap().len(), 1, "{o}");
    let id = o["returns"][0]["id"].as_i64().unwrap();
    assert_eq!(o["returns"][0]["reason"], "Too small");
    // Receiving before approving is refused; approve, then receive with A going back to stock.
    let step = |action: &str, body: Value| as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/returns/{id}/{action}"), Some(body));
    assert!(is_problem(&step("receive", json!({})), 409));
    assert_eq!(step("approve", json!({})).status, 202);
    assert!(is_problem(&step("approve", json!({})), 409), "approved once");
    assert_eq!(step("receive", json!({ "lines": [{ "sku": a.sku, "quantity": 1, "restock": true }] })).status, 202);
    // Part of the order came back: it is delivered again, with the rest still returnable.
    let refunds = |o: &Value| -> Vec<i64> {
        o["payments"].as_array().unwrap().iter().filter(|m| m["kind"] == "refund").map(|m| m["amount_minor"].as_i64().unwrap()).collect()
    };
    let o = shop.wait_admin_order(n, "part returned and refunded", |o| o["order"]["status"] == "delivered" && !refunds(o).is_empty());
    assert_eq!(refunds(&o), [a.price.minor], "one unit of A, at the price charged");
    assert_eq!(o["returns"][0]["status"], "received");
    // What the customer spent is net of it.
    let email = o["order"]["contact"]["email"].as_str().unwrap().to_string();
    let customer = as_staff(shop, me, "GET", &format!("/api/admin/customers/{}", email.replace('@', "%40")), None).json();
    let total = o["order"]["totals"]["total"]["minor"].as_i64().unwrap();
    assert_eq!(customer["customer"]["total_spent_minor"].as_i64(), Some(total - a.price.minor), "{customer}");
    // Each of their orders in full (read together, a batch of reads for up to 30 orders).
    let listed = customer["orders"].as_array().unwrap();
    let this = listed.iter().find(|x| x["number"] == n).unwrap_or_else(|| panic!("order {n} in {customer}"));
    assert!(!this["lines"].as_array().unwrap().is_empty() && !this["history"].as_array().unwrap().is_empty(), "{this}");
    assert!(listed.iter().all(|x| x["contact"]["email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(&email))), "{customer}");
    // The history says what came back, not a second delivery.
    let note = o["order"]["history"].as_array().unwrap().last().unwrap()["note"].as_str().unwrap_or_default().to_string();
    assert!(note.starts_with("Part of the order came back: 1 item, ") && note.ends_with(" refunded"), "{note}");
    assert_eq!(level(&a.sku), before + 1, "the returned unit is back in stock");
    let sold = as_staff(shop, me, "GET", &format!("/api/admin/stock/{}", a.sku), None).json()["sold"].as_i64().unwrap();
    assert_eq!(sold, sold_before - 1, "and sold no more");
    // The shopper sees the return's progress and got the messages.
    let mine = shop.get(&format!("/api/orders/{n}?token={token}")).json();
    assert_eq!(mine["returns"][0]["status"], "received");
    assert_eq!(mine["can_request_return"], true, "the rest can still be returned");
    // The order page and the invoice say what was refunded, and what that leaves paid.
    let page = shop.get(&format!("/orders/?number={n}&token={token}")).body;
    assert!(page.contains(r#"<dt>Refunded</dt><dd data-testid="refunded">−"#) && page.contains("Paid after refunds"), "{page}");
    let invoice = shop.get(&format!("/orders/invoice/?number={n}&token={token}")).body;
    assert!(invoice.contains(r#"data-testid="invoice-refunded">−"#) && invoice.contains("invoice-paid-after-refunds"), "{invoice}");
    let templates: Vec<String> = o["notifications"].as_array().unwrap().iter().map(|m| m["template"].as_str().unwrap().to_string()).collect();
    for t in ["return_requested", "return_approved", "return_received", "refund_issued"] {
        assert!(templates.iter().any(|x| x == t), "{t} in {templates:?}");
    }
    let actions = audit_count(shop, &format!("order%3A{n}"));
    assert_eq!(actions.iter().filter(|a| a.starts_with("return.")).count(), 2, "approve and receive: {actions:?}");

    // A second return takes what the first left: not the A that came back, and nothing named is
    // the rest; received as asked, it refunds what is left of the order, delivery included.
    assert!(is_problem(&ask(json!({ "lines": [{ "sku": a.sku, "quantity": 2 }] })), 422), "one A came back already");
    assert_eq!(ask(json!({ "reason": "Not for me" })).status, 202);
    let o = shop.wait_admin_order(n, "second return requested", |o| o["order"]["status"] == "return_requested");
    let second = o["returns"][1]["id"].as_i64().unwrap();
    let lines: Vec<(String, i64)> = o["returns"][1]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["sku"].as_str().unwrap().to_string(), l["quantity"].as_i64().unwrap()))
        .collect();
    assert_eq!(lines, [(a.sku.clone(), 1), (b.sku.clone(), 1)]);
    let step = |action: &str| as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/returns/{second}/{action}"), Some(json!({})));
    assert_eq!(step("approve").status, 202);
    assert_eq!(step("receive").status, 202);
    let o = shop.wait_admin_order(n, "all returned and refunded", |o| o["order"]["status"] == "returned" && refunds(o).len() == 2);
    assert_eq!(refunds(&o).iter().sum::<i64>(), o["order"]["totals"]["total"]["minor"].as_i64().unwrap(), "everything paid, back: {o}");
    assert!(is_problem(&ask(json!({})), 409), "nothing left to return");
    // Each return that came back was told to the shopper.
    let o = shop.wait_admin_order(n, "both returns told", |o| {
        o["notifications"].as_array().unwrap().iter().filter(|m| m["template"] == "return_received").count() == 2
    });
    assert_eq!(o["order"]["status"], "returned");
}

/// Cash on delivery has no payment to refund online: a return's refund is owed by hand until
/// staff record it made (how much, how), which takes the note away and shows on the order and the
/// invoice.
#[test]
fn a_refund_owed_by_hand_is_recorded_when_made() {
    let shop = Shop::shared();
    let c = catalog();
    let pool = variants(&c, 5);
    let (n, token) = cod_order(shop, 46, &[(&pool[9].sku, 1)]);
    let me = owner();
    deliver(shop, me, n, "DPD", "15501299");
    assert_eq!(shop.post_json(&format!("/api/orders/{n}/return?token={token}"), &[], "").status, 202);
    let o = shop.wait_admin_order(n, "return requested", |o| o["order"]["status"] == "return_requested");
    let id = o["returns"][0]["id"].as_i64().unwrap();
    let step = |action: &str| as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/returns/{id}/{action}"), Some(json!({})));
    assert_eq!(step("approve").status, 202);
    assert_eq!(step("receive").status, 202);
    let o = shop.wait_admin_order(n, "owed by hand", |o| o["refund_due_minor"].as_i64().unwrap_or(0) > 0);
    let due = o["refund_due_minor"].as_i64().unwrap();
    assert!(o["attention"].as_str().is_some_and(|a| a.contains("by hand")), "{o}");
    let by_hand = |body: Value| as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/refunds/by-hand"), Some(body));
    assert!(is_problem(&by_hand(json!({ "amount_minor": due + 1, "method": "cash" })), 422), "more than is owed");
    assert!(is_problem(&by_hand(json!({ "amount_minor": due, "method": "cheque" })), 422), "a way the shop does not know");
    let unknown = by_hand(json!({ "amount_minor": due, "method": "cash", "currency": "USD" }));
    assert!(
        is_problem(&unknown, 400) && unknown.body.contains("currency"),
        "a field the shop does not take is refused, not ignored: {}",
        unknown.body
    );
    let made = by_hand(json!({ "amount_minor": due, "method": "bank_transfer", "note": "IBAN ending 42" }));
    assert_eq!(made.status, 201, "{}", made.body);
    let o = as_staff(shop, me, "GET", &format!("/api/admin/orders/{n}"), None).json();
    assert_eq!(o["refund_due_minor"], 0, "{o}");
    assert!(o["attention"].as_str().is_none_or(|a| !a.contains("by hand")), "the note that asked for it is gone: {o}");
    let moves: Vec<(i64, String)> = o["payments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "refund")
        .map(|m| (m["amount_minor"].as_i64().unwrap(), m["provider"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(moves, [(due, "by_hand:bank_transfer".to_string())]);
    // The shopper hears it was settled, and how, with what that leaves paid.
    let buyer = o["order"]["contact"]["email"].as_str().unwrap().to_string();
    let mail = shop.wait_emails("the refund by hand", 1, |e| e.to.contains(&buyer) && e.text.contains("by bank transfer"));
    assert!(mail[0].subject.starts_with("Refund of ") && mail[0].text.contains("Paid after refunds: "), "{}", mail[0].text);
    assert!(mail[0].text.contains("Reason: IBAN ending 42"), "the reason given is told: {}", mail[0].text);
    assert!(is_problem(&by_hand(json!({ "amount_minor": 1, "method": "cash" })), 422), "nothing is owed any more");
    let invoice = shop.get(&format!("/orders/invoice/?number={n}&token={token}")).body;
    assert!(invoice.contains(r#"data-testid="invoice-refunded">−"#), "{invoice}");
    // The refund has its credit note, linked from the invoice, with the reason given.
    let link = invoice
        .split("href=\"/orders/credit-note/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a credit note link")
        .replace("&amp;", "&");
    let note = shop.get(&format!("/orders/credit-note/{link}"));
    assert_eq!(note.status, 200, "{}", note.body);
    assert!(note.body.contains(&format!("{n}-C1")) && note.body.contains("Refund: IBAN ending 42"), "{}", note.body);
    assert_eq!(shop.get(&format!("/orders/credit-note/?number={n}&token={token}&refund=not-a-refund")).status, 404);
    assert_eq!(shop.get(&format!("/orders/credit-note/{}", link.replace(&token, "0000"))).status, 404, "another order's token");
    // Erased, the customer's refund reason goes with the rest (it may name them: an account number).
    let erase = as_staff(shop, me, "POST", "/api/admin/customers/erase", Some(json!({ "email": buyer })));
    assert_eq!(erase.status, 200, "{}", erase.body);
    let reasons = d1_query(shop, &format!("SELECT reason FROM payments WHERE order_number = {n} AND reason IS NOT NULL"));
    assert_eq!(reasons.as_array().map(Vec::len), Some(0), "{reasons}");
    assert!(audit_count(shop, &format!("order%3A{n}")).iter().any(|a| a == "order.refund_by_hand"));
}

/// A delivered cash-on-delivery order was paid to the courier: a goodwill refund of part of it is
/// recorded by hand, and a return afterwards is owed no more than the cash left.
#[test]
fn cash_taken_on_delivery_can_be_refunded_by_hand() {
    let shop = Shop::shared();
    let c = catalog();
    let pool = variants(&c, 5);
    let (n, token) = cod_order(shop, 48, &[(&pool[12].sku, 1)]);
    let me = owner();
    let by_hand = |body: Value| as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/refunds/by-hand"), Some(body));
    assert!(is_problem(&by_hand(json!({ "amount_minor": 100, "method": "cash" })), 422), "not delivered: no cash taken yet");
    deliver(shop, me, n, "DPD", "15501348");
    let total = shop.admin_order(n)["order"]["totals"]["total"]["minor"].as_i64().unwrap();
    assert!(is_problem(&by_hand(json!({ "amount_minor": total + 1, "method": "cash" })), 422), "more than the courier took");
    let made = by_hand(json!({ "amount_minor": 500, "method": "voucher", "note": "torn sleeve" }));
    assert_eq!(made.status, 201, "{}", made.body);
    // The shopper sends it back after all: the return is owed the cash left, not the price again.
    assert_eq!(shop.post_json(&format!("/api/orders/{n}/return?token={token}"), &[], "").status, 202);
    let o = shop.wait_admin_order(n, "return requested", |o| o["order"]["status"] == "return_requested");
    let id = o["returns"][0]["id"].as_i64().unwrap();
    let step = |action: &str| as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/returns/{id}/{action}"), Some(json!({})));
    assert_eq!(step("approve").status, 202);
    assert_eq!(step("receive").status, 202);
    let o = shop.wait_admin_order(n, "owed by hand", |o| o["refund_due_minor"].as_i64().unwrap_or(0) > 0);
    assert_eq!(o["refund_due_minor"].as_i64(), Some(total - 500), "{o}");
    assert!(is_problem(&by_hand(json!({ "amount_minor": total - 499, "method": "cash" })), 422), "more than is left");
}

/// The cash a courier collected reaches the shop later: a delivered cash-on-delivery order is in
/// "cash due" until staff record it (once); less than the total flags the order.
#[test]
fn the_couriers_cash_is_recorded_once_when_it_arrives() {
    let shop = Shop::shared();
    let c = catalog();
    let pool = variants(&c, 5);
    let me = owner();
    let (n, _) = cod_order(shop, 68, &[(&pool[25].sku, 1)]);
    let cash = |n: u64, body: Value| as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/cash-received"), Some(body));
    let due = |n: u64| as_staff(shop, me, "GET", &format!("/api/admin/orders?status=cash_due&q={n}"), None).json()["total"].as_u64();
    shop.wait_admin_order(n, "confirmed", |o| o["order"]["status"] == "confirmed");
    let not_yet = cash(n, json!({ "amount_minor": 100 }));
    assert!(is_problem(&not_yet, 409) && not_yet.body.contains("when it is delivered"), "{}", not_yet.body);
    assert_eq!(due(n), Some(0), "not delivered: nothing collected yet");
    deliver(shop, me, n, "DPD", "15501368");
    assert_eq!(due(n), Some(1), "delivered: the courier owes its cash");
    let total = shop.admin_order(n)["order"]["totals"]["total"]["minor"].as_i64().unwrap();
    assert!(is_problem(&cash(n, json!({ "amount_minor": total + 1 })), 422), "more than was collected");
    assert!(is_problem(&cash(n, json!({ "amount_minor": 0 })), 422));
    assert!(is_problem(&cash(n, json!({ "amount_minor": total, "method": "cash" })), 400), "a field the shop does not take");
    let made = cash(n, json!({ "amount_minor": total - 100, "note": "courier kept €1 for a torn label" }));
    assert_eq!(made.status, 201, "{}", made.body);
    let o = shop.admin_order(n);
    assert_eq!(o["cash_received"]["amount_minor"].as_i64(), Some(total - 100), "{o}");
    assert!(o["attention"].as_str().is_some_and(|a| a.contains("short")), "short of the total: flagged {o}");
    assert_eq!(due(n), Some(0), "received: not due any more");
    let again = cash(n, json!({ "amount_minor": total }));
    assert!(is_problem(&again, 409) && again.body.contains("already-recorded"), "{}", again.body);
    let o = shop.admin_order(n);
    assert_eq!(o["attention"].as_str().map(|a| a.matches("short").count()), Some(1), "flagged once: {o}");
    assert!(audit_count(shop, &format!("order%3A{n}")).iter().filter(|a| *a == "order.cash_received").count() == 1);
    // An online order had no courier's cash.
    let (paid, _) = paid_order(shop, 69, &[(&pool[25].sku, 1)]);
    let online = cash(paid, json!({ "amount_minor": 100 }));
    assert!(is_problem(&online, 409) && online.body.contains("paid online"), "{}", online.body);
}

/// A parcel the carrier brings back (refused at the door, not collected) cancels its order: its
/// units go back on sale unless staff say they cannot, cash on delivery owes nothing, and an
/// online payment is refunded in full.
#[test]
fn a_parcel_back_undelivered_cancels_the_order() {
    let shop = Shop::shared();
    let c = catalog();
    let pool = variants(&c, 5);
    let (a, b) = (&pool[13], &pool[14]);
    let me = owner();
    let back = |n: u64, body: Value| as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/undelivered"), Some(body));
    let available = |sku: &str| as_staff(shop, me, "GET", &format!("/api/admin/stock/{sku}"), None).json()["available"].as_i64().unwrap();
    let ship = |n: u64| {
        for status in ["packed", "shipped"] {
            let body = json!({ "status": status, "carrier": "An Post", "tracking_number": "CE111222333IE" });
            assert_eq!(as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/fulfilment"), Some(body)).status, 202);
            shop.wait_admin_order(n, status, |o| o["order"]["status"] == status);
        }
    };
    let refunds = |o: &Value| -> i64 {
        o["payments"].as_array().unwrap().iter().filter(|m| m["kind"] == "refund").map(|m| m["amount_minor"].as_i64().unwrap()).sum()
    };
    // Cash on delivery, refused at the door.
    let (n, token) = cod_order(shop, 49, &[(&a.sku, 2)]);
    let early = back(n, json!({}));
    assert!(is_problem(&early, 409) && early.body.contains("cancel it instead"), "not shipped: {} {}", early.status, early.body);
    ship(n);
    assert!(is_problem(&back(n, json!({ "reason": "x", "refund": false })), 400), "an unknown field");
    let before = available(&a.sku);
    // Two staff at once, one saying the goods cannot be sold again: the first says what happens.
    let answers: Vec<Reply> = std::thread::scope(|s| {
        let asks =
            [json!({ "reason": "Refused at the door" }), json!({ "reason": "Damaged", "restock": false })].map(|b| s.spawn(move || back(n, b)));
        asks.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(statuses, [202, 409], "{:?}", answers.iter().map(|r| &r.body).collect::<Vec<_>>());
    // Whichever was first: its reason on the order, and its choice on the stock.
    let (why, restocked) = if answers[0].status == 202 { ("Refused at the door", 2) } else { ("Damaged", 0) };
    let o = shop.wait_admin_order(n, "cancelled", |o| o["order"]["status"] == "cancelled");
    let note = o["order"]["history"].as_array().unwrap().last().unwrap()["note"].as_str().unwrap_or_default().to_string();
    assert_eq!(note, format!("Returned to us undelivered: {why}"));
    assert_eq!((refunds(&o), o["refund_due_minor"].as_i64()), (0, Some(0)), "no cash was taken: nothing owed");
    assert_eq!(available(&a.sku), before + restocked, "back on sale as the first said");
    let buyer = o["order"]["contact"]["email"].as_str().unwrap().to_string();
    let mail = shop.wait_emails("the parcel back", 1, |e| e.to.contains(&buyer) && e.subject == format!("Order {n} came back to us"));
    assert!(mail[0].text.contains(&format!("undelivered ({why})")) && mail[0].text.contains("There is nothing to pay"), "{}", mail[0].text);
    assert_eq!(shop.get(&format!("/api/orders/{n}?token={token}")).json()["status"], "cancelled");
    let again = back(n, json!({}));
    assert!(is_problem(&again, 409), "once: {} {}", again.status, again.body);
    // Paid online and damaged on the way: refunded in full, and not put back on sale.
    let (m, _) = paid_order(shop, 52, &[(&b.sku, 1)]);
    ship(m);
    let before = available(&b.sku);
    assert_eq!(back(m, json!({ "reason": "Damaged in transit", "restock": false })).status, 202);
    let o = shop.wait_admin_order(m, "cancelled and refunded", |o| o["order"]["status"] == "cancelled" && refunds(o) > 0);
    assert_eq!(refunds(&o), o["order"]["totals"]["total"]["minor"].as_i64().unwrap(), "{o}");
    assert_eq!(available(&b.sku), before, "staff said it cannot be sold again");
    // One unit damaged on the way: the others go back on sale, that one stays out.
    let (k, _) = cod_order(shop, 49, &[(&a.sku, 3), (&b.sku, 1)]);
    ship(k);
    let (before_a, before_b) = (available(&a.sku), available(&b.sku));
    let too_many = back(k, json!({ "reason": "Refused", "keep_out": [{ "sku": a.sku, "quantity": 4 }] }));
    assert!(is_problem(&too_many, 422) && too_many.body.contains("3 of"), "more kept out than sent: {} {}", too_many.status, too_many.body);
    let kept = back(k, json!({ "reason": "Refused, one crushed", "keep_out": [{ "sku": a.sku, "quantity": 1 }] }));
    assert_eq!(kept.status, 202, "{}", kept.body);
    shop.wait_admin_order(k, "cancelled", |o| o["order"]["status"] == "cancelled");
    assert_eq!((available(&a.sku), available(&b.sku)), (before_a + 2, before_b + 1), "all but the crushed unit back on sale");
    // A delivered parcel comes back as a return, not this way.
    let (d, _) = cod_order(shop, 49, &[(&a.sku, 1)]);
    deliver(shop, me, d, "DPD", "15501349");
    let late = back(d, json!({}));
    assert!(is_problem(&late, 409) && late.body.contains("return"), "{}", late.body);
}

/// Staff cancel with a reason: the history and the shopper's message say it. A note for the
/// merchant is marked as dealt with (kept in the audit log), except one for money owed by hand.
#[test]
fn a_reason_to_cancel_is_told_and_a_note_is_dealt_with() {
    let shop = Shop::shared();
    let c = catalog();
    let pool = variants(&c, 5);
    let me = owner();
    let (n, _) = cod_order(shop, 53, &[(&pool[15].sku, 1)]);
    let cancel = as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/cancel"), Some(json!({ "reason": "The supplier cannot deliver" })));
    assert_eq!(cancel.status, 202, "{}", cancel.body);
    let o = shop.wait_admin_order(n, "cancelled", |o| o["order"]["status"] == "cancelled");
    let note = o["order"]["history"].as_array().unwrap().last().unwrap()["note"].as_str().unwrap_or_default().to_string();
    assert_eq!(note, "Cancelled by the shop: The supplier cannot deliver");
    let buyer = o["order"]["contact"]["email"].as_str().unwrap().to_string();
    let mail = shop.wait_emails("the cancellation", 1, |e| e.to.contains(&buyer) && e.subject == format!("Order {n} was cancelled"));
    assert!(mail[0].text.contains("We cancelled your order (The supplier cannot deliver). There is nothing to pay."), "{}", mail[0].text);
    // A note for the merchant: listed as needing attention until dealt with.
    d1_query(shop, &format!("UPDATE orders SET attention = 'a second payment came in and was refunded', version = version + 1 WHERE number = {n}"));
    let listed = |n: u64| {
        let list = as_staff(shop, me, "GET", "/api/admin/orders?status=needs_attention", None).json();
        list["orders"].as_array().unwrap().iter().any(|o| o["number"] == n)
    };
    assert!(listed(n));
    let clear = as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/attention/clear"), None);
    assert_eq!(clear.status, 202, "{}", clear.body);
    let o = as_staff(shop, me, "GET", &format!("/api/admin/orders/{n}"), None).json();
    assert!(o["attention"].is_null() && !listed(n), "{o}");
    assert!(o["audit"].as_array().unwrap().iter().any(|a| a["action"] == "order.attention_cleared"), "{o}");
    // Money owed by hand keeps its note: the refund recorded takes it away.
    d1_query(
        shop,
        &format!("UPDATE orders SET attention = 'refund €5.00 by hand', refund_due_minor = 500, version = version + 1 WHERE number = {n}"),
    );
    let owed = as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/attention/clear"), None);
    assert!(is_problem(&owed, 409) && owed.body.contains("owed by hand"), "{} {}", owed.status, owed.body);
    // The packing list starts from the oldest order.
    let to_pack = as_staff(shop, me, "GET", "/api/admin/orders?status=to_pack", None).json();
    let dates: Vec<&str> = to_pack["orders"].as_array().unwrap().iter().map(|o| o["created_at"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
}

/// A unit refunded by line is paid back once: when it comes back with a return, the return pays
/// for the other units only.
#[test]
fn a_unit_refunded_by_line_is_not_paid_again_by_a_return() {
    let shop = Shop::shared();
    let c = catalog();
    let pool = variants(&c, 5);
    let (a, b) = (&pool[10], &pool[11]);
    let (n, token) = paid_order(shop, 47, &[(&a.sku, 1), (&b.sku, 1)]);
    let me = owner();
    deliver(shop, me, n, "DPD", "15501300");
    let headers =
        [("cookie", me.cookie.as_str()), ("origin", shop.base.as_str()), ("sec-fetch-site", "same-origin"), ("idempotency-key", "line-a-47")];
    let body = json!({ "lines": [{ "sku": a.sku, "quantity": 1 }] }).to_string();
    let refund = shop.request("POST", &format!("/api/admin/orders/{n}/refunds"), &headers, Some(&body));
    assert_eq!(refund.status, 202, "{}", refund.body);
    shop.wait_admin_order(n, "A refunded", |o| o["payments"].as_array().is_some_and(|p| p.iter().any(|m| m["kind"] == "refund")));
    // The shopper's order says so per line, and A is no longer offered for a return.
    let mine = shop.get(&format!("/api/orders/{n}?token={token}")).json();
    let line = |o: &Value, sku: &str| o["lines"].as_array().unwrap().iter().find(|l| l["sku"] == sku).unwrap().clone();
    assert_eq!((line(&mine, &a.sku)["refunded"].as_u64(), line(&mine, &b.sku)["refunded"].as_u64()), (Some(1), None), "{mine}");
    assert_eq!(mine["can_request_return"], true, "B can still go back: {mine}");
    let again =
        shop.post_json(&format!("/api/orders/{n}/return?token={token}"), &[], &json!({ "lines": [{ "sku": a.sku, "quantity": 1 }] }).to_string());
    assert!(is_problem(&again, 422), "a refunded unit cannot be sent back for a refund: {} {}", again.status, again.body);
    let ask = shop.post_json(
        &format!("/api/orders/{n}/return?token={token}"),
        &[],
        &json!({ "lines": [{ "sku": b.sku, "quantity": 1 }], "reason": "Too big for my ears" }).to_string(),
    );
    assert_eq!(ask.status, 202, "{}", ask.body);
    let o = shop.wait_admin_order(n, "return requested", |o| o["order"]["status"] == "return_requested");
    // The merchant's alert names the unit asked for (not the whole order) and the shopper's reason.
    let b_line = o["order"]["lines"].as_array().unwrap().iter().find(|l| l["sku"] == b.sku).unwrap().clone();
    let b_name = edgeshop_domain::line_name(b_line["title"].as_str().unwrap(), b_line["variant_title"].as_str().unwrap());
    shop.wait_emails("the merchant's return alert", 1, |e| {
        e.subject == format!("Return requested for order {n}")
            && e.text.contains(&format!("asks to send back 1 × {b_name}."))
            && e.text.contains("Their reason: Too big for my ears")
    });
    let id = o["returns"][0]["id"].as_i64().unwrap();
    let step = |action: &str, body: Value| as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/returns/{id}/{action}"), Some(body));
    assert_eq!(step("approve", json!({})).status, 202);
    // Both came back in the parcel, A too.
    let lines = json!({ "lines": [{ "sku": a.sku, "quantity": 1, "restock": true }, { "sku": b.sku, "quantity": 1, "restock": true }] });
    assert_eq!(step("receive", lines).status, 202);
    let o = shop.wait_admin_order(n, "received", |o| o["returns"][0]["status"] == "received");
    let line_total =
        |sku: &str| o["order"]["lines"].as_array().unwrap().iter().find(|l| l["sku"] == sku).unwrap()["line_total"]["minor"].as_i64().unwrap();
    // Every unit is back: the order's total, less A, paid already.
    let total = o["order"]["totals"]["total"]["minor"].as_i64().unwrap();
    assert_eq!(o["returns"][0]["refund_minor"].as_i64(), Some(total - line_total(&a.sku)), "B alone is paid (and the delivery): {o}");
    let mine = shop.get(&format!("/api/orders/{n}?token={token}")).json();
    assert_eq!(line(&mine, &b.sku)["returned"].as_u64(), Some(1), "{mine}");
    assert_eq!(mine["can_request_return"], false, "nothing is left to send back: {mine}");
}

#[test]
fn a_rejected_return_leaves_the_order_delivered() {
    let shop = Shop::shared();
    let c = catalog();
    let pool = variants(&c, 5);
    let (n, token) = paid_order(shop, 22, &[(&pool[3].sku, 1)]);
    let me = owner();
    deliver(shop, me, n, "DPD", "15501234");
    assert_eq!(shop.post_json(&format!("/api/orders/{n}/return?token={token}"), &[], "").status, 202);
    let o = shop.wait_admin_order(n, "return requested", |o| o["order"]["status"] == "return_requested");
    let id = o["returns"][0]["id"].as_i64().unwrap();
    // Approved, and then refused (what came back was worn): an approved return can be closed.
    assert_eq!(as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/returns/{id}/approve"), Some(json!({}))).status, 202);
    let r = as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/returns/{id}/reject"), Some(json!({ "reason": "Worn outdoors" })));
    assert_eq!(r.status, 202, "{}", r.body);
    let o = shop.wait_admin_order(n, "delivered again", |o| o["order"]["status"] == "delivered" && o["returns"][0]["status"] == "rejected");
    assert!(o["order"]["history"].as_array().unwrap().iter().any(|h| h["note"].as_str().is_some_and(|t| t.contains("Worn outdoors"))));
    // The shopper is told why, once, in a sentence of its own (not an older note of the order).
    let buyer = o["order"]["contact"]["email"].as_str().unwrap().to_string();
    let mail = shop.wait_emails("the rejection", 1, |e| e.to.contains(&buyer) && e.subject == format!("About your return for order {n}"));
    assert!(mail[0].text.contains("We cannot accept this return: Worn outdoors"), "{}", mail[0].text);
}

#[test]
fn the_deploy_configuration_refuses_the_development_bearer_token() {
    let shop = Shop::start_with(&Shop::fresh_state_dir(), &[("EDGESHOP_DEV", "0")]);
    let r = shop.admin("GET", "/api/admin/orders", None);
    assert!(is_problem(&r, 401) && r.body.contains("development"), "{} {}", r.status, r.body);
    // The development shop takes it (scripts and tests use it there).
    assert_eq!(Shop::shared().admin("GET", "/api/admin/orders", None).status, 200);
}

#[test]
fn back_office_in_the_browser() {
    let shop = Shop::shared();
    let c = catalog();
    let pool = variants(&c, 5);
    let (ship, ship_token) = paid_order(shop, 30, &[(&pool[4].sku, 2)]);
    let (cancel, _) = paid_order(shop, 31, &[(&pool[5].sku, 1)]);
    let (refund, _) = paid_order(shop, 33, &[(&pool[8].sku, 1)]);
    // Two orders to pack, whatever the other tests have packed: the packing page leaves one out.
    cod_order(shop, 70, &[(&pool[40].sku, 1)]);
    cod_order(shop, 71, &[(&pool[41].sku, 1)]);
    let stock_sku = pool[6].sku.clone();
    let (owner, sam) = people();
    let owner_link = owner.link.clone().unwrap();
    // Sam was removed by another test maybe; a member of staff of their own for the browser.
    let invite = as_staff(shop, owner, "POST", "/api/admin/staff", Some(json!({ "email": "pat@shop.example.com", "name": "Pat", "role": "staff" })));
    assert!(invite.status == 201 || invite.status == 409, "{}", invite.body);
    let mail = shop.wait_emails("Pat's invitation", 1, |e| e.to.contains("pat@shop.example.com"));
    let pat_link = mail[0]
        .text
        .lines()
        .find_map(|l| l.split_whitespace().find(|w| w.contains("#token=")))
        .unwrap()
        .replace("https://shop.example.com", &shop.base);
    let _ = sam;
    // A SKU the ledger has sold out since the build: its page must stop offering it.
    let sold = pool[7].clone();
    let path_of = |sku: &str| edgeshop_domain::paths::product(&c.products.iter().find(|p| p.variants.iter().any(|v| v.sku == sku)).unwrap().slug);
    let (sold_path, stock_path) = (path_of(&sold.sku), path_of(&stock_sku));
    let zero = shop.admin("POST", &format!("/api/admin/stock/{}", sold.sku), Some(&json!({ "set": 0, "reason": "sold elsewhere" }).to_string()));
    assert_eq!(zero.status, 200, "{}", zero.body);
    shop.subscribe_confirmed("reader@example.ie", &ip(34), false);
    let (ship_s, cancel_s, refund_s) = (ship.to_string(), cancel.to_string(), refund.to_string());
    run_browser_test_with(
        "back-office.mjs",
        shop,
        &[
            ("OWNER_LINK", owner_link.as_str()),
            ("STAFF_LINK", pat_link.as_str()),
            ("SHIP_ORDER", ship_s.as_str()),
            ("SHIP_TOKEN", ship_token.as_str()),
            ("CANCEL_ORDER", cancel_s.as_str()),
            ("REFUND_ORDER", refund_s.as_str()),
            ("STOCK_SKU", stock_sku.as_str()),
            ("STOCK_PATH", stock_path.as_str()),
            ("SOLD_OUT_SKU", sold.sku.as_str()),
            ("SOLD_OUT_PATH", sold_path.as_str()),
        ],
    );
    // What the browser did, as the API sees it: the newsletter reached the subscriber.
    shop.wait_emails("the newsletter", 1, |e| e.to.contains("reader@example.ie") && e.subject == "Autumn at the shop");
    std::thread::sleep(std::time::Duration::from_secs(2));
    let refunds: Vec<_> = shop.admin_order(refund)["payments"].as_array().unwrap().iter().filter(|m| m["kind"] == "refund").cloned().collect();
    assert_eq!(refunds.len(), 1, "a double click refunded {refunds:?}");
    assert_eq!(refunds[0]["amount_minor"], 100);
    let o = shop.admin_order(ship);
    assert_eq!(o["order"]["status"], "delivered", "one unit of two came back: {o}");
    assert_eq!(o["returns"][0]["status"], "received", "{o}");
    assert!(o["order"]["history"].as_array().unwrap().iter().any(|h| h["tracking"]["number"] == "JD0142"));
    assert!(o["payments"].as_array().unwrap().iter().any(|m| m["kind"] == "refund"));
    let cancelled = wait_for("the cancelled order's refund", 30, || {
        let o = shop.admin_order(cancel);
        (o["order"]["status"] == "cancelled" && o["payments"].as_array().unwrap().iter().any(|m| m["kind"] == "refund")).then_some(o)
    });
    assert_eq!(cancelled["refund_due_minor"], 0);
    // The stock level set in the browser (1, then +2 by a double click) is what the cart allows
    // and what a checkout gets.
    let four = shop.post_json("/api/cart/lines", &[("cf-connecting-ip", &ip(40))], &json!({ "sku": stock_sku, "quantity": 4 }).to_string());
    assert!(is_problem(&four, 409) && four.body.contains("out-of-stock"), "4 units when 3 are left: {} {}", four.status, four.body);
    assert_eq!((four.json()["available"].as_i64(), four.json()["in_cart"].as_i64()), (Some(3), Some(0)), "{}", four.body);
    assert!(four.json()["detail"].as_str().unwrap().starts_with("Only 3 of "), "{}", four.body);
    // The product page's form without JavaScript: the reason, and the way back to the product.
    let client = ip(42);
    let headers = [("cf-connecting-ip", client.as_str()), ("origin", shop.base.as_str()), ("sec-fetch-site", "same-origin")];
    let page = shop.post_form("/cart/add", &headers, &[("sku", &stock_sku), ("quantity", "4")]);
    assert_eq!(page.status, 409, "{}", page.body);
    assert!(
        page.body.contains("Only 3 of ") && page.body.contains(&format!(r#"data-testid="back-to-product"><a href="{stock_path}">"#)),
        "{}",
        page.body
    );
    let add = |n: u32, quantity: u32| {
        let r = shop.post_json("/api/cart/lines", &[("cf-connecting-ip", &ip(n))], &json!({ "sku": stock_sku, "quantity": quantity }).to_string());
        assert_eq!(r.status, 201, "{}", r.body);
        r.header("x-cart-id").unwrap().to_string()
    };
    let cart = add(40, 3);
    // Another shopper buys one meanwhile: the cart holds 3 when 2 are left, and the checkout says so.
    let other = add(41, 1);
    let body = json!({
        "address": { "name": "Ciara Doyle", "line1": "3 Main Street", "city": "Kinsale", "postal_code": "P17 AB12", "country": "IE" },
        "contact": { "email": "ciara@example.ie" },
        "payment_method": "cash_on_delivery",
    });
    let first = shop.post_json(
        "/api/checkout",
        &[("cf-connecting-ip", &ip(41)), ("x-cart-id", &other), ("idempotency-key", "bo-stock-1")],
        &body.to_string(),
    );
    assert_eq!(first.status, 201, "{}", first.body);
    let r =
        shop.post_json("/api/checkout", &[("cf-connecting-ip", &ip(40)), ("x-cart-id", &cart), ("idempotency-key", "bo-stock-2")], &body.to_string());
    assert!(is_problem(&r, 409) && r.body.contains("out-of-stock"), "3 units when 2 are left: {} {}", r.status, r.body);
    // The cart page says so before the checkout is tried.
    let page = shop.request("GET", "/cart/", &[("cookie", &format!("edgeshop_cart={cart}"))], None);
    assert!(page.body.contains("Only 2 left now: lower the quantity to check out."), "{}", page.body);
    // The line may come down to what is left, not go up.
    let line = shop.request("GET", "/api/cart", &[("x-cart-id", &cart)], None).json()["lines"][0]["id"].as_str().unwrap().to_string();
    let set = |quantity: u32| {
        let client = ip(40);
        let headers = [("cf-connecting-ip", client.as_str()), ("x-cart-id", cart.as_str())];
        shop.request("PATCH", &format!("/api/cart/lines/{line}"), &headers, Some(&json!({ "quantity": quantity }).to_string()))
    };
    let up = set(4);
    assert!(is_problem(&up, 409) && up.json()["detail"].as_str().unwrap().contains("your cart has them all"), "{} {}", up.status, up.body);
    assert_eq!(set(2).status, 200, "down to what is left");
}

/// Builds `catalog` into `work/dist` with the site builder (as `cargo xtask build` does).
/// Copies the sample catalog, with `sku`'s `stock` set to `count`.
fn catalog_with_count(work: &std::path::Path, sku: &str, count: u32) -> std::path::PathBuf {
    let dir = work.join("catalog");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(work).unwrap();
    let copied = Command::new("cp").arg("-r").arg(root().join("catalog")).arg(&dir).status().expect("cp");
    assert!(copied.success());
    for entry in std::fs::read_dir(dir.join("products")).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let Some(at) = text.find(&format!("sku = \"{sku}\"")) else { continue };
        let stock = at + text[at..].find("stock = ").unwrap();
        let end = stock + text[stock..].find('\n').unwrap();
        std::fs::write(entry.path(), format!("{}stock = {count}{}", &text[..stock], &text[end..])).unwrap();
    }
    dir
}

/// The stock list shows the units sold to orders not shipped yet ("committed") in what is on the
/// shelf, so that a count of the shelf reads back as counted.
#[test]
fn the_stock_list_counts_units_committed_to_unshipped_orders() {
    let shop = Shop::shared();
    let c = catalog();
    let sku = variants(&c, 6)[9].sku.clone();
    paid_order(shop, 35, &[(&sku, 2)]);
    let row = || {
        let mut page = 1;
        loop {
            let list = shop.admin("GET", &format!("/api/admin/stock?page={page}"), None).json();
            if let Some(row) = list["stock"].as_array().unwrap().iter().find(|r| r["sku"] == sku.as_str()) {
                return row.clone();
            }
            assert!(page < list["pages"].as_u64().unwrap(), "{sku} is on no page of the stock list");
            page += 1;
        }
    };
    let n = |r: &Value, k: &str| r[k].as_i64().unwrap();
    let r = row();
    assert_eq!(n(&r, "committed"), 2, "{r}");
    assert_eq!(n(&r, "on_hand"), n(&r, "available") + n(&r, "reserved") + 2, "{r}");
    // Ten counted on the shelf: two of them are the paid order's, eight can be sold.
    let set = shop.admin("POST", &format!("/api/admin/stock/{sku}"), Some(&json!({ "set": 10, "reason": "cycle count" }).to_string()));
    assert_eq!(set.status, 200, "{}", set.body);
    let r = row();
    assert_eq!((n(&r, "on_hand"), n(&r, "committed"), n(&r, "available")), (10, 2, 8), "{r}");
}

/// The stock list finds a product, option or SKU by its words, in any case and without accents,
/// on every page of the list at once.
#[test]
fn the_stock_list_finds_a_product_option_or_sku() {
    let shop = Shop::shared();
    let c = catalog();
    let fold = |t: &str| t.to_lowercase().replace(['é', 'è'], "e").replace('ü', "u");
    let encode =
        |q: &str| q.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect::<String>();
    let find = |q: &str| {
        let list = shop.admin("GET", &format!("/api/admin/stock?q={}", encode(q)), None).json();
        assert!(list["search_more_from"].is_null(), "the sample shop's pages are searched at once: {list}");
        list["stock"].as_array().unwrap().clone()
    };
    // Every SKU of the catalog: by the words of its product's title (upper case) and its SKU in lower case.
    for v in variants(&c, 3).iter().step_by(7).take(4) {
        let product = c.products.iter().find(|p| p.variants.iter().any(|pv| pv.sku == v.sku)).unwrap();
        let words: Vec<&str> = product.title.split_whitespace().collect();
        let q = format!("{} {}", words[words.len() - 1].to_uppercase(), v.sku.to_lowercase());
        let rows = find(&q);
        assert_eq!(rows.len(), 1, "{q}: {rows:?}");
        assert_eq!(rows[0]["sku"], v.sku.as_str());
        // The title alone: this SKU and only rows whose product, option or SKU hold the word.
        let word = fold(words[0]);
        let rows = find(words[0]);
        assert!(rows.iter().any(|r| r["sku"] == v.sku.as_str()), "{}: {rows:?}", words[0]);
        for r in &rows {
            let text = fold(&format!("{} {} {}", r["product"].as_str().unwrap(), r["variant"].as_str().unwrap(), r["sku"].as_str().unwrap()));
            assert!(text.contains(&word), "{word} in {r}");
        }
    }
    assert!(find("zzqx nothing").is_empty());
}

#[test]
fn a_new_catalog_count_restocks_and_the_same_count_keeps_the_sales() {
    let c = catalog();
    let v = variants(&c, 6).into_iter().nth(12).unwrap();
    let work = root().join(format!("target/tmp/catalog-count-{}", std::process::id()));
    let state = Shop::fresh_state_dir();
    let levels = |shop: &Shop| {
        let l = shop.admin("GET", &format!("/api/admin/stock/{}", v.sku), None).json();
        (l["available"].as_i64().unwrap(), l["reserved"].as_i64().unwrap())
    };
    // On hand: available plus reserved (the order's two units, until the consumer commits them).
    let level = |shop: &Shop| levels(shop).0 + levels(shop).1;
    // Sell two at the published count.
    let same = build_site(&catalog_with_count(&work.join("a"), &v.sku, v.stock), &work.join("a"), false);
    {
        let shop = Shop::start_with_args(&state, &[], &["--assets", same.to_str().unwrap()]);
        let add = shop.post_json("/api/cart/lines", &[("cf-connecting-ip", &ip(50))], &json!({ "sku": v.sku, "quantity": 2 }).to_string());
        assert_eq!(add.status, 201, "{}", add.body);
        let cart = add.header("x-cart-id").unwrap().to_string();
        let body = json!({
            "address": { "name": "Róisín Kelly", "line1": "8 Bridge Street", "city": "Westport", "postal_code": "F28 X1Y2", "country": "IE" },
            "contact": { "email": "roisin@example.ie" },
            "payment_method": "cash_on_delivery",
        });
        let r = shop.post_json(
            "/api/checkout",
            &[("cf-connecting-ip", &ip(50)), ("x-cart-id", &cart), ("idempotency-key", "count-1")],
            &body.to_string(),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(levels(&shop).0, i64::from(v.stock) - 2);
    }
    // The same catalog count published again: the sales stay sold.
    {
        let shop = Shop::start_with_args(&state, &[], &["--assets", same.to_str().unwrap()]);
        assert_eq!(levels(&shop).0, i64::from(v.stock) - 2, "a rebuild must not undo sales");
        assert!(level(&shop) <= i64::from(v.stock));
    }
    // A new count in the catalog is the new number on hand (what is reserved stays reserved).
    let recounted = build_site(&catalog_with_count(&work.join("b"), &v.sku, v.stock + 40), &work.join("b"), false);
    let shop = Shop::start_with_args(&state, &[], &["--assets", recounted.to_str().unwrap()]);
    let (available, reserved) = levels(&shop);
    assert_eq!((available + reserved, available), (i64::from(v.stock) + 40, i64::from(v.stock) + 40 - reserved), "restocked through the catalog");
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn pages_and_the_feed_learn_what_sold_out_from_the_ledger() {
    let shop = Shop::shared();
    let c = catalog();
    let v = variants(&c, 6).into_iter().nth(14).unwrap();
    let asked = |sku: &str| shop.get(&format!("/api/availability?sku={sku}&sku=NOT-A-SKU")).json()["sold_out"].clone();
    let in_feed = |sku: &str| {
        let feed = shop.get("/feed.xml");
        assert!(feed.content_type.contains("xml"), "{}", feed.content_type);
        let item = feed.body.split("<item>").find(|i| i.contains(&format!("<g:id>{sku}</g:id>"))).expect("the SKU is in the feed").to_string();
        item.contains("<g:availability>in_stock</g:availability>")
    };
    assert_eq!(asked(&v.sku), json!([]));
    assert!(in_feed(&v.sku));
    // Sold out in the ledger (a count of 0): the product page's question and the feed say so.
    let zero =
        shop.admin("POST", &format!("/api/admin/stock/{}", v.sku), Some(&json!({ "set": 0, "reason": "damaged in the warehouse" }).to_string()));
    assert_eq!(zero.status, 200, "{}", zero.body);
    assert_eq!(asked(&v.sku), json!([v.sku]));
    assert!(!in_feed(&v.sku), "the feed must not promise a sold-out SKU");
    // Back in stock: promised again.
    let extreme = json!({ "add": i64::MIN, "reason": "typo" }).to_string();
    assert_eq!(shop.admin("POST", &format!("/api/admin/stock/{}", v.sku), Some(&extreme)).status, 422, "a delta beyond a million is refused");
    assert_eq!(shop.admin("POST", &format!("/api/admin/stock/{}", v.sku), Some(&json!({ "add": 3, "reason": "delivery" }).to_string())).status, 200);
    assert_eq!(asked(&v.sku), json!([]));
    assert!(in_feed(&v.sku));
    // Three units: the product page may say how few are left.
    let now = shop.get(&format!("/api/availability?sku={}", v.sku)).json();
    assert_eq!(now["few_left"], json!([{ "sku": v.sku, "left": 3 }]), "{now}");
    // The SKU's counts and changes by staff read back with their reasons, the latest first.
    let level = shop.admin("GET", &format!("/api/admin/stock/{}", v.sku), None).json();
    let moves: Vec<(Option<i64>, &str)> =
        level["history"].as_array().unwrap().iter().map(|m| (m["after"].as_i64(), m["reason"].as_str().unwrap_or_default())).collect();
    assert_eq!(moves, [(Some(3), "delivery"), (Some(0), "damaged in the warehouse")], "{level}");
    assert_eq!(level["history"][0]["before"], 0, "{level}");
    assert!(is_problem(&shop.get("/api/availability"), 400));
}

/// The day's packing in one list: the orders to pack, oldest first, each as its slip (cash on
/// delivery says what to collect), what to pick for all of them, and all marked packed at once
/// (what cannot be packed is said, and does not stop the rest). A shop of its own: the list is
/// the whole shop's.
#[test]
fn the_days_packing_in_one_list_and_marked_packed_at_once() {
    let shop = Shop::start_with(&Shop::fresh_state_dir(), &[]);
    let c = catalog();
    let pool = variants(&c, 5);
    let (a, b) = (&pool[1], &pool[2]);
    let (first, _) = cod_order(&shop, 64, &[(&a.sku, 2), (&b.sku, 1)]);
    let (second, _) = cod_order(&shop, 65, &[(&a.sku, 1)]);
    for n in [first, second] {
        shop.wait_admin_order(n, "confirmed", |o| o["order"]["status"] == "confirmed");
    }
    let (paid, _) = paid_order(&shop, 66, &[(&b.sku, 1)]);
    let unpaid = place(&shop, 67, &[(&a.sku, 1)], "online")["order_number"].as_u64().unwrap();
    let list = shop.admin("GET", "/api/admin/packing", None);
    assert_eq!(list.status, 200, "{}", list.body);
    let list = list.json();
    let numbers: Vec<u64> = list["slips"].as_array().unwrap().iter().map(|s| s["number"].as_u64().unwrap()).collect();
    assert_eq!((numbers, list["total"].as_u64()), (vec![first, second, paid], Some(3)), "oldest first, not the unpaid one: {list}");
    let pick = |sku: &str| list["picks"].as_array().unwrap().iter().find(|p| p["sku"] == sku).cloned().unwrap_or(Value::Null);
    assert_eq!((pick(&a.sku)["units"].as_u64(), pick(&a.sku)["orders"].as_u64()), (Some(3), Some(2)), "{list}");
    assert_eq!((pick(&b.sku)["units"].as_u64(), pick(&b.sku)["orders"].as_u64()), (Some(2), Some(2)), "{list}");
    assert!(list["slips"][0]["collect"].as_str().is_some_and(|c| !c.is_empty()), "cash on delivery: what to collect: {list}");
    assert!(list["slips"][2]["collect"].is_null(), "paid online: nothing to collect: {list}");
    assert_eq!(list["slips"][0]["address"]["city"], "Galway");
    // All at once; an unpaid order and one that does not exist are refused, each saying why.
    let body = json!({ "numbers": [paid, first, second, unpaid, 999_999, first] }).to_string();
    let r = shop.admin("POST", "/api/admin/packing/packed", Some(&body));
    assert_eq!(r.status, 200, "{}", r.body);
    let r = r.json();
    assert_eq!(r["accepted"], json!([first, second, paid]), "{r}");
    let refused: Vec<u64> = r["refused"].as_array().unwrap().iter().map(|x| x["number"].as_u64().unwrap()).collect();
    assert_eq!(refused, [unpaid, 999_999], "{r}");
    assert!(r["refused"][0]["detail"].as_str().is_some_and(|d| d.contains("awaiting_payment")), "{r}");
    for n in [first, second, paid] {
        shop.wait_admin_order(n, "packed", |o| o["order"]["status"] == "packed");
    }
    let after = shop.admin("GET", "/api/admin/packing", None).json();
    assert_eq!((after["slips"].as_array().map(Vec::len), after["total"].as_u64()), (Some(0), Some(0)), "{after}");
    for (bad, status) in [
        (json!({ "numbers": [] }), 422),
        (json!({ "numbers": (1..=11).collect::<Vec<u64>>() }), 422),
        (json!({ "numbers": [first], "status": "shipped" }), 400),
    ] {
        assert!(is_problem(&shop.admin("POST", "/api/admin/packing/packed", Some(&bad.to_string())), status), "{bad}");
    }
}

/// Staff find people as they type them, without the marks: "muller" finds Müller, in orders
/// (name, address) and customers alike, and a capital with a mark is the same letter.
#[test]
fn staff_search_ignores_accents_and_case() {
    let shop = Shop::shared();
    let c = catalog();
    let pool = variants(&c, 5);
    let cart = shop.fill_cart(&ip(62), &[(&pool[1].sku, 1)]);
    let body = json!({
        "address": { "name": "Zoë Müller-Lefèvre", "line1": "Straße des 17. Juni 8", "city": "İstanbul", "postal_code": "34000", "country": "IE" },
        "contact": { "email": "zoe.ml@example.ie" },
        "payment_method": "cash_on_delivery",
    });
    let r =
        shop.post_json("/api/checkout", &[("cf-connecting-ip", &ip(62)), ("x-cart-id", &cart), ("idempotency-key", "accents-1")], &body.to_string());
    assert_eq!(r.status, 201, "{}", r.body);
    let n = r.json()["order_number"].as_u64().unwrap();
    shop.wait_admin_order(n, "confirmed", |o| o["order"]["status"] == "confirmed");
    let me = owner();
    for q in ["muller", "MULLER-LEFEVRE", "lef%C3%A8vre", "M%C3%9CLLER", "zoe", "strasse", "istanbul", "%C4%B0STANBUL"] {
        let found = as_staff(shop, me, "GET", &format!("/api/admin/orders?q={q}"), None).json();
        assert!(found["orders"].as_array().unwrap().iter().any(|o| o["number"] == n), "orders ?q={q}: {found}");
    }
    for q in ["muller", "Z%C3%96E", "zoe.ml"] {
        let found = as_staff(shop, me, "GET", &format!("/api/admin/customers?q={q}"), None).json();
        assert!(found["customers"].as_array().unwrap().iter().any(|c| c["email"] == "zoe.ml@example.ie"), "customers ?q={q}: {found}");
    }
    // Folding does not make everything match: a letter that differs still differs.
    let none = as_staff(shop, me, "GET", "/api/admin/customers?q=miller-lefevre", None).json();
    assert_eq!(none["total"], 0, "{none}");
}

/// What staff type is answered, never failed: a search or a customer's address longer than the
/// database's LIKE patterns allow (50 bytes), a removal of more units than there are, a note with
/// terminal escapes.
#[test]
fn staff_input_past_the_usual_is_answered_or_refused_not_failed() {
    let shop = Shop::shared();
    let c = catalog();
    let me = owner();
    let v = variants(&c, 3).into_iter().nth(16).unwrap();
    // An order from an address of 70 characters: found by it, and the customer's page opens.
    let email = format!("{}@example.ie", "long.address.of.a.customer".repeat(2)).to_lowercase();
    let cart = shop.fill_cart(&ip(61), &[(&v.sku, 1)]);
    let body = json!({
        "address": { "name": "Long Address", "line1": "1 Road", "city": "Cork", "postal_code": "T12", "country": "IE" },
        "contact": { "email": email }, "payment_method": "cash_on_delivery",
    });
    let r = shop.post_json(
        "/api/checkout",
        &[("cf-connecting-ip", &ip(61)), ("x-cart-id", &cart), ("idempotency-key", "bo-long-email")],
        &body.to_string(),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let n = r.json()["order_number"].as_u64().unwrap();
    let found = as_staff(shop, me, "GET", &format!("/api/admin/orders?q={}", email.replace('@', "%40")), None);
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.json()["orders"][0]["number"], n);
    let customer = as_staff(shop, me, "GET", &format!("/api/admin/customers/{}", email.replace('@', "%40")), None);
    assert_eq!(customer.status, 200, "{}", customer.body);
    assert_eq!(customer.json()["orders"][0]["number"], n);
    // Up to the last day there is (SQLite has no day after it).
    let until = as_staff(shop, me, "GET", &format!("/api/admin/orders?q={}&to=9999-12-31", email.replace('@', "%40")), None);
    assert_eq!(until.json()["orders"][0]["number"], n, "{}", until.body);
    for path in ["/api/admin/orders?q=", "/api/admin/customers?q=", "/api/admin/orders/export?q="] {
        let r = as_staff(shop, me, "GET", &format!("{path}{}", "%25".repeat(60)), None);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
    }

    // Taking away more than is available is refused, and changes nothing.
    let level = || as_staff(shop, me, "GET", &format!("/api/admin/stock/{}", v.sku), None).json()["available"].as_i64().unwrap();
    let before = level();
    let r = as_staff(shop, me, "POST", &format!("/api/admin/stock/{}", v.sku), Some(json!({ "add": -(before + 1000), "reason": "count" })));
    assert!(is_problem(&r, 422), "{} {}", r.status, r.body);
    assert_eq!(level(), before);
    let r = as_staff(shop, me, "POST", &format!("/api/admin/stock/{}", v.sku), Some(json!({ "add": -before, "reason": "count" })));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(level(), 0);
    // Nor past the highest level a count may set; and a reason is one line.
    let change = |body: Value| as_staff(shop, me, "POST", &format!("/api/admin/stock/{}", v.sku), Some(body));
    let counted = change(json!({ "set": 1_000_000, "reason": "count" }));
    assert_eq!(counted.status, 200, "{}", counted.body);
    // A count is of the shelf, where the units held for orders not shipped yet still are: what
    // is available is the count less those.
    let unshipped = edgeshop_e2e::d1_query(
        shop,
        &format!(
            "SELECT coalesce(sum(l.quantity), 0) AS n FROM order_lines l JOIN orders o ON o.number = l.order_number
             WHERE l.sku = '{}' AND o.status IN ('confirmed', 'paid', 'packed')",
            v.sku
        ),
    )[0]["n"]
        .as_i64()
        .unwrap();
    let top = level();
    assert_eq!(top, 1_000_000 - counted.json()["after"]["reserved"].as_i64().unwrap() - unshipped, "{}", counted.body);
    let r = change(json!({ "add": 1_000_000 - top + 1, "reason": "delivery" }));
    assert!(is_problem(&r, 422) && r.body.contains(&format!("at most {} can be added", 1_000_000 - top)), "{} {}", r.status, r.body);
    assert_eq!(level(), top);
    // One line that shows: no controls, direction overrides or separators, not only invisible marks.
    for reason in ["a\u{0}b", "a\u{202E}b", "\u{200B}", "one\u{2028}two"] {
        assert!(is_problem(&change(json!({ "set": 0, "reason": reason })), 422), "{reason:?}");
    }
    assert_eq!(change(json!({ "set": 0, "reason": "count" })).status, 200);

    // A note is text: line breaks yes, escapes and NUL no.
    let note = |text: &str| as_staff(shop, me, "POST", &format!("/api/admin/orders/{n}/notes"), Some(json!({ "text": text }))).status;
    assert_eq!(note("\u{1b}[31mred\u{7}"), 422);
    assert_eq!(note("nul\u{0}"), 422);
    assert_eq!(note("two\nlines"), 201);
}
