//! Registration documents in PostgreSQL: the Automerge bytes (source of truth) and the
//! change log that orders them for pulls, written in one transaction, so an acknowledged
//! change is always in both. The projection supervisors query is written right after, by
//! the projector ([`super::projector`]).
//!
//! # Why commits take one lock
//!
//! Several server instances write to one database, so two things SQLite's single writer
//! gave for free must be made explicit:
//!
//! - **No lost update.** A request loads documents, merges on a blocking thread, then
//!   commits. Another request may commit one of those documents in between; writing
//!   blindly would drop its change. The commit therefore checks that every document is
//!   still stored at the version (seq) the merge started from, and otherwise writes
//!   nothing and answers [`StoreError::Outdated`] (the route merges again).
//! - **A pull cursor never skips a change.** Seqs come from a sequence, handed out when
//!   a transaction asks, but transactions commit in their own order: without care, a
//!   transaction holding seq 9 could commit after one holding seq 10, and a device that
//!   pulled in between would move its cursor to 10 and never see 9.
//!
//! Both are solved by one transaction-level advisory lock, [`CHANGE_LOG_LOCK`], taken first
//! in every commit and released by the commit itself: commits of documents run one at a
//! time across all instances, so seqs are taken in commit order (any snapshot holds a
//! prefix of the log) and the version check stays true until the commit. The lock covers
//! only the short write transaction — merging, the expensive part, runs outside it, in
//! parallel on every instance — and SQLite never did better (one writer).
//!
//! Alternatives considered: row locks (`SELECT … FOR UPDATE`) with merging inside the
//! transaction fix lost updates but not the cursor, and hold locks during CPU work;
//! handing out cursors only up to the lowest in-flight seq needs a shared registry of
//! in-flight transactions. When one commit stream becomes the limit, the change log is
//! split per regency (see ARCHITECTURE.md), with one lock and sequence per regency.

use std::collections::HashMap;

use deadpool_postgres::{Client, GenericClient};
use futures_util::TryStreamExt;
use jemput_shared::history::Receipt;
use jemput_shared::sync::message::Cursor;
use jemput_shared::sync::seal::Seal;
use jemput_shared::sync::server::{ChangedDocument, ChangedPage};
use tokio_postgres::types::ToSql;

use super::{params, read_snapshot};
use crate::live::Committed;
use crate::store::projection::ProjectedColumns;
use crate::store::sql::Dialect;
use crate::store::{
    change_hashes, DocumentWrite, LoadedDocuments, PullQuery, PushedBy, ReceivedChanges,
    StoreError, StoredDocument,
};

/// The advisory lock every document commit holds until it ends (see the module docs).
pub(super) const CHANGE_LOG_LOCK: i64 = 0x6a65_6d70_7574_0002;

/// The channel of `NOTIFY`; each instance listens on it (see `live.rs`).
pub(super) const CHANGES_CHANNEL: &str = "jemput_changes";

/// PostgreSQL refuses a `NOTIFY` payload of 8000 bytes or more (in its default build).
pub(super) const NOTIFY_PAYLOAD_MAX: usize = 7999;

/// Sequence numbers and check values live in PostgreSQL's signed 64-bit integers.
fn to_sql(value: u64) -> i64 {
    value as i64
}

fn from_sql(value: i64) -> u64 {
    value as u64
}

pub(super) async fn load_documents_within(
    client: &Client,
    ids: &[String],
    max_bytes: usize,
) -> Result<LoadedDocuments, StoreError> {
    let statement = client
        .prepare_cached("SELECT id, bytes, seq, check_value FROM documents WHERE id = ANY($1)")
        .await?;
    let rows = client
        .query_raw(&statement, [&ids as &(dyn ToSql + Sync)])
        .await?;
    futures_util::pin_mut!(rows);
    let mut loaded = LoadedDocuments::default();
    let mut bytes = 0;
    // Rows arrive one at a time; dropping the stream discards the rest unread.
    while let Some(row) = rows.try_next().await? {
        if bytes >= max_bytes {
            loaded.left_out = ids
                .iter()
                .filter(|id| !loaded.found.contains_key(*id))
                .cloned()
                .collect();
            break;
        }
        let doc = StoredDocument {
            doc_id: row.try_get(0)?,
            bytes: row.try_get(1)?,
            position: Cursor {
                seq: from_sql(row.try_get(2)?),
                check: from_sql(row.try_get(3)?),
                scope: 0,
            },
        };
        bytes += doc.bytes.len();
        loaded.found.insert(doc.doc_id.clone(), doc);
    }
    Ok(loaded)
}

