//! Packaging a compiled wasm for where it runs: wasm-bindgen's JavaScript glue (the library its
//! CLI wraps, so nothing is installed with `cargo install`), wasm-opt, and for the worker the
//! module entry workers-rs' `worker-build` writes (its shim, in `xtask/data/worker-shim.js`).
//! Doing this here instead of with the two installed tools takes about five minutes of compiling
//! off a fresh machine's first build.

use crate::run;
use crate::tools::npm_bin;
use std::path::Path;
use std::process::Command;

/// Where the glue runs.
#[derive(Clone, Copy)]
pub enum Host {
    /// A browser page loads it as an ES module (`--target web`).
    Browser,
    /// The Workers runtime (`--target module`, with the state reset workers-rs' shim calls).
    Worker,
    /// Node (`--target nodejs`): the search proxy of `cargo xtask bench first-search`.
    Node,
}

/// `wasm-bindgen` with the CLI's defaults: `out_dir/{name}.js` and `out_dir/{name}_bg.wasm`.
pub fn bindgen(wasm: &Path, out_dir: &Path, name: &str, host: Host) -> Result<(), String> {
    let mut b = wasm_bindgen_cli_support::Bindgen::new();
    let targeted = match host {
        Host::Browser => b.web(true),
        Host::Worker => b.module(true).map(|b| b.reset_state_function(true).force_enable_abort_handler(true)),
        Host::Node => b.nodejs(true),
    };
    targeted
        .and_then(|b| b.input_path(wasm).out_name(name).typescript(false).omit_default_module_path(false).generate(out_dir))
        .map_err(|e| format!("wasm-bindgen {}: {e:#}", wasm.display()))
}

/// The Wasm features wasm-opt may use in the worker: what rustc's wasm32-unknown-unknown emits and
/// workerd runs (the list `worker-build` passes; newer encodings are never emitted).
pub const WORKER_FEATURES: [&str; 7] =
    ["mutable-globals", "sign-ext", "nontrapping-float-to-int", "bulk-memory", "multivalue", "reference-types", "exception-handling"];

/// How wasm-opt optimises the worker. Measured and not taken (stop 40): keeping functions with
/// one caller out of line when big (`--one-caller-inline-max-function-size=50`, or 1000; binaryen
/// inlines every such function whatever its size, and V8 compiles a function whole on its first
/// call) cut a fresh isolate's first search in Node by a quarter (52 → 40 ms p50 at 20k, paired),
/// but warm search in workerd came out about a tenth slower (230 against 210 µs p50, medians of
/// three or four runs on a noisy machine) and the upload 100 KiB larger.
pub const WORKER_OPT: [&str; 1] = ["-O"];

/// The features the browser bundles may use (every current browser runs them).
pub const BROWSER_FEATURES: [&str; 2] = ["bulk-memory", "nontrapping-float-to-int"];

/// Optimises `wasm` in place with `wasm-opt PASSES` (binaryen from npm), using only `features`.
pub fn wasm_opt(wasm: &Path, passes: &[&str], features: &[&str], keep_names: bool) -> Result<(), String> {
    let mut cmd = Command::new(npm_bin("wasm-opt"));
    cmd.args(passes).args(features.iter().map(|f| format!("--enable-{f}")));
    if keep_names {
        cmd.arg("--debuginfo");
    }
    run(cmd.arg("-o").arg(wasm).arg(wasm))
}

