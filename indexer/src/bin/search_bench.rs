//! Native baseline for the search benchmark: opens the same blob the worker embeds and times
//! queries with a real clock. Also writes the query set both sides use.
//!
//! ```text
//! search_bench --index search.idx --snapshot snapshot.json --queries-out queries.json --repeat 50
//! ```

use edgeshop_domain::CatalogSnapshot;
use edgeshop_indexer::{OwnedBytes, ProductIndex, SearchRequest};
use std::time::Instant;

/// A fixed, catalog-derived query mix: whole words, word pairs, prefixes being typed, typos.
fn queries(snapshot: &CatalogSnapshot, n: usize) -> Vec<String> {
    let mut titles: Vec<&str> = snapshot.entries.iter().map(|e| e.product_title.as_str()).collect();
    titles.dedup();
    let step = (titles.len() / n.max(1)).max(1);
    let mut out = Vec::new();
    for (i, title) in titles.iter().step_by(step).take(n).enumerate() {
        let words: Vec<&str> = title.split_whitespace().filter(|w| w.chars().all(char::is_alphanumeric)).collect();
        let Some(long) = words.iter().max_by_key(|w| w.len()) else { continue };
        let q = match i % 4 {
            0 => long.to_lowercase(),
            1 if words.len() >= 2 => format!("{} {}", words[0], words[words.len() - 1]).to_lowercase(),
            2 if long.len() >= 5 => long[..4].to_lowercase(),
            3 if long.len() >= 6 => {
                let mut c: Vec<char> = long.to_lowercase().chars().collect();
                c.swap(2, 3);
                c.into_iter().collect()
            }
            _ => long.to_lowercase(),
        };
        out.push(q);
    }
    out
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() -> Result<(), String> {
    let mut index_path = None;
    let mut snapshot_path = None;
    let mut queries_out = None;
    let mut repeat = 30usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next().ok_or(format!("{a} needs a value"))?;
        match a.as_str() {
            "--index" => index_path = Some(v),
            "--snapshot" => snapshot_path = Some(v),
            "--queries-out" => queries_out = Some(v),
            "--repeat" => repeat = v.parse().map_err(|e| format!("--repeat: {e}"))?,
            _ => return Err(format!("unknown option {a}")),
        }
    }
    let blob = std::fs::read(index_path.ok_or("--index is required")?).map_err(|e| e.to_string())?;
    let snapshot: CatalogSnapshot =
        serde_json::from_slice(&std::fs::read(snapshot_path.ok_or("--snapshot is required")?).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let qs = queries(&snapshot, 100);
    if let Some(path) = queries_out {
        std::fs::write(path, serde_json::to_vec(&qs).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    }

    let t = Instant::now();
    let mut index = ProductIndex::open(OwnedBytes::new(blob)).map_err(|e| e.to_string())?;
    let open_ms = t.elapsed().as_secs_f64() * 1e3;
    // Warm-up pass, then per-query medians over `repeat` runs (same as the worker side).
    let mut hits_total = 0;
    for q in &qs {
        hits_total += index.search(&SearchRequest::new(q, 10)).map_err(|e| e.to_string())?.hits.len();
    }
    let mut per_query_us = Vec::new();
    for q in &qs {
        let mut runs = Vec::with_capacity(repeat);
        for _ in 0..repeat {
            let t = Instant::now();
            let hits = index.search(&SearchRequest::new(q, 10)).map_err(|e| e.to_string())?;
            runs.push(t.elapsed().as_secs_f64() * 1e6);
            std::hint::black_box(hits);
        }
        runs.sort_by(f64::total_cmp);
        per_query_us.push(percentile(&runs, 0.5));
    }
    per_query_us.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "queries": qs.len(),
            "documents": index.num_docs(),
            "hits_total": hits_total,
            "open_ms": open_ms,
            "p50_us": percentile(&per_query_us, 0.5),
            "p99_us": percentile(&per_query_us, 0.99),
        })
    );
    Ok(())
}
