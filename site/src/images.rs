//! Responsive product images. Raster images (PNG, JPEG, WebP: merchants' photos) are rendered at a
//! few widths as WebP (lossless) with a PNG or JPEG fallback, for `<picture>`/`srcset`. Vector
//! images (SVG) are served as they are — they are sharp at every width and smaller than any
//! rendering (a 650 B sample SVG becomes 4.7–12 KB of WebP) — and get one PNG rendering only, for
//! share images and the product feed, which need raster files. Renders are cached by content
//! hash, so a rebuild only renders what changed.

use edgeshop_app::ResponsiveImage;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Widths rendered (never wider than the source's declared width).
pub const WIDTHS: [u32; 3] = [320, 640, 960];

struct Job {
    file: String,
    source: PathBuf,
    width: u32,
    height: u32,
}

fn stem(file: &str) -> &str {
    file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file)
}

fn is_svg(file: &str) -> bool {
    file.to_ascii_lowercase().ends_with(".svg")
}

/// Decodes or renders the source at `w × h` as RGBA.
fn rgba(source: &Path, bytes: &[u8], w: u32, h: u32, fonts: &Arc<resvg::usvg::fontdb::Database>) -> Result<Vec<u8>, String> {
    let name = source.display();
    if is_svg(&source.to_string_lossy()) {
        let opt = resvg::usvg::Options { fontdb: fonts.clone(), ..Default::default() };
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
        let img = image::load_from_memory(bytes).map_err(|e| format!("{name}: {e}"))?;
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

/// Renders (or takes from `cache`) every variant of one image into `out`.
fn render_one(job: &Job, out: &Path, cache: &Path, fonts: &Arc<resvg::usvg::fontdb::Database>) -> Result<ResponsiveImage, String> {
    let bytes = std::fs::read(&job.source).map_err(|e| format!("{}: {e}", job.source.display()))?;
    let hash: String = Sha256::digest(&bytes).iter().take(10).map(|b| format!("{b:02x}")).collect();
    let fallback = if job.file.to_ascii_lowercase().ends_with(".jpg") || job.file.to_ascii_lowercase().ends_with(".jpeg") {
        ("jpg", image::ImageFormat::Jpeg)
    } else {
        ("png", image::ImageFormat::Png)
    };
    let largest = job.width.min(*WIDTHS.last().unwrap_or(&960));
    let vector = is_svg(&job.file);
    let mut widths: Vec<u32> = if vector { Vec::new() } else { WIDTHS.iter().copied().filter(|w| *w < largest).collect() };
    widths.push(largest);
    let (mut webp, mut fall) = (Vec::new(), Vec::new());
    for &w in &widths {
        let h = ((job.height as u64 * w as u64) / job.width.max(1) as u64).max(1) as u32;
        let mut names = vec![(format!("{}-{w}.{}", stem(&job.file), fallback.0), fallback.1)];
        if !vector {
            names.push((format!("{}-{w}.webp", stem(&job.file)), image::ImageFormat::WebP));
        }
        let cached: Vec<PathBuf> = names.iter().map(|(n, _)| cache.join(format!("{hash}-{}", n.replace('/', "_")))).collect();
        if !cached.iter().all(|c| c.exists()) {
            let pixels = rgba(&job.source, &bytes, w, h, fonts)?;
            for ((name, format), c) in names.iter().zip(&cached) {
                let data = encode(&pixels, w, h, *format, name)?;
                crate::write(c, &data)?;
            }
        }
        for ((name, _), c) in names.iter().zip(&cached) {
            let target = out.join(name);
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            // A hard link when the cache is on the same disk, else a copy.
            if std::fs::hard_link(c, &target).is_err() {
                std::fs::copy(c, &target).map_err(|e| format!("{}: {e}", target.display()))?;
            }
        }
        if !vector {
            webp.push(format!("/images/{}-{w}.webp {w}w", stem(&job.file)));
            fall.push(format!("/images/{}-{w}.{} {w}w", stem(&job.file), fallback.0));
        }
    }
    Ok(ResponsiveImage {
        webp_srcset: webp.join(", "),
        fallback_srcset: fall.join(", "),
        fallback_src: format!("/images/{}-{largest}.{}", stem(&job.file), fallback.0),
    })
}

/// Renders every image the catalog uses, on all cores; returns the srcsets by image file.
pub fn build(catalog: &edgeshop_domain::Catalog, images_dir: &Path, out: &Path, cache: &Path) -> Result<HashMap<String, ResponsiveImage>, String> {
    let mut seen = std::collections::HashSet::new();
    let jobs: Vec<Job> = catalog
        .products
        .iter()
        .filter(|p| p.published)
        .flat_map(|p| p.images.iter())
        .filter(|i| seen.insert(i.file.clone()))
        .map(|i| Job { file: i.file.clone(), source: images_dir.join(&i.file), width: i.width.max(1), height: i.height.max(1) })
        .collect();
    std::fs::create_dir_all(cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let mut fonts = resvg::usvg::fontdb::Database::new();
    fonts.load_system_fonts();
    let fonts = Arc::new(fonts);
    let progress = crate::progress::bar(jobs.len(), "images processed");
    let map = jobs
        .par_iter()
        .map(|j| {
            progress.inc(1);
            render_one(j, out, cache, &fonts).map(|r| (j.file.clone(), r))
        })
        .collect::<Result<HashMap<_, _>, String>>();
    progress.finish_and_clear();
    map
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
        let fonts = Arc::new(resvg::usvg::fontdb::Database::new());
        let job = |file: &str, width, height| Job { file: file.into(), source: src.join(file), width, height };

        let photo = render_one(&job("photo.jpg", 1200, 900), &out, &cache, &fonts).unwrap();
        assert_eq!(photo.webp_srcset, "/images/photo-320.webp 320w, /images/photo-640.webp 640w, /images/photo-960.webp 960w");
        assert_eq!(photo.fallback_srcset, "/images/photo-320.jpg 320w, /images/photo-640.jpg 640w, /images/photo-960.jpg 960w");
        let small = image::open(out.join("photo-320.webp")).unwrap();
        assert_eq!((small.width(), small.height()), (320, 240));
        assert_eq!(image::open(out.join("photo-960.jpg")).unwrap().width(), 960);

        let shape = render_one(&job("shape.svg", 800, 800), &out, &cache, &fonts).unwrap();
        assert!(shape.webp_srcset.is_empty() && shape.fallback_srcset.is_empty());
        assert_eq!(shape.fallback_src, "/images/shape-800.png");
        let png = image::open(out.join("shape-800.png")).unwrap().to_rgba8();
        assert_eq!(png.get_pixel(400, 400).0, [0x1f, 0x4e, 0x46, 255], "the SVG was really rendered");

        // Second run: everything comes from the cache.
        std::fs::remove_dir_all(&out).unwrap();
        let again = render_one(&job("photo.jpg", 1200, 900), &out, &cache, &fonts).unwrap();
        assert_eq!(again, photo);
        assert!(out.join("photo-640.webp").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
