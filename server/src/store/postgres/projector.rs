//! The projector on PostgreSQL: writes the projection (`registrations`, its indexes and,
//! through triggers, the overview's aggregates) for documents the sync commits wrote, in
//! batches, right after each commit — as on SQLite (`store/sqlite/projector.rs`), where
//! the reasons are told: a commit that wrote the projection row paid for every index of
//! a table that only grows (issue 13, docs/benchmarks.md).
//!
//! Several instances share one database, so:
//! - **One projector at a time.** Every instance runs one, but each batch is one
//!   transaction that first takes [`PROJECTOR_LOCK`] with `pg_try_advisory_xact_lock`;
//!   an instance that does not get it leaves the batch to the one that did. No session
//!   holds the lock between batches, so a stopped instance leaves nothing locked.
//! - **Any instance's commits.** A batch projects every document whose `documents.seq`
//!   is above `projection_state.projected_seq` (which moves in the same transaction, so a
//!   crash only delays the projection), from the registration this instance's commit
//!   handed over ([`Projection::committed`]) or else read back from the stored document.
//!   The projector wakes on this instance's commits and on every instance's `NOTIFY`
//!   (the change feed), and every [`POLL`] in case a notice was missed.
//! - **Supervisors see every commit.** Before a read of the projection, [`caught_up`]
//!   waits until `projected_seq` reaches the change log's head as it was when the reader
//!   asked (at most [`CATCH_UP_WAIT`]), waking this instance's projector meanwhile.
//!
//! The batch runs in one snapshot (repeatable read): seqs are taken in commit order, so
//! the snapshot holds a prefix of the change log, and the head it reads is covered once
//! every document above `projected_seq` in it is projected.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deadpool_postgres::{GenericClient, Pool};
use jemput_shared::document::RegistrationDoc;
use jemput_shared::registration::Registration;
use jemput_shared::sync::server::is_tombstone;
use tokio::sync::{broadcast, Notify};
use tokio_postgres::types::ToSql;
use tokio_postgres::IsolationLevel;

use crate::live::ChangeFeed;
use crate::store::projection::{PendingRegistrations, ProjectedColumns};
use crate::store::{lock, StoreError};

/// The advisory lock a projector's batch holds; any fixed number no other lock uses.
const PROJECTOR_LOCK: i64 = 0x6a65_6d70_7574_0003;
/// Documents projected per transaction, at most (as on SQLite).
const BATCH: i64 = 2_000;
/// After a wake-up, the projector waits this long for more to join its batch.
const GATHER: Duration = Duration::from_millis(20);
/// The projector looks for unprojected documents at least this often.
const POLL: Duration = Duration::from_secs(5);
/// A reader of the projection waits at most this long for it to catch up, then reads
/// what is there.
const CATCH_UP_WAIT: Duration = Duration::from_secs(5);
/// How often a waiting reader looks at `projected_seq` again.
const CATCH_UP_POLL: Duration = Duration::from_millis(10);
/// How long the projector waits before retrying after a failed batch.
const RETRY: Duration = Duration::from_secs(1);

/// What this instance's commits hand its projector.
#[derive(Default)]
pub(super) struct Projection {
    /// Committed registrations not projected yet.
    pending: Mutex<PendingRegistrations>,
    wake: Notify,
}

impl Projection {
    /// Called after a commit that wrote these documents (id, seq, registration).
    pub(super) fn committed(&self, written: impl IntoIterator<Item = (String, u64, Registration)>) {
        lock(&self.pending).keep(written);
        // (Notify keeps a permit when the projector is busy: it looks again after.)
        self.wake.notify_one();
    }

    /// The registration committed at `seq`, if this instance still keeps it.
    fn take(&self, doc_id: &str, seq: u64) -> Option<Registration> {
        lock(&self.pending).take(doc_id, seq)
    }
}

/// Starts this instance's projector; it runs as long as the runtime does.
pub(super) fn start(pool: Pool, projection: Arc<Projection>, feed: &ChangeFeed) {
    let mut notices = feed.subscribe();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = projection.wake.notified() => {}
                notice = notices.recv() => {
                    if let Err(broadcast::error::RecvError::Closed) = notice {
                        return; // The store is gone.
                    }
                }
                () = tokio::time::sleep(POLL) => {}
            }
            tokio::time::sleep(GATHER).await;
            loop {
                match project_batch(&pool, &projection).await {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(error) => {
                        tracing::error!(%error, "projecting documents failed; retrying");
                        tokio::time::sleep(RETRY).await;
                        break;
                    }
                }
            }
        }
    });
}

