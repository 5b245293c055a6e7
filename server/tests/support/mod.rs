//! What every integration test needs: [`spawn_app`] starts the real `jemput-server`
//! binary, exactly as an operator runs it (`serve --addr 127.0.0.1:0` on a fresh data
//! directory), reads the port from its "listening on" line, and hands back a [`TestApp`]
//! with an HTTP client and helpers to create users and sign in.
//!
//! A separate process, not an in-process server, so tests can also kill it with SIGKILL
//! mid-request and start it again on the same data ([`TestApp::kill`],
//! [`TestApp::restart`]), and run the CLI against the same database.
//!
//! The server's log (stderr) goes to `server.log` in the data directory's parent;
//! [`TestApp::log`] reads it, handy in a failing assertion's message.
//!
//! With `JEMPUT_TEST_DATABASE_URL` set, each server keeps its data in a fresh PostgreSQL
//! database instead of SQLite (see `backend`).

// Each test binary uses a different part of this module.
#![allow(dead_code)]

#[path = "../backend/mod.rs"]
pub mod backend;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::OnceCell;

use backend::TestDatabase;

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
    /// After `server`: dropped once the server is killed.
    pub database: TestDatabase,
    admin_password: Option<String>,
    /// Given to `serve` after the usual arguments, on every (re)start.
    serve_args: Vec<String>,
    admin_token: OnceCell<String>,
    // Last: removed after the server is gone.
    _dir: TempDir,
}

/// A user created through the admin API.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub username: String,
    pub password: String,
    pub role: String,
}

/// A signed-in device.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub device_id: String,
    pub user_id: String,
}

/// A server on a random port with a fresh database whose admin password is
/// [`ADMIN_PASSWORD`].
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Some(ADMIN_PASSWORD)).await
}

/// Like [`spawn_app`]; `None` leaves `JEMPUT_ADMIN_PASSWORD` unset, so the server
/// generates the admin password and prints it.
pub async fn spawn_app_with(admin_password: Option<&str>) -> TestApp {
    spawn_app_configured(admin_password, &[]).await
}

/// Like [`spawn_app`], with more `serve` options (`["--officer-session-idle", "2s"]`).
pub async fn spawn_app_with_args(serve_args: &[&str]) -> TestApp {
    spawn_app_configured(Some(ADMIN_PASSWORD), serve_args).await
}

async fn spawn_app_configured(admin_password: Option<&str>, serve_args: &[&str]) -> TestApp {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data_dir = dir.path().join("data");
    let database = TestDatabase::create();
    let serve_args: Vec<String> = serve_args.iter().map(|a| a.to_string()).collect();
    let (server, address, startup_output) = start_server(
        dir.path(),
        &data_dir,
        &database,
        admin_password,
        &serve_args,
    )
    .await;
    TestApp {
        address,
        client: reqwest::Client::new(),
        data_dir,
        startup_output,
        server,
        database,
        admin_password: admin_password.map(str::to_owned),
        serve_args,
        admin_token: OnceCell::new(),
        _dir: dir,
    }
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

async fn start_server(
    dir: &Path,
    data_dir: &Path,
    database: &TestDatabase,
    admin_password: Option<&str>,
    serve_args: &[String],
) -> (Child, String, Vec<String>) {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .expect("a log file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_jemput-server"));
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(database.args())
        .args(serve_args)
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
                return format!("http://{}", rest.trim());
            }
            before.push(line);
        }
        panic!(
            "jemput-server exited before listening; its log:\n{}",
            std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
        );
    })
    .await
    .expect("jemput-server listens within 30 s");
    // Keep draining stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (server, address, before)
}

impl TestApp {
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

    /// Kills the server at once (SIGKILL): no shutdown, no flushing beyond what SQLite
    /// already made durable.
    pub async fn kill(&mut self) {
        let _ = self.server.start_kill();
        let _ = self.server.wait().await;
    }

    /// Starts the server again on the same data directory (after [`TestApp::kill`]); it
    /// gets a new port, so `address` changes. Tokens stay valid.
    pub async fn restart(&mut self) {
        self.kill().await;
        let dir = self
            .data_dir
            .parent()
            .expect("data dir has a parent")
            .to_owned();
        let (server, address, output) = start_server(
            &dir,
            &self.data_dir,
            &self.database,
            self.admin_password.as_deref(),
            &self.serve_args,
        )
        .await;
        self.server = server;
        self.address = address;
        self.startup_output = output;
    }

    /// Runs the `jemput-server` CLI on this server's database (`--data-dir`, and
    /// `--database` with PostgreSQL, are added), with `env` set. The server may keep
    /// running meanwhile.
    pub async fn cli(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_jemput-server"));
        command
            .args(args)
            .arg("--data-dir")
            .arg(&self.data_dir)
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

    /// Signs in (a new device each time); panics unless it succeeds.
    pub async fn login(&self, username: &str, password: &str) -> Session {
        let response = self.try_login(username, password).await;
        let body = expect_json(response, StatusCode::OK).await;
        Session {
            token: body["token"].as_str().expect("a token").to_owned(),
            device_id: body["device_id"].as_str().expect("a device id").to_owned(),
            user_id: body["user"]["id"].as_str().expect("a user id").to_owned(),
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

    /// Creates a user through the admin API (password `password-of-<username>`); panics
    /// unless it succeeds. `role` is `admin`, `supervisor` or `officer`.
    pub async fn create_user(&self, username: &str, role: &str, regions: &[&str]) -> TestUser {
        let password = format!("password-of-{username}");
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
            role: role.to_owned(),
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
        let token = self.admin_token().await;
        let body = json!({
            "regencies_csv": REGENCIES_CSV,
            "districts_csv": DISTRICTS_CSV,
            "villages_csv": VILLAGES_CSV,
        });
        let response = self
            .post_json("/api/admin/regions/import", Some(&token), &body)
            .await;
        expect_json(response, StatusCode::OK).await;
    }
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
    assert!(body["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert!(body["error"]["message_id"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    body
}
