//! Sort and filters on category pages. The server-rendered grid and pager (passed in as children)
//! work without JavaScript; with it, this island asks the search API for the category's facets,
//! and once a filter or another sort is chosen it shows the API's grid in place, keeps the choice
//! in the URL (`?sort=&brand=&price=&option=Name:Value&page=`) and follows the back button.

use crate::islands::encode;
use edgeshop_api::listing;
use leptos::prelude::*;

pub use edgeshop_api::{FacetValue, Facets, OptionFacet, SearchHit as Hit, SearchResponse as Listing};

/// What the shopper chose; `Default` is the static page (featured order, no filters).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Choice {
    pub sort: String,
    /// `(kind, value)`: kind is `brand`, `price` or `option` (value `Name:Value`).
    pub filters: Vec<(String, String)>,
    pub page: usize,
}

impl Choice {
    pub fn is_default(&self) -> bool {
        (self.sort.is_empty() || self.sort == "relevance") && self.filters.is_empty() && self.page <= 1
    }

    pub fn has(&self, kind: &str, value: &str) -> bool {
        self.filters.iter().any(|(k, v)| k == kind && v == value)
    }

    pub fn toggle(&mut self, kind: &str, value: &str) {
        match self.filters.iter().position(|(k, v)| k == kind && v == value) {
            Some(i) => {
                self.filters.remove(i);
            }
            None => self.filters.push((kind.to_string(), value.to_string())),
        }
        self.page = 1;
    }

    /// The query string for the page URL (without the category).
    pub fn query_string(&self) -> String {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if !self.sort.is_empty() && self.sort != "relevance" {
            pairs.push(("sort".into(), self.sort.clone()));
        }
        pairs.extend(self.filters.iter().cloned());
        if self.page > 1 {
            pairs.push(("page".into(), self.page.to_string()));
        }
        pairs.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
    }

    pub fn from_query(search: &str) -> Choice {
        let mut c = Choice { page: 1, ..Choice::default() };
        for pair in search.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = decode(v);
            match k {
                "sort" => c.sort = v,
                "page" => c.page = v.parse().unwrap_or(1).max(1),
                "brand" | "price" | "option" => c.filters.push((k.to_string(), v)),
                _ => {}
            }
        }
        c
    }
}

fn decode(s: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        js_sys::decode_uri_component(&s.replace('+', " ")).map(String::from).unwrap_or_else(|_| s.to_string())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        s.to_string()
    }
}

pub const PER_PAGE: usize = 24;

