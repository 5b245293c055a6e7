//! A supervisor's review of one registration, and reading one registration:
//!
//! - `GET /api/registrations/{id}`: the registration as JSON, for anyone whose scope
//!   covers it;
//! - `POST /api/registrations/{id}/review` `{status, comment?}` (supervisors and admins):
//!   sets the review status and appends a comment.
//!
//! A review is written as an Automerge change to the registration's document, in the
//! reviewer's name, and goes through the same merge, policy check, validation and commit
//! as a device's sync (`server_edit`), so it reaches the officer's phone on the next pull
//! and merges with the officer's own concurrent edits.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::registrations::ReviewRequest;
use jemput_shared::limits::COMMENT_TEXT;
use jemput_shared::policy::Role;
use jemput_shared::registration::{Registration, ReviewComment, ReviewStatus};
use jemput_shared::validation::too_long;

use crate::audit::{self, AuditEvent};
use crate::auth::Authenticated;
use crate::clock;
use crate::error::{ApiError, Message};
use crate::routes::ApiJson;
use crate::server_edit::{edit_registrations, load_registration};
use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/registrations/{id}", get(show))
        .route("/api/registrations/{id}/review", post(review))
}

/// The answer for a registration that is missing or outside the requester's scope.
pub(super) fn not_found() -> ApiError {
    ApiError::not_found("This registration", "Pendaftaran ini")
}

async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Registration>, ApiError> {
    match load_registration(&state, &id).await? {
        // Out of scope looks the same as missing: ids are not confirmed to outsiders.
        Some(registration) if auth.requester.scope.covers(&registration) => {
            let event = AuditEvent::new(AuditAction::RecordViewed)
                .target(&id)
                .about_nik(&registration.nik);
            audit::record(&state, &auth, event).await?;
            Ok(Json(registration))
        }
        _ => Err(not_found()),
    }
}

fn bad_request(code: &str, en: &str, id: &str) -> ApiError {
    ApiError::BadRequest(Message::new(code.to_owned(), en.to_owned(), id.to_owned()))
}

async fn review(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ReviewRequest>,
) -> Result<Json<Registration>, ApiError> {
    if auth.requester.role == Role::Officer {
        return Err(ApiError::forbidden());
    }
    // An unknown status is refused when the body is read; "submitted" is no review.
    let status = request.status;
    if status == ReviewStatus::Submitted {
        return Err(bad_request(
            "bad_status",
            "The status must be verified, needs_correction or rejected.",
            "Status harus verified, needs_correction atau rejected.",
        ));
    }
    let comment = request
        .comment
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    // The comment becomes a comment of the document: held to the same limit.
    if comment.as_ref().is_some_and(|c| !COMMENT_TEXT.fits(c)) {
        return Err(too_long(&COMMENT_TEXT, "comment").into());
    }
    if status == ReviewStatus::NeedsCorrection && comment.is_none() {
        return Err(bad_request(
            "comment_required",
            "Say what needs correcting in a comment.",
            "Tuliskan apa yang perlu diperbaiki di komentar.",
        ));
    }
    let comment = comment.map(|text| ReviewComment {
        id: uuid::Uuid::new_v4().to_string(),
        author_id: auth.user.id.clone(),
        author_name: auth.user.display_name.clone(),
        role: auth.requester.role.code().to_owned(),
        at: clock::now_ms(),
        text,
    });
    let mut after = edit_registrations(
        &state,
        &auth,
        std::slice::from_ref(&id),
        not_found,
        move |r| {
            r.review.status = status;
            r.review.comments.extend(comment.clone());
        },
    )
    .await?;
    let reviewed = after.pop().ok_or_else(not_found)?;
    let event = AuditEvent::new(AuditAction::Reviewed)
        .target(id)
        .about_nik(&reviewed.nik)
        .detail(status.code());
    audit::record(&state, &auth, event).await?;
    Ok(Json(reviewed))
}
