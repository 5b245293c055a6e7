//! The supervisors' registrations table and exports, store side: which projection rows
//! ([`RegistrationFilter`]), in which order ([`RegistrationOrder`]), which page
//! ([`PageRequest`]), and the SQL both backends build from them ([`Dialect`]).
//!
//! The SQL is one text for SQLite and PostgreSQL except where they differ: placeholders,
//! booleans, the name search (SQLite's FTS5 table `registration_names`, PostgreSQL's
//! `to_tsvector('simple', …)` index), byte-wise NIK ranges, and the last tie-breaker of
//! the order (SQLite's rowid, which every index carries; PostgreSQL's id).
//!
//! Indexes for every filter and sort are in the `0003_listing` migrations. Paging is by
//! offset (the table's pages are numbered); the count stops at [`COUNT_CAP`], so a page of
//! a million matching rows costs a bounded count. Exports read one ordered statement and
//! hand rows over in batches of [`EXPORT_BATCH`] through a channel of
//! [`EXPORT_CHANNEL_BATCHES`], so their memory stays flat however many rows match.

use jemput_shared::follow_up::{Stage, Step};
use jemput_shared::policy::Scope;

use super::projection::{
    reached_stage_pattern, recorded_step_pattern, ProjectionRow, COLUMNS, HAS_OUTCOMES,
};
use super::sql::{Dialect, SqlValue, Statement};

/// The count of matching rows stops here; beyond it the total is "more than 10,000".
pub const COUNT_CAP: u64 = 10_000;
/// Rows per batch an export hands over.
pub const EXPORT_BATCH: usize = 500;
/// Batches an export may have read ahead of the client.
pub const EXPORT_CHANNEL_BATCHES: usize = 4;

/// What a search box query looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// NIKs starting with these digits (1–16 of them).
    NikPrefix(String),
    /// Names in which every one of these words (lower case, letters and digits only)
    /// starts a word.
    NameWords(Vec<String>),
}

/// Which registrations: those in `scope` matching every filter that is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationFilter {
    /// The requester's scope; a filter outside it matches nothing.
    pub scope: Scope,
    pub regency: Option<String>,
    pub district: Option<String>,
    pub village: Option<String>,
    /// A programme code (`blk_training`, …).
    pub programme: Option<String>,
    /// A review status code (`submitted`, …).
    pub status: Option<String>,
    /// People who reached this stage of the funnel (or a later one).
    pub stage: Option<Stage>,
    /// People with this follow-up step recorded.
    pub step: Option<Step>,
    /// The user id of the registering officer.
    pub officer: Option<String>,
    /// `created_at` at or after this (milliseconds since the epoch).
    pub created_from_ms: Option<i64>,
    /// `created_at` before this.
    pub created_before_ms: Option<i64>,
    pub search: Option<Search>,
    /// Also rows marked `duplicate_of` another. Deleted rows are never listed.
    pub include_duplicates: bool,
}

