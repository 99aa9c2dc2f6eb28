//! Query time: open the blob and answer product searches, facets, filters and suggestions.

use crate::blob::{BlobDirectory, BlobError, ChunkedBlob, IndexHeader};
use crate::docbits::{DocBits, DocBitsCollector};
use crate::extras::{typo_edits, SearchExtras, EXTRAS_FILE};
use crate::prefix::{touch_postings, PrefixQuery};
use crate::price_words::{gift_phrase, newest_phrase, price_phrase, sale_phrase, PricePhrase};
use crate::schema::{prefix_analyzer, register, schema, text_analyzer, Fields};
use edgeshop_domain::{Currency, Money, OutOfStock};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use tantivy::collector::{Count, FacetCollector, FacetCounts, TopDocs};
use tantivy::directory::{Directory, OwnedBytes};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, DocId, Index, IndexReader, Order, ReloadPolicy, Score, Searcher, SegmentReader, TantivyDocument, Term};

/// Longer queries are refused: nobody types 512 bytes into a shop's search box.
pub const MAX_QUERY_BYTES: usize = 512;
/// More words than this are refused rather than turned into a huge query.
pub const MAX_QUERY_TERMS: usize = 32;
pub const MAX_LIMIT: usize = 100;
/// Deep pages cost as much as the page plus everything before it; nobody reads past this.
pub const MAX_OFFSET: usize = 10_000;
/// At most this many values per filter kind.
pub const MAX_FILTER_VALUES: usize = 20;
/// Score factor for products that cannot be bought now (shop setting `out_of_stock = "lower"`).
const UNAVAILABLE_FACTOR: Score = 0.25;

#[derive(Debug)]
pub enum SearchError {
    QueryTooLong { bytes: usize },
    TooManyTerms { terms: usize },
    BadFilter(String),
    Index(String),
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchError::QueryTooLong { bytes } => {
                write!(f, "the query is {bytes} bytes long; at most {MAX_QUERY_BYTES} are accepted")
            }
            SearchError::TooManyTerms { terms } => {
                write!(f, "the query has {terms} words; at most {MAX_QUERY_TERMS} are accepted")
            }
            SearchError::BadFilter(detail) => write!(f, "{detail}"),
            SearchError::Index(e) => write!(f, "search index error: {e}"),
        }
    }
}

impl std::error::Error for SearchError {}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError::Index(e.to_string())
    }
}

impl From<BlobError> for SearchError {
    fn from(e: BlobError) -> Self {
        SearchError::Index(e.to_string())
    }
}

/// `[min, max)` in minor units; `max: None` is open-ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PriceRange {
    pub min: u64,
    pub max: Option<u64>,
}

impl PriceRange {
    /// `"2500-5000"` or `"50000-"`.
    pub fn parse(text: &str) -> Result<Self, SearchError> {
        let bad = || SearchError::BadFilter(format!("price `{text}` must look like `2500-5000` or `50000-` (minor units)"));
        let (lo, hi) = text.split_once('-').ok_or_else(bad)?;
        let min = lo.trim().parse::<u64>().map_err(|_| bad())?;
        let max = match hi.trim() {
            "" => None,
            hi => Some(hi.parse::<u64>().map_err(|_| bad())?),
        };
        if max.is_some_and(|m| m <= min) {
            return Err(bad());
        }
        Ok(PriceRange { min, max })
    }

    pub fn key(&self) -> String {
        match self.max {
            Some(max) => format!("{}-{max}", self.min),
            None => format!("{}-", self.min),
        }
    }
}

/// AND across kinds, OR within one kind (and within one option name).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filters {
    /// Category slugs; a category includes everything below it.
    pub categories: Vec<String>,
    pub brands: Vec<String>,
    pub prices: Vec<PriceRange>,
    /// `(option name, value)`, such as `("Colour", "Black")`.
    pub options: Vec<(String, String)>,
    /// A price range the query's words asked for ("under 50"), on top of the others.
    pub within: Option<PriceRange>,
    /// Only products on sale: the query's words asked for them ("jackets on sale").
    pub on_sale: bool,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
            && self.brands.is_empty()
            && self.prices.is_empty()
            && self.options.is_empty()
            && self.within.is_none()
            && !self.on_sale
    }

    fn check(&self) -> Result<(), SearchError> {
        let counts = [self.categories.len(), self.brands.len(), self.prices.len(), self.options.len()];
        if counts.iter().any(|n| *n > MAX_FILTER_VALUES) {
            return Err(SearchError::BadFilter(format!("at most {MAX_FILTER_VALUES} values per filter are accepted")));
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Best match first; with no query, the shop's featured order.
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Relevance, Sort::PriceAsc, Sort::PriceDesc, Sort::Newest];

    pub fn parse(text: &str) -> Result<Self, SearchError> {
        Sort::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| SearchError::BadFilter(format!("sort `{text}` is not one of relevance, price-asc, price-desc, newest")))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::PriceAsc => "price-asc",
            Sort::PriceDesc => "price-desc",
            Sort::Newest => "newest",
        }
    }
}

#[derive(Clone, Debug)]
pub struct SearchRequest<'a> {
    pub query: &'a str,
    pub filters: Filters,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    /// Count facet values for the matching products.
    pub facets: bool,
    /// Only products matching every word (no fallback to products matching most of them).
    pub all_words: bool,
}

impl<'a> SearchRequest<'a> {
    pub fn new(query: &'a str, limit: usize) -> Self {
        SearchRequest { query, filters: Filters::default(), sort: Sort::Relevance, offset: 0, limit, facets: false, all_words: false }
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Hit {
    pub slug: String,
    pub title: String,
    /// Lowest variant price in minor units of the shop currency.
    pub price_minor: u64,
    pub image: Option<String>,
    pub score: f32,
    /// The product's card (HTML), when the index was built with cards (the site builder's is).
    #[serde(skip)]
    pub card: Option<String>,
}

pub use edgeshop_api::{FacetValue, Facets, OptionFacet};

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct SearchResults {
    /// Products matching the query and filters.
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Option<Facets>,
    /// When nothing matched: a corrected query that finds products.
    pub did_you_mean: Option<String>,
    /// When nothing matched: products to show instead.
    pub popular: Vec<Hit>,
    /// Words left out because fewer than a page of products matched all of them: the results
    /// are the products matching every word first, then those matching the other words.
    pub ignored_words: Vec<String>,
    /// Products matching every word (equal to `total` unless words were left out).
    pub total_all_words: usize,
    /// When fewer than a page matched: more products of the one category every match is in.
    pub related: Option<Related>,
    /// A price limit typed among the words ("hoodie under 50"): searched as a price range, the
    /// other words as the query.
    pub price_words: Option<PricePhrase>,
    /// Words asking for products on sale ("on sale"), searched as that: the words as typed, and
    /// the query without them.
    pub sale_words: Option<(String, String)>,
    /// The words of a gift search ("gift for dad who"), left out of the query: what the gift is
    /// about is searched ("camps"), or, when nothing else was typed, the shop's gift picks.
    pub gift_words: Option<String>,
    /// Words asking for the newest products ("new arrivals"), searched as newest first: the words
    /// as typed, and the query without them.
    pub newest_words: Option<(String, String)>,
}

impl SearchResults {
    /// The products a results page shows, in order: the matches, then the related ones.
    pub fn shown(self) -> Vec<Hit> {
        let mut hits = self.hits;
        hits.extend(self.related.into_iter().flat_map(|r| r.hits));
        hits
    }
}

/// "More in Drinkware": after a first page of fewer products than it holds, other products of
/// the category every match is in, those whose titles share the most words with the matches'
/// first, so a thin result is not a dead end. Not for a filtered, sorted or all-words search.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Related {
    pub category: String,
    pub category_name: String,
    pub hits: Vec<Hit>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Suggestions {
    /// Whole queries: the typed words with the last one completed, each known to find products.
    pub completions: Vec<String>,
    pub products: Vec<Hit>,
    /// Words the products were found without (as on the results page), when none matched all.
    pub ignored_words: Vec<String>,
}

/// One facet kind; the unit of "OR within, AND across".
#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Category,
    Brand,
    Price,
    Option(String),
}

impl Kind {
    fn root(&self) -> Facet {
        match self {
            Kind::Category => Facet::from_path(["category"]),
            Kind::Brand => Facet::from_path(["brand"]),
            Kind::Price => Facet::from_path(["price"]),
            Kind::Option(name) => Facet::from_path(["option", name.as_str()]),
        }
    }
}

pub struct ProductIndex {
    header: IndexHeader,
    searcher: Searcher,
    fields: Fields,
    stem: TextAnalyzer,
    words: TextAnalyzer,
    extras: SearchExtras,
    currency: Option<Currency>,
    blob: Arc<ChunkedBlob>,
    /// While planning ([`Self::chunks_for_search`]): `(field, word)` of the query's prefix matches.
    prefixes: Option<Vec<(Field, String)>>,
    /// Category slugs with the stems of their names, longest names first (made on first use).
    category_stems: Option<Vec<(String, Vec<String>)>>,
    /// Stems of the words naming kinds of things the shop sells (made on first use).
    kind_stems: Option<HashSet<String>>,
    /// Category slugs with the stems of the merchant's descriptions of them (made on first use).
    description_stems: Option<Vec<(String, HashSet<String>)>>,
    /// While the fallback weighs words: match only what a product is (titles, brands,
    /// categories, attributes), not words of its description.
    strong_fields_only: bool,
    /// What the query asks to be without ("no bluetooth"): products that are it are left out.
    excluded: Option<Box<dyn Query>>,
    /// Typed words not to correct: the pieces of a compound the shop writes as one word ("sauce
    /// pan" is a saucepan; "sauce" is not a typo for "saute").
    pieces: Vec<String>,
    /// Whether the words searched are one by one those of a longer query ([`Self::most_words`]).
    word_by_word: bool,
    /// Typo corrections found during one search (a word is looked at several times: the whole
    /// query, each word when some are left out, the names of kinds).
    fixes: std::cell::RefCell<HashMap<String, Option<String>>>,
    /// The shop's words within a typo of an unknown word, found during one search (every
    /// variant of a query that has the word looks for them).
    corrections: HashMap<(String, usize), Vec<String>>,
    /// Everyday names within a typo of some typed words run together, found during one search.
    near_names: HashMap<(String, usize), Option<String>>,
    /// The kinds of things the shop sells by their singular, made at the first search that
    /// looks for the kind ending an unknown compound.
    kind_singulars: Option<HashMap<String, String>>,
    /// The stems of each word of each member of each synonym group (made at the first search
    /// that looks for synonyms).
    synonym_stems: Option<Vec<Vec<Vec<String>>>>,
}

impl ProductIndex {
    /// Opens a blob that is all in memory.
    pub fn open(blob: OwnedBytes) -> Result<Self, SearchError> {
        Self::open_chunked(Arc::new(ChunkedBlob::whole(blob)))
    }

    /// Opens a blob whose postings arrive in chunks: a search that needs a chunk not loaded yet
    /// fails, and [`Self::missing_chunks`] tells which to add before running it again.
    // Out of line: the worker's own code is optimised for size, and what it inlines is too; the
    // search path keeps the speed its crate is built for (Cargo.toml, `edgeshop-edge`).
    #[inline(never)]
    pub fn open_chunked(blob: Arc<ChunkedBlob>) -> Result<Self, SearchError> {
        let dir = BlobDirectory::open_chunked(blob.clone())?;
        let header = dir.header().clone();
        let extras: SearchExtras = match dir.atomic_read(Path::new(EXTRAS_FILE)) {
            Ok(bytes) => crate::extras::decode(&bytes).map_err(|e| SearchError::Index(format!("{EXTRAS_FILE}: {e}")))?,
            Err(_) => SearchExtras::default(),
        };
        let index = Index::open(dir)?;
        // Fields are addressed by their place in this code's schema: an index made by another
        // version of the indexer is refused rather than read through the wrong fields.
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Err(SearchError::Index("the search index was built by another version of the indexer: rebuild it".into()));
        }
        register(&index, &header.locale, false);
        let reader: IndexReader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(ProductIndex {
            stem: text_analyzer(&header.locale),
            words: prefix_analyzer(),
            currency: Currency::parse(&extras.currency).ok(),
            header,
            searcher: reader.searcher(),
            fields,
            extras,
            blob,
            prefixes: None,
            category_stems: None,
            kind_stems: None,
            description_stems: None,
            strong_fields_only: false,
            excluded: None,
            pieces: Vec::new(),
            word_by_word: false,
            fixes: Default::default(),
            corrections: HashMap::new(),
            near_names: HashMap::new(),
            kind_singulars: None,
            synonym_stems: None,
        })
    }

    /// The chunks a chunked blob needs before any search: the ends of the files, which tantivy
    /// reads at open, and the head of every field's postings, read before any of its terms. Found
    /// by opening the index from the prefix as the worker will; the build lists them in the
    /// manifest so that the worker fetches them with the prefix.
    pub fn open_chunks(blob: &[u8], chunk_bytes: usize) -> Result<Vec<usize>, SearchError> {
        let layout = crate::blob::layout(blob, chunk_bytes)?;
        let source = Arc::new(ChunkedBlob::new(OwnedBytes::new(blob[..layout.eager_bytes].to_vec()), blob.len(), chunk_bytes)?);
        let mut needed: std::collections::BTreeSet<usize> = layout.tail_chunks.into_iter().collect();
        for _ in 0..8 {
            for &i in needed.iter().filter(|&&i| !source.has_chunk(i)) {
                let start = layout.eager_bytes + i * chunk_bytes;
                source.add_chunk(i, OwnedBytes::new(blob[start..(start + chunk_bytes).min(blob.len())].to_vec()))?;
            }
            let opened = ProductIndex::open_chunked(source.clone());
            if let Ok(index) = &opened {
                for segment in index.searcher.segment_readers() {
                    for (field, entry) in index.searcher.schema().fields() {
                        if entry.is_indexed() {
                            let _ = segment.inverted_index(field);
                        }
                    }
                }
            }
            let missing = source.take_missing();
            if opened.is_ok() && missing.is_empty() {
                return Ok(needed.into_iter().collect());
            }
            needed.extend(missing);
        }
        Err(SearchError::Index("the index does not open from its prefix".into()))
    }

    /// Chunks that reads needed and did not find since the last call.
    pub fn missing_chunks(&self) -> Vec<usize> {
        self.blob.take_missing()
    }

