//! When to sync: as soon as the browser comes online, shortly after a save, every minute
//! while online (to pull reviews), and after a failure with a growing pause (5 s, 10 s,
//! … up to 5 minutes) so a flaky link is retried without draining the battery.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiFailure;
use crate::pwa;
use crate::settings;
use crate::state::{db, now_ms, AppState};
use crate::sync_engine::{sync_once, SyncFailure, SyncReport};

const TICK_MS: u32 = 5_000;
const PULL_EVERY_MS: f64 = 60_000.0;
const MAX_BACKOFF_MS: f64 = 300_000.0;

pub fn start(state: AppState) {
    pwa::on_online(move |_| {
        state.sync.update(|s| {
            s.retry_at = 0.0;
            s.failures = 0;
        });
        request_sync(state);
    });
    let timer = gloo_timers::callback::Interval::new(TICK_MS, move || {
        let status = state.sync.get_untracked();
        let due = now_ms() >= status.retry_at;
        let stale = status
            .last_success
            .is_none_or(|at| now_ms() - at >= PULL_EVERY_MS);
        if pwa::online() && due && (state.pending() > 0 || stale) {
            request_sync(state);
        }
    });
    timer.forget();
    request_sync(state);
}

/// Starts a sync unless one runs, there is no usable session, or the browser is offline.
pub fn request_sync(state: AppState) {
    let Some(session) = state.session.get_untracked() else {
        return;
    };
    if session.expired
        || session.token.is_empty()
        || state.sync.get_untracked().running
        || db().is_none()
    {
        return;
    }
    if !pwa::online() {
        let text = ApiFailure::Offline.describe(state.lang.get_untracked());
        state.sync.update(|s| s.error = Some(text));
        return;
    }
    state.sync.update(|s| s.running = true);
    spawn_local(async move {
        let Some(db) = db() else { return };
        let result = sync_once(&db, &session.token, |_| {}).await;
        let lang = state.lang.get_untracked();
        let mut sent = 0;
        // The list is read again (every summary opened) only when something changed.
        let mut changed = true;
        match result {
            Ok(report) => {
                sent = report.sent;
                changed = report != SyncReport::default();
                let now = now_ms();
                settings::store_last_sync(&session.user.id, now);
                // The link works: take the current consent notice along for offline use.
                if let Ok(text) = crate::api::consent(&session.token).await {
                    settings::store_consent_text(&text);
                }
                state.sync.update(|s| {
                    s.running = false;
                    s.last_success = Some(now);
                    s.error = None;
                    s.failures = 0;
                    s.retry_at = 0.0;
                });
            }
            Err(SyncFailure::Api(ApiFailure::DeviceWiped)) => {
                // An admin marked this phone lost: delete everything, then say so.
                let proof = crate::api::WipeProof::Token(session.token.clone());
                crate::remote_wipe::wipe(&session.user.id, proof).await;
                return;
            }
            Err(failure) => {
                if failure == SyncFailure::Api(ApiFailure::Unauthorized) {
                    let mut expired = session.clone();
                    expired.expired = true;
                    settings::store_session(&expired);
                    state.session.set(Some(expired));
                }
                let text = failure.describe(lang);
                state.sync.update(|s| {
                    s.running = false;
                    s.failures += 1;
                    let pause = (5_000.0 * 2f64.powi(s.failures as i32 - 1)).min(MAX_BACKOFF_MS);
                    s.retry_at = now_ms() + pause;
                    s.error = Some(text);
                });
            }
        }
        if changed {
            state.reload_summaries().await;
        }
        // Saves made during the session are sent right away.
        if sent > 0 && state.pending() > 0 && state.sync.get_untracked().error.is_none() {
            request_sync(state);
        }
    });
}
