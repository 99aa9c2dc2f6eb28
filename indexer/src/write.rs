//! Build time: catalog → single-segment tantivy index → one blob.

use crate::blob::{pack, IndexHeader};
use crate::extras::{price_bucket, SearchExtras, EXTRAS_FILE};
use crate::schema::{prefix_analyzer, register, schema};
use edgeshop_domain::{product_price_range, Catalog, OutOfStock, Product};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use tantivy::directory::{Directory, RamDirectory};
use tantivy::schema::Facet;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{doc, Index, IndexWriter, TantivyDocument};

/// Products in merchandising order: featured ones first (in the shop's order), then by slug.
fn ranked(catalog: &Catalog) -> Vec<&Product> {
    let featured = |p: &Product| catalog.shop.featured_products.iter().position(|s| *s == p.slug).unwrap_or(usize::MAX);
    let mut products: Vec<&Product> = catalog.products.iter().filter(|p| p.published).collect();
    products.sort_by_key(|p| (featured(p), p.slug.as_str()));
    products
}

/// `2026-03-14` → 20260314 (0 when malformed; the loader has already checked it).
fn date_number(date: &str) -> u64 {
    date.replace('-', "").parse().unwrap_or(0)
}

fn extras(catalog: &Catalog, products: &[&Product], lexicon: Option<&crate::Lexicon>) -> SearchExtras {
    let mut words = prefix_analyzer();
    let mut vocabulary: BTreeMap<String, u32> = BTreeMap::new();
    let mut options: Vec<String> = Vec::new();
    for p in products {
        let mut own: BTreeSet<String> = BTreeSet::new();
        let trail = catalog.category_trail(&p.category);
        let texts = [p.title.as_str(), p.brand.as_str()]
            .into_iter()
            .chain(trail.iter().map(|c| c.name.as_str()))
            .chain(p.tags.iter().map(String::as_str))
            .chain(p.options.iter().flat_map(|o| o.values.iter().map(String::as_str)))
            .chain(p.attributes.iter().map(|(_, v)| v.as_str()));
        for text in texts {
            let mut stream = words.token_stream(text);
            while let Some(t) = stream.next() {
                if t.text.chars().count() >= 2 {
                    own.insert(t.text.clone());
                }
            }
        }
        for w in own {
            *vocabulary.entry(w).or_default() += 1;
        }
        for o in &p.options {
            if !options.contains(&o.name) {
                options.push(o.name.clone());
            }
        }
    }
    let kinds = kinds(catalog, products, &mut words);
    let everyday = match lexicon {
        Some(l) if !catalog.search.skip_everyday_words => l.everyday_words(&vocabulary, &kinds, &catalog.search.synonyms),
        _ => Vec::new(),
    };
    SearchExtras {
        everyday,
        kinds: kinds.into_keys().collect(),
        currency: catalog.shop.currency.code().to_string(),
        synonyms: catalog.search.synonyms.clone(),
        pinned: catalog.search.pinned.clone(),
        out_of_stock: catalog.search.out_of_stock,
        categories: catalog.categories.iter().map(|c| (c.slug.clone(), c.name.clone())).collect(),
        options,
        vocabulary: vocabulary.into_iter().collect(),
        popular: products.iter().take(8).map(|p| p.slug.clone()).collect(),
    }
}

/// Kinds of things the shop sells, by how many products each covers: the head nouns of category
/// names (the last word of each part: "Hoodies & Sweatshirts" → hoodies, sweatshirts; "Sleeping
/// Bags" → bags) and the last word of product titles ("… Travel Mug" → mug).
fn kinds(catalog: &Catalog, products: &[&Product], words: &mut TextAnalyzer) -> BTreeMap<String, u32> {
    let mut last_word = |text: &str| {
        let mut stream = words.token_stream(text);
        let mut last = None;
        while let Some(t) = stream.next() {
            last = Some(t.text.clone());
        }
        last.filter(|w| w.chars().count() >= 3 && w.chars().all(char::is_alphabetic))
    };
    let mut kinds: BTreeMap<String, u32> = BTreeMap::new();
    for p in products {
        let mut own: BTreeSet<String> = BTreeSet::new();
        for c in catalog.category_trail(&p.category) {
            own.extend(c.name.split(['&', ',', '/']).filter_map(&mut last_word));
        }
        own.extend(last_word(&p.title));
        for w in own {
            *kinds.entry(w).or_default() += 1;
        }
    }
    kinds
}

