//! A price limit typed among the words of a query ("hoodie under 50", "headphones below €100",
//! "tent 100-200", "jacket between 80 and 150"): taken out of the words and searched as a price
//! range, as shoppers expect of a shop's search box. A number followed by a unit ("under 1 kg",
//! "over 10000 mAh") is not a price. So is "on sale" ("jackets on sale", "discounted
//! headphones"): only products sold below their compare-at price. A gift search ("gift for dad
//! who camps", "stocking fillers") searches what the gift is about, or the shop's picks.

use crate::search::PriceRange;
use edgeshop_domain::{Currency, Money};

/// Words that put a ceiling on the price: (words, the amount itself allowed, only before an
/// amount with a currency: "max" is also a product's name, as in "current max 1").
const BELOW: [(&str, bool, bool); 7] = [
    ("under", false, false),
    ("below", false, false),
    ("less than", false, false),
    ("cheaper than", false, false),
    ("up to", true, false),
    ("max", true, true),
    ("maximum", true, true),
];
/// Words that put a floor under it, the same way.
const ABOVE: [(&str, bool, bool); 6] = [
    ("over", false, false),
    ("above", false, false),
    ("more than", false, false),
    ("from", true, true),
    ("min", true, true),
    ("minimum", true, true),
];

/// What a number measures when it is not a price ("1 kg", "2 person", "3-4 season").
const UNITS: [&str; 56] = [
    "kg", "g", "gram", "grams", "lb", "lbs", "oz", "l", "litre", "litres", "liter", "liters", "ml", "cl", "gb", "tb", "mb", "mah", "w", "watt",
    "watts", "v", "mm", "cm", "m", "inch", "inches", "in", "hours", "hour", "h", "pack", "pcs", "x", "person", "persons", "people", "man", "men",
    "season", "seasons", "seater", "year", "years", "day", "days", "piece", "pieces", "pair", "pairs", "set", "way", "port", "ports", "speed",
    "zone",
];

/// A price limit found among a query's words.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PricePhrase {
    /// The query without it.
    pub words: String,
    /// The words that asked for it ("under 50").
    pub phrase: String,
    pub range: PriceRange,
}

/// The query's price words, if it has any: the range they ask for (minor units of `currency`).
pub fn price_phrase(query: &str, currency: Currency) -> Option<PricePhrase> {
    // Every price has a digit: most queries have none, and cost nothing more.
    if !query.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let amount = |i: usize| amount_at(&words, i, currency);
    for i in 0..words.len() {
        // "between 20 and 40"
        if words[i] == "between" {
            if let Some(lo) = amount(i + 1) {
                if words.get(i + 1 + lo.words).is_some_and(|w| w == "and") {
                    if let Some(hi) = amount(i + 2 + lo.words) {
                        return range(lo.value, hi.value + 1).map(|r| found(&words, i, 2 + lo.words + hi.words, r));
                    }
                }
            }
        }
        // "under 50", "up to €50", "over 100"
        for (limits, below) in [(&BELOW[..], true), (&ABOVE[..], false)] {
            for (phrase, inclusive, needs_currency) in limits {
                let parts: Vec<&str> = phrase.split(' ').collect();
                if words.len() >= i + parts.len() && words[i..i + parts.len()].iter().zip(&parts).all(|(w, p)| w == p) {
                    let Some(a) = amount(i + parts.len()).filter(|a| a.marked || !needs_currency) else { continue };
                    let r = match (below, inclusive) {
                        (true, false) => range(0, a.value),
                        (true, true) => range(0, a.value + 1),
                        (false, false) => Some(PriceRange { min: a.value + 1, max: None }),
                        (false, true) => Some(PriceRange { min: a.value, max: None }),
                    };
                    return r.map(|r| found(&words, i, parts.len() + a.words, r));
                }
            }
        }
        // "100-200", "€100-€200 eur"
        if let Some((lo, hi)) = words[i].split_once('-') {
            if let (Some((lo, _)), Some((hi, _))) = (amount_of(lo, currency), amount_of(hi, currency)) {
                let after = words.get(i + 1).map(|w| currency_fits(w, currency));
                match after {
                    Some(Some(false)) => {}
                    _ if words.get(i + 1).is_some_and(|w| is_unit(w)) => {}
                    _ => return range(lo, hi + 1).map(|r| found(&words, i, 1 + usize::from(after == Some(Some(true))), r)),
                }
            }
        }
        // "100 to 200"
        if words.get(i + 1).is_some_and(|w| w == "to") {
            if let (Some(lo), Some(hi)) = (amount(i).filter(|a| a.words == 1), amount(i + 2)) {
                return range(lo.value, hi.value + 1).map(|r| found(&words, i, 2 + hi.words, r));
            }
        }
    }
    None
}

