//! One component per kind of static page. The builder gathers the data; these only render it.

use crate::browse::CategoryBrowser;
use crate::commerce::{CheckoutFields, CheckoutForm, OrderStatus, PickerOption, PickerVariant, VariantPicker};
use crate::components::{money, Breadcrumbs, ProductGrid, ProductImage, VariantPrice, GALLERY_SIZES};
use crate::live_search::LiveResults;
use crate::paths;
use crate::seo;
use crate::shell::{Document, PageMeta};
use crate::subscribe::{BackInStock, SoldOutVariant};
use edgeshop_domain::{product_price_range, variant_price};
use edgeshop_domain::{Category, Product, Shop};
use leptos::prelude::*;

fn trail_links(trail: &[Category]) -> Vec<(String, String)> {
    std::iter::once(("/".to_string(), "Home".to_string())).chain(trail.iter().map(|c| (paths::category(&c.slug, 1), c.name.clone()))).collect()
}

#[component]
pub fn HomePage(shop: Shop, featured: Vec<Product>, categories: Vec<Category>) -> impl IntoView {
    let site = crate::context::site();
    let meta = PageMeta {
        title: format!("{} — {}", shop.name, shop.tagline),
        description: shop.tagline.clone(),
        path: "/".into(),
        image: featured.iter().find_map(|p| p.images.first()).map(|i| i.file.clone()),
        json_ld: vec![seo::organization(&shop.name, &site.base_url)],
        ..Default::default()
    };
    let tiles = categories
        .into_iter()
        .map(|c| view! { <li><a href=paths::category(&c.slug, 1)><strong>{c.name}</strong><span>{c.description}</span></a></li> })
        .collect_view();
    // With rates by country, the banner names the countries of the shop's own threshold, or is
    // left out when they are too many to name (or none).
    let home = shop.shipping.home_countries();
    let to = match (shop.shipping.zones.is_empty(), home.len()) {
        (true, _) => Some(String::new()),
        (false, 1..=3) => Some(format!(" to {}", home.iter().map(|c| edgeshop_domain::country_label(c)).collect::<Vec<_>>().join(", "))),
        _ => None,
    };
    let free = shop.shipping.free_over.zip(to).map(|(m, to)| format!("Free shipping{to} on orders over {}", money(m)));
    view! {
        <Document meta=meta>
            <section class="hero">
                <h1>{shop.name.clone()}</h1>
                <p>{shop.tagline.clone()}</p>
                {free.map(|f| view! { <p class="promo">{f}</p> })}
            </section>
            <h2>"Shop by category"</h2>
            <ul class="tiles">{tiles}</ul>
            <h2>"Featured"</h2>
            <ProductGrid products=featured eager_rows=2/>
        </Document>
    }
}

#[component]
pub fn CategoryPage(
    category: Category,
    trail: Vec<Category>,
    subcategories: Vec<Category>,
    products: Vec<Product>,
    page: usize,
    pages: usize,
    total: usize,
) -> impl IntoView {
    let title = if page > 1 { format!("{} – page {page}", category.name) } else { category.name.clone() };
    let base_url = crate::context::site().base_url.clone();
    let meta = PageMeta {
        title: title.clone(),
        description: category.description.clone(),
        path: paths::category(&category.slug, page),
        image: products.iter().find_map(|p| p.images.first()).map(|i| i.file.clone()),
        json_ld: vec![seo::breadcrumbs(&base_url, &trail_links(&trail))],
        ..Default::default()
    };
    let subs = (!subcategories.is_empty()).then(|| {
        let items = subcategories.into_iter().map(|c| view! { <li><a href=paths::category(&c.slug, 1)>{c.name}</a></li> }).collect_view();
        view! { <ul class="chips">{items}</ul> }
    });
    let slug = category.slug.clone();
    let pager = (pages > 1).then(|| {
        let links = pager_window(page, pages)
            .into_iter()
            .map(|n| match n {
                Some(n) if n == page => view! { <li><span aria-current="page">{n}</span></li> }.into_any(),
                Some(n) => view! { <li><a href=paths::category(&slug, n)>{n}</a></li> }.into_any(),
                None => view! { <li class="gap" aria-hidden="true">"…"</li> }.into_any(),
            })
            .collect_view();
        view! { <nav class="pager" aria-label="Pages"><ol>{links}</ol></nav> }
    });
    view! {
        <Document meta=meta>
            <Breadcrumbs trail=trail_links(&trail)/>
            <h1>{title}</h1>
            <p class="lead">{category.description.clone()}</p>
            {subs}
            <CategoryBrowser category=category.slug.clone()>
                <p class="count">{format!("{total} products")}</p>
                <ProductGrid products=products eager_rows=4/>
                {pager}
            </CategoryBrowser>
        </Document>
    }
}

