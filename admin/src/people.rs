//! People: customers (from their orders: export their data, erase it) and staff (owners invite
//! and remove members), with the audit log of every admin action.

use crate::client::{self, encode, hydrated, label, money, when};
use edgeshop_api::admin::{AuditLog, CustomerDetail, CustomerPage, Invite, Role, StaffList};
use edgeshop_domain::OrderStatus;
use leptos::prelude::*;

#[island]
pub fn Customers(locale: String, currency: String) -> impl IntoView {
    // Erasure is the owners' (staff would be refused).
    let owner = client::owner_signal();
    let q = RwSignal::new(String::new());
    let page = RwSignal::new(None::<CustomerPage>);
    // The page of the list asked for (50 customers a page).
    let at = RwSignal::new(1u32);
    let detail = RwSignal::new(None::<CustomerDetail>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let ready = hydrated();
    let last = client::LastLoad::new();
    let load = move || {
        let url = format!("/api/admin/customers?q={}&page={}", encode(&q.get_untracked()), at.get_untracked());
        let ticket = last.start();
        leptos::task::spawn_local(async move {
            let answer = client::get::<CustomerPage>(&url).await;
            if !last.is_last(ticket) {
                return;
            }
            match answer {
                Ok(p) => page.set(Some(p)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| load());
    let open = move |email: String| {
        leptos::task::spawn_local(async move {
            match client::get::<CustomerDetail>(&format!("/api/admin/customers/{}", encode(&email))).await {
                Ok(d) => detail.set(Some(d)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // `open`: their orders not finished, which the erasure cancels (the shop refuses one that
    // has left the warehouse, and says so).
    let erase = move |email: String, open: Vec<String>| {
        let question = if open.is_empty() {
            format!("Erase the personal data of {email}? Their orders stay for the books, without name, address or email.")
        } else {
            format!(
                "Erase the personal data of {email}? Their orders not finished ({}) are cancelled first, and what was paid for them is refunded; \
                 their orders stay for the books, without name, address or email.",
                open.join(", ")
            )
        };
        if !client::confirm(&question) {
            return;
        }
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({ "email": email, "cancel_open_orders": !open.is_empty() });
            match client::post("/api/admin/customers/erase", &body).await {
                Ok(_) => {
                    detail.set(None);
                    notice.set(Some("Erased: the orders are kept without personal data.".into()));
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let (locale, currency) = (StoredValue::new(locale), StoredValue::new(currency));
    view! {
        <section class="admin-customers" data-testid="customers" data-ready=move || ready.get().to_string()>
            <h1>"Customers"</h1>
            <form class="filters" role="search" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); at.set(1); load(); }>
                <div><label for="customer-q">"Email or name"</label>
                    <input id="customer-q" type="search" prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev))/></div>
                <div class="filter-actions"><button type="submit" class="primary">"Find"</button></div>
            </form>
            {move || notice.get().map(|n| view! { <p class="notice ok" role="status">{n}</p> })}
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            {move || detail.get().map(|d| {
                let email = d.customer.email.clone();
                let erase_email = email.clone();
                let open: Vec<String> = d
                    .orders
                    .iter()
                    .filter(|o| !matches!(o.status, OrderStatus::Delivered | OrderStatus::Cancelled | OrderStatus::Returned))
                    .map(|o| format!("#{}", o.number))
                    .collect();
                view! {
                    <article class="customer" data-testid="customer-detail">
                        <h2>{d.customer.name.clone()} " · " {email.clone()}</h2>
                        <p>{format!("{} order(s) since {}", d.customer.orders, when(&d.customer.first_order_at))}</p>
                        <ul class="plain">{d.orders.iter().map(|o| view! {
                            <li><a href=format!("/admin/order/?n={}", o.number)>{format!("#{}", o.number)}</a> " · " {label(&serde_json::to_value(o.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default())}
                                " · " {o.totals.total.format(&locale.get_value())}</li>
                        }).collect_view()}</ul>
                        <div class="action-row">
                            <a class="button" hidden=move || owner.get() != Some(true) href=format!("/api/admin/customers/{}?export=1", encode(&email)) download=format!("customer-{}.json", email.replace('@', "-at-"))>"Export their data (JSON)"</a>
                            <button type="button" class="danger" hidden=move || owner.get() == Some(false) on:click=move |_| erase(erase_email.clone(), open.clone())>"Erase personal data"</button>
                        </div>
                    </article>
                }
            })}
            {move || page.get().map(|p| view! {
                <p class="count">{edgeshop_domain::count_of(p.total, "customer")}</p>
                <div class="table-wrap" tabindex="0" role="region" aria-label="Customers"><table class="data">
                    <caption class="visually-hidden">"Customers"</caption>
                    <thead><tr><th scope="col">"Customer"</th><th scope="col" class="num">"Orders"</th><th scope="col" class="num">"Spent"</th><th scope="col">"Last order"</th></tr></thead>
                    <tbody>{p.customers.into_iter().map(|c| {
                        let email = c.email.clone();
                        view! {
                            <tr data-testid="customer-row">
                                <td><button type="button" class="link" on:click=move |_| open(email.clone())>{c.name.clone()}</button><br/><small>{c.email.clone()}</small></td>
                                <td class="num">{c.orders.to_string()}</td>
                                <td class="num">{money(c.total_spent_minor, &currency.get_value(), &locale.get_value())}</td>
                                <td>{when(&c.last_order_at)}</td>
                            </tr>
                        }
                    }).collect_view()}</tbody>
                </table></div>
                {(p.pages > 1).then(|| view! {
                    <nav class="pagination" aria-label="Pages" data-testid="customer-pages">
                        <button type="button" disabled=p.page <= 1 on:click=move |_| { at.update(|n| *n = n.saturating_sub(1).max(1)); load(); }>"Previous"</button>
                        " " <span>{format!("Page {} of {}", p.page, p.pages)}</span> " "
                        <button type="button" disabled=u64::from(p.page) >= p.pages on:click=move |_| { at.update(|n| *n += 1); load(); }>"Next"</button>
                    </nav>
                })}
            })}
        </section>
    }
}

#[island]
pub fn Staff() -> impl IntoView {
    let staff = RwSignal::new(None::<Result<StaffList, String>>);
    let audit = RwSignal::new(None::<AuditLog>);
    let error = RwSignal::new(None::<String>);
    let (email, name, role) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new("staff".to_string()));
    let ready = hydrated();
    let load = move || {
        leptos::task::spawn_local(async move {
            staff.set(Some(client::get::<StaffList>("/api/admin/staff").await));
            match client::get::<AuditLog>("/api/admin/audit").await {
                Ok(a) => audit.set(Some(a)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| load());
    let invite = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let role = if role.get_untracked() == "owner" { Role::Owner } else { Role::Staff };
        let body = Invite { email: email.get_untracked(), name: name.get_untracked(), role };
        leptos::task::spawn_local(async move {
            match client::post("/api/admin/staff", &body).await {
                Ok(_) => {
                    error.set(None);
                    email.set(String::new());
                    name.set(String::new());
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let remove = move |id: String, who: String| {
        if !client::confirm(&format!("Remove {who} from the staff? Their sessions end now.")) {
            return;
        }
        leptos::task::spawn_local(async move {
            match client::request("DELETE", &format!("/api/admin/staff/{}", encode(&id)), None).await {
                Ok(_) => load(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="admin-staff" data-testid="staff" data-ready=move || ready.get().to_string()>
            <h1>"Staff"</h1>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            {move || staff.get().map(|s| match s {
                Err(e) => view! { <p class="notice" data-testid="staff-refused">{e}</p> }.into_any(),
                Ok(list) => view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Staff members"><table class="data" data-testid="staff-table">
                        <caption class="visually-hidden">"Staff members"</caption>
                        <thead><tr><th scope="col">"Member"</th><th scope="col">"Role"</th><th scope="col">"Since"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                        <tbody>{list.staff.into_iter().map(|m| {
                            let (id, who) = (m.id.clone(), m.email.clone());
                            view! { <tr><td>{m.name.clone()}<br/><small>{m.email.clone()}</small></td>
                                <td>{match m.role { Role::Owner => "Owner", Role::Staff => "Staff" }}</td><td>{when(&m.created_at)}</td>
                                <td><button type="button" on:click=move |_| remove(id.clone(), who.clone())>"Remove"</button></td></tr> }
                        }).collect_view()}</tbody>
                    </table></div>
                    <form class="inline-form" on:submit=invite data-testid="invite-form">
                        <div><label for="invite-email">"Email"</label><input id="invite-email" type="email" required prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/></div>
                        <div><label for="invite-name">"Name"</label><input id="invite-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></div>
                        <div><label for="invite-role">"Role"</label><select id="invite-role" on:change=move |ev| role.set(event_target_value(&ev))>
                            <option value="staff">"Staff"</option><option value="owner">"Owner"</option></select></div>
                        <button type="submit" class="primary">"Invite"</button>
                    </form>
                }.into_any(),
            })}
            <h2>"Audit log"</h2>
            {move || audit.get().map(|a| view! {
                <div class="table-wrap" tabindex="0" role="region" aria-label="Audit log"><table class="data" data-testid="audit-log">
                    <caption class="visually-hidden">"Every admin action, newest first"</caption>
                    <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Action"</th><th scope="col">"On"</th><th scope="col">"Before → after"</th></tr></thead>
                    <tbody>{a.entries.into_iter().map(|e| view! {
                        <tr><td>{when(&e.at)}</td><td>{e.staff_email}</td><td>{label(&e.action)}</td><td><code>{e.target}</code></td>
                            <td><small>{e.before_json.unwrap_or_default()} " → " {e.after_json.unwrap_or_default()}</small></td></tr>
                    }).collect_view()}</tbody>
                </table></div>
            })}
        </section>
    }
}
