//! Build time: catalog → single-segment tantivy index → one blob.

use crate::blob::{pack, IndexHeader};
use crate::schema::{register, schema};
use edgeshop_domain::{product_price_range, Catalog};
use std::path::PathBuf;
use tantivy::directory::{Directory, RamDirectory};
use tantivy::{doc, Index, IndexWriter, TantivyDocument};

/// Indexes every published product and returns the packed blob.
pub fn build_index(catalog: &Catalog) -> tantivy::Result<Vec<u8>> {
    let (schema, f) = schema();
    let dir = RamDirectory::create();
    let index = Index::create(dir.clone(), schema, Default::default())?;
    register(&index, &catalog.shop.locale);
    // One thread keeps the output deterministic and the segment count at one.
    let mut writer: IndexWriter<TantivyDocument> = index.writer_with_num_threads(1, 200_000_000)?;
    let mut documents = 0u64;
    for p in catalog.products.iter().filter(|p| p.published) {
        let category: Vec<&str> = catalog.category_trail(&p.category).iter().map(|c| c.name.as_str()).collect();
        let attributes: Vec<String> = p
            .attributes
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .chain(p.options.iter().map(|o| o.values.join(" ")))
            .chain(p.tags.iter().cloned())
            .collect();
        let mut d = doc!(
            f.slug => p.slug.as_str(),
            f.title => p.title.as_str(),
            f.brand => p.brand.as_str(),
            f.category => category.join(" "),
            f.attributes => attributes.join(" "),
            f.description => p.description_md.as_str(),
            f.price => product_price_range(p).map(|(lo, _)| lo.minor.max(0) as u64).unwrap_or(0),
        );
        if let Some(img) = p.images.first() {
            d.add_text(f.image, &img.file);
        }
        for v in &p.variants {
            d.add_text(f.sku, &v.sku);
        }
        writer.add_document(d)?;
        documents += 1;
    }
    writer.commit()?;
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;

    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    files.push((PathBuf::from("meta.json"), dir.atomic_read("meta.json".as_ref())?));
    // Files of the live segment only: merged-away segments may still be lying in the directory.
    let live: Vec<String> = index.searchable_segment_ids()?.iter().map(|id| id.uuid_string()).collect();
    let mut paths: Vec<PathBuf> = index
        .directory()
        .list_managed_files()
        .into_iter()
        .filter(|p| p.to_str().is_some_and(|name| live.iter().any(|id| name.starts_with(id.as_str()))))
        .collect();
    paths.sort();
    for path in paths {
        if dir.exists(&path)? {
            let bytes = dir.open_read(&path)?.read_bytes()?.as_slice().to_vec();
            files.push((path, bytes));
        }
    }
    let header = IndexHeader { catalog_version: catalog.version.clone(), locale: catalog.shop.locale.clone(), documents };
    Ok(pack(&header, &files))
}
