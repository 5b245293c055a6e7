//! The `jemput-server` command: run the server, and manage users and the region list
//! from a shell on the server machine (which also works while the server runs: SQLite
//! lets the two share the database, and so does PostgreSQL).
//!
//! ```text
//! jemput-server [--data-dir ./data | --database postgres://…] COMMAND
//! jemput-server serve [--addr 127.0.0.1:8080] [--web-dir target/web] [--max-connections N]
//!                     [--trusted-proxy-header X-Forwarded-For] [--shutdown-grace 30s]
//!                     [--metrics-token TOKEN] [--metrics-addr 127.0.0.1:9464]
//!                     [--officer-session-idle 30d] [--officer-session-max 90d] (and
//!                      --supervisor-…, --admin-…: how long sign-ins last)
//! jemput-server user add --username siti --role officer --regions 17.01.01 [--password P]
//! jemput-server user list | set-password --username U | disable --username U
//! jemput-server regions import DIR
//! jemput-server demo --records N [--regions DIR] [--seed S] [--password P] [--if-empty]
//! jemput-server retention run [--dry-run] [--retention-days 1825]
//! jemput-server compact
//! jemput-server backup FILE          (SQLite; the server may run meanwhile)
//! jemput-server restore FILE         (SQLite; refused while a server runs on --data-dir)
//! jemput-server serve … [--backup-dir DIR [--backup-every 24h] [--backup-keep 7]]
//! ```
//!
//! What people and scripts read goes to stdout (tests parse the "listening on" line);
//! logs go to stderr, as text or, with the global `--log-format json`, as JSON lines.

use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use axum::http::HeaderName;
use clap::{Args, Parser, Subcommand};
use jemput_shared::policy::Role;

