//! Pages the worker renders into frames the app draws: the static page at the same path (with the
//! shop's header and footer) carries slots, and the worker fills them per request. The slots of
//! each page are declared here, once, for the app that draws them and the worker that fills them.

/// Puts each slot's value in the frame, in one pass: a value that happens to contain a slot's
/// name is not filled again. A slot may appear any number of times.
pub fn fill(frame: &str, slots: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(frame.len() + slots.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = frame;
    while let Some((at, slot, value)) =
        slots.iter().filter_map(|(slot, value)| rest.find(slot).map(|at| (at, *slot, *value))).min_by_key(|(at, ..)| *at)
    {
        out.push_str(&rest[..at]);
        out.push_str(value);
        rest = &rest[at + slot.len()..];
    }
    out.push_str(rest);
    out
}

/// `/cart/`: the cart, rendered by the worker (lines with quantity forms, subtotal, checkout link).
pub mod cart {
    pub const CART: &str = "<!--cart-->";
}

/// `/checkout/`: a plain HTML form that posts to the worker; the checkout island only enhances it.
pub mod checkout {
    /// The order summary (lines and subtotal).
    pub const SUMMARY: &str = "<!--checkout-summary-->";
    /// The order's total, beside the button that places it.
    pub const TOTAL: &str = "<!--checkout-total-->";
    /// What went wrong with the last attempt (empty on a first visit).
    pub const NOTICE: &str = "<!--checkout-notice-->";
    /// The payment choices the shop offers now (online only with a live provider).
    pub const PAYMENT: &str = "<!--checkout-payment-->";
    /// The `<option>`s of the shipping countries.
    pub const COUNTRIES: &str = "<!--checkout-countries-->";
    /// The choice of text messages about the order (empty where the shop sends none).
    pub const SMS: &str = "<!--checkout-sms-->";
    /// The idempotency key of this form (a new one per page the worker renders).
    pub const KEY: &str = "%checkout-key%";
    /// The cart the page shows, as [`edgeshop_domain::cart_digest`]: the order is placed only for it.
    pub const CART_DIGEST: &str = "%checkout-cart%";

    /// The form's text fields: name, label, input type, autocomplete, required.
    pub const FIELDS: &[(&str, &str, &str, &str, bool)] = &[
        ("contact.email", "Email", "email", "email", true),
        ("contact.phone", "Phone", "tel", "tel", false),
        ("address.name", "Full name", "text", "name", true),
        ("address.line1", "Address", "text", "address-line1", true),
        ("address.line2", "Apartment, suite", "text", "address-line2", false),
        ("address.city", "City", "text", "address-level2", true),
        ("address.postal_code", "Postal code", "text", "postal-code", true),
    ];

    /// The fields a refusal can name: the text fields and the country.
    pub fn names() -> impl Iterator<Item = &'static str> {
        FIELDS.iter().map(|f| f.0).chain(["address.country"])
    }

    /// A field's label, as the form shows it.
    pub fn label(field: &str) -> &str {
        FIELDS.iter().find(|f| f.0 == field).map_or(if field == "address.country" { "Country" } else { field }, |f| f.1)
    }

    /// A field's value as the shopper last sent it.
    pub fn value(field: &str) -> String {
        format!("%value:{field}%")
    }

    /// `true` when the field was refused (its `aria-invalid`).
    pub fn invalid(field: &str) -> String {
        format!("%invalid:{field}%")
    }

    /// Why the field was refused.
    pub fn error(field: &str) -> String {
        format!("%error:{field}%")
    }

    /// The HTML `id` of a field's input (`contact.email` → `contact-email`).
    pub fn id(field: &str) -> String {
        field.replace('.', "-")
    }
}

/// `/orders/?number=…&token=…`: the order page. Its island draws the live status; the worker puts
/// a summary in a `<noscript>` for browsers without JavaScript.
pub mod order {
    pub const SUMMARY: &str = "<!--order-summary-->";
}

/// `/account/`: a shopper's orders when signed in, else the form that emails a sign-in link; the
/// sign-in link's page (`/account/sign-in/?token=…`) is the same frame with its one button.
pub mod account {
    pub const BODY: &str = "<!--account-->";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slot_is_filled_where_it_is_and_values_are_not_filled_again() {
        let frame = "<input value=\"%a%\"><p>%b%</p><input value=\"%a%\">";
        assert_eq!(fill(frame, &[("%a%", "x%b%"), ("%b%", "<b>")]), "<input value=\"x%b%\"><p><b></p><input value=\"x%b%\">");
        assert_eq!(fill("no slots", &[("%a%", "x")]), "no slots");
    }
}
