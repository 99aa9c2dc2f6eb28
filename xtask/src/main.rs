//! `cargo xtask <command>`: the developer entry point. See README.md.
//!
//! - `dev [--port N] [--catalog DIR]`: install what is missing, build, serve with `wrangler dev`
//! - `build [--catalog DIR]`: pages + search index + worker
//! - `test`: every test (unit, catalog, worker integration, browser)
//! - `bench [build-search|commerce|relevance|lighthouse]`: benchmarks under bench/, results in bench/results/
//! - `screenshots`: home, category, product, search and cart pages at 390×844 and 1440×900 into target/screenshots/
//! - `gen-catalog --products N --seed S --out DIR`: a generated sample shop

mod bench;
mod build;
mod gen_catalog;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or(&[]);
    let result = match args.first().map(String::as_str) {
        Some("dev") => dev(rest),
        Some("build") => build_cmd(rest),
        Some("test") => test(rest),
        Some("bench") => bench::run(rest),
        Some("gen-catalog") => gen_catalog_cmd(rest),
        Some("screenshots") => bench::screenshots(),
        Some("install") => tools::ensure_all(tools::Needs::Test),
        _ => Err("usage: cargo xtask <dev|build|test|bench|screenshots|gen-catalog|install> [options]".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// `--flag value` options.
pub struct Opts(Vec<(String, String)>);

impl Opts {
    pub fn parse(args: &[String], known: &[&str]) -> Result<Self, String> {
        let mut out = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if !known.contains(&a.as_str()) {
                return Err(format!("unknown option {a} (known: {})", known.join(" ")));
            }
            let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
            out.push((a.clone(), v.clone()));
        }
        Ok(Opts(out))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Runs a command, failing with its name when it fails.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

fn catalog_dir(opts: &Opts) -> PathBuf {
    opts.get("--catalog").map(PathBuf::from).unwrap_or_else(|| root().join("catalog"))
}

fn build_cmd(args: &[String]) -> Result<(), String> {
    let opts = Opts::parse(args, &["--catalog"])?;
    tools::ensure_all(tools::Needs::Build)?;
    build::all(&catalog_dir(&opts))?;
    tools::apply_migrations(&root().join(".wrangler/state"), None)
}

fn dev(args: &[String]) -> Result<(), String> {
    let opts = Opts::parse(args, &["--catalog", "--port"])?;
    let port = opts.get("--port").unwrap_or("8787");
    tools::ensure_all(tools::Needs::Build)?;
    build::all(&catalog_dir(&opts))?;
    tools::apply_migrations(&root().join(".wrangler/state"), None)?;
    println!("\nedgeshop: serving on http://127.0.0.1:{port}/ (Ctrl-C to stop)\n");
    run(tools::wrangler_dev(port, &root().join(".wrangler/state")).current_dir(root()))
}

fn test(args: &[String]) -> Result<(), String> {
    Opts::parse(args, &[])?;
    tools::ensure_all(tools::Needs::Test)?;
    build::all(&root().join("catalog"))?;
    // Every crate but the browser bundle: domain, catalog loader, indexer, app, site, xtask, the
    // worker's native unit tests (request-parser fuzzing, Stripe encoding) and the end-to-end
    // tests (which start wrangler dev against what was just built).
    run(Command::new("cargo")
        .args(["test", "--profile", "tool", "--workspace", "--exclude", "edgeshop-front", "--no-fail-fast"])
        .current_dir(root())
        .env("EDGESHOP_ROOT", root()))
}

fn gen_catalog_cmd(args: &[String]) -> Result<(), String> {
    let opts = Opts::parse(args, &["--products", "--seed", "--out"])?;
    let products = opts.get("--products").unwrap_or("320").parse().map_err(|e| format!("--products: {e}"))?;
    let seed = opts.get("--seed").unwrap_or("7").parse().map_err(|e| format!("--seed: {e}"))?;
    let out = opts.get("--out").map(PathBuf::from).unwrap_or_else(|| root().join("catalog"));
    gen_catalog::generate(&out, products, seed).map_err(|e| format!("gen-catalog: {e}"))
}
