//! What the server needs to start, read once: from the command line and environment by
//! `main`, or built directly by tests.

use std::path::PathBuf;

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
        }
    }
}
