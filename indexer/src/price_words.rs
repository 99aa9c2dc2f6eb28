//! A price limit typed among the words of a query ("hoodie under 50", "headphones below €100",
//! "tent 100-200", "jacket between 80 and 150"): taken out of the words and searched as a price
//! range, as shoppers expect of a shop's search box. A number followed by a unit ("under 1 kg",
//! "over 10000 mAh") is not a price.

use crate::search::PriceRange;
use edgeshop_domain::{Currency, Money};

/// Words that put a ceiling on the price; `true` when the amount itself is allowed ("up to 50").
const BELOW: [(&str, bool); 7] =
    [("under", false), ("below", false), ("less than", false), ("cheaper than", false), ("up to", true), ("max", true), ("maximum", true)];
/// Words that put a floor under it; `true` when the amount itself is allowed ("from 50").
const ABOVE: [(&str, bool); 6] = [("over", false), ("above", false), ("more than", false), ("from", true), ("min", true), ("minimum", true)];
/// Currency words and symbols that may stand beside an amount.
const CURRENCY_WORDS: [&str; 12] = ["€", "$", "£", "eur", "euro", "euros", "usd", "dollar", "dollars", "gbp", "pound", "pounds"];
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
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let amount = |i: usize| -> Option<(u64, usize)> { amount_at(&words, i, currency) };
    for i in 0..words.len() {
        // "between 20 and 40"
        if words[i] == "between" {
            if let Some((lo, n)) = amount(i + 1) {
                if words.get(i + 1 + n).is_some_and(|w| w == "and") {
                    if let Some((hi, m)) = amount(i + 2 + n) {
                        return range(lo, hi + 1).map(|r| found(&words, i, 2 + n + m, r));
                    }
                }
            }
        }
        // "under 50", "up to €50", "over 100"
        for (limits, below) in [(&BELOW[..], true), (&ABOVE[..], false)] {
            for (phrase, inclusive) in limits {
                let parts: Vec<&str> = phrase.split(' ').collect();
                if words.len() >= i + parts.len() && words[i..i + parts.len()].iter().zip(&parts).all(|(w, p)| w == p) {
                    if let Some((value, n)) = amount(i + parts.len()) {
                        let r = match (below, inclusive) {
                            (true, false) => range(0, value),
                            (true, true) => range(0, value + 1),
                            (false, false) => Some(PriceRange { min: value + 1, max: None }),
                            (false, true) => Some(PriceRange { min: value, max: None }),
                        };
                        return r.map(|r| found(&words, i, parts.len() + n, r));
                    }
                }
            }
        }
        // "100-200", "€100-€200", "100 to 200"
        if let Some((lo, hi)) = words[i].split_once('-') {
            let (lo, hi) = (amount_of(lo, currency), amount_of(hi, currency));
            if let (Some(lo), Some(hi)) = (lo, hi) {
                if !words.get(i + 1).is_some_and(|w| is_unit(w)) {
                    let n = 1 + usize::from(words.get(i + 1).is_some_and(|w| CURRENCY_WORDS.contains(&w.as_str())));
                    return range(lo, hi + 1).map(|r| found(&words, i, n, r));
                }
            }
        }
        if words.get(i + 1).is_some_and(|w| w == "to") && words[i].chars().any(|c| c.is_ascii_digit()) {
            if let (Some((lo, 1)), Some((hi, m))) = (amount(i), amount(i + 2)) {
                return range(lo, hi + 1).map(|r| found(&words, i, 2 + m, r));
            }
        }
    }
    None
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

/// An amount at word `i` ("50", "€50", "50€", "49.99", or "50 eur"), in minor units, with how
/// many words it takes; not when a unit follows ("1 kg") or is attached ("64gb").
fn amount_at(words: &[String], i: usize, currency: Currency) -> Option<(u64, usize)> {
    let word = words.get(i)?;
    let value = amount_of(word, currency)?;
    match words.get(i + 1) {
        Some(next) if is_unit(next) => None,
        Some(next) if CURRENCY_WORDS.contains(&next.as_str()) => Some((value, 2)),
        _ => Some((value, 1)),
    }
}

/// One word as an amount: digits with a currency symbol or code before or after, if any.
fn amount_of(word: &str, currency: Currency) -> Option<u64> {
    let mut text = word;
    for symbol in CURRENCY_WORDS {
        text = text.strip_prefix(symbol).unwrap_or(text);
        text = text.strip_suffix(symbol).unwrap_or(text);
    }
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Money::parse_decimal(text, currency).and_then(|m| u64::try_from(m.minor).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(parsed("boots from 100 euros"), Some(("boots".into(), 10000, None)));
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
        assert_eq!(parsed("tent 1-2 person"), None, "a range with a unit after it");
        assert_eq!(parsed("3-4 season sleeping bag"), None);
    }
}
