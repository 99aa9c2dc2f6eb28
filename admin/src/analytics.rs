//! Analytics and health: the merchant's reports for a date range against the period before, and
//! the shop's own numbers. Charts are SVG drawn here from the report's series (a few hundred
//! bytes each, no chart library): each has a title and a description for screen readers and its
//! figures in a table beside it. Tables show the same text the CSV export writes.

use crate::client::{self, hydrated, money};
use edgeshop_api::analytics::{decimal, Cell, Chart, ChartKind, Health, Kpi, Report, Table, ValueKind};
use edgeshop_domain::escape_html as esc;
use leptos::prelude::*;

/// A KPI's value for people: money in the shop's format, rates as percentages.
fn show(kind: ValueKind, v: i64, currency: &str, locale: &str) -> String {
    match kind {
        ValueKind::Money => money(v, currency, locale),
        ValueKind::Percent => format!("{}%", decimal(v, 2)),
        ValueKind::Decimal => decimal(v, 2),
        ValueKind::Millis => format!("{v} ms"),
        ValueKind::Count | ValueKind::Text => v.to_string(),
    }
}

/// `+12.5% vs previous` (or the change in points for rates).
fn change(k: &Kpi) -> String {
    if k.kind == ValueKind::Percent {
        let d = k.value - k.previous;
        return format!("{}{} pts vs previous period", if d >= 0 { "+" } else { "" }, decimal(d, 2));
    }
    if k.previous == 0 {
        return if k.value == 0 { "no change".into() } else { "new this period".into() };
    }
    let bp = (k.value - k.previous) * 10_000 / k.previous.abs();
    format!("{}{}% vs previous period", if bp >= 0 { "+" } else { "" }, decimal(bp, 2))
}

const W: f64 = 640.0;
/// A line chart's height; a bar chart gives each bar this much.
const H: f64 = 240.0;
const ROW: f64 = 24.0;

/// The chart as SVG markup (`role="img"`, `<title>` and `<desc>` named by `aria-labelledby`).
pub fn chart_svg(c: &Chart, format: &dyn Fn(i64) -> String) -> String {
    let max = c.points.iter().map(|p| p.value).max().unwrap_or(0).max(1) as f64;
    let (t, d) = (format!("{}-title", c.id), format!("{}-desc", c.id));
    let height = match c.kind {
        ChartKind::Line => H,
        ChartKind::Bar | ChartKind::Funnel => ROW * c.points.len().max(1) as f64 + 8.0,
    };
    let mut body = String::new();
    match c.kind {
        ChartKind::Line => {
            let (left, right, top, bottom) = (96.0, 8.0, 12.0, 28.0);
            let n = c.points.len().max(2) as f64 - 1.0;
            let xy = |i: usize, v: i64| (left + (W - left - right) * i as f64 / n, top + (H - top - bottom) * (1.0 - v as f64 / max));
            let points: Vec<String> = c.points.iter().enumerate().map(|(i, p)| xy(i, p.value)).map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            body.push_str(&format!(
                "<line class=\"axis\" x1=\"{left}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\"/><line class=\"grid\" x1=\"{left}\" y1=\"{top}\" x2=\"{r}\" y2=\"{top}\"/>\
                 <text class=\"tick\" x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{max_label}</text><text class=\"tick\" x=\"{lx}\" y=\"{b}\" text-anchor=\"end\">0</text>\
                 <polyline class=\"series\" fill=\"none\" points=\"{}\"/>",
                points.join(" "),
                b = H - bottom,
                r = W - right,
                lx = left - 6.0,
                ty = top + 4.0,
                max_label = esc(&format(max as i64)),
            ));
            if let (Some(first), Some(last)) = (c.points.first(), c.points.last()) {
                body.push_str(&format!(
                    "<text class=\"tick\" x=\"{left}\" y=\"{y}\">{}</text><text class=\"tick\" x=\"{r}\" y=\"{y}\" text-anchor=\"end\">{}</text>",
                    esc(&first.label),
                    esc(&last.label),
                    y = H - 8.0,
                    r = W - right
                ));
            }
        }
        ChartKind::Bar | ChartKind::Funnel => {
            let row = ROW;
            let (label_w, value_w) = (170.0, 110.0);
            let span = W - label_w - value_w;
            for (i, p) in c.points.iter().enumerate() {
                let y = 4.0 + row * i as f64;
                let w = (span * p.value as f64 / max).max(1.0);
                // A funnel's bars are centred, a bar chart's start at the axis.
                let x = if c.kind == ChartKind::Funnel { label_w + (span - w) / 2.0 } else { label_w };
                body.push_str(&format!(
                    "<text class=\"label\" x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{}</text><rect class=\"bar\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\"/>\
                     <text class=\"value\" x=\"{vx}\" y=\"{ty:.1}\">{}</text>",
                    esc(&p.label),
                    esc(&format(p.value)),
                    lx = label_w - 8.0,
                    ty = y + row * 0.6,
                    h = row * 0.7,
                    vx = W - value_w + 8.0,
                ));
            }
        }
    }
    format!(
        "<svg class=\"chart chart-{kind}\" viewBox=\"0 0 {W} {height}\" role=\"img\" aria-labelledby=\"{t} {d}\" data-points=\"{n}\"><title id=\"{t}\">{title}</title><desc id=\"{d}\">{desc}</desc>{body}</svg>",
        kind = match c.kind {
            ChartKind::Line => "line",
            ChartKind::Bar => "bar",
            ChartKind::Funnel => "funnel",
        },
        n = c.points.len(),
        title = esc(&c.title),
        desc = esc(&c.description),
    )
}

