//! Responsive product images. Raster images (PNG, JPEG, WebP: merchants' photos) are rendered at a
//! few widths as WebP (lossless) with a PNG or JPEG fallback, for `<picture>`/`srcset`. Vector
//! images (SVG) are served as they are — they are sharp at every width and smaller than any
//! rendering (a 650 B sample SVG becomes 4.7–12 KB of WebP) — and get one PNG rendering only, for
//! share images and the product feed, which need raster files. Renders are cached by content
//! hash, so a rebuild only renders what changed.
//!
//! The files go where the shop keeps its images ([`Store`]): among the static files
//! (`dist/images/`, at the catalog's own file names), or into the media store that is uploaded to
//! R2 (`[deploy] images = "r2"`): `<hash>/<name>` by the original's content hash, served by the
//! worker at `/media/<hash>/<name>`. A changed image gets a new address, so browsers and the edge
//! may keep every one for a year, and an upload sends only what the bucket lacks.

use crate::output::Output;
use edgeshop_app::ResponsiveImage;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The `_headers` rule of the images among the static files: a merchant's SVG opened on its own
/// runs nothing in the shop's origin (as the worker's `/media/` route answers it).
pub const HEADERS: &str = "/images/*\n  Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; sandbox\n";

/// Widths rendered (never wider than the source's declared width).
pub const WIDTHS: [u32; 3] = [320, 640, 960];

/// Where the image files go.
pub enum Store<'a> {
    /// The static files' `images/` directory.
    Static(&'a Output),
    /// The media store for R2 (`target/edgeshop/media` by default).
    Media(PathBuf),
}

impl Store<'_> {
    /// The address of `name` (an image or one of its renderings).
    fn address(&self, hash: &str, name: &str) -> String {
        match self {
            Store::Static(_) => edgeshop_domain::paths::image(name),
            Store::Media(_) => format!("/media/{hash}/{}", name.rsplit('/').next().unwrap_or(name)),
        }
    }

    /// Puts `file` in the store as `name` (at [`Store::address`]).
    fn put(&self, file: &Path, hash: &str, name: &str) -> Result<(), String> {
        match self {
            // A rendering in the cache is named by its original's content hash (never rewritten).
            Store::Static(out) => {
                let key = file.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default();
                out.copy_content(file, &format!("images/{name}"), key)
            }
            Store::Media(dir) => link(file, &dir.join(hash).join(name.rsplit('/').next().unwrap_or(name))),
        }
    }
}

struct Job {
    file: String,
    /// What the renderings are named after: the file's name without its extension, or with it
    /// (`shoe-png`) when another image of the catalog has the same stem (`shoe.jpg`).
    base: String,
    source: PathBuf,
    /// SHA-256 of the source, when the catalog loader has it (else it is read here).
    digest: Option<[u8; 32]>,
    width: u32,
    height: u32,
}

fn stem(file: &str) -> &str {
    file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file)
}

fn is_svg(file: &str) -> bool {
    file.to_ascii_lowercase().ends_with(".svg")
}

/// The system's fonts, for text in SVG images: loaded on the first SVG rendered (tens of
/// milliseconds, which a rebuild that renders nothing does not spend).
type Fonts = OnceLock<Arc<resvg::usvg::fontdb::Database>>;

/// Decodes or renders the source at `w × h` as RGBA.
fn rgba(source: &Path, bytes: &[u8], w: u32, h: u32, fonts: &Fonts) -> Result<Vec<u8>, String> {
    let name = source.display();
    if is_svg(&source.to_string_lossy()) {
        let fontdb = fonts.get_or_init(|| {
            let mut fonts = resvg::usvg::fontdb::Database::new();
            fonts.load_system_fonts();
            Arc::new(fonts)
        });
        let opt = resvg::usvg::Options { fontdb: fontdb.clone(), ..Default::default() };
        let tree = resvg::usvg::Tree::from_data(bytes, &opt).map_err(|e| format!("{name}: {e}"))?;
        let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).ok_or(format!("{name}: bad size {w}×{h}"))?;
        let size = tree.size();
        let transform = resvg::tiny_skia::Transform::from_scale(w as f32 / size.width(), h as f32 / size.height());
        resvg::render(&tree, transform, &mut pixmap.as_mut());
        // tiny-skia keeps premultiplied alpha; the encoders want straight alpha.
        Ok(pixmap
            .pixels()
            .iter()
            .flat_map(|p| {
                let c = p.demultiply();
                [c.red(), c.green(), c.blue(), c.alpha()]
            })
            .collect())
    } else {
        // Turned as the camera's orientation tag says (a phone's portrait photo is stored on its
        // side), as every viewer shows it and as the catalog loader measures it.
        use image::ImageDecoder;
        let decode = || -> image::ImageResult<image::DynamicImage> {
            let mut decoder = image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format()?.into_decoder()?;
            let orientation = decoder.orientation()?;
            let mut img = image::DynamicImage::from_decoder(decoder)?;
            img.apply_orientation(orientation);
            Ok(img)
        };
        let img = decode().map_err(|e| format!("{name}: {e}"))?;
        Ok(img.resize_exact(w, h, image::imageops::FilterType::Lanczos3).to_rgba8().into_raw())
    }
}

