//! Follow-ups: what became of a registered person in a programme — enrolled in a BLK
//! batch, certified, accepted for an apprenticeship, started a business, placed in a job —
//! as dated steps on their registration (issue 17).
//!
//! A step is an item of the registration's `follow_ups` list, keyed by its id like a
//! review comment, so steps recorded offline on a phone, a supervisor's step and a
//! concurrent comment all survive a merge. This module is the one home of the steps: which
//! programme each belongs to, which details each asks for, which step must come before
//! it, and how far along the way to a skilled worker each one counts
//! ([`Stage`]). [`crate::validation`] checks a registration's steps against these rules;
//! the forms, the history and the overview read their labels from here.

#[cfg(feature = "documents")]
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::choice::choices;
use crate::limits::{self, TextLimit};
use crate::registration::{Millis, Programme};

choices! {
    /// One step on the way from registration to work, in the order a programme goes.
    #[derive(PartialOrd, Ord)]
    #[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
    pub enum Step {
        TrainingEnrolled => "training_enrolled", "Mulai pelatihan di BLK", "Enrolled in BLK training";
        TrainingCompleted => "training_completed", "Lulus pelatihan", "Completed the training";
        TrainingDroppedOut => "training_dropped_out", "Berhenti dari pelatihan", "Dropped out of the training";
        Certified => "certified", "Sertifikat kompetensi", "Competency certificate";
        ApprenticeshipAccepted => "apprenticeship_accepted", "Diterima magang", "Accepted for an apprenticeship";
        ApprenticeshipStarted => "apprenticeship_started", "Berangkat / mulai magang", "Departed / started the apprenticeship";
        ApprenticeshipFinished => "apprenticeship_finished", "Selesai magang / kembali", "Finished / returned";
        BusinessStarted => "business_started", "Usaha dimulai", "Business started";
        Placed => "placed", "Mulai bekerja", "Placed in a job";
        StillLooking => "still_looking", "Laporan 6 bulanan: masih mencari kerja", "Six-monthly report: still looking";
    }
}

choices! {
    /// A detail a step may ask for, in the order the follow-up form shows them.
    pub enum Detail {
        Blk => "blk", "Nama BLK", "BLK";
        Vocation => "vocation", "Kejuruan", "Vocation";
        Batch => "batch", "Angkatan / gelombang", "Batch";
        PlannedEnd => "planned_end", "Rencana selesai (tanggal)", "Planned end (date)";
        CertificateNumber => "certificate_number", "Nomor sertifikat", "Certificate number";
        Issuer => "issuer", "Penerbit sertifikat", "Issued by";
        Company => "company", "Perusahaan", "Company";
        Country => "country", "Negara", "Country";
        BusinessName => "business_name", "Nama usaha", "Business name";
        Sector => "sector", "Bidang usaha", "Sector";
        Support => "support", "Bantuan yang diterima", "Support received";
        Employer => "employer", "Pemberi kerja", "Employer";
        Position => "position", "Jabatan / pekerjaan", "Position";
        Formality => "formality", "Sektor", "Sector of work";
        Note => "note", "Catatan", "Note";
    }
}

choices! {
    /// Whether a job is in the formal sector (a contract, BPJS) or informal.
    #[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
    pub enum Formality {
        Formal => "formal", "Formal", "Formal";
        Informal => "informal", "Informal", "Informal";
    }
}

choices! {
    /// How far along the way a person has come, for the overview's funnel: each stage
    /// counts the people who reached it (or a later one): [`crate::outcome`].
    #[derive(PartialOrd, Ord, Default)]
    pub enum Stage {
        #[default]
        Registered => "registered", "Terdaftar", "Registered";
        Enrolled => "enrolled", "Ikut pelatihan / magang", "In training / apprenticeship";
        Qualified => "qualified", "Lulus / bersertifikat", "Completed / certified";
        Working => "working", "Bekerja / berusaha", "Working / in business";
    }
}

