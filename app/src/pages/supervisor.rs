//! The frame of the supervisor's and admin's screens: the navigation (Ringkasan,
//! Pendaftaran, Duplikat, and Admin for admins), the login form again when the token
//! expired, and the current screen. Supervisors work online against the API: no local
//! database, no sync; the region list (for the table's filters and the region names) comes
//! from `/api/regions`, which the service worker keeps.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::l;
use crate::pages::admin::AdminPage;
use crate::pages::duplicates::Duplicates;
use crate::pages::login::Login;
use crate::pages::overview::Overview;
use crate::pages::record::RecordPage;
use crate::pages::table::RegistrationTable;
use crate::state::{use_state, Screen};
use crate::{api, regions};

/// The navigation: (screen, hash, Indonesian, English, admins only).
const NAV: &[(u8, &str, &str, &str, bool)] = &[
    (0, "#/ringkasan", "Ringkasan", "Overview", false),
    (1, "#/pendaftaran", "Pendaftaran", "Registrations", false),
    (3, "#/duplikat", "Duplikat", "Duplicates", false),
    (4, "#/admin", "Admin", "Admin", true),
];

/// Which screen `screen` is for the frame (a record belongs to the table's menu entry;
/// the officer's screens fall back to the overview).
fn kind(screen: &Screen) -> u8 {
    match screen {
        Screen::Table(_) => 1,
        Screen::Record(_) => 2,
        Screen::Duplicates => 3,
        Screen::Admin => 4,
        _ => 0,
    }
}

#[component]
pub fn SupervisorFrame() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let is_admin = state
        .session
        .with_untracked(|s| s.as_ref().is_some_and(|s| s.user.role == "admin"));
    // Only a change of screen redraws it: the table's filters live in the hash too.
    let current = Memo::new(move |_| state.screen.with(kind));
    if state.regions.with_untracked(Option::is_none) {
        let token = state
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()));
        spawn_local(async move {
            let Some(token) = token else { return };
            if let Some(directory) = api::regions(&token)
                .await
                .ok()
                .and_then(|t| regions::parse(&t))
            {
                state.regions.set(Some(directory.into()));
            }
        });
    }
    view! {
        <nav class="sup-nav" data-testid="nav">
            {move || {
                let lang = lang.get();
                let active = match current.get() {
                    2 => 1,
                    4 if !is_admin => 0,
                    k => k,
                };
                NAV.iter()
                    .filter(|entry| is_admin || !entry.4)
                    .map(|&(k, href, id, en, _)| {
                        view! {
                            <a href=href class:active=k == active data-nav=href>{l(lang, id, en)}</a>
                        }
                    })
                    .collect_view()
            }}
            <button type="button" name="logout" class="link"
                on:click=move |_| crate::pages::status::logout(state)>
                {move || l(lang.get(), "Keluar", "Log out")}
            </button>
        </nav>
        {move || state.session.get().filter(|s| s.expired).map(|_| view! { <Login relogin=true /> })}
        <div class="sup">
            {move || match current.get() {
                1 => view! { <RegistrationTable /> }.into_any(),
                2 => view! { <RecordPage /> }.into_any(),
                3 => view! { <Duplicates /> }.into_any(),
                4 if is_admin => view! { <AdminPage /> }.into_any(),
                _ => view! { <Overview /> }.into_any(),
            }}
        </div>
    }
}
