//! The registrations table and its exports, between the HTTP routes and the store:
//! parsing and checking the query parameters ([`query`]), names beside codes and the
//! shared API's rows ([`names`]), and an exported row's cells ([`export_format`]). Not a
//! route: `routes::registrations::table`, `routes::registrations::export` and the
//! duplicates queue use it.

pub mod export_format;
pub mod names;
pub mod query;
