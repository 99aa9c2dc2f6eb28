//! `GET /search?q=…`: the search results page, rendered by the worker into the static page frame
//! (`dist/search/index.html`, same header and footer as every page). Facets, sort and pages are
//! plain links, so it all works without JavaScript; with it, the page's `LiveResults` island
//! fetches `…&partial=1` (the results alone; `partial=typing` while typing) and swaps them in place.

use crate::error::ApiError;
use crate::http::Reply;
use crate::query::Query;
use crate::services::product_search::{note_zero_results, SearchParams};
use edgeshop_api::listing::{self, FacetGroup};
use edgeshop_api::search_frame;
use edgeshop_domain::info_pages::InfoPageRef;
use edgeshop_indexer::price_words::phrase_in_money;
use edgeshop_indexer::{Hit, SearchResults, Sort};
use std::fmt::Write;
use worker::{Env, Request, Response};

const PER_PAGE: usize = 24;

pub async fn render(req: &Request, env: &Env, ctx: &worker::Context) -> Reply {
    let url = req.url()?;
    let params = match Query::parse(url.query()) {
        Ok(params) => params,
        // A query string that is not text (`%ff`) gets the page too, not the API's problem JSON.
        Err(e) if e.status < 500 && !url.query().unwrap_or_default().contains("partial=") => return refused(env, &e, "").await,
        Err(e) => return Err(e),
    };
    // `partial=typing`: results while the shopper types; only a finished query counts as a miss.
    let partial = params.get("partial");
    let p = match SearchParams::from_query(&params, PER_PAGE) {
        Ok(p) => p,
        // A page asked for by a browser gets a page that says what is wrong (the island's
        // partial requests keep the problem JSON, and leave the page as it is).
        Err(e) if e.status < 500 && partial.is_none() => return refused(env, &e, params.get("q").unwrap_or_default()).await,
        Err(e) => return Err(e),
    };
    let (results, _) = p.run(env, true).await?;
    // A miss within a price or a sale typed among the words ("under 5") is no gap in the catalog.
    let typed_filters = results.price_words.is_some() || results.sale_words.is_some();
    if results.total == 0 && p.filters.is_empty() && !typed_filters && !p.q.trim().is_empty() && partial != Some("typing") {
        note_zero_results(req, env, ctx, &p.q);
    }
    let manifest = crate::build_data::manifest(env).await?;
    let pages = edgeshop_domain::info_pages::answering(&manifest.info_pages, &p.q);
    let body = results_html(&p, &results, &pages);
    if partial.is_some() {
        // Just the results, for the page's script to swap in (instant results, facets, pages).
        // Results carry no script of their own: none is allowed.
        let mut resp = Response::from_html(body.as_str())?;
        crate::http::html_headers(resp.headers_mut(), "")?;
        resp.headers_mut().set("cache-control", "public, max-age=60")?;
        return Ok(resp);
    }
    let title = if p.q.is_empty() { "Search".to_string() } else { format!("“{}” – Search", esc(&p.q)) };
    let mut resp = framed(env, &title, &p.q, &body).await?;
    resp.headers_mut().set("cache-control", "public, max-age=60")?;
    Ok(resp)
}

/// The search page frame (`dist/search/index.html`) with its title, search box and results
/// filled in. Only the frame's own inline scripts are allowed, never one that came in with what
/// was filled in.
async fn framed(env: &Env, title: &str, q: &str, body: &str) -> Reply {
    let frame = crate::build_data::public_asset(env, "/search/").await?;
    let html = search_frame::fill(&frame, title, &esc(q), body)
        .ok_or_else(|| ApiError::internal("the search page frame (dist/search/index.html) has no results slot; rebuild the site"))?;
    let mut resp = Response::from_html(html.as_str())?;
    crate::http::html_headers(resp.headers_mut(), &frame)?;
    Ok(resp)
}

/// The search page for a request it cannot answer (a filter or page that is not valid): the
/// problem's detail in the page frame, with the error's status, and the query on its own one click
/// away.
async fn refused(env: &Env, e: &ApiError, q: &str) -> Reply {
    let q: String = q.chars().take(128).collect();
    let body = format!(
        "<h1>This search could not be run</h1><p class=\"empty\" role=\"alert\">{}</p><p><a href=\"/search?q={}\">Search for “{}” without filters</a></p>",
        esc(&e.detail),
        esc(&enc(&q)),
        esc(&q)
    );
    let mut resp = framed(env, "Search", &q, &body).await?.with_status(e.status);
    resp.headers_mut().set("cache-control", "no-store")?;
    Ok(resp)
}

