//! Imports of real-shaped exports (Shopify's own template, fixtures for both formats) into fresh
//! catalog directories, checked through the catalog loader the build uses; every bad-file case
//! gets a row:column error and writes nothing.

use edgeshop_domain::{Catalog, StockPolicy};
use edgeshop_import::{import, Format, ImportError, Options, Report};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A fresh directory under the system's temporary one, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> TempDir {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("edgeshop-import-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    TempDir(dir)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn options() -> Options {
    Options { today: "2026-12-01".into(), currency: "USD".into(), shop_name: "Imported \"Test\" Shop".into() }
}

fn run(format: Format, csv: &Path, dir: &Path) -> Report {
    import(format, csv, dir, &options()).unwrap_or_else(|e| panic!("{}", e.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))
}

fn load(dir: &Path) -> Catalog {
    match edgeshop_catalog::load(dir) {
        Ok(shop) => shop.catalog,
        Err(e) => panic!("the imported catalog does not validate:\n{e}"),
    }
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn shopifys_own_template_imports_and_validates() {
    let dir = tempdir();
    let report = run(Format::Shopify, &fixture("shopify_product_template.csv"), dir.path());
    assert_eq!(report.created.iter().map(|e| e.slug.as_str()).collect::<Vec<_>>(), ["example-shirt", "example-pants", "example-hat"]);
    let c = load(dir.path());
    let shirt = c.product("example-shirt").unwrap();
    assert_eq!(shirt.options.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["Color", "Size"]);
    assert_eq!(shirt.variants.len(), 12);
    assert_eq!(shirt.variants[0].price.minor, 2500);
    assert_eq!(shirt.variants[0].stock_policy, StockPolicy::Continue, "Shopify sells variants whose inventory is not tracked");
    assert!(shirt.published);
    assert_eq!(shirt.category, "apparel-accessories/clothing/clothing-tops/t-shirts");
    // The merchant's own Type stays as a tag beside Shopify's standard category.
    assert_eq!(shirt.tags, ["Made to Order", "Shirt Tag", "Shirts"]);
    let pants = c.product("example-pants").unwrap();
    assert!(!pants.published, "a draft is imported unpublished");
    assert_eq!(pants.variants.iter().map(|v| v.stock).collect::<Vec<_>>(), [20, 15, 10]);
    assert_eq!(pants.variants[0].compare_at, None, "a compare-at price below the price is ignored");
    assert!(report.warnings.iter().any(|w| w.slug == "example-pants" && w.note.contains("compare-at")), "{report}");
    let hat = c.product("example-hat").unwrap();
    assert!(hat.options.is_empty() && hat.variants[0].option_values.is_empty(), "Default Title means no options");
    assert_eq!((hat.variants[0].price.minor, hat.variants[0].compare_at.map(|m| m.minor)), (1799, Some(2299)));
    assert!(!hat.published, "archived");
    // Remote photos are listed to download; the build works offline with a placeholder meanwhile.
    assert!(report.images_to_download >= 6, "{report}");
    let list = std::fs::read_to_string(dir.path().join("images-to-download.tsv")).unwrap();
    let listed = list.lines().find_map(|l| l.strip_prefix("https://burst.shopifycdn.com/photos/tshirts.jpg?width=1500\timages/"));
    assert!(listed.is_some_and(|f| f.starts_with("example-shirt-") && f.ends_with(".jpg")), "{list}");
    assert!(shirt.images[0].file.ends_with("placeholder.svg"));
}

#[test]
fn shopify_variants_prices_html_and_images() {
    let dir = tempdir();
    let report = run(Format::Shopify, &fixture("shopify_shop.csv"), dir.path());
    let skipped: Vec<&str> = report.skipped.iter().map(|e| e.note.as_str()).collect();
    assert!(skipped.iter().any(|n| n.contains("gift card")) && skipped.iter().any(|n| n.contains("digital")), "{report}");
    let c = load(dir.path());
    let p = c.product("trail-runner").unwrap();
    assert_eq!(p.brand, "Ridge");
    assert_eq!(p.variants.iter().map(|v| v.sku.as_str()).collect::<Vec<_>>(), ["TR2-42-MOS", "TR2-43-MOS", "TR2-42-SLA"]);
    assert_eq!(p.options[0].values, ["42", "43"]);
    assert_eq!(p.options[1].values, ["Moss", "Slate"]);
    let v = &p.variants;
    assert_eq!((v[0].price.minor, v[0].compare_at.map(|m| m.minor)), (12900, Some(14900)));
    assert_eq!((v[1].stock, v[1].stock_policy), (0, StockPolicy::Continue));
    assert_eq!((v[2].price.minor, v[2].stock), (11950, 0), "negative stock (oversold) becomes 0");
    // The description is safe Markdown.
    let d = &p.description_md;
    assert!(d.contains("Grippy **lugs** for mud.") && d.contains("[size chart](https://example.com/size)") && d.contains("- Vegan"), "{d}");
    assert!(!d.contains("alert") && !d.contains("steal") && !d.to_lowercase().contains("javascript"), "{d}");
    // The local image is copied with its real size; the remote one waits to be downloaded.
    assert_eq!((p.images[0].file.as_str(), p.images[0].width, p.images[0].height), ("trail-runner-1.png", 30, 20));
    assert_eq!(p.images[0].alt, "Trail Runner 2 in moss");
    assert!(dir.path().join("images/trail-runner-1.png").exists());
    assert_eq!(report.images_to_download, 1);
    assert!(!c.product("hidden-sock").unwrap().published);
    assert!(c.product("gift-card").is_none() && c.product("ebook").is_none());

    // Once the listed photo is downloaded, importing again uses it.
    let list = std::fs::read_to_string(dir.path().join("images-to-download.tsv")).unwrap();
    let listed = list.lines().find_map(|l| l.split_once('\t')).map(|(_, file)| file.to_string()).unwrap();
    std::fs::copy(fixture("images/trail-runner.png"), dir.path().join(listed)).unwrap();
    let again = run(Format::Shopify, &fixture("shopify_shop.csv"), dir.path());
    assert_eq!(again.images_to_download, 0);
    assert_eq!(again.changed.iter().map(|e| e.slug.as_str()).collect::<Vec<_>>(), ["trail-runner"]);
    assert_eq!(load(dir.path()).product("trail-runner").unwrap().images.len(), 2);
}

#[test]
fn woocommerce_simple_variable_and_unsellable_types() {
    let dir = tempdir();
    let report = run(Format::WooCommerce, &fixture("woocommerce_shop.csv"), dir.path());
    let c = load(dir.path());
    let mug = c.product("enamel-camp-mug").unwrap();
    assert_eq!(
        (mug.variants[0].price.minor, mug.variants[0].compare_at.map(|m| m.minor)),
        (1250, Some(1500)),
        "sale price with the regular one struck through"
    );
    assert_eq!((mug.variants[0].stock, mug.variants[0].stock_policy), (25, StockPolicy::Deny));
    assert_eq!(mug.category, "camp/kitchen");
    assert!(mug.tags.contains(&"Gifts".to_string()), "the second category becomes a tag: {:?}", mug.tags);
    assert_eq!(mug.attributes, [("Material".to_string(), "Enamel, steel".to_string())]);
    assert!(
        !mug.description_md.contains("evil") && !mug.description_md.contains("alert") && mug.description_md.contains("350 ml"),
        "{}",
        mug.description_md
    );
    let fleece = c.product("ridge-fleece").unwrap();
    assert_eq!(fleece.options.len(), 1);
    assert_eq!(fleece.options[0].values, ["S", "M"]);
    assert_eq!(fleece.attributes, [("Fabric".to_string(), "Recycled polyester".to_string())]);
    let m = fleece.variants.iter().find(|v| v.sku == "FLEECE-M").unwrap();
    assert_eq!((m.price.minor, m.compare_at.map(|c| c.minor), m.stock_policy), (7000, Some(8000), StockPolicy::Continue), "backorders allowed");
    assert!(!c.product("old-stove").unwrap().published, "hidden from the catalog");
    assert!(!c.product("draft-lamp").unwrap().published);
    assert_eq!(c.product("draft-lamp").unwrap().variants[0].stock_policy, StockPolicy::Continue, "stock not managed");
    for (name, why) in [("partner-tent", "external"), ("camp-set", "grouped"), ("map-reading-lesson", "virtual")] {
        assert!(c.product(name).is_none());
        assert!(report.skipped.iter().any(|e| e.slug == name && e.note.contains(why)), "{name}: {report}");
    }
}

/// What WooCommerce's exporter writes that a hand-made file would not: prices with the shop's
/// decimal comma, `'` before a cell starting with `-` or `@`, scheduled sales, stock kept on the
/// parent (`parent`), disabled (Published 0) and virtual variations, downloadable goods that ship.
#[test]
fn woocommerce_exporter_quirks() {
    let dir = tempdir();
    let csv = dir.path().join("export.csv");
    let rows = [
        "ID,Type,SKU,Name,Published,Visibility in catalog,Date sale price starts,Date sale price ends,Regular price,Sale price,Stock,In stock?,Backorders allowed?,Categories,Parent,Attribute 1 name,Attribute 1 value(s),Attribute 1 visible,Description",
        "10,simple,MUG-1,'@Home Mug,1,visible,2030-11-28 00:00:00,2030-12-01 23:59:59,\"12,50\",\"10,00\",'-3,1,0,Kitchen,,,,,",
        "11,simple,BOTTLE-1,Bottle,1,visible,2026-11-01,2026-12-31,20,15,5,1,0,Kitchen,,,,,",
        "12,simple,FLASK-1,Flask,1,visible,2026-01-01,2026-01-31,30,20,5,1,0,Kitchen,,,,,",
        "20,variable,TEE,Tee,1,visible,,,,,8,1,0,Apparel,,Size,\"S, M, L\",1,",
        "21,variation,TEE-S,Tee - S,1,visible,,,10,,parent,1,0,,id:20,Size,S,1,",
        "22,variation,TEE-M,Tee - M,0,visible,,,10,,3,1,0,,id:20,Size,M,1,",
        "23,\"variation, virtual\",TEE-L,Tee - L,1,visible,,,10,,3,1,0,,id:20,Size,L,1,",
        // WordPress keeps paragraphs as blank lines; the exporter writes a line break as `\n`.
        "30,\"simple, downloadable\",BOOK-1,Atlas,1,visible,,,25,,4,1,0,Books,,,,,First part.\\n\\nSecond part\\nwith a line break.",
    ];
    std::fs::write(&csv, rows.join("\n")).unwrap();
    let report = run(Format::WooCommerce, &csv, dir.path());
    let c = load(dir.path());
    let mug = c.product("home-mug").unwrap_or_else(|| panic!("{report}"));
    assert_eq!(mug.title, "@Home Mug", "the exporter's formula guard is taken off");
    let v = &mug.variants[0];
    assert_eq!((v.price.minor, v.compare_at, v.stock), (1250, None, 0), "a sale that starts in 2030 is not on; stock '-3 is -3, sold out");
    let bottle = &c.product("bottle").unwrap().variants[0];
    assert_eq!((bottle.price.minor, bottle.compare_at.map(|m| m.minor)), (1500, Some(2000)), "a sale running today");
    assert_eq!(c.product("flask").unwrap().variants[0].price.minor, 3000, "a sale that ended");
    let tee = c.product("tee").unwrap();
    assert_eq!(tee.variants.iter().map(|v| (v.sku.as_str(), v.stock)).collect::<Vec<_>>(), [("TEE-S", 8)], "{report}");
    assert!(report.skipped.iter().any(|e| e.note.contains("disabled")), "{report}");
    assert!(report.skipped.iter().any(|e| e.note.contains("virtual")), "{report}");
    assert_eq!(c.product("atlas").map(|p| p.variants[0].price.minor), Some(2500), "downloadable and shipped: {report}");
    let atlas = c.product("atlas").unwrap();
    assert!(atlas.description_md.contains("First part.\n\nSecond part"), "paragraphs kept: {:?}", atlas.description_md);
}

/// SKUs as shops write them (spaces, slashes) become SKUs the catalog takes, with a warning; an
/// export without stock counts says so.
#[test]
fn shopify_skus_with_spaces_and_exports_without_stock_counts() {
    let dir = tempdir();
    let csv = dir.path().join("products_export.csv");
    std::fs::write(
        &csv,
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Tracker,Variant Inventory Policy,Variant Price\n\
         tee,Tee,Size,S,TS 001/BLK,shopify,deny,10\n\
         tee,,,M,TS 001/WHT,shopify,deny,10\n",
    )
    .unwrap();
    let report = run(Format::Shopify, &csv, dir.path());
    let c = load(dir.path());
    let skus: Vec<&str> = c.product("tee").unwrap().variants.iter().map(|v| v.sku.as_str()).collect();
    assert_eq!(skus, ["TS-001-BLK", "TS-001-WHT"]);
    assert!(report.warnings.iter().any(|w| w.note.contains("`TS 001/BLK` becomes `TS-001-BLK`")), "{report}");
    assert!(report.warnings.iter().any(|w| w.note.contains("Variant Inventory Qty")), "{report}");
    // Two SKUs that become one: the second variant's is made its own, with both rows named.
    std::fs::write(&csv, "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price\nmug,Mug,Size,S,A/B,5\nmug,,,M,A B,5\n").unwrap();
    let report = run(Format::Shopify, &csv, dir.path());
    let skus: Vec<String> = load(dir.path()).product("mug").unwrap().variants.iter().map(|v| v.sku.clone()).collect();
    assert_eq!(skus, ["A-B", "A-B-2"]);
    assert!(report.warnings.iter().any(|w| w.row == 3 && w.note.contains("`A-B` is also at row 2")), "{report}");
    // The quote Shopify's export puts before a long number is no part of it, and no warning.
    std::fs::write(&csv, "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price\ncase,Case,Size,S,'93717665410945092286,5\n").unwrap();
    let report = run(Format::Shopify, &csv, dir.path());
    assert_eq!(load(dir.path()).product("case").unwrap().variants[0].sku, "93717665410945092286");
    assert!(!report.warnings.iter().any(|w| w.note.contains("becomes")), "{report}");
}

#[test]
fn shopify_stock_owed_to_orders_and_skipped_products_counted_once() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "products_export.csv",
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Qty,Variant Inventory Policy,Variant Price,Variant Requires Shipping\n\
         pot,Pot,Size,S,P-S,-3,deny,10,true\n\
         pot,,,M,P-M,2,deny,10,true\n\
         pot,,,L,P-L,1,deny,10,false\n\
         card,Gift card,Title,Default Title,G-1,,deny,25,false\n",
    );
    let report = run(Format::Shopify, &csv, dir.path());
    let pot = load(dir.path()).product("pot").cloned().unwrap_or_else(|| panic!("{report}"));
    assert_eq!(pot.variants.iter().map(|v| v.stock).collect::<Vec<_>>(), [0, 2], "{report}");
    assert!(report.warnings.iter().any(|w| w.note == "stock -3: 3 units owed to orders; imported as 0"), "{report}");
    // The gift card is one product skipped; the pot's collected size is a variant left out of a
    // product imported, said once.
    let summary = report.to_string();
    assert!(summary.starts_with("1 created, 0 changed, 0 unchanged, 1 skipped;"), "{summary}");
    assert!(report.warnings.iter().any(|w| w.slug == "pot" && w.note.starts_with("1 variant need")), "{report}");
}

