//! Yearly targets: `GET /api/targets` (supervisors and admins) and
//! `PUT /api/admin/targets` (admins; replaces every target). A target is set for a
//! regency, a programme, both, or neither (the province), and counts registrations or
//! people reaching a later stage of the funnel (an outcome target); without a stored
//! province target of registrations the province's is 10,000 a year
//! (docs/supervisor-api.md).

use std::collections::HashSet;

use axum::extract::State;
use axum::routing::{get, put};
use axum::{Json, Router};
use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::targets::{default_province_target, Target, Targets};
use jemput_shared::domain::{RegionCode, RegionLevel};
use jemput_shared::follow_up::Stage;
use jemput_shared::validation::FieldProblem;

use crate::audit::{self, AuditEvent};
use crate::auth::{Admin, SupervisorScope};
use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::startup::AppState;
use crate::store::supervision::{self, RegencyScope};
use crate::supervision::stored_targets;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/targets", get(list))
        .route("/api/admin/targets", put(replace))
}

const YEARLY_RANGE: std::ops::RangeInclusive<i64> = 1..=10_000_000;
/// More entries than regencies × programmes of any province could need.
const MAX_TARGETS: usize = 2_000;

/// The targets a scope sees, with the province's defaults where none is stored
/// (first): a supervisor sees the province-wide ones and their own regencies'.
fn visible(mut targets: Vec<Target>, scope: &RegencyScope) -> Targets {
    targets.retain(|t| t.regency.as_deref().is_none_or(|r| scope.covers(r)));
    let defaults = Stage::ALL.iter().filter_map(|&stage| {
        let set = targets
            .iter()
            .any(|t| t.regency.is_none() && t.programme.is_none() && t.stage == stage);
        let yearly = default_province_target(stage).filter(|_| !set)?;
        Some(Target {
            regency: None,
            programme: None,
            stage,
            yearly,
        })
    });
    let mut shown: Vec<Target> = defaults.collect();
    shown.append(&mut targets);
    Targets { targets: shown }
}

async fn list(
    State(state): State<AppState>,
    SupervisorScope {
        regencies: scope, ..
    }: SupervisorScope,
) -> Result<Json<Targets>, ApiError> {
    Ok(Json(visible(stored_targets(&state).await?, &scope)))
}

async fn replace(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(request): ApiJson<Targets>,
) -> Result<Json<Targets>, ApiError> {
    let directory = state.regions.directory();
    let known_regency = |code: &RegionCode| match &directory {
        Some(directory) => directory.contains(code),
        // Before a region list is imported only the shape can be checked.
        None => true,
    };
    let targets = parse_targets(request.targets, known_regency)?;
    let stored = targets
        .iter()
        .map(|t| supervision::Target {
            regency: t.regency.clone(),
            programme: t.programme.map(|p| p.code().to_owned()),
            stage: t.stage.code().to_owned(),
            yearly: t.yearly,
        })
        .collect();
    state.store.replace_targets(stored).await?;
    tracing::info!(by = %admin.user.username, count = targets.len(), "targets replaced");
    let event =
        AuditEvent::new(AuditAction::TargetsSet).detail(format!("{} targets", targets.len()));
    audit::record(&state, &admin, event).await?;
    Ok(Json(visible(targets, &RegencyScope::All)))
}

fn invalid(code: &'static str, message_id: String, message_en: String) -> ApiError {
    FieldProblem::error("targets", code, message_id, message_en).into()
}

