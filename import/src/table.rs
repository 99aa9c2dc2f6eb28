//! The CSV file as a table of text cells, checked for what makes a file unreadable: bytes that
//! are not UTF-8 (or UTF-16 with its mark), rows with more cells than the header (broken quoting
//! shows up as one), a name given to two columns that hold different cells, missing columns. A
//! byte-order mark and Windows line endings are accepted, and so are semicolons or tabs between
//! cells (a spreadsheet's "CSV" in many European locales), rows shorter than the header (their
//! missing cells are empty; not a last row whose quoted cell runs to the end of the file, which
//! is cut short) and rows with nothing in them (a spreadsheet saves cleared rows as `,,,,`:
//! skipped). Columns are found whatever their case, and under the other names an exporter gives
//! them ([`Table::alias`]: versions, languages).

use crate::ImportError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub struct Table {
    pub file: PathBuf,
    /// Columns by their name in lower case.
    index: HashMap<String, usize>,
    /// The header as the file writes it.
    headers: Vec<String>,
    /// Whether a column was found under another name ([`Table::alias`]).
    aliased: bool,
    pub rows: Vec<Row>,
}

pub struct Row {
    /// Spreadsheet row number: the header is row 1.
    pub number: usize,
    cells: Vec<String>,
}

/// Whether a cell holds lines that look like rows of the file (a quote left open swallowed them).
fn swallowed_rows(cell: &str, sep: u8, columns: usize) -> bool {
    cell.lines().skip(1).any(|line| 2 * line.bytes().filter(|b| *b == sep).count() >= columns.max(2))
}

