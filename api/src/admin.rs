//! The back office's contract (`/api/admin/*`): what the worker answers and the admin islands read.

use edgeshop_domain::Order;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the shop and manages staff.
    Owner,
    /// Runs the shop.
    Staff,
}

/// A member of staff (`GET /api/admin/session` answers the signed-in one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
}

/// `POST /api/admin/sign-in`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    pub email: String,
}

/// `POST /api/admin/session`: the token from a sign-in link.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionRequest {
    pub token: String,
}

/// `POST /api/admin/staff`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invite {
    pub email: String,
    #[serde(default)]
    pub name: String,
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffList {
    pub staff: Vec<StaffMember>,
}

/// One admin action (who, what, when, before/after as JSON text).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub staff_email: String,
    pub action: String,
    pub target: String,
    #[serde(default)]
    pub before_json: Option<String>,
    #[serde(default)]
    pub after_json: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
}

/// One row of the order list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderSummary {
    pub number: u64,
    pub created_at: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub payment_method: String,
    pub currency: String,
    pub total_minor: i64,
    pub items: i64,
    #[serde(default)]
    pub attention: Option<String>,
    /// The discount code the order used, and what it took off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    #[serde(default)]
    pub discount_minor: i64,
    /// Where it goes (ISO 3166-1 alpha-2), the tax in its total when placed (refunds are on the
    /// order) and the rate charged (absent on orders placed before rates by country).
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub tax_minor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_rate_bp: Option<u32>,
    /// The goods before a discount, and the delivery.
    #[serde(default)]
    pub subtotal_minor: i64,
    #[serde(default)]
    pub shipping_minor: i64,
    /// Refunded (online or recorded by hand), and still owed by hand.
    #[serde(default)]
    pub refunded_minor: i64,
    #[serde(default)]
    pub refund_due_minor: i64,
    /// The carrier and tracking number it was shipped with (`DPD 15501234`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<String>,
}

/// `GET /api/admin/orders`: one page of the filtered list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderPage {
    pub orders: Vec<OrderSummary>,
    pub total: u64,
    pub page: u32,
    pub pages: u64,
}

/// A payment or refund, as the provider reported it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoneyMove {
    pub id: String,
    pub kind: String,
    pub provider: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    #[serde(default)]
    pub created_at: String,
    /// Why a refund was made, as staff gave it (told to the customer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A message for the shopper about their order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub event_id: String,
    pub order_number: u64,
    pub template: String,
    #[serde(rename(serialize = "to", deserialize = "recipient"), alias = "to")]
    pub recipient: String,
    pub created_at: String,
    #[serde(default)]
    pub sent_at: Option<String>,
    #[serde(default)]
    pub failed_at: Option<String>,
}

/// An internal note on an order (never shown to the shopper).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Note {
    pub at: String,
    pub staff_email: String,
    pub text: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewNote {
    pub text: String,
}

/// A line of a return: which SKU, how many, and (when received) whether it goes back to stock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnLine {
    pub sku: String,
    pub quantity: u32,
    #[serde(default)]
    pub restock: bool,
}

/// A return and its progress: `requested` → `approved` → `received`, or `rejected`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnView {
    pub id: i64,
    pub status: String,
    pub reason: String,
    pub lines: Vec<ReturnLine>,
    pub requested_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub refund_minor: Option<i64>,
}

/// `GET /api/admin/orders/{number}`: everything about one order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminOrder {
    pub order: Order,
    pub version: i64,
    pub refund_due_minor: i64,
    pub attention: Option<String>,
    pub notifications: Vec<Notification>,
    pub payments: Vec<MoneyMove>,
    pub notes: Vec<Note>,
    pub returns: Vec<ReturnView>,
    pub audit: Vec<AuditEntry>,
    /// Units staff refunded by line, by SKU: not to be packed when refunded before shipping.
    #[serde(default)]
    pub refunded_by_line: Vec<RefundLine>,
    /// Cash on delivery: the cash the courier collected, once recorded as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_received: Option<CashReceipt>,
}

/// Cash a courier collected for a cash-on-delivery order, as it reached the shop.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CashReceipt {
    pub amount_minor: i64,
    pub received_at: String,
    pub staff_email: String,
    #[serde(default)]
    pub note: String,
}

/// `POST /api/admin/orders/{number}/cash-received {amount_minor, note}`: the courier's cash for a
/// delivered cash-on-delivery order reached the shop.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CashReceived {
    pub amount_minor: i64,
    #[serde(default)]
    pub note: String,
}

