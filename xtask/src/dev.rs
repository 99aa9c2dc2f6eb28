//! `cargo xtask dev`: build, serve with `wrangler dev`, and rebuild what a saved file affects.
//!
//! Sources are polled twice a second (no platform file-watching API to go wrong on network or
//! container file systems). A catalog or `public/` change rebuilds pages, search index and the
//! worker's catalog data only (the running worker notices the new catalog version by itself); an
//! `app/` or `admin/` change also rebuilds the browser bundles; `edge/`, `api/` or `domain/` the worker as well, which
//! `wrangler dev` reloads. After each rebuild `dist/_dev/build.txt` changes and open pages reload.

use crate::build;
use crate::root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// What a change needs rebuilt, from least to most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rebuild {
    Pages,
    PagesAndBundle,
    Everything,
}

fn watched(catalog: &Path) -> Vec<(PathBuf, Rebuild)> {
    let r = root();
    vec![
        (catalog.to_path_buf(), Rebuild::Pages),
        (r.join("public"), Rebuild::Pages),
        (r.join("site/src"), Rebuild::Pages),
        (r.join("catalog-loader/src"), Rebuild::Pages),
        (r.join("indexer/src"), Rebuild::Everything),
        (r.join("app/src"), Rebuild::PagesAndBundle),
        (r.join("front/src"), Rebuild::PagesAndBundle),
        (r.join("admin/src"), Rebuild::PagesAndBundle),
        (r.join("domain/src"), Rebuild::Everything),
        (r.join("api/src"), Rebuild::Everything),
        (r.join("edge/src"), Rebuild::Everything),
    ]
}

/// Modification times of every file under `dir`.
fn scan(dir: &Path, out: &mut BTreeMap<PathBuf, SystemTime>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        let Ok(meta) = e.metadata() else { continue };
        if meta.is_dir() {
            scan(&path, out);
        } else if let Ok(m) = meta.modified() {
            out.insert(path, m);
        }
    }
}

fn snapshot(dirs: &[(PathBuf, Rebuild)]) -> Vec<BTreeMap<PathBuf, SystemTime>> {
    dirs.iter()
        .map(|(d, _)| {
            let mut m = BTreeMap::new();
            scan(d, &mut m);
            m
        })
        .collect()
}

/// Where a dev server builds to and keeps its local state.
pub struct Places {
    pub catalog: PathBuf,
    /// Pages and catalog data (`dist/` unless `--out`).
    pub out: PathBuf,
    /// Search index and snapshot kept between builds.
    pub bundle: PathBuf,
    /// Local D1, KV, queues and Durable Objects.
    pub state: PathBuf,
}

impl Places {
    /// Serving the shop's own `dist/` (not another `--out`): only then may the server make
    /// wrangler reload (see [`reload_wrangler`]).
    fn own_dist(&self) -> bool {
        self.out == build::dist()
    }
}

/// Tells open pages that a rebuild finished.
fn mark_build(out: &Path) -> Result<(), String> {
    let dir = out.join("_dev");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let stamp = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    std::fs::write(dir.join("build.txt"), stamp.to_string()).map_err(|e| e.to_string())
}

/// The files under `dir`.
fn listing(dir: &Path) -> BTreeSet<PathBuf> {
    let mut files = BTreeMap::new();
    scan(dir, &mut files);
    files.into_keys().collect()
}

/// `wrangler dev` lists the static files, with their ETags, when it (re)loads the worker: a file
/// that appeared since is answered 404 (a new product's page, the browser bundles built after the
/// first page) and a changed one keeps its old ETag, so a browser revalidating it keeps the old
/// copy (a rebuilt bundle). Touching the worker's entry (wrangler.toml's `watch_dir`) reloads it
/// without rebuilding anything. Only for the shop's own `dist/`: every `wrangler dev` started from
/// this checkout's wrangler.toml watches that entry, the end-to-end tests' servers among them, and
/// they must not restart because a development server elsewhere (`--out`) rebuilt.
fn reload_wrangler(at: &Places) -> Result<(), String> {
    if !at.own_dist() {
        return Ok(());
    }
    let entry = root().join("edge/build/worker/shim.mjs");
    let text = std::fs::read(&entry).map_err(|e| format!("{}: {e}", entry.display()))?;
    std::fs::write(&entry, text).map_err(|e| format!("{}: {e}", entry.display()))
}

/// Pages, search index and catalog data, then the browser bundles and the worker if asked; marks
/// the build for open pages.
fn build_shop(at: &Places, bundles: bool, worker: bool) -> Result<(), String> {
    build::dev_vars()?;
    build::site(&at.catalog, &at.out, &at.bundle, true, build::Optimise::Light)?;
    if bundles {
        build::front(&at.out, build::Optimise::Light)?;
    }
    if worker {
        build::worker(build::Optimise::Light)?;
    }
    mark_build(&at.out)
}