use jemput_server::accounts::{
    parse_role, Access, DisplayName, NewUser, Password, User, UserChanges, Username,
};
use jemput_server::config::{Config, HttpConfig, MetricsConfig};
use jemput_server::erasure::{self, RegistrationRetention};
use jemput_server::routes::metrics::MetricsToken;
use jemput_server::sessions::{Lifetime, SessionLifetimes, DEFAULT_LIFETIMES};
use jemput_server::startup::{AppState, Application, FirstAdmin, FIRST_ADMIN_USERNAME};
use jemput_server::store::{self, Store, StoreError};
use jemput_server::telemetry::LogFormat;
use jemput_server::{auth, demo, regions, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "jemput-server",
    version,
    about = "Jemput's server: sync, accounts and regions"
)]
struct Cli {
    /// Directory holding the database (jemput.sqlite3); created if missing.
    #[arg(long, global = true, env = "JEMPUT_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// Use this PostgreSQL database instead of SQLite in --data-dir:
    /// postgres://user:password@host:port/dbname (several servers may share it).
    #[arg(
        long,
        global = true,
        env = "JEMPUT_DATABASE_URL",
        hide_env_values = true
    )]
    database: Option<String>,
    /// How log lines (stderr) are written: text, or json (one object per line, for log
    /// shippers).
    #[arg(
        long,
        global = true,
        env = "JEMPUT_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size of `Serve` costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Address to listen on; port 0 picks a free port (the real one is printed).
        #[arg(long, env = "JEMPUT_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// Password for the user "admin" created on the first start (no users yet).
        /// Without it a random password is generated and printed once.
        #[arg(long, env = "JEMPUT_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: Option<String>,
        /// The browser app to serve at / (built by `cargo xtask build-app`). Default:
        /// target/web of the source tree this binary was built from, if it holds a
        /// build; otherwise only the API is served.
        #[arg(long, env = "JEMPUT_WEB_DIR")]
        web_dir: Option<PathBuf>,
        /// Behind a reverse proxy: the header it appends the client's address to (e.g.
        /// X-Forwarded-For); its right-most entry is taken as the client for login
        /// throttling and the login log. Set it only when every request comes through
        /// that proxy: without it the header is ignored and the TCP peer is the client.
        #[arg(long, env = "JEMPUT_TRUSTED_PROXY_HEADER", value_name = "HEADER")]
        trusted_proxy_header: Option<HeaderName>,
        #[command(flatten)]
        sessions: SessionArgs,
        /// Open connections at most (default 4096); lowered to what the open-file limit
        /// allows, which the server raises to its hard limit at start. Beyond it, new
        /// connections wait in the kernel's backlog.
        #[arg(long, env = "JEMPUT_MAX_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..))]
        max_connections: Option<u32>,
        /// Days the audit trail keeps an entry (default 1825, five years); older entries
        /// are deleted once a day.
        #[arg(long, env = "JEMPUT_AUDIT_RETENTION_DAYS", value_parser = clap::value_parser!(u32).range(1..=36_500))]
        audit_retention_days: Option<u32>,
        #[command(flatten)]
        retention: RetentionArg,
        /// How often to look for likely duplicates beyond an identical NIK (a NIK one
        /// digit off, two digits swapped…), e.g. 10min.
        #[arg(long, env = "JEMPUT_LIKELY_DUPLICATES_EVERY", value_name = "DURATION",
              default_value = "10min", value_parser = humantime::parse_duration)]
        likely_duplicates_every: Duration,
        /// On SIGTERM or Ctrl-C: how long the requests in flight may take to finish, e.g.
        /// 30s; connections still open then are dropped (their phones retry, nothing
        /// acknowledged is lost) and the server exits.
        #[arg(long, env = "JEMPUT_SHUTDOWN_GRACE", value_name = "DURATION",
              default_value = "30s", value_parser = humantime::parse_duration)]
        shutdown_grace: Duration,
        #[command(flatten)]
        metrics: MetricsArgs,
        #[command(flatten)]
        backups: BackupArgs,
    },
    /// Copy the SQLite database to FILE, consistently, while the server keeps serving
    /// (written under a temporary name, checked, then renamed). Prints one line: how
    /// many registrations, bytes, seconds. PostgreSQL: use pg_dump (docs/backup.md).
    Backup { file: PathBuf },
    /// Put the backup FILE back as the database in --data-dir (created if missing). The
    /// server must be stopped; the database it replaces is kept beside it, renamed.
    /// PostgreSQL: use pg_restore (docs/backup.md).
    Restore { file: PathBuf },
    /// Erase registrations whose retention ended (the server also does this nightly).
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Remove what erased data leaves in the database files (the server does this
    /// nightly after erasures). SQLite: rewrites the file (VACUUM), so run it when
    /// few phones sync.
    Compact,
    /// Look for likely duplicates beyond an identical NIK now (the server does this every
    /// --likely-duplicates-every) and print how many pairs, of which kind, and how long
    /// it took. Prints no personal data.
    LikelyDuplicates,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the official region list.
    #[command(subcommand)]
    Regions(RegionsCommand),
    /// Fill the database with realistic demo registrations, and the officers,
    /// supervisors and admin behind them (created if missing, reused otherwise).
    Demo {
        /// How many registrations to add.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
        records: u64,
        /// Import the region list from DIR (regencies.csv, districts.csv, villages.csv)
        /// first; without it, the list already in the database is used.
        #[arg(long, value_name = "DIR")]
        regions: Option<PathBuf>,
        /// Password of the users created now (at least 10 characters, not a common or
        /// guessable one); existing users keep theirs.
        #[arg(long, env = "JEMPUT_PASSWORD", hide_env_values = true,
              default_value = demo::DEFAULT_PASSWORD)]
        password: String,
        /// The same seed gives the same people, places and reviews.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Add nothing when the database holds registrations already.
        #[arg(long)]
        if_empty: bool,
    },
}

/// Where Prometheus scrapes `GET /metrics` (docs/metrics.md). Without either, nowhere.
#[derive(Debug, Args)]
struct MetricsArgs {
    /// Serve /metrics on the main address to requests with `Authorization: Bearer
    /// TOKEN`. Prefer the environment variable: an argument is visible to other users.
    #[arg(
        long,
        env = "JEMPUT_METRICS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    metrics_token: Option<String>,
    /// Serve /metrics, without a token, on this second address of its own (keep it
    /// local, e.g. 127.0.0.1:9464; port 0 picks a free one, printed at start).
    #[arg(long, env = "JEMPUT_METRICS_ADDR", value_name = "ADDR")]
    metrics_addr: Option<String>,
}

