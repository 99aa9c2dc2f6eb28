//! Shop analytics rules: which page events exist and what they may carry, how an event adds to
//! the daily rollups and to its session's funnel, dates and date ranges, and latency histograms.
//! The worker's queue consumer and the history generator (`cargo xtask analytics-history`) both
//! roll events up with [`Rollup`], so the reports read the same numbers either way.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a page reports (`POST /api/events`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    PageView,
    ProductView,
    AddToCart,
    BeginCheckout,
    Search,
    SearchClick,
}

/// The page types a page view may name.
pub const PAGE_TYPES: [&str; 9] = ["home", "category", "product", "search", "cart", "checkout", "order", "info", "other"];

/// Longest query, slug or page type kept (longer ones are refused).
pub const MAX_TEXT: usize = 100;
/// Events in one beacon.
pub const MAX_EVENTS: usize = 20;
/// Bytes in one beacon's body.
pub const MAX_BEACON_BYTES: usize = 4096;

/// One event as the queue carries it: the page's fields, checked, plus an id and the UTC day the
/// worker received it. No address, no user agent, no cookie.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub day: String,
    pub kind: Kind,
    pub session: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<u32>,
}

/// Funnel steps a session reached, as bits of `analytics_sessions.steps`. Order placed and paid
/// come from the orders table (an order names its session), never from the browser.
pub mod step {
    pub const VISIT: i64 = 1;
    pub const PRODUCT_VIEW: i64 = 2;
    pub const ADD_TO_CART: i64 = 4;
    pub const CHECKOUT: i64 = 8;
    pub const SEARCH: i64 = 16;
}

/// Why an event was refused.
pub fn check(kind: Kind, session: &str, page: Option<&str>, product: Option<&str>, query: Option<&str>) -> Result<(), String> {
    if !valid_session(session) {
        return Err("session must be 16 to 64 characters from [0-9a-z]".into());
    }
    for (name, value) in [("page", page), ("product", product), ("query", query)] {
        if value.is_some_and(|v| v.chars().count() > MAX_TEXT) {
            return Err(format!("{name} is longer than {MAX_TEXT} characters"));
        }
        if value.is_some_and(|v| v.chars().any(char::is_control)) {
            return Err(format!("{name} contains control characters"));
        }
    }
    if let Some(p) = page {
        if !PAGE_TYPES.contains(&p) {
            return Err(format!("page must be one of {}", PAGE_TYPES.join(", ")));
        }
    }
    if let Some(slug) = product {
        if slug.is_empty() || !slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err("product must be a product slug ([a-z0-9-])".into());
        }
    }
    let needs = |what: &str, has: bool| if has { Ok(()) } else { Err(format!("a {kind:?} event needs {what}")) };
    match kind {
        Kind::PageView => needs("page", page.is_some()),
        Kind::ProductView | Kind::AddToCart => needs("product", product.is_some()),
        Kind::BeginCheckout => Ok(()),
        Kind::Search | Kind::SearchClick => needs("query", query.is_some_and(|q| !normalise_query(q).is_empty())),
    }
}

