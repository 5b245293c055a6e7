//! Erasing a person's data for good (UU PDP Pasal 43–44): on a citizen's request
//! ([`erase_person`], `POST /api/privacy/erase`, by NIK; [`erase_registration`], `POST
//! /api/privacy/erase-registration`, one registration, for a person without a NIK) and at the end of the retention period
//! ([`run_retention`]: daily in the server, `jemput-server retention run [--dry-run]`
//! by hand). The store turns each registration into its tombstone
//! (`Store::erase_documents`): phones delete their copies at their next sync, and an old
//! copy pushed later is refused. Each erased registration leaves one audit entry.
//!
//! What deleted rows leave in the database files is removed by [`Store::compact`],
//! which the nightly task runs after any erasure ([`spawn_nightly`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use jemput_shared::api::audit::AuditAction;
use jemput_shared::calendar::{DAY_MS, WIB_OFFSET_MS};

use crate::audit::{self, AuditEvent};
use crate::auth::Authenticated;
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::startup::AppState;
use crate::store::erasure::{Erasure, ErasureReason, Expired};

/// Registrations erased per transaction by the retention job.
const RETENTION_BATCH: usize = 500;
/// Registrations a dry run lists at most.
pub const DRY_RUN_MAX: usize = 100_000;
/// When the nightly task runs: 01:00 WIB, when no officer syncs.
const NIGHTLY_AT_MS: i64 = 3_600_000;

/// How long a registration is kept after its last change (`--retention-days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationRetention {
    /// `None`: kept until erased on request.
    pub days: Option<u32>,
}

impl Default for RegistrationRetention {
    /// Five years after the last change: the AK/I card lasts two years, and a person
    /// not seen for five is no longer served by the programmes.
    fn default() -> Self {
        RegistrationRetention {
            days: Some(5 * 365),
        }
    }
}

impl RegistrationRetention {
    /// Registrations last changed before this time are due for erasure.
    pub fn cutoff(self, now_ms: i64) -> Option<i64> {
        self.days.map(|days| now_ms - i64::from(days) * DAY_MS)
    }
}

/// Whether anything was erased since the database files were last compacted. Starts
/// true, so the first nightly run after a start compacts once.
#[derive(Clone)]
pub struct CompactionDue(Arc<AtomicBool>);

impl Default for CompactionDue {
    fn default() -> Self {
        CompactionDue(Arc::new(AtomicBool::new(true)))
    }
}

impl CompactionDue {
    fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }
}

/// Erases every registration with `nik` in the requester's scope (deleted ones and
/// duplicates included) and records one audit entry per registration. Returns how many.
pub async fn erase_person(
    state: &AppState,
    auth: &Authenticated,
    nik: &str,
    request_id: Option<String>,
) -> Result<u64, ApiError> {
    let ids = state
        .store
        .registrations_with_nik(auth.requester.scope.clone(), nik.to_owned())
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let order = Erasure {
        doc_ids: ids,
        by: Some(auth.user.id.clone()),
        reason: ErasureReason::Request,
        request_id,
    };
    let erased = state.store.erase_documents(order, now_ms()).await?;
    state.compaction_due.set();
    for id in &erased {
        let event = AuditEvent::new(AuditAction::Erased)
            .target(id)
            .about_nik(nik)
            .detail(ErasureReason::Request.code());
        audit::record(state, auth, event).await?;
    }
    Ok(erased.len() as u64)
}

/// Erases one registration in the requester's scope — a person without a NIK is found
/// by name and village in the table, not by NIK — with one audit entry. False when it is
/// unknown, erased already, or outside the scope (which looks the same).
pub async fn erase_registration(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    request_id: Option<String>,
) -> Result<bool, ApiError> {
    let Some(registration) = crate::server_edit::load_registration(state, id).await? else {
        return Ok(false);
    };
    if !auth.requester.scope.covers(&registration) {
        return Ok(false);
    }
    let order = Erasure {
        doc_ids: vec![id.to_owned()],
        by: Some(auth.user.id.clone()),
        reason: ErasureReason::Request,
        request_id,
    };
    let erased = state.store.erase_documents(order, now_ms()).await?;
    state.compaction_due.set();
    if erased.is_empty() {
        return Ok(false);
    }
    let event = AuditEvent::new(AuditAction::Erased)
        .target(id)
        .about_nik(&registration.nik)
        .detail(ErasureReason::Request.code());
    audit::record(state, auth, event).await?;
    Ok(true)
}

