//! Registration documents in SQLite: the Automerge bytes (source of truth) and the change
//! log that orders them for pulls, written in one transaction, so an acknowledged change
//! is always in both; and the projection row supervisors query, written after by the
//! projector ([`super::projector`]).

use jemput_shared::history::Receipt;
use jemput_shared::registration::Registration;
use jemput_shared::sync::message::Cursor;
use jemput_shared::sync::seal::Seal;
use jemput_shared::sync::server::{ChangedDocument, ChangedPage};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use super::values;
use crate::store::projection::ProjectedColumns;
use crate::store::sql::Dialect;
use crate::store::{
    change_hashes, DocumentWrite, LoadedDocuments, PullQuery, PushedBy, ReceivedChanges,
    StoredDocument,
};

/// Check values and sequence numbers live in SQLite's signed 64-bit integers.
fn to_sql(value: u64) -> i64 {
    value as i64
}

fn from_sql(value: i64) -> u64 {
    value as u64
}

pub(crate) fn load_documents_within(
    conn: &Connection,
    ids: &[String],
    max_bytes: usize,
) -> rusqlite::Result<LoadedDocuments> {
    let mut loaded = LoadedDocuments::default();
    let mut bytes = 0;
    for (index, chunk) in ids.chunks(500).enumerate() {
        let placeholders = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "SELECT id, bytes, seq, check_value FROM documents WHERE id IN ({placeholders})"
        );
        let mut statement = conn.prepare_cached(&sql)?;
        let mut rows = statement.query(params_from_iter(chunk.iter()))?;
        while let Some(row) = rows.next()? {
            if bytes >= max_bytes {
                // Rows are read (and their bytes copied) one at a time: stop here.
                loaded.left_out = ids[index * 500..]
                    .iter()
                    .filter(|id| !loaded.found.contains_key(*id))
                    .cloned()
                    .collect();
                return Ok(loaded);
            }
            let doc = StoredDocument {
                doc_id: row.get(0)?,
                bytes: row.get(1)?,
                position: Cursor {
                    seq: from_sql(row.get(2)?),
                    check: from_sql(row.get(3)?),
                    scope: 0,
                },
            };
            bytes += doc.bytes.len();
            loaded.found.insert(doc.doc_id.clone(), doc);
        }
    }
    Ok(loaded)
}

/// The writes whose document is no longer stored at the version they were merged into.
/// Run inside the writing transaction: the single writer keeps the answer true until it
/// commits.
pub(crate) fn outdated(tx: &Connection, writes: &[DocumentWrite]) -> rusqlite::Result<Vec<String>> {
    let mut current = tx.prepare_cached("SELECT seq FROM documents WHERE id = ?1")?;
    let mut outdated = Vec::new();
    for write in writes {
        let stored: Option<i64> = current
            .query_row([&write.merged.doc_id], |row| row.get(0))
            .optional()?;
        if stored.map(from_sql) != write.based_on {
            outdated.push(write.merged.doc_id.clone());
        }
    }
    Ok(outdated)
}

/// Writes every merged document (with the columns pulls choose by scope) and its
/// change-log entry. The caller runs this inside one transaction, after [`outdated`]
/// found nothing; returns each write's change-log position. The projection row follows
/// from the projector ([`super::projector`]), not here: its indexes would make a commit's
/// cost grow with the number of stored registrations.
pub(crate) fn commit_documents(
    tx: &Connection,
    pushed_by: &PushedBy,
    writes: &[DocumentWrite],
    now_ms: i64,
) -> rusqlite::Result<Vec<Cursor>> {
    let device_id = pushed_by.device_id.as_str();
    let mut log = tx.prepare_cached(
        "INSERT INTO change_log (check_value, doc_id, device_id, at, user_id, changes, prev_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut document = tx.prepare_cached(
        "INSERT INTO documents (id, bytes, seal, seq, check_value, last_device, updated_at,
           regency, district, village, registered_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, seal = excluded.seal,
           seq = excluded.seq,
           check_value = excluded.check_value, last_device = excluded.last_device,
           updated_at = excluded.updated_at, regency = excluded.regency,
           district = excluded.district, village = excluded.village,
           registered_by = excluded.registered_by",
    )?;
    let mut positions = Vec::with_capacity(writes.len());
    for DocumentWrite { merged, based_on } in writes {
        let check: u64 = rand::random();
        log.execute(params![
            to_sql(check),
            merged.doc_id,
            device_id,
            now_ms,
            pushed_by.user_id,
            merged.new_changes.concat(),
            based_on.map(to_sql),
        ])?;
        let seq = tx.last_insert_rowid();
        let last_device = merged.device_is_up_to_date.then_some(device_id);
        let address = &merged.registration.address;
        document.execute(params![
            merged.doc_id,
            merged.bytes,
            &merged.seal[..],
            seq,
            to_sql(check),
            last_device,
            now_ms,
            address.regency,
            address.district,
            address.village,
            merged.registration.registered_by,
        ])?;
        positions.push(Cursor {
            seq: from_sql(seq),
            check,
            scope: 0,
        });
    }
    Ok(positions)
}

