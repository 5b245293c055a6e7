//! Live updates for a supervisor's screen: an `EventSource` on `/api/events` (the token in
//! the query, since an `EventSource` cannot send headers). Each `registrations` or `resync`
//! notice asks the screen to reload, at most once a second however many officers sync; the
//! stream closes when the screen that opened it goes away.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::EventSource;

use jemput_app_common::shell::Shell;

use crate::api::with_token;

/// The pause between a notice and the reload it causes; notices in between join it.
const DEBOUNCE_MS: u32 = 1_000;

/// Bumps `reload` (debounced) on every notice, while the current reactive owner lives.
pub fn follow(shell: Shell, reload: RwSignal<u32>) {
    let Ok(source) = EventSource::new(&with_token(shell, "/api/events")) else {
        return;
    };
    let waiting = StoredValue::new(false);
    let notice = Closure::<dyn FnMut()>::new(move || {
        // Only the first notice of a burst starts the timer.
        if waiting.try_update_value(|w| std::mem::replace(w, true)) != Some(false) {
            return;
        }
        gloo_timers::callback::Timeout::new(DEBOUNCE_MS, move || {
            if waiting.try_set_value(false).is_none() {
                reload.try_update(|n| *n += 1);
            }
        })
        .forget();
    });
    for event in ["registrations", "resync"] {
        let _ = source.add_event_listener_with_callback(event, notice.as_ref().unchecked_ref());
    }
    // An owner runs its cleanups before it drops its values: the stream is closed before
    // its listener is dropped, so no notice reaches a dropped closure.
    let held = StoredValue::new_local((source, notice));
    on_cleanup(move || {
        held.try_with_value(|(source, _)| source.close());
    });
}
