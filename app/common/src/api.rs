//! Calls to the server and their failures. Every failure is an [`ApiFailure`] the screens
//! put in plain words; none of them loses an officer's local data. Bodies and answers are
//! the shared API types (`jemput_shared::api`), sent and read as JSON.

use jemput_shared::api::auth::{LoginRequest, LoginResponse};
use jemput_shared::api::error::{ErrorBody, DEVICE_WIPED};
use jemput_shared::api::regions::RegionList;
use jemput_shared::domain::RegionDirectory;
use js_sys::Promise;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

use crate::i18n::{l, Lang};
use crate::session::Session;

#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// No answer: no signal, server down, or the request timed out.
    Offline,
    /// The token is missing, expired or revoked: log in again.
    Unauthorized,
    /// An admin marked this device lost ([`DEVICE_WIPED`]): the app deletes everything
    /// of its user on it and shows the sign-in page.
    DeviceWiped,
    /// The server answered with an error; its message in both languages.
    Server {
        status: u16,
        message_id: String,
        message_en: String,
    },
}

impl ApiFailure {
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            ApiFailure::Offline => l(
                lang,
                "Tidak ada sinyal atau server tidak menjawab. Data tetap aman di ponsel.",
                "No signal or the server did not answer. Your data stays safe on this phone.",
            )
            .to_owned(),
            // Neutral: whoever reads it may be holding someone else's phone.
            ApiFailure::DeviceWiped => l(
                lang,
                "Perangkat ini sudah dikeluarkan. Silakan masuk.",
                "This device was signed out. Please log in.",
            )
            .to_owned(),
            ApiFailure::Unauthorized => l(
                lang,
                "Sesi berakhir. Masuk lagi untuk mengirim data; pendaftaran tetap bisa diisi.",
                "Your session ended. Log in again to send data; you can keep registering.",
            )
            .to_owned(),
            ApiFailure::Server {
                message_id,
                message_en,
                ..
            } => l(lang, message_id, message_en).clone(),
        }
    }

    /// A failure of our own making (a file that cannot be read…), in both languages.
    pub fn local(message_id: &str, message_en: &str) -> ApiFailure {
        ApiFailure::Server {
            status: 400,
            message_id: message_id.into(),
            message_en: message_en.into(),
        }
    }
}

/// Signs in and registers this browser as a device.
pub async fn login(username: &str, password: &str) -> Result<Session, ApiFailure> {
    let device_name = web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .unwrap_or_default();
    let request = LoginRequest {
        username: username.to_owned(),
        password: password.to_owned(),
        device_name: Some(device_name),
        // A login again on this phone ends the device it replaces (its token may be
        // sealed out of reach after a PIN lock-out); the server ignores another user's.
        replaces: crate::session::session().and_then(|s| s.device_check()),
    };
    let response = send("POST", "/api/auth/login", None, Some(json_body(&request))).await;
    // A wrong password is a 401 with a message, not an expired session.
    let response = match response {
        Err(ApiFailure::Unauthorized) => {
            return Err(ApiFailure::Server {
                status: 401,
                message_id: "Nama pengguna atau kata sandi salah.".into(),
                message_en: "Wrong username or password.".into(),
            })
        }
        other => other?,
    };
    let login: LoginResponse = read_json(&response).await?;
    Ok(Session {
        token: login.token,
        device_id: login.device_id,
        user: login.user,
        expired: false,
        device_check: login.device_check,
        receipt_key: login.receipt_key.unwrap_or_default(),
    })
}

/// Tells the server this device signs out (best effort: offline, the token just stays).
pub async fn logout(token: &str) {
    let _ = send("POST", "/api/auth/logout", Some(token), None).await;
}

/// `GET /api/regions` as JSON text (the officer's app keeps the text for offline days).
pub async fn regions(token: &str) -> Result<String, ApiFailure> {
    let response = send("GET", "/api/regions", Some(token), None).await?;
    text_of(&response).await
}

/// The region list's JSON text as a directory; `None` when it holds no list.
pub fn parse_regions(text: &str) -> Option<RegionDirectory> {
    serde_json::from_str::<RegionList>(text)
        .ok()?
        .directory()?
        .ok()
}

