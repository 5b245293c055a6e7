//! One demo registration as the server would have stored it after a sync: a real
//! Automerge document created by the officer ([`RegistrationDoc::create_by`]), for some a
//! supervisor's review as a second change ([`RegistrationDoc::edit_by`]), sealed, with
//! its projection — a [`DocumentWrite`] ready for [`crate::store::Store::commit_documents`].
//!
//! Record `n` depends only on the seed and `n` (each record has its own random stream),
//! so sessions can be generated on several threads in any order and the result is the
//! same. A duplicate re-registers the person of an earlier record by replaying that
//! record's stream up to its person.

use std::sync::Arc;

use jemput_shared::document::{ChangeAuthor, RegistrationDoc};
use jemput_shared::domain::CivilDate;
use jemput_shared::registration::{
    Address, Consent, EducationLevel, EmploymentStatus, MaritalStatus, Millis, ProgrammeInterest,
    Registration, ReviewComment, ReviewStatus, WorkExperience,
};
use jemput_shared::registration_id::new_registration_id;
use jemput_shared::sample::SampleGenerator;
use jemput_shared::sync::seal::Sealer;
use jemput_shared::sync::server::MergedDocument;

use crate::store::DocumentWrite;

use super::follow_ups::follow_ups;
use super::names;
use super::person::{self, Person};
use super::plan::{Plan, Session, DAY_MS};
use super::users::Staff;

/// Every this many records one registers again a person registered before (both then
/// share a NIK: about 2 % of records). Exact rather than random, so even a small demo
/// has its duplicates.
const DUPLICATE_EVERY: u64 = 100;
/// Percent of records a supervisor has reviewed.
const REVIEWED_PERCENT: u64 = 30;
const HOUR_MS: i64 = 3_600_000;

/// What one session's records came to.
pub struct Batch {
    pub writes: Vec<DocumentWrite>,
    /// Records that re-register an earlier record's person.
    pub duplicates: u64,
    pub reviewed: u64,
}

/// Everything records are made from; shared by the generating threads.
pub struct Generator {
    pub seed: u64,
    /// Numbers records across runs: a second run on the same database continues after
    /// the registrations already there, so its document ids are new.
    pub first_index: u64,
    pub staff: Arc<Staff>,
    pub plan: Arc<Plan>,
    pub sealer: Sealer,
    pub now: Millis,
    pub today: CivilDate,
}

/// The start of one record: drawn first from its stream, so a later duplicate can
/// replay it.
struct Origin {
    is_duplicate: bool,
    village: usize,
    person: Person,
}

impl Generator {
    /// The documents of session `index` of the plan.
    pub fn session(&self, index: usize) -> anyhow::Result<Batch> {
        let session = &self.plan.sessions[index];
        let mut batch = Batch {
            writes: Vec::with_capacity(session.records as usize),
            duplicates: 0,
            reviewed: 0,
        };
        for record in session.first_record..session.first_record + session.records {
            let (write, duplicate, reviewed) = self.record(record, session)?;
            batch.writes.push(write);
            batch.duplicates += u64::from(duplicate);
            batch.reviewed += u64::from(reviewed);
        }
        Ok(batch)
    }

    fn stream(&self, record: u64) -> SampleGenerator {
        let index = self.first_index + record;
        SampleGenerator::new(
            self.seed.wrapping_mul(0xA24B_AED4_963E_E407)
                ^ index.wrapping_mul(0x9FB2_1C65_1E98_DF25),
        )
    }

    fn origin(
        &self,
        rng: &mut SampleGenerator,
        session: &Session,
        record: u64,
    ) -> anyhow::Result<Origin> {
        let is_duplicate = (self.first_index + record) % DUPLICATE_EVERY == DUPLICATE_EVERY - 1;
        let villages = &self.staff.officers[session.officer].villages;
        let village = rng.below(villages.len() as u64) as usize;
        let district = villages[village]
            .district()
            .ok_or_else(|| anyhow::anyhow!("{} is not a village code", villages[village]))?;
        let person = Person::generate(rng, &district, self.today)
            .map_err(|p| anyhow::anyhow!("demo person: {}", p.message_en))?;
        Ok(Origin {
            is_duplicate,
            village,
            person,
        })
    }

    /// The person first registered as record `record`, unless that record is itself a
    /// duplicate.
    fn original_person(&self, record: u64) -> anyhow::Result<Option<Person>> {
        let Some(session) = self.plan.session_of(record) else {
            return Ok(None);
        };
        let origin = self.origin(&mut self.stream(record), session, record)?;
        Ok((!origin.is_duplicate).then_some(origin.person))
    }

