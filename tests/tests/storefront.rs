//! Storefront pages for search engines: JSON-LD equal to the catalog, Open Graph tags, a sitemap
//! whose every URL answers 200, and the Merchant Center feed, all served by wrangler dev.

use edgeshop_domain::{lowest_price, product_price_range, variant_price, Product};
use edgeshop_e2e::{sample_catalog as catalog, Shop};
use serde_json::Value;

fn json_ld(html: &str) -> Vec<Value> {
    let open = "<script type=\"application/ld+json\">";
    html.split(open).skip(1).map(|rest| serde_json::from_str(&rest[..rest.find("</script>").unwrap()]).expect("valid JSON-LD")).collect()
}

/// `content` of the `<meta>` tag with `attr="name"` (attribute order does not matter).
fn meta_content(html: &str, attr: &str, name: &str) -> Option<String> {
    html.split("<meta ").skip(1).map(|t| &t[..t.find('>').unwrap_or(t.len())]).find(|t| t.contains(&format!("{attr}=\"{name}\""))).and_then(|t| {
        let start = t.find("content=\"")? + 9;
        Some(t[start..start + t[start..].find('"')?].to_string())
    })
}

fn of_type<'a>(blocks: &'a [Value], t: &str) -> &'a Value {
    blocks.iter().find(|b| b["@type"] == t).unwrap_or_else(|| panic!("no {t} block in {blocks:?}"))
}

fn check_offer(offer: &Value, p: &Product, sku: &str) {
    let v = p.variant_by_sku(sku).unwrap_or_else(|| panic!("offer for unknown sku {sku}"));
    let price = variant_price(v).amount;
    assert_eq!(offer["@type"], "Offer");
    assert_eq!(offer["price"], price.decimal().as_str(), "{sku}");
    assert_eq!(offer["priceCurrency"], price.currency.code());
    let availability = if v.available() { "https://schema.org/InStock" } else { "https://schema.org/OutOfStock" };
    assert_eq!(offer["availability"], availability, "{sku}");
}

#[test]
fn product_json_ld_matches_the_catalog() {
    let shop = Shop::shared();
    let c = catalog();
    let multi = c.products.iter().find(|p| p.published && p.variants.len() > 2).unwrap();
    let single = c.products.iter().find(|p| p.published && p.variants.len() == 1).unwrap();
    for p in [multi, single] {
        let page = shop.get(&format!("/products/{}/", p.slug));
        assert_eq!(page.status, 200);
        let blocks = json_ld(&page.body);
        let product = of_type(&blocks, "Product");
        assert_eq!(product["@context"], "https://schema.org");
        assert_eq!(product["name"], p.title.as_str());
        assert_eq!(product["brand"]["name"], p.brand.as_str());
        assert_eq!(product["url"], format!("{}/products/{}/", c.shop.base_url, p.slug).as_str());
        assert!(product["image"].as_array().is_some_and(|i| !i.is_empty()));
        let offers = &product["offers"];
        if p.variants.len() == 1 {
            check_offer(offers, p, &p.variants[0].sku);
        } else {
            assert_eq!(offers["@type"], "AggregateOffer");
            let prices: Vec<_> = p.variants.iter().map(|v| variant_price(v).amount).collect();
            assert_eq!(offers["lowPrice"], prices.iter().min_by_key(|m| m.minor).unwrap().decimal().as_str());
            assert_eq!(offers["highPrice"], prices.iter().max_by_key(|m| m.minor).unwrap().decimal().as_str());
            assert_eq!(offers["offerCount"], p.variants.len());
            let list = offers["offers"].as_array().unwrap();
            assert_eq!(list.len(), p.variants.len());
            for o in list {
                check_offer(o, p, o["sku"].as_str().unwrap());
            }
        }
        let crumbs = of_type(&blocks, "BreadcrumbList");
        let items = crumbs["itemListElement"].as_array().unwrap();
        assert_eq!(items.first().unwrap()["name"], "Home");
        assert_eq!(items.last().unwrap()["name"], p.title.as_str());
        // Open Graph and Twitter cards with the product image.
        assert_eq!(meta_content(&page.body, "property", "og:type").as_deref(), Some("product"));
        assert_eq!(meta_content(&page.body, "property", "og:title").as_deref(), Some(p.title.as_str()));
        // Share images are raster (the build renders vector images to PNG for them).
        let og_image = meta_content(&page.body, "property", "og:image").expect("og:image");
        let stem = p.images[0].file.rsplit_once('.').map_or(p.images[0].file.as_str(), |(s, _)| s);
        assert!(og_image.starts_with(&format!("{}/images/{stem}-", c.shop.base_url)) && og_image.ends_with(".png"), "{og_image}");
        assert_eq!(shop.get(og_image.strip_prefix(&c.shop.base_url).unwrap()).status, 200, "{og_image}");
        assert_eq!(meta_content(&page.body, "name", "twitter:card").as_deref(), Some("summary_large_image"));
    }
    let home = shop.get("/");
    assert_eq!(of_type(&json_ld(&home.body), "Organization")["name"], c.shop.name.as_str());
    assert_eq!(meta_content(&shop.get("/cart/").body, "name", "robots").as_deref(), Some("noindex"));
    assert_eq!(meta_content(&page_of(shop, "/"), "name", "robots"), None, "the home page is indexable");
}

fn page_of(shop: &Shop, path: &str) -> String {
    shop.get(path).body
}

