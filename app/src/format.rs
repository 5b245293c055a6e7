//! How values read on the supervisor's screens: times in WIB (Bengkulu's zone, the one
//! the server's days are counted in), counts with thousands separators, and the names of
//! programmes and of the coded choices of a registration in both languages.

use jemput_shared::domain::{civil_date_at, WIB_OFFSET_MS};

use crate::i18n::{l, Lang};

/// The five programmes, in the order the form lists them: (code, Indonesian, English).
pub const PROGRAMMES: &[(&str, &str, &str)] = &[
    (
        "blk_training",
        "Pelatihan vokasi di BLK",
        "Vocational training at a BLK",
    ),
    (
        "domestic_apprenticeship",
        "Pemagangan dalam negeri",
        "Domestic apprenticeship",
    ),
    (
        "overseas_apprenticeship",
        "Pemagangan luar negeri",
        "Overseas apprenticeship",
    ),
    ("new_entrepreneur", "Wirausaha baru", "New entrepreneur"),
    ("job_placement", "Penempatan kerja", "Job placement"),
];

/// The review statuses: (code, Indonesian, English).
pub const STATUSES: &[(&str, &str, &str)] = &[
    ("submitted", "Diajukan", "Submitted"),
    ("verified", "Terverifikasi", "Verified"),
    ("needs_correction", "Perlu perbaikan", "Needs correction"),
    ("rejected", "Ditolak", "Rejected"),
];

/// The label of `code` in a (code, Indonesian, English) table; the code itself when unknown.
pub fn label<'a>(lang: Lang, table: &'a [(&str, &'a str, &'a str)], code: &'a str) -> &'a str {
    table
        .iter()
        .find(|(c, ..)| *c == code)
        .map(|(_, id, en)| l(lang, *id, *en))
        .unwrap_or(code)
}

/// `YYYY-MM-DD` in WIB.
pub fn day(ms: f64) -> String {
    let (y, m, d) = civil_date_at(ms as i64, WIB_OFFSET_MS);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD HH:MM` in WIB.
pub fn datetime(ms: f64) -> String {
    let minutes = (ms as i64 + WIB_OFFSET_MS).rem_euclid(86_400_000) / 60_000;
    format!("{} {:02}:{:02}", day(ms), minutes / 60, minutes % 60)
}

/// A count with thousands separators: `12.345` in Indonesian, `12,345` in English.
pub fn count(lang: Lang, n: f64) -> String {
    let digits = (n.max(0.0) as u64).to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(l(lang, '.', ','));
        }
        out.push(c);
    }
    out
}
