//! The projector: writes the projection (`registrations`, its indexes, the full-text
//! index of names and, through triggers, the overview's aggregates) for documents the
//! sync commits wrote, on a thread of its own, in batches, right after each commit.
//!
//! A sync's commit used to write the projection row itself; with 15 indexes, most at
//! random places (NIK, name, id), a commit's cost grew with the number of stored
//! registrations (issue 13, docs/benchmarks.md). Now a commit writes the change log and
//! `documents` only, and hands each merged registration to [`Projection::committed`]; the
//! projector takes the writer connection between commits and writes up to [`BATCH`]
//! rows per transaction, so each index page, the full-text segment and each aggregate
//! row is written once per batch rather than once per sync.
//!
//! - **Nothing is lost:** `projection_state.projected_seq` moves in the same transaction
//!   as the rows it covers, and every document whose `documents.seq` is above it is
//!   projected next — from the registration the commit handed over, or, after a restart,
//!   read back from the stored document. So a crash only delays the projection.
//! - **Supervisors see every commit:** the store's readers of the projection first wait
//!   until it has caught up with the last commit made before they asked
//!   ([`Projection::caught_up`]); the projector starts within [`GATHER`] of a commit.
//! - **Syncs first:** while requests wait for the writer (counted by
//!   [`Projection::wait_for_writer`]) and the projection is less than
//!   [`GIVE_WAY_WHILE_BEHIND`] behind, the projector lets them go first, and ends a
//!   transaction early (after [`MIN_BATCH`] rows) for them. Under a rush of syncs the
//!   commits then do not queue behind a projector transaction, and the projection,
//!   written between them, is still less than a second behind.
//! - Its transactions do not wait for an fsync (`synchronous = NORMAL`): the projection is
//!   rebuilt from the documents after a crash, and the next sync commit's fsync makes
//!   the WAL durable up to it anyway.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

use jemput_shared::document::RegistrationDoc;
use jemput_shared::registration::Registration;
use jemput_shared::sync::server::is_tombstone;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tokio::sync::watch;

use super::{documents, erasure, lock};
use crate::store::projection::PendingRegistrations;
use crate::store::StoreError;

/// Documents projected per transaction, at most: big enough that a busy server's
/// commits share index pages, small enough that a sync waits little for the writer.
const BATCH: usize = 2_000;
/// After a commit, the projector waits this long for more to join its batch.
const GATHER: Duration = Duration::from_millis(20);
/// A reader of the projection waits at most this long for it to catch up, then reads
/// what is there.
const CATCH_UP_WAIT: Duration = Duration::from_secs(5);
/// How long the projector waits before retrying after a failed batch.
const RETRY: Duration = Duration::from_secs(1);
/// The projector gives way to requests waiting for the writer (a sync's commit) while
/// the oldest commit it has not projected is younger than this: under a rush of syncs
/// they do not queue behind a projector transaction, and the supervisor still sees a
/// commit within a second (this, plus one transaction of at most [`BATCH`] rows).
const GIVE_WAY_WHILE_BEHIND: Duration = Duration::from_millis(400);
/// Rows a projector transaction writes before it may end early for a waiting request.
const MIN_BATCH: usize = 200;

/// What the commits and the projector share.
pub(crate) struct Projection {
    /// Committed registrations not projected yet.
    pending: Mutex<PendingRegistrations>,
    /// The last change-log seq committed.
    committed: AtomicU64,
    /// Wakes the projector.
    wake: Condvar,
    /// The last change-log seq the projection has caught up with.
    projected: watch::Sender<u64>,
    /// Requests waiting for the writer connection ([`WaitingForWriter`]).
    waiting_for_writer: AtomicUsize,
    /// Each commit not projected yet: its last seq and when it was made (oldest first).
    unprojected: Mutex<VecDeque<(u64, Instant)>>,
}

/// Counts a request as waiting for the writer while it lives (dropped once the writer is
/// taken, or with a cancelled request).
pub(super) struct WaitingForWriter<'a>(&'a Projection);

