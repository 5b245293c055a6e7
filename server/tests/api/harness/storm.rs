//! A sync storm that something interrupts — a SIGKILL (`crash.rs`), a SIGTERM
//! (`shutdown.rs`): several officers' phones push many small batches at once; once it is
//! interrupted, whatever a phone holds as acknowledged must be on the server, and after
//! the phones sync again every registration is there exactly once, identical.

use std::collections::BTreeMap;
use std::time::Duration;

use jemput_server::client::NativeDevice;
use jemput_shared::document::Hash;
use jemput_shared::sample::SampleGenerator;
use jemput_shared::sync::device::SyncLimits;
use tokio::task::JoinHandle;

use super::{assert_nothing_rejected, password_of, register, TestApp};

/// Devices syncing at once.
pub struct Storm {
    syncing: Vec<JoinHandle<(NativeDevice, bool)>>,
    /// Registrations the devices hold between them.
    pub total: usize,
}

/// The devices once their syncs ended.
pub struct Stormed {
    pub devices: Vec<NativeDevice>,
    /// How many devices' syncs failed (the server went away under them).
    pub interrupted: usize,
}

impl Storm {
    /// `devices` officers of district 17.01.01, each with `records` new registrations,
    /// all syncing at once in small batches: many requests, so whatever stops the server
    /// lands in the middle of the storm.
    pub async fn start(server: &TestApp, devices: usize, records: usize) -> Storm {
        let mut gen = SampleGenerator::new(42);
        let mut syncing = Vec::new();
        for i in 0..devices {
            let mut device = server
                .device(&format!("officer{i}"), "officer", &["17.01.01"])
                .await;
            device.limits = SyncLimits {
                max_push_bytes: 4 * 1024,
                ..SyncLimits::default()
            };
            register(&mut device, &mut gen, "17.01.01.2001", records);
            syncing.push(tokio::spawn(async move {
                let result = device.sync().await;
                (device, result.is_ok())
            }));
        }
        Storm {
            syncing,
            total: devices * records,
        }
    }

    /// Waits until the server has committed part of the storm; how much.
    pub async fn until_committed(server: &TestApp) -> u64 {
        for _ in 0..2_000 {
            let committed = server.registration_count().await;
            if committed > 0 {
                return committed;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("the server committed nothing of the storm");
    }

    /// Waits for every device's sync to end.
    pub async fn end(self) -> Stormed {
        let mut devices = Vec::new();
        let mut interrupted = 0;
        for task in self.syncing {
            let (device, finished) = task.await.expect("device task");
            interrupted += usize::from(!finished);
            devices.push(device);
        }
        Stormed {
            devices,
            interrupted,
        }
    }
}

impl Stormed {
    /// What the devices hold as acknowledged by the server: document id → heads.
    pub fn acknowledged(&self) -> BTreeMap<String, Vec<Hash>> {
        let mut acknowledged = BTreeMap::new();
        for device in &self.devices {
            for (id, (_, synced)) in device.replica.docs.iter() {
                if !synced.heads.is_empty() {
                    acknowledged.insert(id.clone(), synced.heads.clone());
                }
            }
        }
        acknowledged
    }

    /// Asserts that a supervisor of the whole regency pulls every acknowledged change.
    pub async fn assert_kept(server: &TestApp, acknowledged: &BTreeMap<String, Vec<Hash>>) {
        let mut supervisor = server.device("supervisor", "supervisor", &["17.01"]).await;
        supervisor.sync().await.expect("a supervisor pulls");
        for (id, heads) in acknowledged {
            let (doc, _) = supervisor
                .replica
                .docs
                .get_mut(id)
                .unwrap_or_else(|| panic!("acknowledged {id} lost"));
            assert!(doc.contains_all(heads), "acknowledged changes of {id} lost");
        }
    }

    /// The devices sync again (retrying as the app does) until nothing is pending; then
    /// the server holds each of the `total` registrations once, as the devices do.
    pub async fn converge(mut self, server: &TestApp, total: usize) {
        for device in &mut self.devices {
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
        assert_eq!(
            server.registration_count().await,
            total as u64,
            "each registration exactly once"
        );
        let mut fresh =
            NativeDevice::login(&server.address, "supervisor", &password_of("supervisor"))
                .await
                .unwrap();
        fresh.sync().await.unwrap();
        assert_eq!(fresh.replica.docs.len(), total);
        for device in &mut self.devices {
            for (id, (doc, _)) in device.replica.docs.iter_mut() {
                let (copy, _) = fresh.replica.docs.get_mut(id).expect("on the server");
                let (mut mine, mut theirs) = (doc.heads(), copy.heads());
                mine.sort();
                theirs.sort();
                assert_eq!(mine, theirs, "{id} differs between device and server");
            }
        }
    }
}
