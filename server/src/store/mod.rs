//! The [`Store`]: everything the server keeps — accounts, devices and their tokens, the
//! official region list, settings, and the registration documents with their change log
//! and projection. Routes only talk to this trait, so a second backend (PostgreSQL) can
//! sit beside [`sqlite`] without touching them.
//!
//! Every method is async and the SQLite implementation runs its work on blocking threads:
//! a slow query must not stall the HTTP runtime. [`postgres`] is the second backend, for
//! several server instances on one database; [`open`] picks one from the configuration.

pub mod audit;
pub mod consent;
pub mod erasure;
pub mod listing;
pub mod postgres;
pub mod privacy_requests;
pub mod projection;
pub(crate) mod sql;
pub mod sqlite;
pub mod supervision;

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use jemput_shared::document::Hash;
use jemput_shared::history::Receipt;
use jemput_shared::policy::Scope;
use jemput_shared::sync::message::Cursor;
use jemput_shared::sync::server::{ChangedPage, MergedDocument};

use crate::accounts::{Device, NewUser, User, UserChanges};
use crate::live::ChangeFeed;
use projection::ProjectionRow;
use sql::{Dialect, SqlValue, Statement};
use supervision::{
    DeviceSyncAges, DuplicateVerdict, PersonRow, RegencyScope, SharedNikHolder, Tallies, Target,
};

/// Why the store could not do what was asked. The text is for the server log; the HTTP
/// layer answers with a generic message and never shows it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Transient: the database is busy, locked, out of space or cannot be reached. The
    /// client may retry.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The change clashes with what is stored (a username that exists already).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    /// Not transient: a bug or damaged data. Retrying will not help.
    #[error("store failure: {0}")]
    Internal(String),
    /// A commit found documents changed since they were loaded (another request, maybe
    /// on another server instance, committed them meanwhile). Nothing was written; load
    /// them again, merge again and retry. Transient (503) if it reaches a client.
    #[error("documents changed concurrently: {}", .0.join(", "))]
    Outdated(Vec<String>),
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ffi;
        use rusqlite::ErrorCode;
        match &error {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            rusqlite::Error::SqliteFailure(failure, _) => match failure.code {
                ErrorCode::ConstraintViolation
                    if failure.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE
                        || failure.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
                {
                    StoreError::Conflict(error.to_string())
                }
                ErrorCode::DatabaseBusy
                | ErrorCode::DatabaseLocked
                | ErrorCode::SystemIoFailure
                | ErrorCode::DiskFull
                | ErrorCode::CannotOpen
                | ErrorCode::OutOfMemory
                | ErrorCode::ReadOnly => StoreError::Unavailable(error.to_string()),
                _ => StoreError::Internal(error.to_string()),
            },
            _ => StoreError::Internal(error.to_string()),
        }
    }
}

/// One entry of the official region list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Region {
    /// Dotted Kemendagri code: `17.01`, `17.01.01` or `17.01.01.2001`.
    pub code: String,
    /// The code one level up; `None` for a regency or city.
    pub parent: Option<String>,
    pub name: String,
}

/// A stored registration document and the change-log position of its latest change.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    pub doc_id: String,
    pub bytes: Vec<u8>,
    pub position: Cursor,
}

/// Stored documents read for one request, within a byte budget.
#[derive(Debug, Default)]
pub struct LoadedDocuments {
    pub found: HashMap<String, StoredDocument>,
    /// Requested ids not read because the budget ran out (stored or not): the request
    /// leaves them for later.
    pub left_out: HashSet<String>,
}

/// One merged document to commit, and the stored version it was merged into.
#[derive(Debug)]
pub struct DocumentWrite {
    pub merged: MergedDocument,
    /// The change-log seq of the stored document the merge started from, `None` when the
    /// store had no such document. The commit writes only if that is still the stored
    /// version (optimistic concurrency: see [`Store::commit_documents`]).
    pub based_on: Option<u64>,
}

/// Who pushed a commit's changes: the user, and the device (signed-in session) the
/// request came with. A server edit (a review) is pushed by the reviewer's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedBy {
    pub user_id: String,
    pub device_id: String,
    /// Set when the push is a device's sync: the commit also records the sync, as
    /// [`Store::record_sync`] would, in its own transaction. One transaction (and one
    /// fsync, and one wait for the SQLite writer) fewer per sync that pushes.
    pub sync: Option<SyncRecord>,
}

