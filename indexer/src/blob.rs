//! One-blob packing of an index directory, and a read-only tantivy `Directory` over it.
//!
//! Layout (little endian): `ESIX` magic, u32 format, u16-prefixed header JSON, u32 file count,
//! then per file (u16 name length, name, u64 offset, u64 length), then the file bytes.
//!
//! Files come in two groups. The eager ones (term dictionaries, fast fields, field norms, stored
//! documents, positions) are read at open or by nearly every query and come first. The postings
//! (`.idx`, more than half of the blob) come last: the worker fetches them in fixed-size chunks
//! as queries need them ([`ChunkedBlob`]), so a cold open moves less than half the bytes.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{Directory, DirectoryLock, FileHandle, Lock, OwnedBytes, WatchCallback, WatchHandle, WritePtr};
use tantivy::HasLen;

const MAGIC: &[u8; 4] = b"ESIX";
const FORMAT: u32 = 1;

/// What the index says about itself, readable without opening tantivy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndexHeader {
    /// The catalog content hash this index was built from.
    pub catalog_version: String,
    /// BCP 47 locale of the shop; picks stemmer and stop words.
    pub locale: String,
    pub documents: u64,
}

#[derive(Debug)]
pub struct BlobError(pub String);

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad search index blob: {}", self.0)
    }
}

impl std::error::Error for BlobError {}

/// Files read in pieces on demand: the postings lists.
pub fn is_lazy(name: &str) -> bool {
    name.ends_with(".idx")
}

pub fn pack(header: &IndexHeader, files: &[(PathBuf, Vec<u8>)]) -> Vec<u8> {
    // Eager files first, so that they form one prefix of the blob.
    let mut files: Vec<&(PathBuf, Vec<u8>)> = files.iter().collect();
    files.sort_by_key(|(p, _)| is_lazy(&p.to_string_lossy()));
    let header_json = serde_json::to_vec(header).unwrap_or_default();
    let mut table = Vec::new();
    let names: Vec<String> = files.iter().map(|(p, _)| p.to_string_lossy().into_owned()).collect();
    let table_len: usize = names.iter().map(|n| 2 + n.len() + 16).sum();
    let mut offset = (4 + 4 + 2 + header_json.len() + 4 + table_len) as u64;
    for (name, (_, data)) in names.iter().zip(&files) {
        table.extend_from_slice(&(name.len() as u16).to_le_bytes());
        table.extend_from_slice(name.as_bytes());
        table.extend_from_slice(&offset.to_le_bytes());
        table.extend_from_slice(&(data.len() as u64).to_le_bytes());
        offset += data.len() as u64;
    }
    let mut out = Vec::with_capacity(offset as usize);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&(header_json.len() as u16).to_le_bytes());
    out.extend_from_slice(&header_json);
    out.extend_from_slice(&(files.len() as u32).to_le_bytes());
    out.extend_from_slice(&table);
    for (_, data) in &files {
        out.extend_from_slice(data);
    }
    out
}

/// Where the lazy files are, for shipping the blob in parts: the eager prefix in one piece, the
/// rest in chunks of `chunk_bytes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobLayout {
    /// Length of the prefix holding the table and every eager file.
    pub eager_bytes: usize,
    pub chunk_bytes: usize,
    /// Chunks after the prefix (the last one may be shorter).
    pub chunks: usize,
    /// Chunks holding the end of a lazy file: tantivy reads file footers when it opens the index,
    /// so these are fetched with the prefix.
    pub tail_chunks: Vec<usize>,
}

/// What tantivy reads at the end of a file when opening it (footer and composite-file table).
const FOOTER_READ: usize = 4096;

pub fn layout(blob: &[u8], chunk_bytes: usize) -> Result<BlobLayout, BlobError> {
    if chunk_bytes == 0 {
        return Err(BlobError("chunk size 0".into()));
    }
    let (_, table) = parse_table(blob)?;
    let eager_bytes = table.iter().filter(|f| is_lazy(&f.name)).map(|f| f.range.start).min().unwrap_or(blob.len());
    if let Some(f) = table.iter().find(|f| !is_lazy(&f.name) && f.range.end > eager_bytes) {
        return Err(BlobError(format!("{} comes after the postings; the blob was not packed by this version", f.name)));
    }
    let mut tail_chunks = BTreeSet::new();
    for f in table.iter().filter(|f| is_lazy(&f.name) && !f.range.is_empty()) {
        let from = f.range.end.saturating_sub(FOOTER_READ).max(f.range.start) - eager_bytes;
        let to = f.range.end - 1 - eager_bytes;
        tail_chunks.extend(from / chunk_bytes..=to / chunk_bytes);
    }
    Ok(BlobLayout {
        eager_bytes,
        chunk_bytes,
        chunks: (blob.len() - eager_bytes).div_ceil(chunk_bytes),
        tail_chunks: tail_chunks.into_iter().collect(),
    })
}

