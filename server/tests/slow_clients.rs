//! Slow and numerous clients cannot take the server away from others: a client that
//! never finishes its request head is disconnected, connections beyond the cap wait
//! until others finish instead of crowding out everyone, and `/healthz` keeps answering
//! while 2,000 slow clients hang on — on a system whose soft open-file limit is the
//! common 1024.
//!
//! Its own test binary, not a module of `tests/api`: it raises this process's open-file
//! limit and holds 2,000 connections open, which would starve the servers and clients of
//! the other tests running in the same process (and `startup::spawn` sizes an in-process
//! server's connection cap from the process's descriptor budget). It starts its servers
//! itself and needs nothing of the harness.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use jemput_server::config::{Config, HttpConfig};
use jemput_server::{open_files, startup};
use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The first admin's password of the servers here.
const ADMIN_PASSWORD: &str = "slow-clients-admin";

/// The start of a request that never ends.
const PARTIAL_HEAD: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: jemput\r\nUser-Agent: slow";

async fn spawn_with(http: HttpConfig) -> (SocketAddr, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new("127.0.0.1:0", dir.path().join("data"));
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.http = http;
    let (address, _server) = startup::spawn(config).await.unwrap();
    (address, dir)
}

async fn slow_client(address: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.expect("connects");
    stream.write_all(PARTIAL_HEAD).await.expect("sends");
    stream
}

/// `GET /healthz` on a fresh connection; a generous timeout only guards against a hang.
async fn health(url: &str) -> StatusCode {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    client
        .get(format!("{url}/healthz"))
        .send()
        .await
        .expect("/healthz answers")
        .status()
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_head_is_disconnected() {
    let (address, _dir) = spawn_with(HttpConfig {
        head_timeout: Duration::from_millis(500),
        ..HttpConfig::default()
    })
    .await;
    let mut stream = slow_client(address).await;
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut rest)).await;
    assert!(
        closed.is_ok(),
        "the connection is still open a minute later"
    );
}

#[tokio::test]
async fn a_request_body_that_stalls_is_answered_408_in_json() {
    let (address, _dir) = spawn_with(HttpConfig {
        body_stall_timeout: Duration::from_millis(500),
        ..HttpConfig::default()
    })
    .await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            b"POST /api/auth/login HTTP/1.1\r\nHost: jemput\r\n\
              Content-Type: application/json\r\nContent-Length: 60\r\n\r\n{\"username\":",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = async {
        let mut buffer = [0u8; 4096];
        while let Ok(n @ 1..) = stream.read(&mut buffer).await {
            answer.extend_from_slice(&buffer[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("an answer within a minute");
    let answer = String::from_utf8_lossy(&answer).to_lowercase();
    assert!(answer.starts_with("http/1.1 408"), "{answer}");
    assert!(answer.contains("cache-control: no-store"), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_others_finish() {
    let (address, _dir) = spawn_with(HttpConfig {
        max_connections: Some(3),
        ..HttpConfig::default()
    })
    .await;
    let url = format!("http://{address}");
    let mut holders = Vec::new();
    for _ in 0..3 {
        holders.push(slow_client(address).await);
    }
    let waiting = tokio::spawn(async move { health(&url).await });
    // With the cap taken, the fourth connection is not served…
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !waiting.is_finished(),
        "a fourth connection was served while three held the cap of 3"
    );
    // …until the others finish.
    drop(holders);
    assert_eq!(waiting.await.unwrap(), StatusCode::OK);
}

#[tokio::test]
async fn health_answers_while_2000_slow_clients_hang_on() {
    const SLOW_CLIENTS: u64 = 2000;
    // This process holds one end of every connection.
    let ours = open_files::raise_soft_limit();
    if ours < SLOW_CLIENTS + 200 {
        eprintln!("skipped: this system allows only {ours} open files");
        return;
    }
    let server = ServerWithFileLimit::start(1024).await;
    let mut slow = Vec::new();
    for _ in 0..SLOW_CLIENTS {
        slow.push(slow_client(server.address).await);
    }
    for _ in 0..5 {
        assert_eq!(health(&server.url()).await, StatusCode::OK);
    }
    drop(slow);
}

/// The real `jemput-server` started with a soft open-file limit of `soft` (the hard
/// limit unchanged), as a login shell or a plain service would start it.
struct ServerWithFileLimit {
    address: SocketAddr,
    _process: tokio::process::Child,
    _dir: tempfile::TempDir,
}

impl ServerWithFileLimit {
    async fn start(soft: u64) -> ServerWithFileLimit {
        let dir = tempfile::tempdir().unwrap();
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_jemput-server"));
        command
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .env_remove("JEMPUT_DATABASE_URL")
            .env_remove("JEMPUT_MAX_CONNECTIONS")
            .env("JEMPUT_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        // SAFETY: between fork and exec only async-signal-safe calls: getrlimit and
        // setrlimit on this process's own limits.
        unsafe {
            command.pre_exec(move || {
                let mut limit = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                limit.rlim_cur = soft.min(limit.rlim_max);
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut process = command.spawn().expect("jemput-server starts");
        let mut lines = BufReader::new(process.stdout.take().unwrap()).lines();
        let address = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    return rest.trim().parse().unwrap();
                }
            }
            panic!("jemput-server exited before listening");
        })
        .await
        .expect("jemput-server listens within 30 s");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        ServerWithFileLimit {
            address,
            _process: process,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}