/// Words asking for products on sale, longest first.
const SALE: [&str; 9] = ["on sale", "sale", "sales", "discount", "discounted", "reduced", "clearance", "deals", "offers"];

/// The query's words asking for products on sale ("jackets on sale"), if it has any and `known`
/// does not say the shop uses them otherwise (a product called "Sale"): the query without them,
/// and the words.
pub fn sale_phrase(query: &str, known: impl Fn(&str) -> bool) -> Option<(String, String)> {
    phrase_among(query, &SALE, known)
}

/// Words asking for the newest products, longest first.
const NEWEST: [&str; 11] =
    ["new arrivals", "new arrival", "whats new", "what's new", "new in", "just in", "new products", "new stuff", "newest", "latest", "new"];

/// The query's words asking for the newest products ("new arrivals", "whats new", "new jackets"),
/// as [`sale_phrase`] finds its words: the query without them, and the words.
pub fn newest_phrase(query: &str, known: impl Fn(&str) -> bool) -> Option<(String, String)> {
    phrase_among(query, &NEWEST, known)
}

/// The first of `phrases` (longest first) among the query's words whose last word the shop does
/// not use otherwise (`known`): the query without it, and the phrase as typed.
fn phrase_among(query: &str, phrases: &[&str], known: impl Fn(&str) -> bool) -> Option<(String, String)> {
    // Most queries have none of the words.
    let lower = query.to_lowercase();
    if !phrases.iter().any(|phrase| lower.contains(phrase)) {
        return None;
    }
    let words: Vec<String> = lower.split_whitespace().map(str::to_string).collect();
    for i in 0..words.len() {
        for phrase in phrases {
            let parts: Vec<&str> = phrase.split(' ').collect();
            let at = words.get(i..i + parts.len()).is_some_and(|w| w.iter().zip(&parts).all(|(w, p)| w == p));
            // "on" of "on sale" may well be a shop word ("slip-on"); "sale" is the one that counts.
            if at && !parts.last().is_some_and(|p| known(p)) {
                let join = |keep: &dyn Fn(usize) -> bool| {
                    words.iter().enumerate().filter(|(j, _)| keep(*j)).map(|(_, w)| w.as_str()).collect::<Vec<_>>().join(" ")
                };
                return Some((join(&|j| j < i || j >= i + parts.len()), join(&|j| j >= i && j < i + parts.len())));
            }
        }
    }
    None
}

/// Words of a gift search, longest first: the occasion, not the thing.
const GIFT: &[&str] = &[
    "stocking fillers",
    "stocking filler",
    "stocking stuffers",
    "stocking stuffer",
    "secret santa",
    "kris kindle",
    "kris kringle",
    "fathers day",
    "father's day",
    "mothers day",
    "mother's day",
    "gift ideas",
    "gifts",
    "gift",
    "presents",
    "present",
    "housewarming",
    "wedding",
    "graduation",
    "retirement",
    "birthday",
    "bday",
    "communion",
    "christmas",
    "xmas",
    "anniversary",
    "valentines",
    "valentine's",
    "valentine",
];

/// The words of [`GIFT`] that name a gift itself, not only the occasion.
const GIFT_ITSELF: &[&str] =
    &["stocking fillers", "stocking stuffers", "secret santa", "kris kindle", "kris kringle", "gift", "gifts", "present", "presents"];