struct TableEntry {
    name: String,
    range: Range<usize>,
}

/// The header and the file table read from the start of a blob of `total_len` bytes (`data` may
/// be only its eager prefix); every file range is checked against `total_len`.
fn parse_table_within(data: &[u8], total_len: usize) -> Result<(IndexHeader, Vec<TableEntry>), BlobError> {
    let mut r = Reader { data, pos: 0 };
    if r.take(4)? != MAGIC {
        return Err(BlobError("wrong magic".into()));
    }
    let format = r.u32()?;
    if format != FORMAT {
        return Err(BlobError(format!("format {format}, expected {FORMAT}")));
    }
    let header_len = r.u16()? as usize;
    let header: IndexHeader = serde_json::from_slice(r.take(header_len)?).map_err(|e| BlobError(e.to_string()))?;
    let count = r.u32()?;
    let mut table = Vec::new();
    for _ in 0..count {
        let name_len = r.u16()? as usize;
        let name = std::str::from_utf8(r.take(name_len)?).map_err(|_| BlobError("file name not UTF-8".into()))?.to_string();
        let offset = r.u64()? as usize;
        let len = r.u64()? as usize;
        let end = offset.checked_add(len).filter(|&e| e <= total_len).ok_or_else(|| BlobError(format!("{name} out of bounds")))?;
        table.push(TableEntry { name, range: offset..end });
    }
    Ok((header, table))
}

fn parse_table(blob: &[u8]) -> Result<(IndexHeader, Vec<TableEntry>), BlobError> {
    parse_table_within(blob, blob.len())
}

/// The files packed in `blob` by [`pack`], by name.
pub fn unpack(blob: &[u8]) -> Result<Vec<(PathBuf, &[u8])>, BlobError> {
    let (_, table) = parse_table(blob)?;
    Ok(table.into_iter().map(|e| (PathBuf::from(e.name), &blob[e.range])).collect())
}

/// The blob as a worker holds it: the eager prefix, and the chunks of the rest fetched so far.
/// A read that needs a chunk not yet here fails and notes the chunk, so the caller can fetch
/// what is missing and run the query again.
pub struct ChunkedBlob {
    eager: OwnedBytes,
    len: usize,
    chunk_bytes: usize,
    chunks: Mutex<HashMap<usize, OwnedBytes>>,
    missing: Mutex<BTreeSet<usize>>,
}

impl fmt::Debug for ChunkedBlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChunkedBlob({} of {} bytes eager)", self.eager.len(), self.len)
    }
}

/// Locks a mutex whatever a panicking holder left behind (the data stays consistent: every
/// critical section is a single insert or take).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ChunkedBlob {
    /// A blob that is all here.
    pub fn whole(blob: OwnedBytes) -> Self {
        let len = blob.len();
        ChunkedBlob { eager: blob, len, chunk_bytes: len.max(1), chunks: Mutex::default(), missing: Mutex::default() }
    }

    /// The eager prefix of a blob of `len` bytes whose rest comes in chunks of `chunk_bytes`.
    pub fn new(eager: OwnedBytes, len: usize, chunk_bytes: usize) -> Result<Self, BlobError> {
        if eager.len() > len || chunk_bytes == 0 {
            return Err(BlobError(format!("prefix of {} bytes for a blob of {len} in chunks of {chunk_bytes}", eager.len())));
        }
        Ok(ChunkedBlob { eager, len, chunk_bytes, chunks: Mutex::default(), missing: Mutex::default() })
    }

    /// Chunks after the prefix.
    pub fn chunk_count(&self) -> usize {
        (self.len - self.eager.len()).div_ceil(self.chunk_bytes)
    }

    fn chunk_range(&self, i: usize) -> Range<usize> {
        let start = self.eager.len() + i * self.chunk_bytes;
        start..(start + self.chunk_bytes).min(self.len)
    }

    /// Adds chunk `i`, checking its length.
    pub fn add_chunk(&self, i: usize, bytes: OwnedBytes) -> Result<(), BlobError> {
        if i >= self.chunk_count() || bytes.len() != self.chunk_range(i).len() {
            return Err(BlobError(format!(
                "chunk {i}: {} bytes, expected {}",
                bytes.len(),
                if i < self.chunk_count() { self.chunk_range(i).len() } else { 0 }
            )));
        }
        lock(&self.chunks).insert(i, bytes);
        Ok(())
    }

    pub fn has_chunk(&self, i: usize) -> bool {
        lock(&self.chunks).contains_key(&i)
    }

    /// Chunks that reads needed and did not find since the last call.
    pub fn take_missing(&self) -> Vec<usize> {
        std::mem::take(&mut *lock(&self.missing)).into_iter().collect()
    }

    /// Bytes `range` of the blob.
    fn read(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        if range.end > self.len || range.start > range.end {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("bytes {range:?} of a {}-byte index", self.len)));
        }
        if range.end <= self.eager.len() {
            return Ok(self.eager.slice(range));
        }
        if range.start < self.eager.len() {
            return Err(io::Error::other(format!("bytes {range:?} straddle the end of the eager part")));
        }
        let first = (range.start - self.eager.len()) / self.chunk_bytes;
        let last = (range.end - 1 - self.eager.len()) / self.chunk_bytes;
        let chunks = lock(&self.chunks);
        let absent: Vec<usize> = (first..=last).filter(|i| !chunks.contains_key(i)).collect();
        if !absent.is_empty() {
            lock(&self.missing).extend(absent);
            return Err(io::Error::other(format!("search index chunks {first}..={last} are not loaded yet")));
        }
        let piece = |i: usize| {
            let at = self.chunk_range(i);
            let (from, to) = (range.start.max(at.start) - at.start, range.end.min(at.end) - at.start);
            chunks[&i].slice(from..to)
        };
        if first == last {
            return Ok(piece(first));
        }
        let mut joined = Vec::with_capacity(range.len());
        for i in first..=last {
            joined.extend_from_slice(piece(i).as_slice());
        }
        Ok(OwnedBytes::new(joined))
    }
}

