//! How values read on screen: dates and times in WIB (Bengkulu's zone, the one the
//! server's days are counted in), dates and times in the browser's own zone and the
//! user's language, and counts with thousands separators.

use jemput_shared::calendar::{iso_date, wib_date, wib_minute};

use crate::i18n::{l, Lang};

/// `YYYY-MM-DD` in WIB.
pub fn day(ms: i64) -> String {
    iso_date(wib_date(ms))
}

/// `YYYY-MM-DD HH:MM` in WIB.
pub fn datetime(ms: i64) -> String {
    wib_minute(ms)
}

/// A count with thousands separators: `12.345` in Indonesian, `12,345` in English.
pub fn count(lang: Lang, n: i64) -> String {
    let digits = n.max(0).to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(l(lang, '.', ','));
        }
        out.push(c);
    }
    out
}

/// A moment in the browser's zone, written the way the user's language writes it.
pub fn local_datetime(lang: Lang, ms: f64) -> String {
    let date = js_sys::Date::new(&ms.into());
    String::from(date.to_locale_string(l(lang, "id-ID", "en-GB"), &js_sys::Object::new()))
}

/// [`local_datetime`], or "never".
pub fn when(lang: Lang, ms: Option<i64>) -> String {
    match ms {
        Some(ms) => local_datetime(lang, ms as f64),
        None => l(lang, "belum pernah", "never").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_wib() {
        // 2026-01-01 00:30 WIB is 2025-12-31 17:30 UTC.
        let ms = 1_767_200_400_000 + 30 * 60_000;
        assert_eq!(day(ms), "2026-01-01");
        assert_eq!(datetime(ms), "2026-01-01 00:30");
    }

    #[test]
    fn counts_group_their_thousands_by_language() {
        assert_eq!(count(Lang::Id, 12_345), "12.345");
        assert_eq!(count(Lang::En, 1_234_567), "1,234,567");
        assert_eq!(count(Lang::En, 999), "999");
    }
}