    /// Record `record` of this run; also says whether it is a duplicate and reviewed.
    fn record(
        &self,
        record: u64,
        session: &Session,
    ) -> anyhow::Result<(DocumentWrite, bool, bool)> {
        let mut rng = self.stream(record);
        let origin = self.origin(&mut rng, session, record)?;
        let mut person = origin.person;
        let mut duplicate = false;
        if origin.is_duplicate && record > 0 {
            // Someone registered earlier in this run, now again (maybe by another officer).
            for _ in 0..3 {
                if let Some(earlier) = self.original_person(rng.below(record))? {
                    let phone = if rng.below(2) == 0 {
                        person::phone(&mut rng)
                    } else {
                        earlier.phone.clone()
                    };
                    person = Person { phone, ..earlier };
                    duplicate = true;
                    break;
                }
            }
        }
        let officer = &self.staff.officers[session.officer];
        let village = &officer.villages[origin.village];
        let created_at = session.window_start
            + 1
            + rng.below((session.sync_at - session.window_start).max(1) as u64) as i64;
        let registration = self.registration(&mut rng, person, village, officer, created_at)?;
        let id = registration.id.clone();
        let officer_author = ChangeAuthor::new(&officer.user_id, &officer.display_name);
        let mut doc = RegistrationDoc::create_by(&registration, &officer_author, created_at);
        // What the officer's sync brings; a review would arrive through the supervisor's
        // own session, which the demo does not imitate, so it gets no receipt.
        let pushed = doc.heads();

        let regency = registration.address.regency.clone();
        let supervisor = self.staff.supervisors.get(&regency);
        let mut stored = registration;
        let mut reviewed = false;
        if let Some(supervisor) = supervisor.filter(|_| rng.below(100) < REVIEWED_PERCENT) {
            let at = review_time(&mut rng, session.sync_at, self.now);
            let (status, note) = review(&mut rng);
            let comment = note.map(|text| ReviewComment {
                id: rng.uuid(),
                author_id: supervisor.user_id.clone(),
                author_name: supervisor.display_name.clone(),
                role: "supervisor".into(),
                at,
                text: text.into(),
            });
            // The supervisor's browser is another Automerge actor.
            doc.automerge().set_actor(another_actor(&mut rng).into());
            let author = ChangeAuthor::new(&supervisor.user_id, &supervisor.display_name);
            stored = doc.edit_by(&author, at, |r| {
                r.review.status = status;
                r.review.comments.extend(comment);
            })?;
            reviewed = true;
        }

        // Later, the officer records what became of the person (a new session on the
        // phone: another actor).
        let mut followed_up = false;
        if stored.review.status == ReviewStatus::Verified {
            if let Some((steps, at)) = follow_ups(
                &mut rng,
                &stored,
                (&officer.user_id, &officer.display_name),
                self.now,
            ) {
                doc.automerge().set_actor(another_actor(&mut rng).into());
                stored = doc.edit_by(&officer_author, at, |r| r.follow_ups = steps)?;
                followed_up = true;
            }
        }

        let heads = doc.heads();
        let seal = self.sealer.seal(&id, &heads);
        let merged = MergedDocument {
            doc_id: id,
            bytes: doc.save_uncompressed(),
            registration: stored,
            seal,
            ack_heads: heads,
            ack_seal: seal,
            // The officer's phone lacks the supervisor's change (unless it pulled it before
            // recording follow-ups); a real device would pull it.
            device_is_up_to_date: !reviewed || followed_up,
            created: true,
            new_changes: pushed,
        };
        Ok((
            DocumentWrite {
                merged,
                based_on: None,
            },
            duplicate,
            reviewed,
        ))
    }

