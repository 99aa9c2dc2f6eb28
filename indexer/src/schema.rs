//! Fields and text analysis shared by the writer and the reader.

use std::collections::HashMap;
use tantivy::schema::{FacetOptions, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer,
};
use tantivy::Index;

/// The weight of a match in the category's description ([`Fields::kind`]): as much as one in the
/// product's own description.
pub const KIND_WEIGHT: f32 = 0.5;

/// Analyzer for prose fields: lowercased, ASCII-folded, stop words removed, stemmed.
pub const TEXT_ANALYZER: &str = "shop_text";
/// Analyzer for identifiers (SKUs): the whole value, lowercased.
pub const CODE_ANALYZER: &str = "shop_code";

#[derive(Clone, Copy, Debug)]
pub struct Fields {
    pub slug: Field,
    pub title: Field,
    pub brand: Field,
    pub category: Field,
    pub attributes: Field,
    pub description: Field,
    /// The merchant's description of the product's category: wider words for the kind of thing
    /// ("clothing", "music", "cookware"), weaker than the product's own.
    pub kind: Field,
    /// The last word of the title: what the product is ("Roll-Top Backpack" is a backpack, not
    /// a top), so a word naming it there counts for more than the same word as a modifier.
    pub head: Field,
    pub sku: Field,
    pub price: Field,
    pub image: Field,
    /// The product's card as the shop's pages draw it (HTML rendered by the site builder with the
    /// same component as the category pages), so the worker's `/search` page shows the same card.
    pub card: Field,
    /// `/category/<slug parts>`, `/brand/<name>`, `/price/<bucket>`, `/option/<name>/<value>`.
    pub facets: Field,
    /// `YYYYMMDD` of the product's `created` date, for "newest".
    pub created: Field,
    /// Merchandising order: featured products first, then catalog order.
    pub rank: Field,
    /// 1 when some variant can be bought, else 0.
    pub in_stock: Field,
    /// 1 when some variant is sold below its compare-at price (the pages' "Sale"), else 0.
    pub on_sale: Field,
}

impl Fields {
    /// Searchable text fields with their weight: title (and the more its last word) > brand/category
    /// > attributes > description.
    pub fn weighted(&self) -> [(Field, f32); 8] {
        [
            (self.title, 4.0),
            (self.head, 4.0),
            (self.brand, 2.0),
            (self.category, 2.0),
            (self.attributes, 1.5),
            (self.description, 0.5),
            (self.kind, KIND_WEIGHT),
            (self.sku, 4.0),
        ]
    }
}

pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Positions only where a phrase is looked for (the title): a fifth of the index otherwise.
    let text = |stored: bool, positions: bool| {
        let record = if positions { IndexRecordOption::WithFreqsAndPositions } else { IndexRecordOption::WithFreqs };
        let o = TextOptions::default().set_indexing_options(TextFieldIndexing::default().set_tokenizer(TEXT_ANALYZER).set_index_option(record));
        if stored {
            o.set_stored()
        } else {
            o
        }
    };
    let code = TextOptions::default()
        .set_indexing_options(TextFieldIndexing::default().set_tokenizer(CODE_ANALYZER).set_index_option(IndexRecordOption::Basic));
    let fields = Fields {
        slug: b.add_text_field("slug", STRING | STORED),
        title: b.add_text_field("title", text(true, true)),
        brand: b.add_text_field("brand", text(false, false)),
        category: b.add_text_field("category", text(false, false)),
        attributes: b.add_text_field("attributes", text(false, false)),
        description: b.add_text_field("description", text(false, false)),
        kind: b.add_text_field("kind", text(false, false)),
        head: b.add_text_field("head", text(false, false)),
        sku: b.add_text_field("sku", code),
        price: b.add_u64_field("price", NumericOptions::default().set_fast().set_stored()),
        image: b.add_text_field("image", STORED),
        card: b.add_text_field("card", STORED),
        facets: b.add_facet_field("facets", FacetOptions::default()),
        created: b.add_u64_field("created", FAST),
        rank: b.add_u64_field("rank", FAST),
        in_stock: b.add_u64_field("in_stock", FAST),
        on_sale: b.add_u64_field("on_sale", FAST),
    };
    (b.build(), fields)
}