    pub fn add_chunk(&self, i: usize, bytes: OwnedBytes) -> Result<(), SearchError> {
        Ok(self.blob.add_chunk(i, bytes)?)
    }

    pub fn has_chunk(&self, i: usize) -> bool {
        self.blob.has_chunk(i)
    }

    /// The postings chunks `req` will read that are not loaded yet: fetched before the search,
    /// they save a round of "search, fetch what was missing, search again" per term. Empty when
    /// the whole blob is in memory.
    #[inline(never)]
    pub fn chunks_for_search(&mut self, req: &SearchRequest) -> Vec<usize> {
        if self.blob.chunk_count() > 0 && Self::validate(req.query).is_ok() && req.filters.check().is_ok() {
            match self.typed_filters(req) {
                Some(typed) => self.touch_postings(&typed.words, &typed.filters),
                None => self.touch_postings(req.query, &req.filters),
            }
            // Products pinned first for this query are looked up by slug.
            let normalised = normalise(req.query);
            if let Some(pin) = self.extras.pinned.iter().find(|p| p.query == normalised) {
                for slug in &pin.slugs {
                    let _ = self.doc_by_slug(slug);
                }
            }
        }
        self.blob.take_missing()
    }

    /// The same for [`Self::suggest`]: the typed words and every completion it will try.
    #[inline(never)]
    pub fn chunks_for_suggest(&mut self, typed: &str) -> Vec<usize> {
        if self.blob.chunk_count() > 0 && Self::validate(typed).is_ok() {
            self.touch_postings(typed, &Filters::default());
            for q in self.completion_candidates(typed) {
                self.touch_postings(&format!("{q} "), &Filters::default());
            }
        }
        self.blob.take_missing()
    }

    /// Reads the postings of every term and prefix of the text query with `filters`, carrying on
    /// past failed reads, so the blob notes every chunk they are in.
    fn touch_postings(&mut self, raw: &str, filters: &Filters) {
        // As the search will rewrite it ("usbc": USB-C, "45mm").
        let rewritten = self.units_apart(raw);
        let raw = rewritten.as_deref().unwrap_or(raw);
        self.prefixes = Some(Vec::new());
        let text = self.text_query(raw);
        let prefixes = self.prefixes.take().unwrap_or_default();
        let query = self.combine(text, filters, None);
        let mut terms: Vec<Term> = Vec::new();
        query.query_terms(&mut |term, _| terms.push(term.clone()));
        for segment in self.searcher.segment_readers() {
            for term in &terms {
                let Ok(index) = segment.inverted_index(term.field()) else { continue };
                if let Ok(Some(info)) = index.get_term_info(term) {
                    // A failed read is what this is for: the blob has noted the missing chunk.
                    let _ = index.read_block_postings_from_terminfo(&info, IndexRecordOption::Basic);
                }
            }
            for (field, prefix) in &prefixes {
                let _ = touch_postings(segment, *field, prefix);
            }
        }
    }

    pub fn header(&self) -> &IndexHeader {
        &self.header
    }

    pub fn extras(&self) -> &SearchExtras {
        &self.extras
    }

    pub fn num_docs(&self) -> u64 {
        self.searcher.num_docs()
    }

