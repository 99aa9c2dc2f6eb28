//! Staff of the back office (D1): accounts with a role, one-time sign-in links sent by email,
//! sessions, and the audit log of every admin action.
//!
//! Sign-in is by emailed link, not password: nothing to guess or reuse, no key-derivation cost on
//! the Workers CPU budget, and the shop already sends email. A link's token (256 random bits) and a
//! session's token are kept as SHA-256 hashes only.

use crate::error::{ApiError, Context, Problem};
use crate::services::db::{self, args, stmt};
use crate::services::{now_rfc3339, now_seconds, random_id, sha256_hex, sign_in, well_formed_secret};
use worker::Env;

/// How long a sign-in link works, and how long a session lasts.
pub const LINK_SECONDS: u64 = 15 * 60;
pub const SESSION_SECONDS: u64 = 12 * 60 * 60;

pub use edgeshop_api::admin::{AuditEntry, Role, StaffMember as Member};

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Staff => "staff",
    }
}

const MEMBER_COLUMNS: &str = "id, email, name, role, created_at";

pub async fn by_email(env: &Env, email: &str) -> Result<Option<Member>, ApiError> {
    let db = db::db(env)?;
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM staff WHERE email = ?1 AND removed_at IS NULL");
    db::first(stmt(&db, &sql, args![&email.trim().to_lowercase()])?).await
}

pub async fn list(env: &Env) -> Result<Vec<Member>, ApiError> {
    let db = db::db(env)?;
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM staff WHERE removed_at IS NULL ORDER BY role, email");
    db::all(stmt(&db, &sql, &[])?).await
}

/// Adds a member (an owner's invitation). An address already on the staff is refused.
pub async fn invite(env: &Env, by: &Member, email: &str, name: &str, role: Role) -> Result<Member, ApiError> {
    let email = email.trim().to_lowercase();
    if !edgeshop_domain::valid_email(&email) {
        return Err(ApiError::new(Problem::InvalidEmail, "give the new member's email address"));
    }
    if !edgeshop_domain::text::is_one_line(name) {
        return Err(ApiError::new(Problem::InvalidName, "a name is one line of text"));
    }
    if by_email(env, &email).await?.is_some() {
        return Err(ApiError::new(Problem::StaffExists, format!("{email} is already on the staff")));
    }
    let member = Member { id: random_id(8), email, name: name.trim().chars().take(100).collect(), role, created_at: now_rfc3339() };
    let db = db::db(env)?;
    // A member removed earlier and invited again gets a fresh row (the old one keeps its history).
    let statements = vec![
        stmt(&db, "UPDATE staff SET email = email || '#removed-' || id WHERE email = ?1 AND removed_at IS NOT NULL", args![&member.email])?,
        stmt(
            &db,
            "INSERT INTO staff (id, email, name, role, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            args![&member.id, &member.email, &member.name, role_name(role), &member.created_at, &by.id],
        )?,
    ];
    db::batch(&db, statements).await?;
    Ok(member)
}

/// Removes a member and ends their sessions. The last owner cannot be removed.
pub async fn remove(env: &Env, id: &str) -> Result<Member, ApiError> {
    let db = db::db(env)?;
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM staff WHERE id = ?1 AND removed_at IS NULL");
    let member: Member =
        db::first(stmt(&db, &sql, args![id])?).await?.ok_or_else(|| ApiError::new(Problem::StaffNotFound, format!("no staff member `{id}`")))?;
    // One statement decides, so that two owners removing each other at once cannot both succeed.
    let now = now_rfc3339();
    let removed = db::changed(
        stmt(
            &db,
            "UPDATE staff SET removed_at = ?2 WHERE id = ?1 AND removed_at IS NULL
             AND (role != 'owner' OR (SELECT count(*) FROM staff WHERE role = 'owner' AND removed_at IS NULL) > 1)",
            args![id, &now],
        )?,
        "staff",
    )
    .await?;
    if !removed {
        return Err(match member.role {
            Role::Owner => ApiError::new(Problem::LastOwner, "the shop needs at least one owner"),
            _ => ApiError::new(Problem::StaffNotFound, format!("no staff member `{id}`")),
        });
    }
    db::batch(
        &db,
        vec![
            stmt(&db, "UPDATE staff_sessions SET ended_at = ?2 WHERE staff_id = ?1 AND ended_at IS NULL", args![id, &now])?,
            stmt(&db, "UPDATE staff_sign_in_links SET used_at = ?2 WHERE staff_id = ?1 AND used_at IS NULL", args![id, &now])?,
        ],
    )
    .await?;
    Ok(member)
}

