//! SQL for the overview and the targets (migration `0004_overview`): tallies read from
//! the aggregate tables the projection's triggers keep, officers' newest syncs, and the
//! yearly targets.

use rusqlite::types::ToSql;
use rusqlite::{params, Connection, TransactionBehavior};

use crate::store::supervision::{DayTally, RegencyScope, StatusTally, Tallies, Target};
use crate::store::StoreError;

/// `regency IN (…)` for a scope, and its parameters.
pub(super) fn regency_condition(scope: &RegencyScope, column: &str) -> (String, Vec<String>) {
    match scope {
        RegencyScope::All => ("1 = 1".into(), vec![]),
        RegencyScope::Only(regencies) if regencies.is_empty() => ("1 = 0".into(), vec![]),
        RegencyScope::Only(regencies) => (
            format!("{column} IN ({})", vec!["?"; regencies.len()].join(",")),
            regencies.clone(),
        ),
    }
}

pub(super) fn tallies(
    conn: &mut Connection,
    scope: &RegencyScope,
    from_day: i64,
) -> Result<Tallies, StoreError> {
    // One snapshot for both reads.
    let tx = conn.transaction()?;
    let (condition, regencies) = regency_condition(scope, "regency");
    let scope_params: Vec<&dyn ToSql> = regencies.iter().map(|r| r as &dyn ToSql).collect();
    let by_status = tx
        .prepare_cached(&format!(
            "SELECT regency, programme, status, n FROM registration_totals
             WHERE n <> 0 AND {condition}"
        ))?
        .query_map(scope_params.as_slice(), |row| {
            Ok(StatusTally {
                regency: row.get(0)?,
                programme: row.get(1)?,
                status: row.get(2)?,
                n: row.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut day_params = scope_params;
    day_params.push(&from_day);
    let by_day = tx
        .prepare_cached(&format!(
            "SELECT regency, day, programme, n FROM registration_days
             WHERE n <> 0 AND {condition} AND day >= ?"
        ))?
        .query_map(day_params.as_slice(), |row| {
            Ok(DayTally {
                regency: row.get(0)?,
                day: row.get(1)?,
                programme: row.get(2)?,
                n: row.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    tx.commit()?;
    Ok(Tallies { by_status, by_day })
}

pub(super) fn officer_last_syncs(
    conn: &mut Connection,
) -> Result<Vec<(String, Option<i64>)>, StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT u.id, MAX(d.last_sync_at) FROM users u
             LEFT JOIN devices d ON d.user_id = u.id
             WHERE u.role = 'officer' AND u.disabled = 0
             GROUP BY u.id",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
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
            "SELECT regency, programme, yearly FROM targets ORDER BY regency, programme",
        )?
        .query_map([], |row| {
            Ok(Target {
                regency: from_column(row.get(0)?),
                programme: from_column(row.get(1)?),
                yearly: row.get(2)?,
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
            "INSERT INTO targets (regency, programme, yearly) VALUES (?1, ?2, ?3)",
        )?;
        for target in targets {
            insert.execute(params![
                to_column(&target.regency),
                to_column(&target.programme),
                target.yearly
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}
