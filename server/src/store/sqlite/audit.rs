//! The audit trail's SQL on SQLite (`crate::store::audit`).

use jemput_shared::api::audit::AuditEntry;
use rusqlite::{params, Connection};

use super::read_rows;
use crate::export_members::filter_holds;
use crate::store::audit::{
    audit_statement, AuditQuery, AuditRow, NewAuditEntry, EXPORTS_WITH_MEMBERS, INSERT_COLUMNS,
};
use crate::store::sql::Dialect;
use crate::store::StoreError;

pub(super) fn append(conn: &mut Connection, entry: &NewAuditEntry) -> Result<(), StoreError> {
    conn.prepare_cached(&format!(
        "INSERT INTO audit_log ({INSERT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    ))?
    .execute(params![
        entry.at,
        entry.user_id,
        entry.username,
        entry.action.code(),
        entry.target,
        entry.nik_key,
        entry.detail,
        entry.client,
        entry.members,
    ])?;
    Ok(())
}

pub(super) fn entries(
    conn: &mut Connection,
    query: &AuditQuery,
) -> Result<Vec<AuditEntry>, StoreError> {
    let statement = audit_statement(Dialect::Sqlite, query);
    read_rows(conn, &statement, |row| AuditRow::read(row))?
        .into_iter()
        .map(AuditRow::entry)
        .collect()
}

/// The export entries whose people (probably) include the one with `digest`, read one
/// row at a time.
pub(super) fn exports_holding(
    conn: &mut Connection,
    digest: u64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut statement = conn.prepare_cached(EXPORTS_WITH_MEMBERS)?;
    let mut rows = statement.query([])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        let members: Vec<u8> = row.get(8)?;
        if filter_holds(&members, digest) {
            found.push(AuditRow::read(row)?.entry()?);
        }
    }
    Ok(found)
}

pub(super) fn prune(conn: &mut Connection, before_ms: i64) -> Result<u64, StoreError> {
    let deleted = conn.execute("DELETE FROM audit_log WHERE at < ?1", [before_ms])?;
    Ok(deleted as u64)
}

#[cfg(test)]
mod tests {
    use jemput_shared::api::audit::AuditAction;

    use crate::store::audit::{AuditQuery, NewAuditEntry};
    use crate::store::sqlite::SqliteStore;
    use crate::store::Store;

    fn entry(at: i64, username: &str, action: AuditAction, nik_key: Option<&str>) -> NewAuditEntry {
        NewAuditEntry {
            at,
            user_id: Some(format!("id-{username}")),
            username: Some(username.to_owned()),
            action,
            target: Some("r1".into()),
            nik_key: nik_key.map(str::to_owned),
            detail: String::new(),
            members: None,
            client: Some("127.0.0.1".into()),
        }
    }

    #[tokio::test]
    async fn entries_are_read_newest_first_filtered_and_pruned_by_age() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let entries = [
            entry(1_000, "budi", AuditAction::RecordViewed, Some("k1")),
            entry(2_000, "siti", AuditAction::LoginSucceeded, None),
            entry(3_000, "budi", AuditAction::Exported, None),
            entry(4_000, "budi", AuditAction::RecordViewed, Some("k2")),
        ];
        for e in entries {
            store.append_audit(e).await.unwrap();
        }
        let read = |query: AuditQuery| {
            let store = &store;
            async move {
                let entries = store.audit_entries(query).await.unwrap();
                entries.iter().map(|e| e.at).collect::<Vec<_>>()
            }
        };
        let all = AuditQuery {
            limit: 10,
            ..AuditQuery::default()
        };
        assert_eq!(read(all.clone()).await, [4_000, 3_000, 2_000, 1_000]);
        let budi = AuditQuery {
            username: Some("budi".into()),
            ..all.clone()
        };
        assert_eq!(read(budi.clone()).await, [4_000, 3_000, 1_000]);
        let views = AuditQuery {
            action: Some(AuditAction::RecordViewed),
            ..budi.clone()
        };
        assert_eq!(read(views).await, [4_000, 1_000]);
        let person = AuditQuery {
            nik_key: Some("k1".into()),
            ..all.clone()
        };
        assert_eq!(read(person).await, [1_000]);
        let window = AuditQuery {
            from: Some(2_000),
            to: Some(4_000),
            ..all.clone()
        };
        assert_eq!(read(window).await, [3_000, 2_000]);
        let page = AuditQuery {
            limit: 2,
            ..all.clone()
        };
        let first = store.audit_entries(page.clone()).await.unwrap();
        let next = AuditQuery {
            before: Some(first[1].seq),
            ..page
        };
        assert_eq!(read(next).await, [2_000, 1_000]);

        assert_eq!(store.prune_audit(3_000).await.unwrap(), 2);
        assert_eq!(read(all).await, [4_000, 3_000]);
    }
}
