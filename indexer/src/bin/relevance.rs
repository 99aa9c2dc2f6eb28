//! Search relevance benchmark: a judged query set made from the catalog's own labels, scored
//! with nDCG@10 and recall@10 against the index the build ships.
//!
//! ```text
//! relevance judge --catalog catalog --out bench/relevance/judgments.json
//! relevance score --catalog catalog --judgments bench/relevance/judgments.json \
//!           --out bench/results/relevance.json --history bench/results/relevance-history.jsonl --label "…"
//! relevance intents --catalog catalog --queries bench/relevance/shopper-queries.json \
//!           --out bench/results/shopper-relevance.json --history bench/results/shopper-relevance-history.jsonl --label "…"
//! relevance query --catalog catalog --query "durable backpack for school"
//! relevance latency --catalog catalog --queries bench/relevance/shopper-queries-holdout.json --repeat 20 [--suggest yes]
//! ```
//!
//! `intents` scores a second set written as shoppers type (compounds, split words, words the
//! catalog lacks, everyday names, wider terms, typos on synonyms, things the shop does not sell),
//! each judged by intent (categories, optionally title words): precision@5, nDCG@10, the
//! zero-result rate of queries that have a relevant product, and how often a query with none shows
//! products anyway.
//!
//! Judgments are binary: a product is relevant to a query when it carries the labels the query was
//! made from (its category, an attribute value, a brand, an option value). Misspelled copies of
//! every query (one typo in the longest word of 5+ letters) share the original's judgments.

use edgeshop_domain::{Catalog, Product};
use edgeshop_indexer::{OwnedBytes, ProductIndex, SearchRequest};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

