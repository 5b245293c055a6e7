//! The supervisor's calls to the server (`docs/supervisor-api.md`), typed with the
//! shared API structs. Supervisors work online: a failure is shown in words where the
//! answer would be, nothing is queued. A refused token marks the session expired, so the
//! login form appears above the screen; logging in again reloads what the screens show.

use jemput_app_common::api::{self as common, ApiFailure};
use jemput_app_common::shell::{use_shell, Shell};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// An answer as a screen holds it.
pub type Answer<T> = Result<T, ApiFailure>;

/// `GET path`.
pub async fn get<T: DeserializeOwned>(shell: Shell, path: &str) -> Answer<T> {
    let result = common::call(&shell.token(), "GET", path, None::<&()>).await;
    expire_on_refusal(shell, result)
}

/// `method path` with a JSON body, the answer read as `T`.
pub async fn send<T: DeserializeOwned>(
    shell: Shell,
    method: &str,
    path: &str,
    body: &impl Serialize,
) -> Answer<T> {
    let result = common::call(&shell.token(), method, path, Some(body)).await;
    expire_on_refusal(shell, result)
}

/// `method path` with an optional JSON body, its answer not read.
pub async fn send_unit(
    shell: Shell,
    method: &str,
    path: &str,
    body: Option<&impl Serialize>,
) -> Answer<()> {
    let result = common::call_unit(&shell.token(), method, path, body).await;
    expire_on_refusal(shell, result)
}

/// Notes what an answer says about the session and the connection: a refused token
/// expires the session; no answer at all marks the server unreachable, any answer clears it.
fn expire_on_refusal<T>(shell: Shell, result: Answer<T>) -> Answer<T> {
    let failure = result.as_ref().err();
    if matches!(
        failure,
        Some(ApiFailure::Unauthorized | ApiFailure::DeviceWiped)
    ) {
        shell.expire_session();
    }
    let unreachable = failure == Some(&ApiFailure::Offline);
    if shell.unreachable.try_get_untracked() != Some(unreachable) {
        shell.unreachable.try_set(unreachable);
    }
    result
}

/// `GET path()` as a resource: fetched now, again whenever `path()` changes (it may read
/// signals) and whenever the user logs in again. Until an answer arrives its value is
/// `None`; a newer request's answer replaces an older one's.
pub fn resource<T>(path: impl Fn() -> String + 'static) -> LocalResource<Answer<T>>
where
    T: DeserializeOwned + 'static,
{
    let shell = use_shell();
    let token = Memo::new(move |_| shell.session.with(|s| s.as_ref().map(|s| s.token.clone())));
    LocalResource::new(move || {
        token.track();
        let path = path();
        async move { get(shell, &path).await }
    })
}

/// A URL that carries the token in its query (a download link, an `EventSource`): these
/// cannot send headers, and the server never logs query strings.
pub fn with_token(shell: Shell, path: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!(
        "{path}{separator}token={}",
        crate::screen::encode(&shell.token())
    )
}