fn encode(rgba: &[u8], w: u32, h: u32, format: image::ImageFormat, name: &str) -> Result<Vec<u8>, String> {
    let mut out = std::io::Cursor::new(Vec::new());
    let buffer = image::RgbaImage::from_raw(w, h, rgba.to_vec()).ok_or(format!("{name}: bad pixel buffer"))?;
    let result = if format == image::ImageFormat::Jpeg {
        image::DynamicImage::ImageRgba8(buffer).to_rgb8().write_to(&mut out, format)
    } else {
        buffer.write_to(&mut out, format)
    };
    result.map_err(|e| format!("{name}: {e}"))?;
    Ok(out.into_inner())
}

/// Hard-links (or copies) `from` to `to`.
fn link(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    if to.exists() {
        return Ok(());
    }
    // A hard link when the cache is on the same disk, else a copy.
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).map_err(|e| format!("{}: {e}", to.display()))?;
    }
    Ok(())
}

/// The content hash that names an image's renderings (and its media store folder).
fn content_hash(job: &Job) -> Result<String, String> {
    let digest: [u8; 32] = match job.digest {
        Some(d) => d,
        None => Sha256::digest(std::fs::read(&job.source).map_err(|e| format!("{}: {e}", job.source.display()))?).into(),
    };
    Ok(digest.iter().take(10).map(|b| format!("{b:02x}")).collect())
}

/// The addresses of one image's files as [`render_one`] puts them in `store`.
fn addresses(job: &Job, hash: &str, store: &Store, responsive: bool) -> ResponsiveImage {
    let src = store.address(hash, &job.file);
    if !responsive {
        return ResponsiveImage { webp_srcset: String::new(), fallback_srcset: String::new(), fallback_src: src.clone(), src };
    }
    let (mut webp, mut fall) = (Vec::new(), Vec::new());
    let renderings = renderings(job);
    let largest_name = renderings.last().map(|(_, _, names)| names[0].0.clone()).unwrap_or_default();
    if !is_svg(&job.file) {
        for (w, _, names) in &renderings {
            fall.push(format!("{} {w}w", store.address(hash, &names[0].0)));
            webp.push(format!("{} {w}w", store.address(hash, &names[1].0)));
        }
    }
    ResponsiveImage { webp_srcset: webp.join(", "), fallback_srcset: fall.join(", "), fallback_src: store.address(hash, &largest_name), src }
}

/// Renders (or takes from `cache`) every variant of one image into `store`; without `responsive`,
/// only the original (media store: static files have theirs already).
fn render_one(job: &Job, hash: &str, store: &Store, responsive: bool, cache: &Path, fonts: &Fonts) -> Result<(), String> {
    // The source's bytes only when something is rendered from them.
    let read = || std::fs::read(&job.source).map_err(|e| format!("{}: {e}", job.source.display()));
    // Static files have their originals already (copied with the catalog's images).
    if let Store::Media(_) = store {
        store.put(&job.source, hash, &job.file)?;
    }
    if !responsive {
        return Ok(());
    }
    for (w, h, names) in renderings(job) {
        let cached: Vec<PathBuf> = names.iter().map(|(n, _)| cache.join(format!("{hash}-{}", n.replace('/', "_")))).collect();
        // Straight from the cache when every file is there (putting one fails when it is not).
        if names.iter().zip(&cached).all(|((name, _), c)| store.put(c, hash, name).is_ok()) {
            continue;
        }
        if !cached.iter().all(|c| c.exists()) {
            let pixels = rgba(&job.source, &read()?, w, h, fonts)?;
            for ((name, format), c) in names.iter().zip(&cached) {
                let data = encode(&pixels, w, h, *format, name)?;
                // Whole or not at all (no half file that looks rendered), and as a new file: the
                // old one may be linked into the last build's output.
                crate::replace(c, &data)?;
            }
        }
        for ((name, _), c) in names.iter().zip(&cached) {
            store.put(c, hash, name)?;
        }
    }
    Ok(())
}