/// `POST /api/admin/orders/{number}/fulfilment`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fulfilment {
    /// `packed`, `shipped` or `delivered`.
    pub status: String,
    #[serde(default)]
    pub carrier: Option<String>,
    #[serde(default)]
    pub tracking_number: Option<String>,
}

/// `POST /api/admin/orders/{number}/cancel`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelRequest {
    #[serde(default)]
    pub reason: String,
}

/// `POST /api/admin/orders/{number}/undelivered`: a shipped parcel came back to the shop
/// (refused at the door, not collected, a wrong address). The order is cancelled and an online
/// payment refunded; `restock` (yes unless said) puts its units back on sale, but for the units
/// in `keep_out` (damaged in transit: they stay sold).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Undelivered {
    #[serde(default)]
    pub reason: String,
    #[serde(default = "yes")]
    pub restock: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep_out: Vec<crate::ReturnItem>,
}

fn yes() -> bool {
    true
}

/// A line being refunded, at its charged price.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundLine {
    pub sku: String,
    pub quantity: u32,
}

/// `POST /api/admin/orders/{number}/refunds`: an amount, or lines of the order.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Money moves on refunds: a misspelt or unexpected field (here, in its lines and in a refund by
// hand) is refused, never ignored.
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    #[serde(default)]
    pub amount_minor: Option<i64>,
    #[serde(default)]
    pub lines: Vec<RefundLine>,
    #[serde(default)]
    pub reason: String,
}

/// `POST /api/admin/orders/{number}/refunds/by-hand`: money the shop gave back itself (cash on
/// delivery has no payment to refund online), recorded against what the order owes by hand.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundByHand {
    pub amount_minor: i64,
    /// One of [`BY_HAND_METHODS`].
    pub method: String,
    /// Why, told to the customer with the refund.
    #[serde(default)]
    pub note: String,
}

/// How a refund by hand was made.
pub const BY_HAND_METHODS: &[&str] = &["cash", "bank_transfer", "voucher", "other"];

/// `POST /api/admin/orders/{number}/returns/{id}/receive`: the lines that came back and which of
/// them go back to stock.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiveReturn {
    pub lines: Vec<ReturnLine>,
}

/// `GET /api/admin/packing`: the day's packing in one place: the orders to pack (cash on delivery
/// confirmed, or paid online, with something left to send), oldest first, each as its packing
/// slip, and what to take off the shelves for them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackingList {
    pub slips: Vec<PackingSlip>,
    /// Each SKU of those slips once, with its units in all of them.
    pub picks: Vec<Pick>,
    /// Orders to pack in all (the list holds the oldest [`PACKING_MAX`]).
    pub total: u64,
}

/// Orders on one packing list at most: each is read on its own, and a request to the worker
/// makes at most 50 calls to its services on the Free plan.
pub const PACKING_MAX: u32 = 20;

/// Orders marked packed by one request at most (four calls each: read, check, queue, audit); the
/// Packing page sends a longer list in parts.
pub const PACKED_AT_ONCE: usize = 10;

/// One order to pack: where it goes and what goes in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackingSlip {
    pub number: u64,
    pub created_at: String,
    pub address: edgeshop_domain::Address,
    pub phone: String,
    pub payment_method: edgeshop_domain::PaymentMethod,
    /// What the courier collects (cash on delivery), formatted; absent when nothing is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collect: Option<String>,
    pub lines: Vec<PackLine>,
}

/// Units of one SKU to put in a parcel (not those refunded before it left).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackLine {
    pub sku: String,
    pub name: String,
    pub units: u32,
}

/// One SKU to pick for the packing list: its units in all and in how many orders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pick {
    pub sku: String,
    pub name: String,
    pub units: u32,
    pub orders: u32,
}

impl Pick {
    /// The picks of `slips`: one per SKU, by SKU.
    pub fn gather(slips: &[PackingSlip]) -> Vec<Pick> {
        let mut picks: std::collections::BTreeMap<&str, Pick> = std::collections::BTreeMap::new();
        for line in slips.iter().flat_map(|s| &s.lines) {
            let pick = picks.entry(&line.sku).or_insert_with(|| Pick { sku: line.sku.clone(), name: line.name.clone(), units: 0, orders: 0 });
            pick.units = pick.units.saturating_add(line.units);
            pick.orders += 1;
        }
        picks.into_values().collect()
    }
}

