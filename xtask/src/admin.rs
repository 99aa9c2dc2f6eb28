//! `cargo xtask admin owner EMAIL`: makes EMAIL an owner of the back office (creating the account
//! when the shop has none by that address) and prints a one-time sign-in link. This is how the
//! first owner gets in; owners invite everyone else from the back office.
//!
//! Locally it writes to the D1 database under `--state` (that of `cargo xtask dev`); with
//! `--remote`, to the deployed shop's database (`wrangler d1 execute --remote`).

use crate::root;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// How long the printed link works (a day: the owner may open it later than a sign-in email).
const LINK_SECONDS: u64 = 24 * 60 * 60;

fn random_hex(bytes: usize) -> Result<String, String> {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf)).map_err(|e| format!("/dev/urandom: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The SQL that makes `email` an owner and stores the hash of a sign-in token for them.
pub fn owner_sql(email: &str, name: &str, token: &str, now_rfc3339: &str, now_seconds: u64) -> String {
    let id = format!("own{}", &hex_of(&Sha256::digest(email.as_bytes()))[..13]);
    let hash = hex_of(&Sha256::digest(token.as_bytes()));
    format!(
        "INSERT INTO staff (id, email, name, role, created_at) VALUES ({id}, {email}, {name}, 'owner', {now}) \
         ON CONFLICT(email) DO UPDATE SET role = 'owner', removed_at = NULL; \
         INSERT INTO staff_sign_in_links (token_hash, staff_id, created_at, expires_at) \
         SELECT {hash}, id, {now}, {expires} FROM staff WHERE email = {email};",
        id = quoted(&id),
        email = quoted(email),
        name = quoted(name),
        now = quoted(now_rfc3339),
        hash = quoted(&hash),
        expires = now_seconds + LINK_SECONDS,
    )
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn owner(email: &str, name: &str, state: &Path, remote: bool, base_url: &str) -> Result<(), String> {
    let email = email.trim().to_lowercase();
    if !edgeshop_domain::valid_email(&email) {
        return Err(format!("`{email}` is not an email address"));
    }
    let token = random_hex(32)?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let sql = owner_sql(&email, name, &token, &format!("{}T00:00:00Z", crate::tools::today()), now);
    if !remote {
        crate::tools::apply_migrations(state, None)?;
    }
    // A running `wrangler dev` writes the same local database: a busy one is asked again.
    let mut last = String::new();
    for attempt in 0..8 {
        let mut cmd = crate::tools::wrangler();
        cmd.args(["d1", "execute", "edgeshop", "--command", &sql]).env("CI", "true");
        if remote {
            cmd.arg("--remote");
        } else {
            cmd.args(["--local", "--persist-to"]).arg(state);
        }
        let out = cmd.current_dir(root()).output().map_err(|e| format!("wrangler d1 execute: {e}"))?;
        if out.status.success() {
            last.clear();
            break;
        }
        last = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if remote || !last.contains("SQLITE_BUSY") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(300 * (attempt + 1)));
    }
    if !last.is_empty() {
        return Err(format!("wrangler d1 execute failed:\n{last}"));
    }
    println!("{email} is an owner. Sign in once with this link (it works for 24 hours):");
    println!("{}/admin/sign-in/#token={token}", base_url.trim_end_matches('/'));
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn owner_sql_quotes_what_it_is_given_and_stores_only_the_hash() {
        let sql = super::owner_sql("o'brien@example.com", "O'Brien", "abc123", "2026-12-01T00:00:00Z", 100);
        assert!(sql.contains("'o''brien@example.com'") && sql.contains("'O''Brien'"), "{sql}");
        assert!(!sql.contains("abc123"), "the token itself must not be stored: {sql}");
        assert!(sql.contains(&super::hex_of(&<sha2::Sha256 as sha2::Digest>::digest(b"abc123"))));
        assert!(sql.contains(&format!("{}", 100 + super::LINK_SECONDS)));
    }
}
