//! Calls to the server: those both apps make (login, logout, the region list; from
//! `jemput_app_common::api`), the officer's own sync round trip, the consent notice, the phone's PIN
//! recovery key, and the remote wipe's questions and confirmation. Every failure is an
//! [`ApiFailure`] the screens put in plain words; none of them loses local data.

use js_sys::Uint8Array;
use wasm_bindgen_futures::JsFuture;

use jemput_shared::api::auth::{DeviceCheck, DeviceCheckAnswer};

pub use jemput_app_common::api::*;

/// One sync round trip: a wire-encoded request in, the wire-encoded answer out. The
/// request says how many records are still `unsent`, which the server keeps for the
/// admin (what to re-register if this phone is lost).
pub async fn sync(token: &str, body: &[u8], unsent: usize) -> Result<Vec<u8>, ApiFailure> {
    let array = Uint8Array::from(body);
    let response = send_with_headers(
        "POST",
        "/api/sync",
        Some(token),
        Some((jemput_shared::sync::wire::CONTENT_TYPE, array.into())),
        &[(
            jemput_shared::sync::message::UNSENT_HEADER,
            &unsent.to_string(),
        )],
    )
    .await?;
    let buffer = JsFuture::from(response.array_buffer().map_err(|_| ApiFailure::Offline)?)
        .await
        .map_err(|_| ApiFailure::Offline)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The consent notice to show now (`GET /api/consent`), kept for offline use
/// (`settings::consent_text`).
pub async fn consent(token: &str) -> Result<jemput_shared::api::consent::ConsentText, ApiFailure> {
    call(token, "GET", "/api/consent", None::<&()>).await
}

/// The recovery key of this phone's `key_id` for the signed-in user
/// (`POST /api/auth/recovery-key`): 32 bytes.
pub async fn recovery_key(token: &str, key_id: &str) -> Result<Vec<u8>, ApiFailure> {
    use base64::Engine as _;
    use jemput_shared::api::auth::{RecoveryKey, RecoveryKeyRequest};
    let body = serde_json::to_string(&RecoveryKeyRequest {
        key_id: key_id.to_owned(),
    })
    .expect("requests serialize");
    let response = send(
        "POST",
        "/api/auth/recovery-key",
        Some(token),
        Some(("application/json", wasm_bindgen::JsValue::from_str(&body))),
    )
    .await?;
    let answer: RecoveryKey =
        serde_json::from_str(&text_of(&response).await?).map_err(|_| bad_answer())?;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(answer.key)
        .map_err(|_| bad_answer())
}

/// Whether an admin marked this device lost (`POST /api/auth/device-check`); asked with
/// the device's check, so a locked app can ask.
pub async fn device_check(proof: &DeviceCheck) -> Result<bool, ApiFailure> {
    let response = send(
        "POST",
        "/api/auth/device-check",
        None,
        Some(json_body(proof)),
    )
    .await?;
    let answer: DeviceCheckAnswer = read_json(&response).await?;
    Ok(answer.lost)
}

/// How a wiped device proves itself when it confirms: its token (unlocked) or its check
/// (locked, or a session without a token).
pub enum WipeProof {
    Token(String),
    Check(DeviceCheck),
}

/// Tells the server this device, marked lost, has deleted everything of its user (best
/// effort: the wipe is done whether or not the answer comes).
pub async fn confirm_wipe(proof: &WipeProof) {
    let path = "/api/auth/wipe-confirmed";
    let _ = match proof {
        WipeProof::Token(token) => send("POST", path, Some(token), None).await,
        WipeProof::Check(check) => send("POST", path, None, Some(json_body(check))).await,
    };
}
