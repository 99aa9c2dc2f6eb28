//! A product as read from a CSV, before it is written as a catalog file: the shape both formats
//! map into, and the checks that span rows (unique slugs and SKUs).

use crate::table::Table;
use crate::ImportError;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::path::PathBuf;

pub struct Draft {
    /// First CSV row of the product.
    pub row: usize,
    pub slug: String,
    pub title: String,
    pub brand: String,
    /// Category names from the top, e.g. `["Clothing", "T-shirts"]` (empty: uncategorised).
    pub category: Vec<String>,
    pub tags: Vec<String>,
    pub published: bool,
    pub description_md: String,
    pub attributes: Vec<(String, String)>,
    pub seo_title: String,
    pub seo_description: String,
    pub images: Vec<DraftImage>,
    /// Option names and their values in first-seen order.
    pub options: Vec<(String, Vec<String>)>,
    pub variants: Vec<DraftVariant>,
}

pub struct DraftImage {
    pub source: ImageSource,
    pub alt: String,
}

#[derive(Clone, PartialEq)]
pub enum ImageSource {
    /// A file next to the CSV (or at an absolute path).
    Local(PathBuf),
    Remote(String),
}

pub struct DraftVariant {
    pub row: usize,
    pub sku: String,
    pub options: Vec<String>,
    pub price: i64,
    pub compare_at: Option<i64>,
    pub stock: u32,
    /// Keep selling at zero stock (backorders, or stock not tracked).
    pub continue_selling: bool,
}

/// A price as a spreadsheet or shop in a European locale writes it: `12,50` is `12.50`, when it
/// has one comma, no point and at most `max_decimals` digits after the comma. A spreadsheet's
/// `1,299` may be thousands: with `max_decimals` 2 it stays as it is (and is refused, rather
/// than read as 1.30); WooCommerce never writes thousands, so there any comma is decimal.
pub fn decimal_point(price: &str, max_decimals: usize) -> String {
    match price.split_once(',') {
        Some((_, after)) if !price.contains('.') && !after.contains(',') && (1..=max_decimals).contains(&after.trim().len()) => {
            price.replacen(',', ".", 1)
        }
        _ => price.to_string(),
    }
}

/// `"17.99"` → `1799` for a currency with `digits` minor digits. Refuses negatives, thousands
/// separators, exponents and more decimals than the currency has.
pub fn parse_price(text: &str, digits: u32) -> Result<i64, String> {
    match parse_price_rounding(text, digits)? {
        (minor, false) => Ok(minor),
        (_, true) => Err(format!("price `{}` has more decimals than the currency's {digits}", text.trim())),
    }
}

/// As [`parse_price`], rounding half up past the currency's decimals (`16.8067` → 1681), which
/// shops that enter net prices to four places have; the flag says a price was rounded.
pub fn parse_price_rounding(text: &str, digits: u32) -> Result<(i64, bool), String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("price `{t}` is negative"));
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("price `{t}` is not a number such as 12.99 (no currency signs, thousands separators or exponents)"));
    }
    let frac = frac.trim_end_matches('0');
    let digits_us = digits as usize;
    let rounded = frac.len() > digits_us;
    let round_up = rounded && frac.as_bytes()[digits_us] >= b'5';
    let frac = &frac[..frac.len().min(digits_us)];
    let scale = 10i64.pow(digits);
    let too_large = || format!("price `{t}` is too large");
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| too_large())? };
    let frac_minor: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<digits_us$}").parse().unwrap_or(0) };
    let minor = whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_minor + i64::from(round_up)))
        .filter(|&m| m <= 1_000_000_000_000)
        .ok_or_else(too_large)?;
    Ok((minor, rounded))
}

/// A name on one line: a title with a line break in its cell (a spreadsheet's Alt+Enter), or
/// runs of spaces, reads as its words with one space between.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A SKU made for a variant that has none: the product's slug and the variant's number, within
/// the catalog's 64 characters. A slug too long for that is cut and told apart by a hash of the
/// whole of it, so two long slugs that start alike never make one SKU (whatever their order).
pub fn made_sku(slug: &str, n: usize) -> String {
    let suffix = format!("-{n}");
    let whole = slug.to_uppercase();
    if whole.len() + suffix.len() <= 64 {
        return format!("{}{suffix}", whole.trim_end_matches('-'));
    }
    // FNV-1a: the same slug gives the same SKU on every import.
    let hash = slug.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let tag = format!("-{:06X}", hash & 0xFF_FFFF);
    let head: String = whole.chars().take(64 - suffix.len() - tag.len()).collect();
    format!("{}{tag}{suffix}", head.trim_end_matches('-'))
}

