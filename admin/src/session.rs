//! Getting in and out: the sign-in page (ask for a link; use the link) and the bar at the top of
//! every admin page (who is signed in, sign out).

use crate::client::{self, hydrated};
use edgeshop_api::admin::{Role, SessionRequest, SignInRequest, StaffMember};
use leptos::prelude::*;

/// The token a sign-in link carries after `#token=` (kept out of the URL the server sees).
fn link_token() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let hash = web_sys::window()?.location().hash().ok()?;
        hash.strip_prefix("#token=").map(str::to_string).filter(|t| !t.is_empty())
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Forgets the token in the address bar (it works once anyway).
fn clear_hash() {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash("");
    }
}

#[island]
pub fn SignIn() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let ready = hydrated();
    Effect::new(move |_| {
        let Some(token) = link_token() else { return };
        clear_hash();
        notice.set(Some((true, "Signing you in…".into())));
        leptos::task::spawn_local(async move {
            let body = edgeshop_app::api::body(&SessionRequest { token });
            match edgeshop_app::api::call("POST", "/api/admin/session", Some(&body), &[]).await {
                Ok(r) if r.ok() => edgeshop_app::api::navigate("/admin/"),
                Ok(r) => notice.set(Some((false, r.message()))),
                Err(e) => notice.set(Some((false, e))),
            }
        });
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let body = edgeshop_app::api::body(&SignInRequest { email: email.get_untracked() });
        leptos::task::spawn_local(async move {
            let reply = edgeshop_app::api::call("POST", "/api/admin/sign-in", Some(&body), &[]).await;
            busy.set(false);
            notice.set(Some(match reply {
                Ok(r) if r.ok() => {
                    (true, "Check your inbox: if this address is on the staff, a sign-in link is on its way. It works once, for 15 minutes.".into())
                }
                Ok(r) => (false, r.message()),
                Err(e) => (false, e),
            }));
        });
    };
    view! {
        <section class="sign-in" data-testid="sign-in" data-ready=move || ready.get().to_string()>
            <h1>"Sign in to the back office"</h1>
            <p>"We email you a link that signs you in. No password to remember or leak."</p>
            <form on:submit=submit>
                <label for="sign-in-email">"Your work email"</label>
                <input id="sign-in-email" type="email" autocomplete="email" required
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                <button type="submit" class="primary" aria-disabled=move || busy.get().to_string()>"Email me a sign-in link"</button>
            </form>
            <p role="status" aria-live="polite" class=move || match notice.get() { Some((true, _)) => "notice ok", Some((false, _)) => "notice error", None => "notice" }>
                {move || notice.get().map(|(_, m)| m)}
            </p>
        </section>
    }
}

/// Who is signed in, and the way out. A page whose session has ended goes to sign-in.
#[island]
pub fn AdminBar() -> impl IntoView {
    let member = RwSignal::new(None::<StaffMember>);
    let ready = hydrated();
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(m) = client::get::<StaffMember>("/api/admin/session").await {
                member.set(Some(m));
            }
        });
    });
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            let _ = edgeshop_app::api::call("DELETE", "/api/admin/session", None, &[]).await;
            edgeshop_app::api::navigate(client::SIGN_IN);
        });
    };
    view! {
        <div class="who" data-testid="admin-bar" data-ready=move || ready.get().to_string()>
            {move || member.get().map(|m| {
                let role = match m.role { Role::Owner => "owner", Role::Staff => "staff" };
                view! {
                    <span data-testid="signed-in-as">{m.email.clone()} " · " {role}</span>
                    <button type="button" on:click=sign_out data-testid="sign-out">"Sign out"</button>
                }
            })}
        </div>
    }
}
