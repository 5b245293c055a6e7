//! [`SqliteStore`]: the [`Store`] in one SQLite file, `jemput.sqlite3` in the data
//! directory.
//!
//! - WAL mode, so readers never wait for the writer and the writer never waits for them.
//! - `synchronous = FULL`: a sync acknowledgement promises the data is kept, so every
//!   commit must be on disk before it returns, power loss included.
//! - One writer connection behind a mutex (SQLite allows one writer at a time anyway;
//!   queuing in our process is fairer than `SQLITE_BUSY` retries; a panic inside a
//!   closure drops its open transaction, which rolls back), and a small pool of
//!   read-only connections, so a large pull never holds up a push.
//! - WAL checkpoints run on a thread of their own ([`checkpointer`]), not inside a
//!   sync's commit; the writer keeps a 48 MiB page cache (`WRITER_CACHE_KIB`).
//! - A sync's commit writes the documents and the change log; the projection that the
//!   supervisor views read follows right after, written in batches by the [`projector`]
//!   (which lets waiting requests have the writer first, for a few hundred
//!   milliseconds), and those views first wait for it to catch up with every earlier
//!   commit.
//! - All database work runs on tokio's blocking threads ([`SqliteStore::with_writer`],
//!   [`SqliteStore::with_reader`]).
//!
//! The SQL itself lives beside this file, one file per concern: [`accounts`],
//! [`regions`], [`settings`], [`documents`], [`erasure`], and for the supervisor views
//! [`listing`], [`overview`] and [`duplicates`].

mod accounts;
mod audit;
mod checkpointer;
mod documents;
mod duplicates;
mod erasure;
mod listing;
mod migrations;
mod overview;
mod projector;
mod regions;
mod settings;

use crate::store::audit::{AuditQuery, NewAuditEntry};
use jemput_shared::api::audit::AuditEntry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use jemput_shared::policy::Scope;
use jemput_shared::sync::message::Cursor;
use jemput_shared::sync::server::{is_tombstone, ChangedPage};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use tokio::sync::Semaphore;

use crate::accounts::{Device, NewUser, User, UserChanges};
use crate::live::{ChangeFeed, Committed, Notice};
use crate::store::consent;
use crate::store::erasure::{Erasure, Expired};
use crate::store::listing::{
    ExportRows, ListingPage, PageRequest, RegistrationFilter, RegistrationOrder,
    EXPORT_CHANNEL_BATCHES,
};
use crate::store::privacy_requests::{self, Closing, NewRequest};
use crate::store::projection::ProjectionRow;
use crate::store::sql::{Columns, Dialect, SqlValue, Statement};
use crate::store::supervision::{
    DeviceSyncAges, DuplicateVerdict, PersonRow, RegencyScope, SharedNikHolder, Tallies, Target,
};
use crate::store::{
    lock, DocumentWrite, LoadedDocuments, PullQuery, PushedBy, ReceivedChanges, Region, Store,
    StoreError, StoredDocument,
};
use jemput_shared::api::consent::ConsentText;
use jemput_shared::api::privacy::PrivacyRequest;
use projector::Projection;

pub(crate) use migrations::LATEST_VERSION as SCHEMA_VERSION;

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "jemput.sqlite3";

/// Concurrent readers. The machine has few cores; more readers would only contend.
const READERS: usize = 4;

/// How long a statement waits for a lock held by another process (the CLI, a backup)
/// before giving up with `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The writer's page cache, in KiB (SQLite's default is 2 MiB). A sync's commit dirties a
/// page of every index on `registrations` per record; with the default cache SQLite spilled
/// dirty pages into the WAL in the middle of the transaction and wrote them again at the
/// commit, and re-read index pages from the file for each record. 64 MiB made
/// `demo --records 100000` a third faster (issue 13, docs/benchmarks.md); since new
/// registrations' ids are time-ordered, 48 MiB syncs as fast at a million stored and
/// keeps the server's peak RSS 12 MB lower (its budget: ≤ 150 MB). Readers keep the
/// default.
const WRITER_CACHE_KIB: i64 = 48 * 1024;