/// `"Über Jacket (2024)"` → `"uber-jacket-2024"`: lower-case ASCII letters, digits and dashes,
/// other letters spelt in Latin ones (`Żółta czapka` → `zolta-czapka`, `Чайник` → `chainik`,
/// `ショッピングバッグ` → `shoppingubaggu`).
pub fn slugify(s: &str) -> String {
    let romanised;
    let s = if s.chars().any(is_kana) {
        romanised = romanise_kana(s);
        romanised.as_str()
    } else {
        s
    };
    let mut out = String::with_capacity(s.len());
    let mut push = |c: char| {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    };
    for c in s.chars() {
        // The accents of Western European languages as earlier imports spelt them (a product's
        // slug must not change from one import to the next).
        let c = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
            'ñ' | 'Ñ' => 'n',
            'ç' | 'Ç' => 'c',
            'ß' => 's',
            c => c,
        };
        if c.is_ascii() {
            push(c);
        } else {
            // Any other letter in Latin ones; a sign with no spelling separates words, and a
            // letter spelt as a mere apostrophe (Hebrew's alef and ayin) is left out.
            let spelt = deunicode::deunicode_char(c).unwrap_or(" ");
            if !spelt.is_empty() && spelt.chars().all(|ch| matches!(ch, '\'' | '`' | '"')) {
                continue;
            }
            spelt.chars().for_each(&mut push);
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    // `Aux` would name a file Windows refuses (`products/aux.html`).
    if edgeshop_domain::paths::reserved_on_windows(&out) {
        out.push_str("-1");
    }
    out
}

/// Whether a category name is the "Uncategorized" an exporter writes for none, in the languages
/// WooCommerce and Shopify name their default category in (`Unkategorisiert`, `Non classé`, …).
pub fn no_category(name: &str) -> bool {
    matches!(
        slugify(name).as_str(),
        "uncategorised"
            | "uncategorized"
            | "unkategorisiert"
            | "non-classe"
            | "sin-categoria"
            | "sin-categorizar"
            | "senza-categoria"
            | "sem-categoria"
            | "ongecategoriseerd"
            | "bez-kategorii"
            | "okategoriserad"
            | "okategoriserade"
            | "ukategoriseret"
            | "ukategorisert"
            | "luokittelematon"
            | "nezarazeno"
            | "kategorisiz"
            | "wei-fen-lei"
    )
}

fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FC}')
}

