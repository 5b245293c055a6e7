//! The installed-app parts of the browser: the service worker that keeps the app shell
//! for offline starts (and tells when a new version waits), and the storage the app may
//! use (persistent storage request, usage and quota).

use std::cell::RefCell;

use js_sys::{Function, Object, Promise, Reflect};
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

thread_local! {
    static REGISTRATION: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn call0(target: &JsValue, method: &str) -> Option<JsValue> {
    let function: Function = get(target, method).dyn_into().ok()?;
    function.call0(target).ok()
}

fn on(target: &JsValue, event: &str, handler: impl FnMut(JsValue) + 'static) {
    let closure = Closure::<dyn FnMut(JsValue)>::new(handler);
    if let Some(add) = get(target, "addEventListener").dyn_ref::<Function>() {
        let _ = add.call2(target, &event.into(), closure.as_ref());
    }
    closure.forget();
}

/// Registers `/sw.js`; sets `update_ready` when a new version has installed and waits.
pub fn register_service_worker(update_ready: RwSignal<bool>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let container = get(&window.navigator(), "serviceWorker");
    if container.is_undefined() {
        return;
    }
    // After a new version takes over, load its shell. On the first visit the first
    // worker also takes control; there is nothing to reload then.
    let had_controller = !get(&container, "controller").is_null();
    on(&container, "controllerchange", move |_| {
        if !had_controller {
            return;
        }
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
    let Some(register) = get(&container, "register").dyn_ref::<Function>().cloned() else {
        return;
    };
    let Ok(promise) = register.call1(&container, &"/sw.js".into()) else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(registration) = JsFuture::from(Promise::from(promise)).await else {
            return;
        };
        REGISTRATION.with(|r| *r.borrow_mut() = Some(registration.clone()));
        let has_controller = !get(&container, "controller").is_null();
        if !get(&registration, "waiting").is_null() && has_controller {
            update_ready.set(true);
        }
        let watched = registration.clone();
        on(&registration, "updatefound", move |_| {
            let installing = get(&watched, "installing");
            let worker = installing.clone();
            on(&installing, "statechange", move |_| {
                let installed = get(&worker, "state").as_string().as_deref() == Some("installed");
                let controlled = web_sys::window()
                    .map(|w| !get(&get(&w.navigator(), "serviceWorker"), "controller").is_null())
                    .unwrap_or(false);
                if installed && controlled {
                    update_ready.set(true);
                }
            });
        });
        // Look for a new version now and then while the app stays open.
        let registration_for_timer = registration.clone();
        let timer = gloo_timers::callback::Interval::new(30 * 60 * 1000, move || {
            let _ = call0(&registration_for_timer, "update");
        });
        timer.forget();
    });
}

/// Lets the waiting version take over; the page reloads on `controllerchange`.
pub fn apply_update() {
    REGISTRATION.with(|r| {
        if let Some(registration) = r.borrow().as_ref() {
            let waiting = get(registration, "waiting");
            if let Some(post) = get(&waiting, "postMessage").dyn_ref::<Function>() {
                let message = Object::new();
                let _ = Reflect::set(&message, &"type".into(), &"SKIP_WAITING".into());
                let _ = post.call1(&waiting, &message);
            }
        }
    });
}

async fn call_async(target: &JsValue, method: &str) -> Option<JsValue> {
    let promise = call0(target, method)?;
    JsFuture::from(Promise::from(promise)).await.ok()
}

/// How much the app stores and may store.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StorageInfo {
    pub usage_bytes: f64,
    pub quota_bytes: f64,
    pub persisted: bool,
}

/// Below this much free space the officer is warned: a registration takes a few KB, but
/// the browser refuses writes — and may clear a non-persistent site's data — well before
/// the phone is full.
pub const SHORT_OF_SPACE_BYTES: f64 = 50.0 * 1_048_576.0;

/// What the storage numbers mean for the officer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Room {
    /// Enough space; `kept` when the browser promised not to clear the app's data.
    Enough { kept: bool },
    /// Space is really short: the officer must send data and free space.
    Short { free_mb: f64 },
}

impl StorageInfo {
    /// The bytes the app may still use.
    pub fn free_bytes(&self) -> f64 {
        (self.quota_bytes - self.usage_bytes).max(0.0)
    }

    pub fn room(&self) -> Room {
        let free = self.free_bytes();
        if free < SHORT_OF_SPACE_BYTES {
            Room::Short {
                free_mb: free / 1_048_576.0,
            }
        } else {
            Room::Enough {
                kept: self.persisted,
            }
        }
    }
}

/// Asks the browser not to evict the app's data under storage pressure, then reports
/// usage. Chrome grants persistence silently to installed or much-used sites.
pub async fn storage_info(ask_persist: bool) -> Option<StorageInfo> {
    let window = web_sys::window()?;
    let storage = get(&window.navigator(), "storage");
    if storage.is_undefined() {
        return None;
    }
    let persisted = if ask_persist {
        call_async(&storage, "persist").await
    } else {
        call_async(&storage, "persisted").await
    }
    .and_then(|v| v.as_bool())
    .unwrap_or(false);
    let estimate = call_async(&storage, "estimate").await?;
    Some(StorageInfo {
        usage_bytes: get(&estimate, "usage").as_f64().unwrap_or(0.0),
        quota_bytes: get(&estimate, "quota").as_f64().unwrap_or(0.0),
        persisted,
    })
}

/// True when the browser believes it has a network.
pub fn online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(false)
}

/// Calls `handler` whenever the browser comes back online.
pub fn on_online(handler: impl FnMut(JsValue) + 'static) {
    if let Some(window) = web_sys::window() {
        on(&window.into(), "online", handler);
    }
}

/// Calls `handler` whenever the browser loses its network.
pub fn on_offline(handler: impl FnMut(JsValue) + 'static) {
    if let Some(window) = web_sys::window() {
        on(&window.into(), "offline", handler);
    }
}

/// Calls `handler` when the URL's fragment changes.
pub fn on_hash_change(handler: impl FnMut(JsValue) + 'static) {
    if let Some(window) = web_sys::window() {
        on(&window.into(), "hashchange", handler);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: f64 = 1_048_576.0;

    fn info(usage_mb: f64, quota_mb: f64, persisted: bool) -> StorageInfo {
        StorageInfo {
            usage_bytes: usage_mb * MB,
            quota_bytes: quota_mb * MB,
            persisted,
        }
    }

    #[test]
    fn a_phone_with_room_left_has_enough() {
        assert_eq!(
            info(2.2, 10_242.0, false).room(),
            Room::Enough { kept: false }
        );
        assert_eq!(
            info(2.2, 10_242.0, true).room(),
            Room::Enough { kept: true }
        );
    }

    #[test]
    fn less_than_fifty_mb_free_is_short() {
        assert_eq!(
            info(980.0, 1_000.0, true).room(),
            Room::Short { free_mb: 20.0 }
        );
        assert_eq!(
            info(1_200.0, 1_000.0, true).room(),
            Room::Short { free_mb: 0.0 }
        );
    }
}