    /// Checks the query's size before any work is done.
    pub fn validate(query: &str) -> Result<(), SearchError> {
        if query.len() > MAX_QUERY_BYTES {
            return Err(SearchError::QueryTooLong { bytes: query.len() });
        }
        let terms = query.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).count();
        if terms > MAX_QUERY_TERMS {
            return Err(SearchError::TooManyTerms { terms });
        }
        Ok(())
    }

    /// Forgets the corrections one search found (each search starts afresh).
    fn forget_corrections(&mut self) {
        self.fixes.get_mut().clear();
        self.corrections.clear();
        self.near_names.clear();
    }

    #[inline(never)]
    pub fn search(&mut self, req: &SearchRequest) -> Result<SearchResults, SearchError> {
        self.search_with(req, true)
    }

    /// [`Self::search`], with [`Related`] products after a thin result or without (suggestions
    /// show a few products and no more).
    fn search_with(&mut self, req: &SearchRequest, with_related: bool) -> Result<SearchResults, SearchError> {
        Self::validate(req.query)?;
        if let Some(typed) = self.typed_filters(req) {
            // A gift search with nothing else typed: the shop's picks.
            let filtered = typed.price.is_some() || typed.sale.is_some();
            if typed.gift.is_some() && !filtered && typed.words.trim().is_empty() {
                return Ok(SearchResults { gift_words: typed.gift, ..self.gift_picks(req.limit.clamp(1, MAX_LIMIT))? });
            }
            // A price or a sale typed among the words narrows what the other words name: the
            // products they are (titles, brands, categories, attributes), not those whose
            // descriptions mention them ("tent under 100": no lamp that says it lights a tent,
            // when no tent costs that little).
            let strong = filtered || self.strong_fields_only;
            let was = std::mem::replace(&mut self.strong_fields_only, strong);
            // "New arrivals": newest first, unless the shopper chose another order.
            let sort = if typed.newest.is_some() && req.sort == Sort::Relevance { Sort::Newest } else { req.sort };
            let results = self.search_with(&SearchRequest { query: &typed.words, filters: typed.filters, sort, ..req.clone() }, with_related);
            self.strong_fields_only = was;
            let mut results = results?;
            // A gift for someone the shop's words say nothing of ("gift for new homeowners"):
            // the shop's gift picks, with those words reported as left out, not an empty page.
            if typed.gift.is_some() && !filtered && results.total == 0 && results.did_you_mean.is_none() {
                let gift = normalise(typed.gift.as_deref().unwrap_or_default());
                let ignored_words =
                    normalise(req.query).split(' ').filter(|w| !w.is_empty() && !gift.split(' ').any(|g| g == *w)).map(str::to_string).collect();
                let picks = self.gift_picks(req.limit.clamp(1, MAX_LIMIT))?;
                return Ok(SearchResults { gift_words: typed.gift, ignored_words, total_all_words: 0, ..picks });
            }
            results.gift_words = typed.gift;
            // A correction of the other words keeps the price and sale words.
            if let Some(fix) = results.did_you_mean.as_mut() {
                for phrase in typed.price.iter().map(|p| &p.phrase).chain(typed.sale.iter().map(|(phrase, _)| phrase)) {
                    *fix = format!("{fix} {phrase}");
                }
            }
            (results.price_words, results.sale_words, results.newest_words) = (typed.price, typed.sale, typed.newest);
            return Ok(results);
        }
        self.forget_corrections();
        req.filters.check()?;
        // "headphones that plug into a laptop, no bluetooth": the headphones, less those that are
        // Bluetooth ones.
        if !req.all_words && self.excluded.is_none() {
            if let Some((rest, excluded)) = self.negated(req.query) {
                self.excluded = Some(excluded);
                let results = self.search_with(&SearchRequest { query: &rest, ..req.clone() }, with_related);
                self.excluded = None;
                return results;
            }
        }
        // Measures and names typed otherwise than the shop writes them: searched its way (one
        // rewrite a pass; the search of the rewritten query makes the next).
        if let Some(query) = self.units_apart(req.query).or_else(|| particles_singular(req.query, |w| self.extras.knows_word(w))) {
            return self.search_with(&SearchRequest { query: &query, ..req.clone() }, with_related);
        }
        let limit = req.limit.clamp(1, MAX_LIMIT);
        let offset = req.offset.min(MAX_OFFSET);
        // Words of a request or a question ("something warm for winter", "what do I need for
        // camping", "bag for my laptop") say nothing of what is wanted: with other words beside
        // them, those are searched (as typed), and the page says these were left out.
        if !req.all_words {
            let normalised = normalise(req.query);
            let fillers: Vec<String> = normalised.split(' ').filter(|w| is_filler(w)).map(str::to_string).collect();
            let rest: Vec<&str> = normalised.split(' ').filter(|w| !w.is_empty() && !fillers.iter().any(|f| f == w)).collect();
            if !fillers.is_empty() && rest.iter().any(|w| !tokens(&mut self.stem, w).is_empty()) {
                // A last word typed in full stays so.
                let typed_on = typed_on(req.query);
                let query = format!("{}{typed_on}", rest.join(" "));
                let mut again = self.search_with(&SearchRequest { query: &query, ..req.clone() }, with_related)?;
                again.ignored_words.splice(0..0, fillers);
                again.total_all_words = 0;
                return Ok(again);
            }
        }
        let mut text = self.text_query(req.query);
        if text.is_none() && !req.query.trim().is_empty() {
            // Only symbols or over-long words: nothing to look for.
            return Ok(SearchResults::default());
        }
        let mut ignored_words = Vec::new();
        let mut total_all_words = None;
        let query = self.combine(text.as_ref().map(|q| q.box_clone()), &req.filters, None);

        let kinds = self.kinds();
        let (mut addresses, mut total, mut counts) = self.collect(
            &*query,
            req.sort,
            if text.is_some() { Scores::Text } else { Scores::None },
            offset,
            limit,
            self.facet_collector(req, &kinds),
        )?;
        // Fewer than a page matched every word: the products matching most of them follow.
        // Decided the same way on every page, so that page 2 continues page 1.
        if total < limit && text.is_some() && req.sort == Sort::Relevance && !req.all_words {
            if let Some((most, dropped, all_words)) = self.most_words(req.query, text.as_deref(), &req.filters, total, limit)? {
                total_all_words = Some(all_words);
                (addresses, total, counts) = self.collect(
                    &*self.combine(Some(most.box_clone()), &req.filters, None),
                    req.sort,
                    Scores::WordsMatched,
                    offset,
                    limit,
                    self.facet_collector(req, &kinds),
                )?;
                text = Some(most);
                ignored_words = dropped;
            }
        }
        let found: Vec<DocAddress> = addresses.iter().map(|(_, addr)| *addr).collect();
        let mut hits = addresses.into_iter().map(|(score, addr)| self.hit(addr, score)).collect::<Result<Vec<_>, _>>()?;

        let normalised = normalise(req.query);
        let mut related = None;
        if offset == 0 && req.sort == Sort::Relevance && req.filters.is_empty() {
            self.put_pinned_first(&normalised, &mut hits, limit)?;
            if with_related && text.is_some() && (1..limit).contains(&total) && !req.all_words {
                related = self.related(&found, &hits, limit.saturating_sub(hits.len()).min(MAX_RELATED))?;
            }
        }
        let facets = match counts {
            Some(counts) => Some(self.facets(&counts, &kinds, text.as_deref(), &req.filters)?),
            None => None,
        };
        let total_all_words = total_all_words.unwrap_or(total);
        let mut results = SearchResults {
            total,
            hits,
            facets,
            did_you_mean: None,
            popular: Vec::new(),
            ignored_words,
            total_all_words,
            related,
            price_words: None,
            sale_words: None,
            gift_words: None,
            newest_words: None,
        };
        if total == 0 && !normalised.is_empty() {
            results.did_you_mean = self.did_you_mean(&normalised, &req.filters)?;
            results.popular = self.popular()?;
        }
        Ok(results)
    }

    /// Completions of the last typed word that still find products, and the top products.
    #[inline(never)]
    pub fn suggest(&mut self, typed: &str, limit: usize) -> Result<Suggestions, SearchError> {
        Self::validate(typed)?;
        self.forget_corrections();
        let limit = limit.clamp(1, 10);
        let mut completions = Vec::new();
        for q in self.completion_candidates(typed) {
            if completions.len() >= limit {
                break;
            }
            // Trailing space: every word, the completed one included, is now a whole word.
            let finds = match self.text_query(&format!("{q} ")) {
                Some(query) => self.searcher.search(&*query, &Count)?,
                None => 0,
            };
            if finds > 0 {
                completions.push(q);
            }
        }
        let found = self.search_with(&SearchRequest::new(typed, limit.min(6)), false)?;
        Ok(Suggestions { completions, products: found.hits, ignored_words: found.ignored_words })
    }

    /// The typed words with the last one completed from the vocabulary, most used first; none
    /// once the last word is finished (a trailing space).
    fn completion_candidates(&mut self, typed: &str) -> Vec<String> {
        let all: Vec<String> = words(typed).map(|w| fold(&mut self.words, w)).collect();
        let typing = !typed.ends_with(char::is_whitespace);
        let Some((last, before)) = all.split_last().filter(|_| typing) else { return Vec::new() };
        // Each candidate is a search of every word: a long query is completed no more (a word
        // too long to index folds to nothing, which every word would complete).
        if all.len() > MAX_COMPLETED_WORDS || last.is_empty() {
            return Vec::new();
        }
        let head = before.join(" ");
        self.extras.completions(last, 12).into_iter().map(|word| if head.is_empty() { word.to_string() } else { format!("{head} {word}") }).collect()
    }

    /// Counts facet values only when asked: counting visits every matching product.
    fn facet_collector(&self, req: &SearchRequest, kinds: &[Kind]) -> Option<FacetCollector> {
        req.facets.then(|| {
            let mut collector = FacetCollector::for_field("facets");
            for kind in kinds.iter().filter(|k| !self.is_filtered(&req.filters, k)) {
                collector.add_facet(kind.root());
            }
            collector
        })
    }

    fn kinds(&self) -> Vec<Kind> {
        let mut kinds = vec![Kind::Category, Kind::Brand, Kind::Price];
        kinds.extend(self.extras.options.iter().map(|o| Kind::Option(o.clone())));
        kinds
    }

    fn is_filtered(&self, filters: &Filters, kind: &Kind) -> bool {
        match kind {
            Kind::Category => !filters.categories.is_empty(),
            Kind::Brand => !filters.brands.is_empty(),
            Kind::Price => !filters.prices.is_empty(),
            Kind::Option(name) => filters.options.iter().any(|(n, _)| n == name),
        }
    }

    /// The text query (if any) AND every filter kind except `skip`.
    fn combine(&self, text: Option<Box<dyn Query>>, filters: &Filters, skip: Option<&Kind>) -> Box<dyn Query> {
        let f = self.fields;
        let facet_term = |path: Vec<&str>| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_facet(f.facets, &Facet::from_path(path)), IndexRecordOption::Basic))
        };
        let any_of =
            |qs: Vec<Box<dyn Query>>| -> Box<dyn Query> { Box::new(BooleanQuery::new(qs.into_iter().map(|q| (Occur::Should, q)).collect())) };
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(text) = text {
            must.push((Occur::Must, text));
        }
        if skip != Some(&Kind::Category) && !filters.categories.is_empty() {
            must.push((Occur::Must, any_of(filters.categories.iter().map(|c| facet_term(vec!["category", c])).collect())));
        }
        if skip != Some(&Kind::Brand) && !filters.brands.is_empty() {
            must.push((Occur::Must, any_of(filters.brands.iter().map(|b| facet_term(vec!["brand", b])).collect())));
        }
        if filters.on_sale {
            must.push((Occur::Must, Box::new(RangeQuery::new(Bound::Included(Term::from_field_u64(f.on_sale, 1)), Bound::Unbounded))));
        }
        let in_range = |r: &PriceRange| -> Box<dyn Query> {
            let lo = Bound::Included(Term::from_field_u64(f.price, r.min));
            let hi = r.max.map_or(Bound::Unbounded, |m| Bound::Excluded(Term::from_field_u64(f.price, m)));
            Box::new(RangeQuery::new(lo, hi))
        };
        if let Some(r) = &filters.within {
            must.push((Occur::Must, in_range(r)));
        }
        if skip != Some(&Kind::Price) && !filters.prices.is_empty() {
            must.push((Occur::Must, any_of(filters.prices.iter().map(in_range).collect())));
        }
        let mut names: Vec<&str> = filters.options.iter().map(|(n, _)| n.as_str()).collect();
        names.dedup();
        names.sort();
        names.dedup();
        for name in names {
            if skip == Some(&Kind::Option(name.to_string())) {
                continue;
            }
            let values = filters.options.iter().filter(|(n, _)| n == name).map(|(_, v)| facet_term(vec!["option", name, v])).collect();
            must.push((Occur::Must, any_of(values)));
        }
        if let Some(excluded) = &self.excluded {
            if must.is_empty() {
                must.push((Occur::Must, Box::new(AllQuery)));
            }
            must.push((Occur::MustNot, excluded.box_clone()));
        }
        if must.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(must))
        }
    }

    /// [`Self::text_query`] matching only what products are (titles, brands, categories,
    /// attributes), not words of their descriptions.
    fn strong_query(&mut self, raw: &str) -> Option<Box<dyn Query>> {
        let was = std::mem::replace(&mut self.strong_fields_only, true);
        let strong = self.text_query(raw);
        self.strong_fields_only = was;
        strong
    }

    /// A query asking to be without something the shop's products are ("no bluetooth", "without
    /// a cable", "that aren't trainers"): the query without those words, and what they match in
    /// what products are (titles, brands, categories, attributes; not descriptions, which may
    /// say "no Bluetooth pairing needed"). `None` when nothing is asked to be left out, or
    /// nothing else is asked for.
    fn negated(&mut self, query: &str) -> Option<(String, Box<dyn Query>)> {
        let typed: Vec<String> = words(query).map(str::to_lowercase).collect();
        let (mut rest, mut without): (Vec<&str>, Vec<Box<dyn Query>>) = (Vec::new(), Vec::new());
        let mut i = 0;
        while i < typed.len() {
            let cue = match typed[i].as_str() {
                "no" | "not" | "without" => 1,
                // "aren't", "isn't" as words are split: "aren t".
                "aren" | "isn" | "wasn" | "weren" if typed.get(i + 1).is_some_and(|t| t == "t") => 2,
                _ => 0,
            };
            let mut at = i + cue;
            while cue > 0 && typed.get(at).is_some_and(|w| matches!(w.as_str(), "a" | "an" | "any" | "the")) {
                at += 1;
            }
            let x = &self.extras;
            let named = typed.get(at).filter(|w| {
                cue > 0
                    && w.chars().all(char::is_alphabetic)
                    && (x.knows_word(w) || x.knows_word(&crate::everyday::singular(w)) || x.in_synonyms(w))
                    // "No-show socks" is a name of the shop's, not a wish.
                    && !x.knows_word(&format!("{}{w}", typed[i]))
            });
            let what = named.and_then(|w| self.strong_query(&format!("{w} ")));
            match what {
                Some(what) => {
                    without.push(what);
                    i = at + 1;
                }
                None => {
                    rest.push(&typed[i]);
                    i += 1;
                }
            }
        }
        if without.is_empty() || !rest.iter().any(|w| !tokens(&mut self.stem, w).is_empty()) {
            return None;
        }
        let typed_on = typed_on(query);
        let without: Box<dyn Query> = Box::new(BooleanQuery::new(without.into_iter().map(|q| (Occur::Should, q)).collect()));
        Some((format!("{}{typed_on}", rest.join(" ")), without))
    }

    #[allow(clippy::type_complexity)]
    fn collect(
        &self,
        query: &dyn Query,
        sort: Sort,
        scores: Scores,
        offset: usize,
        limit: usize,
        facets: Option<FacetCollector>,
    ) -> Result<(Vec<(Score, DocAddress)>, usize, Option<FacetCounts>), SearchError> {
        let top = TopDocs::with_limit(limit).and_offset(offset);
        let (field, order) = match sort {
            Sort::Relevance if scores != Scores::None => {
                let lower = self.extras.out_of_stock == OutOfStock::Lower;
                let ranked = top.tweak_score(move |segment: &SegmentReader| {
                    let in_stock = segment.fast_fields().u64("in_stock").ok().map(|c| c.first_or_default_col(1));
                    move |doc: DocId, score: Score| match &in_stock {
                        // Ranked by words matched first, it goes down among those matching as many.
                        Some(col) if lower && col.get_val(doc) == 0 && scores == Scores::WordsMatched => {
                            let band = (score / WORD_MATCHED).floor() * WORD_MATCHED;
                            band + (score - band) * UNAVAILABLE_FACTOR
                        }
                        Some(col) if lower && col.get_val(doc) == 0 => score * UNAVAILABLE_FACTOR,
                        _ => score,
                    }
                });
                return Ok(self.searcher.search(query, &(ranked, Count, facets))?);
            }
            Sort::Relevance => ("rank", Order::Asc),
            Sort::PriceAsc => ("price", Order::Asc),
            Sort::PriceDesc => ("price", Order::Desc),
            Sort::Newest => ("created", Order::Desc),
        };
        let (docs, total, counts) = self.searcher.search(query, &(top.order_by_fast_field::<u64>(field, order), Count, facets))?;
        Ok((docs.into_iter().map(|(_, a)| (0.0, a)).collect(), total, counts))
    }

    fn facets(&self, main: &FacetCounts, kinds: &[Kind], text: Option<&dyn Query>, filters: &Filters) -> Result<Facets, SearchError> {
        let mut out = Facets::default();
        for kind in kinds {
            let own;
            let counts = if self.is_filtered(filters, kind) {
                let mut collector = FacetCollector::for_field("facets");
                collector.add_facet(kind.root());
                let query = self.combine(text.map(|t| t.box_clone()), filters, Some(kind));
                own = self.searcher.search(&*query, &collector)?;
                &own
            } else {
                main
            };
            let values: Vec<(String, u64)> =
                counts.get(kind.root()).filter_map(|(facet, n)| facet.to_path().last().map(|v| (v.to_string(), n))).collect();
            match kind {
                Kind::Category => {
                    let order = |slug: &str| self.extras.categories.iter().position(|(s, _)| s == slug).unwrap_or(usize::MAX);
                    let mut v: Vec<FacetValue> = values
                        .into_iter()
                        .map(|(slug, count)| FacetValue {
                            label: self.extras.category_name(&slug).unwrap_or(&slug).to_string(),
                            selected: filters.categories.contains(&slug),
                            value: slug,
                            count,
                        })
                        .collect();
                    v.sort_by_key(|f| order(&f.value));
                    out.categories = v;
                }
                Kind::Brand => {
                    let mut v: Vec<FacetValue> = values
                        .into_iter()
                        .map(|(b, count)| FacetValue { label: b.clone(), selected: filters.brands.contains(&b), value: b, count })
                        .collect();
                    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
                    out.brands = v;
                }
                Kind::Price => {
                    let mut v: Vec<(PriceRange, u64)> = values.into_iter().filter_map(|(k, n)| PriceRange::parse(&k).ok().map(|r| (r, n))).collect();
                    v.sort_by_key(|(r, _)| r.min);
                    out.prices = v
                        .into_iter()
                        .map(|(r, count)| FacetValue { value: r.key(), label: self.price_label(&r), count, selected: filters.prices.contains(&r) })
                        .collect();
                }
                Kind::Option(name) => {
                    let mut v: Vec<FacetValue> = values
                        .into_iter()
                        .map(|(value, count)| FacetValue {
                            label: value.clone(),
                            selected: filters.options.iter().any(|(n, x)| n == name && *x == value),
                            value,
                            count,
                        })
                        .collect();
                    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
                    if !v.is_empty() {
                        out.options.push(OptionFacet { name: name.clone(), values: v });
                    }
                }
            }
        }
        Ok(out)
    }

    fn price_label(&self, r: &PriceRange) -> String {
        let Some(currency) = self.currency else { return r.key() };
        let fmt = |minor: u64| Money::new(minor as i64, currency).format(&self.header.locale);
        match r.max {
            Some(max) if r.min == 0 => format!("Under {}", fmt(max)),
            Some(max) => format!("{} – {}", fmt(r.min), fmt(max)),
            None => format!("{} and over", fmt(r.min)),
        }
    }

    /// Each unknown word replaced by the closest known one, if that finds products.
    fn did_you_mean(&mut self, normalised: &str, filters: &Filters) -> Result<Option<String>, SearchError> {
        let corrected: Vec<String> = normalised
            .split(' ')
            .map(|w| {
                if w.chars().count() < 3 || self.extras.knows_word(w) {
                    w.to_string()
                } else {
                    self.extras.closest_word(w, 2).unwrap_or(w).to_string()
                }
            })
            .collect();
        let corrected = corrected.join(" ");
        if corrected == normalised {
            return Ok(None);
        }
        let Some(text) = self.text_query(&format!("{corrected} ")) else { return Ok(None) };
        // A suggestion, not the answer: when the corrected words' postings are not loaded yet
        // (a chunked index notes them for the next round), the results come without it.
        let found = self.searcher.search(&*self.combine(Some(text), filters, None), &Count).unwrap_or(0);
        Ok((found > 0).then_some(corrected))
    }

    /// [`Related`]: `n` more products of the deepest category all of `found` (every match) are
    /// in (none when they are in different departments), ranked by the words their titles share
    /// with the matches' titles (tantivy's more-like-this), then the shop's own order.
    fn related(&self, found: &[DocAddress], hits: &[Hit], n: usize) -> Result<Option<Related>, SearchError> {
        if n == 0 {
            return Ok(None);
        }
        // The first match's categories (its category and those above), kept while every other
        // match is in them too: their facets looked up by ordinal in each match's segment.
        let Some((first, others)) = found.split_first() else { return Ok(None) };
        let readers: Vec<_> = self.searcher.segment_readers().iter().map(|s| s.facet_reader("facets")).collect::<Result<_, _>>()?;
        let mut trail: Vec<Facet> = Vec::new();
        let reader = &readers[first.segment_ord as usize];
        for ord in reader.facet_ords(first.doc_id) {
            let mut facet = Facet::root();
            reader.facet_from_ord(ord, &mut facet)?;
            if facet.to_path().first() == Some(&"category") {
                trail.push(facet);
            }
        }
        for addr in others {
            let reader = &readers[addr.segment_ord as usize];
            let ords: Vec<u64> = reader.facet_ords(addr.doc_id).collect();
            trail.retain(|facet| reader.facet_dict().term_ord(facet.encoded_str()).ok().flatten().is_some_and(|o| ords.contains(&o)));
        }
        // Category slugs are paths: the deepest has the most parts.
        let slug = trail.iter().filter_map(|f| f.to_path().get(1).map(|s| s.to_string())).max_by_key(|s| (s.matches('/').count(), s.clone()));
        let Some(slug) = slug else { return Ok(None) };
        let f = self.fields;
        let in_category = TermQuery::new(Term::from_facet(f.facets, &Facet::from_path(["category", slug.as_str()])), IndexRecordOption::Basic);
        let titles = hits.iter().map(|h| tantivy::schema::OwnedValue::Str(h.title.clone())).collect();
        let like = tantivy::query::MoreLikeThisQuery::builder()
            .with_min_doc_frequency(1)
            .with_min_term_frequency(1)
            .with_min_word_length(2)
            .with_document_fields(vec![(f.title, titles)]);
        let query = BooleanQuery::new(vec![
            (Occur::Must, Box::new(ConstScoreQuery::new(Box::new(in_category), 0.0)) as Box<dyn Query>),
            (Occur::Should, Box::new(like)),
        ]);
        // Scored, then the shop's order among equals: TopDocs keeps the earlier document of a
        // tie, and documents are indexed in the shop's order. The matches (all of them are in
        // `found`: fewer than a page) and products pinned for the query are passed over.
        let (addresses, _, _) = self.collect(&query, Sort::Relevance, Scores::Text, 0, n + hits.len(), None)?;
        let mut more = Vec::new();
        for (score, addr) in addresses.into_iter().filter(|(_, a)| !found.contains(a)) {
            let hit = self.hit(addr, score)?;
            if more.len() < n && !hits.iter().any(|h| h.slug == hit.slug) {
                more.push(hit);
            }
        }
        let category_name = self.extras.category_name(&slug).unwrap_or(&slug).to_string();
        Ok((!more.is_empty()).then_some(Related { category: slug, category_name, hits: more }))
    }

    /// Filters typed among the query's words ([`crate::price_words`]): a price ("under 50") and
    /// "on sale" (when the shop has products on sale). `None` when it has neither, or a search
    /// took them out already.
    fn typed_filters(&self, req: &SearchRequest) -> Option<TypedFilters> {
        if req.filters.within.is_some() || req.filters.on_sale {
            return None;
        }
        let price = self.currency.and_then(|c| price_phrase(req.query, c));
        let sale = sale_phrase(req.query, |w| self.extras.knows_word(w))
            .filter(|_| self.searcher.search(&*self.combine(None, &Filters { on_sale: true, ..Filters::default() }, None), &Count).unwrap_or(0) > 0);
        let gift = gift_phrase(req.query, |w| self.extras.knows_word(w));
        let newest = newest_phrase(req.query, |w| self.extras.knows_word(w));
        if price.is_none() && sale.is_none() && gift.is_none() && newest.is_none() {
            return None;
        }
        // The words searched: without any of them; each reported without its own words only.
        let mut words = price.as_ref().map_or(req.query.to_string(), |p| p.words.clone());
        if let Some((without, _)) = sale.as_ref().and_then(|_| sale_phrase(&words, |w| self.extras.knows_word(w))) {
            words = without;
        }
        let mut said = None;
        if let Some((without, phrase)) = gift.and_then(|_| gift_phrase(&words, |w| self.extras.knows_word(w))) {
            (words, said) = (without, Some(phrase));
        }
        let mut newest_said = None;
        if let Some((without, phrase)) = newest.and_then(|_| newest_phrase(&words, |w| self.extras.knows_word(w))) {
            newest_said = Some((phrase, without.clone()));
            words = without;
        }
        let filters = Filters { within: price.as_ref().map(|p| p.range), on_sale: sale.is_some(), ..req.filters.clone() };
        Some(TypedFilters { words, filters, price, sale: sale.map(|(without, phrase)| (phrase, without)), gift: said, newest: newest_said })
    }

    /// A gift search with nothing else typed: the products the merchant pinned for "gift" (or
    /// "gifts"), then the popular ones.
    fn gift_picks(&self, limit: usize) -> Result<SearchResults, SearchError> {
        let pinned = self.extras.pinned.iter().filter(|p| p.query == "gift" || p.query == "gifts").flat_map(|p| p.slugs.iter());
        let mut slugs: Vec<String> = Vec::new();
        for slug in pinned.chain(self.extras.popular.iter()) {
            if !slugs.contains(slug) {
                slugs.push(slug.clone());
            }
        }
        let mut hits = self.hits_by_slug(&slugs, 0.0)?;
        hits.truncate(limit);
        Ok(SearchResults { total: hits.len(), total_all_words: hits.len(), hits, ..SearchResults::default() })
    }

    fn popular(&self) -> Result<Vec<Hit>, SearchError> {
        self.hits_by_slug(&self.extras.popular, 0.0)
    }

    /// The products with these slugs (those that exist), in order. Every lookup runs even after
    /// one failed, so that a chunked blob notes every missing chunk in one go.
    fn hits_by_slug(&self, slugs: &[String], score: Score) -> Result<Vec<Hit>, SearchError> {
        let found: Vec<Result<Option<Hit>, SearchError>> =
            slugs.iter().map(|s| self.doc_by_slug(s).and_then(|a| a.map(|a| self.hit(a, score)).transpose())).collect();
        found.into_iter().filter_map(Result::transpose).collect()
    }

    fn put_pinned_first(&self, normalised: &str, hits: &mut Vec<Hit>, limit: usize) -> Result<(), SearchError> {
        let Some(pin) = self.extras.pinned.iter().find(|p| p.query == normalised) else { return Ok(()) };
        let mut pinned = self.hits_by_slug(&pin.slugs, f32::MAX)?;
        hits.retain(|h| !pin.slugs.contains(&h.slug));
        pinned.append(hits);
        pinned.truncate(limit);
        *hits = pinned;
        Ok(())
    }

    fn doc_by_slug(&self, slug: &str) -> Result<Option<DocAddress>, SearchError> {
        let q = TermQuery::new(Term::from_field_text(self.fields.slug, slug), IndexRecordOption::Basic);
        Ok(self.searcher.search(&q, &TopDocs::with_limit(1).order_by_score())?.first().map(|(_, a)| *a))
    }

    fn hit(&self, addr: DocAddress, score: Score) -> Result<Hit, SearchError> {
        let f = self.fields;
        let doc: TantivyDocument = self.searcher.doc(addr)?;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_string);
        Ok(Hit {
            slug: text(f.slug).unwrap_or_default(),
            title: text(f.title).unwrap_or_default(),
            price_minor: doc.get_first(f.price).and_then(|v| v.as_u64()).unwrap_or(0),
            image: text(f.image),
            score,
            card: text(f.card),
        })
    }

    /// The typed words, and the same words with each synonym swapped in: any of them may match.
    fn text_query(&mut self, raw: &str) -> Option<Box<dyn Query>> {
        // Typo corrections are looked up once per query: synonyms, everyday words and category
        // intent all start from them.
        let corrected = self.corrected_words(raw);
        let synonyms = self.synonym_variants(&corrected);
        let compounds = self.compound_variants(raw);
        let described = self.described_category(&corrected);
        let mut query = self.text_query_alone(raw, &corrected, &synonyms, &compounds, described.as_ref())?;
        // Of several words, products that match every one by what they are (titles, brands,
        // categories, attributes) rank above those that need a description for some: the
        // "natural" of a merino base layer's attributes, not of another one's description.
        // Words as typed only (a synonym or a correction is not what the product is called).
        if !self.strong_fields_only {
            if let Some(strong) = self.all_words_by_what_it_is(raw, &compounds) {
                let tier: Box<dyn Query> = Box::new(ConstScoreQuery::new(strong, ALL_WORDS_BY_WHAT_IT_IS));
                query = Box::new(BooleanQuery::new(vec![(Occur::Must, query), (Occur::Should, tier)]));
            }
        }
        // Category intent: a query naming a category (or a synonym of its name) puts that
        // category's products first.
        // Not a category named by a word before a last word that is another kind of thing in
        // everyday words: "outdoor clothing" is clothing, not the Outdoor category's tents.
        let named = if self.ends_in_an_everyday_kind(raw) { None } else { self.named_category(raw, &corrected, &synonyms) };
        let named = named.or(described.map(|(_, slug)| slug));
        let Some(slug) = named.or_else(|| self.everyday_category(raw)) else { return Some(query) };
        let f = self.fields;
        let in_category = TermQuery::new(Term::from_facet(f.facets, &Facet::from_path(["category", slug.as_str()])), IndexRecordOption::Basic);
        let intent: Box<dyn Query> = Box::new(ConstScoreQuery::new(Box::new(in_category), CATEGORY_NAMED));
        Some(Box::new(BooleanQuery::new(vec![(Occur::Must, query), (Occur::Should, intent)])))
    }

    /// Products with each of several typed words (by its stem), or each word of the query with a
    /// compound written the shop's way ("day pack": daypack), in their title, brand, category or
    /// attribute values; `None` for fewer than two typed words.
    fn all_words_by_what_it_is(&mut self, raw: &str, compounds: &[String]) -> Option<Box<dyn Query>> {
        let typed = self.stems_by_word(raw);
        if typed.len() < 2 {
            return None;
        }
        let compounds: Vec<Vec<Vec<String>>> = compounds.iter().map(|v| self.stems_by_word(v)).collect();
        let any: Vec<(Occur, Box<dyn Query>)> =
            std::iter::once(typed).chain(compounds).filter(|s| !s.is_empty()).map(|s| (Occur::Should, self.every_word_by_what_it_is(s))).collect();
        Some(Box::new(BooleanQuery::new(any)))
    }

    /// The stems of each word of `text` that has any (stop words have none).
    fn stems_by_word(&mut self, text: &str) -> Vec<Vec<String>> {
        tokens(&mut self.words, text).iter().map(|w| tokens(&mut self.stem, w)).filter(|s| !s.is_empty()).collect()
    }

    /// Products with each word (its stems) in their title, brand, category or attribute values.
    fn every_word_by_what_it_is(&self, stems: Vec<Vec<String>>) -> Box<dyn Query> {
        let f = self.fields;
        let each: Vec<(Occur, Box<dyn Query>)> = stems
            .into_iter()
            .map(|stems| {
                let fields = [f.title, f.head, f.brand, f.category, f.attributes];
                let any = stems.iter().flat_map(|stem| fields.map(|field| Term::from_field_text(field, stem)));
                let any: Vec<(Occur, Box<dyn Query>)> =
                    any.map(|t| (Occur::Should, Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>)).collect();
                (Occur::Must, Box::new(BooleanQuery::new(any)) as Box<dyn Query>)
            })
            .collect();
        Box::new(BooleanQuery::new(each))
    }

    /// The typed words, each unknown one replaced by its closest known word (same typo rule as
    /// search), with whether it was replaced.
    fn corrected_words(&self, raw: &str) -> Vec<(String, bool)> {
        let normalised = normalise(raw);
        let typed: Vec<&str> = normalised.split(' ').filter(|w| !w.is_empty()).collect();
        let several = typed.len() > 1;
        typed
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let next = typed.get(i + 1).copied();
                // A word the shop, its everyday map or its synonyms know, or the plural of one.
                let x = &self.extras;
                if x.knows_word(w)
                    || x.everyday(w).is_some()
                    || x.in_synonyms(w)
                    || x.knows_word(&crate::everyday::singular(w))
                    || x.colour(w).is_some()
                    || x.is_agent_noun(w)
                {
                    return (w.to_string(), false);
                }
                let distance = typo_distance(w);
                if distance == 0 {
                    // Too short to correct against every word (Meilisearch's rule), but among
                    // other words, one edit from the name of a kind of thing the shop sells is
                    // taken as that ("power bnks" → "power banks").
                    let kind = self.extras.kinds.iter().find(|k| several && w.chars().count() == 4 && typo_edits(w, k, 1).is_some());
                    if let Some(k) = kind {
                        return (k.clone(), true);
                    }
                    // Nor, before the second word of one of the shop's two-word names, a word one
                    // edit from its first that is no word of the language ("flor lamp").
                    if let Some(first) = next.and_then(|next| self.first_of_a_name_before(w, next)) {
                        return (first, true);
                    }
                    // Two neighbouring letters swapped, the commonest slip ("tnet", "lmap",
                    // "bga"), in a word that is no word of the language: the shop's word it makes.
                    return self.swapped_letters(w).map_or((w.to_string(), false), |fix| (fix, true));
                }
                if let Some(fix) = self.fixes.borrow().get(w) {
                    return (fix.clone().unwrap_or_else(|| w.to_string()), fix.is_some());
                }
                // The shop's own words first; else an everyday word for what it sells.
                let fix = self.extras.closest_word(w, distance).filter(|f| *f != w);
                let fix = match (fix, self.extras.closest_everyday(w, distance)) {
                    (Some(f), Some((e, d))) if d < typo_edits(w, f, distance).unwrap_or(usize::MAX) => Some(e),
                    (None, Some((e, _))) => Some(e),
                    (f, _) => f,
                };
                // Else a word of the merchant's synonyms ("tshrit" → "tshirt", then its synonyms).
                let fix = fix.or_else(|| self.extras.closest_synonym(w, distance));
                // Else a two-word name of a kind typed as one, with a typo ("powerbnk").
                let fix = fix.or_else(|| self.extras.closest_name(w, distance)).map(str::to_string);
                // Else the agent noun of an activity the shop names ("traker" → "tracker").
                let fix = fix.or_else(|| self.extras.closest_agent_noun(w, distance));
                // Else, before the second word of one of the shop's two-word names, a word one edit
                // from its first ("sleepng bag"), or two letters swapped in a word that makes one of
                // the shop's words with the next ("mirco sd": microSD).
                let fix = fix
                    .or_else(|| next.and_then(|next| self.first_of_a_name_before(w, next)))
                    .or_else(|| next.and_then(|next| self.swapped_before(w, next)));
                self.fixes.borrow_mut().insert(w.to_string(), fix.clone());
                let replaced = fix.is_some();
                (fix.unwrap_or_else(|| w.to_string()), replaced)
            })
            .collect()
    }

    /// The query with a number and its unit typed together taken apart ("45mm" → "45 mm", "1l",
    /// "20000mah"), unless the shop writes them together ("128gb"), and units written out
    /// abbreviated as the shop's values are ("1 litre" → "1 l"); `None` when nothing changes.
    fn units_apart(&self, query: &str) -> Option<String> {
        let lower = normalise(query);
        let mut changed = false;
        let mut out: Vec<String> = Vec::new();
        let typed: Vec<&str> = lower.split(' ').collect();
        for (i, &w) in typed.iter().enumerate() {
            // "one man tent", "two person tent": a count of people as the shop's values write it.
            let counted = |n: &str| n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty();
            if let Some(n) = NUMBER_WORDS.iter().position(|n| *n == w).filter(|_| typed.get(i + 1).is_some_and(|next| PEOPLE.contains(next))) {
                out.push((n + 1).to_string());
                changed = true;
                continue;
            }
            if PEOPLE[1..].contains(&w) && out.last().is_some_and(|p| counted(p)) && typed.get(i + 1).is_none_or(|next| *next != "s") {
                out.push(PEOPLE[0].to_string());
                changed = true;
                continue;
            }
            let digits = w.find(|c: char| !c.is_ascii_digit()).unwrap_or(w.len());
            let unit = &w[digits..];
            let a_unit = MEASURE_UNITS.contains(&unit) || UNIT_WORDS.iter().any(|(long, _)| *long == unit);
            if digits > 0 && a_unit && !self.extras.knows_word(w) {
                let unit = UNIT_WORDS.iter().find(|(long, _)| *long == unit).map_or(unit, |(_, short)| short);
                out.push(format!("{} {unit}", &w[..digits]));
                changed = true;
            } else if let Some((_, short)) =
                UNIT_WORDS.iter().find(|(long, _)| *long == w).filter(|_| out.last().is_some_and(|p| p.chars().all(|c| c.is_ascii_digit())))
            {
                out.push(short.to_string());
                changed = true;
            } else if let Some(apart) = self.extras.hyphenated_apart(w).filter(|_| !self.extras.knows_word(w)) {
                // A word the shop writes with a hyphen, typed as one ("wifi": Wi-Fi, "usbc").
                out.push(apart);
                changed = true;
            } else {
                out.push(w.to_string());
            }
        }
        let typed_on = typed_on(query);
        changed.then(|| format!("{}{typed_on}", out.join(" ")))
    }

    /// The first word of one of the shop's two-word names whose second word is `next`, one edit
    /// from `word` when that is no word of the language.
    fn first_of_a_name_before(&self, word: &str, next: &str) -> Option<String> {
        if self.extras.common_words.is_word(word) || !word.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let next = crate::everyday::singular(next);
        self.extras
            .kind_names
            .iter()
            .filter_map(|(name, uses)| name.split_once(' ').map(|(a, b)| (a, b, uses)))
            .filter(|(a, b, _)| crate::everyday::singular(b) == next && typo_edits(word, a, 1).is_some())
            .max_by_key(|(_, _, uses)| **uses)
            .map(|(a, ..)| a.to_string())
    }

    /// `word` with two neighbouring letters swapped where that makes one of the shop's words
    /// joined with `next` ("mirco" before "sd": microsd), if `word` is no word of the language.
    fn swapped_before(&self, word: &str, next: &str) -> Option<String> {
        if self.extras.knows_word(word) {
            return None;
        }
        self.swaps(word)?.into_iter().find(|swapped| self.extras.knows_word(&format!("{swapped}{next}")))
    }

    /// `word` with each pair of different neighbouring letters swapped, the commonest slip of the
    /// keys, if it is a word of three ASCII letters or more that is no word of the language.
    fn swaps(&self, word: &str) -> Option<Vec<String>> {
        let letters: Vec<char> = word.chars().collect();
        if letters.len() < 3 || !letters.iter().all(|c| c.is_ascii_alphabetic()) || self.extras.common_words.is_word(word) {
            return None;
        }
        let swapped = (0..letters.len() - 1).filter(|i| letters[*i] != letters[i + 1]).map(|i| {
            let mut swapped = letters.clone();
            swapped.swap(i, i + 1);
            swapped.into_iter().collect()
        });
        Some(swapped.collect())
    }

    /// The shop's word (a kind of thing first, else the most used) that a short word makes with
    /// two neighbouring letters swapped, if the word is no word of the language.
    fn swapped_letters(&self, word: &str) -> Option<String> {
        let x = &self.extras;
        let uses = |w: &str| x.vocabulary.binary_search_by(|(v, _)| v.as_str().cmp(w)).ok().map(|i| x.vocabulary[i].1);
        self.swaps(word)?
            .into_iter()
            .filter_map(|w| {
                let kind = x.kinds.iter().any(|k| *k == w || crate::everyday::singular(k) == w);
                Some((kind, uses(&w)?, w))
            })
            .max_by_key(|(kind, uses, _)| (*kind, *uses))
            .map(|(_, _, w)| w)
    }

    /// The most specific category whose name the query (typos corrected, or one of its synonym
    /// variants) contains.
    fn named_category(&mut self, raw: &str, corrected: &[(String, bool)], synonyms: &[(String, bool)]) -> Option<String> {
        self.make_category_stems();
        let corrected: Vec<&str> = corrected.iter().map(|(w, _)| w.as_str()).collect();
        let texts: Vec<String> = [normalise(raw), corrected.join(" ")].into_iter().chain(synonyms.iter().map(|(v, _)| v.clone())).collect();
        let typed: Vec<Vec<String>> = texts.iter().map(|t| words(t).flat_map(|w| tokens(&mut self.stem, w)).collect()).collect();
        let categories = self.category_stems.as_ref()?;
        categories
            .iter()
            .find(|(_, name)| typed.iter().any(|t| t.len() >= name.len() && t.windows(name.len()).any(|w| w == name.as_slice())))
            .map(|(slug, _)| slug.clone())
    }

    /// Each category's slug and the stems of its name, longest names first, then the deepest
    /// (made once, on first use).
    fn make_category_stems(&mut self) {
        if self.category_stems.is_some() {
            return;
        }
        let categories = self.extras.categories.clone();
        let mut stems: Vec<(String, Vec<String>)> = categories
            .into_iter()
            .map(|(slug, name)| (slug, words(&name).flat_map(|w| tokens(&mut self.stem, &w.to_lowercase())).collect()))
            .collect();
        stems.retain(|(_, s)| !s.is_empty());
        stems.sort_by_key(|(slug, s)| (std::cmp::Reverse(s.len()), std::cmp::Reverse(slug.matches('/').count())));
        self.category_stems = Some(stems);
    }

    /// Whether the query has several words and its last, as typed, is a word the shop does not
    /// use that its everyday vocabulary knows: the kind of thing asked for, in other words.
    fn ends_in_an_everyday_kind(&mut self, raw: &str) -> bool {
        let normalised = normalise(raw);
        let typed: Vec<&str> = normalised.split(' ').filter(|w| !w.is_empty()).collect();
        let [_, .., last] = typed.as_slice() else { return false };
        let one = crate::everyday::singular(last);
        if self.extras.knows_word(last) || self.extras.knows_word(&one) {
            return false;
        }
        let stem = tokens(&mut self.stem, last).join("");
        [last.to_string(), one, stem].iter().any(|w| self.extras.everyday(w).is_some())
    }

    /// The one category that the everyday words of the query's unknown words name ("cups" →
    /// dish, drinkware: the Drinkware category), if exactly one does: "clothing" → apparel,
    /// footwear names two, and neither is put first.
    fn everyday_category(&mut self, raw: &str) -> Option<String> {
        let mut targets: Vec<String> = Vec::new();
        // Words as typed (or their singular or stem): a typo's correction is a guess
        // ("travelmug" is not a misspelt everyday word for hiking), too weak to put a category
        // first.
        for word in normalise(raw).split(' ').filter(|w| !w.is_empty()).map(str::to_string) {
            if self.extras.knows_word(&word) {
                continue;
            }
            let stem = tokens(&mut self.stem, &word).join("");
            let found =
                [word.clone(), crate::everyday::singular(&word), stem].into_iter().find_map(|w| self.extras.everyday(&w).map(<[String]>::to_vec));
            targets.extend(found.unwrap_or_default());
        }
        if targets.is_empty() {
            return None;
        }
        self.make_category_stems();
        let target_stems: Vec<Vec<String>> = targets.iter().map(|t| words(t).flat_map(|w| tokens(&mut self.stem, w)).collect()).collect();
        let categories = self.category_stems.as_ref()?;
        let mut named = categories.iter().filter(|(_, name)| target_stems.iter().any(|t| t == name)).map(|(slug, _)| slug);
        let first = named.next()?;
        named.next().is_none().then(|| first.clone())
    }

    /// The category a one-word query names through the merchant's description of it, for a word
    /// no product uses ("clothing" in "Everyday clothing and technical layers"): the one category
    /// whose description has it, or the category above all of those that do. Not among other
    /// words: "gear" in "hiking gear" is not the Tech category's "keep your gear running", and
    /// "garden" in "garden hose" not the speakers that "fill a garden". Returns the word's place.
    fn described_category(&mut self, typed: &[(String, bool)]) -> Option<(usize, String)> {
        if self.description_stems.is_none() {
            let described = self.extras.category_descriptions.clone();
            let stems =
                described.into_iter().map(|(slug, text)| (slug, tokens(&mut self.stem, &text.to_lowercase()).into_iter().collect())).collect();
            self.description_stems = Some(stems);
        }
        let words: Vec<(usize, &str, Vec<String>)> =
            typed.iter().enumerate().map(|(i, (w, _))| (i, w.as_str(), tokens(&mut self.stem, w))).filter(|(_, _, s)| !s.is_empty()).collect();
        let [(i, word, stems)] = words.as_slice() else { return None };
        if self.extras.knows_word(word) || self.extras.in_synonyms(word) {
            return None;
        }
        let described = self.description_stems.as_ref()?;
        let mut slugs = described.iter().filter(|(_, d)| stems.iter().all(|s| d.contains(s))).map(|(slug, _)| slug.as_str());
        let common = slugs.next().map(|first| slugs.fold(first, common_category))?;
        (!common.is_empty()).then(|| (*i, common.to_string()))
    }

    /// The query's words, with other ways to say them: synonyms, corrections, everyday words, the
    /// category named by `described` ([`Self::described_category`]) and `compounds` written the
    /// shop's way.
    fn text_query_alone(
        &mut self,
        raw: &str,
        typed: &[(String, bool)],
        synonyms: &[(String, bool)],
        compounds: &[String],
        described: Option<&(usize, String)>,
    ) -> Option<Box<dyn Query>> {
        let typing = !raw.ends_with(char::is_whitespace);
        // The pieces of this query's compounds, besides those of a query it is a word of (see
        // `most_words`).
        let outer = self.pieces.len();
        let pieces = self.joined_pieces(raw);
        self.pieces.extend(pieces);
        let main = self.words_query(raw, typing);
        self.pieces.truncate(outer);
        let main = main?;
        // Other ways to say the same: synonyms (0.9), and compounds written otherwise with their
        // synonyms (0.8); all below the words as typed.
        let mut variants: Vec<(String, f32)> = synonyms.iter().map(|(v, corrected)| (v.clone(), if *corrected { CORRECTED } else { 0.9 })).collect();
        // A word too short for `words_query` to correct (four letters), corrected here to a kind of
        // thing among other words (`corrected_words`). `typed` follows the query's words in order.
        let originals = normalise(raw);
        let originals = originals.split(' ').filter(|w| !w.is_empty());
        // So is a word corrected to a name of two words ("powerbnk" → "power bank").
        if typed.iter().zip(originals).any(|((fixed, replaced), typed_as)| *replaced && (typed_as.chars().count() <= 4 || fixed.contains(' '))) {
            let corrected: Vec<&str> = typed.iter().map(|(w, _)| w.as_str()).collect();
            variants.push((corrected.join(" "), CORRECTED));
        }
        // A colour word: the shop's colours of that hue in its place ("blue" → navy, sky), below
        // the word itself, which the shop may use too ("grey" → charcoal).
        for (i, (word, _)) in typed.iter().enumerate() {
            for colour in self.extras.colour(word).unwrap_or_default() {
                if variants.len() < MAX_VARIANTS {
                    let v: Vec<&str> = typed.iter().enumerate().map(|(j, (w, _))| if j == i { colour.as_str() } else { w.as_str() }).collect();
                    variants.push((v.join(" "), COLOUR));
                }
            }
        }
        // A one-word query no product uses that names a category through its description: that
        // word as the category's name ("music" → Audio).
        let described = described.and_then(|(i, slug)| Some((*i, self.extras.category_name(slug)?.to_lowercase())));
        // A word the shop does not use, in everyday words for what it sells (WordNet), and the
        // words of its definition that rank what those find.
        let mut hints: Vec<String> = Vec::new();
        for (i, (word, _)) in typed.iter().enumerate() {
            if variants.len() >= MAX_VARIANTS {
                break;
            }
            // A word the shop uses has everyday words only as a wider kind than the shop's own
            // use of it ("bag": backpacks beside the sleeping bags the word finds itself); not
            // after a word of the shop, with which it names the shop's own thing ("sleeping bag").
            let after_a_shop_word = i > 0 && self.extras.knows_word(&typed[i - 1].0);
            let wider = self.extras.everyday(word).or_else(|| self.extras.everyday(&crate::everyday::singular(word)));
            if self.extras.knows_word(word) && (wider.is_none() || after_a_shop_word) {
                continue;
            }
            // As typed, in the singular, or by its stem ("jogging" → "jog").
            let stem = tokens(&mut self.stem, word).join("");
            let found = [word.clone(), crate::everyday::singular(word), stem].into_iter().find_map(|w| self.extras.everyday_with_hints(&w));
            let (mut targets, hinted) = found.map(|(t, h)| (t.to_vec(), h.to_vec())).unwrap_or_default();
            hints.extend(hinted);
            let described = described.as_ref().filter(|(at, _)| *at == i).map(|(_, name)| name);
            if targets.is_empty() && described.is_none() && self.extras.split_compound(word).is_none() {
                // A word no vocabulary knows: the activity an agent noun names ("runners" →
                // running, as shoes for it are called), or the kind of thing that ends a
                // compound whose first part the shop does not use ("hydroflask" → flask).
                targets.extend(self.activity_of(word));
                match self.compound_head(word) {
                    Some(kind) => targets.push(kind),
                    // Or an everyday word for what the shop sells ("sportswear": wear, clothing).
                    None => targets.extend(self.everyday_head(word)),
                }
            }
            // Alone, a shop word that is only ever part of its names ("bags", of sleeping bags)
            // asks for the wider kind first: the bags one carries.
            let weight = if self.extras.knows_word(word) && typed.len() == 1 && !self.word_by_word { WIDER_ALONE } else { EVERYDAY };
            for target in targets.iter().chain(described) {
                let v: Vec<&str> = typed.iter().enumerate().map(|(j, (w, _))| if j == i { target.as_str() } else { w.as_str() }).collect();
                if variants.len() < MAX_VARIANTS {
                    variants.push((v.join(" "), weight));
                }
            }
        }
        // An everyday name of several words ("boom box", "dutch oven"), as typed.
        let originals: Vec<String> = normalise(raw).split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect();
        for n in (2..=crate::everyday::MAX_NAME_WORDS.min(originals.len())).rev() {
            for at in 0..=originals.len() - n {
                if variants.len() >= MAX_VARIANTS {
                    break;
                }
                // Kept as one word ("dutchoven"), the last in the singular or as typed.
                let name = &originals[at..at + n];
                let singular = format!("{}{}", name[..n - 1].concat(), crate::everyday::singular(&name[n - 1]));
                if self.extras.in_synonyms(&name.concat()) {
                    // The merchant's word ("ear phones": earphones): its synonyms win.
                    continue;
                }
                let found = [name.concat(), singular].into_iter().find_map(|w| self.extras.everyday_with_hints(&w));
                let (mut targets, hinted) = found.map(|(t, h)| (t.to_vec(), h.to_vec())).unwrap_or_default();
                hints.extend(hinted);
                if targets.is_empty() {
                    // With a typo in a word no vocabulary knows ("ducth oven"), as many edits as
                    // that word alone may have.
                    let x = &self.extras;
                    let unknown = |w: &&String| !(x.knows_word(w) || x.everyday(w).is_some() || x.in_synonyms(w));
                    let edits = name.iter().filter(unknown).map(|w| typo_distance(w)).sum::<usize>().min(2);
                    if edits > 0 {
                        let key = (name.concat(), edits);
                        let near = match self.near_names.get(&key) {
                            Some(near) => near.clone(),
                            None => {
                                let near = x.closest_everyday(&key.0, edits).map(|(w, _)| w.to_string());
                                self.near_names.insert(key, near.clone());
                                near
                            }
                        };
                        if let Some((near, hinted)) = near.as_deref().and_then(|w| self.extras.everyday_with_hints(w)) {
                            targets = near.to_vec();
                            hints.extend(hinted.iter().cloned());
                        }
                    }
                }
                for target in targets {
                    let v = originals[..at].iter().map(String::as_str).chain([target.as_str()]).chain(originals[at + n..].iter().map(String::as_str));
                    let v = v.collect::<Vec<_>>().join(" ");
                    if variants.len() < MAX_VARIANTS && !variants.iter().any(|(w, _)| *w == v) {
                        variants.push((v, EVERYDAY));
                    }
                }
            }
        }
        let typed_words = originals.len();
        for compound in compounds.iter().cloned() {
            // A joined word stands for two typed words, so it scores as two ("sauce pan": the
            // saucepan above a sauté pan whose description mentions sauce).
            let weight = if compound.split(' ').count() < typed_words { 2.0 * COMPOUND } else { COMPOUND };
            let corrected = self.corrected_words(&compound);
            let synonyms = self.synonym_variants(&corrected).into_iter().map(|(v, _)| v);
            for v in std::iter::once(compound).chain(synonyms) {
                if variants.len() < MAX_VARIANTS && !variants.iter().any(|(w, _)| *w == v) {
                    variants.push((v, weight));
                }
            }
        }
        if variants.is_empty() {
            return Some(main);
        }
        let mut any: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, main)];
        for (v, weight) in variants {
            if let Some(q) = self.words_query(&v, typing) {
                any.push((Occur::Should, boost_box(q, weight)));
            }
        }
        let any: Box<dyn Query> = Box::new(BooleanQuery::new(any));
        Some(match self.hints_query(&hints) {
            Some(hinted) => Box::new(BooleanQuery::new(vec![(Occur::Must, any), (Occur::Should, hinted)])),
            None => any,
        })
    }

    /// The words of everyday words' definitions, in titles and attributes: they add to the score
    /// of what the query finds, never find anything themselves.
    fn hints_query(&mut self, hints: &[String]) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for hint in hints {
            for stem in tokens(&mut self.stem, hint) {
                for (field, weight) in [(f.title, 4.0), (f.attributes, 1.5)] {
                    any.push((
                        Occur::Should,
                        boost(TermQuery::new(Term::from_field_text(field, &stem), IndexRecordOption::WithFreqs), weight * HINT),
                    ));
                }
            }
        }
        (!any.is_empty()).then(|| Box::new(BooleanQuery::new(any)) as Box<dyn Query>)
    }

    /// The query with a compound written the shop's way: two neighbouring words joined into a
    /// word the shop uses, in the singular or plural ("head phones" → "headphones", "head phone"
    /// → "headphone" for a shop that writes "headphones"), or an everyday word it knows ("ear
    /// phones" → "earphones"); or an unknown word split into two it uses ("sleepingbag" →
    /// "sleeping bag").
    fn compound_variants(&self, raw: &str) -> Vec<String> {
        let typed: Vec<String> = normalise(raw).split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect();
        let mut out: Vec<String> = Vec::new();
        for i in 0..typed.len().saturating_sub(1) {
            let mut joined = format!("{}{}", typed[i], typed[i + 1]);
            // Or joined once two swapped letters are put back ("mirco sd": microsd).
            if !self.knows_compound(&joined) {
                if let Some(fixed) = self.swapped_before(&typed[i], &typed[i + 1]) {
                    joined = format!("{fixed}{}", typed[i + 1]);
                }
            }
            if self.knows_compound(&joined) {
                let mut v = typed.clone();
                v.splice(i..=i + 1, [joined]);
                out.push(v.join(" "));
            }
        }
        for (i, word) in typed.iter().enumerate() {
            if let Some((a, b)) = self.extras.split_compound(word) {
                let mut v = typed.clone();
                v[i] = format!("{a} {b}");
                out.push(v.join(" "));
            } else if let Some(first) = self.generic_compound(word) {
                // A word of the shop joined to one for things in general ("homewares",
                // "campinggear"): the shop's word alone, as when typed apart.
                let mut v = typed.clone();
                v[i] = first.to_string();
                out.push(v.join(" "));
            }
        }
        out.truncate(MAX_VARIANTS);
        out
    }

    /// The first part of an unknown word that is a word of the shop (three letters or more)
    /// joined to a word for things in general ([`GENERIC_HEADS`]): "home" of "homewares".
    fn generic_compound<'w>(&self, word: &'w str) -> Option<&'w str> {
        if self.extras.knows_word(word) {
            return None;
        }
        GENERIC_HEADS
            .iter()
            .filter_map(|g| word.strip_suffix(g))
            .find(|first| first.chars().count() >= 3 && (self.extras.knows_word(first) || self.extras.knows_word(&crate::everyday::singular(first))))
    }

    /// The shop's word for the activity of an agent noun it does not use: "runners" → running,
    /// "hikers" → hiking, "walkers" → walking (a word of the vocabulary with the verb's stem).
    fn activity_of(&mut self, word: &str) -> Option<String> {
        let base = word.strip_suffix("ers").or_else(|| word.strip_suffix("er")).filter(|b| b.len() >= 3 && b.is_ascii())?;
        // "runn" → "run": the verb's last consonant doubled; "hik" → "hike": its silent e.
        let b = base.as_bytes();
        let undoubled = (b[b.len() - 1] == b[b.len() - 2] && !b"aeiou".contains(&b[b.len() - 1])).then(|| &base[..base.len() - 1]);
        for verb in [Some(base.to_string()), undoubled.map(str::to_string), Some(format!("{base}e"))].into_iter().flatten() {
            let stem = tokens(&mut self.stem, &verb).join("");
            // Its first three letters: the stem may end past where the "-ing" form parts from the
            // verb ("hike", "hiking").
            let Some(prefix) = verb.get(..3) else { continue };
            let candidates: Vec<String> = self.extras.completions(prefix, 200).into_iter().map(str::to_string).collect();
            if let Some(found) = candidates.into_iter().find(|w| *w != word && tokens(&mut self.stem, w).join("") == stem) {
                return Some(found);
            }
        }
        None
    }

    /// The kind of thing that ends an unknown word, after a first part of at least three letters
    /// ("thumbdrive" → drive, "hydroflask" → flask): English compounds name their kind last.
    fn compound_head(&mut self, word: &str) -> Option<String> {
        let kinds = self.kind_singulars.get_or_insert_with(|| {
            let mut by_singular = HashMap::new();
            for kind in &self.extras.kinds {
                by_singular.entry(crate::everyday::singular(kind)).or_insert_with(|| kind.clone());
            }
            by_singular
        });
        let starts: Vec<usize> = word.char_indices().map(|(i, _)| i).skip(3).collect();
        starts
            .into_iter()
            .map(|i| &word[i..])
            .filter(|head| head.chars().count() >= 3)
            .find_map(|head| kinds.get(&crate::everyday::singular(head)).cloned())
    }

    /// The shop's words for an everyday word of four letters or more that ends an unknown word
    /// after a first part of three or more ("menswear", "sportswear": wear → apparel); the
    /// longest such ending.
    fn everyday_head(&self, word: &str) -> Vec<String> {
        let starts: Vec<usize> = word.char_indices().map(|(i, _)| i).skip(3).collect();
        starts
            .into_iter()
            .map(|i| &word[i..])
            .filter(|head| head.chars().count() >= 4)
            .find_map(|head| self.extras.everyday(head).map(<[String]>::to_vec))
            .unwrap_or_default()
    }

    /// Neighbouring typed words that together make a word of the shop (see `compound_variants`).
    fn joined_pieces(&self, raw: &str) -> Vec<String> {
        let typed: Vec<&str> = raw.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let typed: Vec<String> = typed.iter().map(|w| w.to_lowercase()).collect();
        typed.windows(2).filter(|pair| self.knows_compound(&pair.concat())).flat_map(|pair| pair.to_vec()).collect()
    }

    /// Whether two words typed as one make a word of the shop (or its singular or plural) or an
    /// everyday word it maps to its own.
    fn knows_compound(&self, joined: &str) -> bool {
        let one = crate::everyday::singular(joined);
        let forms = [joined.to_string(), format!("{joined}s"), one.clone()];
        forms.iter().any(|w| self.extras.knows_word(w)) || self.extras.everyday(joined).is_some() || self.extras.everyday(&one).is_some()
    }

    /// When not every word can match: the words to keep. Words that match no product's title,
    /// brand, category or attributes go first (a description mentioning "dog" does not make a
    /// dog product), then the least informative (the most common), up to all but one of those that
    /// match. What is kept must name a kind of thing the shop sells ("camping stove" does not
    /// become camping tents). Returns a query that ranks products by how many words they match,
    /// then by relevance, and the words left out; `None` when no such choice finds more than
    /// `found_all` (what every word found, by `whole`: the query of every word), or the query is
    /// one word.
    fn most_words(
        &mut self,
        raw: &str,
        whole: Option<&dyn Query>,
        filters: &Filters,
        found_all: usize,
        page: usize,
    ) -> Result<Option<Fallback>, SearchError> {
        let typed: Vec<String> = normalise(raw).split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect();
        // Each word is searched alone below, but a piece of a compound of the whole query is
        // still not a typo ("sauce" of "sauce pan" is not "saute").
        self.pieces = self.joined_pieces(raw);
        self.word_by_word = true;
        let found = self.most_words_of(raw, whole, typed, filters, found_all, page);
        self.word_by_word = false;
        self.pieces.clear();
        found
    }

    fn most_words_of(
        &mut self,
        raw: &str,
        whole: Option<&dyn Query>,
        typed: Vec<String>,
        filters: &Filters,
        found_all: usize,
        page: usize,
    ) -> Result<Option<Fallback>, SearchError> {
        // Stop words match nothing on their own: they are never the reason for no results.
        let mut words: Vec<WordQueries> = Vec::new();
        // A short word corrected only among the others ("ceiling ligt": light) is searched as
        // corrected; alone it would not be.
        let corrected = self.corrected_words(raw);
        // Two words the shop writes as one ("micro sd": microSD) are kept or left out together.
        let mut units: Vec<(String, (String, bool))> = Vec::new();
        let mut pairs = typed.into_iter().zip(corrected).peekable();
        while let Some((w, fixed)) = pairs.next() {
            // The word as corrected may be the one that makes the compound ("mirco sd").
            let first = if fixed.1 { &fixed.0 } else { &w };
            match pairs.peek() {
                Some((next, _)) if self.knows_compound(&format!("{first}{next}")) => {
                    let (next, _) = pairs.next().expect("peeked");
                    let both = format!("{first} {next}");
                    units.push((both.clone(), (both, false)));
                }
                _ => units.push((w, fixed)),
            }
        }
        let mut searched_as: Vec<String> = Vec::new();
        // A word typed twice is one word to keep or leave out (and is searched once).
        let mut seen = HashSet::new();
        units.retain(|(w, _)| seen.insert(w.clone()));
        // Whether each word comes before the first word that starts a phrase or clause of its
        // own ("tent" in "tent I can carry on a hike", "lamp" in "lamp for reading in bed").
        let mut before_break: Vec<bool> = Vec::new();
        let mut broken = false;
        for (w, (fixed, replaced)) in units {
            broken |= PHRASE_BREAKS.contains(&w.as_str());
            if tokens(&mut self.stem, &w).is_empty() {
                continue;
            }
            let searched = if replaced && w.chars().count() <= 4 { format!("{fixed} ") } else { format!("{w} ") };
            let Some(any_field) = self.text_query(&searched) else { continue };
            if let Some(strong) = self.strong_query(&searched) {
                searched_as.push(searched.trim_end().to_string());
                words.push((w, any_field, strong));
                before_break.push(!broken);
            }
        }
        if words.len() < 2 {
            return Ok(None);
        }
        // What the whole query found (all of it comes first, as before the fallback).
        let whole = whole.filter(|_| found_all > 0).map(|q| q.box_clone());
        // The products each word matches by what they are, and those the whole query does:
        // every choice of words to keep is then counted without searching again. Each set
        // twice: within the filters (to choose what to keep) and without them (to rank with: the
        // facets count a filtered kind without its own filter, so the ranking query must not
        // hold the filters itself).
        let collector = DocBitsCollector::new(&self.searcher);
        let in_filters = if filters.is_empty() { None } else { Some(self.searcher.search(&*self.combine(None, filters, None), &collector)?) };
        let within = |all: &DocBits| in_filters.as_ref().map_or_else(|| all.clone(), |f| all.and(f));
        // The products each query finds (within the filters, and without), the queries that find
        // none, and those that find some with how many.
        let searcher = self.searcher.clone();
        let found_by = |queries: &mut dyn Iterator<Item = &Box<dyn Query>>| -> Result<FoundBy, SearchError> {
            let mut sets = FoundBy::default();
            for (i, q) in queries.enumerate() {
                let all = searcher.search(&**q, &collector)?;
                let found = within(&all);
                match found.len() {
                    0 => sets.unmatched.push(i),
                    n => sets.matched.push((i, n)),
                }
                sets.docs.push(found);
                sets.unfiltered.push(all);
            }
            Ok(sets)
        };
        let FoundBy { mut matched, mut unmatched, mut docs, mut unfiltered } = found_by(&mut words.iter().map(|(_, _, strong)| strong))?;
        let whole_all = match &whole {
            Some(whole) => self.searcher.search(&**whole, &collector)?,
            None => DocBits::none(0),
        };
        // The most common go first.
        matched.sort_by_key(|&(i, found)| (std::cmp::Reverse(found), i));
        let mut matched: Vec<usize> = matched.into_iter().map(|(i, _)| i).collect();
        let mut kinds: Vec<bool> = searched_as.iter().map(|w| self.names_a_kind(w)).collect();
        // A last word for things in general that is no kind of the shop's ("camping gear",
        // "hiking equipment") leaves the word before it to name the kind, and is left out
        // like a word that matches nothing (what it matches, through everyday words, is noise).
        if let [.., before, last] = searched_as.as_slice() {
            let n = kinds.len();
            if !kinds[n - 1] && !before.contains(' ') && self.is_generic(last) {
                kinds[n - 2] = true;
                if matched.contains(&(n - 1)) {
                    matched.retain(|i| *i != n - 1);
                    unmatched.push(n - 1);
                }
            }
        }
        // Words the shop does not know that are no words of the language (names of brands and
        // models, slips of the keys) leave the thing asked for to the rest, which may name it by
        // the first word of one of the shop's two-word names or by an everyday word ("le creuset
        // casserole": casserole dishes; "stanley thermos"); a word of the language that the
        // shop does not know does not ("yoga mat" is no mat of the shop's), unless it only says
        // whom the thing is for ("mens clothing").
        let a_name_or_whom = |w: &str| !self.extras.common_words.is_word(w) || WHOM.contains(&w);
        if !unmatched.is_empty() && unmatched.iter().all(|i| a_name_or_whom(&words[*i].0)) {
            for i in &matched {
                kinds[*i] = kinds[*i] || self.names_a_kind_loosely(&searched_as[*i]);
            }
        }
        // Two words the shop writes as one that start one of its names ("micro sd" of "microSD
        // card") name that kind.
        for i in &matched {
            kinds[*i] = kinds[*i] || (searched_as[*i].contains(' ') && self.names_a_kind_loosely(&searched_as[*i]));
        }
        // The last word before a phrase or clause of its own starts names the thing asked for
        // when it loosely names a kind and every word before the phrase is one the shop matches
        // ("warm coat for standing at the side of a pitch": coat, an everyday word for jackets;
        // not "yoga mat for pilates", where "yoga" says which mat).
        if broken && !unmatched.iter().any(|i| before_break[*i]) {
            let head = (0..words.len()).filter(|i| before_break[*i]).max().filter(|i| matched.contains(i));
            if let Some(h) = head.filter(|h| self.names_a_kind_loosely(&searched_as[*h])) {
                kinds[h] = true;
            }
        }
        // A query naming no kind of thing the shop sells ("charge my phone camping with no
        // electricity") may leave words out only while two thirds of its words and at least three
        // are kept together: what is left still says much of what is asked, where a word or two
        // would be a stand-in ("garden hose" is no garden speaker, "waterproof wireless
        // keyboard" no speaker).
        let no_kind = !matched.iter().any(|i| kinds[*i]);
        let enough_without_a_kind = |kept: &[usize]| kept.len() >= 3 && kept.len() * 2 >= words.len();
        if no_kind {
            // Such a query says what a thing does, which descriptions say: its words are matched
            // in every field ("keep my coffee hot on the train": the mugs whose description
            // keeps coffee hot).
            let mut counted;
            FoundBy { matched: counted, unmatched, docs, unfiltered } = found_by(&mut words.iter().map(|(_, any_field, _)| any_field))?;
            counted.sort_by_key(|&(i, found)| (std::cmp::Reverse(found), i));
            matched = counted.into_iter().map(|(i, _)| i).collect();
            if !enough_without_a_kind(&matched) {
                return Ok(None);
            }
        }
        // Products that match every word, each in one of its ways, match the whole query too: a
        // "rolltop bag" is a roll-top backpack (one word split, the other an everyday word),
        // which the whole query, one way of saying it at a time, does not find.
        let every_word = if unmatched.is_empty() { matching_all(&unfiltered, &matched) } else { DocBits::none(0) };
        let whole_all = whole_all.or(&every_word);
        let whole_docs = within(&whole_all);
        let (found_by_whole, found_all) = (found_all, whole_docs.len());
        // Bare numbers are the first to go ("size 10 running shoes": the 10 of a watch's "10 ATM"
        // is no reason to show the watch) and the head of the phrase (its last word naming a kind)
        // the last; the most common first otherwise, as sorted above.
        // The head is the last kind named before a phrase or clause of its own starts, if one
        // is ("a lamp for reading in bed": lamp), else the last kind named; one named before such
        // a phrase is never left out ("tent" of "tent I can carry on a hike", not the hike).
        let kind_before_break = matched.iter().copied().filter(|i| kinds[*i] && before_break[*i]).max();
        let head_kept = kind_before_break.filter(|_| broken);
        let head = kind_before_break.or_else(|| matched.iter().copied().filter(|i| kinds[*i]).max());
        // The word before the head when the two are one of the shop's names ("sleeping bag"):
        // left out only after every other word.
        let with_head: Vec<usize> =
            head.and_then(|h| h.checked_sub(1).filter(|b| matched.contains(b) && self.is_kind_name(&words[*b].0, &words[h].0))).into_iter().collect();
        let is_number = |w: &str| w.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',') && w.chars().any(|c| c.is_ascii_digit());
        matched.sort_by_key(|i| {
            if Some(*i) == head {
                3
            } else if with_head.contains(i) {
                2
            } else if is_number(&searched_as[*i]) {
                0
            } else {
                1
            }
        });
        // Word by word, the words are kept in the opposite turn: numbers last.
        let mut keep_order = matched.clone();
        keep_order.sort_by_key(|i| is_number(&searched_as[*i]));
        let mut candidates: Vec<Vec<usize>> = drop_candidates(&matched, matched.len() - 1, MAX_DROP_TRIES);
        // Every choice that keeps the head's name whole before any that breaks it.
        candidates.sort_by_key(|c| c.iter().any(|i| with_head.contains(i)));
        let (mut tried, mut word_by_word) = (0, false);
        // Choices of words to keep, tried in order, each adding what it finds until a page is
        // full: as Meilisearch's "last" strategy, products matching fewer words fill the page
        // below those matching more ("sd card for my camera": the cards that say camera, then
        // the other SD cards; "vireo audio speakers": the audio speakers, then other audio).
        let mut tiers: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
        let mut found = whole_docs.clone();
        let mut found_len = found_all;
        loop {
            if tried == candidates.len() {
                // None of those found more: one last choice, made word by word.
                if word_by_word || !tiers.is_empty() {
                    break;
                }
                word_by_word = true;
                candidates.push(kept_from_the_head(&docs, &keep_order, head, &with_head));
            }
            let more = candidates[tried].clone();
            tried += 1;
            let dropped: Vec<usize> = unmatched.iter().copied().chain(more.iter().copied()).collect();
            let kept: Vec<usize> = matched.iter().copied().filter(|i| !more.contains(i)).collect();
            let names_enough = if no_kind { enough_without_a_kind(&kept) } else { kept.iter().any(|i| kinds[*i]) };
            if dropped.is_empty() || !names_enough || head_kept.is_some_and(|h| !kept.contains(&h)) {
                continue;
            }
            let all_kept = matching_all(&docs, &kept);
            let with = found.or(&all_kept);
            let with_len = with.len();
            if with_len <= found_len {
                continue;
            }
            (found, found_len) = (with, with_len);
            tiers.push((kept, dropped));
            if found_len >= page {
                break;
            }
        }
        let first_dropped = match tiers.first() {
            Some((_, dropped)) => dropped.clone(),
            // Every word matched, only not all in the same way of saying them.
            None if found_all > found_by_whole => Vec::new(),
            None => return Ok(None),
        };
        // A product must match every kept word of one of the choices, and ranks by how many
        // words it matches (each adds a constant far above any relevance score), then by the
        // first choice it is in ("tapered rectangle sleeping bags": a rectangle sleeping quilt
        // before the other sleeping bags), then by relevance. What the words found is matched
        // again from the sets found above; only relevance looks words up again.
        let step = WORD_MATCHED / 2.0 / tiers.len() as Score;
        let tiers_len = tiers.len();
        let of_a_tier: Vec<Box<dyn Query>> = tiers
            .into_iter()
            .enumerate()
            .map(|(k, (kept, _))| Box::new(collector.query(matching_all(&unfiltered, &kept), step * (tiers_len - k) as Score)) as Box<dyn Query>)
            .collect();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(DisjunctionMaxQuery::new(of_a_tier)) as Box<dyn Query>)];
        clauses.extend(matched.iter().map(|i| {
            let any_field = &words[*i].1;
            let counted: Box<dyn Query> = Box::new(collector.query(unfiltered[*i].clone(), WORD_MATCHED));
            let word: Box<dyn Query> = Box::new(BooleanQuery::new(vec![(Occur::Must, counted), (Occur::Should, any_field.box_clone())]));
            (Occur::Should, word)
        }));
        // Products that match the whole query (through a synonym, a compound or an everyday
        // word too, which the words one by one may not) come first, as if every word matched.
        let partial: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));
        let query: Box<dyn Query> = if whole_all.is_empty() {
            partial
        } else {
            let all_matched: Box<dyn Query> = Box::new(collector.query(whole_all, WORD_MATCHED * words.len() as Score));
            let mut all = vec![(Occur::Must, all_matched)];
            all.extend(whole.map(|whole| (Occur::Should, whole)));
            let whole: Box<dyn Query> = Box::new(BooleanQuery::new(all));
            Box::new(BooleanQuery::new(vec![(Occur::Should, whole), (Occur::Should, partial)]))
        };
        // What the best of them leaves out is what the page says.
        let mut ignored = first_dropped;
        ignored.sort_unstable();
        Ok(Some((query, ignored.into_iter().map(|i| words[i].0.clone()).collect(), found_all)))
    }

    /// Whether two words are one of the shop's two-word names of kinds ("sleeping bags").
    fn is_kind_name(&self, first: &str, second: &str) -> bool {
        let second = crate::everyday::singular(second);
        self.extras.kind_names.iter().any(|(n, _)| n.split_once(' ').is_some_and(|(a, b)| a == first && crate::everyday::singular(b) == second))
    }

    /// Whether a word is the first of one of the shop's two-word names of kinds ("casserole" of
    /// casserole dish, "sleeping" of sleeping bag) or an everyday word for its kinds.
    fn names_a_kind_loosely(&self, word: &str) -> bool {
        let joined: String = word.split(' ').collect();
        let one = crate::everyday::singular(&joined);
        let first_of_a_name = self.extras.kind_names.iter().any(|(name, _)| name.split(' ').next().is_some_and(|f| f == joined || f == one));
        first_of_a_name || self.extras.everyday(&joined).is_some() || self.extras.everyday(&one).is_some()
    }

    /// Whether a word is one for things in general (`gear`, `supplies`).
    fn is_generic(&mut self, word: &str) -> bool {
        let stems = tokens(&mut self.stem, word);
        !stems.is_empty() && GENERIC_HEADS.iter().any(|g| tokens(&mut self.stem, g) == stems)
    }

    /// Whether a typed word names a kind of thing the shop sells: itself, its correction, the
    /// second part of it split as a compound, or a word of its synonyms. Not an everyday word:
    /// WordNet's many senses are good enough to widen a search, not to decide that "yoga mat"
    /// without "yoga" is still a thing the shop sells.
    fn names_a_kind(&mut self, word: &str) -> bool {
        if self.kind_stems.is_none() {
            let kinds = self.extras.kinds.clone();
            self.kind_stems = Some(kinds.iter().flat_map(|k| tokens(&mut self.stem, k)).collect());
        }
        let corrected = self.corrected_words(word);
        let mut candidates: Vec<String> = vec![word.to_string()];
        candidates.extend(corrected.iter().map(|(w, _)| w.clone()));
        candidates.extend(self.extras.split_compound(word).map(|(_, b)| b.to_string()));
        candidates.extend(self.synonym_variants(&corrected).into_iter().flat_map(|(v, _)| v.split(' ').next_back().map(str::to_string)));
        let stems: Vec<String> = candidates.iter().flat_map(|c| tokens(&mut self.stem, c)).collect();
        let kinds = self.kind_stems.as_ref().expect("made above");
        stems.iter().any(|s| kinds.contains(s))
    }

    /// The query with each synonym swapped in; members are compared by stems, so "backpacks"
    /// matches the group member "backpack".
    /// Each variant says whether it rests on a corrected word (it then ranks like a correction).
    fn synonym_variants(&mut self, typed: &[(String, bool)]) -> Vec<(String, bool)> {
        if self.extras.synonyms.is_empty() {
            return Vec::new();
        }
        // A misspelt word gets the synonyms of the word it is corrected to (same rule as search).
        let (typed, corrected): (Vec<String>, Vec<bool>) = typed.iter().cloned().unzip();
        let typed_stems: Vec<String> = typed.iter().map(|w| tokens(&mut self.stem, w).join("")).collect();
        let mut variants: Vec<(String, bool)> = Vec::new();
        let (stem, groups) = (&mut self.stem, &self.extras.synonyms);
        let stems = self.synonym_stems.get_or_insert_with(|| {
            groups.iter().map(|g| g.iter().map(|m| m.split(' ').map(|w| tokens(stem, w).join("")).collect()).collect()).collect()
        });
        for (group, group_stems) in groups.iter().zip(stems.iter()) {
            for (member, member_stems) in group.iter().zip(group_stems) {
                let n = member_stems.len();
                if n == 0 || n > typed_stems.len() {
                    continue;
                }
                let Some(at) = (0..=typed_stems.len() - n).find(|&i| typed_stems[i..i + n] == member_stems[..]) else { continue };
                for other in group.iter().filter(|o| *o != member) {
                    let mut v: Vec<String> = typed[..at].to_vec();
                    v.push(other.clone());
                    v.extend_from_slice(&typed[at + n..]);
                    let v = v.join(" ");
                    if variants.len() < 4 && !variants.iter().any(|(w, _)| *w == v) {
                        variants.push((v, corrected[at..at + n].iter().any(|c| *c)));
                    }
                }
            }
        }
        variants
    }

    /// `stem` in every searchable field but the SKU, at `factor` of each field's weight; in the
    /// descriptions (the product's and its category's) only when `described`.
    fn push_field_terms(&self, alternatives: &mut Vec<(Occur, Box<dyn Query>)>, stem: &str, factor: f32, described: bool) {
        let f = self.fields;
        for (field, weight) in f.weighted() {
            if field == f.sku || (!described && (field == f.description || field == f.kind)) {
                continue;
            }
            let term = Term::from_field_text(field, stem);
            alternatives.push((Occur::Should, boost(TermQuery::new(term, IndexRecordOption::WithFreqs), weight * factor)));
        }
    }

    /// Every typed word must match some field (exactly, stemmed, with a typo, or as the prefix of
    /// the word being typed); an exact SKU match is enough on its own. Whole-phrase title matches
    /// rank first, exact words above corrected ones.
    fn words_query(&mut self, raw: &str, typing_last_word: bool) -> Option<Box<dyn Query>> {
        let words: Vec<String> = tokens(&mut self.words, raw);
        if words.is_empty() {
            return None;
        }
        let f = self.fields;
        let mut required: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut title_stems: Vec<Term> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            let stems = tokens(&mut self.stem, word);
            let described = !self.strong_fields_only;
            for stem in &stems {
                title_stems.push(Term::from_field_text(f.title, stem));
                self.push_field_terms(&mut alternatives, stem, 1.0, described);
            }
            // What can be done with a thing, said as a verb the shop writes as what the thing is
            // ("a lamp I can dim": dimmable; "packs away": packable), a little below the word.
            for able in self.extras.able_forms(word) {
                for stem in tokens(&mut self.stem, &able) {
                    self.push_field_terms(&mut alternatives, &stem, DERIVED, described);
                }
            }
            // Meilisearch's rule: one typo from 5 letters, two from 9. Corrections come from the
            // shop's own vocabulary of whole words (so "strage" reaches "storage" even though the
            // index holds the stem "storag"), and score below exact matches.
            let chars = word.chars().count();
            let distance = typo_distance(word);
            // Nor is the plural of a known word ("tumblers" is not "tumble dry").
            let plural_of_known = || self.extras.knows_word(&crate::everyday::singular(word));
            if distance > 0
                && !self.extras.knows_word(word)
                && !self.pieces.contains(word)
                && !plural_of_known()
                && self.extras.colour(word).is_none()
            {
                let key = (word.clone(), distance);
                let fixes = match self.corrections.get(&key) {
                    Some(fixes) => fixes.clone(),
                    None => {
                        let fixes: Vec<String> = self.extras.corrections(word, distance, 3).into_iter().map(str::to_string).collect();
                        self.corrections.insert(key, fixes.clone());
                        fixes
                    }
                };
                for fix in fixes {
                    for stem in tokens(&mut self.stem, &fix) {
                        self.push_field_terms(&mut alternatives, &stem, CORRECTED, false);
                    }
                }
            }
            if i + 1 == words.len() && typing_last_word && chars >= 2 {
                for field in [f.title, f.brand, f.category, f.attributes] {
                    alternatives.push((Occur::Should, boost(PrefixQuery::new(field, word), 0.5)));
                    if let Some(planned) = self.prefixes.as_mut() {
                        planned.push((field, word.clone()));
                    }
                }
            }
            if stems.is_empty() && !(i + 1 == words.len() && typing_last_word) {
                // A stop word on its own ("the"): it neither helps nor hurts.
                continue;
            }
            // A stop word being typed ("slip on") may be the start of a longer word: it helps
            // when it is, and is not required.
            let occur = if stems.is_empty() && i > 0 { Occur::Should } else { Occur::Must };
            required.push((occur, Box::new(BooleanQuery::new(alternatives))));
        }
        let sku = Term::from_field_text(f.sku, &raw.trim().to_lowercase());
        let sku_query = boost(TermQuery::new(sku, IndexRecordOption::Basic), 10.0);
        if required.is_empty() {
            return Some(sku_query);
        }
        let all_words: Box<dyn Query> = Box::new(BooleanQuery::new(required));
        let words_match: Box<dyn Query> = if title_stems.len() >= 2 {
            Box::new(BooleanQuery::new(vec![(Occur::Must, all_words), (Occur::Should, boost(PhraseQuery::new(title_stems), 2.0))]))
        } else {
            all_words
        };
        Some(Box::new(BooleanQuery::new(vec![(Occur::Should, words_match), (Occur::Should, sku_query)])))
    }
}

