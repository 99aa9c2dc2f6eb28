//! Rendering every page of the shop with Leptos SSR into static files.
//!
//! Pages are described first (`Page`: everything a page shows), then rendered on every core, but
//! only those whose inputs changed since the last build (`Output::page`: a hash of the page's
//! data, or for product pages of per-product hashes, with what every page shares).
//!
//! Product pages and the category listings' later pages come last ([`MovablePage`]): when the shop
//! has more pages than the deploy may hold as static files (`[deploy] plan`), the most important
//! ones (featured products, then newest, then listing pages by page number) are written as files
//! and the rest go to `_catalog/pages-{i}.json` for the worker to render on request (`edge_pages`).

use crate::output::Output;
use edgeshop_app::components::card_fields;
use edgeshop_app::pages::{AccountPage, CartPage, CheckoutPage, HomePage, InfoPage, NotFoundPage, OrderPage, SearchPage};
use edgeshop_app::render::{category_page, product_card, render, CategoryPageData, PageData, ProductPageData};
use edgeshop_app::{paths, SiteContext};
use edgeshop_catalog::LoadedShop;
use edgeshop_domain::{Catalog, Category, Product, Shop};
use leptos::prelude::*;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

pub const PRODUCTS_PER_PAGE: usize = 24;
const RELATED: usize = 4;

/// What one page shows: its rendering inputs (product pages: [`ProductPages`]). Products are
/// borrowed from the catalog and cloned only while their page renders.
pub enum Page<'a> {
    Home { shop: Box<Shop>, featured: Vec<Product>, categories: Vec<Category> },
    Category(Listing<'a>),
    Info { slug: String, title: String, html: String },
    NotFound,
    Cart,
    Checkout,
    Orders,
    Account,
    Search,
}

impl Page<'_> {
    /// A frame the worker fills per shopper, or the page for what is not there: not for the sitemap.
    fn shoppers_own(&self) -> bool {
        matches!(self, Page::NotFound | Page::Cart | Page::Checkout | Page::Orders | Page::Account | Page::Search)
    }
}

/// One page of a category's listing.
pub struct Listing<'a> {
    pub category: Category,
    pub trail: Vec<Category>,
    pub subcategories: Vec<Category>,
    pub products: Vec<&'a Product>,
    pub page: usize,
    pub pages: usize,
    pub total: usize,
}

impl Listing<'_> {
    /// A hash of what the page is made from: like [`Listing::data`], with the products' hashes
    /// for their cards.
    pub fn inputs(&self, shared: u64, products: &ProductPages) -> u64 {
        let cards: Vec<u64> = self.products.iter().map(|p| products.hash_of(p)).collect();
        let Listing { category, trail, subcategories, page, pages, total, .. } = self;
        crate::output::inputs_hash(shared, &(category, trail, subcategories, cards, page, pages, total))
    }

    /// The page's inputs, its products as their cards show them.
    pub fn data(&self) -> CategoryPageData {
        CategoryPageData {
            category: self.category.clone(),
            trail: self.trail.clone(),
            subcategories: self.subcategories.clone(),
            products: self.products.iter().map(|p| card_fields(p)).collect(),
            page: self.page,
            pages: self.pages,
            total: self.total,
        }
    }
}

/// A page that is a static file while the deploy has room, or else left to the edge: a product
/// page, or a category listing's page after the first.
pub enum MovablePage<'a> {
    Product(&'a Product),
    Listing(String, Listing<'a>),
}

impl MovablePage<'_> {
    pub fn path(&self) -> String {
        match self {
            MovablePage::Product(p) => paths::product(&p.slug),
            MovablePage::Listing(path, _) => path.clone(),
        }
    }

    /// A hash of what the page is made from (see [`ProductPages::inputs`]), cheaper than
    /// [`MovablePage::data`]: an unchanged page is then neither rendered nor written.
    pub fn inputs(&self, shared: u64, products: &ProductPages) -> u64 {
        match self {
            MovablePage::Product(p) => products.inputs(shared, p),
            MovablePage::Listing(_, listing) => listing.inputs(shared, products),
        }
    }

    /// The page's inputs (product pages': made from `products`).
    pub fn data(&self, products: &ProductPages) -> PageData {
        match self {
            MovablePage::Product(p) => PageData::Product(Box::new(products.data(p))),
            MovablePage::Listing(_, listing) => PageData::Category(listing.data()),
        }
    }
}

