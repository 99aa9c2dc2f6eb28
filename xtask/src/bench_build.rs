//! `cargo xtask bench build`: the page build of a generated shop against Hugo (Debian's package)
//! building the same product pages and category listings from the same data, in the same run.
//!
//! Each run starts both from an empty output directory with a warm image cache (renders are reused
//! by content hash, as in any rebuild); the runs are paired (ours first, then Hugo first, …) and
//! the medians are compared. Then the merchant's usual publish: one product's price changed, rebuilt into the
//! existing output (five times, the median reported), with the files the last rebuild wrote. The builder's own phase timings
//! (`--timings`) give the breakdown. Results: `bench/results/build-<N>.json`.

use crate::root;
use crate::run as exec;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// One-price rebuilds timed (the median is reported).
const REBUILDS: usize = 5;

pub fn run(products: usize, runs: usize) -> Result<(), String> {
    let work = root().join(format!("bench/work/build-{products}"));
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let catalog = work.join("catalog");
    println!("bench: generating a {products}-product shop");
    crate::gen_catalog::generate(&catalog, products, 1).map_err(|e| e.to_string())?;
    // Every page and image a static file (the Paid plan holds them all at 20k).
    crate::bench_deploy::set_deploy(&catalog, "plan = \"paid\"\nimages = \"static\"")?;
    crate::tools::ensure_hugo()?;
    exec(crate::build::cargo().args(["build", "--quiet", "--profile", "tool", "-p", "edgeshop-site"]).current_dir(root()))?;

    println!("bench: the same product pages and listings as a Hugo site");
    let hugo_site = work.join("hugo");
    write_hugo_site(&catalog, &hugo_site)?;

    let out = work.join("dist");
    let cpu_file = work.join("cpu.txt");
    // Wall seconds and CPU seconds (user + system, GNU time) of one build.
    let timed = |program: &Path, args: &[&std::ffi::OsStr], dir: &Path, cold: bool| -> Result<(f64, f64), String> {
        sync();
        // Every build from scratch starts from the same memory state (when allowed): over a run
        // the page cache fills with gigabytes of earlier outputs, and the CPU time of the same
        // build grew threefold (reclaim), for both builders. Their inputs are then read from disk.
        if cold {
            let _ = std::fs::write("/proc/sys/vm/drop_caches", "3");
        }
        let t = Instant::now();
        exec(Command::new("/usr/bin/time").args(["-f", "%U %S", "-o"]).arg(&cpu_file).arg(program).args(args).current_dir(dir))?;
        let wall = t.elapsed().as_secs_f64();
        sync();
        let text = std::fs::read_to_string(&cpu_file).map_err(|e| e.to_string())?;
        let cpu = text.lines().last().unwrap_or_default().split_whitespace().filter_map(|v| v.parse::<f64>().ok()).sum();
        Ok((wall, cpu))
    };
    let ours = |timings: &Path, fresh: bool| -> Result<(f64, f64), String> {
        if fresh {
            clear(&out)?;
        }
        let (bundle, public, cache) = (work.join("bundle"), root().join("public"), work.join("image-cache"));
        let args = [
            "--catalog".as_ref(),
            catalog.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--bundle".as_ref(),
            bundle.as_os_str(),
            "--public".as_ref(),
            public.as_os_str(),
            "--image-cache".as_ref(),
            cache.as_os_str(),
            "--timings".as_ref(),
            timings.as_os_str(),
        ];
        // A rebuild runs as a merchant's would, right after the files were read.
        timed(&root().join("target/tool/edgeshop-site"), &args, &root(), fresh)
    };
    let hugo = || -> Result<(f64, f64), String> {
        let public = hugo_site.join("public");
        clear(&public)?;
        timed(Path::new("hugo"), &["--quiet".as_ref(), "--destination".as_ref(), public.as_os_str()], &hugo_site, true)
    };
    // Warm-up, not counted: fills the image cache (a first build renders every image size once)
    // and the disk cache for both.
    let _ = std::fs::remove_dir_all(work.join("bundle"));
    ours(&work.join("timings-warmup.json"), true)?;
    hugo()?;

    let (mut our_times, mut hugo_times, mut our_cpu, mut hugo_cpu, mut phases) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let record = |(wall, cpu): (f64, f64), times: &mut Vec<f64>, cpus: &mut Vec<f64>| {
        times.push(wall);
        cpus.push(cpu);
    };
    for i in 0..runs {
        // Every run builds the search index too (the bundle cache would skip it).
        let _ = std::fs::remove_dir_all(work.join("bundle"));
        let timings = work.join(format!("timings-{i}.json"));
        // Each goes first in every other run: a build after a build runs on a busier disk.
        if i % 2 == 1 {
            record(hugo()?, &mut hugo_times, &mut hugo_cpu);
        }
        record(ours(&timings, true)?, &mut our_times, &mut our_cpu);
        phases.push(read_json(&timings)?);
        if i % 2 == 0 {
            record(hugo()?, &mut hugo_times, &mut hugo_cpu);
        }
        println!(
            "bench: run {}: ours {:.2} s ({:.2} s CPU), Hugo {:.2} s ({:.2} s CPU)",
            i + 1,
            our_times[i],
            our_cpu[i],
            hugo_times[i],
            hugo_cpu[i]
        );
    }
    let (our_files, our_bytes) = count(&out);
    let (hugo_files, hugo_bytes) = count(&hugo_site.join("public"));

    println!("bench: rebuild after one price change, into the existing output");
    // First with nothing changed (this also reads the catalog, as the merchant's last build had).
    let (unchanged, unchanged_cpu) = ours(&work.join("timings-unchanged.json"), false)?;
    let unchanged_phases = read_json(&work.join("timings-unchanged.json"))?;
    // Five times (the price raised again each time): a rebuild lasts about a second, and one run's
    // wall time on a shared 2-core machine varies by a tenth of that.
    let timings = work.join("timings-one-price.json");
    let (mut changed, mut before, mut after) = (String::new(), Default::default(), Default::default());
    let (mut rebuilds, mut rebuild_cpus) = (Vec::new(), Vec::new());
    for _ in 0..REBUILDS {
        changed = crate::bench::raise_one_price(&catalog.join("products"))?;
        before = snapshot(&out);
        let (wall, cpu) = ours(&timings, false)?;
        after = snapshot(&out);
        rebuilds.push(wall);
        rebuild_cpus.push(cpu);
    }
    // The files the last rebuild wrote.
    let written: Vec<&String> = after.iter().filter(|(path, stamp)| before.get(*path) != Some(stamp)).map(|(path, _)| path).collect();
    let removed = before.keys().filter(|p| !after.contains_key(*p)).count();
    let mut sample: Vec<&String> = written.clone();
    sample.sort();
    sample.truncate(40);

    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ours_m, hugo_m) = (median(&our_times), median(&hugo_times));
    let json = serde_json::json!({
        "benchmark": "build",
        "products": products,
        "runs": runs,
        "hugo_version": String::from_utf8_lossy(&Command::new("hugo").arg("version").output().map_err(|e| e.to_string())?.stdout).trim(),
        "ours_s": our_times,
        "hugo_s": hugo_times,
        "ours_median_s": ours_m,
        "hugo_median_s": hugo_m,
        "ratio_to_hugo": ours_m / hugo_m,
        "ours_cpu_s": our_cpu,
        "hugo_cpu_s": hugo_cpu,
        "cpu_ratio_to_hugo": median(&our_cpu) / median(&hugo_cpu),
        "goal_ratio": 0.5,
        "ours_output": {"files": our_files, "bytes": our_bytes},
        "hugo_output": {"files": hugo_files, "bytes": hugo_bytes},
        "phases": phases,
        "rebuild_nothing_changed": {"wall_s": unchanged, "cpu_s": unchanged_cpu, "phases": unchanged_phases},
        "rebuild_one_price": {
            "product": changed,
            "wall_s": median(&rebuilds),
            "cpu_s": median(&rebuild_cpus),
            "runs_wall_s": rebuilds,
            "runs_cpu_s": rebuild_cpus,
            "goal_s": 1.0,
            "phases": read_json(&timings)?,
            "files_written": written.len(),
            "files_removed": removed,
            "written_sample": sample,
        },
    });
    let path = root().join(format!("bench/results/build-{products}.json"));
    let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    std::fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("bench: results in {}\n{text}", path.display());
    Ok(())
}

fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes out dirty pages, so one build's writes are not paid for by the next one's timing.
fn sync() {
    let _ = Command::new("sync").status();
}

fn clear(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("{}: {e}", dir.display())),
        _ => Ok(()),
    }
}

fn count(dir: &Path) -> (u64, u64) {
    snapshot(dir).values().fold((0, 0), |(files, bytes), (len, _, _)| (files + 1, bytes + len))
}

/// Every file under `dir` with its length, modification time and inode: a file the build wrote
/// again differs in one of them.
fn snapshot(dir: &Path) -> std::collections::HashMap<String, (u64, std::time::SystemTime, u64)> {
    use std::os::unix::fs::MetadataExt;
    fn walk(dir: &Path, base: &Path, acc: &mut std::collections::HashMap<String, (u64, std::time::SystemTime, u64)>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                walk(&path, base, acc);
            } else if let Ok(modified) = meta.modified() {
                let key = path.strip_prefix(base).unwrap_or(&path).to_string_lossy().into_owned();
                acc.insert(key, (meta.len(), modified, meta.ino()));
            }
        }
    }
    let mut acc = std::collections::HashMap::new();
    walk(dir, dir, &mut acc);
    acc
}

/// A Hugo site with the catalog's products as pages (`/products/<slug>/`) and its categories as a
/// taxonomy (`/c/<category>/`, 24 products a page like the shop's listings, parents listing their
/// subcategories' products), the same images as static files, and templates that draw what the
/// shop's pages show: head with description, canonical, Open Graph and product JSON-LD; the
/// category menu; breadcrumbs; gallery, price, variant choice, description (Markdown),
/// attributes; four related products; cards with image, title and price.
fn write_hugo_site(catalog: &Path, site: &Path) -> Result<(), String> {
    let shop = edgeshop_catalog::load(catalog).map_err(|e| e.to_string())?;
    let c = &shop.catalog;
    let _ = std::fs::remove_dir_all(site);
    let content = site.join("content/products");
    std::fs::create_dir_all(&content).map_err(|e| e.to_string())?;
    let locale = &c.shop.locale;
    let key = |slug: &str| slug.replace('/', "-");
    // Related products as the shop's pages pick them: the next four of the category, wrapping.
    let published: Vec<&edgeshop_domain::Product> = c.products.iter().filter(|p| p.published).collect();
    let mut peers: std::collections::HashMap<&str, Vec<&str>> = std::collections::HashMap::new();
    let places: Vec<usize> = published
        .iter()
        .map(|p| {
            let list = peers.entry(p.category.as_str()).or_default();
            list.push(p.slug.as_str());
            list.len() - 1
        })
        .collect();
    for (p, place) in published.into_iter().zip(places) {
        let list = &peers[p.category.as_str()];
        let related: Vec<&str> = (1..list.len()).map(|i| list[(place + i) % list.len()]).take(4).collect();
        let mut categories = vec![key(&p.category)];
        let mut slug = p.category.as_str();
        while let Some((parent, _)) = slug.rsplit_once('/') {
            categories.push(key(parent));
            slug = parent;
        }
        let (lo, hi) = edgeshop_domain::pricing::product_price_range(p).ok_or("unpriced product")?;
        let price = if lo == hi { lo.format(locale) } else { format!("from {}", lo.format(locale)) };
        let image = p.images.first();
        let front = serde_json::json!({
            "title": p.title,
            "slug": p.slug,
            "brand": p.brand,
            "category": key(&p.category),
            "c": categories,
            "tags": p.tags,
            "date": p.created,
            "price": price,
            "low": lo.minor,
            "image": image.map(|i| format!("/images/{}", i.file)),
            "alt": image.map(|i| i.alt.clone()),
            "attributes": p.attributes.iter().map(|(k, v)| serde_json::json!({"name": k, "value": v})).collect::<Vec<_>>(),
            "variants": p.variants.iter().map(|v| serde_json::json!({"sku": v.sku, "name": v.option_values.join(" / "), "price": v.price.format(locale)})).collect::<Vec<_>>(),
            "related": related,
        });
        let text = format!("{front}\n\n{}\n", p.description_md);
        std::fs::write(content.join(format!("{}.md", p.slug)), text).map_err(|e| e.to_string())?;
    }
    // The products' section has no page of its own (the shop has none): only its pages are built.
    std::fs::write(content.join("_index.md"), "{\"_build\": {\"render\": \"never\"}}\n").map_err(|e| e.to_string())?;
    for cat in &c.categories {
        let dir = site.join("content/c").join(key(&cat.slug));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let front = serde_json::json!({"title": cat.name, "description": cat.description});
        std::fs::write(dir.join("_index.md"), format!("{front}\n")).map_err(|e| e.to_string())?;
    }
    let mut menu = String::new();
    for cat in c.categories.iter().filter(|c| !c.slug.contains('/')) {
        let _ = write!(menu, "<li><a href=\"/c/{}/\">{}</a></li>", key(&cat.slug), cat.name);
    }
    let config = format!(
        "baseURL = \"{base}\"\ntitle = \"{name}\"\nlanguageCode = \"{locale}\"\npaginate = 24\ndisableKinds = [\"RSS\"]\n\
         [taxonomies]\n  category = \"c\"\n[permalinks]\n  products = \"/products/:slug/\"\n",
        base = c.shop.base_url,
        name = c.shop.name,
    );
    let files: [(&str, String); 5] = [
        ("hugo.toml", config),
        ("layouts/partials/head.html", HEAD.to_string()),
        ("layouts/partials/header.html", format!("<header><a href=\"/\" class=\"logo\">{{{{ site.Title }}}}</a><form role=\"search\" action=\"/search\"><input name=\"q\" type=\"search\"></form><a href=\"/cart/\">Cart</a><nav><ul>{menu}</ul></nav></header>")),
        ("layouts/_default/single.html", SINGLE.to_string()),
        ("layouts/_default/term.html", TERM.to_string()),
    ];
    for (name, text) in files {
        let path = site.join(name);
        std::fs::create_dir_all(path.parent().unwrap_or(site)).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
    }
    for (name, text) in [("layouts/index.html", INDEX), ("layouts/_default/list.html", TERM), ("layouts/partials/card.html", CARD)] {
        std::fs::write(site.join(name), text).map_err(|e| e.to_string())?;
    }
    // The catalog's images as Hugo's static files (Hugo copies them into its output, as the shop's
    // build puts the originals beside their renders).
    let static_images = site.join("static/images");
    std::fs::create_dir_all(&static_images).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(&shop.images_dir).map_err(|e| e.to_string())?.flatten() {
        std::fs::copy(entry.path(), static_images.join(entry.file_name())).map_err(|e| e.to_string())?;
    }
    Ok(())
}

