//! Analytics: the beacon the shop's pages send (`POST /api/events`), the merchant's reports
//! (`GET /api/admin/analytics`, `…/analytics/export`) and the shop's health
//! (`GET /api/admin/health`). Reports are KPIs, chart series and tables of typed cells, so the
//! back office draws every table, and the CSV export writes it, from one definition.

pub use edgeshop_domain::analytics::Kind as EventKind;
use edgeshop_domain::text::csv_field;
use serde::{Deserialize, Serialize};

/// One event from a page. Unknown fields are refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PageEvent {
    pub kind: EventKind,
    /// Random per browser tab (kept in `sessionStorage`, never a cookie).
    pub session: String,
    /// The page type (page views).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// A product slug (product views, add to cart).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// What was searched for (searches, clicks on a result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// How many results the search found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<u32>,
}

/// `POST /api/events` (sent with `navigator.sendBeacon`, so as `text/plain`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Beacon {
    pub events: Vec<PageEvent>,
}

/// `202`: how many events were queued (0 when the sender looks like a bot).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BeaconAccepted {
    pub accepted: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped: Option<String>,
}

/// How a number is meant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    Text,
    Count,
    /// Minor units of the report's currency.
    Money,
    /// Basis points (1/100 of a percent).
    Percent,
    /// Hundredths (days of stock, orders per customer).
    Decimal,
    /// Milliseconds.
    Millis,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Cell {
    Number(i64),
    Text(String),
    /// No value (a rate with nothing to divide by).
    Empty(()),
}

impl Cell {
    pub fn number(&self) -> Option<i64> {
        match self {
            Cell::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The value as the table and the CSV export show it (money in major units, without a
    /// currency sign, so a spreadsheet reads it as a number).
    pub fn plain(&self, kind: ValueKind, exponent: u32) -> String {
        match (self, kind) {
            (Cell::Text(t), _) => t.clone(),
            (Cell::Empty(()), _) => String::new(),
            (Cell::Number(n), ValueKind::Money) => decimal(*n, exponent),
            (Cell::Number(n), ValueKind::Percent) => format!("{}%", decimal(*n, 2)),
            (Cell::Number(n), ValueKind::Decimal) => decimal(*n, 2),
            (Cell::Number(n), _) => n.to_string(),
        }
    }
}

/// `1234`, 2 → `12.34`.
pub fn decimal(n: i64, exponent: u32) -> String {
    if exponent == 0 {
        return n.to_string();
    }
    let scale = 10i64.pow(exponent);
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}.{:0width$}", n.abs() / scale, n.abs() % scale, width = exponent as usize)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Column {
    pub key: String,
    pub label: String,
    pub kind: ValueKind,
}

impl Column {
    pub fn new(key: &str, label: &str, kind: ValueKind) -> Column {
        Column { key: key.into(), label: label.into(), kind }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Table {
    /// Names the table in `…/export?table=`.
    pub id: String,
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// RFC 4180 CSV with a header row; cells that a spreadsheet would run as a formula are quoted
    /// with a leading apostrophe.
    pub fn csv(&self, exponent: u32) -> String {
        let mut out = self.columns.iter().map(|c| csv_field(&c.label)).collect::<Vec<_>>().join(",");
        out.push_str("\r\n");
        for row in &self.rows {
            let fields: Vec<String> = row.iter().zip(&self.columns).map(|(cell, col)| csv_field(&cell.plain(col.kind, exponent))).collect();
            out.push_str(&fields.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

/// A headline number with the previous period's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Kpi {
    pub key: String,
    pub label: String,
    pub kind: ValueKind,
    pub value: i64,
    pub previous: i64,
}

/// One point of a series (a day, a category, a funnel step).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Point {
    pub label: String,
    pub value: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Chart {
    pub id: String,
    pub title: String,
    /// What the chart shows, for screen readers (`<desc>`).
    pub description: String,
    pub kind: ChartKind,
    pub unit: ValueKind,
    pub points: Vec<Point>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Line,
    Bar,
    Funnel,
}

/// `GET /api/admin/analytics?from=YYYY-MM-DD&to=YYYY-MM-DD` (both days included; the previous
/// period is the same number of days just before).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub from: String,
    pub to: String,
    pub previous_from: String,
    pub previous_to: String,
    pub currency: String,
    /// Decimal places of the currency (money cells are minor units).
    pub exponent: u32,
    pub kpis: Vec<Kpi>,
    pub charts: Vec<Chart>,
    pub tables: Vec<Table>,
}

/// `GET /api/admin/health?hours=24`: the worker's own numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpsHealth))]
pub struct Health {
    pub since: String,
    pub hours: u32,
    pub kpis: Vec<Kpi>,
    pub tables: Vec<Table>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_csv() {
        assert_eq!(Cell::Number(123456).plain(ValueKind::Money, 2), "1234.56");
        assert_eq!(Cell::Number(-5).plain(ValueKind::Money, 2), "-0.05");
        assert_eq!(Cell::Number(1234).plain(ValueKind::Percent, 0), "12.34%");
        assert_eq!(Cell::Number(7).plain(ValueKind::Money, 0), "7");
        let t = Table {
            id: "t".into(),
            title: "T".into(),
            columns: vec![
                Column { key: "q".into(), label: "Query".into(), kind: ValueKind::Text },
                Column { key: "n".into(), label: "Searches".into(), kind: ValueKind::Count },
            ],
            rows: vec![vec![Cell::Text("=cmd()".into()), Cell::Number(3)], vec![Cell::Text("a, \"b\"".into()), Cell::Empty(())]],
        };
        assert_eq!(t.csv(2), "Query,Searches\r\n'=cmd(),3\r\n\"a, \"\"b\"\"\",\r\n");
        let json = serde_json::to_string(&t.rows).unwrap();
        assert_eq!(json, r#"[["=cmd()",3],["a, \"b\"",null]]"#);
        assert_eq!(serde_json::from_str::<Vec<Vec<Cell>>>(&json).unwrap(), t.rows);
    }
}