#[derive(Clone)]
pub struct SqliteStore {
    /// An async mutex: callers queue without holding a blocking thread each.
    writer: Arc<tokio::sync::Mutex<Connection>>,
    readers: Arc<ReaderPool>,
    /// Commits are announced here after they return: only this process writes (the CLI
    /// changes accounts, never documents).
    changes: ChangeFeed,
    /// What the commits hand to the projector, and how far it got.
    projection: Arc<Projection>,
}

struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Bounds the connections in use; waiting happens here, asynchronously, rather than
    /// on a blocking thread.
    permits: Arc<Semaphore>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database in `data_dir` and migrates it to the
    /// current schema.
    pub fn open(data_dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Unavailable(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let path = data_dir.join(DATABASE_FILE);
        let mut writer = Connection::open(&path)
            .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
        // WAL is a property of the file, set once; the others hold per connection.
        let mode: String =
            writer.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unavailable(format!(
                "{} cannot use WAL mode (got {mode}); is it on a network drive?",
                path.display()
            )));
        }
        configure(&writer)?;
        writer.pragma_update(None, "foreign_keys", true)?;
        writer.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
        writer.pragma_update(
            None,
            "wal_autocheckpoint",
            checkpointer::WRITER_FALLBACK_PAGES,
        )?;
        migrations::migrate(&mut writer)?;
        // Planner statistics, so the listing's queries pick the right index (bounded
        // work: SQLite samples large tables, and skips tables whose size barely changed).
        writer.execute_batch("PRAGMA optimize = 0x10002")?;
        // Statement journals in memory: every upsert of the projection opens one (its
        // triggers and unique indexes), and on disk each was a temporary file written
        // page by page — 11 % of the server's CPU in a sync (docs/benchmarks.md). Set
        // after the migrations, whose index builds may sort more than memory should hold.
        writer.pragma_update(None, "temp_store", "MEMORY")?;
        let projection = Arc::new(Projection::read(&writer)?);
        let writer = Arc::new(tokio::sync::Mutex::new(writer));
        checkpointer::start(path.clone(), Arc::downgrade(&writer));
        projector::start(Arc::clone(&projection), Arc::downgrade(&writer));
        Ok(SqliteStore {
            writer,
            readers: Arc::new(ReaderPool {
                path,
                idle: Mutex::new(Vec::new()),
                permits: Arc::new(Semaphore::new(READERS)),
            }),
            changes: ChangeFeed::default(),
            projection,
        })
    }

    /// Runs `f` on the writer connection, on a blocking thread, one caller at a time.
    /// Open a transaction inside `f` (`conn.transaction_with_behavior(Immediate)`) for
    /// anything that must be all-or-nothing; dropping it uncommitted rolls back.
    pub(crate) async fn with_writer<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let waiting = self.projection.wait_for_writer();
        let mut conn = Arc::clone(&self.writer).lock_owned().await;
        drop(waiting);
        run_blocking(move || f(&mut conn)).await
    }

    /// Runs `f` on a read-only connection from the pool, on a blocking thread. Several
    /// readers run at once, beside the writer. Open a (deferred) transaction inside `f`
    /// when several queries must see one snapshot.
    pub(crate) async fn with_reader<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = Arc::clone(&self.readers);
        let permit = Arc::clone(&pool.permits)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Unavailable("the store is shutting down".into()))?;
        run_blocking(move || {
            let _permit = permit;
            let pooled = lock(&pool.idle).pop();
            let mut conn = match pooled {
                Some(conn) => conn,
                None => open_reader(&pool.path)?,
            };
            let result = f(&mut conn);
            // A failed query leaves the connection usable; only a panic (which skips
            // this) loses it, and the pool then opens a new one.
            lock(&pool.idle).push(conn);
            result
        })
        .await
    }
}

