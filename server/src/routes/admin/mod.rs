//! Administration, for admins only: users (`users`: `GET`/`POST /api/admin/users`,
//! `PATCH /api/admin/users/{id}`), their devices (`devices`:
//! `GET /api/admin/users/{id}/devices`, `POST /api/admin/devices/{id}/revoke`, `POST /api/admin/devices/{id}/lost`), the
//! region list (`regions`: `POST /api/admin/regions/import`), the audit trail (`audit`:
//! `GET /api/admin/audit`, `GET /api/admin/audit.csv`), the consent notice's versions
//! (`consent`: `GET`/`POST /api/admin/consent`), and totals
//! (`GET /api/admin/stats`).
//!
//! Input is parsed with the same types the CLI uses (`crate::accounts`).

mod audit;
mod consent;
mod devices;
mod regions;
mod users;

use axum::extract::State;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use jemput_shared::api::users::Stats;

use crate::auth::Admin;
use crate::error::ApiError;
use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/users", get(users::list).post(users::create))
        .route("/api/admin/users/{id}", patch(users::update))
        .route("/api/admin/users/{id}/devices", get(devices::list))
        .route("/api/admin/devices/{id}/revoke", post(devices::revoke))
        .route("/api/admin/devices/{id}/lost", post(devices::mark_lost))
        .route("/api/admin/regions/import", post(regions::import))
        .route("/api/admin/stats", get(stats))
        .route("/api/admin/audit", get(audit::page))
        .route("/api/admin/audit.csv", get(audit::csv))
        .route(
            "/api/admin/consent",
            get(consent::list).post(consent::publish),
        )
}

/// Totals for operators and the load generator; the supervisor overview comes later.
async fn stats(
    State(state): State<AppState>,
    Admin(_admin): Admin,
) -> Result<Json<Stats>, ApiError> {
    let registrations = state.store.registration_count().await?;
    Ok(Json(Stats { registrations }))
}
