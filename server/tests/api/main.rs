//! The server's integration tests, in one test binary: each module is what used to be a
//! test file of its own, and [`harness`] is the one way they start a server (the real
//! `jemput-server` binary, or `startup::spawn` in-process where a test needs a setting
//! the command line does not offer) and pick its database — SQLite by default,
//! PostgreSQL with `JEMPUT_TEST_DATABASE_URL` (see `tests/README.md`).
//!
//! One binary, not one per file: each test binary links the whole server (about
//! 240 MB of debug build), so two dozen of them cost minutes of linking and gigabytes of
//! disk. `cargo test --workspace --test api <filter>` runs a part, e.g. `auth::` or
//! `sync::`.

mod harness;

mod admin;
mod aggregates;
mod api_headers;
mod audit;
mod auth;
mod backup;
mod cli;
mod consent;
mod crash;
mod demo;
mod duplicates;
mod erasure;
mod events;
mod export;
mod failover;
mod follow_ups;
mod handover;
mod history;
mod limits;
mod memory;
mod metrics;
mod outcomes;
mod overview;
mod privacy;
mod receipt;
mod regions;
mod registrations_table;
mod review;
mod shutdown;
mod startup;
mod sync;
mod two_instances;
mod upgrade;
mod web;
mod wipe;
