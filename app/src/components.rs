//! Server-rendered building blocks shared by the pages.

use crate::commerce::CartCount;
use crate::context::site;
use crate::islands::SearchBox;
use crate::paths;
use edgeshop_domain::{lowest_price, product_price_range, variant_price, Money, Product, Variant};
use leptos::prelude::*;

#[component]
pub fn Header() -> impl IntoView {
    let site = site();
    let links = || site.nav.iter().map(|(slug, name)| view! { <li><a href=paths::category(slug, 1)>{name.clone()}</a></li> }).collect_view();
    view! {
        <header class="site-header">
            <div class="bar">
                <a class="logo" href="/">{site.shop_name.clone()}</a>
                <SearchBox/>
                <a href="/account/" class="account-link" data-testid="account-link">"Orders"</a>
                <CartCount/>
            </div>
            // Phones get a disclosure menu (keyboard-operable, no JavaScript); wider screens a row.
            <nav aria-label="Categories">
                <details class="menu"><summary>"Shop by category"</summary><ul class="menu-list">{links()}</ul></details>
                <ul class="nav">{links()}</ul>
            </nav>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    let site = site();
    let links = site.info_pages.iter().map(|(slug, title)| view! { <li><a href=paths::info_page(slug)>{title.clone()}</a></li> }).collect_view();
    view! {
        <footer class="site-footer">
            <crate::subscribe::NewsletterSignup/>
            <ul>{links}</ul>
            <p>{format!("© {} · prices include VAT where applicable", site.shop_name)}</p>
        </footer>
    }
}

#[component]
pub fn Breadcrumbs(trail: Vec<(String, String)>) -> impl IntoView {
    let last = trail.len().saturating_sub(1);
    let items =
        trail
            .into_iter()
            .enumerate()
            .map(|(i, (href, name))| {
                if i == last {
                    view! { <li aria-current="page">{name}</li> }.into_any()
                } else {
                    view! { <li><a href=href>{name}</a></li> }.into_any()
                }
            })
            .collect_view();
    view! { <nav aria-label="Breadcrumb" class="crumbs"><ol>{items}</ol></nav> }
}

/// Formats money in the shop's locale.
pub fn money(m: Money) -> String {
    m.format(&site().locale)
}

#[component]
pub fn VariantPrice(variant: Variant) -> impl IntoView {
    let price = variant_price(&variant);
    // Read aloud as "was €164.50": a struck-through price is not announced as one.
    let was = price.compare_at.map(|c| view! { <s class="was"><span class="visually-hidden">"was "</span>{money(c)}</s> });
    view! { <span class="price">{money(price.amount)}</span>{was} }
}

/// "€19.99" or "from €19.99" when variants differ in price.
pub fn product_price_label(product: &Product) -> String {
    match product_price_range(product) {
        Some((lo, hi)) if lo != hi => format!("from {}", money(lo)),
        Some((lo, _)) => money(lo),
        None => String::new(),
    }
}

/// `sizes` for product cards: 2 columns on phones, 3 from 700px, 4 (≈280px) from 1000px.
pub const CARD_SIZES: &str = "(min-width: 1000px) 280px, (min-width: 700px) 31vw, 46vw";
/// `sizes` for the product page's main image.
pub const GALLERY_SIZES: &str = "(min-width: 900px) 560px, 92vw";

/// A catalog image: `<picture>` with WebP and a PNG/JPEG fallback at several widths for raster
/// images, the original file for vector ones (see `site/src/images.rs`). Width and height are
/// always set; images below the fold load lazily.
#[component]
pub fn ProductImage(image: edgeshop_domain::Image, sizes: &'static str, eager: bool) -> impl IntoView {
    let site = site();
    let loading = if eager { "eager" } else { "lazy" };
    let priority = if eager { "high" } else { "auto" };
    match site.images.get(&image.file).cloned().filter(|r| !r.webp_srcset.is_empty()) {
        Some(r) => view! {
            <picture>
                <source type="image/webp" srcset=r.webp_srcset sizes=sizes/>
                <img src=r.fallback_src srcset=r.fallback_srcset sizes=sizes alt=image.alt width=image.width height=image.height
                    loading=loading fetchpriority=priority decoding="async"/>
            </picture>
        }
        .into_any(),
        None => view! {
            <img src=site.image_src(&image.file) alt=image.alt width=image.width height=image.height loading=loading fetchpriority=priority decoding="async"/>
        }
        .into_any(),
    }
}

/// `product` with only what [`ProductCard`] shows (slug, title, brand, first image, prices and
/// stock): the related products a product page carries, kept small in the data of pages the worker
/// renders (`render::ProductPageData`). Change both together.
pub fn card_fields(product: &Product) -> Product {
    Product {
        description_md: String::new(),
        tags: Vec::new(),
        attributes: Vec::new(),
        images: product.images.iter().take(1).cloned().collect(),
        options: Vec::new(),
        seo_title: String::new(),
        seo_description: String::new(),
        ..product.clone()
    }
}

#[component]
pub fn ProductCard(product: Product, #[prop(optional)] eager: bool) -> impl IntoView {
    let href = paths::product(&product.slug);
    let price = product_price_label(&product);
    // The "was" price of the variant whose price the card shows (a sale on a dearer one is not it).
    let was = lowest_price(&product)
        .and_then(|p| p.compare_at)
        .map(|c| view! { <s class="was"><span class="visually-hidden">" was "</span>{money(c)}</s> });
    let on_sale = product.variants.iter().any(|v| variant_price(v).on_sale());
    let image = product.images.first().cloned().map(|img| view! { <ProductImage image=img sizes=CARD_SIZES eager=eager/> });
    view! {
        <li class="card">
            <a href=href>
                {image}
                <span class="brand">{product.brand.clone()}</span>
                <span class="title">{product.title.clone()}</span>
                <span class="price">{price}{was}</span>
                {on_sale.then(|| view! { <span class="badge">"Sale"</span> })}
                {(!product.available()).then(|| view! { <span class="badge out">"Sold out"</span> })}
            </a>
        </li>
    }
}

#[component]
pub fn ProductGrid(products: Vec<Product>, #[prop(optional)] eager_rows: usize) -> impl IntoView {
    let cards = products.into_iter().enumerate().map(|(i, p)| view! { <ProductCard product=p eager=i < eager_rows/> }).collect_view();
    view! { <ul class="grid">{cards}</ul> }
}
