//! The calendar, defined once: civil dates, days counted from 1970-01-01, and Western
//! Indonesia Time (WIB, UTC+7, no daylight saving), Bengkulu's zone and the one every
//! date Jemput shows or counts is in.
//!
//! Three ways to name a day, each with its own type or function:
//! - a [`CivilDate`], `(year, month, day)`: what a person reads and types (`YYYY-MM-DD`,
//!   [`iso_date`], [`parse_iso_date`]);
//! - a day number, days since 1970-01-01 ([`days_from_civil`], [`civil_from_days`]);
//! - a WIB day number ([`wib_day_number`]): the day number of the WIB date of a moment,
//!   the `day` column of the server's aggregate tables, whose SQL computes the same
//!   `(created_at + 25200000) / 86400000`.
//!
//! No clock here: callers pass the time. The arithmetic (leap years, month lengths,
//! Howard Hinnant's day-number conversions) is small enough that a date crate would cost
//! more than it saves, in the browser's wasm most of all.

/// A date as `(year, month, day)`, month and day counted from 1. Tuples compare in
/// calendar order.
pub type CivilDate = (i32, u32, u32);

/// Milliseconds in a calendar day (no leap seconds in Unix time).
pub const DAY_MS: i64 = 86_400_000;

/// Western Indonesia Time (WIB, UTC+7), Bengkulu's time zone.
pub const WIB_OFFSET_MS: i64 = 7 * 3_600_000;

/// The calendar date at `unix_ms` in a zone `utc_offset_ms` ahead of UTC.
pub fn civil_date_at(unix_ms: i64, utc_offset_ms: i64) -> CivilDate {
    civil_from_days((unix_ms + utc_offset_ms).div_euclid(DAY_MS))
}

/// The date in Bengkulu at `unix_ms`.
pub fn wib_date(unix_ms: i64) -> CivilDate {
    civil_date_at(unix_ms, WIB_OFFSET_MS)
}

/// The day number (days since 1970-01-01) of the WIB date at `unix_ms`.
pub fn wib_day_number(unix_ms: i64) -> i64 {
    (unix_ms + WIB_OFFSET_MS).div_euclid(DAY_MS)
}

/// The first millisecond of `date` in Bengkulu: 17:00 UTC the day before.
pub fn wib_day_start_ms(date: CivilDate) -> i64 {
    days_from_civil(date) * DAY_MS - WIB_OFFSET_MS
}

/// Days since 1970-01-01 of a date, after Howard Hinnant's `days_from_civil`.
pub fn days_from_civil((year, month, day): CivilDate) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (days since 1970-01-01), after Howard Hinnant's
/// `civil_from_days`.
pub fn civil_from_days(days: i64) -> CivilDate {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

/// `YYYY-MM-DD`.
pub fn iso_date((year, month, day): CivilDate) -> String {
    format!("{year:04}-{month:02}-{day:02}")
}

/// `YYYY-MM-DD HH:MM` in WIB.
pub fn wib_minute(unix_ms: i64) -> String {
    let minute_of_day = (unix_ms + WIB_OFFSET_MS).rem_euclid(DAY_MS) / 60_000;
    format!(
        "{} {:02}:{:02}",
        iso_date(wib_date(unix_ms)),
        minute_of_day / 60,
        minute_of_day % 60
    )
}

/// A real calendar date written exactly `YYYY-MM-DD`; `None` for anything else.
pub fn parse_iso_date(raw: &str) -> Option<CivilDate> {
    split_iso(raw).filter(|&date| is_calendar_date(date))
}

/// Splits exactly `DDDD-DD-DD` into numbers, whether or not the date exists; nothing
/// else is accepted, so `5/13/1990` cannot be silently misread.
pub fn split_iso(raw: &str) -> Option<CivilDate> {
    let bytes = raw.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    Some((
        raw[0..4].parse().ok()?,
        raw[5..7].parse().ok()?,
        raw[8..10].parse().ok()?,
    ))
}

pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` of `year`; 0 for a month that does not exist.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether `(year, month, day)` is a day the calendar has.
pub fn is_calendar_date((year, month, day): CivilDate) -> bool {
    day >= 1 && day <= days_in_month(year, month)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-01 00:00 WIB, which is 2025-12-31 17:00 UTC.
    const NEW_YEAR_WIB: i64 = 1_767_200_400_000;

    #[test]
    fn unix_time_converts_to_calendar_dates() {
        assert_eq!(civil_date_at(0, 0), (1970, 1, 1));
        assert_eq!(civil_date_at(20_420 * DAY_MS, 0), (2025, 11, 28));
        assert_eq!(civil_date_at(11_016 * DAY_MS, 0), (2000, 2, 29));
        // 18:00 UTC on 2025-11-27 is already the 28th in Bengkulu.
        assert_eq!(wib_date(20_419 * DAY_MS + 18 * 3_600_000), (2025, 11, 28));
    }

    #[test]
    fn a_wib_day_starts_at_midnight_in_bengkulu() {
        assert_eq!(
            wib_day_number(NEW_YEAR_WIB) - wib_day_number(NEW_YEAR_WIB - 1),
            1
        );
        assert_eq!(wib_day_number(NEW_YEAR_WIB), 20_454);
        assert_eq!(wib_day_start_ms((2026, 1, 1)), NEW_YEAR_WIB);
        assert_eq!(wib_date(NEW_YEAR_WIB - 1), (2025, 12, 31));
        assert_eq!(
            wib_day_number(wib_day_start_ms((2024, 2, 29))),
            days_from_civil((2024, 2, 29))
        );
    }

    #[test]
    fn day_numbers_and_dates_convert_both_ways() {
        assert_eq!(days_from_civil((1970, 1, 1)), 0);
        assert_eq!(days_from_civil((2026, 1, 1)), 20_454);
        assert_eq!(days_from_civil((1969, 12, 31)), -1);
        assert_eq!(
            days_from_civil((2024, 3, 1)) - days_from_civil((2024, 2, 28)),
            2
        );
        for days in -800_000..800_000 {
            let date = civil_from_days(days);
            assert!(is_calendar_date(date), "{date:?}");
            assert_eq!(days_from_civil(date), days, "{date:?}");
        }
    }

    #[test]
    fn dates_and_minutes_are_written_the_iso_way() {
        assert_eq!(iso_date((2026, 8, 31)), "2026-08-31");
        assert_eq!(iso_date((987, 1, 2)), "0987-01-02");
        assert_eq!(wib_minute(20_420 * DAY_MS), "2025-11-28 07:00");
        assert_eq!(wib_minute(NEW_YEAR_WIB - 60_000), "2025-12-31 23:59");
        assert_eq!(wib_minute(NEW_YEAR_WIB + 30 * 60_000), "2026-01-01 00:30");
    }

    #[test]
    fn only_real_dates_written_yyyy_mm_dd_parse() {
        assert_eq!(parse_iso_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(split_iso("2025-02-31"), Some((2025, 2, 31)));
        for bad in [
            "2025-02-29",
            "1900-02-29",
            "2025-13-01",
            "2025-04-00",
            "2025-1-01",
            "25-01-01",
            "2025/01/01",
            "2025-01-01T00:00",
            " 2025-01-01",
            "x",
        ] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn february_has_29_days_in_leap_years_only() {
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2025, 2), 28);
        assert_eq!(days_in_month(2025, 13), 0);
    }
}
