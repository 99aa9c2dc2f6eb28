//! The HTTP email transport (Resend's API) end to end: a shop configured with `RESEND_API_KEY`
//! sends through a local server that speaks Resend's wire format, so the test sees each message
//! exactly as the API would receive it, headers included (the local `send_email` simulation does
//! not show headers): marketing mail carries `List-Unsubscribe` and `List-Unsubscribe-Post`
//! (RFC 8058), order mail does not.

use edgeshop_domain::StockPolicy;
use edgeshop_e2e::{sample_catalog, Shop};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &str = "re_local_test_key_0123456789";

/// What the local Resend server received: (authorization header, JSON body).
type Received = Arc<Mutex<Vec<(String, Value)>>>;

fn fake_resend() -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let received: Received = Arc::default();
    let log = received.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut length, mut auth, mut line) = (0usize, String::new(), String::new());
            reader.read_line(&mut line).unwrap_or_default();
            let path_ok = line.starts_with("POST /emails ");
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let (k, v) = line.split_once(':').unwrap_or((&line, ""));
                match k.to_ascii_lowercase().as_str() {
                    "content-length" => length = v.trim().parse().unwrap_or(0),
                    "authorization" => auth = v.trim().to_string(),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let (status, answer) = if path_ok { ("200 OK", format!("{{\"id\":\"re_{n}\"}}")) } else { ("404 Not Found", "{}".into()) };
            if path_ok {
                log.lock().unwrap().push((auth, serde_json::from_slice(&body).unwrap_or(Value::Null)));
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (base, received)
}

fn wait_for(received: &Received, what: &str, pred: impl Fn(&Value) -> bool) -> (String, Value) {
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        if let Some(found) = received.lock().unwrap().iter().find(|(_, m)| pred(m)).cloned() {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn post(shop: &Shop, path: &str, ip: &str, body: Value) -> edgeshop_e2e::Reply {
    shop.post_json(path, &[("cf-connecting-ip", ip)], &body.to_string())
}

#[test]
fn marketing_mail_has_one_click_unsubscribe_headers_and_order_mail_has_none() {
    let (base, received) = fake_resend();
    let shop = Shop::start_with(&Shop::fresh_state_dir(), &[("RESEND_API_KEY", KEY), ("RESEND_API_BASE", &base)]);
    let catalog = sample_catalog();
    let to = |m: &Value, who: &str| m["to"].as_array().is_some_and(|a| a.iter().any(|t| t == who));

    // An order email: transactional, no unsubscribe headers.
    let v = catalog
        .products
        .iter()
        .filter(|p| p.published)
        .flat_map(|p| &p.variants)
        .find(|v| v.stock >= 6 && v.stock_policy == StockPolicy::Deny)
        .unwrap();
    let r = post(&shop, "/api/cart/lines", "10.5.0.1", json!({ "sku": v.sku, "quantity": 1 }));
    let cart = r.header("x-cart-id").unwrap().to_string();
    let body = json!({
        "address": { "name": "Ola Buyer", "line1": "1 Road", "city": "Cork", "postal_code": "T12", "country": "IE" },
        "contact": { "email": "ola@example.ie" }, "payment_method": "cash_on_delivery",
    });
    let r = shop.post_json(
        "/api/checkout",
        &[("cf-connecting-ip", "10.5.0.1"), ("x-cart-id", &cart), ("idempotency-key", "resend-1")],
        &body.to_string(),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let (auth, order_mail) = wait_for(&received, "the order email", |m| to(m, "ola@example.ie"));
    assert_eq!(auth, format!("Bearer {KEY}"));
    assert_eq!(order_mail["from"], format!("{} <{}>", catalog.shop.name, catalog.shop.email.from));
    assert!(order_mail["subject"].as_str().unwrap().starts_with("Order "), "{order_mail}");
    assert!(order_mail["html"].as_str().unwrap().contains("<html") && !order_mail["text"].as_str().unwrap().is_empty(), "both parts");
    assert!(order_mail["headers"].as_object().is_none_or(|h| !h.contains_key("List-Unsubscribe")), "{order_mail}");

    // A newsletter to a confirmed subscriber: one-click unsubscribe in the headers.
    let who = "reader@example.ie";
    assert_eq!(post(&shop, "/api/newsletter", "10.5.0.2", json!({ "email": who })).status, 202);
    let (_, confirm) = wait_for(&received, "the confirmation", |m| to(m, who));
    assert!(confirm["headers"].as_object().is_none_or(|h| h.is_empty()), "a confirmation is not marketing: {confirm}");
    let link = confirm["text"].as_str().unwrap().lines().find_map(|l| l.strip_prefix("Confirm: ")).unwrap().to_string();
    assert_eq!(shop.request("POST", link.trim_start_matches("https://shop.example.com"), &[], None).status, 200);
    let news =
        |subject: &str| shop.admin("POST", "/api/admin/newsletter", Some(&json!({ "subject": subject, "text": "Boots are in." }).to_string())).status;
    assert_eq!(news("Autumn news\r\nBcc: everyone@example.com"), 422, "a subject is one line: no header can be slipped in");
    assert_eq!(news("Autumn news"), 202);
    let (_, letter) = wait_for(&received, "the newsletter", |m| to(m, who) && m["subject"] == "Autumn news");
    let unsubscribe = letter["headers"]["List-Unsubscribe"].as_str().unwrap_or_else(|| panic!("no List-Unsubscribe: {letter}"));
    assert_eq!(letter["headers"]["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
    let url = unsubscribe.trim_start_matches('<').trim_end_matches('>');
    assert!(url.starts_with("https://shop.example.com/api/newsletter/unsubscribe?token="), "{url}");

    // The mail client's one-click POST, then no more newsletters.
    let r = shop.request(
        "POST",
        url.trim_start_matches("https://shop.example.com"),
        &[("content-type", "application/x-www-form-urlencoded")],
        Some("List-Unsubscribe=One-Click"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(news("Winter news"), 202);
    std::thread::sleep(Duration::from_secs(4));
    assert!(!received.lock().unwrap().iter().any(|(_, m)| m["subject"] == "Winter news"), "no mail after unsubscribing");
    assert!(shop.emails().is_empty(), "with an API key set, nothing goes through the send_email binding");
    shop.stop();
}
