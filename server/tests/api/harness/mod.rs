//! The one harness of the server's integration tests: [`spawn_app`] starts the real
//! `jemput-server` binary, exactly as an operator runs it (`serve --addr 127.0.0.1:0` on a
//! fresh data directory), reads the port from its "listening on" line, and hands back a
//! [`TestApp`] with an HTTP client, helpers to create users and sign in, and the native
//! device client ([`TestApp::device`]) for tests that sync.
//!
//! A separate process, not an in-process server, so tests can also kill it with SIGKILL
//! mid-request and start it again on the same data and port ([`TestApp::kill`],
//! [`TestApp::restart`]), limit its address space ([`spawn_app_with_address_space`]), and
//! run the CLI against the same database.
//!
//! The server's log (stderr) goes to `server.log` in the data directory's parent;
//! [`TestApp::log`] reads it, handy in a failing assertion's message.
//!
//! With `JEMPUT_TEST_DATABASE_URL` set, each server keeps its data in a fresh PostgreSQL
//! database instead of SQLite (see [`database`]).

pub mod database;
pub mod events;
pub mod failover_cluster;
pub mod storm;
pub mod supervision;
pub mod world;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use jemput_server::client::NativeDevice;
use jemput_server::config::Config;
use jemput_shared::document::ChangeAuthor;
use jemput_shared::registration::Registration;
use jemput_shared::sample::SampleGenerator;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::OnceCell;

use database::TestDatabase;

/// The first admin's password in every test server (`JEMPUT_ADMIN_PASSWORD`).
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

const LISTENING: &str = "jemput-server listening on http://";

/// A tiny but real slice of Bengkulu: two regencies, three districts, three villages.
pub const REGENCIES_CSV: &str = "code,name\n\
    17.01,Kabupaten Bengkulu Selatan\n\
    17.71,Kota Bengkulu\n";
pub const DISTRICTS_CSV: &str = "code,regency_code,name\n\
    17.01.01,17.01,Kedurang\n\
    17.01.02,17.01,Seginim\n\
    17.71.01,17.71,Selebar\n";
pub const VILLAGES_CSV: &str = "code,district_code,name\n\
    17.01.01.2001,17.01.01,Batu Ampar\n\
    17.01.01.2002,17.01.01,Rantau Sialang\n\
    17.71.01.1001,17.71.01,Pagar Dewa\n";

pub struct TestApp {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub address: String,
    /// Connects from 127.0.0.1; see [`TestApp::client_from`] for another address.
    pub client: reqwest::Client,
    /// Holds `jemput.sqlite3`.
    pub data_dir: PathBuf,
    /// Lines the server printed to stdout before it listened (e.g. a generated admin
    /// password).
    pub startup_output: Vec<String>,
    server: Child,
    /// After `server`: dropped once the server is killed. Shared with the instances
    /// started beside this one ([`TestApp::start_beside`]).
    pub database: Arc<TestDatabase>,
    admin_password: Option<String>,
    /// How the server process is started, on every (re)start.
    options: Arc<ServeOptions>,
    admin_token: OnceCell<String>,
    // Last: removed after the server is gone (and after every instance beside it).
    dir: Arc<TempDir>,
}

/// What a test chooses about the server process beyond the usual arguments.
#[derive(Default)]
struct ServeOptions {
    /// Given to `serve` after the usual arguments (`["--officer-session-idle", "2s"]`).
    args: Vec<String>,
    /// The address-space limit (`RLIMIT_AS`) of the server process, in bytes.
    address_space: Option<u64>,
}

/// A user created through the admin API.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub username: String,
    pub password: String,
}

/// A signed-in device.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub device_id: String,
    pub user_id: String,
    /// The device's check (`DeviceCheck`), as the login gave it.
    pub device_check: String,
}

/// A server on a random port with a fresh database whose admin password is
/// [`ADMIN_PASSWORD`].
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Some(ADMIN_PASSWORD)).await
}

/// Like [`spawn_app`]; `None` leaves `JEMPUT_ADMIN_PASSWORD` unset, so the server
/// generates the admin password and prints it.
pub async fn spawn_app_with(admin_password: Option<&str>) -> TestApp {
    spawn_app_configured(admin_password, ServeOptions::default()).await
}

