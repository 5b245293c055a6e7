//! `jemput-server`: the office end of Jemput. Field officers' phones sync their
//! registrations here over HTTP whenever they have a signal; the server merges them
//! (Automerge documents, via `jemput_shared::sync::server`), checks every change against
//! the validation rules and the sender's scope, stores it durably (SQLite, or PostgreSQL
//! shared by several instances), and hands each device what changed in its scope.
//! Supervisors and admins use the same API, and get live notices of changes.
//!
//! The pieces, each in its own module:
//!
//! - [`startup`] — builds the [`startup::AppState`] and the axum router, binds, serves;
//!   [`serve`] — the accept loop with its connection cap and timeouts for slow clients,
//!   [`open_files`] — the descriptor budget behind the cap;
//!   [`config`] and [`telemetry`] — settings and logging.
//! - [`routes`] — one file or folder per resource: `auth`, `sync`, `regions`, `health`,
//!   `registrations/`, `supervision/`, `admin/`; [`live`] — the feed of committed
//!   changes behind `supervision::events`. What several routes share is not a route:
//!   [`listing`] (the table's query and rows), `supervision` (duplicate groups,
//!   targets), `server_edit` (changes the server writes on a user's behalf) and
//!   `ingest` (merge and commit, for sync and server edits alike); [`sync_capacity`] —
//!   how many syncs merge at once, and how many merged ones wait to commit.
//! - [`auth`] — password hashing, bearer tokens, the `Authenticated`, `Admin` and
//!   `SupervisorScope` extractors;
//!   [`sessions`] — how long a token lasts; [`login_throttle`] and [`client_address`] —
//!   slowing password guessing by username and address; [`accounts`] — users, devices
//!   and the parsed input types for them (the password rule among them).
//! - [`store`] — the `Store` trait and its SQLite and PostgreSQL implementations with
//!   their migrations.
//! - [`regions`] — importing and holding the official region list.
//! - [`backup`] — SQLite backups (the CLI's `backup` and `restore`, the server's
//!   scheduled ones); [`data_dir_lock`] — the lock a server holds on its data directory.
//! - [`audit`] — the audit trail; [`erasure`] — erasing a person's data for good, on
//!   request and at the end of retention, and the nightly compaction; `privacy_requests`
//!   — citizens' requests and their deadlines.
//! - [`error`] — `ApiError`, the one mapping from failures to HTTP answers.
//! - [`client`] — a native device (sync core over HTTP) for `jemput-loadgen` and tests.
//!
//! The binary (`main.rs`) adds a CLI for operators: `serve`, `user …`, `regions import`,
//! `demo`, `retention run`, `compact`, `backup`, `restore`.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod client;
pub mod client_address;
pub mod clock;
pub mod config;
pub mod data_dir_lock;
pub mod demo;
pub mod device_check;
pub mod erasure;
pub mod error;
pub mod export_members;
pub(crate) mod ingest;
pub mod likely_duplicates;
pub mod listing;
pub mod live;
pub mod login_throttle;
pub mod metrics;
pub mod open_files;
pub mod privacy_requests;
pub mod receipts;
pub mod record_history;
pub mod recovery;
pub mod regions;
pub mod routes;
pub mod serve;
pub(crate) mod server_edit;
pub mod sessions;
pub mod startup;
pub mod store;
pub(crate) mod supervision;
pub mod sync_capacity;
pub mod telemetry;
