//! The duplicates queue (supervisors and admins; docs/supervisor-api.md):
//!
//! - `GET /api/duplicates?page=1&per_page=20`: groups of two or more counted
//!   registrations in the requester's scope sharing a (non-empty) NIK, newest group
//!   first, minus groups a supervisor closed as "different people" for exactly that set
//!   of registrations (a new registration with the NIK reopens the group);
//!   each group says whether the names differ too; beside the groups, the likely pairs
//!   with different NIKs in scope that the last sweep found (`likely_duplicates.rs`),
//!   each with its reason;
//! - `POST /api/duplicates/resolve` `{nik, verdict: "same_person", keep}`: every other
//!   registration of the group gets `duplicate_of = keep`, written as an Automerge change
//!   to its document (`server_edit`), so it reaches the officers' phones and drops out of
//!   the counts; `{nik, verdict: "different_people"}` closes the group as it stands.

use std::collections::HashMap;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::duplicates::{
    DuplicateGroup as GroupView, DuplicateQueue, LikelyPair as LikelyPairView, ResolveRequest,
    Resolved, Verdict, MAX_LIKELY_PAIRS,
};
use jemput_shared::likeness::{likeness, Likeness, Person};

use crate::audit::{self, AuditEvent};
use crate::auth::SupervisorScope;
use crate::clock;
use crate::error::{ApiError, Message};
use crate::listing::names::RowNames;
use crate::routes::{ApiJson, ApiQuery};
use crate::server_edit::edit_registrations;
use crate::startup::AppState;
use crate::store::projection::ProjectionRow;
use crate::store::supervision::DuplicateVerdict;
use crate::supervision::{open_groups, DuplicateGroup};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/duplicates", get(list))
        .route("/api/duplicates/resolve", post(resolve))
}

const DEFAULT_PER_PAGE: usize = 20;
const MAX_PER_PAGE: usize = 100;

fn bad_paging() -> ApiError {
    ApiError::BadRequest(Message::new(
        "bad_paging",
        format!("page must be 1 or more and per_page from 1 to {MAX_PER_PAGE}."),
        format!("page minimal 1 dan per_page dari 1 sampai {MAX_PER_PAGE}."),
    ))
}

fn parse_number(raw: Option<&String>, default: usize, max: usize) -> Result<usize, ApiError> {
    match raw {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(bad_paging),
    }
}

async fn list(
    State(state): State<AppState>,
    SupervisorScope {
        regencies: scope, ..
    }: SupervisorScope,
    query: Result<ApiQuery<HashMap<String, String>>, ApiError>,
) -> Result<Json<DuplicateQueue>, ApiError> {
    let ApiQuery(query) = query?;
    let page = parse_number(query.get("page"), 1, usize::MAX)?;
    let per_page = parse_number(query.get("per_page"), DEFAULT_PER_PAGE, MAX_PER_PAGE)?;

    let groups = open_groups(&state, &scope, None).await?;
    let total = groups.len();
    let shown: Vec<DuplicateGroup> = groups
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    let likely = state.likely_duplicates.in_scope(&scope);
    let ids: Vec<String> = shown
        .iter()
        .flat_map(|g| g.ids.iter().cloned())
        .chain(likely.iter().flat_map(|p| p.ids.iter().cloned()))
        .collect();
    let rows: HashMap<String, ProjectionRow> = state
        .store
        .registration_rows(ids)
        .await?
        .into_iter()
        .map(|row| (row.id.clone(), row))
        .collect();
    let names = RowNames::load(&state).await?;
    let groups = shown
        .into_iter()
        .map(|group| {
            let members = oldest_first(group.ids.iter().filter_map(|id| rows.get(id)));
            GroupView {
                nik: group.nik,
                likeness: nik_group_likeness(&members),
                registrations: members.iter().map(|row| names.table_row(row)).collect(),
            }
        })
        .collect();
    // A pair may be a sweep old: one since marked a duplicate or erased drops out.
    let mut likely: Vec<LikelyPairView> = likely
        .iter()
        .filter_map(|pair| {
            let members = oldest_first(pair.ids.iter().filter_map(|id| rows.get(id)));
            let current = members.len() == 2 && members.iter().all(|r| r.duplicate_of.is_none());
            current.then(|| LikelyPairView {
                likeness: pair.likeness,
                registrations: members.iter().map(|row| names.table_row(row)).collect(),
            })
        })
        .collect();
    likely.sort_by_key(|pair| {
        std::cmp::Reverse(pair.registrations.iter().map(|r| r.created_at).max())
    });
    let likely_total = likely.len();
    likely.truncate(MAX_LIKELY_PAIRS);
    Ok(Json(DuplicateQueue {
        groups,
        total,
        likely,
        likely_total,
    }))
}

