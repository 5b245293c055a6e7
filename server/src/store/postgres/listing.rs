//! The registrations table and exports in PostgreSQL: runs the SQL that
//! [`crate::store::listing`] builds. A page and its count share one snapshot; an export
//! reads its one statement through a portal, [`EXPORT_BATCH`] rows at a time, so neither
//! the server nor the client library ever holds more than a batch or two.

use deadpool_postgres::{Client, Pool};
use tokio_postgres::types::ToSql;
use tokio_postgres::{IsolationLevel, Row};

use crate::store::listing::{
    programmes_from_column, Dialect, ListedRegistration, ListingPage, PageRequest,
    RegistrationFilter, RegistrationOrder, SqlValue, Statement, EXPORT_BATCH,
};
use crate::store::StoreError;

pub(super) async fn list(
    client: &mut Client,
    filter: &RegistrationFilter,
    order: RegistrationOrder,
    page: PageRequest,
) -> Result<ListingPage, StoreError> {
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let query = Dialect::Postgres.page_query(filter, order, page);
    let rows = tx
        .query(query.sql.as_str(), &params(&query))
        .await?
        .iter()
        .map(read_row)
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
    sender: &tokio::sync::mpsc::Sender<Result<Vec<ListedRegistration>, StoreError>>,
) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let query = Dialect::Postgres.rows_query(filter, order);
    let statement = tx.prepare(&query.sql).await?;
    let portal = tx.bind(&statement, &params(&query)).await?;
    loop {
        let rows = tx.query_portal(&portal, EXPORT_BATCH as i32).await?;
        let last = rows.len() < EXPORT_BATCH;
        if !rows.is_empty() {
            let batch = rows.iter().map(read_row).collect::<Result<Vec<_>, _>>()?;
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

fn params(statement: &Statement) -> Vec<&(dyn ToSql + Sync)> {
    statement
        .params
        .iter()
        .map(|param| match param {
            SqlValue::Text(text) => text as &(dyn ToSql + Sync),
            SqlValue::Integer(number) => number as &(dyn ToSql + Sync),
        })
        .collect()
}

fn read_row(row: &Row) -> Result<ListedRegistration, StoreError> {
    Ok(ListedRegistration {
        id: row.try_get(0)?,
        full_name: row.try_get(1)?,
        nik: row.try_get(2)?,
        gender: row.try_get(3)?,
        birth_place: row.try_get(4)?,
        birth_date: row.try_get(5)?,
        phone: row.try_get(6)?,
        regency: row.try_get(7)?,
        district: row.try_get(8)?,
        village: row.try_get(9)?,
        programmes: programmes_from_column(row.try_get::<_, &str>(10)?),
        status: row.try_get(11)?,
        registered_by: row.try_get(12)?,
        created_at: row.try_get(13)?,
        updated_at: row.try_get(14)?,
        duplicate_of: row.try_get(15)?,
    })
}
