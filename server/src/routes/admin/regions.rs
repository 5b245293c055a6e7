//! Importing the region list (regencies, districts, villages) from CSV files.

use axum::extract::State;
use axum::Json;
use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::users::{ImportRegions, ImportSummary};

use crate::audit::{self, AuditEvent};
use crate::auth::Admin;
use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::startup::AppState;

pub(super) async fn import(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(request): ApiJson<ImportRegions>,
) -> Result<Json<ImportSummary>, ApiError> {
    let summary = crate::regions::import(
        state.store.as_ref(),
        Some(&state.regions),
        &request.regencies_csv,
        &request.districts_csv,
        &request.villages_csv,
    )
    .await?;
    tracing::info!(by = %admin.user.username, ?summary, "regions imported");
    let event = AuditEvent::new(AuditAction::RegionsImported).detail(format!("{summary:?}"));
    audit::record(&state, &admin, event).await?;
    Ok(Json(summary))
}