/// Writes every merged document and its change-log entry in one transaction under
/// [`CHANGE_LOG_LOCK`], and announces the commit with `NOTIFY` (sent by
/// PostgreSQL only if the transaction commits). Returns each write's change-log position.
pub(super) async fn commit_documents(
    client: &mut Client,
    pushed_by: &PushedBy,
    writes: &[DocumentWrite],
    now_ms: i64,
) -> Result<Vec<Cursor>, StoreError> {
    let device_id = pushed_by.device_id.as_str();
    let tx = client.transaction().await?;
    // Before the lock: the device's row is its own, and the lock is held briefly.
    if let Some(sync) = pushed_by.sync {
        super::accounts::record_sync(&tx, device_id, now_ms, sync.unsent).await?;
    }
    let lock = tx
        .prepare_cached("SELECT pg_advisory_xact_lock($1)")
        .await?;
    tx.execute(&lock, &[&CHANGE_LOG_LOCK]).await?;

    // Still at the versions the merges started from?
    let ids: Vec<&str> = writes.iter().map(|w| w.merged.doc_id.as_str()).collect();
    let current = tx
        .prepare_cached("SELECT id, seq FROM documents WHERE id = ANY($1)")
        .await?;
    let stored: HashMap<String, u64> = tx
        .query(&current, &[&ids])
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, from_sql(row.try_get(1)?))))
        .collect::<Result<_, StoreError>>()?;
    let outdated: Vec<String> = writes
        .iter()
        .filter(|w| stored.get(&w.merged.doc_id).copied() != w.based_on)
        .map(|w| w.merged.doc_id.clone())
        .collect();
    if !outdated.is_empty() {
        return Err(StoreError::Outdated(outdated));
    }

    // Seqs, taken under the lock: in commit order.
    let next = tx
        .prepare_cached("SELECT nextval('change_log_seq') FROM generate_series(1, $1)")
        .await?;
    let mut seqs: Vec<i64> = tx
        .query(&next, &[&(writes.len() as i32)])
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
    seqs.sort_unstable();

    let n = writes.len();
    let mut checks = Vec::with_capacity(n);
    let mut regencies = Vec::with_capacity(n);
    let mut bytes = Vec::with_capacity(n);
    let mut seals = Vec::with_capacity(n);
    let mut last_devices = Vec::with_capacity(n);
    let (mut districts, mut villages, mut officers) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut new_changes, mut previous) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for DocumentWrite { merged, based_on } in writes {
        let p = ProjectedColumns::of(&merged.registration);
        checks.push(to_sql(rand::random()));
        regencies.push(p.regency);
        bytes.push(merged.bytes.as_slice());
        seals.push(&merged.seal[..]);
        last_devices.push(merged.device_is_up_to_date.then_some(device_id));
        districts.push(p.district);
        villages.push(p.village);
        officers.push(p.registered_by);
        new_changes.push(merged.new_changes.concat());
        previous.push(based_on.map(to_sql));
    }

    let log = tx
        .prepare_cached(
            "INSERT INTO change_log (seq, check_value, regency, doc_id, device_id, at, user_id,
                                     changes, prev_seq)
             SELECT seq, check_value, regency, doc_id, $5, $6, $7, changes, prev_seq
             FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $8::bytea[],
                         $9::bigint[])
                  AS w (seq, check_value, regency, doc_id, changes, prev_seq)",
        )
        .await?;
    tx.execute(
        &log,
        &[
            &seqs,
            &checks,
            &regencies,
            &ids,
            &device_id,
            &now_ms,
            &pushed_by.user_id,
            &new_changes,
            &previous,
        ],
    )
    .await?;
    let documents = tx
        .prepare_cached(
            "INSERT INTO documents (id, regency, bytes, seal, seq, check_value, last_device,
                                    updated_at, district, village, registered_by)
             SELECT id, regency, bytes, seal, seq, check_value, last_device, $8, district,
                    village, registered_by
             FROM UNNEST($1::text[], $2::text[], $3::bytea[], $4::bytea[], $5::bigint[],
                         $6::bigint[], $7::text[], $9::text[], $10::text[], $11::text[])
                  AS w (id, regency, bytes, seal, seq, check_value, last_device, district,
                        village, registered_by)
             ON CONFLICT (id) DO UPDATE SET regency = excluded.regency,
               bytes = excluded.bytes, seal = excluded.seal, seq = excluded.seq,
               check_value = excluded.check_value, last_device = excluded.last_device,
               updated_at = excluded.updated_at, district = excluded.district,
               village = excluded.village, registered_by = excluded.registered_by",
        )
        .await?;
    tx.execute(
        &documents,
        &[
            &ids,
            &regencies,
            &bytes,
            &seals,
            &seqs,
            &checks,
            &last_devices,
            &now_ms,
            &districts,
            &villages,
            &officers,
        ],
    )
    .await?;
    let committed = Committed::new(
        seqs.last().copied().map_or(0, from_sql),
        regencies.iter().copied(),
    );
    let payloads = committed
        .payloads(NOTIFY_PAYLOAD_MAX)
        .map_err(|e| StoreError::Internal(format!("encoding a change notice: {e}")))?;
    let notify = tx.prepare_cached("SELECT pg_notify($1, $2)").await?;
    for payload in payloads {
        tx.execute(&notify, &[&CHANGES_CHANNEL, &payload]).await?;
    }
    tx.commit().await?;

    Ok(seqs
        .iter()
        .zip(&checks)
        .map(|(&seq, &check)| Cursor {
            seq: from_sql(seq),
            check: from_sql(check),
            scope: 0,
        })
        .collect())
}