/// Indexes every published product and returns the packed blob.
pub fn build_index(catalog: &Catalog) -> tantivy::Result<Vec<u8>> {
    build_index_with(catalog, None, &Cards::new())
}

/// Product cards by slug: the HTML the shop's pages draw for each product (see `Fields::card`).
pub type Cards = std::collections::HashMap<String, String>;

/// The same, with the everyday vocabulary drawn from `lexicon` (WordNet) for this shop, and the
/// products' cards stored for the `/search` page.
pub fn build_index_with(catalog: &Catalog, lexicon: Option<&crate::Lexicon>, cards: &Cards) -> tantivy::Result<Vec<u8>> {
    let (schema, f) = schema();
    let dir = RamDirectory::create();
    let index = Index::create(dir.clone(), schema, Default::default())?;
    register(&index, &catalog.shop.locale, true);
    // One thread keeps the output deterministic and the segment count at one.
    let mut writer: IndexWriter<TantivyDocument> = index.writer_with_num_threads(1, 200_000_000)?;
    let mut documents = 0u64;
    let products = ranked(catalog);
    let hide_unavailable = catalog.search.out_of_stock == OutOfStock::Hide;
    let kinds: std::collections::HashMap<&str, &str> = catalog.categories.iter().map(|c| (c.slug.as_str(), c.description.as_str())).collect();
    for (rank, p) in products.iter().enumerate() {
        if hide_unavailable && !p.available() {
            continue;
        }
        let category: Vec<&str> = catalog.category_trail(&p.category).iter().map(|c| c.name.as_str()).collect();
        let kind = kinds.get(p.category.as_str()).copied().unwrap_or("");
        let attributes: Vec<String> = p
            .attributes
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .chain(p.options.iter().map(|o| o.values.join(" ")))
            .chain(p.tags.iter().cloned())
            .collect();
        let price = product_price_range(p).map(|(lo, _)| lo.minor.max(0) as u64).unwrap_or(0);
        let mut d = doc!(
            f.slug => p.slug.as_str(),
            f.title => p.title.as_str(),
            f.brand => p.brand.as_str(),
            f.category => category.join(" "),
            f.attributes => attributes.join(" "),
            f.description => p.description_md.as_str(),
            f.kind => kind,
            f.price => price,
            f.created => date_number(&p.created),
            f.rank => rank as u64,
            f.in_stock => u64::from(p.available()),
        );
        for c in catalog.category_trail(&p.category) {
            d.add_facet(f.facets, Facet::from_path(["category", c.slug.as_str()]));
        }
        d.add_facet(f.facets, Facet::from_path(["brand", p.brand.as_str()]));
        d.add_facet(f.facets, Facet::from_path(["price", price_bucket(price).as_str()]));
        for (i, o) in p.options.iter().enumerate() {
            // Only values some variant actually offers.
            for value in o.values.iter().filter(|value| p.variants.iter().any(|v| v.option_values.get(i) == Some(*value))) {
                d.add_facet(f.facets, Facet::from_path(["option", o.name.as_str(), value.as_str()]));
            }
        }
        if let Some(img) = p.images.first() {
            d.add_text(f.image, &img.file);
        }
        for v in &p.variants {
            d.add_text(f.sku, &v.sku);
        }
        if let Some(card) = cards.get(&p.slug) {
            d.add_text(f.card, card);
        }
        writer.add_document(d)?;
        documents += 1;
    }
    writer.commit()?;
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;

    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    files.push((PathBuf::from("meta.json"), dir.atomic_read("meta.json".as_ref())?));
    let extras = serde_json::to_vec(&extras(catalog, &products, lexicon)).map_err(|e| tantivy::TantivyError::InternalError(e.to_string()))?;
    files.push((PathBuf::from(EXTRAS_FILE), extras));
    // Files of the live segment only: merged-away segments may still be lying in the directory.
    let live: Vec<String> = index.searchable_segment_ids()?.iter().map(|id| id.uuid_string()).collect();
    let mut paths: Vec<PathBuf> = index
        .directory()
        .list_managed_files()
        .into_iter()
        .filter(|p| p.to_str().is_some_and(|name| live.iter().any(|id| name.starts_with(id.as_str()))))
        .collect();
    paths.sort();
    for path in paths {
        if dir.exists(&path)? {
            let bytes = dir.open_read(&path)?.read_bytes()?.as_slice().to_vec();
            files.push((path, bytes));
        }
    }
    let header = IndexHeader { catalog_version: catalog.version.clone(), locale: catalog.shop.locale.clone(), documents };
    Ok(pack(&header, &files))
}
