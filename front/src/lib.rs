//! Browser entry point. Leptos' island script calls `hydrate()` once the wasm is loaded; the
//! islands themselves (`#[island]` in `edgeshop-app`) are exported from the linked app crate.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    edgeshop_app::islands::register();
    #[cfg(feature = "admin")]
    edgeshop_admin::register();
    leptos::mount::hydrate_islands();
}
