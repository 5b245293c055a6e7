//! The supervisor's and admin's calls to the server (`docs/supervisor-api.md`): JSON in,
//! `serde_json::Value` out — the screens read the few fields they show, which keeps the
//! app small. Supervisors work online: a failure is shown in words, nothing is queued. A
//! refused token marks the session expired, so the login form appears above the screen.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use wasm_bindgen::JsValue;

use crate::api::{self, ApiFailure};
use crate::settings;
use crate::state::AppState;

/// An answer as a screen holds it: `None` until the first one arrives.
pub type Answer = Option<Result<Value, String>>;

fn token(state: AppState) -> String {
    state
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
        .unwrap_or_default()
}

async fn call(
    state: AppState,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, String> {
    let body = body.map(|b| ("application/json", JsValue::from_str(&b.to_string())));
    let result = match api::send(method, path, Some(&token(state)), body).await {
        Ok(response) => api::text_of(&response)
            .await
            .and_then(|text| serde_json::from_str(&text).map_err(|_| api::bad_answer())),
        Err(failure) => Err(failure),
    };
    result.map_err(|failure| {
        if failure == ApiFailure::Unauthorized {
            expire_session(state);
        }
        failure.describe(state.lang.get_untracked())
    })
}

pub async fn get(state: AppState, path: &str) -> Result<Value, String> {
    call(state, "GET", path, None).await
}

pub async fn post(state: AppState, path: &str, body: &Value) -> Result<Value, String> {
    call(state, "POST", path, Some(body)).await
}

fn expire_session(state: AppState) {
    if let Some(mut session) = state.session.get_untracked().filter(|s| !s.expired) {
        session.expired = true;
        settings::store_session(&session);
        state.session.set(Some(session));
    }
}

/// `GET path()` now and again whenever `path()` changes or the user logs in again; the
/// previous answer stays shown until the next one arrives, and a late answer to an older
/// request is dropped.
pub fn fetched(
    state: AppState,
    path: impl Fn() -> String + Send + Sync + 'static,
) -> RwSignal<Answer> {
    let answer = RwSignal::new(None);
    let latest = StoredValue::new(0u32);
    let token = Memo::new(move |_| state.session.with(|s| s.as_ref().map(|s| s.token.clone())));
    Effect::new(move || {
        token.track();
        let path = path();
        latest.update_value(|n| *n += 1);
        load(state, path, answer, latest);
    });
    answer
}

/// The request of [`fetched`], outside its generic body so that it is compiled once.
fn load(state: AppState, path: String, answer: RwSignal<Answer>, latest: StoredValue<u32>) {
    let ticket = latest.get_value();
    spawn_local(async move {
        let result = get(state, &path).await;
        if latest.try_get_value() == Some(ticket) {
            answer.try_set(Some(result));
        }
    });
}

/// A URL that carries the token in its query (a download link, an `EventSource`).
pub fn with_token(state: AppState, path: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}token={}", encode(&token(state)))
}

pub fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

pub fn decode(text: &str) -> String {
    js_sys::decode_uri_component(&text.replace('+', " "))
        .map(String::from)
        .unwrap_or_else(|_| text.to_owned())
}

/// `value[key]` as text ("" when missing or not a string).
pub fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// `value[key]` as a number (0 when missing).
pub fn num(value: &Value, key: &str) -> f64 {
    value.get(key).and_then(Value::as_f64).unwrap_or(0.0)
}

/// `value[key]` as a list (empty when missing).
pub fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}
