//! Every kind of catalog mistake is reported with the file and the exact line.

use std::fs;
use std::path::{Path, PathBuf};

const SHOP: &str = r#"name = "Test Shop"
tagline = "Things"
currency = "EUR"
locale = "en-IE"
base_url = "https://shop.test"
featured_products = ["alpha-jacket"]
featured_categories = ["apparel"]

[shipping]
flat_rate = 495
free_over = 5000
countries = ["IE", "DE"]

[tax]
rate_bp = 2300
prices_include_tax = true
"#;

const CATEGORIES: &str = r#"[[category]]
slug = "apparel"
name = "Apparel"

[[category]]
slug = "apparel/jackets"
name = "Jackets"
"#;

/// Line numbers below refer to this text.
const PRODUCT: &str = r#"title = "Alpha Jacket"
slug = "alpha-jacket"
brand = "Northwind"
category = "apparel/jackets"
created = "2026-01-05"
description = "A **warm** jacket."

[attributes]
Material = "Wool"

[[images]]
file = "alpha.svg"
alt = "Alpha Jacket"
width = 800
height = 800

[[options]]
name = "Size"
values = ["S", "M"]

[[variants]]
sku = "ALPHA-S"
options = ["S"]
price = 12900
compare_at_price = 15900
stock = 3

[[variants]]
sku = "ALPHA-M"
options = ["M"]
price = 12900
stock = 0
"#;

struct Fixture(PathBuf);

