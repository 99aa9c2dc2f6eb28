//! Rendering every page of the shop with Leptos SSR into static files.

use edgeshop_app::pages::{CartPage, CategoryPage, CheckoutPage, HomePage, InfoPage, NotFoundPage, OrderPage, ProductPage, SearchPage};
use edgeshop_app::{paths, SiteContext};
use edgeshop_catalog::LoadedShop;
use edgeshop_domain::{Catalog, Product};
use hydration_context::SsrSharedContext;
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos::reactive::owner::Owner;
use std::path::Path;
use std::sync::Arc;

pub const PRODUCTS_PER_PAGE: usize = 24;
const RELATED: usize = 4;

/// Renders one page; the Owner gives islands a shared context to serialise into.
fn render<V: IntoView + 'static>(site: &Arc<SiteContext>, page: impl FnOnce() -> V) -> String {
    let owner = Owner::new_root(Some(Arc::new(SsrSharedContext::new())));
    owner.with(|| {
        provide_context(site.clone());
        page().into_view().to_html()
    })
}

/// Writes all pages and returns their URL paths (for the sitemap).
pub fn write_pages(shop: &LoadedShop, images: &std::collections::HashMap<String, edgeshop_app::ResponsiveImage>, out: &Path) -> Result<Vec<String>, String> {
    let catalog = &shop.catalog;
    let site = Arc::new(SiteContext {
        shop_name: catalog.shop.name.clone(),
        locale: catalog.shop.locale.clone(),
        base_url: catalog.shop.base_url.clone(),
        catalog_version: catalog.version.clone(),
        nav: catalog.top_level_categories().map(|c| (c.slug.clone(), c.name.clone())).collect(),
        info_pages: shop.pages.iter().map(|p| (p.slug.clone(), p.title.clone())).collect(),
        images: images.clone(),
        leptos: LeptosOptions::builder().output_name("front").site_pkg_dir("pkg").build(),
    });
    let mut urls = Vec::new();
    let mut emit = |path: String, html: String| -> Result<(), String> {
        let file = if path.ends_with('/') { out.join(path.trim_start_matches('/')).join("index.html") } else { out.join(path.trim_start_matches('/')) };
        crate::write(&file, html.as_bytes())?;
        // Shopper-specific pages stay out of the sitemap.
        if !matches!(path.as_str(), "/404.html" | "/cart/" | "/checkout/" | "/orders/" | "/search/") {
            urls.push(path);
        }
        Ok(())
    };

    let featured: Vec<Product> = catalog.shop.featured_products.iter().filter_map(|s| catalog.product(s)).cloned().collect();
    let home_categories = catalog.top_level_categories().cloned().collect();
    let shop_info = catalog.shop.clone();
    emit("/".into(), render(&site, move || view! { <HomePage shop=shop_info featured=featured categories=home_categories/> }))?;

    for category in &catalog.categories {
        let products: Vec<&Product> = featured_order(catalog, &category.slug);
        let total = products.len();
        let pages = total.div_ceil(PRODUCTS_PER_PAGE).max(1);
        let trail: Vec<_> = catalog.category_trail(&category.slug).into_iter().cloned().collect();
        let subcategories: Vec<_> = catalog.children_of(&category.slug).cloned().collect();
        for page in 1..=pages {
            let chunk: Vec<Product> = products.iter().skip((page - 1) * PRODUCTS_PER_PAGE).take(PRODUCTS_PER_PAGE).map(|p| (*p).clone()).collect();
            let path = paths::category(&category.slug, page);
            let (category, trail, subcategories) = (category.clone(), trail.clone(), subcategories.clone());
            let html = render(&site, move || {
                view! { <CategoryPage category trail subcategories products=chunk page pages total/> }
            });
            emit(path, html)?;
        }
    }

    for product in catalog.products.iter().filter(|p| p.published) {
        let trail: Vec<_> = catalog.category_trail(&product.category).into_iter().cloned().collect();
        let related: Vec<Product> = catalog
            .products
            .iter()
            .filter(|p| p.published && p.category == product.category && p.slug != product.slug)
            .take(RELATED)
            .cloned()
            .collect();
        let description_html = markdown(&product.description_md);
        let product = product.clone();
        let path = paths::product(&product.slug);
        emit(path, render(&site, move || view! { <ProductPage product trail description_html related/> }))?;
    }

    for page in &shop.pages {
        let (slug, title, html) = (page.slug.clone(), page.title.clone(), markdown(&page.markdown));
        emit(paths::info_page(&slug), render(&site, move || view! { <InfoPage slug title html/> }))?;
    }

    emit("/404.html".into(), render(&site, || view! { <NotFoundPage/> }))?;
    emit("/cart/".into(), render(&site, || view! { <CartPage/> }))?;
    let countries = catalog.shop.shipping.countries.clone();
    emit("/checkout/".into(), render(&site, move || view! { <CheckoutPage countries/> }))?;
    emit("/orders/".into(), render(&site, || view! { <OrderPage/> }))?;
    emit("/search/".into(), render(&site, || view! { <SearchPage/> }))?;
    Ok(urls)
}

/// Category listing order: in-stock first, then newest.
fn featured_order<'a>(catalog: &'a Catalog, category: &'a str) -> Vec<&'a Product> {
    let mut products: Vec<&Product> = catalog.products_in(category).collect();
    products.sort_by(|a, b| b.available().cmp(&a.available()).then(b.created.cmp(&a.created)).then(a.slug.cmp(&b.slug)));
    products
}

/// Merchant Markdown to HTML; raw HTML in the source is shown as text, never injected.
pub fn markdown(src: &str) -> String {
    use pulldown_cmark::{html, Event, Parser};
    let events = Parser::new(src).map(|e| match e {
        Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}
