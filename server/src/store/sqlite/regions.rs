//! SQL for the official region list (table `regions` of migration `0001_accounts`).

use rusqlite::{params, Connection, TransactionBehavior};

use crate::store::{Region, StoreError};

/// The level name stored beside each code; derived from the code's shape.
fn level_of(code: &str) -> &'static str {
    match code.matches('.').count() {
        1 => "regency",
        2 => "district",
        _ => "village",
    }
}

pub(super) fn replace(conn: &mut Connection, regions: &[Region]) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute("DELETE FROM regions", [])?;
    {
        let mut insert =
            tx.prepare("INSERT INTO regions (code, level, parent, name) VALUES (?1, ?2, ?3, ?4)")?;
        for region in regions {
            insert.execute(params![
                region.code,
                level_of(&region.code),
                region.parent,
                region.name
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

pub(super) fn list(conn: &mut Connection) -> Result<Vec<Region>, StoreError> {
    let mut stmt = conn.prepare("SELECT code, parent, name FROM regions ORDER BY code")?;
    let regions = stmt
        .query_map([], |row| {
            Ok(Region {
                code: row.get(0)?,
                parent: row.get(1)?,
                name: row.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(regions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::migrations::migrate;

    fn region(code: &str, parent: Option<&str>, name: &str) -> Region {
        Region {
            code: code.into(),
            parent: parent.map(Into::into),
            name: name.into(),
        }
    }

    #[test]
    fn a_new_list_replaces_the_old_one_entirely() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        replace(&mut conn, &[region("17.02", None, "Rejang Lebong")]).unwrap();
        let list_b = vec![
            region("17.01", None, "Bengkulu Selatan"),
            region("17.01.01", Some("17.01"), "Kedurang"),
        ];
        replace(&mut conn, &list_b).unwrap();
        assert_eq!(list(&mut conn).unwrap(), list_b);
        let level: String = conn
            .query_row(
                "SELECT level FROM regions WHERE code = '17.01.01'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(level, "district");
    }
}
