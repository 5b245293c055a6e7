//! A registration's fields as people know them: the one home of the labels the
//! officer's form shows, which the record history reuses to say what a change did
//! ("Desa/kelurahan: Manna → Padang Kuas") instead of internal paths
//! (`address.village`). [`field_changes`] compares two versions of a registration field
//! by field; each value travels as plain text ([`Field::raw`]: a choice's code, a region's
//! code, "true"/"false") and is put in words where it is shown ([`Field::show`]).
//!
//! Bookkeeping that no one types — ids, the device, creation and consent times, who gave
//! consent under which notice version, list positions — is not a field here: the
//! history keeps it behind its technical details.

use crate::choice::{choices, Label};
use crate::follow_up::Step;
use crate::registration::{
    EducationLevel, EmploymentStatus, Gender, MaritalStatus, Programme, Registration, ReviewStatus,
};

choices! {
    /// A field of the registration form (and the review the supervisor adds), in the
    /// form's order.
    pub enum Field {
        FullName => "full_name", "Nama lengkap", "Full name";
        Nik => "nik", "NIK (16 angka)", "NIK (16 digits)";
        NoNikReason => "no_nik_reason", "Alasan belum punya NIK", "Why there is no NIK";
        BirthPlace => "birth_place", "Tempat lahir", "Place of birth";
        BirthDate => "birth_date", "Tanggal lahir", "Date of birth";
        Gender => "gender", "Jenis kelamin", "Gender";
        MaritalStatus => "marital_status", "Status perkawinan", "Marital status";
        Phone => "phone", "Nomor HP", "Mobile number";
        Regency => "regency", "Kabupaten/kota", "Regency/city";
        District => "district", "Kecamatan", "District";
        Village => "village", "Desa/kelurahan", "Village";
        Hamlet => "hamlet", "Dusun", "Hamlet";
        Rt => "rt", "RT", "RT";
        Rw => "rw", "RW", "RW";
        Street => "street", "Jalan", "Street";
        Education => "education", "Pendidikan terakhir", "Highest education";
        EducationMajor => "education_major", "Jurusan", "Major";
        EmploymentStatus => "employment_status", "Status pekerjaan", "Employment status";
        WorkExperience => "work_experience", "Pengalaman kerja", "Work experience";
        Skills => "skills", "Keterampilan", "Skills";
        Disability => "disability", "Jenis disabilitas", "Kind of disability";
        Programmes => "programmes", "Minat program", "Programme interests";
        FollowUp => "follow_up", "Tindak lanjut", "Follow-up";
        Consent => "consent", "Persetujuan", "Consent";
        Location => "location", "Lokasi GPS", "GPS location";
        ReviewStatus => "review_status", "Status verifikasi", "Review status";
        ReviewComment => "review_comment", "Komentar", "Comment";
        AssignedOfficer => "assigned_officer", "Dipindahkan ke petugas", "Handed over to officer";
        Deleted => "deleted", "Dihapus", "Deleted";
    }
}

/// What a field's raw value says, ready for a screen to put in the reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown<'a> {
    /// Nothing filled in ("—").
    Empty,
    /// Text as typed (a name, a number, a region's code when no name is known).
    Text(&'a str),
    /// A value with a name in both languages (a choice, yes or no).
    Named(Label),
    /// A region's code, for the screen to name from its region list.
    Region(&'a str),
}

const YES: Label = Label::new("Ya", "Yes");
const NO: Label = Label::new("Tidak", "No");

impl Field {
    /// The field's value in `registration`, as plain text: what [`field_changes`]
    /// compares and sends.
    pub fn raw(self, r: &Registration) -> String {
        match self {
            Field::FullName => r.full_name.clone(),
            Field::Nik => r.nik.clone(),
            Field::NoNikReason => r.no_nik_reason.clone().unwrap_or_default(),
            Field::BirthPlace => r.birth_place.clone(),
            Field::BirthDate => r.birth_date.clone(),
            Field::Gender => r.gender.code().to_owned(),
            Field::MaritalStatus => r.marital_status.code().to_owned(),
            Field::Phone => r.phone.clone(),
            Field::Regency => r.address.regency.clone(),
            Field::District => r.address.district.clone(),
            Field::Village => r.address.village.clone(),
            Field::Hamlet => r.address.hamlet.clone(),
            Field::Rt => r.address.rt.clone(),
            Field::Rw => r.address.rw.clone(),
            Field::Street => r.address.street.clone(),
            Field::Education => r.education.code().to_owned(),
            Field::EducationMajor => r.education_major.clone(),
            Field::EmploymentStatus => r.employment_status.code().to_owned(),
            Field::WorkExperience => r
                .work_experience
                .iter()
                .map(|w| {
                    let end = w.end_year.map(|y| y.to_string()).unwrap_or_default();
                    format!("{} ({}, {}–{end})", w.employer, w.position, w.start_year)
                })
                .collect::<Vec<_>>()
                .join("; "),
            Field::Skills => r.skills.join(", "),
            Field::Disability => r.disability.clone().unwrap_or_default(),
            Field::Programmes => r
                .programmes
                .iter()
                .map(|p| p.code())
                .collect::<Vec<_>>()
                .join(","),
            // The step recorded last (a change records one at a time) and its date:
            // `training_enrolled 2026-01-05`.
            Field::FollowUp => r
                .follow_ups
                .iter()
                .max_by_key(|f| f.recorded_at)
                .map(|f| format!("{} {}", f.step.code(), f.date))
                .unwrap_or_default(),
            Field::Consent => r.consent.given.to_string(),
            Field::Location => r
                .location
                .as_ref()
                .map(|at| format!("{:.5}, {:.5}", at.latitude, at.longitude))
                .unwrap_or_default(),
            Field::ReviewStatus => r.review.status.code().to_owned(),
            // The newest comment: a change adds one at a time.
            Field::ReviewComment => r
                .review
                .comments
                .last()
                .map(|c| c.text.clone())
                .unwrap_or_default(),
            Field::AssignedOfficer => r.assigned_officer.clone().unwrap_or_default(),
            Field::Deleted => r
                .deleted
                .as_ref()
                .map(|d| d.reason.clone())
                .unwrap_or_default(),
        }
    }

    /// A raw value of this field (from [`Field::raw`]) in words.
    pub fn show(self, raw: &str) -> Shown<'_> {
        if raw.is_empty() {
            return Shown::Empty;
        }
        let named = |label: Option<Label>| label.map_or(Shown::Text(raw), Shown::Named);
        match self {
            Field::Gender => named(Gender::from_code(raw).map(Gender::label)),
            Field::MaritalStatus => named(MaritalStatus::from_code(raw).map(MaritalStatus::label)),
            Field::Education => named(EducationLevel::from_code(raw).map(EducationLevel::label)),
            Field::EmploymentStatus => {
                named(EmploymentStatus::from_code(raw).map(EmploymentStatus::label))
            }
            Field::ReviewStatus => named(ReviewStatus::from_code(raw).map(ReviewStatus::label)),
            Field::Consent => Shown::Named(if raw == "true" { YES } else { NO }),
            Field::FollowUp => {
                let code = raw.split(' ').next().unwrap_or_default();
                named(Step::from_code(code).map(Step::label))
            }
            Field::Regency | Field::District | Field::Village => Shown::Region(raw),
            _ => Shown::Text(raw),
        }
    }

    /// The programmes of a raw [`Field::Programmes`] value, for naming each.
    pub fn programmes(raw: &str) -> impl Iterator<Item = Programme> + '_ {
        raw.split(',').filter_map(Programme::from_code)
    }
}