/// Like [`spawn_app`], with more `serve` options (`["--officer-session-idle", "2s"]`).
pub async fn spawn_app_with_args(serve_args: &[&str]) -> TestApp {
    let args = serve_args.iter().map(|a| a.to_string()).collect();
    let options = ServeOptions {
        args,
        ..ServeOptions::default()
    };
    spawn_app_configured(Some(ADMIN_PASSWORD), options).await
}

/// Like [`spawn_app`], with the server's address space limited to `bytes`: a server that
/// tries to allocate far more dies instead of taking the test machine's memory.
pub async fn spawn_app_with_address_space(bytes: u64) -> TestApp {
    let options = ServeOptions {
        address_space: Some(bytes),
        ..ServeOptions::default()
    };
    spawn_app_configured(Some(ADMIN_PASSWORD), options).await
}

/// Like [`spawn_app`], on a database `prepare` fills first (given the data directory,
/// not created yet, and the fresh database): e.g. one an older release made.
pub async fn spawn_app_prepared(prepare: impl FnOnce(&Path, &TestDatabase)) -> TestApp {
    let database = TestDatabase::create();
    spawn_app_on_database(
        Some(ADMIN_PASSWORD),
        ServeOptions::default(),
        database,
        prepare,
    )
    .await
}

/// Like [`spawn_app`], on a fresh database of the PostgreSQL server at `admin_url`
/// (which may name several hosts), whatever `JEMPUT_TEST_DATABASE_URL` says.
pub async fn spawn_app_on(admin_url: &str) -> TestApp {
    let database = TestDatabase::create_on(admin_url);
    let options = ServeOptions::default();
    spawn_app_on_database(Some(ADMIN_PASSWORD), options, database, |_, _| {}).await
}

async fn spawn_app_configured(admin_password: Option<&str>, options: ServeOptions) -> TestApp {
    spawn_app_on_database(admin_password, options, TestDatabase::create(), |_, _| {}).await
}

async fn spawn_app_on_database(
    admin_password: Option<&str>,
    options: ServeOptions,
    database: TestDatabase,
    prepare: impl FnOnce(&Path, &TestDatabase),
) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("a temp dir"));
    let data_dir = dir.path().join("data");
    prepare(&data_dir, &database);
    let database = Arc::new(database);
    TestApp::start(
        dir,
        data_dir,
        database,
        admin_password,
        Arc::new(options),
        "127.0.0.1:0",
    )
    .await
    .unwrap_or_else(|log| panic!("jemput-server exited before listening; its log:\n{log}"))
}

/// What an in-process server (`startup::spawn`) needs beside its configuration: its data
/// directory and database, removed when this is dropped.
pub struct InProcessData {
    _database: TestDatabase,
    _dir: TempDir,
}

/// The configuration of an in-process server on `127.0.0.1:0` with a fresh data
/// directory and database (as [`spawn_app`] chooses it), whose admin password is
/// [`ADMIN_PASSWORD`]; for tests that need a setting the command line does not offer.
pub fn in_process_config() -> (Config, InProcessData) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let database = TestDatabase::create();
    let mut config = Config::new("127.0.0.1:0", dir.path().join("data"));
    config.database = database.url().map(str::to_owned);
    config.admin_password = Some(ADMIN_PASSWORD.into());
    let data = InProcessData {
        _database: database,
        _dir: dir,
    };
    (config, data)
}

/// Runs `jemput-server serve` on a fresh SQLite data directory with more `args` and
/// `env`, expecting it to refuse to start; panics if it is still running after 30 s
/// (it started after all).
pub async fn serve_refused(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut command = Command::new(env!("CARGO_BIN_EXE_jemput-server"));
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .args(args)
        .env_remove("JEMPUT_DATABASE_URL")
        .env_remove("JEMPUT_ADMIN_PASSWORD")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let child = command.spawn().expect("jemput-server starts");
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("jemput-server should have refused to start, but it runs")
        .expect("jemput-server's output");
    assert!(
        !output.status.success(),
        "jemput-server exited successfully"
    );
    output
}

