//! The PostgreSQL schema, as numbered SQL files in `migrations/` applied in order when the
//! store connects. Table `schema_migrations` records the applied ones. Each runs in its
//! own transaction together with its record, under a transaction-level advisory lock, so
//! several instances starting at once apply each migration exactly once and a crash
//! mid-way leaves the previous version, never a half-migrated database.
//!
//! To change the schema add a new file and list it here; never edit an applied one.

use deadpool_postgres::Pool;

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
        "0008_pull_scope_columns",
        include_str!("migrations/0008_pull_scope_columns.sql"),
    ),
    (
        "0009_background_projection",
        include_str!("migrations/0009_background_projection.sql"),
    ),
    (
        "0010_lost_devices",
        include_str!("migrations/0010_lost_devices.sql"),
    ),
    ("0011_audit", include_str!("migrations/0011_audit.sql")),
    (
        "0012_data_rights",
        include_str!("migrations/0012_data_rights.sql"),
    ),
    (
        "0013_outcomes",
        include_str!("migrations/0013_outcomes.sql"),
    ),
];

/// Held (per transaction) while migrating; any fixed number no other lock uses.
const MIGRATION_LOCK: i64 = 0x6a65_6d70_7574_0001;

/// Brings the database up to the latest schema. Refuses a database written by a newer
/// server: running old code on it could damage data the old code does not understand.
pub(super) async fn migrate(pool: &Pool) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    let exists: bool = client
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
        .await?
        .get(0);
    if !exists {
        client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                     version INTEGER PRIMARY KEY,
                     name TEXT NOT NULL,
                     applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                 )",
            )
            .await
            // Two instances creating it at once: one loses the race, harmlessly.
            .or_else(|e| match e.code() {
                Some(code) if *code == tokio_postgres::error::SqlState::UNIQUE_VIOLATION => Ok(()),
                _ => Err(e),
            })?;
    }
    let known = MIGRATIONS.len() as i32;
    loop {
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        let current: i32 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await?
            .get(0);
        if current > known {
            return Err(StoreError::Internal(format!(
                "the database schema is at version {current}, newer than this server knows \
                 ({known}); run a newer jemput-server"
            )));
        }
        if current == known {
            tx.commit().await?;
            return Ok(());
        }
        let (name, sql) = MIGRATIONS[current as usize];
        let version = current + 1;
        tx.batch_execute(sql)
            .await
            .map_err(|e| StoreError::Internal(format!("migration {name} failed: {e}")))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[&version, &name],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(migration = name, version, "applied database migration");
    }
}