/// Words that say whom a gift is for and how ("for my dad who likes"): left out of a gift search
/// with the gift words, as they name no product.
const GIFT_FOR: &[&str] = &[
    "for",
    "a",
    "an",
    "the",
    "my",
    "our",
    "your",
    "him",
    "her",
    "them",
    "his",
    "dad",
    "daddy",
    "father",
    "mum",
    "mom",
    "mummy",
    "mother",
    "parents",
    "husband",
    "wife",
    "boyfriend",
    "girlfriend",
    "partner",
    "son",
    "daughter",
    "kid",
    "kids",
    "child",
    "children",
    "teen",
    "teens",
    "teenager",
    "teenagers",
    "teenage",
    "toddler",
    "baby",
    "friend",
    "friends",
    "grandad",
    "grandpa",
    "grandma",
    "granny",
    "grandparents",
    "boss",
    "colleague",
    "someone",
    "somebody",
    "who",
    "that",
    "likes",
    "like",
    "loves",
    "love",
    "lover",
    "lovers",
    "enthusiast",
    "enthusiasts",
    "fan",
    "fans",
    "addict",
    "addicts",
    "fanatic",
    "fanatics",
    "buff",
    "buffs",
    "junkie",
    "junkies",
    "geek",
    "geeks",
    "nerd",
    "nerds",
    "nut",
    "nuts",
    "devotee",
    "aficionado",
    "mad",
    "crazy",
    "obsessed",
    "idea",
    "ideas",
    "and",
    "goes",
    "does",
    "enjoys",
    "into",
    "is",
    "keen",
    "avid",
    "person",
    "guy",
    "man",
    "woman",
    "men",
    "women",
    "boy",
    "girl",
    "boys",
    "girls",
    "brother",
    "sister",
    "uncle",
    "aunt",
    "auntie",
    "nephew",
    "niece",
    "grandson",
    "granddaughter",
    "teacher",
    "coworker",
    "neighbour",
    "neighbor",
    "couple",
];

/// A gift search ("gift for dad who camps", "present for a runner", "stocking fillers"): the words
/// that named the gift and whom it is for (`known` says which words the shop uses itself: a
/// "Christmas tree" or "Dad cap" stays a product), and the words left to search ("camps"; empty
/// when only the occasion was typed).
pub fn gift_phrase(query: &str, known: impl Fn(&str) -> bool) -> Option<(String, String)> {
    let lower = query.to_lowercase();
    if !GIFT.iter().any(|g| lower.contains(g.split(' ').next().unwrap_or(g))) {
        return None;
    }
    let words: Vec<&str> = lower.split_whitespace().collect();
    // A gift card, voucher or wrap is a thing to buy, not an occasion.
    const THINGS: [&str; 10] = ["card", "cards", "voucher", "vouchers", "certificate", "certificates", "wrap", "wrapping", "tag", "tags"];
    if words.windows(2).any(|w| matches!(w[0], "gift" | "gifts") && THINGS.contains(&w[1])) {
        return None;
    }
    let mut gift = vec![false; words.len()];
    let mut i = 0;
    while i < words.len() {
        let hit = GIFT.iter().find_map(|phrase| {
            let parts: Vec<&str> = phrase.split(' ').collect();
            let at = words.get(i..i + parts.len()).is_some_and(|w| w == parts.as_slice());
            (at && !parts.iter().any(|p| known(p))).then_some(parts.len())
        });
        match hit {
            Some(n) => {
                gift[i..i + n].iter_mut().for_each(|g| *g = true);
                i += n;
            }
            None => i += 1,
        }
    }
    if !gift.contains(&true) {
        return None;
    }
    let trimmed = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'').to_string();
    // Without a word for a gift itself, an occasion before the name of a thing is what kind of
    // thing it is ("wedding dress", "christmas jumper"), not whom a gift is for.
    let says_gift = words.iter().zip(&gift).any(|(w, g)| *g && GIFT_ITSELF.iter().any(|p| p.split(' ').next() == Some(*w)));
    let names_a_thing = (0..words.len().saturating_sub(1)).any(|i| gift[i] && !gift[i + 1] && !GIFT_FOR.contains(&trimmed(words[i + 1]).as_str()));
    if !says_gift && names_a_thing {
        return None;
    }
    for (w, g) in words.iter().zip(gift.iter_mut()) {
        let w = trimmed(w);
        if GIFT_FOR.contains(&w.as_str()) && !known(&w) {
            *g = true;
        }
    }
    let pick = |want: bool| words.iter().zip(&gift).filter(|(_, g)| **g == want).map(|(w, _)| *w).collect::<Vec<_>>().join(" ");
    Some((pick(false), pick(true)))
}

