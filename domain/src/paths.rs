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

/// A name Windows keeps for a device (`con`, `nul`, `com1` …): no file or folder can be called
/// that, whatever its extension, so a slug such as `aux` would break a build or an upload made on
/// Windows (`products/aux.html`).
pub fn reserved_on_windows(part: &str) -> bool {
    let numbered = |prefix: &str| part.strip_prefix(prefix).is_some_and(|n| matches!(n.as_bytes(), [b'1'..=b'9']));
    matches!(part, "con" | "prn" | "aux" | "nul") || numbered("com") || numbered("lpt")
}

pub fn info_page(slug: &str) -> String {
    format!("/pages/{slug}/")
}

pub fn image(file: &str) -> String {
    format!("/images/{file}")
}

pub const STYLESHEET: &str = "/assets/style.css";

#[cfg(test)]
mod tests {
    #[test]
    fn device_names_windows_keeps_are_reserved_and_words_that_start_with_them_are_not() {
        for name in ["con", "prn", "aux", "nul", "com1", "com9", "lpt3"] {
            assert!(super::reserved_on_windows(name), "{name}");
        }
        for name in ["console", "auxiliary", "null", "com", "com0", "com10", "lpt", "nul-bag", "icon"] {
            assert!(!super::reserved_on_windows(name), "{name}");
        }
    }
}