/// Japanese kana in Hepburn spelling, read by syllable rather than by character: a small ya, yu
/// or yo joins the syllable before it (`シャ` sha, `きょ` kyo), a small vowel changes its vowel
/// (`ファ` fa, `ティ` ti), a small tsu doubles the next consonant (`きっぷ` kippu) and the long
/// mark is dropped (`チョコレート` chokoreto). Other characters stay as they are.
fn romanise_kana(s: &str) -> String {
    const BASE: [&str; 86] = [
        "a", "a", "i", "i", "u", "u", "e", "e", "o", "o", "ka", "ga", "ki", "gi", "ku", "gu", "ke", "ge", "ko", "go", "sa", "za", "shi", "ji", "su",
        "zu", "se", "ze", "so", "zo", "ta", "da", "chi", "ji", "", "tsu", "zu", "te", "de", "to", "do", "na", "ni", "nu", "ne", "no", "ha", "ba",
        "pa", "hi", "bi", "pi", "fu", "bu", "pu", "he", "be", "pe", "ho", "bo", "po", "ma", "mi", "mu", "me", "mo", "ya", "ya", "yu", "yu", "yo",
        "yo", "ra", "ri", "ru", "re", "ro", "wa", "wa", "i", "e", "o", "n", "vu", "ka", "ke",
    ];
    // Katakana from ァ (U+30A1) to ヶ (U+30F6); hiragana are the same 96 code points lower.
    let syllable = |c: char| -> Option<(&'static str, bool)> {
        let k = match c {
            '\u{3041}'..='\u{3096}' => c as u32 + 0x60,
            '\u{30A1}'..='\u{30F6}' => c as u32,
            _ => return None,
        };
        let i = (k - 0x30A1) as usize;
        // Small kana: ァィゥェォ (even places up to オ), ッ, ャュョ, ヮ.
        let small = (i < 10 && i.is_multiple_of(2)) || matches!(k, 0x30C3 | 0x30E3 | 0x30E5 | 0x30E7 | 0x30EE | 0x30F5 | 0x30F6);
        Some((BASE[i], small))
    };
    let mut out = String::with_capacity(s.len() * 2);
    // Where the last syllable starts in `out`, and whether a small tsu waits for the next one.
    let mut last: Option<usize> = None;
    let mut double = false;
    for c in s.chars() {
        if c == 'ー' {
            continue;
        }
        let Some((spelt, small)) = syllable(c) else {
            out.push(c);
            last = None;
            continue;
        };
        if spelt.is_empty() {
            double = true;
            continue;
        }
        if small {
            if let Some(start) = last {
                let before = out[start..].to_string();
                out.truncate(start);
                let joined = match spelt {
                    "ya" | "yu" | "yo" if before.ends_with('i') && before.len() > 1 => {
                        let stem = &before[..before.len() - 1];
                        if stem.ends_with("sh") || stem.ends_with("ch") || stem == "j" {
                            format!("{stem}{}", &spelt[1..])
                        } else {
                            format!("{stem}{spelt}")
                        }
                    }
                    "a" | "i" | "u" | "e" | "o" | "wa" if before == "u" => format!("w{}", &spelt[spelt.len() - 1..]),
                    "a" | "i" | "u" | "e" | "o" => format!("{}{spelt}", before.trim_end_matches(['a', 'i', 'u', 'e', 'o'])),
                    _ => format!("{before}{spelt}"),
                };
                out.push_str(&joined);
                continue;
            }
        }
        let start = out.len();
        if std::mem::take(&mut double) {
            match spelt.as_bytes()[0] {
                b'c' => out.push('t'),
                b if !b"aiueon".contains(&b) => out.push(b as char),
                _ => {}
            }
        }
        out.push_str(spelt);
        last = Some(start);
    }
    out
}

/// SKUs as the catalog takes them: 1-64 letters, digits, `-`, `_` or `.` (`TS 001/BLK` →
/// `TS-001-BLK`, with a warning: orders and stock go by the new one).
pub fn fix_skus(drafts: &mut [Draft], report: &mut crate::Report) {
    for d in drafts {
        for v in &mut d.variants {
            if looks_shortened(&v.sku) {
                let note = format!(
                    "row {}: SKU `{}` looks like a number a spreadsheet shortened (its digits are lost): open the export as text and type it again",
                    v.row, v.sku
                );
                report.warnings.push(crate::Entry { row: v.row, slug: d.slug.clone(), note });
            }
            let ok = |b: u8| b.is_ascii_alphanumeric() || b"-_.".contains(&b);
            if !v.sku.is_empty() && v.sku.len() <= 64 && v.sku.bytes().all(ok) {
                continue;
            }
            let mut fixed = clean_sku(&v.sku);
            if fixed.is_empty() {
                fixed = made_sku(&d.slug, v.row);
            }
            let note = format!("row {}: SKU `{}` becomes `{fixed}` (letters, digits, '-', '_' and '.' only)", v.row, v.sku);
            report.warnings.push(crate::Entry { row: v.row, slug: d.slug.clone(), note });
            report.sku_changes.push(crate::SkuChange { row: v.row, slug: d.slug.clone(), from: v.sku.clone(), to: fixed.clone() });
            v.sku = fixed;
        }
    }
}

/// A SKU in the characters the catalog takes: accented letters as plain ones (`Máquina` →
/// `Maquina`), anything else as one `-` (`Fco - 350` → `Fco-350`), at most 64.
fn clean_sku(sku: &str) -> String {
    let ok = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    let mut fixed = String::new();
    for c in sku.chars() {
        let plain = if c.is_alphabetic() && !c.is_ascii() {
            deunicode::deunicode_char(c).filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()))
        } else {
            None
        };
        match plain {
            Some(letters) => fixed.push_str(letters),
            None if ok(c) && !(c == '-' && fixed.ends_with('-')) => fixed.push(c),
            None if !fixed.ends_with('-') => fixed.push('-'),
            None => {}
        }
    }
    let mut fixed = fixed.trim_matches('-').to_string();
    fixed.truncate(64);
    fixed
}

