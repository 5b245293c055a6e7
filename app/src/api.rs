//! Calls to the server: login, the region list, and sync round trips. Every failure is an
//! [`ApiFailure`] the screens can put in plain words; none of them loses local data.

use js_sys::{Promise, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

use crate::i18n::{l, Lang};
use crate::settings::{Session, UserProfile};

#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// No answer: no signal, server down, or the request timed out.
    Offline,
    /// The token is missing, expired or revoked: log in again.
    Unauthorized,
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
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    message: String,
    message_id: String,
}

#[derive(Debug, Serialize)]
struct LoginRequest<'a> {
    username: &'a str,
    password: &'a str,
    device_name: &'a str,
}

#[derive(Debug, Deserialize)]
struct LoginResponse {
    token: String,
    device_id: String,
    user: UserProfile,
}

/// Signs in and registers this browser as a device.
pub async fn login(username: &str, password: &str) -> Result<Session, ApiFailure> {
    let device_name = web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .unwrap_or_default();
    let body = serde_json::to_string(&LoginRequest {
        username,
        password,
        device_name: &device_name,
    })
    .expect("plain strings serialize");
    let response = send(
        "POST",
        "/api/auth/login",
        None,
        Some(("application/json", JsValue::from_str(&body))),
    )
    .await;
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
    let text = text_of(&response).await?;
    let login: LoginResponse = serde_json::from_str(&text).map_err(|_| bad_answer())?;
    Ok(Session {
        token: login.token,
        device_id: login.device_id,
        user: login.user,
        expired: false,
    })
}

/// `GET /api/regions` as JSON text.
pub async fn regions(token: &str) -> Result<String, ApiFailure> {
    let response = send("GET", "/api/regions", Some(token), None).await?;
    text_of(&response).await
}

/// One sync round trip: a wire-encoded request in, the wire-encoded answer out.
pub async fn sync(token: &str, body: &[u8]) -> Result<Vec<u8>, ApiFailure> {
    let array = Uint8Array::from(body);
    let response = send(
        "POST",
        "/api/sync",
        Some(token),
        Some((jemput_shared::sync::wire::CONTENT_TYPE, array.into())),
    )
    .await?;
    let buffer = JsFuture::from(response.array_buffer().map_err(|_| ApiFailure::Offline)?)
        .await
        .map_err(|_| ApiFailure::Offline)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Tells the server this device signs out (best effort: offline, the token just stays).
pub async fn logout(token: &str) {
    let _ = send("POST", "/api/auth/logout", Some(token), None).await;
}

pub(crate) fn bad_answer() -> ApiFailure {
    ApiFailure::Server {
        status: 502,
        message_id: "Jawaban server tidak dapat dibaca.".into(),
        message_en: "The server's answer could not be read.".into(),
    }
}

/// Requests longer than this are given up (the link is too bad to finish them).
const TIMEOUT_MS: i32 = 60_000;

pub(crate) async fn send(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, JsValue)>,
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
    init.set_headers(&headers);
    let controller = web_sys::AbortController::new().ok();
    if let Some(controller) = &controller {
        init.set_signal(Some(&controller.signal()));
        let abort = controller.clone();
        let timer = gloo_timers::callback::Timeout::new(TIMEOUT_MS as u32, move || abort.abort());
        timer.forget();
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
        401 => Err(ApiFailure::Unauthorized),
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

pub(crate) async fn text_of(response: &Response) -> Result<String, ApiFailure> {
    let text = JsFuture::from(response.text().map_err(|_| ApiFailure::Offline)?)
        .await
        .map_err(|_| ApiFailure::Offline)?;
    Ok(text.as_string().unwrap_or_default())
}
