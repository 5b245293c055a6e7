//! The field officer's web app (Leptos, client-side rendered, compiled to WebAssembly):
//! registering people offline on a cheap phone, and syncing when a signal returns. It is
//! served at `/` and holds the login page for everyone; a supervisor's or admin's session
//! goes on to their own app (`app/supervisor`, at `/pengawas/`), which this bundle does
//! not carry.
//!
//! Registrations are Automerge documents in IndexedDB (`local_db`, `records`), every
//! value sealed with a data key that only the officer's PIN unwraps (`vault`, `lock`); the
//! shared sync core runs over `fetch` (`sync_engine`, started by `scheduler`); a service
//! worker keeps the app shell for offline starts (`pwa`). Screens are in `pages`; the
//! texts of both languages sit beside the code that shows them (`i18n`, shared with the
//! supervisor's app like the session, the login form and the API calls).
// No unsafe code, but for the one split point `app::signed_in_screens` (see there).
#![deny(unsafe_code)]

mod api;
mod app;
mod kept_draft;
mod local_db;
mod lock;
mod pages;
mod pwa;
mod receipts;
mod records;
mod regions;
mod remote_wipe;
mod sample_data;
mod scheduler;
mod settings;
mod state;
mod sync_engine;
mod vault;

use jemput_app_common::i18n;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
