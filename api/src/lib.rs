//! The API contract: the request and response bodies of `/api/*`, written once. The worker
//! serialises them and the islands deserialise them, so a field renamed on one side is a compile
//! error on the other, not a blank on the page. Shop rules live in `edgeshop-domain`; these are
//! views of them (money formatted for the shop's locale, URLs made).

pub mod account;
pub mod admin;
pub mod analytics;
pub mod frames;
pub mod listing;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod routes;
pub mod search_frame;

use edgeshop_domain::{Address, Contact, OrderStatus, PaymentMethod, StatusChange};
use serde::{Deserialize, Serialize};

/// An amount as the API shows it: minor units, ISO 4217 code, and formatted for the shop's locale.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoneyView {
    pub minor: i64,
    pub currency: String,
    pub formatted: String,
}

// ---- Cart: `/api/cart` -------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartLine {
    pub id: String,
    pub sku: String,
    pub product_slug: String,
    pub title: String,
    pub variant_title: String,
    pub quantity: u32,
    pub unit_price: MoneyView,
    pub line_total: MoneyView,
    pub url: String,
}

pub use edgeshop_domain::PriceChange;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cart {
    pub id: Option<String>,
    pub catalog_version: String,
    pub lines: Vec<CartLine>,
    pub item_count: u32,
    pub subtotal: MoneyView,
    pub price_changes: Vec<PriceChange>,
    /// The discount code applied to the cart, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<CartDiscount>,
}

impl Cart {
    /// The cart as shown, for the checkout form to send back ([`edgeshop_domain::cart_digest`]).
    pub fn digest(&self) -> String {
        let lines = self.lines.iter().map(|l| (l.sku.as_str(), l.quantity, l.unit_price.minor));
        edgeshop_domain::cart_digest(lines, self.discount.as_ref().and_then(|d| Some((d.code.as_str(), d.amount.as_ref()?.minor))))
    }
}

/// A discount code on a cart: what it takes off the goods now, or why it takes nothing (the
/// code stays on the cart: below its minimum, it applies once the cart reaches it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartDiscount {
    pub code: String,
    /// The offer in words (`15% off`, `€10.00 off orders of €50.00 or more`).
    pub offer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<MoneyView>,
    /// Why it takes nothing off now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_applied: Option<String>,
    /// The goods after the discount.
    pub subtotal_after: MoneyView,
}

/// `POST /api/cart/discount`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplyDiscount {
    pub code: String,
}

/// `POST /api/cart/lines`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddLine {
    pub sku: String,
    pub quantity: u32,
}

/// `PATCH /api/cart/lines/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateLine {
    pub quantity: u32,
}

// ---- Checkout: `/api/checkout` -------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutRequest {
    pub address: Address,
    pub contact: Contact,
    pub payment_method: PaymentMethod,
    /// The page's analytics session (see `analytics::PageEvent::session`): the funnel counts the
    /// order for it. Ignored when malformed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics_session: Option<String>,
    /// The cart as the checkout page showed it ([`edgeshop_domain::cart_digest`], the form's hidden
    /// `cart_digest` field): when given, the order is placed only if the cart is still that cart
    /// (409 `cart-changed` otherwise). Without it, the cart as it is now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart_digest: Option<String>,
}

impl CheckoutRequest {
    /// The request the checkout form sends, read by field name (`address.city`, `payment_method`
    /// …; a missing field reads as empty): by the worker from the posted form, by the island from
    /// the same form before it is sent.
    pub fn from_form(get: impl Fn(&str) -> String) -> Self {
        CheckoutRequest {
            address: Address {
                name: get("address.name"),
                line1: get("address.line1"),
                line2: get("address.line2"),
                city: get("address.city"),
                postal_code: get("address.postal_code"),
                country: get("address.country"),
            },
            contact: Contact { email: get("contact.email"), phone: get("contact.phone"), sms: !get("contact.sms").is_empty() },
            payment_method: PaymentMethod::from_wire(&get("payment_method")).unwrap_or(PaymentMethod::CashOnDelivery),
            analytics_session: Some(get("analytics_session")).filter(|s| !s.is_empty()),
            cart_digest: Some(get("cart_digest")).filter(|s| !s.is_empty()),
        }
    }

