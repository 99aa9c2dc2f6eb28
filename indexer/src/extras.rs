//! What search needs besides the tantivy index: labels for facets, the shop's synonyms and pinned
//! results, and the vocabulary that autocomplete and "did you mean" draw from. Shipped in the
//! same blob as `search.json`.

use edgeshop_domain::{OutOfStock, PinnedResults};
use serde::{Deserialize, Serialize};

pub const EXTRAS_FILE: &str = "search.json";

/// Upper bounds (exclusive, minor units) of the price facet's buckets; the last bucket is open.
pub const PRICE_EDGES: [u64; 5] = [2_500, 5_000, 10_000, 20_000, 50_000];

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SearchExtras {
    /// ISO 4217 code of the shop currency, for price facet labels.
    pub currency: String,
    pub synonyms: Vec<Vec<String>>,
    pub pinned: Vec<PinnedResults>,
    pub out_of_stock: OutOfStock,
    /// Category slug and display name, in catalog order.
    pub categories: Vec<(String, String)>,
    /// Option names (Size, Colour…) in first-seen order.
    pub options: Vec<String>,
    /// Words of titles, brands, categories, tags and option values, lowercased and ASCII-folded,
    /// with how many products use each; sorted by word for prefix lookups.
    pub vocabulary: Vec<(String, u32)>,
    /// Slugs shown when a search finds nothing: featured products first.
    pub popular: Vec<String>,
}

impl SearchExtras {
    pub fn category_name(&self, slug: &str) -> Option<&str> {
        self.categories.iter().find(|(s, _)| s == slug).map(|(_, n)| n.as_str())
    }

    pub fn knows_word(&self, word: &str) -> bool {
        self.vocabulary.binary_search_by(|(w, _)| w.as_str().cmp(word)).is_ok()
    }

    /// Vocabulary words starting with `prefix`, most used first.
    pub fn completions(&self, prefix: &str, limit: usize) -> Vec<&str> {
        let start = self.vocabulary.partition_point(|(w, _)| w.as_str() < prefix);
        let mut found: Vec<&(String, u32)> =
            self.vocabulary[start..].iter().take_while(|(w, _)| w.starts_with(prefix)).collect();
        found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        found.into_iter().take(limit).map(|(w, _)| w.as_str()).collect()
    }

    /// Known words within `max_edits` of an unknown `word`, closest and most used first.
    pub fn corrections(&self, word: &str, max_edits: usize, limit: usize) -> Vec<&str> {
        let len = word.chars().count();
        let mut found: Vec<(usize, u32, &str)> = self
            .vocabulary
            .iter()
            .filter(|(w, _)| w.chars().count().abs_diff(len) <= max_edits)
            .filter_map(|(w, n)| bounded_edit_distance(word, w, max_edits).filter(|d| *d > 0).map(|d| (d, *n, w.as_str())))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
        found.into_iter().take(limit).map(|(_, _, w)| w).collect()
    }

    /// The most used vocabulary word within `max_edits` edits of `word` (ties: fewer edits first).
    pub fn closest_word(&self, word: &str, max_edits: usize) -> Option<&str> {
        let len = word.chars().count();
        self.vocabulary
            .iter()
            .filter(|(w, _)| w.chars().count().abs_diff(len) <= max_edits)
            .filter_map(|(w, n)| bounded_edit_distance(word, w, max_edits).map(|d| (d, *n, w.as_str())))
            .min_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)))
            .map(|(_, _, w)| w)
    }
}

/// Price bucket key for a price: `"2500-5000"`, `"50000-"`.
pub fn price_bucket(price: u64) -> String {
    let mut lower = 0;
    for edge in PRICE_EDGES {
        if price < edge {
            return format!("{lower}-{edge}");
        }
        lower = edge;
    }
    format!("{lower}-")
}

/// Edit distance with adjacent transpositions counting as one edit (optimal string alignment,
/// as typo-tolerant engines count "tnet" → "tent"), or `None` when it exceeds `max`.
pub fn bounded_edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for j in 0..width {
        d[j] = j;
    }
    for i in 1..=a.len() {
        d[i * width] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * width + j] + 1).min(d[i * width + j - 1] + 1).min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
    }
    let distance = d[a.len() * width + b.len()];
    (distance <= max).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance() {
        assert_eq!(bounded_edit_distance("jaket", "jacket", 2), Some(1));
        assert_eq!(bounded_edit_distance("headphnes", "headphones", 2), Some(1));
        assert_eq!(bounded_edit_distance("tent", "tent", 0), Some(0));
        assert_eq!(bounded_edit_distance("abc", "xyz", 2), None);
        assert_eq!(bounded_edit_distance("tnet", "tent", 2), Some(1));
    }

    #[test]
    fn buckets() {
        assert_eq!(price_bucket(0), "0-2500");
        assert_eq!(price_bucket(2500), "2500-5000");
        assert_eq!(price_bucket(99_999), "50000-");
    }

    #[test]
    fn vocabulary_lookups() {
        let extras = SearchExtras {
            vocabulary: vec![("head".into(), 1), ("headlamp".into(), 3), ("headphones".into(), 9), ("tent".into(), 4)],
            ..Default::default()
        };
        assert_eq!(extras.completions("head", 2), vec!["headphones", "headlamp"]);
        assert_eq!(extras.closest_word("tnet", 2), Some("tent"));
        assert!(extras.knows_word("tent"));
        assert!(!extras.knows_word("ten"));
    }
}
