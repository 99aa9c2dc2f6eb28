//! The back office's static pages (rendered once per build by `edgeshop-site`): a small document
//! with the admin bundle, the navigation, and the page's island.

use crate::analytics::{AnalyticsReport, HealthReport};
use crate::catalog::{CatalogRow, CatalogTable};
use crate::discounts::Discounts;
use crate::newsletter::Newsletter;
use crate::orders::{OrderDetail, OrderList};
use crate::packing::Packing;
use crate::people::{Customers, Staff};
use crate::session::{AdminBar, SignIn};
use crate::stock::StockList;
use hydration_context::SsrSharedContext;
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos::reactive::owner::Owner;
use std::sync::Arc;

/// What the build knows that the pages show.
#[derive(Clone, Debug)]
pub struct AdminSite {
    pub shop_name: String,
    pub locale: String,
    pub currency: String,
    /// Shown on the catalog's first page only, so that a new catalog version rewrites that page
    /// (and the page listing a changed product), not every back-office page.
    pub catalog_version: String,
}

const NAV: [(&str, &str); 10] = [
    ("/admin/", "Orders"),
    ("/admin/packing/", "Packing"),
    ("/admin/stock/", "Stock"),
    ("/admin/customers/", "Customers"),
    ("/admin/discounts/", "Discounts"),
    ("/admin/newsletter/", "Newsletter"),
    ("/admin/analytics/", "Analytics"),
    ("/admin/catalog/", "Catalog"),
    ("/admin/health/", "Health"),
    ("/admin/staff/", "Staff"),
];

#[component]
fn AdminDocument(site: AdminSite, title: &'static str, path: &'static str, children: Children) -> impl IntoView {
    let options = LeptosOptions::builder().output_name("admin").site_pkg_dir("pkg").build();
    let signed_in = path != "/admin/sign-in/";
    view! {
        <!DOCTYPE html>
        <html lang=site.locale.clone()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="robots" content="noindex, nofollow"/>
                <title>{format!("{title} · {} back office", site.shop_name)}</title>
                <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href=edgeshop_app::paths::STYLESHEET/>
                <link rel="stylesheet" href="/assets/admin.css"/>
                <HydrationScripts options islands=true/>
            </head>
            <body class="admin">
                <a class="skip" href="#main">"Skip to content"</a>
                <header class="admin-header">
                    <a class="brand" href="/admin/">{site.shop_name.clone()} <span>" back office"</span></a>
                    {signed_in.then(|| view! {
                        <nav aria-label="Back office">
                            <ul>{NAV.iter().map(|(href, text)| view! {
                                <li><a href=*href aria-current=(*href == path).then_some("page")>{*text}</a></li>
                            }).collect_view()}</ul>
                        </nav>
                        <AdminBar/>
                    })}
                </header>
                <main id="main">{children()}</main>
            </body>
        </html>
    }
}

fn render<V: IntoView + 'static>(page: impl FnOnce() -> V) -> String {
    let owner = Owner::new_root(Some(Arc::new(SsrSharedContext::new())));
    owner.with(|| page().into_view().to_html())
}

/// Products per catalog page.
pub const CATALOG_PAGE: usize = 200;

/// The catalog pages (`/admin/catalog/`, `/admin/catalog/2/`, …) for `rows` in their order.
pub fn render_catalog(site: &AdminSite, rows: Vec<CatalogRow>, categories: Vec<(String, String, usize)>) -> Vec<(String, String)> {
    let pages = rows.len().div_ceil(CATALOG_PAGE).max(1);
    let mut chunks: Vec<Vec<CatalogRow>> = rows.chunks(CATALOG_PAGE).map(<[CatalogRow]>::to_vec).collect();
    if chunks.is_empty() {
        chunks.push(vec![]);
    }
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, rows)| {
            let page = i + 1;
            let path = if page == 1 { "/admin/catalog/".to_string() } else { format!("/admin/catalog/{page}/") };
            let (s, version, categories) = (site.clone(), site.catalog_version.clone(), categories.clone());
            let html = render(move || {
                view! { <AdminDocument site=s title="Catalog" path="/admin/catalog/"><CatalogTable version rows categories page pages/></AdminDocument> }
            });
            (path, html)
        })
        .collect()
}

/// Every admin page but the catalog's: its URL path and HTML.
pub fn render_all(site: &AdminSite) -> Vec<(String, String)> {
    let s = || site.clone();
    let (locale, currency) = (site.locale.clone(), site.currency.clone());
    let (l2, l3, l4, l5, l6) = (locale.clone(), locale.clone(), locale.clone(), locale.clone(), locale.clone());
    let (c2, c3) = (currency.clone(), currency.clone());
    #[rustfmt::skip]
    let pages = vec![
        ("/admin/sign-in/".into(), render(move || view! { <AdminDocument site=s() title="Sign in" path="/admin/sign-in/"><SignIn/></AdminDocument> })),
        ("/admin/".into(), render(move || view! { <AdminDocument site=s() title="Orders" path="/admin/"><OrderList locale/></AdminDocument> })),
        ("/admin/order/".into(), render(move || view! { <AdminDocument site=s() title="Order" path="/admin/order/"><OrderDetail locale=l2/></AdminDocument> })),
        ("/admin/packing/".into(), {
            let shop_name = site.shop_name.clone();
            render(move || view! { <AdminDocument site=s() title="Packing" path="/admin/packing/"><Packing shop_name/></AdminDocument> })
        }),
        ("/admin/stock/".into(), render(move || view! { <AdminDocument site=s() title="Stock" path="/admin/stock/"><StockList/></AdminDocument> })),
        (
            "/admin/customers/".into(),
            render(move || view! { <AdminDocument site=s() title="Customers" path="/admin/customers/"><Customers locale=l3 currency/></AdminDocument> }),
        ),
        (
            "/admin/discounts/".into(),
            render(move || view! { <AdminDocument site=s() title="Discount codes" path="/admin/discounts/"><Discounts locale=l6 currency=c3/></AdminDocument> }),
        ),
        ("/admin/staff/".into(), render(move || view! { <AdminDocument site=s() title="Staff" path="/admin/staff/"><Staff/></AdminDocument> })),
        ("/admin/newsletter/".into(), render(move || view! { <AdminDocument site=s() title="Newsletter" path="/admin/newsletter/"><Newsletter/></AdminDocument> })),
        ("/admin/analytics/".into(), render(move || view! { <AdminDocument site=s() title="Analytics" path="/admin/analytics/"><AnalyticsReport locale=l4/></AdminDocument> })),
        ("/admin/health/".into(), render(move || view! { <AdminDocument site=s() title="Health" path="/admin/health/"><HealthReport locale=l5 currency=c2/></AdminDocument> })),
    ];
    pages
}

/// The `_headers` rules for `/admin/*` (Workers Static Assets applies them): no indexing, no
/// framing, no referrer, and a content security policy that allows this site's files and the
/// pages' own inline scripts by hash (`script_hashes`), nothing else.
pub fn headers(script_hashes: &[String]) -> String {
    let hashes: String = script_hashes.iter().map(|h| format!(" 'sha256-{h}'")).collect();
    format!(
        "/admin/*\n  Content-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'\n  X-Robots-Tag: noindex, nofollow\n  \
         Referrer-Policy: no-referrer\n  Cache-Control: no-cache\n"
    )
}
