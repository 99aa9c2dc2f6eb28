//! Imports a product CSV exported by Shopify or WooCommerce into an edgeshop catalog directory.
//!
//! The whole file is read and checked before anything is written: a bad file (wrong columns,
//! broken quoting, non-UTF-8 bytes, duplicate handles or SKUs, negative or non-numeric prices)
//! gets `row:column` errors and leaves the catalog as it was. A good file becomes one
//! `products/{slug}.toml` per product, new categories in `categories.toml`, and images in
//! `images/` (local files copied; remote ones listed in `images-to-download.tsv`, with a
//! placeholder until the file is there, since the build works offline). Importing the same file
//! again changes nothing; the [`Report`] says what was created, changed, unchanged or skipped, and
//! why, by CSV row.

mod draft;
mod html;
mod shopify;
mod table;
mod woocommerce;
mod write;

pub use draft::{parse_price, slugify};
pub use html::html_to_markdown;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Shopify,
    WooCommerce,
}

impl Format {
    pub fn parse(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "shopify" => Some(Format::Shopify),
            "woocommerce" | "woo" => Some(Format::WooCommerce),
            _ => None,
        }
    }
}

/// An error in the CSV file: 1-based row (as a spreadsheet numbers it, the header is row 1) and
/// column name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    pub file: PathBuf,
    pub row: usize,
    /// Column name (empty when the error is about the whole row or file).
    pub column: String,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column.as_str() {
            // Not about a row: the file as a whole (it cannot be read, say).
            "" if self.row == 0 => write!(f, "{}: {}", self.file.display(), self.message),
            "" => write!(f, "{}:{}: {}", self.file.display(), self.row, self.message),
            col => write!(f, "{}:{}:{col}: {}", self.file.display(), self.row, self.message),
        }
    }
}

/// What happened to one product (or row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// First CSV row of the product.
    pub row: usize,
    pub slug: String,
    pub note: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub created: Vec<Entry>,
    pub changed: Vec<Entry>,
    pub unchanged: Vec<Entry>,
    /// Rows or products not imported, with the reason.
    pub skipped: Vec<Entry>,
    /// Imported with a change the merchant should know about (a price ignored, a SKU made up).
    pub warnings: Vec<Entry>,
    pub categories_created: Vec<String>,
    /// Remote images to download into `images/` (then import again to use them).
    pub images_to_download: usize,
    /// SKUs changed on the way in (listed in [`SKU_CHANGES`]).
    pub sku_changes: Vec<SkuChange>,
}

/// A SKU the import changed: the first CSV row of its variant, its product, and the SKU in the
/// file and in the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkuChange {
    pub row: usize,
    pub slug: String,
    pub from: String,
    pub to: String,
}

/// Entries with one kind of note shown in the report before the rest are counted.
const SHOWN_ALIKE: usize = 3;

/// The file, beside `images-to-download.tsv`, that lists every SKU the import changed (row,
/// product, SKU in the file, SKU in the catalog): apps and suppliers that know the old ones
/// need the list.
pub const SKU_CHANGES: &str = "sku-changes.tsv";

/// A note's kind: its wording with the values it names (`quoted`, numbers) left out, so that
/// "row 7: SKU `A 1` becomes `A-1`" and "row 9: SKU `B 2` becomes `B-2`" are alike.
fn shape(note: &str) -> String {
    let mut out = String::with_capacity(note.len());
    let mut quoted = false;
    for c in note.chars() {
        match c {
            '`' => {
                quoted = !quoted;
                out.push('`');
            }
            _ if quoted => {}
            c if c.is_ascii_digit() => {
                if !out.ends_with('#') {
                    out.push('#');
                }
            }
            c => out.push(c),
        }
    }
    out
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, true)
    }
}

