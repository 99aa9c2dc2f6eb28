//! The validated catalog: what the loader produces from the merchant's files and everything downstream reads.

use crate::money::{Currency, Money};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Content hash of the catalog files; the same value is stamped on pages, index and worker snapshot.
    pub version: String,
    pub shop: Shop,
    pub categories: Vec<Category>,
    pub products: Vec<Product>,
    /// Synonyms, pinned results and stock handling for search (`synonyms.toml`, `shop.toml`).
    #[serde(default)]
    pub search: SearchSettings,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchSettings {
    /// Groups of equivalent words or phrases, lowercased: `["tee", "t-shirt"]`.
    pub synonyms: Vec<Vec<String>>,
    /// Products shown first, in this order, for an exact (normalised) query.
    pub pinned: Vec<PinnedResults>,
    pub out_of_stock: OutOfStock,
    /// `shop.toml` `[search] everyday_words = false`: no built-in everyday vocabulary.
    #[serde(default)]
    pub skip_everyday_words: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PinnedResults {
    pub query: String,
    pub slugs: Vec<String>,
}

/// What search does with products that cannot be bought right now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutOfStock {
    /// Listed after the products in stock that match as well.
    #[default]
    Lower,
    Hide,
    Show,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shop {
    pub name: String,
    pub tagline: String,
    pub currency: Currency,
    /// BCP 47 tag such as `en-US`; drives money formatting and the search language.
    pub locale: String,
    pub base_url: String,
    pub shipping: ShippingRules,
    pub tax: TaxRules,
    pub featured_products: Vec<String>,
    pub featured_categories: Vec<String>,
    /// Who order emails come from and who hears about the shop's problems.
    #[serde(default)]
    pub email: EmailSettings,
    #[serde(default)]
    pub back_office: BackOffice,
    #[serde(default)]
    pub deploy: DeploySettings,
    /// Who sells, as invoices name the seller.
    #[serde(default)]
    pub business: Business,
}

/// `[business]` in shop.toml: the seller's legal details, printed on invoices.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Business {
    /// The registered name (the shop's name when empty).
    pub legal_name: String,
    /// The postal address, a line each.
    pub address: Vec<String>,
    /// The VAT (or other tax) registration number, as written.
    pub vat_number: String,
}

/// `[deploy]` in shop.toml.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeploySettings {
    /// The Workers plan the shop deploys to: its static-asset limits bound what a build may write.
    pub plan: Plan,
    /// Where product images are kept: among the static files, or in R2 (`images = "r2"`).
    pub images: ImageStore,
}

/// Where a shop keeps its product images.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageStore {
    /// Static files (`dist/images/`): each image and its renderings count against the plan's files.
    #[default]
    Static,
    /// An R2 bucket (`[[r2_buckets]] MEDIA`), served by the worker at `/media/<hash>/<name>`.
    R2,
}

/// A Workers plan, for its static-asset limits: at most 20,000 files on Free and 100,000 on Paid,
/// each at most 25 MiB (Cloudflare's published limits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    #[default]
    Free,
    Paid,
}

/// What a build wrote for the static-asset upload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssetCount {
    pub files: u64,
    pub bytes: u64,
    /// The largest file: its path and size.
    pub largest: Option<(String, u64)>,
}

impl Plan {
    pub const MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;

    pub const fn max_files(self) -> u64 {
        match self {
            Plan::Free => 20_000,
            Plan::Paid => 100_000,
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Plan::Free => "Free",
            Plan::Paid => "Paid",
        }
    }

    /// Whether a build fits this plan's static-asset limits; if not, why and what to do.
    pub fn check(self, count: &AssetCount) -> Result<(), String> {
        if let Some((path, size)) = count.largest.as_ref().filter(|(_, size)| *size > Self::MAX_FILE_BYTES) {
            return Err(format!("{path} is {:.1} MiB; a static asset may be at most 25 MiB: make the file smaller", *size as f64 / 1048576.0));
        }
        if count.files > self.max_files() {
            let next = match self {
                Plan::Free => " On a Workers Paid account set `[deploy] plan = \"paid\"` in shop.toml (100,000 files);",
                Plan::Paid => "",
            };
            return Err(format!(
                "the build wrote {} files; the Workers {} plan deploys at most {} static assets.{next} fewer image files (`--images original` \
                 keeps one file per image) or fewer products bring it down.",
                count.files,
                self.name(),
                self.max_files()
            ));
        }
        Ok(())
    }

