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

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
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
use crate::config::Config;
use crate::error::ApiError;
use crate::regions::RegionCatalog;
use crate::routes;
use crate::store::{self, Store, StoreError};

/// Sync requests carry batches of documents (the device keeps each under 256 KB, but a
/// whole document re-sent after a server restore can be larger).
pub const SYNC_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// Everything else is small JSON; the region import (~60 KB for Bengkulu) is the largest.
pub const API_BODY_LIMIT: usize = 1024 * 1024;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Signs "this document state passed my checks"; its key is kept in the store's
    /// settings, so it survives restarts and comes back with a restored backup.
    pub sealer: Sealer,
    /// The official regions, for validating registrations and account assignments.
    pub regions: RegionCatalog,
    /// Sync requests merged at once. Merging is CPU work and each request holds its
    /// batch's documents in memory: more at once than cores only adds memory and
    /// contention, so the rest wait their turn (bounded memory under a rush of devices).
    pub sync_slots: Arc<tokio::sync::Semaphore>,
    /// Turns true when the server starts shutting down; endless responses (live events)
    /// end then, so the graceful shutdown can finish.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// Wrong-password counts per username, to slow down guessing.
    pub login_throttle: Arc<LoginThrottle>,
    /// Exports running at once ([`routes::export::CONCURRENT_EXPORTS`]): each holds a
    /// database reader for its whole length, and a burst must not take them all.
    pub export_slots: Arc<tokio::sync::Semaphore>,
}

const SEAL_KEY_SETTING: &str = "seal_key";

impl AppState {
    pub async fn load(store: Arc<dyn Store>) -> anyhow::Result<AppState> {
        let sealer = Sealer::new(seal_key(store.as_ref()).await?);
        let regions = RegionCatalog::load(store.as_ref())
            .await
            .context("loading the stored region list")?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(AppState {
            store,
            sealer,
            regions,
            sync_slots: Arc::new(tokio::sync::Semaphore::new(cores)),
            stopping: Arc::new(tokio::sync::watch::Sender::new(false)),
            login_throttle: Arc::new(LoginThrottle::default()),
            export_slots: Arc::new(tokio::sync::Semaphore::new(
                routes::export::CONCURRENT_EXPORTS,
            )),
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
/// the routes (the sync route gets the larger one); tracing wraps everything.
pub fn router(state: AppState, web_dir: Option<&Path>) -> Router {
    let api = Router::new()
        .merge(routes::health::router())
        .merge(routes::auth::router())
        .merge(routes::admin::router())
        .merge(routes::regions::router())
        .merge(routes::review::router())
        .merge(routes::history::router())
        .merge(routes::handover::router())
        .merge(routes::events::router())
        .merge(routes::registrations_table::router())
        .merge(routes::export::router())
        .merge(routes::overview::router())
        .merge(routes::targets::router())
        .merge(routes::duplicates::router())
        .layer(RequestBodyLimitLayer::new(API_BODY_LIMIT));
    let sync = routes::sync::router().layer(RequestBodyLimitLayer::new(SYNC_BODY_LIMIT));
    let routes = Router::new().merge(api).merge(sync);
    let routes = match web_dir {
        Some(dir) => routes.fallback_service(routes::web::router(dir)),
        None => routes.fallback(routes::not_found),
    };
    routes
        // The limits above apply; axum's own 2 MB default would cut sync bodies short.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::map_response(json_payload_too_large))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// The span every request is logged in: method and path, never the query string, which
/// may carry a bearer token (`GET /api/events?token=…`, see routes/events.rs).
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        version = ?request.version(),
    )
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
pub async fn ensure_first_admin(
    store: &dyn Store,
    configured_password: Option<String>,
) -> anyhow::Result<FirstAdmin> {
    if store.count_users().await? > 0 {
        return Ok(FirstAdmin::NotNeeded);
    }
    let (password, outcome) = match configured_password {
        Some(text) => {
            let password = Password::parse(text)
                .map_err(|p| anyhow::anyhow!("JEMPUT_ADMIN_PASSWORD: {}", p.message_en))?;
            (password, FirstAdmin::Configured)
        }
        None => {
            let mut bytes = [0u8; 15];
            rand::rng().fill_bytes(&mut bytes);
            let text = URL_SAFE_NO_PAD.encode(bytes);
            let password = Password::parse(text.clone()).map_err(|p| anyhow::anyhow!(p))?;
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

/// A server ready to run: store open, state loaded, listener bound.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    address: SocketAddr,
    first_admin: FirstAdmin,
    web_dir: Option<PathBuf>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        if let Some(dir) = &config.web_dir {
            anyhow::ensure!(
                dir.join("index.html").is_file(),
                "no index.html in the web directory {} (build the app with `cargo xtask build-app`)",
                dir.display()
            );
        }
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
        let first_admin = ensure_first_admin(store.as_ref(), config.admin_password.clone())
            .await
            .context("creating the first admin")?;
        let state = AppState::load(store).await?;
        auth::prepare().await;
        Ok(Application {
            listener,
            state,
            address,
            first_admin,
            web_dir: config.web_dir,
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

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let stopping = Arc::clone(&self.state.stopping);
        let shutdown = async move {
            shutdown.await;
            stopping.send_replace(true);
        };
        axum::serve(self.listener, router(self.state, self.web_dir.as_deref()))
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Starts a server on a background task; for tests that run it in-process.
pub async fn spawn(
    config: Config,
) -> anyhow::Result<(SocketAddr, JoinHandle<std::io::Result<()>>)> {
    let app = Application::build(config).await?;
    let address = app.address();
    let handle = tokio::spawn(app.run_until(std::future::pending()));
    Ok((address, handle))
}
