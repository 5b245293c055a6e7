//! `GET /api/regions`: the official region list for any signed-in user — the app needs
//! it offline to fill the address pickers and to validate codes as officers type.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::startup::AppState;
use crate::store::Region;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/regions", get(list))
}

/// Each level as its own array, by code; each entry `{code, parent, name}`.
#[derive(Debug, Default, Serialize)]
struct RegionList {
    regencies: Vec<Region>,
    districts: Vec<Region>,
    villages: Vec<Region>,
}

async fn list(
    State(state): State<AppState>,
    _auth: Authenticated,
) -> Result<Json<RegionList>, ApiError> {
    let mut list = RegionList::default();
    for region in state.store.list_regions().await? {
        match region.code.matches('.').count() {
            1 => list.regencies.push(region),
            2 => list.districts.push(region),
            _ => list.villages.push(region),
        }
    }
    Ok(Json(list))
}
