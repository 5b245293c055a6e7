//! `GET /api/consent`: the consent notice to show now (its latest version), for any
//! signed-in user; the officer's app keeps it for use offline (`api::consent`).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use jemput_shared::api::consent::ConsentText;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/consent", get(current))
}

async fn current(
    State(state): State<AppState>,
    _auth: Authenticated,
) -> Result<Json<ConsentText>, ApiError> {
    let texts = state.store.consent_texts().await?;
    texts
        .into_iter()
        .next()
        .map(Json)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no consent text is published")))
}
