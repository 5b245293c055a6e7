//! Small settings kept in the browser's local storage through `gloo-storage`: the
//! session and the language (shared with the supervisor's app, `jemput_app_common`), and
//! when this officer's sync last succeeded. The registrations themselves live in
//! IndexedDB (`local_db`).

use gloo_storage::{LocalStorage, Storage};

pub use jemput_app_common::session::*;

const LAST_SYNC: &str = "jemput.last_sync_ms";

/// When the last sync completed, in ms since the epoch, per user.
pub fn last_sync(user_id: &str) -> Option<f64> {
    LocalStorage::get(format!("{LAST_SYNC}.{user_id}")).ok()
}

pub fn store_last_sync(user_id: &str, at_ms: f64) {
    let _ = LocalStorage::set(format!("{LAST_SYNC}.{user_id}"), at_ms);
}
