//! Turning raw files into a [`Catalog`], checking every rule a merchant can break.

use crate::cache::{Digest, Entry, Validated};
use crate::raw::{Parsed, ProductFile, RawProduct, Sources};
use crate::{line_of, CatalogError};
use crate::{FastMap, FastSet};
use edgeshop_domain::{
    Catalog, Category, Currency, Image, Money, PinnedResults, Product, ProductOption, SearchSettings, ShippingRules, ShippingZone, Shop, StockPolicy,
    TaxRules, Variant,
};
use std::path::PathBuf;
use toml::Spanned;

/// Largest amount accepted in a catalog file (10 billion major units).
const MAX_MINOR: i64 = 1_000_000_000_000;

/// The catalog from `sources`, or `None` with the problems in `errors`. A product file the cache
/// holds is used from `cache` when it passes the checks that depend on other files, and parsed
/// and checked in full otherwise; every product that validated goes into `validated`.
pub fn build_catalog(
    sources: &Sources,
    cache: &mut FastMap<Digest, Entry>,
    validated: &mut Vec<Validated>,
    errors: &mut Vec<CatalogError>,
) -> Option<Catalog> {
    let shop_file = sources.shop.as_ref();
    let cats_file = sources.categories.as_ref();
    if shop_file.is_none() && !errors.iter().any(|e| e.file.ends_with("shop.toml")) {
        errors.push(missing(sources, "shop.toml"));
    }
    if cats_file.is_none() && !errors.iter().any(|e| e.file.ends_with("categories.toml")) {
        errors.push(missing(sources, "categories.toml"));
    }
    let currency = shop_file.and_then(|f| {
        let code = f.value.currency.get_ref();
        match Currency::parse(code) {
            Ok(c) if crate::iso::is_currency(code) => Some(c),
            Ok(_) => {
                let hint = did_you_mean(code, crate::iso::CURRENCIES.iter().copied());
                errors.push(f.error(&f.value.currency, format!("`{code}` is not an ISO 4217 currency code{hint}")));
                None
            }
            Err(e) => {
                errors.push(f.error(&f.value.currency, e.to_string()));
                None
            }
        }
    });

    let categories = cats_file.map(|f| categories(f, errors)).unwrap_or_default();
    let category_slugs: FastSet<&str> = categories.iter().map(|c| c.slug.as_str()).collect();

    let mut products = Vec::with_capacity(sources.products.len());
    let mut slugs: FastMap<String, (PathBuf, usize)> = FastMap::with_capacity_and_hasher(sources.products.len(), Default::default());
    // Sized for the SKUs the cache knows of (a shop may have many variants a product: six in the
    // 20k bench shop, whose map grew three times from a guess of two).
    let known_skus = cache.values().map(|e| e.sku_lines.len()).sum::<usize>();
    let mut skus: FastMap<String, (PathBuf, usize)> =
        FastMap::with_capacity_and_hasher(known_skus.max(2 * sources.products.len()), Default::default());
    for file in &sources.products {
        let currency = currency.unwrap_or(Currency::EUR);
        let parsed;
        let (f, digest) = match file {
            ProductFile::Parsed(f, digest) => (&**f, *digest),
            ProductFile::Cached { path, src, digest } => {
                let entry = cache.remove(digest).filter(|e| still_valid(&e.product, currency, &category_slugs, sources, &slugs, &skus));
                if let Some(Entry { slug_line, sku_lines, product }) = entry {
                    slugs.insert(product.slug.clone(), (path.clone(), slug_line));
                    for (v, line) in product.variants.iter().zip(&sku_lines) {
                        skus.insert(v.sku.clone(), (path.clone(), *line));
                    }
                    validated.push(Validated { digest: *digest, path: path.clone(), slug: product.slug.clone(), slug_line, sku_lines });
                    products.push(product);
                    continue;
                }
                // Checked in full, as without a cache: its errors point at lines.
                let bytes = match src {
                    Some(src) => src.clone().into_bytes(),
                    None => match std::fs::read(path) {
                        Ok(bytes) => bytes,
                        Err(e) => {
                            errors.push(CatalogError { file: path.clone(), line: 0, message: format!("cannot read: {e}") });
                            continue;
                        }
                    },
                };
                match crate::raw::parse::<RawProduct>(path.clone(), bytes, errors) {
                    Some(f) => parsed = f,
                    None => continue,
                }
                (&parsed, *digest)
            }
        };
        if let Some(p) = product(f, currency, &category_slugs, sources, &mut slugs, &mut skus, errors) {
            // A product that validated took its slug and SKUs: the lines `product` noted for them.
            let line = |taken: &FastMap<String, (PathBuf, usize)>, key: &str| taken.get(key).map_or(0, |(_, line)| *line);
            let sku_lines = p.variants.iter().map(|v| line(&skus, &v.sku)).collect();
            validated.push(Validated { digest, path: f.path.clone(), slug: p.slug.clone(), slug_line: line(&slugs, &p.slug), sku_lines });
            products.push(p);
        }
    }
    products.sort_by(|a, b| a.slug.cmp(&b.slug));

    let shop_file = shop_file?;
    // Checked with a stand-in currency when its own is wrong, so every other mistake shows too.
    let drafts: FastSet<&str> = products.iter().filter(|p| !p.published).map(|p| p.slug.as_str()).collect();
    let shop = shop(shop_file, currency.unwrap_or(Currency::EUR), &category_slugs, (&slugs, &drafts), errors);
    let (shop, _) = (shop?, currency?);
    let mut search = sources.synonyms.as_ref().map(|f| search_settings(f, &slugs, errors)).unwrap_or_default();
    search.out_of_stock = shop_file.value.search.out_of_stock;
    search.skip_everyday_words = shop_file.value.search.everyday_words == Some(false);
    Some(Catalog { version: String::new(), shop, categories, products, search })
}

