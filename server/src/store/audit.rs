//! The audit trail, store side: the table `audit_log` (migrations `0012_audit` on
//! SQLite, `0011_audit` on PostgreSQL), appended to by `crate::audit`, read newest first
//! with the admin's filters ([`AuditQuery`]) and pruned after the retention period.
//! One SQL text for both backends ([`audit_statement`]).

use jemput_shared::api::audit::{AuditAction, AuditEntry};

use super::sql::{Columns, Dialect, SqlValue, Statement};
use super::StoreError;

/// An entry to append (its `seq` is given by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub at: i64,
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub action: AuditAction,
    pub target: Option<String>,
    /// The keyed hash of the NIK of the person the entry is about (`crate::audit`).
    pub nik_key: Option<String>,
    pub detail: String,
    pub client: Option<String>,
    /// An export's people (`crate::export_members`).
    pub members: Option<Vec<u8>>,
}

/// Which entries: every filter that is set, newest first, at most `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub username: Option<String>,
    pub action: Option<AuditAction>,
    pub nik_key: Option<String>,
    /// From this time on (inclusive), before `to` (exclusive); ms since the epoch.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Entries older than this `seq` (the next page).
    pub before: Option<i64>,
    pub limit: usize,
}

pub(crate) const INSERT_COLUMNS: &str =
    "at, user_id, username, action, target, nik_key, detail, client, members";

/// Every export entry that keeps its people, newest first: the columns of
/// [`AuditRow::read`], then `members`.
pub(crate) const EXPORTS_WITH_MEMBERS: &str =
    "SELECT seq, at, user_id, username, action, target, detail, client, members
     FROM audit_log WHERE action = 'exported' AND members IS NOT NULL ORDER BY seq DESC";

/// The statement that reads `query`'s entries.
pub(crate) fn audit_statement(dialect: Dialect, query: &AuditQuery) -> Statement {
    let mut statement = Statement::new(dialect);
    let mut conditions = Vec::new();
    if let Some(username) = &query.username {
        let p = statement.bind(SqlValue::Text(username.clone()));
        conditions.push(format!("username = {p}"));
    }
    if let Some(action) = query.action {
        let p = statement.bind(SqlValue::Text(action.code().to_owned()));
        conditions.push(format!("action = {p}"));
    }
    if let Some(nik_key) = &query.nik_key {
        let p = statement.bind(SqlValue::Text(nik_key.clone()));
        conditions.push(format!("nik_key = {p}"));
    }
    if let Some(from) = query.from {
        let p = statement.bind(SqlValue::Integer(from));
        conditions.push(format!("at >= {p}"));
    }
    if let Some(to) = query.to {
        let p = statement.bind(SqlValue::Integer(to));
        conditions.push(format!("at < {p}"));
    }
    if let Some(before) = query.before {
        let p = statement.bind(SqlValue::Integer(before));
        conditions.push(format!("seq < {p}"));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let limit = statement.bind(SqlValue::Integer(query.limit as i64));
    statement.sql = format!(
        "SELECT seq, at, user_id, username, action, target, detail, client
         FROM audit_log {filter} ORDER BY seq DESC LIMIT {limit}"
    );
    statement
}

/// One row as read, before its action code is checked.
pub(crate) struct AuditRow {
    seq: i64,
    at: i64,
    user_id: Option<String>,
    username: Option<String>,
    action: String,
    target: Option<String>,
    detail: String,
    client: Option<String>,
}

impl AuditRow {
    /// Reads a row of [`audit_statement`].
    pub(crate) fn read<C: Columns>(row: &C) -> Result<AuditRow, C::Error> {
        Ok(AuditRow {
            seq: row.integer(0)?,
            at: row.integer(1)?,
            user_id: row.optional_text(2)?,
            username: row.optional_text(3)?,
            action: row.text(4)?,
            target: row.optional_text(5)?,
            detail: row.text(6)?,
            client: row.optional_text(7)?,
        })
    }

    pub(crate) fn entry(self) -> Result<AuditEntry, StoreError> {
        let action = AuditAction::from_code(&self.action).ok_or_else(|| {
            StoreError::Internal(format!("unknown audit action {:?}", self.action))
        })?;
        Ok(AuditEntry {
            seq: self.seq,
            at: self.at,
            user_id: self.user_id,
            username: self.username,
            action,
            target: self.target,
            detail: self.detail,
            client: self.client,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_filter_is_a_bound_condition() {
        let query = AuditQuery {
            username: Some("budi".into()),
            action: Some(AuditAction::Exported),
            nik_key: Some("k".into()),
            from: Some(1),
            to: Some(2),
            before: Some(3),
            limit: 100,
        };
        let statement = audit_statement(Dialect::Postgres, &query);
        assert!(statement.sql.contains(
            "WHERE username = $1 AND action = $2 AND nik_key = $3 AND at >= $4 AND at < $5 AND seq < $6"
        ));
        assert!(statement.sql.ends_with("LIMIT $7"));
        assert_eq!(statement.params.len(), 7);
        let all = audit_statement(
            Dialect::Sqlite,
            &AuditQuery {
                limit: 5,
                ..AuditQuery::default()
            },
        );
        assert!(!all.sql.contains("WHERE") && all.sql.ends_with("LIMIT ?1"));
    }
}
