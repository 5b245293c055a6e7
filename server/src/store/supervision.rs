//! What the supervisor and admin views read from the store (docs/supervisor-api.md):
//! registration tallies for the overview, yearly targets, and the raw material of the
//! duplicates queue. Both backends keep the tallies in aggregate tables that triggers on
//! the projection hold in step (migration `0004_overview`), so none of these reads scans
//! the registrations.

use jemput_shared::policy::{Role, Scope};

use super::sql::{Columns, Dialect, SqlValue, Statement};

/// The regencies a supervision query covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegencyScope {
    /// An admin: every regency.
    All,
    /// A supervisor: these regencies.
    Only(Vec<String>),
}

impl RegencyScope {
    /// The supervision scope of a user's scope; `None` for an officer, who has none.
    pub fn of(scope: &Scope) -> Option<RegencyScope> {
        match scope {
            Scope::Everything => Some(RegencyScope::All),
            Scope::Regencies(regencies) => Some(RegencyScope::Only(regencies.clone())),
            Scope::Officer { .. } => None,
        }
    }

    pub fn covers(&self, regency: &str) -> bool {
        match self {
            RegencyScope::All => true,
            RegencyScope::Only(regencies) => regencies.iter().any(|r| r == regency),
        }
    }
}

/// Counted registrations of one regency, programme ('' = the registrations themselves)
/// and review status, all time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusTally {
    pub regency: String,
    pub programme: String,
    pub status: String,
    pub n: i64,
}

/// Counted registrations of one regency and programme ('' = the registrations
/// themselves) created on one WIB day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTally {
    pub regency: String,
    pub day: i64,
    pub programme: String,
    pub n: i64,
}

/// Counted registrations of one regency that reached one outcome (an entry of the
/// projection's `outcomes` column, read by `projection::outcome_from_entry`), all years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeTally {
    pub regency: String,
    pub outcome: String,
    pub n: i64,
}

/// The overview's raw numbers for one scope, read in one snapshot.
#[derive(Debug, Clone, Default)]
pub struct Tallies {
    pub by_status: Vec<StatusTally>,
    /// Only days from the query's `from_day` on.
    pub by_day: Vec<DayTally>,
    pub outcomes: Vec<OutcomeTally>,
}

/// A yearly target; `None` stands for "all" (both `None`: the province). `stage` is a
/// funnel stage's code (`registered`: registrations).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub regency: Option<String>,
    pub programme: Option<String>,
    pub stage: String,
    pub yearly: i64,
}

/// A counted registration in scope whose NIK some other counted registration shares
/// (anywhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedNikHolder {
    pub nik: String,
    pub id: String,
    pub created_at: i64,
}

/// "Different people": the registrations `members` (sorted ids) sharing `nik` are not
/// duplicates of each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateVerdict {
    pub nik: String,
    pub members: Vec<String>,
    pub decided_by: String,
    pub decided_at: i64,
}

impl DuplicateVerdict {
    /// How the member set is stored: sorted ids joined by ','.
    pub fn members_key(members: &[String]) -> String {
        let mut sorted = members.to_vec();
        sorted.sort();
        sorted.join(",")
    }

    pub fn from_key(nik: String, key: &str, decided_by: String, decided_at: i64) -> Self {
        DuplicateVerdict {
            nik,
            members: key.split(',').map(str::to_owned).collect(),
            decided_by,
            decided_at,
        }
    }
}

/// What the likely-duplicates sweep reads of a counted registration
/// (`crate::likely_duplicates`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub id: String,
    pub nik: String,
    pub full_name: String,
    pub birth_date: String,
    pub village: String,
    pub regency: String,
    /// Where the row is in the sweep's order: the next page starts after it.
    pub position: String,
}

impl PersonRow {
    pub(crate) fn read<R: Columns>(row: &R) -> Result<PersonRow, R::Error> {
        Ok(PersonRow {
            id: row.text(0)?,
            nik: row.text(1)?,
            full_name: row.text(2)?,
            birth_date: row.text(3)?,
            village: row.text(4)?,
            regency: row.text(5)?,
            position: row.text(6)?,
        })
    }
}

