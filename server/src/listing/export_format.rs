//! What an exported row says, in which columns, and how it is written as CSV. The XLSX
//! export writes the same [`cells`] under the same [`COLUMNS`].
//!
//! CSV cells that a spreadsheet would read as a formula (starting with `=`, `+`, `-`,
//! `@`, a tab or a carriage return, and not a plain number) get a leading `'`: a name
//! typed as `=HYPERLINK(…)` on a phone must not run when a supervisor opens the file.

use std::borrow::Cow;

use jemput_shared::calendar::wib_minute;

use crate::listing::names::RowNames;
use crate::store::projection::{steps_text, ProjectionRow};

/// The header row.
pub const COLUMNS: [&str; 22] = [
    "id",
    "full_name",
    "nik",
    "gender",
    "birth_place",
    "birth_date",
    "phone",
    "regency",
    "regency_name",
    "district",
    "district_name",
    "village",
    "village_name",
    "programmes",
    "status",
    "officer_username",
    "officer_name",
    "created_at",
    "updated_at",
    "duplicate_of",
    "stage",
    "follow_ups",
];

/// A row's cells, in [`COLUMNS`] order.
pub fn cells<'a>(names: &'a RowNames, row: &'a ProjectionRow) -> [Cow<'a, str>; 22] {
    let region = |code: &str| Cow::Borrowed(names.region(code).unwrap_or_default());
    let officer = names.officer(&row.registered_by);
    [
        Cow::Borrowed(row.id.as_str()),
        Cow::Borrowed(row.full_name.as_str()),
        Cow::Borrowed(row.nik.as_str()),
        Cow::Borrowed(row.gender.as_str()),
        Cow::Borrowed(row.birth_place.as_str()),
        Cow::Borrowed(row.birth_date.as_str()),
        Cow::Borrowed(row.phone.as_str()),
        Cow::Borrowed(row.regency.as_str()),
        region(&row.regency),
        Cow::Borrowed(row.district.as_str()),
        region(&row.district),
        Cow::Borrowed(row.village.as_str()),
        region(&row.village),
        Cow::Owned(row.programmes.join(";")),
        Cow::Borrowed(row.status.as_str()),
        Cow::Borrowed(officer.map_or("", |(username, _)| username)),
        Cow::Borrowed(officer.map_or("", |(_, name)| name)),
        Cow::Owned(wib_minute(row.created_at)),
        Cow::Owned(wib_minute(row.updated_at)),
        Cow::Borrowed(row.duplicate_of.as_deref().unwrap_or_default()),
        Cow::Borrowed(row.stage().code()),
        Cow::Owned(steps_text(&row.steps)),
    ]
}

/// Appends one CSV line (RFC 4180, CRLF) of `cells` to `out`.
pub fn push_csv_line<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (index, cell) in cells.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        push_csv_field(out, cell.as_ref());
    }
    out.push_str("\r\n");
}

fn push_csv_field(out: &mut String, value: &str) {
    let guard = reads_as_formula(value);
    let quote = guard || value.contains([',', '"', '\r', '\n']);
    if quote {
        out.push('"');
    }
    if guard {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

/// True for text a spreadsheet would take for a formula; plain numbers (`-5`,
/// `+6281234`) stay as they are.
fn reads_as_formula(value: &str) -> bool {
    let starts_like_one = matches!(
        value.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    let plain_number = value.chars().any(|c| c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'))
        && value.parse::<f64>().is_ok();
    starts_like_one && !plain_number
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cells: &[&str]) -> String {
        let mut out = String::new();
        push_csv_line(&mut out, cells);
        out
    }

    #[test]
    fn fields_with_separators_or_quotes_are_quoted() {
        assert_eq!(
            line(&["a", "b,c", "say \"hi\"", "x\ny"]),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\"\r\n"
        );
    }

    #[test]
    fn formula_like_cells_are_defused_but_numbers_are_not() {
        assert_eq!(
            line(&["=HYPERLINK(\"x\")", "@SUM(A1)", "+a", "-b"]),
            "\"'=HYPERLINK(\"\"x\"\")\",\"'@SUM(A1)\",\"'+a\",\"'-b\"\r\n"
        );
        assert_eq!(
            line(&["-5", "+6281234567", "1.5e3"]),
            "-5,+6281234567,1.5e3\r\n"
        );
        assert_eq!(line(&["-inf"]), "\"'-inf\"\r\n");
    }
}
