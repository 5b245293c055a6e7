//! What the privacy routes share (`routes::privacy`, `routes::privacy_requests`): the NIK
//! a request names, and closing a citizen's request (an erasure closes the one it
//! serves).

use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::privacy::RequestOutcome;
use jemput_shared::domain::Nik;

use crate::audit::{self, AuditEvent};
use crate::auth::Authenticated;
use crate::clock::now_ms;
use crate::error::{ApiError, Message};
use crate::startup::AppState;
use crate::store::privacy_requests::Closing;
use crate::store::StoreError;

/// The NIK of a request, whole (16 digits), or 400.
pub fn whole_nik(nik: &str) -> Result<String, ApiError> {
    let nik = nik.trim();
    if nik.len() != Nik::DIGITS || !nik.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::BadRequest(Message::new(
            "bad_nik",
            "A NIK has 16 digits.",
            "NIK terdiri dari 16 digit.",
        )));
    }
    Ok(nik.to_owned())
}

pub fn not_found() -> ApiError {
    ApiError::NotFound(Message::new(
        "request_not_found",
        "No open request with this id.",
        "Tidak ada permintaan terbuka dengan id ini.",
    ))
}

/// Closes open request `id` with `outcome`, audited; 404 when there is none.
pub async fn close(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    outcome: RequestOutcome,
) -> Result<(), ApiError> {
    let closing = Closing {
        id: id.to_owned(),
        at: now_ms(),
        by: auth.user.id.clone(),
        outcome,
    };
    match state.store.close_privacy_request(closing).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => return Err(not_found()),
        Err(error) => return Err(error.into()),
    }
    let event = AuditEvent::new(AuditAction::RequestClosed)
        .target(id)
        .detail(outcome.code());
    audit::record(state, auth, event).await
}