    fn registration(
        &self,
        rng: &mut SampleGenerator,
        person: Person,
        village: &jemput_shared::domain::RegionCode,
        officer: &super::users::Officer,
        created_at: Millis,
    ) -> anyhow::Result<Registration> {
        let district = village
            .district()
            .ok_or_else(|| anyhow::anyhow!("{village} is not a village code"))?;
        let education = *rng.pick(&[
            EducationLevel::Sd,
            EducationLevel::Smp,
            EducationLevel::Smp,
            EducationLevel::Sma,
            EducationLevel::Sma,
            EducationLevel::Sma,
            EducationLevel::Smk,
            EducationLevel::Smk,
            EducationLevel::Smk,
            EducationLevel::D3,
            EducationLevel::D4S1,
            EducationLevel::D4S1,
        ]);
        let education_major = match education {
            EducationLevel::Smk | EducationLevel::D3 | EducationLevel::D4S1 => {
                rng.pick(names::MAJORS).to_string()
            }
            _ => String::new(),
        };
        let this_year = i64::from(self.today.0);
        let work_experience = if rng.below(100) < 40 {
            let start_year = this_year - 1 - rng.below(6) as i64;
            vec![WorkExperience {
                employer: rng.pick(names::EMPLOYERS).to_string(),
                position: rng.pick(names::POSITIONS).to_string(),
                start_year,
                end_year: (rng.below(3) > 0)
                    .then(|| (start_year + rng.below(3) as i64).min(this_year)),
            }]
        } else {
            vec![]
        };
        let mut skills = vec![rng.pick(names::SKILLS).to_string()];
        if rng.below(3) == 0 {
            let second = rng.pick(names::SKILLS).to_string();
            if second != skills[0] {
                skills.push(second);
            }
        }
        Ok(Registration {
            id: new_registration_id(created_at, &rng.id_bytes()),
            registered_by: officer.user_id.clone(),
            assigned_officer: None,
            device_id: officer.device_id.clone(),
            created_at,
            receipt_number: None,
            full_name: person.full_name,
            nik: person.nik,
            no_nik_reason: None,
            birth_place: person.birth_place,
            birth_date: person.birth_date,
            gender: person.gender,
            marital_status: match rng.below(10) {
                0..=4 => MaritalStatus::Single,
                5..=8 => MaritalStatus::Married,
                _ => MaritalStatus::Divorced,
            },
            phone: person.phone,
            address: Address {
                regency: village.regency().as_str().to_owned(),
                district: district.as_str().to_owned(),
                village: village.as_str().to_owned(),
                hamlet: format!("Dusun {}", 1 + rng.below(6)),
                rt: format!("{:03}", 1 + rng.below(15)),
                rw: format!("{:03}", 1 + rng.below(6)),
                street: if rng.below(3) == 0 {
                    format!("{} No. {}", rng.pick(names::STREETS), 1 + rng.below(120))
                } else {
                    String::new()
                },
            },
            education,
            education_major,
            employment_status: match rng.below(10) {
                0..=5 => EmploymentStatus::Unemployed,
                6 => EmploymentStatus::Employed,
                7 | 8 => EmploymentStatus::SelfEmployed,
                _ => EmploymentStatus::Student,
            },
            work_experience,
            skills,
            follow_ups: Vec::new(),
            disability: (rng.below(100) < 2).then(|| "Tunadaksa ringan".to_owned()),
            programmes: programmes(rng),
            consent: Consent {
                given: true,
                at: Some(created_at),
                version: Some(1),
                by: Some(officer.user_id.clone()),
            },
            location: None,
            review: Default::default(),
            duplicate_of: None,
            deleted: None,
        })
    }
}

/// One programme, sometimes two; BLK training and job placement are the most asked for.
fn programmes(rng: &mut SampleGenerator) -> Vec<ProgrammeInterest> {
    let one = |rng: &mut SampleGenerator| match rng.below(100) {
        0..=34 => ProgrammeInterest::BlkTraining {
            vocation: rng.pick(names::VOCATIONS).to_string(),
        },
        35..=49 => ProgrammeInterest::DomesticApprenticeship,
        50..=59 => ProgrammeInterest::OverseasApprenticeship {
            destination_country: rng.pick(names::COUNTRIES).to_string(),
        },
        60..=74 => ProgrammeInterest::NewEntrepreneur,
        _ => ProgrammeInterest::JobPlacement,
    };
    let first = one(rng);
    let mut programmes = vec![first];
    if rng.below(100) < 20 {
        let second = one(rng);
        if second.code() != programmes[0].code() {
            programmes.push(second);
        }
    }
    programmes
}

/// Mostly verified; corrections always say what to correct, rejections mostly say why.
fn review(rng: &mut SampleGenerator) -> (ReviewStatus, Option<&'static str>) {
    match rng.below(100) {
        0..=64 => {
            let note = (rng.below(100) < 20).then(|| *rng.pick(names::VERIFICATION_NOTES));
            (ReviewStatus::Verified, note)
        }
        65..=86 => (
            ReviewStatus::NeedsCorrection,
            Some(*rng.pick(names::CORRECTION_NOTES)),
        ),
        _ => {
            let note = (rng.below(100) < 80).then(|| *rng.pick(names::REJECTION_NOTES));
            (ReviewStatus::Rejected, note)
        }
    }
}

/// An Automerge actor for another editing session (the supervisor's browser, a later
/// session on the officer's phone), drawn from the record's stream so the same seed gives
/// the same documents.
fn another_actor(rng: &mut SampleGenerator) -> [u8; 16] {
    let (a, b) = (rng.next_u64(), rng.next_u64());
    let mut bytes = [0; 16];
    bytes[..8].copy_from_slice(&a.to_le_bytes());
    bytes[8..].copy_from_slice(&b.to_le_bytes());
    bytes
}

