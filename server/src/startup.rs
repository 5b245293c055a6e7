//! Putting the server together: open the store, create the first admin if there is
//! nobody yet, load the seal key and the region list into [`AppState`], build the
//! [`router`] with its layers, and bind the listener.
//!
//! `main` and the tests start the server the same way, through [`Application`] (or
//! [`spawn`], which runs it on a background task).

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jemput_shared::limits::MAX_SYNC_BODY;
use jemput_shared::policy::Role;
use jemput_shared::sync::seal::Sealer;
use rand::RngCore;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::login_throttle::LoginThrottle;

use crate::accounts::{Access, DisplayName, NewUser, Password, Username};
use crate::auth;
use crate::config::{Config, HttpConfig};
use crate::data_dir_lock::DataDirLock;
use crate::error::ApiError;
use crate::regions::RegionCatalog;
use crate::routes;
use crate::routes::metrics::MetricsToken;
use crate::sessions::SessionLifetimes;
use crate::store::{self, Store, StoreError};
use crate::{open_files, serve};

/// Sync request bodies held in memory at once, while they arrive and wait for a merge
/// slot (see `routes/sync.rs`). Bodies are at most `limits::MAX_SYNC_BODY` each.
pub const SYNC_BODY_BUDGET: usize = 32 * 1024 * 1024;
/// Everything else is small JSON; the region import (~60 KB for Bengkulu) is the largest.
pub const API_BODY_LIMIT: usize = 1024 * 1024;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Signs "this document state passed my checks"; its key is kept in the store's
    /// settings, so it survives restarts and comes back with a restored backup.
    pub sealer: Sealer,
    /// Phones' PIN recovery keys, derived from the same stored secret (`recovery.rs`).
    pub recovery: crate::recovery::RecoveryKeys,
    /// Devices' checks, for a locked phone (`device_check.rs`), from the same secret.
    pub device_checks: crate::device_check::DeviceChecks,
    /// Devices' receipt keys and receipts' verification (`receipts.rs`), from the same
    /// secret.
    pub receipt_keys: crate::receipts::ReceiptKeys,
    /// Keyed hashes of NIKs for the audit trail (`audit.rs`), from the same secret.
    pub nik_keys: crate::audit::NikKeys,
    /// Set by every erasure, so the nightly task compacts the database (`erasure.rs`).
    pub compaction_due: crate::erasure::CompactionDue,
    /// The last sweep's likely duplicates beyond an identical NIK (`likely_duplicates.rs`).
    pub likely_duplicates: crate::likely_duplicates::LikelyDuplicates,
    /// The official regions, for validating registrations and account assignments.
    pub regions: RegionCatalog,
    /// Sync requests merged at once, and merged ones waiting to commit
    /// (`sync_capacity.rs`): bounded memory under a rush of devices.
    pub sync_capacity: crate::sync_capacity::SyncCapacity,
    /// Bytes (in KiB) of sync request bodies being read or waiting for a merge slot.
    pub sync_bodies: Arc<tokio::sync::Semaphore>,
    /// Turns true when the server starts shutting down; endless responses (live events)
    /// end then, so the graceful shutdown can finish.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// Wrong-password counts per username and address, to slow down guessing.
    pub login_throttle: Arc<LoginThrottle>,
    /// How long sign-ins last, per role ([`Config::sessions`]).
    pub sessions: SessionLifetimes,
    /// The header a trusted reverse proxy puts the client's address in
    /// ([`Config::trusted_proxy_header`]); `None`: the TCP peer is the client.
    pub trusted_proxy_header: Option<HeaderName>,
    /// Exports running at once ([`routes::registrations::export::CONCURRENT_EXPORTS`]): each holds a
    /// database reader for its whole length, and a burst must not take them all.
    pub export_slots: Arc<tokio::sync::Semaphore>,
    /// Time limits for clients: request bodies (applied in [`router`]) and how often a
    /// live-events stream re-checks its session.
    pub http: HttpConfig,
}

/// The seal key's name in the store's settings.
pub const SEAL_KEY_SETTING: &str = "seal_key";

