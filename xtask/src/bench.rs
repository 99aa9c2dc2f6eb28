//! `cargo xtask bench`: benchmarks with a baseline measured in the same run.
//!
//! `build-search [--products N]` (default 20000): generates an N-product shop, times the static
//! build (pages, index), then measures search latency with native tantivy on the index file
//! (baseline) and inside the worker under `wrangler dev`, and the worker's upload size.
//! Results: `bench/results/build-search-<N>.json` and `.md`.
//!
//! `relevance [--label TEXT]`: nDCG@10 and recall@10 of the judged queries in
//! `bench/relevance/judgments.json` against the index of `catalog/`; appends one line per run to
//! `bench/results/relevance-history.jsonl`, so every ranking change leaves its figure.

use crate::build::{cargo, dist};
use crate::root;
use crate::run as exec;
use crate::tools::wrangler_dev;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The benchmarks.
#[derive(clap::Subcommand)]
pub enum Bench {
    /// Build time and search latency of a generated shop (the default benchmark)
    BuildSearch {
        #[arg(long, default_value_t = 20_000)]
        products: usize,
        /// Also measure search inside the worker (`yes` or `no`)
        #[arg(long, default_value = "yes", value_parser = ["yes", "no"])]
        worker: String,
    },
    /// The page build of a generated shop against Hugo building the same pages, and the rebuild
    /// after one price change
    Build {
        #[arg(long, default_value_t = 20_000)]
        products: usize,
        /// Paired runs (ours, Hugo); the medians are compared
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Cart and checkout latency and throughput under `wrangler dev`
    Commerce,
    /// Search relevance (nDCG@10, precision, zero results) of the judged query set
    Relevance {
        #[arg(long, default_value = "manual run")]
        label: String,
    },
    /// Lighthouse (mobile) on the sample shop's pages
    Lighthouse,
    /// The back office's order list and search with many generated orders in D1, against a static asset
    BackOffice {
        #[arg(long, default_value_t = 10_000)]
        orders: usize,
    },
    /// The analytics reports over a generated 90-day history in D1, against a static asset; the
    /// beacon script's size, and Lighthouse on a product page with and without it
    Analytics {
        #[arg(long, default_value_t = 10_000)]
        orders: usize,
        /// Also run Lighthouse with and without the beacon script (`yes` or `no`)
        #[arg(long, default_value = "yes", value_parser = ["yes", "no"])]
        lighthouse: String,
    },
    /// Shops of any size against the static-asset limits: build time, peak memory, files and bytes
    /// per size (images in R2, Paid plan) against every page and image a static file; edge-rendered
    /// against static product pages; the worker's size
    Deploy {
        #[arg(long, value_delimiter = ',', default_value = "20000,100000")]
        products: Vec<usize>,
        /// Build the all-static baseline for sizes up to this
        #[arg(long, default_value_t = 100_000)]
        baseline_up_to: usize,
        /// Products of the shop whose pages are half static, half at the edge (0: skip that part)
        #[arg(long, default_value_t = 2_000)]
        edge_products: usize,
        /// `responsive` (image sizes rendered, as a deploy builds) or `original` (files as they are)
        #[arg(long, default_value = "responsive", value_parser = ["responsive", "original"])]
        images: String,
        /// The Workers plan of the shops (`free` or `paid`)
        #[arg(long, default_value = "paid", value_parser = ["free", "paid"])]
        plan: String,
        /// Photos per product (the generator draws one; more are copies under other names)
        #[arg(long, default_value_t = 1)]
        photos: usize,
    },
    /// The CPU time of a fresh isolate's first search (the worker's search path as wasm in Node),
    /// and warm search in it, against native tantivy on the same index
    FirstSearch {
        #[arg(long, value_delimiter = ',', default_value = "20000,100000")]
        products: Vec<usize>,
        /// Fresh isolates (Node processes) per shop
        #[arg(long, default_value_t = 20)]
        isolates: usize,
    },
    /// Import of a generated Shopify CSV (seconds, peak memory) against the catalog build of the same shop
    Import {
        #[arg(long, default_value_t = 20_000)]
        products: usize,
    },
}

impl Default for Bench {
    fn default() -> Self {
        Bench::BuildSearch { products: 20_000, worker: "yes".into() }
    }
}

pub fn run(which: Bench) -> Result<(), String> {
    match which {
        Bench::BuildSearch { products, worker } => {
            crate::tools::ensure_all(crate::tools::Needs::Build)?;
            build_search(products, worker == "yes")
        }
        Bench::Build { products, runs } => crate::bench_build::run(products, runs),
        Bench::Commerce => {
            crate::tools::ensure_all(crate::tools::Needs::Build)?;
            commerce()
        }
        Bench::Lighthouse => {
            crate::tools::ensure_all(crate::tools::Needs::Test)?;
            lighthouse()
        }
        Bench::Relevance { label } => relevance(&label),
        Bench::Import { products } => import(products),
        Bench::FirstSearch { products, isolates } => {
            crate::tools::ensure_all(crate::tools::Needs::Build)?;
            first_search(&products, isolates)
        }
        Bench::Deploy { products, baseline_up_to, edge_products, images, plan, photos } => {
            crate::tools::ensure_all(crate::tools::Needs::Build)?;
            crate::bench_deploy::run(
                &crate::bench_deploy::Shops { sizes: &products, baseline_up_to, images: &images, plan: &plan, photos },
                edge_products,
            )
        }
        Bench::BackOffice { orders } => {
            crate::tools::ensure_all(crate::tools::Needs::Build)?;
            back_office(orders)
        }
        Bench::Analytics { orders, lighthouse } => {
            crate::tools::ensure_all(crate::tools::Needs::Test)?;
            analytics(orders, lighthouse == "yes")
        }
    }
}

/// `cargo xtask bench back-office`: `orders` generated orders (with customers and lines) written
/// into the local D1 of a fresh `wrangler dev`, then the order list, its filters and searches and
/// one order, as a signed-in owner; baseline: a static asset from the same server in the same run.
fn back_office(orders: usize) -> Result<(), String> {
    crate::build::all(&root().join("catalog"), crate::build::Optimise::Full)?;
    let results = root().join("bench/results");
    std::fs::create_dir_all(&results).map_err(|e| e.to_string())?;
    let work = root().join("bench/work");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let session = "b".repeat(64);
    let sql = work.join("back-office-orders.sql");
    std::fs::write(&sql, generated_orders_sql(orders, &session)).map_err(|e| e.to_string())?;
    let config = root().join("wrangler.toml");
    let port = "8797";
    let out = with_wrangler(&config, port, |base| {
        let state = root().join("bench/work").join(format!("state-{port}"));
        let t = Instant::now();
        crate::tools::wrangler_d1("d1 execute (the generated orders)", || {
            let mut cmd = crate::tools::wrangler();
            cmd.args(["d1", "execute", "edgeshop", "--local", "--persist-to"]).arg(&state).arg("--file").arg(&sql);
            cmd
        })?;
        println!("xtask: {orders} orders written in {:.1} s", t.elapsed().as_secs_f64());
        node_json(&root().join("bench/back-office-load.mjs"), &[base, &format!("edgeshop_admin={session}"), "8", "8"])
    })?;
    save(&results.join("back-office.json"), &out)
}

/// `cargo xtask bench analytics`: a 90-day history of `orders` orders and their sessions
/// (`cargo xtask analytics-history`) in the local D1 of a fresh `wrangler dev`; the reports for 7,
/// 30 and 90 days, a CSV export and the health report as a signed-in owner, against a static
/// asset from the same server in the same run. With Lighthouse: a product page with the beacon
/// script and the same page without it (a copy under `/bench-no-beacon/`), in the same run.
fn analytics(orders: usize, with_lighthouse: bool) -> Result<(), String> {
    crate::build::all(&root().join("catalog"), crate::build::Optimise::Full)?;
    let results = root().join("bench/results");
    std::fs::create_dir_all(&results).map_err(|e| e.to_string())?;
    let session = "c".repeat(64);
    let until = crate::tools::today();
    // The product page without the beacon: a copy beside it, removed afterwards.
    let snapshot = std::fs::read_to_string(crate::build::bundle_dir().join("snapshot.json")).map_err(|e| e.to_string())?;
    let slug =
        snapshot.split("\"featured_products\":[\"").nth(1).and_then(|r| r.split('"').next()).ok_or("the shop has no featured product")?.to_string();
    let product = crate::build::dist().join(edgeshop_domain::paths::product_file(&slug));
    let html = std::fs::read_to_string(&product).map_err(|e| format!("{}: {e}", product.display()))?;
    let tag = "<script src=\"/assets/beacon.js\" defer></script>";
    if !html.contains(tag) {
        return Err(format!("{} does not load the beacon script", product.display()));
    }
    let copy = crate::build::dist().join("bench-no-beacon");
    std::fs::create_dir_all(&copy).map_err(|e| e.to_string())?;
    std::fs::write(copy.join("index.html"), html.replace(tag, "")).map_err(|e| e.to_string())?;
    let port = "8798";
    let out = with_wrangler(&root().join("wrangler.toml"), port, |base| {
        let state = root().join("bench/work").join(format!("state-{port}"));
        let o = crate::history::Options { orders, days: 90, until: until.clone(), seed: 1 };
        crate::history::run(&root().join("catalog"), &state, &o, None)?;
        use sha2::Digest;
        let hash = edgeshop_domain::text::hex(&sha2::Sha256::digest(session.as_bytes()));
        let sql = format!(
            "INSERT INTO staff (id, email, name, role, created_at) VALUES ('bench', 'bench@example.com', 'Bench', 'owner', '2026-01-01T00:00:00Z'); \
             INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at) VALUES ('{hash}', 'bench', '2026-01-01T00:00:00Z', 4102444800);"
        );
        crate::tools::wrangler_d1("d1 execute (a bench session)", || {
            let mut cmd = crate::tools::wrangler();
            cmd.args(["d1", "execute", "edgeshop", "--local", "--persist-to"]).arg(&state).args(["--command", &sql]);
            cmd
        })?;
        let load = node_json(&root().join("bench/analytics-load.mjs"), &[base, &format!("edgeshop_admin={session}"), &until, "4", "6"])?;
        let lighthouse = if with_lighthouse {
            let dir = root().join("bench/lighthouse");
            if !dir.join("node_modules/lighthouse").exists() {
                exec(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--no-save"]).current_dir(&dir))?;
            }
            // Three runs of each, interleaved (one Lighthouse run varies more than the script
            // weighs); the summary has the medians.
            let with = format!("/products/{slug}/");
            let paths: Vec<String> = (1..=3).flat_map(|r| [format!("{with}?run={r}"), format!("/bench-no-beacon/?run={r}")]).collect();
            let mut args = vec![base];
            args.extend(paths.iter().map(String::as_str));
            lighthouse_medians(&node_json(&dir.join("run.mjs"), &args)?)?
        } else {
            "null".to_string()
        };
        Ok(format!("{{\"load\":{load},\"lighthouse_with_and_without_beacon\":{lighthouse}}}"))
    });
    let _ = std::fs::remove_dir_all(&copy);
    save(&results.join("analytics.json"), &out?)
}

/// Adds `medians` (performance score, LCP, total blocking time, bytes) per page, whatever its
/// `?run=` query, to a Lighthouse result.
fn lighthouse_medians(json: &str) -> Result<String, String> {
    let mut v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("lighthouse output: {e}"))?;
    let mut by_page: std::collections::BTreeMap<String, Vec<&serde_json::Value>> = Default::default();
    for (path, page) in v["pages"].as_object().ok_or("no pages in the lighthouse output")? {
        by_page.entry(path.split('?').next().unwrap_or(path).to_string()).or_default().push(page);
    }
    let median = |mut xs: Vec<f64>| {
        xs.sort_by(f64::total_cmp);
        xs.get(xs.len() / 2).copied().unwrap_or(0.0)
    };
    let medians: serde_json::Map<String, serde_json::Value> = by_page
        .into_iter()
        .map(|(path, runs)| {
            let of = |f: &dyn Fn(&serde_json::Value) -> Option<f64>| median(runs.iter().filter_map(|r| f(r)).collect());
            let m = serde_json::json!({
                "runs": runs.len(),
                "performance": of(&|r| r["scores"]["performance"].as_f64()),
                "largest_contentful_paint_ms": of(&|r| r["metrics"]["largest-contentful-paint"].as_f64()).round(),
                "total_blocking_time_ms": of(&|r| r["metrics"]["total-blocking-time"].as_f64()).round(),
                "transfer_bytes": of(&|r| r["bytes"]["total"].as_f64()),
                "script_bytes": of(&|r| r["bytes"]["script"].as_f64()),
                "wire_bytes_idle": of(&|r| r["wire"]["idle_bytes"].as_f64()),
                "wire_bytes_islands_awake": of(&|r| r["wire"]["awake_bytes"].as_f64()),
            });
            (path, m)
        })
        .collect();
    v["medians"] = serde_json::Value::Object(medians);
    Ok(v.to_string())
}

/// SQL for `n` orders over `n / 10` customers (two lines each, statuses and payment methods
/// mixed, dates over the past year), an owner and a live session whose token is `session`.
fn generated_orders_sql(n: usize, session: &str) -> String {
    use sha2::Digest;
    let hash = edgeshop_domain::text::hex(&sha2::Sha256::digest(session.as_bytes()));
    let statuses = ["paid", "confirmed", "packed", "shipped", "delivered", "cancelled", "awaiting_payment"];
    let mut sql = String::from(
        "INSERT INTO staff (id, email, name, role, created_at) VALUES ('bench', 'bench@example.com', 'Bench', 'owner', '2026-01-01T00:00:00Z');\n",
    );
    sql.push_str(&format!(
        "INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at) VALUES ('{hash}', 'bench', '2026-01-01T00:00:00Z', 4102444800);\n"
    ));
    let customers = (n / 10).max(1);
    for c in 0..customers {
        sql.push_str(&format!(
            "INSERT INTO customers (email, name, phone, first_order_at, last_order_at) VALUES ('shopper{c}@example.com', 'Shopper {c}', '', '2025-12-01T00:00:00Z', '2026-11-30T00:00:00Z');\n"
        ));
    }
    for i in 0..n {
        let number = 1001 + i;
        let (day, hour) = (i * 365 / n.max(1), i % 24);
        let month = 1 + day / 31 % 12;
        let dom = 1 + day % 28;
        let at = format!("2026-{month:02}-{dom:02}T{hour:02}:00:00.000Z");
        let status = statuses[i % statuses.len()];
        let method = if i % 3 == 0 { "cash_on_delivery" } else { "online" };
        let total = 1999 + (i as i64 * 37) % 20000;
        sql.push_str(&format!(
            "INSERT INTO orders (number, token, email, name, status, payment_method, currency, subtotal_minor, shipping_minor, tax_minor, total_minor, catalog_version, address_json, contact_json, created_at, updated_at) \
             VALUES ({number}, 't{number}', 'shopper{c}@example.com', 'Shopper {c}', '{status}', '{method}', 'EUR', {total}, 0, 0, {total}, 'bench', \
             '{{\"name\":\"Shopper {c}\",\"line1\":\"1 Road\",\"line2\":\"\",\"city\":\"Cork\",\"postal_code\":\"T12\",\"country\":\"IE\"}}', \
             '{{\"email\":\"shopper{c}@example.com\",\"phone\":\"\"}}', '{at}', '{at}');\n",
            c = i % customers
        ));
        for position in 0..2 {
            sql.push_str(&format!(
                "INSERT INTO order_lines (order_number, position, sku, product_slug, title, variant_title, quantity, unit_minor, line_minor) VALUES ({number}, {position}, 'SKU-{position}', 'p', 'Product', 'Default', 1, {half}, {half});\n",
                half = total / 2
            ));
        }
        sql.push_str(&format!("INSERT INTO order_history (order_number, status, at) VALUES ({number}, '{status}', '{at}');\n"));
    }
    sql
}

/// Lighthouse (mobile) on home, a category and a product page of the sample shop under
/// `wrangler dev`; baseline: a plain info page (text only) from the same server in the same run.
fn lighthouse() -> Result<(), String> {
    crate::build::all(&root().join("catalog"), crate::build::Optimise::Full)?;
    let dir = root().join("bench/lighthouse");
    if !dir.join("node_modules/lighthouse").exists() {
        println!("bench: installing lighthouse into bench/lighthouse/");
        exec(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--no-save"]).current_dir(&dir))?;
    }
    let snapshot = std::fs::read_to_string(crate::build::bundle_dir().join("snapshot.json")).map_err(|e| e.to_string())?;
    // The shop's first featured product.
    let slug = snapshot
        .split("\"featured_products\":[\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("the shop has no featured product")?
        .to_string();
    let product = format!("/products/{slug}/");
    let results = root().join("bench/results");
    std::fs::create_dir_all(&results).map_err(|e| e.to_string())?;
    let out = with_wrangler(&root().join("wrangler.toml"), "8796", |base| {
        if http_status("8796", &product) != Some(200) {
            return Err(format!("{product} is not a page"));
        }
        node_json(&dir.join("run.mjs"), &[base, "/pages/shipping/", "/", "/c/apparel/", &product, "/search?q=jacket", "/cart/", "/checkout/"])
    })?;
    save(&results.join("lighthouse.json"), &out)
}

/// `cargo xtask screenshots`: the sample shop's main pages at phone and desktop sizes.
pub fn screenshots() -> Result<(), String> {
    crate::tools::ensure_all(crate::tools::Needs::Test)?;
    crate::build::all(&root().join("catalog"), crate::build::Optimise::Full)?;
    let dir = root().join("target/screenshots");
    with_wrangler(&root().join("wrangler.toml"), "8795", |base| {
        exec(Command::new("node").arg(root().join("tests/browser/screenshots.mjs")).env("BASE_URL", base).env("SCREENSHOT_DIR", &dir))
    })?;
    println!("xtask: screenshots in {}", dir.display());
    Ok(())
}

fn relevance(label: &str) -> Result<(), String> {
    let r = root();
    exec(
        cargo()
            .current_dir(&r)
            .args(["run", "--quiet", "--profile", "tool", "-p", "edgeshop-indexer", "--features", "tools", "--bin", "relevance", "--"])
            .args([
                "score",
                "--catalog",
                "catalog",
                "--judgments",
                "bench/relevance/judgments.json",
                "--out",
                "bench/results/relevance.json",
                "--history",
                "bench/results/relevance-history.jsonl",
                "--label",
                label,
            ])
            // Scored on the index the shop's build makes: with the everyday vocabulary when installed.
            .args(crate::build::everyday_sources()),
    )?;
    // The shoppers' sets, judged by intent: the first, and the holdouts written before stop 13's
    // and stop 55's tuning by writers who had seen neither the search code nor the other sets,
    // stop 59's (its writer ran the queries once against the shop, to record the before), and
    // stop 62's, 64's, 65's and 67's (written from the catalog alone; their befores are 4e1a1b9's,
    // 7e62b0f's, c89630f's and f745dc7's).
    for (queries, out, history) in [
        ("shopper-queries.json", "shopper-relevance.json", "shopper-relevance-history.jsonl"),
        ("shopper-queries-holdout.json", "shopper-holdout.json", "shopper-holdout-history.jsonl"),
        ("shopper-queries-holdout-2.json", "shopper-holdout-2.json", "shopper-holdout-2-history.jsonl"),
        ("shopper-queries-holdout-3.json", "shopper-holdout-3.json", "shopper-holdout-3-history.jsonl"),
        ("shopper-queries-holdout-4.json", "shopper-holdout-4.json", "shopper-holdout-4-history.jsonl"),
        ("shopper-queries-holdout-5.json", "shopper-holdout-5.json", "shopper-holdout-5-history.jsonl"),
        ("shopper-queries-holdout-6.json", "shopper-holdout-6.json", "shopper-holdout-6-history.jsonl"),
        ("shopper-queries-holdout-7.json", "shopper-holdout-7.json", "shopper-holdout-7-history.jsonl"),
    ] {
        exec(
            cargo()
                .current_dir(&r)
                .args(["run", "--quiet", "--profile", "tool", "-p", "edgeshop-indexer", "--features", "tools", "--bin", "relevance", "--"])
                .args([
                    "intents",
                    "--catalog",
                    "catalog",
                    "--queries",
                    &format!("bench/relevance/{queries}"),
                    "--out",
                    &format!("bench/results/{out}"),
                    "--history",
                    &format!("bench/results/{history}"),
                    "--label",
                    label,
                ])
                .args(crate::build::everyday_sources()),
        )?;
    }
    Ok(())
}

/// Runs a node script and returns the last JSON line it printed.
fn node_json(script: &Path, args: &[&str]) -> Result<String, String> {
    node_json_flags(&[], script, args)
}

/// [`node_json`] with Node (V8) flags.
fn node_json_flags(flags: &[&str], script: &Path, args: &[&str]) -> Result<String, String> {
    node_json_with(flags, &[], script, args)
}

/// [`node_json`] with Node (V8) flags and environment variables.
fn node_json_with(flags: &[&str], env: &[(&str, &str)], script: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("node").args(flags).envs(env.iter().copied()).arg(script).args(args).output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("{} failed: {}", script.display(), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(read_json_line(&out.stdout))
}

fn save(path: &Path, json: &str) -> Result<(), String> {
    std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("bench: results in {}\n{json}", path.display());
    Ok(())
}

/// Raises the first variant price of the first product file (by name) by 1.00; returns its file name.
pub(crate) fn raise_one_price(products: &Path) -> Result<String, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(products).map_err(|e| e.to_string())?.flatten().map(|e| e.path()).collect();
    files.sort();
    let file = files.first().ok_or("no product files")?;
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let mut done = false;
    let changed: Vec<String> = text
        .lines()
        .map(|line| match line.strip_prefix("price = ").and_then(|p| p.trim().parse::<i64>().ok()) {
            Some(price) if !done => {
                done = true;
                format!("price = {}", price + 100)
            }
            _ => line.to_string(),
        })
        .collect();
    if !done {
        return Err(format!("{}: no price line", file.display()));
    }
    std::fs::write(file, changed.join("\n") + "\n").map_err(|e| e.to_string())?;
    Ok(file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
}

fn read_json_line(out: &[u8]) -> String {
    String::from_utf8_lossy(out).lines().rev().find(|l| l.trim_start().starts_with('{')).unwrap_or("{}").to_string()
}

fn build_search(n: usize, with_worker: bool) -> Result<(), String> {
    let work = root().join("bench/work");
    let results = root().join("bench/results");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&results).map_err(|e| e.to_string())?;
    let catalog = work.join(format!("catalog-{n}"));
    let out = work.join(format!("dist-{n}"));
    let bundle = work.join(format!("bundle-{n}"));

    println!("bench: generating a {n}-product shop");
    crate::gen_catalog::generate(&catalog, n, 1).map_err(|e| e.to_string())?;
    // Every page and image a static file: the Paid plan holds them at 20k (the Free plan's 20,000
    // files do not: the build would refuse it).
    crate::bench_deploy::set_deploy(&catalog, "plan = \"paid\"\nimages = \"static\"")?;

    // Compile first so the timing is the build of the shop, not of the builder.
    build_search_tools()?;
    let timings = work.join(format!("timings-{n}.json"));
    let build_site = |timings: &Path| build_generated(&catalog, &out, &bundle, timings);
    // Start from an empty bundle so the index is really built (the builder reuses a fresh one).
    let _ = std::fs::remove_dir_all(&bundle);
    println!("bench: static build (pages + search index)");
    let build_wall = build_site(&timings)?;
    let build = std::fs::read_to_string(&timings).map_err(|e| e.to_string())?;
    println!("bench: rebuild after one price change (the merchant's usual publish)");
    let changed = raise_one_price(&catalog.join("products"))?;
    let timings_again = work.join(format!("timings-{n}-one-price.json"));
    let rebuild_wall = build_site(&timings_again)?;
    let rebuild = std::fs::read_to_string(&timings_again).map_err(|e| e.to_string())?;
    // The browser bundle is catalog-independent: reuse the one from `cargo xtask build`.
    let pkg = dist().join("pkg");
    if pkg.exists() {
        copy_flat(&pkg, &out.join("pkg"))?;
    }

    println!("bench: Pagefind over the same product pages (the ship-the-index-to-the-browser baseline)");
    let pagefind = pagefind(&out, &work.join(format!("pagefind-{n}")), n)?;

    println!("bench: native tantivy baseline");
    let queries = work.join(format!("queries-{n}.json"));
    let native = native_search(&bundle, &queries)?;

    let (worker, size) = if with_worker { in_worker(n, &work, &queries)? } else { ("null".to_string(), "null".to_string()) };

    let catalog_data = catalog_data_sizes(&out.join("_catalog"))?;
    let json = format!(
        "{{\"benchmark\":\"build-search\",\"products\":{n},\"build\":{build},\"build_wall_s\":{build_wall:.3},\
         \"rebuild_one_price\":{{\"product\":\"{changed}\",\"wall_s\":{rebuild_wall:.3},\"build\":{rebuild}}},\
         \"native_baseline\":{native},\"worker\":{worker},\"worker_upload\":{size},\"catalog_data\":{catalog_data},\"pagefind\":{pagefind}}}"
    );
    let json_path = results.join(format!("build-search-{n}.json"));
    std::fs::write(&json_path, &json).map_err(|e| e.to_string())?;
    println!("bench: results in {}\n{json}", json_path.display());
    let md = format!(
        "# build-search, {n} products\n\nMachine: 2 cores. Baseline for the worker numbers: native tantivy (same index blob, same queries, same run).\n\n```json\n{json}\n```\n"
    );
    std::fs::write(results.join(format!("build-search-{n}.md")), md).map_err(|e| e.to_string())?;
    Ok(())
}

/// The site builder and the native search baseline, fully optimised, with the packages of every
/// native build (`build::NATIVE_PACKAGES`), so nothing is compiled again.
fn build_search_tools() -> Result<(), String> {
    exec(
        cargo()
            .args(["build", "--quiet", "--profile", "tool"])
            .args(crate::build::NATIVE_PACKAGES)
            .args(["--bin", "edgeshop-site", "--bin", "search_bench"])
            .current_dir(root()),
    )
}

/// Builds a generated shop's pages and search index (original images: the search benchmarks
/// time pages and index, not image sizes); the wall seconds.
fn build_generated(catalog: &Path, out: &Path, bundle: &Path, timings: &Path) -> Result<f64, String> {
    let t = Instant::now();
    exec(
        crate::build::site_command(&root().join("target/tool/edgeshop-site"), catalog, out, bundle)
            .arg("--timings")
            .arg(timings)
            .args(["--images", "original"]),
    )?;
    Ok(t.elapsed().as_secs_f64())
}

/// Native tantivy over a build's index (`search_bench`): writes the query set both sides use to
/// `queries`; its JSON (open time, per-query p50/p99).
fn native_search(bundle: &Path, queries: &Path) -> Result<String, String> {
    let native = Command::new(root().join("target/tool/search_bench"))
        .arg("--index")
        .arg(bundle.join("search.idx"))
        .arg("--snapshot")
        .arg(bundle.join("snapshot.json"))
        .arg("--queries-out")
        .arg(queries)
        .args(["--repeat", "30"])
        .output()
        .map_err(|e| e.to_string())?;
    if !native.status.success() {
        return Err(format!("search_bench failed: {}", String::from_utf8_lossy(&native.stderr)));
    }
    Ok(read_json_line(&native.stdout))
}

/// `cargo xtask bench first-search`: the CPU time of a fresh isolate's first search, by proxy
/// (`bench/first-search.mjs`: the worker's search path as wasm in Node, each step's CPU counted;
/// see there for what is and is not counted), for generated shops of each size; warm search in
/// the same wasm; baseline: native tantivy on the same index and queries, same run.
fn first_search(sizes: &[usize], isolates: usize) -> Result<(), String> {
    let work = root().join("bench/work");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    println!("bench: the worker's search path as wasm for Node (release profile and the worker's wasm-opt passes, as a deployed worker)");
    exec(
        cargo()
            .args(["build", "--quiet", "-p", "edgeshop-search-wasm", "--lib", "--profile", "release", "--target", "wasm32-unknown-unknown"])
            .current_dir(root())
            .env("WASM_BINDGEN_USE_JS_SYS", "1"),
    )?;
    let pkg = work.join("search-wasm");
    let _ = std::fs::remove_dir_all(&pkg);
    std::fs::create_dir_all(&pkg).map_err(|e| e.to_string())?;
    let wasm = root().join("target/wasm32-unknown-unknown/release/edgeshop_search_wasm.wasm");
    crate::pack::bindgen(&wasm, &pkg, "search_wasm", crate::pack::Host::Node)?;
    // EDGESHOP_WASM_NAMES=1 keeps function names, for a CPU profile (`node --cpu-prof`).
    let names = std::env::var_os("EDGESHOP_WASM_NAMES").is_some();
    crate::pack::wasm_opt(&pkg.join("search_wasm_bg.wasm"), &crate::pack::WORKER_OPT, &crate::pack::WORKER_FEATURES, names)?;
    let wasm_bytes = std::fs::metadata(pkg.join("search_wasm_bg.wasm")).map_err(|e| e.to_string())?.len();
    build_search_tools()?;
    let mut shops = Vec::new();
    for &n in sizes {
        let (catalog, out, bundle) = (work.join(format!("catalog-{n}")), work.join(format!("dist-{n}")), work.join(format!("bundle-{n}")));
        println!("bench: generating and building a {n}-product shop");
        crate::gen_catalog::generate(&catalog, n, 1).map_err(|e| e.to_string())?;
        // Images in R2: at 100k, images as static files go over the Paid plan's file limit.
        crate::bench_deploy::set_deploy(&catalog, "plan = \"paid\"\nimages = \"r2\"")?;
        build_generated(&catalog, &out, &bundle, &work.join(format!("timings-{n}.json")))?;
        println!("bench: native tantivy on the same index");
        let queries = work.join(format!("queries-{n}.json"));
        let native = native_search(&bundle, &queries)?;
        println!("bench: first search of {isolates} fresh isolates (one Node process each), then warm search");
        let script = root().join("bench/first-search.mjs");
        let (pkg_arg, data_arg, queries_arg, isolates_arg) =
            (pkg.to_string_lossy(), out.join("_catalog").to_string_lossy().into_owned(), queries.to_string_lossy(), isolates.to_string());
        let args = [&*pkg_arg, &data_arg, &queries_arg, &isolates_arg, "30"];
        let proxy = node_json(&script, &args)?;
        // As the worker runs: the search code warmed when the isolate starts (`#[event(start)]`
        // runs `edgeshop_indexer::warm_up` over the small index the worker ships).
        println!("bench: the same with the search warmed up at isolate start, as the worker does");
        let warmed = node_json_with(&[], &[("EDGESHOP_WARM_AT_START", "1")], &script, &args)?;
        // The same with the whole module compiled when the isolate starts (V8 compiles lazily by
        // default): what the first search itself executes, without compiling the code it runs.
        println!("bench: the same with the module compiled eagerly at isolate start");
        let eager = node_json_flags(&["--no-wasm-lazy-compilation"], &script, &args)?;
        // Native search again after the wasm runs: its time moves by a tenth or more between
        // runs on this VM, so warm search is compared with the median of both native runs.
        println!("bench: native tantivy again");
        let native_after = native_search(&bundle, &queries)?;
        let warm = warm_ratio(&[&native, &native_after], &[&proxy, &warmed, &eager])?;
        let goal_ms = if n <= 20_000 { 10 } else { 50 };
        shops.push(format!(
            "{{\"products\":{n},\"goal_first_search_cpu_ms\":{goal_ms},\"native_baseline\":{native},\"native_baseline_after\":{native_after},\"warm_vs_native\":{warm},\"wasm_in_node\":{proxy},\"wasm_in_node_warmed_at_start\":{warmed},\"wasm_in_node_compiled_at_start\":{eager}}}"
        ));
    }
    let json = format!(
        "{{\"benchmark\":\"first-search\",\"machine_cores\":{},\"search_wasm_bytes\":{wasm_bytes},\"shops\":[{}]}}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        shops.join(",")
    );
    save(&root().join("bench/results/first-search.json"), &json)
}

/// Warm search in the wasm (the `warm` p50 of each Node run) against native tantivy (the p50 of
/// each native run): every figure, the medians and their ratio (the goal is 1.5).
fn warm_ratio(native: &[&str], wasm: &[&str]) -> Result<String, String> {
    let p50 = |json: &str, path: &[&str]| -> Result<f64, String> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        path.iter().try_fold(&value, |v, k| v.get(k)).and_then(serde_json::Value::as_f64).ok_or_else(|| format!("no {} in {json}", path.join(".")))
    };
    let median = |mut xs: Vec<f64>| -> f64 {
        xs.sort_by(f64::total_cmp);
        let n = xs.len();
        if n % 2 == 1 {
            xs[n / 2]
        } else {
            (xs[n / 2 - 1] + xs[n / 2]) / 2.0
        }
    };
    let native: Vec<f64> = native.iter().map(|j| p50(j, &["p50_us"])).collect::<Result<_, _>>()?;
    let wasm: Vec<f64> = wasm.iter().map(|j| p50(j, &["warm", "p50_us"])).collect::<Result<_, _>>()?;
    let (n, w) = (median(native.clone()), median(wasm.clone()));
    Ok(serde_json::json!({"native_p50_us": native, "wasm_p50_us": wasm, "native_median_us": n, "wasm_median_us": w, "ratio": w / n, "goal": 1.5})
        .to_string())
}

/// Serves this catalog's `_catalog/` data with the shop's worker (the same build for every
/// catalog) and measures search inside it under `wrangler dev`; returns the latency JSON and the
/// worker's upload size JSON.
fn in_worker(n: usize, work: &Path, queries: &Path) -> Result<(String, String), String> {
    println!("bench: the shop's worker over this catalog's data");
    crate::build::worker(crate::build::Optimise::Full)?;
    // Only what the worker and the baseline read: `wrangler dev` watches every asset file, and at
    // 100k products (200k files) its watcher runs out of Node heap before it serves anything.
    let edge = work.join(format!("edge-{n}"));
    let _ = std::fs::remove_dir_all(&edge);
    let dist_n = work.join(format!("dist-{n}"));
    copy_flat(&dist_n.join("_catalog"), &edge.join("_catalog"))?;
    for file in ["robots.txt", "404.html", "api/openapi.json"] {
        std::fs::create_dir_all(edge.join(file).parent().unwrap_or(&edge)).map_err(|e| format!("{file}: {e}"))?;
        std::fs::copy(dist_n.join(file), edge.join(file)).map_err(|e| format!("{file}: {e}"))?;
    }
    let config = work.join(format!("wrangler-{n}.toml"));
    std::fs::write(
        &config,
        format!(
            "name = \"edgeshop-bench\"\nmain = \"../../edge/build/worker/shim.mjs\"\ncompatibility_date = \"2026-04-20\"\n\n\
             [assets]\ndirectory = \"edge-{n}\"\nbinding = \"ASSETS\"\nnot_found_handling = \"404-page\"\nrun_worker_first = [\"/api/*\", \"/_catalog/*\"]\n\n\
             [[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"edgeshop\"\nmigrations_dir = \"../../migrations\"\n\n\
             [vars]\nEDGESHOP_BENCH = \"1\"\n"
        ),
    )
    .map_err(|e| e.to_string())?;

    let size = worker_size(&config, &work.join(format!("deploy-{n}")))?;
    let port = "8799";
    let worker =
        with_wrangler(&config, port, |base| node_json(&root().join("bench/search-latency.mjs"), &[base, &queries.to_string_lossy(), "200"]))?;

    Ok((worker, size))
}

/// Runs Pagefind over the product pages and reports its index size and build time.
fn pagefind(site: &Path, output: &Path, products: usize) -> Result<String, String> {
    let dir = root().join("bench/pagefind");
    let bin = dir.join("node_modules/.bin/pagefind");
    if !bin.exists() {
        println!("bench: installing pagefind into bench/pagefind/");
        exec(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--no-save"]).current_dir(&dir))?;
    }
    let _ = std::fs::remove_dir_all(output);
    let t = Instant::now();
    exec(Command::new(bin).arg("--site").arg(site).args(["--glob", "products/**/*.html", "--output-path"]).arg(output).arg("--quiet"))?;
    let seconds = t.elapsed().as_secs_f64();
    let (mut files, mut bytes, mut index_bytes) = (0u64, 0u64, 0u64);
    fn walk(dir: &Path, f: &mut dyn FnMut(&Path, u64)) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, f);
            } else if let Ok(m) = e.metadata() {
                f(&p, m.len());
            }
        }
    }
    walk(output, &mut |p, len| {
        files += 1;
        bytes += len;
        // Index and fragment files, without Pagefind's own UI and JS.
        if p.extension().is_some_and(|e| e == "pf_index" || e == "pf_fragment" || e == "pf_meta" || e == "pf_filter") {
            index_bytes += len;
        }
    });
    Ok(format!(
        "{{\"build_s\":{seconds:.3},\"files\":{files},\"bytes_total\":{bytes},\"index_bytes\":{index_bytes},\"index_bytes_per_product\":{:.1}}}",
        index_bytes as f64 / products.max(1) as f64
    ))
}

