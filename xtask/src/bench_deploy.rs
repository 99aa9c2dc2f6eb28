//! `cargo xtask bench deploy`: shops of any size against Workers Static Assets' limits (issue 21).
//!
//! 1. **Scale**: for each size, a generated shop (seed 1) on the Paid plan with its images in R2
//!    (`[deploy] plan = "paid"`, `images = "r2"`): the site builder's wall time and peak memory (GNU
//!    time), the static files and bytes it wrote (what the deploy uploads), how many product pages
//!    it left to the edge and in how many data files, and the media store for R2. Baseline, same
//!    run: the same shop built as before this change allowed anything else — every page and image
//!    a static file — for the sizes given in `--baseline-up-to` (its file count is what the plan
//!    refuses).
//! 2. **Edge pages**: a generated shop built with half of its product pages at the edge
//!    (`--static-files`), served by the shop's deploy build of the worker under `wrangler dev`:
//!    static product pages against the first and the cached request of edge-rendered ones
//!    (`bench/edge-pages.mjs`), and the worker's upload size (`wrangler deploy --dry-run`).
//!
//! Results: `bench/results/deploy-<plan>-<sizes>.json`.

use crate::build::cargo;
use crate::root;
use crate::run as exec;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Static files and bytes under `dir`, and how many are edge page data (`_catalog/pages-*`).
fn count(dir: &Path) -> (u64, u64, u64) {
    fn walk(dir: &Path, acc: &mut (u64, u64, u64)) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, acc);
            } else {
                acc.0 += 1;
                acc.1 += e.metadata().map(|m| m.len()).unwrap_or(0);
                if p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("pages-")) {
                    acc.2 += 1;
                }
            }
        }
    }
    let mut acc = (0, 0, 0);
    walk(dir, &mut acc);
    acc
}

/// Runs the site builder under GNU time: (wall seconds, peak RSS in MiB).
fn build(catalog: &Path, out: &Path, work: &Path, extra: &[&str]) -> Result<(f64, f64), String> {
    let _ = std::fs::remove_dir_all(out);
    let times = work.join("time.txt");
    let t = Instant::now();
    exec(
        Command::new("/usr/bin/time")
            .args(["-f", "%M", "-o"])
            .arg(&times)
            .arg(root().join("target/tool/edgeshop-site"))
            .arg("--catalog")
            .arg(catalog)
            .arg("--out")
            .arg(out)
            .arg("--bundle")
            .arg(work.join("bundle"))
            .arg("--public")
            .arg(root().join("public"))
            .arg("--media")
            .arg(work.join("media"))
            .arg("--image-cache")
            .arg(work.join("image-cache"))
            .arg("--timings")
            .arg(work.join("timings.json"))
            .args(extra),
    )?;
    let wall = t.elapsed().as_secs_f64();
    let kib: f64 = std::fs::read_to_string(&times).map_err(|e| e.to_string())?.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(0.0);
    Ok((wall, kib / 1024.0))
}

pub(crate) fn set_deploy(catalog: &Path, deploy: &str) -> Result<(), String> {
    let path = catalog.join("shop.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let text = text.split("\n[deploy]").next().unwrap_or_default().trim_end().to_string();
    std::fs::write(&path, format!("{text}\n\n[deploy]\n{deploy}\n")).map_err(|e| e.to_string())
}

/// The generated shops of the scale part.
pub struct Shops<'a> {
    pub sizes: &'a [usize],
    /// The all-static baseline is built up to this size.
    pub baseline_up_to: usize,
    /// `responsive` or `original`.
    pub images: &'a str,
    /// `free` or `paid`.
    pub plan: &'a str,
    pub photos: usize,
}