/// What [`Store::record_sync`] records of a device's sync besides its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncRecord {
    /// The records the device said it had not yet sent (`None`: it did not say).
    pub unsent: Option<i64>,
}

/// One write of a document as the change log recorded it: the changes that were new to
/// the server in it, and the server's receipt of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedChanges {
    pub hashes: Vec<Hash>,
    pub receipt: Receipt,
}

/// What a device asks for when it pulls: documents in `scope` changed after `after_seq`
/// in change-log order, at most `limit` of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullQuery {
    pub scope: Scope,
    pub after_seq: u64,
    /// The pulling device: a document whose latest state it pushed itself is listed
    /// without bytes (it holds them already).
    pub exclude_device: Option<String>,
    pub limit: usize,
    /// Documents are read until their bytes reach this (at least one is read), so a page
    /// of large documents is not held whole; the page then says there is more.
    pub max_bytes: usize,
}

impl PullQuery {
    /// The page's statement, one more row than `limit` (to tell whether there is more):
    /// `id, seq, check_value, bytes (NULL for the excluded device's own), seal`.
    pub(crate) fn statement(&self, dialect: Dialect) -> Statement {
        let mut statement = Statement::new(dialect);
        let exclude = statement.bind(SqlValue::Text(
            self.exclude_device.clone().unwrap_or_default(),
        ));
        // Seqs and check values live in the databases' signed 64-bit integers.
        let after = statement.bind(SqlValue::Integer(self.after_seq as i64));
        let condition = statement.scope_condition(&self.scope, "d");
        let limit = statement.bind(SqlValue::Integer((self.limit + 1) as i64));
        statement.sql = format!(
            "SELECT d.id, d.seq, d.check_value,
                    CASE WHEN d.last_device IS NOT NULL AND d.last_device = {exclude}
                         THEN NULL ELSE d.bytes END,
                    d.seal
             FROM documents d
             WHERE d.seq > {after} AND {condition}
             ORDER BY d.seq LIMIT {limit}"
        );
        statement
    }
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A trivial query, to tell that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Called once at shutdown, after the last request: waits for a write already
    /// running, lets no other start, and leaves the database tidy (SQLite: the WAL
    /// checkpointed into the file; PostgreSQL: the pool's connections closed). Background
    /// jobs waiting for the database then simply end with the process.
    async fn close(&self);

    /// The setting's value; when it has none yet, stores `initial` and returns that. Two
    /// concurrent first calls agree on one value (used for the server's seal key).
    async fn setting_or_insert(&self, key: &str, initial: String) -> Result<String, StoreError>;

    // ---- users ----

    async fn count_users(&self) -> Result<u64, StoreError>;
    /// `Conflict` when the username is taken.
    async fn create_user(&self, user: NewUser) -> Result<User, StoreError>;
    /// All users, by username.
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;
    async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError>;
    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError>;
    /// The user and their password hash, for login only.
    async fn credentials(&self, username: &str) -> Result<Option<(User, String)>, StoreError>;
    /// Applies `changes`; when role or regions actually change, also moves the user's
    /// `scope_seq` to the change log's current end. A new password or disabling revokes
    /// every device of the user in the same transaction, all but
    /// [`UserChanges::kept_session`] ([`UserChanges::ends_sessions`]): every caller ends
    /// the old sessions without having to remember to. `NotFound` for an unknown id.
    async fn update_user(&self, id: &str, changes: UserChanges) -> Result<User, StoreError>;

    // ---- devices and tokens ----

