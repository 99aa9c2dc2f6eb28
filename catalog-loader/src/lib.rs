//! Loads a shop directory into a validated [`Catalog`].
//!
//! Every problem is reported as `file:line: message`, all of them at once, so a merchant can fix
//! a broken catalog in one pass. The catalog version is a hash of every input file.

mod cache;
mod image_size;
pub mod iso;
mod raw;
mod validate;

/// Maps and sets of slugs, SKUs, digests and paths that only a build reads: hashed with foldhash,
/// not SipHash (a build holds no map an outsider can fill to collide).
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

pub use image_size::{image_size, is_svg};

use edgeshop_domain::Catalog;
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in one catalog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    pub file: PathBuf,
    /// 1-based; 0 when the problem is about the file as a whole.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
        }
    }
}

/// All problems found in a catalog, in file order.
#[derive(Debug, Clone)]
pub struct CatalogErrors(pub Vec<CatalogError>);

impl fmt::Display for CatalogErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.0 {
            writeln!(f, "{e}")?;
        }
        write!(f, "{} problem(s) in the catalog; the build stopped", self.0.len())
    }
}

impl std::error::Error for CatalogErrors {}

/// A shop info page (`pages/<slug>.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct InfoPage {
    pub slug: String,
    pub title: String,
    pub markdown: String,
}

/// Everything the build needs from a shop directory.
#[derive(Debug, Clone)]
pub struct LoadedShop {
    pub catalog: Catalog,
    pub pages: Vec<InfoPage>,
    pub images_dir: PathBuf,
    /// The file each product comes from, relative to the catalog directory (by slug).
    pub product_files: std::collections::HashMap<String, String>,
    /// SHA-256 of each file under `images/`, by name (read once, here).
    pub image_digests: std::collections::HashMap<String, [u8; 32]>,
    /// What [`LoadedShop::save_cache`] writes: the products validated, when [`load_cached`] found
    /// the cache out of date.
    cache_update: Option<Vec<cache::Validated>>,
}

impl LoadedShop {
    /// Saves the products validated by [`load_cached`] for the next load with `cache`, when files
    /// changed since the cache was written (only the next load's speed depends on it, so the
    /// caller may do this beside other work).
    pub fn save_cache(&self, cache: &ProductCache) -> Result<(), String> {
        match &self.cache_update {
            Some(validated) => cache::write(cache.path, cache.key, validated, &self.catalog.products),
            None => Ok(()),
        }
    }
}

/// Loads and validates the shop in `dir`.
pub fn load(dir: &Path) -> Result<LoadedShop, CatalogErrors> {
    load_with(dir, None)
}

/// Where [`load_cached`] keeps the products it validated, and the key it is valid for (the
/// caller's identity: a cache written by another program is not used).
pub struct ProductCache<'a> {
    pub path: &'a Path,
    pub key: &'a str,
}

/// [`load`], parsing only the product files that changed since the last call with this cache
/// (the same catalog, errors and version as [`load`]); [`LoadedShop::save_cache`] updates it.
pub fn load_cached(dir: &Path, cache: &ProductCache) -> Result<LoadedShop, CatalogErrors> {
    load_with(dir, Some(cache))
}

fn load_with(dir: &Path, product_cache: Option<&ProductCache>) -> Result<LoadedShop, CatalogErrors> {
    let mut hasher = Sha256::new();
    let mut errors = Vec::new();
    let read_cache = || product_cache.map(|c| cache::read(c.path, c.key)).unwrap_or_default();
    // Image and product files unchanged since the last build (by their stamps) are not read again.
    let stamps_path = product_cache.map(|c| (c.path.with_file_name("files.cache"), c.key));
    let file_stamps = stamps_path.as_ref().map(|(path, key)| cache::read_stamps(path, key)).unwrap_or_default();
    let (mut sources, mut cached) = raw::read_sources(dir, read_cache, &file_stamps, &mut hasher, &mut errors);
    let had = cached.len();
    let mut validated = Vec::new();
    // The files' new stamps are written while the catalog is checked.
    let stamps = std::mem::take(&mut sources.file_stamps);
    let built = std::thread::scope(|s| {
        s.spawn(|| {
            if let Some((path, key)) = stamps_path.filter(|_| stamps != file_stamps) {
                if let Err(e) = cache::write_stamps(&path, key, &stamps) {
                    // Only the next build's speed depends on it.
                    eprintln!("warning: {e}");
                }
            }
        });
        validate::build_catalog(&sources, &mut cached, &mut validated, &mut errors)
    });
    match built {
        Some(mut catalog) if errors.is_empty() => {
            catalog.version = hex16(&hasher.finalize());
            let product_files =
                validated.iter().map(|v| (v.slug.clone(), v.path.strip_prefix(dir).unwrap_or(&v.path).to_string_lossy().into_owned())).collect();
            let image_digests = sources.images.into_iter().map(|(name, image)| (name, image.digest)).collect();
            // Rewritten when a product file was parsed or one the cache held is gone.
            let used = had - cached.len();
            let cache_update = Some(validated).filter(|v| product_cache.is_some() && (used != v.len() || !cached.is_empty()));
            Ok(LoadedShop { catalog, pages: sources.pages, images_dir: dir.join("images"), product_files, image_digests, cache_update })
        }
        _ => Err(CatalogErrors(errors)),
    }
}

fn hex16(digest: &[u8]) -> String {
    edgeshop_domain::text::hex(&digest[..8])
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(src: &str, offset: usize) -> usize {
    src.as_bytes()[..offset.min(src.len())].iter().filter(|&&b| b == b'\n').count() + 1
}
