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
use crate::tools::{npm_bin, wrangler_dev};
use crate::{root, Opts};
use crate::run as exec;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub fn run(args: &[String]) -> Result<(), String> {
    let (which, rest) = match args.first().map(String::as_str) {
        None => ("build-search", &[][..]),
        Some(w) if !w.starts_with("--") => (w, &args[1..]),
        Some(_) => ("build-search", args),
    };
    match which {
        "build-search" => {
            let opts = Opts::parse(rest, &["--products", "--worker"])?;
            let n: usize = opts.get("--products").unwrap_or("20000").parse().map_err(|e| format!("--products: {e}"))?;
            let worker = match opts.get("--worker").unwrap_or("yes") {
                "yes" => true,
                "no" => false,
                other => return Err(format!("--worker {other}: use yes or no")),
            };
            crate::tools::ensure_all(crate::tools::Needs::Build)?;
            build_search(n, worker)
        }
        "commerce" => {
            Opts::parse(rest, &[])?;
            crate::tools::ensure_all(crate::tools::Needs::Build)?;
            commerce()
        }
        "lighthouse" => {
            Opts::parse(rest, &[])?;
            crate::tools::ensure_all(crate::tools::Needs::Test)?;
            lighthouse()
        }
        "relevance" => {
            let opts = Opts::parse(rest, &["--label"])?;
            relevance(opts.get("--label").unwrap_or("manual run"))
        }
        other => Err(format!("unknown benchmark {other} (known: build-search, commerce, relevance, lighthouse)")),
    }
}

/// Lighthouse (mobile) on home, a category and a product page of the sample shop under
/// `wrangler dev`; baseline: a plain info page (text only) from the same server in the same run.
fn lighthouse() -> Result<(), String> {
    crate::build::all(&root().join("catalog"))?;
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
        node_json(&dir.join("run.mjs"), &[base, "/pages/shipping/", "/", "/c/apparel/", &product])
    })?;
    save(&results.join("lighthouse.json"), &out)
}

/// `cargo xtask screenshots`: the sample shop's main pages at phone and desktop sizes.
pub fn screenshots() -> Result<(), String> {
    crate::tools::ensure_all(crate::tools::Needs::Test)?;
    crate::build::all(&root().join("catalog"))?;
    let dir = root().join("target/screenshots");
    with_wrangler(&root().join("wrangler.toml"), "8795", |base| {
        exec(Command::new("node").arg(root().join("tests/browser/screenshots.mjs")).env("BASE_URL", base).env("SCREENSHOT_DIR", &dir))
    })?;
    println!("xtask: screenshots in {}", dir.display());
    Ok(())
}

fn relevance(label: &str) -> Result<(), String> {
    let r = root();
    exec(cargo().current_dir(&r).args(["run", "--quiet", "--profile", "tool", "-p", "edgeshop-indexer", "--features", "tools", "--bin", "relevance", "--"]).args([
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
    ]))
}

