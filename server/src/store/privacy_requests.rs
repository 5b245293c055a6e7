//! Citizens' requests (access, correction, erasure) and their deadlines: the SQL both
//! backends run, built once with [`Statement`] (migration `data_rights`).

use jemput_shared::api::privacy::{PrivacyRequest, RequestKind, RequestOutcome};

use super::sql::{Columns, Dialect, SqlValue, Statement};
use super::StoreError;

/// A request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub id: String,
    pub kind: RequestKind,
    pub nik_key: String,
    pub nik_masked: String,
    pub note: String,
    pub received_at: i64,
    /// The user id of who received it.
    pub received_by: String,
    pub due_at: i64,
}

/// Closing a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing {
    pub id: String,
    pub at: i64,
    pub by: String,
    pub outcome: RequestOutcome,
}

pub(crate) fn insert_statement(dialect: Dialect, request: &NewRequest) -> Statement {
    let mut s = Statement::new(dialect);
    let values = [
        s.bind(SqlValue::Text(request.id.clone())),
        s.bind(SqlValue::Text(request.kind.code().to_owned())),
        s.bind(SqlValue::Text(request.nik_key.clone())),
        s.bind(SqlValue::Text(request.nik_masked.clone())),
        s.bind(SqlValue::Text(request.note.clone())),
        s.bind(SqlValue::Integer(request.received_at)),
        s.bind(SqlValue::Text(request.received_by.clone())),
        s.bind(SqlValue::Integer(request.due_at)),
    ];
    s.sql = format!(
        "INSERT INTO privacy_requests (id, kind, nik_key, nik_masked, note, received_at,
                                       received_by, due_at)
         VALUES ({})",
        values.join(", ")
    );
    s
}

/// Closes an open request; touches no row when it is unknown or closed already.
pub(crate) fn close_statement(dialect: Dialect, closing: &Closing) -> Statement {
    let mut s = Statement::new(dialect);
    let at = s.bind(SqlValue::Integer(closing.at));
    let by = s.bind(SqlValue::Text(closing.by.clone()));
    let outcome = s.bind(SqlValue::Text(closing.outcome.code().to_owned()));
    let id = s.bind(SqlValue::Text(closing.id.clone()));
    s.sql = format!(
        "UPDATE privacy_requests SET closed_at = {at}, closed_by = {by}, outcome = {outcome}
         WHERE id = {id} AND closed_at IS NULL"
    );
    s
}

/// The requests, newest first (`open_only`: those not closed, soonest due first), with
/// the usernames of who received and closed them; `id` alone when given.
pub(crate) fn list_statement(
    dialect: Dialect,
    open_only: bool,
    id: Option<&str>,
    limit: usize,
) -> Statement {
    let mut s = Statement::new(dialect);
    let mut conditions = vec!["1 = 1".to_owned()];
    if open_only {
        conditions.push("p.closed_at IS NULL".into());
    }
    if let Some(id) = id {
        let id = s.bind(SqlValue::Text(id.to_owned()));
        conditions.push(format!("p.id = {id}"));
    }
    let limit = s.bind(SqlValue::Integer(limit as i64));
    let order = if open_only {
        "p.due_at, p.id"
    } else {
        "p.received_at DESC, p.id"
    };
    s.sql = format!(
        "SELECT p.id, p.kind, p.nik_masked, p.note, p.received_at, r.username, p.due_at,
                p.closed_at, c.username, p.outcome
         FROM privacy_requests p
         LEFT JOIN users r ON r.id = p.received_by
         LEFT JOIN users c ON c.id = p.closed_by
         WHERE {}
         ORDER BY {order} LIMIT {limit}",
        conditions.join(" AND ")
    );
    s
}

/// One row of [`list_statement`].
pub(crate) fn read_request<R: Columns>(row: &R) -> Result<PrivacyRequest, StoreError>
where
    StoreError: From<R::Error>,
{
    let kind = row.text(1)?;
    let outcome = row.optional_text(9)?;
    let closed_at = row.optional_integer(7)?;
    Ok(PrivacyRequest {
        id: row.text(0)?,
        kind: RequestKind::from_code(&kind)
            .ok_or_else(|| StoreError::Internal(format!("unknown request kind {kind}")))?,
        nik_masked: row.text(2)?,
        note: row.text(3)?,
        received_at: row.integer(4)?,
        received_by: row.optional_text(5)?.unwrap_or_default(),
        due_at: row.integer(6)?,
        closed_at,
        closed_by: row.optional_text(8)?,
        outcome: outcome
            .map(|code| {
                RequestOutcome::from_code(&code)
                    .ok_or_else(|| StoreError::Internal(format!("unknown outcome {code}")))
            })
            .transpose()?,
    })
}