impl RegistrationFilter {
    /// The `LIKE` patterns of the `outcomes` column the stage and step filters ask for.
    fn outcome_patterns(&self) -> Vec<String> {
        [
            self.stage.and_then(reached_stage_pattern),
            self.step.map(recorded_step_pattern),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Everything in `scope`, counted rows only.
    pub fn in_scope(scope: Scope) -> RegistrationFilter {
        RegistrationFilter {
            scope,
            regency: None,
            district: None,
            village: None,
            programme: None,
            status: None,
            stage: None,
            step: None,
            officer: None,
            created_from_ms: None,
            created_before_ms: None,
            search: None,
            include_duplicates: false,
        }
    }
}

/// The column the table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    CreatedAt,
    UpdatedAt,
    FullName,
    Nik,
    Status,
    Regency,
}

impl SortKey {
    /// The `sort` parameter's values.
    pub const ALL: [(&'static str, SortKey); 6] = [
        ("created_at", SortKey::CreatedAt),
        ("updated_at", SortKey::UpdatedAt),
        ("full_name", SortKey::FullName),
        ("nik", SortKey::Nik),
        ("status", SortKey::Status),
        ("regency", SortKey::Regency),
    ];

    fn column(self) -> &'static str {
        match self {
            SortKey::CreatedAt => "r.created_at",
            SortKey::UpdatedAt => "r.updated_at",
            SortKey::FullName => "r.full_name",
            SortKey::Nik => "r.nik",
            SortKey::Status => "r.status",
            SortKey::Regency => "r.regency",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationOrder {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for RegistrationOrder {
    /// Newest first.
    fn default() -> Self {
        RegistrationOrder {
            key: SortKey::CreatedAt,
            descending: true,
        }
    }
}

/// Page `number` (from 1) of `per_page` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub number: u64,
    pub per_page: u64,
}

impl PageRequest {
    pub fn offset(self) -> u64 {
        self.number.saturating_sub(1).saturating_mul(self.per_page)
    }

    /// The total when the page itself tells it: a short page ends the rows (unless it is
    /// empty past the first page: the rows ended somewhere before it).
    pub fn total_from_rows(self, rows: usize) -> Option<u64> {
        let rows = rows as u64;
        (rows < self.per_page && (rows > 0 || self.number == 1)).then(|| self.offset() + rows)
    }

    /// The total and whether it is exact, from a count that stopped one past
    /// [`COUNT_CAP`] and this page's `rows`.
    pub fn total_from_count(self, counted: u64, rows: usize) -> (u64, bool) {
        if counted > COUNT_CAP {
            (COUNT_CAP.max(self.offset() + rows as u64), false)
        } else {
            (counted, true)
        }
    }
}

/// One page of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingPage {
    pub rows: Vec<ProjectionRow>,
    /// Matching rows, or [`COUNT_CAP`] (or more) when `total_is_exact` is false.
    pub total: u64,
    pub total_is_exact: bool,
}

/// An export's rows, in order, batch by batch; an `Err` ends it. Dropping the receiver
/// stops the reading.
pub type ExportRows = tokio::sync::mpsc::Receiver<Result<Vec<ProjectionRow>, super::StoreError>>;

impl Dialect {
    /// The table page: rows `offset..offset + limit` in order.
    pub(crate) fn page_query(
        self,
        filter: &RegistrationFilter,
        order: RegistrationOrder,
        page: PageRequest,
    ) -> Statement {
        let mut statement = self.rows_query(filter, order);
        let limit = statement.bind(SqlValue::Integer(to_i64(page.per_page)));
        let offset = statement.bind(SqlValue::Integer(to_i64(page.offset())));
        statement
            .sql
            .push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
        statement
    }

    /// Every matching row in order (an export).
    pub(crate) fn rows_query(
        self,
        filter: &RegistrationFilter,
        order: RegistrationOrder,
    ) -> Statement {
        let mut statement = self.matching(filter);
        statement.sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE {} ORDER BY {}",
            self.source(filter),
            statement.sql,
            self.order_by(order)
        );
        statement
    }

    /// The table rows come from. With a stage or step filter, SQLite reads the partial
    /// index of the registrations with outcomes, which holds every column the filters
    /// and the count read: at a million rows of which 5 % are followed up, a filtered
    /// count takes milliseconds instead of a quarter of a second (docs/benchmarks.md),
    /// where its planner would walk a regency's whole index. PostgreSQL's planner
    /// weighs the same partial index by its statistics.
    fn source(self, filter: &RegistrationFilter) -> &'static str {
        match self {
            Dialect::Sqlite if !filter.outcome_patterns().is_empty() => {
                "registrations r INDEXED BY registrations_with_outcomes"
            }
            _ => "registrations r",
        }
    }

