//! The storefront's pages and islands.
//!
//! Pages are rendered once at build time (feature `ssr`, driven by the `edgeshop-site` builder);
//! only the islands (`#[island]`) ship to the browser (feature `hydrate`, bundled by `edgeshop-front`).
#![recursion_limit = "256"]

pub mod api;
pub mod browse;
pub mod commerce;
#[cfg(feature = "ssr")]
pub mod components;
#[cfg(feature = "ssr")]
pub mod context;
pub mod islands;
pub mod live_search;
#[cfg(feature = "ssr")]
pub mod pages;
pub mod paths;
#[cfg(feature = "ssr")]
pub mod render;
#[cfg(feature = "ssr")]
pub mod seo;
#[cfg(feature = "ssr")]
pub mod shell;
pub mod subscribe;

#[cfg(feature = "ssr")]
pub use context::{ResponsiveImage, SiteContext};
#[cfg(feature = "ssr")]
pub use shell::{Document, PageMeta};
