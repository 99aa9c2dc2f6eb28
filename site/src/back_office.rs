//! The back office's static pages under `/admin/` and the `_headers` rules that give them their
//! content security policy (with the hashes of the pages' inline scripts).

use edgeshop_admin::pages::{headers, render_all, AdminSite};
use edgeshop_domain::text::{base64, inline_scripts};
use edgeshop_domain::Catalog;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::Path;

/// Writes the admin pages and `_headers`; returns how many pages.
pub fn write(catalog: &Catalog, out: &Path) -> Result<usize, String> {
    let site = AdminSite {
        shop_name: catalog.shop.name.clone(),
        locale: catalog.shop.locale.clone(),
        currency: catalog.shop.currency.code().to_string(),
        catalog_version: catalog.version.clone(),
    };
    let pages = render_all(&site);
    let mut hashes = BTreeSet::new();
    for (path, html) in &pages {
        hashes.extend(inline_scripts(html).map(|s| base64(&Sha256::digest(s.as_bytes()))));
        crate::write(&out.join(path.trim_start_matches('/')).join("index.html"), html.as_bytes())?;
    }
    crate::write(&out.join("_headers"), headers(&hashes.into_iter().collect::<Vec<_>>()).as_bytes())?;
    Ok(pages.len())
}
