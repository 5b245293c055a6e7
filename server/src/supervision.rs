//! What the supervision routes share and no single route owns: the open duplicate
//! groups (the queue lists them, the overview counts them) and the stored yearly
//! targets (listed by `targets`, measured against by the overview).

use std::collections::{HashMap, HashSet};

use jemput_shared::api::targets::{default_province_target, Target};
use jemput_shared::follow_up::Stage;
use jemput_shared::registration::Programme;

use crate::error::ApiError;
use crate::startup::AppState;
use crate::store::supervision::RegencyScope;

/// One open group of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DuplicateGroup {
    pub nik: String,
    /// Sorted.
    pub ids: Vec<String>,
    /// The newest member's `created_at`: the queue's order.
    pub newest: i64,
}

/// The open groups in scope (only `nik`'s, when given), newest first.
pub(crate) async fn open_groups(
    state: &AppState,
    scope: &RegencyScope,
    nik: Option<&str>,
) -> Result<Vec<DuplicateGroup>, ApiError> {
    let nik = nik.map(str::to_owned);
    let holders = state
        .store
        .shared_nik_holders(scope.clone(), nik.clone())
        .await?;
    let closed: HashSet<(String, Vec<String>)> = state
        .store
        .duplicate_verdicts(nik)
        .await?
        .into_iter()
        .map(|v| (v.nik, v.members))
        .collect();
    // Holders come by NIK, then id.
    let mut groups: Vec<DuplicateGroup> = Vec::new();
    for holder in holders {
        match groups.last_mut() {
            Some(group) if group.nik == holder.nik => {
                group.ids.push(holder.id);
                group.newest = group.newest.max(holder.created_at);
            }
            _ => groups.push(DuplicateGroup {
                nik: holder.nik,
                ids: vec![holder.id],
                newest: holder.created_at,
            }),
        }
    }
    groups.retain(|g| g.ids.len() >= 2 && !closed.contains(&(g.nik.clone(), g.ids.clone())));
    groups.sort_by(|a, b| b.newest.cmp(&a.newest).then_with(|| a.nik.cmp(&b.nik)));
    Ok(groups)
}

/// The stored targets, looked up by what they are for.
pub(crate) struct TargetBook {
    by_key: HashMap<(Option<String>, Option<Programme>, Stage), i64>,
}

impl TargetBook {
    pub(crate) fn new(targets: Vec<Target>) -> TargetBook {
        TargetBook {
            by_key: targets
                .into_iter()
                .map(|t| ((t.regency, t.programme, t.stage), t.yearly))
                .collect(),
        }
    }

    /// The province's yearly target of registrations.
    pub(crate) fn province(&self) -> i64 {
        self.for_stage(None, None, Stage::Registered).unwrap_or(0)
    }

    pub(crate) fn regency(&self, code: &str) -> Option<i64> {
        self.for_stage(Some(code), None, Stage::Registered)
    }

    pub(crate) fn programme(&self, programme: Programme) -> Option<i64> {
        self.for_stage(None, Some(programme), Stage::Registered)
    }

    /// The target of `stage` for a regency (`None`: the province) and a programme
    /// (`None`: all of them): the stored one, else the province's default.
    pub(crate) fn for_stage(
        &self,
        regency: Option<&str>,
        programme: Option<Programme>,
        stage: Stage,
    ) -> Option<i64> {
        let key = (regency.map(str::to_owned), programme, stage);
        let province = regency.is_none() && programme.is_none();
        self.by_key
            .get(&key)
            .copied()
            .or_else(|| province.then(|| default_province_target(stage)).flatten())
    }
}

/// The stored targets. The store keeps programme codes its own writes checked, so every
/// one reads back (an unknown one, written by hand, is left out).
pub(crate) async fn stored_targets(state: &AppState) -> Result<Vec<Target>, ApiError> {
    let stored = state.store.list_targets().await?;
    Ok(stored
        .into_iter()
        .filter_map(|t| {
            let programme = match t.programme {
                None => None,
                Some(code) => Some(Programme::from_code(&code)?),
            };
            Some(Target {
                regency: t.regency,
                programme,
                stage: Stage::from_code(&t.stage)?,
                yearly: t.yearly,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_stored_province_target_the_default_counts() {
        let book = TargetBook::new(vec![]);
        assert_eq!(book.province(), 10_000);
        assert_eq!(book.for_stage(None, None, Stage::Qualified), Some(10_000));
        assert_eq!(book.for_stage(Some("17.01"), None, Stage::Qualified), None);
    }
}