/// The deepest category above or at both slugs ("home/kitchen", "home/lighting" → "home"); empty
/// when they share none.
fn common_category<'s>(a: &'s str, b: &str) -> &'s str {
    let mut end = 0;
    for (i, (x, y)) in a.split('/').zip(b.split('/')).enumerate() {
        if x != y {
            break;
        }
        end = if i == 0 { x.len() } else { end + 1 + x.len() };
    }
    &a[..end]
}

/// Products matching every word at `kept` (`docs`: each word's products).
fn matching_all(docs: &[DocBits], kept: &[usize]) -> DocBits {
    let Some((first, rest)) = kept.split_first() else { return DocBits::none(0) };
    rest.iter().fold(docs[*first].clone(), |all, k| all.and(&docs[*k]))
}

/// Words to leave out, chosen word by word: from the last word that names a kind of thing (the
/// head of an English noun phrase: "shoes" in "top rated trail running shoes"), every other word
/// is kept that still finds products with those kept so far, the most common first; the words
/// `with_it` (of the head's name) are kept with it. Returns the positions in `matched` order to
/// leave out.
fn kept_from_the_head(docs: &[DocBits], matched: &[usize], head: Option<usize>, with_it: &[usize]) -> Vec<usize> {
    let Some(head) = head else { return matched.to_vec() };
    let mut kept = vec![head];
    kept.extend(with_it.iter().filter(|i| **i != head));
    let rest: Vec<usize> = matched.iter().copied().filter(|i| !kept.contains(i)).collect();
    for i in rest {
        let with = [kept.as_slice(), &[i]].concat();
        if !matching_all(docs, &with).is_empty() {
            kept.push(i);
        }
    }
    matched.iter().copied().filter(|i| !kept.contains(i)).collect()
}

