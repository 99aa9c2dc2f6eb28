//! The build's output directory, written incrementally: a file whose bytes are what the last build
//! wrote there is left alone, and a file the last build wrote that this one does not is removed.
//!
//! What the last build wrote is kept beside the bundle (`output.record`, bincode: path → content hash, length,
//! modification time), not in the output (everything there is published). A file changed by hand
//! since (another length or modification time) is written again. Without that record (a first
//! build, another output directory, another builder, a build that stopped half-way), the output is
//! emptied first, as before, so nothing stale survives. Files the builder never writes (the browser bundle `pkg/`,
//! `_dev/build.txt`) are left alone either way.
//!
//! Pages also record a hash of their inputs (`skip_render`), so an unchanged page is neither
//! rendered nor written.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The record's maps and the directory listings: 60k entries a build at 20k products, hashed with
/// foldhash rather than SipHash (nothing an outsider sends goes into them).
type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    /// xxh3 of the bytes (of the source's length and time for a copied or linked file).
    hash: u64,
    /// What the page was made from (0: not a page).
    #[serde(default)]
    inputs: u64,
    len: u64,
    modified_ns: u128,
    /// The inode of a hard link to the source (0: a copy, or not a link). Such a file is checked by
    /// its directory's listing (one read for the directory, no `stat` per file): while the name
    /// still holds that inode, it is the file this builder linked, and an edit through either name
    /// is an edit of the source, which the source's key then tells.
    linked: u64,
}

/// What a build wrote (see [`read_record`]).
#[derive(Default, Serialize, Deserialize)]
pub struct Record {
    out: PathBuf,
    builder: String,
    files: FastMap<String, Entry>,
}

pub struct Output {
    dir: PathBuf,
    record_path: PathBuf,
    builder: String,
    previous: FastMap<String, Entry>,
    now: Mutex<FastMap<String, Entry>>,
    written: AtomicUsize,
    kept: AtomicUsize,
    /// Directories listed (directory → file name → inode), for [`Entry::linked`].
    listings: Mutex<FastMap<PathBuf, Arc<FastMap<std::ffi::OsString, u64>>>>,
}

/// What a build did to its output.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Changes {
    pub written: usize,
    pub kept: usize,
    pub removed: usize,
    /// The output was emptied first (no record of the last build).
    pub from_scratch: bool,
}

/// The file's inode (0 where there is none to tell).
fn inode(meta: &std::fs::Metadata) -> u64 {
    #[cfg(unix)]
    return std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    return 0;
}

/// Every file name in `dir` with its inode (on Unix: the listing tells them without a `stat`).
fn list_inodes(dir: &Path) -> FastMap<std::ffi::OsString, u64> {
    #[cfg(unix)]
    return std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| (e.file_name(), std::os::unix::fs::DirEntryExt::ino(&e))).collect();
    #[cfg(not(unix))]
    return FastMap::default();
}

fn modified_ns(meta: &std::fs::Metadata) -> u128 {
    meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos())
}

/// The last build's record at `record_path`, when there is one that decodes: read apart from
/// [`Output::open_with`], while the catalog loads (20 ms at 20k products).
pub fn read_record(record_path: &Path) -> Option<Record> {
    std::fs::read(record_path).ok().and_then(|b| {
        use bincode::Options;
        // No length read from the file may ask for more than the file holds.
        bincode::options().with_limit(b.len() as u64).deserialize(&b).ok()
    })
}

impl Output {
    /// Opens `dir` for a build by `builder`, with the last build's record from `record_path`;
    /// empties `dir` (but for `pkg/`) when there is no usable record.
    #[cfg(test)]
    pub fn open(dir: &Path, record_path: &Path, builder: &str) -> Result<(Output, bool), String> {
        Output::open_with(dir, record_path, builder, read_record(record_path))
    }

