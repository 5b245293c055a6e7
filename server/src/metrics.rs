//! What the server tells Prometheus (`GET /metrics`, `docs/metrics.md`): every metric's
//! name, help text, unit and histogram buckets are defined here, once, and every call
//! site records through the small functions below. The `metrics` facade carries the
//! values; `metrics-exporter-prometheus` renders them in the text format, from our own
//! route (`routes/metrics.rs`), never from a listener of its own.
//!
//! The recorder is installed only when the server is asked to expose metrics
//! (`serve --metrics-token` or `--metrics-addr`): without one, every recording below is
//! the facade's no-op. Counters, histograms and the gauges kept by guards are recorded as
//! things happen, from static names and labels (no allocation per request beyond the
//! facade's key); the gauges that describe stored state — database size, devices by time
//! since their last sync, exports running — are read at each scrape, with one small
//! aggregate query each ([`Scrape::render`]).
//!
//! No label ever carries personal data or free text: labels are the closed enums
//! [`SyncOutcome`], [`LoginFailure`] and [`SyncAge`].

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::startup::AppState;
use crate::store::StoreError;

pub use crate::store::supervision::DeviceSyncAges;

pub const SYNC_REQUESTS: &str = "jemput_sync_requests_total";
pub const DOCUMENTS_COMMITTED: &str = "jemput_documents_committed_total";
pub const COMMIT_SECONDS: &str = "jemput_commit_duration_seconds";
pub const MERGE_SECONDS: &str = "jemput_merge_duration_seconds";
pub const MERGES_WAITING: &str = "jemput_merges_waiting";
pub const OPEN_CONNECTIONS: &str = "jemput_open_connections";
pub const LOGIN_FAILURES: &str = "jemput_login_failures_total";
pub const EXPORTS_RUNNING: &str = "jemput_exports_running";
pub const DATABASE_SIZE: &str = "jemput_database_size_bytes";
pub const LAST_BACKUP: &str = "jemput_last_backup_timestamp_seconds";
pub const DEVICES_BY_LAST_SYNC: &str = "jemput_devices_by_last_sync";

/// Upper bounds of the commit and merge histograms, in seconds: a batch commits in a few
/// milliseconds on an idle SQLite and in seconds on an overloaded disk.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often recorded histogram samples are folded into their buckets when nobody
/// scrapes: the exporter keeps samples until then, so without it memory would grow with
/// every commit.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder for this process and describes every metric; later
/// calls (tests starting several servers in one process) return the same handle.
pub fn install() -> &'static PrometheusHandle {
    RECORDER.get_or_init(|| {
        let builder = [COMMIT_SECONDS, MERGE_SECONDS].into_iter().fold(
            PrometheusBuilder::new(),
            |builder, name| {
                builder
                    .set_buckets_for_metric(Matcher::Full(name.to_owned()), LATENCY_BUCKETS)
                    .expect("the buckets are not empty")
            },
        );
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics stays empty");
        }
        describe();
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            })
            .expect("a thread for the metrics upkeep");
        handle
    })
}

/// Help texts and units, and a zero for every labelled series, so a scrape lists each
/// series from the start (a rate needs the zero before the first event).
fn describe() {
    describe_counter!(
        SYNC_REQUESTS,
        Unit::Count,
        "Sync requests (POST /api/sync) answered, by outcome."
    );
    describe_counter!(
        DOCUMENTS_COMMITTED,
        Unit::Count,
        "Registration documents committed (syncs and the server's own edits)."
    );
    describe_histogram!(
        COMMIT_SECONDS,
        Unit::Seconds,
        "Time to commit one request's merged documents in one transaction."
    );
    describe_histogram!(
        MERGE_SECONDS,
        Unit::Seconds,
        "Time to merge one request's pushed changes into the stored documents (CPU)."
    );
    describe_gauge!(
        MERGES_WAITING,
        Unit::Count,
        "Sync requests read whole and waiting for a merge slot."
    );
    describe_gauge!(
        OPEN_CONNECTIONS,
        Unit::Count,
        "HTTP connections open now (the metrics address's included)."
    );
    describe_counter!(LOGIN_FAILURES, Unit::Count, "Refused logins, by reason.");
    describe_gauge!(
        EXPORTS_RUNNING,
        Unit::Count,
        "Registration exports (CSV, XLSX) running now."
    );
    describe_gauge!(
        DATABASE_SIZE,
        Unit::Bytes,
        "Size of the database: SQLite's file and its WAL, or PostgreSQL's pg_database_size."
    );
    describe_gauge!(
        LAST_BACKUP,
        Unit::Seconds,
        "When the server's newest scheduled backup was written (Unix time); absent while there is none."
    );
    describe_gauge!(
        DEVICES_BY_LAST_SYNC,
        Unit::Count,
        "Officers' devices not signed out, by their last sync: within 1h, 1d, 7d, 30d \
         (cumulative), older, or never."
    );
    for outcome in SyncOutcome::ALL {
        counter!(SYNC_REQUESTS, "outcome" => outcome.label()).increment(0);
    }
    for reason in LoginFailure::ALL {
        counter!(LOGIN_FAILURES, "reason" => reason.label()).increment(0);
    }
    counter!(DOCUMENTS_COMMITTED).increment(0);
    gauge!(MERGES_WAITING).set(0.0);
}