/// One lazy file of a [`ChunkedBlob`].
#[derive(Debug)]
struct LazyFile {
    blob: Arc<ChunkedBlob>,
    start: usize,
    len: usize,
}

impl HasLen for LazyFile {
    fn len(&self) -> usize {
        self.len
    }
}

impl FileHandle for LazyFile {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        if range.end > self.len {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("bytes {range:?} of a {}-byte file", self.len)));
        }
        self.blob.read(self.start + range.start..self.start + range.end)
    }
}

/// A read-only directory whose files are slices of one blob, held whole or as a [`ChunkedBlob`].
#[derive(Clone)]
pub struct BlobDirectory {
    files: Arc<HashMap<PathBuf, Range<usize>>>,
    blob: Arc<ChunkedBlob>,
    header: Arc<IndexHeader>,
}

impl fmt::Debug for BlobDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobDirectory({} files)", self.files.len())
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BlobError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len()).ok_or_else(|| BlobError("truncated".into()))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16, BlobError> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().map_err(|_| BlobError("truncated".into()))?))
    }
    fn u32(&mut self) -> Result<u32, BlobError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| BlobError("truncated".into()))?))
    }
    fn u64(&mut self) -> Result<u64, BlobError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().map_err(|_| BlobError("truncated".into()))?))
    }
}

impl BlobDirectory {
    /// Parses the blob's table; file bytes are shared, never copied.
    pub fn open(blob: OwnedBytes) -> Result<Self, BlobError> {
        Self::open_chunked(Arc::new(ChunkedBlob::whole(blob)))
    }

    /// The directory over a blob whose lazy files arrive in chunks.
    pub fn open_chunked(blob: Arc<ChunkedBlob>) -> Result<Self, BlobError> {
        let (header, table) = parse_table_within(blob.eager.as_slice(), blob.len)?;
        let files = table.into_iter().map(|f| (PathBuf::from(f.name), f.range)).collect();
        Ok(BlobDirectory { files: Arc::new(files), blob, header: Arc::new(header) })
    }

    pub fn header(&self) -> &IndexHeader {
        &self.header
    }

    fn file(&self, path: &Path) -> Result<&Range<usize>, OpenReadError> {
        self.files.get(path).ok_or_else(|| OpenReadError::FileDoesNotExist(path.to_path_buf()))
    }
}

fn read_only() -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, "the search index blob is read-only")
}

impl Directory for BlobDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        let range = self.file(path)?.clone();
        if range.end <= self.blob.eager.len() {
            return Ok(Arc::new(self.blob.eager.slice(range)));
        }
        Ok(Arc::new(LazyFile { blob: self.blob.clone(), start: range.start, len: range.len() }))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        Err(DeleteError::IoError { io_error: Arc::new(read_only()), filepath: path.to_path_buf() })
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        Ok(self.files.contains_key(path))
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::IoError { io_error: Arc::new(read_only()), filepath: path.to_path_buf() })
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        let range = self.file(path)?.clone();
        let bytes = self.blob.read(range).map_err(|e| OpenReadError::IoError { io_error: Arc::new(e), filepath: path.to_path_buf() })?;
        Ok(bytes.as_slice().to_vec())
    }

    fn atomic_write(&self, _path: &Path, _data: &[u8]) -> io::Result<()> {
        Err(read_only())
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    /// Nothing ever writes, so there is nothing to lock against.
    fn acquire_lock(&self, _lock: &Lock) -> Result<DirectoryLock, LockError> {
        Ok(DirectoryLock::from(Box::new(())))
    }

    fn watch(&self, _callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }
}
