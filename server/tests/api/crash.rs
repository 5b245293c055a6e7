//! The server is killed with SIGKILL while devices sync many documents, and restarted on
//! the same database (SQLite file, or PostgreSQL database). Every document acknowledged before the kill survived it; after
//! the devices sync again, every registration any device holds is on the server exactly
//! once, identical to the devices' copies.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::harness::{assert_nothing_rejected, password_of, register, spawn_app};
use jemput_server::client::NativeDevice;
use jemput_shared::sample::SampleGenerator;
use jemput_shared::sync::device::SyncLimits;

const DEVICES: usize = 4;
const RECORDS: usize = 400;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_sync_loses_nothing_and_duplicates_nothing() {
    let mut server = spawn_app().await;
    let mut gen = SampleGenerator::new(42);
    let mut devices = Vec::new();
    for i in 0..DEVICES {
        let mut device = server
            .device(&format!("officer{i}"), "officer", &["17.01.01"])
            .await;
        // Small batches: many requests, so the kill lands in the middle of the sync.
        device.limits = SyncLimits {
            max_push_bytes: 4 * 1024,
            ..SyncLimits::default()
        };
        register(&mut device, &mut gen, "17.01.01.2001", RECORDS);
        devices.push(device);
    }

    // All devices sync at once; the server is killed once it has committed some.
    let syncing: Vec<_> = devices
        .into_iter()
        .map(|mut device| {
            tokio::spawn(async move {
                let result = device.sync().await;
                (device, result.is_ok())
            })
        })
        .collect();
    let mut committed_before_kill = 0;
    for _ in 0..2_000 {
        committed_before_kill = server.registration_count().await;
        if committed_before_kill > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().await;
    let mut devices = Vec::new();
    let mut interrupted = 0;
    for task in syncing {
        let (device, finished) = task.await.expect("device task");
        interrupted += usize::from(!finished);
        devices.push(device);
    }
    assert!(
        committed_before_kill > 0,
        "the server committed something before the kill"
    );
    assert!(
        interrupted > 0,
        "the kill interrupted at least one device's sync"
    );

    // What the devices hold as acknowledged before the kill.
    let mut acknowledged = BTreeMap::new();
    for device in &mut devices {
        for (id, (_, synced)) in device.replica.docs.iter() {
            if !synced.heads.is_empty() {
                acknowledged.insert(id.clone(), synced.heads.clone());
            }
        }
    }

    server.restart().await;
    let mut supervisor = server.device("supervisor", "supervisor", &["17.01"]).await;
    supervisor
        .sync()
        .await
        .expect("supervisor pulls after restart");
    for (id, heads) in &acknowledged {
        let (doc, _) = supervisor
            .replica
            .docs
            .get_mut(id)
            .unwrap_or_else(|| panic!("acknowledged {id} lost in the crash"));
        assert!(
            doc.contains_all(heads),
            "acknowledged changes of {id} lost in the crash"
        );
    }

    // The devices sync again (retrying as the app does) until nothing is pending.
    for device in &mut devices {
        let mut attempts = 0;
        while device.pending() > 0 || attempts == 0 {
            attempts += 1;
            assert!(
                attempts < 20,
                "device {} cannot finish syncing",
                device.device_id
            );
            if device.sync().await.is_err() {
                // The first request after the restart may meet the old connection.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        assert_nothing_rejected(device);
    }

    let total = DEVICES * RECORDS;
    assert_eq!(
        server.registration_count().await,
        total as u64,
        "each registration exactly once"
    );
    let mut fresh = NativeDevice::login(&server.address, "supervisor", &password_of("supervisor"))
        .await
        .unwrap();
    fresh.sync().await.unwrap();
    assert_eq!(fresh.replica.docs.len(), total);
    for device in &mut devices {
        for (id, (doc, _)) in device.replica.docs.iter_mut() {
            let (copy, _) = fresh.replica.docs.get_mut(id).expect("on the server");
            let (mut mine, mut theirs) = (doc.heads(), copy.heads());
            mine.sort();
            theirs.sort();
            assert_eq!(mine, theirs, "{id} differs between device and server");
        }
    }
}
