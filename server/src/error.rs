//! [`ApiError`]: every way an HTTP request can fail, and the one place that turns a
//! failure into a status code and a JSON body:
//!
//! ```json
//! {"error": {"code": "invalid_credentials",
//!            "message": "Wrong username or password.",
//!            "message_id": "Nama pengguna atau kata sandi salah."}}
//! ```
//!
//! `code` is stable for programs; the two messages are for people (the app shows
//! `message_id`). Input problems add `"field"`. Store and internal failures are logged
//! with their cause here and answered with a generic message: their text may name files,
//! SQL or other internals a client has no business seeing.

use std::borrow::Cow;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jemput_shared::api::error::{ErrorBody, ErrorDetail};
use jemput_shared::validation::FieldProblem;

use crate::store::StoreError;

/// A bilingual message with a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub code: Cow<'static, str>,
    pub message_en: Cow<'static, str>,
    pub message_id: Cow<'static, str>,
}

impl Message {
    pub fn new(
        code: impl Into<Cow<'static, str>>,
        message_en: impl Into<Cow<'static, str>>,
        message_id: impl Into<Cow<'static, str>>,
    ) -> Message {
        Message {
            code: code.into(),
            message_en: message_en.into(),
            message_id: message_id.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: a field of the request is not acceptable.
    #[error("invalid input: {0}")]
    Invalid(FieldProblem),
    /// 400: the request as a whole is malformed.
    #[error("bad request: {}", .0.message_en)]
    BadRequest(Message),
    /// 401: no valid credentials or token.
    #[error("unauthenticated: {}", .0.code)]
    Unauthenticated(Message),
    /// 403: authenticated, but not allowed.
    #[error("forbidden: {}", .0.code)]
    Forbidden(Message),
    /// 404.
    #[error("not found: {}", .0.code)]
    NotFound(Message),
    /// 409: clashes with the stored state.
    #[error("conflict: {}", .0.message_en)]
    Conflict(Message),
    /// 429: too many attempts; try again after the given seconds.
    #[error("too many requests: {}", .0.code)]
    TooManyRequests(Message, u64),
    /// 413.
    #[error("request body too large")]
    PayloadTooLarge,
    /// 408: the request body came too slowly (`serve.rs`).
    #[error("request body too slow")]
    RequestTimeout,
    /// 503: the server is doing as much of this as it allows at once (exports); retry.
    #[error("busy: {}", .0.code)]
    Busy(Message),
    /// 503 (transient) or 500, by the kind of store failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// 500: a bug or an environment problem (hashing failed, a task panicked).
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl From<FieldProblem> for ApiError {
    fn from(problem: FieldProblem) -> Self {
        ApiError::Invalid(problem)
    }
}

impl ApiError {
    pub fn forbidden() -> ApiError {
        ApiError::Forbidden(Message::new(
            "forbidden",
            "You are not allowed to do this.",
            "Anda tidak berwenang melakukan ini.",
        ))
    }

    pub fn not_found(what_en: &'static str, what_id: &'static str) -> ApiError {
        ApiError::NotFound(Message::new(
            "not_found",
            format!("{what_en} was not found."),
            format!("{what_id} tidak ditemukan."),
        ))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Invalid(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) | ApiError::Store(StoreError::NotFound) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::Store(StoreError::Conflict(_)) => {
                StatusCode::CONFLICT
            }
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooManyRequests(..) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy(_)
            | ApiError::Store(StoreError::Unavailable(_) | StoreError::Outdated(_)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Store(StoreError::Internal(_)) | ApiError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// What the client is told; for store and internal failures a generic text.
    fn message(&self) -> Message {
        match self {
            ApiError::Invalid(problem) => Message::new(
                problem.code.clone(),
                problem.message_en.clone(),
                problem.message_id.clone(),
            ),
            ApiError::BadRequest(m)
            | ApiError::Unauthenticated(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::Busy(m)
            | ApiError::TooManyRequests(m, _) => m.clone(),
            ApiError::PayloadTooLarge => Message::new(
                "payload_too_large",
                "The request is too large.",
                "Data yang dikirim terlalu besar.",
            ),
            ApiError::RequestTimeout => Message::new(
                "request_timeout",
                "The request arrived too slowly; try again.",
                "Permintaan diterima terlalu lambat; coba lagi.",
            ),
            ApiError::Store(StoreError::NotFound) => {
                Message::new("not_found", "Not found.", "Tidak ditemukan.")
            }
            ApiError::Store(StoreError::Conflict(_)) => Message::new(
                "conflict",
                "This clashes with data the server already has.",
                "Ini bertentangan dengan data yang sudah ada di server.",
            ),
            ApiError::Store(StoreError::Unavailable(_) | StoreError::Outdated(_)) => Message::new(
                "unavailable",
                "The server is busy or has a storage problem; try again shortly.",
                "Server sedang sibuk atau penyimpanannya bermasalah; coba lagi sebentar lagi.",
            ),
            ApiError::Store(StoreError::Internal(_)) | ApiError::Internal(_) => Message::new(
                "internal",
                "Something went wrong on the server.",
                "Terjadi kesalahan di server.",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let message = self.message();
        let body = ErrorBody {
            error: ErrorDetail {
                code: message.code.to_string(),
                message: message.message_en.to_string(),
                message_id: message.message_id.to_string(),
                field: match &self {
                    ApiError::Invalid(problem) => Some(problem.field.to_string()),
                    _ => None,
                },
            },
        };
        let retry_after = match &self {
            ApiError::TooManyRequests(_, seconds) => Some(*seconds),
            _ => None,
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        match status {
            // RFC 6750: a 401 names the scheme the client should use.
            StatusCode::UNAUTHORIZED => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            // Devices back off and retry on their own; tell them when.
            StatusCode::SERVICE_UNAVAILABLE => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            StatusCode::TOO_MANY_REQUESTS => {
                if let Some(seconds) = retry_after {
                    headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
                }
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    async fn body_of(error: ApiError) -> (StatusCode, serde_json::Value) {
        let response = error.into_response();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn a_store_failure_does_not_leak_its_cause() {
        let error = ApiError::Store(StoreError::Unavailable(
            "cannot open /srv/secret/jemput.sqlite3".into(),
        ));
        let (status, body) = body_of(error).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["error"]["code"], "unavailable");
        assert!(!body.to_string().contains("secret"));
    }

    #[tokio::test]
    async fn an_input_problem_names_its_field_in_both_languages() {
        let problem = FieldProblem::error("username", "username_format", "salah", "wrong");
        let (status, body) = body_of(problem.into()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            json!({"error": {"code": "username_format", "message": "wrong",
                             "message_id": "salah", "field": "username"}})
        );
    }

    #[test]
    fn store_errors_map_to_their_statuses() {
        assert_eq!(
            ApiError::from(StoreError::NotFound).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            ApiError::from(StoreError::Conflict(String::new())).status(),
            StatusCode::CONFLICT
        );
        assert_eq!(
            ApiError::from(StoreError::Internal(String::new())).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