/// A one-time sign-in token for `member` (valid [`LINK_SECONDS`]); only its hash is stored.
pub async fn new_link(env: &Env, member: &Member) -> Result<String, ApiError> {
    sign_in::STAFF.new_link(env, &member.id, LINK_SECONDS).await
}

/// Uses a sign-in link (once) and opens a session: the session token, or `None` when the link is
/// unknown, used, expired or its member removed.
pub async fn redeem(env: &Env, token: &str, client: &str) -> Result<Option<(Member, String)>, ApiError> {
    let Some(id) = sign_in::STAFF.claim_link(env, token, client).await? else { return Ok(None) };
    let db = db::db(env)?;
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM staff WHERE removed_at IS NULL AND id = ?1");
    let Some(member) = db::first::<Member>(stmt(&db, &sql, args![&id])?).await? else {
        return Ok(None);
    };
    let session = sign_in::STAFF.open_session(env, &member.id, SESSION_SECONDS).await?;
    Ok(Some((member, session)))
}

/// The member a session token belongs to, while the session is live.
pub async fn session(env: &Env, token: &str) -> Result<Option<Member>, ApiError> {
    if !well_formed_secret(token) {
        return Ok(None);
    }
    let db = db::db(env)?;
    let sql = "SELECT s.id, s.email, s.name, s.role, s.created_at FROM staff_sessions x JOIN staff s ON s.id = x.staff_id
               WHERE x.token_hash = ?1 AND x.ended_at IS NULL AND x.expires_at > ?2 AND s.removed_at IS NULL";
    db::first(stmt(&db, sql, args![&sha256_hex(token.as_bytes()), now_seconds()])?).await
}

pub async fn end_session(env: &Env, token: &str) -> Result<(), ApiError> {
    sign_in::STAFF.end_session(env, token).await
}

/// Records an action by `who` on `target` with the state before and after (JSON values).
pub async fn audit(env: &Env, who: &Member, action: &str, target: &str, before: serde_json::Value, after: serde_json::Value) -> Result<(), ApiError> {
    let db = db::db(env)?;
    let text = |v: serde_json::Value| (!v.is_null()).then(|| v.to_string());
    let (before, after) = (text(before), text(after));
    stmt(
        &db,
        "INSERT INTO audit_log (at, staff_id, staff_email, action, target, before_json, after_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        args![&now_rfc3339(), &who.id, &who.email, action, target, before.as_deref(), after.as_deref()],
    )?
    .run()
    .await
    .context("audit log")?;
    Ok(())
}

/// [`audit`] for a step that happens once to its target: written only when no entry of `action`
/// on `target` is there yet (two staff at once: one is first). Its id, or `None` when another was.
pub async fn audit_once(
    env: &Env,
    who: &Member,
    action: &str,
    target: &str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<Option<i64>, ApiError> {
    #[derive(serde::Deserialize)]
    struct Id {
        id: i64,
    }
    let db = db::db(env)?;
    let text = |v: serde_json::Value| (!v.is_null()).then(|| v.to_string());
    let (before, after) = (text(before), text(after));
    let row: Option<Id> = db::first(stmt(
        &db,
        "INSERT INTO audit_log (at, staff_id, staff_email, action, target, before_json, after_json)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE action = ?4 AND target = ?5) RETURNING id",
        args![&now_rfc3339(), &who.id, &who.email, action, target, before.as_deref(), after.as_deref()],
    )?)
    .await?;
    Ok(row.map(|r| r.id))
}

/// Takes back an entry [`audit_once`] wrote for a step that then could not be made.
pub async fn unaudit(env: &Env, id: i64) -> Result<(), ApiError> {
    let db = db::db(env)?;
    stmt(&db, "DELETE FROM audit_log WHERE id = ?1", &[db::Arg::Int(id)])?.run().await.context("audit log")?;
    Ok(())
}

/// The newest entries first, optionally for one target (`order:1001`, `sku:…`, `staff:…`).
pub async fn audit_log(env: &Env, target: Option<&str>, before_id: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>, ApiError> {
    let db = db::db(env)?;
    let sql = "SELECT id, at, staff_email, action, target, before_json, after_json FROM audit_log
               WHERE (?1 IS NULL OR target = ?1) AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3";
    let before = before_id.map_or(db::Arg::Null, db::Arg::Int);
    db::all(stmt(&db, sql, &[db::Arg::from(target), before, db::Arg::from(limit)])?).await
}
