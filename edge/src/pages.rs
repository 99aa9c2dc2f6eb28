//! The HTML the worker puts into the page frames of the cart, checkout and order pages
//! ([`edgeshop_api::frames`]): plain forms that post to the worker, so buying works before (or
//! without) the browser bundle. Pure functions of the API's views.

use edgeshop_api::account::Account;
use edgeshop_api::{shipping_label, status_label, Cart, FieldError};
use edgeshop_domain::{
    as_sentence, country_label, day_label, escape_html as esc, line_name, shown_variant, Money, Order, PaymentMethod, ShippingRules, Totals,
};
use std::fmt::Write;

/// What the cart page says beside the cart itself.
#[derive(Default)]
pub struct CartHints<'a> {
    /// A discount code that was refused, as typed: it stays in its box, marked, with the reason.
    pub refused_code: Option<&'a str>,
    /// How far the cart is from free shipping ([`free_shipping_hint`]).
    pub shipping: Option<String>,
    /// Lines holding more than is left now (line id, units left): the checkout would refuse them.
    pub short: Vec<(String, u32)>,
    /// The product page a refused add came from (address, title): one click back to it.
    pub back_to: Option<(String, String)>,
}

/// Free shipping to `country` from `free_over`, for goods worth `goods`: how much is still to go,
/// or that it is reached; `None` without a threshold.
pub fn free_shipping_hint(goods: Money, free_over: Option<Money>, country: &str, money: impl Fn(Money) -> String) -> Option<String> {
    let over = free_over?;
    let to = country_label(country);
    Some(if goods.minor >= over.minor {
        format!("Shipping to {to} is free for this cart (other countries: at checkout).")
    } else {
        let to_go = money(Money::new(over.minor - goods.minor, over.currency));
        format!("Free shipping to {to} from {}: {to_go} to go (other countries: at checkout).", money(over))
    })
}

