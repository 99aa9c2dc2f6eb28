//! What search needs besides the tantivy index: labels for facets, the shop's synonyms and pinned
//! results, and the vocabulary that autocomplete and "did you mean" draw from. Shipped in the
//! same blob as `search.bin` (bincode).

use edgeshop_domain::{OutOfStock, PinnedResults};
use serde::{Deserialize, Serialize};

pub const EXTRAS_FILE: &str = "search.bin";

/// The extras as stored in the index: bincode with variable-length integers (smaller than JSON,
/// and read at every isolate's first search with less code and time: 4.4 → 0.8 ms to open the
/// index at 20k products, compiled).
pub fn encode(extras: &SearchExtras) -> bincode::Result<Vec<u8>> {
    use bincode::Options;
    bincode::DefaultOptions::new().serialize(extras)
}

pub fn decode(bytes: &[u8]) -> bincode::Result<SearchExtras> {
    use bincode::Options;
    bincode::DefaultOptions::new().deserialize(bytes)
}

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
    /// Everyday words the shop does not use → its words for the same things (WordNet), sorted.
    #[serde(default)]
    pub everyday: Vec<(String, Vec<String>)>,
    /// Everyday words → the words of their definitions that the shop uses, which rank what they
    /// find ("plimsoll" → canvas, rubber), sorted (WordNet).
    #[serde(default)]
    pub everyday_hints: Vec<(String, Vec<String>)>,
    /// Colour words → the shop's colours of that hue ("blue" → navy, sky), sorted (WordNet).
    pub colours: Vec<(String, Vec<String>)>,
    /// Words naming the kinds of things the shop sells (category and title head nouns), sorted.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Two-word names of the kinds of things the shop sells ("power bank", "frying pan": the last
    /// two words of titles and category names), with how many products use each, sorted.
    #[serde(default)]
    pub kind_names: Vec<(String, u32)>,
    /// Category slug and the merchant's description of it, in catalog order: wider words for a
    /// kind of thing ("everyday clothing" for Apparel) that name the category in a query.
    #[serde(default)]
    pub category_descriptions: Vec<(String, String)>,
    /// The common words of the language (WordNet), to tell them from names: a query's word the
    /// shop does not know is left out and the rest searched when it is a name ("le creuset
    /// casserole"), not when it is a word for something the shop does not sell ("yoga mat").
    #[serde(default)]
    pub common_words: crate::word_filter::WordFilter,
    /// Words the shop writes with a hyphen and never as one, joined → apart ("wifi" → "wi fi",
    /// "usbc" → "usb c"), sorted: typed as one, they are searched apart.
    #[serde(default)]
    pub hyphenated: Vec<(String, String)>,
}

impl SearchExtras {
    pub fn category_name(&self, slug: &str) -> Option<&str> {
        self.categories.iter().find(|(s, _)| s == slug).map(|(_, n)| n.as_str())
    }

    pub fn knows_word(&self, word: &str) -> bool {
        self.vocabulary.binary_search_by(|(w, _)| w.as_str().cmp(word)).is_ok()
    }

    /// Whether a word (or its singular) is a word of the merchant's synonyms: a word the shop
    /// knows although no product uses it.
    pub fn in_synonyms(&self, word: &str) -> bool {
        let one = crate::everyday::singular(word);
        self.synonyms.iter().flatten().flat_map(|s| s.split(' ')).any(|s| s == word || crate::everyday::singular(s) == one)
    }

    /// The one-word member of the merchant's synonyms within `max_edits` edits of `word`,
    /// closest first.
    pub fn closest_synonym(&self, word: &str, max_edits: usize) -> Option<&str> {
        let members = self.synonyms.iter().flatten().filter(|m| !m.contains(' '));
        members.filter_map(|m| typo_edits(word, m, max_edits).map(|d| (d, m.as_str()))).min().map(|(_, m)| m)
    }

    /// The shop's words for an everyday word it does not use itself ("jumper" → "sweatshirt").
    pub fn everyday(&self, word: &str) -> Option<&[String]> {
        self.everyday.binary_search_by(|(w, _)| w.as_str().cmp(word)).ok().map(|i| self.everyday[i].1.as_slice())
    }