/// The page numbers a pager shows: the first, the last and two either side of `page`, with `None`
/// for the pages left out between them (a category of 4,000 pages links a handful, not 4,000).
pub fn pager_window(page: usize, pages: usize) -> Vec<Option<usize>> {
    let mut shown: Vec<usize> = [1, pages].into_iter().chain(page.saturating_sub(2).max(1)..=(page + 2).min(pages)).collect();
    shown.sort_unstable();
    shown.dedup();
    let mut window = Vec::new();
    for n in shown {
        match window.last() {
            // A gap of one page shows that page rather than an ellipsis.
            Some(Some(prev)) if n == prev + 2 => window.push(Some(prev + 1)),
            Some(Some(prev)) if n > prev + 2 => window.push(None),
            _ => {}
        }
        window.push(Some(n));
    }
    window
}

#[component]
pub fn ProductPage(product: Product, trail: Vec<Category>, description_html: String, related: Vec<Product>) -> impl IntoView {
    let description = match product.seo_description.as_str() {
        // The first paragraph as plain text, as search engines show a description.
        "" => edgeshop_domain::text::markdown_summary(&product.description_md, 155),
        d => d.to_string(),
    };
    let base_url = crate::context::site().base_url.clone();
    let mut crumbs = trail_links(&trail);
    crumbs.push((paths::product(&product.slug), product.title.clone()));
    let meta = PageMeta {
        title: if product.seo_title.is_empty() { product.title.clone() } else { product.seo_title.clone() },
        description,
        path: paths::product(&product.slug),
        image: product.images.first().map(|i| i.file.clone()),
        og_type: Some("product"),
        json_ld: vec![seo::product(&base_url, &product, &trail), seo::breadcrumbs(&base_url, &crumbs)],
        ..Default::default()
    };
    let images = product
        .images
        .iter()
        .enumerate()
        .map(|(i, img)| {
            view! { <ProductImage image=img.clone() sizes=GALLERY_SIZES eager=i == 0/> }
        })
        .collect_view();
    let option_names: Vec<String> = product.options.iter().map(|o| o.name.clone()).collect();
    let head = option_names.iter().map(|n| view! { <th scope="col">{n.clone()}</th> }).collect_view();
    let rows = product
        .variants
        .iter()
        .map(|v| {
            let cells = v.option_values.iter().map(|x| view! { <td>{x.clone()}</td> }).collect_view();
            let stock = stock_label(v);
            view! {
                <tr data-sku=v.sku.clone()>
                    {cells}
                    <td><VariantPrice variant=v.clone()/></td>
                    <td class="sku">{v.sku.clone()}</td>
                    <td>{stock}</td>
                </tr>
            }
        })
        .collect_view();
    let attributes = product.attributes.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view();
    // "from €x" when the variants' prices differ; one price is the picker's to show, not twice.
    let price = product_price_range(&product).filter(|(lo, hi)| lo != hi).map(|(lo, _)| format!("from {}", money(lo)));
    let picker_options: Vec<PickerOption> = product.options.iter().map(|o| PickerOption { name: o.name.clone(), values: o.values.clone() }).collect();
    let picker_variants: Vec<PickerVariant> = product
        .variants
        .iter()
        .map(|v| {
            let p = variant_price(v);
            PickerVariant {
                sku: v.sku.clone(),
                values: v.option_values.clone(),
                price: money(p.amount),
                compare_at: p.compare_at.map(money),
                stock: stock_label(v),
                available: v.available(),
            }
        })
        .collect();
    let sold_out: Vec<SoldOutVariant> =
        product.variants.iter().filter(|v| !v.available()).map(|v| SoldOutVariant { sku: v.sku.clone(), label: v.title() }).collect();
    view! {
        <Document meta=meta>
            <Breadcrumbs trail=crumbs/>
            <article class="product">
                <div class="gallery">{images}</div>
                <div class="buy">
                    <p class="brand">{product.brand.clone()}</p>
                    <h1>{product.title.clone()}</h1>
                    {price.map(|p| view! { <p class="price-range" data-testid="price">{p}</p> })}
                    <VariantPicker options=picker_options variants=picker_variants title=product.title.clone()/>
                    {(!sold_out.is_empty()).then(|| view! { <BackInStock variants=sold_out/> })}
                    <details class="all-variants"><summary>"All options and availability"</summary>
                    <table class="variants">
                        <caption>"Options"</caption>
                        <thead><tr>{head}<th scope="col">"Price"</th><th scope="col">"SKU"</th><th scope="col">"Availability"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table></details>
                    <dl class="attrs">{attributes}</dl>
                </div>
                <section class="description" inner_html=description_html></section>
            </article>
            {(!related.is_empty()).then(|| view! { <h2>"You may also like"</h2><ProductGrid products=related/> })}
        </Document>
    }
}

/// Availability as the build knows it. No unit count: the catalog's `stock` is the count when the
/// catalog was published, and sales since then are in the stock ledger, not in this page.
fn stock_label(v: &edgeshop_domain::Variant) -> String {
    if v.stock > 0 {
        "In stock".to_string()
    } else if v.available() {
        "Available to order".to_string()
    } else {
        "Sold out".to_string()
    }
}