/// `method path` with an optional JSON body, the answer read as `T`.
pub async fn call<T: DeserializeOwned>(
    token: &str,
    method: &str,
    path: &str,
    body: Option<&impl Serialize>,
) -> Result<T, ApiFailure> {
    let body = body.map(json_body);
    let response = send(method, path, Some(token), body).await?;
    read_json(&response).await
}

/// `method path` with an optional JSON body, the answer's body ignored.
pub async fn call_unit(
    token: &str,
    method: &str,
    path: &str,
    body: Option<&impl Serialize>,
) -> Result<(), ApiFailure> {
    let body = body.map(json_body);
    send(method, path, Some(token), body).await.map(drop)
}

pub fn json_body(body: &impl Serialize) -> (&'static str, JsValue) {
    // The API's types are plain strings, numbers and lists: they always serialize.
    let text = serde_json::to_string(body).unwrap_or_default();
    ("application/json", JsValue::from_str(&text))
}

pub async fn read_json<T: DeserializeOwned>(response: &Response) -> Result<T, ApiFailure> {
    let text = text_of(response).await?;
    serde_json::from_str(&text).map_err(|_| bad_answer())
}

pub fn bad_answer() -> ApiFailure {
    ApiFailure::Server {
        status: 502,
        message_id: "Jawaban server tidak dapat dibaca.".into(),
        message_en: "The server's answer could not be read.".into(),
    }
}

/// Requests longer than this are given up (the link is too bad to finish them).
const TIMEOUT_MS: u32 = 60_000;

/// One request; a 2xx answer, or the failure in words.
pub async fn send(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, JsValue)>,
) -> Result<Response, ApiFailure> {
    send_with_headers(method, path, token, body, &[]).await
}

/// [`send`] with more request headers (`name`, `value`).
pub async fn send_with_headers(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, JsValue)>,
    extra: &[(&str, &str)],
) -> Result<Response, ApiFailure> {
    let window = web_sys::window().ok_or(ApiFailure::Offline)?;
    let init = RequestInit::new();
    init.set_method(method);
    let headers = Headers::new().map_err(|_| ApiFailure::Offline)?;
    if let Some(token) = token {
        let _ = headers.set("Authorization", &format!("Bearer {token}"));
    }
    if let Some((content_type, body)) = &body {
        let _ = headers.set("Content-Type", content_type);
        init.set_body(body);
    }
    for (name, value) in extra {
        let _ = headers.set(name, value);
    }
    init.set_headers(&headers);
    let controller = web_sys::AbortController::new().ok();
    if let Some(controller) = &controller {
        init.set_signal(Some(&controller.signal()));
        let abort = controller.clone();
        gloo_timers::callback::Timeout::new(TIMEOUT_MS, move || abort.abort()).forget();
    }
    let request = Request::new_with_str_and_init(path, &init).map_err(|_| ApiFailure::Offline)?;
    let promise: Promise = window.fetch_with_request(&request);
    let response: Response = JsFuture::from(promise)
        .await
        .map_err(|_| ApiFailure::Offline)?
        .dyn_into()
        .map_err(|_| ApiFailure::Offline)?;
    match response.status() {
        200..=299 => Ok(response),
        401 => {
            let text = text_of(&response).await.unwrap_or_default();
            let wiped = serde_json::from_str::<ErrorBody>(&text)
                .is_ok_and(|body| body.error.code == DEVICE_WIPED);
            Err(if wiped {
                ApiFailure::DeviceWiped
            } else {
                ApiFailure::Unauthorized
            })
        }
        status => {
            let text = text_of(&response).await.unwrap_or_default();
            Err(match serde_json::from_str::<ErrorBody>(&text) {
                Ok(body) => ApiFailure::Server {
                    status,
                    message_id: body.error.message_id,
                    message_en: body.error.message,
                },
                Err(_) if status >= 500 || status == 0 => ApiFailure::Offline,
                Err(_) => bad_answer(),
            })
        }
    }
}

pub async fn text_of(response: &Response) -> Result<String, ApiFailure> {
    let text = JsFuture::from(response.text().map_err(|_| ApiFailure::Offline)?)
        .await
        .map_err(|_| ApiFailure::Offline)?;
    Ok(text.as_string().unwrap_or_default())
}
