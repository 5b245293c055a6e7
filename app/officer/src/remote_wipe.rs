//! Remote wipe: an admin marked this phone lost (`POST /api/admin/devices/{id}/lost`).
//!
//! The app learns it at its next contact with the server: a sync answered
//! `device_wiped` (unlocked), or — while the PIN screen is up and the token still
//! sealed — the answer to `POST /api/auth/device-check`, asked with the device's check
//! (kept in clear, it opens nothing) when the app opens locked and whenever the browser
//! comes back online. Either way the app deletes every database, key and setting of the
//! user, then tells the server (`wipe-confirmed`, which the admin screen shows), then
//! shows the neutral sign-in page.

use std::cell::Cell;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, WipeProof};
use crate::lock::Lock;
use crate::pages::status::{delete_user_data, show_sign_in};
use crate::pwa;
use crate::settings;
use crate::state::AppState;

thread_local! {
    /// Whether the online handler of [`watch_while_locked`] is in place (once a page).
    static WATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Deletes everything of `user_id`, confirms with `proof`, and shows the sign-in page.
pub async fn wipe(user_id: &str, proof: WipeProof) {
    delete_user_data(user_id).await;
    api::confirm_wipe(&proof).await;
    show_sign_in();
}

/// While the app is locked: asks now, and each time the browser comes back online,
/// whether this phone was marked lost, and wipes it if so.
pub fn watch_while_locked(state: AppState) {
    if !WATCHING.with(|w| w.replace(true)) {
        pwa::on_online(move |_| ask_while_locked(state));
    }
    ask_while_locked(state);
}

fn ask_while_locked(state: AppState) {
    if state.lock.get_untracked() == Lock::Unlocked || !pwa::online() {
        return;
    }
    let Some(session) = settings::session() else {
        return;
    };
    let Some(proof) = session.device_check() else {
        return;
    };
    spawn_local(async move {
        // No answer or a refused check: nothing to do; the PIN still guards the data.
        if let Ok(true) = api::device_check(&proof).await {
            wipe(&session.user.id, WipeProof::Check(proof)).await;
        }
    });
}