#[test]
fn every_sitemap_url_answers_200() {
    let shop = Shop::shared();
    let c = catalog();
    let sitemap = shop.get("/sitemap.xml");
    assert_eq!(sitemap.status, 200);
    let urls: Vec<&str> = sitemap.body.split("<loc>").skip(1).map(|r| &r[..r.find("</loc>").unwrap()]).collect();
    assert!(urls.len() > c.products.len(), "sitemap lists {} URLs", urls.len());
    for url in urls {
        let path = url.strip_prefix(&c.shop.base_url).unwrap_or_else(|| panic!("{url} is not under {}", c.shop.base_url));
        let r = shop.get(path);
        assert_eq!(r.status, 200, "{path}");
    }
    // A product's page is the file `products/{slug}.html`, served at the address with its slash;
    // the address without it, and the file's own name, lead there.
    let slug = &c.products.iter().find(|p| p.published).expect("a product").slug;
    for other in [format!("/products/{slug}"), format!("/products/{slug}.html")] {
        let r = shop.get(&other);
        assert!(matches!(r.status, 301 | 302 | 307 | 308), "{other}: {}", r.status);
        assert_eq!(r.header("location"), Some(format!("/products/{slug}/").as_str()), "{other}");
    }
}

#[test]
fn merchant_feed_lists_every_variant_once() {
    let shop = Shop::shared();
    let c = catalog();
    let feed = shop.get("/feed.xml");
    assert_eq!(feed.status, 200);
    assert!(feed.body.starts_with("<?xml") && feed.body.contains("xmlns:g=\"http://base.google.com/ns/1.0\""));
    for p in c.products.iter().filter(|p| p.published) {
        for v in &p.variants {
            assert_eq!(feed.body.matches(&format!("<g:id>{}</g:id>", v.sku)).count(), 1, "{}", v.sku);
        }
    }
    let items = feed.body.matches("<item>").count();
    assert_eq!(items, c.products.iter().filter(|p| p.published).map(|p| p.variants.len()).sum::<usize>());
    // Later feed files (`feed-2.xml`, … past 10,000 items) go through the worker too, which marks
    // what sold out in them as in `feed.xml`; this shop has one file, so a later one is a problem.
    for missing in ["/feed-2.xml", "/feed-02.xml", "/feed-1.xml"] {
        let answer = shop.get(missing);
        assert_eq!((answer.status, answer.content_type.as_str()), (404, "application/problem+json"), "{missing}: {}", answer.body);
    }
}

#[test]
fn browser_category_filters_sort_and_back_button() {
    edgeshop_e2e::run_browser_test("filters.mjs", Shop::shared());
}

#[test]
fn browser_pages_work_without_javascript() {
    let shop = Shop::shared();
    let made = shop.admin("POST", "/api/admin/discounts", Some(r#"{"code":"NOJS-5","kind":"percent","value":5}"#));
    assert_eq!(made.status, 201, "{}", made.body);
    // A delivered order, for the return form of the order page.
    let sku = catalog()
        .products
        .iter()
        .filter(|p| p.published)
        .flat_map(|p| p.variants.iter())
        .filter(|v| v.stock >= 6)
        .nth(20)
        .expect("stock")
        .sku
        .clone();
    let delivered = shop.delivered_order(&edgeshop_e2e::client_ip(15, 1), &[(&sku, 2)], "nojs-return");
    let url = delivered["order_url"].as_str().unwrap();
    edgeshop_e2e::run_browser_test_with("nojs.mjs", shop, &[("DISCOUNT_CODE", "NOJS-5"), ("RETURN_ORDER_URL", url)]);
}

#[test]
fn browser_islands_wake_when_used_and_keep_what_was_done_before() {
    edgeshop_e2e::run_browser_test("lazy-islands.mjs", Shop::shared());
}

#[test]
fn browser_axe_finds_no_serious_accessibility_violations() {
    edgeshop_e2e::run_browser_test("a11y.mjs", Shop::shared());
}

#[test]
fn browser_keyboard_only_purchase_path_and_variant_picker() {
    edgeshop_e2e::run_browser_test("keyboard.mjs", Shop::shared());
}

/// A card shows the price of the product's cheapest variant and, when that variant is on sale, the
/// price it was (struck through); a product page shows "from" only when its prices differ.
#[test]
fn cards_show_the_was_price_of_a_sale_and_pages_no_price_twice() {
    let shop = Shop::shared();
    let c = catalog();
    let on_sale = c.products.iter().find(|p| p.published && lowest_price(p).is_some_and(|l| l.compare_at.is_some())).expect("a product on sale");
    let was = lowest_price(on_sale).and_then(|l| l.compare_at).expect("was").format(&c.shop.locale);
    let page = shop.get(&format!("/search?q={}", on_sale.title.replace(' ', "+").replace('&', "%26")));
    assert_eq!(page.status, 200);
    let card = page.body.split("<li class=\"card\"").find(|card| card.contains(&format!("/products/{}/", on_sale.slug))).expect("the product's card");
    assert!(
        card.contains(&format!("<s class=\"was\"><span class=\"visually-hidden\"> was </span>{}</s>", was.replace('\u{a0}', "&nbsp;")))
            || card.contains(&format!("<s class=\"was\"><span class=\"visually-hidden\"> was </span>{was}</s>")),
        "{card}"
    );

    let one_price = c.products.iter().find(|p| p.published && product_price_range(p).is_some_and(|(lo, hi)| lo == hi)).expect("one price");
    assert!(!shop.get(&format!("/products/{}/", one_price.slug)).body.contains("data-testid=\"price\""));
    let from = c.products.iter().find(|p| p.published && product_price_range(p).is_some_and(|(lo, hi)| lo != hi)).expect("prices differ");
    let lo = product_price_range(from).expect("priced").0.format(&c.shop.locale);
    let page = shop.get(&format!("/products/{}/", from.slug)).body;
    assert!(page.contains("data-testid=\"price\"") && page.contains(&format!(">from {lo}</p>")), "{page}");
}
