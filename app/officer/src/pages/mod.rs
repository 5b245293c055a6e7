//! The officer's screens, one per file: the list, the form (with the record's history)
//! and the status line (the login form is both apps', `jemput_app_common::login`).

mod duplicate_warning;
pub mod form;
pub mod history;
pub mod list;
pub mod receipt;
pub mod status;
