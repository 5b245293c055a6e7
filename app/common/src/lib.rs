//! What both browser apps share — the officer's offline app (`app/officer`) and the
//! supervisor's and admin's online screens (`app/supervisor`) — and nothing either one
//! alone needs: the two languages ([`i18n`]), the session kept in local storage and
//! which app serves which role ([`session`]), calls to the server and their failures in
//! plain words ([`api`]), the frame's header and the shared signals ([`shell`]), the login
//! form ([`login`]), how times and counts read ([`format`]), and a record's history in
//! the form's words ([`history`]).
//!
//! The request and answer types themselves live in `jemput_shared::api`, beside the
//! server's handlers that use them.
#![forbid(unsafe_code)]

pub mod api;
pub mod format;
pub mod history;
pub mod i18n;
pub mod login;
pub mod session;
pub mod shell;