/// What every page of this build shares: the shop's name, locale, navigation, images.
pub fn site_context(
    shop: &LoadedShop,
    images: &std::collections::HashMap<String, edgeshop_app::ResponsiveImage>,
    dev_reload: bool,
) -> Arc<SiteContext> {
    let catalog = &shop.catalog;
    Arc::new(SiteContext {
        shop_name: catalog.shop.name.clone(),
        locale: catalog.shop.locale.clone(),
        base_url: catalog.shop.base_url.clone(),
        nav: catalog.top_level_categories().map(|c| (c.slug.clone(), c.name.clone())).collect(),
        info_pages: shop.pages.iter().map(|p| (p.slug.clone(), p.title.clone())).collect(),
        images: images.clone(),
        leptos: SiteContext::leptos_options(),
        dev_reload,
    })
}

/// Every published product's card, drawn by the same component as the category pages, for the
/// search index: the worker's `/search` page shows these (one definition of a card).
pub fn product_cards(site: &Arc<SiteContext>, catalog: &Catalog) -> edgeshop_indexer::Cards {
    catalog
        .products
        .par_iter()
        .filter(|p| p.published)
        .map(|p| {
            let product = p.clone();
            (p.slug.clone(), product_card(site, product))
        })
        .collect()
}

/// The shop's pages: every page but the products', and the product pages.
pub struct Pages<'a> {
    pub others: Vec<(String, Page<'a>)>,
    pub products: ProductPages<'a>,
    /// Where the products come among the others in the sitemap (after the categories).
    products_at: usize,
}

impl<'a> Pages<'a> {
    /// URL paths for the sitemap: every public page, products included wherever they are rendered.
    pub fn public_urls(&self) -> Vec<String> {
        let (before, after) = self.others.split_at(self.products_at);
        let products = self.products.list.iter().map(|p| paths::product(&p.slug));
        // Shopper-specific pages stay out of the sitemap.
        let others =
            |pages: &[(String, Page)]| pages.iter().filter(|(_, page)| !page.shoppers_own()).map(|(path, _)| path.clone()).collect::<Vec<_>>();
        others(before).into_iter().chain(products).chain(others(after)).collect()
    }

    /// The pages that are always static files; the pages that may be left to the edge, most
    /// important first (see [`ProductPages::by_importance`], then the listings' later pages by page
    /// number: page 2 of every category before any page 3); and what product pages are made from.
    pub fn into_parts(self) -> (Vec<(String, Page<'a>)>, Vec<MovablePage<'a>>, ProductPages<'a>) {
        let Pages { others, mut products, .. } = self;
        products.by_importance();
        let (mut always, mut later) = (Vec::new(), Vec::new());
        for (path, page) in others {
            match page {
                Page::Category(listing) if listing.page > 1 => later.push(MovablePage::Listing(path, listing)),
                page => always.push((path, page)),
            }
        }
        // Stable: categories keep their order within a page number.
        later.sort_by_key(|page| match page {
            MovablePage::Listing(_, listing) => listing.page,
            MovablePage::Product(_) => 0,
        });
        let movable = products.list.iter().map(|&p| MovablePage::Product(p)).chain(later).collect();
        (always, movable, products)
    }
}

/// The product pages: the published products, and what their pages' inputs are made from. A
/// page's inputs ([`ProductPageData`]) are made on the core that renders or stores it, not all
/// at once: a million-product shop's would not fit in memory together.
pub struct ProductPages<'a> {
    catalog: &'a Catalog,
    /// Each category's published products, in catalog order: related products are a product's
    /// next few there (wrapping), so each page shows its own neighbours and a product appears on
    /// few other pages (a change to it rewrites those, not its whole category).
    by_category: HashMap<&'a str, Vec<&'a Product>>,
    /// In catalog order until [`ProductPages::by_importance`].
    pub list: Vec<&'a Product>,
    /// By slug: a hash of each published product (everything about it) and its place in its
    /// category's list.
    facts: HashMap<&'a str, (u64, usize)>,
}

