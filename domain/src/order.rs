//! Orders: checkout totals, address checks and the order lifecycle.

use crate::cart::{PricedCart, PricedLine};
use crate::catalog::Shop;
use crate::money::{Money, MoneyError};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    CashOnDelivery,
    Online,
}

impl PaymentMethod {
    /// The method by its name on the wire (`cash_on_delivery`, `online`), as forms and query
    /// strings send it.
    pub fn from_wire(name: &str) -> Option<PaymentMethod> {
        match name {
            "cash_on_delivery" => Some(PaymentMethod::CashOnDelivery),
            "online" => Some(PaymentMethod::Online),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Address {
    pub name: String,
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

impl Address {
    /// The address as a label shows it, a line each: name, street lines, postal code and city,
    /// the country by name; empty lines left out.
    pub fn lines(&self) -> Vec<String> {
        [&self.name, &self.line1, &self.line2, &format!("{} {}", self.postal_code, self.city), crate::country_label(&self.country)]
            .into_iter()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// The shopper asked for text messages about the order (to `phone`), where the shop sends them.
    #[serde(default)]
    pub sms: bool,
}

/// A phone number as text messages are sent to it (E.164: `+`, the country code and the number,
/// 8 to 15 digits), from what a shopper typed (`+353 91 555 0100`, `00353-91-5550100`); `None`
/// for a number without its country code or with anything but digits, spaces, dots, dashes and
/// parentheses.
pub fn sms_number(phone: &str) -> Option<String> {
    let t = phone.trim();
    let rest = t.strip_prefix('+').or_else(|| t.strip_prefix("00"))?;
    if !rest.chars().all(|c| c.is_ascii_digit() || " .-()".contains(c)) {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    ((8..=15).contains(&digits.len()) && !digits.starts_with('0')).then(|| format!("+{digits}"))
}

/// A problem with one form field, for inline validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// A plausible email address: `user@host.tld`, no spaces or control characters, at most 254 bytes.
pub fn valid_email(email: &str) -> bool {
    email.len() <= 254
        && email.split_once('@').is_some_and(|(user, host)| {
            // No quotes, brackets, commas, colons or semicolons in the user part: they would
            // make one field a list of addresses in a mail header ("x>,<someone@else.example").
            // Anything else goes (any script, dots as Japanese carriers' old addresses use them).
            // At most 64 bytes before the `@` (RFC 5321), which mail servers refuse past.
            !user.is_empty()
                && user.len() <= 64
                && !user.contains(['(', ')', '<', '>', '[', ']', ':', ';', ',', '"', '\\'])
            // A host of labels (letters, digits, '-'), none empty: `a@b..c` is no address.
                && host.contains('.')
                && host.split('.').all(|label| !label.is_empty() && !label.starts_with('-') && label.chars().all(|c| c.is_alphanumeric() || c == '-'))
        })
        && !email.contains(char::is_whitespace)
        && !email.contains(char::is_control)
        // Nor marks that show nothing or turn the text around (an address that reads as another).
        && !email.contains(crate::text::is_invisible)
}

pub fn validate_address(address: &Address, contact: &Contact, shop: &Shop) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut need = |field: &str, value: &str, max: usize| {
        let v = value.trim_matches(|c: char| c.is_whitespace() || crate::text::is_invisible(c));
        if v.is_empty() {
            errors.push(FieldError { field: field.into(), message: "is required".into() });
        } else if v.chars().count() > max {
            errors.push(FieldError { field: field.into(), message: format!("is longer than {max} characters") });
        }
    };
    need("address.name", &address.name, 100);
    need("address.line1", &address.line1, 200);
    need("address.city", &address.city, 100);
    need("address.postal_code", &address.postal_code, 20);
    need("contact.email", &contact.email, 254);
    if address.line2.chars().count() > 200 {
        errors.push(FieldError { field: "address.line2".into(), message: "is longer than 200 characters".into() });
    }
    if !shop.shipping.countries.iter().any(|c| c == &address.country) {
        errors.push(FieldError {
            field: "address.country".into(),
            message: format!("we ship to {}", shop.shipping.countries.iter().map(|c| crate::country_label(c)).collect::<Vec<_>>().join(", ")),
        });
    }
    // Control characters (CR/LF in an email header, NUL, escapes) have no place in any field, nor
    // direction overrides.
    let fields = [
        ("address.name", &address.name),
        ("address.line1", &address.line1),
        ("address.line2", &address.line2),
        ("address.city", &address.city),
        ("address.postal_code", &address.postal_code),
    ];
    for (field, value) in fields {
        if !crate::text::is_one_line(value) {
            errors.push(FieldError { field: field.into(), message: "contains control characters".into() });
        }
    }
    let email = contact.email.trim();
    if !email.is_empty() && !valid_email(email) {
        errors.push(FieldError { field: "contact.email".into(), message: "is not an email address".into() });
    }
    if contact.phone.chars().count() > 32 || !contact.phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
        errors.push(FieldError { field: "contact.phone".into(), message: "may only contain digits, spaces and + - ( ) .".into() });
    } else if contact.sms {
        // Texts go only to numbers of the countries the shop ships to: a shop's SMS account must
        // not pay for texts to any number in the world that a stranger types in.
        let codes: Vec<&str> = shop.shipping.countries.iter().filter_map(|c| crate::calling_codes::calling_code(c)).collect();
        match sms_number(&contact.phone) {
            None => errors
                .push(FieldError { field: "contact.phone".into(), message: "is needed for text messages, with its country code (+353 …)".into() }),
            Some(number) if !codes.iter().any(|code| number[1..].starts_with(code)) => {
                let mut listed: Vec<String> = Vec::new();
                for code in codes.iter().map(|c| format!("+{c}")) {
                    if !listed.contains(&code) {
                        listed.push(code);
                    }
                }
                errors.push(FieldError { field: "contact.phone".into(), message: format!("must be a number we can text ({})", listed.join(", ")) });
            }
            Some(_) => {}
        }
    }
    errors
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    /// The goods at their prices.
    pub subtotal: Money,
    /// What a discount code took off the goods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
    pub shipping: Money,
    /// Tax contained in (or added to) the total.
    pub tax: Money,
    /// The rate it was charged at (the address's country's), in basis points; orders placed
    /// before rates by country do not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_rate_bp: Option<u32>,
    pub total: Money,
}

impl Totals {
    /// Whether the tax came on top of the goods and shipping (prices without tax).
    pub fn tax_added(&self) -> bool {
        self.total.minor > self.subtotal.minor - self.discount.map_or(0, |d| d.minor) + self.shipping.minor
    }

    /// How the tax line reads: "Tax included (23 %)", "Tax (19 %)"; "Tax (0 %)" at a rate of
    /// nothing, whether prices include tax or not.
    pub fn tax_label(&self) -> String {
        let discount = self.discount.map_or(0, |d| d.minor);
        amounts_tax_label(self.subtotal.minor, discount, self.shipping.minor, self.total.minor, self.tax_rate_bp)
    }
}

/// [`Totals::tax_label`] from an order's amounts in minor units (what the API sends): the tax
/// came on top when the total is more than the goods after the discount and the shipping.
pub fn amounts_tax_label(subtotal: i64, discount: i64, shipping: i64, total: i64, rate_bp: Option<u32>) -> String {
    tax_label(total > subtotal - discount + shipping || rate_bp == Some(0), rate_bp)
}

/// How a tax line reads, by whether the tax came on top and at what rate (when known).
pub fn tax_label(added: bool, rate_bp: Option<u32>) -> String {
    let what = if added { "Tax" } else { "Tax included" };
    match rate_bp {
        Some(bp) => format!("{what} ({})", crate::percent_label(bp)),
        None => what.to_string(),
    }
}

/// Shipping and tax from the shop's rules.
pub fn checkout_totals(subtotal: Money, shop: &Shop) -> Result<Totals, MoneyError> {
    discounted_totals(subtotal, None, shop, None)
}

/// Shipping and tax from the shop's rules after `discount` came off the goods. Free shipping is
/// judged on the goods before the discount, so a discount never makes an order dearer (1.00 off
/// 50.00 of goods must not cost 4.95 of shipping); tax is on what is paid.
/// Shipping and tax are at the rates for the address's `country` (its zone's and its own, or the
/// shop's own; the shop's own when the country is not known yet).
pub fn discounted_totals(subtotal: Money, discount: Option<Money>, shop: &Shop, country: Option<&str>) -> Result<Totals, MoneyError> {
    let discount = discount.filter(|d| d.minor > 0).map(|d| Money::new(d.minor.min(subtotal.minor), subtotal.currency));
    let goods = Money::new(subtotal.minor - discount.map_or(0, |d| d.minor), subtotal.currency);
    let (rate, free_over) = shop.shipping.rate_for(country);
    let free = free_over.is_some_and(|limit| subtotal.minor >= limit.minor);
    let shipping = if free || subtotal.minor == 0 { Money::zero(subtotal.currency) } else { rate };
    let taxable = goods.checked_add(shipping)?;
    let rate_bp = shop.tax.rate_for(country);
    let rate = i128::from(rate_bp);
    let tax_rate_bp = Some(rate_bp);
    if shop.tax.prices_include_tax {
        // Tax already inside the gross price: gross * rate / (1 + rate), rounded half up. The
        // shopper pays the price shown whatever the country's rate; the tax inside it differs.
        let gross = i128::from(taxable.minor);
        let tax = (gross * rate * 2 + (10_000 + rate)) / ((10_000 + rate) * 2);
        Ok(Totals { subtotal, discount, shipping, tax: Money::new(tax as i64, subtotal.currency), tax_rate_bp, total: taxable })
    } else {
        let tax = taxable.percentage(rate_bp);
        Ok(Totals { subtotal, discount, shipping, tax, tax_rate_bp, total: taxable.checked_add(tax)? })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Online payment started, waiting for the provider.
    AwaitingPayment,
    /// Cash on delivery: confirmed at once.
    Confirmed,
    Paid,
    PaymentFailed,
    Packed,
    Shipped,
    Delivered,
    Cancelled,
    ReturnRequested,
    /// The returned items arrived back (and were refunded).
    Returned,
}

impl OrderStatus {
    /// Whether the order has an invoice: placed, and not cancelled, failed or waiting for payment.
    pub fn has_invoice(self) -> bool {
        !matches!(self, OrderStatus::AwaitingPayment | OrderStatus::PaymentFailed | OrderStatus::Cancelled)
    }

    pub fn can_cancel(self) -> bool {
        matches!(self, OrderStatus::AwaitingPayment | OrderStatus::Confirmed | OrderStatus::Paid | OrderStatus::PaymentFailed | OrderStatus::Packed)
    }

    /// Placed and paid (or cash on delivery) and not shipped yet: what is still to pack.
    pub fn awaits_shipping(self) -> bool {
        matches!(self, OrderStatus::Confirmed | OrderStatus::Paid | OrderStatus::Packed)
    }

    pub fn is_final(self) -> bool {
        matches!(self, OrderStatus::Cancelled | OrderStatus::Returned)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tracking {
    pub carrier: String,
    pub number: String,
}

impl Tracking {
    /// The carriers [`Self::url`] links, as a merchant would pick them from a list.
    pub const LINKED_CARRIERS: [&'static str; 10] = ["An Post", "Colissimo", "DHL", "DPD", "FedEx", "GLS", "La Poste", "Royal Mail", "UPS", "USPS"];

    /// The carrier's own tracking page for this parcel, for the carriers whose page takes the
    /// number alone: named as a merchant types them (`DHL`, `Royal Mail`, `ups`, …). `None` for
    /// another carrier, or a number that is not 6 to 40 letters and digits (spaces and dashes are
    /// dropped), so nothing a merchant typed can change the address but the number.
    pub fn url(&self) -> Option<String> {
        let carrier: String = self.carrier.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
        let page = match carrier.as_str() {
            "dhl" | "dhlexpress" | "dhlparcel" => "https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?submit=1&tracking-id=",
            "ups" => "https://www.ups.com/track?tracknum=",
            "fedex" => "https://www.fedex.com/fedextrack/?trknbr=",
            "usps" => "https://tools.usps.com/go/TrackConfirmAction?tLabels=",
            "royalmail" => "https://www.royalmail.com/track-your-item#/tracking-results/",
            "laposte" | "colissimo" => "https://www.laposte.fr/outils/suivre-vos-envois?code=",
            "anpost" => "https://www.anpost.com/Post-Parcels/Track/History?item=",
            "dpd" => "https://tracking.dpd.de/status/en_US/parcel/",
            "gls" => "https://gls-group.com/GROUP/en/parcel-tracking?match=",
            _ => return None,
        };
        let number: String = self.number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let fits = (6..=40).contains(&number.len()) && number.chars().all(|c| c.is_ascii_alphanumeric());
        fits.then(|| format!("{page}{number}"))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusChange {
    pub status: OrderStatus,
    /// RFC 3339 time.
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Set when the order ships.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<Tracking>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub number: u64,
    /// Secret that grants access to this order (confirmation page, email link).
    pub token: String,
    pub catalog_version: String,
    pub lines: Vec<PricedLine>,
    pub totals: Totals,
    pub address: Address,
    pub contact: Contact,
    pub payment: PaymentMethod,
    pub status: OrderStatus,
    pub history: Vec<StatusChange>,
    /// The discount code the order used (its amount is `totals.discount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    /// Events already applied (at-least-once delivery: each changes the order once).
    #[serde(default)]
    pub applied_events: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TransitionError {
    NotAllowed { from: OrderStatus, to: OrderStatus },
}

impl std::fmt::Display for TransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransitionError::NotAllowed { from, to } => write!(f, "an order that is {from:?} cannot become {to:?}"),
        }
    }
}

/// How long an order's stock is held before it is paid: a cash-on-delivery order for an hour (it
/// is confirmed at once; the hold ends when its event commits the stock), an online one for the
/// provider's payment window plus a margin, so a shopper who pays at the last second still has
/// the stock (the provider's `expired` event releases it), or 30 minutes when the provider
/// names no window.
pub fn stock_hold_seconds(method: PaymentMethod, payment_window_seconds: Option<u64>) -> u64 {
    match (method, payment_window_seconds) {
        (PaymentMethod::CashOnDelivery, _) => 3600,
        (PaymentMethod::Online, Some(window)) => window + 5 * 60,
        (PaymentMethod::Online, None) => 30 * 60,
    }
}

/// What a checkout request turns into, besides the priced cart.
pub struct Placement {
    pub number: u64,
    pub token: String,
    pub totals: Totals,
    pub address: Address,
    pub contact: Contact,
    pub payment: PaymentMethod,
    /// RFC 3339 time.
    pub at: String,
    pub discount_code: Option<String>,
}

impl Order {
    /// The name of the order's line of `sku` as shops print it ("Tee (M)"), if it has one.
    pub fn line_name_of(&self, sku: &str) -> Option<String> {
        self.lines.iter().find(|l| l.sku == sku).map(|l| crate::line_name(&l.title, &l.variant_title))
    }

    /// The units of each line not returned yet, after the units `returned` (in earlier returns).
    pub fn returnable(&self, returned: &[(String, u32)]) -> Vec<(String, u32)> {
        self.lines
            .iter()
            .map(|l| {
                let back = units_of(returned, &l.sku);
                (l.sku.clone(), l.quantity.saturating_sub(back))
            })
            .filter(|(_, left)| *left > 0)
            .collect()
    }

    /// The lines of a return, checked against what has not come back yet (`returned`: the units
    /// of earlier returns): each SKU on the order, at most its units left, repeats added
    /// together; none given means every unit left.
    pub fn return_lines(&self, asked: &[(String, u32)], returned: &[(String, u32)]) -> Result<Vec<(String, u32)>, String> {
        let left = self.returnable(returned);
        if left.is_empty() {
            return Err("every unit of the order has been returned or refunded already".into());
        }
        if asked.is_empty() {
            return Ok(left);
        }
        let mut out: Vec<(String, u32)> = Vec::new();
        for (sku, quantity) in asked {
            if !self.lines.iter().any(|l| &l.sku == sku) {
                return Err(format!("the order has no line `{sku}`"));
            }
            let can = left.iter().find(|(s, _)| s == sku).map_or(0, |(_, q)| *q);
            if can == 0 {
                return Err(format!("`{sku}` has been returned or refunded already"));
            }
            let total = match out.iter_mut().find(|(s, _)| s == sku) {
                Some((_, q)) => {
                    *q = q.saturating_add(*quantity);
                    *q
                }
                None => {
                    out.push((sku.clone(), *quantity));
                    *quantity
                }
            };
            if *quantity == 0 || total > can {
                return Err(format!("`{sku}`: return 1 to {can} units"));
            }
        }
        Ok(out)
    }

    /// What `lines` were charged, in minor units: their unit prices as ordered, less their share
    /// of the order's discount (rounded down for part of a line), with their tax when the order
    /// added tax on top.
    pub fn value_of(&self, lines: &[(String, u32)]) -> i64 {
        let totals: Vec<i64> = self.lines.iter().map(|l| l.line_total.minor).collect();
        let shares = crate::discount::share_discount(self.totals.discount.map_or(0, |d| d.minor), &totals);
        let goods: i64 = lines
            .iter()
            .filter_map(|(sku, q)| {
                let i = self.lines.iter().position(|l| &l.sku == sku)?;
                let line = &self.lines[i];
                let paid = i128::from(line.line_total.minor - shares[i]);
                Some((paid * i128::from(*q) / i128::from(line.quantity.max(1))) as i64)
            })
            .sum();
        goods + self.tax_added_on(goods)
    }

    /// The tax on `goods` when the order added tax on top of its prices (its total is more than
    /// the goods and shipping), at the order's rate; 0 when prices included it.
    fn tax_added_on(&self, goods: i64) -> i64 {
        let t = &self.totals;
        let before_tax = t.subtotal.minor - t.discount.map_or(0, |d| d.minor) + t.shipping.minor;
        match t.tax_rate_bp {
            Some(rate) if t.total.minor > before_tax => Money::new(goods, t.total.currency).percentage(rate).minor,
            _ => 0,
        }
    }

    /// What the units `returned` come to, all returns together: the goods as paid ([`value_of`]),
    /// and once every unit is back, the whole order, delivery included (a shopper who sends
    /// everything back withdraws from the purchase, and the delivery is refunded too).
    ///
    /// [`value_of`]: Self::value_of
    pub fn returned_value(&self, returned: &[(String, u32)]) -> i64 {
        if self.returnable(returned).is_empty() {
            return self.totals.total.minor;
        }
        let mut together: Vec<(String, u32)> = Vec::new();
        for (sku, q) in returned {
            match together.iter_mut().find(|(s, _)| s == sku) {
                Some((_, n)) => *n = n.saturating_add(*q),
                None => together.push((sku.clone(), *q)),
            }
        }
        self.value_of(&together)
    }

    /// What a return of `lines` refunds after the units `before` came back: what all returns
    /// come to with it, less what they came to without it, so that units returned one by one
    /// refund, together, what they were charged (no cent lost to rounding).
    pub fn return_refund(&self, before: &[(String, u32)], lines: &[(String, u32)]) -> i64 {
        let after: Vec<(String, u32)> = before.iter().chain(lines).cloned().collect();
        self.returned_value(&after) - self.returned_value(before)
    }

    /// What a return of `lines` pays back, after the units `before` came back in earlier returns,
    /// when staff refunded `by_line` units by line: the units earlier returns paid for and the
    /// units this one pays for, for [`Self::return_refund`]. Each unit is paid back once, by line
    /// or by a return, so returns together pay for at most the units not refunded by line (earlier
    /// returns are taken to have paid first). Units refunded by line count as paid before only
    /// once every unit is back (`whole`: the caller's count, which takes units never sent as back):
    /// an order of which the shopper kept one is not wholly returned, and its delivery stays paid.
    pub fn paid_by_return(&self, before: &[(String, u32)], lines: &[(String, u32)], by_line: &[(String, u32)], whole: bool) -> (SkuUnits, SkuUnits) {
        let mut skus: Vec<&str> = before.iter().chain(lines).map(|(s, _)| s.as_str()).collect();
        skus.sort_unstable();
        skus.dedup();
        let (mut paid_before, mut pays) = (Vec::new(), Vec::new());
        for sku in skus {
            let ordered: u32 = self.lines.iter().filter(|l| l.sku == sku).map(|l| l.quantity).sum();
            let refunded = units_of(by_line, sku).min(ordered);
            let payable = ordered - refunded;
            let returned = units_of(before, sku).min(payable);
            let now = units_of(lines, sku).min(payable - returned);
            let earlier = if whole { returned + refunded } else { returned };
            if earlier > 0 {
                paid_before.push((sku.to_string(), earlier));
            }
            if now > 0 {
                pays.push((sku.to_string(), now));
            }
        }
        (paid_before, pays)
    }

    /// A new order from a priced cart: cash on delivery is confirmed at once, online payment
    /// awaits the provider; the history starts with that status.
    pub fn place(cart: PricedCart, p: Placement) -> Order {
        let status = match p.payment {
            PaymentMethod::CashOnDelivery => OrderStatus::Confirmed,
            PaymentMethod::Online => OrderStatus::AwaitingPayment,
        };
        Order {
            number: p.number,
            token: p.token,
            catalog_version: cart.catalog_version,
            lines: cart.lines,
            totals: p.totals,
            address: p.address,
            contact: p.contact,
            payment: p.payment,
            status,
            history: vec![StatusChange { status, at: p.at, note: None, tracking: None }],
            discount_code: p.discount_code,
            applied_events: vec![],
        }
    }

    /// Whether fulfilment (packed, shipped, delivered) can bring the order to `to` now: the next
    /// step, one at a time as [`Order::apply`] takes them, or the step it is at (which changes
    /// nothing). Not an order that is unpaid, cancelled or returned, nor a step it is past or one
    /// beyond the next.
    pub fn fulfilment_reaches(&self, to: OrderStatus) -> bool {
        use OrderStatus::*;
        let step = |s: OrderStatus| match s {
            Confirmed | Paid => Some(0),
            Packed => Some(1),
            Shipped => Some(2),
            Delivered => Some(3),
            _ => None,
        };
        matches!((step(self.status), step(to)), (Some(now), Some(target)) if (target == now || target == now + 1) && target > 0)
    }

    /// The parcel's tracking, once the order has shipped (the latest, should it have shipped twice).
    pub fn shipped_with(&self) -> Option<&Tracking> {
        self.history.iter().rev().find_map(|h| h.tracking.as_ref())
    }

    /// The most a refund by hand may record: for a cash-on-delivery order that was delivered, so
    /// paid to the courier, what is left of that cash after the refunds made (`refunded`), a
    /// goodwill refund or a return's; for any other, what it owes by hand (`due`: a refund the
    /// provider could not make).
    pub fn by_hand_limit(&self, due: i64, refunded: i64) -> i64 {
        if self.cash_collected() { self.totals.total.minor - refunded } else { due }.max(0)
    }

    /// Cash on delivery, delivered: the courier collected its total.
    pub fn cash_collected(&self) -> bool {
        use OrderStatus::*;
        self.payment == PaymentMethod::CashOnDelivery && matches!(self.status, Delivered | ReturnRequested | Returned)
    }

    /// Still waiting for its online payment: the only orders an expired payment session cancels
    /// (an older session of a paid order expires too).
    pub fn awaits_payment(&self) -> bool {
        matches!(self.status, OrderStatus::AwaitingPayment | OrderStatus::PaymentFailed)
    }

    /// A shipped parcel came back undelivered (event `event_id`): the order is cancelled. Only a
    /// shipped order: one delivered meanwhile stays delivered (a return is its way back), and a
    /// cancellation asked for before it shipped does not cancel it on the way. `Ok(false)` for a
    /// redelivery, as [`Order::apply`].
    pub fn come_back_undelivered(&mut self, event_id: &str, at: &str, note: Option<String>) -> Result<bool, TransitionError> {
        if self.applied_events.iter().any(|e| e == event_id) {
            return Ok(false);
        }
        if self.status != OrderStatus::Shipped {
            return Err(TransitionError::NotAllowed { from: self.status, to: OrderStatus::Cancelled });
        }
        self.status = OrderStatus::Cancelled;
        self.history.push(StatusChange { status: OrderStatus::Cancelled, at: at.to_string(), note, tracking: None });
        self.applied_events.push(event_id.to_string());
        Ok(true)
    }

    /// Moves the order to `to` because of event `event_id`. Returns `Ok(false)` when that event
    /// was already applied (a redelivery), so callers can apply events blindly.
    pub fn apply(&mut self, event_id: &str, to: OrderStatus, at: &str, note: Option<String>) -> Result<bool, TransitionError> {
        if self.applied_events.iter().any(|e| e == event_id) {
            return Ok(false);
        }
        use OrderStatus::*;
        let allowed = match (self.status, to) {
            (AwaitingPayment, Paid | PaymentFailed | Cancelled) => true,
            (PaymentFailed, Paid | Cancelled) => true,
            (Confirmed | Paid, Packed | Cancelled) => true,
            (Packed, Shipped | Cancelled) => true,
            (Shipped, Delivered) => true,
            (Delivered, ReturnRequested) => true,
            // Staff receive the items back, or reject the request (the order is delivered again);
            // items received before the request's event was applied come back all the same.
            (ReturnRequested, Returned | Delivered) | (Delivered, Returned) => true,
            // A late "payment failed" after success changes nothing.
            (Paid | Packed | Shipped | Delivered, PaymentFailed) => {
                self.applied_events.push(event_id.to_string());
                return Ok(false);
            }
            (from, to) if from == to => {
                self.applied_events.push(event_id.to_string());
                return Ok(false);
            }
            _ => false,
        };
        if !allowed {
            return Err(TransitionError::NotAllowed { from: self.status, to });
        }
        self.status = to;
        self.history.push(StatusChange { status: to, at: at.to_string(), note, tracking: None });
        self.applied_events.push(event_id.to_string());
        Ok(true)
    }
}

/// Units by SKU: each SKU with a number of its units.
pub type SkuUnits = Vec<(String, u32)>;

/// The refunds of a sale that each take part of it back, in the order made, with the part each
/// takes (a credit note each): `refunds` are (id, amount) oldest first, `paid` what was paid in
/// all and `total` the order's total. A payment made on top of the total is given back first and
/// was never a sale, so a refund that only gives it back credits nothing and is left out.
pub fn credited_refunds<'a>(refunds: &[(&'a str, i64)], paid: i64, total: i64) -> Vec<(&'a str, i64)> {
    let over = (paid - total).max(0);
    let mut before = 0i64;
    let mut credited = Vec::new();
    for &(id, amount) in refunds {
        let after = before + amount.max(0);
        let part = (after - over).max(0) - (before - over).max(0);
        if part > 0 {
            credited.push((id, part));
        }
        before = after;
    }
    credited
}

/// The units of `sku` in `units`, a SKU listed twice counted twice.
pub fn units_of(units: &[(String, u32)], sku: &str) -> u32 {
    units.iter().filter(|(s, _)| s == sku).map(|(_, q)| *q).fold(0, u32::saturating_add)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_credit_note_per_refund_of_the_sale_not_of_a_payment_made_twice() {
        use super::credited_refunds;
        // Paid once: every refund credits what it gave back.
        assert_eq!(credited_refunds(&[("a", 500), ("b", 300)], 2000, 2000), [("a", 500), ("b", 300)]);
        // Paid twice (2 × 2000): the first 2000 given back was the second payment.
        assert_eq!(credited_refunds(&[("dup", 2000), ("r1", 700)], 4000, 2000), [("r1", 700)]);
        // One refund across both: only the part beyond the second payment is credited.
        assert_eq!(credited_refunds(&[("both", 2500)], 4000, 2000), [("both", 500)]);
        assert!(credited_refunds(&[], 2000, 2000).is_empty());
    }

    use super::*;
    use crate::catalog::{ShippingRules, TaxRules};
    use crate::money::Currency;

    #[test]
    fn payment_methods_are_read_by_their_wire_names() {
        for m in [PaymentMethod::CashOnDelivery, PaymentMethod::Online] {
            let wire = serde_json::to_value(m).unwrap();
            assert_eq!(PaymentMethod::from_wire(wire.as_str().unwrap()), Some(m));
        }
        assert_eq!(PaymentMethod::from_wire("bitcoin"), None);
        assert_eq!(PaymentMethod::from_wire("Online"), None);
    }

    #[test]
    fn an_address_reads_a_line_each_with_the_country_named() {
        let a = Address {
            name: "Niamh Walsh".into(),
            line1: "4 Harbour Row".into(),
            city: "Cobh".into(),
            postal_code: "P24 A123".into(),
            country: "IE".into(),
            ..Address::default()
        };
        assert_eq!(a.lines(), ["Niamh Walsh", "4 Harbour Row", "P24 A123 Cobh", "Ireland"]);
    }

    fn shop(include_tax: bool) -> Shop {
        let shipping = ShippingRules {
            flat_rate: Money::new(495, Currency::EUR),
            free_over: Some(Money::new(5000, Currency::EUR)),
            countries: vec!["IE".into(), "DE".into()],
            zones: vec![],
        };
        Shop::with_rules("S", Currency::EUR, "en-IE", shipping, TaxRules::one_rate(2300, include_tax))
    }

    #[test]
    fn placed_orders_start_by_payment_method_and_hold_stock_accordingly() {
        let cart = PricedCart { catalog_version: "v9".into(), lines: vec![], subtotal: Money::new(1000, Currency::EUR) };
        let placement = |payment| Placement {
            number: 7,
            discount_code: None,
            token: "t".into(),
            totals: checkout_totals(Money::new(1000, Currency::EUR), &shop(true)).unwrap(),
            address: Address {
                name: "A".into(),
                line1: "1".into(),
                line2: String::new(),
                city: "C".into(),
                postal_code: "P".into(),
                country: "IE".into(),
            },
            contact: Contact { email: "a@b.ie".into(), phone: String::new(), sms: false },
            payment,
            at: "2026-12-01T10:00:00Z".into(),
        };
        let cod = Order::place(cart.clone(), placement(PaymentMethod::CashOnDelivery));
        assert_eq!((cod.status, cod.history.len(), cod.history[0].status), (OrderStatus::Confirmed, 1, OrderStatus::Confirmed));
        assert_eq!(cod.catalog_version, "v9");
        let online = Order::place(cart, placement(PaymentMethod::Online));
        assert_eq!(online.status, OrderStatus::AwaitingPayment);
        assert_eq!(stock_hold_seconds(PaymentMethod::CashOnDelivery, Some(1860)), 3600);
        assert_eq!(stock_hold_seconds(PaymentMethod::Online, Some(1860)), 1860 + 300);
        assert_eq!(stock_hold_seconds(PaymentMethod::Online, None), 1800);

        // Fulfilment steps in order only; an expired payment session cancels only an unpaid order.
        let mut online = online;
        assert!(online.awaits_payment() && !online.fulfilment_reaches(OrderStatus::Packed));
        assert!(online.apply("paid-1", OrderStatus::Paid, "t", None).unwrap());
        assert!(!online.awaits_payment(), "an older session expiring must not cancel it");
        assert!(online.fulfilment_reaches(OrderStatus::Packed));
        for later in [OrderStatus::Shipped, OrderStatus::Delivered] {
            assert!(!online.fulfilment_reaches(later), "{later:?}: a step beyond the next");
            assert!(online.clone().apply("skip", later, "t", None).is_err(), "{later:?}: which apply refuses too");
        }
        assert!(
            online.apply("packed-1", OrderStatus::Packed, "t", None).unwrap() && online.apply("shipped-1", OrderStatus::Shipped, "t", None).unwrap()
        );
        assert!(!online.fulfilment_reaches(OrderStatus::Packed), "a step it is past");
        assert!(online.fulfilment_reaches(OrderStatus::Shipped), "the step it is at: nothing changes");
        assert!(!online.fulfilment_reaches(OrderStatus::Cancelled));
        assert!(online.apply("cancel-1", OrderStatus::Cancelled, "t", None).is_err());
    }

    #[test]
    fn shipping_is_free_over_the_threshold() {
        let t = checkout_totals(Money::new(5000, Currency::EUR), &shop(true)).unwrap();
        assert_eq!((t.shipping.minor, t.total.minor), (0, 5000));
        let t = checkout_totals(Money::new(4999, Currency::EUR), &shop(true)).unwrap();
        assert_eq!((t.shipping.minor, t.total.minor), (495, 5494));
    }

    #[test]
    fn a_discount_comes_off_the_goods_and_never_makes_the_order_dearer() {
        let eur = |m| Money::new(m, Currency::EUR);
        // 60.00 of goods qualify for free shipping (over 50.00) with 15.00 off or not.
        let t = discounted_totals(eur(6000), Some(eur(1500)), &shop(true), None).unwrap();
        assert_eq!((t.discount, t.shipping.minor, t.total.minor), (Some(eur(1500)), 0, 4500));
        for include in [true, false] {
            for goods in [1, 499, 4900, 4999, 5000, 5001, 5100, 12345] {
                let plain = checkout_totals(eur(goods), &shop(include)).unwrap();
                for off in [1, 100, 495, 2500, goods] {
                    let t = discounted_totals(eur(goods), Some(eur(off)), &shop(include), None).unwrap();
                    assert!(t.total.minor <= plain.total.minor, "{goods} less {off}: {} > {}", t.total.minor, plain.total.minor);
                }
            }
        }
        // Tax added on top is taxed on the discounted goods and the shipping.
        let t = discounted_totals(eur(10000), Some(eur(2000)), &shop(false), None).unwrap();
        assert_eq!((t.tax.minor, t.total.minor), (1840, 9840));
        // Never more than the goods; nothing off is no discount.
        let t = discounted_totals(eur(1000), Some(eur(5000)), &shop(true), None).unwrap();
        assert_eq!((t.discount, t.total.minor), (Some(eur(1000)), 495));
        assert_eq!(discounted_totals(eur(1000), Some(eur(0)), &shop(true), None).unwrap().discount, None);
    }

    #[test]
    fn shipping_is_the_rate_of_the_addresss_zone() {
        let eur = |m| Money::new(m, Currency::EUR);
        let mut s = shop(true);
        s.shipping.zones =
            vec![crate::ShippingZone { name: "Germany".into(), countries: vec!["DE".into()], flat_rate: eur(995), free_over: Some(eur(10000)) }];
        let to = |goods, country| discounted_totals(eur(goods), None, &s, country).unwrap();
        assert_eq!((to(4000, Some("DE")).shipping, to(4000, Some("IE")).shipping, to(4000, None).shipping), (eur(995), eur(495), eur(495)));
        // Each zone's own threshold: free in Ireland from 50.00, in Germany from 100.00.
        assert_eq!((to(6000, Some("DE")).shipping, to(6000, Some("IE")).shipping, to(10000, Some("DE")).shipping), (eur(995), eur(0), eur(0)));
        assert_eq!(to(6000, Some("DE")).total, eur(6995));
        assert_eq!(s.shipping.home_countries(), vec!["IE"]);
    }

    #[test]
    fn a_discounted_order_refunds_what_was_paid_for_the_lines() {
        let mut o = delivered_order();
        // 39.99 of goods with 4.00 off: A (30.00) bears 3.00, B (9.99) 1.00.
        o.totals = discounted_totals(Money::new(3999, Currency::EUR), Some(Money::new(400, Currency::EUR)), &shop(true), None).unwrap();
        assert_eq!(o.value_of(&[("A".into(), 2)]), 2700);
        assert_eq!(o.value_of(&[("A".into(), 1)]), 1350);
        assert_eq!(o.value_of(&[("B".into(), 1)]), 899);
        assert_eq!(o.value_of(&o.return_lines(&[], &[]).unwrap()), 3599, "everything: the goods as paid");
    }

    #[test]
    fn included_and_added_tax() {
        // 12300 gross at 23 % contains 2300 tax.
        let t = checkout_totals(Money::new(12300, Currency::EUR), &shop(true)).unwrap();
        assert_eq!((t.tax.minor, t.total.minor), (2300, 12300));
        let t = checkout_totals(Money::new(10000, Currency::EUR), &shop(false)).unwrap();
        assert_eq!((t.tax.minor, t.total.minor), (2300, 12300));
    }

    #[test]
    fn tax_is_at_the_rate_of_the_country_the_order_goes_to() {
        let mut s = shop(true);
        s.tax.countries.insert("DE".into(), 1900);
        // Prices include tax: a German shopper pays the same, of which 19 % is tax.
        let de = discounted_totals(Money::new(11900, Currency::EUR), None, &s, Some("DE")).unwrap();
        assert_eq!((de.tax.minor, de.total.minor, de.tax_rate_bp), (1900, 11900, Some(1900)));
        let ie = discounted_totals(Money::new(11900, Currency::EUR), None, &s, Some("IE")).unwrap();
        assert_eq!((ie.tax.minor, ie.total.minor, ie.tax_rate_bp), (2225, 11900, Some(2300)));
        // Not known yet: the shop's own rate.
        assert_eq!(discounted_totals(Money::new(11900, Currency::EUR), None, &s, None).unwrap().tax_rate_bp, Some(2300));
        // Tax added on top: the German total is 19 % over the goods and shipping.
        s.tax.prices_include_tax = false;
        let de = discounted_totals(Money::new(10000, Currency::EUR), None, &s, Some("DE")).unwrap();
        assert_eq!((de.tax.minor, de.total.minor), (1900, 11900));
        assert_eq!(de.tax_label(), "Tax (19 %)");
        assert_eq!(ie.tax_label(), "Tax included (23 %)");
        assert_eq!(tax_label(false, None), "Tax included", "an order from before rates by country");
        s.tax.countries.insert("DE".into(), 0);
        let none = discounted_totals(Money::new(10000, Currency::EUR), None, &s, Some("DE")).unwrap();
        assert_eq!(none.tax_label(), "Tax (0 %)", "no tax is not \"included\"");
        // A free order (a code took everything) in a shop whose prices include tax.
        s.tax.prices_include_tax = true;
        let free = discounted_totals(Money::new(0, Currency::EUR), None, &s, Some("IE")).unwrap();
        assert_eq!((free.tax.minor, free.tax_label()), (0, "Tax included (23 %)".to_string()));
    }

    #[test]
    fn rates_are_written_as_people_write_them() {
        let labels: Vec<String> = [2300, 2550, 775, 705, 0, 10000].into_iter().map(crate::percent_label).collect();
        assert_eq!(labels, ["23 %", "25.5 %", "7.75 %", "7.05 %", "0 %", "100 %"]);
    }

    /// A valid address in `country`.
    fn address_in(country: &str) -> Address {
        Address {
            name: "A".into(),
            line1: "1 Road".into(),
            line2: String::new(),
            city: "Cork".into(),
            postal_code: "T12".into(),
            country: country.into(),
        }
    }

    #[test]
    fn address_checks() {
        let addr = address_in("FR");
        let contact = Contact { email: "a@b".into(), phone: "12a".into(), sms: false };
        let errors = validate_address(&addr, &contact, &shop(true));
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["address.country", "contact.email", "contact.phone"]);
        // Fields of invisible characters alone are empty; a direction override is refused.
        let mut blank = address_in("IE");
        (blank.name, blank.city, blank.postal_code) = ("\u{200B}".into(), " \u{2060}".into(), "\u{FEFF}".into());
        blank.line1 = "A\u{202E}B".into();
        let contact = Contact { email: "a@b.ie".into(), phone: String::new(), sms: false };
        let errors = validate_address(&blank, &contact, &shop(true));
        let said: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.message.as_str())).collect();
        assert_eq!(
            said,
            [
                ("address.name", "is required"),
                ("address.city", "is required"),
                ("address.postal_code", "is required"),
                ("address.line1", "contains control characters")
            ]
        );
        let mut fine = address_in("IE");
        fine.name = "Zoë O\u{2019}Brien-\u{05D0}".into();
        assert!(validate_address(&fine, &contact, &shop(true)).is_empty(), "letters of any script are fine");
    }

    #[test]
    fn text_messages_need_a_number_with_its_country_code() {
        assert_eq!(sms_number("+353 91 555 0100").as_deref(), Some("+353915550100"));
        assert_eq!(sms_number(" 00353-(91)-555.0100 ").as_deref(), Some("+353915550100"));
        for bad in ["091 555 0100", "+353", "+0353915550100", "+353 91 555 0100 ext 2", "+1234567890123456", "", "+44 7700 900\n123"] {
            assert_eq!(sms_number(bad), None, "{bad:?}");
        }
        let addr = address_in("IE");
        let wants = |phone: &str| Contact { email: "a@b.ie".into(), phone: phone.into(), sms: true };
        let errors = validate_address(&addr, &wants("091 555 0100"), &shop(true));
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), vec!["contact.phone"]);
        assert!(validate_address(&addr, &wants("+353 91 555 0100"), &shop(true)).is_empty());
        // Only numbers of the countries the shop ships to (this one ships to Ireland and Germany).
        let abroad = validate_address(&addr, &wants("+1 202 555 0100"), &shop(true));
        assert_eq!(abroad.len(), 1);
        assert_eq!(abroad[0].message, "must be a number we can text (+353, +49)");
        // Without text messages, a national number is fine.
        assert!(validate_address(&addr, &Contact { sms: false, ..wants("091 555 0100") }, &shop(true)).is_empty());
    }

