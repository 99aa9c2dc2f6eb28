//! The end-to-end test files (`tests/tests/*.rs`), side by side. Each file is its own test binary
//! with its own `wrangler dev`, and most of a file's time is spent waiting (workerd starting,
//! queues delivering, a browser loading pages), so two files at once on two cores take little
//! more than the longer one. The longest files (as last measured here) start first.

use crate::build::cargo;
use crate::root;
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
}

/// Builds the end-to-end test binaries (`only` those files when given) and runs them; fails
/// naming every file that failed.
pub fn run(only: &[String]) -> Result<(), String> {
    let mut queue = binaries(only)?;
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
                while let Some(binary) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front() {
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
        Err(format!("end-to-end test files failed: {}", failed.join(", ")))
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
            .current_dir(root().join("tests"))
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

/// `cargo test --no-run` for the end-to-end package; the binaries it wrote, from its JSON messages.
fn binaries(only: &[String]) -> Result<Vec<Binary>, String> {
    let mut cmd = cargo();
    cmd.args(["test", "--profile", "tool", "-p", "edgeshop-e2e", "--no-run", "--message-format=json-render-diagnostics"]);
    if only.is_empty() {
        cmd.arg("--tests");
    }
    for file in only {
        cmd.args(["--test", file]);
    }
    let out = cmd.current_dir(root()).stderr(std::process::Stdio::inherit()).output().map_err(|e| format!("cargo test --no-run: {e}"))?;
    if !out.status.success() {
        return Err("building the end-to-end tests failed".into());
    }
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let is_test_file = msg["reason"] == "compiler-artifact" && msg["target"]["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "test"));
        if let (true, Some(name), Some(path)) = (is_test_file, msg["target"]["name"].as_str(), msg["executable"].as_str()) {
            found.push(Binary { name: name.to_string(), path: PathBuf::from(path) });
        }
    }
    Ok(found)
}
