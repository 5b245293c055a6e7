//! SQL for the duplicates queue (migration `0004_overview`): registrations sharing a NIK
//! (`shared_nik_holders`, kept by the projection's triggers), the "different people"
//! verdicts, and projection rows to show.

use rusqlite::{params, Connection};

use super::read_rows;
use crate::store::projection::{rows_by_id_statement, ProjectionRow};
use crate::store::sql::Dialect;
use crate::store::supervision::{
    people_after_statement, shared_nik_holders_statement, DuplicateVerdict, PersonRow,
    RegencyScope, SharedNikHolder,
};
use crate::store::StoreError;

pub(super) fn shared_nik_holders(
    conn: &mut Connection,
    scope: &RegencyScope,
    nik: Option<&str>,
) -> Result<Vec<SharedNikHolder>, StoreError> {
    let statement = shared_nik_holders_statement(Dialect::Sqlite, scope, nik);
    let rows = read_rows(conn, &statement, |row| SharedNikHolder::read(row))?;
    Ok(rows)
}

pub(super) fn duplicate_verdicts(
    conn: &mut Connection,
    nik: Option<&str>,
) -> Result<Vec<DuplicateVerdict>, StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT v.nik, v.members, v.decided_by, v.decided_at
             FROM duplicate_verdicts v
             WHERE EXISTS (SELECT 1 FROM shared_nik_holders h WHERE h.nik = v.nik)
               AND (?1 IS NULL OR v.nik = ?1)",
        )?
        .query_map([nik], |row| {
            let members: String = row.get(1)?;
            Ok(DuplicateVerdict::from_key(
                row.get(0)?,
                &members,
                row.get(2)?,
                row.get(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(super) fn record_duplicate_verdict(
    conn: &mut Connection,
    verdict: &DuplicateVerdict,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO duplicate_verdicts (nik, members, decided_by, decided_at)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (nik, members) DO NOTHING",
    )?
    .execute(params![
        verdict.nik,
        DuplicateVerdict::members_key(&verdict.members),
        verdict.decided_by,
        verdict.decided_at
    ])?;
    Ok(())
}

pub(super) fn registration_rows(
    conn: &mut Connection,
    ids: &[String],
) -> Result<Vec<ProjectionRow>, StoreError> {
    let mut rows = Vec::with_capacity(ids.len());
    // SQLite binds a list item by item, and a statement takes at most 32,766 parameters.
    for chunk in ids.chunks(500) {
        let statement = rows_by_id_statement(Dialect::Sqlite, chunk);
        rows.extend(read_rows(conn, &statement, |row| ProjectionRow::read(row))?);
    }
    Ok(rows)
}

pub(super) fn people_after(
    conn: &mut Connection,
    after: &str,
    limit: usize,
) -> Result<Vec<PersonRow>, StoreError> {
    let statement = people_after_statement(Dialect::Sqlite, after, limit);
    Ok(read_rows(conn, &statement, |row| PersonRow::read(row))?)
}