const HEAD: &str = r#"<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} | {{ site.Title }}</title>
<meta name="description" content="{{ .Summary | plainify | truncate 160 }}">
<link rel="canonical" href="{{ .Permalink }}">
<meta property="og:title" content="{{ .Title }}"><meta property="og:url" content="{{ .Permalink }}">
{{ with .Params.image }}<meta property="og:image" content="{{ . | absURL }}">{{ end }}
<link rel="stylesheet" href="/assets/style.css"></head>"#;

const CARD: &str = r#"<li class="card"><a href="{{ .RelPermalink }}"><img src="{{ .Params.image }}" alt="{{ .Params.alt }}" width="320" height="320" loading="lazy"><span class="title">{{ .Title }}</span></a><span class="brand">{{ .Params.brand }}</span><span class="price">{{ .Params.price }}</span></li>"#;

const SINGLE: &str = r#"<!DOCTYPE html><html lang="{{ site.LanguageCode }}">{{ partial "head.html" . }}
<script type="application/ld+json">{{ dict "@context" "https://schema.org" "@type" "Product" "name" .Title "brand" .Params.brand "sku" .Params.slug "url" .Permalink "offers" .Params.variants | jsonify | safeJS }}</script>
<body>{{ partial "header.html" . }}<main>
<nav class="crumbs"><ol><li><a href="/">Home</a></li><li><a href="/c/{{ .Params.category }}/">{{ .Params.category }}</a></li><li aria-current="page">{{ .Title }}</li></ol></nav>
<article class="product"><div class="gallery"><img src="{{ .Params.image }}" alt="{{ .Params.alt }}" width="800" height="800"></div>
<div class="buy"><p class="brand">{{ .Params.brand }}</p><h1>{{ .Title }}</h1><p class="price">{{ .Params.price }}</p>
<form action="/cart/add" method="post"><select name="sku">{{ range .Params.variants }}<option value="{{ .sku }}">{{ .name }} — {{ .price }}</option>{{ end }}</select>
<input name="quantity" type="number" value="1" min="1"><button>Add to cart</button></form></div>
<div class="description">{{ .Content }}</div>
<table class="attributes">{{ range .Params.attributes }}<tr><th>{{ .name }}</th><td>{{ .value }}</td></tr>{{ end }}</table></article>
{{ with .Params.related }}<h2>You may also like</h2><ul class="grid">{{ range . }}{{ with site.GetPage (printf "/products/%s" .) }}{{ partial "card.html" . }}{{ end }}{{ end }}</ul>{{ end }}
</main></body></html>"#;

const TERM: &str = r#"<!DOCTYPE html><html lang="{{ site.LanguageCode }}">{{ partial "head.html" . }}
<body>{{ partial "header.html" . }}<main><h1>{{ .Title }}</h1><p>{{ .Params.description }}</p>
{{ $pager := .Paginate (.Pages.ByParam "low") }}<p>{{ $pager.TotalNumberOfElements }} products</p>
<ul class="grid">{{ range $pager.Pages }}{{ partial "card.html" . }}{{ end }}</ul>
<nav class="pager">{{ range $pager.Pagers }}<a href="{{ .URL }}">{{ .PageNumber }}</a> {{ end }}</nav></main></body></html>"#;

const INDEX: &str = r#"<!DOCTYPE html><html lang="{{ site.LanguageCode }}">{{ partial "head.html" . }}
<body>{{ partial "header.html" . }}<main><h1>{{ site.Title }}</h1><ul class="grid">{{ range first 8 (where site.RegularPages "Section" "products").ByDate.Reverse }}{{ partial "card.html" . }}{{ end }}</ul></main></body></html>"#;
