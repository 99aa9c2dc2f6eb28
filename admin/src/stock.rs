//! Stock: every SKU with what is on hand, reserved and available, a page (catalog shard) at a
//! time; set a counted level or adjust it with a reason; upload a CSV of counted stock.

use crate::client::{self, encode, hydrated};
use edgeshop_api::admin::{StockChange, StockChanged, StockPage};
use leptos::prelude::*;

/// `sku,count` rows of a stock count (a header row and blank lines are skipped): the rows, or the
/// first line that is neither.
pub fn parse_count_csv(text: &str) -> Result<Vec<(String, i64)>, String> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut cells = line.split([',', ';']).map(|c| c.trim().trim_matches('"'));
        let (sku, count) = (cells.next().unwrap_or(""), cells.next().unwrap_or(""));
        match count.parse::<i64>() {
            Ok(n) if !sku.is_empty() && (0..=1_000_000).contains(&n) => rows.push((sku.to_string(), n)),
            _ if i == 0 => continue,
            _ => return Err(format!("line {}: expected `SKU,count` with a count from 0 to 1,000,000, found `{line}`", i + 1)),
        }
    }
    Ok(rows)
}

async fn set_level(sku: &str, change: &StockChange) -> Result<StockChanged, String> {
    client::post(&format!("/api/admin/stock/{}", encode(sku)), change).await?.parse()
}

/// The text of the file chosen in `<input type=file id=…>`.
async fn chosen_file_text(input_id: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let input = web_sys::window()?.document()?.get_element_by_id(input_id)?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
        let file = input.files()?.get(0)?;
        let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok()?;
        text.as_string()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = input_id;
        None
    }
}

/// `?low=yes` in the address (the merchant's new-order email links so): the list starts with the
/// low-stock filter on.
fn asks_for_low() -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().and_then(|w| w.location().search().ok()).is_some_and(|q| q.trim_start_matches('?').split('&').any(|p| p == "low=yes"))
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

/// Rows a search of the stock list gathers before it stops reading further pages.
const FOUND_AT_MOST: usize = 200;

