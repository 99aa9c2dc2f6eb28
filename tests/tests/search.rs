//! Search at the edge over HTTP: facets, filters, sort, suggestions, zero-result recording and the
//! server-rendered results page, all answered by the worker under wrangler dev.

use edgeshop_e2e::{admin_token, client_ip, root, run_browser_test, sample_catalog as catalog, Shop};
use serde_json::Value;

#[test]
fn facets_and_filters_over_http() {
    let shop = Shop::shared();
    let c = catalog();
    let all = shop.get("/api/search?q=&facets=1&per_page=5").json();
    let published = c.products.iter().filter(|p| p.published).count() as u64;
    assert_eq!(all["total"], published);
    let cats = all["facets"]["categories"].as_array().expect("category facet");
    let apparel = cats.iter().find(|v| v["value"] == "apparel").expect("apparel in the category facet");
    assert_eq!(apparel["count"].as_u64(), Some(c.products_in("apparel").count() as u64));

    // A category page's query: category filter, price sort, second page.
    let r = shop.get("/api/search?category=apparel&sort=price-asc&per_page=10&page=2&facets=1").json();
    assert_eq!(r["total"], apparel["count"]);
    assert_eq!(r["page"], 2);
    let prices: Vec<u64> = r["hits"].as_array().unwrap().iter().map(|h| h["price_minor"].as_u64().unwrap()).collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    for h in r["hits"].as_array().unwrap() {
        let p = c.product(h["slug"].as_str().unwrap()).unwrap();
        assert!(p.category.starts_with("apparel"), "{} is not apparel", p.slug);
    }
    // Brand filter on top: every hit has that brand; the brand facet still lists the others.
    let brand = r["facets"]["brands"][0]["value"].as_str().unwrap().to_string();
    let enc = brand.replace(' ', "%20");
    let b = shop.get(&format!("/api/search?category=apparel&brand={enc}&facets=1&per_page=100")).json();
    for h in b["hits"].as_array().unwrap() {
        assert_eq!(c.product(h["slug"].as_str().unwrap()).unwrap().brand, brand);
    }
    assert!(b["facets"]["brands"].as_array().unwrap().len() > 1, "other brands stay selectable");
    assert!(b["facets"]["brands"].as_array().unwrap().iter().any(|v| v["value"] == brand.as_str() && v["selected"] == true));

    // Bad filters are a clear 400.
    for path in [
        "/api/search?price=abc",
        "/api/search?sort=cheapest",
        "/api/search?option=Colour",
        "/api/search?page=0",
        "/api/search?per_page=100&page=102",
        // `limit`, the older name of `per_page`, bounds the pages the same way.
        "/api/search?limit=100&page=200",
    ] {
        let r = shop.get(path);
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert_eq!(r.content_type, "application/problem+json");
    }
}

#[test]
fn a_results_page_that_cannot_be_run_says_why_in_html() {
    let shop = Shop::shared();
    // A browser following a broken or hand-edited link gets the shop's page, not problem JSON.
    let r = shop.get("/search?q=tent&price=abc");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.content_type.starts_with("text/html"), "{}", r.content_type);
    assert!(r.body.contains("This search could not be run"), "{}", r.body);
    assert!(r.body.contains("href=\"/search?q=tent\""), "the query alone is one click away: {}", r.body);
    // So does a query string that is not text.
    let r = shop.get("/search?q=%ff");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.content_type.starts_with("text/html") && r.body.contains("This search could not be run"), "{} {}", r.content_type, r.body);
    // The island's partial requests keep the problem JSON (it leaves the page as it is).
    let r = shop.get("/search?q=tent&price=abc&partial=1");
    assert_eq!((r.status, r.content_type.as_str()), (400, "application/problem+json"));
    // Filters are bounded: every link of the page repeats them.
    let long = "x".repeat(201);
    let r = shop.get(&format!("/api/search?q=tent&brand={long}"));
    assert_eq!((r.status, r.content_type.as_str()), (400, "application/problem+json"), "{}", r.body);
    // At most 20 values a filter (the index's `MAX_FILTER_VALUES`).
    let many = "&category=apparel".repeat(21);
    assert_eq!(shop.get(&format!("/api/search?q=tent{many}")).status, 400);
    assert_eq!(shop.get(&format!("/api/search?q=tent{}", &many[..many.rfind('&').unwrap()])).status, 200);
}