#[test]
fn shopify_handles_in_another_script_stay_apart_and_their_new_addresses_are_said_once() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "products_export.csv",
        "Handle,Title,Type,Product Category,Variant SKU,Variant Price\n\
         مجموعة-الدخون,Oud set,Incense,Uncategorized,A-1,10\n\
         مجموعة_الدخون,Oud box,Incense,Uncategorized,B-1,12\n\
         plain-tee,Tee,Tees,Apparel & Accessories > Clothing,C-1,5\n",
    );
    let report = run(Format::Shopify, &csv, dir.path());
    let c = load(dir.path());
    let titles: Vec<&str> = c.products.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles.len(), 3, "two handles that make one address are two products: {titles:?} {report}");
    let box_ = c.products.iter().find(|p| p.title == "Oud box").unwrap();
    assert!(box_.slug.ends_with("-2"), "{}", box_.slug);
    assert!(report.warnings.iter().any(|w| w.note.contains("make one address") && w.slug == box_.slug), "{report}");
    let moved: Vec<&edgeshop_import::Entry> = report.warnings.iter().filter(|w| w.note.contains("redirect the old addresses")).collect();
    assert_eq!(moved.len(), 1, "{report}");
    assert!(moved[0].note.starts_with("2 products get"), "{}", moved[0].note);
    // Shopify's "Uncategorized" standard category leaves the merchant's type as the category.
    assert!(box_.category.starts_with("incense"), "{}", box_.category);
    assert_eq!(c.products.iter().find(|p| p.title == "Tee").unwrap().category, "apparel-accessories/clothing");
}

#[test]
fn a_note_many_products_share_is_counted_after_the_first_few() {
    let dir = tempdir();
    let rows: String = (1..=8).map(|i| format!("p{i},P{i},S-{i},5,FALSE\n")).collect();
    let csv = csv_file(&dir, "products_export.csv", &format!("Handle,Title,Variant SKU,Variant Price,Variant Taxable\n{rows}"));
    let report = run(Format::Shopify, &csv, dir.path());
    let text = report.to_string();
    let untaxed = report.warnings.iter().filter(|w| w.note.contains("tax")).count();
    assert_eq!(untaxed, 8, "{text}");
    assert_eq!(text.lines().filter(|l| l.contains("warning") && l.contains("tax")).count(), 3, "{text}");
    assert!(text.contains("… and 5 more warnings like them (`--all` lists every one)"), "{text}");
    let full = report.full();
    assert_eq!(full.lines().filter(|l| l.contains("warning") && l.contains("tax")).count(), 8, "{full}");
}

