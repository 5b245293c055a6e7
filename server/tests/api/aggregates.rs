//! The aggregate tables behind the overview and the duplicates queue stay exactly in step
//! with the projection: after a long series of random commits — new registrations, review
//! status and programme changes, moves to another regency, NIK changes, deletions,
//! duplicate marks and their removal — the store's tallies and shared-NIK holders equal a
//! recount of what was committed, for every scope. Through the `Store` trait, on the
//! backend the environment selects (SQLite, or PostgreSQL with
//! `JEMPUT_TEST_DATABASE_URL`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::harness::database::TestDatabase;
use jemput_server::store::supervision::{RegencyScope, SharedNikHolder};
use jemput_server::store::{DocumentWrite, PushedBy};
use jemput_shared::registration::{Deletion, ProgrammeInterest, Registration, ReviewStatus};
use jemput_shared::sample::SampleGenerator;
use jemput_shared::sync::server::MergedDocument;

const VILLAGES: [&str; 3] = ["17.01.01.2001", "17.01.02.2001", "17.71.01.1001"];
const NIKS: [&str; 5] = [
    "",
    "1701014506990001",
    "1701014506990002",
    "1771010101900003",
    "1701020202800004",
];
const DAY_MS: i64 = 86_400_000;

/// A small deterministic generator (the test must replay identically).
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn place(r: &mut Registration, village: &str) {
    let district = village.rsplit_once('.').unwrap().0;
    r.address.village = village.into();
    r.address.district = district.into();
    r.address.regency = district.rsplit_once('.').unwrap().0.into();
}

fn change(r: &mut Registration, dice: &mut Dice, ids: &[String]) {
    // Never created_at: nobody may change it, and the projection keeps the first.
    match dice.below(6) {
        0 => {
            r.review.status = [
                ReviewStatus::Submitted,
                ReviewStatus::Verified,
                ReviewStatus::NeedsCorrection,
                ReviewStatus::Rejected,
            ][dice.below(4) as usize]
        }
        1 => {
            r.programmes = match dice.below(3) {
                0 => vec![],
                1 => vec![ProgrammeInterest::JobPlacement],
                _ => vec![
                    ProgrammeInterest::NewEntrepreneur,
                    ProgrammeInterest::DomesticApprenticeship,
                ],
            }
        }
        2 => place(r, VILLAGES[dice.below(3) as usize]),
        3 => r.nik = NIKS[dice.below(5) as usize].into(),
        4 => {
            r.deleted = if r.deleted.is_some() {
                None
            } else {
                Some(Deletion {
                    reason: "x".into(),
                    by: "o".into(),
                    at: 1,
                })
            }
        }
        _ => {
            r.duplicate_of = if r.duplicate_of.is_some() {
                None
            } else {
                Some(ids[dice.below(ids.len() as u64) as usize].clone())
            }
        }
    }
}

fn write(registration: &Registration, based_on: Option<u64>) -> DocumentWrite {
    DocumentWrite {
        merged: MergedDocument {
            doc_id: registration.id.clone(),
            bytes: vec![0],
            registration: registration.clone(),
            seal: Default::default(),
            ack_heads: vec![],
            ack_seal: Default::default(),
            device_is_up_to_date: true,
            created: based_on.is_none(),
            new_changes: vec![],
        },
        based_on,
    }
}

fn counted(r: &Registration) -> bool {
    r.deleted.is_none() && r.duplicate_of.is_none()
}

fn wib_day(ms: i64) -> i64 {
    (ms + 7 * 3_600_000).div_euclid(DAY_MS)
}

type StatusKey = (String, String, String);
type DayKey = (String, i64, String);
/// Tallies by status, tallies by day, and (NIK, id) of shared-NIK holders.
type Recount = (
    BTreeMap<StatusKey, i64>,
    BTreeMap<DayKey, i64>,
    BTreeSet<(String, String)>,
);

