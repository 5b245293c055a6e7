//! The consent notice's versions: `GET /api/admin/consent` (every version, newest
//! first) and `POST /api/admin/consent` (publish the next one; audited). A new version
//! reaches the officers' phones at their next sync and applies to new registrations.

use axum::extract::State;
use axum::Json;
use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::consent::{ConsentText, NewConsentText, MAX_TEXT_CHARS};

use crate::audit::{self, AuditEvent};
use crate::auth::Admin;
use crate::clock::now_ms;
use crate::error::{ApiError, Message};
use crate::routes::ApiJson;
use crate::startup::AppState;

pub(super) async fn list(
    State(state): State<AppState>,
    Admin(_admin): Admin,
) -> Result<Json<Vec<ConsentText>>, ApiError> {
    Ok(Json(state.store.consent_texts().await?))
}

pub(super) async fn publish(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(new): ApiJson<NewConsentText>,
) -> Result<Json<ConsentText>, ApiError> {
    let (text_id, text_en) = (new.text_id.trim(), new.text_en.trim());
    let fits = |text: &str| !text.is_empty() && text.chars().count() <= MAX_TEXT_CHARS;
    if !fits(text_id) || !fits(text_en) {
        return Err(ApiError::BadRequest(Message::new(
            "bad_consent_text",
            format!("Give the notice in both languages, at most {MAX_TEXT_CHARS} characters each."),
            format!("Isi teks dalam kedua bahasa, masing-masing paling banyak {MAX_TEXT_CHARS} karakter."),
        )));
    }
    let version = state
        .store
        .publish_consent_text(
            text_id.to_owned(),
            text_en.to_owned(),
            now_ms(),
            Some(admin.user.id.clone()),
        )
        .await?;
    let event = AuditEvent::new(AuditAction::ConsentPublished).detail(format!("version {version}"));
    audit::record(&state, &admin, event).await?;
    let texts = state.store.consent_texts().await?;
    texts
        .into_iter()
        .find(|text| text.version == version)
        .map(Json)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("published consent text vanished")))
}