/// The rowid and name of a document's projection row, if it has one.
pub(crate) fn projected_name(
    tx: &Connection,
    doc_id: &str,
) -> rusqlite::Result<Option<(i64, String)>> {
    tx.prepare_cached("SELECT rowid, full_name FROM registrations WHERE id = ?1")?
        .query_row([doc_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()
}

/// Writes a document's projection row as of change-log position `seq`, written at
/// `updated_at`, and returns its rowid. Run by the projector, inside its transaction
/// (which also keeps the full-text index of names in step).
pub(crate) fn project(
    tx: &Connection,
    doc_id: &str,
    registration: &Registration,
    seq: u64,
    updated_at: i64,
) -> rusqlite::Result<i64> {
    let mut projection = tx.prepare_cached(
        "INSERT INTO registrations (id, regency, district, village, full_name, nik, gender,
           birth_date, programmes, status, registered_by, device_id, created_at, updated_at,
           seq, duplicate_of, deleted, birth_place, phone, steps, outcomes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
           ?18, ?19, ?20, ?21)
         ON CONFLICT (id) DO UPDATE SET regency = excluded.regency,
           district = excluded.district, village = excluded.village,
           full_name = excluded.full_name, nik = excluded.nik, gender = excluded.gender,
           birth_date = excluded.birth_date, programmes = excluded.programmes,
           status = excluded.status, updated_at = excluded.updated_at, seq = excluded.seq,
           duplicate_of = excluded.duplicate_of, deleted = excluded.deleted,
           birth_place = excluded.birth_place, phone = excluded.phone,
           steps = excluded.steps, outcomes = excluded.outcomes
         RETURNING rowid",
    )?;
    let p = ProjectedColumns::of(registration);
    projection.query_row(
        params![
            doc_id,
            p.regency,
            p.district,
            p.village,
            p.full_name,
            p.nik,
            p.gender,
            p.birth_date,
            p.programmes,
            p.status,
            p.registered_by,
            p.device_id,
            p.created_at,
            updated_at,
            to_sql(seq),
            p.duplicate_of,
            p.deleted,
            p.birth_place,
            p.phone,
            p.steps,
            p.outcomes,
        ],
        |row| row.get(0),
    )
}

/// The receipts of a document's writes, newest first: the chain of its change-log rows
/// from `documents.seq` back through `prev_seq` (primary-key lookups), as far as rows
/// carry receipts.
pub(crate) fn received_changes(
    conn: &Connection,
    doc_id: &str,
) -> rusqlite::Result<Vec<ReceivedChanges>> {
    let mut statement = conn.prepare_cached(
        "WITH RECURSIVE chain (seq) AS (
             SELECT seq FROM documents WHERE id = ?1
             UNION ALL
             SELECT log.prev_seq FROM change_log log JOIN chain ON log.seq = chain.seq
             WHERE log.doc_id = ?1 AND log.changes IS NOT NULL
               AND log.prev_seq IS NOT NULL
         )
         SELECT log.changes, log.user_id, u.display_name, log.device_id, log.at
         FROM chain JOIN change_log log ON log.seq = chain.seq
         LEFT JOIN users u ON u.id = log.user_id
         WHERE log.doc_id = ?1 AND log.changes IS NOT NULL AND log.user_id IS NOT NULL
         ORDER BY log.seq DESC",
    )?;
    let rows = statement.query_map([doc_id], |row| {
        let changes: Vec<u8> = row.get(0)?;
        Ok(ReceivedChanges {
            hashes: change_hashes(&changes),
            receipt: Receipt {
                pushed_by_id: row.get(1)?,
                pushed_by_name: row.get(2)?,
                pushed_from_device: row.get(3)?,
                received_at: row.get(4)?,
            },
        })
    })?;
    rows.collect()
}

pub(crate) fn cursor_is_known(conn: &Connection, cursor: Cursor) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM change_log WHERE seq = ?1 AND check_value = ?2")?
        .query_row(
            params![to_sql(cursor.seq), to_sql(cursor.check)],
            |_| Ok(()),
        )
        .optional()
        .map(|found| found.is_some())
}

pub(crate) fn changed_documents(
    conn: &Connection,
    query: &PullQuery,
) -> rusqlite::Result<ChangedPage> {
    let query_sql = query.statement(Dialect::Sqlite);
    let mut statement = conn.prepare_cached(&query_sql.sql)?;
    let mut rows = statement.query(params_from_iter(values(&query_sql)))?;
    let (mut docs, mut bytes, mut cut) = (Vec::new(), 0, false);
    while let Some(row) = rows.next()? {
        // Rows are read one at a time: stop once the page holds enough bytes.
        if bytes >= query.max_bytes {
            cut = true;
            break;
        }
        let doc = ChangedDocument {
            doc_id: row.get(0)?,
            position: Cursor {
                seq: from_sql(row.get(1)?),
                check: from_sql(row.get(2)?),
                scope: 0,
            },
            bytes: row.get(3)?,
            seal: seal_from_sql(row.get(4)?),
        };
        bytes += doc.bytes.as_ref().map_or(0, Vec::len);
        docs.push(doc);
    }
    drop(rows);
    let more = cut || docs.len() > query.limit;
    docs.truncate(query.limit);
    Ok(ChangedPage {
        docs,
        more,
        head: head_position(conn)?,
    })
}

/// The change log's last position.
pub(crate) fn head_position(conn: &Connection) -> rusqlite::Result<Option<Cursor>> {
    conn.prepare_cached("SELECT seq, check_value FROM change_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |row| {
            Ok(Cursor {
                seq: from_sql(row.get(0)?),
                check: from_sql(row.get(1)?),
                scope: 0,
            })
        })
        .optional()
}

fn seal_from_sql(bytes: Vec<u8>) -> Seal {
    let mut seal = Seal::default();
    if bytes.len() == seal.len() {
        seal.copy_from_slice(&bytes);
    }
    seal
}

pub(crate) fn registration_count(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT COUNT(*) FROM registrations", [], |row| {
        row.get::<_, i64>(0)
    })
    .map(from_sql)
}
