//! Who is calling: password hashing, bearer tokens, and the [`Authenticated`] extractor
//! that every protected route takes.
//!
//! - Passwords are hashed with argon2id (the `argon2` crate's defaults) into a PHC string
//!   that carries its own salt and parameters, so stronger parameters later need no
//!   migration. Hashing costs tens of milliseconds of CPU by design; it runs on a
//!   blocking thread so it never stalls other requests.
//! - A login creates a device holding a bearer token: 32 random bytes, base64url. The
//!   store keeps only the token's SHA-256, so a copy of the database does not let anyone
//!   sign in. A plain hash suffices (no argon2): the token is random and long, there is
//!   nothing to guess.
//! - A token ends when its device is revoked (logout, an admin, the user's new password
//!   or disabling: see `Store::update_user`) or past its role's lifetime (`sessions`).

use std::sync::LazyLock;

use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jemput_shared::policy::{Requester, Role};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::accounts::{Password, User};
use crate::clock::now_ms;
use crate::error::{ApiError, Message};
use crate::startup::AppState;
use crate::store::supervision::RegencyScope;

/// Hashes a new password (argon2id, random salt) into a PHC string.
pub async fn hash_password(password: Password) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(password.expose()))
        .await
        .context("the password hashing task failed")?
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(hash.to_string())
}

/// A hash of a password nobody knows, verified against when a username does not exist,
/// so that an unknown username takes as long to refuse as a wrong password and response
/// times do not reveal which usernames exist.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut secret = [0u8; 24];
    rand::rng().fill_bytes(&mut secret);
    hash_blocking(&URL_SAFE_NO_PAD.encode(secret)).unwrap_or_default()
});

/// Computes the decoy hash ahead of the first login, which would otherwise pay for it.
pub async fn prepare() {
    let _ = tokio::task::spawn_blocking(|| LazyLock::force(&DECOY_HASH)).await;
}

/// True when `password` matches `stored` (a PHC string). With no stored hash (unknown
/// user) it does the same work against the decoy and answers false.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    let verified = tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| DECOY_HASH.clone());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            tracing::error!("a stored password hash is not a valid PHC string");
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        known && matches
    })
    .await;
    verified.unwrap_or(false)
}

/// A new bearer token: 32 random bytes, base64url without padding (43 characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A request from a signed-in, enabled user on a device whose token is not revoked.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub device_id: String,
    pub user: User,
    pub requester: Requester,
    /// The client's address, for the audit trail (`None` when the request carried no
    /// connection information).
    pub client: Option<std::net::IpAddr>,
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let mut auth = Authenticated::from_token(bearer_token(&parts.headers)?, state).await?;
        auth.client = crate::client_address::ClientAddress::from_request_parts(parts, state)
            .await
            .ok()
            .map(|address| address.0);
        Ok(auth)
    }
}

impl Authenticated {
    /// The session holding `token`, if it is valid: its user not disabled, the token not
    /// revoked and not expired (see `sessions`). One indexed query; a write at most once
    /// a minute per device.
    pub async fn from_token(token: &str, state: &AppState) -> Result<Self, ApiError> {
        let Some((device, user)) = state.store.session(token_hash(token)).await? else {
            return Err(invalid_session());
        };
        // Lost before all: whoever holds the phone, its app must wipe.
        if device.lost_at.is_some() {
            return Err(device_wiped());
        }
        // Disabled first: the most useful thing to tell its user.
        if user.disabled {
            return Err(account_disabled());
        }
        if device.revoked_at.is_some() {
            return Err(ApiError::Unauthenticated(Message::new(
                "session_revoked",
                "This device was signed out. Please log in again.",
                "Perangkat ini sudah dikeluarkan. Silakan masuk kembali.",
            )));
        }
        let now = now_ms();
        if state.sessions.expired(user.role, &device, now) {
            return Err(ApiError::Unauthenticated(Message::new(
                "session_expired",
                "Your session has ended. Please log in again; nothing on this device is lost.",
                "Sesi Anda sudah berakhir. Silakan masuk kembali; data di perangkat ini tetap \
                 aman.",
            )));
        }
        if now - device.last_seen_at >= state.sessions.touch_after_ms(user.role) {
            // Bookkeeping only: the request goes on even if this write fails.
            if let Err(error) = state.store.touch_device(&device.id, now).await {
                tracing::warn!(%error, device = %device.id, "could not record device activity");
            }
        }
        Ok(Authenticated {
            device_id: device.id,
            requester: user.requester(),
            user,
            client: None,
        })
    }
}

/// The answer to a device marked lost: its app deletes everything of its user on it.
/// Neutral words: whoever reads them may be holding someone else's phone.
pub fn device_wiped() -> ApiError {
    ApiError::Unauthenticated(Message::new(
        jemput_shared::api::error::DEVICE_WIPED,
        "This device was signed out. Please log in.",
        "Perangkat ini sudah dikeluarkan. Silakan masuk.",
    ))
}