/// A shop that keeps its images in R2: sends the local bucket what it lacks of this build, once
/// the server answers.
fn upload_media(port: u16, at: &Places) -> Result<(), String> {
    if !crate::media::in_r2(&at.catalog)? {
        return Ok(());
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while crate::bench::http_status(&port.to_string(), "/api/health") != Some(200) {
        if Instant::now() > deadline {
            return Err("the images were not uploaded: wrangler dev did not answer".into());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let sent = crate::media::upload_local(&format!("127.0.0.1:{port}"), &crate::media::dev_token()?, &root().join(crate::media::STORE))?;
    if sent > 0 {
        println!("edgeshop: {sent} images uploaded to the local R2 bucket");
    }
    Ok(())
}

fn rebuild(what: Rebuild, at: &Places) -> Result<(), String> {
    let before = listing(&at.out);
    build_shop(at, what >= Rebuild::PagesAndBundle, what == Rebuild::Everything)?;
    if what == Rebuild::PagesAndBundle || listing(&at.out) != before {
        reload_wrangler(at)?;
    }
    Ok(())
}

/// Serves the shop and rebuilds on change until `wrangler dev` exits.
///
/// The first page does not wait for the browser bundles: pages work as plain HTML and load their
/// islands only when used (`public/islands.js`), so the shop is served as soon as pages and worker
/// are built, and the bundles follow (open pages reload when they are ready). Under another
/// `--out`, which cannot make wrangler reload (see [`reload_wrangler`]), the bundles come first.
pub fn serve(port: u16, at: &Places) -> Result<(), String> {
    // Taken first: a file saved while the first build runs is rebuilt after it.
    let dirs = watched(&at.catalog);
    let mut seen = snapshot(&dirs);
    let bundles_later = at.own_dist();
    build_shop(at, !bundles_later, true)?;
    crate::tools::apply_migrations(&at.state, None)?;
    let start_wrangler = || {
        let mut cmd = crate::tools::wrangler_dev(&port.to_string(), &at.state);
        if !at.own_dist() {
            cmd.arg("--assets").arg(&at.out);
        }
        cmd.spawn().map_err(|e| format!("cannot start wrangler dev: {e}"))
    };
    let mut wrangler = start_wrangler()?;
    let mut wrangler_start = (Instant::now(), 1);
    if let Err(e) = upload_media(port, at) {
        let _ = wrangler.kill();
        return Err(e);
    }
    if bundles_later {
        println!("\nedgeshop: serving on http://127.0.0.1:{port}/ — building the browser bundles (pages work without them)\n");
        let bundles = build::front(&at.out, build::Optimise::Light).and_then(|()| mark_build(&at.out)).and_then(|()| reload_wrangler(at));
        if let Err(e) = bundles {
            let _ = wrangler.kill();
            return Err(e);
        }
    }
    println!("\nedgeshop: serving on http://127.0.0.1:{port}/ — watching {} and the sources; Ctrl-C to stop\n", at.catalog.display());
    loop {
        if let Some(status) = wrangler.try_wait().map_err(|e| e.to_string())? {
            // wrangler 4.86 restarts its runtime once its file watcher is ready; on a busy machine
            // the new runtime can find the old one still on the port and stop. Started again.
            if !status.success() && wrangler_start.0.elapsed() < Duration::from_secs(90) && wrangler_start.1 < 3 {
                println!("\nedgeshop: wrangler dev stopped as it started ({status}); starting it again\n");
                wrangler = start_wrangler()?;
                wrangler_start = (Instant::now(), wrangler_start.1 + 1);
                continue;
            }
            return if status.success() { Ok(()) } else { Err(format!("wrangler dev exited ({status})")) };
        }
        std::thread::sleep(Duration::from_millis(500));
        let now = snapshot(&dirs);
        let changed: Vec<Rebuild> = dirs.iter().zip(seen.iter().zip(&now)).filter(|(_, (a, b))| a != b).map(|((_, r), _)| *r).collect();
        let Some(what) = changed.into_iter().max() else { continue };
        // Let an editor finish writing (several files, or write-then-rename).
        std::thread::sleep(Duration::from_millis(200));
        seen = snapshot(&dirs);
        let started = Instant::now();
        println!(
            "\nedgeshop: change seen; rebuilding ({})",
            match what {
                Rebuild::Pages => "pages, search index, catalog data",
                Rebuild::PagesAndBundle => "pages and browser bundle",
                Rebuild::Everything => "pages, browser bundle and worker",
            }
        );
        match rebuild(what, at).and_then(|()| upload_media(port, at)) {
            Ok(()) => println!("edgeshop: rebuilt in {:.1} s; open pages reload", started.elapsed().as_secs_f64()),
            // A broken catalog file: the error (file:line) is shown, the last good build stays served.
            Err(e) => eprintln!("edgeshop: rebuild failed, still serving the last good build: {e}"),
        }
    }
}
