//! The registrations table and exports in SQLite: runs the SQL that
//! [`crate::store::listing`] builds on a reader connection.

use rusqlite::{params_from_iter, Connection};

use super::{read_rows, values};
use crate::store::listing::{
    ListingPage, PageRequest, RegistrationFilter, RegistrationOrder, EXPORT_BATCH,
};
use crate::store::projection::ProjectionRow;
use crate::store::sql::Dialect;
use crate::store::StoreError;

/// One page and the (capped) total, read in one snapshot.
pub(crate) fn list(
    conn: &mut Connection,
    filter: &RegistrationFilter,
    order: RegistrationOrder,
    page: PageRequest,
) -> Result<ListingPage, StoreError> {
    let tx = conn.transaction()?;
    let query = Dialect::Sqlite.page_query(filter, order, page);
    let rows = read_rows(&tx, &query, |row| ProjectionRow::read(row))?;
    let (total, total_is_exact) = match page.total_from_rows(rows.len()) {
        Some(total) => (total, true),
        None => {
            let count = Dialect::Sqlite.count_query(filter);
            let counted: i64 = tx
                .prepare_cached(&count.sql)?
                .query_row(params_from_iter(values(&count)), |row| row.get(0))?;
            page.total_from_count(counted as u64, rows.len())
        }
    };
    tx.commit()?;
    Ok(ListingPage {
        rows,
        total,
        total_is_exact,
    })
}

/// Reads every matching row in order and sends them in batches until the rows end or
/// the receiver is gone. Runs on a blocking thread; one statement, so one snapshot.
pub(crate) fn export(
    conn: &Connection,
    filter: &RegistrationFilter,
    order: RegistrationOrder,
    sender: &tokio::sync::mpsc::Sender<Result<Vec<ProjectionRow>, StoreError>>,
) -> Result<(), StoreError> {
    let query = Dialect::Sqlite.rows_query(filter, order);
    let mut statement = conn.prepare(&query.sql)?;
    let mut rows = statement.query(params_from_iter(values(&query)))?;
    let mut batch = Vec::with_capacity(EXPORT_BATCH);
    while let Some(row) = rows.next()? {
        batch.push(ProjectionRow::read(row)?);
        if batch.len() == EXPORT_BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(EXPORT_BATCH));
            if sender.blocking_send(Ok(full)).is_err() {
                // The client went away.
                return Ok(());
            }
        }
    }
    if !batch.is_empty() {
        let _ = sender.blocking_send(Ok(batch));
    }
    Ok(())
}