    /// Registers a signed-in device holding the token whose SHA-256 is `token_hash`.
    async fn create_device(
        &self,
        user_id: &str,
        name: &str,
        token_hash: [u8; 32],
        now_ms: i64,
    ) -> Result<Device, StoreError>;
    /// The device holding a token and its user, revoked or not (the caller decides).
    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<(Device, User)>, StoreError>;
    /// Records that the device made an authenticated request.
    async fn touch_device(&self, device_id: &str, now_ms: i64) -> Result<(), StoreError>;
    /// Records that the device completed a sync, and how many records it said it had not
    /// yet sent (`None`: it did not say).
    async fn record_sync(
        &self,
        device_id: &str,
        now_ms: i64,
        unsent: Option<i64>,
    ) -> Result<(), StoreError>;
    /// One device by its id, revoked or lost or not (the caller decides).
    async fn device(&self, device_id: &str) -> Result<Option<Device>, StoreError>;
    /// The user's devices, newest first.
    async fn list_devices(&self, user_id: &str) -> Result<Vec<Device>, StoreError>;
    /// Revokes the device's token (idempotent: a revoked device keeps its first revocation
    /// time). `NotFound` for an unknown id.
    async fn revoke_device(&self, device_id: &str, now_ms: i64) -> Result<Device, StoreError>;
    /// Marks the device lost (remote wipe) and revokes its token; idempotent like
    /// [`Store::revoke_device`]. `NotFound` for an unknown id.
    async fn mark_device_lost(&self, device_id: &str, now_ms: i64) -> Result<Device, StoreError>;
    /// Records that a lost device confirmed its wipe; the first confirmation stays. Does
    /// nothing for a device not marked lost.
    async fn confirm_wipe(&self, device_id: &str, now_ms: i64) -> Result<(), StoreError>;
    /// Records that `device_id` asked for the recovery key of `key_id`. False, recording
    /// nothing, when a device of `user_id` that asked for the same id is marked lost:
    /// that phone's records must not be opened with a new login.
    async fn claim_recovery_key(
        &self,
        user_id: &str,
        device_id: &str,
        key_id: &str,
    ) -> Result<bool, StoreError>;

    // ---- the audit trail ----

    /// Appends one entry to the audit trail (committed when this returns).
    async fn append_audit(&self, entry: audit::NewAuditEntry) -> Result<(), StoreError>;
    /// The entries matching `query`, newest first.
    async fn audit_entries(
        &self,
        query: audit::AuditQuery,
    ) -> Result<Vec<jemput_shared::api::audit::AuditEntry>, StoreError>;
    /// The export entries whose people (probably: `crate::export_members`) include the
    /// person whose NIK digest is `digest`, newest first.
    async fn exports_holding(
        &self,
        digest: u64,
    ) -> Result<Vec<jemput_shared::api::audit::AuditEntry>, StoreError>;
    /// Deletes the entries made before `before_ms`; how many.
    async fn prune_audit(&self, before_ms: i64) -> Result<u64, StoreError>;

    // ---- regions ----

    /// Replaces the whole region list in one transaction.
    async fn replace_regions(&self, regions: Vec<Region>) -> Result<(), StoreError>;
    /// The whole region list, by code.
    async fn list_regions(&self) -> Result<Vec<Region>, StoreError>;

    // ---- registration documents ----

    /// The stored documents among `ids` (ids the store lacks, and erased ones, are absent
    /// from the map).
    async fn load_documents(
        &self,
        ids: Vec<String>,
    ) -> Result<HashMap<String, StoredDocument>, StoreError>;
    /// [`Store::load_documents`], reading documents only until their bytes reach
    /// `max_bytes` (at least one is read): what one sync request may hold in memory.
    /// Erased documents are included, as their tombstones (empty bytes), so a push to
    /// one is refused.
    async fn load_documents_within(
        &self,
        ids: Vec<String>,
        max_bytes: usize,
    ) -> Result<LoadedDocuments, StoreError>;
    /// Stores every write of one sync request — document, change-log row and projection
    /// row each — in one transaction: all or nothing. Returns each write's change-log
    /// position, in order.
    ///
    /// No lost update: when any document's stored version is no longer the one its
    /// write was merged into ([`DocumentWrite::based_on`]), nothing is written and the
    /// answer is [`StoreError::Outdated`]; the caller loads, merges and commits again.
    /// Change-log positions are handed out in commit order, so a reader that saw seq `n`
    /// committed has also seen every lower seq (a pull cursor never skips a change).
    /// Every successful commit is announced on [`Store::changes`], on every instance
    /// sharing the database.
    ///
    /// Each write's change-log row also records its [`MergedDocument::new_changes`],
    /// `pushed_by` and `now_ms` (the server's receipt, for the history) and the
    /// document's previous row: the rows of one document form a chain through the log's
    /// primary key, so no index on the hot path is needed to find them
    /// ([`Store::received_changes`]).
    async fn commit_documents(
        &self,
        pushed_by: PushedBy,
        writes: Vec<DocumentWrite>,
        now_ms: i64,
    ) -> Result<Vec<Cursor>, StoreError>;
    /// The receipts of the document's writes, newest first; empty for an unknown id.
    /// Writes committed before receipts were kept are left out.
    async fn received_changes(&self, doc_id: String) -> Result<Vec<ReceivedChanges>, StoreError>;
    /// True when the cursor names a change-log row this store holds (same seq and check).
    async fn cursor_is_known(&self, cursor: Cursor) -> Result<bool, StoreError>;
    /// Documents changed in scope after the query's position, in change-log order, with
    /// the log's head read in the same snapshot.
    async fn changed_documents(&self, query: PullQuery) -> Result<ChangedPage, StoreError>;
    async fn registration_count(&self) -> Result<u64, StoreError>;

