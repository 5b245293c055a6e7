//! Signing in and out: `POST /api/auth/login`, `POST /api/auth/logout`,
//! `GET /api/auth/me`; and `POST /api/auth/recovery-key`, a phone's PIN recovery key for
//! the signed-in user (`crate::recovery`); `POST /api/auth/device-check`, a locked
//! phone asking whether it was marked lost (`crate::device_check`); and
//! `POST /api/auth/wipe-confirmed`, a lost device's word that it has wiped (with that
//! device's own token or check).
//!
//! A login registers a new device with its own token; the device id it returns is the
//! device's identity in sync. A wrong password, an unknown username and a malformed one
//! all get the same answer after the same amount of work, so the answer says nothing
//! about which usernames exist. Guessing is slowed by `login_throttle` (per username and
//! per client address); every attempt is logged with the username as typed and the
//! client's address, never the password.

use axum::extract::{FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::auth::{
    DeviceCheck, DeviceCheckAnswer, LoginRequest, LoginResponse, Me, RecoveryKey,
    RecoveryKeyRequest, UserView,
};

use crate::accounts::{User, Username};
use crate::audit::{self, AuditEvent};
use crate::auth::{self, Authenticated};
use crate::client_address::ClientAddress;
use crate::clock::now_ms;
use crate::error::{ApiError, Message};
use crate::metrics::{self, LoginFailure};
use crate::routes::ApiJson;
use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
        .route("/api/auth/recovery-key", post(recovery_key))
        .route("/api/auth/device-check", post(device_check))
        .route("/api/auth/wipe-confirmed", post(wipe_confirmed))
}

/// A user as the API shows them (never the password hash).
impl From<User> for UserView {
    fn from(user: User) -> Self {
        UserView {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            regions: user.regions,
            disabled: user.disabled,
            created_at: user.created_at,
        }
    }
}

/// Longer names are cut: the name is a label, not worth refusing a login over.
const DEVICE_NAME_MAX_CHARS: usize = 100;

async fn login(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let now = now_ms();
    // As typed, escaped and cut short: it is whatever the client sent.
    let typed = LoggedUsername(&request.username);
    if let Err(throttled) = state
        .login_throttle
        .check(&request.username, address.0, now)
    {
        tracing::warn!(username = %typed, %address, limit = ?throttled.limit, "login refused: too many wrong passwords");
        metrics::login_failed(LoginFailure::Throttled);
        let minutes = (throttled.wait_ms + 59_999) / 60_000;
        return Err(ApiError::TooManyRequests(
            Message::new(
                "too_many_attempts",
                format!("Too many wrong passwords. Try again in {minutes} minutes."),
                format!("Terlalu banyak kata sandi salah. Coba lagi dalam {minutes} menit."),
            ),
            throttled.wait_ms.div_euclid(1000).max(1) as u64,
        ));
    }
    let found = match Username::parse(&request.username) {
        Ok(username) => state.store.credentials(username.as_str()).await?,
        Err(_) => None,
    };
    let (user, hash) = found.unzip();
    if !auth::verify_password(request.password, hash).await {
        state
            .login_throttle
            .record_failure(&request.username, address.0, now);
        tracing::warn!(username = %typed, %address, known_user = user.is_some(), "login failed: wrong username or password");
        metrics::login_failed(LoginFailure::WrongPassword);
        let event = AuditEvent::new(AuditAction::LoginFailed)
            .target(typed.to_string())
            .detail("wrong username or password");
        audit::record_anonymous(&state, address, event).await?;
        return Err(ApiError::Unauthenticated(Message::new(
            "invalid_credentials",
            "Wrong username or password.",
            "Nama pengguna atau kata sandi salah.",
        )));
    }
    let Some(user) = user else {
        // verify_password is never true without a stored hash.
        return Err(ApiError::Internal(anyhow::anyhow!(
            "verified without a user"
        )));
    };
    state
        .login_throttle
        .record_success(&request.username, address.0, now);
    // Told only to someone who knows the password, so it reveals nothing to others.
    if user.disabled {
        tracing::warn!(user = %user.username, %address, "login refused: account disabled");
        metrics::login_failed(LoginFailure::Disabled);
        let event = AuditEvent::new(AuditAction::LoginFailed)
            .target(&user.username)
            .detail("account disabled");
        audit::record_login(&state, &user, address, event).await?;
        return Err(auth::account_disabled());
    }
    let device_name: String = request
        .device_name
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(DEVICE_NAME_MAX_CHARS)
        .collect();
    let token = auth::new_token();
    let device = state
        .store
        .create_device(&user.id, &device_name, auth::token_hash(&token), now_ms())
        .await?;
    tracing::info!(user = %user.username, %address, device = %device.id, "signed in");
    let event = AuditEvent::new(AuditAction::LoginSucceeded)
        .target(&device.id)
        .detail(format!("device: {}", device.name));
    audit::record_login(&state, &user, address, event).await?;
    if let Some(replaced) = request.replaces {
        replace_device(&state, &user, &replaced).await?;
    }
    let receipt_key = user
        .role
        .is_officer()
        .then(|| state.receipt_keys.key_for(&device.id).encode());
    Ok(Json(LoginResponse {
        token,
        device_check: state.device_checks.check_for(&device.id),
        receipt_key,
        device_id: device.id,
        user: user.into(),
    }))
}

