//! The consent notice's versions (`jemput_shared::api::consent`), store side: one SQL
//! text for both backends. Publishing takes the next version number inside the insert,
//! so two admins publishing at once cannot get the same one (the primary key refuses
//! the second, which then retries).

use jemput_shared::api::consent::ConsentText;

use super::sql::{Columns, Dialect, SqlValue, Statement};
use super::StoreError;

/// Every version, newest first, with the publisher's username.
pub(crate) const LIST: &str = "SELECT c.version, c.text_id, c.text_en, c.published_at, u.username
     FROM consent_texts c LEFT JOIN users u ON u.id = c.published_by
     ORDER BY c.version DESC";

/// Inserts the next version; returns it.
pub(crate) fn publish_statement(
    dialect: Dialect,
    text_id: &str,
    text_en: &str,
    at: i64,
    by: Option<&str>,
) -> Statement {
    let mut s = Statement::new(dialect);
    let id = s.bind(SqlValue::Text(text_id.to_owned()));
    let en = s.bind(SqlValue::Text(text_en.to_owned()));
    let at = s.bind(SqlValue::Integer(at));
    let by = match by {
        Some(by) => s.bind(SqlValue::Text(by.to_owned())),
        None => "NULL".to_owned(),
    };
    s.sql = format!(
        "INSERT INTO consent_texts (version, text_id, text_en, published_at, published_by)
         SELECT COALESCE(MAX(version), 0) + 1, {id}, {en}, {at}, {by} FROM consent_texts
         RETURNING version"
    );
    s
}

/// One row of [`LIST`].
pub(crate) fn read_text<R: Columns>(row: &R) -> Result<ConsentText, StoreError>
where
    StoreError: From<R::Error>,
{
    let version = row.integer(0)?;
    Ok(ConsentText {
        version: u32::try_from(version)
            .map_err(|_| StoreError::Internal(format!("consent version {version}")))?,
        text_id: row.text(1)?,
        text_en: row.text(2)?,
        published_at: row.integer(3)?,
        published_by: row.optional_text(4)?.unwrap_or_default(),
    })
}