    /// Committed documents, as they happen (on any instance sharing the database).
    fn changes(&self) -> &ChangeFeed;

    // ---- erasure (store/erasure.rs) ----

    /// Erases the order's documents for good, each in the same transaction: the
    /// document becomes its tombstone at a new change-log position (so phones delete
    /// their copies at their next pull, and a push of an old copy is refused), its
    /// projection row goes (and with it the aggregates, the name index entry and the
    /// duplicates queue's), its duplicate verdicts go, and `erasures` records it. Ids
    /// unknown or erased already are skipped. Returns the ids erased.
    async fn erase_documents(
        &self,
        erasure: erasure::Erasure,
        now_ms: i64,
    ) -> Result<Vec<String>, StoreError>;
    /// Ids of every registration with this NIK in `scope`, deleted ones and duplicates
    /// included.
    async fn registrations_with_nik(
        &self,
        scope: Scope,
        nik: String,
    ) -> Result<Vec<String>, StoreError>;
    /// Registrations last changed before `before_ms`, oldest first, `limit` at most.
    async fn expired_registrations(
        &self,
        before_ms: i64,
        limit: usize,
    ) -> Result<Vec<erasure::Expired>, StoreError>;
    /// Removes what erased rows leave behind in the database's files (see each backend).
    /// Slow (it rewrites the database); the server runs it at night.
    async fn compact(&self) -> Result<(), StoreError>;

    // ---- the consent notice (store/consent.rs) ----

    /// Every version of the consent notice, newest first.
    async fn consent_texts(
        &self,
    ) -> Result<Vec<jemput_shared::api::consent::ConsentText>, StoreError>;
    /// Publishes the next version (`by`: the admin's user id; `None` for the built-in
    /// first one); returns its number.
    async fn publish_consent_text(
        &self,
        text_id: String,
        text_en: String,
        at: i64,
        by: Option<String>,
    ) -> Result<u32, StoreError>;

    // ---- citizens' requests (store/privacy_requests.rs) ----

    async fn create_privacy_request(
        &self,
        request: privacy_requests::NewRequest,
    ) -> Result<(), StoreError>;
    /// Closes an open request; `NotFound` when it is unknown or closed already.
    async fn close_privacy_request(
        &self,
        closing: privacy_requests::Closing,
    ) -> Result<(), StoreError>;
    /// Requests, newest first; only open ones, soonest due first, with `open_only`;
    /// only `id` when given.
    async fn privacy_requests(
        &self,
        open_only: bool,
        id: Option<String>,
        limit: usize,
    ) -> Result<Vec<jemput_shared::api::privacy::PrivacyRequest>, StoreError>;

    // ---- the registrations table and exports (store/listing.rs) ----

    /// One page of the projection rows matching `filter`, in `order`, with their total
    /// (counted up to [`listing::COUNT_CAP`]).
    async fn list_registrations(
        &self,
        filter: listing::RegistrationFilter,
        order: listing::RegistrationOrder,
        page: listing::PageRequest,
    ) -> Result<listing::ListingPage, StoreError>;
    /// Every row matching `filter`, in `order`, read from one snapshot in the background
    /// and handed over in batches through a small channel: memory stays flat however
    /// many rows there are, and dropping the receiver stops the reading.
    async fn export_registrations(
        &self,
        filter: listing::RegistrationFilter,
        order: listing::RegistrationOrder,
    ) -> Result<listing::ExportRows, StoreError>;
    // ---- supervision: overview, targets, duplicates (see `supervision`) ----
    // Counted = neither deleted nor `duplicate_of` another; read from aggregate tables.