/// One rendering's width, height and files (name, format).
type Rendering = (u32, u32, Vec<(String, image::ImageFormat)>);

/// The renderings of an image, smallest first: width, height and the files (the PNG or JPEG
/// fallback first, then the WebP; an SVG gets the fallback only).
fn renderings(job: &Job) -> Vec<Rendering> {
    let lower = job.file.to_ascii_lowercase();
    let fallback =
        if lower.ends_with(".jpg") || lower.ends_with(".jpeg") { ("jpg", image::ImageFormat::Jpeg) } else { ("png", image::ImageFormat::Png) };
    let largest = job.width.min(*WIDTHS.last().unwrap_or(&960));
    let vector = is_svg(&job.file);
    let mut widths: Vec<u32> = if vector { Vec::new() } else { WIDTHS.iter().copied().filter(|w| *w < largest).collect() };
    widths.push(largest);
    widths
        .into_iter()
        .map(|w| {
            let h = ((job.height as u64 * w as u64) / job.width.max(1) as u64).max(1) as u32;
            let mut names = vec![(format!("{}-{w}.{}", job.base, fallback.0), fallback.1)];
            if !vector {
                names.push((format!("{}-{w}.webp", job.base), image::ImageFormat::WebP));
            }
            (w, h, names)
        })
        .collect()
}

/// Names the renderings of `files` (the catalog's images) so that no two images share one, nor
/// a rendering an original's name: renderings are named after the file's stem, or after stem and
/// extension when two images share a stem (`shoe.jpg`, `shoe.png`).
fn rendering_bases(files: &[&str]) -> Vec<String> {
    let mut stems: HashMap<&str, usize> = HashMap::new();
    for f in files {
        *stems.entry(stem(f)).or_default() += 1;
    }
    files
        .iter()
        .map(|f| match f.rsplit_once('.') {
            Some((s, ext)) if stems[s] > 1 => format!("{s}-{}", ext.to_ascii_lowercase()),
            _ => stem(f).to_string(),
        })
        .collect()
}

/// Fails when two images would publish a file under one name (a rendering of one being another's
/// original, or two renderings: `shoe-png.jpg` beside `shoe.jpg` and `shoe.png`).
fn check_names(jobs: &[Job]) -> Result<(), String> {
    let mut owner: HashMap<String, &str> = jobs.iter().map(|j| (j.file.clone(), j.file.as_str())).collect();
    for j in jobs {
        for (_, _, names) in renderings(j) {
            for (name, _) in names {
                if let Some(other) = owner.insert(name.clone(), &j.file).filter(|o| *o != j.file) {
                    return Err(format!("images `{other}` and `{}` would both publish `images/{name}`: rename one of them", j.file));
                }
            }
        }
    }
    Ok(())
}

/// The catalog's images a visitor may see: those of published products and any an info page or a
/// category's description names (`images/<name>`). A draft's photos, and files nothing uses, are
/// not published.
pub fn shown(shop: &edgeshop_catalog::LoadedShop) -> std::collections::HashSet<&str> {
    let mut names: std::collections::HashSet<&str> =
        shop.catalog.products.iter().filter(|p| p.published).flat_map(|p| p.images.iter().map(|i| i.file.as_str())).collect();
    let texts = shop.pages.iter().map(|p| p.markdown.as_str()).chain(shop.catalog.categories.iter().map(|c| c.description.as_str()));
    for text in texts {
        for (at, _) in text.match_indices("images/") {
            let rest = &text[at + "images/".len()..];
            let end = rest.find(|c: char| c.is_whitespace() || "()[]<>\"'`?#".contains(c)).unwrap_or(rest.len());
            if let Some((name, _)) = shop.image_digests.get_key_value(&rest[..end]) {
                names.insert(name.as_str());
            }
        }
    }
    names
}

