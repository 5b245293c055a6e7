//! A form's unsaved input, kept across the idle lock.
//!
//! The idle lock reloads the page to drop every key and opened record from memory
//! (`lock::watch_idle`). An officer interrupted half-way through a registration would
//! lose what was typed; so, just before that reload, the open form's input is sealed
//! into the user's database (`meta`, like every other value: under the data key), and
//! the same form takes it back — once — when it opens again after the PIN.

use std::cell::{Cell, RefCell};

use jemput_shared::registration::Registration;
use serde::{Deserialize, Serialize};

use crate::local_db::LocalDb;

/// Its key in `meta` (sealed).
const KEY: &str = "form_draft";

/// What the open form had typed: for a new registration (`record: None`) or an edit of
/// the record `record`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptDraft {
    pub record: Option<String>,
    pub registration: Registration,
}

type Reader = Box<dyn Fn() -> Option<KeptDraft>>;

thread_local! {
    /// The open form (its number) and how to read its unsaved input.
    static OPEN_FORM: RefCell<Option<(u64, Reader)>> = const { RefCell::new(None) };
    static FORMS_OPENED: Cell<u64> = const { Cell::new(0) };
}

/// The form that opens registers how to read its unsaved input (`None`: nothing to
/// keep); the number it gets back closes it.
pub fn form_opened(read: impl Fn() -> Option<KeptDraft> + 'static) -> u64 {
    let number = FORMS_OPENED.with(|n| n.get() + 1);
    FORMS_OPENED.with(|n| n.set(number));
    OPEN_FORM.with(|f| *f.borrow_mut() = Some((number, Box::new(read))));
    number
}

/// The form `number` closed (unless another has opened since).
pub fn form_closed(number: u64) {
    OPEN_FORM.with(|f| {
        let mut open = f.borrow_mut();
        if open.as_ref().is_some_and(|(n, _)| *n == number) {
            *open = None;
        }
    });
}

/// Seals the open form's unsaved input, if any (before the idle lock reloads).
pub async fn keep(db: &LocalDb) {
    let draft = OPEN_FORM.with(|f| f.borrow().as_ref().and_then(|(_, read)| read()));
    let Some(draft) = draft else { return };
    let Ok(json) = serde_json::to_string(&draft) else {
        return;
    };
    if let Err(error) = db.set_meta(KEY, &json).await {
        web_sys::console::warn_1(&format!("cannot keep the form's input: {error:?}").into());
    }
}

/// The input kept for the form of `record` (`None`: a new registration), if the lock
/// interrupted that form. Whatever was kept is removed by the first form that opens
/// (the page comes back on the screen it locked on), so it never comes back twice.
pub async fn take(db: &LocalDb, record: Option<&str>) -> Option<Registration> {
    let json = db.meta(KEY).await.ok().flatten()?;
    let _ = db.delete_meta(KEY).await;
    let draft: KeptDraft = serde_json::from_str(&json).ok()?;
    (draft.record.as_deref() == record).then_some(draft.registration)
}
