//! The HTML document around every page: head, header, footer.

use crate::components::{Footer, Header};
use crate::context::site;
use leptos::prelude::*;

#[derive(Clone, Debug, Default)]
pub struct PageMeta {
    pub title: String,
    pub description: String,
    /// Path of the canonical URL, e.g. `/products/x/`.
    pub path: String,
    /// Catalog image file used as the share image (Open Graph / Twitter).
    pub image: Option<String>,
    /// Open Graph type: `website` unless set (`product` on product pages).
    pub og_type: Option<&'static str>,
    /// schema.org JSON-LD blocks for the head.
    pub json_ld: Vec<serde_json::Value>,
    /// Keep the page out of search engines (cart, checkout, orders).
    pub noindex: bool,
}

#[component]
pub fn Document(meta: PageMeta, children: Children) -> impl IntoView {
    // Islands mode: only `<leptos-island>`s carry hydration markers (what Leptos'
    // `HydrationScripts` would set; the page loads its islands with `islands.js` instead).
    if let Some(sc) = Owner::current_shared_context() {
        sc.set_is_hydrating(false);
    }
    let site = site();
    let lang = site.locale.clone();
    let canonical = format!("{}{}", site.base_url, meta.path);
    let title = if meta.path == "/" { meta.title.clone() } else { format!("{} | {}", meta.title, site.shop_name) };
    // Social sites want raster images: the largest rendered fallback when there is one.
    let image = meta.image.as_ref().map(|file| {
        let path = site.images.get(file).map_or_else(|| crate::paths::image(file), |r| r.fallback_src.clone());
        format!("{}{path}", site.base_url)
    });
    let og_type = meta.og_type.unwrap_or("website");
    let json_ld =
        meta.json_ld.iter().map(|v| view! { <script type="application/ld+json" inner_html=crate::seo::script_text(v)></script> }).collect_view();
    let robots = meta.noindex.then(|| view! { <meta name="robots" content="noindex"/> });
    view! {
        <!DOCTYPE html>
        <html lang=lang>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <title>{title}</title>
                <meta name="description" content=meta.description.clone()/>
                <link rel="canonical" href=canonical.clone()/>
                {robots}
                {og("og:site_name", site.shop_name.clone())}
                {og("og:type", og_type)}
                {og("og:title", meta.title.clone())}
                {og("og:description", meta.description.clone())}
                {og("og:url", canonical)}
                {image.clone().map(|i| og("og:image", i))}
                <meta name="twitter:card" content=if image.is_some() { "summary_large_image" } else { "summary" }/>
                <meta name="twitter:title" content=meta.title.clone()/>
                <meta name="twitter:description" content=meta.description.clone()/>
                {image.map(|i| view! { <meta name="twitter:image" content=i/> })}
                {json_ld}
                <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href=crate::paths::STYLESHEET/>
                // Lazy islands: the bundle is fetched when the shopper starts to use the page
                // (`public/islands.js`); until then the page is plain HTML whose forms work.
                <script src="/assets/islands.js" data-bundle=format!("/{}/{}", site.leptos.site_pkg_dir, site.leptos.output_name) defer></script>
                <script src="/assets/beacon.js" defer></script>
                {site.dev_reload.then(|| view! { <script src="/_dev/reload.js" defer></script> })}
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

/// `<meta property=… content=…>` (Open Graph uses `property`, which the view macro does not know).
fn og(property: &'static str, content: impl Into<String>) -> impl IntoView {
    use leptos::tachys::html::attribute::custom::custom_attribute;
    leptos::html::meta().content(content.into()).add_any_attr(custom_attribute("property", property))
}