/// Every product left out is named, however many share the reason.
#[test]
fn every_skipped_product_is_named() {
    let dir = tempdir();
    let rows: String = (1..=7).map(|i| format!("p{i},P{i},Digital downloads,S-{i},5,FALSE\n")).collect();
    let csv = csv_file(
        &dir,
        "products_export.csv",
        &format!("Handle,Title,Type,Variant SKU,Variant Price,Variant Requires Shipping\nok,Ok,,OK-1,5,TRUE\n{rows}"),
    );
    let report = run(Format::Shopify, &csv, dir.path());
    let text = report.to_string();
    let products: std::collections::HashSet<&str> = report.skipped.iter().map(|e| e.slug.as_str()).collect();
    assert_eq!(products.len(), 7, "{text}");
    for i in 1..=7 {
        assert!(text.contains(&format!(" skipped p{i}: ")), "p{i} is not named: {text}");
    }
    assert!(!text.contains("more skipped") && !text.contains("Nothing was imported"), "{text}");
}

/// Notes alike but for the values they name (a SKU changed, per variant) are counted after the
/// first few too, and every SKU change is listed in a file for the merchant's apps.
#[test]
fn sku_changes_are_counted_in_the_report_and_listed_in_a_file() {
    let dir = tempdir();
    let rows: String = (1..=9).map(|i| format!("p{i},P{i},S {i}/X,5,A photo.\n")).collect();
    let csv = csv_file(&dir, "products_export.csv", &format!("Handle,Title,Variant SKU,Variant Price,Body (HTML)\n{rows}"));
    let report = run(Format::Shopify, &csv, dir.path());
    let text = report.to_string();
    assert_eq!(report.warnings.iter().filter(|w| w.note.contains("becomes")).count(), 9, "{text}");
    assert_eq!(text.lines().filter(|l| l.contains("becomes")).count(), 3, "{text}");
    assert!(text.contains("… and 6 more warnings like them (every SKU change is in sku-changes.tsv; `--all` lists every note)"), "{text}");
    let list = std::fs::read_to_string(dir.path().join("sku-changes.tsv")).unwrap();
    assert_eq!(list.lines().filter(|l| !l.starts_with('#')).count(), 10, "a header and nine changes: {list}");
    assert!(list.contains("2\tp1\tS 1/X\tS-1-X\n"), "{list}");
    // Imported again without changes to make, the list goes.
    let rows: String = (1..=9).map(|i| format!("p{i},P{i},S-{i}-X,5,A photo.\n")).collect();
    std::fs::write(&csv, format!("Handle,Title,Variant SKU,Variant Price,Body (HTML)\n{rows}")).unwrap();
    run(Format::Shopify, &csv, dir.path());
    assert!(!dir.path().join("sku-changes.tsv").exists());
}

/// A product file of another kind is named, with what to do.
#[test]
fn another_kind_of_product_file_is_named() {
    let dir = tempdir();
    let csv = csv_file(&dir, "suite.csv", "post_title,post_name,post_content,sku,regular_price,tax:product_cat\nTee,tee,Soft,T-1,10,Tees\n");
    let errors = import(Format::WooCommerce, &csv, &dir.path().join("catalog"), &options()).unwrap_err();
    assert!(errors[0].message.contains("Product CSV Import Suite") && errors[0].message.contains("Products → Export"), "{}", errors[0].message);
    let csv = csv_file(&dir, "shopify.csv", "Handle,Title,Variant SKU,Variant Price\ntee,Tee,T-1,10\n");
    let errors = import(Format::WooCommerce, &csv, &dir.path().join("catalog"), &options()).unwrap_err();
    assert!(errors[0].message.contains("import shopify"), "{}", errors[0].message);
}

#[test]
fn a_woocommerce_file_without_a_published_column_publishes() {
    let dir = tempdir();
    let csv = csv_file(&dir, "wc.csv", "ID,Type,SKU,Name,Regular price,Categories\n1,simple,A-1,Alpha,20,Tees\n");
    let report = run(Format::WooCommerce, &csv, dir.path());
    assert!(load(dir.path()).product("alpha").unwrap_or_else(|| panic!("{report}")).published);
}

/// Shopify lets products share a SKU (a real shop's export had three such pairs): each variant
/// after the first gets the first free numbered SKU, with a warning, and importing again gives
/// the same. WooCommerce refuses shared SKUs, so there they stay an error.
#[test]
fn shopify_variants_sharing_a_sku_get_their_own() {
    let dir = tempdir();
    let csv = dir.path().join("export.csv");
    std::fs::write(
        &csv,
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price\n\
         rose,Rose,Title,Default Title,PIN-SMA,15\n\
         peony,Peony,Title,Default Title,PIN-SMA,13\n\
         lily,Lily,Title,Default Title,PIN-SMA-2,12\n\
         iris,Iris,Title,Default Title,PIN-SMA,11\n",
    )
    .unwrap();
    let cat = dir.path().join("shop");
    let report = run(Format::Shopify, &csv, &cat);
    let c = load(&cat);
    let sku = |slug: &str| c.product(slug).unwrap().variants[0].sku.clone();
    assert_eq!([sku("rose"), sku("peony"), sku("lily"), sku("iris")], ["PIN-SMA", "PIN-SMA-3", "PIN-SMA-2", "PIN-SMA-4"]);
    assert!(
        report.warnings.iter().any(|w| w.row == 3 && w.note.contains("`PIN-SMA` is also at row 2") && w.note.contains("`PIN-SMA-3`")),
        "{report}"
    );
    let again = run(Format::Shopify, &csv, &cat);
    assert!(again.warnings.iter().any(|w| w.note.contains("`PIN-SMA-4`")), "{again}");
    assert_eq!(load(&cat).product("iris").unwrap().variants[0].sku, "PIN-SMA-4", "the same file gives the same SKUs");
}

/// A file saved by a spreadsheet in a locale with decimal commas: semicolons between cells.
#[test]
fn semicolon_separated_files_import_too() {
    let dir = tempdir();
    let csv = dir.path().join("export.csv");
    std::fs::write(&csv, "Handle;Title;Body (HTML);Variant SKU;Variant Price\nmug;Mug;\"<p>Big; blue, and round</p>\";MUG-1;9.50\n").unwrap();
    run(Format::Shopify, &csv, dir.path());
    let mug = load(dir.path()).product("mug").cloned().unwrap();
    assert_eq!((mug.variants[0].sku.as_str(), mug.variants[0].price.minor), ("MUG-1", 950));
    assert!(mug.description_md.contains("Big; blue, and round"), "{}", mug.description_md);
}

#[test]
fn importing_the_same_file_again_changes_nothing() {
    let dir = tempdir();
    run(Format::WooCommerce, &fixture("woocommerce_shop.csv"), dir.path());
    let before = snapshot(dir.path());
    let again = run(Format::WooCommerce, &fixture("woocommerce_shop.csv"), dir.path());
    assert!(again.created.is_empty() && again.changed.is_empty() && again.categories_created.is_empty(), "{again}");
    assert_eq!(again.unchanged.len(), 4);
    assert_eq!(snapshot(dir.path()), before);
    // A product's own `created` date survives a later import.
    let again =
        import(Format::WooCommerce, &fixture("woocommerce_shop.csv"), dir.path(), &Options { today: "2030-01-01".into(), ..options() }).unwrap();
    assert!(again.changed.is_empty(), "{again}");
}

#[test]
fn imports_into_an_existing_catalog_keep_its_currency_and_categories() {
    let dir = tempdir();
    std::fs::write(dir.path().join("shop.toml"), "name = \"Kissa\"\ncurrency = \"JPY\"\nlocale = \"ja-JP\"\nbase_url = \"https://kissa.example\"\n[shipping]\nflat_rate = 500\ncountries = [\"JP\"]\n[tax]\nrate_bp = 1000\nprices_include_tax = true\n").unwrap();
    std::fs::write(dir.path().join("categories.toml"), "# our categories\n[[category]]\nslug = \"camp\"\nname = \"Camping\"\n").unwrap();
    // JPY has no minor units: 12.50 cannot be a yen price.
    let errors = import(Format::WooCommerce, &fixture("woocommerce_shop.csv"), dir.path(), &options()).unwrap_err();
    assert!(errors.iter().any(|e| e.row == 2 && e.column == "Sale price" && e.message.contains("decimals")), "{errors:?}");
    let csv = dir.path().join("yen.csv");
    std::fs::write(&csv, "Type,SKU,Name,Published,Regular price,Categories,In stock?,Stock\nsimple,Y1,Tea Bowl,1,1500,Camp > Tea,1,3\n").unwrap();
    run(Format::WooCommerce, &csv, dir.path());
    let text = std::fs::read_to_string(dir.path().join("categories.toml")).unwrap();
    assert!(text.starts_with("# our categories\n[[category]]\nslug = \"camp\"\nname = \"Camping\""), "kept as written: {text}");
    let c = load(dir.path());
    assert_eq!(c.product("tea-bowl").unwrap().variants[0].price.minor, 1500);
    assert_eq!(c.category("camp").unwrap().name, "Camping");
    assert_eq!(c.category("camp/tea").unwrap().name, "Tea");
}