/// A table as the page shows it: money columns name the currency, cells read as in the CSV.
#[component]
fn DataTable(table: Table, currency: String, exponent: u32, #[prop(optional)] csv: Option<String>) -> impl IntoView {
    let columns = table.columns.clone();
    view! {
        <section class="report-table" data-table=table.id.clone()>
            <h2 id=format!("{}-heading", table.id)>{table.title.clone()}</h2>
            {csv.map(|href| view! { <p><a class="button" href=href download data-testid="csv">"Download CSV"</a></p> })}
            {if table.rows.is_empty() {
                view! { <p>"Nothing in this period."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-labelledby=format!("{}-heading", table.id)>
                        <table class="data">
                            <thead><tr>{columns.iter().map(|c| {
                                let label = if c.kind == ValueKind::Money { format!("{} ({currency})", c.label) } else { c.label.clone() };
                                view! { <th scope="col" class:num={c.kind != ValueKind::Text}>{label}</th> }
                            }).collect_view()}</tr></thead>
                            <tbody>{table.rows.iter().map(|row| view! {
                                <tr>{row.iter().zip(&columns).map(|(cell, c)| view! {
                                    <td class:num={c.kind != ValueKind::Text}>{cell.plain(c.kind, exponent)}</td>
                                }).collect_view()}</tr>
                            }).collect_view()}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Kpis(kpis: Vec<Kpi>, currency: String, locale: String, compare: bool) -> impl IntoView {
    view! {
        <ul class="kpis" data-testid="kpis">{kpis.into_iter().map(|k| {
            let value = show(k.kind, k.value, &currency, &locale);
            let delta = compare.then(|| change(&k));
            view! { <li data-kpi=k.key.clone() data-value=k.value.to_string()><span class="kpi-label">{k.label.clone()}</span>
                <strong>{value}</strong>{delta.map(|d| view! { <span class="kpi-change">{d}</span> })}</li> }
        }).collect_view()}</ul>
    }
}

/// Today (UTC) in the browser (the build's date when rendered on the server).
fn today() -> String {
    #[cfg(feature = "hydrate")]
    {
        String::from(js_sys::Date::new_0().to_iso_string()).chars().take(10).collect()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        "1970-01-01".to_string()
    }
}

#[island]
pub fn AnalyticsReport(locale: String) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let report = RwSignal::new(None::<Result<Report, String>>);
    let ready = hydrated();
    let last = client::LastLoad::new();
    let load = move || {
        let url = if from.get_untracked().is_empty() {
            "/api/admin/analytics".to_string()
        } else {
            format!("/api/admin/analytics?from={}&to={}", from.get_untracked(), to.get_untracked())
        };
        let ticket = last.start();
        leptos::task::spawn_local(async move {
            let r = client::get::<Report>(&url).await;
            if !last.is_last(ticket) {
                return;
            }
            if let Ok(r) = &r {
                from.set(r.from.clone());
                to.set(r.to.clone());
            }
            report.set(Some(r));
        });
    };
    Effect::new(move |_| load());
    let preset = move |days: i64| {
        let r = edgeshop_domain::analytics::Range::last(days, &today());
        from.set(r.from);
        to.set(r.to);
        load();
    };
    view! {
        <section class="admin-analytics" data-testid="analytics" data-ready=move || ready.get().to_string()>
            <h1>"Analytics"</h1>
            <form class="filters" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(); }>
                <label>"From " <input type="date" name="from" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/></label>
                <label>"To " <input type="date" name="to" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))/></label>
                <button type="submit">"Show"</button>
                <button type="button" on:click=move |_| preset(7)>"Last 7 days"</button>
                <button type="button" on:click=move |_| preset(30)>"Last 30 days"</button>
                <button type="button" on:click=move |_| preset(90)>"Last 90 days"</button>
            </form>
            {move || report.get().map(|r| match r {
                Err(e) => view! { <p class="notice error" role="alert">{e}</p> }.into_any(),
                Ok(r) => {
                    let (cur, exp, loc) = (r.currency.clone(), r.exponent, locale.clone());
                    let query = format!("from={}&to={}", r.from, r.to);
                    let charts = r.charts.iter().map(|c| {
                        let (cur, loc) = (cur.clone(), loc.clone());
                        let unit = c.unit;
                        let svg = chart_svg(c, &move |v| show(unit, v, &cur, &loc));
                        let rows = c.points.iter().map(|p| view! { <tr><th scope="row">{p.label.clone()}</th>
                            <td class="num">{Cell::Number(p.value).plain(unit, exp)}</td></tr> }).collect_view();
                        view! {
                            <figure class="chart-box" data-chart=c.id.clone()>
                                <figcaption>{c.title.clone()}</figcaption>
                                <div inner_html=svg></div>
                                <details><summary>"Chart data"</summary>
                                    <table class="data chart-data"><thead><tr><th scope="col">"Label"</th><th scope="col" class="num">
                                        {if unit == ValueKind::Money { format!("Value ({})", r.currency) } else { "Value".to_string() }}</th></tr></thead>
                                    <tbody>{rows}</tbody></table>
                                </details>
                            </figure>
                        }
                    }).collect_view();
                    let tables = r.tables.iter().cloned().map(|t| {
                        let csv = format!("/api/admin/analytics/export?table={}&{query}", t.id);
                        view! { <DataTable table=t currency=cur.clone() exponent=exp csv/> }
                    }).collect_view();
                    view! {
                        <p class="period">{format!("{} to {}, compared with {} to {}.", r.from, r.to, r.previous_from, r.previous_to)}</p>
                        <Kpis kpis=r.kpis.clone() currency=cur.clone() locale=loc.clone() compare=true/>
                        <div class="charts">{charts}</div>
                        {tables}
                    }.into_any()
                }
            })}
        </section>
    }
}

#[island]
pub fn HealthReport(locale: String, currency: String) -> impl IntoView {
    let hours = RwSignal::new(24u32);
    let health = RwSignal::new(None::<Result<Health, String>>);
    let ready = hydrated();
    let load = move || {
        let url = format!("/api/admin/health?hours={}", hours.get_untracked());
        leptos::task::spawn_local(async move { health.set(Some(client::get::<Health>(&url).await)) });
    };
    Effect::new(move |_| load());
    view! {
        <section class="admin-health" data-testid="health" data-ready=move || ready.get().to_string()>
            <h1>"Health"</h1>
            <form class="filters" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(); }>
                <label>"Period "
                    <select name="hours" on:change=move |ev| { hours.set(event_target_value(&ev).parse().unwrap_or(24)); load(); }>
                        <option value="1">"Last hour"</option>
                        <option value="24" selected>"Last 24 hours"</option>
                        <option value="168">"Last 7 days"</option>
                    </select>
                </label>
            </form>
            <p>"Dead letters can be replayed from the API (" <code>"POST /api/admin/dead-letters/{id}/replay"</code>
                "). Alerts go to the merchant addresses in " <code>"shop.toml"</code> "."</p>
            {move || health.get().map(|h| match h {
                Err(e) => view! { <p class="notice error" role="alert">{e}</p> }.into_any(),
                Ok(h) => view! {
                    <p class="period">{format!("Since {} UTC.", h.since.replacen('T', " ", 1))}</p>
                    <Kpis kpis=h.kpis.clone() currency=currency.clone() locale=locale.clone() compare=false/>
                    {h.tables.into_iter().map(|t| view! { <DataTable table=t currency=currency.clone() exponent=2/> }).collect_view()}
                }.into_any(),
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgeshop_api::analytics::Point;

    #[test]
    fn charts_are_labelled_svg_with_every_point() {
        let c = Chart {
            id: "c".into(),
            title: "Revenue <by> day".into(),
            description: "d".into(),
            kind: ChartKind::Bar,
            unit: ValueKind::Count,
            points: vec![Point { label: "tents & tarps".into(), value: 3 }, Point { label: "b".into(), value: 0 }],
        };
        let svg = chart_svg(&c, &|v| v.to_string());
        assert!(svg.starts_with("<svg class=\"chart chart-bar\""));
        assert!(svg.contains("role=\"img\" aria-labelledby=\"c-title c-desc\""));
        assert!(svg.contains("<title id=\"c-title\">Revenue &lt;by&gt; day</title>"));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("tents &amp; tarps"));
        let line = chart_svg(&Chart { kind: ChartKind::Line, ..c }, &|v| v.to_string());
        assert_eq!(line.matches("<polyline").count(), 1);
    }

    #[test]
    fn changes_read_as_people_say_them() {
        let k = |kind, value, previous| Kpi { key: "k".into(), label: "K".into(), kind, value, previous };
        assert_eq!(change(&k(ValueKind::Count, 150, 100)), "+50.00% vs previous period");
        assert_eq!(change(&k(ValueKind::Money, 50, 100)), "-50.00% vs previous period");
        assert_eq!(change(&k(ValueKind::Percent, 1250, 1000)), "+2.50 pts vs previous period");
        assert_eq!(change(&k(ValueKind::Count, 3, 0)), "new this period");
    }
}