impl MetricsArgs {
    fn config(self) -> anyhow::Result<MetricsConfig> {
        let token = match self.metrics_token {
            Some(token) if token.trim().len() < 16 => {
                bail!("--metrics-token must be at least 16 characters")
            }
            Some(token) => Some(MetricsToken::new(token.trim())),
            None => None,
        };
        Ok(MetricsConfig {
            token,
            addr: self.metrics_addr,
        })
    }
}

/// How long sign-ins last, per role: a token ends after its idle lifetime without a
/// request, or its absolute lifetime after the login. Durations like 30d, 12h, 90min.
/// The defaults and their reasons are in server/src/sessions.rs.
#[derive(Debug, Args)]
struct SessionArgs {
    /// An officer's sign-in ends after this long unused. Their phone keeps working
    /// offline meanwhile; it only asks for a login before its next sync.
    #[arg(long, env = "JEMPUT_OFFICER_SESSION_IDLE", value_name = "DURATION",
          default_value_t = DEFAULT_LIFETIMES.officer.idle.into())]
    officer_session_idle: SessionDuration,
    /// An officer's sign-in ends this long after the login.
    #[arg(long, env = "JEMPUT_OFFICER_SESSION_MAX", value_name = "DURATION",
          default_value_t = DEFAULT_LIFETIMES.officer.absolute.into())]
    officer_session_max: SessionDuration,
    /// A supervisor's sign-in ends after this long unused.
    #[arg(long, env = "JEMPUT_SUPERVISOR_SESSION_IDLE", value_name = "DURATION",
          default_value_t = DEFAULT_LIFETIMES.supervisor.idle.into())]
    supervisor_session_idle: SessionDuration,
    /// A supervisor's sign-in ends this long after the login.
    #[arg(long, env = "JEMPUT_SUPERVISOR_SESSION_MAX", value_name = "DURATION",
          default_value_t = DEFAULT_LIFETIMES.supervisor.absolute.into())]
    supervisor_session_max: SessionDuration,
    /// An admin's sign-in ends after this long unused.
    #[arg(long, env = "JEMPUT_ADMIN_SESSION_IDLE", value_name = "DURATION",
          default_value_t = DEFAULT_LIFETIMES.admin.idle.into())]
    admin_session_idle: SessionDuration,
    /// An admin's sign-in ends this long after the login.
    #[arg(long, env = "JEMPUT_ADMIN_SESSION_MAX", value_name = "DURATION",
          default_value_t = DEFAULT_LIFETIMES.admin.absolute.into())]
    admin_session_max: SessionDuration,
}

/// A duration on the command line: `30d`, `12h`, `90min`, `1h 30m` (humantime's syntax),
/// shown back in whole days or hours when it is one (humantime would print 90 days as
/// "2months 29days 2h 52m 48s").
#[derive(Debug, Clone, Copy)]
struct SessionDuration(Duration);

impl std::str::FromStr for SessionDuration {
    type Err = humantime::DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        humantime::parse_duration(text).map(SessionDuration)
    }
}

impl std::fmt::Display for SessionDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = self.0.as_secs();
        let whole = self.0.subsec_nanos() == 0 && seconds > 0;
        if whole && seconds.is_multiple_of(86_400) {
            write!(f, "{}d", seconds / 86_400)
        } else if whole && seconds.is_multiple_of(3_600) {
            write!(f, "{}h", seconds / 3_600)
        } else {
            humantime::format_duration(self.0).fmt(f)
        }
    }
}

impl From<Duration> for SessionDuration {
    fn from(duration: Duration) -> Self {
        SessionDuration(duration)
    }
}