    /// [`Self::everyday`] with the words of its definition that rank what those find.
    pub fn everyday_with_hints(&self, word: &str) -> Option<(&[String], &[String])> {
        let hints = self.everyday_hints.binary_search_by(|(w, _)| w.as_str().cmp(word)).map(|i| self.everyday_hints[i].1.as_slice());
        Some((self.everyday(word)?, hints.unwrap_or_default()))
    }

    /// The shop's colours of the hue a colour word names ("grey" → charcoal, silver).
    pub fn colour(&self, word: &str) -> Option<&[String]> {
        self.colours.binary_search_by(|(w, _)| w.as_str().cmp(word)).ok().map(|i| self.colours[i].1.as_slice())
    }

    /// The everyday word (or its plural) within `max_edits` edits of `word`, closest first, with
    /// the edits: "jumpr" → "jumper", "earphnes" → "earphone" (as "earphones").
    pub fn closest_everyday(&self, word: &str, max_edits: usize) -> Option<(&str, usize)> {
        let len = word.chars().count();
        // A word typed in the plural is compared without its "s" (no string made per entry).
        let one = word.strip_suffix('s');
        self.everyday
            .iter()
            .filter(|(w, _)| w.len().abs_diff(word.len()) <= max_edits + 1 || w.chars().count().abs_diff(len) <= max_edits + 1)
            .filter_map(|(w, _)| {
                let plural = one.and_then(|one| typo_edits(one, w, max_edits));
                typo_edits(word, w, max_edits).into_iter().chain(plural).min().map(|d| (d, w.as_str()))
            })
            .min()
            .map(|(d, w)| (w, d))
    }

    /// How many products use `word` (0 when it is not in the vocabulary).
    pub fn uses(&self, word: &str) -> u32 {
        self.vocabulary.binary_search_by(|(w, _)| w.as_str().cmp(word)).map(|i| self.vocabulary[i].1).unwrap_or(0)
    }