/// Whether a product validated by an earlier build still passes the checks that depend on other
/// files: its category exists, its images are there at the declared size, its prices are in the
/// shop's currency, and no product before it took its slug or a SKU. (The rest depends on its
/// own file only, whose bytes are the same.)
fn still_valid(
    p: &Product,
    currency: Currency,
    categories: &FastSet<&str>,
    sources: &Sources,
    slugs: &FastMap<String, (PathBuf, usize)>,
    skus: &FastMap<String, (PathBuf, usize)>,
) -> bool {
    let image_ok = |i: &Image| {
        !i.file.contains("..")
            && !i.file.starts_with('/')
            && sources.images.get(i.file.as_str()).is_some_and(|found| match found.size {
                Some(size) => size == (i.width, i.height),
                None => found.svg,
            })
    };
    categories.contains(p.category.as_str())
        && !slugs.contains_key(&p.slug)
        && p.images.iter().all(image_ok)
        && p.variants
            .iter()
            .all(|v| v.price.currency == currency && v.compare_at.is_none_or(|c| c.currency == currency) && !skus.contains_key(&v.sku))
}

/// Lowercased words of a query or synonym, the way search compares them.
fn normalise(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ").to_lowercase()
}

fn search_settings(
    f: &Parsed<crate::raw::RawSynonyms>,
    products: &FastMap<String, (PathBuf, usize)>,
    errors: &mut Vec<CatalogError>,
) -> SearchSettings {
    let mut settings = SearchSettings::default();
    for group in &f.value.synonyms {
        let words: Vec<String> = group.get_ref().iter().map(|w| normalise(w)).filter(|w| !w.is_empty()).collect();
        if words.len() < 2 {
            errors.push(f.error(group, "a synonym group needs at least two words or phrases"));
        } else {
            settings.synonyms.push(words);
        }
    }
    for (query, slugs) in &f.value.pinned {
        for slug in slugs {
            if !products.contains_key(slug.get_ref()) {
                errors.push(f.error(slug, format!("pinned product `{}` does not exist", slug.get_ref())));
            }
        }
        settings.pinned.push(PinnedResults { query: normalise(query), slugs: slugs.iter().map(|s| s.get_ref().clone()).collect() });
    }
    settings
}

fn missing(sources: &Sources, name: &str) -> CatalogError {
    CatalogError { file: sources.dir.join(name), line: 0, message: "file is missing".into() }
}

