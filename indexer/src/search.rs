//! Query time: open the blob and answer product searches.

use crate::blob::{BlobDirectory, BlobError, IndexHeader};
use crate::schema::{prefix_analyzer, register, schema, text_analyzer, Fields};
use std::fmt;
use tantivy::collector::TopDocs;
use tantivy::directory::OwnedBytes;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

/// Longer queries are refused: nobody types 512 bytes into a shop's search box.
pub const MAX_QUERY_BYTES: usize = 512;
/// More words than this are refused rather than turned into a huge query.
pub const MAX_QUERY_TERMS: usize = 32;
pub const MAX_LIMIT: usize = 100;

#[derive(Debug)]
pub enum SearchError {
    QueryTooLong { bytes: usize },
    TooManyTerms { terms: usize },
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

#[derive(Clone, Debug)]
pub struct SearchRequest<'a> {
    pub query: &'a str,
    pub limit: usize,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Hit {
    pub slug: String,
    pub title: String,
    /// Lowest variant price in minor units of the shop currency.
    pub price_minor: u64,
    pub image: Option<String>,
    pub score: f32,
}

pub struct ProductIndex {
    header: IndexHeader,
    searcher: Searcher,
    fields: Fields,
    stem: TextAnalyzer,
    words: TextAnalyzer,
}

impl ProductIndex {
    pub fn open(blob: OwnedBytes) -> Result<Self, SearchError> {
        let dir = BlobDirectory::open(blob)?;
        let header = dir.header().clone();
        let index = Index::open(dir)?;
        register(&index, &header.locale);
        let reader: IndexReader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let (_, fields) = schema();
        Ok(ProductIndex {
            stem: text_analyzer(&header.locale),
            words: prefix_analyzer(),
            header,
            searcher: reader.searcher(),
            fields,
        })
    }

    pub fn header(&self) -> &IndexHeader {
        &self.header
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

    pub fn search(&mut self, req: &SearchRequest) -> Result<Vec<Hit>, SearchError> {
        Self::validate(req.query)?;
        let Some(query) = self.build_query(req.query) else { return Ok(Vec::new()) };
        let limit = req.limit.clamp(1, MAX_LIMIT);
        let top = self.searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let f = self.fields;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = self.searcher.doc(addr)?;
            let text = |field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_string);
            hits.push(Hit {
                slug: text(f.slug).unwrap_or_default(),
                title: text(f.title).unwrap_or_default(),
                price_minor: doc.get_first(f.price).and_then(|v| v.as_u64()).unwrap_or(0),
                image: text(f.image),
                score,
            });
        }
        Ok(hits)
    }

    /// Every typed word must match some field (exactly, stemmed, with a typo, or as the prefix of
    /// the word being typed); an exact SKU match is enough on its own.
    fn build_query(&mut self, raw: &str) -> Option<Box<dyn Query>> {
        let words = tokens(&mut self.words, raw);
        if words.is_empty() {
            return None;
        }
        let typing_last_word = !raw.ends_with(char::is_whitespace);
        let f = self.fields;
        let mut required: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            let stems = tokens(&mut self.stem, word);
            for stem in &stems {
                for (field, weight) in f.weighted() {
                    if field == f.sku {
                        continue;
                    }
                    let term = Term::from_field_text(field, stem);
                    alternatives.push((Occur::Should, boost(TermQuery::new(term, IndexRecordOption::WithFreqs), weight)));
                }
                let chars = word.chars().count();
                let distance = if chars >= 9 { 2 } else if chars >= 5 { 1 } else { 0 };
                if distance > 0 {
                    for field in [f.title, f.brand, f.category, f.attributes] {
                        let term = Term::from_field_text(field, stem);
                        alternatives.push((Occur::Should, boost(FuzzyTermQuery::new(term, distance, true), 0.3)));
                    }
                }
            }
            if i + 1 == words.len() && typing_last_word && word.chars().count() >= 2 {
                for field in [f.title, f.brand, f.category] {
                    let term = Term::from_field_text(field, word);
                    alternatives.push((Occur::Should, boost(FuzzyTermQuery::new_prefix(term, 0, true), 0.5)));
                }
            }
            if alternatives.is_empty() {
                // A stop word on its own ("the"): it neither helps nor hurts.
                continue;
            }
            required.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
        }
        let sku = Term::from_field_text(f.sku, &raw.trim().to_lowercase());
        let sku_query = boost(TermQuery::new(sku, IndexRecordOption::Basic), 10.0);
        if required.is_empty() {
            return Some(sku_query);
        }
        Some(Box::new(BooleanQuery::new(vec![(Occur::Should, Box::new(BooleanQuery::new(required))), (Occur::Should, sku_query)])))
    }
}

fn boost(q: impl Query + 'static, weight: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(Box::new(q), weight))
}

fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}