    /// An unknown `word` as two known words (a plural counts as its singular) of at least three
    /// letters, or two and four, or a letter of the shop's titles and four ("sleepingbag" →
    /// "sleeping", "bag"; "sdcard" → "sd", "card"; "floorlamps" → "floor", "lamps"; "vneck" →
    /// "v", "neck"); of several splits, the one whose rarer part is used most.
    pub fn split_compound<'w>(&self, word: &'w str) -> Option<(&'w str, &'w str)> {
        let starts: Vec<usize> = word.char_indices().map(|(i, _)| i).collect();
        let n = starts.len();
        if n < 5 || self.knows_word(word) {
            return None;
        }
        // A plural counts as its singular.
        let uses = |part: &str| self.uses(part).max(self.uses(&crate::everyday::singular(part)));
        // A word of the language splits only into two words of three letters or more: "tshirt"
        // is a t-shirt, "train" no t-rain.
        let shortest = if self.common_words.has_words() && self.common_words.is_word(word) { 3 } else { 1 };
        (1..=n - 2)
            .filter(|i| (*i).min(n - i) >= shortest && ((*i).min(n - i) >= 3 || (*i).max(n - i) >= 4))
            .map(|i| word.split_at(starts[i]))
            .filter_map(|(a, b)| {
                // The "s" of a plural compound, after a last part the shop writes without it
                // ("slipons": slip-ons → "slip", "on").
                let b = match b.strip_suffix('s') {
                    Some(one) if uses(b) == 0 && self.uses(one) > 0 => one,
                    _ => b,
                };
                let (ua, ub) = (uses(a), uses(b));
                (ua > 0 && ub > 0).then_some((ua.min(ub), a, b))
            })
            .max_by_key(|(uses, ..)| *uses)
            .map(|(_, a, b)| (a, b))
    }

    /// A word the shop writes with a hyphen, typed as one (or its plural): its parts, apart.
    pub fn hyphenated_apart(&self, word: &str) -> Option<String> {
        let find = |w: &str| self.hyphenated.binary_search_by(|(j, _)| j.as_str().cmp(w)).ok().map(|i| self.hyphenated[i].1.clone());
        find(word).or_else(|| word.strip_suffix('s').and_then(find).map(|apart| format!("{apart}s")))
    }

    /// The shop's words for a thing that can be done what `verb` says, by English's "-able" and
    /// "-ible" ("dim" → dimmable, "packs" → packable, "breathe" → breathable, "compress" →
    /// compressible), for a verb the shop does not use itself.
    pub fn able_forms(&self, verb: &str) -> Vec<String> {
        let mut found = Vec::new();
        if verb.len() < 3
            || !verb.bytes().all(|b| b.is_ascii_lowercase())
            || verb.ends_with("able")
            || verb.ends_with("ible")
            || self.knows_word(verb)
        {
            return found;
        }
        // The verb as typed, and without the ending of a tense or a third person ("packs",
        // "folding", "dimmed").
        let bases = [verb, verb.strip_suffix('s').unwrap_or(verb), verb.strip_suffix("ing").unwrap_or(verb), verb.strip_suffix("ed").unwrap_or(verb)];
        for base in bases.into_iter().filter(|b| b.len() >= 3) {
            let last = &base[base.len() - 1..];
            // "pack" + able, "dim" + m + able, "breathe" − e, "rely" → reli.
            let stems = [
                base.to_string(),
                format!("{base}{last}"),
                base.strip_suffix('e').unwrap_or(base).to_string(),
                base.strip_suffix('y').map(|b| format!("{b}i")).unwrap_or_default(),
            ];
            for stem in stems.iter().filter(|s| s.len() >= 3) {
                for ending in ["able", "ible"] {
                    let word = format!("{stem}{ending}");
                    if self.knows_word(&word) && !found.contains(&word) {
                        found.push(word);
                    }
                }
            }
        }
        found
    }

    /// Vocabulary words starting with `prefix`, most used first.
    pub fn completions(&self, prefix: &str, limit: usize) -> Vec<&str> {
        let start = self.vocabulary.partition_point(|(w, _)| w.as_str() < prefix);
        let mut found: Vec<&(String, u32)> = self.vocabulary[start..].iter().take_while(|(w, _)| w.starts_with(prefix)).collect();
        found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        found.into_iter().take(limit).map(|(w, _)| w.as_str()).collect()
    }

    /// Known words within `max_edits` of an unknown `word`, closest and most used first; else one
    /// that sounds the same ([`Self::sounds_like`]).
    pub fn corrections(&self, word: &str, max_edits: usize, limit: usize) -> Vec<&str> {
        let len = word.chars().count();
        let mut found: Vec<(usize, u32, &str)> = self
            .vocabulary
            .iter()
            .filter(|(w, _)| w.chars().count().abs_diff(len) <= max_edits + 1)
            .filter_map(|(w, n)| plural_edit_distance(word, w, max_edits).filter(|d| *d > 0).map(|d| (d, *n, w.as_str())))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
        let found: Vec<&str> = found.into_iter().take(limit).map(|(_, _, w)| w).collect();
        if found.is_empty() {
            return self.sounds_like(word).into_iter().collect();
        }
        found
    }

    /// The agent noun of an activity the shop names within `max_edits` edits of `word`, most used
    /// first: "traker" → "tracker" for a shop that writes "tracking" (the search then finds what it
    /// names through the activity, as for the word typed right).
    /// Whether `word` (or its singular) is the agent noun of an "-ing" word the shop uses
    /// ("runner", "hikers": running, hiking): a word of its own, not a typo of another.
    pub fn is_agent_noun(&self, word: &str) -> bool {
        let one = crate::everyday::singular(word);
        let Some(base) = one.strip_suffix("er").filter(|b| b.len() >= 3) else { return false };
        self.uses(&format!("{base}ing")) > 0
    }

    pub fn closest_agent_noun(&self, word: &str, max_edits: usize) -> Option<String> {
        // "-ing" words of about the agent noun's length ("tracking": "tracker" is one shorter).
        let near = self.vocabulary.iter().filter(|(w, _)| w.len().abs_diff(word.len() + 1) <= max_edits + 1);
        let agents = near.filter_map(|(w, n)| Some((format!("{}er", w.strip_suffix("ing").filter(|b| b.len() >= 3)?), *n)));
        agents
            .filter_map(|(agent, n)| plural_edit_distance(word, &agent, max_edits).filter(|d| *d > 0).map(|d| (d, std::cmp::Reverse(n), agent)))
            .min()
            .map(|(_, _, agent)| agent)
    }

    /// The most used vocabulary word within `max_edits` edits of `word` (ties: fewer edits first);
    /// else one that sounds the same ([`Self::sounds_like`]).
    pub fn closest_word(&self, word: &str, max_edits: usize) -> Option<&str> {
        let len = word.chars().count();
        self.vocabulary
            .iter()
            .filter(|(w, _)| w.chars().count().abs_diff(len) <= max_edits + 1)
            .filter_map(|(w, n)| plural_edit_distance(word, w, max_edits).map(|d| (d, *n, w.as_str())))
            .min_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)))
            .map(|(_, _, w)| w)
            .or_else(|| self.sounds_like(word))
    }

    /// For a word of 6 to 8 letters that no word is one typo from: the most used word two edits
    /// away that sounds the same (same first letter and Soundex code: "sauspan" → "saucepan"), a
    /// spelling by ear rather than a slip of the finger.
    pub fn sounds_like(&self, word: &str) -> Option<&str> {
        let len = word.chars().count();
        if !(6..=8).contains(&len) {
            return None;
        }
        let code = soundex(word)?;
        let by_ear = self
            .vocabulary
            .iter()
            .filter(|(w, _)| w.len().abs_diff(word.len()) <= 2 && w.len() >= 5)
            .filter(|(w, _)| soundex(w).as_ref() == Some(&code) && plural_edit_distance(word, w, 2).is_some())
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(w, _)| w.as_str());
        // Else a word spelt as it sounds further from its letters ("hedfones": headphones,
        // "sorspan": saucepan): the same sounds, as English spells them, give the same key.
        by_ear.or_else(|| {
            let key = sound_key(word)?;
            self.vocabulary
                .iter()
                .filter(|(w, _)| w.len().abs_diff(word.len()) <= 3 && w.len() >= 5 && w.as_bytes()[0] == word.as_bytes()[0])
                .filter(|(w, _)| sound_key(w).is_some_and(|k| typo_edits(&key, &k, 1).is_some()))
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|(w, _)| w.as_str())
        })
    }

    /// A word typed as one for a two-word name of a kind of thing, with a typo ("powerbnk" →
    /// "power bank"): the most used name within the word's typos when joined.
    pub fn closest_name(&self, word: &str, max_edits: usize) -> Option<&str> {
        self.kind_names
            .iter()
            .filter(|(name, _)| name.len().abs_diff(word.len() + 1) <= max_edits + 1)
            .filter_map(|(name, n)| {
                let joined: String = name.split(' ').collect();
                plural_edit_distance(word, &joined, max_edits).map(|d| (d, *n, name.as_str()))
            })
            .min_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)))
            .map(|(_, _, name)| name)
    }
}

