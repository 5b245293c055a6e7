//! Handing a registration over to another officer, for one who left or moved
//! (supervisors and admins whose scope covers the registration):
//!
//! - `GET /api/registrations/{id}/handover`: the officer it is handed over to now, if
//!   any, and the officers it may be handed over to;
//! - `POST /api/registrations/{id}/handover` `{"officer_id": "…"}`: hands it over.
//!
//! The officer must be enabled and their areas must cover the registration's address, so
//! their phone already pulls it (no new scope rule) and from then on may change it
//! (`policy::officer_may_change`). The handover is a change to the registration's
//! document in the supervisor's name, made like a review (`server_edit`), so it reaches
//! the phones on their next sync.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::registrations::{
    HandoverCandidates as Candidates, HandoverOfficer as Officer, HandoverRequest,
};
use jemput_shared::policy::Role;
use jemput_shared::registration::Registration;

use crate::accounts::User;
use crate::audit::{self, AuditEvent};
use crate::auth::Authenticated;
use crate::error::{ApiError, Message};
use crate::routes::ApiJson;
use crate::server_edit::{edit_registrations, load_registration};
use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/registrations/{id}/handover",
        get(candidates).post(hand_over),
    )
}

fn not_found() -> ApiError {
    ApiError::not_found("This registration", "Pendaftaran ini")
}

/// True when `user` can take `registration` over: an enabled officer whose scope covers
/// it (their areas, or it is theirs already).
fn can_take(user: &User, registration: &Registration) -> bool {
    user.role == Role::Officer && !user.disabled && user.scope().covers(registration)
}

/// The registration, for a supervisor or admin whose scope covers it.
async fn registration_for(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
) -> Result<Registration, ApiError> {
    if auth.requester.role == Role::Officer {
        return Err(ApiError::forbidden());
    }
    match load_registration(state, id).await? {
        // Out of scope looks the same as missing: ids are not confirmed to outsiders.
        Some(registration) if auth.requester.scope.covers(&registration) => Ok(registration),
        _ => Err(not_found()),
    }
}

async fn candidates(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Candidates>, ApiError> {
    let registration = registration_for(&state, &auth, &id).await?;
    let mut officers: Vec<Officer> = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|user| can_take(user, &registration))
        .map(|user| Officer {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
        })
        .collect();
    officers.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    Ok(Json(Candidates {
        assigned_officer: registration.assigned_officer,
        officers,
    }))
}

async fn hand_over(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<HandoverRequest>,
) -> Result<Json<Registration>, ApiError> {
    let registration = registration_for(&state, &auth, &id).await?;
    let officer = state.store.user_by_id(&request.officer_id).await?;
    if !officer.is_some_and(|officer| can_take(&officer, &registration)) {
        return Err(ApiError::BadRequest(Message::new(
            "officer_cannot_take",
            "Choose an enabled officer whose areas cover the record's address.",
            "Pilih petugas aktif yang wilayah tugasnya mencakup alamat data ini.",
        )));
    }
    let officer_id = request.officer_id;
    let event = AuditEvent::new(AuditAction::HandedOver)
        .target(&id)
        .about_nik(&registration.nik)
        .detail(format!("to officer {officer_id}"));
    let mut after = edit_registrations(&state, &auth, &[id], not_found, move |r| {
        r.assigned_officer = Some(officer_id.clone());
    })
    .await?;
    let handed = after.pop().ok_or_else(not_found)?;
    audit::record(&state, &auth, event).await?;
    Ok(Json(handed))
}
