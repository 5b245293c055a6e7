//! Wall-clock time in the unit the store and the sync protocol use: milliseconds since
//! the Unix epoch. Dates are Western Indonesia Time (WIB, UTC+7): a birth date "in the
//! future" is judged by the calendar in Bengkulu.

use std::time::{SystemTime, UNIX_EPOCH};

use jemput_shared::domain::CivilDate;

const WIB_OFFSET_MS: i64 = 7 * 60 * 60 * 1000;

pub fn now_ms() -> i64 {
    // A clock set before 1970 is a broken machine; 0 keeps the server running.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Today's date in Bengkulu.
pub fn today() -> CivilDate {
    civil_from_days((now_ms() + WIB_OFFSET_MS).div_euclid(86_400_000))
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> CivilDate {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_convert_to_calendar_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_420), (2025, 11, 28));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
