//! Likely duplicates beyond an identical NIK: pairs of counted registrations with the
//! same name and birth date whose NIKs are one typing slip apart (one digit off, two
//! neighbouring digits swapped), or who share a village as well
//! (`jemput_shared::likeness`, the rules the officer's phone warns with). The duplicates
//! queue lists them beside the groups sharing a NIK, each with its reason.
//!
//! Matching never runs inside a sync's commit or the projector: a sweep reads the
//! projection in the background, in pages, every [`LikelySweep::every`] (ten minutes by
//! default, `--likely-duplicates-every`), and keeps the pairs in memory (each instance
//! its own; after a restart they show again one period later). Its memory stays small at a million registrations:
//! a first pass keeps one 64-bit hash of (birth date, name) per registration, a second
//! keeps only the registrations whose hash another one shares.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jemput_shared::likeness::{likeness, name_key, Likeness, Person};

use crate::startup::AppState;
use crate::store::supervision::{PersonRow, RegencyScope};
use crate::store::{Store, StoreError};

/// Registrations read per page of a sweep.
const PAGE: usize = 5_000;

/// How often the sweep runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LikelySweep {
    pub every: Duration,
}

impl Default for LikelySweep {
    fn default() -> Self {
        LikelySweep {
            every: Duration::from_secs(600),
        }
    }
}

/// Two registrations that are probably one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LikelyPair {
    /// Sorted.
    pub ids: [String; 2],
    pub regencies: [String; 2],
    pub likeness: Likeness,
}

/// The last sweep's pairs, shared by the routes.
#[derive(Debug, Clone, Default)]
pub struct LikelyDuplicates {
    pairs: Arc<RwLock<Vec<LikelyPair>>>,
}

impl LikelyDuplicates {
    /// The pairs both of whose registrations `scope` covers.
    pub fn in_scope(&self, scope: &RegencyScope) -> Vec<LikelyPair> {
        let pairs = self.pairs.read().unwrap_or_else(|p| p.into_inner());
        pairs
            .iter()
            .filter(|pair| pair.regencies.iter().all(|r| scope.covers(r)))
            .cloned()
            .collect()
    }

    fn replace(&self, pairs: Vec<LikelyPair>) {
        *self.pairs.write().unwrap_or_else(|p| p.into_inner()) = pairs;
    }
}

/// Sweeps every `sweep.every`, the first time that long after the start (so a restart
/// under load does not add a sweep to it; the pairs show again within one period).
pub fn spawn(state: AppState, sweep: LikelySweep) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(sweep.every).await;
            let started = Instant::now();
            match find_pairs(state.store.as_ref()).await {
                Ok(pairs) => {
                    tracing::debug!(
                        pairs = pairs.len(),
                        seconds = started.elapsed().as_secs_f64(),
                        "likely duplicates swept"
                    );
                    state.likely_duplicates.replace(pairs);
                }
                Err(error) => tracing::warn!(%error, "sweeping for likely duplicates failed"),
            }
        }
    });
}

/// The (birth date, name) a registration is matched on; `None` without either.
fn match_key(row: &PersonRow) -> Option<u64> {
    let name = name_key(&row.full_name);
    if name.is_empty() || row.birth_date.is_empty() {
        return None;
    }
    let mut hasher = DefaultHasher::new();
    (&row.birth_date, &name).hash(&mut hasher);
    Some(hasher.finish())
}

