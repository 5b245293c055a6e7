//! Erasure in SQLite (see `store::erasure`): tombstones written in one transaction with
//! the change log, the projection row (its triggers keep the aggregates and the
//! duplicates queue), the name index and the `erasures` row; and [`compact`], which
//! removes what deleted rows leave in the file.

use rusqlite::{params, Connection, OptionalExtension};

use super::read_rows;
use crate::store::erasure::{expired_statement, holders_statement, Erasure, Expired};
use crate::store::sql::{Columns, Dialect};
use jemput_shared::policy::Scope;

/// One erased document: its id, its new change-log seq and its regency (for the live
/// feed).
pub(super) struct Erased {
    pub doc_id: String,
    pub seq: u64,
    pub regency: String,
}

/// Erases the order's documents that are stored and not erased yet, inside the caller's
/// transaction. `secure_delete` is on for it, so the rows it deletes are overwritten
/// in the file, not merely freed.
pub(super) fn erase(
    tx: &Connection,
    erasure: &Erasure,
    now_ms: i64,
) -> rusqlite::Result<Vec<Erased>> {
    let mut erased = Vec::new();
    for doc_id in &erasure.doc_ids {
        let stored: Option<(i64, String)> = tx
            .prepare_cached(
                "SELECT seq, regency FROM documents WHERE id = ?1 AND length(bytes) > 0",
            )?
            .query_row([doc_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let Some((previous, regency)) = stored else {
            continue;
        };
        let check: u64 = rand::random();
        tx.prepare_cached(
            "INSERT INTO change_log (check_value, doc_id, device_id, at, user_id, changes,
                                     prev_seq)
             VALUES (?1, ?2, NULL, ?3, ?4, NULL, ?5)",
        )?
        .execute(params![check as i64, doc_id, now_ms, erasure.by, previous])?;
        let seq = tx.last_insert_rowid();
        tx.prepare_cached(
            "UPDATE documents SET bytes = x'', seal = x'', seq = ?2, check_value = ?3,
               last_device = NULL, updated_at = ?4
             WHERE id = ?1",
        )?
        .execute(params![doc_id, seq, check as i64, now_ms])?;
        remove_projection(tx, doc_id)?;
        tx.prepare_cached("DELETE FROM duplicate_verdicts WHERE instr(members, ?1) > 0")?
            .execute([doc_id])?;
        tx.prepare_cached(
            "INSERT INTO erasures (doc_id, erased_at, erased_by, reason, request_id)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            doc_id,
            now_ms,
            erasure.by,
            erasure.reason.code(),
            erasure.request_id
        ])?;
        erased.push(Erased {
            doc_id: doc_id.clone(),
            seq: seq as u64,
            regency,
        });
    }
    Ok(erased)
}

/// Deletes a document's projection row and its entry in the name index, if it has one
/// (the erasure, and the projector when it meets a tombstone).
pub(super) fn remove_projection(tx: &Connection, doc_id: &str) -> rusqlite::Result<()> {
    let projected: Option<(i64, String)> = tx
        .prepare_cached("SELECT rowid, full_name FROM registrations WHERE id = ?1")?
        .query_row([doc_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    if let Some((rowid, name)) = projected {
        tx.prepare_cached(
            "INSERT INTO registration_names (registration_names, rowid, full_name)
             VALUES ('delete', ?1, ?2)",
        )?
        .execute(params![rowid, name])?;
        tx.prepare_cached("DELETE FROM registrations WHERE rowid = ?1")?
            .execute([rowid])?;
    }
    Ok(())
}

pub(super) fn holders(
    conn: &Connection,
    scope: &Scope,
    nik: &str,
) -> rusqlite::Result<Vec<String>> {
    let statement = holders_statement(Dialect::Sqlite, scope, nik);
    read_rows(conn, &statement, |row| row.text(0))
}

pub(super) fn expired(
    conn: &Connection,
    before_ms: i64,
    limit: usize,
) -> rusqlite::Result<Vec<Expired>> {
    let statement = expired_statement(Dialect::Sqlite, before_ms, limit);
    read_rows(conn, &statement, |row| {
        Ok(Expired {
            doc_id: row.text(0)?,
            updated_at: row.integer(1)?,
        })
    })
}

/// Removes what deleted rows leave in the file: the name index's old segments (merged
/// into one, without the deleted names), every free page (`VACUUM` rewrites the file),
/// and the write-ahead log (checkpointed and truncated to nothing). Takes as long as
/// rewriting the database; writers wait meanwhile, so the server runs it at night.
pub(super) fn compact(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO registration_names (registration_names) VALUES ('optimize')",
        [],
    )?;
    with_temp_files_on_disk(conn, |conn| conn.execute_batch("VACUUM"))?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// Runs `f` with the connection's temporary storage in files, then puts back the
/// connection's own setting. `VACUUM` builds the whole new database as a temporary
/// one: with the writer's `temp_store = MEMORY` a compaction of a 2.5 GB database
/// held 2.6 GB of memory (docs/benchmarks.md). In files it takes disk space instead,
/// in SQLite's temporary directory (`SQLITE_TMPDIR`, else `TMPDIR`, else `/var/tmp`).
fn with_temp_files_on_disk<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let setting: i64 = conn.query_row("PRAGMA temp_store", [], |row| row.get(0))?;
    conn.pragma_update(None, "temp_store", "FILE")?;
    let result = f(conn);
    conn.pragma_update(None, "temp_store", setting)?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA temp_store", [], |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn vacuum_builds_its_copy_in_files_and_the_setting_comes_back() {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "temp_store", "MEMORY").unwrap();
        let during = with_temp_files_on_disk(&conn, |conn| Ok(temp_store(conn))).unwrap();
        assert_eq!(during, 1, "FILE while the copy is built");
        assert_eq!(temp_store(&conn), 2, "MEMORY again afterwards");
        let failed: rusqlite::Result<()> =
            with_temp_files_on_disk(&conn, |conn| conn.execute_batch("NOT SQL"));
        assert!(failed.is_err());
        assert_eq!(temp_store(&conn), 2, "MEMORY again after a failure too");
    }
}
