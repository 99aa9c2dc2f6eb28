//! Commerce islands: variant picker with add-to-cart, cart count, checkout form, order status (the
//! cart page is the worker's: plain forms).

use crate::api::{announce_cart_count, body, call, query_param, replace_query_param};
use edgeshop_api::{shipping_label, status_label, AddLine, Cart, CheckoutRequest, MoneyView, OrderView, PaymentStart};
use edgeshop_domain::{OrderStatus as Status, PaymentMethod};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PickerOption {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PickerVariant {
    pub sku: String,
    pub values: Vec<String>,
    pub price: String,
    pub compare_at: Option<String>,
    pub stock: String,
    pub available: bool,
}

/// Can `value` be chosen for option `i`: some variant in stock has it (choosing it moves the other
/// options to such a variant, see [`choose`]).
pub fn offered(variants: &[PickerVariant], i: usize, value: &str) -> bool {
    variants.iter().any(|v| v.available && v.values.get(i).map(String::as_str) == Some(value))
}

/// Can `value` be chosen for option `i` keeping every other choice in `selected`: a variant in
/// stock has exactly that combination (a chip that would move another choice looks different).
pub fn offered_with(variants: &[PickerVariant], selected: &[String], i: usize, value: &str) -> bool {
    variants.iter().any(|v| v.available && v.values.iter().enumerate().all(|(j, x)| if j == i { x == value } else { selected.get(j) == Some(x) }))
}

/// What a choice moved besides the option chosen, for the shopper to see: "M is not available in
/// Rust: Navy is chosen instead." (`None` when nothing else moved).
pub fn moved_note(before: &[String], after: &[String], i: usize) -> Option<String> {
    let others: Vec<usize> = (0..after.len()).filter(|&j| j != i && before.get(j) != after.get(j)).collect();
    let chosen = after.get(i)?;
    let values = |of: &[String]| others.iter().filter_map(|&j| of.get(j).map(String::as_str)).collect::<Vec<_>>().join(" / ");
    (!others.is_empty()).then(|| format!("{chosen} is not available in {}: {} is chosen instead.", values(before), values(after)))
}

/// Sets option `i` to `value` and moves the other options to a combination that exists and is in
/// stock, keeping as many of the shopper's other choices as it can (Lilac when EU 37 / Lilac is
/// sold out: the first size that has Lilac).
pub fn choose(variants: &[PickerVariant], selected: &[String], i: usize, value: &str) -> Vec<String> {
    let mut want = selected.to_vec();
    if let Some(slot) = want.get_mut(i) {
        *slot = value.to_string();
    }
    let kept = |v: &PickerVariant| v.values.iter().zip(&want).filter(|(a, b)| a == b).count();
    let with_value = variants.iter().filter(|v| v.available && v.values.get(i).map(String::as_str) == Some(value));
    // The most choices kept; of those, the first in the product's order.
    let best = with_value.fold(None::<&PickerVariant>, |best, v| match best {
        Some(b) if kept(b) >= kept(v) => Some(b),
        _ => Some(v),
    });
    best.map(|v| v.values.clone()).unwrap_or(want)
}

#[island]
pub fn VariantPicker(options: Vec<PickerOption>, variants: Vec<PickerVariant>, title: String) -> impl IntoView {
    let title = StoredValue::new(title);
    let initial = variants.iter().find(|v| v.available).or(variants.first()).map(|v| v.values.clone()).unwrap_or_default();
    let initial_sku = variants.iter().find(|v| v.values == initial).map(|v| v.sku.clone()).unwrap_or_default();
    // Without JavaScript the form posts every SKU of the product with the chosen option values,
    // and the worker picks the variant (the hidden `sku` is the one shown when the page was built).
    let all_skus = variants.iter().map(|v| view! { <input type="hidden" name="variant" value=v.sku.clone()/> }).collect_view();
    let selected = RwSignal::new(initial.clone());
    let skus: Vec<String> = variants.iter().filter(|v| v.available).map(|v| v.sku.clone()).collect();
    // What the last choice moved besides itself, said beside the options.
    let moved = RwSignal::new(None::<String>);
    let variants = RwSignal::new(variants);
    // The SKUs with only a few units left (the ledger's word): their stock line stands out.
    let few = RwSignal::new(Vec::<String>::new());
    // Those sold out since the build: a shopper may ask to hear when they are back.
    let sold_since = RwSignal::new(Vec::<crate::subscribe::SoldOutVariant>::new());
    let quantity = RwSignal::new(1u32);
    let (message, set_message) = signal(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let current = move || variants.with(|vs| vs.iter().find(|v| v.values == selected.get()).cloned());

    let (ready, set_ready) = signal(false);
    // Deep links: `?variant=SKU` picks that variant once the page is live.
    Effect::new(move |_| {
        set_ready.set(true);
        if let Some(sku) = query_param("variant") {
            match variants.with_untracked(|vs| vs.iter().find(|v| v.sku == sku).cloned()) {
                Some(v) if v.available => selected.set(v.values),
                // The link's variant sold out: said, beside what is shown instead.
                Some(v) => moved.set(Some(format!("{} is sold out: {} is shown.", v.values.join(" / "), selected.get_untracked().join(" / ")))),
                None => {}
            }
        }
    });
    // The page says what was in stock when it was built; the stock ledger knows what sold since.
    let asked = StoredValue::new(skus);
    Effect::new(move |_| {
        // The API answers about 100 SKUs at a time.
        let queries: Vec<String> = asked.with_value(|s| {
            s.chunks(100).map(|chunk| chunk.iter().map(|sku| format!("sku={}", crate::islands::encode(sku))).collect::<Vec<_>>().join("&")).collect()
        });
        if queries.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            let mut now = edgeshop_api::Availability::default();
            for query in queries {
                let Ok(Ok(part)) =
                    call("GET", &format!("/api/availability?{query}"), None, &[]).await.map(|r| r.parse::<edgeshop_api::Availability>())
                else {
                    return;
                };
                now.sold_out.extend(part.sold_out);
                now.few_left.extend(part.few_left);
            }
            if now.sold_out.is_empty() && now.few_left.is_empty() {
                return;
            }
            few.set(now.few_left.iter().map(|f| f.sku.clone()).collect());
            sold_since.set(variants.with_untracked(|vs| {
                vs.iter()
                    .filter(|v| now.sold_out.contains(&v.sku))
                    .map(|v| crate::subscribe::SoldOutVariant {
                        sku: v.sku.clone(),
                        label: if v.values.is_empty() { "This product".into() } else { v.values.join(" / ") },
                    })
                    .collect()
            }));
            variants.update(|vs| {
                for v in vs.iter_mut() {
                    if now.sold_out.contains(&v.sku) {
                        v.available = false;
                        v.stock = "Sold out".into();
                    } else if let Some(few) = now.few_left.iter().find(|f| f.sku == v.sku) {
                        v.stock = format!("Only {} left", few.left);
                    }
                }
            });
            // A sold-out choice moves to one that can still be bought, and says so.
            if !current().is_some_and(|v| v.available) {
                if let Some(v) = variants.with_untracked(|vs| vs.iter().find(|v| v.available).cloned()) {
                    let gone = selected.get_untracked().join(" / ");
                    if !gone.is_empty() {
                        moved.set(Some(format!("{gone} has sold out: {} is shown.", v.values.join(" / "))));
                    }
                    selected.set(v.values);
                }
            }
        });
    });

    let fieldsets = options
        .into_iter()
        .enumerate()
        .map(|(i, opt)| {
            let radios = opt
                .values
                .into_iter()
                .map(|value| {
                    let v1 = value.clone();
                    let v2 = value.clone();
                    let v3 = value.clone();
                    let v4 = value.clone();
                    let checked_at_first = initial.get(i) == Some(&value);
                    // Without JavaScript too: a value in stock in some combination stays open (the
                    // page cannot re-check as choices change; the worker refuses a sold-out one).
                    let enabled = Memo::new(move |_| variants.with(|vs| offered(vs, i, &v1)));
                    // In stock, but not with the other choices as they are: choosing it moves them.
                    let elsewhere =
                        Memo::new(move |_| ready.get() && enabled.get() && !variants.with(|vs| offered_with(vs, &selected.get(), i, &v4)));
                    view! {
                        <label class="chip" class:disabled=move || !enabled.get() class:elsewhere=move || elsewhere.get()>
                            <input type="radio" name=format!("option-{i}") value=value.clone() checked=checked_at_first
                                prop:checked=move || selected.get().get(i) == Some(&v2)
                                disabled=move || !enabled.get()
                                on:change=move |_| {
                                    let before = selected.get_untracked();
                                    let next = variants.with_untracked(|vs| choose(vs, &before, i, &v3));
                                    moved.set(moved_note(&before, &next, i));
                                    selected.set(next);
                                    if let Some(v) = current() {
                                        replace_query_param("variant", &v.sku);
                                    }
                                    set_message.set(None);
                                }/>
                            <span>{value}</span>
                        </label>
                    }
                })
                .collect_view();
            view! { <fieldset class="option"><legend>{opt.name}</legend>{radios}</fieldset> }
        })
        .collect_view();

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(v) = current() else { return };
        let qty = quantity.get_untracked();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let line = AddLine { sku: v.sku.clone(), quantity: qty };
            let reply = call("POST", "/api/cart/lines", Some(&body(&line)), &[]).await;
            busy.set(false);
            match answer::<Cart>(reply) {
                Ok(cart) => {
                    announce_cart_count(u64::from(cart.item_count));
                    crate::api::announce_added();
                    // "Added 2 × Alpine Tent (2-person)": the product, and the choice if any.
                    let what = title.with_value(|t| edgeshop_domain::line_name(t, &v.values.join(" / ")));
                    set_message.set(Some((true, format!("Added {qty} × {what} to your cart."))));
                }
                Err(problem) => set_message.set(Some((false, problem))),
            }
        });
    };

    view! {
        <form class="picker" method="post" action="/cart/add" on:submit=add data-testid="variant-picker" data-wake="query" data-ready=move || ready.get().to_string()>
            <input type="hidden" name="sku" value=initial_sku prop:value=move || current().map(|v| v.sku).unwrap_or_default()/>
            {all_skus}
            {fieldsets}
            <p class="notice" role="status" data-testid="variant-moved" hidden=move || moved.get().is_none()>{move || moved.get()}</p>
            <p class="price-lg">
                <span data-testid="variant-price">{move || current().map(|v| v.price).unwrap_or_default()}</span>
                {move || current().and_then(|v| v.compare_at).map(|c| view! { <s class="was">{c}</s> })}
            </p>
            <p class="meta">
                "SKU " <span class="sku" data-testid="variant-sku">{move || current().map(|v| v.sku).unwrap_or_default()}</span>
                " · " <span data-testid="variant-stock" class:few=move || current().is_some_and(|v| few.with(|f| f.contains(&v.sku)))>{move || current().map(|v| v.stock).unwrap_or_else(|| "Unavailable".into())}</span>
            </p>
            <div class="add">
                <label for="qty">"Quantity"</label>
                <input id="qty" name="quantity" type="number" min="1" max="99" inputmode="numeric" value="1"
                    prop:value=move || quantity.get().to_string()
                    on:input=move |ev| quantity.set(event_target_value(&ev).parse::<u32>().unwrap_or(1).clamp(1, 99))/>
                // Busy is aria-disabled, not disabled: disabling the focused button would drop
                // keyboard focus to the top of the page.
                <button type="submit" class="primary" aria-disabled=move || busy.get().to_string()
                    disabled=move || !current().is_some_and(|v| v.available)>"Add to cart"</button>
            </div>
            <crate::subscribe::SoldSince variants=Signal::from(sold_since)/>
            <p role="status" aria-live="polite" class=move || match message.get() { Some((true, _)) => "notice ok", Some((false, _)) => "notice error", None => "notice" }>
                {move || message.get().map(|(ok, m)| view! { {m} {ok.then(|| view! { " " <a href="/cart/">"View cart"</a> })} })}
            </p>
        </form>
    }
}

