//! The officer's screens, one per file.

pub mod form;
pub mod list;
pub mod login;
pub mod status;
