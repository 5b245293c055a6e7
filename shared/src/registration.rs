//! The registration record: one person registered by a field officer, stored as one
//! Automerge document.
//!
//! The struct below *is* the document's shape (mapped with `autosurgeon`). Free-text and
//! coded fields are kept as the officer typed them (plain scalar strings, replaced whole);
//! `crate::validation` parses them with the value types in `crate::domain` and reports
//! errors and warnings per field. Closed choices are enums, stored as their variant names.
//!
//! Lists that several people append to concurrently (review comments, work experience,
//! programme interests) are Automerge lists, so concurrent appends both survive.

#[cfg(feature = "documents")]
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::choice::choices;
use crate::follow_up::FollowUp;

/// Milliseconds since the Unix epoch (UTC).
pub type Millis = i64;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
pub struct Registration {
    /// A UUID, also the document id: time-ordered (version 7) for records made since
    /// stop 34 (`crate::registration_id`), random (version 4) before.
    pub id: String,
    /// User id of the officer who registered the person.
    pub registered_by: String,
    /// The officer a supervisor handed the record over to (one who left or moved), who
    /// may now change it besides the registering officer (`crate::policy`). Absent from
    /// the document until the first handover, so older documents read as `None` and an
    /// edit never writes the key for nothing; a handover is not undone, only passed on
    /// (back to the registering officer, if need be).
    #[cfg_attr(
        feature = "documents",
        autosurgeon(reconcile = "reconcile_once_set", missing = "Option::default")
    )]
    #[serde(default)]
    pub assigned_officer: Option<String>,
    /// Device id the record was created on.
    pub device_id: String,
    pub created_at: Millis,
    /// The number on the citizen's receipt (`crate::receipt::ReceiptNumber`), given by the
    /// phone when the record is first saved. Absent from records made before receipts
    /// (they load as `None`); once written never changed (`crate::policy`).
    #[cfg_attr(
        feature = "documents",
        autosurgeon(reconcile = "reconcile_once_set", missing = "Option::default")
    )]
    #[serde(default)]
    pub receipt_number: Option<String>,

    pub full_name: String,
    /// 16-digit NIK, or empty when `no_nik_reason` is given.
    pub nik: String,
    /// Set when the person has no NIK yet (e.g. KTP not issued); explains why.
    pub no_nik_reason: Option<String>,
    pub birth_place: String,
    /// ISO date `YYYY-MM-DD`.
    pub birth_date: String,
    pub gender: Gender,
    pub marital_status: MaritalStatus,
    /// Indonesian mobile number (`08…` or `+628…`); empty when the person has none.
    pub phone: String,
    pub address: Address,

    pub education: EducationLevel,
    pub education_major: String,
    pub employment_status: EmploymentStatus,
    pub work_experience: Vec<WorkExperience>,
    pub skills: Vec<String>,
    /// Description of a disability; `None` when the person reports none.
    pub disability: Option<String>,

    pub programmes: Vec<ProgrammeInterest>,
    /// What became of the person in their programmes, step by step
    /// (`crate::follow_up`). Absent from the document until the first step (older
    /// documents and new registrations load as empty; a step is never removed).
    #[cfg_attr(
        feature = "documents",
        autosurgeon(reconcile = "reconcile_once_listed", missing = "Vec::new")
    )]
    #[serde(default)]
    pub follow_ups: Vec<FollowUp>,
    pub consent: Consent,
    pub location: Option<GeoLocation>,

    pub review: Review,
    pub duplicate_of: Option<String>,
    pub deleted: Option<Deletion>,
}

/// Writes an optional value only once it is set: `None` leaves the document as it is
/// (without the key, for a field that is never unset).
#[cfg(feature = "documents")]
fn reconcile_once_set<T: Reconcile, R: autosurgeon::Reconciler>(
    value: &Option<T>,
    reconciler: R,
) -> Result<(), R::Error> {
    match value {
        Some(value) => value.reconcile(reconciler),
        None => Ok(()),
    }
}

/// Writes a list only once it has items: an empty one leaves the document as it is
/// (without the key, for a list whose items are never removed), so a registration
/// without follow-ups costs no bytes for them.
#[cfg(feature = "documents")]
fn reconcile_once_listed<T: Reconcile, R: autosurgeon::Reconciler>(
    items: &[T],
    reconciler: R,
) -> Result<(), R::Error> {
    if items.is_empty() {
        Ok(())
    } else {
        items.reconcile(reconciler)
    }
}

choices! {
    #[derive(Default)]
    #[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
    pub enum Gender {
        #[default]
        Male => "male", "Laki-laki", "Male";
        Female => "female", "Perempuan", "Female";
    }
}

choices! {
    #[derive(Default)]
    #[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
    pub enum MaritalStatus {
        #[default]
        Single => "single", "Belum kawin", "Single";
        Married => "married", "Kawin", "Married";
        Divorced => "divorced", "Cerai hidup", "Divorced";
        Widowed => "widowed", "Cerai mati", "Widowed";
    }
}

/// Kemendagri region codes (`17.01`, `17.01.01`, `17.01.01.2001`) plus the free-text parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
pub struct Address {
    pub regency: String,
    pub district: String,
    pub village: String,
    /// Dusun / hamlet name.
    pub hamlet: String,
    pub rt: String,
    pub rw: String,
    pub street: String,
}