/// The cart link in the header. Its count is filled in by `public/islands.js` (from `/api/cart`
/// when the shopper has a cart) and follows the `edgeshop:cart` events the islands announce, so
/// a page shows it without waking its islands.
#[component]
pub fn CartCount() -> impl IntoView {
    view! {
        <a href="/cart/" class="cart-link" data-testid="cart-link">
            "Cart" <span class="count" data-testid="cart-count"></span>
        </a>
    }
}

fn money(m: &MoneyView) -> String {
    m.formatted.clone()
}

/// An RFC 3339 time as the shopper's browser writes dates, in their own time zone
/// ("6 Dec 2026, 14:05"); the time as stored where the browser cannot read it.
fn local_time(at: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsValue;
        let date = js_sys::Date::new(&JsValue::from_str(at));
        if !date.get_time().is_nan() {
            let options = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
            let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
            let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options).format();
            if let Some(text) = format.call1(&JsValue::NULL, &date).ok().and_then(|t| t.as_string()) {
                return text;
            }
        }
    }
    at.to_string()
}

/// A reply that should carry `T`: the value, or the message to show.
fn answer<T: serde::de::DeserializeOwned>(reply: Result<crate::api::ApiReply, String>) -> Result<T, String> {
    let r = reply?;
    if r.ok() {
        r.parse()
    } else {
        Err(r.message())
    }
}

