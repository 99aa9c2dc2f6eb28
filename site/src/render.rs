//! Rendering every page of the shop with Leptos SSR into static files.
//!
//! Pages are described first (`Page`: everything a page shows), then rendered on every core. A
//! page whose description is unchanged since an earlier build is taken from the page cache instead
//! of being rendered again, so a price change re-renders only the pages that show that product.
//! Every page carries the catalog version; it is rendered as a placeholder and filled in on write,
//! so a new version alone does not invalidate the cache.

use edgeshop_app::pages::{CartPage, CategoryPage, CheckoutPage, HomePage, InfoPage, NotFoundPage, OrderPage, ProductPage, SearchPage};
use edgeshop_app::{paths, SiteContext};
use edgeshop_catalog::LoadedShop;
use edgeshop_domain::{Catalog, Category, Product, Shop};
use hydration_context::SsrSharedContext;
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos::reactive::owner::Owner;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const PRODUCTS_PER_PAGE: usize = 24;
const RELATED: usize = 4;
/// Stands in for the catalog version while rendering; replaced in every page written.
const VERSION_PLACEHOLDER: &str = "@@edgeshop-catalog-version@@";

/// What one page shows: its rendering inputs, which are also its cache key.
#[derive(Serialize)]
enum Page {
    Home { shop: Shop, featured: Vec<Product>, categories: Vec<Category> },
    Category { category: Category, trail: Vec<Category>, subcategories: Vec<Category>, products: Vec<Product>, page: usize, pages: usize, total: usize },
    Product { product: Product, trail: Vec<Category>, description_html: String, related: Vec<Product> },
    Info { slug: String, title: String, html: String },
    NotFound,
    Cart,
    Checkout { countries: Vec<String> },
    Orders,
    Search,
}

/// Pages written by one build: their URL paths (for the sitemap) and how many were rendered.
pub struct Written {
    pub urls: Vec<String>,
    pub rendered: usize,
    pub reused: usize,
}

