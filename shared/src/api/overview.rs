//! `GET /api/overview?stale_days=7`: the supervisor's first screen — counted
//! registrations in scope, this WIB year's progress against the targets, the last 90
//! days, officers who have not synced, open duplicate groups, and this year's outcomes:
//! the funnel from registration to work, per programme and per regency, against the
//! outcome targets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::follow_up::{Stage, Step};
use crate::registration::{Programme, ReviewStatus};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub generated_at: i64,
    /// The current WIB year.
    pub year: i32,
    /// Counted registrations in scope, all time.
    pub total: i64,
    /// Counted registrations created this year.
    pub year_total: i64,
    /// Every status, zeros included.
    pub by_status: BTreeMap<ReviewStatus, i64>,
    /// Every programme, zeros included; a registration counts once per programme.
    pub by_programme: BTreeMap<Programme, i64>,
    pub province_target: i64,
    /// Every regency in scope, by code.
    pub regencies: Vec<RegencyProgress>,
    /// Every programme, in the form's order.
    pub programmes: Vec<ProgrammeProgress>,
    /// The last 90 days ending today, oldest first, every day present.
    pub per_day: Vec<DayCount>,
    pub stale_officers: Vec<StaleOfficer>,
    pub duplicate_groups: usize,
    pub outcomes: Outcomes,
}

/// This WIB year's outcomes in scope ([`crate::outcome`]): how many people first reached
/// each stage and each step this year. [`Stage::Registered`] is this year's
/// registrations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcomes {
    /// Every stage, in order, over all programmes, against the province's stage targets.
    pub funnel: Vec<StageProgress>,
    /// Every programme, in the form's order.
    pub programmes: Vec<ProgrammeOutcomes>,
    /// Every regency in scope, by code.
    pub regencies: Vec<RegencyOutcomes>,
}

/// People who reached a stage this year, against its target if one is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageProgress {
    pub stage: Stage,
    pub year_count: i64,
    pub target: Option<i64>,
}

/// One programme's funnel (against the province's targets for the programme) and its
/// steps, every one of them, in the programme's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeOutcomes {
    pub programme: Programme,
    pub stages: Vec<StageProgress>,
    pub steps: Vec<StepCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepCount {
    pub step: Step,
    pub year_count: i64,
}

/// One regency's funnel over all programmes, against the regency's own targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegencyOutcomes {
    pub code: String,
    pub name: String,
    pub stages: Vec<StageProgress>,
}

/// This year's registrations in one regency against its own target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegencyProgress {
    pub code: String,
    /// The region list's name (the code itself when no list is imported).
    pub name: String,
    pub year_count: i64,
    /// The regency's own target (`programme: null`), if one is set.
    pub target: Option<i64>,
}

/// This year's registrations interested in one programme against its province-wide
/// target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeProgress {
    #[serde(rename = "code")]
    pub programme: Programme,
    pub year_count: i64,
    pub target: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// `YYYY-MM-DD` (WIB).
    pub day: String,
    pub count: i64,
}

/// An enabled officer in scope whose newest device sync is older than `stale_days`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaleOfficer {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub regions: Vec<String>,
    /// `None`: never synced.
    pub last_sync_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_code_are_json_objects_keyed_by_the_codes() {
        let by_status: BTreeMap<ReviewStatus, i64> =
            ReviewStatus::ALL.iter().map(|s| (*s, 1)).collect();
        let json = serde_json::to_value(&by_status).unwrap();
        assert_eq!(json["needs_correction"], 1);
        let back: BTreeMap<ReviewStatus, i64> = serde_json::from_value(json).unwrap();
        assert_eq!(back, by_status);
        let by_programme: BTreeMap<Programme, i64> =
            serde_json::from_str(r#"{"blk_training": 3}"#).unwrap();
        assert_eq!(by_programme[&Programme::BlkTraining], 3);
    }
}