impl Report {
    /// Every entry, none folded (`cargo xtask import --all`).
    pub fn full(&self) -> String {
        struct Full<'a>(&'a Report);
        impl fmt::Display for Full<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.write(f, false)
            }
        }
        Full(self).to_string()
    }

    /// The report; `fold`: entries with a note many share are shown for the first few, then
    /// counted (never the products left out: each is named).
    fn write(&self, f: &mut fmt::Formatter<'_>, fold: bool) -> fmt::Result {
        // Skipped products, and apart, variants left out of products that were imported.
        let imported: std::collections::HashSet<&str> =
            self.created.iter().chain(&self.changed).chain(&self.unchanged).map(|e| e.slug.as_str()).collect();
        let (variants, products): (Vec<&Entry>, Vec<&Entry>) = self.skipped.iter().partition(|e| imported.contains(e.slug.as_str()));
        let mut skipped: Vec<(&str, usize)> = products.iter().map(|e| (e.slug.as_str(), if e.slug.is_empty() { e.row } else { 0 })).collect();
        skipped.sort_unstable();
        skipped.dedup();
        let left_out = match variants.len() {
            0 => String::new(),
            n => format!(" (and {} of imported products)", edgeshop_domain::text::count_of(n as u64, "variant")),
        };
        writeln!(
            f,
            "{} created, {} changed, {} unchanged, {} skipped{left_out}; {} new categories; {} images to download",
            self.created.len(),
            self.changed.len(),
            self.unchanged.len(),
            skipped.len(),
            self.categories_created.len(),
            self.images_to_download
        )?;
        for (what, list) in [("created", &self.created), ("changed", &self.changed), ("skipped", &self.skipped), ("warning", &self.warnings)] {
            // A note that many products share ("not taxable in Shopify", "SKU `…` becomes `…`")
            // is shown for the first few, then counted, so that it does not bury the others.
            let shapes: Vec<String> = list.iter().map(|e| shape(&e.note)).collect();
            let mut times: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
            for (_, shape) in list.iter().zip(&shapes).filter(|(e, _)| !e.note.is_empty()) {
                *times.entry(shape.as_str()).or_default() += 1;
            }
            let mut shown: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
            let fold = fold && what != "skipped";
            for (e, shape) in list.iter().zip(&shapes) {
                let seen = shown.entry(shape.as_str()).or_default();
                *seen += 1;
                if fold && !e.note.is_empty() && *seen > SHOWN_ALIKE {
                    continue;
                }
                let slug = if e.slug.is_empty() { String::new() } else { format!(" {}", e.slug) };
                let note = if e.note.is_empty() { String::new() } else { format!(": {}", e.note) };
                writeln!(f, "  row {:>5} {what}{slug}{note}", e.row)?;
                let total = times.get(shape.as_str()).copied().unwrap_or(0);
                if fold && *seen == SHOWN_ALIKE && total > SHOWN_ALIKE {
                    let more = total - SHOWN_ALIKE;
                    let listed = if shape.contains("SKU") && !self.sku_changes.is_empty() {
                        format!("every SKU change is in {SKU_CHANGES}; `--all` lists every note")
                    } else {
                        "`--all` lists every one".to_string()
                    };
                    let (them, plural) = if more == 1 { ("it", "") } else { ("them", if what == "warning" { "s" } else { "" }) };
                    writeln!(f, "            … and {more} more {what}{plural} like {them} ({listed})")?;
                }
            }
        }
        if imported.is_empty() && !skipped.is_empty() {
            writeln!(f, "Nothing was imported: every product was skipped, for the reasons above.")?;
        }
        Ok(())
    }
}

pub struct Options {
    /// Date recorded as `created` for new products (`YYYY-MM-DD`).
    pub today: String,
    /// Currency of a new catalog (an existing one keeps its `shop.toml`).
    pub currency: String,
    /// Name of a new shop.
    pub shop_name: String,
}

/// Imports `csv` (in `format`) into the catalog directory `catalog` (created if missing).
pub fn import(format: Format, csv: &Path, catalog: &Path, options: &Options) -> Result<Report, Vec<ImportError>> {
    let bytes = std::fs::read(csv)
        .map_err(|e| vec![ImportError { file: csv.into(), row: 0, column: String::new(), message: format!("the export cannot be read: {e}") }])?;
    let currency = write::catalog_currency(catalog, &options.currency)
        .map_err(|m| vec![ImportError { file: catalog.join("shop.toml"), row: 0, column: String::new(), message: m }])?;
    let mut table = table::Table::read(csv, &bytes)?;
    let base = csv.parent().unwrap_or(Path::new("."));
    let mut report = Report::default();
    let mut drafts = match format {
        Format::Shopify => {
            table.alias(shopify::OTHER_NAMES);
            shopify::drafts(&table, currency, base, &mut report)?
        }
        Format::WooCommerce => {
            table.alias(woocommerce::OTHER_NAMES);
            woocommerce::drafts(&table, currency, base, &options.today, &mut report)?
        }
    };
    draft::fix_skus(&mut drafts, &mut report);
    draft::warn_free(&mut drafts, &mut report);
    draft::warn_bare(&drafts, &mut report);
    // Shopify lets variants share a SKU; WooCommerce refuses that, so there it is an error below.
    if format == Format::Shopify {
        draft::separate_shared_skus(&mut drafts, &mut report);
    }
    draft::check_options(&drafts, &table)?;
    draft::check_unique(&drafts, &table)?;
    draft::check_catalog_clashes(&drafts, catalog, &table)?;
    write::write_catalog(catalog, drafts, options, &mut report)
        .map_err(|m| vec![ImportError { file: catalog.into(), row: 0, column: String::new(), message: m }])?;
    Ok(report)
}
