//! Checks a whole [`Registration`] field by field and reports what an officer should fix.
//!
//! [`validate`] is the one validation that the form (instant feedback while typing), the
//! document mapping and the server's ingest check all run, so they never disagree. It
//! never stops at the first problem: the officer sees everything at once, each problem
//! tied to a field path (`"nik"`, `"address.village"`, `"programmes[1].vocation"`).
//!
//! An [`Severity::Error`] blocks submitting; a [`Severity::Warning`] asks the officer to
//! look again (a NIK whose birth date differs from the entered one, an age outside working
//! age) but the record may still be saved, because the officer in the field may know
//! better than the rule.
//!
//! Every text and list is held to its limit in [`crate::limits`] first: a value over it is
//! reported as `too_long` (a list as `too_many`) and not parsed further, and a list over
//! its limit has its items left unchecked, so a hostile document costs a character count
//! per field and yields a short report, whatever its size.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::calendar::parse_iso_date;
use crate::domain::{
    BirthDate, CivilDate, Nik, PhoneNumber, RegionCode, RegionDirectory, RegionLevel,
};
use crate::follow_up::{Detail, FollowUp, Need};
use crate::limits::{self, ListLimit, TextLimit};
use crate::receipt::ReceiptNumber;
use crate::registration::{
    Address, Deletion, GeoLocation, ProgrammeInterest, Registration, Review, WorkExperience,
};

/// Whether a problem blocks submitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Must be fixed before the registration counts as valid.
    Error,
    /// Worth a second look; does not block.
    Warning,
}

/// One thing wrong (or suspicious) with one field.
///
/// `field` and `code` are `Cow<'static, str>` rather than `&'static str`: the checks use
/// compile-time constants (no allocation), yet a problem that came over the wire as JSON
/// still deserializes. Compare them with `==` against a `&str` as usual.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    /// Path of the field in the domain, e.g. `"nik"`, `"address.village"`,
    /// `"work_experience[0].end_year"`.
    pub field: Cow<'static, str>,
    pub severity: Severity,
    /// Stable machine code, e.g. `"nik_length"`; the app may key its own texts on it.
    pub code: Cow<'static, str>,
    /// The message for the officer, in Bahasa Indonesia.
    pub message_id: String,
    /// The same message in English.
    pub message_en: String,
}

impl FieldProblem {
    pub fn error(
        field: impl Into<Cow<'static, str>>,
        code: &'static str,
        message_id: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        FieldProblem {
            field: field.into(),
            severity: Severity::Error,
            code: Cow::Borrowed(code),
            message_id: message_id.into(),
            message_en: message_en.into(),
        }
    }

    pub fn warning(
        field: impl Into<Cow<'static, str>>,
        code: &'static str,
        message_id: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        FieldProblem {
            severity: Severity::Warning,
            ..FieldProblem::error(field, code, message_id, message_en)
        }
    }

    /// The same problem, reported on another field. The value types name a default field
    /// (a [`RegionCode`] says `"region"`); the caller knows which form field it read.
    pub fn at(mut self, field: impl Into<Cow<'static, str>>) -> Self {
        self.field = field.into();
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }
}

impl fmt::Display for FieldProblem {
    /// English, for logs; the officer sees `message_id`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.field, self.code, self.message_en)
    }
}

impl std::error::Error for FieldProblem {}

/// What [`validate`] needs besides the registration.
#[derive(Debug, Clone, Copy)]
pub struct ValidationContext<'a> {
    /// Today's date (year, month, day), from the caller's clock: the core reads none.
    pub today: CivilDate,
    /// The official region list, when loaded. Without it, region codes are only checked
    /// for shape and nesting, not for existence.
    pub regions: Option<&'a RegionDirectory>,
}

/// All problems found in one registration, in form order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Report {
    pub problems: Vec<FieldProblem>,
}

