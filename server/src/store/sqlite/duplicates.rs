//! SQL for the duplicates queue (migration `0004_overview`): registrations sharing a NIK
//! (`shared_nik_holders`, kept by the projection's triggers), the "different people"
//! verdicts, and projection rows to show.

use rusqlite::types::ToSql;
use rusqlite::{params, params_from_iter, Connection};

use super::overview::regency_condition;
use crate::store::supervision::{
    split_programmes, DuplicateVerdict, RegencyScope, RegistrationRow, SharedNikHolder,
};
use crate::store::StoreError;

pub(super) fn shared_nik_holders(
    conn: &mut Connection,
    scope: &RegencyScope,
    nik: Option<&str>,
) -> Result<Vec<SharedNikHolder>, StoreError> {
    let (condition, regencies) = regency_condition(scope, "regency");
    let mut params: Vec<&dyn ToSql> = regencies.iter().map(|r| r as &dyn ToSql).collect();
    let nik_condition = match &nik {
        Some(nik) => {
            params.push(nik);
            "AND nik = ?"
        }
        None => "",
    };
    let rows = conn
        .prepare_cached(&format!(
            "SELECT nik, id, created_at FROM shared_nik_holders
             WHERE {condition} {nik_condition}
             ORDER BY nik, id"
        ))?
        .query_map(params.as_slice(), |row| {
            Ok(SharedNikHolder {
                nik: row.get(0)?,
                id: row.get(1)?,
                created_at: row.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(super) fn duplicate_verdicts(
    conn: &mut Connection,
    nik: Option<&str>,
) -> Result<Vec<DuplicateVerdict>, StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT v.nik, v.members, v.decided_by, v.decided_at
             FROM duplicate_verdicts v JOIN nik_counts c ON c.nik = v.nik
             WHERE c.n >= 2 AND (?1 IS NULL OR v.nik = ?1)",
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
) -> Result<Vec<RegistrationRow>, StoreError> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let placeholders = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "SELECT r.id, r.full_name, r.nik, r.gender, r.birth_date, r.regency, r.district,
                    r.village, r.programmes, r.status, r.registered_by,
                    COALESCE(u.display_name, ''), r.created_at, r.updated_at, r.duplicate_of
             FROM registrations r LEFT JOIN users u ON u.id = r.registered_by
             WHERE r.id IN ({placeholders})"
        );
        let mut statement = conn.prepare_cached(&sql)?;
        let found = statement.query_map(params_from_iter(chunk.iter()), |row| {
            let programmes: String = row.get(8)?;
            Ok(RegistrationRow {
                id: row.get(0)?,
                full_name: row.get(1)?,
                nik: row.get(2)?,
                gender: row.get(3)?,
                birth_date: row.get(4)?,
                regency: row.get(5)?,
                district: row.get(6)?,
                village: row.get(7)?,
                programmes: split_programmes(&programmes),
                status: row.get(9)?,
                registered_by: row.get(10)?,
                officer_name: row.get(11)?,
                created_at: row.get(12)?,
                updated_at: row.get(13)?,
                duplicate_of: row.get(14)?,
            })
        })?;
        for row in found {
            rows.push(row?);
        }
    }
    Ok(rows)
}