    #[test]
    fn control_characters_are_refused() {
        let addr = Address {
            name: "A\u{0}".into(),
            line1: "1 Road".into(),
            line2: String::new(),
            city: "Cork".into(),
            postal_code: "T12".into(),
            country: "IE".into(),
        };
        assert!(valid_email("róisín@café.ie") && valid_email("a.b+shop@mail.example-host.co.uk"));
        assert!(valid_email("o'brien@example.ie") && valid_email("x_y-z{1}@example.ie"));
        assert!(valid_email("taro..y@docomo.ne.jp") && valid_email("नमस्ते@example.in"));
        assert!(
            valid_email(&format!("{}@example.ie", "a".repeat(64))) && !valid_email(&format!("{}@example.ie", "a".repeat(65))),
            "64 bytes before the @"
        );
        for listy in ["x>,<victim@evil.example", "a;b@example.ie", "\"quoted\"@example.ie", "<script>@example.ie", "a,b@example.ie", "a:b@example.ie"]
        {
            assert!(!valid_email(listy), "{listy}");
        }
        for email in [
            "a@b.ie\r\nBcc: x@y.z",
            "a\u{7}@b.ie",
            "a@b.ie\u{1b}",
            "a@b..ie",
            "a@-b.ie",
            "a@b.ie>",
            "a@b_c.ie",
            "eiv\u{202E}ei@b.ie",
            "a\u{200B}@b.ie",
        ] {
            let contact = Contact { email: email.into(), phone: String::new(), sms: false };
            let fields: Vec<String> = validate_address(&addr, &contact, &shop(true)).into_iter().map(|e| e.field).collect();
            assert_eq!(fields, vec!["address.name", "contact.email"], "{email:?}");
        }
    }

