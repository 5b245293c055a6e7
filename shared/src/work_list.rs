//! The officer's work list, "Perlu ditindaklanjuti": why a registered person needs the
//! officer again — a correction the supervisor asked for, a training batch that should
//! have ended without its outcome recorded, a job seeker's six-monthly report. One pure
//! function of a registration and today's date ([`due`]), so the phone computes it
//! offline and anything else (a server view, a test) gets the same answer; the phone
//! keeps a record's [`DueFacts`] beside its summary and asks them each day.

use serde::{Deserialize, Serialize};

use crate::calendar::{days_from_civil, parse_iso_date, wib_date, CivilDate};
use crate::choice::choices;
use crate::follow_up::{latest, stage_reached, Stage, Step};
use crate::registration::{Programme, Registration, ReviewStatus};

/// A job seeker reports every six months until placed (Permenaker 39/2016: the AK/I
/// card is renewed, and the seeker reports, each six months).
pub const REPORT_EVERY_DAYS: i64 = 182;

choices! {
    /// Why a person is on the work list, in the order the list shows them.
    #[derive(PartialOrd, Ord)]
    pub enum DueReason {
        CorrectionAsked => "correction_asked", "Supervisor meminta perbaikan", "The supervisor asked for a correction";
        TrainingEnded => "training_ended", "Pelatihan seharusnya sudah selesai — catat hasilnya", "The training should have ended — record how it went";
        ReportDue => "report_due", "Laporan 6 bulanan pencari kerja", "Six-monthly job-seeker report";
    }
}

/// What the work list needs to know of a registration, small enough for the phone to
/// keep beside each record's summary and ask again each day without opening the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DueFacts {
    /// The supervisor asked for a correction.
    pub correction_asked: bool,
    /// The planned end of a BLK training whose outcome is not recorded yet.
    pub training_ends: Option<CivilDate>,
    /// For a job seeker not working yet: the day of the registration or of the last
    /// six-monthly report, whichever is later.
    pub seeking_since: Option<CivilDate>,
}

impl DueFacts {
    pub fn of(registration: &Registration) -> DueFacts {
        if registration.deleted.is_some() || registration.duplicate_of.is_some() {
            return DueFacts::default();
        }
        DueFacts {
            correction_asked: registration.review.status == ReviewStatus::NeedsCorrection,
            training_ends: latest(&registration.follow_ups, Programme::BlkTraining)
                .filter(|f| f.step == Step::TrainingEnrolled)
                .and_then(|f| parse_iso_date(&f.details.planned_end)),
            seeking_since: seeking_since(registration),
        }
    }

    /// Why the registration needs its officer on `today` (WIB); empty when nothing is
    /// due.
    pub fn due(&self, today: CivilDate) -> Vec<DueReason> {
        let mut reasons = Vec::new();
        if self.correction_asked {
            reasons.push(DueReason::CorrectionAsked);
        }
        if self.training_ends.is_some_and(|end| end < today) {
            reasons.push(DueReason::TrainingEnded);
        }
        let report_due = self.seeking_since.is_some_and(|since| {
            days_from_civil(today) - days_from_civil(since) >= REPORT_EVERY_DAYS
        });
        if report_due {
            reasons.push(DueReason::ReportDue);
        }
        reasons
    }
}

/// Why `registration` needs its officer on `today` (WIB); empty when nothing is due.
pub fn due(registration: &Registration, today: CivilDate) -> Vec<DueReason> {
    DueFacts::of(registration).due(today)
}

/// For a job seeker (interested in job placement, not working yet): the later of the
/// registration's day and the last report's.
fn seeking_since(registration: &Registration) -> Option<CivilDate> {
    let seeking = registration
        .programmes
        .iter()
        .any(|p| p.programme() == Programme::JobPlacement);
    if !seeking || stage_reached(&registration.follow_ups) == Stage::Working {
        return None;
    }
    let registered = wib_date(registration.created_at);
    let last_report = registration
        .follow_ups
        .iter()
        .filter(|f| f.step == Step::StillLooking)
        .filter_map(|f| parse_iso_date(&f.date))
        .max();
    Some(last_report.map_or(registered, |report| report.max(registered)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::wib_day_start_ms;
    use crate::follow_up::FollowUp;
    use crate::registration::ProgrammeInterest;

    fn seeker(registered: CivilDate) -> Registration {
        Registration {
            created_at: wib_day_start_ms(registered),
            programmes: vec![ProgrammeInterest::JobPlacement],
            ..Default::default()
        }
    }

    fn step(step: Step, date: &str) -> FollowUp {
        crate::follow_up::step_on(step.programmes()[0], step, date)
    }

    #[test]
    fn a_job_seekers_report_is_due_six_months_after_registering_and_after_each_report() {
        let r = seeker((2026, 1, 10));
        assert!(due(&r, (2026, 7, 10)).is_empty(), "181 days");
        assert_eq!(due(&r, (2026, 7, 11)), vec![DueReason::ReportDue]);
        let mut reported = r.clone();
        reported
            .follow_ups
            .push(step(Step::StillLooking, "2026-07-12"));
        assert!(due(&reported, (2026, 12, 1)).is_empty());
        assert_eq!(due(&reported, (2027, 1, 11)), vec![DueReason::ReportDue]);
    }

    #[test]
    fn no_report_is_due_once_working_or_for_someone_not_seeking_a_job() {
        let mut placed = seeker((2025, 1, 10));
        placed.follow_ups.push(step(Step::Placed, "2025-03-01"));
        assert!(due(&placed, (2026, 12, 1)).is_empty());
        let trainee = Registration {
            programmes: vec![ProgrammeInterest::NewEntrepreneur],
            ..seeker((2025, 1, 10))
        };
        assert!(due(&trainee, (2026, 12, 1)).is_empty());
    }

    #[test]
    fn a_training_past_its_planned_end_is_due_until_its_outcome_is_recorded() {
        let mut r = Registration {
            programmes: vec![ProgrammeInterest::BlkTraining {
                vocation: "Las".into(),
            }],
            ..seeker((2026, 11, 1))
        };
        let mut enrolled = step(Step::TrainingEnrolled, "2026-09-01");
        enrolled.details.planned_end = "2026-11-30".into();
        r.follow_ups.push(enrolled);
        assert!(due(&r, (2026, 11, 30)).is_empty());
        assert_eq!(due(&r, (2026, 12, 1)), vec![DueReason::TrainingEnded]);
        r.follow_ups
            .push(step(Step::TrainingCompleted, "2026-11-30"));
        assert!(due(&r, (2026, 12, 1)).is_empty());
    }

    #[test]
    fn a_correction_is_due_and_nothing_is_for_a_deleted_record() {
        let mut r = seeker((2026, 11, 1));
        r.review.status = ReviewStatus::NeedsCorrection;
        assert_eq!(due(&r, (2026, 12, 1)), vec![DueReason::CorrectionAsked]);
        r.deleted = Some(crate::registration::Deletion {
            reason: "ganda".into(),
            by: "s1".into(),
            at: 0,
        });
        assert!(due(&r, (2027, 12, 1)).is_empty());
    }
}
