//! What the supervisor and admin views read from the store (docs/supervisor-api.md):
//! registration tallies for the overview, yearly targets, and the raw material of the
//! duplicates queue. Both backends keep the tallies in aggregate tables that triggers on
//! the projection hold in step (migration `0004_overview`), so none of these reads scans
//! the registrations.

use jemput_shared::policy::Scope;

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

/// The overview's raw numbers for one scope, read in one snapshot.
#[derive(Debug, Clone, Default)]
pub struct Tallies {
    pub by_status: Vec<StatusTally>,
    /// Only days from the query's `from_day` on.
    pub by_day: Vec<DayTally>,
}

/// A yearly target; `None` stands for "all" (both `None`: the province).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub regency: Option<String>,
    pub programme: Option<String>,
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

/// One registration's projection row, as the table views show it (names of regions are
/// added by the route from the region list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRow {
    pub id: String,
    pub full_name: String,
    pub nik: String,
    pub gender: String,
    pub birth_date: String,
    pub regency: String,
    pub district: String,
    pub village: String,
    /// Programme codes.
    pub programmes: Vec<String>,
    pub status: String,
    pub registered_by: String,
    /// The officer's display name; empty when the user is unknown.
    pub officer_name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub duplicate_of: Option<String>,
}

/// The projection's `,a,b,` programme column as codes.
pub(crate) fn split_programmes(column: &str) -> Vec<String> {
    column
        .split(',')
        .filter(|code| !code.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_programme_column_splits_into_codes() {
        assert_eq!(
            split_programmes(",blk_training,job_placement,"),
            ["blk_training", "job_placement"]
        );
        assert!(split_programmes(",").is_empty());
    }

    #[test]
    fn a_verdict_key_does_not_depend_on_order() {
        let a = DuplicateVerdict::members_key(&["b".into(), "a".into()]);
        assert_eq!(a, "a,b");
        let verdict = DuplicateVerdict::from_key("1".into(), &a, "u".into(), 0);
        assert_eq!(verdict.members, ["a", "b"]);
    }
}