/// What the aggregates should hold for `scope`, counted from the registrations.
fn recount(all: &HashMap<String, Registration>, scope: &RegencyScope) -> Recount {
    let mut by_status = BTreeMap::new();
    let mut by_day = BTreeMap::new();
    let mut holders: BTreeMap<String, Vec<&Registration>> = BTreeMap::new();
    for r in all.values().filter(|r| counted(r)) {
        if !r.nik.is_empty() {
            holders.entry(r.nik.clone()).or_default().push(r);
        }
        let regency = &r.address.regency;
        if !scope.covers(regency) {
            continue;
        }
        let day = wib_day(r.created_at);
        let mut programmes: Vec<&str> = vec![""];
        programmes.extend(r.programmes.iter().map(ProgrammeInterest::code));
        programmes.dedup();
        for programme in programmes {
            *by_status
                .entry((
                    regency.clone(),
                    programme.to_owned(),
                    r.review.status.code().to_owned(),
                ))
                .or_default() += 1;
            *by_day
                .entry((regency.clone(), day, programme.to_owned()))
                .or_default() += 1;
        }
    }
    let shared = holders
        .into_values()
        .filter(|list| list.len() >= 2)
        .flatten()
        .filter(|r| scope.covers(&r.address.regency))
        .map(|r| (r.nik.clone(), r.id.clone()))
        .collect();
    (by_status, by_day, shared)
}

#[tokio::test]
async fn the_aggregates_equal_a_recount_after_a_long_series_of_random_commits() {
    let database = TestDatabase::create();
    let dir = tempfile::tempdir().unwrap();
    let store = jemput_server::store::open(database.url(), dir.path())
        .await
        .expect("the store opens");
    let mut gen = SampleGenerator::new(77);
    let mut dice = Dice(2026);
    let mut all: HashMap<String, Registration> = HashMap::new();
    let mut seqs: HashMap<String, u64> = HashMap::new();
    let mut ids: Vec<String> = Vec::new();
    let now = 1_796_000_000_000;

    for _round in 0..150 {
        let mut batch: Vec<Registration> = Vec::new();
        for _ in 0..1 + dice.below(6) {
            if ids.is_empty() || dice.below(3) == 0 {
                let village = VILLAGES[dice.below(3) as usize];
                let created = now - dice.below(400) as i64 * DAY_MS;
                let mut r = gen.registration("officer", "device", village, created);
                r.nik = NIKS[dice.below(5) as usize].into();
                batch.push(r);
            } else {
                let id = &ids[dice.below(ids.len() as u64) as usize];
                if batch.iter().any(|b| b.id == *id) {
                    continue;
                }
                let mut r = all[id].clone();
                for _ in 0..1 + dice.below(2) {
                    change(&mut r, &mut dice, &ids);
                }
                batch.push(r);
            }
        }
        let writes = batch
            .iter()
            .map(|r| write(r, seqs.get(&r.id).copied()))
            .collect();
        let positions = store
            .commit_documents(
                PushedBy {
                    user_id: "officer".into(),
                    device_id: "device".into(),
                    sync: None,
                },
                writes,
                now,
            )
            .await
            .expect("the commit succeeds");
        for (r, position) in batch.into_iter().zip(positions) {
            seqs.insert(r.id.clone(), position.seq);
            if !all.contains_key(&r.id) {
                ids.push(r.id.clone());
            }
            all.insert(r.id.clone(), r);
        }
    }

    for scope in [
        RegencyScope::All,
        RegencyScope::Only(vec!["17.01".into()]),
        RegencyScope::Only(vec!["17.01".into(), "17.71".into()]),
        RegencyScope::Only(vec![]),
    ] {
        let (by_status, by_day, shared) = recount(&all, &scope);
        let tallies = store
            .registration_tallies(scope.clone(), i64::MIN)
            .await
            .unwrap();
        let stored_status: BTreeMap<StatusKey, i64> = tallies
            .by_status
            .into_iter()
            .map(|t| ((t.regency, t.programme, t.status), t.n))
            .collect();
        let stored_days: BTreeMap<DayKey, i64> = tallies
            .by_day
            .into_iter()
            .map(|t| ((t.regency, t.day, t.programme), t.n))
            .collect();
        assert_eq!(stored_status, by_status, "{scope:?}");
        assert_eq!(stored_days, by_day, "{scope:?}");
        let holders: BTreeSet<(String, String)> = store
            .shared_nik_holders(scope.clone(), None)
            .await
            .unwrap()
            .into_iter()
            .map(|SharedNikHolder { nik, id, .. }| (nik, id))
            .collect();
        assert_eq!(holders, shared, "{scope:?}");
        if scope == RegencyScope::All {
            assert!(shared.len() >= 2, "the series shares NIKs");
        }
    }
    let counted_total = all.values().filter(|r| counted(r)).count();
    assert!(
        counted_total > 20 && counted_total < all.len(),
        "the series covers both kinds"
    );
}
