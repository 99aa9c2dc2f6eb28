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
