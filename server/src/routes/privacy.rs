//! A citizen's data rights: `GET /api/privacy/person?nik=…` — everything Jemput holds
//! about one person (each registration with that NIK, duplicates included, and its
//! history) and its processing trail (the audit entries about the NIK), for a supervisor
//! (their regencies) or an admin serving the person's access request (UU PDP Pasal 32).
//! The report is itself audited. Takes `?token=` too, for its JSON download link.
//!
//! `POST /api/privacy/erase {nik}` erases every registration of the person in scope for
//! good (`crate::erasure`), closing the privacy request it serves, if named; `POST
//! /api/privacy/erase-registration {registration_id}` erases one (a person without a NIK).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::privacy::{
    EraseAnswer, EraseRegistration, EraseRequest, PersonRegistration, PersonReport, RequestOutcome,
};
use jemput_shared::policy::Role;
use serde::Deserialize;

use crate::audit::{self, AuditEvent};
use crate::auth::{header_or_query_token, Authenticated, SupervisorScope};
use crate::client_address::ClientAddress;
use crate::clock::now_ms;
use crate::erasure::{erase_person, erase_registration};
use crate::error::ApiError;
use crate::privacy_requests::{close, whole_nik};
use crate::record_history::registration_history;
use crate::routes::{ApiJson, ApiQuery};
use crate::startup::AppState;
use crate::store::audit::AuditQuery;
use crate::store::listing::{PageRequest, RegistrationFilter, RegistrationOrder, Search};

/// Registrations of one person in a report at most (a NIK shared by more is a data
/// problem the duplicates queue shows).
const MAX_REGISTRATIONS: u64 = 100;
/// Trail entries in a report at most.
const MAX_TRAIL: usize = 10_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/privacy/person", get(person))
        .route("/api/privacy/erase", post(erase))
        .route("/api/privacy/erase-registration", post(erase_one))
}

async fn erase_one(
    State(state): State<AppState>,
    SupervisorScope { auth, .. }: SupervisorScope,
    ApiJson(request): ApiJson<EraseRegistration>,
) -> Result<Json<EraseAnswer>, ApiError> {
    let erased = erase_registration(
        &state,
        &auth,
        &request.registration_id,
        request.request_id.clone(),
    )
    .await?;
    if !erased {
        return Err(ApiError::not_found("This registration", "Pendaftaran ini"));
    }
    if let Some(id) = request.request_id {
        close(&state, &auth, &id, RequestOutcome::Done).await?;
    }
    Ok(Json(EraseAnswer { erased: 1 }))
}

async fn erase(
    State(state): State<AppState>,
    SupervisorScope { auth, .. }: SupervisorScope,
    ApiJson(request): ApiJson<EraseRequest>,
) -> Result<Json<EraseAnswer>, ApiError> {
    let nik = whole_nik(&request.nik)?;
    let erased = erase_person(&state, &auth, &nik, request.request_id.clone()).await?;
    if let Some(id) = request.request_id {
        close(&state, &auth, &id, RequestOutcome::Done).await?;
    }
    Ok(Json(EraseAnswer { erased }))
}

#[derive(Debug, Deserialize)]
struct PersonQuery {
    nik: String,
    /// For the JSON download link, which cannot set headers.
    token: Option<String>,
}

async fn person(
    State(state): State<AppState>,
    address: ClientAddress,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<PersonQuery>,
) -> Result<Json<PersonReport>, ApiError> {
    let token = header_or_query_token(&headers, query.token.as_deref())?;
    let mut auth = Authenticated::from_token(token, &state).await?;
    auth.client = Some(address.0);
    let SupervisorScope { auth, .. } = SupervisorScope::of(auth)?;
    let nik = whole_nik(&query.nik)?;
    let filter = RegistrationFilter {
        search: Some(Search::NikPrefix(nik.clone())),
        include_duplicates: true,
        ..RegistrationFilter::in_scope(auth.requester.scope.clone())
    };
    let page = PageRequest {
        number: 1,
        per_page: MAX_REGISTRATIONS,
    };
    let listed = state
        .store
        .list_registrations(filter, RegistrationOrder::default(), page)
        .await?;
    let mut registrations = Vec::with_capacity(listed.rows.len());
    for row in &listed.rows {
        if let Some((registration, history)) =
            registration_history(&state, &auth.requester.scope, &row.id).await?
        {
            registrations.push(PersonRegistration {
                registration,
                history,
            });
        }
    }
    // A supervisor with none of the person's registrations learns nothing of them, not
    // even that others looked them up.
    let may_see_trail = !registrations.is_empty() || auth.requester.role == Role::Admin;
    let trail = if !may_see_trail {
        Vec::new()
    } else {
        state
            .store
            .audit_entries(AuditQuery {
                nik_key: Some(state.nik_keys.key_of(&nik)),
                limit: MAX_TRAIL,
                ..AuditQuery::default()
            })
            .await?
    };
    let exports = if !may_see_trail {
        Vec::new()
    } else {
        let digest = crate::export_members::digest(&state.nik_keys, &nik);
        state.store.exports_holding(digest).await?
    };
    let event = AuditEvent::new(AuditAction::PersonReported)
        .about_nik(&nik)
        .detail(format!("{} registrations", registrations.len()));
    audit::record(&state, &auth, event).await?;
    Ok(Json(PersonReport {
        nik,
        made_at: now_ms(),
        registrations,
        trail,
        exports,
    }))
}