#[island]
pub fn StockList() -> impl IntoView {
    let page_no = RwSignal::new(1u32);
    let low = RwSignal::new(false);
    let page = RwSignal::new(None::<StockPage>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let ready = hydrated();
    let last = client::LastLoad::new();
    // A search of the whole list: product, option or SKU (pages are read until the end or enough
    // rows are found).
    let find = RwSignal::new(String::new());
    // The search the rows shown answer, if any.
    let shown_search = RwSignal::new(String::new());
    let load = move || {
        let (query, low_only) = (find.get_untracked().trim().to_string(), low.get_untracked());
        let (searching, asked) = (!query.is_empty(), query.clone());
        let url = move |from: u32| {
            let q = if query.is_empty() { String::new() } else { format!("&q={}", encode(&query)) };
            format!("/api/admin/stock?page={from}{}{q}", if low_only { "&low=yes" } else { "" })
        };
        let ticket = last.start();
        let first = if searching { 1 } else { page_no.get_untracked() };
        leptos::task::spawn_local(async move {
            let mut answer = client::get::<StockPage>(&url(first)).await;
            // A search goes on through the later pages, up to a screenful of rows.
            while let Ok(StockPage { search_more_from: Some(from), stock, .. }) = &answer {
                if stock.len() >= FOUND_AT_MOST || !last.is_last(ticket) {
                    break;
                }
                let (from, mut found) = (*from, stock.clone());
                answer = client::get::<StockPage>(&url(from)).await.map(|mut more| {
                    found.append(&mut more.stock);
                    more.stock = found;
                    more
                });
            }
            if !last.is_last(ticket) {
                return;
            }
            match answer {
                Ok(p) => {
                    shown_search.set(asked);
                    page.set(Some(p))
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        if asks_for_low() {
            low.set(true);
        }
        load()
    });
    let upload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let Some(text) = chosen_file_text("stock-csv").await else {
                error.set(Some("Choose a CSV file first.".into()));
                return;
            };
            let rows = match parse_count_csv(&text) {
                Ok(rows) => rows,
                Err(e) => return error.set(Some(e)),
            };
            let (mut done, mut failed) = (0, Vec::new());
            for (sku, count) in rows {
                match set_level(&sku, &StockChange { set: Some(count), add: None, reason: "stock count (CSV upload)".into() }).await {
                    Ok(_) => done += 1,
                    Err(e) => failed.push(format!("{sku}: {e}")),
                }
            }
            notice.set(Some(format!("{done} SKU(s) updated from the count.")));
            error.set((!failed.is_empty()).then(|| failed.join("; ")));
            load();
        });
    };
    view! {
        <section class="admin-stock" data-testid="stock-list" data-ready=move || ready.get().to_string()>
            <h1>"Stock"</h1>
            <div class="filters">
                <label class="check"><input type="checkbox" prop:checked=move || low.get()
                    on:change=move |ev| { low.set(event_target_checked(&ev)); page_no.set(1); load(); }/>
                    {move || format!(" Only low stock ({} or fewer available)", page.get().map_or(0, |p| p.low_stock))}</label>
                <form class="inline-form" role="search" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); page_no.set(1); load(); }>
                    <div><label for="stock-find">"Find a product, option or SKU"</label>
                        <input id="stock-find" type="search" data-testid="stock-find" placeholder="e.g. hoodie navy"
                            prop:value=move || find.get() on:input=move |ev| find.set(event_target_value(&ev))/></div>
                    <button type="submit">"Find"</button>
                </form>
                <form class="inline-form" on:submit=upload>
                    <div><label for="stock-csv">"Upload counted stock (CSV: SKU,count)"</label><input id="stock-csv" type="file" accept=".csv,text/csv"/></div>
                    <button type="submit">"Apply the count"</button>
                </form>
            </div>
            <p class="hint">"On hand is what is on the shelf: available, reserved for unpaid orders, and committed to orders not shipped yet. A count is of the shelf; +5 or -2 changes what is available."</p>
            {move || notice.get().map(|n| view! { <p class="notice ok" role="status">{n}</p> })}
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            {move || page.get().map(|p| {
                let (current, pages) = (p.page, p.pages);
                let searched = !shown_search.get_untracked().is_empty();
                let summary = searched.then(|| match (p.stock.len(), p.search_more_from) {
                    (0, None) => "Nothing in the stock list matches every word.".to_string(),
                    (n, None) => format!("{n} found."),
                    (n, Some(_)) => format!("The first {n} found; add a word to narrow the search."),
                });
                view! {
                    {summary.map(|s| view! { <p class="hint" role="status" data-testid="stock-found">{s}</p> })}
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Stock levels"><table class="data">
                        <caption class="visually-hidden">"Stock levels"</caption>
                        <thead><tr><th scope="col">"Product"</th><th scope="col">"SKU"</th><th scope="col" class="num">"On hand"</th><th scope="col" class="num">"Reserved"</th><th scope="col" class="num" title="Sold to orders not shipped yet">"Committed"</th>
                            <th scope="col" class="num">"Available"</th><th scope="col" class="num">"Sold"</th><th scope="col">"Set or adjust"</th></tr></thead>
                        <tbody>{p.stock.into_iter().map(|row| view! { <StockRowView row=row error=error notice=notice load=load/> }).collect_view()}</tbody>
                    </table></div>
                    <nav class="pager" aria-label="Pages" hidden=searched>
                        <button type="button" disabled={current <= 1} on:click=move |_| { page_no.update(|p| *p = p.saturating_sub(1).max(1)); load(); }>"Previous"</button>
                        <span>{format!("Page {current} of {pages}")}</span>
                        <button type="button" disabled={current >= pages} on:click=move |_| { page_no.update(|p| *p += 1); load(); }>"Next"</button>
                    </nav>
                }
            })}
        </section>
    }
}