/// The token of a request that may also carry it as `?token=…` (download links and
/// event streams cannot set headers): the header's when there is one, else the query's.
pub fn header_or_query_token<'a>(
    headers: &'a HeaderMap,
    query_token: Option<&'a str>,
) -> Result<&'a str, ApiError> {
    match query_token {
        Some(token) if !headers.contains_key(AUTHORIZATION) => Ok(token),
        _ => bearer_token(headers),
    }
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let Some(header) = headers.get(AUTHORIZATION) else {
        return Err(ApiError::Unauthenticated(Message::new(
            "unauthenticated",
            "Please log in first.",
            "Silakan masuk terlebih dahulu.",
        )));
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|value| value.trim().split_once(' '))
        // The scheme is case-insensitive (RFC 9110).
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty());
    token.ok_or_else(invalid_session)
}

pub fn invalid_session() -> ApiError {
    ApiError::Unauthenticated(Message::new(
        "invalid_token",
        "Your session is not valid. Please log in again.",
        "Sesi Anda tidak berlaku. Silakan masuk kembali.",
    ))
}

pub fn account_disabled() -> ApiError {
    ApiError::Unauthenticated(Message::new(
        "account_disabled",
        "This account is disabled. Contact an admin.",
        "Akun ini dinonaktifkan. Hubungi admin.",
    ))
}

/// An [`Authenticated`] admin. Anyone else is refused (403) before the request body is
/// read, so a non-admin learns nothing from how their input would have been judged.
#[derive(Debug, Clone)]
pub struct Admin(pub Authenticated);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = Authenticated::from_request_parts(parts, state).await?;
        require_admin(&auth)?;
        Ok(Admin(auth))
    }
}

/// Refuses (403) anyone but an admin.
pub fn require_admin(auth: &Authenticated) -> Result<(), ApiError> {
    if auth.user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden(Message::new(
            "admin_only",
            "Only an admin can do this.",
            "Hanya admin yang dapat melakukan ini.",
        )))
    }
}

/// An [`Authenticated`] supervisor or admin, with the regencies they supervise: the
/// one guard of the supervision screens, the registrations table, the exports and the
/// live updates. An officer (who supervises nothing) is refused (403) before the request
/// is read further.
#[derive(Debug, Clone)]
pub struct SupervisorScope {
    pub auth: Authenticated,
    pub regencies: RegencyScope,
}

impl SupervisorScope {
    pub fn of(auth: Authenticated) -> Result<SupervisorScope, ApiError> {
        match RegencyScope::of(&auth.requester.scope) {
            Some(regencies) => Ok(SupervisorScope { auth, regencies }),
            None => Err(ApiError::Forbidden(Message::new(
                "supervisors_only",
                "Only supervisors and admins can see this.",
                "Hanya supervisor dan admin yang dapat melihat ini.",
            ))),
        }
    }
}

impl FromRequestParts<AppState> for SupervisorScope {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        SupervisorScope::of(Authenticated::from_request_parts(parts, state).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(text: &str) -> Password {
        Password::parse(text.into(), &[]).unwrap()
    }

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password(password("kata-sandi-1")).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("kata-sandi-1".into(), Some(hash.clone())).await);
        assert!(!verify_password("kata-sandi-2".into(), Some(hash)).await);
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let a = hash_password(password("kata-sandi-1")).await.unwrap();
        let b = hash_password(password("kata-sandi-1")).await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        assert!(!verify_password(String::new(), None).await);
        assert!(!verify_password("anything-at-all".into(), None).await);
    }

    #[tokio::test]
    async fn a_damaged_stored_hash_does_not_verify() {
        assert!(!verify_password("x".into(), Some("not a hash".into())).await);
    }

    #[test]
    fn tokens_are_43_base64url_characters_and_unique() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 43);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    fn parts_with(header: Option<&str>) -> Parts {
        let mut builder = axum::http::Request::builder();
        if let Some(value) = header {
            builder = builder.header(AUTHORIZATION, value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_bearer_scheme_is_read_case_insensitively() {
        assert_eq!(
            bearer_token(&parts_with(Some("Bearer abc")).headers).unwrap(),
            "abc"
        );
        assert_eq!(
            bearer_token(&parts_with(Some("bearer  abc ")).headers).unwrap(),
            "abc"
        );
    }

    #[test]
    fn a_missing_or_non_bearer_authorization_is_refused() {
        assert!(bearer_token(&parts_with(None).headers).is_err());
        assert!(bearer_token(&parts_with(Some("Basic YWRtaW46eA==")).headers).is_err());
        assert!(bearer_token(&parts_with(Some("Bearer")).headers).is_err());
        assert!(bearer_token(&parts_with(Some("Bearer ")).headers).is_err());
    }
}