/// How a sync request ended, from the status its [`crate::error::ApiError`] (or the
/// body limit in front of the route) answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOutcome {
    /// Answered (a pushed change the merge refused is reported inside the answer).
    Ok,
    /// Refused as a whole: too large, forbidden, or clashing with the stored state.
    Rejected,
    /// Malformed, unreadable, an old protocol, or a body that came too slowly.
    BadRequest,
    /// No valid session.
    Unauthorized,
    /// The server or its database was too busy; the device retries.
    Busy,
    /// A failure on the server's side.
    Error,
}

impl SyncOutcome {
    pub const ALL: [SyncOutcome; 6] = [
        SyncOutcome::Ok,
        SyncOutcome::Rejected,
        SyncOutcome::BadRequest,
        SyncOutcome::Unauthorized,
        SyncOutcome::Busy,
        SyncOutcome::Error,
    ];

    /// The outcome of an answer with `status` (the statuses of `ApiError::status`).
    pub fn of(status: StatusCode) -> SyncOutcome {
        match status.as_u16() {
            200..=299 => SyncOutcome::Ok,
            400 | 408 | 422 => SyncOutcome::BadRequest,
            401 => SyncOutcome::Unauthorized,
            429 | 503 => SyncOutcome::Busy,
            402..=499 => SyncOutcome::Rejected,
            _ => SyncOutcome::Error,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SyncOutcome::Ok => "ok",
            SyncOutcome::Rejected => "rejected",
            SyncOutcome::BadRequest => "bad_request",
            SyncOutcome::Unauthorized => "unauthorized",
            SyncOutcome::Busy => "busy",
            SyncOutcome::Error => "error",
        }
    }
}

/// Why a login was refused (never who tried).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFailure {
    /// Unknown username or wrong password.
    WrongPassword,
    /// Too many wrong passwords lately (`login_throttle`).
    Throttled,
    /// The right password for a disabled account.
    Disabled,
}

impl LoginFailure {
    pub const ALL: [LoginFailure; 3] = [
        LoginFailure::WrongPassword,
        LoginFailure::Throttled,
        LoginFailure::Disabled,
    ];

    pub fn label(self) -> &'static str {
        match self {
            LoginFailure::WrongPassword => "wrong_password",
            LoginFailure::Throttled => "throttled",
            LoginFailure::Disabled => "disabled",
        }
    }
}

/// A bucket of [`DEVICES_BY_LAST_SYNC`]: synced within the last hour, day, week or
/// thirty days (each bucket counts the shorter ones too), longer ago, or never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncAge {
    Hour,
    Day,
    Week,
    Month,
    Older,
    Never,
}

impl SyncAge {
    /// The cumulative buckets and how far back each reaches.
    pub const WITHIN: [(SyncAge, Duration); 4] = [
        (SyncAge::Hour, Duration::from_secs(3_600)),
        (SyncAge::Day, Duration::from_secs(86_400)),
        (SyncAge::Week, Duration::from_secs(7 * 86_400)),
        (SyncAge::Month, Duration::from_secs(30 * 86_400)),
    ];