fn money<T>(file: &Parsed<T>, value: &Spanned<toml::Value>, what: &str, currency: Currency, errors: &mut Vec<CatalogError>) -> Option<Money> {
    match value.get_ref() {
        toml::Value::Integer(i) if (0..=MAX_MINOR).contains(i) => Some(Money::new(*i, currency)),
        toml::Value::Integer(i) if *i < 0 => {
            errors.push(file.error(value, format!("{what} must not be negative, found `{i}`")));
            None
        }
        toml::Value::Integer(i) => {
            errors.push(file.error(value, format!("{what} `{i}` is too large")));
            None
        }
        other => {
            errors.push(file.error(value, format!("{what} must be an integer number of minor units (cents), found `{other}`")));
            None
        }
    }
}

fn valid_slug(s: &str) -> bool {
    !s.is_empty() && s.split('/').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
}

/// The part of `slug` that Windows keeps for a device, as an error's ending (see
/// [`edgeshop_domain::paths::reserved_on_windows`]).
fn reserved_part(slug: &str) -> Option<String> {
    slug.split('/')
        .find(|p| edgeshop_domain::paths::reserved_on_windows(p))
        .map(|p| format!(": `{p}` is a device name on Windows, where no file can be called that (try `{p}-1` or a longer word)"))
}

