//! Text messages about an order, under wrangler dev, through a local server that speaks Twilio's
//! wire format (tests/twilio/fake_twilio.py): offered at checkout only where the shop sends them,
//! a number with its country code required, one message per step even when events come again,
//! a provider outage retried, and nothing texted to a shopper who did not ask.

use edgeshop_e2e::{client_ip, root, sample_catalog as catalog, stocked_variants as variants, Reply, Shop};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "test-auth-token-0123456789";
const FROM: &str = "+15005550006";

struct FakeTwilio {
    base: String,
    child: Child,
}

impl Drop for FakeTwilio {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

impl FakeTwilio {
    fn start() -> FakeTwilio {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new("python3")
            .arg(root().join("tests/twilio/fake_twilio.py"))
            .args([&port.to_string(), SID, TOKEN, &std::process::id().to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the local Twilio server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready");
        FakeTwilio { base: format!("http://127.0.0.1:{port}"), child }
    }

    fn messages(&self) -> Vec<Value> {
        let text = ureq::get(&format!("{}/_test/messages", self.base)).call().unwrap().into_body().read_to_string().unwrap();
        serde_json::from_str::<Value>(&text).unwrap()["messages"].as_array().unwrap().clone()
    }

    fn to(&self, number: &str) -> Vec<String> {
        self.messages().iter().filter(|m| m["to"] == number).map(|m| m["body"].as_str().unwrap().to_string()).collect()
    }

    /// Waits until `count` messages went to `number`.
    fn wait_to(&self, number: &str, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(45);
        loop {
            let got = self.to(number);
            if got.len() >= count {
                return got;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {count} text(s) to {number}; have {got:?}");
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Sends to `number` fail (503) until [`Self::recover`].
    fn fail_to(&self, number: &str) {
        ureq::post(&format!("{}/_test/fail?to={}", self.base, number.replace('+', "%2B"))).send("").unwrap();
    }

    /// `number` replied STOP: Twilio refuses every send to it (21610).
    fn unsubscribe(&self, number: &str) {
        ureq::post(&format!("{}/_test/unsubscribe?to={}", self.base, number.replace('+', "%2B"))).send("").unwrap();
    }

    fn recover(&self, number: &str) {
        ureq::post(&format!("{}/_test/recover?to={}", self.base, number.replace('+', "%2B"))).send("").unwrap();
    }
}

/// A shop that sends text messages through the local Twilio server.
fn texting_shop() -> &'static (FakeTwilio, Shop) {
    static SHOP: OnceLock<(FakeTwilio, Shop)> = OnceLock::new();
    SHOP.get_or_init(|| {
        let twilio = FakeTwilio::start();
        // Every order event is delivered twice (its first delivery fails after it was applied).
        let vars = [
            ("TWILIO_ACCOUNT_SID", SID),
            ("TWILIO_AUTH_TOKEN", TOKEN),
            ("SMS_FROM", FROM),
            ("TWILIO_API_BASE", twilio.base.as_str()),
            ("EDGESHOP_FAULTS", "consumer-fail-once"),
        ];
        let shop = Shop::start_with(&Shop::fresh_state_dir(), &vars);
        (twilio, shop)
    })
}

fn ip(n: u32) -> String {
    client_ip(13, n)
}

fn checkout(shop: &Shop, n: u32, phone: &str, sms: bool) -> Reply {
    let sku = variants(&catalog(), 4)[n as usize % 4].sku.clone();
    let cart = shop.fill_cart(&ip(n), &[(&sku, 1)]);
    let body = json!({
        "address": { "name": "Siobhán Kelly", "line1": "8 Dock Road", "city": "Limerick", "postal_code": "V94 E2K3", "country": "IE" },
        "contact": { "email": format!("siobhan{n}@example.ie"), "phone": phone, "sms": sms },
        "payment_method": "cash_on_delivery",
    });
    let key = format!("sms-{n}");
    shop.post_json("/api/checkout", &[("cf-connecting-ip", &ip(n)), ("x-cart-id", &cart), ("idempotency-key", &key)], &body.to_string())
}

#[test]
fn a_shopper_who_asks_is_texted_at_each_step_once() {
    let (twilio, shop) = texting_shop();
    // The checkout form offers text messages here.
    assert!(shop.checkout_form(&ip(1), None).body.contains(r#"name="contact.sms""#), "the form does not offer text messages");
    let placed = checkout(shop, 1, "+353 61 555 0101", true);
    assert_eq!(placed.status, 201, "{}", placed.body);
    let n = placed.json()["order_number"].as_u64().unwrap();
    let number = "+353615550101";
    let first = twilio.wait_to(number, 1);
    assert!(first[0].starts_with("Northwind Outfitters: order") && first[0].contains(&format!("order {n} received")), "{first:?}");
    assert!(first[0].contains(&format!("https://shop.example.com/orders/?number={n}&token=")), "{first:?}");
    assert!(twilio.messages().iter().all(|m| m["from"] == FROM));

    for status in ["packed", "shipped", "delivered"] {
        let body = json!({ "status": status, "carrier": "An Post", "tracking_number": "CE123456789IE" }).to_string();
        assert_eq!(shop.admin("POST", &format!("/api/admin/orders/{n}/fulfilment"), Some(&body)).status, 202);
        shop.wait_admin_order(n, status, |o| o["order"]["status"] == status);
    }
    // Packing is not texted; shipping (with the tracking number) and delivery are, once each.
    let texts = twilio.wait_to(number, 3);
    assert!(texts[1].contains(&format!("order {n} is on its way with An Post (tracking CE123456789IE)")), "{texts:?}");
    assert!(texts[2].contains(&format!("order {n} was delivered")), "{texts:?}");
    // The email went too, and the order's notifications list the texts as sent.
    shop.wait_emails("the delivery email", 1, |e| e.to.contains("siobhan1@example.ie") && e.subject.contains("delivered"));
    let notes = shop.admin_order(n)["notifications"].clone();
    let texted: Vec<&Value> = notes.as_array().unwrap().iter().filter(|x| x["to"] == number).collect();
    assert_eq!(texted.len(), 3, "{notes}");
    assert!(texted.iter().all(|x| !x["sent_at"].is_null()), "{notes}");
    // Every event came twice: still one text and one email per step.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(twilio.to(number).len(), 3, "{:?}", twilio.to(number));
    let emails = shop.emails();
    for subject in [format!("Order {n} received"), format!("Order {n} is on its way"), format!("Order {n} was delivered")] {
        let sent = emails.iter().filter(|e| e.to.contains("siobhan1@example.ie") && e.subject == subject).count();
        assert_eq!(sent, 1, "{subject}: {sent} emails");
    }
}

#[test]
fn texts_need_a_number_with_its_country_code_and_a_shopper_who_asked() {
    let (twilio, shop) = texting_shop();
    let r = checkout(shop, 2, "061 555 0102", true);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("contact.phone") && r.body.contains("country code"), "{}", r.body);
    // A phone given without asking for texts gets none.
    let r = checkout(shop, 3, "+353 61 555 0103", false);
    assert_eq!(r.status, 201, "{}", r.body);
    shop.wait_emails("the confirmation", 1, |e| e.to.contains("siobhan3@example.ie"));
    std::thread::sleep(Duration::from_secs(2));
    assert!(twilio.to("+353615550103").is_empty(), "texted a shopper who did not ask");
}

#[test]
fn the_checkout_form_without_javascript_asks_for_texts_too() {
    let (twilio, shop) = texting_shop();
    let sku = variants(&catalog(), 4)[0].sku.clone();
    let cart = shop.fill_cart(&ip(6), &[(&sku, 1)]);
    let fields = [
        ("contact.email", "siobhan6@example.ie"),
        ("contact.phone", "+353 61 555 0106"),
        ("contact.sms", "yes"),
        ("address.name", "Siobhán Kelly"),
        ("address.line1", "8 Dock Road"),
        ("address.city", "Limerick"),
        ("address.postal_code", "V94 E2K3"),
        ("address.country", "IE"),
        ("payment_method", "cash_on_delivery"),
        ("idempotency_key", "sms-form-6"),
    ];
    let r = shop.post_form("/checkout/", &[("cf-connecting-ip", &ip(6)), ("x-cart-id", &cart)], &fields);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(twilio.wait_to("+353615550106", 1)[0].contains("received"));
}

#[test]
fn a_provider_outage_is_retried_until_the_text_goes() {
    let (twilio, shop) = texting_shop();
    let number = "+353615550104";
    twilio.fail_to(number);
    let r = checkout(shop, 4, "+353 61 555 0104", true);
    assert_eq!(r.status, 201, "{}", r.body);
    let n = r.json()["order_number"].as_u64().unwrap();
    // The email goes; the text waits for the provider.
    shop.wait_emails("the confirmation", 1, |e| e.to.contains("siobhan4@example.ie"));
    std::thread::sleep(Duration::from_millis(500));
    assert!(twilio.to(number).is_empty());
    twilio.recover(number);
    let texts = twilio.wait_to(number, 1);
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].contains(&format!("order {n} received")));
    // The retries sent the text, not the email again.
    let emails = shop.emails().into_iter().filter(|e| e.to.contains("siobhan4@example.ie") && e.subject == format!("Order {n} received")).count();
    assert_eq!(emails, 1);
}

#[test]
fn erasing_the_customer_erases_the_number_and_its_unsent_texts() {
    let (twilio, shop) = texting_shop();
    let number = "+353615550107";
    twilio.fail_to(number);
    let r = checkout(shop, 7, "+353 61 555 0107", true);
    assert_eq!(r.status, 201, "{}", r.body);
    let n = r.json()["order_number"].as_u64().unwrap();
    shop.wait_emails("the confirmation", 1, |e| e.to.contains("siobhan7@example.ie"));
    // The text's first try is over (failed, given back for a retry): one claimed before the
    // erasure would still be on its way, as it would be in a live shop.
    let tried = || {
        let rows = edgeshop_e2e::d1_query(shop, &format!("SELECT attempts, claimed_at FROM notifications WHERE event_id = 'placed-{n}:sms'"));
        rows[0]["attempts"].as_i64() >= Some(1) && rows[0]["claimed_at"].is_null()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !tried() {
        assert!(Instant::now() < deadline, "the text was never tried");
        std::thread::sleep(Duration::from_millis(100));
    }
    let erased =
        shop.admin("POST", "/api/admin/customers/erase", Some(&json!({ "email": "siobhan7@example.ie", "cancel_open_orders": true }).to_string()));
    assert_eq!(erased.status, 200, "{}", erased.body);
    twilio.recover(number);
    std::thread::sleep(Duration::from_secs(3));
    assert!(twilio.to(number).is_empty(), "a text went to an erased customer");
    let order = shop.admin_order(n);
    assert!(!order.to_string().contains("555 0107") && !order.to_string().contains("5550107"), "the number is still on the order: {order}");
}

#[test]
fn a_shop_without_a_provider_offers_no_texts() {
    // The shared test shop has no SMS settings: no choice in the form, and a request for texts
    // through the API places the order without them.
    let shop = Shop::shared();
    let form = shop.checkout_form(&ip(5), None);
    assert!(form.body.contains("Place order") && !form.body.contains("contact.sms"), "{}", form.body);
    let r = checkout(shop, 5, "+353 61 555 0105", true);
    assert_eq!(r.status, 201, "{}", r.body);
    let n = r.json()["order_number"].as_u64().unwrap();
    let order = shop.admin_order(n);
    assert_eq!(order["order"]["contact"]["sms"], false, "{order}");
}

#[test]
fn a_text_that_fails_for_good_alerts_the_merchant_at_once_and_erasure_takes_the_number_everywhere() {
    let (twilio, shop) = texting_shop();
    let number = "+353615550108";
    twilio.fail_to(number);
    let r = checkout(shop, 8, "+353 61 555 0108", true);
    assert_eq!(r.status, 201, "{}", r.body);
    let n = r.json()["order_number"].as_u64().unwrap();
    // Five tries (about 45 s of backoff), then the merchant hears of it in the same round (not
    // with the order's next event, which never comes here).
    let subject = format!("Order {n} needs your attention");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let alert = loop {
        if let Some(mail) = shop.emails().into_iter().find(|e| e.subject == subject) {
            break mail;
        }
        assert!(std::time::Instant::now() < deadline, "no alert to the merchant");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(alert.text.contains(number), "{}", alert.text);
    twilio.recover(number);
    let erased =
        shop.admin("POST", "/api/admin/customers/erase", Some(&json!({ "email": "siobhan8@example.ie", "cancel_open_orders": true }).to_string()));
    assert_eq!(erased.status, 200, "{}", erased.body);
    let order = shop.admin_order(n);
    assert!(!order.to_string().contains("5550108"), "the number is still on the order: {order}");
    // An erased customer's message is not sent again.
    let resend = shop.admin("POST", &format!("/api/admin/orders/{n}/messages/placed-{n}:sms/resend"), None);
    assert_eq!(resend.status, 409, "{}", resend.body);
    std::thread::sleep(Duration::from_secs(1));
    assert!(twilio.to(number).is_empty());
}

#[test]
fn a_number_the_provider_refuses_is_not_tried_again_and_the_merchant_hears_at_once() {
    let (twilio, shop) = texting_shop();
    let number = "+353615550110";
    twilio.unsubscribe(number);
    let r = checkout(shop, 10, "+353 61 555 0110", true);
    assert_eq!(r.status, 201, "{}", r.body);
    let n = r.json()["order_number"].as_u64().unwrap();
    // Refused for good on the first try (21610: the number replied STOP): no backoff, no
    // second try; the merchant's alert goes in the same round.
    let subject = format!("Order {n} needs your attention");
    let alert = shop.wait_emails("the merchant's alert", 1, |e| e.subject == subject);
    assert!(alert[0].text.contains(number), "{}", alert[0].text);
    let order = shop.admin_order(n);
    let text = order["notifications"].as_array().unwrap().iter().find(|m| m["event_id"] == format!("placed-{n}:sms")).cloned().unwrap();
    assert!(text["failed_at"].is_string() && text["sent_at"].is_null(), "{text}");
    let tries = edgeshop_e2e::d1_query(shop, &format!("SELECT attempts, last_error FROM notifications WHERE event_id = 'placed-{n}:sms'"));
    assert_eq!(tries[0]["attempts"], 1, "{tries}");
    assert!(tries[0]["last_error"].as_str().unwrap().contains("21610"), "{tries}");
    // The shopper's email for the same step went as usual.
    shop.wait_emails("the confirmation", 1, |e| e.subject.contains(&format!("{n}")) && !e.subject.contains("attention"));
}

#[test]
fn carrier_and_tracking_number_are_one_short_line() {
    let (_, shop) = texting_shop();
    let r = checkout(shop, 9, "+353 61 555 0109", true);
    let n = r.json()["order_number"].as_u64().unwrap();
    assert_eq!(shop.admin("POST", &format!("/api/admin/orders/{n}/fulfilment"), Some(r#"{"status":"packed"}"#)).status, 202);
    shop.wait_admin_order(n, "packed", |o| o["order"]["status"] == "packed");
    for (carrier, tracking) in [("An Post\nURGENT: pay at http://evil.example", "X1"), ("An Post", &*"T".repeat(61)), ("D\u{202e}LHD", "X2")] {
        let body = json!({ "status": "shipped", "carrier": carrier, "tracking_number": tracking }).to_string();
        let r = shop.admin("POST", &format!("/api/admin/orders/{n}/fulfilment"), Some(&body));
        assert_eq!(r.status, 422, "{carrier:?} {tracking:?}: {}", r.body);
    }
}