impl SessionArgs {
    fn lifetimes(&self) -> anyhow::Result<SessionLifetimes> {
        let lifetime = |role: Role, idle: SessionDuration, absolute: SessionDuration| {
            let role = role.code();
            let lifetime = Lifetime {
                idle: idle.0,
                absolute: absolute.0,
            };
            if lifetime.idle.is_zero() || lifetime.absolute.is_zero() {
                bail!("--{role}-session-idle and --{role}-session-max must be longer than 0");
            }
            Ok(lifetime)
        };
        Ok(SessionLifetimes {
            officer: lifetime(
                Role::Officer,
                self.officer_session_idle,
                self.officer_session_max,
            )?,
            supervisor: lifetime(
                Role::Supervisor,
                self.supervisor_session_idle,
                self.supervisor_session_max,
            )?,
            admin: lifetime(Role::Admin, self.admin_session_idle, self.admin_session_max)?,
        })
    }
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user.
    Add {
        #[arg(long)]
        username: String,
        /// admin, supervisor or officer.
        #[arg(long)]
        role: String,
        /// Name shown to others; defaults to the username.
        #[arg(long)]
        display_name: Option<String>,
        /// Comma-separated codes: regencies (17.01) for a supervisor, districts
        /// (17.01.01) or villages (17.01.01.2001) for an officer.
        #[arg(long, value_delimiter = ',')]
        regions: Vec<String>,
        #[command(flatten)]
        password: PasswordArg,
    },
    /// List all users.
    List,
    /// Set a user's password.
    SetPassword {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        password: PasswordArg,
    },
    /// Disable a user: they can no longer sign in, and their devices are signed out for
    /// good (enabling the user again does not bring those sessions back).
    Disable {
        #[arg(long)]
        username: String,
    },
}

#[derive(Debug, Args)]
struct PasswordArg {
    /// The password: at least 10 characters, not a common or guessable one. Prefer the
    /// JEMPUT_PASSWORD environment variable: a command-line argument is visible to other
    /// users of the machine.
    #[arg(long, env = "JEMPUT_PASSWORD", hide_env_values = true)]
    password: Option<String>,
}

impl PasswordArg {
    /// `personal`: the account's username and display name (see `Password::parse`).
    fn parse(self, personal: &[&str]) -> anyhow::Result<Password> {
        let Some(text) = self.password else {
            bail!("give the password with --password or the JEMPUT_PASSWORD environment variable");
        };
        Password::parse(text, personal).map_err(|p| anyhow::anyhow!(p.message_en))
    }
}

/// The server's own backups of its SQLite database (off unless --backup-dir is given).
#[derive(Debug, Args)]
struct BackupArgs {
    /// Write a backup of the database into DIR every --backup-every, named
    /// jemput-<UTC time>.sqlite3 (created if missing).
    #[arg(long, env = "JEMPUT_BACKUP_DIR", value_name = "DIR")]
    backup_dir: Option<PathBuf>,
    /// Time between two backups (the next is one period after the newest backup in the directory), e.g. 24h.
    #[arg(long, env = "JEMPUT_BACKUP_EVERY", value_name = "DURATION",
          default_value = "24h", value_parser = parse_backup_every)]
    backup_every: Duration,
    /// How many backups to keep in DIR; older ones (only files named like the server's
    /// own backups) are deleted.
    #[arg(long, env = "JEMPUT_BACKUP_KEEP", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    backup_keep: u32,
}

impl BackupArgs {
    fn schedule(self) -> Option<jemput_server::backup::BackupSchedule> {
        self.backup_dir
            .map(|dir| jemput_server::backup::BackupSchedule {
                dir,
                every: self.backup_every,
                keep: self.backup_keep as usize,
            })
    }
}

/// At least a second: backups are named by the second.
fn parse_backup_every(text: &str) -> Result<Duration, String> {
    let every = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if every < Duration::from_secs(1) {
        return Err("must be at least 1s".into());
    }
    Ok(every)
}

#[derive(Debug, Args)]
struct RetentionArg {
    /// Days a registration is kept after its last change; then it is erased for good
    /// (default 1825, five years; 0 keeps registrations until erased on request).
    #[arg(long, env = "JEMPUT_RETENTION_DAYS", value_parser = clap::value_parser!(u32).range(0..=36_500))]
    retention_days: Option<u32>,
}

impl RetentionArg {
    fn retention(&self) -> RegistrationRetention {
        match self.retention_days {
            None => RegistrationRetention::default(),
            Some(0) => RegistrationRetention { days: None },
            Some(days) => RegistrationRetention { days: Some(days) },
        }
    }
}