    #[test]
    fn events_apply_once_and_follow_the_lifecycle() {
        let mut o = Order {
            number: 1,
            token: "t".into(),
            catalog_version: "v".into(),
            lines: vec![],
            totals: checkout_totals(Money::new(100, Currency::EUR), &shop(true)).unwrap(),
            address: Address {
                name: "A".into(),
                line1: "l".into(),
                line2: String::new(),
                city: "c".into(),
                postal_code: "p".into(),
                country: "IE".into(),
            },
            contact: Contact { email: "a@b.ie".into(), phone: String::new(), sms: false },
            payment: PaymentMethod::Online,
            status: OrderStatus::AwaitingPayment,
            history: vec![],
            discount_code: None,
            applied_events: vec![],
        };
        assert_eq!(o.apply("evt_1", OrderStatus::Paid, "t1", None), Ok(true));
        assert_eq!(o.apply("evt_1", OrderStatus::Paid, "t2", None), Ok(false));
        assert_eq!(o.apply("evt_0", OrderStatus::PaymentFailed, "t3", None), Ok(false), "late failure after success");
        assert_eq!(o.status, OrderStatus::Paid);
        assert_eq!(o.history.len(), 1);
        assert!(o.apply("evt_2", OrderStatus::Delivered, "t4", None).is_err());
        assert_eq!(o.apply("evt_3", OrderStatus::Cancelled, "t5", None), Ok(true));
    }