fn shop(
    f: &Parsed<crate::raw::RawShop>,
    currency: Currency,
    categories: &FastSet<&str>,
    (products, drafts): (&FastMap<String, (PathBuf, usize)>, &FastSet<&str>),
    errors: &mut Vec<CatalogError>,
) -> Option<Shop> {
    let raw = &f.value;
    let before = errors.len();
    for p in &raw.featured_products {
        if !products.contains_key(p.get_ref()) {
            let hint = did_you_mean(p.get_ref(), products.keys().map(String::as_str));
            errors.push(f.error(p, format!("featured product `{}` does not exist{hint}", p.get_ref())));
        } else if drafts.contains(p.get_ref().as_str()) {
            errors.push(
                f.error(p, format!("featured product `{}` is not published (published = false): publish it or take it off the list", p.get_ref())),
            );
        }
    }
    for c in &raw.featured_categories {
        if !categories.contains(c.get_ref().as_str()) {
            let hint = did_you_mean(c.get_ref(), categories.iter().copied());
            errors.push(f.error(c, format!("featured category `{}` is not declared in categories.toml{hint}", c.get_ref())));
        }
    }
    if raw.shipping.countries.is_empty() {
        errors.push(f.error(
            &raw.shipping.flat_rate,
            "[shipping] countries must list the ISO codes of the countries the shop ships to (none: no order can be placed)",
        ));
    }
    let base_url = raw.base_url.trim();
    let host = base_url.strip_prefix("https://").or_else(|| base_url.strip_prefix("http://"));
    if !host.is_some_and(|h| !h.is_empty() && !h.starts_with('/') && !h.contains(char::is_whitespace)) {
        errors.push(CatalogError {
            file: f.path.clone(),
            line: crate::line_of(&f.src, f.src.find("base_url").unwrap_or(0)),
            message: format!("base_url `{base_url}` must be the shop's address with its scheme, e.g. https://shop.example.com"),
        });
    }
    for c in &raw.shipping.countries {
        let code = c.get_ref();
        if !crate::iso::is_country(code) {
            // Two letters are one edit from dozens of codes: only the usual mix-ups get a hint.
            let hint = match code.to_uppercase().as_str() {
                "UK" => " (did you mean `GB`?)",
                "EL" => " (did you mean `GR`?)",
                c if crate::iso::is_country(c) => " (write it in capitals)",
                _ => "",
            };
            errors.push(f.error(c, format!("`{code}` is not an ISO 3166-1 alpha-2 country code{hint}")));
        }
    }
    let mut email = edgeshop_domain::EmailSettings::default();
    if let Some(e) = &raw.email {
        let mut address = |v: &Spanned<String>, what: &str| {
            let a = v.get_ref().trim();
            let ok = a.split_once('@').is_some_and(|(u, h)| !u.is_empty() && h.contains('.') && !h.starts_with('.') && !h.ends_with('.'))
                && !a.contains(|c: char| c.is_whitespace() || c.is_control() || "<>\",;".contains(c));
            if !ok {
                errors.push(f.error(v, format!("email {what} `{a}` is not an email address")));
            }
            a.to_string()
        };
        email.from = address(&e.from, "from");
        email.reply_to = e.reply_to.as_ref().map(|r| address(r, "reply_to")).unwrap_or_default();
        email.merchant = e.merchant.iter().map(|m| address(m, "merchant")).collect();
    }
    let flat_rate = money(f, &raw.shipping.flat_rate, "shipping flat_rate", currency, errors);
    let free_over = raw.shipping.free_over.as_ref().map(|v| money(f, v, "shipping free_over", currency, errors));
    let mut zoned: Vec<&str> = Vec::new();
    let mut zones = Vec::new();
    for z in &raw.shipping.zones {
        let name = z.name.get_ref().trim();
        if name.is_empty() || name.chars().count() > 60 || name.contains(char::is_control) {
            errors.push(f.error(&z.name, "a shipping zone's name is one line of 1 to 60 characters (shoppers read it at checkout)"));
        }
        if z.countries.is_empty() {
            errors.push(f.error(&z.name, format!("shipping zone `{name}` lists no countries")));
        }
        for c in &z.countries {
            let code = c.get_ref().as_str();
            if !raw.shipping.countries.iter().any(|s| s.get_ref() == code) {
                errors.push(f.error(c, format!("shipping zone `{name}` lists `{code}`, which is not in [shipping] countries")));
            } else if zoned.contains(&code) {
                errors.push(f.error(c, format!("`{code}` is in two shipping zones; a country has one rate")));
            }
            zoned.push(code);
        }
        let rate = money(f, &z.flat_rate, "shipping zone flat_rate", currency, errors);
        // `Some(None)`: no threshold; `None`: a threshold that is no amount (an error is noted).
        let free = match &z.free_over {
            Some(v) => money(f, v, "shipping zone free_over", currency, errors).map(Some),
            None => Some(None),
        };
        if let (Some(flat_rate), Some(free_over)) = (rate, free) {
            let countries = z.countries.iter().map(|c| c.get_ref().clone()).collect();
            zones.push(ShippingZone { name: name.to_string(), countries, flat_rate, free_over });
        }
    }
    // Rates are basis points: over 100 % is a typo, and so is one under 1 % (a percentage typed
    // as is: 19 would be 0.19 %). 0 is no tax.
    let tax_rate = |at: &Spanned<u32>, what: String, errors: &mut Vec<CatalogError>| {
        let bp = *at.get_ref();
        if bp > 10_000 {
            errors.push(f.error(at, format!("{what} {bp} is over 100 %: write the rate in basis points (23 % is 2300)")));
        } else if (1..100).contains(&bp) {
            errors.push(f.error(at, format!("{what} {bp} is under 1 %: write the rate in basis points ({bp} % is {})", bp * 100)));
        }
        bp
    };
    let rate_bp = tax_rate(&raw.tax.rate_bp, "[tax] rate_bp".into(), errors);
    let mut tax_countries = std::collections::BTreeMap::new();
    for (code, rate) in &raw.tax.countries {
        tax_countries.insert(code.clone(), tax_rate(rate, format!("the tax rate of `{code}`"), errors));
        if !raw.shipping.countries.iter().any(|s| s.get_ref() == code) {
            errors.push(f.error(rate, format!("[tax.countries] gives `{code}` a rate, but `{code}` is not in [shipping] countries")));
        }
    }
    let business = raw.business.as_ref().map(|b| business(f, b, errors)).unwrap_or_default();
    if errors.len() > before {
        return None;
    }
    Some(Shop {
        name: raw.name.clone(),
        tagline: raw.tagline.clone(),
        currency,
        locale: raw.locale.clone(),
        base_url: raw.base_url.trim_end_matches('/').to_string(),
        shipping: ShippingRules {
            flat_rate: flat_rate?,
            free_over: free_over.flatten(),
            countries: raw.shipping.countries.iter().map(|c| c.get_ref().clone()).collect(),
            zones,
        },
        tax: TaxRules { rate_bp, prices_include_tax: raw.tax.prices_include_tax, countries: tax_countries },
        featured_products: raw.featured_products.iter().map(|p| p.get_ref().clone()).collect(),
        featured_categories: raw.featured_categories.iter().map(|c| c.get_ref().clone()).collect(),
        email,
        back_office: {
            let d = edgeshop_domain::BackOffice::default();
            let b = raw.back_office.as_ref();
            edgeshop_domain::BackOffice {
                low_stock: b.and_then(|b| b.low_stock).unwrap_or(d.low_stock),
                alert_errors_per_hour: b.and_then(|b| b.alert_errors_per_hour).unwrap_or(d.alert_errors_per_hour),
                alert_dead_letters: b.and_then(|b| b.alert_dead_letters).unwrap_or(d.alert_dead_letters),
            }
        },
        deploy: edgeshop_domain::DeploySettings {
            plan: raw.deploy.as_ref().and_then(|d| d.plan).unwrap_or_default(),
            images: raw.deploy.as_ref().and_then(|d| d.images).unwrap_or_default(),
        },
        business,
    })
}