/// One job per image the published products use.
fn jobs(shop: &edgeshop_catalog::LoadedShop) -> Vec<Job> {
    let (catalog, images_dir, digests) = (&shop.catalog, &shop.images_dir, &shop.image_digests);
    let mut seen = std::collections::HashSet::new();
    let images: Vec<_> =
        catalog.products.iter().filter(|p| p.published).flat_map(|p| p.images.iter()).filter(|i| seen.insert(i.file.clone())).collect();
    let files: Vec<&str> = images.iter().map(|i| i.file.as_str()).collect();
    images
        .iter()
        .zip(rendering_bases(&files))
        .map(|(i, base)| Job {
            file: i.file.clone(),
            base,
            source: images_dir.join(&i.file),
            digest: digests.get(&i.file).copied(),
            width: i.width.max(1),
            height: i.height.max(1),
        })
        .collect()
}

/// The images to render, with their content hashes (see [`plan`]).
pub struct Plan {
    jobs: Vec<(Job, String)>,
}

/// Plans the images the published products use, and returns their addresses (srcsets) by image
/// file as [`build`] fills them: known before anything is rendered, so that pages and the search
/// index's cards need not wait. Fails when two images would publish one file name.
pub fn plan(shop: &edgeshop_catalog::LoadedShop, store: &Store, responsive: bool) -> Result<(Plan, HashMap<String, ResponsiveImage>), String> {
    let jobs = jobs(shop);
    if responsive {
        check_names(&jobs)?;
    }
    let jobs: Vec<(Job, String)> = jobs.into_par_iter().map(|j| content_hash(&j).map(|hash| (j, hash))).collect::<Result<_, String>>()?;
    let addresses = jobs.par_iter().map(|(j, hash)| (j.file.clone(), addresses(j, hash, store, responsive))).collect();
    Ok((Plan { jobs }, addresses))
}

