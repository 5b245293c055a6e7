//! The audit trail for admins: `GET /api/admin/audit` (one page, newest first) and
//! `GET /api/admin/audit.csv` (every matching entry, up to [`CSV_MAX_ROWS`]), filtered by
//! `user` (username), `action` (its code), `nik` (the person: 16 digits, looked up by
//! its keyed hash), `from` and `to` (dates, WIB, both included) and, for the page,
//! `before` (the `next_before` of the previous page). The CSV takes `?token=` like the
//! other downloads, and is itself audited.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jemput_shared::api::audit::{AuditAction, AuditEntry, AuditPage, AUDIT_PAGE_SIZE};
use jemput_shared::calendar::{iso_date, parse_iso_date, wib_day_start_ms, wib_minute, DAY_MS};
use jemput_shared::domain::Nik;
use serde::Deserialize;

use crate::audit::{self, AuditEvent};
use crate::auth::{header_or_query_token, require_admin, Admin, Authenticated};
use crate::clock;
use crate::error::{ApiError, Message};
use crate::listing::export_format::push_csv_line;
use crate::routes::ApiQuery;
use crate::startup::AppState;
use crate::store::audit::AuditQuery;

/// Entries in one CSV at most (about 200 bytes each).
pub const CSV_MAX_ROWS: usize = 100_000;

/// The query string of both routes.
#[derive(Debug, Default, Deserialize)]
pub(super) struct AuditParams {
    user: Option<String>,
    action: Option<String>,
    nik: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
    token: Option<String>,
}

fn bad(code: &str, en: &str, id: &str) -> ApiError {
    ApiError::BadRequest(Message::new(code.to_owned(), en.to_owned(), id.to_owned()))
}

impl AuditParams {
    /// The store's query for these parameters.
    fn query(&self, state: &AppState, limit: usize) -> Result<AuditQuery, ApiError> {
        let action =
            match self.action.as_deref().filter(|a| !a.is_empty()) {
                Some(code) => Some(AuditAction::from_code(code).ok_or_else(|| {
                    bad("bad_action", "Unknown action.", "Tindakan tidak dikenal.")
                })?),
                None => None,
            };
        let nik_key = match self.nik.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(nik) if nik.len() == Nik::DIGITS && nik.bytes().all(|b| b.is_ascii_digit()) => {
                Some(state.nik_keys.key_of(nik))
            }
            Some(_) => {
                return Err(bad(
                    "bad_nik",
                    "A NIK has 16 digits.",
                    "NIK terdiri dari 16 digit.",
                ))
            }
            None => None,
        };
        let day = |raw: &Option<String>| -> Result<Option<i64>, ApiError> {
            match raw.as_deref().filter(|d| !d.is_empty()) {
                Some(raw) => parse_iso_date(raw)
                    .map(|date| Some(wib_day_start_ms(date)))
                    .ok_or_else(|| {
                        bad(
                            "bad_date",
                            "Dates are YYYY-MM-DD.",
                            "Tanggal ditulis TTTT-BB-HH.",
                        )
                    }),
                None => Ok(None),
            }
        };
        Ok(AuditQuery {
            username: self.user.clone().filter(|u| !u.is_empty()),
            action,
            nik_key,
            from: day(&self.from)?,
            // `to` is included: up to the start of the next day.
            to: day(&self.to)?.map(|start| start + DAY_MS),
            before: self.before,
            limit,
        })
    }
}

pub(super) async fn page(
    State(state): State<AppState>,
    _admin: Admin,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Json<AuditPage>, ApiError> {
    let query = params.query(&state, AUDIT_PAGE_SIZE)?;
    let entries = state.store.audit_entries(query).await?;
    let next_before = (entries.len() == AUDIT_PAGE_SIZE)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    Ok(Json(AuditPage {
        entries,
        next_before,
    }))
}

pub(super) async fn csv(
    State(state): State<AppState>,
    address: crate::client_address::ClientAddress,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Response, ApiError> {
    let token = header_or_query_token(&headers, params.token.as_deref())?;
    let mut admin = Authenticated::from_token(token, &state).await?;
    admin.client = Some(address.0);
    require_admin(&admin)?;
    let query = params.query(&state, CSV_MAX_ROWS)?;
    let entries = state.store.audit_entries(query).await?;
    let mut out = String::from("\u{feff}");
    push_csv_line(
        &mut out,
        &[
            "seq",
            "waktu (WIB)",
            "pengguna",
            "tindakan",
            "sasaran",
            "keterangan",
            "alamat",
        ],
    );
    for entry in &entries {
        push_csv_line(&mut out, &row(entry));
    }
    let event =
        AuditEvent::new(AuditAction::AuditExported).detail(format!("csv; {} rows", entries.len()));
    audit::record(&state, &admin, event).await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let file = format!(
        "attachment; filename=\"jemput-audit-{}.csv\"",
        iso_date(clock::today())
    );
    if let Ok(value) = HeaderValue::from_str(&file) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok((headers, out).into_response())
}

fn row(entry: &AuditEntry) -> [String; 7] {
    [
        entry.seq.to_string(),
        wib_minute(entry.at),
        entry.username.clone().unwrap_or_default(),
        entry.action.code().to_owned(),
        entry.target.clone().unwrap_or_default(),
        entry.detail.clone(),
        entry.client.clone().unwrap_or_default(),
    ]
}
