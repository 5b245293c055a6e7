//! Log in (online, once per device), for both apps. Also shown above the screens when
//! the token expired or was revoked: the officer keeps working and logs in again to sync;
//! a supervisor logs in again where they were.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::i18n::l;
use crate::session::{self, Session};
use crate::shell::use_shell;

/// The login form. After a login the new session is stored and set in the shell, then
/// `on_login` runs (the officer's app starts a sync).
#[component]
pub fn Login(
    #[prop(optional)] relogin: bool,
    #[prop(optional, into)] on_login: Option<Callback<Session>>,
) -> impl IntoView {
    let shell = use_shell();
    let lang = shell.lang;
    let username = RwSignal::new(
        shell
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
                    let previous = shell.session.get_untracked();
                    // (A locked officer's app does not hold its token: nothing to end.)
                    if let Some(previous) = previous.filter(|p| !p.expired && !p.token.is_empty()) {
                        api::logout(&previous.token).await;
                    }
                    session::store_session(&session);
                    password.set(String::new());
                    shell.session.set(Some(session.clone()));
                    if let Some(on_login) = on_login {
                        on_login.run(session);
                    }
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