/// Whether the file ends inside a quoted cell: quotes open a cell only at its start, and a
/// doubled quote inside one is a quote character.
fn ends_in_open_quote(bytes: &[u8]) -> bool {
    let (mut quoted, mut at_cell_start) = (false, true);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else if b == b'"' && at_cell_start {
            quoted = true;
        }
        at_cell_start = !quoted && matches!(b, b',' | b';' | b'\t' | b'\n' | b'\r');
        i += 1;
    }
    quoted
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
        // Excel's "Unicode Text" and some exporters write UTF-16, with its byte-order mark.
        if let Some(decoded) = utf16(bytes) {
            return match decoded {
                Some(text) => Table::read(file, text.as_bytes()),
                None => Err(error(1, "the file says it is UTF-16 but holds bytes that are not: export the file as UTF-8 CSV".into())),
            };
        }
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
        let sep = delimiter(bytes);
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).delimiter(sep).from_reader(bytes);
        let headers: Vec<String> = match reader.headers() {
            // A byte-order mark that is not the first byte (after blank lines) is no part of a name.
            Ok(h) => h.iter().map(|s| s.trim().trim_start_matches('\u{feff}').trim().to_string()).collect(),
            Err(e) => return Err(error(1, format!("the header row cannot be read: {e}"))),
        };
        // Columns by name, with every place a name appears (a spreadsheet may have left a name in
        // the header twice, or junk in cells past the export's own columns).
        let mut places: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, h) in headers.iter().enumerate().filter(|(_, h)| !h.is_empty()) {
            match places.iter_mut().find(|(k, _)| *k == key(h)) {
                Some((_, at)) => at.push(i),
                None => places.push((key(h), vec![i])),
            }
        }
        let mut errors = Vec::new();
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let number = i + 2;
            match record {
                // Cells past the header that hold something, or fewer cells than the header with
                // a line in a cell that reads as a row of its own (half the header's separators):
                // a quote swallowed the cells (and maybe the lines) after it. A short row with a
                // description of several lines is a spreadsheet that left out empty last cells.
                Ok(r)
                    if r.iter().skip(headers.len()).any(|c| !c.trim().is_empty())
                        || (r.len() < headers.len() && r.iter().any(|c| swallowed_rows(c, sep, headers.len()))) =>
                {
                    errors.push(ImportError {
                        file: file.into(),
                        row: number,
                        column: String::new(),
                        message: format!(
                            "{} cells where the header has {} (a quote opened and not closed, or an unquoted comma, shifts the cells)",
                            r.len(),
                            headers.len()
                        ),
                    })
                }
                Ok(r) if r.iter().all(|c| c.trim().is_empty()) => {}
                Ok(r) => rows.push(Row { number, cells: r.iter().map(str::to_string).collect() }),
                Err(e) => {
                    errors.push(ImportError { file: file.into(), row: number, column: String::new(), message: e.to_string() });
                    if errors.len() >= 50 {
                        break;
                    }
                }
            }
        }
        // A quote left open at the end swallows the rest of the file into the last row's cell,
        // which the reader takes as a short row: the file was cut short (or the quote is stray).
        if errors.is_empty() && ends_in_open_quote(bytes) {
            let last = rows.last().filter(|r| r.cells.len() < headers.len()).map(|r| r.number);
            if let Some(row) = last {
                let message = format!(
                    "a quoted cell is not closed before the end of the file, and the row has {} of the header's {} cells: \
                     the file seems cut short (or a stray quote opened a cell)",
                    rows.last().map_or(0, |r| r.cells.len()),
                    headers.len()
                );
                errors.push(ImportError { file: file.into(), row, column: String::new(), message });
            }
        }
        let mut index = HashMap::new();
        for (name, at) in places {
            match one_column(&at, &rows) {
                Ok(i) => {
                    index.insert(name, i);
                }
                Err((a, b)) => errors.push(ImportError {
                    file: file.into(),
                    row: 1,
                    column: String::new(),
                    message: format!(
                        "columns {} and {} are both named `{}` and hold different cells: delete the one that is not the export's",
                        column_name(a),
                        column_name(b),
                        headers[a]
                    ),
                }),
            }
        }
        if errors.is_empty() {
            Ok(Table { file: file.into(), index, headers, aliased: false, rows })
        } else {
            Err(errors)
        }
    }

    /// Other names of the columns this import reads (`(name, [other names])`; `{n}` in a name
    /// stands for 1 to 20, as in `Attribute {n} name`): a column missing under its name is read
    /// under the first other name the file has.
    pub fn alias(&mut self, names: &[(&str, &[&str])]) {
        for (name, others) in names {
            let numbered = if name.contains("{n}") { (1..=20).map(Some).collect() } else { vec![None] };
            for n in numbered {
                let spell = |s: &str| n.map_or(key(s), |n| key(&s.replace("{n}", &n.to_string())));
                let name = spell(name);
                if self.index.contains_key(&name) {
                    continue;
                }
                if let Some(&i) = others.iter().find_map(|o| self.index.get(&spell(o))) {
                    self.index.insert(name, i);
                    self.aliased = true;
                }
            }
        }
    }

    /// What to do with a product file of a kind the import does not read, when its header names it.
    fn known_other_export(&self) -> Option<&'static str> {
        if self.has("post_title") && (self.has("regular_price") || self.has("post_content")) {
            return Some(
                "this is an export of WooCommerce's older Product CSV Import Suite (`post_title`, `regular_price`, `tax:product_cat`), which \
                 the import does not read: export the products again with WooCommerce's own exporter (Products → Export, all columns)",
            );
        }
        if self.has("Handle") && self.has("Variant Price") {
            return Some("this is a Shopify product export: import it with `cargo xtask import shopify`");
        }
        if self.has("Regular price") && self.has("Type") {
            return Some("this is a WooCommerce product export: import it with `cargo xtask import woocommerce`");
        }
        None
    }

    /// Fails unless every column in `names` is in the header (the export is of another kind).
    pub fn require(&self, names: &[&str], format: &str) -> Result<(), Vec<ImportError>> {
        if names.len() > 1 && names.iter().all(|n| !self.has(n)) {
            // None of them: another kind of file, or headers in a language the import does not read.
            let found: Vec<&str> = self.headers.iter().map(String::as_str).filter(|h| !h.is_empty()).take(6).collect();
            if let Some(other) = self.known_other_export() {
                return Err(vec![ImportError { file: self.file.clone(), row: 1, column: String::new(), message: other.into() }]);
            }
            let message = format!(
                "none of the columns {} reads ({}) is in the header, which starts `{}`: if this is a {format} product export in another \
                 language, export it again with the admin in English",
                format,
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                found.join("`, `"),
            );
            return Err(vec![ImportError { file: self.file.clone(), row: 1, column: String::new(), message }]);
        }
        let missing: Vec<ImportError> = names
            .iter()
            .filter(|n| !self.has(n))
            .map(|n| match self.aliased {
                // Some columns were read under another language's names, and this one was not.
                false => self.error(1, n, format!("missing column `{n}`: is this a {format} product export?")),
                true => self.error(
                    1,
                    n,
                    format!(
                        "missing column `{n}`: the header names some columns in another language or version, and not this one: \
                         export the products again with the admin in English"
                    ),
                ),
            })
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing)
        }
    }

    pub fn has(&self, column: &str) -> bool {
        self.index.contains_key(&key(column))
    }

    /// The trimmed cell (empty when the column is not in the file).
    pub fn get<'a>(&self, row: &'a Row, column: &str) -> &'a str {
        self.index.get(&key(column)).and_then(|&i| row.cells.get(i)).map(|s| s.trim()).unwrap_or("")
    }

    /// An error at `row` in `column`, named as the file's header names it.
    pub fn error(&self, row: usize, column: &str, message: impl Into<String>) -> ImportError {
        let named = self.index.get(&key(column)).and_then(|&i| self.headers.get(i)).map_or(column, String::as_str);
        ImportError { file: self.file.clone(), row, column: named.to_string(), message: message.into() }
    }
}

