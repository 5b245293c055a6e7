//! What the server needs to start, read once: from the command line and environment by
//! `main`, or built directly by tests.

use std::path::PathBuf;
use std::time::Duration;

use axum::http::HeaderName;

use crate::sessions::SessionLifetimes;

#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen, `host:port`; port 0 picks a free one.
    pub addr: String,
    /// Holds `jemput.sqlite3`; created if missing. Unused with [`Config::database`].
    pub data_dir: PathBuf,
    /// A `postgres://` URL: keep everything in that PostgreSQL database instead of SQLite
    /// (`--database`, `JEMPUT_DATABASE_URL`). Several instances may share it.
    pub database: Option<String>,
    /// The first admin's password, used only when the store has no user yet
    /// (`JEMPUT_ADMIN_PASSWORD`). Without it a random one is generated and reported.
    pub admin_password: Option<String>,
    /// The browser app to serve at `/` (`cargo xtask build-app` writes it to
    /// `target/web/`); without it only the API is served.
    pub web_dir: Option<PathBuf>,
    /// How long sign-ins last, per role (`--officer-session-idle` and the like); see
    /// `sessions` for the defaults and their reasons.
    pub sessions: SessionLifetimes,
    /// Behind a reverse proxy: the header it appends the client's address to
    /// (`--trusted-proxy-header X-Forwarded-For`). Only set it when every request comes
    /// through that proxy; `None` takes the TCP peer as the client (`client_address`).
    pub trusted_proxy_header: Option<HeaderName>,
    /// Connections: how many at once, how long a client may take (`serve.rs`).
    pub http: HttpConfig,
    /// How long the audit trail keeps its entries (`--audit-retention-days`).
    pub audit_retention: crate::audit::AuditRetention,
    /// How long a registration is kept after its last change (`--retention-days`).
    pub retention: crate::erasure::RegistrationRetention,
    /// How often likely duplicates are looked for (`--likely-duplicates-every`).
    pub likely_sweep: crate::likely_duplicates::LikelySweep,
    /// Where `GET /metrics` is served, if anywhere (`--metrics-token`, `--metrics-addr`).
    pub metrics: MetricsConfig,
    /// The server's own SQLite backups (`--backup-dir`); `None`: off.
    pub backup: Option<crate::backup::BackupSchedule>,
}

/// How Prometheus reaches `/metrics` (`routes/metrics.rs`); neither set: nowhere, and no
/// metrics are recorded.
#[derive(Debug, Clone, Default)]
pub struct MetricsConfig {
    /// On the main address, for requests with `Authorization: Bearer TOKEN`.
    pub token: Option<crate::routes::metrics::MetricsToken>,
    /// On a second listener of its own (`host:port`, meant to be local), without a token.
    pub addr: Option<String>,
}

impl MetricsConfig {
    pub fn enabled(&self) -> bool {
        self.token.is_some() || self.addr.is_some()
    }
}

impl Config {
    pub fn new(addr: impl Into<String>, data_dir: impl Into<PathBuf>) -> Config {
        Config {
            addr: addr.into(),
            data_dir: data_dir.into(),
            database: None,
            admin_password: None,
            web_dir: None,
            sessions: SessionLifetimes::default(),
            trusted_proxy_header: None,
            http: HttpConfig::default(),
            audit_retention: crate::audit::AuditRetention::default(),
            retention: crate::erasure::RegistrationRetention::default(),
            likely_sweep: crate::likely_duplicates::LikelySweep::default(),
            metrics: MetricsConfig::default(),
            backup: None,
        }
    }
}

/// How the server treats slow and numerous clients (see `serve.rs` for how each bound
/// is enforced, and [`HttpConfig::default`] for why the defaults never cut off a phone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// Open connections at most (`--max-connections`); beyond it, new connections wait
    /// in the kernel's backlog. `None`: [`crate::open_files::DEFAULT_MAX_CONNECTIONS`].
    /// Either way lowered to what the open-file limit allows.
    pub max_connections: Option<usize>,
    /// A connection must send a complete request head within this long of being ready
    /// for one: on a new connection, and between requests on a kept-alive one (so this
    /// is also the idle timeout).
    pub head_timeout: Duration,
    /// A request body must arrive whole within this long of the handler starting to read
    /// it.
    pub body_timeout: Duration,
    /// …and may not pause longer than this between two pieces.
    pub body_stall_timeout: Duration,
    /// A live-events stream (`GET /api/events`) checks its session at least this often,
    /// and ends once the device is signed out or the user disabled.
    pub stream_session_check: Duration,
    /// On SIGTERM, how long the requests in flight may take to finish before their
    /// connections are dropped (`--shutdown-grace`, `docs/upgrade.md`).
    pub shutdown_grace: Duration,
}

impl Default for HttpConfig {
    /// A request head is well under 2 KB: 40 ms at 400 kbit/s, a few seconds on the worst
    /// 2G link with retransmissions, so 30 s only ever cuts a client that holds a socket
    /// on purpose (or an idle kept-alive one, which the client reopens transparently).
    /// A sync body is at most a few hundred KB (devices batch up to 256 KB): 6 s at
    /// 400 kbit/s; five minutes lets even the 8 MiB limit through at 230 kbit/s, and a
    /// batch through at under 10 kbit/s. A minute without a single byte is a lost signal;
    /// the phone retries the sync later (it is idempotent), as it would anyway.
    /// On shutdown, 30 s lets a sync batch finish on a slow link (its commit takes well
    /// under a second) and stays below systemd's default 90 s before it sends SIGKILL.
    fn default() -> Self {
        HttpConfig {
            max_connections: None,
            head_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(300),
            body_stall_timeout: Duration::from_secs(60),
            stream_session_check: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}