#[component]
fn StockRowView(
    row: edgeshop_api::admin::StockRow,
    error: RwSignal<Option<String>>,
    notice: RwSignal<Option<String>>,
    load: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let level = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let sku = StoredValue::new(row.sku.clone());
    let id = format!("level-{}", row.sku.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
    // One save at a time: a change such as +5 sent twice would add 10.
    let busy = RwSignal::new(false);
    // Staff's counts and changes of the SKU, shown on asking.
    let history = RwSignal::new(None::<Vec<edgeshop_api::admin::StockMove>>);
    let show_history = move |_| {
        if history.get_untracked().is_some() {
            return history.set(None);
        }
        leptos::task::spawn_local(async move {
            match client::get::<edgeshop_api::admin::StockLevel>(&format!("/api/admin/stock/{}", encode(&sku.get_value()))).await {
                Ok(l) => history.set(Some(l.history)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        // `+5` / `-2` adjust; a plain number is the counted level.
        let text = level.get_untracked().trim().to_string();
        let change = match (text.starts_with(['+', '-']), text.parse::<i64>()) {
            (true, Ok(delta)) => StockChange { set: None, add: Some(delta), reason: reason.get_untracked() },
            (false, Ok(count)) => StockChange { set: Some(count), add: None, reason: reason.get_untracked() },
            _ => return error.set(Some("Type a count such as 12, or a change such as +5 or -2.".into())),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match set_level(&sku.get_value(), &change).await {
                Ok(c) => {
                    error.set(None);
                    level.set(String::new());
                    notice.set(Some(format!("{}: {} → {} available", c.sku, c.before.available, c.after.available)));
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <tr data-testid="stock-row" data-sku=row.sku.clone() class:low=row.low>
            <td>{row.product.clone()}<br/><small>{row.variant.clone()}</small>{(!row.published).then(|| view! { <small>" · unpublished"</small> })}</td>
            <td><code>{row.sku.clone()}</code><br/>
                <button type="button" class="link" data-testid="stock-history-toggle" aria-expanded=move || history.get().is_some().to_string() on:click=show_history>"History"</button></td>
            <td class="num">{row.on_hand.to_string()}</td>
            <td class="num">{row.reserved.to_string()}</td>
            <td class="num" data-testid="committed">{row.committed.to_string()}</td>
            <td class="num" data-testid="available">{row.available.to_string()}{row.low.then(|| view! { <span class="flag">" low"</span> })}</td>
            <td class="num">{row.sold.to_string()}</td>
            <td><form class="row-form" on:submit=submit>
                <label for=id.clone() class="visually-hidden">{format!("New level for {}", row.sku)}</label>
                <input id=id.clone() size="5" placeholder="12 or +5" required prop:value=move || level.get() on:input=move |ev| level.set(event_target_value(&ev))/>
                <label for=format!("{id}-why") class="visually-hidden">"Reason"</label>
                <input id=format!("{id}-why") size="10" placeholder="Reason" required prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                <button type="submit" disabled=move || busy.get()>"Save"</button>
            </form></td>
        </tr>
        {move || history.get().map(|moves| view! {
            <tr class="stock-history" data-testid="stock-history"><td colspan="8">
                {if moves.is_empty() {
                    view! { <p class="hint">"No counts or changes by staff yet: the level is the catalog's, less what sold."</p> }.into_any()
                } else {
                    view! { <ul class="plain">{moves.into_iter().map(|m| {
                        let change = match (m.before, m.after) {
                            (Some(b), Some(a)) => format!("{b} → {a} available"),
                            _ => "changed".to_string(),
                        };
                        view! { <li><time>{client::when(&m.at)}</time>" · " {change} " · " {m.reason} " · " <small>{m.staff_email}</small></li> }
                    }).collect_view()}</ul> }.into_any()
                }}
            </td></tr>
        })}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn count_csv_rows_with_or_without_header() {
        assert_eq!(super::parse_count_csv("sku,count\nA-1,5\n\n\"B\";0\n").unwrap(), vec![("A-1".to_string(), 5), ("B".to_string(), 0)]);
        assert_eq!(super::parse_count_csv("A,3").unwrap(), vec![("A".to_string(), 3)]);
        assert!(super::parse_count_csv("sku,count\nA,lots").unwrap_err().starts_with("line 2"));
        assert!(super::parse_count_csv("A,3\nB,-1").is_err());
    }
}
