//! The overview's outcomes (`Overview::outcomes`): this WIB year's funnel over all
//! programmes, per programme and per regency, against the outcome targets, from the
//! aggregate `outcome_totals` (entries of the projection's `outcomes` column). The
//! funnel's first stage is the year's registrations, which the overview has counted
//! already.

use std::collections::{BTreeMap, HashMap};

use jemput_shared::api::overview::{
    Outcomes, ProgrammeOutcomes, RegencyOutcomes, StageProgress, StepCount,
};
use jemput_shared::follow_up::{Stage, Step};
use jemput_shared::outcome::Reached;
use jemput_shared::registration::Programme;

use crate::store::projection::outcome_from_entry;
use crate::store::supervision::OutcomeTally;
use crate::supervision::TargetBook;

/// This year's registrations, which the funnel starts from.
pub(super) struct YearRegistrations<'a> {
    pub total: i64,
    pub by_regency: &'a BTreeMap<String, i64>,
    pub by_programme: &'a BTreeMap<Programme, i64>,
}

/// `regencies`: every regency in scope, (code, name), in the overview's order.
pub(super) fn outcomes(
    tallies: &[OutcomeTally],
    year: i32,
    registered: YearRegistrations,
    regencies: &[(String, String)],
    targets: &TargetBook,
) -> Outcomes {
    // (regency, programme, reached) → people this year.
    let mut counts: HashMap<(&str, Option<Programme>, Reached), i64> = HashMap::new();
    for tally in tallies {
        // The projection writes only entries it can read back.
        let Some(outcome) = outcome_from_entry(&tally.outcome) else {
            continue;
        };
        if outcome.year == year {
            *counts
                .entry((tally.regency.as_str(), outcome.programme, outcome.reached))
                .or_default() += tally.n;
        }
    }
    let reached = |regency: Option<&str>, programme: Option<Programme>, what: Reached| -> i64 {
        counts
            .iter()
            .filter(|((r, p, w), _)| {
                regency.is_none_or(|code| code == *r) && *p == programme && *w == what
            })
            .map(|(_, n)| n)
            .sum()
    };
    let stages = |regency: Option<&str>, programme: Option<Programme>, registered: i64| {
        Stage::ALL
            .iter()
            .map(|&stage| StageProgress {
                stage,
                year_count: match stage {
                    Stage::Registered => registered,
                    _ => reached(regency, programme, Reached::Stage(stage)),
                },
                target: targets.for_stage(regency, programme, stage),
            })
            .collect::<Vec<_>>()
    };
    Outcomes {
        funnel: stages(None, None, registered.total),
        programmes: Programme::ALL
            .iter()
            .map(|&programme| ProgrammeOutcomes {
                programme,
                stages: stages(
                    None,
                    Some(programme),
                    registered
                        .by_programme
                        .get(&programme)
                        .copied()
                        .unwrap_or(0),
                ),
                steps: Step::of(programme)
                    .map(|step| StepCount {
                        step,
                        year_count: reached(None, Some(programme), Reached::Step(step)),
                    })
                    .collect(),
            })
            .collect(),
        regencies: regencies
            .iter()
            .map(|(code, name)| RegencyOutcomes {
                stages: stages(
                    Some(code),
                    None,
                    registered.by_regency.get(code).copied().unwrap_or(0),
                ),
                code: code.clone(),
                name: name.clone(),
            })
            .collect(),
    }
}