/// `[business]`: each value one line of at most 200 characters, at most six address lines.
fn business(f: &Parsed<crate::raw::RawShop>, b: &crate::raw::RawBusiness, errors: &mut Vec<CatalogError>) -> edgeshop_domain::Business {
    let mut line = |v: &Spanned<String>, what: &str| {
        let text = v.get_ref().trim();
        if text.is_empty() || text.chars().count() > 200 || text.chars().any(char::is_control) {
            errors.push(f.error(v, format!("[business] {what} is one line of 1 to 200 characters (invoices print it)")));
        }
        text.to_string()
    };
    let legal_name = b.legal_name.as_ref().map(|v| line(v, "legal_name")).unwrap_or_default();
    let vat_number = b.vat_number.as_ref().map(|v| line(v, "vat_number")).unwrap_or_default();
    let address: Vec<String> = b.address.iter().map(|v| line(v, "address")).collect();
    if let Some(seventh) = b.address.get(6) {
        errors.push(f.error(seventh, "[business] address has at most six lines"));
    }
    edgeshop_domain::Business { legal_name, address, vat_number }
}

fn categories(f: &Parsed<crate::raw::RawCategories>, errors: &mut Vec<CatalogError>) -> Vec<Category> {
    let mut seen: FastMap<&str, usize> = FastMap::default();
    for c in &f.value.category {
        let slug = c.slug.get_ref();
        if !valid_slug(slug) {
            errors.push(f.error(&c.slug, format!("category slug `{slug}` may only use a-z, 0-9, '-' and '/' between parts")));
        } else if let Some(why) = reserved_part(slug) {
            errors.push(f.error(&c.slug, format!("category slug `{slug}` cannot be used{why}")));
        }
        if let Some(first) = seen.insert(slug, line_of(&f.src, c.slug.span().start)) {
            errors.push(f.error(&c.slug, format!("duplicate category `{slug}` (first declared on line {first})")));
        }
    }
    for c in &f.value.category {
        if let Some((parent, _)) = c.slug.get_ref().rsplit_once('/') {
            if !seen.contains_key(parent) {
                errors.push(f.error(&c.slug, format!("parent category `{parent}` of `{}` is not declared", c.slug.get_ref())));
            }
        }
    }
    f.value.category.iter().map(|c| Category { slug: c.slug.get_ref().clone(), name: c.name.clone(), description: c.description.clone() }).collect()
}

/// A real calendar date `YYYY-MM-DD` (no 31 April, 29 February only in leap years) from 1900 on.
fn is_date(s: &str) -> bool {
    edgeshop_domain::text::is_iso_date(s) && s[..4] >= *"1900"
}

