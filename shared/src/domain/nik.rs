//! [`Nik`]: the 16-digit Nomor Induk Kependudukan from the KTP, checked for its structure.
//!
//! A NIK is not just 16 digits: digits 1–6 are the district (kecamatan) where it was
//! issued, digits 7–12 the birth date as DDMMYY with 40 added to the day for women, and
//! digits 13–16 a serial from 0001. Checking the structure catches most typing slips
//! (a swapped or missing digit) while the person is still in front of the officer.
//! There is no check digit, so a NIK that passes can still belong to someone else; the
//! comparison with the entered birth date and gender ([`Nik::mismatches_with`]) catches
//! more, but only as warnings, since KTP data itself is sometimes wrong.

use super::birth_date::BirthDate;
use super::region::RegionCode;
use crate::calendar::{days_in_month, CivilDate};
use crate::registration::Gender;
use crate::validation::FieldProblem;

const FIELD: &str = "nik";
const LENGTH: usize = 16;
/// Added to the birth day in a woman's NIK.
const WOMAN_DAY_OFFSET: u32 = 40;

/// A structurally valid NIK: 16 digits, a plausible district, a real birth day and a
/// non-zero serial.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Nik(String);

impl Nik {
    /// The digits of every NIK.
    pub const DIGITS: usize = LENGTH;