    /// A form field's value by the name [`from_form`](Self::from_form) reads it from (empty for
    /// another name).
    pub fn field(&self, name: &str) -> &str {
        let (a, c) = (&self.address, &self.contact);
        match name {
            "address.name" => &a.name,
            "address.line1" => &a.line1,
            "address.line2" => &a.line2,
            "address.city" => &a.city,
            "address.postal_code" => &a.postal_code,
            "address.country" => &a.country,
            "contact.email" => &c.email,
            "contact.phone" => &c.phone,
            _ => "",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutResponse {
    pub order_number: u64,
    pub token: String,
    pub status: OrderStatus,
    pub subtotal: MoneyView,
    /// What the cart's discount code took off the goods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<OrderDiscount>,
    pub shipping: MoneyView,
    pub tax: MoneyView,
    /// The tax rate charged (the address's country's), in basis points; absent on orders placed
    /// before rates by country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_rate_bp: Option<u32>,
    pub total: MoneyView,
    pub payment_method: PaymentMethod,
    /// Where to send the shopper: the hosted payment page, or the order page.
    pub next_url: String,
    pub order_url: String,
}

// ---- Orders: `/api/orders/{number}` ---------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    pub sku: String,
    pub title: String,
    pub variant_title: String,
    pub quantity: u32,
    pub unit_price: MoneyView,
    pub line_total: MoneyView,
    /// Units of the line refunded on their own (a refund by line, before or after shipping).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refunded: u32,
    /// Units of the line that came back in a return received.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub returned: u32,
}

impl OrderLine {
    /// Units that can still be sent back: not refunded on their own nor returned already.
    pub fn returnable(&self) -> u32 {
        self.quantity.saturating_sub(self.refunded + self.returned)
    }

    /// What became of some of the units, for the line's text: "1 refunded, 1 returned" (empty
    /// when nothing did).
    pub fn settled_note(&self) -> String {
        let parts: Vec<String> = [(self.refunded, "refunded"), (self.returned, "returned")]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        parts.join(", ")
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A message sent (or being sent) about the order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SentMessage {
    pub event_id: String,
    pub order_number: u64,
    /// What it was about (`order_confirmation`, `order_shipped`…).
    pub template: String,
    pub to: String,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub failed_at: Option<String>,
}

/// A payment or refund, with the provider's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentView {
    /// `payment` or `refund`.
    pub kind: String,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub amount: MoneyView,
    pub at: String,
    /// Why a refund was made, as the shop gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderView {
    pub number: u64,
    pub status: OrderStatus,
    pub history: Vec<StatusChange>,
    pub lines: Vec<OrderLine>,
    pub subtotal: MoneyView,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<OrderDiscount>,
    pub shipping: MoneyView,
    pub tax: MoneyView,
    /// The tax rate charged (the address's country's), in basis points; absent on orders placed
    /// before rates by country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_rate_bp: Option<u32>,
    pub total: MoneyView,
    pub payment_method: PaymentMethod,
    pub address: Address,
    pub email: String,
    pub can_cancel: bool,
    pub can_request_return: bool,
    pub notifications: Vec<SentMessage>,
    pub payments: Vec<PaymentView>,
    /// Returns asked for, with their progress.
    #[serde(default)]
    pub returns: Vec<admin::ReturnView>,
}

impl OrderView {
    /// How the order's tax line reads ("Tax included (23 %)").
    pub fn tax_label(&self) -> String {
        let discount = self.discount.as_ref().map_or(0, |d| d.amount.minor);
        edgeshop_domain::amounts_tax_label(self.subtotal.minor, discount, self.shipping.minor, self.total.minor, self.tax_rate_bp)
    }
}

/// A discount code an order used and what it took off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderDiscount {
    pub code: String,
    pub amount: MoneyView,
}

/// Where an order's invoice is (a page the worker renders; see `Route::InvoicePage`).
pub fn invoice_path(number: u64, token: &str) -> String {
    format!("/orders/invoice/?number={number}&token={token}")
}

/// An order's shipping as the shopper reads it (the order page, with or without JavaScript):
/// "Free" when nothing is charged, else the amount as `formatted`.
pub fn shipping_label(minor: i64, formatted: String) -> String {
    if minor == 0 {
        "Free".into()
    } else {
        formatted
    }
}

/// An order's status as the shopper reads it (the order page, with or without JavaScript).
/// The order page's status while an online order waits for the news of a payment the shopper
/// has just made (back from the provider's page).
pub const CONFIRMING_PAYMENT: &str = "Confirming your payment";

/// What the order page says of an online order still waiting for its payment: after a failed
/// payment, or back from the provider's page with a declined card (`left` = `declined`) or
/// without paying (`cancelled`), before the provider's news has reached the order.
pub fn unpaid_note(failed: bool, left: Option<&str>) -> &'static str {
    match left {
        _ if failed => "Your payment did not go through. No money was taken.",
        Some("declined") => "Your card was declined: no money was taken. Try again, or choose another way to pay.",
        Some("cancelled") => "You left the payment page: nothing was paid. Pay when you are ready.",
        _ => "We have not received your payment yet.",
    }
}

pub fn status_label(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::AwaitingPayment => "Awaiting payment",
        OrderStatus::Confirmed => "Confirmed (cash on delivery)",
        OrderStatus::Paid => "Paid",
        OrderStatus::PaymentFailed => "Payment failed",
        OrderStatus::Packed => "Packed",
        OrderStatus::Shipped => "Shipped",
        OrderStatus::Delivered => "Delivered",
        OrderStatus::Cancelled => "Cancelled",
        OrderStatus::ReturnRequested => "Return requested",
        OrderStatus::Returned => "Returned",
    }
}

