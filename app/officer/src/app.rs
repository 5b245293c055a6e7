//! The frame around every screen: header with the language switch, the new-version
//! banner, the sync status line and the current screen — or the login form. A
//! supervisor's or admin's session is sent on to their own app. Also the start-up
//! sequence: open the user's database, unlock it with the PIN (`lock`), load the list and
//! the cached regions, start syncing.

use jemput_app_common::login::Login;
use jemput_app_common::shell::{Header, Shell};
use leptos::lazy;
use leptos::prelude::*;
use leptos::task::spawn_local;

use std::rc::Rc;

use crate::i18n::l;
use crate::local_db::LocalDb;
use crate::lock::{self, Lock, PinGate};
use crate::pages::{
    follow_up::FollowUpForm, form::RegistrationForm, list::RecordList, receipt::Receipt,
    status::StatusBar, work_list::WorkList,
};
use crate::state::{set_db, AppState, Screen, SyncStatus};
use crate::{pwa, regions, scheduler, settings};

#[component]
pub fn App() -> impl IntoView {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let shell = Shell::provide();
    let last_success = shell
        .session
        .with_untracked(|s| s.as_ref().and_then(|s| settings::last_sync(&s.user.id)));
    let state = AppState {
        lang: shell.lang,
        session: shell.session,
        screen: RwSignal::new(Screen::from_hash(&hash)),
        summaries: RwSignal::new(Vec::new()),
        db_ready: RwSignal::new(false),
        db_error: RwSignal::new(None),
        regions: RwSignal::new(None),
        sync: RwSignal::new(SyncStatus {
            last_success,
            ..SyncStatus::default()
        }),
        storage: RwSignal::new(None),
        update_ready: RwSignal::new(false),
        saving: RwSignal::new(false),
        notice: RwSignal::new(None),
        lock: RwSignal::new(Lock::Opening),
    };
    provide_context(state);
    pwa::register_service_worker(state.update_ready);
    pwa::on_hash_change(move |_| {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        let screen = Screen::from_hash(&hash);
        if state.screen.get_untracked() != screen {
            state.screen.set(screen);
        }
    });
    // Supervisors and admins work in their own app, online: no local database here.
    Effect::new(move || {
        if let Some(role) = state.session.with(|s| s.as_ref().map(|s| s.user.role)) {
            if !role.is_officer() {
                settings::go_to(settings::home_of(role));
            }
        }
    });
    // The user whose database is open (the signed-in screens open it on first use).
    let opened_for = StoredValue::new(None::<String>);
    let signed_in = Memo::new(move |_| {
        state
            .session
            .with(|s| s.as_ref().is_some_and(|s| s.user.role.is_officer()))
    });
    let loading = move || view! { <p class="loading">{move || l(state.lang.get(), "Memuat…", "Loading…")}</p> };
    view! {
        <Header />
        <UpdateBanner />
        <main class="screen">
            {move || if signed_in.get() {
                view! {
                    <Suspense fallback=loading>
                        {Suspend::new(async move { signed_in_screens(state, opened_for).await })}
                    </Suspense>
                }.into_any()
            } else {
                view! { <Login on_login=move |_| clear_sync_failure(state) /> }.into_any()
            }}
        </main>
    }
}

/// A new login clears the last sync failure.
fn clear_sync_failure(state: AppState) {
    state.sync.update(|s| {
        s.error = None;
        s.retry_at = 0.0;
    });
}

/// Everything a signed-in officer uses — the local database, Automerge, the sync engine
/// and the screens — in a chunk of its own that the login form does not wait for (the
/// build splits the wasm here; the service worker keeps the chunk for offline starts).
/// Opens `opened_for`'s database when another officer signed in, and sends what waits.
#[allow(unsafe_code)] // the split point's loader is an `extern` import (leptos's `#[lazy]`)
#[lazy]
fn signed_in_screens(state: AppState, opened_for: StoredValue<Option<String>>) -> AnyView {
    Effect::new(move || {
        let Some(session) = state.session.get() else {
            return;
        };
        if !session.user.role.is_officer()
            || opened_for.get_value().as_deref() == Some(session.user.id.as_str())
        {
            return;
        }
        opened_for.set_value(Some(session.user.id.clone()));
        state.lock.set(Lock::Opening);
        spawn_local(async move {
            if let Err(error) = lock::open(state, session.user.id.clone()).await {
                state.db_error.set(Some(error));
            }
        });
    });
    view! {
        {move || {
            state
                .db_error
                .get()
                .filter(|_| state.lock.get() != Lock::Unlocked)
                .map(|error| view! { <p class="alert error" role="alert">{error}</p> })
        }}
        <Show when=move || state.lock.get() == Lock::Unlocked fallback=|| view! { <PinGate /> }>
            <SignedIn />
        </Show>
    }
    .into_any()
}