pub fn valid_session(s: &str) -> bool {
    (16..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

/// Queries are counted case- and space-insensitively.
pub fn normalise_query(q: &str) -> String {
    let mut out: String = q.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    if let Some((cut, _)) = out.char_indices().nth(MAX_TEXT) {
        out.truncate(cut);
    }
    out
}

/// Crawlers, link previews, scripts and headless browsers (they would fill the funnel with
/// sessions that never buy). A browser test that wants to be counted says it is a browser.
pub fn is_bot(user_agent: Option<&str>) -> bool {
    let Some(ua) = user_agent.map(str::to_ascii_lowercase).filter(|ua| !ua.trim().is_empty()) else {
        return true;
    };
    const MARKS: [&str; 20] = [
        "bot",
        "crawl",
        "spider",
        "slurp",
        "headless",
        "lighthouse",
        "pagespeed",
        "curl/",
        "wget",
        "python-",
        "go-http",
        "java/",
        "okhttp",
        "node-fetch",
        "undici",
        "axios",
        "facebookexternalhit",
        "preview",
        "monitor",
        "scan",
    ];
    MARKS.iter().any(|m| ua.contains(m)) || !ua.starts_with("mozilla/")
}

/// Daily counts and session steps from a set of events (a queue batch, or a generated history).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rollup {
    /// (day, metric, dim) → count.
    pub daily: BTreeMap<(String, &'static str, String), i64>,
    /// (day, session) → (steps, last query).
    pub sessions: BTreeMap<(String, String), (i64, Option<String>)>,
}

impl Rollup {
    pub fn add(&mut self, e: &Event) {
        let mut count = |metric: &'static str, dim: &str| *self.daily.entry((e.day.clone(), metric, dim.to_string())).or_default() += 1;
        let product = e.product.as_deref().unwrap_or("");
        let query = e.query.as_deref().map(normalise_query).unwrap_or_default();
        let steps = match e.kind {
            Kind::PageView => {
                let page = e.page.as_deref().unwrap_or("other");
                count("page_view", page);
                step::VISIT | if page == "checkout" { step::CHECKOUT } else { 0 }
            }
            Kind::ProductView => {
                count("product_view", product);
                step::VISIT | step::PRODUCT_VIEW
            }
            Kind::AddToCart => {
                count("add_to_cart", product);
                step::VISIT | step::ADD_TO_CART
            }
            Kind::BeginCheckout => step::VISIT | step::CHECKOUT,
            Kind::Search => {
                count("search", &query);
                if e.results == Some(0) {
                    count("search_zero", &query);
                }
                step::VISIT | step::SEARCH
            }
            Kind::SearchClick => {
                count("search_click", &query);
                step::VISIT | step::SEARCH
            }
        };
        let entry = self.sessions.entry((e.day.clone(), e.session.clone())).or_insert((0, None));
        entry.0 |= steps;
        if matches!(e.kind, Kind::Search | Kind::SearchClick) {
            entry.1 = Some(query);
        }
    }
}

// ---- Dates ------------------------------------------------------------------------------------

/// Days since 1970-01-01 for `YYYY-MM-DD` (Howard Hinnant's days_from_civil).
pub fn day_number(day: &str) -> Option<i64> {
    if !crate::text::is_iso_date(day) {
        return None;
    }
    let y: i64 = day.get(0..4)?.parse().ok()?;
    let m: i64 = day.get(5..7)?.parse().ok()?;
    let d: i64 = day.get(8..10)?.parse().ok()?;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// `YYYY-MM-DD` for a day number.
pub fn day_string(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A report's days, both ends included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range {
    pub from: String,
    pub to: String,
}

/// Longest range a report covers.
pub const MAX_RANGE_DAYS: i64 = 366;

impl Range {
    pub fn parse(from: &str, to: &str) -> Result<Range, String> {
        let (a, b) = match (day_number(from), day_number(to)) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err("from and to must be dates (YYYY-MM-DD)".into()),
        };
        if b < a {
            return Err("to must not be before from".into());
        }
        if b - a + 1 > MAX_RANGE_DAYS {
            return Err(format!("a report covers at most {MAX_RANGE_DAYS} days"));
        }
        Ok(Range { from: from.to_string(), to: to.to_string() })
    }

    /// The `days` days that end on `today`.
    pub fn last(days: i64, today: &str) -> Range {
        let end = day_number(today).unwrap_or(0);
        Range { from: day_string(end - days.max(1) + 1), to: day_string(end) }
    }

    pub fn days(&self) -> i64 {
        day_number(&self.to).unwrap_or(0) - day_number(&self.from).unwrap_or(0) + 1
    }

    /// The range of the same length just before this one.
    pub fn previous(&self) -> Range {
        let start = day_number(&self.from).unwrap_or(0);
        Range { from: day_string(start - self.days()), to: day_string(start - 1) }
    }

    /// Every day of the range.
    pub fn each_day(&self) -> Vec<String> {
        let start = day_number(&self.from).unwrap_or(0);
        (0..self.days()).map(|i| day_string(start + i)).collect()
    }

    /// Timestamps (RFC 3339, as orders store them) from the first instant to just after the last day.
    pub fn bounds(&self) -> (String, String) {
        (format!("{}T00:00:00", self.from), format!("{}T00:00:00", day_string(day_number(&self.to).unwrap_or(0) + 1)))
    }
}

// ---- Ratios ------------------------------------------------------------------------------------

/// `part / whole` in basis points (1/100 of a percent), 0 when there is no whole.
pub fn basis_points(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        (part * 10_000 + whole / 2) / whole
    }
}

// ---- Latency histograms -------------------------------------------------------------------------

/// Upper bounds (ms) of the latency buckets; the last is open-ended.
pub const LATENCY_BUCKETS_MS: [u64; 12] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, u64::MAX];

pub fn latency_bucket(ms: u64) -> usize {
    LATENCY_BUCKETS_MS.iter().position(|&b| ms <= b).unwrap_or(LATENCY_BUCKETS_MS.len() - 1)
}