/// Waits until the projection holds every commit made before this call (at most
/// [`CATCH_UP_WAIT`]; a projector that cannot keep up shows slightly older data rather
/// than none). Wakes this instance's projector if the projection is behind (say, a
/// notice of another instance's commit was missed).
pub(super) async fn caught_up(
    projection: &Projection,
    client: &impl GenericClient,
) -> Result<(), StoreError> {
    let head = client
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM change_log")
        .await?;
    let target: i64 = client.query_one(&head, &[]).await?.try_get(0)?;
    let projected = client
        .prepare_cached("SELECT projected_seq FROM projection_state")
        .await?;
    let started = Instant::now();
    loop {
        let reached: i64 = client.query_one(&projected, &[]).await?.try_get(0)?;
        if reached >= target {
            return Ok(());
        }
        projection.wake.notify_one();
        if started.elapsed() >= CATCH_UP_WAIT {
            tracing::warn!(target, reached, "the projection is behind the change log");
            return Ok(());
        }
        tokio::time::sleep(CATCH_UP_POLL).await;
    }
}

/// Projects the next documents after `projected_seq` in one transaction, if this
/// instance gets the projector's lock. Returns whether documents were left for another.
async fn project_batch(pool: &Pool, projection: &Projection) -> Result<bool, StoreError> {
    let mut client = pool.get().await?;
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .start()
        .await?;
    let try_lock = tx
        .prepare_cached("SELECT pg_try_advisory_xact_lock($1)")
        .await?;
    let locked: bool = tx
        .query_one(&try_lock, &[&PROJECTOR_LOCK])
        .await?
        .try_get(0)?;
    let from: i64 = tx
        .query_one("SELECT projected_seq FROM projection_state", &[])
        .await?
        .try_get(0)?;
    if !locked {
        // Another instance is projecting; it will take what is left. What it projected
        // need not be kept here any longer (or this instance's memory would fill up).
        lock(&projection.pending).forget_through(from as u64);
        return Ok(false);
    }
    let head: i64 = tx
        .query_one("SELECT COALESCE(MAX(seq), 0) FROM change_log", &[])
        .await?
        .try_get(0)?;
    if head <= from {
        return Ok(false);
    }
    let changed = tx
        .prepare_cached(
            "SELECT id, seq, updated_at FROM documents WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .await?;
    let changed: Vec<(String, i64, i64)> = tx
        .query(&changed, &[&from, &BATCH])
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
        .collect::<Result<_, StoreError>>()?;
    let complete = (changed.len() as i64) < BATCH;
    let reached = match changed.last() {
        Some((_, seq, _)) if !complete => *seq,
        _ => head,
    };

    let mut projected = Vec::with_capacity(changed.len());
    let mut unkept = Vec::new();
    for (doc_id, seq, updated_at) in changed {
        match projection.take(&doc_id, seq as u64) {
            Some(registration) => projected.push((registration, seq, updated_at)),
            None => unkept.push((doc_id, seq, updated_at)),
        }
    }
    if !unkept.is_empty() {
        let ids: Vec<&str> = unkept.iter().map(|(id, _, _)| id.as_str()).collect();
        let bytes = tx
            .prepare_cached("SELECT id, bytes FROM documents WHERE id = ANY($1)")
            .await?;
        let mut stored: HashMap<String, Vec<u8>> = tx
            .query(&bytes, &[&ids])
            .await?
            .iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<_, StoreError>>()?;
        let (erased, unkept): (Vec<_>, Vec<_>) = unkept
            .into_iter()
            .filter_map(|(id, seq, at)| stored.remove(&id).map(|bytes| (id, bytes, seq, at)))
            .partition(|(_, bytes, _, _)| is_tombstone(bytes));
        if !erased.is_empty() {
            // (The erasure removed them already; this keeps the rule in one place should
            // a projection row have come back in between.)
            let erased: Vec<&str> = erased.iter().map(|(id, ..)| id.as_str()).collect();
            tx.execute("DELETE FROM registrations WHERE id = ANY($1)", &[&erased])
                .await?;
        }
        let unkept: Vec<_> = unkept
            .into_iter()
            .map(|(_, bytes, seq, at)| (bytes, seq, at))
            .collect();
        // Reading Automerge documents is CPU work: off the runtime's threads.
        let read = tokio::task::spawn_blocking(move || {
            unkept
                .into_iter()
                .filter_map(|(bytes, seq, at)| {
                    match RegistrationDoc::load(&bytes).and_then(|doc| doc.read()) {
                        Ok(registration) => Some((registration, seq, at)),
                        Err(error) => {
                            tracing::error!(%error, "a stored document cannot be projected");
                            None
                        }
                    }
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| StoreError::Internal(format!("reading stored documents: {e}")))?;
        projected.extend(read);
    }

    write_rows(&tx, &projected).await?;
    tx.execute(
        "UPDATE projection_state SET projected_seq = GREATEST(projected_seq, $1)",
        &[&reached],
    )
    .await?;
    tx.commit().await?;
    Ok(!complete)
}

/// Upserts the projection rows of `projected` (registration, seq, updated_at) in one
/// statement; a row already at a later seq is left as it is.
async fn write_rows(
    tx: &impl GenericClient,
    projected: &[(Registration, i64, i64)],
) -> Result<(), StoreError> {
    if projected.is_empty() {
        return Ok(());
    }
    let columns: Vec<ProjectedColumns> = projected
        .iter()
        .map(|(registration, _, _)| ProjectedColumns::of(registration))
        .collect();
    let ids: Vec<&str> = projected.iter().map(|(r, _, _)| r.id.as_str()).collect();
    let seqs: Vec<i64> = projected.iter().map(|(_, seq, _)| *seq).collect();
    let updated: Vec<i64> = projected.iter().map(|(_, _, at)| *at).collect();
    let created: Vec<i64> = columns.iter().map(|p| p.created_at).collect();
    let duplicates: Vec<Option<&str>> = columns.iter().map(|p| p.duplicate_of).collect();
    let deleted: Vec<bool> = columns.iter().map(|p| p.deleted).collect();
    let statement = tx
        .prepare_cached(
            "INSERT INTO registrations (id, regency, district, village, full_name, nik, gender,
               birth_date, programmes, status, registered_by, device_id, created_at,
               updated_at, seq, duplicate_of, deleted, birth_place, phone, steps, outcomes)
             SELECT id, regency, district, village, full_name, nik, gender, birth_date,
                    programmes, status, registered_by, device_id, created_at, updated_at,
                    seq, duplicate_of, deleted, birth_place, phone, steps, outcomes
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                         $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                         $11::text[], $12::text[], $13::bigint[], $14::bigint[],
                         $15::text[], $16::boolean[], $17::bigint[], $18::text[],
                         $19::text[], $20::text[], $21::text[])
                  AS w (id, regency, district, village, full_name, nik, gender, birth_date,
                        programmes, status, registered_by, device_id, created_at, seq,
                        duplicate_of, deleted, updated_at, birth_place, phone, steps,
                        outcomes)
             ON CONFLICT (id) DO UPDATE SET regency = excluded.regency,
               district = excluded.district, village = excluded.village,
               full_name = excluded.full_name, nik = excluded.nik, gender = excluded.gender,
               birth_date = excluded.birth_date, programmes = excluded.programmes,
               status = excluded.status, updated_at = excluded.updated_at,
               seq = excluded.seq, duplicate_of = excluded.duplicate_of,
               deleted = excluded.deleted, birth_place = excluded.birth_place,
               phone = excluded.phone, steps = excluded.steps,
               outcomes = excluded.outcomes
             WHERE registrations.seq < excluded.seq",
        )
        .await?;
    let params: [&(dyn ToSql + Sync); 21] = [
        &ids,
        &column(&columns, |p| p.regency),
        &column(&columns, |p| p.district),
        &column(&columns, |p| p.village),
        &column(&columns, |p| p.full_name),
        &column(&columns, |p| p.nik),
        &column(&columns, |p| p.gender),
        &column(&columns, |p| p.birth_date),
        &column(&columns, |p| p.programmes.as_str()),
        &column(&columns, |p| p.status),
        &column(&columns, |p| p.registered_by),
        &column(&columns, |p| p.device_id),
        &created,
        &seqs,
        &duplicates,
        &deleted,
        &updated,
        &column(&columns, |p| p.birth_place),
        &column(&columns, |p| p.phone),
        &column(&columns, |p| p.steps.as_str()),
        &column(&columns, |p| p.outcomes.as_str()),
    ];
    tx.execute(&statement, &params).await?;
    Ok(())
}

/// One text column of the rows, for `UNNEST`.
fn column<'a>(
    columns: &'a [ProjectedColumns<'a>],
    read: impl Fn(&'a ProjectedColumns<'a>) -> &'a str,
) -> Vec<&'a str> {
    columns.iter().map(read).collect()
}
