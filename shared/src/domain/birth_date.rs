//! [`BirthDate`]: a real calendar date, written `YYYY-MM-DD`, not in the future and not
//! before 1900, plus the working-age check.
//!
//! There is no clock here: every check that needs "today" takes it as a [`CivilDate`]
//! from the caller, so the browser, the server and the tests all decide the same way.
//! The calendar arithmetic (leap years, month lengths) lives in [`crate::calendar`].

use std::fmt;
use std::ops::RangeInclusive;

use crate::calendar::{is_calendar_date, split_iso, CivilDate};
use crate::validation::FieldProblem;

/// Ages at which a person is counted as of working age (BPS's 15–64), in full years.
pub const WORKING_AGE: RangeInclusive<u32> = 15..=64;

/// Birth dates before this year are typing mistakes, not people registering for work.
const EARLIEST_YEAR: i32 = 1900;

const FIELD: &str = "birth_date";

/// A birth date that is a real calendar day between 1900-01-01 and "today".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BirthDate {
    year: i32,
    month: u32,
    day: u32,
}

impl BirthDate {
    /// Parses an ISO date `YYYY-MM-DD` (surrounding spaces ignored) and checks it against
    /// `today`. Problems are reported on the field `"birth_date"`.
    pub fn parse(raw: &str, today: CivilDate) -> Result<BirthDate, FieldProblem> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(FieldProblem::error(
                FIELD,
                "birth_date_required",
                "Tanggal lahir wajib diisi.",
                "Date of birth is required.",
            ));
        }
        let (year, month, day) = split_iso(raw).ok_or_else(|| {
            FieldProblem::error(
                FIELD,
                "birth_date_format",
                "Tanggal lahir harus ditulis tahun-bulan-tanggal, misalnya 1990-05-13.",
                "Date of birth must be written year-month-day, for example 1990-05-13.",
            )
        })?;
        if !is_calendar_date((year, month, day)) {
            return Err(FieldProblem::error(
                FIELD,
                "birth_date_invalid",
                format!("Tanggal {raw} tidak ada di kalender. Periksa tanggal dan bulannya."),
                format!("{raw} is not a real calendar date. Check the day and the month."),
            ));
        }
        if (year, month, day) > today {
            return Err(FieldProblem::error(
                FIELD,
                "birth_date_future",
                "Tanggal lahir tidak boleh setelah hari ini.",
                "Date of birth cannot be after today.",
            ));
        }
        if year < EARLIEST_YEAR {
            return Err(FieldProblem::error(
                FIELD,
                "birth_date_too_early",
                format!(
                    "Tanggal lahir tidak boleh sebelum tahun {EARLIEST_YEAR}. Periksa tahunnya."
                ),
                format!("Date of birth cannot be before {EARLIEST_YEAR}. Check the year."),
            ));
        }
        Ok(BirthDate { year, month, day })
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn month(&self) -> u32 {
        self.month
    }

    pub fn day(&self) -> u32 {
        self.day
    }

    /// Age in full years on `today`; 0 if `today` is before the birth date.
    pub fn age_on(&self, today: CivilDate) -> u32 {
        let (year, month, day) = today;
        let mut age = year - self.year;
        // Not yet had this year's birthday. Someone born on 29 February turns a year
        // older on 1 March in common years, as Indonesian civil practice counts it.
        if (month, day) < (self.month, self.day) {
            age -= 1;
        }
        u32::try_from(age).unwrap_or(0)
    }

    /// A warning when the person is outside [`WORKING_AGE`] on `today`. Only a warning:
    /// a 14-year-old may still register for training with a guardian, a 66-year-old for
    /// entrepreneurship support.
    pub fn working_age_warning(&self, today: CivilDate) -> Option<FieldProblem> {
        let age = self.age_on(today);
        if WORKING_AGE.contains(&age) {
            return None;
        }
        let (min, max) = (WORKING_AGE.start(), WORKING_AGE.end());
        Some(FieldProblem::warning(
            FIELD,
            "birth_date_outside_working_age",
            format!(
                "Umur orang ini {age} tahun, di luar usia kerja ({min}–{max} tahun). \
                 Periksa lagi tanggal lahirnya."
            ),
            format!(
                "This person is {age} years old, outside working age ({min}–{max}). \
                 Check the date of birth again."
            ),
        ))
    }
}

