//! The officer's screens, one per file: the list, the work list, the form (with the
//! record's follow-ups and history), the follow-up form and the status line (the login form is both apps', `jemput_app_common::login`).

mod duplicate_warning;
pub mod follow_up;
pub mod form;
pub mod history;
pub mod list;
pub mod receipt;
pub mod status;
pub mod work_list;