/// Whether a step asks for a detail, and whether it must be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Required,
    Optional,
}

impl Step {
    /// The programmes this step belongs to.
    pub fn programmes(self) -> &'static [Programme] {
        const APPRENTICESHIPS: &[Programme] = &[
            Programme::DomesticApprenticeship,
            Programme::OverseasApprenticeship,
        ];
        match self {
            Step::TrainingEnrolled
            | Step::TrainingCompleted
            | Step::TrainingDroppedOut
            | Step::Certified => &[Programme::BlkTraining],
            Step::ApprenticeshipAccepted
            | Step::ApprenticeshipStarted
            | Step::ApprenticeshipFinished => APPRENTICESHIPS,
            Step::BusinessStarted => &[Programme::NewEntrepreneur],
            Step::Placed | Step::StillLooking => &[Programme::JobPlacement],
        }
    }

    /// The steps of `programme`, in the order the follow-up form offers them.
    pub fn of(programme: Programme) -> impl Iterator<Item = Step> {
        Step::ALL
            .iter()
            .copied()
            .filter(move |step| step.programmes().contains(&programme))
    }

    /// The step that must be recorded (on an earlier or the same date) before this one.
    pub fn follows(self) -> Option<Step> {
        match self {
            Step::TrainingCompleted | Step::TrainingDroppedOut => Some(Step::TrainingEnrolled),
            Step::Certified => Some(Step::TrainingCompleted),
            Step::ApprenticeshipStarted => Some(Step::ApprenticeshipAccepted),
            Step::ApprenticeshipFinished => Some(Step::ApprenticeshipStarted),
            _ => None,
        }
    }

    /// What the step's date means, for the form's date field.
    pub fn date_label(self) -> crate::choice::Label {
        use crate::choice::Label;
        match self {
            Step::TrainingEnrolled => Label::new("Tanggal mulai", "Start date"),
            Step::TrainingCompleted => Label::new("Tanggal lulus", "Completion date"),
            Step::TrainingDroppedOut => Label::new("Tanggal berhenti", "Date left"),
            Step::Certified => Label::new("Tanggal sertifikat", "Certificate date"),
            Step::ApprenticeshipAccepted => Label::new("Tanggal diterima", "Date accepted"),
            Step::ApprenticeshipStarted => {
                Label::new("Tanggal berangkat / mulai", "Date left / started")
            }
            Step::ApprenticeshipFinished => {
                Label::new("Tanggal selesai / kembali", "Date finished / returned")
            }
            Step::BusinessStarted => Label::new("Tanggal mulai usaha", "Date the business started"),
            Step::Placed => Label::new("Tanggal mulai bekerja", "Start date"),
            Step::StillLooking => Label::new("Tanggal laporan", "Date of the report"),
        }
    }

    /// The details this step asks for (a detail not listed is not shown for it), in
    /// form order. `programme` tells a domestic apprenticeship, which needs no country,
    /// from an overseas one.
    pub fn details(self, programme: Programme) -> &'static [(Detail, Need)] {
        use Detail::*;
        use Need::*;
        match self {
            Step::TrainingEnrolled => &[
                (Blk, Required),
                (Vocation, Required),
                (Batch, Optional),
                (PlannedEnd, Required),
                (Note, Optional),
            ],
            Step::TrainingCompleted | Step::TrainingDroppedOut => &[(Note, Optional)],
            Step::Certified => &[
                (CertificateNumber, Required),
                (Issuer, Required),
                (Note, Optional),
            ],
            Step::ApprenticeshipAccepted if programme == Programme::OverseasApprenticeship => {
                &[(Company, Required), (Country, Required), (Note, Optional)]
            }
            Step::ApprenticeshipAccepted => &[(Company, Required), (Note, Optional)],
            Step::ApprenticeshipStarted | Step::ApprenticeshipFinished => &[(Note, Optional)],
            Step::BusinessStarted => &[
                (BusinessName, Required),
                (Sector, Required),
                (Support, Optional),
                (Note, Optional),
            ],
            Step::Placed => &[
                (Employer, Required),
                (Position, Required),
                (Formality, Required),
                (Note, Optional),
            ],
            Step::StillLooking => &[(Note, Optional)],
        }
    }

    /// The funnel stage a person who reached this step is at; `None` for a step that
    /// moves no one along (a dropout, a report of still looking).
    pub fn stage(self) -> Option<Stage> {
        match self {
            Step::TrainingEnrolled | Step::ApprenticeshipAccepted | Step::ApprenticeshipStarted => {
                Some(Stage::Enrolled)
            }
            Step::TrainingCompleted | Step::Certified | Step::ApprenticeshipFinished => {
                Some(Stage::Qualified)
            }
            Step::BusinessStarted | Step::Placed => Some(Stage::Working),
            Step::TrainingDroppedOut | Step::StillLooking => None,
        }
    }
}

