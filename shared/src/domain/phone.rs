//! [`PhoneNumber`]: an Indonesian mobile number, stored in one normal form (`+628…`).
//!
//! Officers type numbers the way people say them (`0812-3456-7890`, `+62 812 3456 7890`,
//! `62812.3456.7890`); all of these are the same number, and duplicate detection and
//! WhatsApp links need them to compare equal. Only mobile numbers are accepted: the
//! office contacts job seekers by SMS/WhatsApp, and a landline (`021…`) cannot receive them.

use crate::validation::FieldProblem;

const FIELD: &str = "phone";

/// Digits after the `08` prefix in national form: `08` + 8..=11 digits gives the
/// 10–13 digit numbers operators issue.
const SUBSCRIBER_DIGITS: std::ops::RangeInclusive<usize> = 8..=11;

/// An Indonesian mobile number. Holds the international form `+628…`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts `08…`, `628…` or `+628…`; spaces, dashes and dots are ignored. Problems are
    /// reported on the field `"phone"`.
    pub fn parse(raw: &str) -> Result<PhoneNumber, FieldProblem> {
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.'))
            .collect();
        if compact.is_empty() {
            return Err(FieldProblem::error(
                FIELD,
                "phone_required",
                "Nomor HP kosong.",
                "The phone number is empty.",
            ));
        }
        let digits = compact.strip_prefix('+').unwrap_or(&compact);
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldProblem::error(
                FIELD,
                "phone_characters",
                "Nomor HP hanya boleh berisi angka, misalnya 0812 3456 7890.",
                "A phone number may only contain digits, for example 0812 3456 7890.",
            ));
        }
        // A leading '+' must be followed by the country code, so "+08…" is not national.
        let subscriber = match (compact.starts_with('+'), digits) {
            (_, d) if d.starts_with("628") => &d[3..],
            (false, d) if d.starts_with("08") => &d[2..],
            _ => {
                return Err(FieldProblem::error(
                    FIELD,
                    "phone_prefix",
                    "Nomor HP harus nomor seluler yang diawali 08 atau +628, \
                     misalnya 0812 3456 7890.",
                    "The phone number must be a mobile number starting with 08 or +628, \
                     for example 0812 3456 7890.",
                ));
            }
        };
        if !SUBSCRIBER_DIGITS.contains(&subscriber.len()) {
            let (min, max) = (SUBSCRIBER_DIGITS.start() + 2, SUBSCRIBER_DIGITS.end() + 2);
            return Err(FieldProblem::error(
                FIELD,
                "phone_length",
                format!(
                    "Nomor HP harus {min}–{max} digit jika diawali 08. \
                     Periksa apakah ada angka yang kurang atau lebih."
                ),
                format!(
                    "A phone number must have {min}–{max} digits when written with 08. \
                     Check for missing or extra digits."
                ),
            ));
        }
        Ok(PhoneNumber(format!("+628{subscriber}")))
    }

    /// The international form, e.g. `"+6281234567890"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The national form people know, e.g. `"081234567890"`.
    pub fn as_national(&self) -> String {
        format!("0{}", &self.0[3..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::assert_refused;
    use proptest::prelude::*;

    #[test]
    fn the_common_ways_of_writing_a_number_give_the_same_number() {
        for raw in [
            "081234567890",
            "0812-3456-7890",
            "0812.3456.7890",
            "+62 812 3456 7890",
            "6281234567890",
        ] {
            let phone = PhoneNumber::parse(raw).unwrap();
            assert_eq!(phone.as_str(), "+6281234567890", "{raw}");
            assert_eq!(phone.as_national(), "081234567890");
        }
    }

    #[test]
    fn numbers_of_10_to_13_national_digits_are_accepted() {
        assert!(PhoneNumber::parse("0812345678").is_ok());
        assert!(PhoneNumber::parse("0812345678901").is_ok());
    }

    #[test]
    fn a_number_with_9_or_14_national_digits_is_rejected() {
        assert_refused(
            PhoneNumber::parse,
            &["081234567", "08123456789012", "+628123456789012"],
            "phone_length",
        );
    }

    #[test]
    fn a_landline_or_foreign_number_is_rejected() {
        assert_refused(
            PhoneNumber::parse,
            &[
                "0211234567",
                "+6221123456",
                "+60123456789",
                "81234567890",
                "+081234567890",
            ],
            "phone_prefix",
        );
    }

    #[test]
    fn letters_and_other_symbols_are_rejected() {
        assert_refused(
            PhoneNumber::parse,
            &["0812 3456 789O", "(0812) 3456789", "08+1234567890"],
            "phone_characters",
        );
    }

    #[test]
    fn an_empty_number_is_reported_as_empty() {
        assert_refused(PhoneNumber::parse, &[" - "], "phone_required");
    }

    proptest! {
        #[test]
        fn any_accepted_number_reads_back_from_its_national_form(raw in "(\\+62|62|0)8[0-9 .-]{6,16}") {
            if let Ok(phone) = PhoneNumber::parse(&raw) {
                prop_assert_eq!(PhoneNumber::parse(&phone.as_national()), Ok(phone.clone()));
                prop_assert_eq!(PhoneNumber::parse(phone.as_str()), Ok(phone));
            }
        }
    }
}