/// A new login clears the last sync failure, keeps the new token sealed and sends what
/// waits at once.
fn after_login(state: AppState, session: crate::settings::Session) {
    lock::keep_token(session.token.clone());
    if let Some(db) = crate::state::db() {
        spawn_local(async move { crate::receipts::keep_key(&db, &session).await });
    }
    clear_sync_failure(state);
    scheduler::request_sync(state);
}

/// The PIN opened the user's database: load the list and the cached regions, start
/// syncing (the timers once per page), and watch for idleness.
pub async fn after_unlock(state: AppState, db: Rc<LocalDb>) {
    if let Some(session) = state.session.get_untracked() {
        crate::receipts::keep_key(&db, &session).await;
    }
    let cached = regions::cached(&db).await;
    set_db(Some(db));
    if let Some(directory) = cached {
        state.regions.set(Some(directory.into()));
    }
    state.reload_summaries().await;
    state.db_ready.set(true);
    if !STARTED.with(|s| s.replace(true)) {
        scheduler::start(state);
        lock::watch_idle(state);
        crate::sample_data::expose(state);
    } else {
        scheduler::request_sync(state);
    }
    state.storage.set(pwa::storage_info(true).await);
    if let (Some(db), Some(session)) = (crate::state::db(), state.session.get_untracked()) {
        if !session.expired && !session.token.is_empty() {
            if let Some(directory) = regions::refresh(&db, &session.token).await {
                state.regions.set(Some(directory.into()));
            }
        }
    }
}

thread_local! {
    /// The sync timers and the idle watch run once per page.
    static STARTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[component]
fn SignedIn() -> impl IntoView {
    let state = crate::state::use_state();
    let lang = state.lang;
    view! {
        <StatusBar />
        {move || {
            state
                .db_error
                .get()
                .map(|error| view! { <p class="alert error" role="alert">{error}</p> })
        }}
        {move || {
            state
                .session
                .get()
                .filter(|s| s.expired)
                .map(|_| view! { <Login relogin=true on_login=move |session| after_login(state, session) /> })
        }}
        <Show
            when=move || state.db_ready.get()
            fallback=move || view! { <p class="loading">{move || l(lang.get(), "Memuat…", "Loading…")}</p> }
        >
            {move || match state.screen.get() {
                Screen::New => view! { <RegistrationForm id=None /> }.into_any(),
                Screen::Edit(id) => view! { <RegistrationForm id=Some(id) /> }.into_any(),
                Screen::Receipt(id) => view! { <Receipt id /> }.into_any(),
                Screen::FollowUp(id) => view! { <FollowUpForm id /> }.into_any(),
                Screen::WorkList => view! { <WorkList /> }.into_any(),
                _ => view! { <RecordList /> }.into_any(),
            }}
        </Show>
    }
}

#[component]
fn UpdateBanner() -> impl IntoView {
    let state = crate::state::use_state();
    view! {
        <Show when=move || state.update_ready.get()>
            <div class="alert info update" role="status">
                <span>
                    {move || l(
                        state.lang.get(),
                        "Versi baru aplikasi tersedia. Data yang belum terkirim tetap aman.",
                        "A new version of the app is available. Unsent data stays safe.",
                    )}
                </span>
                <button
                    type="button"
                    name="apply_update"
                    disabled=move || state.saving.get()
                    on:click=move |_| pwa::apply_update()
                >
                    {move || l(state.lang.get(), "Perbarui", "Update")}
                </button>
            </div>
        </Show>
    }
}