/// One recorded step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
pub struct FollowUp {
    /// Unique id, so steps recorded concurrently are told apart.
    #[cfg_attr(feature = "documents", key)]
    pub id: String,
    pub programme: Programme,
    pub step: Step,
    /// ISO date (`YYYY-MM-DD`) the step happened; its meaning is [`Step::date_label`].
    pub date: String,
    pub details: FollowUpDetails,
    /// User id of who recorded it.
    pub recorded_by: String,
    /// Their display name when they recorded it, so a phone can name a supervisor it
    /// has no user list for (empty in steps recorded before it was kept).
    #[serde(default)]
    #[cfg_attr(feature = "documents", autosurgeon(missing = "String::new"))]
    pub recorded_by_name: String,
    pub recorded_at: Millis,
}

impl Detail {
    /// A value of this detail for people: a choice's name (`formal` → "Formal"), else
    /// the text as given.
    pub fn shown(self, value: &str) -> Result<crate::choice::Label, &str> {
        match Formality::from_code(value) {
            Some(formality) if self == Detail::Formality => Ok(formality.label()),
            _ => Err(value),
        }
    }
}

impl FollowUp {
    /// The details given, as the step asks for them and in the form's order, each with
    /// its value (a choice as its code: [`Detail::shown`] names it): what a screen shows
    /// of a step.
    pub fn shown_details(&self) -> Vec<(Detail, &str)> {
        self.step
            .details(self.programme)
            .iter()
            .map(|(detail, _)| (*detail, self.details.get(*detail)))
            .filter(|(_, value)| !value.is_empty())
            .collect()
    }
}

/// Newest first: by date, then by when recorded.
pub fn newest_first(follow_ups: &[FollowUp]) -> Vec<&FollowUp> {
    let mut sorted: Vec<&FollowUp> = follow_ups.iter().collect();
    sorted.sort_by(|a, b| (&b.date, b.recorded_at).cmp(&(&a.date, a.recorded_at)));
    sorted
}

/// The details of a step; empty where the step asks for none ([`Step::details`]). In
/// JSON a detail left out reads as empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
pub struct FollowUpDetails {
    pub blk: String,
    pub vocation: String,
    pub batch: String,
    /// ISO date the training should end: when the officer's work list asks about it.
    pub planned_end: String,
    pub certificate_number: String,
    pub issuer: String,
    pub company: String,
    pub country: String,
    pub business_name: String,
    pub sector: String,
    pub support: String,
    pub employer: String,
    pub position: String,
    pub formality: Option<Formality>,
    pub note: String,
}

impl FollowUpDetails {
    /// A text detail's value (`Formality` is a choice: its code, or empty).
    pub fn get(&self, detail: Detail) -> &str {
        match detail {
            Detail::Blk => &self.blk,
            Detail::Vocation => &self.vocation,
            Detail::Batch => &self.batch,
            Detail::PlannedEnd => &self.planned_end,
            Detail::CertificateNumber => &self.certificate_number,
            Detail::Issuer => &self.issuer,
            Detail::Company => &self.company,
            Detail::Country => &self.country,
            Detail::BusinessName => &self.business_name,
            Detail::Sector => &self.sector,
            Detail::Support => &self.support,
            Detail::Employer => &self.employer,
            Detail::Position => &self.position,
            Detail::Formality => self.formality.map(Formality::code).unwrap_or(""),
            Detail::Note => &self.note,
        }
    }

