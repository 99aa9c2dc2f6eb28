//! The order database (D1, binding `DB`): connection and argument helpers.

use crate::error::{ApiError, Context};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env};

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

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(s: Option<&'a str>) -> Self {
        s.map_or(Arg::Null, Arg::Text)
    }
}

/// Runs statements as one transaction.
pub async fn batch(db: &D1Database, statements: Vec<D1PreparedStatement>) -> Result<(), ApiError> {
    let results = db.batch(statements).await.context("D1 batch")?;
    match results.iter().find_map(|r| r.error()) {
        Some(e) => Err(ApiError::internal(format!("D1 batch: {e}"))),
        None => Ok(()),
    }
}

/// Runs statements as one transaction and returns each one's rows (reads, `… RETURNING`).
/// Like a write, it is not tried again.
pub async fn batch_rows(db: &D1Database, statements: Vec<D1PreparedStatement>, what: &str) -> Result<Vec<worker::D1Result>, ApiError> {
    let results = db.batch(statements).await.context(what)?;
    match results.iter().find_map(|r| r.error()) {
        Some(e) => Err(ApiError::internal(format!("{what}: {e}"))),
        None => Ok(results),
    }
}

/// Runs a write and tells whether it changed a row (a claim won, a state moved on).
pub async fn changed(statement: D1PreparedStatement, what: &str) -> Result<bool, ApiError> {
    let result = statement.run().await.context(what)?;
    Ok(result.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0) > 0)
}

/// Reads are tried twice: D1 reports passing internal errors (its documentation advises a retry),
/// and a read has no effect to repeat.
pub async fn all<T: serde::de::DeserializeOwned>(statement: D1PreparedStatement) -> Result<Vec<T>, ApiError> {
    let mut last = None;
    for _ in 0..2 {
        match statement.all().await {
            Ok(result) => match result.error() {
                None => return result.results::<T>().context("D1 rows"),
                Some(e) => last = Some(e),
            },
            Err(e) => last = Some(e.to_string()),
        }
    }
    Err(ApiError::internal(format!("D1 query: {}", last.unwrap_or_default())))
}

/// Reads in one round trip (one transaction), each read's rows in order; tried twice like
/// [`all`].
pub async fn reads(db: &D1Database, statements: Vec<D1PreparedStatement>) -> Result<Vec<worker::D1Result>, ApiError> {
    let mut last = None;
    for _ in 0..2 {
        match db.batch(statements.clone()).await {
            Ok(results) => match results.iter().find_map(|r| r.error()) {
                None => return Ok(results),
                Some(e) => last = Some(e),
            },
            Err(e) => last = Some(e.to_string()),
        }
    }
    Err(ApiError::internal(format!("D1 query: {}", last.unwrap_or_default())))
}

/// Runs a write that returns rows (`… RETURNING`) once: unlike a read, it is not tried again.
pub async fn write_returning<T: serde::de::DeserializeOwned>(statement: D1PreparedStatement, what: &str) -> Result<Vec<T>, ApiError> {
    let result = statement.all().await.context(what)?;
    match result.error() {
        None => result.results::<T>().context(what),
        Some(e) => Err(ApiError::internal(format!("{what}: {e}"))),
    }
}

pub async fn first<T: serde::de::DeserializeOwned>(statement: D1PreparedStatement) -> Result<Option<T>, ApiError> {
    match statement.first::<T>(None).await {
        Ok(row) => Ok(row),
        Err(_) => statement.first::<T>(None).await.context("D1 query"),
    }
}

macro_rules! args {
    ($($a:expr),* $(,)?) => { &[$($crate::services::db::Arg::from($a)),*] };
}
pub(crate) use args;
