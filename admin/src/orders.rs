//! Orders: the list (filters, search, sort, pages, CSV export) and one order with everything
//! staff do to it (pack, ship, deliver, cancel, refund, returns, notes, packing slip).

use crate::client::{self, encode, hydrated, label, money, when};
use edgeshop_api::admin::{
    Accepted, AdminOrder, CancelRequest, Fulfilment, NewNote, OrderPage, RefundLine, RefundRequest, ReturnLine, ReturnView, Role, StaffMember,
    Undelivered,
};
use edgeshop_app::api::{query_param, replace_query_param};
use edgeshop_domain::{Currency, Money, OrderStatus};
use leptos::prelude::*;

const STATUSES: [&str; 10] =
    ["awaiting_payment", "confirmed", "paid", "payment_failed", "packed", "shipped", "delivered", "cancelled", "return_requested", "returned"];

/// The list's filters, as they appear in the page's address and the API's query string.
#[derive(Clone, Debug, Default, PartialEq)]
struct Filters {
    status: String,
    payment: String,
    from: String,
    to: String,
    q: String,
    sort: String,
    page: u32,
}

impl Filters {
    const KEYS: [&'static str; 6] = ["status", "payment", "from", "to", "q", "sort"];

    fn from_address() -> Filters {
        let get = |k: &str| query_param(k).unwrap_or_default();
        Filters {
            status: get("status"),
            payment: get("payment"),
            from: get("from"),
            to: get("to"),
            q: get("q"),
            sort: get("sort"),
            page: get("page").parse().unwrap_or(1).max(1),
        }
    }

    fn values(&self) -> [&str; 6] {
        [&self.status, &self.payment, &self.from, &self.to, &self.q, &self.sort]
    }

    /// `status=paid&q=ann` (empty filters left out), without the page.
    fn query(&self) -> String {
        Self::KEYS.iter().zip(self.values()).filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
    }

    fn remember(&self) {
        for (k, v) in Self::KEYS.iter().zip(self.values()) {
            replace_query_param(k, v);
        }
        replace_query_param("page", &self.page.to_string());
    }
}

/// A `<select>` of the filter `key`.
fn choice(id: &'static str, text: &'static str, options: Vec<(String, String)>, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label for=id>{text}</label>
        <select id=id on:change=move |ev| value.set(event_target_value(&ev)) prop:value=move || value.get()>
            {options.into_iter().map(|(v, t)| view! { <option value=v>{t}</option> }).collect_view()}
        </select>
    }
}