    /// Sets a text detail (`Formality` from its code; an unknown code clears it).
    pub fn set(&mut self, detail: Detail, value: String) {
        let field = match detail {
            Detail::Blk => &mut self.blk,
            Detail::Vocation => &mut self.vocation,
            Detail::Batch => &mut self.batch,
            Detail::PlannedEnd => &mut self.planned_end,
            Detail::CertificateNumber => &mut self.certificate_number,
            Detail::Issuer => &mut self.issuer,
            Detail::Company => &mut self.company,
            Detail::Country => &mut self.country,
            Detail::BusinessName => &mut self.business_name,
            Detail::Sector => &mut self.sector,
            Detail::Support => &mut self.support,
            Detail::Employer => &mut self.employer,
            Detail::Position => &mut self.position,
            Detail::Formality => {
                self.formality = Formality::from_code(&value);
                return;
            }
            Detail::Note => &mut self.note,
        };
        *field = value;
    }

    /// Keeps only the details `step` asks for, so switching steps in the form leaves
    /// nothing of the other step behind.
    pub fn keep_only(&mut self, step: Step, programme: Programme) {
        let asked = step.details(programme);
        for detail in Detail::ALL {
            if !asked.iter().any(|(d, _)| d == detail) {
                self.set(*detail, String::new());
            }
        }
    }
}

impl Detail {
    /// The limit of a text detail; `None` for [`Detail::Formality`], a choice.
    pub fn limit(self) -> Option<&'static TextLimit> {
        Some(match self {
            Detail::Blk => &limits::FOLLOW_UP_BLK,
            Detail::Vocation => &limits::FOLLOW_UP_VOCATION,
            Detail::Batch => &limits::FOLLOW_UP_BATCH,
            Detail::PlannedEnd => &limits::FOLLOW_UP_PLANNED_END,
            Detail::CertificateNumber => &limits::FOLLOW_UP_CERTIFICATE_NUMBER,
            Detail::Issuer => &limits::FOLLOW_UP_ISSUER,
            Detail::Company => &limits::FOLLOW_UP_COMPANY,
            Detail::Country => &limits::FOLLOW_UP_COUNTRY,
            Detail::BusinessName => &limits::FOLLOW_UP_BUSINESS_NAME,
            Detail::Sector => &limits::FOLLOW_UP_SECTOR,
            Detail::Support => &limits::FOLLOW_UP_SUPPORT,
            Detail::Employer => &limits::FOLLOW_UP_EMPLOYER,
            Detail::Position => &limits::FOLLOW_UP_POSITION,
            Detail::Formality => return None,
            Detail::Note => &limits::FOLLOW_UP_NOTE,
        })
    }

    /// Whether the detail is a date (`YYYY-MM-DD`).
    pub fn is_date(self) -> bool {
        self == Detail::PlannedEnd
    }
}

/// The furthest stage `follow_ups` reached (a registered person is at least
/// [`Stage::Registered`]).
pub fn stage_reached(follow_ups: &[FollowUp]) -> Stage {
    furthest_stage(follow_ups.iter().map(|f| f.step))
}

/// The furthest stage these steps reach ([`Stage::Registered`] for none that moves a
/// person along).
pub fn furthest_stage(steps: impl IntoIterator<Item = Step>) -> Stage {
    steps
        .into_iter()
        .filter_map(Step::stage)
        .max()
        .unwrap_or(Stage::Registered)
}

/// The latest step recorded for `programme` (by date, then by when it was recorded).
pub fn latest(follow_ups: &[FollowUp], programme: Programme) -> Option<&FollowUp> {
    follow_ups
        .iter()
        .filter(|f| f.programme == programme)
        .max_by(|a, b| (&a.date, a.recorded_at).cmp(&(&b.date, b.recorded_at)))
}

