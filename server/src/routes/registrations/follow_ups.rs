//! `POST /api/registrations/{id}/follow-ups` `{programme, step, date, details}`
//! (supervisors and admins): records a follow-up step for a person — a certificate the
//! BLK reported to the office, a placement an employer confirmed. Officers record theirs
//! on the phone, offline, and sync them.
//!
//! Written like a review (`server_edit`): a change to the registration's document in the
//! supervisor's name, through the same merge, policy check and validation as a device's
//! sync, so it reaches the officer's phone on the next pull and merges with whatever the
//! officer recorded meanwhile. A step the rules refuse (a date in the future, a missing
//! detail, a certificate before the training's completion) answers 400 with the field
//! and the message in both languages, and nothing is written.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::registrations::FollowUpRequest;
use jemput_shared::follow_up::FollowUp;
use jemput_shared::policy::Role;
use jemput_shared::registration::Registration;

use super::review::not_found;
use crate::audit::{self, AuditEvent};
use crate::auth::Authenticated;
use crate::clock;
use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::server_edit::edit_registrations;
use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/registrations/{id}/follow-ups", post(record))
}

async fn record(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<FollowUpRequest>,
) -> Result<Json<Registration>, ApiError> {
    if auth.requester.role == Role::Officer {
        return Err(ApiError::forbidden());
    }
    let mut details = request.details;
    details.keep_only(request.step, request.programme);
    let follow_up = FollowUp {
        id: uuid::Uuid::new_v4().to_string(),
        programme: request.programme,
        step: request.step,
        date: request.date,
        details,
        recorded_by: auth.user.id.clone(),
        recorded_by_name: auth.user.display_name.clone(),
        recorded_at: clock::now_ms(),
    };
    let step = follow_up.step;
    let mut after = edit_registrations(
        &state,
        &auth,
        std::slice::from_ref(&id),
        not_found,
        move |r| r.follow_ups.push(follow_up.clone()),
    )
    .await?;
    let recorded = after.pop().ok_or_else(not_found)?;
    let event = AuditEvent::new(AuditAction::FollowUpRecorded)
        .target(id)
        .about_nik(&recorded.nik)
        .detail(step.code());
    audit::record(&state, &auth, event).await?;
    Ok(Json(recorded))
}
