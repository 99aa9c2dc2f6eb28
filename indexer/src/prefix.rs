//! Products with a word starting with a prefix: a range scan of one field's term dictionary.
//! Does what tantivy's `FuzzyTermQuery::new_prefix(term, 0, true)` does without building a
//! Levenshtein automaton per query, which was a tenth of a typed query's time.

use std::io;
use tantivy::query::{BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::termdict::TermStreamer;
use tantivy::{BitSet, DocId, DocSet, InvertedIndexReader, Score, SegmentReader, TantivyError};

/// Matches every document with a term of `field` that starts with `prefix`; constant score.
#[derive(Clone, Debug)]
pub struct PrefixQuery {
    field: Field,
    prefix: Vec<u8>,
}

impl PrefixQuery {
    pub fn new(field: Field, prefix: &str) -> Self {
        PrefixQuery { field, prefix: prefix.as_bytes().to_vec() }
    }
}

impl Query for PrefixQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

/// The smallest byte string above every string starting with `prefix`, if there is one.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// The terms of one field's dictionary that start with `prefix`.
fn terms_with_prefix<'a>(index: &'a InvertedIndexReader, prefix: &[u8]) -> io::Result<TermStreamer<'a>> {
    let mut range = index.terms().range().ge(prefix);
    if let Some(end) = prefix_end(prefix) {
        range = range.lt(end);
    }
    range.into_stream()
}

/// Reads the postings of every term of `field` starting with `prefix`, carrying on past failed
/// reads: on a chunked blob, this notes every chunk those postings are in.
pub fn touch_postings(reader: &SegmentReader, field: Field, prefix: &str) -> tantivy::Result<()> {
    let inverted_index = reader.inverted_index(field)?;
    let mut terms = terms_with_prefix(&inverted_index, prefix.as_bytes())?;
    while terms.advance() {
        // A failed read is what this is for: the blob has noted the missing chunk.
        let _ = inverted_index.read_block_postings_from_terminfo(terms.value(), IndexRecordOption::Basic);
    }
    Ok(())
}

impl Weight for PrefixQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut docs = BitSet::with_max_value(reader.max_doc());
        let inverted_index = reader.inverted_index(self.field)?;
        let mut terms = terms_with_prefix(&inverted_index, &self.prefix)?;
        while terms.advance() {
            let mut postings = inverted_index.read_block_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
            while !postings.docs().is_empty() {
                for &doc in postings.docs() {
                    docs.insert(doc);
                }
                postings.advance();
            }
        }
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("PrefixQuery", 1.0))
        } else {
            Err(TantivyError::InvalidArgument(format!("document {doc} does not match")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::Count;
    use tantivy::query::FuzzyTermQuery;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, Index, IndexWriter, Term};

    #[test]
    fn ends() {
        assert_eq!(prefix_end(b"head"), Some(b"heae".to_vec()));
        assert_eq!(prefix_end(&[b'a', 0xff]), Some(b"b".to_vec()));
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
    }

    #[test]
    fn matches_what_a_zero_distance_prefix_automaton_matches() -> tantivy::Result<()> {
        let mut schema = Schema::builder();
        let title = schema.add_text_field("title", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
        for t in ["headphones", "head lamp", "headband", "heat pack", "he", "overhead light", "zebra"] {
            writer.add_document(doc!(title => t))?;
        }
        writer.commit()?;
        let searcher = index.reader()?.searcher();
        for prefix in ["head", "he", "hea", "z", "x", "headphones", "headphonesx"] {
            let ours = searcher.search(&PrefixQuery::new(title, prefix), &Count)?;
            let fuzzy = FuzzyTermQuery::new_prefix(Term::from_field_text(title, prefix), 0, true);
            assert_eq!(ours, searcher.search(&fuzzy, &Count)?, "prefix {prefix}");
        }
        assert_eq!(searcher.search(&PrefixQuery::new(title, "head"), &Count)?, 3);
        Ok(())
    }
}