/// How an ASCII word sounds, as English spells sounds in several ways: `ph` and `f`, `ea` and `e`,
/// `au`, `aw` and `or` (as in British "sauce" and "sorce"), a soft `c` and `s`, a hard one and `k`;
/// doubled letters once. `None` for other words.
fn sound_key(word: &str) -> Option<String> {
    let b = word.as_bytes();
    if !b.iter().all(u8::is_ascii_lowercase) {
        return None;
    }
    let mut out = String::with_capacity(b.len() + 2);
    let mut i = 0;
    while i < b.len() {
        let next = b.get(i + 1).copied().unwrap_or(0);
        // Two letters for one sound (the second kept where it starts another).
        let (sound, used): (&str, usize) = match (b[i], next) {
            (b'p', b'h') => ("f", 2),
            (b'c', b'k') => ("k", 2),
            (b'w', b'h') => ("w", 2),
            (b'q', b'u') => ("kw", 2),
            (b'e', b'a') => ("e", 2),
            (b'e', b'e') => ("i", 2),
            (b'a', b'u' | b'w') | (b'o', b'r') => ("o", 2),
            (b'o', b'o' | b'u') => ("u", 2),
            (b'c', b'e' | b'i' | b'y') => ("s", 1),
            (b'c', _) => ("k", 1),
            (b'x', _) => ("ks", 1),
            (b'z', _) => ("s", 1),
            _ => ("", 1),
        };
        let sound = if sound.is_empty() { &word[i..i + 1] } else { sound };
        for c in sound.chars() {
            // Doubled letters once.
            if !out.ends_with(c) {
                out.push(c);
            }
        }
        i += used;
    }
    Some(out)
}