#[derive(Debug, Subcommand)]
enum RetentionCommand {
    /// Erase (or with --dry-run, list) the registrations whose retention ended.
    Run {
        /// Only list what would be erased.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        retention: RetentionArg,
    },
}

#[derive(Debug, Subcommand)]
enum RegionsCommand {
    /// Replace the region list with DIR/regencies.csv, districts.csv and villages.csv.
    Import { dir: PathBuf },
}

/// At exit, how long blocking work still running may take before the process ends anyway.
const EXIT_WAIT: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    bound_large_allocations();
    keep_files_private();
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    let result = tokio::runtime::Runtime::new()
        .context("starting the async runtime")
        .and_then(|runtime| {
            let result = runtime.block_on(run(cli));
            // What still runs is a background job (a duplicates sweep, a read): its work is
            // redone later, so it must not hold up the exit.
            runtime.shutdown_timeout(EXIT_WAIT);
            result
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The causes in one line, for an operator; no backtrace even when
            // RUST_BACKTRACE is set.
            eprintln!("jemput-server: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let Cli {
        data_dir,
        database,
        command,
        log_format: _,
    } = cli;
    match command {
        Command::Serve {
            addr,
            admin_password,
            web_dir,
            trusted_proxy_header,
            sessions,
            max_connections,
            audit_retention_days,
            retention,
            likely_duplicates_every,
            shutdown_grace,
            metrics,
            backups,
        } => {
            let config = Config {
                addr,
                data_dir,
                database,
                admin_password,
                web_dir: web_dir.or_else(jemput_server::routes::web::default_dir),
                sessions: sessions.lifetimes()?,
                trusted_proxy_header,
                http: HttpConfig {
                    max_connections: max_connections.map(|n| n as usize),
                    shutdown_grace,
                    ..HttpConfig::default()
                },
                audit_retention: audit_retention_days
                    .map(|days| jemput_server::audit::AuditRetention { days })
                    .unwrap_or_default(),
                retention: retention.retention(),
                likely_sweep: jemput_server::likely_duplicates::LikelySweep {
                    every: likely_duplicates_every,
                },
                metrics: metrics.config()?,
                backup: backups.schedule(),
            };
            serve(config).await
        }
        Command::Backup { file } => {
            if database.is_some() {
                bail!(
                    "backup copies a SQLite database; for PostgreSQL use pg_dump -Fc or \
                     pg_basebackup (docs/backup.md)"
                );
            }
            let source = data_dir.join(store::sqlite::DATABASE_FILE);
            let backup =
                tokio::task::spawn_blocking(move || jemput_server::backup::back_up(&source, &file))
                    .await??;
            println!("{backup}");
            Ok(())
        }
        Command::Restore { file } => {
            if database.is_some() {
                bail!(
                    "restore puts back a SQLite backup; for PostgreSQL use pg_restore \
                     (docs/backup.md)"
                );
            }
            let restored = tokio::task::spawn_blocking(move || {
                jemput_server::backup::restore(&file, &data_dir)
            })
            .await??;
            println!("{restored}");
            Ok(())
        }
        Command::Retention(RetentionCommand::Run { dry_run, retention }) => {
            let store = open_store(database.as_deref(), &data_dir).await?;
            then_close(
                &store,
                run_retention(Arc::clone(&store), retention.retention(), dry_run),
            )
            .await
        }
        Command::Compact => {
            let store = open_store(database.as_deref(), &data_dir).await?;
            let started = std::time::Instant::now();
            then_close(&store, async { Ok(store.compact().await?) }).await?;
            println!("compacted in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::LikelyDuplicates => {
            let store = open_store(database.as_deref(), &data_dir).await?;
            let started = std::time::Instant::now();
            let pairs = then_close(&store, async {
                Ok(jemput_server::likely_duplicates::find_pairs(store.as_ref()).await?)
            })
            .await?;
            let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
            for pair in &pairs {
                *kinds.entry(pair.likeness.code()).or_default() += 1;
            }
            println!(
                "{}",
                serde_json::json!({
                    "pairs": pairs.len(),
                    "by_reason": kinds,
                    "seconds": started.elapsed().as_secs_f64(),
                })
            );
            Ok(())
        }
        Command::User(command) => {
            let store = open_store(database.as_deref(), &data_dir).await?;
            then_close(&store, user(command, Arc::clone(&store))).await
        }
        Command::Regions(RegionsCommand::Import { dir }) => {
            let store = open_store(database.as_deref(), &data_dir).await?;
            then_close(&store, import_regions(&dir, Arc::clone(&store))).await
        }
        Command::Demo {
            records,
            regions,
            password,
            seed,
            if_empty,
        } => {
            let options = demo::DemoOptions {
                records,
                seed,
                // The demo's users are made up on the way; their names are not known here.
                password: Password::parse(password.clone(), &[]).map_err(problem)?,
                regions_dir: regions,
                only_if_empty: if_empty,
            };
            let store = open_store(database.as_deref(), &data_dir).await?;
            then_close(&store, demo_data(Arc::clone(&store), options, &password)).await
        }
    }
}

async fn run_retention(
    store: Arc<dyn Store>,
    retention: RegistrationRetention,
    dry_run: bool,
) -> anyhow::Result<()> {
    let state = AppState::load(store).await?;
    let report = erasure::run_retention(&state, retention, dry_run)
        .await
        .map_err(|error| anyhow::anyhow!("{error:?}"))?;
    let Some(report) = report else {
        println!("retention is off (--retention-days 0): nothing to erase");
        return Ok(());
    };
    let before =
        jemput_shared::calendar::iso_date(jemput_shared::calendar::wib_date(report.cutoff_ms));
    if dry_run {
        println!(
            "{} registrations last changed before {before} would be erased{}",
            report.due.len(),
            if report.due.len() >= erasure::DRY_RUN_MAX {
                " (at least)"
            } else {
                ""
            }
        );
        for due in &report.due {
            let changed = jemput_shared::calendar::iso_date(jemput_shared::calendar::wib_date(
                due.updated_at,
            ));
            println!("{}\tlast changed {changed}", due.doc_id);
        }
    } else {
        println!(
            "{} registrations last changed before {before} erased",
            report.erased
        );
    }
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    let stop = shutdown_signal();
    let mut stdout = std::io::stdout().lock();
    match app.first_admin() {
        FirstAdmin::Generated { password } => writeln!(
            stdout,
            "Created admin user \"{FIRST_ADMIN_USERNAME}\" with password: {password}"
        )?,
        FirstAdmin::Configured => tracing::info!(
            "created admin user \"{FIRST_ADMIN_USERNAME}\" with the password from JEMPUT_ADMIN_PASSWORD"
        ),
        FirstAdmin::NotNeeded => {}
    }
    if let Some(address) = app.metrics_address() {
        writeln!(stdout, "jemput-server metrics on http://{address}/metrics")?;
    }
    // Exactly this line: scripts and tests read the port from it.
    writeln!(
        stdout,
        "jemput-server listening on http://{}",
        app.address()
    )?;
    stdout.flush()?;
    drop(stdout);
    tracing::info!(address = %app.address(), "listening on http://{}", app.address());
    match app.web_dir() {
        Some(dir) => tracing::info!("serving the browser app from {}", dir.display()),
        None => tracing::info!("no browser app to serve (cargo xtask build-app builds it)"),
    }
    app.run_until(stop).await?;
    Ok(())
}

/// Ctrl-C, or SIGTERM from a service manager: stop accepting, finish what is in flight
/// (`docs/upgrade.md`). The handlers are installed at once, before the server says it
/// listens: a signal from then on stops it gracefully, never by the default action.
#[cfg(unix)]
fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{signal, SignalKind};
    let terminate = signal(SignalKind::terminate());
    let interrupt = signal(SignalKind::interrupt());
    async move {
        tokio::select! {
            () = received(terminate, "SIGTERM") => {}
            () = received(interrupt, "Ctrl-C") => {}
        }
    }
}

#[cfg(not(unix))]
fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    }
}