    fn delivered_order() -> Order {
        let eur = |m| Money::new(m, Currency::EUR);
        let line = |sku: &str, q: u32, unit: i64| PricedLine {
            sku: sku.into(),
            product_slug: "p".into(),
            title: "T".into(),
            variant_title: "V".into(),
            quantity: q,
            unit_price: eur(unit),
            line_total: eur(unit * i64::from(q)),
        };
        Order {
            number: 7,
            token: "t".into(),
            catalog_version: "v".into(),
            lines: vec![line("A", 2, 1500), line("B", 1, 999)],
            totals: checkout_totals(eur(3999), &shop(true)).unwrap(),
            address: Address {
                name: "A".into(),
                line1: "l".into(),
                line2: String::new(),
                city: "c".into(),
                postal_code: "p".into(),
                country: "IE".into(),
            },
            contact: Contact { email: "a@b.ie".into(), phone: String::new(), sms: false },
            payment: PaymentMethod::Online,
            status: OrderStatus::Delivered,
            history: vec![],
            discount_code: None,
            applied_events: vec![],
        }
    }

    #[test]
    fn a_delivered_cash_on_delivery_order_may_be_refunded_by_hand_up_to_the_cash_left() {
        let mut o = delivered_order();
        let total = o.totals.total.minor;
        assert_eq!(o.by_hand_limit(0, 0), 0, "paid online: only what a return left owed");
        assert_eq!(o.by_hand_limit(500, 0), 500);
        o.payment = PaymentMethod::CashOnDelivery;
        assert_eq!(o.by_hand_limit(0, 0), total, "the courier took the total");
        assert_eq!(o.by_hand_limit(0, 1500), total - 1500);
        assert_eq!(o.by_hand_limit(0, total + 1), 0);
        o.status = OrderStatus::Shipped;
        assert_eq!(o.by_hand_limit(0, 0), 0, "not paid yet");
    }

