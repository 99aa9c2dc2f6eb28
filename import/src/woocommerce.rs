//! WooCommerce's product CSV (Products → Export): `simple` products and `variable` parents with
//! their `variation` rows (linked by `Parent`: `id:N` or the parent's SKU). Types the shop cannot
//! sell (`external`, `grouped`, virtual products and variations) are skipped with a line in the
//! report, as are disabled variations. What the exporter writes is read as it means it: prices
//! with the shop's decimal comma, `'` before a cell starting with `-` or `@`, sale dates (a sale
//! not running on the day of the import is left out), stock kept on the parent (`parent`).

use crate::draft::{decimal_point, one_line, parse_price, parse_price_rounding, slugify, Draft, DraftImage, DraftVariant, ImageSource};
use crate::html::{is_block, plain_text};
use crate::table::{Row, Table};
use crate::{html_to_markdown, Entry, ImportError, Report};
use edgeshop_domain::Currency;
use std::collections::{HashMap, HashSet};
use std::path::Path;

const REQUIRED: &[&str] = &["Type", "Name", "Regular price"];

/// The columns as WooCommerce's exporter names them when the admin's language is German, French,
/// Spanish, Italian or Portuguese (it writes its headers in the user's language; the values stay as they are).
pub const OTHER_NAMES: &[(&str, &[&str])] = &[
    ("Type", &["Typ", "Tipo"]),
    ("SKU", &["Artikelnummer", "UGS", "REF"]),
    ("Name", &["Nom", "Nombre", "Nome"]),
    ("Published", &["Veröffentlicht", "Publié", "Publicado", "Pubblicato"]),
    ("Visibility in catalog", &["Sichtbarkeit im Katalog", "Visibilité dans le catalogue", "Visibilidad en el catálogo", "Visibilidade no catálogo"]),
    ("Short description", &["Kurzbeschreibung", "Description courte", "Descripción corta", "Breve descrizione", "Descrição curta"]),
    ("Description", &["Beschreibung", "Descripción", "Descrizione", "Descrição"]),
    (
        "Date sale price starts",
        &[
            "Datum, an dem Angebotspreis beginnt",
            "Date de début de promo",
            "Día en que empieza el precio rebajado",
            "Data de preço promocional começa em",
        ],
    ),
    (
        "Date sale price ends",
        &[
            "Datum, an dem Angebotspreis endet",
            "Date de fin de promo",
            "Día en que termina el precio rebajado",
            "Data de preço promocional termina em",
        ],
    ),
    ("In stock?", &["Vorrätig?", "En stock ?", "En stock?", "¿En inventario?", "Em estoque?"]),
    ("Stock", &["Lager", "Inventario", "Estoque"]),
    (
        "Backorders allowed?",
        &[
            "Lieferrückstände erlaubt?",
            "Lieferrückstande erlaubt?",
            "Autoriser les commandes de produits en rupture ?",
            "¿Permitir reservas de productos agotados?",
            "São permitidas encomendas?",
        ],
    ),
    ("Sale price", &["Angebotspreis", "Tarif promo", "Precio rebajado", "Prezzo in offerta", "Preço promocional"]),
    ("Regular price", &["Regulärer Preis", "Tarif régulier", "Precio normal", "Prezzo di listino", "Preço", "Preço normal"]),
    ("Categories", &["Kategorien", "Catégories", "Categorías", "Categorias", "Categorie"]),
    ("Tags", &["Schlagwörter", "Étiquettes", "Etiquetas"]),
    ("Images", &["Bilder", "Imágenes", "Immagini", "Imagens"]),
    ("Parent", &["Übergeordnetes Produkt", "Superior", "Genitore", "Produto ascendente"]),
    ("Brands", &["Marken", "Marques", "Marcas", "Marche"]),
    ("Tax status", &["Steuerstatus", "Status da taxa"]),
    ("Tax class", &["Steuerklasse", "Classe de taxa"]),
    (
        "Attribute {n} name",
        &["Attribut {n} Name", "Nom de l’attribut {n}", "Nom de l'attribut {n}", "Nombre del atributo {n}", "Nome do atributo {n}"],
    ),
    (
        "Attribute {n} value(s)",
        &[
            "Attribut {n} Wert(e)",
            "Valeur(s) de l’attribut {n}",
            "Valeur(s) de l'attribut {n}",
            "Valor(es) del atributo {n}",
            "Valores do atributo {n}",
        ],
    ),
    ("Attribute {n} visible", &["Attribut {n} Sichtbar", "Attribut {n} visible", "Atributo visible {n}", "Visibilidade do atributo {n}"]),
];

