//! Build time: catalog → single-segment tantivy index → one blob.

use crate::blob::{pack, IndexHeader};
use crate::extras::{price_bucket, SearchExtras, EXTRAS_FILE};
use crate::schema::Fields;
use crate::schema::{prefix_analyzer, register, schema};
use edgeshop_domain::{product_price_range, Catalog, OutOfStock, Product};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use tantivy::directory::{Directory, RamDirectory};
use tantivy::index::SegmentComponent;
use tantivy::indexer::NoMergePolicy;
use tantivy::schema::Facet;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{doc, Index, IndexWriter, TantivyDocument, Term};
use xxhash_rust::xxh3::Xxh3;

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
    // The values of colour options ("Navy", "Heather Grey"), lowercased, by how many products
    // offer each.
    let mut colour_values: BTreeMap<String, u32> = BTreeMap::new();
    // Words the shop writes with a hyphen ("Wi-Fi", "USB-C"), by the word they make joined.
    let mut hyphenated: BTreeMap<String, String> = BTreeMap::new();
    for p in products {
        let mut own: BTreeSet<String> = BTreeSet::new();
        let trail = catalog.category_trail(&p.category);
        // The product's own words: its title (first), option values and attributes.
        let written = [p.title.as_str()]
            .into_iter()
            .chain(p.options.iter().flat_map(|o| o.values.iter().map(String::as_str)))
            .chain(p.attributes.iter().map(|(_, v)| v.as_str()));
        let texts = written.clone().chain([p.brand.as_str()]).chain(trail.iter().map(|c| c.name.as_str())).chain(p.tags.iter().map(String::as_str));
        // Its hyphenated words (not its tags': their hyphens are a slug's, "sleeping-bag" is
        // written apart).
        for word in written.flat_map(str::split_whitespace).filter(|w| w.contains('-')) {
            let mut parts = Vec::new();
            words.token_stream(word).process(&mut |t| parts.push(t.text.clone()));
            if parts.len() >= 2 {
                hyphenated.entry(parts.concat()).or_insert_with(|| parts.join(" "));
            }
        }
        for (i, text) in texts.enumerate() {
            let mut stream = words.token_stream(text);
            while let Some(t) = stream.next() {
                // Single letters only from titles ("V-Neck"): the first part of a compound
                // typed as one word ("vneck").
                let letters = t.text.chars().count();
                if letters >= 2 || (i == 0 && letters == 1 && t.text.chars().all(|c| c.is_ascii_alphabetic())) {
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
        let is_colour = |name: &str| ["colour", "color"].iter().any(|c| name.to_lowercase().contains(c));
        let values: BTreeSet<String> =
            p.options.iter().filter(|o| is_colour(&o.name)).flat_map(|o| o.values.iter().map(|v| v.to_lowercase())).collect();
        for v in values {
            *colour_values.entry(v).or_default() += 1;
        }
    }
    let kinds = kinds(catalog, products, &mut words);
    let everyday = match lexicon {
        Some(l) if !catalog.search.skip_everyday_words => {
            l.everyday_words(&vocabulary, &kinds.words, &kinds.names, &kinds.departments, &catalog.search.synonyms)
        }
        _ => Default::default(),
    };
    let colours = match lexicon {
        Some(l) if !catalog.search.skip_everyday_words => l.colour_words(&colour_values, &vocabulary),
        _ => Vec::new(),
    };
    SearchExtras {
        common_words: lexicon.map(|l| l.common_words()).unwrap_or_default(),
        everyday: everyday.words,
        everyday_hints: everyday.hints,
        colours,
        kinds: kinds.words.into_keys().collect(),
        kind_names: kinds.names.into_iter().collect(),
        currency: catalog.shop.currency.code().to_string(),
        synonyms: catalog.search.synonyms.clone(),
        pinned: catalog.search.pinned.clone(),
        out_of_stock: catalog.search.out_of_stock,
        categories: catalog.categories.iter().map(|c| (c.slug.clone(), c.name.clone())).collect(),
        category_descriptions: catalog
            .categories
            .iter()
            .filter(|c| !c.description.is_empty())
            .map(|c| (c.slug.clone(), c.description.clone()))
            .collect(),
        options,
        hyphenated: hyphenated.into_iter().filter(|(joined, _)| !vocabulary.contains_key(joined)).collect(),
        vocabulary: vocabulary.into_iter().collect(),
        // What a search that found nothing suggests: products a shopper can buy.
        popular: products.iter().filter(|p| p.available()).take(8).map(|p| p.slug.clone()).collect(),
    }
}

/// The kinds of things a shop sells.
struct Kinds {
    /// Each kind by how many products it covers: the head nouns of category names (the last word
    /// of each part: "Hoodies & Sweatshirts" → hoodies, sweatshirts; "Sleeping Bags" → bags)
    /// and the last word of product titles ("… Travel Mug" → mug).
    words: BTreeMap<String, u32>,
    /// The top-level categories (departments) each is sold under.
    departments: BTreeMap<String, BTreeSet<String>>,
    /// Their two-word names ("sleeping bags", "power bank"), by how many products use each.
    names: BTreeMap<String, u32>,
}

fn kinds(catalog: &Catalog, products: &[&Product], words: &mut TextAnalyzer) -> Kinds {
    // The last word of a name, and the last two.
    let mut tail = |text: &str| -> (Option<String>, Option<String>) {
        let mut stream = words.token_stream(text);
        let (mut before, mut last) = (None, None);
        while let Some(t) = stream.next() {
            before = last.replace(t.text.clone());
        }
        let last = last.filter(|w| w.chars().count() >= 3 && w.chars().all(char::is_alphabetic));
        let pair =
            before.filter(|b| b.chars().count() >= 2 && b.chars().all(char::is_alphabetic)).zip(last.as_ref()).map(|(b, l)| format!("{b} {l}"));
        (last, pair)
    };
    let mut kinds = Kinds { words: BTreeMap::new(), departments: BTreeMap::new(), names: BTreeMap::new() };
    for p in products {
        let (mut own, mut names) = (BTreeSet::new(), BTreeSet::new());
        let trail = catalog.category_trail(&p.category);
        for text in trail.iter().flat_map(|c| c.name.split(['&', ',', '/'])).chain([p.title.as_str()]) {
            let (last, pair) = tail(text);
            own.extend(last);
            names.extend(pair);
        }
        let department = p.category.split('/').next().unwrap_or_default();
        for w in own {
            *kinds.words.entry(w.clone()).or_default() += 1;
            kinds.departments.entry(w).or_default().insert(department.to_string());
        }
        for name in names {
            *kinds.names.entry(name).or_default() += 1;
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
    build_index_from(catalog, lexicon, cards, None).map(|built| built.blob)
}

/// What a later build needs to update an index in place: which documents it holds and what each
/// was made from. Kept beside the index (it is not shipped).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IndexState {
    /// What every document depends on besides its own product (schema, locale, stock rule).
    basis: u64,
    /// The documents by slug, in index order, with a hash of each one's contents.
    documents: Vec<(String, u64)>,
    /// Segments in the index: one when built whole, one more with each update.
    segments: usize,
    /// Hash of the blob this state describes: a state and an index from different builds are
    /// never taken for each other.
    blob: u64,
}

/// A built index and its state; `updated` is how many documents an update replaced, or `None`
/// when the index was built whole.
pub struct BuiltIndex {
    pub blob: Vec<u8>,
    pub state: IndexState,
    pub updated: Option<usize>,
}

/// Updates beyond this many segments, or replacing more than a twentieth of the documents (and
/// more than eight), build the index whole again: every segment costs each search a little, and
/// every replaced document leaves a deleted one behind that still counts in the term statistics.
const MAX_SEGMENTS: usize = 8;
const MAX_REPLACED_SHARE: usize = 20;
const ALWAYS_REPLACEABLE: usize = 8;

/// Builds the index, or updates `previous` (the last build's index and state) in place when only
/// some products' documents changed: their old documents are deleted and the new ones added in
/// a segment of their own. Both give the same search results but for the term statistics (a
/// deleted document still counts in them until the next whole build).
pub fn build_index_from(
    catalog: &Catalog,
    lexicon: Option<&crate::Lexicon>,
    cards: &Cards,
    previous: Option<(&[u8], &IndexState)>,
) -> tantivy::Result<BuiltIndex> {
    let products = ranked(catalog);
    // The extras (vocabulary, everyday words) are worked out beside the indexing.
    let (index, extras) = std::thread::scope(|s| {
        let extras = s.spawn(|| crate::extras::encode(&extras(catalog, &products, lexicon)));
        let index = index_products(catalog, &products, cards, previous);
        (index, extras.join())
    });
    let (documents, mut files, mut state, updated) = index?;
    let extras = match extras {
        Ok(bytes) => bytes.map_err(|e| tantivy::TantivyError::InternalError(e.to_string()))?,
        Err(_) => return Err(tantivy::TantivyError::InternalError("search extras: the thread panicked".into())),
    };
    files.push((PathBuf::from(EXTRAS_FILE), extras));
    let header = IndexHeader { catalog_version: catalog.version.clone(), locale: catalog.shop.locale.clone(), documents };
    let blob = pack(&header, &files);
    state.blob = hash_bytes(&blob);
    Ok(BuiltIndex { blob, state, updated })
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

type IndexFiles = Vec<(PathBuf, Vec<u8>)>;

/// Indexes `products`: whole in one segment, or as an update of `previous`; returns how many
/// documents the index holds, its files, its state and how many documents an update replaced.
fn index_products(
    catalog: &Catalog,
    products: &[&Product],
    cards: &Cards,
    previous: Option<(&[u8], &IndexState)>,
) -> tantivy::Result<(u64, IndexFiles, IndexState, Option<usize>)> {
    let (schema, f) = schema();
    let hide_unavailable = catalog.search.out_of_stock == OutOfStock::Hide;
    let kinds: HashMap<&str, &str> = catalog.categories.iter().map(|c| (c.slug.as_str(), c.description.as_str())).collect();
    let mut basis = Xxh3::new();
    (serde_json::to_string(&schema).unwrap_or_default(), &catalog.shop.locale, hide_unavailable).hash(&mut basis);
    let basis = basis.finish();
    let documents: Vec<ProductDocument> = products
        .iter()
        .enumerate()
        .filter(|(_, p)| !hide_unavailable || p.available())
        .map(|(rank, p)| ProductDocument::new(catalog, &kinds, cards, p, rank))
        .collect();
    let mut state = IndexState { basis, documents: documents.iter().map(|d| (d.slug.to_string(), d.hash())).collect(), segments: 1, blob: 0 };

    // An update: the same documents in the same order, a few of them changed.
    let update = previous.filter(|(blob, before)| {
        before.basis == state.basis
            && before.segments < MAX_SEGMENTS
            && before.documents.len() == state.documents.len()
            && before.documents.iter().zip(&state.documents).all(|(a, b)| a.0 == b.0)
            && before.blob == hash_bytes(blob)
    });
    let changed: Vec<usize> = match update {
        Some((_, before)) => (0..documents.len()).filter(|&i| before.documents[i].1 != state.documents[i].1).collect(),
        None => Vec::new(),
    };
    let update = update.filter(|_| changed.len() <= (documents.len() / MAX_REPLACED_SHARE).max(ALWAYS_REPLACEABLE));

    let dir = RamDirectory::create();
    let mut unpacked: Vec<PathBuf> = Vec::new();
    let index = match update {
        Some((blob, before)) => {
            for (path, bytes) in crate::blob::unpack(blob).map_err(|e| tantivy::TantivyError::InternalError(e.to_string()))? {
                if path != Path::new(EXTRAS_FILE) {
                    dir.atomic_write(&path, bytes)?;
                    unpacked.push(path);
                }
            }
            state.segments = before.segments + usize::from(!changed.is_empty());
            Index::open(dir.clone())?
        }
        None => Index::create(dir.clone(), schema, Default::default())?,
    };
    register(&index, &catalog.shop.locale, true);
    // One thread keeps the output deterministic and a whole build in one segment.
    // An update's few documents need no more than tantivy's smallest budget.
    let budget = if update.is_some() { 15_000_000 } else { 200_000_000 };
    let mut writer: IndexWriter<TantivyDocument> = index.writer_with_num_threads(1, budget)?;
    writer.set_merge_policy(Box::new(NoMergePolicy));
    let count = documents.len() as u64;
    if update.is_some() {
        for &i in &changed {
            writer.delete_term(Term::from_field_text(f.slug, documents[i].slug));
            writer.add_document(documents[i].tantivy(&f))?;
        }
    } else {
        for d in &documents {
            writer.add_document(d.tantivy(&f))?;
        }
    }
    if update.is_none() || !changed.is_empty() {
        writer.commit()?;
    }
    if update.is_none() {
        let segments = index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
    }
    writer.wait_merging_threads()?;

    let mut files: IndexFiles = Vec::new();
    files.push((PathBuf::from("meta.json"), dir.atomic_read("meta.json".as_ref())?));
    // Files of the live segments only: merged-away segments, and deletes superseded by newer
    // ones, may still be lying in the directory.
    let live = index.searchable_segment_metas()?;
    let belongs = |name: &str| {
        live.iter().any(|m| {
            let id = m.id().uuid_string();
            name.starts_with(id.as_str())
                && (!name.ends_with(".del") || m.has_deletes() && Path::new(name) == m.relative_path(SegmentComponent::Delete))
        })
    };
    // The last build's files first, in their order, then the new ones: the postings of an
    // update's segment go after those already shipped, which keep their place in the blob's
    // chunks (a rebuild rewrites only the chunks that changed).
    let mut new: Vec<PathBuf> = index.directory().list_managed_files().into_iter().filter(|p| !unpacked.contains(p)).collect();
    new.sort();
    let paths: Vec<PathBuf> = unpacked.into_iter().chain(new).collect();
    for path in paths.into_iter().filter(|p| p.to_str().is_some_and(belongs)) {
        if dir.exists(&path)? {
            let bytes = dir.open_read(&path)?.read_bytes()?.as_slice().to_vec();
            files.push((path, bytes));
        }
    }
    Ok((count, files, state, update.map(|_| changed.len())))
}

/// One product's document: hashed for every product, made into tantivy's only for those indexed.
#[derive(Hash)]
struct ProductDocument<'a> {
    slug: &'a str,
    title: &'a str,
    brand: &'a str,
    category: String,
    attributes: String,
    description: &'a str,
    kind: String,
    price: u64,
    created: u64,
    rank: u64,
    in_stock: u64,
    on_sale: u64,
    facets: Vec<Facet>,
    image: Option<&'a str>,
    skus: Vec<&'a str>,
    card: Option<&'a str>,
}

impl<'a> ProductDocument<'a> {
    fn new(catalog: &'a Catalog, kinds: &HashMap<&str, &'a str>, cards: &'a Cards, p: &'a Product, rank: usize) -> Self {
        let trail = catalog.category_trail(&p.category);
        let attributes: Vec<String> = p
            .attributes
            .iter()
            .map(|(_, v)| v.clone())
            .chain(p.options.iter().map(|o| o.values.join(" ")))
            .chain(p.options.iter().filter(|o| is_size(&o.name)).flat_map(|o| o.values.iter().filter_map(|v| size_words(v)).map(str::to_string)))
            .chain(p.tags.iter().cloned())
            .collect();
        let price = product_price_range(p).map(|(lo, _)| lo.minor.max(0) as u64).unwrap_or(0);
        let mut facets: Vec<Facet> = trail.iter().map(|c| Facet::from_path(["category", c.slug.as_str()])).collect();
        facets.push(Facet::from_path(["brand", p.brand.as_str()]));
        facets.push(Facet::from_path(["price", price_bucket(price).as_str()]));
        for (i, o) in p.options.iter().enumerate() {
            // Only values some variant actually offers.
            for value in o.values.iter().filter(|value| p.variants.iter().any(|v| v.option_values.get(i) == Some(*value))) {
                facets.push(Facet::from_path(["option", o.name.as_str(), value.as_str()]));
            }
        }
        ProductDocument {
            slug: &p.slug,
            title: &p.title,
            brand: &p.brand,
            category: trail.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(" "),
            attributes: attributes.join(" "),
            description: &p.description_md,
            // What the attributes are called ("Battery life") says what a product has, not
            // what it is: searched as weakly as the category's description.
            kind: std::iter::once(kinds.get(p.category.as_str()).copied().unwrap_or(""))
                .chain(p.attributes.iter().map(|(k, _)| k.as_str()))
                .collect::<Vec<_>>()
                .join(" "),
            price,
            created: date_number(&p.created),
            rank: rank as u64,
            in_stock: u64::from(p.available()),
            on_sale: u64::from(p.variants.iter().any(|v| edgeshop_domain::variant_price(v).on_sale())),
            facets,
            image: p.images.first().map(|img| img.file.as_str()),
            skus: p.variants.iter().map(|v| v.sku.as_str()).collect(),
            card: cards.get(&p.slug).map(String::as_str),
        }
    }

    /// A hash of everything in the document.
    fn hash(&self) -> u64 {
        let mut h = Xxh3::new();
        Hash::hash(self, &mut h);
        h.finish()
    }

    fn tantivy(&self, f: &Fields) -> TantivyDocument {
        let mut d = doc!(
            f.slug => self.slug,
            f.title => self.title,
            f.brand => self.brand,
            f.category => self.category.as_str(),
            f.attributes => self.attributes.as_str(),
            f.description => self.description,
            f.kind => self.kind.as_str(),
            f.head => self.title.split(|c: char| !c.is_alphanumeric()).rfind(|w| !w.is_empty()).unwrap_or_default(),
            f.price => self.price,
            f.created => self.created,
            f.rank => self.rank,
            f.in_stock => self.in_stock,
            f.on_sale => self.on_sale,
        );
        for facet in &self.facets {
            d.add_facet(f.facets, facet.clone());
        }
        if let Some(img) = self.image {
            d.add_text(f.image, img);
        }
        for sku in &self.skus {
            d.add_text(f.sku, sku);
        }
        if let Some(card) = self.card {
            d.add_text(f.card, card);
        }
        d
    }
}

/// Whether an option is a size (`Size`, `Shoe size`, `Taille`, `Größe`).
fn is_size(name: &str) -> bool {
    let name = name.to_lowercase();
    ["size", "taille", "größe", "grösse", "talla", "taglia", "tamanho", "maat"].iter().any(|s| name.contains(s))
}

/// A size's letters as shoppers also type them ("blue jacket medium": the M; "2xl": the XXL).
fn size_words(value: &str) -> Option<&'static str> {
    Some(match value.trim().to_uppercase().as_str() {
        "XS" => "extra small",
        "S" => "small",
        "M" => "medium",
        "L" => "large",
        "XL" => "extra large",
        "XXS" => "2xs",
        "2XS" => "xxs",
        "XXL" => "2xl",
        "2XL" => "xxl",
        "XXXL" => "3xl",
        "3XL" => "xxxl",
        "XXXXL" => "4xl",
        "4XL" => "xxxxl",
        _ => return None,
    })
}