/// Gives every product `photos` images: copies of its drawing under other names.
fn add_photos(catalog: &Path, photos: usize) -> Result<(), String> {
    use std::fmt::Write as _;
    for entry in std::fs::read_dir(catalog.join("products")).map_err(|e| e.to_string())?.flatten() {
        let path = entry.path();
        let mut toml = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let Some(file) = toml.split("file = \"").nth(1).and_then(|s| s.split('"').next()).map(str::to_string) else { continue };
        for k in 2..=photos {
            let copy = file.replace("-1.svg", &format!("-{k}.svg"));
            std::fs::copy(catalog.join("images").join(&file), catalog.join("images").join(&copy)).map_err(|e| e.to_string())?;
            let _ = write!(toml, "\n[[images]]\nfile = \"{copy}\"\nalt = \"Photo {k}\"\nwidth = 800\nheight = 800\n");
        }
        std::fs::write(&path, toml).map_err(|e| e.to_string())?;
    }
    Ok(())
}

pub fn run(shops: &Shops, edge_products: usize) -> Result<(), String> {
    let Shops { sizes, baseline_up_to, images, plan, photos } = *shops;
    let work = root().join("bench/work/deploy");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    exec(
        cargo()
            .args(["build", "--quiet", "--profile", "tool"])
            .args(crate::build::NATIVE_PACKAGES)
            .args(["--bin", "edgeshop-site"])
            .current_dir(root()),
    )?;

    let mut scale = Vec::new();
    for &n in sizes {
        let dir = work.join(format!("shop-{n}"));
        let catalog = dir.join("catalog");
        println!("bench: generating a {n}-product shop");
        let t = Instant::now();
        crate::gen_catalog::generate(&catalog, n, 1).map_err(|e| e.to_string())?;
        add_photos(&catalog, photos)?;
        let generate_s = t.elapsed().as_secs_f64();
        let mut row = serde_json::json!({ "products": n, "generate_s": generate_s, "images": images, "photos_per_product": photos, "plan": plan });
        if n <= baseline_up_to {
            println!("bench: {n} products, every page and image a static file (baseline)");
            set_deploy(&catalog, &format!("plan = \"{plan}\""))?;
            let out = dir.join("dist-static");
            let (wall, mib) =
                build(&catalog, &out, &dir, &["--static-files", "100000000", "--images", images]).map_err(|e| format!("baseline build: {e}"))?;
            let (files, bytes, _) = count(&out);
            row["all_static"] = serde_json::json!({ "build_s": wall, "peak_mib": mib, "files": files, "bytes": bytes });
            let _ = std::fs::remove_dir_all(&out);
        }
        println!("bench: {n} products, {plan} plan, images in R2");
        set_deploy(&catalog, &format!("plan = \"{plan}\"\nimages = \"r2\""))?;
        let out = dir.join("dist");
        let (wall, mib) = build(&catalog, &out, &dir, &["--images", images])?;
        let (files, bytes, page_files) = count(&out);
        let (media_files, media_bytes, _) = count(&dir.join("media"));
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("_catalog/catalog.json")).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
        let timings: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("timings.json")).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
        let static_pages = std::fs::read_dir(out.join("products")).map(|d| d.count()).unwrap_or(0);
        row["r2"] = serde_json::json!({
            "build_s": wall, "peak_mib": mib, "files": files, "bytes": bytes,
            "fits_plan": files + 16 <= if plan == "free" { 20_000 } else { 100_000 },
            "static_product_pages": static_pages,
            "edge_pages": timings["edge_pages"], "edge_listing_pages": timings["edge_listing_pages"],
            "builder_timings": timings,
            "edge_page_data_files": page_files, "page_shards": manifest["page_shards"],
            "media_files": media_files, "media_bytes": media_bytes,
        });
        println!("bench: {row}");
        scale.push(row);
        let _ = std::fs::remove_dir_all(&out);
    }

    let edge = if edge_products > 0 { edge_pages(&work, edge_products)? } else { serde_json::Value::Null };
    let json = serde_json::json!({
        "benchmark": "deploy",
        "scale": scale,
        "edge_pages": edge,
        "worker_upload_before": "Total Upload: 5447.20 KiB / gzip: 1859.03 KiB (stop 30, bench/results/build-search-20000.json: the worker without the storefront's components)",
    });
    let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    let photos_tag = if photos > 1 { format!("-{photos}photos") } else { String::new() };
    let name = format!("deploy-{plan}-{}{photos_tag}.json", sizes.iter().map(|n| n.to_string()).collect::<Vec<_>>().join("-"));
    std::fs::write(root().join("bench/results").join(&name), text + "\n").map_err(|e| e.to_string())?;
    println!("bench: results in bench/results/{name}");
    Ok(())
}

