//! The foundation, end to end: catalog → static pages + search index → worker under wrangler dev.

use edgeshop_domain::product_price_range;
use edgeshop_e2e::{run_browser_test, sample_catalog as catalog, Shop};

fn assert_problem(shop: &Shop, path: &str, status: u16) -> serde_json::Value {
    let r = shop.get(path);
    assert_eq!(r.status, status, "{path}: {}", r.body);
    assert_eq!(r.content_type, "application/problem+json", "{path}");
    let p = r.json();
    assert_eq!(p["status"], status);
    assert!(p["type"].as_str().is_some_and(|t| t.starts_with("https://")), "{p}");
    assert!(p["title"].is_string() && p["detail"].is_string(), "{p}");
    p
}

/// The worker and the search index report the version of the catalog the pages were built from;
/// the pages themselves do not carry it (a rebuild leaves the pages a change does not touch as
/// they are).
#[test]
fn index_and_worker_carry_the_catalog_version_of_the_build() {
    let shop = Shop::shared();
    let c = catalog();
    let health = shop.get("/api/health").json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["catalog_version"], c.version.as_str());
    assert_eq!(health["index_catalog_version"], c.version.as_str());
    assert_eq!(health["documents"], c.products.iter().filter(|p| p.published).count());
    let home = shop.get("/");
    assert_eq!(home.status, 200);
    assert!(!home.body.contains(&c.version), "no page says which build it comes from");
    assert!(home.body.contains(&c.shop.name));
}

#[test]
fn product_page_shows_its_price_and_search_finds_it() {
    let shop = Shop::shared();
    let c = catalog();
    // A product with a distinctive title word, from the middle of the catalog.
    let product = c.products.iter().filter(|p| p.published).nth(c.products.len() / 2).expect("products");
    let page = shop.get(&format!("/products/{}/", product.slug));
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&product.title.replace('&', "&amp;")), "title on page");
    let (lo, _) = product_price_range(product).expect("priced");
    let shown = lo.format(&c.shop.locale);
    assert!(page.body.contains(&shown), "price {shown} on the product page");
    for v in &product.variants {
        assert!(page.body.contains(&v.sku), "variant {} listed", v.sku);
    }

    let word = product.title.split_whitespace().max_by_key(|w| w.len()).expect("a title word");
    let found = shop.get(&format!("/api/search?q={word}&limit=100")).json();
    let hits = found["hits"].as_array().expect("hits");
    assert!(hits.iter().any(|h| h["slug"] == product.slug.as_str()), "`{word}` should find {}: {found}", product.slug);
    let hit = hits.iter().find(|h| h["slug"] == product.slug.as_str()).expect("hit");
    assert_eq!(hit["price_minor"], lo.minor);
    assert_eq!(hit["price"], shown.as_str());
    assert_eq!(found["catalog_version"], c.version.as_str());
}

#[test]
fn sku_search_is_exact() {
    let shop = Shop::shared();
    let c = catalog();
    let product = c.products.iter().rfind(|p| p.published).expect("products");
    let sku = &product.variants[0].sku;
    let found = shop.get(&format!("/api/search?q={sku}")).json();
    assert_eq!(found["hits"][0]["slug"], product.slug.as_str(), "{found}");
}

#[test]
fn hostile_queries_get_problem_json() {
    let shop = Shop::shared();
    let long = "a".repeat(10 * 1024);
    let p = assert_problem(shop, &format!("/api/search?q={long}"), 400);
    assert!(p["detail"].as_str().unwrap_or("").contains("bytes"), "{p}");
    assert_problem(shop, "/api/search?q=%FF%FE%FD", 400);
    assert_problem(shop, "/api/search?q=abc%2", 400);
    assert_problem(shop, "/api/search?q=x&limit=100000", 400);
    assert_problem(shop, "/api/search?q=x&limit=-1", 400);
    let many = vec!["w"; 1000].join("+");
    assert_problem(shop, &format!("/api/search?q={many}"), 400);
    assert_problem(shop, "/api/no-such-route", 404);
    // Only symbols: an empty result, not an error. No query at all lists every product.
    assert_eq!(shop.get("/api/search?q=%21%40%23%24%25%5E").json()["hits"].as_array().map(Vec::len), Some(0));
    let published = catalog().products.iter().filter(|p| p.published).count() as u64;
    assert_eq!(shop.get("/api/search?q=").json()["total"].as_u64(), Some(published));
}

