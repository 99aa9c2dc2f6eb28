//! Fields and text analysis shared by the writer and the reader.

use tantivy::schema::{FacetOptions, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
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
}

impl Fields {
    /// Searchable text fields with their weight: title > brand/category > attributes > description.
    pub fn weighted(&self) -> [(Field, f32); 7] {
        [
            (self.title, 4.0),
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
        sku: b.add_text_field("sku", code),
        price: b.add_u64_field("price", NumericOptions::default().set_fast().set_stored()),
        image: b.add_text_field("image", STORED),
        card: b.add_text_field("card", STORED),
        facets: b.add_facet_field("facets", FacetOptions::default()),
        created: b.add_u64_field("created", FAST),
        rank: b.add_u64_field("rank", FAST),
        in_stock: b.add_u64_field("in_stock", FAST),
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
    let lang = language(locale);
    let mut b = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter_dynamic(RemoveLongFilter::limit(40))
        .filter_dynamic(LowerCaser)
        .filter_dynamic(AsciiFoldingFilter);
    if let Some(stop) = StopWordFilter::new(lang) {
        b = b.filter_dynamic(stop);
    }
    b.filter_dynamic(Stemmer::new(lang)).build()
}

/// Analyzer without stemming, for prefix matching of a half-typed word.
pub fn prefix_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default()).filter(RemoveLongFilter::limit(40)).filter(LowerCaser).filter(AsciiFoldingFilter).build()
}

pub fn register(index: &Index, locale: &str) {
    let tokenizers = index.tokenizers();
    tokenizers.register(TEXT_ANALYZER, text_analyzer(locale));
    tokenizers.register(CODE_ANALYZER, TextAnalyzer::builder(RawTokenizer::default()).filter(LowerCaser).build());
}
