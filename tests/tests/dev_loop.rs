//! The development loop: `cargo xtask dev` serves the shop and, when a catalog file is saved,
//! rebuilds pages, search index and catalog data, not the worker; the running worker follows
//! the new catalog version, so the page and the cart show the new price within seconds.

use edgeshop_domain::Money;
use edgeshop_e2e::{root, wait_for, Shop};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn modified(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p).and_then(|m| m.modified()).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn a_saved_price_change_reaches_the_page_and_the_cart_without_a_worker_rebuild() {
    let work = root().join(format!("target/tmp/dev-loop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let catalog = work.join("catalog");
    copy_dir(&root().join("catalog"), &catalog);
    let c = edgeshop_catalog::load(&catalog).unwrap().catalog;
    let product =
        c.products.iter().find(|p| p.published && p.variants.len() == 1 && p.variants[0].stock >= 5 && p.variants[0].compare_at.is_none()).unwrap();
    let sku = product.variants[0].sku.clone();
    let old = product.variants[0].price;

    let shop = Shop::start_xtask_dev(&work, &catalog);
    let page = |path: &str| shop.get(path).body;
    let product_path = format!("/products/{}/", product.slug);
    assert!(page(&product_path).contains("/_dev/reload.js"), "pages under cargo xtask dev reload themselves after a rebuild");
    let r = shop.post_json("/api/cart/lines", &[("cf-connecting-ip", "10.7.0.1")], &json!({ "sku": sku, "quantity": 1 }).to_string());
    assert_eq!(r.status, 201, "{}", r.body);
    let cart = r.header("x-cart-id").unwrap().to_string();
    assert_eq!(r.json()["lines"][0]["unit_price"]["minor"], old.minor);
    let build_mark = work.join("dist/_dev/build.txt");
    // The first page is served before the browser bundles are built; the mark follows them.
    let mark_before = wait_for("the first build's mark", 300, || std::fs::read_to_string(&build_mark).ok());
    let worker = root().join("edge/build/index_bg.wasm");
    let worker_before = modified(&worker);

    // The merchant saves a new price.
    let new = Money::new(old.minor + 1000, old.currency);
    let file = catalog.join("products").join(format!("{}.toml", product.slug));
    let text = std::fs::read_to_string(&file).unwrap();
    let edited: String = text
        .lines()
        .map(|l| if l.trim_start().starts_with("price = ") { format!("price = {}", new.minor) } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(edited, text);
    let saved = Instant::now();
    std::fs::write(&file, edited + "\n").unwrap();

    let shown = new.format(&c.shop.locale);
    wait_for("the new price on the product page", 120, || page(&product_path).contains(&shown).then_some(()));
    let cart_price = wait_for("the new price in the cart", 30, || {
        let r = shop.request("GET", "/api/cart", &[("x-cart-id", &cart)], None);
        let v = r.json();
        (v["lines"][0]["unit_price"]["minor"] == new.minor).then_some(v)
    });
    let took = saved.elapsed();
    assert!(cart_price["price_changes"].as_array().is_some_and(|c| !c.is_empty()), "the cart says the price changed: {cart_price}");
    // Open pages are told to reload (the mark is rewritten after the build, which the page and the
    // cart may show a moment before).
    wait_for("a new build mark for open pages", 30, || std::fs::read_to_string(&build_mark).ok().filter(|m| *m != mark_before));
    assert_eq!(modified(&worker), worker_before, "the worker was not rebuilt");
    assert!(shop.log().contains("rebuilding (pages, search index, catalog data)"), "{}", shop.log());
    println!("price change visible after {:.1} s", took.as_secs_f64());
    assert!(took < Duration::from_secs(60), "took {took:?}");
    shop.stop();
    let _ = std::fs::remove_dir_all(&work);
}