    #[test]
    fn a_unit_refunded_by_line_is_not_paid_again_when_it_comes_back() {
        let o = delivered_order();
        let u = |v: &[(&str, u32)]| v.iter().map(|(s, q)| (s.to_string(), *q)).collect::<Vec<_>>();
        // Whole when every unit came back (as the back office counts it, units never sent aside).
        let paid_by_return = |before: &[(String, u32)], lines: &[(String, u32)], by_line: &[(String, u32)]| {
            o.paid_by_return(before, lines, by_line, o.returnable(&[before, lines].concat()).is_empty())
        };
        // One A of two refunded by line and kept; the other A and B come back: both are paid.
        assert_eq!(paid_by_return(&[], &u(&[("A", 1), ("B", 1)]), &u(&[("A", 1)])), (u(&[]), u(&[("A", 1), ("B", 1)])));
        // Both A's come back, one refunded by line: one is paid.
        assert_eq!(paid_by_return(&[], &u(&[("A", 2)]), &u(&[("A", 1)])), (u(&[]), u(&[("A", 1)])));
        // One A came back and was paid, then the other was refunded by line: it is not paid again.
        assert_eq!(paid_by_return(&u(&[("A", 1)]), &u(&[("A", 1)]), &u(&[("A", 1)])), (u(&[("A", 1)]), u(&[])));
        // Nothing refunded by line: as returned.
        assert_eq!(paid_by_return(&u(&[("A", 1)]), &u(&[("B", 1)]), &[]), (u(&[("A", 1)]), u(&[("B", 1)])));
        // The kept unit is not "back": the rest of the order coming back refunds no delivery.
        let (before, pays) = paid_by_return(&[], &u(&[("A", 1), ("B", 1)]), &u(&[("A", 1)]));
        assert_eq!(o.return_refund(&before, &pays), o.value_of(&u(&[("A", 1), ("B", 1)])));
        // Everything back, one A refunded by line: the rest of the order, delivery included.
        let (before, pays) = paid_by_return(&[], &u(&[("A", 2), ("B", 1)]), &u(&[("A", 1)]));
        assert_eq!((&before, &pays), (&u(&[("A", 1)]), &u(&[("A", 1), ("B", 1)])));
        assert_eq!(o.return_refund(&before, &pays), o.totals.total.minor - o.value_of(&u(&[("A", 1)])));
        // One A refunded by line before shipping was never sent: the other A and B back are the
        // whole order back, delivery included.
        let (before, pays) = o.paid_by_return(&[], &u(&[("A", 1), ("B", 1)]), &u(&[("A", 1)]), true);
        assert_eq!(o.return_refund(&before, &pays), o.totals.total.minor - o.value_of(&u(&[("A", 1)])));
    }