impl fmt::Display for BirthDate {
    /// ISO `YYYY-MM-DD`, the form the registration stores.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::assert_refused;

    const TODAY: CivilDate = (2025, 6, 1);

    fn parse_today(raw: &str) -> Result<BirthDate, FieldProblem> {
        BirthDate::parse(raw, TODAY)
    }

    #[test]
    fn an_iso_date_is_accepted_and_shown_back_the_same() {
        let date = BirthDate::parse(" 1990-05-13 ", TODAY).unwrap();
        assert_eq!((date.year(), date.month(), date.day()), (1990, 5, 13));
        assert_eq!(date.to_string(), "1990-05-13");
    }

    #[test]
    fn an_empty_date_is_required() {
        assert_refused(parse_today, &[""], "birth_date_required");
    }

    #[test]
    fn a_date_in_another_format_is_rejected() {
        assert_refused(
            parse_today,
            &[
                "13-05-1990",
                "1990/05/13",
                "1990-5-13",
                "19900513",
                "1990-05-13T00:00",
            ],
            "birth_date_format",
        );
    }

    #[test]
    fn the_31st_of_february_is_rejected() {
        assert_refused(
            parse_today,
            &["1990-02-31", "1990-13-01", "1990-04-00"],
            "birth_date_invalid",
        );
    }

    #[test]
    fn the_29th_of_february_exists_only_in_leap_years() {
        assert!(BirthDate::parse("2000-02-29", TODAY).is_ok());
        assert!(BirthDate::parse("2004-02-29", TODAY).is_ok());
        assert_refused(
            parse_today,
            &["1900-02-29", "2001-02-29"],
            "birth_date_invalid",
        );
    }

    #[test]
    fn a_date_after_today_is_rejected_but_today_is_not() {
        assert_refused(parse_today, &["2025-06-02"], "birth_date_future");
        assert!(BirthDate::parse("2025-06-01", TODAY).is_ok());
    }

    #[test]
    fn a_date_before_1900_is_rejected() {
        assert_refused(parse_today, &["1899-12-31"], "birth_date_too_early");
        assert!(BirthDate::parse("1900-01-01", TODAY).is_ok());
    }

    #[test]
    fn age_counts_full_years_and_turns_on_the_birthday() {
        let date = BirthDate::parse("1990-06-02", TODAY).unwrap();
        assert_eq!(date.age_on((2025, 6, 1)), 34);
        assert_eq!(date.age_on((2025, 6, 2)), 35);
        assert_eq!(date.age_on((1990, 6, 2)), 0);
        assert_eq!(date.age_on((1980, 1, 1)), 0);
    }

    #[test]
    fn someone_born_on_the_29th_of_february_ages_on_the_1st_of_march() {
        let date = BirthDate::parse("2004-02-29", TODAY).unwrap();
        assert_eq!(date.age_on((2025, 2, 28)), 20);
        assert_eq!(date.age_on((2025, 3, 1)), 21);
    }

    #[test]
    fn an_age_outside_15_to_64_is_only_a_warning() {
        let at = |raw| {
            BirthDate::parse(raw, TODAY)
                .unwrap()
                .working_age_warning(TODAY)
        };
        assert!(at("2010-06-01").is_none()); // 15 today
        assert!(at("1960-06-02").is_none()); // 64, 65 tomorrow
        let young = at("2010-06-02").unwrap();
        assert!(young.is_warning());
        assert_eq!(young.code, "birth_date_outside_working_age");
        assert!(
            young.message_id.contains("14 tahun"),
            "{}",
            young.message_id
        );
        assert!(at("1960-06-01").is_some()); // 65
    }
}
