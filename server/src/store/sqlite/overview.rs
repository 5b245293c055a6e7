//! SQL for the overview and the targets (migration `0004_overview`): tallies read from
//! the aggregate tables the projection's triggers keep, officers' newest syncs, and the
//! yearly targets.

use jemput_shared::policy::Role;
use rusqlite::{params, Connection, TransactionBehavior};

use super::read_rows;
use crate::store::sql::Dialect;
use crate::store::supervision::{
    device_sync_ages_statement, tallies_statements, DayTally, DeviceSyncAges, OutcomeTally,
    RegencyScope, StatusTally, Tallies, Target,
};
use crate::store::StoreError;

pub(super) fn tallies(
    conn: &mut Connection,
    scope: &RegencyScope,
    from_day: i64,
) -> Result<Tallies, StoreError> {
    // One snapshot for every read.
    let tx = conn.transaction()?;
    let [by_status, by_day, outcomes] = tallies_statements(Dialect::Sqlite, scope, from_day);
    let by_status = read_rows(&tx, &by_status, |row| StatusTally::read(row))?;
    let by_day = read_rows(&tx, &by_day, |row| DayTally::read(row))?;
    let outcomes = read_rows(&tx, &outcomes, |row| OutcomeTally::read(row))?;
    tx.commit()?;
    Ok(Tallies {
        by_status,
        by_day,
        outcomes,
    })
}

pub(super) fn officer_last_syncs(
    conn: &mut Connection,
) -> Result<Vec<(String, Option<i64>)>, StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT u.id, MAX(d.last_sync_at) FROM users u
             LEFT JOIN devices d ON d.user_id = u.id
             WHERE u.role = ?1 AND u.disabled = 0
             GROUP BY u.id",
        )?
        .query_map([Role::Officer.code()], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// One row: see [`device_sync_ages_statement`].
pub(super) fn device_sync_ages(
    conn: &mut Connection,
    cutoffs: [i64; 4],
) -> Result<DeviceSyncAges, StoreError> {
    let statement = device_sync_ages_statement(Dialect::Sqlite, cutoffs);
    let mut rows = read_rows(conn, &statement, |row| DeviceSyncAges::read(row))?;
    Ok(rows.pop().unwrap_or_default())
}

/// `None` is stored as '' (a primary key cannot hold NULL twice as "the same").
fn to_column(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

fn from_column(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

pub(super) fn list_targets(conn: &mut Connection) -> Result<Vec<Target>, StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT regency, programme, stage, yearly FROM targets
             ORDER BY regency, programme, stage",
        )?
        .query_map([], |row| {
            Ok(Target {
                regency: from_column(row.get(0)?),
                programme: from_column(row.get(1)?),
                stage: row.get(2)?,
                yearly: row.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(super) fn replace_targets(conn: &mut Connection, targets: &[Target]) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute("DELETE FROM targets", [])?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO targets (regency, programme, stage, yearly) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for target in targets {
            insert.execute(params![
                to_column(&target.regency),
                to_column(&target.programme),
                target.stage,
                target.yearly
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}