/// Which of the columns sharing a name to read: the one with cells, when the others are empty in
/// every row or hold the same cells; two that differ are refused (their positions).
fn one_column(at: &[usize], rows: &[Row]) -> Result<usize, (usize, usize)> {
    fn cell(row: &Row, i: usize) -> &str {
        row.cells.get(i).map_or("", |c| c.trim())
    }
    let filled: Vec<usize> = at.iter().copied().filter(|&i| rows.iter().any(|r| !cell(r, i).is_empty())).collect();
    let Some(&first) = filled.first() else { return Ok(at[0]) };
    match filled.iter().find(|&&i| rows.iter().any(|r| cell(r, i) != cell(r, first))) {
        Some(&other) => Err((first, other)),
        None => Ok(first),
    }
}

/// A column by its number and its letters in a spreadsheet: `30 (AD)`.
fn column_name(i: usize) -> String {
    let mut letters = String::new();
    let mut n = i + 1;
    while n > 0 {
        letters.insert(0, (b'A' + ((n - 1) % 26) as u8) as char);
        n = (n - 1) / 26;
    }
    format!("{} ({letters})", i + 1)
}

/// The text of a file with a UTF-16 byte-order mark (`None` inside when it is not valid UTF-16);
/// `None` for any other file.
fn utf16(bytes: &[u8]) -> Option<Option<String>> {
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let body = &bytes[2..];
    if !body.len().is_multiple_of(2) {
        return Some(None);
    }
    let units = body.chunks_exact(2).map(|p| if little { u16::from_le_bytes([p[0], p[1]]) } else { u16::from_be_bytes([p[0], p[1]]) });
    Some(char::decode_utf16(units).collect::<Result<String, _>>().ok())
}

/// A column's name as headers are matched: lower case, every run of spaces one space (French
/// exports write `En stock\u{a0}?` with a no-break space before the question mark).
fn key(name: &str) -> String {
    name.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ").to_lowercase()
}