/// The worker's package in `out` (`index.js`, `index_bg.wasm`, `worker/shim.mjs`, which
/// wrangler.toml names as `main`), as `worker-build --release` writes it: the glue, `optimise`d
/// (`WORKER_OPT`, without function names) or as the compiler wrote it, and the workers-rs shim bundled into `index.js`
/// by esbuild. Written beside `out` first and swapped in, so a failed packaging leaves the last one.
pub fn worker(wasm: &Path, out: &Path, optimise: bool) -> Result<(), String> {
    let staging = out.with_extension("staging");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| format!("{}: {e}", staging.display()))?;
    bindgen(wasm, &staging, "index", Host::Worker)?;
    if optimise {
        // Without the name section (1.6 MB, 230 KiB compressed of the 3 MiB a Free plan
        // deploys): a deployed worker's stack traces name wasm function indexes; a panic's message
        // and source location are kept (they are data). Development builds keep their names.
        wasm_opt(&staging.join("index_bg.wasm"), &WORKER_OPT, &WORKER_FEATURES, false)?;
    }
    let glue_path = staging.join("index.js");
    let glue = read(&glue_path)?;
    let mut shim = include_str!("../data/worker-shim.js").replace("$HANDLERS", &handlers(&glue));
    for class in exported_classes(&glue) {
        shim.push_str(&format!("export const {class} = new Proxy(exports.{class}, classProxyHooks);\n"));
    }
    write(&staging.join("shim.js"), &shim)?;
    run(Command::new(npm_bin("esbuild"))
        .args(["--external:./index_bg.wasm", "--external:cloudflare:*", "--format=esm", "--bundle", "./shim.js"])
        .args(["--outfile=index.js", "--allow-overwrite", "--minify", "--log-level=warning"])
        .current_dir(&staging))?;
    // esbuild writes wasm-bindgen's source-phase import as a plain one, which is what wrangler reads.
    let bundled = read(&glue_path)?.replace("import source ", "import ");
    write(&glue_path, &bundled)?;
    std::fs::remove_file(staging.join("shim.js")).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(staging.join("snippets"));
    std::fs::create_dir_all(staging.join("worker")).map_err(|e| e.to_string())?;
    write(
        &staging.join("worker/shim.mjs"),
        "// Use index.js directly, this file provided for backwards compat\n// with former shim.mjs only.\nexport * from '../index.js';\nexport { default } from '../index.js';\n",
    )?;
    // Keep what is not ours (the packaging stamp, .gitignore) and replace the rest.
    for name in ["index.js", "index_bg.wasm", "worker"] {
        let to = out.join(name);
        let _ = std::fs::remove_dir_all(&to);
        let _ = std::fs::remove_file(&to);
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    for name in ["index.js", "index_bg.wasm", "worker"] {
        std::fs::rename(staging.join(name), out.join(name)).map_err(|e| format!("{}: {e}", out.join(name).display()))?;
    }
    let _ = std::fs::remove_dir_all(&staging);
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// wasm-bindgen's own exports, which the shim does not re-export as handlers.
const SYSTEM_FNS: [&str; 2] = ["__wbg_reset_state", "__worker_init_state"];

/// Each `export` declaration of the glue, from its keyword on.
fn export_decls(glue: &str) -> impl Iterator<Item = &str> {
    glue.match_indices("export ").filter_map(move |(i, _)| {
        let boundary = i == 0 || glue[..i].chars().next_back().is_some_and(|c| c.is_whitespace() || c == ';' || c == '}');
        boundary.then(|| &glue[i..])
    })
}

/// The entry point's methods: the runtime's events (`fetch`, `queue`, `scheduled`, …) get the
/// environment and context; any other exported function is passed through.
fn handlers(glue: &str) -> String {
    let mut names = Vec::new();
    for decl in export_decls(glue) {
        let name = if let Some(rest) = decl.strip_prefix("export function").or_else(|| decl.strip_prefix("export async function")) {
            rest.find('(').map(|open| rest[..open].trim())
        } else if let Some(rest) = decl.strip_prefix("export {") {
            rest.find(" as ").and_then(|at| rest[at + 4..].find('}').map(|close| rest[at + 4..at + 4 + close].trim()))
        } else {
            None
        };
        if let Some(name) = name.filter(|n| !SYSTEM_FNS.contains(n)) {
            names.push(name);
        }
    }
    names
        .into_iter()
        .map(|name| match name {
            "fetch" | "queue" | "scheduled" | "email" | "connect" => {
                format!("Entrypoint.prototype.{name} = function {name} (arg) {{\n  return exports.{name}.call(this, arg, this.env, this.ctx);\n}}\n")
            }
            _ => format!("Entrypoint.prototype.{name} = exports.{name};\n"),
        })
        .collect()
}

/// The exported classes (the Durable Objects).
fn exported_classes(glue: &str) -> Vec<&str> {
    export_decls(glue).filter_map(|decl| decl.strip_prefix("export class ").and_then(|rest| rest.find('{').map(|open| rest[..open].trim()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_wraps_the_runtimes_events_and_exports_each_class() {
        let glue = "export class CartStore {\n}\nexport function fetch(req, env, ctx) {}\nexport function __wbg_reset_state() {}\n\
                    export function queue(batch, env, ctx) {}\nexport { helper as run_me };\nlet x = 1;export class Stock {}\n";
        let h = handlers(glue);
        assert!(
            h.contains("Entrypoint.prototype.fetch = function fetch (arg) {\n  return exports.fetch.call(this, arg, this.env, this.ctx);"),
            "{h}"
        );
        assert!(h.contains("Entrypoint.prototype.queue = function queue (arg)"), "{h}");
        assert!(h.contains("Entrypoint.prototype.run_me = exports.run_me;"), "{h}");
        assert!(!h.contains("reset_state"), "{h}");
        assert_eq!(exported_classes(glue), ["CartStore", "Stock"]);
    }
}
