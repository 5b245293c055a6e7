//! The audit trail (UU PDP: the record of processing, and every access by a person
//! traceable): who did what to which target, when and from where — logins, record and
//! history views, NIK searches, exports, reviews, duplicate decisions, handovers and
//! admin actions. Appended in the same database as the data (`Store::append_audit`),
//! never per synced document (the change log already traces syncs), read by admins
//! (`routes::admin::audit`) and pruned after [`AuditRetention`] by a daily task.
//!
//! A request whose entry cannot be written fails: an access the trail cannot show must
//! not happen. Entries about one person carry a keyed hash of their NIK ([`NikKeys`]),
//! so the trail can be searched by NIK without holding NIKs.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jemput_shared::api::audit::AuditAction;
use jemput_shared::calendar::DAY_MS;

use crate::auth::Authenticated;
use crate::client_address::ClientAddress;
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::recovery::mac;
use crate::startup::AppState;
use crate::store::audit::NewAuditEntry;

/// Keyed hashes of NIKs for the trail: HMAC-SHA-256 under a secret derived from the seal
/// key, so the same NIK always gives the same key and nobody without the server's secret
/// can test NIKs against the trail.
#[derive(Clone)]
pub struct NikKeys {
    secret: [u8; 32],
}

impl NikKeys {
    const LABEL: &'static [u8] = b"jemput audit nik keys v1";

    pub fn new(seal_key: &[u8; 32]) -> Self {
        NikKeys {
            secret: mac(seal_key, &[Self::LABEL]),
        }
    }

    /// The key of `nik` (URL-safe base64, no padding).
    pub fn key_of(&self, nik: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.digest(nik))
    }

    /// The key of `nik` as bytes.
    pub fn digest(&self, nik: &str) -> [u8; 32] {
        mac(&self.secret, &[nik.trim().as_bytes()])
    }
}

/// How long entries are kept (`--audit-retention-days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditRetention {
    pub days: u32,
}

impl Default for AuditRetention {
    /// Five years: long enough to answer for any registration still held.
    fn default() -> Self {
        AuditRetention { days: 5 * 365 }
    }
}

impl AuditRetention {
    /// Entries made before this time are pruned.
    pub fn cutoff(self, now_ms: i64) -> i64 {
        now_ms - i64::from(self.days) * DAY_MS
    }
}

/// What happened, to what: the part of an entry the route knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    action: AuditAction,
    target: Option<String>,
    nik: Option<String>,
    detail: String,
    members: Option<Vec<u8>>,
}

impl AuditEvent {
    pub fn new(action: AuditAction) -> Self {
        AuditEvent {
            action,
            target: None,
            nik: None,
            detail: String::new(),
            members: None,
        }
    }

    /// The registration, user, device or username it was done to.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// The person it concerns (kept as a keyed hash, never the NIK).
    pub fn about_nik(mut self, nik: impl Into<String>) -> Self {
        self.nik = Some(nik.into()).filter(|n: &String| !n.trim().is_empty());
        self
    }

    /// The people an export contained (`crate::export_members`).
    pub fn members(mut self, filter: Option<Vec<u8>>) -> Self {
        self.members = filter;
        self
    }

    /// More about it, in words (no personal data).
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// Appends `event`, done by `by`, to the trail.
pub async fn record(
    state: &AppState,
    by: &Authenticated,
    event: AuditEvent,
) -> Result<(), ApiError> {
    append(
        state,
        Some((by.user.id.clone(), by.user.username.clone())),
        by.client.map(|ip| ip.to_string()),
        event,
    )
    .await
}

/// Appends `event` done by nobody signed in (a failed login) from `address`.
pub async fn record_anonymous(
    state: &AppState,
    address: ClientAddress,
    event: AuditEvent,
) -> Result<(), ApiError> {
    append(state, None, Some(address.to_string()), event).await
}

/// Appends `event` done by the server itself (the retention job): no user, no address.
pub async fn record_by_server(state: &AppState, event: AuditEvent) -> Result<(), ApiError> {
    append(state, None, None, event).await
}

/// Appends `event` by a known user from `address` (a successful login: no session yet).
pub async fn record_login(
    state: &AppState,
    user: &crate::accounts::User,
    address: ClientAddress,
    event: AuditEvent,
) -> Result<(), ApiError> {
    let who = Some((user.id.clone(), user.username.clone()));
    append(state, who, Some(address.to_string()), event).await
}

async fn append(
    state: &AppState,
    who: Option<(String, String)>,
    client: Option<String>,
    event: AuditEvent,
) -> Result<(), ApiError> {
    let (user_id, username) = who.unzip();
    let entry = NewAuditEntry {
        at: now_ms(),
        user_id,
        username,
        action: event.action,
        target: event.target,
        nik_key: event.nik.as_deref().map(|nik| state.nik_keys.key_of(nik)),
        detail: event.detail,
        client,
        members: event.members,
    };
    state.store.append_audit(entry).await?;
    Ok(())
}

/// Prunes the trail once a day (the first time an hour after the start).
pub fn spawn_pruning(state: AppState, retention: AuditRetention) {
    tokio::spawn(async move {
        let mut every_day = tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_secs(3600),
            Duration::from_secs(24 * 3600),
        );
        loop {
            every_day.tick().await;
            match state.store.prune_audit(retention.cutoff(now_ms())).await {
                Ok(pruned) => tracing::info!(pruned, days = retention.days, "audit trail pruned"),
                Err(error) => tracing::warn!(%error, "could not prune the audit trail"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nik_key_is_stable_and_keyed() {
        let keys = NikKeys::new(&[1; 32]);
        let key = keys.key_of("1701011505900001");
        assert_eq!(key, keys.key_of(" 1701011505900001 "));
        assert_ne!(key, keys.key_of("1701011505900002"));
        assert_ne!(key, NikKeys::new(&[2; 32]).key_of("1701011505900001"));
        assert!(!key.contains("1701"));
    }

    #[test]
    fn retention_cuts_whole_days() {
        let retention = AuditRetention { days: 2 };
        assert_eq!(retention.cutoff(3 * DAY_MS), DAY_MS);
    }
}
