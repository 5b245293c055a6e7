//! `GET /api/registrations`: the supervisors' registrations table — one page of the
//! registrations in the requester's scope matching the filters, sorted, with region and
//! officer names, and the total (counted up to 10,000). Parameters in `listing::query`,
//! the SQL in `store::listing`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::registrations::RegistrationPage;
use jemput_shared::domain::Nik;

use crate::audit::{self, AuditEvent};
use crate::auth::SupervisorScope;
use crate::error::ApiError;
use crate::listing::names::RowNames;
use crate::listing::query::{self, Accepts, RawParams};
use crate::startup::AppState;
use crate::store::listing::Search;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/registrations", get(list))
}

async fn list(
    State(state): State<AppState>,
    SupervisorScope { auth, .. }: SupervisorScope,
    params: RawParams,
) -> Result<Response, ApiError> {
    let request = query::parse(&query::pairs(params)?, &auth, Accepts::Paging)?;
    // A whole NIK looked up is an access to that person's data; prefixes typed on the
    // way there are not (the table searches as the supervisor types).
    if let Some(Search::NikPrefix(nik)) = &request.filter.search {
        if nik.len() == Nik::DIGITS {
            let event = AuditEvent::new(AuditAction::NikSearched).about_nik(nik);
            audit::record(&state, &auth, event).await?;
        }
    }
    let (listed, names) = tokio::try_join!(
        async {
            Ok::<_, ApiError>(
                state
                    .store
                    .list_registrations(request.filter, request.order, request.page)
                    .await?,
            )
        },
        RowNames::load(&state),
    )?;
    let page = RegistrationPage {
        rows: listed.rows.iter().map(|row| names.table_row(row)).collect(),
        total: listed.total,
        total_is_exact: listed.total_is_exact,
        page: request.page.number,
        per_page: request.page.per_page,
    };
    Ok(Json(page).into_response())
}