/// Whether a cell is a number in a spreadsheet's scientific notation (`1.23457E+11`): what
/// Excel shows, and saves, for a long number typed in a cell it took as one.
fn looks_shortened(cell: &str) -> bool {
    let Some((mantissa, exponent)) = cell.split_once(['E', 'e']) else { return false };
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction) && digits(exponent) && mantissa.contains('.')
}

/// Published products with a variant priced 0 are named in the report: shoppers could order it
/// for nothing. One whose every variant is priced 0 is imported unpublished (an app sets its price
/// on the other platform, such as a made-to-measure configurator's; or it is a free sample, which
/// the merchant publishes knowingly).
pub fn warn_free(drafts: &mut [Draft], report: &mut crate::Report) {
    for d in drafts.iter_mut().filter(|d| d.published) {
        if !d.variants.is_empty() && d.variants.iter().all(|v| v.price == 0) {
            d.published = false;
            let note = "every variant is priced 0 (an app may set the price on the other platform): imported unpublished, so nobody orders it for nothing; give it a price to publish it".to_string();
            report.warnings.push(crate::Entry { row: d.row, slug: d.slug.clone(), note });
        } else if let Some(v) = d.variants.iter().find(|v| v.price == 0) {
            let note = format!("row {}: priced 0, so shoppers can order it for nothing: give it a price or unpublish it", v.row);
            report.warnings.push(crate::Entry { row: v.row, slug: d.slug.clone(), note });
        }
    }
}

/// A published product with no description, no photo and no SKU is named in the report: apps
/// make such products for fees and deposits, and their own shop never shows them.
pub fn warn_bare(drafts: &[Draft], report: &mut crate::Report) {
    for d in drafts.iter().filter(|d| d.published && d.images.is_empty() && d.description_md.trim().is_empty()) {
        if d.variants.iter().enumerate().all(|(n, v)| v.sku == made_sku(&d.slug, n + 1)) {
            let note = "no description, no photo and no SKU: if an app made it (a fee, a deposit), unpublish it, or shoppers can buy it".to_string();
            report.warnings.push(crate::Entry { row: d.row, slug: d.slug.clone(), note });
        }
    }
}

/// A SKU that an earlier variant of the file already has, in an export from a platform that
/// allows that (Shopify: a SKU there is a label, each variant has its own stock), is made the
/// variant's own by a number (`PIN-SMA` → `PIN-SMA-2`, the first free one), with a warning: a
/// cart and stock here go by SKU. The same file gives the same SKUs again.
pub fn separate_shared_skus(drafts: &mut [Draft], report: &mut crate::Report) {
    let mut taken: HashSet<String> = drafts.iter().flat_map(|d| d.variants.iter().map(|v| v.sku.clone())).collect();
    let mut first: HashMap<String, usize> = HashMap::new();
    for d in drafts {
        for v in &mut d.variants {
            let Some(&row) = first.get(&v.sku) else {
                first.insert(v.sku.clone(), v.row);
                continue;
            };
            let own = (2..)
                .map(|n| {
                    let suffix = format!("-{n}");
                    let head: String = v.sku.chars().take(64 - suffix.len()).collect();
                    format!("{head}{suffix}")
                })
                .find(|sku| !taken.contains(sku))
                .unwrap_or_default();
            let note = format!("row {}: SKU `{}` is also at row {row}; this variant's SKU becomes `{own}` (orders and stock go by it)", v.row, v.sku);
            report.warnings.push(crate::Entry { row: v.row, slug: d.slug.clone(), note });
            report.sku_changes.push(crate::SkuChange { row: v.row, slug: d.slug.clone(), from: v.sku.clone(), to: own.clone() });
            taken.insert(own.clone());
            first.insert(own.clone(), v.row);
            v.sku = own;
        }
    }
}