/// Sets of word positions to leave out, fewest (none) first; within a size, in `order` (the first
/// positions are the first to go); the first `limit` of them (a query of 32 words has 4 billion).
fn drop_candidates(order: &[usize], max: usize, limit: usize) -> Vec<Vec<usize>> {
    fn combos(order: &[usize], k: usize, start: usize, current: &mut Vec<usize>, out: &mut Vec<Vec<usize>>, limit: usize) {
        if current.len() == k {
            out.push(current.clone());
            return;
        }
        for i in start..order.len() {
            if out.len() == limit {
                return;
            }
            current.push(order[i]);
            combos(order, k, i + 1, current, out, limit);
            current.pop();
        }
    }
    let mut out = Vec::new();
    for k in 0..=max {
        if out.len() == limit {
            break;
        }
        combos(order, k, 0, &mut Vec::new(), &mut out, limit);
    }
    out
}

/// A typed word with its query over every field and over what a product is (no description).
type WordQueries = (String, Box<dyn Query>, Box<dyn Query>);

/// A fallback query and the words it leaves out.
/// The fallback's query, the words it leaves out, and how many products match every word.
type Fallback = (Box<dyn Query>, Vec<String>, usize);

/// Words of a query that autocomplete still completes, at most.
const MAX_COMPLETED_WORDS: usize = 8;
/// What [`ProductIndex::typed_filters`] found: the words left, the filters with those typed,
/// and the price and sale words (as typed, and the query without them).
struct TypedFilters {
    words: String,
    filters: Filters,
    price: Option<PricePhrase>,
    sale: Option<(String, String)>,
    /// The words of a gift search, as typed.
    gift: Option<String>,
    /// Words asking for the newest products, as typed, and the query without them.
    newest: Option<(String, String)>,
}

