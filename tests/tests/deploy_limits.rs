//! Shops with more pages than the deploy may hold as static files: the build keeps the most
//! important product pages (and the first page of every category) as files and leaves the rest
//! (later listing pages included) to the worker, which renders them on
//! request with the same components (`edgeshop_app::render`) and caches them under the catalog
//! version. A generated shop is built twice: with every page static (the reference), and with
//! `--static-files` below what that build wrote (the site builder's way to try a plan's limit with
//! a small shop); the second is served by the same worker under `wrangler dev`.

use edgeshop_e2e::{admin_token, build_site_with, root, Shop};
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
fn pages_left_to_the_edge_are_the_pages_the_build_would_have_written() {
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
    let is_static = |slug: &str| dist.join(edgeshop_domain::paths::product_file(slug)).exists();
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
        let expected = std::fs::read_to_string(full.join(edgeshop_domain::paths::product_file(slug))).unwrap();
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
    // The categories' later listing pages: those that are not static files come from the worker,
    // the same bytes; every category's first page is a static file.
    let listings: Vec<String> = std::fs::read_dir(full.join("c"))
        .unwrap()
        .flatten()
        .flat_map(|c| {
            let slug = c.file_name().to_string_lossy().to_string();
            assert!(dist.join(format!("c/{slug}/index.html")).exists(), "/c/{slug}/ is a static file");
            std::fs::read_dir(c.path().join("page"))
                .into_iter()
                .flatten()
                .flatten()
                .map(move |n| format!("/c/{slug}/page/{}/", n.file_name().to_string_lossy()))
        })
        .collect();
    let edge_listings: Vec<&String> = listings.iter().filter(|p| !dist.join(format!("{}index.html", &p[1..])).exists()).collect();
    assert!(!edge_listings.is_empty(), "some of the {} later listing pages are left to the edge", listings.len());
    for path in &listings {
        let page = shop.get(path);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let expected = std::fs::read_to_string(full.join(format!("{}index.html", &path[1..]))).unwrap();
        assert!(page.body == expected, "{path} differs from the page the build writes:\n{}\n---\n{expected}", page.body);
        let how = if edge_listings.contains(&path) { Some("rendered") } else { None };
        assert_eq!(page.header("x-edgeshop-render"), how, "{path}");
    }
    let cached = shop.get(edge_listings[0]);
    assert_eq!((cached.status, cached.header("x-edgeshop-render")), (200, Some("cache")), "{}", edge_listings[0]);
    let bare = shop.get(edge_listings[0].trim_end_matches('/'));
    assert_eq!((bare.status, bare.header("location").map(|l| l.ends_with(edge_listings[0].as_str()))), (307, Some(true)), "{:?}", bare.headers);
    let category = edge_listings[0].split('/').nth(2).unwrap();
    for no_page in [
        format!("/c/{category}/page/1/"),
        format!("/c/{category}/page/02/"),
        format!("/c/{category}/page/+2/"),
        format!("/c/{category}/page/9999/"),
        "/c/nothing/page/2/".into(),
    ] {
        assert_eq!(shop.get(&no_page).status, 404, "{no_page}");
    }

    // Then from the edge cache, the same bytes.
    for slug in edge.iter().take(20) {
        let path = format!("/products/{slug}/");
        let again = shop.get(&path);
        assert_eq!((again.status, again.header("x-edgeshop-render")), (200, Some("cache")), "{path}");
        assert_eq!(again.body, std::fs::read_to_string(full.join(edgeshop_domain::paths::product_file(slug))).unwrap(), "{path} from the cache");
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

/// `[deploy] images = "r2"`: no image is a static file; the build's media store goes to the local
/// R2 bucket through the worker (what it lacks, once), and the worker serves every image a page
/// names with its type and a year of caching (the address names the content).
#[test]
fn images_kept_in_r2_are_uploaded_once_and_served_with_their_types_and_a_year_of_caching() {
    let work = root().join(format!("target/tmp/r2-images-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let catalog = work.join("catalog");
    generate(&catalog, 60);
    let shop_toml = catalog.join("shop.toml");
    let mut text = std::fs::read_to_string(&shop_toml).unwrap();
    text.push_str("\n[deploy]\nimages = \"r2\"\n");
    std::fs::write(&shop_toml, text).unwrap();
    let media = work.join("media");
    let media_arg = ["--media", media.to_str().unwrap()];

    // A photo among the drawings: one product's image becomes a PNG (a rendering of its SVG).
    build_site_with(&catalog, &work.join("first"), true, &media_arg);
    let png = std::fs::read_dir(&media)
        .unwrap()
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("a rendered PNG");
    std::fs::copy(&png, catalog.join("images/photo.png")).unwrap();
    let product_file = std::fs::read_dir(catalog.join("products")).unwrap().flatten().map(|e| e.path()).min().unwrap();
    let slug = product_file.file_stem().unwrap().to_string_lossy().to_string();
    let toml = std::fs::read_to_string(&product_file).unwrap();
    std::fs::write(&product_file, toml.replace(&format!("\"{slug}-1.svg\""), "\"photo.png\"")).unwrap();

    let dist = build_site_with(&catalog, &work, true, &media_arg);
    assert!(!dist.join("images").exists(), "no image is a static file");
    let keys: Vec<String> = std::fs::read_to_string(media.join("media.txt")).unwrap().lines().map(str::to_string).collect();
    assert!(keys.iter().any(|k| k.ends_with(".webp")) && keys.iter().any(|k| k.ends_with(".svg")), "{keys:?}");

    let shop = Shop::start_with_args(&Shop::fresh_state_dir(), &[], &["--assets", dist.to_str().unwrap()]);
    let to = shop.base.trim_start_matches("http://").to_string();
    let upload = || {
        let out = Command::new("cargo")
            .args(["run", "--quiet", "-p", "xtask", "--", "upload-media", "--to", &to, "--media"])
            .arg(&media)
            .current_dir(root())
            .output()
            .expect("run cargo xtask upload-media");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert!(upload().contains(&format!("{} images uploaded", keys.len())), "every image the first time");
    assert!(upload().contains("0 images uploaded"), "nothing the second time");
    let anonymous = shop.request("POST", &format!("/api/admin/media/{}", keys[0]), &[], Some("x"));
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    // A stored image is never replaced: its address names its content and is cached for a year.
    let auth = format!("Bearer {}", admin_token());
    let replace = shop.request("POST", &format!("/api/admin/media/{}", keys[0]), &[("authorization", &auth)], Some("x"));
    assert_eq!((replace.status, replace.content_type.as_str()), (409, "application/problem+json"), "{}", replace.body);
    // What is stored is the image its name says: not an empty body, nor another format.
    let hash = keys[0].split('/').next().unwrap();
    for body in ["", "not an image"] {
        let fake = shop.request("POST", &format!("/api/admin/media/{hash}/fake.png"), &[("authorization", &auth)], Some(body));
        assert_eq!((fake.status, fake.content_type.as_str()), (400, "application/problem+json"), "{}", fake.body);
    }

    let page = shop.get(&format!("/products/{slug}/")).body;
    let urls: std::collections::BTreeSet<String> =
        page.split("/media/").skip(1).map(|rest| format!("/media/{}", rest.split(['"', ' ', ',']).next().unwrap())).collect();
    assert!(urls.iter().any(|u| u.ends_with(".webp")) && urls.iter().any(|u| u.ends_with(".png")), "{urls:?}");
    for url in &urls {
        let image = shop.get(url);
        assert_eq!(image.status, 200, "{url}");
        let kind = match url.rsplit('.').next().unwrap() {
            "webp" => "image/webp",
            "png" => "image/png",
            "svg" => "image/svg+xml",
            other => panic!("{url}: {other}"),
        };
        assert_eq!(image.content_type, kind, "{url}");
        assert_eq!(image.header("cache-control"), Some("public, max-age=31536000, immutable"), "{url}");
        let stored = std::fs::read(media.join(url.trim_start_matches("/media/"))).unwrap();
        assert!(image.bytes == stored, "{url}: {} bytes, not the {} stored", image.bytes.len(), stored.len());
        assert!(shop.get(url).bytes == stored, "{url} again (from the edge cache)");
        // A browser that has it already is told so.
        let etag = image.header("etag").expect("an ETag").to_string();
        let again = shop.request("GET", url, &[("if-none-match", &etag)], None);
        assert_eq!((again.status, again.bytes.len()), (304, 0), "{url}");
    }
    assert_eq!(shop.get("/media/0123456789abcdef0123/nothing.png").status, 404);
    assert_eq!(shop.get("/media/../_catalog/catalog.json").status, 404);
    // The search API names the images' addresses too.
    let word = slug.split('-').max_by_key(|w| w.len()).unwrap();
    let found = shop.get(&format!("/api/search?q={word}")).json();
    let hits = found["hits"].as_array().cloned().unwrap_or_default();
    assert!(!hits.is_empty() && hits.iter().all(|h| h["image"].as_str().is_some_and(|i| i.starts_with("/media/"))), "{found}");
    shop.stop();
    let _ = std::fs::remove_dir_all(&work);
}