/// What a retention run found, and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionReport {
    /// Registrations last changed before this are due.
    pub cutoff_ms: i64,
    /// Those due (a dry run lists at most [`DRY_RUN_MAX`]).
    pub due: Vec<Expired>,
    /// How many were erased (0 in a dry run).
    pub erased: u64,
}

/// Erases (or with `dry_run`, lists) the registrations whose retention ended, in
/// batches, each with one audit entry by nobody (the server). `None` when retention is
/// off.
pub async fn run_retention(
    state: &AppState,
    retention: RegistrationRetention,
    dry_run: bool,
) -> Result<Option<RetentionReport>, ApiError> {
    let Some(cutoff_ms) = retention.cutoff(now_ms()) else {
        return Ok(None);
    };
    let mut report = RetentionReport {
        cutoff_ms,
        due: Vec::new(),
        erased: 0,
    };
    if dry_run {
        report.due = state
            .store
            .expired_registrations(cutoff_ms, DRY_RUN_MAX)
            .await?;
        return Ok(Some(report));
    }
    loop {
        let due = state
            .store
            .expired_registrations(cutoff_ms, RETENTION_BATCH)
            .await?;
        if due.is_empty() {
            break;
        }
        let ids: Vec<String> = due.iter().map(|e| e.doc_id.clone()).collect();
        // The NIKs, for the trail (read before they are gone).
        let rows = state.store.registration_rows(ids.clone()).await?;
        let order = Erasure {
            doc_ids: ids,
            by: None,
            reason: ErasureReason::Retention,
            request_id: None,
        };
        let erased = state.store.erase_documents(order, now_ms()).await?;
        state.compaction_due.set();
        for row in rows.iter().filter(|row| erased.contains(&row.id)) {
            let event = AuditEvent::new(AuditAction::Erased)
                .target(&row.id)
                .about_nik(&row.nik)
                .detail(ErasureReason::Retention.code());
            audit::record_by_server(state, event).await?;
        }
        report.erased += erased.len() as u64;
        report.due.extend(due);
        if erased.is_empty() {
            // Nothing left that can be erased (never expected): do not spin.
            break;
        }
    }
    Ok(Some(report))
}

/// Runs the retention job and then, after any erasure, [`Store::compact`], every night
/// at 01:00 WIB.
pub fn spawn_nightly(state: AppState, retention: RegistrationRetention) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(until_next_night(now_ms())).await;
            match run_retention(&state, retention, false).await {
                Ok(Some(report)) => {
                    tracing::info!(
                        erased = report.erased,
                        "retention: expired registrations erased"
                    );
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(?error, "the retention job failed"),
            }
            if state.compaction_due.take() {
                let started = std::time::Instant::now();
                match state.store.compact().await {
                    Ok(()) => tracing::info!(
                        seconds = started.elapsed().as_secs_f64(),
                        "database compacted after erasures"
                    ),
                    Err(error) => {
                        state.compaction_due.set();
                        tracing::warn!(%error, "compacting the database failed");
                    }
                }
            }
        }
    });
}

/// How long from `now_ms` until the next 01:00 WIB.
fn until_next_night(now_ms: i64) -> Duration {
    let into_day = (now_ms + WIB_OFFSET_MS - NIGHTLY_AT_MS).rem_euclid(DAY_MS);
    Duration::from_millis((DAY_MS - into_day) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nightly_run_is_at_one_in_the_morning_in_bengkulu() {
        // 2026-12-03 17:30 UTC is 00:30 WIB: half an hour to go.
        let now = 1_796_319_000_000;
        assert_eq!(until_next_night(now), Duration::from_secs(30 * 60));
        // Right at 01:00 WIB: the next one, a day later.
        assert_eq!(
            until_next_night(now + 30 * 60 * 1000),
            Duration::from_millis(DAY_MS as u64)
        );
    }

    #[test]
    fn retention_counts_whole_days_and_may_be_off() {
        let five_days = RegistrationRetention { days: Some(5) };
        assert_eq!(five_days.cutoff(6 * DAY_MS), Some(DAY_MS));
        assert_eq!(
            RegistrationRetention { days: None }.cutoff(6 * DAY_MS),
            None
        );
    }
}
