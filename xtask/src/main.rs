//! `cargo xtask <command>`: the developer entry point (`cargo xtask --help`, and `--help` on
//! every command). See README.md.

mod admin;
mod bench;
mod bench_build;
mod bench_deploy;
mod build;
mod deploy;
mod dev;
mod gen_catalog;
mod history;
mod media;
mod pack;
mod test_run;
mod tools;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", about = "Build, serve, test, import and benchmark the edgeshop storefront", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Install what is missing, build, and serve the shop with `wrangler dev`
    Dev {
        /// Port on 127.0.0.1
        #[arg(long, default_value_t = 8787)]
        port: u16,
        /// Catalog directory (default: catalog/)
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// Where the pages and catalog data go (default: dist/)
        #[arg(long)]
        out: Option<PathBuf>,
        /// Local D1, KV, queues and Durable Objects (default: .wrangler/state)
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// Build pages, search index and worker
    Build {
        /// Catalog directory (default: catalog/)
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// As wrangler's `[build]` command: nothing to do when xtask built already (EDGESHOP_PREBUILT=1)
        #[arg(long)]
        for_wrangler: bool,
    },
    /// Create what is missing on Cloudflare (queues, D1 database and migrations), check the
    /// secrets, build and deploy (see DEPLOY.md)
    Deploy {
        /// Build and run `wrangler deploy --dry-run` only (no account needed)
        #[arg(long)]
        dry_run: bool,
    },
    /// Run every test: unit, catalog, worker, end-to-end under `wrangler dev`, browser
    Test {
        /// Only these end-to-end test files (`tests/tests/NAME.rs`), after the same build; no lints
        files: Vec<String>,
    },
    /// Benchmarks under bench/, results in bench/results/
    Bench {
        #[command(subcommand)]
        which: Option<bench::Bench>,
    },
    /// Home, category, product, search and cart pages at phone and desktop sizes into target/screenshots/
    Screenshots,
    /// Fill the local database with a generated shop history (orders and page events) for the
    /// analytics reports
    AnalyticsHistory {
        #[arg(long, default_value_t = 10_000)]
        orders: usize,
        #[arg(long, default_value_t = 90)]
        days: i64,
        /// The last day (YYYY-MM-DD; default: today)
        #[arg(long)]
        until: Option<String>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Local D1 state (default: .wrangler/state, that of `cargo xtask dev`)
        #[arg(long)]
        state: Option<PathBuf>,
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// Also write the raw page events here (JSON lines)
        #[arg(long)]
        events: Option<PathBuf>,
    },
    /// Write a generated sample catalog (`--products N`: the benchmarks' shops of 20,000 and more)
    GenCatalog {
        #[arg(long, default_value_t = 320)]
        products: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Output directory (default: catalog/)
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Import a Shopify or WooCommerce product CSV export into a catalog directory
    Import {
        format: ImportFormat,
        /// The exported CSV file
        file: PathBuf,
        /// Catalog directory to import into (created if missing; default: catalog/)
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// Currency of a new catalog (an existing catalog keeps its own)
        #[arg(long, default_value = "USD")]
        currency: String,
        /// Name of a new shop
        #[arg(long, default_value = "My shop")]
        name: String,
        /// List every note of the report (by default a note many products share is shown for
        /// the first three, then counted)
        #[arg(long)]
        all: bool,
    },
    /// Install the tools the build and the tests need (skips what is there)
    Install,
    /// Send a local shop's R2 bucket the images of a build it lacks (`[deploy] images = "r2"`;
    /// `cargo xtask dev` does it after every build)
    UploadMedia {
        /// The local shop (`wrangler dev`), as host:port
        #[arg(long, default_value = "127.0.0.1:8787")]
        to: String,
        /// The build's media store (default: target/edgeshop/media)
        #[arg(long)]
        media: Option<PathBuf>,
    },
    /// The back office's first owner: `cargo xtask admin owner EMAIL` prints a one-time sign-in link
    Admin {
        #[command(subcommand)]
        what: AdminCmd,
    },
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Make EMAIL an owner (creating the account) and print a one-time sign-in link
    Owner {
        email: String,
        #[arg(long, default_value = "")]
        name: String,
        /// The deployed shop's database instead of the local one
        #[arg(long)]
        remote: bool,
        /// Local D1 state (default: .wrangler/state, that of `cargo xtask dev`)
        #[arg(long)]
        state: Option<PathBuf>,
        /// Where the shop is served (the link's start)
        #[arg(long, default_value = "http://127.0.0.1:8787")]
        url: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ImportFormat {
    Shopify,
    Woocommerce,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Dev { port, catalog, out, state } => dev(port, catalog, out, state),
        Cmd::Build { for_wrangler: true, .. } if std::env::var(tools::PREBUILT).as_deref() == Ok("1") => {
            println!("xtask: built already by cargo xtask");
            Ok(())
        }
        Cmd::Build { catalog, .. } => build_cmd(&catalog_dir(catalog)),
        Cmd::Deploy { dry_run } => deploy::run(dry_run),
        Cmd::Test { files } => test(&files),
        Cmd::Bench { which } => bench::run(which.unwrap_or_default()),
        Cmd::Screenshots => bench::screenshots(),
        Cmd::AnalyticsHistory { orders, days, until, seed, state, catalog, events } => history::run(
            &catalog_dir(catalog),
            &state.unwrap_or_else(|| root().join(".wrangler/state")),
            &history::Options { orders, days, until: until.unwrap_or_else(tools::today), seed },
            events.as_deref(),
        ),
        Cmd::GenCatalog { products, seed, out } => gen_catalog::generate(&catalog_dir(out), products, seed).map_err(|e| format!("gen-catalog: {e}")),
        Cmd::Import { format, file, catalog, currency, name, all } => import(format, &file, &catalog_dir(catalog), currency, name, all),
        Cmd::Install => tools::ensure_all(tools::Needs::Test),
        Cmd::UploadMedia { to, media } => media::dev_token()
            .and_then(|token| media::upload_local(&to, &token, &media.unwrap_or_else(|| root().join(media::STORE))))
            .map(|n| println!("xtask: {n} images uploaded")),
        Cmd::Admin { what: AdminCmd::Owner { email, name, remote, state, url } } => {
            admin::owner(&email, &name, &state.unwrap_or_else(|| root().join(".wrangler/state")), remote, &url)
        }
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

/// Runs a command and returns what it printed (stdout, then stderr), failing with its name and
/// that text when it fails.
pub fn run_output(cmd: &mut Command) -> Result<String, String> {
    let shown = format!("{cmd:?}");
    let out = cmd.output().map_err(|e| format!("cannot start {shown}: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("{shown} failed ({}):\n{text}", out.status))
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

fn catalog_dir(dir: Option<PathBuf>) -> PathBuf {
    dir.unwrap_or_else(|| root().join("catalog"))
}

fn build_cmd(catalog: &Path) -> Result<(), String> {
    tools::ensure_all(tools::Needs::Build)?;
    build::all(catalog, build::Optimise::Full)?;
    if let Err(why) = build::plan_deploy(catalog, &build::dist())? {
        println!("xtask: warning: this build would not deploy: {why}");
    }
    tools::apply_migrations(&root().join(".wrangler/state"), None)
}

fn dev(port: u16, catalog: Option<PathBuf>, out: Option<PathBuf>, state: Option<PathBuf>) -> Result<(), String> {
    tools::ensure_all(tools::Needs::Build)?;
    let bundle = match &out {
        // Another output keeps its search index and snapshot beside it.
        Some(o) => o.with_extension("bundle"),
        None => build::bundle_dir(),
    };
    let places = dev::Places {
        catalog: catalog_dir(catalog),
        out: out.unwrap_or_else(build::dist),
        bundle,
        state: state.unwrap_or_else(|| root().join(".wrangler/state")),
    };
    dev::serve(port, &places)
}

fn test(files: &[String]) -> Result<(), String> {
    tools::ensure_all(tools::Needs::Test)?;
    if files.is_empty() {
        lint()?;
    }
    // The same code as a deploy, optimised lightly (see build::Optimise): minutes less.
    build::all(&root().join("catalog"), build::Optimise::Light)?;
    // Every crate's tests (domain, catalog loader, indexer, app, site, xtask, the worker's native
    // unit tests), then the end-to-end tests, which start wrangler dev against what was just built.
    test_run::all(files)
}

/// Formatting and lints as habits: `cargo fmt --check`, and clippy with warnings as errors for
/// the native crates and for the wasm32 crates (the worker and the two browser bundles).
fn lint() -> Result<(), String> {
    println!("xtask: cargo fmt --check, clippy -D warnings (native and wasm32)");
    run(Command::new("cargo").args(["fmt", "--all", "--check"]).current_dir(root()))?;
    let deny = ["--", "-D", "warnings"];
    run(Command::new("cargo")
        .args(["clippy", "--profile", build::Optimise::Light.native_profile()])
        .args(build::NATIVE_PACKAGES)
        .arg("--all-targets")
        .args(deny)
        .current_dir(root()))?;
    run(Command::new("cargo").args(["clippy", "--target", "wasm32-unknown-unknown", "--lib"]).args(deny).current_dir(root().join("edge")))?;
    // The back office's bundle holds the shop's islands too: one pass lints both bundles.
    run(Command::new("cargo")
        .args(["clippy", "-p", "edgeshop-front", "--features", "admin", "--target", "wasm32-unknown-unknown"])
        .args(deny)
        .current_dir(root()))
}

fn import(format: ImportFormat, file: &Path, catalog: &Path, currency: String, shop_name: String, all: bool) -> Result<(), String> {
    let format = match format {
        ImportFormat::Shopify => edgeshop_import::Format::Shopify,
        ImportFormat::Woocommerce => edgeshop_import::Format::WooCommerce,
    };
    let options = edgeshop_import::Options { today: tools::today(), currency, shop_name };
    match edgeshop_import::import(format, file, catalog, &options) {
        Ok(report) => {
            // The catalog is written; a reader that stopped reading (`| head`) is no failure.
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let next = format!("imported into {}; `cargo xtask build --catalog {}` checks and builds it", catalog.display(), catalog.display());
            let report = if all { report.full() } else { report.to_string() };
            let _ = write!(out, "{report}").and_then(|_| writeln!(out, "{next}"));
            Ok(())
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            Err(format!("{} error(s) in {}; nothing was written", errors.len(), file.display()))
        }
    }
}