fn bad(format: Format, content: &[u8]) -> Vec<ImportError> {
    let dir = tempdir();
    let catalog = dir.path().join("catalog");
    run(Format::WooCommerce, &fixture("woocommerce_shop.csv"), &catalog);
    let before = snapshot(&catalog);
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, content).unwrap();
    let errors = import(format, &csv, &catalog, &options()).expect_err("a bad file is refused");
    assert_eq!(snapshot(&catalog), before, "nothing written");
    assert!(errors.iter().all(|e| e.to_string().contains("bad.csv:")), "{errors:?}");
    errors
}

/// `text` written as `name` in `dir`.
fn csv_file(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let csv = dir.path().join(name);
    std::fs::write(&csv, text).unwrap();
    csv
}

fn has(errors: &[ImportError], row: usize, column: &str, text: &str) -> bool {
    errors.iter().any(|e| e.row == row && e.column == column && e.message.contains(text))
}

const SHOPIFY_HEAD: &str = "Handle,Title,Variant SKU,Variant Price,Variant Compare At Price,Option1 Name,Option1 Value\n";

#[test]
fn bad_files_get_row_and_column_errors_and_write_nothing() {
    // Another export's columns: what was looked for and what the header has.
    let e = bad(Format::Shopify, b"Name,Cost\nMug,5\n");
    assert!(has(&e, 1, "", "`Handle`") && has(&e, 1, "", "`Variant Price`") && has(&e, 1, "", "starts `Name`, `Cost`"), "{e:?}");
    // Some of them: each missing one.
    let e = bad(Format::Shopify, b"Handle,Title\nmug,Mug\n");
    assert!(has(&e, 1, "Variant Price", "missing column") && !has(&e, 1, "Handle", "missing column"), "{e:?}");
    // Broken quoting: a quote that never closes swallows the next lines.
    let e = bad(Format::Shopify, format!("{SHOPIFY_HEAD}mug,\"Mug,M1,5,,Title,Default Title\nbowl,Bowl,B1,6,,Title,Default Title\n").as_bytes());
    assert!(has(&e, 2, "", "cells where the header has 7"), "{e:?}");
    // An unquoted comma shifts the cells.
    let e = bad(Format::Shopify, format!("{SHOPIFY_HEAD}mug,Mug, large,M1,5,,Title,Default Title\n").as_bytes());
    assert!(has(&e, 2, "", "8 cells"), "{e:?}");
    // Not UTF-8 (a Latin-1 é on line 3).
    let mut latin1 = format!("{SHOPIFY_HEAD}mug,Mug,M1,5,,Title,Default Title\ncafe,Caf").into_bytes();
    latin1.extend_from_slice(b"\xe9,C1,5,,Title,Default Title\n");
    let e = bad(Format::Shopify, &latin1);
    assert!(e.iter().any(|e| e.row == 3 && e.message.contains("0xE9") && e.message.contains("UTF-8")), "{e:?}");
    // Negative, non-numeric and comma-grouped prices, in both price columns.
    let e = bad(Format::Shopify, format!("{SHOPIFY_HEAD}a,A,A1,-5,,Title,Default Title\nb,B,B1,five,,Title,Default Title\nc,C,C1,\"1,299.00\",,Title,Default Title\nd,D,D1,5,x,Title,Default Title\n").as_bytes());
    assert!(
        has(&e, 2, "Variant Price", "negative") && has(&e, 3, "Variant Price", "not a number") && has(&e, 4, "Variant Price", "not a number"),
        "{e:?}"
    );
    assert!(has(&e, 5, "Variant Compare At Price", "not a number"), "{e:?}");
    // Duplicate handles (apart) and duplicate SKUs.
    let e = bad(
        Format::Shopify,
        format!("{SHOPIFY_HEAD}a,A,S1,5,,Title,Default Title\nb,B,S2,5,,Title,Default Title\na,A again,S3,5,,Title,Default Title\n").as_bytes(),
    );
    assert!(has(&e, 4, "", "`a` is also at row 2"), "{e:?}");
    let e = bad(Format::WooCommerce, b"Type,SKU,Name,Regular price\nsimple,X1,One,5\nsimple,X1,Two,6\n");
    assert!(has(&e, 3, "", "SKU `X1` is also at row 2"), "{e:?}");
    let e = bad(Format::WooCommerce, b"Type,SKU,Name,Regular price,Stock\nsimple,Z1,One,-1,\nsimple,Z2,Two,5,lots\nvariation,Z3,Three,5,\n");
    assert!(has(&e, 2, "Regular price", "negative") && has(&e, 3, "Stock", "whole number"), "{e:?}");
    // A name given to two columns that hold different cells (named by place), and an empty file.
    let e = bad(Format::Shopify, b"Handle,Title,Title,Variant Price\nmug,Mug,Cup,5\n");
    assert!(has(&e, 1, "", "columns 2 (B) and 3 (C) are both named `Title`"), "{e:?}");
    assert!(has(&bad(Format::Shopify, b""), 1, "", "empty"));
}

#[test]
fn a_byte_order_mark_and_windows_line_endings_are_fine() {
    let dir = tempdir();
    let csv = dir.path().join("excel.csv");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(b"Handle,Title,Variant SKU,Variant Price,Option1 Name,Option1 Value,Body (HTML)\r\nmug,Mug,M1,5.00,Title,Default Title,\"<p>Line one\r\nline two</p>\"\r\n");
    std::fs::write(&csv, bytes).unwrap();
    let catalog = dir.path().join("catalog");
    run(Format::Shopify, &csv, &catalog);
    let c = load(&catalog);
    assert_eq!(c.product("mug").unwrap().variants[0].price.minor, 500);
    assert_eq!(c.product("mug").unwrap().description_md, "Line one line two");
}

#[test]
fn shopifys_newer_export_and_a_german_woocommerce_export_import_too() {
    // Shopify's export since 2024: other column names, in other case.
    let dir = tempdir();
    let csv = dir.path().join("products_export.csv");
    std::fs::write(
        &csv,
        "Title,URL handle,Description,Vendor,Product category,Type,Tags,Published on online store,Status,SKU,Barcode,Option1 name,Option1 value,Option1 Linked To,Price,Compare-at price,Inventory tracker,Inventory quantity,Continue selling when out of stock,Requires shipping,Product image URL,Image position,Image alt text,Variant image URL,Gift card,SEO title,SEO description\n\
         Field Tee,field-tee,<p>Soft cotton.</p>,Acme,,Shirts,\"tee, cotton\",TRUE,Active,FT-S,,Size,S,,25.00,30.00,shopify,4,DENY,TRUE,https://cdn.example/tee.jpg,1,A tee,,FALSE,Tee SEO,Our tee\n\
         field-tee,field-tee,,,,,,,,FT-M,,,M,,25.00,,shopify,0,CONTINUE,TRUE,,,,,,,\n",
    )
    .unwrap();
    run(Format::Shopify, &csv, dir.path());
    let tee = load(dir.path()).product("field-tee").cloned().unwrap();
    assert_eq!(tee.title, "Field Tee");
    assert_eq!(tee.seo_title, "Tee SEO");
    assert_eq!(tee.variants.iter().map(|v| (v.sku.as_str(), v.price.minor, v.stock)).collect::<Vec<_>>(), [("FT-S", 2500, 4), ("FT-M", 2500, 0)]);
    assert_eq!(tee.variants[0].compare_at.map(|m| m.minor), Some(3000));
    assert_eq!(tee.variants[1].stock_policy, StockPolicy::Continue, "CONTINUE sells past zero");
    assert!(tee.description_md.contains("Soft cotton"), "{}", tee.description_md);

    // WooCommerce with the admin in German: the exporter writes its headers in German. A cleared
    // spreadsheet row (`,,,,`) and a row shorter than the header are fine.
    let dir = tempdir();
    let csv = dir.path().join("wc-product-export.csv");
    std::fs::write(
        &csv,
        "ID,Typ,Artikelnummer,Name,Veröffentlicht,Beschreibung,Vorrätig?,Lager,Angebotspreis,Regulärer Preis,Kategorien,Schlagwörter,Bilder,Übergeordnetes Produkt,Attribut 1 Name,Attribut 1 Wert(e),Attribut 1 Sichtbar,Attribut 1 Global\n\
         10,variable,KRUG,Steinkrug,1,Ein Krug.,1,,,,Küche > Krüge,Ton,,,Größe,\"0\\,5 l, 1 l\",1,0\n\
         ,,,,,,,,,,,,,,,,,\n\
         11,variation,KRUG-05,\"Steinkrug - 0,5 l\",1,,1,3,,\"12,50\",,,,id:10,Größe,\"0\\,5 l\",,0\n\
         12,variation,KRUG-1,Steinkrug - 1 l,1,,1,2,,\"19,90\",,,,id:10,Größe,1 l\n",
    )
    .unwrap();
    let report = run(Format::WooCommerce, &csv, dir.path());
    let krug = load(dir.path()).product("steinkrug").cloned().unwrap_or_else(|| panic!("{report}"));
    assert_eq!(krug.options[0].name, "Größe");
    assert_eq!(
        krug.variants.iter().map(|v| (v.sku.as_str(), v.price.minor, v.stock)).collect::<Vec<_>>(),
        [("KRUG-05", 1250, 3), ("KRUG-1", 1990, 2)]
    );

    // In French, WooCommerce writes a no-break space before a question mark (`En stock\u{a0}?`),
    // and names the backorders and sale dates its own way: read as in English.
    let dir = tempdir();
    let csv = dir.path().join("wc-product-export-fr.csv");
    std::fs::write(
        &csv,
        "ID,Type,UGS,Nom,Publié,En stock\u{a0}?,Stock,Autoriser les commandes de produits en rupture\u{a0}?,Date de début de promo,Date de fin de promo,Tarif promo,Tarif régulier,Catégories\n\
         1,simple,SAC-1,Sac épuisé,1,0,,0,,,,20,Sacs\n\
         2,simple,SAC-2,Sac en promo plus tard,1,1,5,0,2099-01-01,2099-02-01,10,20,Sacs\n\
         3,simple,SAC-3,Sac sur commande,1,1,0,1,,,,20,Sacs\n",
    )
    .unwrap();
    let report = run(Format::WooCommerce, &csv, dir.path());
    let catalog = load(dir.path());
    let variant = |slug: &str| catalog.product(slug).unwrap_or_else(|| panic!("{slug}: {report}")).variants[0].clone();
    assert_eq!(variant("sac-epuise").stock_policy, StockPolicy::Deny, "out of stock, not sold on: {report}");
    assert_eq!(variant("sac-en-promo-plus-tard").price.minor, 2000, "a sale that starts later is not today's price: {report}");
    assert_eq!(variant("sac-sur-commande").stock_policy, StockPolicy::Continue, "backorders allowed: {report}");
}

