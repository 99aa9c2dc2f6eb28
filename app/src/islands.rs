//! The only parts of a page that ship code to the browser.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One search hit as `/api/search` returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub slug: String,
    pub title: String,
    pub price: String,
    pub image: Option<String>,
}

#[cfg(feature = "hydrate")]
#[derive(Clone, Debug, Deserialize)]
struct SearchResponse {
    hits: Vec<SearchHit>,
}

/// Search as you type. Without JavaScript it is a plain GET form.
#[island]
pub fn SearchBox() -> impl IntoView {
    let (query, set_query) = signal(String::new());
    let (hits, set_hits) = signal(Vec::<SearchHit>::new());
    let (searched, set_searched) = signal(false);
    // Responses can arrive out of order; only the latest request may update the list.
    let latest = StoredValue::new(0u32);
    // Effects only run in the browser: this marks the island as live (tests wait for it).
    let (ready, set_ready) = signal(false);
    Effect::new(move |_| set_ready.set(true));

    let on_input = move |ev: leptos::ev::Event| {
        let q = event_target_value(&ev);
        set_query.set(q.clone());
        latest.update_value(|n| *n += 1);
        let ticket = latest.get_value();
        if q.trim().is_empty() {
            set_hits.set(Vec::new());
            set_searched.set(false);
            return;
        }
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let found = fetch_hits(&q).await.unwrap_or_default();
            if latest.get_value() == ticket {
                set_hits.set(found);
                set_searched.set(true);
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = ticket;
    };

    view! {
        <form class="search" role="search" action="/search" method="get" data-ready=move || ready.get().to_string()>
            <label for="q" class="visually-hidden">"Search products"</label>
            <input id="q" name="q" type="search" placeholder="Search products" autocomplete="off"
                prop:value=query on:input=on_input aria-controls="search-results"/>
            <ul id="search-results" class="results" role="listbox" aria-label="Search results"
                hidden=move || !searched.get()>
                <For each=move || hits.get() key=|h| h.slug.clone() let:hit>
                    <li role="option">
                        <a href=format!("/products/{}/", hit.slug)>
                            <span class="title">{hit.title.clone()}</span>
                            <span class="price">{hit.price.clone()}</span>
                        </a>
                    </li>
                </For>
                {move || (searched.get() && hits.with(Vec::is_empty)).then(|| view! { <li class="empty">"No products found"</li> })}
            </ul>
        </form>
    }
}

#[cfg(feature = "hydrate")]
async fn fetch_hits(q: &str) -> Result<Vec<SearchHit>, gloo_net::Error> {
    let url = format!("/api/search?limit=8&q={}", String::from(js_sys::encode_uri_component(q)));
    let resp: SearchResponse = gloo_net::http::Request::get(&url).send().await?.json().await?;
    Ok(resp.hits)
}

/// Referenced by the browser bundle so the linker keeps this crate's island exports.
pub fn register() {}