/// `rows` oldest first (the original usually came first).
fn oldest_first<'a>(rows: impl Iterator<Item = &'a ProjectionRow>) -> Vec<&'a ProjectionRow> {
    let mut rows: Vec<&ProjectionRow> = rows.collect();
    rows.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    rows
}

/// Why a group sharing a NIK is in the queue: the same NIK, with another name or not
/// (`jemput_shared::likeness`, each member against the oldest).
fn nik_group_likeness(members: &[&ProjectionRow]) -> Likeness {
    fn person(row: &ProjectionRow) -> Person<'_> {
        Person {
            nik: &row.nik,
            full_name: &row.full_name,
            birth_date: &row.birth_date,
            village: &row.village,
        }
    }
    let Some((first, others)) = members.split_first() else {
        return Likeness::SameNik;
    };
    let other_name = others
        .iter()
        .any(|row| likeness(&person(first), &person(row)) == Some(Likeness::SameNikOtherName));
    if other_name {
        Likeness::SameNikOtherName
    } else {
        Likeness::SameNik
    }
}

fn group_not_found() -> ApiError {
    ApiError::not_found("This duplicate group", "Kelompok data ganda ini")
}

fn bad_request(code: &'static str, en: &'static str, id: &'static str) -> ApiError {
    ApiError::BadRequest(Message::new(code, en, id))
}

async fn resolve(
    State(state): State<AppState>,
    SupervisorScope {
        auth,
        regencies: scope,
    }: SupervisorScope,
    ApiJson(request): ApiJson<ResolveRequest>,
) -> Result<Json<Resolved>, ApiError> {
    // An unknown verdict is refused when the body is read.
    let same_person = request.verdict == Verdict::SamePerson;
    let keep = match (same_person, request.keep) {
        (true, Some(keep)) => Some(keep),
        (true, None) => {
            return Err(bad_request(
                "keep_required",
                "Say which registration to keep (keep).",
                "Sebutkan pendaftaran mana yang dipertahankan (keep).",
            ))
        }
        (false, Some(_)) => {
            return Err(bad_request(
                "keep_not_allowed",
                "keep belongs to the same_person verdict only.",
                "keep hanya untuk keputusan same_person.",
            ))
        }
        (false, None) => None,
    };
    if request.nik.is_empty() {
        return Err(group_not_found());
    }
    let group = open_groups(&state, &scope, Some(&request.nik))
        .await?
        .into_iter()
        .next()
        .ok_or_else(group_not_found)?;

    let Some(keep) = keep else {
        state
            .store
            .record_duplicate_verdict(DuplicateVerdict {
                nik: group.nik.clone(),
                members: group.ids,
                decided_by: auth.user.id.clone(),
                decided_at: clock::now_ms(),
            })
            .await?;
        tracing::info!(by = %auth.user.username, "duplicate group closed as different people");
        let event = AuditEvent::new(AuditAction::DuplicatesDecided)
            .about_nik(&group.nik)
            .detail(request.verdict.code());
        audit::record(&state, &auth, event).await?;
        return Ok(Json(Resolved {
            nik: group.nik,
            verdict: request.verdict,
            keep: None,
            duplicates: vec![],
        }));
    };
    if !group.ids.contains(&keep) {
        return Err(bad_request(
            "keep_not_in_group",
            "keep must be one of the group's registrations.",
            "keep harus salah satu pendaftaran dalam kelompok ini.",
        ));
    }
    let duplicates: Vec<String> = group.ids.into_iter().filter(|id| *id != keep).collect();
    let original = keep.clone();
    edit_registrations(&state, &auth, &duplicates, group_not_found, move |r| {
        r.duplicate_of = Some(original.clone());
    })
    .await?;
    tracing::info!(by = %auth.user.username, count = duplicates.len(), "duplicates marked");
    let event = AuditEvent::new(AuditAction::DuplicatesDecided)
        .target(&keep)
        .about_nik(&group.nik)
        .detail(format!(
            "{}; kept {keep}; {} marked",
            request.verdict.code(),
            duplicates.len()
        ));
    audit::record(&state, &auth, event).await?;
    Ok(Json(Resolved {
        nik: group.nik,
        verdict: request.verdict,
        keep: Some(keep),
        duplicates,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_numbers_are_bounded() {
        assert_eq!(parse_number(None, 20, 100).unwrap(), 20);
        assert_eq!(parse_number(Some(&"3".to_owned()), 20, 100).unwrap(), 3);
        for bad in ["0", "101", "-1", "x"] {
            assert!(
                parse_number(Some(&bad.to_owned()), 20, 100).is_err(),
                "{bad}"
            );
        }
    }
}
