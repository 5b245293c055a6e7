//! The registrations table and exports in SQLite: runs the SQL that
//! [`crate::store::listing`] builds on a reader connection.

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, Row};

use crate::store::listing::{
    programmes_from_column, Dialect, ListedRegistration, ListingPage, PageRequest,
    RegistrationFilter, RegistrationOrder, SqlValue, Statement, EXPORT_BATCH,
};
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
    let rows = tx
        .prepare_cached(&query.sql)?
        .query_map(params_from_iter(values(&query)), read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
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
    sender: &tokio::sync::mpsc::Sender<Result<Vec<ListedRegistration>, StoreError>>,
) -> Result<(), StoreError> {
    let query = Dialect::Sqlite.rows_query(filter, order);
    let mut statement = conn.prepare(&query.sql)?;
    let mut rows = statement.query(params_from_iter(values(&query)))?;
    let mut batch = Vec::with_capacity(EXPORT_BATCH);
    while let Some(row) = rows.next()? {
        batch.push(read_row(row)?);
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

fn values(statement: &Statement) -> impl Iterator<Item = Value> + '_ {
    statement.params.iter().map(|param| match param {
        SqlValue::Text(text) => Value::Text(text.clone()),
        SqlValue::Integer(number) => Value::Integer(*number),
    })
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<ListedRegistration> {
    Ok(ListedRegistration {
        id: row.get(0)?,
        full_name: row.get(1)?,
        nik: row.get(2)?,
        gender: row.get(3)?,
        birth_place: row.get(4)?,
        birth_date: row.get(5)?,
        phone: row.get(6)?,
        regency: row.get(7)?,
        district: row.get(8)?,
        village: row.get(9)?,
        programmes: programmes_from_column(&row.get::<_, String>(10)?),
        status: row.get(11)?,
        registered_by: row.get(12)?,
        created_at: row.get(13)?,
        updated_at: row.get(14)?,
        duplicate_of: row.get(15)?,
    })
}
