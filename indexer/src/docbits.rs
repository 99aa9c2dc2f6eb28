//! Sets of products as bits, one per document of a searcher: what each word of a query finds,
//! intersected and counted by the fallback ([`crate::ProductIndex`] leaving words out). A common
//! word at a million products is 125 kB of bits, where a hash set of its documents took 16 MB
//! (and a query holds one set per word). A set found once is matched again by [`FoundQuery`]
//! in the ranking query, without looking its words up a second time.

use std::sync::Arc;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::query::{BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{BitSet, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

/// Documents of one searcher, numbered across its segments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocBits {
    words: Vec<u64>,
}

impl DocBits {
    /// No document of a searcher with `len` documents.
    pub fn none(len: usize) -> DocBits {
        DocBits { words: vec![0; len.div_ceil(64)] }
    }

    fn insert(&mut self, doc: usize) {
        self.words[doc / 64] |= 1 << (doc % 64);
    }

    /// The documents from `first` on, in order (set bits only).
    fn iter_from(&self, first: usize) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().skip(first / 64).flat_map(move |(i, w)| {
            let mut w = if i == first / 64 { *w & (u64::MAX << (first % 64)) } else { *w };
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let bit = w.trailing_zeros() as usize;
                    w &= w - 1;
                    i * 64 + bit
                })
            })
        })
    }

    fn contains(&self, doc: usize) -> bool {
        self.words.get(doc / 64).is_some_and(|w| w & (1 << (doc % 64)) != 0)
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The documents in both.
    pub fn and(&self, other: &DocBits) -> DocBits {
        DocBits { words: self.words.iter().zip(&other.words).map(|(a, b)| a & b).collect() }
    }

    /// The documents in either.
    pub fn or(&self, other: &DocBits) -> DocBits {
        let (long, short) = if self.words.len() >= other.words.len() { (self, other) } else { (other, self) };
        DocBits { words: long.words.iter().enumerate().map(|(i, w)| w | short.words.get(i).copied().unwrap_or(0)).collect() }
    }
}

/// Collects the documents a query matches as [`DocBits`] (no scores).
pub struct DocBitsCollector {
    /// The number of the first document of each segment, by segment ordinal.
    starts: Vec<usize>,
    /// The same by segment id (for [`FoundQuery`], whose scorers are asked for by segment).
    segments: Arc<Vec<(SegmentId, usize)>>,
    len: usize,
}

impl DocBitsCollector {
    pub fn new(searcher: &Searcher) -> DocBitsCollector {
        let mut starts = Vec::new();
        let mut segments = Vec::new();
        let mut len = 0;
        for segment in searcher.segment_readers() {
            starts.push(len);
            segments.push((segment.segment_id(), len));
            len += segment.max_doc() as usize;
        }
        DocBitsCollector { starts, segments: Arc::new(segments), len }
    }

    /// A query matching the documents of `bits` (as this collector found them in this searcher),
    /// each scored `score`.
    pub fn query(&self, bits: DocBits, score: Score) -> FoundQuery {
        FoundQuery { bits: Arc::new(bits), segments: self.segments.clone(), score }
    }
}

/// The documents of a [`DocBits`], each with the same score: what a query found, matched again at
/// the cost of reading the bits.
#[derive(Clone, Debug)]
pub struct FoundQuery {
    bits: Arc<DocBits>,
    segments: Arc<Vec<(SegmentId, usize)>>,
    score: Score,
}

impl FoundQuery {
    fn start(&self, reader: &SegmentReader) -> Option<usize> {
        self.segments.iter().find(|(id, _)| *id == reader.segment_id()).map(|(_, start)| *start)
    }
}

impl Query for FoundQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for FoundQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut docs = BitSet::with_max_value(reader.max_doc());
        if let Some(start) = self.start(reader) {
            for n in self.bits.iter_from(start).take_while(|n| *n < start + reader.max_doc() as usize) {
                docs.insert((n - start) as DocId);
            }
        }
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(docs), self.score * boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        match self.start(reader) {
            Some(start) if self.bits.contains(start + doc as usize) => Ok(Explanation::new("found before", self.score)),
            _ => Err(tantivy::TantivyError::InvalidArgument(format!("document {doc} was not found before"))),
        }
    }
}

