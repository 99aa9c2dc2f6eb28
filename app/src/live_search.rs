//! Instant results on the search page. The worker renders `/search?q=…` complete, with facets,
//! sort and pages as plain links, so it works without JavaScript. With it, this island keeps the
//! shopper on the page: a click on one of those links, Back/Forward, or typing in the header's
//! search box fetches the same URL with `partial=1` (the results alone, rendered by the same
//! worker code) and swaps it in, updating the address bar.

use leptos::prelude::*;

#[island]
pub fn LiveResults() -> impl IntoView {
    let (ready, set_ready) = signal(false);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        live::wire_up();
        set_ready.set(true);
    });
    view! { <span class="live-results" hidden data-ready=move || ready.get().to_string()></span> }
}

#[cfg(feature = "hydrate")]
mod live {
    use std::cell::Cell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{Element, Event, HtmlElement, HtmlInputElement, MouseEvent};

    /// How the address bar follows a swap.
    #[derive(Clone, Copy)]
    enum History {
        Push,
        Replace,
        Keep,
    }

    /// Wait after the last keystroke before searching.
    const TYPING_PAUSE_MS: i32 = 200;

    pub fn wire_up() {
        let Some(window) = web_sys::window() else { return };
        let Some(doc) = window.document() else { return };
        let Some(container) = doc.query_selector(".search-page").ok().flatten() else { return };
        // Only the latest request may swap (responses can arrive out of order).
        let latest = Rc::new(Cell::new(0u32));

        let on_click = {
            let latest = latest.clone();
            Closure::<dyn Fn(MouseEvent)>::new(move |ev: MouseEvent| {
                if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() {
                    return;
                }
                let link = ev.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|e| e.closest("a[href]").ok().flatten());
                let Some(href) = link.and_then(|a| a.get_attribute("href")) else { return };
                if href.starts_with("/search?") {
                    ev.prevent_default();
                    swap(&latest, href, "1", History::Push, true);
                }
            })
        };
        let _ = container.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
        on_click.forget();

        let on_pop = {
            let latest = latest.clone();
            Closure::<dyn Fn()>::new(move || {
                let Some(l) = web_sys::window().map(|w| w.location()) else { return };
                let url = format!("{}{}", l.pathname().unwrap_or_default(), l.search().unwrap_or_default());
                if url.starts_with("/search") {
                    if let Some(input) = search_input() {
                        input.set_value(&current_query(&url));
                    }
                    swap(&latest, url, "1", History::Keep, false);
                }
            })
        };
        let _ = window.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
        on_pop.forget();

        // Typing in the header's box: new results after a short pause, replacing the history entry.
        let Some(input) = search_input() else { return };
        let timer = Rc::new(Cell::new(None::<i32>));
        let on_input = Closure::<dyn Fn(Event)>::new(move |_: Event| {
            let Some(w) = web_sys::window() else { return };
            if let Some(t) = timer.take() {
                w.clear_timeout_with_handle(t);
            }
            let latest = latest.clone();
            let fire = Closure::once_into_js(move || {
                let q = search_input().map(|i| i.value()).unwrap_or_default();
                swap(&latest, format!("/search?q={}", crate::islands::encode(q.trim())), "typing", History::Replace, false);
            });
            timer.set(w.set_timeout_with_callback_and_timeout_and_arguments_0(fire.unchecked_ref(), TYPING_PAUSE_MS).ok());
        });
        let _ = input.add_event_listener_with_callback("input", on_input.as_ref().unchecked_ref());
        on_input.forget();
    }

    fn search_input() -> Option<HtmlInputElement> {
        web_sys::window()?.document()?.get_element_by_id("q")?.dyn_into().ok()
    }

    fn current_query(url: &str) -> String {
        let search = url.split_once('?').map(|(_, s)| s).unwrap_or("");
        web_sys::UrlSearchParams::new_with_str(search).ok().and_then(|p| p.get("q")).unwrap_or_default()
    }

    /// Fetches `url`'s results and puts them in the page; a query the search refuses (400: too
    /// long) leaves the page as it is; any other failure, a normal page load.
    fn swap(latest: &Rc<Cell<u32>>, url: String, partial: &'static str, history: History, focus: bool) {
        latest.set(latest.get() + 1);
        let ticket = latest.get();
        let latest = latest.clone();
        leptos::task::spawn_local(async move {
            let sep = if url.contains('?') { '&' } else { '?' };
            let fetched = async {
                let resp = gloo_net::http::Request::get(&format!("{url}{sep}partial={partial}")).send().await.map_err(|_| false)?;
                if (400..500).contains(&resp.status()) {
                    return Err(true);
                }
                if !resp.ok() {
                    return Err(false);
                }
                resp.text().await.map_err(|_| false)
            }
            .await;
            if latest.get() != ticket {
                return;
            }
            let Some(window) = web_sys::window() else { return };
            let html = match fetched {
                Ok(html) => html,
                Err(true) => return,
                Err(false) => {
                    let _ = window.location().set_href(&url);
                    return;
                }
            };
            let Some(doc) = window.document() else { return };
            let Some(container) = doc.query_selector(".search-page").ok().flatten() else { return };
            // A shopper choosing filters on a phone keeps the filters open between taps.
            let filters_open = container.query_selector(".facet-toggle[open]").ok().flatten().is_some();
            container.set_inner_html(&html);
            if filters_open {
                if let Some(filters) = container.query_selector(".facet-toggle").ok().flatten() {
                    let _ = filters.set_attribute("open", "");
                }
            }
            if let Ok(h) = window.history() {
                let _ = match history {
                    History::Push => h.push_state_with_url(&JsValue::NULL, "", Some(&url)),
                    History::Replace => h.replace_state_with_url(&JsValue::NULL, "", Some(&url)),
                    History::Keep => Ok(()),
                };
            }
            let q = current_query(&url);
            let title = doc.title();
            let rest = title.split_once("Search").map(|(_, r)| r).unwrap_or("");
            doc.set_title(&if q.is_empty() { format!("Search{rest}") } else { format!("“{q}” – Search{rest}") });
            // After a click the link is gone: put keyboard focus on the new results' heading.
            if focus {
                if let Some(h1) = container.query_selector("h1").ok().flatten().and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
                    let _ = h1.set_attribute("tabindex", "-1");
                    let _ = h1.focus();
                }
            }
        });
    }
}
