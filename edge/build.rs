//! Points the worker at the search index and catalog snapshot written by `cargo xtask build`.

use std::path::PathBuf;

fn main() {
    let dir = match std::env::var_os("EDGESHOP_BUNDLE_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/edgeshop/bundle"),
    };
    println!("cargo:rerun-if-env-changed=EDGESHOP_BUNDLE_DIR");
    for (name, env) in [("search.idx", "EDGESHOP_SEARCH_INDEX"), ("snapshot.json", "EDGESHOP_SNAPSHOT")] {
        let path = dir.join(name);
        if !path.exists() {
            panic!("{} is missing: run `cargo xtask build` (it builds the catalog before the worker)", path.display());
        }
        let path = path.canonicalize().expect("bundle path");
        println!("cargo:rerun-if-changed={}", path.display());
        println!("cargo:rustc-env={env}={}", path.display());
    }
}
