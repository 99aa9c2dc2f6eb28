//! Images in R2 (`[deploy] images = "r2"` in shop.toml). The site builder writes them into the media
//! store (`target/edgeshop/media/<hash>/<name>`, with this build's keys in `media.txt`); this sends
//! what the bucket lacks, once per key:
//! - to a local shop (`wrangler dev`) through the worker's back-office routes (`GET
//!   /api/admin/media` for the keys it has, `POST /api/admin/media/<key>` for each missing one),
//!   with the development `ADMIN_TOKEN`;
//! - to the deployed bucket with `wrangler r2 object put --remote`, remembering what was sent in
//!   `uploaded-remote.txt` beside the store.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

pub const BUCKET: &str = "edgeshop-media";
/// The site builder's media store (its `--media` default), under the checkout.
pub const STORE: &str = "target/edgeshop/media";

/// Whether the shop in `catalog` keeps its images in R2.
pub fn in_r2(catalog: &Path) -> Result<bool, String> {
    let shop = edgeshop_catalog::load(catalog).map_err(|e| e.to_string())?;
    Ok(shop.catalog.shop.deploy.images == edgeshop_domain::ImageStore::R2)
}

/// The keys this build's pages use.
fn keys(store: &Path) -> Result<Vec<String>, String> {
    let list = store.join("media.txt");
    let text = std::fs::read_to_string(&list).map_err(|e| format!("{}: {e} (build the shop first)", list.display()))?;
    Ok(text.lines().filter(|l| !l.is_empty()).map(str::to_string).collect())
}

/// One HTTP/1.0 request to the local shop at `addr` (`127.0.0.1:8787`): status and body.
fn request(addr: &str, method: &str, path: &str, token: &str, body: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let failed = |e: std::io::Error| format!("{method} http://{addr}{path}: {e}");
    let mut s = TcpStream::connect(addr).map_err(failed)?;
    s.set_read_timeout(Some(Duration::from_secs(60))).map_err(failed)?;
    let head = format!(
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).and_then(|_| s.write_all(body)).map_err(failed)?;
    // Read the head, then the body by its length: the server may keep the connection open.
    let mut answer = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let split = loop {
        if let Some(at) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = s.read(&mut buf).map_err(failed)?;
        if n == 0 {
            return Err(format!("{method} {path}: no HTTP answer"));
        }
        answer.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&answer[..split]).to_string();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let length = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.trim().parse::<usize>().ok()));
    let mut body = answer[split + 4..].to_vec();
    match length {
        Some(len) => {
            while body.len() < len {
                let n = s.read(&mut buf).map_err(failed)?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&buf[..n]);
            }
        }
        None => {
            s.read_to_end(&mut body).map_err(failed)?;
        }
    }
    Ok((status, body))
}

/// Uploads the store's missing images to the local shop at `addr`; returns how many were sent.
pub fn upload_local(addr: &str, token: &str, store: &Path) -> Result<usize, String> {
    let mut have = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/admin/media?cursor={}", c.bytes().map(|b| format!("%{b:02X}")).collect::<String>()),
            None => "/api/admin/media".to_string(),
        };
        let (status, body) = request(addr, "GET", &path, token, &[])?;
        if status != 200 {
            return Err(format!("GET {path}: HTTP {status}: {}", String::from_utf8_lossy(&body)));
        }
        let page: serde_json::Value = serde_json::from_slice(&body).map_err(|e| format!("GET {path}: {e}"))?;
        have.extend(page["keys"].as_array().into_iter().flatten().filter_map(|k| k.as_str().map(str::to_string)));
        match page["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let missing: Vec<String> = keys(store)?.into_iter().filter(|k| !have.contains(k)).collect();
    for key in &missing {
        let bytes = std::fs::read(store.join(key)).map_err(|e| format!("{key}: {e}"))?;
        let (status, body) = request(addr, "POST", &format!("/api/admin/media/{key}"), token, &bytes)?;
        if status != 201 {
            return Err(format!("uploading {key}: HTTP {status}: {}", String::from_utf8_lossy(&body)));
        }
    }
    Ok(missing.len())
}

/// Uploads to the deployed bucket what this machine has not sent before.
pub fn upload_remote(store: &Path) -> Result<usize, String> {
    let record = store.join("uploaded-remote.txt");
    let sent: BTreeSet<String> = std::fs::read_to_string(&record).unwrap_or_default().lines().map(str::to_string).collect();
    let missing: Vec<String> = keys(store)?.into_iter().filter(|k| !sent.contains(k)).collect();
    for key in &missing {
        let file = store.join(key);
        crate::run(crate::tools::wrangler().args(["r2", "object", "put", &format!("{BUCKET}/{key}"), "--remote", "--file"]).arg(&file))?;
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&record).map_err(|e| format!("{}: {e}", record.display()))?;
        writeln!(f, "{key}").map_err(|e| format!("{}: {e}", record.display()))?;
    }
    Ok(missing.len())
}

/// The development `ADMIN_TOKEN` (`.dev.vars`).
pub fn dev_token() -> Result<String, String> {
    crate::build::dev_vars()?;
    let vars = std::fs::read_to_string(crate::root().join(".dev.vars")).map_err(|e| format!(".dev.vars: {e}"))?;
    vars.lines().find_map(|l| l.strip_prefix("ADMIN_TOKEN=")).map(|t| t.trim().to_string()).ok_or_else(|| "no ADMIN_TOKEN in .dev.vars".into())
}
