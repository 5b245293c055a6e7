//! `GET /api/registrations/{id}/history`: who changed which fields of a registration and
//! when, read from its Automerge document (`jemput_shared::history`), with the server's
//! receipt of each change from the change log (who pushed it, from which device, when by
//! the server's clock). For anyone whose scope covers the registration, like reading it.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::registrations::History;

use crate::audit::{self, AuditEvent};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::record_history::registration_history;
use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/registrations/{id}/history", get(show_history))
}

async fn show_history(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<History>, ApiError> {
    let not_found = || ApiError::not_found("This registration", "Pendaftaran ini");
    // Out of scope looks the same as missing.
    let (registration, changes) = registration_history(&state, &auth.requester.scope, &id)
        .await?
        .ok_or_else(not_found)?;
    let event = AuditEvent::new(AuditAction::HistoryViewed)
        .target(id)
        .about_nik(registration.nik);
    audit::record(&state, &auth, event).await?;
    Ok(Json(History { changes }))
}
