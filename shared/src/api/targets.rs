//! Yearly targets: `GET /api/targets` (supervisors and admins) and
//! `PUT /api/admin/targets` (admins; replaces every target) take and answer [`Targets`].

use serde::{Deserialize, Serialize};

use crate::follow_up::Stage;
use crate::registration::Programme;

/// The province's yearly target of `stage` when an admin has set none: 10,000
/// registrations and 10,000 skilled workers ([`Stage::Qualified`]: trained and
/// certified, back from an apprenticeship, or working) a year; none for the other stages.
pub fn default_province_target(stage: Stage) -> Option<i64> {
    match stage {
        Stage::Registered | Stage::Qualified => Some(10_000),
        Stage::Enrolled | Stage::Working => None,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    pub targets: Vec<Target>,
}

/// A yearly target: province-wide when `regency` is `None`, for every programme when
/// `programme` is `None`; of registrations, or of people reaching a later stage of the
/// funnel (an outcome target: "10,000 skilled workers" is the province's
/// [`Stage::Qualified`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub regency: Option<String>,
    pub programme: Option<Programme>,
    /// What is counted; registrations when left out.
    #[serde(default)]
    pub stage: Stage,
    /// 1 to 10,000,000.
    pub yearly: i64,
}
