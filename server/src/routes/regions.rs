//! `GET /api/regions`: the official region list for any signed-in user — the app needs
//! it offline to fill the address pickers and to validate codes as officers type.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use jemput_shared::api::regions::{RegionEntry, RegionList};

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/regions", get(list))
}

async fn list(
    State(state): State<AppState>,
    _auth: Authenticated,
) -> Result<Json<RegionList>, ApiError> {
    let mut list = RegionList::default();
    for region in state.store.list_regions().await? {
        let region = RegionEntry {
            code: region.code,
            parent: region.parent,
            name: region.name,
        };
        match region.code.matches('.').count() {
            1 => list.regencies.push(region),
            2 => list.districts.push(region),
            _ => list.villages.push(region),
        }
    }
    Ok(Json(list))
}