/// One segment's matches: its first document's number and its matching documents.
pub struct SegmentDocs {
    start: usize,
    docs: Vec<DocId>,
}

impl SegmentCollector for SegmentDocs {
    type Fruit = (usize, Vec<DocId>);

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.docs.push(doc);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.docs.extend_from_slice(docs);
    }

    fn harvest(self) -> Self::Fruit {
        (self.start, self.docs)
    }
}

impl Collector for DocBitsCollector {
    type Fruit = DocBits;
    type Child = SegmentDocs;

    fn for_segment(&self, segment: SegmentOrdinal, _reader: &SegmentReader) -> tantivy::Result<SegmentDocs> {
        let start = self.starts.get(segment as usize).copied().unwrap_or(self.len);
        Ok(SegmentDocs { start, docs: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<(usize, Vec<DocId>)>) -> tantivy::Result<DocBits> {
        let mut bits = DocBits::none(self.len);
        for (start, docs) in segments {
            for doc in docs {
                let n = start + doc as usize;
                if n < self.len {
                    bits.insert(n);
                }
            }
        }
        Ok(bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(len: usize, docs: &[usize]) -> DocBits {
        let mut b = DocBits::none(len);
        docs.iter().for_each(|d| b.insert(*d));
        b
    }

    #[test]
    fn sets_intersect_and_count() {
        let (a, b) = (bits(130, &[0, 63, 64, 129]), bits(130, &[63, 100, 129]));
        assert_eq!(a.len(), 4);
        assert_eq!(a.and(&b), bits(130, &[63, 129]));
        assert_eq!(a.or(&b).len(), 5);
        assert_eq!(a.or(&DocBits::none(0)).len(), 4);
        assert!(DocBits::none(130).is_empty() && !a.is_empty());
        assert!(a.and(&bits(130, &[1, 65])).is_empty());
        assert_eq!(a.iter_from(0).collect::<Vec<_>>(), [0, 63, 64, 129]);
        assert_eq!(a.iter_from(63).collect::<Vec<_>>(), [63, 64, 129]);
        assert_eq!(a.iter_from(65).collect::<Vec<_>>(), [129]);
        assert_eq!(a.iter_from(200).count(), 0);
    }

    #[test]
    fn a_found_set_is_matched_again_in_every_segment_with_its_score() {
        use tantivy::collector::{Count, TopDocs};
        use tantivy::query::TermQuery;
        use tantivy::schema::{IndexRecordOption, Schema, TEXT};
        use tantivy::{doc, Index, Term};
        let mut schema = Schema::builder();
        let title = schema.add_text_field("title", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        // Two commits: two segments, so documents are numbered across them.
        for batch in [["red tent", "blue tent", "red mug"], ["green tent", "red quilt", "blue mug"]] {
            for t in batch {
                writer.add_document(doc!(title => t)).unwrap();
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let collector = DocBitsCollector::new(&searcher);
        let red = TermQuery::new(Term::from_field_text(title, "red"), IndexRecordOption::Basic);
        let found = searcher.search(&red, &collector).unwrap();
        assert_eq!(found.len(), 3);
        let again = collector.query(found.clone(), 2.5);
        let top = searcher.search(&again, &TopDocs::with_limit(10).order_by_score()).unwrap();
        let mut addresses: Vec<_> = top.iter().map(|(_, a)| *a).collect();
        let mut expected: Vec<_> = searcher.search(&red, &TopDocs::with_limit(10).order_by_score()).unwrap().into_iter().map(|(_, a)| a).collect();
        addresses.sort();
        expected.sort();
        assert_eq!(addresses, expected);
        assert!(top.iter().all(|(score, _)| *score == 2.5));
        assert_eq!(searcher.search(&collector.query(DocBits::none(6), 1.0), &Count).unwrap(), 0);
    }
}
