//! Packing: the day's orders to pack in one place. What to take off the shelves (one row a SKU,
//! for all of them), every packing slip to print at once (one a page), and "mark these packed";
//! an order unticked is left out of all three (packed another day, or by hand).

use crate::client::{self, hydrated, when};
use edgeshop_api::admin::{PackedAnswer, PackedRequest, PackingList, PackingSlip, Pick};
use leptos::prelude::*;
use std::collections::BTreeSet;

#[island]
pub fn Packing(shop_name: String) -> impl IntoView {
    let list = RwSignal::new(None::<PackingList>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Orders unticked: not picked, printed or marked packed this time.
    let left_out = RwSignal::new(BTreeSet::<u64>::new());
    let ready = hydrated();
    let load = move || {
        leptos::task::spawn_local(async move {
            match client::get::<PackingList>("/api/admin/packing").await {
                Ok(l) => list.set(Some(l)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| load());
    let mark_packed = move |_| {
        let skip = left_out.get_untracked();
        let chosen = |l: &PackingList| l.slips.iter().map(|s| s.number).filter(|n| !skip.contains(n)).collect::<Vec<_>>();
        let Some(numbers) = list.with_untracked(|l| l.as_ref().map(chosen)) else { return };
        if numbers.is_empty() || !client::confirm(&format!("Mark these {} orders as packed?", numbers.len())) {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            // A part at a time, as the API takes them; what each did, added up.
            let mut answer: Result<PackedAnswer, String> = Ok(PackedAnswer { accepted: vec![], refused: vec![] });
            for part in numbers.chunks(edgeshop_api::admin::PACKED_AT_ONCE) {
                let done = match client::post("/api/admin/packing/packed", &PackedRequest { numbers: part.to_vec() }).await {
                    Ok(r) => r.parse::<PackedAnswer>(),
                    Err(e) => Err(e),
                };
                match (&mut answer, done) {
                    (Ok(all), Ok(d)) => {
                        all.accepted.extend(d.accepted);
                        all.refused.extend(d.refused);
                    }
                    (_, Err(e)) => {
                        answer = Err(e);
                        break;
                    }
                    (Err(_), _) => break,
                }
            }
            busy.set(false);
            match answer {
                Ok(a) => {
                    notice.set(Some(format!("{} marked as packed.", edgeshop_domain::count_of(a.accepted.len() as u64, "order"))));
                    error.set(
                        (!a.refused.is_empty())
                            .then(|| a.refused.iter().map(|r| format!("Order {}: {}", r.number, r.detail)).collect::<Vec<_>>().join("; ")),
                    );
                    // The queue applies them in a moment: the list then leaves them out.
                    client::sleep(1500).await;
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="admin-packing" data-testid="packing" data-ready=move || ready.get().to_string() aria-busy=move || busy.get().to_string()>
            <h1>"Packing"</h1>
            {move || notice.get().map(|n| view! { <p class="notice ok no-print" role="status">{n}</p> })}
            {move || error.get().map(|e| view! { <p class="notice error no-print" role="alert">{e}</p> })}
            {move || list.get().map(|l| {
                let shown = l.slips.len();
                let more = (l.total as usize).saturating_sub(shown);
                let shop = shop_name.clone();
                let slips = StoredValue::new(l.slips.clone());
                let chosen = move || slips.with_value(|all| all.iter().filter(|s| !left_out.with(|o| o.contains(&s.number))).cloned().collect::<Vec<_>>());
                view! {
                    <p class="count" data-testid="packing-count">{if shown == 0 {
                        "Nothing to pack: every order paid or confirmed has left.".to_string()
                    } else if more > 0 {
                        format!("The {shown} oldest of {} orders to pack.", l.total)
                    } else {
                        format!("{} to pack, oldest first.", edgeshop_domain::count_of(shown as u64, "order"))
                    }}</p>
                    {(shown > 0).then(|| view! {
                        <div class="action-row no-print">
                            <button type="button" on:click=move |_| print_page()>"Print pick list and slips"</button>
                            <button type="button" class="primary" data-testid="mark-packed" on:click=mark_packed disabled=move || chosen().is_empty()>
                                {move || format!("Mark these {} as packed", chosen().len())}</button>
                        </div>
                        <h2>"Pick list"</h2>
                        <div class="table-wrap" tabindex="0" role="region" aria-label="Pick list"><table class="data" data-testid="pick-list">
                            <caption class="visually-hidden">"What to take off the shelves"</caption>
                            <thead><tr><th scope="col">"Item"</th><th scope="col">"SKU"</th><th scope="col" class="num">"Units"</th><th scope="col" class="num">"Orders"</th></tr></thead>
                            <tbody>{move || Pick::gather(&chosen()).into_iter().map(|p| view! {
                                <tr><td>{p.name}</td><td><code>{p.sku}</code></td><td class="num">{p.units}</td><td class="num">{p.orders}</td></tr>
                            }).collect_view()}</tbody>
                        </table></div>
                        <h2 class="no-print">"Packing slips"</h2>
                        <p class="hint no-print">"Untick an order to leave it out of the pick list, the printout and \"mark packed\"."</p>
                        <div data-testid="slips">{l.slips.into_iter().map(|s| view! { <Slip slip=s shop=shop.clone() left_out=left_out/> }).collect_view()}</div>
                    })}
                }
            })}
        </section>
    }
}

/// One order's packing slip: printed on a page of its own, unless unticked.
#[component]
fn Slip(slip: PackingSlip, shop: String, left_out: RwSignal<BTreeSet<u64>>) -> impl IntoView {
    let a = slip.address;
    let lines = a.lines();
    let n = slip.number;
    let out = move || left_out.with(|o| o.contains(&n));
    let id = format!("pack-{n}");
    view! {
        <article class="slip" class:left-out=out data-testid="slip" data-number=n.to_string()>
            <p class="no-print"><input type="checkbox" id=id.clone() data-testid="slip-chosen" prop:checked=move || !out()
                on:change=move |ev| { let on = event_target_checked(&ev); left_out.update(|o| { if on { o.remove(&n); } else { o.insert(n); } }); }/>
                <label for=id>{format!(" Pack order {n} now")}</label></p>
            <header><strong>{shop}</strong>" · packing slip"</header>
            <h3><a href=format!("/admin/order/?n={}", slip.number)>{format!("Order {}", slip.number)}</a>" · " <time>{when(&slip.created_at)}</time></h3>
            <p>"Ship to:"<br/>{lines.into_iter().map(|l| view! { {l}<br/> }).collect_view()}{(!slip.phone.is_empty()).then(|| slip.phone.clone())}</p>
            <table class="data">
                <thead><tr><th scope="col" class="num">"To pack"</th><th scope="col">"Item"</th><th scope="col">"SKU"</th></tr></thead>
                <tbody>{slip.lines.into_iter().map(|l| view! {
                    <tr><td class="num">{l.units}</td><td>{l.name}</td><td><code>{l.sku}</code></td></tr>
                }).collect_view()}</tbody>
            </table>
            <p>{match slip.collect {
                Some(amount) => format!("Cash on delivery: the courier collects {amount}."),
                None => "Paid online: nothing to collect.".to_string(),
            }}</p>
        </article>
    }
}

fn print_page() {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}
