//! sitemap.xml (split into a sitemap index past 50,000 URLs) and robots.txt.

use crate::output::Output;

const MAX_URLS_PER_SITEMAP: usize = 50_000;

fn urlset(base: &str, paths: &[String]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for p in paths {
        xml.push_str(&format!("  <url><loc>{}</loc></url>\n", edgeshop_domain::escape_html(&format!("{base}{p}"))));
    }
    xml.push_str("</urlset>\n");
    xml
}

/// Returns the number of URLs listed.
pub fn write(base: &str, paths: &[String], out: &Output) -> Result<usize, String> {
    if paths.len() <= MAX_URLS_PER_SITEMAP {
        out.write("sitemap.xml", urlset(base, paths).as_bytes())?;
    } else {
        let mut index =
            String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for (i, chunk) in paths.chunks(MAX_URLS_PER_SITEMAP).enumerate() {
            let name = format!("sitemap-{}.xml", i + 1);
            out.write(&name, urlset(base, chunk).as_bytes())?;
            index.push_str(&format!("  <sitemap><loc>{}/{name}</loc></sitemap>\n", edgeshop_domain::escape_html(base)));
        }
        index.push_str("</sitemapindex>\n");
        out.write("sitemap.xml", index.as_bytes())?;
    }
    let robots = format!("User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /admin/\n\nSitemap: {base}/sitemap.xml\n");
    out.write("robots.txt", robots.as_bytes())?;
    Ok(paths.len())
}
