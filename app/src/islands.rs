//! The search box island: search as you type, with the suggestions `/api/search/suggest` answers.
//! (The other islands: `commerce`, `browse`, `live_search`, `subscribe`.)

use leptos::prelude::*;

pub use edgeshop_api::{SearchHit, Suggestions};

/// One row of the suggestion list: a query completion or a product.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    id: String,
    href: String,
    label: String,
    price: Option<String>,
}

fn rows(s: &Suggestions) -> Vec<Row> {
    let completions = s.completions.iter().enumerate().map(|(i, c)| Row {
        id: format!("sq-{i}"),
        href: format!("/search?q={}", encode(c)),
        label: c.clone(),
        price: None,
    });
    let products = s.products.iter().enumerate().map(|(i, h)| Row {
        id: format!("sp-{i}"),
        href: crate::paths::product(&h.slug),
        label: h.title.clone(),
        price: Some(h.price.clone()),
    });
    completions.chain(products).collect()
}

/// `encodeURIComponent` for query string values.
pub(crate) fn encode(s: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        String::from(js_sys::encode_uri_component(s))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        s.replace(' ', "+")
    }
}

/// Search as you type: query completions and top products, with arrow keys, Enter and Escape
/// (ARIA combobox). Without JavaScript it is a plain GET form to the results page.
#[island]
pub fn SearchBox() -> impl IntoView {
    let (query, set_query) = signal(String::new());
    let (found, set_found) = signal(Suggestions::default());
    let (open, set_open) = signal(false);
    let (active, set_active) = signal(None::<usize>);
    // Responses can arrive out of order; only the latest request may update the list.
    let latest = StoredValue::new(0u32);
    // Effects only run in the browser: this marks the island as live (tests wait for it).
    let (ready, set_ready) = signal(false);
    Effect::new(move |_| {
        // On the results page the box keeps showing what was searched for.
        if let Some(q) = results_page_query() {
            set_query.set(q);
        }
        set_ready.set(true)
    });
    let list = Memo::new(move |_| rows(&found.get()));

    let on_input = move |ev: leptos::ev::Event| {
        let q = event_target_value(&ev);
        set_query.set(q.clone());
        set_active.set(None);
        latest.update_value(|n| *n += 1);
        let ticket = latest.get_value();
        if q.trim().is_empty() {
            set_found.set(Suggestions::default());
            set_open.set(false);
            return;
        }
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let s = fetch_suggestions(&q).await.unwrap_or_default();
            if latest.get_value() == ticket {
                set_found.set(s);
                set_open.set(true);
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = ticket;
    };

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let n = list.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                set_open.set(true);
                set_active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % n)));
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                set_active.update(|a| *a = Some(a.map_or(n - 1, |i| (i + n - 1) % n)));
            }
            "Escape" => {
                // Suggestions still on their way must not open the list again.
                latest.update_value(|n| *n += 1);
                // The first Escape closes the list (instead of the browser clearing the field).
                if open.get_untracked() {
                    ev.prevent_default();
                    set_open.set(false);
                    set_active.set(None);
                }
            }
            "Enter" => {
                // With a row chosen, go there; otherwise the form submits to /search.
                if let Some(row) = active.get().and_then(|i| list.with(|l| l.get(i).cloned())) {
                    ev.prevent_default();
                    #[cfg(feature = "hydrate")]
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().set_href(&row.href);
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = row;
                }
            }
            _ => {}
        }
    };

    let active_id = move || active.get().and_then(|i| list.with(|l| l.get(i).map(|r| r.id.clone()))).unwrap_or_default();
    // On the search page's frame the box's value is a slot the worker fills (no script needed).
    let value = use_context::<SearchFrame>().map(|_| edgeshop_api::search_frame::QUERY);
    view! {
        <form class="search" role="search" action="/search" method="get" data-ready=move || ready.get().to_string()>
            <label for="q" class="visually-hidden">"Search products"</label>
            <input id="q" name="q" type="search" value=value placeholder="Search products" autocomplete="off" maxlength="128"
                role="combobox" aria-autocomplete="list" aria-controls="search-results"
                aria-expanded=move || open.get().to_string() aria-activedescendant=active_id
                prop:value=query on:input=on_input on:keydown=on_keydown/>
            <ul id="search-results" class="results" role="listbox" aria-label="Suggestions" hidden=move || !open.get()>
                <For each=move || list.get().into_iter().enumerate() key=|(i, r)| (*i, r.id.clone(), r.label.clone()) let:item>
                    {
                        let (i, row) = item;
                        let selected = move || active.get() == Some(i);
                        let class = if row.price.is_some() { "product" } else { "completion" };
                        view! {
                            <li id=row.id.clone() role="option" class=class aria-selected=move || selected().to_string()>
                                <a href=row.href.clone() tabindex="-1">
                                    <span class="title">{row.label.clone()}</span>
                                    {row.price.clone().map(|p| view! { <span class="price">{p}</span> })}
                                </a>
                            </li>
                        }
                    }
                </For>
                {move || (open.get() && list.with(Vec::is_empty)).then(|| view! { <li class="empty">"No products found"</li> })}
            </ul>
        </form>
    }
}

/// Marks the page being drawn (at build time) as the search page's frame (see
/// [`edgeshop_api::search_frame`]): the search box carries the query's slot.
#[derive(Clone, Copy)]
pub struct SearchFrame;

fn results_page_query() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let location = web_sys::window()?.location();
        if location.pathname().ok()? != "/search" {
            return None;
        }
        web_sys::UrlSearchParams::new_with_str(&location.search().ok()?).ok()?.get("q")
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

#[cfg(feature = "hydrate")]
async fn fetch_suggestions(q: &str) -> Result<Suggestions, gloo_net::Error> {
    let url = format!("/api/search/suggest?limit=5&q={}", encode(q));
    gloo_net::http::Request::get(&url).send().await?.json().await
}

/// Referenced by the browser bundle so the linker keeps this crate's island exports.
pub fn register() {}