/// The receipts of a document's writes, newest first: the chain of its change-log rows
/// from `documents.seq` back through `prev_seq` (primary-key lookups), as far as rows
/// carry receipts.
pub(super) async fn received_changes(
    client: &Client,
    doc_id: &str,
) -> Result<Vec<ReceivedChanges>, StoreError> {
    let statement = client
        .prepare_cached(
            "WITH RECURSIVE chain (seq) AS (
                 SELECT seq FROM documents WHERE id = $1
                 UNION ALL
                 SELECT log.prev_seq FROM change_log log JOIN chain ON log.seq = chain.seq
                 WHERE log.doc_id = $1 AND log.changes IS NOT NULL
                   AND log.prev_seq IS NOT NULL
             )
             SELECT log.changes, log.user_id, u.display_name, log.device_id, log.at
             FROM chain JOIN change_log log ON log.seq = chain.seq
             LEFT JOIN users u ON u.id = log.user_id
             WHERE log.doc_id = $1 AND log.changes IS NOT NULL AND log.user_id IS NOT NULL
             ORDER BY log.seq DESC",
        )
        .await?;
    let rows = client.query(&statement, &[&doc_id]).await?;
    rows.iter()
        .map(|row| {
            let changes: Vec<u8> = row.try_get(0)?;
            Ok(ReceivedChanges {
                hashes: change_hashes(&changes),
                receipt: Receipt {
                    pushed_by_id: row.try_get(1)?,
                    pushed_by_name: row.try_get(2)?,
                    pushed_from_device: row.try_get(3)?,
                    received_at: row.try_get(4)?,
                },
            })
        })
        .collect()
}

pub(super) async fn cursor_is_known(client: &Client, cursor: Cursor) -> Result<bool, StoreError> {
    let statement = client
        .prepare_cached("SELECT 1 FROM change_log WHERE seq = $1 AND check_value = $2")
        .await?;
    let found = client
        .query_opt(&statement, &[&to_sql(cursor.seq), &to_sql(cursor.check)])
        .await?;
    Ok(found.is_some())
}

/// Documents changed in scope after the query's position, and the log's head, read in one
/// snapshot. Because seqs are taken in commit order, the snapshot holds every change up
/// to its head: a cursor moved there skips nothing.
pub(super) async fn changed_documents(
    client: &mut Client,
    query: &PullQuery,
) -> Result<ChangedPage, StoreError> {
    let query_sql = query.statement(Dialect::Postgres);
    let tx = read_snapshot(client).await?;
    let statement = tx.prepare_cached(&query_sql.sql).await?;
    let (mut docs, mut bytes, mut cut) = (Vec::new(), 0, false);
    {
        let rows = tx.query_raw(&statement, params(&query_sql)).await?;
        futures_util::pin_mut!(rows);
        // Rows arrive one at a time: stop once the page holds enough bytes (dropping
        // the stream discards the rest unread).
        while let Some(row) = rows.try_next().await? {
            if bytes >= query.max_bytes {
                cut = true;
                break;
            }
            let doc = ChangedDocument {
                doc_id: row.try_get(0)?,
                position: Cursor {
                    seq: from_sql(row.try_get(1)?),
                    check: from_sql(row.try_get(2)?),
                    scope: 0,
                },
                bytes: row.try_get(3)?,
                seal: seal_from_sql(row.try_get(4)?),
            };
            bytes += doc.bytes.as_ref().map_or(0, Vec::len);
            docs.push(doc);
        }
    }
    let more = cut || docs.len() > query.limit;
    docs.truncate(query.limit);
    let head = head_position(&tx).await?;
    tx.commit().await?;
    Ok(ChangedPage { docs, more, head })
}

/// The change log's last position.
async fn head_position(client: &impl GenericClient) -> Result<Option<Cursor>, StoreError> {
    let statement = client
        .prepare_cached("SELECT seq, check_value FROM change_log ORDER BY seq DESC LIMIT 1")
        .await?;
    let row = client.query_opt(&statement, &[]).await?;
    row.map(|row| {
        Ok(Cursor {
            seq: from_sql(row.try_get(0)?),
            check: from_sql(row.try_get(1)?),
            scope: 0,
        })
    })
    .transpose()
}

fn seal_from_sql(bytes: Vec<u8>) -> Seal {
    let mut seal = Seal::default();
    if bytes.len() == seal.len() {
        seal.copy_from_slice(&bytes);
    }
    seal
}

pub(super) async fn registration_count(client: &Client) -> Result<u64, StoreError> {
    let count: i64 = client
        .query_one("SELECT COUNT(*) FROM registrations", &[])
        .await?
        .get(0);
    Ok(from_sql(count))
}
