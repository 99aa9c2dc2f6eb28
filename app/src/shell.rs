//! The HTML document around every page: head, header, footer.

use crate::components::{Footer, Header};
use leptos::prelude::*;
use std::sync::Arc;

/// Shop-wide facts every page needs, provided as context by the builder.
#[derive(Clone, Debug)]
pub struct SiteContext {
    pub shop_name: String,
    pub locale: String,
    pub base_url: String,
    pub catalog_version: String,
    /// Top-level categories for navigation: (slug, name).
    pub nav: Vec<(String, String)>,
    /// Info pages for the footer: (slug, title).
    pub info_pages: Vec<(String, String)>,
    pub leptos: LeptosOptions,
}

pub fn site() -> Arc<SiteContext> {
    use_context::<Arc<SiteContext>>().expect("the builder provides SiteContext")
}

#[derive(Clone, Debug)]
pub struct PageMeta {
    pub title: String,
    pub description: String,
    /// Path of the canonical URL, e.g. `/products/x/`.
    pub path: String,
}

#[component]
pub fn Document(meta: PageMeta, children: Children) -> impl IntoView {
    let site = site();
    let lang = site.locale.clone();
    let canonical = format!("{}{}", site.base_url, meta.path);
    let title = if meta.path == "/" { meta.title.clone() } else { format!("{} | {}", meta.title, site.shop_name) };
    view! {
        <!DOCTYPE html>
        <html lang=lang>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <title>{title}</title>
                <meta name="description" content=meta.description/>
                <link rel="canonical" href=canonical/>
                <meta name="edgeshop-catalog" content=site.catalog_version.clone()/>
                <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href=crate::paths::STYLESHEET/>
                <HydrationScripts options=site.leptos.clone() islands=true/>
            </head>
            <body>
                <a class="skip" href="#main">"Skip to content"</a>
                <Header/>
                <main id="main">{children()}</main>
                <Footer/>
            </body>
        </html>
    }
}