/// Starts `jemput-server serve` on `addr`; the server's log if it exits before it
/// listens.
async fn start_server(
    dir: &Path,
    data_dir: &Path,
    database: &TestDatabase,
    admin_password: Option<&str>,
    options: &ServeOptions,
    addr: &str,
) -> Result<(Child, String, Vec<String>), String> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .expect("a log file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_jemput-server"));
    command
        .args(["serve", "--addr", addr, "--data-dir"])
        .arg(data_dir)
        .args(database.args())
        .args(&options.args)
        .env_remove("JEMPUT_ADDR")
        .env_remove("JEMPUT_DATA_DIR")
        .env_remove("JEMPUT_DATABASE_URL")
        .env_remove("JEMPUT_ADMIN_PASSWORD")
        .env_remove("JEMPUT_TRUSTED_PROXY_HEADER")
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .kill_on_drop(true);
    if let Some(password) = admin_password {
        command.env("JEMPUT_ADMIN_PASSWORD", password);
    }
    if let Some(bytes) = options.address_space {
        // SAFETY: only setrlimit, which is async-signal-safe, runs in the child.
        unsafe {
            command.pre_exec(move || {
                let limit = libc::rlimit {
                    rlim_cur: bytes,
                    rlim_max: bytes,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut server = command.spawn().expect("jemput-server starts");
    let stdout = server.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut before = Vec::new();
    let address = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines
            .next_line()
            .await
            .expect("reading the server's stdout")
        {
            if let Some(rest) = line.strip_prefix(LISTENING) {
                return Some(format!("http://{}", rest.trim()));
            }
            before.push(line);
        }
        None
    })
    .await
    .expect("jemput-server listens within 30 s");
    let Some(address) = address else {
        let _ = server.wait().await;
        return Err(std::fs::read_to_string(dir.join("server.log")).unwrap_or_default());
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((server, address, before))
}

impl TestApp {
    async fn start(
        dir: Arc<TempDir>,
        data_dir: PathBuf,
        database: Arc<TestDatabase>,
        admin_password: Option<&str>,
        options: Arc<ServeOptions>,
        addr: &str,
    ) -> Result<TestApp, String> {
        let (server, address, startup_output) = start_server(
            dir.path(),
            &data_dir,
            &database,
            admin_password,
            &options,
            addr,
        )
        .await?;
        Ok(TestApp {
            address,
            client: reqwest::Client::new(),
            data_dir,
            startup_output,
            server,
            database,
            admin_password: admin_password.map(str::to_owned),
            options,
            admin_token: OnceCell::new(),
            dir,
        })
    }

    /// A second instance on this server's database and data directory (PostgreSQL
    /// only: SQLite's file belongs to one server process).
    pub async fn start_beside(&self) -> TestApp {
        assert!(self.database.is_postgres(), "two instances need PostgreSQL");
        TestApp::start(
            Arc::clone(&self.dir),
            self.data_dir.clone(),
            Arc::clone(&self.database),
            self.admin_password.as_deref(),
            Arc::clone(&self.options),
            "127.0.0.1:0",
        )
        .await
        .unwrap_or_else(|log| panic!("jemput-server exited before listening; its log:\n{log}"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        let dir = self.data_dir.parent().expect("data dir has a parent");
        std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
    }

    /// The server's log lines so far that contain every one of `parts`, without the
    /// terminal colour codes the log may carry.
    pub fn log_lines_with(&self, parts: &[&str]) -> Vec<String> {
        self.log()
            .lines()
            .map(strip_colours)
            .filter(|line| parts.iter().all(|part| line.contains(part)))
            .collect()
    }

    /// Kills the server at once (SIGKILL), as a power cut or an OOM kill would: no
    /// shutdown, no flushing beyond what the database already made durable.
    pub async fn kill(&mut self) {
        let _ = self.server.start_kill();
        let _ = self.server.wait().await;
    }

    /// Sends the server SIGTERM, as a service manager stopping it does; it stops taking
    /// connections, finishes what is in flight and exits ([`TestApp::exited`]).
    pub fn sigterm(&self) {
        let pid = libc::pid_t::try_from(self.pid()).expect("a pid");
        // SAFETY: kill(2) with a valid signal number has no memory-safety requirements.
        let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(sent, 0, "SIGTERM sent");
    }

    /// Waits for the server process to exit (at most a minute: a server that does not
    /// stop fails the test); its exit status.
    pub async fn exited(&mut self) -> std::process::ExitStatus {
        tokio::time::timeout(Duration::from_secs(60), self.server.wait())
            .await
            .unwrap_or_else(|_| panic!("the server still runs a minute after SIGTERM"))
            .expect("the server's exit status")
    }

    /// [`TestApp::sigterm`], then [`TestApp::exited`]; [`TestApp::restart`] starts it again.
    pub async fn terminate(&mut self) -> std::process::ExitStatus {
        self.sigterm();
        self.exited().await
    }

    /// True while the server process has not exited.
    pub fn is_running(&mut self) -> bool {
        matches!(self.server.try_wait(), Ok(None))
    }

    /// The server's process id, to read its memory use from `/proc`.
    pub fn pid(&self) -> u32 {
        self.server.id().expect("the server runs")
    }

    /// Starts the server again on the same data directory and port (after
    /// [`TestApp::kill`], or kills it first), so devices holding its address reach it
    /// again. Tokens stay valid.
    pub async fn restart(&mut self) {
        self.kill().await;
        let addr = self.address.trim_start_matches("http://").to_owned();
        // The port may still be held for a moment by the killed process's sockets.
        for _ in 0..50 {
            match start_server(
                self.dir.path(),
                &self.data_dir,
                &self.database,
                self.admin_password.as_deref(),
                &self.options,
                &addr,
            )
            .await
            {
                Ok((server, address, output)) => {
                    self.server = server;
                    self.address = address;
                    self.startup_output = output;
                    return;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        panic!(
            "jemput-server does not restart on {addr}; its log:\n{}",
            self.log()
        );
    }

    /// Starts the server again (killing it first if it runs) on another data directory,
    /// at the same address: a restored backup's, say. Later restarts use it too.
    pub async fn restart_in(&mut self, data_dir: PathBuf) {
        self.kill().await;
        self.data_dir = data_dir;
        self.restart().await;
    }

    /// Runs the `jemput-server` CLI on this server's database (`--data-dir`, and
    /// `--database` with PostgreSQL, are added), with `env` set. The server may keep
    /// running meanwhile.
    pub async fn cli(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        self.cli_in(&self.data_dir, args, env).await
    }

    /// [`TestApp::cli`] with another `--data-dir` (a fresh one to restore into).
    pub async fn cli_in(
        &self,
        data_dir: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> std::process::Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_jemput-server"));
        command
            .args(args)
            .arg("--data-dir")
            .arg(data_dir)
            .args(self.database.args())
            .env_remove("JEMPUT_PASSWORD")
            .env_remove("JEMPUT_DATA_DIR")
            .env_remove("JEMPUT_DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().await.expect("the CLI runs")
    }

    // ---- HTTP ----

    /// A client whose connections come from `local` (any 127.x.y.z reaches the server
    /// on Linux), so the server sees another client address.
    pub fn client_from(&self, local: &str) -> reqwest::Client {
        reqwest::Client::builder()
            .local_address(local.parse::<std::net::IpAddr>().expect("an IP address"))
            .build()
            .expect("a client")
    }

    /// `POST /api/auth/login` through `client`, with extra `headers`, whatever the
    /// outcome.
    pub async fn try_login_with(
        &self,
        client: &reqwest::Client,
        headers: &[(&str, &str)],
        username: &str,
        password: &str,
    ) -> Response {
        let body = json!({ "username": username, "password": password, "device_name": "test" });
        let mut request = client.post(self.url("/api/auth/login")).json(&body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    /// `PATCH /api/admin/users/{user_id}` with `body`, as the admin holding `admin_token`.
    pub async fn patch_user(&self, admin_token: &str, user_id: &str, body: &Value) -> Response {
        let path = format!("/api/admin/users/{user_id}");
        self.patch_json(&path, Some(admin_token), body).await
    }

    pub async fn patch_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.patch(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    // ---- accounts ----

    /// `POST /api/auth/login`, whatever the outcome.
    pub async fn try_login(&self, username: &str, password: &str) -> Response {
        let body = json!({ "username": username, "password": password, "device_name": "test" });
        self.post_json("/api/auth/login", None, &body).await
    }

    /// `POST /api/auth/login` as if through the trusted proxy from `forwarded_for` (the
    /// `X-Forwarded-For` header), whatever the outcome.
    pub async fn try_login_forwarded_for(
        &self,
        forwarded_for: &str,
        username: &str,
        password: &str,
    ) -> Response {
        let headers = [("x-forwarded-for", forwarded_for)];
        self.try_login_with(&self.client, &headers, username, password)
            .await
    }

    /// `GET /api/auth/me` with `token`; panics unless the session is good.
    pub async fn me(&self, token: &str) -> Value {
        expect_json(self.get("/api/auth/me", Some(token)).await, StatusCode::OK).await
    }

    /// Asserts that `token` is refused (401) with the error `code` (`session_revoked`,
    /// `account_disabled` …).
    pub async fn expect_token_refused(&self, token: &str, code: &str) -> Value {
        let response = self.get("/api/auth/me", Some(token)).await;
        expect_error(response, StatusCode::UNAUTHORIZED, code).await
    }

    /// Signs in (a new device each time); panics unless it succeeds.
    pub async fn login(&self, username: &str, password: &str) -> Session {
        let response = self.try_login(username, password).await;
        let body = expect_json(response, StatusCode::OK).await;
        Session {
            token: body["token"].as_str().expect("a token").to_owned(),
            device_id: body["device_id"].as_str().expect("a device id").to_owned(),
            user_id: body["user"]["id"].as_str().expect("a user id").to_owned(),
            device_check: body["device_check"].as_str().expect("a check").to_owned(),
        }
    }

    /// A token of the first admin (signed in once per `TestApp`).
    pub async fn admin_token(&self) -> String {
        let password = self
            .admin_password
            .clone()
            .expect("admin_token needs an app started with an admin password");
        self.admin_token
            .get_or_init(|| async { self.login("admin", &password).await.token })
            .await
            .clone()
    }

    /// Creates a user through the admin API (password [`password_of`] them); panics
    /// unless it succeeds. `role` is `admin`, `supervisor` or `officer`.
    pub async fn create_user(&self, username: &str, role: &str, regions: &[&str]) -> TestUser {
        let password = password_of(username);
        let body = json!({
            "username": username,
            "password": password,
            "role": role,
            "regions": regions,
        });
        let token = self.admin_token().await;
        let response = self
            .post_json("/api/admin/users", Some(&token), &body)
            .await;
        let created = expect_json(response, StatusCode::CREATED).await;
        TestUser {
            id: created["id"].as_str().expect("an id").to_owned(),
            username: username.to_owned(),
            password,
        }
    }

    /// Creates a user and signs them in.
    pub async fn create_user_and_login(
        &self,
        username: &str,
        role: &str,
        regions: &[&str],
    ) -> (TestUser, Session) {
        let user = self.create_user(username, role, regions).await;
        let session = self.login(&user.username, &user.password).await;
        (user, session)
    }

    /// Imports the small region list above through the admin API.
    pub async fn import_regions(&self) {
        self.import_regions_csv(REGENCIES_CSV, DISTRICTS_CSV, VILLAGES_CSV)
            .await;
    }

    /// Imports a region list (the admin API's three CSV files); panics unless it
    /// succeeds.
    pub async fn import_regions_csv(&self, regencies: &str, districts: &str, villages: &str) {
        let token = self.admin_token().await;
        let body = json!({
            "regencies_csv": regencies,
            "districts_csv": districts,
            "villages_csv": villages,
        });
        let response = self
            .post_json("/api/admin/regions/import", Some(&token), &body)
            .await;
        expect_json(response, StatusCode::OK).await;
    }
}

impl TestApp {
    // ---- devices (the native sync client) ----

    /// The first admin signed in on a new device.
    pub async fn admin_device(&self) -> NativeDevice {
        NativeDevice::login(&self.address, "admin", ADMIN_PASSWORD)
            .await
            .expect("admin logs in")
    }

    /// Creates a user through the admin API and signs them in on a new device.
    pub async fn device(&self, username: &str, role: &str, regions: &[&str]) -> NativeDevice {
        let user = self.create_user(username, role, regions).await;
        NativeDevice::login(&self.address, &user.username, &user.password)
            .await
            .expect("user logs in")
    }

    /// The number of registrations the server holds (`GET /api/admin/stats`).
    pub async fn registration_count(&self) -> u64 {
        let token = self.admin_token().await;
        let stats = expect_json(
            self.get("/api/admin/stats", Some(&token)).await,
            StatusCode::OK,
        )
        .await;
        stats["registrations"].as_u64().expect("a count")
    }
}

/// What most sync tests start from: a fresh server ([`spawn_app`]), a sample generator
/// seeded with `seed`, and Siti, an officer covering district 17.01.01 (Kedurang), signed
/// in on her phone.
pub async fn spawn_app_with_siti(seed: u64) -> (TestApp, SampleGenerator, NativeDevice) {
    let server = spawn_app().await;
    let gen = SampleGenerator::new(seed);
    let siti = server.device("siti", "officer", &["17.01.01"]).await;
    (server, gen, siti)
}

/// The password [`TestApp::create_user`] gives `username`.
/// Bytes left in the SQLite write-ahead log of `data_dir` (0 when there is none): a
/// store closed cleanly leaves none.
pub fn wal_bytes(data_dir: &Path) -> u64 {
    let wal = data_dir.join(format!(
        "{}-wal",
        jemput_server::store::sqlite::DATABASE_FILE
    ));
    std::fs::metadata(&wal).map_or(0, |m| m.len())
}

pub fn password_of(username: &str) -> String {
    format!("password-of-{username}")
}

/// `count` realistic registrations by `device`'s user in `village`, stored on the device.
pub fn register(
    device: &mut NativeDevice,
    gen: &mut SampleGenerator,
    village: &str,
    count: usize,
) -> Vec<Registration> {
    (0..count)
        .map(|_| {
            let registration = gen.registration(
                &device.user_id.clone(),
                &device.device_id.clone(),
                village,
                1_764_000_000_000,
            );
            device.create(&registration);
            registration
        })
        .collect()
}

/// [`register`], then one sync that pushes the new registrations to the server.
pub async fn register_and_sync(
    device: &mut NativeDevice,
    gen: &mut SampleGenerator,
    village: &str,
    count: usize,
) -> Vec<Registration> {
    let registrations = register(device, gen, village, count);
    device.sync().await.expect("the new registrations sync");
    registrations
}

/// The id of the first registration `device` holds, in id order.
pub fn first_id(device: &NativeDevice) -> String {
    device
        .replica
        .docs
        .keys()
        .next()
        .expect("the device holds a registration")
        .clone()
}

/// Syncs `device` and asserts that the server refused none of its changes.
pub async fn sync_accepted(device: &mut NativeDevice) {
    device.sync().await.expect("a sync");
    assert_nothing_rejected(device);
}

/// Asserts that the server refused none of `device`'s changes (listing them if it did).
#[track_caller]
pub fn assert_nothing_rejected(device: &NativeDevice) {
    assert!(
        device.replica.rejected.is_empty(),
        "{:?}",
        device.replica.rejected
    );
}

/// Edits registration `id` on `device` as one change signed by `author` at `at` (ms since
/// the epoch, by the phone's clock), as the officer's app does.
pub fn edit_as(
    device: &mut NativeDevice,
    id: &str,
    author: &ChangeAuthor,
    at: i64,
    change: impl FnOnce(&mut Registration),
) {
    let (doc, _) = device
        .replica
        .docs
        .get_mut(id)
        .expect("the device holds it");
    doc.edit_by(author, at, change).expect("an edit");
}

/// `device`'s user reviews registration `id` (`POST /api/registrations/{id}/review` with
/// `body`); panics unless the answer is 200. The JSON body.
pub async fn review(device: &mut NativeDevice, id: &str, body: Value) -> Value {
    let path = format!("/api/registrations/{id}/review");
    api_ok(device, "POST", &path, Some(body)).await
}

/// `device`'s user calls the API; panics unless the answer is 200. The JSON body.
pub async fn api_ok(
    device: &mut NativeDevice,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Value {
    let (status, body) = device
        .api(method, path, body)
        .await
        .expect("the API answers");
    assert_eq!(status, 200, "{method} {path}: {body}");
    body
}

/// `line` without ANSI escape sequences (`ESC [ … m`).
fn strip_colours(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// Asserts the status and returns the JSON body (with the body in the panic message).
pub async fn expect_json(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.expect("a response body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts an API error: status, `error.code`, and both messages present.
pub async fn expect_error(response: Response, status: StatusCode, code: &str) -> Value {
    let body = expect_json(response, status).await;
    assert_eq!(body["error"]["code"], code, "unexpected error: {body}");
    assert_error_messages(&body);
    body
}

/// Asserts a login refused for a wrong username or password: 401 `invalid_credentials`.
pub async fn expect_wrong_credentials(response: Response) -> Value {
    expect_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await
}

/// Asserts a login refused after too many failed attempts: 429 `too_many_attempts`.
pub async fn expect_too_many_attempts(response: Response) -> Value {
    expect_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await
}

/// Asserts that an API error body carries its message and message id.
pub fn assert_error_messages(body: &Value) {
    let present = |key: &str| body["error"][key].as_str().is_some_and(|m| !m.is_empty());
    assert!(present("message") && present("message_id"), "{body}");
}
