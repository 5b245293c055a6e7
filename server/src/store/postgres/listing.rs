//! The registrations table and exports in PostgreSQL: runs the SQL that
//! [`crate::store::listing`] builds. A page and its count share one snapshot; an export
//! reads its one statement through a portal, [`EXPORT_BATCH`] rows at a time, so neither
//! the server nor the client library ever holds more than a batch or two.

use super::{params, read_snapshot};
use crate::store::listing::{
    ListingPage, PageRequest, RegistrationFilter, RegistrationOrder, EXPORT_BATCH,
};
use crate::store::projection::ProjectionRow;
use crate::store::sql::Dialect;
use crate::store::StoreError;
use deadpool_postgres::{Client, Pool};

pub(super) async fn list(
    client: &mut Client,
    filter: &RegistrationFilter,
    order: RegistrationOrder,
    page: PageRequest,
) -> Result<ListingPage, StoreError> {
    let tx = read_snapshot(client).await?;
    let query = Dialect::Postgres.page_query(filter, order, page);
    let rows = tx
        .query(query.sql.as_str(), &params(&query))
        .await?
        .iter()
        .map(ProjectionRow::read)
        .collect::<Result<Vec<_>, _>>()?;
    let (total, total_is_exact) = match page.total_from_rows(rows.len()) {
        Some(total) => (total, true),
        None => {
            let count = Dialect::Postgres.count_query(filter);
            let counted: i64 = tx
                .query_one(count.sql.as_str(), &params(&count))
                .await?
                .try_get(0)?;
            page.total_from_count(counted.max(0) as u64, rows.len())
        }
    };
    tx.commit().await?;
    Ok(ListingPage {
        rows,
        total,
        total_is_exact,
    })
}

/// Reads every matching row in order and sends them in batches until the rows end or
/// the receiver is gone.
pub(super) async fn export(
    pool: &Pool,
    filter: &RegistrationFilter,
    order: RegistrationOrder,
    sender: &tokio::sync::mpsc::Sender<Result<Vec<ProjectionRow>, StoreError>>,
) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    let tx = read_snapshot(&mut client).await?;
    let query = Dialect::Postgres.rows_query(filter, order);
    let statement = tx.prepare(&query.sql).await?;
    let portal = tx.bind(&statement, &params(&query)).await?;
    loop {
        let rows = tx.query_portal(&portal, EXPORT_BATCH as i32).await?;
        let last = rows.len() < EXPORT_BATCH;
        if !rows.is_empty() {
            let batch = rows
                .iter()
                .map(ProjectionRow::read)
                .collect::<Result<Vec<_>, _>>()?;
            if sender.send(Ok(batch)).await.is_err() {
                // The client went away.
                return Ok(());
            }
        }
        if last {
            break;
        }
    }
    tx.commit().await?;
    Ok(())
}