/// The checkout form's fields, drawn by the app with the worker's slots in them: the worker fills
/// in what was typed and why it was refused when it renders `/checkout/` (a plain HTML form that
/// works without JavaScript; [`edgeshop_api::frames::checkout`]).
#[component]
pub fn CheckoutFields() -> impl IntoView {
    use edgeshop_api::frames::checkout::{error, id, invalid, value, FIELDS};
    let field = |&(name, label, kind, autocomplete, required): &(&'static str, &'static str, &'static str, &'static str, bool)| {
        let id = id(name);
        let err_id = format!("{id}-error");
        view! {
            <div class="field">
                <label for=id.clone()>{label}{(!required).then_some(" (optional)")}</label>
                <input id=id name=name type=kind autocomplete=autocomplete required=required value=value(name)
                    aria-invalid=invalid(name) aria-describedby=err_id.clone() data-label=label/>
                <p class="field-error" id=err_id>{error(name)}</p>
            </div>
        }
    };
    let (contact, address) = FIELDS.split_at(2);
    view! {
        <input type="hidden" name="idempotency_key" value=edgeshop_api::frames::checkout::KEY/>
        <input type="hidden" name="cart_digest" value=edgeshop_api::frames::checkout::CART_DIGEST/>
        <fieldset>
            <legend>"Contact"</legend>
            {contact.iter().map(field).collect_view()}
            <div class="sms-choice" inner_html=edgeshop_api::frames::checkout::SMS></div>
        </fieldset>
        <fieldset>
            <legend>"Shipping address"</legend>
            {address.iter().map(field).collect_view()}
            <div class="field">
                <label for="address-country">"Country"</label>
                <select id="address-country" name="address.country" autocomplete="country" aria-invalid=invalid("address.country")
                    aria-describedby="address-country-error" data-label="Country" inner_html=edgeshop_api::frames::checkout::COUNTRIES></select>
                <p class="field-error" id="address-country-error">{error("address.country")}</p>
            </div>
        </fieldset>
        <fieldset>
            <legend>"Payment"</legend>
            <div class="choices" inner_html=edgeshop_api::frames::checkout::PAYMENT></div>
        </fieldset>
        <div class="pay-total" inner_html=edgeshop_api::frames::checkout::TOTAL></div>
    }
}

