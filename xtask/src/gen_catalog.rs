//! `cargo xtask gen-catalog`: a seeded, deterministic generator of a realistic sample shop.
//!
//! Writes the format described in `catalog/README.md`: `shop.toml`, `categories.toml`,
//! `products/<slug>.toml`, one small SVG per product under `images/` and a few Markdown pages.
//! The same seed and product count always give byte-identical output. The words (categories,
//! brands, models, descriptors, options, sentences) are data, `xtask/data/gen-catalog.toml`;
//! this file is the generator: the PRNG (SplitMix64), product assembly and the output format.

use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------------

/// SplitMix64: tiny, fast and good enough for sample data (also the analytics history's).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.next() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p / 1000`.
    pub(crate) fn permille(&mut self, p: u32) -> bool {
        self.below(1000) < p as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `k` distinct indices of `0..n` in random order.
    fn sample(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..n).collect();
        let k = k.min(n);
        for i in 0..k {
            let j = i + self.below(n - i);
            idx.swap(i, j);
        }
        idx.truncate(k);
        idx
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary (data: xtask/data/gen-catalog.toml)
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Vocabulary {
    /// Label, SKU code, RGB.
    palette: Vec<(String, String, u32)>,
    /// Description closers any category may use.
    generic_closers: Vec<String>,
    #[serde(rename = "category")]
    tops: Vec<Top>,
}

/// The vocabulary, read once.
fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: std::sync::OnceLock<Vocabulary> = std::sync::OnceLock::new();
    VOCABULARY.get_or_init(|| toml::from_str(include_str!("../data/gen-catalog.toml")).unwrap_or_else(|e| panic!("xtask/data/gen-catalog.toml: {e}")))
}

fn colour(label: &str) -> (&'static str, u32) {
    vocabulary().palette.iter().find(|c| c.0 == label).map(|c| (c.1.as_str(), c.2)).unwrap_or(("CLR", 0x808080))
}

#[derive(Clone, Copy, PartialEq, Debug, Deserialize)]
enum Shape {
    Headphones,
    Earbuds,
    Speaker,
    Watch,
    PowerBank,
    Drive,
    TShirt,
    Jacket,
    Hoodie,
    BaseLayer,
    Shoe,
    Boot,
    Tent,
    Backpack,
    SleepingBag,
    Pan,
    Bottle,
    Lamp,
}

#[derive(Deserialize)]
enum Vals {
    /// Colours from the leaf's palette list.
    Colours,
    /// S/M/L/XL, sometimes with XS and/or XXL.
    ApparelSizes,
    /// Label and SKU code.
    List(Vec<(String, String)>),
}

#[derive(Deserialize)]
struct Opt {
    name: String,
    vals: Vals,
    /// Chance in percent that a product has this option.
    prob: u32,
    min: usize,
    max: usize,
    /// Take a run of neighbouring values (sizes, capacities) rather than a random subset.
    contiguous: bool,
    /// Price increase in percent per step along the chosen values.
    step: u64,
}

/// Title word, and the attribute it implies (empty name for none).
type Desc = (String, String, String);
type Attr = (String, Vec<String>);

#[derive(Deserialize)]
struct Leaf {
    slug: String,
    name: String,
    description: String,
    weight: u32,
    brands: Vec<String>,
    models: Vec<String>,
    editions: Vec<String>,
    descriptors: Vec<Desc>,
    nouns: Vec<String>,
    /// Base price range in whole euros.
    price: (usize, usize),
    colours: Vec<String>,
    opts: Vec<Opt>,
    attrs: Vec<Attr>,
    tags: Vec<String>,
    pitches: Vec<String>,
    uses: Vec<String>,
    features: Vec<String>,
    shape: Shape,
}

#[derive(Deserialize)]
struct Top {
    slug: String,
    name: String,
    description: String,
    closers: Vec<String>,
    leaves: Vec<Leaf>,
}

// ---------------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------------

/// A TOML basic string, quotes included.
fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    escape_into(&mut out, s, false);
    out.push('"');
    out
}

/// Escapes for a basic (`multiline == false`) or multi-line basic string.
fn escape_into(out: &mut String, s: &str, multiline: bool) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if multiline => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// A table key: bare when possible, quoted otherwise.
fn key(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        s.to_string()
    } else {
        q(s)
    }
}

