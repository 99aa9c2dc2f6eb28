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

pub fn info_page(slug: &str) -> String {
    format!("/pages/{slug}/")
}

pub fn image(file: &str) -> String {
    format!("/images/{file}")
}

pub const STYLESHEET: &str = "/assets/style.css";
