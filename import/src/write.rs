//! Writing drafts as catalog files. Everything is planned in memory first (files, images, the
//! download list), then written: an error found while planning writes nothing. A file whose new
//! content equals the old one is not touched, so importing the same CSV again changes nothing.

use crate::draft::{slugify, Draft, ImageSource};
use crate::{Entry, Options, Report};
use edgeshop_domain::Currency;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The catalog's currency (`shop.toml`), or `default` for a new catalog.
pub fn catalog_currency(catalog: &Path, default: &str) -> Result<Currency, String> {
    let code = match std::fs::read_to_string(catalog.join("shop.toml")) {
        Ok(text) => {
            let table: toml::Table = toml::from_str(&text).map_err(|e| format!("shop.toml: {e}"))?;
            table.get("currency").and_then(|c| c.as_str()).ok_or("shop.toml has no currency")?.to_string()
        }
        Err(_) => default.to_string(),
    };
    Currency::parse(&code).map_err(|e| e.to_string())
}

#[derive(Serialize)]
struct ProductFile<'a> {
    title: &'a str,
    slug: &'a str,
    brand: &'a str,
    category: String,
    tags: &'a [String],
    published: bool,
    created: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    seo_title: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    seo_description: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    attributes: BTreeMap<&'a str, &'a str>,
    images: Vec<ImageEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    options: Vec<OptionEntry<'a>>,
    variants: Vec<VariantEntry<'a>>,
}

#[derive(Serialize)]
struct ImageEntry {
    file: String,
    alt: String,
    width: u32,
    height: u32,
}

#[derive(Serialize)]
struct OptionEntry<'a> {
    name: &'a str,
    values: &'a [String],
}

#[derive(Serialize)]
struct VariantEntry<'a> {
    sku: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    options: &'a [String],
    price: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    compare_at_price: Option<i64>,
    stock: u32,
    stock_policy: &'static str,
}

#[derive(Serialize)]
struct CategoryBlock {
    category: Vec<CategoryEntry>,
}

#[derive(Serialize)]
struct CategoryEntry {
    slug: String,
    name: String,
    description: String,
}

/// Files to write: path → content.
type Plan = BTreeMap<PathBuf, Vec<u8>>;

const PLACEHOLDER_SIZE: u32 = 800;

