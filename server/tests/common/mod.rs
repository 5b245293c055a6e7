//! Starts the real `jemput-server` binary on `127.0.0.1:0` with a temporary data
//! directory, exactly as a user runs it, and talks to it over HTTP with the native device
//! client. Shared by the sync, scope and crash tests. With `JEMPUT_TEST_DATABASE_URL`
//! set, the server keeps its data in a fresh PostgreSQL database (see `backend`).
#![allow(dead_code)]

#[path = "../backend/mod.rs"]
pub mod backend;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use jemput_server::client::NativeDevice;
use jemput_shared::registration::Registration;
use jemput_shared::sample::SampleGenerator;
use serde_json::json;

use backend::TestDatabase;

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const PASSWORD: &str = "password-for-tests";

pub struct ServerProcess {
    child: Child,
    pub data_dir: PathBuf,
    /// Shared by restarts and by other instances ([`ServerProcess::start_beside`]).
    pub database: std::sync::Arc<TestDatabase>,
    _temp: Option<tempfile::TempDir>,
    pub url: String,
}

impl ServerProcess {
    /// A server on a fresh data directory.
    pub fn start() -> ServerProcess {
        let temp = tempfile::tempdir().expect("temp dir");
        let data_dir = temp.path().to_owned();
        let database = std::sync::Arc::new(TestDatabase::create());
        let mut server = ServerProcess::start_on(data_dir, database, "127.0.0.1:0");
        server._temp = Some(temp);
        server
    }

    /// A second instance on this server's database (PostgreSQL only: SQLite's file
    /// belongs to one server process).
    pub fn start_beside(&self) -> ServerProcess {
        assert!(self.database.is_postgres(), "two instances need PostgreSQL");
        ServerProcess::start_on(
            self.data_dir.clone(),
            std::sync::Arc::clone(&self.database),
            "127.0.0.1:0",
        )
    }

    /// A server on a fresh data directory whose address space is limited to `bytes`: a
    /// server that tries to allocate far more dies instead of taking the test machine's
    /// memory.
    pub fn start_with_address_space(bytes: u64) -> ServerProcess {
        let temp = tempfile::tempdir().expect("temp dir");
        let database = std::sync::Arc::new(TestDatabase::create());
        let mut server =
            ServerProcess::spawn(temp.path().to_owned(), database, "127.0.0.1:0", |command| {
                use std::os::unix::process::CommandExt;
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
            });
        server._temp = Some(temp);
        server
    }

    /// The server's process id, to read its memory use from `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// True while the server process has not exited.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// A server on `data_dir` (or `database`), listening on `addr`.
    pub fn start_on(
        data_dir: PathBuf,
        database: std::sync::Arc<TestDatabase>,
        addr: &str,
    ) -> ServerProcess {
        ServerProcess::spawn(data_dir, database, addr, |_| {})
    }

    fn spawn(
        data_dir: PathBuf,
        database: std::sync::Arc<TestDatabase>,
        addr: &str,
        configure: impl FnOnce(&mut Command),
    ) -> ServerProcess {
        let mut command = Command::new(env!("CARGO_BIN_EXE_jemput-server"));
        command
            .args(["serve", "--addr", addr, "--data-dir"])
            .arg(&data_dir)
            .args(database.args())
            .env_remove("JEMPUT_DATABASE_URL")
            .env("JEMPUT_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        configure(&mut command);
        let mut child = command.spawn().expect("jemput-server starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("server printed its address")
                .expect("readable stdout");
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.trim().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        ServerProcess {
            child,
            data_dir,
            database,
            _temp: None,
            url,
        }
    }

    /// The `host:port` the server listens on.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("http://").to_owned()
    }

    /// Kills the server with SIGKILL, as a power cut or OOM kill would.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }

    /// Restarts a killed server on the same data directory and port.
    pub fn restart(&mut self) {
        let temp = self._temp.take();
        let mut next = None;
        for _ in 0..50 {
            let attempt = std::panic::catch_unwind(|| {
                ServerProcess::start_on(
                    self.data_dir.clone(),
                    std::sync::Arc::clone(&self.database),
                    &self.addr(),
                )
            });
            if let Ok(server) = attempt {
                next = Some(server);
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut next = next.expect("server restarts on its port");
        next._temp = temp;
        std::mem::swap(self, &mut next);
    }

    pub async fn admin(&self) -> NativeDevice {
        NativeDevice::login(&self.url, "admin", ADMIN_PASSWORD)
            .await
            .expect("admin logs in")
    }

    /// Creates a user through the admin API and logs in as them on a new device.
    pub async fn user(&self, username: &str, role: &str, regions: &[&str]) -> NativeDevice {
        let mut admin = self.admin().await;
        let (status, body) = admin
            .api(
                "POST",
                "/api/admin/users",
                Some(json!({"username": username, "password": PASSWORD, "role": role, "display_name": username, "regions": regions})),
            )
            .await
            .expect("admin API answers");
        assert!(
            status == 201 || status == 200,
            "creating {username}: {status} {body}"
        );
        NativeDevice::login(&self.url, username, PASSWORD)
            .await
            .expect("user logs in")
    }

    pub async fn registration_count(&self) -> u64 {
        let (status, body) = self
            .admin()
            .await
            .api("GET", "/api/admin/stats", None)
            .await
            .expect("stats");
        assert_eq!(status, 200, "{body}");
        body["registrations"].as_u64().expect("a count")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `count` realistic registrations by `device`'s user in `village`.
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