/// The frame of the cart page: the worker renders the cart into it per request
/// ([`edgeshop_api::frames::cart`]), as plain HTML forms.
#[component]
pub fn CartPage() -> impl IntoView {
    let meta =
        PageMeta { title: "Your cart".into(), description: "Your shopping cart.".into(), path: "/cart/".into(), noindex: true, ..Default::default() };
    view! { <Document meta=meta><h1>"Your cart"</h1><section class="cart" data-testid="cart" inner_html=edgeshop_api::frames::cart::CART></section></Document> }
}

/// The frame of the checkout page: a form that posts to the worker, which fills in the summary,
/// countries, payment choices and (after a refusal) what was typed ([`edgeshop_api::frames::checkout`]).
#[component]
pub fn CheckoutPage() -> impl IntoView {
    use edgeshop_api::frames::checkout::{NOTICE, SUMMARY};
    let meta = PageMeta {
        title: "Checkout".into(),
        description: "Shipping address and payment.".into(),
        path: "/checkout/".into(),
        noindex: true,
        ..Default::default()
    };
    view! {
        <Document meta=meta>
            <h1>"Checkout"</h1>
            <div class="notices" inner_html=NOTICE></div>
            <div class="checkout">
                <CheckoutForm><CheckoutFields/></CheckoutForm>
                <aside class="summary" aria-label="Order summary" inner_html=SUMMARY></aside>
            </div>
        </Document>
    }
}

/// The order page: its island draws the live status; the worker puts a summary for browsers
/// without JavaScript in the `<noscript>` ([`edgeshop_api::frames::order`]).
#[component]
pub fn OrderPage() -> impl IntoView {
    let meta = PageMeta {
        title: "Your order".into(),
        description: "Order status and history.".into(),
        path: "/orders/".into(),
        noindex: true,
        ..Default::default()
    };
    view! {
        <Document meta=meta>
            // The worker's summary shows (and its forms work) until the island has the order.
            <div id="order-summary" inner_html=edgeshop_api::frames::order::SUMMARY></div>
            <OrderStatus/>
            <p class="hint"><a href="/account/">"All your orders"</a></p>
        </Document>
    }
}

/// The frame of the account page: the worker fills in the shopper's orders, or the form that
/// emails a sign-in link ([`edgeshop_api::frames::account`]).
#[component]
pub fn AccountPage() -> impl IntoView {
    let meta = PageMeta {
        title: "Your orders".into(),
        description: "Every order you placed, after signing in by email.".into(),
        path: "/account/".into(),
        noindex: true,
        ..Default::default()
    };
    view! { <Document meta=meta><h1>"Your orders"</h1><section class="account" data-testid="account" inner_html=edgeshop_api::frames::account::BODY></section></Document> }
}

#[component]
pub fn InfoPage(slug: String, title: String, html: String) -> impl IntoView {
    let meta = PageMeta { title: title.clone(), description: title, path: paths::info_page(&slug), ..Default::default() };
    view! { <Document meta=meta><article class="prose" inner_html=html></article></Document> }
}

/// Where the worker puts the results of `/search?q=…` into the search page frame.
/// The frame of the search results page: the worker fills its slots (title, the search box's
/// query, results with facets and pages) per request ([`edgeshop_api::search_frame::fill`]).
#[component]
pub fn SearchPage() -> impl IntoView {
    provide_context(crate::islands::SearchFrame);
    let meta = PageMeta {
        title: edgeshop_api::search_frame::TITLE.into(),
        description: "Search the shop's products.".into(),
        path: "/search/".into(),
        noindex: true,
        ..Default::default()
    };
    view! { <Document meta=meta><div class="search-page" inner_html=edgeshop_api::search_frame::RESULTS></div><LiveResults/></Document> }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let meta = PageMeta {
        title: "Page not found".into(),
        description: "This page does not exist.".into(),
        path: "/404.html".into(),
        noindex: true,
        ..Default::default()
    };
    view! {
        <Document meta=meta>
            <h1>"Page not found"</h1>
            <p>"The page you are looking for is not here. Try the search above or go back to the "<a href="/">"home page"</a>"."</p>
        </Document>
    }
}

#[cfg(test)]
mod tests {
    use super::pager_window;

    fn shown(page: usize, pages: usize) -> String {
        pager_window(page, pages).iter().map(|n| n.map_or("…".to_string(), |n| n.to_string())).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn a_short_listing_links_every_page() {
        assert_eq!(shown(1, 1), "1");
        assert_eq!(shown(1, 5), "1 2 3 4 5");
        assert_eq!(shown(4, 7), "1 2 3 4 5 6 7");
    }

    #[test]
    fn a_long_listing_links_the_ends_and_the_neighbours() {
        assert_eq!(shown(1, 4000), "1 2 3 … 4000");
        assert_eq!(shown(50, 4000), "1 … 48 49 50 51 52 … 4000");
        assert_eq!(shown(4000, 4000), "1 … 3998 3999 4000");
        // One page between two shown ones is shown, not left out.
        assert_eq!(shown(5, 10), "1 2 3 4 5 6 7 … 10");
    }
}
