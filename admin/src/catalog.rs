//! The catalog as published by this build (read-only: merchants change it through the catalog
//! files and a build): products with their status, prices, catalog stock and source file, the
//! categories, the catalog version, and the searches that found nothing (an island: live data).

use crate::client::{self, hydrated, when};
use edgeshop_api::admin::ZeroResults;
use leptos::prelude::*;

/// One product row, as the build knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogRow {
    pub slug: String,
    pub title: String,
    pub category: String,
    pub published: bool,
    /// `€12.00` or `€12.00–€30.00`.
    pub price: String,
    pub variants: usize,
    /// The catalog's `stock` values added up: what seeds the stock ledger (see the README).
    pub catalog_stock: u64,
    pub file: String,
}

#[component]
pub fn CatalogTable(version: String, rows: Vec<CatalogRow>, categories: Vec<(String, String, usize)>, page: usize, pages: usize) -> impl IntoView {
    let link = |p: usize| if p <= 1 { "/admin/catalog/".to_string() } else { format!("/admin/catalog/{p}/") };
    view! {
        <section class="admin-catalog">
            <h1>"Catalog"</h1>
            <p>{(page == 1).then(|| view! { "Catalog version " <code data-testid="catalog-version">{version}</code> ". " })}
                "Products and categories change through the catalog files and a build; stock levels live in the "
                <a href="/admin/stock/">"stock list"</a> "."</p>
            {(page == 1).then(|| view! { <ZeroResultSearches/> })}
            {(page == 1).then(|| view! {
                <h2>"Categories"</h2>
                <ul class="plain">{categories.into_iter().map(|(slug, name, count)| view! {
                    <li><a href=edgeshop_domain::paths::category(&slug, 1)>{name}</a> " · " <code>{slug}</code> {format!(" · {count} products")}</li>
                }).collect_view()}</ul>
            })}
            <h2>{format!("Products (page {page} of {pages})")}</h2>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Products">
                <table class="data">
                    <caption class="visually-hidden">"Products as published"</caption>
                    <thead><tr><th scope="col">"Product"</th><th scope="col">"Status"</th><th scope="col">"Category"</th><th scope="col" class="num">"Price"</th>
                        <th scope="col" class="num">"Variants"</th><th scope="col" class="num">"Catalog stock"</th><th scope="col">"File"</th></tr></thead>
                    <tbody>{rows.into_iter().map(|r| view! {
                        <tr><td><a href=edgeshop_domain::paths::product(&r.slug)>{r.title}</a></td>
                            <td>{if r.published { "Published" } else { "Draft" }}</td><td><code>{r.category}</code></td>
                            <td class="num">{r.price}</td><td class="num">{r.variants.to_string()}</td><td class="num">{r.catalog_stock.to_string()}</td>
                            <td><code>{r.file}</code></td></tr>
                    }).collect_view()}</tbody>
                </table>
            </div>
            <nav class="pager" aria-label="Pages">
                {(page > 1).then(|| view! { <a class="button" href=link(page - 1)>"Previous"</a> })}
                <span>{format!("Page {page} of {pages}")}</span>
                {(page < pages).then(|| view! { <a class="button" href=link(page + 1)>"Next"</a> })}
            </nav>
        </section>
    }
}

/// What shoppers searched for and did not find (recorded by the worker), most frequent first.
#[island]
pub fn ZeroResultSearches() -> impl IntoView {
    let found = RwSignal::new(None::<Result<ZeroResults, String>>);
    let ready = hydrated();
    Effect::new(move |_| {
        leptos::task::spawn_local(async move { found.set(Some(client::get::<ZeroResults>("/api/admin/search/zero-results").await)) })
    });
    view! {
        <section data-testid="zero-results" data-ready=move || ready.get().to_string()>
            <h2>"Searches that found nothing"</h2>
            {move || found.get().map(|r| match r {
                Err(e) => view! { <p class="notice error">{e}</p> }.into_any(),
                Ok(z) if z.queries.is_empty() => view! { <p>"None yet."</p> }.into_any(),
                Ok(z) => view! {
                    <ul class="plain">{z.queries.into_iter().take(50).map(|q| view! {
                        <li><a href=format!("/search?q={}", client::encode(&q.query))>{q.query.clone()}</a> {format!(" · {} times · last {}", q.count, when(&q.last_seen))}</li>
                    }).collect_view()}</ul>
                }.into_any(),
            })}
        </section>
    }
}