/// Completes when the signal arrives; never, if it could not be listened for.
#[cfg(unix)]
async fn received(signal: std::io::Result<tokio::signal::unix::Signal>, name: &str) {
    match signal {
        Ok(mut signal) => {
            signal.recv().await;
        }
        Err(error) => {
            tracing::warn!(%error, "cannot listen for {name}");
            std::future::pending::<()>().await;
        }
    }
}

/// Runs a command's `work` on `store`, then closes the store as the server does at exit:
/// SQLite's WAL is copied into the database file and emptied. Left behind, a WAL of
/// everything the command wrote (≈ 100 MB after a demo of a million) would be read back at
/// the next start, and every page in it copied into the database file once more by the
/// first checkpoint — in whatever sync runs then.
async fn then_close<T>(
    store: &Arc<dyn Store>,
    work: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    let result = work.await;
    store.close().await;
    result
}

async fn open_store(database: Option<&str>, data_dir: &Path) -> anyhow::Result<Arc<dyn Store>> {
    store::open(database, data_dir)
        .await
        .with_context(|| match database {
            Some(_) => "opening the PostgreSQL database".to_owned(),
            None => format!("opening the database in {}", data_dir.display()),
        })
}

async fn user(command: UserCommand, store: Arc<dyn Store>) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            username,
            role,
            display_name,
            regions,
            password,
        } => {
            let username = Username::parse(&username).map_err(problem)?;
            let display_name = match display_name {
                Some(name) => DisplayName::parse(&name).map_err(problem)?,
                None => DisplayName::from_username(&username),
            };
            let role = parse_role(&role).map_err(problem)?;
            let catalog = regions::RegionCatalog::load(store.as_ref()).await?;
            let directory = catalog.directory();
            let access = Access::parse(role, &regions, directory.as_deref()).map_err(problem)?;
            let password = password.parse(&[username.as_str(), display_name.as_str()])?;
            let new_user = NewUser {
                username: username.clone(),
                display_name,
                access,
                password_hash: auth::hash_password(password).await?,
            };
            let user = match store.create_user(new_user).await {
                Err(StoreError::Conflict(_)) => bail!("the username {username} is already taken"),
                other => other?,
            };
            println!("Created {}", describe(&user));
        }
        UserCommand::List => {
            let users = store.list_users().await?;
            if users.is_empty() {
                println!("No users.");
            }
            for user in users {
                println!("{}", describe(&user));
            }
        }
        UserCommand::SetPassword { username, password } => {
            let user = find_user(store.as_ref(), &username).await?;
            let password = password.parse(&[&user.username, &user.display_name])?;
            let changes = UserChanges {
                password_hash: Some(auth::hash_password(password).await?),
                ..Default::default()
            };
            // The store also ends every session the old password opened.
            store.update_user(&user.id, changes).await?;
            println!(
                "Password changed for {}; their devices must log in again",
                user.username
            );
        }
        UserCommand::Disable { username } => {
            let user = find_user(store.as_ref(), &username).await?;
            let changes = UserChanges {
                disabled: Some(true),
                ..Default::default()
            };
            store.update_user(&user.id, changes).await?;
            println!("Disabled {}", user.username);
        }
    }
    Ok(())
}

