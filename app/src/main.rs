//! Jemput's web app (Leptos, client-side rendered, compiled to WebAssembly): the field
//! officer's offline registration screens, and the supervisor's and admin's online ones
//! (`pages::supervisor` and the screens it frames, over `supervisor_api` and `live`).
//!
//! Registrations are Automerge documents in IndexedDB (`local_db`, `records`); the
//! shared sync core runs over `fetch` (`sync_engine`, started by `scheduler`); a service
//! worker keeps the app shell for offline starts (`pwa`). Screens are in `pages`; the
//! texts of both languages sit beside the code that shows them (`i18n`).

mod admin_api;
mod api;
mod app;
mod format;
mod html;
mod i18n;
mod live;
mod local_db;
mod pages;
mod pwa;
mod records;
mod regions;
mod sample_data;
mod scheduler;
mod settings;
mod state;
mod supervisor_api;
mod sync_engine;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