    /// Parses a NIK, ignoring spaces (officers copy it from the KTP in groups). Problems
    /// are reported on the field `"nik"`.
    pub fn parse(raw: &str) -> Result<Nik, FieldProblem> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err(FieldProblem::error(
                FIELD,
                "nik_required",
                "NIK wajib diisi.",
                "NIK is required.",
            ));
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldProblem::error(
                FIELD,
                "nik_digits_only",
                "NIK hanya boleh berisi angka.",
                "NIK may only contain digits.",
            ));
        }
        if digits.len() != LENGTH {
            return Err(FieldProblem::error(
                FIELD,
                "nik_length",
                format!("NIK harus 16 digit; yang diisi {} digit.", digits.len()),
                format!("NIK must be 16 digits; {} were entered.", digits.len()),
            ));
        }
        // Same rules as an address code, so a NIK's district is always a valid RegionCode.
        if RegionCode::parse(&district_code_text(&digits)).is_err() {
            return Err(FieldProblem::error(
                FIELD,
                "nik_region",
                "6 digit pertama NIK bukan kode wilayah yang benar. Periksa lagi dengan KTP.",
                "The first 6 digits of the NIK are not a valid region code. Check against the KTP.",
            ));
        }
        let (day, month, yy) = encoded_date(&digits);
        let day = without_offset(day);
        // The NIK has no century. 2000 + YY is a leap year whenever 1900 + YY is, so
        // checking against it accepts 29 February whenever some century allows it.
        if day == 0 || day > days_in_month(2000 + yy as i32, month) {
            return Err(FieldProblem::error(
                FIELD,
                "nik_birth_date",
                "Digit 7–12 NIK bukan tanggal lahir yang benar. Periksa lagi dengan KTP.",
                "Digits 7–12 of the NIK are not a valid birth date. Check against the KTP.",
            ));
        }
        if &digits[12..] == "0000" {
            return Err(FieldProblem::error(
                FIELD,
                "nik_serial",
                "4 digit terakhir NIK tidak boleh 0000. Periksa lagi dengan KTP.",
                "The last 4 digits of the NIK cannot be 0000. Check against the KTP.",
            ));
        }
        Ok(Nik(digits))
    }

    /// The NIK Dukcapil issues in `district` to someone born on `birth` with `gender`:
    /// the district's 6 digits, the birth date as DDMMYY with 40 added to a woman's
    /// day, then `serial` (1–9999) telling apart people of the same
    /// district, day and gender. For demo and test data; an error for an impossible date
    /// or serial.
    pub fn issue(
        district: &RegionCode,
        birth: CivilDate,
        gender: Gender,
        serial: u32,
    ) -> Result<Nik, FieldProblem> {
        let (year, month, day) = birth;
        let day = match gender {
            Gender::Female => day + WOMAN_DAY_OFFSET,
            Gender::Male => day,
        };
        let district_digits: String = district
            .as_str()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        Nik::parse(&format!(
            "{district_digits}{day:02}{month:02}{:02}{serial:04}",
            year.rem_euclid(100)
        ))
    }

    /// The 16 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date in the NIK as (day, month, two-digit year), with the women's +40
    /// already taken off the day. The year has no century: `99` may be 1999 or 2099.
    pub fn birth_day_month_year(&self) -> (u32, u32, u32) {
        let (day, month, yy) = encoded_date(&self.0);
        (without_offset(day), month, yy)
    }

    /// The gender the NIK was issued for: female when the day has 40 added.
    pub fn encoded_gender(&self) -> Gender {
        let (day, _, _) = encoded_date(&self.0);
        if day > WOMAN_DAY_OFFSET {
            Gender::Female
        } else {
            Gender::Male
        }
    }

    /// The district (kecamatan) the NIK was issued in, e.g. `17.01.01`.
    pub fn district_code(&self) -> RegionCode {
        RegionCode::parse(&district_code_text(&self.0)).expect("checked in Nik::parse")
    }

    /// Warnings where the NIK disagrees with the birth date and gender entered on the
    /// form. Not errors: the person may know their KTP is wrong, and the officer decides.
    pub fn mismatches_with(&self, birth_date: &BirthDate, gender: Gender) -> Vec<FieldProblem> {
        let mut warnings = Vec::new();
        let (day, month, yy) = self.birth_day_month_year();
        let entered = (
            birth_date.day(),
            birth_date.month(),
            birth_date.year().rem_euclid(100) as u32,
        );
        if (day, month, yy) != entered {
            let in_nik = format!("{day:02}-{month:02}-{yy:02}");
            let on_form = format!("{:02}-{:02}-{:02}", entered.0, entered.1, entered.2);
            warnings.push(FieldProblem::warning(
                FIELD,
                "nik_birth_date_mismatch",
                format!(
                    "Tanggal lahir di NIK ({in_nik}) tidak sama dengan tanggal lahir yang diisi \
                     ({on_form}). Periksa lagi keduanya dengan KTP."
                ),
                format!(
                    "The birth date in the NIK ({in_nik}) differs from the date of birth entered \
                     ({on_form}). Check both against the KTP."
                ),
            ));
        }
        let encoded = self.encoded_gender();
        if encoded != gender {
            let (nik_id, nik_en, form_id, form_en) = match encoded {
                Gender::Female => ("perempuan", "a woman", "laki-laki", "male"),
                Gender::Male => ("laki-laki", "a man", "perempuan", "female"),
            };
            warnings.push(FieldProblem::warning(
                FIELD,
                "nik_gender_mismatch",
                format!(
                    "NIK ini tercatat untuk {nik_id}, tetapi jenis kelamin yang dipilih {form_id}. \
                     Periksa lagi NIK dan jenis kelamin."
                ),
                format!(
                    "This NIK belongs to {nik_en}, but the gender chosen is {form_en}. \
                     Check the NIK and the gender again."
                ),
            ));
        }
        warnings
    }
}

/// `"1701014506990001"` → `"17.01.01"`.
fn district_code_text(digits: &str) -> String {
    format!("{}.{}.{}", &digits[0..2], &digits[2..4], &digits[4..6])
}

/// Digits 7–12 as (day as encoded, month, two-digit year). Only called on 16 ASCII digits.
fn encoded_date(digits: &str) -> (u32, u32, u32) {
    let number =
        |range: std::ops::Range<usize>| digits[range].parse::<u32>().expect("ASCII digits");
    (number(6..8), number(8..10), number(10..12))
}