/// `[min, max)`, when it holds anything.
fn range(min: u64, max: u64) -> Option<PriceRange> {
    (max > min).then_some(PriceRange { min, max: Some(max) })
}

/// The phrase of `n` words from `at`, and the words without it.
fn found(words: &[String], at: usize, n: usize, range: PriceRange) -> PricePhrase {
    let join =
        |keep: &dyn Fn(usize) -> bool| words.iter().enumerate().filter(|(j, _)| keep(*j)).map(|(_, w)| w.as_str()).collect::<Vec<_>>().join(" ");
    PricePhrase { words: join(&|j| j < at || j >= at + n), phrase: join(&|j| j >= at && j < at + n), range }
}

fn is_unit(word: &str) -> bool {
    UNITS.contains(&word)
}

/// An amount of money found at a word.
struct Amount {
    /// Minor units.
    value: u64,
    /// Words it takes ("50 eur": 2).
    words: usize,
    /// With a currency symbol or word.
    marked: bool,
}

/// Whether a currency symbol or word names the shop's `currency`; `None` for any other word.
/// "pound" in a shop that does not sell in pounds is a weight.
fn currency_fits(word: &str, currency: Currency) -> Option<bool> {
    let code = currency.code().to_lowercase();
    if word == code || word == currency.symbol().to_lowercase() {
        return Some(true);
    }
    match word {
        "€" | "eur" | "euro" | "euros" => Some(code == "eur"),
        "$" | "dollar" | "dollars" => Some(currency.symbol().contains('$')),
        "usd" => Some(code == "usd"),
        "£" | "gbp" | "pound" | "pounds" => Some(code == "gbp"),
        _ => None,
    }
}

/// An amount at word `i` ("50", "€50", "50€", "49.99", or "50 eur"); not when a unit follows
/// ("1 kg") or is attached ("64gb"), nor in another currency than the shop's.
fn amount_at(words: &[String], i: usize, currency: Currency) -> Option<Amount> {
    let (value, marked) = amount_of(words.get(i)?, currency)?;
    match words.get(i + 1).map(|w| (w, currency_fits(w, currency))) {
        Some((_, Some(true))) => Some(Amount { value, words: 2, marked: true }),
        Some((_, Some(false))) => None,
        Some((next, None)) if is_unit(next) => None,
        _ => Some(Amount { value, words: 1, marked }),
    }
}

/// One word as an amount: digits, with the shop's currency symbol or code before or after, if
/// any; whether it had one.
fn amount_of(word: &str, currency: Currency) -> Option<(u64, bool)> {
    let digits = |c: char| c.is_ascii_digit() || c == '.' || c == ',';
    let start = word.find(|c: char| c.is_ascii_digit())?;
    let end = word.rfind(|c: char| c.is_ascii_digit())? + 1;
    let (before, number, after) = (&word[..start], &word[start..end], &word[end..]);
    if !number.chars().all(digits) {
        return None;
    }
    let mut marked = false;
    for side in [before, after].into_iter().filter(|s| !s.is_empty()) {
        currency_fits(side, currency).filter(|fits| *fits)?;
        marked = true;
    }
    Money::parse_decimal(number, currency).and_then(|m| u64::try_from(m.minor).ok()).map(|v| (v, marked))
}

