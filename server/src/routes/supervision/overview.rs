//! `GET /api/overview?stale_days=7` (supervisors and admins): counted registrations in
//! the requester's scope — totals, by review status and programme, this WIB year's
//! progress per regency and programme against the targets, registrations per day for
//! the last 90 days — officers who have not synced for `stale_days`, the number of
//! open duplicate groups, and this year's outcomes (`super::outcomes`;
//! docs/supervisor-api.md).
//!
//! Every number comes from the aggregate tables (`Store::registration_tallies`), never
//! from a scan of the registrations, so the answer stays fast at millions of records.

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use jemput_shared::api::overview::{
    DayCount, Overview, ProgrammeProgress, RegencyProgress, StaleOfficer,
};
use jemput_shared::calendar::{
    civil_from_days, days_from_civil, iso_date, wib_date, wib_day_number, DAY_MS,
};
use jemput_shared::domain::RegionCode;
use jemput_shared::registration::{Programme, ReviewStatus};

use crate::auth::SupervisorScope;
use crate::clock;
use crate::error::{ApiError, Message};
use crate::routes::ApiQuery;
use crate::startup::AppState;
use crate::store::supervision::RegencyScope;
use crate::supervision::{open_groups, stored_targets, TargetBook};

use super::outcomes::{outcomes, YearRegistrations};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/overview", get(overview))
}

/// Days shown in `per_day`, ending today.
const PER_DAY_DAYS: i64 = 90;

fn parse_stale_days(raw: Option<&String>) -> Result<i64, ApiError> {
    let Some(raw) = raw else {
        return Ok(7);
    };
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|days| (1..=365).contains(days))
        .ok_or_else(|| {
            ApiError::BadRequest(Message::new(
                "bad_stale_days",
                "stale_days must be a whole number of days from 1 to 365.",
                "stale_days harus bilangan bulat hari dari 1 sampai 365.",
            ))
        })
}