#[island]
pub fn CategoryBrowser(category: String, children: Children) -> impl IntoView {
    let choice = RwSignal::new(Choice { page: 1, ..Choice::default() });
    let listing = RwSignal::new(None::<Listing>);
    let facets = RwSignal::new(None::<Facets>);
    let loading = RwSignal::new(false);
    let (ready, set_ready) = signal(false);
    let latest = StoredValue::new(0u32);
    let category = StoredValue::new(category);

    // Fetches the listing for the current choice (and the facet counts that go with it).
    let load = move || {
        let c = choice.get_untracked();
        latest.update_value(|n| *n += 1);
        let ticket = latest.get_value();
        loading.set(true);
        let qs = c.query_string();
        let url = format!(
            "/api/search?category={}&facets=1&per_page={PER_PAGE}{}{}",
            encode(&category.get_value()),
            if qs.is_empty() { "" } else { "&" },
            qs
        );
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let got: Option<Listing> = async { gloo_net::http::Request::get(&url).send().await.ok()?.json().await.ok() }.await;
            if latest.get_value() == ticket {
                if let Some(l) = got {
                    facets.set(l.facets.clone());
                    listing.set(Some(l));
                }
                loading.set(false);
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (url, ticket);
    };

    // A new choice: into the URL (a history entry, so Back undoes it) and fetched.
    let choose = move |f: &dyn Fn(&mut Choice)| {
        choice.update(|c| f(c));
        #[cfg(feature = "hydrate")]
        if let Some(w) = web_sys::window() {
            let qs = choice.get_untracked().query_string();
            let url = format!("/c/{}/{}{}", category.get_value(), if qs.is_empty() { "" } else { "?" }, qs);
            if let Ok(h) = w.history() {
                let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        }
        load();
    };

    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::closure::Closure;
            use wasm_bindgen::JsCast;
            let read_url = move || {
                let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
                choice.set(Choice::from_query(&search));
                load();
            };
            read_url();
            if let Some(w) = web_sys::window() {
                let on_pop = Closure::<dyn Fn()>::new(read_url);
                let _ = w.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
                on_pop.forget();
            }
        }
        set_ready.set(true);
    });

    let active = move || !choice.with(Choice::is_default);
    let sort_select = move || {
        let current = choice.with(|c| if c.sort.is_empty() { "relevance".to_string() } else { c.sort.clone() });
        listing::SORTS
            .iter()
            .map(|(value, _)| view! { <option value=*value selected=current == *value>{listing::sort_label(value, false)}</option> })
            .collect_view()
    };
    let group = move |group: listing::FacetGroup| {
        let kind = group.parameter;
        let items = group
            .values
            .into_iter()
            .map(|(value, v)| {
                let checked = {
                    let value = value.clone();
                    move || choice.with(|c| c.has(kind, &value))
                };
                let on_change = {
                    let value = value.clone();
                    move |_| choose(&|c: &mut Choice| c.toggle(kind, &value))
                };
                view! {
                    <li><label><input type="checkbox" prop:checked=checked on:change=on_change/>
                        {v.label.clone()}<span class="count">{v.count}</span></label></li>
                }
            })
            .collect_view();
        view! { <fieldset class="facet"><legend>{group.title.to_string()}</legend><ul>{items}</ul></fieldset> }
    };
    let panel = move || facets.get().map(|f| listing::facet_groups(&f, false).into_iter().map(group).collect_view());
    let results = move || {
        listing.get().map(|l| {
            // The cards the build drew for these products (the category page's own).
            let cards: String = l.hits.into_iter().filter_map(|h| h.card).collect();
            let page = choice.with(|c| c.page.max(1));
            let pages = l.pages;
            view! {
                <p class="count" role="status">{format!("{} products", l.total)}</p>
                <ul class="grid" inner_html=cards></ul>
                {(pages > 1).then(|| view! {
                    <nav class="pagination" aria-label="Pages">
                        <button type="button" disabled={page <= 1} on:click=move |_| choose(&|c: &mut Choice| c.page = page - 1)>"Previous"</button>
                        <span>{format!("Page {page} of {pages}")}</span>
                        <button type="button" disabled={page >= pages} on:click=move |_| choose(&|c: &mut Choice| c.page = page + 1)>"Next"</button>
                    </nav>
                })}
            }
        })
    };

    // Before the island wakes (or without JavaScript): sort and filter on the search page, which
    // the worker renders with its filters as plain links.
    let fallback_sorts =
        listing::SORTS.iter().map(|(value, _)| view! { <option value=*value>{listing::sort_label(value, false)}</option> }).collect_view();
    view! {
        <div class="browse" data-wake="query" data-ready=move || ready.get().to_string() aria-busy=move || loading.get().to_string()>
            <form class="browse-controls browse-fallback" action="/search" method="get" hidden=move || ready.get()>
                <input type="hidden" name="category" value=category.get_value()/>
                <label>"Sort by " <select name="sort">{fallback_sorts}</select></label>
                <button type="submit">"Sort and filter"</button>
            </form>
            <div class="browse-controls" hidden=move || !ready.get()>
                <label class="sort-by">"Sort by "
                    <select on:change=move |ev| { let v = event_target_value(&ev); choose(&|c: &mut Choice| { c.sort = v.clone(); c.page = 1; }) }>
                        {sort_select}
                    </select>
                </label>
                <details class="filters">
                    <summary>"Filters"</summary>
                    <div class="facets">{panel}</div>
                </details>
            </div>
            <div class="browse-static" hidden=active>{children()}</div>
            <div class="browse-results" hidden=move || !active()>{results}</div>
        </div>
    }
}