/// `POST /api/admin/packing/packed {numbers}`: these orders are packed (at most [`PACKED_AT_ONCE`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PackedRequest {
    pub numbers: Vec<u64>,
}

/// What a bulk "packed" did: the orders whose step went to the queue, and those refused, why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackedAnswer {
    pub accepted: Vec<u64>,
    pub refused: Vec<Refused>,
}

/// An order a bulk step left as it was, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Refused {
    pub number: u64,
    pub detail: String,
}

/// Accepted: the change goes through the order queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Accepted {
    pub number: u64,
    pub status: String,
}

/// One SKU in the stock list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockRow {
    pub sku: String,
    pub product: String,
    pub slug: String,
    pub variant: String,
    pub published: bool,
    /// On the shelf: available, reserved for unpaid orders, and committed to orders not shipped.
    pub on_hand: i64,
    pub reserved: i64,
    /// Sold to orders that have not shipped yet (confirmed, paid or packed).
    #[serde(default)]
    pub committed: i64,
    pub available: i64,
    pub sold: i64,
    pub low: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockPage {
    pub stock: Vec<StockRow>,
    pub page: u32,
    pub pages: u32,
    pub low_stock: i64,
    /// With `q`: the page to go on searching from, when the pages searched were not the last
    /// (a search reads at most [`STOCK_PAGES_SEARCHED`] pages a request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_more_from: Option<u32>,
}

/// Pages (catalog shards) of the stock list one search request reads, at most.
pub const STOCK_PAGES_SEARCHED: u32 = 24;
/// Rows past which a search request reads no further page (the page it is on is answered whole).
pub const STOCK_FOUND_AT_ONCE: usize = 200;

/// `POST /api/admin/stock/{sku}`: a counted level (`set`) or a delta (`add`), with its reason.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockChange {
    #[serde(default)]
    pub set: Option<i64>,
    #[serde(default)]
    pub add: Option<i64>,
    pub reason: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Level {
    pub available: i64,
    pub reserved: i64,
    pub sold: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockChanged {
    pub sku: String,
    pub before: Level,
    pub after: Level,
}

/// A customer as their orders describe them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerSummary {
    pub email: String,
    pub name: String,
    pub phone: String,
    pub orders: u64,
    /// What their orders (placed, not cancelled) came to, less what was refunded of them.
    pub total_spent_minor: i64,
    pub first_order_at: String,
    pub last_order_at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerPage {
    pub customers: Vec<CustomerSummary>,
    pub total: u64,
    pub page: u32,
    pub pages: u64,
}

/// `GET /api/admin/customers/{email}`: the customer and their orders (their data export too).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerDetail {
    pub customer: CustomerSummary,
    pub orders: Vec<Order>,
}

/// `GET /api/admin/customers/{email}?export=1`: what the shop holds about a customer, for a
/// request to see it (GDPR art. 15): their orders with each one's payments and refunds, returns,
/// messages sent and staff notes, their newsletter subscription and back-in-stock requests. The
/// orders' access tokens are left out (they open the order's page).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerExport {
    pub exported_at: String,
    pub customer: CustomerSummary,
    pub orders: Vec<ExportedOrder>,
    /// `pending`, `confirmed` or `unsubscribed`; absent when never subscribed.
    #[serde(default)]
    pub newsletter: Option<String>,
    /// SKUs they asked to hear about when back in stock.
    #[serde(default)]
    pub stock_alerts: Vec<String>,
}

/// One order of a [`CustomerExport`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportedOrder {
    pub order: Order,
    pub payments: Vec<MoneyMove>,
    pub returns: Vec<ReturnView>,
    pub messages: Vec<Notification>,
    pub notes: Vec<Note>,
}

/// A search that found nothing: how often and when last.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ZeroResultQuery {
    pub query: String,
    pub count: u64,
    pub last_seen: String,
}

/// `GET /api/admin/search/zero-results`, most frequent first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ZeroResults {
    pub queries: Vec<ZeroResultQuery>,
}

/// One SKU's units (`GET /api/admin/stock/{sku}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockLevel {
    pub sku: String,
    pub available: i64,
    pub reserved: i64,
    pub sold: i64,
    /// Staff's counts and changes of the SKU, the latest first (at most 50).
    #[serde(default)]
    pub history: Vec<StockMove>,
}

/// A count or change of a SKU's stock by staff, with its reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockMove {
    pub at: String,
    pub staff_email: String,
    /// Available before and after.
    pub before: Option<i64>,
    pub after: Option<i64>,
    pub reason: String,
}

