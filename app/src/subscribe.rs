//! Sign-up islands: the newsletter form in the footer and "tell me when it is back" on product
//! pages with sold-out options. Both need no account; the worker rate-limits them and sends the
//! emails (double opt-in for the newsletter).

use crate::api::{body, call, hydrated};
use edgeshop_api::{NewsletterSignUp, StockAlertRequest};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The answer to show: (worked, message).
type Notice = Option<(bool, String)>;

fn notice_class(n: &Notice) -> &'static str {
    match n {
        Some((true, _)) => "notice ok",
        Some((false, _)) => "notice error",
        None => "notice",
    }
}

/// Posts `body` to `url` unless a post is under way, and shows the answer: `answer` words a
/// success or a status it knows, else the problem's own detail.
fn send(url: &'static str, body: String, busy: RwSignal<bool>, notice: RwSignal<Notice>, answer: fn(u16) -> Option<(bool, &'static str)>) {
    if busy.get_untracked() {
        return;
    }
    busy.set(true);
    leptos::task::spawn_local(async move {
        let reply = call("POST", url, Some(&body), &[]).await;
        busy.set(false);
        notice.set(Some(match reply {
            Ok(r) => match answer(r.status) {
                Some((ok, text)) => (ok, text.to_string()),
                None => (false, r.message()),
            },
            Err(e) => (false, e),
        }));
    });
}

/// Newsletter sign-up: an address and whether new products should be announced too.
#[island]
pub fn NewsletterSignup() -> impl IntoView {
    let email = RwSignal::new(String::new());
    // Marketing consent is never ticked for the shopper (and the static page agrees).
    let new_products = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<(bool, String)>);
    let ready = hydrated();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = body(&NewsletterSignUp { email: email.get_untracked(), new_products: new_products.get_untracked() });
        send("/api/newsletter", body, busy, notice, |status| {
            (200..300).contains(&status).then_some((true, "Almost done: check your inbox and confirm with the link we sent."))
        });
    };
    view! {
        // Without the script the form posts to the worker, which answers with a page.
        <form class="signup" method="post" action="/newsletter" on:submit=submit data-testid="newsletter" data-ready=move || ready.get().to_string()>
            <label for="newsletter-email">"Get our news by email"</label>
            <div class="signup-row">
                <input id="newsletter-email" name="email" type="email" autocomplete="email" required placeholder="you@example.com"
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                <button type="submit" aria-disabled=move || busy.get().to_string()>"Subscribe"</button>
            </div>
            <label class="check"><input type="checkbox" name="new_products" value="yes" prop:checked=move || new_products.get()
                on:change=move |ev| new_products.set(event_target_checked(&ev))/>" Also tell me about new products"</label>
            <p role="status" aria-live="polite" class=move || notice_class(&notice.get())>{move || notice.get().map(|(_, m)| m)}</p>
        </form>
    }
}

/// A sold-out variant a shopper can ask about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SoldOutVariant {
    pub sku: String,
    /// `Black / M`.
    pub label: String,
}

/// "Email me when it is back" for variants that sold out since the page was built (the variant
/// picker learns them from the stock ledger; those sold out at the build have [`BackInStock`]).
/// Not a form: it sits inside the picker's.
#[component]
pub fn SoldSince(variants: Signal<Vec<SoldOutVariant>>) -> impl IntoView {
    let sku = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<(bool, String)>);
    let notify = move |_| {
        let chosen = Some(sku.get_untracked()).filter(|s| !s.is_empty()).or_else(|| variants.with_untracked(|vs| vs.first().map(|v| v.sku.clone())));
        let Some(chosen) = chosen else { return };
        let body = body(&StockAlertRequest { sku: chosen, email: email.get_untracked() });
        send("/api/stock-alerts", body, busy, notice, |status| match status {
            200..=299 => Some((true, "Done: we will email you once when it is back.")),
            409 => Some((false, "Good news: it is back in stock now. Reload the page to buy it.")),
            _ => None,
        });
    };
    move || {
        let vs = variants.get();
        (!vs.is_empty()).then(|| {
            let names = vs.iter().map(|v| v.label.clone()).collect::<Vec<_>>().join(", ");
            let several = vs.len() > 1;
            view! {
                <div class="back-in-stock" data-testid="sold-since">
                    <p><strong>{format!("{names}: sold out.")}</strong>" We can email you when it is back."</p>
                    <div class="signup-row">
                        {several.then(|| view! {
                            <label class="visually-hidden" for="sold-since-sku">"Option"</label>
                            <select id="sold-since-sku" on:change=move |ev| sku.set(event_target_value(&ev))>
                                {vs.iter().map(|v| view! { <option value=v.sku.clone()>{v.label.clone()}</option> }).collect_view()}
                            </select>
                        })}
                        <label class="visually-hidden" for="sold-since-email">"Your email"</label>
                        <input id="sold-since-email" type="email" autocomplete="email" placeholder="you@example.com"
                            prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                        <button type="button" aria-disabled=move || busy.get().to_string() on:click=notify>"Notify me"</button>
                    </div>
                    <p role="status" aria-live="polite" class=move || notice_class(&notice.get())>{move || notice.get().map(|(_, m)| m)}</p>
                </div>
            }
        })
    }
}

/// "Email me when it is back" for the product's sold-out variants.
#[island]
pub fn BackInStock(variants: Vec<SoldOutVariant>) -> impl IntoView {
    let sku = RwSignal::new(variants.first().map(|v| v.sku.clone()).unwrap_or_default());
    let email = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<(bool, String)>);
    let single = variants.len() == 1;
    let heading = match variants.as_slice() {
        [only] if only.label == "Default" => "Sold out.".to_string(),
        [only] => format!("{} is sold out.", only.label),
        _ => "Some options are sold out.".to_string(),
    };
    let ready = hydrated();
    let options = variants.iter().map(|v| view! { <option value=v.sku.clone()>{v.label.clone()}</option> }).collect_view();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = body(&StockAlertRequest { sku: sku.get_untracked(), email: email.get_untracked() });
        send("/api/stock-alerts", body, busy, notice, |status| match status {
            200..=299 => Some((true, "Done: we will email you once when it is back.")),
            409 => Some((false, "Good news: it is back in stock now. Reload the page to buy it.")),
            _ => None,
        });
    };
    view! {
        <form class="back-in-stock" on:submit=submit data-testid="back-in-stock" data-ready=move || ready.get().to_string()>
            <p><strong>{heading}</strong>{if single { " We can email you when it is back." } else { " We can email you when the one you want is back." }}</p>
            <div class="signup-row">
                {(!single).then(|| view! {
                    <label class="visually-hidden" for="bis-sku">"Option"</label>
                    <select id="bis-sku" on:change=move |ev| sku.set(event_target_value(&ev))>{options}</select>
                })}
                <label class="visually-hidden" for="bis-email">"Your email"</label>
                <input id="bis-email" type="email" autocomplete="email" required placeholder="you@example.com"
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                <button type="submit" aria-disabled=move || busy.get().to_string()>"Notify me"</button>
            </div>
            <p role="status" aria-live="polite" class=move || notice_class(&notice.get())>{move || notice.get().map(|(_, m)| m)}</p>
        </form>
    }
}
