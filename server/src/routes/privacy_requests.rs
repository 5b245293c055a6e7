//! Citizens' requests as tracked items, each with its deadline of 3×24 hours (UU PDP
//! Pasal 30–32, 43), for supervisors and admins:
//!
//! - `POST /api/privacy/requests {kind, nik, note}` records one. A *correction* request
//!   opens the normal review flow at once: each of the person's registrations in scope
//!   is marked "needs correction" with the request's words as the comment, which reaches
//!   the officer's phone at its next sync.
//! - `GET /api/privacy/requests[?open=true]` lists them (the overview shows open ones).
//! - `POST /api/privacy/requests/{id}/close {outcome}` closes one; an erasure closes the
//!   request it names (`routes::privacy`).
//!
//! Each is audited. The person is kept as the audit trail keeps them (a keyed hash of the
//! NIK) plus the NIK masked, to recognise the request by.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::privacy::{
    mask_nik, CloseRequest, NewPrivacyRequest, PrivacyRequest, RequestKind, REQUEST_DEADLINE_MS,
};
use jemput_shared::limits::COMMENT_TEXT;
use jemput_shared::registration::{ReviewComment, ReviewStatus};
use serde::Deserialize;

use crate::audit::{self, AuditEvent};
use crate::auth::{Authenticated, SupervisorScope};
use crate::clock::now_ms;
use crate::error::{ApiError, Message};
use crate::privacy_requests::{close, not_found, whole_nik};
use crate::routes::{ApiJson, ApiQuery};
use crate::server_edit::edit_registrations;
use crate::startup::AppState;
use crate::store::privacy_requests::NewRequest;

/// Requests listed at most.
const MAX_LISTED: usize = 1_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/privacy/requests", get(list).post(create))
        .route("/api/privacy/requests/{id}/close", post(close_route))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    #[serde(default)]
    open: bool,
}

async fn list(
    State(state): State<AppState>,
    SupervisorScope { .. }: SupervisorScope,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<PrivacyRequest>>, ApiError> {
    Ok(Json(
        state
            .store
            .privacy_requests(query.open, None, MAX_LISTED)
            .await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    SupervisorScope { auth, .. }: SupervisorScope,
    ApiJson(new): ApiJson<NewPrivacyRequest>,
) -> Result<Json<PrivacyRequest>, ApiError> {
    let nik = whole_nik(&new.nik)?;
    let note = new.note.trim().to_owned();
    if !COMMENT_TEXT.fits(&note) {
        return Err(ApiError::BadRequest(Message::new(
            "note_too_long",
            "The note is too long.",
            "Catatan terlalu panjang.",
        )));
    }
    if new.kind == RequestKind::Correction && note.is_empty() {
        return Err(ApiError::BadRequest(Message::new(
            "note_required",
            "Say what the person wants corrected.",
            "Tuliskan apa yang ingin diperbaiki warga.",
        )));
    }
    let received_at = now_ms();
    let request = NewRequest {
        id: uuid::Uuid::new_v4().to_string(),
        kind: new.kind,
        nik_key: state.nik_keys.key_of(&nik),
        nik_masked: mask_nik(&nik),
        note: note.clone(),
        received_at,
        received_by: auth.user.id.clone(),
        due_at: received_at + REQUEST_DEADLINE_MS,
    };
    let id = request.id.clone();
    state.store.create_privacy_request(request).await?;
    let event = AuditEvent::new(AuditAction::RequestReceived)
        .target(&id)
        .about_nik(&nik)
        .detail(new.kind.code());
    audit::record(&state, &auth, event).await?;
    if new.kind == RequestKind::Correction {
        open_correction(&state, &auth, &nik, note).await?;
    }
    let mut stored = state.store.privacy_requests(false, Some(id), 1).await?;
    stored
        .pop()
        .map(Json)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a stored request vanished")))
}

/// Marks each of the person's registrations in scope "needs correction", the note as the
/// comment (the officer sees it on the phone), as a review would.
async fn open_correction(
    state: &AppState,
    auth: &Authenticated,
    nik: &str,
    note: String,
) -> Result<(), ApiError> {
    let ids = state
        .store
        .registrations_with_nik(auth.requester.scope.clone(), nik.to_owned())
        .await?;
    for id in ids {
        let comment = ReviewComment {
            id: uuid::Uuid::new_v4().to_string(),
            author_id: auth.user.id.clone(),
            author_name: auth.user.display_name.clone(),
            role: auth.requester.role.code().to_owned(),
            at: now_ms(),
            text: format!("Permintaan perbaikan dari pemilik data: {note}"),
        };
        edit_registrations(
            state,
            auth,
            std::slice::from_ref(&id),
            not_found,
            move |r| {
                r.review.status = ReviewStatus::NeedsCorrection;
                r.review.comments.push(comment.clone());
            },
        )
        .await?;
        let event = AuditEvent::new(AuditAction::Reviewed)
            .target(&id)
            .about_nik(nik)
            .detail(ReviewStatus::NeedsCorrection.code());
        audit::record(state, auth, event).await?;
    }
    Ok(())
}

async fn close_route(
    State(state): State<AppState>,
    SupervisorScope { auth, .. }: SupervisorScope,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<CloseRequest>,
) -> Result<Json<PrivacyRequest>, ApiError> {
    close(&state, &auth, &id, request.outcome).await?;
    let mut stored = state.store.privacy_requests(false, Some(id), 1).await?;
    stored.pop().map(Json).ok_or_else(not_found)
}
