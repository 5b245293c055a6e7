//! The session and the language, kept in the browser's local storage (`gloo-storage`)
//! and shared by both apps of the origin (an officer's without its token, see
//! [`store_session`]); and which app serves which role.

use gloo_storage::{LocalStorage, Storage};
use jemput_shared::api::auth::{DeviceCheck, UserView};
use jemput_shared::policy::Role;
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

const SESSION: &str = "jemput.session";
const LANG: &str = "jemput.lang";

/// Where the supervisor's and admin's app lives: its own `index.html` under this path
/// (the server and the service worker serve it for the whole subtree).
pub use jemput_shared::api::SUPERVISOR_HOME;
/// Where the officer's app lives; it also holds the login page for everyone.
pub const OFFICER_HOME: &str = "/";

/// The app that serves `role`: officers work offline in the officer's app, supervisors
/// and admins online in theirs.
pub fn home_of(role: Role) -> &'static str {
    if role.is_officer() {
        OFFICER_HOME
    } else {
        SUPERVISOR_HOME
    }
}

/// What a login leaves on the device. The token may expire or be revoked while the
/// device is offline; an officer's data entry never depends on it, only sync does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub device_id: String,
    pub user: UserView,
    /// Set when the server refused the token: the user logs in again.
    #[serde(default)]
    pub expired: bool,
    /// The device's check (`jemput_shared::api::auth::DeviceCheck`): opens nothing, so
    /// it is kept in clear; a locked app asks with it whether the phone was marked lost.
    /// Empty for a session of an older version.
    #[serde(default)]
    pub device_check: String,
    /// An officer's device's receipt key, as the login gave it: the officer's app seals
    /// it in the user's database at once (`receipts.rs` there); never kept in local
    /// storage ([`store_session`]). Empty after a start.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub receipt_key: String,
}

impl Session {
    /// This device's proof of itself without its token, if the login gave one.
    pub fn device_check(&self) -> Option<DeviceCheck> {
        (!self.device_check.is_empty()).then(|| DeviceCheck {
            device_id: self.device_id.clone(),
            check: self.device_check.clone(),
        })
    }
}

pub fn session() -> Option<Session> {
    LocalStorage::get(SESSION).ok()
}

/// Keeps the session for the next start. An officer's token is left out: it opens the
/// records' sync, so the officer's app keeps it sealed in the user's database and fills
/// it in when the PIN unlocks (supervisors and admins work online, with no records on
/// the device, and keep theirs here).
pub fn store_session(session: &Session) {
    if let Err(error) = LocalStorage::set(SESSION, kept(session)) {
        web_sys::console::warn_1(&format!("cannot store the session: {error}").into());
    }
}

/// What [`store_session`] keeps of `session`.
fn kept(session: &Session) -> Session {
    Session {
        token: if session.user.role.is_officer() {
            String::new()
        } else {
            session.token.clone()
        },
        receipt_key: String::new(),
        ..session.clone()
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

/// Leaves for `path` (another app of the origin, or the login) without keeping this page
/// in the history.
pub fn go_to(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().replace(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn officers_stay_in_their_app_and_the_others_go_to_the_supervisors() {
        assert_eq!(home_of(Role::Officer), OFFICER_HOME);
        assert_eq!(home_of(Role::Supervisor), SUPERVISOR_HOME);
        assert_eq!(home_of(Role::Admin), SUPERVISOR_HOME);
    }

    #[test]
    fn an_officers_token_is_never_kept_in_local_storage_the_others_are() {
        let stored = r#"{"token":"t","device_id":"d","user":{"id":"u","username":"siti",
            "display_name":"Siti","role":"officer","regions":["17.01.01"]}}"#;
        let mut session: Session = serde_json::from_str(stored).unwrap();
        session.receipt_key = "k".into();
        assert_eq!(kept(&session).token, "");
        assert_eq!(kept(&session).receipt_key, "");
        assert_eq!(kept(&session).user, session.user);
        session.user.role = Role::Supervisor;
        assert_eq!(kept(&session).token, "t");
    }

    #[test]
    fn a_session_stored_before_the_typed_user_still_reads() {
        let stored = r#"{"token":"t","device_id":"d","user":{"id":"u","username":"siti",
            "display_name":"Siti","role":"officer","regions":["17.01.01"]}}"#;
        let session: Session = serde_json::from_str(stored).unwrap();
        assert_eq!(session.user.role, Role::Officer);
        assert!(!session.expired);
    }
}
