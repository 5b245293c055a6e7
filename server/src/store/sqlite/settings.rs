//! SQL for server settings: a small key–value table (migration `0001_accounts`) for values
//! that must survive restarts and travel with a backup, such as the seal key.

use rusqlite::{params, Connection, TransactionBehavior};

use crate::store::StoreError;

pub(super) fn get_or_insert(
    conn: &mut Connection,
    key: &str,
    initial: &str,
) -> Result<String, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
        params![key, initial],
    )?;
    let value = tx.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
        r.get(0)
    })?;
    tx.commit()?;
    Ok(value)
}