/// A comma-separated cell, honouring WooCommerce's `\,` for a comma inside a value.
fn list(cell: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = cell.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                out.last_mut().unwrap().push(',');
                chars.next();
            }
            ',' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// The trimmed cell, without the `'` WooCommerce's exporter puts before a value starting with
/// `=`, `+`, `-` or `@` (so that spreadsheets do not run it as a formula): `'-3` is -3.
fn cell_of<'a>(table: &Table, row: &'a Row, column: &str) -> &'a str {
    let cell = table.get(row, column);
    cell.strip_prefix('\'').filter(|rest| rest.starts_with(['=', '+', '-', '@'])).unwrap_or(cell)
}

fn kinds(table: &Table, row: &Row) -> Vec<String> {
    list(&cell_of(table, row, "Type").to_ascii_lowercase())
}

pub fn drafts(table: &Table, currency: Currency, base: &Path, today: &str, report: &mut Report) -> Result<Vec<Draft>, Vec<ImportError>> {
    table.require(REQUIRED, "WooCommerce")?;
    let mut errors = Vec::new();
    // Variations by parent row index.
    let mut parents: HashMap<String, usize> = HashMap::new();
    for (i, row) in table.rows.iter().enumerate() {
        if !kinds(table, row).iter().any(|k| k == "variation") {
            for key in [format!("id:{}", cell_of(table, row, "ID")), cell_of(table, row, "SKU").to_string()] {
                if key != "id:" && !key.is_empty() {
                    parents.insert(key, i);
                }
            }
        }
    }
    let mut variations: HashMap<usize, Vec<&Row>> = HashMap::new();
    for row in &table.rows {
        if kinds(table, row).iter().any(|k| k == "variation") {
            match parents.get(cell_of(table, row, "Parent")) {
                Some(&p) => variations.entry(p).or_default().push(row),
                None => errors.push(table.error(
                    row.number,
                    "Parent",
                    format!("variation of `{}`, which is not in the file", cell_of(table, row, "Parent")),
                )),
            }
        }
    }
    let mut drafts = Vec::new();
    // The addresses given so far.
    let mut taken: HashSet<String> = HashSet::new();
    for (i, row) in table.rows.iter().enumerate() {
        let kinds = kinds(table, row);
        if kinds.iter().any(|k| k == "variation") {
            continue;
        }
        let name = cell_of(table, row, "Name");
        let skip = |report: &mut Report, note: String| report.skipped.push(Entry { row: row.number, slug: slugify(name), note });
        // WordPress keeps an "Add new product" page that was never saved as a product without
        // anything (named "Product", not published, in no category; often many of them): named
        // by row, as it has no address. A product the merchant named, placed and published is
        // skipped for what it lacks, below.
        let empty = ["SKU", "Regular price", "Sale price", "Description", "Short description", "Images"]
            .iter()
            .all(|column| cell_of(table, row, column).trim().is_empty());
        let auto_draft =
            cell_of(table, row, "Published").trim() == "-1" || name.trim() == "Product" || cell_of(table, row, "Categories").trim().is_empty();
        if empty && auto_draft && kinds.iter().any(|k| k == "simple") {
            let note = format!("`{name}` is empty (no SKU, price, description or photo): an \"Add new product\" page never saved");
            report.skipped.push(Entry { row: row.number, slug: String::new(), note });
            continue;
        }
        // A downloadable product that is not virtual is shipped too (a book with its e-book).
        if kinds.iter().any(|k| k == "grouped") {
            let note = if table.has("Grouped products") && cell_of(table, row, "Grouped products").trim().is_empty() {
                "a grouped product that lists no products: nothing to import"
            } else {
                "a grouped product is a page that lists other products: those are imported on their own"
            };
            skip(report, note.to_string());
            continue;
        }
        if let Some(k) = kinds.iter().find(|k| matches!(k.as_str(), "external" | "virtual")) {
            skip(report, format!("`{k}` products are not sold by edgeshop (physical goods only)"));
            continue;
        }
        if !kinds.iter().any(|k| k == "simple" || k == "variable") {
            skip(report, format!("unknown product type `{}`", cell_of(table, row, "Type")));
            continue;
        }
        let children = variations.remove(&i).unwrap_or_default();
        let variable = kinds.iter().any(|k| k == "variable");
        if let Some(d) = product(table, row, &children, variable, currency, base, today, &taken, report, &mut errors) {
            taken.insert(d.slug.clone());
            drafts.push(d);
        }
    }
    if errors.is_empty() {
        Ok(drafts)
    } else {
        Err(errors)
    }
}