/// Enhances the checkout form: sends it with `fetch` (a retry reuses its idempotency key, as
/// Stripe expects), shows refused fields in place and goes on to the order or the payment page.
/// Without the script the form posts to the worker, which answers the same way with pages.
#[island]
pub fn CheckoutForm(children: Children) -> impl IntoView {
    let message = RwSignal::new(None::<String>);
    // A refusal the cart must mend (stock): the message links back to it, as without script.
    let to_cart = RwSignal::new(false);
    let busy = RwSignal::new(false);
    // The key is reused only when the same form is sent again (a retry), as Stripe expects.
    let attempt = StoredValue::new((String::new(), None::<CheckoutRequest>));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let _ = &attempt;
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else { return };
            let Ok(data) = web_sys::FormData::new_with_form(&form) else { return };
            let request = CheckoutRequest {
                analytics_session: crate::api::analytics_session(),
                ..CheckoutRequest::from_form(|k| data.get(k).as_string().unwrap_or_default())
            };
            let key = attempt
                .with_value(|(k, b)| (b.as_ref() == Some(&request) && !k.is_empty()).then(|| k.clone()))
                .unwrap_or_else(crate::api::new_idempotency_key);
            attempt.set_value((key.clone(), Some(request.clone())));
            busy.set(true);
            message.set(None);
            leptos::task::spawn_local(async move {
                let reply = call("POST", "/api/checkout", Some(&body(&request)), &[("idempotency-key", &key)]).await;
                busy.set(false);
                match reply {
                    Ok(r) if r.ok() => match r.parse::<edgeshop_api::CheckoutResponse>() {
                        Ok(placed) => {
                            announce_cart_count(0);
                            crate::api::navigate(&placed.next_url);
                        }
                        Err(e) => message.set(Some(e)),
                    },
                    // The cart changed since the page was drawn: the worker draws it again with
                    // today's summary and what was typed (the form's own post, as without script).
                    Ok(r) if r.problem().kind.ends_with("/cart-changed") => {
                        let _ = form.submit();
                    }
                    Ok(r) => {
                        let problem = r.problem();
                        show_field_errors(&form, &problem.errors);
                        to_cart.set(problem.kind.ends_with("/out-of-stock"));
                        message.set(Some(r.message()));
                        // The keyboard goes to the first field to mend, which reads its reason.
                        if let Some(first) =
                            form.query_selector("[aria-invalid=true]").ok().flatten().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                        {
                            let _ = first.focus();
                        }
                    }
                    Err(e) => message.set(Some(e)),
                }
            });
        }
    };
    view! {
        <form class="checkout-form" method="post" action="/checkout/" on:submit=submit novalidate>
            {children()}
            <p role="alert" class="notice error" hidden=move || message.get().is_none()>{move || message.get()}
                {move || (to_cart.get() && message.get().is_some()).then(|| view! { " " <a href="/cart/">"Back to your cart"</a> })}</p>
            <button type="submit" class="primary" disabled=move || busy.get()>"Place order"</button>
        </form>
    }
}