/// Products shown after a thin result ([`Related`]), at most.
const MAX_RELATED: usize = 8;

/// Words that start a phrase or a clause of its own after the thing asked for: what it is for,
/// where, when, and what the shopper says of it ("a tent I can carry on a hike").
const PHRASE_BREAKS: [&str; 18] =
    ["for", "to", "that", "which", "who", "i", "when", "while", "so", "on", "in", "at", "with", "from", "without", "because", "where", "if"];

/// Words for things in general, which name a kind only with the word before them: WordNet's
/// equipment (noun 1), its gear, paraphernalia and kit (equipment for a purpose), supplies
/// (noun 2), and the everyday stuff, things, items, goods, products and essentials.
const GENERIC_HEADS: [&str; 14] = [
    "equipment",
    "gear",
    "paraphernalia",
    "kit",
    "supplies",
    "stuff",
    "things",
    "items",
    "goods",
    "products",
    "essentials",
    "accessories",
    "ware",
    "wares",
];

/// Words of a request or a question, which name no product and describe none ("something warm",
/// "what do I need for camping", "can you recommend a tent"); prepositions of place and time, which
/// say where or when a thing is used, not what it is ("a top to wear under a ski jacket": a
/// description saying "fits under a seat" does not make a backpack that top); and words that only
/// make another stronger ("really warm").
const FILLERS: [&str; 76] = [
    "something",
    "anything",
    "everything",
    "what",
    "which",
    "where",
    "when",
    "who",
    "how",
    "why",
    "need",
    "needs",
    "want",
    "wants",
    "looking",
    "look",
    "buy",
    "buying",
    "get",
    "getting",
    "some",
    "any",
    "i",
    "im",
    "me",
    "my",
    "you",
    "your",
    "we",
    "us",
    "our",
    "do",
    "does",
    "did",
    "can",
    "could",
    "should",
    "would",
    "shall",
    "may",
    "might",
    "must",
    "recommend",
    "recommendation",
    "suggest",
    "suggestions",
    "please",
    "thanks",
    "ideas",
    "help",
    "find",
    "have",
    "under",
    "underneath",
    "beneath",
    "above",
    "below",
    "during",
    "before",
    "after",
    "around",
    "near",
    "between",
    "across",
    "through",
    "throughout",
    "onto",
    "upon",
    "within",
    "against",
    "along",
    "among",
    "towards",
    "toward",
    "very",
    "really",
];