/// Revokes the device a new login on the same phone replaces, when its check proves it
/// and it is the same user's (a wrong or foreign one is ignored: the login stands).
async fn replace_device(
    state: &AppState,
    user: &User,
    replaced: &DeviceCheck,
) -> Result<(), ApiError> {
    if !state.device_checks.verify(replaced) {
        tracing::warn!(user = %user.username, "login named a device to replace with a wrong check");
        return Ok(());
    }
    match state.store.device(&replaced.device_id).await? {
        Some(old) if old.user_id == user.id && old.revoked_at.is_none() => {
            state.store.revoke_device(&old.id, now_ms()).await?;
            tracing::info!(user = %user.username, device = %old.id, "device replaced by a new login on the same phone");
        }
        _ => {}
    }
    Ok(())
}

/// A username as a client typed it, for the log: at most 64 characters, control
/// characters escaped, so a crafted one cannot forge or flood log lines.
struct LoggedUsername<'a>(&'a str);

impl std::fmt::Display for LoggedUsername<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for c in self.0.chars().take(64) {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// Revokes the calling device's token; the device must sign in again.
async fn logout(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<StatusCode, ApiError> {
    state.store.revoke_device(&auth.device_id, now_ms()).await?;
    tracing::info!(user = %auth.user.username, device = %auth.device_id, "signed out");
    Ok(StatusCode::NO_CONTENT)
}

async fn me(auth: Authenticated) -> Json<Me> {
    Json(Me {
        device_id: auth.device_id,
        user: auth.user.into(),
    })
}

/// The recovery key of the calling user's phone that chose `key_id`. Only a signed-in
/// session gets it, and the officer's app keeps its token sealed: after a forgotten PIN,
/// that means a password login first.
async fn recovery_key(
    State(state): State<AppState>,
    auth: Authenticated,
    Json(request): Json<RecoveryKeyRequest>,
) -> Result<Json<RecoveryKey>, ApiError> {
    if !request.is_well_formed() {
        return Err(ApiError::BadRequest(Message::new(
            "bad_key_id",
            "The recovery key id is malformed.",
            "Id kunci pemulihan tidak sah.",
        )));
    }
    if !state
        .store
        .claim_recovery_key(&auth.user.id, &auth.device_id, &request.key_id)
        .await?
    {
        tracing::warn!(user = %auth.user.username, device = %auth.device_id, "recovery key refused: its phone was marked lost");
        return Err(ApiError::Forbidden(Message::new(
            "recovery_key_lost",
            "This phone was marked lost; its data cannot be recovered.",
            "Ponsel ini ditandai hilang; datanya tidak dapat dipulihkan.",
        )));
    }
    let key = state.recovery.key_for(&auth.user.id, &request.key_id);
    tracing::info!(user = %auth.user.username, device = %auth.device_id, "recovery key released");
    Ok(Json(RecoveryKey {
        key: URL_SAFE_NO_PAD.encode(key),
    }))
}

/// A phone, even locked, asks whether it was marked lost (`crate::device_check`). A
/// wrong check, or a device that does not exist, answers like a bad token.
async fn device_check(
    State(state): State<AppState>,
    ApiJson(proof): ApiJson<DeviceCheck>,
) -> Result<Json<DeviceCheckAnswer>, ApiError> {
    let device = checked_device(&state, &proof).await?;
    Ok(Json(DeviceCheckAnswer {
        lost: device.lost_at.is_some(),
    }))
}

/// A device marked lost says it has deleted everything of its user (remote wipe). Its
/// token no longer signs anything in, but it still proves which device speaks; a locked
/// phone proves it with its check instead (the JSON body, without a token). Only the
/// lost device itself is heard: any other answers like a bad token.
async fn wipe_confirmed(
    State(state): State<AppState>,
    request: Request,
) -> Result<StatusCode, ApiError> {
    let device = if request.headers().contains_key(header::AUTHORIZATION) {
        let token = auth::bearer_token(request.headers())?;
        let Some((device, _)) = state.store.session(auth::token_hash(token)).await? else {
            return Err(auth::invalid_session());
        };
        device
    } else {
        let ApiJson(proof) = ApiJson::<DeviceCheck>::from_request(request, &state).await?;
        checked_device(&state, &proof).await?
    };
    if device.lost_at.is_none() {
        return Err(auth::invalid_session());
    }
    state.store.confirm_wipe(&device.id, now_ms()).await?;
    tracing::warn!(user_id = %device.user_id, device = %device.id, "lost device confirmed its wipe");
    Ok(StatusCode::NO_CONTENT)
}

/// The device `proof` names, if its check is right.
async fn checked_device(
    state: &AppState,
    proof: &DeviceCheck,
) -> Result<crate::accounts::Device, ApiError> {
    if !state.device_checks.verify(proof) {
        return Err(auth::invalid_session());
    }
    state
        .store
        .device(&proof.device_id)
        .await?
        .ok_or_else(auth::invalid_session)
}
