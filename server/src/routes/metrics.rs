//! `GET /metrics`: the Prometheus scrape (`crate::metrics` owns what is in it). Served
//! on the main address only with a token (`serve --metrics-token`, asked as
//! `Authorization: Bearer …`), and without one on a separate address meant to be local
//! (`serve --metrics-addr`, [`open_router`]). Configured neither way, the path does not
//! exist: 404 like any other unknown path.
//!
//! A scrape reads two one-row aggregates and renders a few kilobytes; scrapes run one at
//! a time, so a flood of them queues instead of taking the database's readers.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::metrics;
use crate::startup::AppState;

/// The path, on either address.
pub const PATH: &str = "/metrics";

/// Prometheus' text exposition format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The bearer token a scraper must send on the main address.
#[derive(Clone)]
pub struct MetricsToken(Arc<[u8; 32]>);

impl MetricsToken {
    pub fn new(token: &str) -> MetricsToken {
        MetricsToken(Arc::new(Sha256::digest(token.as_bytes()).into()))
    }

    /// Whether `headers` carry this token. The digests are compared in constant time, so
    /// the answer's timing says nothing about how much of a guess was right.
    fn admits(&self, headers: &HeaderMap) -> bool {
        let Some(given) = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
        else {
            return false;
        };
        let given: [u8; 32] = Sha256::digest(given.trim().as_bytes()).into();
        given
            .iter()
            .zip(self.0.iter())
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(…)")
    }
}

/// `/metrics` behind `token`, for the main address.
pub fn router(token: MetricsToken) -> Router<AppState> {
    Router::new()
        .route(PATH, get(scrape_with_token))
        .layer(Extension(token))
}

/// `/metrics` without a token and nothing else, for the separate metrics address.
pub fn open_router() -> Router<AppState> {
    Router::new()
        .route(PATH, get(scrape))
        .fallback(super::not_found)
}

async fn scrape_with_token(
    State(state): State<AppState>,
    Extension(token): Extension<MetricsToken>,
    headers: HeaderMap,
) -> Response {
    if !token.admits(&headers) {
        // No detail: a scraper without the token learns nothing else here.
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
        )
            .into_response();
    }
    scrape(State(state)).await
}

async fn scrape(State(state): State<AppState>) -> Response {
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;
    match metrics::render(&state, metrics::install()).await {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(error) => ApiError::from(error).into_response(),
    }
}
