//! Shops with more pages than the deploy may hold as static files: the build keeps the most
//! important product pages as files and leaves the rest to the worker, which renders them on
//! request with the same components (`edgeshop_app::render`) and caches them under the catalog
//! version. A generated shop is built twice: with every page static (the reference), and with
//! `--static-files` below what that build wrote (the site builder's way to try a plan's limit with
//! a small shop); the second is served by the same worker under `wrangler dev`.

use edgeshop_e2e::{build_site_with, root, Shop};
use std::path::Path;
use std::process::Command;

/// Files the build wrote, as the deploy counts them.
fn files(dir: &Path) -> u64 {
    std::fs::read_dir(dir).unwrap().flatten().map(|e| if e.file_type().unwrap().is_dir() { files(&e.path()) } else { 1 }).sum()
}

fn generate(out: &Path, products: usize) {
    let status = Command::new("cargo")
        .args(["run", "--quiet", "-p", "xtask", "--", "gen-catalog", "--seed", "5", "--products", &products.to_string(), "--out"])
        .arg(out)
        .current_dir(root())
        .status()
        .expect("run cargo xtask gen-catalog");
    assert!(status.success(), "gen-catalog failed");
}

#[test]
fn product_pages_left_to_the_edge_are_the_pages_the_build_would_have_written() {
    let work = root().join(format!("target/tmp/edge-pages-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let catalog = work.join("catalog");
    generate(&catalog, 400);
    let shop_data = edgeshop_catalog::load(&catalog).expect("the generated catalog validates");
    let published: Vec<String> = shop_data.catalog.products.iter().filter(|p| p.published).map(|p| p.slug.clone()).collect();

    // The reference: every page a static file.
    let full = build_site_with(&catalog, &work.join("full"), false, &[]);
    let limit = 600;
    assert!(files(&full) > limit, "the generated shop must be over the limit: {} files", files(&full));
    let dist = build_site_with(&catalog, &work.join("capped"), false, &["--static-files", &limit.to_string()]);
    // 16 files stay free for the browser bundles the build adds after the site builder.
    assert!(files(&dist) + 16 <= limit, "{} files", files(&dist));
    let is_static = |slug: &str| dist.join(format!("products/{slug}/index.html")).exists();
    let edge: Vec<&String> = published.iter().filter(|s| !is_static(s)).collect();
    assert!(!edge.is_empty() && edge.len() < published.len(), "{} of {} pages at the edge", edge.len(), published.len());
    // The featured products are among the static pages.
    for slug in &shop_data.catalog.shop.featured_products {
        assert!(is_static(slug), "featured {slug} is a static page");
    }

    let shop = Shop::start_with_args(&Shop::fresh_state_dir(), &[], &["--assets", dist.to_str().unwrap()]);
    for slug in &published {
        let path = format!("/products/{slug}/");
        let page = shop.get(&path);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let expected = std::fs::read_to_string(full.join(format!("products/{slug}/index.html"))).unwrap();
        assert!(page.body == expected, "{path} differs from the page the build writes:\n{}\n---\n{expected}", page.body);
        let rendered = page.header("x-edgeshop-render");
        if is_static(slug) {
            assert_eq!(rendered, None, "{path} is a static file");
        } else {
            assert_eq!(rendered, Some("rendered"), "{path} is rendered by the worker the first time");
            assert!(page.content_type.starts_with("text/html"), "{path}: {}", page.content_type);
            assert_eq!(page.header("cache-control"), Some("public, max-age=0, must-revalidate"));
        }
    }
    // Then from the edge cache, the same bytes.
    for slug in edge.iter().take(20) {
        let path = format!("/products/{slug}/");
        let again = shop.get(&path);
        assert_eq!((again.status, again.header("x-edgeshop-render")), (200, Some("cache")), "{path}");
        assert_eq!(again.body, std::fs::read_to_string(full.join(format!("products/{slug}/index.html"))).unwrap(), "{path} from the cache");
    }
    // One address per page, as for the static ones; an unknown product gets the shop's 404 page.
    let bare = shop.get(&format!("/products/{}", edge[0]));
    assert_eq!(bare.status, 307);
    assert!(bare.header("location").is_some_and(|l| l.ends_with(&format!("/products/{}/", edge[0]))), "{:?}", bare.headers);
    let missing = shop.get("/products/no-such-product/");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body, std::fs::read_to_string(full.join("404.html")).unwrap(), "the shop's 404 page");

    // Every product is in the sitemap and the feed, wherever its page comes from.
    let sitemap = shop.get("/sitemap.xml").body;
    let feed = shop.get("/feed.xml").body;
    for slug in &published {
        assert!(sitemap.contains(&format!("/products/{slug}/</loc>")), "{slug} in the sitemap");
        assert!(feed.contains(&format!("/products/{slug}/")), "{slug} in the feed");
    }
    // An edge page's form adds to the cart as a static page's does.
    let page = shop.get(&format!("/products/{}/", edge[0])).body;
    let sku = page.split("name=\"sku\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("the add-to-cart form's SKU");
    let added = shop.post_form("/cart/add", &[("cf-connecting-ip", "10.21.0.1")], &[("sku", sku), ("quantity", "1")]);
    assert_eq!(added.status, 303, "{}", added.body);
    shop.stop();
    let _ = std::fs::remove_dir_all(&work);
}