impl AppState {
    pub async fn load(store: Arc<dyn Store>) -> anyhow::Result<AppState> {
        let seal_key = seal_key(store.as_ref()).await?;
        let sealer = Sealer::new(seal_key);
        let recovery = crate::recovery::RecoveryKeys::new(&seal_key);
        let device_checks = crate::device_check::DeviceChecks::new(&seal_key);
        let nik_keys = crate::audit::NikKeys::new(&seal_key);
        let receipt_keys = crate::receipts::ReceiptKeys::new(&seal_key);
        let regions = RegionCatalog::load(store.as_ref())
            .await
            .context("loading the stored region list")?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(AppState {
            store,
            sealer,
            recovery,
            device_checks,
            receipt_keys,
            nik_keys,
            compaction_due: crate::erasure::CompactionDue::default(),
            likely_duplicates: crate::likely_duplicates::LikelyDuplicates::default(),
            regions,
            sync_capacity: crate::sync_capacity::SyncCapacity::new(cores),
            sync_bodies: Arc::new(tokio::sync::Semaphore::new(crate::sync_capacity::kib(
                SYNC_BODY_BUDGET,
            ) as usize)),
            stopping: Arc::new(tokio::sync::watch::Sender::new(false)),
            login_throttle: Arc::new(LoginThrottle::default()),
            sessions: SessionLifetimes::default(),
            trusted_proxy_header: None,
            export_slots: Arc::new(tokio::sync::Semaphore::new(
                routes::registrations::export::CONCURRENT_EXPORTS,
            )),
            http: HttpConfig::default(),
        })
    }
}

/// The server's seal key, created at random on first start.
async fn seal_key(store: &dyn Store) -> anyhow::Result<[u8; 32]> {
    let mut fresh = [0u8; 32];
    rand::rng().fill_bytes(&mut fresh);
    let stored = store
        .setting_or_insert(SEAL_KEY_SETTING, URL_SAFE_NO_PAD.encode(fresh))
        .await?;
    let bytes = URL_SAFE_NO_PAD
        .decode(stored.as_bytes())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok());
    bytes.context("the stored seal key is damaged (settings.seal_key)")
}

/// The HTTP API, and the browser app in `web_dir` for every other path. Body limits sit on
/// the routes (the sync route gets the larger one); tracing wraps everything. With a
/// `metrics_token`, `/metrics` too (`routes/metrics.rs`).
pub fn router(
    state: AppState,
    web_dir: Option<&Path>,
    metrics_token: Option<MetricsToken>,
) -> Router {
    let api = Router::new()
        .merge(routes::health::router())
        .merge(routes::auth::router())
        .merge(routes::admin::router())
        .merge(routes::regions::router())
        .merge(routes::registrations::table::router())
        .merge(routes::registrations::export::router())
        .merge(routes::registrations::review::router())
        .merge(routes::registrations::follow_ups::router())
        .merge(routes::registrations::history::router())
        .merge(routes::registrations::handover::router())
        .merge(routes::supervision::overview::router())
        .merge(routes::supervision::targets::router())
        .merge(routes::supervision::duplicates::router())
        .merge(routes::supervision::events::router())
        .merge(routes::privacy::router())
        .merge(routes::consent::router())
        .merge(routes::privacy_requests::router())
        .merge(routes::receipts::router())
        .layer(RequestBodyLimitLayer::new(API_BODY_LIMIT));
    let sync = routes::sync::router().layer(RequestBodyLimitLayer::new(MAX_SYNC_BODY));
    let routes = Router::new().merge(api).merge(sync);
    let routes = match metrics_token {
        Some(token) => routes.merge(routes::metrics::router(token)),
        // Not the browser app's page either: a misdirected scraper gets a plain 404.
        None => routes.route(routes::metrics::PATH, any(routes::not_found)),
    };
    let routes = match web_dir {
        Some(dir) => routes.fallback_service(routes::web::router(dir)),
        None => routes.fallback(routes::not_found),
    };
    let routes = routes
        // The limits above apply; axum's own 2 MB default would cut sync bodies short.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::map_response(json_payload_too_large));
    serve::time_request_bodies(routes, &state.http)
        .layer(middleware::from_fn(security_headers))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// The span every request is logged in: method and path, never the query string, which
/// may carry a bearer token (`GET /api/events?token=…`, see routes/supervision/events.rs).
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %logged_path(request.uri().path()),
        version = ?request.version(),
    )
}

/// A request's path as the log shows it: a receipt's payload (a name and a masked NIK,
/// `routes/receipts.rs`) is left out.
fn logged_path(path: &str) -> &str {
    use jemput_shared::receipt::{VERIFY_API, VERIFY_PAGE};
    [VERIFY_PAGE, VERIFY_API]
        .into_iter()
        .find(|prefix| path.starts_with(prefix))
        .unwrap_or(path)
}

/// The limit layer refuses an oversized `Content-Length` with a plain-text 413 before any
/// handler runs; answer in the API's JSON error form like every other failure.
async fn json_payload_too_large(response: Response) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        ApiError::PayloadTooLarge.into_response()
    } else {
        response
    }
}