/// Every counted registration, page by page.
async fn each_page(
    store: &dyn Store,
    mut visit: impl FnMut(Vec<PersonRow>),
) -> Result<(), StoreError> {
    let mut after = String::new();
    loop {
        let page = store.people_after(after, PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = last.position.clone();
        let full = page.len() == PAGE;
        visit(page);
        if !full {
            return Ok(());
        }
    }
}

/// Reads the projection twice and returns the likely pairs, in id order.
pub async fn find_pairs(store: &dyn Store) -> Result<Vec<LikelyPair>, StoreError> {
    let mut keys: Vec<u64> = Vec::new();
    each_page(store, |page| keys.extend(page.iter().filter_map(match_key))).await?;
    keys.sort_unstable();
    let shared: HashSet<u64> = keys
        .windows(2)
        .filter(|pair| pair[0] == pair[1])
        .map(|pair| pair[0])
        .collect();
    drop(keys);
    let mut candidates: Vec<PersonRow> = Vec::new();
    each_page(store, |page| {
        candidates.extend(
            page.into_iter()
                .filter(|row| match_key(row).is_some_and(|key| shared.contains(&key))),
        );
    })
    .await?;
    Ok(pairs_among(&candidates))
}

/// The likely pairs among `rows`: those with the same (birth date, name) and a
/// [`Likeness`] beyond sharing the NIK (the queue's NIK groups hold those).
fn pairs_among(rows: &[PersonRow]) -> Vec<LikelyPair> {
    let mut groups: HashMap<(&str, String), Vec<&PersonRow>> = HashMap::new();
    for row in rows {
        groups
            .entry((&row.birth_date, name_key(&row.full_name)))
            .or_default()
            .push(row);
    }
    let mut pairs = Vec::new();
    for members in groups.values() {
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                let why = likeness(&as_person(a), &as_person(b));
                let Some(why) =
                    why.filter(|w| !matches!(w, Likeness::SameNik | Likeness::SameNikOtherName))
                else {
                    continue;
                };
                let (first, second) = if a.id <= b.id { (a, b) } else { (b, a) };
                pairs.push(LikelyPair {
                    ids: [first.id.clone(), second.id.clone()],
                    regencies: [first.regency.clone(), second.regency.clone()],
                    likeness: why,
                });
            }
        }
    }
    pairs.sort_by(|a, b| a.ids.cmp(&b.ids));
    pairs
}

fn as_person(row: &PersonRow) -> Person<'_> {
    Person {
        nik: &row.nik,
        full_name: &row.full_name,
        birth_date: &row.birth_date,
        village: &row.village,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, nik: &str, name: &str, birth: &str, village: &str) -> PersonRow {
        PersonRow {
            id: id.into(),
            nik: nik.into(),
            full_name: name.into(),
            birth_date: birth.into(),
            village: village.into(),
            regency: village.get(..5).unwrap_or_default().into(),
            position: id.into(),
        }
    }

    #[test]
    fn slips_and_the_same_village_pair_up_and_nothing_else_does() {
        let rows = [
            row(
                "b",
                "1701024107900002",
                "Siti Nurhaliza",
                "1990-07-01",
                "17.01.01.2001",
            ),
            row(
                "a",
                "1701024107900001",
                "SITI NURHALIZA",
                "1990-07-01",
                "17.02.01.2001",
            ),
            // The same NIK and name: the queue's NIK group, not a likely pair.
            row(
                "c",
                "1701024107900001",
                "Siti Nurhaliza",
                "1990-07-01",
                "17.01.01.2001",
            ),
            // No NIK, same name, birth date and village as "b".
            row("d", "", "Siti Nurhaliza", "1990-07-01", "17.01.01.2001"),
            // Same name, another birth date.
            row(
                "e",
                "1701024107900003",
                "Siti Nurhaliza",
                "1990-07-02",
                "17.01.01.2001",
            ),
        ];
        let pairs = pairs_among(&rows);
        let found: Vec<(&str, &str, Likeness)> = pairs
            .iter()
            .map(|p| (p.ids[0].as_str(), p.ids[1].as_str(), p.likeness))
            .collect();
        assert_eq!(
            found,
            vec![
                ("a", "b", Likeness::NikOneDigitOff),
                ("b", "c", Likeness::NikOneDigitOff),
                ("b", "d", Likeness::SameNameBirthVillage),
                ("c", "d", Likeness::SameNameBirthVillage),
            ]
        );
        assert_eq!(pairs[0].regencies, ["17.02".to_owned(), "17.01".to_owned()]);
    }

    #[test]
    fn a_registration_without_name_or_birth_date_is_not_matched() {
        assert_eq!(match_key(&row("a", "1", "", "1990-07-01", "")), None);
        assert_eq!(match_key(&row("a", "1", "Siti", "", "")), None);
        assert_eq!(
            match_key(&row("a", "1", "Siti  Aminah", "1990-07-01", "")),
            match_key(&row("b", "2", "siti aminah", "1990-07-01", "x"))
        );
    }
}
