//! SQL text both backends build the same way: the [`Dialect`] (placeholders, lists), a
//! [`Statement`] that numbers its own placeholders as parameters are bound, and the one
//! home of the scope rule, [`Statement::scope_condition`]: which registrations a
//! requester may see. Every query that filters by scope (sync pulls, the table and the
//! exports, the overview's tallies, the duplicates queue) builds its condition here, so
//! the security rule cannot drift between queries or between SQLite and PostgreSQL.
//! [`Columns`] is the other direction: how each backend reads one column of a result
//! row, so a row's mapping to a type is written once for both.

use jemput_shared::policy::Scope;

use super::supervision::RegencyScope;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// `column` compared byte by byte (SQLite's default; PostgreSQL's collation would
    /// follow the locale).
    pub(crate) fn bytewise(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => column.to_owned(),
            Dialect::Postgres => format!("{column} COLLATE \"C\""),
        }
    }

    /// The projection's rows of table alias `alias` that are not deleted.
    pub(crate) fn not_deleted(self, alias: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{alias}.deleted = 0"),
            Dialect::Postgres => format!("NOT {alias}.deleted"),
        }
    }
}

/// A query parameter's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SqlValue {
    Text(String),
    Integer(i64),
    /// A list bound as one PostgreSQL array (`= ANY($n)`); SQLite binds a list's items
    /// one by one instead, so it never meets this variant.
    TextList(Vec<String>),
}

/// A statement and its parameters, in placeholder order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement {
    pub dialect: Dialect,
    pub sql: String,
    pub params: Vec<SqlValue>,
}

impl Statement {
    pub(crate) fn new(dialect: Dialect) -> Statement {
        Statement {
            dialect,
            sql: String::new(),
            params: Vec::new(),
        }
    }

    /// Adds a parameter and returns its placeholder.
    pub(crate) fn bind(&mut self, value: SqlValue) -> String {
        self.params.push(value);
        match self.dialect {
            Dialect::Sqlite => format!("?{}", self.params.len()),
            Dialect::Postgres => format!("${}", self.params.len()),
        }
    }

    /// `column IN (…)` for `values`. PostgreSQL binds the list as one array, so the
    /// text (and its prepared statement) does not depend on the list's length.
    pub(crate) fn bind_in(&mut self, column: &str, values: &[String]) -> String {
        match self.dialect {
            Dialect::Sqlite if values.is_empty() => "1 = 0".into(),
            Dialect::Sqlite => {
                let placeholders: Vec<String> = values
                    .iter()
                    .map(|value| self.bind(SqlValue::Text(value.clone())))
                    .collect();
                format!("{column} IN ({})", placeholders.join(", "))
            }
            Dialect::Postgres => {
                let list = self.bind(SqlValue::TextList(values.to_vec()));
                format!("{column} = ANY({list})")
            }
        }
    }

    /// The condition restricting rows of a registrations-like table (aliased `alias`,
    /// with `regency`, `district`, `village` and `registered_by` columns) to what `scope`
    /// may see: an admin everything; a supervisor the registrations of their regencies
    /// (none when they have none); an officer their own registrations and those in
    /// their districts or villages.
    pub(crate) fn scope_condition(&mut self, scope: &Scope, alias: &str) -> String {
        match scope {
            Scope::Everything => "1 = 1".into(),
            Scope::Regencies(regencies) => self.bind_in(&format!("{alias}.regency"), regencies),
            Scope::Officer { user_id, areas } => {
                let me = self.bind(SqlValue::Text(user_id.clone()));
                let mine = format!("{alias}.registered_by = {me}");
                if areas.is_empty() {
                    return mine;
                }
                let districts = self.bind_in(&format!("{alias}.district"), areas);
                let villages = self.bind_in(&format!("{alias}.village"), areas);
                format!("({mine} OR {districts} OR {villages})")
            }
        }
    }

    /// [`Statement::scope_condition`] for a supervision scope (tables that only carry a
    /// `regency`, such as the overview's aggregates).
    pub(crate) fn regency_condition(&mut self, scope: &RegencyScope, alias: &str) -> String {
        let scope = match scope {
            RegencyScope::All => Scope::Everything,
            RegencyScope::Only(regencies) => Scope::Regencies(regencies.clone()),
        };
        self.scope_condition(&scope, alias)
    }
}

/// How a backend reads one column of its result row.
pub(crate) trait Columns {
    type Error;
    fn text(&self, index: usize) -> Result<String, Self::Error>;
    fn integer(&self, index: usize) -> Result<i64, Self::Error>;
    fn optional_text(&self, index: usize) -> Result<Option<String>, Self::Error>;
    fn optional_integer(&self, index: usize) -> Result<Option<i64>, Self::Error>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn officer(areas: &[&str]) -> Scope {
        Scope::Officer {
            user_id: "u1".into(),
            areas: areas.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn an_officer_sees_their_own_and_their_areas_registrations() {
        let mut sqlite = Statement::new(Dialect::Sqlite);
        sqlite.bind(SqlValue::Integer(0));
        assert_eq!(
            sqlite.scope_condition(&officer(&["17.01.01"]), "r"),
            "(r.registered_by = ?2 OR r.district IN (?3) OR r.village IN (?4))"
        );
        assert_eq!(sqlite.params.len(), 4);
        let mut postgres = Statement::new(Dialect::Postgres);
        assert_eq!(
            postgres.scope_condition(&officer(&["17.01.01", "17.01.02.2001"]), "r"),
            "(r.registered_by = $1 OR r.district = ANY($2) OR r.village = ANY($3))"
        );
        let mut alone = Statement::new(Dialect::Postgres);
        assert_eq!(
            alone.scope_condition(&officer(&[]), "r"),
            "r.registered_by = $1"
        );
    }

    #[test]
    fn a_supervisor_without_regencies_sees_nothing() {
        let none = Scope::Regencies(vec![]);
        let mut sqlite = Statement::new(Dialect::Sqlite);
        assert_eq!(sqlite.scope_condition(&none, "r"), "1 = 0");
        assert!(sqlite.params.is_empty());
        let mut postgres = Statement::new(Dialect::Postgres);
        assert_eq!(postgres.scope_condition(&none, "t"), "t.regency = ANY($1)");
        assert_eq!(postgres.params, [SqlValue::TextList(vec![])]);
    }

    #[test]
    fn an_admin_sees_everything_and_binds_nothing() {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let mut statement = Statement::new(dialect);
            assert_eq!(
                statement.regency_condition(&RegencyScope::All, "t"),
                "1 = 1"
            );
            assert!(statement.params.is_empty());
        }
    }
}
