//! A shop imported from Shopify and WooCommerce exports is built by the site builder and sold by
//! the same worker under `wrangler dev` (`--assets` points it at that build): the imported
//! products can be bought, hidden and sold-out ones cannot.

use edgeshop_e2e::{build_site, root, Shop};
use serde_json::json;
use std::path::Path;

fn import(format: &str, csv: &str, catalog: &Path) {
    let options = edgeshop_import::Options { today: "2026-12-01".into(), currency: "USD".into(), shop_name: "Imported Outfitters".into() };
    let format = edgeshop_import::Format::parse(format).unwrap();
    let fixture = root().join("import/tests/fixtures").join(csv);
    if let Err(errors) = edgeshop_import::import(format, &fixture, catalog, &options) {
        panic!("{csv}: {errors:?}");
    }
}

#[test]
fn an_imported_catalog_builds_and_its_products_can_be_bought() {
    let work = root().join(format!("target/tmp/imported-shop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let catalog = work.join("catalog");
    import("shopify", "shopify_product_template.csv", &catalog);
    import("shopify", "shopify_shop.csv", &catalog);
    import("woocommerce", "woocommerce_shop.csv", &catalog);
    let version = edgeshop_catalog::load(&catalog).expect("the imported catalog validates").catalog.version;

    let dist = build_site(&catalog, &work, true);
    assert!(dist.join(edgeshop_domain::paths::product_file("trail-runner")).exists());

    let shop = Shop::start_with_args(&Shop::fresh_state_dir(), &[], &["--assets", dist.to_str().unwrap()]);
    let health = shop.get("/api/health").json();
    assert_eq!(health["catalog_version"], version.as_str(), "{health}");
    let page = shop.get("/products/trail-runner/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Trail Runner 2") && !page.body.contains("steal()"), "the imported page is served");

    let add = |cart: Option<&str>, sku: &str, quantity: u32| {
        let mut headers = vec![("cf-connecting-ip", "10.6.0.1")];
        if let Some(c) = cart {
            headers.push(("x-cart-id", c));
        }
        shop.post_json("/api/cart/lines", &headers, &json!({ "sku": sku, "quantity": quantity }).to_string())
    };
    let r = add(None, "TR2-42-MOS", 2);
    assert_eq!(r.status, 201, "{}", r.body);
    let cart = r.header("x-cart-id").unwrap().to_string();
    // Backorderable at zero stock (Shopify's "continue"), and a WooCommerce sale price.
    assert_eq!(add(Some(&cart), "TR2-43-MOS", 1).status, 201);
    let r = add(Some(&cart), "MUG-ENAMEL", 1);
    assert_eq!(r.status, 201, "{}", r.body);
    // Sold out, and not published: refused with a problem.
    for sku in ["TR2-42-SLA", "SOCK-P"] {
        let r = add(Some(&cart), sku, 1);
        assert!(r.status == 409 || r.status == 422, "{sku}: {} {}", r.status, r.body);
        assert!(r.content_type.starts_with("application/problem+json"));
    }
    let body = json!({
        "address": { "name": "Ivy Importer", "line1": "1 Main St", "city": "Portland", "postal_code": "97201", "country": "US" },
        "contact": { "email": "ivy@example.com" }, "payment_method": "cash_on_delivery",
    });
    let r = shop.post_json(
        "/api/checkout",
        &[("cf-connecting-ip", "10.6.0.1"), ("x-cart-id", &cart), ("idempotency-key", "import-1")],
        &body.to_string(),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let order = r.json();
    // 2 × 129.00 + 129.00 + 12.50 (sale) + 5.00 flat shipping, no tax: the new shop's defaults.
    assert_eq!(order["total"]["minor"], 2 * 12900 + 12900 + 1250 + 500, "{order}");
    assert_eq!(order["total"]["currency"], "USD");
    shop.stop();
    let _ = std::fs::remove_dir_all(&work);
}
