//! The order database (D1, binding `DB`): connection and argument helpers.

use crate::error::{ApiError, Context};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result, Env};

pub fn db(env: &Env) -> Result<D1Database, ApiError> {
    env.d1("DB").context("DB binding")
}

/// A statement with its arguments bound.
pub fn stmt(db: &D1Database, sql: &str, args: &[Arg]) -> Result<D1PreparedStatement, ApiError> {
    let values: Vec<JsValue> = args.iter().map(Arg::js).collect();
    db.prepare(sql).bind(&values).context(format_args!("bind `{sql}`"))
}

/// A bound value. Integers travel as JavaScript numbers (D1 rejects BigInt), exact up to 2^53.
pub enum Arg<'a> {
    Text(&'a str),
    Int(i64),
    Null,
}

impl Arg<'_> {
    fn js(&self) -> JsValue {
        match self {
            Arg::Text(s) => JsValue::from_str(s),
            Arg::Int(n) => JsValue::from_f64(*n as f64),
            Arg::Null => JsValue::NULL,
        }
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(s)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}

impl From<u64> for Arg<'_> {
    fn from(n: u64) -> Self {
        Arg::Int(n as i64)
    }
}

impl From<u32> for Arg<'_> {
    fn from(n: u32) -> Self {
        Arg::Int(i64::from(n))
    }
}

impl From<Option<u32>> for Arg<'_> {
    fn from(n: Option<u32>) -> Self {
        n.map_or(Arg::Null, |n| Arg::Int(i64::from(n)))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(s: Option<&'a str>) -> Self {
        s.map_or(Arg::Null, Arg::Text)
    }
}

/// Runs statements as one transaction.
pub async fn batch(db: &D1Database, statements: Vec<D1PreparedStatement>) -> Result<(), ApiError> {
    batch_rows(db, statements, "D1 batch").await.map(|_| ())
}

/// Runs statements as one transaction and returns each one's rows (reads, `… RETURNING`).
/// Like a write, it is not tried again.
pub async fn batch_rows(db: &D1Database, statements: Vec<D1PreparedStatement>, what: &str) -> Result<Vec<D1Result>, ApiError> {
    let results = db.batch(statements).await.context(what)?;
    match first_error(&results) {
        Some(e) => Err(ApiError::internal(format!("{what}: {e}"))),
        None => Ok(results),
    }
}

fn first_error(results: &[D1Result]) -> Option<String> {
    results.iter().find_map(|r| r.error())
}

/// Runs a write and tells whether it changed a row (a claim won, a state moved on).
pub async fn changed(statement: D1PreparedStatement, what: &str) -> Result<bool, ApiError> {
    Ok(wrote(&statement.run().await.context(what)?))
}

/// Whether a write's result changed a row.
pub fn wrote(result: &D1Result) -> bool {
    result.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0) > 0
}

/// Reads are tried again when they fail (see [`retried`]): a read has no effect to repeat.
pub async fn all<T: serde::de::DeserializeOwned>(statement: D1PreparedStatement) -> Result<Vec<T>, ApiError> {
    let result = retried(|| async {
        let result = statement.all().await.map_err(|e| e.to_string())?;
        match result.error() {
            None => Ok(result),
            Some(e) => Err(e),
        }
    })
    .await?;
    result.results::<T>().context("D1 rows")
}

/// Reads in one round trip (one transaction), each read's rows in order; tried again like
/// [`all`].
pub async fn reads(db: &D1Database, statements: Vec<D1PreparedStatement>) -> Result<Vec<D1Result>, ApiError> {
    retried(|| async {
        let results = db.batch(statements.clone()).await.map_err(|e| e.to_string())?;
        match first_error(&results) {
            None => Ok(results),
            Some(e) => Err(e),
        }
    })
    .await
}

/// Waits before each further try of a read. D1 reports passing internal errors (its documentation
/// advises trying again); under `wrangler dev` one such error (reading the database's bookmark
/// after the query while another process holds the file: SQLITE_BUSY) lasts some milliseconds,
/// so an immediate second try can fail the same way.
const READ_RETRY_WAITS_MS: [u64; 3] = [20, 150, 600];

/// A read, tried again after each wait of [`READ_RETRY_WAITS_MS`] while it fails; the last failure
/// is the one reported.
async fn retried<R, F: std::future::Future<Output = Result<R, String>>>(read: impl Fn() -> F) -> Result<R, ApiError> {
    let mut waits = READ_RETRY_WAITS_MS.iter();
    loop {
        match read().await {
            Ok(r) => return Ok(r),
            Err(e) => match waits.next() {
                Some(ms) => worker::Delay::from(std::time::Duration::from_millis(*ms)).await,
                None => return Err(ApiError::internal(format!("D1 query: {e}"))),
            },
        }
    }
}

/// Runs a write that returns rows (`… RETURNING`) once: unlike a read, it is not tried again.
pub async fn write_returning<T: serde::de::DeserializeOwned>(statement: D1PreparedStatement, what: &str) -> Result<Vec<T>, ApiError> {
    let result = statement.all().await.context(what)?;
    match result.error() {
        None => result.results::<T>().context(what),
        Some(e) => Err(ApiError::internal(format!("{what}: {e}"))),
    }
}

/// The first row of a read (tried again like [`all`]).
pub async fn first<T: serde::de::DeserializeOwned>(statement: D1PreparedStatement) -> Result<Option<T>, ApiError> {
    retried(|| async { statement.first::<T>(None).await.map_err(|e| e.to_string()) }).await
}

macro_rules! args {
    ($($a:expr),* $(,)?) => { &[$($crate::services::db::Arg::from($a)),*] };
}
pub(crate) use args;