/// A supervisor reviews within a few days of the sync that brought the record, never
/// after `now`.
fn review_time(rng: &mut SampleGenerator, synced_at: Millis, now: Millis) -> Millis {
    let delay = HOUR_MS + rng.below((5 * DAY_MS) as u64) as i64;
    (synced_at + delay).min(now).max(synced_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::users::{Officer, Supervisor};
    use jemput_shared::domain::RegionCode;

    const NOW: Millis = 1_764_000_000_000;

    fn generator(seed: u64) -> Generator {
        let officer = Officer {
            user_id: "officer-id".into(),
            username: "officer-1701-1".into(),
            display_name: "Siti Aminah".into(),
            villages: vec![
                RegionCode::parse("17.01.01.2001").unwrap(),
                RegionCode::parse("17.01.01.2002").unwrap(),
            ],
            device_id: "device-id".into(),
        };
        let supervisor = Supervisor {
            user_id: "supervisor-id".into(),
            display_name: "Hendra Wijaya".into(),
        };
        let staff = Staff {
            officers: vec![officer],
            supervisors: [("17.01".to_owned(), supervisor)].into(),
            logins: vec![],
        };
        Generator {
            seed,
            first_index: 0,
            staff: Arc::new(staff),
            plan: Arc::new(Plan::new(&[2], 400, seed, NOW)),
            sealer: Sealer::new([7; 32]),
            now: NOW,
            today: (2025, 11, 24),
        }
    }

    fn registrations(generator: &Generator) -> Vec<Registration> {
        (0..generator.plan.sessions.len())
            .flat_map(|s| generator.session(s).unwrap().writes)
            .map(|w| w.merged.registration)
            .collect()
    }

    #[test]
    fn verified_people_get_follow_ups_that_validation_accepts() {
        use jemput_shared::follow_up::{stage_reached, Stage};
        use jemput_shared::validation::{validate, ValidationContext};
        let generator = generator(5);
        let context = ValidationContext {
            today: generator.today,
            regions: None,
        };
        let mut stages = std::collections::BTreeMap::new();
        for registration in registrations(&generator) {
            if !registration.follow_ups.is_empty() {
                assert_eq!(registration.review.status, ReviewStatus::Verified);
            }
            let report = validate(&registration, &context);
            let problems: Vec<_> = report
                .errors()
                .filter(|p| p.field.starts_with("follow_ups"))
                .collect();
            assert!(problems.is_empty(), "{problems:?}");
            *stages
                .entry(stage_reached(&registration.follow_ups))
                .or_insert(0) += 1;
        }
        for stage in [Stage::Enrolled, Stage::Qualified, Stage::Working] {
            assert!(stages.get(&stage).copied().unwrap_or(0) > 0, "{stages:?}");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_registrations() {
        let one = registrations(&generator(5));
        assert_eq!(one.len(), 400);
        assert_eq!(one, registrations(&generator(5)));
        assert_ne!(one, registrations(&generator(6)));
    }

    #[test]
    fn every_hundredth_record_shares_its_nik_with_an_earlier_one() {
        let all = registrations(&generator(1));
        let mut niks: Vec<&str> = all.iter().map(|r| r.nik.as_str()).collect();
        niks.sort_unstable();
        niks.dedup();
        assert_eq!(niks.len(), 400 - 4);
    }

    fn hex_to_hash(hex: &str) -> [u8; 32] {
        let mut hash = [0; 32];
        for (i, byte) in hash.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
        }
        hash
    }

    #[test]
    fn a_review_is_the_supervisors_own_second_change() {
        let generator = generator(3);
        let mut reviewed = 0;
        for write in generator.session(0).unwrap().writes {
            let merged = write.merged;
            let mut doc = RegistrationDoc::load(&merged.bytes).unwrap();
            assert_eq!(doc.read().unwrap(), merged.registration);
            assert!(generator
                .sealer
                .verify(&merged.doc_id, &doc.heads(), &merged.seal));
            let history = jemput_shared::history::history(&mut doc, &Default::default());
            assert_eq!(
                merged.new_changes,
                [hex_to_hash(&history[0].hash)],
                "the officer's sync brings the registration, not the review"
            );
            if merged.registration.review.status == ReviewStatus::Submitted {
                assert_eq!(history.len(), 1);
            } else {
                reviewed += 1;
                assert_eq!(history[1].author_id.as_deref(), Some("supervisor-id"));
                assert!(history[1].at >= history[0].at);
            }
            assert_eq!(history[0].author_id.as_deref(), Some("officer-id"));
        }
        assert!(reviewed > 0);
    }
}
