//! Two server instances on one PostgreSQL database, as behind a load balancer: officers'
//! phones sync through instance A while a supervisor (and an officer's second device)
//! edit the same registrations through instance B, all at the same time. Afterwards both
//! instances serve identical documents with every edit and comment in them, and a live
//! subscriber on B heard of changes that arrived through A.
//!
//! Runs only with `JEMPUT_TEST_DATABASE_URL` (`cargo xtask test` sets it): SQLite's file
//! belongs to one server process.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::harness::database::TEST_DATABASE_URL;
use crate::harness::events::Events;
use crate::harness::{assert_nothing_rejected, password_of, register, spawn_app, TestApp};
use jemput_server::client::NativeDevice;
use jemput_shared::registration::{Registration, ReviewComment};
use jemput_shared::sample::SampleGenerator;

/// Edit rounds; every device syncs concurrently in each.
const ROUNDS: usize = 4;
/// Registrations per officer, and how many of them every round edits.
const RECORDS: usize = 20;
const EDITED: usize = 8;

fn postgres_configured() -> bool {
    std::env::var(TEST_DATABASE_URL).is_ok_and(|url| !url.is_empty())
}

fn edit(device: &mut NativeDevice, id: &str, change: impl FnOnce(&mut Registration)) {
    let (doc, _) = device
        .replica
        .docs
        .get_mut(id)
        .expect("the device holds it");
    doc.edit(change).expect("an edit");
}

/// Every document a fresh device of supervisor `name` pulls from `server`: id →
/// registration.
async fn everything_on(server: &TestApp, name: &str) -> BTreeMap<String, Registration> {
    let mut device = NativeDevice::login(&server.address, name, &password_of(name))
        .await
        .expect("login");
    device.sync().await.expect("a full pull");
    device
        .replica
        .docs
        .iter()
        .map(|(id, (doc, _))| (id.clone(), doc.read().expect("a registration")))
        .collect()
}