fn is_filler(word: &str) -> bool {
    FILLERS.contains(&word)
}

/// What each word of a query finds, for the fallback ([`ProductIndex::most_words`]).
#[derive(Default)]
struct FoundBy {
    /// The words that find products, with how many.
    matched: Vec<(usize, usize)>,
    /// The words that find none.
    unmatched: Vec<usize>,
    /// What each word finds within the filters.
    docs: Vec<DocBits>,
    /// And without them.
    unfiltered: Vec<DocBits>,
}

/// Words that say whom a thing is for, which a shop that does not use them leaves out like a
/// name ("mens clothing", "ladies raincoat").
const WHOM: [&str; 24] = [
    "men",
    "mens",
    "man",
    "mans",
    "gents",
    "women",
    "womens",
    "woman",
    "womans",
    "ladies",
    "lady",
    "ladys",
    "unisex",
    "boys",
    "boy",
    "girls",
    "girl",
    "kids",
    "kid",
    "childrens",
    "teen",
    "teens",
    "teenage",
    "adults",
];

/// Searches spent looking for words to leave out.
const MAX_DROP_TRIES: usize = 12;

/// What a query's scores mean to the ranking.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scores {
    /// No text: the shop's own order.
    None,
    /// Relevance.
    Text,
    /// Words matched (in steps of [`WORD_MATCHED`]), then relevance: the fallback.
    WordsMatched,
}