/// Price words as a shopper reads them back, each amount in the shop's money ("under 50" → "under
/// €50.00", "100-200 eur" → "€100.00–€200.00").
pub fn phrase_in_money(phrase: &str, currency: Currency, locale: &str) -> String {
    let money = |minor: u64| Money::new(i64::try_from(minor).unwrap_or(i64::MAX), currency).format(locale);
    let word = |w: &str| {
        if let Some((minor, _)) = amount_of(w, currency) {
            return money(minor);
        }
        match w.split_once('-').map(|(lo, hi)| (amount_of(lo, currency), amount_of(hi, currency))) {
            Some((Some((lo, _)), Some((hi, _)))) => format!("{}–{}", money(lo), money(hi)),
            _ => w.to_string(),
        }
    };
    // A currency word beside an amount is said by the amount now.
    phrase.split_whitespace().filter(|w| currency_fits(w, currency) != Some(true)).map(word).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gift_search_keeps_what_the_gift_is_about() {
        let none = |_: &str| false;
        let gift = |q: &str| gift_phrase(q, none).map(|(rest, _)| rest);
        assert_eq!(gift("gift for dad who camps").as_deref(), Some("camps"));
        assert_eq!(gift("present for a runner").as_deref(), Some("runner"));
        assert_eq!(gift("gift for coffee lover").as_deref(), Some("coffee"));
        assert_eq!(gift("birthday gift for a hiker").as_deref(), Some("hiker"));
        assert_eq!(gift("stocking fillers").as_deref(), Some(""));
        assert_eq!(gift("secret santa").as_deref(), Some(""));
        // Secret Santa's regional names (Ireland's Kris Kindle, Kris Kringle).
        assert_eq!(gift("kris kindle for work").as_deref(), Some("work"));
        assert_eq!(gift("kris kringle").as_deref(), Some(""));
        assert_eq!(gift("birthday present for someone who goes camping").as_deref(), Some("camping"));
        assert_eq!(gift("wedding present").as_deref(), Some(""));
        assert_eq!(gift("housewarming").as_deref(), Some(""));
        assert_eq!(gift("wedding dress"), None, "an occasion naming a kind of thing");
        assert_eq!(gift("christmas jumper for my dad"), None);
        assert_eq!(gift("christmas gift for my dad").as_deref(), Some(""));
        assert_eq!(gift("gift for my brother who is into cycling").as_deref(), Some("cycling"));
        assert_eq!(gift("gifts for coffee addicts").as_deref(), Some("coffee"));
        assert_eq!(gift("birthday present for my running mad brother").as_deref(), Some("running"));
        assert_eq!(gift("present for a tech geek").as_deref(), Some("tech"));
        assert_eq!(gift("warm jacket for my dad"), None, "no gift word: the words as typed");
        assert_eq!(gift("presentation folder"), None, "a word that begins like one");
        assert_eq!(gift("gift card"), None, "a thing to buy, not an occasion");
        assert_eq!(gift("christmas gift wrap"), None);
        // The shop's own words stay: a Christmas tree shop, a cap called Dad.
        let shop = |w: &str| w == "christmas" || w == "dad";
        assert_eq!(gift_phrase("christmas tree", shop), None);
        assert_eq!(gift_phrase("gift for dad", shop), Some(("dad".to_string(), "gift for".to_string())));
    }

    #[test]
    fn price_words_read_back_in_the_shops_money() {
        let said = |q: &str| phrase_in_money(&price_phrase(q, eur()).unwrap().phrase, eur(), "en");
        assert_eq!(said("headphones under 50"), "under €50.00");
        assert_eq!(said("tent 100-200 eur"), "€100.00–€200.00");
        assert_eq!(said("jacket between 80 and 150.5"), "between €80.00 and €150.50");
        assert_eq!(said("boots up to €75"), "up to €75.00");
    }

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn parsed(q: &str) -> Option<(String, u64, Option<u64>)> {
        price_phrase(q, eur()).map(|p| (p.words, p.range.min, p.range.max))
    }

    #[test]
    fn price_words_become_a_range_and_leave_the_rest() {
        assert_eq!(parsed("hoodie under 50"), Some(("hoodie".into(), 0, Some(5000))));
        assert_eq!(parsed("Headphones below €100"), Some(("headphones".into(), 0, Some(10000))));
        assert_eq!(parsed("jacket up to 49.99 eur"), Some(("jacket".into(), 0, Some(5000))));
        assert_eq!(parsed("tent less than 200€"), Some(("tent".into(), 0, Some(20000))));
        assert_eq!(parsed("boots over 100"), Some(("boots".into(), 10001, None)));
        assert_eq!(parsed("tent 100-200"), Some(("tent".into(), 10000, Some(20001))));
        assert_eq!(parsed("tent €100-€200"), Some(("tent".into(), 10000, Some(20001))));
        assert_eq!(parsed("jacket between 80 and 150"), Some(("jacket".into(), 8000, Some(15001))));
        assert_eq!(parsed("jacket 80 to 150"), Some(("jacket".into(), 8000, Some(15001))));
        assert_eq!(parsed("under 30"), Some(("".into(), 0, Some(3000))), "only a price: every product under it");
        assert_eq!(price_phrase("Tent between €80 and 150 euros please", eur()).map(|p| p.phrase), Some("between €80 and 150 euros".into()));
    }

    #[test]
    fn numbers_that_are_not_prices_stay_words() {
        for q in [
            "sleeping bag under 1 kg",
            "power bank over 10000 mah",
            "sd card up to 64gb",
            "usb c",
            "size 10 boots",
            "750 ml bottle",
            "hoodie under",
            "under armour",
        ] {
            assert_eq!(parsed(q), None, "{q}");
        }
        assert_eq!(parsed("tent 200-100"), None, "an empty range");
        // Another currency than the shop's, or a pound that is a weight.
        assert_eq!(parsed("sleeping bag under 2 pounds"), None);
        assert_eq!(parsed("hoodie under 50 dollars"), None);
        assert_eq!(parsed("hoodie under $50"), None);
        // "max", "min" and "from" are prices only with a currency: "current max 1" is a bottle.
        assert_eq!(parsed("current max 1"), None);
        assert_eq!(parsed("relay max 20000"), None);
        assert_eq!(parsed("bottle max €20"), Some(("bottle".into(), 0, Some(2001))));
        assert_eq!(parsed("boots from 100 eur"), Some(("boots".into(), 10000, None)));
        assert_eq!(parsed("tent 1-2 person"), None, "a range with a unit after it");
        assert_eq!(parsed("3-4 season sleeping bag"), None);
    }

    #[test]
    fn sale_words_ask_for_products_on_sale_unless_the_shop_uses_them() {
        let none = |_: &str| false;
        assert_eq!(sale_phrase("Jackets on SALE", none), Some(("jackets".into(), "on sale".into())));
        assert_eq!(sale_phrase("discounted headphones", none), Some(("headphones".into(), "discounted".into())));
        assert_eq!(sale_phrase("sale", none), Some(("".into(), "sale".into())));
        assert_eq!(sale_phrase("salt and pepper", none), None);
        assert_eq!(sale_phrase("sale bag", |w| w == "sale"), None, "a shop that names a product so");
        // The newest products, asked for likewise.
        assert_eq!(newest_phrase("new arrivals", none), Some(("".into(), "new arrivals".into())));
        assert_eq!(newest_phrase("whats new", none), Some(("".into(), "whats new".into())));
        assert_eq!(newest_phrase("New jackets", none), Some(("jackets".into(), "new".into())));
        assert_eq!(newest_phrase("newport sandals", none), None);
        assert_eq!(newest_phrase("new balance trainers", |w| w == "new"), None, "a brand's word");
    }

    #[test]
    fn hostile_queries_are_no_prices_and_no_panic() {
        for q in [
            "under 99999999999999999999",
            "under ５０",
            "between between 1 and and 2",
            "between 1 and",
            "-",
            "€-€",
            "1-",
            "-1",
            "under €",
            "under 1e9",
            "under 0",
            "over 0.001",
            "1.2.3-4",
            "under 50 €€",
            "€€50",
            "à partir de 50",
        ] {
            let p = price_phrase(q, eur());
            assert!(p.as_ref().is_none_or(|p| p.range.max.is_none_or(|max| max > p.range.min)), "{q}: {p:?}");
        }
        assert_eq!(parsed("under 999999999999"), Some(("".into(), 0, Some(99_999_999_999_900))), "twelve digits at most");
        assert_eq!(parsed("over 0"), Some(("".into(), 1, None)));
    }
}
