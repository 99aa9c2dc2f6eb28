//! A product as read from a CSV, before it is written as a catalog file: the shape both formats
//! map into, and the checks that span rows (unique slugs and SKUs).

use crate::table::Table;
use crate::ImportError;
use std::collections::HashMap;
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

/// `"17.99"` → `1799` for a currency with `digits` minor digits. Refuses negatives, thousands
/// separators, exponents and more decimals than the currency has.
pub fn parse_price(text: &str, digits: u32) -> Result<i64, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("price `{t}` is negative"));
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("price `{t}` is not a number such as 12.99 (no currency signs, thousands separators or exponents)"));
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > digits as usize {
        return Err(format!("price `{t}` has more decimals than the currency's {digits}"));
    }
    let scale = 10i64.pow(digits);
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| format!("price `{t}` is too large"))? };
    let frac_minor: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<width$}", width = digits as usize).parse().unwrap_or(0) };
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_minor))
        .filter(|&m| m <= 1_000_000_000_000)
        .ok_or_else(|| format!("price `{t}` is too large"))
}

/// `"Über Jacket (2024)"` → `"uber-jacket-2024"`: lower-case ASCII letters, digits and dashes.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// SKUs as the catalog takes them: 1-64 letters, digits, `-`, `_` or `.` (`TS 001/BLK` →
/// `TS-001-BLK`, with a warning: orders and stock go by the new one).
pub fn fix_skus(drafts: &mut [Draft], report: &mut crate::Report) {
    for d in drafts {
        for v in &mut d.variants {
            let ok = |b: u8| b.is_ascii_alphanumeric() || b"-_.".contains(&b);
            if !v.sku.is_empty() && v.sku.len() <= 64 && v.sku.bytes().all(ok) {
                continue;
            }
            let mut fixed = String::new();
            for c in v.sku.chars() {
                if c.is_ascii() && ok(c as u8) {
                    fixed.push(c);
                } else if !fixed.ends_with('-') {
                    fixed.push('-');
                }
            }
            let mut fixed = fixed.trim_matches('-').to_string();
            fixed.truncate(64);
            if fixed.is_empty() {
                fixed = format!("{}-{}", d.slug.to_uppercase().chars().take(56).collect::<String>(), v.row);
            }
            let note = format!("row {}: SKU `{}` becomes `{fixed}` (letters, digits, '-', '_' and '.' only)", v.row, v.sku);
            report.warnings.push(crate::Entry { row: v.row, slug: d.slug.clone(), note });
            v.sku = fixed;
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
    }

    #[test]
    fn slugs_are_ascii_lower_case_with_dashes() {
        assert_eq!(slugify("Über Jacket (2024)"), "uber-jacket-2024");
        assert_eq!(slugify("  T-Shirts & Tops  "), "t-shirts-tops");
        assert_eq!(slugify("日本"), "");
    }
}