/// ` (did you mean `x`?)` when one of `known` is within a few edits of `wrong`, else empty.
pub fn did_you_mean<'a>(wrong: &str, known: impl Iterator<Item = &'a str>) -> String {
    let limit = (wrong.chars().count() / 3).clamp(1, 4);
    known.map(|k| (edit_distance(wrong, k), k)).filter(|(d, _)| *d <= limit).min().map(|(_, k)| format!(" (did you mean `{k}`?)")).unwrap_or_default()
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn product(
    f: &Parsed<RawProduct>,
    currency: Currency,
    categories: &FastSet<&str>,
    sources: &Sources,
    slugs: &mut FastMap<String, (PathBuf, usize)>,
    skus: &mut FastMap<String, (PathBuf, usize)>,
    errors: &mut Vec<CatalogError>,
) -> Option<Product> {
    let raw = &f.value;
    let before = errors.len();
    let line = |s: &Spanned<String>| line_of(&f.src, s.span().start);

    let slug = raw.slug.get_ref();
    if !valid_slug(slug) || slug.contains('/') {
        errors.push(f.error(&raw.slug, format!("product slug `{slug}` may only use a-z, 0-9 and '-'")));
    } else if let Some(why) = reserved_part(slug) {
        errors.push(f.error(&raw.slug, format!("product slug `{slug}` cannot be used{why}")));
    }
    if let Some((file, l)) = slugs.get(slug) {
        errors.push(f.error(&raw.slug, format!("duplicate slug `{slug}` (first used in {}:{l})", file.display())));
    } else {
        slugs.insert(slug.clone(), (f.path.clone(), line(&raw.slug)));
    }
    if !categories.contains(raw.category.get_ref().as_str()) {
        let hint = did_you_mean(raw.category.get_ref(), categories.iter().copied());
        let hint = if hint.is_empty() { " (declare it in categories.toml)".to_string() } else { hint };
        errors.push(f.error(&raw.category, format!("unknown category `{}`{hint}", raw.category.get_ref())));
    }
    let created = match raw.created.get_ref() {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
        other => other.to_string(),
    };
    if !is_date(&created) {
        errors.push(f.error(&raw.created, format!("created must be a real date, 2024-11-29 or \"2024-11-29\", found `{created}`")));
    }

    if raw.images.is_empty() {
        errors.push(CatalogError { file: f.path.clone(), line: 1, message: "a product needs at least one [[images]] entry".into() });
    }
    let mut images = Vec::new();
    for img in &raw.images {
        let file = img.get_ref().file.get_ref();
        let (width, height) = (img.get_ref().width, img.get_ref().height);
        let found = sources.images.get(file.as_str()).filter(|_| !file.split('/').any(|part| part == "..") && !file.starts_with('/'));
        // The name is part of the image's web address (and of its key in R2).
        let web_safe = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        let ext = file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        if !file.split('/').all(web_safe) {
            let suggested: String = file
                .to_ascii_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '/' { c } else { '-' })
                .collect::<String>()
                .split('-')
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("-")
                .replace("-.", ".")
                .replace(".-", ".");
            errors.push(f.error(
                &img.get_ref().file,
                format!("image name `{file}` goes into web addresses: letters, digits, '-', '_' and '.' only (rename it, e.g. `{suggested}`)"),
            ));
        } else if found.is_some() && !matches!(ext.as_str(), "png" | "jpg" | "jpeg" | "webp" | "svg") {
            errors
                .push(f.error(&img.get_ref().file, format!("`{file}`: the build renders JPEG, PNG, WebP and SVG images; convert it to one of them")));
        } else if let Some(found) = found.filter(|found| found.svg != (ext == "svg")) {
            let is = if found.svg { "an SVG drawing" } else { "not an SVG drawing" };
            errors.push(f.error(&img.get_ref().file, format!("`{file}` is {is}: give it the extension of what it is")));
        }
        if let Some(found) = found {
            // The declared size must be the file's: a wrong one would distort the page.
            match found.size {
                Some((w, h)) if (w, h) != (width, height) => {
                    errors.push(f.error(img, format!("image `{file}` is {w}×{h} pixels, declared {width}×{height}: write width = {w}, height = {h}")))
                }
                Some(_) => {}
                None if found.svg => {}
                None => errors
                    .push(f.error(&img.get_ref().file, format!("`{file}` is not an image this build can read (JPEG, PNG, WebP, GIF, AVIF or SVG)"))),
            }
        } else {
            let hint = did_you_mean(file, sources.images.keys().map(String::as_str));
            errors.push(f.error(&img.get_ref().file, format!("image `{file}` not found in {}/{hint}", sources.images_dir.display())));
        }
        if width == 0 || height == 0 {
            errors.push(f.error(img, "image width and height must be positive"));
        }
        images.push(Image { file: file.clone(), alt: img.get_ref().alt.clone(), width: img.get_ref().width, height: img.get_ref().height });
    }

    let mut options = Vec::new();
    for opt in &raw.options {
        let o = opt.get_ref();
        let distinct: FastSet<&String> = o.values.iter().collect();
        if o.values.is_empty() || distinct.len() != o.values.len() {
            errors.push(f.error(opt, format!("option `{}` needs a list of distinct values", o.name)));
        }
        options.push(ProductOption { name: o.name.clone(), values: o.values.clone() });
    }
    if options.len() > 3 {
        errors.push(f.error(&raw.options[3], "a product has at most 3 options"));
    }

    if raw.variants.is_empty() {
        errors.push(CatalogError { file: f.path.clone(), line: 1, message: "a product needs at least one [[variants]] entry".into() });
    }
    let mut combos: FastMap<&Vec<String>, usize> = FastMap::default();
    let mut variants = Vec::new();
    for v in &raw.variants {
        let rv = v.get_ref();
        let sku = rv.sku.get_ref();
        if sku.is_empty() || sku.len() > 64 || !sku.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
            errors.push(f.error(&rv.sku, format!("SKU `{sku}` must be 1-64 letters, digits, '-', '_' or '.'")));
        }
        if let Some((file, l)) = skus.get(sku) {
            errors.push(f.error(&rv.sku, format!("duplicate SKU `{sku}` (first used in {}:{l})", file.display())));
        } else {
            skus.insert(sku.clone(), (f.path.clone(), line(&rv.sku)));
        }
        let matches_options = rv.options.len() == options.len() && rv.options.iter().zip(&options).all(|(value, opt)| opt.values.contains(value));
        if !matches_options {
            let declared: Vec<String> = options.iter().map(|o| format!("{}: {}", o.name, o.values.join(", "))).collect();
            let declared = if declared.is_empty() { "none".to_string() } else { declared.join("; ") };
            errors.push(f.error(v, format!("variant options {:?} do not match the product options ({declared})", rv.options)));
        } else if let Some(first) = combos.insert(&rv.options, line_of(&f.src, v.span().start)) {
            errors.push(f.error(v, format!("variant options {:?} repeat the variant on line {first}", rv.options)));
        }
        let price = money(f, &rv.price, "price", currency, errors);
        let compare_at = rv.compare_at_price.as_ref().map(|c| money(f, c, "compare_at_price", currency, errors));
        // A compare-at price at or under the price shows no sale (columns swapped, most likely).
        if let (Some(p), Some(Some(c)), Some(at)) = (price, compare_at, rv.compare_at_price.as_ref()) {
            if c.minor <= p.minor {
                errors.push(f.error(at, format!("compare_at_price {} is not above price {}: it is the price before a sale", c.minor, p.minor)));
            }
        }
        let stock_policy = match rv.stock_policy.as_ref().map(|s| (s, s.get_ref().as_str())) {
            None | Some((_, "deny")) => StockPolicy::Deny,
            Some((_, "continue")) => StockPolicy::Continue,
            Some((s, other)) => {
                errors.push(f.error(s, format!("stock_policy must be \"deny\" or \"continue\", found `{other}`")));
                StockPolicy::Deny
            }
        };
        if let Some(price) = price {
            variants.push(Variant {
                sku: sku.clone(),
                option_values: rv.options.clone(),
                price,
                compare_at: compare_at.flatten(),
                stock: rv.stock,
                stock_policy,
            });
        }
    }

    if errors.len() > before {
        return None;
    }
    let attributes = raw.attributes.iter().map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))).collect();
    Some(Product {
        slug: slug.clone(),
        title: raw.title.clone(),
        brand: raw.brand.clone(),
        category: raw.category.get_ref().clone(),
        description_md: raw.description.clone(),
        tags: raw.tags.clone(),
        attributes,
        images,
        options,
        variants,
        published: raw.published,
        created,
        seo_title: raw.seo_title.trim().to_string(),
        seo_description: raw.seo_description.trim().to_string(),
    })
}
