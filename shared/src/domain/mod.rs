//! Value types that parse: once you hold a [`Nik`], [`PhoneNumber`], [`RegionCode`] or
//! [`BirthDate`], it is valid and nobody re-checks it.
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
mod region;

pub use birth_date::{BirthDate, WORKING_AGE};
// Defined in the calendar; named here too because every date check takes "today".
pub use crate::calendar::{civil_date_at, CivilDate, WIB_OFFSET_MS};
pub use nik::Nik;
pub use phone::PhoneNumber;
pub use region::{RegionCode, RegionDataError, RegionDirectory, RegionLevel};
