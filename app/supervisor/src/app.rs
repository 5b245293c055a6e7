//! The frame of the supervisor's and admin's screens: the header, the navigation
//! (Ringkasan, Pendaftaran, Duplikat, and Admin for admins), a notice while the browser
//! is offline, the login form again when the token expired, and the routes of
//! [`Screen`]. Only a supervisor's or admin's session stays here: without one (or with an
//! officer's) the browser goes to the officer's app, which holds the login page.
//!
//! The region list (the table's filters, region names) comes once from `/api/regions`,
//! which the service worker keeps.

use std::sync::Arc;

use jemput_app_common::api;
use jemput_app_common::i18n::{l, label};
use jemput_app_common::login::Login;
use jemput_app_common::session::{self, OFFICER_HOME};
use jemput_app_common::shell::{Header, Shell};
use jemput_shared::domain::RegionDirectory;
use jemput_shared::policy::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{ParamSegment, StaticSegment};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::pages::admin::AdminPage;
use crate::pages::duplicates::Duplicates;
use crate::pages::overview::Overview;
use crate::pages::personal_data::PersonalData;
use crate::pages::record::RecordPage;
use crate::pages::table::RegistrationTable;
use crate::screen::{base, Screen};

/// What every supervisor screen reads besides the shell.
#[derive(Clone, Copy)]
pub struct Supervision {
    pub shell: Shell,
    /// The official region list, once it arrived.
    pub regions: RwSignal<Option<Arc<RegionDirectory>>>,
    /// The role the app was opened with (the session's, checked by the server on every
    /// call anyway).
    pub role: Role,
}

pub fn use_supervision() -> Supervision {
    expect_context::<Supervision>()
}

#[component]
pub fn App() -> impl IntoView {
    let shell = Shell::provide();
    // Supervisors and admins only; anyone else logs in (or works) in the officer's app.
    let role = shell
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.user.role))
        .filter(|role| !role.is_officer());
    Effect::new(move || {
        let officer_or_nobody = shell
            .session
            .with(|s| s.as_ref().is_none_or(|s| s.user.role.is_officer()));
        if officer_or_nobody {
            session::go_to(OFFICER_HOME);
        }
    });
    let Some(role) = role else {
        return view! { <Header /> }.into_any();
    };
    let supervision = Supervision {
        shell,
        regions: RwSignal::new(None),
        role,
    };
    provide_context(supervision);
    load_regions(supervision);
    view! {
        <Header />
        <main class="screen wide">
            <Router>
                <Nav />
                <OfflineNotice />
                {move || {
                    shell.session.get().filter(|s| s.expired).map(|_| view! { <Login relogin=true /> })
                }}
                <div class="sup">
                    <Routes fallback=Overview>
                        <Route path=(StaticSegment(base()), StaticSegment(Screen::Overview.segment())) view=Overview />
                        <Route path=(StaticSegment(base()), StaticSegment(Screen::Registrations.segment())) view=RegistrationTable />
                        <Route
                            path=(StaticSegment(base()), StaticSegment(Screen::Record.segment()), ParamSegment("id"))
                            view=RecordPage
                        />
                        <Route path=(StaticSegment(base()), StaticSegment(Screen::Duplicates.segment())) view=Duplicates />
                        <Route path=(StaticSegment(base()), StaticSegment(Screen::PersonalData.segment())) view=PersonalData />
                        <Route path=(StaticSegment(base()), StaticSegment(Screen::Admin.segment())) view=AdminPage />
                    </Routes>
                </div>
            </Router>
        </main>
    }
    .into_any()
}

/// Fetches the region list once (again after a new login if it failed).
fn load_regions(supervision: Supervision) {
    let token = Memo::new(move |_| {
        supervision
            .shell
            .session
            .with(|s| s.as_ref().filter(|s| !s.expired).map(|s| s.token.clone()))
    });
    Effect::new(move || {
        let Some(token) = token.get() else { return };
        if supervision.regions.with_untracked(Option::is_some) {
            return;
        }
        spawn_local(async move {
            if let Some(directory) = api::regions(&token)
                .await
                .ok()
                .and_then(|text| api::parse_regions(&text))
            {
                supervision.regions.set(Some(Arc::new(directory)));
            }
        });
    });
}

/// The menu: one link per screen the user may open, the current one marked; log out.
#[component]
fn Nav() -> impl IntoView {
    let supervision = use_supervision();
    let lang = supervision.shell.lang;
    let pathname = use_location().pathname;
    let current = Memo::new(move |_| Screen::of_path(&pathname.get()).menu_entry());
    let is_admin = supervision.role == Role::Admin;
    view! {
        <nav class="sup-nav" data-testid="nav">
            {Screen::MENU
                .into_iter()
                .filter(|screen| is_admin || !screen.admins_only())
                .map(|screen| {
                    view! {
                        <a href=screen.path() data-nav=screen.segment()
                            class:active=move || current.get() == screen>
                            {move || label(lang.get(), screen.label())}
                        </a>
                    }
                })
                .collect_view()}
            <button type="button" name="logout" class="link"
                on:click=move |_| {
                    supervision.shell.sign_out();
                    session::go_to(OFFICER_HOME);
                }>
                {move || l(lang.get(), "Keluar", "Log out")}
            </button>
        </nav>
    }
}

/// Says so while the browser has no network, or the server gave no answer to the last
/// call: the screens need the server.
#[component]
fn OfflineNotice() -> impl IntoView {
    let shell = use_supervision().shell;
    let lang = shell.lang;
    let online = RwSignal::new(
        web_sys::window()
            .map(|w| w.navigator().on_line())
            .unwrap_or(true),
    );
    if let Some(window) = web_sys::window() {
        for (event, value) in [("online", true), ("offline", false)] {
            let listener = Closure::<dyn FnMut()>::new(move || {
                online.try_set(value);
                if value {
                    // Worth trying again; the next call that gets no answer says so.
                    shell.unreachable.try_set(false);
                }
            });
            let _ =
                window.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
            // The notice lives as long as the page.
            listener.forget();
        }
    }
    view! {
        <Show when=move || !online.get() || shell.unreachable.get()>
            <p class="alert error" role="alert" data-testid="offline">
                {move || l(
                    lang.get(),
                    "Tidak ada koneksi internet. Layar pengawas memerlukan koneksi; data akan muncul lagi setelah tersambung.",
                    "No internet connection. The supervisor's screens need one; the data returns once connected.",
                )}
            </p>
        </Show>
    }
}
