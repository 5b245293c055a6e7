//! SQL for the official region list (table `regions` of migration `0001_accounts`).

use deadpool_postgres::Client;

use crate::store::{Region, StoreError};

/// The level name stored beside each code; derived from the code's shape.
fn level_of(code: &str) -> &'static str {
    match code.matches('.').count() {
        1 => "regency",
        2 => "district",
        _ => "village",
    }
}

/// Replaces the whole list in one transaction, with one insert for all rows.
pub(super) async fn replace(client: &mut Client, regions: &[Region]) -> Result<(), StoreError> {
    let codes: Vec<&str> = regions.iter().map(|r| r.code.as_str()).collect();
    let levels: Vec<&str> = regions.iter().map(|r| level_of(&r.code)).collect();
    let parents: Vec<Option<&str>> = regions.iter().map(|r| r.parent.as_deref()).collect();
    let names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    let tx = client.transaction().await?;
    tx.execute("DELETE FROM regions", &[]).await?;
    tx.execute(
        "INSERT INTO regions (code, level, parent, name)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[])",
        &[&codes, &levels, &parents, &names],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn list(client: &Client) -> Result<Vec<Region>, StoreError> {
    let rows = client
        .query(
            "SELECT code, parent, name FROM regions ORDER BY code COLLATE \"C\"",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| Region {
            code: row.get(0),
            parent: row.get(1),
            name: row.get(2),
        })
        .collect())
}
