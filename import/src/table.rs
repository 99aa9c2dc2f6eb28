//! The CSV file as a table of text cells, checked for what makes a file unreadable: bytes that
//! are not UTF-8, rows with the wrong number of cells (broken quoting shows up as one), duplicate
//! or missing columns. A byte-order mark and Windows line endings are accepted, and so are
//! semicolons or tabs between cells (a spreadsheet's "CSV" in many European locales).

use crate::ImportError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub struct Table {
    pub file: PathBuf,
    index: HashMap<String, usize>,
    pub rows: Vec<Row>,
}

pub struct Row {
    /// Spreadsheet row number: the header is row 1.
    pub number: usize,
    cells: Vec<String>,
}

/// The cell separator, from the header row: a comma, or the semicolon (or tab) that a spreadsheet
/// saving "CSV" in a locale with decimal commas writes instead.
fn delimiter(bytes: &[u8]) -> u8 {
    let header = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut quoted = false;
    let mut counts = [0usize; 3];
    for &b in header {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    [b',', b';', b'\t'].into_iter().zip(counts).max_by_key(|&(d, n)| (n, d == b',')).map_or(b',', |(d, _)| d)
}

impl Table {
    pub fn read(file: &Path, bytes: &[u8]) -> Result<Table, Vec<ImportError>> {
        let error = |row: usize, message: String| vec![ImportError { file: file.into(), row, column: String::new(), message }];
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if let Err(e) = std::str::from_utf8(bytes) {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            let column = at - bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
            return Err(error(
                line,
                format!("byte 0x{:02X} at line {line}, character {column} is not UTF-8: export the file as UTF-8 CSV", bytes[at]),
            ));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(error(1, "the file is empty".into()));
        }
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).delimiter(delimiter(bytes)).from_reader(bytes);
        let headers: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
            Err(e) => return Err(error(1, format!("the header row cannot be read: {e}"))),
        };
        let mut index = HashMap::new();
        let mut errors = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            if !h.is_empty() && index.insert(h.clone(), i).is_some() {
                errors.push(ImportError { file: file.into(), row: 1, column: h.clone(), message: "this column appears twice".into() });
            }
        }
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let number = i + 2;
            match record {
                Ok(r) => rows.push(Row { number, cells: r.iter().map(str::to_string).collect() }),
                Err(e) => {
                    let message = match e.kind() {
                        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
                            "{len} cells where the header has {expected_len} (a quote opened and not closed, or an unquoted comma, shifts the cells)"
                        ),
                        _ => e.to_string(),
                    };
                    errors.push(ImportError { file: file.into(), row: number, column: String::new(), message });
                    if errors.len() >= 50 {
                        break;
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(Table { file: file.into(), index, rows })
        } else {
            Err(errors)
        }
    }

    /// Fails unless every column in `names` is in the header (the export is of another kind).
    pub fn require(&self, names: &[&str], format: &str) -> Result<(), Vec<ImportError>> {
        let missing: Vec<ImportError> = names
            .iter()
            .filter(|n| !self.index.contains_key(**n))
            .map(|n| self.error(1, n, format!("missing column `{n}`: is this a {format} product export?")))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing)
        }
    }

    pub fn has(&self, column: &str) -> bool {
        self.index.contains_key(column)
    }

    /// The trimmed cell (empty when the column is not in the file).
    pub fn get<'a>(&self, row: &'a Row, column: &str) -> &'a str {
        self.index.get(column).and_then(|&i| row.cells.get(i)).map(|s| s.trim()).unwrap_or("")
    }

    pub fn error(&self, row: usize, column: &str, message: impl Into<String>) -> ImportError {
        ImportError { file: self.file.clone(), row, column: column.to_string(), message: message.into() }
    }
}