    /// Counted registrations in scope: all-time per regency, programme and status, and
    /// per regency, WIB day and programme for the days from `from_day` on, in one
    /// snapshot.
    async fn registration_tallies(
        &self,
        scope: RegencyScope,
        from_day: i64,
    ) -> Result<Tallies, StoreError>;
    /// Every enabled officer's id and newest device sync (`None`: never synced).
    async fn officer_last_syncs(&self) -> Result<Vec<(String, Option<i64>)>, StoreError>;
    /// Enabled officers' devices not signed out, counted by their last sync against
    /// `cutoffs` (Unix ms, newest first): one aggregate row, for `/metrics`.
    async fn device_sync_ages(&self, cutoffs: [i64; 4]) -> Result<DeviceSyncAges, StoreError>;
    /// The database's size in bytes, for `/metrics`: SQLite's file and its WAL,
    /// PostgreSQL's `pg_database_size`.
    async fn database_size(&self) -> Result<u64, StoreError>;
    /// Every stored yearly target.
    async fn list_targets(&self) -> Result<Vec<Target>, StoreError>;
    /// Replaces every target in one transaction.
    async fn replace_targets(&self, targets: Vec<Target>) -> Result<(), StoreError>;
    /// Counted registrations in scope whose NIK at least one other counted registration
    /// (anywhere) shares; only those with `nik` when given. By NIK, then id.
    async fn shared_nik_holders(
        &self,
        scope: RegencyScope,
        nik: Option<String>,
    ) -> Result<Vec<SharedNikHolder>, StoreError>;
    /// The "different people" verdicts on NIKs still shared by two or more counted
    /// registrations; only those on `nik` when given.
    async fn duplicate_verdicts(
        &self,
        nik: Option<String>,
    ) -> Result<Vec<DuplicateVerdict>, StoreError>;
    /// Stores a verdict (storing the same one again is harmless).
    async fn record_duplicate_verdict(&self, verdict: DuplicateVerdict) -> Result<(), StoreError>;
    /// The projection rows of `ids` (unknown ids are absent), in no particular order.
    async fn registration_rows(&self, ids: Vec<String>) -> Result<Vec<ProjectionRow>, StoreError>;
    /// Up to `limit` counted registrations after the position `after` ("": from the
    /// start), in the store's order (`supervision::people_after_statement`).
    async fn people_after(&self, after: String, limit: usize)
        -> Result<Vec<PersonRow>, StoreError>;
}

/// A panic while a mutex is held poisons it; what the store keeps behind one (idle
/// connections, registrations waiting for the projector) is still sound, so keep using it.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The change log's `changes` column (`MergedDocument::new_changes` concatenated, 32
/// bytes a hash) read back on either backend.
pub(crate) fn change_hashes(column: &[u8]) -> Vec<Hash> {
    column
        .chunks_exact(32)
        .map(|chunk| chunk.try_into().expect("chunks of 32 bytes"))
        .collect()
}

/// Which database to use: `postgres://…` (or `postgresql://…`) when `database` is given,
/// otherwise SQLite in `data_dir`. Migrations are applied before it returns.
pub async fn open(
    database: Option<&str>,
    data_dir: &std::path::Path,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    match database {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Ok(
            std::sync::Arc::new(postgres::PostgresStore::connect(url).await?),
        ),
        // The URL is not repeated: it may hold a password.
        Some(_) => Err(StoreError::Internal(
            "--database must be a postgres:// URL; leave it out to use SQLite in --data-dir".into(),
        )),
        None => {
            let data_dir = data_dir.to_owned();
            let store = tokio::task::spawn_blocking(move || sqlite::SqliteStore::open(&data_dir))
                .await
                .map_err(|e| StoreError::Internal(format!("opening the store: {e}")))??;
            Ok(std::sync::Arc::new(store))
        }
    }
}
