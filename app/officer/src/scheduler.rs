//! When to sync: as soon as the browser comes online, shortly after a save, every minute
//! while online (to pull reviews), and after a failure with a growing pause (5 s, 10 s,
//! … up to [`MAX_BACKOFF_MS`]) so a flaky link is retried without draining the battery.
//!
//! The pause stays under a minute: a browser that says "online" may sit behind a Wi-Fi
//! without internet (a captive portal) and sends no `online` event when the link really
//! returns, so the retries themselves must find it — within a minute.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiFailure;
use crate::pwa;
use crate::settings;
use crate::state::{db, now_ms, AppState};
use crate::sync_engine::{sync_once, SyncFailure, SyncReport};

const TICK_MS: u32 = 5_000;
const PULL_EVERY_MS: f64 = 60_000.0;
/// The longest pause between retries while the browser says online; with the tick it
/// keeps a retry at least every minute.
const MAX_BACKOFF_MS: f64 = 50_000.0;
const FIRST_BACKOFF_MS: f64 = 5_000.0;

/// The pause after `failures` failures in a row: doubling from 5 s, at most
/// [`MAX_BACKOFF_MS`].
fn backoff_ms(failures: u32) -> f64 {
    let doublings = failures.saturating_sub(1).min(16) as i32;
    (FIRST_BACKOFF_MS * 2f64.powi(doublings)).min(MAX_BACKOFF_MS)
}

pub fn start(state: AppState) {
    pwa::on_online(move |_| {
        state.sync.update(|s| {
            s.retry_at = 0.0;
            s.failures = 0;
        });
        request_sync(state);
    });
    pwa::on_offline(move |_| state.sync.update(|s| s.offline = true));
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
        state.sync.update(|s| s.offline = true);
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
                    s.offline = false;
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
                // No answer is the field's normal state, not an error to act on.
                let offline = failure == SyncFailure::Api(ApiFailure::Offline);
                let text = (!offline).then(|| failure.describe(lang));
                state.sync.update(|s| {
                    s.running = false;
                    s.failures += 1;
                    s.retry_at = now_ms() + backoff_ms(s.failures);
                    s.offline = offline;
                    s.error = text;
                });
            }
        }
        if changed {
            state.reload_summaries().await;
        }
        // Saves made during the session are sent right away.
        let failed = state
            .sync
            .with_untracked(|s| s.error.is_some() || s.offline);
        if sent > 0 && state.pending() > 0 && !failed {
            request_sync(state);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_doubles_from_five_seconds() {
        assert_eq!(backoff_ms(1), 5_000.0);
        assert_eq!(backoff_ms(2), 10_000.0);
        assert_eq!(backoff_ms(4), 40_000.0);
    }

    #[test]
    fn a_retry_comes_at_least_every_minute_however_long_the_link_is_dead() {
        for failures in [5, 6, 30, u32::MAX] {
            let next = backoff_ms(failures) + f64::from(TICK_MS);
            assert!(next <= 55_000.0, "{failures} failures: {next} ms");
        }
    }
}
