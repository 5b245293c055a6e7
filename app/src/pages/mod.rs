//! The officer's screens, one per file.

pub mod admin;
pub mod admin_regions;
pub mod admin_targets;
pub mod admin_user;
pub mod form;
pub mod list;
pub mod login;
pub mod status;
