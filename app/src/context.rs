//! Shop-wide facts every page needs, provided as context by the builder (the header, the footer and
//! the pages read them; the document shell puts them together).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Shop-wide facts every page needs, provided as context by the builder (and by the worker, which
/// renders the product pages a build leaves to the edge from the same facts: `site.json`).
/// Not the catalog version: a page shows only what it is made from, so a rebuild leaves the pages
/// a change does not touch as they are (the API and `_catalog/catalog.json` carry the version).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SiteContext {
    pub shop_name: String,
    pub locale: String,
    pub base_url: String,
    /// Top-level categories for navigation: (slug, name).
    pub nav: Vec<(String, String)>,
    /// Info pages for the footer: (slug, title).
    pub info_pages: Vec<(String, String)>,
    /// Rendered sizes of each catalog image, by file name (empty: the originals are used).
    pub images: std::collections::HashMap<String, ResponsiveImage>,
    #[serde(skip, default = "SiteContext::leptos_options")]
    pub leptos: LeptosOptions,
    /// `cargo xtask dev`: pages load `/_dev/reload.js`, which reloads them after a rebuild.
    pub dev_reload: bool,
}

impl SiteContext {
    /// Where the pages find the browser bundle (`/pkg/front.js`), the same for every page.
    pub fn leptos_options() -> LeptosOptions {
        LeptosOptions::builder().output_name("front").site_pkg_dir("pkg").build()
    }

    /// The address of a catalog image's original file.
    pub fn image_src(&self, file: &str) -> String {
        self.images.get(file).filter(|r| !r.src.is_empty()).map_or_else(|| crate::paths::image(file), |r| r.src.clone())
    }
}

pub fn site() -> Arc<SiteContext> {
    use_context::<Arc<SiteContext>>().expect("the builder provides SiteContext")
}

/// `srcset`s of one image: lossless WebP and a PNG/JPEG fallback at a few widths.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResponsiveImage {
    pub webp_srcset: String,
    pub fallback_srcset: String,
    /// The largest fallback, for `src` and for share images (social sites want raster images).
    pub fallback_src: String,
    /// The original file's address (`/images/<file>`, or `/media/<hash>/<name>` from R2).
    #[serde(default)]
    pub src: String,
}
