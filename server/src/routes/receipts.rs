//! A receipt's QR code, verified: `GET /api/receipts/verify/{payload}` in JSON and
//! `GET /verifikasi/{payload}`, the page a phone's camera opens. Both public: they tell
//! nothing the card does not show, besides the signing officer's name
//! (`crate::receipts`).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_SECURITY_POLICY;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use html_escape::encode_text as escape;
use jemput_shared::api::receipts::ReceiptVerdict;

use crate::error::ApiError;
use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/receipts/verify/{payload}", get(verify))
        .route("/verifikasi/{payload}", get(page))
}

async fn verify(
    State(state): State<AppState>,
    payload: Result<Path<String>, PathRejection>,
) -> Result<Json<ReceiptVerdict>, ApiError> {
    Ok(Json(verdict(&state, payload).await?))
}

/// The verdict on a payload; one that is not even text (bad percent-escapes) is invalid.
async fn verdict(
    state: &AppState,
    payload: Result<Path<String>, PathRejection>,
) -> Result<ReceiptVerdict, ApiError> {
    let Ok(Path(payload)) = payload else {
        return Ok(ReceiptVerdict::Invalid);
    };
    Ok(state
        .receipt_keys
        .verify(state.store.as_ref(), &payload)
        .await?)
}

/// The page runs no script and loads nothing: its one style is inline.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// The verdict for people at the office: plain HTML, every value escaped.
async fn page(
    State(state): State<AppState>,
    payload: Result<Path<String>, PathRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let body = match verdict(&state, payload).await? {
        ReceiptVerdict::Valid(receipt) => format!(
            r#"<p class="verdict valid" data-verdict="valid"><strong>SAH</strong> — bukti pendaftaran ini diterbitkan oleh Jemput. <span lang="en">(Valid.)</span></p>
<dl>
<dt>Nomor pendaftaran</dt><dd data-field="number">{}</dd>
<dt>Nama</dt><dd data-field="name">{}</dd>
<dt>NIK</dt><dd data-field="masked_nik">{}</dd>
<dt>Tanggal pendaftaran</dt><dd data-field="date">{}</dd>
<dt>Petugas</dt><dd data-field="officer">{}</dd>
</dl>"#,
            escape(&receipt.number),
            escape(&receipt.name),
            escape(if receipt.masked_nik.is_empty() { "—" } else { &receipt.masked_nik }),
            escape(&receipt.date),
            escape(&receipt.officer),
        ),
        ReceiptVerdict::Invalid => r#"<p class="verdict invalid" data-verdict="invalid"><strong>TIDAK SAH</strong> — kode ini tidak dikenal atau telah diubah. <span lang="en">(Not valid: unknown or altered.)</span></p>"#.to_owned(),
    };
    let html = Html(format!(
        r#"<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Verifikasi bukti pendaftaran — Jemput</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}}.valid{{color:#0a6b2d}}.invalid{{color:#a4161a}}dt{{font-weight:600;margin-top:.5rem}}dd{{margin:0}}</style>
</head><body><h1>Verifikasi bukti pendaftaran</h1>
{body}
</body></html>"#
    ));
    Ok(([(CONTENT_SECURITY_POLICY, PAGE_POLICY)], html))
}
