//! Products as the last build validated them, by the SHA-256 of their file: a rebuild parses and
//! checks only the product files that changed. A cached product is used only after the checks
//! that depend on other files (category, images, currency, unique slug and SKUs) pass again;
//! otherwise its file is parsed as if there were no cache, so every error keeps its file:line.
//! The cache is tied to a key from the caller (the builder's identity): another builder, or a
//! file that cannot be read, means no cache.

use crate::FastMap;
use bincode::Options;
use edgeshop_domain::Product;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub(crate) type Digest = [u8; 32];

/// A product file as it was validated: the product, and the lines of its slug and SKUs (which
/// a duplicate elsewhere points at).
#[derive(Deserialize)]
pub(crate) struct Entry {
    pub slug_line: usize,
    pub sku_lines: Vec<usize>,
    pub product: Product,
}

/// [`Entry`] as written, borrowing the catalog's product (same fields, same order).
#[derive(Serialize)]
struct EntryRef<'a> {
    slug_line: usize,
    sku_lines: &'a [usize],
    product: &'a Product,
}

/// A product file of this build that validated: what the next build's cache holds for it.
#[derive(Debug, Clone)]
pub(crate) struct Validated {
    pub digest: Digest,
    pub path: PathBuf,
    pub slug: String,
    pub slug_line: usize,
    pub sku_lines: Vec<usize>,
}

/// Bumped when the file's layout changes (besides the caller's key).
const FORMAT: &str = "edgeshop product cache 1";

/// The entries stored at `path` under `key`; none when there is no such file or it was written
/// for another key or cannot be decoded.
pub(crate) fn read(path: &Path, key: &str) -> FastMap<Digest, Entry> {
    let Ok(bytes) = std::fs::read(path) else { return FastMap::default() };
    // No length read from the file may ask for more than the file holds. Decoded from memory: a
    // third faster than through a buffered reader.
    let decoded = bincode::options().with_limit(bytes.len() as u64).deserialize::<(String, String, Vec<(Digest, Entry)>)>(&bytes);
    match decoded {
        Ok((format, stored_key, entries)) if format == FORMAT && stored_key == key => entries.into_iter().collect(),
        _ => FastMap::default(),
    }
}

/// Replaces the cache at `path` with this build's products (written beside and renamed, so a
/// build that stops half-way leaves the old cache or the new one).
pub(crate) fn write(path: &Path, key: &str, validated: &[Validated], products: &[Product]) -> Result<(), String> {
    let by_slug: FastMap<&str, &Product> = products.iter().map(|p| (p.slug.as_str(), p)).collect();
    let entries: Vec<(Digest, EntryRef)> = validated
        .iter()
        .filter_map(|v| by_slug.get(v.slug.as_str()).map(|p| (v.digest, EntryRef { slug_line: v.slug_line, sku_lines: &v.sku_lines, product: p })))
        .collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let partial = path.with_extension("partial");
    let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", partial.display());
    let mut file = std::io::BufWriter::new(std::fs::File::create(&partial).map_err(|e| failed(&e))?);
    bincode::options().serialize_into(&mut file, &(FORMAT, key, entries)).map_err(|e| failed(&e))?;
    std::io::Write::flush(&mut file).map_err(|e| failed(&e))?;
    drop(file);
    std::fs::rename(&partial, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A file's length, times and inode: when all are as they were, the file is taken to hold the
/// same bytes (as git and make take it). The change time cannot be set back by a tool, and a
/// stamp is kept only once it is a few seconds old, so that a file written again within the
/// clock's resolution of its last reading is not missed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileStamp {
    pub len: u64,
    modified_ns: i128,
    changed_ns: i128,
    inode: u64,
}

/// Seconds a file must have stayed unchanged before its stamp is trusted.
const SETTLED_SECONDS: i128 = 3;

impl FileStamp {
    pub(crate) fn of(meta: &std::fs::Metadata) -> FileStamp {
        let ns = |t: std::io::Result<std::time::SystemTime>| {
            t.ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as i128)
        };
        #[cfg(unix)]
        let (changed_ns, inode) = {
            use std::os::unix::fs::MetadataExt;
            (meta.ctime() as i128 * 1_000_000_000 + meta.ctime_nsec() as i128, meta.ino())
        };
        // Without a change time, no stamp is trusted (see `settled`).
        #[cfg(not(unix))]
        let (changed_ns, inode) = (0, 0);
        FileStamp { len: meta.len(), modified_ns: ns(meta.modified()), changed_ns, inode }
    }

    /// Unchanged for a few seconds now (and with both times to compare).
    pub(crate) fn settled(&self) -> bool {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i128);
        let last = self.modified_ns.max(self.changed_ns);
        self.modified_ns > 0 && self.changed_ns > 0 && now - last > SETTLED_SECONDS * 1_000_000_000
    }
}

/// What a file held when the last build read it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum Known {
    Image(crate::raw::ImageFile),
    /// A product file's SHA-256 (the product cache holds what it validated to).
    Product(Digest),
}

/// What image and product files held when the last build read them, by path under the catalog.
pub(crate) type FileStamps = FastMap<String, (FileStamp, Known)>;

const STAMPS_FORMAT: &str = "edgeshop file stamps 2";

/// The file stamps kept at `path` under `key`; none when there are none.
pub(crate) fn read_stamps(path: &Path, key: &str) -> FileStamps {
    let Ok(file) = std::fs::File::open(path) else { return FastMap::default() };
    let len = file.metadata().map_or(0, |m| m.len());
    let decoded = bincode::options().with_limit(len).deserialize_from::<_, (String, String, FileStamps)>(std::io::BufReader::new(file));
    match decoded {
        Ok((format, stored_key, stamps)) if format == STAMPS_FORMAT && stored_key == key => stamps,
        _ => FastMap::default(),
    }
}

/// Replaces the file stamps at `path` (beside and renamed, as [`write`]).
pub(crate) fn write_stamps(path: &Path, key: &str, stamps: &FileStamps) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let partial = path.with_extension("partial");
    let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", partial.display());
    let bytes = bincode::options().serialize(&(STAMPS_FORMAT, key, stamps)).map_err(|e| failed(&e))?;
    std::fs::write(&partial, bytes).map_err(|e| failed(&e))?;
    std::fs::rename(&partial, path).map_err(|e| format!("{}: {e}", path.display()))
}