/// American Soundex of an ASCII word ("saucepan" → "S215"); `None` for other words.
fn soundex(word: &str) -> Option<[u8; 4]> {
    let code = |c: u8| match c {
        b'b' | b'f' | b'p' | b'v' => b'1',
        b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
        b'd' | b't' => b'3',
        b'l' => b'4',
        b'm' | b'n' => b'5',
        b'r' => b'6',
        b'h' | b'w' => b'h',
        _ => b'0',
    };
    let bytes = word.as_bytes();
    let first = *bytes.first().filter(|c| c.is_ascii_lowercase())?;
    if !bytes.iter().all(u8::is_ascii_lowercase) {
        return None;
    }
    let mut out = [first.to_ascii_uppercase(), b'0', b'0', b'0'];
    let (mut at, mut last) = (1, code(first));
    for &c in &bytes[1..] {
        let k = code(c);
        // H and W do not separate two letters of the same code; vowels do.
        if k == b'h' {
            continue;
        }
        if k != b'0' && k != last {
            out[at] = k;
            at += 1;
            if at == 4 {
                break;
            }
        }
        last = k;
    }
    Some(out)
}

/// Edits from `word` to `known`, or from `word` without a plural "s" ("themals" is one edit from
/// "thermal"s): a misspelt plural finds the word the shop writes in the singular.
fn plural_edit_distance(word: &str, known: &str, max_edits: usize) -> Option<usize> {
    // A plural's "s" is not a typo, but it is the only allowance: one typo in the rest
    // ("themals" → thermal), not two ("electronics" is not "electric").
    let plural = word.strip_suffix('s').filter(|_| !known.ends_with('s')).and_then(|one| typo_edits(one, known, max_edits.min(1)));
    typo_edits(word, known, max_edits).into_iter().chain(plural).min()
}

/// Typos from a typed word to a known one as Meilisearch counts them: edits (a transposition is
/// one), and one more when the first letter differs, which shoppers rarely mistype ("flights" is
/// not a typo for "lights"), or `None` above `max`.
pub fn typo_edits(typed: &str, known: &str, max: usize) -> Option<usize> {
    // An edit adds or removes at most two of the letters a word has (a substitution one of
    // each): words with more letters apart are not compared letter by letter (most of a
    // vocabulary, for each unknown word).
    if (letters(typed) ^ letters(known)).count_ones() as usize > 2 * max {
        return None;
    }
    if typed.chars().next() == known.chars().next() {
        bounded_edit_distance(typed, known, max)
    } else {
        bounded_edit_distance(typed, known, max.checked_sub(1)?).map(|d| d + 1)
    }
}

/// The letters a word has as bits, a to z (any other character counts as one more letter).
fn letters(word: &str) -> u32 {
    word.bytes().fold(0, |m, b| m | if b.is_ascii_lowercase() { 1 << (b - b'a') } else { 1 << 26 })
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
/// Runs over the whole vocabulary for each unknown word, so it allocates nothing for ASCII words.
pub fn bounded_edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    if a.is_ascii() && b.is_ascii() {
        osa_distance(a.as_bytes(), b.as_bytes(), max)
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        osa_distance(&a, &b, max)
    }
}

/// Words up to this long are compared in rows on the stack.
const STACK_ROW: usize = 48;

