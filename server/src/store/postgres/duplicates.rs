//! SQL for the duplicates queue (migration `0004_overview`): registrations sharing a NIK
//! (`shared_nik_holders`, kept by the projection's trigger), the "different people"
//! verdicts, and projection rows to show.

use deadpool_postgres::Client;

use super::read_rows;
use crate::store::projection::{rows_by_id_statement, ProjectionRow};
use crate::store::sql::Dialect;
use crate::store::supervision::{
    people_after_statement, shared_nik_holders_statement, DuplicateVerdict, PersonRow,
    RegencyScope, SharedNikHolder,
};
use crate::store::StoreError;

pub(super) async fn shared_nik_holders(
    client: &Client,
    scope: &RegencyScope,
    nik: Option<&str>,
) -> Result<Vec<SharedNikHolder>, StoreError> {
    let statement = shared_nik_holders_statement(Dialect::Postgres, scope, nik);
    read_rows(client, &statement, SharedNikHolder::read).await
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
) -> Result<Vec<ProjectionRow>, StoreError> {
    let statement = rows_by_id_statement(Dialect::Postgres, ids);
    read_rows(client, &statement, ProjectionRow::read).await
}

pub(super) async fn people_after(
    client: &Client,
    after: &str,
    limit: usize,
) -> Result<Vec<PersonRow>, StoreError> {
    let statement = people_after_statement(Dialect::Postgres, after, limit);
    read_rows(client, &statement, PersonRow::read).await
}
