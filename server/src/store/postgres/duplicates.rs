//! SQL for the duplicates queue (migration `0004_overview`): registrations sharing a NIK
//! (`shared_nik_holders`, kept by the projection's trigger), the "different people"
//! verdicts, and projection rows to show.

use deadpool_postgres::Client;

use super::overview::scope_params;
use crate::store::supervision::{
    split_programmes, DuplicateVerdict, RegencyScope, RegistrationRow, SharedNikHolder,
};
use crate::store::StoreError;

pub(super) async fn shared_nik_holders(
    client: &Client,
    scope: &RegencyScope,
    nik: Option<&str>,
) -> Result<Vec<SharedNikHolder>, StoreError> {
    let (all, regencies) = scope_params(scope);
    let statement = client
        .prepare_cached(
            "SELECT nik, id, created_at FROM shared_nik_holders
             WHERE ($1 OR regency = ANY($2)) AND ($3::text IS NULL OR nik = $3)
             ORDER BY nik COLLATE \"C\", id COLLATE \"C\"",
        )
        .await?;
    client
        .query(&statement, &[&all, &regencies, &nik])
        .await?
        .iter()
        .map(|row| {
            Ok(SharedNikHolder {
                nik: row.try_get(0)?,
                id: row.try_get(1)?,
                created_at: row.try_get(2)?,
            })
        })
        .collect()
}

pub(super) async fn duplicate_verdicts(
    client: &Client,
    nik: Option<&str>,
) -> Result<Vec<DuplicateVerdict>, StoreError> {
    let statement = client
        .prepare_cached(
            "SELECT v.nik, v.members, v.decided_by, v.decided_at
             FROM duplicate_verdicts v JOIN nik_counts c ON c.nik = v.nik
             WHERE c.n >= 2 AND ($1::text IS NULL OR v.nik = $1)",
        )
        .await?;
    client
        .query(&statement, &[&nik])
        .await?
        .iter()
        .map(|row| {
            let members: String = row.try_get(1)?;
            Ok(DuplicateVerdict::from_key(
                row.try_get(0)?,
                &members,
                row.try_get(2)?,
                row.try_get(3)?,
            ))
        })
        .collect()
}

pub(super) async fn record_duplicate_verdict(
    client: &Client,
    verdict: &DuplicateVerdict,
) -> Result<(), StoreError> {
    let statement = client
        .prepare_cached(
            "INSERT INTO duplicate_verdicts (nik, members, decided_by, decided_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (nik, members) DO NOTHING",
        )
        .await?;
    client
        .execute(
            &statement,
            &[
                &verdict.nik,
                &DuplicateVerdict::members_key(&verdict.members),
                &verdict.decided_by,
                &verdict.decided_at,
            ],
        )
        .await?;
    Ok(())
}

pub(super) async fn registration_rows(
    client: &Client,
    ids: &[String],
) -> Result<Vec<RegistrationRow>, StoreError> {
    let statement = client
        .prepare_cached(
            "SELECT r.id, r.full_name, r.nik, r.gender, r.birth_date, r.regency, r.district,
                    r.village, r.programmes, r.status, r.registered_by,
                    COALESCE(u.display_name, ''), r.created_at, r.updated_at, r.duplicate_of
             FROM registrations r LEFT JOIN users u ON u.id = r.registered_by
             WHERE r.id = ANY($1)",
        )
        .await?;
    client
        .query(&statement, &[&ids])
        .await?
        .iter()
        .map(|row| {
            let programmes: String = row.try_get(8)?;
            Ok(RegistrationRow {
                id: row.try_get(0)?,
                full_name: row.try_get(1)?,
                nik: row.try_get(2)?,
                gender: row.try_get(3)?,
                birth_date: row.try_get(4)?,
                regency: row.try_get(5)?,
                district: row.try_get(6)?,
                village: row.try_get(7)?,
                programmes: split_programmes(&programmes),
                status: row.try_get(9)?,
                registered_by: row.try_get(10)?,
                officer_name: row.try_get(11)?,
                created_at: row.try_get(12)?,
                updated_at: row.try_get(13)?,
                duplicate_of: row.try_get(14)?,
            })
        })
        .collect()
}