async fn find_user(store: &dyn Store, username: &str) -> anyhow::Result<User> {
    let username = Username::parse(username).map_err(problem)?;
    store
        .user_by_username(username.as_str())
        .await?
        .with_context(|| format!("no user named {username}"))
}

/// One line per user: `siti  officer  "Siti Aminah"  17.01.01,17.01.02  [disabled]  id`.
fn describe(user: &User) -> String {
    let regions = match user.role {
        Role::Admin => "(everything)".to_owned(),
        _ if user.regions.is_empty() => "(no regions)".to_owned(),
        _ => user.regions.join(","),
    };
    format!(
        "{:<20} {:<10} {:<30} {}{}  id {}",
        user.username,
        user.role.code(),
        format!("{:?}", user.display_name),
        regions,
        if user.disabled { "  [disabled]" } else { "" },
        user.id
    )
}

/// Input problems are shown in English on the command line.
fn problem(problem: jemput_shared::validation::FieldProblem) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", problem.field, problem.message_en)
}

async fn import_regions(dir: &Path, store: Arc<dyn Store>) -> anyhow::Result<()> {
    let summary = regions::import_dir(store.as_ref(), dir).await?;
    println!(
        "Imported {} regencies, {} districts and {} villages. A running server uses them \
         for validation after a restart.",
        summary.regencies, summary.districts, summary.villages
    );
    Ok(())
}

