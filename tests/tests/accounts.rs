//! Shoppers' accounts under wrangler dev: a one-time link emailed to the address they order with
//! signs them in, and the account lists that address's orders (pages without JavaScript and the
//! JSON API); the answer to "email me a link" does not tell who has ordered; links work once and
//! bad ones lock the client out; signing out and erasing the customer end the session; and a
//! shopper does all of it in Chromium with JavaScript off.

use edgeshop_e2e::{client_ip, sample_catalog as catalog, stocked_variants as variants, Reply, Shop};
use serde_json::json;

fn ip(n: u32) -> String {
    client_ip(12, n)
}

/// Places a cash-on-delivery order of one `sku` for `email`: its number.
fn order_for(shop: &Shop, n: u32, email: &str, sku: &str) -> u64 {
    let cart = shop.fill_cart(&ip(n), &[(sku, 1)]);
    let body = json!({
        "address": { "name": "Nora Quinn", "line1": "3 Mill Lane", "city": "Kilkenny", "postal_code": "R95 F2X4", "country": "IE" },
        "contact": { "email": email },
        "payment_method": "cash_on_delivery",
    });
    let key = format!("acct-{n}");
    let r = shop.post_json("/api/checkout", &[("cf-connecting-ip", &ip(n)), ("x-cart-id", &cart), ("idempotency-key", &key)], &body.to_string());
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["order_number"].as_u64().unwrap()
}

/// Asks for a link for `email` through the API, from client `n`.
fn ask(shop: &Shop, n: u32, email: &str) -> Reply {
    shop.post_json("/api/account/sign-in", &[("cf-connecting-ip", &ip(n))], &json!({ "email": email }).to_string())
}

/// The newest sign-in link emailed to `to` once there are `count` of them.
fn link_for(shop: &Shop, to: &str, count: usize) -> String {
    let mails = shop.wait_emails("a sign-in link", count, |e| e.to.contains(to) && e.subject.starts_with("Sign in"));
    let text = &mails.last().unwrap().text;
    text.split_whitespace().find(|w| w.contains("/account/sign-in/?token=")).expect("a link in the email").to_string()
}

fn token_of(link: &str) -> String {
    link.rsplit("token=").next().unwrap().to_string()
}

/// Signs in with `token` from the sign-in page's form: the reply and the session cookie.
fn sign_in(shop: &Shop, n: u32, token: &str) -> (Reply, Option<String>) {
    let headers = [("cf-connecting-ip", ip(n)), ("origin", shop.base.clone()), ("sec-fetch-site", "same-origin".into())];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = shop.post_form("/account/session", &headers, &[("token", token)]);
    let cookie = r.header("set-cookie").map(|c| c.split(';').next().unwrap().to_string());
    (r, cookie)
}

fn as_shopper(shop: &Shop, cookie: &str, method: &str, path: &str) -> Reply {
    shop.request(method, path, &[("cookie", cookie), ("origin", &shop.base), ("sec-fetch-site", "same-origin")], None)
}

fn is_problem(r: &Reply, status: u16) -> bool {
    r.status == status && r.content_type.starts_with("application/problem+json")
}