impl Report {
    pub fn errors(&self) -> impl Iterator<Item = &FieldProblem> {
        self.problems.iter().filter(|p| p.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &FieldProblem> {
        self.problems.iter().filter(|p| p.is_warning())
    }

    /// True when nothing blocks submitting (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }

    /// The problems on one field, for showing next to it in the form.
    pub fn for_field<'r>(&'r self, field: &'r str) -> impl Iterator<Item = &'r FieldProblem> {
        self.problems.iter().filter(move |p| p.field == field)
    }
}

/// Checks every field of `reg`. See the module docs for what counts as an error.
pub fn validate(reg: &Registration, ctx: &ValidationContext) -> Report {
    let mut problems = Vec::new();
    check_id(reg, &mut problems);
    check_full_name(&reg.full_name, &mut problems);
    let birth_date = check_birth_date(&reg.birth_date, ctx.today, &mut problems);
    check_nik(reg, birth_date.as_ref(), &mut problems);
    check_birth_place(&reg.birth_place, &mut problems);
    check_phone(&reg.phone, &mut problems);
    check_address(&reg.address, ctx.regions, &mut problems);
    check_text(
        &reg.education_major,
        &limits::EDUCATION_MAJOR,
        &mut problems,
    );
    check_work_experience(&reg.work_experience, ctx.today.0, &mut problems);
    check_skills(&reg.skills, &mut problems);
    if let Some(disability) = &reg.disability {
        check_text(disability, &limits::DISABILITY, &mut problems);
    }
    check_programmes(&reg.programmes, &mut problems);
    check_follow_ups(&reg.follow_ups, ctx.today, &mut problems);
    check_consent(reg.consent.given, &mut problems);
    if let Some(location) = &reg.location {
        check_location(location, &mut problems);
    }
    check_review(&reg.review, &mut problems);
    if let Some(original) = &reg.duplicate_of {
        check_text(original, &limits::DUPLICATE_OF, &mut problems);
    }
    if let Some(deletion) = &reg.deleted {
        check_deletion(deletion, &mut problems);
    }
    // The NIK is checked after the birth date (it needs the parsed date) but reads better
    // right after the name; keep form order so the report lists problems top to bottom.
    problems.sort_by_key(|p| form_position(&p.field));
    Report { problems }
}

/// Order of fields on the form; unknown fields go last. Sorting is stable, so problems on
/// one field keep the order they were found in.
fn form_position(field: &str) -> usize {
    const ORDER: &[&str] = &[
        "id",
        "registered_by",
        "device_id",
        "full_name",
        "nik",
        "no_nik_reason",
        "birth_place",
        "birth_date",
        "gender",
        "phone",
        "address",
        "education_major",
        "work_experience",
        "skills",
        "disability",
        "programmes",
        "follow_ups",
        "consent",
        "location",
        "review",
        "duplicate_of",
        "deleted",
    ];
    ORDER
        .iter()
        .position(|f| {
            field
                .strip_prefix(f)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
        .unwrap_or(ORDER.len())
}

/// The problem of a value longer than `limit` allows, reported on `field` (the limit's
/// own field, with the index of a list item filled in, or a request's field that ends up
/// in it): "Tempat lahir maksimal 60 karakter."
pub fn too_long(limit: &TextLimit, field: impl Into<Cow<'static, str>>) -> FieldProblem {
    FieldProblem::error(
        field,
        "too_long",
        format!(
            "{} maksimal {} karakter.",
            limit.name_id,
            grouped(limit.max_chars, '.')
        ),
        format!(
            "{} can have at most {} characters.",
            limit.name_en,
            grouped(limit.max_chars, ',')
        ),
    )
}

/// The problem of a list longer than `limit` allows: "Keterampilan maksimal 20 entri."
pub fn too_many(limit: &ListLimit) -> FieldProblem {
    FieldProblem::error(
        limit.field,
        "too_many",
        format!(
            "{} maksimal {} entri.",
            limit.name_id,
            grouped(limit.max_items, '.')
        ),
        format!(
            "{} can have at most {} entries.",
            limit.name_en,
            grouped(limit.max_items, ',')
        ),
    )
}

/// `2000` as `2.000` (Indonesian) or `2,000` (English).
fn grouped(n: usize, separator: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    out
}

/// Reports `value` when it is over `limit`, on the limit's field; true when it fits.
fn check_text(value: &str, limit: &TextLimit, problems: &mut Vec<FieldProblem>) -> bool {
    let fits = limit.fits(value);
    if !fits {
        problems.push(too_long(limit, limit.field));
    }
    fits
}

/// [`check_text`] for a field of item `index` of a list (`limit.field` holds `[]`).
fn check_item_text(
    value: &str,
    limit: &TextLimit,
    index: usize,
    problems: &mut Vec<FieldProblem>,
) -> bool {
    let fits = limit.fits(value);
    if !fits {
        problems.push(too_long(
            limit,
            limit.field.replacen("[]", &format!("[{index}]"), 1),
        ));
    }
    fits
}

/// Reports a list over `limit`; true when it fits, so its items are worth checking.
fn check_list(len: usize, limit: &ListLimit, problems: &mut Vec<FieldProblem>) -> bool {
    let fits = limit.fits(len);
    if !fits {
        problems.push(too_many(limit));
    }
    fits
}

fn check_id(reg: &Registration, problems: &mut Vec<FieldProblem>) {
    if check_text(&reg.id, &limits::ID, problems) && reg.id.trim().is_empty() {
        problems.push(FieldProblem::error(
            "id",
            "id_required",
            "Data ini tidak punya ID. Simpan ulang formulir; jika masih muncul, hubungi admin.",
            "This record has no ID. Save the form again; if this persists, contact the admin.",
        ));
    }
    check_text(&reg.registered_by, &limits::REGISTERED_BY, problems);
    check_text(&reg.device_id, &limits::DEVICE_ID, problems);
    if let Some(officer) = &reg.assigned_officer {
        check_text(officer, &limits::ASSIGNED_OFFICER, problems);
    }
    let receipt = reg.receipt_number.as_deref().map(ReceiptNumber::parse);
    if let Some(Err(_)) = receipt {
        problems.push(FieldProblem::error(
            "receipt_number",
            "receipt_number_malformed",
            "Nomor pendaftaran tidak sah. Hubungi admin.",
            "The registration number is malformed. Contact the admin.",
        ));
    }
}

const FULL_NAME_MIN_CHARS: usize = 2;
const FULL_NAME_MAX_CHARS: usize = limits::FULL_NAME.max_chars;

fn check_full_name(name: &str, problems: &mut Vec<FieldProblem>) {
    if !check_text(name, &limits::FULL_NAME, problems) {
        return;
    }
    let name = name.trim();
    if name.is_empty() {
        problems.push(FieldProblem::error(
            "full_name",
            "full_name_required",
            "Nama lengkap wajib diisi.",
            "Full name is required.",
        ));
        return;
    }
    let chars = name.chars().count();
    if !(FULL_NAME_MIN_CHARS..=FULL_NAME_MAX_CHARS).contains(&chars) {
        problems.push(FieldProblem::error(
            "full_name",
            "full_name_length",
            format!("Nama lengkap harus {FULL_NAME_MIN_CHARS}–{FULL_NAME_MAX_CHARS} huruf."),
            format!(
                "Full name must be {FULL_NAME_MIN_CHARS}–{FULL_NAME_MAX_CHARS} characters long."
            ),
        ));
    }
    // Phone keyboards often turn ' into the typographic ’, so both are accepted.
    let allowed = |c: char| c.is_alphabetic() || c == ' ' || "'’.-,".contains(c);
    if !name.chars().all(allowed) {
        problems.push(FieldProblem::error(
            "full_name",
            "full_name_characters",
            "Nama lengkap hanya boleh berisi huruf, spasi, dan tanda ' . - ,",
            "Full name may only contain letters, spaces and ' . - ,",
        ));
    }
}

fn check_birth_date(
    raw: &str,
    today: CivilDate,
    problems: &mut Vec<FieldProblem>,
) -> Option<BirthDate> {
    if !check_text(raw, &limits::BIRTH_DATE, problems) {
        return None;
    }
    match BirthDate::parse(raw, today) {
        Ok(date) => {
            problems.extend(date.working_age_warning(today));
            Some(date)
        }
        Err(problem) => {
            problems.push(problem);
            None
        }
    }
}

fn check_nik(reg: &Registration, birth_date: Option<&BirthDate>, problems: &mut Vec<FieldProblem>) {
    let nik_fits = check_text(&reg.nik, &limits::NIK, problems);
    let reason_fits = reg
        .no_nik_reason
        .as_deref()
        .is_none_or(|reason| check_text(reason, &limits::NO_NIK_REASON, problems));
    if !nik_fits || !reason_fits {
        return;
    }
    let has_reason = reg
        .no_nik_reason
        .as_deref()
        .is_some_and(|reason| !reason.trim().is_empty());
    if has_reason {
        if !reg.nik.trim().is_empty() {
            problems.push(FieldProblem::error(
                "nik",
                "nik_with_no_nik_reason",
                "Isi NIK atau alasan tidak punya NIK, jangan keduanya. Kosongkan salah satu.",
                "Give either a NIK or a reason for having none, not both. Clear one of them.",
            ));
        }
        return;
    }
    if reg.nik.trim().is_empty() {
        problems.push(FieldProblem::error(
            "nik",
            "nik_required",
            "NIK wajib diisi. Jika orang ini belum punya NIK, isi alasannya.",
            "NIK is required. If this person has no NIK yet, give the reason.",
        ));
        return;
    }
    match Nik::parse(&reg.nik) {
        Ok(nik) => {
            if let Some(birth_date) = birth_date {
                problems.extend(nik.mismatches_with(birth_date, reg.gender));
            }
        }
        Err(problem) => problems.push(problem),
    }
}

fn check_birth_place(place: &str, problems: &mut Vec<FieldProblem>) {
    if check_text(place, &limits::BIRTH_PLACE, problems) && place.trim().is_empty() {
        problems.push(FieldProblem::error(
            "birth_place",
            "birth_place_required",
            "Tempat lahir wajib diisi.",
            "Place of birth is required.",
        ));
    }
}

fn check_phone(phone: &str, problems: &mut Vec<FieldProblem>) {
    // Optional: many job seekers share a phone or have none.
    if !check_text(phone, &limits::PHONE, problems) || phone.trim().is_empty() {
        return;
    }
    if let Err(problem) = PhoneNumber::parse(phone) {
        problems.push(problem);
    }
}

/// An address level: its field and names (from its limit), for messages.
struct AddressPart {
    limit: TextLimit,
    level: RegionLevel,
    example: &'static str,
}

const REGENCY: AddressPart = AddressPart {
    limit: limits::REGENCY,
    level: RegionLevel::Regency,
    example: "17.01",
};
const DISTRICT: AddressPart = AddressPart {
    limit: limits::DISTRICT,
    level: RegionLevel::District,
    example: "17.01.01",
};
const VILLAGE: AddressPart = AddressPart {
    limit: limits::VILLAGE,
    level: RegionLevel::Village,
    example: "17.01.01.2001",
};

fn check_address(
    address: &Address,
    regions: Option<&RegionDirectory>,
    problems: &mut Vec<FieldProblem>,
) {
    let regency = check_region(&address.regency, &REGENCY, regions, problems);
    let district = check_region(&address.district, &DISTRICT, regions, problems);
    let village = check_region(&address.village, &VILLAGE, regions, problems);

    if let (Some(regency), Some(district)) = (&regency, &district) {
        check_within(district, &DISTRICT, regency, &REGENCY, regions, problems);
    }
    if let (Some(district), Some(village)) = (&district, &village) {
        check_within(village, &VILLAGE, district, &DISTRICT, regions, problems);
    }

    check_text(&address.hamlet, &limits::HAMLET, problems);
    check_rt_rw(&address.rt, &limits::RT, "rt_format", problems);
    check_rt_rw(&address.rw, &limits::RW, "rw_format", problems);
    check_text(&address.street, &limits::STREET, problems);
}

/// Parses one address code and checks its level and existence; `Some` only when it is
/// usable for the nesting checks.
fn check_region(
    raw: &str,
    part: &AddressPart,
    regions: Option<&RegionDirectory>,
    problems: &mut Vec<FieldProblem>,
) -> Option<RegionCode> {
    if !check_text(raw, &part.limit, problems) {
        return None;
    }
    if raw.trim().is_empty() {
        problems.push(FieldProblem::error(
            part.limit.field,
            "region_required",
            format!("{} wajib dipilih.", part.limit.name_id),
            format!("{} is required.", part.limit.name_en),
        ));
        return None;
    }
    let code = match RegionCode::parse(raw) {
        Ok(code) => code,
        Err(problem) => {
            problems.push(problem.at(part.limit.field));
            return None;
        }
    };
    if code.level() != part.level {
        problems.push(FieldProblem::error(
            part.limit.field,
            "region_wrong_level",
            format!(
                "{code} bukan kode {}. Pilih {} dari daftar (contoh kode: {}).",
                part.limit.name_id.to_lowercase(),
                part.limit.name_id.to_lowercase(),
                part.example
            ),
            format!(
                "{code} is not a {} code. Choose a {} from the list (example code: {}).",
                part.limit.name_en.to_lowercase(),
                part.limit.name_en.to_lowercase(),
                part.example
            ),
        ));
        return None;
    }
    if let Some(directory) = regions {
        if !directory.contains(&code) {
            problems.push(FieldProblem::error(
                part.limit.field,
                "region_unknown",
                format!(
                    "{} dengan kode {code} tidak ada di daftar wilayah. Pilih dari daftar.",
                    part.limit.name_id
                ),
                format!(
                    "There is no {} with code {code} in the region list. Choose one from the list.",
                    part.limit.name_en.to_lowercase()
                ),
            ));
            return None;
        }
    }
    Some(code)
}

fn check_within(
    inner: &RegionCode,
    inner_part: &AddressPart,
    outer: &RegionCode,
    outer_part: &AddressPart,
    regions: Option<&RegionDirectory>,
    problems: &mut Vec<FieldProblem>,
) {
    if inner.is_within(outer) {
        return;
    }
    // Names read better than codes when the list is loaded.
    let label = |code: &RegionCode| match regions.and_then(|r| r.name_of(code)) {
        Some(name) => format!("{name} ({code})"),
        None => code.to_string(),
    };
    problems.push(FieldProblem::error(
        inner_part.limit.field,
        "region_not_within",
        format!(
            "{} {} tidak berada di {} {}. Periksa lagi pilihan {}.",
            inner_part.limit.name_id,
            label(inner),
            outer_part.limit.name_id.to_lowercase(),
            label(outer),
            inner_part.limit.name_id.to_lowercase()
        ),
        format!(
            "{} {} is not in {} {}. Check the {} again.",
            inner_part.limit.name_en,
            label(inner),
            outer_part.limit.name_en.to_lowercase(),
            label(outer),
            inner_part.limit.name_en.to_lowercase()
        ),
    ));
}

/// RT and RW are small neighbourhood numbers, written `3` or `003`.
fn check_rt_rw(raw: &str, limit: &TextLimit, code: &'static str, problems: &mut Vec<FieldProblem>) {
    if !check_text(raw, limit, problems) {
        return;
    }
    let value = raw.trim();
    if value.is_empty() {
        return;
    }
    if !value.bytes().all(|b| b.is_ascii_digit()) || value.bytes().all(|b| b == b'0') {
        let (label, max) = (limit.name_id, limit.max_chars);
        problems.push(FieldProblem::error(
            limit.field,
            code,
            format!("{label} harus angka 1–{max} digit dan bukan 0, misalnya 003."),
            format!("{label} must be a number of 1–{max} digits, not 0, for example 003."),
        ));
    }
}

/// Earliest year a work experience may start; older entries are typing mistakes.
const EARLIEST_WORK_YEAR: i64 = 1950;

fn check_work_experience(
    entries: &[WorkExperience],
    this_year: i32,
    problems: &mut Vec<FieldProblem>,
) {
    if !check_list(entries.len(), &limits::WORK_EXPERIENCE, problems) {
        return;
    }
    let this_year = i64::from(this_year);
    let sane = EARLIEST_WORK_YEAR..=this_year;
    for (i, entry) in entries.iter().enumerate() {
        check_item_text(&entry.employer, &limits::EMPLOYER, i, problems);
        check_item_text(&entry.position, &limits::POSITION, i, problems);
        let start_ok = sane.contains(&entry.start_year);
        if !start_ok {
            problems.push(FieldProblem::error(
                format!("work_experience[{i}].start_year"),
                "work_start_year",
                format!("Tahun mulai bekerja harus antara {EARLIEST_WORK_YEAR} dan {this_year}."),
                format!("The start year must be between {EARLIEST_WORK_YEAR} and {this_year}."),
            ));
        }
        let Some(end_year) = entry.end_year else {
            continue;
        };
        if !sane.contains(&end_year) {
            problems.push(FieldProblem::error(
                format!("work_experience[{i}].end_year"),
                "work_end_year",
                format!(
                    "Tahun selesai bekerja harus antara {EARLIEST_WORK_YEAR} dan {this_year}. \
                     Kosongkan jika masih bekerja di sana."
                ),
                format!(
                    "The end year must be between {EARLIEST_WORK_YEAR} and {this_year}. \
                     Leave it empty if still working there."
                ),
            ));
        } else if start_ok && end_year < entry.start_year {
            problems.push(FieldProblem::error(
                format!("work_experience[{i}].end_year"),
                "work_end_before_start",
                "Tahun selesai bekerja tidak boleh sebelum tahun mulai.",
                "The end year cannot be before the start year.",
            ));
        }
    }
}

fn check_skills(skills: &[String], problems: &mut Vec<FieldProblem>) {
    if !check_list(skills.len(), &limits::SKILLS, problems) {
        return;
    }
    for (i, skill) in skills.iter().enumerate() {
        check_item_text(skill, &limits::SKILL, i, problems);
    }
}

fn check_programmes(programmes: &[ProgrammeInterest], problems: &mut Vec<FieldProblem>) {
    if programmes.is_empty() {
        problems.push(FieldProblem::error(
            "programmes",
            "programmes_required",
            "Pilih minimal satu program yang diminati.",
            "Choose at least one programme.",
        ));
    }
    if !check_list(programmes.len(), &limits::PROGRAMMES, problems) {
        return;
    }
    for (i, programme) in programmes.iter().enumerate() {
        match programme {
            ProgrammeInterest::BlkTraining { vocation } => {
                if check_item_text(vocation, &limits::VOCATION, i, problems)
                    && vocation.trim().is_empty()
                {
                    problems.push(FieldProblem::error(
                        format!("programmes[{i}].vocation"),
                        "vocation_required",
                        "Untuk pelatihan BLK, pilih kejuruan yang diminati.",
                        "For BLK training, choose the vocation.",
                    ));
                }
            }
            ProgrammeInterest::OverseasApprenticeship {
                destination_country,
            } => {
                if check_item_text(
                    destination_country,
                    &limits::DESTINATION_COUNTRY,
                    i,
                    problems,
                ) && destination_country.trim().is_empty()
                {
                    problems.push(FieldProblem::error(
                        format!("programmes[{i}].destination_country"),
                        "destination_country_required",
                        "Untuk pemagangan luar negeri, isi negara tujuan.",
                        "For an overseas apprenticeship, give the destination country.",
                    ));
                }
            }
            ProgrammeInterest::DomesticApprenticeship
            | ProgrammeInterest::NewEntrepreneur
            | ProgrammeInterest::JobPlacement => {}
        }
    }
}

fn check_consent(given: bool, problems: &mut Vec<FieldProblem>) {
    if !given {
        problems.push(FieldProblem::error(
            "consent",
            "consent_required",
            "Orang ini harus menyetujui pengolahan data pribadinya sebelum data disimpan.",
            "The person must consent to the processing of their personal data before saving.",
        ));
    }
}

fn check_location(location: &GeoLocation, problems: &mut Vec<FieldProblem>) {
    // `contains` is false for NaN, so a broken GPS reading is caught too.
    if !(-90.0..=90.0).contains(&location.latitude) {
        problems.push(FieldProblem::error(
            "location.latitude",
            "location_latitude",
            "Lokasi tidak valid: lintang harus antara -90 dan 90. Ambil ulang lokasi.",
            "Invalid location: latitude must be between -90 and 90. Capture the location again.",
        ));
    }
    if !(-180.0..=180.0).contains(&location.longitude) {
        problems.push(FieldProblem::error(
            "location.longitude",
            "location_longitude",
            "Lokasi tidak valid: bujur harus antara -180 dan 180. Ambil ulang lokasi.",
            "Invalid location: longitude must be between -180 and 180. Capture the location again.",
        ));
    }
    if !(location.accuracy_m >= 0.0 && location.accuracy_m.is_finite()) {
        problems.push(FieldProblem::error(
            "location.accuracy_m",
            "location_accuracy",
            "Lokasi tidak valid: akurasi tidak boleh negatif. Ambil ulang lokasi.",
            "Invalid location: accuracy cannot be negative. Capture the location again.",
        ));
    }
}

/// The follow-up steps: each one's programme, date and the details its step asks for
/// (`crate::follow_up`), and that a step comes after the one it follows.
fn check_follow_ups(follow_ups: &[FollowUp], today: CivilDate, problems: &mut Vec<FieldProblem>) {
    if !check_list(follow_ups.len(), &limits::FOLLOW_UPS, problems) {
        return;
    }
    for (i, follow_up) in follow_ups.iter().enumerate() {
        check_item_text(
            &follow_up.recorded_by,
            &limits::FOLLOW_UP_RECORDED_BY,
            i,
            problems,
        );
        check_item_text(
            &follow_up.recorded_by_name,
            &limits::FOLLOW_UP_RECORDED_BY_NAME,
            i,
            problems,
        );
        if check_item_text(&follow_up.id, &limits::FOLLOW_UP_ID, i, problems)
            && follow_up.id.trim().is_empty()
        {
            problems.push(FieldProblem::error(
                format!("follow_ups[{i}].id"),
                "follow_up_id_required",
                "Tindak lanjut ini tidak punya ID. Simpan ulang; jika masih muncul, hubungi admin.",
                "This follow-up has no ID. Save again; if this persists, contact the admin.",
            ));
        }
        let step = follow_up.step;
        if !step.programmes().contains(&follow_up.programme) {
            problems.push(FieldProblem::error(
                format!("follow_ups[{i}].step"),
                "follow_up_step_programme",
                format!(
                    "Langkah \"{}\" bukan bagian dari program {}.",
                    step.label().id,
                    follow_up.programme.label().id
                ),
                format!(
                    "\"{}\" is not a step of {}.",
                    step.label().en,
                    follow_up.programme.label().en
                ),
            ));
        }
        let date = check_follow_up_date(&follow_up.date, i, today, problems);
        check_follow_up_details(follow_up, i, date, problems);
        let Some(previous) = step.follows() else {
            continue;
        };
        let earlier: Vec<&FollowUp> = follow_ups
            .iter()
            .filter(|f| f.programme == follow_up.programme && f.step == previous)
            .collect();
        if earlier.is_empty() {
            problems.push(FieldProblem::error(
                format!("follow_ups[{i}].step"),
                "follow_up_previous_missing",
                format!(
                    "Catat dulu langkah \"{}\" sebelum \"{}\".",
                    previous.label().id,
                    step.label().id
                ),
                format!(
                    "Record \"{}\" before \"{}\".",
                    previous.label().en,
                    step.label().en
                ),
            ));
        } else if let Some(date) = date {
            let first = earlier.iter().filter_map(|f| parse_iso_date(&f.date)).min();
            if first.is_some_and(|first| first > date) {
                problems.push(FieldProblem::error(
                    format!("follow_ups[{i}].date"),
                    "follow_up_date_order",
                    format!(
                        "Tanggal ini lebih awal dari langkah \"{}\".",
                        previous.label().id
                    ),
                    format!("This date is before \"{}\".", previous.label().en),
                ));
            }
        }
    }
}

/// A follow-up's date: a calendar date, not in the future.
fn check_follow_up_date(
    raw: &str,
    i: usize,
    today: CivilDate,
    problems: &mut Vec<FieldProblem>,
) -> Option<CivilDate> {
    if !check_item_text(raw, &limits::FOLLOW_UP_DATE, i, problems) {
        return None;
    }
    let field = format!("follow_ups[{i}].date");
    match parse_iso_date(raw) {
        None => {
            problems.push(FieldProblem::error(
                field,
                "follow_up_date_invalid",
                "Isi tanggal yang sah (tahun-bulan-tanggal).",
                "Enter a valid date (year-month-day).",
            ));
            None
        }
        Some(date) if date > today => {
            problems.push(FieldProblem::error(
                field,
                "follow_up_date_future",
                "Tanggal ini belum terjadi; catat langkah setelah terjadi.",
                "This date is in the future; record the step once it has happened.",
            ));
            None
        }
        Some(date) => Some(date),
    }
}

/// The details a follow-up's step asks for: each within its limit, the required ones
/// given, a planned end a date on or after the step's.
fn check_follow_up_details(
    follow_up: &FollowUp,
    i: usize,
    date: Option<CivilDate>,
    problems: &mut Vec<FieldProblem>,
) {
    let details = &follow_up.details;
    for detail in Detail::ALL.iter().copied() {
        let field = format!("follow_ups[{i}].details.{}", detail.code());
        let value = details.get(detail);
        if let Some(limit) = detail.limit() {
            if !limit.fits(value) {
                problems.push(too_long(limit, field));
                continue;
            }
        }
        let need = follow_up
            .step
            .details(follow_up.programme)
            .iter()
            .find(|(d, _)| *d == detail)
            .map(|(_, need)| *need);
        if need == Some(Need::Required) && value.trim().is_empty() {
            problems.push(FieldProblem::error(
                field,
                "follow_up_detail_required",
                format!("{} wajib diisi.", detail.label().id),
                format!("{} is required.", detail.label().en),
            ));
            continue;
        }
        if detail.is_date() && !value.is_empty() {
            match parse_iso_date(value) {
                None => problems.push(FieldProblem::error(
                    field,
                    "follow_up_date_invalid",
                    "Isi tanggal yang sah (tahun-bulan-tanggal).",
                    "Enter a valid date (year-month-day).",
                )),
                Some(end) if date.is_some_and(|start| end < start) => {
                    problems.push(FieldProblem::error(
                        field,
                        "follow_up_planned_end_before_start",
                        "Rencana selesai tidak boleh sebelum tanggal mulai.",
                        "The planned end cannot be before the start.",
                    ))
                }
                Some(_) => {}
            }
        }
    }
}

fn check_review(review: &Review, problems: &mut Vec<FieldProblem>) {
    if !check_list(review.comments.len(), &limits::COMMENTS, problems) {
        return;
    }
    for (i, comment) in review.comments.iter().enumerate() {
        check_item_text(&comment.id, &limits::COMMENT_ID, i, problems);
        check_item_text(&comment.author_id, &limits::COMMENT_AUTHOR_ID, i, problems);
        check_item_text(
            &comment.author_name,
            &limits::COMMENT_AUTHOR_NAME,
            i,
            problems,
        );
        check_item_text(&comment.role, &limits::COMMENT_ROLE, i, problems);
        check_item_text(&comment.text, &limits::COMMENT_TEXT, i, problems);
    }
}

fn check_deletion(deletion: &Deletion, problems: &mut Vec<FieldProblem>) {
    check_text(&deletion.reason, &limits::DELETION_REASON, problems);
    check_text(&deletion.by, &limits::DELETED_BY, problems);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::follow_up::{FollowUpDetails, Step};
    use crate::registration::{Consent, Gender, Programme, ProgrammeInterest, ReviewComment};

    const TODAY: CivilDate = (2025, 6, 1);

    fn ctx() -> ValidationContext<'static> {
        ValidationContext {
            today: TODAY,
            regions: None,
        }
    }

    /// A complete, valid registration: a woman born 5 June 1999 in Manna.
    fn valid() -> Registration {
        Registration {
            id: "8d1e6f5a-0000-4000-8000-000000000001".into(),
            full_name: "Siti Aminah".into(),
            nik: "1701014506990001".into(),
            birth_place: "Manna".into(),
            birth_date: "1999-06-05".into(),
            gender: Gender::Female,
            phone: "0812-3456-7890".into(),
            address: Address {
                regency: "17.01".into(),
                district: "17.01.01".into(),
                village: "17.01.01.2001".into(),
                rt: "003".into(),
                rw: "1".into(),
                ..Default::default()
            },
            programmes: vec![ProgrammeInterest::BlkTraining {
                vocation: "Menjahit".into(),
            }],
            consent: Consent {
                given: true,
                at: Some(1),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn codes(report: &Report) -> Vec<(&str, &str)> {
        report
            .problems
            .iter()
            .map(|p| (&*p.field, &*p.code))
            .collect()
    }

    /// Asserts a problem's message in each language.
    #[track_caller]
    fn assert_messages(problem: &FieldProblem, id: &str, en: &str) {
        assert_eq!(problem.message_id, id);
        assert_eq!(problem.message_en, en);
    }

    fn directory() -> RegionDirectory {
        RegionDirectory::from_csv(
            "code,name\n17.01,Kabupaten Bengkulu Selatan\n17.02,Kabupaten Rejang Lebong\n",
            "code,regency_code,name\n17.01.01,17.01,Kedurang\n17.02.01,17.02,Kota Padang\n",
            "code,district_code,name\n17.01.01.2001,17.01.01,Batu Ampar\n",
        )
        .unwrap()
    }

    #[test]
    fn a_complete_registration_has_no_problems() {
        let report = validate(&valid(), &ctx());
        assert_eq!(codes(&report), vec![]);
        assert!(report.is_valid());
    }

    #[test]
    fn an_empty_registration_lists_every_missing_field_in_form_order() {
        let report = validate(&Registration::default(), &ctx());
        assert_eq!(
            codes(&report),
            vec![
                ("id", "id_required"),
                ("full_name", "full_name_required"),
                ("nik", "nik_required"),
                ("birth_place", "birth_place_required"),
                ("birth_date", "birth_date_required"),
                ("address.regency", "region_required"),
                ("address.district", "region_required"),
                ("address.village", "region_required"),
                ("programmes", "programmes_required"),
                ("consent", "consent_required"),
            ]
        );
        assert!(!report.is_valid());
    }

    #[test]
    fn missing_consent_is_an_error() {
        let mut reg = valid();
        reg.consent.given = false;
        let report = validate(&reg, &ctx());
        assert_eq!(codes(&report), vec![("consent", "consent_required")]);
        assert!(!report.is_valid());
    }

    /// One mistake (or none) in an otherwise valid registration: what it is, how it is
    /// made from `valid()`, and the problems it must give as (field, code) pairs in form
    /// order.
    type Case = (
        &'static str,
        fn(&mut Registration),
        &'static [(&'static str, &'static str)],
    );

    #[test]
    fn each_mistake_is_reported_on_its_field() {
        let cases: &[Case] = &[
            (
                "a name with digits",
                |reg| reg.full_name = "Siti 2".into(),
                &[("full_name", "full_name_characters")],
            ),
            (
                "a one-letter name",
                |reg| reg.full_name = "A".into(),
                &[("full_name", "full_name_length")],
            ),
            (
                "a very long name",
                |reg| reg.full_name = "a".repeat(101),
                &[("full_name", "too_long")],
            ),
            (
                "a receipt number as the phone makes it",
                |reg| reg.receipt_number = Some("7KQ2M-9XAHD-0042".into()),
                &[],
            ),
            (
                "a receipt number not made by a phone",
                |reg| reg.receipt_number = Some("x".repeat(5000)),
                &[("receipt_number", "receipt_number_malformed")],
            ),
            (
                "a reason for no NIK replaces the NIK",
                |reg| {
                    reg.nik = String::new();
                    reg.no_nik_reason = Some("KTP belum terbit".into());
                },
                &[],
            ),
            (
                "a NIK together with a reason for no NIK",
                |reg| reg.no_nik_reason = Some("KTP hilang".into()),
                &[("nik", "nik_with_no_nik_reason")],
            ),
            (
                "a blank reason for no NIK does not excuse a missing NIK",
                |reg| {
                    reg.nik = String::new();
                    reg.no_nik_reason = Some("  ".into());
                },
                &[("nik", "nik_required")],
            ),
            (
                "a malformed NIK",
                |reg| reg.nik = "170101450699000".into(),
                &[("nik", "nik_length")],
            ),
            (
                "an empty phone is fine",
                |reg| reg.phone = String::new(),
                &[],
            ),
            (
                "a phone with a wrong prefix",
                |reg| reg.phone = "0212345678".into(),
                &[("phone", "phone_prefix")],
            ),
            (
                "an address code of the wrong level",
                |reg| reg.address.district = "17.01".into(),
                &[("address.district", "region_wrong_level")],
            ),
            (
                "a malformed address code is reported on its field",
                |reg| reg.address.village = "17.01.01.3001".into(),
                &[("address.village", "region_village_type")],
            ),
            (
                "a district outside the regency",
                |reg| {
                    reg.address.district = "17.02.01".into();
                    reg.address.village = "17.02.01.2001".into();
                },
                &[("address.district", "region_not_within")],
            ),
            (
                "a village outside the district",
                |reg| reg.address.village = "17.01.02.2001".into(),
                &[("address.village", "region_not_within")],
            ),
            (
                "RT too long and RW zero: RT and RW must be short non-zero numbers",
                |reg| {
                    reg.address.rt = "1234".into();
                    reg.address.rw = "000".into();
                },
                &[("address.rt", "too_long"), ("address.rw", "rw_format")],
            ),
            (
                "an RT with a letter and no RW",
                |reg| {
                    reg.address.rt = "A1".into();
                    reg.address.rw = String::new();
                },
                &[("address.rt", "rt_format")],
            ),
            (
                "BLK training needs a vocation and overseas apprenticeship a country",
                |reg| {
                    reg.programmes = vec![
                        ProgrammeInterest::JobPlacement,
                        ProgrammeInterest::BlkTraining {
                            vocation: " ".into(),
                        },
                        ProgrammeInterest::OverseasApprenticeship {
                            destination_country: String::new(),
                        },
                    ]
                },
                &[
                    ("programmes[1].vocation", "vocation_required"),
                    (
                        "programmes[2].destination_country",
                        "destination_country_required",
                    ),
                ],
            ),
            (
                "a location on the globe",
                |reg| {
                    reg.location = Some(GeoLocation {
                        latitude: -3.8,
                        longitude: 102.3,
                        accuracy_m: 12.0,
                        captured_at: 1,
                    })
                },
                &[],
            ),
            (
                "a location off the globe",
                |reg| {
                    reg.location = Some(GeoLocation {
                        latitude: 91.0,
                        longitude: f64::NAN,
                        accuracy_m: -1.0,
                        captured_at: 1,
                    })
                },
                &[
                    ("location.latitude", "location_latitude"),
                    ("location.longitude", "location_longitude"),
                    ("location.accuracy_m", "location_accuracy"),
                ],
            ),
            (
                "work years must be sane and in order",
                |reg| {
                    let job = |start_year, end_year| WorkExperience {
                        start_year,
                        end_year,
                        ..Default::default()
                    };
                    reg.work_experience = vec![
                        job(2015, None),
                        job(2018, Some(2016)),
                        job(1949, Some(2026)),
                    ];
                },
                &[
                    ("work_experience[1].end_year", "work_end_before_start"),
                    ("work_experience[2].start_year", "work_start_year"),
                    ("work_experience[2].end_year", "work_end_year"),
                ],
            ),
            (
                "sixty two-byte characters of birth place: the limit counts characters, not bytes",
                |reg| reg.birth_place = "é".repeat(60),
                &[],
            ),
            (
                "a full list of skills",
                |reg| reg.skills = vec!["Menjahit".into(); limits::SKILLS.max_items],
                &[],
            ),
        ];
        for (case, edit, expected) in cases {
            let mut reg = valid();
            edit(&mut reg);
            assert_eq!(codes(&validate(&reg, &ctx())), *expected, "{case}");
        }
    }

    #[test]
    fn a_name_with_apostrophes_dots_dashes_and_commas_is_accepted() {
        for name in [
            "Ma'ruf Amin",
            "M. Yusuf",
            "Siti Nur-Aini",
            "Ahmad, S.Pd.",
            "Ma’ruf",
            "Zoë",
        ] {
            let mut reg = valid();
            reg.full_name = name.into();
            assert!(validate(&reg, &ctx()).problems.is_empty(), "{name}");
        }
    }

    #[test]
    fn a_nik_that_disagrees_with_birth_date_and_gender_gives_warnings_only() {
        let mut reg = valid();
        reg.birth_date = "1999-06-06".into();
        reg.gender = Gender::Male;
        let report = validate(&reg, &ctx());
        assert_eq!(
            codes(&report),
            vec![
                ("nik", "nik_birth_date_mismatch"),
                ("nik", "nik_gender_mismatch")
            ]
        );
        assert!(report.is_valid());
        assert_eq!(report.warnings().count(), 2);
    }

    #[test]
    fn an_age_outside_working_age_is_a_warning() {
        let mut reg = valid();
        reg.nik = String::new();
        reg.no_nik_reason = Some("Belum punya KTP".into());
        reg.birth_date = "2012-01-01".into();
        let report = validate(&reg, &ctx());
        assert_eq!(
            codes(&report),
            vec![("birth_date", "birth_date_outside_working_age")]
        );
        assert!(report.is_valid());
    }

    #[test]
    fn nesting_messages_use_region_names_when_the_list_is_loaded() {
        let regions = directory();
        let mut reg = valid();
        reg.address.district = "17.02.01".into();
        let report = validate(
            &reg,
            &ValidationContext {
                today: TODAY,
                regions: Some(&regions),
            },
        );
        let problem = report.for_field("address.district").next().unwrap();
        assert_eq!(problem.code, "region_not_within");
        assert!(
            problem.message_id.contains("Kota Padang (17.02.01)"),
            "{}",
            problem.message_id
        );
        assert!(problem
            .message_id
            .contains("Kabupaten Bengkulu Selatan (17.01)"));
    }

    #[test]
    fn a_code_missing_from_the_region_list_is_rejected() {
        let regions = directory();
        let ctx = ValidationContext {
            today: TODAY,
            regions: Some(&regions),
        };
        assert!(validate(&valid(), &ctx).is_valid());
        let mut reg = valid();
        reg.address.village = "17.01.01.2099".into();
        assert_eq!(
            codes(&validate(&reg, &ctx)),
            vec![("address.village", "region_unknown")]
        );
    }

    #[test]
    fn a_birth_place_over_sixty_characters_is_rejected_in_both_languages() {
        let mut reg = valid();
        reg.birth_place = "a".repeat(61);
        let report = validate(&reg, &ctx());
        assert_eq!(codes(&report), vec![("birth_place", "too_long")]);
        assert_messages(
            &report.problems[0],
            "Tempat lahir maksimal 60 karakter.",
            "Place of birth can have at most 60 characters.",
        );
    }

    #[test]
    fn fifty_million_characters_give_one_short_problem() {
        let mut reg = valid();
        reg.birth_place = "a".repeat(50_000_000);
        reg.address.village = "1".repeat(50_000_000);
        let report = validate(&reg, &ctx());
        assert_eq!(
            codes(&report),
            vec![("birth_place", "too_long"), ("address.village", "too_long")]
        );
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.len() < 1_000, "{json}");
    }

    #[test]
    fn large_limits_read_as_numbers_in_each_language() {
        let problem = too_long(&limits::COMMENT_TEXT, "comment");
        assert_messages(
            &problem,
            "Komentar maksimal 2.000 karakter.",
            "A comment can have at most 2,000 characters.",
        );
        assert_eq!(grouped(1_234_567, '.'), "1.234.567");
        assert_eq!(grouped(100, ','), "100");
    }

    /// A registration with one item in each list and every text one character over its
    /// limit (`over` = 1), or exactly at it (`over` = 0).
    fn every_text_at(over: usize) -> Registration {
        let value = |limit: &TextLimit| "x".repeat(limit.max_chars + over);
        Registration {
            id: value(&limits::ID),
            registered_by: value(&limits::REGISTERED_BY),
            device_id: value(&limits::DEVICE_ID),
            assigned_officer: Some(value(&limits::ASSIGNED_OFFICER)),
            receipt_number: None,
            full_name: value(&limits::FULL_NAME),
            nik: value(&limits::NIK),
            no_nik_reason: Some(value(&limits::NO_NIK_REASON)),
            birth_place: value(&limits::BIRTH_PLACE),
            birth_date: value(&limits::BIRTH_DATE),
            phone: value(&limits::PHONE),
            address: Address {
                regency: value(&limits::REGENCY),
                district: value(&limits::DISTRICT),
                village: value(&limits::VILLAGE),
                hamlet: value(&limits::HAMLET),
                rt: value(&limits::RT),
                rw: value(&limits::RW),
                street: value(&limits::STREET),
            },
            education_major: value(&limits::EDUCATION_MAJOR),
            work_experience: vec![WorkExperience {
                employer: value(&limits::EMPLOYER),
                position: value(&limits::POSITION),
                start_year: 2020,
                end_year: None,
            }],
            skills: vec![value(&limits::SKILL)],
            disability: Some(value(&limits::DISABILITY)),
            programmes: vec![
                ProgrammeInterest::BlkTraining {
                    vocation: value(&limits::VOCATION),
                },
                ProgrammeInterest::OverseasApprenticeship {
                    destination_country: value(&limits::DESTINATION_COUNTRY),
                },
            ],
            follow_ups: vec![FollowUp {
                id: value(&limits::FOLLOW_UP_ID),
                programme: Programme::BlkTraining,
                step: Step::TrainingEnrolled,
                date: value(&limits::FOLLOW_UP_DATE),
                details: {
                    let mut details = FollowUpDetails::default();
                    for detail in Detail::ALL {
                        if let Some(limit) = detail.limit() {
                            details.set(*detail, value(limit));
                        }
                    }
                    details
                },
                recorded_by: value(&limits::FOLLOW_UP_RECORDED_BY),
                recorded_by_name: value(&limits::FOLLOW_UP_RECORDED_BY_NAME),
                recorded_at: 1,
            }],
            review: Review {
                comments: vec![ReviewComment {
                    id: value(&limits::COMMENT_ID),
                    author_id: value(&limits::COMMENT_AUTHOR_ID),
                    author_name: value(&limits::COMMENT_AUTHOR_NAME),
                    role: value(&limits::COMMENT_ROLE),
                    at: 1,
                    text: value(&limits::COMMENT_TEXT),
                }],
                ..Default::default()
            },
            duplicate_of: Some(value(&limits::DUPLICATE_OF)),
            deleted: Some(Deletion {
                reason: value(&limits::DELETION_REASON),
                by: value(&limits::DELETED_BY),
                at: 1,
            }),
            ..valid()
        }
    }

    #[test]
    fn every_text_over_its_limit_is_reported_on_its_field_and_nothing_else() {
        let report = validate(&every_text_at(1), &ctx());
        let mut reported: Vec<(String, &str)> = report
            .problems
            .iter()
            .map(|p| (p.field.to_string(), &*p.code))
            .collect();
        // The second programme is item 1 of its list.
        let mut expected: Vec<(String, &str)> = limits::TEXT_FIELDS
            .iter()
            .map(|l| {
                let index = if l == &limits::DESTINATION_COUNTRY {
                    1
                } else {
                    0
                };
                (l.field.replace("[]", &format!("[{index}]")), "too_long")
            })
            .collect();
        reported.sort();
        expected.sort();
        assert_eq!(reported, expected);
    }

    #[test]
    fn free_text_at_its_limit_is_accepted() {
        let report = validate(&every_text_at(0), &ctx());
        assert!(
            report.problems.iter().all(|p| p.code != "too_long"),
            "{:?}",
            codes(&report)
        );
    }

    #[test]
    fn a_list_over_its_limit_is_reported_once_and_its_items_are_not_read() {
        let mut reg = valid();
        reg.skills = vec!["x".repeat(limits::SKILL.max_chars + 1); limits::SKILLS.max_items + 1];
        reg.work_experience =
            vec![WorkExperience::default(); limits::WORK_EXPERIENCE.max_items + 1];
        reg.programmes = vec![
            ProgrammeInterest::BlkTraining {
                vocation: String::new()
            };
            limits::PROGRAMMES.max_items + 1
        ];
        let report = validate(&reg, &ctx());
        assert_eq!(
            codes(&report),
            vec![
                ("work_experience", "too_many"),
                ("skills", "too_many"),
                ("programmes", "too_many"),
            ]
        );
        assert_messages(
            &report.problems[1],
            "Keterampilan maksimal 20 entri.",
            "Skills can have at most 20 entries.",
        );
    }

    #[test]
    fn a_full_comment_list_takes_no_more() {
        let comment = |i: usize| ReviewComment {
            id: format!("c{i}"),
            author_id: "u1".into(),
            author_name: "Kepala".into(),
            role: "supervisor".into(),
            at: 1,
            text: "Periksa lagi.".into(),
        };
        let mut reg = valid();
        reg.review.comments = (0..limits::COMMENTS.max_items).map(comment).collect();
        assert!(validate(&reg, &ctx()).problems.is_empty());
        reg.review
            .comments
            .push(comment(limits::COMMENTS.max_items));
        assert_eq!(
            codes(&validate(&reg, &ctx())),
            vec![("review.comments", "too_many")]
        );
    }

    #[test]
    fn a_report_survives_a_json_round_trip() {
        let report = validate(&Registration::default(), &ctx());
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains(r#""severity":"error""#), "{json}");
        let back: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);
    }

    fn follow_up(step: Step, date: &str) -> FollowUp {
        FollowUp {
            id: format!("f-{}-{date}", step.code()),
            programme: step.programmes()[0],
            step,
            date: date.into(),
            details: FollowUpDetails::default(),
            recorded_by: "o1".into(),
            recorded_by_name: String::new(),
            recorded_at: 1,
        }
    }

    fn enrolment(date: &str, planned_end: &str) -> FollowUp {
        let mut f = follow_up(Step::TrainingEnrolled, date);
        f.details.blk = "BLK Bengkulu".into();
        f.details.vocation = "Las".into();
        f.details.planned_end = planned_end.into();
        f
    }

    #[test]
    fn a_complete_training_path_is_valid() {
        let mut reg = valid();
        let mut certified = follow_up(Step::Certified, "2025-05-20");
        certified.details.certificate_number = "LSP-123".into();
        certified.details.issuer = "LSP BLK".into();
        reg.follow_ups = vec![
            enrolment("2025-02-01", "2025-04-30"),
            follow_up(Step::TrainingCompleted, "2025-04-30"),
            certified,
        ];
        let report = validate(&reg, &ctx());
        assert!(report.is_valid(), "{:?}", codes(&report));
    }

    #[test]
    fn a_step_asks_for_its_details_and_a_date_that_has_happened() {
        let mut reg = valid();
        let mut placed = follow_up(Step::Placed, "2025-07-01");
        placed.details.employer = "CV Maju".into();
        reg.follow_ups = vec![placed, enrolment("2025-02-01", "2025-01-01")];
        let report = validate(&reg, &ctx());
        let mut found: Vec<(String, String)> = report
            .errors()
            .map(|p| (p.field.to_string(), p.code.to_string()))
            .collect();
        found.sort();
        let expected = [
            ("follow_ups[0].date", "follow_up_date_future"),
            (
                "follow_ups[0].details.formality",
                "follow_up_detail_required",
            ),
            (
                "follow_ups[0].details.position",
                "follow_up_detail_required",
            ),
            (
                "follow_ups[1].details.planned_end",
                "follow_up_planned_end_before_start",
            ),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(f, c)| (f.to_string(), c.to_string()))
            .collect();
        assert_eq!(found, expected);
        let required = report
            .for_field("follow_ups[0].details.position")
            .next()
            .unwrap();
        assert_eq!(required.message_id, "Jabatan / pekerjaan wajib diisi.");
    }

    #[test]
    fn a_step_comes_after_the_one_it_follows_and_within_its_programme() {
        let mut reg = valid();
        reg.follow_ups = vec![follow_up(Step::TrainingCompleted, "2025-03-01")];
        assert_eq!(
            codes(&validate(&reg, &ctx())),
            vec![("follow_ups[0].step", "follow_up_previous_missing")]
        );
        reg.follow_ups.push(enrolment("2025-04-01", "2025-05-01"));
        assert_eq!(
            codes(&validate(&reg, &ctx())),
            vec![("follow_ups[0].date", "follow_up_date_order")]
        );
        let mut wrong_programme = follow_up(Step::BusinessStarted, "2025-01-01");
        wrong_programme.programme = Programme::BlkTraining;
        wrong_programme.details.business_name = "Warung".into();
        wrong_programme.details.sector = "Kuliner".into();
        reg.follow_ups = vec![wrong_programme];
        assert_eq!(
            codes(&validate(&reg, &ctx())),
            vec![("follow_ups[0].step", "follow_up_step_programme")]
        );
    }

    #[test]
    fn follow_ups_over_their_limit_are_reported_once() {
        let mut reg = valid();
        reg.follow_ups = vec![
            follow_up(Step::TrainingCompleted, "not a date");
            limits::FOLLOW_UPS.max_items + 1
        ];
        assert_eq!(
            codes(&validate(&reg, &ctx())),
            vec![("follow_ups", "too_many")]
        );
    }
}