    /// [`Output::open`] with the record already read from `record_path`.
    pub fn open_with(dir: &Path, record_path: &Path, builder: &str, record: Option<Record>) -> Result<(Output, bool), String> {
        // Gone until this build finishes: a build that stops half-way (an error, a crash) leaves
        // files no record lists, so the next one starts from scratch rather than trust it.
        remove_if_there(record_path)?;
        let previous = match record {
            Some(r) if r.out == dir && r.builder == builder && dir.exists() => r.files,
            _ => {
                recreate(dir)?;
                FastMap::default()
            }
        };
        let from_scratch = previous.is_empty();
        let capacity = previous.len();
        let output = Output {
            dir: dir.to_path_buf(),
            record_path: record_path.to_path_buf(),
            builder: builder.to_string(),
            previous,
            // Most of the last build's files are this one's too: no growing as they are kept.
            now: Mutex::new(FastMap::with_capacity_and_hasher(capacity, Default::default())),
            written: AtomicUsize::new(0),
            kept: AtomicUsize::new(0),
            listings: Mutex::new(FastMap::default()),
        };
        Ok((output, from_scratch))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Files this build has put in the output so far (written or kept).
    pub fn files(&self) -> u64 {
        self.lock().len() as u64
    }

    /// The last build's file at `path` is still what it wrote (same length and time on disk; for a
    /// hard link, the same inode under that name).
    fn unchanged_on_disk(&self, path: &str, entry: &Entry) -> bool {
        let file = self.dir.join(path);
        if entry.linked != 0 {
            return file.file_name().is_some_and(|name| self.inode_listed(&file, name) == Some(entry.linked));
        }
        std::fs::metadata(file).is_ok_and(|m| m.len() == entry.len && modified_ns(&m) == entry.modified_ns)
    }

    /// The inode that `file`'s directory lists under `name` (the directory read once per build).
    fn inode_listed(&self, file: &Path, name: &std::ffi::OsStr) -> Option<u64> {
        let dir = file.parent()?;
        let listing = {
            let mut listings = self.listings.lock().unwrap_or_else(|e| e.into_inner());
            match listings.get(dir) {
                Some(listing) => listing.clone(),
                None => {
                    let listing = Arc::new(list_inodes(dir));
                    listings.insert(dir.to_path_buf(), listing.clone());
                    listing
                }
            }
        };
        listing.get(name).copied()
    }

    fn keep(&self, path: &str, entry: Entry) {
        self.kept.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(path.to_string(), entry);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FastMap<String, Entry>> {
        self.now.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, path: &str, hash: u64, inputs: u64) -> Result<(), String> {
        self.record_file(path, hash, inputs, false)
    }

    /// Records what was put at `path`; `linked`: a hard link (see [`Entry::linked`]).
    fn record_file(&self, path: &str, hash: u64, inputs: u64, linked: bool) -> Result<(), String> {
        let file = self.dir.join(path);
        let meta = std::fs::metadata(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        self.written.fetch_add(1, Ordering::Relaxed);
        let linked = if linked { inode(&meta) } else { 0 };
        self.lock().insert(path.to_string(), Entry { hash, inputs, len: meta.len(), modified_ns: modified_ns(&meta), linked });
        Ok(())
    }

    /// Writes `bytes` at `path` (relative, `/`-separated) unless the file already holds them.
    pub fn write(&self, path: &str, bytes: &[u8]) -> Result<(), String> {
        self.write_page(path, 0, bytes)
    }

    fn write_page(&self, path: &str, inputs: u64, bytes: &[u8]) -> Result<(), String> {
        let hash = xxhash_rust::xxh3::xxh3_64(bytes);
        match self.previous.get(path) {
            Some(e) if e.hash == hash && e.len == bytes.len() as u64 && self.unchanged_on_disk(path, e) => {
                self.keep(path, Entry { inputs, ..*e });
                Ok(())
            }
            _ => {
                let target = self.dir.join(path);
                if self.previous.contains_key(path) {
                    // Replaced by a new file renamed over it: a server of the output (`cargo xtask
                    // dev`) never reads half a file, and when the old one is a hard link (an image
                    // the last build linked there) the catalog's original is not written through.
                    crate::replace(&target, bytes)?;
                } else {
                    crate::write(&target, bytes)?;
                }
                self.record(path, hash, inputs)
            }
        }
    }

    /// A page (or any file) made from `inputs` (a hash of everything it shows): rendered by
    /// `render` and written only when those inputs or the file changed since the last build.
    pub fn page<B: AsRef<[u8]>>(&self, path: &str, inputs: u64, render: impl FnOnce() -> B) -> Result<(), String> {
        match self.previous.get(path) {
            Some(e) if e.inputs == inputs && inputs != 0 && self.unchanged_on_disk(path, e) => {
                self.keep(path, *e);
                Ok(())
            }
            _ => self.write_page(path, inputs, render().as_ref()),
        }
    }

    /// Copies `source` to `path`, unless the last build already put this source (by its length and
    /// time) there.
    pub fn copy(&self, source: &Path, path: &str) -> Result<(), String> {
        let meta = std::fs::metadata(source).map_err(|e| format!("{}: {e}", source.display()))?;
        let hash = xxhash_rust::xxh3::xxh3_64(format!("{} {} {}", source.display(), meta.len(), modified_ns(&meta)).as_bytes());
        self.place(source, path, hash, false)
    }

    /// Hard-links (or copies, where linking fails) `source` to `path`, a source whose content `key`
    /// names (a digest of its bytes, or a file named by one): images, the catalog's originals and
    /// the image cache's renders (nothing writes into the output after the build, and a link costs
    /// no bytes). The source is not looked at when the last build put the same there.
    pub fn copy_content(&self, source: &Path, path: &str, key: &[u8]) -> Result<(), String> {
        // Never equal to a hash of a source's stamp (`copy`): another domain.
        self.place(source, path, xxhash_rust::xxh3::xxh3_64_with_seed(key, 0xc0), true)
    }

    fn place(&self, source: &Path, path: &str, hash: u64, link: bool) -> Result<(), String> {
        if let Some(e) = self.previous.get(path).filter(|e| e.hash == hash && self.unchanged_on_disk(path, e)) {
            self.keep(path, *e);
            return Ok(());
        }
        let target = self.dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        // Never copied into: the file there may be a link to another original.
        remove_if_there(&target)?;
        let linked = link && std::fs::hard_link(source, &target).is_ok();
        if !linked {
            std::fs::copy(source, &target).map_err(|e| format!("{}: {e}", target.display()))?;
        }
        self.record_file(path, hash, 0, linked)
    }

    /// Copies every file under `from` to `to` (relative), as [`Output::copy`].
    pub fn copy_dir(&self, from: &Path, to: &str) -> Result<(), String> {
        use rayon::prelude::*;
        let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
        // The entry's type comes with the listing (no `stat` per file).
        let paths: Vec<(PathBuf, bool)> = entries
            .map(|e| {
                e.and_then(|e| {
                    let kind = e.file_type()?;
                    Ok((e.path(), kind.is_dir() || kind.is_symlink() && e.path().is_dir()))
                })
                .map_err(|e| format!("{}: {e}", from.display()))
            })
            .collect::<Result<_, _>>()?;
        paths.par_iter().try_for_each(|(path, is_dir)| {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let target = format!("{to}/{name}");
            if *is_dir {
                self.copy_dir(path, &target)
            } else {
                self.copy(path, &target)
            }
        })
    }

    /// Removes what the last build wrote and this one did not, and saves this build's record.
    pub fn finish(self, from_scratch: bool) -> Result<Changes, String> {
        let now = self.now.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut removed = 0;
        for path in self.previous.keys().filter(|p| !now.contains_key(*p)) {
            let file = self.dir.join(path);
            // A stale file that cannot be removed fails the build (its record is gone, so the
            // next build starts from scratch) rather than being forgotten and published.
            if remove_if_there(&file)? {
                removed += 1;
            }
            // Directories left empty (a removed product's) go too.
            let mut dir = file.parent();
            while let Some(d) = dir.filter(|d| *d != self.dir) {
                if std::fs::remove_dir(d).is_err() {
                    break;
                }
                dir = d.parent();
            }
        }
        let record = Record { out: self.dir.clone(), builder: self.builder, files: now };
        let bytes = {
            use bincode::Options;
            bincode::options().serialize(&record).map_err(|e| e.to_string())?
        };
        crate::write(&self.record_path, &bytes)?;
        Ok(Changes { written: self.written.into_inner(), kept: self.kept.into_inner(), removed, from_scratch })
    }
}

/// Removes `file`; false when it was not there.
fn remove_if_there(file: &Path) -> Result<bool, String> {
    match std::fs::remove_file(file) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(format!("cannot remove {}: {e}", file.display())),
    }
}

/// Empties `dir` but for `pkg/`, the browser bundle another build step writes (a catalog-only
/// rebuild under `cargo xtask dev` keeps it).
fn recreate(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?.flatten() {
        let path = entry.path();
        if entry.file_name() == "pkg" {
            continue;
        }
        let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        removed.map_err(|e| format!("cannot clear {}: {e}", path.display()))?;
    }
    Ok(())
}

/// A hash of a page's inputs: its data as JSON and what every page shares.
pub fn inputs_hash(shared: u64, data: &impl Serialize) -> u64 {
    thread_local! {
        static BYTES: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BYTES.with_borrow_mut(|bytes| {
        bytes.clear();
        // Serialising cannot fail for these types; a failure only costs a render. bincode: a third
        // of JSON's time, for the same bytes in and out; hashed at once (a streaming hasher copied
        // every one of the many small writes).
        if bincode::serialize_into(&mut *bytes, data).is_err() {
            return 0;
        }
        xxhash_rust::xxh3::xxh3_64_with_seed(bytes, shared).max(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(dir: &Path, p: &str) -> String {
        std::fs::read_to_string(dir.join(p)).unwrap()
    }

    #[test]
    fn a_rebuild_writes_only_what_changed_and_removes_what_is_gone() {
        let base = std::env::temp_dir().join(format!("edgeshop-output-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let (dir, record) = (base.join("out"), base.join("bundle/output.record"));
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        std::fs::write(dir.join("stale.html"), "from before any record").unwrap();
        std::fs::write(dir.join("pkg/front.js"), "bundle").unwrap();

        let (out, scratch) = Output::open(&dir, &record, "b1").unwrap();
        assert!(scratch);
        assert!(!dir.join("stale.html").exists(), "no record: emptied first");
        out.write("a/index.html", b"A").unwrap();
        out.write("b/index.html", b"B").unwrap();
        out.page("p/index.html", 7, || "P").unwrap();
        let first = out.finish(scratch).unwrap();
        assert_eq!((first.written, first.kept, first.removed), (3, 0, 0));
        let mtime = |p: &str| std::fs::metadata(dir.join(p)).unwrap().modified().unwrap();
        let a_time = mtime("a/index.html");

        let (out, scratch) = Output::open(&dir, &record, "b1").unwrap();
        assert!(!scratch);
        out.write("a/index.html", b"A").unwrap();
        out.page("p/index.html", 7, || -> String { panic!("unchanged inputs are not rendered") }).unwrap();
        out.write("c.txt", b"C").unwrap();
        let second = out.finish(scratch).unwrap();
        assert_eq!((second.written, second.kept, second.removed), (1, 2, 1));
        assert_eq!(mtime("a/index.html"), a_time, "unchanged file not rewritten");
        assert!(!dir.join("b").exists(), "gone with its directory");
        assert_eq!(read(&dir, "pkg/front.js"), "bundle", "files the builder never wrote are kept");

        // Changed by hand since: written again, although the inputs are the same.
        std::fs::write(dir.join("p/index.html"), "edited by hand").unwrap();
        let (out, scratch) = Output::open(&dir, &record, "b1").unwrap();
        out.page("p/index.html", 7, || "P").unwrap();
        out.page("q/index.html", 8, || "Q").unwrap();
        out.finish(scratch).unwrap();
        assert_eq!(read(&dir, "p/index.html"), "P");

        // A build that stopped half-way leaves no record: the next one starts from scratch.
        let (out, _) = Output::open(&dir, &record, "b1").unwrap();
        out.write("half/index.html", b"H").unwrap();
        drop(out);
        let (out, scratch) = Output::open(&dir, &record, "b1").unwrap();
        assert!(scratch && !dir.join("half").exists());
        out.page("q/index.html", 8, || "Q").unwrap();
        out.finish(scratch).unwrap();

        // A path linked to a source by one build and written by the next: the source is untouched.
        let source = base.join("original.svg");
        std::fs::write(&source, "original").unwrap();
        let (out, scratch) = Output::open(&dir, &record, "b1").unwrap();
        out.copy_content(&source, "img/x.svg", b"original").unwrap();
        out.finish(scratch).unwrap();
        let (out, scratch) = Output::open(&dir, &record, "b1").unwrap();
        out.write("img/x.svg", b"rendered").unwrap();
        out.finish(scratch).unwrap();
        assert_eq!((read(&base, "original.svg"), read(&dir, "img/x.svg")), ("original".to_string(), "rendered".to_string()));

        // Another builder: from scratch.
        let (_, scratch) = Output::open(&dir, &record, "b2").unwrap();
        assert!(scratch);
        assert!(!dir.join("q").exists());
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn a_linked_file_replaced_or_removed_by_hand_is_linked_again() {
        let base = std::env::temp_dir().join(format!("edgeshop-output-links-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let (dir, record) = (base.join("out"), base.join("bundle/output.record"));
        let source = base.join("shoe.svg");
        std::fs::create_dir_all(&base).unwrap();
        std::fs::write(&source, "shoe").unwrap();
        let build = || {
            let (out, scratch) = Output::open(&dir, &record, "b1").unwrap();
            out.copy_content(&source, "images/shoe.svg", b"digest").unwrap();
            out.finish(scratch).unwrap()
        };
        assert_eq!(build().written, 1);
        assert_eq!((build().written, build().kept), (0, 1), "the same key, the same link: kept");

        // Replaced by another file of the same length (as an editor saves: a new inode).
        std::fs::remove_file(dir.join("images/shoe.svg")).unwrap();
        std::fs::write(dir.join("images/shoe.svg"), "SHOE").unwrap();
        assert_eq!(build().written, 1);
        assert_eq!(read(&dir, "images/shoe.svg"), "shoe");

        std::fs::remove_file(dir.join("images/shoe.svg")).unwrap();
        assert_eq!(build().written, 1);
        assert_eq!(read(&dir, "images/shoe.svg"), "shoe");
        let _ = std::fs::remove_dir_all(&base);
    }
}