impl<'a> ProductPages<'a> {
    fn new(catalog: &'a Catalog) -> Self {
        let list: Vec<&Product> = catalog.products.iter().filter(|p| p.published).collect();
        let mut by_category: HashMap<&str, Vec<&Product>> = HashMap::new();
        let mut places = Vec::with_capacity(list.len());
        for &product in &list {
            let peers = by_category.entry(product.category.as_str()).or_default();
            places.push(peers.len());
            peers.push(product);
        }
        let facts = list.par_iter().zip(places).map(|(p, place)| (p.slug.as_str(), (crate::output::inputs_hash(0, p), place))).collect();
        ProductPages { catalog, by_category, list, facts }
    }

    /// The hash of a product (of everything about it): computed once per published product.
    pub fn hash_of(&self, product: &Product) -> u64 {
        self.facts.get(product.slug.as_str()).map_or_else(|| crate::output::inputs_hash(0, product), |f| f.0)
    }

    /// The products after `product` in its category's list, wrapping to its start: up to
    /// [`RELATED`], never the product itself.
    fn related_to<'b>(&'b self, product: &'b Product) -> impl Iterator<Item = &'a Product> + 'b {
        let peers = self.by_category.get(product.category.as_str()).map_or(&[][..], Vec::as_slice);
        let place = self.facts.get(product.slug.as_str()).map_or(0, |f| f.1);
        let (before, after) = peers.split_at((place + 1).min(peers.len()));
        after.iter().chain(before).filter(move |p| p.slug != product.slug).take(RELATED).copied()
    }

    /// Everything the page of `product` shows.
    pub fn data(&self, product: &Product) -> ProductPageData {
        let trail = self.catalog.category_trail(&product.category).into_iter().cloned().collect();
        let related: Vec<&Product> = self.related_to(product).collect();
        ProductPageData::new(product.clone(), trail, markdown(&product.description_md), &related)
    }

    /// A hash of what the page of `product` is made from: the product, its category trail and its
    /// related products (whole, though their cards show only part of them), and what every page
    /// shares (`shared`).
    pub fn inputs(&self, shared: u64, product: &Product) -> u64 {
        let trail = self.catalog.category_trail(&product.category);
        let related: Vec<u64> = self.related_to(product).map(|p| self.hash_of(p)).collect();
        crate::output::inputs_hash(shared, &(self.hash_of(product), trail, related))
    }

    /// The most important first: featured (in the shop's order), then newest. When not every
    /// product page can be a static file, the first ones are.
    pub fn by_importance(&mut self) {
        let featured = |p: &Product| self.catalog.shop.featured_products.iter().position(|s| *s == p.slug).unwrap_or(usize::MAX);
        let mut list = std::mem::take(&mut self.list);
        list.sort_by(|a, b| featured(a).cmp(&featured(b)).then_with(|| b.created.cmp(&a.created)).then_with(|| a.slug.cmp(&b.slug)));
        self.list = list;
    }
}

/// What every page's rendering depends on beyond its own data: the shop-wide facts and this
/// builder (its components). Part of every page's inputs hash.
pub fn shared_inputs(site: &SiteContext, builder: &str) -> u64 {
    // In a stable order (a HashMap's differs from run to run).
    let images: std::collections::BTreeMap<&String, &edgeshop_app::ResponsiveImage> = site.images.iter().collect();
    let facts = SiteContext { images: HashMap::new(), ..site.clone() };
    crate::output::inputs_hash(xxhash_rust::xxh3::xxh3_64(builder.as_bytes()), &(facts, images))
}

