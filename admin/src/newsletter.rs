//! Newsletters: who would get one (confirmed subscribers), the letter as it will read, sending it
//! (owners; once per letter and day, the worker sees to that), and the new products' digest.

use crate::client::{self, hydrated};
use edgeshop_api::admin::{Digest, NewsletterAudience, NewsletterRequest};
use edgeshop_api::Acknowledged;
use leptos::prelude::*;

#[island]
pub fn Newsletter() -> impl IntoView {
    let audience = RwSignal::new(None::<NewsletterAudience>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let subject = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let ready = hydrated();
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            match client::get::<NewsletterAudience>("/api/admin/newsletter").await {
                Ok(a) => audience.set(Some(a)),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let confirmed = move || audience.get().map_or(0, |a| a.confirmed);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let n = confirmed();
        if n == 0 {
            return error.set(Some("Nobody has confirmed a subscription yet: there is no one to send it to.".into()));
        }
        let who = if n == 1 { "1 subscriber".to_string() } else { format!("{n} subscribers") };
        if !client::confirm(&format!("Send “{}” to {who}?", subject.get_untracked().trim())) {
            return;
        }
        let body = NewsletterRequest { subject: subject.get_untracked(), text: text.get_untracked() };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match client::post("/api/admin/newsletter", &body).await.and_then(|r| r.parse::<Acknowledged>()) {
                Ok(_) => {
                    error.set(None);
                    notice.set(Some(format!("Sending to {who}. The same letter sent again today goes out once.")));
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let digest = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match client::request("POST", "/api/admin/new-products-digest", None).await.and_then(|r| r.parse::<Digest>()) {
                Ok(d) => {
                    error.set(None);
                    notice.set(Some(match d {
                        Digest::BaselineRecorded { products, .. } => {
                            format!("The catalog's {products} products are now known; the next digest announces products added after them.")
                        }
                        Digest::NothingNew { .. } => "No product is new since the last digest: nothing was sent.".into(),
                        Digest::Sending { products, .. } => {
                            format!("Announcing {} new products to the subscribers who asked for them.", products.len())
                        }
                    }));
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let owner = client::owner_signal();
    let staff = move || owner.get() == Some(false);
    view! {
        <section class="admin-newsletter" data-testid="newsletter" data-ready=move || ready.get().to_string() aria-busy=move || busy.get().to_string()>
            <h1>"Newsletter"</h1>
            {move || staff().then(|| view! { <p class="notice" data-testid="owners-only">"Newsletters are sent by the shop's owners: ask one of them."</p> })}
            <p data-testid="audience">{move || audience.get().map(|a| format!(
                "{} confirmed subscriber{} would get it ({} waiting to confirm, {} unsubscribed). Every letter ends with a one-click unsubscribe link.",
                a.confirmed, if a.confirmed == 1 { "" } else { "s" }, a.pending, a.unsubscribed
            ))}</p>
            {move || notice.get().map(|n| view! { <p class="notice ok" role="status">{n}</p> })}
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            <form class="stacked-form" on:submit=send data-testid="newsletter-form" hidden=staff>
                <div><label for="newsletter-subject">"Subject"</label>
                    <input id="newsletter-subject" required maxlength="200" autocomplete="off"
                        prop:value=move || subject.get() on:input=move |ev| subject.set(event_target_value(&ev))/></div>
                <div><label for="newsletter-text">"Letter (plain text; an empty line starts a paragraph)"</label>
                    <textarea id="newsletter-text" required rows="10"
                        prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea></div>
                <h2>"As it will read"</h2>
                <div class="letter-preview" data-testid="newsletter-preview">
                    <p><strong>{move || subject.get()}</strong></p>
                    {move || text.get().split("\n\n").filter(|p| !p.trim().is_empty()).map(|p| view! { <p>{p.trim().to_string()}</p> }).collect_view()}
                </div>
                <button type="submit" class="primary">{move || match confirmed() {
                    1 => "Send to 1 subscriber".to_string(),
                    n => format!("Send to {n} subscribers"),
                }}</button>
            </form>
            <div hidden=staff>
                <h2>"New products"</h2>
                <p class="hint">"Subscribers who ticked “new products” hear about the products added to the catalog since the last digest."</p>
                <button type="button" on:click=digest data-testid="digest">"Announce new products"</button>
            </div>
        </section>
    }
}