choices! {
    #[derive(Default)]
    #[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
    pub enum EducationLevel {
        #[default]
        NoSchooling => "no_schooling", "Tidak/belum sekolah", "No schooling";
        Sd => "sd", "SD", "Primary (SD)";
        Smp => "smp", "SMP", "Junior secondary (SMP)";
        Sma => "sma", "SMA", "Senior secondary (SMA)";
        Smk => "smk", "SMK", "Vocational secondary (SMK)";
        D1 => "d1", "D1", "Diploma 1";
        D2 => "d2", "D2", "Diploma 2";
        D3 => "d3", "D3", "Diploma 3";
        D4S1 => "d4_s1", "D4/S1", "Bachelor (D4/S1)";
        S2 => "s2", "S2", "Master (S2)";
        S3 => "s3", "S3", "Doctorate (S3)";
    }
}

choices! {
    #[derive(Default)]
    #[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
    pub enum EmploymentStatus {
        #[default]
        Unemployed => "unemployed", "Belum bekerja", "Unemployed";
        Employed => "employed", "Bekerja", "Employed";
        SelfEmployed => "self_employed", "Usaha sendiri", "Self-employed";
        Student => "student", "Pelajar/mahasiswa", "Student";
        Other => "other", "Lainnya", "Other";
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
pub struct WorkExperience {
    pub employer: String,
    pub position: String,
    pub start_year: i64,
    /// `None` while still working there.
    pub end_year: Option<i64>,
}

/// One programme the person wants to join.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ProgrammeInterest {
    /// Vocational training at a BLK (Balai Latihan Kerja).
    BlkTraining {
        vocation: String,
    },
    DomesticApprenticeship,
    OverseasApprenticeship {
        destination_country: String,
    },
    NewEntrepreneur,
    JobPlacement,
}

impl ProgrammeInterest {
    /// Which programme this is an interest in.
    pub fn programme(&self) -> Programme {
        match self {
            ProgrammeInterest::BlkTraining { .. } => Programme::BlkTraining,
            ProgrammeInterest::DomesticApprenticeship => Programme::DomesticApprenticeship,
            ProgrammeInterest::OverseasApprenticeship { .. } => Programme::OverseasApprenticeship,
            ProgrammeInterest::NewEntrepreneur => Programme::NewEntrepreneur,
            ProgrammeInterest::JobPlacement => Programme::JobPlacement,
        }
    }

    /// The programme's stable code, used in the server's projection and exports.
    pub fn code(&self) -> &'static str {
        self.programme().code()
    }
}

choices! {
    /// The five programmes a person can be interested in, without the details an interest
    /// carries ([`ProgrammeInterest`]): what the projection, the filters, the targets and the
    /// overview count by. Its codes are the interests' `kind` tags.
    #[derive(PartialOrd, Ord)]
    #[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
    pub enum Programme {
        BlkTraining => "blk_training", "Pelatihan vokasi di BLK", "Vocational training at a BLK";
        DomesticApprenticeship => "domestic_apprenticeship", "Pemagangan dalam negeri", "Domestic apprenticeship";
        OverseasApprenticeship => "overseas_apprenticeship", "Pemagangan luar negeri", "Overseas apprenticeship";
        NewEntrepreneur => "new_entrepreneur", "Wirausaha baru", "New entrepreneur";
        JobPlacement => "job_placement", "Penempatan kerja", "Job placement";
    }
}

impl Programme {
    /// A new interest in this programme, its details (vocation, country) still empty.
    pub fn interest(self) -> ProgrammeInterest {
        match self {
            Programme::BlkTraining => ProgrammeInterest::BlkTraining {
                vocation: String::new(),
            },
            Programme::DomesticApprenticeship => ProgrammeInterest::DomesticApprenticeship,
            Programme::OverseasApprenticeship => ProgrammeInterest::OverseasApprenticeship {
                destination_country: String::new(),
            },
            Programme::NewEntrepreneur => ProgrammeInterest::NewEntrepreneur,
            Programme::JobPlacement => ProgrammeInterest::JobPlacement,
        }
    }
}

/// Consent to data processing (UU 27/2022, Pelindungan Data Pribadi). Required to save.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
pub struct Consent {
    pub given: bool,
    pub at: Option<Millis>,
    /// The version of the consent notice shown (`crate::api::consent`). Absent from
    /// records made before notices had versions (and never unset once written).
    #[cfg_attr(
        feature = "documents",
        autosurgeon(reconcile = "reconcile_once_set", missing = "Option::default")
    )]
    #[serde(default)]
    pub version: Option<u32>,
    /// The user id of who showed the notice and recorded the consent.
    #[cfg_attr(
        feature = "documents",
        autosurgeon(reconcile = "reconcile_once_set", missing = "Option::default")
    )]
    #[serde(default)]
    pub by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
pub struct GeoLocation {
    pub latitude: f64,
    pub longitude: f64,
    /// Accuracy radius in metres as reported by the device.
    pub accuracy_m: f64,
    pub captured_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
pub struct Review {
    pub status: ReviewStatus,
    pub comments: Vec<ReviewComment>,
}

choices! {
    #[derive(PartialOrd, Ord, Default)]
    #[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
    pub enum ReviewStatus {
        #[default]
        Submitted => "submitted", "Diajukan", "Submitted";
        Verified => "verified", "Terverifikasi", "Verified";
        NeedsCorrection => "needs_correction", "Perlu perbaikan", "Needs correction";
        Rejected => "rejected", "Ditolak", "Rejected";
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
pub struct ReviewComment {
    /// Unique id, so concurrent comments are told apart.
    #[cfg_attr(feature = "documents", key)]
    pub id: String,
    pub author_id: String,
    pub author_name: String,
    /// Role of the author when writing: `officer`, `supervisor` or `admin`.
    pub role: String,
    pub at: Millis,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "documents", derive(Reconcile, Hydrate))]
pub struct Deletion {
    pub reason: String,
    pub by: String,
    pub at: Millis,
}
