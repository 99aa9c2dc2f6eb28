//! Pages to HTML, for the static builder and for the worker, which renders the product pages and
//! the later category listing pages a build leaves to the edge (shops with more pages than the
//! plan's static files allow): the same components, the same inputs, so the two give the same bytes.

use crate::components::ProductCard;
use crate::context::{ResponsiveImage, SiteContext};
use crate::pages::{CategoryPage, ProductPage};
use edgeshop_domain::{Category, Product};
use hydration_context::SsrSharedContext;
use leptos::prelude::*;
use leptos::reactive::owner::Owner;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Renders one page; the Owner gives islands a shared context to serialise into.
pub fn render<V: IntoView + 'static>(site: &Arc<SiteContext>, page: impl FnOnce() -> V) -> String {
    let owner = Owner::new_root(Some(Arc::new(SsrSharedContext::new())));
    owner.with(|| {
        provide_context(site.clone());
        page().into_view().to_html()
    })
}

/// Everything a product page shows, worked out by the build (breadcrumb trail, related products,
/// the description's Markdown as HTML).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProductPageData {
    pub product: Product,
    pub trail: Vec<Category>,
    pub description_html: String,
    pub related: Vec<Product>,
}

impl ProductPageData {
    pub fn new(product: Product, trail: Vec<Category>, description_html: String, related: &[&Product]) -> ProductPageData {
        let related = related.iter().map(|p| crate::components::card_fields(p)).collect();
        ProductPageData { product, trail, description_html, related }
    }

    /// The images the page shows (its own and the related products' cards): what an edge-rendered
    /// page needs of the build's image sizes.
    pub fn images(&self) -> impl Iterator<Item = &str> {
        self.product.images.iter().chain(self.related.iter().filter_map(|p| p.images.first())).map(|i| i.file.as_str())
    }
}

pub fn product_page(site: &Arc<SiteContext>, data: ProductPageData) -> String {
    let ProductPageData { product, trail, description_html, related } = data;
    render(site, move || view! { <ProductPage product trail description_html related/> })
}

/// Everything a category listing page shows: its products as their cards show them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CategoryPageData {
    pub category: Category,
    pub trail: Vec<Category>,
    pub subcategories: Vec<Category>,
    pub products: Vec<Product>,
    pub page: usize,
    pub pages: usize,
    pub total: usize,
}

impl CategoryPageData {
    pub fn images(&self) -> impl Iterator<Item = &str> {
        self.products.iter().filter_map(|p| p.images.first()).map(|i| i.file.as_str())
    }
}

pub fn category_page(site: &Arc<SiteContext>, data: CategoryPageData) -> String {
    let CategoryPageData { category, trail, subcategories, products, page, pages, total } = data;
    render(site, move || view! { <CategoryPage category trail subcategories products page pages total/> })
}

pub fn product_card(site: &Arc<SiteContext>, product: Product) -> String {
    render(site, move || view! { <ProductCard product/> })
}

/// The inputs of a page the edge may render.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum PageData {
    Product(Box<ProductPageData>),
    Category(CategoryPageData),
}

impl PageData {
    fn images(&self) -> Vec<&str> {
        match self {
            PageData::Product(p) => p.images().collect(),
            PageData::Category(c) => c.images().collect(),
        }
    }

    /// The page's HTML.
    pub fn render(self, site: &Arc<SiteContext>) -> String {
        match self {
            PageData::Product(p) => product_page(site, *p),
            PageData::Category(c) => category_page(site, c),
        }
    }
}

/// A page left to the edge, as the build writes it into `_catalog/pages-{i}.json` under its path:
/// the page's inputs and the sizes of the images it shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EdgePage {
    pub page: PageData,
    /// In name order, so the same page is the same bytes in every build (a rebuild leaves its
    /// shard as it is).
    pub images: BTreeMap<String, ResponsiveImage>,
}

impl EdgePage {
    pub fn new(site: &SiteContext, page: PageData) -> EdgePage {
        let images = page.images().into_iter().filter_map(|f| site.images.get(f).map(|r| (f.to_string(), r.clone()))).collect();
        EdgePage { page, images }
    }

    /// The page, with the shop-wide facts of `site` (`_catalog/site.json`, which carries no images).
    pub fn render(self, site: &SiteContext) -> String {
        let site = Arc::new(SiteContext { images: self.images.into_iter().collect(), ..site.clone() });
        self.page.render(&site)
    }
}
