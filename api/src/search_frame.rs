//! The search results page's frame: the static page the app draws at `/search/` (with the shop's
//! header and footer) and the worker fills per request. The frame carries these slots; [`fill`]
//! puts one request's values in them.

/// In the page's `<title>` and its social titles.
pub const TITLE: &str = "%search-title%";
/// The search box's `value` (so the page shows what was searched for before any script runs).
pub const QUERY: &str = "%search-query%";
/// Where the results go.
pub const RESULTS: &str = "<!--search-results-->";

/// The page for one request. `title` and `query` must be HTML-escaped already; `results` is
/// HTML. One pass over the frame: a value that happens to contain a slot's name is not filled
/// again. `None` when the frame has no results slot (not the search page's frame).
pub fn fill(frame: &str, title: &str, query: &str, results: &str) -> Option<String> {
    frame.contains(RESULTS).then(|| crate::frames::fill(frame, &[(TITLE, title), (QUERY, query), (RESULTS, results)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slot_is_filled_once_and_values_are_not_filled_again() {
        let frame = format!("<title>{TITLE} | Shop</title><meta content=\"{TITLE}\"><input value=\"{QUERY}\"><main>{RESULTS}</main>");
        let page = fill(&frame, "“%search-query%” – Search", "%search-title%", "<p>5 products</p>").unwrap();
        assert_eq!(
            page,
            "<title>“%search-query%” – Search | Shop</title><meta content=\"“%search-query%” – Search\"><input value=\"%search-title%\"><main><p>5 products</p></main>"
        );
        assert_eq!(fill("<main></main>", "", "", ""), None);
    }
}
