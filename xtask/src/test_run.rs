//! Running the tests. One cargo command builds every test binary of the workspace (the same
//! packages as the site builder: see `build::NATIVE_PACKAGES`, so nothing is compiled twice); the
//! unit and crate tests run one after the other, then the end-to-end files (`tests/tests/*.rs`)
//! side by side. Each end-to-end file is its own test binary with its own `wrangler dev`, and part
//! of a file's time is spent waiting (workerd starting, queues delivering, a browser loading
//! pages), so two files at once take less than both in sequence (on two cores: 462 s instead of
//! 583 s for all of them). The longest files (as last measured here) start first.

use crate::build::{cargo, Optimise, NATIVE_PACKAGES};
use crate::{root, run};
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

/// Files run at once; `EDGESHOP_E2E_JOBS` changes it.
const JOBS: usize = 2;

struct Binary {
    name: String,
    path: PathBuf,
    /// Where cargo would run it: its package's directory.
    dir: PathBuf,
    end_to_end: bool,
}

/// Every test (`only` those end-to-end files when given); fails naming what failed.
pub fn all(only: &[String]) -> Result<(), String> {
    let (end_to_end, units): (Vec<Binary>, Vec<Binary>) = binaries(only)?.into_iter().partition(|b| b.end_to_end);
    let mut failed = Vec::new();
    for unit in &units {
        println!("     Running {} ({})", unit.name, unit.path.display());
        let ok = Command::new(&unit.path).current_dir(&unit.dir).env("EDGESHOP_ROOT", root()).status().is_ok_and(|s| s.success());
        if !ok {
            failed.push(unit.name.clone());
        }
    }
    if only.is_empty() {
        let doc = run(cargo().args(["test", "--profile", Optimise::Light.native_profile(), "--doc"]).args(NATIVE_PACKAGES).current_dir(root()));
        if doc.is_err() {
            failed.push("doc tests".into());
        }
    }
    if let Err(e) = end_to_end_files(end_to_end) {
        failed.push(e);
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join(", ")))
    }
}

/// Runs the end-to-end files, `EDGESHOP_E2E_JOBS` at once.
fn end_to_end_files(mut queue: Vec<Binary>) -> Result<(), String> {
    let timings_path = root().join("target/edgeshop/e2e-seconds.json");
    let mut seconds: BTreeMap<String, f64> =
        std::fs::read_to_string(&timings_path).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
    // Unknown files first (they may be long), then the longest.
    queue.sort_by(|a, b| {
        let time = |x: &Binary| seconds.get(&x.name).copied().unwrap_or(f64::MAX);
        time(b).total_cmp(&time(a)).then_with(|| a.name.cmp(&b.name))
    });
    let jobs = std::env::var("EDGESHOP_E2E_JOBS").ok().and_then(|j| j.parse().ok()).filter(|&j| j > 0).unwrap_or(JOBS);
    println!("xtask: {} end-to-end test files, {jobs} at a time", queue.len());
    let queue = Mutex::new(VecDeque::from(queue));
    let done: Mutex<Vec<(String, f64, bool)>> = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    // Its own statement: the queue's lock is released before the file runs.
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                    let Some(binary) = next else { break };
                    let (secs, ok) = run_one(&binary);
                    done.lock().unwrap_or_else(|e| e.into_inner()).push((binary.name, secs, ok));
                }
            });
        }
    });
    let done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    for (name, secs, _) in &done {
        seconds.insert(name.clone(), *secs);
    }
    if let Ok(text) = serde_json::to_string_pretty(&seconds) {
        let _ = std::fs::write(&timings_path, text);
    }
    let failed: Vec<&str> = done.iter().filter(|(_, _, ok)| !ok).map(|(name, _, _)| name.as_str()).collect();
    println!("xtask: end-to-end tests took {:.0} s", started.elapsed().as_secs_f64());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("end-to-end test files {}", failed.join(", ")))
    }
}

/// Runs one test binary as `cargo test` would (from the package's directory), printing its whole
/// output when it ends so that two files' lines do not interleave. The output goes through a file,
/// not a pipe: the harness's watchdog shells keep the test's descriptors open until they see the
/// test process gone, which it is only once it has been waited for.
fn run_one(binary: &Binary) -> (f64, bool) {
    let started = Instant::now();
    let log = root().join(format!("target/edgeshop/e2e-{}.log", binary.name));
    let status = std::fs::File::create(&log).and_then(|file| {
        let err = file.try_clone()?;
        Command::new(&binary.path)
            .current_dir(&binary.dir)
            .env("EDGESHOP_ROOT", root())
            .env("CARGO", std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .stdout(file)
            .stderr(err)
            .status()
    });
    let secs = started.elapsed().as_secs_f64();
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    println!("\n     Ran tests/tests/{}.rs in {secs:.1} s\n{output}", binary.name);
    match status {
        Ok(status) => (secs, status.success()),
        Err(e) => {
            println!("     tests/tests/{}.rs did not run: {e}", binary.name);
            (secs, false)
        }
    }
}

/// `cargo test --no-run` for the workspace (or only the end-to-end files named); the test binaries
/// it wrote, from its JSON messages.
fn binaries(only: &[String]) -> Result<Vec<Binary>, String> {
    let mut cmd = cargo();
    cmd.args(["test", "--profile", Optimise::Light.native_profile(), "--no-run", "--message-format=json-render-diagnostics"]).args(NATIVE_PACKAGES);
    for file in only {
        cmd.args(["--test", file]);
    }
    let out = cmd.current_dir(root()).stderr(std::process::Stdio::inherit()).output().map_err(|e| format!("cargo test --no-run: {e}"))?;
    if !out.status.success() {
        return Err("building the tests failed".into());
    }
    let end_to_end_manifest = root().join("tests/Cargo.toml");
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let (Some(path), Some(manifest), Some(name)) = (msg["executable"].as_str(), msg["manifest_path"].as_str(), msg["target"]["name"].as_str())
        else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" || msg["profile"]["test"] != true {
            continue;
        }
        let manifest = PathBuf::from(manifest);
        let end_to_end = manifest == end_to_end_manifest && msg["target"]["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "test"));
        let dir = manifest.parent().map(PathBuf::from).unwrap_or_else(root);
        found.push(Binary { name: name.to_string(), path: PathBuf::from(path), dir, end_to_end });
    }
    Ok(found)
}