/// `GET /api/availability?sku=…`: which of these SKUs are sold out now, and which have only a few
/// units left (the stock ledger's word, newer than the page that asks).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Availability {
    pub sold_out: Vec<String>,
    /// SKUs with a few units left (at most `edgeshop_domain::stock::FEW_LEFT`), for "Only 2 left".
    #[serde(default)]
    pub few_left: Vec<FewLeft>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FewLeft {
    pub sku: String,
    pub left: u32,
}

/// `POST /api/orders/{number}/return`: what goes back and why (no lines: the whole order).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnRequest {
    #[serde(default)]
    pub lines: Vec<ReturnItem>,
    #[serde(default)]
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnItem {
    pub sku: String,
    pub quantity: u32,
}

/// `POST /api/orders/{number}/cancel` and `/return`: what happened (`cancelled`, or
/// `cancellation_requested`/`return_requested` while the change goes through the queue).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderAction {
    pub number: u64,
    pub status: String,
}

/// `POST /api/orders/{number}/payment`: a new payment attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentStart {
    pub number: u64,
    pub next_url: String,
}

// ---- Search: `/api/search`, `/api/search/suggest` -------------------------------------------

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: u64,
    #[serde(default)]
    pub selected: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionFacet {
    pub name: String,
    pub values: Vec<FacetValue>,
}

/// Counts per value for the current query. A kind with a selected value is counted as if that
/// kind were not filtered, so its other values show what choosing them would add.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facets {
    pub categories: Vec<FacetValue>,
    pub brands: Vec<FacetValue>,
    pub prices: Vec<FacetValue>,
    pub options: Vec<OptionFacet>,
}

/// One product in search results and suggestions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub slug: String,
    pub title: String,
    pub url: String,
    /// Lowest variant price, formatted.
    pub price: String,
    pub price_minor: u64,
    pub currency: String,
    pub image: Option<String>,
    pub score: f32,
    /// The product's card as the shop's pages draw it (HTML from the build; listings only, not
    /// suggestions): category pages show these when filtering, as `/search` does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResponse {
    pub query: String,
    pub catalog_version: String,
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub pages: usize,
    pub sort: String,
    pub hits: Vec<SearchHit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
    /// When nothing matched: a corrected query that finds products.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
    /// When nothing matched: products to show instead.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub popular: Vec<SearchHit>,
    /// Words left out because fewer than a page of products matched them all (`match=all` keeps every word).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored_words: Vec<String>,
    /// Products matching every word.
    pub total_all_words: usize,
    /// When the first page holds fewer matches than it could: more products of the category every
    /// match is in, most like them first ("More in Drinkware").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<RelatedProducts>,
    /// A price limit typed among the words ("hoodie under 50"): searched as a price range, the
    /// other words as the query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_words: Option<PriceWords>,
    /// Words asking for products on sale ("jackets on sale"): only those sold below their
    /// compare-at price, the other words as the query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_words: Option<SaleWords>,
    /// The words of a gift search ("gift for dad who"), left out of the query: what the gift is
    /// about is searched ("camps"), or, when nothing else was typed, the shop's gift picks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gift_words: Option<String>,
    /// Words asking for the newest products ("new arrivals"): newest first (unless another order
    /// was asked for), the other words as the query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_words: Option<SaleWords>,
}