/// Copies every committed page into the database file and empties the WAL (TRUNCATE),
/// for a tidy close; 0 when done, non-zero when the database stayed busy. The checkpoint
/// waits for readers (up to `BUSY_TIMEOUT`) but not for the checkpointer's own passive
/// checkpoint, which only takes a moment: so a few tries.
fn checkpoint_whole_wal(conn: &Connection) -> Result<i64, StoreError> {
    let mut busy = 0;
    for _ in 0..20 {
        busy = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
        if busy == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(busy)
}

/// Per-connection settings every connection needs.
fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    configure(&conn)?;
    Ok(conn)
}

async fn run_blocking<T, F>(f: F) -> Result<T, StoreError>
where
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Internal(format!("a store task did not finish: {e}")))?
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.with_reader(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    async fn close(&self) {
        // Waits for the transaction in progress (a sync's commit, a projector batch).
        let writer = Arc::clone(&self.writer).lock_owned().await;
        let checkpointed = tokio::task::spawn_blocking(move || {
            let busy = checkpoint_whole_wal(&writer);
            (writer, busy)
        })
        .await;
        match checkpointed {
            Ok((writer, busy)) => {
                match busy {
                    Ok(0) => {}
                    Ok(_) => {
                        tracing::info!("the WAL stays until the next start: the database was busy")
                    }
                    Err(error) => tracing::warn!(%error, "the WAL checkpoint at shutdown failed"),
                }
                // Locked for good: no write starts after the checkpoint, not even once the
                // runtime drops the tasks holding the store at exit (the projector's thread
                // would otherwise take the writer for one more batch).
                std::mem::forget(writer);
            }
            Err(error) => tracing::warn!(%error, "the WAL checkpoint at shutdown did not finish"),
        }
    }

    async fn setting_or_insert(&self, key: &str, initial: String) -> Result<String, StoreError> {
        let key = key.to_owned();
        self.with_writer(move |conn| settings::get_or_insert(conn, &key, &initial))
            .await
    }

    async fn count_users(&self) -> Result<u64, StoreError> {
        self.with_reader(accounts::count_users).await
    }

    async fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        self.with_writer(move |conn| accounts::create_user(conn, &user))
            .await
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        self.with_reader(accounts::list_users).await
    }

    async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError> {
        let id = id.to_owned();
        self.with_reader(move |conn| accounts::user_by_id(conn, &id))
            .await
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let username = username.to_owned();
        self.with_reader(move |conn| {
            Ok(accounts::credentials(conn, &username)?.map(|(user, _)| user))
        })
        .await
    }

    async fn credentials(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        let username = username.to_owned();
        self.with_reader(move |conn| accounts::credentials(conn, &username))
            .await
    }

    async fn update_user(&self, id: &str, changes: UserChanges) -> Result<User, StoreError> {
        let id = id.to_owned();
        self.with_writer(move |conn| accounts::update_user(conn, &id, &changes))
            .await
    }

    async fn create_device(
        &self,
        user_id: &str,
        name: &str,
        token_hash: [u8; 32],
        now_ms: i64,
    ) -> Result<Device, StoreError> {
        let (user_id, name) = (user_id.to_owned(), name.to_owned());
        self.with_writer(move |conn| {
            accounts::create_device(conn, &user_id, &name, &token_hash, now_ms)
        })
        .await
    }

    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<(Device, User)>, StoreError> {
        self.with_reader(move |conn| accounts::session(conn, &token_hash))
            .await
    }

    async fn touch_device(&self, device_id: &str, now_ms: i64) -> Result<(), StoreError> {
        let device_id = device_id.to_owned();
        self.with_writer(move |conn| accounts::touch_device(conn, &device_id, now_ms))
            .await
    }

    async fn record_sync(
        &self,
        device_id: &str,
        now_ms: i64,
        unsent: Option<i64>,
    ) -> Result<(), StoreError> {
        let device_id = device_id.to_owned();
        self.with_writer(move |conn| accounts::record_sync(conn, &device_id, now_ms, unsent))
            .await
    }

    async fn device(&self, device_id: &str) -> Result<Option<Device>, StoreError> {
        let device_id = device_id.to_owned();
        self.with_reader(move |conn| accounts::device(conn, &device_id))
            .await
    }

    async fn append_audit(&self, entry: NewAuditEntry) -> Result<(), StoreError> {
        self.with_writer(move |conn| audit::append(conn, &entry))
            .await
    }

    async fn audit_entries(&self, query: AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        self.with_reader(move |conn| audit::entries(conn, &query))
            .await
    }

    async fn exports_holding(&self, digest: u64) -> Result<Vec<AuditEntry>, StoreError> {
        self.with_reader(move |conn| audit::exports_holding(conn, digest))
            .await
    }

    async fn prune_audit(&self, before_ms: i64) -> Result<u64, StoreError> {
        self.with_writer(move |conn| audit::prune(conn, before_ms))
            .await
    }

    async fn list_devices(&self, user_id: &str) -> Result<Vec<Device>, StoreError> {
        let user_id = user_id.to_owned();
        self.with_reader(move |conn| accounts::list_devices(conn, &user_id))
            .await
    }

    async fn revoke_device(&self, device_id: &str, now_ms: i64) -> Result<Device, StoreError> {
        let device_id = device_id.to_owned();
        self.with_writer(move |conn| accounts::revoke_device(conn, &device_id, now_ms))
            .await
    }

    async fn mark_device_lost(&self, device_id: &str, now_ms: i64) -> Result<Device, StoreError> {
        let device_id = device_id.to_owned();
        self.with_writer(move |conn| accounts::mark_device_lost(conn, &device_id, now_ms))
            .await
    }

    async fn confirm_wipe(&self, device_id: &str, now_ms: i64) -> Result<(), StoreError> {
        let device_id = device_id.to_owned();
        self.with_writer(move |conn| accounts::confirm_wipe(conn, &device_id, now_ms))
            .await
    }

    async fn claim_recovery_key(
        &self,
        user_id: &str,
        device_id: &str,
        key_id: &str,
    ) -> Result<bool, StoreError> {
        let (user_id, device_id, key_id) =
            (user_id.to_owned(), device_id.to_owned(), key_id.to_owned());
        self.with_writer(move |conn| {
            accounts::claim_recovery_key(conn, &user_id, &device_id, &key_id)
        })
        .await
    }

    async fn replace_regions(&self, list: Vec<Region>) -> Result<(), StoreError> {
        self.with_writer(move |conn| regions::replace(conn, &list))
            .await
    }

    async fn list_regions(&self) -> Result<Vec<Region>, StoreError> {
        self.with_reader(regions::list).await
    }

    async fn load_documents(
        &self,
        ids: Vec<String>,
    ) -> Result<HashMap<String, StoredDocument>, StoreError> {
        self.with_reader(move |conn| {
            let mut found = documents::load_documents_within(conn, &ids, usize::MAX)?.found;
            found.retain(|_, doc| !is_tombstone(&doc.bytes));
            Ok(found)
        })
        .await
    }

    async fn load_documents_within(
        &self,
        ids: Vec<String>,
        max_bytes: usize,
    ) -> Result<LoadedDocuments, StoreError> {
        self.with_reader(move |conn| Ok(documents::load_documents_within(conn, &ids, max_bytes)?))
            .await
    }

    async fn commit_documents(
        &self,
        pushed_by: PushedBy,
        writes: Vec<DocumentWrite>,
        now_ms: i64,
    ) -> Result<Vec<Cursor>, StoreError> {
        let mut committed = Committed::new(
            0,
            writes
                .iter()
                .map(|w| w.merged.registration.address.regency.as_str()),
        );
        // The one writer connection serializes commits: the version check below holds
        // until the commit, and rowids (seqs) are handed out in commit order.
        let projection = Arc::clone(&self.projection);
        let positions = self
            .with_writer(move |conn| {
                let tx = conn.transaction()?;
                let outdated = documents::outdated(&tx, &writes)?;
                if !outdated.is_empty() {
                    return Err(StoreError::Outdated(outdated));
                }
                let positions = documents::commit_documents(&tx, &pushed_by, &writes, now_ms)?;
                if let Some(sync) = pushed_by.sync {
                    accounts::record_sync(&tx, &pushed_by.device_id, now_ms, sync.unsent)?;
                }
                tx.commit()?;
                // Still holding the writer: the projector cannot run in between.
                if let Some(last) = positions.iter().map(|p| p.seq).max() {
                    let written = writes.into_iter().zip(&positions).map(|(write, position)| {
                        (write.merged.doc_id, position.seq, write.merged.registration)
                    });
                    projection.committed(last, written);
                }
                Ok(positions)
            })
            .await?;
        if let Some(last) = positions.iter().map(|p| p.seq).max() {
            committed.seq = last;
            self.changes.publish(Notice::Committed(committed));
        }
        Ok(positions)
    }

    async fn received_changes(&self, doc_id: String) -> Result<Vec<ReceivedChanges>, StoreError> {
        self.with_reader(move |conn| Ok(documents::received_changes(conn, &doc_id)?))
            .await
    }

    async fn cursor_is_known(&self, cursor: Cursor) -> Result<bool, StoreError> {
        self.with_reader(move |conn| Ok(documents::cursor_is_known(conn, cursor)?))
            .await
    }

    async fn changed_documents(&self, query: PullQuery) -> Result<ChangedPage, StoreError> {
        self.with_reader(move |conn| {
            // One snapshot for the page and the log's head.
            let tx = conn.transaction()?;
            let page = documents::changed_documents(&tx, &query)?;
            tx.commit()?;
            Ok(page)
        })
        .await
    }

    async fn registration_count(&self) -> Result<u64, StoreError> {
        self.projection.caught_up().await;
        self.with_reader(|conn| Ok(documents::registration_count(conn)?))
            .await
    }

    fn changes(&self) -> &ChangeFeed {
        &self.changes
    }

    async fn erase_documents(
        &self,
        order: Erasure,
        now_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        let projection = Arc::clone(&self.projection);
        let erased = self
            .with_writer(move |conn| {
                conn.pragma_update(None, "secure_delete", true)?;
                let result = (|| {
                    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                    let erased = erasure::erase(&tx, &order, now_ms)?;
                    tx.commit()?;
                    Ok::<_, StoreError>(erased)
                })();
                conn.pragma_update(None, "secure_delete", false)?;
                let erased = result?;
                if let Some(last) = erased.iter().map(|e| e.seq).max() {
                    projection.committed(last, std::iter::empty());
                }
                Ok(erased)
            })
            .await?;
        if let Some(last) = erased.iter().map(|e| e.seq).max() {
            let committed = Committed::new(last, erased.iter().map(|e| e.regency.as_str()));
            self.changes.publish(Notice::Committed(committed));
        }
        Ok(erased.into_iter().map(|e| e.doc_id).collect())
    }

    async fn registrations_with_nik(
        &self,
        scope: Scope,
        nik: String,
    ) -> Result<Vec<String>, StoreError> {
        self.projection.caught_up().await;
        self.with_reader(move |conn| Ok(erasure::holders(conn, &scope, &nik)?))
            .await
    }

    async fn expired_registrations(
        &self,
        before_ms: i64,
        limit: usize,
    ) -> Result<Vec<Expired>, StoreError> {
        self.projection.caught_up().await;
        self.with_reader(move |conn| Ok(erasure::expired(conn, before_ms, limit)?))
            .await
    }

    async fn consent_texts(&self) -> Result<Vec<ConsentText>, StoreError> {
        self.with_reader(|conn| {
            let mut statement = conn.prepare_cached(consent::LIST)?;
            let rows = statement.query_map([], |row| Ok(consent::read_text(row)))?;
            rows.map(|row| row?).collect()
        })
        .await
    }

    async fn publish_consent_text(
        &self,
        text_id: String,
        text_en: String,
        at: i64,
        by: Option<String>,
    ) -> Result<u32, StoreError> {
        self.with_writer(move |conn| {
            let statement =
                consent::publish_statement(Dialect::Sqlite, &text_id, &text_en, at, by.as_deref());
            let version: i64 = conn.query_row(
                &statement.sql,
                rusqlite::params_from_iter(values(&statement)),
                |row| row.get(0),
            )?;
            Ok(version as u32)
        })
        .await
    }

    async fn create_privacy_request(&self, request: NewRequest) -> Result<(), StoreError> {
        self.with_writer(move |conn| {
            let statement = privacy_requests::insert_statement(Dialect::Sqlite, &request);
            conn.execute(
                &statement.sql,
                rusqlite::params_from_iter(values(&statement)),
            )?;
            Ok(())
        })
        .await
    }

    async fn close_privacy_request(&self, closing: Closing) -> Result<(), StoreError> {
        self.with_writer(move |conn| {
            let statement = privacy_requests::close_statement(Dialect::Sqlite, &closing);
            match conn.execute(
                &statement.sql,
                rusqlite::params_from_iter(values(&statement)),
            )? {
                0 => Err(StoreError::NotFound),
                _ => Ok(()),
            }
        })
        .await
    }

    async fn privacy_requests(
        &self,
        open_only: bool,
        id: Option<String>,
        limit: usize,
    ) -> Result<Vec<PrivacyRequest>, StoreError> {
        self.with_reader(move |conn| {
            let statement =
                privacy_requests::list_statement(Dialect::Sqlite, open_only, id.as_deref(), limit);
            read_rows(conn, &statement, |row| {
                Ok(privacy_requests::read_request(row))
            })?
            .into_iter()
            .collect()
        })
        .await
    }

    async fn compact(&self) -> Result<(), StoreError> {
        self.projection.caught_up().await;
        self.with_writer(|conn| Ok(erasure::compact(conn)?)).await
    }

    async fn list_registrations(
        &self,
        filter: RegistrationFilter,
        order: RegistrationOrder,
        page: PageRequest,
    ) -> Result<ListingPage, StoreError> {
        self.projection.caught_up().await;
        self.with_reader(move |conn| listing::list(conn, &filter, order, page))
            .await
    }

    async fn export_registrations(
        &self,
        filter: RegistrationFilter,
        order: RegistrationOrder,
    ) -> Result<ExportRows, StoreError> {
        self.projection.caught_up().await;
        let (sender, receiver) = tokio::sync::mpsc::channel(EXPORT_CHANNEL_BATCHES);
        let store = self.clone();
        tokio::spawn(async move {
            let rows = sender.clone();
            let read = store
                .with_reader(move |conn| listing::export(conn, &filter, order, &rows))
                .await;
            if let Err(error) = read {
                let _ = sender.send(Err(error)).await;
            }
        });
        Ok(receiver)
    }

    async fn registration_tallies(
        &self,
        scope: RegencyScope,
        from_day: i64,
    ) -> Result<Tallies, StoreError> {
        self.projection.caught_up().await;
        self.with_reader(move |conn| overview::tallies(conn, &scope, from_day))
            .await
    }

    async fn officer_last_syncs(&self) -> Result<Vec<(String, Option<i64>)>, StoreError> {
        self.with_reader(overview::officer_last_syncs).await
    }

    async fn device_sync_ages(&self, cutoffs: [i64; 4]) -> Result<DeviceSyncAges, StoreError> {
        self.with_reader(move |conn| overview::device_sync_ages(conn, cutoffs))
            .await
    }

    async fn database_size(&self) -> Result<u64, StoreError> {
        let path = self.readers.path.clone();
        run_blocking(move || {
            let mut wal = path.clone().into_os_string();
            wal.push("-wal");
            // The WAL is absent between checkpoints that truncate it.
            let size = |path: &Path| std::fs::metadata(path).map_or(0, |m| m.len());
            Ok(size(&path) + size(Path::new(&wal)))
        })
        .await
    }

    async fn list_targets(&self) -> Result<Vec<Target>, StoreError> {
        self.with_reader(overview::list_targets).await
    }

    async fn replace_targets(&self, targets: Vec<Target>) -> Result<(), StoreError> {
        self.with_writer(move |conn| overview::replace_targets(conn, &targets))
            .await
    }

    async fn shared_nik_holders(
        &self,
        scope: RegencyScope,
        nik: Option<String>,
    ) -> Result<Vec<SharedNikHolder>, StoreError> {
        self.projection.caught_up().await;
        self.with_reader(move |conn| duplicates::shared_nik_holders(conn, &scope, nik.as_deref()))
            .await
    }

    async fn duplicate_verdicts(
        &self,
        nik: Option<String>,
    ) -> Result<Vec<DuplicateVerdict>, StoreError> {
        self.with_reader(move |conn| duplicates::duplicate_verdicts(conn, nik.as_deref()))
            .await
    }

    async fn record_duplicate_verdict(&self, verdict: DuplicateVerdict) -> Result<(), StoreError> {
        self.with_writer(move |conn| duplicates::record_duplicate_verdict(conn, &verdict))
            .await
    }

    async fn registration_rows(&self, ids: Vec<String>) -> Result<Vec<ProjectionRow>, StoreError> {
        self.projection.caught_up().await;
        self.with_reader(move |conn| duplicates::registration_rows(conn, &ids))
            .await
    }

    async fn people_after(
        &self,
        after: String,
        limit: usize,
    ) -> Result<Vec<PersonRow>, StoreError> {
        self.projection.caught_up().await;
        self.with_reader(move |conn| duplicates::people_after(conn, &after, limit))
            .await
    }
}