pub fn language(locale: &str) -> Language {
    match locale.get(..2).unwrap_or("en") {
        "da" => Language::Danish,
        "nl" => Language::Dutch,
        "fi" => Language::Finnish,
        "fr" => Language::French,
        "de" => Language::German,
        "hu" => Language::Hungarian,
        "it" => Language::Italian,
        "nb" | "no" => Language::Norwegian,
        "pt" => Language::Portuguese,
        "ro" => Language::Romanian,
        "ru" => Language::Russian,
        "es" => Language::Spanish,
        "sv" => Language::Swedish,
        "tr" => Language::Turkish,
        _ => Language::English,
    }
}

pub fn text_analyzer(locale: &str) -> TextAnalyzer {
    text_analyzer_with(locale, false)
}

/// The same analysis; `remember_stems` keeps each word's stem once worked out, for the indexer,
/// which stems the same few thousand words hundreds of thousands of times.
fn text_analyzer_with(locale: &str, remember_stems: bool) -> TextAnalyzer {
    let lang = language(locale);
    let mut b = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter_dynamic(RemoveLongFilter::limit(40))
        .filter_dynamic(LowerCaser)
        .filter_dynamic(AsciiFoldingFilter);
    if let Some(stop) = StopWordFilter::new(lang) {
        b = b.filter_dynamic(stop);
    }
    if remember_stems {
        b.filter_dynamic(RememberedStems(lang)).build()
    } else {
        b.filter_dynamic(Stemmer::new(lang)).build()
    }
}

/// tantivy's [`Stemmer`] with a memory of the words it has stemmed: the same tokens out.
#[derive(Clone)]
struct RememberedStems(Language);

/// Enough for any shop's vocabulary; past it the memory starts again rather than growing.
const REMEMBERED_STEMS: usize = 200_000;

impl TokenFilter for RememberedStems {
    type Tokenizer<T: Tokenizer> = RememberedStemsFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> RememberedStemsFilter<T> {
        let stem = TextAnalyzer::builder(RawTokenizer::default()).filter(Stemmer::new(self.0)).build();
        RememberedStemsFilter { inner, stem, stems: HashMap::new() }
    }
}

#[derive(Clone)]
struct RememberedStemsFilter<T> {
    inner: T,
    /// One word in, its stem out.
    stem: TextAnalyzer,
    stems: HashMap<String, String>,
}

impl<T: Tokenizer> Tokenizer for RememberedStemsFilter<T> {
    type TokenStream<'a> = RememberedStemsStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        RememberedStemsStream { tail: self.inner.token_stream(text), stem: &mut self.stem, stems: &mut self.stems }
    }
}

struct RememberedStemsStream<'a, T> {
    tail: T,
    stem: &'a mut TextAnalyzer,
    stems: &'a mut HashMap<String, String>,
}

impl<T: TokenStream> TokenStream for RememberedStemsStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.stems.get(&token.text) {
            token.text.clone_from(stem);
            return true;
        }
        let stem = {
            let mut one = self.stem.token_stream(&token.text);
            if one.advance() {
                one.token().text.clone()
            } else {
                token.text.clone()
            }
        };
        if self.stems.len() >= REMEMBERED_STEMS {
            self.stems.clear();
        }
        self.stems.insert(std::mem::replace(&mut token.text, stem.clone()), stem);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Analyzer without stemming, for prefix matching of a half-typed word.
pub fn prefix_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default()).filter(RemoveLongFilter::limit(40)).filter(LowerCaser).filter(AsciiFoldingFilter).build()
}

/// Registers the analyzers on `index`; `for_writing` remembers stems (see [`text_analyzer_with`]).
pub fn register(index: &Index, locale: &str, for_writing: bool) {
    let tokenizers = index.tokenizers();
    tokenizers.register(TEXT_ANALYZER, text_analyzer_with(locale, for_writing));
    tokenizers.register(CODE_ANALYZER, TextAnalyzer::builder(RawTokenizer::default()).filter(LowerCaser).build());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut out = Vec::new();
        analyzer.token_stream(text).process(&mut |t: &Token| out.push((t.text.clone(), t.position, t.offset_from, t.offset_to)));
        out
    }

    #[test]
    fn remembered_stems_are_the_stemmers_own() {
        let text = "Running shoes for runners: the runner's shoes ran; RUNNING Shoes, Café cafés running";
        for locale in ["en", "fr", "de"] {
            let (mut plain, mut remembering) = (text_analyzer_with(locale, false), text_analyzer_with(locale, true));
            // Twice, so that the second pass is answered from memory.
            for _ in 0..2 {
                assert_eq!(tokens(&mut remembering, text), tokens(&mut plain, text), "{locale}");
            }
        }
    }
}