#[test]
fn static_site_files() {
    let shop = Shop::shared();
    let c = catalog();
    let missing = shop.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Page not found"));
    let sitemap = shop.get("/sitemap.xml");
    assert_eq!(sitemap.status, 200);
    assert!(sitemap.body.contains(&format!("{}/products/{}/", c.shop.base_url, c.products[0].slug)));
    for own in ["/cart/", "/checkout/", "/orders/", "/account/", "/search/", "/404.html"] {
        assert!(!sitemap.body.contains(&format!("{}{own}<", c.shop.base_url)), "the shopper's own page {own} is in the sitemap");
    }
    assert!(shop.get("/robots.txt").body.contains("Sitemap:"));
    let top = c.top_level_categories().next().expect("a category");
    let cat = shop.get(&format!("/c/{}/", top.slug));
    assert_eq!(cat.status, 200);
    assert!(cat.body.contains(&top.name));
}

#[test]
fn browser_search_box_shows_results_as_you_type() {
    let shop = Shop::shared();
    run_browser_test("search.mjs", shop);
}

#[test]
fn browser_purchase_with_cash_on_delivery() {
    run_browser_test("purchase.mjs", Shop::shared());
}

#[test]
fn browser_purchase_with_online_payment() {
    edgeshop_e2e::run_browser_test_with("purchase.mjs", Shop::shared(), &[("PAYMENT", "online")]);
}

/// Every route reaches the worker before a static file of the same path could answer: the deploy
/// configuration's `run_worker_first` covers it (a feed file served as built would promise what sold
/// out since), but for the pages the worker renders only where the build left no file.
#[test]
fn the_deploy_configuration_runs_the_worker_first_for_every_route() {
    use edgeshop_api::routes::Route;
    let config = std::fs::read_to_string(edgeshop_e2e::root().join("wrangler.toml")).unwrap();
    let line = config.lines().find_map(|l| l.trim().strip_prefix("run_worker_first = ")).expect("run_worker_first in wrangler.toml");
    let patterns: Vec<&str> = line.trim_matches(['[', ']']).split(',').map(|p| p.trim().trim_matches('"')).collect();
    // `*` stands for any text, as Cloudflare reads these patterns.
    fn glob(pattern: &str, path: &str) -> bool {
        match pattern.split_once('*') {
            None => pattern == path,
            Some((head, tail)) => {
                path.strip_prefix(head).is_some_and(|rest| (0..=rest.len()).any(|i| rest.is_char_boundary(i) && glob(tail, &rest[i..])))
            }
        }
    }
    let fallbacks = [Route::ProductPage, Route::CategoryPage, Route::Media];
    for &route in Route::ALL.iter().filter(|r| !fallbacks.contains(r)) {
        let mut path = route.path().to_string();
        while let (Some(open), Some(close)) = (path.find('{'), path.find('}')) {
            path.replace_range(open..=close, "2");
        }
        assert!(patterns.iter().any(|p| glob(p, &path)), "{route:?} ({path}) is not in run_worker_first: {patterns:?}");
    }
}

/// The deploy configuration as a fresh clone has it: `wrangler deploy --dry-run` accepts it, it
/// names no placeholder resource ids (the first deploy creates them), and it sets nothing made for
/// development (no test provider, no fault switches, bench timing off).
#[test]
fn the_deploy_configuration_passes_a_dry_run_without_placeholders() {
    let root = edgeshop_e2e::root();
    let config = std::fs::read_to_string(root.join("wrangler.toml")).unwrap();
    for line in config.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        if let Some(id) = line.strip_prefix("id = ").or_else(|| line.strip_prefix("database_id = ")) {
            let id = id.trim_matches('"');
            assert!(id.len() >= 32 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-'), "placeholder resource id in wrangler.toml: {line}");
        }
        assert!(
            !line.starts_with("EDGESHOP_DEV")
                && !line.starts_with("EDGESHOP_FAULTS")
                && !line.starts_with("RESEND_API_BASE")
                && !line.starts_with("STRIPE_API_BASE")
                && !line.starts_with("TWILIO_API_BASE"),
            "{line}"
        );
    }
    assert!(config.contains("EDGESHOP_BENCH = \"0\""));
    let out_dir = root.join(format!("target/tmp/dry-run-{}", std::process::id()));
    let out = std::process::Command::new(root.join("node_modules/.bin/wrangler"))
        .args(["deploy", "--dry-run", "--outdir"])
        .arg(&out_dir)
        .current_dir(&root)
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("WRANGLER_SEND_METRICS", "false")
        // `cargo xtask test` built the shop: the [build] step has nothing to do.
        .env("EDGESHOP_PREBUILT", "1")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "wrangler deploy --dry-run failed:\n{text}");
    assert!(text.contains("--dry-run: exiting now") && text.contains("Total Upload"), "{text}");
    assert!(text.contains("built already by cargo xtask"), "the [build] step ran: {text}");
    let _ = std::fs::remove_dir_all(&out_dir);
}