#[test]
fn searches_are_rate_limited_per_client() {
    let shop = Shop::shared();
    let (ip, other) = (client_ip(7, 1), client_ip(7, 2));
    // 300 searches in a window of 10 s (wrangler.toml's SEARCH_LIMIT): the API, suggestions and
    // the results page count together.
    let paths = ["/api/search?q=tent", "/api/search/suggest?q=te", "/search?q=tent&partial=1"];
    let mut refused = None;
    for i in 0..700 {
        let r = shop.request("GET", paths[i % paths.len()], &[("cf-connecting-ip", &ip)], None);
        if r.status == 429 {
            refused = Some((i, r));
            break;
        }
        assert_eq!(r.status, 200, "search {i}: {}", r.body);
    }
    let (at, r) = refused.expect("a client searching without pause is slowed down");
    assert!(at >= 300, "refused after {at} searches only");
    assert_eq!(r.content_type, "application/problem+json");
    assert!(r.header("retry-after").is_some());
    // Another shopper is not.
    assert_eq!(shop.request("GET", "/api/search?q=tent", &[("cf-connecting-ip", &other)], None).status, 200);
}

#[test]
fn head_is_answered_like_get_without_a_body() {
    let shop = Shop::shared();
    for path in ["/api/health", "/search?q=tent", "/api/search?q=tent"] {
        let r = shop.request("HEAD", path, &[], None);
        assert_eq!(r.status, 200, "HEAD {path}");
        assert!(r.body.is_empty(), "HEAD {path}: {}", r.body);
    }
    assert_eq!(shop.request("HEAD", "/search?q=tent", &[], None).content_type, shop.get("/search?q=tent").content_type);
    let r = shop.request("DELETE", "/api/search?q=tent", &[], None);
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD, OPTIONS"));
    // OPTIONS says what a path takes (and no CORS: the shop's pages are its only callers).
    let r = shop.request("OPTIONS", "/api/cart/lines/x", &[("origin", "https://elsewhere.example")], None);
    assert_eq!((r.status, r.header("allow")), (204, Some("PATCH, DELETE, OPTIONS")), "{}", r.body);
    assert!(r.header("access-control-allow-origin").is_none());
    assert_eq!(shop.request("OPTIONS", "/api/no-such-route", &[], None).status, 404);
    // An API path in the wrong case is the API's 404 (problem JSON), not the shop's page.
    let r = shop.get("/API/CART");
    assert_eq!((r.status, r.content_type.as_str()), (404, "application/problem+json"), "{}", r.body);
    // A method the worker's library does not know is not taken for GET.
    // (Sent by hand: the tests' HTTP client refuses such methods itself.)
    for method in ["PROPFIND", "MKCOL"] {
        use std::io::{Read, Write};
        let host = shop.base.trim_start_matches("http://").trim_end_matches('/').to_string();
        let mut s = std::net::TcpStream::connect(&host).expect("connect");
        s.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("timeout");
        s.write_all(format!("{method} /api/cart HTTP/1.1\r\nHost: {host}\r\nconnection: close\r\n\r\n").as_bytes()).expect("send");
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 405"), "{method}: {answer}");
    }
}