    pub fn label(self) -> &'static str {
        match self {
            SyncAge::Hour => "1h",
            SyncAge::Day => "1d",
            SyncAge::Week => "7d",
            SyncAge::Month => "30d",
            SyncAge::Older => "older",
            SyncAge::Never => "never",
        }
    }
}

/// One sync request answered with `status`.
pub fn sync_answered(status: StatusCode) {
    counter!(SYNC_REQUESTS, "outcome" => SyncOutcome::of(status).label()).increment(1);
}

/// A commit of `documents` documents that took `took`.
pub fn committed(documents: usize, took: Duration) {
    counter!(DOCUMENTS_COMMITTED).increment(documents as u64);
    metrics::histogram!(COMMIT_SECONDS).record(took.as_secs_f64());
}

/// A request's merge that took `took`.
pub fn merged(took: Duration) {
    metrics::histogram!(MERGE_SECONDS).record(took.as_secs_f64());
}

pub fn login_failed(reason: LoginFailure) {
    counter!(LOGIN_FAILURES, "reason" => reason.label()).increment(1);
}

/// A scheduled backup finished at `at` (the schedule calls this after each one, and at
/// the start with its newest file's time; `jemput-server backup` runs in a process of its
/// own, which no scrape reaches).
pub fn backup_succeeded(at: SystemTime) {
    let seconds = at
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    gauge!(LAST_BACKUP).set(seconds);
}

/// Counts one in a gauge while it lives: a merge waiting for its slot, an open
/// connection. Dropped on every path, a cancelled request's included.
#[must_use]
pub struct Counted(&'static str);

impl Counted {
    pub fn merge_waiting() -> Counted {
        Counted::new(MERGES_WAITING)
    }

    pub fn open_connection() -> Counted {
        Counted::new(OPEN_CONNECTIONS)
    }

    fn new(name: &'static str) -> Counted {
        gauge!(name).increment(1.0);
        Counted(name)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        gauge!(self.0).decrement(1.0);
    }
}

/// Renders the scrape: the stored state's gauges read now, then everything recorded.
pub async fn render(state: &AppState, handle: &PrometheusHandle) -> Result<String, StoreError> {
    let size = state.store.database_size().await?;
    let now_ms = crate::clock::now_ms();
    let cutoffs = SyncAge::WITHIN.map(|(_, back)| now_ms - back.as_millis() as i64);
    let ages = state.store.device_sync_ages(cutoffs).await?;
    gauge!(DATABASE_SIZE).set(size as f64);
    for ((age, _), count) in SyncAge::WITHIN.iter().zip(ages.within) {
        gauge!(DEVICES_BY_LAST_SYNC, "within" => age.label()).set(count as f64);
    }
    gauge!(DEVICES_BY_LAST_SYNC, "within" => SyncAge::Older.label()).set(ages.older as f64);
    gauge!(DEVICES_BY_LAST_SYNC, "within" => SyncAge::Never.label()).set(ages.never as f64);
    let exports = crate::routes::registrations::export::CONCURRENT_EXPORTS
        - state.export_slots.available_permits();
    gauge!(EXPORTS_RUNNING).set(exports as f64);
    Ok(handle.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_follow_the_api_errors_statuses() {
        use crate::error::ApiError;
        let status = |error: ApiError| SyncOutcome::of(error.status());
        assert_eq!(SyncOutcome::of(StatusCode::OK), SyncOutcome::Ok);
        assert_eq!(status(ApiError::PayloadTooLarge), SyncOutcome::Rejected);
        assert_eq!(status(ApiError::forbidden()), SyncOutcome::Rejected);
        assert_eq!(status(ApiError::RequestTimeout), SyncOutcome::BadRequest);
        assert_eq!(
            status(ApiError::Store(StoreError::Unavailable("down".into()))),
            SyncOutcome::Busy
        );
        assert_eq!(
            status(ApiError::Internal(anyhow::anyhow!("bug"))),
            SyncOutcome::Error
        );
        assert_eq!(
            SyncOutcome::of(StatusCode::UNAUTHORIZED),
            SyncOutcome::Unauthorized
        );
    }

    #[test]
    fn labels_are_distinct() {
        let mut labels: Vec<_> = SyncOutcome::ALL.iter().map(|o| o.label()).collect();
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), SyncOutcome::ALL.len());
    }
}