/// A page's refusal: the account page with the reason, as a browser shows it.
fn is_refused_page(r: &Reply, status: u16) -> bool {
    r.status == status && r.content_type.starts_with("text/html") && r.body.contains(r#"role="alert""#)
}

#[test]
fn a_shopper_signs_in_by_emailed_link_and_sees_only_their_orders() {
    let shop = Shop::shared();
    let skus = variants(&catalog(), 4);
    let first = order_for(shop, 1, "nora@example.ie", &skus[0].sku);
    let second = order_for(shop, 2, "Nora@Example.ie", &skus[1].sku);
    let other = order_for(shop, 3, "someone-else@example.ie", &skus[2].sku);

    // The same answer for an address that never ordered, and only the customer gets mail.
    let stranger = ask(shop, 10, "never-ordered@example.ie");
    let nora = ask(shop, 10, "NORA@example.ie");
    assert_eq!((stranger.status, nora.status), (202, 202), "{} {}", stranger.body, nora.body);
    assert_eq!(stranger.body, nora.body, "the answer must not tell who has ordered here");
    let link = link_for(shop, "nora@example.ie", 1);
    assert!(link.starts_with("https://shop.example.com/account/sign-in/?token="), "links point at the shop's own address: {link}");
    assert!(shop.emails().iter().all(|e| !e.to.contains("never-ordered@")), "no mail to an address without orders");

    // The link's page only shows a button: a mail scanner opening it does not use it up.
    let token = token_of(&link);
    for _ in 0..2 {
        let page = shop.get(&format!("/account/sign-in/?token={token}"));
        assert_eq!(page.status, 200);
        assert!(page.body.contains(&format!("name=\"token\" value=\"{token}\"")), "{}", page.body);
        assert!(page.body.contains("Sign in as <strong data-testid=\"account-email\">nora@example.ie</strong>"), "the page names the address");
    }
    // Only the shop's own page may sign a visitor in (no login CSRF).
    let cross = shop.post_form("/account/session", &[("cf-connecting-ip", &ip(11)), ("sec-fetch-site", "cross-site")], &[("token", &token)]);
    assert!(is_refused_page(&cross, 403), "{} {}", cross.status, cross.body);

    let (r, cookie) = sign_in(shop, 11, &token);
    let used_at = std::time::Instant::now();
    assert_eq!((r.status, r.header("location")), (303, Some("/account/")), "{}", r.body);
    let cookie = cookie.expect("a session cookie");
    // A double click sends the form twice and the browser keeps the second answer: it signs in too.
    let (twice, second_cookie) = sign_in(shop, 11, &token);
    assert_eq!(twice.status, 303, "{}", twice.body);
    assert!(second_cookie.is_some_and(|c| c != cookie));
    // Only for the client that used it: anyone else holding the link gets no session.
    let (elsewhere, no_cookie) = sign_in(shop, 12, &token);
    assert!(elsewhere.status != 303 && no_cookie.is_none(), "another client within the grace: {} {}", elsewhere.status, elsewhere.body);
    let set = r.header("set-cookie").unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");

    let page = as_shopper(shop, &cookie, "GET", "/account/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("nora@example.ie"), "{}", page.body);
    for n in [first, second] {
        assert!(page.body.contains(&format!("/orders/?number={n}&amp;token=")), "order {n} is not listed: {}", page.body);
    }
    assert!(!page.body.contains(&format!("number={other}&")), "another customer's order is listed");
    assert_eq!(page.header("cache-control"), Some("no-store"));

    let account = as_shopper(shop, &cookie, "GET", "/api/account").json();
    assert_eq!(account["email"], "nora@example.ie");
    assert_eq!(account["total_orders"], 2);
    let orders = account["orders"].as_array().unwrap();
    assert_eq!(orders.iter().map(|o| o["number"].as_u64().unwrap()).collect::<Vec<_>>(), vec![second, first], "newest first");
    assert_eq!(orders[0]["status"], "confirmed");
    assert_eq!(orders[0]["items"], 1);
    // Each order's address opens its page.
    let url = orders[0]["url"].as_str().unwrap();
    let order_page = shop.get(url);
    assert_eq!(order_page.status, 200);
    assert!(order_page.body.contains(&format!("data-testid=\"order-number\">{second}<")), "{}", order_page.body);

    // The checkout starts from the address the link proved, and from nothing an order says:
    // anyone may place an order with any email.
    let form = shop.checkout_form(&ip(11), Some(&cookie));
    assert!(form.body.contains(r#"value="nora@example.ie""#) && !form.body.contains("3 Mill Lane"), "{}", form.body);
    assert!(!shop.checkout_form(&ip(12), None).body.contains("nora@example.ie"));
    // Order emails lead to the account too.
    let mails = shop.wait_emails("Nora's order emails", 1, |e| e.to.contains("nora@example.ie") && e.subject.contains(&first.to_string()));
    assert!(mails[0].text.contains("All your orders: https://shop.example.com/account/"), "{}", mails[0].text);

    // A link works once (past the moment of a double click).
    std::thread::sleep(std::time::Duration::from_millis(5_500).saturating_sub(used_at.elapsed()));
    let (again, none) = sign_in(shop, 12, &token);
    assert_eq!(again.status, 401, "{}", again.body);
    assert!(none.is_none() && again.body.contains("unknown, used or expired"), "{}", again.body);

    // Signing out ends the session on the server, not only the cookie.
    let out = shop.post_form("/account/sign-out", &[("cookie", &cookie), ("origin", &shop.base), ("sec-fetch-site", "same-origin")], &[]);
    assert_eq!((out.status, out.header("location")), (303, Some("/account/")));
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert!(is_problem(&as_shopper(shop, &cookie, "GET", "/api/account"), 401));
    let signed_out = as_shopper(shop, &cookie, "GET", "/account/");
    assert!(signed_out.body.contains("action=\"/account/sign-in\"") && !signed_out.body.contains("account-orders"), "{}", signed_out.body);

    // A link someone else sent does not switch accounts unnoticed: its page says who is signed
    // in here, and using it ends that session.
    assert_eq!(ask(shop, 13, "nora@example.ie").status, 202);
    let (_, nora) = sign_in(shop, 13, &token_of(&link_for(shop, "nora@example.ie", 2)));
    let nora = nora.unwrap();
    assert_eq!(ask(shop, 14, "someone-else@example.ie").status, 202);
    let theirs = token_of(&link_for(shop, "someone-else@example.ie", 1));
    let page = as_shopper(shop, &nora, "GET", &format!("/account/sign-in/?token={theirs}"));
    assert!(page.body.contains("You are signed in as nora@example.ie here") && page.body.contains("someone-else@example.ie"), "{}", page.body);
    let headers = [("cookie", nora.as_str()), ("origin", shop.base.as_str()), ("sec-fetch-site", "same-origin")];
    assert_eq!(shop.post_form("/account/session", &headers, &[("token", &theirs)]).status, 303);
    assert!(is_problem(&as_shopper(shop, &nora, "GET", "/api/account"), 401), "the replaced session still works");
    // A used link's page says so, and offers the form.
    let used = shop.get(&format!("/account/sign-in/?token={theirs}"));
    assert_eq!(used.status, 404);
    assert!(used.body.contains("unknown, used or expired") && used.body.contains("action=\"/account/sign-in\""), "{}", used.body);
}

#[test]
fn refusals_lockout_and_erasure() {
    let shop = Shop::shared();
    // A malformed address: the form again with the reason and what was typed.
    let r = shop.post_form("/account/sign-in", &[("cf-connecting-ip", &ip(20)), ("sec-fetch-site", "same-origin")], &[("email", "nora at example")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\"") && r.body.contains("value=\"nora at example\""), "{}", r.body);
    assert!(is_problem(&ask(shop, 20, "<script>@x"), 422));
    // Posted from another site: refused.
    let cross = shop.post_form("/account/sign-in", &[("cf-connecting-ip", &ip(20)), ("sec-fetch-site", "cross-site")], &[("email", "a@b.ie")]);
    assert!(is_refused_page(&cross, 403), "{} {}", cross.status, cross.body);
    // An Origin naming this host under another scheme is another site.
    let other_scheme = shop.base.replacen("http://", "https://", 1);
    let r = shop.post_form("/account/session", &[("cf-connecting-ip", &ip(20)), ("origin", &other_scheme)], &[("token", &"a".repeat(64))]);
    assert!(is_refused_page(&r, 403), "{} {}", r.status, r.body);
    // The API without a session.
    assert!(is_problem(&shop.get("/api/account"), 401));

    // Someone asking for one address's links again and again runs out of them where they are;
    // the shopper, elsewhere, still gets one.
    for _ in 0..3 {
        assert_eq!(ask(shop, 21, "flooded@example.ie").status, 202);
    }
    let flood = ask(shop, 21, "flooded@example.ie");
    assert!(is_problem(&flood, 429) && flood.header("retry-after").is_some(), "{} {}", flood.status, flood.body);
    assert_eq!(ask(shop, 22, "flooded@example.ie").status, 202);
    // Whoever asks, one inbox gets at most ten links an hour.
    for n in 40..46 {
        assert_eq!(ask(shop, n, "flooded@example.ie").status, 202, "client {n}");
    }
    assert!(is_problem(&ask(shop, 46, "flooded@example.ie"), 429), "an inbox flooded from many clients");

    // Five links that do not work lock the client out, valid ones included.
    let sku = &variants(&catalog(), 4)[3].sku;
    order_for(shop, 23, "erin@example.ie", sku);
    assert_eq!(ask(shop, 23, "erin@example.ie").status, 202);
    let good = token_of(&link_for(shop, "erin@example.ie", 1));
    for i in 0..5 {
        let (r, _) = sign_in(shop, 24, &format!("{i:064x}"));
        assert_eq!(r.status, 401, "attempt {i}: {}", r.body);
    }
    let (locked, _) = sign_in(shop, 24, &good);
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert!(locked.header("retry-after").is_some());
    let (r, cookie) = sign_in(shop, 25, &good);
    assert_eq!(r.status, 303, "another client is not locked out: {}", r.body);
    let cookie = cookie.unwrap();
    assert_eq!(as_shopper(shop, &cookie, "GET", "/api/account").status, 200);

    // Others using up the address's links for the hour do not lock its owner out: the browser
    // they signed in from still gets one (a new client does not).
    let known = r.cookie("edgeshop_known").expect("the browser is remembered");
    assert!(r.headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("set-cookie") && v.contains("Max-Age=31536000") && v.contains("HttpOnly")));
    for n in 50..59 {
        assert_eq!(ask(shop, n, "erin@example.ie").status, 202, "client {n}");
    }
    assert!(is_problem(&ask(shop, 59, "erin@example.ie"), 429), "the address's budget is used up");
    let theirs = shop.post_json(
        "/api/account/sign-in",
        &[("cf-connecting-ip", &ip(60)), ("cookie", &known)],
        &json!({ "email": "erin@example.ie" }).to_string(),
    );
    assert_eq!(theirs.status, 202, "{}", theirs.body);
    link_for(shop, "erin@example.ie", 11);
    // Signing out forgets the browser (a shared computer): its cookie helps no more.
    let out = shop.request(
        "POST",
        "/account/sign-out",
        &[("cf-connecting-ip", &ip(62)), ("cookie", &known), ("origin", &shop.base), ("sec-fetch-site", "same-origin")],
        None,
    );
    assert_eq!(out.status, 303, "{}", out.body);
    assert!(out.headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("set-cookie") && v.starts_with("edgeshop_known=;") && v.contains("Max-Age=0")));
    let after = shop.post_json(
        "/api/account/sign-in",
        &[("cf-connecting-ip", &ip(63)), ("cookie", &known)],
        &json!({ "email": "erin@example.ie" }).to_string(),
    );
    assert!(is_problem(&after, 429), "{} {}", after.status, after.body);
    // The cookie is for that address only.
    assert!(is_problem(
        &shop.post_json(
            "/api/account/sign-in",
            &[("cf-connecting-ip", &ip(61)), ("cookie", &known)],
            &json!({ "email": "flooded@example.ie" }).to_string()
        ),
        429
    ));

    // Erasing the customer ends their account's sessions with the rest of their data.
    let r = shop.admin("POST", "/api/admin/customers/erase", Some(&json!({ "email": "erin@example.ie", "cancel_open_orders": true }).to_string()));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(is_problem(&as_shopper(shop, &cookie, "GET", "/api/account"), 401));
    assert_eq!(edgeshop_e2e::d1_query(shop, "SELECT 1 FROM customer_sessions WHERE email = 'erin@example.ie'").as_array().map_or(0, Vec::len), 0);
    assert_eq!(edgeshop_e2e::d1_query(shop, "SELECT 1 FROM customer_browsers WHERE email = 'erin@example.ie'").as_array().map_or(0, Vec::len), 0);
}

#[test]
fn a_shopper_without_javascript_signs_in_and_out_in_chromium() {
    let shop = Shop::shared();
    let sku = &variants(&catalog(), 4)[1].sku;
    let number = order_for(shop, 30, "niall@example.ie", sku);
    assert_eq!(ask(shop, 30, "niall@example.ie").status, 202);
    let link = link_for(shop, "niall@example.ie", 1);
    // The link names the shop's public address; the browser opens the same path here.
    let path = link.trim_start_matches("https://shop.example.com");
    edgeshop_e2e::run_browser_test_with("account.mjs", shop, &[("ACCOUNT_LINK", path), ("ORDER_NUMBER", &number.to_string())]);
}
