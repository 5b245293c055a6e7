//! The sync status line, always visible: records waiting to be sent, the last successful
//! sync, any error in plain words, a "Sync now" button, and how much space the app uses.

use leptos::prelude::*;

use crate::i18n::l;
use crate::scheduler;
use crate::state::use_state;

#[component]
pub fn StatusBar() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let waiting = move || state.pending();
    let last = move || {
        state.sync.get().last_success.map(|ms| {
            let date = js_sys::Date::new(&ms.into());
            let locale = if lang.get() == crate::i18n::Lang::Id {
                "id-ID"
            } else {
                "en-GB"
            };
            String::from(date.to_locale_string(locale, &js_sys::Object::new()))
        })
    };
    view! {
        <section class="status" aria-live="polite">
            <p class="waiting" data-waiting=move || waiting().to_string()>
                <strong>{waiting}</strong>
                " "
                {move || l(lang.get(), "data menunggu dikirim", "records waiting to be sent")}
            </p>
            <p class="last-sync">
                {move || l(lang.get(), "Sinkron terakhir: ", "Last sync: ")}
                {move || last().unwrap_or_else(|| l(lang.get(), "belum pernah", "never").to_owned())}
                {move || state.sync.get().running.then(|| l(lang.get(), " · sedang sinkron…", " · syncing…"))}
            </p>
            {move || state.sync.get().error.map(|e| view! { <p class="sync-error" role="alert">{e}</p> })}
            {move || state.storage.get().map(|s| {
                let used = s.usage_bytes / 1_048_576.0;
                let quota = s.quota_bytes / 1_048_576.0;
                view! {
                    <p class="storage">
                        {move || l(lang.get(), "Penyimpanan: ", "Storage: ")}
                        {format!("{used:.1} / {quota:.0} MB")}
                        {move || (!s.persisted).then(|| l(lang.get(), " (belum permanen)", " (not persistent)"))}
                    </p>
                }
            })}
            <button
                type="button"
                name="sync_now"
                class="secondary"
                disabled=move || state.sync.get().running
                on:click=move |_| {
                    state.sync.update(|s| s.retry_at = 0.0);
                    scheduler::request_sync(state);
                }
            >
                {move || l(lang.get(), "Sinkronkan sekarang", "Sync now")}
            </button>
            <button type="button" name="logout" class="link" on:click=move |_| logout(state)>
                {move || l(lang.get(), "Keluar", "Log out")}
            </button>
        </section>
    }
}

/// Signs out. Records stay in this phone's database for the next login of the same user;
/// with records still unsent the officer is asked first.
pub(crate) fn logout(state: crate::state::AppState) {
    let lang = state.lang.get_untracked();
    let waiting = state.pending();
    if waiting > 0 {
        let question = format!(
            "{waiting} {}",
            l(
                lang,
                "data belum terkirim. Data tetap di ponsel ini dan terkirim setelah Anda masuk lagi. Keluar?",
                "records are not sent yet. They stay on this phone and are sent after you log in again. Log out?"
            )
        );
        let confirmed = web_sys::window()
            .and_then(|w| w.confirm_with_message(&question).ok())
            .unwrap_or(false);
        if !confirmed {
            return;
        }
    }
    if let Some(session) = state.session.get_untracked() {
        leptos::task::spawn_local(async move { crate::api::logout(&session.token).await });
    }
    crate::settings::forget_session();
    crate::state::set_db(None);
    if let Some(window) = web_sys::window() {
        let _ = window
            .location()
            .set_hash(&crate::state::Screen::List.hash());
        let _ = window.location().reload();
    }
}
