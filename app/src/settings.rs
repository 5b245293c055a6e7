//! Small settings kept in the browser's local storage through `gloo-storage`: the
//! session (token, device and user), the language, and when sync last succeeded. The
//! registrations themselves live in IndexedDB (`local_db`).

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

const SESSION: &str = "jemput.session";
const LANG: &str = "jemput.lang";
const LAST_SYNC: &str = "jemput.last_sync_ms";

/// The signed-in user as the server described them at login.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserProfile {
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// `officer`, `supervisor` or `admin`.
    pub role: String,
    pub regions: Vec<String>,
}

impl UserProfile {
    /// Officers register on their phone and sync; supervisors and admins work online.
    pub fn is_officer(&self) -> bool {
        self.role == "officer"
    }
}

/// What a login leaves on the device. The token may expire or be revoked while the
/// device is offline; data entry never depends on it, only sync does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub device_id: String,
    pub user: UserProfile,
    /// Set when the server refused the token: sync waits for a new login, entry goes on.
    #[serde(default)]
    pub expired: bool,
}

pub fn session() -> Option<Session> {
    LocalStorage::get(SESSION).ok()
}

pub fn store_session(session: &Session) {
    if let Err(error) = LocalStorage::set(SESSION, session) {
        web_sys_log(&format!("cannot store the session: {error}"));
    }
}

pub fn forget_session() {
    LocalStorage::delete(SESSION);
}

pub fn lang() -> Lang {
    LocalStorage::get(LANG).unwrap_or_default()
}

pub fn store_lang(lang: Lang) {
    let _ = LocalStorage::set(LANG, lang);
}

/// When the last sync completed, in ms since the epoch, per user.
pub fn last_sync(user_id: &str) -> Option<f64> {
    LocalStorage::get(format!("{LAST_SYNC}.{user_id}")).ok()
}

pub fn store_last_sync(user_id: &str, at_ms: f64) {
    let _ = LocalStorage::set(format!("{LAST_SYNC}.{user_id}"), at_ms);
}

fn web_sys_log(text: &str) {
    web_sys::console::warn_1(&text.into());
}
