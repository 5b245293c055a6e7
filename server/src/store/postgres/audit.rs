//! The audit trail's SQL on PostgreSQL (`crate::store::audit`).

use deadpool_postgres::Client;
use jemput_shared::api::audit::AuditEntry;

use super::read_rows;
use crate::store::audit::{audit_statement, AuditQuery, AuditRow, NewAuditEntry, INSERT_COLUMNS};
use crate::store::sql::Dialect;
use crate::store::StoreError;

pub(super) async fn append(client: &Client, entry: &NewAuditEntry) -> Result<(), StoreError> {
    let statement = client
        .prepare_cached(&format!(
            "INSERT INTO audit_log ({INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .await?;
    client
        .execute(
            &statement,
            &[
                &entry.at,
                &entry.user_id,
                &entry.username,
                &entry.action.code(),
                &entry.target,
                &entry.nik_key,
                &entry.detail,
                &entry.client,
            ],
        )
        .await?;
    Ok(())
}

pub(super) async fn entries(
    client: &Client,
    query: &AuditQuery,
) -> Result<Vec<AuditEntry>, StoreError> {
    let statement = audit_statement(Dialect::Postgres, query);
    read_rows(client, &statement, AuditRow::read)
        .await?
        .into_iter()
        .map(AuditRow::entry)
        .collect()
}

pub(super) async fn prune(client: &Client, before_ms: i64) -> Result<u64, StoreError> {
    Ok(client
        .execute("DELETE FROM audit_log WHERE at < $1", &[&before_ms])
        .await?)
}
