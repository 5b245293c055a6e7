//! The audit trail's SQL on PostgreSQL (`crate::store::audit`).

use deadpool_postgres::Client;
use jemput_shared::api::audit::AuditEntry;

use super::read_rows;
use futures_util::TryStreamExt;

use crate::export_members::filter_holds;
use crate::store::audit::{
    audit_statement, AuditQuery, AuditRow, NewAuditEntry, EXPORTS_WITH_MEMBERS, INSERT_COLUMNS,
};
use crate::store::sql::Dialect;
use crate::store::StoreError;

pub(super) async fn append(client: &Client, entry: &NewAuditEntry) -> Result<(), StoreError> {
    let statement = client
        .prepare_cached(&format!(
            "INSERT INTO audit_log ({INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
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
                &entry.members,
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

/// The export entries whose people (probably) include the one with `digest`, streamed
/// row by row.
pub(super) async fn exports_holding(
    client: &Client,
    digest: u64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let statement = client.prepare_cached(EXPORTS_WITH_MEMBERS).await?;
    let rows = client
        .query_raw(&statement, std::iter::empty::<i64>())
        .await?;
    futures_util::pin_mut!(rows);
    let mut found = Vec::new();
    while let Some(row) = rows.try_next().await? {
        let members: Vec<u8> = row.try_get(8)?;
        if filter_holds(&members, digest) {
            found.push(AuditRow::read(&row)?.entry()?);
        }
    }
    Ok(found)
}

pub(super) async fn prune(client: &Client, before_ms: i64) -> Result<u64, StoreError> {
    Ok(client
        .execute("DELETE FROM audit_log WHERE at < $1", &[&before_ms])
        .await?)
}