#[test]
fn suggestions_complete_the_word_being_typed() {
    let shop = Shop::shared();
    let s = shop.get("/api/search/suggest?q=headph").json();
    let completions: Vec<&str> = s["completions"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(completions.contains(&"headphones"), "{s}");
    assert!(!s["products"].as_array().unwrap().is_empty());
    assert_eq!(shop.get(&format!("/api/search/suggest?q={}", "a".repeat(10_000))).status, 400);
}

#[test]
fn zero_result_searches_are_recorded_and_corrected() {
    let shop = Shop::shared();
    // Two letters swapped ("tnet") are corrected at once; another slip in a short word finds
    // nothing and is offered the correction.
    assert!(shop.get("/api/search?q=tnet").json()["total"].as_u64().unwrap() > 0);
    let r = shop.get("/api/search?q=tebt").json();
    assert_eq!(r["total"], 0);
    assert_eq!(r["did_you_mean"], "tent");
    assert!(!r["popular"].as_array().unwrap().is_empty());
    let unique = format!("zzq{}", std::process::id());
    // Two shoppers, and one of them three times: the same client's repeats count once (a script
    // cannot push a query up the merchant's report).
    for client in ["10.47.0.1", "10.47.0.2", "10.47.0.2", "10.47.0.2"] {
        assert_eq!(shop.request("GET", &format!("/api/search?q={unique}"), &[("cf-connecting-ip", client)], None).status, 200);
    }
    let auth = format!("Bearer {}", admin_token());
    assert_eq!(shop.request("GET", "/api/admin/search/zero-results", &[], None).status, 401);
    // Counted after the answer has gone: wait for it.
    let queries = |want: &dyn Fn(&Value) -> bool| -> Value {
        for _ in 0..50 {
            let report = shop.request("GET", "/api/admin/search/zero-results", &[("authorization", &auth)], None).json();
            if want(&report) {
                return report;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        shop.request("GET", "/api/admin/search/zero-results", &[("authorization", &auth)], None).json()
    };
    let count_of = |report: &Value| report["queries"].as_array().unwrap().iter().find(|q| q["query"] == unique.as_str()).map(|e| e["count"].clone());
    queries(&|r| count_of(r) == Some(Value::from(2)));
    // And stays there: no repeat arrives later.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let report = queries(&|_| true);
    assert_eq!(count_of(&report), Some(Value::from(2)), "{report}");
    // A long query is kept in lower case and cut short: it costs the report no more than a short one.
    let long = format!("{}%20{}", unique.to_uppercase(), "y".repeat(300));
    assert_eq!(shop.get(&format!("/api/search?q={long}")).json()["total"], 0);
    let prefix = format!("{unique} y");
    let kept =
        |r: &Value| r["queries"].as_array().unwrap().iter().filter_map(|q| q["query"].as_str()).find(|q| q.starts_with(&prefix)).map(str::to_string);
    let report = queries(&|r| kept(r).is_some());
    assert_eq!(kept(&report).map(|q| q.chars().count()), Some(80), "{report}");
}

/// A shopper who searches for the shop's own information is shown the page that has it, above
/// any product: "returns", "delivery times", "free shipping"; a product search gets none.
#[test]
fn a_search_for_the_shops_information_links_its_page() {
    let shop = Shop::shared();
    let links = |q: &str| {
        let body = shop.get(&format!("/search?q={q}")).body;
        body.find("data-testid=\"info-pages\"").map(|i| body[i..].split("</p>").next().unwrap_or_default().to_string())
    };
    assert!(links("returns").is_some_and(|l| l.contains(r#"href="/pages/returns/""#)), "{:?}", links("returns"));
    assert!(links("delivery+times").is_some_and(|l| l.contains(r#"href="/pages/shipping/""#)));
    assert!(links("free+shipping").is_some_and(|l| l.contains(r#"href="/pages/shipping/""#)));
    assert_eq!(links("rain+jacket"), None);
    assert_eq!(links("phone+case"), None);
}

/// "New arrivals", "whats new": the newest products first, with the other words as the query,
/// on the API and the results page (which says so and offers the best match instead).
#[test]
fn a_search_for_new_arrivals_lists_the_newest_first() {
    let shop = Shop::shared();
    let slugs = |r: &serde_json::Value| r["hits"].as_array().unwrap().iter().map(|h| h["slug"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let newest = shop.get("/api/search?q=&sort=newest&limit=10").json();
    for q in ["new+arrivals", "whats+new"] {
        let r = shop.get(&format!("/api/search?q={q}&limit=10")).json();
        assert_eq!(r["newest_words"]["query"], "", "{r}");
        assert_eq!(slugs(&r), slugs(&newest), "{q}: the newest products, newest first");
    }
    let jackets = shop.get("/api/search?q=new+jackets&limit=5").json();
    assert_eq!((jackets["newest_words"]["phrase"].as_str(), jackets["newest_words"]["query"].as_str()), (Some("new"), Some("jackets")));
    let newest_jackets = shop.get("/api/search?q=jackets&sort=newest&limit=5").json();
    assert!(jackets["total"].as_u64().unwrap() > 0 && slugs(&jackets) == slugs(&newest_jackets), "{jackets}");
    let page = shop.get("/search?q=new+arrivals").body;
    assert!(page.contains(r#"data-testid="newest-words""#) && !page.contains("Did you mean"), "{page}");
}

#[test]
fn results_page_is_rendered_by_the_worker_without_javascript() {
    let shop = Shop::shared();
    let page = shop.get("/search?q=jacket");
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"), "{}", page.content_type);
    assert!(page.body.contains("Results for “jacket”"));
    assert!(page.body.contains("class=\"card\""), "result cards");
    assert!(page.body.contains("<header"), "the shop's header frames the page");
    assert!(page.body.contains("noindex"));
    assert!(page.body.contains("aria-label=\"Filters\""));
    // The facet links are plain URLs: following one narrows the results.
    let start = page.body.find("href=\"/search?q=jacket&amp;brand=").expect("a brand filter link");
    let href = &page.body[start + 6..];
    let href = href[..href.find('"').unwrap()].replace("&amp;", "&");
    let narrowed = shop.get(&href);
    assert_eq!(narrowed.status, 200);
    let count = |body: &str| body.matches("class=\"card\"").count();
    assert!(count(&narrowed.body) <= count(&page.body));
    // Hostile input is escaped, never injected.
    let xss = shop.get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    assert_eq!(xss.status, 200);
    assert!(!xss.body.contains("<script>alert(1)"));
    let typo = shop.get("/search?q=tebt");
    assert!(typo.body.contains("Did you mean"), "did-you-mean link");
    // The fragment the page's script swaps in: the same results without the page frame.
    let full = shop.get("/search?q=tent");
    let part = shop.get("/search?q=tent&partial=1");
    assert_eq!(part.status, 200);
    assert!(!part.body.contains("<html") && part.body.contains("class=\"result-count\""), "{}", part.body);
    assert!(full.body.contains(&part.body), "the fragment is what the full page shows");
    // A page size asked for stays on the page links.
    let small = shop.get("/search?q=tent&per_page=2").body;
    let next = small.split("rel=\"next\" href=\"").nth(1).and_then(|r| r.split('"').next()).expect("a next link");
    assert!(next.contains("per_page=2") && next.contains("page=2"), "{next}");
}

/// The `<li class="card">` of the product at `href` in a page, if the page shows it.
fn card_in<'a>(body: &'a str, href: &str) -> Option<&'a str> {
    let start = body.find(&format!("<li class=\"card\"><a href=\"{href}\""))?;
    let len = body[start..].find("</li>")? + "</li>".len();
    Some(&body[start..start + len])
}

#[test]
fn the_results_page_draws_the_same_product_cards_as_the_category_pages() {
    let shop = Shop::shared();
    let catalog = catalog();
    let mut compared = 0;
    let (mut from_prices, mut badges) = (0, 0);
    for category in catalog.top_level_categories() {
        let listing = shop.get(&edgeshop_domain::paths::category(&category.slug, 1)).body;
        // The listing's cards in page order, past the first row (loaded eagerly there, not on the
        // results page).
        let marker = "<li class=\"card\"><a href=\"";
        let hrefs: Vec<&str> = listing.split(marker).skip(1).filter_map(|rest| rest.split('"').next()).collect();
        for href in hrefs.into_iter().skip(4).take(3) {
            let product = catalog.products.iter().find(|p| edgeshop_domain::paths::product(&p.slug) == href).expect("a catalog product");
            let listed = card_in(&listing, href).expect("the listing's card");
            let q: String = product.title.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
            let results = shop.get(&format!("/search?q={}&per_page=100", q.split_whitespace().collect::<Vec<_>>().join("+"))).body;
            let found = card_in(&results, href).unwrap_or_else(|| panic!("/search for {q:?} shows no card for {href}"));
            assert_eq!(found, listed, "the card of {href}");
            compared += 1;
            from_prices += usize::from(found.contains(">from "));
            badges += usize::from(found.contains("class=\"badge"));
        }
    }
    assert!(compared >= 6, "compared {compared} cards");
    // The cards carry what the worker's own renderer used to leave out.
    assert!(from_prices > 0 || badges > 0, "no compared card had a from-price or a badge");
}

#[test]
fn browser_results_update_in_place_with_javascript() {
    run_browser_test("live-search.mjs", Shop::shared());
}

#[test]
fn browser_autocomplete_with_the_keyboard() {
    let shop = Shop::shared();
    run_browser_test("autocomplete.mjs", shop);
}

/// The worker embeds no catalog: it reads `dist/_catalog/` (manifest, SKU shards, index parts)
/// through its ASSETS binding. Those files carry the build's catalog version, cover every SKU once,
/// price carts from every shard, and are not served to the public.
#[test]
fn catalog_data_ships_with_the_pages_and_stays_private() {
    let shop = Shop::shared();
    let c = catalog();
    let dir = root().join("dist/_catalog");
    let manifest: edgeshop_domain::CatalogManifest =
        serde_json::from_slice(&std::fs::read(dir.join("catalog.json")).expect("dist/_catalog/catalog.json")).unwrap();
    let health = shop.get("/api/health").json();
    assert_eq!(health["catalog_version"], manifest.version.as_str());
    assert_eq!(health["index_catalog_version"], manifest.version.as_str());
    assert_eq!(manifest.version, c.version);

    let skus: Vec<&edgeshop_domain::Variant> = c.products.iter().flat_map(|p| p.variants.iter()).collect();
    assert_eq!(manifest.skus, skus.len());
    let mut in_shards = 0;
    for i in 0..manifest.shards {
        let bytes = std::fs::read(dir.join(format!("skus-{i}.json"))).expect("shard file");
        in_shards += edgeshop_domain::CatalogSnapshot::parse_shard(&bytes, manifest.currency).unwrap().len();
    }
    assert_eq!(in_shards, skus.len(), "every SKU in exactly one shard");
    let size = |name: String| std::fs::metadata(dir.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}")).len();
    let prefix_len: u64 = (0..manifest.index_parts).map(|i| size(format!("search-{i}.bin"))).sum();
    let postings_len: u64 = (0..manifest.index_chunks).map(|j| size(format!("search-c{j}.bin"))).sum();
    assert_eq!(prefix_len, manifest.index_eager_bytes);
    assert_eq!(prefix_len + postings_len, manifest.index_bytes);
    assert!(manifest.index_chunks > 1 && !manifest.index_tail_chunks.is_empty(), "postings ship in chunks fetched on demand");
    assert!(manifest.shards > 1, "the sample shop spans several shards, so cross-shard lookups are tested");

    // A cart priced from SKUs in different shards: each at the catalog's price.
    let mut cart: Option<String> = None;
    let mut expected = Vec::new();
    for shard in 0..manifest.shards.min(4) {
        let (_, variant) = c
            .products
            .iter()
            .filter(|p| p.published)
            .flat_map(|p| p.variants.iter().map(move |v| (p, v)))
            .find(|(_, v)| v.available() && edgeshop_domain::shard_of(&v.sku, manifest.shards) == shard)
            .expect("an available SKU in this shard");
        let mut headers = vec![("cf-connecting-ip", "10.9.9.9")];
        if let Some(id) = &cart {
            headers.push(("x-cart-id", id.as_str()));
        }
        let r = shop.post_json("/api/cart/lines", &headers, &serde_json::json!({ "sku": variant.sku, "quantity": 1 }).to_string());
        assert_eq!(r.status, 201, "{}", r.body);
        cart = r.header("x-cart-id").map(str::to_string);
        expected.push((variant.sku.clone(), edgeshop_domain::variant_price(variant).amount.minor));
    }
    let cart = shop.request("GET", "/api/cart", &[("x-cart-id", cart.as_deref().unwrap())], None).json();
    for (sku, price) in expected {
        let line = cart["lines"].as_array().unwrap().iter().find(|l| l["sku"] == sku.as_str()).expect("line in cart");
        assert_eq!(line["unit_price"]["minor"].as_i64(), Some(price), "{sku}");
    }

    for path in ["/_catalog/catalog.json", "/_catalog/skus-0.json", "/_catalog/search-0.bin", "/_catalog/search-c0.bin"] {
        let r = shop.get(path);
        assert_eq!(r.status, 404, "{path} must not be public");
        assert_eq!(r.content_type, "application/problem+json", "{path}");
    }
}

#[test]
fn a_word_no_product_has_is_left_out_on_the_api_and_the_results_page() {
    let shop = Shop::shared();
    let r = shop.get("/api/search?q=cheap+wireless+headphones").json();
    assert_eq!(r["ignored_words"], serde_json::json!(["cheap"]), "{r}");
    assert_eq!(r["total_all_words"], 0);
    assert!(r["total"].as_u64().unwrap() > 0);
    let strict = shop.get("/api/search?q=cheap+wireless+headphones&match=all").json();
    assert_eq!(strict["total"], 0, "match=all keeps every word");
    assert!(strict.get("ignored_words").is_none());

    let page = shop.get("/search?q=cheap+wireless+headphones");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-testid=\"ignored-words\"") && page.body.contains("<s>cheap</s>"), "the page says which word was left out");
    assert!(page.body.contains("match=all"), "the query with every word is one click away");
    // Suggestions as the shopper types behave the same.
    let s = shop.get("/api/search/suggest?q=cheap+wireless+headphones").json();
    assert_eq!(s["ignored_words"], serde_json::json!(["cheap"]), "{s}");
    assert!(!s["products"].as_array().unwrap().is_empty(), "{s}");
    // A compound typed as two words finds what the shop writes as one.
    let r = shop.get("/api/search?q=head+phones").json();
    assert!(r["total"].as_u64().unwrap() > 0 && r["hits"][0]["url"].as_str().unwrap().contains("headphones"), "{r}");
    // Nothing relevant: still the zero-result page, with no stand-in results.
    let none = shop.get("/api/search?q=zzzzqqqq+xxxyyyww").json();
    assert_eq!(none["total"], 0);
    // A brand the shop does not carry is left out (WordNet's common words ship with the index and
    // are read in the worker); a word of the language the shop does not sell is not.
    let brand = shop.get("/api/search?q=le+creuset+casserole").json();
    assert!(brand["ignored_words"].as_array().unwrap().iter().any(|w| w == "creuset"), "{brand}");
    assert!(brand["hits"][0]["url"].as_str().unwrap().contains("casserole"), "{brand}");
    assert_eq!(shop.get("/api/search?q=yoga+mat").json()["total"], 0);
    // What a query asks to be without is left out here too (the index's chunks hold the word):
    // none of the Bluetooth headphones, and other headphones.
    let slugs = |q: &str| -> Vec<String> {
        let r = shop.get(&format!("/api/search?q={q}")).json();
        r["hits"].as_array().unwrap().iter().map(|h| h["slug"].as_str().unwrap_or_default().to_string()).collect()
    };
    let bluetooth = slugs("headphones+bluetooth&match=all");
    let without = slugs("headphones+no+bluetooth");
    assert!(!bluetooth.is_empty() && without.len() >= 3, "{bluetooth:?} {without:?}");
    assert!(without.iter().all(|s| !bluetooth.contains(s)), "{without:?} holds some of {bluetooth:?}");
    // A word the shop writes with a hyphen, typed as one; what a thing lets you do, said with a
    // verb ("dim": dimmable).
    let usbc = slugs("usbc+flash+drive");
    assert!(usbc.len() >= 3 && usbc.iter().take(3).all(|s| s.contains("usb-c-flash-drive")), "{usbc:?}");
    let dim = slugs("lamp+i+can+dim");
    assert!(dim.len() >= 3 && dim.iter().take(3).all(|s| s.contains("dimmable")), "{dim:?}");
}

#[test]
fn a_thin_result_goes_on_with_more_of_its_category_on_the_api_and_the_results_page() {
    let shop = Shop::shared();
    let c = catalog();
    let ip = client_ip(11, 1);
    // The first word of the shop's titles that finds a few products, all of one category with more.
    let words: Vec<String> = c.products.iter().flat_map(|p| p.title.to_lowercase().split(' ').map(str::to_string).collect::<Vec<_>>()).collect();
    let (word, r) = words
        .iter()
        .take(200)
        .find_map(|w| {
            let r = shop.request("GET", &format!("/api/search?q={w}"), &[("cf-connecting-ip", &ip)], None).json();
            let found: Vec<&str> = r["hits"].as_array()?.iter().filter_map(|h| h["slug"].as_str()).collect();
            let first = c.product(found.first()?)?;
            let one_category = found.iter().all(|s| c.product(s).is_some_and(|p| p.category == first.category));
            ((2..=6).contains(&found.len()) && one_category && c.products_in(&first.category).count() > found.len()).then(|| (w.clone(), r))
        })
        .expect("a word that finds a few products of one category");
    let category = c.product(r["hits"][0]["slug"].as_str().unwrap()).unwrap().category.clone();
    let related = &r["related"];
    assert_eq!(related["category"], category.as_str(), "{word}: {r}");
    let more = related["hits"].as_array().expect("related products");
    assert!(!more.is_empty());
    for h in more {
        let p = c.product(h["slug"].as_str().unwrap()).unwrap();
        assert_eq!(p.category, category);
        assert!(!r["hits"].as_array().unwrap().iter().any(|m| m["slug"] == h["slug"]), "{} is not a match", p.slug);
    }
    assert_eq!(r["total"].as_u64(), Some(r["hits"].as_array().unwrap().len() as u64), "the related products are not counted as matches");

    let page = shop.request("GET", &format!("/search?q={word}"), &[("cf-connecting-ip", &ip)], None);
    assert!(page.body.contains("data-testid=\"related\""), "the results page shows them");
    assert!(page.body.contains(&format!("href=\"/c/{category}/\"")), "with a link to the category");
    let first_more = more[0]["url"].as_str().unwrap();
    assert!(page.body.contains(&format!("href=\"{first_more}\"")), "{first_more} drawn as a card");
    // A filtered search shows only what matches.
    let filtered = shop.request("GET", &format!("/api/search?q={word}&category={category}"), &[("cf-connecting-ip", &ip)], None).json();
    assert!(filtered.get("related").is_none(), "{filtered}");
}

#[test]
fn a_hues_name_finds_the_shops_colours_on_the_api_and_in_suggestions() {
    let shop = Shop::shared();
    let c = catalog();
    let ip = client_ip(11, 2);
    // No product says blue; the sample shop's blues are Navy and Sky (WordNet: navy is dark blue).
    let blue = |slug: &str| c.product(slug).unwrap().options.iter().flat_map(|o| &o.values).any(|v| v == "Navy" || v == "Sky");
    let r = shop.request("GET", "/api/search?q=blue+hoodie", &[("cf-connecting-ip", &ip)], None).json();
    let first = r["total_all_words"].as_u64().unwrap() as usize;
    assert!(first > 0, "{r}");
    for h in r["hits"].as_array().unwrap().iter().take(first) {
        assert!(blue(h["slug"].as_str().unwrap()), "{h}");
    }
    let s = shop.request("GET", "/api/search/suggest?q=blue+hoodie", &[("cf-connecting-ip", &ip)], None).json();
    let products = s["products"].as_array().unwrap();
    assert!(!products.is_empty() && blue(products[0]["url"].as_str().unwrap().trim_matches('/').rsplit('/').next().unwrap()), "{s}");
}

#[test]
fn a_price_typed_among_the_words_filters_the_api_and_the_results_page() {
    let shop = Shop::shared();
    let ip = client_ip(11, 3);
    let r = shop.request("GET", "/api/search?q=hoodie+under+50", &[("cf-connecting-ip", &ip)], None).json();
    assert_eq!(r["price_words"]["phrase"], "under 50", "{r}");
    assert_eq!(r["price_words"]["query"], "hoodie");
    assert_eq!(r["price_words"]["max_minor"], 5000);
    let hits = r["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.iter().all(|h| h["price_minor"].as_u64().unwrap() < 5000), "{r}");
    let all = shop.request("GET", "/api/search?q=hoodie", &[("cf-connecting-ip", &ip)], None).json();
    assert!(all["total"].as_u64() > r["total"].as_u64(), "fewer hoodies under 50 than hoodies");

    let page = shop.request("GET", "/search?q=hoodie+under+50", &[("cf-connecting-ip", &ip)], None);
    assert!(page.body.contains("data-testid=\"price-words\">Prices under €50.00 "), "the page says the price was taken from the words, in money");
    assert!(page.body.contains("href=\"/search?q=hoodie\""), "the same words at any price are one click away");
    // Not a price: "1 kg" is a weight.
    let bag = shop.request("GET", "/api/search?q=sleeping+bag+under+1+kg", &[("cf-connecting-ip", &ip)], None).json();
    assert!(bag.get("price_words").is_none(), "{bag}");
}

#[test]
fn words_asking_for_a_sale_filter_the_api_and_the_results_page() {
    let shop = Shop::shared();
    let c = catalog();
    let ip = client_ip(11, 4);
    let on_sale = |slug: &str| c.product(slug).unwrap().variants.iter().any(|v| edgeshop_domain::variant_price(v).on_sale());
    let r = shop.request("GET", "/api/search?q=hoodies+on+sale&per_page=50", &[("cf-connecting-ip", &ip)], None).json();
    assert_eq!(r["sale_words"]["phrase"], "on sale", "{r}");
    assert_eq!(r["sale_words"]["query"], "hoodies");
    let hits = r["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.iter().all(|h| on_sale(h["slug"].as_str().unwrap())), "{r}");
    let all = shop.request("GET", "/api/search?q=hoodies&per_page=50", &[("cf-connecting-ip", &ip)], None).json();
    assert!(all["total"].as_u64() > r["total"].as_u64(), "not every hoodie is on sale");

    let page = shop.request("GET", "/search?q=hoodies+on+sale", &[("cf-connecting-ip", &ip)], None);
    assert!(page.body.contains("data-testid=\"sale-words\"") && page.body.contains("href=\"/search?q=hoodies\""), "says so, the rest one click away");
}

/// A gift search searches what the gift is about ("camps"), saying which words made it a gift
/// search; the occasion alone shows the shop's picks, never nothing.
#[test]
fn a_gift_search_searches_what_the_gift_is_about() {
    let shop = Shop::shared();
    let c = catalog();
    let ip = client_ip(11, 5);
    let r = shop.request("GET", "/api/search?q=gift+for+dad+who+camps", &[("cf-connecting-ip", &ip)], None).json();
    assert_eq!(r["gift_words"], "gift for dad who", "{r}");
    let first = r["hits"][0]["slug"].as_str().expect("products for camping");
    assert!(c.product(first).unwrap().category.starts_with("outdoor"), "{first} is no camping product");
    let camps = shop.request("GET", "/api/search?q=camps", &[("cf-connecting-ip", &ip)], None).json();
    assert_eq!(r["total"], camps["total"], "the same products as the words the gift is about");
    let picks = shop.request("GET", "/api/search?q=stocking+fillers", &[("cf-connecting-ip", &ip)], None).json();
    assert_eq!(picks["gift_words"], "stocking fillers", "{picks}");
    assert!(picks["total"].as_u64() > Some(0), "the occasion alone shows the shop's picks: {picks}");
    let page = shop.request("GET", "/search?q=present+for+a+runner", &[("cf-connecting-ip", &ip)], None);
    assert!(page.body.contains("data-testid=\"gift-words\">Gift ideas for “runner”."), "{}", page.body);
    // A gift for someone nothing in the shop matches: the picks, never nothing, saying so.
    let r = shop.request("GET", "/api/search?q=gift+for+new+homeowners", &[("cf-connecting-ip", &ip)], None).json();
    assert!(r["total"].as_u64() > Some(0) && r["ignored_words"] == serde_json::json!(["new", "homeowners"]), "{r}");
    let page = shop.request("GET", "/search?q=gift+for+new+homeowners", &[("cf-connecting-ip", &ip)], None);
    let said = "data-testid=\"gift-words\">Gift ideas: our picks and best sellers (nothing matched “new homeowners”).";
    assert!(page.body.contains(said) && !page.body.contains("data-testid=\"ignored-words\""), "{}", page.body);
}