impl Fixture {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("edgeshop-catalog-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("products")).unwrap();
        fs::create_dir_all(dir.join("images")).unwrap();
        fs::write(dir.join("shop.toml"), SHOP).unwrap();
        fs::write(dir.join("categories.toml"), CATEGORIES).unwrap();
        fs::write(dir.join("products/alpha-jacket.toml"), PRODUCT).unwrap();
        fs::write(dir.join("images/alpha.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap();
        Fixture(dir)
    }

    fn write(&self, rel: &str, text: &str) -> &Self {
        fs::write(self.0.join(rel), text).unwrap();
        self
    }

    fn path(&self, rel: &str) -> String {
        self.0.join(rel).display().to_string()
    }

    fn errors(&self) -> String {
        match edgeshop_catalog::load(&self.0) {
            Ok(_) => panic!("expected the catalog in {} to be rejected", self.0.display()),
            Err(e) => e.to_string(),
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn assert_has(errors: &str, expected: &str) {
    assert!(errors.contains(expected), "expected `{expected}` in:\n{errors}");
}

#[test]
fn valid_catalog_loads_with_a_content_version() {
    let f = Fixture::new("valid");
    let shop = edgeshop_catalog::load(&f.0).unwrap();
    let c = &shop.catalog;
    assert_eq!(c.products.len(), 1);
    assert_eq!(c.products[0].variants[1].option_values, vec!["M"]);
    assert_eq!(c.products[0].variants[0].compare_at.unwrap().minor, 15900);
    assert_eq!(c.products[0].attributes, vec![("Material".to_string(), "Wool".to_string())]);
    assert_eq!(c.version.len(), 16);
    let v1 = c.version.clone();
    assert_eq!(edgeshop_catalog::load(&f.0).unwrap().catalog.version, v1, "same files, same version");
    f.write("images/alpha.svg", "<svg xmlns='http://www.w3.org/2000/svg'><rect/></svg>");
    assert_ne!(edgeshop_catalog::load(&f.0).unwrap().catalog.version, v1, "any file change changes the version");
}

#[test]
fn duplicate_sku_names_both_places() {
    let f = Fixture::new("dup-sku");
    f.write("products/beta.toml", &PRODUCT.replace("alpha-jacket", "beta-jacket").replace("ALPHA-M", "BETA-M"));
    let errors = f.errors();
    assert_has(
        &errors,
        &format!("{}:22: duplicate SKU `ALPHA-S` (first used in {}:22)", f.path("products/beta.toml"), f.path("products/alpha-jacket.toml")),
    );
}

#[test]
fn duplicate_slug() {
    let f = Fixture::new("dup-slug");
    f.write("products/copy.toml", &PRODUCT.replace("ALPHA-", "COPY-"));
    assert_has(&f.errors(), &format!("{}:2: duplicate slug `alpha-jacket`", f.path("products/copy.toml")));
}

/// A slug that would name a file Windows refuses (`products/aux.html`) gets its file and line.
#[test]
fn device_names_of_windows_are_refused_as_slugs() {
    let f = Fixture::new("windows-names");
    f.write("products/aux.toml", &PRODUCT.replace("slug = \"alpha-jacket\"", "slug = \"aux\"").replace("ALPHA-", "AUX-"));
    fs::create_dir_all(f.0.join("pages")).unwrap();
    f.write("pages/con.md", "# Con\n\nHello.\n");
    let errors = f.errors();
    assert_has(&errors, &format!("{}:2: product slug `aux` cannot be used: `aux` is a device name on Windows", f.path("products/aux.toml")));
    assert!(errors.lines().any(|e| e.contains("con.md") && e.contains("device name on Windows")), "{errors}");
}

#[test]
fn unknown_category() {
    let f = Fixture::new("unknown-cat");
    f.write("products/alpha-jacket.toml", &PRODUCT.replace("\"apparel/jackets\"", "\"apparel/jakets\""));
    assert_has(&f.errors(), &format!("{}:4: unknown category `apparel/jakets`", f.path("products/alpha-jacket.toml")));
}

#[test]
fn negative_price() {
    let f = Fixture::new("negative");
    f.write("products/alpha-jacket.toml", &PRODUCT.replacen("price = 12900", "price = -5", 1));
    assert_has(&f.errors(), &format!("{}:24: price must not be negative, found `-5`", f.path("products/alpha-jacket.toml")));
}

#[test]
fn non_integer_price() {
    let f = Fixture::new("float");
    f.write("products/alpha-jacket.toml", &PRODUCT.replacen("price = 12900\nstock = 0", "price = 129.5\nstock = 0", 1));
    assert_has(
        &f.errors(),
        &format!("{}:31: price must be an integer number of minor units (cents), found `129.5`", f.path("products/alpha-jacket.toml")),
    );
}

#[test]
fn variant_not_matching_options() {
    let f = Fixture::new("options");
    f.write("products/alpha-jacket.toml", &PRODUCT.replace("options = [\"M\"]", "options = [\"XL\"]"));
    assert_has(
        &f.errors(),
        &format!("{}:28: variant options [\"XL\"] do not match the product options (Size: S, M)", f.path("products/alpha-jacket.toml")),
    );
}

#[test]
fn missing_image() {
    let f = Fixture::new("image");
    fs::remove_file(f.0.join("images/alpha.svg")).unwrap();
    assert_has(&f.errors(), &format!("{}:12: image `alpha.svg` not found in", f.path("products/alpha-jacket.toml")));
}

#[test]
fn toml_syntax_and_missing_fields_have_lines() {
    let f = Fixture::new("syntax");
    f.write("products/alpha-jacket.toml", &PRODUCT.replace("brand = \"Northwind\"", "brand = Northwind"));
    assert_has(&f.errors(), &format!("{}:3:", f.path("products/alpha-jacket.toml")));
    f.write("products/alpha-jacket.toml", &PRODUCT.replace("brand = \"Northwind\"\n", ""));
    assert_has(&f.errors(), &format!("{}:1: missing field `brand`", f.path("products/alpha-jacket.toml")));
}

#[test]
fn all_problems_are_reported_at_once() {
    let f = Fixture::new("many");
    f.write("products/alpha-jacket.toml", &PRODUCT.replace("\"apparel/jackets\"", "\"nope\"").replacen("price = 12900", "price = -1", 1));
    let errors = f.errors();
    assert_has(&errors, "unknown category `nope`");
    assert_has(&errors, "price must not be negative");
    assert_has(&errors, "2 problem(s) in the catalog");
}

#[test]
fn shop_file_references_are_checked() {
    let f = Fixture::new("shop");
    f.write("shop.toml", &SHOP.replace("[\"alpha-jacket\"]", "[\"ghost\"]").replace("\"EUR\"", "\"euro\""));
    let errors = f.errors();
    assert_has(&errors, &format!("{}:3: `euro` is not a three-letter ISO 4217 currency code", f.path("shop.toml")));
    assert!(Path::new(&f.path("shop.toml")).exists());
}

#[test]
fn references_get_a_did_you_mean() {
    let f = Fixture::new("did-you-mean");
    f.write(
        "products/alpha-jacket.toml",
        &PRODUCT.replace("category = \"apparel/jackets\"", "category = \"apparel/jacket\"").replace("file = \"alpha.svg\"", "file = \"alpah.svg\""),
    );
    f.write("shop.toml", &SHOP.replace("featured_categories = [\"apparel\"]", "featured_categories = [\"aparel\"]"));
    let errors = f.errors();
    let product = f.path("products/alpha-jacket.toml");
    assert_has(&errors, &format!("{product}:4: unknown category `apparel/jacket` (did you mean `apparel/jackets`?)"));
    assert_has(&errors, &format!("{product}:12: image `alpah.svg` not found in"));
    assert_has(&errors, "(did you mean `alpha.svg`?)");
    assert_has(
        &errors,
        &format!("{}:7: featured category `aparel` is not declared in categories.toml (did you mean `apparel`?)", f.path("shop.toml")),
    );
}

#[test]
fn image_sizes_are_read_from_the_files() {
    let f = Fixture::new("image-size");
    f.write("images/alpha.svg", "<svg xmlns='http://www.w3.org/2000/svg' width='800' height='600'/>");
    assert_has(&f.errors(), &format!("{}:11: image `alpha.svg` is 800×600 pixels, declared 800×800", f.path("products/alpha-jacket.toml")));
    f.write("images/alpha.svg", "not an image at all");
    assert_has(&f.errors(), "`alpha.svg` is not an image this build can read");
}

#[test]
fn currencies_countries_and_dates_are_checked_against_real_lists() {
    let f = Fixture::new("iso");
    f.write("shop.toml", &SHOP.replace("currency = \"EUR\"", "currency = \"EUX\"").replace("[\"IE\", \"DE\"]", "[\"IE\", \"UK\", \"XX\"]"));
    f.write("products/alpha-jacket.toml", &PRODUCT.replace("created = \"2026-01-05\"", "created = \"2026-02-30\""));
    let errors = f.errors();
    let shop = f.path("shop.toml");
    assert_has(&errors, &format!("{shop}:3: `EUX` is not an ISO 4217 currency code (did you mean `EUR`?)"));
    assert_has(&errors, &format!("{shop}:12: `UK` is not an ISO 3166-1 alpha-2 country code (did you mean `GB`?)"));
    assert_has(&errors, "`XX` is not an ISO 3166-1 alpha-2 country code");
    assert_has(&errors, &format!("{}:5: created must be a real date", f.path("products/alpha-jacket.toml")));
    // A TOML date is as good as the string.
    let g = Fixture::new("toml-date");
    g.write("products/alpha-jacket.toml", &PRODUCT.replace("created = \"2026-01-05\"", "created = 2024-02-29"));
    assert_eq!(edgeshop_catalog::load(&g.0).unwrap().catalog.products[0].created, "2024-02-29");
    g.write("products/alpha-jacket.toml", &PRODUCT.replace("created = \"2026-01-05\"", "created = 2023-02-29"));
    assert_has(&g.errors(), &format!("{}:5: invalid date", g.path("products/alpha-jacket.toml")));
}

#[test]
fn the_deploy_plan_is_read_and_a_wrong_one_has_its_line() {
    let f = Fixture::new("deploy");
    assert_eq!(edgeshop_catalog::load(&f.0).unwrap().catalog.shop.deploy.plan, edgeshop_domain::Plan::Free, "Free unless told");
    f.write("shop.toml", &format!("{SHOP}\n[deploy]\nplan = \"paid\"\n"));
    assert_eq!(edgeshop_catalog::load(&f.0).unwrap().catalog.shop.deploy.plan, edgeshop_domain::Plan::Paid);
    f.write("shop.toml", &format!("{SHOP}\n[deploy]\nplan = \"pro\"\n"));
    let line = SHOP.lines().count() + 3;
    assert_has(&f.errors(), &format!("{}:{line}:", f.path("shop.toml")));
}

/// With a product cache, a rebuild gives what a load without one gives (catalog and version),
/// and a cached product that a change elsewhere breaks is reported like any other, at its line.
#[test]
fn cached_products_are_checked_against_the_other_files_again() {
    let f = Fixture::new("cache");
    let cache_path = f.0.join("cache/products.cache");
    let cache = edgeshop_catalog::ProductCache { path: &cache_path, key: "test" };
    let cached = |f: &Fixture| edgeshop_catalog::load_cached(&f.0, &cache).inspect(|shop| shop.save_cache(&cache).expect("the cache is saved"));
    f.write("products/beta.toml", &PRODUCT.replace("alpha-jacket", "beta-jacket").replace("ALPHA-", "BETA-"));
    let plain = edgeshop_catalog::load(&f.0).unwrap().catalog;
    assert_eq!(cached(&f).unwrap().catalog, plain, "first load: fills the cache");
    assert!(cache_path.exists());
    assert_eq!(cached(&f).unwrap().catalog, plain, "from the cache");
    let other_key = edgeshop_catalog::ProductCache { path: &cache_path, key: "another builder" };
    let other = edgeshop_catalog::load_cached(&f.0, &other_key).unwrap();
    other.save_cache(&other_key).unwrap();
    assert_eq!(other.catalog, plain);
    assert_eq!(cached(&f).unwrap().catalog, plain);

    // One product changed: it is parsed, the other comes from the cache.
    f.write("products/beta.toml", &PRODUCT.replace("alpha-jacket", "beta-jacket").replace("ALPHA-", "BETA-").replace("12900", "13900"));
    let changed = cached(&f).unwrap();
    assert_eq!(changed.catalog, edgeshop_catalog::load(&f.0).unwrap().catalog);
    assert_eq!(changed.catalog.products.iter().find(|p| p.slug == "beta-jacket").unwrap().variants[0].price.minor, 13900);
    assert_eq!(changed.product_files["alpha-jacket"], "products/alpha-jacket.toml");

    // A file sorted before the cached one takes its SKU: the cached product's file is reported.
    f.write("products/aaa.toml", &PRODUCT.replace("alpha-jacket", "aaa-jacket").replace("ALPHA-M", "AAA-M"));
    let errors = match cached(&f) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a duplicate SKU was let through"),
    };
    assert_has(
        &errors,
        &format!("{}:22: duplicate SKU `ALPHA-S` (first used in {}:22)", f.path("products/alpha-jacket.toml"), f.path("products/aaa.toml")),
    );
    fs::remove_file(f.0.join("products/aaa.toml")).unwrap();
    assert_eq!(cached(&f).unwrap().catalog.products.len(), 2);

    // The category, the image and the currency are checked again.
    f.write("categories.toml", &CATEGORIES.replace("apparel/jackets", "apparel/coats"));
    assert_has(&f.cached_errors(&cache), &format!("{}:4: unknown category `apparel/jackets`", f.path("products/alpha-jacket.toml")));
    f.write("categories.toml", CATEGORIES);
    fs::remove_file(f.0.join("images/alpha.svg")).unwrap();
    assert_has(&f.cached_errors(&cache), &format!("{}:12: image `alpha.svg` not found", f.path("products/alpha-jacket.toml")));
    f.write("images/alpha.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
    f.write("shop.toml", &SHOP.replace("EUR", "USD"));
    let usd = cached(&f).unwrap().catalog;
    assert!(usd.products.iter().flat_map(|p| &p.variants).all(|v| v.price.currency == edgeshop_domain::Currency::USD));
    assert_eq!(usd, edgeshop_catalog::load(&f.0).unwrap().catalog);

    // A cache that cannot be read is no cache.
    fs::write(&cache_path, b"not a cache").unwrap();
    assert_eq!(cached(&f).unwrap().catalog, usd);
}

/// Image and product files are not read again while their stamps (length, times, inode) are the
/// ones the last build read them with; one rewritten since is read again, even with its old
/// modification time, and an unread product that a change elsewhere breaks is reported at its line.
#[test]
fn files_rewritten_since_the_last_build_are_read_again() {
    let f = Fixture::new("file-stamps");
    let cache_path = f.0.join("cache/products.cache");
    let cache = edgeshop_catalog::ProductCache { path: &cache_path, key: "test" };
    let load = |f: &Fixture| edgeshop_catalog::load_cached(&f.0, &cache).inspect(|shop| shop.save_cache(&cache).unwrap());
    let image = f.0.join("images/alpha.svg");
    let before = "<svg xmlns='http://www.w3.org/2000/svg' width='1'/>";
    f.write("images/alpha.svg", before);
    let modified = |path: &Path| fs::metadata(path).unwrap().modified().unwrap();
    let (image_time, product_time) = (modified(&image), modified(&f.0.join("products/alpha-jacket.toml")));
    // Stamps are kept only for files left alone for a few seconds.
    std::thread::sleep(std::time::Duration::from_millis(3200));
    let first = load(&f).unwrap();
    assert!(cache_path.with_file_name("files.cache").exists(), "stamps kept");
    let again = load(&f).unwrap();
    assert_eq!((&again.catalog, &again.image_digests), (&first.catalog, &first.image_digests));
    assert_eq!(again.catalog, edgeshop_catalog::load(&f.0).unwrap().catalog);

    // A product that a change elsewhere breaks is read and reported at its line.
    f.write("categories.toml", &CATEGORIES.replace("apparel/jackets", "apparel/coats"));
    assert_has(&f.cached_errors(&cache), &format!("{}:4: unknown category `apparel/jackets`", f.path("products/alpha-jacket.toml")));
    f.write("categories.toml", CATEGORIES);

    // The same length, other bytes, the old modification time.
    let after = before.replace("width='1'", "width='2'");
    assert_eq!(after.len(), before.len());
    f.write("images/alpha.svg", &after);
    fs::File::options().write(true).open(&image).unwrap().set_modified(image_time).unwrap();
    assert!(PRODUCT.contains("12900"));
    f.write("products/alpha-jacket.toml", &PRODUCT.replacen("12900", "13900", 1));
    fs::File::options().write(true).open(f.0.join("products/alpha-jacket.toml")).unwrap().set_modified(product_time).unwrap();
    let changed = load(&f).unwrap();
    assert_ne!(changed.image_digests["alpha.svg"], first.image_digests["alpha.svg"]);
    assert_eq!(changed.catalog.products[0].variants[0].price.minor, 13900);
    assert_ne!(changed.catalog.version, first.catalog.version);
    assert_eq!(changed.catalog, edgeshop_catalog::load(&f.0).unwrap().catalog);
}

impl Fixture {
    fn cached_errors(&self, cache: &edgeshop_catalog::ProductCache) -> String {
        match edgeshop_catalog::load_cached(&self.0, cache) {
            Ok(_) => panic!("expected the catalog in {} to be rejected", self.0.display()),
            Err(e) => e.to_string(),
        }
    }
}

#[test]
fn what_a_merchant_gets_wrong_by_hand_is_named_with_its_line() {
    // Image names go into web addresses; formats the build cannot render; an SVG named .png.
    let f = Fixture::new("merchant-images");
    f.write("images/Red Shoe (1).svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
    f.write("products/alpha-jacket.toml", &PRODUCT.replace("file = \"alpha.svg\"", "file = \"Red Shoe (1).svg\""));
    let product = f.path("products/alpha-jacket.toml");
    assert_has(&f.errors(), &format!("{product}:12: image name `Red Shoe (1).svg` goes into web addresses"));
    assert_has(&f.errors(), "e.g. `red-shoe-1.svg`");
    f.write("images/alpha.gif", "GIF89a\x01\x00\x01\x00\x00\x00\x00;");
    f.write("products/alpha-jacket.toml", &PRODUCT.replace("file = \"alpha.svg\"", "file = \"alpha.gif\""));
    assert_has(&f.errors(), &format!("{product}:12: `alpha.gif`: the build renders JPEG, PNG, WebP and SVG images"));
    f.write("images/alpha.png", "<svg xmlns='http://www.w3.org/2000/svg' width='800' height='800'/>");
    f.write("products/alpha-jacket.toml", &PRODUCT.replace("file = \"alpha.svg\"", "file = \"alpha.png\""));
    assert_has(&f.errors(), &format!("{product}:12: `alpha.png` is an SVG drawing: give it the extension of what it is"));

    // A compare-at price under the price (columns swapped).
    let g = Fixture::new("merchant-prices");
    g.write("products/alpha-jacket.toml", &PRODUCT.replace("compare_at_price = 15900", "compare_at_price = 9900"));
    assert_has(&g.errors(), &format!("{}:25: compare_at_price 9900 is not above price 12900", g.path("products/alpha-jacket.toml")));

    // A shop that ships nowhere, an address without its scheme, a draft on the home page.
    let h = Fixture::new("merchant-shop");
    h.write("shop.toml", &SHOP.replace("countries = [\"IE\", \"DE\"]\n", "").replace("https://shop.test", "shop.test"));
    h.write("products/alpha-jacket.toml", &PRODUCT.replace("description =", "published = false\ndescription ="));
    let errors = h.errors();
    let shop = h.path("shop.toml");
    assert_has(&errors, &format!("{shop}:10: [shipping] countries must list"));
    assert_has(&errors, &format!("{shop}:5: base_url `shop.test` must be the shop's address with its scheme"));
    assert_has(&errors, &format!("{shop}:6: featured product `alpha-jacket` is not published"));

    // Files the build would skip without a word, and page names that are no address.
    let k = Fixture::new("merchant-files");
    k.write("products/beta.toml.txt", "title = \"Beta\"");
    fs::create_dir_all(k.0.join("pages")).unwrap();
    k.write("pages/Why us?.md", "# Why us\n\nBecause.");
    k.write("pages/returns.md", "\u{feff}# Returns\n\n30 days.");
    let errors = k.errors();
    assert_has(&errors, &format!("{}: not read: the build reads products/<slug>.toml files", k.path("products/beta.toml.txt")));
    assert_has(&errors, "`Why us?` names the page's address");
    fs::remove_file(k.0.join("products/beta.toml.txt")).unwrap();
    fs::remove_file(k.0.join("pages/Why us?.md")).unwrap();
    let loaded = edgeshop_catalog::load(&k.0).unwrap();
    assert_eq!(loaded.pages.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["Returns"], "a byte-order mark hides no title");
}

#[test]
fn shipping_zones_load_and_their_mistakes_have_lines() {
    let zones = "\n[[shipping.zones]]\nname = \"Germany\"\ncountries = [\"DE\"]\nflat_rate = 995\nfree_over = 10000\n";
    let f = Fixture::new("zones");
    f.write("shop.toml", &SHOP.replace("\n[tax]", &format!("{zones}\n[tax]")));
    let shop = edgeshop_catalog::load(&f.0).unwrap().catalog.shop;
    let zone = &shop.shipping.zones[0];
    assert_eq!(
        (zone.name.as_str(), zone.countries.as_slice(), zone.flat_rate.minor, zone.free_over.map(|m| m.minor)),
        ("Germany", &["DE".to_string()][..], 995, Some(10000))
    );
    assert_eq!(shop.shipping.rate_for(Some("DE")).0.minor, 995);
    assert_eq!(shop.shipping.rate_for(Some("IE")).0.minor, 495);

    // A country the shop does not ship to, one in two zones, a rate that is no amount.
    let bad = "\n[[shipping.zones]]\nname = \"Europe\"\ncountries = [\"DE\", \"FR\"]\nflat_rate = 995\n\n[[shipping.zones]]\nname = \"Also Germany\"\ncountries = [\"DE\"]\nflat_rate = 9.95\n";
    f.write("shop.toml", &SHOP.replace("\n[tax]", &format!("{bad}\n[tax]")));
    let errors = f.errors();
    let shop_toml = f.path("shop.toml");
    assert_has(&errors, &format!("{shop_toml}:16: shipping zone `Europe` lists `FR`, which is not in [shipping] countries"));
    assert_has(&errors, &format!("{shop_toml}:21: `DE` is in two shipping zones; a country has one rate"));
    assert_has(&errors, &format!("{shop_toml}:22: shipping zone flat_rate must be an integer number of minor units (cents), found `9.95`"));
}

#[test]
fn tax_rates_by_country_load_and_their_mistakes_have_lines() {
    let f = Fixture::new("tax-countries");
    f.write("shop.toml", &format!("{SHOP}\n[tax.countries]\nDE = 1900\n"));
    let shop = edgeshop_catalog::load(&f.0).unwrap().catalog.shop;
    assert_eq!((shop.tax.rate_for(Some("DE")), shop.tax.rate_for(Some("IE")), shop.tax.rate_for(None)), (1900, 2300, 2300));

    // A country the shop does not ship to; rates written as percentages past 100.
    f.write("shop.toml", &format!("{}\n[tax.countries]\nDE = 19000\nFR = 2000\n", SHOP.replace("rate_bp = 2300", "rate_bp = 23000")));
    let errors = f.errors();
    let shop_toml = f.path("shop.toml");
    assert_has(&errors, &format!("{shop_toml}:15: [tax] rate_bp 23000 is over 100 %: write the rate in basis points (23 % is 2300)"));
    assert_has(&errors, &format!("{shop_toml}:19: the tax rate of `DE` 19000 is over 100 %"));
    assert_has(&errors, &format!("{shop_toml}:20: [tax.countries] gives `FR` a rate, but `FR` is not in [shipping] countries"));
    // A percentage typed as it is written.
    f.write("shop.toml", &format!("{SHOP}\n[tax.countries]\nDE = 19\n"));
    assert_has(&f.errors(), &format!("{shop_toml}:19: the tax rate of `DE` 19 is under 1 %: write the rate in basis points (19 % is 1900)"));
}
