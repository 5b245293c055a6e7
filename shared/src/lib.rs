//! Jemput's shared core: the registration domain and the sync protocol, used by the
//! server, the browser app and the load generator alike.
//!
//! - [`registration`] — the record an officer captures, which is an Automerge document's
//!   shape; [`document`] maps it to and from the document, and [`history`] reads who
//!   changed which field when.
//! - [`domain`] and [`validation`] — value types that parse (NIK, phone, region code,
//!   birth date) and the per-field checks, with messages in Bahasa Indonesia and English;
//!   [`limits`] — every size limit of the domain, defined once.
//! - [`calendar`] — civil dates, day numbers and WIB (UTC+7) days, defined once.
//! - [`sync`] — the device ↔ server protocol as a sans-IO state machine: messages in,
//!   messages and storage effects out; no sockets, clocks or storage inside.
//! - [`follow_up`] — what became of a person in their programmes, step by step; and
//!   [`work_list`] — why a person needs their officer again; [`outcome`] — what each
//!   person counts for on the overview's funnel.
//! - [`policy`] — who may see and change which registration.
//! - [`receipt`] — the citizen's receipt: its registration number, made offline, and the
//!   signed payload of its QR code.
//! - [`choice`] — the closed choices (gender, review status, programme, role…): codes,
//!   every value, names in both languages.
//! - [`api`] — the JSON of the HTTP API: the request and answer structs the server's
//!   handlers and both browser apps share.
//! - [`sample`] — realistic fake registrations for tests, load and demo data.
//!
//! The feature `documents` (on by default) brings Automerge: [`document`], [`history`],
//! [`change_order`], [`registration_id`], [`sample`] and [`sync`]. The supervisor's browser
//! app reads the API only and builds without it.
#![forbid(unsafe_code)]

pub mod api;
pub mod calendar;
#[cfg(feature = "documents")]
pub mod change_order;
pub mod choice;
#[cfg(feature = "documents")]
pub mod document;
pub mod domain;
pub mod fields;
pub mod follow_up;
#[cfg(feature = "documents")]
pub mod history;
pub mod likeness;
pub mod limits;
pub mod outcome;
pub mod policy;
pub mod receipt;
pub mod registration;
#[cfg(feature = "documents")]
pub mod registration_id;
#[cfg(feature = "documents")]
pub mod sample;
#[cfg(feature = "documents")]
pub mod sync;
pub mod validation;
pub mod work_list;