/// Typos forgiven in a word: one from 5 letters, two from 9 (Meilisearch's rule).
fn typo_distance(word: &str) -> usize {
    match word.chars().count() {
        n if n >= 9 => 2,
        n if n >= 5 => 1,
        _ => 0,
    }
}

/// Score added to the products that match every word of a query by what they are: above
/// relevance and the category a query names (stronger evidence than a word of its name), below
/// a matched word of a query that leaves words out.
const ALL_WORDS_BY_WHAT_IT_IS: Score = 500.0;

/// Score added to the products of a category the query names: above relevance, below a matched
/// word of a query that leaves words out.
const CATEGORY_NAMED: Score = 100.0;

/// Weight of a match through two typed words joined, or one split, as the shop writes them: the
/// shop's own word, so above a corrected word that happens to be near the pieces ("sauce pan" is a
/// saucepan, not a sauté pan).
const COMPOUND: f32 = 1.0;

/// Weight of a match through a colour word ("blue" → navy).
const COLOUR: f32 = 0.8;
/// Weight of a match through the everyday vocabulary.
const EVERYDAY: f32 = 0.7;
/// A wider kind asked for by a shop word alone that the shop uses only in names of other
/// things ("bags": backpacks above the sleeping bags).
const WIDER_ALONE: f32 = 1.5;

/// Weight of a word of an everyday word's definition found in a title or attribute.
const HINT: f32 = 1.0;

/// Weight of a match through a corrected word (or a synonym of one), against 1 for the word typed.
const CORRECTED: f32 = 0.3;
/// Weight of the "-able" word of a verb typed ([`SearchExtras::able_forms`]).
const DERIVED: f32 = 0.125;

/// Score of one matched word in a query that may leave words out: above any relevance score, so
/// products matching more words always come first.
const WORD_MATCHED: Score = 1000.0;
/// Other ways of writing the query tried at once (synonyms, compounds).
const MAX_VARIANTS: usize = 8;

fn boost(q: impl Query + 'static, weight: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(Box::new(q), weight))
}

fn boost_box(q: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(q, weight))
}

fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// Lowercased words joined by single spaces: the form pinned queries and synonyms are kept in.
pub fn normalise(text: &str) -> String {
    words(text).collect::<Vec<_>>().join(" ").to_lowercase()
}

/// A space if the query ends with one (its last word is typed in full), kept by a rewrite of it.
fn typed_on(query: &str) -> &'static str {
    if query.ends_with(char::is_whitespace) {
        " "
    } else {
        ""
    }
}

/// Units a number may be typed with ("45mm", "1l", "20000mah"), taken apart from it.
const MEASURE_UNITS: [&str; 17] = ["mm", "cm", "m", "l", "ml", "cl", "mah", "gb", "tb", "mb", "kg", "g", "w", "v", "oz", "lb", "lbs"];

/// Numbers written out, one to twelve, as a count of people ("one man tent").
const NUMBER_WORDS: [&str; 12] = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
/// Words for people counted ("2 man tent": 2-person), the shop's first.
const PEOPLE: [&str; 5] = ["person", "man", "men", "people", "persons"];

/// Units of measure written out, as the shop's option values abbreviate them ("45 mm", "1 L").
const UNIT_WORDS: [(&str, &str); 12] = [
    ("litre", "l"),
    ("litres", "l"),
    ("liter", "l"),
    ("liters", "l"),
    ("millilitre", "ml"),
    ("millilitres", "ml"),
    ("milliliter", "ml"),
    ("milliliters", "ml"),
    ("millimetre", "mm"),
    ("millimetres", "mm"),
    ("millimeter", "mm"),
    ("millimeters", "mm"),
];

/// The query with a thing named by a verb and its particle in the plural ("slip-ons", "lace
/// ups") written with the particle, as the shop writes it in the singular ("slip-on"; the
/// particle is a stop word, which the plural is not), after a word the shop uses (`known`: not
/// "apc ups"), a last word typed in full staying so; `None` when it has none.
fn particles_singular(query: &str, known: impl Fn(&str) -> bool) -> Option<String> {
    let lower = normalise(query);
    let words: Vec<&str> = lower.split(' ').collect();
    let particle = |i: usize| PARTICLE_PLURALS.iter().position(|p| *p == words[i]).filter(|_| i > 0 && known(words[i - 1]));
    if !(0..words.len()).any(|i| particle(i).is_some()) {
        return None;
    }
    let typed_on = typed_on(query);
    Some((0..words.len()).map(|i| particle(i).map_or(words[i], |at| PARTICLES[at])).collect::<Vec<_>>().join(" ") + typed_on)
}

/// Plurals of the particles of phrasal verbs that name things ("slip-ons", "lace-ups").
const PARTICLE_PLURALS: [&str; 5] = ["ons", "ups", "offs", "outs", "ins"];
const PARTICLES: [&str; 5] = ["on", "up", "off", "out", "in"];

fn fold(analyzer: &mut TextAnalyzer, word: &str) -> String {
    tokens(analyzer, word).join("")
}
