//! The JSON of the HTTP API (`docs/supervisor-api.md`, README's list): one struct per
//! request body and per answer, used by the server's handlers to answer and by the
//! browser apps to read. A field renamed here breaks the build of both sides, not a page.
//!
//! - [`auth`] — login, the signed-in user;
//! - [`audit`] — the audit trail as admins read it;
//! - [`users`] — accounts and devices as admins manage them, the region list import;
//! - [`regions`] — the official region list;
//! - [`overview`] — the supervisor's overview;
//! - [`registrations`] — the registrations table (its query and rows), a record's
//!   history, reviews;
//! - [`duplicates`] — the duplicates queue and its verdicts;
//! - [`privacy`] — a citizen's data rights (the access report);
//! - [`receipts`] — a citizen's receipt, verified;
//! - [`targets`] — the yearly targets;
//! - [`error`] — the error body every failure answers with.
//!
//! Codes travel as the enums of [`crate::choice`] (`ReviewStatus`, `Programme`, `Role`,
//! `Gender`), so an unknown code is refused where it is read. Times are milliseconds since
//! the Unix epoch.

/// Where the server serves the supervisor's and admin's app: its own `index.html` for
/// this path and everything below it (the officer's app, with the login, is at `/`).
pub const SUPERVISOR_HOME: &str = "/pengawas/";

pub mod audit;
pub mod auth;
pub mod consent;
pub mod duplicates;
pub mod error;
pub mod overview;
pub mod privacy;
pub mod receipts;
pub mod regions;
pub mod registrations;
pub mod targets;
pub mod users;
