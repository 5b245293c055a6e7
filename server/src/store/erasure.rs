//! Erasing registrations for good (UU PDP Pasal 43–44), the store's side: what an
//! erasure records, and the SQL both backends share to find what to erase. Each backend
//! turns an erased document into its tombstone (see `jemput_shared::sync::server::
//! is_tombstone`) in one transaction with the change log, the projection row (and so
//! the aggregates, the name index and the duplicates queue) and the `erasures` row.

use jemput_shared::policy::Scope;

use super::sql::{Dialect, SqlValue, Statement};

/// Why a registration was erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasureReason {
    /// The person asked (a privacy request).
    Request,
    /// Its retention period ended.
    Retention,
}

impl ErasureReason {
    pub fn code(self) -> &'static str {
        match self {
            ErasureReason::Request => "request",
            ErasureReason::Retention => "retention",
        }
    }
}

/// One erasure order: which documents, by whom (`None`: the retention job), why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    pub doc_ids: Vec<String>,
    pub by: Option<String>,
    pub reason: ErasureReason,
    /// The privacy request it serves, if any.
    pub request_id: Option<String>,
}

/// A registration that is due for erasure: its id and when it last changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired {
    pub doc_id: String,
    pub updated_at: i64,
}

/// Ids of every projected registration with this NIK in `scope` — deleted ones and
/// duplicates included: an erasure leaves none behind.
pub(crate) fn holders_statement(dialect: Dialect, scope: &Scope, nik: &str) -> Statement {
    let mut statement = Statement::new(dialect);
    let nik = statement.bind(SqlValue::Text(nik.to_owned()));
    let condition = statement.scope_condition(scope, "r");
    statement.sql = format!("SELECT r.id FROM registrations r WHERE r.nik = {nik} AND {condition}");
    statement
}

/// The registrations last changed before `before_ms`, oldest first, `limit` at most:
/// those whose retention ended.
pub(crate) fn expired_statement(dialect: Dialect, before_ms: i64, limit: usize) -> Statement {
    let mut statement = Statement::new(dialect);
    let before = statement.bind(SqlValue::Integer(before_ms));
    let limit = statement.bind(SqlValue::Integer(limit as i64));
    statement.sql = format!(
        "SELECT id, updated_at FROM registrations WHERE updated_at < {before}
         ORDER BY updated_at, id LIMIT {limit}"
    );
    statement
}
