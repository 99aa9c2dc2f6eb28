//! The worker is built with `panic = "abort"`: a panic would end the isolate for every request in
//! it. These tests feed the request parsers (query strings, search parameters, checkout bodies,
//! webhook signatures, path numbers) hundreds of thousands of hostile inputs natively and require
//! an answer — a value or an `ApiError` — for each, never a panic.

use crate::query::Query;
use crate::services::product_search::SearchParams;

/// xorshift64*: deterministic, so a failure names the seed that reproduces it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A string of the pieces request data is made of, plus arbitrary characters.
    fn input(&mut self, max_len: usize) -> String {
        const PIECES: [&str; 40] = [
            "%",
            "%2",
            "%FF",
            "%C3%A9",
            "%E2%82",
            "%00",
            "%25",
            "+",
            "&",
            "=",
            "?",
            "#",
            ":",
            ",",
            ";",
            "q",
            "page",
            "per_page",
            "price",
            "sort",
            "category",
            "brand",
            "option",
            "-1",
            "0",
            "1",
            "99999999999999999999",
            "1-",
            "-",
            "..",
            "é",
            "😀",
            "\u{0}",
            "\r\n",
            " ",
            "t=",
            "v1=",
            "\"",
            "{",
            "}",
        ];
        let len = self.below(max_len + 1);
        let mut s = String::new();
        while s.len() < len {
            if self.below(4) == 0 {
                s.push(char::from_u32(self.next() as u32 % 0x11000).unwrap_or('x'));
            } else {
                s.push_str(PIECES[self.below(PIECES.len())]);
            }
        }
        s
    }
}

#[test]
fn query_strings_and_search_parameters_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..200_000 {
        let raw = rng.input(80);
        if let Ok(q) = Query::parse(Some(&raw)) {
            let _ = SearchParams::from_query(&q, 24);
            let _ = q.get_usize("page", 1, 200);
        }
        let _ = crate::query::decode(&raw);
        let _ = crate::routes::orders::parse_number(&raw);
    }
}

#[test]
fn checkout_bodies_never_panic() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let shipping = edgeshop_domain::ShippingRules {
        flat_rate: edgeshop_domain::Money::new(495, edgeshop_domain::Currency::EUR),
        free_over: None,
        countries: vec!["IE".into()],
        zones: vec![],
    };
    let shop =
        edgeshop_domain::Shop::with_rules("S", edgeshop_domain::Currency::EUR, "en-IE", shipping, edgeshop_domain::TaxRules::one_rate(2300, true));
    for _ in 0..50_000 {
        let field = rng.input(40);
        let body = format!(
            r#"{{"address":{{"name":{n:?},"line1":{n:?},"city":"C","postal_code":{n:?},"country":{n:?}}},"contact":{{"email":{n:?},"phone":{n:?}}},"payment_method":"online"}}"#,
            n = field
        );
        if let Ok(r) = crate::http::parse_json::<edgeshop_api::CheckoutRequest>(&body) {
            let _ = edgeshop_domain::validate_address(&r.address, &r.contact, &shop);
        }
        let _ = crate::http::parse_json::<edgeshop_api::CheckoutRequest>(&field);
    }
}

#[test]
fn webhook_signatures_never_panic() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for _ in 0..100_000 {
        let header = rng.input(120);
        let body = rng.input(40);
        assert!(crate::services::payments::verify_signature("whsec_test", Some(&header), &body, 1_700_000_000).is_err(), "{header:?}");
    }
}