/// The real birth day from the encoded one: 41–71 are women's days 1–31. Day 40 stays
/// 40, which no month has, so it is rejected as a date.
fn without_offset(day: u32) -> u32 {
    if day > WOMAN_DAY_OFFSET {
        day - WOMAN_DAY_OFFSET
    } else {
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::assert_refused;
    use proptest::prelude::*;

    /// A woman born 5 June 1999, registered in Kedurang (17.01.01).
    const WOMAN: &str = "1701014506990001";
    /// A man born 13 May 1990, registered in Kota Bengkulu, Selebar (17.71.01).
    const MAN: &str = "1771011305900123";

    fn birth_date(raw: &str) -> BirthDate {
        BirthDate::parse(raw, (2025, 6, 1)).unwrap()
    }

    /// The one problem `nik` finds with `born` and `gender`, asserting that it is one
    /// warning.
    #[track_caller]
    fn the_one_warning(nik: &str, born: &str, gender: Gender) -> FieldProblem {
        let mut warnings = Nik::parse(nik)
            .unwrap()
            .mismatches_with(&birth_date(born), gender);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].is_warning());
        warnings.remove(0)
    }

    #[test]
    fn a_well_formed_nik_is_accepted() {
        assert_eq!(Nik::parse(MAN).unwrap().as_str(), MAN);
    }

    #[test]
    fn spaces_copied_from_the_ktp_are_ignored() {
        assert_eq!(Nik::parse(" 170101 450699 0001 ").unwrap().as_str(), WOMAN);
    }

    #[test]
    fn a_nik_with_15_digits_is_rejected() {
        let problem = Nik::parse("170101450699000").unwrap_err();
        assert_eq!(problem.code, "nik_length");
        assert_eq!(problem.field, "nik");
        assert!(problem.message_id.starts_with("NIK harus 16 digit"));
        assert!(problem.message_en.starts_with("NIK must be 16 digits"));
    }

    #[test]
    fn a_nik_with_17_digits_is_rejected() {
        assert_refused(Nik::parse, &["17010145069900011"], "nik_length");
    }

    #[test]
    fn a_nik_with_letters_or_dashes_is_rejected() {
        assert_refused(
            Nik::parse,
            &["17010145O6990001", "170101-450699-0001"],
            "nik_digits_only",
        );
    }

    #[test]
    fn an_empty_nik_is_required() {
        assert_refused(Nik::parse, &["   "], "nik_required");
    }

    #[test]
    fn a_nik_must_start_with_a_region_code() {
        assert_refused(
            Nik::parse,
            &[
                "0701014506990001",
                "9901014506990001",
                "1700014506990001",
                "1701004506990001",
            ],
            "nik_region",
        );
    }

    #[test]
    fn a_nik_must_encode_a_real_birth_day() {
        assert_refused(
            Nik::parse,
            &[
                "1701010006990001", // day 0
                "1701013206990001", // day 32
                "1701014006990001", // day 40: neither a man's nor a woman's day
                "1701017206990001", // day 72 = 32 for a woman
                "1701011513990001", // month 13
                "1701013104990001", // 31 April
                "1701013002990001", // 30 February
            ],
            "nik_birth_date",
        );
    }

    #[test]
    fn the_29th_of_february_is_accepted_only_in_years_divisible_by_4() {
        assert!(Nik::parse("1701012902000001").is_ok());
        assert!(Nik::parse("1701016902960001").is_ok());
        assert_refused(Nik::parse, &["1701012902990001"], "nik_birth_date");
    }

    #[test]
    fn a_serial_of_0000_is_rejected() {
        assert_refused(Nik::parse, &["1701014506990000"], "nik_serial");
    }

    #[test]
    fn a_womans_nik_is_issued_with_her_district_birth_day_plus_40_and_serial() {
        let district = RegionCode::parse("17.01.01").unwrap();
        let nik = Nik::issue(&district, (1999, 6, 5), Gender::Female, 1).unwrap();
        assert_eq!(nik.as_str(), "1701014506990001");
        assert_eq!(nik.encoded_gender(), Gender::Female);
        assert_eq!(nik.birth_day_month_year(), (5, 6, 99));
    }

    #[test]
    fn a_mans_issued_nik_agrees_with_his_birth_date_and_gender() {
        let district = RegionCode::parse("17.01.01").unwrap();
        let nik = Nik::issue(&district, (2004, 12, 31), Gender::Male, 9999).unwrap();
        assert_eq!(nik.as_str(), "1701013112049999");
        let born = BirthDate::parse("2004-12-31", (2026, 1, 1)).unwrap();
        assert!(nik.mismatches_with(&born, Gender::Male).is_empty());
        assert_eq!(nik.district_code(), district);
        assert!(Nik::issue(&district, (2004, 2, 30), Gender::Male, 1).is_err());
        assert!(Nik::issue(&district, (2004, 2, 1), Gender::Male, 0).is_err());
    }

    #[test]
    fn a_womans_nik_adds_40_to_the_day() {
        let nik = Nik::parse(WOMAN).unwrap();
        assert_eq!(nik.birth_day_month_year(), (5, 6, 99));
        assert_eq!(nik.encoded_gender(), Gender::Female);
        let woman_on_the_31st = Nik::parse("1701017112990001").unwrap();
        assert_eq!(woman_on_the_31st.birth_day_month_year(), (31, 12, 99));
    }

    #[test]
    fn a_mans_nik_holds_the_day_as_is() {
        let nik = Nik::parse(MAN).unwrap();
        assert_eq!(nik.birth_day_month_year(), (13, 5, 90));
        assert_eq!(nik.encoded_gender(), Gender::Male);
    }

    #[test]
    fn the_first_six_digits_are_the_district_code() {
        assert_eq!(
            Nik::parse(MAN).unwrap().district_code().as_str(),
            "17.71.01"
        );
    }

    #[test]
    fn a_nik_matching_the_form_gives_no_warnings() {
        let nik = Nik::parse(WOMAN).unwrap();
        assert_eq!(
            nik.mismatches_with(&birth_date("1999-06-05"), Gender::Female),
            vec![]
        );
    }

    #[test]
    fn a_different_birth_date_is_only_a_warning() {
        let warning = the_one_warning(MAN, "1990-05-14", Gender::Male);
        assert_eq!(warning.code, "nik_birth_date_mismatch");
        assert!(
            warning.message_id.contains("13-05-90"),
            "{}",
            warning.message_id
        );
        assert!(warning.message_id.contains("14-05-90"));
    }

    #[test]
    fn a_different_century_is_not_a_mismatch() {
        // The NIK cannot tell 1990 from 2090; only the two-digit year is compared.
        let nik = Nik::parse("1771011305000123").unwrap();
        assert!(nik
            .mismatches_with(&birth_date("2000-05-13"), Gender::Male)
            .is_empty());
        assert!(nik
            .mismatches_with(&birth_date("1900-05-13"), Gender::Male)
            .is_empty());
    }

    #[test]
    fn a_different_gender_is_only_a_warning() {
        let warning = the_one_warning(WOMAN, "1999-06-05", Gender::Male);
        assert_eq!(warning.code, "nik_gender_mismatch");
        assert!(warning.message_id.contains("perempuan"));
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_keeps_only_16_digits(raw in "[0-9 a-z]{0,20}") {
            if let Ok(nik) = Nik::parse(&raw) {
                prop_assert_eq!(nik.as_str().len(), 16);
                prop_assert!(nik.as_str().bytes().all(|b| b.is_ascii_digit()));
            }
        }

        #[test]
        fn the_decoded_day_and_gender_give_back_the_encoded_day(
            day in 1u32..=28, month in 1u32..=12, yy in 0u32..=99, woman: bool,
        ) {
            let gender = if woman { Gender::Female } else { Gender::Male };
            let district = RegionCode::parse("17.01.01").unwrap();
            let nik = Nik::issue(&district, (2000 + yy as i32, month, day), gender, 1).unwrap();
            prop_assert_eq!(nik.birth_day_month_year(), (day, month, yy));
            prop_assert_eq!(nik.encoded_gender() == Gender::Female, woman);
        }
    }
}
