//! Server-rendered building blocks shared by the pages.

use crate::commerce::CartCount;
use crate::islands::SearchBox;
use crate::paths;
use crate::shell::site;
use edgeshop_domain::{product_price_range, variant_price, Money, Product, Variant};
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
    let links = site
        .info_pages
        .iter()
        .map(|(slug, title)| view! { <li><a href=paths::info_page(slug)>{title.clone()}</a></li> })
        .collect_view();
    view! {
        <footer class="site-footer">
            <ul>{links}</ul>
            <p>{format!("© {} · prices include VAT where applicable", site.shop_name)}</p>
        </footer>
    }
}

#[component]
pub fn Breadcrumbs(trail: Vec<(String, String)>) -> impl IntoView {
    let last = trail.len().saturating_sub(1);
    let items = trail
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
    let was = price.compare_at.map(|c| view! { <s class="was">{money(c)}</s> });
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

#[component]
pub fn ProductCard(product: Product, #[prop(optional)] eager: bool) -> impl IntoView {
    let href = paths::product(&product.slug);
    let price = product_price_label(&product);
    let on_sale = product.variants.iter().any(|v| variant_price(v).on_sale());
    let image = product.images.first().cloned().map(|img| {
        view! {
            <img
                src=paths::image(&img.file)
                alt=img.alt
                width=img.width
                height=img.height
                loading=if eager { "eager" } else { "lazy" }
                decoding="async"
            />
        }
    });
    view! {
        <li class="card">
            <a href=href>
                {image}
                <span class="brand">{product.brand.clone()}</span>
                <span class="title">{product.title.clone()}</span>
                <span class="price">{price}</span>
                {on_sale.then(|| view! { <span class="badge">"Sale"</span> })}
                {(!product.available()).then(|| view! { <span class="badge out">"Sold out"</span> })}
            </a>
        </li>
    }
}

#[component]
pub fn ProductGrid(products: Vec<Product>, #[prop(optional)] eager_rows: usize) -> impl IntoView {
    let cards = products
        .into_iter()
        .enumerate()
        .map(|(i, p)| view! { <ProductCard product=p eager=i < eager_rows/> })
        .collect_view();
    view! { <ul class="grid">{cards}</ul> }
}
