//! One-blob packing of an index directory, and a read-only tantivy `Directory` over it.
//!
//! Layout (little endian): `ESIX` magic, u32 format, u16-prefixed header JSON, u32 file count,
//! then per file (u16 name length, name, u64 offset, u64 length), then the file bytes.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{Directory, DirectoryLock, FileHandle, Lock, OwnedBytes, WatchCallback, WatchHandle, WritePtr};

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

pub fn pack(header: &IndexHeader, files: &[(PathBuf, Vec<u8>)]) -> Vec<u8> {
    let header_json = serde_json::to_vec(header).unwrap_or_default();
    let mut table = Vec::new();
    let names: Vec<String> = files.iter().map(|(p, _)| p.to_string_lossy().into_owned()).collect();
    let table_len: usize = names.iter().map(|n| 2 + n.len() + 16).sum();
    let mut offset = (4 + 4 + 2 + header_json.len() + 4 + table_len) as u64;
    for (name, (_, data)) in names.iter().zip(files) {
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
    for (_, data) in files {
        out.extend_from_slice(data);
    }
    out
}

/// A read-only directory whose files are slices of one in-memory blob.
#[derive(Clone)]
pub struct BlobDirectory {
    files: Arc<HashMap<PathBuf, OwnedBytes>>,
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
        let data = blob.as_slice();
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
        let mut files = HashMap::new();
        for _ in 0..count {
            let name_len = r.u16()? as usize;
            let name = std::str::from_utf8(r.take(name_len)?).map_err(|_| BlobError("file name not UTF-8".into()))?;
            let offset = r.u64()? as usize;
            let len = r.u64()? as usize;
            let end = offset.checked_add(len).filter(|&e| e <= data.len()).ok_or_else(|| BlobError(format!("{name} out of bounds")))?;
            files.insert(PathBuf::from(name), blob.slice(offset..end));
        }
        Ok(BlobDirectory { files: Arc::new(files), header: Arc::new(header) })
    }

    pub fn header(&self) -> &IndexHeader {
        &self.header
    }

    fn file(&self, path: &Path) -> Result<&OwnedBytes, OpenReadError> {
        self.files.get(path).ok_or_else(|| OpenReadError::FileDoesNotExist(path.to_path_buf()))
    }
}

fn read_only() -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, "the search index blob is read-only")
}

impl Directory for BlobDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        Ok(Arc::new(self.file(path)?.clone()))
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
        Ok(self.file(path)?.as_slice().to_vec())
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