/// Writes every page but the products' into `out` (on every core); listing pages whose inputs
/// did not change since the last build are left as they are.
pub fn write_other_pages(site: &Arc<SiteContext>, shared: u64, others: Vec<(String, Page)>, out: &Output) -> Result<(), String> {
    let progress = crate::progress::bar(others.len(), "pages rendered");
    others.into_par_iter().try_for_each(|(path, page)| {
        progress.inc(1);
        let file = file_for(&path);
        match page {
            Page::Category(listing) => {
                let data = PageData::Category(listing.data());
                out.page(&file, crate::output::inputs_hash(shared, &data), || data.render(site))
            }
            page => out.write(&file, render_page(site, page).as_bytes()),
        }
    })?;
    progress.finish_and_clear();
    Ok(())
}

/// Writes `these` pages into `out` (on every core), rendering only those whose inputs changed
/// since the last build.
pub fn write_movable_pages(site: &Arc<SiteContext>, shared: u64, products: &ProductPages, these: &[MovablePage], out: &Output) -> Result<(), String> {
    let progress = crate::progress::bar(these.len(), "product and listing pages rendered");
    these.par_iter().try_for_each(|page| {
        progress.inc(1);
        out.page(&file_for(&page.path()), page.inputs(shared, products), || page.data(products).render(site))
    })?;
    progress.finish_and_clear();
    Ok(())
}

/// Writes all pages into `out` as static files (only what changed since the last call for the
/// same `out`); returns their URL paths for the sitemap and what was written.
#[cfg(test)]
pub fn write_pages(site: &Arc<SiteContext>, shop: &LoadedShop, out: &std::path::Path) -> Result<(Vec<String>, crate::output::Changes), String> {
    let (output, scratch) = Output::open(out, &out.with_extension("json"), "test")?;
    let shared = shared_inputs(site, "test");
    let pages = describe(shop);
    let urls = pages.public_urls();
    let (others, movable, products) = pages.into_parts();
    write_other_pages(site, shared, others, &output)?;
    write_movable_pages(site, shared, &products, &movable, &output)?;
    Ok((urls, output.finish(scratch)?))
}

/// Every page of the shop with its URL path.
pub fn describe(shop: &LoadedShop) -> Pages<'_> {
    let catalog = &shop.catalog;
    let mut pages = Vec::new();
    let featured = catalog.shop.featured_products.iter().filter_map(|s| catalog.product(s)).cloned().collect();
    let categories = catalog.top_level_categories().cloned().collect();
    pages.push(("/".into(), Page::Home { shop: Box::new(catalog.shop.clone()), featured, categories }));

    for category in &catalog.categories {
        let products = featured_order(catalog, &category.slug);
        let total = products.len();
        let pages_n = total.div_ceil(PRODUCTS_PER_PAGE).max(1);
        let trail: Vec<_> = catalog.category_trail(&category.slug).into_iter().cloned().collect();
        let subcategories: Vec<_> = catalog.children_of(&category.slug).cloned().collect();
        for page in 1..=pages_n {
            let products = products.iter().skip((page - 1) * PRODUCTS_PER_PAGE).take(PRODUCTS_PER_PAGE).copied().collect();
            pages.push((
                paths::category(&category.slug, page),
                Page::Category(Listing {
                    category: category.clone(),
                    trail: trail.clone(),
                    subcategories: subcategories.clone(),
                    products,
                    page,
                    pages: pages_n,
                    total,
                }),
            ));
        }
    }

    let products_at = pages.len();
    let products = ProductPages::new(catalog);

    for page in &shop.pages {
        pages.push((paths::info_page(&page.slug), Page::Info { slug: page.slug.clone(), title: page.title.clone(), html: markdown(&page.markdown) }));
    }
    pages.push(("/404.html".into(), Page::NotFound));
    pages.push(("/cart/".into(), Page::Cart));
    pages.push(("/checkout/".into(), Page::Checkout));
    pages.push(("/orders/".into(), Page::Orders));
    pages.push(("/account/".into(), Page::Account));
    pages.push(("/search/".into(), Page::Search));
    Pages { others: pages, products, products_at }
}

