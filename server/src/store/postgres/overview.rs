//! SQL for the overview and the targets (migration `0004_overview`): tallies read from
//! the aggregate tables the projection's trigger keeps, officers' newest syncs, and the
//! yearly targets.

use deadpool_postgres::Client;
use jemput_shared::policy::Role;

use super::{read_rows, read_snapshot};
use crate::store::sql::Dialect;
use crate::store::supervision::{
    device_sync_ages_statement, tallies_statements, DayTally, DeviceSyncAges, OutcomeTally,
    RegencyScope, StatusTally, Tallies, Target,
};
use crate::store::StoreError;

pub(super) async fn tallies(
    client: &mut Client,
    scope: &RegencyScope,
    from_day: i64,
) -> Result<Tallies, StoreError> {
    let [by_status, by_day, outcomes] = tallies_statements(Dialect::Postgres, scope, from_day);
    // One snapshot for every read.
    let tx = read_snapshot(client).await?;
    let by_status = read_rows(&tx, &by_status, StatusTally::read).await?;
    let by_day = read_rows(&tx, &by_day, DayTally::read).await?;
    let outcomes = read_rows(&tx, &outcomes, OutcomeTally::read).await?;
    tx.commit().await?;
    Ok(Tallies {
        by_status,
        by_day,
        outcomes,
    })
}

pub(super) async fn officer_last_syncs(
    client: &Client,
) -> Result<Vec<(String, Option<i64>)>, StoreError> {
    let statement = client
        .prepare_cached(
            "SELECT u.id, MAX(d.last_sync_at) FROM users u
             LEFT JOIN devices d ON d.user_id = u.id
             WHERE u.role = $1 AND NOT u.disabled
             GROUP BY u.id",
        )
        .await?;
    client
        .query(&statement, &[&Role::Officer.code()])
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

/// One row: see [`device_sync_ages_statement`].
pub(super) async fn device_sync_ages(
    client: &Client,
    cutoffs: [i64; 4],
) -> Result<DeviceSyncAges, StoreError> {
    let statement = device_sync_ages_statement(Dialect::Postgres, cutoffs);
    let mut rows = read_rows(client, &statement, DeviceSyncAges::read).await?;
    Ok(rows.pop().unwrap_or_default())
}

/// `pg_database_size` of the database this store is connected to.
pub(super) async fn database_size(client: &Client) -> Result<u64, StoreError> {
    let row = client
        .query_one("SELECT pg_database_size(current_database())", &[])
        .await?;
    let bytes: i64 = row.try_get(0)?;
    Ok(bytes.max(0) as u64)
}

/// `None` is stored as '' (a primary key cannot hold NULL).
fn to_column(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

fn from_column(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

pub(super) async fn list_targets(client: &Client) -> Result<Vec<Target>, StoreError> {
    let statement = client
        .prepare_cached(
            "SELECT regency, programme, stage, yearly FROM targets
             ORDER BY regency COLLATE \"C\", programme COLLATE \"C\", stage COLLATE \"C\"",
        )
        .await?;
    client
        .query(&statement, &[])
        .await?
        .iter()
        .map(|row| {
            Ok(Target {
                regency: from_column(row.try_get(0)?),
                programme: from_column(row.try_get(1)?),
                stage: row.try_get(2)?,
                yearly: row.try_get(3)?,
            })
        })
        .collect()
}

pub(super) async fn replace_targets(
    client: &mut Client,
    targets: &[Target],
) -> Result<(), StoreError> {
    let regencies: Vec<&str> = targets.iter().map(|t| to_column(&t.regency)).collect();
    let programmes: Vec<&str> = targets.iter().map(|t| to_column(&t.programme)).collect();
    let stages: Vec<&str> = targets.iter().map(|t| t.stage.as_str()).collect();
    let yearly: Vec<i64> = targets.iter().map(|t| t.yearly).collect();
    let tx = client.transaction().await?;
    tx.execute("DELETE FROM targets", &[]).await?;
    tx.execute(
        "INSERT INTO targets (regency, programme, stage, yearly)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[])",
        &[&regencies, &programmes, &stages, &yearly],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