    /// How many rows match, counting no further than one past [`COUNT_CAP`].
    pub(crate) fn count_query(self, filter: &RegistrationFilter) -> Statement {
        let mut statement = self.matching(filter);
        let cap = statement.bind(SqlValue::Integer(to_i64(COUNT_CAP + 1)));
        statement.sql = format!(
            "SELECT count(*) FROM (SELECT 1 FROM {} WHERE {} LIMIT {cap}) AS capped",
            self.source(filter),
            statement.sql
        );
        statement
    }

    /// The WHERE condition (without the keyword) for `filter`, and its parameters.
    fn matching(self, filter: &RegistrationFilter) -> Statement {
        let mut statement = Statement::new(self);
        let mut terms: Vec<String> = Vec::new();
        terms.push(self.not_deleted("r"));
        if !filter.include_duplicates {
            terms.push("r.duplicate_of IS NULL".into());
        }
        let scope = statement.scope_condition(&filter.scope, "r");
        terms.push(scope);
        let exact = [
            ("r.regency", &filter.regency),
            ("r.district", &filter.district),
            ("r.village", &filter.village),
            ("r.status", &filter.status),
            ("r.registered_by", &filter.officer),
        ];
        for (column, value) in exact {
            if let Some(value) = value {
                let p = statement.bind(SqlValue::Text(value.clone()));
                terms.push(format!("{column} = {p}"));
            }
        }
        if let Some(programme) = &filter.programme {
            let p = statement.bind(SqlValue::Text(format!("%,{programme},%")));
            terms.push(format!("r.programmes LIKE {p}"));
        }
        let outcome_patterns = filter.outcome_patterns();
        if !outcome_patterns.is_empty() {
            terms.push(HAS_OUTCOMES.into());
        }
        for pattern in outcome_patterns {
            let p = statement.bind(SqlValue::Text(pattern));
            terms.push(format!("r.outcomes LIKE {p}"));
        }
        if let Some(from) = filter.created_from_ms {
            let p = statement.bind(SqlValue::Integer(from));
            terms.push(format!("r.created_at >= {p}"));
        }
        if let Some(before) = filter.created_before_ms {
            let p = statement.bind(SqlValue::Integer(before));
            terms.push(format!("r.created_at < {p}"));
        }
        match &filter.search {
            None => {}
            Some(Search::NikPrefix(prefix)) => {
                let nik = self.bytewise("r.nik");
                let low = statement.bind(SqlValue::Text(prefix.clone()));
                let high = statement.bind(SqlValue::Text(prefix_end(prefix)));
                terms.push(format!("{nik} >= {low} AND {nik} < {high}"));
            }
            Some(Search::NameWords(words)) => match self {
                Dialect::Sqlite => {
                    let p = statement.bind(SqlValue::Text(fts5_prefix_query(words)));
                    terms.push(format!(
                        "r.rowid IN (SELECT rowid FROM registration_names \
                         WHERE registration_names MATCH {p})"
                    ));
                }
                Dialect::Postgres => {
                    let p = statement.bind(SqlValue::Text(tsquery_prefixes(words)));
                    terms.push(format!(
                        "to_tsvector('simple', r.full_name) @@ to_tsquery('simple', {p})"
                    ));
                }
            },
        }
        statement.sql = terms.join(" AND ");
        statement
    }