/// An order event that failed every retry (the dead-letter queue), as recorded in D1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadLetter {
    pub message_id: String,
    pub event_id: String,
    pub order_number: Option<u64>,
    /// The event as it was queued (JSON text).
    pub body: String,
    pub attempts: u32,
    pub received_at: String,
    pub replayed_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadLetters {
    pub dead_letters: Vec<DeadLetter>,
}

/// A dead letter sent through the order queue again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Replayed {
    pub message_id: String,
    pub replayed_at: String,
}

/// A message that could not be sent after every try.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailedNotification {
    pub event_id: String,
    pub order_number: u64,
    pub template: String,
    pub recipient: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub failed_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailedNotifications {
    pub failed: Vec<FailedNotification>,
}

/// A refund handed to the queue (the consumer asks the provider that took the payment).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundAccepted {
    pub number: u64,
    pub amount_minor: i64,
    /// `refund_requested`.
    pub status: String,
}

/// `POST /api/admin/newsletter`: sent to confirmed subscribers only.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewsletterRequest {
    pub subject: String,
    pub text: String,
}

/// `GET /api/admin/newsletter`: who a newsletter goes to (confirmed subscribers), and the rest.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewsletterAudience {
    pub confirmed: u64,
    /// Signed up, not confirmed yet (they get nothing).
    pub pending: u64,
    pub unsubscribed: u64,
}

/// `POST /api/admin/customers/erase`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EraseRequest {
    pub email: String,
    /// Cancel the customer's orders not packed yet (refunding what was paid) and erase; without
    /// it, a customer with an order not finished is refused (`open-orders`): its address is still
    /// needed to deliver it.
    #[serde(default)]
    pub cancel_open_orders: bool,
}

/// What erasing a customer removed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Erased {
    pub orders_anonymised: u32,
    pub subscriptions_removed: u32,
    pub stock_alerts_removed: u32,
}

/// What asking for a new-products digest did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Digest {
    /// Nothing was announced before: the catalog's products are recorded as known, none sent.
    BaselineRecorded {
        catalog_version: String,
        products: usize,
    },
    NothingNew {
        catalog_version: String,
    },
    /// Queued: the digest goes to subscribers who asked for new products.
    Sending {
        catalog_version: String,
        products: Vec<String>,
    },
}

/// A return's step (`approve`, `reject` with a reason, `receive` with what came back).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnDecision {
    /// Why a return is rejected (told to the shopper).
    #[serde(default)]
    pub reason: String,
    /// What came back (`receive`): lines, and which go back to stock.
    #[serde(default)]
    pub lines: Vec<ReturnLine>,
}

/// A member of staff removed (`DELETE /api/admin/staff/{id}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Removed {
    pub removed: StaffMember,
}

/// A discount code with what it has done (`GET /api/admin/discounts`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiscountRow {
    #[serde(flatten)]
    pub code: edgeshop_domain::DiscountCode,
    /// The offer in words.
    pub offer: String,
    /// Orders that used it (cancelled orders give their use back).
    pub uses: u32,
    /// What it took off those orders, in minor units.
    pub discounted_minor: i64,
    pub created_at: String,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiscountList {
    pub discounts: Vec<DiscountRow>,
}

/// `PATCH /api/admin/discounts/{code}`: end a code or let it work again, and change its last day,
/// its cap on uses and its minimum (what a merchant extends or tightens while a code runs; what it
/// takes off stays, as orders already used it at that). Fields left out stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiscountChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// The last day (`YYYY-MM-DD`, UTC); `""`: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<String>,
    /// Orders that may use it in all; `0`: no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<u32>,
    /// The goods must cost at least this (minor units); `0`: no minimum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_subtotal_minor: Option<i64>,
}

impl DiscountChange {
    /// The fields a change may hold.
    pub const FIELDS: [&'static str; 4] = ["active", "ends_on", "max_uses", "min_subtotal_minor"];

    /// `code` with the change made.
    pub fn apply(&self, mut code: edgeshop_domain::DiscountCode) -> edgeshop_domain::DiscountCode {
        if let Some(active) = self.active {
            code.active = active;
        }
        if let Some(end) = &self.ends_on {
            code.ends_on = Some(end.trim().to_string()).filter(|d| !d.is_empty());
        }
        if let Some(cap) = self.max_uses {
            code.max_uses = (cap > 0).then_some(cap);
        }
        if let Some(min) = self.min_subtotal_minor {
            code.min_subtotal_minor = min;
        }
        code
    }
}