/// Renders every planned image (or takes it from `cache`) into `store`, on all cores.
pub fn build(plan: &Plan, store: &Store, responsive: bool, cache: &Path) -> Result<(), String> {
    std::fs::create_dir_all(cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let fonts = Fonts::new();
    let progress = crate::progress::bar(plan.jobs.len(), "images processed");
    plan.jobs.par_iter().try_for_each(|(j, hash)| {
        progress.inc(1);
        render_one(j, hash, store, responsive, cache, &fonts)
    })?;
    progress.finish_and_clear();
    Ok(())
}

/// `media.txt` in the media store: the files this build's pages use (`<hash>/<name>`, one a line),
/// which `cargo xtask` uploads to R2 when the bucket lacks them.
pub fn write_media_list(dir: &Path, images: &HashMap<String, ResponsiveImage>) -> Result<(), String> {
    let mut keys = std::collections::BTreeSet::new();
    for r in images.values() {
        let srcset = |s: &str| s.split(", ").filter_map(|part| part.split(' ').next()).map(str::to_string).collect::<Vec<_>>();
        for url in [r.src.clone(), r.fallback_src.clone()].into_iter().chain(srcset(&r.webp_srcset)).chain(srcset(&r.fallback_srcset)) {
            if let Some(key) = url.strip_prefix("/media/") {
                keys.insert(key.to_string());
            }
        }
    }
    let list: String = keys.into_iter().map(|k| k + "\n").collect();
    crate::write(&dir.join("media.txt"), list.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A photo-like raster image gets WebP + JPEG at every width below its own; an SVG stays as
    /// it is and only gets a PNG for sharing.
    #[test]
    fn raster_images_get_srcsets_and_vectors_stay_vector() {
        let dir = std::env::temp_dir().join(format!("edgeshop-images-{}", std::process::id()));
        let (src, out, cache) = (dir.join("src"), dir.join("out"), dir.join("cache"));
        std::fs::create_dir_all(&src).unwrap();
        let photo = image::RgbImage::from_fn(1200, 900, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8]));
        photo.save(src.join("photo.jpg")).unwrap();
        std::fs::write(
            src.join("shape.svg"),
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800"><rect width="800" height="800" fill="#1f4e46"/></svg>"##,
        )
        .unwrap();
        let fonts = Fonts::new();
        let job = |file: &str, width, height| Job { file: file.into(), base: stem(file).into(), source: src.join(file), digest: None, width, height };
        // Rendered, and the addresses that pages were given before it was.
        let render_one = |job: &Job, store: &Store, responsive, cache: &Path, fonts: &Fonts| {
            let hash = content_hash(job).unwrap();
            render_one(job, &hash, store, responsive, cache, fonts).map(|()| addresses(job, &hash, store, responsive))
        };

        let (output, _) = Output::open(&out, &dir.join("output.record"), "test").unwrap();
        let store = Store::Static(&output);
        let out = out.join("images");
        let photo = render_one(&job("photo.jpg", 1200, 900), &store, true, &cache, &fonts).unwrap();
        assert_eq!(photo.webp_srcset, "/images/photo-320.webp 320w, /images/photo-640.webp 640w, /images/photo-960.webp 960w");
        assert_eq!(photo.fallback_srcset, "/images/photo-320.jpg 320w, /images/photo-640.jpg 640w, /images/photo-960.jpg 960w");
        let small = image::open(out.join("photo-320.webp")).unwrap();
        assert_eq!((small.width(), small.height()), (320, 240));
        assert_eq!(image::open(out.join("photo-960.jpg")).unwrap().width(), 960);

        let shape = render_one(&job("shape.svg", 800, 800), &store, true, &cache, &fonts).unwrap();
        assert!(shape.webp_srcset.is_empty() && shape.fallback_srcset.is_empty());
        assert_eq!(shape.fallback_src, "/images/shape-800.png");
        let png = image::open(out.join("shape-800.png")).unwrap().to_rgba8();
        assert_eq!(png.get_pixel(400, 400).0, [0x1f, 0x4e, 0x46, 255], "the SVG was really rendered");

        // Second run: everything comes from the cache.
        std::fs::remove_dir_all(&out).unwrap();
        let again = render_one(&job("photo.jpg", 1200, 900), &store, true, &cache, &fonts).unwrap();
        assert_eq!(again, photo);
        assert!(out.join("photo-640.webp").exists());

        // The media store: the original and its renderings under its content hash.
        let media = dir.join("media");
        let stored = render_one(&job("photo.jpg", 1200, 900), &Store::Media(media.clone()), true, &cache, &fonts).unwrap();
        let hash = stored.src.strip_prefix("/media/").and_then(|s| s.strip_suffix("/photo.jpg")).expect(&stored.src).to_string();
        assert_eq!(hash.len(), 20);
        assert_eq!(
            stored.webp_srcset,
            format!("/media/{hash}/photo-320.webp 320w, /media/{hash}/photo-640.webp 640w, /media/{hash}/photo-960.webp 960w")
        );
        assert_eq!(stored.fallback_src, format!("/media/{hash}/photo-960.jpg"));
        for name in ["photo.jpg", "photo-320.webp", "photo-960.jpg"] {
            assert!(media.join(&hash).join(name).exists(), "{name}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A draft's photos and files nothing uses stay out of the output; an image an info page
    /// names is published.
    #[test]
    fn only_images_a_visitor_can_see_are_published() {
        let mut shop = edgeshop_catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog")).unwrap();
        let draft = shop.catalog.products.iter_mut().find(|p| p.published).unwrap();
        draft.published = false;
        let hidden = draft.images[0].file.clone();
        let visible = shop.catalog.products.iter().find(|p| p.published).unwrap().images[0].file.clone();
        shop.image_digests.insert("team.jpg".into(), [0; 32]);
        let shown_now = shown(&shop);
        assert!(shown_now.contains(visible.as_str()));
        assert!(!shown_now.contains(hidden.as_str()), "a draft's photo");
        assert!(!shown_now.contains("team.jpg"), "a file nothing uses");
        shop.pages.push(edgeshop_catalog::InfoPage {
            slug: "about".into(),
            title: "About".into(),
            markdown: "![Our team](/images/team.jpg)\n".into(),
        });
        assert!(shown(&shop).contains("team.jpg"), "named by an info page");
    }

    /// Two images with one stem get renderings named after stem and extension; names that would
    /// still meet are refused with both images named.
    #[test]
    fn images_sharing_a_stem_get_their_own_renderings() {
        assert_eq!(rendering_bases(&["shoe.jpg", "shoe.png", "a/boot.webp", "hat.svg"]), ["shoe-jpg", "shoe-png", "a/boot", "hat"]);
        let job =
            |file: &str, base: &str| Job { file: file.into(), base: base.into(), source: PathBuf::new(), digest: None, width: 400, height: 400 };
        assert_eq!(check_names(&[job("shoe.jpg", "shoe-jpg"), job("shoe.png", "shoe-png")]), Ok(()));
        // `shoe-320.webp` is an original and shoe.jpg's rendering at 320 px.
        let err = check_names(&[job("shoe-320.webp", "shoe-320"), job("shoe.jpg", "shoe")]).unwrap_err();
        assert!(err.contains("shoe-320.webp") && err.contains("shoe.jpg"), "{err}");
    }
}