/// What the catalog refuses in a product's options: more than 3, or two variants with the same
/// values.
pub fn check_options(drafts: &[Draft], table: &Table) -> Result<(), Vec<ImportError>> {
    let mut errors = Vec::new();
    for d in drafts {
        if d.options.len() > 3 {
            let names: Vec<&str> = d.options.iter().map(|(n, _)| n.as_str()).collect();
            errors.push(table.error(d.row, "", format!("`{}` has {} options ({}); a product has at most 3", d.slug, names.len(), names.join(", "))));
        }
        let mut seen: HashMap<&[String], usize> = HashMap::new();
        for v in &d.variants {
            if let Some(first) = seen.insert(&v.options, v.row) {
                errors.push(table.error(v.row, "", format!("this variant has the same options ({}) as row {first}", v.options.join(" / "))));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Two products with one slug, or two variants with one SKU, are errors naming both rows.
pub fn check_unique(drafts: &[Draft], table: &Table) -> Result<(), Vec<ImportError>> {
    let mut errors = Vec::new();
    let mut slugs: HashMap<&str, usize> = HashMap::new();
    let mut skus: HashMap<&str, usize> = HashMap::new();
    for d in drafts {
        if let Some(first) = slugs.insert(&d.slug, d.row) {
            errors.push(table.error(
                d.row,
                "",
                format!("product `{}` is also at row {first}: handles (and slugs made from names) must be unique", d.slug),
            ));
        }
        for v in &d.variants {
            if let Some(first) = skus.insert(&v.sku, v.row) {
                errors.push(table.error(v.row, "", format!("SKU `{}` is also at row {first}: SKUs must be unique", v.sku)));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// SKUs the file gives to a product that another product of the catalog already has (one made
/// by an earlier import under another slug: renamed in the shop, or a handle changed): refused by
/// row, naming that product's file, instead of a successful import that the build then refuses.
pub fn check_catalog_clashes(drafts: &[Draft], catalog: &Path, table: &Table) -> Result<(), Vec<ImportError>> {
    #[derive(serde::Deserialize)]
    struct ProductSkus {
        #[serde(default)]
        variants: Vec<VariantSku>,
    }
    #[derive(serde::Deserialize)]
    struct VariantSku {
        sku: String,
    }
    // Each SKU of the file: its product and row.
    let mine: HashMap<&str, (&str, usize)> =
        drafts.iter().flat_map(|d| d.variants.iter().map(move |v| (v.sku.as_str(), (d.slug.as_str(), v.row)))).collect();
    let Ok(files) = std::fs::read_dir(catalog.join("products")) else { return Ok(()) };
    let mut errors = Vec::new();
    let mut paths: Vec<std::path::PathBuf> =
        files.filter_map(|f| f.ok().map(|f| f.path())).filter(|p| p.extension().is_some_and(|e| e == "toml")).collect();
    paths.sort();
    for path in paths {
        let slug = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        // A file the loader will refuse anyway is the build's to report.
        let Some(product) = std::fs::read_to_string(&path).ok().and_then(|t| toml::from_str::<ProductSkus>(&t).ok()) else { continue };
        for v in product.variants {
            if let Some(&(owner, row)) = mine.get(v.sku.as_str()) {
                if owner != slug {
                    errors.push(table.error(
                        row,
                        "",
                        format!(
                            "SKU `{}` belongs to products/{slug}.toml already; this file makes it part of `{owner}` (renamed? remove the old file, or give the product its old handle)",
                            v.sku
                        ),
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_become_minor_units_and_bad_ones_are_refused() {
        assert_eq!(parse_price("25", 2), Ok(2500));
        assert_eq!(parse_price("17.99", 2), Ok(1799));
        assert_eq!(parse_price("17.9", 2), Ok(1790));
        assert_eq!(parse_price("64.950", 2), Ok(6495));
        assert_eq!(parse_price(".5", 2), Ok(50));
        assert_eq!(parse_price("1500", 0), Ok(1500));
        for bad in ["-1", "abc", "1,299.00", "3.65E+11", "", ".", "12.345", "$5", "99999999999999"] {
            assert!(parse_price(bad, 2).is_err(), "{bad}");
        }
        assert!(parse_price("1.5", 0).is_err(), "a currency without minor units");
        assert_eq!(parse_price_rounding("16.8067", 2), Ok((1681, true)));
        assert_eq!(parse_price_rounding("16.8049", 2), Ok((1680, true)));
        assert_eq!(parse_price_rounding("9.995", 2), Ok((1000, true)));
        assert_eq!(parse_price_rounding("12.50", 2), Ok((1250, false)));
    }

    #[test]
    fn decimal_commas_are_read_where_they_cannot_be_thousands() {
        assert_eq!(decimal_point("24,90", 2), "24.90");
        assert_eq!(decimal_point("7,5", 2), "7.5");
        assert_eq!(decimal_point("1,299", 2), "1,299");
        assert_eq!(decimal_point("16,8067", usize::MAX), "16.8067");
        assert_eq!(decimal_point("1.299,00", 2), "1.299,00");
        assert_eq!(decimal_point("19.99", 2), "19.99");
    }

    #[test]
    fn skus_a_spreadsheet_shortened_are_told_from_real_ones() {
        for cell in ["1.23457E+11", "4.5e-07", "9.99E10"] {
            assert!(looks_shortened(cell), "{cell}");
        }
        for cell in ["TS-001", "123456789012", "E12", "1E10-BLK", "12E5", "A1.2E+3", ""] {
            assert!(!looks_shortened(cell), "{cell}");
        }
    }

    #[test]
    fn skus_are_cleaned_into_plain_letters_and_single_dashes() {
        assert_eq!(clean_sku("MáquinaPETKM-1991"), "MaquinaPETKM-1991");
        assert_eq!(clean_sku("CarregadorInduçao"), "CarregadorInducao");
        assert_eq!(clean_sku("Panela Reg Tio Fco - 350"), "Panela-Reg-Tio-Fco-350");
        assert_eq!(clean_sku("TS 001/BLK"), "TS-001-BLK");
        assert_eq!(clean_sku("14:193#White;5:361386#M"), "14-193-White-5-361386-M");
        assert_eq!(clean_sku("(ñ) 10°"), "n-10");
    }

    #[test]
    fn made_skus_keep_the_variants_number() {
        let long = "mens-waterproof-hiking-jacket-with-hood-lightweight-breathable-rain-coat";
        let (a, b) = (made_sku(long, 2), made_sku(long, 10));
        assert!(a.len() <= 64 && b.len() <= 64 && a != b && a.ends_with("-2") && b.ends_with("-10"), "{a} {b}");
        assert_eq!(made_sku("mug", 1), "MUG-1");
    }

    #[test]
    fn slugs_are_ascii_lower_case_with_dashes() {
        assert_eq!(slugify("Über Jacket (2024)"), "uber-jacket-2024");
        assert_eq!(slugify("  T-Shirts & Tops  "), "t-shirts-tops");
        assert_eq!(slugify("Żółta czapka"), "zolta-czapka");
        assert_eq!(slugify("Şal ısıtıcı"), "sal-isitici");
        assert_eq!(slugify("Ærmer"), "aermer");
        assert_ne!(slugify("Łyżka"), slugify("Żyłka"));
        assert_eq!(slugify("Чайник"), "chainik");
        assert!(!slugify("日本").is_empty());
        // Kana by syllable: small ya/yu/yo and vowels join, a small tsu doubles, ー is dropped.
        assert_eq!(slugify("シャツ"), "shatsu");
        assert_eq!(slugify("ショッピングバッグ"), "shoppingubaggu");
        assert_eq!(slugify("チョコレート"), "chokoreto");
        assert_eq!(slugify("きっぷ"), "kippu");
        assert_eq!(slugify("ファッション ウィーク"), "fasshon-wiku");
        assert_eq!(slugify("puzzlly ロゴTシャツ"), "puzzlly-rogotshatsu");
        assert_eq!(slugify("じゃがいも マッチ"), "jagaimo-matchi");
        assert!(no_category("Non classé") && no_category("Sem categoria") && !no_category("Clothing"));
        assert_eq!(slugify("מארז-מחברות"), "mrz-mkhbrvt", "alef is no separator");
        assert_eq!(slugify("Men's Tee"), "men-s-tee");
        assert_eq!(slugify("AUX"), "aux-1", "a device name on Windows");
        assert_eq!(slugify("★ ☆"), "");
    }
}