#[test]
fn woocommerce_exports_as_real_shops_write_them() {
    let dir = tempdir();
    let csv = dir.path().join("wc-product-export.csv");
    let long = "Mens Waterproof Hiking Jacket With Hood Lightweight Breathable Rain Coat";
    std::fs::write(
        &csv,
        format!(
            "ID,Type,SKU,Name,Published,Description,In stock?,Stock,Sale price,Regular price,Categories,Tags,Images,Parent,Attribute 1 name,Attribute 1 value(s),Attribute 1 visible\n\
             1,variable,,{long},1,,1,,,,\"Clothing, Clothing > Jackets, Sale\",,https://cdn.example/jacket.jpg,,Size,\"S, M\",1\n\
             2,variation,,{long} - S,1,,1,2,,16.8067,,,https://cdn.example/jacket-s.jpg,id:1,Size,S,\n\
             3,variation,,{long} - M,1,,1,2,,16.8067,,,https://cdn.example/jacket.jpg,id:1,Size,M,\n\
             4,simple,TT-1,Tom &amp; Jerry Tee,1,\"Soft merino.\\n\\n<strong>Care</strong>\\n<ul><li>Wash cold</li></ul>\\nMade in Portugal.\\n\\n[vc_row][vc_column_text]Ships in 2 days.[/vc_column_text][/vc_row] See [1].\",1,5,,20,Tees,,,,,,\n\
             5,simple,ZC-1,Żółta czapka,1,,1,5,,20,Hats,,,,,,\n\
             6,simple,TT-2,Tom & Jerry Tee,1,,1,5,,22,Tees,,,,,,\n"
        ),
    )
    .unwrap();
    let report = run(Format::WooCommerce, &csv, dir.path());
    let catalog = load(dir.path());
    // Made-up SKUs of a long name keep the variant's number; prices to four places are rounded.
    let jacket = catalog.products.iter().find(|p| p.title == long).unwrap_or_else(|| panic!("{report}"));
    assert_eq!(jacket.variants.len(), 2);
    assert_ne!(jacket.variants[0].sku, jacket.variants[1].sku);
    assert_eq!(jacket.variants[0].price.minor, 1681);
    // The deepest category listed, not its parent; a variation's own photo joins the product's.
    assert_eq!(jacket.category, "clothing/jackets");
    assert!(jacket.tags.iter().any(|t| t == "Sale"), "{:?}", jacket.tags);
    assert_eq!(report.images_to_download, 2, "{report}");
    // Names with character references and letters beyond Western Europe's; two products with one name.
    let tee = catalog.product("tom-jerry-tee").unwrap_or_else(|| panic!("{report}"));
    assert_eq!(tee.title, "Tom & Jerry Tee");
    assert!(catalog.product("tom-jerry-tee-6").is_some(), "{report}");
    assert!(catalog.product("zolta-czapka").is_some(), "{report}");
    // Paragraphs around a list, and shortcodes without their brackets (a footnote keeps its).
    let md = &tee.description_md;
    assert!(md.contains("Soft merino.\n\n**Care**"), "{md}");
    assert!(md.contains("Made in Portugal.\n\nShips in 2 days. See \\[1\\]."), "{md}");
    assert!(!md.contains("vc_"), "{md}");
}

#[test]
fn a_second_woocommerce_product_of_one_name_is_named_in_the_report_only_when_written() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "wc.csv",
        "ID,Type,SKU,Name,Published,In stock?,Stock,Regular price,Categories\n\
         28,simple,J-1,Jordan 3,1,1,5,20,Shoes\n\
         56,simple,J-2,Jordan 3,1,1,5,,Shoes\n\
         57,simple,J-3,Jordan 3,1,1,5,30,Shoes\n",
    );
    let report = run(Format::WooCommerce, &csv, dir.path());
    let renamed: Vec<&str> = report.warnings.iter().filter(|w| w.note.contains("another product is named")).map(|w| w.slug.as_str()).collect();
    assert_eq!(renamed, ["jordan-3-57"], "{report}");
    assert!(load(dir.path()).product("jordan-3-57").is_some());
}

#[test]
fn a_woocommerce_short_description_comes_before_the_long_one() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "wc.csv",
        "ID,Type,SKU,Name,Published,Short description,Description,In stock?,Stock,Regular price,Categories\n\
         1,simple,A-1,Alpha,1,\"<strong>Introducing Alpha,</strong> the light one.\",\"<p>Full details.</p>\",1,5,20,Tees\n\
         2,simple,B-1,Beta,1,Short only.,,1,5,20,Tees\n\
         3,simple,C-1,Gamma,1,Said twice.,\"<p>Said twice.</p><p>And more.</p>\",1,5,20,Tees\n",
    );
    let report = run(Format::WooCommerce, &csv, dir.path());
    let catalog = load(dir.path());
    let md = |slug: &str| catalog.product(slug).unwrap_or_else(|| panic!("{slug}: {report}")).description_md.clone();
    assert_eq!(md("alpha"), "**Introducing Alpha,** the light one.\n\nFull details.");
    assert_eq!(md("beta"), "Short only.");
    assert_eq!(md("gamma"), "Said twice.\n\nAnd more.");
}

#[test]
fn woocommerce_seo_plugins_titles_and_descriptions_are_kept() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "wc.csv",
        "ID,Type,SKU,Name,Published,In stock?,Stock,Regular price,Categories,Meta: _yoast_wpseo_title,Meta: _yoast_wpseo_metadesc,Meta: rank_math_description\n\
         1,simple,A-1,Alpha,1,1,5,20,Tees,Alpha tee | Our shop,\"The light tee, soft &amp; organic.\",\n\
         2,simple,B-1,Beta,1,1,5,20,Tees,%%title%% %%sep%% %%sitename%%,,Beta from Rank Math.\n",
    );
    let report = run(Format::WooCommerce, &csv, dir.path());
    let catalog = load(dir.path());
    let alpha = catalog.product("alpha").unwrap_or_else(|| panic!("{report}"));
    assert_eq!((alpha.seo_title.as_str(), alpha.seo_description.as_str()), ("Alpha tee | Our shop", "The light tee, soft & organic."));
    let beta = catalog.product("beta").unwrap();
    assert_eq!((beta.seo_title.as_str(), beta.seo_description.as_str()), ("", "Beta from Rank Math."));
}

