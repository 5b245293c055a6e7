//! The app's shared state: signals every screen reads (language and session, which are
//! the common [`jemput_app_common::shell::Shell`]'s, the list of summaries, sync status)
//! and the open IndexedDB database.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use jemput_shared::domain::RegionDirectory;
use leptos::prelude::*;

use crate::i18n::Lang;
use crate::local_db::{LocalDb, Summary};
use crate::pwa::StorageInfo;
use crate::settings::Session;

thread_local! {
    static DB: RefCell<Option<Rc<LocalDb>>> = const { RefCell::new(None) };
}

/// The signed-in user's database, once opened.
pub fn db() -> Option<Rc<LocalDb>> {
    DB.with(|db| db.borrow().clone())
}

pub fn set_db(local: Option<Rc<LocalDb>>) {
    DB.with(|db| *db.borrow_mut() = local);
}

/// Which screen is shown; kept in the URL fragment so a reload stays on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// `#/`: the officer's registrations.
    List,
    /// `#/baru`: a new registration.
    New,
    /// `#/data/<id>`: one registration, to edit.
    Edit(String),
    /// `#/bukti/<id>`: the citizen's receipt for a registration.
    Receipt(String),
    /// `#/tindak-lanjut/<id>`: recording a follow-up step on a registration.
    FollowUp(String),
    /// `#/perlu-ditindaklanjuti`: the records that need the officer again.
    WorkList,
}

impl Screen {
    /// The fragments (after `#`): one home for both directions.
    const LIST: &'static str = "/";
    const NEW: &'static str = "/baru";
    const EDIT: &'static str = "/data/";
    const RECEIPT: &'static str = "/bukti/";
    const FOLLOW_UP: &'static str = "/tindak-lanjut/";
    const WORK_LIST: &'static str = "/perlu-ditindaklanjuti";

    pub fn from_hash(hash: &str) -> Screen {
        let hash = hash.trim_start_matches('#');
        if hash == Self::NEW {
            Screen::New
        } else if hash == Self::WORK_LIST {
            Screen::WorkList
        } else if let Some(id) = hash.strip_prefix(Self::FOLLOW_UP) {
            Screen::FollowUp(id.to_owned())
        } else if let Some(id) = hash.strip_prefix(Self::EDIT) {
            Screen::Edit(id.to_owned())
        } else if let Some(id) = hash.strip_prefix(Self::RECEIPT) {
            Screen::Receipt(id.to_owned())
        } else {
            Screen::List
        }
    }

    pub fn hash(&self) -> String {
        match self {
            Screen::List => format!("#{}", Self::LIST),
            Screen::New => format!("#{}", Self::NEW),
            Screen::Edit(id) => format!("#{}{id}", Self::EDIT),
            Screen::Receipt(id) => format!("#{}{id}", Self::RECEIPT),
            Screen::FollowUp(id) => format!("#{}{id}", Self::FOLLOW_UP),
            Screen::WorkList => format!("#{}", Self::WORK_LIST),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncStatus {
    pub running: bool,
    /// ms since the epoch.
    pub last_success: Option<f64>,
    /// The last failure that needs the officer's attention, in their words (already
    /// translated when set). No signal is not one: see `offline`.
    pub error: Option<String>,
    /// The browser has no network, or the last attempt got no answer (a dead link or a
    /// Wi-Fi without internet). The normal state in the field: shown calmly.
    pub offline: bool,
    /// Earliest time for an automatic retry after a failure (ms since the epoch).
    pub retry_at: f64,
    /// Failures in a row, for the backoff.
    pub failures: u32,
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub lang: RwSignal<Lang>,
    pub session: RwSignal<Option<Session>>,
    pub screen: RwSignal<Screen>,
    pub summaries: RwSignal<Vec<Summary>>,
    pub db_ready: RwSignal<bool>,
    pub db_error: RwSignal<Option<String>>,
    pub regions: RwSignal<Option<Arc<RegionDirectory>>>,
    pub sync: RwSignal<SyncStatus>,
    pub storage: RwSignal<Option<StorageInfo>>,
    pub update_ready: RwSignal<bool>,
    /// True while a save is being written; an update waits for it.
    pub saving: RwSignal<bool>,
    /// A short message shown once (e.g. "Tersimpan").
    pub notice: RwSignal<Option<String>>,
    /// Where the PIN lock stands; the screens show only when `Unlocked`.
    pub lock: RwSignal<crate::lock::Lock>,
}

impl AppState {
    /// Records waiting to be sent (refused ones wait for an edit instead).
    pub fn pending(&self) -> usize {
        self.summaries.with(|list| {
            list.iter()
                .filter(|s| s.pending && s.rejected.is_none())
                .count()
        })
    }

    pub fn go(&self, screen: Screen) {
        if let Some(window) = web_sys::window() {
            let _ = window.location().set_hash(&screen.hash());
        }
        self.screen.set(screen);
    }

    /// Records not on the server: waiting, or refused and waiting for an edit. Logging
    /// out would lose them.
    pub fn unsent(&self) -> usize {
        self.summaries
            .with(|list| list.iter().filter(|s| s.pending).count())
    }

    /// Puts a saved record's summary in the list, without reading the others again.
    pub fn put_summary(&self, summary: Summary) {
        self.summaries.update(|list| {
            list.retain(|s| s.id != summary.id);
            list.push(summary);
            list.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        });
    }

    /// Reloads the list from IndexedDB.
    pub async fn reload_summaries(&self) {
        let Some(db) = db() else { return };
        match db.all_summaries().await {
            Ok(mut list) => {
                list.sort_by_key(|s| std::cmp::Reverse(s.created_at));
                self.summaries.set(list);
            }
            Err(error) => self
                .db_error
                .set(Some(error.describe(self.lang.get_untracked()))),
        }
    }
}

pub fn use_state() -> AppState {
    expect_context::<AppState>()
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[cfg(test)]
mod tests {
    use super::Screen;

    #[test]
    fn every_screen_is_found_at_its_own_hash() {
        let screens = [
            Screen::List,
            Screen::New,
            Screen::Edit("abc-1".into()),
            Screen::Receipt("abc-1".into()),
            Screen::FollowUp("abc-1".into()),
            Screen::WorkList,
        ];
        for screen in screens {
            assert_eq!(Screen::from_hash(&screen.hash()), screen);
        }
        assert_eq!(Screen::List.hash(), "#/");
        assert_eq!(Screen::from_hash(""), Screen::List);
    }
}