    /// The largest worker this plan deploys, compressed as Cloudflare counts it (KiB).
    pub const fn max_worker_gzip_kib(self) -> f64 {
        match self {
            Plan::Free => 3.0 * 1024.0,
            Plan::Paid => 10.0 * 1024.0,
        }
    }

    /// Whether a worker of `gzip_kib` (its upload, compressed) deploys on this plan; if not, why.
    pub fn check_worker(self, gzip_kib: f64) -> Result<(), String> {
        if gzip_kib <= self.max_worker_gzip_kib() {
            return Ok(());
        }
        let next = match self {
            Plan::Free => " On a Workers Paid account set `[deploy] plan = \"paid\"` in shop.toml (10 MiB).",
            Plan::Paid => "",
        };
        Err(format!(
            "the worker is {gzip_kib:.2} KiB compressed; the Workers {} plan takes at most {:.0} KiB.{next}",
            self.name(),
            self.max_worker_gzip_kib()
        ))
    }
}

/// `[back_office]` in shop.toml.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackOffice {
    /// A SKU with this many units available or fewer is "low" in the stock list.
    pub low_stock: u32,
    /// Server errors (5xx) in one hour that email the merchant an alert (0: never).
    pub alert_errors_per_hour: u32,
    /// Messages in the dead-letter queue, not replayed, that email the merchant (0: never).
    pub alert_dead_letters: u32,
}

impl BackOffice {
    /// Whether a SKU with `available` units is low: the stock list flags it, the merchant's
    /// new-order email names it.
    pub fn is_low(&self, available: i64) -> bool {
        available <= i64::from(self.low_stock)
    }
}

impl Default for BackOffice {
    fn default() -> Self {
        BackOffice { low_stock: 5, alert_errors_per_hour: 20, alert_dead_letters: 1 }
    }
}

/// `[email]` in shop.toml.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailSettings {
    /// Sender address of order emails (a domain the mail transport may send for).
    pub from: String,
    /// Where shoppers' replies go (empty: to `from`).
    #[serde(default)]
    pub reply_to: String,
    /// The merchant's addresses for alerts (new orders, flagged payments, failed messages).
    #[serde(default)]
    pub merchant: Vec<String>,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings { from: "orders@example.com".into(), reply_to: String::new(), merchant: vec![] }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShippingRules {
    /// The rate for a country in no zone.
    pub flat_rate: Money,
    pub free_over: Option<Money>,
    /// ISO 3166-1 alpha-2 codes the shop ships to.
    pub countries: Vec<String>,
    /// Other rates for some of `countries` (`[[shipping.zones]]`; a country is in one zone at most).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<ShippingZone>,
}

/// A rate for some countries: `[[shipping.zones]]` in shop.toml.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingZone {
    /// How shoppers read it ("United Kingdom", "Rest of Europe").
    pub name: String,
    pub countries: Vec<String>,
    pub flat_rate: Money,
    #[serde(default)]
    pub free_over: Option<Money>,
}

impl ShippingRules {
    /// The rate and free-shipping threshold for an address in `country`: its zone's, or the
    /// shop's own for a country in no zone (and when the country is not known yet).
    pub fn rate_for(&self, country: Option<&str>) -> (Money, Option<Money>) {
        match country.and_then(|c| self.zones.iter().find(|z| z.countries.iter().any(|zc| zc == c))) {
            Some(zone) => (zone.flat_rate, zone.free_over),
            None => (self.flat_rate, self.free_over),
        }
    }