/// A step of `programme` on `date`, recorded by `o1`, without details: the shared
/// crate's tests' fixture.
#[cfg(test)]
pub(crate) fn step_on(programme: Programme, step: Step, date: &str) -> FollowUp {
    FollowUp {
        id: format!("{}-{date}", step.code()),
        programme,
        step,
        date: date.into(),
        details: FollowUpDetails::default(),
        recorded_by: "o1".into(),
        recorded_by_name: String::new(),
        recorded_at: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(step: Step, date: &str) -> FollowUp {
        step_on(step.programmes()[0], step, date)
    }

    #[test]
    fn every_programme_has_steps_and_every_step_a_programme() {
        for programme in Programme::ALL {
            assert!(Step::of(*programme).next().is_some(), "{programme:?}");
        }
        for step in Step::ALL {
            assert!(!step.programmes().is_empty());
            if let Some(before) = step.follows() {
                assert!(
                    step.programmes()
                        .iter()
                        .all(|p| before.programmes().contains(p)),
                    "{step:?} follows a step of another programme"
                );
            }
        }
    }

    #[test]
    fn every_step_offers_a_note_and_details_are_listed_once() {
        for step in Step::ALL {
            for programme in step.programmes() {
                let details = step.details(*programme);
                assert!(details.contains(&(Detail::Note, Need::Optional)));
                for (i, (detail, _)) in details.iter().enumerate() {
                    assert!(!details[i + 1..].iter().any(|(d, _)| d == detail));
                }
            }
        }
    }

    #[test]
    fn only_an_overseas_apprenticeship_asks_for_a_country() {
        let asks = |p| {
            Step::ApprenticeshipAccepted
                .details(p)
                .iter()
                .any(|(d, _)| *d == Detail::Country)
        };
        assert!(asks(Programme::OverseasApprenticeship));
        assert!(!asks(Programme::DomesticApprenticeship));
    }

    #[test]
    fn the_furthest_stage_counts_and_a_dropout_moves_no_one() {
        assert_eq!(stage_reached(&[]), Stage::Registered);
        let enrolled = step(Step::TrainingEnrolled, "2026-01-05");
        let dropped = step(Step::TrainingDroppedOut, "2026-02-01");
        assert_eq!(stage_reached(&[enrolled.clone(), dropped]), Stage::Enrolled);
        let certified = step(Step::Certified, "2026-04-01");
        let placed = step(Step::Placed, "2026-06-01");
        assert_eq!(
            stage_reached(&[placed, enrolled.clone(), certified]),
            Stage::Working
        );
    }

    #[test]
    fn details_are_set_read_and_cleared_for_another_step() {
        let mut details = FollowUpDetails::default();
        details.set(Detail::Employer, "CV Maju".into());
        details.set(Detail::Formality, "informal".into());
        details.set(Detail::Blk, "BLK Bengkulu".into());
        assert_eq!(details.get(Detail::Formality), "informal");
        details.keep_only(Step::Placed, Programme::JobPlacement);
        assert_eq!(details.get(Detail::Employer), "CV Maju");
        assert_eq!(details.formality, Some(Formality::Informal));
        assert_eq!(details.get(Detail::Blk), "");
        details.set(Detail::Formality, "no-such-code".into());
        assert_eq!(details.formality, None);
    }

    #[test]
    fn the_latest_step_of_a_programme_is_by_date() {
        let steps = [
            step(Step::TrainingCompleted, "2026-03-01"),
            step(Step::TrainingEnrolled, "2026-01-05"),
            step(Step::Placed, "2026-09-01"),
        ];
        assert_eq!(
            latest(&steps, Programme::BlkTraining).map(|f| f.step),
            Some(Step::TrainingCompleted)
        );
        assert_eq!(latest(&steps, Programme::NewEntrepreneur), None);
    }
}