/// The attributes of a row: (name, values, visible).
fn attributes(table: &Table, row: &Row) -> Vec<(String, Vec<String>, bool)> {
    (1..)
        .take_while(|i| table.has(&format!("Attribute {i} name")))
        .filter_map(|i| {
            let name = plain_text(cell_of(table, row, &format!("Attribute {i} name")));
            (!name.is_empty()).then(|| {
                (
                    name,
                    list(&plain_text(cell_of(table, row, &format!("Attribute {i} value(s)")))),
                    cell_of(table, row, &format!("Attribute {i} visible")) != "0",
                )
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn product(
    table: &Table,
    row: &Row,
    children: &[&Row],
    variable: bool,
    currency: Currency,
    base: &Path,
    today: &str,
    taken: &HashSet<String>,
    report: &mut Report,
    errors: &mut Vec<ImportError>,
) -> Option<Draft> {
    let get = |col: &str| cell_of(table, row, col);
    let name = one_line(&plain_text(get("Name")));
    let name = name.as_str();
    let mut slug = slugify(name);
    if slug.is_empty() {
        errors.push(table.error(row.number, "Name", format!("name `{name}` has no letters or digits to make a web address from")));
        return None;
    }
    // Two products with one name (the export has no slugs): the later one's address carries its
    // ID, as WordPress's own slug would carry a number, and so do the SKUs made for it.
    if taken.contains(&slug) {
        let id = get("ID");
        let own = if id.is_empty() { row.number.to_string() } else { slugify(id) };
        let mut candidate = format!("{slug}-{own}");
        // A product named "Socks 2" may hold that address already.
        let mut n = 2;
        while taken.contains(&candidate) {
            candidate = format!("{slug}-{own}-{n}");
            n += 1;
        }
        slug = candidate;
    }
    // Said once the product is sure to be written (not for one skipped below).
    let renamed = (slug != slugify(name)).then(|| format!("another product is named `{name}`: this one's address is /products/{slug}"));
    let warn = |report: &mut Report, note: String| report.warnings.push(Entry { row: row.number, slug: slug.clone(), note });
    // edgeshop charges the shop's rate for the buyer's country on everything it sells.
    let tax_status = get("Tax status").to_ascii_lowercase();
    if tax_status == "none" || tax_status == "shipping" {
        warn(report, format!("tax status `{tax_status}` in WooCommerce: edgeshop charges the shop's tax rate ([tax] in shop.toml) on every product"));
    }
    let tax_class = get("Tax class");
    if !tax_class.is_empty() && !["standard", "parent"].contains(&tax_class.to_ascii_lowercase().as_str()) {
        warn(report, format!("tax class `{tax_class}` in WooCommerce: edgeshop charges one rate per country ([tax] in shop.toml) on every product"));
    }
    let digits = currency.minor_digits();
    let own = attributes(table, row);
    let mut options: Vec<(String, Vec<String>)> = Vec::new();
    let mut product_attributes = Vec::new();
    if variable {
        // Options: the parent's attributes that its variations name (WooCommerce lists only a
        // variation's own attributes on its row): with a value, or left empty for "any" of the
        // parent's values (its sample shop's T-shirt in any size).
        for (name, values, visible) in &own {
            let named =
                |with_value: bool| children.iter().any(|c| attributes(table, c).iter().any(|(n, v, _)| n == name && (!with_value || !v.is_empty())));
            if named(true) || (named(false) && !values.is_empty()) {
                options.push((name.clone(), Vec::new()));
            } else if *visible && !values.is_empty() {
                product_attributes.push((name.clone(), values.join(", ")));
            }
        }
    } else {
        product_attributes = own.iter().filter(|(_, v, visible)| *visible && !v.is_empty()).map(|(n, v, _)| (n.clone(), v.join(", "))).collect();
    }

    let rows: Vec<&Row> = if variable { children.to_vec() } else { vec![row] };
    if variable && rows.is_empty() {
        report.skipped.push(Entry { row: row.number, slug, note: "a variable product without variations".into() });
        return None;
    }
    // Each option's value on a variation row (empty: any), the product's own values of each, and
    // the combinations variations sell by name.
    let names: Vec<String> = options.iter().map(|(n, _)| n.clone()).collect();
    let values_of = |r: &Row| -> Vec<String> {
        names
            .iter()
            .map(|name| attributes(table, r).into_iter().find(|(n, ..)| n == name).and_then(|(_, v, _)| v.into_iter().next()).unwrap_or_default())
            .collect()
    };
    let own_values: Vec<Vec<String>> =
        options.iter().map(|(name, _)| own.iter().find(|(n, ..)| n == name).map(|(_, v, _)| v.clone()).unwrap_or_default()).collect();
    let explicit: Vec<Vec<String>> = rows.iter().map(|r| values_of(r)).filter(|v| v.iter().all(|x| !x.is_empty())).collect();
    let mut variants = Vec::new();
    let mut variation_images: Vec<(String, usize)> = Vec::new();
    for (n, r) in rows.iter().enumerate() {
        let cell = |col: &str| cell_of(table, r, col);
        if variable {
            // A disabled variation is exported with Published 0 (-1 under a draft parent); a
            // virtual one is not shipped.
            let published = cell("Published");
            if !published.is_empty() && published != "1" && cell_of(table, row, "Published") == "1" {
                report.skipped.push(Entry { row: r.number, slug: slug.clone(), note: "a disabled variation".into() });
                continue;
            }
            if list(&cell("Type").to_ascii_lowercase()).iter().any(|k| k == "virtual") {
                report.skipped.push(Entry { row: r.number, slug: slug.clone(), note: "a virtual variation (nothing to ship)".into() });
                continue;
            }
        }
        if cell("Regular price").is_empty() && cell("Sale price").is_empty() {
            report.skipped.push(Entry { row: r.number, slug: slug.clone(), note: "no price: not for sale".into() });
            continue;
        }
        let regular = match cell("Regular price") {
            "" => None,
            t => match price(t, digits, (r.number, &slug), report) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.push(table.error(r.number, "Regular price", e));
                    continue;
                }
            },
        };
        let sale = match cell("Sale price") {
            "" => None,
            t if !sale_running(cell("Date sale price starts"), cell("Date sale price ends"), today) => {
                let (from, to) = (cell("Date sale price starts"), cell("Date sale price ends"));
                warn(
                    report,
                    format!("row {}: the sale price {t} is scheduled ({from} to {to}) and not running today: the regular price is used", r.number),
                );
                None
            }
            t => match price(t, digits, (r.number, &slug), report) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.push(table.error(r.number, "Sale price", e));
                    continue;
                }
            },
        };
        let (price, compare_at) = match (sale, regular) {
            (Some(s), Some(r)) if s < r => (s, Some(r)),
            (Some(s), Some(_)) => {
                warn(report, format!("row {}: sale price is not below the regular price; the regular price is used", r.number));
                (regular.unwrap_or(s), None)
            }
            (Some(s), None) => (s, None),
            (None, Some(r)) => (r, None),
            (None, None) => continue,
        };
        let values = values_of(r);
        // "Any" value (left empty): one variant for each of the product's values not sold by a
        // variation of its own.
        let mut combos = any_values(&values, &own_values, &explicit);
        if combos.is_empty() {
            let i = values.iter().position(String::is_empty).unwrap_or(0);
            errors.push(table.error(r.number, "", format!("this variation has no value for `{}` and the product lists none", options[i].0)));
            continue;
        }
        // Two variations for "any" value may overlap ("Red, any size" and "any colour, any
        // size"): as in WooCommerce, the first that matches sells a combination.
        if values.iter().any(String::is_empty) {
            combos.retain(|c| !variants.iter().any(|v: &DraftVariant| &v.options == c));
            if combos.is_empty() {
                report.skipped.push(Entry {
                    row: r.number,
                    slug: slug.clone(),
                    note: "every combination it covers is sold by an earlier variation".into(),
                });
                continue;
            }
        }
        if combos.len() > 1 || combos[0] != values {
            warn(report, format!("row {}: a variation for any value becomes {} variants (one stock count each)", r.number, combos.len()));
        }
        for combo in &combos {
            for (i, v) in combo.iter().enumerate() {
                if !options[i].1.contains(v) {
                    options[i].1.push(v.clone());
                }
            }
        }
        // `parent`: the variation's stock is managed on the product; each variation gets its count.
        let from_parent = cell("Stock").eq_ignore_ascii_case("parent");
        let stock_row = if from_parent { row } else { r };
        if from_parent {
            warn(report, format!("row {}: stock managed on the product; each variation gets its count", r.number));
        }
        let cell = |col: &str| {
            if matches!(col, "Stock" | "In stock?" | "Backorders allowed?") {
                cell_of(table, stock_row, col)
            } else {
                cell_of(table, r, col)
            }
        };
        let stock = match cell("Stock") {
            "" => None,
            q => match q.parse::<f64>() {
                Ok(q) if q.fract() == 0.0 => Some(q.clamp(0.0, u32::MAX as f64) as u32),
                _ => {
                    errors.push(table.error(r.number, "Stock", format!("stock `{q}` is not a whole number")));
                    continue;
                }
            },
        };
        let in_stock = cell("In stock?").to_ascii_lowercase();
        let backorders = matches!(cell("Backorders allowed?").to_ascii_lowercase().as_str(), "1" | "notify" | "yes");
        // Stock not managed and "in stock": WooCommerce sells it whatever the count.
        let continue_selling = backorders || in_stock == "backorder" || (stock.is_none() && in_stock != "0");
        let sku = match cell("SKU") {
            "" => {
                let made = crate::draft::made_sku(&slug, n + 1);
                let note = "no SKU: one is made from the product's address and the variant's number".to_string();
                report.warnings.push(Entry { row: r.number, slug: slug.clone(), note });
                made
            }
            s => s.to_string(),
        };
        for combo in combos {
            // A variant made from "any" value is named by its values after the variation's SKU.
            let sku = match combo == values {
                true => sku.clone(),
                false => {
                    let made: Vec<&str> = combo.iter().zip(&values).filter(|(_, v)| v.is_empty()).map(|(c, _)| c.as_str()).collect();
                    format!("{sku}-{}", slugify(&made.join(" ")).to_uppercase())
                }
            };
            variants.push(DraftVariant { row: r.number, sku, options: combo, price, compare_at, stock: stock.unwrap_or(0), continue_selling });
        }
        if variable {
            // A variation's own photo joins the product's.
            variation_images.extend(list(cell("Images")).into_iter().map(|src| (src, r.number)));
        }
    }
    if variants.is_empty() {
        return None;
    }
    // Categories as paths (`Clothing > Hoodies`): the product goes in the deepest one listed (the
    // exporter lists them by name, `Clothing, Clothing > Hoodies`), the others become tags.
    let paths: Vec<Vec<String>> = list(&plain_text(get("Categories")))
        .iter()
        .map(|c| c.split('>').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect();
    let above = |a: &Vec<String>, b: &Vec<String>| a.len() < b.len() && b.starts_with(a);
    let chosen = (0..paths.len()).filter(|&i| !paths.iter().any(|p| above(&paths[i], p))).max_by_key(|&i| (paths[i].len(), std::cmp::Reverse(i)));
    let category: Vec<String> = chosen.map(|i| paths[i].clone()).unwrap_or_default();
    let mut tags = list(&plain_text(get("Tags")));
    let others: Vec<&Vec<String>> = paths.iter().filter(|p| **p != category && !above(p, &category)).collect();
    if !others.is_empty() {
        let names = |p: &Vec<String>| p.join(" > ");
        warn(report, format!("in {} categories; edgeshop lists a product in one (`{}`), the others become tags", others.len() + 1, names(&category)));
        for leaf in others.iter().filter_map(|p| p.last()) {
            if !tags.iter().any(|t| t.eq_ignore_ascii_case(leaf)) {
                tags.push(leaf.clone());
            }
        }
    }
    let visibility = get("Visibility in catalog").to_ascii_lowercase();
    // A file without the column (written by hand or by another tool for WooCommerce's importer)
    // publishes, as WooCommerce's importer does.
    let listed = if table.has("Published") { get("Published") == "1" } else { true };
    let published = listed && visibility != "hidden";
    if listed && visibility == "hidden" {
        warn(report, "hidden from the catalog in WooCommerce: imported unpublished".into());
    }
    let mut images = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let sources = list(get("Images")).into_iter().map(|src| (src, row.number)).chain(variation_images);
    for (src, at) in sources.filter(|(src, _)| seen.insert(src.clone())) {
        let source = if src.starts_with("http://") || src.starts_with("https://") {
            ImageSource::Remote(src)
        } else {
            let path = base.join(&src);
            if !path.is_file() {
                errors.push(table.error(at, "Images", format!("image file `{}` not found", path.display())));
                continue;
            }
            ImageSource::Local(path)
        };
        images.push(DraftImage { source, alt: String::new() });
    }
    // WooCommerce shows the short description beside the price and the long one below it: both
    // are kept, the short first (once, when the long one already holds it).
    let description = match (get("Short description").trim(), get("Description").trim()) {
        (short, "") => short.to_string(),
        ("", long) => long.to_string(),
        (short, long) if long.contains(short) || words_of(long).contains(&words_of(short)) => long.to_string(),
        (short, long) => format!("{short}\n\n{long}"),
    };
    for note in renamed.into_iter().chain(crate::html::images_note(&crate::html::images_in(&description))) {
        report.warnings.push(Entry { row: row.number, slug: slug.clone(), note });
    }
    Some(Draft {
        row: row.number,
        slug,
        title: name.to_string(),
        brand: plain_text(get("Brands").split(',').next().unwrap_or("")).trim().to_string(),
        category,
        tags,
        published,
        // WooCommerce exports line breaks inside descriptions as the two characters `\n`.
        description_md: html_to_markdown(&paragraphs(&strip_shortcodes(&line_breaks(&description)))),
        attributes: product_attributes,
        seo_title: seo_field(&get, SEO_TITLES),
        seo_description: seo_field(&get, SEO_DESCRIPTIONS),
        images,
        options,
        variants,
    })
}

/// Where WordPress's SEO plugins (Yoast, Rank Math, All in One SEO) keep a product's title and
/// description for search engines, as WooCommerce exports them.
const SEO_TITLES: &[&str] = &["Meta: _yoast_wpseo_title", "Meta: rank_math_title", "Meta: _aioseo_title"];
const SEO_DESCRIPTIONS: &[&str] = &["Meta: _yoast_wpseo_metadesc", "Meta: rank_math_description", "Meta: _aioseo_description"];

/// The first of `columns` a plugin filled in, as one line of plain text. Not one written with the
/// plugin's variables (`%%title%% %%sep%% %%sitename%%`, `#post_title`): the plugin makes the text
/// from them when it shows the page, and the shop's own defaults do the same job.
fn seo_field<'a>(get: &dyn Fn(&str) -> &'a str, columns: &[&str]) -> String {
    let templated = |text: &str| text.contains('%') || text.contains("#post_") || text.contains("#site_") || text.contains("#separator");
    columns.iter().map(|c| one_line(&plain_text(get(c)))).find(|text| !text.is_empty() && !templated(text)).unwrap_or_default()
}

/// The combinations a variation sells: its own values, with each empty one ("any") replaced by
/// every value the product lists for that option, leaving out what another variation sells by
/// name (WooCommerce picks the variation that names the value). Empty when an empty value has no
/// values to stand for.
fn any_values(values: &[String], own: &[Vec<String>], explicit: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut combos: Vec<Vec<String>> = vec![Vec::new()];
    for (i, v) in values.iter().enumerate() {
        let choices: Vec<String> = if v.is_empty() { own.get(i).cloned().unwrap_or_default() } else { vec![v.clone()] };
        combos = combos.into_iter().flat_map(|c| choices.iter().map(move |x| [c.clone(), vec![x.clone()]].concat())).collect();
    }
    if values.iter().any(String::is_empty) {
        combos.retain(|c| !explicit.contains(c));
    }
    combos
}

/// Whether a sale with these WooCommerce dates (`YYYY-MM-DD[ HH:MM:SS]`, either may be empty)
/// runs on `today` (`YYYY-MM-DD`).
fn sale_running(starts: &str, ends: &str, today: &str) -> bool {
    let day = |d: &str| d.get(..10).filter(|d| d.len() == 10 && d.as_bytes()[4] == b'-').map(str::to_string);
    day(starts).is_none_or(|s| s.as_str() <= today) && day(ends).is_none_or(|e| today <= e.as_str())
}

/// A price cell in minor units, rounded half up (with a warning) past the currency's decimals:
/// WooCommerce keeps prices as typed, net prices often to four places.
fn price(cell: &str, digits: u32, (row, slug): (usize, &str), report: &mut Report) -> Result<i64, String> {
    // Not for a currency without decimals: there `12.50` is a price in another currency.
    if digits == 0 {
        return parse_price(&decimal_point(cell, usize::MAX), digits);
    }
    let (minor, rounded) = parse_price_rounding(&decimal_point(cell, usize::MAX), digits)?;
    if rounded {
        let note = format!("row {row}: price {cell} rounded to {digits} decimals");
        report.warnings.push(Entry { row, slug: slug.to_string(), note });
    }
    Ok(minor)
}

/// WooCommerce's exporter writes a line break as `\n` and a backslash-n that was in the text as
/// `\\n` (`C:\\new` for `C:\new`): line breaks back, the text's own backslash-n kept.
fn line_breaks(text: &str) -> String {
    text.split("\\\\n").map(|part| part.replace("\\n", "\n")).collect::<Vec<_>>().join("\\n")
}

/// WordPress keeps a description's paragraphs as blank lines and adds the `<p>` tags only when it
/// shows the page (`wpautop`): the same here for the text between block elements (a classic-editor
/// description mixes both), which are kept as they are.
fn paragraphs(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let lower = text.to_ascii_lowercase();
    let mut out = String::new();
    let mut at = 0;
    while let Some((start, end)) = next_block(&lower, at) {
        out += &wrap(&text[at..start]);
        out += &text[start..end];
        at = end;
    }
    out + &wrap(&text[at..])
}

/// The byte range of the first block element at or after `from` in `lower` (the text in lower
/// case), from its start tag to the end tag that closes it (nested ones of its kind counted).
fn next_block(lower: &str, from: usize) -> Option<(usize, usize)> {
    let opens = |at: usize, tag: &str| {
        lower[at..].strip_prefix('<').and_then(|r| r.strip_prefix(tag)).is_some_and(|r| r.starts_with(['>', ' ', '/', '\n', '\t']))
    };
    // The name after `<`, a block element's (the text between them is where WordPress makes paragraphs).
    let name_at = |i: usize| {
        let rest = &lower[i + 1..];
        &rest[..rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len())]
    };
    let (start, tag) = lower[from..].match_indices('<').map(|(i, _)| from + i).map(|i| (i, name_at(i))).find(|&(i, t)| is_block(t) && opens(i, t))?;
    let tag_end = |at: usize| lower[at..].find('>').map_or(lower.len(), |e| at + e + 1);
    if tag == "hr" {
        return Some((start, tag_end(start)));
    }
    let (close, mut depth, mut at) = (format!("</{tag}"), 0usize, start);
    while let Some(i) = lower[at..].find('<').map(|i| at + i) {
        if opens(i, tag) {
            depth += 1;
        } else if lower[i..].starts_with(&close) {
            depth -= 1;
            if depth == 0 {
                return Some((start, tag_end(i)));
            }
        }
        at = i + 1;
    }
    Some((start, lower.len()))
}