/// One field a change changed, with its value before and after ([`Field::raw`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldChange {
    pub field: Field,
    pub before: String,
    pub after: String,
}

/// The fields that differ between two versions of a registration, in the form's order.
pub fn field_changes(before: &Registration, after: &Registration) -> Vec<FieldChange> {
    Field::ALL
        .iter()
        .filter_map(|&field| {
            let (old, new) = (field.raw(before), field.raw(after));
            (old != new).then_some(FieldChange {
                field,
                before: old,
                after: new,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registration::{ProgrammeInterest, ReviewComment};

    fn siti() -> Registration {
        let mut r = Registration {
            full_name: "Siti Aminah".into(),
            nik: "1701014506990001".into(),
            ..Default::default()
        };
        r.address.village = "17.01.01.2001".into();
        r.address.hamlet = "Dusun I".into();
        r
    }

    #[test]
    fn a_changed_name_and_village_are_named_by_their_form_labels_with_old_and_new_values() {
        let before = siti();
        let mut after = siti();
        after.full_name = "Siti Aminah Putri".into();
        after.address.village = "17.01.01.2002".into();
        let changes = field_changes(&before, &after);
        assert_eq!(
            changes,
            [
                FieldChange {
                    field: Field::FullName,
                    before: "Siti Aminah".into(),
                    after: "Siti Aminah Putri".into(),
                },
                FieldChange {
                    field: Field::Village,
                    before: "17.01.01.2001".into(),
                    after: "17.01.01.2002".into(),
                },
            ]
        );
        assert_eq!(
            changes[0].field.label(),
            Label::new("Nama lengkap", "Full name")
        );
    }

    #[test]
    fn bookkeeping_is_no_field_change() {
        let before = siti();
        let mut after = siti();
        after.device_id = "phone-2".into();
        after.consent.at = Some(1_000);
        after.created_at = 5;
        assert_eq!(field_changes(&before, &after), []);
    }

    #[test]
    fn choices_are_shown_by_their_names_and_empty_values_as_empty() {
        let before = siti();
        let mut after = siti();
        after.gender = Gender::Female;
        after.review.status = ReviewStatus::NeedsCorrection;
        after.review.comments.push(ReviewComment {
            id: "c1".into(),
            author_id: "user-supervisor".into(),
            author_name: "Budi".into(),
            role: "supervisor".into(),
            at: 1_000,
            text: "Cek NIK".into(),
        });
        after.consent.given = true;
        let changes = field_changes(&before, &after);
        let fields: Vec<Field> = changes.iter().map(|c| c.field).collect();
        assert_eq!(
            fields,
            [
                Field::Gender,
                Field::Consent,
                Field::ReviewStatus,
                Field::ReviewComment
            ]
        );
        fn shown(c: &FieldChange) -> (Shown<'_>, Shown<'_>) {
            (c.field.show(&c.before), c.field.show(&c.after))
        }
        assert_eq!(
            shown(&changes[0]),
            (
                Shown::Named(Gender::Male.label()),
                Shown::Named(Gender::Female.label())
            )
        );
        assert_eq!(shown(&changes[1]), (Shown::Named(NO), Shown::Named(YES)));
        assert_eq!(shown(&changes[3]), (Shown::Empty, Shown::Text("Cek NIK")));
        assert_eq!(
            Field::Village.show("17.01.01.2001"),
            Shown::Region("17.01.01.2001")
        );
    }

    #[test]
    fn programmes_are_read_back_from_their_codes() {
        let mut r = siti();
        r.programmes.push(ProgrammeInterest::JobPlacement);
        let raw = Field::Programmes.raw(&r);
        assert_eq!(
            Field::programmes(&raw).collect::<Vec<_>>(),
            [Programme::JobPlacement]
        );
    }
}