/// Marks the refused fields (`aria-invalid`, the reason under each) and clears the others.
#[cfg(feature = "hydrate")]
fn show_field_errors(form: &web_sys::HtmlFormElement, errors: &[edgeshop_api::FieldError]) {
    use wasm_bindgen::JsCast;
    let Ok(inputs) = form.query_selector_all("[aria-describedby]") else { return };
    for i in 0..inputs.length() {
        let Some(input) = inputs.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else { continue };
        let name = input.get_attribute("name").unwrap_or_default();
        let label = input.get_attribute("data-label").unwrap_or_default();
        let refused = errors.iter().find(|e| e.field == name);
        let _ = input.set_attribute("aria-invalid", if refused.is_some() { "true" } else { "false" });
        let note = input.get_attribute("aria-describedby").and_then(|id: String| form.owner_document()?.get_element_by_id(&id));
        if let Some(note) = note {
            note.set_text_content(refused.map(|e| format!("{label} {}", e.message)).as_deref());
        }
    }
}

/// A refund's state as the shopper reads it.
fn refund_label(status: &str) -> &'static str {
    match status {
        "succeeded" => "refunded",
        "failed" => "failed: we will be in touch",
        _ => "on its way",
    }
}

/// What an order email was about, for the order page's list of messages.
fn message_label(template: &str) -> &'static str {
    match template {
        "order_confirmation" => "Order received",
        "payment_received" => "Payment received",
        "payment_failed" => "Payment failed",
        "payment_expired" => "Payment not completed",
        "order_cancelled" => "Order cancelled",
        "order_shipped" => "Order shipped",
        "order_delivered" => "Order delivered",
        "refund_issued" => "Refund",
        "return_requested" => "Return requested",
        "return_approved" => "Return accepted",
        "return_rejected" => "Return not accepted",
        "return_received" => "Return received",
        _ => "Message",
    }
}

/// A return's progress as the shopper reads it.
fn return_label(status: &str) -> &'static str {
    match status {
        "requested" => "Requested: we will tell you how to send the items back",
        "approved" => "Accepted: please send the items back",
        "received" => "Received: your refund is on its way",
        "rejected" => "Not accepted",
        _ => "In progress",
    }
}

/// The status as the API writes it (`awaiting_payment`), for tests and styles (a test below
/// checks it against the serialiser; `serde_json::Value` would cost the bundle a serialiser).
fn wire_name(s: Status) -> &'static str {
    match s {
        Status::AwaitingPayment => "awaiting_payment",
        Status::Confirmed => "confirmed",
        Status::Paid => "paid",
        Status::PaymentFailed => "payment_failed",
        Status::Packed => "packed",
        Status::Shipped => "shipped",
        Status::Delivered => "delivered",
        Status::Cancelled => "cancelled",
        Status::ReturnRequested => "return_requested",
        Status::Returned => "returned",
    }
}

