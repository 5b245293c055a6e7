//! What became of a demo person, so the overview's funnel and the officers' work lists
//! have shape: for the people a supervisor verified, the officer later records follow-up
//! steps (`jemput_shared::follow_up`) at plausible intervals — a BLK enrolment a month or
//! two after registering, the training's end two to three months later (most complete, some
//! drop out), a certificate for most who complete, a job or a business for some; an
//! apprenticeship accepted and begun; a business started; a job seeker placed, or still
//! looking. Every date is on or before `now` (a step that would lie ahead is not
//! recorded yet), and each step follows the one before it, as validation requires.

use jemput_shared::calendar::{iso_date, wib_date};
use jemput_shared::follow_up::{Detail, FollowUp, FollowUpDetails, Formality, Step};
use jemput_shared::registration::{Millis, Programme, ProgrammeInterest, Registration};
use jemput_shared::sample::SampleGenerator;

use super::names;
use super::plan::DAY_MS;

/// The steps recorded for `registration` by the officer (user id, display name) up to
/// `now`, with the time the last one was recorded (`None`: nothing to record yet).
pub(super) fn follow_ups(
    rng: &mut SampleGenerator,
    registration: &Registration,
    (officer_id, officer_name): (&str, &str),
    now: Millis,
) -> Option<(Vec<FollowUp>, Millis)> {
    let interest = registration.programmes.first()?;
    let mut path = Path {
        steps: Vec::new(),
        at: registration.created_at,
        now,
        programme: interest.programme(),
        officer_id,
        officer_name,
    };
    match interest {
        ProgrammeInterest::BlkTraining { vocation } => blk(rng, &mut path, vocation),
        ProgrammeInterest::DomesticApprenticeship
        | ProgrammeInterest::OverseasApprenticeship { .. } => {
            apprenticeship(rng, &mut path, interest)
        }
        ProgrammeInterest::NewEntrepreneur => business(rng, &mut path),
        ProgrammeInterest::JobPlacement => job(rng, &mut path),
    }
    let recorded_at = path.steps.last()?.recorded_at;
    Some((path.steps, recorded_at))
}

/// The steps so far and the time the last one happened.
struct Path<'a> {
    steps: Vec<FollowUp>,
    at: Millis,
    now: Millis,
    programme: Programme,
    officer_id: &'a str,
    officer_name: &'a str,
}

impl Path<'_> {
    /// Records `step` `days` (at least) after the last one, unless that lies past `now`;
    /// false when it does (the story stops there).
    fn step(
        &mut self,
        rng: &mut SampleGenerator,
        step: Step,
        days: (i64, i64),
        details: &[(Detail, String)],
    ) -> bool {
        let at = self.at + (days.0 + rng.below((days.1 - days.0 + 1) as u64) as i64) * DAY_MS;
        if at > self.now {
            return false;
        }
        let mut follow_up = FollowUp {
            id: rng.uuid(),
            programme: self.programme,
            step,
            date: iso_date(wib_date(at)),
            details: FollowUpDetails::default(),
            recorded_by: self.officer_id.to_owned(),
            recorded_by_name: self.officer_name.to_owned(),
            recorded_at: (at + rng.below(3 * DAY_MS as u64) as i64).min(self.now),
        };
        for (detail, value) in details {
            follow_up.details.set(*detail, value.clone());
        }
        self.at = at;
        self.steps.push(follow_up);
        true
    }
}

fn chance(rng: &mut SampleGenerator, percent: u64) -> bool {
    rng.below(100) < percent
}

fn blk(rng: &mut SampleGenerator, path: &mut Path, vocation: &str) {
    if !chance(rng, 45) {
        return;
    }
    let start = path.at + (7 + rng.below(24) as i64) * DAY_MS;
    let planned_end = iso_date(wib_date(start + (30 + rng.below(31) as i64) * DAY_MS));
    let blk = rng.pick(names::BLKS).to_string();
    let batch = format!("{}", 1 + rng.below(4));
    let enrolled = path.step(
        rng,
        Step::TrainingEnrolled,
        (7, 30),
        &[
            (Detail::Blk, blk.clone()),
            (Detail::Vocation, vocation.to_owned()),
            (Detail::Batch, batch),
            (Detail::PlannedEnd, planned_end),
        ],
    );
    if !enrolled {
        return;
    }
    if chance(rng, 15) {
        path.step(rng, Step::TrainingDroppedOut, (5, 25), &[]);
        return;
    }
    if !path.step(rng, Step::TrainingCompleted, (30, 60), &[]) || !chance(rng, 80) {
        return;
    }
    let number = format!("{}/LSP-BLK/{}", 1000 + rng.below(9000), 2025 + rng.below(2));
    let certified = path.step(
        rng,
        Step::Certified,
        (3, 14),
        &[
            (Detail::CertificateNumber, number),
            (Detail::Issuer, format!("LSP {blk}")),
        ],
    );
    if certified && chance(rng, 45) {
        path.programme = Programme::JobPlacement;
        placed(rng, path);
    }
}

fn apprenticeship(rng: &mut SampleGenerator, path: &mut Path, interest: &ProgrammeInterest) {
    if !chance(rng, 35) {
        return;
    }
    let company = rng.pick(names::EMPLOYERS).to_string();
    let mut details = vec![(Detail::Company, company)];
    if let ProgrammeInterest::OverseasApprenticeship {
        destination_country,
    } = interest
    {
        details.push((Detail::Country, destination_country.clone()));
    }
    if path.step(rng, Step::ApprenticeshipAccepted, (14, 45), &details)
        && chance(rng, 85)
        && path.step(rng, Step::ApprenticeshipStarted, (7, 30), &[])
    {
        path.step(rng, Step::ApprenticeshipFinished, (180, 365), &[]);
    }
}

fn business(rng: &mut SampleGenerator, path: &mut Path) {
    if !chance(rng, 30) {
        return;
    }
    let sector = rng.pick(names::BUSINESS_SECTORS).to_string();
    let name = format!("Usaha {} {}", sector, rng.pick(names::MALE_FAMILY));
    let support = rng.pick(names::BUSINESS_SUPPORT).to_string();
    path.step(
        rng,
        Step::BusinessStarted,
        (14, 60),
        &[
            (Detail::BusinessName, name),
            (Detail::Sector, sector),
            (Detail::Support, support),
        ],
    );
}

fn job(rng: &mut SampleGenerator, path: &mut Path) {
    if chance(rng, 35) {
        placed(rng, path);
        return;
    }
    // Still looking: a report every six months, some of them recorded.
    while chance(rng, 70) && path.step(rng, Step::StillLooking, (182, 200), &[]) {}
}

fn placed(rng: &mut SampleGenerator, path: &mut Path) {
    let formality = if chance(rng, 60) {
        Formality::Formal
    } else {
        Formality::Informal
    };
    let employer = rng.pick(names::EMPLOYERS).to_string();
    let position = rng.pick(names::POSITIONS).to_string();
    path.step(
        rng,
        Step::Placed,
        (7, 45),
        &[
            (Detail::Employer, employer),
            (Detail::Position, position),
            (Detail::Formality, formality.code().to_owned()),
        ],
    );
}