    #[test]
    fn a_parcels_units_less_those_never_sent_or_kept_out() {
        let o = delivered_order();
        let u = |pairs: &[(&str, u32)]| pairs.iter().map(|(s, q)| (s.to_string(), *q)).collect::<Vec<_>>();
        assert_eq!(o.returnable(&u(&[("A", 1), ("B", 1)])), u(&[("A", 1)]));
        assert_eq!(o.returnable(&u(&[("A", 5), ("C", 1)])), u(&[("B", 1)]), "never below nothing; other SKUs ignored");
        assert_eq!(o.returnable(&[]), u(&[("A", 2), ("B", 1)]));
    }

    #[test]
    fn return_lines_are_checked_against_the_order_and_valued_at_their_price() {
        let o = delivered_order();
        assert_eq!(o.return_lines(&[], &[]).unwrap(), vec![("A".to_string(), 2), ("B".to_string(), 1)], "nothing named: everything");
        let two_a = o.return_lines(&[("A".into(), 1), ("A".into(), 1)], &[]).unwrap();
        assert_eq!(two_a, vec![("A".to_string(), 2)]);
        assert_eq!(o.value_of(&two_a), 3000);
        assert!(o.return_lines(&[("A".into(), 3)], &[]).is_err(), "more than ordered");
        assert!(o.return_lines(&[("A".into(), 2), ("A".into(), 1)], &[]).is_err(), "more than ordered, in two parts");
        assert!(o.return_lines(&[("A".into(), 0)], &[]).is_err());
        assert!(o.return_lines(&[("Z".into(), 1)], &[]).is_err(), "not on the order");
        assert!(o.return_lines(&[("A".into(), u32::MAX), ("A".into(), u32::MAX)], &[]).is_err(), "no overflow");
    }