#[tokio::test]
async fn two_instances_on_one_database_lose_nothing_and_agree() {
    if !postgres_configured() {
        println!("skipped: two instances need PostgreSQL; set {TEST_DATABASE_URL}");
        return;
    }
    let a = spawn_app().await;
    let b = a.start_beside().await;
    let mut gen = SampleGenerator::new(11);

    // Officers' phones on A, each with their own registrations.
    let areas = [
        ("siti", "17.01.01", "17.01.01.2001"),
        ("budi", "17.01.01", "17.01.01.2002"),
        ("eko", "17.01.02", "17.01.02.2001"),
    ];
    let mut phones = Vec::new();
    let mut records = Vec::new();
    for (name, district, village) in areas {
        let mut phone = a.device(name, "officer", &[district]).await;
        let ids: Vec<String> = register(&mut phone, &mut gen, village, RECORDS)
            .into_iter()
            .map(|r| r.id)
            .collect();
        phone.sync().await.expect("first sync on A");
        records.push(ids);
        phones.push(phone);
    }
    // Siti's second device (a tablet) and the supervisor work through B.
    let mut tablet = NativeDevice::login(&b.address, "siti", &password_of("siti"))
        .await
        .expect("siti on B");
    tablet.sync().await.expect("tablet pulls on B");
    let mut kepala = b.device("kepala", "supervisor", &["17.01"]).await;
    kepala.sync().await.expect("supervisor pulls on B");
    assert_eq!(kepala.replica.docs.len(), areas.len() * RECORDS);

    // A live subscriber on B hears of a commit that arrives through A.
    let mut notices = Events::open(&b.address, kepala.token()).await;
    let new_ids: Vec<String> = register(&mut phones[2], &mut gen, "17.01.02.2001", 3)
        .into_iter()
        .map(|r| r.id)
        .collect();
    phones[2].sync().await.expect("eko syncs on A");
    let notice = notices
        .wait_for("registrations", Duration::from_secs(10))
        .await;
    assert!(notice["seq"].as_u64().expect("a seq") > 0);
    records[2].extend(new_ids);

    // Rounds of concurrent edits of the same registrations through both instances.
    // After each, the server holds every change it acknowledged: a lost update would not
    // show in the end (devices push again what they hold and the server lacks), but an
    // acknowledgement promises the server has it now.
    b.device("pemeriksa", "supervisor", &["17.01"]).await;
    let kepala_id = kepala.user_id.clone();
    for round in 0..ROUNDS {
        for (phone, ids) in phones.iter_mut().zip(&records) {
            for id in &ids[..EDITED] {
                edit(phone, id, |r| r.address.hamlet = format!("Dusun {round}"));
            }
        }
        for id in &records[0][..EDITED] {
            edit(&mut tablet, id, |r| {
                r.address.street = format!("Jalan {round}")
            });
        }
        for ids in &records {
            for id in &ids[..EDITED] {
                edit(&mut kepala, id, |r| {
                    r.review.comments.push(ReviewComment {
                        id: format!("c{round}-{id}"),
                        author_id: kepala_id.clone(),
                        author_name: "Kepala".into(),
                        role: "supervisor".into(),
                        at: round as i64,
                        text: format!("Periksa lagi ({round})"),
                    })
                });
            }
        }
        let mut devices: Vec<NativeDevice> = std::mem::take(&mut phones);
        devices.push(tablet);
        devices.push(kepala);
        let tasks: Vec<_> = devices
            .into_iter()
            .map(|mut device| {
                tokio::spawn(async move {
                    let result = device.sync().await;
                    (device, result)
                })
            })
            .collect();
        let mut synced = Vec::new();
        for task in tasks {
            let (device, result) = task.await.expect("the sync task");
            result.expect("a concurrent sync succeeds");
            synced.push(device);
        }
        kepala = synced.pop().expect("kepala");
        tablet = synced.pop().expect("tablet");
        phones = synced;

        let on_a = everything_on(&a, "pemeriksa").await;
        for ids in &records {
            for id in &ids[..EDITED] {
                let registration = &on_a[id];
                assert_eq!(
                    registration.address.hamlet,
                    format!("Dusun {round}"),
                    "{id}"
                );
                assert_eq!(registration.review.comments.len(), round + 1, "{id}");
            }
        }
        for id in &records[0][..EDITED] {
            assert_eq!(on_a[id].address.street, format!("Jalan {round}"), "{id}");
        }
    }

    // Everyone catches up; nothing is pending or refused.
    for _ in 0..2 {
        for device in phones.iter_mut().chain([&mut tablet, &mut kepala]) {
            device.sync().await.expect("a catch-up sync");
        }
    }
    for device in phones.iter_mut().chain([&mut tablet, &mut kepala]) {
        assert_eq!(device.pending(), 0);
        assert_nothing_rejected(device);
    }

    // Both instances serve the same documents, with every edit and every comment.
    let on_a = everything_on(&a, "pemeriksa").await;
    let on_b = everything_on(&b, "pemeriksa").await;
    assert_eq!(on_a.len(), areas.len() * RECORDS + 3);
    assert_eq!(on_a, on_b, "both instances serve identical documents");
    for ids in &records {
        for id in &ids[..EDITED] {
            let registration = &on_a[id];
            assert_eq!(registration.address.hamlet, format!("Dusun {}", ROUNDS - 1));
            assert_eq!(registration.review.comments.len(), ROUNDS, "{id}");
        }
    }
    for id in &records[0][..EDITED] {
        assert_eq!(on_a[id].address.street, format!("Jalan {}", ROUNDS - 1));
    }
    assert_eq!(a.registration_count().await, b.registration_count().await);
}

/// The projection is written after the commit, by whichever instance holds the
/// projector's lock; a view on the other instance still shows every commit made through
/// the first before it asked.
#[tokio::test]
async fn a_view_on_one_instance_shows_what_was_just_committed_through_the_other() {
    if !postgres_configured() {
        println!("skipped: two instances need PostgreSQL; set {TEST_DATABASE_URL}");
        return;
    }
    let a = spawn_app().await;
    let b = a.start_beside().await;
    let mut gen = SampleGenerator::new(12);
    let mut phone = a.device("siti", "officer", &["17.01.01"]).await;
    for round in 1..=5 {
        register(&mut phone, &mut gen, "17.01.01.2001", 7);
        phone.sync().await.expect("a sync on A");
        assert_nothing_rejected(&phone);
        assert_eq!(b.registration_count().await, round * 7, "round {round}");
    }
}

/// As after a crash between a commit and its projection: the projection is emptied and
/// marked behind. A new instance, which never held those registrations in memory,
/// projects them again from the stored documents before its view answers.
#[tokio::test]
async fn a_projection_left_behind_is_rebuilt_from_the_stored_documents() {
    if !postgres_configured() {
        println!("skipped: needs PostgreSQL; set {TEST_DATABASE_URL}");
        return;
    }
    let a = spawn_app().await;
    let mut gen = SampleGenerator::new(13);
    let mut phone = a.device("siti", "officer", &["17.01.01"]).await;
    register(&mut phone, &mut gen, "17.01.01.2001", 25);
    phone.sync().await.expect("a sync on A");
    assert_eq!(a.registration_count().await, 25);
    a.database
        .execute("DELETE FROM registrations; UPDATE projection_state SET projected_seq = 0;");
    let b = a.start_beside().await;
    assert_eq!(b.registration_count().await, 25);
    assert_eq!(a.registration_count().await, 25);
}