fn render_page(site: &Arc<SiteContext>, page: Page) -> String {
    match page {
        Page::Home { shop, featured, categories } => render(site, move || view! { <HomePage shop=*shop featured categories/> }),
        Page::Category(listing) => category_page(site, listing.data()),
        Page::Info { slug, title, html } => render(site, move || view! { <InfoPage slug title html/> }),
        Page::NotFound => render(site, || view! { <NotFoundPage/> }),
        Page::Cart => render(site, || view! { <CartPage/> }),
        Page::Checkout => render(site, || view! { <CheckoutPage/> }),
        Page::Orders => render(site, || view! { <OrderPage/> }),
        Page::Account => render(site, || view! { <AccountPage/> }),
        Page::Search => render(site, || view! { <SearchPage/> }),
    }
}

/// The file (relative to the output) of the page at URL `path`: a product's page is a file of
/// its own ([`paths::product_file`]), any other page its folder's `index.html`.
pub fn file_for(path: &str) -> String {
    let relative = path.trim_start_matches('/');
    if let Some(slug) = relative.strip_prefix("products/").and_then(|r| r.strip_suffix('/')).filter(|s| !s.is_empty() && !s.contains('/')) {
        return paths::product_file(slug);
    }
    if path.ends_with('/') {
        format!("{relative}index.html")
    } else {
        relative.to_string()
    }
}

/// Category listing order: in-stock first, then newest.
fn featured_order<'a>(catalog: &'a Catalog, category: &'a str) -> Vec<&'a Product> {
    let mut products: Vec<&Product> = catalog.products_in(category).collect();
    products.sort_by(|a, b| b.available().cmp(&a.available()).then(b.created.cmp(&a.created)).then(a.slug.cmp(&b.slug)));
    products
}