use edgeshop_domain::escape_html as esc;

fn enc(s: &str) -> String {
    String::from(worker::js_sys::encode_uri_component(s))
}

/// The search URL for these parameters with one filter toggled, the sort or the page changed.
struct Link<'a> {
    p: &'a SearchParams,
}

impl Link<'_> {
    fn pairs(&self) -> Vec<(String, String)> {
        let p = self.p;
        let mut v = vec![("q".to_string(), p.q.clone())];
        v.extend(p.filters.categories.iter().map(|c| ("category".to_string(), c.clone())));
        v.extend(p.filters.brands.iter().map(|b| ("brand".to_string(), b.clone())));
        v.extend(p.filters.prices.iter().map(|r| ("price".to_string(), r.key())));
        v.extend(p.filters.options.iter().map(|(n, x)| ("option".to_string(), format!("{n}:{x}"))));
        if p.sort != Sort::Relevance {
            v.push(("sort".into(), p.sort.as_str().into()));
        }
        if p.all_words {
            v.push(("match".into(), "all".into()));
        }
        // A page size asked for stays on every link (the pages count in it).
        if p.per_page != PER_PAGE {
            v.push(("per_page".into(), p.per_page.to_string()));
        }
        v
    }

    /// This search with every word required.
    /// The same search with `q` as its words, at any price.
    fn any_price(&self, q: &str) -> String {
        self.with_words(q, |k| k != "price")
    }

    /// The same search with `q` as its words.
    fn words(&self, q: &str) -> String {
        self.with_words(q, |_| true)
    }

    /// The same search with `q` as its words and the parameters `keep` keeps.
    fn with_words(&self, q: &str, keep: impl Fn(&str) -> bool) -> String {
        let mut pairs = self.pairs();
        pairs[0].1 = q.to_string();
        pairs.retain(|(k, _)| keep(k));
        Self::href(&pairs)
    }

    fn all_words(&self) -> String {
        let mut pairs = self.pairs();
        pairs.push(("match".into(), "all".into()));
        Self::href(&pairs)
    }

    fn href(pairs: &[(String, String)]) -> String {
        let qs: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect();
        esc(&format!("/search?{}", qs.join("&")))
    }

    fn toggle(&self, key: &str, value: &str) -> String {
        let mut pairs = self.pairs();
        match pairs.iter().position(|(k, v)| k == key && v == value) {
            Some(i) => {
                pairs.remove(i);
            }
            None => pairs.push((key.to_string(), value.to_string())),
        }
        Self::href(&pairs)
    }

    fn sort(&self, sort: Sort) -> String {
        let mut pairs: Vec<_> = self.pairs().into_iter().filter(|(k, _)| k != "sort").collect();
        if sort != Sort::Relevance {
            pairs.push(("sort".into(), sort.as_str().into()));
        }
        Self::href(&pairs)
    }

    fn page(&self, page: usize) -> String {
        let mut pairs = self.pairs();
        if page > 1 {
            pairs.push(("page".into(), page.to_string()));
        }
        Self::href(&pairs)
    }
}

fn facet_list(out: &mut String, group: &FacetGroup, link: &Link) {
    let _ = write!(out, "<fieldset class=\"facet\"><legend>{}</legend><ul>", esc(group.title));
    for (value, v) in &group.values {
        let _ = write!(
            out,
            "<li><a href=\"{}\" rel=\"nofollow\"{}>{}{} <span class=\"count\">{}</span></a></li>",
            link.toggle(group.parameter, value),
            if v.selected { " class=\"selected\" aria-current=\"true\"" } else { "" },
            if v.selected { "<span class=\"visually-hidden\">Remove filter: </span>" } else { "" },
            esc(&v.label),
            v.count
        );
    }
    out.push_str("</ul></fieldset>");
}

/// The hits' cards as the shop's pages draw them: rendered by the site builder with the category
/// pages' own component and stored in the search index (one definition of a card).
fn cards(out: &mut String, hits: &[Hit]) {
    out.push_str("<ul class=\"grid\">");
    for h in hits {
        match &h.card {
            Some(card) => out.push_str(card),
            // An index built without cards (not the site builder's): the product's name at least.
            None => {
                let _ = write!(out, "<li class=\"card\"><a href=\"{}\">{}</a></li>", esc(&edgeshop_domain::paths::product(&h.slug)), esc(&h.title));
            }
        }
    }
    out.push_str("</ul>");
}

