//! The app's screens, one per file: the officer's (login, list, form, status line) and
//! the supervisor's and admin's (overview, registrations table, record, duplicates,
//! admin) inside their navigation frame.

pub mod admin;
pub mod admin_regions;
pub mod admin_targets;
pub mod admin_user;
pub mod duplicates;
pub mod form;
pub mod list;
pub mod login;
pub mod overview;
pub mod record;
pub mod status;
pub mod supervisor;
pub mod table;
