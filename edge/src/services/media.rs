//! Product images kept in R2 (`[deploy] images = "r2"` in shop.toml; binding `MEDIA`): the build's
//! media store, `<hash>/<name>` by the original's content hash, uploaded by `cargo xtask` when
//! the bucket lacks a key. An address never changes its bytes, so every image may be cached for
//! a year by browsers and the edge.

use crate::error::{ApiError, Context, Problem};
use worker::{Bucket, Env, HttpMetadata};

/// Largest image accepted (Workers Static Assets' own per-file limit).
pub const MAX_BYTES: usize = 25 * 1024 * 1024;
/// Keys per page of [`list`].
const PAGE: u32 = 1000;

fn bucket(env: &Env) -> Result<Bucket, ApiError> {
    env.bucket("MEDIA").map_err(|_| ApiError::new(Problem::NotFound, "this shop keeps no images in R2 (no MEDIA bucket bound)"))
}

/// A key the build writes: a 20-digit hex hash and a plain file name with a known image type.
pub fn key(hash: &str, name: &str) -> Result<String, ApiError> {
    let hash_ok = hash.len() == 20 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let name_ok =
        !name.is_empty() && name.len() <= 200 && !name.starts_with('.') && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !(hash_ok && name_ok && content_type(name).is_some()) {
        return Err(ApiError::new(Problem::NotFound, format!("no image at /media/{hash}/{name}")));
    }
    Ok(format!("{hash}/{name}"))
}

/// The image type of a file name, by its extension.
pub fn content_type(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "webp" => "image/webp",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        "gif" => "image/gif",
        "avif" => "image/avif",
        _ => return None,
    })
}

/// Whether `bytes` are an image of the type `name` says (by the format's opening bytes; an SVG
/// by its `<svg` element near the start): an upload of something else is refused.
pub fn looks_like(name: &str, bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    match content_type(name) {
        Some("image/png") => head.starts_with(b"\x89PNG\r\n\x1a\n"),
        Some("image/jpeg") => head.starts_with(&[0xFF, 0xD8, 0xFF]),
        Some("image/gif") => head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a"),
        Some("image/webp") => head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP",
        Some("image/avif") => head.len() >= 12 && &head[4..8] == b"ftyp" && (&head[8..12] == b"avif" || &head[8..12] == b"avis"),
        Some("image/svg+xml") => String::from_utf8_lossy(head).contains("<svg"),
        _ => false,
    }
}

/// The object at `key`, if the bucket has it.
pub async fn get(env: &Env, key: &str) -> Result<Option<worker::Object>, ApiError> {
    bucket(env)?.get(key).execute().await.context("R2 get")
}

/// Whether the bucket has an object at `key`.
pub async fn exists(env: &Env, key: &str) -> Result<bool, ApiError> {
    Ok(bucket(env)?.head(key).await.context("R2 head")?.is_some())
}

/// Stores `bytes` at `key` with its content type.
pub async fn put(env: &Env, key: &str, bytes: Vec<u8>) -> Result<(), ApiError> {
    let metadata = HttpMetadata { content_type: content_type(key).map(str::to_string), ..Default::default() };
    bucket(env)?.put(key, bytes).http_metadata(metadata).execute().await.context("R2 put")?;
    Ok(())
}

/// A page of the bucket's keys from `cursor`, and where the next page starts.
pub async fn list(env: &Env, cursor: Option<String>) -> Result<(Vec<String>, Option<String>), ApiError> {
    let bucket = bucket(env)?;
    let mut request = bucket.list().limit(PAGE);
    if let Some(c) = cursor {
        request = request.cursor(c);
    }
    let page = request.execute().await.context("R2 list")?;
    let keys = page.objects().iter().map(|o| o.key()).collect();
    Ok((keys, if page.truncated() { page.cursor() } else { None }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_upload_must_be_the_image_its_name_says() {
        assert!(super::looks_like("a.png", b"\x89PNG\r\n\x1a\n rest"));
        assert!(super::looks_like("a.JPG", &[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(super::looks_like("a.webp", b"RIFF\x10\0\0\0WEBPVP8 "));
        assert!(super::looks_like("a.svg", b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"));
        assert!(!super::looks_like("a.png", b""), "empty");
        assert!(!super::looks_like("a.png", b"not an image"));
        assert!(!super::looks_like("a.png", &[0xFF, 0xD8, 0xFF]), "a JPEG named .png");
        assert!(!super::looks_like("a.txt", b"text"));
    }
}