/// A note on what words typed among the others did (`said`, escaped already), with the other
/// `words` searched the usual way one click away (`otherwise` says how).
fn words_note(out: &mut String, id: &str, said: &str, words: &str, otherwise: &str, link: &Link) {
    let any = if words.is_empty() { "All products".to_string() } else { format!("“{}”", esc(words)) };
    let _ =
        write!(out, "<p class=\"{id}\" data-testid=\"{id}\">{said} <a href=\"{}\" rel=\"nofollow\">{any}, {otherwise}</a></p>", link.words(words));
}

fn results_html(p: &SearchParams, r: &SearchResults, pages: &[&InfoPageRef]) -> String {
    let link = Link { p };
    let mut out = String::new();
    let heading = if p.q.is_empty() { "All products".to_string() } else { format!("Results for “{}”", esc(&p.q)) };
    let _ = write!(out, "<h1>{heading}</h1>");
    // The query and count also go to the page's analytics beacon (`public/beacon.js`).
    let _ = write!(
        out,
        "<p class=\"result-count\" role=\"status\" data-search-query=\"{}\" data-search-total=\"{}\">{}</p>",
        esc(&p.q),
        r.total,
        edgeshop_domain::count_of(r.total as u64, "product")
    );
    // The shop's own pages the words ask for ("returns", "delivery times"), before any product.
    if !pages.is_empty() {
        let links: Vec<String> =
            pages.iter().map(|pg| format!("<a href=\"{}\">{}</a>", esc(&edgeshop_domain::paths::info_page(&pg.slug)), esc(&pg.title))).collect();
        let _ = write!(out, "<p class=\"info-pages\" data-testid=\"info-pages\">Shop information: {}</p>", links.join(" · "));
    }
    if let Some(fix) = &r.did_you_mean {
        let _ = write!(out, "<p class=\"did-you-mean\">Did you mean <a href=\"/search?q={}\">{}</a>?</p>", esc(&enc(fix)), esc(fix));
    }
    if let Some(price) = &r.price_words {
        let any = if price.words.is_empty() { "All products".to_string() } else { format!("“{}”", esc(&price.words)) };
        let _ = write!(
            out,
            "<p class=\"price-words\" data-testid=\"price-words\">Prices {} (from your search). <a href=\"{}\" rel=\"nofollow\">{any} at any price</a></p>",
            esc(&crate::build_data::currency().map_or_else(|| price.phrase.clone(), |c| phrase_in_money(&price.phrase, c, &crate::build_data::locale()))),
            link.any_price(&price.words)
        );
    }
    if let Some((phrase, words)) = &r.newest_words {
        words_note(&mut out, "newest-words", &format!("Newest first (“{}” in your search).", esc(phrase)), words, "best match first", &link);
    }
    if let Some((phrase, words)) = &r.sale_words {
        words_note(&mut out, "sale-words", &format!("Only products on sale (“{}” in your search).", esc(phrase)), words, "on sale or not", &link);
    }
    // The words searched: the query without the price, sale and gift words, if any.
    let phrases =
        [r.price_words.as_ref().map(|w| w.phrase.as_str()), r.sale_words.as_ref().map(|(phrase, _)| phrase.as_str()), r.gift_words.as_deref()];
    let phrases = phrases.into_iter().chain([r.newest_words.as_ref().map(|(phrase, _)| phrase.as_str())]);
    let typed_filters = edgeshop_indexer::normalise(&phrases.flatten().collect::<Vec<_>>().join(" "));
    let normalised = edgeshop_indexer::normalise(&p.q);
    let searched = || normalised.split(' ').filter(|w| !typed_filters.split(' ').any(|t| t == *w));
    // A gift for someone nothing in the shop matched: the picks, saying so.
    let gift_picks_instead = r.gift_words.is_some() && searched().next().is_some() && searched().all(|w| r.ignored_words.iter().any(|i| i == w));
    if r.gift_words.is_some() {
        let about = searched().collect::<Vec<_>>().join(" ");
        // The gift words are in the search box; the note says what was searched for instead.
        let what = match (about.is_empty(), gift_picks_instead) {
            (true, _) => ": our picks and best sellers".to_string(),
            (false, true) => format!(": our picks and best sellers (nothing matched “{}”)", esc(&about)),
            (false, false) => format!(" for “{}”", esc(&about)),
        };
        let _ = write!(out, "<p class=\"gift-words\" data-testid=\"gift-words\">Gift ideas{what}.</p>");
    }
    if !r.ignored_words.is_empty() && !gift_picks_instead {
        let kept: Vec<&str> = searched().filter(|w| !r.ignored_words.iter().any(|i| i == w)).collect();
        let ignored = r.ignored_words.iter().map(|w| format!("<s>{}</s>", esc(w))).collect::<Vec<_>>().join(" ");
        let kept = esc(&kept.join(" "));
        let said = match r.total_all_words {
            0 => format!("No products match all of “{}”. Showing results for “{kept}” (left out: {ignored}).", esc(&p.q)),
            n => format!(
                "{n} product{} match{} every word; after {}, products that match “{kept}” (without {ignored}).",
                if n == 1 { "" } else { "s" },
                if n == 1 { "es" } else { "" },
                if n == 1 { "it" } else { "them" }
            ),
        };
        let _ = write!(
            out,
            "<p class=\"ignored-words\" data-testid=\"ignored-words\">{said} <a href=\"{}\" rel=\"nofollow\">Only products with every word</a></p>",
            link.all_words()
        );
    }
    // Nothing found and nothing chosen: no filters or sort to offer.
    let facets = r.facets.as_ref().filter(|_| !r.hits.is_empty() || !p.filters.is_empty());
    out.push_str(if facets.is_some() { "<div class=\"search-layout\">" } else { "<div class=\"search-layout no-facets\">" });
    if let Some(f) = facets {
        // A disclosure on phones, so that the results come first; always open on wide screens
        // (the stylesheet shows its content and hides its summary there).
        let groups = listing::facet_groups(f, true);
        let selected = groups.iter().flat_map(|g| &g.values).filter(|(_, v)| v.selected).count();
        let chosen = if selected > 0 { format!(" ({selected} chosen)") } else { String::new() };
        let _ = write!(out, "<details class=\"facet-toggle\"><summary>Filters{chosen}</summary><aside class=\"facets\" aria-label=\"Filters\">");
        for group in groups {
            facet_list(&mut out, &group, &link);
        }
        out.push_str("</aside></details>");
    }
    out.push_str("<section class=\"search-results\" aria-label=\"Products\">");
    if !r.hits.is_empty() {
        out.push_str("<nav class=\"sort\" aria-label=\"Sort\">Sort: ");
        for sort in Sort::ALL {
            let label = listing::sort_label(sort.as_str(), !p.q.is_empty());
            if sort == p.sort {
                let _ = write!(out, "<strong aria-current=\"true\">{label}</strong> ");
            } else {
                let _ = write!(out, "<a href=\"{}\" rel=\"nofollow\">{label}</a> ", link.sort(sort));
            }
        }
        out.push_str("</nav>");
    }
    if r.hits.is_empty() {
        let advice =
            if p.filters.is_empty() { "Check the spelling or use fewer words" } else { "Check the spelling, use fewer words or remove a filter" };
        let _ = write!(out, "<p class=\"empty\">No products match. {advice}.</p>");
        if !r.popular.is_empty() {
            out.push_str("<h2>Popular products</h2>");
            cards(&mut out, &r.popular);
        }
    } else {
        cards(&mut out, &r.hits);
        if let Some(related) = &r.related {
            let _ = write!(
                out,
                "<h2 class=\"related\" data-testid=\"related\">More in <a href=\"{}\">{}</a></h2>",
                esc(&edgeshop_domain::paths::category(&related.category, 1)),
                esc(&related.category_name)
            );
            cards(&mut out, &related.hits);
        }
    }
    let pages = p.pages(r.total);
    if pages > 1 {
        out.push_str("<nav class=\"pagination\" aria-label=\"Pages\">");
        if p.page > 1 {
            let _ = write!(out, "<a rel=\"prev\" href=\"{}\">Previous</a> ", link.page(p.page - 1));
        }
        let _ = write!(out, "<span>Page {} of {pages}</span>", p.page);
        if p.page < pages {
            let _ = write!(out, " <a rel=\"next\" href=\"{}\">Next</a>", link.page(p.page + 1));
        }
        out.push_str("</nav>");
    }
    out.push_str("</section></div>");
    out
}