fn osa_distance<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    let mut stack = [[0usize; STACK_ROW]; 3];
    let mut heap;
    // Three rows: two back (for transpositions), one back, and the current one.
    let [older, prev, cur]: [&mut [usize]; 3] = if width <= STACK_ROW {
        let [x, y, z] = &mut stack;
        [&mut x[..width], &mut y[..width], &mut z[..width]]
    } else {
        heap = vec![0usize; 3 * width];
        let (x, rest) = heap.split_at_mut(width);
        let (y, z) = rest.split_at_mut(width);
        [x, y, z]
    };
    let (mut older, mut prev, mut cur) = (older, prev, cur);
    for (j, cell) in prev.iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = i;
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(older[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        (older, prev, cur) = (prev, cur, older);
    }
    let distance = prev[width - 1];
    (distance <= max).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_with_letters_too_far_apart_are_no_typo_and_the_rest_are_compared() {
        let words =
            ["tent", "tnet", "tents", "jacket", "jakcet", "jackets", "racket", "saucepan", "sauspan", "thermal", "themals", "café", "cafe", "x", ""];
        for a in words {
            for b in words {
                for max in 0..=2 {
                    // The same answer as comparing letter by letter, for every pair.
                    let full = if a.chars().next() == b.chars().next() {
                        bounded_edit_distance(a, b, max)
                    } else {
                        max.checked_sub(1).and_then(|m| bounded_edit_distance(a, b, m)).map(|d| d + 1)
                    };
                    assert_eq!(typo_edits(a, b, max), full, "{a} {b} {max}");
                }
            }
        }
        assert_eq!(typo_edits("tnet", "tent", 1), Some(1));
        assert_eq!(typo_edits("jacket", "racket", 2), Some(2));
        assert_eq!(typo_edits("jacket", "saucepan", 2), None);
    }

    #[test]
    fn spellings_of_one_sound_share_a_key() {
        assert_eq!(sound_key("headphones"), sound_key("hedfones"));
        assert_eq!(sound_key("saucepan").as_deref(), Some("sosepan"));
        assert_eq!(sound_key("sorspan").as_deref(), Some("sospan"));
        assert_eq!(sound_key("café"), None);
        let x = with_words(&[("headphones", 9), ("hedges", 1)]);
        assert_eq!(x.sounds_like("hedfones"), Some("headphones"));
        assert_eq!(x.sounds_like("hadfines"), None, "a key two edits away is another word");
    }

    fn with_words(words: &[(&str, u32)]) -> SearchExtras {
        let mut vocabulary: Vec<(String, u32)> = words.iter().map(|(w, n)| (w.to_string(), *n)).collect();
        vocabulary.sort();
        SearchExtras { vocabulary, ..Default::default() }
    }

    #[test]
    fn compounds_split_into_two_known_words() {
        let x = with_words(&[("sleeping", 4), ("bag", 9), ("bags", 2), ("rain", 3), ("jacket", 12), ("headphones", 5), ("head", 1), ("phones", 1)]);
        assert_eq!(x.split_compound("sleepingbag"), Some(("sleeping", "bag")));
        assert_eq!(x.split_compound("rainjacket"), Some(("rain", "jacket")));
        assert_eq!(x.split_compound("headphones"), None, "a known word stays whole");
        assert_eq!(x.split_compound("rainxyz"), None);
        assert_eq!(x.split_compound("bagbag"), Some(("bag", "bag")));
        assert_eq!(x.uses("jacket"), 12);
        assert_eq!(x.uses("coat"), 0);
        // A single letter the titles write apart starts a compound; not one they never use.
        let x = with_words(&[("v", 3), ("neck", 3), ("lights", 9)]);
        assert_eq!(x.split_compound("vneck"), Some(("v", "neck")));
        assert_eq!(x.split_compound("flights"), None);
        // The plural of a compound whose last part is written without an "s".
        let x = with_words(&[("slip", 3), ("on", 19)]);
        assert_eq!(x.split_compound("slipons"), Some(("slip", "on")));
    }

    #[test]
    fn a_typo_on_the_first_letter_counts_twice() {
        assert_eq!(typo_edits("flights", "lights", 1), None);
        assert_eq!(typo_edits("flights", "lights", 2), Some(2));
        assert_eq!(typo_edits("praka", "parka", 1), Some(1));
        assert_eq!(typo_edits("jaket", "jacket", 1), Some(1));
        assert_eq!(typo_edits("xacket", "jacket", 1), None);
        let x = with_words(&[("lights", 9), ("light", 4)]);
        assert_eq!(x.closest_word("flights", 1), None);
        assert_eq!(x.closest_word("ligths", 1), Some("lights"));
    }

    #[test]
    fn edit_distance() {
        assert_eq!(bounded_edit_distance("jaket", "jacket", 2), Some(1));
        assert_eq!(bounded_edit_distance("headphnes", "headphones", 2), Some(1));
        assert_eq!(bounded_edit_distance("tent", "tent", 0), Some(0));
        assert_eq!(bounded_edit_distance("abc", "xyz", 2), None);
        assert_eq!(bounded_edit_distance("tnet", "tent", 2), Some(1));
        assert_eq!(bounded_edit_distance("", "ab", 2), Some(2));
        assert_eq!(bounded_edit_distance("ab", "", 1), None);
        assert_eq!(bounded_edit_distance("kaffée", "kaffee", 1), Some(1));
        assert_eq!(bounded_edit_distance("ca", "abc", 3), Some(3));
        let long = "a".repeat(60);
        assert_eq!(bounded_edit_distance(&long, &format!("{long}bb"), 2), Some(2));
    }

    /// The row-by-row version agrees with the textbook full-matrix one.
    #[test]
    fn edit_distance_matches_full_matrix() {
        fn full(a: &str, b: &str) -> usize {
            let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
            for (i, row) in d.iter_mut().enumerate() {
                row[0] = i;
            }
            for (j, cell) in d[0].iter_mut().enumerate() {
                *cell = j;
            }
            for i in 1..=a.len() {
                for j in 1..=b.len() {
                    let cost = usize::from(a[i - 1] != b[j - 1]);
                    d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
                    if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                        d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                    }
                }
            }
            d[a.len()][b.len()]
        }
        let words = ["", "a", "tent", "tnet", "tents", "jacket", "jaket", "headphones", "hedaphones", "abcdef", "badcfe", "über", "uber"];
        for a in words {
            for b in words {
                let d = full(a, b);
                for max in 0..4 {
                    assert_eq!(bounded_edit_distance(a, b, max), (d <= max).then_some(d), "{a} {b} {max}");
                }
            }
        }
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

    #[test]
    fn agent_nouns_of_the_shops_activities_correct_typos() {
        let extras = SearchExtras { vocabulary: vec![("hiking".into(), 5), ("running".into(), 9), ("tracking".into(), 2)], ..Default::default() };
        assert_eq!(extras.closest_agent_noun("traker", 1).as_deref(), Some("tracker"));
        assert_eq!(extras.closest_agent_noun("runers", 1).as_deref(), Some("runner"));
        // The word itself is no typo, and nothing is two edits from a one-typo word.
        assert_eq!(extras.closest_agent_noun("hiker", 1), None);
        assert_eq!(extras.closest_agent_noun("trakr", 1), None);
    }

    #[test]
    fn a_verb_finds_the_shops_word_for_what_can_be_done_with_a_thing() {
        let words = ["breathable", "compressible", "dimmable", "packable", "pan", "reusable"];
        let extras = SearchExtras { vocabulary: words.iter().map(|w| (w.to_string(), 1)).collect(), ..Default::default() };
        for (verb, able) in [
            ("dim", "dimmable"),
            ("dims", "dimmable"),
            ("packs", "packable"),
            ("breathe", "breathable"),
            ("compress", "compressible"),
            ("reuse", "reusable"),
        ] {
            assert_eq!(extras.able_forms(verb), vec![able.to_string()], "{verb}");
        }
        // A word the shop uses is searched as itself; an "-able" word has none.
        for word in ["pan", "packable", "tent"] {
            assert!(extras.able_forms(word).is_empty(), "{word}");
        }
    }

    #[test]
    fn a_word_the_shop_writes_with_a_hyphen_is_taken_apart_typed_as_one() {
        let extras = SearchExtras { hyphenated: vec![("usbc".into(), "usb c".into()), ("wifi".into(), "wi fi".into())], ..Default::default() };
        assert_eq!(extras.hyphenated_apart("wifi").as_deref(), Some("wi fi"));
        assert_eq!(extras.hyphenated_apart("usbcs").as_deref(), Some("usb cs"));
        assert_eq!(extras.hyphenated_apart("wif"), None);
    }
}
