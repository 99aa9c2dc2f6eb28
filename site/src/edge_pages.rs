//! Pages left to the edge. A deploy may hold only so many static files (`[deploy] plan` in
//! shop.toml: 20,000 on Free, 100,000 on Paid); when the shop has more pages, the most important
//! product and listing pages stay static files and the rest are written as their rendering inputs
//! into `_catalog/pages-{i}.json` (by [`edgeshop_domain::shard_of`] of the page's path, about
//! [`PAGES_PER_SHARD`] a file), with the shop-wide facts in `_catalog/site.json`. The worker renders
//! such a page on its first request with the same components (`edgeshop_app::render`) and keeps it
//! in the edge cache under the catalog version.

use crate::output::Output;
use crate::render::{MovablePage, ProductPages};
use edgeshop_app::render::EdgePage;
use edgeshop_app::SiteContext;
use edgeshop_domain::shard_of;
use std::collections::{BTreeMap, HashMap};

/// Product pages per shard: a shard is fetched and parsed on a page's first request.
pub const PAGES_PER_SHARD: usize = 32;
/// Files kept free for what is written after the site builder: the browser bundles (`pkg/`:
/// `front.js`, `front_bg.wasm`, `admin.js`, `admin_bg.wasm`), with room to spare.
pub const RESERVED_FILES: u64 = 16;

/// How many of the product and later listing pages are static files; the rest (in `shards` files) go to the edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    pub static_pages: usize,
    pub shards: usize,
}

/// The split of `products` pages (product and later listing pages) when `other_files` are written
/// and the deploy may hold `limit` files, or why no split fits.
pub fn split(products: usize, other_files: u64, limit: u64, advice: &str) -> Result<Split, String> {
    let room = limit.saturating_sub(other_files + RESERVED_FILES) as usize;
    if products <= room {
        return Ok(Split { static_pages: products, shards: 0 });
    }
    let shards = |edge: usize| edge.div_ceil(PAGES_PER_SHARD);
    // The most static pages whose files and the shards of the rest fit the room.
    let mut static_pages = room.saturating_sub(shards(products - room.min(products)));
    while static_pages > 0 && static_pages + shards(products - static_pages) > room {
        static_pages -= 1;
    }
    if static_pages + shards(products - static_pages) > room {
        return Err(format!(
            "the deploy may hold {limit} static files, and the shop's other files (images, first category pages, info pages, catalog data) \
             already take {other_files} of them (and {RESERVED_FILES} are kept for the browser bundles): even with every one of its \
             {products} product and later listing pages rendered at the edge ({} data files) it does not fit. {}",
            shards(products),
            advice
        ));
    }
    Ok(Split { static_pages, shards: shards(products - static_pages) })
}

/// Writes `site.json` (the shop-wide facts without image sizes) into `dir`.
pub fn write_site(out: &Output, dir: &str, site: &SiteContext) -> Result<(), String> {
    let facts = SiteContext { images: HashMap::new(), ..site.clone() };
    out.write(&format!("{dir}/site.json"), &serde_json::to_vec(&facts).map_err(|e| e.to_string())?)
}

/// Writes `these` pages into `shards` files `pages-{i}.json` in `dir`: each a JSON object from the
/// page's path to its [`EdgePage`].
/// Shards are serialised one at a time per core, so memory holds the pages once (a million-product
/// shop leaves most of its pages here).
pub fn write_shards(
    out: &Output,
    dir: &str,
    site: &SiteContext,
    products: &ProductPages,
    these: &[MovablePage],
    shards: usize,
) -> Result<(), String> {
    use rayon::prelude::*;
    let mut buckets: Vec<Vec<(String, &MovablePage)>> = (0..shards).map(|_| Vec::new()).collect();
    for page in these {
        let path = page.path();
        buckets[shard_of(&path, shards as u32) as usize].push((path, page));
    }
    buckets.into_par_iter().enumerate().try_for_each(|(i, bucket)| {
        let shard: BTreeMap<String, EdgePage> = bucket.into_iter().map(|(path, p)| (path, EdgePage::new(site, p.data(products)))).collect();
        out.write(&format!("{dir}/pages-{i}.json"), &serde_json::to_vec(&shard).map_err(|e| e.to_string())?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_is_static_while_the_files_fit() {
        assert_eq!(split(100, 50, 20_000, ""), Ok(Split { static_pages: 100, shards: 0 }));
        assert_eq!(split(100, 0, 116, ""), Ok(Split { static_pages: 100, shards: 0 }));
    }

    #[test]
    fn the_rest_goes_to_the_edge_within_the_limit() {
        for (products, others, limit) in [(101, 0, 116), (25_000, 7_000, 20_000), (1_000_000, 20_000, 100_000), (500, 100, 150)] {
            let s = split(products, others, limit, "").unwrap();
            assert!(s.static_pages < products, "{products} {others} {limit}: {s:?}");
            assert_eq!(s.shards, (products - s.static_pages).div_ceil(PAGES_PER_SHARD));
            let files = others + RESERVED_FILES + (s.static_pages + s.shards) as u64;
            assert!(files <= limit, "{products} {others} {limit}: {s:?} is {files} files");
            // One static page more would not fit.
            let more = s.static_pages + 1 + (products - s.static_pages - 1).div_ceil(PAGES_PER_SHARD);
            assert!(others + RESERVED_FILES + more as u64 > limit, "{products} {others} {limit}: {s:?} leaves room");
        }
    }

    #[test]
    fn a_shop_whose_other_files_fill_the_plan_is_refused_with_the_reason() {
        let why = split(10_000, 19_900, 20_000, "Keep the images in R2.").unwrap_err();
        assert!(why.contains("19900") && why.contains("20000 static files") && why.ends_with("Keep the images in R2."), "{why}");
    }
}
