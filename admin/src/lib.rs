//! The merchant back office under `/admin/`: static pages rendered at build time (feature `ssr`,
//! called by `edgeshop-site`) with one island per page (feature `hydrate`, bundled as
//! `/pkg/admin.js` so that shoppers never download it). Every island talks to `/api/admin/*`
//! with the staff session cookie and reads the contract's types (`edgeshop_api::admin`).
#![recursion_limit = "256"]

pub mod analytics;
pub mod catalog;
mod client;
pub mod discounts;
pub mod newsletter;
pub mod orders;
pub mod packing;
#[cfg(feature = "ssr")]
pub mod pages;
pub mod people;
pub mod session;
pub mod stock;

/// Referenced by the admin bundle so the linker keeps this crate's island exports.
pub fn register() {}