    /// The countries that get the shop's own rate (in no zone).
    pub fn home_countries(&self) -> Vec<&str> {
        self.countries.iter().map(String::as_str).filter(|c| !self.zones.iter().any(|z| z.countries.iter().any(|zc| zc == c))).collect()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaxRules {
    /// VAT / sales tax rate in basis points (2000 = 20 %): the shop's own, for a country with
    /// none of its own.
    pub rate_bp: u32,
    pub prices_include_tax: bool,
    /// The rate of the country an order goes to, where it differs (`[tax.countries]`: an EU
    /// shop past the distance-selling threshold charges the buyer's country's VAT).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub countries: BTreeMap<String, u32>,
}

impl Shop {
    /// A shop of these rules and nothing else: no tagline, address or featured items, and the
    /// default email, back-office, deploy and business settings (what tests and tools start from).
    pub fn with_rules(name: &str, currency: Currency, locale: &str, shipping: ShippingRules, tax: TaxRules) -> Shop {
        Shop {
            name: name.into(),
            tagline: String::new(),
            currency,
            locale: locale.into(),
            base_url: String::new(),
            shipping,
            tax,
            featured_products: vec![],
            featured_categories: vec![],
            email: EmailSettings::default(),
            back_office: BackOffice::default(),
            deploy: DeploySettings::default(),
            business: Business::default(),
        }
    }
}

impl TaxRules {
    /// One rate for every country.
    pub fn one_rate(rate_bp: u32, prices_include_tax: bool) -> TaxRules {
        TaxRules { rate_bp, prices_include_tax, countries: BTreeMap::new() }
    }

    /// The rate for an address in `country` (the shop's own when the country is not known yet).
    pub fn rate_for(&self, country: Option<&str>) -> u32 {
        country.and_then(|c| self.countries.get(c)).copied().unwrap_or(self.rate_bp)
    }
}

/// A rate in basis points as people write it: 2300 → "23 %", 2550 → "25.5 %", 775 → "7.75 %".
pub fn percent_label(bp: u32) -> String {
    let (whole, rest) = (bp / 100, bp % 100);
    match rest {
        0 => format!("{whole} %"),
        r if r % 10 == 0 => format!("{whole}.{} %", r / 10),
        r => format!("{whole}.{r:02} %"),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Category {
    /// Path-like slug: `audio/headphones`. The parent is everything before the last `/`.
    pub slug: String,
    pub name: String,
    pub description: String,
}

impl Category {
    pub fn parent_slug(&self) -> Option<&str> {
        self.slug.rsplit_once('/').map(|(parent, _)| parent)
    }

    pub fn depth(&self) -> usize {
        self.slug.matches('/').count()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub slug: String,
    pub title: String,
    pub brand: String,
    pub category: String,
    pub description_md: String,
    pub tags: Vec<String>,
    /// Ordered name/value pairs such as `("Material", "Merino wool")`.
    pub attributes: Vec<(String, String)>,
    pub images: Vec<Image>,
    pub options: Vec<ProductOption>,
    pub variants: Vec<Variant>,
    pub published: bool,
    /// Date the product was added (`YYYY-MM-DD`), used for "newest" sorting.
    pub created: String,
    /// Search-engine title and description (empty: the title and the description's start).
    #[serde(default)]
    pub seo_title: String,
    #[serde(default)]
    pub seo_description: String,
}

/// A variant's title as shoppers read it: nothing for a product without options ("Default").
pub fn shown_variant(title: &str) -> Option<&str> {
    Some(title).filter(|t| !t.is_empty() && *t != "Default")
}

/// A product's variant as shoppers name it: `Trail Tent (2 person / Green)`, or the title alone.
pub fn line_name(product: &str, variant: &str) -> String {
    match shown_variant(variant) {
        Some(v) => format!("{product} ({v})"),
        None => product.to_string(),
    }
}

#[cfg(test)]
impl Product {
    /// A published product with only what a test of its variants needs.
    pub(crate) fn for_tests(slug: &str, created: &str, variants: Vec<Variant>) -> Product {
        Product {
            slug: slug.into(),
            title: slug.to_uppercase(),
            brand: String::new(),
            category: "c".into(),
            description_md: String::new(),
            tags: vec![],
            attributes: vec![],
            images: vec![],
            options: vec![],
            variants,
            published: true,
            created: created.into(),
            seo_title: String::new(),
            seo_description: String::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// Path under the shop's `images/` directory.
    pub file: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductOption {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StockPolicy {
    /// Stop selling at zero stock.
    Deny,
    /// Keep selling (backorder / made to order).
    Continue,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub sku: String,
    /// One value per product option, in option order.
    pub option_values: Vec<String>,
    pub price: Money,
    pub compare_at: Option<Money>,
    pub stock: u32,
    pub stock_policy: StockPolicy,
}

impl Variant {
    pub fn available(&self) -> bool {
        self.stock > 0 || self.stock_policy == StockPolicy::Continue
    }

    /// `Black / M`, or `Default` for a product without options ([`shown_variant`] drops it).
    pub fn title(&self) -> String {
        if self.option_values.is_empty() {
            "Default".to_string()
        } else {
            self.option_values.join(" / ")
        }
    }
}

impl Product {
    pub fn available(&self) -> bool {
        self.variants.iter().any(Variant::available)
    }

    pub fn variant_by_sku(&self, sku: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.sku == sku)
    }
}

impl Catalog {
    pub fn category(&self, slug: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.slug == slug)
    }

    pub fn product(&self, slug: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.slug == slug)
    }

    /// The category and its ancestors, root first (for breadcrumbs).
    pub fn category_trail(&self, slug: &str) -> Vec<&Category> {
        let mut trail = Vec::new();
        let mut current = Some(slug);
        while let Some(s) = current {
            if let Some(c) = self.category(s) {
                trail.push(c);
            }
            current = s.rsplit_once('/').map(|(p, _)| p);
        }
        trail.reverse();
        trail
    }

    /// Published products in this category or any category below it.
    pub fn products_in<'a>(&'a self, category: &'a str) -> impl Iterator<Item = &'a Product> + 'a {
        self.products
            .iter()
            .filter(move |p| p.published && (p.category == category || p.category.strip_prefix(category).is_some_and(|rest| rest.starts_with('/'))))
    }

    pub fn top_level_categories(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(|c| c.depth() == 0)
    }

    pub fn children_of<'a>(&'a self, slug: &'a str) -> impl Iterator<Item = &'a Category> + 'a {
        self.categories.iter().filter(move |c| c.parent_slug() == Some(slug))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_over_the_plans_size_does_not_deploy() {
        assert!(Plan::Free.check_worker(3072.0).is_ok() && Plan::Paid.check_worker(9000.0).is_ok());
        let why = Plan::Free.check_worker(3072.47).unwrap_err();
        assert!(why.contains("3072.47 KiB") && why.contains("Free plan takes at most 3072 KiB") && why.contains("plan = \"paid\""), "{why}");
        assert!(Plan::Paid.check_worker(10240.5).is_err());
    }

    #[test]
    fn a_build_fits_its_plan_or_says_why_not() {
        let count = |files, largest| AssetCount { files, bytes: 0, largest: Some(("images/a.webp".to_string(), largest)) };
        assert_eq!(Plan::Free.check(&count(20_000, 1024)), Ok(()));
        let over = Plan::Free.check(&count(20_001, 1024)).unwrap_err();
        assert!(over.contains("20001 files") && over.contains("20000") && over.contains("plan = \"paid\""), "{over}");
        assert_eq!(Plan::Paid.check(&count(20_001, 1024)), Ok(()));
        assert!(!Plan::Paid.check(&count(100_001, 1)).unwrap_err().contains("plan = "));
        let big = Plan::Paid.check(&count(10, Plan::MAX_FILE_BYTES + 1)).unwrap_err();
        assert!(big.starts_with("images/a.webp is 25.0 MiB"), "{big}");
    }

    fn cat(slug: &str) -> Category {
        Category { slug: slug.into(), name: slug.into(), description: String::new() }
    }

    #[test]
    fn category_paths() {
        assert_eq!(cat("audio/headphones").parent_slug(), Some("audio"));
        assert_eq!(cat("audio").parent_slug(), None);
        assert_eq!(cat("a/b/c").depth(), 2);
    }

    #[test]
    fn availability_follows_stock_policy() {
        let mut v = Variant {
            sku: "A".into(),
            option_values: vec![],
            price: Money::new(100, Currency::EUR),
            compare_at: None,
            stock: 0,
            stock_policy: StockPolicy::Deny,
        };
        assert!(!v.available());
        v.stock_policy = StockPolicy::Continue;
        assert!(v.available());
        assert_eq!(v.title(), "Default");
    }
}
