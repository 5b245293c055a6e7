//! The database schema, as numbered SQL files in `migrations/` applied in order when the
//! store opens. `PRAGMA user_version` records how many are applied; each runs in its own
//! transaction together with the version bump, so a crash mid-way leaves the database at
//! the previous version, never half-migrated.
//!
//! To change the schema add a new file and list it here; never edit an applied one.

use rusqlite::{Connection, TransactionBehavior};

use crate::store::StoreError;

/// Migration `i` (0-based) takes the database from version `i` to `i + 1`.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_accounts",
        include_str!("migrations/0001_accounts.sql"),
    ),
    (
        "0002_documents",
        include_str!("migrations/0002_documents.sql"),
    ),
    ("0003_listing", include_str!("migrations/0003_listing.sql")),
    (
        "0004_overview",
        include_str!("migrations/0004_overview.sql"),
    ),
    (
        "0005_sessions",
        include_str!("migrations/0005_sessions.sql"),
    ),
    (
        "0006_change_receipts",
        include_str!("migrations/0006_change_receipts.sql"),
    ),
    (
        "0007_fewer_indexes",
        include_str!("migrations/0007_fewer_indexes.sql"),
    ),
    (
        "0008_background_projection",
        include_str!("migrations/0008_background_projection.sql"),
    ),
    (
        "0009_pull_scope_index",
        include_str!("migrations/0009_pull_scope_index.sql"),
    ),
    (
        "0010_one_nik_index",
        include_str!("migrations/0010_one_nik_index.sql"),
    ),
    (
        "0011_lost_devices",
        include_str!("migrations/0011_lost_devices.sql"),
    ),
    ("0012_audit", include_str!("migrations/0012_audit.sql")),
    (
        "0013_data_rights",
        include_str!("migrations/0013_data_rights.sql"),
    ),
    (
        "0014_outcomes",
        include_str!("migrations/0014_outcomes.sql"),
    ),
];

/// The schema version this server migrates to (`PRAGMA user_version` once migrated): a
/// backup or restore refuses a database at a later one.
pub(crate) const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to the latest schema. Refuses a database written by a newer
/// server: running old code on it could damage data the old code does not understand.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let known = LATEST_VERSION;
    if current > known {
        return Err(StoreError::Internal(format!(
            "the database schema is at version {current}, newer than this server knows \
             ({known}); run a newer jemput-server"
        )));
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = index as i64 + 1;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Internal(format!("migration {name} failed: {e}")))?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(migration = name, version, "applied database migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    #[test]
    fn the_overview_aggregates_are_backfilled_from_existing_registrations() {
        let mut conn = Connection::open_in_memory().unwrap();
        for (_, sql) in &MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute_batch(
            "INSERT INTO registrations (id, regency, district, village, full_name, nik, gender,
               birth_date, programmes, status, registered_by, device_id, created_at,
               updated_at, seq, duplicate_of, deleted)
             VALUES ('a', '17.01', '', '', '', '1', '', '', ',blk_training,', 'submitted',
                     '', '', 0, 0, 1, NULL, 0),
                    ('b', '17.01', '', '', '', '1', '', '', ',', 'verified', '', '', 0, 0, 2,
                     NULL, 0),
                    ('c', '17.01', '', '', '', '1', '', '', ',', 'verified', '', '', 0, 0, 3,
                     'a', 0);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let totals: Vec<(String, String, i64)> = conn
            .prepare("SELECT programme, status, n FROM registration_totals ORDER BY 1, 2")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            totals,
            [
                ("".into(), "submitted".into(), 1),
                ("".into(), "verified".into(), 1),
                ("blk_training".into(), "submitted".into(), 1)
            ]
        );
        let holders: i64 = conn
            .query_row("SELECT COUNT(*) FROM shared_nik_holders", [], |r| r.get(0))
            .unwrap();
        assert_eq!(holders, 2);
    }

    #[test]
    fn documents_get_the_scope_columns_of_their_projection_row_and_the_projection_is_current() {
        let conn = Connection::open_in_memory().unwrap();
        for (_, sql) in &MIGRATIONS[..7] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 7).unwrap();
        conn.execute_batch(
            "INSERT INTO change_log (seq, check_value, doc_id, at) VALUES (5, 0, 'a', 0);
             INSERT INTO documents (id, bytes, seal, seq, check_value, updated_at)
             VALUES ('a', x'', x'', 5, 0, 0);
             INSERT INTO registrations (id, regency, district, village, full_name, nik, gender,
               birth_date, programmes, status, registered_by, device_id, created_at,
               updated_at, seq, duplicate_of, deleted)
             VALUES ('a', '17.01', '17.01.02', '17.01.02.2003', '', '1', '', '', ',',
                     'submitted', 'officer-1', '', 0, 0, 5, NULL, 0);",
        )
        .unwrap();
        // Up to 0014, which projects everything again.
        for (_, sql) in &MIGRATIONS[7..13] {
            conn.execute_batch(sql).unwrap();
        }
        let scope: (String, String, String, String) = conn
            .query_row(
                "SELECT regency, district, village, registered_by FROM documents",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            scope,
            (
                "17.01".into(),
                "17.01.02".into(),
                "17.01.02.2003".into(),
                "officer-1".into()
            )
        );
        let projected: i64 = conn
            .query_row("SELECT projected_seq FROM projection_state", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(projected, 5);
    }

    #[test]
    fn targets_before_0014_count_registrations_and_everything_is_projected_again() {
        let mut conn = Connection::open_in_memory().unwrap();
        for (_, sql) in &MIGRATIONS[..13] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 13).unwrap();
        conn.execute_batch(
            "INSERT INTO targets (regency, programme, yearly) VALUES ('', '', 12000);
             UPDATE projection_state SET projected_seq = 7;",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let target: (String, i64) = conn
            .query_row("SELECT stage, yearly FROM targets", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(target, ("registered".into(), 12_000));
        let projected: i64 = conn
            .query_row("SELECT projected_seq FROM projection_state", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(projected, 0);
    }

    #[test]
    fn users_disabled_before_0005_lose_their_sessions_and_others_keep_theirs() {
        let mut conn = Connection::open_in_memory().unwrap();
        for (_, sql) in &MIGRATIONS[..4] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 4).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, username, display_name, role, password_hash, disabled,
               created_at)
             VALUES ('u1', 'siti', 'Siti', 'officer', 'h', 1, 0),
                    ('u2', 'budi', 'Budi', 'officer', 'h', 0, 0);
             INSERT INTO devices (id, user_id, token_hash, created_at, last_seen_at,
               revoked_at)
             VALUES ('d1', 'u1', x'01', 0, 0, NULL),
                    ('d2', 'u1', x'02', 0, 0, 5),
                    ('d3', 'u2', x'03', 0, 0, NULL);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let revoked: Vec<(String, Option<i64>)> = conn
            .prepare("SELECT id, revoked_at FROM devices ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            revoked[0].1.is_some_and(|at| at > 1_700_000_000_000),
            "{revoked:?}"
        );
        assert_eq!(revoked[1].1, Some(5), "an earlier revocation is kept");
        assert_eq!(revoked[2].1, None, "an enabled user keeps their sessions");
    }

    #[test]
    fn a_database_from_a_newer_server_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(migrate(&mut conn), Err(StoreError::Internal(_))));
    }
}
