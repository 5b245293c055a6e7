//! The screens, one module each (the admin's a folder of sections).

pub mod admin;
pub mod duplicates;
pub mod follow_up_form;
pub mod overview;
pub mod personal_data;
pub mod privacy_requests;
pub mod record;
pub mod table;