    #[test]
    fn a_second_return_takes_what_the_first_left_and_the_last_refunds_the_rest() {
        let mut o = delivered_order();
        // 39.99 of goods with 4.00 off, and 4.95 of delivery (under the free threshold).
        o.totals = discounted_totals(Money::new(3999, Currency::EUR), Some(Money::new(400, Currency::EUR)), &shop(true), None).unwrap();
        assert_eq!(o.totals.shipping.minor, 495);
        let first = o.return_lines(&[("A".into(), 1)], &[]).unwrap();
        let refund_1 = o.return_refund(&[], &first);
        assert_eq!(refund_1, 1350);
        // What the first took is not there to return again; nothing named is the rest.
        assert!(o.return_lines(&[("A".into(), 2)], &first).is_err());
        let rest = o.return_lines(&[], &first).unwrap();
        assert_eq!(rest, vec![("A".to_string(), 1), ("B".to_string(), 1)]);
        // The last return refunds what is left of the order: its goods and the delivery.
        let refund_2 = o.return_refund(&first, &rest);
        assert_eq!(refund_1 + refund_2, o.totals.total.minor);
        assert_eq!(o.return_lines(&[], &[first, rest].concat()).unwrap_err(), "every unit of the order has been returned or refunded already");
    }

    #[test]
    fn units_returned_one_by_one_refund_what_they_were_charged_together() {
        let mut o = delivered_order();
        // Three units of 19.99 with 33 % off: 40.18 for the three, no even thirds.
        o.lines = vec![PricedLine { quantity: 3, line_total: Money::new(5997, Currency::EUR), ..o.lines[0].clone() }, o.lines[1].clone()];
        o.totals = discounted_totals(Money::new(6996, Currency::EUR), Some(Money::new(1979, Currency::EUR)), &shop(true), None).unwrap();
        let mut back: Vec<(String, u32)> = Vec::new();
        let mut refunded = 0;
        for _ in 0..3 {
            let one = vec![("A".to_string(), 1)];
            refunded += o.return_refund(&back, &one);
            back.extend(one);
        }
        assert_eq!(refunded, o.value_of(&[("A".into(), 3)]), "one by one: the three units' share, to the cent");
    }