/// Cart and checkout round trips against the sample shop, static asset as baseline, in three
/// set-ups of wrangler's dev server: as `wrangler dev` runs it (debugger attached, state on disk),
/// without the debugger, and without the debugger with state on a RAM disk. The last two take out
/// what the local tools add and the platform does not (see `bench/dev-server.mjs`).
fn commerce() -> Result<(), String> {
    crate::build::all(&root().join("catalog"), crate::build::Optimise::Full)?;
    let results = root().join("bench/results");
    std::fs::create_dir_all(&results).map_err(|e| e.to_string())?;
    let work = root().join("bench/work");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let config = root().join("wrangler.toml");
    let snapshot = crate::build::bundle_dir().join("snapshot.json");
    let load = |base: &str| node_json(&root().join("bench/commerce-load.mjs"), &[base, &snapshot.to_string_lossy(), "8", "8"]);
    println!("bench: wrangler dev as the command line runs it");
    let cli = with_wrangler(&config, "8798", load)?;
    println!("bench: without the debugger");
    let disk = work.join("state-commerce");
    let quiet = with_dev_server(&config, "8798", DevServer { inspector: false, state: &disk }, load)?;
    let ram = ram_disk().map(|d| d.join(format!("edgeshop-bench-{}", std::process::id())));
    let in_ram = match &ram {
        Some(state) => {
            println!("bench: without the debugger, state on a RAM disk ({})", state.display());
            with_dev_server(&config, "8798", DevServer { inspector: false, state }, load)?
        }
        None => "null".to_string(),
    };
    let json = format!(
        "{{\"benchmark\":\"commerce\",\"machine_cores\":{},\"wrangler_dev\":{cli},\"no_debugger\":{quiet},\"no_debugger_state_in_ram\":{in_ram}}}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    save(&results.join("commerce.json"), &json)
}

/// A RAM-backed directory to keep local state in, where the machine has one.
fn ram_disk() -> Option<PathBuf> {
    let shm = PathBuf::from("/dev/shm");
    let probe = shm.join(format!("edgeshop-probe-{}", std::process::id()));
    std::fs::create_dir(&probe).ok()?;
    let _ = std::fs::remove_dir(&probe);
    Some(shm)
}

fn copy_flat(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from).map_err(|e| e.to_string())?.flatten() {
        std::fs::copy(entry.path(), to.join(entry.file_name())).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Files and bytes of the worker's catalog data (`dist/_catalog/`): SKU shards and index parts.
fn catalog_data_sizes(dir: &Path) -> Result<String, String> {
    let (mut shards, mut shard_bytes, mut largest_shard) = (0u64, 0u64, 0u64);
    let (mut parts, mut eager_bytes, mut chunks, mut chunk_bytes) = (0u64, 0u64, 0u64, 0u64);
    for e in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let len = e.metadata().map(|m| m.len()).unwrap_or(0);
        if name.starts_with("skus-") {
            shards += 1;
            shard_bytes += len;
            largest_shard = largest_shard.max(len);
        } else if name.starts_with("search-c") {
            chunks += 1;
            chunk_bytes += len;
        } else if name.starts_with("search-") {
            parts += 1;
            eager_bytes += len;
        }
    }
    let index_bytes = eager_bytes + chunk_bytes;
    Ok(format!(
        "{{\"sku_shards\":{shards},\"sku_shard_bytes_total\":{shard_bytes},\"sku_shard_bytes_max\":{largest_shard},\"index_parts\":{parts},\"index_eager_bytes\":{eager_bytes},\"index_postings_chunks\":{chunks},\"index_bytes\":{index_bytes}}}"
    ))
}

/// `wrangler deploy --dry-run` upload size, as wrangler reports it ("Total Upload: … / gzip: …").
pub fn worker_size(config: &Path, outdir: &Path) -> Result<String, String> {
    let out = crate::tools::wrangler()
        .args(["deploy", "--dry-run", "--config"])
        .arg(config)
        .arg("--outdir")
        .arg(outdir)
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let line = text.lines().find(|l| l.contains("Total Upload")).unwrap_or("unknown").trim().to_string();
    Ok(format!("\"{}\"", line.replace('"', "'")))
}

/// Plain HTTP/1.0 GET on loopback; returns the status code.
pub fn http_status(port: &str, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(format!("127.0.0.1:{port}")).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut buf = [0u8; 32];
    let n = s.read(&mut buf).ok()?;
    std::str::from_utf8(&buf[..n]).ok()?.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `f` with a `wrangler dev` for `config` listening on `port`, then stops it.
pub fn with_wrangler<T>(config: &Path, port: &str, f: impl FnOnce(&str) -> Result<T, String>) -> Result<T, String> {
    let state: PathBuf = root().join("bench/work").join(format!("state-{port}"));
    let mut cmd = wrangler_dev(port, &state);
    cmd.arg("--config").arg(config);
    with_server(cmd, config, port, &state, f)
}

/// How [`with_dev_server`] runs the shop: with or without wrangler's debugger attached, and where
/// its local state lives.
pub struct DevServer<'a> {
    pub inspector: bool,
    pub state: &'a Path,
}

/// Runs `f` with the shop under wrangler's dev server started through its API
/// (`bench/dev-server.mjs`), which can leave the debugger off and keep state where it is told.
pub fn with_dev_server<T>(config: &Path, port: &str, how: DevServer<'_>, f: impl FnOnce(&str) -> Result<T, String>) -> Result<T, String> {
    let mut cmd = Command::new("node");
    cmd.arg(root().join("bench/dev-server.mjs"))
        .args(["--port", port, "--inspector", if how.inspector { "on" } else { "off" }, "--persist"])
        .arg(how.state)
        .arg("--config")
        .arg(config)
        .current_dir(root())
        .envs(crate::tools::wrangler_env())
        .env(crate::tools::PREBUILT, "1");
    with_server(cmd, config, port, how.state, f)
}

/// Starts `cmd` (a dev server for `config` on `port` over the fresh state directory `state`), runs
/// `f` once the worker answers, then stops the server.
fn with_server<T>(mut cmd: Command, config: &Path, port: &str, state: &Path, f: impl FnOnce(&str) -> Result<T, String>) -> Result<T, String> {
    use std::os::unix::process::CommandExt;
    let _ = std::fs::remove_dir_all(state);
    if TcpStream::connect(format!("127.0.0.1:{port}")).is_ok() {
        return Err(format!("port {port} is already in use (a leftover wrangler dev?)"));
    }
    crate::tools::apply_migrations(state, Some(config))?;
    cmd.stdout(Stdio::null()).stderr(Stdio::null()).process_group(0);
    let child = cmd.spawn().map_err(|e| format!("dev server: {e}"))?;
    // The whole process group (wrangler, esbuild, workerd); KILL if TERM is not enough.
    let stop = || {
        let group = format!("-{}", child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(250));
            if TcpStream::connect(format!("127.0.0.1:{port}")).is_err() {
                return;
            }
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    // Ready when the worker answers; not /api/health, which would load the search index and
    // hide the cold first search the benchmarks measure.
    while http_status(port, "/api/openapi.json") != Some(200) {
        if Instant::now() > deadline {
            stop();
            return Err("the dev server did not start within 90 s".into());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let result = f(&format!("http://127.0.0.1:{port}"));
    stop();
    let _ = std::fs::remove_dir_all(state);
    result
}

/// `cargo xtask bench import`: a generated N-product shop exported as a Shopify product CSV (one
/// row per variant, images as local files), imported with `cargo xtask import`; baseline: the
/// static build of the imported shop (pages and search index, no image sizes) in the same run.
/// Wall time and peak memory (max RSS) of each, measured by GNU time.
fn import(n: usize) -> Result<(), String> {
    let work = root().join("bench/work/import");
    let _ = std::fs::remove_dir_all(&work);
    let source = work.join("source");
    println!("bench: generating a {n}-product shop and its Shopify export");
    crate::gen_catalog::generate(&source, n, 1).map_err(|e| e.to_string())?;
    let loaded = edgeshop_catalog::load(&source).map_err(|e| e.to_string())?;
    let csv = work.join("products_export.csv");
    let rows = shopify_csv(&loaded.catalog, &source.join("images"), &csv)?;
    let site = crate::build::native_binary(crate::build::Optimise::Full, "edgeshop-site")?;

    let imported = work.join("catalog");
    let xtask = std::env::current_exe().map_err(|e| e.to_string())?;
    println!("bench: importing {rows} rows");
    let import = timed(
        Command::new(&xtask)
            .args(["import", "shopify"])
            .arg(&csv)
            .arg("--catalog")
            .arg(&imported)
            .args(["--currency", loaded.catalog.shop.currency.code()]),
    )?;
    let report = import.1.lines().next().unwrap_or("").to_string();
    // The baseline is the build's work, not the deploy plan's: 20k products with their images
    // are over the Free plan's file count, which the builder refuses.
    let shop_toml = imported.join("shop.toml");
    let mut settings = std::fs::read_to_string(&shop_toml).map_err(|e| e.to_string())?;
    settings.push_str("\n[deploy]\nplan = \"paid\"\n");
    std::fs::write(&shop_toml, settings).map_err(|e| e.to_string())?;
    println!("bench: building the imported shop (baseline)");
    let build = timed(
        Command::new(&site)
            .arg("--catalog")
            .arg(&imported)
            .arg("--out")
            .arg(work.join("dist"))
            .arg("--bundle")
            .arg(work.join("bundle"))
            .arg("--public")
            .arg(root().join("public"))
            .args(["--images", "original"]),
    )?;
    println!("bench: importing the same file again (nothing changes)");
    let again = timed(Command::new(&xtask).args(["import", "shopify"]).arg(&csv).arg("--catalog").arg(&imported))?;
    let json = format!(
        "{{\"benchmark\":\"import\",\"products\":{n},\"csv_rows\":{rows},\"csv_bytes\":{bytes},\"import\":{{\"wall_s\":{:.2},\"max_rss_mb\":{:.1},\"report\":\"{}\"}},\"reimport_unchanged\":{{\"wall_s\":{:.2},\"max_rss_mb\":{:.1},\"report\":\"{}\"}},\"baseline_catalog_build\":{{\"wall_s\":{:.2},\"max_rss_mb\":{:.1}}}}}",
        import.0 .0,
        import.0 .1,
        report.replace('"', "'"),
        again.0 .0,
        again.0 .1,
        again.1.lines().next().unwrap_or("").replace('"', "'"),
        build.0 .0,
        build.0 .1,
        bytes = std::fs::metadata(&csv).map(|m| m.len()).unwrap_or(0),
    );
    let path = root().join("bench/results/import.json");
    std::fs::write(&path, &json).map_err(|e| e.to_string())?;
    println!("bench: results in {}\n{json}", path.display());
    Ok(())
}

/// Runs `cmd` under GNU time: ((wall seconds, max RSS in MB), stdout).
fn timed(cmd: &mut Command) -> Result<((f64, f64), String), String> {
    let mut timed = Command::new("/usr/bin/time");
    timed.args(["-f", "edgeshop-time %e %M"]).arg(cmd.get_program()).args(cmd.get_args());
    let out = timed.output().map_err(|e| format!("/usr/bin/time: {e} (install Debian's `time`)"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("{:?} failed:\n{stderr}", cmd.get_program()));
    }
    let line = stderr.lines().find_map(|l| l.strip_prefix("edgeshop-time ")).ok_or("no timing from /usr/bin/time")?;
    let mut parts = line.split_whitespace().map(|v| v.parse::<f64>().unwrap_or(0.0));
    let (wall, rss_kb) = (parts.next().unwrap_or(0.0), parts.next().unwrap_or(0.0));
    Ok(((wall, rss_kb / 1024.0), String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// Writes `catalog` as Shopify's product CSV (first row of a handle carries the product, one row
/// per variant, extra images on their own rows); returns the number of data rows.
fn shopify_csv(catalog: &edgeshop_domain::Catalog, images: &Path, path: &Path) -> Result<usize, String> {
    const HEAD: [&str; 20] = [
        "Handle",
        "Title",
        "Body (HTML)",
        "Vendor",
        "Product Category",
        "Type",
        "Tags",
        "Published",
        "Option1 Name",
        "Option1 Value",
        "Option2 Name",
        "Option2 Value",
        "Option3 Name",
        "Option3 Value",
        "Variant SKU",
        "Variant Inventory Tracker",
        "Variant Inventory Qty",
        "Variant Inventory Policy",
        "Variant Price",
        "Variant Compare At Price",
    ];
    let mut out = String::new();
    let field = |s: &str| if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() };
    out.push_str(&HEAD.join(","));
    out.push_str(",Image Src,Image Position,Image Alt Text,Status\n");
    let mut rows = 0;
    for p in &catalog.products {
        let html: String = p.description_md.split("\n\n").map(|para| format!("<p>{}</p>", edgeshop_domain::escape_html(para))).collect();
        let category: Vec<String> = catalog.category_trail(&p.category).iter().map(|c| c.name.clone()).collect();
        let digits = p.variants.first().map(|v| v.price.currency.minor_digits()).unwrap_or(2);
        let decimal = |m: i64| {
            if digits == 0 {
                m.to_string()
            } else {
                format!("{}.{:0w$}", m / 10i64.pow(digits), m % 10i64.pow(digits), w = digits as usize)
            }
        };
        let rows_needed = p.variants.len().max(p.images.len());
        for i in 0..rows_needed {
            let mut cells: Vec<String> = vec![String::new(); HEAD.len() + 4];
            cells[0] = p.slug.clone();
            if i == 0 {
                cells[1] = p.title.clone();
                cells[2] = html.clone();
                cells[3] = p.brand.clone();
                cells[4] = category.join(" > ");
                cells[6] = p.tags.join(", ");
                cells[7] = if p.published { "TRUE" } else { "FALSE" }.into();
                for (k, o) in p.options.iter().enumerate().take(3) {
                    cells[8 + 2 * k] = o.name.clone();
                }
                cells[23] = "active".into();
            }
            if let Some(v) = p.variants.get(i) {
                for (k, value) in v.option_values.iter().enumerate().take(3) {
                    cells[9 + 2 * k] = value.clone();
                }
                if p.options.is_empty() && i == 0 {
                    cells[8] = "Title".into();
                    cells[9] = "Default Title".into();
                }
                cells[14] = v.sku.clone();
                cells[15] = "shopify".into();
                cells[16] = v.stock.to_string();
                cells[17] = if v.stock_policy == edgeshop_domain::StockPolicy::Continue { "continue" } else { "deny" }.into();
                cells[18] = decimal(v.price.minor);
                cells[19] = v.compare_at.map(|c| decimal(c.minor)).unwrap_or_default();
            }
            if let Some(img) = p.images.get(i) {
                cells[20] = images.join(&img.file).display().to_string();
                cells[21] = (i + 1).to_string();
                cells[22] = img.alt.clone();
            }
            out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
            out.push('\n');
            rows += 1;
        }
    }
    std::fs::write(path, out).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(rows)
}