/// The cart: one form per line (quantity, remove), the subtotal and the way to checkout, with
/// what the page says beside it.
pub fn cart(cart: &Cart, notice: Option<&str>, hints: &CartHints) -> String {
    let mut h = String::new();
    if let Some(n) = notice {
        let _ = write!(h, r#"<p class="notice error" role="alert" id="cart-notice">{}</p>"#, esc(&as_sentence(n)));
    }
    if let Some((url, title)) = &hints.back_to {
        let _ = write!(h, r#"<p data-testid="back-to-product"><a href="{}">Back to {}</a></p>"#, esc(url), esc(title));
    }
    if !cart.price_changes.is_empty() {
        h.push_str(r#"<p class="notice" role="status">Some prices changed since you added these items; the cart shows today's prices.</p>"#);
    }
    if cart.lines.is_empty() {
        h.push_str(r#"<p>Your cart is empty. <a href="/">Continue shopping</a></p>"#);
        return h;
    }
    h.push_str(r#"<ul class="cart-lines">"#);
    for l in &cart.lines {
        let title = esc(&l.title);
        let short = hints.short.iter().find(|(id, _)| *id == l.id).map(|(_, left)| match left {
            0 => r#"<p class="line-note" role="status">Sold out now: remove it to check out.</p>"#.to_string(),
            n => format!(r#"<p class="line-note" role="status">Only {n} left now: lower the quantity to check out.</p>"#),
        });
        let _ = write!(
            h,
            r#"<li class="cart-line" data-sku="{sku}"><div class="what"><a href="{url}">{title}</a><span class="variant">{variant}</span><span class="unit">{unit}</span>{short}</div><span class="total" data-testid="line-total">{total}</span><form class="line-form" method="post" action="/cart/update"><input type="hidden" name="line" value="{id}"><label><span class="visually-hidden">Quantity of {title}</span><input type="number" name="quantity" min="0" max="99" inputmode="numeric" class="line-qty" value="{quantity}"></label> <button type="submit" name="action" value="update" class="link">Update</button> <button type="submit" name="action" value="remove" class="link" formnovalidate>Remove<span class="visually-hidden"> {title}</span></button></form></li>"#,
            sku = esc(&l.sku),
            url = esc(&l.url),
            variant = esc(shown_variant(&l.variant_title).unwrap_or_default()),
            unit = esc(&l.unit_price.formatted),
            short = short.unwrap_or_default(),
            id = esc(&l.id),
            quantity = l.quantity,
            total = esc(&l.line_total.formatted),
        );
    }
    let _ = write!(h, r#"</ul><p class="subtotal">Subtotal <strong data-testid="cart-subtotal">{}</strong></p>"#, esc(&cart.subtotal.formatted));
    h.push_str(&discount_lines(cart));
    if let Some(hint) = &hints.shipping {
        let _ = write!(h, r#"<p class="hint" data-testid="free-shipping">{} Shipping and tax are worked out at checkout.</p>"#, esc(hint));
    }
    match &cart.discount {
        Some(d) => {
            let _ = write!(
                h,
                r#"<form class="discount-form" method="post" action="/cart/discount"><input type="hidden" name="action" value="remove"><button type="submit" class="link">Remove the code {}</button></form>"#,
                esc(&d.code)
            );
        }
        None => {
            // A refused code stays as typed, marked, with the reason beside it (the notice above).
            let (value, invalid) = match hints.refused_code {
                Some(code) => (format!(r#" value="{}""#, esc(code)), r#" aria-invalid="true" aria-describedby="cart-notice""#),
                None => (String::new(), ""),
            };
            let _ = write!(
                h,
                r#"<form class="discount-form" method="post" action="/cart/discount"><label for="discount-code">Discount code</label><input id="discount-code" name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="32" required{value}{invalid}> <button type="submit" name="action" value="apply">Apply</button></form>"#
            );
        }
    }
    h.push_str(r#"<a class="button primary" href="/checkout/">Check out</a>"#);
    h
}

/// The cart's discount code: what it takes off and the goods after it, or why it takes nothing.
fn discount_lines(cart: &Cart) -> String {
    let Some(d) = &cart.discount else { return String::new() };
    let offer = if d.offer.is_empty() { String::new() } else { format!(" ({})", esc(&d.offer)) };
    match (&d.amount, &d.not_applied) {
        (Some(amount), _) => format!(
            r#"<p class="discount">Discount <span class="code" data-testid="discount-code">{code}</span>{offer} <strong data-testid="cart-discount">−{amount}</strong></p><p class="subtotal">After the discount <strong data-testid="cart-after-discount">{after}</strong></p>"#,
            code = esc(&d.code),
            amount = esc(&amount.formatted),
            after = esc(&d.subtotal_after.formatted),
        ),
        (None, why) => format!(
            r#"<p class="notice" role="status" data-testid="discount-not-applied">The code <span class="code">{}</span>{offer} takes nothing off: {}.</p>"#,
            esc(&d.code),
            esc(why.as_deref().unwrap_or("it does not apply"))
        ),
    }
}

/// The checkout page's order summary: the lines, the discount, and what the order will cost with
/// the shop's shipping and tax (`totals`, from the same rules the checkout applies), so a shopper
/// knows the total before placing the order.
pub fn checkout_summary(cart: &Cart, totals: Option<&SummaryTotals>, money: impl Fn(Money) -> String) -> String {
    let mut h = String::from("<h2>Order summary</h2>");
    if cart.lines.is_empty() {
        h.push_str(r#"<p>Your cart is empty. <a href="/">Continue shopping</a></p>"#);
        return h;
    }
    h.push_str("<ul>");
    for l in &cart.lines {
        let _ = write!(h, "<li>{} × {}<span>{}</span></li>", l.quantity, esc(&line_name(&l.title, &l.variant_title)), esc(&l.line_total.formatted));
    }
    let _ = write!(h, r#"</ul><p>Subtotal <strong>{}</strong></p>"#, esc(&cart.subtotal.formatted));
    h.push_str(&discount_lines(cart));
    if cart.discount.as_ref().is_some_and(|d| d.amount.is_none()) {
        h.push_str(r#"<p class="hint">To check out without the code, <a href="/cart/">take it off in your cart</a>.</p>"#);
    }
    match totals {
        Some(SummaryTotals { totals, country, by_country, rates }) => {
            let block = |c: &str, t: &Totals| {
                format!(
                    r#"<dl class="attrs by-country" data-country="{}"><dt>Shipping to {}</dt><dd data-testid="summary-shipping">{}</dd><dt>{}</dt><dd>{}</dd><dt>Total</dt><dd data-testid="summary-total"><strong>{}</strong></dd></dl>"#,
                    esc(c),
                    esc(country_label(c)),
                    shipping_label(t.shipping.minor, money(t.shipping)),
                    esc(&t.tax_label()),
                    money(t.tax),
                    money(t.total)
                )
            };
            // The totals for the country chosen in the form first, then every other country's,
            // shown by CSS when the form's country is changed (with or without JavaScript).
            h.push_str(&block(country, totals));
            let others: Vec<&(String, Totals)> = by_country.iter().filter(|(c, _)| c != country).collect();
            if !others.is_empty() {
                for (c, t) in &others {
                    h.push_str(&block(c, t));
                }
                h.push_str(&country_switch(country, others.iter().map(|(c, _)| c.as_str())));
            }
            if rates.len() > 1 {
                let _ = write!(h, r#"<p class="hint" data-testid="shipping-rates">By country: {}.</p>"#, esc(&rates.join("; ")));
            }
        }
        None => h.push_str(r#"<p class="hint">Shipping and tax are added from the shop's rules when you place the order.</p>"#),
    }
    h
}

/// The order's total again beside "Place order" (on a phone the summary comes after the form):
/// one line per country, shown for the country chosen as the summary's blocks are.
pub fn checkout_total(totals: Option<&SummaryTotals>, money: impl Fn(Money) -> String) -> String {
    let Some(SummaryTotals { totals, country, by_country, .. }) = totals else { return String::new() };
    let others = by_country.iter().filter(|(c, _)| c != country).map(|(c, t)| (c.as_str(), t));
    std::iter::once((country.as_str(), totals))
        .chain(others)
        .map(|(c, t)| {
            format!(
                r#"<dl class="attrs by-country" data-country="{}"><dt>Order total</dt><dd data-testid="pay-total"><strong>{}</strong></dd></dl>"#,
                esc(c),
                money(t.total)
            )
        })
        .collect()
}

/// The CSS that shows the summary's totals for the country the checkout form has chosen: the
/// first block (the country the page was drawn for) until another is chosen; in a browser
/// without `:has()`, always that one, as before.
fn country_switch<'a>(first: &str, others: impl Iterator<Item = &'a str>) -> String {
    let chosen = |c: &str| format!(r#"body:has(#address-country option[value="{c}"]:checked)"#);
    let mut css = format!(r#"<style>.by-country:not([data-country="{first}"]){{display:none}}"#);
    for c in others {
        // Country codes are two capital letters (the catalog checks them); nothing else is written.
        if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) {
            let _ = write!(
                css,
                r#"{} .by-country[data-country="{first}"]{{display:none}}{} .by-country[data-country="{c}"]{{display:grid}}"#,
                chosen(c),
                chosen(c)
            );
        }
    }
    css + "</style>"
}

/// What the checkout's summary adds to the cart: the order's totals for an address in `country`
/// and in every other country the shop ships to (`by_country`), and the shop's shipping rates in
/// words (one per zone) when they differ by country.
pub struct SummaryTotals {
    pub totals: Totals,
    pub country: String,
    pub by_country: Vec<(String, Totals)>,
    pub rates: Vec<String>,
}

/// What the order costs by where it goes, one entry per zone, the shop's own rate last ("United
/// Kingdom: shipping €9.95 (free from €100.00), total €59.94"; "everywhere else" when the shop's
/// own rate covers more than three countries): `totals_for` gives the order's totals for an address
/// in a country. Every total is shown because the summary's main total follows the country only
/// when the form is sent.
pub fn shipping_rates(rules: &ShippingRules, money: impl Fn(Money) -> String, totals_for: impl Fn(&str) -> Option<Totals>) -> Vec<String> {
    // Countries of one zone pay one shipping rate; where tax is added at each country's rate
    // their totals differ, and the line gives the lowest and the highest.
    let line = |who: &str, countries: &[&str], free: Option<Money>| {
        let all: Vec<Totals> = countries.iter().map(|c| totals_for(c)).collect::<Option<_>>()?;
        let t = all.first()?;
        let (low, high) = all.iter().fold((t.total, t.total), |(l, h), t| {
            if t.total.minor < l.minor {
                (t.total, h)
            } else if t.total.minor > h.minor {
                (l, t.total)
            } else {
                (l, h)
            }
        });
        let total = if low == high { money(low) } else { format!("{} to {}", money(low), money(high)) };
        let free = free.map(|f| format!(" (free from {})", money(f))).unwrap_or_default();
        Some(format!("{who}: shipping {}{free}, total {total}", shipping_label(t.shipping.minor, money(t.shipping))))
    };
    let mut out: Vec<String> =
        rules.zones.iter().filter_map(|z| line(&z.name, &z.countries.iter().map(String::as_str).collect::<Vec<_>>(), z.free_over)).collect();
    let home = rules.home_countries();
    if !home.is_empty() {
        let who = if home.len() <= 3 { home.iter().map(|c| country_label(c)).collect::<Vec<_>>().join(", ") } else { "everywhere else".into() };
        out.extend(line(&who, &home, rules.free_over));
    }
    out
}

/// The payment choices: online only when the shop has a live provider; `chosen` is checked (cash
/// on delivery when online is not offered).
pub fn payment_choices(online: bool, chosen: PaymentMethod) -> String {
    let online_checked = online && chosen == PaymentMethod::Online;
    let mut h = String::new();
    if online {
        let _ = write!(
            h,
            r#"<label class="choice"><input type="radio" name="payment_method" value="online"{}> Pay online (card)</label>"#,
            if online_checked { " checked" } else { "" }
        );
    }
    let _ = write!(
        h,
        r#"<label class="choice"><input type="radio" name="payment_method" value="cash_on_delivery"{}> Cash on delivery</label>"#,
        if online_checked { "" } else { " checked" }
    );
    h
}

/// The shipping countries as `<option>`s, `chosen` selected (the first when none is).
pub fn country_options(countries: &[String], chosen: &str) -> String {
    let option =
        |c: &String| format!(r#"<option value="{}"{}>{}</option>"#, esc(c), if c == chosen { " selected" } else { "" }, esc(country_label(c)));
    countries.iter().map(option).collect()
}

/// A notice above the checkout form: what was refused, field by field.
pub fn checkout_notice(detail: &str, errors: &[FieldError]) -> String {
    let mut h = format!(r#"<div class="notice error" role="alert"><p>{}</p>"#, esc(&as_sentence(detail)));
    // Not about a field (sold out, a code that no longer applies, the cart changed): the cart
    // is where to change it.
    if errors.is_empty() {
        h.push_str(r#"<p><a href="/cart/">Back to your cart</a></p>"#);
    } else {
        h.push_str("<ul>");
        // In the form's order, so the list reads as the form does.
        let place = |f: &str| edgeshop_api::frames::checkout::names().position(|n| n == f).unwrap_or(usize::MAX);
        let mut errors: Vec<&FieldError> = errors.iter().collect();
        errors.sort_by_key(|e| place(&e.field));
        for e in errors {
            let label = edgeshop_api::frames::checkout::label(&e.field);
            let _ = write!(h, r##"<li><a href="#{}">{} {}</a></li>"##, edgeshop_api::frames::checkout::id(&e.field), esc(label), esc(&e.message));
        }
        h.push_str("</ul>");
    }
    h.push_str("</div>");
    h
}

/// What the worker's order page shows.
pub struct OrderSummary<'a> {
    pub order: &'a Order,
    /// What was refunded, in minor units.
    pub refunded: i64,
    /// The units that can still be sent back (SKU, units), for a delivered order.
    pub returnable: &'a [(String, u32)],
    /// Back from its cancel form.
    pub cancelling: bool,
    /// Back from the payment provider's success page (its news may be a moment behind).
    pub paying: bool,
    /// Back from the provider without paying: `declined` (a declined card) or `cancelled`.
    pub left: Option<&'a str>,
}

/// The order as the worker draws it: what a browser without JavaScript sees, and any browser until
/// the page's island draws the live view.
pub fn order_summary(s: &OrderSummary<'_>, money: impl Fn(Money) -> String) -> String {
    let OrderSummary { order, refunded, returnable, cancelling, paying, left } = *s;
    // Back from paying, an order still waiting for its payment's news says so, not "Payment
    // failed" from an earlier try, and offers no cancelling meanwhile.
    let confirming = paying && order.payment == edgeshop_domain::PaymentMethod::Online && order.awaits_payment();
    let mut h = format!(
        r#"<section class="order"><h1>Order <span data-testid="order-number">{}</span></h1><p class="status">Status: <strong data-testid="order-status">{}</strong></p><ul class="cart-lines">"#,
        order.number,
        if confirming { edgeshop_api::CONFIRMING_PAYMENT } else { status_label(order.status) }
    );
    for l in &order.lines {
        let _ = write!(h, "<li>{} × {} <span>{}</span></li>", l.quantity, esc(&line_name(&l.title, &l.variant_title)), money(l.line_total));
    }
    let t = &order.totals;
    let discount = match t.discount {
        Some(d) => format!(
            r#"<dt>Discount ({})</dt><dd data-testid="order-discount">−{}</dd>"#,
            esc(order.discount_code.as_deref().unwrap_or_default()),
            money(d)
        ),
        None => String::new(),
    };
    let invoice = if order.status.has_invoice() {
        format!(
            r#"<p><a href="{}" data-testid="invoice-link">Invoice</a> (to print or save as a PDF)</p>"#,
            esc(&edgeshop_api::invoice_path(order.number, &order.token))
        )
    } else {
        String::new()
    };
    let refunds = refund_rows(t.total, refunded, &money, |label, value, id| format!(r#"<dt>{label}</dt><dd data-testid="{id}">{value}</dd>"#));
    // What the shopper can do from here, as plain forms (the page's island draws its own).
    let form = |action: &str, class: &str, label: &str| {
        format!(
            r#"<form method="post" action="{action}" class="order-action">{}<button type="submit"{class}>{label}</button></form>"#,
            order_fields(order)
        )
    };
    let mut actions = String::new();
    if order.payment == edgeshop_domain::PaymentMethod::Online && order.awaits_payment() {
        let failed = order.status == edgeshop_domain::OrderStatus::PaymentFailed;
        if paying {
            actions += r#"<noscript><meta http-equiv="refresh" content="5"></noscript><p class="notice" role="status" data-testid="payment-confirming">Thank you: we are confirming your payment. This page updates by itself.</p>"#;
        } else if failed || left.is_some() {
            let _ = write!(actions, r#"<p class="notice" data-testid="payment-pending">{}</p>"#, edgeshop_api::unpaid_note(failed, left));
        } else {
            // Back from the provider, the payment's news may be a moment behind: the page looks
            // again by itself (this summary is read only without JavaScript; the island polls).
            actions += r#"<noscript><meta http-equiv="refresh" content="10"></noscript><p class="notice" data-testid="payment-pending">If you have just paid, we are confirming your payment: this page updates itself in a few seconds.</p>"#;
        }
        if !paying {
            actions += &form("/orders/pay", r#" class="primary""#, if failed { "Try paying again" } else { "Pay now" });
        }
    }
    let can_cancel = order.status.can_cancel() && !confirming;
    if can_cancel && cancelling {
        actions += r#"<p class="notice" role="status" data-testid="order-cancelling">We are cancelling your order: reload this page in a moment to see it cancelled.</p>"#;
    } else if can_cancel {
        // One stray tap must not cancel an order: the box must be ticked first (the browser
        // checks it, without JavaScript too).
        let _ = write!(
            actions,
            r#"<form method="post" action="/orders/cancel" class="order-action">{}<label><input type="checkbox" name="confirm" value="yes" required> Yes, cancel this order</label> <button type="submit">Cancel order</button></form>"#,
            order_fields(order)
        );
    }
    if order.status == edgeshop_domain::OrderStatus::Delivered && !returnable.is_empty() {
        actions += &return_form(order, returnable);
    }
    let _ = write!(
        h,
        r#"</ul><dl class="attrs"><dt>Subtotal</dt><dd>{}</dd>{discount}<dt>Shipping</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>Total</dt><dd data-testid="order-total"><strong>{}</strong></dd>{refunds}</dl>{actions}<h2>Shipping to</h2><address data-testid="order-address">{}</address>{invoice}<p>We email you at every step.{reload}</p></section>"#,
        money(t.subtotal),
        shipping_label(t.shipping.minor, money(t.shipping)),
        esc(&t.tax_label()),
        money(t.tax),
        money(t.total),
        address_html(&order.address),
        reload = if confirming { "" } else { " Reload this page to see the latest status." }
    );
    h
}

/// The fields that name the order in its page's forms (`number`, `token`).
fn order_fields(order: &Order) -> String {
    format!(r#"<input type="hidden" name="number" value="{}"><input type="hidden" name="token" value="{}">"#, order.number, esc(&order.token))
}

/// "Send items back" as a plain form (`POST /orders/return`): each line's quantity, all of it at
/// first as in the island, and why.
fn return_form(order: &Order, returnable: &[(String, u32)]) -> String {
    let mut h = format!(
        r#"<form method="post" action="/orders/return" class="order-action return-form">{}<fieldset><legend>Send items back</legend>"#,
        order_fields(order)
    );
    // Line `i` of the order (the form's field names), offered up to what can still go back.
    for (i, l) in order.lines.iter().enumerate() {
        let q = edgeshop_domain::units_of(returnable, &l.sku).min(l.quantity);
        if q == 0 {
            continue;
        }
        let _ = write!(
            h,
            r#"<p><label for="nojs-return-{i}">{}</label> <input id="nojs-return-{i}" name="line-{i}" type="number" inputmode="numeric" min="0" max="{q}" value="{q}"></p>"#,
            esc(&line_name(&l.title, &l.variant_title))
        );
    }
    h + r#"<p><label for="nojs-return-reason">Why (optional)</label><br><textarea id="nojs-return-reason" name="reason" rows="3" maxlength="1000"></textarea></p><button type="submit">Ask to send these back</button></fieldset></form>"#
}

/// What was refunded of an order's `total`, and what that leaves paid, as two rows drawn by
/// `row(label, value, test id)`; nothing when nothing was refunded.
fn refund_rows(total: Money, refunded: i64, money: &impl Fn(Money) -> String, row: impl Fn(&str, String, &str) -> String) -> String {
    if refunded <= 0 {
        return String::new();
    }
    let back = Money::new(refunded.min(total.minor), total.currency);
    let kept = Money::new(total.minor - back.minor, total.currency);
    row("Refunded", format!("−{}", money(back)), "refunded") + &row("Paid after refunds", money(kept), "paid-after-refunds")
}

/// The order's invoice, a printable page: the seller (`[business]` in shop.toml), the buyer, the
/// invoice number (the order number, which the shop hands out in sequence) and date, the lines as
/// charged, the discount and shipping, and the tax at the rate charged with the total before it.
/// `credited`: the refunds of the sale (id, amount), each with its credit note, linked below.
pub fn invoice(order: &Order, shop: &edgeshop_domain::Shop, refunded: i64, credited: &[(&str, i64)], money: impl Fn(Money) -> String) -> String {
    let date = order.history.first().map_or_else(String::new, |h| day_label(&h.at));
    let t = &order.totals;
    let mut rows = String::new();
    for l in &order.lines {
        let _ = write!(
            rows,
            r#"<tr><td>{}<br><small>SKU {}</small></td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            esc(&line_name(&l.title, &l.variant_title)),
            esc(&l.sku),
            l.quantity,
            money(l.unit_price),
            money(l.line_total)
        );
    }
    let mut sums = String::new();
    let mut sum = |label: &str, value: String, id: &str| {
        let _ = write!(sums, r#"<tr><th colspan="3">{}</th><td class="n" data-testid="{id}">{value}</td></tr>"#, esc(label));
    };
    sum("Goods", money(t.subtotal), "invoice-goods");
    if let Some(d) = t.discount {
        sum(&format!("Discount ({})", order.discount_code.as_deref().unwrap_or_default()), format!("−{}", money(d)), "invoice-discount");
    }
    sum("Shipping", shipping_label(t.shipping.minor, money(t.shipping)), "invoice-shipping");
    let rate = t.tax_rate_bp.map(|bp| format!(" at {}", edgeshop_domain::percent_label(bp))).unwrap_or_default();
    sum("Total before tax", money(Money::new(t.total.minor - t.tax.minor, t.total.currency)), "invoice-net");
    sum(&format!("Tax{rate}"), money(t.tax), "invoice-tax");
    sum("Total", money(t.total), "invoice-total");
    // Refunds since: what was paid back, and what that leaves (the invoice's lines stay as sold).
    sums.push_str(&refund_rows(t.total, refunded, &money, |label, value, id| {
        format!(r#"<tr class="refund"><th colspan="3">{}</th><td class="n" data-testid="invoice-{id}">{value}</td></tr>"#, esc(label))
    }));
    let payment = match order.payment {
        PaymentMethod::CashOnDelivery => "Cash on delivery",
        PaymentMethod::Online => "Paid online (card)",
    };
    let credit_notes = if credited.is_empty() {
        String::new()
    } else {
        let links: Vec<String> = credited
            .iter()
            .enumerate()
            .map(|(i, (id, amount))| {
                format!(
                    r#"<li><a href="/orders/credit-note/?number={n}&amp;token={token}&amp;refund={id}">Credit note {n}-C{k}</a>: −{amount}</li>"#,
                    n = order.number,
                    token = esc(&order.token),
                    id = esc(&encode_component(id)),
                    k = i + 1,
                    amount = money(Money::new(*amount, t.total.currency))
                )
            })
            .collect();
        format!(r#"<h2>Credit notes</h2><ul data-testid="credit-notes">{}</ul>"#, links.concat())
    };
    let body = format!(
        r#"<main data-testid="invoice"><h1>Invoice <span data-testid="invoice-number">{n}</span></h1><p>Date {date} · Order {n} · {payment}</p>
{parties}
<table><thead><tr><th>Item</th><th class="n">Quantity</th><th class="n">Unit price</th><th class="n">Amount</th></tr></thead><tbody>{rows}</tbody><tfoot>{sums}</tfoot></table>
{credit_notes}<p>{prices} Amounts in {currency}.</p><p class="note">Print this page, or save it as a PDF from your browser's print dialog. <a href="/orders/?number={n}&amp;token={token}">Back to the order</a></p></main>"#,
        n = order.number,
        parties = parties(order, shop),
        // No tax on a free order does not tell how prices were shown: the shop's setting does.
        prices = if t.tax_added() || (t.tax.minor == 0 && !shop.tax.prices_include_tax) {
            "Prices are before tax; the tax is added above."
        } else {
            "Prices include tax."
        },
        currency = t.total.currency.code(),
        token = esc(&order.token),
    );
    printable(&format!("Invoice {} · {}", order.number, shop.name), &body)
}

/// A document to print (an invoice, a credit note): `title` (escaped here) and its `body`.
fn printable(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>{title}</title><style>
body{{font:15px/1.45 system-ui,sans-serif;color:#111;max-width:46rem;margin:2rem auto;padding:0 1rem}}h1{{font-size:1.6rem;margin:0 0 .25rem}}
.parties{{display:flex;flex-wrap:wrap;gap:2rem;margin:1.5rem 0}}.parties div{{flex:1 1 14rem}}h2{{font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;color:#555;margin:0 0 .25rem}}
table{{width:100%;border-collapse:collapse}}th,td{{padding:.35rem .25rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}}.n{{text-align:right;white-space:nowrap}}
tfoot th{{text-align:right;font-weight:normal}}tfoot tr:last-child th,tfoot tr:last-child td{{font-weight:bold;border-bottom:2px solid #111}}small{{color:#555}}
.note{{color:#555}}@media print{{.note{{display:none}}body{{margin:0}}}}</style></head><body>
{body}</body></html>"#,
        title = esc(title),
    )
}

/// The seller (`[business]` in shop.toml, or the shop's name) and the buyer, side by side.
fn parties(order: &Order, shop: &edgeshop_domain::Shop) -> String {
    let b = &shop.business;
    let seller = if b.legal_name.is_empty() { &shop.name } else { &b.legal_name };
    let mut seller_lines: Vec<String> = b.address.iter().map(|l| esc(l)).collect();
    if !b.vat_number.is_empty() {
        seller_lines.push(format!(r#"VAT number <span data-testid="seller-vat">{}</span>"#, esc(&b.vat_number)));
    }
    format!(
        r#"<div class="parties"><div><h2>From</h2><strong>{}</strong><br>{}</div><div><h2>To</h2><span data-testid="invoice-buyer">{}</span><br>{}</div></div>"#,
        esc(seller),
        seller_lines.join("<br>"),
        address_html(&order.address),
        esc(&order.contact.email)
    )
}

/// `s` as a query value (RFC 3986 unreserved characters kept, the rest percent-encoded).
fn encode_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The tax in `part` of an order whose total `total` carries `tax` (rounded half up).
fn tax_share(tax: i64, part: i64, total: i64) -> i64 {
    if total > 0 {
        (tax * part.min(total) * 2 + total) / (total * 2)
    } else {
        0
    }
}

/// The credit note of the `k`th refund of the sale (`amount` of it, made `at`, for `reason`): the
/// invoice it corrects, the amount credited with its share of the tax at the rate charged.
pub fn credit_note(
    order: &Order,
    shop: &edgeshop_domain::Shop,
    k: usize,
    amount: i64,
    at: &str,
    reason: Option<&str>,
    money: impl Fn(Money) -> String,
) -> String {
    let t = &order.totals;
    let n = order.number;
    let tax = tax_share(t.tax.minor, amount, t.total.minor);
    let m = |minor: i64| money(Money::new(minor, t.total.currency));
    let rate = t.tax_rate_bp.map(|bp| format!(" at {}", edgeshop_domain::percent_label(bp))).unwrap_or_default();
    let invoice_date = order.history.first().map_or_else(String::new, |h| day_label(&h.at));
    let what = reason.filter(|r| !r.trim().is_empty()).map_or_else(|| "Refund".to_string(), |r| format!("Refund: {}", esc(r)));
    let body = format!(
        r#"<main data-testid="credit-note"><h1>Credit note <span data-testid="credit-note-number">{n}-C{k}</span></h1><p>Date {date} · for invoice {n} of {invoice_date} · Order {n}</p>
{parties}
<table><thead><tr><th>What</th><th class="n">Amount</th></tr></thead><tbody><tr><td>{what}</td><td class="n">−{amount}</td></tr></tbody>
<tfoot><tr><th>Total before tax</th><td class="n">−{net}</td></tr><tr><th>Tax{rate}</th><td class="n" data-testid="credit-note-tax">−{tax}</td></tr><tr><th>Total credited</th><td class="n" data-testid="credit-note-total">−{amount}</td></tr></tfoot></table>
<p>Amounts in {currency}. This credit note reduces invoice {n} by the amount above.</p><p class="note">Print this page, or save it as a PDF from your browser's print dialog. <a href="/orders/invoice/?number={n}&amp;token={token}">The invoice</a></p></main>"#,
        date = esc(&day_label(at)),
        invoice_date = esc(&invoice_date),
        parties = parties(order, shop),
        amount = m(amount),
        net = m(amount - tax),
        tax = m(tax),
        currency = t.total.currency.code(),
        token = esc(&order.token),
    );
    printable(&format!("Credit note {n}-C{k} · {}", shop.name), &body)
}

/// An address a line each (country by name), escaped.
fn address_html(a: &edgeshop_domain::Address) -> String {
    a.lines().iter().map(|l| esc(l)).collect::<Vec<_>>().join("<br>")
}

/// A short page body for a problem (an order link that does not match, say).
pub fn notice(text: &str) -> String {
    format!(r#"<p class="notice error" role="alert">{}</p>"#, esc(&as_sentence(text)))
}

/// The checkout's choice of text messages, where the shop sends them.
pub fn sms_choice(offered: bool, chosen: bool) -> String {
    if !offered {
        return String::new();
    }
    let checked = if chosen { " checked" } else { "" };
    format!(
        r#"<label class="check"><input type="checkbox" name="contact.sms" value="yes"{checked}> Text me about this order: confirmation, shipping and delivery (to the phone number above, with its country code)</label>"#
    )
}

/// A signed-in shopper's account: their orders (newest first) and the way to sign out.
pub fn account(account: &Account) -> String {
    let mut h = format!(
        r#"<p class="account-who">Signed in as <strong data-testid="account-email">{}</strong></p><form method="post" action="/account/sign-out"><button type="submit" class="link">Sign out</button></form>"#,
        esc(&account.email)
    );
    if account.orders.is_empty() {
        h.push_str(r#"<p>There are no orders for this address. <a href="/">Continue shopping</a></p>"#);
        return h;
    }
    h.push_str(r#"<div class="table-scroll"><table class="account-orders" data-testid="account-orders"><thead><tr><th scope="col">Order</th><th scope="col">Placed</th><th scope="col">Status</th><th scope="col" class="items">Items</th><th scope="col">Total</th></tr></thead><tbody>"#);
    for o in &account.orders {
        let _ = write!(
            h,
            r#"<tr><th scope="row"><a href="{url}">{number}</a></th><td><time datetime="{at}">{day}</time></td><td>{status}</td><td class="items">{items}{summary}</td><td>{total}</td></tr>"#,
            url = esc(&o.url),
            number = o.number,
            at = esc(&o.placed_at),
            day = esc(&day_label(&o.placed_at)),
            status = status_label(o.status),
            items = o.items,
            summary =
                if o.summary.is_empty() { String::new() } else { format!(r#"<br><small data-testid="order-summary">{}</small>"#, esc(&o.summary)) },
            total = esc(&o.total.formatted),
        );
    }
    h.push_str("</tbody></table></div>");
    let shown = account.orders.len() as u64;
    if account.total_orders > shown {
        let _ =
            write!(h, r#"<p class="hint">The newest {shown} of {} orders. Older orders are in the emails we sent you.</p>"#, account.total_orders);
    }
    h
}

/// The form that emails a sign-in link to the address a shopper orders with (`email`: what they
/// typed, kept after a refusal).
pub fn account_sign_in(notice: Option<&str>, email: &str) -> String {
    let mut h = String::new();
    if let Some(n) = notice {
        let _ = write!(h, r#"<p class="notice error" role="alert">{}</p>"#, esc(&as_sentence(n)));
    }
    let _ = write!(
        h,
        r#"<p>See every order you placed with us. There is no password: give the email address you order with, and we email you a link that signs you in.</p><form class="account-sign-in" method="post" action="/account/sign-in"><div class="field"><label for="account-email">Email</label><input id="account-email" type="email" name="email" autocomplete="email" required value="{}"></div><button type="submit" class="primary">Email me a sign-in link</button></form>"#,
        esc(email)
    );
    h
}

/// After asking for a link: the same whoever asked, so the page does not tell who ordered here.
pub fn account_link_sent(minutes: u64) -> String {
    format!(
        r#"<p class="notice" role="status" data-testid="account-link-sent">If we have orders for this address, a sign-in link is on its way. It works once, for {minutes} minutes.</p><p>Nothing arrived? Check your spam folder, or <a href="/account/">try another address</a>.</p>"#
    )
}

/// The sign-in link's page: one button (mail scanners follow links; only the post signs in),
/// naming the address it signs into and, when another is signed in here, the one it replaces.
pub fn account_confirm(token: &str, email: &str, replacing: Option<&str>) -> String {
    let switch = replacing
        .map(|r| format!(r#"<p class="notice" role="status">You are signed in as {} here. This link signs you out of it.</p>"#, esc(r)))
        .unwrap_or_default();
    format!(
        r#"{switch}<p>Sign in as <strong data-testid="account-email">{}</strong> to see its orders on this device.</p><form method="post" action="/account/session"><input type="hidden" name="token" value="{}"><button type="submit" class="primary">Sign in</button></form>"#,
        esc(email),
        esc(token)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgeshop_api::{CartLine, MoneyView};

    fn m(s: &str) -> MoneyView {
        MoneyView { minor: 0, currency: "EUR".into(), formatted: s.into() }
    }

    fn a_cart() -> Cart {
        Cart {
            id: Some("c".into()),
            catalog_version: "v".into(),
            lines: vec![CartLine {
                id: "l1".into(),
                sku: "TEE-<S>".into(),
                product_slug: "tee".into(),
                title: "Tee & \"Co\"".into(),
                variant_title: "S".into(),
                quantity: 2,
                unit_price: m("€10.00"),
                line_total: m("€20.00"),
                url: "/products/tee/".into(),
            }],
            item_count: 2,
            subtotal: m("€20.00"),
            price_changes: vec![],
            discount: None,
        }
    }

    #[test]
    fn a_cart_offers_a_code_and_shows_what_it_takes_off_or_why_not() {
        use edgeshop_api::CartDiscount;
        let h = cart(&a_cart(), None, &CartHints::default());
        assert!(h.contains(r#"<form class="discount-form" method="post" action="/cart/discount"><label for="discount-code">Discount code</label>"#));
        let on = Cart {
            discount: Some(CartDiscount {
                code: "SPRING".into(),
                offer: "10% off".into(),
                amount: Some(m("€2.00")),
                not_applied: None,
                subtotal_after: m("€18.00"),
            }),
            ..a_cart()
        };
        let h = cart(&on, None, &CartHints::default());
        assert!(h.contains(r#"<strong data-testid="cart-discount">−€2.00</strong>"#) && h.contains("€18.00"), "{h}");
        assert!(h.contains("Remove the code SPRING") && !h.contains(r#"<input id="discount-code""#));
        let off = Cart {
            discount: Some(CartDiscount {
                code: "BIG<5>".into(),
                offer: String::new(),
                amount: None,
                not_applied: Some("this code needs €50.00 of goods or more".into()),
                subtotal_after: m("€20.00"),
            }),
            ..a_cart()
        };
        let h = cart(&off, None, &CartHints::default());
        assert!(
            h.contains("takes nothing off: this code needs €50.00 of goods or more.") && h.contains("BIG&lt;5&gt;") && !h.contains("cart-discount")
        );
        assert!(checkout_summary(&off, None, |m| m.decimal()).contains("take it off in your cart"));
    }

    #[test]
    fn the_cart_is_forms_that_post_to_the_worker_with_everything_escaped() {
        let h = cart(&a_cart(), Some("<b>only 1 left</b>"), &CartHints::default());
        assert!(h.contains(r#"<form class="line-form" method="post" action="/cart/update"><input type="hidden" name="line" value="l1">"#));
        assert!(h.contains(r#"class="line-qty" value="2""#) && h.contains(r#"href="/checkout/">Check out</a>"#));
        assert!(h.contains("Tee &amp; &quot;Co&quot;") && h.contains(r#"data-sku="TEE-&lt;S&gt;""#));
        assert!(h.contains("&lt;b&gt;only 1 left&lt;/b&gt;") && !h.contains("<b>"));
        let empty = Cart { lines: vec![], ..a_cart() };
        assert!(
            cart(&empty, None, &CartHints::default()).contains("Your cart is empty")
                && !cart(&empty, None, &CartHints::default()).contains("Check out")
        );
    }

    #[test]
    fn the_cart_keeps_a_refused_code_and_says_how_far_free_shipping_is() {
        use edgeshop_domain::Currency;
        let eur = |m| Money::new(m, Currency::EUR);
        let line = a_cart().lines[0].id.clone();
        let hints = CartHints {
            refused_code: Some("NOPE<"),
            shipping: free_shipping_hint(eur(3800), Some(eur(5000)), "IE", |m| m.decimal()),
            short: vec![(line, 1)],
            back_to: Some(("/products/tee/".into(), "Tee <b>".into())),
        };
        let h = cart(&a_cart(), Some("There is no discount code NOPE<."), &hints);
        assert!(h.contains(r#"value="NOPE&lt;" aria-invalid="true" aria-describedby="cart-notice""#), "{h}");
        assert!(h.contains("Free shipping to Ireland from 50.00: 12.00 to go (other countries: at checkout)."), "{h}");
        assert!(h.contains("Only 1 left now: lower the quantity to check out."), "a line above what is left says so: {h}");
        assert!(h.contains(r#"<a href="/products/tee/">Back to Tee &lt;b&gt;</a>"#), "{h}");
        let free = free_shipping_hint(eur(5000), Some(eur(5000)), "IE", |m| m.decimal());
        assert_eq!(free.as_deref(), Some("Shipping to Ireland is free for this cart (other countries: at checkout)."));
        assert_eq!(free_shipping_hint(eur(100), None, "IE", |m| m.decimal()), None);
    }

    #[test]
    fn the_checkout_summary_follows_the_country_chosen() {
        use edgeshop_domain::Currency;
        let eur = |m| Money::new(m, Currency::EUR);
        let ie = Totals { subtotal: eur(1400), discount: None, shipping: eur(495), tax: eur(354), tax_rate_bp: Some(2300), total: eur(1895) };
        let gb = Totals { shipping: eur(995), tax: eur(399), tax_rate_bp: Some(2000), total: eur(2395), ..ie };
        let by_country = vec![("IE".to_string(), ie), ("GB".to_string(), gb)];
        let summary = SummaryTotals { totals: gb, country: "GB".into(), by_country, rates: vec![] };
        let h = checkout_summary(&a_cart(), Some(&summary), |m| m.decimal());
        // The chosen country's block first, then the others; CSS shows the one the form has chosen.
        let (gb_at, ie_at) = (h.find(r#"data-country="GB""#).unwrap(), h.find(r#"data-country="IE""#).unwrap());
        assert!(gb_at < ie_at, "{h}");
        assert!(
            h.contains("<dt>Shipping to United Kingdom</dt><dd data-testid=\"summary-shipping\">9.95</dd><dt>Tax included (20 %)</dt><dd>3.99</dd>"),
            "{h}"
        );
        assert!(h.contains(r#".by-country:not([data-country="GB"]){display:none}"#), "{h}");
        assert!(h.contains(r#"body:has(#address-country option[value="IE"]:checked) .by-country[data-country="IE"]{display:grid}"#), "{h}");
        assert!(!h.contains(r#"option[value="GB"]:checked"#), "the first country needs no rule: {h}");
        // The total beside the button: the same blocks, switched by the same CSS.
        let total = checkout_total(Some(&summary), |m| m.decimal());
        assert!(
            total.starts_with(
                r#"<dl class="attrs by-country" data-country="GB"><dt>Order total</dt><dd data-testid="pay-total"><strong>23.95</strong>"#
            ),
            "{total}"
        );
        assert!(total.contains(r#"data-country="IE"><dt>Order total</dt><dd data-testid="pay-total"><strong>18.95</strong>"#), "{total}");
        assert_eq!(checkout_total(None, |m| m.decimal()), "");
        // One country: one block, no CSS.
        let one = SummaryTotals { totals: ie, country: "IE".into(), by_country: vec![("IE".to_string(), ie)], rates: vec![] };
        let h = checkout_summary(&a_cart(), Some(&one), |m| m.decimal());
        assert_eq!(h.matches("by-country").count(), 1, "{h}");
        assert!(!h.contains("<style>"), "{h}");
    }

    #[test]
    fn the_checkout_summary_shows_shipping_tax_and_the_total_before_the_order_is_placed() {
        use edgeshop_domain::Currency;
        let eur = |m| Money::new(m, Currency::EUR);
        let summary = |totals, rates| SummaryTotals { totals, country: "IE".into(), by_country: vec![], rates };
        let t = Totals { subtotal: eur(2000), discount: None, shipping: eur(495), tax: eur(466), tax_rate_bp: Some(2300), total: eur(2495) };
        let h = checkout_summary(&a_cart(), Some(&summary(t, vec![])), |m| m.decimal());
        assert!(
            h.contains(r#"<dt>Shipping to Ireland</dt><dd data-testid="summary-shipping">4.95</dd><dt>Tax included (23 %)</dt><dd>4.66</dd>"#),
            "{h}"
        );
        assert!(h.contains(r#"<dd data-testid="summary-total"><strong>24.95</strong></dd>"#) && !h.contains("shipping-rates"), "{h}");
        // Tax added on top is named so; free shipping says "Free"; rates by zone are listed.
        let t = Totals { subtotal: eur(2000), discount: None, shipping: eur(0), tax: eur(460), tax_rate_bp: Some(2300), total: eur(2460) };
        let mut rules = edgeshop_domain::ShippingRules {
            flat_rate: eur(495),
            free_over: Some(eur(5000)),
            countries: vec!["IE".into(), "GB".into()],
            zones: vec![edgeshop_domain::ShippingZone { name: "UK".into(), countries: vec!["GB".into()], flat_rate: eur(995), free_over: None }],
        };
        let totals_for = |country: &str| Some(Totals { shipping: if country == "GB" { eur(995) } else { eur(0) }, ..t });
        let rates = shipping_rates(&rules, |m| m.decimal(), totals_for);
        let h = checkout_summary(&a_cart(), Some(&summary(t, rates)), |m| m.decimal());
        assert!(h.contains(r#"<dd data-testid="summary-shipping">Free</dd><dt>Tax (23 %)</dt><dd>4.60</dd>"#), "{h}");
        assert!(h.contains("By country: UK: shipping 9.95, total 24.60; Ireland: shipping Free (free from 50.00), total 24.60."), "{h}");
        rules.countries.extend(["DE", "FR", "NL"].map(String::from));
        assert!(shipping_rates(&rules, |m| m.decimal(), totals_for)[1].starts_with("everywhere else: shipping Free"));
        // Tax added at each country's rate: one zone's totals differ, and the line gives their range.
        let by_rate = |country: &str| {
            Some(Totals { tax: eur(if country == "DE" { 380 } else { 460 }), total: eur(if country == "DE" { 2380 } else { 2460 }), ..t })
        };
        assert_eq!(shipping_rates(&rules, |m| m.decimal(), by_rate)[1], "everywhere else: shipping Free (free from 50.00), total 23.80 to 24.60");
    }

    #[test]
    fn online_payment_is_offered_only_with_a_provider_and_one_choice_is_checked() {
        let off = payment_choices(false, PaymentMethod::Online);
        assert!(!off.contains("online") && off.contains(r#"value="cash_on_delivery" checked"#));
        let on = payment_choices(true, PaymentMethod::Online);
        assert!(on.contains(r#"value="online" checked"#) && !on.contains(r#"cash_on_delivery" checked"#));
        assert!(payment_choices(true, PaymentMethod::CashOnDelivery).contains(r#"cash_on_delivery" checked"#));
    }

    #[test]
    fn countries_keep_the_shoppers_choice_and_the_notice_names_fields() {
        let c = ["IE".to_string(), "FR".to_string()];
        assert_eq!(country_options(&c, "FR"), r#"<option value="IE">Ireland</option><option value="FR" selected>France</option>"#);
        let n = checkout_notice("check this field: Email", &[FieldError { field: "contact.email".into(), message: "is required".into() }]);
        assert!(n.contains(r##"<a href="#contact-email">Email is required</a>"##));
    }

    #[test]
    fn an_invoice_names_seller_and_buyer_escaped_and_the_tax_beside_the_total_before_it() {
        use edgeshop_domain::{Address, Contact, Currency, Placement, PricedCart, PricedLine, ShippingRules, Shop, TaxRules};
        let eur = |m| Money::new(m, Currency::EUR);
        let shipping = ShippingRules { flat_rate: eur(500), free_over: None, countries: vec!["DE".into()], zones: vec![] };
        let tax = TaxRules { countries: [("DE".to_string(), 1900)].into(), ..TaxRules::one_rate(2300, false) };
        let mut shop = Shop::with_rules("S & Co", Currency::EUR, "en-IE", shipping, tax);
        let line = PricedLine {
            sku: "T-1".into(),
            product_slug: "t".into(),
            title: "Tee <b>".into(),
            variant_title: "M".into(),
            quantity: 2,
            unit_price: eur(1000),
            line_total: eur(2000),
        };
        let cart = PricedCart { catalog_version: "v".into(), lines: vec![line], subtotal: eur(2000) };
        let totals = edgeshop_domain::discounted_totals(cart.subtotal, None, &shop, Some("DE")).unwrap();
        let address = Address {
            name: "Zoe <i>".into(),
            line1: "1 Way".into(),
            line2: String::new(),
            city: "Bonn".into(),
            postal_code: "53111".into(),
            country: "DE".into(),
        };
        let contact = Contact { email: "z@example.de".into(), phone: String::new(), sms: false };
        let placement = Placement {
            number: 1001,
            token: "tok".into(),
            totals,
            address,
            contact,
            payment: PaymentMethod::CashOnDelivery,
            at: "2026-12-06T10:00:00Z".into(),
            discount_code: None,
        };
        let order = Order::place(cart, placement);
        let h = invoice(&order, &shop, 0, &[], |m| m.decimal());
        // No [business]: the shop's name; tax added on top at Germany's rate.
        assert!(h.contains("<strong>S &amp; Co</strong>") && !h.contains("seller-vat"), "{h}");
        assert!(h.contains("Tee &lt;b&gt; (M)") && h.contains("Zoe &lt;i&gt;") && !h.contains("<b>") && !h.contains("<i>"), "{h}");
        assert!(
            h.contains(r#"data-testid="invoice-net">25.00</td>"#)
                && h.contains(r#"<th colspan="3">Tax at 19 %</th><td class="n" data-testid="invoice-tax">4.75</td>"#),
            "{h}"
        );
        assert!(
            h.contains(r#"data-testid="invoice-total">29.75</td>"#) && h.contains("Date 6 Dec 2026") && h.contains("Prices are before tax"),
            "{h}"
        );
        shop.business =
            edgeshop_domain::Business { legal_name: "S Limited".into(), address: vec!["1 Quay".into()], vat_number: "IE1234567FA".into() };
        let h = invoice(&order, &shop, 0, &[], |m| m.decimal());
        assert!(h.contains("<strong>S Limited</strong><br>1 Quay<br>VAT number <span data-testid=\"seller-vat\">IE1234567FA</span>"), "{h}");
        assert!(!h.contains("Refunded"), "nothing refunded, nothing said");
        // Refunded in part since: what went back and what that leaves, the lines as sold.
        let h = invoice(&order, &shop, 1000, &[("by-hand-1001-x y", 1000)], |m| m.decimal());
        assert!(
            h.contains(r#"data-testid="invoice-refunded">−10.00</td>"#) && h.contains(r#"data-testid="invoice-paid-after-refunds">19.75</td>"#),
            "{h}"
        );
        assert!(h.contains(r#"data-testid="invoice-total">29.75</td>"#));
        // Each refund of the sale has its credit note, linked from the invoice.
        assert!(
            h.contains(r#"<a href="/orders/credit-note/?number=1001&amp;token=tok&amp;refund=by-hand-1001-x%20y">Credit note 1001-C1</a>: −10.00"#),
            "{h}"
        );
        // The credit note: the invoice it corrects, the amount and its tax at the rate charged
        // (10.00 of 29.75 carrying 4.75: 1.60), the reason escaped.
        let c = credit_note(&order, &shop, 1, 1000, "2026-12-08T09:00:00Z", Some("Late <b>"), |m| m.decimal());
        assert!(
            c.contains(r#"Credit note <span data-testid="credit-note-number">1001-C1</span>"#) && c.contains("for invoice 1001 of 6 Dec 2026"),
            "{c}"
        );
        assert!(c.contains(r#"data-testid="credit-note-tax">−1.60</td>"#) && c.contains(r#"data-testid="credit-note-total">−10.00</td>"#), "{c}");
        assert!(c.contains("Refund: Late &lt;b&gt;") && c.contains("Date 8 Dec 2026"), "{c}");
    }

    #[test]
    fn an_account_lists_orders_with_their_links_and_says_when_older_ones_are_left_out() {
        use edgeshop_api::account::AccountOrder;
        let order = |number: u64| AccountOrder {
            number,
            placed_at: "2026-12-06T09:30:00.000Z".into(),
            status: edgeshop_domain::OrderStatus::Shipped,
            items: 3,
            summary: "Nocturne Headphones (Black) and 1 more".into(),
            total: m("€42.00"),
            url: format!("/orders/?number={number}&token=t{number}"),
        };
        let a = Account { email: "nora@example.ie".into(), orders: vec![order(7), order(5)], total_orders: 2 };
        let h = account(&a);
        assert!(h.contains(r#"<a href="/orders/?number=7&amp;token=t7">7</a>"#), "{h}");
        assert!(h.contains(r#"<small data-testid="order-summary">Nocturne Headphones (Black) and 1 more</small>"#), "what was bought: {h}");
        assert!(
            h.contains(r#"<time datetime="2026-12-06T09:30:00.000Z">6 Dec 2026</time></td><td>Shipped</td><td class="items">3<br><small"#),
            "{h}"
        );
        assert!(h.find("number=7").unwrap() < h.find("number=5").unwrap());
        assert!(!h.contains("The newest") && h.contains(r#"action="/account/sign-out""#));
        let many = Account { total_orders: 130, ..a };
        assert!(account(&many).contains("The newest 2 of 130 orders."));
        let none = Account { orders: vec![], total_orders: 0, ..many };
        assert!(account(&none).contains("There are no orders for this address"));
        let form = account_sign_in(Some("Give the email address you order with."), "a\"<b>");
        assert!(form.contains(r#"value="a&quot;&lt;b&gt;""#) && form.contains(r#"role="alert""#), "{form}");
    }
}