async fn overview(
    State(state): State<AppState>,
    SupervisorScope {
        regencies: scope, ..
    }: SupervisorScope,
    query: Result<ApiQuery<HashMap<String, String>>, ApiError>,
) -> Result<Json<Overview>, ApiError> {
    let ApiQuery(query) = query?;
    let stale_days = parse_stale_days(query.get("stale_days"))?;

    let now = clock::now_ms();
    let today = wib_day_number(now);
    let (year, _, _) = wib_date(now);
    let year_days = days_from_civil((year, 1, 1))..days_from_civil((year + 1, 1, 1));
    let first_day = today - (PER_DAY_DAYS - 1);
    let tallies = state
        .store
        .registration_tallies(scope.clone(), year_days.start.min(first_day))
        .await?;

    let mut total = 0;
    let mut by_status: BTreeMap<ReviewStatus, i64> =
        ReviewStatus::ALL.iter().map(|&s| (s, 0)).collect();
    let mut by_programme: BTreeMap<Programme, i64> =
        Programme::ALL.iter().map(|&p| (p, 0)).collect();
    // The projection holds codes the documents' enums wrote, so every one is known.
    for tally in &tallies.by_status {
        if tally.programme.is_empty() {
            total += tally.n;
            if let Some(status) = ReviewStatus::from_code(&tally.status) {
                *by_status.entry(status).or_default() += tally.n;
            }
        } else if let Some(programme) = Programme::from_code(&tally.programme) {
            *by_programme.entry(programme).or_default() += tally.n;
        }
    }

    let mut year_total = 0;
    let mut regency_year: BTreeMap<String, i64> = BTreeMap::new();
    let mut programme_year: BTreeMap<Programme, i64> =
        Programme::ALL.iter().map(|&p| (p, 0)).collect();
    let mut per_day = vec![0; PER_DAY_DAYS as usize];
    for tally in &tallies.by_day {
        let registrations = tally.programme.is_empty();
        if year_days.contains(&tally.day) {
            if registrations {
                year_total += tally.n;
                *regency_year.entry(tally.regency.clone()).or_default() += tally.n;
            } else if let Some(programme) = Programme::from_code(&tally.programme) {
                *programme_year.entry(programme).or_default() += tally.n;
            }
        }
        if registrations && (first_day..=today).contains(&tally.day) {
            per_day[(tally.day - first_day) as usize] += tally.n;
        }
    }

    let targets = TargetBook::new(stored_targets(&state).await?);
    let directory = state.regions.directory();
    // Every regency in scope: those of the region list, those named in the supervisor's
    // scope, and any a registration names (before a region list is imported).
    let mut regency_names: BTreeMap<String, String> = BTreeMap::new();
    if let Some(directory) = &directory {
        for (code, name) in directory.regencies() {
            if scope.covers(code.as_str()) {
                regency_names.insert(code.as_str().to_owned(), name.to_owned());
            }
        }
    }
    if let RegencyScope::Only(codes) = &scope {
        for code in codes {
            regency_names.entry(code.clone()).or_default();
        }
    }
    for code in regency_year.keys() {
        regency_names.entry(code.clone()).or_default();
    }
    let regency_names: Vec<(String, String)> = regency_names
        .into_iter()
        .map(|(code, name)| (code.clone(), if name.is_empty() { code } else { name }))
        .collect();
    let regencies = regency_names
        .iter()
        .map(|(code, name)| RegencyProgress {
            year_count: regency_year.get(code).copied().unwrap_or(0),
            target: targets.regency(code),
            name: name.clone(),
            code: code.clone(),
        })
        .collect();
    let outcomes = outcomes(
        &tallies.outcomes,
        year,
        YearRegistrations {
            total: year_total,
            by_regency: &regency_year,
            by_programme: &programme_year,
        },
        &regency_names,
        &targets,
    );
    // The form's order, which is the enum's.
    let programmes: Vec<ProgrammeProgress> = programme_year
        .iter()
        .map(|(&programme, &year_count)| ProgrammeProgress {
            target: targets.programme(programme),
            year_count,
            programme,
        })
        .collect();

    let stale_officers = stale_officers(&state, &scope, now - stale_days * DAY_MS).await?;
    let duplicate_groups = open_groups(&state, &scope, None).await?.len();

    Ok(Json(Overview {
        generated_at: now,
        year,
        total,
        year_total,
        by_status,
        by_programme,
        province_target: targets.province(),
        regencies,
        programmes,
        per_day: per_day
            .into_iter()
            .enumerate()
            .map(|(offset, count)| DayCount {
                day: iso_date(civil_from_days(first_day + offset as i64)),
                count,
            })
            .collect(),
        stale_officers,
        duplicate_groups,
        outcomes,
    }))
}

/// Enabled officers in scope (one of their regions lies in a regency of the scope) whose
/// newest device sync is before `synced_before` or who never synced: never-synced first,
/// then the longest silent.
async fn stale_officers(
    state: &AppState,
    scope: &RegencyScope,
    synced_before: i64,
) -> Result<Vec<StaleOfficer>, ApiError> {
    let last_syncs: HashMap<String, Option<i64>> = state
        .store
        .officer_last_syncs()
        .await?
        .into_iter()
        .collect();
    let mut stale: Vec<StaleOfficer> = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter_map(|user| {
            let last_sync_at = *last_syncs.get(&user.id)?;
            let in_scope = user.regions.iter().any(|code| {
                RegionCode::parse(code).is_ok_and(|c| scope.covers(c.regency().as_str()))
            });
            let silent = last_sync_at.is_none_or(|at| at < synced_before);
            if !(in_scope && silent) {
                return None;
            }
            Some(StaleOfficer {
                user_id: user.id,
                username: user.username,
                display_name: user.display_name,
                regions: user.regions,
                last_sync_at,
            })
        })
        .collect();
    stale.sort_by(|a, b| (a.last_sync_at, &a.username).cmp(&(b.last_sync_at, &b.username)));
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_days_default_to_a_week_and_stay_within_a_year() {
        assert_eq!(parse_stale_days(None).unwrap(), 7);
        assert_eq!(parse_stale_days(Some(&"30".to_owned())).unwrap(), 30);
        for bad in ["0", "366", "-1", "seven", ""] {
            assert!(parse_stale_days(Some(&bad.to_owned())).is_err(), "{bad}");
        }
    }
}
