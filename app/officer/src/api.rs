//! Calls to the server: those both apps make (login, logout, the region list; from
//! `jemput_app_common::api`), and the officer's own sync round trip. Every failure is an
//! [`ApiFailure`] the screens put in plain words; none of them loses local data.

use js_sys::Uint8Array;
use wasm_bindgen_futures::JsFuture;

pub use jemput_app_common::api::*;

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