pub fn write_catalog(catalog: &Path, drafts: Vec<Draft>, options: &Options, report: &mut Report) -> Result<(), String> {
    let mut plan = Plan::new();
    if !catalog.join("shop.toml").exists() {
        plan.insert(catalog.join("shop.toml"), new_shop(options).into_bytes());
    }
    let categories_path = catalog.join("categories.toml");
    let mut categories_text = std::fs::read_to_string(&categories_path).unwrap_or_default();
    let existing: CategoriesRead = toml::from_str(&categories_text).map_err(|e| format!("{}: {e}", categories_path.display()))?;
    let mut known: std::collections::HashSet<String> = existing.category.into_iter().map(|c| c.slug).collect();
    let mut downloads = Vec::new();

    for d in &drafts {
        let category = category_slug(&d.category, &mut known, &mut categories_text, report);
        let mut images = Vec::new();
        for (n, img) in d.images.iter().enumerate() {
            let alt = if img.alt.is_empty() { d.title.clone() } else { img.alt.clone() };
            match &img.source {
                ImageSource::Local(path) => {
                    let ext = extension(&path.to_string_lossy());
                    let name = format!("{}-{}.{ext}", d.slug, n + 1);
                    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
                    let (width, height) = edgeshop_catalog::image_size(&bytes)
                        .ok_or_else(|| format!("row {}: {} is not an image this build can read", d.row, path.display()))?;
                    plan.insert(catalog.join("images").join(&name), bytes);
                    images.push(ImageEntry { file: name, alt, width, height });
                }
                ImageSource::Remote(url) => {
                    // Named by its address: a photo replaced or moved in the shop is another file.
                    let name = format!("{}-{}.{}", d.slug, url_hash(url), extension(url.split(['?', '#']).next().unwrap_or(url)));
                    let local = catalog.join("images").join(&name);
                    match std::fs::read(&local).ok().and_then(|b| edgeshop_catalog::image_size(&b)) {
                        Some((width, height)) => images.push(ImageEntry { file: name, alt, width, height }),
                        None => downloads.push(format!("{url}\timages/{name}")),
                    }
                }
            }
        }
        if images.is_empty() {
            let name = format!("{}-placeholder.svg", d.slug);
            plan.insert(catalog.join("images").join(&name), placeholder(&d.title).into_bytes());
            images.push(ImageEntry { file: name, alt: d.title.clone(), width: PLACEHOLDER_SIZE, height: PLACEHOLDER_SIZE });
        }
        let path = catalog.join("products").join(format!("{}.toml", d.slug));
        let old = std::fs::read_to_string(&path).ok();
        // The product keeps the date it was first imported (or written by hand).
        let created = old
            .as_deref()
            .and_then(|t| t.lines().find_map(|l| l.strip_prefix("created = ")))
            .map(|v| v.trim().trim_matches('"').to_string())
            .unwrap_or_else(|| options.today.clone());
        let file = ProductFile {
            title: &d.title,
            slug: &d.slug,
            brand: &d.brand,
            category,
            tags: &d.tags,
            published: d.published,
            created,
            seo_title: &d.seo_title,
            seo_description: &d.seo_description,
            description: &d.description_md,
            attributes: d.attributes.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
            images,
            options: d.options.iter().map(|(name, values)| OptionEntry { name, values }).collect(),
            variants: d
                .variants
                .iter()
                .map(|v| VariantEntry {
                    sku: &v.sku,
                    options: &v.options,
                    price: v.price,
                    compare_at_price: v.compare_at,
                    stock: v.stock,
                    stock_policy: if v.continue_selling { "continue" } else { "deny" },
                })
                .collect(),
        };
        let text = format!("# Imported; importing the same file again changes nothing.\n{}", toml::to_string(&file).map_err(|e| e.to_string())?);
        let entry = Entry { row: d.row, slug: d.slug.clone(), note: String::new() };
        match old {
            None => report.created.push(entry),
            Some(o) if o == text => report.unchanged.push(entry),
            Some(_) => report.changed.push(entry),
        }
        plan.insert(path, text.into_bytes());
    }
    if !report.categories_created.is_empty() || !categories_path.exists() {
        plan.insert(categories_path, categories_text.into_bytes());
    }
    report.images_to_download = downloads.len();
    let list = catalog.join("images-to-download.tsv");
    if !downloads.is_empty() {
        let text =
            format!("# Remote images of the import: download each URL to the file named beside it, then import again.\n{}\n", downloads.join("\n"));
        plan.insert(list, text.into_bytes());
    } else if list.exists() {
        std::fs::remove_file(&list).map_err(|e| format!("{}: {e}", list.display()))?;
    }
    // Every SKU changed on the way in, for the apps and suppliers that know the old ones.
    let changes = catalog.join(crate::SKU_CHANGES);
    if !report.sku_changes.is_empty() {
        let mut text = String::from("# SKUs the import changed (orders and stock go by the new ones): row, product, SKU in the file, SKU in the catalog.\nrow\tproduct\tfile_sku\tcatalog_sku\n");
        for c in &report.sku_changes {
            let cell = |s: &str| s.replace(['\t', '\n', '\r'], " ");
            text += &format!("{}\t{}\t{}\t{}\n", c.row, cell(&c.slug), cell(&c.from), cell(&c.to));
        }
        plan.insert(changes, text.into_bytes());
    } else if changes.exists() {
        std::fs::remove_file(&changes).map_err(|e| format!("{}: {e}", changes.display()))?;
    }
    for (path, bytes) in plan {
        if std::fs::read(&path).ok().as_deref() == Some(bytes.as_slice()) {
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        // A new file renamed into place: a file changed in place would change the copies a
        // build hard-linked into its output before that output is rebuilt, and a crash would
        // leave half a file.
        let part = std::path::PathBuf::from(format!("{}.{}.part", path.display(), std::process::id()));
        std::fs::write(&part, bytes).map_err(|e| format!("{}: {e}", part.display()))?;
        std::fs::rename(&part, &path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

#[derive(serde::Deserialize, Default)]
struct CategoriesRead {
    #[serde(default)]
    category: Vec<CategoryRead>,
}

#[derive(serde::Deserialize)]
struct CategoryRead {
    slug: String,
}

/// The slug of a category path, adding it (and its parents) to `categories.toml` when new.
fn category_slug(names: &[String], known: &mut std::collections::HashSet<String>, text: &mut String, report: &mut Report) -> String {
    let names: Vec<&String> = names.iter().filter(|n| !slugify(n).is_empty()).collect();
    // No category, and the "Uncategorized" that Shopify and WooCommerce write for none (in the
    // shop's language), are one category: the catalog's own spelling of it when it has one.
    let none = |n: &str| crate::draft::no_category(n);
    let names: Vec<String> = if names.is_empty() || (names.len() == 1 && none(names[0])) {
        vec![if known.contains("uncategorized") { "Uncategorized" } else { "Uncategorised" }.into()]
    } else {
        names.into_iter().cloned().collect()
    };
    let mut slug = String::new();
    for name in &names {
        if !slug.is_empty() {
            slug.push('/');
        }
        slug.push_str(&slugify(name));
        if known.insert(slug.clone()) {
            let block = CategoryBlock { category: vec![CategoryEntry { slug: slug.clone(), name: name.clone(), description: String::new() }] };
            if !text.is_empty() && !text.ends_with("\n\n") {
                text.push_str(if text.ends_with('\n') { "\n" } else { "\n\n" });
            }
            text.push_str(&toml::to_string(&block).unwrap_or_default());
            report.categories_created.push(slug.clone());
        }
    }
    slug
}

fn extension(path: &str) -> String {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" | "png" | "webp" | "gif" | "svg" | "avif" => ext,
        _ => "jpg".into(),
    }
}

/// A neutral square with the product's initials, until its photo is downloaded.
fn placeholder(title: &str) -> String {
    let initials: String =
        title.split_whitespace().filter_map(|w| w.chars().next()).filter(|c| c.is_alphanumeric()).take(2).collect::<String>().to_uppercase();
    let initials = edgeshop_domain::escape_html(&initials);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{s}\" height=\"{s}\" viewBox=\"0 0 {s} {s}\"><rect width=\"{s}\" height=\"{s}\" fill=\"#ecebe6\"/>\
<text x=\"50%\" y=\"50%\" dominant-baseline=\"central\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"200\" fill=\"#8a877c\">{initials}</text></svg>\n",
        s = PLACEHOLDER_SIZE
    )
}

fn new_shop(options: &Options) -> String {
    format!(
        "# Written by the import: check every value before you publish.\nname = {name}\ntagline = \"\"\ncurrency = \"{currency}\"\nlocale = \"en-US\"\nbase_url = \"https://shop.example.com\"\n\n\
[shipping]\nflat_rate = 500\ncountries = [\"US\"]\n\n[tax]\nrate_bp = 0\nprices_include_tax = false\n\n[email]\nfrom = \"orders@shop.example.com\"\n",
        name = toml::Value::String(options.shop_name.clone()),
        currency = options.currency
    )
}

/// Eight hex digits of an address (FNV-1a): a name that changes when the address does.
fn url_hash(url: &str) -> String {
    let hash = url.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("{:08x}", hash >> 32)
}
