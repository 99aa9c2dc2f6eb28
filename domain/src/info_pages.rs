//! The shop's information pages (returns, shipping, contact) as a search finds them: a shopper who
//! types "returns" or "delivery time" into the product search is shown the page that answers it.

use serde::{Deserialize, Serialize};

/// One information page as the worker's search knows it: where it is, what it is called, and the
/// words of its title and headings (lower case, singular).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InfoPageRef {
    pub slug: String,
    pub title: String,
    pub words: Vec<String>,
}

/// Words that say nothing about which page is meant ("how do I return", "what are the rates").
const FILLERS: &[&str] = &[
    "a", "an", "and", "are", "can", "do", "does", "for", "how", "i", "is", "it", "much", "my", "of", "on", "the", "to", "what", "when", "where",
    "which", "with", "you", "your",
];

impl InfoPageRef {
    /// A page from its slug, title and Markdown (its `#` headings are read).
    pub fn of(slug: &str, title: &str, markdown: &str) -> InfoPageRef {
        let headings = markdown.lines().filter_map(|l| l.trim_start().strip_prefix('#')).map(|h| h.trim_start_matches('#'));
        let mut words: Vec<String> = std::iter::once(title).chain(headings).flat_map(words_of).collect();
        words.sort();
        words.dedup();
        InfoPageRef { slug: slug.to_string(), title: title.to_string(), words }
    }

    /// Does `query` ask for this page: it names the page's title, or every word it has that says
    /// something is in the page's title and headings ("delivery times" on a page with a "Delivery
    /// times" heading; not "phone case" on one with a "Phone" heading).
    pub fn answers(&self, query: &str) -> bool {
        let asked: Vec<String> = words_of(query).into_iter().filter(|w| !FILLERS.contains(&w.as_str())).collect();
        if asked.is_empty() {
            return false;
        }
        let title = words_of(&self.title);
        let names_title = !title.is_empty() && title.iter().all(|t| asked.contains(t));
        names_title || asked.iter().all(|w| self.words.contains(w))
    }
}

/// The pages among `pages` that answer `query` (see [`InfoPageRef::answers`]).
pub fn answering<'a>(pages: &'a [InfoPageRef], query: &str) -> Vec<&'a InfoPageRef> {
    pages.iter().filter(|p| p.answers(query)).collect()
}

/// Lower-case words of letters and digits, a plural's `s` dropped ("returns" → "return", "times" →
/// "time"; not "address").
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = w.to_lowercase();
            match w.strip_suffix('s') {
                Some(stem) if stem.chars().count() >= 3 && !stem.ends_with('s') => stem.to_string(),
                _ => w,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_that_names_a_page_or_its_headings_finds_it() {
        let shipping = InfoPageRef::of("shipping", "Shipping", "# Shipping\n\nText\n\n## Rates\n\n## Delivery times\n\n## Bulky items\n");
        let returns = InfoPageRef::of("returns", "Returns", "# Returns\n\n## How to return\n\n## Refunds\n\n## Exchanges\n");
        let contact = InfoPageRef::of("contact", "Contact", "# Contact\n\n## Phone\n\n## Address\n");
        let pages = [shipping, returns, contact];
        let found = |q: &str| answering(&pages, q).iter().map(|p| p.slug.as_str()).collect::<Vec<_>>();
        assert_eq!(found("returns"), ["returns"]);
        assert_eq!(found("Return policy"), ["returns"], "names the page");
        assert_eq!(found("how do I return"), ["returns"]);
        assert_eq!(found("refund"), ["returns"]);
        assert_eq!(found("free shipping"), ["shipping"], "names the page");
        assert_eq!(found("delivery time"), ["shipping"]);
        assert_eq!(found("shipping rates"), ["shipping"]);
        assert_eq!(found("contact"), ["contact"]);
        assert_eq!(found("address"), ["contact"]);
        assert_eq!(found("phone case"), Vec::<&str>::new(), "a product, not the phone number");
        assert_eq!(found("rain jacket"), Vec::<&str>::new());
        assert_eq!(found("the"), Vec::<&str>::new());
        assert_eq!(found(""), Vec::<&str>::new());
    }
}
