//! Sets of products as bits, one per document of a searcher: what each word of a query finds,
//! intersected and counted by the fallback ([`crate::ProductIndex`] leaving words out). A common
//! word at a million products is 125 kB of bits, where a hash set of its documents took 16 MB
//! (and a query holds one set per word).

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

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
    len: usize,
}

impl DocBitsCollector {
    pub fn new(searcher: &Searcher) -> DocBitsCollector {
        let mut starts = Vec::new();
        let mut len = 0;
        for segment in searcher.segment_readers() {
            starts.push(len);
            len += segment.max_doc() as usize;
        }
        DocBitsCollector { starts, len }
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
    }
}