/// Runs a node script and returns the last JSON line it printed.
fn node_json(script: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("node").arg(script).args(args).output().map_err(|e| e.to_string())?;
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
fn raise_one_price(products: &Path) -> Result<String, String> {
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

    // Compile first so the timing is the build of the shop, not of the builder.
    exec(cargo().args(["build", "--quiet", "--profile", "tool", "-p", "edgeshop-site", "-p", "edgeshop-indexer", "--bin", "edgeshop-site", "--bin", "search_bench"]).current_dir(root()))?;
    let timings = work.join(format!("timings-{n}.json"));
    let build_site = |timings: &Path| -> Result<f64, String> {
        let t = Instant::now();
        exec(Command::new(root().join("target/tool/edgeshop-site"))
            .arg("--catalog").arg(&catalog)
            .arg("--out").arg(&out)
            .arg("--bundle").arg(&bundle)
            .arg("--public").arg(root().join("public"))
            .arg("--timings").arg(timings)
            // Search benchmark: the build time of pages and index, without rendering image sizes.
            .args(["--images", "original"]))?;
        Ok(t.elapsed().as_secs_f64())
    };
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
    let native = Command::new(root().join("target/tool/search_bench"))
        .arg("--index").arg(bundle.join("search.idx"))
        .arg("--snapshot").arg(bundle.join("snapshot.json"))
        .arg("--queries-out").arg(&queries)
        .args(["--repeat", "30"])
        .output()
        .map_err(|e| e.to_string())?;
    if !native.status.success() {
        return Err(format!("search_bench failed: {}", String::from_utf8_lossy(&native.stderr)));
    }
    let native = read_json_line(&native.stdout);

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

/// Serves this catalog's `_catalog/` data with the shop's worker (the same build for every
/// catalog) and measures search inside it under `wrangler dev`; returns the latency JSON and the
/// worker's upload size JSON.
fn in_worker(n: usize, work: &Path, queries: &Path) -> Result<(String, String), String> {
    println!("bench: the shop's worker over this catalog's data");
    crate::build::worker(None)?;
    // Only what the worker and the baseline read: `wrangler dev` watches every asset file, and at
    // 100k products (200k files) its watcher runs out of Node heap before it serves anything.
    let edge = work.join(format!("edge-{n}"));
    let _ = std::fs::remove_dir_all(&edge);
    let dist_n = work.join(format!("dist-{n}"));
    copy_flat(&dist_n.join("_catalog"), &edge.join("_catalog"))?;
    for file in ["robots.txt", "404.html"] {
        std::fs::copy(dist_n.join(file), edge.join(file)).map_err(|e| format!("{file}: {e}"))?;
    }
    let config = work.join(format!("wrangler-{n}.toml"));
    std::fs::write(
        &config,
        format!(
            "name = \"edgeshop-bench\"\nmain = \"../../edge/build/worker/shim.mjs\"\ncompatibility_date = \"2026-04-20\"\n\n\
             [assets]\ndirectory = \"edge-{n}\"\nbinding = \"ASSETS\"\nnot_found_handling = \"404-page\"\nrun_worker_first = [\"/api/*\", \"/_catalog/*\"]\n\n\
             [vars]\nEDGESHOP_BENCH = \"1\"\n"
        ),
    )
    .map_err(|e| e.to_string())?;

    let size = worker_size(&config, &work.join(format!("deploy-{n}")))?;
    let port = "8799";
    let worker = with_wrangler(&config, port, |base| node_json(&root().join("bench/search-latency.mjs"), &[base, &queries.to_string_lossy(), "200"]))?;

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
    exec(Command::new(bin)
        .arg("--site").arg(site)
        .args(["--glob", "products/**/*.html", "--output-path"]).arg(output)
        .arg("--quiet"))?;
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

/// Cart and checkout round trips against the sample shop under `wrangler dev`, static asset as baseline.
fn commerce() -> Result<(), String> {
    crate::build::all(&root().join("catalog"))?;
    let results = root().join("bench/results");
    std::fs::create_dir_all(&results).map_err(|e| e.to_string())?;
    let work = root().join("bench/work");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    // A throwaway copy of the config, so the state directory is fresh for every run.
    let config = root().join("wrangler.toml");
    let out = with_wrangler(&config, "8798", |base| {
        let snapshot = crate::build::bundle_dir().join("snapshot.json");
        node_json(&root().join("bench/commerce-load.mjs"), &[base, &snapshot.to_string_lossy(), "8", "8"])
    })?;
    save(&results.join("commerce.json"), &out)
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
fn worker_size(config: &Path, outdir: &Path) -> Result<String, String> {
    let out = Command::new(npm_bin("wrangler"))
        .args(["deploy", "--dry-run", "--config"])
        .arg(config)
        .arg("--outdir")
        .arg(outdir)
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("WRANGLER_SEND_METRICS", "false")
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
fn with_wrangler<T>(config: &Path, port: &str, f: impl FnOnce(&str) -> Result<T, String>) -> Result<T, String> {
    use std::os::unix::process::CommandExt;
    let state: PathBuf = root().join("bench/work").join(format!("state-{port}"));
    let _ = std::fs::remove_dir_all(&state);
    if TcpStream::connect(format!("127.0.0.1:{port}")).is_ok() {
        return Err(format!("port {port} is already in use (a leftover wrangler dev?)"));
    }
    crate::tools::apply_migrations(&state, Some(config))?;
    let mut cmd = wrangler_dev(port, &state);
    cmd.arg("--config").arg(config).stdout(Stdio::null()).stderr(Stdio::null()).process_group(0);
    let child = cmd.spawn().map_err(|e| format!("wrangler dev: {e}"))?;
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
            return Err("wrangler dev did not start within 90 s".into());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let result = f(&format!("http://127.0.0.1:{port}"));
    stop();
    result
}
