//! Wall-clock time in the unit the store and the sync protocol use: milliseconds since
//! the Unix epoch. Dates are Western Indonesia Time (WIB, UTC+7): a birth date "in the
//! future" is judged by the calendar in Bengkulu.

use std::time::{SystemTime, UNIX_EPOCH};

use jemput_shared::domain::{civil_date_at, CivilDate, WIB_OFFSET_MS};

pub fn now_ms() -> i64 {
    // A clock set before 1970 is a broken machine; 0 keeps the server running.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Today's date in Bengkulu.
pub fn today() -> CivilDate {
    civil_date_at(now_ms(), WIB_OFFSET_MS)
}