/// A [`Statement`]'s parameters as SQLite values, in placeholder order.
fn values(statement: &Statement) -> impl Iterator<Item = Value> + '_ {
    statement.params.iter().map(|param| match param {
        SqlValue::Text(text) => Value::Text(text.clone()),
        SqlValue::Integer(number) => Value::Integer(*number),
        // `Statement::bind_in` binds a SQLite list item by item.
        SqlValue::TextList(_) => unreachable!("SQLite statements bind lists item by item"),
    })
}

/// Runs a [`Statement`] (prepared once per connection) and reads every row with `read`.
fn read_rows<T>(
    conn: &Connection,
    statement: &Statement,
    read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    conn.prepare_cached(&statement.sql)?
        .query_map(rusqlite::params_from_iter(values(statement)), read)?
        .collect()
}

impl Columns for rusqlite::Row<'_> {
    type Error = rusqlite::Error;

    fn text(&self, index: usize) -> rusqlite::Result<String> {
        self.get(index)
    }

    fn integer(&self, index: usize) -> rusqlite::Result<i64> {
        self.get(index)
    }

    fn optional_text(&self, index: usize) -> rusqlite::Result<Option<String>> {
        self.get(index)
    }

    fn optional_integer(&self, index: usize) -> rusqlite::Result<Option<i64>> {
        self.get(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opening_creates_the_directory_and_a_wal_database() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("nested/data");
        let store = SqliteStore::open(&data_dir).unwrap();
        store.ping().await.unwrap();
        let mode: String = store
            .with_reader(|conn| Ok(conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        assert!(data_dir.join(DATABASE_FILE).exists());
    }

    #[tokio::test]
    async fn reopening_keeps_the_data() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let value = store.setting_or_insert("k", "v1".into()).await.unwrap();
        assert_eq!(value, "v1");
        drop(store);
        let store = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(
            store.setting_or_insert("k", "v2".into()).await.unwrap(),
            "v1"
        );
    }

    #[tokio::test]
    async fn readers_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let result = store
            .with_reader(|conn| {
                conn.execute("INSERT INTO settings (key, value) VALUES ('a', 'b')", [])?;
                Ok(())
            })
            .await;
        assert!(result.is_err());
    }

    fn write(doc_id: &str, based_on: Option<u64>) -> DocumentWrite {
        let registration = jemput_shared::sample::SampleGenerator::new(1).registration(
            "officer",
            "device",
            "17.01.01.2001",
            0,
        );
        DocumentWrite {
            merged: jemput_shared::sync::server::MergedDocument {
                doc_id: doc_id.into(),
                bytes: vec![1, 2, 3],
                registration,
                seal: [0; 16],
                ack_heads: vec![],
                ack_seal: [0; 16],
                device_is_up_to_date: true,
                created: based_on.is_none(),
                new_changes: vec![[doc_id.as_bytes()[0]; 32]],
            },
            based_on,
        }
    }

    fn pushed_by(device_id: &str) -> PushedBy {
        PushedBy {
            user_id: "officer".into(),
            device_id: device_id.into(),
            sync: None,
        }
    }

    #[tokio::test]
    async fn each_write_records_its_new_changes_pusher_and_time_in_a_chain_per_document() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let first = store
            .commit_documents(pushed_by("d1"), vec![write("a", None)], 10)
            .await
            .unwrap();
        store
            .commit_documents(pushed_by("d1"), vec![write("b", None)], 20)
            .await
            .unwrap();
        let mut second = write("a", Some(first[0].seq));
        second.merged.new_changes = vec![[7; 32], [8; 32]];
        store
            .commit_documents(pushed_by("d2"), vec![second], 30)
            .await
            .unwrap();

        let received = store.received_changes("a".into()).await.unwrap();
        let summary: Vec<_> = received
            .iter()
            .map(|r| {
                (
                    r.hashes.clone(),
                    r.receipt.pushed_from_device.clone().unwrap(),
                    r.receipt.received_at,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (vec![[7; 32], [8; 32]], "d2".to_owned(), 30),
                (vec![[b'a'; 32]], "d1".to_owned(), 10)
            ]
        );
        assert_eq!(received[0].receipt.pushed_by_id, "officer");
        assert!(store.received_changes("c".into()).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn writes_from_before_receipts_were_kept_end_the_chain() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let first = store
            .commit_documents(pushed_by("d1"), vec![write("a", None)], 10)
            .await
            .unwrap();
        // As migration 0006 leaves a row written before it.
        store
            .with_writer(|conn| {
                conn.execute(
                    "UPDATE change_log SET user_id = NULL, changes = NULL, prev_seq = NULL",
                    [],
                )?;
                Ok(())
            })
            .await
            .unwrap();
        store
            .commit_documents(pushed_by("d2"), vec![write("a", Some(first[0].seq))], 20)
            .await
            .unwrap();
        let received = store.received_changes("a".into()).await.unwrap();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].receipt.received_at, 20);
    }

    #[tokio::test]
    async fn a_commit_based_on_an_outdated_version_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let mut notices = store.changes().subscribe();
        let first = store
            .commit_documents(pushed_by("d"), vec![write("a", None)], 1)
            .await
            .unwrap();
        let Notice::Committed(notice) = notices.recv().await.unwrap() else {
            panic!("a commit is announced as one");
        };
        assert_eq!(notice.seq, first[0].seq);
        // Another request merged into "nothing stored" too, and lost the race.
        let stale = store
            .commit_documents(pushed_by("d"), vec![write("b", None), write("a", None)], 2)
            .await;
        assert!(matches!(stale, Err(StoreError::Outdated(ids)) if ids == ["a"]));
        assert_eq!(
            store.registration_count().await.unwrap(),
            1,
            "b was not written"
        );
        let again = store
            .commit_documents(
                pushed_by("d"),
                vec![write("b", None), write("a", Some(first[0].seq))],
                3,
            )
            .await
            .unwrap();
        assert!(again[1].seq > first[0].seq);
    }

    #[tokio::test]
    async fn many_concurrent_readers_share_the_small_pool() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let pings = (0..32).map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.ping().await })
        });
        for ping in pings {
            ping.await.unwrap().unwrap();
        }
        assert!(lock(&store.readers.idle).len() <= READERS);
    }
}