/// Writes all pages into `out`, reusing unchanged ones from `cache` (a directory).
pub fn write_pages(
    shop: &LoadedShop,
    images: &std::collections::HashMap<String, edgeshop_app::ResponsiveImage>,
    out: &Path,
    cache: &Path,
    builder: &str,
) -> Result<Written, String> {
    let catalog = &shop.catalog;
    let site = Arc::new(SiteContext {
        shop_name: catalog.shop.name.clone(),
        locale: catalog.shop.locale.clone(),
        base_url: catalog.shop.base_url.clone(),
        catalog_version: VERSION_PLACEHOLDER.into(),
        nav: catalog.top_level_categories().map(|c| (c.slug.clone(), c.name.clone())).collect(),
        info_pages: shop.pages.iter().map(|p| (p.slug.clone(), p.title.clone())).collect(),
        images: images.clone(),
        leptos: LeptosOptions::builder().output_name("front").site_pkg_dir("pkg").build(),
    });
    let site_key = site_key(&site, builder);
    let pages = describe(shop);

    std::fs::create_dir_all(cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let chunk = pages.len().div_ceil(threads).max(1);
    let results: Vec<Result<(Vec<String>, usize), String>> = std::thread::scope(|s| {
        let workers: Vec<_> = pages
            .chunks(chunk)
            .map(|part| {
                let (site, site_key) = (&site, &site_key);
                s.spawn(move || {
                    let mut keys = Vec::with_capacity(part.len());
                    let mut rendered = 0;
                    for (path, page) in part {
                        let key = page_key(site_key, page)?;
                        let cached = cache.join(format!("{key}.html"));
                        let html = match std::fs::read_to_string(&cached) {
                            Ok(html) => html,
                            Err(_) => {
                                let html = render_page(site, page);
                                crate::write(&cached, html.as_bytes())?;
                                rendered += 1;
                                html
                            }
                        };
                        crate::write(&file_for(out, path), html.replace(VERSION_PLACEHOLDER, &catalog.version).as_bytes())?;
                        keys.push(key);
                    }
                    Ok((keys, rendered))
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|_| Err("a page renderer panicked".into()))).collect()
    });
    let mut used = std::collections::HashSet::new();
    let mut rendered = 0;
    for result in results {
        let (keys, n) = result?;
        used.extend(keys);
        rendered += n;
    }
    forget_unused(cache, &used);

    let urls = pages
        .iter()
        .map(|(path, _)| path.clone())
        // Shopper-specific pages stay out of the sitemap.
        .filter(|path| !matches!(path.as_str(), "/404.html" | "/cart/" | "/checkout/" | "/orders/" | "/search/"))
        .collect();
    Ok(Written { urls, rendered, reused: pages.len() - rendered })
}

/// Every page of the shop with its URL path.
fn describe(shop: &LoadedShop) -> Vec<(String, Page)> {
    let catalog = &shop.catalog;
    let mut pages = Vec::new();
    let featured = catalog.shop.featured_products.iter().filter_map(|s| catalog.product(s)).cloned().collect();
    let categories = catalog.top_level_categories().cloned().collect();
    pages.push(("/".into(), Page::Home { shop: catalog.shop.clone(), featured, categories }));

    for category in &catalog.categories {
        let products = featured_order(catalog, &category.slug);
        let total = products.len();
        let pages_n = total.div_ceil(PRODUCTS_PER_PAGE).max(1);
        let trail: Vec<_> = catalog.category_trail(&category.slug).into_iter().cloned().collect();
        let subcategories: Vec<_> = catalog.children_of(&category.slug).cloned().collect();
        for page in 1..=pages_n {
            let products = products.iter().skip((page - 1) * PRODUCTS_PER_PAGE).take(PRODUCTS_PER_PAGE).map(|p| (*p).clone()).collect();
            pages.push((
                paths::category(&category.slug, page),
                Page::Category { category: category.clone(), trail: trail.clone(), subcategories: subcategories.clone(), products, page, pages: pages_n, total },
            ));
        }
    }

    // Related products: the first few others of the same category, in catalog order.
    let mut by_category: std::collections::HashMap<&str, Vec<&Product>> = std::collections::HashMap::new();
    for product in catalog.products.iter().filter(|p| p.published) {
        let list = by_category.entry(product.category.as_str()).or_default();
        if list.len() <= RELATED {
            list.push(product);
        }
    }
    for product in catalog.products.iter().filter(|p| p.published) {
        let trail = catalog.category_trail(&product.category).into_iter().cloned().collect();
        let related = by_category[product.category.as_str()].iter().filter(|p| p.slug != product.slug).take(RELATED).map(|p| (*p).clone()).collect();
        let description_html = markdown(&product.description_md);
        pages.push((paths::product(&product.slug), Page::Product { product: product.clone(), trail, description_html, related }));
    }

    for page in &shop.pages {
        pages.push((paths::info_page(&page.slug), Page::Info { slug: page.slug.clone(), title: page.title.clone(), html: markdown(&page.markdown) }));
    }
    pages.push(("/404.html".into(), Page::NotFound));
    pages.push(("/cart/".into(), Page::Cart));
    pages.push(("/checkout/".into(), Page::Checkout { countries: catalog.shop.shipping.countries.clone() }));
    pages.push(("/orders/".into(), Page::Orders));
    pages.push(("/search/".into(), Page::Search));
    pages
}

fn render_page(site: &Arc<SiteContext>, page: &Page) -> String {
    match page {
        Page::Home { shop, featured, categories } => {
            let (shop, featured, categories) = (shop.clone(), featured.clone(), categories.clone());
            render(site, move || view! { <HomePage shop featured categories/> })
        }
        Page::Category { category, trail, subcategories, products, page, pages, total } => {
            let (category, trail, subcategories, products, page, pages, total) =
                (category.clone(), trail.clone(), subcategories.clone(), products.clone(), *page, *pages, *total);
            render(site, move || view! { <CategoryPage category trail subcategories products page pages total/> })
        }
        Page::Product { product, trail, description_html, related } => {
            let (product, trail, description_html, related) = (product.clone(), trail.clone(), description_html.clone(), related.clone());
            render(site, move || view! { <ProductPage product trail description_html related/> })
        }
        Page::Info { slug, title, html } => {
            let (slug, title, html) = (slug.clone(), title.clone(), html.clone());
            render(site, move || view! { <InfoPage slug title html/> })
        }
        Page::NotFound => render(site, || view! { <NotFoundPage/> }),
        Page::Cart => render(site, || view! { <CartPage/> }),
        Page::Checkout { countries } => {
            let countries = countries.clone();
            render(site, move || view! { <CheckoutPage countries/> })
        }
        Page::Orders => render(site, || view! { <OrderPage/> }),
        Page::Search => render(site, || view! { <SearchPage/> }),
    }
}

/// Renders one page; the Owner gives islands a shared context to serialise into.
fn render<V: IntoView + 'static>(site: &Arc<SiteContext>, page: impl FnOnce() -> V) -> String {
    let owner = Owner::new_root(Some(Arc::new(SsrSharedContext::new())));
    owner.with(|| {
        provide_context(site.clone());
        page().into_view().to_html()
    })
}

/// What every page depends on besides its own inputs: the builder and the shop-wide context.
fn site_key(site: &SiteContext, builder: &str) -> Vec<u8> {
    let mut images: Vec<_> = site.images.iter().map(|(name, image)| format!("{name}={image:?}")).collect();
    images.sort();
    format!("{builder}\n{}\n{}\n{}\n{:?}\n{:?}\n{:?}\n{images:?}", site.shop_name, site.locale, site.base_url, site.nav, site.info_pages, site.leptos).into_bytes()
}

fn page_key(site_key: &[u8], page: &Page) -> Result<String, String> {
    let mut hash = Sha256::new();
    hash.update(site_key);
    hash.update(serde_json::to_vec(page).map_err(|e| format!("page key: {e}"))?);
    Ok(hash.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect())
}

fn file_for(out: &Path, path: &str) -> PathBuf {
    let relative = path.trim_start_matches('/');
    if path.ends_with('/') { out.join(relative).join("index.html") } else { out.join(relative) }
}

/// Drops cached pages this build did not use, so the cache stays the size of one site.
fn forget_unused(cache: &Path, used: &std::collections::HashSet<String>) {
    let Ok(entries) = std::fs::read_dir(cache) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let stale = name.to_str().and_then(|n| n.strip_suffix(".html")).is_none_or(|key| !used.contains(key));
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(dir: &Path, page: &str) -> String {
        std::fs::read_to_string(file_for(dir, page)).unwrap()
    }

    /// A second build takes every page from the cache; after a price change only the pages that
    /// show that product are rendered, and they equal a build without any cache.
    #[test]
    fn unchanged_pages_come_from_the_cache_and_changed_ones_are_rendered_again() {
        let dir = std::env::temp_dir().join(format!("edgeshop-pages-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut shop = edgeshop_catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog")).unwrap();
        let images = Default::default();
        let cache = dir.join("cache");

        let first = write_pages(&shop, &images, &dir.join("a"), &cache, "test").unwrap();
        assert_eq!(first.reused, 0);
        let again = write_pages(&shop, &images, &dir.join("b"), &cache, "test").unwrap();
        assert_eq!((again.rendered, again.reused), (0, first.rendered));
        for page in &first.urls {
            assert_eq!(read(&dir.join("a"), page), read(&dir.join("b"), page), "{page}");
        }

        let product = shop.catalog.products.iter_mut().find(|p| p.published).unwrap();
        let path = paths::product(&product.slug);
        product.variants[0].price.minor += 100;
        shop.catalog.version = "changed".into();
        let changed = write_pages(&shop, &images, &dir.join("c"), &cache, "test").unwrap();
        assert!(changed.rendered >= 2 && changed.rendered < first.rendered / 4, "{} pages rendered", changed.rendered);
        let fresh = write_pages(&shop, &images, &dir.join("d"), &dir.join("empty-cache"), "test").unwrap();
        assert_eq!(fresh.reused, 0);
        for page in &first.urls {
            assert_eq!(read(&dir.join("c"), page), read(&dir.join("d"), page), "{page}");
        }
        assert_ne!(read(&dir.join("c"), &path), read(&dir.join("a"), &path));
        assert!(read(&dir.join("c"), "/").contains(r#"content="changed""#));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
