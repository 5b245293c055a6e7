//! Value types that parse: once you hold a [`Nik`], [`PhoneNumber`], [`RegionCode`],
//! [`BirthDate`] or the phone's [`Pin`], it is valid and nobody re-checks it.
//!
//! The [`Registration`](crate::registration::Registration) keeps what the officer typed as
//! plain strings (so a half-filled form can still be saved and synced); these types are how
//! the form, the document mapping and the server's ingest check all read those strings the
//! same way. A failed parse is a [`FieldProblem`](crate::validation::FieldProblem) with a
//! stable code and a message in Bahasa Indonesia and English, ready to show next to the
//! field. [`crate::validation`] runs them over a whole registration.
//!
//! Nothing here reads a clock or a file: the caller passes today's date and the region
//! lists' text.

mod birth_date;
mod nik;
mod phone;
mod pin;
mod region;

pub use birth_date::{BirthDate, WORKING_AGE};
// Defined in the calendar; named here too because every date check takes "today".
pub use crate::calendar::{civil_date_at, CivilDate, WIB_OFFSET_MS};
pub use nik::Nik;
pub use phone::PhoneNumber;
pub use pin::Pin;
pub use region::{RegionCode, RegionDataError, RegionDirectory, RegionLevel};

/// `Display` and `AsRef<str>` for the value types that keep their text in its normal form
/// (a NIK's 16 digits, a phone number's international form, a region's dotted code): both
/// give `as_str`, so a parsed value reads back exactly as it is stored.
macro_rules! shown_as_their_text {
    ($($ty:ty),+) => {$(
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
    )+};
}

shown_as_their_text!(Nik, PhoneNumber, RegionCode);

/// What the value types' tests share.
#[cfg(test)]
mod test_support {
    use crate::validation::FieldProblem;

    /// Asserts that `parse` refuses each of `raws` with the problem code `code`.
    #[track_caller]
    pub fn assert_refused<T: std::fmt::Debug>(
        parse: impl Fn(&str) -> Result<T, FieldProblem>,
        raws: &[&str],
        code: &str,
    ) {
        for raw in raws {
            assert_eq!(parse(raw).unwrap_err().code, code, "{raw:?}");
        }
    }
}
