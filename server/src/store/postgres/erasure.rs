//! Erasure in PostgreSQL (see `store::erasure`): tombstones written under the change
//! log's lock, in one transaction with the change log, the projection row (its trigger
//! keeps the aggregates and the duplicates queue), the duplicate verdicts and the
//! `erasures` row, announced like any commit; and [`compact`].

use deadpool_postgres::{Client, GenericClient};
use jemput_shared::policy::Scope;

use super::documents::{CHANGES_CHANNEL, CHANGE_LOG_LOCK, NOTIFY_PAYLOAD_MAX};
use super::read_rows;
use crate::live::Committed;
use crate::store::erasure::{expired_statement, holders_statement, Erasure, Expired};
use crate::store::sql::{Columns, Dialect};
use crate::store::StoreError;

pub(super) async fn erase(
    client: &mut Client,
    erasure: &Erasure,
    now_ms: i64,
) -> Result<Vec<String>, StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CHANGE_LOG_LOCK])
        .await?;
    let stored: Vec<(String, i64, String)> = tx
        .query(
            "SELECT id, seq, regency FROM documents
             WHERE id = ANY($1) AND octet_length(bytes) > 0 ORDER BY id",
            &[&erasure.doc_ids],
        )
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
        .collect::<Result<_, StoreError>>()?;
    let mut last_seq = 0;
    for (doc_id, previous, regency) in &stored {
        let seq: i64 = tx
            .query_one("SELECT nextval('change_log_seq')", &[])
            .await?
            .try_get(0)?;
        let check = rand::random::<u64>() as i64;
        tx.execute(
            "INSERT INTO change_log (seq, check_value, regency, doc_id, device_id, at, user_id,
                                     changes, prev_seq)
             VALUES ($1, $2, $3, $4, NULL, $5, $6, NULL, $7)",
            &[
                &seq,
                &check,
                regency,
                doc_id,
                &now_ms,
                &erasure.by,
                previous,
            ],
        )
        .await?;
        tx.execute(
            "UPDATE documents SET bytes = '', seal = '', seq = $2, check_value = $3,
               last_device = NULL, updated_at = $4
             WHERE id = $1",
            &[doc_id, &seq, &check, &now_ms],
        )
        .await?;
        tx.execute("DELETE FROM registrations WHERE id = $1", &[doc_id])
            .await?;
        tx.execute(
            "DELETE FROM duplicate_verdicts WHERE strpos(members, $1) > 0",
            &[doc_id],
        )
        .await?;
        tx.execute(
            "INSERT INTO erasures (doc_id, erased_at, erased_by, reason, request_id)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                doc_id,
                &now_ms,
                &erasure.by,
                &erasure.reason.code(),
                &erasure.request_id,
            ],
        )
        .await?;
        last_seq = last_seq.max(seq);
    }
    if !stored.is_empty() {
        let committed = Committed::new(
            last_seq as u64,
            stored.iter().map(|(_, _, regency)| regency.as_str()),
        );
        let payloads = committed
            .payloads(NOTIFY_PAYLOAD_MAX)
            .map_err(|e| StoreError::Internal(format!("encoding a change notice: {e}")))?;
        for payload in payloads {
            tx.execute("SELECT pg_notify($1, $2)", &[&CHANGES_CHANNEL, &payload])
                .await?;
        }
    }
    tx.commit().await?;
    Ok(stored.into_iter().map(|(id, _, _)| id).collect())
}

pub(super) async fn holders(
    client: &impl GenericClient,
    scope: &Scope,
    nik: &str,
) -> Result<Vec<String>, StoreError> {
    let statement = holders_statement(Dialect::Postgres, scope, nik);
    read_rows(client, &statement, |row| row.text(0)).await
}

pub(super) async fn expired(
    client: &impl GenericClient,
    before_ms: i64,
    limit: usize,
) -> Result<Vec<Expired>, StoreError> {
    let statement = expired_statement(Dialect::Postgres, before_ms, limit);
    read_rows(client, &statement, |row| {
        Ok(Expired {
            doc_id: row.text(0)?,
            updated_at: row.integer(1)?,
        })
    })
    .await
}

/// `VACUUM` of the tables erased rows lived in, so their dead versions are removed from
/// the pages now rather than whenever autovacuum comes by.
pub(super) async fn compact(client: &Client) -> Result<(), StoreError> {
    client
        .batch_execute("VACUUM documents, registrations, duplicate_verdicts")
        .await?;
    Ok(())
}