#[test]
fn a_woocommerce_variation_for_any_value_becomes_one_variant_per_value() {
    let dir = tempdir();
    let csv = dir.path().join("wc-product-export.csv");
    std::fs::write(
        &csv,
        "ID,Type,SKU,Name,Published,In stock?,Stock,Regular price,Categories,Parent,Attribute 1 name,Attribute 1 value(s),Attribute 1 visible,Attribute 2 name,Attribute 2 value(s),Attribute 2 visible\n\
         1,variable,CAP,Cap,1,1,,,Hats,,Colour,\"Red, Blue\",1,Size,\"S, M\",1\n\
         2,variation,CAP-RS,Cap - Red S,1,1,3,15,,id:1,Colour,Red,,Size,S,\n\
         3,variation,CAP-R,Cap - Red,1,1,4,15,,id:1,Colour,Red,,Size,,\n\
         4,variation,CAP-B,Cap - Blue,1,1,5,16,,id:1,Colour,Blue,,Size,,\n",
    )
    .unwrap();
    let report = run(Format::WooCommerce, &csv, dir.path());
    let cap = load(dir.path()).product("cap").cloned().unwrap_or_else(|| panic!("{report}"));
    let mut got: Vec<(String, Vec<String>, i64)> = cap.variants.iter().map(|v| (v.sku.clone(), v.option_values.clone(), v.price.minor)).collect();
    got.sort();
    let want = |sku: &str, c: &str, s: &str, p: i64| (sku.to_string(), vec![c.to_string(), s.to_string()], p);
    // Red S is sold by its own variation; the "any size" ones cover the rest.
    assert_eq!(
        got,
        [want("CAP-B-M", "Blue", "M", 1600), want("CAP-B-S", "Blue", "S", 1600), want("CAP-R-M", "Red", "M", 1500), want("CAP-RS", "Red", "S", 1500)]
    );
}

/// WooCommerce's own sample data: the T-shirt's variations name each colour and leave the size
/// empty (any size), so every size of each colour is for sale.
#[test]
fn a_woocommerce_attribute_every_variation_leaves_empty_is_a_choice_of_all_its_values() {
    let dir = tempdir();
    let csv = dir.path().join("sample_products.csv");
    std::fs::write(
        &csv,
        "ID,Type,SKU,Name,Published,In stock?,Stock,Regular price,Categories,Parent,Attribute 1 name,Attribute 1 value(s),Attribute 1 visible,Attribute 1 global,Attribute 2 name,Attribute 2 value(s),Attribute 2 visible,Attribute 2 global,Attribute 3 name,Attribute 3 value(s),Attribute 3 visible,Attribute 3 global\n\
         44,variable,woo-vneck-tee,V-Neck T-Shirt,1,1,,,Clothing > Tshirts,,Color,\"Blue, Green, Red\",1,1,Size,\"Large, Medium, Small\",1,1,Material,Cotton,1,0\n\
         76,variation,woo-vneck-tee-red,V-Neck T-Shirt - Red,1,1,,20,,woo-vneck-tee,Color,Red,,1,Size,,,1,,,,\n\
         77,variation,woo-vneck-tee-green,V-Neck T-Shirt - Green,1,1,,20,,woo-vneck-tee,Color,Green,,1,Size,,,1,,,,\n",
    )
    .unwrap();
    let report = run(Format::WooCommerce, &csv, dir.path());
    let tee = load(dir.path()).product("v-neck-t-shirt").cloned().unwrap_or_else(|| panic!("{report}"));
    let names: Vec<&str> = tee.options.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["Color", "Size"], "{report}");
    let mut got: Vec<Vec<String>> = tee.variants.iter().map(|v| v.option_values.clone()).collect();
    got.sort();
    let want: Vec<Vec<String>> = [("Green", "Large"), ("Green", "Medium"), ("Green", "Small"), ("Red", "Large"), ("Red", "Medium"), ("Red", "Small")]
        .iter()
        .map(|(c, s)| vec![c.to_string(), s.to_string()])
        .collect();
    assert_eq!(got, want);
    // An attribute no variation names describes the product.
    assert_eq!(tee.attributes, [("Material".to_string(), "Cotton".to_string())]);
}

#[test]
fn a_product_renamed_in_the_shop_is_refused_until_its_old_file_goes() {
    let dir = tempdir();
    let csv = dir.path().join("export.csv");
    let write = |name: &str| std::fs::write(&csv, format!("Type,SKU,Name,Published,Regular price\nsimple,MUG-1,{name},1,9.50\n")).unwrap();
    write("Camp Mug");
    run(Format::WooCommerce, &csv, dir.path());
    // Renamed in WooCommerce: the export has no slugs, so its address would change, and the build
    // would find the SKU twice.
    write("Enamel Camp Mug");
    let before = snapshot(dir.path());
    let errors = import(Format::WooCommerce, &csv, dir.path(), &options()).expect_err("refused");
    assert!(has(&errors, 2, "", "products/camp-mug.toml"), "{errors:?}");
    assert_eq!(snapshot(dir.path()), before, "nothing written");
    std::fs::remove_file(dir.path().join("products/camp-mug.toml")).unwrap();
    run(Format::WooCommerce, &csv, dir.path());
    assert_eq!(load(dir.path()).product("enamel-camp-mug").unwrap().variants[0].sku, "MUG-1");
}

/// What spreadsheets and real shops do to exports, read as meant: two WooCommerce products of one
/// name without SKUs, overlapping "any" variations, a Shopify file saved in a European locale, a
/// sorted sheet that parts a product's rows (and a handle typed again in capitals), and a row
/// whose empty last cells were left out after a description of several lines.
#[test]
fn exports_as_spreadsheets_and_shops_leave_them() {
    let dir = tempdir();
    let wc = dir.path().join("wc.csv");
    std::fs::write(
        &wc,
        "ID,Type,SKU,Name,Published,Regular price,Categories,Parent,Description,Attribute 1 name,Attribute 1 value(s),Attribute 1 visible,Attribute 2 name,Attribute 2 value(s),Attribute 2 visible\n\
         9,simple,,Socks 2,1,4,Misc,,,,,,,,\n\
         1,simple,,Socks,1,5,Misc,,,,,,,,\n\
         2,simple,,Socks,1,6,Misc,,\"Save to C:\\\\new.\\nLine two\",,,,,,\n\
         10,variable,TEE,Tee,1,,Misc,,,Color,\"Red, Blue\",1,Size,\"S, M\",1\n\
         11,variation,TEE-RED,Tee - Red,1,18,,id:10,,Color,Red,,Size,,\n\
         12,variation,TEE-ANY,Tee,1,16,,id:10,,Color,,,Size,,\n",
    )
    .unwrap();
    let report = run(Format::WooCommerce, &wc, dir.path());
    let c = load(dir.path());
    // The second "Socks" (ID 2) finds /products/socks-2 taken by "Socks 2".
    let (a, b) = (c.product("socks").cloned().unwrap_or_else(|| panic!("{report}")), c.product("socks-2-2").cloned().unwrap());
    assert_ne!(a.variants[0].sku, b.variants[0].sku);
    assert_eq!(c.product("socks-2").map(|p| p.title.as_str()), Some("Socks 2"));
    assert!(b.description_md.contains(r"C:\\new.") && b.description_md.contains("\nLine two"), "{}", b.description_md);
    let tee = c.product("tee").cloned().unwrap();
    let mut sold: Vec<(String, i64)> = tee.variants.iter().map(|v| (v.option_values.join(" "), v.price.minor)).collect();
    sold.sort();
    assert_eq!(sold, [("Blue M".into(), 1600), ("Blue S".into(), 1600), ("Red M".into(), 1800), ("Red S".into(), 1800)]);

    let dir = tempdir();
    let shopify = dir.path().join("shopify.csv");
    std::fs::write(
        &shopify,
        "Handle;Title;Body (HTML);Option1 Name;Option1 Value;Variant SKU;Variant Price;Variant Compare At Price\r\n\
         hoodie;Hoodie;\"<p>Warm.</p>\r\n<p>Soft.</p>\";Size;S;HOOD-S;24,90\r\n\
         jacket;\"Jacket,\r\n  waxed\";;Title;Default Title;JACK;90;\r\n\
         cap;;;;L;CAP-L;10;\r\n\
         Hoodie;;;;M;HOOD-M;24,90;29,90\r\n\
         cap;Cap;;Size;M;CAP-M;10;\r\n",
    )
    .unwrap();
    let report = run(Format::Shopify, &shopify, dir.path());
    let c = load(dir.path());
    let hoodie = c.product("hoodie").cloned().unwrap_or_else(|| panic!("{report}"));
    let got: Vec<(&str, i64, Option<i64>)> = hoodie.variants.iter().map(|v| (v.sku.as_str(), v.price.minor, v.compare_at.map(|m| m.minor))).collect();
    assert_eq!(got, [("HOOD-S", 2490, None), ("HOOD-M", 2490, Some(2990))]);
    assert_eq!(c.product("jacket").map(|p| p.title.as_str()), Some("Jacket, waxed"));
    // Sorted by price: the cap's variant row came before the row with its title.
    let cap = c.product("cap").cloned().unwrap();
    let mut skus: Vec<&str> = cap.variants.iter().map(|v| v.sku.as_str()).collect();
    skus.sort_unstable();
    assert_eq!((cap.title.as_str(), skus), ("Cap", vec!["CAP-L", "CAP-M"]));
}

