//! `cargo xtask admin owner EMAIL`: makes EMAIL an owner of the back office (creating the account
//! when the shop has none by that address) and prints a one-time sign-in link. This is how the
//! first owner gets in; owners invite everyone else from the back office.
//!
//! Locally it writes to the D1 database under `--state` (that of `cargo xtask dev`); with
//! `--remote`, to the deployed shop's database (`wrangler d1 execute --remote`).

use crate::root;
use sha2::{Digest, Sha256};
use std::path::Path;

/// How long the printed link works (a day: the owner may open it later than a sign-in email).
const LINK_SECONDS: u64 = 24 * 60 * 60;

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The SQL that makes `email` an owner and stores the hash of a sign-in token for them.
pub fn owner_sql(email: &str, name: &str, token: &str, now_rfc3339: &str, now_seconds: u64) -> String {
    let id = format!("own{}", &edgeshop_domain::text::hex(&Sha256::digest(email.as_bytes()))[..13]);
    let hash = edgeshop_domain::text::hex(&Sha256::digest(token.as_bytes()));
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

pub fn owner(email: &str, name: &str, state: &Path, remote: bool, base_url: &str) -> Result<(), String> {
    let email = email.trim().to_lowercase();
    if !edgeshop_domain::valid_email(&email) {
        return Err(format!("`{email}` is not an email address"));
    }
    let token = crate::tools::random_hex(32)?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let sql = owner_sql(&email, name, &token, &format!("{}T00:00:00Z", crate::tools::today()), now);
    if !remote {
        crate::tools::apply_migrations(state, None)?;
    }
    crate::tools::wrangler_d1("d1 execute", || {
        let mut cmd = crate::tools::wrangler();
        cmd.args(["d1", "execute", "edgeshop", "--command", &sql]).current_dir(root());
        if remote {
            cmd.arg("--remote");
        } else {
            cmd.args(["--local", "--persist-to"]).arg(state);
        }
        cmd
    })?;
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
        assert!(sql.contains(&edgeshop_domain::text::hex(&<sha2::Sha256 as sha2::Digest>::digest(b"abc123"))));
        assert!(sql.contains(&format!("{}", 100 + super::LINK_SECONDS)));
    }
}
