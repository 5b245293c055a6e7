//! NIKs for demo people, built the way Dukcapil issues them: the district of issue, the
//! birth date as DDMMYY with 40 added to the day for women, and a serial. Every NIK made
//! here passes [`Nik::parse`] and agrees with the person's birth date and gender, so
//! validation shows no warning for it.

use jemput_shared::domain::{Nik, RegionCode};
use jemput_shared::registration::Gender;
use jemput_shared::validation::FieldProblem;

/// Added to the birth day in a woman's NIK.
const WOMAN_DAY_OFFSET: u32 = 40;

/// The NIK a person born on `birth` (year, month, day) with `gender` gets in `district`,
/// with `serial` (1–9999) telling apart people of the same district, day and gender.
pub fn issue(
    district: &RegionCode,
    birth: (i32, u32, u32),
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

#[cfg(test)]
mod tests {
    use super::*;
    use jemput_shared::domain::BirthDate;

    fn kedurang() -> RegionCode {
        RegionCode::parse("17.01.01").unwrap()
    }

    #[test]
    fn a_womans_nik_carries_her_district_birth_day_plus_40_and_serial() {
        let nik = issue(&kedurang(), (1999, 6, 5), Gender::Female, 1).unwrap();
        assert_eq!(nik.as_str(), "1701014506990001");
    }

    #[test]
    fn a_mans_nik_agrees_with_his_birth_date_and_gender() {
        let nik = issue(&kedurang(), (2004, 12, 31), Gender::Male, 9999).unwrap();
        assert_eq!(nik.as_str(), "1701013112049999");
        let born = BirthDate::parse("2004-12-31", (2026, 1, 1)).unwrap();
        assert!(nik.mismatches_with(&born, Gender::Male).is_empty());
        assert_eq!(nik.district_code(), kedurang());
    }
}