#[island]
pub fn OrderList(locale: String) -> impl IntoView {
    let filters = RwSignal::new(Filters { page: 1, ..Default::default() });
    let (status, payment, from, to, q, sort) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let page = RwSignal::new(None::<OrderPage>);
    let error = RwSignal::new(None::<String>);
    let ready = hydrated();
    // The CSV export is the owners' alone: offered once the session says an owner is signed in.
    let owner = RwSignal::new(false);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(member) = client::get::<StaffMember>("/api/admin/session").await {
                owner.set(member.role == Role::Owner);
            }
        });
    });
    let last = client::LastLoad::new();
    let load = move |f: Filters| {
        f.remember();
        let ticket = last.start();
        leptos::task::spawn_local(async move {
            let url = format!("/api/admin/orders?{}&page={}", f.query(), f.page);
            let answer = client::get::<OrderPage>(&url).await;
            if !last.is_last(ticket) {
                return;
            }
            match answer {
                Ok(p) => {
                    error.set(None);
                    page.set(Some(p));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        let f = Filters::from_address();
        for (signal, value) in [status, payment, from, to, q, sort].into_iter().zip(f.values()) {
            signal.set(value.to_string());
        }
        filters.set(f.clone());
        load(f);
    });
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let f = Filters {
            status: status.get_untracked(),
            payment: payment.get_untracked(),
            from: from.get_untracked(),
            to: to.get_untracked(),
            q: q.get_untracked(),
            sort: sort.get_untracked(),
            page: 1,
        };
        filters.set(f.clone());
        load(f);
    };
    let go = move |delta: i64| {
        let mut f = filters.get_untracked();
        f.page = (i64::from(f.page) + delta).max(1) as u32;
        filters.set(f.clone());
        load(f);
    };
    let statuses: Vec<(String, String)> = std::iter::once((String::new(), "Any status".to_string()))
        .chain([
            ("to_pack".to_string(), "To pack (confirmed or paid)".to_string()),
            ("needs_attention".to_string(), "Needs attention".to_string()),
            ("cash_due".to_string(), "Cash due from the courier".to_string()),
        ])
        .chain(STATUSES.iter().map(|s| (s.to_string(), label(s))))
        .collect();
    let methods =
        vec![(String::new(), "Any payment".into()), ("online".into(), "Online".into()), ("cash_on_delivery".into(), "Cash on delivery".into())];
    let sorts = vec![
        (String::new(), "Newest first".into()),
        ("oldest".into(), "Oldest first".into()),
        ("total_desc".into(), "Highest total".into()),
        ("total_asc".into(), "Lowest total".into()),
    ];
    let locale = StoredValue::new(locale);
    view! {
        <section class="admin-orders" data-testid="order-list" data-ready=move || ready.get().to_string()>
            <h1>"Orders"</h1>
            <form class="filters" on:submit=apply role="search" aria-label="Filter orders">
                <div><label for="order-q">"Order number, email or name"</label>
                    <input id="order-q" type="search" prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev))/></div>
                <div>{choice("order-status", "Status", statuses, status)}</div>
                <div>{choice("order-payment", "Payment", methods, payment)}</div>
                <div><label for="order-from">"From"</label>
                    <input id="order-from" type="date" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/></div>
                <div><label for="order-to">"To"</label>
                    <input id="order-to" type="date" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))/></div>
                <div>{choice("order-sort", "Sort", sorts, sort)}</div>
                <div class="filter-actions"><button type="submit" class="primary">"Show orders"</button>
                    {move || owner.get().then(|| view! {
                        <a class="button" href=move || format!("/api/admin/orders/export?{}", filters.get().query()) download="">"Export CSV"</a>
                    })}</div>
            </form>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            {move || page.get().map(|p| {
                let (current, pages) = (p.page, p.pages);
                view! {
                    <p class="count" data-testid="order-count">{edgeshop_domain::count_of(p.total, "order")}</p>
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Orders"><table class="data">
                        <caption class="visually-hidden">"Orders"</caption>
                        <thead><tr><th scope="col">"Order"</th><th scope="col">"Placed"</th><th scope="col">"Customer"</th><th scope="col">"Status"</th>
                            <th scope="col">"Payment"</th><th scope="col" class="num">"Items"</th><th scope="col" class="num">"Total"</th></tr></thead>
                        <tbody>{p.orders.into_iter().map(|o| view! {
                            <tr data-testid="order-row" data-number=o.number.to_string()>
                                <td><a href=format!("/admin/order/?n={}", o.number)>{format!("#{}", o.number)}</a>
                                    {o.attention.map(|_| view! { <span class="flag" title="Needs attention">" ⚑"</span> })}</td>
                                <td>{when(&o.created_at)}</td>
                                <td>{o.name.clone()}<br/><small>{o.email.clone()}</small></td>
                                <td><span class=format!("status status-{}", o.status)>{label(&o.status)}</span></td>
                                <td>{label(&o.payment_method)}</td>
                                <td class="num">{o.items.to_string()}</td>
                                <td class="num">{money(o.total_minor, &o.currency, &locale.get_value())}</td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table></div>
                    <nav class="pager" aria-label="Pages">
                        <button type="button" on:click=move |_| go(-1) disabled={current <= 1}>"Previous"</button>
                        <span>{format!("Page {current} of {pages}")}</span>
                        <button type="button" on:click=move |_| go(1) disabled={u64::from(current) >= pages}>"Next"</button>
                    </nav>
                }
            })}
        </section>
    }
}

fn status_of(o: &AdminOrder) -> OrderStatus {
    o.order.status
}

/// What went back to the customer: refunds made or on their way.
fn refunded_minor(o: &AdminOrder) -> i64 {
    o.payments.iter().filter(|m| m.kind == "refund" && m.status != "failed").map(|m| m.amount_minor).sum()
}

/// What staff can do next with an order in this status.
fn next_steps(status: OrderStatus) -> (bool, bool, bool) {
    let pack = matches!(status, OrderStatus::Confirmed | OrderStatus::Paid);
    let ship = status == OrderStatus::Packed;
    let deliver = status == OrderStatus::Shipped;
    (pack, ship, deliver)
}

/// The order's status as staff read it; a return approved and on its way back says so.
fn status_text(status: OrderStatus, returns: &[ReturnView]) -> String {
    let approved = returns.iter().any(|r| r.status == "approved");
    if status == OrderStatus::ReturnRequested && approved {
        "Return approved: on its way back".to_string()
    } else {
        label(&wire(status))
    }
}

fn print_page() {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

#[island]
pub fn OrderDetail(locale: String) -> impl IntoView {
    let order = RwSignal::new(None::<AdminOrder>);
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let number = StoredValue::new(String::new());
    let ready = hydrated();
    let load = move || {
        let n = number.get_value();
        leptos::task::spawn_local(async move {
            match client::get::<AdminOrder>(&format!("/api/admin/orders/{n}")).await {
                Ok(o) => order.set(Some(o)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| match query_param("n") {
        Some(n) => {
            number.set_value(n);
            load();
        }
        None => error.set(Some("No order number in the address (…/admin/order/?n=1001).".into())),
    });
    // One change at a time: a double click sends one request.
    let busy = RwSignal::new(false);
    // The refund being attempted and its key, kept until the order is loaded again: a second click
    // or a retry after a lost answer sends the same key, so the shop refunds once.
    let refund_attempt = StoredValue::new(None::<(String, String)>);
    let load = move || {
        refund_attempt.set_value(None);
        load();
    };
    // Changes go through the order queue: look again every 1.2 s until the order shows a change
    // (half a minute at most), and once more a little later for what follows it (a refund's answer).
    let settling = StoredValue::new((None::<AdminOrder>, 0u32));
    Effect::new(move |_| {
        let (before, looks) = settling.get_value();
        if looks == 0 {
            return;
        }
        if order.with(|now| *now == before) {
            settling.set_value((before, looks - 1));
            set_timeout(load, std::time::Duration::from_millis(1200));
        } else {
            settling.set_value((None, 0));
        }
    });
    let act = move |url: String, body: String, what: &'static str| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let key = url.ends_with("/refunds").then(|| {
            let attempt = format!("{url}\n{body}");
            match refund_attempt.get_value() {
                Some((same, key)) if same == attempt => key,
                _ => {
                    let key = format!("refund-{}", edgeshop_app::api::new_idempotency_key());
                    refund_attempt.set_value(Some((attempt, key.clone())));
                    key
                }
            }
        });
        leptos::task::spawn_local(async move {
            let headers: Vec<(&str, &str)> = key.as_deref().map(|k| ("idempotency-key", k)).into_iter().collect();
            match client::request_with("POST", &url, Some(body), &headers).await {
                Ok(r) => {
                    let status = r.parse::<Accepted>().map(|a| label(&a.status)).unwrap_or_default();
                    done.set(Some(format!("{what}: {status}")));
                    settling.set_value((order.get_untracked(), 25));
                    set_timeout(load, std::time::Duration::from_millis(1200));
                    set_timeout(load, std::time::Duration::from_millis(4000));
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let locale = StoredValue::new(locale);
    view! {
        <section class="admin-order" data-testid="order-detail" data-ready=move || ready.get().to_string() aria-busy=move || busy.get().to_string()>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert" data-testid="action-error">{e}</p> })}
            {move || done.get().map(|d| view! { <p class="notice ok no-print" role="status">{d}</p> })}
            {move || order.get().map(|o| {
                let n = o.order.number;
                let status = status_of(&o);
                let currency = o.order.totals.total.currency;
                let loc = locale.get_value();
                let fmt = move |m: Money| m.format(&loc);
                let refunded = refunded_minor(&o);
                let refund_state = match refunded {
                    0 => None,
                    r if r >= o.order.totals.total.minor => Some("Refunded"),
                    _ => Some("Partially refunded"),
                };
                view! {
                    <header class="order-head">
                        <h1>"Order " <span data-testid="order-number">{n.to_string()}</span></h1>
                        <span class=format!("status status-{}", wire(status)) data-testid="order-status" data-status=wire(status)>{status_text(status, &o.returns)}</span>
                        {refund_state.map(|r| view! { <span class="status status-refunded" data-testid="refund-state">{r}</span> })}
                        <button type="button" class="no-print" on:click=move |_| print_page()>"Print packing slip"</button>
                        {o.order.status.has_invoice().then(|| view! {
                            <a class="no-print" href=edgeshop_api::invoice_path(n, &o.order.token) target="_blank" rel="noopener">"Invoice"</a>
                        })}
                    </header>
                    {o.attention.clone().map(|a| {
                        // Dealt with: the note goes (kept in the audit log); not while money is owed by hand.
                        let owed = o.refund_due_minor > 0;
                        view! {
                            <div class="notice error" data-testid="attention"><p>{a}</p>
                                {(!owed).then(|| view! {
                                    <button type="button" class="no-print" data-testid="clear-attention"
                                        on:click=move |_| act(format!("/api/admin/orders/{n}/attention/clear"), String::new(), "Note")>"Mark as dealt with"</button>
                                })}
                            </div>
                        }
                    })}
                    <Actions o=o.clone() locale=locale.get_value() act=act/>
                    <div class="columns">
                        <section aria-labelledby="h-lines"><h2 id="h-lines">"Items"</h2>
                            <table class="data"><thead><tr><th scope="col">"Item"</th><th scope="col">"SKU"</th><th scope="col" class="num">{if status.awaits_shipping() { "To pack" } else { "Qty" }}</th><th scope="col" class="num no-print">"Total"</th></tr></thead>
                            <tbody>{o.order.lines.iter().map(|l| {
                                // Units refunded by line before the parcel left are not packed.
                                let refunded = o.refunded_by_line.iter().filter(|r| r.sku == l.sku).map(|r| r.quantity).sum::<u32>().min(l.quantity);
                                let unshipped = status.awaits_shipping();
                                // Before it leaves, the quantity is what to pack (the slip prints it), the
                                // refunded units beside it.
                                let (shown, note) = match refunded {
                                    0 => (l.quantity, None),
                                    r if unshipped => (l.quantity - r, Some(format!("{} ordered, {r} refunded", l.quantity))),
                                    r => (l.quantity, Some(format!("{r} refunded"))),
                                };
                                view! {
                                <tr><td>{l.title.clone()}<br/><small>{edgeshop_domain::shown_variant(&l.variant_title).unwrap_or_default().to_string()}</small></td><td><code>{l.sku.clone()}</code></td>
                                    <td class="num"><strong>{shown.to_string()}</strong>{note.map(|n| view! { <br/><small data-testid="line-refunded">{n}</small> })}</td><td class="num no-print">{fmt(l.line_total)}</td></tr>
                                }
                            }).collect_view()}</tbody></table>
                            <dl class="totals no-print">
                                <dt>"Subtotal"</dt><dd>{fmt(o.order.totals.subtotal)}</dd>
                                {o.order.totals.discount.map(|d| view! {
                                    <dt>{format!("Discount ({})", o.order.discount_code.clone().unwrap_or_default())}</dt><dd data-testid="order-discount">{format!("−{}", fmt(d))}</dd>
                                })}
                                <dt>"Shipping"</dt><dd>{fmt(o.order.totals.shipping)}</dd>
                                <dt>{o.order.totals.tax_label()}</dt><dd>{fmt(o.order.totals.tax)}</dd>
                                <dt>"Total"</dt><dd><strong>{fmt(o.order.totals.total)}</strong></dd>
                                {(refunded > 0).then(|| view! {
                                    <dt>"Refunded"</dt><dd data-testid="order-refunded">{format!("−{}", fmt(Money::new(refunded, currency)))}</dd>
                                    <dt>"Net"</dt><dd>{fmt(Money::new(o.order.totals.total.minor - refunded, currency))}</dd>
                                })}
                            </dl>
                        </section>
                        <section aria-labelledby="h-ship"><h2 id="h-ship">"Ship to"</h2>
                            <address data-testid="ship-to">{o.order.address.lines().into_iter().map(|l| view! { {l}<br/> }).collect_view()}</address>
                            // What the courier collects, on the packing slip too, while the cash is still to take.
                            {(o.order.payment == edgeshop_domain::PaymentMethod::CashOnDelivery
                                && matches!(status, OrderStatus::Confirmed | OrderStatus::Packed | OrderStatus::Shipped)
                                && o.order.totals.total.minor > 0).then(|| view! {
                                <p class="collect" data-testid="cash-to-collect"><strong>{format!("Cash on delivery: collect {}", fmt(o.order.totals.total))}</strong></p>
                            })}
                            {o.order.history.first().map(|h| view! { <p class="print-only">{format!("Order {n} · placed {}", when(&h.at))}</p> })}
                            <h2>"Contact"</h2>
                            <p><a href=format!("mailto:{}", o.order.contact.email)>{o.order.contact.email.clone()}</a><br/>{o.order.contact.phone.clone()}</p>
                            <h2 class="no-print">"Payment"</h2>
                            <p class="no-print">{label(&wire(o.order.payment))}</p>
                            {(!o.payments.is_empty()).then(|| view! {
                                <ul class="plain no-print" data-testid="money-moves">{o.payments.iter().map(|m| view! {
                                    <li>{label(&m.kind)} " · " {money(m.amount_minor, &m.currency, &locale.get_value())} " · " {label(&m.status)} " · " <small>{provider_label(&m.provider)}</small>
                                        {m.reason.clone().map(|r| view! { " · " <span data-testid="money-reason">{r}</span> })}</li>
                                }).collect_view()}</ul>
                            })}
                            {o.order.cash_collected().then(|| view! { <CashFromCourier n=n total=o.order.totals.total receipt=o.cash_received.clone() locale=locale.get_value() act=act/> })}
                            {(o.refund_due_minor > 0).then(|| view! {
                                <p class="notice error no-print">{format!("To refund by hand: {}", Money::new(o.refund_due_minor, currency).format(&locale.get_value()))}</p>
                            })}
                            // What a return left owed, or a goodwill refund of cash the courier took.
                            {(o.order.by_hand_limit(o.refund_due_minor, refunded) > 0).then(|| view! {
                                <ByHand n=n due=o.refund_due_minor currency=currency act=act/>
                            })}
                        </section>
                    </div>
                    <Returns n=n currency=currency locale=locale.get_value() returns=o.returns.clone() lines=o.order.lines.iter().map(|l| (l.sku.clone(), l.title.clone(), l.quantity)).collect() act=act/>
                    <section class="no-print" aria-labelledby="h-history"><h2 id="h-history">"History"</h2>
                        <ol class="history" data-testid="history">{o.order.history.iter().map(|h| view! {
                            <li>{label(&wire(h.status))} " · " <time>{when(&h.at)}</time>
                                {h.tracking.clone().map(|t| format!(" · {} {}", t.carrier, t.number))}
                                {h.note.clone().map(|note| format!(" · {note}"))}</li>
                        }).collect_view()}</ol>
                        <h2>"Messages to the customer"</h2>
                        <ul class="plain" data-testid="notifications">{o.notifications.iter().map(|m| {
                            let state = if m.sent_at.is_some() { "sent" } else if m.failed_at.is_some() { "failed" } else { "sending" };
                            // A failed message can be sent again (the address or the mail service mended).
                            let again = (state == "failed").then(|| {
                                let url = format!("/api/admin/orders/{n}/messages/{}/resend", encode(&m.event_id));
                                view! { " " <button type="button" data-testid="resend" on:click=move |_| act(url.clone(), "{}".into(), "Message")>"Send again"</button> }
                            });
                            view! { <li>{label(&m.template)} " → " {m.recipient.clone()} " · " {state}{again}</li> }
                        }).collect_view()}</ul>
                    </section>
                    <Notes n=n notes=o.notes.clone() act=act/>
                    <section class="no-print" aria-labelledby="h-audit"><h2 id="h-audit">"Staff actions"</h2>
                        <ul class="plain" data-testid="order-audit">{o.audit.iter().map(|a| view! {
                            <li><time>{when(&a.at)}</time> " · " {a.staff_email.clone()} " · " {label(&a.action)}</li>
                        }).collect_view()}</ul>
                    </section>
                }
            })}
        </section>
    }
}

fn wire<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Who moved the money, as staff read it: "Stripe", "By hand (bank transfer)".
fn provider_label(provider: &str) -> String {
    match provider {
        "stripe" => "Stripe".into(),
        "test" => "Test provider".into(),
        other => match other.strip_prefix("by_hand:") {
            Some(how) => format!("By hand ({})", how.replace('_', " ")),
            None => label(other),
        },
    }
}

/// Pack, ship (carrier and tracking number), deliver, cancel, refund.
#[component]
fn Actions(o: AdminOrder, locale: String, act: impl Fn(String, String, &'static str) + Copy + Send + Sync + 'static) -> impl IntoView {
    let n = o.order.number;
    let status = o.order.status;
    let (pack, ship, deliver) = next_steps(status);
    let carrier = RwSignal::new(String::new());
    let tracking = RwSignal::new(String::new());
    let cancel_reason = RwSignal::new(String::new());
    let refund_amount = RwSignal::new(String::new());
    let refund_reason = RwSignal::new(String::new());
    let currency: Currency = o.order.totals.total.currency;
    let refund_error = RwSignal::new(None::<String>);
    // Refunds are the owners' to make: staff are told who can.
    let owner = client::owner_signal();
    let paid: i64 = o.payments.iter().filter(|m| m.kind == "payment" && m.status == "succeeded").map(|m| m.amount_minor).sum();
    let refundable = paid - refunded_minor(&o);
    let fulfil = move |s: &'static str, carrier: Option<String>, tracking_number: Option<String>| {
        let body = edgeshop_app::api::body(&Fulfilment { status: s.into(), carrier, tracking_number });
        act(format!("/api/admin/orders/{n}/fulfilment"), body, "Fulfilment");
    };
    let ship_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        fulfil("shipped", Some(carrier.get_untracked()), Some(tracking.get_untracked()));
    };
    let cancel_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if client::confirm(&format!("Cancel order {n}? A paid order is refunded in full.")) {
            act(
                format!("/api/admin/orders/{n}/cancel"),
                edgeshop_app::api::body(&CancelRequest { reason: cancel_reason.get_untracked() }),
                "Cancellation",
            );
        }
    };
    // A parcel the carrier brought back (refused at the door, not collected).
    let back_reason = RwSignal::new(String::new());
    let back_restock = RwSignal::new(true);
    // Per line, the units that stay out of stock (damaged in transit).
    let kept_out = RwSignal::new(o.order.lines.iter().map(|l| (l.sku.clone(), 0u32)).collect::<Vec<_>>());
    let undelivered_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let money = if paid > 0 { " The payment is refunded in full." } else { "" };
        if client::confirm(&format!("Record that order {n} came back undelivered? It is cancelled and the customer is told.{money}")) {
            let keep_out = kept_out
                .get_untracked()
                .into_iter()
                .filter(|(_, q)| *q > 0 && back_restock.get_untracked())
                .map(|(sku, quantity)| edgeshop_api::ReturnItem { sku, quantity })
                .collect();
            let body = Undelivered { reason: back_reason.get_untracked(), restock: back_restock.get_untracked(), keep_out };
            act(format!("/api/admin/orders/{n}/undelivered"), edgeshop_app::api::body(&body), "Parcel back");
        }
    };
    let shown_in = StoredValue::new(locale);
    let open_return = o.returns.iter().any(|r| r.status == "requested" || r.status == "approved");
    // By line (units of each, at the price charged) or by amount: of each line, the units not
    // refunded by line already nor in a return (open or received; those are refunded by it).
    let settled = |sku: &str| -> u32 {
        let refunded: u32 = o.refunded_by_line.iter().filter(|r| r.sku == sku).map(|r| r.quantity).sum();
        let returned: u32 =
            o.returns.iter().filter(|r| r.status != "rejected").flat_map(|r| r.lines.iter()).filter(|l| l.sku == sku).map(|l| l.quantity).sum();
        refunded.saturating_add(returned)
    };
    let line_units = RwSignal::new(o.order.lines.iter().map(|l| (l.sku.clone(), 0u32)).collect::<Vec<_>>());
    let refund_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lines: Vec<RefundLine> =
            line_units.get_untracked().into_iter().filter(|(_, q)| *q > 0).map(|(sku, quantity)| RefundLine { sku, quantity }).collect();
        let amount_minor = if lines.is_empty() {
            match Money::parse_decimal(&refund_amount.get_untracked(), currency) {
                Some(amount) => Some(amount.minor),
                None => return refund_error.set(Some("Choose units of a line, or type an amount such as 12.50.".into())),
            }
        } else {
            None
        };
        refund_error.set(None);
        let what = amount_minor.map_or_else(|| "the chosen units".to_string(), |m| Money::new(m, currency).format(&shown_in.get_value()));
        if !client::confirm(&format!("Refund {what} of order {n} to the customer?")) {
            return;
        }
        let body = RefundRequest { amount_minor, lines, reason: refund_reason.get_untracked() };
        act(format!("/api/admin/orders/{n}/refunds"), edgeshop_app::api::body(&body), "Refund");
    };
    let line_inputs = o
        .order
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (sku, ordered) = (l.sku.clone(), l.quantity);
            let left = ordered.saturating_sub(settled(&sku));
            let name = edgeshop_domain::line_name(&l.title, &l.variant_title);
            let text = if left == ordered { format!("{ordered} × {name}") } else { format!("{name}: {left} of {ordered} left to refund") };
            let shown = sku.clone();
            let value = move || {
                line_units.get().iter().find(|(s, _)| *s == shown).map_or(String::new(), |(_, q)| if *q == 0 { String::new() } else { q.to_string() })
            };
            let id = format!("refund-line-{i}");
            view! {
                <div><label for=id.clone()>{text}</label>
                    <input id=id type="number" min="0" max=left.to_string() inputmode="numeric" placeholder="0" disabled=left == 0 prop:value=value
                        on:input=move |ev| {
                            let q = event_target_value(&ev).parse::<u32>().unwrap_or(0).min(left);
                            line_units.update(|all| if let Some(e) = all.iter_mut().find(|(s, _)| *s == sku) { e.1 = q; });
                        }/></div>
            }
        })
        .collect_view();
    view! {
        <section class="actions no-print" aria-labelledby="h-actions" data-testid="actions">
            <h2 id="h-actions">"Next step"</h2>
            <div class="action-row">
                {pack.then(|| view! { <button type="button" class="primary" on:click=move |_| fulfil("packed", None, None) data-testid="mark-packed">"Mark packed"</button> })}
                {deliver.then(|| view! { <button type="button" class="primary" on:click=move |_| fulfil("delivered", None, None) data-testid="mark-delivered">"Mark delivered"</button> })}
            </div>
            {ship.then(|| view! {
                <form class="inline-form" on:submit=ship_submit data-testid="ship-form">
                    <div><label for="carrier">"Carrier"</label><input id="carrier" list="carriers" required autocomplete="off" prop:value=move || carrier.get() on:input=move |ev| carrier.set(event_target_value(&ev))/>
                        // The carriers whose tracking pages the shipped email links to (any other may be typed).
                        <datalist id="carriers">{edgeshop_domain::Tracking::LINKED_CARRIERS.iter().map(|c| view! { <option value=*c></option> }).collect_view()}</datalist></div>
                    <div><label for="tracking">"Tracking number"</label><input id="tracking" required autocomplete="off" prop:value=move || tracking.get() on:input=move |ev| tracking.set(event_target_value(&ev))/></div>
                    <button type="submit" class="primary">"Mark shipped"</button>
                </form>
            })}
            {deliver.then(|| view! {
                <form class="inline-form" on:submit=undelivered_submit data-testid="undelivered-form">
                    <div><label for="back-reason">"Not delivered? Why it came back (the customer is told)"</label><input id="back-reason" placeholder="Refused at the door" prop:value=move || back_reason.get() on:input=move |ev| back_reason.set(event_target_value(&ev))/></div>
                    <div><label><input type="checkbox" prop:checked=move || back_restock.get() on:change=move |ev| back_restock.set(event_target_checked(&ev))/>" Put the items back in stock"</label>
                        <ul class="plain" hidden=move || !back_restock.get() data-testid="undelivered-keep-out">{o.order.lines.iter().enumerate().map(|(i, l)| {
                            let (sku, ordered) = (l.sku.clone(), l.quantity);
                            let id = format!("keep-out-{i}");
                            view! { <li><label for=id.clone()>{format!("Damaged, kept out of stock, of {} × {}: ", ordered, l.title)}</label>
                                <input type="number" class="qty" id=id min="0" max=ordered.to_string() value="0" inputmode="numeric" on:input=move |ev| {
                                    let q = event_target_value(&ev).parse::<u32>().unwrap_or(0).min(ordered);
                                    kept_out.update(|all| if let Some(e) = all.iter_mut().find(|(s, _)| *s == sku) { e.1 = q; });
                                }/></li> }
                        }).collect_view()}</ul></div>
                    <button type="submit" class="danger">"Came back undelivered"</button>
                </form>
            })}
            {status.can_cancel().then(|| view! {
                <form class="inline-form" on:submit=cancel_submit data-testid="cancel-form">
                    <div><label for="cancel-reason">"Reason for cancelling"</label><input id="cancel-reason" prop:value=move || cancel_reason.get() on:input=move |ev| cancel_reason.set(event_target_value(&ev))/></div>
                    <button type="submit" class="danger">"Cancel order"</button>
                </form>
            })}
            {open_return.then(|| view! {
                <p class="hint" data-testid="return-open">"A return is open: its refund is made when you record what came back (Returns, below)."</p>
            })}
            {(refundable > 0).then(|| view! {
                <p class="notice" data-testid="owners-only" hidden=move || owner.get() != Some(false)>"Refunds are made by the shop's owners: ask one of them."</p>
                <form class="inline-form" on:submit=refund_submit data-testid="refund-form" hidden=move || owner.get() != Some(true)>
                    <fieldset class="refund-lines"><legend>"Refund units of a line"</legend>{line_inputs}</fieldset>
                    <div><label for="refund-amount">{format!("or an amount ({} left to refund)", Money::new(refundable, currency).format(&shown_in.get_value()))}</label>
                        <input id="refund-amount" inputmode="decimal" prop:value=move || refund_amount.get() on:input=move |ev| refund_amount.set(event_target_value(&ev))/></div>
                    <div><label for="refund-reason">"Reason (the customer is told)"</label><input id="refund-reason" prop:value=move || refund_reason.get() on:input=move |ev| refund_reason.set(event_target_value(&ev))/></div>
                    <button type="submit">"Refund"</button>
                    {move || refund_error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
                </form>
            })}
        </section>
    }
}

/// A return's steps: approve or reject a request, then receive it (how many of each line came
/// back, and which go back to stock).
#[component]
fn Returns(
    n: u64,
    currency: Currency,
    locale: String,
    returns: Vec<ReturnView>,
    lines: Vec<(String, String, u32)>,
    act: impl Fn(String, String, &'static str) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    if returns.is_empty() {
        return None;
    }
    let title = move |sku: &str| lines.iter().find(|(s, _, _)| s == sku).map(|(_, t, _)| t.clone()).unwrap_or_else(|| sku.to_string());
    Some(view! {
        <section class="returns no-print" aria-labelledby="h-returns" data-testid="admin-returns"><h2 id="h-returns">"Returns"</h2>
            {returns.into_iter().map(|r| {
                let id = r.id;
                // Per line: the units that came back (at first, those asked for) and whether they go back to stock.
                // Units the customer says are faulty are checked before they go back on sale.
                let faulty = edgeshop_domain::sounds_faulty(&r.reason);
                let received = RwSignal::new(r.lines.iter().map(|l| (l.sku.clone(), l.quantity, !faulty)).collect::<Vec<_>>());
                let receive_error = RwSignal::new(None::<String>);
                let reject_reason = RwSignal::new(String::new());
                let step = move |action: &'static str, body: String| act(format!("/api/admin/orders/{n}/returns/{id}/{action}"), body, "Return");
                let lines = r.lines.clone();
                let receive = move |_| {
                    let lines: Vec<ReturnLine> = received
                        .get_untracked()
                        .into_iter()
                        .filter(|(_, q, _)| *q > 0)
                        .map(|(sku, quantity, restock)| ReturnLine { sku, quantity, restock })
                        .collect();
                    if lines.is_empty() {
                        return receive_error.set(Some("Nothing came back? Reject the return instead.".into()));
                    }
                    receive_error.set(None);
                    step("receive", edgeshop_app::api::body(&edgeshop_api::admin::ReceiveReturn { lines }));
                };
                let _ = &lines;
                view! {
                    <article class="return" data-status=r.status.clone()>
                        <p><strong>{label(&r.status)}</strong> " · requested " {when(&r.requested_at)}
                            {r.refund_minor.map(|m| format!(" · refund {}", Money::new(m, currency).format(&locale)))}</p>
                        {(!r.reason.is_empty()).then(|| view! { <blockquote>{r.reason.clone()}</blockquote> })}
                        <ul class="plain">{r.lines.iter().enumerate().map(|(i, l)| {
                            let (sku, sku2) = (l.sku.clone(), l.sku.clone());
                            let id = format!("restock-{id}-{i}");
                            let qty_id = format!("received-{id}-{i}");
                            let receiving = r.status == "approved";
                            let asked = l.quantity;
                            let restocked = (r.status == "received" && l.restock).then_some(" · back to stock");
                            view! { <li>{format!("{} × {}", l.quantity, title(&l.sku))}{restocked}
                                {receiving.then(|| view! {
                                    " · " <label for=qty_id.clone()>"came back"</label> " "
                                    <input type="number" class="qty" id=qty_id min="0" max=asked.to_string() value=asked.to_string() inputmode="numeric" on:input=move |ev| {
                                        let q = event_target_value(&ev).parse::<u32>().unwrap_or(0).min(asked);
                                        received.update(|all| if let Some(e) = all.iter_mut().find(|(s, _, _)| *s == sku2) { e.1 = q; });
                                    }/>
                                    " " <input type="checkbox" id=id.clone() checked=!faulty on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        received.update(|all| if let Some(e) = all.iter_mut().find(|(s, _, _)| *s == sku) { e.2 = on; });
                                    }/><label for=id>"back to stock"</label>
                                })}</li> }
                        }).collect_view()}</ul>
                        {move || receive_error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
                        {(r.status == "requested").then(|| view! {
                            <div class="action-row">
                                <button type="button" class="primary" data-testid="approve-return" on:click=move |_| step("approve", "{}".into())>"Approve"</button>
                                <label for=format!("reject-{id}") class="visually-hidden">"Why it is rejected"</label>
                                <input id=format!("reject-{id}") placeholder="Why (told to the customer)" prop:value=move || reject_reason.get() on:input=move |ev| reject_reason.set(event_target_value(&ev))/>
                                <button type="button" on:click=move |_| step("reject", serde_json::json!({ "reason": reject_reason.get_untracked() }).to_string())>"Reject"</button>
                            </div>
                        })}
                        {(r.status == "approved" && faulty).then(|| view! {
                            <p class="hint" data-testid="return-faulty">"The customer says it is faulty: \"back to stock\" is off until you have checked the units."</p>
                        })}
                        {(r.status == "approved").then(|| view! {
                            <button type="button" class="primary" data-testid="receive-return" on:click=receive>"Items received: restock and refund"</button>
                        })}
                    </article>
                }
            }).collect_view()}
        </section>
    })
}

/// Cash on delivery, delivered: the courier's cash as it reached the shop, or the form to record it.
#[component]
fn CashFromCourier(
    n: u64,
    total: Money,
    receipt: Option<edgeshop_api::admin::CashReceipt>,
    locale: String,
    act: impl Fn(String, String, &'static str) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let currency = total.currency;
    if let Some(r) = receipt {
        let note = (!r.note.is_empty()).then(|| format!(" ({})", r.note));
        return view! {
            <p class="no-print" data-testid="cash-received">{format!("Cash from the courier: {} received {} by {}", Money::new(r.amount_minor, currency).format(&locale), when(&r.received_at), r.staff_email)}{note}</p>
        }
        .into_any();
    }
    let amount = RwSignal::new(total.decimal());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(m) = Money::parse_decimal(&amount.get_untracked(), currency) else {
            return error.set(Some("Type the amount received, such as 32.95.".into()));
        };
        error.set(None);
        let body = edgeshop_api::admin::CashReceived { amount_minor: m.minor, note: note.get_untracked() };
        act(format!("/api/admin/orders/{n}/cash-received"), edgeshop_app::api::body(&body), "Cash received");
    };
    view! {
        <form class="inline-form no-print" data-testid="cash-form" on:submit=submit>
            <p class="hint">{format!("The courier collected {}: not received from them yet.", total.format(&locale))}</p>
            <div><label for="cash-amount">"Cash received"</label>
                <input id="cash-amount" inputmode="decimal" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))/></div>
            <div><label for="cash-note">"Note (for the shop)"</label>
                <input id="cash-note" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/></div>
            <button type="submit">"Record cash received"</button>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
        </form>
    }
    .into_any()
}

/// Records a refund made by hand (cash on delivery has no payment to refund online): how much, how.
#[component]
fn ByHand(n: u64, due: i64, currency: Currency, act: impl Fn(String, String, &'static str) + Copy + Send + Sync + 'static) -> impl IntoView {
    let amount = RwSignal::new(if due > 0 { Money::new(due, currency).decimal() } else { String::new() });
    let method = RwSignal::new("cash".to_string());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let owner = client::owner_signal();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(m) = Money::parse_decimal(&amount.get_untracked(), currency) else {
            return error.set(Some("Type the amount given back, such as 12.50.".into()));
        };
        error.set(None);
        let body = edgeshop_api::admin::RefundByHand { amount_minor: m.minor, method: method.get_untracked(), note: note.get_untracked() };
        act(format!("/api/admin/orders/{n}/refunds/by-hand"), edgeshop_app::api::body(&body), "Refund by hand");
    };
    view! {
        <form class="inline-form no-print" data-testid="refund-by-hand" on:submit=submit hidden=move || owner.get() != Some(true)>
            <div><label for="by-hand-amount">"Refunded by hand"</label>
                <input id="by-hand-amount" inputmode="decimal" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))/></div>
            <div><label for="by-hand-method">"How"</label>
                <select id="by-hand-method" on:change=move |ev| method.set(event_target_value(&ev))>
                    <option value="cash">"Cash"</option>
                    <option value="bank_transfer">"Bank transfer"</option>
                    <option value="voucher">"Voucher"</option>
                    <option value="other">"Other"</option>
                </select></div>
            <div><label for="by-hand-note">"Reason (the customer is told)"</label>
                <input id="by-hand-note" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/></div>
            <button type="submit">"Record refund made"</button>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
        </form>
    }
}

/// Internal notes (never shown to the customer).
#[component]
fn Notes(n: u64, notes: Vec<edgeshop_api::admin::Note>, act: impl Fn(String, String, &'static str) + Copy + Send + Sync + 'static) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        act(format!("/api/admin/orders/{n}/notes"), edgeshop_app::api::body(&NewNote { text: text.get_untracked() }), "Note");
        text.set(String::new());
    };
    view! {
        <section class="notes no-print" aria-labelledby="h-notes"><h2 id="h-notes">"Internal notes"</h2>
            <ul class="plain" data-testid="notes">{notes.into_iter().map(|note| view! {
                <li><time>{when(&note.at)}</time> " · " {note.staff_email} ": " {note.text}</li>
            }).collect_view()}</ul>
            <form on:submit=submit class="inline-form">
                <div><label for="note-text">"Add a note"</label>
                    <textarea id="note-text" required maxlength="2000" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea></div>
                <button type="submit">"Save note"</button>
            </form>
        </section>
    }
}
