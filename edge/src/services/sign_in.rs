//! Sign-in by emailed one-time link, shared by the back office's staff and shoppers' accounts:
//! links and sessions are rows keyed by the SHA-256 of their token (256 random bits), each
//! belonging to an owner (a staff member's id, a shopper's address).

use crate::error::{ApiError, Context};
use crate::services::db::{self, args, stmt};
use crate::services::{now_rfc3339, now_seconds, secret_id, sha256_hex, well_formed_secret};
use serde::Deserialize;
use worker::Env;

/// Where one kind of sign-in keeps its links and sessions, and the column naming their owner.
pub struct Door {
    pub links: &'static str,
    pub sessions: &'static str,
    pub owner: &'static str,
}

pub const STAFF: Door = Door { links: "staff_sign_in_links", sessions: "staff_sessions", owner: "staff_id" };
/// How long a used link still works for the same sign-in sent twice (a double click) by the
/// client that used it.
pub const DOUBLE_SUBMIT_MS: f64 = 5_000.0;

pub const SHOPPERS: Door = Door { links: "customer_sign_in_links", sessions: "customer_sessions", owner: "email" };

impl Door {
    /// A one-time sign-in token for `owner`, valid `seconds`; only its hash is stored.
    pub async fn new_link(&self, env: &Env, owner: &str, seconds: u64) -> Result<String, ApiError> {
        self.new_token(env, self.links, owner, seconds).await
    }

    /// A new token of `owner` in `table` (links or sessions), valid `seconds`; only its hash is stored.
    async fn new_token(&self, env: &Env, table: &str, owner: &str, seconds: u64) -> Result<String, ApiError> {
        let token = secret_id(32)?;
        let db = db::db(env)?;
        let sql = format!("INSERT INTO {table} (token_hash, {}, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)", self.owner);
        stmt(&db, &sql, args![&sha256_hex(token.as_bytes()), owner, &now_rfc3339(), now_seconds() + seconds])?.run().await.context(table)?;
        Ok(token)
    }

    /// Uses a link (once): its owner, or `None` when it is unknown, used or expired. The claim is
    /// one conditional write, so two requests with the same link cannot both win; as a write, it
    /// is not tried again. A link used in the last [`DOUBLE_SUBMIT_MS`] works again for the same
    /// `client` (see [`crate::http::client_key`]): a double click on "Sign in" sends it twice, and
    /// the browser keeps the second answer (whose session would otherwise be refused, and the link
    /// spent). Another client gets nothing.
    pub async fn claim_link(&self, env: &Env, token: &str, client: &str) -> Result<Option<String>, ApiError> {
        if !well_formed_secret(token) {
            return Ok(None);
        }
        #[derive(Deserialize)]
        struct Claimed {
            owner: String,
        }
        let db = db::db(env)?;
        let sql = format!(
            "UPDATE {} SET used_at = COALESCE(used_at, ?2), used_by = COALESCE(used_by, ?5) \
             WHERE token_hash = ?1 AND (used_at IS NULL OR (used_at > ?4 AND used_by = ?5)) AND expires_at > ?3 RETURNING {} AS owner",
            self.links, self.owner
        );
        let just_now = String::from(worker::js_sys::Date::new(&(worker::Date::now().as_millis() as f64 - DOUBLE_SUBMIT_MS).into()).to_iso_string());
        let claimed: Option<Claimed> = stmt(&db, &sql, args![&sha256_hex(token.as_bytes()), &now_rfc3339(), now_seconds(), &just_now, client])?
            .first(None)
            .await
            .context("sign-in link")?;
        Ok(claimed.map(|c| c.owner))
    }

    /// The owner of a link that still works, without using it.
    pub async fn link_owner(&self, env: &Env, token: &str) -> Result<Option<String>, ApiError> {
        self.owner_of(env, self.links, "used_at", token).await
    }

    /// Opens a session for `owner`, lasting `seconds`: its token (only the hash is stored).
    pub async fn open_session(&self, env: &Env, owner: &str, seconds: u64) -> Result<String, ApiError> {
        self.new_token(env, self.sessions, owner, seconds).await
    }

    /// The owner of a live session (not ended, not expired).
    pub async fn session_owner(&self, env: &Env, token: &str) -> Result<Option<String>, ApiError> {
        self.owner_of(env, self.sessions, "ended_at", token).await
    }

    /// The owner of the row of `table` keyed by `token`'s hash while `closed` is unset and it has
    /// not expired.
    async fn owner_of(&self, env: &Env, table: &str, closed: &str, token: &str) -> Result<Option<String>, ApiError> {
        if !well_formed_secret(token) {
            return Ok(None);
        }
        #[derive(Deserialize)]
        struct Open {
            owner: String,
        }
        let db = db::db(env)?;
        let sql = format!("SELECT {} AS owner FROM {table} WHERE token_hash = ?1 AND {closed} IS NULL AND expires_at > ?2", self.owner);
        let open: Option<Open> = db::first(stmt(&db, &sql, args![&sha256_hex(token.as_bytes()), now_seconds()])?).await?;
        Ok(open.map(|o| o.owner))
    }

    pub async fn end_session(&self, env: &Env, token: &str) -> Result<(), ApiError> {
        let db = db::db(env)?;
        let sql = format!("UPDATE {} SET ended_at = ?2 WHERE token_hash = ?1 AND ended_at IS NULL", self.sessions);
        stmt(&db, &sql, args![&sha256_hex(token.as_bytes()), &now_rfc3339()])?.run().await.context("sign-out")?;
        Ok(())
    }
}
