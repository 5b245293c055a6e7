//! Log in (online, once per device). Also shown above the screens when the token expired
//! or was revoked: the officer keeps working, and logs in again to sync.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::i18n::l;
use crate::settings;
use crate::state::use_state;

#[component]
pub fn Login(#[prop(optional)] relogin: bool) -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let username = RwSignal::new(
        state
            .session
            .get_untracked()
            .map(|s| s.user.username)
            .unwrap_or_default(),
    );
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = api::login(&username.get_untracked(), &password.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(session) => {
                    let previous = state.session.get_untracked();
                    if let Some(previous) = previous.filter(|p| !p.expired) {
                        api::logout(&previous.token).await;
                    }
                    settings::store_session(&session);
                    password.set(String::new());
                    state.session.set(Some(session));
                    state.sync.update(|s| {
                        s.error = None;
                        s.retry_at = 0.0;
                    });
                    crate::scheduler::request_sync(state);
                }
                Err(failure) => error.set(Some(failure.describe(lang.get_untracked()))),
            }
        });
    };
    view! {
        <form class="card login" on:submit=submit>
            <h1>
                {move || if relogin {
                    l(lang.get(), "Masuk lagi untuk mengirim data", "Log in again to send data")
                } else {
                    l(lang.get(), "Masuk", "Log in")
                }}
            </h1>
            <label>
                <span>{move || l(lang.get(), "Nama pengguna", "Username")}</span>
                <input
                    name="username"
                    autocomplete="username"
                    autocapitalize="none"
                    required
                    prop:value=move || username.get()
                    on:input=move |ev| username.set(event_target_value(&ev))
                />
            </label>
            <label>
                <span>{move || l(lang.get(), "Kata sandi", "Password")}</span>
                <input
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))
                />
            </label>
            {move || error.get().map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
            <button type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() {
                    l(lang.get(), "Memeriksa…", "Checking…")
                } else {
                    l(lang.get(), "Masuk", "Log in")
                }}
            </button>
        </form>
    }
}
