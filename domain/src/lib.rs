//! The shop's domain model, shared by the page builder, the search indexer and the edge worker.
//!
//! No I/O happens here and everything compiles for native and `wasm32-unknown-unknown`.
//! Money is always integer minor units with a currency.

pub mod analytics;
pub mod announce;
pub mod calling_codes;
pub mod cart;
pub mod catalog;
pub mod countries;
pub mod discount;
pub mod events;
pub mod info_pages;
pub mod money;
pub mod order;
pub mod paths;
pub mod pricing;
pub mod snapshot;
pub mod stock;
pub mod text;

pub use announce::{newest_products, to_announce, NewProduct};
pub use cart::{
    cart_digest, check_quantity, price_cart, CartError, CartLine, PriceChange, PricedCart, PricedLine, SavedCart, SavedLine, MAX_LINES,
    MAX_LINE_QUANTITY,
};
pub use catalog::{
    line_name, percent_label, shown_variant, AssetCount, BackOffice, Business, Catalog, Category, DeploySettings, EmailSettings, Image, ImageStore,
    OutOfStock, PinnedResults, Plan, Product, ProductOption, SearchSettings, ShippingRules, ShippingZone, Shop, StockPolicy, TaxRules, Variant,
};
pub use countries::{country_label, country_name};
pub use discount::{normalize_code, share_discount, DiscountCode, DiscountKind, DiscountRefusal};
pub use events::EventKind;
pub use money::{Currency, Money, MoneyError};
pub use order::{
    amounts_tax_label, checkout_totals, credited_refunds, discounted_totals, sms_number, stock_hold_seconds, tax_label, units_of, valid_email,
    validate_address, Address, Contact, FieldError, Order, OrderStatus, PaymentMethod, Placement, StatusChange, Totals, Tracking, TransitionError,
};
pub use pricing::{lowest_price, product_price_range, variant_price, Price};
pub use snapshot::{shard_of, CatalogManifest, CatalogSnapshot, SkuEntry, SKUS_PER_SHARD};
pub use text::{as_sentence, count_of, day_label, escape_html, has_stray_controls, sounds_faulty};