#[island]
pub fn OrderStatus() -> impl IntoView {
    let order = RwSignal::new(None::<OrderView>);
    let error = RwSignal::new(None::<String>);
    let location = StoredValue::new((String::new(), String::new()));
    // Reads that failed on the way or on our side (not a refusal) in a row: tried again a few times.
    let passing_failures = RwSignal::new(0u32);
    let load = move || {
        let (n, t) = location.get_value();
        leptos::task::spawn_local(async move {
            let reply = call("GET", &format!("/api/orders/{n}?token={t}"), None, &[]).await;
            let passing = crate::api::failed_in_passing(&reply);
            match answer::<OrderView>(reply) {
                Ok(o) => {
                    // The live view takes the place of the worker's summary, in the same task (no
                    // moment with both on the page).
                    #[cfg(feature = "hydrate")]
                    if let Some(summary) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("order-summary")) {
                        summary.remove();
                    }
                    // The read's own earlier failure is over (an action's refusal stays shown).
                    if passing_failures.get_untracked() > 0 {
                        passing_failures.set(0);
                        error.set(None);
                    }
                    order.set(Some(o));
                }
                Err(e) => {
                    error.set(Some(e));
                    if passing {
                        passing_failures.update(|n| *n += 1);
                    }
                }
            }
        });
    };
    // A cancellation or a return is recorded through the order's queue: after asking, look again
    // until the status moves on (a minute at most; `None`: until it is cancelled), so the page does not sit on the old one.
    let awaited = StoredValue::new((None::<Status>, 0u32));
    // Back from the provider's success page (it names the session): for half a minute the page
    // says the payment is being confirmed instead of offering to pay (again).
    let confirming = RwSignal::new(false);
    // Back from the provider without paying: what happened there (see `edgeshop_api::unpaid_note`).
    let left = StoredValue::new(None::<&'static str>);
    Effect::new(move |_| {
        let (Some(n), Some(t)) = (query_param("number"), query_param("token")) else {
            error.set(Some("This link is missing the order number or its access token.".into()));
            return;
        };
        location.set_value((n, t));
        if query_param("payment").as_deref() == Some("declined") {
            left.set_value(Some("declined"));
        } else if query_param("cancelled").is_some() {
            left.set_value(Some("cancelled"));
        }
        if query_param("session_id").is_some() {
            confirming.set(true);
            set_timeout(move || confirming.set(false), std::time::Duration::from_secs(30));
        }
        // Back from the summary's own cancel form: look until the cancellation shows.
        if query_param("cancelling").is_some() {
            awaited.set_value((None, 30));
        }
        load();
    });
    // While the payment provider is still talking to us, or the first email is on its way, look
    // again every two seconds; after a failed payment too for a few minutes, since the shopper
    // may be back from paying again and that payment's news is on its way.
    let failed_looks = StoredValue::new(0u32);
    let await_change = move || {
        awaited.set_value((order.get_untracked().map(|o| o.status), 60));
        set_timeout(load, std::time::Duration::from_secs(1));
    };
    Effect::new(move |_| {
        let again = order.get().is_some_and(|o| {
            let retrying = o.status == Status::PaymentFailed && failed_looks.get_value() < 90;
            if retrying {
                failed_looks.update_value(|n| *n += 1);
            }
            let (from, looks) = awaited.get_value();
            let settling = looks > 0 && from.map_or(o.status != Status::Cancelled, |from| from == o.status);
            if settling {
                awaited.set_value((from, looks - 1));
            }
            o.status == Status::AwaitingPayment || o.notifications.is_empty() || retrying || settling
        });
        if again {
            set_timeout(load, std::time::Duration::from_secs(2));
        }
    });
    Effect::new(move |_| {
        if (1..=3).contains(&passing_failures.get()) {
            set_timeout(load, std::time::Duration::from_secs(2));
        }
    });
    let pay = move |_| {
        let (n, t) = location.get_value();
        leptos::task::spawn_local(async move {
            match answer::<PaymentStart>(call("POST", &format!("/api/orders/{n}/payment?token={t}"), None, &[]).await) {
                Ok(p) => crate::api::navigate(&p.next_url),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let cancel = move |_| {
        let (n, t) = location.get_value();
        leptos::task::spawn_local(async move {
            match call("POST", &format!("/api/orders/{n}/cancel?token={t}"), None, &[]).await {
                Ok(r) if r.ok() => await_change(),
                Ok(r) => error.set(Some(r.message())),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        // The order page shows nothing until the island has fetched the order: it wakes at once.
        <section class="order" data-testid="order" data-wake="now">
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            {move || order.get().map(|o| {
                let status = o.status;
                let tax_label = o.tax_label();
                let refunds: Vec<_> = o.payments.iter().filter(|m| m.kind == "refund").cloned().collect();
                let awaiting = matches!(status, Status::AwaitingPayment | Status::PaymentFailed);
                // Back from paying: the payment's news is on its way (not an earlier try's failure).
                let paying = o.payment_method == PaymentMethod::Online && awaiting && confirming.get();
                // What can still go back: units not refunded on their own nor returned already.
                let returnable: Vec<(String, String, u32)> = o.lines.iter().filter(|l| l.returnable() > 0)
                    .map(|l| (l.sku.clone(), edgeshop_domain::line_name(&l.title, &l.variant_title), l.returnable())).collect();
                view! {
                    <h1>"Order " <span data-testid="order-number">{o.number.to_string()}</span></h1>
                    {(!matches!(status, Status::Cancelled)).then(|| view! {
                        <p class="thanks" data-testid="order-thanks">"Thank you for your order. We email " <strong>{o.email.clone()}</strong> " at every step."</p>
                    })}
                    <p class="status">"Status: " <strong data-testid="order-status" data-status=wire_name(status)>{if paying { edgeshop_api::CONFIRMING_PAYMENT } else { status_label(status) }}</strong></p>
                    {paying.then(|| view! {
                        <p class="notice" role="status" data-testid="payment-confirming">"Thank you: we are confirming your payment. This page updates by itself."</p>
                    })}
                    <ul class="cart-lines">{o.lines.into_iter().map(|l| {
                        let settled = l.settled_note();
                        view! {
                            <li>{format!("{} × {}", l.quantity, edgeshop_domain::line_name(&l.title, &l.variant_title))}
                                {(!settled.is_empty()).then(|| view! { " " <small data-testid="line-settled">{format!("({settled})")}</small> })}
                                <span>{money(&l.line_total)}</span></li>
                        }
                    }).collect_view()}</ul>
                    <dl class="attrs">
                        <dt>"Subtotal"</dt><dd>{money(&o.subtotal)}</dd>
                        {o.discount.as_ref().map(|d| view! {
                            <dt>{format!("Discount ({})", d.code)}</dt><dd data-testid="order-discount">{format!("−{}", money(&d.amount))}</dd>
                        })}
                        <dt>"Shipping"</dt><dd>{shipping_label(o.shipping.minor, money(&o.shipping))}</dd>
                        <dt>{tax_label}</dt><dd>{money(&o.tax)}</dd>
                        <dt>"Total"</dt><dd data-testid="order-total"><strong>{money(&o.total)}</strong></dd>
                    </dl>
                    <h2>"Shipping to"</h2>
                    <address data-testid="order-address">{o.address.lines().into_iter().map(|l| view! { {l}<br/> }).collect_view()}</address>
                    {status.has_invoice().then(|| view! {
                        <p><a href=edgeshop_api::invoice_path(o.number, &location.get_value().1) data-testid="invoice-link">"Invoice"</a>" (to print or save as a PDF)"</p>
                    })}
                    <h2>"History"</h2>
                    <ol class="history">{o.history.into_iter().map(|h| view! {
                        <li>{status_label(h.status)} " · " <time datetime=h.at.clone()>{local_time(&h.at)}</time>
                            {h.tracking.map(|t| {
                                let url = t.url();
                                view! { " · " {t.carrier} " tracking " {url.map_or_else(
                                    || t.number.clone().into_any(),
                                    |url| view! { <a href=url rel="noopener" data-testid="tracking-link">{t.number.clone()}</a> }.into_any(),
                                )} }
                            })}</li>
                    }).collect_view()}</ol>
                    {(!o.notifications.is_empty()).then(|| view! {
                        <h2>"Emails we sent you"</h2>
                        <ul class="history" data-testid="order-messages">{o.notifications.into_iter().map(|m| {
                            let state = if m.sent_at.is_some() { "sent" } else if m.failed_at.is_some() { "could not be delivered" } else { "sending" };
                            let at = m.sent_at.clone().unwrap_or(m.created_at.clone());
                            view! { <li>{message_label(&m.template)} " · " {state} " · " <time datetime=at.clone()>{local_time(&at)}</time></li> }
                        }).collect_view()}</ul>
                    })}
                    {(o.payment_method == PaymentMethod::Online && awaiting && !confirming.get()).then(|| {
                        let failed = status == Status::PaymentFailed;
                        let note = edgeshop_api::unpaid_note(failed, left.get_value());
                        view! {
                            <p class="notice" data-testid="payment-pending">{note}</p>
                            <button type="button" class="primary" on:click=pay>{if failed { "Try paying again" } else { "Pay now" }}</button>
                        }
                    })}
                    {(!refunds.is_empty()).then(|| view! {
                        <h2>"Refunds"</h2>
                        <ul class="refunds" data-testid="refunds">{refunds.into_iter().map(|r| view! {
                            <li>{money(&r.amount)} " · " {refund_label(&r.status)}{r.reason.clone().map(|why| view! { " · " {why} })}</li>
                        }).collect_view()}</ul>
                    })}
                    {(!o.returns.is_empty()).then(|| view! {
                        <h2>"Returns"</h2>
                        <ul class="history" data-testid="returns">{o.returns.iter().map(|r| view! {
                            <li data-status=r.status.clone()>{return_label(&r.status)} " · " <time datetime=r.updated_at.clone()>{local_time(&r.updated_at)}</time></li>
                        }).collect_view()}</ul>
                    })}
                    {o.can_request_return.then(|| view! { <ReturnForm lines=returnable location=location await_change=await_change error=error/> })}
                    {(o.can_cancel && !paying).then(|| {
                        let paid = o.payments.iter().any(|m| m.kind == "payment" && m.status == "succeeded");
                        view! { <CancelOrder cancel=cancel paid=paid/> }
                    })}
                }
            })}
        </section>
    }
}

/// "Cancel order", asked once more before it is sent: one stray tap must not cancel an order.
#[component]
fn CancelOrder(cancel: impl Fn(leptos::ev::MouseEvent) + Copy + Send + Sync + 'static, paid: bool) -> impl IntoView {
    let money = if paid { "Cancel this order? What you paid is refunded in full." } else { "Cancel this order? Nothing has been charged." };
    let asking = RwSignal::new(false);
    view! {
        <div class="cancel-order" data-testid="cancel-order">
            {move || if asking.get() {
                view! {
                    <p role="alert">{money}</p>
                    <button type="button" class="danger" on:click=cancel>"Yes, cancel the order"</button>
                    " "
                    <button type="button" on:click=move |_| asking.set(false)>"Keep the order"</button>
                }.into_any()
            } else {
                view! { <button type="button" on:click=move |_| asking.set(true)>"Cancel order"</button> }.into_any()
            }}
        </div>
    }
}

/// "Send items back": which lines (all ticked at first), how many, and why.
#[component]
fn ReturnForm(
    lines: Vec<(String, String, u32)>,
    location: StoredValue<(String, String)>,
    await_change: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let chosen = RwSignal::new(lines.iter().map(|(sku, _, q)| (sku.clone(), *q)).collect::<Vec<(String, u32)>>());
    let reason = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (n, t) = location.get_value();
        let request = edgeshop_api::ReturnRequest {
            lines: chosen
                .get_untracked()
                .into_iter()
                .filter(|(_, q)| *q > 0)
                .map(|(sku, quantity)| edgeshop_api::ReturnItem { sku, quantity })
                .collect(),
            reason: reason.get_untracked(),
        };
        if request.lines.is_empty() {
            error.set(Some("Choose at least one item to send back.".into()));
            return;
        }
        leptos::task::spawn_local(async move {
            match call("POST", &format!("/api/orders/{n}/return?token={t}"), Some(&body(&request)), &[]).await {
                Ok(r) if r.ok() => await_change(),
                Ok(r) => error.set(Some(r.message())),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let rows = lines
        .into_iter()
        .enumerate()
        .map(|(i, (sku, label, ordered))| {
            let id = format!("return-qty-{i}");
            let sku_for_input = sku.clone();
            let value = move || chosen.get().iter().find(|(s, _)| *s == sku).map_or(0, |(_, q)| *q).to_string();
            let set = move |ev: leptos::ev::Event| {
                let q = event_target_value(&ev).parse::<u32>().unwrap_or(0).min(ordered);
                chosen.update(|c| {
                    if let Some(entry) = c.iter_mut().find(|(s, _)| *s == sku_for_input) {
                        entry.1 = q;
                    }
                });
            };
            view! {
                <li><label for=id.clone()>{label}</label>
                    <input id=id type="number" min="0" max=ordered.to_string() inputmode="numeric" prop:value=value on:input=set/></li>
            }
        })
        .collect_view();
    view! {
        <button type="button" on:click=move |_| open.set(true) hidden=move || open.get() data-testid="return-open">"Send items back"</button>
        <form class="return-form" on:submit=submit hidden=move || !open.get() data-testid="return-form">
            <h2>"Send items back"</h2>
            <p>"How many of each item are you returning?"</p>
            <ul class="cart-lines">{rows}</ul>
            <label for="return-reason">"Why are you sending them back? (optional)"</label>
            <textarea id="return-reason" maxlength="1000" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
            <button type="submit" class="primary">"Request the return"</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(sku: &str, values: &[&str], available: bool) -> PickerVariant {
        PickerVariant {
            sku: sku.into(),
            values: values.iter().map(|s| s.to_string()).collect(),
            price: String::new(),
            compare_at: None,
            stock: String::new(),
            available,
        }
    }

    #[test]
    fn status_wire_names_are_the_apis() {
        for s in [
            Status::AwaitingPayment,
            Status::Confirmed,
            Status::Paid,
            Status::PaymentFailed,
            Status::Packed,
            Status::Shipped,
            Status::Delivered,
            Status::Cancelled,
            Status::ReturnRequested,
            Status::Returned,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), wire_name(s));
        }
    }

    #[test]
    fn picker_offers_every_value_in_stock_and_moves_the_other_options_to_it_saying_so() {
        let vs = vec![v("A", &["S", "Red"], true), v("B", &["S", "Blue"], false), v("C", &["M", "Blue"], true)];
        let sel = vec!["S".to_string(), "Red".to_string()];
        assert!(offered(&vs, 1, "Red"));
        assert!(offered(&vs, 0, "M"));
        // Blue can be chosen: S/Blue is sold out, so the size moves to one that has Blue.
        assert!(offered(&vs, 1, "Blue"));
        assert_eq!(choose(&vs, &sel, 1, "Blue"), vec!["M", "Blue"]);
        assert_eq!(moved_note(&sel, &choose(&vs, &sel, 1, "Blue"), 1), Some("Blue is not available in S: M is chosen instead.".into()));
        assert!(!offered_with(&vs, &sel, 1, "Blue") && offered(&vs, 1, "Blue"));
        // Choosing M moves colour to one that exists with M.
        assert_eq!(choose(&vs, &sel, 0, "M"), vec!["M", "Blue"]);
        // A value no variant in stock has is not offered.
        let vs = vec![v("A", &["S", "Red"], true), v("B", &["S", "Blue"], false)];
        assert!(!offered(&vs, 1, "Blue"));
        // Of several, the one that keeps the most choices.
        let vs = vec![v("A", &["S", "Red", "Cotton"], true), v("B", &["M", "Blue", "Wool"], true), v("C", &["L", "Blue", "Cotton"], true)];
        let sel = vec!["S".to_string(), "Red".to_string(), "Cotton".to_string()];
        assert_eq!(choose(&vs, &sel, 1, "Blue"), vec!["L", "Blue", "Cotton"]);
    }
}
