//! Realistic fake registrations — Indonesian names, valid NIKs matching birth date and
//! gender, Bengkulu region codes — for property tests, the load generator and demo data.
//! Deterministic for a seed, so a failing run can be replayed.

use crate::domain::{Nik, RegionCode};
use crate::registration::{
    Address, Consent, EducationLevel, EmploymentStatus, Gender, MaritalStatus, Millis,
    ProgrammeInterest, Registration, WorkExperience,
};
use crate::registration_id::new_registration_id;

const MALE_NAMES: &[&str] = &[
    "Agus", "Budi", "Dedi", "Eko", "Fajar", "Hendra", "Irfan", "Joko", "Rahmat", "Rizki", "Slamet",
    "Taufik", "Wahyu", "Yusuf", "Zainal", "Andi", "Bayu", "Dimas", "Gilang", "Hadi",
];
const FEMALE_NAMES: &[&str] = &[
    "Ani", "Dewi", "Fitri", "Indah", "Lestari", "Maya", "Nur", "Putri", "Rina", "Sari", "Siti",
    "Tuti", "Wulan", "Yanti", "Ayu", "Citra", "Eka", "Intan", "Mega", "Ratna",
];
const FAMILY_NAMES: &[&str] = &[
    "Saputra",
    "Hidayat",
    "Pratama",
    "Wijaya",
    "Kurniawan",
    "Setiawan",
    "Lubis",
    "Siregar",
    "Nasution",
    "Harahap",
    "Rahman",
    "Hakim",
    "Santoso",
    "Susanto",
    "Putri",
    "Lestari",
    "Amelia",
    "Maharani",
    "Ramadhan",
    "Firmansyah",
];
const PLACES: &[&str] = &[
    "Bengkulu",
    "Manna",
    "Curup",
    "Argamakmur",
    "Bintuhan",
    "Tais",
    "Mukomuko",
    "Tubei",
    "Kepahiang",
    "Karang Tinggi",
    "Palembang",
    "Padang",
];
const VOCATIONS: &[&str] = &[
    "Teknik Las",
    "Menjahit",
    "Otomotif Sepeda Motor",
    "Tata Boga",
    "Operator Komputer",
    "Instalasi Listrik",
    "Tata Rias",
    "Barista",
];
const COUNTRIES: &[&str] = &["Jepang", "Korea Selatan", "Malaysia", "Taiwan", "Jerman"];
const SKILLS: &[&str] = &[
    "Mengemudi",
    "Bahasa Inggris",
    "Microsoft Office",
    "Memasak",
    "Bertani",
    "Perbengkelan",
    "Menjahit",
    "Pemasaran",
];

/// A small deterministic generator (SplitMix64): no `rand` needed in WASM or tests.
#[derive(Debug, Clone)]
pub struct SampleGenerator {
    state: u64,
}