async fn demo_data(
    store: Arc<dyn Store>,
    options: demo::DemoOptions,
    password: &str,
) -> anyhow::Result<()> {
    let total = options.records;
    println!("Adding {total} demo registrations…");
    let progress = |p: demo::Progress| {
        let seconds = p.elapsed.as_secs_f64().max(0.001);
        // A closed stdout (`| head`) must not stop the filling.
        let _ = writeln!(
            std::io::stdout().lock(),
            "  {} of {} ({:.0} %), {:.0} per second",
            p.records,
            p.total,
            p.records as f64 * 100.0 / p.total.max(1) as f64,
            p.records as f64 / seconds
        );
    };
    let summary = match demo::fill(store, options, &progress).await? {
        demo::DemoOutcome::Skipped { existing } => {
            println!("The database holds {existing} registrations already; no demo data added.");
            return Ok(());
        }
        demo::DemoOutcome::Filled(summary) => summary,
    };
    let seconds = summary.elapsed.as_secs_f64().max(0.001);
    println!(
        "Added {} demo registrations in {seconds:.1} s ({:.0} per second): {} re-register \
         someone (shared NIK), {} reviewed; {} officers, {} of them not synced for over a \
         week. The database now holds {} registrations.",
        summary.records,
        summary.records as f64 / seconds,
        summary.duplicates,
        summary.reviewed,
        summary.officers,
        summary.stale_officers,
        summary.registrations_now,
    );
    println!("Logins (password \"{password}\" for users created now; existing users keep theirs):");
    for line in login_lines(&summary.logins) {
        println!("  {line}");
    }
    Ok(())
}

/// The admin, then per regency its supervisor and officers on one line.
fn login_lines(logins: &[demo::users::Login]) -> Vec<String> {
    let mark = |login: &demo::users::Login| {
        if login.created {
            login.username.clone()
        } else {
            format!("{} (existing)", login.username)
        }
    };
    let mut lines = Vec::new();
    let mut regency_lines: Vec<(String, Vec<String>)> = Vec::new();
    for login in logins {
        match &login.regency {
            None => lines.push(format!("{:<10} {}", login.role.code(), mark(login))),
            Some(regency) => match regency_lines.last_mut() {
                Some((code, names)) if code == regency => names.push(mark(login)),
                _ => regency_lines.push((regency.clone(), vec![mark(login)])),
            },
        }
    }
    for (regency, names) in regency_lines {
        lines.push(format!("{regency:<10} {}", names.join(", ")));
    }
    lines
}

/// Every file this program writes — the database, its journal, backups, exports in
/// progress — holds citizens' personal data: readable and writable by its own user only,
/// whatever the shell's umask (an operator's `runuser … backup` at umask 022, say).
fn keep_files_private() {
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Each password hash (argon2id) takes a 19 MiB block. glibc's malloc raises its mmap
/// threshold after such a block is freed and from then on keeps the next ones in per-thread
/// arenas that it never gives back: a few dozen logins left the server at 500 MB. A
/// fixed threshold keeps every large block mmap'd, returned to the system when freed.
/// Arenas: at most [`ARENAS_PER_CORE`] per core.
fn bound_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let arenas = std::thread::available_parallelism().map_or(2, |n| n.get()) * ARENAS_PER_CORE;
        let arenas = i32::try_from(arenas).unwrap_or(i32::MAX);
        // SAFETY: mallopt only tunes the allocator; called first thing, before any threads.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// glibc gives each thread that allocates while others do an arena of its own, up to
/// eight per core, and keeps what each one grew to. During a rush of syncs (merges,
/// commits, pulls and the projector at once) that was 5–11 MB of the server's peak RSS
/// at a million stored (docs/benchmarks.md, issue 13 stop 36); two per core measured as
/// fast.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENAS_PER_CORE: usize = 2;