/// The `q`-th percentile (0–100) of a histogram, as the bucket's upper bound (ms); the open last
/// bucket reports the largest finite bound. `None` without samples.
pub fn percentile(buckets: &[i64], q: u32) -> Option<u64> {
    let total: i64 = buckets.iter().sum();
    if total <= 0 {
        return None;
    }
    let rank = ((total * i64::from(q) + 99) / 100).max(1);
    let mut seen = 0;
    for (i, n) in buckets.iter().enumerate() {
        seen += n;
        if seen >= rank {
            return Some(LATENCY_BUCKETS_MS[i.min(LATENCY_BUCKETS_MS.len() - 2)]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: Kind, session: &str) -> Event {
        Event { id: "e".into(), day: "2026-11-30".into(), kind, session: session.into(), page: None, product: None, query: None, results: None }
    }

    #[test]
    fn events_are_checked() {
        let s = "0123456789abcdef";
        assert!(check(Kind::PageView, s, Some("product"), None, None).is_ok());
        assert!(check(Kind::PageView, s, Some("admin"), None, None).is_err());
        assert!(check(Kind::PageView, s, None, None, None).is_err());
        assert!(check(Kind::PageView, "short", Some("home"), None, None).is_err());
        assert!(check(Kind::ProductView, s, None, Some("Trail Tent"), None).is_err());
        assert!(check(Kind::Search, s, None, None, Some("   ")).is_err());
        assert!(check(Kind::Search, s, None, None, Some(&"x".repeat(101))).is_err());
        assert!(check(Kind::SearchClick, s, None, None, Some("tent\u{0}")).is_err());
    }

    #[test]
    fn bots_are_told_from_browsers() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";
        assert!(!is_bot(Some(chrome)));
        assert!(is_bot(Some("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")));
        assert!(is_bot(Some("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/130.0 Safari/537.36")));
        assert!(is_bot(Some("curl/8.5.0")));
        assert!(is_bot(None));
        assert!(is_bot(Some("")));
    }

    #[test]
    fn a_session_rolls_up_into_counts_and_steps() {
        let mut r = Rollup::default();
        let s = "aaaaaaaaaaaaaaaa";
        r.add(&Event { page: Some("home".into()), ..event(Kind::PageView, s) });
        r.add(&Event { query: Some("  Trail  TENT ".into()), results: Some(0), ..event(Kind::Search, s) });
        r.add(&Event { query: Some("tent".into()), results: Some(4), ..event(Kind::Search, s) });
        r.add(&Event { query: Some("tent".into()), ..event(Kind::SearchClick, s) });
        r.add(&Event { product: Some("tent".into()), ..event(Kind::ProductView, s) });
        r.add(&Event { product: Some("tent".into()), ..event(Kind::AddToCart, s) });
        let n = |m: &'static str, d: &str| r.daily.get(&("2026-11-30".to_string(), m, d.to_string())).copied().unwrap_or(0);
        assert_eq!((n("page_view", "home"), n("search", "trail tent"), n("search_zero", "trail tent"), n("search", "tent")), (1, 1, 1, 1));
        assert_eq!((n("search_zero", "tent"), n("search_click", "tent"), n("product_view", "tent"), n("add_to_cart", "tent")), (0, 1, 1, 1));
        let (steps, last) = &r.sessions[&("2026-11-30".to_string(), s.to_string())];
        assert_eq!(*steps, step::VISIT | step::SEARCH | step::PRODUCT_VIEW | step::ADD_TO_CART);
        assert_eq!(last.as_deref(), Some("tent"));
    }

    #[test]
    fn ranges_and_days() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_string(day_number("2024-02-29").unwrap() + 1), "2024-03-01");
        let r = Range::parse("2026-11-01", "2026-11-30").unwrap();
        assert_eq!(r.days(), 30);
        assert_eq!(r.previous(), Range { from: "2026-10-02".into(), to: "2026-10-31".into() });
        assert_eq!(r.bounds(), ("2026-11-01T00:00:00".into(), "2026-12-01T00:00:00".into()));
        assert_eq!(Range::last(7, "2026-12-01"), Range { from: "2026-11-25".into(), to: "2026-12-01".into() });
        assert!(Range::parse("2026-11-30", "2026-11-01").is_err());
        assert!(Range::parse("2025-01-01", "2026-11-01").is_err());
        assert!(Range::parse("2026-13-01", "2026-11-01").is_err());
    }

    #[test]
    fn percentiles_from_buckets() {
        let mut b = [0i64; 12];
        for ms in [1, 3, 7, 8, 9, 40, 45, 48, 60, 3000] {
            b[latency_bucket(ms)] += 1;
        }
        assert_eq!(percentile(&b, 50), Some(10));
        assert_eq!(percentile(&b, 90), Some(100));
        assert_eq!(percentile(&b, 99), Some(5000));
        assert_eq!(percentile(&[0; 12], 50), None);
        assert_eq!(basis_points(1, 3), 3333);
        assert_eq!(basis_points(5, 0), 0);
    }
}
