//! Discount codes: every code with its uses and what it took off; make a code; end one or let it
//! work again; change its last day, cap on uses or minimum (owners; the worker refuses others).

use crate::client::{self, encode, hydrated, money, when};
use edgeshop_api::admin::{DiscountChange, DiscountList, DiscountRow};
use edgeshop_domain::{Currency, DiscountCode, DiscountKind, Money};
use leptos::prelude::*;

/// The form's fields as typed: the code to send, or what is wrong with them.
struct Typed {
    code: String,
    kind: String,
    value: String,
    minimum: String,
    starts_on: String,
    ends_on: String,
    max_uses: String,
    once_per_customer: bool,
}

impl Typed {
    fn code(&self, currency: &str) -> Result<DiscountCode, String> {
        let currency = Currency::parse(currency).map_err(|e| e.to_string())?;
        let amount = |text: &str, what: &str| {
            Money::parse_decimal(text, currency).map(|m| m.minor).ok_or_else(|| format!("{what}: type an amount such as 10 or 9.50"))
        };
        let kind = if self.kind == "amount" { DiscountKind::Amount } else { DiscountKind::Percent };
        let value = match kind {
            DiscountKind::Percent => self.value.trim().parse::<i64>().map_err(|_| "Percent off: a whole number from 1 to 100".to_string())?,
            DiscountKind::Amount => amount(&self.value, "Amount off")?,
        };
        let minimum = if self.minimum.trim().is_empty() { 0 } else { amount(&self.minimum, "Minimum")? };
        let max_uses = match self.max_uses.trim() {
            "" => None,
            n => Some(n.parse::<u32>().map_err(|_| "Uses in all: a whole number, or nothing for no cap".to_string())?),
        };
        let day = |d: &str| Some(d.trim().to_string()).filter(|d| !d.is_empty());
        Ok(DiscountCode {
            code: self.code.trim().to_string(),
            kind,
            value,
            min_subtotal_minor: minimum,
            starts_on: day(&self.starts_on),
            ends_on: day(&self.ends_on),
            max_uses,
            once_per_customer: self.once_per_customer,
            active: true,
        })
    }
}

fn days(row: &DiscountRow) -> String {
    match (&row.code.starts_on, &row.code.ends_on) {
        (None, None) => "Any day".into(),
        (Some(from), None) => format!("From {from}"),
        (None, Some(to)) => format!("Until {to}"),
        (Some(from), Some(to)) => format!("{from} to {to}"),
    }
}