/// Merchant Markdown to HTML; raw HTML in the source is shown as text, never injected, and links
/// or images with a scheme other than http(s), mailto or tel (`javascript:`, `data:`, …) lose it.
pub fn markdown(src: &str) -> String {
    use pulldown_cmark::{html, Event, Parser, Tag};
    let safe = |url: pulldown_cmark::CowStr<'_>| -> pulldown_cmark::CowStr<'static> {
        if safe_url(&url) {
            url.into_string().into()
        } else {
            "#".into()
        }
    };
    let events = Parser::new(src).map(|e| match e {
        Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => Event::Start(Tag::Link { link_type, dest_url: safe(dest_url), title, id }),
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => Event::Start(Tag::Image { link_type, dest_url: safe(dest_url), title, id }),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// Relative URLs and the schemes a shop links to. Browsers ignore ASCII whitespace and control
/// characters inside a scheme (`java\tscript:`), so those are dropped before comparing.
fn safe_url(url: &str) -> bool {
    let cleaned: String = url.chars().filter(|c| !c.is_ascii_whitespace() && !c.is_control()).collect();
    let lower = cleaned.to_ascii_lowercase();
    match lower.find(':') {
        // A colon after the first `/`, `?` or `#` is not a scheme.
        Some(colon) if !lower[..colon].contains(['/', '?', '#']) => ["http", "https", "mailto", "tel"].contains(&&lower[..colon]),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_links_cannot_run_script() {
        for src in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](java\tscript:alert(1))",
            "[x](<java\nscript:alert(1)>)",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
            "![x](javascript:alert(1))",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "<javascript:alert(1)>",
        ] {
            let html = markdown(src).to_ascii_lowercase();
            assert!(!html.contains("href=\"javascript") && !html.contains("src=\"javascript") && !html.contains("href=\"data:"), "{src} -> {html}");
        }
        assert!(markdown("[ok](https://example.com/a?b=c:d)").contains("href=\"https://example.com/a?b=c:d\""));
        assert!(markdown("[rel](/pages/returns/)").contains("href=\"/pages/returns/\""));
        assert!(markdown("[mail](mailto:help@example.com)").contains("href=\"mailto:help@example.com\""));
    }

    /// Each product page shows the next products of its category (wrapping), never itself, so a
    /// product is related on as many pages as a page has related products, whatever its place.
    #[test]
    fn related_products_are_each_pages_own_neighbours() {
        let shop = edgeshop_catalog::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog")).unwrap();
        let pages = ProductPages::new(&shop.catalog);
        let mut shown_on: HashMap<&str, usize> = HashMap::new();
        for &product in &pages.list {
            let peers: Vec<&str> = pages.list.iter().filter(|p| p.category == product.category).map(|p| p.slug.as_str()).collect();
            let place = peers.iter().position(|s| *s == product.slug).unwrap();
            let expected: Vec<&str> = (1..peers.len()).map(|i| peers[(place + i) % peers.len()]).take(RELATED).collect();
            let related: Vec<&str> = pages.related_to(product).map(|p| p.slug.as_str()).collect();
            assert_eq!(related, expected, "{}", product.slug);
            for slug in related {
                *shown_on.entry(slug).or_default() += 1;
            }
        }
        for &product in &pages.list {
            let peers = pages.list.iter().filter(|p| p.category == product.category).count();
            assert_eq!(shown_on.get(product.slug.as_str()).copied().unwrap_or(0), RELATED.min(peers - 1), "{}", product.slug);
        }
    }

    #[test]
    fn product_pages_are_files_of_their_own_and_other_pages_folder_indexes() {
        assert_eq!(file_for("/"), "index.html");
        assert_eq!(file_for("/products/trail-runner/"), "products/trail-runner.html");
        assert_eq!(file_for("/products/"), "products/index.html");
        assert_eq!(file_for("/c/shoes/page/2/"), "c/shoes/page/2/index.html");
        assert_eq!(file_for("/404.html"), "404.html");
    }

    /// Rendering on several threads writes every page once, the same bytes every time; a price
    /// change reaches the product page, and a rebuild after it writes only the pages that show
    /// the product, the same bytes as a build from scratch.
    #[test]
    fn pages_are_complete_deterministic_and_follow_the_catalog() {
        let dir = std::env::temp_dir().join(format!("edgeshop-pages-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut shop = edgeshop_catalog::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog")).unwrap();
        let images = std::collections::HashMap::new();
        let read = |out: &str, page: &str| std::fs::read_to_string(dir.join(out).join(file_for(page))).unwrap();

        let site = site_context(&shop, &images, false);
        let (urls, first) = write_pages(&site, &shop, &dir.join("a")).unwrap();
        let published = shop.catalog.products.iter().filter(|p| p.published).count();
        assert_eq!(urls.len(), 1 + published + shop.pages.len() + urls.iter().filter(|u| u.starts_with("/c/")).count());
        assert_eq!(write_pages(&site, &shop, &dir.join("b")).unwrap().0, urls);
        for page in &urls {
            assert_eq!(read("a", page), read("b", page), "{page}");
        }

        let product = shop.catalog.products.iter_mut().find(|p| p.published).unwrap();
        let (path, link) = (paths::product(&product.slug), format!("href=\"{}\"", paths::product(&product.slug)));
        product.variants[0].price.minor += 100;
        shop.catalog.version = "changed".into();
        let site = site_context(&shop, &images, false);
        write_pages(&site, &shop, &dir.join("c")).unwrap();
        assert_ne!(read("c", &path), read("a", &path));

        // The same change as a rebuild of `a`: only pages showing the product are written.
        let (_, again) = write_pages(&site, &shop, &dir.join("a")).unwrap();
        let showing = urls.iter().filter(|u| read("c", u).contains(&link) || **u == path).count();
        assert!(again.written >= 1 && again.written <= showing, "{again:?}, {showing} pages show the product");
        assert_eq!(again.written + again.kept, first.written);
        for page in &urls {
            assert_eq!(read("a", page), read("c", page), "{page}: the rebuild gives what a build from scratch gives");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