/// Up to `limit` counted registrations (not deleted, not marked a duplicate) after the
/// [`PersonRow::position`] `after` ("" for the first page): the sweep's pages. SQLite
/// goes in rowid order, the table's own (five times faster at a million rows than by id,
/// which reads the table at random); PostgreSQL by id.
pub(crate) fn people_after_statement(dialect: Dialect, after: &str, limit: usize) -> Statement {
    let mut statement = Statement::new(dialect);
    let after = statement.bind(SqlValue::Text(after.into()));
    let limit = statement.bind(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    let (position, condition) = match dialect {
        Dialect::Sqlite => (
            "CAST(r.rowid AS TEXT)".to_owned(),
            format!("r.rowid > CAST({after} AS INTEGER)"),
        ),
        Dialect::Postgres => {
            let id = dialect.bytewise("r.id");
            (id.clone(), format!("{id} > {after}"))
        }
    };
    let order = match dialect {
        Dialect::Sqlite => "r.rowid".to_owned(),
        Dialect::Postgres => dialect.bytewise("r.id"),
    };
    statement.sql = format!(
        "SELECT r.id, r.nik, r.full_name, r.birth_date, r.village, r.regency, {position}
         FROM registrations r
         WHERE {condition} AND {} AND r.duplicate_of IS NULL
         ORDER BY {order} LIMIT {limit}",
        dialect.not_deleted("r")
    );
    statement
}

// Rows of the aggregate tables, read the same way by both backends: `regency, programme,
// status, n` from `registration_totals`, `regency, day, programme, n` from
// `registration_days`, `nik, id, created_at` from `shared_nik_holders`.

impl StatusTally {
    pub(crate) fn read<R: Columns>(row: &R) -> Result<StatusTally, R::Error> {
        Ok(StatusTally {
            regency: row.text(0)?,
            programme: row.text(1)?,
            status: row.text(2)?,
            n: row.integer(3)?,
        })
    }
}

impl DayTally {
    pub(crate) fn read<R: Columns>(row: &R) -> Result<DayTally, R::Error> {
        Ok(DayTally {
            regency: row.text(0)?,
            day: row.integer(1)?,
            programme: row.text(2)?,
            n: row.integer(3)?,
        })
    }
}

impl OutcomeTally {
    pub(crate) fn read<R: Columns>(row: &R) -> Result<OutcomeTally, R::Error> {
        Ok(OutcomeTally {
            regency: row.text(0)?,
            outcome: row.text(1)?,
            n: row.integer(2)?,
        })
    }
}

impl SharedNikHolder {
    pub(crate) fn read<R: Columns>(row: &R) -> Result<SharedNikHolder, R::Error> {
        Ok(SharedNikHolder {
            nik: row.text(0)?,
            id: row.text(1)?,
            created_at: row.integer(2)?,
        })
    }
}

/// The three reads of [`Tallies`] for `scope`, in this order: by status (all time), by
/// day from `from_day` on, and outcomes (all years).
pub(crate) fn tallies_statements(
    dialect: Dialect,
    scope: &RegencyScope,
    from_day: i64,
) -> [Statement; 3] {
    let mut by_status = Statement::new(dialect);
    let condition = by_status.regency_condition(scope, "t");
    let mut by_day = by_status.clone();
    let mut outcomes = by_status.clone();
    outcomes.sql =
        format!("SELECT regency, outcome, n FROM outcome_totals t WHERE n <> 0 AND {condition}");
    by_status.sql = format!(
        "SELECT regency, programme, status, n FROM registration_totals t
         WHERE n <> 0 AND {condition}"
    );
    let from = by_day.bind(SqlValue::Integer(from_day));
    by_day.sql = format!(
        "SELECT regency, day, programme, n FROM registration_days t
         WHERE n <> 0 AND {condition} AND day >= {from}"
    );
    [by_status, by_day, outcomes]
}

/// Enabled officers' signed-in devices counted by their last sync, for `/metrics`
/// (`metrics::SyncAge`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeviceSyncAges {
    /// Devices synced at or after each cutoff given to [`device_sync_ages_statement`],
    /// in that order (cumulative when the cutoffs go back in time).
    pub within: [i64; 4],
    /// Synced, but before the last cutoff.
    pub older: i64,
    pub never: i64,
}

impl DeviceSyncAges {
    pub(crate) fn read<R: Columns>(row: &R) -> Result<DeviceSyncAges, R::Error> {
        Ok(DeviceSyncAges {
            within: [
                row.integer(0)?,
                row.integer(1)?,
                row.integer(2)?,
                row.integer(3)?,
            ],
            older: row.integer(4)?,
            never: row.integer(5)?,
        })
    }
}

/// One row of [`DeviceSyncAges`]: every device of an enabled officer that is not signed
/// out, counted against `cutoffs` (Unix ms, newest first). Beside the officers' last
/// syncs of the overview (`overview.rs` in each backend), from the same columns.
pub(crate) fn device_sync_ages_statement(dialect: Dialect, cutoffs: [i64; 4]) -> Statement {
    let mut statement = Statement::new(dialect);
    let role = statement.bind(SqlValue::Text(Role::Officer.code().to_owned()));
    let within: Vec<String> = cutoffs
        .iter()
        .map(|cutoff| {
            let cutoff = statement.bind(SqlValue::Integer(*cutoff));
            format!("COUNT(CASE WHEN d.last_sync_at >= {cutoff} THEN 1 END)")
        })
        .collect();
    let oldest = statement.bind(SqlValue::Integer(cutoffs[3]));
    let enabled = match dialect {
        Dialect::Sqlite => "u.disabled = 0",
        Dialect::Postgres => "NOT u.disabled",
    };
    statement.sql = format!(
        "SELECT {}, COUNT(CASE WHEN d.last_sync_at < {oldest} THEN 1 END),
                COUNT(CASE WHEN d.last_sync_at IS NULL THEN 1 END)
         FROM devices d JOIN users u ON u.id = d.user_id
         WHERE u.role = {role} AND {enabled} AND d.revoked_at IS NULL",
        within.join(", ")
    );
    statement
}

/// The [`SharedNikHolder`]s in `scope` (only `nik`'s, when given), by NIK, then id.
pub(crate) fn shared_nik_holders_statement(
    dialect: Dialect,
    scope: &RegencyScope,
    nik: Option<&str>,
) -> Statement {
    let mut statement = Statement::new(dialect);
    let condition = statement.regency_condition(scope, "h");
    let nik_condition = match nik {
        Some(nik) => format!("AND h.nik = {}", statement.bind(SqlValue::Text(nik.into()))),
        None => String::new(),
    };
    statement.sql = format!(
        "SELECT h.nik, h.id, h.created_at FROM shared_nik_holders h
         WHERE {condition} {nik_condition}
         ORDER BY {}, {}",
        dialect.bytewise("h.nik"),
        dialect.bytewise("h.id")
    );
    statement
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_key_does_not_depend_on_order() {
        let a = DuplicateVerdict::members_key(&["b".into(), "a".into()]);
        assert_eq!(a, "a,b");
        let verdict = DuplicateVerdict::from_key("1".into(), &a, "u".into(), 0);
        assert_eq!(verdict.members, ["a", "b"]);
    }
}