/// Every answer says `nosniff`: a browser must take the type it is given, never guess a
/// script or a page from the bytes. API answers (errors, the login's token, exports and
/// the event stream included) also say `no-store`: they carry personal data or
/// credentials, which no browser or proxy cache may keep. The browser app's own files
/// keep the caching `routes::web` gives them.
async fn security_headers(request: Request, next: Next) -> Response {
    let api = routes::is_api_path(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if api {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// How the first admin came to be, if this start created them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstAdmin {
    /// There were users already.
    NotNeeded,
    /// Created with the password from the configuration (`JEMPUT_ADMIN_PASSWORD`).
    Configured,
    /// Created with this random password, to be shown to the operator once.
    Generated { password: String },
}

pub const FIRST_ADMIN_USERNAME: &str = "admin";

/// With no user at all nobody could sign in to create one, so the first start creates
/// `admin`.
/// Publishes the built-in consent notice as version 1 when none is published yet.
pub async fn ensure_consent_text(store: &dyn Store) -> anyhow::Result<()> {
    if store.consent_texts().await?.is_empty() {
        let first = jemput_shared::api::consent::first_text();
        match store
            .publish_consent_text(first.text_id, first.text_en, crate::clock::now_ms(), None)
            .await
        {
            // Another instance published it first.
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}

pub async fn ensure_first_admin(
    store: &dyn Store,
    configured_password: Option<String>,
) -> anyhow::Result<FirstAdmin> {
    if store.count_users().await? > 0 {
        return Ok(FirstAdmin::NotNeeded);
    }
    let personal = [FIRST_ADMIN_USERNAME];
    let (password, outcome) = match configured_password {
        Some(text) => {
            let password = Password::parse(text, &personal)
                .map_err(|p| anyhow::anyhow!("JEMPUT_ADMIN_PASSWORD: {}", p.message_en))?;
            (password, FirstAdmin::Configured)
        }
        None => {
            let password = generated_password(&personal)?;
            let text = password.expose().to_owned();
            (password, FirstAdmin::Generated { password: text })
        }
    };
    let username = Username::parse(FIRST_ADMIN_USERNAME).map_err(|p| anyhow::anyhow!(p))?;
    let user = NewUser {
        display_name: DisplayName::from_username(&username),
        username,
        access: Access::parse(Role::Admin, &[], None).map_err(|p| anyhow::anyhow!(p))?,
        password_hash: auth::hash_password(password).await?,
    };
    match store.create_user(user).await {
        Ok(_) => Ok(outcome),
        // Another process (a CLI call) created the user meanwhile.
        Err(StoreError::Conflict(_)) => Ok(FirstAdmin::NotNeeded),
        Err(e) => Err(e.into()),
    }
}

/// 20 random base64url characters (120 bits). zxcvbn rates such strings 4 of 4; should a
/// draw ever spell something guessable, the next one is taken.
fn generated_password(personal: &[&str]) -> anyhow::Result<Password> {
    for _ in 0..100 {
        let mut bytes = [0u8; 15];
        rand::rng().fill_bytes(&mut bytes);
        if let Ok(password) = Password::parse(URL_SAFE_NO_PAD.encode(bytes), personal) {
            return Ok(password);
        }
    }
    anyhow::bail!("could not generate a password that passes the password rule")
}

/// A server ready to run: store open, state loaded, listener bound.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    address: SocketAddr,
    first_admin: FirstAdmin,
    web_dir: Option<PathBuf>,
    /// Open connections at most: [`HttpConfig::max_connections`] within the open-file
    /// budget.
    max_connections: usize,
    /// `/metrics` on the main address, for this token.
    metrics_token: Option<MetricsToken>,
    /// The separate metrics address, bound ([`crate::config::MetricsConfig::addr`]).
    metrics_listener: Option<(TcpListener, SocketAddr)>,
    /// SQLite: this server's hold on its data directory, until it stops.
    data_dir_lock: Option<DataDirLock>,
}

/// Connections the separate metrics address keeps open at once: a scraper or two.
const METRICS_CONNECTIONS: usize = 8;

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        if let Some(dir) = &config.web_dir {
            anyhow::ensure!(
                dir.join("index.html").is_file(),
                "no index.html in the web directory {} (build the app with `cargo xtask build-app`)",
                dir.display()
            );
        }
        if config.database.is_some() && config.backup.is_some() {
            anyhow::bail!(
                "--backup-dir backs up SQLite; back up PostgreSQL with pg_dump or \
                 pg_basebackup (docs/backup.md)"
            );
        }
        // Before the store opens: a restore must not be replacing the file meanwhile.
        let data_dir_lock = match config.database {
            Some(_) => None,
            None => Some(DataDirLock::acquire(&config.data_dir)?),
        };
        let store = store::open(config.database.as_deref(), &config.data_dir)
            .await
            .with_context(|| match &config.database {
                Some(_) => "opening the PostgreSQL database".to_owned(),
                None => format!("opening the database in {}", config.data_dir.display()),
            })?;
        // Bound before the first admin is created: a generated password is only shown if
        // the server then runs, so a start that fails must not create one.
        let listener = TcpListener::bind(&config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let address = listener.local_addr()?;
        let metrics_listener = match &config.metrics.addr {
            Some(addr) => {
                let listener = TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr} for /metrics"))?;
                let address = listener.local_addr()?;
                Some((listener, address))
            }
            None => None,
        };
        if config.metrics.enabled() {
            crate::metrics::install();
        }
        let first_admin = ensure_first_admin(store.as_ref(), config.admin_password.clone())
            .await
            .context("creating the first admin")?;
        ensure_consent_text(store.as_ref())
            .await
            .context("publishing the first consent notice")?;
        let mut state = AppState::load(store).await?;
        state.sessions = config.sessions;
        state.trusted_proxy_header = config.trusted_proxy_header.clone();
        state.http = config.http.clone();
        crate::audit::spawn_pruning(state.clone(), config.audit_retention);
        crate::erasure::spawn_nightly(state.clone(), config.retention);
        crate::likely_duplicates::spawn(state.clone(), config.likely_sweep);
        if let Some(schedule) = config.backup.clone() {
            let database = config.data_dir.join(store::sqlite::DATABASE_FILE);
            crate::backup::schedule::spawn(database, schedule);
        }
        auth::prepare().await;
        let open_files = open_files::raise_soft_limit();
        let max_connections = open_files::connection_cap(open_files, config.http.max_connections);
        let asked = (config.http.max_connections).unwrap_or(open_files::DEFAULT_MAX_CONNECTIONS);
        if asked > max_connections {
            tracing::warn!(
                open_files,
                max_connections,
                asked,
                "fewer connections allowed than asked for: the open-file limit is too low \
                 (raise the hard limit, e.g. LimitNOFILE= in the systemd unit)"
            );
        }
        tracing::info!(open_files, max_connections, "connection limit");
        Ok(Application {
            listener,
            state,
            address,
            first_admin,
            web_dir: config.web_dir,
            max_connections,
            metrics_token: config.metrics.token,
            metrics_listener,
            data_dir_lock,
        })
    }

    /// The bound address, with the real port when the configuration asked for port 0.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn first_admin(&self) -> &FirstAdmin {
        &self.first_admin
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The browser app served at `/`, if any.
    pub fn web_dir(&self) -> Option<&Path> {
        self.web_dir.as_deref()
    }

    /// Open connections at most.
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    /// The separate metrics address, with the real port, when one was asked for.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().map(|(_, address)| *address)
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight (within
    /// [`HttpConfig::shutdown_grace`]) and closes the store (`serve.rs`, `docs/upgrade.md`).
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let stopping = Arc::clone(&self.state.stopping);
        let shutdown = async move {
            shutdown.await;
            // Ends the endless responses (live events) before the wait for the rest.
            stopping.send_replace(true);
        };
        let store = Arc::clone(&self.state.store);
        let http = self.state.http.clone();
        if let Some((listener, _)) = self.metrics_listener {
            let mut stopping = self.state.stopping.subscribe();
            let metrics = routes::metrics::open_router().with_state(self.state.clone());
            let head_timeout = http.head_timeout;
            tokio::spawn(async move {
                let stop = async move {
                    let _ = stopping.wait_for(|stopping| *stopping).await;
                };
                // A scrape in flight at shutdown is not worth waiting for.
                let grace = Duration::ZERO;
                serve::serve(
                    listener,
                    metrics,
                    head_timeout,
                    METRICS_CONNECTIONS,
                    grace,
                    stop,
                )
                .await
            });
        }
        let app = router(self.state, self.web_dir.as_deref(), self.metrics_token);
        let drained = serve::serve(
            self.listener,
            app,
            http.head_timeout,
            self.max_connections,
            http.shutdown_grace,
            shutdown,
        )
        .await?;
        // Background jobs still hold the store; they end with the process, after this.
        if tokio::time::timeout(STORE_CLOSE_WAIT, store.close())
            .await
            .is_err()
        {
            tracing::warn!("the database was still busy at exit; its open transaction rolls back");
        }
        drop(self.data_dir_lock);
        tracing::info!(
            open_connections = drained.open_connections,
            dropped_connections = drained.dropped_connections,
            elapsed_ms = drained.started.elapsed().as_millis() as u64,
            "stopped"
        );
        Ok(())
    }
}

/// How long the shutdown waits for a database transaction already running (a commit
/// finishes in well under a second; a nightly compaction may take longer, and simply
/// runs again the next night).
const STORE_CLOSE_WAIT: Duration = Duration::from_secs(10);

/// Starts a server on a background task; for tests that run it in-process.
pub async fn spawn(
    config: Config,
) -> anyhow::Result<(SocketAddr, JoinHandle<std::io::Result<()>>)> {
    let app = Application::build(config).await?;
    let address = app.address();
    let handle = tokio::spawn(app.run_until(std::future::pending()));
    Ok((address, handle))
}