impl Drop for WaitingForWriter<'_> {
    fn drop(&mut self) {
        self.0.waiting_for_writer.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Projection {
    /// The state of the database `conn` is open on (after its migrations).
    pub(super) fn read(conn: &Connection) -> Result<Projection, StoreError> {
        let committed: i64 =
            conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log", [], |row| {
                row.get(0)
            })?;
        let projected: i64 =
            conn.query_row("SELECT projected_seq FROM projection_state", [], |row| {
                row.get(0)
            })?;
        Ok(Projection {
            pending: Mutex::new(PendingRegistrations::default()),
            committed: AtomicU64::new(committed as u64),
            wake: Condvar::new(),
            projected: watch::Sender::new(projected as u64),
            waiting_for_writer: AtomicUsize::new(0),
            unprojected: Mutex::new(VecDeque::new()),
        })
    }

    /// Called by the writer, holding the writer connection, right after a commit up to
    /// `seq` that wrote these documents.
    pub(super) fn committed(
        &self,
        seq: u64,
        written: impl IntoIterator<Item = (String, u64, Registration)>,
    ) {
        // The lock is held until the projector is woken, so it cannot miss this commit.
        let mut pending = lock(&self.pending);
        pending.keep(written);
        lock(&self.unprojected).push_back((seq, Instant::now()));
        self.committed.fetch_max(seq, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Marks the caller as waiting for the writer until the guard is dropped: the
    /// projector gives way meanwhile.
    pub(super) fn wait_for_writer(&self) -> WaitingForWriter<'_> {
        self.waiting_for_writer.fetch_add(1, Ordering::SeqCst);
        WaitingForWriter(self)
    }

    /// Whether the projector should let a request have the writer first: one is
    /// waiting, and this process's oldest unprojected commit is less than
    /// [`GIVE_WAY_WHILE_BEHIND`] old. (Documents left behind by a restart have no such
    /// commit: the projector never gives way for them, so a busy server still catches
    /// up.)
    fn should_give_way(&self) -> bool {
        self.waiting_for_writer.load(Ordering::SeqCst) > 0
            && lock(&self.unprojected)
                .front()
                .is_some_and(|(_, at)| at.elapsed() < GIVE_WAY_WHILE_BEHIND)
    }

    /// Sleeps while [`Self::should_give_way`].
    fn give_way(&self) {
        while self.should_give_way() {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The projection has caught up with the change log up to `seq`.
    fn reached(&self, seq: u64) {
        let mut unprojected = lock(&self.unprojected);
        while unprojected.front().is_some_and(|(last, _)| *last <= seq) {
            unprojected.pop_front();
        }
        self.projected.send_replace(seq);
    }

    fn behind(&self) -> bool {
        *self.projected.borrow() < self.committed.load(Ordering::SeqCst)
    }

    /// Waits until the projection holds every commit made before this call (at most
    /// [`CATCH_UP_WAIT`]; a projector that cannot keep up shows slightly older data
    /// rather than none).
    pub(super) async fn caught_up(&self) {
        let target = self.committed.load(Ordering::SeqCst);
        let mut projected = self.projected.subscribe();
        let waited =
            tokio::time::timeout(CATCH_UP_WAIT, projected.wait_for(|seq| *seq >= target)).await;
        if waited.is_err() {
            tracing::warn!(target, "the projection is behind the change log");
        }
    }

    /// The registration committed at `seq`, if it is still kept.
    fn take(&self, doc_id: &str, seq: u64) -> Option<Registration> {
        lock(&self.pending).take(doc_id, seq)
    }
}

/// Starts the projector for `projection`; it stops once `writer` is gone.
pub(super) fn start(projection: Arc<Projection>, writer: Weak<tokio::sync::Mutex<Connection>>) {
    let spawned = std::thread::Builder::new()
        .name("sqlite-projector".into())
        .spawn(move || run(&projection, &writer));
    if let Err(error) = spawned {
        tracing::error!(%error, "could not start the projector: supervisor views stay stale");
    }
}

fn run(projection: &Projection, writer: &Weak<tokio::sync::Mutex<Connection>>) {
    loop {
        {
            let mut guard = lock(&projection.pending);
            while !projection.behind() {
                if writer.strong_count() == 0 {
                    return;
                }
                guard = projection
                    .wake
                    .wait_timeout(guard, Duration::from_secs(1))
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .0;
            }
        }
        std::thread::sleep(GATHER);
        let Some(writer) = writer.upgrade() else {
            return;
        };
        loop {
            projection.give_way();
            let batch = {
                let mut conn = writer.blocking_lock();
                project_batch(&mut conn, projection)
            };
            match batch {
                Ok(Batch { reached, more }) => {
                    projection.reached(reached);
                    if !more {
                        break;
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "projecting documents failed; retrying");
                    std::thread::sleep(RETRY);
                    break;
                }
            }
        }
    }
}

/// What one projector transaction did.
struct Batch {
    /// The change-log seq the projection has caught up with.
    reached: u64,
    /// Whether documents were left for the next transaction.
    more: bool,
}

/// Projects the next documents after `projection_state.projected_seq`, in one
/// transaction.
fn project_batch(conn: &mut Connection, projection: &Projection) -> Result<Batch, StoreError> {
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let result = project_batch_in_transaction(conn, projection);
    conn.pragma_update(None, "synchronous", "FULL")?;
    result
}

fn project_batch_in_transaction(
    conn: &mut Connection,
    projection: &Projection,
) -> Result<Batch, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let from: i64 = tx.query_row("SELECT projected_seq FROM projection_state", [], |row| {
        row.get(0)
    })?;
    let head: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log", [], |row| {
        row.get(0)
    })?;
    if head <= from {
        // (Another process, the command line, may have projected what this one committed.)
        return Ok(Batch {
            reached: from as u64,
            more: false,
        });
    }
    let changed: Vec<(String, i64, i64)> = tx
        .prepare_cached(
            "SELECT id, seq, updated_at FROM documents WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?
        .query_map(params![from, BATCH as i64], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut complete = changed.len() < BATCH;
    let mut reached = from;
    let mut names = NameIndexChanges::default();
    for (projected, (doc_id, seq, updated_at)) in changed.iter().enumerate() {
        if projected >= MIN_BATCH && projection.should_give_way() {
            complete = false;
            break;
        }
        let stored = match projection.take(doc_id, *seq as u64) {
            Some(registration) => Stored::Registration(Box::new(registration)),
            None => stored_registration(&tx, doc_id)?,
        };
        match stored {
            Stored::Registration(registration) => {
                let before = documents::projected_name(&tx, doc_id)?;
                let rowid =
                    documents::project(&tx, doc_id, &registration, *seq as u64, *updated_at)?;
                names.note(rowid, before, &registration.full_name);
            }
            // (The erasure removed it already; this keeps the rule in one place should
            // a projection row have come back in between.)
            Stored::Erased => erasure::remove_projection(&tx, doc_id)?,
            Stored::Unreadable => {}
        }
        reached = *seq;
    }
    names.write(&tx)?;
    // Every document changed up to the log's head is projected once none was left out.
    let reached = if complete { head } else { reached };
    tx.execute("UPDATE projection_state SET projected_seq = ?1", [reached])?;
    tx.commit()?;
    Ok(Batch {
        reached: reached as u64,
        more: !complete,
    })
}

/// The batch's changes to the full-text index of names (`registration_names`), written
/// in two statements: FTS5 writes its pending terms to disk at every statement savepoint,
/// so a statement per row would make a segment per row.
#[derive(Default)]
struct NameIndexChanges {
    /// Names to take out: (rowid, the name as indexed).
    removed: Vec<(i64, String)>,
    /// Rows whose name to index.
    added: Vec<i64>,
}

impl NameIndexChanges {
    /// A row written with `name`, whose projection had `before` (its rowid and name).
    fn note(&mut self, rowid: i64, before: Option<(i64, String)>, name: &str) {
        match before {
            Some((_, old)) if old == name => {}
            Some(old) => {
                self.removed.push(old);
                self.added.push(rowid);
            }
            None => self.added.push(rowid),
        }
    }

    fn write(self, tx: &Connection) -> rusqlite::Result<()> {
        if !self.removed.is_empty() {
            let removed: Vec<serde_json::Value> = self
                .removed
                .into_iter()
                .map(|(rowid, name)| serde_json::json!([rowid, name]))
                .collect();
            tx.execute(
                "INSERT INTO registration_names (registration_names, rowid, full_name)
                 SELECT 'delete', value ->> 0, value ->> 1 FROM json_each(?1)",
                [serde_json::Value::Array(removed).to_string()],
            )?;
        }
        if !self.added.is_empty() {
            tx.execute(
                "INSERT INTO registration_names (rowid, full_name)
                 SELECT rowid, full_name FROM registrations
                 WHERE rowid IN (SELECT value FROM json_each(?1))",
                [serde_json::to_string(&self.added).expect("integers serialize")],
            )?;
        }
        Ok(())
    }
}

/// What a stored document holds, for the projection.
enum Stored {
    Registration(Box<Registration>),
    /// Its tombstone: the registration was erased.
    Erased,
    /// Cannot be read (logged), which every commit's validation makes impossible.
    Unreadable,
}

fn stored_registration(tx: &Connection, doc_id: &str) -> Result<Stored, StoreError> {
    let bytes: Option<Vec<u8>> = tx
        .prepare_cached("SELECT bytes FROM documents WHERE id = ?1")?
        .query_row([doc_id], |row| row.get(0))
        .optional()?;
    let Some(bytes) = bytes else {
        return Ok(Stored::Unreadable);
    };
    if is_tombstone(&bytes) {
        return Ok(Stored::Erased);
    }
    match RegistrationDoc::load(&bytes).and_then(|doc| doc.read()) {
        Ok(registration) => Ok(Stored::Registration(Box::new(registration))),
        Err(error) => {
            tracing::error!(%error, "a stored document cannot be projected");
            Ok(Stored::Unreadable)
        }
    }
}

#[cfg(test)]
mod tests {
    use jemput_shared::document::RegistrationDoc;
    use jemput_shared::policy::Scope;
    use jemput_shared::sample::SampleGenerator;
    use jemput_shared::sync::server::MergedDocument;

    use crate::store::sqlite::SqliteStore;
    use crate::store::{DocumentWrite, PullQuery, PushedBy, Store};

    /// A new registration in village 17.01.01.2001, as a merge hands it to the store.
    fn new_document(seed: u64) -> DocumentWrite {
        let registration =
            SampleGenerator::new(seed).registration("officer", "device", "17.01.01.2001", 0);
        DocumentWrite {
            merged: MergedDocument {
                doc_id: registration.id.clone(),
                bytes: RegistrationDoc::create(&registration).save(),
                registration,
                seal: [0; 16],
                ack_heads: vec![],
                ack_seal: [0; 16],
                device_is_up_to_date: true,
                created: true,
                new_changes: vec![],
            },
            based_on: None,
        }
    }

    async fn commit(store: &SqliteStore, writes: Vec<DocumentWrite>) {
        let pushed_by = PushedBy {
            user_id: "officer".into(),
            device_id: "device".into(),
            sync: None,
        };
        store.commit_documents(pushed_by, writes, 1).await.unwrap();
    }

    fn ids(writes: &[DocumentWrite]) -> Vec<String> {
        writes.iter().map(|w| w.merged.doc_id.clone()).collect()
    }

    #[tokio::test]
    async fn a_supervisor_view_shows_every_commit_made_before_it_asked() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        for round in 0..5 {
            let writes: Vec<_> = (0..50).map(|i| new_document(round * 100 + i)).collect();
            let ids = ids(&writes);
            commit(&store, writes).await;
            let rows = store.registration_rows(ids.clone()).await.unwrap();
            assert_eq!(rows.len(), ids.len(), "round {round}");
        }
        assert_eq!(store.registration_count().await.unwrap(), 250);
    }

    async fn name_search(store: &SqliteStore, word: &str) -> Vec<String> {
        store.projection.caught_up().await;
        let query = format!("\"{word}\"*");
        store
            .with_reader(move |conn| {
                Ok(conn
                    .prepare(
                        "SELECT r.id FROM registrations r WHERE r.rowid IN
                           (SELECT rowid FROM registration_names WHERE registration_names MATCH ?1)",
                    )?
                    .query_map([query], |row| row.get(0))?
                    .collect::<rusqlite::Result<_>>()?)
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_name_search_follows_new_names_and_forgets_old_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let mut first = new_document(1);
        first.merged.registration.full_name = "Siti Rahmawati".into();
        let id = first.merged.doc_id.clone();
        let mut others: Vec<_> = (2..40).map(new_document).collect();
        for other in &mut others {
            other.merged.registration.full_name = "Budi Santoso".into();
        }
        others.push(first);
        commit(&store, others).await;
        assert_eq!(
            name_search(&store, "rahma").await,
            std::slice::from_ref(&id)
        );
        assert_eq!(name_search(&store, "santoso").await.len(), 38);

        let seq: i64 = store
            .with_reader({
                let id = id.clone();
                move |conn| {
                    Ok(
                        conn.query_row("SELECT seq FROM documents WHERE id = ?1", [id], |r| {
                            r.get(0)
                        })?,
                    )
                }
            })
            .await
            .unwrap();
        let mut renamed = new_document(1);
        renamed.merged.registration.full_name = "Siti Aminah".into();
        renamed.based_on = Some(seq as u64);
        commit(&store, vec![renamed]).await;
        assert_eq!(
            name_search(&store, "aminah").await,
            std::slice::from_ref(&id)
        );
        assert!(name_search(&store, "rahma").await.is_empty());
        assert_eq!(name_search(&store, "siti").await, [id]);
    }

    /// As after a crash between a commit and its projection: the projection is behind
    /// and nothing is kept in memory. Reopening projects the stored documents.
    #[tokio::test]
    async fn a_projection_left_behind_catches_up_from_the_stored_documents() {
        let dir = tempfile::tempdir().unwrap();
        let writes: Vec<_> = (0..30).map(new_document).collect();
        let expected: Vec<_> = writes
            .iter()
            .map(|w| {
                (
                    w.merged.doc_id.clone(),
                    w.merged.registration.full_name.clone(),
                )
            })
            .collect();
        {
            let store = SqliteStore::open(dir.path()).unwrap();
            commit(&store, writes).await;
            assert_eq!(store.registration_count().await.unwrap(), 30);
            store
                .with_writer(|conn| {
                    conn.execute_batch(
                        "DELETE FROM registrations;
                         UPDATE projection_state SET projected_seq = 0;",
                    )?;
                    Ok(())
                })
                .await
                .unwrap();
        }
        let store = SqliteStore::open(dir.path()).unwrap();
        // A request always waiting for the writer does not hold the catching up back.
        let _always_waiting = store.projection.wait_for_writer();
        // Nothing committed since the reopening: the view waits for nothing, so wait
        // for the projector here.
        let mut projected = store.projection.projected.subscribe();
        tokio::time::timeout(
            std::time::Duration::from_secs(30),
            projected.wait_for(|seq| *seq >= 30),
        )
        .await
        .expect("the projector caught up")
        .unwrap();
        let ids: Vec<_> = expected.iter().map(|(id, _)| id.clone()).collect();
        let mut rows: Vec<_> = store
            .registration_rows(ids)
            .await
            .unwrap()
            .into_iter()
            .map(|row| (row.id, row.full_name))
            .collect();
        rows.sort();
        let mut expected = expected;
        expected.sort();
        assert_eq!(rows, expected);
    }

    /// The projector gives way to requests waiting for the writer, but only while it is
    /// less than [`super::GIVE_WAY_WHILE_BEHIND`] behind: with one always waiting (a
    /// sustained rush of syncs), it still projects every commit.
    #[tokio::test]
    async fn a_rush_of_syncs_delays_the_projection_but_never_stops_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let _always_waiting = store.projection.wait_for_writer();
        let writes: Vec<_> = (0..(super::MIN_BATCH as u64 * 3))
            .map(new_document)
            .collect();
        let count = writes.len() as u64;
        let before_commit = std::time::Instant::now();
        commit(&store, writes).await;
        let mut projected = store.projection.projected.subscribe();
        tokio::time::timeout(
            std::time::Duration::from_secs(30),
            projected.wait_for(|seq| *seq >= count),
        )
        .await
        .expect("the projector does not give way for ever")
        .unwrap();
        assert!(
            before_commit.elapsed() >= super::GIVE_WAY_WHILE_BEHIND,
            "the projector gave way first"
        );
    }

    /// Pulls read `documents` alone: a document is sent to the officers of its village
    /// whether or not it is projected yet.
    #[tokio::test]
    async fn pulls_do_not_wait_for_the_projection() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let writes: Vec<_> = (0..3).map(new_document).collect();
        let mut expected = ids(&writes);
        commit(&store, writes).await;
        store
            .with_writer(|conn| Ok(conn.execute("DELETE FROM registrations", [])?))
            .await
            .unwrap();
        let pull = |scope| PullQuery {
            scope,
            after_seq: 0,
            exclude_device: None,
            limit: 100,
            max_bytes: usize::MAX,
        };
        let village = Scope::Officer {
            user_id: "someone else".into(),
            areas: vec!["17.01.01.2001".into()],
        };
        let page = store.changed_documents(pull(village)).await.unwrap();
        let mut pulled: Vec<_> = page.docs.into_iter().map(|d| d.doc_id).collect();
        pulled.sort();
        expected.sort();
        assert_eq!(pulled, expected);
        let elsewhere = Scope::Officer {
            user_id: "someone else".into(),
            areas: vec!["17.02".into()],
        };
        assert!(store
            .changed_documents(pull(elsewhere))
            .await
            .unwrap()
            .docs
            .is_empty());
    }
}
