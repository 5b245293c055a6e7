//! The officer's screens, one per file: the list, the form (with the record's history)
//! and the status line (the login form is both apps', `jemput_app_common::login`).

pub mod form;
pub mod history;
pub mod list;
pub mod status;
