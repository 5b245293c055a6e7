//! The supervisor's and admin's web app (Leptos, client-side rendered, compiled to
//! WebAssembly), served at `/pengawas/` as its own bundle: it carries no Automerge,
//! IndexedDB or sync code — supervisors work online against the JSON API.
//!
//! `app` is the frame (the session check, navigation, the routes of [`screen::Screen`]);
//! `pages` holds one module per screen; `api` fetches the shared API types
//! (`jemput_shared::api`) for them; `live` follows `/api/events`; `components` are the
//! small pieces several screens draw. Languages, the session and the login form are
//! both apps' (`jemput_app_common`).
#![forbid(unsafe_code)]

mod api;
mod app;
mod components;
mod live;
mod pages;
mod screen;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