#[test]
fn no_category_and_uncategorized_are_one_category() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "products_export.csv",
        "Handle,Title,Product Category,Variant SKU,Variant Price,Option1 Name,Option1 Value\n\
         wax,Wax,Uncategorized,W1,5,Title,Default Title\n\
         comb,Comb,,C1,6,Title,Default Title\n",
    );
    let report = run(Format::Shopify, &csv, dir.path());
    let c = load(dir.path());
    assert_eq!(c.product("wax").unwrap().category, c.product("comb").unwrap().category);
    assert_eq!(report.categories_created, ["uncategorised"]);
    // WooCommerce's default category joins the catalog's one too.
    let csv = csv_file(&dir, "wc.csv", "Type,SKU,Name,Regular price,Categories\nsimple,S1,Soap,4,Uncategorized\n");
    let report = run(Format::WooCommerce, &csv, dir.path());
    assert!(report.categories_created.is_empty(), "{:?}", report.categories_created);
    assert_eq!(load(dir.path()).product("soap").unwrap().category, "uncategorised");
}

#[test]
fn headers_in_another_language_and_files_cut_short_say_so() {
    // A WooCommerce export with Russian headers: which columns were looked for and what was found.
    let e = bad(Format::WooCommerce, "Тип,Артикул,Имя,Базовая цена\nsimple,R1,Чай,5\n".as_bytes());
    assert!(e.len() == 1 && e[0].message.contains("`Type`, `Name`, `Regular price`") && e[0].message.contains("`Тип`, `Артикул`"), "{e:?}");
    assert!(e[0].message.contains("in English"), "{e:?}");
    // A file cut inside a quoted cell (a description), and a stray quote opening the last row's
    // cell: the last row is short and the file ends inside the quote.
    let cut = format!("{SHOPIFY_HEAD}mug,Mug,M1,5,,Title,Default Title\nbowl,\"Bowl with a lo");
    assert!(has(&bad(Format::Shopify, cut.as_bytes()), 3, "", "cut short"));
    let stray = format!("{SHOPIFY_HEAD}mug,Mug,M1,5,,Title,Default Title\n\"cup,Cup,C1,5\n");
    assert!(has(&bad(Format::Shopify, stray.as_bytes()), 3, "", "not closed"));
    // A quote inside a cell that does not start with one is a character (12" vinyl), and a short
    // last row is a spreadsheet that left out empty cells.
    let dir = tempdir();
    let csv = csv_file(&dir, "fine.csv", &format!("{SHOPIFY_HEAD}record,12\" Record,R1,5,,Title,Default Title\nmug,\"Mug, \"\"large\"\"\",M1,5"));
    run(Format::Shopify, &csv, dir.path());
    assert_eq!(load(dir.path()).product("record").unwrap().title, "12\" Record");
}

#[test]
fn tax_settings_the_shop_does_not_have_are_named_in_the_report() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "products_export.csv",
        "Handle,Title,Variant SKU,Variant Price,Variant Taxable,Option1 Name,Option1 Value\n\
         book,Book,B1,5,FALSE,Size,A5\n\
         book,,B2,6,FALSE,,A4\n\
         pen,Pen,P1,2,TRUE,Title,Default Title\n",
    );
    let report = run(Format::Shopify, &csv, dir.path());
    let untaxed: Vec<&str> = report.warnings.iter().filter(|w| w.note.contains("not taxable")).map(|w| w.slug.as_str()).collect();
    assert_eq!(untaxed, ["book"], "once per product: {:?}", report.warnings);
    let csv = csv_file(
        &dir,
        "wc.csv",
        "Type,SKU,Name,Regular price,Tax status,Tax class\nsimple,T1,Tea,4,none,\nsimple,T2,Cake,4,taxable,reduced-rate\nsimple,T3,Jam,4,taxable,\n",
    );
    let report = run(Format::WooCommerce, &csv, dir.path());
    let notes: Vec<(&str, &str)> = report.warnings.iter().filter(|w| w.note.contains("tax")).map(|w| (w.slug.as_str(), w.note.as_str())).collect();
    assert!(
        notes.len() == 2 && notes[0].0 == "tea" && notes[0].1.contains("`none`") && notes[1].0 == "cake" && notes[1].1.contains("`reduced-rate`"),
        "{notes:?}"
    );
}

#[test]
fn shortened_skus_free_products_and_hidden_ones_are_named_in_the_report() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "wc.csv",
        "Type,SKU,Name,Published,Visibility in catalog,Regular price\n\
         simple,1.23457E+11,Lamp,1,visible,40\n\
         simple,F1,Free Sample,1,visible,0\n\
         simple,H1,Hidden Mug,1,hidden,5\n\
         simple,D1,Draft Sample,0,visible,0\n",
    );
    let report = run(Format::WooCommerce, &csv, dir.path());
    let said = |slug: &str, text: &str| report.warnings.iter().any(|w| w.slug == slug && w.note.contains(text));
    assert!(said("lamp", "spreadsheet shortened"), "{:?}", report.warnings);
    assert!(said("free-sample", "imported unpublished") && !said("draft-sample", "priced 0"), "{:?}", report.warnings);
    assert!(said("hidden-mug", "hidden from the catalog"), "{:?}", report.warnings);
    let c = load(dir.path());
    // Every variant free: nobody orders it for nothing until it has a price. One free variant of
    // several: named, and the product stays on sale.
    assert!(!c.product("hidden-mug").unwrap().published && !c.product("free-sample").unwrap().published);
    let csv = csv_file(
        &dir,
        "products_export.csv",
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price\nblind,Blind,Size,S,B-S,0\nblind,,,L,B-L,12\n",
    );
    let report = run(Format::Shopify, &csv, dir.path());
    assert!(report.warnings.iter().any(|w| w.slug == "blind" && w.note.contains("row 2: priced 0")), "{report}");
    assert!(load(dir.path()).product("blind").unwrap().published);
}

/// Shopify's export of 2021–22 names the standard category "Standardized Product Type" and the
/// merchant's type "Custom Product Type": both place products as today's columns do.
#[test]
fn shopify_2021_type_columns_place_products() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "products_export_1.csv",
        "Handle,Title,Standardized Product Type,Custom Product Type,Variant SKU,Variant Price\n\
         knife,Knife sharpener,,Casa e Cozinha,K-1,30\n\
         tee,Tee,Apparel & Accessories > Clothing,Camisetas,T-1,20\n",
    );
    let report = run(Format::Shopify, &csv, dir.path());
    let c = load(dir.path());
    assert_eq!(c.product("knife").unwrap().category, "casa-e-cozinha", "{report}");
    let tee = c.product("tee").unwrap();
    assert_eq!(tee.category, "apparel-accessories/clothing", "{report}");
    assert!(tee.tags.iter().any(|t| t == "Camisetas"), "the merchant's type stays as a tag: {:?}", tee.tags);
}

/// WordPress stores a brand's name with its character references, as it does categories.
#[test]
fn woocommerce_brands_are_plain_text() {
    let dir = tempdir();
    let csv = csv_file(&dir, "wc.csv", "Type,SKU,Name,Published,Regular price,Brands\nsimple,J1,Baby Oil,1,5,Johnson &amp; Johnson\n");
    run(Format::WooCommerce, &csv, dir.path());
    assert_eq!(load(dir.path()).product("baby-oil").unwrap().brand, "Johnson & Johnson");
}

/// "Add new product" pages WordPress kept unsaved are empty products called "Product": each is
/// named by its row as empty, not as the kind of product it defaults to.
#[test]
fn empty_woocommerce_products_are_skipped_as_empty() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "wc.csv",
        "Type,SKU,Name,Published,Regular price\nsimple,M1,Mug,1,5\n\"simple, virtual\",,Product,-1,\n\"simple, virtual\",,Product,-1,\n",
    );
    let report = run(Format::WooCommerce, &csv, dir.path());
    let text = report.to_string();
    assert_eq!(report.skipped.iter().filter(|e| e.note.contains("is empty")).count(), 2, "{text}");
    assert!(text.starts_with("1 created, 0 changed, 0 unchanged, 2 skipped"), "{text}");
    // A file of nothing but such products says so at the end.
    let csv = csv_file(&dir, "wc.csv", "Type,SKU,Name,Published,Regular price\n\"simple, virtual\",,Product,-1,\n");
    let text = run(Format::WooCommerce, &csv, tempdir().path()).to_string();
    assert!(text.ends_with("Nothing was imported: every product was skipped, for the reasons above.\n"), "{text}");
}

