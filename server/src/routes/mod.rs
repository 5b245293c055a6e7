//! The HTTP API, one file or folder per resource: `auth`, `sync`, `regions`, `health`,
//! `registrations/` (the table, exports, one record, its review, history and handover),
//! `supervision/` (overview, targets, duplicates, live events), `privacy` (a citizen's
//! data report), `receipts` (a citizen's receipt, verified), `metrics` (the Prometheus
//! scrape) and `admin/`. Each route
//! file exposes `router()`, merged in `startup::router`.
//!
//! A route imports no sibling route: what two routes share lives outside `routes`
//! (`crate::listing`, `crate::supervision`, `crate::server_edit`, `crate::ingest`,
//! `crate::record_history`), and
//! the supervisors' guard is the `auth::SupervisorScope` extractor. Shared here:
//! [`ApiJson`] and [`ApiQuery`], the body and query extractors whose failures answer in
//! the API's error form, the JSON 404 for unknown paths, and [`is_api_path`]. `web`
//! serves the browser app behind all of them.

pub mod admin;
pub mod auth;
pub mod consent;
pub mod health;
pub mod metrics;
pub mod privacy;
pub mod privacy_requests;
pub mod receipts;
pub mod regions;
pub mod registrations;
pub mod supervision;
pub mod sync;
pub mod web;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Message};

/// `axum::Json`, but a body that is not JSON, has the wrong shape or is too large is
/// answered with an [`ApiError`] (bilingual JSON) instead of axum's plain text.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::PayloadTooLarge;
    }
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::BadRequest(Message::new(
            "json_required",
            "Send the request body as JSON (Content-Type: application/json).",
            "Kirim isi permintaan sebagai JSON (Content-Type: application/json).",
        )),
        // serde's text names the field and position ("missing field `username`"); it
        // describes the client's own input, so it is safe and useful to return.
        JsonRejection::JsonDataError(e) => ApiError::BadRequest(Message::new(
            "bad_json",
            format!("The request body has the wrong shape: {}", cause(&e)),
            format!("Isi permintaan tidak sesuai: {}", cause(&e)),
        )),
        other => ApiError::BadRequest(Message::new(
            "bad_json",
            format!("The request body is not valid JSON: {}", cause(&other)),
            format!("Isi permintaan bukan JSON yang sah: {}", cause(&other)),
        )),
    }
}

/// `axum::extract::Query`, but a query string that cannot be read into `T` (not
/// `key=value&…`, a parameter given twice where one is expected, a value of the wrong
/// kind) is answered with an [`ApiError`] instead of axum's plain text.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiError::BadRequest(Message::new(
                "bad_query",
                format!("The query string cannot be read: {}", cause(&rejection)),
                format!("Parameter alamat tidak dapat dibaca: {}", cause(&rejection)),
            ))),
        }
    }
}

/// Paths of the HTTP API (and the health check and the metrics), as opposed to the
/// browser app's files: never the app's page, even when no route serves them.
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/healthz" || path == metrics::PATH
}

/// serde's own words, without axum's "Failed to deserialize …" preamble.
fn cause(rejection: &dyn std::error::Error) -> String {
    rejection
        .source()
        .map_or_else(|| rejection.to_string(), ToString::to_string)
}

/// The answer for a path no route serves.
pub async fn not_found() -> ApiError {
    ApiError::not_found("This address", "Alamat ini")
}
