//! Strict query-string parsing: bad percent-encoding or invalid UTF-8 is an error, not U+FFFD.

use crate::error::{ApiError, Problem};

pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let mut pairs = Vec::new();
        for part in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            pairs.push((decode(k)?, decode(v)?));
        }
        Ok(Query(pairs))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated key (`brand=A&brand=B`).
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn get_usize(&self, key: &str, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| ApiError::new(Problem::BadParameter, format!("`{key}` must be an integer from 1 to {max}"))),
        }
    }
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A query-string key or value: `+` is a space, `%XX` a byte.
pub fn decode(s: &str) -> Result<String, ApiError> {
    percent_decode(s, true)
}

/// A path segment (`/api/admin/customers/jane+shop%40example.com`): only `%XX` is decoded, a `+`
/// stays a plus.
pub fn decode_segment(s: &str) -> Result<String, ApiError> {
    percent_decode(s, false)
}

fn percent_decode(s: &str, plus_is_space: bool) -> Result<String, ApiError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => {
                let pair = bytes.get(i + 1).copied().and_then(hex).zip(bytes.get(i + 2).copied().and_then(hex));
                let (hi, lo) = pair.ok_or_else(|| ApiError::new(Problem::BadEncoding, "a `%` must be followed by two hex digits"))?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ApiError::new(Problem::BadEncoding, "the text sent is not valid UTF-8 once percent-decoded"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_plus_is_a_space_in_a_query_and_a_plus_in_a_path() {
        assert_eq!(super::decode("jane+doe%40shop.ie").ok().as_deref(), Some("jane doe@shop.ie"));
        assert_eq!(super::decode_segment("jane+shop%40example.com").ok().as_deref(), Some("jane+shop@example.com"));
        assert!(super::decode_segment("%zz").is_err());
        assert!(super::decode_segment("%ff").is_err(), "not UTF-8");
    }
}