    #[test]
    fn tax_added_on_top_is_refunded_with_the_goods() {
        let mut o = delivered_order();
        o.totals = checkout_totals(Money::new(3999, Currency::EUR), &shop(false)).unwrap();
        // 15.00 of goods and 23 % on top.
        assert_eq!(o.value_of(&[("A".into(), 1)]), 1500 + 345);
        assert_eq!(o.returned_value(&o.return_lines(&[], &[]).unwrap()), o.totals.total.minor);
    }

    #[test]
    fn a_return_is_received_or_rejected_and_a_returned_order_is_final() {
        let mut o = delivered_order();
        assert_eq!(o.apply("r1", OrderStatus::ReturnRequested, "t1", None), Ok(true));
        assert_eq!(o.apply("x", OrderStatus::Delivered, "t2", None), Ok(true), "rejected: delivered again");
        assert_eq!(o.apply("r2", OrderStatus::ReturnRequested, "t3", None), Ok(true), "a new request after a rejection");
        assert_eq!(o.apply("in", OrderStatus::Returned, "t4", None), Ok(true));
        assert!(o.status.is_final());
        assert!(o.apply("again", OrderStatus::ReturnRequested, "t5", None).is_err());
        assert!(o.apply("c", OrderStatus::Cancelled, "t6", None).is_err());
        // Items received before the request's own event was applied (events arrive in any order).
        let mut o = delivered_order();
        assert_eq!(o.apply("in", OrderStatus::Returned, "t1", None), Ok(true));
    }

    #[test]
    fn only_a_shipped_parcel_comes_back_undelivered() {
        let mut o = delivered_order();
        o.status = OrderStatus::Shipped;
        let note = Some("Not delivered: refused at the door".to_string());
        assert_eq!(o.clone().apply("back", OrderStatus::Cancelled, "t1", None).map_err(|_| ()), Err(()), "a cancellation does not stop a parcel");
        assert_eq!(o.come_back_undelivered("back", "t1", note.clone()), Ok(true));
        assert_eq!((o.status, o.history.last().and_then(|h| h.note.clone())), (OrderStatus::Cancelled, note));
        assert_eq!(o.come_back_undelivered("back", "t2", None), Ok(false), "a redelivery");
        assert_eq!(o.history.len(), 1);
        // Delivered first: the parcel did arrive, and only a return brings it back.
        let mut o = delivered_order();
        assert!(o.come_back_undelivered("late", "t1", None).is_err());
        assert_eq!(o.status, OrderStatus::Delivered);
        for status in [OrderStatus::Confirmed, OrderStatus::Packed, OrderStatus::Cancelled, OrderStatus::Returned] {
            o.status = status;
            assert!(o.come_back_undelivered("x", "t", None).is_err(), "{status:?}");
        }
    }

    #[test]
    fn known_carriers_link_to_their_tracking_page_with_the_number_alone() {
        let t = |carrier: &str, number: &str| Tracking { carrier: carrier.into(), number: number.into() }.url();
        assert_eq!(
            t("DHL", "JD0146 0000 1234").as_deref(),
            Some("https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?submit=1&tracking-id=JD014600001234")
        );
        assert_eq!(t(" Royal Mail ", "AB123456789GB").as_deref(), Some("https://www.royalmail.com/track-your-item#/tracking-results/AB123456789GB"));
        assert_eq!(t("ups", "1Z-999-AA1-0123456784").as_deref(), Some("https://www.ups.com/track?tracknum=1Z999AA10123456784"));
        assert_eq!(t("An Post", "RX123456789IE").as_deref(), Some("https://www.anpost.com/Post-Parcels/Track/History?item=RX123456789IE"));
        assert!(Tracking::LINKED_CARRIERS.iter().all(|c| t(c, "RX123456789IE").is_some()), "every carrier offered is linked");
        // Unknown carriers and numbers that could carry more than a number get no link.
        assert_eq!(t("Bob's Vans", "123456789"), None);
        assert_eq!(t("UPS", "1Z999&x=<script>"), None);
        assert_eq!(t("UPS", "12345"), None);
        assert_eq!(t("UPS", &"9".repeat(41)), None);
        assert_eq!(t("UPS", "１２３４５６７"), None);
    }
}