impl SampleGenerator {
    pub fn new(seed: u64) -> Self {
        SampleGenerator {
            state: seed ^ 0x9E37_79B9_7F4A_7C15,
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A random version-4 UUID string.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }

    /// Ten random bytes, for [`crate::registration_id::new_registration_id`].
    pub fn id_bytes(&mut self) -> [u8; 10] {
        let a = self.next_u64().to_le_bytes();
        let b = self.next_u64().to_le_bytes();
        let mut bytes = [0; 10];
        bytes[..8].copy_from_slice(&a);
        bytes[8..].copy_from_slice(&b[..2]);
        bytes
    }

    /// A complete, valid registration by `officer_id` on `device_id`, living in
    /// `village` (a village code like `17.01.01.2001`), created at `now`.
    pub fn registration(
        &mut self,
        officer_id: &str,
        device_id: &str,
        village: &str,
        now: Millis,
    ) -> Registration {
        let gender = if self.chance(50) {
            Gender::Male
        } else {
            Gender::Female
        };
        let given = match gender {
            Gender::Male => *self.pick(MALE_NAMES),
            Gender::Female => *self.pick(FEMALE_NAMES),
        };
        let full_name = format!("{given} {}", self.pick(FAMILY_NAMES));
        let year = 1965 + self.below(40) as i64;
        let month = 1 + self.below(12) as i64;
        let day = 1 + self.below(28) as i64;
        let district = village.rsplit_once('.').map(|(d, _)| d).unwrap_or(village);
        let regency = district
            .rsplit_once('.')
            .map(|(r, _)| r)
            .unwrap_or(district);
        let issued_in = RegionCode::parse(district).expect("a village code's district");
        let birth = (year as i32, month as u32, day as u32);
        let serial = 1 + self.below(9998) as u32;
        let nik = Nik::issue(&issued_in, birth, gender, serial)
            .expect("a real district, day and serial")
            .to_string();
        let phone = format!("08{}{:09}", 1 + self.below(3), self.below(1_000_000_000));
        let programmes = match self.below(5) {
            0 => vec![ProgrammeInterest::BlkTraining {
                vocation: self.pick(VOCATIONS).to_string(),
            }],
            1 => vec![ProgrammeInterest::DomesticApprenticeship],
            2 => vec![ProgrammeInterest::OverseasApprenticeship {
                destination_country: self.pick(COUNTRIES).to_string(),
            }],
            3 => vec![
                ProgrammeInterest::NewEntrepreneur,
                ProgrammeInterest::JobPlacement,
            ],
            _ => vec![ProgrammeInterest::JobPlacement],
        };
        let education = *self.pick(&[
            EducationLevel::Sd,
            EducationLevel::Smp,
            EducationLevel::Sma,
            EducationLevel::Smk,
            EducationLevel::D3,
            EducationLevel::D4S1,
        ]);
        let work_experience = if self.chance(40) {
            vec![WorkExperience {
                employer: format!("CV {}", self.pick(FAMILY_NAMES)),
                position: "Staf".into(),
                start_year: 2015 + self.below(5) as i64,
                end_year: Some(2021 + self.below(3) as i64),
            }]
        } else {
            vec![]
        };
        Registration {
            id: new_registration_id(now, &self.id_bytes()),
            registered_by: officer_id.into(),
            assigned_officer: None,
            device_id: device_id.into(),
            created_at: now,
            receipt_number: None,
            full_name,
            nik,
            no_nik_reason: None,
            birth_place: self.pick(PLACES).to_string(),
            birth_date: format!("{year:04}-{month:02}-{day:02}"),
            gender,
            marital_status: if self.chance(60) {
                MaritalStatus::Married
            } else {
                MaritalStatus::Single
            },
            phone,
            address: Address {
                regency: regency.into(),
                district: district.into(),
                village: village.into(),
                hamlet: format!("Dusun {}", 1 + self.below(5)),
                rt: format!("{:03}", 1 + self.below(20)),
                rw: format!("{:03}", 1 + self.below(8)),
                street: String::new(),
            },
            education,
            education_major: if education == EducationLevel::Smk {
                "Teknik Mesin".into()
            } else {
                String::new()
            },
            employment_status: if self.chance(70) {
                EmploymentStatus::Unemployed
            } else {
                EmploymentStatus::SelfEmployed
            },
            work_experience,
            skills: vec![self.pick(SKILLS).to_string()],
            follow_ups: Vec::new(),
            disability: None,
            programmes,
            consent: Consent {
                given: true,
                at: Some(now),
                version: Some(1),
                by: Some(officer_id.to_owned()),
            },
            location: None,
            review: Default::default(),
            duplicate_of: None,
            deleted: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::{validate, ValidationContext};

    #[test]
    fn generated_registrations_are_valid_and_differ() {
        let mut gen = SampleGenerator::new(7);
        let ctx = ValidationContext {
            today: (2026, 11, 28),
            regions: None,
        };
        let a = gen.registration("o1", "d1", "17.01.01.2001", 0);
        let b = gen.registration("o1", "d1", "17.71.01.1001", 0);
        for r in [&a, &b] {
            let report = validate(r, &ctx);
            assert!(
                report.is_valid(),
                "{:?}",
                report.errors().collect::<Vec<_>>()
            );
        }
        assert_ne!(a.id, b.id);
    }
}