    /// The sort column, then creation time, then a unique tie-breaker, all in one
    /// direction: a total order, so pages neither repeat nor skip rows, and one the
    /// migration's indexes deliver without sorting.
    fn order_by(self, order: RegistrationOrder) -> String {
        let dir = if order.descending { "DESC" } else { "ASC" };
        let unique = match self {
            Dialect::Sqlite => "r.rowid",
            Dialect::Postgres => "r.id",
        };
        let mut keys = vec![order.key.column()];
        if order.key != SortKey::CreatedAt {
            keys.push("r.created_at");
        }
        keys.push(unique);
        keys.iter()
            .map(|key| format!("{key} {dir}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The first string after every string starting with `prefix` (of ASCII digits), in
/// byte order: the last digit raised by one (`'9'` becomes `':'`).
fn prefix_end(prefix: &str) -> String {
    let mut end = prefix.to_owned();
    match end.pop() {
        Some(last) => end.push(char::from_u32(last as u32 + 1).unwrap_or(char::MAX)),
        None => end.push(char::MAX),
    }
    end
}

/// `"siti"* AND "rah"*`: every word as a quoted prefix (quoting keeps FTS5's query
/// syntax out of the user's hands).
fn fts5_prefix_query(words: &[String]) -> String {
    words
        .iter()
        .map(|word| format!("\"{}\"*", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// `'siti':* & 'rah':*` for `to_tsquery`.
fn tsquery_prefixes(words: &[String]) -> String {
    words
        .iter()
        .map(|word| format!("'{}':*", word.replace('\\', "\\\\").replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" & ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nik_prefix_ends_where_its_last_digit_is_raised() {
        assert_eq!(prefix_end("170101"), "170102");
        assert_eq!(prefix_end("1709"), "170:");
        assert!("1709999" < prefix_end("1709").as_str());
    }

    #[test]
    fn search_words_are_quoted_prefixes() {
        let words = vec!["siti".to_owned(), "ra\"h".to_owned()];
        assert_eq!(fts5_prefix_query(&words), "\"siti\"* AND \"ra\"\"h\"*");
        let words = vec!["o'a".to_owned()];
        assert_eq!(tsquery_prefixes(&words), "'o''a':*");
    }

    #[test]
    fn every_filter_binds_its_own_placeholder() {
        let mut filter = RegistrationFilter::in_scope(Scope::Regencies(vec!["17.01".into()]));
        filter.status = Some("verified".into());
        filter.search = Some(Search::NikPrefix("1701".into()));
        let page = PageRequest {
            number: 3,
            per_page: 50,
        };
        let sqlite = Dialect::Sqlite.page_query(&filter, RegistrationOrder::default(), page);
        assert!(sqlite.sql.contains("r.regency IN (?1)"), "{}", sqlite.sql);
        assert!(sqlite.sql.ends_with("LIMIT ?5 OFFSET ?6"), "{}", sqlite.sql);
        assert_eq!(sqlite.params.len(), 6);
        assert_eq!(sqlite.params[5], SqlValue::Integer(100));
        let postgres = Dialect::Postgres.count_query(&filter);
        assert!(postgres.sql.contains("NOT r.deleted"), "{}", postgres.sql);
        assert!(postgres.sql.contains("LIMIT $5"), "{}", postgres.sql);
        assert_eq!(postgres.params[4], SqlValue::Integer(10_001));
    }

    #[test]
    fn a_short_page_tells_the_total_and_a_count_past_the_cap_is_not_exact() {
        let third = PageRequest {
            number: 3,
            per_page: 50,
        };
        assert_eq!(third.total_from_rows(7), Some(107));
        assert_eq!(third.total_from_rows(50), None);
        assert_eq!(
            third.total_from_rows(0),
            None,
            "the rows ended before page 3"
        );
        let first = PageRequest {
            number: 1,
            per_page: 50,
        };
        assert_eq!(first.total_from_rows(0), Some(0));
        assert_eq!(third.total_from_count(10_001, 50), (10_000, false));
        assert_eq!(third.total_from_count(4_000, 50), (4_000, true));
    }

    #[test]
    fn the_order_ends_in_creation_time_and_a_unique_key() {
        let order = RegistrationOrder {
            key: SortKey::FullName,
            descending: false,
        };
        assert_eq!(
            Dialect::Sqlite.order_by(order),
            "r.full_name ASC, r.created_at ASC, r.rowid ASC"
        );
        assert_eq!(
            Dialect::Postgres.order_by(RegistrationOrder::default()),
            "r.created_at DESC, r.id DESC"
        );
    }
}
