//! Colour words: shoppers type the plain name of a hue ("blue hoodie", "grey jumper", "crimson")
//! where shops name their colours otherwise (Navy, Sky, Charcoal, Burgundy). WordNet places each
//! colour under a hue (navy → dark blue → blue; burgundy → dark red → red; charcoal → grey), so at
//! build time each hue's names, and the colour names whose most common sense is that colour, are
//! mapped to the shop's own colours of that hue (its option values). The search tries those in
//! the typed word's place, below the word itself.

use crate::everyday::Lexicon;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Shop colours one colour word stands for, at most.
const TARGETS: usize = 4;
/// Links walked up from a colour to its hue, at most (WordNet's colour tree is shallow).
const MAX_UP: usize = 6;

impl Lexicon {
    /// Colour words → the shop's colours of the same hue, most offered first (`colours`: the
    /// values of its colour options, lowercased, with how many products offer each; a colour
    /// word of several words counts by each of its words: "heather grey" is grey). A one-word
    /// shop colour's hue is that of its own noun senses ("navy": dark blue); else of a two-word
    /// colour name it starts ("sage green", "sky-blue"); else the hue its adjective's definition
    /// names ("lilac": of a pale purple color). A word of a longer value counts by its own noun
    /// senses only ("dark navy" is navy, not the "dark" of dark red).
    ///
    /// The colour words are a hue's names ("blue", "grey", "gray"), and the words whose every
    /// noun sense is a colour ("crimson", "azure"; not "bleach", "coral" or "wine", which are
    /// other things too) that the shop's `vocabulary` does not use: a shopper typing those means
    /// the colour. A colour the shop names itself is that colour ("burgundy" is not any red).
    pub fn colour_words(&self, colours: &BTreeMap<String, u32>, vocabulary: &BTreeMap<String, u32>) -> Vec<(String, Vec<String>)> {
        let roots: HashSet<u32> = ["chromatic color", "achromatic color"].iter().filter_map(|l| self.senses.get(*l)).flatten().copied().collect();
        if roots.is_empty() {
            return Vec::new();
        }
        // Each hue (a synset right under a root) and the colour synsets under it.
        let mut hue_of: HashMap<u32, u32> = HashMap::new();
        for root in &roots {
            for hue in self.synsets.get(root).map(|s| s.narrower.clone()).unwrap_or_default() {
                let mut level = vec![hue];
                for _ in 0..=MAX_UP {
                    level = level
                        .into_iter()
                        .filter(|s| hue_of.insert(*s, hue).is_none())
                        .flat_map(|s| self.synsets.get(&s).map(|s| s.narrower.clone()).unwrap_or_default())
                        .collect();
                }
            }
        }
        // The hues by their single-word names ("blue", "gray", "grey"), for definitions.
        let mut hue_named: HashMap<&str, u32> = HashMap::new();
        for hue in hue_of.values().collect::<BTreeSet<_>>() {
            for w in self.synsets.get(hue).map(|s| s.words.as_slice()).unwrap_or_default() {
                if !w.contains(' ') {
                    hue_named.insert(w.as_str(), *hue);
                }
            }
        }
        // The shop's colours by hue: each word that carries one, with the products offering it.
        let senses = |lemma: &str| self.senses.get(lemma).cloned().unwrap_or_default();
        let own_hues = |word: &str| -> BTreeSet<u32> { senses(word).iter().filter_map(|s| hue_of.get(s)).copied().collect() };
        let mut by_hue: HashMap<u32, BTreeMap<&str, u32>> = HashMap::new();
        for (value, uses) in colours {
            let words: Vec<&str> = value.split(|c: char| !c.is_alphabetic()).filter(|w| w.len() >= 3).collect();
            let mut found: Vec<(&str, BTreeSet<u32>)> = Vec::new();
            if let [colour] = words[..] {
                // Its own colour senses; else the colour names it starts; else its adjective's.
                let mut hues = own_hues(colour);
                if hues.is_empty() {
                    for name in hue_named.keys() {
                        for two in [format!("{colour} {name}"), format!("{colour}-{name}")] {
                            hues.extend(senses(&two).iter().filter_map(|s| hue_of.get(s)));
                        }
                    }
                }
                if hues.is_empty() {
                    for definition in self.colour_adjectives.get(colour).into_iter().flatten() {
                        hues.extend(definition.split(|c: char| !c.is_ascii_alphabetic()).filter_map(|w| hue_named.get(w)));
                    }
                }
                found.push((colour, hues));
            } else {
                found.extend(words.iter().map(|w| (*w, own_hues(w))));
            }
            for (word, hues) in found {
                for hue in hues {
                    *by_hue.entry(hue).or_default().entry(word).or_default() += uses;
                }
            }
        }
        let shop_colour = |w: &str| by_hue.values().any(|c| c.contains_key(w));
        // Colour words: a hue's names; other words whose every sense is a colour, unless the
        // shop uses them.
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (lemma, offsets) in &self.senses {
            if lemma.contains(' ') || !lemma.chars().all(|c| c.is_ascii_alphabetic()) {
                continue;
            }
            let hue = if hue_named.contains_key(lemma.as_str()) {
                // In any of its senses ("grey" is a statesman first).
                offsets.iter().find_map(|s| hue_of.get(s))
            } else if offsets.iter().all(|s| hue_of.contains_key(s)) && !vocabulary.contains_key(lemma) && !shop_colour(lemma) {
                offsets.first().and_then(|s| hue_of.get(s))
            } else {
                None
            };
            let Some(hue) = hue else { continue };
            let mut targets: Vec<(&str, u32)> = by_hue.get(hue).into_iter().flatten().filter(|(c, _)| *c != lemma).map(|(c, n)| (*c, *n)).collect();
            targets.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            if !targets.is_empty() {
                out.push((lemma.clone(), targets.into_iter().take(TARGETS).map(|(c, _)| c.to_string()).collect()));
            }
        }
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // WordNet's colour tree in its format: chromatic color → blue → dark blue (navy), red →
    // dark red (burgundy), crimson, green → sage green; achromatic color → gray (charcoal below
    // it); "navy" the fleet first; "wine" the drink first, then dark red.
    const DATA: &str = "  1 This software and database is being provided\n\
04966849 07 n 01 chromatic_color 0 003 ~ 04972451 n 0000 ~ 04974968 n 0000 ~ 04974900 n 0000 | a color that has hue\n\
04974900 07 n 02 green 0 greenness 0 002 @ 04966849 n 0000 ~ 04974978 n 0000 | green color\n\
04967256 07 n 01 achromatic_color 0 001 ~ 04968895 n 0000 | a color lacking hue\n\
04972451 07 n 02 blue 0 blueness 0 002 @ 04966849 n 0000 ~ 04976952 n 0000 | the color of the clear sky\n\
04976952 07 n 03 dark_blue 0 navy 0 navy_blue 0 001 @ 04972451 n 0000 | a dark shade of blue\n\
04974968 07 n 02 red 0 redness 0 003 @ 04966849 n 0000 ~ 04975122 n 0000 ~ 04976100 n 0000 | red color\n\
04975122 07 n 03 dark_red 0 burgundy 0 wine 0 001 @ 04974968 n 0000 | a dark purplish-red color\n\
04976100 07 n 01 crimson 0 001 @ 04974968 n 0000 | a deep and vivid red color\n\
04968895 07 n 04 gray 0 grey 0 grayness 0 greyness 0 002 @ 04967256 n 0000 ~ 04969000 n 0000 | an achromatic color\n\
04969000 07 n 02 charcoal 0 charcoal_grey 0 001 @ 04968895 n 0000 | a very dark grey color\n\
04974978 07 n 01 sage_green 0 001 @ 04974900 n 0000 | a grey-green color\n\
08191230 14 n 01 navy 0 000 | an organization of military vessels\n\
07891726 13 n 01 wine 0 000 | fermented juice of grapes\n";
    const INDEX: &str = "  1 This software and database is being provided\n\
achromatic_color n 1 1 ~ 1 0 04967256  \n\
blue n 1 1 ~ 1 0 04972451  \n\
burgundy n 1 1 @ 1 0 04975122  \n\
charcoal n 1 1 @ 1 0 04969000  \n\
chromatic_color n 1 1 ~ 1 0 04966849  \n\
crimson n 1 1 @ 1 0 04976100  \n\
gray n 1 1 @ 1 0 04968895  \n\
green n 1 1 @ 1 0 04974900  \n\
grey n 1 1 @ 1 0 04968895  \n\
navy n 2 1 @ 2 0 08191230 04976952  \n\
red n 1 1 ~ 1 0 04974968  \n\
sage_green n 1 1 @ 1 0 04974978  \n\
wine n 2 1 @ 2 0 07891726 04975122  \n";
    const ADJECTIVES: &str = "  1 This software and database is being provided\n\
00377979 00 s 03 lavender 0 lilac 0 lilac-colored 0 001 & 00367771 a 0000 | of a pale purple color  \n\
00384251 00 s 01 sage-green 0 001 & 00367771 a 0000 | of a grey-green color  \n";

    #[test]
    fn a_hues_names_find_the_shops_colours_of_that_hue() {
        let lexicon = Lexicon::parse(INDEX, DATA).with_adjectives(ADJECTIVES);
        let colours: BTreeMap<String, u32> =
            [("navy", 40), ("burgundy", 10), ("charcoal", 12), ("sage", 7), ("heather grey", 9)].map(|(c, n)| (c.to_string(), n)).into();
        let words = lexicon.colour_words(&colours, &BTreeMap::new());
        let get = |w: &str| words.iter().find(|(e, _)| e == w).map(|(_, t)| t.clone());
        assert_eq!(get("blue"), Some(vec!["navy".to_string()]), "navy is dark blue");
        assert_eq!(get("red"), Some(vec!["burgundy".to_string()]), "burgundy is dark red");
        assert_eq!(get("green"), Some(vec!["sage".to_string()]), "a colour named by the first word of a colour's name");
        assert_eq!(get("crimson"), get("red"), "a colour name stands for its hue's colours");
        // Grey, spelt either way, finds charcoal; the shop's own grey is not mapped to itself.
        assert_eq!(get("gray"), Some(vec!["charcoal".to_string(), "grey".to_string()]));
        assert_eq!(get("grey"), Some(vec!["charcoal".to_string()]));
        // A word whose most common sense is no colour is left alone: "wine" is a drink first.
        assert_eq!(get("wine"), None);
        assert_eq!(get("navy"), None, "the shop's own colour, and a fleet first");
        assert_eq!(get("burgundy"), None, "a colour the shop names is that colour, not any red");
        // A word the shop uses is not a colour word; a shade word of a longer value has no hue.
        let vocabulary: BTreeMap<String, u32> = [("crimson".to_string(), 2)].into();
        assert_eq!(lexicon.colour_words(&colours, &vocabulary).iter().find(|(w, _)| w == "crimson"), None);
        let dark: BTreeMap<String, u32> = [("dark navy".to_string(), 3)].into();
        assert_eq!(lexicon.colour_words(&dark, &BTreeMap::new()).iter().find(|(w, _)| w == "red"), None, "dark is not dark red");
    }

    #[test]
    fn a_colour_named_only_by_its_adjective_takes_the_hue_its_definition_names() {
        let data = format!("{DATA}12345678 07 n 02 purple 0 purpleness 0 001 @ 04966849 n 0000 | a purple color\n");
        let data = data.replace("04966849 07 n 01 chromatic_color 0 003", "04966849 07 n 01 chromatic_color 0 004 ~ 12345678 n 0000");
        let index = format!("{INDEX}purple n 1 1 @ 1 0 12345678  \n");
        let lexicon = Lexicon::parse(&index, &data).with_adjectives(ADJECTIVES);
        let words = lexicon.colour_words(&[("lilac".to_string(), 3)].into(), &BTreeMap::new());
        assert_eq!(words.iter().find(|(w, _)| w == "purple").map(|(_, t)| t.clone()), Some(vec!["lilac".to_string()]));
    }
}