fn array(items: &[&str]) -> String {
    let parts: Vec<String> = items.iter().map(|s| q(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// Lower-cases ordinary capitalised words ("Over-Ear Headphones" -> "over-ear headphones")
/// but keeps acronyms and brand-style words ("USB-C", "microSD", "GPS").
fn lower_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let mut cs = word.chars();
        let plain = word.chars().count() > 1 && cs.next().is_some_and(|c| c.is_uppercase()) && cs.all(|c| !c.is_uppercase());
        if plain {
            out.push_str(&word.to_lowercase());
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in s.chars() {
        if c == ' ' || c == '-' {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn article(word: &str) -> &'static str {
    let lower = word.to_ascii_lowercase();
    let vowel = lower.starts_with(['a', 'e', 'i', 'o', 'u']);
    // Acronyms read letter by letter: "an LED", "a GPS".
    let acronym = word.len() > 1 && word.chars().take(3).all(|c| c.is_ascii_uppercase());
    if acronym {
        if word.starts_with(['A', 'E', 'F', 'H', 'I', 'L', 'M', 'N', 'O', 'R', 'S', 'X']) {
            "an"
        } else {
            "a"
        }
    } else if vowel {
        "an"
    } else {
        "a"
    }
}

/// Three upper-case letters for SKUs.
fn code3(s: &str) -> String {
    let mut c: String = s.chars().filter(|c| c.is_ascii_alphabetic()).take(3).collect::<String>().to_ascii_uppercase();
    while c.len() < 3 {
        c.push('X');
    }
    c
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Day offset from 2024-01-01 to a date string.
fn date_from_offset(mut days: usize) -> String {
    let mut year = 2024;
    loop {
        let len = if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) { 366 } else { 365 };
        if days < len {
            break;
        }
        days -= len;
        year += 1;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let months = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 0;
    while days >= months[month] {
        days -= months[month];
        month += 1;
    }
    format!("{year:04}-{:02}-{:02}", month + 1, days + 1)
}

/// Days from 2024-01-01 to 2026-10-31 inclusive.
const DATE_SPAN: usize = 366 + 365 + 304;

/// Rounds to a shop price in minor units: `.99`, `.00` or `.50`.
fn nice_price(cents: u64, style: u8) -> u64 {
    let e = (cents / 100).max(1);
    match style {
        0 => {
            let e = if e >= 20 { ((e + 2) / 5 * 5).max(5) - 1 } else { e };
            e * 100 + 99
        }
        1 => {
            let e = if e >= 20 { (e + 2) / 5 * 5 } else { e };
            e * 100
        }
        _ => e * 100 + 50,
    }
}

// ---------------------------------------------------------------------------------------------
// Colours and images
// ---------------------------------------------------------------------------------------------

fn mix(a: u32, b: u32, t_permille: u32) -> u32 {
    let ch = |shift: u32| {
        let x = (a >> shift) & 0xff;
        let y = (b >> shift) & 0xff;
        ((x * (1000 - t_permille) + y * t_permille) / 1000) & 0xff
    };
    (ch(16) << 16) | (ch(8) << 8) | ch(0)
}

fn luma(c: u32) -> u32 {
    (((c >> 16) & 0xff) * 299 + ((c >> 8) & 0xff) * 587 + (c & 0xff) * 114) / 1000
}

fn svg(shape: Shape, rgb: u32, brand: &str) -> String {
    let (bg, circle, dark) = if luma(rgb) > 190 {
        (0xe6e8eb, 0xd2d6db, mix(rgb, 0x000000, 550))
    } else {
        (mix(rgb, 0xffffff, 880), mix(rgb, 0xffffff, 740), mix(rgb, 0x000000, 380))
    };
    let (f, b, d) = (format!("{rgb:06x}"), format!("{circle:06x}"), format!("{dark:06x}"));
    let body = match shape {
        Shape::Headphones => format!(
            r##"<path d="M230 440V390a170 170 0 0 1 340 0v50" fill="none" stroke="#{d}" stroke-width="34"/><rect x="185" y="400" width="100" height="180" rx="44" fill="#{f}"/><rect x="515" y="400" width="100" height="180" rx="44" fill="#{f}"/>"##
        ),
        Shape::Earbuds => format!(
            r##"<g fill="#{f}"><circle cx="320" cy="340" r="72"/><rect x="298" y="350" width="44" height="190" rx="22"/><circle cx="480" cy="340" r="72"/><rect x="458" y="350" width="44" height="190" rx="22"/></g><circle cx="320" cy="340" r="30" fill="#{d}"/><circle cx="480" cy="340" r="30" fill="#{d}"/>"##
        ),
        Shape::Speaker => format!(
            r##"<rect x="270" y="170" width="260" height="440" rx="44" fill="#{f}"/><circle cx="400" cy="290" r="52" fill="#{d}"/><circle cx="400" cy="465" r="95" fill="#{d}"/><circle cx="400" cy="465" r="35" fill="#{b}"/>"##
        ),
        Shape::Watch => format!(
            r##"<rect x="345" y="130" width="110" height="520" rx="30" fill="#{d}"/><rect x="285" y="265" width="230" height="250" rx="64" fill="#{f}"/><rect x="315" y="295" width="170" height="190" rx="44" fill="#{b}"/><path d="M400 390v-60m0 60l40 30" stroke="#{d}" stroke-width="12" stroke-linecap="round"/>"##
        ),
        Shape::PowerBank => format!(
            r##"<rect x="275" y="180" width="250" height="420" rx="40" fill="#{f}"/><rect x="360" y="210" width="80" height="14" rx="7" fill="#{b}"/><g fill="#{b}"><circle cx="355" cy="540" r="10"/><circle cx="385" cy="540" r="10"/><circle cx="415" cy="540" r="10"/><circle cx="445" cy="540" r="10"/></g>"##
        ),
        Shape::Drive => format!(
            r##"<rect x="300" y="170" width="200" height="330" rx="26" fill="#{f}"/><rect x="345" y="500" width="110" height="110" rx="8" fill="#{d}"/><rect x="330" y="210" width="140" height="60" rx="10" fill="#{b}"/>"##
        ),
        Shape::TShirt => format!(
            r##"<path d="M300 190l-130 70 50 110 60-30v280h240V340l60 30 50-110-130-70c-15 40-55 60-100 60s-85-20-100-60z" fill="#{f}"/><path d="M300 190c15 40 55 60 100 60s85-20 100-60" fill="none" stroke="#{d}" stroke-width="10"/>"##
        ),
        Shape::Jacket => format!(
            r##"<path d="M300 180l-120 60-50 360h80l40-220v330h300V380l40 220h80l-50-360-120-60c-15 35-55 55-100 55s-85-20-100-55z" fill="#{f}"/><path d="M400 235v415" stroke="#{d}" stroke-width="8"/>"##
        ),
        Shape::Hoodie => format!(
            r##"<path d="M300 180l-120 60-50 360h80l40-220v330h300V380l40 220h80l-50-360-120-60c-15 35-55 55-100 55s-85-20-100-55z" fill="#{f}"/><path d="M300 185c10-100 190-100 200 0c-30 55-170 55-200 0z" fill="#{d}"/><rect x="320" y="500" width="160" height="80" rx="20" fill="#{d}"/>"##
        ),
        Shape::BaseLayer => format!(
            r##"<path d="M320 180l-110 50-40 370h70l50-240v290h220V360l50 240h70l-40-370-110-50c-15 30-50 45-80 45s-65-15-80-45z" fill="#{f}"/><path d="M400 225v90" stroke="#{d}" stroke-width="8"/>"##
        ),
        Shape::Shoe => format!(
            r##"<path d="M150 540c0-70 20-150 50-190l70 20c30 40 90 70 170 70c80 0 170 40 220 80c20 20 20 60-10 70H180c-20 0-30-20-30-50z" fill="#{f}"/><rect x="150" y="565" width="500" height="34" rx="17" fill="#{d}"/><path d="M300 410l30-22m0 42l30-22m0 36l30-22" stroke="#{b}" stroke-width="10"/>"##
        ),
        Shape::Boot => format!(
            r##"<path d="M190 580V230h150l10 170c70 25 190 45 250 95c30 25 30 70 0 85z" fill="#{f}"/><rect x="180" y="572" width="440" height="38" rx="14" fill="#{d}"/><path d="M290 280h50m-50 40h50m-45 40h50" stroke="#{b}" stroke-width="10"/>"##
        ),
        Shape::Tent => format!(
            r##"<path d="M400 150v40" stroke="#{d}" stroke-width="10"/><path d="M400 180L140 610h520z" fill="#{f}"/><path d="M400 330l-85 280h170z" fill="#{d}"/>"##
        ),
        Shape::Backpack => format!(
            r##"<path d="M340 240a60 60 0 0 1 120 0" fill="none" stroke="#{d}" stroke-width="26"/><rect x="255" y="220" width="290" height="400" rx="80" fill="#{f}"/><rect x="305" y="430" width="190" height="140" rx="26" fill="#{d}"/><path d="M255 330h290" stroke="#{d}" stroke-width="10"/>"##
        ),
        Shape::SleepingBag => format!(
            r##"<rect x="295" y="130" width="210" height="500" rx="105" fill="#{f}"/><ellipse cx="400" cy="235" rx="62" ry="55" fill="#{b}"/><path d="M400 300v310" stroke="#{d}" stroke-width="8" stroke-dasharray="18 12"/>"##
        ),
        Shape::Pan => format!(
            r##"<rect x="500" y="375" width="240" height="46" rx="23" fill="#{d}"/><circle cx="340" cy="400" r="180" fill="#{f}"/><circle cx="340" cy="400" r="135" fill="#{d}"/>"##
        ),
        Shape::Bottle => format!(
            r##"<rect x="355" y="150" width="90" height="80" rx="18" fill="#{d}"/><rect x="320" y="220" width="160" height="410" rx="56" fill="#{f}"/><rect x="320" y="380" width="160" height="90" fill="#{d}" opacity=".3"/>"##
        ),
        Shape::Lamp => format!(
            r##"<path d="M300 190h200l80 210H220z" fill="#{f}"/><rect x="388" y="400" width="24" height="190" fill="#{d}"/><rect x="300" y="585" width="200" height="34" rx="17" fill="#{d}"/>"##
        ),
    };
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800" viewBox="0 0 800 800"><rect width="800" height="800" fill="#{bg:06x}"/><circle cx="400" cy="390" r="290" fill="#{b}"/>{body}<text x="400" y="730" text-anchor="middle" font-family="Helvetica,Arial,sans-serif" font-size="38" font-weight="700" letter-spacing="4" fill="#{d}">{}</text></svg>
"##,
        xml_escape(&brand.to_uppercase())
    )
}

// ---------------------------------------------------------------------------------------------
// Products
// ---------------------------------------------------------------------------------------------

struct ChosenOption {
    name: &'static str,
    /// Label, SKU code, colour (for colour options).
    values: Vec<(&'static str, &'static str, Option<u32>)>,
    step: u64,
}

fn choose_options(rng: &mut Rng, leaf: &'static Leaf) -> Vec<ChosenOption> {
    let mut chosen = Vec::new();
    for opt in &leaf.opts {
        if !rng.permille(opt.prob * 10) {
            continue;
        }
        let values: Vec<(&'static str, &'static str, Option<u32>)> = match &opt.vals {
            Vals::Colours => {
                let k = rng.range(opt.min, opt.max).min(leaf.colours.len());
                rng.sample(leaf.colours.len(), k)
                    .into_iter()
                    .map(|i| {
                        let label = leaf.colours[i].as_str();
                        let (code, rgb) = colour(label);
                        (label, code, Some(rgb))
                    })
                    .collect()
            }
            Vals::ApparelSizes => {
                let mut v = Vec::new();
                if rng.permille(220) {
                    v.push(("XS", "XS", None));
                }
                v.extend([("S", "S", None), ("M", "M", None), ("L", "L", None), ("XL", "XL", None)]);
                if rng.permille(300) {
                    v.push(("XXL", "XXL", None));
                }
                v
            }
            Vals::List(list) => {
                let k = rng.range(opt.min, opt.max).min(list.len());
                if opt.contiguous {
                    let start = rng.below(list.len() - k + 1);
                    list[start..start + k].iter().map(|(l, c)| (l.as_str(), c.as_str(), None)).collect()
                } else {
                    let mut idx = rng.sample(list.len(), k);
                    idx.sort_unstable();
                    idx.into_iter().map(|i| (list[i].0.as_str(), list[i].1.as_str(), None)).collect()
                }
            }
        };
        chosen.push(ChosenOption { name: &opt.name, values, step: opt.step });
    }
    chosen
}

/// Generation-wide state: unique slugs and the catalog summary for shop.toml.
struct State {
    used_slugs: HashSet<String>,
    next_suffix: HashMap<String, u32>,
    /// Per leaf (flattened index), the first few published product slugs.
    published_by_leaf: Vec<Vec<String>>,
}

impl State {
    fn unique_slug(&mut self, base: String) -> String {
        if !self.used_slugs.contains(&base) {
            self.used_slugs.insert(base.clone());
            return base;
        }
        let n = self.next_suffix.entry(base.clone()).or_insert(2);
        loop {
            let candidate = format!("{base}-{n}");
            *n += 1;
            if !self.used_slugs.contains(&candidate) {
                self.used_slugs.insert(candidate.clone());
                return candidate;
            }
        }
    }
}

struct Written {
    slug: String,
    toml: String,
    svg: String,
    published: bool,
}

/// "model descriptor noun", without the descriptor when the model (with its edition) or the noun
/// already says it: a "Backpacking Tent" is not a "Backpacking Backpacking Tent", a "Breeze
/// Sport" not "Breeze Sport Sport Wireless Earphones".
fn title(model: &str, descriptor: &str, noun: &str) -> String {
    let words = |part: &str| part.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect::<Vec<_>>();
    let said = |part: &str| words(part).iter().any(|w| words(descriptor).contains(w));
    if said(model) || said(noun) {
        format!("{model} {noun}")
    } else {
        format!("{model} {descriptor} {noun}")
    }
}

fn product(rng: &mut Rng, state: &mut State, top: &'static Top, leaf: &'static Leaf, counter: usize) -> Written {
    // Title: model [edition] descriptor noun.
    let brand = rng.pick(&leaf.brands).as_str();
    let model = rng.pick(&leaf.models).as_str();
    let edition = if !leaf.editions.is_empty() && rng.permille(180) { Some(rng.pick(&leaf.editions).as_str()) } else { None };
    let desc = rng.pick(&leaf.descriptors);
    let noun = rng.pick(&leaf.nouns).as_str();
    let model_full = match edition {
        Some(e) => format!("{model} {e}"),
        None => model.to_string(),
    };
    let title = title(&model_full, &desc.0, noun);
    let slug = state.unique_slug(edgeshop_import::slugify(&title));

    let options = choose_options(rng, leaf);
    let colour_opt = options.iter().find(|o| o.values.first().is_some_and(|v| v.2.is_some()));
    let (hero_label, hero_rgb) = match colour_opt {
        Some(o) => (o.values[0].0, o.values[0].2.unwrap_or(0x808080)),
        None => {
            let label = rng.pick(&leaf.colours).as_str();
            (label, colour(label).1)
        }
    };

    // Attributes: the descriptor's own first, then others that don't clash with options.
    let mut attrs: Vec<(&str, &str)> = Vec::new();
    if !desc.1.is_empty() {
        attrs.push((desc.1.as_str(), desc.2.as_str()));
    }
    let want = rng.range(2, 4);
    let mut order: Vec<usize> = (0..leaf.attrs.len()).collect();
    rng.shuffle(&mut order);
    for i in order {
        if attrs.len() >= want {
            break;
        }
        let (name, values) = (leaf.attrs[i].0.as_str(), &leaf.attrs[i].1);
        if attrs.iter().any(|a| a.0 == name) || options.iter().any(|o| o.name == name) {
            continue;
        }
        attrs.push((name, rng.pick(values).as_str()));
    }

    // Tags: the descriptor word plus a few from the category.
    let mut tags: Vec<String> = Vec::new();
    let want_tags = rng.range(2, 4);
    let desc_tag = edgeshop_import::slugify(&desc.0);
    if rng.permille(700) {
        tags.push(desc_tag);
    }
    let mut tag_order: Vec<usize> = (0..leaf.tags.len()).collect();
    rng.shuffle(&mut tag_order);
    for i in tag_order {
        if tags.len() >= want_tags {
            break;
        }
        if !tags.iter().any(|t| *t == leaf.tags[i]) {
            tags.push(leaf.tags[i].to_string());
        }
    }

    let published = !rng.permille(40);
    let created = date_from_offset(rng.below(DATE_SPAN));
    let description = describe(rng, top, leaf, &title, brand, &model_full, &desc.0, noun, &attrs);

    // Variants: the cross product of option values, occasionally missing a combination.
    let mut combos: Vec<Vec<usize>> = vec![Vec::new()];
    for o in &options {
        let mut next = Vec::with_capacity(combos.len() * o.values.len());
        for c in &combos {
            for i in 0..o.values.len() {
                let mut c = c.clone();
                c.push(i);
                next.push(c);
            }
        }
        combos = next;
    }
    if options.len() >= 2 && combos.len() >= 4 && rng.permille(350) {
        let drop = rng.range(1, (combos.len() / 6).max(1));
        for _ in 0..drop {
            let i = 1 + rng.below(combos.len() - 1);
            combos.remove(i);
        }
    }

    let (lo, hi) = leaf.price;
    // Skew towards the lower end of the range: most products are mid-priced.
    let u = rng.below(10_000) as u64;
    let base = (lo as u64 * 100) + ((hi - lo) as u64 * 100) * u * u / 100_000_000;
    let style = match rng.below(20) {
        0..=11 => 0u8,
        12..=16 => 1,
        _ => 2,
    };
    let on_sale = rng.permille(270);
    let sale_pct = rng.range(115, 150) as u64;
    let continue_policy = rng.permille(50);
    let brand_code = code3(brand);
    let model_code = code3(model);

    let mut out = String::with_capacity(2048 + combos.len() * 140);
    let _ = writeln!(out, "title = {}", q(&title));
    let _ = writeln!(out, "slug = {}", q(&slug));
    let _ = writeln!(out, "brand = {}", q(brand));
    let _ = writeln!(out, "category = {}", q(&format!("{}/{}", top.slug, leaf.slug)));
    let tag_refs: Vec<&str> = tags.iter().map(String::as_str).collect();
    let _ = writeln!(out, "tags = {}", array(&tag_refs));
    let _ = writeln!(out, "published = {published}");
    let _ = writeln!(out, "created = {}", q(&created));
    out.push_str("description = \"\"\"\n");
    escape_into(&mut out, &description, true);
    out.push_str("\"\"\"\n\n[attributes]\n");
    for (name, value) in &attrs {
        let _ = writeln!(out, "{} = {}", key(name), q(value));
    }
    let image = format!("{slug}-1.svg");
    let alt = format!("{title} in {}", hero_label.to_lowercase());
    let _ = write!(out, "\n[[images]]\nfile = {}\nalt = {}\nwidth = 800\nheight = 800\n", q(&image), q(&alt));
    for o in &options {
        let labels: Vec<&str> = o.values.iter().map(|v| v.0).collect();
        let _ = write!(out, "\n[[options]]\nname = {}\nvalues = {}\n", q(o.name), array(&labels));
    }
    for combo in &combos {
        let mut sku = format!("{brand_code}-{model_code}-{counter:05}");
        let mut labels: Vec<&str> = Vec::with_capacity(combo.len());
        let mut pct = 100u64;
        for (o, &i) in options.iter().zip(combo) {
            sku.push('-');
            sku.push_str(o.values[i].1);
            labels.push(o.values[i].0);
            pct += o.step * i as u64;
        }
        let price = nice_price(base * pct / 100, style);
        let _ = write!(out, "\n[[variants]]\nsku = {}\noptions = {}\nprice = {price}\n", q(&sku), array(&labels));
        if on_sale && rng.permille(900) {
            let mut compare = nice_price(price * sale_pct / 100, style);
            if compare <= price {
                compare = nice_price(price + 1000, style);
            }
            let _ = writeln!(out, "compare_at_price = {compare}");
        }
        let stock = if rng.permille(80) { 0 } else { rng.range(1, 120) };
        let policy = if continue_policy { "continue" } else { "deny" };
        let _ = write!(out, "stock = {stock}\nstock_policy = \"{policy}\"\n");
    }

    Written { svg: svg(leaf.shape, hero_rgb, brand), slug, toml: out, published }
}

#[allow(clippy::too_many_arguments)]
fn describe(
    rng: &mut Rng,
    top: &Top,
    leaf: &Leaf,
    title: &str,
    brand: &str,
    model: &str,
    descriptor: &str,
    noun: &str,
    attrs: &[(&str, &str)],
) -> String {
    let pitch = rng.pick(&leaf.pitches);
    let uses = rng.sample(leaf.uses.len(), 2);
    let (use1, use2) = (&leaf.uses[uses[0]], &leaf.uses[uses[1]]);
    let noun_lc = lower_words(noun);
    let desc_lc = lower_words(descriptor);
    let first = match rng.below(6) {
        0 => format!("The {title} is built for {use1} and {use2}. {pitch}"),
        1 => format!("Meet the **{model}** from {brand}: {} {desc_lc} {noun_lc} made for {use1}. {pitch}", article(&desc_lc)),
        2 => format!("{brand} designed the {model} for {use1}, {use2} and everything in between. {pitch}"),
        3 => format!("Whether it's {use1} or {use2}, the {title} keeps up. {pitch}"),
        4 => format!("{pitch} The {title} from {brand} is our pick for {use1}."),
        _ => format!("Built by {brand} for {use1}, the **{model}** pairs thoughtful details with everyday durability. {pitch}"),
    };

    let mut second = rng.pick(&top.closers).replace("{brand}", brand);
    if let Some((_, material)) = attrs.iter().find(|a| a.0 == "Material") {
        if rng.permille(600) {
            let _ = write!(second, " Made from {}.", lower_words(material));
        }
    }
    if rng.permille(600) {
        second.push(' ');
        second.push_str(rng.pick(&vocabulary().generic_closers).as_str());
    }

    let mut text = format!("{first}\n\n{second}\n\n");
    let n = rng.range(3, 5).min(leaf.features.len());
    let mut bullets: Vec<String> = rng.sample(leaf.features.len(), n).into_iter().map(|i| leaf.features[i].to_string()).collect();
    if let Some((name, value)) = attrs.get(rng.below(attrs.len().max(1))) {
        if rng.permille(500) {
            bullets.insert(0, format!("**{name}:** {value}"));
        }
    }
    for b in bullets {
        let _ = writeln!(text, "- {b}");
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Shop-level files
// ---------------------------------------------------------------------------------------------

const SHOP_NAME: &str = "Northwind Outfitters";
const COUNTRIES: &[(&str, &str)] = &[
    ("IE", "Ireland"),
    ("GB", "the United Kingdom"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("NL", "the Netherlands"),
    ("BE", "Belgium"),
    ("ES", "Spain"),
    ("IT", "Italy"),
    ("AT", "Austria"),
    ("PT", "Portugal"),
    ("DK", "Denmark"),
    ("SE", "Sweden"),
    ("FI", "Finland"),
    ("PL", "Poland"),
];
const FEATURED_CATEGORIES: &[&str] = &["audio", "apparel", "footwear", "outdoor"];

fn shop_toml(featured: &[String]) -> String {
    let featured: Vec<&str> = featured.iter().map(String::as_str).collect();
    let countries: Vec<&str> = COUNTRIES.iter().map(|c| c.0).collect();
    format!(
        "name = {}\ntagline = {}\ncurrency = \"EUR\"\nlocale = \"en-IE\"\nbase_url = \"https://shop.example.com\"\nfeatured_products = {}\nfeatured_categories = {}\n\n[shipping]\nflat_rate = 495\nfree_over = 5000\ncountries = {}\n\n[tax]\nrate_bp = 2300\nprices_include_tax = true\n\n[search]\nout_of_stock = \"lower\"\n\n[email]\nfrom = \"orders@shop.example.com\"\nreply_to = \"help@shop.example.com\"\nmerchant = [\"owner@shop.example.com\"]\n",
        q(SHOP_NAME),
        q("Gear for long days outside"),
        array(&featured),
        array(FEATURED_CATEGORIES),
        array(&countries),
    )
}

/// Words shoppers use for the same thing, and one pinned result (the first featured product for "gift").
fn synonyms_toml(featured: &[String]) -> String {
    let mut out = String::from(
        "# Search synonyms: each group lists words or phrases that mean the same thing.\n\
         synonyms = [\n  [\"tee\", \"t-shirt\", \"tshirt\"],\n  [\"trainers\", \"sneakers\"],\n  [\"rucksack\", \"backpack\"],\n  \
         [\"hoodie\", \"sweatshirt\", \"pullover\"],\n  [\"earphones\", \"earbuds\", \"in-ear\"],\n  [\"power bank\", \"battery pack\", \"charger\"],\n  \
         [\"flask\", \"bottle\"],\n  [\"lantern\", \"lamp\"],\n]\n",
    );
    if let Some(first) = featured.first() {
        let _ = write!(out, "\n# Products shown first, in this order, for a query.\n[pinned]\ngift = [{}]\n", q(first));
    }
    out
}

fn categories_toml() -> String {
    let mut out = String::new();
    for top in &vocabulary().tops {
        let _ = write!(out, "[[category]]\nslug = {}\nname = {}\ndescription = {}\n\n", q(&top.slug), q(&top.name), q(&top.description));
        for leaf in &top.leaves {
            let _ = write!(
                out,
                "[[category]]\nslug = {}\nname = {}\ndescription = {}\n\n",
                q(&format!("{}/{}", top.slug, leaf.slug)),
                q(&leaf.name),
                q(&leaf.description)
            );
        }
    }
    out.pop();
    out
}

fn pages() -> [(&'static str, String); 3] {
    let names: Vec<&str> = COUNTRIES.iter().map(|c| c.1).collect();
    let list = format!("{} and {}", names[..names.len() - 1].join(", "), names[names.len() - 1]);
    let shipping = format!(
        "# Shipping\n\n\
We ship from our warehouse in Dublin to {list}. Orders placed before 2 pm (Irish time) on a working day leave the same day; anything later goes out the next working day.\n\n\
## Rates\n\n\
Standard delivery is a flat **€4.95** per order, wherever you are in our delivery area. Orders of **€50 or more** ship free. Prices already include VAT at 23 %, and there are no customs charges for deliveries within the EU.\n\n\
## Delivery times\n\n\
- Ireland: 1-2 working days\n\
- United Kingdom: 2-4 working days (import duties may apply for orders over £135)\n\
- Rest of the EU: 3-6 working days\n\n\
Every order is tracked. You'll get an email with a tracking link as soon as your parcel is on its way.\n\n\
## Bulky items\n\n\
Tents and larger cookware ship in the same way and at the same rate; they may arrive in a separate parcel.\n"
    );
    let returns = "# Returns\n\n\
Changed your mind? You can return anything you bought from us within **30 days** of delivery for a full refund, as long as it is unused and in its original packaging. Returns are free from Ireland and the EU.\n\n\
## How to return\n\n\
1. Email hello@shop.example.com with your order number and the items you're sending back.\n\
2. We'll reply with a prepaid return label within one working day.\n\
3. Pack the items securely, attach the label and drop the parcel at any post office.\n\n\
## Refunds\n\n\
We refund to your original payment method within 5 working days of receiving your return. Original shipping costs are refunded if you return the whole order.\n\n\
## Exchanges\n\n\
Need a different size or colour? Mention it in your email and we'll send the replacement as soon as we have your return, at no extra cost.\n\n\
## Faulty items\n\n\
If something breaks or doesn't work as it should, tell us. Every product carries at least a two-year warranty, and we'll repair, replace or refund it.\n"
        .to_string();
    let contact = "# Contact\n\n\
We're a small team based in Dublin and we read every message. The quickest way to reach us is by email: **hello@shop.example.com**. We reply within one working day, usually much sooner.\n\n\
## Phone\n\n\
Call us on +353 1 555 0142, Monday to Friday, 9:00 to 17:30 (Irish time).\n\n\
## Address\n\n\
Northwind Outfitters\n\
Unit 4, Harbour Yard\n\
Dublin D02 XY45\n\
Ireland\n\n\
Our warehouse isn't open to the public, but you're welcome to collect an order: choose *Click & Collect* at checkout and we'll email you when it's ready.\n\n\
## Press and wholesale\n\n\
For press enquiries, samples and wholesale accounts, write to partners@shop.example.com.\n"
        .to_string();
    [("shipping.md", shipping), ("returns.md", returns), ("contact.md", contact)]
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/// Writes a shop with `products` products into `out`, deterministically from `seed`.
/// Removes `products/`, `images/`, `pages/`, `shop.toml`, `categories.toml` and `synonyms.toml`
/// first; nothing else.
pub fn generate(out: &Path, products: usize, seed: u64) -> io::Result<()> {
    for dir in ["products", "images", "pages"] {
        let p = out.join(dir);
        if p.exists() {
            fs::remove_dir_all(&p)?;
        }
    }
    for file in ["shop.toml", "categories.toml", "synonyms.toml"] {
        let p = out.join(file);
        if p.exists() {
            fs::remove_file(&p)?;
        }
    }
    let (products_dir, images_dir, pages_dir) = (out.join("products"), out.join("images"), out.join("pages"));
    for d in [&products_dir, &images_dir, &pages_dir] {
        fs::create_dir_all(d)?;
    }

    let leaves: Vec<(&Top, &Leaf)> = vocabulary().tops.iter().flat_map(|t| t.leaves.iter().map(move |l| (t, l))).collect();
    let total_weight: u32 = leaves.iter().map(|(_, l)| l.weight).sum();
    let mut master = Rng(seed ^ 0x5EED_CA7A_1060_0001);
    // The first products visit every leaf once, so small catalogs still fill every category.
    let mut first_round: Vec<usize> = (0..leaves.len()).collect();
    master.shuffle(&mut first_round);

    let mut state =
        State { used_slugs: HashSet::with_capacity(products), next_suffix: HashMap::new(), published_by_leaf: vec![Vec::new(); leaves.len()] };
    let mut path = products_dir.clone();
    for i in 0..products {
        let leaf_idx = if i < first_round.len() {
            first_round[i]
        } else {
            let mut r = master.below(total_weight as usize) as u32;
            let mut idx = 0;
            while r >= leaves[idx].1.weight {
                r -= leaves[idx].1.weight;
                idx += 1;
            }
            idx
        };
        let mut rng = Rng(master.next());
        let (top, leaf) = leaves[leaf_idx];
        let p = product(&mut rng, &mut state, top, leaf, i + 1);
        path.push(format!("{}.toml", p.slug));
        fs::write(&path, p.toml.as_bytes())?;
        path.pop();
        fs::write(images_dir.join(format!("{}-1.svg", p.slug)), p.svg.as_bytes())?;
        if p.published && state.published_by_leaf[leaf_idx].len() < 3 {
            state.published_by_leaf[leaf_idx].push(p.slug);
        }
    }

    // Featured: one published product from each of 8 different categories.
    let mut leaf_order: Vec<usize> = (0..leaves.len()).collect();
    master.shuffle(&mut leaf_order);
    let mut featured: Vec<String> = Vec::new();
    for round in 0..3 {
        for &l in &leaf_order {
            if featured.len() < 8 {
                if let Some(s) = state.published_by_leaf[l].get(round) {
                    featured.push(s.clone());
                }
            }
        }
    }

    fs::write(out.join("shop.toml"), shop_toml(&featured))?;
    fs::write(out.join("categories.toml"), categories_toml())?;
    fs::write(out.join("synonyms.toml"), synonyms_toml(&featured))?;
    for (name, text) in pages() {
        fs::write(pages_dir.join(name), text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn temp_dir(tag: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("edgeshop-gen-catalog-{tag}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn read_all(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else {
                    let rel = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                    out.insert(rel, fs::read(&path).unwrap());
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(dir, dir, &mut out);
        out
    }

    fn product_files(dir: &Path) -> BTreeMap<String, String> {
        read_all(&dir.join("products")).into_iter().map(|(k, v)| (k, String::from_utf8(v).unwrap())).collect()
    }

    #[test]
    fn same_seed_gives_identical_output() {
        let (a, b) = (temp_dir("det-a"), temp_dir("det-b"));
        generate(&a, 150, 42).unwrap();
        generate(&b, 150, 42).unwrap();
        // Regenerating over an existing shop is clean too. (Files: 150 products + 150 images, shop, categories, synonyms, 3 pages.)
        generate(&b, 150, 42).unwrap();
        let (fa, fb) = (read_all(&a), read_all(&b));
        assert_eq!(fa.len(), 150 * 2 + 6);
        assert_eq!(fa, fb);
        let c = temp_dir("det-c");
        generate(&c, 150, 43).unwrap();
        assert_ne!(read_all(&c), fa, "a different seed should give a different shop");
        for d in [a, b, c] {
            fs::remove_dir_all(d).unwrap();
        }
    }

    #[test]
    fn skus_slugs_and_titles_are_sound() {
        let dir = temp_dir("skus");
        generate(&dir, 1500, 7).unwrap();
        let mut skus = HashSet::new();
        let files = product_files(&dir);
        assert_eq!(files.len(), 1500);
        for (name, text) in &files {
            let slug_line = format!("slug = \"{}\"", name.trim_end_matches(".toml"));
            assert!(text.lines().any(|l| l == slug_line), "{name}: slug does not match file name");
            let title = text.lines().find_map(|l| l.strip_prefix("title = \"")).unwrap_or_default().trim_end_matches('"').to_lowercase();
            let words: Vec<&str> = title.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
            assert!(words.windows(2).all(|w| w[0] != w[1]), "{name}: a word twice in a row in {title:?}");
            for line in text.lines() {
                if let Some(sku) = line.strip_prefix("sku = \"") {
                    let sku = sku.trim_end_matches('"').to_string();
                    assert!(sku.len() <= 64 && sku.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-'), "{sku}");
                    assert!(skus.insert(sku.clone()), "duplicate SKU {sku}");
                }
            }
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn every_product_has_variants_and_an_image() {
        let dir = temp_dir("variants");
        generate(&dir, 400, 3).unwrap();
        let mut multi = 0;
        for (name, text) in product_files(&dir) {
            let variants = text.lines().filter(|l| *l == "[[variants]]").count();
            assert!(variants >= 1, "{name} has no [[variants]]");
            if variants > 1 {
                multi += 1;
            }
            let image = format!("{}-1.svg", name.trim_end_matches(".toml"));
            let svg = fs::read(dir.join("images").join(&image)).unwrap();
            assert!(svg.len() < 1500, "{image} is {} bytes", svg.len());
        }
        assert!(multi * 100 >= 400 * 60, "only {multi} of 400 products have several variants");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn dates_and_prices() {
        assert_eq!(date_from_offset(0), "2024-01-01");
        assert_eq!(date_from_offset(59), "2024-02-29");
        assert_eq!(date_from_offset(366), "2025-01-01");
        assert_eq!(date_from_offset(DATE_SPAN - 1), "2026-10-31");
        for cents in [1499, 2000, 12_345, 39_900] {
            for style in 0..3 {
                let p = nice_price(cents, style);
                assert!([99, 0, 50].contains(&(p % 100)), "{p}");
            }
        }
    }
}