/// A product the merchant named, placed and published without a price is skipped for that (with
/// its address), not called an unsaved page; a grouped product listing nothing says so.
#[test]
fn a_named_published_product_without_a_price_is_skipped_for_its_price() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "wc.csv",
        "Type,SKU,Name,Published,Regular price,Categories,Grouped products\nsimple,M1,Mug,1,5,Kitchen,\nsimple,,Alpha-Juno 1,1,,Synthesizers > Roland,\ngrouped,,Set,1,,Kitchen,\n",
    );
    let report = run(Format::WooCommerce, &csv, dir.path());
    let text = report.to_string();
    let synth = report.skipped.iter().find(|e| e.slug == "alpha-juno-1").unwrap_or_else(|| panic!("{text}"));
    assert!(!synth.note.contains("Add new product"), "{text}");
    assert!(report.skipped.iter().any(|e| e.slug == "set" && e.note.contains("lists no products")), "{text}");
}

/// Made-up SKUs of two products whose long handles start alike stay apart, and the same on every
/// import; an unlisted Shopify product is named as imported unpublished.
#[test]
fn made_up_skus_of_long_alike_handles_stay_apart_and_unlisted_products_are_named() {
    let dir = tempdir();
    let long = "original-murano-glass-table-lamp-by-barovier-and-toso-italy-1980s";
    let csv = csv_file(
        &dir,
        "products_export.csv",
        &format!("Handle,Title,Variant Price,Status\n{long},Lamp,100,active\n{long}-1,Lamp again,120,active\nchest,Chest,300,unlisted\n"),
    );
    let report = run(Format::Shopify, &csv, dir.path());
    let c = load(dir.path());
    let (a, b) = (&c.product(long).unwrap().variants[0].sku, &c.products.iter().find(|p| p.title == "Lamp again").unwrap().variants[0].sku);
    assert!(a != b && a.len() <= 64 && b.len() <= 64, "{a} {b}");
    assert!(report.sku_changes.is_empty() && !report.to_string().contains("is also at row"), "{report}");
    assert!(!c.product("chest").unwrap().published);
    assert!(report.warnings.iter().any(|w| w.slug == "chest" && w.note.starts_with("unlisted in Shopify")), "{report}");
    // In the other order, each keeps its SKU.
    let again = tempdir();
    let csv = csv_file(&again, "products_export.csv", &format!("Handle,Title,Variant Price\n{long}-1,Lamp again,120\n{long},Lamp,100\n"));
    run(Format::Shopify, &csv, again.path());
    let c2 = load(again.path());
    assert_eq!(&c2.product(long).unwrap().variants[0].sku, a);
}

/// A spreadsheet's leftovers in the header (names repeated over empty columns) are no error; a
/// repeated column with the same cells is read once.
#[test]
fn repeated_header_names_over_empty_or_equal_columns_are_read_once() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "products_export.csv",
        "Handle,Title,Variant SKU,Variant Price,0,FALSE,0,,FALSE,Title\nmug,Mug,M-1,5,,,,,,Mug\nbowl,Bowl,B-1,6,,,,,,Bowl\n",
    );
    let report = run(Format::Shopify, &csv, dir.path());
    let c = load(dir.path());
    assert_eq!((c.products.len(), c.product("bowl").map(|p| p.title.as_str())), (2, Some("Bowl")), "{report}");
}

/// Etsy's import into Shopify leaves character references in names: decoded, as shoppers read them.
#[test]
fn character_references_in_shopify_names_are_decoded() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "products_export.csv",
        "Handle,Title,Vendor,Tags,Option1 Name,Option1 Value,Variant SKU,Variant Price\n\
         print,Print &quot;Sea&quot;,Tom &amp; Jo,\"art, R&amp;D\",Size &quot;in&quot;,9&#39;&#39; x 11&#39;&#39;,P-1,5\n\
         print,,,,,25&quot;,P-2,6\n",
    );
    let report = run(Format::Shopify, &csv, dir.path());
    let p = load(dir.path()).product("print").cloned().unwrap_or_else(|| panic!("{report}"));
    assert_eq!((p.title.as_str(), p.brand.as_str()), ("Print \"Sea\"", "Tom & Jo"));
    assert_eq!((p.options[0].name.as_str(), p.options[0].values.clone()), ("Size \"in\"", vec!["9'' x 11''".to_string(), "25\"".to_string()]));
    assert!(p.tags.contains(&"R&D".to_string()), "{:?}", p.tags);
}

/// Requires Shipping FALSE on every variant of goods (print on demand sets it) imports the product
/// unpublished with a warning; a product that says it is digital is skipped with one line; a
/// product with some variants that do not ship keeps the others, and its options only their values.
#[test]
fn products_that_need_no_shipping_are_imported_unpublished_unless_digital() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "products_export.csv",
        "Handle,Title,Type,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Requires Shipping\n\
         tank,Tank Top,Shirts,Size,S,T-S,20,FALSE\n\
         tank,,,,M,T-M,20,FALSE\n\
         tank,,,,L,T-L,20,FALSE\n\
         guide,Map Guide,Books,Format,Paper,G-P,15,TRUE\n\
         guide,,,,PDF,G-D,5,FALSE\n\
         pattern,Sewing Pattern,Digital downloads,Size,S,SP-S,8,FALSE\n\
         pattern,,,,M,SP-M,8,FALSE\n",
    );
    let report = run(Format::Shopify, &csv, dir.path());
    let c = load(dir.path());
    let tank = c.product("tank").unwrap_or_else(|| panic!("{report}"));
    assert_eq!((tank.published, tank.variants.len()), (false, 3), "{report}");
    assert!(report.warnings.iter().any(|w| w.slug == "tank" && w.note.contains("all 3 variants") && w.note.contains("unpublished")), "{report}");
    let guide = c.product("guide").unwrap();
    assert_eq!((guide.published, guide.options[0].values.clone()), (true, vec!["Paper".to_string()]), "{report}");
    assert!(c.product("pattern").is_none());
    assert_eq!(report.skipped.iter().filter(|e| e.slug == "pattern").count(), 1, "one line per product: {report}");
}

/// WooCommerce's exporter with the admin in Brazilian Portuguese, and its default category in
/// the shop's language, which is no category.
#[test]
fn woocommerce_in_portuguese_and_translated_uncategorized() {
    let dir = tempdir();
    let csv = csv_file(
        &dir,
        "wc-product-export.csv",
        "ID,Tipo,REF,Nome,Publicado,\"Descrição curta\",Descrição,\"Em estoque?\",Estoque,\"Preço promocional\",Preço,Categorias,Imagens\n\
         1,simple,C-1,Caneca,1,Curta.,<p>Longa.</p>,1,4,,\"12,50\",Sem categoria,\n\
         2,simple,C-2,Prato,1,,,1,2,9,10,Cozinha,\n\
         3,simple,C-3,Tigela,1,,,1,2,,11,Unkategorisiert,\n",
    );
    let mut opts = options();
    opts.currency = "BRL".into();
    let report = import(Format::WooCommerce, &csv, dir.path(), &opts).unwrap_or_else(|e| panic!("{e:?}"));
    let c = load(dir.path());
    let mug = c.product("caneca").unwrap_or_else(|| panic!("{report}"));
    assert_eq!((mug.variants[0].sku.as_str(), mug.variants[0].price.minor, mug.variants[0].stock), ("C-1", 1250, 4));
    let plate = c.product("prato").unwrap();
    assert_eq!((plate.variants[0].price.minor, plate.variants[0].compare_at.map(|m| m.minor)), (900, Some(1000)));
    assert_eq!(mug.category, c.product("tigela").unwrap().category, "one category for none");
    assert_eq!(c.categories.len(), 2, "{:?}", c.categories.iter().map(|c| &c.slug).collect::<Vec<_>>());
}

/// A header named partly in a language the import reads and partly not says to export again in
/// English, rather than asking whether it is an export at all.
#[test]
fn a_header_half_in_another_language_asks_for_an_english_export() {
    let e = bad(Format::WooCommerce, "Tipo,Nome,Prijs\nsimple,Mok,5\n".as_bytes());
    assert!(e.iter().any(|e| e.message.contains("missing column `Regular price`") && e.message.contains("admin in English")), "{e:?}");
}

/// Excel's "Unicode Text" (UTF-16 with its byte-order mark) is read as the same text.
#[test]
fn a_utf16_file_is_read() {
    let dir = tempdir();
    let text = "Handle,Title,Variant SKU,Variant Price\r\nmug,Mug ☕,M-1,5\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let csv = dir.path().join("products_export.csv");
    std::fs::write(&csv, bytes).unwrap();
    let report = run(Format::Shopify, &csv, dir.path());
    assert_eq!(load(dir.path()).product("mug").map(|p| p.title.clone()), Some("Mug ☕".to_string()), "{report}");
}
