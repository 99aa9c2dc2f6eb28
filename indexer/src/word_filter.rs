//! The common words of English (WordNet's lemmas written in lower case: nouns, adjectives, verbs
//! and adverbs) as a Bloom filter, shipped with the index: at query time it tells a word of the
//! language ("yoga", "wedding") from a name ("patagonia", "samsung") or a slip of the keys
//! ("bga"), which WordNet leaves out or writes capitalised. About 64k words in 80 kB; a name
//! taken for a common word now and then (under 1 %) is only searched as before.

use serde::{Deserialize, Serialize};

/// Bits per word: with [`HASHES`] hashes, about 0.8 % false positives.
const BITS_PER_WORD: usize = 10;
const HASHES: u64 = 7;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct WordFilter {
    bits: Vec<u64>,
}

/// FNV-1a, 64 bits: the same on every target (the filter is made natively and read in wasm).
fn fnv(word: &str) -> u64 {
    word.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl WordFilter {
    pub fn new<'a>(words: impl ExactSizeIterator<Item = &'a str>) -> WordFilter {
        let len = (words.len() * BITS_PER_WORD).div_ceil(64).max(1);
        let mut filter = WordFilter { bits: vec![0; len] };
        for w in words {
            for bit in filter.positions(w) {
                filter.bits[(bit / 64) as usize] |= 1 << (bit % 64);
            }
        }
        filter
    }

    fn positions(&self, word: &str) -> impl Iterator<Item = u64> {
        let m = self.bits.len() as u64 * 64;
        let h = fnv(word);
        let (a, b) = (h & 0xffff_ffff, (h >> 32) | 1);
        (0..HASHES).map(move |i| a.wrapping_add(i.wrapping_mul(b)) % m)
    }

    /// Whether the word is (almost certainly) in the filter; false for an empty filter (an index
    /// built without WordNet: every word is then taken for a common one by [`Self::is_word`]).
    fn holds(&self, word: &str) -> bool {
        !self.bits.is_empty() && self.positions(word).all(|bit| self.bits[(bit / 64) as usize] & (1 << (bit % 64)) != 0)
    }

    /// Whether the filter holds any words (an index built without WordNet has none).
    pub fn has_words(&self) -> bool {
        !self.bits.is_empty()
    }

    /// Whether a typed word is a word of the language: itself or a form of one ("addicts",
    /// "charging", "packed"). With no filter (no WordNet at build time), every word is.
    pub fn is_word(&self, word: &str) -> bool {
        if self.bits.is_empty() {
            return true;
        }
        let forms = [
            Some(word.to_string()),
            Some(crate::everyday::singular(word)),
            word.strip_suffix("ing").map(str::to_string),
            word.strip_suffix("ing").map(|w| format!("{w}e")),
            word.strip_suffix("ed").map(str::to_string),
            word.strip_suffix('d').map(str::to_string),
            word.strip_suffix("er").map(str::to_string),
            word.strip_suffix("est").map(str::to_string),
        ];
        forms.into_iter().flatten().filter(|f| f.len() >= 2).any(|f| self.holds(&f))
    }
}

#[cfg(test)]
mod tests {
    use super::WordFilter;

    #[test]
    fn words_and_their_forms_are_held_and_names_are_not() {
        let words = ["yoga", "wedding", "addict", "charge", "pack", "cup", "thermos", "warm"];
        let filter = WordFilter::new(words.iter().copied());
        for w in ["yoga", "weddings", "addicts", "charging", "packed", "cups", "warmer"] {
            assert!(filter.is_word(w), "{w}");
        }
        for w in ["patagonia", "samsung", "bga", "creuset", "zorblat"] {
            assert!(!filter.is_word(w), "{w}");
        }
        assert!(WordFilter::default().is_word("anything"), "no filter: every word is one");
    }
}
