//! Stopping the server with SIGTERM, as systemd does before an upgrade: it stops taking
//! connections, lets the requests in flight finish (up to `--shutdown-grace`), ends the
//! live-event streams at once, closes the database and exits with status 0. Nothing a
//! phone was told is stored is lost, and the phones converge after the restart.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::storm::{Storm, Stormed};
use crate::harness::{spawn_app, spawn_app_with_args, wal_bytes, TestApp, ADMIN_PASSWORD};

const DEVICES: usize = 4;
const RECORDS: usize = 400;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_storm_exits_cleanly_and_loses_nothing() {
    let mut server = spawn_app().await;
    let storm = Storm::start(&server, DEVICES, RECORDS).await;
    let total = storm.total;
    Storm::until_committed(&server).await;
    let status = server.terminate().await;
    assert!(status.success(), "exit {status}; log:\n{}", server.log());
    let stormed = storm.end().await;
    assert!(
        stormed.interrupted > 0,
        "the SIGTERM interrupted at least one device's sync"
    );
    // One line as the shutdown begins and one as it ends; the syncs in flight finished
    // well within the grace period.
    assert_eq!(server.log_lines_with(&["shutting down"]).len(), 1);
    assert_stopped_dropping(&server, 0);
    if !server.database.is_postgres() {
        // The store closed cleanly: the write-ahead log was checkpointed into the file.
        assert_eq!(
            wal_bytes(&server.data_dir),
            0,
            "the WAL is empty after the shutdown; log:\n{}",
            server.log()
        );
    }

    let acknowledged = stormed.acknowledged();
    server.restart().await;
    Stormed::assert_kept(&server, &acknowledged).await;
    stormed.converge(&server, total).await;
}

#[tokio::test]
async fn a_request_in_flight_finishes_while_new_connections_are_refused() {
    // A grace period far longer than the test may wait: the server must not spend it on
    // the live-event stream, which ends at once.
    let mut server = spawn_app_with_args(&["--shutdown-grace", "10min"]).await;
    let (_, supervisor) = server
        .create_user_and_login("pengawas", "supervisor", &["17.01"])
        .await;
    let mut events = reqwest::Client::new()
        .get(server.url("/api/events"))
        .bearer_auth(&supervisor.token)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    let mut login = HeldLogin::start(&server).await;

    server.sigterm();
    refused_once_closed(&server).await;
    let answer = login.finish().await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"token\""), "{answer}");
    // The event stream ended (its remaining chunks, then the end).
    while let Some(_chunk) = events.chunk().await.unwrap_or(None) {}
    let status = server.exited().await;
    assert!(status.success(), "exit {status}; log:\n{}", server.log());
    assert_stopped_dropping(&server, 0);
}

#[tokio::test]
async fn a_request_outlasting_the_grace_period_is_dropped_and_the_server_exits() {
    let mut server = spawn_app_with_args(&["--shutdown-grace", "1s"]).await;
    let mut login = HeldLogin::start(&server).await;
    let status = server.terminate().await;
    assert!(status.success(), "exit {status}; log:\n{}", server.log());
    assert_stopped_dropping(&server, 1);
    // The connection was closed without an answer: the phone retries later.
    let mut rest = Vec::new();
    let _ = login.stream.read_to_end(&mut rest).await;
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
}

/// The server logged its end once, with `dropped` connections cut at the grace period.
fn assert_stopped_dropping(server: &TestApp, dropped: usize) {
    let counted = format!("dropped_connections={dropped}");
    let lines = server.log_lines_with(&["stopped", &counted]);
    assert_eq!(lines.len(), 1, "{}", server.log());
}

/// A sign-in whose body is only half sent: a request the server is handling, for as long
/// as the test wants.
struct HeldLogin {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl HeldLogin {
    /// Sends the head and half the body, and waits for the server's `100 Continue`: the
    /// handler is reading the body, so the request is in flight.
    async fn start(server: &TestApp) -> HeldLogin {
        let body = serde_json::json!({
            "username": "admin",
            "password": ADMIN_PASSWORD,
            "device_name": "held",
        })
        .to_string();
        let (first, rest) = body.as_bytes().split_at(body.len() / 2);
        let mut stream = TcpStream::connect(server.address.trim_start_matches("http://"))
            .await
            .unwrap();
        let head = format!(
            "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = [0u8; 64];
        let n = stream.read(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(answer.starts_with("HTTP/1.1 100 Continue"), "{answer}");
        stream.write_all(first).await.unwrap();
        HeldLogin {
            stream,
            rest: rest.to_vec(),
        }
    }

    /// Sends the rest of the body; the whole answer.
    async fn finish(&mut self) -> String {
        self.stream.write_all(&self.rest).await.unwrap();
        let mut answer = Vec::new();
        self.stream.read_to_end(&mut answer).await.unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    }
}

/// Waits until a new connection is refused: the server closed its listener.
async fn refused_once_closed(server: &TestApp) {
    let address = server.address.trim_start_matches("http://");
    for _ in 0..1_000 {
        match TcpStream::connect(address).await {
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => return,
            // Accepted before the signal, or reset as the listener closed under it.
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(error) => panic!("connecting: {error}"),
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the server still accepts connections 10 s after SIGTERM");
}