/// Static against edge-rendered product pages from one `wrangler dev` with the deploy worker.
fn edge_pages(work: &Path, n: usize) -> Result<serde_json::Value, String> {
    let dir = work.join(format!("edge-{n}"));
    let catalog = dir.join("catalog");
    crate::gen_catalog::generate(&catalog, n, 2).map_err(|e| e.to_string())?;
    let out = dir.join("dist");
    let others = {
        // Every page static first, to learn how many files the rest of the shop takes (the
        // categories' later pages go to the edge before any product page).
        build(&catalog, &out, &dir, &["--images", "original"])?;
        let later_listings: usize = std::fs::read_dir(out.join("c"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|c| std::fs::read_dir(c.path().join("page")).map(|d| d.count()).unwrap_or(0))
            .sum();
        count(&out).0 - std::fs::read_dir(out.join("products")).map(|d| d.count() as u64).unwrap_or(0) - later_listings as u64
    };
    let limit = others + 16 + n as u64 / 2;
    build(&catalog, &out, &dir, &["--images", "original", "--static-files", &limit.to_string()])?;
    let shop = edgeshop_catalog::load(&catalog).map_err(|e| e.to_string())?;
    let (mut statics, mut edges) = (Vec::new(), Vec::new());
    for p in shop.catalog.products.iter().filter(|p| p.published) {
        let path = edgeshop_domain::paths::product(&p.slug);
        if out.join(edgeshop_domain::paths::product_file(&p.slug)).exists() {
            statics.push(path);
        } else {
            edges.push(path);
        }
    }
    let warmup: Vec<String> = edges.split_off(edges.len().saturating_sub(3));
    let (statics, edges): (Vec<_>, Vec<_>) = (statics.into_iter().take(300).collect(), edges.into_iter().take(300).collect());
    let pages = dir.join("pages.json");
    std::fs::write(&pages, serde_json::json!({ "static": statics, "edge": edges, "warmup": warmup }).to_string()).map_err(|e| e.to_string())?;

    crate::build::worker(crate::build::Optimise::Full)?;
    let config = dir.join("wrangler.toml");
    std::fs::write(
        &config,
        "name = \"edgeshop-bench\"\nmain = \"../../../../edge/build/worker/shim.mjs\"\ncompatibility_date = \"2026-04-20\"\n\n\
         [assets]\ndirectory = \"dist\"\nbinding = \"ASSETS\"\nhtml_handling = \"force-trailing-slash\"\nrun_worker_first = [\"/api/*\", \"/_catalog/*\"]\n\n\
         [[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"edgeshop\"\nmigrations_dir = \"../../../../migrations\"\n",
    )
    .map_err(|e| e.to_string())?;
    let size = crate::bench::worker_size(&root().join("wrangler.toml"), &dir.join("deploy"))?;
    let latency = crate::bench::with_wrangler(&config, "8797", |base| {
        let out = Command::new("node")
            .arg(root().join("bench/edge-pages.mjs"))
            .arg(base)
            .arg(&pages)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err("bench/edge-pages.mjs failed".into());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    })?;
    let latency: serde_json::Value = serde_json::from_str(&latency).map_err(|e| e.to_string())?;
    Ok(serde_json::json!({ "products": n, "static_files_limit": limit, "latency": latency, "worker_upload": size.trim_matches('"') }))
}