/// Checks every entry (see the module docs) and normalises regency codes.
fn parse_targets(
    targets: Vec<Target>,
    known_regency: impl Fn(&RegionCode) -> bool,
) -> Result<Vec<Target>, ApiError> {
    if targets.len() > MAX_TARGETS {
        return Err(invalid(
            "too_many_targets",
            format!("Paling banyak {MAX_TARGETS} target."),
            format!("At most {MAX_TARGETS} targets."),
        ));
    }
    let mut seen = HashSet::new();
    let mut parsed = Vec::with_capacity(targets.len());
    for (index, target) in targets.into_iter().enumerate() {
        let entry = index + 1;
        if !YEARLY_RANGE.contains(&target.yearly) {
            return Err(invalid(
                "bad_target_yearly",
                format!("Target ke-{entry}: target tahunan harus 1 sampai 10.000.000."),
                format!("Target {entry}: the yearly target must be 1 to 10,000,000."),
            ));
        }
        let regency = match &target.regency {
            None => None,
            Some(raw) => {
                let code = RegionCode::parse(raw)
                    .ok()
                    .filter(|c| c.level() == RegionLevel::Regency && known_regency(c))
                    .ok_or_else(|| {
                        invalid(
                            "unknown_regency",
                            format!("Target ke-{entry}: kabupaten/kota {raw:?} tidak dikenal."),
                            format!("Target {entry}: unknown regency {raw:?}."),
                        )
                    })?;
                Some(code.as_str().to_owned())
            }
        };
        // An unknown programme code is refused when the body is read.
        if !seen.insert((regency.clone(), target.programme, target.stage)) {
            return Err(invalid(
                "duplicate_target",
                format!(
                    "Target ke-{entry}: kabupaten/kota, program dan tahap ini sudah punya target."
                ),
                format!("Target {entry}: this regency, programme and stage already have a target."),
            ));
        }
        parsed.push(Target {
            regency,
            programme: target.programme,
            stage: target.stage,
            yearly: target.yearly,
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use jemput_shared::registration::Programme;

    use super::*;

    fn target(regency: Option<&str>, programme: Option<&str>, yearly: i64) -> Target {
        Target {
            regency: regency.map(str::to_owned),
            programme: programme.map(|code| Programme::from_code(code).unwrap()),
            stage: Stage::Registered,
            yearly,
        }
    }

    fn outcome_target(stage: Stage, yearly: i64) -> Target {
        Target {
            stage,
            ..target(None, None, yearly)
        }
    }

    #[test]
    fn a_valid_list_is_kept() {
        let list = vec![
            target(None, None, 12_000),
            target(Some("17.01"), None, 1_000),
            target(Some("17.01"), Some("blk_training"), 300),
            target(None, Some("job_placement"), 2_000),
            outcome_target(Stage::Qualified, 10_000),
            outcome_target(Stage::Working, 6_000),
        ];
        assert_eq!(parse_targets(list.clone(), |_| true).unwrap(), list);
    }

    #[test]
    fn bad_entries_are_refused() {
        for bad in [
            vec![target(None, None, 0)],
            vec![target(None, None, 10_000_001)],
            vec![target(Some("17.01.01"), None, 5)],
            vec![target(Some("xx"), None, 5)],
            vec![target(None, None, 5), target(None, None, 6)],
            vec![
                outcome_target(Stage::Qualified, 5),
                outcome_target(Stage::Qualified, 6),
            ],
        ] {
            assert!(parse_targets(bad.clone(), |_| true).is_err(), "{bad:?}");
        }
        assert!(parse_targets(vec![target(Some("17.09"), None, 5)], |_| false).is_err());
    }

    #[test]
    fn the_province_target_defaults_to_ten_thousand() {
        let shown = visible(
            vec![target(Some("17.02"), None, 5)],
            &RegencyScope::Only(vec!["17.01".into()]),
        );
        assert_eq!(
            shown.targets,
            vec![
                target(None, None, 10_000),
                outcome_target(Stage::Qualified, 10_000)
            ]
        );
        // An outcome target of the province is not its target of registrations.
        let shown = visible(
            vec![outcome_target(Stage::Qualified, 7)],
            &RegencyScope::All,
        );
        assert_eq!(
            shown.targets,
            vec![
                target(None, None, 10_000),
                outcome_target(Stage::Qualified, 7)
            ]
        );
    }
}
