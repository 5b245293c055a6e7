//! The server is killed with SIGKILL while devices sync many documents, and restarted on
//! the same database (SQLite file, or PostgreSQL database). Every document acknowledged
//! before the kill survived it; after the devices sync again, every registration any
//! device holds is on the server exactly once, identical to the devices' copies. (The
//! same storm stopped with SIGTERM: `shutdown.rs`.)

use crate::harness::spawn_app;
use crate::harness::storm::{Storm, Stormed};

const DEVICES: usize = 4;
const RECORDS: usize = 400;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_sync_loses_nothing_and_duplicates_nothing() {
    let mut server = spawn_app().await;
    let storm = Storm::start(&server, DEVICES, RECORDS).await;
    let total = storm.total;
    Storm::until_committed(&server).await;
    server.kill().await;
    let stormed = storm.end().await;
    assert!(
        stormed.interrupted > 0,
        "the kill interrupted at least one device's sync"
    );
    let acknowledged = stormed.acknowledged();

    server.restart().await;
    Stormed::assert_kept(&server, &acknowledged).await;
    stormed.converge(&server, total).await;
}