/// The words of a query that asked for products on sale (or, as `newest_words`, the newest).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaleWords {
    /// As typed ("on sale").
    pub phrase: String,
    /// The query without them.
    pub query: String,
}

/// The price words of a query and what they were taken as.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceWords {
    /// As typed ("under 50").
    pub phrase: String,
    /// The query without them.
    pub query: String,
    /// `[min_minor, max_minor)` in minor units of the shop currency; no `max_minor`: open-ended.
    pub min_minor: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_minor: Option<u64>,
}

/// More products of one category, shown after a thin result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RelatedProducts {
    /// The category's slug (its page is `/c/{slug}/`).
    pub category: String,
    pub category_name: String,
    pub hits: Vec<SearchHit>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestions {
    pub query: String,
    /// Whole queries: the typed words with the last one completed, each known to find products.
    pub completions: Vec<String>,
    pub products: Vec<SearchHit>,
    /// Words the products were found without, when none matched every word.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored_words: Vec<String>,
}

// ---- Health: `/api/health` ---------------------------------------------------------------

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok`, or `catalog-mismatch` when the worker's catalog and the search index differ.
    pub status: String,
    pub catalog_version: String,
    pub index_catalog_version: String,
    pub documents: u64,
    pub skus: usize,
    /// The payment methods checkout accepts here, and the online provider behind `online`.
    pub payment_methods: Vec<PaymentMethod>,
    pub online_provider: Option<String>,
    /// Why online payment is off although a provider is partly configured (names the setting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payments_problem: Option<String>,
}

// ---- Sign-ups: `/api/newsletter`, `/api/stock-alerts` ----------------------------------------

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewsletterSignUp {
    pub email: String,
    /// Also announce new products (digest after a catalog publish).
    #[serde(default)]
    pub new_products: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockAlertRequest {
    pub sku: String,
    pub email: String,
}

/// A request taken, with what happens next (`confirmation_sent` for a sign-up, `sent` for a
/// back-office sign-in link, `sending` for a newsletter).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Acknowledged {
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// A back-in-stock alert registered (`alert_registered`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertRegistered {
    pub status: String,
    pub sku: String,
}

// ---- Payment webhooks ----------------------------------------------------------------------

/// A provider's event received (`ignored` when it needs nothing from the shop).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookReceived {
    pub received: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignored: bool,
}

// ---- Errors ------------------------------------------------------------------------------

/// An invalid form field, in a problem's `errors`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Dotted path of the field (`address.postal_code`).
    pub field: String,
    pub message: String,
}

/// An RFC 9457 problem as the islands read it (the worker writes it with `ApiError`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub status: u16,
    #[serde(default)]
    pub detail: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_needs_its_quantity() {
        assert!(serde_json::from_str::<AddLine>(r#"{"sku":"A-1"}"#).is_err());
        assert_eq!(serde_json::from_str::<AddLine>(r#"{"sku":"A-1","quantity":2}"#).unwrap().quantity, 2);
    }

    #[test]
    fn the_checkout_form_is_read_and_read_back_by_field_name() {
        let sent = |k: &str| match k {
            "payment_method" => "online".to_string(),
            "analytics_session" => String::new(),
            other => format!("value of {other}"),
        };
        let r = CheckoutRequest::from_form(sent);
        for name in frames::checkout::names() {
            assert_eq!(r.field(name), format!("value of {name}"), "{name}");
        }
        assert_eq!((r.payment_method, r.analytics_session.as_deref()), (PaymentMethod::Online, None));
        assert_eq!(CheckoutRequest::from_form(|_| String::new()).payment_method, PaymentMethod::CashOnDelivery);
    }

    #[test]
    fn problem_reads_type_and_field_errors() {
        let p: Problem = serde_json::from_str(
            r#"{"type":"https://edgeshop.dev/problems/invalid-checkout","title":"t","status":422,"detail":"d","errors":[{"field":"contact.email","message":"is not an email address"}]}"#,
        )
        .unwrap();
        assert_eq!((p.status, p.errors[0].field.as_str()), (422, "contact.email"));
    }
}
