//! Small settings kept in the browser's local storage through `gloo-storage`, none of
//! them personal: the session without its token and the language (shared with the
//! supervisor's app, `jemput_app_common`), when this officer's sync last succeeded,
//! after how long the app locks, and the consent notice to show. The registrations and the token live sealed in
//! IndexedDB (`local_db`, `lock`).

use gloo_storage::{LocalStorage, Storage};

pub use jemput_app_common::session::*;

const LAST_SYNC: &str = "jemput.last_sync_ms";
const CONSENT_TEXT: &str = "jemput.consent_text";

/// The consent notice to show: the one last fetched from the server, or the built-in
/// first version before any was.
pub fn consent_text() -> jemput_shared::api::consent::ConsentText {
    LocalStorage::get(CONSENT_TEXT).unwrap_or_else(|_| jemput_shared::api::consent::first_text())
}

pub fn store_consent_text(text: &jemput_shared::api::consent::ConsentText) {
    let _ = LocalStorage::set(CONSENT_TEXT, text);
}

/// When the last sync completed, in ms since the epoch, per user.
pub fn last_sync(user_id: &str) -> Option<f64> {
    LocalStorage::get(format!("{LAST_SYNC}.{user_id}")).ok()
}

pub fn store_last_sync(user_id: &str, at_ms: f64) {
    let _ = LocalStorage::set(format!("{LAST_SYNC}.{user_id}"), at_ms);
}

pub fn forget_last_sync(user_id: &str) {
    LocalStorage::delete(format!("{LAST_SYNC}.{user_id}"));
}

const LOCK_AFTER: &str = "jemput.lock_after_minutes";
/// Minutes without a touch after which the app locks, unless the officer chose others.
pub const DEFAULT_LOCK_AFTER_MINUTES: u32 = 5;
/// The choices the status line offers.
pub const LOCK_AFTER_CHOICES: [u32; 5] = [1, 2, 5, 10, 15];

/// Minutes without a touch after which the app locks (a setting of this phone).
pub fn lock_after_minutes() -> u32 {
    LocalStorage::get(LOCK_AFTER)
        .ok()
        .filter(|m| LOCK_AFTER_CHOICES.contains(m))
        .unwrap_or(DEFAULT_LOCK_AFTER_MINUTES)
}

pub fn store_lock_after_minutes(minutes: u32) {
    let _ = LocalStorage::set(LOCK_AFTER, minutes);
}
