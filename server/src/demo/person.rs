//! A demo person: the part of a registration that belongs to the human being rather
//! than to the visit — name, gender, birth date and place, NIK and phone. A duplicate
//! registration is the same [`Person`] registered again, so the two share a NIK.

use jemput_shared::calendar::{days_in_month, iso_date};
use jemput_shared::domain::{CivilDate, Nik, RegionCode};
use jemput_shared::registration::Gender;
use jemput_shared::sample::SampleGenerator;
use jemput_shared::validation::FieldProblem;

use super::names;

/// Job seekers are young: ages from [`YOUNGEST`] to [`YOUNGEST`] + [`AGE_SPAN`] − 1,
/// most of them near the start.
const YOUNGEST: i32 = 17;
const AGE_SPAN: u64 = 34;
/// Percent of people with no mobile number of their own.
const WITHOUT_PHONE_PERCENT: u64 = 8;
/// Mobile prefixes after the 0 (Telkomsel, Indosat, XL, Tri, Smartfren).
const PHONE_PREFIXES: &[&str] = &[
    "811", "812", "813", "821", "822", "823", "852", "853", "814", "815", "857", "858", "817",
    "818", "819", "877", "878", "895", "896", "897", "881", "882",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub full_name: String,
    pub gender: Gender,
    /// ISO `YYYY-MM-DD`.
    pub birth_date: String,
    pub birth_place: String,
    pub nik: String,
    /// `08…`, or empty.
    pub phone: String,
}

impl Person {
    /// Someone whose NIK was issued in `district`, of working age on `today`.
    pub fn generate(
        rng: &mut SampleGenerator,
        district: &RegionCode,
        today: CivilDate,
    ) -> Result<Person, FieldProblem> {
        let gender = if rng.below(2) == 0 {
            Gender::Male
        } else {
            Gender::Female
        };
        let full_name = full_name(rng, gender);
        // The smaller of two draws: more young people than old.
        let age = YOUNGEST + rng.below(AGE_SPAN).min(rng.below(AGE_SPAN)) as i32;
        let year = today.0 - age;
        let month = 1 + rng.below(12) as u32;
        let day = 1 + rng.below(u64::from(days_in_month(year, month))) as u32;
        let serial = 1 + rng.below(9_999) as u32;
        let nik = Nik::issue(district, (year, month, day), gender, serial)?;
        let phone = if rng.below(100) < WITHOUT_PHONE_PERCENT {
            String::new()
        } else {
            phone(rng)
        };
        Ok(Person {
            full_name,
            gender,
            birth_date: iso_date((year, month, day)),
            birth_place: rng.pick(names::BIRTH_PLACES).to_string(),
            nik: nik.as_str().to_owned(),
            phone,
        })
    }
}

/// "Siti", "Dewi Anggraini", "Muhammad Rizki Pratama": a given name, often a second one,
/// mostly a family name.
fn full_name(rng: &mut SampleGenerator, gender: Gender) -> String {
    let (given, middle, family) = match gender {
        Gender::Male => (names::MALE_GIVEN, names::MIDDLE_MALE, names::MALE_FAMILY),
        Gender::Female => (
            names::FEMALE_GIVEN,
            names::MIDDLE_FEMALE,
            names::FEMALE_FAMILY,
        ),
    };
    let mut name = rng.pick(given).to_string();
    if rng.below(100) < 35 {
        name.push(' ');
        let second = *rng.pick(middle);
        name.push_str(second);
    }
    if rng.below(100) < 80 {
        name.push(' ');
        let family_name = *rng.pick(family);
        name.push_str(family_name);
    }
    name
}

/// A mobile number in the national form officers type: `08` + prefix + 7–8 digits.
pub fn phone(rng: &mut SampleGenerator) -> String {
    let prefix = rng.pick(PHONE_PREFIXES);
    if rng.below(2) == 0 {
        format!("0{prefix}{:07}", rng.below(10_000_000))
    } else {
        format!("0{prefix}{:08}", rng.below(100_000_000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jemput_shared::domain::{BirthDate, Nik, PhoneNumber};

    #[test]
    fn generated_people_have_consistent_valid_niks_and_phones() {
        let district = RegionCode::parse("17.71.01").unwrap();
        let today = (2026, 11, 29);
        let mut rng = SampleGenerator::new(3);
        for _ in 0..2_000 {
            let person = Person::generate(&mut rng, &district, today).unwrap();
            let nik = Nik::parse(&person.nik).unwrap();
            let born = BirthDate::parse(&person.birth_date, today).unwrap();
            assert!(nik.mismatches_with(&born, person.gender).is_empty());
            assert!(born.working_age_warning(today).is_none(), "{person:?}");
            assert_eq!(nik.district_code(), district);
            if !person.phone.is_empty() {
                PhoneNumber::parse(&person.phone).unwrap();
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_person() {
        let district = RegionCode::parse("17.01.01").unwrap();
        let one = Person::generate(&mut SampleGenerator::new(9), &district, (2026, 1, 1));
        let two = Person::generate(&mut SampleGenerator::new(9), &district, (2026, 1, 1));
        assert_eq!(one, two);
    }
}
