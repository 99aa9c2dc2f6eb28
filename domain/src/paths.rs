//! URLs of the static pages, in one place (the builder, the islands and the worker use these).

pub fn category(slug: &str, page: usize) -> String {
    if page <= 1 {
        format!("/c/{slug}/")
    } else {
        format!("/c/{slug}/page/{page}/")
    }
}

pub fn product(slug: &str) -> String {
    format!("/products/{slug}/")
}

/// Where the build writes a product's page among the static files: `products/{slug}.html`, served
/// at [`product`]'s address (`html_handling = "force-trailing-slash"`). A file rather than a
/// folder's `index.html`: a 20k-product build creates 20k fewer directories.
pub fn product_file(slug: &str) -> String {
    format!("products/{slug}.html")
}

pub fn info_page(slug: &str) -> String {
    format!("/pages/{slug}/")
}

pub fn image(file: &str) -> String {
    format!("/images/{file}")
}

pub const STYLESHEET: &str = "/assets/style.css";
