//! `GET /api/registrations/{id}/history`: who changed which fields of a registration and
//! when, read from its Automerge document (`jemput_shared::history`), with the server's
//! receipt of each change from the change log (who pushed it, from which device, when by
//! the server's clock). For anyone whose scope covers the registration, like reading it.

use crate::audit::{self, AuditEvent};
use jemput_shared::api::audit::AuditAction;
use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use jemput_shared::api::registrations::History;
use jemput_shared::document::RegistrationDoc;
use jemput_shared::history::history;

use crate::auth::Authenticated;
use crate::error::ApiError;
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
    let mut stored = state.store.load_documents(vec![id.clone()]).await?;
    let Some(stored) = stored.remove(&id) else {
        return Err(not_found());
    };
    let mut receipts = HashMap::new();
    for received in state.store.received_changes(id.clone()).await? {
        for hash in received.hashes {
            receipts.insert(hash, received.receipt.clone());
        }
    }
    let scope = auth.requester.scope.clone();
    // Diffing every change is CPU work: off the async threads.
    let changes = tokio::task::spawn_blocking(move || {
        let mut doc = RegistrationDoc::load(&stored.bytes)?;
        let registration = doc.read()?;
        Ok::<_, jemput_shared::document::DocumentError>(
            scope
                .covers(&registration)
                .then(|| (history(&mut doc, &receipts), registration.nik)),
        )
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("history task failed: {e}")))?
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored document {id}: {e}")))?;
    // Out of scope looks the same as missing.
    let (changes, nik) = changes.ok_or_else(not_found)?;
    let event = AuditEvent::new(AuditAction::HistoryViewed)
        .target(id)
        .about_nik(nik);
    audit::record(&state, &auth, event).await?;
    Ok(Json(History { changes }))
}