/// Text without block elements: paragraphs at blank lines, line breaks within them.
fn wrap(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", p.lines().map(str::trim).collect::<Vec<_>>().join("<br>\n")))
        .collect()
}

/// A description's words without its markup, one space apart: the short description the editor
/// wrapped in `<p>` is still found in the long one.
fn words_of(html: &str) -> String {
    let fragment = scraper::Html::parse_fragment(html);
    fragment.root_element().text().flat_map(str::split_whitespace).collect::<Vec<_>>().join(" ")
}

/// Page builders' and WordPress's shortcodes (`[vc_row]`, `[caption id="…"]…[/caption]`) without
/// their brackets: the text they wrap is kept, the tags would show as they are. A bracket is a
/// shortcode when it closes one (`[/b]`), is closed later, has attributes (`=`) or ends `/]`, has
/// `_` or `-` in its name (`[vc_row]`, `[contact-form-7 …]`) or is one of WordPress's own; plain
/// words in brackets (`[morning and night]`, `[sic]`) are the merchant's text and stay.
fn strip_shortcodes(text: &str) -> String {
    const WORDPRESS: &[&str] = &["audio", "caption", "embed", "gallery", "playlist", "video", "wp_caption"];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('[') {
        out += &rest[..i];
        let after = &rest[i + 1..];
        let closing = after.starts_with('/');
        let name = after.strip_prefix('/').unwrap_or(after);
        let name_len = name.bytes().take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-').count();
        let starts_like_a_tag = name.as_bytes().first().is_some_and(|b| b.is_ascii_lowercase());
        let tag_end = after.find(']').filter(|&e| !after[..e].contains(['[', '\n']));
        let shortcode = tag_end.filter(|_| starts_like_a_tag && name[name_len..].starts_with([' ', ']', '/'])).filter(|&e| {
            let (tag, inside) = (&name[..name_len], &after[..e]);
            closing
                || tag.contains(['_', '-'])
                || inside.contains('=')
                || inside.ends_with('/')
                || WORDPRESS.contains(&tag)
                || text.contains(&format!("[/{tag}]"))
        });
        match shortcode {
            Some(e) => rest = &after[e + 1..],
            None => {
                out.push('[');
                rest = after;
            }
        }
    }
    out + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcodes_go_and_bracketed_words_stay() {
        let text = "[vc_row][vc_column_text]Apply 2 drops [morning and night].[/vc_column_text][/vc_row] [caption id=\"7\"]A jar[/caption] \
                    [b]Bold[/b] [sic] [new formula] [gallery] [contact-form-7 id=\"3\"] [spacer/] [1]";
        assert_eq!(strip_shortcodes(text), "Apply 2 drops [morning and night]. A jar Bold [sic] [new formula]    [1]");
    }

    #[test]
    fn a_backslash_n_of_the_text_is_no_line_break() {
        assert_eq!(line_breaks(r"Save to C:\\new\\notes.\nLine two"), "Save to C:\\new\\notes.\nLine two");
        assert_eq!(line_breaks(r"one\ntwo"), "one\ntwo");
    }
}
