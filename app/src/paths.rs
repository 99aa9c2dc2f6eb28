//! URLs of the static pages: defined once, in `edgeshop_domain::paths`.

pub use edgeshop_domain::paths::*;
