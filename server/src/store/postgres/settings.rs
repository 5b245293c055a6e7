//! SQL for server settings: a small key–value table (migration `0001_accounts`) for values
//! that must survive restarts and travel with a backup, such as the seal key.

use deadpool_postgres::Client;

use crate::store::StoreError;

/// The stored value, or `initial` stored now. Two instances starting at once agree: the
/// insert that loses the race does nothing, and both read the winner's value.
pub(super) async fn get_or_insert(
    client: &Client,
    key: &str,
    initial: &str,
) -> Result<String, StoreError> {
    client
        .execute(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            &[&key, &initial],
        )
        .await?;
    let row = client
        .query_one("SELECT value FROM settings WHERE key = $1", &[&key])
        .await?;
    Ok(row.get(0))
}
