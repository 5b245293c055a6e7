//! Outcomes: what a registration counts for on the overview's outcome tallies — in
//! which year a person first reached each step of each programme, and each stage of the
//! funnel (registration → enrolled → completed/certified → working), per programme and
//! over all programmes (issue 17).
//!
//! The funnel is cumulative: a person who reached a stage also counts at every earlier
//! one, from the year they first reached it or a later one (someone placed in a job
//! straight away counts as enrolled and qualified that year too), so each stage holds no
//! more people than the one before it. The server projects each registration's outcomes
//! into one column, which its aggregate tables count; this module is the one home of how
//! they are derived from the steps.

use crate::calendar::split_iso;
use crate::follow_up::{FollowUp, Stage, Step};
use crate::registration::Programme;

/// What was reached: a programme's step, or a stage of the funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reached {
    Step(Step),
    Stage(Stage),
}

impl Reached {
    /// The step's or the stage's code (the two sets of codes are disjoint).
    pub fn code(self) -> &'static str {
        match self {
            Reached::Step(step) => step.code(),
            Reached::Stage(stage) => stage.code(),
        }
    }

    pub fn from_code(code: &str) -> Option<Reached> {
        Step::from_code(code)
            .map(Reached::Step)
            .or_else(|| Stage::from_code(code).map(Reached::Stage))
    }
}

/// One thing a person reached, and the year (of the step's date) they first reached it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Outcome {
    pub year: i32,
    /// `None`: over all programmes (only for stages).
    pub programme: Option<Programme>,
    pub reached: Reached,
}

/// Every outcome of `follow_ups`, sorted, each once: each step recorded (per programme),
/// and each stage from [`Stage::Enrolled`] on that the steps reach (per programme and
/// over all). [`Stage::Registered`] is the registration itself and is not listed. A step
/// whose date does not parse counts for nothing (validation refuses it).
pub fn outcomes(follow_ups: &[FollowUp]) -> Vec<Outcome> {
    let mut first: std::collections::BTreeMap<(Option<Programme>, Reached), i32> =
        Default::default();
    let mut reach = |programme: Option<Programme>, reached: Reached, year: i32| {
        first
            .entry((programme, reached))
            .and_modify(|y| *y = (*y).min(year))
            .or_insert(year);
    };
    for follow_up in follow_ups {
        let Some((year, _, _)) = split_iso(&follow_up.date) else {
            continue;
        };
        let programme = Some(follow_up.programme);
        reach(programme, Reached::Step(follow_up.step), year);
        let Some(stage) = follow_up.step.stage() else {
            continue;
        };
        for earlier in Stage::ALL
            .iter()
            .filter(|s| **s != Stage::Registered && **s <= stage)
        {
            reach(programme, Reached::Stage(*earlier), year);
            reach(None, Reached::Stage(*earlier), year);
        }
    }
    let mut outcomes: Vec<Outcome> = first
        .into_iter()
        .map(|((programme, reached), year)| Outcome {
            year,
            programme,
            reached,
        })
        .collect();
    outcomes.sort();
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::follow_up::step_on as step;

    fn has(outcomes: &[Outcome], year: i32, programme: Option<Programme>, reached: Reached) {
        assert!(
            outcomes.contains(&Outcome {
                year,
                programme,
                reached
            }),
            "{year} {programme:?} {reached:?} missing from {outcomes:?}"
        );
    }

    #[test]
    fn a_certified_trainee_reaches_each_step_and_stage_in_the_year_of_its_date() {
        let blk = Programme::BlkTraining;
        let outcomes = outcomes(&[
            step(blk, Step::TrainingEnrolled, "2025-11-03"),
            step(blk, Step::TrainingCompleted, "2026-01-30"),
            step(blk, Step::Certified, "2026-02-14"),
        ]);
        has(
            &outcomes,
            2025,
            Some(blk),
            Reached::Step(Step::TrainingEnrolled),
        );
        has(&outcomes, 2026, Some(blk), Reached::Step(Step::Certified));
        has(&outcomes, 2025, Some(blk), Reached::Stage(Stage::Enrolled));
        has(&outcomes, 2025, None, Reached::Stage(Stage::Enrolled));
        has(&outcomes, 2026, None, Reached::Stage(Stage::Qualified));
        assert!(!outcomes
            .iter()
            .any(|o| o.reached == Reached::Stage(Stage::Working)));
        assert_eq!(outcomes.len(), 3 + 2 * 2, "{outcomes:?}");
    }

    #[test]
    fn the_funnel_is_cumulative_and_counts_each_stage_once_at_its_first_year() {
        let outcomes = outcomes(&[
            step(Programme::JobPlacement, Step::Placed, "2026-05-01"),
            step(Programme::BlkTraining, Step::TrainingEnrolled, "2024-02-01"),
        ]);
        has(&outcomes, 2024, None, Reached::Stage(Stage::Enrolled));
        has(&outcomes, 2026, None, Reached::Stage(Stage::Qualified));
        has(&outcomes, 2026, None, Reached::Stage(Stage::Working));
        has(
            &outcomes,
            2026,
            Some(Programme::JobPlacement),
            Reached::Stage(Stage::Enrolled),
        );
        let overall_enrolled = outcomes
            .iter()
            .filter(|o| o.programme.is_none() && o.reached == Reached::Stage(Stage::Enrolled))
            .count();
        assert_eq!(overall_enrolled, 1);
    }

    #[test]
    fn a_dropout_or_a_still_looking_report_counts_as_a_step_only() {
        let outcomes = outcomes(&[step(
            Programme::JobPlacement,
            Step::StillLooking,
            "2026-05-01",
        )]);
        assert_eq!(
            outcomes,
            vec![Outcome {
                year: 2026,
                programme: Some(Programme::JobPlacement),
                reached: Reached::Step(Step::StillLooking)
            }]
        );
    }

    #[test]
    fn codes_read_back() {
        for reached in Step::ALL
            .iter()
            .map(|s| Reached::Step(*s))
            .chain(Stage::ALL.iter().map(|s| Reached::Stage(*s)))
        {
            assert_eq!(Reached::from_code(reached.code()), Some(reached));
        }
    }
}