#[derive(Serialize, Deserialize)]
struct Judgment {
    query: String,
    /// How the query was made: category, attribute, brand, option, and `+typo` for misspellings.
    kind: String,
    relevant: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct Judgments {
    catalog_version: String,
    queries: Vec<Judgment>,
}

fn words(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ").to_lowercase()
}

fn in_category(p: &Product, slug: &str) -> bool {
    p.published && (p.category == slug || p.category.starts_with(&format!("{slug}/")))
}

/// One typo in the longest word of 5+ letters: two inner letters swapped (a transposition, which
/// Levenshtein counts as two edits) is too hard for a 5-letter word, so drop one letter instead.
fn misspell(query: &str, seed: usize) -> Option<String> {
    let ws: Vec<&str> = query.split(' ').collect();
    let (i, longest) = ws.iter().enumerate().filter(|(_, w)| w.chars().count() >= 5).max_by_key(|(_, w)| w.len())?;
    let chars: Vec<char> = longest.chars().collect();
    let at = 1 + seed % (chars.len() - 2);
    let typo: String = match seed % 3 {
        0 => chars.iter().enumerate().filter(|(j, _)| *j != at).map(|(_, c)| *c).collect(),
        1 => chars
            .iter()
            .enumerate()
            .map(|(j, c)| {
                if j == at {
                    if *c == 'e' {
                        'a'
                    } else {
                        'e'
                    }
                } else {
                    *c
                }
            })
            .collect(),
        _ => chars.iter().enumerate().flat_map(|(j, c)| if j == at { vec![*c, *c] } else { vec![*c] }).collect(),
    };
    let mut out: Vec<String> = ws.iter().map(|w| w.to_string()).collect();
    out[i] = typo;
    Some(out.join(" "))
}

fn judge(catalog: &Catalog) -> Judgments {
    type Queries = BTreeMap<String, (String, BTreeSet<String>)>;
    let mut queries: Queries = BTreeMap::new();
    fn add_to(queries: &mut Queries, q: String, kind: &str, relevant: BTreeSet<String>) {
        if !relevant.is_empty() && !q.is_empty() {
            queries.entry(q).or_insert_with(|| (kind.to_string(), relevant));
        }
    }
    let mut add = |q: String, kind: &str, relevant: BTreeSet<String>| add_to(&mut queries, q, kind, relevant);
    for c in &catalog.categories {
        let rel = catalog.products.iter().filter(|p| in_category(p, &c.slug)).map(|p| p.slug.clone()).collect();
        add(words(&c.name), "category", rel);
    }
    let leaves: Vec<_> = catalog.categories.iter().filter(|c| catalog.children_of(&c.slug).next().is_none()).collect();
    for c in &leaves {
        let products: Vec<&Product> = catalog.products.iter().filter(|p| in_category(p, &c.slug)).collect();
        // Attribute value + category: "merino wool base layers".
        let mut by_value: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for p in &products {
            for (_, v) in &p.attributes {
                if !v.chars().any(|c| c.is_ascii_digit()) && v.len() <= 24 {
                    by_value.entry(words(v)).or_default().insert(p.slug.clone());
                }
            }
        }
        for (v, rel) in by_value.into_iter().filter(|(_, r)| r.len() < products.len()).take(4) {
            add(format!("{v} {}", words(&c.name)), "attribute", rel);
        }
        // Brand + category: "kinetica smartwatches".
        let mut by_brand: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for p in &products {
            by_brand.entry(words(&p.brand)).or_default().insert(p.slug.clone());
        }
        for (b, rel) in by_brand.into_iter().take(3) {
            add(format!("{b} {}", words(&c.name)), "brand", rel);
        }
        // Option value + category: "navy jackets".
        let mut by_option: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for p in &products {
            for o in &p.options {
                for v in &o.values {
                    by_option.entry(words(v)).or_default().insert(p.slug.clone());
                }
            }
        }
        let mut options: Vec<_> = by_option.into_iter().filter(|(v, _)| v.chars().any(char::is_alphabetic)).collect();
        options.sort_by_key(|(_, rel)| std::cmp::Reverse(rel.len()));
        for (v, rel) in options.into_iter().take(2) {
            add(format!("{v} {}", words(&c.name)), "option", rel);
        }
    }
    let originals: Vec<(String, String, BTreeSet<String>)> = queries.iter().map(|(q, (k, r))| (q.clone(), k.clone(), r.clone())).collect();
    for (i, (q, kind, rel)) in originals.into_iter().enumerate() {
        if let Some(typo) = misspell(&q, i) {
            add_to(&mut queries, typo, &format!("{kind}+typo"), rel);
        }
    }
    Judgments {
        catalog_version: catalog.version.clone(),
        queries: queries.into_iter().map(|(query, (kind, rel))| Judgment { query, kind, relevant: rel.into_iter().collect() }).collect(),
    }
}

#[derive(Default, Serialize)]
struct Score {
    queries: usize,
    ndcg_at_10: f64,
    recall_at_10: f64,
    zero_results: usize,
}

/// Scores per query kind (and "all"), plus the weakest queries for a look at what went wrong.
/// Scores by query kind (and "all"), and the weakest queries with their score.
type Scored<S> = (BTreeMap<String, S>, Vec<(String, f64)>);

fn score(index: &mut ProductIndex, judgments: &Judgments) -> Result<Scored<Score>, String> {
    let mut by_kind: BTreeMap<String, Score> = BTreeMap::new();
    let mut weakest: Vec<(String, f64)> = Vec::new();
    for j in &judgments.queries {
        let hits = index.search(&SearchRequest::new(&j.query, 10)).map_err(|e| format!("{}: {e}", j.query))?.shown();
        let relevant: BTreeSet<&str> = j.relevant.iter().map(String::as_str).collect();
        let gains: Vec<f64> = hits.iter().map(|h| if relevant.contains(h.slug.as_str()) { 1.0 } else { 0.0 }).collect();
        let dcg: f64 = gains.iter().enumerate().map(|(i, g)| g / (i as f64 + 2.0).log2()).sum();
        let ideal_n = relevant.len().min(10);
        let idcg: f64 = (0..ideal_n).map(|i| 1.0 / (i as f64 + 2.0).log2()).sum();
        let found = gains.iter().filter(|g| **g > 0.0).count();
        weakest.push((j.query.clone(), (dcg / idcg * 1e3).round() / 1e3));
        for key in [j.kind.clone(), "all".to_string()] {
            let s = by_kind.entry(key).or_default();
            s.queries += 1;
            s.ndcg_at_10 += dcg / idcg;
            s.recall_at_10 += found as f64 / ideal_n as f64;
            s.zero_results += usize::from(hits.is_empty());
        }
    }
    for s in by_kind.values_mut() {
        s.ndcg_at_10 = (s.ndcg_at_10 / s.queries as f64 * 1e4).round() / 1e4;
        s.recall_at_10 = (s.recall_at_10 / s.queries as f64 * 1e4).round() / 1e4;
    }
    weakest.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    weakest.truncate(25);
    Ok((by_kind, weakest))
}

#[derive(Deserialize)]
struct Intent {
    query: String,
    class: String,
    categories: Vec<String>,
    #[serde(default)]
    title_any: Vec<String>,
}

#[derive(Deserialize)]
struct Intents {
    queries: Vec<Intent>,
}

#[derive(Default, Serialize)]
struct IntentScore {
    queries: usize,
    precision_at_5: f64,
    ndcg_at_10: f64,
    /// Queries with a relevant product that found nothing, as a share.
    zero_result_rate: f64,
    /// Queries with no relevant product that showed products anyway, as a share.
    stand_in_rate: f64,
    #[serde(skip)]
    with_relevant: usize,
    #[serde(skip)]
    without_relevant: usize,
}

fn score_intents(index: &mut ProductIndex, catalog: &Catalog, intents: &Intents, show: bool) -> Result<Scored<IntentScore>, String> {
    let mut by_class: BTreeMap<String, IntentScore> = BTreeMap::new();
    let mut weakest = Vec::new();
    for q in &intents.queries {
        let relevant: BTreeSet<&str> = catalog
            .products
            .iter()
            .filter(|p| q.categories.iter().any(|c| in_category(p, c)))
            .filter(|p| q.title_any.is_empty() || q.title_any.iter().any(|w| p.title.to_lowercase().contains(&w.to_lowercase())))
            .map(|p| p.slug.as_str())
            .collect();
        let hits = index.search(&SearchRequest::new(&q.query, 10)).map_err(|e| format!("{}: {e}", q.query))?.shown();
        if show {
            show_intent(q, &relevant, &hits);
        }
        for key in [q.class.clone(), "all".to_string()] {
            let all = key == "all";
            let s = by_class.entry(key).or_default();
            s.queries += 1;
            if relevant.is_empty() {
                s.without_relevant += 1;
                s.stand_in_rate += f64::from(u8::from(!hits.is_empty()));
                continue;
            }
            s.with_relevant += 1;
            let gains: Vec<f64> = hits.iter().map(|h| if relevant.contains(h.slug.as_str()) { 1.0 } else { 0.0 }).collect();
            let top5 = gains.iter().take(5).sum::<f64>() / relevant.len().min(5) as f64;
            let dcg: f64 = gains.iter().enumerate().map(|(i, g)| g / (i as f64 + 2.0).log2()).sum();
            let idcg: f64 = (0..relevant.len().min(10)).map(|i| 1.0 / (i as f64 + 2.0).log2()).sum();
            s.precision_at_5 += top5;
            s.ndcg_at_10 += dcg / idcg;
            s.zero_result_rate += f64::from(u8::from(hits.is_empty()));
            if all {
                weakest.push((q.query.clone(), (top5 * 1e3).round() / 1e3));
            }
        }
    }
    let round = |v: f64, n: usize| if n == 0 { 0.0 } else { (v / n as f64 * 1e4).round() / 1e4 };
    for s in by_class.values_mut() {
        s.precision_at_5 = round(s.precision_at_5, s.with_relevant);
        s.ndcg_at_10 = round(s.ndcg_at_10, s.with_relevant);
        s.zero_result_rate = round(s.zero_result_rate, s.with_relevant);
        s.stand_in_rate = round(s.stand_in_rate, s.without_relevant);
    }
    weakest.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    weakest.truncate(30);
    Ok((by_class, weakest))
}

/// `--show yes`: a query whose first five are not all relevant (or that shows products although
/// none is relevant), with its first five hits (`+` relevant).
fn show_intent(q: &Intent, relevant: &BTreeSet<&str>, hits: &[edgeshop_indexer::Hit]) {
    let good = hits.iter().take(5).filter(|h| relevant.contains(h.slug.as_str())).count();
    if good == relevant.len().min(5) && (relevant.is_empty() == hits.is_empty()) {
        return;
    }
    eprintln!("{:?} [{}] relevant {}, {good}/5:", q.query, q.class, relevant.len());
    for h in hits.iter().take(5) {
        eprintln!("   {} {}", if relevant.contains(h.slug.as_str()) { '+' } else { '-' }, h.slug);
    }
}

/// The index the shop's build makes: with the everyday vocabulary when `--wordnet DIR` (and
/// `--taxonomy FILE`) is given.
fn shop_index(catalog: &Catalog, opts: &BTreeMap<String, String>) -> Result<ProductIndex, String> {
    let lexicon = match opts.get("wordnet") {
        Some(dir) => Some(edgeshop_indexer::Lexicon::read(std::path::Path::new(dir))?),
        None => None,
    };
    // `--taxonomy FILE`: the product taxonomy beside WordNet, as the shop's build reads it.
    let lexicon = match opts.get("taxonomy") {
        Some(file) => {
            let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
            Some(lexicon.unwrap_or_default().with_taxonomy(edgeshop_indexer::Taxonomy::parse(&text)))
        }
        None => lexicon,
    };
    let blob = edgeshop_indexer::build_index_with(catalog, lexicon.as_ref(), &Default::default()).map_err(|e| e.to_string())?;
    ProductIndex::open(OwnedBytes::new(blob)).map_err(|e| e.to_string())
}

/// Writes the report and appends its summary to the history.
fn report(opts: &BTreeMap<String, String>, report: serde_json::Value, summary: serde_json::Value) -> Result<(), String> {
    println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    if let Some(out) = opts.get("out") {
        std::fs::write(out, serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n").map_err(|e| e.to_string())?;
    }
    if let Some(history) = opts.get("history") {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(history).map_err(|e| e.to_string())?;
        writeln!(f, "{summary}").map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let cmd = args.next().ok_or("usage: relevance judge|score --catalog DIR ...")?;
    let mut opts: BTreeMap<String, String> = BTreeMap::new();
    while let Some(a) = args.next() {
        let v = args.next().ok_or(format!("{a} needs a value"))?;
        opts.insert(a.trim_start_matches("--").to_string(), v);
    }
    let opt = |k: &str| opts.get(k).cloned().ok_or(format!("--{k} is required"));
    let catalog = edgeshop_catalog::load(&PathBuf::from(opt("catalog")?)).map_err(|e| e.to_string())?.catalog;
    match cmd.as_str() {
        "judge" => {
            let j = judge(&catalog);
            let out = opt("out")?;
            std::fs::write(&out, serde_json::to_string_pretty(&j).map_err(|e| e.to_string())? + "\n").map_err(|e| e.to_string())?;
            println!("relevance: {} judged queries written to {out}", j.queries.len());
        }
        "score" => {
            let path = opt("judgments")?;
            let judgments: Judgments =
                serde_json::from_slice(&std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?).map_err(|e| format!("{path}: {e}"))?;
            if judgments.catalog_version != catalog.version {
                eprintln!("relevance: warning: judgments were made for catalog {}, scoring {}", judgments.catalog_version, catalog.version);
            }
            let mut index = shop_index(&catalog, &opts)?;
            let (scores, weakest) = score(&mut index, &judgments)?;
            let label = opts.get("label").cloned().unwrap_or_default();
            let all = &scores["all"];
            let summary = serde_json::json!({ "label": label, "ndcg_at_10": all.ndcg_at_10, "recall_at_10": all.recall_at_10, "zero_results": all.zero_results, "queries": all.queries });
            report(
                &opts,
                serde_json::json!({ "label": label, "catalog_version": catalog.version, "scores": scores, "weakest_ndcg_at_10": weakest }),
                summary,
            )?;
        }
        "intents" => {
            let path = opt("queries")?;
            let intents: Intents =
                serde_json::from_slice(&std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?).map_err(|e| format!("{path}: {e}"))?;
            let mut index = shop_index(&catalog, &opts)?;
            let (scores, weakest) = score_intents(&mut index, &catalog, &intents, opts.get("show").is_some_and(|v| v == "yes"))?;
            let label = opts.get("label").cloned().unwrap_or_default();
            let all = &scores["all"];
            let summary = serde_json::json!({ "label": label, "precision_at_5": all.precision_at_5, "ndcg_at_10": all.ndcg_at_10,
                "zero_result_rate": all.zero_result_rate, "stand_in_rate": all.stand_in_rate, "queries": all.queries });
            report(
                &opts,
                serde_json::json!({ "label": label, "catalog_version": catalog.version, "scores": scores, "weakest_precision_at_5": weakest }),
                summary,
            )?;
        }
        "latency" => {
            // Search time per query of a shoppers' set (compounds, everyday words, words left
            // out: the slow paths), in-process: p50 and p99 over `--repeat` rounds.
            let path = opt("queries")?;
            let intents: Intents =
                serde_json::from_slice(&std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?).map_err(|e| format!("{path}: {e}"))?;
            let repeat: usize = opts.get("repeat").map_or(Ok(20), |r| r.parse()).map_err(|e| format!("--repeat: {e}"))?;
            // `--suggest yes`: the autocomplete's time for each query as typed so far.
            let suggest = opts.get("suggest").is_some_and(|v| v == "yes");
            let mut index = shop_index(&catalog, &opts)?;
            let mut times: Vec<f64> = Vec::new();
            let mut per_query: Vec<Vec<f64>> = vec![Vec::new(); intents.queries.len()];
            for _ in 0..repeat {
                for (i, q) in intents.queries.iter().enumerate() {
                    let start = std::time::Instant::now();
                    let found = if suggest {
                        index.suggest(&q.query, 8).map(|s| s.completions.len() + s.products.len())
                    } else {
                        index.search(&SearchRequest::new(&q.query, 10)).map(|r| r.total)
                    };
                    let found = found.map_err(|e| format!("{}: {e}", q.query))?;
                    let us = start.elapsed().as_secs_f64() * 1e6;
                    times.push(us);
                    per_query[i].push(us);
                    std::hint::black_box(found);
                }
            }
            // The slowest queries (by their median), for a look at what costs.
            let mut slowest: Vec<(f64, &str)> = per_query
                .iter_mut()
                .zip(&intents.queries)
                .map(|(t, q)| {
                    t.sort_by(f64::total_cmp);
                    (t[t.len() / 2], q.query.as_str())
                })
                .collect();
            slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
            for (us, q) in slowest.iter().take(8) {
                eprintln!("{us:>9.0} us  {q}");
            }
            times.sort_by(f64::total_cmp);
            let at = |times: &[f64], p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
            // Each query's median time, and their p50 and p99: a burst of noise on the machine
            // moves the pooled percentiles, hardly a query's median over the rounds.
            let mut medians: Vec<f64> = slowest.iter().map(|(us, _)| *us).collect();
            medians.sort_by(f64::total_cmp);
            println!(
                "{}",
                serde_json::json!({ "queries": intents.queries.len(), "repeat": repeat, "p50_us": at(&times, 0.5), "p99_us": at(&times, 0.99),
                    "query_medians_p50_us": at(&medians, 0.5), "query_medians_p99_us": at(&medians, 0.99) })
            );
        }
        "query" => {
            // One search as the shop runs it: what it found, what it left out, the first hits.
            let mut index = shop_index(&catalog, &opts)?;
            let q = opt("query")?;
            let r = index.search(&SearchRequest::new(&q, 10)).map_err(|e| format!("{q}: {e}"))?;
            println!("{q:?}: {} found ({} with every word), ignored {:?}", r.total, r.total_all_words, r.ignored_words);
            for h in &r.hits {
                println!("  {:>10.2} {}", h.score, h.slug);
            }
            if let Some(related) = &r.related {
                println!("  more in {}:", related.category_name);
                for h in &related.hits {
                    println!("  {:>10.2} {}", h.score, h.slug);
                }
            }
        }
        "words" => {
            // What the index knows of some words: uses in the vocabulary, everyday mapping.
            let index = shop_index(&catalog, &opts)?;
            let everyday = &index.extras().everyday;
            let bytes = serde_json::to_vec(everyday).map_err(|e| e.to_string())?.len();
            println!("everyday vocabulary: {} words, {bytes} bytes of JSON", everyday.len());
            // `--all yes`: every everyday word and what it stands for, one a line.
            if opts.get("all").is_some_and(|v| v == "yes") {
                for (word, targets) in everyday {
                    println!("{word} -> {}", targets.join(", "));
                }
            }
            for w in opt("words")?.split(',') {
                let x = index.extras();
                println!("{w}: uses {}, everyday {:?}, colour {:?}, split {:?}", x.uses(w), x.everyday(w), x.colour(w), x.split_compound(w));
            }
        }
        other => return Err(format!("unknown command {other}; use judge, score, intents or words")),
    }
    Ok(())
}