#[island]
pub fn Discounts(locale: String, currency: String) -> impl IntoView {
    let list = RwSignal::new(None::<DiscountList>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let field = || RwSignal::new(String::new());
    let (code, value, minimum, starts_on, ends_on, max_uses) = (field(), field(), field(), field(), field(), field());
    let kind = RwSignal::new("percent".to_string());
    let once = RwSignal::new(false);
    let ready = hydrated();
    let load = move || {
        leptos::task::spawn_local(async move {
            match client::get::<DiscountList>("/api/admin/discounts").await {
                Ok(l) => list.set(Some(l)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| load());
    let form_currency = currency.clone();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = Typed {
            code: code.get_untracked(),
            kind: kind.get_untracked(),
            value: value.get_untracked(),
            minimum: minimum.get_untracked(),
            starts_on: starts_on.get_untracked(),
            ends_on: ends_on.get_untracked(),
            max_uses: max_uses.get_untracked(),
            once_per_customer: once.get_untracked(),
        };
        let body = match typed.code(&form_currency) {
            Ok(body) => body,
            Err(e) => return error.set(Some(e)),
        };
        leptos::task::spawn_local(async move {
            match client::post("/api/admin/discounts", &body).await.and_then(|r| r.parse::<DiscountRow>()) {
                Ok(row) => {
                    error.set(None);
                    notice.set(Some(format!("{} made: {}.", row.code.code, row.offer)));
                    for f in [code, value, minimum, starts_on, ends_on, max_uses] {
                        f.set(String::new());
                    }
                    once.set(false);
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let switch = move |name: String, active: bool| {
        if !active && !client::confirm(&format!("End {name}? It stops working at once, also on carts that have it.")) {
            return;
        }
        leptos::task::spawn_local(async move {
            let body = serde_json::to_string(&DiscountChange { active: Some(active), ..DiscountChange::default() }).ok();
            match client::request("PATCH", &format!("/api/admin/discounts/{}", encode(&name)), body).await {
                Ok(_) => {
                    notice.set(Some(format!("{name} {}.", if active { "works again" } else { "ended" })));
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // A code's last day, cap and minimum, changed while it runs (what it takes off stays).
    let change_currency = StoredValue::new(currency.clone());
    let change = move |name: String, ends_on: String, cap: String, minimum: String| {
        let parsed = (|| {
            let currency = Currency::parse(&change_currency.get_value()).map_err(|e| e.to_string())?;
            let max_uses = match cap.trim() {
                "" => 0,
                n => n.parse::<u32>().map_err(|_| "Uses in all: a whole number, or nothing for no cap".to_string())?,
            };
            let minimum = match minimum.trim() {
                "" => 0,
                m => Money::parse_decimal(m, currency).map(|m| m.minor).ok_or("Minimum: type an amount such as 10 or 9.50")?,
            };
            Ok::<_, String>(DiscountChange { ends_on: Some(ends_on), max_uses: Some(max_uses), min_subtotal_minor: Some(minimum), active: None })
        })();
        let change = match parsed {
            Ok(c) => c,
            Err(e) => return error.set(Some(e)),
        };
        leptos::task::spawn_local(async move {
            let body = serde_json::to_string(&change).ok();
            match client::request("PATCH", &format!("/api/admin/discounts/{}", encode(&name)), body).await.and_then(|r| r.parse::<DiscountRow>()) {
                Ok(row) => {
                    error.set(None);
                    notice.set(Some(format!(
                        "{name} changed: {}, {}.",
                        days(&row),
                        row.code.max_uses.map_or("no cap".to_string(), |m| format!("{m} uses in all"))
                    )));
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let label_currency = currency.clone();
    let amount_label = move || if kind.get() == "amount" { format!("Amount off ({label_currency})") } else { "Percent off".to_string() };
    let owner = client::owner_signal();
    let staff = move || owner.get() == Some(false);
    view! {
        <section class="admin-discounts" data-testid="discounts" data-ready=move || ready.get().to_string() data-staff=move || staff().to_string()>
            <h1>"Discount codes"</h1>
            {move || staff().then(|| view! { <p class="notice" data-testid="owners-only">"Codes are made and changed by the shop's owners; here is what they made."</p> })}
            <p class="hint">"Shoppers type a code in their cart. It comes off the goods, before shipping and tax; an order that is cancelled gives its use back."</p>
            {move || notice.get().map(|n| view! { <p class="notice ok" role="status">{n}</p> })}
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            <form class="inline-form" on:submit=create data-testid="discount-form" hidden=staff>
                <div><label for="discount-code">"Code"</label><input id="discount-code" required maxlength="32" autocomplete="off" spellcheck="false"
                    prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/></div>
                <div><label for="discount-kind">"Kind"</label><select id="discount-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="percent">"Percent off"</option><option value="amount">"Amount off"</option></select></div>
                <div><label for="discount-value">{amount_label}</label><input id="discount-value" required inputmode="decimal" size="8"
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/></div>
                <div><label for="discount-minimum">"Minimum order (goods)"</label><input id="discount-minimum" inputmode="decimal" size="8"
                    prop:value=move || minimum.get() on:input=move |ev| minimum.set(event_target_value(&ev))/></div>
                <div><label for="discount-from">"First day"</label><input id="discount-from" type="date"
                    prop:value=move || starts_on.get() on:input=move |ev| starts_on.set(event_target_value(&ev))/></div>
                <div><label for="discount-to">"Last day"</label><input id="discount-to" type="date"
                    prop:value=move || ends_on.get() on:input=move |ev| ends_on.set(event_target_value(&ev))/></div>
                <div><label for="discount-uses">"Uses in all"</label><input id="discount-uses" inputmode="numeric" size="6" placeholder="no cap"
                    prop:value=move || max_uses.get() on:input=move |ev| max_uses.set(event_target_value(&ev))/></div>
                <label class="check"><input type="checkbox" prop:checked=move || once.get() on:change=move |ev| once.set(event_target_checked(&ev))/>
                    " Once per customer"</label>
                <button type="submit" class="primary">"Make the code"</button>
            </form>
            {move || list.get().map(|l| {
                let (locale, currency) = (locale.clone(), currency.clone());
                if l.discounts.is_empty() {
                    return view! { <p data-testid="no-discounts">"No discount codes yet."</p> }.into_any();
                }
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Discount codes"><table class="data" data-testid="discount-table">
                        <caption class="visually-hidden">"Discount codes, newest first"</caption>
                        <thead><tr><th scope="col">"Code"</th><th scope="col">"Offer"</th><th scope="col">"Days"</th><th scope="col" class="num">"Uses"</th>
                            <th scope="col" class="num">"Taken off"</th><th scope="col">"Status"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                        <tbody>{l.discounts.into_iter().map(|row| {
                            let name = row.code.code.clone();
                            let active = row.code.active;
                            let uses = match row.code.max_uses { Some(max) => format!("{} of {max}", row.uses), None => row.uses.to_string() };
                            let offer = if row.code.once_per_customer { format!("{}, once per customer", row.offer) } else { row.offer.clone() };
                            let (attr, shown) = (name.clone(), name.clone());
                            let money_now = Currency::parse(&currency).ok().map(|c| Money::new(row.code.min_subtotal_minor, c).decimal()).filter(|_| row.code.min_subtotal_minor > 0);
                            let (end, cap, min) = (
                                RwSignal::new(row.code.ends_on.clone().unwrap_or_default()),
                                RwSignal::new(row.code.max_uses.map(|m| m.to_string()).unwrap_or_default()),
                                RwSignal::new(money_now.unwrap_or_default()),
                            );
                            let changed = name.clone();
                            let submit = move |ev: leptos::ev::SubmitEvent| {
                                ev.prevent_default();
                                change(changed.clone(), end.get_untracked(), cap.get_untracked(), min.get_untracked());
                            };
                            let edit = view! {
                                <details class="edit-code" hidden=staff><summary>"Change"</summary>
                                    <form class="inline-form" on:submit=submit data-testid="discount-change">
                                        <div><label>"Last day"<input type="date" prop:value=move || end.get() on:input=move |ev| end.set(event_target_value(&ev))/></label></div>
                                        <div><label>"Uses in all"<input inputmode="numeric" size="6" placeholder="no cap" prop:value=move || cap.get() on:input=move |ev| cap.set(event_target_value(&ev))/></label></div>
                                        <div><label>"Minimum order"<input inputmode="decimal" size="8" prop:value=move || min.get() on:input=move |ev| min.set(event_target_value(&ev))/></label></div>
                                        <button type="submit">"Save"</button>
                                    </form>
                                </details>
                            };
                            view! { <tr data-code=attr><td><code>{shown}</code><br/><small>{format!("by {} · {}", row.created_by, when(&row.created_at))}</small></td>
                                <td>{offer}</td><td>{days(&row)}</td><td class="num">{uses}</td>
                                <td class="num">{money(row.discounted_minor, &currency, &locale)}</td>
                                <td>{if active { "Active" } else { "Ended" }}</td>
                                <td><button type="button" hidden=staff on:click=move |_| switch(name.clone(), !active)>{if active { "End" } else { "Let it work again" }}</button>{edit}</td></tr> }
                        }).collect_view()}</tbody>
                    </table></div>
                }.into_any()
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(kind: &str, value: &str) -> Typed {
        Typed {
            code: " spring ".into(),
            kind: kind.into(),
            value: value.into(),
            minimum: "50".into(),
            starts_on: "".into(),
            ends_on: "2026-12-31".into(),
            max_uses: "".into(),
            once_per_customer: true,
        }
    }

    #[test]
    fn the_form_sends_amounts_in_minor_units_and_leaves_empty_fields_out() {
        let c = typed("amount", "9.50").code("EUR").unwrap();
        assert_eq!((c.kind, c.value, c.min_subtotal_minor, c.max_uses), (DiscountKind::Amount, 950, 5000, None));
        assert_eq!((c.starts_on, c.ends_on.as_deref(), c.code.as_str()), (None, Some("2026-12-31"), "spring"));
        assert_eq!(typed("percent", "15").code("EUR").unwrap().value, 15);
        assert!(typed("percent", "12.5").code("EUR").is_err());
        assert!(typed("amount", "ten").code("EUR").is_err());
    }
}
